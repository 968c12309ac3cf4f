"""The realistic simulator (detectors.sim.realistic) and its real-text bank."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detectors.events import parse_mention
from detectors.sim.realistic import (
    OWN,
    Episode,
    RealBrand,
    RealScenario,
    generate,
    generate_labelled,
    rhythm,
)
from detectors.sim.realtext import TextDataMissing, in_simulator_half, load_bank

DAY = 1440


@pytest.fixture(scope="module")
def real_texts() -> None:
    """Skip when the folder of real labelled posts is not there."""
    try:
        load_bank()
    except TextDataMissing as exc:
        pytest.skip(f"real labelled posts not available: {exc}")


def _at(m: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(m["created_at"].replace("Z", "+00:00"))


def _quiet(slug: str, rate: float, **kw: Any) -> RealBrand:
    """A brand without threads, answers or bursts (only the effect under test)."""
    base: dict[str, Any] = {"thread": 0.0, "answer": 0.0, "bursts": 0.0}
    base.update(kw)
    return RealBrand(slug, rate, **base)


def test_a_missing_folder_is_a_clear_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(TextDataMissing, match="nowhere"):
        load_bank(missing)


@pytest.mark.usefixtures("real_texts")
class TestTextBank:
    def test_the_simulator_uses_a_fixed_half_of_the_ids(self) -> None:
        ids = [f"train-en-{i}" for i in range(2000)]
        share = sum(in_simulator_half(i) for i in ids) / len(ids)
        assert 0.45 < share < 0.55
        assert [in_simulator_half(i) for i in ids] == [in_simulator_half(i) for i in ids]

    def test_given_ids_only_those_posts_are_drawn(self, tmp_path: Path) -> None:
        """A scorer's held-out split: only its ids reach the simulator, whatever their CRC."""
        rows = [{"id": f"x{i}", "lang": "en", "text": f"text {i}", "label": lab}
                for i, lab in enumerate(["neg", "neu", "pos"] * 4)]
        (tmp_path / "en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows),
                                           encoding="utf-8")
        keep = frozenset({"x0", "x1", "x2", "x9"})
        bank = load_bank(tmp_path, ("en",), ids=keep)
        assert bank.texts["en"] == {"neg": ("text 0", "text 9"), "neu": ("text 1",),
                                    "pos": ("text 2",)}
        half = load_bank(tmp_path, ("en",))
        assert sum(half.count("en", lab) for lab in ("neg", "neu", "pos")) == sum(
            in_simulator_half(r["id"]) for r in rows)

    def test_every_language_has_every_label(self) -> None:
        bank = load_bank()
        assert all(bank.count(lang, label) > 0 for lang in bank.langs
                   for label in ("neg", "neu", "pos"))


