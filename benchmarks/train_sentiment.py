"""Train the learned sentiment model on real labelled posts and write its weights.

Run (needs the ``train`` extra, i.e. scikit-learn; a few minutes on 2 cores)::

    python -m benchmarks.train_sentiment --data ../shared/data/sentiment

Per language: the train split of :mod:`benchmarks.sentiment_data` (the dev
split is never read here) is featurised with :mod:`detectors.sentiment.features`
plus the rule engine's compound; a class-balanced multinomial logistic
regression is fitted for each regularisation strength in ``--grid``, with 5-fold
cross-validation; the strength with the best out-of-fold negative-class F1 wins,
and the neg threshold is tuned on the same out-of-fold probabilities (highest
F1(neg) with at most ``--pos-limit`` of positive posts read as negative). The
final model is fitted on the whole train split. Everything is seeded, so the
same data gives the same weights. Output: ``detectors/sentiment/model/sentiment.npz``.
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

from benchmarks.sentiment_data import DEFAULT_DATA, LANGUAGES, SEED, Row, load_split
from detectors.sentiment.features import BUCKETS, featurize
from detectors.sentiment.learned import CLASSES, MODEL_PATH, lexicon_features
from detectors.sentiment.scorer import Scorer

GRID = (0.25, 0.5, 1.0, 2.0)
POS_LIMIT = 0.07  # below the 10 % target, to leave a margin for unseen data
NEU_BIAS = -30.0  # a language trained without neutral posts never says neu


def rule_compounds(rows: list[Row], lang: str, scorer: Scorer) -> np.ndarray:
    """The rule engine's compound of every row (0 where it has none)."""
    return np.array([scorer.lexicon_compound(r["text"], lang) or 0.0 for r in rows])


def design(rows: list[Row], lang: str, scorer: Scorer) -> sparse.csr_matrix:
    """The feature matrix of ``rows`` (hashed n-grams, then the two lexicon columns)."""
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for row in rows:
        feature_idx, feature_val = featurize(row["text"])
        indices += feature_idx
        values += feature_val
        lp, ln = lexicon_features(scorer.lexicon_compound(row["text"], lang))
        indices += [BUCKETS, BUCKETS + 1]
        values += [lp, ln]
        indptr.append(len(indices))
    matrix = sparse.csr_matrix((values, indices, indptr), shape=(len(rows), BUCKETS + 2))
    matrix.sum_duplicates()
    return matrix


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


def tune_threshold(y: np.ndarray, proba: np.ndarray, rule: np.ndarray, pos_limit: float
                   ) -> tuple[float, float, float]:
    """The (neg threshold, rule floor) with the best F1(neg) under ``pos_limit``, and that F1."""
    best_t, best_floor, best_f1 = 0.5, -2.0, -1.0
    for floor in FLOORS:
        for t in np.arange(0.20, 0.81, 0.01):
            f1, rate = neg_scores(y, decide(proba, float(t), rule, floor))
            if rate <= pos_limit and f1 > best_f1 + 1e-9:
                best_t, best_floor, best_f1 = float(t), floor, f1
    return round(best_t, 2), best_floor, best_f1


def fit(x: sparse.csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    """A class-balanced logistic regression."""
    model = LogisticRegression(C=c, solver="saga", tol=1e-3, max_iter=3000,
                               class_weight="balanced", random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


def proba3(model: LogisticRegression, x: sparse.csr_matrix) -> np.ndarray:
    """``(n, 3)`` neg/neu/pos probabilities (0 for a class the model never saw)."""
    out = np.zeros((x.shape[0], 3))
    out[:, model.classes_] = model.predict_proba(x)
    return out


def as_three_class(model: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """``(BUCKETS + 2, 3)`` weights and ``(3,)`` bias in neg/neu/pos order."""
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


def _fold(x: sparse.csr_matrix, y: np.ndarray, c: float, fit_idx: np.ndarray,
          held_idx: np.ndarray) -> np.ndarray:
    return proba3(fit(x[fit_idx], y[fit_idx], c), x[held_idx])


def train_language(lang: str, data: Path, scorer: Scorer, grid: tuple[float, ...],
                   pos_limit: float, jobs: int = 1) -> dict[str, np.ndarray]:
    """Cross-validate, tune and fit one language; returns its arrays for the ``.npz``."""
    started = time.perf_counter()
    train, dev = load_split(lang, data)
    x = design(train, lang, scorer)
    y = np.array([CLASSES.index(r["label"]) for r in train])
    rule = rule_compounds(train, lang, scorer)
    print(f"[{lang}] {len(train)} train / {len(dev)} dev posts, {x.nnz} non-zeros", flush=True)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y))
    best: tuple[float, float, float, float] = (-1.0, 0.0, 0.5, -2.0)
    for c in grid:
        oof = np.zeros((len(y), 3))
        parts = Parallel(n_jobs=jobs)(
            delayed(_fold)(x, y, c, fit_idx, held_idx) for fit_idx, held_idx in folds)
        for (_, held_idx), part in zip(folds, parts, strict=True):
            oof[held_idx] = part
        threshold, floor, f1 = tune_threshold(y, oof, rule, pos_limit)
        print(f"[{lang}]   C={c:<4} out-of-fold F1(neg) {f1:.3f} at P(neg) >= {threshold:.2f}, "
              f"rule floor {floor}", flush=True)
        if f1 > best[0]:
            best = (f1, c, threshold, floor)
    f1, c, threshold, floor = best
    model = fit(x, y, c)
    coef, bias = as_three_class(model)
    xd = design(dev, lang, scorer)
    yd = np.array([CLASSES.index(r["label"]) for r in dev])
    pred = decide(proba3(model, xd), threshold, rule_compounds(dev, lang, scorer), floor)
    dev_f1, dev_rate = neg_scores(yd, pred)
    print(f"[{lang}] chose C={c}, threshold {threshold:.2f}, rule floor {floor}; "
          f"dev F1(neg) {dev_f1:.3f}, pos->neg {dev_rate:.1%} "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    return {
        f"{lang}.weights": coef[:BUCKETS].astype(np.float16),
        f"{lang}.lexicon": coef[BUCKETS:].astype(np.float32),
        f"{lang}.bias": bias.astype(np.float32),
        f"{lang}.neg_threshold": np.array(threshold, dtype=np.float32),
        f"{lang}.rule_floor": np.array(floor, dtype=np.float32),
    }


def main(argv: list[str] | None = None) -> int:
    """Train every language and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of <lang>.jsonl")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="the .npz to write")
    parser.add_argument("--langs", nargs="+", default=list(LANGUAGES))
    parser.add_argument("--grid", type=float, nargs="+", default=list(GRID), help="values of C")
    parser.add_argument("--pos-limit", type=float, default=POS_LIMIT)
    parser.add_argument("--jobs", type=int, default=2, help="cross-validation folds in parallel")
    args = parser.parse_args(argv)
    scorer = Scorer(cache_size=0, learned=False)
    arrays: dict[str, np.ndarray] = {}
    for lang in args.langs:
        arrays.update(train_language(lang, args.data, scorer, tuple(args.grid), args.pos_limit,
                                     args.jobs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
