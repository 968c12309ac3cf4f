"""Negative mentions waiting for the brand's answer: a small reducer kept in each brand's state.

    watch = ReplyWatch()
    watch.negative("m1", ts)        # a negative mention by someone else
    watch.answer("m1", ts2)         # a post by one of the brand's handles, in_reply_to="m1"
    watch.unanswered(now)           # negatives older than an hour that nobody answered

Event time only: nothing here reads a clock. Bounded and compact, so it can live
in the brand's state (and its changelog):

* ids are kept as 48-bit hashes with their event time in whole seconds;
* at most ``limit`` negatives wait. When full, a new one is not tracked (and is
  counted in ``overflow``) rather than forgetting an older one, so the count
  saturates at ``limit`` instead of dropping to zero in a flood;
* a reply can be processed before the mention it answers (they may travel on
  different partitions), so the last ``limit`` reply targets not yet seen are
  remembered too;
* entries more than ``keep`` seconds older than the newest event seen are
  forgotten: a negative is counted as unanswered for at most a day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

ANSWER_WITHIN = 3600.0
KEEP = 86_400.0
LIMIT = 500


def id_hash(mention_id: str) -> int:
    """A stable 48-bit hash of a mention id (JSON-safe integer).

    Args:
        mention_id: the id.
    """
    digest = hashlib.blake2b(mention_id.encode("utf-8", "surrogatepass"), digest_size=6).digest()
    return int.from_bytes(digest, "big")


@dataclass(slots=True)
class ReplyWatch:
    """The brand's negative mentions without an answer yet, and recent answers.

    Args:
        waiting: id hash -> event time (s) of each negative mention not yet answered.
        replied: id hash -> event time (s) of replies whose mention was not seen yet.
        latest: the newest event time seen (s).
        overflow: negatives not tracked because ``limit`` were already waiting.
        limit: most entries kept in ``waiting`` and in ``replied``.
        keep: seconds after which an entry is forgotten.
    """

    waiting: dict[int, int] = field(default_factory=dict)
    replied: dict[int, int] = field(default_factory=dict)
    latest: int | None = None
    overflow: int = 0
    limit: int = LIMIT
    keep: float = KEEP

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"limit must be at least 1, got {self.limit}")
        if self.keep <= 0:
            raise ValueError(f"keep must be positive, got {self.keep}")

    def negative(self, mention_id: str, ts: float) -> None:
        """A negative mention by someone else: it now waits for an answer.

        Args:
            mention_id: its id.
            ts: its event time (POSIX seconds).
        """
        h, t = id_hash(mention_id), self._clock(ts)
        if self.replied.pop(h, None) is not None or h in self.waiting:
            return  # answered before we saw it, or seen already
        cutoff = self._cutoff()
        if t < cutoff:
            return  # older than anything still counted
        _forget(self.waiting, cutoff)
        if len(self.waiting) >= self.limit:
            self.overflow += 1
            return
        self.waiting[h] = t

    def answer(self, mention_id: str, ts: float) -> bool:
        """One of the brand's handles replied to ``mention_id``.

        Args:
            mention_id: the ``in_reply_to`` of the brand's post.
            ts: the reply's event time (POSIX seconds).

        Returns:
            Whether a waiting negative mention was answered.
        """
        h, t = id_hash(mention_id), self._clock(ts)
        if self.waiting.pop(h, None) is not None:
            return True
        _forget(self.replied, self._cutoff())
        if len(self.replied) >= self.limit:
            del self.replied[next(iter(self.replied))]
        self.replied[h] = t
        return False

    def unanswered(self, now: float, after: float = ANSWER_WITHIN) -> int:
        """How many negatives have waited at least ``after`` seconds (and less than ``keep``).

        Args:
            now: the stream's event-time clock (POSIX seconds).
            after: the answer time allowed.
        """
        return sum(1 for t in self.waiting.values() if after <= now - t < self.keep)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``[hash, seconds]`` pairs in arrival order."""
        return {"waiting": [[h, t] for h, t in self.waiting.items()],
                "replied": [[h, t] for h, t in self.replied.items()],
                "latest": self.latest, "overflow": self.overflow}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplyWatch:
        """Inverse of :meth:`to_dict` (an empty watch for ``{}``)."""
        return cls(waiting={int(h): int(t) for h, t in data.get("waiting") or ()},
                   replied={int(h): int(t) for h, t in data.get("replied") or ()},
                   latest=data.get("latest"), overflow=int(data.get("overflow") or 0))

    def _cutoff(self) -> float:
        return (self.latest or 0) - self.keep

    def _clock(self, ts: float) -> int:
        t = int(ts)
        if self.latest is None or t > self.latest:
            self.latest = t
        return t


def _forget(entries: dict[int, int], cutoff: float) -> None:
    """Drop entries older than ``cutoff`` from the front (entries arrive roughly in time order)."""
    while entries:
        first = next(iter(entries))
        if entries[first] >= cutoff:
            return
        del entries[first]
