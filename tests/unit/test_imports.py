"""The layer contract: who may import whom, checked on the source (function-level imports too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("streams", "faust", "mode", "prometheus_client", "kafka", "aiokafka", "aiohttp")


def imports_of(package: str) -> dict[str, set[str]]:
    """Every module of ``package`` (a folder under the repo root) and the modules it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package.replace(".", "/")).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[name] = names
    return found


def within(name: str, packages: tuple[str, ...]) -> bool:
    """Whether module ``name`` is one of ``packages`` or inside one."""
    return any(name == p or name.startswith(p + ".") for p in packages)


def offenders(package: str, allowed: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for module, names in imports_of(package).items():
        for name in names:
            if within(name, forbidden) and not within(name, allowed):
                bad.append(f"{module} imports {name}")
    return bad


def test_detectors_import_nothing_of_the_runtime() -> None:
    """detectors/ is pure: no streams/, Faust, Kafka, HTTP or Prometheus, at any level."""
    assert offenders("detectors", (), RUNTIME) == []


@pytest.mark.parametrize("package", ["streams.client", "streams.wire"])
def test_client_and_wire_import_nothing_of_the_worker(package: str) -> None:
    """The pause-flag client and the message formats stand alone (marketing tools import them)."""
    others = ("streams.worker", "streams.api", "streams.alerting", "streams.cli", "streams.dev",
              "streams.replay", "streams.sources")
    assert offenders(package, ("streams.client", "streams.wire"), others) == []


@pytest.mark.parametrize("package", ["streams.worker", "streams.api", "streams.alerting",
                                     "streams.replay", "streams.sources", "streams.wire",
                                     "streams.client"])
def test_only_the_cli_imports_dev_tools(package: str) -> None:
    """The embedded broker, child processes and demo feed are reached only from the CLI."""
    assert offenders(package, (), ("streams.dev", "streams.cli")) == []


def test_importing_every_detector_module_loads_no_runtime() -> None:
    """Importing detectors/ in a fresh interpreter pulls in none of the runtime packages."""
    modules = sorted(imports_of("detectors"))
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {RUNTIME!r})))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    assert done.stdout.strip() == ""
