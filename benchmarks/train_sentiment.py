"""Train the learned sentiment model on real labelled posts and write its weights.

Run (needs the ``train`` extra, i.e. scikit-learn; 6 to 30 minutes on 2 cores, by load)::

    python -m benchmarks.train_sentiment --data ../shared/data/sentiment

``--mode separate`` (the default, shipped): per language, the train split of
:mod:`benchmarks.sentiment_data` is featurised with :mod:`detectors.sentiment.features`
plus the rule engine's compound; a class-balanced multinomial logistic
regression is fitted for each regularisation strength in ``--grid``, with 5-fold
cross-validation; the strength with the best out-of-fold negative-class F1 wins,
and the neg threshold is tuned on the same out-of-fold probabilities (highest
F1(neg) with at most ``--pos-limit`` of positive posts read as negative in every fold). The
final model is fitted on the whole train split.

``--mode pooled``: one model over every language, each post's features both in a
shared block and in its language's block, folded into the same per-language
tables; it lost to separate models in cross-validation (docs/sentiment-model.md).

Nothing is chosen on the dev split; it is read once at the end to print dev
numbers. Everything is seeded, so the same data gives the same weights. Output:
``detectors/sentiment/model/sentiment.npz``.
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
from benchmarks.sentiment_tuning import decide, fold_labels, neg_scores, nested_check, tune_threshold
from detectors.sentiment.features import BUCKETS, featurize
from detectors.sentiment.learned import CLASSES, MODEL_PATH, LanguageModel, lexicon_features
from detectors.sentiment.scorer import Scorer

GRID = (0.25, 0.5, 1.0, 2.0)
POOLED_GRID = (0.5, 1.0, 2.0)
POS_LIMIT = 0.08  # in every fold: below the 10 % target, a margin for unseen data
NEU_BIAS = -30.0  # a language trained without neutral posts never says neu
NB_BETA = 1.0  # column scale 1 + NB_BETA * |log-count ratio| (0: off); won the cross-validation
NB_ALPHA = 1.0  # smoothing of the log-count ratio


def rule_compounds(rows: list[Row], lang: str, scorer: Scorer) -> np.ndarray:
    """The rule engine's compound of every row (0 where it has none)."""
    return np.array([scorer.lexicon_compound(r["text"], lang) or 0.0 for r in rows])


def design(rows: list[Row], lang: str, scorer: Scorer, indicator: bool = False
           ) -> sparse.csr_matrix:
    """The feature matrix of ``rows`` (hashed n-grams, the two lexicon columns[, a constant 1])."""
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
        if indicator:
            indices.append(BUCKETS + 2)
            values.append(1.0)
        indptr.append(len(indices))
    width = BUCKETS + 3 if indicator else BUCKETS + 2
    matrix = sparse.csr_matrix((values, indices, indptr), shape=(len(rows), width))
    matrix.sum_duplicates()
    return matrix


def nb_scale(x: sparse.csr_matrix, y: np.ndarray, beta: float = NB_BETA) -> np.ndarray:
    """Per-column scale ``1 + beta * |r|`` from the neg-vs-rest log-count ratio ``r``.

    NB-SVM-style feature scaling (Wang & Manning 2012): ``r`` is the log ratio of how
    often a bucket occurs in negative posts against the other posts (binarised
    counts, add-``NB_ALPHA`` smoothing), so buckets that tell negatives apart weigh
    more under the same regularisation. The two lexicon columns keep scale 1. The
    model is linear, so the scale folds into its weights: inference is unchanged.

    Args:
        x: design rows (hashed buckets, then the two lexicon columns).
        y: their labels (0 = neg).
        beta: strength (0: every scale 1).
    """
    present = (x[:, :BUCKETS] != 0).astype(np.float64)
    neg = np.asarray(present[y == 0].sum(axis=0)).ravel() + NB_ALPHA
    rest = np.asarray(present[y != 0].sum(axis=0)).ravel() + NB_ALPHA
    ratio = np.log((neg / neg.sum()) / (rest / rest.sum()))
    return np.concatenate([1.0 + beta * np.abs(ratio), np.ones(x.shape[1] - BUCKETS)])


def scaled(x: sparse.csr_matrix, scale: np.ndarray) -> sparse.csr_matrix:
    """``x`` with each column multiplied by ``scale``."""
    return sparse.csr_matrix(x @ sparse.diags(scale))


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
          held_idx: np.ndarray, beta: float = 0.0) -> np.ndarray:
    if beta:  # the scale is learned from the fitted rows only
        x = scaled(x, nb_scale(x[fit_idx], y[fit_idx], beta))
    return proba3(fit(x[fit_idx], y[fit_idx], c), x[held_idx])


