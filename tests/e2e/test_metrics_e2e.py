"""``BOT_METRICS_PORT``: ``python -m bot run`` against the fake Discord, scraped like Prometheus.

Questions are asked, votes cast and ``/kb`` tried through the fake; ``/metrics`` is then
parsed with prometheus_client's own parser and its counts checked against what the
query log wrote. ``/healthz`` follows the gateway: 503 while the fake holds the bot's
reconnection after a drop, 200 again once it has resumed.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.discordbot.doubles import ANSWERED_QUESTION, UNRELATED_QUESTION
from tests.e2e.test_entry_point_e2e import STARTUP_TIMEOUT, base_env, bot_env, until_identified
from tests.fake_discord import FakeDiscord, option
from tests.helpers import query_db, shipped_knowledge, start_bot_process

SPANISH_QUESTION = "¿Qué importó Venezuela de Irán en 2020?"
PERSIAN_QUESTION = "ونزوئلا در سال ۲۰۲۰ از ایران چه وارد کرد؟"
QUESTIONS = (ANSWERED_QUESTION, SPANISH_QUESTION, UNRELATED_QUESTION, PERSIAN_QUESTION)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; the bot binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples[name, frozenset(labels.items())]


class Scraper:
    """What Prometheus and Docker's health check do, against one port."""

    def __init__(self, session: aiohttp.ClientSession, port: int) -> None:
        self._session = session
        self._base = f"http://127.0.0.1:{port}"

    async def metrics(self) -> Samples:
        async with self._session.get(f"{self._base}/metrics") as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            text = await response.text()
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    async def health(self) -> tuple[int, str]:
        async with self._session.get(f"{self._base}/healthz") as response:
            return response.status, await response.text()

    async def health_becomes(self, status: int) -> str:
        """Poll ``/healthz`` until it answers ``status`` (for at most 10 s); its body then."""
        seen: tuple[int, str] | None = None
        try:
            async with asyncio.timeout(10):
                while True:
                    seen = await self.health()
                    if seen[0] == status:
                        return seen[1]
                    await asyncio.sleep(0.05)
        except TimeoutError:
            pytest.fail(f"/healthz never answered {status}; last: {seen}")


async def docker_health_check(port: int) -> int:
    """The exit code of the Dockerfile's own HEALTHCHECK command (run here, not in a
    container), as Docker would run it with ``BOT_METRICS_PORT`` set."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    start = text.index("CMD [", text.index("\nHEALTHCHECK ")) + len("CMD ")
    argv = json.loads(text[start : text.index("\n", start)])
    assert argv[0] == "python"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *argv[1:],
        env=base_env() | {"BOT_METRICS_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), 30)


@asynccontextmanager
async def running(
    fake: FakeDiscord, tmp_path: Path, port: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run`` with the metrics on ``port``, logged in; SIGTERM on exit."""
    env = bot_env(fake, tmp_path / "queries.sqlite3") | {"BOT_METRICS_PORT": str(port)}
    process = await start_bot_process("run", env=env, cwd=tmp_path)
    try:
        await until_identified(fake, process)
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), STARTUP_TIMEOUT)


