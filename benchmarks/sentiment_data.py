"""The real labelled posts and their fixed train/dev split, shared by training and benchmark.

Files: ``<data>/<lang>.jsonl`` with ``id``, ``lang``, ``text``, ``label``
(neg/neu/pos) and ``source``. The dev split is 20 % of each (language, label)
group, drawn with a fixed seed from the ids sorted, so it does not depend on the
order of the file and never changes between training and evaluation.
Sources in :data:`EXCLUDED_SOURCES` are dropped before splitting.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

DEFAULT_DATA = Path("../shared/data/sentiment")
LANGUAGES = ("en", "fr", "es", "de", "sv", "lv", "nl", "fi")
DEV_SHARE = 0.2
SEED = 11
# GPL-3.0: training on it would put the shipped weights under question.
EXCLUDED_SOURCES = frozenset({"nicemanis/LV-twitter-sentiment-corpus"})

Row = dict[str, str]


def load(lang: str, data: Path = DEFAULT_DATA, excluded: frozenset[str] = EXCLUDED_SOURCES) -> list[Row]:
    """Rows of ``<data>/<lang>.jsonl`` without the excluded sources.

    Args:
        lang: ISO 639-1 code.
        data: the folder of the JSONL files.
        excluded: ``source`` values to drop.
    """
    path = data / f"{lang}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: pass --data with the folder of <lang>.jsonl")
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r for r in rows if r.get("source") not in excluded]


def split(rows: list[Row], lang: str, dev_share: float = DEV_SHARE, seed: int = SEED
          ) -> tuple[list[Row], list[Row]]:
    """Stratified, seeded (train, dev) split of one language's rows.

    Args:
        rows: output of :func:`load`.
        lang: the language (part of the seed).
        dev_share: share of each label group held out.
        seed: the base seed.
    """
    train: list[Row] = []
    dev: list[Row] = []
    for label in sorted({r["label"] for r in rows}):
        group = sorted((r for r in rows if r["label"] == label), key=lambda r: r["id"])
        random.Random(f"{seed}-{lang}-{label}").shuffle(group)
        cut = round(len(group) * dev_share)
        dev.extend(group[:cut])
        train.extend(group[cut:])
    return train, dev


def load_split(lang: str, data: Path = DEFAULT_DATA) -> tuple[list[Row], list[Row]]:
    """(train, dev) rows of ``lang``: :func:`load` then :func:`split`."""
    return split(load(lang, data), lang)
