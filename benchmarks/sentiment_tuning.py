"""Choosing the neg threshold and rule floor on out-of-fold predictions, shared by the trainers.

A (threshold, rule floor) pair labels a post ``neg`` when P(neg) reaches the threshold
or the rule engine's compound is at or below the floor. :func:`tune_threshold` picks
the pair with the best F1(neg) whose share of positives read as negative stays under
a limit in every cross-validation fold; :func:`tune_thresholds` does the same with two
thresholds, one for posts the rule engine reads as negative (compound <=
:data:`LEX_EVIDENCE`) and one for the others (the shipped rule: it won the nested
check in docs/sentiment-model.md); :func:`nested_check` measures how a selection rule
does on folds it was not chosen on, and :func:`safe_limit` lowers the every-fold limit
until that held-out share, plus a sampling margin, stays under the 10 % target.
:func:`fit_stacker` and :func:`stacked_oof` fit the second-level model of
:mod:`detectors.sentiment.stacking` on out-of-fold probabilities.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from detectors.sentiment.learned import LEX_EVIDENCE
from detectors.sentiment.stacking import stack_matrix

FLOORS = (-2.0, -0.8, -0.7, -0.6, -0.5, -0.4)  # -2: off
THRESHOLDS = np.round(np.arange(0.20, 0.951, 0.01), 2)
POS_NEG_LIMIT = 0.10  # positives read as negative, at most (issue 11)
SAFETY_Z = 1.645  # one-sided 95 %: the held-out share plus this many standard errors
STACK_C = 1.0  # regularisation of the stacker (six inputs, thousands of rows: hardly binding)
NEU_BIAS = -30.0  # a language trained without neutral posts never says neu


def decide(proba: np.ndarray, threshold: float, rule: np.ndarray | None = None,
           floor: float = -2.0, lex_threshold: float | None = None) -> np.ndarray:
    """Label indices (0 neg, 1 neu, 2 pos) from ``(n, 3)`` probabilities and rule compounds.

    ``lex_threshold`` (with ``rule``): the neg threshold of posts whose rule compound
    is at or below :data:`LEX_EVIDENCE`; ``threshold`` is then the other posts' one.
    """
    rest = np.where(proba[:, 2] >= proba[:, 1], 2, 1)
    if rule is not None and lex_threshold is not None:
        neg = np.where(rule <= LEX_EVIDENCE, proba[:, 0] >= lex_threshold,
                       proba[:, 0] >= threshold)
    else:
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


def _counts(p: np.ndarray, forced: np.ndarray, y: np.ndarray, folds: np.ndarray,
            ks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tp, fp, positives read as neg per fold) of one group of rows for every threshold."""
    neg = (p[None, :] >= THRESHOLDS[:, None]) | forced[None, :]
    tp = (neg & (y == 0)).sum(axis=1)
    fp = (neg & (y != 0)).sum(axis=1)
    pos_neg = np.stack([(neg & ((y == 2) & (folds == k))).sum(axis=1) for k in ks], axis=1)
    return tp, fp, pos_neg


