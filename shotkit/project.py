"""The project: the optional `shotkit.yaml` (defaults, owner label, custom types) and its root."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .documents import parse_file, shown_path
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


def _folder(path: Path) -> Path:
    resolved = path.resolve()
    return resolved if resolved.is_dir() else resolved.parent


def read_project(paths: list[Path]) -> tuple[Project, list[Problem]]:
    """The project for these manifest paths (the nearest `shotkit.yaml` above the first),
    and the located problems of that file: problems are results, so `validate` reports them in
    every format. With problems, the project has the defaults (its types and owner are unknown)."""
    # the first path that exists: a mistyped first path is reported once, not as the cascade of
    # "no workspace" problems that a project found from the wrong folder would add
    first = next((p for p in paths if os.path.exists(p)), paths[0] if paths else Path.cwd())
    config = find_config(first)
    if config is None:
        return Project(root=_folder(first)), []
    shown = shown_path(config)
    text, data, problems = parse_file(config, shown)
    if not problems:
        project, problems = _settings(config, shown, text, data or {})
        if project is not None:
            return project, []
    return Project(root=config.parent.resolve(), config_file=config), problems


def _settings(config: Path, shown: str, text: str, data: Any) -> tuple[Project | None, list[Problem]]:
    """The project `shotkit.yaml`'s data describes, or the problems with it, at their lines."""
    issues: list[tuple[tuple[Any, ...], str, bool]] = []
    if not isinstance(data, dict):
        issues.append(((), "shotkit.yaml must be a mapping", False))
    else:
        issues.extend(Validator(PROJECT_SCHEMA).errors(data))
    if not issues:
        registry, type_issues = extend(
            builtin_registry(), data.get("asset_types") or {}, data.get("relationship_types") or {}
        )
        issues.extend((path, message, len(path) == 2) for path, message in type_issues)
    if issues:
        tree = yamlio.NodeTree(text)
        return None, [Problem(shown, *tree.position(path, key), message) for path, message, key in issues]
    return Project(
        root=config.parent.resolve(),
        config_file=config,
        workspace=data.get("workspace"),
        owner=data.get("owner", DEFAULT_OWNER),
        registry=registry,
    ), []


def load_project(paths: list[Path]) -> Project:
    """Like `read_project`, for the commands that cannot go on without the project: its
    problems raise ManifestError (shown as located lines)."""
    project, problems = read_project(paths)
    if problems:
        raise ManifestError(problems)
    return project
