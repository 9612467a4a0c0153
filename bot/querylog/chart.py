"""The moderators' chart: questions per day by outcome, as a PNG.

matplotlib is imported when a chart is drawn, never with this module: it costs 0.7-1 s
of start-up that ``python -m bot ask`` must not pay (a chart then takes about 0.5 s).
Drawing goes through a :class:`~matplotlib.figure.Figure` on the Agg canvas, not
``pyplot``: no global figure registry, no GUI backend, so it runs in a worker thread
(the bot renders off its event loop) and on a server without a display.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.querylog.stats import DayCounts, Stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 1200, 600, 120
"""Pixels of the PNG: 2:1 fits Discord's attachment preview, and 120 dpi keeps the text
legible when Discord shrinks it to half that width."""
COLOURS = {"answered": "#009E73", "ambiguous": "#E69F00", "unknown": "#D55E00"}
"""Okabe and Ito's colour-blind-safe green, orange and vermilion."""
LABELS = {"answered": "answered", "ambiguous": "did you mean", "unknown": "unknown"}
DAILY_TICKS_UP_TO = 10
"""Up to this many days every day has its tick; beyond, matplotlib spaces them."""
SEPARATE_BARS_UP_TO = 200
"""Past this many days a bar is about 2 pixels wide: bars touch, or gaps flicker between them."""
MIN_SLOTS = 7
"""The x axis is never narrower than this many days' bars."""


def stats_chart(daily: Sequence[DayCounts], stats: Stats, *, window_days: int | None) -> bytes:
    """A PNG of ``daily`` (as :func:`bot.querylog.stats.read_daily` gives it) as stacked
    bars, with the answer rate and the feedback of ``stats`` written above; the title names
    the period, the last ``window_days`` days or (None) all time. A period without
    questions gives a picture that says so, not an empty plot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - see above
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    period = period_text(window_days)
    if any(day.questions for day in daily):
        _draw_days(figure, daily, stats, period)
    else:
        _draw_nothing_yet(figure, period, everything=window_days is None)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def period_text(days: int | None) -> str:
    """How a report names its period: "last 30 days", "last day", "all time"."""
    if days is None:
        return "all time"
    return "last day" if days == 1 else f"last {days} days"


def summary_line(stats: Stats) -> str:
    """The totals written above the bars."""
    votes = stats.helpful + stats.not_helpful
    feedback = (
        f"feedback: {stats.helpful} helpful / {stats.not_helpful} not helpful "
        f"({stats.helpful / votes:.0%} helpful)"
        if votes
        else "feedback: no votes yet"
    )
    questions = "1 question" if stats.questions == 1 else f"{stats.questions:,} questions"
    return (
        f"{questions}, {stats.answer_rate:.0%} answered, {stats.ambiguous:,} did you mean, "
        f"{stats.unknown_rate:.0%} unknown   ·   {feedback}"
    )


def _draw_days(figure: Figure, days: Sequence[DayCounts], stats: Stats, period: str) -> None:
    import matplotlib.dates as mdates  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    axes = figure.add_subplot()
    x = [mdates.date2num(day.day) for day in days]
    bottom = [0] * len(days)
    for outcome in ("answered", "ambiguous", "unknown"):
        heights = [getattr(day, outcome) for day in days]
        axes.bar(
            x,
            heights,
            width=0.8 if len(days) <= SEPARATE_BARS_UP_TO else 1.0,
            bottom=bottom,
            color=COLOURS[outcome],
            label=LABELS[outcome],
            linewidth=0,
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if len(days) <= DAILY_TICKS_UP_TO:
        # Every day labelled in full, and at least MIN_SLOTS bar widths across, so that one
        # day is a bar, not a wall (matplotlib's own ticks would be hours here).
        axes.set_xticks(x, labels=[f"{day.day:%a} {day.day.day} {day.day:%b}" for day in days])
        padding = max(0.0, (MIN_SLOTS - len(days)) / 2)
        axes.set_xlim(x[0] - 0.6 - padding, x[-1] + 0.6 + padding)
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
        axes.set_xlim(x[0] - 0.6, x[-1] + 0.6)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("questions")
    axes.grid(axis="y", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="upper left", frameon=False, ncols=3, fontsize=9)
    axes.set_ylim(0, max(bottom) * 1.2)  # headroom for the legend
    first, last = days[0].day, days[-1].day
    span = (
        f"{first.day} {first:%b %Y}"
        if first == last
        else f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    )
    figure.suptitle(
        f"Questions per day, {period}: {span} (UTC)", x=0.01, ha="left", fontsize=13, weight="bold"
    )
    axes.set_title(summary_line(stats), loc="left", fontsize=9.5, color="#333333")


def _draw_nothing_yet(figure: Figure, period: str, *, everything: bool) -> None:
    figure.suptitle(f"Questions per day, {period}", x=0.01, ha="left", fontsize=13, weight="bold")
    figure.text(0.5, 0.55, "No questions yet", ha="center", va="center", fontsize=24)
    where = "The query log is empty" if everything else f"Nothing was asked in the {period}"
    figure.text(
        0.5,
        0.43,
        f"{where}: the bars appear here as members ask.",
        ha="center",
        va="center",
        fontsize=11,
        color="#555555",
    )
