"""A sequential (CUSUM) test for a small rise in a brand's negative share that persists.

A slow burn never looks extraordinary in any one window: each twenty minutes is
only a little more negative than the brand's usual. What gives it away is that
the rise lasts. This module adds up that evidence block by block:

* every ``BLOCK`` minutes, the block's author-capped (negative, scored) counts
  are compared with the brand's usual share ``p0`` and with ``p1 = p0 + rise``;
* the log-likelihood ratio of the block is shrunk to the block's *effective*
  size: a brand whose share swings from hour to hour (beyond sampling noise)
  gives each block less weight, so its ordinary swings do not add up;
* ``score = max(0, score + llr)`` (Page's CUSUM), capped at ``CAP`` so that it
  falls back within a few ordinary blocks once the rise is over.

Voices, not posts, across blocks too: an author counted in a block is not
counted again for ``VOICE_BLOCKS`` blocks (an hour). Capped per block only, a
troll posting all afternoon added two negatives to every block, and the rise it
"showed" lasted: the score reached the evidence of a slow burn on a troll alone,
and a night burst an hour later was judged as a lasting rise.

The score only says that a rise has persisted; the crisis checks still need
the window itself to be well above the usual share, from enough authors and
well above the expected negatives (:mod:`detectors.crisis.evaluate`).

The same blocks measure how bursty the brand is **at the scale of minutes**
(``alpha``: var = mu + alpha mu^2 of a block's mentions against the baseline's
expectation, learned from blocks of normal state). Hourly counts average bursts
of a few minutes away; a five-minute test needs the short-scale figure. It
starts from a cautious ``ALPHA_PRIOR``, not from Poisson: a brand's first warm
minutes have measured nothing yet, and the moving average forgets the prior as
blocks are measured (5 % of it is left after a day of blocks).
"""

from __future__ import annotations

import math
from typing import Any

from detectors.crisis.baseline import RhythmBaseline

BLOCK = 10  # minutes per block
CAP = 24.0  # the score never holds more evidence than this (nats)
MIN_SCORED = 3  # a block with fewer scored voices says nothing
AUTHOR_CAP = 2  # posts per author counted in a block
VOICE_BLOCKS = 6  # an author counted in a block is not counted again for this many blocks
ALPHA_LEARN, ALPHA_MAX = 0.02, 2.0  # short-scale burstiness: per block, and its bound
ALPHA_PRIOR = 0.25  # until measured: a rate that swings +-50 % beyond Poisson over minutes


def block_llr(neg: int, scored: int, p0: float, rise: float, swing: float) -> float:
    """Log-likelihood ratio of share ``p0 + rise`` against ``p0`` for one block.

    Args:
        neg: negative voices in the block.
        scored: scored voices in the block.
        p0: the brand's usual negative share.
        rise: the smallest rise that matters.
        swing: the share's hour-to-hour standard deviation beyond sampling noise.
    """
    p0 = min(0.95, max(0.01, p0))
    p1 = min(0.98, p0 + rise)
    noise = p0 * (1 - p0)
    n_eff = scored * noise / (noise + scored * swing * swing)
    x = neg / scored
    return n_eff * (x * math.log(p1 / p0) + (1 - x) * math.log((1 - p1) / (1 - p0)))


class ShareDrift:
    """Block counts of the current block and the running CUSUM score of one brand."""

    __slots__ = ("block", "authors", "score", "total", "alpha", "voices")

    def __init__(self) -> None:
        self.block: int | None = None  # index (minute // BLOCK) of the block being counted
        self.authors: dict[int, list[int]] = {}  # author -> [scored, negative] this block
        self.score = 0.0
        self.total = 0  # every mention of the block, scored or not, uncapped
        self.alpha = ALPHA_PRIOR  # over-dispersion of block volume (0: Poisson)
        self.voices: dict[int, int] = {}  # author -> the block they were last counted in

    def count(self, minute: int, author: int, scored: bool, negative: bool) -> None:
        """Count one mention of ``minute`` in the current block (earlier blocks are closed)."""
        if self.block is None or minute // BLOCK != self.block:
            return
        self.total += 1
        if not scored:
            return
        c = self.authors.get(author)
        if c is None:
            c = self.authors[author] = [0, 0]
        c[0] += 1
        c[1] += negative

    def close(self, minute: int, base: RhythmBaseline | None, rise: float, normal: bool) -> None:
        """Close the block before ``minute``'s (if it has ended) and start ``minute``'s.

        Args:
            minute: the current event-time minute.
            base: the brand's baseline (``None`` while it is not warm: nothing is learned).
            rise: the smallest rise of the share that matters.
            normal: whether the brand is in normal state (only then is burstiness learned).
        """
        index = minute // BLOCK
        if self.block is not None and index <= self.block:
            return
        if self.block is not None and base is not None:
            fresh = self._fresh_voices(self.block)
            neg = sum(min(c[1], AUTHOR_CAP) for c in fresh)
            scored = sum(min(c[0], AUTHOR_CAP) for c in fresh)
            if scored >= MIN_SCORED:
                llr = block_llr(neg, scored, base.usual, rise, base.swing)
                self.score = min(CAP, max(0.0, self.score + llr))
            rate = base.expected_rate(self.block * BLOCK // 60)
            if normal and rate is not None and rate * BLOCK >= 2.0:
                mu = rate * BLOCK
                excess = ((self.total - mu) ** 2 - mu) / (mu * mu)
                self.alpha += ALPHA_LEARN * (min(ALPHA_MAX, max(0.0, excess)) - self.alpha)
        self.block = index
        self.authors = {}
        self.total = 0

    def _fresh_voices(self, block: int) -> list[list[int]]:
        """The counts of the block's authors not counted in the last ``VOICE_BLOCKS`` blocks."""
        voices = self.voices
        fresh = []
        for author, counts in self.authors.items():
            last = voices.get(author)
            if last is None or block - last >= VOICE_BLOCKS:
                fresh.append(counts)
                voices[author] = block
        if len(voices) > 2 * len(self.authors) + 64:  # forget voices older than the span
            self.voices = {a: b for a, b in voices.items() if block - b < VOICE_BLOCKS}
        return fresh

    def to_dict(self) -> dict[str, Any]:
        """Serialise to JSON-ready values."""
        return {"block": self.block, "authors": {str(a): c for a, c in self.authors.items()},
                "score": self.score, "total": self.total, "alpha": self.alpha,
                "voices": [[a, b] for a, b in self.voices.items()]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShareDrift:
        """Rebuild from :meth:`to_dict` output (an empty dict starts afresh)."""
        obj = cls()
        obj.block = data.get("block")
        obj.authors = {int(a): list(c) for a, c in (data.get("authors") or {}).items()}
        obj.score = float(data.get("score", 0.0))
        obj.total = int(data.get("total", 0))
        obj.alpha = float(data.get("alpha", ALPHA_PRIOR))
        obj.voices = {int(a): int(b) for a, b in (data.get("voices") or ())}
        return obj
