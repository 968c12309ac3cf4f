"""Writing-system checks for language identification.

Every scored language is written in Latin letters, so a post written mostly in
another script (Japanese, Chinese, Cyrillic, Arabic…) must come back
``unscored`` rather than neutral under a wrongly guessed Latin-script language.
:func:`strip_non_linguistic` removes what must not vote on a post's language:
``@handles``, URLs and ``#hashtags``; :func:`language_text` keeps the hashtags'
words when nothing else is left ("#FickDichMückenstich 😂").
"""

from __future__ import annotations

import re
import unicodedata

# Script (first word of the Unicode character name) -> the ISO 639-1 code it most
# likely means. Kana beats CJK: Japanese text mixes kanji with kana.
SCRIPT_LANGUAGES = {
    "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "zh", "HANGUL": "ko", "CYRILLIC": "ru",
    "ARABIC": "ar", "GREEK": "el", "HEBREW": "he", "THAI": "th", "DEVANAGARI": "hi",
    "ARMENIAN": "hy", "GEORGIAN": "ka", "BENGALI": "bn", "TAMIL": "ta",
}
_NON_LINGUISTIC_RE = re.compile(r"(?:https?://|www\.)\S+|[@#][\w.]+", re.IGNORECASE)
_LINKS_RE = re.compile(r"(?:https?://|www\.)\S+|@[\w.]+", re.IGNORECASE)
_NON_ASCII_LETTER_RE = re.compile(r"[^\x00-\x7f\W\d_]")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
_script_of: dict[str, str] = {}
# Accented letters of Latin alphabets (Latin-1 to Latin Extended-B, U+00C0-U+024F): a post
# whose non-ASCII letters are all among them is Latin without a name lookup per letter.
_LATIN_LETTERS = frozenset(
    ch for ch in map(chr, range(0xC0, 0x250))
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")
)
__all__ = [
    "SCRIPT_LANGUAGES", "dominant_script", "language_text", "script_language", "strip_non_linguistic",
]


def strip_non_linguistic(text: str) -> str:
    """``text`` without URLs, ``@handles`` and ``#hashtags`` (they name things, not a language)."""
    if "@" in text or "#" in text or "http" in text or "www." in text:
        return _NON_LINGUISTIC_RE.sub(" ", text)
    return text


def language_text(text: str) -> str:
    """The part of ``text`` that votes on its language.

    :func:`strip_non_linguistic`; when that leaves no letter, the hashtags' words
    (without ``#``) vote, but never handles or URLs.
    """
    stripped = strip_non_linguistic(text)
    if stripped is text or "#" not in text or any(ch.isalpha() for ch in stripped):
        return stripped
    return _LINKS_RE.sub(" ", text).replace("#", " ")


def _script(ch: str) -> str:
    found = _script_of.get(ch)
    if found is None:
        name = unicodedata.name(ch, "")
        found = name.split(" ", 1)[0] if name else "UNKNOWN"
        if len(_script_of) < 20_000:
            _script_of[ch] = found
    return found


def dominant_script(text: str) -> str | None:
    """The script of most letters of ``text`` (``"LATIN"``, ``"CYRILLIC"``…), ``None`` without letters.

    Args:
        text: the post (strip handles and URLs first, see :func:`strip_non_linguistic`).
    """
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = "LATIN" if ch.isascii() else _script(ch)
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    if counts.get("HIRAGANA", 0) + counts.get("KATAKANA", 0) and "CJK" in counts:
        counts["HIRAGANA"] = counts.pop("CJK") + counts.get("HIRAGANA", 0)
    return max(counts, key=lambda s: counts[s])


def script_language(text: str) -> tuple[bool, str | None]:
    """Whether ``text`` is mostly in Latin letters, and the language its script suggests otherwise.

    Args:
        text: the post with handles, URLs and hashtags already stripped.

    Returns:
        ``(True, None)`` for Latin script or no letters at all; ``(False, code)``
        otherwise, ``code`` from :data:`SCRIPT_LANGUAGES` or ``None``.
    """
    if text.isascii():
        return True, None
    letters = _NON_ASCII_LETTER_RE.findall(text)
    if _LATIN_LETTERS.issuperset(letters):
        return True, None  # only accented Latin letters
    others = [ch for ch in letters if _script(ch) != "LATIN"]
    if not others or len(others) * 2 < len(_ASCII_LETTER_RE.findall(text)):
        return True, None  # accents of Latin alphabets, or a few foreign letters among Latin ones
    script = dominant_script(text)
    if script is None or script == "LATIN":
        return True, None
    return False, SCRIPT_LANGUAGES.get(script)
