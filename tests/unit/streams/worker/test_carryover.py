"""The flag data's epoch: workers that rebuilt it together agree on when it began."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from streams.wire.base import at
from streams.wire.flags import HEARTBEAT_KEY, Heartbeat
from streams.wire.views import TopicView
from streams.worker.carryover import Carry
from streams.worker.runtime import Runtime

CONTROL = "promotion.control"
T0 = 1_772_420_674.0


def worker(settle: float = 600.0) -> tuple[Carry, TopicView]:
    view = TopicView(["127.0.0.1:9"], [CONTROL])
    rt = SimpleNamespace(view=view, names=SimpleNamespace(control=CONTROL),
                         settings=SimpleNamespace(flag_settle_seconds=settle))
    return Carry(cast(Runtime, rt)), view  # only what the epoch reads


def beat(rebuilt: float | None, settle: float = 600.0, who: str = "other:1") -> Heartbeat:
    return Heartbeat(worker=who, updated_at=at(T0 + 30), started_at=at(T0),
                     rebuilt_at=at(rebuilt), settle_until=at(rebuilt + settle) if rebuilt else None)


def test_an_empty_topic_begins_the_data_now_and_settles():
    carry, _ = worker()
    assert carry.epoch(T0) == (T0, T0 + 600)


def test_an_earlier_beginning_from_another_worker_is_taken():
    """Both found the topic empty, 4 s apart: the later one takes the earlier beginning."""
    carry, view = worker()
    assert carry.epoch(T0 + 4) == (T0 + 4, T0 + 604)
    view.data[CONTROL][HEARTBEAT_KEY] = beat(T0)
    assert carry.epoch(T0 + 9) == (T0, T0 + 600)


def test_a_later_beginning_or_none_changes_nothing():
    """Its own epoch stands against a later one, and against a heartbeat without a rebuild."""
    carry, view = worker()
    assert carry.epoch(T0) == (T0, T0 + 600)
    view.data[CONTROL][HEARTBEAT_KEY] = beat(T0 + 4)
    assert carry.epoch(T0 + 9) == (T0, T0 + 600)
    view.data[CONTROL][HEARTBEAT_KEY] = beat(None)
    assert carry.epoch(T0 + 14) == (T0, T0 + 600)


def test_an_epoch_carried_from_the_topic_is_kept():
    """A worker that started on a topic with a heartbeat takes that heartbeat's epoch."""
    carry, view = worker()
    view.data[CONTROL][HEARTBEAT_KEY] = beat(T0 - 100)
    assert carry.epoch(T0) == (T0 - 100, T0 + 500)


def test_a_paused_brand_known_only_from_its_checkpoint_row_is_carried_over():
    """After a rebalance the cache is empty: a paused brand that has had no mention since
    is known only from its table row, whose window the checkpoint wrote encoded. The
    carry-over must still find it (it skipped such rows, and promotion resumed)."""
    from prometheus_client import CollectorRegistry

    from detectors.config import BrandBook
    from streams.worker.carryover import _paused_states
    from streams.worker.detect import DetectCore
    from streams.worker.metrics import create

    store: dict[str, object] = {}
    book = BrandBook.from_dict({"brands": {"acme": {}, "globex": {}}})
    core = DetectCore(book, create(CollectorRegistry(), brand_label=lambda b: b), load=store.get)
    for i in range(5):
        for brand in ("acme", "globex"):
            core.apply({"kind": "obs", "brand": brand, "ts": T0 + i, "id": f"{brand}{i}",
                        "author": f"a{i}", "label": "neg", "compound": -0.5, "lang": "en"},
                       partition=0, offset=i)
    core.states["acme"].paused = True
    core.dirty.update(("acme", "globex"))
    core.checkpoint(store.__setitem__)
    window = core.states["acme"].window.to_dict()
    core.reset()  # a rebalance forgets the cached states
    rt = SimpleNamespace(core=core, table=SimpleNamespace(data=store))
    found = _paused_states(cast(Runtime, rt))
    assert [st.brand for st in found] == ["acme"]
    assert found[0].paused and found[0].window.to_dict() == window
