"""Choosing the neg threshold and rule floor on out-of-fold predictions, shared by the trainers.

A (threshold, rule floor) pair labels a post ``neg`` when P(neg) reaches the threshold
or the rule engine's compound is at or below the floor. :func:`tune_threshold` picks
the pair with the best F1(neg) whose share of positives read as negative stays under
a limit in every cross-validation fold; :func:`nested_check` measures how a selection
rule does on folds it was not chosen on.
"""

from __future__ import annotations

import numpy as np

FLOORS = (-2.0, -0.8, -0.7, -0.6, -0.5, -0.4)  # -2: off


def decide(proba: np.ndarray, threshold: float, rule: np.ndarray | None = None,
           floor: float = -2.0) -> np.ndarray:
    """Label indices (0 neg, 1 neu, 2 pos) from ``(n, 3)`` probabilities and rule compounds."""
    rest = np.where(proba[:, 2] >= proba[:, 1], 2, 1)
    neg = proba[:, 0] >= threshold
    if rule is not None:
        neg |= rule <= floor
    return np.where(neg, 0, rest)


def neg_scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """(F1 of neg, share of pos predicted neg)."""
    tp = np.sum((y == 0) & (pred == 0))
    fp = np.sum((y != 0) & (pred == 0))
    fn = np.sum((y == 0) & (pred != 0))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    pos = y == 2
    return float(f1), float(np.mean(pred[pos] == 0)) if pos.any() else 0.0


def fold_rates(y: np.ndarray, pred: np.ndarray, fold_of: np.ndarray) -> list[float]:
    """Share of positive posts predicted neg in each cross-validation fold."""
    rates = []
    for k in np.unique(fold_of):
        pos = (fold_of == k) & (y == 2)
        rates.append(float(np.mean(pred[pos] == 0)) if pos.any() else 0.0)
    return rates


def tune_threshold(y: np.ndarray, proba: np.ndarray, rule: np.ndarray, pos_limit: float,
                   fold_of: np.ndarray | None = None) -> tuple[float, float, float]:
    """The (neg threshold, rule floor) with the best out-of-fold F1(neg), and that F1.

    A pair qualifies when the share of positive posts it reads as negative stays at or
    under ``pos_limit`` in **every** fold (``fold_of``: each row's fold; ``None``: one
    pooled share). Taking the best of many pairs on the same rows is optimistic, so the
    limit must hold fold by fold, not just on average. When no pair qualifies, the pair
    with the lowest worst-fold share (then the best F1) is returned.
    """
    folds = np.zeros(len(y), dtype=int) if fold_of is None else fold_of
    best_t, best_floor, best_f1 = 0.5, -2.0, -1.0
    safest: tuple[float, float, float, float] = (2.0, 0.0, 0.5, -2.0)  # (rate, -F1, t, floor)
    for floor in FLOORS:
        for t in np.arange(0.20, 0.951, 0.01):
            pred = decide(proba, float(t), rule, floor)
            f1, _ = neg_scores(y, pred)
            worst = max(fold_rates(y, pred, folds))
            if worst <= pos_limit and f1 > best_f1 + 1e-9:
                best_t, best_floor, best_f1 = float(t), floor, f1
            safest = min(safest, (worst, -f1, float(t), floor))
    if best_f1 < 0:
        _, minus_f1, best_t, best_floor = safest
        best_f1 = -minus_f1
    return round(best_t, 2), best_floor, best_f1


def fold_labels(folds: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Each row's fold number from a list of (fit, held-out) index pairs."""
    fold_of = np.zeros(n, dtype=int)
    for k, (_, held_idx) in enumerate(folds):
        fold_of[held_idx] = k
    return fold_of


def nested_check(y: np.ndarray, oof: np.ndarray, rule: np.ndarray, fold_of: np.ndarray,
                 pos_limit: float, per_fold: bool = True) -> tuple[float, float, float]:
    """How a threshold rule does on posts it was not chosen on: (F1, mean, worst pos->neg).

    For each fold, the (threshold, rule floor) is tuned on the other folds' out-of-fold
    rows (``per_fold``: the limit holds in each of them; else pooled) and measured on
    the held-out fold. Returns the mean F1(neg), the mean and the largest held-out share
    of positives read as negative.
    """
    f1s, rates = [], []
    for k in np.unique(fold_of):
        inner = fold_of != k
        threshold, floor, _ = tune_threshold(y[inner], oof[inner], rule[inner], pos_limit,
                                             fold_of[inner] if per_fold else None)
        f1, rate = neg_scores(y[~inner], decide(oof[~inner], threshold, rule[~inner], floor))
        f1s.append(f1)
        rates.append(rate)
    return float(np.mean(f1s)), float(np.mean(rates)), max(rates)
