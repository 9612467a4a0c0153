"""A throwaway PostgreSQL server for the tests and the storage benchmark.

It runs Debian's (or any) PostgreSQL binaries on a private port bound to 127.0.0.1,
with its data directory and socket in a temporary directory that is deleted when it
stops. PostgreSQL refuses to run as root, so as root ``initdb`` and ``pg_ctl`` run as
the ``postgres`` user the package creates. Nothing here touches a server of the machine.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

DEFAULT_SETTINGS = ("fsync=off", "full_page_writes=off", "synchronous_commit=off")
"""The tests' server never has to survive a power cut: fast over durable."""


class PostgresUnavailableError(RuntimeError):
    """The binaries are missing, or the server would not start (the message says why)."""


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``: ``$BOT_TEST_PG_BINDIR``, else
    Debian's newest ``/usr/lib/postgresql/N/bin``, else wherever ``pg_ctl`` is on PATH."""
    if configured := os.environ.get("BOT_TEST_PG_BINDIR"):
        return Path(configured)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if debian:
        return Path(debian[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path and (Path(on_path).resolve().parent / "initdb").exists():
        return Path(on_path).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One server: :meth:`start` it, hand out databases with :meth:`url`, :meth:`stop`
    and :meth:`start` it again (an outage), :meth:`destroy` it at the end."""

    def __init__(
        self, bindir: Path, *, settings: Sequence[str] = DEFAULT_SETTINGS, user: str = "postgres"
    ) -> None:
        self.bindir = bindir
        self.settings = tuple(settings)
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="ivkb-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "server.log"
        self.superuser = user
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(user)
            except KeyError:
                raise PostgresUnavailableError(
                    f"running as root and there is no {user!r} user to run PostgreSQL as"
                ) from None
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", user, "--"]
        else:
            self.superuser = pwd.getpwuid(os.geteuid()).pw_name
        os.chmod(self.root, 0o700)
        self._run("initdb", "-D", str(self.data), "-U", self.superuser, "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip

    def _run(self, program: str, *arguments: str) -> None:
        command = [*self._as_user, str(self.bindir / program), *arguments]
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=120, cwd=self.root
        )
        if done.returncode != 0:
            log = self.logfile.read_text(errors="replace")[-2000:] if self.logfile.exists() else ""
            raise PostgresUnavailableError(
                f"{program} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                + (f"\n{log}" if log else "")
            )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = " ".join(
            [f"-p {self.port}", f"-k {self.root}", "-c listen_addresses=127.0.0.1"]
            + [f"-c {setting}" for setting in self.settings]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: connections are cut, as a crash or restart would)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        command = [*self._as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        done = subprocess.run(command, capture_output=True, check=False, cwd=self.root)
        return done.returncode == 0

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self._psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _psql(self, sql: str) -> None:
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.superuser,
                  "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql)  # fmt: skip

    def destroy(self) -> None:
        with contextlib.suppress(PostgresUnavailableError):
            if self.running():
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server(settings: Sequence[str] = DEFAULT_SETTINGS) -> Iterator[PostgresServer]:
    """A started server, destroyed on exit; :class:`PostgresUnavailableError` if there
    are no binaries or it will not start."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailableError(
            "no PostgreSQL binaries (initdb, pg_ctl) found: install Debian's postgresql package"
        )
    server = PostgresServer(bindir, settings=settings)
    try:
        server.start()
        yield server
    finally:
        server.destroy()


REQUIRE_ENV = "BOT_TEST_REQUIRE_POSTGRES"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server, started on first use. Tests that need it are
    skipped only where no PostgreSQL binaries exist and ``BOT_TEST_REQUIRE_POSTGRES`` is
    unset (CI sets it: there a server that will not start fails them)."""
    required = os.environ.get(REQUIRE_ENV, "") not in ("", "0")
    try:
        with postgres_server() as server:
            yield server
            return
    except PostgresUnavailableError as exc:
        if required or find_bindir() is not None:
            pytest.fail(f"PostgreSQL is needed and would not start: {exc}", pytrace=False)
        pytest.skip(f"{exc} ({REQUIRE_ENV} is unset)")


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """A new, empty database on the session's server: its URL."""
    return postgres.create_database(f"test_{uuid.uuid4().hex[:16]}")


async def rows_once_there_are(
    url: str, count: int, query: str, seconds: float = 10.0
) -> list[tuple[str, str]]:
    """The first two columns of ``query``'s rows as text, once it returns ``count`` rows
    (other processes log asynchronously; ``TimeoutError`` if they never get there)."""
    import asyncio

    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(seconds):
            while True:
                rows = await connection.fetch(query)
                if len(rows) >= count:
                    return [(str(row[0]), str(row[1])) for row in rows]
                await asyncio.sleep(0.05)
    finally:
        await connection.close()
