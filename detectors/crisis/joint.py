"""The one volume-and-share test every crisis check asks of its counts.

The window's checks (:mod:`detectors.crisis.evaluate`: crisis, elevated, the
five-minute sudden surge, the cold start) and the spans of hours
(:mod:`detectors.crisis.longwindow`) all ask the same question of different
counts: is the share high enough, from enough distinct voices, are the
negatives far above what this hour of the brand's week expects (a
negative-binomial tail with the brand's over-dispersion), is the share itself
unusual given how much the brand's share swings (a beta-binomial tail), and are
both tails *together* extraordinary (Fisher's combined p-value)? They differ
only in their bars (:class:`Bars`) and the over-dispersion they judge volume
by, so the question is asked here, once.

A brand not yet warm has no volume expectation: ``expected`` ``None`` asks the
share half alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from detectors.crisis.stats import betabinom_sf, fisher_p, nbinom_sf


@dataclass(frozen=True, slots=True)
class Bars:
    """What the counts must pass.

    Attributes:
        share: the smoothed negative share must be at least this.
        authors: distinct negative authors at least this.
        share_p: the share tail at most this.
        ratio: negatives at least this many times the expected (volume half only).
        p: the volume tail at most this (volume half only).
        joint_p: Fisher's combined p-value at most this (volume half only; 1: no joint bar).
    """

    share: float
    authors: int
    share_p: float
    ratio: float = 1.0
    p: float = 1.0
    joint_p: float = 1.0


@dataclass(frozen=True, slots=True)
class Evidence:
    """The tails of counts that passed (``p`` and ``joint`` ``None`` for the share half alone)."""

    p_share: float
    p: float | None = None
    joint: float | None = None

    def numbers(self) -> dict[str, float]:
        """The p-values as a verdict's numbers show them (three significant digits)."""
        if self.p is None or self.joint is None:
            return {"p_share": _sig(self.p_share)}
        return {"p_value": _sig(self.p), "p_share": _sig(self.p_share), "p_joint": _sig(self.joint)}


def _sig(p: float) -> float:
    return float(f"{p:.3g}")


def weigh(
    neg: int, scored: int, authors: int, share: float, bars: Bars, *, usual: float, rho: float,
    expected: float | None = None, alpha: float = 0.0,
) -> Evidence | None:
    """The evidence of ``neg`` negative of ``scored`` mentions, or ``None`` if a bar fails.

    Args:
        neg: negative mentions (author-capped).
        scored: scored mentions.
        authors: distinct negative authors.
        share: the smoothed negative share the counts show.
        bars: what they must pass.
        usual: the usual share the share tail is centred on.
        rho: the share's over-dispersion (:func:`detectors.crisis.stats.share_rho`).
        expected: the negatives expected (``None``: no volume expectation, the share alone).
        alpha: the over-dispersion the volume tail is judged by.
    """
    if authors < bars.authors or share < bars.share:
        return None
    if expected is None:
        p_share = betabinom_sf(neg, scored, usual, rho)
        return Evidence(p_share) if p_share <= bars.share_p else None
    if neg / expected < bars.ratio:
        return None
    p = nbinom_sf(neg, expected, alpha)
    if p > bars.p:
        return None
    p_share = betabinom_sf(neg, scored, usual, rho)
    if p_share > bars.share_p:
        return None
    joint = fisher_p(p, p_share)
    if joint > bars.joint_p:
        return None
    return Evidence(p_share, p, joint)
