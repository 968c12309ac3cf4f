"""Deployment files: Prometheus config and rules (with unit tests), Alertmanager routing,
the compose file and the Kubernetes manifests.

``promtool``, ``amtool`` and ``kubectl`` checks skip (with the reason) only when the binary is
absent; ``deploy/ci-install.sh`` installs all three.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from prometheus_client import CollectorRegistry

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
PROM = DEPLOY / "prometheus"
AM = DEPLOY / "alertmanager" / "alertmanager.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"


def tool(name: str) -> str:
    """Path of a binary, or skip the test saying how to get it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (run deploy/ci-install.sh)")
    return path


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    """Run a checker; its output is in the assertion message."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)


class TestPrometheus:
    """Scrape config and alert rules."""

    def test_config_is_valid(self) -> None:
        """promtool accepts prometheus.yml and the rule file it names."""
        r = run(tool("promtool"), "check", "config", str(PROM / "prometheus.yml"))
        assert r.returncode == 0, r.stdout + r.stderr

    def test_rules_are_valid(self) -> None:
        """promtool accepts the alert rules."""
        r = run(tool("promtool"), "check", "rules", str(PROM / "firebreak-rules.yml"))
        assert r.returncode == 0, r.stdout + r.stderr

    def test_rule_unit_tests_pass(self) -> None:
        """Every alert behaves as its promtool unit test says (deploy/prometheus/tests)."""
        tests = sorted((PROM / "tests").glob("*.yml"))
        assert tests
        r = run(tool("promtool"), "test", "rules", *map(str, tests))
        assert r.returncode == 0, r.stdout + r.stderr

    def test_required_alerts_exist_and_are_tested(self) -> None:
        """Worker down, lag, DLQ, delivery failing and the crisis backstop exist, each with a test."""
        rules = yaml.safe_load((PROM / "firebreak-rules.yml").read_text())
        names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
        required = {"FirebreakWorkerDown", "FirebreakAllWorkersDown", "FirebreakConsumerLagHigh",
                    "FirebreakDeadLettersHigh", "FirebreakAlertDeliveryFailing",
                    "FirebreakBrandCrisisBackstop"}
        assert required <= names
        tested = set()
        for f in (PROM / "tests").glob("*.yml"):
            for t in yaml.safe_load(f.read_text())["tests"]:
                tested |= {a["alertname"] for a in t.get("alert_rule_test", []) if a.get("exp_alerts")}
        assert names <= tested, f"alerts without a firing test: {names - tested}"
        for g in rules["groups"]:
            for r in g["rules"]:
                assert r["labels"]["severity"] in {"critical", "warning", "none"}

    def test_scrapes_both_compose_workers(self) -> None:
        """The firebreak job scrapes every worker of the compose file."""
        cfg = yaml.safe_load((PROM / "prometheus.yml").read_text())
        job = next(j for j in cfg["scrape_configs"] if j["job_name"] == "firebreak")
        targets = {t for sc in job["static_configs"] for t in sc["targets"]}
        compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
        workers = {f"{name}:6066" for name in compose["services"] if name.startswith("worker")}
        assert targets == workers


def runbook_anchors() -> set[str]:
    """The section anchors of docs/runbook.md, as a Markdown renderer derives them from headings."""
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            anchors.add(re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-"))
    return anchors


def assert_runbook_link(url: str, alertname: str) -> None:
    """``url`` is absolute, on the default runbook page, at the alert's own section, which exists."""
    from streams.alerting.render import RUNBOOK_URL

    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc, f"{alertname}: not an absolute URL: {url}"
    assert url.split("#", 1)[0] == RUNBOOK_URL, f"{alertname}: not on the runbook page: {url}"
    assert parts.fragment == alertname.lower(), f"{alertname}: links to #{parts.fragment}"
    assert parts.fragment in runbook_anchors(), f"{alertname}: no section #{parts.fragment} in {RUNBOOK}"


