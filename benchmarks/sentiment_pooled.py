"""One sentiment model pooled over every language (lost to separate models; not shipped).

Run (needs the ``train`` extra)::

    python -m benchmarks.sentiment_pooled --data ../shared/data/sentiment --grid 1.0 \\
        --out /tmp/pooled.npz

Each post's features appear twice: in a block shared by every language and in its
own language's block (feature augmentation), classes balanced inside each language;
the result folds into the same per-language tables as separate models
(:mod:`benchmarks.train_sentiment`), so inference would not change. It lost to
separate models in cross-validation (docs/sentiment-model.md).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from benchmarks.sentiment_data import SEED, load_split
from benchmarks.sentiment_tuning import NEU_BIAS, fold_labels, tune_threshold
from benchmarks.train_sentiment import (
    common_arguments,
    design,
    parse,
    proba3,
    rule_compounds,
    write_model,
)
from detectors.sentiment.features import BUCKETS
from detectors.sentiment.learned import CLASSES, MODEL_PATH
from detectors.sentiment.scorer import Scorer

POOLED_GRID = (0.5, 1.0, 2.0)
BLOCK = BUCKETS + 3  # hashed n-grams, two lexicon features, a constant 1 (the language's bias)
SHARED_GRID = (1.0,)  # scale of the shared block against the per-language ones
BALANCE_GRID = (0.0,)  # languages weigh (mean size / size) ** balance


def pooled_design(parts: list[sparse.csr_matrix], shared: float) -> sparse.csr_matrix:
    """Stack per-language matrices as ``[shared copy | one block per language]``.

    Every row appears twice: scaled by ``shared`` in the block all languages share, and
    as is in its own language's block (feature augmentation, Daumé 2007). The weights of
    one language are then the shared ones plus its own, a table of the same shape as a
    separate model's (:func:`fold_language`).
    """
    grid = [[part * shared] + [part if j == k else None for j in range(len(parts))]
            for k, part in enumerate(parts)]
    return sparse.bmat(grid, format="csr")


def sample_weights(groups: np.ndarray, y: np.ndarray, balance: float) -> np.ndarray:
    """Class-balanced weights inside each language; languages scaled by ``balance``."""
    weights = np.zeros(len(y))
    mean_size = len(y) / len(np.unique(groups))
    for group in np.unique(groups):
        in_group = groups == group
        classes = np.unique(y[in_group])
        for cls in classes:
            rows = in_group & (y == cls)
            weights[rows] = in_group.sum() / (len(classes) * rows.sum())
        weights[in_group] *= (mean_size / in_group.sum()) ** balance
    return weights


def fit_weighted(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, c: float
                 ) -> LogisticRegression:
    """A logistic regression with per-row weights."""
    model = LogisticRegression(C=c, solver="saga", tol=1e-3, max_iter=3000, random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y, sample_weight=w)


def _pooled_fold(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, c: float,
                 fit_idx: np.ndarray, held_idx: np.ndarray) -> np.ndarray:
    return proba3(fit_weighted(x[fit_idx], y[fit_idx], w[fit_idx], c), x[held_idx])


def without_neutral(proba: np.ndarray) -> np.ndarray:
    """Probabilities renormalised over neg and pos (a language with no neutral posts)."""
    out = proba.copy()
    out[:, 1] = 0.0
    return out / out.sum(axis=1, keepdims=True)


def fold_language(model: LogisticRegression, k: int, shared: float, has_neutral: bool
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Language ``k``'s (weights, lexicon, bias) folded from a pooled model."""
    coef = np.zeros((model.coef_.shape[1], 3))
    coef[:, model.classes_] = model.coef_.T
    table = shared * coef[:BLOCK] + coef[(k + 1) * BLOCK:(k + 2) * BLOCK]
    bias = np.zeros(3)
    bias[model.classes_] = model.intercept_
    bias += table[BUCKETS + 2]
    if not has_neutral:
        bias[1] = NEU_BIAS
    return table[:BUCKETS], table[BUCKETS:BUCKETS + 2], bias


