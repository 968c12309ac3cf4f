"""Grafana dashboards as code (grafana-foundation-sdk), written to ``dashboards/*.json``.

    python -m dashboards.build           # regenerate the committed JSON
    python -m dashboards.build --check   # exit 1 when the committed JSON is out of date

Two dashboards: **Brand health** (for brand managers and on-call comms) and
**Pipeline health** (for the engineers running the workers). Queries use only
the metrics of :mod:`streams.worker.metrics` and :mod:`streams.alerting.metrics`;
``tests/integration/test_dashboard_queries.py`` runs every one of them against a
real Prometheus scraping a real worker. Grafana loads the files through
``deploy/grafana/provisioning/dashboards/firebreak.yml``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import piechart, prometheus, stat, statetimeline, table, timeseries
from grafana_foundation_sdk.builders.common import ReduceDataOptions, VizLegendOptions
from grafana_foundation_sdk.builders.dashboard import (
    Dashboard,
    DashboardLink,
    DatasourceVariable,
    QueryVariable,
    Row,
    ThresholdsConfig,
)
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import LegendDisplayMode, LegendPlacement
from grafana_foundation_sdk.models.dashboard import (
    DashboardLinkType,
    DataSourceRef,
    Threshold,
    ThresholdsMode,
    ValueMap,
    ValueMappingResult,
    VariableRefresh,
)

from dashboards.meta import finish
from streams.alerting.render import RUNBOOK_URL

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
DS = DataSourceRef(type_val="prometheus", uid="${datasource}")
B = 'brand=~"$brand"'
M = "firebreak_mentions_processed_total"
STATE_EXPR = (f'max by (brand) (firebreak_crisis_state{{{B}, state="crisis"}}) * 2 '
              f'+ max by (brand) (firebreak_crisis_state{{{B}, state="elevated"}})')


def q(expr: str, legend: str = "", ref: str = "A", instant: bool = False) -> prometheus.Dataquery:
    """A Prometheus query on the dashboard's data source.

    Args:
        expr: PromQL.
        legend: legend format, e.g. ``{{brand}}``.
        ref: the query's ref id.
        instant: an instant query (tables, pie charts).
    """
    out = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DS)
    if legend:
        out = out.legend_format(legend)
    if instant:
        from grafana_foundation_sdk.models.prometheus import PromQueryFormat

        out = out.instant().format(PromQueryFormat.TABLE)
    return out


def _steps(*pairs: tuple[float | None, str]) -> ThresholdsConfig:
    return ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(
        [Threshold(value=v, color=c) for v, c in pairs])


def _mapping(options: dict[str, tuple[str, str]]) -> list[Any]:
    return [ValueMap(options={k: ValueMappingResult(text=t, color=c, index=i)
                              for i, (k, (t, c)) in enumerate(options.items())})]


STATE_MAP = {"0": ("normal", "green"), "1": ("elevated", "orange"), "2": ("CRISIS", "red")}
PAUSE_MAP = {"0": ("promoting", "green"), "1": ("PAUSED", "red")}


def ts(title: str, targets: list[tuple[str, str]], unit: str = "short", span: int = 12,
       height: int = 8, description: str = "", stack: bool = False) -> timeseries.Panel:
    """A time series panel.

    Args:
        title: panel title.
        targets: ``(expr, legend)`` pairs.
        unit: Grafana unit id.
        span: width in grid columns (of 24).
        height: height in grid rows.
        description: hover help.
        stack: stack the series.
    """
    p = (timeseries.Panel().title(title).unit(unit).span(span).height(height).datasource(DS)
         .fill_opacity(10).line_width(1).description(description)
         .legend(VizLegendOptions().display_mode(LegendDisplayMode.LIST)
                 .placement(LegendPlacement.BOTTOM).show_legend(True)))
    if stack:
        from grafana_foundation_sdk.builders.common import StackingConfig
        from grafana_foundation_sdk.models.common import StackingMode

        p = p.stacking(StackingConfig().mode(StackingMode.NORMAL)).fill_opacity(40)
    for i, (expr, legend) in enumerate(targets):
        p = p.with_target(q(expr, legend, chr(ord("A") + i)))
    return p


def single(title: str, expr: str, legend: str, span: int, mapping: dict[str, tuple[str, str]] | None = None,
           steps: ThresholdsConfig | None = None, unit: str = "short", description: str = "") -> stat.Panel:
    """A stat panel (one value per series).

    Args:
        title: panel title.
        expr: PromQL.
        legend: legend format.
        span: width.
        mapping: value -> (text, color).
        steps: color thresholds.
        unit: Grafana unit id.
        description: hover help.
    """
    p = (stat.Panel().title(title).span(span).height(5).datasource(DS).unit(unit)
         .description(description).with_target(q(expr, legend))
         .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False)))
    if mapping:
        p = p.mappings(_mapping(mapping))
    if steps:
        p = p.thresholds(steps)
    return p


def _base(title: str, uid: str, description: str) -> Dashboard:
    return (Dashboard(title).uid(uid).description(description).tags(["firebreak"])
            .refresh("30s").time("now-6h", "now").timezone("browser")
            .with_variable(DatasourceVariable("datasource").label("Data source").type("prometheus"))
            .links([
                # the other Firebreak dashboard(s), keeping the time range and the brand
                DashboardLink("Firebreak").type(DashboardLinkType.DASHBOARDS).tags(["firebreak"])
                .as_dropdown(False).include_vars(True).keep_time(True).target_blank(False)
                .icon("external link").tooltip("").url(""),
                DashboardLink("Runbook").type(DashboardLinkType.LINK).url(RUNBOOK_URL)
                .tooltip("What to do when a Firebreak alert fires").icon("doc").target_blank(True)
                .as_dropdown(False).include_vars(False).keep_time(False).tags([]),
            ]))


def brand_health() -> Dashboard:
    """The "Brand health" dashboard: per-brand volume, negativity, state, pause flag, audience."""
    d = _base("Brand health", "firebreak-brand-health",
              "Per-brand volume, negativity, crisis state and promotion pause (Firebreak).")
    d = d.with_variable(
        QueryVariable("brand").label("Brand").datasource(DS)
        .query("label_values(firebreak_crisis_state, brand)").refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        .multi(True).include_all(True).all_value(".*"))
    d = d.with_row(Row("Now"))
    d = d.with_panel(single("Crisis state", STATE_EXPR, "{{brand}}", 8, STATE_MAP,
                            _steps((None, "green"), (1, "orange"), (2, "red")),
                            description="Current state of each brand."))
    d = d.with_panel(single("Promotion", f"max by (brand) (firebreak_promotion_paused{{{B}}})",
                            "{{brand}}", 8, PAUSE_MAP, _steps((None, "green"), (1, "red")),
                            description="Whether automated promotion is paused (schedulers read this flag)."))
    d = d.with_panel(single("Negative mentions unanswered > 1 h",
                            f"max by (brand) (firebreak_unanswered_negative_mentions{{{B}}})",
                            "{{brand}}", 8, None, _steps((None, "green"), (1, "orange"), (10, "red")),
                            description="Answer within one to two hours; never ignore."))
    d = d.with_row(Row("State over time"))
    d = d.with_panel(statetimeline.Panel().title("Crisis state").span(12).height(7).datasource(DS)
                     .with_target(q(STATE_EXPR, "{{brand}}")).mappings(_mapping(STATE_MAP))
                     .thresholds(_steps((None, "green"), (1, "orange"), (2, "red"))))
    d = d.with_panel(statetimeline.Panel().title("Promotion paused").span(12).height(7).datasource(DS)
                     .with_target(q(f"max by (brand) (firebreak_promotion_paused{{{B}}})", "{{brand}}"))
                     .mappings(_mapping(PAUSE_MAP)).thresholds(_steps((None, "green"), (1, "red"))))
    d = d.with_row(Row("Volume and negativity"))
    d = d.with_panel(ts("Mentions per minute", [
        (f"sum by (brand) (rate({M}{{{B}}}[5m])) * 60", "{{brand}}"),
        (f'sum by (brand) (rate({M}{{{B}, label="neg"}}[5m])) * 60', "{{brand}} negative")]))
    d = d.with_panel(ts("Negative share", [
        (f"max by (brand) (firebreak_brand_negative_share_ratio{{{B}}})", "{{brand}} (detector window)"),
        (f"max by (brand) (firebreak_brand_usual_negative_share_ratio{{{B}}})", "{{brand}} usual"),
        (f'sum by (brand) (rate({M}{{{B}, label="neg"}}[15m])) / '
         f'sum by (brand) (rate({M}{{{B}, label!="unscored"}}[15m]))', "{{brand}} (15 min rate)")],
        unit="percentunit", description="Share of scored mentions that are negative."))
    d = d.with_panel(ts("Volume vs baseline", [
        (f"max by (brand) (firebreak_brand_volume_ratio{{{B}}})", "{{brand}}")], unit="x",
        description="Mentions in the detector window divided by the baseline's expectation."))
    d = d.with_panel(ts("Transitions and overrides", [
        (f"sum by (brand, to_state, test) (increase(firebreak_transitions_total{{{B}}}[$__interval]))",
         "{{brand}} → {{to_state}} ({{test}})"),
        (f"sum by (brand, action) (increase(firebreak_overrides_total{{{B}}}[$__interval]))",
         "{{brand}} {{action}}")], description="State changes and human overrides."))
    d = d.with_row(Row("Audience"))
    d = d.with_panel(piechart.Panel().title("Languages").span(6).height(8).datasource(DS)
                     .with_target(q(f"sum by (lang) (increase({M}{{{B}}}[$__range]))", "{{lang}}"))
                     .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False)))
    d = d.with_panel(piechart.Panel().title("Sources").span(6).height(8).datasource(DS)
                     .with_target(q(f"sum by (source) (increase({M}{{{B}}}[$__range]))", "{{source}}"))
                     .reduce_options(ReduceDataOptions().calcs(["lastNotNull"]).values(False)))
    d = d.with_panel(ts("Negative mentions by language (per minute)", [
        (f'sum by (lang) (rate({M}{{{B}, label="neg"}}[5m])) * 60', "{{lang}}")], stack=True))
    d = d.with_panel(ts("Negative mentions unanswered > 1 h", [
        (f"max by (brand) (firebreak_unanswered_negative_mentions{{{B}}})", "{{brand}}")], span=12))
    d = d.with_panel(table.Panel().title("Alerts sent in range").span(12).height(8).datasource(DS)
                     .with_target(q(f"sum by (brand, kind) (increase(firebreak_alerts_emitted_total{{{B}}}"
                                    "[$__range])) > 0", instant=True)))
    return d


def pipeline_health() -> Dashboard:
    """The "Pipeline health" dashboard: workers, throughput, latency, lag, DLQ, alert delivery."""
    d = _base("Pipeline health", "firebreak-pipeline-health",
              "Firebreak workers: throughput, latency, lag, dead letters and alert delivery.")
    # jobs that run Firebreak workers (every worker exports firebreak_build_info); every
    # query gets the $job/$instance matchers in render() (dashboards.meta.scoped)
    d = d.with_variable(QueryVariable("job").label("Job").datasource(DS)
                        .query("label_values(firebreak_build_info, job)")
                        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED))
    d = d.with_variable(QueryVariable("instance").label("Worker").datasource(DS)
                        .query('label_values(firebreak_build_info{job=~"$job"}, instance)')
                        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
                        .multi(True).include_all(True).all_value(".*"))
    d = d.with_row(Row("Workers"))
    d = d.with_panel(single("Workers up", 'sum(up{job="firebreak"})', "workers", 6, None,
                            _steps((None, "red"), (1, "orange"), (2, "green"))))
    d = d.with_panel(single("Mentions / s", f"sum(rate({M}[5m]))", "mentions/s", 6, unit="reqps"))
    d = d.with_panel(single("Consumer lag", "sum(firebreak_consumer_lag_messages)", "messages", 6, None,
                            _steps((None, "green"), (1000, "orange"), (10000, "red"))))
    d = d.with_panel(single("Dead letters / min", "sum(rate(firebreak_dlq_messages_total[5m])) * 60",
                            "per min", 6, None, _steps((None, "green"), (1, "orange"), (60, "red"))))
    d = d.with_row(Row("Throughput and latency"))
    d = d.with_panel(ts("Throughput by worker", [
        (f"sum by (instance) (rate({M}[1m]))", "{{instance}}"),
        ("sum(rate(firebreak_duplicate_mentions_total[1m]))", "duplicates dropped"),
        ("sum(rate(firebreak_late_mentions_total[1m]))", "late"),
        ("sum(rate(firebreak_own_posts_total[1m]))", "own posts ignored")], unit="reqps"))
    lat = "sum by (le) (rate(firebreak_processing_latency_seconds_bucket[5m]))"
    d = d.with_panel(ts("Processing latency (mentions topic → decision)", [
        (f"histogram_quantile(0.5, {lat})", "p50"), (f"histogram_quantile(0.95, {lat})", "p95"),
        (f"histogram_quantile(0.99, {lat})", "p99")], unit="s"))
    ttd = "sum by (le) (rate(firebreak_time_to_detect_seconds_bucket[1h]))"
    d = d.with_panel(ts("Time to detect (first warning → crisis, event time)", [
        (f"histogram_quantile(0.5, {ttd})", "p50"), (f"histogram_quantile(0.95, {ttd})", "p95")], unit="s"))
    d = d.with_panel(ts("Consumer lag by topic", [
        ("sum by (topic) (firebreak_consumer_lag_messages)", "{{topic}}")]))
    d = d.with_panel(ts("Dead letters by reason (per minute)", [
        ("sum by (reason) (rate(firebreak_dlq_messages_total[5m])) * 60", "{{reason}}")], stack=True))
    bat = "sum by (le) (rate(firebreak_detect_batch_messages_bucket[5m]))"
    d = d.with_panel(ts("Detect batch size and checkpoints", [
        (f"histogram_quantile(0.5, {bat})", "batch p50"),
        ("sum(rate(firebreak_state_checkpoints_total[5m]))", "checkpoints/s")]))
    d = d.with_row(Row("Alert delivery"))
    d = d.with_panel(ts("Deliveries by sink", [
        ("sum by (sink, event) (increase(firebreak_alert_deliveries_total[$__interval]))",
         "{{sink}} {{event}}")], span=8))
    d = d.with_panel(ts("Delivery failures and drops", [
        ("sum by (sink, reason) (increase(firebreak_alert_delivery_failures_total[$__interval]))",
         "{{sink}} failed: {{reason}}"),
        ("sum by (sink, reason) (increase(firebreak_alert_notifications_dropped_total[$__interval]))",
         "{{sink}} dropped: {{reason}}")], span=8))
    d = d.with_panel(ts("Queue depth and delivery time", [
        ("sum by (sink) (firebreak_alert_queue_depth)", "{{sink}} queued"),
        ("histogram_quantile(0.95, sum by (sink, le) (rate(firebreak_alert_delivery_seconds_bucket[15m])))",
         "{{sink}} p95 s")], span=8))
    return d


DASHBOARDS = {"brand-health.json": brand_health, "pipeline-health.json": pipeline_health}


def render(name: str) -> str:
    """The JSON text of one dashboard (stable: sorted keys, numbered panels).

    Args:
        name: a key of :data:`DASHBOARDS`.
    """
    model = json.loads(json.dumps(DASHBOARDS[name]().build(), cls=JSONEncoder))
    brands = name == "brand-health.json"
    model = finish(model, brand_filter=B if brands else "", scope=not brands)
    for i, panel in enumerate(model.get("panels", []), 1):
        panel["id"] = i
    return json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or ``--check``) every dashboard; returns the exit code.

    Args:
        argv: command-line arguments.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when a committed file differs")
    ap.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    stale = []
    for name in DASHBOARDS:
        path = args.out / name
        text = render(name)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            log.info("wrote %s", path)
    if stale:
        log.error("out of date: %s (run: python -m dashboards.build)", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
