"""Sentiment scoring behind one small interface.

`Scorer.score(text, lang)` returns a :class:`Score`: ``compound`` in [-1, 1]
(``None`` when the language has no lexicon), ``label`` in
``neg``/``neu``/``pos``/``unscored``, the language used and a ``confidence``.

Where a learned model exists for the language (:mod:`detectors.sentiment.learned`,
trained on real labelled posts), it decides: ``compound`` is P(pos) - P(neg),
``label`` comes from its tuned thresholds and ``confidence`` is the probability
of that label. The rule engine's compound is one of its features. Without a
model (or with ``Scorer(learned=False)``) the rules below decide alone and
``confidence`` is ``None``.

* English: VADER (built once per scorer; it reads its lexicon from disk; its
  compound score computed by :class:`detectors.sentiment.vader_fast.FastVader`) plus
  a customer-complaint layer ("still waiting", "on hold", "charged twice"):
  tokens the layer reads are masked from VADER and their valence is added to
  VADER's, so "please help" counts as a plea, not as two positive words.
* fi, sv, fr, nl, lv, de, es (and any language with ``lexicons/<lang>/``): the
  VADER-style rule engine in :mod:`detectors.sentiment.rules` over hand-curated
  lexicons with stems, negators, boosters, emoji and complaint phrases. English
  entries fill the gaps, so code-mixed posts ("tosi huono customer service")
  are read too.
* Other languages, and posts written mostly in a non-Latin script (Japanese,
  Cyrillic, Arabic…): ``Score(None, "unscored", lang)``, never a silent neutral.

Without a ``lang`` hint, the language comes from
:class:`detectors.sentiment.langid.CascadeDetector` (a microsecond vote, py3langid
when unsure) over the post without its handles, URLs and hashtags. Identical
(text, lang) pairs are scored once through a bounded LRU cache (retweets,
copy-paste campaigns).
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from detectors.sentiment.condolence import drop_comfort, is_comforting_grief
from detectors.sentiment.features import raw_tokens, unescape
from detectors.sentiment.langid import DETECTABLE_LANGUAGES, CascadeDetector, default_detector
from detectors.sentiment.learned import MODEL_PATH, LanguageModel, load_models
from detectors.sentiment.lexicon import Lexicon, available_languages
from detectors.sentiment.ngrams import CharGrams
from detectors.sentiment.questions import is_plain_question
from detectors.sentiment.rules import normalize, tokenize, unnormalize, valence_sum
from detectors.sentiment.script import language_text, script_language
from detectors.sentiment.vader_fast import NEGATE, FastVader

Label = Literal["neg", "neu", "pos", "unscored"]
NEG_THRESHOLD = -0.05
POS_THRESHOLD = 0.05
# English complaint phrases summing to this valence or less ("transferred between departments
# five times", "cancelled" + "refund") make a negative-leaning post ``neg`` whatever the model
# says: the training tweets hardly contain customer complaints. Checked by cross-validation on
# the train split (docs/sentiment-model.md): out-of-fold F1(neg) 0.670 -> 0.671, no more
# positives read as negative.
STRONG_COMPLAINT = -2.0
__all__ = ["DETECTABLE_LANGUAGES", "Label", "Score", "Scorer", "get_scorer", "label_for"]


@dataclass(frozen=True, slots=True)
class Score:
    """The sentiment of one text."""

    compound: float | None
    label: Label
    lang: str | None
    confidence: float | None = None


def label_for(compound: float | None) -> Label:
    """Map a compound score to a label (VADER's conventional ±0.05 cut-offs).

    Args:
        compound: the score, or ``None`` for an unscored text.
    """
    if compound is None:
        return "unscored"
    if compound <= NEG_THRESHOLD:
        return "neg"
    if compound >= POS_THRESHOLD:
        return "pos"
    return "neu"


def _in_band(compound: float, label: str) -> float:
    """Move ``compound`` just inside ``label``'s band, so ``label_for(compound) == label``.

    The learned model labels by tuned probability thresholds; when P(pos) - P(neg)
    falls on the other side of VADER's ±0.05 cut-offs, the label wins.
    """
    if label == "neg":
        return min(compound, NEG_THRESHOLD)
    if label == "pos":
        return max(compound, POS_THRESHOLD)
    return max(NEG_THRESHOLD + 1e-6, min(POS_THRESHOLD - 1e-6, compound))


@dataclass(slots=True)
class _Pending:
    """A post that passed language ID and the rules and waits for the learned model."""

    text: str
    lang: str | None
    lowered: list[str]
    compound: float
    complaint: float
    grief: bool
    model: LanguageModel
    raws: list[str] | None = None


def _normalize_lang(lang: str) -> str:
    return lang.strip().lower().replace("_", "-").split("-", 1)[0]


class Scorer:
    """Scores texts; build one per process and share it.

    Args:
        cache_size: how many distinct (text, lang) results to keep.
        learned: use the learned models where they exist (``False``: rules only).
        model_path: the ``.npz`` file of the learned models.
    """

    def __init__(
        self, cache_size: int = 65_536, learned: bool = True, model_path: Path = MODEL_PATH
    ) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader = FastVader(SentimentIntensityAnalyzer())
        english = Lexicon("en")
        self._complaints_en = Lexicon("en", files=("complaints.tsv",))
        self._lexicons: dict[str, Lexicon] = {"en": english}
        for lang in available_languages():
            if lang != "en":
                self._lexicons[lang] = Lexicon(lang, mixins=(english,))
        self._detector = default_detector({k: v.own_words for k, v in self._lexicons.items()})
        self._models: dict[str, LanguageModel] = load_models(model_path) if learned else {}
        self._grams = CharGrams()
        self._cache: OrderedDict[tuple[str, str | None], Score] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def languages(self) -> frozenset[str]:
        """Languages with a lexicon (others come back ``unscored``)."""
        return frozenset(self._lexicons)

    @property
    def learned_languages(self) -> frozenset[str]:
        """Languages scored by a learned model (the others by rules alone)."""
        return frozenset(self._models)

    @property
    def detector(self) -> CascadeDetector:
        """The language detector used when a text carries no ``lang`` hint."""
        return self._detector

    def detect_language(self, text: str) -> str | None:
        """Detect the language of ``text`` (``None`` when it has no letters).

        Handles, URLs and hashtags do not vote (hashtags do when nothing else has
        letters); a post mostly in a non-Latin script gets the language its script
        suggests (``None`` when unknown).
        """
        text = language_text(text)
        latin, script_lang = script_language(text)
        if not latin:
            return script_lang
        return self._detector.detect(text, [t.lower() for t in tokenize(text)])

    def lexicon_compound(self, text: str, lang: str) -> float | None:
        """The rule engine's compound for ``text`` in ``lang`` (``None``: no lexicon).

        This is the learned model's lexicon feature; training reads it here.
        """
        text, _grief = _prepare(text)
        tokens = tokenize(text)
        return self._rule_compound(text, tokens, [t.lower() for t in tokens],
                                   _normalize_lang(lang))[0]

    def score(self, text: str, lang: str | None = None) -> Score:
        """Score one text.

        Args:
            text: the post.
            lang: an ISO 639-1 hint from the source; detected when ``None``.
        """
        key = (text, lang)
        cached = self._cached(key)
        if cached is not None:
            return cached
        self.misses += 1
        result = self._score(text, lang)
        self._remember(key, result)
        return result

    def _cached(self, key: tuple[str, str | None]) -> Score | None:
        """The cached score of ``(text, lang)``, counted as a hit and as recent use."""
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            with self._lock:
                if key in self._cache:
                    self._cache.move_to_end(key)
        return cached

    def _remember(self, key: tuple[str, str | None], result: Score) -> None:
        """Cache a new score, dropping the least recently used beyond the cache's size."""
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def score_many(self, items: Iterable[tuple[str, str | None]]) -> list[Score]:
        """Score a batch of posts: equal to :meth:`score` on each, in order, for less CPU.

        Every post goes through language ID and the rules first; then the learned
        model's new words of the whole batch are hashed and summed together with
        numpy (:meth:`LanguageModel.prime`) instead of one n-gram at a time; then each
        post is finished. Results enter the cache as :meth:`score`'s do, so a caller
        may score a batch here and read each post through :meth:`score` afterwards.

        The garbage collector is paused for the batch: its pending posts (lists, small
        objects) stay alive until it ends, so they would set off collections that scan
        every memo of the process and free nothing (on the benchmark, 121 instead of 92
        CPU-µs a post). Whatever the batch leaves is collected afterwards as usual. The
        pause is process-wide: call this from one thread at a time (the worker's score
        loop and replay do).

        Args:
            items: ``(text, lang)`` pairs; ``lang`` is the hint or ``None``.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._score_many(items)
        finally:
            if enabled:
                gc.enable()

    def _score_many(self, items: Iterable[tuple[str, str | None]]) -> list[Score]:
        out: list[Score | None] = []
        todo: dict[tuple[str, str | None], list[int]] = {}
        for key in items:
            cached = self._cached(key)
            if cached is None:
                todo.setdefault(key, []).append(len(out))
            out.append(cached)
        pending: list[tuple[tuple[str, str | None], Score | _Pending]] = []
        raws: dict[int, tuple[LanguageModel, list[str]]] = {}
        for key, places in todo.items():
            self.misses += 1
            self.hits += len(places) - 1  # score() would find the repeats in the cache
            front = self._front(*key)
            if not isinstance(front, Score):
                front.raws = raw_tokens(front.text)
                raws.setdefault(id(front.model), (front.model, []))[1].extend(front.raws)
            pending.append((key, front))
        for model, tokens in raws.values():
            try:
                model.prime(tokens, self._grams)
            except (UnicodeError, ValueError):  # only a saving: each post's own path says what fails
                pass
        for key, front in pending:
            result = front if isinstance(front, Score) else self._finish(front)
            for index in todo[key]:
                out[index] = result
            self._remember(key, result)
        scores = [score for score in out if score is not None]
        assert len(scores) == len(out)
        return scores

    def _score(self, text: str, lang: str | None) -> Score:
        front = self._front(text, lang)
        return front if isinstance(front, Score) else self._finish(front)

    def _front(self, text: str, lang: str | None) -> Score | _Pending:
        """Everything up to the learned model: a final score, or what the model must finish."""
        text, grief = _prepare(text)
        if text.isascii():  # Latin script: the script check has nothing to find
            latin, script_lang, lang_text = True, None, None
        else:
            lang_text = language_text(text)
            latin, script_lang = script_language(lang_text)
        if not latin:
            return Score(None, "unscored", script_lang or (lang and _normalize_lang(lang)))
        tokens = tokenize(text)
        lowered = list(map(str.lower, tokens))
        if lang is None:
            if lang_text is None:
                lang_text = language_text(text)
            if lang_text is not text:
                lang = self._detector.detect(lang_text, list(map(str.lower, tokenize(lang_text))))
            else:
                lang = self._detector.detect(text, lowered)
        else:
            lang = _normalize_lang(lang)
        compound, complaint = self._rule_compound(text, tokens, lowered, lang)
        if compound is None:
            return Score(None, "unscored", lang)
        model = self._models.get(lang) if lang is not None else None
        if model is None:
            return Score(compound, label_for(compound), lang)
        return _Pending(text, lang, lowered, compound, complaint, grief, model)

    def _finish(self, p: _Pending) -> Score:
        """The learned model's verdict on a post, with the English and condolence overrides."""
        text, lang, compound, complaint = p.text, p.lang, p.compound, p.complaint
        pred = p.model.predict(text, compound, p.raws)
        if (pred.label != "neg" and lang == "en" and compound <= NEG_THRESHOLD
                and complaint <= STRONG_COMPLAINT):
            return Score(_in_band(pred.pos - pred.neg, "neg"), "neg", lang, pred.neg)
        if (pred.label == "neg" and lang == "en" and "?" in text
                and complaint == 0.0 and self._plain_question(text, p.lowered)):
            label: Label = "pos" if pred.pos >= pred.neu else "neu"
            return Score(_in_band(pred.pos - pred.neg, label), label, lang, max(pred.pos, pred.neu))
        if p.grief and pred.label == "pos":  # sympathy is not praise: at most neutral
            return Score(_in_band(pred.pos - pred.neg, "neu"), "neu", lang, pred.neu + pred.pos)
        return Score(_in_band(pred.pos - pred.neg, pred.label), pred.label, lang, pred.confidence)

    def _rule_compound(
        self, text: str, tokens: list[str], lowered: list[str], lang: str | None
    ) -> tuple[float | None, float]:
        """The rules' compound (``None``: no lexicon) and the summed valence of the English
        complaint phrases in the post (0 when none, or not English)."""
        lexicon = self._lexicons.get(lang) if lang is not None else None
        if lexicon is None:
            return None, 0.0
        if lang == "en":
            return self._score_english(text, tokens, lowered)
        return normalize(valence_sum(tokens, lexicon, None, lowered)), 0.0

    def _plain_question(self, text: str, lowered: list[str]) -> bool:
        """An English question asking for information (:mod:`detectors.sentiment.questions`)."""
        return is_plain_question(text, lowered, self._vader.lexicon, NEGATE)

    def _score_english(self, text: str, tokens: list[str], lowered: list[str]
                       ) -> tuple[float, float]:
        spans: list[tuple[int, int]] = []
        extra = valence_sum(tokens, self._complaints_en, spans, lowered)
        if spans:
            text = _mask(text, tokens, spans)
        compound = self._vader.compound(text)
        if not spans:
            return max(-1.0, min(1.0, compound)), extra
        return normalize(unnormalize(compound) + extra), extra


def _mask(text: str, tokens: list[str], spans: list[tuple[int, int]]) -> str:
    """Remove the tokens in ``spans`` (token index ranges) from ``text``."""
    cut: set[int] = set()
    for start, end in spans:
        cut.update(range(start, end))
    last_cut = max(cut)
    pieces = []
    pos = kept_from = 0
    for index, tok in enumerate(tokens[: last_cut + 1]):
        pos = text.find(tok, pos)
        if index in cut:
            pieces.append(text[kept_from:pos])
            kept_from = pos + len(tok)
        pos += len(tok)
    pieces.append(text[kept_from:])
    return " ".join(pieces)


_DEFAULT: Scorer | None = None


def get_scorer() -> Scorer:
    """The process-wide scorer, built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Scorer()
    return _DEFAULT


def _prepare(text: str) -> tuple[str, bool]:
    """The text the rules and the model read (escapes decoded, typographic apostrophes
    plain, comfort emoji of a grief post dropped), and whether it is such a post."""
    text = unescape(text)
    if "’" in text:
        text = text.replace("’", "'")
    grief = is_comforting_grief(text)
    return (drop_comfort(text) if grief else text), grief
