"""Worker metrics: per-brand gauges (configured brands only), unanswered negatives, time to
detect, consumer lag and alert counters."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import Observation
from streams.worker.detect import DetectCore
from streams.worker.metrics import (
    book_labeler,
    create,
    drop_brands,
    init_series,
    set_lag,
    set_state,
    set_unanswered,
)


def test_brand_health_gauges_follow_the_detector_numbers() -> None:
    reg = CollectorRegistry()
    m = create(reg, brand_label=book_labeler(BrandBook({"acme": BrandConfig()})))
    numbers = {"neg_share": 0.42, "usual_share": 0.15, "volume_ratio": 3.5, "mentions": 80}
    set_state(m, "acme", "crisis", True, numbers)
    set_state(m, "invented-brand", "crisis", True, numbers)
    get = reg.get_sample_value
    assert get("firebreak_brand_negative_share_ratio", {"brand": "acme"}) == 0.42
    assert get("firebreak_brand_volume_ratio", {"brand": "acme"}) == 3.5
    assert get("firebreak_brand_window_mentions", {"brand": "acme"}) == 80
    assert get("firebreak_crisis_state", {"brand": "acme", "state": "crisis"}) == 1.0
    assert get("firebreak_promotion_paused", {"brand": "acme"}) == 1.0
    names = {s.labels.get("brand") for metric in reg.collect() for s in metric.samples}
    assert "invented-brand" not in names


def test_a_brand_that_moved_away_loses_its_state_gauges() -> None:
    """After a rebalance the old owner must not keep reporting a stale crisis."""
    reg = CollectorRegistry()
    m = create(reg, brand_label=book_labeler(BrandBook({"acme": BrandConfig(),
                                                          "globex": BrandConfig()})))
    numbers = {"neg_share": 0.42, "usual_share": 0.15, "volume_ratio": 3.5, "mentions": 80}
    set_state(m, "acme", "crisis", True, numbers)
    set_state(m, "globex", "normal", False, numbers)
    drop_brands(m, ["acme", "initech", "never-set"])
    brands = {s.labels.get("brand") for metric in reg.collect() for s in metric.samples
              if metric.name.startswith(("firebreak_crisis_state", "firebreak_promotion_paused",
                                         "firebreak_brand_"))}
    assert brands == {"globex"}
    set_state(m, "acme", "normal", False)  # it can come back
    assert reg.get_sample_value("firebreak_crisis_state", {"brand": "acme", "state": "normal"}) == 1


T0 = 1_772_400_000.0
HOUR = 3600.0
BOOK = BrandBook({"acme": BrandConfig(handles=("@acme",), baseline_rate=2.0, warmup_minutes=0)})


def core() -> tuple[CollectorRegistry, DetectCore]:
    """A detect core for ``acme`` with its own registry and an empty store."""
    reg = CollectorRegistry()
    m = create(reg, brand_label=book_labeler(BOOK))
    return reg, DetectCore(BOOK, m, load=lambda _brand: None)


def scored(brand: str, i: str, t: float, label: str = "neg", kind: str = "obs",
           reply_to: str | None = None) -> dict[str, Any]:
    """A ``mentions.scored`` message as the score stage produces it."""
    d = Observation(brand, t, i, f"author-{i}", label, -0.8 if label == "neg" else 0.0, "en",
                    in_reply_to=reply_to).to_dict()
    d.update(kind=kind, source="x")
    return d


class TestUnansweredNegatives:
    """The unanswered gauge, from scored messages through the detect core."""

    def feed(self, c: DetectCore, msgs: list[dict[str, Any]]) -> None:
        for d in msgs:  # the next offset of the brand's partition (0 for every brand here)
            c.apply(d, 0, c.state(d["brand"]).meta.get("off", -1) + 1)

    def gauge(self, reg: CollectorRegistry, c: DetectCore, now: float) -> dict[str, float | None]:
        set_unanswered(c.metrics, c.unanswered(now, lambda _b: True))
        return {b: reg.get_sample_value("firebreak_unanswered_negative_mentions", {"brand": b})
                for b in ("acme", "other")}

    def test_replied_late_replied_and_unrelated(self) -> None:
        """Answered in time: never counted; answered late: counted until then; unrelated posts: no effect."""
        reg, c = core()
        self.feed(c, [
            scored("acme", "n1", T0), scored("acme", "n2", T0 + 10), scored("acme", "n3", T0 + 20),
            scored("acme", "q1", T0 + 30, label="neu"),
            scored("acme", "r1", T0 + 600, label="unscored", kind="own", reply_to="n1"),
            scored("acme", "r2", T0 + 700, label="unscored", kind="own", reply_to="q1"),
            scored("acme", "x1", T0 + 800, label="neu", reply_to="n2"),  # a customer, not the brand
        ])
        assert self.gauge(reg, c, T0 + HOUR - 60) == {"acme": 0.0, "other": None}
        assert self.gauge(reg, c, T0 + 2 * HOUR) == {"acme": 2.0, "other": None}
        self.feed(c, [scored("acme", "r3", T0 + 2 * HOUR, label="unscored", kind="own",
                             reply_to="n2")])
        assert self.gauge(reg, c, T0 + 2 * HOUR) == {"acme": 1.0, "other": None}

    def test_own_replies_are_not_observed_as_mentions(self) -> None:
        reg, c = core()
        self.feed(c, [scored("acme", "r1", T0, label="unscored", kind="own", reply_to="n1")])
        assert reg.get_sample_value("firebreak_mentions_processed_total",
                                    {"brand": "acme", "label": "unscored", "lang": "en",
                                     "source": "x"}) is None
        assert c.state("acme").mentions == 0

    def test_brands_that_move_away_lose_their_series(self) -> None:
        reg, c = core()
        self.feed(c, [scored("acme", "n1", T0)])
        set_unanswered(c.metrics, c.unanswered(T0 + 2 * HOUR, lambda _b: True))
        set_unanswered(c.metrics, c.unanswered(T0 + 2 * HOUR, lambda _b: False))
        assert reg.get_sample_value("firebreak_unanswered_negative_mentions",
                                    {"brand": "acme"}) is None

    def test_invented_brands_add_no_series_and_keep_no_reply_state(self) -> None:
        """Thousands of unconfigured brands' negatives: no reply state, no unanswered series."""
        reg, c = core()
        before = sum(len(f.samples) for f in reg.collect()
                     if f.name == "firebreak_unanswered_negative_mentions")
        self.feed(c, [scored(f"invented-{i}", f"n{i}", T0 + i) for i in range(2000)])
        counts = c.unanswered(T0 + 2 * HOUR, lambda _b: True)
        set_unanswered(c.metrics, {**counts, **{f"invented-{i}": 5 for i in range(2000)}})
        after = [s for f in reg.collect() if f.name == "firebreak_unanswered_negative_mentions"
                 for s in f.samples]
        assert before == 0 and after == [] and counts == {}
        assert not c.state("invented-7").replies.waiting


