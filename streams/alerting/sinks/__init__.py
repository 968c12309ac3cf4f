"""Alert sinks: one module per destination, all behind :class:`~streams.alerting.sinks.base.Sink`.

``base`` is the interface (rendering a notice into requests, sending one request,
``Retry-After``), ``queue`` the bounded retrying queue in front of each sink, and
every other module here is one destination: ``alertmanager``, ``webhook`` (generic
JSON), ``slack`` (Block Kit), ``teams`` (Adaptive Card). A sink class with a
``kind`` registers itself; :func:`sink_types` imports every module of this package,
so adding a destination is one new module (plus, at most, its URL setting).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from streams.alerting.sinks.base import ChatSink, Sink, WebhookTarget

if TYPE_CHECKING:
    from streams.settings import Settings


def sink_types() -> dict[str, type[Sink]]:
    """Every sink kind, by name (imports each module of this package once)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(Sink.registry)


def sinks_from_settings(settings: Settings, timeout: float = 5.0) -> list[Sink]:
    """The sinks the settings configure, of every kind.

    Args:
        settings: the worker settings.
        timeout: seconds per request.
    """
    return [s for cls in sink_types().values() for s in cls.from_settings(settings, timeout)]


def chat_sink(target: WebhookTarget, timeout: float = 5.0) -> Sink:
    """The chat sink that lays out ``target``'s messages (its ``style`` is a sink kind).

    Args:
        target: the webhook.
        timeout: seconds per request.

    Raises:
        ValueError: no chat sink of that kind.
    """
    cls = sink_types().get(target.style)
    if cls is None or not issubclass(cls, ChatSink):
        kinds = sorted(k for k, c in sink_types().items() if issubclass(c, ChatSink))
        raise ValueError(f"webhook {target.name}: unknown style {target.style!r} (one of {kinds})")
    return cls(target, timeout)
