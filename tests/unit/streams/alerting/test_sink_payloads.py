"""What each sink sends: Block Kit and Adaptive Card shapes and limits, the same content, the registry."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from detectors.crisis.model import Transition
from detectors.errors import ConfigError
from streams.alerting.render import Crisis, Event
from streams.alerting.sinks import chat_sink, sink_types, sinks_from_settings
from streams.alerting.sinks.base import ChatSink, Notice, Sink, WebhookTarget
from streams.alerting.sinks.slack import slack_payload
from streams.alerting.sinks.teams import teams_payload
from streams.alerting.sinks.webhook import webhook_payload
from streams.settings import Settings, load_settings
from streams.wire.alert import AlertEvent
from tests.integration.alerting_fixtures import check_block_kit, check_teams_card

T0 = 1_714_564_800.0
POSTS = [
    {"id": "m1", "text": "Kauhea palvelu, en enää ikinä osta acmelta", "url": "https://x.example/p/1",
     "handle": "liisa", "compound": -0.84},
    {"id": "m2", "text": "acme lost my luggage <!channel> & [click](https://evil.example) now",
     "url": "javascript:alert(1)", "handle": "@bob", "compound": -0.71},
]
NUMBERS = {"window_minutes": 30, "mentions": 80, "scored": 74, "negative": 52, "negative_authors": 41,
           "neg_share": 0.703, "usual_share": 0.12, "usual_for": "Wednesday 14:00", "volume_ratio": 6.4,
           "languages": {"fi": 30, "en": 18, "sv": 4}, "top_negative": POSTS}
LINKS = {"dashboard_url": "https://grafana.example.com/d/b?var-brand={brand}",
         "brand_url": "https://firebreak.example.com/api/v1/brands/{brand}"}


def crisis(reason: str = "52 negative of 74 scored mentions in 30 min", brand: str = "acme",
           numbers: dict[str, Any] | None = None) -> Crisis:
    """The crisis a notifier builds from a crisis event."""
    t = Transition(brand, T0, "crisis", "elevated", True, "negative_surge", reason,
                   NUMBERS if numbers is None else numbers, f"{brand}:{int(T0)}")
    return Crisis.from_alert(AlertEvent.from_transition(t, "m1", T0), **LINKS)


EVENTS: list[tuple[Event, float | None]] = [("firing", None), ("reminder", None), ("resolved", T0 + 5400)]


class TestBlockKit:
    """The Slack sink posts Block Kit within Slack's limits, with a plain text fallback."""

    @pytest.mark.parametrize(("event", "resolved_at"), EVENTS)
    def test_every_message_has_the_documented_shape(self, event: Event, resolved_at: float | None) -> None:
        """Firing, reminder and resolved messages pass the Block Kit check; no legacy attachments."""
        body = slack_payload(crisis(), event, resolved_at)
        assert check_block_kit(body) == []
        types = [b["type"] for b in body["blocks"]]
        assert types[:2] == ["header", "section"] and "context" in types and types[-1] == "actions"

    def test_the_page_has_header_fields_posts_and_buttons(self) -> None:
        """Header names the brand; fields carry the numbers in the brand's terms; buttons link out."""
        blocks = slack_payload(crisis(), "firing")["blocks"]
        assert blocks[0]["text"]["text"].endswith("Crisis: acme")
        fields = {f["text"].split("\n")[0].strip("*"): f["text"].split("\n")[1]
                  for b in blocks if "fields" in b for f in b["fields"]}
        assert fields["Negativity"] == "70% (usual 12% for Wednesday 14:00)"
        assert fields["Languages"] == "fi 30, en 18, sv 4" and fields["Promotion"] == "PAUSED"
        buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert [e["text"]["text"] for e in buttons] == ["Dashboard", "Runbook", "Brand page"]
        assert buttons[2]["url"] == "https://firebreak.example.com/api/v1/brands/acme"

    def test_a_post_cannot_mention_the_channel_or_forge_a_link(self) -> None:
        """Post text is escaped; a non-http(s) post URL is not linked."""
        sections = [b["text"]["text"] for b in slack_payload(crisis(), "firing")["blocks"] if "text" in b]
        posts = next(t for t in sections if t.startswith("*Loudest"))
        assert "<!channel>" not in posts and "&lt;!channel&gt;" in posts and "&amp;" in posts
        assert "<https://x.example/p/1|@liisa>" in posts and "javascript:" not in posts

    def test_long_texts_are_cut_to_the_limits(self) -> None:
        """A 5,000-character reason and a 200-character brand still fit (section 3,000, header 150)."""
        body = slack_payload(crisis(reason="x" * 5000, brand="b" * 200), "firing")
        assert check_block_kit(body) == []
        assert body["blocks"][1]["text"]["text"].endswith("…")


