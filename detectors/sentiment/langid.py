"""Language identification for short posts: a cheap vote first, a model when unsure.

Stage 1 (a few microseconds) votes over the tokens: function words from
``lexicons/langid.tsv``, the exact words of every sentiment lexicon, and
letters that only some alphabets use (å, ñ, ß, ā, ł…). A word shared by k
languages gives each 1/k. When the winner is clear the vote decides.

Stage 2 runs py3langid, restricted to :data:`DETECTABLE_LANGUAGES`, only for
the undecided rest (short, code-mixed or unusual posts).

Both stages favour the *preferred* languages (those Firebreak scores): a vote
won by another language goes to stage 2, and py3langid's answer is another
language only when it beats the best preferred one by :data:`FOREIGN_MARGIN`
(log-probability). Short posts in an audience language are otherwise often read
as a neighbour without a lexicon (Swedish as Norwegian or Danish, Finnish as
Estonian, Latvian as Lithuanian) and lost as ``unscored``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from detectors.sentiment.lexicon import LEXICON_DIR, read_rows

DETECTABLE_LANGUAGES = (
    "en", "fi", "sv", "fr", "nl", "lv", "de", "es", "pt", "it", "da", "no", "pl", "et", "lt",
)
MIN_VOTES = 1.0
MIN_MARGIN = 0.75
FOREIGN_MARGIN = 5.0
VOTE_MEMO_LIMIT = 200_000  # memoised votes of tokens
WALK_MEMO_LIMIT = 100_000  # memoised automaton walks (one per start state and word)
RAW_FLOOR = float(np.finfo(np.float32).min)  # py3langid's score of a post without features

# Letters that narrow the language down (split evenly over the listed languages).
CHAR_HINTS: dict[str, tuple[str, ...]] = {
    "å": ("sv", "da", "no"), "ä": ("fi", "sv", "de", "et"), "ö": ("fi", "sv", "de", "et"),
    "ü": ("de", "et"), "ß": ("de",), "õ": ("et", "pt"), "ø": ("da", "no"), "æ": ("da", "no"),
    "ñ": ("es",), "¿": ("es",), "¡": ("es",), "á": ("es", "pt"), "í": ("es", "pt"),
    "ó": ("es", "pt", "pl"), "ú": ("es", "pt"), "ç": ("fr", "pt"), "è": ("fr", "it"),
    "ê": ("fr", "pt"), "à": ("fr", "it", "pt"), "ù": ("fr",), "û": ("fr",), "î": ("fr",),
    "ô": ("fr", "pt"), "œ": ("fr",), "ë": ("nl", "fr"), "ï": ("nl", "fr"), "ã": ("pt",),
    "ā": ("lv",), "ē": ("lv",), "ī": ("lv",), "ū": ("lv", "lt"), "ģ": ("lv",), "ķ": ("lv",),
    "ļ": ("lv",), "ņ": ("lv",), "č": ("lv", "lt"), "š": ("lv", "lt", "et"),
    "ž": ("lv", "lt", "et"), "ė": ("lt",), "ą": ("lt", "pl"), "ę": ("lt", "pl"),
    "į": ("lt",), "ų": ("lt",), "ł": ("pl",), "ś": ("pl",), "ć": ("pl",), "ź": ("pl",),
    "ż": ("pl",), "ń": ("pl",), "ò": ("it",), "ì": ("it",),
}
CHAR_WEIGHT = 0.6

# Word endings typical of one language (or a few), read on words of 5+ letters.
SUFFIX_HINTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "kin", "ksi",
         "ään", "aan", "iin", "sti", "mme", "tte", "vät", "isi", "taa", "tää", "lta",
         "nut", "nyt", "ttu", "tty"),
        ("fi",),
    ),
    **dict.fromkeys(("ija", "tje", "jes", "ijk", "eer", "aar", "uur"), ("nl",)),
    **dict.fromkeys(("ung", "cht", "sch", "eit", "ige", "tzt"), ("de",)),
    **dict.fromkeys(("ión", "ado", "ada", "dos", "das", "mos", "dad", "ndo"), ("es",)),
    **dict.fromkeys(("eux", "ais", "ait", "ées", "ée", "aux", "ité", "ère"), ("fr",)),
    **dict.fromkeys(("het", "igt", "rna", "ade", "ska"), ("sv",)),
    **dict.fromkeys(("ām", "ās", "iem", "ēm", "šu", "jā"), ("lv",)),
}
SUFFIX_WEIGHT = 0.35
Votes = str | tuple[tuple[str, float], ...]  # one language with weight 1, or several
CHAR_VOTES = {
    ch: tuple((lang, CHAR_WEIGHT / len(langs)) for lang in langs)
    for ch, langs in CHAR_HINTS.items()
}
_HINT_RE = re.compile("[" + "".join(CHAR_HINTS) + "]")


def build_word_table(
    function_words: Mapping[str, Iterable[str]], lexicon_words: Mapping[str, Iterable[str]]
) -> dict[str, Votes]:
    """Map each known word to the languages it votes for, with their weights.

    Args:
        function_words: language -> its common function words.
        lexicon_words: language -> the exact words of its sentiment lexicon.
    """
    langs_of: dict[str, set[str]] = {}
    for source in (function_words, lexicon_words):
        for lang, words in source.items():
            for word in words:
                if len(word) >= 2 and " " not in word and word[0].isalpha():
                    langs_of.setdefault(word.lower(), set()).add(lang)
    return {
        word: next(iter(langs)) if len(langs) == 1
        else tuple((lang, 1.0 / len(langs)) for lang in sorted(langs))
        for word, langs in langs_of.items()
    }


def load_function_words(path: Path = LEXICON_DIR / "langid.tsv") -> dict[str, list[str]]:
    """Read ``lang<TAB>word word …`` rows (several rows per language allowed)."""
    table: dict[str, list[str]] = {}
    for row in read_rows(path):
        table.setdefault(row[0], []).extend(row[1].split())
    return table


def cache_dir() -> Path:
    """Where derived data is cached: ``$FIREBREAK_CACHE_DIR``, else ``$XDG_CACHE_HOME/firebreak``."""
    explicit = os.environ.get("FIREBREAK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "firebreak"


def _load_identifier(languages: tuple[str, ...]) -> Any:
    """py3langid's identifier restricted to ``languages``, through an uncompressed cache.

    py3langid ships its model LZMA-compressed; decompressing it takes about 0.6 s
    in every process that needs it (each replay process, each worker). The first
    load writes the arrays, already restricted to ``languages``, uncompressed to
    :func:`cache_dir` (about 40 MB); later loads read them in a few tens of
    milliseconds. Any problem with the cache falls back to the packaged model.
    """
    from importlib.metadata import version

    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    key = f"py3langid-{version('py3langid')}-{'-'.join(sorted(languages))}.npz"
    path = cache_dir() / key
    try:
        from py3langid.modelio import _to_array  # py3langid 0.4's own loader helper

        with np.load(path, allow_pickle=False) as d:
            ident = LanguageIdentifier(d["ptc"], d["pc"], d["classes"].tolist(),
                                       _to_array(d["nextmove"]), d["output"].tolist(),
                                       tk_row=_to_array(d["row"]))
        ident.set_languages(list(languages))
        return ident
    except Exception:  # noqa: BLE001 - no cache yet, or an unreadable one: rebuild it
        pass
    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages(list(languages))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, ptc=ident.nb_ptc, pc=ident.nb_pc, classes=np.array(ident.nb_classes),
                     nextmove=np.frombuffer(ident.tk_nextmove, dtype=np.uint32),
                     row=np.frombuffer(ident.tk_row, dtype=np.uint16),
                     output=np.array(ident.tk_output, dtype=np.int32))
        os.replace(tmp, path)
    except (OSError, ValueError, TypeError):
        pass  # read-only home or an unexpected model layout: no cache, same result
    return ident


class Py3LangId:
    """py3langid restricted to a set of languages.

    :meth:`prefer` computes py3langid's naive-Bayes scores itself, to the same
    values: the byte automaton that finds the model's n-gram features is walked
    one space-ended chunk (a word and its space) at a time, and each chunk's walk
    (the state it ends in, the features it meets) is memoised by the state it
    starts from and its bytes. The automaton is deterministic, so the features,
    their order and the scores are py3langid's own; a repeated word costs one
    dict lookup instead of a Python step per byte.
    """

    def __init__(self, languages: tuple[str, ...] = DETECTABLE_LANGUAGES) -> None:
        self._ident = _load_identifier(languages)
        ident = self._ident
        self._classes: list[str] = list(ident.nb_classes)
        self._exact = not ident._alias_pairs and not ident._norm_probs  # py3langid's own path
        self._walks: dict[tuple[int, bytes], tuple[int, tuple[int, ...]]] = {}

    def __call__(self, text: str) -> str:
        """Return the most likely ISO 639-1 code."""
        lang, _ = self._ident.classify(text)
        return str(lang)

    def _walk(self, data: bytes) -> dict[int, int]:
        """Feature counts of UTF-8 ``data``, in first-seen order (``visit_counts``)."""
        ident = self._ident
        nextmove, rowbase, output = ident.tk_nextmove, ident._rowbase, ident.tk_output
        walks = self._walks
        counts: dict[int, int] = {}
        state = 0
        chunks = data.split(b" ")
        last = len(chunks) - 1
        for index, chunk in enumerate(chunks):
            if index < last:
                chunk += b" "
            elif not chunk:
                break
            key = (state, chunk)
            walked = walks.get(key)
            if walked is None:
                found = []
                for byte in chunk:
                    state = nextmove[rowbase[state] + byte]
                    feature = output[state]
                    if feature >= 0:
                        found.append(feature)
                walked = (state, tuple(found))
                if len(walks) >= WALK_MEMO_LIMIT:
                    walks.clear()
                walks[key] = walked
            state = walked[0]
            for feature in walked[1]:
                counts[feature] = counts.get(feature, 0) + 1
        return counts

    def _scores(self, text: str) -> list[float]:
        """py3langid's score of each class (``LanguageIdentifier._decide``, no aliases)."""
        ident = self._ident
        counts = self._walk(ident._encode(text))
        if not counts:
            return [RAW_FLOOR] * len(self._classes)
        idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        scores: list[float] = (np.log1p(values) @ ident.nb_ptc[idx] + ident.nb_pc).tolist()
        return scores

    def prefer(self, text: str, preferred: frozenset[str], margin: float) -> str:
        """The most likely code, unless a ``preferred`` one is within ``margin`` (log-prob).

        Ties go to the earlier class, as in py3langid's stable ``rank``.

        Args:
            text: the post.
            preferred: languages to favour.
            margin: how much more likely another language must be to win.
        """
        if not self._exact:
            ranked = self._ident.rank(text)
        else:
            ranked = list(zip(self._classes, self._scores(text), strict=True))
        top, top_score = ranked[0]
        best: str | None = None
        best_score = 0.0
        for lang, score in ranked:
            if score > top_score:
                top, top_score = lang, score
            if lang in preferred and (best is None or score > best_score):
                best, best_score = lang, score
        if top in preferred or best is None or top_score - best_score >= margin:
            return str(top)
        return str(best)


