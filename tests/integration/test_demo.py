"""``firebreak demo``: one command, a crisis and a pause flip within a minute, nothing left over."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from streams.dev.procs import ROOT

pytestmark = pytest.mark.integration


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_demo_runs_for_its_duration_and_reports_a_crisis(tmp_path):
    """`firebreak demo --duration 60` exits 0; its summary has a crisis and a pause flip."""
    summary = tmp_path / "s.json"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streams.cli.main", "demo", "--duration", "60", "--port", "0",
         "--summary-json", str(summary)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=150)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out.decode(errors="replace")[-3000:]
    s = json.loads(summary.read_text())
    assert s["crises"] >= 1 and s["pause_flips"] >= 1 and s["alerts_emitted"] >= 1
    assert s["mentions_processed"] > 500
    assert s["first_pause_after_seconds"] is not None and s["first_pause_after_seconds"] <= 60
    assert s["brands"]["acme"]["paused"] is True
    text = out.decode(errors="replace")
    broker_port = int(re.search(r"broker\s+127\.0\.0\.1:(\d+)", text).group(1))
    worker_port = int(re.search(r"worker\s+http://127\.0\.0\.1:(\d+)", text).group(1))
    assert not _listening(broker_port) and not _listening(worker_port), "left a process behind"
