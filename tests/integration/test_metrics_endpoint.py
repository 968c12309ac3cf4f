"""A live worker's /metrics follows the conventions scrapers expect.

One worker on the embedded broker, with a few mentions so the brand gauges exist;
its ``/metrics`` is read as Prometheus reads it (OpenMetrics asked for by ``Accept``)
and as a plain client does (classic text), and checked by ``promtool check metrics``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.request
from importlib.metadata import version

import pytest

from tests.integration.kafkautil import background, mention, producer, send_all, wait_for

pytestmark = pytest.mark.integration

OPENMETRICS = "application/openmetrics-text; version=1.0.0"
# what Prometheus 2.x sends
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def scrape(url: str, accept: str | None = None) -> tuple[str, str]:
    """``(content type, body)`` of ``GET url`` with the given ``Accept`` header."""
    req = urllib.request.Request(url)
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")


def families(text: str) -> dict[str, str]:
    """Metric family name -> type, from the ``# TYPE`` lines."""
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, flags=re.M))


@pytest.fixture
def metrics_url(broker, names, workers) -> str:
    """The /metrics URL of a worker that has seen mentions of ``acme`` (brand gauges set)."""
    workers.ensure_topics()
    w = workers.start()
    send_all(producer(broker.bootstrap), names.mentions,
             background("acme", n=10) + [mention("acme", i, neg=True) for i in range(5)])
    url = f"{w.url}/metrics"
    assert wait_for(lambda: "firebreak_brand_negative_share_ratio{" in scrape(url)[1], 60), (
        "no brand gauges on /metrics within 60 s")
    return url


def test_classic_text_has_build_info_process_metrics_and_no_created_series(metrics_url: str) -> None:
    """Without an Accept header: text 0.0.4, build info with the version, process_*, no _created."""
    ctype, text = scrape(metrics_url)
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype
    assert "_created" not in text
    build = re.search(r'^firebreak_build_info\{([^}]*)\} 1\.0$', text, flags=re.M)
    assert build, "no firebreak_build_info"
    assert f'version="{version("firebreak")}"' in build.group(1)
    fam = families(text)
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes",
            "process_open_fds", "python_info", "python_gc_collections_total"} <= set(fam)
    shares = [n for n in fam if n.startswith("firebreak_") and "share" in n]
    assert shares and all(n.endswith("_ratio") for n in shares), shares


def test_openmetrics_when_the_scraper_asks_for_it(metrics_url: str) -> None:
    """Prometheus's Accept header gets OpenMetrics (ends in # EOF); no _created there either."""
    for accept in (OPENMETRICS, PROMETHEUS_ACCEPT):
        ctype, text = scrape(metrics_url, accept)
        assert ctype.startswith("application/openmetrics-text"), ctype
        assert text.endswith("# EOF\n")
        assert "_created" not in text
        assert re.search(r"^firebreak_build_info\{", text, flags=re.M)
        assert families(text)["firebreak_mentions_processed"] == "counter"


def test_promtool_check_metrics_is_clean(metrics_url: str) -> None:
    """``promtool check metrics`` finds nothing to complain about in a live worker's output."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (run deploy/ci-install.sh)")
    _, text = scrape(metrics_url)
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr
