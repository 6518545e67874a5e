"""`shotkit export`: write the database back into the manifests, editing only what changed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import collector, console
from ..escape import text_inline
from ._output import emit, warn

if TYPE_CHECKING:
    from ..db import Database
    from ..export import Export
    from ..state import State


def _read_states(database: Database, workspaces: list[str]) -> list[State]:
    from .. import db, state

    with (
        db.snapshot(database) as connection,
        collector.paused(),
        console.progress(workspaces or state.workspaces(connection), "reading workspaces") as names,
    ):
        return [state.read(connection, name) for name in names]


def _no_rows(names: list[str], database: Database) -> None:
    """An empty or wrong database must not empty the manifests: they are left, and we say so."""
    if names:
        emit(
            text_inline(
                f"warning: no rows for workspace(s) {', '.join(names)} in {database.shown}; their manifests are left as they are"
            )
        )


def _check(result: Export, out: Path, empty: bool) -> int:
    from .. import export as export_

    changed = export_.changed(result, out)
    for relative in changed:
        emit(text_inline(f"would change {relative}"))
    if changed:
        emit(f"{len(changed)} file(s) would change")
    else:
        emit("no file would change" if empty else "no changes: the manifests match the database")
    return 1 if changed or result.failures else 0


def _write(result: Export, out: Path, exported: int) -> int:
    from .. import export as export_
    from ..documents import shown_path

    written = export_.write(result, out)
    for path in written:
        console.info(text_inline(f"wrote {shown_path(path)}"))
    console.info(f"exported {exported} workspace(s): {len(written)} file(s) changed")
    return 1 if result.failures else 0


def export(
    database_url: str | None, workspaces: list[str], out: Path, check: bool = False, prune: bool = False
) -> int:
    from .. import db
    from .. import export as export_
    from ..project import load_project

    project = load_project([out])
    database = db.open_database(database_url, project.root)
    states = _read_states(database, workspaces)
    warn([message for state in states for message in state.drift])
    empty = [s.workspace for s in states if not s.assets]
    _no_rows(empty, database)
    states = [s for s in states if s.assets]
    folder = export_.read_folder(out, project)
    for problem in folder.problems:
        emit(text_inline(f"warning: {problem}"))
    with collector.paused():  # the files are read as export comes to them
        result = export_.export(project, states, folder, prune, export_.base_of(out, project))
    if not workspaces:
        absent = export_.absent_workspaces(folder, project, {s.workspace for s in states} | set(empty))
        _no_rows(absent, database)
        empty += absent
    for warning in result.warnings + result.failures:
        emit(text_inline(f"warning: {warning}"))
    for note in result.notes:
        emit(text_inline(note))
    collector.keep(states, result)  # freed by the process's end, not object by object
    return _check(result, out, bool(empty)) if check else _write(result, out, len(states))
