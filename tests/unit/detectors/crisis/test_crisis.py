"""The crisis state machine, driven by synthetic scored observations (no scorer involved)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import BrandState, Observation, advance, observe, override
from detectors.engine import Engine

T0 = 1_772_400_000.0  # 2026-03-01T21:20:00Z
DAY = 86_400.0


def traffic(
    brand: str, start: float, minutes: float, rate: float, neg: float, *, pos: float = 0.35,
    seed: int = 1, authors: int = 5000, author: str | None = None, prefix: str = "m",
    keywords: tuple[str, ...] = (),
) -> Iterator[Observation]:
    """Poisson-ish traffic: `rate` mentions/min with a `neg` share, many distinct authors."""
    rng = random.Random(seed)
    t = start
    end = start + minutes * 60
    i = 0
    while True:
        t += rng.expovariate(rate / 60)
        if t >= end:
            return
        i += 1
        u = rng.random()
        label = "neg" if u < neg else "pos" if u < neg + pos else "neu"
        who = author or f"a{rng.randrange(authors)}"
        yield Observation(brand, t, f"{prefix}{seed}-{i}", who, label,
                          -0.6 if label == "neg" else 0.6 if label == "pos" else 0.0, "en",
                          keywords=keywords if label != "pos" else ())


def run(obs: list[Observation], cfg: BrandConfig | None = None) -> tuple[BrandState, list]:
    cfg = cfg or BrandConfig()
    state = BrandState.new("acme", cfg)
    out = []
    for o in sorted(obs, key=lambda o: o.ts):
        out.extend(observe(state, o, cfg))
    return state, out


def history(days: float = 2, rate: float = 1.0, seed: int = 1) -> list[Observation]:
    return list(traffic("acme", T0, days * 1440, rate, 0.15, seed=seed, prefix="h"))


def first(transitions: list, state: str) -> float | None:
    return next((t.at for t in transitions if t.state == state), None)


class TestEscalation:
    def test_sudden_negative_surge_becomes_a_crisis_within_minutes_and_pauses(self) -> None:
        onset = T0 + 2 * DAY
        burst = list(traffic("acme", onset, 60, 8.0, 0.7, seed=2, prefix="c"))
        state, out = run(history() + burst)
        at = first(out, "crisis")
        assert at is not None and at - onset < 5 * 60
        crisis = next(t for t in out if t.state == "crisis")
        assert crisis.paused and crisis.test in ("sudden_surge", "negative_surge")
        assert crisis.numbers["negative_ratio"] >= 3 and "top_negative" in crisis.numbers
        assert state.paused and state.crisis_id

    def test_positive_wave_never_escalates(self) -> None:
        wave = list(traffic("acme", T0 + 2 * DAY, 120, 10.0, 0.05, pos=0.8, seed=3, prefix="p"))
        _, out = run(history() + wave)
        assert [t for t in out if t.at >= T0 + 2 * DAY] == []

    def test_one_troll_is_not_a_crisis(self) -> None:
        """180 negative posts from one account in three hours change nothing."""
        troll = list(traffic("acme", T0 + 2 * DAY, 180, 1.0, 1.0, seed=4, author="troll",
                             prefix="t"))
        assert len(troll) > 120
        _, out = run(history() + troll)
        assert [t for t in out if t.at >= T0 + 2 * DAY] == []

    def test_keywords_from_several_authors_trigger_a_crisis(self) -> None:
        cfg = BrandConfig(keywords=("recall",), keyword_min_authors=3)
        kw = list(traffic("acme", T0 + 2 * DAY, 30, 0.3, 0.0, pos=0.0, seed=5, prefix="k",
                          keywords=("recall",)))
        _, out = run(history() + kw, cfg)
        crisis = next(t for t in out if t.state == "crisis")
        assert crisis.test == "keyword"


class TestCalmAndPause:
    def crisis_then_silence(self, cfg: BrandConfig) -> tuple[BrandState, list, float]:
        onset = T0 + 2 * DAY
        state, out = run(history() + list(traffic("acme", onset, 60, 8.0, 0.7, seed=2,
                                                  prefix="c")), cfg)
        assert state.state == "crisis"
        t = onset + 3600
        while t < onset + 8 * 3600:  # the brand goes silent: only timers tick
            t += 60
            out.extend(advance(state, t, cfg))
        return state, out, onset

    def test_a_crisis_ends_in_silence_but_promotion_stays_paused_by_default(self) -> None:
        state, out, onset = self.crisis_then_silence(BrandConfig())
        assert state.state == "normal"
        assert [t.state for t in out if t.at > onset][-2:] == ["elevated", "normal"]
        assert state.paused, "a person resumes promotion unless auto_resume is on"

    def test_auto_resume_releases_the_pause_when_the_crisis_ends(self) -> None:
        state, out, _ = self.crisis_then_silence(BrandConfig(auto_resume=True))
        assert not state.paused
        leave = next(t for t in out if t.previous == "crisis")
        assert leave.paused is False

    def test_manual_resume_acknowledge_and_release_are_recorded(self) -> None:
        cfg = BrandConfig()
        onset = T0 + 2 * DAY
        state, _ = run(history() + list(traffic("acme", onset, 30, 8.0, 0.7, seed=2,
                                                prefix="c")), cfg)
        assert override(state, "acknowledge", onset + 1800, cfg, by="ana") == []
        assert state.acknowledged_by == "ana"
        out = override(state, "resume", onset + 1900, cfg, by="ana", why="statement out")
        assert out[0].paused is False and not state.paused and state.state == "crisis"
        out = override(state, "release", onset + 2000, cfg, by="ana")
        assert out[0].state == "normal" and state.hold_until_calm
        assert [o["action"] for o in state.meta["overrides"]] == ["acknowledge", "resume",
                                                                   "release"]
        # still loud right after release: no new page until the brand has been calm once
        more = list(traffic("acme", onset + 2000, 10, 8.0, 0.7, seed=9, prefix="d"))
        assert all(not observe(state, o, cfg) for o in more)

    def test_force_pauses_and_pages(self) -> None:
        cfg = BrandConfig()
        state = BrandState.new("acme", cfg)
        out = override(state, "force", T0, cfg, by="lead", why="press call")
        assert out[0].state == "crisis" and state.paused and out[0].by == "lead"


class TestDeterminismAndState:
    def test_serialised_state_resumes_exactly(self) -> None:
        """Stopping mid-stream, serialising to JSON and resuming gives the same transitions."""
        cfg = BrandConfig()
        obs = sorted(history(1.5) + list(traffic("acme", T0 + 1.5 * DAY, 90, 8, 0.7, seed=3,
                                                 prefix="c")), key=lambda o: o.ts)
        whole, expected = run(obs, cfg)
        cut = len(obs) * 9 // 10
        state, part1 = run(obs[:cut], cfg)
        state = BrandState.from_dict(json.loads(json.dumps(state.to_dict())))
        part2 = [t for o in obs[cut:] for t in observe(state, o, cfg)]
        assert [t.to_dict() for t in part1 + part2] == [t.to_dict() for t in expected]
        assert state.to_dict() == whole.to_dict()

    def test_state_of_a_busy_brand_is_small(self) -> None:
        state, _ = run(history(1, rate=5.0))
        assert len(json.dumps(state.to_dict())) < 20_000

    def test_late_events_beyond_the_window_are_counted_not_used(self) -> None:
        cfg = BrandConfig()
        state, _ = run(history(0.2), cfg)
        before = state.window.raw_total
        observe(state, Observation("acme", T0 + 60, "late", "x", "neg"), cfg)
        assert state.late == 1 and state.window.raw_total == before


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(0, 10_000))
def test_no_crisis_below_minimum_volume(n: int, seed: int) -> None:
    """Fewer mentions than min_mentions in a window never escalate, however negative."""
    cfg = BrandConfig()
    assert n < cfg.thresholds.min_mentions
    rng = random.Random(seed)
    state = BrandState.new("acme", cfg)
    out = []
    for i in range(n):
        out += observe(state, Observation("acme", T0 + rng.random() * 600, f"m{i}", f"a{i}",
                                          "neg", -0.9), cfg)
    assert out == []


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 1000))
def test_engine_is_deterministic(seed: int) -> None:
    """Same input, same transitions."""
    obs = history(0.3, seed=seed) + list(traffic("acme", T0 + 0.3 * DAY, 30, 8, 0.7,
                                                 seed=seed + 1, prefix="c"))
    obs.sort(key=lambda o: o.ts)

    def go() -> list[dict]:
        eng = Engine(BrandBook())
        return [t.to_dict() for o in obs for t in eng.feed(o)[1]]

    assert go() == go()


@pytest.mark.parametrize("rate", [0.05, 0.5, 5.0])
def test_ordinary_traffic_stays_normal(rate: float) -> None:
    _, out = run(history(3, rate=rate, seed=int(rate * 100)))
    assert [t for t in out if t.state == "crisis"] == []


def test_observation_pickles_every_field() -> None:
    """Replay ships observations between processes: no field may be lost on the way."""
    import dataclasses
    import pickle

    values = {f.name: f"v-{f.name}" for f in dataclasses.fields(Observation)}
    obs = Observation(**values)  # type: ignore[arg-type]
    assert pickle.loads(pickle.dumps(obs)) == obs
