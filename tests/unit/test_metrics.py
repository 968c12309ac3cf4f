"""Per-brand gauges: configured brands get series, invented brands never do."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from detectors.config import BrandBook, BrandConfig
from streams.metrics import book_labeler, create, set_state


def test_brand_health_gauges_follow_the_detector_numbers() -> None:
    reg = CollectorRegistry()
    m = create(reg, brand_label=book_labeler(BrandBook({"acme": BrandConfig()})))
    numbers = {"neg_share": 0.42, "usual_share": 0.15, "volume_ratio": 3.5, "mentions": 80}
    set_state(m, "acme", "crisis", True, numbers)
    set_state(m, "invented-brand", "crisis", True, numbers)
    get = reg.get_sample_value
    assert get("firebreak_brand_negative_share", {"brand": "acme"}) == 0.42
    assert get("firebreak_brand_volume_ratio", {"brand": "acme"}) == 3.5
    assert get("firebreak_brand_window_mentions", {"brand": "acme"}) == 80
    assert get("firebreak_crisis_state", {"brand": "acme", "state": "crisis"}) == 1.0
    assert get("firebreak_promotion_paused", {"brand": "acme"}) == 1.0
    names = {s.labels.get("brand") for metric in reg.collect() for s in metric.samples}
    assert "invented-brand" not in names
