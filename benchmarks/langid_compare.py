"""Compare language identifiers on short brand mentions: accuracy, speed, memory.

Run: ``.venv/bin/python -m benchmarks.langid_compare``

Texts: ``tests/data/sentiment_eval.jsonl`` and ``tests/data/complaints_en.jsonl``
(short posts in en, fi, sv, fr, nl, lv, de, es with their true language).
Candidates, all restricted to the same 15 languages:

* ``cascade``: the scorer's detector (token vote, py3langid when unsure);
* ``vote-only``: the vote stage alone (undecided counts as wrong);
* ``py3langid``;
* ``lingua-low`` / ``lingua-high``: lingua in low- and high-accuracy mode.

Memory is the resident-set growth of a fresh interpreter after building the
detector and classifying one text (so lazily loaded models are counted).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from detectors.sentiment.langid import DETECTABLE_LANGUAGES, Py3LangId, default_detector
from detectors.sentiment.lexicon import Lexicon, available_languages
from detectors.sentiment.rules import tokenize
from detectors.sentiment.scorer import Scorer

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CANDIDATES = ("cascade", "vote-only", "py3langid", "lingua-low", "lingua-high")


def load_texts() -> list[tuple[str, str]]:
    """(text, language) pairs from the evaluation sets."""
    rows: list[tuple[str, str]] = []
    for name in ("sentiment_eval.jsonl", "complaints_en.jsonl"):
        with (DATA / name).open(encoding="utf-8") as fh:
            rows.extend((r["text"], r["lang"]) for r in map(json.loads, fh))
    return rows


def _lingua(low: bool) -> Callable[[str], str | None]:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    aliases = {"no": "NB"}  # lingua names Norwegian Bokmål "nb"
    codes = [getattr(IsoCode639_1, aliases.get(c, c.upper())) for c in DETECTABLE_LANGUAGES]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if low:
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()

    def detect(text: str) -> str | None:
        lang = detector.detect_language_of(text)
        return None if lang is None else lang.iso_code_639_1.name.lower()

    return detect


def build(name: str) -> Callable[[str], str | None]:
    """A ``text -> language`` function for one candidate."""
    if name in ("cascade", "vote-only"):
        detector = default_detector(
            {lang: Lexicon(lang).own_words for lang in available_languages()}
        )
        if name == "cascade":
            return lambda text: detector.detect(text, [t.lower() for t in tokenize(text)])

        def vote(text: str) -> str | None:
            tokens = [t.lower() for t in tokenize(text)]
            return detector.vote(tokens)[0] if detector.confident(tokens) else None

        return vote
    if name == "py3langid":
        return Py3LangId()
    if name in ("lingua-low", "lingua-high"):
        return _lingua(low=name == "lingua-low")
    raise ValueError(f"unknown candidate {name!r}")


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory_child(name: str) -> None:
    """Print the RSS growth (KiB) caused by building ``name`` (run in a fresh process)."""
    before = _rss_kib()
    detect = build(name)
    for text in ("Still waiting for my refund", "ok", "Hola"):  # forces any fallback model
        detect(text)
    print(_rss_kib() - before)


def measure_memory(name: str) -> float:
    """RSS growth in MiB of a fresh interpreter that builds ``name``."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.langid_compare", "--memory-child", name],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main(argv: list[str] | None = None) -> None:
    """Print accuracy, µs per text and memory for each candidate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the texts")
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return
    rows = load_texts()
    langs = sorted({lang for _, lang in rows})
    print(f"{len(rows)} short posts, languages {', '.join(langs)}; "
          f"candidates restricted to {len(DETECTABLE_LANGUAGES)} languages\n")
    header = f"{'detector':<12} {'accuracy':>8} {'µs/text':>8} {'RSS MiB':>8}  " + " ".join(
        f"{lang:>4}" for lang in langs
    )
    print(header)
    print("-" * len(header))
    for name in CANDIDATES:
        detect = build(name)
        for text, _ in rows:  # warm-up (lazy models, memo tables)
            detect(text)
        start = time.perf_counter()
        for _ in range(args.repeat):
            guesses = [detect(text) for text, _ in rows]
        micros = (time.perf_counter() - start) / (args.repeat * len(rows)) * 1e6
        per_lang = {
            lang: sum(g == lang for g, (_, gold) in zip(guesses, rows, strict=True) if gold == lang)
            / sum(gold == lang for _, gold in rows)
            for lang in langs
        }
        accuracy = sum(g == gold for g, (_, gold) in zip(guesses, rows, strict=True)) / len(rows)
        memory = measure_memory(name)
        print(f"{name:<12} {accuracy:>8.3f} {micros:>8.1f} {memory:>8.1f}  "
              + " ".join(f"{per_lang[lang]:>4.2f}" for lang in langs))
    detector = Scorer().detector
    decided = sum(detector.confident([t.lower() for t in tokenize(t)]) for t, _ in rows)
    print(f"\ncascade: the vote decided {decided}/{len(rows)} posts "
          f"({decided / len(rows):.0%}); the rest went to py3langid")


if __name__ == "__main__":
    main()
