"""Hashed text features of the learned sentiment model, shared by training and inference.

A post is normalised first (:func:`normalize_text`): ``@handles`` become one
``@user`` token, URLs ``http``, digit runs ``0``, letters repeated four or more
times are cut to three, emoji variation selectors and skin tones are dropped and
everything is lower-cased. Brand names in handles therefore never carry sentiment.

Two blocks of features are hashed (CRC-32, salted per block) into one space of
:data:`BUCKETS` buckets:

* word 1- and 2-grams over :data:`WORD_RE` tokens (words, ``@user``, single
  emoji and punctuation);
* character 2- to 5-grams inside each token padded with spaces (`` word ``),
  so a token's character features depend on the token alone and inference can
  memoise them per token.

Each occurrence of a feature has the value ``1/sqrt(n)`` of its block (``n``:
the block's number of features in the post), so a long post does not outweigh
a short one. Training builds a sparse matrix from :func:`featurize`; inference
(:mod:`detectors.sentiment.learned`) sums weight rows of the same buckets.
"""

from __future__ import annotations

import re
import zlib

BUCKET_BITS = 18
BUCKETS = 1 << BUCKET_BITS
MASK = BUCKETS - 1
CHAR_MIN, CHAR_MAX = 2, 5
CHAR_SALT = 0x2C1B3C6D
WORD_SALT = 0x5BD1E995

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"@\w+")
_NUMBER_RE = re.compile(r"\d+(?:[.,:]\d+)*")
_REPEAT_RE = re.compile(r"(.)\1{3,}")
_DROP_RE = re.compile("[\ufe0f\ufe0e\u200d\U0001f3fb-\U0001f3ff]")
_DIGIT_RE = re.compile(r"\d")
WORD_RE = re.compile(r"@user|[^\W\d_]+(?:['’][^\W\d_]+)*|\d+|[^\w\s]")
__all__ = [
    "BUCKETS", "bigram_bucket", "char_buckets", "featurize", "normalize_text", "word_id",
    "word_tokens",
]


def normalize_text(text: str) -> str:
    """Lower-case ``text`` and mask what must not carry sentiment.

    Args:
        text: the raw post.
    """
    if "http" in text or "www." in text or "HTTP" in text:
        text = _URL_RE.sub(" http ", text)
    if "@" in text:
        text = _HANDLE_RE.sub(" @user ", text)
    if _DIGIT_RE.search(text):
        text = _NUMBER_RE.sub("0", text)
    if not text.isascii():
        text = _DROP_RE.sub("", text)
    return _REPEAT_RE.sub(r"\1\1\1", text.lower())


def word_tokens(normalized: str) -> list[str]:
    """Tokens of a normalised post (words, ``@user``, numbers, single symbols)."""
    return WORD_RE.findall(normalized)


def word_id(token: str) -> int:
    """The 32-bit hash of a token (its unigram bucket is ``word_id & MASK``)."""
    return zlib.crc32(token.encode("utf-8"), WORD_SALT)


def bigram_bucket(first_id: int, second: str) -> int:
    """Bucket of the word bigram (token with id ``first_id``, then ``second``)."""
    return zlib.crc32(b" " + second.encode("utf-8"), first_id) & MASK


def char_buckets(token: str) -> list[int]:
    """Buckets of the character 2- to 5-grams of `` token `` (repeats kept)."""
    padded = f" {token} ".encode("utf-32-le")
    width = len(padded) // 4
    crc = zlib.crc32
    return [
        crc(padded[4 * i: 4 * (i + n)], CHAR_SALT) & MASK
        for n in range(CHAR_MIN, CHAR_MAX + 1)
        for i in range(width - n + 1)
    ]


def featurize(normalized: str) -> tuple[list[int], list[int]]:
    """Character and word n-gram buckets of a normalised post (repeats kept).

    Args:
        normalized: output of :func:`normalize_text`.
    """
    tokens = word_tokens(normalized)
    chars: list[int] = []
    words: list[int] = []
    previous: int | None = None
    for tok in tokens:
        chars.extend(char_buckets(tok))
        ident = word_id(tok)
        words.append(ident & MASK)
        if previous is not None:
            words.append(bigram_bucket(previous, tok))
        previous = ident
    return chars, words
