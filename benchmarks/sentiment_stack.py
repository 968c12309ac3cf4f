"""Cross-validation of the round-5 candidates: stacking and negative-class weighting.

Run (``train`` extra; a few minutes per language on 2 cores)::

    python -m benchmarks.sentiment_stack --data ../shared/data/sentiment

Per language, on the **train** split only: the first-level model (NB-scaled hashed
n-grams and the rule compound, the shipped character weight, ``--c``) gives 5-fold
out-of-fold probabilities for each negative-class weight of ``--neg-weights``; then
:func:`benchmarks.sentiment_tuning.stacked_oof` gives out-of-fold probabilities of the
stacker (:mod:`detectors.sentiment.stacking`) over them. Every variant is measured
as training chooses: :func:`benchmarks.sentiment_tuning.safe_limit` (the every-fold
positive limit with a held-out safety margin) and the nested held-out F1(neg) there.
The dev split is not read.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold

from benchmarks.sentiment_data import SEED, load_split
from benchmarks.sentiment_tuning import fold_labels, safe_limit, stacked_oof
from benchmarks.train_sentiment import (
    CHAR_SCALES,
    _oof,
    common_arguments,
    design,
    limits_from,
    parse,
    rule_compounds,
)
from detectors.sentiment.learned import CLASSES
from detectors.sentiment.scorer import Scorer


def main(argv: list[str] | None = None) -> int:
    """Print the held-out F1(neg) of every variant, per language."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common_arguments(parser, (1.0,))
    parser.add_argument("--neg-weights", type=float, nargs="+", default=[1.0],
                        help="weights of the negative class on top of balanced weights")
    args = parse(parser, argv)
    scorer = Scorer(cache_size=0, learned=False)
    for lang in args.langs:
        started = time.process_time()
        train, _ = load_split(lang, args.data)
        y = np.array([CLASSES.index(r["label"]) for r in train])
        rule = rule_compounds(train, lang, scorer)
        x = design(train, rule, char_scale=CHAR_SCALES.get(lang, 1.0))
        folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, y))
        fold_of = fold_labels(folds, len(y))
        limits = limits_from(args.pos_limit)
        for c in args.grid:
            for weight in args.neg_weights:
                oof = _oof(x, y, c, folds, args.jobs, 1.0, weight)
                variants = {"first level": oof, "stacked": stacked_oof(y, oof, rule, fold_of)}
                for name, proba in variants.items():
                    limit, two, rows = safe_limit(y, proba, rule, fold_of, limits)
                    _, f1, bound, _ = rows[-1]
                    print(f"[{lang}] C={c} neg weight {weight} {name:<11}: limit {limit:.0%} "
                          f"({'two' if two else 'one'} thresholds), nested held-out F1(neg) "
                          f"{f1:.3f}, pos->neg bound {bound:.1%}", flush=True)
        print(f"[{lang}] {time.process_time() - started:.0f} CPU-s in this process", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
