"""The next checkpoint waits longer after a checkpoint that wrote many bytes."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from streams.worker.publishing import (
    CHANGELOG_BYTES_PER_SECOND,
    LONGEST_GAP,
    checkpoint_due,
    checkpoint_gap,
)


class TestCheckpointGap:
    def test_small_checkpoints_keep_the_configured_interval(self):
        """A checkpoint of a few rows leaves the interval at ``checkpoint_seconds``."""
        assert checkpoint_gap(0, 1.0) == 1.0
        assert checkpoint_gap(CHANGELOG_BYTES_PER_SECOND // 2, 1.0) == 1.0

    def test_big_checkpoints_space_out_the_next_by_bytes_per_second(self):
        """Ten megabytes at the changelog budget wait bytes / budget seconds, up to the cap."""
        assert checkpoint_gap(3 * CHANGELOG_BYTES_PER_SECOND, 1.0) == 3.0
        assert checkpoint_gap(1000 * CHANGELOG_BYTES_PER_SECOND, 1.0) == LONGEST_GAP
        assert checkpoint_gap(0, 30.0) == 30.0  # a longer configured interval still wins

    def test_due_follows_the_gap(self):
        """``checkpoint_due`` is false within the gap after the last checkpoint, true after it."""
        rt: Any = SimpleNamespace(last_checkpoint=time.monotonic(), checkpoint_gap=5.0)
        assert not checkpoint_due(rt)
        rt.last_checkpoint -= 5.0
        assert checkpoint_due(rt)
