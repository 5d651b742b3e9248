"""The stats chart: a PNG of the daily mean score and pass rate (matplotlib, Agg backend).

``render_chart`` is synchronous and CPU-bound (tens of milliseconds): the bot calls it through
``asyncio.to_thread``. A fresh ``Figure`` per call (no pyplot state), so threads never share one.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import matplotlib

matplotlib.use("Agg")  # headless, before anything imports pyplot

from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.insights import Insights

WIDTH_PX, HEIGHT_PX, DPI = 960, 480, 96


def chart_alt_text(ins: Insights, title: str) -> str:
    """What the chart shows, for screen readers (Slack's alt text; at most 1000 characters)."""
    if not ins.trend:
        return f"{title}: no reviews in the last {ins.days} days."
    first, last = ins.trend[0], ins.trend[-1]
    text = (
        f"{title}: line chart of the daily mean brand score over {ins.days} days, "
        f"{ins.reviews} reviews, from {first.mean_score:.0f} on {first.day} to "
        f"{last.mean_score:.0f} on {last.day}; bars show the daily pass rate, "
        f"{ins.pass_rate:.0%} overall."
    )
    return text[:1000]


def render_chart(ins: Insights, title: str) -> bytes:
    """A 960x480 PNG: mean score per day (line, left axis) and pass rate (bars, right axis)."""
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=0.08, right=0.92, top=0.88, bottom=0.14)
    ax.set_title(title[:80], fontsize=14, loc="left")
    if ins.trend:
        days = [
            float(mdates.date2num(datetime.strptime(p.day, "%Y-%m-%d").replace(tzinfo=UTC)))  # type: ignore[no-untyped-call]
            for p in ins.trend
        ]
        rates = ax.twinx()
        rates.bar(
            days,
            [p.pass_rate * 100 for p in ins.trend],
            width=0.6,
            color="#b9d7ea",
            label="pass rate %",
        )
        rates.set_ylim(0, 100)
        rates.set_ylabel("pass rate (%)", color="#3b6e8f")
        ax.set_zorder(rates.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.plot(
            days,
            [p.mean_score for p in ins.trend],
            marker="o",
            linewidth=2.5,
            color="#1f3b57",
            label="mean score",
        )
        ax.set_ylim(0, 100)
        ax.set_ylabel("mean score (0-100)")
        ax.grid(axis="y", alpha=0.3)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))  # type: ignore[no-untyped-call]
        if len(days) == 1:
            ax.set_xlim(days[0] - 1, days[0] + 1)
        fig.autofmt_xdate(rotation=30)
        handles = ax.get_legend_handles_labels()[0] + rates.get_legend_handles_labels()[0]
        fig.legend(handles=handles, loc="upper right", ncol=2, frameon=False, fontsize=10)
    else:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No reviews in this period", ha="center", va="center", fontsize=18)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()
