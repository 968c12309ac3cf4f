"""The replay chart: which brands it draws, what it says it left out, labelled axes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from detectors.errors import ConfigError
from streams.replay.plot import MAX_BRANDS, draw, plot_replay
from streams.replay.run import BrandSeries

DAY = 1440
START = 29_000_000  # minutes since the epoch: 2025-02-20


def series(brands: int) -> dict[str, BrandSeries]:
    """``brands`` brands, the later ones louder, over two days."""
    out = {}
    for b in range(brands):
        minutes = {START + m: [b + 1, 1, 0] for m in range(0, 2 * DAY, 30)}
        out[f"brand-{b:02d}"] = BrandSeries(minutes, Counter(neu=(b + 1) * len(minutes)))
    return out


def test_the_loudest_are_drawn_and_the_rest_are_named(tmp_path: Path) -> None:
    chart = plot_replay(tmp_path / "c.png", series(19), [])
    assert len(chart.brands) == MAX_BRANDS and chart.brands[0] == "brand-18"
    assert len(chart.left_out) == 19 - MAX_BRANDS and "brand-00" in chart.left_out
    assert chart.path.stat().st_size > 10_000


def test_chosen_brands_are_drawn_in_the_order_given(tmp_path: Path) -> None:
    chart = plot_replay(tmp_path / "c.png", series(19), [], brands=["brand-03", "brand-00"])
    assert chart.brands == ["brand-03", "brand-00"] and len(chart.left_out) == 17
    with pytest.raises(ConfigError, match="no mentions of nope"):
        plot_replay(tmp_path / "c.png", series(3), [], brands=["brand-01", "nope"])


def test_axes_are_labelled_and_dates_carry_the_year() -> None:
    import matplotlib.pyplot as plt

    fig, shown = draw(series(2), [])
    try:
        axes = fig.get_axes()
        bars = [ax for ax in axes if ax.get_title(loc="left") in shown]
        shares = [ax for ax in axes if ax not in bars]
        assert len(bars) == 2 and len(shares) == 2
        assert all(ax.get_ylabel().startswith("mentions / ") for ax in bars)
        assert all(ax.get_ylabel() == "negative share (line)" for ax in shares)
        fig.canvas.draw()
        ticks = [t.get_text() for t in bars[-1].get_xticklabels() if t.get_text()]
        assert ticks and all(t.startswith("2025-02-") for t in ticks)
        assert bars[-1].get_xlabel() == "event time (UTC)"
    finally:
        plt.close(fig)


def test_brands_of_different_periods_each_get_their_own_time_axis() -> None:
    """Two incidents months apart: each brand's panel spans its own two days, not the
    whole half year (where each would be a sliver); overlapping brands share one axis."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    apart = series(2)
    apart["brand-01"] = BrandSeries({m + 180 * DAY: v for m, v in apart["brand-01"].minutes.items()},
                                    apart["brand-01"].labels)
    for data, one_axis in ((apart, False), (series(2), True)):
        fig, shown = draw(data, [])
        try:
            bars = [ax for ax in fig.get_axes() if ax.get_title(loc="left") in shown]
            spans = [mdates.num2date(ax.get_xlim()[1]) - mdates.num2date(ax.get_xlim()[0])
                     for ax in bars]
            if one_axis:
                assert bars[0].get_xlim() == bars[1].get_xlim()
            else:
                assert all(1.9 < span.total_seconds() / 86400 < 2.5 for span in spans), spans
                left = {ax.get_title(loc="left"): ax.get_xlim()[0] for ax in bars}
                assert left["brand-01"] - left["brand-00"] > 170  # days: its own period
                assert "own period" in bars[-1].get_xlabel()
                fig.canvas.draw()
                assert all(any(t.get_text() and t.get_visible() for t in ax.get_xticklabels())
                           for ax in bars), "every panel shows its own dates"
        finally:
            plt.close(fig)