class TestRunbookLinks:
    """Every alert, from Prometheus or from the notifier, says what it means and links to its runbook."""

    def test_every_rule_has_summary_description_severity_and_absolute_runbook_url(self) -> None:
        """Each rule has a severity label, summary and description, and an absolute runbook_url."""
        rules = yaml.safe_load((PROM / "firebreak-rules.yml").read_text())
        for g in rules["groups"]:
            for r in g["rules"]:
                name = r["alert"]
                assert r["labels"].get("severity") in {"critical", "warning", "none"}, name
                ann = r.get("annotations", {})
                for key in ("summary", "description", "runbook_url"):
                    assert str(ann.get(key, "")).strip(), f"{name}: no {key}"
                assert_runbook_link(ann["runbook_url"], name)

    def test_the_notifiers_brand_crisis_alert_links_to_its_runbook(self) -> None:
        """am_alert() carries summary, description, severity and the BrandCrisis runbook section."""
        from streams.alerting.render import ALERTNAME, Crisis
        from streams.alerting.sinks.alertmanager import am_alert
        from streams.wire.alert import AlertEvent

        event = AlertEvent(kind="crisis", brand="acme", at="2026-03-02T03:03:01Z",
                           fingerprint="acme:1772420581", crisis_id="acme:1772420581")
        alert = am_alert(Crisis.from_alert(event))
        assert alert["labels"]["alertname"] == ALERTNAME and alert["labels"]["severity"]
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
        assert_runbook_link(alert["annotations"]["runbook_url"], ALERTNAME)

    def test_a_configured_runbook_page_is_used_and_must_be_absolute(self) -> None:
        """FIREBREAK_RUNBOOK_URL moves the link; a relative one is refused at start-up."""
        from streams.alerting.notifier import Notifier, create_metrics
        from streams.alerting.render import Crisis
        from streams.alerting.sinks.alertmanager import am_alert
        from streams.settings import Settings
        from streams.wire.alert import AlertEvent

        page = "https://wiki.example.org/firebreak/runbook"
        s = Settings(runbook_url=page)
        event = AlertEvent(kind="crisis", brand="acme", at="2026-03-02T03:03:01Z",
                           fingerprint="acme:none")
        c = Crisis.from_alert(event, runbook_url=s.runbook_url)
        assert am_alert(c)["annotations"]["runbook_url"] == f"{page}#brandcrisis"
        with pytest.raises(ValueError):
            Settings(runbook_url="docs/runbook.md")
        with pytest.raises(ValueError, match="absolute"):
            Notifier([], create_metrics(CollectorRegistry()), runbook_url="docs/runbook.md")


class TestAlertmanager:
    """Routing by severity, with placeholders for secrets."""

    def test_config_and_templates_are_valid(self, tmp_path: Path) -> None:
        """amtool accepts the config, with the templates it would load in the container."""
        text = AM.read_text().replace("/etc/alertmanager/templates/*.tmpl",
                                      str(DEPLOY / "alertmanager" / "templates" / "*.tmpl"))
        cfg = tmp_path / "alertmanager.yml"
        cfg.write_text(text)
        r = run(tool("amtool"), "check-config", str(cfg))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "1 templates" in r.stdout

    @pytest.mark.parametrize(("labels", "receivers"), [
        (["alertname=BrandCrisis", "team=comms", "severity=critical", "brand=acme"],
         "comms-pager,comms-chat"),
        (["alertname=FirebreakBrandCrisisBackstop", "team=comms", "severity=critical", "brand=acme"],
         "comms-pager,comms-chat"),
        (["alertname=FirebreakUnansweredNegatives", "team=comms", "severity=warning"], "comms-chat"),
        (["alertname=FirebreakAllWorkersDown", "team=ops", "severity=critical"], "ops-pager"),
        (["alertname=FirebreakDeadLettersHigh", "team=ops", "severity=warning"], "ops-chat"),
        (["alertname=Watchdog", "team=ops", "severity=none"], "deadmans-switch"),
    ])
    def test_routes_by_severity_and_team(self, labels: list[str], receivers: str) -> None:
        """Crises page comms; critical pipeline alerts page ops; warnings go to chat."""
        r = run(tool("amtool"), "config", "routes", "test", f"--config.file={AM}",
                f"--verify.receivers={receivers}", *labels)
        assert r.returncode == 0, r.stdout + r.stderr

    def test_no_secrets_in_config(self) -> None:
        """Receivers read secrets from files; only placeholders are committed."""
        cfg = yaml.safe_load(AM.read_text())
        for rc in cfg["receivers"]:
            for slack in rc.get("slack_configs", []):
                assert "api_url" not in slack and slack["api_url_file"].startswith("/etc/alertmanager/")
            for pd in rc.get("pagerduty_configs", []):
                assert "routing_key" not in pd and "service_key" not in pd
        for f in (DEPLOY / "alertmanager" / "secrets.example").iterdir():
            assert "REPLACE" in f.read_text()


