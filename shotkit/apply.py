"""Apply a plan: one transaction, a per-workspace lock, set-based writes.

The state is read again under the lock. A plan computed in this run is recomputed from that
state (so a sync that waited sees the first one's result); a saved plan is refused if the
state's fingerprint changed since it was made, and is otherwise applied exactly as saved.
Every plan passes `invariants.verify` before the commit; a saved plan before anything is written.
"""

from __future__ import annotations

import hashlib
import logging
import math
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from . import state as state_
from .db import Database, describe, json_dumps, transaction
from .errors import DatabaseError, PlanRefused, StalePlanError
from .escape import text_inline
from .invariants import verify
from .operations import AddLink, CreateAsset, DeleteAsset, RemoveLink, UpdateAsset, UpdateLink, unreachable
from .plan import Plan, WorkspacePlan, check_prune
from .tables import asset_relationships as rels
from .tables import assets

ASSET_COLUMNS = (
    "workspace_id",
    "type",
    "name",
    "url",
    "duration",
    "asset_metadata",
    "manifest_key",
    "owner",
    "source",
)
LINK_COLUMNS = (
    "workspace_id",
    "parent_asset_id",
    "child_asset_id",
    "relationship_type",
    "sequence",
    "relationship_metadata",
    "owner",
)
_PG_TYPES = {
    "id": "uuid",
    "workspace_id": "text",
    "type": "text",
    "name": "text",
    "url": "text",
    "duration": "double precision",
    "asset_metadata": "jsonb",
    "manifest_key": "text",
    "owner": "text",
    "source": "jsonb",
    "parent_asset_id": "uuid",
    "child_asset_id": "uuid",
    "relationship_type": "text",
    "sequence": "integer",
    "relationship_metadata": "jsonb",
}


# psycopg logs "error ignored terminating <psycopg.Copy [BAD]>" (a warning) when the connection
# is lost in the middle of a COPY; with no handler anywhere, Python's last-resort handler
# printed it on stderr, beside the sync's own one-line error. A NullHandler on psycopg's logger
# only stops that fallback: an embedding program's own handlers still receive the record.
logging.getLogger("psycopg").addHandler(logging.NullHandler())


def lock_key(workspace: str) -> int:
    """A stable 64-bit advisory lock key for a workspace (never Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(f"shotkit:{workspace}".encode()).digest()[:8], "big", signed=True)


@dataclass
class Outcome:
    plan: Plan
    applied: bool
    drift: list[str] = field(default_factory=list)  # warnings from reading the state


def lock(connection: sa.Connection, workspaces: list[str], timeout: float) -> None:
    """Take each workspace's advisory lock, waiting at most `timeout` seconds (0: not at all;
    PostgreSQL's own `lock_timeout = 0` would mean "wait forever")."""
    if connection.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
    if timeout > 0:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{max(1, math.ceil(timeout * 1000))}ms'")
    for workspace in sorted(workspaces):  # one order for every sync: no deadlocks
        try:
            if timeout > 0:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(workspace)}
                )
                continue
            if not connection.execute(
                sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(workspace)}
            ).scalar():
                raise DatabaseError(
                    f"another sync of workspace '{text_inline(workspace)}' holds its lock (--lock-timeout 0: not waiting)"
                )
        except sa.exc.OperationalError as err:
            if "lock timeout" in str(err.orig):
                raise DatabaseError(
                    f"another sync of workspace '{text_inline(workspace)}' held its lock for more than {timeout:g}s (--lock-timeout)"
                ) from None
            raise


