"""One PNG per replay: volume, negativity and state bands per brand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from detectors.crisis.state import Transition
from detectors.errors import ConfigError
from streams.replay.run import BrandSeries

COLORS = {"elevated": "#f5b942", "crisis": "#d64545"}
MAX_BRANDS = 6


MAX_CHOSEN = 24
SHARE_LABEL = "negative share (line)"
DATE_FORMAT = "%Y-%m-%d %H:%M"
SHARED_SPAN = 3  # one time axis unless the brands together span 3x the longest one


@dataclass(frozen=True)
class Chart:
    """A chart written: where, the brands it shows, and the brands it leaves out."""

    path: Path
    brands: list[str]
    left_out: list[str]


def pick_brands(series: dict[str, BrandSeries], transitions: list[Transition],
                chosen: list[str] | None = None) -> list[str]:
    """Brands to draw: ``chosen`` (checked), else those that changed state first, then
    the loudest, :data:`MAX_BRANDS` at most.

    Raises:
        ConfigError: naming a chosen brand with no mentions, or too many chosen.
    """
    if chosen is not None:
        unknown = [b for b in chosen if b not in series]
        if unknown:
            known = ", ".join(sorted(series)[:20])
            raise ConfigError(f"--plot-brands: no mentions of {', '.join(unknown)} "
                              f"(brands in this replay: {known})")
        if len(chosen) > MAX_CHOSEN:
            raise ConfigError(f"--plot-brands: at most {MAX_CHOSEN} brands in one chart")
        return list(dict.fromkeys(chosen))
    changed = sorted({t.brand for t in transitions if t.brand in series})
    loud = sorted(series, key=lambda b: (-sum(series[b].labels.values()), b))
    out = changed + [b for b in loud if b not in changed]
    return out[:MAX_BRANDS]


def plot_replay(
    path: str | Path, series: dict[str, BrandSeries], transitions: list[Transition],
    bin_minutes: int | None = None, brands: list[str] | None = None,
) -> Chart:
    """Draw the chart and write it to ``path``.

    Args:
        path: output PNG.
        series: per-brand minute counts from the replay.
        transitions: the replay's transitions (state bands).
        bin_minutes: bar width; chosen from the time span when ``None``.
        brands: the brands to draw (``--plot-brands``); chosen by :func:`pick_brands`
            when ``None``.
    """
    fig, shown = draw(series, transitions, bin_minutes, brands)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return Chart(out, shown, sorted(b for b in series if b not in shown))


def draw(series: dict[str, BrandSeries], transitions: list[Transition],
         bin_minutes: int | None = None, chosen: list[str] | None = None) -> tuple[Any, list[str]]:
    """The matplotlib figure of a replay and the brands it shows (see :func:`plot_replay`)."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ConfigError("--plot needs matplotlib: pip install 'firebreak[plot]'") from exc

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    brands = pick_brands(series, transitions, chosen)
    if not brands:
        raise ValueError("nothing to plot: no mentions were processed")
    ranges = {b: (min(series[b].minutes), max(series[b].minutes))
              for b in brands if b in series and series[b].minutes}
    if not ranges:
        raise ValueError("nothing to plot: the chosen brands have no mentions")
    first = min(lo for lo, _ in ranges.values())
    last = max(hi for _, hi in ranges.values())
    # brands talked about in different periods (a replay of several incidents) each get
    # their own time axis: on one shared axis each would be a sliver
    own = max(hi - lo + 1 for lo, hi in ranges.values())
    shared = last - first + 1 <= SHARED_SPAN * own
    fig, axes = plt.subplots(len(brands), 1, figsize=(12, 2.2 * len(brands) + 0.6),
                             sharex=shared, squeeze=False)
    for ax, brand in zip(axes[:, 0], brands, strict=True):
        lo, hi = (first, last) if shared else ranges.get(brand, (first, last))
        width_min = bin_minutes or _bin_for(hi - lo + 1)
        _brand_panel(ax, series.get(brand, BrandSeries()), width_min)
        _bands(ax, brand, transitions, _dt(hi + 1))
        ax.set_title(brand, loc="left", fontsize=9, fontweight="bold")
        if not shared:
            ax.set_xlim(_dt(lo), _dt(hi + 1))
            ax.xaxis.set_major_formatter(mdates.DateFormatter(DATE_FORMAT))
    axes[0, 0].legend(loc="upper left", fontsize=7, ncol=2)
    fig.suptitle("Firebreak replay: volume, negativity and state "
                 "(amber = elevated, red = crisis)", fontsize=10)
    if shared:  # else each axis has its own already
        axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter(DATE_FORMAT))
    axes[-1, 0].set_xlabel("event time (UTC)" + ("" if shared else "; each brand its own period"),
                           fontsize=8)
    if shared:
        fig.autofmt_xdate()
    else:  # autofmt_xdate would hide every axis's dates but the last
        for ax in axes[:, 0]:
            plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    fig.tight_layout()
    return fig, brands


def _bin_for(span: int) -> int:
    """A bar width (minutes) that gives at most 400 bars over ``span`` minutes."""
    return next((b for b in (1, 5, 10, 15, 30, 60, 120) if span / b <= 400), 240)


def _brand_panel(ax: Any, s: BrandSeries, bin_minutes: int) -> None:
    """Bars of mentions and negative mentions per ``bin_minutes``, and the share line."""
    bins: dict[int, list[int]] = {}
    for minute, (total, neg, _pos) in s.minutes.items():
        b = bins.setdefault(minute // bin_minutes, [0, 0])
        b[0] += total
        b[1] += neg
    keys = sorted(bins)
    xs = [_dt(k * bin_minutes) for k in keys]
    width = bin_minutes / 1440
    ax.bar(xs, [bins[k][0] for k in keys], width=width, color="#9bb7d4", align="edge",
           label=f"mentions / {bin_minutes} min")
    ax.bar(xs, [bins[k][1] for k in keys], width=width, color="#5a5a8a", align="edge",
           label="negative")
    ax.set_ylabel(f"mentions / {bin_minutes} min", fontsize=8)
    ax2 = ax.twinx()
    # share only where the bin holds enough mentions to mean something
    share = [bins[k][1] / bins[k][0] if bins[k][0] >= 5 else float("nan") for k in keys]
    ax2.plot(xs, share, color="#222", linewidth=0.8, label="negative share")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel(SHARE_LABEL, fontsize=8)
    ax2.tick_params(labelsize=7)
    ax.tick_params(labelsize=7)


def _dt(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, tz=timezone.utc)


def _bands(ax: object, brand: str, transitions: list[Transition], end: datetime) -> None:
    current: tuple[str, datetime] | None = None
    for t in (t for t in transitions if t.brand == brand and t.state != t.previous):
        at = datetime.fromtimestamp(t.at, tz=timezone.utc)
        if current is not None and current[0] in COLORS:
            ax.axvspan(current[1], at, color=COLORS[current[0]], alpha=0.25)  # type: ignore[attr-defined]
        current = (t.state, at)
    if current is not None and current[0] in COLORS:
        ax.axvspan(current[1], end, color=COLORS[current[0]], alpha=0.25)  # type: ignore[attr-defined]
