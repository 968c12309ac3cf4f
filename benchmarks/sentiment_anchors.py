"""Label posts with the published single-language analyzers used as anchors.

This script runs in its own virtual environment with the ``anchors`` extra
(vaderSentiment-fr, vadersentiment-swedish, textblob 0.15.3, textblob-nl,
textblob-de): vadersentiment-swedish and vaderSentiment-fr replace or shadow
modules of plain vaderSentiment, so they must never share Firebreak's
environment. It imports nothing of Firebreak.

Input (stdin): JSON lines ``{"lang": ..., "text": ...}``. Output (stdout): one
JSON line per input with ``{"anchor": name, "label": neg|neu|pos}``, or
``{"anchor": null, "label": null}`` when no anchor covers the language. Scores
map to labels with VADER's ±0.05 cut-offs (TextBlob polarity included).

    python benchmarks/sentiment_anchors.py < posts.jsonl > labels.jsonl
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable

ANCHORS = {
    "fr": "vaderSentiment-fr",
    "sv": "vadersentiment-swedish",
    "nl": "textblob-nl",
    "de": "textblob-de",
}


def _label(value: float) -> str:
    if value <= -0.05:
        return "neg"
    if value >= 0.05:
        return "pos"
    return "neu"


def build(lang: str) -> Callable[[str], float]:
    """The anchor analyzer of ``lang`` as a text -> score function."""
    warnings.simplefilter("ignore")
    if lang == "fr":
        from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as French

        fr = French()
        return lambda text: float(fr.polarity_scores(text)["compound"])
    if lang == "sv":
        # vadersentiment-swedish installs itself as the ``vaderSentiment`` package
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as Swedish

        sv = Swedish()
        if "bra" not in sv.lexicon:  # plain VADER installed over it (e.g. by Firebreak's deps)
            raise SystemExit("the vaderSentiment package here is plain VADER, not "
                             "vadersentiment-swedish: pip install --force-reinstall --no-deps "
                             "vadersentiment-swedish==1.0.3")
        return lambda text: float(sv.polarity_scores(text)["compound"])
    if lang == "nl":
        from textblob import TextBlob
        from textblob_nl import PatternAnalyzer, PatternTagger

        tagger, analyzer = PatternTagger(), PatternAnalyzer()
        return lambda text: float(
            TextBlob(text, pos_tagger=tagger, analyzer=analyzer).sentiment[0])
    if lang == "de":
        from textblob_de import PatternTokenizer, TextBlobDE

        tokenizer = PatternTokenizer()
        return lambda text: float(TextBlobDE(text, tokenizer=tokenizer).sentiment.polarity)
    raise KeyError(lang)


def main() -> int:
    """Read posts from stdin, write one anchor label per post to stdout."""
    analyzers: dict[str, Callable[[str], float]] = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        post = json.loads(line)
        lang = post["lang"]
        if lang not in ANCHORS:
            print(json.dumps({"anchor": None, "label": None}))
            continue
        if lang not in analyzers:
            analyzers[lang] = build(lang)
        label = _label(analyzers[lang](post["text"]))
        print(json.dumps({"anchor": ANCHORS[lang], "label": label}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