class TestTeamsCard:
    """The Teams sink posts an Adaptive Card 1.4 message with the Slack page's content."""

    @pytest.mark.parametrize(("event", "resolved_at"), EVENTS)
    def test_every_message_has_the_documented_shape(self, event: Event, resolved_at: float | None) -> None:
        """A ``message`` with one Adaptive Card attachment: schema, version 1.4, known element types."""
        body = teams_payload(crisis(), event, resolved_at)
        assert check_teams_card(body) == []
        card = body["attachments"][0]["content"]
        assert card["version"] == "1.4" and card["body"][0]["type"] == "Container"
        assert {a["type"] for a in card["actions"]} == {"Action.OpenUrl"}

    @pytest.mark.parametrize(("event", "resolved_at"), EVENTS)
    def test_same_content_as_the_slack_page(self, event: Event, resolved_at: float | None) -> None:
        """The FactSet equals the Slack fields, and the buttons are the same links."""
        c = crisis()
        slack = slack_payload(c, event, resolved_at)["blocks"]
        card = teams_payload(c, event, resolved_at)["attachments"][0]["content"]
        facts = [(f["title"], f["value"]) for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]]
        fields = [tuple(f["text"].split("\n", 1)) for b in slack if "fields" in b for f in b["fields"]]
        assert [(f"*{t}*", v) for t, v in facts] == fields
        assert [a["url"] for a in card["actions"]] == [
            e["url"] for b in slack if b["type"] == "actions" for e in b["elements"]]

    def test_acknowledgement_and_manual_changes_show_on_both(self) -> None:
        """Who took the crisis and the latest manual change are facts of the card and the page."""
        c = crisis()
        c.acknowledged_by, c.acknowledged_at = "ana", T0 + 120
        c.notes.append("2024-05-01T12:05:00Z: paused by ops")
        card = teams_payload(c, "reminder")["attachments"][0]["content"]
        facts = {f["title"]: f["value"] for e in card["body"] if e["type"] == "FactSet" for f in e["facts"]}
        assert facts["Acknowledged"] == "ana at 2024-05-01T12:02:00.000Z"
        assert facts["Latest change"].endswith("paused by ops")
        assert facts["State"] == "CRISIS, still active" and card["body"][0]["style"] == "warning"
        blocks = slack_payload(c, "reminder")["blocks"]
        fields = [f["text"] for b in blocks if "fields" in b for f in b["fields"]]
        assert "*Acknowledged*\nana at 2024-05-01T12:02:00.000Z" in fields

    def test_posts_are_plain_text_runs_that_open_the_post(self) -> None:
        """A post's markdown stays text (TextRun); only an http(s) post URL becomes its action."""
        body = teams_payload(crisis(), "firing")["attachments"][0]["content"]["body"]
        posts = [e for e in body if e["type"] == "Container" and e["items"][0]["type"] == "RichTextBlock"]
        assert len(posts) == 2
        assert posts[0]["selectAction"]["url"] == "https://x.example/p/1"
        assert "selectAction" not in posts[1]  # javascript: is no link
        assert "[click](https://evil.example)" in posts[1]["items"][0]["inlines"][1]["text"]


def test_generic_webhook_keeps_its_fields() -> None:
    """The generic body is ``text`` + ``firebreak`` with the documented keys."""
    body = webhook_payload(crisis(), "firing")
    assert body["text"].startswith("[CRITICAL] Crisis for acme")
    assert set(body["firebreak"]) >= {"event", "brand", "crisis_id", "fingerprint", "severity", "summary",
                                      "reason", "test", "numbers", "languages", "top_negative",
                                      "promotion_paused", "dashboard_url", "started_at", "resolved_at",
                                      "acknowledged_by", "runbook_url", "brand_url"}
    assert body["firebreak"]["numbers"]["top_negative"][0]["handle"] == "liisa"


