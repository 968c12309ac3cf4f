"""The score loop's pure part: observations, their partitions and order, dead letters."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from detectors.config import BrandBook
from detectors.sentiment import learned
from detectors.sentiment.scorer import Scorer, get_scorer
from streams.wire.topics import partition_of, scored_key
from streams.worker.metrics import create
from streams.worker.scoring import pack, route, score_records

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
        """Every valid mention becomes one observation on its brand's scored partition (Kafka's
        default partition of the brand key), in the order it was read."""
        brands = ["acme", "globex", "initech", "acme", "globex"]
        res = _score([_rec(i, _mention(i, b)) for i, b in enumerate(brands)], metrics)
        got = {p: [orjson.loads(v)["id"] for v in rows] for p, rows in res.out.items()}
        for p, rows in res.out.items():
            for value in rows:
                assert p == partition_of(orjson.loads(value)["brand"], 4)
        for ids in got.values():
            assert ids == sorted(ids, key=lambda s: int(s[1:]))
        assert sum(len(v) for v in got.values()) == len(brands) and not res.dead

    def test_observation_carries_score_source_and_entry_time(self, metrics):
        """An observation has its label, ``kind: obs``, the source and the time it entered
        ``mentions`` (the record timestamp, in seconds)."""
        res = _score([_rec(0, _mention(0, source="x"))], metrics)
        (rows,) = res.out.values()
        d = orjson.loads(rows[0])
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
        assert [orjson.loads(v)["kind"] for v in rows] == ["own"]
        assert res.own_posts == {"acme": 2}

    def test_route_is_the_default_partitioner(self):
        """The cached route is Kafka's default partition of the brand's key."""
        for brand in ("acme", "b17", "z-z"):
            assert route(brand, 8) == partition_of(brand, 8)
            assert partition_of(brand, 8) == murmur2_partition(scored_key(brand), 8)


def murmur2_partition(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner, as the Java client and kafka-python compute it."""
    from kafka.partitioner.default import murmur2

    return (murmur2(key) & 0x7FFFFFFF) % partitions


class _OnePostFails:
    """A real scorer that cannot take one text: its batch call fails as a whole."""

    def __init__(self, bad: str) -> None:
        self.inner, self.bad = Scorer(), bad

    def score(self, text, lang=None):
        if text == self.bad:
            raise RuntimeError("cannot score this post")
        return self.inner.score(text, lang)

    def score_many(self, items):
        return [self.score(text, lang) for text, lang in items]


class TestBatchScoring:
    TEXTS = ["the worst service ever, refund me", "love the new store!", "Streik heute, kein Zug",
             "@acme where is my parcel", "ok", "acme acme acme great great", "😭😭 no words"]

    def test_a_chunk_scored_together_equals_each_mention_scored_alone(self, metrics,
                                                                      monkeypatch):
        """The score loop scores a chunk's mentions in one batch call; every observation is
        the one the mention gets scored on its own (label, compound, language), also when
        the batch's new words are hashed together (any number of them, here)."""
        recs = [_rec(i, _mention(i, text=t, lang=None if i % 2 else "en"))
                for i, t in enumerate(self.TEXTS)]
        alone = [score_records([r], BOOK, Scorer(), metrics, partitions=4, max_future=900, now=NOW)
                 for r in recs]  # one post a batch: below PRIME_MIN, the one-by-one path
        monkeypatch.setattr(learned, "PRIME_MIN", 1)
        batch = score_records(recs, BOOK, Scorer(), metrics, partitions=4, max_future=900,
                              now=NOW)
        got = [orjson.loads(v) for rows in batch.out.values() for v in rows]
        want = [orjson.loads(v) for res in alone for rows in res.out.values() for v in rows]
        key = lambda d: d["id"]  # noqa: E731
        assert sorted(got, key=key) == sorted(want, key=key) and len(got) == len(self.TEXTS)

    def test_a_batch_that_fails_is_scored_post_by_post_and_loses_one_post(self, metrics):
        """When the batch call fails, each post is scored on its own: the one the scorer
        cannot take becomes a dead letter, the others go on."""
        recs = [_rec(i, _mention(i, text=t)) for i, t in enumerate(self.TEXTS)]
        res = score_records(recs, BOOK, _OnePostFails(self.TEXTS[2]), metrics, partitions=4,
                            max_future=900, now=NOW)
        ids = {orjson.loads(v)["id"] for rows in res.out.values() for v in rows}
        assert ids == {f"m{i}" for i in range(len(self.TEXTS)) if i != 2}
        (key, raw), = res.dead
        assert orjson.loads(raw)["origin"]["offset"] == 2


