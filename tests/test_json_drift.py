"""Drift in JSON columns made by other tools (raw SQL), against real PostgreSQL and SQLite:
every edit of a value, a type (2 vs 2.0, true vs 1) or a character shows in the plan, and JSON
equal to the manifests' but written otherwise (keys reordered, 1.50 for 1.5, escapes) is no
change. Written for a digest-based read tried in issue 9's third round (not merged), kept for any way
the state is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shotkit import db, yamlio

from .conftest import WS, cli, execute, plan_json, upgraded

TRICKY: dict[str, Any] = {
    "zeta": 1.5,
    "a": 2.0,
    "bb": 0.1,
    "big": 9223372036854775807,
    "flag": True,
    "one": 1,
    "none": None,
    "text": 'é "quoted" \\ back\tslash\nline \x01 \x7f 𝄞 中文 \u2028',
    "é": "a key of two bytes",
    "z": "a key of one byte",
    "ü": "same length as é, later bytes",
    "aa": [],
    "nested": {"list": [1, 1.0, True, {"k": [None, "x", -3]}], "b": {}, "a": [[], {}]},
}
# Rendered otherwise by numeric (no exponent, no -0): still no change.
EXPONENTS: dict[str, Any] = {"tiny": 1.5e-07, "huge": 1e300, "minus_zero": -0.0}


def _with_tricky(project: Path, metadata: dict[str, Any]) -> None:
    document = {
        "shotkit": 1,
        "characters": {
            "tricky": {"name": "Tricky", "metadata": metadata},
            "plain": {"name": "Plain", "metadata": {"k": "v"}},
        },
    }
    (project / "digest.yaml").write_text(yamlio.dump(document), encoding="utf-8")


def _set_json(url: str, tmp_path: Path, column: str, value: str, where: str) -> None:
    """A raw-SQL update of a JSON column by another tool (jsonb on PostgreSQL, text on SQLite)."""
    cast = "CAST(:v AS jsonb)" if url.startswith("postgresql") else ":v"
    table = "asset_relationships" if column == "relationship_metadata" else "assets"
    execute(url, tmp_path, f"UPDATE {table} SET {column} = {cast} WHERE {where}", v=value)


def _no_changes(capsys: pytest.CaptureFixture[str], project: Path, url: str) -> None:
    code, out, err = cli(capsys, "plan", str(project), "--database-url", url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out + err


def _tricky_update(capsys: pytest.CaptureFixture[str], project: Path, url: str) -> list[dict[str, Any]]:
    """The one update the plan shows (of 'tricky'), its fields."""
    plan = plan_json(capsys, project, url)
    (workspace,) = [w for w in plan["workspaces"] if w["workspace"] == WS]
    assert plan["summary"]["update"] == 1 and not workspace["links"], plan["summary"]
    (change,) = workspace["changes"]
    assert change["key"] == "tricky", change
    return [{k: v for k, v in f.items() if k in ("field", "old", "new")} for f in change["fields"]]


def test_equal_json_rendered_otherwise_is_no_change(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgraded(any_url, tmp_path).engine.dispose()
    _with_tricky(project, {**TRICKY, **EXPONENTS})
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _no_changes(capsys, project, any_url)
    # Written by another tool: keys in another order, 1.50 for 1.5, escapes for plain text.
    # (shotkit's own json_dumps for the exponents: a raw `1e+300` is an integer to numeric.)
    items = [(k, json.dumps(v, ensure_ascii=True)) for k, v in TRICKY.items()]
    items += [(k, db.json_dumps(v)) for k, v in EXPONENTS.items()]
    raw = ", ".join(f"{json.dumps(k)}: {'1.50' if k == 'zeta' else v}" for k, v in reversed(items))
    _set_json(any_url, tmp_path, "asset_metadata", "{" + raw + "}", "manifest_key = 'tricky'")
    _no_changes(capsys, project, any_url)


@pytest.mark.parametrize(
    ("path", "raw", "old", "new"),
    [
        ("a", "2", 2, 2.0),  # the integer 2 where the manifests say 2.0
        ("flag", "1", 1, True),
        ("one", "true", True, 1),
        ("zeta", "1.25", 1.25, 1.5),
        ("text", '"e\\u0301"', "e\u0301", TRICKY["text"]),
        (
            "nested.list",
            '[1, 1, true, {"k": [null, "x", -3]}]',
            [1, 1, True, {"k": [None, "x", -3]}],
            TRICKY["nested"]["list"],
        ),
    ],
)
def test_a_raw_sql_edit_of_metadata_shows(
    any_url: str,
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    path: str,
    raw: str,
    old: Any,
    new: Any,
) -> None:
    upgraded(any_url, tmp_path).engine.dispose()
    _with_tricky(project, TRICKY)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _set_json(any_url, tmp_path, "asset_metadata", _edit(TRICKY, path, raw), "manifest_key = 'tricky'")
    assert _tricky_update(capsys, project, any_url) == [
        {"field": f"asset_metadata.{path}", "old": old, "new": new}
    ]
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _no_changes(capsys, project, any_url)


def _edit(metadata: dict[str, Any], path: str, raw: str) -> str:
    """The JSON text of `metadata` with the value at dotted `path` replaced by raw JSON."""
    marker = "\x00MARK\x00"
    copy = json.loads(json.dumps(metadata))
    *parents, last = path.split(".")
    target = copy
    for name in parents:
        target = target[name]
    target[last] = marker
    return json.dumps(copy, ensure_ascii=False).replace(json.dumps(marker), raw)


@pytest.mark.parametrize(
    ("sql", "expect"),
    [
        ("UPDATE assets SET name = 'Renamed' WHERE manifest_key = 'plain'", "name"),
        ("source", "bookkeeping"),
        ("link", "link"),
        ("UPDATE assets SET url = 'https://x.example/y' WHERE manifest_key = 'plain'", "url"),
    ],
)
def test_a_raw_sql_edit_of_a_name_source_or_link_shows(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str, expect: str
) -> None:
    upgraded(any_url, tmp_path).engine.dispose()
    _with_tricky(project, TRICKY)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    if sql == "source":
        _set_json(any_url, tmp_path, "source", '{"file": "other.yaml", "order": 0}', "manifest_key = 'plain'")
    elif sql == "link":
        child = "(SELECT id FROM assets WHERE manifest_key = 'rain-fx')"
        _set_json(any_url, tmp_path, "relationship_metadata", '{"volume": 0.5}', f"child_asset_id = {child}")
    else:
        execute(any_url, tmp_path, sql)
    plan = plan_json(capsys, project, any_url)
    (workspace,) = [w for w in plan["workspaces"] if w["workspace"] == WS]
    if expect == "bookkeeping":
        assert not plan["has_changes"] and len(workspace["bookkeeping"]) == 1, workspace
        assert workspace["bookkeeping"][0]["source"]["file"] == "digest.yaml"
    elif expect == "link":
        (link,) = workspace["links"]
        assert link["action"] == "update" and link["fields"] == [
            {"field": "relationship_metadata", "old": {"volume": 0.5}, "new": {"volume": 0.4}}
        ], link
    else:
        (change,) = workspace["changes"]
        assert change["key"] == "plain" and [f["field"] for f in change["fields"]] == [expect], change
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _no_changes(capsys, project, any_url)


def _source_of(url: str, tmp_path: Path, key: str) -> dict[str, Any]:
    database = upgraded(url, tmp_path)
    try:
        with database.engine.connect() as connection:
            value = connection.execute(
                sa.text("SELECT source FROM assets WHERE manifest_key = :k"), {"k": key}
            ).scalar()
    finally:
        database.engine.dispose()
    return value if isinstance(value, dict) else json.loads(value)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "edit",
    ["order as a float", "order as text", "an extra key", "no order", "no file", "not an object"],
)
def test_a_raw_sql_edit_of_the_source_is_bookkeeping(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: str
) -> None:
    """The plan decides most rows are unchanged without making their rows: the source
    (file, order) must still be compared as strictly as `same` does (2 is not 2.0, nor true 1)."""
    upgraded(any_url, tmp_path).engine.dispose()
    _with_tricky(project, TRICKY)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    source = _source_of(any_url, tmp_path, "plain")
    order, file = source["order"], source["file"]
    edited = {
        "order as a float": f'{{"file": "{file}", "order": {order}.0}}',
        "order as text": f'{{"file": "{file}", "order": "{order}"}}',
        "an extra key": f'{{"file": "{file}", "order": {order}, "x": 1}}',
        "no order": f'{{"file": "{file}"}}',
        "no file": f'{{"order": {order}, "elsewhere": "{file}"}}',
        "not an object": f'["{file}", {order}]',
    }[edit]
    _set_json(any_url, tmp_path, "source", edited, "manifest_key = 'plain'")
    plan = plan_json(capsys, project, any_url)
    (workspace,) = [w for w in plan["workspaces"] if w["workspace"] == WS]
    assert not plan["has_changes"], workspace
    assert [entry["source"] for entry in workspace["bookkeeping"]] == [source], workspace
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    _no_changes(capsys, project, any_url)
