"""One plain function per command: takes parsed arguments, returns an exit code."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import documents, pipeline, report, stats as stats_
from .fileio import write_atomic
from .schema import manifest_schema

if TYPE_CHECKING:
    from .db import Database


def emit(text: str) -> None:
    from .redact import redact

    click.echo(redact(text))


def emit_json(document: Any) -> None:
    emit(json.dumps(document, indent=2, default=str))


def validate(paths: list[Path], fmt: str, max_file_size: int | None) -> int:
    loaded = pipeline.load(paths, max_file_size or documents.MAX_FILE_SIZE)
    if fmt == "json":
        emit(report.problems_json(loaded.problems, loaded.files))
    elif fmt == "github":
        if loaded.problems:
            emit(report.problems_github(loaded.problems))
    else:
        emit(report.problems_text(loaded.problems, loaded.files))
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


def print_schema(paths: list[Path], published: bool) -> int:
    from .project import load_project

    registry = None if published else load_project(paths or [Path(".")]).registry
    emit(json.dumps(manifest_schema(registry), indent=2))
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


def warn(messages: list[str]) -> None:
    from .escape import text_inline
    from .redact import redact

    for message in messages:
        click.echo(redact(text_inline(f"warning: {message}")), err=True)


def _states(database: "Database", names: list[str], claimed: dict[str, list[str]]) -> dict:
    from . import db, state

    with db.snapshot(database) as connection:
        return {name: state.read(connection, name, claimed.get(name, ())) for name in names}


def _scope(loaded: pipeline.Loaded, paths: list[Path]) -> list[str]:
    from . import plan as plan_
    from .errors import ShotkitError

    if not loaded.documents:
        where = ", ".join(documents.shown_path(p) for p in paths or [Path(".")])
        raise ShotkitError(f"no manifests (*.yaml, *.yml) found in {where}")
    return plan_.scope(loaded.production)


def plan(paths: list[Path], database_url: str | None, fmt: str, out: Path | None, detailed_exitcode: bool,
         prune: bool, max_deletes: int | None) -> int:
    from . import db, plan as plan_, render

    loaded = pipeline.load_valid(paths)
    names = _scope(loaded, paths)
    database = db.open_database(database_url, loaded.project.root)
    states = _states(database, names, plan_.claimed(loaded.production))
    warn([message for state in states.values() for message in state.drift])
    the_plan = plan_.compute(loaded.production, states, prune, max_deletes)
    if out is not None:
        plan_.save(the_plan, out)
    emit({"text": render.text, "markdown": render.markdown, "json": render.as_json}[fmt](the_plan))
    if out is not None and fmt == "text":
        emit(f"Saved the plan to {out}; apply exactly it with `shotkit sync --plan {out}`.")
    return 2 if detailed_exitcode and the_plan.has_changes else 0


def sync(paths: list[Path], database_url: str | None, plan_file: Path | None, prune: bool, max_deletes: int | None,
         lock_timeout: float, fmt: str) -> int:
    import sys

    from . import apply, db, plan as plan_, render
    from .errors import ShotkitError
    from .project import load_project

    if plan_file is not None:
        if prune:
            raise ShotkitError("--prune and --plan do not go together: a saved plan already says whether it prunes")
        saved = plan_.load(plan_file)
        project = load_project(paths or [Path(".")])
        names = [w.workspace for w in saved.workspaces]
        make_plan = None
        claimed: dict[str, list[str]] = {}
    else:
        loaded = pipeline.load_valid(paths)
        project = loaded.project
        names = _scope(loaded, paths)
        saved = None
        claimed = plan_.claimed(loaded.production)

        def make_plan(states: dict) -> plan_.Plan:
            return plan_.compute(loaded.production, states, prune, max_deletes)

    database = db.open_database(database_url, project.root, lock_timeout=lock_timeout)
    outcome = apply.sync(database, names, make_plan, saved, project.owner, lock_timeout, max_deletes,
                         progress=sys.stderr.isatty(), claimed=claimed)
    warn(outcome.drift)
    if fmt == "json":
        emit_json({"format_version": 1, "applied": outcome.applied, "summary": outcome.plan.summary(), "plan": outcome.plan.to_json()})
    else:
        emit(render.text(outcome.plan))
        if outcome.plan.has_changes:
            emit("Applied in one transaction.")
    return 0


def export(database_url: str | None, workspaces: list[str], out: Path) -> int:
    from . import db, export as export_, state
    from .canonical import dump
    from .project import load_project

    project = load_project([out])
    database = db.open_database(database_url, project.root)
    with db.snapshot(database) as connection:
        states = [state.read(connection, name) for name in workspaces or state.workspaces(connection)]
    warn([message for state in states for message in state.drift])
    empty = [s.workspace for s in states if not s.assets]
    if empty:  # an empty or wrong database must not empty the manifests
        emit(f"warning: no rows for workspace(s) {', '.join(empty)} in {database.shown}; their manifests are left as they are")
    states = [s for s in states if s.assets]
    names = [s.workspace for s in states]
    result = export_.export(project, states)
    existing, _ = documents.load_all([out]) if out.exists() else ([], [])
    for document in existing:  # a file whose rows are all gone is emptied, not left stale
        workspace = document.data.get("workspace") or project.workspace
        relative = document.path.resolve().relative_to(out.resolve()).as_posix()
        if workspace in names and relative not in result.files:
            result.files[relative] = dump({"shotkit": 1, "workspace": workspace}, project)
    written = export_.write(result, out)
    for warning in result.warnings:
        emit(f"warning: {warning}")
    for path in written:
        emit(f"wrote {documents.shown_path(path)}")
    emit(f"exported {len(names)} workspace(s): {len(written)} file(s) changed")
    return 0


def fmt(paths: list[Path], check: bool) -> int:
    from .canonical import dump

    loaded = pipeline.load_valid(paths)
    changed = 0
    for document in loaded.documents:
        text = dump(document.data, loaded.project)
        if text == document.text:
            continue
        changed += 1
        if check:
            emit(f"would reformat {document.shown}")
            continue
        comments = sum(1 for line in document.text.splitlines() if line.lstrip().startswith("#"))
        write_atomic(document.path, text)
        emit(f"reformatted {document.shown}" + (f" ({comments} comment line(s) dropped: canonical form keeps no comments)" if comments else ""))
    if check:
        emit(f"{changed} file(s) would be reformatted, {len(loaded.documents) - changed} already canonical")
        return 1 if changed else 0
    return 0
