"""The database's side: a workspace's rows, read in one set-based statement, and their fingerprint."""

from __future__ import annotations

import hashlib
import itertools
import json
import operator
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa

from .tables import asset_relationships as rels
from .tables import assets

ASSET_FIELDS = ("workspace_id", "type", "name", "url", "duration", "asset_metadata")
BOOKKEEPING_FIELDS = ("manifest_key", "owner", "source")
_SCALARS = frozenset({str, int, float, bool, type(None)})


def same(a: Any, b: Any) -> bool:
    """JSON equality that tells 1 from 1.0 and true from 1 (Python's == does not),
    and ignores key order (jsonb keeps none)."""
    kind = type(a)
    if kind is not type(b):
        return False
    # Scalars first, then loops rather than all() over a generator: a plan calls this for
    # every field of every row (1.6 million calls for a no-op plan at 10,000 shots).
    if kind in _SCALARS:
        return bool(a == b)
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        for key, value in a.items():
            # A scalar member is compared here, not by a call (most metadata is scalars);
            # a missing key gets _MISSING, whose type no JSON value has.
            other = b.get(key, _MISSING)
            if type(value) is not type(other) or not (
                value == other if type(value) in _SCALARS else same(value, other)
            ):
                return False
        return True
    if isinstance(a, list):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b):
            if type(x) is not type(y) or not (x == y if type(x) in _SCALARS else same(x, y)):
                return False
        return True
    return bool(a == b)


class _Missing:
    """The value of a key a dict does not have, in `same`."""


_MISSING = _Missing()


class Summary(dict[str, Any]):
    """A row the manifests declare exactly, as a matcher judged it while the state was read:
    kept with only what a plan's labels and checks read of it (an asset's id, type, name,
    manifest key and owner; a link's id, ends, type and owner), not its every column. A
    no-op plan at 10,000 shots then holds 30 MB of state instead of 230 MB."""


class Matcher(Protocol):
    """Which rows are exactly what the manifests declare (see plan.Wanted): `read` keeps those
    as a Summary."""

    def asset(self, row: dict[str, Any]) -> bool: ...

    def link(self, ident: tuple[str, str, str], row: dict[str, Any]) -> bool: ...


def _asset_summary(row: dict[str, Any]) -> Summary:
    return Summary(
        id=row["id"], type=row["type"], name=row["name"], manifest_key=row["manifest_key"], owner=row["owner"]
    )


def _link_summary(row: dict[str, Any]) -> Summary:
    return Summary(
        id=row["id"],
        parent_asset_id=row["parent_asset_id"],
        child_asset_id=row["child_asset_id"],
        relationship_type=row["relationship_type"],
        owner=row["owner"],
    )


@dataclass
class State:
    workspace: str
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)  # id (str) -> row
    links: dict[tuple[str, str, str], dict[str, Any]] = field(
        default_factory=dict
    )  # (parent, child, type) -> row
    fingerprint: str = ""  # a digest of every row, so a saved plan can tell it went stale
    elsewhere: dict[str, str] = field(
        default_factory=dict
    )  # an id the manifests adopt -> the other workspace that has it
    drift: list[str] = field(default_factory=list)  # JSON of an unexpected shape, read as {}: warnings
    matched: Matcher | None = None  # the matcher whose rows are kept as a Summary (None: every row whole)


# Columns only the fingerprint needs: on PostgreSQL each row's version (`xmin`) stands for
# them, so these are neither sent nor decoded there.
_FINGERPRINT_ONLY = {"assets": ("updated_at",), "asset_relationships": ("created_at",)}


