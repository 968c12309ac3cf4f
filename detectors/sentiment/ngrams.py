"""The character n-gram buckets of many tokens at once, with numpy.

:func:`detectors.sentiment.features.char_buckets` hashes each character 2- to
5-gram of a padded token with CRC-32 (one ``zlib.crc32`` call per n-gram, about 30
for an 8-letter word). Scoring a batch of posts, the new tokens of the whole batch
are hashed here in a few numpy operations instead, to the same buckets.

CRC-32 is linear over GF(2): for inputs of one length ``L``,
``crc32(a ^ b, salt) == crc32(a, salt) ^ crc32(b, salt) ^ crc32(zeros(L), salt)``.
An n-gram of ``n`` UTF-32 characters is the XOR of ``n`` inputs that each hold one
of its characters and zeros elsewhere, so its hash is the XOR of one table value per
(n, position, character) and a constant per ``n``. The table values of a character
are computed once (14 ``crc32`` calls) and kept; a batch then needs, per ``n``, one
gather and XOR per position over all its n-grams.
"""

from __future__ import annotations

import zlib

import numpy as np

from detectors.sentiment.features import CHAR_MAX, CHAR_MIN, CHAR_SALT, MASK

SIZES = tuple(range(CHAR_MIN, CHAR_MAX + 1))
# Column of (n, position) in a character's table row: n=2 -> 0, 1; n=3 -> 2, 3, 4; ...
COLUMNS = {n: sum(SIZES[:k]) for k, n in enumerate(SIZES)}
WIDTH = sum(SIZES)
ROWS_LIMIT = 50_000  # characters whose table rows are kept
__all__ = ["CharGrams"]


class CharGrams:
    """Buckets of the character n-grams of many tokens, equal to ``char_buckets`` token by token."""

    def __init__(self) -> None:
        self._const = {n: zlib.crc32(bytes(4 * n), CHAR_SALT) for n in SIZES}
        self._rows: dict[int, tuple[int, ...]] = {}

    def _row(self, code: int) -> tuple[int, ...]:
        """The table values of one character: (n, position) -> hash of it alone, constant removed."""
        row = self._rows.get(code)
        if row is None:
            char = code.to_bytes(4, "little")
            row = tuple(zlib.crc32(bytes(4 * p) + char + bytes(4 * (n - p - 1)), CHAR_SALT)
                        ^ self._const[n] for n in SIZES for p in range(n))
            if len(self._rows) >= ROWS_LIMIT:
                self._rows.clear()
            self._rows[code] = row
        return row

    def buckets(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Buckets of every character n-gram of ``tokens`` and the token each belongs to.

        Returns ``(buckets, owners, counts)``: the n-grams of all 2-grams first, then
        all 3-grams and so on, so that each token's n-grams come in the order of
        ``char_buckets`` (sums over them run in the same order); ``owners[i]`` is the
        index in ``tokens`` of n-gram ``i``; ``counts[t]`` is token ``t``'s number of
        n-grams.

        Args:
            tokens: feature tokens (:func:`detectors.sentiment.features.normalize_token`).
        """
        if not tokens:
            empty = np.zeros(0, dtype=np.intp)
            return empty.astype(np.uint32), empty, empty
        padded = "".join(f" {tok} " for tok in tokens)
        codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32)
        unique, inverse = np.unique(codes, return_inverse=True)
        table = np.array([self._row(code) for code in unique.tolist()], dtype=np.uint32)
        at = table[inverse]  # (characters, WIDTH): each position's table values
        widths = np.fromiter((len(tok) + 2 for tok in tokens), dtype=np.intp, count=len(tokens))
        offsets = np.cumsum(widths) - widths
        index = np.arange(len(tokens))
        parts: list[np.ndarray] = []
        owners: list[np.ndarray] = []
        counts = np.zeros(len(tokens), dtype=np.intp)
        for n in SIZES:
            per_token = np.maximum(widths - n + 1, 0)
            counts += per_token
            owner = np.repeat(index, per_token)
            first = np.cumsum(per_token) - per_token
            starts = offsets[owner] + np.arange(len(owner)) - first[owner]
            column = COLUMNS[n]
            hashed = np.full(len(owner), self._const[n], dtype=np.uint32)
            for p in range(n):
                hashed ^= at[starts + p, column + p]
            parts.append(hashed & MASK)
            owners.append(owner)
        return np.concatenate(parts), np.concatenate(owners), counts
