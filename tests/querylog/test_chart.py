"""The moderators' chart, decoded and looked at pixel by pixel: its size, that its plot
area is drawn, and that each day with questions is a bar of its own."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from bot.querylog.chart import COLOURS, HEIGHT, WIDTH, period_text, stats_chart, summary_line
from bot.querylog.stats import DayCounts, Stats

TODAY = date(2025, 3, 1)
Image = npt.NDArray[np.float32]


def stats_of(daily: Sequence[DayCounts], helpful: int = 0, not_helpful: int = 0) -> Stats:
    answered = sum(d.answered for d in daily)
    ambiguous = sum(d.ambiguous for d in daily)
    unknown = sum(d.unknown for d in daily)
    return Stats(
        answered + ambiguous + unknown,
        answered,
        ambiguous,
        unknown,
        helpful,
        not_helpful,
        [],
        [],
        [],
    )


def decode(png: bytes) -> Image:
    """The picture as rows of RGB pixels in [0, 1] (matplotlib reads PNG through Pillow)."""
    from matplotlib.image import imread

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pixels: Image = imread(io.BytesIO(png), format="png")
    return pixels[..., :3]


def plot_area(image: Image) -> Image:
    """The picture below its title and summary, right of the y axis, above the x axis."""
    return image[80 : HEIGHT - 40, 60 : WIDTH - 4]


def ink(area: Image) -> float:
    """The share of pixels darker than the grid lines: bars and text, not the background."""
    return float((area.min(axis=-1) < 0.6).mean())


def near(image: Image, colour: str) -> npt.NDArray[np.bool_]:
    """Which pixels are ``colour`` (a "#rrggbb"), give or take anti-aliasing."""
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.asarray(np.abs(image - rgb).max(axis=-1) < 0.04)


def runs(row: npt.NDArray[np.bool_]) -> int:
    """How many separate stretches of True a row of pixels has."""
    return int(row[0]) + int(np.count_nonzero(row[1:] & ~row[:-1]))


def test_an_empty_log_gives_a_picture_that_says_no_questions_yet() -> None:
    image = decode(stats_chart([], stats_of([]), window_days=None))

    assert image.shape == (HEIGHT, WIDTH, 3)
    area = plot_area(image)
    assert ink(area) > 0.005  # the message, in the middle: not a blank picture
    assert not any(near(area, colour).any() for colour in COLOURS.values())  # and no bars


def test_a_window_without_questions_is_the_same_kind_of_picture() -> None:
    quiet = [DayCounts(TODAY - timedelta(days=n)) for n in range(3, -1, -1)]

    image = decode(stats_chart(quiet, stats_of(quiet), window_days=3))

    assert image.shape == (HEIGHT, WIDTH, 3)
    assert ink(plot_area(image)) > 0.005
    assert not near(plot_area(image), COLOURS["answered"]).any()


def test_one_day_is_one_bar_of_all_three_outcomes() -> None:
    one = [DayCounts(TODAY, answered=7, ambiguous=2, unknown=3)]

    image = decode(stats_chart(one, stats_of(one, 3, 1), window_days=None))

    assert image.shape == (HEIGHT, WIDTH, 3)
    area = plot_area(image)
    for colour in COLOURS.values():
        assert near(area, colour).sum() > 500, colour
    # One bar, narrow: not stretched across the whole width (low down, below the legend).
    green_columns = np.asarray(near(area[-80:], COLOURS["answered"]).any(axis=0))
    assert runs(green_columns) == 1
    assert green_columns.sum() < area.shape[1] / 4


def test_ninety_days_are_ninety_one_bars_with_gaps_where_nobody_asked() -> None:
    quiet = {10, 11, 40, 75}
    daily = [
        DayCounts(TODAY - timedelta(days=90 - n), answered=0 if n in quiet else 5 + n % 7)
        for n in range(91)
    ]

    image = decode(stats_chart(daily, stats_of(daily, 120, 31), window_days=90))

    assert image.shape == (HEIGHT, WIDTH, 3)
    # Just above the x axis every day with questions is a separate green bar.
    green = near(image, COLOURS["answered"])
    bars = max(runs(green[row]) for row in range(HEIGHT - 120, HEIGHT - 40))
    assert bars == 91 - len(quiet)


def test_the_summary_gives_the_answer_rate_and_the_feedback() -> None:
    daily = [DayCounts(TODAY, answered=6, ambiguous=1, unknown=1)]

    assert summary_line(stats_of(daily, helpful=3, not_helpful=1)) == (
        "8 questions, 75% answered, 1 did you mean, 12% unknown   ·   "
        "feedback: 3 helpful / 1 not helpful (75% helpful)"
    )
    assert summary_line(stats_of([DayCounts(TODAY, answered=1)])) == (
        "1 question, 100% answered, 0 did you mean, 0% unknown   ·   feedback: no votes yet"
    )


@pytest.mark.parametrize(
    ("days", "text"), [(None, "all time"), (1, "last day"), (30, "last 30 days")]
)
def test_the_period_is_named_as_people_say_it(days: int | None, text: str) -> None:
    assert period_text(days) == text


def test_importing_the_chart_module_does_not_import_matplotlib() -> None:
    code = (
        "import sys, bot.querylog.chart\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
