"""Scoring a batch gives exactly what scoring post by post gives.

``Scorer.score_many`` hashes the learned model's new tokens of a whole batch with
numpy (:class:`detectors.sentiment.ngrams.CharGrams`, ``LanguageModel.prime``); the
buckets, the memoised token entries and every score must equal the one-by-one path:
buckets and entries exactly, scores in label, language and confidence exactly and in
compound to 1e-9, with and without a language hint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.sentiment.features import PLACEHOLDERS, char_buckets, normalize_token, raw_tokens
from detectors.sentiment.learned import PRIME_MIN, LanguageModel, load_models
from detectors.sentiment.ngrams import CharGrams
from detectors.sentiment.scorer import Score, Scorer
from detectors.sim.scenarios import ordinary_week
from detectors.sim.simulate import generate

DATA = Path(__file__).resolve().parents[3] / "data"
EDGE_CASES = [
    "", "   ", "ok", "a", "😡😡 terrible", "🙏❤️ RIP, so sad", "nooooo!!! ¡¿qué?!", "straße ģimene",
    "@Finnair still waiting https://t.co/x 12,50 €", "İSTANBUL İyi", "x" * 70, "🏳️‍🌈 pride",
    "Tämä on ihan hyvä", "c'est nul", "ΟΔΟΣ ΣΑΣ", "これは最悪です", "price 1,299.00 at 10:30",
]


def _posts() -> list[tuple[str, str | None]]:
    rows = [json.loads(line) for name in ("sentiment_eval.jsonl", "complaints_en.jsonl")
            for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    posts: list[tuple[str, str | None]] = [(r["text"], r.get("lang")) for r in rows]
    posts += [(m["text"], m.get("lang")) for m in generate(ordinary_week(2))][:800]
    posts += [(text, None) for text in EDGE_CASES]
    return posts


@pytest.fixture(scope="module")
def posts() -> list[tuple[str, str | None]]:
    return _posts()


@pytest.fixture(scope="module")
def models() -> dict[str, LanguageModel]:
    return load_models()


def _same(a: Score, b: Score) -> bool:
    if (a.label, a.lang, a.confidence) != (b.label, b.lang, b.confidence):
        return False
    if a.compound is None or b.compound is None:
        return a.compound is b.compound
    return abs(a.compound - b.compound) <= 1e-9


class TestCharGrams:
    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20))
    def test_buckets_equal_char_buckets_token_by_token(self, tokens: list[str]) -> None:
        """Each token's n-gram buckets, in order, and their number are char_buckets' own."""
        buckets, owners, counts = CharGrams().buckets(tokens)
        for index, token in enumerate(tokens):
            expected = char_buckets(token)
            assert buckets[owners == index].tolist() == expected
            assert counts[index] == len(expected)

    def test_no_tokens(self) -> None:
        """An empty batch gives empty arrays."""
        buckets, owners, counts = CharGrams().buckets([])
        assert len(buckets) == len(owners) == len(counts) == 0


class TestPrime:
    def test_primed_entries_equal_the_one_by_one_entries(
            self, posts: list[tuple[str, str | None]], models: dict[str, LanguageModel]) -> None:
        """Entries memoised by prime are exactly those _token computes for the same tokens."""
        raws = [raw for text, _ in posts for raw in raw_tokens(text)]
        for lang in ("en", "de", "fi"):
            batch = load_models()[lang]
            hashed = batch.prime(raws, CharGrams())
            assert hashed >= PRIME_MIN  # the numpy path ran
            single = models[lang]
            for raw in dict.fromkeys(raws):
                tok = normalize_token(raw)
                key = raw if tok not in PLACEHOLDERS else tok
                if tok is None or key not in batch._memo:
                    continue
                assert batch._memo[key] == single._token(raw), raw

    def test_few_new_tokens_are_left_to_the_one_by_one_path(self) -> None:
        """Below PRIME_MIN new tokens nothing is memoised (numpy's fixed cost is not worth it)."""
        model = load_models()["en"]
        assert model.prime(["hello", "world"], CharGrams()) == 0
        assert "hello" not in model._memo


class TestScoreMany:
    @pytest.mark.parametrize("hinted", [True, False])
    def test_score_many_equals_score(self, posts: list[tuple[str, str | None]],
                                     hinted: bool) -> None:
        """A batch scored at once equals each post scored alone, by scorers with empty memos."""
        items = [(text, lang if hinted else None) for text, lang in posts]
        one = Scorer(cache_size=0)
        expected = [one.score(text, lang) for text, lang in items]
        many = Scorer(cache_size=0)
        got: list[Score] = []
        for start in range(0, len(items), 400):
            got += many.score_many(items[start:start + 400])
        assert len(got) == len(expected)
        different = [(item, a, b) for item, a, b in zip(items, got, expected, strict=True)
                     if not _same(a, b)]
        assert not different, different[:3]

    def test_duplicates_and_cache_hits(self) -> None:
        """Repeated posts in a batch get the same score, and the batch fills the cache."""
        scorer = Scorer()
        items: list[tuple[str, str | None]] = [("Das ist nicht gut", "de"), ("ok", None),
                                               ("Das ist nicht gut", "de")]
        first = scorer.score_many(items)
        assert (scorer.hits, scorer.misses) == (1, 2)  # as score() one by one: the repeat hits
        assert first[0] == first[2] == scorer.score("Das ist nicht gut", "de")
        assert scorer.score_many(items) == first
        assert scorer.score_many([]) == []

    def test_a_hit_in_a_batch_is_recent_use(self) -> None:
        """The cache is least-recently-used through score_many too: a post hit in a batch
        outlives one that was not."""
        scorer = Scorer(cache_size=2)
        scorer.score_many([("first post", "en"), ("second post", "en")])
        scorer.score_many([("first post", "en")])
        scorer.score_many([("third post", "en")])  # evicts the least recently used
        hits = scorer.hits
        scorer.score_many([("first post", "en")])
        assert scorer.hits == hits + 1
