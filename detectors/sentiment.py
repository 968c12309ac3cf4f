"""Sentiment scoring behind one small interface.

`Scorer.score(text, lang)` returns a :class:`Score`: ``compound`` in [-1, 1]
(``None`` when the language has no lexicon), ``label`` in
``neg``/``neu``/``pos``/``unscored`` and the language used. The VADER analyzer
is built once per scorer (it reads its lexicon from disk) and identical texts
are scored once through a bounded LRU cache (retweets, copy-paste campaigns).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

Label = Literal["neg", "neu", "pos", "unscored"]
NEG_THRESHOLD = -0.05
POS_THRESHOLD = 0.05
SCORED_LANGUAGES = frozenset({"en"})
# Languages the detector may answer with; anything else is reported as found.
DETECTABLE_LANGUAGES = (
    "en", "fi", "sv", "fr", "nl", "lv", "de", "es", "pt", "it", "da", "no", "pl", "et", "lt",
)


@dataclass(frozen=True, slots=True)
class Score:
    """The sentiment of one text."""

    compound: float | None
    label: Label
    lang: str | None


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


class LanguageDetector:
    """py3langid restricted to the languages we can tell apart usefully."""

    def __init__(self, languages: tuple[str, ...] = DETECTABLE_LANGUAGES) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self._ident = LanguageIdentifier.from_model_file(MODEL_FILE)
        self._ident.set_languages(list(languages))

    def detect(self, text: str) -> str | None:
        """Return an ISO 639-1 code, or ``None`` when the text has no letters."""
        if not any(ch.isalpha() for ch in text):
            return None
        lang, _ = self._ident.classify(text)
        return str(lang)


class Scorer:
    """Scores texts; build one per process and share it.

    Args:
        cache_size: how many distinct (text, lang) results to keep.
    """

    def __init__(self, cache_size: int = 65_536) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader = SentimentIntensityAnalyzer()
        self._langid: LanguageDetector | None = None
        self._cache: OrderedDict[tuple[str, str | None], Score] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def languages(self) -> frozenset[str]:
        """Languages with a lexicon (others come back ``unscored``)."""
        return SCORED_LANGUAGES

    def detect_language(self, text: str) -> str | None:
        """Detect the language of ``text`` (lazy-loads the model)."""
        if self._langid is None:
            self._langid = LanguageDetector()
        return self._langid.detect(text)

    def score(self, text: str, lang: str | None = None) -> Score:
        """Score one text.

        Args:
            text: the post.
            lang: an ISO 639-1 hint from the source; detected when ``None``.
        """
        key = (text, lang)
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            self._cache.move_to_end(key)
            return cached
        self.misses += 1
        result = self._score(text, lang)
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _score(self, text: str, lang: str | None) -> Score:
        if lang is None:
            lang = self.detect_language(text)
        if lang not in SCORED_LANGUAGES:
            return Score(None, "unscored", lang)
        compound = float(self._vader.polarity_scores(text)["compound"])
        compound = max(-1.0, min(1.0, compound))
        return Score(compound, label_for(compound), lang)


_DEFAULT: Scorer | None = None


def get_scorer() -> Scorer:
    """The process-wide scorer, built on first use."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Scorer()
    return _DEFAULT