def _columns(table: sa.Table, dialect: str, prefix: str) -> list[Any]:
    """The table's columns, uuids as text on PostgreSQL (no UUID object per value), and a
    link's metadata NULL when empty (most links: the driver is spared decoding `{}`)."""
    out: list[Any] = []
    for column in table.c:
        if dialect == "postgresql" and column.name in _FINGERPRINT_ONLY[table.name]:
            continue
        if dialect == "postgresql" and isinstance(column.type, sa.Uuid):
            out.append(sa.cast(column, sa.Text).label(prefix + column.name))
        elif column.name == "relationship_metadata":
            empty = sa.func.nullif(column, sa.literal_column("'{}'"), type_=column.type)
            out.append(
                (sa.cast(empty, sa.Text) if dialect == "postgresql" else empty).label(prefix + column.name)
            )
        elif dialect == "postgresql" and isinstance(column.type, sa.JSON):
            # As text: _read_postgres decodes a batch of values in one call.
            out.append(sa.cast(column, sa.Text).label(prefix + column.name))
        else:
            out.append(column.label(prefix + column.name))
    return out


def _nulls(columns: list[Any]) -> list[Any]:
    return [sa.type_coerce(sa.null(), c.type).label(c.name) for c in columns]


def _digest(table: sa.Table, dialect: str) -> Any:
    """PostgreSQL: the row's version, as 24 bytes: its id and `xmin`, the transaction that wrote
    this version of it. Every write of a row (an UPDATE by any tool, even of equal values)
    makes a new version with a new `xmin`; freezing keeps it (PostgreSQL 9.4 on). Reading it
    costs the server nothing, where an MD5 of every column took it about a second per 261,500
    rows, during which the client waited. SQLite has no row versions: its rows are hashed in
    Python instead."""
    if dialect != "postgresql":
        return sa.null().label("digest")
    version = f"uuid_send({table.name}.id) || int8send(CAST(CAST({table.name}.xmin AS text) AS bigint))"
    return sa.literal_column(version, sa.LargeBinary).label("digest")


def _query(workspace: str, dialect: str, ordered: bool = True) -> sa.CompoundSelect[Any]:
    """Assets and links in one statement: one statement sees one snapshot, so a sync
    committing in between cannot tear the read (assets new, links old) on any isolation level.
    Unordered, rows come as the server finds them (no sort to wait for)."""
    asset_columns, link_columns = _columns(assets, dialect, "a_"), _columns(rels, dialect, "l_")
    kind = sa.literal_column("0", sa.Integer).label("kind")
    first = sa.select(kind, _digest(assets, dialect), *asset_columns, *_nulls(link_columns)).where(
        assets.c.workspace_id == workspace
    )
    second = sa.select(
        sa.literal_column("1", sa.Integer), _digest(rels, dialect), *_nulls(asset_columns), *link_columns
    ).where(rels.c.workspace_id == workspace)
    both = sa.union_all(first, second)
    if not ordered:
        return both
    return both.order_by(sa.literal_column("kind"), sa.literal_column("a_id"), sa.literal_column("l_id"))


def read(
    connection: sa.Connection, workspace: str, claimed: Iterable[str] = (), matcher: Matcher | None = None
) -> State:
    """The whole workspace in one statement, and its fingerprint: the same rows give the same
    digest, and any write to them (by any tool) changes it. On PostgreSQL it hashes each
    row's id and version (`xmin`), in id order; on SQLite the rows as the driver returns
    them. `claimed`: ids the manifests adopt with `id:`, looked up in other workspaces.
    `matcher`: rows it judges exactly declared are kept as a Summary, and on PostgreSQL the
    rows are left in the order the server sent them (a plan looks rows up; only export, which
    reads without a matcher, lists them in id order). The fingerprint is of the whole rows
    either way."""
    if connection.dialect.name == "postgresql":
        state = _read_postgres(connection, workspace, matcher)
    else:
        state = _read_generic(connection, workspace, matcher)
    state.elsewhere = _elsewhere(connection, workspace, [i for i in claimed if i not in state.assets])
    return state


