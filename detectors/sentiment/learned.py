"""Inference of the learned sentiment model with numpy only (no scikit-learn).

The model is one multinomial logistic regression per language over the hashed
n-grams of :mod:`detectors.sentiment.features` plus two lexicon features (the
positive and the negative part of the rule engine's compound). Its weights live
in ``model/sentiment.npz``, written by ``benchmarks/train_sentiment.py``:

* ``<lang>.weights`` float16 ``(BUCKETS, 3)``: one row per bucket, columns
  neg/neu/pos;
* ``<lang>.lexicon`` ``(2, 3)`` and ``<lang>.bias`` ``(3,)`` float32;
* ``<lang>.neg_threshold``: a post is ``neg`` when P(neg) reaches it (tuned on
  out-of-fold predictions of the training split), else the likelier of neu/pos;
* ``<lang>.rule_floor``: a post is also ``neg`` when the rule engine's compound is
  at or below it (tuned with the threshold; -2 switches it off). The training
  posts are general tweets, so strongly negative lexicon evidence (complaint
  phrases, "slechtste ervaring ooit") keeps its weight on brand posts.
* ``<lang>.lex_threshold`` (optional, the neg threshold when absent): the neg
  threshold of posts the rule engine reads as negative (compound at or below
  :data:`LEX_EVIDENCE`), tuned with the other; no higher than it.
* ``<lang>.char_scale`` (optional, 1 when absent): the weight of the character
  n-grams against the words, chosen by cross-validation (``features.featurize``).
* ``<lang>.stack_weights`` / ``<lang>.stack_bias`` (optional): a second-level model
  (:mod:`detectors.sentiment.stacking`) over the probabilities and the rule compound;
  when present, its probabilities replace the first level's before the thresholds.

A language trained without neutral posts (Finnish) has a very negative neutral
bias, so its P(neu) is practically 0. The linear model makes a post's score a
sum of per-token parts, so each token's character n-gram and unigram weights are
memoised as three floats (bounded); only word bigrams are gathered per post.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from detectors.sentiment.features import (
    BUCKETS,
    MASK,
    PLACEHOLDERS,
    RAW_TOKEN_RE,
    char_buckets,
    normalize_token,
    word_id,
)
from detectors.sentiment.ngrams import CharGrams
from detectors.sentiment.stacking import Stacker

MODEL_PATH = Path(__file__).parent / "model" / "sentiment.npz"
CLASSES = ("neg", "neu", "pos")
LEXICON_SCALE = 1.0
LEX_EVIDENCE = -0.05  # a rule compound at or below this is negative lexicon evidence
MEMO_LIMIT = 100_000
PRIME_MIN = 64  # fewer new tokens than this are cheaper one by one (numpy's fixed cost)
__all__ = ["CLASSES", "LEX_EVIDENCE", "MODEL_PATH", "LanguageModel", "Prediction",
           "lexicon_features", "load_models"]

ModelLabel = Literal["neg", "neu", "pos"]


def lexicon_features(compound: float | None) -> tuple[float, float]:
    """The two lexicon features of a rule-engine compound (its positive and negative part)."""
    if compound is None:
        return 0.0, 0.0
    return LEXICON_SCALE * max(compound, 0.0), LEXICON_SCALE * max(-compound, 0.0)


@dataclass(frozen=True, slots=True)
class Prediction:
    """Class probabilities of one post and the label they give."""

    neg: float
    neu: float
    pos: float
    label: ModelLabel

    @property
    def confidence(self) -> float:
        """Probability of the chosen label."""
        return {"neg": self.neg, "neu": self.neu, "pos": self.pos}[self.label]


class LanguageModel:
    """The linear model of one language.

    Args:
        weights: ``(BUCKETS, 3)`` bucket weights.
        lexicon: ``(2, 3)`` weights of the lexicon features.
        bias: ``(3,)`` intercepts.
        neg_threshold: P(neg) from which a post is labelled ``neg``.
        rule_floor: rule compound at or below which a post is labelled ``neg``.
        char_scale: weight of the character n-grams (as in training).
        lex_threshold: P(neg) from which a post with negative lexicon evidence
            is ``neg`` (``None``: ``neg_threshold``).
        stacker: second-level model applied to the probabilities (``None``: none).
    """

    def __init__(self, weights: np.ndarray, lexicon: np.ndarray, bias: np.ndarray,
                 neg_threshold: float, rule_floor: float = -2.0, char_scale: float = 1.0,
                 lex_threshold: float | None = None, stacker: Stacker | None = None) -> None:
        if weights.shape != (BUCKETS, 3) or lexicon.shape != (2, 3) or bias.shape != (3,):
            raise ValueError(f"bad model shapes {weights.shape} {lexicon.shape} {bias.shape}")
        if not 0.0 < neg_threshold < 1.0:
            raise ValueError(f"neg_threshold must be in (0, 1), got {neg_threshold}")
        lex_threshold = neg_threshold if lex_threshold is None else lex_threshold
        if not 0.0 < lex_threshold <= neg_threshold:
            raise ValueError(f"lex_threshold must be in (0, neg_threshold], got {lex_threshold}")
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        # Row ``b`` is ``flat[3b:3b+3]``: indexing a memoryview gives a Python float at once,
        # so the dozen rows a post needs are summed without numpy's per-call overhead.
        self._flat = self._weights.reshape(-1).data
        # The same rows column by column (strided views, no copy): a new token's character
        # n-grams are summed per class by ``sum(map(column.__getitem__, buckets))`` in C.
        self._columns = tuple(self._weights[:, j].data for j in range(3))
        self._lexicon = [[float(v) for v in row] for row in lexicon]
        self._bias = [float(v) for v in bias]
        self.neg_threshold = neg_threshold
        self.rule_floor = rule_floor
        self.char_scale = char_scale
        self.lex_threshold = lex_threshold
        self.stacker = stacker
        self._memo: dict[str, tuple[float, float, float, int]] = {}  # token -> vector, word id

    def _token(self, raw: str) -> tuple[float, float, float, int]:
        """A raw token's contribution (char n-grams and unigram) and word id, memoised.

        A dropped token gets word id -1. Masked tokens (URLs, handles, numbers) are
        memoised under their placeholder only, so unique URLs do not fill the memo.
        """
        if len(self._memo) >= MEMO_LIMIT:
            self._memo.clear()
        tok = normalize_token(raw)
        if tok is None:
            entry = (0.0, 0.0, 0.0, -1)
        else:
            known = self._memo.get(tok)
            if known is not None:
                entry = known
            else:
                flat = self._flat
                chars = char_buckets(tok)
                col0, col1, col2 = self._columns
                c0 = sum(map(col0.__getitem__, chars), 0.0)  # added in order, as a loop would
                c1 = sum(map(col1.__getitem__, chars), 0.0)
                c2 = sum(map(col2.__getitem__, chars), 0.0)
                scale = self.char_scale / math.sqrt(len(chars))
                ident = word_id(tok)
                k = 3 * (ident & MASK)
                v0, v1, v2 = c0 * scale + flat[k], c1 * scale + flat[k + 1], c2 * scale + flat[k + 2]
                entry = (v0, v1, v2, ident)
                self._memo[tok] = entry
            if tok in PLACEHOLDERS and tok != raw:
                return entry
        self._memo[raw] = entry
        return entry

    def prime(self, raws: list[str], grams: CharGrams) -> int:
        """Memoise the new ones of many raw tokens at once; how many new tokens were hashed.

        The character n-grams of all new tokens are hashed and summed in a few numpy
        operations (:class:`detectors.sentiment.ngrams.CharGrams`, ``np.bincount``),
        each token's in the order :meth:`_token` adds them, to the same entries. Below
        :data:`PRIME_MIN` new tokens nothing is done (one by one costs less).

        Args:
            raws: raw tokens (:func:`detectors.sentiment.features.raw_tokens`) of a batch.
            grams: the batch hasher.
        """
        memo = self._memo
        fresh: dict[str, list[str]] = {}
        for raw in dict.fromkeys(raws):
            if raw in memo:
                continue
            tok = normalize_token(raw)
            if tok is not None and tok not in memo and tok not in PLACEHOLDERS:
                fresh.setdefault(tok, []).append(raw)
        if len(fresh) < PRIME_MIN:
            return 0
        if len(memo) + len(fresh) + sum(map(len, fresh.values())) >= MEMO_LIMIT:
            memo.clear()
        toks = list(fresh)
        buckets, owners, counts = grams.buckets(toks)
        rows = self._weights[buckets]
        c0, c1, c2 = (np.bincount(owners, weights=rows[:, j], minlength=len(toks)).tolist()
                      for j in range(3))
        flat = self._flat
        for i, (tok, count) in enumerate(zip(toks, counts.tolist(), strict=True)):
            scale = self.char_scale / math.sqrt(count)
            ident = word_id(tok)
            k = 3 * (ident & MASK)
            entry = (c0[i] * scale + flat[k], c1[i] * scale + flat[k + 1],
                     c2[i] * scale + flat[k + 2], ident)
            memo[tok] = entry
            for raw in fresh[tok]:
                memo[raw] = entry
        return len(toks)

    def logits(self, text: str, lexicon_compound: float | None,
               raws: list[str] | None = None) -> tuple[float, float, float]:
        """Unnormalised class scores (neg, neu, pos) of a raw post.

        Args:
            text: the post as written.
            lexicon_compound: the rule engine's compound for it.
            raws: its raw tokens when the caller has them (``raw_tokens(text)``).
        """
        lp, ln = lexicon_features(lexicon_compound)
        (a0, a1, a2), (b0, b1, b2) = self._lexicon
        z0, z1, z2 = self._bias
        z0 += lp * a0 + ln * b0
        z1 += lp * a1 + ln * b1
        z2 += lp * a2 + ln * b2
        if raws is None:
            raws = RAW_TOKEN_RE.findall(text.lower())
        entries = list(map(self._memo.get, raws))
        if None in entries:
            token = self._token
            entries = [entry or token(raw) for entry, raw in zip(entries, raws, strict=True)]
        if not entries:
            return z0, z1, z2
        # A dropped token's entry is (0.0, 0.0, 0.0, -1): it adds nothing to the sums.
        v0, v1, v2, idents = zip(*entries, strict=True)
        if -1 in idents:
            idents = tuple(ident for ident in idents if ident >= 0)
        count = len(idents)
        if not count:
            return z0, z1, z2
        bigrams = [  # features.bigram_bucket, inlined
            (((first * 0x9E3779B1) ^ second) * 0x85EBCA77 >> 15) & MASK
            for first, second in zip(idents, idents[1:], strict=False)
        ]
        col0, col1, col2 = self._columns
        t0 = sum(v0, 0.0) + sum(map(col0.__getitem__, bigrams), 0.0)
        t1 = sum(v1, 0.0) + sum(map(col1.__getitem__, bigrams), 0.0)
        t2 = sum(v2, 0.0) + sum(map(col2.__getitem__, bigrams), 0.0)
        scale = 1.0 / math.sqrt(count)
        return z0 + scale * t0, z1 + scale * t1, z2 + scale * t2

    def predict(self, text: str, lexicon_compound: float | None,
                raws: list[str] | None = None) -> Prediction:
        """Class probabilities and label of a raw post.

        Args:
            text: the post as written.
            lexicon_compound: the rule engine's compound for it (``None``: no lexicon).
            raws: its raw tokens when the caller has them (``raw_tokens(text)``).
        """
        z = self.logits(text, lexicon_compound, raws)
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = e[0] + e[1] + e[2]
        neg, neu, pos = e[0] / total, e[1] / total, e[2] / total
        if self.stacker is not None:
            neg, neu, pos = self.stacker.proba(neg, neu, pos, lexicon_compound)
        label: ModelLabel
        threshold = self.neg_threshold
        if lexicon_compound is not None and lexicon_compound <= LEX_EVIDENCE:
            threshold = self.lex_threshold
        if neg >= threshold or (
            lexicon_compound is not None and lexicon_compound <= self.rule_floor
        ):
            label = "neg"
        else:
            label = "pos" if pos >= neu else "neu"
        return Prediction(neg, neu, pos, label)


def _number(data: np.lib.npyio.NpzFile, key: str, default: float) -> float:
    """An optional scalar of the model file (``default`` when the file predates it)."""
    return float(data[key]) if key in data.files else default


def load_models(path: Path = MODEL_PATH) -> dict[str, LanguageModel]:
    """Read every language's model from ``path`` (empty when the file is absent).

    Args:
        path: an ``.npz`` written by the training script.
    """
    if not path.exists():
        return {}
    models: dict[str, LanguageModel] = {}
    with np.load(path, allow_pickle=False) as data:
        langs = sorted({key.split(".", 1)[0] for key in data.files})
        for lang in langs:
            lex_key = f"{lang}.lex_threshold"
            stacker = None
            if f"{lang}.stack_weights" in data.files:
                stacker = Stacker(data[f"{lang}.stack_weights"], data[f"{lang}.stack_bias"])
            models[lang] = LanguageModel(
                data[f"{lang}.weights"], data[f"{lang}.lexicon"], data[f"{lang}.bias"],
                float(data[f"{lang}.neg_threshold"]), _number(data, f"{lang}.rule_floor", -2.0),
                _number(data, f"{lang}.char_scale", 1.0),
                float(data[lex_key]) if lex_key in data.files else None, stacker,
            )
    return models
