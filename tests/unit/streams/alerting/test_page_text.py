"""The one-line page summary leads with the numbers that fired."""

from __future__ import annotations

from streams.alerting.render import Crisis, summary
from streams.wire.alert import AlertEvent

BASE = {"negative": 11, "scored": 35, "window_minutes": 20, "neg_share": 0.28,
        "usual_share": 0.14, "volume_ratio": 1.3}


def _crisis(test: str, numbers: dict) -> Crisis:
    return Crisis.from_alert(AlertEvent.from_wire(
        {"kind": "crisis", "brand": "acme", "crisis_id": "acme:1772420581",
         "fingerprint": "acme:1772420581", "test": test, "numbers": numbers,
         "at": "2026-03-02T03:03:01Z"}))


def test_sudden_surge_summary_shows_the_short_window() -> None:
    numbers = {**BASE, "sudden": {"minutes": 5, "negative": 10, "scored": 15,
                                  "negative_authors": 10, "neg_share": 0.62}}
    line = summary(_crisis("sudden_surge", numbers))
    assert "10 negative of 15 mentions in the last 5 min from 10 authors" in line
    assert "negativity 67% (usual 14%)" in line and "35 mentions" not in line
    assert "volume" not in line


def test_window_tests_summarise_the_window() -> None:
    line = summary(_crisis("negative_surge", BASE))
    assert "11 negative of 35 mentions in 20 min" in line and "negativity 28% (usual 14%)" in line