def compose() -> dict[str, Any]:
    """The compose file, merged YAML anchors included."""
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


class TestCompose:
    """The compose file (``docker compose config`` needs the compose plugin; PyYAML always works)."""

    def test_services_and_wiring(self) -> None:
        """Kafka (KRaft), two workers, Prometheus, Alertmanager and Grafana, wired together."""
        c = compose()
        s = c["services"]
        assert {"kafka", "worker-1", "worker-2", "prometheus", "alertmanager", "grafana"} <= set(s)
        kafka = s["kafka"]["environment"]
        assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller" and "zookeeper" not in str(s).lower()
        for w in ("worker-1", "worker-2"):
            env = s[w]["environment"]
            assert env["FIREBREAK_BROKERS"] == "kafka://kafka:9092"
            assert s[w]["depends_on"]["kafka"]["condition"] == "service_healthy"
            assert s[w]["build"]["dockerfile"] == "deploy/Dockerfile"
        for svc in s.values():
            for port in svc.get("ports", []):
                assert str(port).startswith("127.0.0.1:"), f"published beyond loopback: {port}"
        for svc in s.values():  # every bind mount exists in the repository
            for vol in svc.get("volumes", []):
                if vol.startswith("${"):  # ${VAR:-default}:/target
                    src = vol[2:vol.index("}")].split(":-", 1)[1]
                else:
                    src = vol.split(":")[0]
                if src.startswith("."):
                    assert (DEPLOY / src).exists(), vol

    def test_docker_compose_config(self) -> None:
        """``docker compose config`` accepts the file (when the compose plugin is installed)."""
        docker = tool("docker")
        probe = run(docker, "compose", "version")
        if probe.returncode != 0:
            pytest.skip("the docker compose plugin is not installed")
        r = run(docker, "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet")
        assert r.returncode == 0, r.stdout + r.stderr

    def test_dockerfile(self) -> None:
        """The image runs ``firebreak worker`` as a non-root user on port 6066."""
        text = (DEPLOY / "Dockerfile").read_text()
        assert "USER 10001:10001" in text and 'CMD ["worker"]' in text and "EXPOSE 6066" in text
        assert "/healthz" in text.split("HEALTHCHECK", 1)[1] and "/metrics" not in text
        for src in ("pyproject.toml", "detectors", "streams"):
            assert (ROOT / src).exists()


class TestImage:
    """deploy/Dockerfile and its build context (no Docker engine needed)."""

    def test_base_image_pinned_by_version_and_digest(self) -> None:
        """Every stage builds FROM one base named by a full version tag and a sha256 digest."""
        text = (DEPLOY / "Dockerfile").read_text()
        base = re.search(r"^ARG BASE=(\S+)$", text, flags=re.M)
        assert base, "no ARG BASE"
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base.group(1))
        froms = re.findall(r"^FROM (\S+)", text, flags=re.M)
        assert froms and set(froms) == {"${BASE}"}

    def test_oci_labels_match_the_project(self) -> None:
        """OCI source, version and licenses labels; version and licence as in pyproject.toml."""
        import tomllib

        text = (DEPLOY / "Dockerfile").read_text()
        project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
        labels = dict(re.findall(r'(org\.opencontainers\.image\.\w+)="([^"]*)"', text))
        args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.M))
        value = {k: re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], v) for k, v in labels.items()}
        assert value["org.opencontainers.image.version"] == project["version"]
        assert value["org.opencontainers.image.licenses"] == project["license"]
        assert urlsplit(value["org.opencontainers.image.source"]).scheme == "https"
        assert {"title", "description", "revision"} <= {k.rsplit(".", 1)[1] for k in labels}

    def test_build_context_leaves_out_git_venv_and_tests(self) -> None:
        """Under .dockerignore the context keeps what the Dockerfile copies and drops .git, .venv, caches."""
        patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                    if p.strip() and not p.startswith("#")]
        for path in (".git", ".git/HEAD", ".venv/bin/python", "streams/__pycache__/x.pyc",
                     "tests/test_deploy.py", "benchmarks/run.py", "out/replay.png",
                     ".pytest_cache/v", "firebreak.egg-info/PKG-INFO"):
            assert dockerignored(path, patterns), f"{path} would be in the build context"
        for path in ("pyproject.toml", "README.md", "detectors/events.py", "streams/settings.py",
                     "detectors/sentiment/lexicons/en/valence.tsv"):
            assert not dockerignored(path, patterns), f"{path} is needed by the Dockerfile"
        copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (DEPLOY / "Dockerfile").read_text(), flags=re.M)
        for src in " ".join(copied).split():
            assert not dockerignored(src, patterns), f"COPY {src} is excluded by .dockerignore"


