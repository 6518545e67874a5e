"""Database connections: URL resolution, the embedded default, and schema (Alembic) checks."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import sys
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from .errors import DatabaseError
from .escape import text_inline
from .fileio import make_dirs
from .redact import redact, remember

if TYPE_CHECKING:
    from alembic.config import Config

HEAD_REVISION = "0002"
"""The newest migration in shotkit/migrations/versions (a test checks it against Alembic's
own reading of that folder). Every command checks the database is at it; knowing it here
spares them importing Alembic (with Mako, Pygments and every SQLAlchemy dialect: a sixth of
a second), which only `db upgrade` and an unknown revision need."""

EMBEDDED_PATH = Path(".shotkit") / "shotkit.db"
WRITE_LOCK = "shotkit_write_lock"


@dataclass(frozen=True)
class Database:
    engine: Engine
    embedded: bool

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def shown(self) -> str:
        return safe_url(self.engine.url)


def safe_url(url: URL | str) -> str:
    """The URL to show: never its password, nor anything that may be part of one."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
        shown = parsed.render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: still never print what may be a password
        return redact(str(url).split("@")[-1])
    return redact(text_inline(shown))


def normalise_url(url: str) -> URL:
    """The URL as SQLAlchemy reads it. A mistyped URL is an error that does not repeat it:
    it may hold a password in a form no pattern recognises."""
    expected = "(expected e.g. postgresql+psycopg://user@host:5432/db, with special characters in a password percent-encoded)"
    if url.count("@") > 1:
        raise DatabaseError(
            f"the database URL has more than one '@': write an '@' in the password as %40 {expected}"
        )
    try:
        parsed = make_url(url)
    except Exception:
        raise DatabaseError(f"the database URL cannot be read {expected}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def embedded_url(project_root: Path) -> URL:
    path = (project_root / EMBEDDED_PATH).resolve()
    make_dirs(path.parent)
    return URL.create("sqlite", database=str(path))


def open_database(
    database_url: str | None, project_root: Path, *, check_schema: bool = True, lock_timeout: float = 60.0
) -> Database:
    """Connect (and check the schema): the embedded SQLite file when no URL is given.
    `lock_timeout`: on SQLite, how long to wait for another writer (PostgreSQL: see apply.lock)."""
    remember(database_url)
    embedded = not database_url
    url = embedded_url(project_root) if embedded else normalise_url(database_url or "")
    engine = make_engine(url, lock_timeout)
    database = Database(engine, embedded)
    try:
        with engine.connect() as connection:
            # On SQLite, reading the catalogue also reads the file's header: a file that is
            # not a database fails here, in one clear line, not in the middle of a command.
            connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master" if url.get_backend_name() == "sqlite" else "SELECT 1"
            )
    except sa.exc.SQLAlchemyError as err:
        engine.dispose()
        raise DatabaseError(f"cannot connect to {database.shown}: {describe(err)}") from None
    if check_schema:
        ensure_schema(database)
    return database


def describe(err: BaseException) -> str:
    """The driver's own first line, without SQL or passwords."""
    original = getattr(err, "orig", None) or err
    text = str(original).strip().splitlines()
    return redact(text_inline(text[0] if text else type(original).__name__))


_OPENED: weakref.WeakSet[Engine] = weakref.WeakSet()


def engines() -> set[Engine]:
    """The engines this process has made and still holds. The CLI disposes of those a command
    made when it returns, so no connection outlives its command, also when shotkit runs inside
    another program (whose own engines it leaves alone)."""
    return set(_OPENED)


def make_engine(url: URL, lock_timeout: float = 60.0) -> Engine:
    engine = _make_engine(url, lock_timeout)
    _OPENED.add(engine)
    return engine