def _read_generic(connection: sa.Connection, workspace: str, matcher: Matcher | None) -> State:
    """The read through SQLAlchemy (SQLite), in id order; the fingerprint hashes the rows'
    `repr` (SQLite has no row versions)."""
    dialect = connection.dialect.name
    asset_names = [c.name for c in assets.c]
    link_names = [c.name for c in rels.c]
    width = len(asset_names)
    asset_rows: list[tuple[Any, ...]] = []
    link_rows: list[tuple[Any, ...]] = []
    for values in connection.execute(_query(workspace, dialect)):
        if values[0] == 0:
            asset_rows.append(tuple(values[2 : 2 + width]))
        else:
            link_rows.append(tuple(values[2 + width :]))
    hashed = repr((asset_rows, link_rows)).encode()
    state = State(workspace, fingerprint="sha256:" + hashlib.sha256(hashed).hexdigest(), matched=matcher)
    for asset in asset_rows:
        row = _asset_row(dict(zip(asset_names, asset)), state.drift)
        state.assets[row["id"]] = _asset_summary(row) if matcher and matcher.asset(row) else row
    for link in link_rows:
        ident, row = _link_row(dict(zip(link_names, link)), state.drift)
        state.links[ident] = _link_summary(row) if matcher and matcher.link(ident, row) else row
    return state


# Where each column is in a row of the PostgreSQL query: kind, digest, the asset columns,
# then the link columns, each in its table's order without the fingerprint-only ones.
def _positions(table: sa.Table, start: int) -> dict[str, int]:
    names = [c.name for c in table.c if c.name not in _FINGERPRINT_ONLY[table.name]]
    return {name: start + i for i, name in enumerate(names)}


_ASSET_AT = _positions(assets, 2)
_LINK_AT = _positions(rels, 2 + len(_ASSET_AT))

# Rows are fetched and decoded in batches: one json.loads per batch and column, since the C
# decoder's cost per call outweighs a small value's own (most metadata is a few keys).
_BATCH = 10_000


def _read_postgres(connection: sa.Connection, workspace: str, matcher: Matcher | None) -> State:
    """The one-statement read through psycopg's own cursor: SQLAlchemy's row objects and
    result processing cost more than the rows' values, and the JSON columns come as text,
    decoded a batch at a time. Same rows, same dicts, same fingerprint as the generic path."""
    import psycopg  # only here: a SQLite-only run never loads the PostgreSQL driver

    compiled = _query(workspace, "postgresql", ordered=False).compile(dialect=connection.dialect)
    state = State(workspace, matched=matcher)
    order = _Order()
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        statement, params = str(compiled), compiled.params
        # The engine's cursor events see this statement as they would through SQLAlchemy.
        connection.dispatch.before_cursor_execute(connection, cursor, statement, params, None, False)
        rows = _rows(cursor, statement, params)
        batch = list(itertools.islice(rows, _BATCH))  # executes the statement
        connection.dispatch.after_cursor_execute(connection, cursor, statement, params, None, False)
        while batch:
            _decode_batch(batch, state, workspace, order)
            batch = list(itertools.islice(rows, _BATCH))
    except psycopg.Error as err:
        raise sa.exc.DBAPIError(str(compiled), None, err) from None
    finally:
        cursor.close()
    _in_id_order(state, order)
    return state


@dataclass
class _Order:
    """What the unordered read keeps to put its rows in id order: (id, digest) per asset,
    (id, digest, ident) per link, (kind, id, message) per drift warning."""

    assets: list[tuple[str, bytes]] = field(default_factory=list)
    links: list[tuple[str, bytes, tuple[str, str, str]]] = field(default_factory=list)
    drift: list[tuple[int, str, str]] = field(default_factory=list)


