"""Every Prometheus metric of a worker, created in one place on a registry passed in.

    metrics = create(CollectorRegistry(), brand_label=book_labeler(book))
    metrics.mentions.labels(brand="acme", label="neg", lang="en", source="x").inc()

Brand labels only for configured brands (:meth:`BrandBook.is_configured`);
everything else is reported as ``other`` so invented brand names cannot explode
the label set. Languages and sources are cut to a known set the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from detectors.config import BrandBook
from detectors.crisis.replies import ANSWER_WITHIN, KEEP, LIMIT
from detectors.errors import REASON_CODES
from detectors.sentiment.scorer import DETECTABLE_LANGUAGES
from streams.wire.alert import ALERT_KINDS

OTHER = "other"
KNOWN_SOURCES = frozenset({"x", "twitter", "facebook", "instagram", "reddit", "reviews", "news",
                           "tiktok", "youtube", "linkedin", "web", "replay", "api"})
KNOWN_LANGS = frozenset(DETECTABLE_LANGUAGES)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
DETECT_BUCKETS = (0.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0, 7200.0, 14400.0)


def book_labeler(book: BrandBook) -> Callable[[str], str]:
    """A function mapping a brand to its metric label (``other`` unless configured).

    Args:
        book: the brand configuration.
    """
    return lambda brand: brand if book.is_configured(brand) else OTHER


def lang_label(lang: str | None) -> str:
    """Language label: a known ISO code, ``none``, or ``other``.

    Args:
        lang: the detected or hinted language.
    """
    if lang is None:
        return "none"
    return lang if lang in KNOWN_LANGS else OTHER


def source_label(source: str | None) -> str:
    """Source label: a known source, ``none``, or ``other``.

    Args:
        source: the mention's source.
    """
    if source is None:
        return "none"
    return source if source in KNOWN_SOURCES else OTHER


@dataclass(frozen=True)
class Metrics:
    """The metrics of one worker (built by :func:`create`)."""

    registry: CollectorRegistry
    brand_label: Callable[[str], str]
    mentions: Counter
    dlq: Counter
    scored: Counter
    score_failures: Counter
    duplicates: Counter
    replayed: Counter
    rewinds: Counter
    own_posts: Counter
    late: Counter
    crisis_state: Gauge
    paused: Gauge
    transitions: Counter
    pause_flips: Counter
    alerts: Counter
    overrides: Counter
    latency: Histogram
    batch_size: Histogram
    checkpoints: Counter
    negative_share: Gauge
    usual_share: Gauge
    volume_ratio: Gauge
    window_mentions: Gauge
    time_to_detect: Histogram
    consumer_lag: Gauge
    unanswered: Gauge
    untracked: Counter
    tracked_brands: Gauge
    evicted: Counter
    housekeeping_delay: Histogram
    broker_up: Gauge


def create(
    registry: CollectorRegistry,
    prefix: str = "firebreak",
    brand_label: Callable[[str], str] | None = None,
) -> Metrics:
    """Create and register every metric on ``registry``.

    Args:
        registry: where to register (a fresh one per test).
        prefix: metric name prefix.
        brand_label: maps a brand to its label; default labels every brand ``other``.
    """
    p = prefix

    def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(f"{p}_{name}", doc, labels, registry=registry)

    def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(f"{p}_{name}", doc, labels, registry=registry)

    return Metrics(
        registry=registry,
        brand_label=brand_label or (lambda _brand: OTHER),
        mentions=counter("mentions_processed_total", "Mentions scored and observed.",
                         ("brand", "label", "lang", "source")),
        dlq=counter("dlq_messages_total", "Messages sent to the dead-letter topic.", ("reason",)),
        scored=counter("scored_mentions_total",
                       "Observations produced to mentions.scored (acknowledged by the broker)."),
        score_failures=counter("score_batch_failures_total",
                               "Score batches that failed (produce not acknowledged, broker "
                               "away) and are read again."),
        duplicates=counter("duplicate_mentions_total", "Mentions dropped as duplicates.",
                           ("brand",)),
        replayed=counter("replayed_messages_total",
                         "Scored messages skipped because the state already reflects them."),
        rewinds=counter("scored_rewinds_total",
                        "Scored partitions read again from their state's position (a gap)."),
        own_posts=counter("own_posts_total", "Mentions by the brand's own handles (ignored).",
                          ("brand",)),
        late=counter("late_mentions_total", "Mentions older than the brand's window.", ("brand",)),
        crisis_state=gauge("crisis_state", "1 for the brand's current state, else 0.",
                           ("brand", "state")),
        paused=gauge("promotion_paused", "1 when the brand's promotion is paused.", ("brand",)),
        transitions=counter("transitions_total", "State transitions.",
                            ("brand", "from_state", "to_state", "test")),
        pause_flips=counter("pause_flips_total", "Pause flag changes.", ("brand", "paused")),
        alerts=counter("alerts_emitted_total", "Alert events produced.", ("brand", "kind")),
        overrides=counter("overrides_total", "Human overrides applied.", ("brand", "action")),
        latency=Histogram(f"{p}_processing_latency_seconds",
                          "From a mention entering the mentions topic to its state decision.",
                          buckets=LATENCY_BUCKETS, registry=registry),
        batch_size=Histogram(f"{p}_detect_batch_messages", "Messages per detect batch.",
                             buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
                             registry=registry),
        checkpoints=counter("state_checkpoints_total", "Brand states written to the changelog."),
        negative_share=gauge("brand_negative_share_ratio",
                             "Smoothed negative share (0-1) in the detector window.", ("brand",)),
        usual_share=gauge("brand_usual_negative_share_ratio",
                          "The brand's usual negative share (0-1, baseline).", ("brand",)),
        volume_ratio=gauge("brand_volume_ratio",
                           "Mentions in the window / mentions the baseline expects.", ("brand",)),
        window_mentions=gauge("brand_window_mentions", "Mentions in the detector window.",
                              ("brand",)),
        time_to_detect=Histogram(
            f"{p}_time_to_detect_seconds",
            "Event time from an escalation's first warning (the first mention at which an "
            "elevated or crisis test held since the brand was normal, or since its last crisis "
            "calmed) to the mention that put the brand in crisis; one observation per "
            "detected crisis. Pipeline delay is in processing_latency_seconds.",
            buckets=DETECT_BUCKETS, registry=registry),
        consumer_lag=gauge("consumer_lag_messages",
                           "Messages on this worker's assigned input partitions not yet read "
                           "(end offset - position), refreshed every few seconds.",
                           ("topic", "partition")),
        unanswered=gauge("unanswered_negative_mentions",
                         f"Negative mentions by others at least {ANSWER_WITHIN / 3600:g} h old in "
                         "event time with no reply (in_reply_to) from one of the brand's handles; "
                         f"counted for up to {KEEP / 3600:g} h, at most {LIMIT} per brand. "
                         "Configured brands this worker owns.", ("brand",)),
        untracked=counter("untracked_mentions_total",
                          "Mentions of unconfigured brands dropped because the worker already "
                          "tracks unconfigured_brand_cap of them (no brand label)."),
        tracked_brands=gauge("tracked_brands",
                             "Brands with a state on this worker (configured: in the brands "
                             "file; unconfigured: under the cap).", ("kind",)),
        evicted=counter("evicted_brands_total",
                        "Idle unconfigured brands forgotten (memory, table and published "
                        "records)."),
        housekeeping_delay=Histogram(
            f"{p}_housekeeping_delay_seconds",
            "How late the 1 s housekeeping timer ran (time since its previous run minus 1 s).",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0), registry=registry),
        broker_up=gauge("broker_reachable",
                        "1 while the last metadata request to the brokers succeeded."),
    )


def init_series(m: Metrics, brands: Iterable[str]) -> None:
    """Create the dead-letter counters and the alert counters of configured brands at zero.

    A counter that appears already at 1 has no increase, so without this the
    first alert of a brand or the first dead letter of a reason would be missing
    from ``rate()`` and ``increase()`` queries.

    Args:
        m: the metrics.
        brands: brand slugs (unconfigured ones are skipped).
    """
    for reason in REASON_CODES:
        m.dlq.labels(reason=reason)
    for brand in brands:
        label = m.brand_label(brand)
        if label != OTHER:
            for kind in ALERT_KINDS:
                m.alerts.labels(brand=label, kind=kind)


def set_unanswered(m: Metrics, counts: Mapping[str, int]) -> None:
    """Replace the unanswered-negatives gauge with ``counts`` (configured brands only).

    Brands missing from ``counts`` (e.g. moved to another worker) lose their series.

    Args:
        m: the metrics.
        counts: brand -> negative mentions unanswered for over an hour.
    """
    m.unanswered.clear()
    for brand, n in counts.items():
        label = m.brand_label(brand)
        if label != OTHER:
            m.unanswered.labels(brand=label).set(n)


def set_lag(m: Metrics, lags: Mapping[tuple[str, int], int]) -> None:
    """Replace the consumer-lag gauge with ``lags`` (partitions no longer assigned disappear).

    Args:
        m: the metrics.
        lags: (topic, partition) -> messages not yet read (negative: not known, skipped).
    """
    m.consumer_lag.clear()
    for (topic, partition), n in lags.items():
        if n >= 0:
            m.consumer_lag.labels(topic=topic, partition=str(partition)).set(n)


def drop_brands(m: Metrics, brands: Iterable[str]) -> None:
    """Remove the per-brand state gauges of ``brands`` (they moved to another worker).

    Without this a worker that lost a brand in a rebalance would go on reporting its
    last state, and ``max by (brand)`` in the dashboards would show a crisis long
    after the new owner saw it end.

    Args:
        m: the metrics.
        brands: brand slugs this worker no longer owns.
    """
    for brand in brands:
        label = m.brand_label(brand)
        if label == OTHER:
            continue
        for name in ("normal", "elevated", "crisis"):
            _remove(m.crisis_state, label, name)
        for gauge in (m.paused, m.negative_share, m.usual_share, m.volume_ratio,
                      m.window_mentions):
            _remove(gauge, label)


def _remove(gauge: Gauge, *labels: str) -> None:
    try:
        gauge.remove(*labels)
    except KeyError:
        pass  # never set on this worker


def set_state(m: Metrics, brand: str, state: str, paused: bool,
              numbers: dict[str, Any] | None = None) -> None:
    """Set the per-brand state and paused gauges (configured brands only).

    Args:
        m: the metrics.
        brand: the brand slug.
        state: ``normal``/``elevated``/``crisis``.
        paused: the pause flag.
        numbers: the detector's latest numbers (``BrandState.last_verdict``), if any.
    """
    label = m.brand_label(brand)
    if label == OTHER:
        return
    for name in ("normal", "elevated", "crisis"):
        m.crisis_state.labels(brand=label, state=name).set(1.0 if name == state else 0.0)
    m.paused.labels(brand=label).set(1.0 if paused else 0.0)
    if numbers:
        for gauge, key in ((m.negative_share, "neg_share"), (m.usual_share, "usual_share"),
                           (m.volume_ratio, "volume_ratio"), (m.window_mentions, "mentions")):
            value = numbers.get(key)
            if isinstance(value, (int, float)):
                gauge.labels(brand=label).set(float(value))