def train_pooled(langs: list[str], data: Path, scorer: Scorer, grid: tuple[float, ...],
                 pos_limit: float, jobs: int = 1, shared_grid: tuple[float, ...] = SHARED_GRID,
                 balance_grid: tuple[float, ...] = BALANCE_GRID) -> dict[str, np.ndarray]:
    """One model over every language (shared + per-language blocks), folded per language.

    The configuration (C, shared scale, language balance) with the best mean
    out-of-fold F1(neg) over the languages wins (each language's threshold and rule
    floor tuned on its own out-of-fold rows, as for separate models).
    """
    started = time.perf_counter()
    splits = {lang: load_split(lang, data) for lang in langs}
    rules = [rule_compounds(splits[lang][0], lang, scorer) for lang in langs]
    parts = [design(splits[lang][0], part, indicator=True) for lang, part in zip(langs, rules, strict=True)]
    y = np.array([CLASSES.index(r["label"]) for lang in langs for r in splits[lang][0]])
    groups = np.array([k for k, lang in enumerate(langs) for _ in splits[lang][0]])
    rule = np.concatenate(rules)
    neutral = {k: bool(np.any(y[groups == k] == 1)) for k in range(len(langs))}
    print(f"[pooled] {len(y)} train posts in {len(langs)} languages", flush=True)
    strata = groups * 3 + y
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(y, strata))
    fold_of = fold_labels(folds, len(y))
    best: tuple[float, float, float, float, dict[int, tuple[float, float]]] = (
        -1.0, 0.0, 0.0, 0.0, {})
    for shared in shared_grid:
        x = pooled_design(parts, shared)
        for balance in balance_grid:
            w = sample_weights(groups, y, balance)
            for c in grid:
                oof = np.zeros((len(y), 3))
                done = Parallel(n_jobs=jobs)(delayed(_pooled_fold)(x, y, w, c, fit_idx, held_idx)
                                             for fit_idx, held_idx in folds)
                for (_, held_idx), part in zip(folds, done, strict=True):
                    oof[held_idx] = part
                tuned: dict[int, tuple[float, float]] = {}
                scores = []
                for k in range(len(langs)):
                    rows = groups == k
                    proba = oof[rows] if neutral[k] else without_neutral(oof[rows])
                    threshold, floor, f1 = tune_threshold(y[rows], proba, rule[rows], pos_limit,
                                                          fold_of[rows])
                    tuned[k] = (threshold, floor)
                    scores.append(f1)
                mean = float(np.mean(scores))
                print(f"[pooled]   C={c:<4} shared={shared} balance={balance} out-of-fold "
                      f"F1(neg) mean {mean:.3f}: "
                      + " ".join(f"{lang} {f:.3f}" for lang, f in zip(langs, scores, strict=True)),
                      flush=True)
                if mean > best[0]:
                    best = (mean, c, shared, balance, tuned)
    _, c, shared, balance, tuned = best
    x = pooled_design(parts, shared)
    model = fit_weighted(x, y, sample_weights(groups, y, balance), c)
    arrays: dict[str, np.ndarray] = {}
    for k, lang in enumerate(langs):
        weights, lexicon, bias = fold_language(model, k, shared, neutral[k])
        threshold, floor = tuned[k]
        arrays.update({
            f"{lang}.weights": weights.astype(np.float16),
            f"{lang}.lexicon": lexicon.astype(np.float32),
            f"{lang}.bias": bias.astype(np.float32),
            f"{lang}.neg_threshold": np.array(threshold, dtype=np.float32),
            f"{lang}.rule_floor": np.array(floor, dtype=np.float32),
        })
    print(f"[pooled] chose C={c}, shared={shared}, balance={balance} "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    return arrays


def main(argv: list[str] | None = None) -> int:
    """Train the pooled model and write it (not over the shipped model unless asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True,
                        help=f"the .npz to write (the shipped one is {MODEL_PATH.name})")
    common_arguments(parser, POOLED_GRID)
    parser.add_argument("--shared-grid", type=float, nargs="+", default=list(SHARED_GRID),
                        help="scales of the shared block")
    parser.add_argument("--balance-grid", type=float, nargs="+", default=list(BALANCE_GRID),
                        help="language balance exponents (0: weight by size)")
    args = parse(parser, argv)
    scorer = Scorer(cache_size=0, learned=False)
    arrays = train_pooled(args.langs, args.data, scorer, tuple(args.grid), args.pos_limit,
                          args.jobs, tuple(args.shared_grid), tuple(args.balance_grid))
    return write_model(arrays, args.langs, args.data, scorer, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
