"""``python -m bot`` end to end, in a subprocess, against the shipped knowledge base.

Each run gets its own HOME, XDG_DATA_HOME and BOT_DB under ``tmp_path``, so nothing is
written outside it; the commands tested here need no network.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.answering import AnswerService, Asker
from bot.cli import build_parser
from bot.knowledge import KnowledgeError, load_knowledge
from bot.knowledge.models import Claim
from bot.matching import build_matcher
from bot.matching.semantic import load_embedder
from tests.helpers import claim_data, make_knowledge, query_db, shipped_knowledge

PROJECT = Path(__file__).resolve().parents[2]
GASOLINE = "What did Venezuela import from Iran in 2020?"
PIZZA = "What's the best pizza topping?"
CONTRACT_KEYS = {"question", "answered", "outcome", "language", "matches"}
MATCH_KEYS = {"id", "claim", "score", "citations"}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The process environment without any BOT_* setting, plus a private log and home."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BOT_", "DISCORD_")) and key != "XDG_DATA_HOME"
    }
    return clean | {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "BOT_DB": str(tmp_path / "env.sqlite3"),
    }


def run_bot(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run_python(env, "-m", "bot", *args, stdin=stdin)


def run_python(
    env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """This interpreter in a fresh process, in the project directory."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def expected_claim(question: str) -> Claim:
    """The claim the service itself picks, so the test follows curators' edits."""
    knowledge = shipped_knowledge()
    answer = AnswerService(knowledge, build_matcher(knowledge)).answer(question, Asker("test"))
    assert answer.answered, f"the shipped knowledge base no longer answers {question!r}"
    assert answer.best is not None
    return answer.best.claim


def json_lines(stdout: str) -> list[dict[str, Any]]:
    objects = [json.loads(line) for line in stdout.splitlines()]
    for data in objects:
        assert set(data) == CONTRACT_KEYS
        assert data["answered"] is (data["outcome"] == "answered")
        for match in data["matches"]:
            assert set(match) == MATCH_KEYS
            assert all(set(citation) == {"source", "quote"} for citation in match["citations"])
    return objects


def test_ask_prints_the_statement_the_verbatim_quote_and_its_source(
    env: dict[str, str], tmp_path: Path
) -> None:
    claim = expected_claim(GASOLINE)

    result = run_bot(env, "ask", GASOLINE)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert f"Q: {GASOLINE}" in result.stdout
    assert claim.statement in result.stdout
    # Quotes are wrapped for the terminal on lines starting "   > ": unwrap them.
    quoted = " ".join(
        line.removeprefix("   > ")
        for line in result.stdout.splitlines()
        if line.startswith("   > ")
    )
    title = shipped_knowledge().source_title(claim.citations[0].source)
    for citation in claim.citations:
        assert f'"{citation.quote}"' in quoted
    assert f"- {title} ({claim.citations[0].source})" in result.stdout
    # Logged where BOT_DB says.
    assert query_db(
        tmp_path / "env.sqlite3", "SELECT adapter, question, outcome, claim_id FROM queries"
    ) == [("cli", GASOLINE, "answered", claim.id)]


def test_ask_json_prints_one_object_per_question_and_logs_them_in_the_db_given(
    env: dict[str, str], tmp_path: Path
) -> None:
    claim = expected_claim(GASOLINE)
    db = tmp_path / "flag.sqlite3"

    result = run_bot(env, "ask", "--json", "--db", str(db), GASOLINE, PIZZA)

    assert result.returncode == 0, result.stderr
    gasoline, pizza = json_lines(result.stdout)
    assert (gasoline["question"], gasoline["outcome"], gasoline["answered"]) == (
        GASOLINE,
        "answered",
        True,
    )
    assert gasoline["matches"][0]["id"] == claim.id
    assert gasoline["matches"][0]["citations"] == [
        {"source": c.source, "quote": c.quote} for c in claim.citations
    ]
    scores = [match["score"] for match in gasoline["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert (pizza["question"], pizza["outcome"], pizza["answered"]) == (PIZZA, "unknown", False)
    assert query_db(db, "SELECT question, outcome FROM queries ORDER BY asked_at") == [
        (GASOLINE, "answered"),
        (PIZZA, "unknown"),
    ]
    assert not (tmp_path / "env.sqlite3").exists()  # --db wins over BOT_DB


def test_ask_json_reads_one_question_per_line_of_stdin(env: dict[str, str]) -> None:
    questions = [GASOLINE, "oil", PIZZA]

    result = run_bot(env, "ask", "--json", stdin="\n".join(questions[:2]) + "\n\n" + PIZZA)

    assert result.returncode == 0, result.stderr
    assert [data["question"] for data in json_lines(result.stdout)] == questions


def test_stats_counts_the_questions_asked(env: dict[str, str], tmp_path: Path) -> None:
    db = str(tmp_path / "stats.sqlite3")
    asked = run_bot(env, "ask", "--db", db, GASOLINE, GASOLINE.upper(), PIZZA)
    assert asked.returncode == 0, asked.stderr

    result = run_bot(env, "stats", "--db", db)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        "questions (all time): 3",
        "answered: 2 (67%), ambiguous: 0, unknown: 1 (33%)",
        "feedback: 0 helpful, 0 not helpful",
    ]
    assert f"      2  {GASOLINE.lower()}" in lines
    assert lines[lines.index("most frequent unanswered:") + 1] == f"      1  {PIZZA.lower()}"


def test_kb_validate_summarises_the_shipped_knowledge_base(env: dict[str, str]) -> None:
    knowledge = shipped_knowledge()

    result = run_bot(env, "kb", "validate")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        f"ok: {len(knowledge.claims)} claims, {len(knowledge.sources)} sources, "
        f"{len(knowledge.synonyms)} synonym groups; coverage "
    )
    assert f"version {knowledge.version}" in result.stdout.splitlines()[0]


