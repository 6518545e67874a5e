"""Plan, sync and export on real PostgreSQL (and SQLite where it applies): the guarantees."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from shotkit import yamlio
from shotkit.apply import lock_key
from shotkit.db import transaction
from shotkit.model import derived_id

from .conftest import ROOT, WS, cli, counts, execute, plan_json, run_main, shotkit, shotkit_process, upgraded
from .strategies import production
from .test_service import check_seed_queries, run_walkthrough


def test_sync_is_idempotent(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    code, out, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0, err
    assert "Plan: 13 to create" in out
    assert counts(any_url, tmp_path) == (13, 12)
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out
    code, out, _ = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0 and "No changes." in out


def test_detailed_exitcode_is_2_when_there_are_changes(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    code, _, _ = cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 2


def test_seed_queries_on_a_synced_database(pg_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(pg_url, tmp_path)
    assert cli(capsys, "sync", str(project), "--database-url", pg_url)[0] == 0
    engine = upgraded(pg_url, tmp_path).engine
    with engine.connect() as connection:
        check_seed_queries(connection, derived_id(WS, "shot", "03A"))
        blocking = connection.execute(
            sa.text("SELECT asset_metadata->>'text' FROM assets WHERE manifest_key = 'blocking'")
        ).scalar()
    assert blocking == (project / "scripts" / "blocking.fountain").read_text()


def test_drift_is_planned_as_an_update_that_restores(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    cli(capsys, "sync", str(project), "--database-url", any_url)
    engine = upgraded(any_url, tmp_path).engine
    shot_id = uuid.UUID(derived_id(WS, "shot", "03A"))
    assets = sa.table(
        "assets", sa.column("id", sa.Uuid), sa.column("name"), sa.column("asset_metadata", sa.JSON)
    )
    with engine.begin() as connection:
        metadata = connection.execute(
            sa.select(assets.c.asset_metadata).where(assets.c.id == shot_id)
        ).scalar()
        connection.execute(
            sa.update(assets)
            .where(assets.c.id == shot_id)
            .values(
                name="Renamed in SQL",
                asset_metadata={**metadata, "camera_angle": "close-up", "mood": "tense"},
            )
        )
    plan = plan_json(capsys, project, any_url)
    [change] = plan["workspaces"][0]["changes"]
    assert change["action"] == "update" and change["key"] == "03A"
    fields = {f["field"]: f for f in change["fields"]}
    assert fields["name"]["old"] == "Renamed in SQL" and fields["name"]["new"] == "Scene 3 - Confrontation"
    assert fields["asset_metadata.camera_angle"] == {
        "field": "asset_metadata.camera_angle",
        "old": "close-up",
        "new": "medium two-shot",
    }
    assert fields["asset_metadata.mood"]["removed"] is True
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    assert plan_json(capsys, project, any_url)["has_changes"] is False


def test_link_reorder_and_metadata_changes(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    cli(capsys, "sync", str(project), "--database-url", any_url)
    manifest = project / "scene-03.yaml"
    text = manifest.read_text()
    text = text.replace(
        "      - tension-music\n      - ref: rain-fx\n        volume: 0.4\n",
        "      - ref: rain-fx\n        volume: 0.6\n      - tension-music\n",
    )
    text = text.replace("    characters: [hero, villain]\n", "    characters: [hero]\n")
    manifest.write_text(text)
    plan = plan_json(capsys, project, any_url)
    actions = sorted(
        (link["action"], link["type"], link["child"][1]) for link in plan["workspaces"][0]["links"]
    )
    assert actions == [
        ("remove", "uses_character", "villain"),
        ("update", "uses_audio", "rain-fx"),
        ("update", "uses_audio", "tension-music"),
    ]
    assert plan["workspaces"][0]["changes"] == []
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    engine = upgraded(any_url, tmp_path).engine
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT a.manifest_key, r.sequence, r.relationship_metadata FROM asset_relationships r JOIN assets a ON a.id = r.child_asset_id "
                "WHERE r.relationship_type = 'uses_audio' ORDER BY r.sequence"
            )
        ).all()
    assert [(r[0], r[1]) for r in rows] == [
        ("rain-fx", 1),
        ("tension-music", 2),
        ("hero-line", 3),
        ("villain-line", 4),
    ]
    assert (json.loads(rows[0][2]) if isinstance(rows[0][2], str) else rows[0][2]) == {"volume": 0.6}
    assert plan_json(capsys, project, any_url)["has_changes"] is False


def test_stale_saved_plan_is_refused_and_changes_nothing(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    saved = tmp_path / "plan.json"
    assert cli(capsys, "plan", str(project), "--database-url", any_url, "-o", str(saved))[0] == 0
    execute(
        any_url,
        tmp_path,
        "INSERT INTO assets (id, workspace_id, type, name, asset_metadata) VALUES (:id, :w, 'character_ref', 'Runtime', '{}')",
        id=uuid.uuid4().hex if "sqlite" in any_url else str(uuid.uuid4()),
        w=WS,
    )
    code, _, err = cli(capsys, "sync", "--plan", str(saved), str(project), "--database-url", any_url)
    assert code == 1 and "stale plan" in err
    assert counts(any_url, tmp_path) == (1, 0)


def test_saved_plan_is_applied_exactly(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    saved = tmp_path / "plan.json"
    assert cli(capsys, "plan", str(project), "--database-url", any_url, "-o", str(saved))[0] == 0
    (project / "extra.yaml").write_text("shotkit: 1\ncharacters: {sidekick: {name: Sidekick}}\n")
    code, _, err = cli(capsys, "sync", "--plan", str(saved), str(project), "--database-url", any_url)
    assert code == 0, err
    assert counts(any_url, tmp_path) == (13, 12)  # the sidekick was not in the reviewed plan


def test_export_then_plan_is_empty_and_brings_runtime_rows_back(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    run_walkthrough(any_url)  # the AssetService adds a second, unmanaged shot and its assets
    # the director switches the selection at runtime, directly in the database
    take1, take2 = (
        uuid.UUID(derived_id(WS, "shot_take", "03A#1")),
        uuid.UUID(derived_id(WS, "shot_take", "03A#2")),
    )
    engine = upgraded(any_url, tmp_path).engine
    assets = sa.table("assets", sa.column("id", sa.Uuid), sa.column("asset_metadata", sa.JSON))
    with engine.begin() as connection:
        for take, selected in ((take1, True), (take2, False)):
            metadata = connection.execute(
                sa.select(assets.c.asset_metadata).where(assets.c.id == take)
            ).scalar()
            connection.execute(
                sa.update(assets)
                .where(assets.c.id == take)
                .values(asset_metadata={**metadata, "selected": selected})
            )
    code, out, err = cli(capsys, "export", "--database-url", any_url, "--out", str(project))
    assert code == 0, err
    assert "workspace-123.new.yaml" not in out  # runtime rows go into the file holding their section
    new = (project / "scene-03.yaml").read_text()
    print(new)
    assert new.count("Scene 3 - Confrontation") == 2 and "id: " in new
    assert (
        "selected: true"
        in (project / "scene-03.yaml").read_text().split("attempt: 2")[0].split("attempt: 1")[1]
    )
    code, out, _ = cli(capsys, "validate", str(project))
    assert code == 0, out
    plan = plan_json(capsys, project, any_url)
    assert plan["has_changes"] is False, json.dumps(plan["workspaces"], indent=1)[:3000]
    assert plan["summary"]["unmanaged"] == 0
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    assert plan_json(capsys, project, any_url)["has_changes"] is False


@pytest.fixture
def hypothesis_db(any_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    upgraded(any_url, tmp_path_factory.mktemp("db"))
    return any_url


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=production(workspace="placeholder"))
def test_canonical_manifests_survive_sync_then_export_byte_for_byte(
    hypothesis_db: str, tmp_path_factory: pytest.TempPathFactory, data: dict
) -> None:
    workspace = f"ws-{uuid.uuid4().hex[:12]}"
    data["workspace"] = workspace
    source = tmp_path_factory.mktemp("source")
    text = yamlio.dump(data)
    (source / "production.yaml").write_text(text)
    assert run_main(["fmt", str(source)]) == 0
    canonical = (source / "production.yaml").read_text()
    assert run_main(["sync", str(source), "--database-url", hypothesis_db]) == 0
    out = tmp_path_factory.mktemp("export")
    assert (
        run_main(["export", "--database-url", hypothesis_db, "--workspace", workspace, "--out", str(out)])
        == 0
    )
    assert (out / "production.yaml").read_text() == canonical


def test_concurrent_syncs_all_succeed_with_one_state(pg_url: str, project: Path, tmp_path: Path) -> None:
    upgraded(pg_url, tmp_path)
    processes = [
        shotkit_process("sync", str(project), "--database-url", pg_url, "--format", "json") for _ in range(6)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    results = [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs)]
    assert [r[0] for r in results] == [0] * 6, [r[2] for r in results]
    applied = [json.loads(r[1])["applied"] for r in results]
    assert applied.count(True) == 1  # the others waited for the lock, then found nothing to do
    assert counts(pg_url, tmp_path) == (13, 12)


def test_lock_timeout_is_a_clear_error(pg_url: str, project: Path, tmp_path: Path, capsys) -> None:
    engine = upgraded(pg_url, tmp_path).engine
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(WS)})
        code, _, err = cli(capsys, "sync", str(project), "--database-url", pg_url, "--lock-timeout", "0.5")
    assert code == 1 and "held its lock for more than 0.5s" in err
    assert counts(pg_url, tmp_path) == (0, 0)


def big_production(directory: Path, shots: int) -> None:
    directory.mkdir()
    (directory / "shotkit.yaml").write_text(f"workspace: {WS}\n")
    lines = ["shotkit: 1", "characters:", "  hero: {name: Hero}", "shots:"]
    for n in range(shots):
        lines.append(
            f"  s{n}: {{name: Shot {n}, characters: [hero], takes: [{{attempt: 1, selected: true, video: {{url: 'https://x/{n}.mp4'}}}}]}}"
        )
    (directory / "big.yaml").write_text("\n".join(lines) + "\n")


def test_sigkill_mid_sync_leaves_the_database_as_before(pg_url: str, tmp_path: Path) -> None:
    database = upgraded(pg_url, tmp_path)
    database.engine.dispose()
    big = tmp_path / "big"
    big_production(big, 4000)
    watcher = sa.create_engine(database.engine.url, isolation_level="AUTOCOMMIT")
    process = shotkit_process(
        "sync", str(big), "--database-url", pg_url, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    killed_during_write = False
    deadline = time.monotonic() + 60
    with watcher.connect() as connection:
        while time.monotonic() < deadline and process.poll() is None:
            writing = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state = 'active' AND (query ILIKE 'COPY %' OR query ILIKE 'INSERT INTO%')"
                )
            ).scalar()
            if writing:
                os.kill(process.pid, signal.SIGKILL)
                killed_during_write = True
                break
            time.sleep(0.005)
    process.wait(timeout=30)
    watcher.dispose()
    assert killed_during_write, "the sync finished before it could be killed mid-write"
    assert counts(pg_url, tmp_path) == (0, 0)
    rerun = shotkit("sync", str(big), "--database-url", pg_url, "--format", "json", timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert counts(pg_url, tmp_path) == (1 + 4000 * 3, 4000 * 3)


def test_service_rows_survive_prune(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    cli(capsys, "sync", str(project), "--database-url", any_url)
    run_walkthrough(any_url)
    before = counts(any_url, tmp_path)
    plan = plan_json(capsys, project, any_url, "--prune")
    assert plan["summary"]["delete"] == 0 and plan["summary"]["unmanaged"] == 13
    assert cli(capsys, "sync", str(project), "--database-url", any_url, "--prune")[0] == 0
    assert counts(any_url, tmp_path) == before


def test_prune_deletes_only_owned_rows_that_left_and_only_when_asked(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    (project / "extra.yaml").write_text(
        "shotkit: 1\ncharacters:\n  a: {name: A}\n  b: {name: B}\n  c: {name: C}\n"
    )
    cli(capsys, "sync", str(project), "--database-url", any_url)
    assert counts(any_url, tmp_path) == (16, 12)
    (project / "extra.yaml").write_text("shotkit: 1\n")
    code, out, _ = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0 and "3 row(s) this project made are no longer in the manifests" in out
    assert counts(any_url, tmp_path) == (16, 12)
    code, _, err = cli(
        capsys, "sync", str(project), "--database-url", any_url, "--prune", "--max-deletes", "2"
    )
    assert code == 1 and "over the limit of 2" in err and "--max-deletes 3" in err
    assert counts(any_url, tmp_path) == (16, 12)
    code, out, _ = cli(
        capsys, "sync", str(project), "--database-url", any_url, "--prune", "--max-deletes", "3"
    )
    assert code == 0 and "3 to delete" in out
    assert counts(any_url, tmp_path) == (13, 12)


def test_prune_refuses_an_empty_manifest_set(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    cli(capsys, "sync", str(project), "--database-url", any_url)
    (project / "scene-03.yaml").write_text("shotkit: 1\n")
    code, _, err = cli(
        capsys, "sync", str(project), "--database-url", any_url, "--prune", "--max-deletes", "1000"
    )
    assert code == 1 and "refusing to prune workspace 'workspace-123'" in err
    assert counts(any_url, tmp_path) == (13, 12)
    shutil.rmtree(project)
    project.mkdir()
    code, _, err = cli(capsys, "sync", str(project), "--database-url", any_url, "--prune")
    assert code == 1 and "no manifests" in err


def test_adopting_a_row_by_id_keeps_it_unowned(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    ids, _ = run_walkthrough(any_url)
    (project / "adopt.yaml").write_text(
        f"shotkit: 1\ncharacters:\n  old-hero: {{id: {ids['hero']}, name: Hero, description: Leader of the resistance}}\n"
    )
    text = (
        (project / "scene-03.yaml")
        .read_text()
        .replace("characters: [hero, villain]", "characters: [hero, villain, old-hero]")
    )
    (project / "scene-03.yaml").write_text(text)
    plan = plan_json(capsys, project, any_url)
    assert all(c["id"] != str(ids["hero"]) for c in plan["workspaces"][0]["changes"])
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    (project / "adopt.yaml").unlink()
    (project / "scene-03.yaml").write_text(text.replace(", old-hero]", "]"))
    plan = plan_json(capsys, project, any_url, "--prune")
    assert plan["summary"]["delete"] == 0  # adopted, not created by this project: never pruned


def test_plan_markdown_and_json(sqlite_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(sqlite_url, tmp_path)
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", sqlite_url, "--format", "markdown")
    assert code == 0
    assert out.startswith("<!-- shotkit-plan -->\n### shotkit plan\n")
    assert "| workspace-123 | 13 | 0 | 0 | 12 | 0 | 0 |" in out
    assert (
        "<summary>Shot 03A: " in out
        and "<summary>Shared assets: " in out
        and "```diff" in out
        and "```mermaid" in out
    )
    plan = plan_json(capsys, project, sqlite_url)
    assert plan["kind"] == "shotkit-plan" and plan["format_version"] == 1
    assert plan["summary"] == {
        "create": 13,
        "update": 0,
        "delete": 0,
        "link_add": 12,
        "link_remove": 0,
        "link_update": 0,
        "unmanaged": 0,
        "pending_prune": 0,
    }
    assert plan["workspaces"][0]["fingerprint"].startswith("sha256:")


def test_export_never_writes_outside_out(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    cli(capsys, "sync", str(project), "--database-url", any_url)
    execute(
        any_url,
        tmp_path,
        "UPDATE assets SET source = :s WHERE manifest_key = 'hero'",
        s=json.dumps({"file": "../../escape.yaml", "order": 1}),
    )
    execute(
        any_url,
        tmp_path,
        "UPDATE assets SET source = :s WHERE manifest_key = 'blocking'",
        s=json.dumps({"file": "scene-03.yaml", "order": 8, "body_file": "/etc/passwd-shotkit"}),
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "shotkit.yaml").write_text((project / "shotkit.yaml").read_text())
    code, printed, _ = cli(capsys, "export", "--database-url", any_url, "--out", str(out))
    assert code == 0
    assert "not a safe relative path" in printed
    assert not (tmp_path / "escape.yaml").exists() and not Path("/etc/passwd-shotkit").exists()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "scene-03.yaml",
        "shotkit.yaml",
        "workspace-123.new.yaml",
    ]


def test_writes_are_set_based(pg_url: str, tmp_path: Path, capsys) -> None:
    """Statements per sync do not grow with the rows: 3,001 assets and 3,000 links, a handful of statements."""
    upgraded(pg_url, tmp_path)
    big = tmp_path / "big"
    big_production(big, 1000)
    statements: list[tuple[str, bool]] = []
    history: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "sync_runs" not in statement:  # the history: one row per workspace, checked below
            statements.append((statement.split()[0].upper(), executemany))
        else:
            history.append(statement.split()[0].upper())

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        assert cli(capsys, "sync", str(big), "--database-url", pg_url)[0] == 0
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    writes = [s for s in statements if s[0] in ("INSERT", "UPDATE", "DELETE")]
    assert counts(pg_url, tmp_path) == (3001, 3000)
    # The rows go by COPY straight into the tables, over the driver's cursor (not seen here).
    assert writes == [], writes
    assert len(statements) < 20 and history == ["INSERT"]


def test_progress_goes_to_a_terminal_stderr(
    sqlite_url: str, project: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    upgraded(sqlite_url, tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = cli(capsys, "sync", str(project), "--database-url", sqlite_url)
    assert code == 0
    assert "workspace-123: inserting 12 link(s) [" in err and "] 13/25" in err
    assert "inserting 13 asset(s)" in err and "inserting" not in out


def test_export_from_an_empty_database_leaves_the_manifests_alone(
    sqlite_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(sqlite_url, tmp_path)
    before = (project / "scene-03.yaml").read_text()
    code, out, _ = cli(
        capsys, "export", "--database-url", sqlite_url, "--workspace", "workspace-123", "--out", str(project)
    )
    assert code == 0 and "no rows for workspace(s) workspace-123" in out
    assert (project / "scene-03.yaml").read_text() == before


def test_export_keeps_entries_not_in_the_database_unless_pruned(
    any_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(any_url, tmp_path)
    extra = "shotkit: 1\ncharacters:\n  # our sidekick\n  sidekick: {name: Sidekick}\n  wip: {name: Not synced yet}\n"
    (project / "extra.yaml").write_text("shotkit: 1\ncharacters:\n  sidekick: {name: Sidekick}\n")
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    (project / "extra.yaml").write_text(extra)
    execute(any_url, tmp_path, "DELETE FROM assets WHERE manifest_key = 'sidekick'")
    code, out, _ = cli(capsys, "export", "--database-url", any_url, "--out", str(project))
    assert code == 0 and "extra.yaml: 2 entries are not in the database; kept" in out
    assert (project / "extra.yaml").read_text() == extra
    code, out, _ = cli(capsys, "export", "--database-url", any_url, "--out", str(project), "--prune")
    assert code == 0 and "extra.yaml: 2 entries are not in the database; removed" in out
    assert (project / "extra.yaml").read_text() == "shotkit: 1\n"
    assert plan_json(capsys, project, any_url)["has_changes"] is False


def test_concurrent_syncs_on_sqlite_serialise(sqlite_url: str, project: Path, tmp_path: Path) -> None:
    upgraded(sqlite_url, tmp_path)
    processes = [
        shotkit_process("sync", str(project), "--database-url", sqlite_url, "--format", "json")
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err for _, err in outputs]
    assert [json.loads(out)["applied"] for out, _ in outputs].count(True) == 1
    assert counts(sqlite_url, tmp_path) == (13, 12)


def test_sqlite_lock_timeout_is_a_clear_error(sqlite_url: str, project: Path, tmp_path: Path, capsys) -> None:
    database = upgraded(sqlite_url, tmp_path)
    with transaction(database):  # another writer: BEGIN IMMEDIATE holds the write lock
        code, _, err = cli(
            capsys, "sync", str(project), "--database-url", sqlite_url, "--lock-timeout", "0.2"
        )
    assert code == 1 and "held the SQLite database for more than 0.2s" in err


def test_custom_types_round_trip(any_url: str, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    source = tmp_path / "custom"
    shutil.copytree(ROOT / "tests" / "manifests" / "valid" / "custom-types", source)
    assert cli(capsys, "fmt", str(source))[0] == 0
    canonical = {p.name: p.read_text() for p in source.glob("*.yaml")}
    assert cli(capsys, "sync", str(source), "--database-url", any_url)[0] == 0
    out = tmp_path / "out"
    out.mkdir()
    (out / "shotkit.yaml").write_text(canonical["shotkit.yaml"])
    assert cli(capsys, "export", "--database-url", any_url, "--out", str(out))[0] == 0
    assert {p.name: p.read_text() for p in out.glob("*.yaml")} == canonical
    assert "uses_prop:\n        - ref: lamp\n          lit: true" in canonical["shots.yaml"]


def test_export_leaves_out_rows_of_another_project(
    sqlite_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    upgraded(sqlite_url, tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "shotkit.yaml").write_text("workspace: workspace-123\nowner: other-repo\n")
    (other / "props.yaml").write_text("shotkit: 1\ncharacters:\n  stranger: {name: Stranger}\n")
    assert cli(capsys, "sync", str(other), "--database-url", sqlite_url)[0] == 0
    assert cli(capsys, "sync", str(project), "--database-url", sqlite_url)[0] == 0
    code, out, _ = cli(capsys, "export", "--database-url", sqlite_url, "--out", str(project))
    assert code == 0 and "1 row(s) owned by another project (other-repo) not exported" in out
    assert not (project / "props.yaml").exists() and not (project / "workspace-123.new.yaml").exists()
    plan = plan_json(capsys, project, sqlite_url)
    assert plan["has_changes"] is False and plan["summary"]["unmanaged"] == 1


COPY_HOSTILE = (
    "shotkit: 1\n"
    "characters:\n"
    '  tab:\n    name: "a\\tb\\\\N c\\\\.\\r\\nd \\\\ e"\n    description: "x\\ty\\\\z\\nw"\n'
    '  nul-ish:\n    name: "\\\\N"\n    description: "{\\"k\\": \\"\\\\\\\\\\"}"\n'
    "  plain:\n    name: Plain\n"
    "audio:\n"
    "  big:\n    name: Big\n    url: https://cdn.example.com/a.wav\n    duration: 1.0e16\n    kind: music\n"
    "shots:\n"
    '  "01":\n    name: "tab\\tshot"\n    characters: [tab, nul-ish, plain]\n    audio: [big]\n'
)


def ident(value: object) -> str:
    """A uuid as the plan writes it (SQLite's column gives 32 hex digits back)."""
    return str(uuid.UUID(str(value)))


def test_first_sync_writes_every_column_of_the_plan(any_url: str, tmp_path: Path, capsys) -> None:
    """The rows a first sync writes (by COPY on PostgreSQL) are the rows of the plan, column by
    column, COPY's specials (tab, newline, carriage return, backslash, a literal \\N) included."""
    upgraded(any_url, tmp_path)
    project = tmp_path / "copy"
    project.mkdir()
    (project / "shotkit.yaml").write_text(f"workspace: {WS}\nowner: copy-repo\n")
    (project / "a.yaml").write_text(COPY_HOSTILE)
    saved = tmp_path / "plan.json"
    assert cli(capsys, "plan", str(project), "--database-url", any_url, "--out", str(saved))[0] == 0
    document = json.loads(saved.read_text())
    assert cli(capsys, "sync", str(project), "--database-url", any_url, "--plan", str(saved))[0] == 0
    (workspace,) = document["workspaces"]
    engine = upgraded(any_url, tmp_path).engine
    with engine.connect() as connection:
        assets = {
            ident(r["id"]): dict(r) for r in connection.execute(sa.text("SELECT * FROM assets")).mappings()
        }
        links = {
            ident(r["id"]): dict(r)
            for r in connection.execute(sa.text("SELECT * FROM asset_relationships")).mappings()
        }
    engine.dispose()
    json_columns = ("asset_metadata", "source", "relationship_metadata")

    def stored(row: dict, column: str):
        value = row[column]
        if column in json_columns and isinstance(value, str):  # SQLite gives JSON text back
            return json.loads(value)
        return ident(value) if column in ("id", "parent_asset_id", "child_asset_id") else value

    assert len(assets) == len(workspace["changes"]) == 5 and len(links) == len(workspace["links"]) == 4
    for change in workspace["changes"]:
        row = change["row"]
        assert {c: stored(assets[row["id"]], c) for c in row} == row
    for link in workspace["links"]:
        row = link["row"]
        assert {c: stored(links[row["id"]], c) for c in row} == row
    names = {r["name"] for r in assets.values()}
    assert "a\tb\\N c\\.\r\nd \\ e" in names and "\\N" in names and "tab\tshot" in names
    big = next(r for r in assets.values() if r["name"] == "Big")
    assert big["duration"] == 1e16
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out, out


def test_history_abridges_a_plan_over_its_bound(
    any_url: str, project: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above HISTORY_PLAN_BOUND entries, `sync_runs.plan` keeps the plan without its lists, with a
    marker; its summary is still the whole plan's, and `history --with-plan` says it is abridged."""
    from shotkit import history

    upgraded(any_url, tmp_path)
    monkeypatch.setattr(history, "HISTORY_PLAN_BOUND", 5)
    code, out, err = cli(capsys, "sync", str(project), "--database-url", any_url, "--format", "json")
    assert code == 0, err
    applied = json.loads(out)
    entries = sum(len(applied["plan"]["workspaces"][0][k]) for k in ("changes", "links", "bookkeeping"))
    assert entries == 25 and applied["summary"]["create"] == 13
    monkeypatch.setattr(history, "HISTORY_PLAN_BOUND", 10_000)
    (project / "scene-03.yaml").write_text(
        (project / "scene-03.yaml").read_text().replace("name: Villain\n", "name: Villain Two\n")
    )
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    runs = json.loads(
        cli(capsys, "history", "--database-url", any_url, "--format", "json", "--with-plan")[1]
    )["runs"]
    small, large = runs
    assert "abridged" not in small["plan"] and len(small["plan"]["workspaces"][0]["changes"]) == 1
    plan = large["plan"]
    assert plan["abridged"] == {"entries": 25, "bound": 5}
    assert large["summary"] == plan["summary"] == applied["summary"] and plan["has_changes"] is True
    assert all(plan["workspaces"][0][k] == [] for k in ("changes", "links", "bookkeeping", "unmanaged"))
    assert plan["workspaces"][0]["fingerprint"] == applied["plan"]["workspaces"][0]["fingerprint"]
    assert (
        large["plan_fingerprint"].startswith("sha256:")
        and large["plan_fingerprint"] != small["plan_fingerprint"]
    )
    lines = cli(capsys, "history", "--database-url", any_url, "--with-plan")[1].splitlines()
    assert len(lines) == 3 and "13 created" in lines[1]
    assert lines[2].strip() == (
        "plan abridged: it had 25 entries, over the history's bound of 5; "
        "the history keeps its summary and fingerprints, not its rows"
    )
    assert len(cli(capsys, "history", "--database-url", any_url)[1].splitlines()) == 2


def test_a_failed_copy_rolls_back_everything_history_included(
    pg_url: str, project: Path, tmp_path: Path, capsys
) -> None:
    """The links' COPY fails (a constraint a DBA added) after the assets' COPY went in: the sync
    says so in one line, and leaves no asset, no link and no history row."""
    upgraded(pg_url, tmp_path)
    execute(
        pg_url, tmp_path, "ALTER TABLE asset_relationships ADD CONSTRAINT test_short CHECK (sequence < 2)"
    )
    code, _, err = cli(capsys, "sync", str(project), "--database-url", pg_url)
    assert code == 1 and "sync failed and was rolled back, nothing changed" in err and "test_short" in err, (
        err
    )
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert counts(pg_url, tmp_path) == (0, 0)
    assert cli(capsys, "history", "--database-url", pg_url)[1].strip() == "No syncs recorded yet."
    execute(pg_url, tmp_path, "ALTER TABLE asset_relationships DROP CONSTRAINT test_short")
    assert cli(capsys, "sync", str(project), "--database-url", pg_url)[0] == 0
    assert counts(pg_url, tmp_path) == (13, 12)


def test_sync_counts_a_workspace_of_many_operations_instead_of_listing_them(
    sqlite_url: str, project: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """Above LISTED operations in a workspace, the text after a sync is one line of counts (a
    first sync of a large production is hundreds of thousands of lines in a CI log); at or
    under it every operation has its line, and the JSON output always has the whole plan."""
    from shotkit.commands import sync

    upgraded(sqlite_url, tmp_path)
    monkeypatch.setattr(sync, "LISTED", 5)
    code, out, err = cli(capsys, "sync", str(project), "--database-url", sqlite_url)
    assert code == 0, err
    lines = out.splitlines()
    counted = [line for line in lines if "not listed one by one" in line]
    assert len(counted) == 1 and counted[0].strip().startswith(
        "25 operations (13 created, 0 updated, 0 deleted, 12 link changes)"
    )
    assert not any(line.lstrip().startswith("+ create") for line in lines)
    assert lines[-2:] == [
        "Plan: 13 to create, 0 to update, 0 to delete; links: 12 to add, 0 to update, 0 to remove.",
        "Applied in one transaction.",
    ]
    (project / "scene-03.yaml").write_text(
        (project / "scene-03.yaml").read_text().replace("name: Villain\n", "name: Villain Two\n")
    )
    out = cli(capsys, "sync", str(project), "--database-url", sqlite_url)[1]
    assert "not listed" not in out and "~ update character" in out
