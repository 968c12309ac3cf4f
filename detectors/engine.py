"""Many brands at once: scoring, de-duplication, event-time ticks.

The engine is what `firebreak replay` runs and what the streaming agents
reuse: feed it validated mentions in (roughly) event-time order and it returns
the transitions. Brands that are not ``normal`` are advanced to the global
watermark every event-time minute, so a crisis can end in silence.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.replies import ANSWER_WITHIN
from detectors.crisis.state import (
    Action,
    BrandState,
    Observation,
    Transition,
    advance,
    observe,
    override,
    reach_weight,
    track_reply,
)
from detectors.events import Mention
from detectors.sentiment.scorer import Scorer


def to_observation(m: Mention, cfg: BrandConfig, scorer: Scorer) -> Observation:
    """Score a mention and reduce it to what the detector needs.

    Args:
        m: the validated mention.
        cfg: its brand's configuration (for keywords).
        scorer: the process's scorer.
    """
    score = scorer.score(m.text, m.lang)
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


class Engine:
    """Detection over a stream of mentions for any number of brands.

    Args:
        book: brand configuration.
        scorer: sentiment scorer (one per process).
        dedupe_size: how many recent mention ids to remember for de-duplication.
    """

    def __init__(self, book: BrandBook, scorer: Scorer, dedupe_size: int = 500_000) -> None:
        self.book = book
        self.scorer = scorer
        self.states: dict[str, BrandState] = {}
        self.active: set[str] = set()
        self.watermark: float | None = None
        self._tick_minute: int | None = None
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._dedupe_size = dedupe_size
        self.duplicates = 0
        self.own_posts = 0

    def state(self, brand: str) -> BrandState:
        """The state of ``brand`` (created on first use)."""
        st = self.states.get(brand)
        if st is None:
            st = self.states[brand] = BrandState.new(brand, self.book.get(brand))
        return st

    def is_duplicate(self, brand: str, mention_id: str) -> bool:
        """Remember a mention id; True if it was seen recently."""
        key = (brand, mention_id)
        if key in self._seen:
            self.duplicates += 1
            return True
        self._seen[key] = None
        if len(self._seen) > self._dedupe_size:
            self._seen.popitem(last=False)
        return False

    def process(self, m: Mention) -> tuple[Observation | None, list[Transition]]:
        """Score and observe one mention; returns its observation and any transitions.

        Duplicates and the brand's own posts (authored by a configured handle)
        yield ``(None, [...ticks])``.
        """
        cfg = self.book.get(m.brand)
        own = bool(m.author_handle) and is_own_post(m, cfg)
        return self.feed(to_observation(m, cfg, self.scorer), own=own)

    def feed(self, obs: Observation, *, own: bool = False) -> tuple[Observation | None,
                                                                      list[Transition]]:
        """Observe an already-scored mention: tick, drop duplicates, note replies, detect.

        Own posts only answer mentions (configured brands keep track of the
        negative mentions waiting for an answer); they are not observed.
        """
        out = self.tick(obs.ts)
        if self.is_duplicate(obs.brand, obs.mention_id):
            return None, out
        if self.book.is_configured(obs.brand):
            track_reply(self.state(obs.brand), obs, own=own)
        if own:
            self.own_posts += 1
            return None, out
        out.extend(self.observe(obs))
        return obs, out

    def unanswered(self, after: float = ANSWER_WITHIN) -> dict[str, int]:
        """Negative mentions of each configured brand unanswered for ``after`` s at the watermark."""
        now = self.watermark or 0.0
        return {b: st.replies.unanswered(now, after) for b, st in self.states.items()
                if self.book.is_configured(b)}

    def observe(self, obs: Observation) -> list[Transition]:
        """Feed an already-scored observation."""
        cfg = self.book.get(obs.brand)
        st = self.state(obs.brand)
        out = observe(st, obs, cfg)
        self._track(st)
        return out

    def tick(self, ts: float) -> list[Transition]:
        """Advance the watermark; once per event-time minute, advance every non-normal brand."""
        if self.watermark is None or ts > self.watermark:
            self.watermark = ts
        minute = int(self.watermark // 60)
        if self._tick_minute is not None and minute <= self._tick_minute:
            return []
        self._tick_minute = minute
        out: list[Transition] = []
        for brand in sorted(self.active):
            st = self.states[brand]
            out.extend(advance(st, self.watermark, self.book.get(brand)))
            self._track(st)
        return out

    def override(
        self, brand: str, action: Action, ts: float, *, by: str, why: str = ""
    ) -> list[Transition]:
        """Apply a human decision to ``brand`` (see :func:`detectors.crisis.override`)."""
        st = self.state(brand)
        out = override(st, action, ts, self.book.get(brand), by=by, why=why)
        self._track(st)
        return out

    def run(self, mentions: Iterable[Mention]) -> list[Transition]:
        """Process mentions in order; return every transition."""
        out: list[Transition] = []
        for m in mentions:
            out.extend(self.process(m)[1])
        return out

    def _track(self, st: BrandState) -> None:
        if not st.needs_ticks:
            self.active.discard(st.brand)
        else:
            self.active.add(st.brand)