def _make_engine(url: URL, lock_timeout: float) -> Engine:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseError(
            f"unsupported database {text_inline(repr(backend))}: use postgresql+psycopg:// or sqlite://"
        )
    try:
        if backend == "sqlite":
            engine = sa.create_engine(
                url,
                connect_args={"timeout": lock_timeout},
                json_serializer=json_dumps,
                json_deserializer=json_loads,
            )
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
            return engine
        return sa.create_engine(
            url,
            connect_args={"connect_timeout": 10},
            json_serializer=json_dumps,
            json_deserializer=json_loads,
        )
    except (ImportError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as err:
        driver = text_inline(url.drivername)
        raise DatabaseError(
            f"cannot use database driver '{driver}' ({type(err).__name__}: it is not installed or not known); "
            "use postgresql+psycopg:// (installed with shotkit) or sqlite://"
        ) from None


_EXPONENT_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?[eE][-+]?\d+|-0\.0(?![0-9eE])')
# json.dumps with options builds an encoder per call; a COPY calls this once per JSON value.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
# The C encoder `_ENCODER.encode` uses, made once: `encode` builds it again on every call, most
# of the cost of a small value (a first sync's COPY encodes 370,000 at 10,000 shots). Same
# text, same errors (NaN, a type JSON has not), except that it does not look for cycles: the
# values come from YAML and JSON documents, which are trees. None where Python has no C
# accelerator (then `_ENCODER.encode`).
_MAKE_ENCODER = getattr(json.encoder, "c_make_encoder", None)  # not in the typing stubs
_C_ENCODE = (
    _MAKE_ENCODER(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ": ", ", ", False, False, False
    )
    if _MAKE_ENCODER
    else None
)
# What `_EXPONENT_NUMBER` could rewrite, found without scanning the text with a regular
# expression (which costs seconds on a 130 MB plan): `repr` of a float writes an exponent as
# `e+NN`/`e-NN` (two or three digits) after a digit, and `_ENCODER` ends a number with `,`,
# `}`, `]` or the end of the text. str.find runs in C; each hit is checked where it is found.
# A uuid's `...1e-4a0b...` is a hit but never passes the check; text inside a string can
# pass it, and the rewrite then runs for nothing (it skips strings), never the other way round.
_EXPONENT_AT = re.compile(r"[0-9]e[-+][0-9]{2,3}(?:[,}\]]|$)")
_NEGATIVE_ZERO_AT = re.compile(r"-0\.0(?:[,}\]]|$)")


def _may_need_rewrite(text: str) -> bool:
    for needle, pattern, back in (
        ("e+", _EXPONENT_AT, 1),
        ("e-", _EXPONENT_AT, 1),
        ("-0.0", _NEGATIVE_ZERO_AT, 0),
    ):
        at = text.find(needle, back)
        while at != -1:
            if pattern.match(text, at - back):
                return True
            at = text.find(needle, at + 1)
    return False


def _exact_number(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith('"'):
        return token
    number = float(token)
    if number == 0:
        return "0.0"
    return f"{int(number)}.0" if number.is_integer() else token


def json_dumps(value: object) -> str:
    """JSON that PostgreSQL's jsonb gives back as the same Python values. jsonb stores numbers
    as `numeric`, which keeps the digits written but not the float/int distinction of `1e+16`
    (read back as the integer 10000000000000000) nor the sign of `-0.0`: an integral float is
    written with its digits and `.0` (which numeric keeps, so it reads back as a float), and
    -0.0 as 0.0, on both databases alike. Strings are skipped whole, so text is never touched."""
    text = _ENCODER.encode(value) if _C_ENCODE is None else "".join(_C_ENCODE(value, 0))
    if "e+" not in text and "e-" not in text and "-0.0" not in text:
        return text  # most values (a COPY sends one per JSON column and row): no search at all
    if not _may_need_rewrite(text):
        return text
    return _EXPONENT_NUMBER.sub(_exact_number, text)


def json_loads(data: str | bytes) -> Any:
    """The JSON a driver hands over: psycopg gives bytes, and json.loads of bytes first
    guesses their encoding (a tenth of a large plan's time); the server sends UTF-8."""
    return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)


def _sqlite_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below issues BEGIN
    dbapi_connection.execute("PRAGMA foreign_keys = ON")


def _sqlite_begin(connection: sa.Connection) -> None:
    # Writers begin IMMEDIATE: they take the write lock at the start, so two syncs queue
    # instead of failing on a lock upgrade. Readers (plan, export) take no lock until they read.
    immediate = connection.get_execution_options().get(WRITE_LOCK, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(connection: sa.Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "shotkit:migrations")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration, as Alembic reads shotkit/migrations (HEAD_REVISION, checked)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "shotkit:migrations")
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: no shotkit tables yet), read from Alembic's
    `alembic_version` table directly."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    if len(versions) > 1:  # several heads (shotkit makes none): Alembic's reading says what it means
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(connection).get_current_revision()
    return versions[0] if versions else None


