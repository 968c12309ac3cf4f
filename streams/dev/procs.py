"""Run ``firebreak worker`` as a child process (demo, integration tests, benchmarks).

    w = WorkerProcess(broker.url, port=free_port(), env={"FIREBREAK_PARTITIONS": "4"})
    w.start(); w.wait_ready(60)
    ...
    w.stop()        # SIGTERM, then SIGKILL after a grace period
    w.kill()        # SIGKILL at once (crash tests)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from streams.client.http import http_json
from streams.dev.broker import die_with_parent, free_port, terminate

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """A ``firebreak worker`` child process.

    Args:
        broker_url: ``kafka://host:port``.
        port: HTTP port (a free one when ``None``).
        env: extra ``FIREBREAK_*`` settings.
        log_file: where its output goes (discarded when ``None``).
        root: the checkout whose code it runs (default: this one; benchmarks compare two).
    """

    def __init__(self, broker_url: str, port: int | None = None,
                 env: dict[str, str] | None = None, log_file: str | Path | None = None,
                 root: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_file = Path(log_file) if log_file else None
        self.root = root or ROOT
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FIREBREAK_")},
            "PYTHONPATH": os.pathsep.join(filter(None, [str(self.root),
                                                        os.environ.get("PYTHONPATH")])),
            "FIREBREAK_BROKERS": broker_url,
            "FIREBREAK_WEB_PORT": str(self.port),
            "FIREBREAK_WEB_HOST": "127.0.0.1",
            **(env or {}),
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of its HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self.proc.pid if self.proc else None

    def start(self, loglevel: str = "warning", cpus: str | None = None) -> WorkerProcess:
        """Start the worker process.

        Args:
            loglevel: the worker's log level.
            cpus: pin it to these cores (a ``taskset -c`` list such as ``"1"``).
        """
        out: Any = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        pin = ["taskset", "-c", cpus] if cpus else []
        try:
            self.proc = subprocess.Popen(
                [*pin, sys.executable, "-m", "streams.cli.main", "worker", "--loglevel", loglevel],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=str(self.root), start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGKILL))
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        return self

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.proc is not None and self.proc.poll() is None

    def health(self) -> tuple[int, Any]:
        """``GET /healthz``."""
        return http_json(f"{self.url}/healthz", timeout=2.0)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until ``/healthz`` says ready.

        Args:
            timeout: seconds.

        Raises:
            RuntimeError: the process exited.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"worker exited with {self.proc.returncode if self.proc else '?'}"
                                   f" (log: {self.log_file})")
            status, _ = self.health()
            if status == 200:
                return True
            time.sleep(0.25)
        return False

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds.

        Args:
            grace: seconds to wait for a clean stop.
        """
        proc, self.proc = self.proc, None
        terminate(proc, grace)

    def kill(self) -> None:
        """SIGKILL (a crash)."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(5)

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds the process has used so far (Linux), or ``None``."""
        return cpu_seconds(self.pid) if self.alive() else None

    def rss_bytes(self) -> int | None:
        """Resident set size of the process (Linux), or ``None``."""
        if not self.alive():
            return None
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` from ``/proc`` (Linux), or ``None``.

    Args:
        pid: the process id.
    """
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
