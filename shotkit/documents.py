"""Files to documents: find the manifests, read them safely, keep where every value came from."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import ManifestError
from .problems import ERROR, Problem

MAX_FILE_SIZE = 16 * 1024 * 1024
SUFFIXES = (".yaml", ".yml")
SKIPPED_FILES = {"shotkit.yaml", "shotkit.yml"}


@dataclass
class Document:
    path: Path
    shown: str
    text: str
    data: Any
    _tree: yamlio.NodeTree | None = field(default=None, repr=False)

    def position(self, path: tuple, key: bool = False) -> tuple[int, int]:
        if self._tree is None:  # the slow path, taken only when there is something to report
            self._tree = yamlio.NodeTree(self.text)
        return self._tree.position(path, key)

    def problem(self, path: tuple, message: str, key: bool = False, severity: str = ERROR) -> Problem:
        line, column = self.position(path, key)
        return Problem(self.shown, line, column, message, severity)


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it is below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(relative).as_posix() if not relative.startswith("..") else path.as_posix()


def discover(paths: list[Path]) -> list[Path]:
    """The manifest files named, and those below the directories named, in a stable order."""
    found: list[Path] = []
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise ManifestError([Problem(shown_path(p), 1, 1, "no such file or directory") for p in missing])
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root) / f for f in sorted(files) if f.endswith(SUFFIXES) and f not in SKIPPED_FILES and not f.startswith("."))
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return sorted(unique.values(), key=lambda p: p.as_posix())


def load(path: Path, max_size: int = MAX_FILE_SIZE) -> tuple[Document | None, list[Problem]]:
    """Read and parse one manifest. Returns the document, or None and the problems."""
    shown = shown_path(path)
    try:
        size = path.stat().st_size
        if size > max_size:
            return None, [Problem(shown, 1, 1, f"file is {size} bytes, over the limit of {max_size}; split it into several files")]
        raw = path.read_bytes()
    except OSError as err:
        return None, [Problem(shown, 1, 1, f"cannot read: {err.strerror}")]
    try:
        text = yamlio.decode(raw)
        data = yamlio.parse(text)
    except yamlio.YamlFailure as failure:
        return None, [Problem(shown, i.line, i.column, i.message) for i in failure.issues]
    if data is None:
        return None, [Problem(shown, 1, 1, "file is empty: a manifest starts with `shotkit: 1`")]
    if not isinstance(data, dict):
        return None, [Problem(shown, 1, 1, "a manifest is a mapping that starts with `shotkit: 1`")]
    if "shotkit" not in data:
        return None, [Problem(shown, 1, 1, "not a shotkit manifest: the file must start with `shotkit: 1`")]
    return Document(path, shown, text, data), []


def load_all(paths: list[Path], max_size: int = MAX_FILE_SIZE) -> tuple[list[Document], list[Problem]]:
    return load_files(discover(paths), max_size)


def load_files(files: list[Path], max_size: int = MAX_FILE_SIZE) -> tuple[list[Document], list[Problem]]:
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in files:
        document, found = load(path, max_size)
        problems.extend(found)
        if document is not None:
            documents.append(document)
    return documents, problems
