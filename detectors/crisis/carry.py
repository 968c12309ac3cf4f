"""A pause carried over to a brand whose state was lost (pure, no clock).

After a broker reset the brand states are gone, but a pause flag may survive
(re-published by the worker that saw the reset, or left on a flag topic whose
changelog was lost). A fresh state that finds its brand's flag paused *adopts*
it (:func:`adopt`) instead of publishing "not paused" over it:

* the brand stays paused with its original reason, prefixed with
  :data:`CARRIED`, its ``since`` and, for a timed pause, its ``until``;
* a pause that came from a **crisis** puts the brand back in ``crisis`` (same
  crisis id, no new alert), so the normal rules end it: it steps down after
  ``calm_minutes`` of calm, and promotion resumes then only for brands with
  ``auto_resume`` -- as it would have without the reset. The calm is only
  counted once the brand has been watched for one full detector window after
  the adoption (:func:`watch`): a window emptied by the reset is not evidence of
  calm;
* a pause a **person** set (the brand was not in crisis) stays until a person
  resumes it, or until its ``until`` for a timed pause (if calm then).

Why not drop the pause and let the detector decide again? The evidence that
paused it is what the reset lost, and a comms team that paused a brand by hand
expects it to stay paused; a pause ends by a person, or by the rules after the
brand has been watched again, never by a broker failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from detectors.config import BrandConfig
from detectors.crisis.state import BrandState

CARRIED = "pause carried over from before the broker reset"


@dataclass(frozen=True)
class CarriedFlag:
    """What a published pause flag says (event times as POSIX seconds).

    Args:
        paused: whether promotion is paused.
        reason: why, as published.
        since: when the flag last changed.
        state: the brand's crisis state when it was published.
        crisis_id: the crisis, if any.
        until: the end of a timed pause, if any.
    """

    paused: bool
    reason: str | None = None
    since: float | None = None
    state: str | None = None
    crisis_id: str | None = None
    until: float | None = None


def adopt(st: BrandState, flag: CarriedFlag) -> bool:
    """Make ``st`` hold the pause ``flag`` carries; False when there is nothing to adopt.

    Only a paused flag is adopted, and only by a state that is not paused itself.

    Args:
        st: a state created without stored data (updated in place).
        flag: the brand's flag as found on the flag topic.
    """
    if not flag.paused or st.paused:
        return False
    original = flag.reason or "paused"
    st.paused, st.paused_since = True, flag.since
    st.pause_reason = original if original.startswith(CARRIED) else f"{CARRIED}: {original}"
    if flag.until is not None:
        st.meta["paused_until"] = flag.until
    if flag.state == "crisis" and st.state == "normal":
        st.state, st.since = "crisis", flag.since
        st.crisis_id = flag.crisis_id or (
            f"{st.brand}:{int(flag.since)}" if flag.since is not None else None)
        st.meta["reason"] = st.pause_reason
        st.meta["test"] = "carried"
    st.meta["carried"] = {"watched_from": None}
    return True


def watch(st: BrandState, ts: float, cfg: BrandConfig) -> None:
    """Before ``st`` sees event time ``ts``: count a carried crisis's calm only from one full
    detector window after the adoption (call before each observation and tick).

    Args:
        st: the brand's state (updated in place).
        ts: the event time about to be applied.
        cfg: the brand's configuration.
    """
    carried = st.meta.get("carried")
    if carried is None:
        return
    if st.state != "crisis":
        del st.meta["carried"]  # stepped down, or a person released it: the normal rules hold
        return
    if carried.get("watched_from") is None:
        carried["watched_from"] = ts
        st.reminded_at = ts  # no "still in crisis" page for the hours the reset hid
        if st.minute is None:
            st.minute = int(ts // 60)  # ticks advance it from now, even if it stays silent
    floor = carried["watched_from"] + cfg.window_minutes * 60
    if st.calm_since is not None and st.calm_since < floor:
        st.calm_since = floor