def tune_thresholds(y: np.ndarray, proba: np.ndarray, rule: np.ndarray, pos_limit: float,
                    fold_of: np.ndarray | None = None) -> tuple[float, float, float, float]:
    """(threshold, lexicon threshold, rule floor, F1) with the best out-of-fold F1(neg).

    As :func:`tune_threshold`, with a separate neg threshold (no higher than the other)
    for posts the rule engine reads as negative (compound <= :data:`LEX_EVIDENCE`). The
    counts of the two groups add up, so every pair is scored at once.
    """
    folds = np.zeros(len(y), dtype=int) if fold_of is None else fold_of
    ks = np.unique(folds)
    positives = np.array([np.sum((y == 2) & (folds == k)) for k in ks])
    negatives = int(np.sum(y == 0))
    lex = rule <= LEX_EVIDENCE
    allowed = THRESHOLDS[:, None] <= THRESHOLDS[None, :]  # [lex, other]
    best: tuple[float, float, float, float] = (-1.0, 0.5, 0.5, -2.0)  # F1, t, t_lex, floor
    safest: tuple[float, float, float, float, float] = (2.0, 0.0, 0.5, 0.5, -2.0)
    for floor in FLOORS:
        forced = rule <= floor
        tp_l, fp_l, pn_l = _counts(proba[lex, 0], forced[lex], y[lex], folds[lex], ks)
        tp_o, fp_o, pn_o = _counts(proba[~lex, 0], forced[~lex], y[~lex], folds[~lex], ks)
        tp = tp_l[:, None] + tp_o[None, :]
        fp = fp_l[:, None] + fp_o[None, :]
        f1 = np.where(tp > 0, 2 * tp / np.maximum(tp + fp + negatives, 1), 0.0)
        worst = ((pn_l[:, None, :] + pn_o[None, :, :]) / np.maximum(positives, 1)).max(axis=2)
        masked = np.where(allowed & (worst <= pos_limit + 1e-12), f1, -1.0)
        i, j = np.unravel_index(np.argmax(masked), masked.shape)
        if masked[i, j] > best[0] + 1e-9:
            best = (float(masked[i, j]), float(THRESHOLDS[j]), float(THRESHOLDS[i]), floor)
        rank = np.where(allowed, worst - 1e-6 * f1, np.inf)
        i, j = np.unravel_index(np.argmin(rank), rank.shape)
        candidate = (float(worst[i, j]), -float(f1[i, j]), float(THRESHOLDS[j]),
                     float(THRESHOLDS[i]), floor)
        safest = min(safest, candidate)
    if best[0] < 0:
        _, minus_f1, threshold, lex_threshold, floor = safest
        return threshold, lex_threshold, floor, -minus_f1
    f1_best, threshold, lex_threshold, floor = best
    return threshold, lex_threshold, floor, f1_best


