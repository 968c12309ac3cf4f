"""Second-level (stacked) model over the learned probabilities and the rule compound.

The first-level model (:mod:`detectors.sentiment.learned`) reads the rule engine's
compound as two linear features next to thousands of n-grams. A stacker is a small
multinomial logistic regression per language over six calibrated inputs
(:func:`stack_inputs`): the log-probabilities of the first level, the positive and
negative part of the rule compound, and whether the rules found no sentiment word at
all. It is fitted on out-of-fold first-level predictions of the training split
(``benchmarks/sentiment_stack.py``), and it is shipped only for languages where it won
the cross-validation; its weights live in the model file as ``<lang>.stack_weights``
``(STACK_INPUTS, 3)`` and ``<lang>.stack_bias`` ``(3,)``.
"""

from __future__ import annotations

import math

import numpy as np

STACK_INPUTS = 6
FLOOR = 1e-6  # probabilities are clipped here before the log (fi's P(neu) is ~0)
__all__ = ["STACK_INPUTS", "Stacker", "stack_inputs", "stack_matrix"]


def stack_inputs(neg: float, neu: float, pos: float, compound: float | None
                 ) -> tuple[float, float, float, float, float, float]:
    """The six stacker inputs of one post (first-level probabilities, rule compound)."""
    c = 0.0 if compound is None else compound
    return (math.log(max(neg, FLOOR)), math.log(max(neu, FLOOR)), math.log(max(pos, FLOOR)),
            max(c, 0.0), max(-c, 0.0), 1.0 if c == 0.0 else 0.0)


def stack_matrix(proba: np.ndarray, rule: np.ndarray) -> np.ndarray:
    """``(n, STACK_INPUTS)`` inputs of ``(n, 3)`` probabilities and ``(n,)`` rule compounds.

    Row by row equal to :func:`stack_inputs` (the training side of the same features).
    """
    logs = np.log(np.maximum(proba, FLOOR))
    return np.column_stack([logs, np.maximum(rule, 0.0), np.maximum(-rule, 0.0),
                            (rule == 0.0).astype(np.float64)])


class Stacker:
    """A fitted stacker: ``softmax(inputs @ weights + bias)``.

    Args:
        weights: ``(STACK_INPUTS, 3)``, columns neg/neu/pos.
        bias: ``(3,)``.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray) -> None:
        if weights.shape != (STACK_INPUTS, 3) or bias.shape != (3,):
            raise ValueError(f"bad stacker shapes {weights.shape} {bias.shape}")
        self._rows = tuple(tuple(float(v) for v in row) for row in weights)
        self._bias = tuple(float(v) for v in bias)

    def proba(self, neg: float, neu: float, pos: float, compound: float | None
              ) -> tuple[float, float, float]:
        """Stacked (neg, neu, pos) probabilities of one post (:func:`stack_inputs`, unrolled)."""
        log = math.log
        c = 0.0 if compound is None else compound
        (a0, a1, a2), (b0, b1, b2), (p0, p1, p2), (q0, q1, q2), (r0, r1, r2), (s0, s1, s2) = (
            self._rows)
        z0, z1, z2 = self._bias
        x = log(neg if neg > FLOOR else FLOOR)
        z0 += x * a0
        z1 += x * a1
        z2 += x * a2
        x = log(neu if neu > FLOOR else FLOOR)
        z0 += x * b0
        z1 += x * b1
        z2 += x * b2
        x = log(pos if pos > FLOOR else FLOOR)
        z0 += x * p0
        z1 += x * p1
        z2 += x * p2
        if c > 0.0:
            z0 += c * q0
            z1 += c * q1
            z2 += c * q2
        elif c < 0.0:
            z0 -= c * r0
            z1 -= c * r1
            z2 -= c * r2
        else:
            z0 += s0
            z1 += s1
            z2 += s2
        top = max(z0, z1, z2)
        e0, e1, e2 = math.exp(z0 - top), math.exp(z1 - top), math.exp(z2 - top)
        total = e0 + e1 + e2
        return e0 / total, e1 / total, e2 / total
