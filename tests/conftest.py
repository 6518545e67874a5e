"""Fixtures: a real PostgreSQL server (started here, or SHOTKIT_TEST_DATABASE_URL) and SQLite."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from shotkit import db

from . import pgcluster

ROOT = Path(__file__).resolve().parent.parent
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
    database = db.open_database(url, root, check_schema=False)
    db.upgrade(database)
    return database


def async_url(url: str) -> str:
    parsed = db.normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.render_as_string(hide_password=False)


__all__ = ["ROOT", "async_url", "make_url", "upgraded"]
