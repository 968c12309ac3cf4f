"""The worker registry and /metrics content negotiation (streams/worker/exposition.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, enable_created_metrics

from streams.worker.exposition import package_version, render, worker_registry
from streams.worker.metrics import create


@pytest.fixture
def registry() -> Iterator[CollectorRegistry]:
    """A worker registry with every worker metric; the process-wide _created switch is reset after."""
    reg = worker_registry()
    create(reg).mentions.labels(brand="other", label="neg", lang="en", source="x").inc()
    try:
        yield reg
    finally:
        enable_created_metrics()


class TestWorkerRegistry:
    """What a scraper expects to find in any exporter."""

    def test_build_info_names_the_installed_version(self, registry: CollectorRegistry) -> None:
        """firebreak_build_info is 1 and labelled with the installed version."""
        sample = next(s for f in registry.collect() if f.name == "firebreak_build_info"
                      for s in f.samples)
        assert sample.value == 1 and sample.labels["version"] == package_version("firebreak")

    def test_process_and_platform_collectors_are_registered(self, registry: CollectorRegistry) -> None:
        """process_*, python_info and python_gc_* are on the worker's registry."""
        names = {f.name for f in registry.collect()}
        assert {"process_cpu_seconds", "python_info", "python_gc_collections"} <= names

    def test_no_created_series(self, registry: CollectorRegistry) -> None:
        """Counters and histograms expose no _created samples."""
        samples = [s.name for f in registry.collect() for s in f.samples]
        assert "firebreak_mentions_processed_total" in samples
        assert not [n for n in samples if n.endswith("_created")]

    def test_unknown_package_has_unknown_version(self) -> None:
        """A distribution that is not installed reports ``unknown``, not an error."""
        assert package_version("no-such-distribution-firebreak") == "unknown"


class TestRender:
    """Content negotiation by the Accept header."""

    @pytest.mark.parametrize(("accept", "ctype"), [
        (None, "text/plain; version=0.0.4"),
        ("text/plain", "text/plain; version=0.0.4"),
        ("application/openmetrics-text; version=1.0.0", "application/openmetrics-text"),
        ("application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         "application/openmetrics-text"),
    ])
    def test_format_follows_accept(self, registry: CollectorRegistry, accept: str | None, ctype: str) -> None:
        """OpenMetrics (ending in # EOF) only when asked for; the classic format otherwise."""
        body, content_type = render(registry, accept)
        assert content_type.startswith(ctype)
        assert body.endswith(b"# EOF\n") == ctype.startswith("application/openmetrics-text")
