"""Hashed text features of the learned sentiment model, shared by training and inference.

A post is lower-cased and split into tokens (:func:`tokens`): a URL, an
``@handle`` or a number is one token, masked to ``http``, ``@user`` or ``0``;
letters repeated four or more times are cut to three; emoji variation selectors
and skin tones are dropped. Brand names in handles therefore never carry sentiment.

Two blocks of features are hashed (CRC-32, salted per block) into one space of
:data:`BUCKETS` buckets:

* word 1- and 2-grams over those tokens (words, ``@user``, single emoji and
  punctuation);
* character 2- to 5-grams inside each token padded with spaces (`` word ``),
  so a token's character features depend on the token alone and inference can
  memoise them per token.

Values: a post of ``n`` tokens gives each feature ``1/sqrt(n)`` per occurrence,
and each character n-gram of a token additionally ``1/sqrt(m)`` (``m``: that
token's number of character n-grams), so every token weighs about the same and a
long post does not outweigh a short one. A token's contribution is then fixed
(its character n-grams plus its unigram), which lets inference memoise one
3-vector per token. Training builds a sparse matrix from :func:`featurize`;
inference (:mod:`detectors.sentiment.learned`) sums weight rows of the same buckets.
"""

from __future__ import annotations

import html
import math
import re
import zlib

BUCKET_BITS = 18
BUCKETS = 1 << BUCKET_BITS
MASK = BUCKETS - 1
CHAR_MIN, CHAR_MAX = 2, 5
CHAR_SALT = 0x2C1B3C6D
WORD_SALT = 0x5BD1E995

# URLs, handles and numbers first, so each is one token; then words, then single symbols.
RAW_TOKEN_RE = re.compile(
    r"(?:https?://|www\.)\S+|@\w+|\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*|[^\w\s]")
_REPEAT_RE = re.compile(r"(.)\1{3,}")
_ESCAPE_RE = re.compile(r"\\u[0-9a-fA-F]{4}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?")
DROPPED = frozenset("\ufe0f\ufe0e\u200d" + "".join(chr(c) for c in range(0x1F3FB, 0x1F400)))
PLACEHOLDERS = frozenset({"@user", "http", "0"})
__all__ = [
    "BUCKETS", "PLACEHOLDERS", "bigram_bucket", "char_buckets", "featurize", "normalize_token",
    "raw_tokens", "tokens", "unescape", "word_id",
]


def _decode_escape(match: re.Match[str]) -> str:
    units = match.group(0).encode("ascii").decode("unicode-escape")
    return units.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def unescape(text: str) -> str:
    """A post with literal ``\\uXXXX`` escapes and HTML entities (``&amp;``) decoded.

    Exports and APIs hand over posts like ``can\\u2019t`` or ``Q&amp;A`` (12 % of the
    English training tweets have such escapes); decoded, "can't" is a negation again
    for the rules and the model. Both scorer and training read posts through this.

    Args:
        text: the post as received.
    """
    if "\\u" in text:
        text = _ESCAPE_RE.sub(_decode_escape, text)
    if "&" in text:
        text = html.unescape(text)
    return text


def raw_tokens(text: str) -> list[str]:
    """The lower-cased tokens of a post before normalisation (a URL or handle is one token)."""
    return RAW_TOKEN_RE.findall(text.lower())


def normalize_token(token: str) -> str | None:
    """The feature token of a raw token, ``None`` for one that is dropped.

    ``@handle`` -> ``@user``, URL -> ``http``, number -> ``0``; emoji variation
    selectors, joiners and skin tones are dropped; a letter repeated four or more
    times is cut to three ("nooooo" -> "nooo").

    Args:
        token: one item of :func:`raw_tokens`.
    """
    first = token[0]
    if first == "@" and len(token) > 1:
        return "@user"
    if first.isdigit():
        return "0"
    if first in "hw" and (token.startswith(("http://", "https://", "www."))):
        return "http"
    if token in DROPPED:
        return None
    if len(token) > 3:
        return _REPEAT_RE.sub(r"\1\1\1", token)
    return token


def tokens(text: str) -> list[str]:
    """The feature tokens of a raw post (:func:`raw_tokens`, then :func:`normalize_token`)."""
    out = []
    for raw in raw_tokens(text):
        norm = normalize_token(raw)
        if norm is not None:
            out.append(norm)
    return out


def word_id(token: str) -> int:
    """The 32-bit hash of a token (its unigram bucket is ``word_id & MASK``)."""
    return zlib.crc32(token.encode("utf-8"), WORD_SALT)


def bigram_bucket(first_id: int, second_id: int) -> int:
    """Bucket of the word bigram of two tokens given by their :func:`word_id`."""
    return (((first_id * 0x9E3779B1) ^ second_id) * 0x85EBCA77 >> 15) & MASK


def _spans(width: int) -> list[tuple[int, int]]:
    """Byte ranges of the character 2- to 5-grams of a UTF-32 text of ``width`` characters."""
    found = _SPANS.get(width)
    if found is None:
        found = [(4 * i, 4 * (i + n)) for n in range(CHAR_MIN, CHAR_MAX + 1)
                 for i in range(width - n + 1)]
        if width <= 64:
            _SPANS[width] = found
    return found


_SPANS: dict[int, list[tuple[int, int]]] = {}


def char_buckets(token: str) -> list[int]:
    """Buckets of the character 2- to 5-grams of `` token `` (repeats kept)."""
    padded = f" {token} ".encode("utf-32-le")
    crc = zlib.crc32
    return [crc(padded[a:b], CHAR_SALT) & MASK for a, b in _spans(len(padded) // 4)]


def featurize(text: str, char_scale: float = 1.0) -> tuple[list[int], list[float]]:
    """Bucket indices and values of a raw post (repeats kept; add them up).

    Args:
        text: the post as written.
        char_scale: weight of the character n-grams against the words (a model
            hyperparameter, stored with the model: ``LanguageModel.char_scale``).
    """
    toks = tokens(text)
    if not toks:
        return [], []
    scale = 1.0 / math.sqrt(len(toks))
    indices: list[int] = []
    values: list[float] = []
    previous: int | None = None
    for tok in toks:
        chars = char_buckets(tok)
        indices += chars
        values += [char_scale * scale / math.sqrt(len(chars))] * len(chars)
        ident = word_id(tok)
        indices.append(ident & MASK)
        values.append(scale)
        if previous is not None:
            indices.append(bigram_bucket(previous, ident))
            values.append(scale)
        previous = ident
    return indices, values
