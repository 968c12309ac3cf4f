"""Import direction: detectors/ is pure and never imports streams/, Faust or prometheus_client."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import detectors

FORBIDDEN = ("streams", "faust", "prometheus_client", "kafka", "aiokafka")


def test_detectors_import_nothing_of_the_runtime() -> None:
    modules = [m.name for m in pkgutil.walk_packages(detectors.__path__, "detectors.")]
    assert "detectors.crisis.state" in modules
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        + "print(','.join(bad))\n"
    )
    root = Path(detectors.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, check=True)
    assert done.stdout.strip() == ""


def test_no_detector_source_mentions_the_runtime() -> None:
    """Catches lazy imports inside functions too."""
    root = Path(detectors.__file__).resolve().parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for name in FORBIDDEN:
            assert f"import {name}" not in text and f"from {name}" not in text, path.name
