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
        self._columns = [[float(weights[i, k]) for i in range(STACK_INPUTS)] for k in range(3)]
        self._bias = [float(v) for v in bias]

    def proba(self, neg: float, neu: float, pos: float, compound: float | None
              ) -> tuple[float, float, float]:
        """Stacked (neg, neu, pos) probabilities of one post."""
        x = stack_inputs(neg, neu, pos, compound)
        z = [b + sum(w * v for w, v in zip(col, x, strict=True))
             for col, b in zip(self._columns, self._bias, strict=True)]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = e[0] + e[1] + e[2]
        return e[0] / total, e[1] / total, e[2] / total
