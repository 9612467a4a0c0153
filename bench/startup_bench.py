"""Start-up: a cold ``python -m bot ask`` and ``python -m bot run`` until Discord sees IDENTIFY.

Each run is a fresh interpreter with a minimal environment (no ``DISCORD_*`` from the
developer's shell). ``run`` logs in to the test suite's fake Discord, served from this
process on 127.0.0.1; the clock stops when the fake has received IDENTIFY and sent
READY. One untimed run first, so that byte-code caches are written.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fake_discord import FakeDiscord

REPO = Path(__file__).resolve().parent.parent
QUESTION = "What did Venezuela import from Iran in 2020?"
RUN_TIMEOUT = 60.0


def _base_env() -> dict[str, str]:
    return {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}


def _cold_ask() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--no-log", QUESTION],
        cwd=REPO,
        env=_base_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


async def _run_until_identify(directory: Path) -> float:
    async with FakeDiscord() as fake:
        env = _base_env() | {
            "DISCORD_TOKEN": "fake",
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "BOT_DB": str(directory / "queries.sqlite3"),
        }
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            identified = asyncio.ensure_future(fake.wait_until_identified(timeout=RUN_TIMEOUT))
            exited = asyncio.ensure_future(process.wait())
            done, _ = await asyncio.wait({identified, exited}, return_when=asyncio.FIRST_COMPLETED)
            elapsed = time.perf_counter() - started
            if identified not in done:
                identified.cancel()
                stderr = await process.stderr.read() if process.stderr else b""
                raise RuntimeError(f"bot run exited with {process.returncode}: {stderr.decode()}")
            exited.cancel()
            identified.result()
            return elapsed
        finally:
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.communicate(), RUN_TIMEOUT)


def measure_startup(repeats: int) -> dict[str, Any]:
    _cold_ask()
    asks = [_cold_ask() for _ in range(repeats)]
    runs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-run-") as directory:
        for _ in range(max(1, repeats // 2) + 1):
            runs.append(asyncio.run(_run_until_identify(Path(directory))))
    runs = runs[1:]  # the first one wrote byte-code caches
    return {
        "ask_median_s": statistics.median(asks),
        "ask_min_s": min(asks),
        "ask_runs_s": asks,
        "run_median_s": statistics.median(runs),
        "run_min_s": min(runs),
        "run_runs_s": runs,
    }