class CascadeDetector:
    """Vote on cheap evidence; ask py3langid only when the vote is unclear.

    Args:
        words: output of :func:`build_word_table`.
        min_votes: the winner needs at least this much evidence …
        min_margin: … and this much more than the runner-up.
        preferred: languages favoured over the others (``None``: all alike).
        foreign_margin: log-probability by which py3langid's other language must win.
    """

    def __init__(
        self,
        words: dict[str, Votes],
        min_votes: float = MIN_VOTES,
        min_margin: float = MIN_MARGIN,
        preferred: Iterable[str] | None = None,
        foreign_margin: float = FOREIGN_MARGIN,
    ) -> None:
        self._words = words
        self._suffixes: dict[str, Votes] = {
            end: tuple((lang, SUFFIX_WEIGHT / len(langs)) for lang in langs)
            for end, langs in SUFFIX_HINTS.items()
        }
        self._min_votes = min_votes
        self._min_margin = min_margin
        self._preferred = frozenset(preferred) if preferred is not None else None
        self._foreign_margin = foreign_margin
        self._fallback: Py3LangId | None = None
        self._token_votes: dict[str, tuple[tuple[str, float], ...]] = {}
        self.decided = 0
        self.fell_back = 0

    def vote(self, lowered: list[str]) -> tuple[str | None, float, float]:
        """Best language by vote, its votes and the runner-up's votes.

        Args:
            lowered: the post's tokens, lower-cased.
        """
        votes: dict[str, float] = {}
        known = self._token_votes
        for low in lowered:
            found = known.get(low)
            if found is None:
                found = self._votes_of(low)
            for lang, weight in found:
                votes[lang] = votes.get(lang, 0.0) + weight
        best: str | None = None
        top = second = 0.0
        for lang, score in votes.items():
            if score > top:
                best, top, second = lang, score, top
            elif score > second:
                second = score
        return best, top, second

    def _votes_of(self, low: str) -> tuple[tuple[str, float], ...]:
        """One lower-cased token's votes, in the order they are added (memoised, bounded)."""
        found: list[tuple[str, float]] = []
        if not low.isascii():
            for ch in _HINT_RE.findall(low):
                found.extend(CHAR_VOTES[ch])
        hit = self._words.get(low)
        if hit is None and len(low) >= 5:
            hit = self._suffixes.get(low[-3:]) or self._suffixes.get(low[-2:])
        if isinstance(hit, str):
            found.append((hit, 1.0))
        elif hit is not None:
            found.extend(hit)
        votes = tuple(found)
        if len(self._token_votes) >= VOTE_MEMO_LIMIT:
            self._token_votes.clear()
        self._token_votes[low] = votes
        return votes

    def confident(self, lowered: list[str]) -> bool:
        """Whether the vote alone decides the language of these lower-cased tokens."""
        return self._decides(*self.vote(lowered))

    def _decides(self, best: str | None, top: float, second: float) -> bool:
        preferred = self._preferred
        return (best is not None and top >= self._min_votes and top - second >= self._min_margin
                and (preferred is None or best in preferred))

    def detect(self, text: str, lowered: list[str]) -> str | None:
        """ISO 639-1 code of ``text`` (``None`` when it has no letters).

        Args:
            text: the post.
            lowered: its tokens (:func:`detectors.sentiment.rules.tokenize`), lower-cased.
        """
        best, top, second = self.vote(lowered)
        if best is not None and self._decides(best, top, second):
            self.decided += 1
            return best
        if not any(tok[0].isalpha() for tok in lowered):
            return None
        self.fell_back += 1
        if self._fallback is None:
            self._fallback = Py3LangId()
        if self._preferred is None:
            return self._fallback(text)
        return self._fallback.prefer(text, self._preferred, self._foreign_margin)


def default_detector(lexicon_words: Mapping[str, Iterable[str]]) -> CascadeDetector:
    """The cascade over ``langid.tsv`` function words plus the given lexicon words.

    The languages of ``lexicon_words`` (the scored ones) are preferred.

    Args:
        lexicon_words: language -> the exact words of its sentiment lexicon.
    """
    return CascadeDetector(build_word_table(load_function_words(), lexicon_words),
                           preferred=lexicon_words.keys())
