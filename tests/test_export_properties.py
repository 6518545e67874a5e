"""Property: generated productions written by hand (random comments, blank lines, flow and block
styles, quoting), random database edits, then export: the files parse back to the database's
state (plan empty), and every line outside the edited entries is byte-identical."""

from __future__ import annotations

import difflib
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shotkit import yamlio
from shotkit.emit import flow_value, key_text
from shotkit.tables import asset_relationships as links
from shotkit.tables import assets
from shotkit.yamledit import _single_ok

from .conftest import run_main, upgraded
from .strategies import production
from .strategies import text as any_text

comment = st.from_regex(r"# [a-zA-Z0-9 .,'\"#:-]{0,20}", fullmatch=True)


class Writer:
    """Writes manifest data the way people do, and remembers which lines each entry owns."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.lines: list[str] = []
        self.owner: list[tuple | None] = []  # the entry (section, key) each line belongs to

    def add(self, line: str, entry: tuple | None) -> None:
        self.lines.append(line)
        self.owner.append(entry)

    def scalar(self, value: Any) -> str:
        if isinstance(value, str):
            style = self.draw(st.sampled_from(["auto", "single", "double"]))
            if style == "single" and _single_ok(value):
                return "'" + value.replace("'", "''") + "'"
            if style == "double":
                return yamlio.quote(value)
        return yamlio.scalar(value)

    def trailing(self) -> str:
        return "  " + self.draw(comment) if self.draw(st.integers(0, 3)) == 0 else ""

    def mapping(self, data: dict, indent: int, entry: tuple, first_prefix: str = "") -> None:
        for index, (key, value) in enumerate(data.items()):
            pad = first_prefix if index == 0 and first_prefix else " " * indent
            head = f"{pad}{key_text(key)}:"
            if isinstance(value, (dict, list)) and value and self.draw(st.booleans()):
                self.add(f"{head} {flow_value(value)}{self.trailing()}", entry)
            elif isinstance(value, dict) and value:
                self.add(head + self.trailing(), entry)
                self.mapping(value, indent + 2, entry)
            elif isinstance(value, list) and value:
                self.add(head + self.trailing(), entry)
                self.sequence(value, indent + 2, entry)
            elif isinstance(value, (dict, list)):
                self.add(f"{head} {flow_value(value)}", entry)
            else:
                self.add(f"{head} {self.scalar(value)}{self.trailing()}", entry)

    def sequence(self, items: list, indent: int, entry: tuple) -> None:
        pad = " " * indent
        for item in items:
            if self.draw(st.integers(0, 4)) == 0:
                self.add(pad + self.draw(comment), entry)
            if isinstance(item, dict) and item and self.draw(st.booleans()):
                self.mapping(item, indent + 2, entry, first_prefix=pad + "- ")
            elif isinstance(item, (dict, list)):
                self.add(f"{pad}- {flow_value(item)}{self.trailing()}", entry)
            else:
                self.add(f"{pad}- {self.scalar(item)}{self.trailing()}", entry)

    def multiline_flow(self, key: str, value: dict, entry: tuple) -> None:
        """`key: {` on its own line, one item a line (each maybe with a comment), then `}`."""
        self.add(f"  {key_text(key)}: {{{self.trailing()}", entry)
        items = list(value.items())
        for index, (k, v) in enumerate(items):
            comma = "," if index < len(items) - 1 else ""
            self.add(f"    {key_text(k, flow=True)}: {flow_value(v)}{comma}{self.trailing()}", entry)
        self.add(f"  }}{self.trailing()}", entry)

    def document(self, data: dict) -> str:
        if self.draw(st.booleans()):
            self.add(self.draw(comment), None)
        self.add("shotkit: 1" + self.trailing(), None)
        self.add(f"workspace: {data['workspace']}" + self.trailing(), None)
        for section, entries in data.items():
            if section in ("shotkit", "workspace"):
                continue
            self.add("", None)
            self.add(f"{section}:" + self.trailing(), None)
            for key, value in entries.items():
                entry = (section, key)
                if self.draw(st.integers(0, 3)) == 0:
                    self.add("", None)
                if self.draw(st.integers(0, 2)) == 0:
                    self.add("  " + self.draw(comment), entry)
                style = self.draw(st.sampled_from(["flow", "multi-line flow", "block"]))
                if style == "flow":
                    self.add(f"  {key_text(key)}: {flow_value(value)}{self.trailing()}", entry)
                elif style == "multi-line flow":
                    self.multiline_flow(key, value, entry)
                else:
                    self.add(f"  {key_text(key)}:{self.trailing()}", entry)
                    self.mapping(value, 4, entry)
        return "\n".join(self.lines) + "\n"


@st.composite
def handwritten(draw: st.DrawFn) -> tuple[dict, str, list]:
    data = draw(production(workspace="placeholder"))
    writer = Writer(draw)
    text = writer.document(data)
    return data, text, writer.owner


def _id(connection: sa.Connection, workspace: str, asset_type: str, key: str) -> uuid.UUID:
    return connection.execute(
        sa.select(assets.c.id).where(
            assets.c.workspace_id == workspace, assets.c.type == asset_type, assets.c.manifest_key == key
        )
    ).scalar_one()


def edit_database(connection: sa.Connection, workspace: str, data: dict, draw: st.DrawFn) -> set[tuple]:
    """A few random runtime changes; returns the entries they touch."""
    touched: set[tuple] = set()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["rename", "description", "select", "unlink", "volume", "link", "new take"])
        )
        shot = draw(st.sampled_from(sorted(data["shots"])))
        entry = data["shots"][shot]
        if kind == "rename":
            connection.execute(
                sa.update(assets)
                .where(assets.c.id == _id(connection, workspace, "shot", shot))
                .values(name=draw(any_text))
            )
        elif kind == "description":
            key = draw(st.sampled_from(sorted(data["characters"])))
            row = _id(connection, workspace, "character_ref", key)
            metadata = connection.execute(
                sa.select(assets.c.asset_metadata).where(assets.c.id == row)
            ).scalar_one()
            connection.execute(
                sa.update(assets)
                .where(assets.c.id == row)
                .values(asset_metadata={**metadata, "description": draw(any_text)})
            )
            touched.add(("characters", key))
            continue
        elif kind == "select" and len(entry.get("takes", [])) > 1:
            chosen = draw(st.sampled_from([t["attempt"] for t in entry["takes"]]))
            for take in entry["takes"]:
                row = take.get("row") or _id(
                    connection, workspace, "shot_take", f"{shot}#{take['attempt']}"
                )  # a runtime take has no key
                metadata = connection.execute(
                    sa.select(assets.c.asset_metadata).where(assets.c.id == row)
                ).scalar_one()
                connection.execute(
                    sa.update(assets)
                    .where(assets.c.id == row)
                    .values(asset_metadata={**metadata, "selected": take["attempt"] == chosen})
                )
        elif kind == "unlink" and entry["characters"]:
            child = _id(connection, workspace, "character_ref", draw(st.sampled_from(entry["characters"])))
            parent = _id(connection, workspace, "shot", shot)
            connection.execute(
                sa.delete(links).where(links.c.parent_asset_id == parent, links.c.child_asset_id == child)
            )
            rest = (
                connection.execute(
                    sa.select(links.c.id)
                    .where(links.c.parent_asset_id == parent, links.c.relationship_type == "uses_character")
                    .order_by(links.c.sequence)
                )
                .scalars()
                .all()
            )
            for sequence, link in enumerate(
                rest, 1
            ):  # the application closes the gap, as shotkit numbers links
                connection.execute(sa.update(links).where(links.c.id == link).values(sequence=sequence))
        elif kind == "volume" and entry["audio"]:
            layer = draw(st.sampled_from(entry["audio"]))
            child = _id(connection, workspace, "audio", layer if isinstance(layer, str) else layer["ref"])
            connection.execute(
                sa.update(links)
                .where(
                    links.c.parent_asset_id == _id(connection, workspace, "shot", shot),
                    links.c.child_asset_id == child,
                )
                .values(relationship_metadata={"volume": draw(st.floats(0, 1, allow_nan=False))})
            )
        elif kind == "link" and len(entry["characters"]) < len(data["characters"]):
            key = draw(st.sampled_from(sorted(set(data["characters"]) - set(entry["characters"]))))
            parent = _id(connection, workspace, "shot", shot)
            count = connection.execute(
                sa.select(sa.func.count())
                .select_from(links)
                .where(links.c.parent_asset_id == parent, links.c.relationship_type == "uses_character")
            ).scalar_one()
            connection.execute(
                sa.insert(links).values(
                    id=uuid.uuid4(),
                    workspace_id=workspace,
                    parent_asset_id=parent,
                    child_asset_id=_id(connection, workspace, "character_ref", key),
                    relationship_type="uses_character",
                    sequence=count + 1,
                    relationship_metadata={},
                )
            )
            entry["characters"] = entry["characters"] + [key]
        elif kind == "new take":  # as the AssetService makes one: an unmanaged row and its link
            attempt = max([t["attempt"] for t in entry.get("takes", [])] + [0]) + 1
            take = uuid.uuid4()
            connection.execute(
                sa.insert(assets).values(
                    id=take,
                    workspace_id=workspace,
                    type="shot_take",
                    name=f"Take {attempt}",
                    asset_metadata={"attempt_number": attempt, "selected": False, "generation_cost": 0.25},
                )
            )
            connection.execute(
                sa.insert(links).values(
                    id=uuid.uuid4(),
                    workspace_id=workspace,
                    parent_asset_id=_id(connection, workspace, "shot", shot),
                    child_asset_id=take,
                    relationship_type="generation_attempt",
                    sequence=attempt,
                    relationship_metadata={},
                )
            )
            entry["takes"] = entry.get("takes", []) + [{"attempt": attempt, "row": take}]
        else:
            continue
        touched.add(("shots", shot))
    return touched


@pytest.fixture
def database(any_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    upgraded(any_url, tmp_path_factory.mktemp("db"))
    return any_url


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(production=handwritten(), data=st.data())
def test_export_edits_only_what_the_database_changed(
    database: str, tmp_path_factory: pytest.TempPathFactory, production: tuple, data: st.DataObject
) -> None:
    content, text, owner = production
    workspace = f"ws-{uuid.uuid4().hex[:12]}"
    text = text.replace("workspace: placeholder", f"workspace: {workspace}", 1)
    folder = tmp_path_factory.mktemp("hand")
    manifest = folder / "production.yaml"
    manifest.write_text(text)
    assert run_main(["sync", str(folder), "--database-url", database]) == 0
    assert (
        run_main(["export", "--database-url", database, "--workspace", workspace, "--out", str(folder)]) == 0
    )
    assert manifest.read_text() == text  # nothing changed: no byte changes
    engine = sa.create_engine(
        database.replace("postgresql://", "postgresql+psycopg://", 1)
        if database.startswith("postgresql://")
        else database
    )
    try:
        with engine.begin() as connection:
            touched = edit_database(connection, workspace, content, data.draw)
    finally:
        engine.dispose()
    assert (
        run_main(["export", "--database-url", database, "--workspace", workspace, "--out", str(folder)]) == 0
    )
    assert run_main(["plan", str(folder), "--database-url", database, "--detailed-exitcode"]) == 0
    after = manifest.read_text().split("\n")
    before = text.split("\n")
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op != "equal":
            outside = [before[i] for i in range(i1, i2) if owner[i] not in touched]
            assert not outside, (op, outside, touched)
