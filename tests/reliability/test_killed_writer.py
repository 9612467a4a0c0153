"""A moderator's write killed half way leaves every knowledge file loadable, each claim
exactly the old version or the new one.

A separate process rewrites one claim file with ``write_atomically`` in a tight loop,
alternating two valid versions, and is killed with SIGKILL (no handler, no cleanup)
once it reports a few hundred writes, so the kill lands at an arbitrary point of a
write: in the temporary file, between ``fsync`` and rename, or between two writes.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import yaml

from bot.knowledge import Claim, load_knowledge
from tests.helpers import SOURCE_ID, claim_data, make_knowledge, write_claim

PROJECT = Path(__file__).resolve().parents[2]
CLAIM_ID = "tankers-sent"

VERSION_A = yaml.safe_dump(claim_data(CLAIM_ID), sort_keys=False).encode()
VERSION_B = yaml.safe_dump(
    claim_data(
        CLAIM_ID,
        quote="The U.S. Treasury responded with sanctions on the shipping firms.",
        questions=tuple(f"What did the Treasury do, take {n}?" for n in range(40)),
        note="A longer version, so a torn write of it could not pass for version A.",
    ),
    sort_keys=False,
).encode()

WRITER = """
import sys
from pathlib import Path

from bot.knowledge.writer import write_atomically

target, marker = Path(sys.argv[1]), int(sys.argv[4])
versions = (Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes())
count = 0
while True:
    write_atomically(target, versions[count % 2])
    count += 1
    if count == marker:
        print("written", count, flush=True)
"""

KILL_AFTER = (200, 251, 300)
"""Writes before the kill, one round each (odd and even: either version may be current)."""


async def write_until_killed(root: Path, after: int) -> None:
    """Start the writer on ``root``'s claim, wait for its marker line, SIGKILL it."""
    versions = root.parent / "versions"
    versions.mkdir()
    (versions / "a.yaml").write_bytes(VERSION_A)
    (versions / "b.yaml").write_bytes(VERSION_B)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WRITER,
        str(root / "claims" / f"{CLAIM_ID}.yaml"),
        str(versions / "a.yaml"),
        str(versions / "b.yaml"),
        str(after),
        cwd=PROJECT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        async with asyncio.timeout(60):
            line = await process.stdout.readline()
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert line == f"written {after}\n".encode(), (await process.stderr.read()).decode()
    assert process.returncode == -signal.SIGKILL


async def test_a_writer_killed_mid_loop_leaves_the_old_or_the_new_claim(tmp_path: Path) -> None:
    roots = [make_knowledge(tmp_path / f"round-{after}") for after in KILL_AFTER]
    expected: dict[bytes, Claim | None] = {}
    for version in (VERSION_A, VERSION_B):
        reference = make_knowledge(tmp_path / f"reference-{len(expected)}")
        write_claim(reference, CLAIM_ID, version)
        expected[version] = load_knowledge(reference).claim(CLAIM_ID)

    await asyncio.gather(
        *(write_until_killed(root, after) for root, after in zip(roots, KILL_AFTER, strict=True))
    )

    for root in roots:
        claims = root / "claims"
        # A torn temporary file, as a kill before the rename leaves: loading ignores it.
        (claims / f".{CLAIM_ID}.yaml.torn.tmp").write_bytes(VERSION_B[: len(VERSION_B) // 2])
        content = (claims / f"{CLAIM_ID}.yaml").read_bytes()
        assert content in expected, content[:200]
        knowledge = load_knowledge(root)
        assert [claim.id for claim in knowledge.claims] == [CLAIM_ID]
        assert knowledge.claim(CLAIM_ID) == expected[content]
        assert knowledge.sources.keys() == {SOURCE_ID}
        leftovers = [path.name for path in claims.iterdir() if path.name.endswith(".tmp")]
        assert all(name.startswith(f".{CLAIM_ID}.yaml.") for name in leftovers), leftovers
