"""Export edits hand-written manifests surgically: the exact diff lines of each kind of change.

The production in tests/handwritten/ has comments of every kind, flow and block styles, quoted
and plain scalars, blank lines, a `workspace:` line in each file and CRLF line endings in
shots.yaml. Each test syncs it, changes the database the way a runtime would, exports and
asserts the lines that changed, on PostgreSQL and SQLite.
"""

from __future__ import annotations

import asyncio
import difflib
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shotkit import AssetService, yamlio
from shotkit.tables import asset_relationships as links
from shotkit.tables import assets

from .conftest import async_url, upgraded
from .conftest import cli_combined as cli

WS = "lighthouse"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}


def changed_lines(before: dict[str, bytes], folder: Path) -> list[str]:
    """The `git diff` lines (`file: -old` / `file: +new`, no context) between two snapshots."""
    after = snapshot(folder)
    out = []
    for name in sorted(set(before) | set(after)):
        old = before.get(name, b"").decode().split("\n")
        new = after.get(name, b"").decode().split("\n")
        for line in difflib.unified_diff(old, new, n=0, lineterm=""):
            if line[:1] in "+-" and not line.startswith(("+++", "---")):
                out.append(f"{name}: {line.rstrip(chr(13))}")
    return out


def synced(url: str, hand: Path, capsys: pytest.CaptureFixture) -> dict[str, bytes]:
    upgraded(url, hand.parent)
    code, out = cli(capsys, "sync", str(hand), "--database-url", url)
    assert code == 0, out
    return snapshot(hand)


def export(url: str, hand: Path, capsys: pytest.CaptureFixture, *extra: str) -> str:
    code, out = cli(capsys, "export", "--database-url", url, "--out", str(hand), *extra)
    assert code == 0, out
    return out


def plan_is_empty(url: str, hand: Path, capsys: pytest.CaptureFixture) -> bool:
    code, out = cli(capsys, "plan", str(hand), "--database-url", url, "--detailed-exitcode")
    return code == 0 and "No changes." in out


def engine(url: str, hand: Path) -> sa.Engine:
    return upgraded(url, hand.parent).engine


def asset_id(connection: sa.Connection, asset_type: str, key: str) -> uuid.UUID:
    return connection.execute(
        sa.select(assets.c.id).where(
            assets.c.type == asset_type, assets.c.manifest_key == key, assets.c.workspace_id == WS
        )
    ).scalar_one()


def set_metadata(url: str, hand: Path, asset_type: str, key: str, **values: Any) -> None:
    with engine(url, hand).begin() as connection:
        row_id = asset_id(connection, asset_type, key)
        metadata = connection.execute(
            sa.select(assets.c.asset_metadata).where(assets.c.id == row_id)
        ).scalar_one()
        connection.execute(
            sa.update(assets).where(assets.c.id == row_id).values(asset_metadata={**metadata, **values})
        )


def take_metadata(url: str, hand: Path, shot: str, attempt: int, **values: Any) -> None:
    set_metadata(url, hand, "shot_take", f"{shot}#{attempt}", **values)