def _docker_pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regex (Go filepath.Match plus ``**``, anchored at the root)."""
    pattern = pattern.strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` out of the context: the last matching pattern (or one
    matching a parent directory) decides, ``!`` patterns re-include."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    excluded = False
    for raw in patterns:
        negate = raw.startswith("!")
        rx = _docker_pattern(raw[1:] if negate else raw)
        if any(rx.fullmatch(p) for p in prefixes):
            excluded = not negate
    return excluded


def k8s() -> dict[str, dict[str, Any]]:
    """Every Kubernetes document by kind/name."""
    out = {}
    for f in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(f.read_text()):
            if doc and "kind" in doc and doc["kind"] != "Kustomization":
                assert {"apiVersion", "kind", "metadata"} <= set(doc), f
                out[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return out


class TestKubernetes:
    """Manifests for the workers."""

    def test_workers_are_wired_to_config_secret_and_probes(self) -> None:
        """The Deployment reads the ConfigMap and Secret, probes /healthz, runs non-root."""
        docs = k8s()
        dep = docs["Deployment/firebreak-worker"]
        pod = dep["spec"]["template"]
        assert dep["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        c = pod["spec"]["containers"][0]
        refs = {next(iter(e.values()))["name"] for e in c["envFrom"]}
        assert refs == {"firebreak-config", "firebreak-secrets"}
        assert "ConfigMap/firebreak-config" in docs and "Secret/firebreak-secrets" in docs
        assert c["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert all(v == "REPLACE_ME" or "REPLACE" in v
                   for v in docs["Secret/firebreak-secrets"]["stringData"].values())

    def test_services_select_the_workers(self) -> None:
        """Both Services select the worker pods on the http port."""
        docs = k8s()
        pod_labels = docs["Deployment/firebreak-worker"]["spec"]["template"]["metadata"]["labels"]
        for name in ("Service/firebreak", "Service/firebreak-workers"):
            svc = docs[name]["spec"]
            assert svc["selector"].items() <= pod_labels.items()
            assert svc["ports"][0]["targetPort"] == "http"

    def test_kustomization_lists_existing_files(self) -> None:
        """kustomization.yaml names files that exist (the Secret is created out of band)."""
        kz = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
        for res in kz["resources"]:
            assert (DEPLOY / "k8s" / res).is_file()
        assert "secret.example.yaml" not in kz["resources"]

    def test_configmap_brands_file_is_valid(self, tmp_path: Path) -> None:
        """The brand configuration shipped in the ConfigMap loads."""
        from detectors.config import BrandBook

        data = k8s()["ConfigMap/firebreak-config"]["data"]
        path = tmp_path / "brands.yaml"
        path.write_text(data["brands.yaml"])
        assert BrandBook.load(path).is_configured("acme")
        assert BrandBook.load(DEPLOY / "firebreak" / "brands.yaml").is_configured("acme")


def version() -> str:
    """The project version (pyproject.toml), which labels and image tags must carry."""
    import tomllib

    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def rendered() -> dict[str, dict[str, Any]]:
    """``kubectl kustomize deploy/k8s`` (offline), every document by kind/name."""
    r = run(tool("kubectl"), "kustomize", str(DEPLOY / "k8s"))
    assert r.returncode == 0, r.stdout + r.stderr
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(r.stdout) if d}


RECOMMENDED = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
               "app.kubernetes.io/component", "app.kubernetes.io/part-of",
               "app.kubernetes.io/managed-by")


class TestKustomize:
    """What ``kubectl kustomize deploy/k8s`` renders (kubectl: deploy/ci-install.sh)."""

    def test_renders_the_worker_objects(self) -> None:
        """The kustomization renders offline into every object a worker needs."""
        assert set(rendered()) == {
            "ServiceAccount/firebreak", "ConfigMap/firebreak-config",
            "Deployment/firebreak-worker", "Service/firebreak", "Service/firebreak-workers",
            "PodDisruptionBudget/firebreak-worker", "NetworkPolicy/firebreak-worker"}

    def test_recommended_labels_with_the_version_everywhere(self) -> None:
        """Every object and the pod template carry the app.kubernetes.io/* labels and the version."""
        docs = rendered()
        pod = docs["Deployment/firebreak-worker"]["spec"]["template"]
        for name, labels in [*((n, d["metadata"].get("labels", {})) for n, d in docs.items()),
                             ("pod template", pod["metadata"]["labels"])]:
            missing = [k for k in RECOMMENDED if k not in labels]
            assert not missing, f"{name} lacks {missing}"
            assert labels["app.kubernetes.io/version"] == version(), name
        selector = docs["Deployment/firebreak-worker"]["spec"]["selector"]["matchLabels"]
        assert "app.kubernetes.io/version" not in selector  # selectors are immutable
        image = pod["spec"]["containers"][0]["image"]
        assert image.rsplit(":", 1)[1] == version(), image

    def test_probes_startup_liveness_and_readiness_on_healthz(self) -> None:
        """startupProbe waits for recovery; liveness on /healthz?probe=live (not /metrics)."""
        c = rendered()["Deployment/firebreak-worker"]["spec"]["template"]["spec"]["containers"][0]
        assert c["startupProbe"]["httpGet"]["path"] == "/healthz?probe=startup"
        startup = c["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= 600  # long recoveries
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz?probe=live"
        assert c["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert all(c[p]["httpGet"]["port"] == "http"
                   for p in ("startupProbe", "livenessProbe", "readinessProbe"))

    def test_pod_is_locked_down_and_sized(self) -> None:
        """No API token, non-root, read-only root, all capabilities dropped, requests and limits."""
        docs = rendered()
        spec = docs["Deployment/firebreak-worker"]["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is False
        assert docs[f"ServiceAccount/{spec['serviceAccountName']}"]["automountServiceAccountToken"] is False
        assert spec["securityContext"]["runAsNonRoot"] is True
        c = spec["containers"][0]
        sc = c["securityContext"]
        assert sc["runAsNonRoot"] is True and sc["readOnlyRootFilesystem"] is True
        assert sc["allowPrivilegeEscalation"] is False and sc["capabilities"]["drop"] == ["ALL"]
        assert {"cpu", "memory"} <= set(c["resources"]["requests"])
        assert {"cpu", "memory"} <= set(c["resources"]["limits"])

    def test_network_policy_guards_the_workers(self) -> None:
        """The NetworkPolicy selects the worker pods, admits only the http port, restricts egress."""
        docs = rendered()
        pol = docs["NetworkPolicy/firebreak-worker"]["spec"]
        pod_labels = docs["Deployment/firebreak-worker"]["spec"]["template"]["metadata"]["labels"]
        assert pol["podSelector"]["matchLabels"].items() <= pod_labels.items()
        assert set(pol["policyTypes"]) == {"Ingress", "Egress"}
        assert [p["port"] for rule in pol["ingress"] for p in rule["ports"]] == [6066]
        egress = {p["port"] for rule in pol["egress"] for p in rule["ports"]}
        assert {53, 9092} <= egress


def test_ci_install_script_is_idempotent_shell() -> None:
    """ci-install.sh parses, is executable, and exits 0 at once when the tools are present."""
    script = DEPLOY / "ci-install.sh"
    assert script.stat().st_mode & 0o111
    assert run("bash", "-n", str(script)).returncode == 0
    if all(shutil.which(t) for t in ("prometheus", "promtool", "amtool", "kubectl")) and (
        shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    ):
        assert run("bash", str(script)).returncode == 0
