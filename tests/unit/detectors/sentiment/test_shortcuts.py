"""The scorer's shortcuts give the plain algorithms' answers exactly.

The memoised py3langid walk, the memoised vote, the Latin-letter shortcut of the
script check and the lexicon's prefix walk for the longest stem.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.sentiment.langid import (
    _HINT_RE,
    CHAR_VOTES,
    DETECTABLE_LANGUAGES,
    SUFFIX_HINTS,
    SUFFIX_WEIGHT,
    Py3LangId,
    Votes,
    default_detector,
)
from detectors.sentiment.lexicon import MIN_STEM, Lexicon

SCORED = frozenset({"en", "fi", "sv", "fr", "nl", "lv", "de", "es"})
TEXTS = [
    "Tämä on ihan hyvä", "Das ist nicht gut", "esto es terrible", "ok", "c'est nul", "",
    "   ", "ABC DEF GHI", "dit werkt niet  niet niet", "det här fungerar inte", "to nav labi",
    "Noudata siis neuvoani.", "jag kan inte finska😭", "Kafija labāka", "123 456",
    "De geselecteerde wijn was SU-PER!", "the the the the", "Ça ne marche pas du tout !",
]


def reference_prefer(ident: Any, text: str, preferred: frozenset[str], margin: float) -> str:
    """py3langid's ``rank`` and the preference rule as first written (the specification)."""
    ranked = ident.rank(text)
    top, top_score = ranked[0]
    if top in preferred:
        return str(top)
    for lang, score in ranked:
        if lang in preferred:
            return str(lang) if top_score - score < margin else str(top)
    return str(top)


@pytest.fixture(scope="module")
def py3() -> Py3LangId:
    return Py3LangId(DETECTABLE_LANGUAGES)


class TestMemoisedWalk:
    @pytest.mark.parametrize("margin", [0.0, 5.0, 1e9])
    @pytest.mark.parametrize("preferred", [SCORED, frozenset({"fi"}), frozenset()])
    def test_prefer_equals_py3langid_rank(self, py3: Py3LangId, preferred: frozenset[str],
                                          margin: float) -> None:
        """Cold and from the walk memo, the choice is the one py3langid's own ranking gives."""
        for _ in range(2):
            for text in TEXTS:
                assert py3.prefer(text, preferred, margin) == reference_prefer(
                    py3._ident, text, preferred, margin), text

    def test_scores_equal_py3langid_scores(self, py3: Py3LangId) -> None:
        """The class scores are py3langid's to the last bit (same features, same order)."""
        for text in TEXTS:
            expected = py3._ident._decide(text).tolist()
            assert py3._scores(text) == expected, text

    @settings(max_examples=200, deadline=None)
    @given(text=st.text(alphabet=st.sampled_from("aeiouäöåñ tnrslkm.,!ß"), max_size=60))
    def test_any_text(self, py3: Py3LangId, text: str) -> None:
        """Random texts over letters of several alphabets give py3langid's answer."""
        assert py3.prefer(text, SCORED, 5.0) == reference_prefer(py3._ident, text, SCORED, 5.0)


def reference_vote(words: dict[str, Votes], lowered: list[str]) -> tuple[str | None, float, float]:
    """The vote as first written: letters, then the word or its ending, added token by token."""
    suffixes = {end: tuple((lang, SUFFIX_WEIGHT / len(langs)) for lang in langs)
                for end, langs in SUFFIX_HINTS.items()}
    votes: dict[str, float] = {}
    for low in lowered:
        if not low.isascii():
            for ch in _HINT_RE.findall(low):
                for lang, weight in CHAR_VOTES[ch]:
                    votes[lang] = votes.get(lang, 0.0) + weight
        hit = words.get(low)
        if hit is None:
            if len(low) < 5:
                continue
            hit = suffixes.get(low[-3:]) or suffixes.get(low[-2:])
            if hit is None:
                continue
        if isinstance(hit, str):
            votes[hit] = votes.get(hit, 0.0) + 1.0
        else:
            for lang, weight in hit:
                votes[lang] = votes.get(lang, 0.0) + weight
    ranked = sorted(votes.items(), key=lambda item: -item[1])  # stable: the first-seen wins ties
    if not ranked or ranked[0][1] <= 0.0:
        return None, 0.0, 0.0
    return ranked[0][0], ranked[0][1], ranked[1][1] if len(ranked) > 1 else 0.0


