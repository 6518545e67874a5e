"""`shotkit db upgrade` and `shotkit db migrate-legacy`: the database's own shape."""

from __future__ import annotations

from pathlib import Path

from .. import console
from ._output import emit, project_root


def db_upgrade(database_url: str | None, project: Path) -> int:
    from .. import db

    database = db.open_database(database_url, project_root(project), check_schema=False)
    before, after = db.upgrade(database)
    if before == after:
        console.info(f"{database.shown}: already at revision {after}")
    else:
        console.info(f"{database.shown}: upgraded from {before or 'empty'} to {after}")
    return 0


def db_migrate_legacy(database_url: str | None, project: Path) -> int:
    from .. import db
    from ..legacy import migrate_shot_characters

    database = db.open_database(database_url, project_root(project))
    with db.transaction(database) as connection:
        result = migrate_shot_characters(connection)
    if not result.found:
        emit("no shot_characters table: nothing to migrate")
        return 0
    emit(
        f"shot_characters: {result.moved} link(s) moved to uses_character, {result.already} already present, "
        f"{result.orphaned} skipped (shot or character missing from assets); the old table is kept"
    )
    return 0
