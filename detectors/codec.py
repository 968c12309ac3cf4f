"""The one JSON encoder: every line, message, request body and file Firebreak writes.

Compact (no spaces), UTF-8 as is (no ``\\uXXXX`` escapes), keys in insertion order
unless asked; the standard library's encoder, so output is exactly what
``json.dumps`` with those options gives. Decoding stays where it is checked
(:func:`detectors.events.mention_from_json`).
"""

from __future__ import annotations

import json
from typing import Any

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def dumps_str(obj: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """``obj`` as JSON text: compact, or indented for files people read.

    Args:
        obj: a JSON-ready value.
        indent: spaces per level (``None``: one compact line).
        sort_keys: keys in sorted order (stable output for fingerprints and diffs).
    """
    if indent is not None:
        return json.dumps(obj, ensure_ascii=False, indent=indent, sort_keys=sort_keys)
    return (_SORTED if sort_keys else _COMPACT).encode(obj)


def dumps(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON bytes (a Kafka value, an HTTP body).

    Args:
        obj: a JSON-ready value.
    """
    return _COMPACT.encode(obj).encode("utf-8")
