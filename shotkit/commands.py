"""One plain function per command: takes parsed arguments, returns an exit code."""
from __future__ import annotations

import json
from pathlib import Path

from . import documents, pipeline, report, stats as stats_
from .cli import emit, emit_json
from .schema import manifest_schema


def validate(paths: list[Path], fmt: str, max_file_size: int | None) -> int:
    loaded = pipeline.load(paths, max_file_size or documents.MAX_FILE_SIZE)
    files = len(documents.discover(paths or [Path(".")]))
    if fmt == "json":
        emit(report.problems_json(loaded.problems, files))
    elif fmt == "github":
        if loaded.problems:
            emit(report.problems_github(loaded.problems))
    else:
        emit(report.problems_text(loaded.problems, files))
    return 0 if loaded.ok else 1


def draw(paths: list[Path], fmt: str) -> int:
    from .drawing import dot, mermaid

    loaded = pipeline.load_valid(paths)
    emit(mermaid(loaded.graph) if fmt == "mermaid" else dot(loaded.graph))
    return 0


def stats(paths: list[Path], fmt: str) -> int:
    loaded = pipeline.load_valid(paths)
    result = stats_.compute(loaded.production)
    if fmt == "json":
        emit_json(result)
    else:
        emit(stats_.text(result))
    return 0


def print_schema(paths: list[Path]) -> int:
    from .project import load_project

    project = load_project(paths or [Path(".")])
    emit(json.dumps(manifest_schema(project.registry), indent=2))
    return 0


def _project_root(path: Path) -> Path:
    from .project import find_config

    config = find_config(path)
    return config.parent if config else path.resolve()


def db_upgrade(database_url: str | None, project: Path) -> int:
    from . import db

    database = db.open_database(database_url, _project_root(project), check_schema=False)
    before, after = db.upgrade(database)
    if before == after:
        emit(f"{database.shown}: already at revision {after}")
    else:
        emit(f"{database.shown}: upgraded from {before or 'empty'} to {after}")
    return 0


def db_migrate_legacy(database_url: str | None, project: Path) -> int:
    from . import db
    from .legacy import migrate_shot_characters

    database = db.open_database(database_url, _project_root(project))
    with db.transaction(database) as connection:
        result = migrate_shot_characters(connection)
    if not result.found:
        emit("no shot_characters table: nothing to migrate")
        return 0
    emit(f"shot_characters: {result.moved} link(s) moved to uses_character, {result.already} already present, "
         f"{result.orphaned} skipped (shot or character missing from assets); the old table is kept")
    return 0
