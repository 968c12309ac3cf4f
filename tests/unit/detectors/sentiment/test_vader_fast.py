"""FastVader gives VADER's own compound score, equal, not close."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer

from detectors.sentiment.vader_fast import FastVader
from detectors.sim.scenarios import ordinary_week, sudden
from detectors.sim.simulate import generate

DATA = Path(__file__).resolve().parents[3] / "data"
VADER = SentimentIntensityAnalyzer()
FAST = FastVader(VADER)

# words every rule looks at: lexicon words of both signs, boosters, dampeners,
# negations, "no", "but", "least", "kind of", idioms, caps, emoji, emoticons
RULE_WORDS = [
    "good", "great", "love", "bad", "terrible", "hate", "awful", "kind", "of", "sort", "no", "not",
    "never", "so", "this", "without", "doubt", "but", "least", "at", "very", "or", "nor", "the",
    "shit", "bomb", "bad", "ass", "bus", "stop", "yeah", "right", "kiss", "death", "to", "die", "for",
    "beating", "heart", "just", "enough", "isn't", "dont", "GOOD", "BAD", "VERY", "Great!", "bad.",
    ":)", ":(", ":-D", "<3", "😀", "😡", "💔", "lol", "!!!", "??", "?", "service", "refund", "waiting",
    "cut", "mustard", "kinda", "sorta", "hardly", "extremely", "NOT", "LOVE", "wow", "free",
    *sorted(BOOSTER_DICT)[:12], *NEGATE[:10],
]


def _same(text: str) -> None:
    assert FAST.compound(text) == VADER.polarity_scores(text)["compound"], text


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(RULE_WORDS), min_size=0, max_size=14),
       st.sampled_from(["", "!", "!!", "?", "???", "!!!!!", " :)"]))
def test_generated_sentences_score_exactly_like_vader(words: list[str], tail: str) -> None:
    _same(" ".join(words) + tail)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_scores_exactly_like_vader(text: str) -> None:
    _same(text)


@pytest.mark.parametrize("text", [
    "", "   ", "!!!", "The service is not good but the food is GREAT!!!",
    "no good no bad", "I kind of like it", "at least it works", "least good thing ever",
    "never so happy", "without doubt the best", "this is the shit", "kiss of death for the brand",
    "VERY BAD", "very BAD service", "😀😀 love it", "hate it😡", "no no no", "good good but good",
    "It's not bad, but it's not great either", "Refund??? Still waiting!!!! :(",
])
def test_known_sentences_score_exactly_like_vader(text: str) -> None:
    _same(text)


def test_corpora_score_exactly_like_vader() -> None:
    texts = [m["text"] for m in generate(ordinary_week(3))][:20_000]
    texts += [m["text"] for m in generate(sudden(5))][:5_000]
    for name in ("sentiment_eval.jsonl", "complaints_en.jsonl"):
        texts += [json.loads(line)["text"] for line in (DATA / name).read_text().splitlines() if line]
    diffs = [t for t in texts if FAST.compound(t) != VADER.polarity_scores(t)["compound"]]
    assert not diffs, diffs[:5]