class TestPack:
    def _values(self, n: int, size: int = 50) -> list[bytes]:
        return [orjson.dumps({"id": f"m{i}", "pad": "x" * size}) for i in range(n)]

    def test_a_pack_keeps_every_item_in_order(self):
        """Packed records decode to the same observations in the same order, none lost."""
        values = self._values(500)
        records = pack(values, limit=4096)
        assert len(records) > 1
        items = [it for r in records for it in orjson.loads(r)["items"]]
        assert all(orjson.loads(r)["kind"] == "batch" for r in records)
        assert items == [orjson.loads(v) for v in values]

    def test_records_stay_under_the_limit_unless_one_item_is_larger(self):
        """Each record stays near the byte limit; an item larger than it travels alone."""
        values = self._values(40) + [orjson.dumps({"id": "big", "pad": "y" * 10_000})]
        records = pack(values, limit=2048)
        assert all(len(r) <= 2048 + 32 for r in records[:-1])
        assert orjson.loads(records[-1])["items"] == [orjson.loads(values[-1])]

    def test_nothing_to_pack_is_no_record(self):
        """An empty partition produces no record."""
        assert pack([]) == []


class _Consumer:
    """Stands in for the loop's consumer: hands out ``batches`` in turn (a batch read again
    after a seek back to the committed offset), then stops."""

    def __init__(self, tp, records):
        self.tp, self.records, self.committed, self.seeks, self.reads = tp, records, 0, 0, 0

    async def getmany(self, timeout_ms, max_records):
        from aiokafka.errors import ConsumerStoppedError

        self.reads += 1
        left = [r for r in self.records if r.offset >= self.committed]
        if not left or self.reads > 5:
            raise ConsumerStoppedError()
        return {self.tp: left}

    async def seek_to_committed(self, *tps):
        self.seeks += 1

    async def commit(self, offsets):
        self.committed = offsets[self.tp]


class _Producer:
    """A producer whose first ``fail`` sends are never acknowledged (the broker was away)."""

    def __init__(self, fail):
        self.fail, self.sent = fail, []

    async def send(self, topic, value, key=None, partition=None):
        import asyncio

        from aiokafka.errors import KafkaTimeoutError

        fut = asyncio.get_running_loop().create_future()
        if self.fail:
            self.fail -= 1
            fut.set_exception(KafkaTimeoutError())
        else:
            self.sent.append((topic, value))
            fut.set_result(None)
        return fut


class TestScoreLoopFailures:
    def test_a_batch_whose_produce_fails_is_read_again_and_the_loop_goes_on(
            self, metrics, monkeypatch):
        """A produce that is never acknowledged does not end the loop (the worker would stay
        ready and never score again) and commits nothing: the batch is read again from the
        committed offset and goes through once the broker answers."""
        import asyncio

        from aiokafka.structs import TopicPartition

        from streams.settings import load_settings
        from streams.worker import scoring

        monkeypatch.setattr(scoring, "RETRY_SECONDS", 0.01)
        tp = TopicPartition("mentions", 2)
        records = [_rec(i, _mention(i)) for i in range(3)]

        async def run():
            loop = scoring.ScoreLoop(load_settings(), metrics, get_scorer())
            loop.consumer, loop.producer = _Consumer(tp, records), _Producer(fail=1)
            loop.assigned = {tp}
            await scoring.ScoreLoop._run.fun(loop)
            return loop

        loop = asyncio.run(run())
        assert loop.consumer.seeks == 1 and loop.consumer.committed == 3
        assert loop.failing is None  # the later batch went through
        scored = [v for t, v in loop.producer.sent if t == "mentions.scored"]
        assert sum(len(orjson.loads(v)["items"]) for v in scored) == 3
        assert metrics.score_failures._value.get() == 1


class TestScoreLoopGate:
    def test_scoring_waits_while_the_detect_stage_writes(self, metrics):
        """With the gate cleared (a checkpoint or a transition being written) the loop scores
        nothing; once it is set, the batch is scored, produced and committed."""
        import asyncio

        from aiokafka.structs import TopicPartition

        from streams.settings import load_settings
        from streams.worker import scoring

        tp = TopicPartition("mentions", 2)
        records = [_rec(i, _mention(i)) for i in range(3)]

        async def run():
            gate = asyncio.Event()
            loop = scoring.ScoreLoop(load_settings(), metrics, get_scorer(), gate=gate)
            loop.consumer, loop.producer = _Consumer(tp, records), _Producer(fail=0)
            task = asyncio.ensure_future(loop.handle({tp: records}))
            for _ in range(20):
                await asyncio.sleep(0)
            held = (task.done(), len(loop.producer.sent), loop.consumer.committed)
            gate.set()
            await asyncio.wait_for(task, 5)
            return held, loop

        (done, sent, committed), loop = asyncio.run(run())
        assert (done, sent, committed) == (False, 0, 0)
        assert loop.consumer.committed == 3 and len(loop.producer.sent) >= 1


class TestWritingGate:
    def test_the_gate_opens_only_when_the_last_writer_ends(self):
        """Nested writes (an action's outboxes inside its write) keep the gate cleared until
        the outermost ends, and an error still opens it."""
        import asyncio
        from types import SimpleNamespace

        from streams.worker.publishing import writing

        rt: Any = SimpleNamespace(writing=0, writes_done=asyncio.Event())
        rt.writes_done.set()
        with writing(rt):
            with writing(rt):
                assert not rt.writes_done.is_set()
            assert not rt.writes_done.is_set()
        assert rt.writes_done.is_set()
        with pytest.raises(RuntimeError), writing(rt):
            raise RuntimeError("a failed write")
        assert rt.writes_done.is_set() and rt.writing == 0
