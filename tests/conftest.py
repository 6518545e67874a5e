"""What the tests share: real databases (a PostgreSQL server started here, or
SHOTKIT_TEST_DATABASE_URL, and SQLite files), copies of the example productions, and the two ways
of running shotkit (in this process, like the console script, or as a child process).

Each helper is defined here once; test modules import the plain functions and name the fixtures
as parameters (never import a fixture: pytest finds it here).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shotkit import db
from shotkit.cli import main

from . import pgcluster

ROOT = Path(__file__).resolve().parent.parent
WS = "workspace-123"  # the demo production's workspace (manifests/shotkit.yaml)
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server whose user may create databases."""
    url = os.environ.get("SHOTKIT_TEST_DATABASE_URL")
    if url:
        yield url
        return
    try:
        cluster = pgcluster.start()
    except Exception as err:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {err}")
        pytest.skip(f"no PostgreSQL server: {err} (set SHOTKIT_TEST_DATABASE_URL)")
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_admin(pg_server: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db.normalise_url(pg_server), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_admin: sa.Engine) -> Iterator[str]:
    """A fresh, empty database of its own for one test (no tables yet)."""
    name = f"shotkit_test_{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with pg_admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = pg_admin.url.set(database=name)
    yield url.render_as_string(hide_password=False)
    with pg_admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shotkit-test.db'}"


@pytest.fixture(params=["postgresql", "sqlite"])
def any_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs on both real databases."""
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")


def upgraded(url: str, root: Path) -> db.Database:
    """The database at the head revision. Its engine's pool is emptied before it is returned:
    most callers only want the tables, and a pooled connection nobody closes is a
    ResourceWarning (an error here) when the engine is collected. Using the engine again
    opens a new connection; the caller disposes it."""
    database = db.open_database(url, root, check_schema=False)
    db.upgrade(database)
    database.engine.dispose()
    return database


def async_url(url: str) -> str:
    parsed = db.normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the demo production (manifests/) that the test may change."""
    target = tmp_path / "project"
    shutil.copytree(ROOT / "manifests", target)
    return target


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    """A copy of the hand-written production (tests/handwritten/: comments, styles, CRLF)."""
    target = tmp_path / "hand"
    shutil.copytree(ROOT / "tests" / "handwritten", target)
    return target


@contextlib.contextmanager
def engines_closed() -> Iterator[None]:
    """Close the database connections opened meanwhile, by shotkit or by the test.

    `cli.main` disposes of the engines a command made (`db.engines()`); tests that call the API
    directly do not go through it. A command used to leave its engine to the process's exit. Run in this
    process, its pooled connection would outlive it: when the engine is collected, psycopg
    warns (a ResourceWarning, an error here) and the warning keeps the connection open, so a
    test that runs many commands runs out of them. The engines are held until they are disposed,
    so none is collected with a connection open. (Async engines are disposed by their tests.)"""
    opened: set[sa.Engine] = set()

    def remember(connection: sa.Connection) -> None:
        opened.add(connection.engine)

    sa.event.listen(sa.Engine, "engine_connect", remember)
    try:
        yield
    finally:
        sa.event.remove(sa.Engine, "engine_connect", remember)
        for engine in opened:
            if not engine.dialect.is_async:
                engine.dispose()


@pytest.fixture(autouse=True)
def _closes_its_connections() -> Iterator[None]:
    """Every test closes the connections it opened (see `engines_closed`)."""
    with engines_closed():
        yield


def run_main(args: list[str]) -> int:
    """`shotkit ARGS` in this process, through `main` as the console script calls it, then
    closes the connections it opened (tests that run many commands would run out of them)."""
    with engines_closed():
        return main(args)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`run_main`: the exit code, stdout and stderr."""
    code = run_main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cli_combined(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`cli`, with stdout and stderr as one text (for tests that only look for a line)."""
    code, out, err = cli(capsys, *args)
    return code, out + err


def shotkit(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m shotkit ARGS` in a child process, waited for (bounded), output captured.
    `env` is added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "shotkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def shotkit_process(*args: str, **popen: Any) -> subprocess.Popen[str]:
    """`python -m shotkit ARGS` started and not waited for, for tests that act while it runs
    (concurrent syncs, killing it mid-write). Output is piped unless `popen` says otherwise."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True} | popen
    return subprocess.Popen([sys.executable, "-m", "shotkit", *args], **options)


def counts(url: str, tmp_path: Path, workspace: str = WS) -> tuple[int, int]:
    """How many assets and links the workspace has in the database."""
    engine = upgraded(url, tmp_path).engine
    with engine.connect() as connection:
        assets = connection.execute(
            sa.text("SELECT count(*) FROM assets WHERE workspace_id = :w"), {"w": workspace}
        ).scalar()
        links = connection.execute(
            sa.text("SELECT count(*) FROM asset_relationships WHERE workspace_id = :w"), {"w": workspace}
        ).scalar()
    engine.dispose()
    return assets, links


def execute(url: str, tmp_path: Path, sql: str, **params: Any) -> None:
    """One SQL statement in its own transaction: a change made at runtime, behind shotkit's back."""
    engine = upgraded(url, tmp_path).engine
    with engine.begin() as connection:
        connection.execute(sa.text(sql), params)
    engine.dispose()


def plan_json(capsys: pytest.CaptureFixture[str], project: Path, url: str, *extra: str) -> dict[str, Any]:
    """`shotkit plan --format json` of the project, parsed."""
    code, out, err = cli(capsys, "plan", str(project), "--database-url", url, "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


__all__ = ["ROOT", "async_url", "make_url", "upgraded"]
