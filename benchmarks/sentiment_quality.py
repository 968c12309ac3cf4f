"""Sentiment quality and throughput against plain VADER, per language.

Run: ``.venv/bin/python -m benchmarks.sentiment_quality``

* ``tests/data/sentiment_eval.jsonl``: per language, negative-class F1 of our
  scorer (with the language hint and with detection) and of plain VADER, and
  the share of positive posts read as negative. Targets: F1 >= 0.85 and
  pos->neg <= 10 % in every language.
* ``tests/data/complaints_en.jsonl``: English customer-service complaints,
  negative-class F1 of ours vs plain VADER.
* Throughput on all these texts in the same run: plain VADER, our scorer with
  ``lang`` hints and without (cache disabled so every call does the work).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from detectors.sentiment.scorer import Scorer, label_for

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
F1_TARGET = 0.85
POS_AS_NEG_LIMIT = 0.10


def load(name: str) -> list[dict[str, str]]:
    """Rows of a JSONL evaluation file."""
    with (DATA / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def neg_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """F1 of the ``neg`` class."""
    tp = sum(g == "neg" and p == "neg" for g, p in zip(gold, predicted, strict=True))
    fp = sum(g != "neg" and p == "neg" for g, p in zip(gold, predicted, strict=True))
    fn = sum(g == "neg" and p != "neg" for g, p in zip(gold, predicted, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def pos_as_neg(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Share of positive posts labelled negative."""
    pos = [p for g, p in zip(gold, predicted, strict=True) if g == "pos"]
    return sum(p == "neg" for p in pos) / len(pos) if pos else 0.0


def per_second(
    fn: Callable[[dict[str, str]], object], rows: list[dict[str, str]], rounds: int
) -> float:
    """Texts per second of ``fn`` over ``rows`` (after one warm-up pass)."""
    for row in rows:
        fn(row)
    start = time.perf_counter()
    for _ in range(rounds):
        for row in rows:
            fn(row)
    return rounds * len(rows) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    """Print the quality and throughput tables; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the texts")
    args = parser.parse_args(argv)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    scorer = Scorer(cache_size=0)
    rows = load("sentiment_eval.jsonl")
    ok = True
    print(f"{'lang':<5} {'n':>4} {'negF1':>6} {'negF1*':>6} {'VADER':>6} {'pos→neg':>8}  target")
    print("-" * 50)
    for lang in sorted({r["lang"] for r in rows}):
        subset = [r for r in rows if r["lang"] == lang]
        gold = [r["label"] for r in subset]
        ours = [scorer.score(r["text"], lang).label for r in subset]
        detected = [scorer.score(r["text"]).label for r in subset]
        plain = [label_for(vader.polarity_scores(r["text"])["compound"]) for r in subset]
        f1, rate = neg_f1(gold, ours), pos_as_neg(gold, ours)
        passed = f1 >= F1_TARGET and rate <= POS_AS_NEG_LIMIT
        ok &= passed
        print(f"{lang:<5} {len(subset):>4} {f1:>6.2f} {neg_f1(gold, detected):>6.2f} "
              f"{neg_f1(gold, plain):>6.2f} {rate:>8.0%}  {'ok' if passed else 'MISSED'}")
    print("negF1 = with the lang hint; negF1* = language detected; VADER = plain VADER\n")

    complaints = load("complaints_en.jsonl")
    gold = [r["label"] for r in complaints]
    ours = [scorer.score(r["text"], "en").label for r in complaints]
    plain = [label_for(vader.polarity_scores(r["text"])["compound"]) for r in complaints]
    print(f"English complaints (n={len(complaints)}): negative-class F1 "
          f"ours {neg_f1(gold, ours):.2f} vs plain VADER {neg_f1(gold, plain):.2f}\n")

    texts = rows + complaints
    base = per_second(lambda r: vader.polarity_scores(r["text"]), texts, args.rounds)
    hinted = per_second(lambda r: scorer.score(r["text"], r["lang"]), texts, args.rounds)
    bare = per_second(lambda r: scorer.score(r["text"]), texts, args.rounds)
    print(f"{'throughput (texts/s)':<28} {'rate':>9} {'vs VADER':>9}")
    for name, rate in (("plain VADER", base), ("scorer, lang hint", hinted),
                       ("scorer, no hint", bare)):
        print(f"{name:<28} {rate:>9.0f} {rate / base:>9.0%}")
    detector = scorer.detector
    print(f"language vote decided {detector.decided} texts, py3langid {detector.fell_back}")
    if hinted / base < 0.5:
        ok = False
        print("MISSED: scorer throughput below 50 % of VADER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
