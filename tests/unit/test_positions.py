"""Resume positions of the detect stage (:mod:`streams.positions`)."""

from __future__ import annotations

import pytest

from streams.positions import Cursor, Verdict, is_marker, marker_key
from streams.topics import partition_of


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
    def test_a_partition_starting_past_its_marker_is_read_again_from_the_marker(self) -> None:
        """Offsets between the marker and the first delivered message are not skipped."""
        c = Cursor()
        c.start(2, reflected=160, first=304)
        assert c.admit(2, 304) is Verdict.SEEK
        assert c.next[2] == 161
        assert c.admit(2, 305) is Verdict.DROP  # already fetched, will come again
        assert c.admit(2, 161) is Verdict.APPLY
        assert c.admit(2, 162) is Verdict.APPLY
        assert c.next[2] == 163

    def test_a_partition_starting_at_or_before_its_marker_applies_in_order(self) -> None:
        """Replays (at or before the marker) are applied: the brand states skip them."""
        c = Cursor()
        c.start(0, reflected=10, first=5)
        assert [c.admit(0, o) for o in range(5, 13)] == [Verdict.APPLY] * 8
        assert c.next[0] == 13

    def test_without_a_marker_the_first_message_is_trusted(self) -> None:
        """A partition never checkpointed starts where the consumer starts."""
        c = Cursor()
        c.start(1, reflected=None, first=42)
        assert c.admit(1, 42) is Verdict.APPLY

    def test_a_gap_mid_stream_seeks_back_once(self) -> None:
        """A message past the next expected offset triggers one seek, then drops until it is filled."""
        c = Cursor()
        c.start(0, reflected=None, first=0)
        assert c.admit(0, 0) is Verdict.APPLY
        assert c.admit(0, 3) is Verdict.SEEK
        assert c.admit(0, 4) is Verdict.DROP
        assert c.admit(0, 1) is Verdict.APPLY
        assert c.admit(0, 3) is Verdict.SEEK  # 2 is still missing

    def test_offsets_removed_by_retention_are_skipped(self) -> None:
        """When the missing offsets no longer exist, reading goes on from the earliest one."""
        c = Cursor()
        c.start(3, reflected=9, first=50)
        assert c.admit(3, 50) is Verdict.SEEK
        c.skip_to(3, 50)
        assert c.admit(3, 50) is Verdict.APPLY

    def test_reset_forgets_partitions(self) -> None:
        """After a rebalance every partition starts again from its marker."""
        c = Cursor()
        c.start(0, reflected=None, first=7)
        c.reset()
        assert not c.started(0)