def known_revision(revision: str) -> bool:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", "shotkit:migrations")
    try:
        return ScriptDirectory.from_config(config).get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def check_known(database: Database, current: str | None) -> None:
    """A revision this shotkit has no migration for was made by a newer shotkit: say so,
    rather than let Alembic fail half-way."""
    if current is not None and not known_revision(current):
        raise DatabaseError(
            f"database {database.shown} is at schema revision {text_inline(current)}, which this shotkit does not know "
            "(a newer shotkit upgraded it): upgrade shotkit"
        )


def ensure_schema(database: Database) -> None:
    with errors(database, "cannot read the schema revision of"), database.engine.connect() as connection:
        current = current_revision(connection)
    head = HEAD_REVISION
    if current == head:
        return
    check_known(database, current)
    if database.embedded:
        upgrade(database)
        return
    state = (
        "has no shotkit tables"
        if current is None
        else f"is at schema revision {current}, shotkit needs {head}"
    )
    raise DatabaseError(f"database {database.shown} {state}: run `shotkit db upgrade`")


def upgrade(database: Database) -> tuple[str | None, str]:
    """Run the migrations up to head; returns (revision before, revision after)."""
    with errors(database, "cannot upgrade"), transaction(database) as connection:
        before = current_revision(connection)
        check_known(database, before)
        from alembic import command

        command.upgrade(alembic_config(connection), "head")
    return before, HEAD_REVISION


@contextlib.contextmanager
def transaction(database: Database) -> Iterator[sa.Connection]:
    """A write transaction (on SQLite it holds the write lock from the start)."""
    with database.engine.connect() as connection:
        connection.execution_options(**{WRITE_LOCK: True})
        with connection.begin():
            yield connection


@contextlib.contextmanager
def snapshot(database: Database) -> Iterator[sa.Connection]:
    """A read-only transaction that sees one moment for all it reads (plan, export):
    REPEATABLE READ READ ONLY on PostgreSQL; on SQLite one transaction, whose first read
    fixes what the rest sees. Database errors become one-line DatabaseErrors."""
    with errors(database, "cannot read"), database.engine.connect() as connection:
        if database.dialect == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            yield connection


@contextlib.contextmanager
def errors(database: Database, action: str) -> Iterator[None]:
    """Turn what the database or driver raises (permission denied, a corrupt file, a lost
    connection) into one line that names the database and never holds a password."""
    try:
        yield
    except sa.exc.SQLAlchemyError as err:
        raise DatabaseError(f"{action} {database.shown}: {describe(err)}") from None
    except Exception as err:
        if not _alembic_error(err):
            raise
        raise DatabaseError(f"{action} {database.shown}: {redact(text_inline(str(err)))}") from None


def _alembic_error(err: Exception) -> bool:
    """Whether Alembic raised `err` (if Alembic was never imported, it raised nothing)."""
    util = sys.modules.get("alembic.util")
    return util is not None and isinstance(err, util.CommandError)
