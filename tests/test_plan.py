"""The diff engine on its own: a declared production against an in-memory `State` gives exactly
these operations. No database and no files (the manifests are documents built in memory), so
each test runs in milliseconds; tests/test_sync.py runs the same engine through the CLI on real
PostgreSQL and SQLite. Like Alembic's tests/test_autogen_diffs.py: current, desired, the diff."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from shotkit import invariants, model, planfile, yamlio
from shotkit import plan as plan_
from shotkit.documents import Document
from shotkit.errors import PruneRefused, ShotkitError
from shotkit.operations import (
    AddLink,
    Bookkeeping,
    CreateAsset,
    DeleteAsset,
    FieldChange,
    RemoveLink,
    RowLabel,
    UpdateAsset,
    UpdateLink,
    asset_operation,
    link_operation,
)
from shotkit.plan import Plan, WorkspacePlan
from shotkit.project import Project
from shotkit.state import State

from .conftest import ROOT
from .strategies import production as productions

OWNER = "studio-repo"
FINGERPRINT = "sha256:" + "0" * 64


def build(data: dict[str, Any], owner: str = OWNER, file: str = "scene.yaml") -> model.Production:
    """The production model of one manifest, from memory (positions only matter for problems)."""
    document = Document(Path("/project") / file, file, yamlio.dump(data), data)
    production, problems = model.build([document], Project(root=Path("/project"), owner=owner), {})
    assert problems == []
    return production


def manifest(**sections: Any) -> dict[str, Any]:
    return {"shotkit": 1, "workspace": "w", **sections}


def compute(data: dict[str, Any], state: State | None = None, prune: bool = False) -> WorkspacePlan:
    production = build(data)
    state = state if state is not None else State("w", fingerprint=FINGERPRINT)
    plan = plan_.compute(production, {"w": state}, prune)
    invariants.verify(plan, {"w": state}, OWNER)  # every computed plan keeps the rules
    return plan.workspaces[0]


def applied(state: State, plan: WorkspacePlan) -> State:
    """What apply.execute leaves in the database, in memory: rows as `state.read` returns them."""
    after = State(state.workspace, copy.deepcopy(state.assets), copy.deepcopy(state.links), FINGERPRINT)
    for link in plan.links:
        if isinstance(link, RemoveLink):
            after.links = {k: v for k, v in after.links.items() if v["id"] != link.id}
    for change in plan.changes:
        if isinstance(change, DeleteAsset):
            del after.assets[change.id]
        elif isinstance(change, CreateAsset):
            after.assets[change.id] = {**copy.deepcopy(change.row), "created_at": None}
        else:
            after.assets[change.id].update(copy.deepcopy(change.row))
    for entry in plan.bookkeeping:
        after.assets[entry.id].update(manifest_key=entry.manifest_key, source=entry.source)
    for link in plan.links:
        if isinstance(link, (AddLink, UpdateLink)):
            row = copy.deepcopy(link.row)
            after.links[(row["parent_asset_id"], row["child_asset_id"], row["relationship_type"])] = row
    return after


def synced(data: dict[str, Any]) -> State:
    return applied(State("w", fingerprint=FINGERPRINT), compute(data))


def aid(asset_type: str, key: str) -> str:
    return model.derived_id("w", asset_type, key)


def row(asset_type: str, key: str, name: str, metadata: dict[str, Any], order: int) -> dict[str, Any]:
    return {
        "id": aid(asset_type, key),
        "workspace_id": "w",
        "type": asset_type,
        "name": name,
        "url": None,
        "duration": None,
        "asset_metadata": metadata,
        "manifest_key": key,
        "source": {"file": "scene.yaml", "order": order},
        "owner": OWNER,
    }


def link_row(
    kind: str, parent: str, child: str, sequence: int | None, metadata: dict[str, Any]
) -> dict[str, Any]:
    return {
        "workspace_id": "w",
        "parent_asset_id": parent,
        "child_asset_id": child,
        "relationship_type": kind,
        "sequence": sequence,
        "relationship_metadata": metadata,
        "id": plan_.link_id(parent, child, kind),
        "owner": OWNER,
    }


HERO = {"hero": {"name": "Hero", "description": "Leader"}}
AUDIO = {"music": {"name": "Music", "kind": "music"}, "rain": {"name": "Rain", "kind": "ambient"}}
SHOT = {"name": "One", "characters": ["hero"], "audio": ["music", {"ref": "rain", "volume": 0.4}]}
BASE = manifest(characters=HERO, audio=AUDIO, shots={"01": SHOT})
SHOT_ID, HERO_ID, MUSIC_ID, RAIN_ID = (
    aid("shot", "01"),
    aid("character_ref", "hero"),
    aid("audio", "music"),
    aid("audio", "rain"),
)


def test_create_of_an_asset() -> None:
    plan = compute(manifest(characters=HERO))
    assert plan.changes == [
        CreateAsset(
            HERO_ID,
            "character_ref",
            "hero",
            "Hero",
            None,
            row("character_ref", "hero", "Hero", {"description": "Leader"}, 1),
        )
    ]
    assert plan.links == [] and plan.bookkeeping == [] and plan.unmanaged == [] and plan.pending_prune == []
    assert plan.summary()["create"] == 1 and plan.has_changes


def test_create_of_a_shot_with_its_links_in_sequence() -> None:
    plan = compute(BASE)
    assert [(type(c), c.type, c.key, c.shot) for c in plan.changes] == [
        (CreateAsset, "character_ref", "hero", None),
        (CreateAsset, "audio", "music", None),
        (CreateAsset, "audio", "rain", None),
        (CreateAsset, "shot", "01", "01"),
    ]
    assert plan.links == [
        AddLink(
            "uses_character",
            ("shot", "01"),
            ("character_ref", "hero"),
            "01",
            1,
            {},
            link_row("uses_character", SHOT_ID, HERO_ID, 1, {}),
        ),
        AddLink(
            "uses_audio",
            ("shot", "01"),
            ("audio", "music"),
            "01",
            1,
            {},
            link_row("uses_audio", SHOT_ID, MUSIC_ID, 1, {}),
        ),
        AddLink(
            "uses_audio",
            ("shot", "01"),
            ("audio", "rain"),
            "01",
            2,
            {"volume": 0.4},
            link_row("uses_audio", SHOT_ID, RAIN_ID, 2, {"volume": 0.4}),
        ),
    ]


def test_no_op_plan() -> None:
    plan = compute(BASE, synced(BASE))
    assert plan == WorkspacePlan("w", FINGERPRINT)
    assert not plan.has_changes and set(plan.summary().values()) == {0}


def test_update_lists_exactly_the_changed_fields() -> None:
    characters = {
        "hero": {
            "name": "Heroine",
            "description": "Leader",
            "metadata": {"age": 30, "look": {"hair": "red", "eyes": "green"}},
        }
    }
    before = synced(manifest(characters=characters))
    characters["hero"].update(
        description="Former leader", metadata={"age": 30.0, "look": {"hair": "grey"}, "scar": True}
    )
    characters["hero"]["name"] = "Hero"
    plan = compute(manifest(characters=characters), before)
    [change] = plan.changes
    assert isinstance(change, UpdateAsset) and (change.id, change.key, change.name) == (
        HERO_ID,
        "hero",
        "Hero",
    )
    assert change.fields == (
        FieldChange("name", "Heroine", "Hero"),
        FieldChange("asset_metadata.age", 30, 30.0),  # 30 and 30.0 differ in JSON
        FieldChange("asset_metadata.description", "Leader", "Former leader"),
        FieldChange("asset_metadata.look.eyes", old="green", removed=True),
        FieldChange("asset_metadata.look.hair", "red", "grey"),
        FieldChange("asset_metadata.scar", new=True, added=True),
    )
    assert change.row["asset_metadata"] == {
        "age": 30.0,
        "look": {"hair": "grey"},
        "scar": True,
        "description": "Former leader",
    }
    assert change.row["owner"] == OWNER
    assert plan.summary()["update"] == 1


def test_link_add_update_and_remove() -> None:
    before = synced(BASE)
    shot = {"name": "One", "characters": [], "audio": [{"ref": "rain", "volume": 0.5}, "music"]}
    villain = {"villain": {"name": "Villain"}}
    plan = compute(
        manifest(
            characters={**HERO, **villain}, audio=AUDIO, shots={"01": {**shot, "characters": ["villain"]}}
        ),
        before,
    )
    villain_id = aid("character_ref", "villain")
    assert [type(c) for c in plan.changes] == [CreateAsset]
    assert plan.links == [
        AddLink(
            "uses_character",
            ("shot", "01"),
            ("character_ref", "villain"),
            "01",
            1,
            {},
            link_row("uses_character", SHOT_ID, villain_id, 1, {}),
        ),
        UpdateLink(
            "uses_audio",
            ("shot", "01"),
            ("audio", "rain"),
            "01",
            (
                FieldChange("sequence", 2, 1),
                FieldChange("relationship_metadata", {"volume": 0.4}, {"volume": 0.5}),
            ),
            link_row("uses_audio", SHOT_ID, RAIN_ID, 1, {"volume": 0.5}),
        ),
        UpdateLink(
            "uses_audio",
            ("shot", "01"),
            ("audio", "music"),
            "01",
            (FieldChange("sequence", 1, 2),),
            link_row("uses_audio", SHOT_ID, MUSIC_ID, 2, {}),
        ),
        RemoveLink(
            "uses_character",
            ("shot", "01"),
            ("character_ref", "hero"),
            "01",
            plan_.link_id(SHOT_ID, HERO_ID, "uses_character"),
        ),
    ]
    summary = plan.summary()
    assert (summary["link_add"], summary["link_update"], summary["link_remove"]) == (1, 2, 1)
    assert plan.pending_prune == []  # hero is still declared


def test_a_row_that_left_the_manifests_is_pending_then_deleted_with_its_links() -> None:
    before = synced(BASE)
    data = manifest(audio=AUDIO, shots={"01": {**SHOT, "characters": []}})
    hero = ("character_ref", "hero", "Hero", None)
    link = RemoveLink(
        "uses_character",
        ("shot", "01"),
        ("character_ref", "hero"),
        "01",
        plan_.link_id(SHOT_ID, HERO_ID, "uses_character"),
    )
    kept = compute(data, before)
    assert kept.changes == [] and kept.links == [link]
    assert kept.pending_prune == [RowLabel(HERO_ID, *hero)]
    pruned = compute(data, before, prune=True)
    assert pruned.changes == [DeleteAsset(HERO_ID, *hero)] and pruned.links == [link]
    assert pruned.pending_prune == [] and pruned.summary()["delete"] == 1


def test_a_deleted_row_takes_every_link_it_has_and_lists_it() -> None:
    before = synced(BASE)
    pruned = compute(manifest(characters=HERO, audio=AUDIO), before, prune=True)
    assert [(type(c), c.key) for c in pruned.changes] == [(DeleteAsset, "01")]
    assert sorted(link.child[1] for link in pruned.links if isinstance(link, RemoveLink)) == [
        "hero",
        "music",
        "rain",
    ]


def unmanaged_state() -> State:
    """The synced base, plus rows and a link the AssetService made (no owner label)."""
    state = synced(BASE)
    runtime = "12345678-1234-5678-1234-567812345678"
    state.assets[runtime] = {
        **row("shot_take", "x", "Runtime take", {}, 0),
        "id": runtime,
        "manifest_key": None,
        "owner": None,
        "source": None,
    }
    state.links[(SHOT_ID, runtime, "generation_attempt")] = {
        **link_row("generation_attempt", SHOT_ID, runtime, 7, {}),
        "owner": None,
    }
    return state


def test_rows_and_links_made_elsewhere_are_reported_and_kept() -> None:
    plan = compute(BASE, unmanaged_state(), prune=True)
    assert plan.changes == [] and plan.links == []
    runtime = "12345678-1234-5678-1234-567812345678"
    assert plan.unmanaged == [
        RowLabel(runtime, "shot_take", None, "Runtime take", None),
        RowLabel(
            plan_.link_id(SHOT_ID, runtime, "generation_attempt"),
            "link:generation_attempt",
            None,
            "01 -> Runtime take",
            "01",
        ),
    ]
    assert plan.summary()["unmanaged"] == 2 and not plan.has_changes


def test_a_prune_may_not_take_a_link_made_elsewhere() -> None:
    with pytest.raises(
        PruneRefused,
        match=r"would also delete 1 link\(s\) made outside this project: generation_attempt shot '01'",
    ):
        compute(manifest(characters=HERO, audio=AUDIO), unmanaged_state(), prune=True)


def test_bookkeeping_only_is_no_change() -> None:
    before = synced(BASE)
    production = build(BASE, file="moved.yaml")
    plan = plan_.compute(production, {"w": before}, False).workspaces[0]
    assert plan.changes == [] and plan.links == [] and not plan.has_changes
    assert plan.bookkeeping[0] == Bookkeeping(HERO_ID, "hero", {"file": "moved.yaml", "order": 1})
    assert len(plan.bookkeeping) == 4 and set(plan.summary().values()) == {0}


def test_a_key_taken_over_by_an_adopted_id_is_freed() -> None:
    before = synced(manifest(characters=HERO))
    adopted = "aaaaaaaa-0000-4000-8000-000000000001"
    plan = compute(manifest(characters={"hero": {**HERO["hero"], "id": adopted}}), before)
    assert [type(c) for c in plan.changes] == [CreateAsset] and plan.changes[0].id == adopted
    assert plan.pending_prune == [RowLabel(HERO_ID, "character_ref", "hero", "Hero", None)]
    assert plan.bookkeeping == [Bookkeeping(HERO_ID, None, {"file": "scene.yaml", "order": 1})]


def test_ownership() -> None:
    before = synced(manifest(characters=HERO))
    before.assets[HERO_ID]["owner"] = None  # adopted from the AssetService: updated, owner kept
    characters = {"hero": {"name": "Hero", "description": "Lead"}}
    [change] = compute(manifest(characters=characters), before).changes
    assert isinstance(change, UpdateAsset) and change.row["owner"] is None
    before.assets[HERO_ID]["owner"] = "another-repo"
    with pytest.raises(
        ShotkitError,
        match=r"character_ref 'hero' \(id [0-9a-f-]+\) is owned by 'another-repo', not by this project \('studio-repo'\)",
    ):
        compute(manifest(characters=characters), before)
    before.assets[HERO_ID]["owner"] = OWNER
    before.assets[HERO_ID]["type"] = "audio"
    with pytest.raises(ShotkitError, match="but that row is a audio"):
        compute(manifest(characters=characters), before)


def test_an_adopted_id_of_another_workspace_is_a_conflict() -> None:
    adopted = "aaaaaaaa-0000-4000-8000-000000000001"
    state = State("w", fingerprint=FINGERPRINT, elsewhere={adopted: "other"})
    with pytest.raises(ShotkitError, match="belongs to workspace 'other'"):
        compute(manifest(characters={"hero": {"name": "Hero", "id": adopted}}), state)


def test_a_workspace_the_manifests_drop_is_not_pruned_whole() -> None:
    state = synced(BASE)
    production = build(manifest(characters=HERO) | {"workspace": "elsewhere"})
    with pytest.raises(PruneRefused, match="the manifests declare nothing for it"):
        plan_.compute(
            production, {"w": state, "elsewhere": State("elsewhere", fingerprint=FINGERPRINT)}, True
        )


# --- the JSON form ---------------------------------------------------------------------------

EVERY_KIND = [
    CreateAsset(HERO_ID, "character_ref", "hero", "Hero", None, row("character_ref", "hero", "Hero", {}, 1)),
    UpdateAsset(
        SHOT_ID,
        "shot",
        "01",
        "One",
        "01",
        (
            FieldChange("name", "1", "One"),
            FieldChange("asset_metadata.a", new=1, added=True),
            FieldChange("asset_metadata.b", old=[2], removed=True),
        ),
        row("shot", "01", "One", {"a": 1}, 2),
    ),
    DeleteAsset(RAIN_ID, "audio", "rain", "Rain", None),
    AddLink(
        "uses_audio",
        ("shot", "01"),
        ("audio", "music"),
        "01",
        3,
        {"volume": 0.5},
        link_row("uses_audio", SHOT_ID, MUSIC_ID, 3, {"volume": 0.5}),
    ),
    UpdateLink(
        "uses_audio",
        ("shot", "01"),
        ("audio", "music"),
        "01",
        (FieldChange("sequence", 1, 3),),
        link_row("uses_audio", SHOT_ID, MUSIC_ID, 3, {}),
    ),
    RemoveLink(
        "uses_character",
        ("shot", "01"),
        ("character_ref", "hero"),
        "01",
        plan_.link_id(SHOT_ID, HERO_ID, "uses_character"),
    ),
    Bookkeeping(MUSIC_ID, "music", {"file": "audio.yaml", "order": 1}),
    RowLabel(MUSIC_ID, "audio", None, "Music", None),
]


@pytest.mark.parametrize("operation", EVERY_KIND, ids=lambda op: type(op).__name__)
def test_every_operation_survives_its_json_form(operation: Any) -> None:
    document = json.loads(json.dumps(operation.to_json()))  # tuples become lists, as on disk
    if isinstance(operation, (CreateAsset, UpdateAsset, DeleteAsset)):
        assert document["action"] == operation.action and asset_operation(document) == operation
    elif isinstance(operation, (AddLink, UpdateLink, RemoveLink)):
        assert document["action"] == operation.action and link_operation(document) == operation
    else:
        assert type(operation).from_json(document) == operation


def every_kind_plan() -> Plan:
    changes = [op for op in EVERY_KIND if isinstance(op, (CreateAsset, UpdateAsset, DeleteAsset))]
    links = [op for op in EVERY_KIND if isinstance(op, (AddLink, UpdateLink, RemoveLink))]
    label = EVERY_KIND[-1]
    workspace = WorkspacePlan("w", FINGERPRINT, changes, links, [EVERY_KIND[-2]], [label], [label])  # type: ignore[arg-type]
    return Plan(OWNER, True, [workspace])


def test_a_plan_survives_the_plan_file(tmp_path: Path) -> None:
    plan = every_kind_plan()
    path = tmp_path / "plan.json"
    plan_.save(plan, path)
    assert plan_.load(path) == plan
    document = json.loads(path.read_text())
    assert document["summary"] == {
        "create": 1,
        "update": 1,
        "delete": 1,
        "link_add": 1,
        "link_remove": 1,
        "link_update": 1,
        "unmanaged": 1,
        "pending_prune": 1,
    }
    assert [c["action"] for c in document["workspaces"][0]["changes"]] == ["create", "update", "delete"]
    assert [c["action"] for c in document["workspaces"][0]["links"]] == ["add", "update", "remove"]


@pytest.mark.parametrize("version", [0, 2, "1", None])
def test_a_plan_of_another_format_version_is_refused(tmp_path: Path, version: Any) -> None:
    document = every_kind_plan().to_json()
    document["format_version"] = version
    path = tmp_path / "old-plan.json"
    path.write_text(planfile.dumps(document))
    with pytest.raises(ShotkitError) as refused:
        plan_.load(path)
    assert str(refused.value) == f"{path} has plan format {version!r}; this shotkit reads format 1"


def test_a_delete_that_writes_another_row_than_it_shows_is_refused(tmp_path: Path) -> None:
    document = every_kind_plan().to_json()
    document["workspaces"][0]["changes"][2]["row"]["id"] = HERO_ID
    path = tmp_path / "plan.json"
    path.write_text(planfile.dumps(document))
    with pytest.raises(
        ShotkitError,
        match=f"workspaces/0/changes/2/row/id: deletes row {HERO_ID}, but the plan shows row {RAIN_ID}",
    ):
        plan_.load(path)


def documented() -> list[Any]:
    """The JSON examples of docs/plan-format.md, in order: the document, then one per kind."""
    text = (ROOT / "docs" / "plan-format.md").read_text(encoding="utf-8")
    return [json.loads(block) for block in re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)]


def test_the_documented_plan_is_a_plan() -> None:
    document = documented()[0]
    document["digest"] = planfile.digest(document)
    planfile.check(document, "docs/plan-format.md")
    assert {**Plan.from_json(document).to_json(), "digest": document["digest"]} == document


def test_each_documented_operation_reads_back_as_itself() -> None:
    examples = documented()[1:]
    kinds = []
    for example in examples:
        if "action" in example:
            read = link_operation(example) if "parent" in example else asset_operation(example)
        else:
            read = Bookkeeping.from_json(example) if "source" in example else RowLabel.from_json(example)
        assert read.to_json() == example
        kinds.append(type(read))
    assert kinds == [
        CreateAsset,
        UpdateAsset,
        DeleteAsset,
        AddLink,
        UpdateLink,
        RemoveLink,
        Bookkeeping,
        RowLabel,
    ]


# --- every generated production ----------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=productions())
def test_applying_a_plan_leaves_nothing_to_do(data: dict[str, Any]) -> None:
    """diff(model, apply(diff(model, empty))) is empty, for any production; and the JSON form of
    each computed plan reads back as the same plan."""
    empty = State("w", fingerprint=FINGERPRINT)
    plan = compute(data, empty)
    assert len(plan.changes) == len(build(data).workspaces["w"].assets)
    again = compute(data, applied(empty, plan))
    assert again == WorkspacePlan("w", FINGERPRINT)
    whole = Plan(OWNER, False, [plan])
    assert Plan.from_json(json.loads(json.dumps(whole.to_json()))) == whole


def test_a_plan_without_a_format_version_says_so(tmp_path: Path) -> None:
    document = every_kind_plan().to_json()
    del document["format_version"]
    path = tmp_path / "plan.json"
    path.write_text(planfile.dumps(document))
    with pytest.raises(ShotkitError) as refused:
        plan_.load(path)
    assert str(refused.value) == f"{path} has no format_version; this shotkit reads plan format 1"
