"""Plain questions: asking a brand for information is not complaining.

The English training posts are general tweets, where a question often carries a
complaint or irony ("does it ever work?"), so the learned model reads the shape of
a question ("does", "when", "?") as leaning negative, and a customer's plain
question ("Does the hotel have parking for guests?") can come out ``neg``.

A *plain question* here is one sentence that ends in ``?``, opens (after any
handles, hashtags or masked brand names) with an auxiliary or a wh-word other than
"why", and holds no negator and no word of VADER valence -1 or below. The scorer
(English only, like the complaint layer) also requires that no complaint phrase
matched; such a post is never labelled ``neg``. "Why …?" questions, questions with
"not"/"n't", and questions with negative words ("Is anyone actually reading
these?", "Why does it take 45 minutes…?") are left to the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

OPENERS = frozenset(
    "what when where which who whom whose how is are am was were do does did can could "
    "will would shall should may might have has had".split()
)
NO_WORDS = frozenset("no not never nobody nothing none nowhere neither nor".split())
NEGATIVE_WORD = -1.0  # a word at or below this VADER valence is negative evidence
_LEAD_RE = re.compile(r"^(?:\s|[@#][\w.]+|_brand_|[:,;-])*([A-Za-z]+)")
_STOPS = frozenset(".!?")
__all__ = ["is_plain_question"]


def is_plain_question(text: str, lowered: list[str], lexicon: Mapping[str, float],
                      negators: frozenset[str]) -> bool:
    """Whether ``text`` is a plain information question (see the module docstring).

    Args:
        text: the post.
        lowered: its tokens (:func:`detectors.sentiment.rules.tokenize`), lower-cased.
        lexicon: word -> valence (VADER's English lexicon).
        negators: words that negate ("cannot", "doesnt"…; "no", "not", "never" and
            :data:`NO_WORDS` always do).
    """
    if not text.rstrip().endswith("?"):
        return False
    lead = _LEAD_RE.match(text)
    if lead is None or lead.group(1).lower() not in OPENERS:
        return False
    end = len(lowered)
    while end and lowered[end - 1] == "?":
        end -= 1
    for tok in lowered[:end]:
        if tok in _STOPS or tok in negators or tok in NO_WORDS or "n't" in tok:
            return False
        valence = lexicon.get(tok)
        if valence is not None and valence <= NEGATIVE_WORD:
            return False
    return True
