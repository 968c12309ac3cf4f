"""`firebreak score`: sentiment of texts or of a JSONL file, one JSON line each."""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any

from detectors.sentiment.scorer import Scorer, get_scorer
from streams.sources.base import check_input
from streams.sources.files import dump_json, open_text


def add_parser(sub: Any) -> None:
    """Register the sub-command."""
    p = sub.add_parser(
        "score",
        help="score the sentiment of texts",
        description="Score texts: --input FILE.jsonl (objects with 'text', optional 'id' and "
        "'lang') or plain text arguments. One JSON line out per input, in input order.",
    )
    p.add_argument("texts", nargs="*", help="texts to score")
    p.add_argument("--input", help="JSONL file (- for stdin)")
    p.add_argument("--lang", help="language hint for plain text arguments")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Score and print."""
    if not args.texts and not args.input:
        print("firebreak score: give texts or --input FILE.jsonl", file=sys.stderr)
        return 2
    if args.input:
        check_input(args.input)
    scorer = get_scorer()
    out = sys.stdout
    for i, text in enumerate(args.texts, start=1):
        out.write(dump_json(_result(scorer, str(i), text, args.lang)) + "\n")
    if args.input:
        with open_text(args.input) as fh:
            bad = score_lines(fh, scorer, out)
        if bad:
            print(f"firebreak score: {bad} bad line(s) in {args.input} (an error line each)",
                  file=sys.stderr)
            return 1
    return 0


def score_lines(stream: IO[str], scorer: Scorer, out: IO[str]) -> int:
    """Score every line of a JSONL stream; bad lines produce an ``error`` line in place.

    Returns:
        How many lines were bad.
    """
    bad = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise ValueError("needs an object with a string 'text'")
            lang = obj.get("lang") if isinstance(obj.get("lang"), str) else None
            row = _result(scorer, str(obj.get("id", number)), obj["text"], lang)
        except ValueError as exc:
            row = {"line": number, "error": str(exc)}
            bad += 1
        out.write(dump_json(row) + "\n")
    return bad


def _result(scorer: Scorer, ident: str, text: str, lang: str | None) -> dict[str, Any]:
    s = scorer.score(text, lang)
    compound = None if s.compound is None else round(s.compound, 4)
    confidence = None if s.confidence is None else round(s.confidence, 4)
    return {"id": ident, "compound": compound, "label": s.label, "lang": s.lang,
            "confidence": confidence}
