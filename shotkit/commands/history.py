"""`shotkit history`: the syncs recorded in the database, latest first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._output import emit, emit_json, project_root, warn


def history(
    database_url: str | None, project: Path, workspaces: list[str], fmt: str, limit: int, with_plan: bool
) -> int:
    """Exit 0 even when a `--workspace` has no recorded sync (it may never have been synced):
    a warning names it, with the workspaces that have syncs."""
    from .. import db
    from .. import history as history_

    root = project_root(project)
    rows: list[dict[str, Any]] = []
    recorded: list[str] = []
    if database_url or (root / db.EMBEDDED_PATH).exists():  # a read: never create the embedded file
        database = db.open_database(database_url, root)
        with db.snapshot(database) as connection:
            rows = history_.runs(connection, workspaces, limit, with_plan)
            recorded = history_.recorded_workspaces(connection) if workspaces else []
    warn(history_.unrecorded(workspaces, recorded))
    if fmt == "json":
        emit_json({"format_version": 1, "runs": rows})
    else:
        emit(history_.text(rows))
    return 0