def train_language(lang: str, data: Path, scorer: Scorer, grid: tuple[float, ...],
                   pos_limit: float, jobs: int = 1, beta: float = NB_BETA,
                   nested: bool = False) -> dict[str, np.ndarray]:
    """Cross-validate, tune and fit one language; returns its arrays for the ``.npz``."""
    started = time.perf_counter()
    train, dev = load_split(lang, data)
    x = design(train, lang, scorer)
    y = np.array([CLASSES.index(r["label"]) for r in train])
    rule = rule_compounds(train, lang, scorer)
    print(f"[{lang}] {len(train)} train / {len(dev)} dev posts, {x.nnz} non-zeros", flush=True)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y))
    fold_of = fold_labels(folds, len(y))
    best: tuple[float, float, float, float] = (-1.0, 0.0, 0.5, -2.0)
    for c in grid:
        oof = np.zeros((len(y), 3))
        parts = Parallel(n_jobs=jobs)(
            delayed(_fold)(x, y, c, fit_idx, held_idx, beta) for fit_idx, held_idx in folds)
        for (_, held_idx), part in zip(folds, parts, strict=True):
            oof[held_idx] = part
        threshold, floor, f1 = tune_threshold(y, oof, rule, pos_limit, fold_of)
        print(f"[{lang}]   C={c:<4} out-of-fold F1(neg) {f1:.3f} at P(neg) >= {threshold:.2f}, "
              f"rule floor {floor}", flush=True)
        if nested:
            for per_fold, limit in ((False, 0.07), (False, 0.05), (True, 0.10), (True, pos_limit)):
                nf1, mean, worst = nested_check(y, oof, rule, fold_of, limit, per_fold)
                print(f"[{lang}]     nested, {'every fold' if per_fold else 'pooled'} <= "
                      f"{limit:.0%}: held-out F1(neg) {nf1:.3f}, pos->neg mean {mean:.1%}, "
                      f"worst fold {worst:.1%}", flush=True)
        if f1 > best[0]:
            best = (f1, c, threshold, floor)
    f1, c, threshold, floor = best
    scale = nb_scale(x, y, beta) if beta else np.ones(x.shape[1])
    model = fit(scaled(x, scale), y, c)
    coef, bias = as_three_class(model)
    coef *= scale[:, None]  # folded in: raw features times these weights
    xd = scaled(design(dev, lang, scorer), scale)
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
    parts = [design(splits[lang][0], lang, scorer, indicator=True) for lang in langs]
    y = np.array([CLASSES.index(r["label"]) for lang in langs for r in splits[lang][0]])
    groups = np.array([k for k, lang in enumerate(langs) for _ in splits[lang][0]])
    rule = np.concatenate([rule_compounds(splits[lang][0], lang, scorer) for lang in langs])
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


def report_dev(arrays: dict[str, np.ndarray], langs: list[str], data: Path,
               scorer: Scorer) -> None:
    """Print each language's dev F1(neg) and pos->neg, read through the shipped inference code.

    Reporting only: nothing is chosen on the dev split.
    """
    for lang in langs:
        model = LanguageModel(arrays[f"{lang}.weights"], arrays[f"{lang}.lexicon"],
                              arrays[f"{lang}.bias"], float(arrays[f"{lang}.neg_threshold"]),
                              float(arrays[f"{lang}.rule_floor"]))
        dev = load_split(lang, data)[1]
        yd = np.array([CLASSES.index(r["label"]) for r in dev])
        pred = np.array([CLASSES.index(model.predict(r["text"], scorer.lexicon_compound(
            r["text"], lang)).label) for r in dev])
        f1, rate = neg_scores(yd, pred)
        print(f"[{lang}] dev F1(neg) {f1:.3f}, pos->neg {rate:.1%}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Train every language and write the model file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of <lang>.jsonl")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="the .npz to write")
    parser.add_argument("--langs", nargs="+", default=list(LANGUAGES))
    parser.add_argument("--mode", choices=("pooled", "separate"), default="separate",
                        help="one model per language (shipped: it won the cross-validation) or "
                             "one over all languages (shared + own blocks)")
    parser.add_argument("--grid", type=float, nargs="+", default=None, help="values of C")
    parser.add_argument("--shared-grid", type=float, nargs="+", default=list(SHARED_GRID),
                        help="pooled: scales of the shared block")
    parser.add_argument("--balance-grid", type=float, nargs="+", default=list(BALANCE_GRID),
                        help="pooled: language balance exponents (0: weight by size)")
    parser.add_argument("--pos-limit", type=float, default=POS_LIMIT,
                        help="largest share of positives read as negative, in every fold")
    parser.add_argument("--nb-beta", type=float, default=NB_BETA,
                        help="separate: NB log-count-ratio feature scaling strength (0: off)")
    parser.add_argument("--nested", action="store_true",
                        help="separate: also print how threshold rules do on held-out folds")
    parser.add_argument("--jobs", type=int, default=2, help="cross-validation folds in parallel")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"--data {args.data} is not a folder of <lang>.jsonl files")
    scorer = Scorer(cache_size=0, learned=False)
    arrays: dict[str, np.ndarray] = {}
    if args.mode == "pooled":
        arrays = train_pooled(args.langs, args.data, scorer, tuple(args.grid or POOLED_GRID),
                              args.pos_limit, args.jobs, tuple(args.shared_grid),
                              tuple(args.balance_grid))
    else:
        for lang in args.langs:
            arrays.update(train_language(lang, args.data, scorer, tuple(args.grid or GRID),
                                         args.pos_limit, args.jobs, args.nb_beta,
                                         args.nested))
    report_dev(arrays, args.langs, args.data, scorer)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
