"""A sliding window of minute buckets that counts voices, not posts.

Every mention is filed under its minute. Counts are *author-capped*: one author
contributes at most ``cap`` posts to each count in the window, so one account
posting 200 angry posts weighs like two. Sums are kept incrementally, so reading
the window is O(1) and expiring a minute costs only that minute's entries.
"""

from __future__ import annotations

from collections import deque
from typing import Any

NEU, NEG, POS, UNSCORED = 0, 1, 2, 3
# per-author counters: total, scored, negative, keyword
_T, _S, _N, _K = 0, 1, 2, 3


class AuthorWindow:
    """Author-capped counts over the last ``minutes`` minutes.

    Args:
        minutes: window length.
        cap: posts per author counted in each sum.
    """

    __slots__ = (
        "minutes", "cap", "buckets", "authors", "total", "scored", "neg", "pos",
        "neg_authors", "kw_authors", "w_scored", "w_neg", "raw_total", "langs", "kw_words",
    )

    def __init__(self, minutes: int, cap: int) -> None:
        self.minutes = minutes
        self.cap = cap
        # deque of [minute, [(author, label, keyword, weight, lang), ...]]
        self.buckets: deque[list[Any]] = deque()
        self.authors: dict[int, list[int]] = {}
        self.total = 0
        self.scored = 0
        self.neg = 0
        self.pos = 0
        self.neg_authors = 0
        self.kw_authors = 0
        self.w_scored = 0.0
        self.w_neg = 0.0
        self.raw_total = 0
        self.langs: dict[str, int] = {}
        self.kw_words: dict[str, dict[int, int]] = {}  # keyword -> author -> posts

    def add(
        self, minute: int, author: int, label: int, keyword: tuple[str, ...], weight: float,
        lang: str | None,
    ) -> None:
        """File one mention under ``minute`` (which must be within the window).

        ``keyword`` holds the configured keywords the (non-positive) mention matched.
        """
        entry = (author, label, keyword, weight, lang)
        buckets = self.buckets
        if buckets and buckets[-1][0] == minute:
            bucket = buckets[-1]
            bucket[1].append(entry)
        elif not buckets or buckets[-1][0] < minute:
            bucket = [minute, [entry], 0, 0]
            buckets.append(bucket)
        else:
            bucket = self._insert_late(minute, entry)
        if label != UNSCORED:
            bucket[3] += 1
            if label == NEG:
                bucket[2] += 1
        self._count(entry, +1)

    def _insert_late(self, minute: int, entry: tuple[Any, ...]) -> list[Any]:
        for i, bucket in enumerate(self.buckets):
            if bucket[0] == minute:
                bucket[1].append(entry)
                return bucket
            if bucket[0] > minute:
                new = [minute, [entry], 0, 0]
                self.buckets.insert(i, new)
                return new
        raise AssertionError("unreachable: late minute newer than the newest bucket")

    def recent_quick(self, now_minute: int, minutes: int) -> tuple[int, int]:
        """Uncapped (negative, scored) counts over the last ``minutes`` minutes (cheap)."""
        oldest = now_minute - minutes + 1
        neg = scored = 0
        for bucket in reversed(self.buckets):
            if bucket[0] < oldest:
                break
            neg += bucket[2]
            scored += bucket[3]
        return neg, scored

    def recent(self, now_minute: int, minutes: int) -> tuple[int, int, int]:
        """Author-capped (negative, scored) counts and distinct negative authors over the
        last ``minutes`` minutes ending at ``now_minute``."""
        if not self.recent_quick(now_minute, minutes)[0]:
            return 0, 0, 0
        oldest = now_minute - minutes + 1
        per: dict[int, list[int]] = {}
        for bucket in reversed(self.buckets):
            if bucket[0] < oldest:
                break
            for author, label, *_rest in bucket[1]:
                if label == UNSCORED:
                    continue
                c = per.get(author)
                if c is None:
                    c = per[author] = [0, 0]
                c[0] += 1
                c[1] += label == NEG
        cap = self.cap
        neg = sum(min(c[1], cap) for c in per.values())
        scored = sum(min(c[0], cap) for c in per.values())
        return neg, scored, sum(1 for c in per.values() if c[1])

    def _count(self, entry: tuple[Any, ...], sign: int) -> None:
        author, label, keyword, weight, lang = entry
        counts = self.authors.get(author)
        if counts is None:
            counts = self.authors[author] = [0, 0, 0, 0]
        cap = self.cap
        if sign < 0:
            # counts before the decrement decide whether this post was counted
            if counts[_T] <= cap:
                self.total -= 1
            if label != UNSCORED:
                if counts[_S] <= cap:
                    self.scored -= 1
                    self.w_scored -= weight
                counts[_S] -= 1
            if label == NEG:
                if counts[_N] <= cap:
                    self.neg -= 1
                    self.w_neg -= weight
                if counts[_N] == 1:
                    self.neg_authors -= 1
                counts[_N] -= 1
            elif label == POS:
                self.pos -= 1
            if keyword:
                if counts[_K] == 1:
                    self.kw_authors -= 1
                counts[_K] -= 1
                self._count_words(keyword, author, -1)
            counts[_T] -= 1
            self.raw_total -= 1
            if counts[_T] == 0:
                del self.authors[author]
            if lang is not None:
                left = self.langs[lang] - 1
                if left:
                    self.langs[lang] = left
                else:
                    del self.langs[lang]
            return
        counts[_T] += 1
        self.raw_total += 1
        if counts[_T] <= cap:
            self.total += 1
        if label != UNSCORED:
            counts[_S] += 1
            if counts[_S] <= cap:
                self.scored += 1
                self.w_scored += weight
        if label == NEG:
            counts[_N] += 1
            if counts[_N] <= cap:
                self.neg += 1
                self.w_neg += weight
            if counts[_N] == 1:
                self.neg_authors += 1
        elif label == POS:
            self.pos += 1
        if keyword:
            counts[_K] += 1
            if counts[_K] == 1:
                self.kw_authors += 1
            self._count_words(keyword, author, +1)
        if lang is not None:
            self.langs[lang] = self.langs.get(lang, 0) + 1

    def _count_words(self, words: tuple[str, ...], author: int, sign: int) -> None:
        for word in words:
            per = self.kw_words.get(word)
            if per is None:
                per = self.kw_words[word] = {}
            left = per.get(author, 0) + sign
            if left > 0:
                per[author] = left
            else:
                per.pop(author, None)
                if not per:
                    del self.kw_words[word]

    def keyword_authors(self) -> dict[str, int]:
        """Distinct authors per matched keyword in the window, most first."""
        return dict(sorted(((w, len(a)) for w, a in self.kw_words.items()),
                           key=lambda kv: (-kv[1], kv[0])))

    def expire(self, now_minute: int) -> None:
        """Drop minutes that fell out of the window ending at ``now_minute``."""
        oldest = now_minute - self.minutes + 1
        buckets = self.buckets
        while buckets and buckets[0][0] < oldest:
            entries = buckets.popleft()[1]
            for entry in entries:
                self._count(entry, -1)
        if not buckets:
            self._reset_sums()

    def _reset_sums(self) -> None:
        # guards against float drift once the window is empty
        self.w_scored = 0.0
        self.w_neg = 0.0

    @property
    def empty(self) -> bool:
        """Whether the window holds no mention."""
        return not self.buckets

    @property
    def last_minute(self) -> int | None:
        """The newest minute with a mention, if any."""
        return self.buckets[-1][0] if self.buckets else None

    def to_dict(self) -> dict[str, Any]:
        """Serialise (the sums are rebuilt on load)."""
        return {
            "minutes": self.minutes,
            "cap": self.cap,
            "buckets": [[b[0], [list(e) for e in b[1]]] for b in self.buckets],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuthorWindow:
        """Rebuild a window, sums included, from :meth:`to_dict` output."""
        window = cls(int(data["minutes"]), int(data["cap"]))
        for minute, entries in data["buckets"]:
            for author, label, keyword, weight, lang in entries:
                words = tuple(keyword) if isinstance(keyword, (list, tuple)) else ()
                window.add(int(minute), int(author), int(label), words, float(weight), lang)
        return window