def sync(
    database: Database,
    workspaces: list[str],
    source: Plan | Callable[[dict[str, state_.State]], Plan],
    owner: str,
    lock_timeout: float,
    max_deletes: int | None,
    progress: Progress | None = None,
    claimed: dict[str, list[str]] | None = None,
    record: Callable[[sa.Connection, Plan, bool], None] | None = None,
    matcher: Callable[[str], state_.Matcher | None] | None = None,
) -> Outcome:
    """Lock, read the state again, then apply: a saved plan (`source` is a Plan) if its state is
    unchanged, else the plan `source` computes from the states just read. Either way the plan
    must pass `invariants.verify` before the commit: a saved plan (the untrusted input) before
    any statement writes, a computed one while its rows are written (`_write_while_checking`).
    `progress` is told each step, and the rows written out of the plan's (console.meter).
    `matcher`: per workspace, what the manifests declare, for a computed plan (its state keeps
    exactly declared rows as a summary: state.read)."""
    show = progress or _unwatched
    try:
        with transaction(database) as connection:
            show("waiting for the workspace lock(s)", 0, 0)
            lock(connection, workspaces, lock_timeout)
            show("reading the database", 0, 0)
            states = {
                name: state_.read(
                    connection, name, (claimed or {}).get(name, ()), matcher(name) if matcher else None
                )
                for name in workspaces
            }
            drift = [message for state in states.values() for message in state.drift]
            if isinstance(source, Plan):  # untrusted input: checked before any statement writes
                plan = _unchanged_since(source, states, max_deletes)
                show("checking the plan", 0, 0)
                verify(plan, states, owner)
                applied = _write(connection, plan, show, record)
            else:
                show("planning", 0, 0)
                plan = source(states)
                applied = _write_while_checking(
                    connection, plan, lambda: verify(plan, states, owner), show, record
                )
    except sa.exc.SQLAlchemyError as err:
        if "database is locked" in str(err):
            raise DatabaseError(
                f"another writer held the SQLite database for more than {lock_timeout:g}s (--lock-timeout)"
            ) from None
        raise DatabaseError(f"sync failed and was rolled back, nothing changed: {describe(err)}") from None
    except ValueError as err:  # a value JSON cannot hold (NaN): validation should have stopped it
        raise DatabaseError(
            f"sync failed and was rolled back, nothing changed: {text_inline(str(err))}"
        ) from None
    return Outcome(plan, applied, drift)


def _write(
    connection: sa.Connection,
    plan: Plan,
    show: Progress,
    record: Callable[[sa.Connection, Plan, bool], None] | None,
    verdict: _Verdict | None = None,
) -> bool:
    """The plan's writes and its history row, in the sync's transaction; whether it wrote.
    `verdict`: the plan's check, started when the links' writes begin and awaited last,
    before the commit (a refusal there rolls all of it back)."""
    applied = plan.has_changes or any(w.bookkeeping for w in plan.workspaces)
    written = _Written(show, sum(_rows(w) for w in plan.workspaces))
    links_next = verdict.start if verdict else _nothing
    if applied:
        for workspace in plan.workspaces:
            execute(connection, workspace, plan.owner, written.step, links_next)
    if record:  # the history (shotkit.history)
        written.stage("recording the run in the history")
        record(connection, plan, applied)
    if verdict:
        written.stage("checking the plan")
        verdict.result()
    written.stage("committing")
    return applied


def _write_while_checking(
    connection: sa.Connection,
    plan: Plan,
    check: Callable[[], None],
    show: Progress,
    record: Callable[[sa.Connection, Plan, bool], None] | None,
) -> bool:
    """A plan computed in this run, written while `check` (`invariants.verify`) runs in a
    thread of its own; the commit waits for its verdict. A refusal raises inside the
    transaction: everything written, the history included, is rolled back, and the error is
    the one a check before the writes gives (a refused plan's writes may fail first: the
    refusal is what is raised). The check reads the plan and the states, and the writer only
    reads them too; the database connection stays in this thread. SQLite writes in this
    process, with nothing to wait on: it checks first."""
    if connection.dialect.name != "postgresql":
        check()
        return _write(connection, plan, show, record)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="shotkit-verify") as pool:
        verdict = _Verdict(pool, check)
        try:
            return _write(connection, plan, show, record, verdict)
        except BaseException:
            refused = verdict.refusal()
            if refused is not None:
                raise refused from None
            raise


