"""Reads see one moment: a sync committing during a plan or an export cannot tear it (issue 10)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
import yaml

from .conftest import cli, shotkit, upgraded

SHOTS = 300


def version(directory: Path, hero: str) -> Path:
    """A production whose every shot uses one character; versions differ in which one."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["shotkit: 1", "workspace: ws-torn", f"characters: {{{hero}: {{name: {hero}}}}}", "shots:"]
    lines += [f"  s{i:04d}: {{name: S{i}, characters: [{hero}]}}" for i in range(SHOTS)]
    (directory / "production.yaml").write_text("\n".join(lines) + "\n")
    return directory


def sync(url: str, project: Path) -> subprocess.CompletedProcess:
    return shotkit("sync", str(project), "--database-url", url, "--lock-timeout", "20", timeout=60)


def exported_shots(capsys, url: str, out: Path) -> list[dict]:
    code, _, err = cli(capsys, "export", "--database-url", url, "--out", str(out))
    assert code == 0, err
    return list(yaml.safe_load((out / "production.yaml").read_text())["shots"].values())


def test_export_is_not_torn_by_a_sync_between_its_reads(pg_url: str, tmp_path: Path, capsys) -> None:
    """The old export read assets, then links: a sync committed in between (here, on cue,
    right after the first read) left every shot without its character."""
    upgraded(pg_url, tmp_path)
    assert sync(pg_url, version(tmp_path / "a", "hero-a")).returncode == 0
    b = version(tmp_path / "b", "hero-b")
    fired: list[int] = []

    def between(conn, cursor, statement, parameters, context, executemany) -> None:
        if not fired and "asset_metadata" in statement and "shotkit_test" in str(conn.engine.url):
            fired.append(sync(pg_url, b).returncode)

    sa.event.listen(sa.engine.Engine, "after_cursor_execute", between)
    try:
        shots = exported_shots(capsys, pg_url, tmp_path / "out")
    finally:
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", between)
    assert fired == [0]
    assert sum(1 for shot in shots if shot.get("characters")) == SHOTS


def test_concurrent_syncs_never_tear_a_plan_or_an_export(any_url: str, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    versions = [version(tmp_path / "a", "hero-a"), version(tmp_path / "b", "hero-b")]
    assert sync(any_url, versions[0]).returncode == 0
    flip = (
        "import sys, subprocess\nfor i in range(3):\n"
        "    subprocess.run([sys.executable, '-m', 'shotkit', 'sync', sys.argv[1 + i % 2], '--database-url', sys.argv[3], '--lock-timeout', '20'], check=True, capture_output=True)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", flip, str(versions[1]), str(versions[0]), any_url])
    reads = torn = 0
    deadline = time.monotonic() + 40
    while writer.poll() is None and time.monotonic() < deadline:
        shots = exported_shots(capsys, any_url, tmp_path / f"out{reads}")
        torn += sum(1 for shot in shots if not shot.get("characters"))
        reads += 1
    assert writer.wait(timeout=60) == 0
    assert reads >= 2 and torn == 0, (reads, torn)


def test_plan_reads_in_a_read_only_repeatable_read_transaction(pg_url: str, tmp_path: Path, capsys) -> None:
    upgraded(pg_url, tmp_path)
    project = version(tmp_path / "a", "hero-a")
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "asset_metadata" in statement and "shotkit_test" in str(conn.engine.url):
            cursor.execute(
                "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')"
            )
            seen.append(tuple(cursor.fetchone()))

    sa.event.listen(sa.engine.Engine, "after_cursor_execute", record)
    try:
        code, _, err = cli(capsys, "plan", str(project), "--database-url", pg_url)
    finally:
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", record)
    assert code == 0, err
    assert seen == [("repeatable read", "on")]
