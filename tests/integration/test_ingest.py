"""``firebreak ingest FILE`` produces valid mentions and reports bad lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from streams.dev.procs import ROOT
from tests.integration.kafkautil import mention, read_all

pytestmark = pytest.mark.integration


def test_ingest_produces_good_lines_and_reports_bad_ones(broker, names, workers, tmp_path):
    """Good lines land in `mentions` keyed by id; bad lines are counted with line numbers."""
    workers.ensure_topics()
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(mention("acme", i, neg=False)) for i in range(50)]
    lines.insert(10, "{not json")
    lines.insert(20, json.dumps({"id": "x", "brand": "acme"}))
    path.write_text("\n".join(lines) + "\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "streams.cli.main", "ingest", str(path), "--no-progress",
         "--brokers", broker.bootstrap, "--topic-prefix", names.prefix],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert "52 read, 50 produced" in out.stdout and "2 bad" in out.stdout
    assert "line 11:" in out.stdout and "line 21: text" in out.stdout
    records = read_all(broker.bootstrap, names.mentions)
    assert len(records) == 50 and records[0].key.decode().startswith("m-acme-")