def test_memoised_vote_equals_the_token_by_token_vote() -> None:
    """Votes memoised per token add up to the same totals, in the same order, as before."""
    detector = default_detector({"fi": ["hyvä", "huono"], "de": ["gut"], "sv": ["bra"]})
    for _ in range(2):
        for text in TEXTS:
            lowered = text.lower().split()
            assert detector.vote(lowered) == reference_vote(detector._words, lowered), text


def test_latin_shortcut_agrees_with_the_script_lookup() -> None:
    """Letters the script check takes as Latin without a lookup are Latin by their Unicode name."""
    from detectors.sentiment.script import _LATIN_LETTERS, _script, script_language

    assert {_script(ch) for ch in _LATIN_LETTERS} == {"LATIN"}
    assert "ā" in _LATIN_LETTERS and "ß" in _LATIN_LETTERS and "µ" not in _LATIN_LETTERS
    assert script_language("Ļoti slikti, ß, ñ, åäö") == (True, None)
    assert script_language("Очень плохо ß") == (False, "ru")


def reference_valence(lexicon: Lexicon, token: str) -> float:
    """The longest-stem rule as first written: every length from the token's own down."""
    value = lexicon.words.get(token)
    if value is not None:
        return value
    for end in range(len(token), MIN_STEM - 1, -1):
        value = lexicon.stems.get(token[:end])
        if value is not None:
            return value
    return 0.0


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    """Finnish with a few made-up stems nested in each other."""
    lexicon = Lexicon("fi")
    for term, valence in (("hyvä*", 2.0), ("hyväksy*", 0.0), ("hyväksyttävä*", -1.0),
                          ("ab*", 3.0), ("abcd*", -2.0), ("huono on*", -2.5)):
        lexicon.add(term, valence)
    return lexicon


class TestStemPrefixWalk:
    @pytest.mark.parametrize("token", ["hyvää", "hyväksyn", "hyväksyttävää", "hyv", "hy", "abc",
                                       "abcde", "abcd", "ab", "huonoa", "x", ""])
    def test_longest_stem_wins(self, lexicon: Lexicon, token: str) -> None:
        """The prefix walk finds the same longest stem as trying every length."""
        assert lexicon.valence_of(token) == reference_valence(lexicon, token)

    @settings(max_examples=300, deadline=None)
    @given(token=st.text(alphabet="abcdhyväksttuon", max_size=14))
    def test_any_token(self, lexicon: Lexicon, token: str) -> None:
        """Random tokens over the stems' letters agree with the plain rule."""
        assert lexicon.valence_of(token) == reference_valence(lexicon, token)

    def test_prefixes_follow_added_stems(self) -> None:
        """A stem added after a lookup is found (the prefix set is rebuilt)."""
        lexicon = Lexicon("sv")
        assert lexicon.valence_of("zzqxkaos") == 0.0
        lexicon.add("zzqx*", -3.0)
        assert lexicon.valence_of("zzqxkaos") == -3.0


def test_one_off_tokens_are_resolved_but_not_memoised() -> None:
    """Handles, tags and tokens with digits that no entry covers are not memoised (each
    is mostly seen once: they only filled the memo), and resolve as before; covered
    words and emoticons with digits still are."""
    lex = Lexicon("en")
    one_off = ["#4711", "@someone", "order123", "12:30", "#brandfail2026"]
    for token in one_off:
        assert lex.info(token) == lex._resolve(token)
    assert not set(one_off) & set(lex._memo)
    for token in ("terrible", "</3", "great"):
        assert lex.info(token) == lex._resolve(token)
        assert token in lex._memo
    assert lex.info("</3")[0] < 0
