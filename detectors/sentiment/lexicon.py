"""Per-language sentiment lexicons loaded from the data files in ``lexicons/``.

A lexicon maps lower-cased tokens to what the rule engine needs: a valence on
VADER's -4..+4 scale, a modifier kind (negator, booster, contrast, punctuation)
and the multi-word phrases that may start at the token. Entries ending in ``*``
are stems: they match any token that starts with them, and the longest
matching entry wins, so ``hyvä*`` reads ``hyvää``/``hyvän`` while a more
specific ``hyväksy*`` (valence 0) blocks the false match. Token resolutions
are memoised, so inflection handling costs one dict lookup per repeated token.

File formats (UTF-8, ``#`` starts a comment, fields separated by a tab):

* ``<lang>/valence.tsv`` and ``<lang>/complaints.tsv``: ``term  valence``;
  a term with spaces is a phrase whose elements are words, stems (``x*``),
  ``_`` (any one token) or ``~`` (a gap of zero to three tokens).
* ``<lang>/modifiers.tsv``: ``term  kind  value`` with kind one of
  ``negator`` (value 1: may also follow its word, as German "nicht"),
  ``booster`` (value = VADER-style scalar, negative to dampen),
  ``contrast`` ("but") or ``negprefix`` (a prefix such as Latvian ``ne``).
* ``<lang>/imported.tsv`` (optional): ``term  valence`` converted from a published
  lexicon (``benchmarks/import_lexicon.py``; French: vaderSentiment-fr, MIT). Its
  entries only fill words the hand-written files do not cover (neither an entry nor
  one of their stems), and they do not count as the language's own words for
  language ID.
* ``emoji.tsv``: ``emoji-or-emoticon  valence``, shared by every language.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"
MIN_STEM = 3
MEMO_LIMIT = 200_000
_DIGITS = frozenset("0123456789")

WORD, NEGATOR, BOOSTER, CONTRAST, PUNCT = 0, 1, 2, 3, 4
KINDS = {"negator": NEGATOR, "booster": BOOSTER, "contrast": CONTRAST}
NOTHING = (0.0, WORD, 0.0, ())  # the Info of a token no entry covers

Pattern = tuple[str, ...]
Phrase = tuple[Pattern, float]  # elements after the first one, valence
Info = tuple[float, int, float, tuple[Phrase, ...]]  # valence, kind, scalar, phrases


def read_rows(path: Path) -> Iterable[list[str]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            yield [field.strip() for field in line.split("\t")]


def _valence(path: Path, row: list[str]) -> float:
    try:
        value = float(row[1])
    except (IndexError, ValueError):
        raise ValueError(f"{path}: bad row {row!r}") from None
    if not -4.0 <= value <= 4.0:
        raise ValueError(f"{path}: valence outside -4..4 in {row!r}")
    return value


class Lexicon:
    """The tables of one language, merged with shared emoji and any mix-ins.

    Args:
        lang: ISO 639-1 code; its files live in ``lexicons/<lang>/``.
        mixins: other lexicons whose entries fill gaps (the language's own win).
        directory: where the data files live (tests may point elsewhere).
        emoji: whether to include the shared emoji and emoticon table.
        files: which term files of the language to read.
        imported: whether to read ``imported.tsv`` after them (gaps only).
    """

    def __init__(
        self,
        lang: str,
        mixins: tuple[Lexicon, ...] = (),
        directory: Path = LEXICON_DIR,
        emoji: bool = True,
        files: tuple[str, ...] = ("valence.tsv", "complaints.tsv"),
        imported: bool = True,
    ) -> None:
        self.lang = lang
        self.words: dict[str, float] = {}
        self.stems: dict[str, float] = {}
        self.modifiers: dict[str, tuple[int, float]] = {}
        self.neg_prefixes: tuple[str, ...] = ()
        self.phrase_words: dict[str, list[Phrase]] = {}
        self.phrase_stems: dict[str, list[Phrase]] = {}
        self._prefixes: frozenset[str] | None = None  # of stems, built on first use
        self._phrase_prefixes: frozenset[str] | None = None
        for mixin in mixins:
            self._merge(mixin)
        if emoji:
            for row in read_rows(directory / "emoji.tsv"):
                self.words[row[0].lower()] = _valence(directory / "emoji.tsv", row)
        base = directory / lang
        self.own_words: set[str] = set()
        for name in files:
            for row in read_rows(base / name):
                self.add(row[0], _valence(base / name, row))
                if " " not in row[0] and not row[0].endswith("*"):
                    self.own_words.add(row[0].lower())
        if imported:
            own = Lexicon(lang, directory=directory, emoji=False, files=files, imported=False)
            for row in read_rows(base / "imported.tsv"):
                if not own._covered(row[0].lower()):
                    self.add(row[0], _valence(base / "imported.tsv", row))
        prefixes = list(self.neg_prefixes)
        for row in read_rows(base / "modifiers.tsv"):
            term, kind = row[0].lower(), row[1] if len(row) > 1 else ""
            if kind == "negprefix":
                prefixes.append(term)
            elif kind in KINDS:
                scalar = float(row[2]) if len(row) > 2 and row[2] else 0.0
                self.modifiers[term] = (KINDS[kind], scalar)
            else:
                raise ValueError(f"{base / 'modifiers.tsv'}: unknown kind in {row!r}")
        self.neg_prefixes = tuple(dict.fromkeys(prefixes))
        self._memo: dict[str, Info] = {}

    def _merge(self, other: Lexicon) -> None:
        # Modifiers stay per language: English "no" is Latvian "from".
        self._prefixes = self._phrase_prefixes = None
        self.words.update(other.words)
        self.stems.update(other.stems)
        for key, phrases in other.phrase_words.items():
            self.phrase_words.setdefault(key, []).extend(phrases)
        for key, phrases in other.phrase_stems.items():
            self.phrase_stems.setdefault(key, []).extend(phrases)

    def add(self, term: str, valence: float) -> None:
        """Add one entry: a word, a stem (``x*``) or a phrase (words with spaces).

        Args:
            term: the entry as written in a data file.
            valence: its valence on VADER's -4..+4 scale.
        """
        parts = term.lower().split()
        if not parts:
            raise ValueError("empty lexicon term")
        self._prefixes = self._phrase_prefixes = None
        head = parts[0]
        if len(parts) == 1:
            if head.endswith("*") and len(head) > 1:
                self.stems[head[:-1]] = valence
            else:
                self.words[head] = valence
            return
        if head in ("_", "~"):
            raise ValueError(f"phrase must start with a word or stem: {term!r}")
        phrase: Phrase = (tuple(parts[1:]), valence)
        if head.endswith("*"):
            self.phrase_stems.setdefault(head[:-1], []).append(phrase)
        else:
            self.phrase_words.setdefault(head, []).append(phrase)

    @property
    def size(self) -> int:
        """How many words, stems and phrases the lexicon holds."""
        phrases = sum(len(v) for v in self.phrase_words.values())
        phrases += sum(len(v) for v in self.phrase_stems.values())
        return len(self.words) + len(self.stems) + phrases

    def valence_of(self, token: str) -> float:
        """Valence of a lower-cased token: exact entry, else the longest stem."""
        value = self.words.get(token)
        if value is not None:
            return value
        stems = self.stems
        best = 0.0
        for end in self._prefix_ends(token, self._stem_prefixes()):
            value = stems.get(token[:end])
            if value is not None:
                best = value  # longer matches come later: the longest wins
        return best

    def _stem_prefixes(self) -> frozenset[str]:
        """Every prefix (of at least :data:`MIN_STEM` letters) of a stem."""
        if self._prefixes is None:
            self._prefixes = _prefixes_of(self.stems)
        return self._prefixes

    def _phrase_stem_prefixes(self) -> frozenset[str]:
        """Every prefix (of at least :data:`MIN_STEM` letters) of a phrase-head stem."""
        if self._phrase_prefixes is None:
            self._phrase_prefixes = _prefixes_of(self.phrase_stems)
        return self._phrase_prefixes

    @staticmethod
    def _prefix_ends(token: str, prefixes: frozenset[str]) -> list[int]:
        """Lengths ``end`` (shortest first) for which ``token[:end]`` may be an entry.

        Walks up from :data:`MIN_STEM` letters while ``token[:end]`` is still the
        prefix of some entry, so a token that starts like no entry costs one lookup
        instead of one per length.
        """
        ends = []
        for end in range(MIN_STEM, len(token) + 1):
            if token[:end] not in prefixes:
                break
            ends.append(end)
        return ends

    def _covered(self, term: str) -> bool:
        """Whether an entry of this lexicon (a word, a stem, a phrase head) covers ``term``."""
        head = term.split()[0]
        if head in self.words or head in self.phrase_words:
            return True
        return any(head[:end] in self.stems or head[:end] in self.phrase_stems
                   for end in range(len(head), MIN_STEM - 1, -1))

    def info(self, token: str) -> Info:
        """Everything the rule engine needs about one lower-cased token (memoised)."""
        found = self._memo.get(token)
        if found is None:
            found = self._resolve(token)
            if found == NOTHING and (token[:1] in ("@", "#") or not _DIGITS.isdisjoint(token)):
                # handles, tags and anything with a digit (order numbers, times, "#4711"):
                # mostly seen once, so memoising them only fills the memo (and the process)
                return found
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[token] = found
        return found

    def infos(self, tokens: list[str]) -> list[Info]:
        """:meth:`info` of each lower-cased token (the memo read inline: the hot path)."""
        memo = self._memo
        info = self.info
        return [memo.get(t) or info(t) for t in tokens]

    def _resolve(self, token: str) -> Info:
        if "’" in token:
            token = token.replace("’", "'")
        heads = self.phrase_words.get(token)
        ends = self._prefix_ends(token, self._phrase_stem_prefixes())
        found: tuple[Phrase, ...] = ()
        if heads is not None or ends:  # most tokens start no phrase
            phrases = list(heads or ())
            for end in reversed(ends):
                phrases.extend(self.phrase_stems.get(token[:end], ()))
            phrases.sort(key=lambda p: -len(p[0]))
            found = tuple(phrases)
        modifier = self.modifiers.get(token)
        if modifier is not None:
            return (0.0, modifier[0], modifier[1], found)
        valence = self.valence_of(token)
        if valence == 0.0 and "'" in token:
            head, _, tail = token.rpartition("'")
            if len(head) <= 3 and tail:  # French/Italian elision: l'attente, n'est
                elided = self.modifiers.get(head + "'")
                if elided is not None:
                    return (0.0, elided[0], elided[1], found)
                tail_info = self.info(tail)
                return (tail_info[0], tail_info[1], tail_info[2], found + tail_info[3])
        if valence == 0.0:
            for prefix in self.neg_prefixes:
                if token.startswith(prefix) and len(token) - len(prefix) >= 4:
                    inner = self.valence_of(token[len(prefix):])
                    if inner > 0.0:
                        valence = -0.74 * inner
                        break
        if valence == 0.0 and len(token) == 1 and not token.isalnum():
            return (0.0, PUNCT, 0.0, found)
        return (valence, WORD, 0.0, found)


def _prefixes_of(stems: Iterable[str]) -> frozenset[str]:
    """Every prefix of at least :data:`MIN_STEM` letters of each of ``stems``."""
    return frozenset(stem[:end] for stem in stems for end in range(MIN_STEM, len(stem) + 1))


def available_languages(directory: Path = LEXICON_DIR) -> tuple[str, ...]:
    """Languages that have a ``valence.tsv`` in the lexicon directory."""
    return tuple(sorted(p.parent.name for p in directory.glob("*/valence.tsv")))
