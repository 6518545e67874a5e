"""Faults injected while a sync writes: all or nothing, nothing lost, and the next sync converges.

A database holds version A of a production; a sync to version B (every shot renamed, as many
new shots again) is interrupted mid-write by a client SIGKILL, `pg_terminate_backend`, a
server restart, or (SQLite) a full disk. Afterwards the database must hold exactly version A,
row for row, and a plain sync must then reach version B.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from . import pgcluster
from .conftest import cli, shotkit_process, upgraded

SHOTS = 1500


def production(directory: Path, shots: int, suffix: str) -> Path:
    directory.mkdir(exist_ok=True)
    lines = ["shotkit: 1", "workspace: faults", "characters:", "  hero: {name: Hero}", "shots:"]
    lines += [
        f"  s{n}: {{name: Shot {n}{suffix}, characters: [hero], takes: [{{attempt: 1, video: {{url: 'https://x/{n}.mp4'}}}}]}}"
        for n in range(shots)
    ]
    (directory / "big.yaml").write_text("\n".join(lines) + "\n")
    return directory


def rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            assets = connection.exec_driver_sql(
                "SELECT id, type, name, url, asset_metadata, manifest_key, owner, source, updated_at FROM assets ORDER BY id"
            ).all()
            links = connection.exec_driver_sql(
                "SELECT id, parent_asset_id, child_asset_id, relationship_type, sequence, relationship_metadata FROM asset_relationships ORDER BY id"
            ).all()
    finally:
        engine.dispose()
    return [tuple(map(str, row)) for row in assets + links]


def sync(url: str, project: Path) -> subprocess.Popen:
    return shotkit_process("sync", str(project), "--database-url", url, stdout=subprocess.DEVNULL)


def when_writing(url: str, process: subprocess.Popen, fault: Callable[[int], None]) -> bool:
    """Call `fault(backend pid)` once the sync's backend is running a COPY, an INSERT or an UPDATE."""
    watcher = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    deadline = time.monotonic() + 60
    try:
        with watcher.connect() as connection:
            while time.monotonic() < deadline and process.poll() is None:
                pid = connection.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND state = 'active' AND (query ILIKE 'COPY %' OR query ILIKE 'INSERT INTO%' OR query ILIKE 'UPDATE%')"
                    )
                ).scalar()
                if pid:
                    fault(pid)
                    return True
                time.sleep(0.002)
    finally:
        watcher.dispose()
    return False


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    return production(tmp_path / "a", SHOTS, ""), production(tmp_path / "b", SHOTS * 2, " v2")


def converges(capsys, url: str, project: Path) -> None:
    code, _, err = cli(capsys, "sync", str(project), "--database-url", url)
    assert code == 0, err
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out


def synced(url: str, project: Path) -> int:
    """Sync in a child process, to the end: its exit code."""
    with sync(url, project) as process:  # `with` closes the stderr pipe
        process.communicate(timeout=120)
    return process.returncode


def inject(url: str, b: Path, fault: Callable[[subprocess.Popen, int], None]) -> tuple[int, str]:
    """Sync B in a child process and inject the fault mid-write: its exit code and stderr."""
    with sync(url, b) as process:
        hit = when_writing(url, process, lambda pid: fault(process, pid))
        _, err = process.communicate(timeout=60)
    assert hit, "the sync finished before the fault could be injected"
    return process.returncode, err


@pytest.mark.parametrize("fault", ["sigkill", "terminate"])
def test_client_kill_and_backend_termination(
    pg_url: str, tmp_path: Path, capsys, versions: tuple[Path, Path], fault: str
) -> None:
    upgraded(pg_url, tmp_path)
    a, b = versions
    assert synced(pg_url, a) == 0
    before = rows(pg_url)

    def terminate(_process: subprocess.Popen, pid: int) -> None:
        engine = sa.create_engine(
            pg_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        engine.dispose()

    kill = {"sigkill": lambda process, _pid: os.kill(process.pid, signal.SIGKILL), "terminate": terminate}[
        fault
    ]
    code, err = inject(pg_url, b, kill)
    assert rows(pg_url) == before  # all or nothing: nothing of B, nothing of A lost
    if fault == "terminate":
        assert code == 1 and len(err.strip().splitlines()) == 1 and "internal error" not in err, err
    converges(capsys, pg_url, b)


@pytest.fixture
def own_server() -> Iterator[pgcluster.Cluster]:
    """A server of this test's own, since it is restarted mid-sync."""
    cluster = pgcluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_server_restart_mid_sync(
    own_server: pgcluster.Cluster, tmp_path: Path, capsys, versions: tuple[Path, Path]
) -> None:
    url = own_server.url
    upgraded(url, tmp_path)
    a, b = versions
    assert synced(url, a) == 0
    before = rows(url)

    def restart(_process: subprocess.Popen, _pid: int) -> None:
        own_server._run(
            str(own_server.bindir / "pg_ctl"),
            "-D",
            str(own_server.directory / "data"),
            "-l",
            str(own_server.directory / "server.log"),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "restart",
        )

    code, err = inject(url, b, restart)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "internal error" not in err, err
    assert rows(url) == before
    converges(capsys, url, b)


@pytest.mark.parametrize("spare_pages", [5, 60])
def test_sqlite_disk_full(
    sqlite_url: str, tmp_path: Path, capsys, versions: tuple[Path, Path], spare_pages: int
) -> None:
    """`PRAGMA max_page_count` makes the file "full" a few pages past its current size."""
    upgraded(sqlite_url, tmp_path)
    a, b = versions
    assert cli(capsys, "sync", str(a), "--database-url", sqlite_url)[0] == 0
    before = rows(sqlite_url)

    def full(dbapi_connection, _record) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + spare_pages}")

    sa.event.listen(sa.engine.Engine, "connect", full)
    try:
        code, _, err = cli(capsys, "sync", str(b), "--database-url", sqlite_url)
    finally:
        sa.event.remove(sa.engine.Engine, "connect", full)
    assert code == 1 and "database or disk is full" in err and "rolled back" in err, err
    assert len(err.strip().splitlines()) == 1
    assert rows(sqlite_url) == before
    converges(capsys, sqlite_url, b)
