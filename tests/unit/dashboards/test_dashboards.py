"""The committed Grafana dashboards: up to date with ``dashboards/build.py``, valid, on real metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from streams.alerting.metrics import create_metrics
from streams.worker.metrics import create

ROOT = Path(__file__).resolve().parents[3]
FILES = ("brand-health.json", "pipeline-health.json")
BUILTIN = {"up"}


def load(name: str) -> dict[str, Any]:
    """A committed dashboard."""
    return json.loads((ROOT / "dashboards" / name).read_text(encoding="utf-8"))


def exprs(model: dict[str, Any]) -> list[str]:
    """Every PromQL expression of a dashboard (panels and annotations)."""
    out = [t["expr"] for p in model["panels"] for t in p.get("targets", []) if t.get("expr")]
    out += [a["expr"] for a in model.get("annotations", {}).get("list", []) if a.get("expr")]
    return out


def known_metrics() -> set[str]:
    """Metric names (with histogram/counter suffixes) the workers export."""
    reg = CollectorRegistry()
    create(reg)
    create_metrics(reg)
    names = set()
    for family in reg.collect():
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
        names.add(family.name)
        names.update(family.name + sfx for sfx in suffixes.get(family.type, ()))
    return names | BUILTIN


def test_committed_json_is_what_build_py_generates() -> None:
    """Editing build.py without regenerating (python -m dashboards.build) fails here."""
    pytest.importorskip("grafana_foundation_sdk", reason="pip install grafana-foundation-sdk")
    from dashboards import build

    for name in FILES:
        assert (ROOT / "dashboards" / name).read_text(encoding="utf-8") == build.render(name), (
            f"dashboards/{name} is out of date: run `python -m dashboards.build`")


@pytest.mark.parametrize("name", FILES)
def test_dashboard_structure(name: str) -> None:
    """Unique uid and panel ids, every panel on the Prometheus variable, inside a 24-column grid."""
    model = load(name)
    assert model["uid"].startswith("firebreak-") and "firebreak" in model["tags"]
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids))
    for p in model["panels"]:
        pos = p["gridPos"]
        assert pos["x"] + pos["w"] <= 24 and p.get("title")
        if p["type"] != "row":
            assert p["datasource"]["uid"] == "${datasource}", p["title"]
            assert p["targets"] and all(t["refId"] for t in p["targets"]), p["title"]


@pytest.mark.parametrize("name", FILES)
def test_queries_use_only_known_metrics(name: str) -> None:
    """Every metric a panel queries exists in streams.worker.metrics or the notifier."""
    known = known_metrics()
    for expr in exprs(load(name)):
        for metric in re.findall(r"\b((?:firebreak_)\w+|up)\b(?=\s*[{\[)])", expr):
            assert metric in known, f"{name}: unknown metric {metric} in {expr}"


@pytest.mark.parametrize("name", FILES)
def test_crisis_and_pause_transitions_are_annotated(name: str) -> None:
    """Marks where a brand's crisis state or pause flag changed, on the data source variable."""
    notes = {a["name"]: a for a in load(name)["annotations"]["list"] if a.get("expr")}
    crisis, pause = notes["Crisis transitions"], notes["Promotion pause"]
    assert re.search(r"changes\(firebreak_crisis_state\{[^}]*\}\[\w+\]\)", crisis["expr"])
    assert re.search(r"changes\(firebreak_promotion_paused\{[^}]*\}\[\w+\]\)", pause["expr"])
    for a in (crisis, pause):
        assert a["enable"] and a["datasource"]["uid"] == "${datasource}" and a["tagKeys"] == "brand"
    if name == "brand-health.json":  # follow the brand picker
        assert all('brand=~"$brand"' in a["expr"] for a in (crisis, pause))