def test_time_to_detect_is_observed_once_per_crisis_entry() -> None:
    """A burst of negative voices puts acme in crisis: one observation, from its first warning."""
    reg, c = core()
    msgs = [scored("acme", f"bg{i}", T0 + i * 30, label="neu") for i in range(20)]
    msgs += [scored("acme", f"neg{i}", T0 + 600 + i * 5) for i in range(40)]
    crises = []
    for off, d in enumerate(msgs):
        decision = c.apply(d, 0, off)
        crises += [t for t in (decision.transitions if decision else []) if t.state == "crisis"]
    assert len(crises) == 1 and crises[0].onset is not None
    assert reg.get_sample_value("firebreak_time_to_detect_seconds_count") == 1
    assert reg.get_sample_value("firebreak_time_to_detect_seconds_sum") == crises[0].at - crises[0].onset


def test_consumer_lag_follows_the_assignment() -> None:
    """Each refresh replaces the series: revoked partitions vanish, unknown positions are skipped."""
    reg = CollectorRegistry()
    m = create(reg)
    set_lag(m, {("mentions", 0): 5, ("mentions", 1): 0, ("mentions.scored", 0): 12})
    assert reg.get_sample_value("firebreak_consumer_lag_messages",
                                {"topic": "mentions.scored", "partition": "0"}) == 12
    set_lag(m, {("mentions", 1): 3, ("mentions.scored", 0): -1})
    samples = [(s.labels["topic"], s.labels["partition"], s.value) for f in reg.collect()
               if f.name == "firebreak_consumer_lag_messages" for s in f.samples]
    assert samples == [("mentions", "1", 3.0)]
    set_lag(m, {})
    assert not [s for f in reg.collect() if f.name == "firebreak_consumer_lag_messages"
                for s in f.samples]


def test_alert_and_dead_letter_counters_start_at_zero() -> None:
    """So that increase() counts a brand's very first alert; invented brands get none."""
    reg = CollectorRegistry()
    m = create(reg, brand_label=book_labeler(BOOK))
    init_series(m, ["acme", "invented"])
    assert reg.get_sample_value("firebreak_alerts_emitted_total",
                                {"brand": "acme", "kind": "crisis"}) == 0.0
    brands = {s.labels["brand"] for f in reg.collect() if f.name == "firebreak_alerts_emitted"
              for s in f.samples}
    assert brands == {"acme"}
    assert reg.get_sample_value("firebreak_dlq_messages_total", {"reason": "invalid_json"}) == 0.0


class TestBatchedCounts:
    """Per-mention counters are summed per batch and reach Prometheus in one ``inc`` per series."""

    def test_counts_reach_prometheus_at_flush_with_unconfigured_brands_as_other(self) -> None:
        reg, c = core()
        msgs = [scored("acme", f"a{i}", T0 + i) for i in range(3)]
        msgs += [scored(f"invented-{i}", f"x{i}", T0 + i, label="neu") for i in range(4)]
        msgs.append(dict(scored("acme", "a0", T0 + 5)))  # the same mention id again: a duplicate
        for off, d in enumerate(msgs):
            c.apply(d, 0, off)
        get = reg.get_sample_value
        acme = {"brand": "acme", "label": "neg", "lang": "en", "source": "x"}
        assert get("firebreak_mentions_processed_total", acme) is None  # not before the flush
        c.flush_metrics()
        assert get("firebreak_mentions_processed_total", acme) == 3
        assert get("firebreak_mentions_processed_total",
                   {"brand": "other", "label": "neu", "lang": "en", "source": "x"}) == 4
        assert get("firebreak_duplicate_mentions_total", {"brand": "acme"}) == 1
        c.flush_metrics()  # a second flush adds nothing
        assert get("firebreak_mentions_processed_total", acme) == 3