class _Verdict:
    """The plan's check in the pool's thread, started when the links' writes begin: the server's
    longest work (the links' indexes and foreign-key checks), during which this process mostly
    waits on the socket with the GIL released. Started with the assets' COPY it ran slower and
    slowed the COPY too (measured): building that COPY's text keeps this process busy."""

    def __init__(self, pool: ThreadPoolExecutor, check: Callable[[], None]) -> None:
        self.pool, self.check = pool, check
        self.future: Future[None] | None = None

    def start(self) -> None:
        if self.future is None:
            self.future = self.pool.submit(self.check)

    def result(self) -> None:
        """Wait for the check (starting it if no link was written); raise its refusal."""
        self.start()
        assert self.future is not None
        self.future.result()

    def refusal(self) -> BaseException | None:
        """What the check raises, once it has run (it is run now if the writes failed first)."""
        self.start()
        assert self.future is not None
        return self.future.exception()


def _nothing() -> None:
    """No check to start."""


def _unchanged_since(saved: Plan, states: dict[str, state_.State], max_deletes: int | None) -> Plan:
    """The saved plan, if every workspace it covers is as it was when the plan was made."""
    stale = [
        w.workspace
        for w in saved.workspaces
        if states.get(w.workspace) is None or states[w.workspace].fingerprint != w.fingerprint
    ]
    if stale:
        raise StalePlanError(
            text_inline(
                f"stale plan: workspace(s) {', '.join(stale)} changed since the plan was made; run `shotkit plan` again and review it"
            )
        )
    check_prune(saved, None, max_deletes)
    return saved


Progress = Callable[[str, int, int], None]
"""Told what a sync does now, and how many rows it has written out of how many (0, 0: no count)."""


def _unwatched(what: str, done: int, total: int) -> None:
    """The progress of a sync no one watches."""


def _rows(plan: WorkspacePlan) -> int:
    return len(plan.changes) + len(plan.links) + len(plan.bookkeeping)


class _Written:
    """Counts the rows written, for the progress display."""

    def __init__(self, show: Progress, total: int) -> None:
        self.show, self.total, self.done = show, total, 0

    def step(self, what: str, rows: int) -> None:
        """About to write `rows` rows: shown with the rows written so far, then counted."""
        if rows:
            self.show(what, self.done, self.total)
            self.done += rows

    def stage(self, what: str) -> None:
        self.show(what, self.done, self.total)


def _skip(what: str, rows: int) -> None:
    """`execute` with no one counting."""


@dataclass
class _Batches:
    """A workspace plan's writes sorted by kind, in one pass: each kind is one set-based write."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    link_adds: list[dict[str, Any]] = field(default_factory=list)
    link_updates: list[dict[str, Any]] = field(default_factory=list)
    link_removes: list[str] = field(default_factory=list)
    bookkeeping: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, plan: WorkspacePlan) -> _Batches:
        batches = cls(bookkeeping=[entry.to_json() for entry in plan.bookkeeping])
        for change in plan.changes:
            match change:
                case CreateAsset():
                    batches.creates.append(change.row)
                case UpdateAsset():
                    batches.updates.append(change.row)
                case DeleteAsset():
                    batches.deletes.append(change.id)
                case _:
                    unreachable(change)
        for link in plan.links:
            match link:
                case AddLink():
                    batches.link_adds.append(link.row)
                case UpdateLink():
                    batches.link_updates.append(link.row)
                case RemoveLink():
                    batches.link_removes.append(link.id)
                case _:
                    unreachable(link)
        return batches


def execute(
    connection: sa.Connection,
    plan: WorkspacePlan,
    owner: str,
    step: Callable[[str, int], None] = _skip,
    links_next: Callable[[], None] = _nothing,
) -> None:
    """The plan's writes: a few statements for the whole workspace, whatever its size.
    `links_next` is told when the links' inserts are next (`_Verdict.start`)."""
    b = _Batches.of(plan)
    writes = _Postgres(connection) if connection.dialect.name == "postgresql" else _SQLite(connection)
    owned = (plan.workspace, owner)
    step(f"{plan.workspace}: removing {len(b.link_removes)} link(s)", len(b.link_removes))
    _expect(writes.delete(rels, b.link_removes, owned), len(b.link_removes), "links to remove")
    step(f"{plan.workspace}: deleting {len(b.deletes)} asset(s)", len(b.deletes))
    _no_cascade(connection, b.deletes)
    _expect(writes.delete(assets, b.deletes, owned), len(b.deletes), "rows to delete")
    step(f"{plan.workspace}: recording {len(b.bookkeeping)} key(s)", len(b.bookkeeping))
    writes.update(assets, b.bookkeeping, ("manifest_key", "source"))
    step(f"{plan.workspace}: inserting {len(b.creates)} asset(s)", len(b.creates))
    writes.insert(assets, b.creates, ASSET_COLUMNS)
    step(f"{plan.workspace}: updating {len(b.updates)} asset(s)", len(b.updates))
    writes.update(assets, b.updates, ASSET_COLUMNS, touch=True)
    links_next()
    step(f"{plan.workspace}: inserting {len(b.link_adds)} link(s)", len(b.link_adds))
    writes.insert(rels, b.link_adds, LINK_COLUMNS)
    step(f"{plan.workspace}: updating {len(b.link_updates)} link(s)", len(b.link_updates))
    writes.update(rels, b.link_updates, ("sequence", "relationship_metadata"))


