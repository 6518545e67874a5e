"""The project: the optional `shotkit.yaml` (defaults, owner label, custom types) and its root."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import yamlio
from .documents import ReadRefused, read_regular, shown_path
from .errors import ManifestError
from .problems import Problem
from .registry import Registry, builtin_registry, extend
from .schema import PROJECT_SCHEMA, Validator

PROJECT_FILE = "shotkit.yaml"
DEFAULT_OWNER = "shotkit"


@dataclass(frozen=True)
class Project:
    root: Path
    config_file: Path | None = None
    workspace: str | None = None
    owner: str = DEFAULT_OWNER
    registry: Registry = field(default_factory=builtin_registry)

    def relative(self, path: Path) -> str:
        """A manifest's path as recorded in the database and shown in messages."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_config(start: Path) -> Path | None:
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        if os.path.lexists(
            candidate / PROJECT_FILE
        ):  # a pipe or a dangling link is refused when read, not skipped
            return candidate / PROJECT_FILE
    return None


def load_project(paths: list[Path]) -> Project:
    """The project for these manifest paths: the nearest `shotkit.yaml` above the first one."""
    first = paths[0] if paths else Path.cwd()
    config = find_config(first)
    if config is None:
        root = first.resolve() if first.is_dir() else first.resolve().parent
        return Project(root=root)
    shown = shown_path(config)
    try:
        text = yamlio.decode(read_regular(config))
        data = yamlio.parse(text) or {}
    except yamlio.YamlFailure as failure:
        raise ManifestError([Problem(shown, i.line, i.column, i.message) for i in failure.issues]) from None
    except ReadRefused as refused:
        raise ManifestError([Problem(shown, 1, 1, str(refused))]) from None
    problems = []
    if not isinstance(data, dict):
        problems.append(((), "shotkit.yaml must be a mapping", False))
    else:
        problems.extend(Validator(PROJECT_SCHEMA).errors(data))
    if not problems:
        registry, type_problems = extend(
            builtin_registry(), data.get("asset_types") or {}, data.get("relationship_types") or {}
        )
        problems.extend((path, message, len(path) == 2) for path, message in type_problems)
    if problems:
        tree = yamlio.NodeTree(text)
        raise ManifestError(
            [Problem(shown, *tree.position(path, key), message) for path, message, key in problems]
        )
    return Project(
        root=config.parent.resolve(),
        config_file=config,
        workspace=data.get("workspace"),
        owner=data.get("owner", DEFAULT_OWNER),
        registry=registry,
    )
