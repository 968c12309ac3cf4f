"""Round 6's pooled-input stacker (benchmarks.sentiment_pooled_stack): inputs and folds."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="pip install -e '.[train]'")

from benchmarks.sentiment_pooled_stack import (  # noqa: E402
    pooled_inputs,
    pooled_stacked_oof,
)
from detectors.sentiment.stacking import STACK_INPUTS, stack_matrix  # noqa: E402


def _synthetic(n: int = 600, seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                       np.ndarray]:
    """Labels, a first level shy of neg, rule compounds, and a pooled model that knows neg."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)

    def softmax(logits: np.ndarray) -> np.ndarray:
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    first = rng.normal(0.0, 1.0, (n, 3))
    first[np.arange(n), y] += 0.5
    pooled = rng.normal(0.0, 1.0, (n, 3))
    pooled[:, 0] += np.where(y == 0, 2.0, -1.0)
    rule = np.clip(rng.normal(0.0, 0.4, n), -1.0, 1.0)
    return y, softmax(first), rule, softmax(pooled)


def test_inputs_are_round_5s_six_then_the_pooled_log_probabilities() -> None:
    _, proba, rule, pooled = _synthetic(40)
    x = pooled_inputs(proba, rule, pooled)
    assert x.shape == (40, STACK_INPUTS + 3)
    assert np.allclose(x[:, :STACK_INPUTS], stack_matrix(proba, rule))
    assert np.allclose(x[:, STACK_INPUTS:], np.log(pooled))


def test_out_of_fold_and_uses_the_pooled_model() -> None:
    """A fold's rows do not depend on its own labels; a pooled model that separates
    negatives lifts the held-out P(neg) of negatives over the first level's."""
    y, proba, rule, pooled = _synthetic()
    fold_of = np.arange(len(y)) % 5
    flipped = y.copy()
    flipped[fold_of == 0] = (flipped[fold_of == 0] + 1) % 3
    a = pooled_stacked_oof(y, proba, rule, pooled, fold_of)
    b = pooled_stacked_oof(flipped, proba, rule, pooled, fold_of)
    assert np.allclose(a[fold_of == 0], b[fold_of == 0])
    assert not np.allclose(a[fold_of == 1], b[fold_of == 1])
    assert np.allclose(a.sum(axis=1), 1.0)
    neg = y == 0
    assert a[neg, 0].mean() > proba[neg, 0].mean() + 0.1
