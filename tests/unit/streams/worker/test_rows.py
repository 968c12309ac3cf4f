"""A brand state as a table row: the window's entries encoded once, the same JSON as before."""

from __future__ import annotations

import orjson
from prometheus_client import CollectorRegistry

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.state import BrandState, Observation, observe
from streams.worker.detect import DetectCore
from streams.worker.metrics import create
from streams.worker.rows import TABLE_CODEC, RowCache, plain

T0 = 1_772_000_000.0
CFG = BrandConfig(keywords=["refund"])


def _feed(st: BrandState, times: list[float], start: int = 0) -> None:
    labels = ("negative", "neutral", "positive", "negative")
    for i, ts in enumerate(times, start):
        observe(st, Observation("acme", ts, f"m{i}", f"a{i % 7}", labels[i % 4], compound=0.1,
                                lang=("en", "fi", None)[i % 3], reach=1.5,
                                keywords=("refund",) if i % 5 == 0 else ()), CFG)


def _json(value: object) -> object:
    """What a changelog reader decodes the row's bytes to."""
    return orjson.loads(TABLE_CODEC.dumps(value))


class TestRowCache:
    def test_row_encodes_to_the_same_json_as_to_dict_as_the_window_moves(self):
        """Across appends, a late mention filed under an older minute, a new minute and
        minutes leaving the window, every row decodes to exactly ``to_dict``'s JSON."""
        st, cache = BrandState.new("acme", CFG), RowCache()
        steps = [
            [T0 + i for i in range(50)],                       # one minute, then the next
            [T0 + 60 + i for i in range(30)],                  # more entries in known buckets
            [T0 + 5.0, T0 + 61.0],                             # late: older minutes grow
            [T0 + 400 + i for i in range(10)],                 # a new minute, a gap
            [T0 + 30 * 60 + i for i in range(5)],              # the first minutes leave
        ]
        n = 0
        for times in steps:
            _feed(st, times, n)
            n += len(times)
            assert _json(cache.row(st)) == _json(st.to_dict())
        assert _json(cache.row(st)) == _json(st.to_dict())  # nothing new: same row again

    def test_row_reloads_as_the_same_state(self):
        """A row written here and read back (:func:`plain`) builds an equal state."""
        st, cache = BrandState.new("acme", CFG), RowCache()
        _feed(st, [T0 + i * 7 for i in range(40)])
        row = cache.row(st)
        again = BrandState.from_dict(plain(row))
        assert _json(again.to_dict()) == _json(st.to_dict())
        assert plain(st.to_dict())["window"] == st.to_dict()["window"]  # a plain row as it is

    def test_row_has_its_own_meta(self):
        """Changing the live state's meta lists later does not change a written row."""
        st, cache = BrandState.new("acme", CFG), RowCache()
        st.meta["ids"] = [1, 2]
        row = cache.row(st)
        st.meta["ids"].append(3)
        assert row["meta"]["ids"] == [1, 2]

    def test_only_current_buckets_are_kept_and_drop_forgets(self):
        """Buckets that left the window leave the cache; drop forgets a brand."""
        st, cache = BrandState.new("acme", CFG), RowCache()
        _feed(st, [T0 + i * 60 for i in range(5)])
        cache.row(st)
        assert len(cache.brands["acme"]) == 5
        _feed(st, [T0 + 40 * 60], 5)
        cache.row(st)
        assert len(cache.brands["acme"]) == len(st.window.buckets) == 1
        cache.drop("acme")
        assert "acme" not in cache.brands


class TestCheckpointRows:
    def test_recovered_worker_reads_encoded_rows(self):
        """A worker that reloads a brand from rows another core wrote (encoded window)
        skips what the state reflects and goes on from it."""
        store: dict = {}
        book = BrandBook.from_dict({"brands": {"acme": {}}})

        def core() -> DetectCore:
            return DetectCore(book, create(CollectorRegistry(), brand_label=lambda b: b),
                              load=store.get)

        def obs(i: int) -> dict:
            return {"kind": "obs", "brand": "acme", "ts": T0 + i, "id": f"m{i}", "author": f"a{i}",
                    "label": "neu", "compound": 0.0, "lang": "en"}

        first = core()
        for i in range(5):
            first.apply(obs(i), partition=0, offset=i)
        first.checkpoint(store.__setitem__)
        second = core()
        for i in range(8):
            second.apply(obs(i), partition=0, offset=i)
        st = second.state("acme")
        assert st.window.total == 8
        assert _json(second.rows.row(st)) == _json(st.to_dict())
        second.evict("acme")
        assert "acme" not in second.rows.brands
