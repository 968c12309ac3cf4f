"""VADER-style rules over a token list: valence, negation, boosters, "but", emphasis.

The loop is plain Python over precomputed token infos (see
:mod:`detectors.sentiment.lexicon`), so it allocates nothing per rule and
costs a few microseconds for a short post. Constants follow VADER
(Hutto & Gilbert, 2014): negation scales by -0.74, a booster adds 0.293 with
distance decay, ALL-CAPS adds 0.733 when the post is not all caps, each "!"
adds 0.292 (up to four), and sentiment after "but" weighs 1.5 against 0.5
before it. The sum is squashed with ``x / sqrt(x² + 15)``.
"""

from __future__ import annotations

import math
import re

from detectors.sentiment.lexicon import (
    BOOSTER,
    CONTRAST,
    NEGATOR,
    PUNCT,
    Info,
    Lexicon,
    Pattern,
)

NEGATION_SCALAR = -0.74
CAPS_INCREMENT = 0.733
EXCLAIM_INCREMENT = 0.292
ALPHA = 15.0
LOOKBACK_DECAY = (1.0, 0.95, 0.9)
GAP_MAX = 3

_EMOTICON = r"(?<!\S)(?:[:;=8]['’]?-?[()\[\]dDpPoO/\\|*3]+|</?3|[xX][dD](?!\w))"
TOKEN_RE = re.compile(_EMOTICON + r"|[^\W_]+(?:['’][^\W_]+)*|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Split a post into words, numbers, emoticons and single symbols/emoji."""
    return TOKEN_RE.findall(text)


def normalize(total: float) -> float:
    """Squash a valence sum into [-1, 1] the way VADER does."""
    compound = total / math.sqrt(total * total + ALPHA)
    return max(-1.0, min(1.0, compound))


def unnormalize(compound: float) -> float:
    """Invert :func:`normalize` (used to add our valence to VADER's)."""
    compound = max(-0.9999, min(0.9999, compound))
    return compound * math.sqrt(ALPHA / (1.0 - compound * compound))


def _fit(pattern: Pattern, k: int, toks: list[str], pos: int) -> int:
    """End index when ``pattern[k:]`` matches ``toks`` from ``pos``, else -1."""
    if k == len(pattern):
        return pos
    element = pattern[k]
    if element == "~":
        for skip in range(GAP_MAX + 1):
            if skip and (pos + skip > len(toks) or not toks[pos + skip - 1][0].isalnum()):
                break
            end = _fit(pattern, k + 1, toks, pos + skip)
            if end >= 0:
                return end
        return -1
    if pos >= len(toks):
        return -1
    tok = toks[pos]
    if element == "_":
        ok = tok[0].isalnum()
    elif element[-1] == "*":
        ok = tok.startswith(element[:-1])
    else:
        ok = tok == element
    return _fit(pattern, k + 1, toks, pos + 1) if ok else -1


def _negated_after(infos: list[Info], start: int) -> bool:
    """Postposed negation ("gefällt mir nicht", "werkt niet", "fungerar inte").

    A postposing negator (scalar 1 in ``modifiers.tsv``) within two tokens
    after a sentiment word flips it, unless a sentiment word follows the
    negator (then the negator belongs to that one).
    """
    for j in range(start, min(start + 2, len(infos))):
        valence, kind, scalar, _ = infos[j]
        if kind == PUNCT or valence:
            return False
        if kind == NEGATOR and scalar > 0:
            after = infos[j + 1] if j + 1 < len(infos) else None
            return after is None or not after[0]
    return False


def valence_sum(
    tokens: list[str],
    lexicon: Lexicon,
    spans: list[tuple[int, int]] | None = None,
    lowered: list[str] | None = None,
) -> float:
    """Sum the rule-adjusted valences of a tokenised post.

    Args:
        tokens: output of :func:`tokenize`.
        lexicon: the language's tables.
        spans: when given, receives the token ranges that carried sentiment.
        lowered: the tokens lower-cased, when the caller already has them.
    """
    if lowered is None:
        lowered = [t.lower() for t in tokens]
    infos = lexicon.infos(lowered)
    n = len(tokens)
    values: list[float] = []
    contrast = -1
    exclaim = 0
    caps_mixed: bool | None = None
    i = 0
    while i < n:
        valence, kind, _, phrases = infos[i]
        if phrases:
            for pattern, phrase_valence in phrases:
                end = _fit(pattern, 0, lowered, i + 1)
                if end >= 0:
                    values.append(phrase_valence)
                    if spans is not None:
                        spans.append((i, end))
                    i = end
                    break
            else:
                phrases = ()
            if phrases:
                continue
        if valence:
            tok = tokens[i]
            if len(tok) > 1 and tok.isupper():
                if caps_mixed is None:
                    caps_mixed = any(t[0].isalpha() and not t.isupper() for t in tokens)
                if caps_mixed:
                    valence += math.copysign(CAPS_INCREMENT, valence)
            negated = False
            # An emoji or emoticon states the writer's feeling: a negator before it
            # ("jag kan inte finska 😭") negates the words, not the emoji.
            for back in range(3 if tok[0].isalnum() else 0):
                j = i - back - 1
                if j < 0:
                    break
                _, kind_j, scalar_j, _ = infos[j]
                if kind_j == PUNCT:
                    break
                if kind_j == BOOSTER:
                    valence += math.copysign(scalar_j * LOOKBACK_DECAY[back], valence)
                elif kind_j == NEGATOR:
                    negated = True
            if not negated and tok[0].isalnum():
                negated = _negated_after(infos, i + 1)
            if negated:
                valence *= NEGATION_SCALAR
            values.append(valence)
            if spans is not None:
                spans.append((i, i + 1))
        elif kind == CONTRAST:
            contrast = len(values)
        elif tokens[i] == "!":
            exclaim += 1
        i += 1
    if contrast >= 0:
        total = sum(values[:contrast]) * 0.5 + sum(values[contrast:]) * 1.5
    else:
        total = sum(values)
    if total and exclaim:
        total += math.copysign(min(exclaim, 4) * EXCLAIM_INCREMENT, total)
    return total
