"""Warm start: baselines learned from history, saved and loaded as one JSON file.

    firebreak replay history.jsonl --out t.jsonl --save-baselines baselines.json
    FIREBREAK_BASELINES_FILE=baselines.json firebreak worker

A brand whose state is new (no stored state) starts from its saved baseline:
its usual share, hour-of-week rhythm, burstiness and everyday keywords, so it
does not fire on its first morning. A brand without one warms up on
conservative priors (see :mod:`detectors.crisis.evaluate`, cold start).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from detectors.codec import dumps_str
from detectors.crisis.baseline import VERSION, RhythmBaseline
from detectors.errors import ConfigError

FORMAT = "firebreak-baselines"


def save_baselines(baselines: Mapping[str, RhythmBaseline], path: str | Path) -> int:
    """Write ``baselines`` (brand -> baseline) to ``path``; returns how many were written."""
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                           "brands": {b: base.to_dict() for b, base in sorted(baselines.items())
                                      if base.hours_learned > 0}}
    Path(path).write_text(dumps_str(doc) + "\n", encoding="utf-8")
    return len(doc["brands"])


def load_baselines(path: str | Path) -> dict[str, RhythmBaseline]:
    """Read a file written by :func:`save_baselines`.

    Raises:
        ConfigError: unreadable, not JSON, not a baselines file, or of another version.
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a baselines file (not JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(
            doc.get("brands"), dict):
        raise ConfigError(f"{path}: not a baselines file (write one with "
                          "`firebreak replay ... --save-baselines FILE`)")
    if doc.get("version") != VERSION:
        raise ConfigError(f"{path}: baselines of format version {doc.get('version')}, this "
                          f"version reads {VERSION}: save them again with this version")
    out: dict[str, RhythmBaseline] = {}
    for brand, data in doc["brands"].items():
        try:
            out[str(brand)] = RhythmBaseline.from_dict(data)
        except (KeyError, TypeError, AttributeError):
            raise ConfigError(f"{path}: brands.{brand}: not a baseline") from None
    return out
