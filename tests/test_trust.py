"""Saved plans are checked, not trusted; a prune takes nothing it does not list (issue 10)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shotkit import AssetService, planfile
from shotkit.model import derived_id

from .conftest import WS, async_url, cli, counts, execute, plan_json, upgraded
from .test_service import run_walkthrough

SHOT = derived_id(WS, "shot", "03A")


def saved_plan(capsys, project: Path, url: str, tmp_path: Path, *extra: str) -> tuple[Path, dict]:
    path = tmp_path / "plan.json"
    code, _, err = cli(capsys, "plan", str(project), "--database-url", url, "-o", str(path), *extra)
    assert code == 0, err
    return path, json.loads(path.read_text())


def forge(path: Path, document: dict, redigest: bool = True) -> None:
    """What a hostile edit does: change the plan, and recompute the (keyless) digest."""
    if redigest:
        document["digest"] = planfile.digest(document)
    path.write_text(json.dumps(document))


def label(row_id: str, asset_type: str, key: str | None, name: str) -> dict:
    return {"id": row_id, "type": asset_type, "key": key, "name": name, "shot": None}


def apply_saved(capsys, path: Path, project: Path, url: str) -> tuple[int, str]:
    code, _, err = cli(capsys, "sync", "--plan", str(path), str(project), "--database-url", url)
    return code, err


def test_forged_delete_of_an_asset_service_row_is_refused(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    ids, _ = run_walkthrough(any_url)
    before = counts(any_url, tmp_path)
    path, document = saved_plan(capsys, project, any_url, tmp_path, "--prune")
    hero = str(ids["hero"])
    document["workspaces"][0]["changes"].append(
        {"action": "delete", **label(hero, "character_ref", None, "Hero"), "row": {"id": hero}}
    )
    forge(path, document, redigest=False)
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "was changed after `shotkit plan` wrote it" in err
    forge(path, document)
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "refusing the plan" in err and "which this project does not own" in err, err
    assert counts(any_url, tmp_path) == before


def test_forged_delete_of_another_workspaces_row_is_refused(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    other = str(uuid.uuid4())
    execute(
        any_url,
        tmp_path,
        "INSERT INTO assets (id, workspace_id, type, name, asset_metadata, owner, manifest_key) "
        "VALUES (:id, 'other-ws', 'character_ref', 'Theirs', '{}', 'demo-repo', 'theirs')",
        id=other.replace("-", "") if "sqlite" in any_url else other,
    )
    path, document = saved_plan(capsys, project, any_url, tmp_path, "--prune")
    document["workspaces"][0]["changes"].append(
        {"action": "delete", **label(other, "character_ref", "theirs", "Theirs"), "row": {"id": other}}
    )
    forge(path, document)
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "which is not in this workspace" in err, err
    assert counts(any_url, tmp_path, "other-ws") == (1, 0)
    assert counts(any_url, tmp_path) == (0, 0)


def test_forged_owner_is_refused(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    path, document = saved_plan(capsys, project, any_url, tmp_path)
    document["workspaces"][0]["changes"][0]["row"]["owner"] = "someone-else"
    forge(path, document)
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "not 'demo-repo'" in err, err
    document["workspaces"][0]["changes"][0]["row"]["owner"] = "demo-repo"
    document["owner"] = "someone-else"
    for change in document["workspaces"][0]["changes"]:
        change["row"]["owner"] = "someone-else"
    forge(path, document)
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "this project's owner is 'demo-repo'" in err, err
    assert counts(any_url, tmp_path) == (0, 0)


def test_forged_row_behind_an_honest_label_is_refused(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    path, document = saved_plan(capsys, project, any_url, tmp_path)
    document["workspaces"][0]["changes"][0]["row"]["workspace_id"] = "other-ws"
    forge(path, document)
    code, err = apply_saved(capsys, path, project, any_url)
    assert code == 1 and "writes into workspace 'other-ws'" in err, err
    assert counts(any_url, tmp_path, "other-ws") == (0, 0)


@pytest.mark.parametrize(
    "damage, where",
    [
        (lambda d: d["workspaces"][0]["changes"][0].pop("type"), "workspaces/0/changes/0"),
        (lambda d: d["workspaces"][0]["changes"][0]["row"].update(id="not-a-uuid"), "workspaces/0/changes/0"),
        (lambda d: d["workspaces"][0]["links"][0]["row"].update(sequence=2**40), "workspaces/0/links/0"),
        (lambda d: d.update(workspaces="all"), "workspaces"),
        (lambda d: d["workspaces"][0].update(changes=[["create"]]), "workspaces/0/changes/0"),
    ],
)
def test_a_malformed_plan_is_a_located_error_before_any_write(
    sqlite_url: str, project: Path, tmp_path: Path, capsys, damage, where: str
) -> None:
    upgraded(sqlite_url, tmp_path)
    path, document = saved_plan(capsys, project, sqlite_url, tmp_path)
    damage(document)
    forge(path, document)
    code, err = apply_saved(capsys, path, project, sqlite_url)
    assert code == 1 and f"{path}: {where}" in err and "damaged" in err, err
    assert len(err.strip().splitlines()) == 1
    assert counts(sqlite_url, tmp_path) == (0, 0)


def test_an_honest_saved_plan_still_applies(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    path, _ = saved_plan(capsys, project, any_url, tmp_path)
    assert apply_saved(capsys, path, project, any_url)[0] == 0
    assert counts(any_url, tmp_path) == (13, 12)


def add_runtime_take(url: str) -> str:
    async def go() -> str:
        engine = create_async_engine(async_url(url))
        try:
            async with async_sessionmaker(engine)() as session:
                return str(await AssetService(session).create_shot_take(uuid.UUID(SHOT), 3, selected=True))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_prune_refuses_to_take_a_runtime_take_with_its_shot(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    take = add_runtime_take(any_url)
    text = (project / "scene-03.yaml").read_text()
    (project / "scene-03.yaml").write_text(text.split("shots:")[0])
    (project / "keep.yaml").write_text("shotkit: 1\ncharacters: {extra: {name: Extra}}\n")
    before = counts(any_url, tmp_path)
    code, _, err = cli(capsys, "sync", str(project), "--database-url", any_url, "--prune")
    assert (
        code == 1 and "made outside this project: generation_attempt shot '03A' -> shot_take 'Take 3'" in err
    ), err
    assert counts(any_url, tmp_path) == before
    engine = upgraded(any_url, tmp_path).engine
    with engine.connect() as connection:
        parents = connection.execute(
            sa.text("SELECT count(*) FROM asset_relationships WHERE child_asset_id = :t"),
            {"t": take.replace("-", "") if "sqlite" in any_url else take},
        ).scalar()
    engine.dispose()
    assert parents == 1


def test_prune_lists_every_link_it_removes(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    (project / "extra.yaml").write_text("shotkit: 1\ncharacters: {sidekick: {name: Sidekick}}\n")
    scene = project / "scene-03.yaml"
    text = scene.read_text()
    scene.write_text(text.replace("characters: [hero, villain]", "characters: [hero, villain, sidekick]"))
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    assert counts(any_url, tmp_path) == (14, 13)
    (project / "extra.yaml").unlink()
    scene.write_text(text)
    plan = plan_json(capsys, project, any_url, "--prune")
    assert (plan["summary"]["delete"], plan["summary"]["link_remove"]) == (1, 1)
    code, out, _ = cli(capsys, "sync", str(project), "--database-url", any_url, "--prune")
    assert code == 0 and '- link uses_character: shot "03A" -> character_ref "sidekick"' in out, out
    assert counts(any_url, tmp_path) == (13, 12)


NUMBERS = "{big: 1.0e16, neg: -0.0, huge: 1.5e300, tiny: 1.0e-300, near: 9007199254740993.0, int: 9223372036854775807, list: [2.0e20, -0.0, 0.1]}"


def test_float_metadata_round_trips_exactly(any_url: str, tmp_path: Path, capsys) -> None:
    """jsonb read 1e16 back as an integer: every plan showed the same update forever."""
    upgraded(any_url, tmp_path)
    project = tmp_path / "numbers"
    project.mkdir()
    (project / "a.yaml").write_text(
        f"shotkit: 1\nworkspace: ws-num\ncharacters:\n  hero:\n    name: Hero\n    metadata: {NUMBERS}\n"
    )
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out
    # The history keeps the plan as the text serialised once (cast to jsonb on PostgreSQL).
    out = cli(capsys, "history", "--database-url", any_url, "--format", "json", "--with-plan")[1]
    run = json.loads(out)["runs"][-1]
    (created,) = run["plan"]["workspaces"][0]["changes"]
    recorded = created["row"]["asset_metadata"]
    assert recorded["big"] == 1e16 and isinstance(recorded["big"], float) and recorded["list"][0] == 2e20
    assert run["plan_fingerprint"].startswith("sha256:") and run["summary"]["create"] == 1
    assert cli(capsys, "export", "--database-url", any_url, "--out", str(project))[0] == 0
    from shotkit import yamlio

    metadata = yamlio.parse((project / "a.yaml").read_text())["characters"]["hero"][
        "metadata"
    ]  # YAML 1.2, as shotkit reads
    assert metadata == {
        "big": 1e16,
        "neg": 0.0,
        "huge": 1.5e300,
        "tiny": 1e-300,
        "near": 9007199254740992.0,
        "int": 2**63 - 1,
        "list": [2e20, 0.0, 0.1],
    }
    assert [type(metadata[k]) for k in ("big", "neg", "huge", "near", "int")] == [
        float,
        float,
        float,
        float,
        int,
    ]
    assert cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")[0] == 0


def test_a_link_made_during_a_prune_rolls_it_back(pg_url: str, project: Path, tmp_path: Path, capsys) -> None:
    """The AssetService takes no shotkit lock: a link it commits after the sync read the state
    would go by ON DELETE CASCADE, unlisted. Apply locks the rows and checks again."""
    upgraded(pg_url, tmp_path)
    (project / "extra.yaml").write_text("shotkit: 1\ncharacters: {sidekick: {name: Sidekick}}\n")
    assert cli(capsys, "sync", str(project), "--database-url", pg_url)[0] == 0
    (project / "extra.yaml").unlink()
    sidekick = derived_id(WS, "character_ref", "sidekick")
    before = counts(pg_url, tmp_path)
    fired: list[bool] = []

    def meanwhile(conn, cursor, statement, parameters, context, executemany) -> None:
        if not fired and "asset_metadata" in statement and "UNION ALL" in statement:
            fired.append(True)
            execute(
                pg_url,
                tmp_path,
                "INSERT INTO asset_relationships (id, workspace_id, parent_asset_id, child_asset_id, relationship_type, relationship_metadata) "
                "VALUES (:id, :w, :shot, :child, 'uses_character', '{}')",
                id=str(uuid.uuid4()),
                w=WS,
                shot=SHOT,
                child=sidekick,
            )

    sa.event.listen(sa.engine.Engine, "after_cursor_execute", meanwhile)
    try:
        code, _, err = cli(capsys, "sync", str(project), "--database-url", pg_url, "--prune")
    finally:
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", meanwhile)
    assert fired and code == 1 and "link(s) made since the plan was computed" in err, err
    assert counts(pg_url, tmp_path) == (before[0], before[1] + 1)  # the sidekick and the new link are kept