class TestRegistry:
    """Sinks are found by kind, and built from their settings."""

    def test_every_sink_module_registers_its_kind(self) -> None:
        """alertmanager, generic, slack and teams, each from its own module."""
        kinds = sink_types()
        assert {"alertmanager", "generic", "slack", "teams"} <= set(kinds)
        assert {k: c.__module__.rsplit(".", 1)[1] for k, c in kinds.items()
                if k in ("alertmanager", "slack", "teams", "generic")} == {
            "alertmanager": "alertmanager", "slack": "slack", "teams": "teams", "generic": "webhook"}

    def test_a_new_sink_class_is_found_without_any_list_to_edit(self) -> None:
        """Declaring a ChatSink subclass with a kind is all it takes for chat_sink() to build it."""

        class PagerSink(ChatSink):
            kind = "test-pager"

            @staticmethod
            def payload(c: Crisis, event: Event, resolved_at: float | None = None) -> dict[str, Any]:
                return {"brand": c.brand, "event": event}

        try:
            target = WebhookTarget(name="p", url=SecretStr("http://127.0.0.1:9/p"), style="test-pager")
            sink = chat_sink(target)
            assert isinstance(sink, PagerSink)
            d = sink.deliveries(crisis(), Notice("firing", T0))
            assert [x.body for x in d] == [{"brand": "acme", "event": "firing"}]
            assert sink.deliveries(crisis(), Notice("update", T0)) == []
        finally:
            Sink.registry.pop("test-pager", None)

    def test_unknown_style_fails_naming_the_kinds(self) -> None:
        """A webhook style with no sink is refused at construction."""
        with pytest.raises(ValueError, match="unknown style 'pagerduty'"):
            chat_sink(WebhookTarget(url=SecretStr("http://127.0.0.1:9/"), style="pagerduty"))

    def test_settings_configure_one_sink_per_url(self) -> None:
        """Each URL setting gives its sinks, named by kind and position (never by URL)."""
        s = Settings(alertmanager_urls=("http://am:9093",), webhook_urls=(SecretStr("https://h/1"),),
                     slack_webhook_urls=(SecretStr("https://hooks.slack.com/services/T/B/s3cr3t"),),
                     teams_webhook_urls=(SecretStr("https://x.logic.azure.com/workflows/1?sig=s3cr3t"),
                                         SecretStr("https://x.logic.azure.com/workflows/2")))
        sinks = sinks_from_settings(s)
        assert sorted((x.kind, x.name) for x in sinks) == [
            ("alertmanager", "alertmanager-0"), ("generic", "webhook-0"), ("slack", "slack-0"),
            ("teams", "teams-0"), ("teams", "teams-1")]
        assert sinks_from_settings(Settings()) == []
        slack_style = sinks_from_settings(Settings(webhook_urls=(SecretStr("https://h/1"),),
                                                   webhook_style="slack"))
        assert [(x.kind, x.name) for x in slack_style] == [("slack", "webhook-0")]


class TestSettings:
    """Webhook URLs are secrets, validated at start-up."""

    def test_teams_urls_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """FIREBREAK_TEAMS_WEBHOOK_URLS is comma-separated; the URLs never show in repr."""
        monkeypatch.setenv("FIREBREAK_TEAMS_WEBHOOK_URLS", "https://a.example/w?sig=s3cr3t, https://b.example/w")
        s = load_settings()
        assert [u.get_secret_value() for u in s.teams_webhook_urls] == [
            "https://a.example/w?sig=s3cr3t", "https://b.example/w"]
        assert "s3cr3t" not in repr(s) and "s3cr3t" not in str(s.model_dump())

    @pytest.mark.parametrize("name", ["teams_webhook_urls", "slack_webhook_urls", "webhook_urls"])
    def test_a_bad_url_fails_naming_the_setting_not_the_secret(self, name: str) -> None:
        """A URL that is not http(s) stops start-up with the setting's name and without the URL."""
        with pytest.raises(ConfigError) as err:
            load_settings(**{name: "ftp://host/hook-s3cr3t"})
        assert f"FIREBREAK_{name.upper()}" in str(err.value) and "s3cr3t" not in str(err.value)

    def test_link_templates_must_be_absolute(self) -> None:
        """brand_url and dashboard_url are http(s) links."""
        with pytest.raises(ConfigError, match="FIREBREAK_BRAND_URL"):
            load_settings(brand_url="brands/{brand}")
