"""Real Alertmanager and Prometheus processes on loopback, for the alerting tests.

Each :class:`Daemon` runs one binary on a free 127.0.0.1 port with a temporary
configuration and storage directory, waits for ``/-/ready``, and is always
stopped (SIGTERM, then SIGKILL) by the fixture that started it. Clustering of
Alertmanager is switched off so nothing listens beyond loopback.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from streams.dev.broker import die_with_parent, free_port

log = logging.getLogger(__name__)
ALERTMANAGER = "prometheus-alertmanager"
PROMETHEUS = "prometheus"

ALERTMANAGER_YML = """\
route:
  receiver: blackhole
  group_by: [alertname, brand]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: blackhole
"""


def binary(name: str) -> str:
    """The path of ``name`` (Debian also calls Alertmanager ``alertmanager``); skip when absent.

    Args:
        name: ``prometheus`` or ``prometheus-alertmanager``.
    """
    for candidate in (name, "alertmanager") if name == ALERTMANAGER else (name,):
        path = shutil.which(candidate)
        if path:
            return path
    pytest.skip(f"{name} is not installed (deploy/ci-install.sh installs it)")


def http(url: str, body: Any = None, method: str | None = None, timeout: float = 3.0) -> tuple[int, Any]:
    """A tiny JSON HTTP client; ``(0, None)`` when nothing answers.

    Args:
        url: the URL.
        body: JSON body (POST) or ``None`` (GET).
        method: override the method.
        timeout: seconds.
    """
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw.strip().startswith((b"{", b"[")) else raw
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


class Daemon:
    """One Prometheus-family server on a loopback port.

    Args:
        kind: ``alertmanager`` or ``prometheus``.
        workdir: holds the config, the storage and the log.
        config: configuration YAML text.
    """

    def __init__(self, kind: str, workdir: Path, config: str) -> None:
        self.kind, self.workdir, self.config = kind, workdir, config
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_file = workdir / f"{kind}.log"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The command line."""
        cfg = self.workdir / f"{self.kind}.yml"
        cfg.write_text(self.config)
        data = self.workdir / f"{self.kind}-data"
        data.mkdir(exist_ok=True)
        listen = f"--web.listen-address=127.0.0.1:{self.port}"
        if self.kind == "alertmanager":
            return [binary(ALERTMANAGER), f"--config.file={cfg}", f"--storage.path={data}", listen,
                    "--cluster.listen-address=", "--log.level=warn"]
        return [binary(PROMETHEUS), f"--config.file={cfg}", f"--storage.tsdb.path={data}", listen,
                "--log.level=warn", "--web.enable-lifecycle"]

    def start(self, timeout: float = 20.0) -> Daemon:
        """Start and wait until ``/-/ready`` answers 200.

        Args:
            timeout: seconds to wait.
        """
        cmd = self.command()
        with self.log_file.open("ab") as out:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, preexec_fn=die_with_parent())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log_file.read_text()[-2000:]}")
            if http(f"{self.url}/-/ready", timeout=1.0)[0] == 200:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.kind} not ready in {timeout} s: {self.log_file.read_text()[-2000:]}")

    def stop(self) -> None:
        """Stop (SIGTERM, then SIGKILL after 5 s); the port stays ours for a restart."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@contextmanager
def running(kind: str, workdir: Path, config: str) -> Iterator[Daemon]:
    """Start a daemon and always stop it (use in a fixture or a ``with``).

    Args:
        kind: ``alertmanager`` or ``prometheus``.
        workdir: a temporary directory.
        config: its configuration YAML.
    """
    d = Daemon(kind, workdir, config)
    d.start()
    try:
        yield d
    finally:
        d.stop()


def prometheus_config(target: str, interval: str = "1s") -> str:
    """A Prometheus config scraping one target.

    Args:
        target: ``host:port`` of the /metrics endpoint.
        interval: scrape interval.
    """
    return (f"global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
            f"scrape_configs:\n  - job_name: firebreak\n    static_configs:\n"
            f"      - targets: ['{target}']\n")
