"""``python -m bot stats --chart FILE.png``, in-process, over real query logs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.querylog import FeedbackRecord, QueryLog
from bot.querylog.chart import COLOURS, HEIGHT, WIDTH
from tests.helpers import query_record
from tests.querylog.test_chart import decode, ink, near, plot_area, runs


def write_log(db: Path, days_ago: list[int]) -> None:
    """One question (answered, ambiguous, unknown in turn) per entry, asked that many days ago."""
    now = datetime.now(UTC)

    async def write() -> None:
        query_log = await QueryLog.open(db)
        for n, days in enumerate(days_ago):
            outcome = ("answered", "ambiguous", "unknown")[n % 3]
            query_log.record(
                query_record(f"q{n}", outcome=outcome, asked_at=now - timedelta(days=days))
            )
        if days_ago:
            query_log.record(FeedbackRecord("q0", "u1", helpful=True, given_at=now))
        await query_log.close()

    asyncio.run(write())


@pytest.mark.parametrize(
    ("days_ago", "bars"),
    [
        ([], 0),  # an empty log: the "no questions yet" picture
        ([0] * 5, 1),  # every question today
        ([d for d in range(90) if d % 10 != 5 for _ in range(d % 4 + 1)], 81),
    ],
    ids=["empty", "one-day", "90-days"],
)
def test_the_chart_is_written_with_its_size_and_a_bar_per_day_with_questions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], days_ago: list[int], bars: int
) -> None:
    db, chart = tmp_path / "q.sqlite3", tmp_path / "stats.png"
    write_log(db, days_ago)

    code = main(["stats", "--db", str(db), "--days", "90", "--chart", str(chart)], env={})

    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"questions (last 90 days): {len(days_ago)}"  # the report as without --chart
    assert out[-1] == f"chart written to {chart}"
    image = decode(chart.read_bytes())
    assert image.shape == (HEIGHT, WIDTH, 3)
    assert ink(plot_area(image)) > 0.005  # bars or the no-questions text: not a blank picture
    coloured = near(image, COLOURS["answered"]) | near(image, COLOURS["ambiguous"])
    coloured |= near(image, COLOURS["unknown"])
    assert max(runs(coloured[row]) for row in range(HEIGHT - 120, HEIGHT - 40)) == bars


def test_without_days_the_chart_starts_on_the_first_day_logged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, chart = tmp_path / "q.sqlite3", tmp_path / "stats.png"
    write_log(db, [400, 3, 0])

    assert main(["stats", "--db", str(db), "--chart", str(chart)], env={}) == 0

    assert capsys.readouterr().out.splitlines()[0] == "questions (all time): 3"
    assert decode(chart.read_bytes()).shape == (HEIGHT, WIDTH, 3)


def test_a_chart_that_cannot_be_written_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, chart = tmp_path / "q.sqlite3", tmp_path / "missing-directory" / "stats.png"
    write_log(db, [0])

    assert main(["stats", "--db", str(db), "--chart", str(chart)], env={}) == 1

    assert capsys.readouterr().err == (
        f"cannot write the chart to {chart}: No such file or directory\n"
    )
