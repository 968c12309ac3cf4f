"""Condolence posts: comfort emoji must not turn grief into praise.

"Vila i frid 🙏❤️" or "RIP, so sad 🙏" uses 🙏 and hearts as sympathy, while the
emoji lexicon (and the learned model's training posts) read them as positive.
When a post carries a grief marker in any audience language, :func:`drop_comfort`
removes those emoji before scoring, so the words decide.
"""

from __future__ import annotations

import re

GRIEF_RE = re.compile(
    r"\b(?:r\.?i\.?p|rest in peace|condolences?|thoughts and prayers|sympathies|"
    r"vila i frid|kondoleanser|beklagar sorgen|lepää rauhassa|lepo rauhassa|osanotto\w*|"
    r"repose en paix|condoléances|rust zacht|rust in vrede|gecondoleerd|deelneming|"
    r"ruhe in frieden|beileid|descanse en paz|descansa en paz|condolencias|"
    r"dus ar mieru|līdzjūtīb\w*|izsaku līdzjūtību)\b"
    r"|🕯|🥀|💐|🖤",
    re.IGNORECASE,
)
COMFORT = frozenset("🙏❤♥💙💚💛💜🤍🧡💕💗💖🫶🤗")
_COMFORT_RE = re.compile("[" + "".join(sorted(COMFORT)) + "]\ufe0f?")
__all__ = ["COMFORT", "drop_comfort", "is_comforting_grief", "is_condolence"]


def is_condolence(text: str) -> bool:
    """Whether ``text`` carries a grief marker (RIP, condolences, vila i frid, 🕯 …)."""
    return GRIEF_RE.search(text) is not None


def is_comforting_grief(text: str) -> bool:
    """Whether ``text`` is a condolence post that carries comfort emoji (cheap when it has none)."""
    return not text.isascii() and _COMFORT_RE.search(text) is not None and is_condolence(text)


def drop_comfort(text: str) -> str:
    """``text`` without its comfort emoji when it is a condolence post, else ``text`` itself.

    Args:
        text: the post.
    """
    if text.isascii() or not is_condolence(text):  # every comfort emoji is non-ASCII
        return text
    return _COMFORT_RE.sub(" ", text)
