"""One detection driver: the stream's detect stage and replay give the same transitions."""

from __future__ import annotations

import random
from typing import Any

from prometheus_client import CollectorRegistry

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import Observation, Transition
from detectors.driver import Driver, Hooks, PerBrandIds, RecentIds
from detectors.engine import Engine
from streams.worker.detect import DetectCore
from streams.worker.metrics import book_labeler, create

T0 = 1_772_400_000.0
DAY = 86_400.0
BOOK = BrandBook({"acme": BrandConfig(handles=("@acme",)), "globex": BrandConfig()})


def traffic(brand: str, start: float, minutes: float, rate: float, neg: float, seed: int,
            prefix: str) -> list[Observation]:
    rng = random.Random(seed)
    out, t, i = [], start, 0
    while True:
        t += rng.expovariate(rate / 60)
        if t >= start + minutes * 60:
            return out
        i += 1
        u = rng.random()
        label = "neg" if u < neg else "pos" if u < neg + 0.35 else "neu"
        compound = -0.6 if label == "neg" else 0.6 if label == "pos" else 0.0
        out.append(Observation(brand, t, f"{prefix}-{i}", f"a{rng.randrange(5000)}", label,
                               compound, "en"))


def scenario() -> list[tuple[str, Any]]:
    """Two brands: history, a crisis for acme, duplicates, late events, commands, then silence."""
    obs = (traffic("acme", T0, 1.5 * 1440, 1.0, 0.15, 1, "h")
           + traffic("globex", T0, 1.5 * 1440, 0.5, 0.15, 2, "g")
           + traffic("acme", T0 + 1.5 * DAY, 90, 8.0, 0.75, 3, "c"))
    obs.sort(key=lambda o: o.ts)
    rng = random.Random(4)
    items: list[tuple[str, Any]] = []
    for k, o in enumerate(obs):
        items.append(("obs", o))
        if k % 37 == 0:
            items.append(("obs", o))  # a duplicate (same id)
        if k % 53 == 0 and k > 10:  # a late event, a few minutes behind
            late = Observation(o.brand, o.ts - rng.uniform(60, 600), f"late-{k}", "x", "neu", 0.0,
                               "en")
            items.append(("obs", late))
    crisis_end = T0 + 1.5 * DAY + 90 * 60
    items.append(("cmd", ("acme", "acknowledge", crisis_end + 60, "oncall")))
    items.append(("cmd", ("globex", "pause", crisis_end + 120, "oncall")))
    items.append(("cmd", ("globex", "resume", crisis_end + 600, "oncall")))
    items.append(("silence", crisis_end + 2 * DAY))  # no traffic at all: the crisis must end
    return items


def via_replay(items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    eng = Engine(BOOK)
    out: list[Transition] = []
    for kind, item in items:
        if kind == "obs":
            out.extend(eng.feed(item)[1])
        elif kind == "cmd":
            brand, action, ts, by = item
            out.extend(eng.clock(ts))
            out.extend(eng.command(brand, action, ts, by=by) or [])
        else:
            for minute in range(int(eng.watermark or 0) // 60 + 1, int(item) // 60 + 1):
                out.extend(eng.clock(minute * 60.0))
    return [t.to_dict() for t in out]


def via_stream(items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """The detect stage without a broker: messages at offsets, ticks at each event minute."""
    store: dict[str, dict[str, Any]] = {}
    core = DetectCore(BOOK, create(CollectorRegistry(), brand_label=book_labeler(BOOK)),
                      load=store.get)
    out: list[Transition] = []
    watermark, last_minute, offset = None, None, 0

    def clock(ts: float) -> None:
        nonlocal watermark, last_minute
        watermark = ts if watermark is None else max(watermark, ts)
        minute = int(watermark // 60)
        if last_minute is None or minute > last_minute:
            last_minute = minute
            for d in core.tick(watermark, lambda _b: True):
                out.extend(d.transitions)

    for kind, item in items:
        if kind == "silence":
            for minute in range(int(watermark or 0) // 60 + 1, int(item) // 60 + 1):
                clock(minute * 60.0)
            continue
        if kind == "obs":
            clock(item.ts)
            data = item.to_dict()
        else:
            brand, action, ts, by = item
            clock(ts)
            data = {"kind": "command", "brand": brand, "action": action, "ts": ts, "by": by}
        offset += 1
        decision = core.apply(data, 0, offset)
        if decision is not None:
            out.extend(decision.transitions)
        if offset % 500 == 0:  # checkpoints write to the store, as the worker's timer does
            core.checkpoint(lambda b, d: store.__setitem__(b, d))
    return [t.to_dict() for t in out]


def test_stream_and_replay_give_identical_transitions() -> None:
    """Duplicates, late events, overrides and a crisis that ends in silence: same answer."""
    items = scenario()
    replay, stream = via_replay(items), via_stream(items)
    states = [t["state"] for t in replay]
    assert "crisis" in states and states[-1] == "normal"  # the scenario exercises a whole crisis
    assert sum(t["test"] == "manual" for t in replay) == 2  # globex's pause and resume
    assert stream == replay


def test_a_redelivered_message_counts_once_in_the_stream() -> None:
    """At-least-once redelivery (same partition and offset) is skipped, not observed twice."""
    core = DetectCore(BOOK, create(CollectorRegistry(), brand_label=book_labeler(BOOK)),
                      load=lambda _b: None)
    o = Observation("acme", T0, "m1", "a1", "neg", -0.6, "en")
    core.apply(o.to_dict(), 0, 7)
    core.apply(o.to_dict(), 0, 7)
    assert core.state("acme").minute is not None
    assert core.metrics.replayed._value.get() == 1


class Counting(Hooks):
    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def duplicate(self, brand: str) -> None:
        self.calls["duplicate"] = self.calls.get("duplicate", 0) + 1

    def observed(self, brand: str, obs: Observation, source: str | None, late: bool) -> None:
        self.calls["observed"] = self.calls.get("observed", 0) + 1


def test_hooks_see_what_the_driver_does() -> None:
    """Instrumentation is passed in: the driver calls it, and the default hooks do nothing."""
    hooks = Counting()
    d = Driver(BOOK, hooks=hooks)
    o = Observation("acme", T0, "m1", "a1", "neg", -0.6, "en")
    d.apply_observation(o)
    d.apply_observation(o)
    assert hooks.calls == {"observed": 1, "duplicate": 1}
    assert Driver(BOOK).apply_observation(o) == []


def test_dedupe_policies_are_bounded() -> None:
    """Both policies forget the oldest ids past their size."""
    from detectors.crisis.state import BrandState

    st = BrandState.new("acme", BOOK.get("acme"))
    per_brand, recent = PerBrandIds(10), RecentIds(10)
    for i in range(100):
        assert not per_brand.seen(st, f"m{i}") and not recent.seen(st, f"m{i}")
    assert len(st.meta["ids"]) <= 13
    assert not recent.seen(st, "m0") and not per_brand.seen(st, "m0")  # forgotten: new again
    assert recent.seen(st, "m99") and per_brand.seen(st, "m99")
