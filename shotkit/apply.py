"""Apply a plan: one transaction, a per-workspace lock, set-based writes.

The state is read again under the lock. A plan computed in this run is recomputed from that
state (so a sync that waited sees the first one's result); a saved plan is refused if the
state's fingerprint changed since it was made, and is otherwise applied exactly as saved.
"""

from __future__ import annotations

import hashlib
import math
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from . import state as state_
from .db import Database, describe, json_dumps, transaction
from .errors import DatabaseError, PlanRefused, StalePlanError
from .escape import text_inline
from .invariants import verify
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
    make_plan: Callable[[dict[str, state_.State]], Plan] | None,
    saved: Plan | None,
    owner: str,
    lock_timeout: float,
    max_deletes: int | None,
    progress: bool = False,
    claimed: dict[str, list[str]] | None = None,
    record: Callable[[sa.Connection, Plan, bool], None] | None = None,
) -> Outcome:
    """Lock, read the state again, then apply: the saved plan if its state is unchanged, else
    the plan `make_plan` computes. Either way the plan must pass `invariants.verify`."""
    try:
        with transaction(database) as connection:
            lock(connection, workspaces, lock_timeout)
            states = {
                name: state_.read(connection, name, (claimed or {}).get(name, ())) for name in workspaces
            }
            if saved is not None:
                plan = saved
                stale = [
                    w.workspace
                    for w in plan.workspaces
                    if states.get(w.workspace) is None or states[w.workspace].fingerprint != w.fingerprint
                ]
                if stale:
                    raise StalePlanError(
                        text_inline(
                            f"stale plan: workspace(s) {', '.join(stale)} changed since the plan was made; run `shotkit plan` again and review it"
                        )
                    )
                check_prune(plan, None, max_deletes)
            else:
                assert make_plan is not None
                plan = make_plan(states)
            verify(plan, states, owner)
            drift = [message for state in states.values() for message in state.drift]
            if not plan.has_changes and not any(w.bookkeeping for w in plan.workspaces):
                if record:  # the history (shotkit.history), in this transaction
                    record(connection, plan, False)
                return Outcome(plan, False, drift)
            for workspace in plan.workspaces:
                execute(connection, workspace, plan.owner, progress)
            if record:
                record(connection, plan, True)
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
    return Outcome(plan, True, drift)


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


def execute(connection: sa.Connection, plan: WorkspacePlan, owner: str, progress: bool = False) -> None:
    """The plan's writes: a few statements for the whole workspace, whatever its size."""
    creates = [c["row"] for c in plan.changes if c["action"] == "create"]
    updates = [c["row"] for c in plan.changes if c["action"] == "update"]
    deletes = [c["row"]["id"] for c in plan.changes if c["action"] == "delete"]
    link_adds = [link["row"] for link in plan.links if link["action"] == "add"]
    link_updates = [link["row"] for link in plan.links if link["action"] == "update"]
    link_removes = [link["row"]["id"] for link in plan.links if link["action"] == "remove"]
    _say(
        progress,
        f"{plan.workspace}: {len(creates)} create(s), {len(updates)} update(s), {len(deletes)} delete(s), "
        f"{len(link_adds) + len(link_updates) + len(link_removes)} link change(s)",
    )
    writes = _Postgres(connection) if connection.dialect.name == "postgresql" else _SQLite(connection)
    owned = (plan.workspace, owner)
    _expect(writes.delete(rels, link_removes, owned), len(link_removes), "links to remove")
    _no_cascade(connection, deletes)
    _expect(writes.delete(assets, deletes, owned), len(deletes), "rows to delete")
    writes.update(
        assets,
        [{"id": b["id"], "manifest_key": b["manifest_key"], "source": b["source"]} for b in plan.bookkeeping],
        ("manifest_key", "source"),
    )
    _say(progress and bool(creates), f"{plan.workspace}: inserting {len(creates)} asset(s)")
    writes.insert(assets, creates, ASSET_COLUMNS)
    writes.update(assets, updates, ASSET_COLUMNS, touch=True)
    _say(progress and bool(link_adds), f"{plan.workspace}: inserting {len(link_adds)} link(s)")
    writes.insert(rels, link_adds, LINK_COLUMNS)
    writes.update(rels, link_updates, ("sequence", "relationship_metadata"))


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
    """Set-based writes: inserts go through COPY into a temporary table, then one INSERT ...
    SELECT; updates are one statement per 10,000 rows over a JSON recordset
    (`jsonb_to_recordset`), deletes one `= ANY(array)`; never a statement per row."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def _recordset(self, columns: tuple[str, ...]) -> str:
        return ", ".join(f"{c} {_PG_TYPES[c]}" for c in columns)

    def _rows(self, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, Any]:
        return {"rows": json_dumps([{c: r.get(c) for c in columns} for r in rows])}

    def insert(self, table: sa.Table, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
        """COPY is the server's bulk path (no JSON text to build and parse back); the INSERT
        from the temporary table still checks every constraint of the real one, and the
        temporary table goes before the transaction ends."""
        if not rows:
            return
        columns = ("id",) + columns
        names, staging = ", ".join(columns), f"shotkit_staging_{table.name}"
        self.connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} ({self._recordset(columns)})")
        self._copy(staging, names, rows, columns)
        self.connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging}")
        self.connection.exec_driver_sql(f"DROP TABLE {staging}")

    def _copy(self, staging: str, names: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
        """The rows through psycopg's COPY, JSON columns as shotkit's own JSON text. A
        driver error becomes SQLAlchemy's, so `sync` reports it as it reports any other."""
        import psycopg  # only here: a SQLite-only run never loads the PostgreSQL driver

        json_columns = {i for i, c in enumerate(columns) if _PG_TYPES[c] == "jsonb"}
        statement = f"COPY {staging} ({names}) FROM STDIN"
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    values = [row.get(c) for c in columns]
                    for i in json_columns:
                        if values[i] is not None:
                            values[i] = json_dumps(values[i])
                    copy.write_row(values)
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
