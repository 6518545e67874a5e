"""A saved plan applies only to the rows it was made from: the workspace's fingerprint, read again
under the sync's lock, must change with every write to its rows by any tool, and must not change
with what does not write them (reads, a vacuum that freezes them), on real PostgreSQL and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from .conftest import WS, cli, counts, execute, upgraded

SHOT = f"workspace_id = '{WS}' AND manifest_key = '03A'"
WRITES = {
    "a name": f"UPDATE assets SET name = 'Renamed' WHERE {SHOT}",
    "a url": f"UPDATE assets SET url = 'https://x.example/y' WHERE {SHOT}",
    "a link's sequence": f"UPDATE asset_relationships SET sequence = 9 WHERE workspace_id = '{WS}' AND relationship_type = 'uses_audio' AND sequence = 1",
    "a link deleted": f"DELETE FROM asset_relationships WHERE workspace_id = '{WS}' AND relationship_type = 'uses_script' AND sequence = 2",
    "updated_at alone": f"UPDATE assets SET updated_at = updated_at + interval '1 second' WHERE {SHOT}",
}


def _saved_after_sync(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    """The demo synced, then edited (a shot renamed) and planned to a file."""
    upgraded(any_url, tmp_path).engine.dispose()
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    scene = project / "scene-03.yaml"
    text = scene.read_text(encoding="utf-8")
    scene.write_text(text.replace("name: Scene 3 - Confrontation", "name: Scene 3 - Recut"), encoding="utf-8")
    saved = tmp_path / "plan.json"
    assert cli(capsys, "plan", str(project), "--database-url", any_url, "-o", str(saved))[0] == 0
    return saved


@pytest.mark.parametrize("write", list(WRITES))
def test_a_write_by_another_tool_makes_a_saved_plan_stale(
    any_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], write: str
) -> None:
    saved = _saved_after_sync(any_url, project, tmp_path, capsys)
    sql = WRITES[write]
    if write == "updated_at alone" and any_url.startswith("sqlite"):
        sql = f"UPDATE assets SET updated_at = '2001-01-01 00:00:00' WHERE {SHOT}"
    execute(any_url, tmp_path, sql)
    before = counts(any_url, tmp_path)
    code, _, err = cli(capsys, "sync", "--plan", str(saved), str(project), "--database-url", any_url)
    assert code == 1 and "stale plan" in err, err
    assert counts(any_url, tmp_path) == before


def test_on_postgresql_even_a_write_of_equal_values_makes_it_stale(
    pg_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fingerprint is of each row's version (`xmin`): a write that changes no value still
    makes a new version, so the plan is refused rather than applied over an unseen write."""
    saved = _saved_after_sync(pg_url, project, tmp_path, capsys)
    execute(pg_url, tmp_path, f"UPDATE assets SET name = name WHERE {SHOT}")
    code, _, err = cli(capsys, "sync", "--plan", str(saved), str(project), "--database-url", pg_url)
    assert code == 1 and "stale plan" in err, err


def test_reads_and_a_freezing_vacuum_leave_a_saved_plan_valid(
    pg_url: str, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """VACUUM FREEZE marks every row frozen; PostgreSQL keeps each row's `xmin` readable, so
    the fingerprint, and the reviewed plan, stay valid."""
    saved = _saved_after_sync(pg_url, project, tmp_path, capsys)
    assert cli(capsys, "plan", str(project), "--database-url", pg_url)[0] == 0  # a read
    engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (FREEZE) assets, asset_relationships")
    engine.dispose()
    code, out, err = cli(capsys, "sync", "--plan", str(saved), str(project), "--database-url", pg_url)
    assert code == 0, err
    assert "1 to update" in out + err
