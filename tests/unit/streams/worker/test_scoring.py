"""The score loop's pure part: observations, their partitions and order, dead letters."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import orjson
import pytest
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from detectors.config import BrandBook
from detectors.sentiment.scorer import get_scorer
from streams.wire.topics import partition_of, scored_key
from streams.worker.metrics import create
from streams.worker.scoring import route, score_records

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
BOOK = BrandBook.from_dict({"brands": {"acme": {"handles": ["@acme"]}}})


def _rec(offset: int, value: bytes | None, key: bytes | None = None) -> ConsumerRecord:
    return ConsumerRecord("mentions", 2, offset, 1_772_366_400_000, 0, key, value, None,
                          len(key or b""), len(value or b""), [])


def _mention(i: int, brand: str = "acme", **extra: object) -> bytes:
    m = {"id": f"m{i}", "brand": brand, "text": "this is terrible, the worst service ever",
         "created_at": "2026-03-01T11:59:00Z", "lang": "en", "author": {"id": f"a{i}"}, **extra}
    return json.dumps(m).encode()


@pytest.fixture
def metrics():
    return create(CollectorRegistry(), brand_label=lambda b: b)


def _score(records, metrics):
    return score_records(records, BOOK, get_scorer(), metrics, partitions=4, max_future=900,
                         now=NOW)


class TestScoreRecords:
    def test_observations_go_to_the_brand_partition_in_input_order(self, metrics):
        """Every valid mention becomes one observation keyed by brand, on its scored partition,
        in the order it was read."""
        brands = ["acme", "globex", "initech", "acme", "globex"]
        res = _score([_rec(i, _mention(i, b)) for i, b in enumerate(brands)], metrics)
        got = {p: [orjson.loads(v)["id"] for _, v in rows] for p, rows in res.out.items()}
        for p, rows in res.out.items():
            for key, value in rows:
                brand = orjson.loads(value)["brand"]
                assert key == scored_key(brand) and p == partition_of(brand, 4)
        for ids in got.values():
            assert ids == sorted(ids, key=lambda s: int(s[1:]))
        assert sum(len(v) for v in got.values()) == len(brands) and not res.dead

    def test_observation_carries_score_source_and_entry_time(self, metrics):
        """An observation has its label, ``kind: obs``, the source and the time it entered
        ``mentions`` (the record timestamp, in seconds)."""
        res = _score([_rec(0, _mention(0, source="x"))], metrics)
        (rows,) = res.out.values()
        d = orjson.loads(rows[0][1])
        assert d["kind"] == "obs" and d["label"] == "neg" and d["source"] == "x"
        assert d["in_ts"] == pytest.approx(1_772_366_400.0)

    @pytest.mark.parametrize(("value", "reason"), [
        (b"not json", "invalid_json"),
        (b"\xff\xfe", "invalid_utf8"),
        (b"[1, 2]", "not_object"),
        (b'{"id": "x", "brand": "acme"}', "missing_field"),
        (None, "empty_value"),
        (json.dumps({"id": "f", "brand": "acme", "text": "hi",
                     "created_at": "2026-03-02T12:00:00Z"}).encode(), "far_future"),
    ])
    def test_bad_input_becomes_a_dead_letter_with_its_reason(self, metrics, value, reason):
        """A bad record is a dead letter with its reason code and origin, keyed as it came,
        and counted; the good records of the batch still go on."""
        res = _score([_rec(7, value, key=b"k7"), _rec(8, _mention(8))], metrics)
        (key, raw), = res.dead
        rec = orjson.loads(raw)
        assert key == b"k7" and rec["reason_code"] == reason
        assert rec["origin"] == {"topic": "mentions", "partition": 2, "offset": 7}
        assert metrics.registry.get_sample_value("firebreak_dlq_messages_total",
                                                 {"reason": reason}) == 1
        assert sum(len(v) for v in res.out.values()) == 1

    def test_own_posts_are_counted_and_only_replies_go_on(self, metrics):
        """The brand's own posts are not scored; a reply goes on as ``kind: own``."""
        own = {"author": {"id": "brand", "handle": "@acme"}}
        res = _score([_rec(0, _mention(0, **own)),
                      _rec(1, _mention(1, in_reply_to="m0", **own))], metrics)
        (rows,) = res.out.values()
        assert [orjson.loads(v)["kind"] for _, v in rows] == ["own"]
        assert res.own_posts == {"acme": 2}

    def test_route_is_the_default_partitioner(self):
        """The cached route is the brand's key and Kafka's default partition for it."""
        for brand in ("acme", "b17", "z-z"):
            assert route(brand, 8) == (scored_key(brand), partition_of(brand, 8))
