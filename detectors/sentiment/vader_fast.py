"""VADER's compound score, to the same value as ``vaderSentiment`` 3.3.2, in a third of the time.

``SentimentIntensityAnalyzer.polarity_scores`` re-lowercases the whole sentence
for every lexicon word it meets, rebuilds idiom strings that can only match when
an idiom word is present, and walks every character to find emoji. Replay
throughput is measured against it, and the scorer runs it on every English
post, so this module computes the same ``compound`` without that waste:

* tokens are stripped and lowercased once, through a bounded cache;
* the emoji pass runs only when the text holds an emoji character;
* idiom and ``n``-gram booster checks run only when the text holds a word that
  appears in one of them (no idiom can match otherwise);
* the ``pos``/``neg``/``neu`` proportions, which Firebreak does not use, are
  not computed.

Rules, constants and lexicon are VADER's own (read from the installed
package). Every quirk is kept on purpose — the ``but`` rule's list handling,
"no" before a lexicon word, the ALL-CAPS differential — so that the result is
equal, not close: ``tests/unit/detectors/sentiment/test_vader_fast.py`` compares the two on the
simulated corpus and on generated sentences built from the words every rule
looks at.
"""

from __future__ import annotations

import math
import string
from typing import Any

from vaderSentiment import vaderSentiment as _vader

N_SCALAR: float = _vader.N_SCALAR
C_INCR: float = _vader.C_INCR
BOOSTERS: dict[str, float] = _vader.BOOSTER_DICT
SPECIAL_CASES: dict[str, float] = _vader.SPECIAL_CASES
NEGATE = frozenset(_vader.NEGATE)
_PUNCT = string.punctuation
# idiom/n-gram strings always join 2-3 words, so only multi-word keys can match
IDIOM_WORDS = frozenset(
    word for key in (*SPECIAL_CASES, *BOOSTERS) if " " in key for word in key.split())
_TOKEN_CACHE_MAX = 200_000

Token = tuple[str, str, bool]  # VADER's token, its lowercase, isupper()


def _negated(word: str) -> bool:
    return word in NEGATE or "n't" in word


class FastVader:
    """VADER's ``compound`` score, computed once per text with no repeated work.

    Args:
        analyzer: a ``SentimentIntensityAnalyzer`` whose lexicon and emoji table
            to use (a new one when ``None``).
    """

    def __init__(self, analyzer: Any = None) -> None:
        analyzer = analyzer or _vader.SentimentIntensityAnalyzer()
        self._lexicon: dict[str, float] = analyzer.lexicon
        self._emojis: dict[str, str] = analyzer.emojis
        # polarity_scores looks characters up one at a time: only 1-char keys can match
        self._emoji_chars = frozenset(k for k in analyzer.emojis if len(k) == 1)
        self._tokens: dict[str, Token] = {}

    @property
    def lexicon(self) -> dict[str, float]:
        """VADER's word -> valence table (read-only by convention)."""
        return self._lexicon

    def _token(self, raw: str) -> Token:
        stripped = raw.strip(_PUNCT)
        word = raw if len(stripped) <= 2 else stripped  # keeps emoticons such as ":)"
        info = (word, word.lower(), word.isupper())
        if len(self._tokens) >= _TOKEN_CACHE_MAX:
            self._tokens.clear()
        self._tokens[raw] = info
        return info

    def _describe_emoji(self, text: str) -> str:
        out = []
        prev_space = True
        for ch in text:
            description = self._emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def compound(self, text: str) -> float:
        """VADER's ``polarity_scores(text)["compound"]``.

        Args:
            text: the post.
        """
        if not self._emoji_chars.isdisjoint(text):
            text = self._describe_emoji(text)
        text = text.strip()
        cache = self._tokens
        infos = [cache.get(raw) or self._token(raw) for raw in text.split()]
        n = len(infos)
        if n == 0:
            return 0.0
        lw = [t[1] for t in infos]
        lex = self._lexicon
        values = list(map(lex.get, lw))
        sentiments: list[float] = [0] * n
        if values.count(None) != n:
            upper_count = [t[2] for t in infos].count(True)
            cap_diff = 0 < upper_count < n
            idioms = not IDIOM_WORDS.isdisjoint(lw)
            for i, value in enumerate(values):
                if value is None:
                    continue
                low = lw[i]
                if low in BOOSTERS or (low == "kind" and i < n - 1 and lw[i + 1] == "of"):
                    continue
                sentiments[i] = self._valence(value, i, infos, lw, cap_diff, idioms)
        if "but" in lw:
            _but_check(lw, sentiments)
        total = float(sum(sentiments))
        if total > 0:
            total += _punctuation_emphasis(text)
        elif total < 0:
            total -= _punctuation_emphasis(text)
        return round(_normalize(total), 4)

    def _valence(self, valence: float, i: int, infos: list[Token], lw: list[str], cap_diff: bool,
                 idioms: bool) -> float:
        lex = self._lexicon
        n = len(lw)
        low = lw[i]
        if low == "no" and i != n - 1 and lw[i + 1] in lex:
            valence = 0.0
        if (i > 0 and lw[i - 1] == "no") or (i > 1 and lw[i - 2] == "no") \
                or (i > 2 and lw[i - 3] == "no" and lw[i - 1] in ("or", "nor")):
            valence = lex[low] * N_SCALAR
        if infos[i][2] and cap_diff:
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start in range(3):
            if i <= start:
                break
            j = i - start - 1
            prev = lw[j]
            if prev in lex:
                continue
            scalar = 0.0
            boost = BOOSTERS.get(prev)
            if boost is not None:
                scalar = -boost if valence < 0 else boost
                if infos[j][2] and cap_diff:
                    scalar = scalar + C_INCR if valence > 0 else scalar - C_INCR
                if start == 1:
                    scalar *= 0.95
                elif start == 2:
                    scalar *= 0.9
            valence = valence + scalar
            valence = _negation_check(valence, lw, start, i)
            if start == 2 and idioms:
                valence = _special_idioms_check(valence, lw, i)
        return _least_check(valence, lw, i, lex)


