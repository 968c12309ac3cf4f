"""Where a new post's scoring time goes: a first-sight profile of the sentiment scorer.

Run::

    python -m benchmarks.sentiment_profile --data ../shared/data/sentiment

As in :func:`benchmarks.sentiment_real.first_sight`, a fresh scorer is warmed on the
whole train split (its per-word memos hold what a running stream has seen), then
scores dev posts it has never seen; only those are measured, with the ``lang`` hint
and without it (two scorers, each warmed in its own mode). Two measurements:

* **stages**: CPU time (``time.process_time``) of each stage of
  ``Scorer._score`` per post, by wrapping the stage functions the scorer calls;
  the wrappers' own cost (one ``process_time`` pair per call) is measured and
  printed, and the total is taken without wrappers;
* **functions**: ``cProfile`` over the same unseen posts (a second fresh scorer,
  warmed the same way), its top entries by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.sentiment_data import DEFAULT_DATA, LANGUAGES, Row, load_split

# (label, object path inside detectors.sentiment.scorer's namespace or on the scorer)
STAGES = (
    ("prepare (unescape, condolence)", "module", "_prepare"),
    ("script check (language text, script)", "module", "language_text"),
    ("script check (language text, script)", "module", "script_language"),
    ("tokenise for the rules", "module", "tokenize"),
    ("language ID (vote + py3langid)", "detector", "detect"),
    ("rules / lexicon (incl. English VADER)", "scorer", "_rule_compound"),
    ("learned model (tokens, n-grams, stacker)", "models", "predict"),
)


def _load(data: Path) -> tuple[list[Row], list[Row]]:
    splits = {lang: load_split(lang, data) for lang in LANGUAGES}
    return ([r for lang in LANGUAGES for r in splits[lang][0]],
            [r for lang in LANGUAGES for r in splits[lang][1]])


def _scorer(warm: list[Row], hinted: bool) -> Any:
    from detectors.sentiment.scorer import Scorer

    scorer = Scorer(cache_size=0)
    for r in warm:
        scorer.score(r["text"], r["lang"] if hinted else None)
    return scorer


def _timed(fn: Callable[..., Any], bucket: list[float]) -> Callable[..., Any]:
    clock = time.process_time

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            bucket[0] += clock() - start

    return wrapper


def stages(warm: list[Row], rows: list[Row], hinted: bool) -> tuple[float, dict[str, float], float]:
    """(CPU s per post unwrapped, CPU s per post of each stage, wrapper cost per call)."""
    import detectors.sentiment.scorer as module

    plain = _scorer(warm, hinted)
    start = time.process_time()
    for r in rows:
        plain.score(r["text"], r["lang"] if hinted else None)
    total = (time.process_time() - start) / len(rows)

    scorer = _scorer(warm, hinted)
    buckets: dict[str, list[float]] = {}
    saved: list[tuple[Any, str, Any]] = []
    for label, where, name in STAGES:
        bucket = buckets.setdefault(label, [0.0])
        owners: list[Any] = {"module": [module], "scorer": [scorer],
                             "detector": [scorer.detector],
                             "models": list(scorer._models.values())}[where]
        for owner in owners:
            fn = getattr(owner, name)
            saved.append((owner, name, owner.__dict__.get(name) if where != "module" else fn))
            setattr(owner, name, _timed(fn, bucket))
    calls = [0.0]
    probe = _timed(lambda: None, calls)
    start = time.process_time()
    for _ in range(100_000):
        probe()
    overhead = (time.process_time() - start) / 100_000
    try:
        for r in rows:
            scorer.score(r["text"], r["lang"] if hinted else None)
    finally:
        for owner, name, original in reversed(saved):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
    return total, {k: v[0] / len(rows) for k, v in buckets.items()}, overhead


def profile(warm: list[Row], rows: list[Row], hinted: bool, top: int) -> str:
    """``cProfile`` of scoring ``rows`` after warming on ``warm``: the top entries by own time."""
    scorer = _scorer(warm, hinted)
    prof = cProfile.Profile()
    prof.enable()
    for r in rows:
        scorer.score(r["text"], r["lang"] if hinted else None)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Print the per-stage costs and the profiles."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of <lang>.jsonl")
    parser.add_argument("--top", type=int, default=25, help="profile entries to print")
    parser.add_argument("--no-profile", action="store_true", help="stages only")
    args = parser.parse_args(argv)
    try:
        warm, rows = _load(args.data)
    except FileNotFoundError as exc:
        raise SystemExit(str(exc)) from None
    for hinted in (True, False):
        mode = "with the lang hint" if hinted else "without the hint"
        total, parts, overhead = stages(warm, rows, hinted)
        print(f"First sight, {mode}: {total * 1e6:.0f} CPU-µs per post "
              f"({len(rows)} dev posts, warmed on {len(warm)} train posts)")
        for label, cost in parts.items():
            print(f"  {label:<44} {cost * 1e6:>6.1f} µs  {cost / total:>4.0%}")
        print(f"  (each timed call adds about {overhead * 1e6:.1f} µs of wrapper; "
              f"the rest is scorer glue, Score objects, wrappers)")
        if not args.no_profile:
            print(profile(warm, rows, hinted, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
