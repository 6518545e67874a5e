"""Database layer: migrations, URLs and errors, legacy migration — on real PostgreSQL and SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url

from shotkit import db
from shotkit.errors import DatabaseError
from shotkit.tables import metadata

from .conftest import shotkit, upgraded

CANARY = "canary-Pa55word-7731"


def test_upgrade_creates_tables_and_is_idempotent(any_url: str, tmp_path: Path) -> None:
    first = shotkit("db", "upgrade", "--database-url", any_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"upgraded from empty to {db.head_revision()}" in first.stdout
    second = shotkit("db", "upgrade", "--database-url", any_url, cwd=tmp_path)
    assert second.returncode == 0 and f"already at revision {db.head_revision()}" in second.stdout
    engine = db.open_database(any_url, tmp_path).engine
    assert {"assets", "asset_relationships", "alembic_version"} <= set(sa.inspect(engine).get_table_names())


def test_migrations_match_the_models(any_url: str, tmp_path: Path) -> None:
    database = upgraded(any_url, tmp_path)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        assert compare_metadata(context, metadata) == []


def test_postgres_columns_are_uuid_and_jsonb(pg_url: str, tmp_path: Path) -> None:
    database = upgraded(pg_url, tmp_path)
    with database.engine.connect() as connection:
        types = dict(
            connection.execute(
                sa.text(
                    "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
                )
            ).all()
        )
    assert types["assets.id"] == "uuid"
    assert types["assets.asset_metadata"] == "jsonb"
    assert types["assets.duration"] == "double precision"
    assert types["asset_relationships.relationship_metadata"] == "jsonb"
    assert types["asset_relationships.workspace_id"] == "text"


def test_postgres_without_tables_names_db_upgrade(pg_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("shotkit: 1\nworkspace: w\ncharacters: {hero: {name: Hero}}\n")
    result = shotkit("plan", "--database-url", pg_url, str(tmp_path))
    assert result.returncode == 1
    assert "has no shotkit tables: run `shotkit db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr


def test_embedded_database_is_created_on_first_use(tmp_path: Path) -> None:
    (tmp_path / "shotkit.yaml").write_text("workspace: w\n")
    (tmp_path / "a.yaml").write_text(
        "shotkit: 1\ncharacters: {hero: {name: Hero}}\nshots: {s: {name: S, characters: [hero]}}\n"
    )
    result = shotkit("sync", str(tmp_path), env={"SHOTKIT_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".shotkit" / "shotkit.db").exists()


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://shotkit:{CANARY}@127.0.0.1:9/nowhere",
        f"postgresql://shotkit:{CANARY}@nohost.invalid:5432/nowhere",
        f"postgresql+psycopg://shotkit:{CANARY}@[::1:bad/nowhere",
    ],
)
def test_password_never_appears(url: str, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("shotkit: 1\nworkspace: w\n")
    for args in (
        ["db", "upgrade", "--database-url", url],
        ["plan", str(tmp_path), "--database-url", url],
        ["sync", str(tmp_path)],
        ["export", "--out", str(tmp_path)],
    ):
        result = shotkit(*args, cwd=tmp_path, env={"SHOTKIT_DATABASE_URL": url})
        assert result.returncode == 1, args
        assert CANARY not in result.stdout + result.stderr, args
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(
        DatabaseError, match=r"cannot connect to postgresql\+psycopg://u:\*\*\*@127.0.0.1:9/x"
    ):
        db.open_database(f"postgresql://u:{CANARY}@127.0.0.1:9/x", tmp_path)


def test_migrate_legacy_is_idempotent(any_url: str, tmp_path: Path) -> None:
    database = upgraded(any_url, tmp_path)
    shot, hero, villain, ghost = (uuid.uuid4() for _ in range(4))
    with database.engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TABLE shot_characters (shot_id UUID, character_id UUID)")
            if database.dialect == "postgresql"
            else sa.text("CREATE TABLE shot_characters (shot_id CHAR(32), character_id CHAR(32))")
        )
        connection.execute(
            sa.insert(
                sa.table(
                    "assets",
                    sa.column("id", sa.Uuid),
                    sa.column("workspace_id"),
                    sa.column("type"),
                    sa.column("name"),
                    sa.column("asset_metadata", sa.JSON),
                )
            ),
            [
                {"id": shot, "workspace_id": "w", "type": "shot", "name": "S", "asset_metadata": {}},
                {
                    "id": hero,
                    "workspace_id": "w",
                    "type": "character_ref",
                    "name": "Hero",
                    "asset_metadata": {},
                },
                {
                    "id": villain,
                    "workspace_id": "w",
                    "type": "character_ref",
                    "name": "Villain",
                    "asset_metadata": {},
                },
            ],
        )
        legacy = sa.table(
            "shot_characters", sa.column("shot_id", sa.Uuid), sa.column("character_id", sa.Uuid)
        )
        connection.execute(
            sa.insert(legacy),
            [
                {"shot_id": shot, "character_id": hero},
                {"shot_id": shot, "character_id": villain},
                {"shot_id": shot, "character_id": ghost},
            ],
        )
    first = shotkit("db", "migrate-legacy", "--database-url", any_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "2 link(s) moved to uses_character, 0 already present, 1 skipped" in first.stdout
    second = shotkit("db", "migrate-legacy", "--database-url", any_url, cwd=tmp_path)
    assert "0 link(s) moved to uses_character, 2 already present, 1 skipped" in second.stdout
    with database.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT count(*) FROM asset_relationships WHERE relationship_type = 'uses_character'")
        ).scalar()
    assert rows == 2


def test_a_command_run_in_process_leaves_no_connection_open(
    pg_url: str, pg_admin: sa.Engine, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI disposes of the engines a command made when it returns: a program that runs
    shotkit's `main` many times does not collect open connections (nor does a failed command)."""
    from shotkit.cli import main

    database = make_url(pg_url).database

    def connections() -> int:
        with pg_admin.connect() as connection:
            return connection.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"), {"name": database}
            ).scalar_one()

    assert main(["db", "upgrade", "--database-url", pg_url, "--project", str(project)]) == 0
    assert main(["sync", str(project), "--database-url", pg_url]) == 0
    assert main(["plan", str(project), "--database-url", pg_url]) == 0
    assert main(["sync", str(project / "nope"), "--database-url", pg_url]) == 1
    assert connections() == 0
    capsys.readouterr()


def test_head_revision_constant_is_alembics_head() -> None:
    """Commands check the schema against db.HEAD_REVISION without importing Alembic: it must
    name the newest migration in shotkit/migrations/versions."""
    assert db.head_revision() == db.HEAD_REVISION
