"""One plain function per command: takes parsed arguments, returns an exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import console, documents, pipeline, report
from . import stats as stats_
from .escape import text_inline
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
        lines = report.problems_text(loaded.problems, loaded.files).splitlines()
        for line in lines[:-1]:
            emit(console.problem_line(line))
        console.info(lines[-1])  # the summary
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
        console.info(f"{database.shown}: already at revision {after}")
    else:
        console.info(f"{database.shown}: upgraded from {before or 'empty'} to {after}")
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
    emit(
        f"shot_characters: {result.moved} link(s) moved to uses_character, {result.already} already present, "
        f"{result.orphaned} skipped (shot or character missing from assets); the old table is kept"
    )
    return 0


def warn(messages: list[str]) -> None:
    from .escape import text_inline
    from .redact import redact

    for message in messages:
        click.echo(redact(text_inline(f"warning: {message}")), err=True)


def _states(
    database: Database, names: list[str], claimed: dict[str, list[str]], show: console.Show = console.silent
) -> dict[str, Any]:
    from . import db, state

    with db.snapshot(database) as connection:
        read = {}
        for done, name in enumerate(names):
            show(f"reading workspace {name}", done, len(names))
            read[name] = state.read(connection, name, claimed.get(name, ()))
        return read


def _scope(loaded: pipeline.Loaded, paths: list[Path]) -> list[str]:
    from . import plan as plan_
    from .errors import ShotkitError

    if not loaded.documents:
        where = ", ".join(documents.shown_path(p) for p in paths or [Path(".")])
        raise ShotkitError(f"no manifests (*.yaml, *.yml) found in {where}")
    return plan_.scope(loaded.production)


def _markdown(database: Database, the_plan: Any, production: Any, names: list[str], max_chars: int) -> str:
    from . import history, plan_markdown

    with database.engine.connect() as connection:
        last = history.last_runs(connection, names)
    return plan_markdown.render(the_plan, production, last, max_chars)


def plan(
    paths: list[Path],
    database_url: str | None,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    prune: bool,
    max_deletes: int | None,
    max_chars: int = 65_000,
) -> int:
    from . import db, render
    from . import plan as plan_

    with console.meter(fmt == "text") as show:  # a progress line on a terminal only
        show("loading manifests", 0, 0)
        loaded = pipeline.load_valid(paths)
        names = _scope(loaded, paths)
        database = db.open_database(database_url, loaded.project.root)
        states = _states(database, names, plan_.claimed(loaded.production), show)
    warn([message for state in states.values() for message in state.drift])
    with console.meter(fmt == "text") as show:
        show("planning", 0, 0)
        the_plan = plan_.compute(loaded.production, states, prune, max_deletes)
    if out is not None:
        plan_.save(the_plan, out)
    if fmt == "markdown":
        emit(_markdown(database, the_plan, loaded.production, names, max_chars))
    else:
        emit(console.plan_text(render.text(the_plan)) if fmt == "text" else render.as_json(the_plan))
    if out is not None and fmt == "text":
        console.info(f"Saved the plan to {out}; apply exactly it with `shotkit sync --plan {out}`.")
    return 2 if detailed_exitcode and the_plan.has_changes else 0


def sync(
    paths: list[Path],
    database_url: str | None,
    plan_file: Path | None,
    prune: bool,
    max_deletes: int | None,
    lock_timeout: float,
    fmt: str,
) -> int:
    from . import apply, db, render
    from . import plan as plan_
    from .errors import ShotkitError
    from .project import load_project

    if plan_file is not None:
        if prune:
            raise ShotkitError(
                "--prune and --plan do not go together: a saved plan already says whether it prunes"
            )
        saved = plan_.load(plan_file)
        project = load_project(paths or [Path(".")])
        names = [w.workspace for w in saved.workspaces]
        make_plan = None
        claimed: dict[str, list[str]] = {}
    else:
        with console.meter(fmt == "text") as show:
            show("loading manifests", 0, 0)
            loaded = pipeline.load_valid(paths)
        project = loaded.project
        names = _scope(loaded, paths)
        saved = None
        claimed = plan_.claimed(loaded.production)

        def make_plan(states: dict[str, Any]) -> plan_.Plan:
            return plan_.compute(loaded.production, states, prune, max_deletes)

    database = db.open_database(database_url, project.root, lock_timeout=lock_timeout)
    from .history import recorder

    with console.meter(fmt == "text") as show:  # a progress line on a terminal only
        outcome = apply.sync(
            database,
            names,
            make_plan,
            saved,
            project.owner,
            lock_timeout,
            max_deletes,
            progress=show,
            claimed=claimed,
            record=recorder(project.root),
        )
    warn(outcome.drift)
    if fmt == "json":
        emit_json(
            {
                "format_version": 1,
                "applied": outcome.applied,
                "summary": outcome.plan.summary(),
                "plan": outcome.plan.to_json(),
            }
        )
    else:
        console.info(console.plan_text(render.text(outcome.plan)))
        if outcome.plan.has_changes:
            console.info("Applied in one transaction.")
    return 0


def export(
    database_url: str | None, workspaces: list[str], out: Path, check: bool = False, prune: bool = False
) -> int:
    from . import db, state
    from . import export as export_
    from .project import load_project

    project = load_project([out])
    database = db.open_database(database_url, project.root)
    with (
        db.snapshot(database) as connection,
        console.progress(workspaces or state.workspaces(connection), "reading workspaces") as names_,
    ):
        states = [state.read(connection, name) for name in names_]
    warn([message for state in states for message in state.drift])
    empty = [s.workspace for s in states if not s.assets]
    no_rows = f"in {database.shown}; their manifests are left as they are"
    if empty:  # an empty or wrong database must not empty the manifests
        emit(text_inline(f"warning: no rows for workspace(s) {', '.join(empty)} {no_rows}"))
    states = [s for s in states if s.assets]
    root = out.resolve()
    by_file: dict[str, documents.Document] = {}
    unreadable: set[str] = set()
    found, refused = documents.discover([out]) if out.exists() else ([], [])
    for problem in refused:
        emit(text_inline(f"warning: {problem}"))
    for path in found:
        document, _ = documents.load(path)
        if path.resolve().is_relative_to(root):
            relative = path.resolve().relative_to(root).as_posix()
            if document is None:
                unreadable.add(relative)
            else:
                by_file[relative] = document
    if not workspaces:  # a wrong or fresh database: say so, never "the manifests match the database"
        have = {s.workspace for s in states} | set(empty)
        absent = sorted(
            {w for d in by_file.values() if (w := export_.file_workspace(d, project)) and w not in have}
        )
        if absent:
            emit(text_inline(f"warning: no rows for workspace(s) {', '.join(absent)} {no_rows}"))
            empty = empty + absent
    result = export_.export(project, states, by_file, prune, frozenset(unreadable))
    for warning in result.warnings + result.failures:
        emit(text_inline(f"warning: {warning}"))
    for note in result.notes:
        emit(text_inline(note))
    if check:
        changed = export_.changed(result, out)
        for relative in changed:
            emit(text_inline(f"would change {relative}"))
        emit(
            f"{len(changed)} file(s) would change"
            if changed
            else "no file would change"
            if empty
            else "no changes: the manifests match the database"
        )
        return 1 if changed or result.failures else 0
    written = export_.write(result, out)
    for path in written:
        console.info(text_inline(f"wrote {documents.shown_path(path)}"))
    console.info(f"exported {len(states)} workspace(s): {len(written)} file(s) changed")
    return 1 if result.failures else 0


def select(shot: str, attempt: int, paths: list[Path]) -> int:
    from .selection import select as select_take

    loaded = pipeline.load_valid(paths)
    result = select_take(loaded.documents, shot, attempt)
    where = result.document.shown
    if result.text == result.document.text:
        emit(f"{where}: take {attempt} of shot '{shot}' is already the selected one; nothing changed")
        return 0
    write_atomic(result.document.path, result.text)
    was = f" (was take {', '.join(str(a) for a in result.previous)})" if result.previous else ""
    console.info(f"{where}: selected take {attempt} of shot '{shot}'{was}")
    return 0


def fmt(paths: list[Path], check: bool) -> int:
    from . import comments
    from .canonical import canonical
    from .errors import ShotkitError

    loaded = pipeline.load_valid(paths)
    changed = 0
    for document in loaded.documents:
        data = canonical(document.data, loaded.project)
        found = comments.read(document.text, document.data)
        text = comments.dump(data, found)
        if text == document.text:
            continue
        if not comments.kept(text, data, found):
            raise ShotkitError(
                f"{document.shown}: cannot put every comment back in canonical form; the file is left as it is (please report this)"
            )
        changed += 1
        if check:
            emit(text_inline(f"would reformat {document.shown}"))
            continue
        write_atomic(document.path, text)
        console.info(text_inline(f"reformatted {document.shown}"))
    if check:
        console.info(
            f"{changed} file(s) would be reformatted, {len(loaded.documents) - changed} already canonical"
        )
        return 1 if changed else 0
    return 0
