"""The per-brand crisis state machine: a pure reducer in event time.

    state = BrandState.new("acme", cfg)
    transitions = observe(state, obs, cfg)      # one scored mention
    transitions = advance(state, ts, cfg)       # time passes (timers, silence)
    transitions = override(state, "resume", ts, cfg, by="ana", why="statement out")

States: ``normal`` -> ``elevated`` -> ``crisis`` -> (calm) -> ``elevated`` ->
(calm) -> ``normal``. A sudden crisis may jump from normal straight to crisis.
Every transition carries the test that fired and its numbers. Entering crisis pauses
promotion; leaving it resumes only with ``auto_resume``. No clock, no I/O.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal

from detectors.config import BrandConfig
from detectors.crisis.baseline import COLD_PRIOR, RhythmBaseline
from detectors.crisis.drift import ShareDrift
from detectors.crisis.evaluate import Expect, Verdict, assess
from detectors.crisis.model import Observation, State, Transition
from detectors.crisis.replies import ReplyWatch
from detectors.crisis.window import NEG, NEU, POS, UNSCORED, AuthorWindow

Action = Literal["pause", "resume", "acknowledge", "force", "release"]
LABEL_CODES = {"neg": NEG, "neu": NEU, "pos": POS, "unscored": UNSCORED}
EVIDENCE_SIZE = 5


@dataclass(slots=True)
class BrandState:
    """Everything the detector remembers about one brand (serialisable, compact)."""

    brand: str
    window: AuthorWindow
    baseline: RhythmBaseline
    state: State = "normal"
    since: float | None = None
    paused: bool = False
    paused_since: float | None = None
    pause_reason: str | None = None
    crisis_id: str | None = None
    closed_id: str | None = None  # the last crisis, re-opened if it flares up again soon
    closed_at: float | None = None
    reminded_at: float | None = None
    calm_since: float | None = None
    pending_since: float | None = None
    onset: float | None = None  # the first warning of the current escalation (event time)
    hold_until_calm: bool = False
    acknowledged_by: str | None = None
    acknowledged_at: float | None = None
    first_ts: float | None = None
    last_ts: float | None = None
    minute: int | None = None
    mentions: int = 0
    late: int = 0
    last_verdict: dict[str, Any] = field(default_factory=dict)
    evidence: list[list[Any]] = field(default_factory=list)
    replies: ReplyWatch = field(default_factory=ReplyWatch)
    drift: ShareDrift = field(default_factory=ShareDrift)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_ticks(self) -> bool:
        """Whether time passing alone can change this brand (timers must advance it)."""
        return self.state != "normal" or self.hold_until_calm

    @classmethod
    def new(cls, brand: str, cfg: BrandConfig) -> BrandState:
        """A fresh state for ``brand``."""
        return cls(
            brand=brand,
            window=AuthorWindow(cfg.window_minutes, cfg.author_cap),
            baseline=RhythmBaseline(cfg.baseline_share, cfg.baseline_rate, cfg.timezone),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for tables and checkpoints."""
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = value.to_dict() if hasattr(value, "to_dict") else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrandState:
        """Inverse of :meth:`to_dict`."""
        kwargs = dict(data)
        kwargs["window"] = AuthorWindow.from_dict(data["window"])
        kwargs["baseline"] = RhythmBaseline.from_dict(data["baseline"])
        kwargs["replies"] = ReplyWatch.from_dict(data.get("replies") or {})
        kwargs["drift"] = ShareDrift.from_dict(data.get("drift") or {})
        return cls(**kwargs)


def author_hash(author: str) -> int:
    """A stable 32-bit key for an author (same in every process)."""
    return zlib.crc32(author.encode("utf-8", "surrogatepass"))


def reach_weight(followers: int, shares: int) -> float:
    """Weight of a post by its reach: 1 for nobody, about 5 for a million followers."""
    return 1.0 + math.log10(1 + followers) * 0.6 + math.log10(1 + shares) * 0.4


