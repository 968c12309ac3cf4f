"""Real Alertmanager and Prometheus processes, and chat webhook receivers, on loopback.

Each :class:`Daemon` runs one binary on a free 127.0.0.1 port with a temporary
configuration and storage directory, waits for ``/-/ready``, and is always
stopped (SIGTERM, then SIGKILL) by the fixture that started it. Clustering of
Alertmanager is switched off so nothing listens beyond loopback.

A :class:`ChatReceiver` stands in for Slack or Teams: it checks every body against
the documented shape (:func:`check_block_kit`, :func:`check_teams_card`) and refuses
a malformed one with 400, as the real services do.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

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


# -- chat receivers that check what they are sent against the documented shape --------------

BLOCK_TYPES = {"header", "section", "context", "actions", "divider"}
CARD_ELEMENTS = {"TextBlock", "Image", "Media", "RichTextBlock", "Container", "ColumnSet", "Column",
                 "FactSet", "ImageSet", "ActionSet"}  # Adaptive Cards 1.4 (Table is 1.5)
CARD_ACTIONS = {"Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility",
                "Action.Execute"}
INLINES = {"TextRun"}


def _text_object(obj: Any, where: str, limit: int, kinds: tuple[str, ...]) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"{where}: not a {'/'.join(kinds)} text object: {obj!r}"[:200]]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: empty text"]
    return [f"{where}: {len(text)} characters > {limit}"] if len(text) > limit else []


def _link(url: Any, where: str) -> list[str]:
    ok = isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) <= 3000
    return [] if ok else [f"{where}: not an http(s) URL: {url!r}"]


def check_block_kit(body: Any) -> list[str]:
    """What is wrong with a Slack Block Kit message (Slack's documented types and limits).

    A top-level ``text`` fallback, at most 50 blocks of the known layout types, a
    header of plain text up to 150 characters, sections with text up to 3,000 and at
    most 10 fields of up to 2,000, context of at most 10 elements, actions of up to
    25 link buttons (text up to 75) with distinct ``action_id``; no legacy
    ``attachments``.

    Args:
        body: the decoded JSON body.
    """
    if not isinstance(body, dict):
        return ["body is not an object"]
    errors = [] if isinstance(body.get("text"), str) and body["text"] else ["no text fallback"]
    if "attachments" in body:
        errors.append("legacy attachments")
    blocks = body.get("blocks")
    if not isinstance(blocks, list) or not 0 < len(blocks) <= 50:
        return [*errors, "blocks: not a list of 1-50 blocks"]
    for i, b in enumerate(blocks):
        kind, where = b.get("type"), f"blocks[{i}]"
        if kind not in BLOCK_TYPES:
            errors.append(f"{where}: unknown block type {kind!r}")
        elif kind == "header":
            errors += _text_object(b.get("text"), where, 150, ("plain_text",))
        elif kind == "section":
            fields = b.get("fields", [])
            if "text" not in b and not fields:
                errors.append(f"{where}: a section needs text or fields")
            if "text" in b:
                errors += _text_object(b["text"], where, 3000, ("mrkdwn", "plain_text"))
            if len(fields) > 10:
                errors.append(f"{where}: {len(fields)} fields > 10")
            for j, f in enumerate(fields):
                errors += _text_object(f, f"{where}.fields[{j}]", 2000, ("mrkdwn", "plain_text"))
        elif kind == "context":
            elements = b.get("elements") or []
            if not 0 < len(elements) <= 10:
                errors.append(f"{where}: 1-10 elements")
            for j, e in enumerate(elements):
                errors += _text_object(e, f"{where}.elements[{j}]", 3000, ("mrkdwn", "plain_text"))
        elif kind == "actions":
            elements = b.get("elements") or []
            ids = [e.get("action_id") for e in elements]
            if not 0 < len(elements) <= 25 or len(set(ids)) != len(ids):
                errors.append(f"{where}: 1-25 elements with distinct action_id")
            for j, e in enumerate(elements):
                if e.get("type") != "button":
                    errors.append(f"{where}.elements[{j}]: not a button")
                errors += _text_object(e.get("text"), f"{where}.elements[{j}]", 75, ("plain_text",))
                errors += _link(e.get("url"), f"{where}.elements[{j}]")
    return errors


def _card_items(items: Any, where: str) -> list[str]:
    if not isinstance(items, list):
        return [f"{where}: not a list"]
    errors = []
    for i, e in enumerate(items):
        kind, at = e.get("type") if isinstance(e, dict) else None, f"{where}[{i}]"
        if kind not in CARD_ELEMENTS:
            errors.append(f"{at}: {kind!r} is not an Adaptive Card 1.4 element")
            continue
        if kind == "TextBlock" and not (isinstance(e.get("text"), str) and e["text"]):
            errors.append(f"{at}: TextBlock without text")
        if kind == "FactSet" and not all(isinstance(f.get("title"), str) and isinstance(
                f.get("value"), str) for f in e.get("facts") or [None]):
            errors.append(f"{at}: facts need string title and value")
        if kind == "RichTextBlock" and any(r.get("type") not in INLINES for r in e.get("inlines", [])):
            errors.append(f"{at}: inlines must be TextRuns")
        if kind == "Container":
            errors += _card_items(e.get("items"), f"{at}.items")
        if "selectAction" in e:
            errors += _card_actions([e["selectAction"]], f"{at}.selectAction")
    return errors


def _card_actions(actions: Any, where: str) -> list[str]:
    errors = []
    for i, a in enumerate(actions if isinstance(actions, list) else [None]):
        kind = a.get("type") if isinstance(a, dict) else None
        if kind not in CARD_ACTIONS:
            errors.append(f"{where}[{i}]: {kind!r} is not an Adaptive Card action")
        elif kind == "Action.OpenUrl":
            errors += _link(a.get("url"), f"{where}[{i}]")
    return errors


def check_teams_card(body: Any) -> list[str]:
    """What is wrong with a Teams Workflows webhook body carrying an Adaptive Card 1.4.

    ``{"type": "message", "attachments": [{"contentType":
    "application/vnd.microsoft.card.adaptive", "content": card}]}`` where the card has
    ``type`` AdaptiveCard, ``version`` 1.4, the ``$schema``, a body of 1.4 elements
    (containers checked inside) and actions of known types (``Action.OpenUrl`` with an
    http(s) URL).

    Args:
        body: the decoded JSON body.
    """
    if not isinstance(body, dict) or body.get("type") != "message":
        return ['body is not {"type": "message", ...}']
    atts = body.get("attachments")
    if not isinstance(atts, list) or len(atts) != 1:
        return ["attachments: not a list of one card"]
    att = atts[0]
    if att.get("contentType") != "application/vnd.microsoft.card.adaptive":
        return [f"attachments[0].contentType is {att.get('contentType')!r}"]
    card = att.get("content") or {}
    errors = []
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.4":
        errors.append("content: not an AdaptiveCard of version 1.4")
    if card.get("$schema") != "http://adaptivecards.io/schemas/adaptive-card.json":
        errors.append("content: no Adaptive Card $schema")
    if not card.get("body"):
        errors.append("content.body is empty")
    errors += _card_items(card.get("body"), "content.body")
    errors += _card_actions(card.get("actions", []), "content.actions")
    return errors


class ChatReceiver(ThreadingHTTPServer):
    """A local chat webhook (127.0.0.1) that checks each POST body with ``check``.

    A body that fails the check is answered 400 (as Slack and Teams refuse a malformed
    message) and its errors are kept in ``errors``; good bodies are kept in ``posts``.

    Args:
        check: returns what is wrong with a body (empty when it is well formed).
    """

    def __init__(self, check: Any) -> None:
        super().__init__(("127.0.0.1", 0), _ChatHandler)
        self.check = check
        self.posts: list[tuple[str, Any]] = []
        self.errors: list[str] = []

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ChatHandler(BaseHTTPRequestHandler):
    server: ChatReceiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        srv = self.server
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        problems = srv.check(body)
        srv.errors += problems
        if not problems:
            srv.posts.append((self.path, body))
        self.send_response(400 if problems else 200)
        self.end_headers()
        self.wfile.write(b"no" if problems else b"ok")

    def log_message(self, *args: Any) -> None:
        """Quiet."""


S = TypeVar("S", bound=ThreadingHTTPServer)


@contextmanager
def serving(server: S) -> Iterator[S]:
    """Serve ``server`` on a thread; always shut it down and close its socket.

    Args:
        server: a local HTTP server.
    """
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def chat_receiver(check: Any) -> AbstractContextManager[ChatReceiver]:
    """A running :class:`ChatReceiver` (use in a ``with``).

    Args:
        check: the shape check (:func:`check_block_kit`, :func:`check_teams_card`).
    """
    return serving(ChatReceiver(check))