def _negation_check(valence: float, lw: list[str], start: int, i: int) -> float:
    if start == 0:
        if _negated(lw[i - 1]):
            valence = valence * N_SCALAR
    elif start == 1:
        if lw[i - 2] == "never" and (lw[i - 1] == "so" or lw[i - 1] == "this"):
            valence = valence * 1.25
        elif lw[i - 2] == "without" and lw[i - 1] == "doubt":
            pass
        elif _negated(lw[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (lw[i - 3] == "never" and (lw[i - 2] == "so" or lw[i - 2] == "this")) \
                or (lw[i - 1] == "so" or lw[i - 1] == "this"):
            valence = valence * 1.25
        elif lw[i - 3] == "without" and (lw[i - 2] == "doubt" or lw[i - 1] == "doubt"):
            pass
        elif _negated(lw[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lw: list[str], i: int) -> float:
    one_zero = f"{lw[i - 1]} {lw[i]}"
    two_one_zero = f"{lw[i - 2]} {lw[i - 1]} {lw[i]}"
    two_one = f"{lw[i - 2]} {lw[i - 1]}"
    three_two_one = f"{lw[i - 3]} {lw[i - 2]} {lw[i - 1]}"
    three_two = f"{lw[i - 3]} {lw[i - 2]}"
    for seq in (one_zero, two_one_zero, two_one, three_two_one, three_two):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lw) - 1 > i:
        zero_one = f"{lw[i]} {lw[i + 1]}"
        if zero_one in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one]
    if len(lw) - 1 > i + 1:
        zero_one_two = f"{lw[i]} {lw[i + 1]} {lw[i + 2]}"
        if zero_one_two in SPECIAL_CASES:
            valence = SPECIAL_CASES[zero_one_two]
    for n_gram in (three_two_one, three_two, two_one):
        if n_gram in BOOSTERS:
            valence = valence + BOOSTERS[n_gram]
    return valence


def _least_check(valence: float, lw: list[str], i: int, lex: dict[str, float]) -> float:
    if i > 1 and lw[i - 1] not in lex and lw[i - 1] == "least":
        if lw[i - 2] != "at" and lw[i - 2] != "very":
            valence = valence * N_SCALAR
    elif i > 0 and lw[i - 1] not in lex and lw[i - 1] == "least":
        valence = valence * N_SCALAR
    return valence


def _but_check(lw: list[str], sentiments: list[float]) -> None:
    # VADER's own loop, kept as is: list.index() finds the first equal value, so
    # repeated values are scaled the way VADER scales them
    bi = lw.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)


def _punctuation_emphasis(text: str) -> float:
    ep = min(text.count("!"), 4) * 0.292
    qm = text.count("?")
    qm_amp = 0.0
    if qm > 1:
        qm_amp = qm * 0.18 if qm <= 3 else 0.96
    return ep + qm_amp


def _normalize(score: float, alpha: float = 15) -> float:
    norm = score / math.sqrt(score * score + alpha)
    return max(-1.0, min(1.0, norm))