def fold_labels(folds: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """Each row's fold number from a list of (fit, held-out) index pairs."""
    fold_of = np.zeros(n, dtype=int)
    for k, (_, held_idx) in enumerate(folds):
        fold_of[held_idx] = k
    return fold_of


def nested_check(y: np.ndarray, oof: np.ndarray, rule: np.ndarray, fold_of: np.ndarray,
                 pos_limit: float, per_fold: bool = True, two: bool = False
                 ) -> tuple[float, float, float]:
    """How a threshold rule does on posts it was not chosen on: (F1, mean, worst pos->neg).

    For each fold, the (threshold, rule floor) is tuned on the other folds' out-of-fold
    rows (``per_fold``: the limit holds in each of them; else pooled) and measured on
    the held-out fold (``two``: with :func:`tune_thresholds`). Returns the mean F1(neg),
    the mean and the largest held-out share of positives read as negative.
    """
    f1s, rates = [], []
    for k in np.unique(fold_of):
        inner = fold_of != k
        folds = fold_of[inner] if per_fold else None
        lex_threshold = None
        if two:
            threshold, lex_threshold, floor, _ = tune_thresholds(
                y[inner], oof[inner], rule[inner], pos_limit, folds)
        else:
            threshold, floor, _ = tune_threshold(y[inner], oof[inner], rule[inner], pos_limit,
                                                 folds)
        f1, rate = neg_scores(y[~inner], decide(oof[~inner], threshold, rule[~inner], floor,
                                                lex_threshold))
        f1s.append(f1)
        rates.append(rate)
    return float(np.mean(f1s)), float(np.mean(rates)), max(rates)


def safe_limit(y: np.ndarray, oof: np.ndarray, rule: np.ndarray, fold_of: np.ndarray,
               limits: tuple[float, ...], target: float = POS_NEG_LIMIT, z: float = SAFETY_Z
               ) -> tuple[float, bool, list[tuple[float, float, float, bool]]]:
    """The largest every-fold limit whose held-out positives-read-as-negative stays under ``target``.

    For each limit of ``limits`` (largest first), the nested check (:func:`nested_check`,
    one threshold and two thresholds, the better held-out F1 kept) gives the mean share
    ``p`` of positives read as negative on folds the thresholds were not chosen on. The
    limit is safe when ``p + z * sqrt(p (1 - p) / m)`` is at most ``target``, with ``m``
    the positives of one held-out fold: a sample of that size (the size of a dev split
    or of a hidden test) then exceeds ``target`` with a probability of about 5 % (z 1.645).
    When no limit is safe, the smallest is taken.

    Returns:
        (limit, whether two thresholds won there, the (limit, held-out F1, bound, two
        thresholds won) rows checked, largest limit first).
    """
    m = max(1.0, float(np.sum(y == 2)) / len(np.unique(fold_of)))
    rows: list[tuple[float, float, float, bool]] = []
    for limit in limits:
        one = nested_check(y, oof, rule, fold_of, limit)
        two = nested_check(y, oof, rule, fold_of, limit, two=True)
        use_two = two[0] > one[0]
        f1, mean, _ = two if use_two else one
        bound = mean + z * float(np.sqrt(mean * (1.0 - mean) / m))
        rows.append((limit, f1, bound, use_two))
        if bound <= target:
            return limit, use_two, rows
    return limits[-1], rows[-1][3], rows


def fit_stacker(y: np.ndarray, proba: np.ndarray, rule: np.ndarray, c: float = STACK_C
                ) -> tuple[np.ndarray, np.ndarray]:
    """A stacker's ``(STACK_INPUTS, 3)`` weights and ``(3,)`` bias in neg/neu/pos order.

    A class-balanced logistic regression over :func:`stack_matrix` of first-level
    (out-of-fold) probabilities and rule compounds. A class absent from ``y`` (Finnish
    neutral) gets bias ``NEU_BIAS``, as in the first level.
    """
    return fit_softmax(stack_matrix(proba, rule), y, c)


def fit_softmax(x: np.ndarray, y: np.ndarray, c: float = STACK_C
                ) -> tuple[np.ndarray, np.ndarray]:
    """A class-balanced logistic regression's weights and bias in neg/neu/pos order."""
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return as_three_class(model)


def as_three_class(model: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """A fitted model's ``(features, 3)`` weights and ``(3,)`` bias in neg/neu/pos order.

    A class absent from the fit (Finnish neutral) gets bias ``NEU_BIAS``: never said.
    """
    coef = np.zeros((model.coef_.shape[1], 3))
    bias = np.zeros(3)
    if len(model.classes_) == 2:  # binary: P(second) = sigmoid(w.x + b)
        coef[:, model.classes_[1]] = model.coef_[0]
        bias[model.classes_[1]] = model.intercept_[0]
        missing = ({0, 1, 2} - set(model.classes_.tolist())).pop()
        bias[missing] = NEU_BIAS
    else:
        coef[:, model.classes_] = model.coef_.T
        bias[model.classes_] = model.intercept_
    return coef, bias


def stack_proba(weights: np.ndarray, bias: np.ndarray, proba: np.ndarray, rule: np.ndarray
                ) -> np.ndarray:
    """``(n, 3)`` stacked probabilities (what :class:`Stacker` gives post by post)."""
    return softmax(stack_matrix(proba, rule), weights, bias)


def softmax(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``(n, 3)`` probabilities of a linear model's inputs ``x``."""
    z = x @ weights + bias
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def stacked_oof(y: np.ndarray, oof: np.ndarray, rule: np.ndarray, fold_of: np.ndarray
                ) -> np.ndarray:
    """Out-of-fold stacked probabilities: each fold's rows by a stacker fitted on the others.

    ``oof`` are the first level's out-of-fold probabilities on the same folds, so no
    row is scored by a model (first or second level) that was fitted on it.
    """
    out = np.zeros_like(oof)
    for k in np.unique(fold_of):
        held = fold_of == k
        weights, bias = fit_stacker(y[~held], oof[~held], rule[~held])
        out[held] = stack_proba(weights, bias, oof[held], rule[held])
    return out
