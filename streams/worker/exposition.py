"""The worker's metrics registry and its ``/metrics`` exposition.

    registry = worker_registry()                     # process, platform, GC, build info
    body, content_type = render(registry, request.headers.get("Accept"))

What a scraper expects of any exporter: ``process_*`` and ``python_*`` collectors,
``firebreak_build_info{version,python_version,faust_version} 1``, no ``_created``
series, and OpenMetrics when the scraper asks for it (Prometheus does, by its
``Accept`` header); the classic text format otherwise.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    Gauge,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

UNKNOWN = "unknown"


def package_version(name: str) -> str:
    """The installed version of a distribution, ``unknown`` when it is not installed.

    Args:
        name: the distribution name (``firebreak``, ``faust-streaming``).
    """
    try:
        return version(name)
    except PackageNotFoundError:
        return UNKNOWN


def add_build_info(registry: CollectorRegistry, prefix: str = "firebreak") -> Gauge:
    """Register ``<prefix>_build_info`` (always 1) labelled with the versions that run.

    Args:
        registry: where to register.
        prefix: metric name prefix.
    """
    info = Gauge(f"{prefix}_build_info",
                 "Always 1; the labels say which Firebreak, Python and Faust run.",
                 ("version", "python_version", "faust_version"), registry=registry)
    info.labels(version=package_version("firebreak"), python_version=platform.python_version(),
                faust_version=package_version("faust-streaming")).set(1)
    return info


def worker_registry(prefix: str = "firebreak") -> CollectorRegistry:
    """A fresh registry with the process, platform and GC collectors and the build info.

    Also turns off the ``_created`` series of counters and histograms, for the whole
    process (prometheus_client keeps that switch global; the environment variable
    ``PROMETHEUS_DISABLE_CREATED_SERIES=true`` does the same at import).

    Args:
        prefix: metric name prefix of the build info.
    """
    disable_created_metrics()
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    add_build_info(registry, prefix)
    return registry


def render(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The exposition body and its content type, in the format the ``Accept`` header asks for.

    Args:
        registry: what to expose.
        accept: the request's ``Accept`` header (``None``: the classic text format).
    """
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
