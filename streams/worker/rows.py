"""A brand state as a table row, its window's entries encoded once rather than every second.

A checkpoint writes each changed brand's whole state to the table's changelog. The
state's window keeps every mention of the last ``window_minutes`` minutes (an entry
of author, label, keywords, weight and language per mention: the detector's business,
:mod:`detectors.crisis.window`), so ``BrandState.to_dict`` rebuilds and the codec
re-encodes thousands of entries per busy brand each second: the checkpoint grew with
the window until it held the detect lock and the event loop for seconds (late timers,
"housekeeping is overlapping", the decisive pause flag waiting behind it).

A window bucket's entry list only ever grows at its end (a bucket is dropped whole
when its minute leaves the window), so :class:`RowCache` keeps each bucket's entries
as encoded JSON and encodes only the entries added since the last checkpoint. The
row holds the buckets as pre-encoded JSON fragments, the very bytes the cache keeps
(one copy, not a second joined one): the changelog bytes are the same JSON as before
(read back by Faust's codec and :meth:`BrandState.from_dict` unchanged), and the row
kept in the table holds those bytes instead of a second copy of every entry as Python
lists (less memory). :func:`plain` turns a row back
into the ``to_dict`` form before a state is built from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from faust.serializers import codecs

from detectors.crisis.state import BrandState

TABLE_CODEC = codecs.get_codec("json")  # what the brands table reads its changelog with (orjson)
_Bucket = tuple[list[Any], int, bytes]  # the entry list, how many are encoded, the bucket's JSON


class RowCache:
    """Per brand: each window bucket's entries encoded so far.

    Holds the encoded JSON of the buckets a brand's window has now (a bucket that left
    the window is forgotten at the brand's next row); call :meth:`drop` when a brand's
    cached state is dropped.
    """

    def __init__(self) -> None:
        self.brands: dict[str, dict[int, _Bucket]] = {}

    def drop(self, brand: str | None = None) -> None:
        """Forget one brand's encoded buckets, or every brand's.

        Args:
            brand: the brand slug (default: all).
        """
        if brand is None:
            self.brands.clear()
        else:
            self.brands.pop(brand, None)

    def row(self, st: BrandState) -> dict[str, Any]:
        """``st.to_dict()`` with the window's buckets as one encoded fragment, and its own
        copy of ``meta`` (the table keeps the row).

        Args:
            st: the brand state.
        """
        out: dict[str, Any] = {}
        for name in st.__slots__:
            value = getattr(st, name)
            if name == "window":
                out[name] = {"minutes": value.minutes, "cap": value.cap,
                             "buckets": self._buckets(st.brand, value.buckets)}
            else:
                out[name] = value.to_dict() if hasattr(value, "to_dict") else value
        out["meta"] = copy_meta(st.meta)
        return out

    def _buckets(self, brand: str, buckets: Any) -> list[orjson.Fragment]:
        old = self.brands.get(brand) or {}
        new: dict[int, _Bucket] = {}
        parts = []
        encode = TABLE_CODEC.dumps
        for bucket in buckets:
            entries = bucket[1]
            size = len(entries)
            hit = old.get(id(entries))
            if hit is not None and hit[0] is entries and hit[1] <= size:
                part, done = hit[2], hit[1]
                if done < size:  # ``[minute,[e1,...]]``: the new entries go before ``]]``
                    more = encode(entries[done:])[1:-1]
                    part = part[:-2] + (b"," if done else b"") + more + b"]]"
            else:
                part = b"[%d,%s]" % (int(bucket[0]), encode(entries))
            new[id(entries)] = (entries, size, part)
            parts.append(orjson.Fragment(part))  # the table's row shares the cache's bytes
        self.brands[brand] = new
        return parts


def state_of(row: Mapping[str, Any]) -> BrandState:
    """The brand state a table row holds (whether or not its window is encoded).

    Args:
        row: a brand's table row.
    """
    return BrandState.from_dict(plain(row))


def plain(d: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as ``BrandState.to_dict`` gives it: its own ``meta``, the window's
    buckets decoded if the row holds them encoded (:meth:`RowCache.row`).

    Args:
        d: a brand's table row (written here, or read from the changelog).
    """
    out = dict(d)
    out["meta"] = copy_meta(d.get("meta") or {})
    window = out.get("window")
    if not isinstance(window, Mapping):
        return out
    buckets = window.get("buckets")
    if isinstance(buckets, orjson.Fragment) or (
            isinstance(buckets, list) and any(isinstance(b, orjson.Fragment) for b in buckets)):
        # a fragment gives its bytes only through an encoder (rare: a state reloaded)
        out["window"] = {**window, "buckets": orjson.loads(TABLE_CODEC.dumps(buckets))}
    return out


def copy_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """``meta`` with its own copies of the lists a state changes in place.

    Args:
        meta: a state's ``meta``.
    """
    out = dict(meta)
    for key in ("ids", "outbox", "overrides"):
        if key in out and isinstance(out[key], list):
            out[key] = list(out[key])
    return out
