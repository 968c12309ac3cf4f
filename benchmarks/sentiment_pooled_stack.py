"""Cross-validation of round 6's candidate: a pooled multilingual model as stacker input.

Run (``train`` extra; about half an hour on 2 busy cores)::

    python -m benchmarks.sentiment_pooled_stack --data ../shared/data/sentiment

One model over the train posts of every language (the shared block of
``benchmarks.sentiment_pooled``, without per-language blocks: hashed n-grams with
character weight 1 and the rule compound, NB-scaled, classes balanced inside each
language and every language weighing alike) gives 5-fold out-of-fold probabilities.
Its folds are the union of each language's training folds, so a row's pooled
probability comes from a model that saw none of that language's fold. Per language,
the first level (the shipped negative weight and character weight) gives its own
out-of-fold probabilities, and three variants are measured as training chooses
(:func:`benchmarks.sentiment_tuning.safe_limit`, nested held-out F1(neg) at the safe
limit): the first level alone, stacked (round 5's six inputs), and stacked with the
pooled model's three log-probabilities as three more inputs. The dev split is not read.
``--cache`` keeps the out-of-fold probabilities, so a second run only re-tunes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.model_selection import StratifiedKFold

from benchmarks.sentiment_data import SEED, load_split
from benchmarks.sentiment_pooled import fit_weighted, sample_weights, without_neutral
from benchmarks.sentiment_tuning import (
    fit_softmax,
    fold_labels,
    safe_limit,
    softmax,
    stacked_oof,
)
from benchmarks.train_sentiment import (
    CHAR_SCALES,
    _oof,
    common_arguments,
    design,
    limits_from,
    nb_scale,
    parse,
    proba3,
    rule_compounds,
    scaled,
)
from detectors.sentiment.learned import CLASSES
from detectors.sentiment.scorer import Scorer
from detectors.sentiment.stacking import FLOOR, stack_matrix

SHIPPED_NEG_WEIGHT = {"en": 1.5, "fr": 1.5, "es": 1.5, "de": 1.0, "sv": 1.5, "lv": 1.5,
                      "nl": 1.5, "fi": 1.5}  # round 5's choices


def pooled_inputs(proba: np.ndarray, rule: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """Round 5's six stacker inputs plus the pooled model's three log-probabilities."""
    return np.column_stack([stack_matrix(proba, rule), np.log(np.maximum(pooled, FLOOR))])


def pooled_stacked_oof(y: np.ndarray, oof: np.ndarray, rule: np.ndarray, pooled: np.ndarray,
                       fold_of: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities of a stacker that also reads the pooled probabilities."""
    out = np.zeros_like(oof)
    x = pooled_inputs(oof, rule, pooled)
    for k in np.unique(fold_of):
        held = fold_of == k
        out[held] = softmax(x[held], *fit_softmax(x[~held], y[~held]))
    return out


def _pooled_fold(x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, fit_idx: np.ndarray,
                 held_idx: np.ndarray) -> np.ndarray:
    xs = scaled(x, nb_scale(x[fit_idx], y[fit_idx]))
    return proba3(fit_weighted(xs[fit_idx], y[fit_idx], w[fit_idx], 1.0), xs[held_idx])


def main(argv: list[str] | None = None) -> int:
    """Print the nested held-out F1(neg) of each variant, per language."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser, (1.0,))
    parser.add_argument("--cache", type=Path, default=None,
                        help="an .npz of out-of-fold probabilities to reuse or write")
    args = parse(parser, argv)
    started = time.process_time()
    cache = dict(np.load(args.cache)) if args.cache and args.cache.exists() else {}
    scorer = Scorer(cache_size=0, learned=False)
    langs = list(args.langs)
    ys, rules, folds_of, shared = {}, {}, {}, []
    for lang in langs:
        train, _ = load_split(lang, args.data)
        ys[lang] = np.array([CLASSES.index(r["label"]) for r in train])
        rules[lang] = cache.get(f"{lang}.rule")
        if rules[lang] is None:
            rules[lang] = rule_compounds(train, lang, scorer)
        x = design(train, rules[lang], char_scale=1.0)
        folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, ys[lang]))
        folds_of[lang] = fold_labels(folds, len(ys[lang]))
        if f"{lang}.oof" not in cache:
            own = x if CHAR_SCALES.get(lang, 1.0) == 1.0 else design(
                train, rules[lang], char_scale=CHAR_SCALES[lang])
            cache[f"{lang}.oof"] = _oof(own, ys[lang], 1.0, folds, args.jobs, 1.0,
                                        SHIPPED_NEG_WEIGHT.get(lang, 1.0))
            cache[f"{lang}.rule"] = rules[lang]
            print(f"[{lang}] first level done ({time.process_time() - started:.0f} CPU-s)",
                  flush=True)
        shared.append(x)
    if "pooled" not in cache:
        x = sparse.vstack(shared, format="csr")
        y = np.concatenate([ys[lang] for lang in langs])
        groups = np.concatenate([np.full(len(ys[lang]), k) for k, lang in enumerate(langs)])
        fold_of = np.concatenate([folds_of[lang] for lang in langs])
        w = sample_weights(groups, y, 1.0)
        parts = Parallel(n_jobs=args.jobs)(
            delayed(_pooled_fold)(x, y, w, np.flatnonzero(fold_of != k),
                                  np.flatnonzero(fold_of == k)) for k in range(5))
        pooled = np.zeros((len(y), 3))
        for k, part in enumerate(parts):
            pooled[fold_of == k] = part
        cache["pooled"] = pooled
        print(f"[pooled] {len(y)} posts done ({time.process_time() - started:.0f} CPU-s in "
              f"this process)", flush=True)
    if args.cache:
        np.savez(args.cache, **cache)
    offset = 0
    limits = limits_from(args.pos_limit)
    for lang in langs:
        y, rule, fold_of = ys[lang], rules[lang], folds_of[lang]
        pooled = cache["pooled"][offset:offset + len(y)]
        offset += len(y)
        if not np.any(y == 1):
            pooled = without_neutral(pooled)
        oof = cache[f"{lang}.oof"]
        variants = {"first level": oof, "stacked": stacked_oof(y, oof, rule, fold_of),
                    "stacked+pooled": pooled_stacked_oof(y, oof, rule, pooled, fold_of),
                    "pooled alone": pooled}
        for name, proba in variants.items():
            limit, two, rows = safe_limit(y, proba, rule, fold_of, limits)
            _, f1, bound, _ = rows[-1]
            print(f"[{lang}] {name:<15}: limit {limit:.0%} ({'two' if two else 'one'} "
                  f"thresholds), nested held-out F1(neg) {f1:.3f}, pos->neg bound {bound:.1%}",
                  flush=True)
    print(f"{time.process_time() - started:.0f} CPU-s in this process", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
