"""What the dashboards carry besides panels: crisis and pause annotations, import metadata.

The Grafana SDK models neither Prometheus annotation options (``step``, ``titleFormat``,
``tagKeys``) nor the ``__inputs``/``__requires`` an import reads, so they are plain
dicts added to the built model by :func:`finish`.

    model = finish(dashboard.build_json(), brand_filter='brand=~"$brand"')
"""

from __future__ import annotations

import re
from typing import Any

SCHEMA_VERSION = 39  # Grafana 10.4 / 11.x (compose runs 11.1)
GRAFANA_VERSION = "10.4.0"
DS_INPUT = "DS_PROMETHEUS"
WINDOW = "1m"  # the annotation step: each change is marked once
SCOPE = 'job=~"$job", instance=~"$instance"'
_SELECTOR = re.compile(r'\b(firebreak_\w+|up)(\{[^}]*\})?(?!\w|\s*\()')


def annotation(name: str, expr: str, color: str, title: str) -> dict[str, Any]:
    """A Prometheus annotation: a mark wherever ``expr`` has a sample, tagged with the brand.

    Args:
        name: shown in the dashboard's annotation toggles.
        expr: PromQL; a series with a value at a step is one mark.
        color: Grafana colour of the marks.
        title: the mark's title (``{{brand}}`` in the text says which brand).
    """
    return {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "enable": True,
            "hide": False, "iconColor": color, "name": name, "expr": expr, "step": WINDOW,
            "titleFormat": title, "textFormat": "{{brand}}", "tagKeys": "brand",
            "useValueForTime": False}


def annotations(brand_filter: str) -> list[dict[str, Any]]:
    """Grafana's own annotations plus marks where a brand's crisis state or pause flag changed.

    Args:
        brand_filter: label matchers for the brand (``brand=~"$brand"``), or ``""``.
    """
    sep = ", " if brand_filter else ""
    crisis = (f'max by (brand) (changes(firebreak_crisis_state{{{brand_filter}{sep}state="crisis"}}'
              f"[{WINDOW}])) > 0")
    paused = f"max by (brand) (changes(firebreak_promotion_paused{{{brand_filter}}}[{WINDOW}])) > 0"
    builtin = {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
               "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
               "name": "Annotations & Alerts", "type": "dashboard"}
    return [builtin,
            annotation("Crisis transitions", crisis, "red", "Crisis started or ended"),
            annotation("Promotion pause", paused, "orange", "Promotion paused or resumed")]


def import_metadata(panel_types: set[str]) -> dict[str, Any]:
    """``__inputs`` (the Prometheus data source the import dialog asks for) and ``__requires``.

    Args:
        panel_types: the panel plugins the dashboard uses.
    """
    inputs = [{"name": DS_INPUT, "label": "Prometheus", "description": "Where Firebreak is scraped",
               "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}]
    requires = [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": GRAFANA_VERSION},
                {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}]
    requires += [{"type": "panel", "id": t, "name": t, "version": ""}
                 for t in sorted(panel_types - {"row"})]
    return {"__inputs": inputs, "__requires": requires}


def scoped(expr: str, scope: str = SCOPE) -> str:
    """``expr`` with ``scope`` (the ``$job``/``$instance`` matchers) on every series selector.

    A selector's own ``job`` matcher gives way to the variable. Used for the Pipeline health
    dashboard, where an engineer narrows the graphs to one deployment or one worker.

    Args:
        expr: PromQL over ``firebreak_*`` metrics and ``up``.
        scope: label matchers to add.
    """
    def one(m: re.Match[str]) -> str:
        inner = (m.group(2) or "{}")[1:-1]
        kept = [s.strip() for s in inner.split(",") if s.strip() and not s.strip().startswith("job")]
        return f"{m.group(1)}{{{', '.join([scope, *kept])}}}"

    return _SELECTOR.sub(one, expr)


def finish(model: dict[str, Any], brand_filter: str, scope: bool = False) -> dict[str, Any]:
    """Add annotations, import metadata and the schema version to a built dashboard model.

    The ``datasource`` variable starts at the import's data source (``${DS_PROMETHEUS}``);
    when the file is provisioned instead, Grafana finds no such data source and picks the
    default Prometheus one.

    Args:
        model: the JSON model from the SDK.
        brand_filter: label matchers for the brand in the annotation queries.
        scope: put the ``$job``/``$instance`` matchers on every panel query (:func:`scoped`).
    """
    if scope:
        for panel in model.get("panels", []):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    target["expr"] = scoped(target["expr"])
    model["annotations"] = {"list": annotations(brand_filter)}
    model["schemaVersion"] = SCHEMA_VERSION
    for var in model.get("templating", {}).get("list", []):
        if var.get("type") == "datasource":
            var["current"] = {"selected": False, "text": "Prometheus", "value": f"${{{DS_INPUT}}}"}
    model.update(import_metadata({p["type"] for p in model.get("panels", [])}))
    return model