@pytest.mark.usefixtures("real_texts")
class TestGenerator:
    def test_the_same_seed_gives_the_same_stream_and_another_seed_another(self) -> None:
        def stream(seed: int) -> list[dict[str, Any]]:
            b = RealBrand("acme", 0.5, neg=0.3, timezone="Europe/Helsinki")
            eps = [Episode("acme", "crisis", 600, hold=30, volume=4, neg=0.8, ramp=5)]
            return list(generate(RealScenario("t", [b], eps, DAY, seed=seed)))

        assert stream(3) == stream(3)
        assert stream(3) != stream(4)

    def test_mentions_are_valid_and_in_event_time_order(self) -> None:
        b = RealBrand("acme", 1.0, neg=0.4, langs={"en": 0.5, "fi": 0.5})
        rows = list(generate(RealScenario("t", [b], [], DAY)))
        for m in rows:
            parse_mention(m)
        times = [_at(m) for m in rows]
        assert times == sorted(times)

    def test_volume_is_over_dispersed(self) -> None:
        """Flat rhythm, no bursts: 30-minute counts still vary far more than Poisson."""
        b = _quiet("acme", 2.0, night=1.0, weekend=1.0, shape=4.0)
        rows = list(generate(RealScenario("t", [b], [], 4 * DAY)))
        start = _at(rows[0]).replace(hour=0, minute=0, second=0, microsecond=0)
        counts = np.bincount([int((_at(m) - start).total_seconds() // 1800) for m in rows])
        assert counts.var() / counts.mean() > 3

    def test_the_morning_rise_stays_at_the_same_local_hour_across_dst(self) -> None:
        """US DST starts 2026-03-08: the rise moves one hour in UTC, not in New York."""
        b = _quiet("acme", 1.5, timezone="America/New_York", shape=50.0)
        sc = RealScenario("t", [b], [], 10 * DAY)
        zone = b.zone
        times = [_at(m) for m in generate(sc)]
        local = [t.astimezone(zone) for t in times]

        def rise(days: range, tz: Any, first: int) -> set[int]:
            """First hour (from ``first`` on the ``tz`` clock) above 40 % of the plateau."""
            out = set()
            for d in days:
                day = datetime(2026, 3, 2, tzinfo=zone).date() + timedelta(days=d)
                hours = Counter(t.astimezone(tz).hour for t, lt in zip(times, local, strict=True)
                                if lt.date() == day)
                plateau = np.median(sorted(hours.values())[-10:])
                out.add(min(h for h in range(first, 24) if hours[h] > 0.4 * plateau))
            return out

        before, after = range(2, 5), range(7, 10)  # Wed-Fri, then Mon-Wed after the change
        assert rise(before, zone, 3) == rise(after, zone, 3) == {7}
        assert rise(before, timezone.utc, 8) == {12} and rise(after, timezone.utc, 8) == {11}
        noon = [datetime(2026, 3, d, 8, 30, tzinfo=zone) for d in (5, 10)]
        assert rhythm(b, noon[0]) == rhythm(b, noon[1])

    def test_weekends_are_quieter(self) -> None:
        b = _quiet("acme", 2.0, timezone="Europe/Helsinki")
        rows = list(generate(RealScenario("t", [b], [], 7 * DAY)))
        per_day = Counter(_at(m).astimezone(b.zone).weekday() for m in rows)
        weekday = np.mean([per_day[d] for d in range(1, 5)])
        assert max(per_day[5], per_day[6]) < 0.8 * weekday

    def test_a_chronically_negative_brand_carries_50_to_70_percent_negative_labels(self) -> None:
        b = RealBrand("skyline-air", 1.0, neg=0.6, pos=0.08, timezone="America/New_York")
        labels = Counter(label for _, label in generate_labelled(RealScenario("t", [b], [], 2 * DAY)))
        share = labels["neg"] / (labels["neg"] + labels["neu"] + labels["pos"])
        assert 0.5 <= share <= 0.7

    def test_the_brand_answers_negative_posts_in_their_threads(self) -> None:
        b = RealBrand("acme", 1.0, neg=0.5, answer=0.5, thread=0.5)
        pairs = list(generate_labelled(RealScenario("t", [b], [], DAY)))
        label_of = {m["id"]: label for m, label in pairs}
        own = [m for m, label in pairs if label == OWN]
        follow = [m for m, label in pairs if label != OWN and "in_reply_to" in m]
        assert own and follow
        assert all(m["author"]["handle"] == b.handle for m in own)
        assert all(label_of.get(m["in_reply_to"]) == "neg" for m in own + follow)

    def test_a_retweet_storm_comes_from_hundreds_of_distinct_accounts(self) -> None:
        b = RealBrand("snackco", 0.3)
        eps = [Episode("snackco", "storm", 300, hold=30, posts=300)]
        rows = list(generate(RealScenario("t", [b], eps, DAY)))
        rts = [m for m in rows if m["text"].startswith("RT @") and "@snackco" in m["text"]]
        assert len({m["author"]["id"] for m in rts}) >= 300
        assert len({m["text"] for m in rts}) == 1
        t0 = RealScenario("t", [b], eps, DAY).at(300)
        assert all(timedelta(0) <= _at(m) - t0 <= timedelta(minutes=30) for m in rts)

    def test_a_stream_can_begin_in_the_middle_of_a_crisis(self) -> None:
        b = RealBrand("midco", 1.0, neg=0.15)
        eps = [Episode("midco", "crisis", 0, hold=120, volume=6, neg=0.85)]
        pairs = list(generate_labelled(RealScenario("t", [b], eps, 60)))
        labels = Counter(label for _, label in pairs if label != OWN)
        assert labels["neg"] / sum(labels.values()) > 0.7