def _expect(done: int, planned: int, what: str) -> None:
    """Deletes are restricted to the workspace and owner in SQL too: fewer rows than planned
    means the plan named rows it may not touch; raising rolls everything back."""
    if done != planned:
        raise PlanRefused(
            f"refusing the plan: {planned} {what} planned, but only {done} belong to this workspace and owner; nothing was changed"
        )


def _no_cascade(connection: sa.Connection, ids: list[str]) -> None:
    """The plan removed every link of the rows it deletes; a link still there was made since
    (the AssetService takes no shotkit lock) and would go by ON DELETE CASCADE, unlisted.
    On PostgreSQL the rows are locked first: a new link must wait for this transaction."""
    for chunk in _chunks(ids, 5_000):
        keys = [uuid.UUID(i) for i in chunk]
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(assets.c.id).where(assets.c.id.in_(keys)).with_for_update()).all()
        left = connection.execute(
            sa.select(sa.func.count())
            .select_from(rels)
            .where(sa.or_(rels.c.parent_asset_id.in_(keys), rels.c.child_asset_id.in_(keys)))
        ).scalar()
        if left:
            raise PlanRefused(
                f"refusing to prune: {left} link(s) made since the plan was computed would go with the deleted rows "
                "(ON DELETE CASCADE); nothing was changed; run the sync again to see them"
            )


