"""Plain English questions are not complaints (detectors.sentiment.questions and the scorer)."""

from __future__ import annotations

import pytest

from detectors.sentiment.questions import is_plain_question
from detectors.sentiment.rules import tokenize
from detectors.sentiment.scorer import Scorer
from detectors.sentiment.vader_fast import NEGATE

LEXICON = {"late": -1.5, "pay": -0.4, "free": 1.9}


def plain(text: str) -> bool:
    return is_plain_question(text, [t.lower() for t in tokenize(text)], LEXICON, NEGATE)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(cache_size=0)


@pytest.fixture(scope="module")
def without_rule() -> Scorer:
    """The scorer as it was before the rule: the model alone decides."""
    scorer = Scorer(cache_size=0)
    setattr(scorer, "_plain_question", lambda *args: False)  # noqa: B010 - a plain assignment fails mypy
    return scorer


class TestIsPlainQuestion:
    @pytest.mark.parametrize("text", [
        "Does the gym have lockers?", "@acme When does boarding start for flight 22?",
        "_brand_ : can I pay by card??", "how long is the warranty on refurbished phones?",
    ])
    def test_information_questions(self, text: str) -> None:
        """One sentence, an auxiliary or wh-word first, no negative word: a plain question."""
        assert plain(text)

    @pytest.mark.parametrize("text", [
        "Why is my parcel always late?",            # "why" asks for a reason: often a complaint
        "Is there no way to reach a person?",       # a negator
        "Doesn't anyone read these messages?",      # n't
        "Is the train late again?",                 # a negative word
        "Order 123 never came. Where is it?",       # two sentences
        "Thanks! When do you open?",                # two sentences
        "The lockers, do they work?",               # does not open with the question word
        "Does the gym have lockers",                # no question mark
    ])
    def test_not_plain(self, text: str) -> None:
        """Reasons, negation, negative words, several sentences and statements are left alone."""
        assert not plain(text)


class TestScorerRule:
    @pytest.mark.parametrize("text", ["Does the gym have lockers?",
                                      "Can I pay in cash on the bus?"])
    def test_plain_question_the_model_reads_negative_is_not_neg(
            self, scorer: Scorer, without_rule: Scorer, text: str) -> None:
        """A plain question the model alone labels neg comes out neu or pos, in band."""
        assert without_rule.score(text, "en").label == "neg"
        result = scorer.score(text, "en")
        assert result.label in ("neu", "pos")
        assert result.compound is not None and result.compound > -0.05
        assert result.confidence is not None and 0.0 < result.confidence <= 1.0

    def test_question_with_complaint_phrase_stays_negative(self, scorer: Scorer) -> None:
        """A complaint phrase ("charged twice") keeps a question negative."""
        assert scorer.score("Can you tell me why I was charged twice?", "en").label == "neg"

    def test_other_languages_untouched(self, scorer: Scorer, without_rule: Scorer) -> None:
        """The rule is English only."""
        text = "Hat das Fitnessstudio Schließfächer?"
        assert scorer.score(text, "de") == without_rule.score(text, "de")