def test_kb_validate_lists_every_problem_and_exits_1(env: dict[str, str], tmp_path: Path) -> None:
    root = make_knowledge(
        tmp_path,
        claims={
            "misnamed": claim_data("other-name"),
            "wrong-quote": claim_data("wrong-quote", quote="Iran sent six tankers."),
            "unknown-field": claim_data("unknown-field", colour="red"),
        },
    )
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)

    result = run_bot(env, "kb", "validate", "--knowledge", str(root))

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"3 problems in the knowledge base:\n{caught.value.report()}\n"
    for name in ("misnamed.yaml", "wrong-quote.yaml", "unknown-field.yaml"):
        assert name in result.stderr


def test_eval_prints_a_table_for_the_dev_split(env: dict[str, str]) -> None:
    result = run_bot(env, "eval", "--split", "dev")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("dev set: ")
    model, _ = load_embedder()
    assert lines[0].endswith(", hybrid" if model is not None else ", lexical only")
    assert lines[1].split() == [
        "category",
        "n",
        "score",
        "committed",
        "measure",
        "right",
        "wrong",
        "offered",
        "missed",
    ]
    assert lines[-1].startswith("answerable ")
    assert not any("FAIL" in line for line in lines)  # failures only with -v


def test_the_core_commands_never_import_discord(env: dict[str, str], tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "codes = [main(['ask', '--no-log', 'oil']), main(['kb', 'validate']),\n"
        "         main(['eval', '--split', 'dev'])]\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'discord')\n"
        "print('RESULT', codes, loaded)\n"
    )

    result = run_python(env, "-c", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "RESULT [0, 0, 0] []"
    assert not (tmp_path / "env.sqlite3").exists()  # --no-log


def test_ask_never_imports_matplotlib(env: dict[str, str]) -> None:
    """The chart's library costs 0.7-1 s of start-up: only a chart may load it."""
    script = (
        "import sys\n"
        "from bot.cli import main\n"
        "code = main(['ask', '--no-log', 'oil'])\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'PIL'))\n"
        "print('RESULT', code, loaded)\n"
    )

    result = run_python(env, "-c", script)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "RESULT 0 []"


def test_no_command_prints_the_command_list_and_exits_2(env: dict[str, str]) -> None:
    result = run_bot(env)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: python -m bot COMMAND [options]\n")
    listed = set(re.findall(r"^  (\w+)", result.stderr, flags=re.MULTILINE))
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    in_readme = set(re.findall(r"^\| `python -m bot (\w+)", readme, flags=re.MULTILINE))
    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert listed == in_readme == set(commands.choices)
    assert "the following arguments are required" not in result.stderr


@pytest.mark.parametrize("arguments", [[""], ["   "], [GASOLINE, " \t"]])
def test_an_empty_question_argument_is_a_one_line_usage_error(
    env: dict[str, str], tmp_path: Path, arguments: list[str]
) -> None:
    result = run_bot(env, "ask", *arguments)

    assert result.returncode == 2
    assert result.stdout == ""  # nothing answered, not even the other questions
    [line] = result.stderr.splitlines()
    which = "the question" if len(arguments) == 1 else "question 2 of 2"
    assert line.startswith(f"error: ask: {which} is empty; write it in quotes, e.g. ")
    assert not (tmp_path / "env.sqlite3").exists()  # and nothing logged


def test_blank_lines_of_standard_input_are_skipped_silently(env: dict[str, str]) -> None:
    result = run_bot(env, "ask", "--no-log", "--json", stdin="\n   \n" + GASOLINE + "\n\n")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert [data["question"] for data in json_lines(result.stdout)] == [GASOLINE]


def test_ask_answers_even_when_the_log_cannot_be_opened(
    env: dict[str, str], tmp_path: Path
) -> None:
    regular_file = tmp_path / "not-a-directory"
    regular_file.write_text("")

    result = run_bot(env, "ask", "--db", str(regular_file / "log.sqlite3"), GASOLINE)

    assert result.returncode == 0
    assert expected_claim(GASOLINE).statement in result.stdout
    assert "WARNING bot.cli.ask: query log unavailable" in result.stderr
    assert "answering without logging" in result.stderr


def test_a_bad_log_level_is_a_configuration_error(env: dict[str, str]) -> None:
    result = run_bot(env | {"BOT_LOG_LEVEL": "chatty"}, "ask", "--no-log", "oil")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("configuration error: BOT_LOG_LEVEL must be one of DEBUG")
    assert "chatty" not in result.stderr.lower()  # the value itself is never echoed
