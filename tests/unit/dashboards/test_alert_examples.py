"""The example bodies in docs/examples are what the sinks render now, and the pictures draw."""

from __future__ import annotations

import json
from pathlib import Path

from dashboards.alert_examples import payloads, write_pictures
from streams.alerting.sinks import sink_types
from tests.integration.alerting_fixtures import check_block_kit, check_teams_card

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def test_committed_examples_equal_what_the_sinks_render_now() -> None:
    """Every sink kind has docs/examples/<kind>.json, equal to its renderer's output (regenerate with
    ``python -m dashboards.alert_examples``)."""
    bodies = payloads()
    shipped = {k for k, c in sink_types().items() if c.__module__.startswith("streams.alerting.sinks.")}
    assert set(bodies) == shipped
    assert {p.stem for p in EXAMPLES.glob("*.json")} == shipped
    for kind, body in bodies.items():
        path = EXAMPLES / f"{kind}.json"
        assert path.is_file(), f"missing {path}"
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(body)), (
            f"{path} is stale: run python -m dashboards.alert_examples")


def test_examples_have_the_documented_shapes() -> None:
    """The Slack example is valid Block Kit and the Teams example a valid Adaptive Card message."""
    bodies = payloads()
    assert check_block_kit(bodies["slack"]) == []
    assert check_teams_card(bodies["teams"]) == []


def test_pictures_are_drawn_from_the_bodies(tmp_path: Path) -> None:
    """Both pictures are PNG files drawn from the rendered bodies."""
    for path in write_pictures(tmp_path):
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 10_000