def observe(state: BrandState, obs: Observation, cfg: BrandConfig) -> list[Transition]:
    """Take in one scored mention; return the transitions it causes.

    Args:
        state: the brand's state (updated in place).
        obs: the scored mention (event time in ``obs.ts``).
        cfg: the brand's configuration.
    """
    minute = int(obs.ts // 60)
    out: list[Transition] = []
    if state.minute is None or minute > state.minute:
        out.extend(_advance_minute(state, minute, obs.ts, cfg))
    elif minute <= state.minute - cfg.window_minutes:
        state.late += 1
        return out
    label = LABEL_CODES.get(obs.label, UNSCORED)
    weight = obs.reach if (cfg.reach_weighting and obs.reach > 0) else 1.0
    keyword = obs.keywords if label != POS else ()
    author = author_hash(obs.author)
    state.window.add(minute, author, label, keyword, weight, obs.lang)
    state.baseline.count(minute // 60, label != UNSCORED, label == NEG, keyword, author)
    state.drift.count(minute, author, label != UNSCORED, label == NEG)
    state.mentions += 1
    if state.first_ts is None:
        state.first_ts = obs.ts
    if state.last_ts is None or obs.ts > state.last_ts:
        state.last_ts = obs.ts
    if label == NEG or keyword:
        _keep_evidence(state, obs, weight, minute - cfg.window_minutes)
        out.extend(_step(state, obs.ts, cfg, escalate=True))
    elif state.state != "normal":
        out.extend(_step(state, obs.ts, cfg, escalate=False))
    return out


def track_reply(state: BrandState, obs: Observation, *, own: bool) -> None:
    """Keep the brand's negative mentions that wait for its answer (:mod:`detectors.crisis.replies`).

    A negative mention by someone else starts waiting; a post by one of the
    brand's handles answers the mention its ``in_reply_to`` names. Late mentions
    count too: a post beyond the detector's window still wants an answer.

    Args:
        state: the brand's state (its ``replies`` updated in place).
        obs: the scored mention.
        own: whether one of the brand's handles wrote it.
    """
    if own:
        if obs.in_reply_to:
            state.replies.answer(obs.in_reply_to, obs.ts)
    elif obs.label == "neg":
        state.replies.negative(obs.mention_id, obs.ts)


def time_to_detect(t: Transition) -> float | None:
    """Seconds of event time from the escalation's first warning to entering crisis.

    The first warning is the mention at which an escalation test (elevated or
    crisis) first held since the brand was last ``normal``, or since its last
    crisis calmed down. ``None`` for other transitions and for crises a person forced.

    Args:
        t: a transition.
    """
    if t.state != "crisis" or t.previous == "crisis" or t.onset is None:
        return None
    return max(0.0, t.at - t.onset)


def advance(state: BrandState, ts: float, cfg: BrandConfig) -> list[Transition]:
    """Let event time pass to ``ts`` without mentions (timers; a crisis can end in silence).

    Args:
        state: the brand's state (updated in place).
        ts: the current event time (watermark), POSIX seconds.
        cfg: the brand's configuration.
    """
    minute = int(ts // 60)
    if state.minute is None or minute <= state.minute:
        return []
    return _advance_minute(state, minute, ts, cfg)


def _advance_minute(state: BrandState, minute: int, ts: float, cfg: BrandConfig) -> list[Transition]:
    previous = state.minute
    state.minute = minute
    state.window.expire(minute)
    state.baseline.roll(minute // 60)
    state.drift.close(minute, state.baseline if _warm(state, ts, cfg) else None,
                      cfg.thresholds.drift_rise, state.state == "normal")
    if state.state != "normal":
        state.baseline.taint()
    if previous is None or state.state == "normal":
        return []
    if state.window.empty and state.last_ts is not None:
        # the window emptied in the silence: calm began then, not now
        emptied = (int(state.last_ts // 60) + cfg.window_minutes) * 60.0
        if state.calm_since is None or emptied < state.calm_since:
            state.calm_since = min(emptied, ts)
    return _step(state, ts, cfg, escalate=False)


def _keep_evidence(state: BrandState, obs: Observation, weight: float, oldest: int) -> None:
    rank = weight * (-(obs.compound or 0.0) + 0.1)
    ev = [e for e in state.evidence if e[1] // 60 > oldest]
    ev.append([rank, obs.ts, obs.mention_id, obs.text[:280], obs.url, obs.handle, obs.compound])
    ev.sort(key=lambda e: (-e[0], -e[1], e[2]))
    state.evidence = ev[:EVIDENCE_SIZE]


def _warm(state: BrandState, ts: float, cfg: BrandConfig) -> bool:  # a volume baseline known
    return state.baseline.level is not None and (
        cfg.baseline_rate is not None
        or state.baseline.hours_learned >= 24  # e.g. seeded from history
        or (state.first_ts is not None and ts - state.first_ts >= cfg.warmup_minutes * 60)
    )


def _verdict(state: BrandState, ts: float, cfg: BrandConfig) -> Verdict:
    warm = _warm(state, ts, cfg)
    base = state.baseline
    hour = int(ts // 3600)
    share, weight = (base.usual, math.inf) if warm else base.cold_usual(
        state.window.neg, state.window.scored, COLD_PRIOR)
    expect = Expect(
        rate=base.expected_rate(hour) if warm else None,
        share=share,
        alpha=base.alpha,
        spread=base.swing,
        share_sd=base.spread,  # share tails: only the swing the brand has shown
        slot=base.describe(hour) if warm else "",
        keywords={w: base.keyword_rate(w) * cfg.window_minutes / 60 for w in cfg.keywords}
        if cfg.keywords else {},
        weight=weight, drift=state.drift.score, alpha_short=state.drift.alpha, base=base,
    )
    verdict = assess(state.window, expect, cfg, int(ts // 60), ts % 60)
    state.last_verdict = verdict.numbers
    return verdict


def _step(state: BrandState, ts: float, cfg: BrandConfig, *, escalate: bool) -> list[Transition]:
    verdict = _verdict(state, ts, cfg)
    if state.state == "crisis" and cfg.remind_minutes and not escalate:
        last = state.reminded_at or state.since or ts
        if ts - last >= cfg.remind_minutes * 60:
            return [_remind(state, ts, verdict)]
    if state.hold_until_calm:
        # after a person released the brand, wait for calm before paging again
        if verdict.calm:
            state.hold_until_calm = False
        return []
    if escalate and verdict.level is not None and state.onset is None:
        state.onset = ts  # the first warning: an escalation test holds for the first time
    if escalate and verdict.level == "crisis" and state.state != "crisis":
        numbers = verdict.numbers
        if state.crisis_id is None and state.closed_id is not None and state.closed_at is not None \
                and ts - state.closed_at <= cfg.merge_minutes * 60:
            state.crisis_id = state.closed_id  # the same incident flaring up again
        if state.crisis_id is None:
            state.crisis_id = f"{state.brand}:{int(ts)}"
            state.acknowledged_by = state.acknowledged_at = None
        else:
            numbers = {**numbers, "reopened": True}
        return [_move(state, "crisis", ts, cfg, verdict.test, verdict.text(), numbers)]
    if escalate and verdict.level == "elevated" and state.state == "normal":
        # a blip of noise lasts minutes; a slow burn persists: require the test to hold
        if state.pending_since is None:
            state.pending_since = ts
        if ts - state.pending_since < cfg.thresholds.elevated_hold_minutes * 60:
            return []
        return [_move(state, "elevated", ts, cfg, verdict.test, verdict.text(), verdict.numbers)]
    if state.state == "normal":
        if escalate:
            state.pending_since = state.onset = None
        return []
    if not verdict.calm:
        state.calm_since = None
        return []
    if state.calm_since is None:
        state.calm_since = ts
        return []
    calm_for = ts - state.calm_since
    if calm_for < cfg.calm_minutes * 60:
        return []
    target: State = "elevated" if state.state == "crisis" else "normal"
    reason = f"calm for {calm_for / 60:.0f} min: {verdict.text()}"
    return [_move(state, target, ts, cfg, "calm", reason, verdict.numbers)]


def _move(
    state: BrandState, target: State, ts: float, cfg: BrandConfig, test: str, reason: str,
    numbers: dict[str, Any], by: str | None = None,
) -> Transition:
    previous = state.state
    onset = state.onset if target == "crisis" and by is None else None
    if target == "normal" or previous == "crisis":
        state.onset = None  # the escalation is over (or detected): the next one starts afresh
    state.state = target
    state.since = ts
    state.calm_since = None
    state.pending_since = None
    if target == "crisis" and not state.paused:
        state.paused, state.paused_since, state.pause_reason = True, ts, f"crisis: {reason}"
    elif previous == "crisis" and cfg.auto_resume and state.paused and by is None:
        state.paused, state.paused_since, state.pause_reason = False, ts, "auto-resumed after calm"
    if target != "normal":
        state.baseline.taint()
    crisis_id = state.crisis_id
    if target == "crisis":
        state.reminded_at = ts
    if target == "normal":
        if crisis_id is not None:
            state.closed_id, state.closed_at = crisis_id, ts
        state.crisis_id = None
    numbers = dict(numbers)
    if state.window.langs:
        numbers["languages"] = dict(sorted(state.window.langs.items(), key=lambda kv: -kv[1])[:5])
    if state.evidence and target == "crisis":
        numbers["top_negative"] = [
            {"id": e[2], "text": e[3], "url": e[4], "handle": e[5], "compound": e[6]}
            for e in state.evidence
        ]
    return Transition(state.brand, ts, target, previous, state.paused, test, reason, numbers,
                      crisis_id, by, onset)


def _remind(state: BrandState, ts: float, verdict: Verdict) -> Transition:
    """Re-state a lasting crisis to on-call (no change of state)."""
    state.reminded_at = ts
    began = crisis_began(state.crisis_id, state.since or ts)
    hours = (ts - began) / 3600
    reason = f"still in crisis after {hours:.1f} h: {verdict.text()}"
    return Transition(state.brand, ts, "crisis", "crisis", state.paused, "reminder", reason,
                      dict(verdict.numbers), state.crisis_id)


def crisis_began(crisis_id: str | None, fallback: float) -> float:
    """When a crisis began: the POSIX seconds its id ends with (``fallback`` otherwise)."""
    if crisis_id and ":" in crisis_id:
        tail = crisis_id.rsplit(":", 1)[1]
        if tail.isdigit():
            return float(tail)
    return fallback


def override(
    state: BrandState, action: Action, ts: float, cfg: BrandConfig, *, by: str, why: str = "",
) -> list[Transition]:
    """Apply a human decision.

    Args:
        state: the brand's state (updated in place).
        action: ``pause``/``resume`` the promotion flag, ``acknowledge`` the crisis,
            ``force`` a crisis, or ``release`` it (back to normal, promotion resumed,
            no re-alert until the brand has been calm once).
        ts: when (POSIX seconds).
        cfg: the brand's configuration.
        by: who (recorded, never a secret).
        why: free text, recorded.
    """
    note = f"{action} by {by}" + (f": {why}" if why else "")
    record = {"action": action, "by": by, "why": why, "at": ts}
    state.meta.setdefault("overrides", []).append(record)
    state.meta["overrides"] = state.meta["overrides"][-20:]
    if action == "acknowledge":
        state.acknowledged_by, state.acknowledged_at = by, ts
        return []
    if action == "pause":
        if not state.paused:
            state.paused, state.paused_since, state.pause_reason = True, ts, note
        return [Transition(state.brand, ts, state.state, state.state, True, "manual", note, {},
                           state.crisis_id, by)]
    if action == "resume":
        if state.paused:
            state.paused, state.paused_since, state.pause_reason = False, ts, note
        return [Transition(state.brand, ts, state.state, state.state, False, "manual", note, {},
                           state.crisis_id, by)]
    if action == "force":
        if state.state == "crisis":
            return []
        state.crisis_id = f"{state.brand}:{int(ts)}"
        return [_move(state, "crisis", ts, cfg, "manual", note, {}, by)]
    if action == "release":
        state.paused, state.paused_since, state.pause_reason = False, ts, note
        state.hold_until_calm = True
        if state.state == "normal":
            return []
        return [_move(state, "normal", ts, cfg, "manual", note, {}, by)]
    raise ValueError(f"unknown action: {action!r}")
