"""Replay's use of the detection driver: event-time ticks once a minute, in memory.

:class:`Engine` is :class:`detectors.driver.Driver` with no store, the global
recent-ids dedupe, and a clock made of the events themselves: before each
observation, brands that are not ``normal`` are advanced to the newest event
time once per event-time minute, so a crisis can end in silence. The stream's
detect stage runs the same driver (``streams/worker/detect.py``) with its table
as the store and ticks from a timer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.baseline import RhythmBaseline
from detectors.crisis.replies import ANSWER_WITHIN
from detectors.crisis.state import Observation, Transition, reach_weight
from detectors.driver import Driver, RecentIds
from detectors.events import Mention
from detectors.sentiment.scorer import Score, Scorer

log = logging.getLogger(__name__)


def score_mentions(pairs: Sequence[tuple[Mention, BrandConfig]],
                   scorer: Scorer) -> list[Score | None]:
    """The scores of many mentions at once (:meth:`Scorer.score_many`: less CPU a new post).

    Each equals what :func:`to_observation` would score on its own: the text with the
    brand's names made neutral, with the mention's language hint. Should the batch
    fail, every item is ``None``: :func:`to_observation` then scores each mention on
    its own, so a post the scorer cannot take fails alone (one dead letter).

    Args:
        pairs: validated mentions with their brand's configuration.
        scorer: the process's scorer.
    """
    try:
        return list(scorer.score_many(
            [(cfg.neutral_text(m.text, m.brand), m.lang) for m, cfg in pairs]))
    except Exception:  # noqa: BLE001 - scored again post by post: a failure is one post's
        log.warning("a batch of %d posts could not be scored together; scoring them one by one",
                    len(pairs), exc_info=True)
        return [None] * len(pairs)


def to_observation(m: Mention, cfg: BrandConfig, scorer: Scorer,
                   score: Score | None = None) -> Observation:
    """Score a mention and reduce it to what the detector needs.

    Args:
        m: the validated mention.
        cfg: its brand's configuration (keywords; its names, never scored as sentiment).
        scorer: the process's scorer.
        score: its score when already known (:func:`score_mentions`); else scored here.
    """
    if score is None:
        score = scorer.score(cfg.neutral_text(m.text, m.brand), m.lang)
    return Observation(
        brand=m.brand,
        ts=m.ts,
        mention_id=m.id,
        author=m.author_key,
        label=score.label,
        compound=score.compound,
        lang=score.lang,
        reach=reach_weight(m.followers, m.shares),
        keywords=(keywords := cfg.match_keywords(m.text)),
        text=m.text if (score.label == "neg" or keywords) else "",
        url=m.url,
        handle=m.author_handle,
        in_reply_to=m.in_reply_to,
    )


def is_own_post(m: Mention, cfg: BrandConfig) -> bool:
    """Whether the brand itself wrote ``m`` (one of its configured handles)."""
    handle = m.author_handle
    return handle is not None and handle.lstrip("@").lower() in cfg.handles


class Engine(Driver):
    """Detection over a stream of mentions for any number of brands (replay).

    Args:
        book: brand configuration.
        scorer: sentiment scorer, for :meth:`process` (mentions not yet scored).
        dedupe_size: how many recent mention ids to remember for de-duplication.
        baselines: learned baselines to start brands from (warm start).
    """

    def __init__(self, book: BrandBook, scorer: Scorer | None = None,
                 dedupe_size: int = 500_000,
                 baselines: Mapping[str, RhythmBaseline] | None = None) -> None:
        super().__init__(book, dedupe=RecentIds(dedupe_size), baselines=baselines)
        self.scorer = scorer
        self.watermark: float | None = None
        self._tick_minute: int | None = None

    def process(self, m: Mention) -> tuple[Observation | None, list[Transition]]:
        """Score and observe one mention; returns its observation and any transitions.

        Duplicates and the brand's own posts (authored by a configured handle)
        yield ``(None, [...ticks])``.
        """
        if self.scorer is None:
            raise ValueError("Engine.process needs a scorer; feed() takes scored observations")
        cfg = self.book.get(m.brand)
        own = bool(m.author_handle) and is_own_post(m, cfg)
        return self.feed(to_observation(m, cfg, self.scorer), own=own)

    def feed(self, obs: Observation, *, own: bool = False) -> tuple[Observation | None,
                                                                      list[Transition]]:
        """Tick the event clock, then apply an already-scored mention.

        Own posts only answer mentions (configured brands keep track of the
        negative mentions waiting for an answer); they are not observed.
        """
        out = self.clock(obs.ts)
        applied = self.apply_observation(obs, own=own)
        if applied is None:
            return None, out
        out.extend(applied)
        return obs, out

    def clock(self, ts: float) -> list[Transition]:
        """Advance the watermark; once per event-time minute, advance every non-normal brand."""
        if self.watermark is None or ts > self.watermark:
            self.watermark = ts
        minute = int(self.watermark // 60)
        if self._tick_minute is not None and minute <= self._tick_minute:
            return []
        self._tick_minute = minute
        return [t for trans in self.advance_all(self.watermark).values() for t in trans]

    def unanswered_now(self, after: float = ANSWER_WITHIN) -> dict[str, int]:
        """Negative mentions of each configured brand unanswered for ``after`` s at the watermark."""
        return self.unanswered(self.watermark or 0.0, after=after)

    def run(self, mentions: Iterable[Mention]) -> list[Transition]:
        """Process mentions in order; return every transition."""
        out: list[Transition] = []
        for m in mentions:
            out.extend(self.process(m)[1])
        return out
