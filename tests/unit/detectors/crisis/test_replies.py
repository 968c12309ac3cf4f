"""Negative mentions waiting for the brand's answer (detectors.crisis.replies), and time to detect."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.config import BrandBook, BrandConfig
from detectors.crisis.replies import ReplyWatch
from detectors.crisis.state import BrandState, Observation, advance, observe, override, time_to_detect
from detectors.engine import Engine
from tests.unit.detectors.crisis.test_crisis import DAY, T0, history, run, traffic

HOUR = 3600.0


class TestReplyWatch:
    def test_a_negative_counts_only_once_it_has_waited_an_hour(self) -> None:
        w = ReplyWatch()
        w.negative("m1", T0)
        assert w.unanswered(T0 + HOUR - 1) == 0
        assert w.unanswered(T0 + HOUR) == 1

    def test_a_reply_within_the_hour_means_it_never_counts(self) -> None:
        w = ReplyWatch()
        w.negative("m1", T0)
        assert w.answer("m1", T0 + 600)
        assert w.unanswered(T0 + 2 * HOUR) == 0

    def test_a_late_reply_takes_it_off_the_count(self) -> None:
        w = ReplyWatch()
        w.negative("m1", T0)
        w.negative("m2", T0 + 60)
        assert w.unanswered(T0 + 2 * HOUR) == 2
        assert w.answer("m1", T0 + 2 * HOUR)
        assert w.unanswered(T0 + 2 * HOUR) == 1

    def test_a_reply_to_another_post_answers_nothing(self) -> None:
        w = ReplyWatch()
        w.negative("m1", T0)
        assert not w.answer("someone-elses-post", T0 + 60)
        assert w.unanswered(T0 + 2 * HOUR) == 1

    def test_a_reply_processed_before_its_mention_still_answers_it(self) -> None:
        """Mention and reply may travel on different partitions and arrive in either order."""
        w = ReplyWatch()
        assert not w.answer("m1", T0 + 600)
        w.negative("m1", T0)
        assert w.unanswered(T0 + 2 * HOUR) == 0 and not w.replied

    def test_a_full_watch_saturates_instead_of_forgetting_old_negatives(self) -> None:
        w = ReplyWatch(limit=3)
        for i in range(10):
            w.negative(f"m{i}", T0 + i)
        assert w.unanswered(T0 + 2 * HOUR) == 3 and w.overflow == 7

    def test_negatives_older_than_a_day_are_forgotten(self) -> None:
        w = ReplyWatch()
        w.negative("old", T0)
        assert w.unanswered(T0 + DAY + 1) == 0
        w.negative("new", T0 + DAY + 1)
        assert len(w.waiting) == 1
        w.negative("ancient", T0 - 1)  # arrives late, already past what is counted
        assert len(w.waiting) == 1

    def test_serialised_watch_resumes_exactly(self) -> None:
        w = ReplyWatch()
        w.negative("m1", T0 + 0.7)
        w.answer("m9", T0 + 30)
        back = ReplyWatch.from_dict(json.loads(json.dumps(w.to_dict())))
        assert back == w and back.unanswered(T0 + 2 * HOUR) == 1
        assert ReplyWatch.from_dict({}) == ReplyWatch()

    def test_bad_limits_fail_at_once(self) -> None:
        with pytest.raises(ValueError, match="limit"):
            ReplyWatch(limit=0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 40), st.integers(0, 3 * 86_400)),
                max_size=200))
def test_watch_stays_bounded_and_never_counts_more_than_it_holds(
    events: list[tuple[bool, int, int]],
) -> None:
    """Whatever arrives, both maps stay within the limit and the count within the waiting set."""
    w = ReplyWatch(limit=8)
    for is_reply, n, t in events:
        (w.answer if is_reply else w.negative)(f"m{n}", T0 + t)
        assert len(w.waiting) <= 8 and len(w.replied) <= 8
        assert 0 <= w.unanswered(T0 + t) <= len(w.waiting)


class TestEngineReplies:
    BOOK = BrandBook({"acme": BrandConfig(handles=("@acme",))})

    def obs(self, i: str, t: float, label: str = "neg", reply_to: str | None = None) -> Observation:
        return Observation("acme", t, i, f"a-{i}", label, -0.7 if label == "neg" else 0.0, "en",
                           in_reply_to=reply_to)

    def test_own_replies_answer_negatives_of_configured_brands(self) -> None:
        eng = Engine(self.BOOK)
        eng.feed(self.obs("n1", T0))
        eng.feed(self.obs("n2", T0 + 10))
        eng.feed(self.obs("q1", T0 + 20, label="neu"))
        eng.feed(self.obs("r1", T0 + 300, label="unscored", reply_to="n1"), own=True)
        eng.feed(self.obs("r2", T0 + 400, label="unscored", reply_to="q1"), own=True)
        eng.feed(self.obs("later", T0 + 2 * HOUR, label="neu"))
        assert eng.unanswered_now() == {"acme": 1} and eng.own_posts == 2

    def test_unconfigured_brands_keep_no_reply_state(self) -> None:
        eng = Engine(BrandBook())
        for o in traffic("invented", T0, 60, 5.0, 0.5, seed=3):
            eng.feed(o)
        assert eng.unanswered_now() == {} and not eng.states["invented"].replies.waiting


class TestTimeToDetect:
    def test_a_sudden_crisis_is_detected_minutes_after_the_first_warning(self) -> None:
        onset = T0 + 2 * DAY
        state, out = run(history() + list(traffic("acme", onset, 60, 8.0, 0.7, seed=2,
                                                  prefix="c")))
        crisis = next(t for t in out if t.state == "crisis")
        delay = time_to_detect(crisis)
        assert delay is not None and 0 <= delay < 5 * 60
        assert crisis.onset is not None and crisis.onset >= onset
        assert [time_to_detect(t) for t in out if t is not crisis] == [None] * (len(out) - 1)

    def test_a_warning_that_fades_is_forgotten(self) -> None:
        """A short negative blip sets a first warning; once the window is calm it is cleared."""
        cfg = BrandConfig()
        state, _ = run(history(), cfg)
        start = T0 + 2 * DAY
        warned = False
        for o in traffic("acme", start, 6, 2.5, 0.55, seed=11, prefix="b"):
            assert observe(state, o, cfg) == []
            warned = warned or state.onset is not None
        for o in traffic("acme", start + 360, 60, 1.0, 0.1, seed=12, prefix="q"):
            assert observe(state, o, cfg) == []
        assert warned and state.onset is None and state.state == "normal"

    def test_a_crisis_that_calms_then_returns_measures_from_the_new_warning(self) -> None:
        cfg = BrandConfig()
        onset = T0 + 2 * DAY
        state, out = run(history() + list(traffic("acme", onset, 60, 8.0, 0.7, seed=2,
                                                  prefix="c")), cfg)
        t = onset + HOUR
        while state.state == "crisis":
            t += 60
            out.extend(advance(state, t, cfg))
        assert state.state == "elevated" and state.onset is None
        again = list(traffic("acme", t + 60, 60, 8.0, 0.7, seed=7, prefix="again"))
        state2 = BrandState.from_dict(json.loads(json.dumps(state.to_dict())))
        second = next(x for o in again for x in observe(state2, o, cfg) if x.state == "crisis")
        delay = time_to_detect(second)
        assert delay is not None and second.onset is not None and second.onset > t

    def test_a_forced_crisis_has_no_detection_time(self) -> None:
        cfg = BrandConfig()
        out = override(BrandState.new("acme", cfg), "force", T0, cfg, by="lead")
        assert out[0].state == "crisis" and time_to_detect(out[0]) is None
