"""The usual negative share of a brand not yet warm (cold start), and when its history may teach it.

A brand with no volume baseline is judged by its share alone, against a usual
share that the window's cold start and the spans over hours
(:mod:`detectors.crisis.longwindow`) both ask of this one rule:

* while fewer than ``COLD_HISTORY`` scored mentions came before the counts judged,
  the **cold prior** (at least ``COLD_PRIOR``, a share a chronically negative brand
  may well have);
* otherwise the share of everything that came before them, when higher than what
  the baseline has learned, so a brand whose normal is mostly negative is judged
  against its own traffic within minutes;
* **except a history that itself reads as a crisis.** When what came before reads at
  or above the share that is a crisis before a brand's normal is known
  (``cold_start_share``), it is not adopted as the usual until the stream has
  lasted ``COLD_HOURS`` hours of the clock or brought ``COLD_TELL`` scored mentions:
  the prior stays. ``COLD_TELL`` is where the history's own standard error
  (0.5 / sqrt(150) = 0.04) is half the gap between what a chronic brand reads on
  this scorer (up to about 0.45-0.47) and what a crisis reads (0.52 and up); a
  shorter history cannot tell them apart, a longer one can tell them better than
  the prior does.
  A stream that begins mid-crisis at a quiet hour brings its first thirty posts
  from one stretch of one burst; adopting them made the crisis the brand's normal
  (round 6, seeds 20 and 21 of ``benchmarks.realistic``). A chronically negative
  brand reads below that bar (0.40-0.47 on this scorer for 50-70 % true) and
  adopts its history as before, unless its first posts read at the bar by chance: a
  busy one (six a minute at 0.45) is then judged against the prior until 150 posts
  came, which made a false crisis in 2 of 20 simulated cold starts against 1 of 20
  before (the first window has always been judged against the prior). A brand whose
  ordinary traffic truly reads at the bar is judged against the prior for its first
  hours only, and a brand flagged
  by mistake in its first minutes (the prior is cautious, not certain) steps down
  once those hours are past, as it did before: the history it then adopts
  includes the hours it was flagged in, as the cold rule's always did.
"""

from __future__ import annotations

import math
from typing import Protocol

COLD_HISTORY = 30  # scored mentions before the counts judged that make a usual share
COLD_PRIOR = 0.35  # the usual share assumed of a brand never seen: it may be a chronic one
COLD_HOURS = 3  # clock hours before a history that reads as a crisis may become the usual
COLD_TELL = 150  # ... or scored mentions: enough to tell a chronic 0.45 from a crisis's 0.53
SHARE_MIN, SHARE_MAX = 0.01, 0.95


class History(Protocol):
    """What the cold rule reads of a brand's baseline."""

    seen_scored: int
    seen_neg: int
    prior_share: float
    hour: int | None  # the epoch hour being counted
    first_hour: int | None  # the epoch hour of the first mention counted

    @property
    def usual(self) -> float:
        """The usual share learned from clean hours."""

    @property
    def share_weight(self) -> float:
        """How many mentions that usual rests on."""


def share_before(base: History, neg: int, scored: int) -> float | None:
    """The share of everything counted before ``neg`` of ``scored``; ``None`` while too little was."""
    before = base.seen_scored - scored
    if before < COLD_HISTORY:
        return None
    return min(SHARE_MAX, max(SHARE_MIN, (base.seen_neg - neg) / before))


def hours_seen(base: History) -> int:
    """Clock hours since the brand's first mention (epoch hours apart: the first is partial)."""
    if base.hour is None or base.first_hour is None:
        return 0
    return base.hour - base.first_hour


def cold_usual(base: History, neg: int, scored: int, crisis_share: float,
               cold_prior: float = COLD_PRIOR) -> tuple[float, float]:
    """(usual share, mentions it rests on) for a brand not yet warm, beside ``neg`` of ``scored``.

    Args:
        base: the brand's baseline.
        neg: negatives of the counts judged (the window's, or a span's).
        scored: scored mentions of those counts.
        crisis_share: the share that is a crisis before the brand's normal is known
            (``cold_start_share``): a short, young history at or above it is not adopted.
        cold_prior: the least usual share assumed while the history cannot be used.
    """
    prior = max(base.prior_share, cold_prior)
    before = share_before(base, neg, scored)
    n = base.seen_scored - scored
    if before is None or (before >= crisis_share and n < COLD_TELL
                          and hours_seen(base) < COLD_HOURS):
        return prior, math.inf
    usual = base.usual
    if before > usual:
        return before, float(base.seen_scored - scored)
    return usual, base.share_weight