async def test_metrics_count_what_the_bot_did_and_health_follows_the_gateway(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    port = free_port()
    async with (
        running(fake_discord, tmp_path, port) as process,
        aiohttp.ClientSession() as session,
    ):
        scrape = Scraper(session, port)
        assert await scrape.health_becomes(200) == "ok\n"

        answers = []
        for question in QUESTIONS:
            handle = await fake_discord.send_slash_command("ask", [option("question", question)])
            answers.append(await handle.callback(timeout=10.0))
        helpful = next(
            c["custom_id"]
            for row in answers[0]["data"]["components"]
            for c in row["components"]
            if c["custom_id"].startswith("fb:y:")
        )
        await (await fake_discord.click_button(helpful)).callback()
        await (await fake_discord.click_button("fb:n:00112233445566ff")).callback()
        member = await fake_discord.send_slash_command("kb", subcommand="reload")
        await member.callback()  # refused: not a moderator
        moderator = fake_discord.make_moderator()
        reload = await fake_discord.send_slash_command("kb", subcommand="reload", user=moderator)
        await reload.followup(timeout=30.0)

        before = await scrape.metrics()
        healthy_in_docker = await docker_health_check(port)

        await fake_discord.drop_gateway(stay_down=True)
        down = await scrape.health_becomes(503)
        while_down = await scrape.metrics()
        down_in_docker = await docker_health_check(port)
        fake_discord.restore_gateway()
        await fake_discord.wait_until_resumed(timeout=10.0)
        assert await scrape.health_becomes(200) == "ok\n"
        after = await scrape.metrics()

    assert process.returncode == 0
    db = tmp_path / "queries.sqlite3"
    # Questions: each counted once, by the outcome and language the query log stored.
    rows = query_db(db, "SELECT outcome, language, latency_ms, kb_version FROM queries")
    assert len(rows) == len(QUESTIONS)
    assert {language for _, language, _, _ in rows} == {"en", "es", "fa"}
    for outcome in ("answered", "ambiguous", "unknown"):
        for language in ("en", "es", "fa", "other"):
            logged = sum(1 for o, lang, _, _ in rows if (o, lang) == (outcome, language))
            counted = sample(before, "ivkb_questions_total", outcome=outcome, language=language)
            assert counted == logged, (outcome, language)
    assert sample(before, "ivkb_answer_latency_seconds_count") == len(QUESTIONS)
    assert math.isclose(
        sample(before, "ivkb_answer_latency_seconds_sum"),
        sum(latency for _, _, latency, _ in rows) / 1000,
        rel_tol=1e-6,
    )
    assert sample(before, "ivkb_feedback_total", vote="up") == 1
    assert sample(before, "ivkb_feedback_total", vote="down") == 1
    assert sample(before, "ivkb_moderator_actions_total", action="refused") == 1
    assert sample(before, "ivkb_moderator_actions_total", action="reload") == 1
    # The query log: healthy, nothing dropped.
    assert sample(before, "ivkb_query_log_dropped_rows_total") == 0
    assert sample(before, "ivkb_query_log_write_errors_total") == 0
    assert sample(before, "ivkb_query_log_pending_rows") >= 0
    # The knowledge base answered from: the version the log stored, every claim.
    [version] = {kb_version for *_, kb_version in rows}
    assert sample(before, "ivkb_knowledge_base_info", version=version) == 1
    assert sample(before, "ivkb_knowledge_base_claims") == len(shipped_knowledge().claims)
    assert sample(before, "ivkb_semantic_matching_enabled") in {0, 1}
    # The gateway, connected, then down, then resumed.
    assert sample(before, "ivkb_gateway_connected", shard="0") == 1
    assert sample(before, "ivkb_gateway_latency_seconds", shard="0") >= 0
    assert sample(before, "ivkb_gateway_disconnects_total", shard="0") == 0
    assert "Discord gateway shard 0 disconnected" in down
    assert sample(while_down, "ivkb_gateway_connected", shard="0") == 0
    assert sample(while_down, "ivkb_gateway_disconnects_total", shard="0") == 1
    assert sample(after, "ivkb_gateway_connected", shard="0") == 1
    assert sample(after, "ivkb_gateway_reconnects_total", shard="0", kind="resume") == 1
    assert sample(after, "ivkb_gateway_reconnects_total", shard="0", kind="identify") == 0
    # The image's HEALTHCHECK reads the same endpoint the same way.
    assert (healthy_in_docker, down_in_docker) == (0, 1)
    # The process's own metrics come from the same (dedicated) registry.
    assert sample(before, "process_resident_memory_bytes") > 0


async def test_a_metrics_port_in_use_stops_run_with_one_line_naming_it(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        env = bot_env(fake_discord, tmp_path / "queries.sqlite3") | {"BOT_METRICS_PORT": str(port)}
        process = await start_bot_process("run", env=env, cwd=tmp_path)
        _, stderr = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)

    assert process.returncode == 1
    # discord.py's warnings about voice support come first: the error is the last line.
    *_, line = stderr.decode().splitlines()
    assert line.startswith(f"error: cannot serve metrics on 127.0.0.1:{port} (BOT_METRICS_PORT): ")
    assert line.lower().endswith("address already in use")
    assert b"Traceback" not in stderr
    assert fake_discord.gateway_frames == []  # it never connected