def _chunks(rows: list[Any], size: int = 10_000) -> list[list[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


class _Postgres:
    """Set-based writes: inserts go by COPY straight into the table; updates are one
    statement per 10,000 rows over a JSON recordset
    (`jsonb_to_recordset`), deletes one `= ANY(array)`; never a statement per row."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def _recordset(self, columns: tuple[str, ...]) -> str:
        return ", ".join(f"{c} {_PG_TYPES[c]}" for c in columns)

    def _rows(self, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, Any]:
        return {"rows": json_dumps([{c: r.get(c) for c in columns} for r in rows])}

    def insert(self, table: sa.Table, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
        """COPY straight into the table: the server's bulk path, which checks every constraint,
        foreign key and unique index of the table as an INSERT does (a violation fails the COPY
        and rolls the sync back), fills `created_at` and `updated_at` from their defaults, and
        needs no JSON text built and parsed back nor a staging table copied a second time."""
        if not rows:
            return
        columns = ("id",) + columns
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        import psycopg  # only here: a SQLite-only run never loads the PostgreSQL driver

        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for block in _copy_text(rows, columns):
                    copy.write(block)
        except psycopg.Error as err:
            raise sa.exc.DBAPIError(statement, None, err) from None
        finally:
            cursor.close()

    def update(
        self, table: sa.Table, rows: list[dict[str, Any]], columns: tuple[str, ...], touch: bool = False
    ) -> None:
        assignments = ", ".join(f"{c} = v.{c}" for c in columns) + (", updated_at = now()" if touch else "")
        statement = sa.text(
            f"UPDATE {table.name} AS t SET {assignments} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v({self._recordset(('id',) + columns)}) WHERE t.id = v.id"
        )
        for chunk in _chunks(rows):
            self.connection.execute(statement, self._rows(chunk, ("id",) + columns))

    def delete(self, table: sa.Table, ids: list[str], owned: tuple[str, str]) -> int:
        statement = sa.text(
            f"DELETE FROM {table.name} WHERE id = ANY(CAST(:ids AS uuid[])) AND workspace_id = :workspace AND owner = :owner"
        )
        return sum(
            self.connection.execute(
                statement, {"ids": chunk, "workspace": owned[0], "owner": owned[1]}
            ).rowcount
            for chunk in _chunks(ids)
        )


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Iterator[str]:
    """The rows in COPY's text format, in blocks of 5,000 lines: NULL is `\\N`, a number its
    `repr` (exact for floats), a JSON column shotkit's own JSON text. Built with str methods:
    psycopg's per-value adapters (`write_row`) cost more. A line is escaped only if it holds
    one of COPY's four specials (backslash, tab, newline, carriage return) beyond the tabs
    that join its fields and the backslash of each `\\N`; then each field is escaped alone."""
    json_at = [i for i, c in enumerate(columns) if _PG_TYPES[c] == "jsonb"]
    tabs = len(columns) - 1
    lines: list[str] = []
    for row in rows:
        values = [row.get(c) for c in columns]
        for i in json_at:
            value = values[i]
            if value is not None:
                values[i] = "{}" if type(value) is dict and not value else json_dumps(value)
        fields = ["\\N" if v is None else v if isinstance(v, str) else repr(v) for v in values]
        line = "\t".join(fields)
        specials = line.count("\t") - tabs + line.count("\\") - values.count(None)  # each \\N has one
        if specials or "\n" in line or "\r" in line:
            line = "\t".join(f if v is None else f.translate(_COPY_ESCAPES) for f, v in zip(fields, values))
        lines.append(line)
        if len(lines) == 5_000:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


class _SQLite:
    """SQLite runs in-process: executemany costs no round trips; IN lists stay under its
    limit of bound parameters."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    @staticmethod
    def _typed(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
        out = {c: row.get(c) for c in columns}
        for column in ("id", "parent_asset_id", "child_asset_id"):
            if column in out:
                out[column] = uuid.UUID(out[column])
        return out

    def insert(self, table: sa.Table, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
        if rows:
            self.connection.execute(sa.insert(table), [self._typed(r, ("id",) + columns) for r in rows])

    def update(
        self, table: sa.Table, rows: list[dict[str, Any]], columns: tuple[str, ...], touch: bool = False
    ) -> None:
        if not rows:
            return
        values: dict[str, Any] = {c: sa.bindparam(f"v_{c}") for c in columns}
        if touch:
            values["updated_at"] = sa.func.now()
        statement = sa.update(table).where(table.c.id == sa.bindparam("v_id")).values(values)
        self.connection.execute(
            statement, [{"v_id": uuid.UUID(r["id"]), **{f"v_{c}": r.get(c) for c in columns}} for r in rows]
        )

    def delete(self, table: sa.Table, ids: list[str], owned: tuple[str, str]) -> int:
        done = 0
        for chunk in _chunks(ids, 5_000):
            where = (
                table.c.id.in_([uuid.UUID(i) for i in chunk]),
                table.c.workspace_id == owned[0],
                table.c.owner == owned[1],
            )
            done += self.connection.execute(sa.delete(table).where(*where)).rowcount
        return done
