"""Export merges the files one at a time and builds a row's entry only when a file needs it.

What that must not change: every row export cannot place is reported once (whether or not its
entry is ever built), rows appended to a file that is also edited in place keep both changes,
and a section that --prune empties no longer draws appended rows. Through the CLI, on the
hand-written production, on PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from shotkit import AssetService, yamlio
from shotkit.tables import asset_relationships as links
from shotkit.tables import assets

from .conftest import cli_combined as cli
from .test_export_inplace import (
    WS,
    asset_id,
    changed_lines,
    engine,
    export,
    plan_is_empty,
    run_service,
    synced,
)


def add_row(connection: sa.Connection, asset_type: str, name: str, **values: object) -> uuid.UUID:
    row_id = uuid.uuid4()
    connection.execute(
        sa.insert(assets).values(id=row_id, workspace_id=WS, type=asset_type, name=name, **values)
    )
    return row_id


def add_link(
    connection: sa.Connection, parent: uuid.UUID, child: uuid.UUID, kind: str, sequence: int | None = None
) -> None:
    connection.execute(
        sa.insert(links).values(
            id=uuid.uuid4(),
            workspace_id=WS,
            parent_asset_id=parent,
            child_asset_id=child,
            relationship_type=kind,
            sequence=sequence,
        )
    )


def test_rows_export_cannot_place_are_each_reported_once(any_url: str, hand: Path, capsys) -> None:
    synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        shot1, shot2 = asset_id(connection, "shot", "01"), asset_id(connection, "shot", "02")
        keeper = asset_id(connection, "character_ref", "keeper")
        first, second = asset_id(connection, "shot_take", "01#1"), asset_id(connection, "shot_take", "01#2")
        connection.execute(sa.update(assets).where(assets.c.id == first).values(asset_metadata={}))
        connection.execute(sa.update(links).where(links.c.child_asset_id == first).values(sequence=None))
        extra = add_row(connection, "video", "Second video", url="https://cdn.example.com/extra.mp4")
        add_link(connection, second, extra, "generated_video", 2)
        orphan = add_row(connection, "shot_take", "Lost take")
        add_link(connection, shot2, keeper, "cameo")
    out = export(any_url, hand, capsys)
    for warning in (
        f"take {first} (Take 1) has no attempt number; not exported",
        f"take {second} has 2 videos; only the first is exported",
        f"shot_take {orphan} (Lost take) belongs to no shot; not exported",
        "shot '02': 1 cameo link(s) of an undeclared relationship type; not exported",
    ):
        assert out.count(warning) == 1, (warning, out)
    assert "shots.yaml: 1 entries are not in the database" in out  # take 1 of shot 01, kept
    text = (hand / "shots.yaml").read_text()
    assert "Lost take" not in text and "cameo" not in text
    assert yamlio.parse(text)["shots"]["01"]["takes"][0]["attempt"] == 1
    assert str(shot1) not in text


def test_a_file_edited_in_place_that_also_gets_a_new_row_keeps_both(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        sailor = asset_id(connection, "character_ref", "sailor")
        connection.execute(sa.update(assets).where(assets.c.id == sailor).values(name="Drowned sailor"))

    async def work(service: AssetService) -> uuid.UUID:
        return await service.create_character(WS, "Lighthouse cat")

    cat = run_service(any_url, work)
    out = export(any_url, hand, capsys)
    assert "1 file(s) changed" in out
    assert changed_lines(before, hand) == [
        "cast.yaml: -    name: 'Young sailor'",
        "cast.yaml: +    name: 'Drowned sailor'",
        "cast.yaml: +  lighthouse-cat:",
        f"cast.yaml: +    id: {yamlio.scalar(str(cat))}",
        "cast.yaml: +    name: Lighthouse cat",
    ]
    assert plan_is_empty(any_url, hand, capsys)


@pytest.mark.parametrize("prune", [False, True])
def test_a_section_prune_empties_draws_no_new_rows(any_url: str, hand: Path, capsys, prune: bool) -> None:
    """Every character deleted, one made at runtime: without --prune it joins the characters
    kept in cast.yaml; with --prune cast.yaml loses the section and the new one goes to a new file."""
    synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        kind = assets.c.type == "character_ref"
        ids = sa.select(assets.c.id).where(kind, assets.c.workspace_id == WS)
        connection.execute(
            sa.delete(links).where(links.c.child_asset_id.in_(ids) | links.c.parent_asset_id.in_(ids))
        )
        connection.execute(sa.delete(assets).where(kind))

    async def work(service: AssetService) -> uuid.UUID:
        return await service.create_character(WS, "Lighthouse cat")

    run_service(any_url, work)
    out = export(any_url, hand, capsys, *(["--prune"] if prune else []))
    cast = yamlio.parse((hand / "cast.yaml").read_text())
    new = hand / f"{WS}.new.yaml"
    if prune:
        assert "characters" not in cast and new.exists(), out
        assert list(yamlio.parse(new.read_text())["characters"]) == ["lighthouse-cat"]
    else:
        assert not new.exists(), out
        assert "lighthouse-cat" in cast["characters"] and "keeper" in cast["characters"]
    code, again = cli(capsys, "export", "--database-url", any_url, "--out", str(hand), "--check")
    assert code == 0 if prune else "lighthouse-cat" not in again, again


def test_two_workspaces_in_one_folder_each_get_their_own_edits(any_url: str, hand: Path, capsys) -> None:
    """Files of two workspaces: each workspace's pass edits its own files, reads the other's
    only to learn whose they are, and a new row of each lands in its own workspace's file."""
    (hand / "harbour.yaml").write_text(
        "shotkit: 1\nworkspace: harbour\n\ncharacters:\n  pilot: {name: Pilot}   # the harbour's\n"
    )
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        for workspace, kind, key, name in (
            ("harbour", "character_ref", "pilot", "Harbour pilot"),
            (WS, "shot", "02", "Someone knocks"),
        ):
            connection.execute(
                sa.update(assets)
                .where(
                    assets.c.workspace_id == workspace, assets.c.type == kind, assets.c.manifest_key == key
                )
                .values(name=name)
            )

    async def work(service: AssetService) -> uuid.UUID:
        return await service.create_character("harbour", "Harbour master")

    master = run_service(any_url, work)
    out = export(any_url, hand, capsys)
    assert "exported 2 workspace(s): 2 file(s) changed" in out, out
    diff = changed_lines(before, hand)
    added = diff.pop(2)  # a flow mapping like its sibling's; the id quoted as the emitter sees fit
    assert added.startswith("harbour.yaml: +  harbour-master: {id: ") and str(master) in added
    assert added.endswith(", name: Harbour master}")
    assert diff == [
        "harbour.yaml: -  pilot: {name: Pilot}   # the harbour's",
        "harbour.yaml: +  pilot: {name: Harbour pilot}   # the harbour's",
        "shots.yaml: -    name: 'Someone at the door'",
        "shots.yaml: +    name: 'Someone knocks'",
    ]
    assert not list(hand.glob("*.new.yaml"))
    assert "0 file(s) changed" in export(any_url, hand, capsys)