def _in_id_order(state: State, order: _Order) -> None:
    """The rows in id order, as the ordered query gave them, and the fingerprint of their
    digests in that order. Sorted here rather than by the server: its ORDER BY made the
    client wait for the whole sort before the first row; now decoding overlaps the scan.
    A uuid's text sorts the same in Python as under any collation (hex digits and hyphens
    at fixed places)."""
    first = operator.itemgetter(0)
    order.assets.sort(key=first)
    order.links.sort(key=first)
    digest = hashlib.sha256(b"".join([d for _, d in order.assets]))
    digest.update(b"".join([d for _, d, _ in order.links]))
    state.fingerprint = "sha256:" + digest.hexdigest()
    if state.matched is None:  # a plan's read (with a matcher) looks rows up, never lists them in order
        state.assets = {i: state.assets[i] for i, _ in order.assets}
        state.links = {ident: state.links[ident] for _, _, ident in order.links}
    state.drift = [message for _, _, message in sorted(order.drift)]  # stable: a row's own order kept


def _rows(cursor: Any, statement: str, params: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The result streamed in chunks where libpq can (version 17 on): it then never holds the
    whole result (130 MB at 10,000 shots). An older libpq hands it over whole."""
    import psycopg

    if psycopg.pq.version() >= 170000:
        yield from cursor.stream(statement, params, size=_BATCH)
        return
    cursor.execute(statement, params)
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


def _json_texts(texts: list[str | None]) -> list[Any]:
    """Each JSON text (None: SQL NULL, read as None) decoded, in one call."""
    return json.loads("[" + ",".join(["null" if t is None else t for t in texts]) + "]")  # type: ignore[no-any-return]


def _decode_batch(batch: list[tuple[Any, ...]], state: State, workspace: str, order: _Order) -> None:
    """Rows of the PostgreSQL query (kind, digest, the asset columns, the link columns: see
    _ASSET_AT and _LINK_AT) into the state's dicts. Repeated strings (type, owner,
    relationship type) are kept once."""
    strings: dict[str, str] = {}
    asset_values = [v for v in batch if v[0] == 0]
    link_values = [v for v in batch if v[0] != 0]
    at_id = _ASSET_AT["id"]
    order.assets.extend([(v[at_id], v[1]) for v in asset_values])
    if asset_values:
        _decode_assets(asset_values, state, workspace, order, strings)
    if link_values:
        _decode_links(link_values, state, workspace, order, strings)


def _decode_assets(
    values: list[tuple[Any, ...]], state: State, workspace: str, order: _Order, strings: dict[str, str]
) -> None:
    intern, matcher = strings.setdefault, state.matched
    times: dict[Any, str] = {}
    found: list[str] = []  # a row's drift warnings, put in id order at the end
    at = _ASSET_AT
    i, kind, name, url, duration = at["id"], at["type"], at["name"], at["url"], at["duration"]
    created, key, owner = at["created_at"], at["manifest_key"], at["owner"]
    metadata = _json_texts([v[at["asset_metadata"]] for v in values])
    sources = _json_texts([v[at["source"]] for v in values])
    for v, meta, source in zip(values, metadata, sources):
        row = {
            "id": v[i], "workspace_id": workspace, "type": intern(v[kind], v[kind]), "name": v[name],
            "url": v[url], "duration": v[duration], "asset_metadata": meta, "created_at": v[created],
            "manifest_key": v[key], "owner": None if v[owner] is None else intern(v[owner], v[owner]),
            "source": source,
        }  # fmt: skip
        if type(meta) is dict:  # float8 holds only numbers: no duration drift here
            row["source"] = source if type(source) is dict else None
            # One sync writes its rows with one time: its text is made and kept once.
            when = v[created]
            row["created_at"] = (
                None if when is None else times.get(when) or times.setdefault(when, when.isoformat())
            )
        else:
            row = _asset_row(row, found)
            order.drift.extend([(0, v[i], message) for message in found])
            found.clear()
        state.assets[v[i]] = _asset_summary(row) if matcher and matcher.asset(row) else row


def _decode_links(
    values: list[tuple[Any, ...]], state: State, workspace: str, order: _Order, strings: dict[str, str]
) -> None:
    intern, matcher, rows = strings.setdefault, state.matched, state.assets.get
    found: list[str] = []
    at = _LINK_AT
    i, parent_at, child_at, kind_at = (
        at["id"],
        at["parent_asset_id"],
        at["child_asset_id"],
        at["relationship_type"],
    )
    sequence, owner = at["sequence"], at["owner"]
    for v, meta in zip(values, _json_texts([v[at["relationship_metadata"]] for v in values])):
        if meta is None:
            meta = {}
        elif type(meta) is not dict:
            meta = _object(meta, f"link {v[i]} relationship_metadata", found)
            order.drift.extend([(1, v[i], message) for message in found])
            found.clear()
        kind = intern(v[kind_at], v[kind_at])
        # An end's id is the asset's own string when it came first: kept once, not thrice.
        parent, child = v[parent_at], v[child_at]
        if (end := rows(parent)) is not None:
            parent = end["id"]
        if (end := rows(child)) is not None:
            child = end["id"]
        ident = (parent, child, kind)
        order.links.append((v[i], v[1], ident))
        row = {
            "id": v[i], "workspace_id": workspace, "parent_asset_id": parent, "child_asset_id": child,
            "relationship_type": kind, "sequence": v[sequence], "relationship_metadata": meta,
            "owner": None if v[owner] is None else intern(v[owner], v[owner]),
        }  # fmt: skip
        state.links[ident] = _link_summary(row) if matcher and matcher.link(ident, row) else row


def _link_row(row: dict[str, Any], drift: list[str]) -> tuple[tuple[str, str, str], dict[str, Any]]:
    for name in ("id", "parent_asset_id", "child_asset_id"):
        row[name] = str(row[name])
    row["relationship_metadata"] = _object(
        row["relationship_metadata"], f"link {row['id']} relationship_metadata", drift
    )
    row.pop("created_at", None)
    return (row["parent_asset_id"], row["child_asset_id"], row["relationship_type"]), row


def _asset_row(row: dict[str, Any], drift: list[str]) -> dict[str, Any]:
    row["id"] = str(row["id"])
    row["asset_metadata"] = _object(
        row["asset_metadata"],
        f"{row['type']} '{row['manifest_key'] or row['name']}' ({row['id']}) asset_metadata",
        drift,
    )
    if row["duration"] is not None and (
        isinstance(row["duration"], bool) or not isinstance(row["duration"], (int, float))
    ):
        # SQLite keeps whatever was written into a REAL column: text there is drift too.
        drift.append(
            f"{row['type']} '{row['manifest_key'] or row['name']}' ({row['id']}) duration holds {type(row['duration']).__name__}, not a number; read as none"
        )
        row["duration"] = None
    # `source` is shotkit's own bookkeeping: anything but an object is drift, read as "none".
    row["source"] = row["source"] if isinstance(row["source"], dict) else None
    row["created_at"] = row["created_at"].isoformat() if row["created_at"] else None
    row.pop("updated_at", None)
    return row


def _object(value: Any, what: str, drift: list[str]) -> dict[str, Any]:
    """A JSON column that holds an object. NULL reads as {}; another shape (a list, a string:
    drift made by hand) reads as {} too, with a warning, so a plan restores the object the
    manifests declare and an export keeps the row's other fields."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        drift.append(f"{what} holds a JSON {type(value).__name__}, not an object; read as {{}}")
        return {}
    return value


def _elsewhere(connection: sa.Connection, workspace: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    found: dict[str, str] = {}
    for start in range(0, len(ids), 5_000):
        chunk = [uuid.UUID(i) for i in ids[start : start + 5_000]]
        query = sa.select(assets.c.id, assets.c.workspace_id).where(
            assets.c.id.in_(chunk), assets.c.workspace_id != workspace
        )
        found.update({str(i): w for i, w in connection.execute(query)})
    return found


def workspaces(connection: sa.Connection) -> list[str]:
    return list(
        connection.execute(
            sa.select(assets.c.workspace_id).distinct().order_by(assets.c.workspace_id)
        ).scalars()
    )
