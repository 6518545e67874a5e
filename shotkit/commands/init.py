"""`shotkit init`: start a project, or bring a database's workspace under git."""

from __future__ import annotations

from pathlib import Path


def init(directory: Path, database_url: str | None, workspace: str | None, owner: str | None) -> int:
    from ..errors import ShotkitError
    from ..scaffold import check_names, init_from_database
    from ..scaffold import init as scaffold

    check_names(workspace, owner)
    if database_url is None:
        return scaffold(directory, workspace, owner)
    if not workspace:
        raise ShotkitError("--from-database needs --workspace W: the workspace to bring under git")
    return init_from_database(directory, database_url, workspace, owner)
