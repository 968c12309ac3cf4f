"""SIGTERM stops a worker cleanly, quickly and after a final checkpoint, whatever its state size."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from tests.integration.faultutil import flood, invented_scored, processed, wait_metric
from tests.integration.kafkautil import read_all

pytestmark = pytest.mark.integration
BRANDS = 10_000


def test_sigterm_with_large_state_exits_0_within_10s_after_a_final_checkpoint(broker, names,
                                                                              workers):
    """10,000 brand states written only by the final checkpoint (periodic checkpoints are a
    minute apart): SIGTERM exits 0 within 10 s, with every state in the changelog."""
    workers.ensure_topics()
    w = workers.start(FIREBREAK_CHECKPOINT_SECONDS="60", FIREBREAK_UNCONFIGURED_BRAND_CAP=str(BRANDS))
    flood(broker.bootstrap, names.scored, invented_scored(BRANDS))
    assert wait_metric(w.url, lambda u: processed(u) >= BRANDS, 120), f"see {w.log_file}"
    changelog = f"{workers.app_id}-brands-changelog"
    before = {r.key for r in read_all(broker.bootstrap, changelog) if r.key.startswith(b'"inv-')}
    proc = w.proc
    assert proc is not None
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"no exit within 10 s of SIGTERM; see {w.log_file}")
    took = time.monotonic() - t0
    log = w.log_file.read_text() if w.log_file else ""
    assert rc == 0, f"exit code {rc}; see {w.log_file}"
    assert "Traceback" not in log and "NotReady" not in log, log[-3000:]
    assert f"final checkpoint wrote {BRANDS} brand state(s)" in log
    after = {r.key for r in read_all(broker.bootstrap, changelog, timeout=30)
             if r.key.startswith(b'"inv-')}
    assert len(before) < BRANDS // 2, "periodic checkpoints wrote the states: nothing tested"
    assert len(after) == BRANDS, f"{len(after)} of {BRANDS} states in the changelog"
    print(f"\nSIGTERM with {BRANDS} dirty states: exit 0 in {took:.1f} s")
