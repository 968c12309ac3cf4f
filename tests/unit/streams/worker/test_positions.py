"""Resume positions of the detect stage (:mod:`streams.worker.positions`)."""

from __future__ import annotations

import pytest

from streams.wire.topics import partition_of
from streams.worker.positions import Cursor, Verdict, is_marker, marker_key


class TestMarkerKey:
    @pytest.mark.parametrize("partitions", [1, 4, 12])
    def test_each_marker_lands_in_its_own_partition(self, partitions: int) -> None:
        """A partition's marker shares the changelog partition of that partition's brands."""
        for p in range(partitions):
            key = marker_key(p, partitions, partition_of)
            assert partition_of(key, partitions) == p
            assert is_marker(key)

    def test_brands_are_not_markers(self) -> None:
        """No brand slug can be taken for a marker."""
        assert not is_marker("acme")

    def test_partition_out_of_range_is_rejected(self) -> None:
        """A partition outside the topic fails at once."""
        with pytest.raises(ValueError):
            marker_key(4, 4, partition_of)


class TestCursor:
    def test_a_partition_starting_past_its_marker_fills_the_gap_from_the_marker(self) -> None:
        """Offsets between the marker and the first delivered message are not skipped."""
        c = Cursor()
        c.start(2, reflected=160)
        assert c.admit(2, 304) is Verdict.FILL
        assert c.next[2] == 161  # the gap to read: 161..303
        c.filled(2, 305)
        assert c.admit(2, 305) is Verdict.APPLY
        assert c.next[2] == 306

    def test_a_partition_starting_at_or_before_its_marker_applies_in_order(self) -> None:
        """Replays (at or before the marker) are applied: the brand states skip them."""
        c = Cursor()
        c.start(0, reflected=10)
        assert [c.admit(0, o) for o in range(5, 13)] == [Verdict.APPLY] * 8
        assert c.next[0] == 13

    def test_without_a_marker_the_partition_is_read_from_its_start(self) -> None:
        """No marker recovered: nothing before the first delivered message is trusted."""
        c = Cursor()
        c.start(1, reflected=None)
        assert c.admit(1, 0) is Verdict.APPLY
        c.reset()
        c.start(1, reflected=None)
        assert c.admit(1, 42) is Verdict.FILL
        assert c.next[1] == 0

    def test_a_gap_mid_stream_is_filled(self) -> None:
        """A message past the next expected offset asks for the gap before it."""
        c = Cursor()
        c.start(0, reflected=None)
        assert c.admit(0, 0) is Verdict.APPLY
        assert c.admit(0, 3) is Verdict.FILL
        c.filled(0, 4)
        assert c.admit(0, 4) is Verdict.APPLY
        assert c.admit(0, 1) is Verdict.APPLY  # a redelivery: the brand states skip it

    def test_filled_never_moves_back(self) -> None:
        """Recording a fill below the cursor keeps the cursor."""
        c = Cursor()
        c.start(3, reflected=9)
        c.filled(3, 5)
        assert c.next[3] == 10

    def test_reset_forgets_partitions(self) -> None:
        """After a rebalance every partition starts again from its marker."""
        c = Cursor()
        c.start(0, reflected=None)
        c.reset()
        assert not c.started(0)