def test_export_right_after_sync_changes_no_byte(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    out = export(any_url, hand, capsys)
    assert "0 file(s) changed" in out
    assert snapshot(hand) == before
    code, out = cli(capsys, "export", "--database-url", any_url, "--out", str(hand), "--check")
    assert code == 0 and "no changes" in out


def test_one_field_changed_is_one_line(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        connection.execute(
            sa.update(assets)
            .where(assets.c.id == asset_id(connection, "shot", "02"))
            .values(name="Someone's at the door")
        )
    code, out = cli(capsys, "export", "--database-url", any_url, "--out", str(hand), "--check")
    assert code == 1 and "would change shots.yaml" in out and snapshot(hand) == before
    export(any_url, hand, capsys)
    assert changed_lines(before, hand) == [
        "shots.yaml: -    name: 'Someone at the door'",
        "shots.yaml: +    name: 'Someone''s at the door'",
    ]
    assert (hand / "shots.yaml").read_bytes().count(b"\n") == (hand / "shots.yaml").read_bytes().count(
        b"\r\n"
    )
    assert plan_is_empty(any_url, hand, capsys)


def test_metadata_key_changed(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    set_metadata(any_url, hand, "character_ref", "sailor", age=20, mood="wet: cold # and 'tired'")
    export(any_url, hand, capsys)
    assert changed_lines(before, hand) == [
        'cast.yaml: -    metadata: {age: 19, reference_image: "https://cdn.example.com/sailor.png"}',
        'cast.yaml: +    metadata: {age: 20, mood: "wet: cold # and \'tired\'", reference_image: "https://cdn.example.com/sailor.png"}',
    ]
    assert plan_is_empty(any_url, hand, capsys)


def test_links_added_removed_reordered_and_link_metadata(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        shot1, shot2 = asset_id(connection, "shot", "01"), asset_id(connection, "shot", "02")
        theme, sailor = (
            asset_id(connection, "audio", "theme"),
            asset_id(connection, "character_ref", "sailor"),
        )
        connection.execute(
            sa.insert(links).values(
                id=uuid.uuid4(),
                workspace_id=WS,
                parent_asset_id=shot2,
                child_asset_id=theme,
                relationship_type="uses_audio",
                sequence=3,
                relationship_metadata={},
            )
        )
        connection.execute(
            sa.delete(links).where(links.c.parent_asset_id == shot2, links.c.child_asset_id == sailor)
        )
        connection.execute(
            sa.update(links)
            .where(links.c.parent_asset_id == shot1, links.c.child_asset_id == theme)
            .values(relationship_metadata={"volume": 0.8})
        )
        connection.execute(
            sa.insert(links).values(
                id=uuid.uuid4(),
                workspace_id=WS,
                parent_asset_id=shot1,
                child_asset_id=sailor,
                relationship_type="uses_character",
                sequence=2,
                relationship_metadata={},
            )
        )
    export(any_url, hand, capsys)
    assert changed_lines(before, hand) == [
        "shots.yaml: -    characters: [keeper]",
        "shots.yaml: +    characters: [keeper, sailor]",
        "shots.yaml: -      - {ref: theme, volume: 0.6}",
        "shots.yaml: +      - {ref: theme, volume: 0.8}",
        "shots.yaml: -      - sailor",
        "shots.yaml: -    audio: [storm, foghorn]",
        "shots.yaml: +    audio: [storm, foghorn, theme]",
    ]
    assert plan_is_empty(any_url, hand, capsys)


def test_reordered_list_moves_only_the_moved_entry(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        shot1 = asset_id(connection, "shot", "01")
        for key, sequence in (("storm", 2), ("theme", 1)):
            connection.execute(
                sa.update(links)
                .where(
                    links.c.parent_asset_id == shot1,
                    links.c.child_asset_id == asset_id(connection, "audio", key),
                )
                .values(sequence=sequence)
            )
    export(any_url, hand, capsys)
    assert changed_lines(before, hand) == [  # the one moved entry keeps its own text
        "shots.yaml: +      - {ref: theme, volume: 0.6}",
        "shots.yaml: -      - {ref: theme, volume: 0.6}",
    ]
    assert (
        "- {ref: theme, volume: 0.6}\r\n      - storm          # bottom layer\r\n"
        in (hand / "shots.yaml").read_bytes().decode()
    )
    assert plan_is_empty(any_url, hand, capsys)


def test_take_reselected_touches_only_selected_lines(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    take_metadata(any_url, hand, "01", 1, selected=True)
    take_metadata(any_url, hand, "01", 2, selected=False)
    export(any_url, hand, capsys)
    assert changed_lines(before, hand) == [
        "shots.yaml: +        selected: true",
        "shots.yaml: -        selected: true   # director's pick",
        "shots.yaml: +        # director's pick",  # the comment stays, on a line of its own
    ]
    assert plan_is_empty(any_url, hand, capsys)


def run_service(url: str, work) -> Any:
    async def go() -> Any:
        engine = create_async_engine(async_url(url))
        try:
            async with async_sessionmaker(engine)() as session:
                return await work(AssetService(session))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_new_take_with_video_and_new_asset_from_the_asset_service(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).connect() as connection:
        shot2 = asset_id(connection, "shot", "02")

    async def work(service: AssetService) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
        take = await service.create_shot_take(
            shot2, 1, generation_params={"provider": "runway"}, generation_cost=0.25
        )
        video = await service.link_take_video(take, "https://cdn.example.com/02-1.mp4", duration=4.0)
        character = await service.create_character(WS, 'Ghost #1: "the drowned"')
        return take, video, character

    take, video, character = run_service(any_url, work)
    out = export(any_url, hand, capsys)
    assert "wrote" in out and ".new.yaml" not in out
    assert changed_lines(before, hand) == [
        "cast.yaml: +  ghost-1-the-drowned:",
        f"cast.yaml: +    id: {yamlio.scalar(str(character))}",
        'cast.yaml: +    name: "Ghost #1: \\"the drowned\\""',
        "shots.yaml: +    takes:",
        f"shots.yaml: +      - id: {yamlio.scalar(str(take))}",
        "shots.yaml: +        attempt: 1",
        "shots.yaml: +        generation:",
        "shots.yaml: +          provider: runway",
        "shots.yaml: +        cost: 0.25",
        "shots.yaml: +        video:",
        f"shots.yaml: +          id: {yamlio.scalar(str(video))}",
        "shots.yaml: +          url: https://cdn.example.com/02-1.mp4",
        "shots.yaml: +          duration: 4.0",
    ]
    assert 'sailor.png"}\n  ghost-1-the-drowned:\n' in (hand / "cast.yaml").read_text()
    assert plan_is_empty(any_url, hand, capsys)


def test_deleted_row_is_kept_then_removed_with_prune(any_url: str, hand: Path, capsys) -> None:
    before = synced(any_url, hand, capsys)
    with engine(any_url, hand).begin() as connection:
        foghorn = asset_id(connection, "audio", "foghorn")
        connection.execute(sa.delete(links).where(links.c.child_asset_id == foghorn))
        connection.execute(sa.delete(assets).where(assets.c.id == foghorn))
    out = export(any_url, hand, capsys)
    assert (
        "cast.yaml: 1 entries are not in the database; kept (export --prune removes them): audio.foghorn"
        in out
    )
    assert changed_lines(before, hand) == [
        "shots.yaml: -    audio: [storm, foghorn]",
        "shots.yaml: +    audio: [storm]",
    ]
    out = export(any_url, hand, capsys, "--prune")
    assert "cast.yaml: 1 entries are not in the database; removed: audio.foghorn" in out
    assert changed_lines(before, hand) == [
        "cast.yaml: -  # a single blast, far away",
        "cast.yaml: -  foghorn:",
        "cast.yaml: -    name: Foghorn",
        "cast.yaml: -    url: https://cdn.example.com/foghorn.wav",
        "cast.yaml: -    kind: fx",
        "shots.yaml: -    audio: [storm, foghorn]",
        "shots.yaml: +    audio: [storm]",
    ]
    assert plan_is_empty(any_url, hand, capsys)


def test_a_file_moved_to_another_workspace_gets_no_old_rows(sqlite_url: str, hand: Path, capsys) -> None:
    before = synced(sqlite_url, hand, capsys)
    text = (hand / "cast.yaml").read_text().replace("workspace: lighthouse ", "workspace: harbour   ")
    (hand / "cast.yaml").write_text(text)
    out = export(sqlite_url, hand, capsys, "--workspace", WS)
    assert (
        "cast.yaml: 5 row(s) of workspace lighthouse came from this file, which now belongs to another workspace; not written back"
        in out
    )
    assert (hand / "cast.yaml").read_text() == text
    assert (hand / "shots.yaml").read_bytes() == before["shots.yaml"]


def test_a_file_that_does_not_parse_gets_no_rows_written_elsewhere(
    sqlite_url: str, hand: Path, capsys
) -> None:
    synced(sqlite_url, hand, capsys)
    broken = (hand / "cast.yaml").read_text() + "  oops: [unclosed\n"
    (hand / "cast.yaml").write_text(broken)
    before = snapshot(hand)
    code, out = cli(capsys, "export", "--database-url", sqlite_url, "--out", str(hand))
    assert (
        code == 1
        and "cast.yaml: cannot be read (run shotkit validate); its 5 row(s) of workspace lighthouse were not exported"
        in out
    )
    assert snapshot(hand) == before and not (hand / "lighthouse.new.yaml").exists()


def test_a_second_export_before_sync_keeps_runtime_rows_once(any_url: str, hand: Path, capsys) -> None:
    """A runtime row export wrote (with its `id:`) is that row at the next export, even before a
    sync records its key: no copy under another key, same id twice (the manifest invalid)."""
    synced(any_url, hand, capsys)
    with engine(any_url, hand).connect() as connection:
        shot2 = asset_id(connection, "shot", "02")

    async def work(service: AssetService) -> None:
        character = await service.create_character(WS, "Sidekick")
        await service.link_shot_assets(shot2, characters=[character])

    run_service(any_url, work)
    export(any_url, hand, capsys)
    once = snapshot(hand)
    out = export(any_url, hand, capsys)
    assert "not in the database" not in out and "0 file(s) changed" in out
    assert changed_lines(once, hand) == []
    code, out = cli(capsys, "export", "--database-url", any_url, "--out", str(hand), "--check")
    assert code == 0, out
    assert plan_is_empty(any_url, hand, capsys)


def test_check_against_a_database_without_the_manifests_workspace_says_so(
    sqlite_url: str, hand: Path, capsys
) -> None:
    """A drift job pointed at the wrong (or a fresh, empty) database must not report that the
    manifests match it: the manifests' workspaces it has no rows for are named in a warning."""
    upgraded(sqlite_url, hand.parent)  # an empty database: nothing synced
    before = snapshot(hand)
    _code, out = cli(capsys, "export", "--database-url", sqlite_url, "--out", str(hand), "--check")
    assert f"warning: no rows for workspace(s) {WS}" in out, out
    assert "match the database" not in out
    out = export(sqlite_url, hand, capsys)
    assert f"warning: no rows for workspace(s) {WS}" in out, out
    assert snapshot(hand) == before
