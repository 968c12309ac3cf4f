"""A text bank of real, human-labelled posts for the realistic simulator.

The bank reads ``<dir>/<lang>.jsonl`` files, one JSON object a line with
``id``, ``lang``, ``text`` and ``label`` (``neg`` | ``neu`` | ``pos``). The
folder is, in order of precedence: the ``path`` argument, the
``FIREBREAK_SENTIMENT_DATA`` environment variable, ``../shared/data/sentiment``
next to the repository root.

Which items are used: by default a fixed HALF of every file, the items whose
``id`` hashes (CRC-32 of its UTF-8 bytes) to an even number
(:func:`in_simulator_half`). A caller that knows a scorer's held-out split
passes its ids (``load_bank(ids=...)``) and gets only those: texts the scorer
never trained on, so its real mistakes reach the detector (the realistic
benchmark draws from the learned scorer's dev split this way).

A language without a label (the Finnish files have no neutral class) borrows
that label's texts from English; :meth:`TextBank.pick` says nothing about it,
:attr:`TextBank.borrowed` lists it. Literal ``\\uXXXX`` escapes left in some
source texts (``\\u002c`` for a comma) are decoded.
"""

from __future__ import annotations

import json
import os
import random
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from detectors.errors import FirebreakError

DATA_ENV = "FIREBREAK_SENTIMENT_DATA"
LABELS = ("neg", "neu", "pos")
FALLBACK_LANG = "en"
_REPO_ROOT = Path(__file__).resolve().parents[2]
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


class TextDataMissing(FirebreakError, FileNotFoundError):
    """The folder of labelled posts (or a file in it) is not there; the message names the path."""


def default_dir() -> Path:
    """The folder of labelled posts: ``$FIREBREAK_SENTIMENT_DATA`` or ``../shared/data/sentiment``."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    return _REPO_ROOT.parent / "shared" / "data" / "sentiment"


def in_simulator_half(item_id: str) -> bool:
    """Whether the item with ``item_id`` belongs to the simulator's half (CRC-32 even).

    Args:
        item_id: the ``id`` field of a labelled post.
    """
    return zlib.crc32(item_id.encode("utf-8")) % 2 == 0


@dataclass(frozen=True)
class TextBank:
    """Real texts by language and label.

    Args:
        texts: ``{lang: {label: (text, ...)}}``.
        borrowed: ``(lang, label)`` pairs filled from :data:`FALLBACK_LANG`.
    """

    texts: dict[str, dict[str, tuple[str, ...]]]
    borrowed: tuple[tuple[str, str], ...] = field(default=())

    @property
    def langs(self) -> tuple[str, ...]:
        """Languages in the bank, sorted."""
        return tuple(sorted(self.texts))

    def pick(self, rnd: random.Random, lang: str, label: str) -> str:
        """One text of ``label`` in ``lang`` (English when the language is not in the bank).

        Args:
            rnd: the caller's seeded random source.
            lang: ISO 639-1 code.
            label: ``neg``, ``neu`` or ``pos``.
        """
        bank = self.texts.get(lang) or self.texts[FALLBACK_LANG]
        return rnd.choice(bank[label])

    def count(self, lang: str, label: str) -> int:
        """How many texts of ``label`` the bank holds for ``lang``."""
        return len(self.texts.get(lang, {}).get(label, ()))


def read_half(path: Path, ids: frozenset[str] | None = None) -> dict[str, list[str]]:
    """Texts by label from one ``<lang>.jsonl`` file, in file order.

    Args:
        path: the file.
        ids: keep only these items (``None``: the simulator half, CRC-32 even).

    Raises:
        TextDataMissing: the file does not exist.
        ValueError: a line is not a JSON object with ``id``, ``text`` and a known ``label``.
    """
    if not path.is_file():
        raise TextDataMissing(f"{path}: labelled posts not found")
    out: dict[str, list[str]] = {label: [] for label in LABELS}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                item_id, text, label = str(item["id"]), str(item["text"]), item["label"]
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a labelled post ({exc})") from None
            if label not in out:
                raise ValueError(f"{path}:{number}: unknown label {label!r}")
            keep = in_simulator_half(item_id) if ids is None else item_id in ids
            if text.strip() and keep:
                out[label].append(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    return out


def load_bank(path: str | Path | None = None, langs: tuple[str, ...] | None = None,
              ids: frozenset[str] | None = None) -> TextBank:
    """Load (once per folder, language set and id set) labelled posts.

    Args:
        path: the folder; :func:`default_dir` when ``None``.
        langs: languages to load; every ``*.jsonl`` in the folder when ``None``.
        ids: the items to use (e.g. a scorer's held-out split); ``None``: the
            simulator half (:func:`in_simulator_half`).

    Raises:
        TextDataMissing: the folder, a requested language or the English fallback is missing.
    """
    folder = Path(path) if path is not None else default_dir()
    return _load(folder.resolve(), tuple(sorted(langs)) if langs is not None else None, ids)


@lru_cache(maxsize=8)
def _load(folder: Path, langs: tuple[str, ...] | None, ids: frozenset[str] | None) -> TextBank:
    if not folder.is_dir():
        raise TextDataMissing(
            f"{folder}: folder of labelled posts not found (set {DATA_ENV} or pass its path)")
    wanted = langs if langs is not None else tuple(sorted(p.stem for p in folder.glob("*.jsonl")))
    wanted = tuple(dict.fromkeys((*wanted, FALLBACK_LANG)))
    raw = {lang: read_half(folder / f"{lang}.jsonl", ids) for lang in wanted}
    borrowed: list[tuple[str, str]] = []
    texts: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang, by_label in raw.items():
        texts[lang] = {}
        for label in LABELS:
            got = by_label[label]
            if not got:
                got = raw[FALLBACK_LANG][label]
                borrowed.append((lang, label))
            if not got:
                raise TextDataMissing(f"{folder / (FALLBACK_LANG + '.jsonl')}: no {label!r} texts")
            texts[lang][label] = tuple(got)
    return TextBank(texts, tuple(borrowed))
