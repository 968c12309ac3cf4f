"""A worker moves its start-up objects out of the cyclic collector's way and collects less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from streams.worker.build import GC_THRESHOLDS, tune_gc


@pytest.fixture
def restore_gc() -> Iterator[None]:
    """Put the collector back as it was (the test process goes on)."""
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


class TestTuneGc:
    def test_start_up_objects_are_frozen_and_thresholds_raised(self, restore_gc: None):
        """After tune_gc the objects alive then are frozen, and the young generation collects
        only after GC_THRESHOLDS[0] allocations."""
        gc.unfreeze()
        kept = [[i] for i in range(1000)]  # tracked containers alive at start-up
        tune_gc()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700  # Python's default