@pytest.mark.parametrize("name", FILES)
def test_variables_links_and_import_metadata(name: str) -> None:
    """Data source (and brand) variables, links to the other dashboard and the runbook, __inputs."""
    from streams.alerting.render import RUNBOOK_URL

    model = load(name)
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    if name == "brand-health.json":
        brand = variables["brand"]
        assert brand["type"] == "query" and brand["multi"] and brand["includeAll"]
    links = {link["type"]: link for link in model["links"]}
    assert links["dashboards"]["tags"] == ["firebreak"] and links["dashboards"]["includeVars"]
    assert links["link"]["url"] == RUNBOOK_URL
    others = [f for f in FILES if f != name]
    assert all("firebreak" in load(f)["tags"] for f in others)  # what the tag link lists
    inputs = {i["name"]: i for i in model["__inputs"]}
    assert inputs["DS_PROMETHEUS"]["pluginId"] == "prometheus"
    assert variables["datasource"]["current"]["value"] == "${DS_PROMETHEUS}"
    required = {(r["type"], r["id"]) for r in model["__requires"]}
    assert {("grafana", "grafana"), ("datasource", "prometheus")} <= required
    assert {("panel", p["type"]) for p in model["panels"] if p["type"] != "row"} <= required
    assert model["schemaVersion"] >= 39


def test_pipeline_queries_follow_the_job_and_instance_variables() -> None:
    """Every Pipeline health query is narrowed by $job and $instance, which list worker jobs."""
    model = load("pipeline-health.json")
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert "firebreak_build_info" in variables["job"]["query"]
    assert '$job' in variables["instance"]["query"] and variables["instance"]["includeAll"]
    panel_exprs = [t["expr"] for p in model["panels"] for t in p.get("targets", [])]
    for expr in panel_exprs:
        selectors = re.findall(r"\b(?:firebreak_\w+|up)\{[^}]*\}", expr)
        assert selectors and all('job=~"$job", instance=~"$instance"' in s for s in selectors), expr


@pytest.mark.parametrize(("expr", "want"), [
    ('sum(up{job="firebreak"})', "sum(up{S})"),
    ("sum(rate(firebreak_x_total[5m]))", "sum(rate(firebreak_x_total{S}[5m]))"),
    ('sum by (t) (firebreak_lag{topic="m"})', 'sum by (t) (firebreak_lag{S, topic="m"})'),
])
def test_scoped_adds_the_matchers_to_every_selector(expr: str, want: str) -> None:
    """scoped() puts the variables on bare, braced and job-matched selectors alike."""
    from dashboards.meta import SCOPE, scoped

    assert scoped(expr) == want.replace("S", SCOPE)


def test_brand_health_shows_what_brand_managers_need() -> None:
    """Volume, negativity, state timeline, pause flag, languages, sources and unanswered negatives."""
    titles = " | ".join(p["title"] for p in load("brand-health.json")["panels"]).lower()
    for word in ("mentions per minute", "negative share", "crisis state", "promotion paused",
                 "languages", "sources", "unanswered"):
        assert word in titles


def test_queries_are_valid_promql(tmp_path: Path) -> None:
    """promtool parses every query (variables replaced by sample values)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (deploy/ci-install.sh installs it)")
    rules = []
    for name in FILES:
        for i, expr in enumerate(exprs(load(name))):
            e = expr.replace("$__range", "1h").replace("$__interval", "1m").replace("$brand", ".*")
            rules.append({"record": f"check:{name.split('.')[0].replace('-', '_')}:{i}", "expr": e})
    path = tmp_path / "dashboards-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    run = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr


def test_grafana_provisioning_points_at_the_dashboards() -> None:
    """The provisioning file loads the folder compose mounts the dashboards into."""
    prov = ROOT / "deploy" / "grafana" / "provisioning"
    dash = yaml.safe_load((prov / "dashboards" / "firebreak.yml").read_text())
    assert dash["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards/firebreak"
    ds = yaml.safe_load((prov / "datasources" / "prometheus.yml").read_text())
    assert any(d["type"] == "prometheus" and d["uid"] == "prometheus" for d in ds["datasources"])
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert "../dashboards:/var/lib/grafana/dashboards/firebreak:ro" in mounts
