"""Files to documents: find the manifests, read them safely, keep where every value came from."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .problems import ERROR, Problem

MAX_FILE_SIZE = 16 * 1024 * 1024
SUFFIXES = (".yaml", ".yml")
SKIPPED_FILES = {"shotkit.yaml", "shotkit.yml"}


_DROPPED = object()


@dataclass
class Document:
    """One manifest: its text (positions for messages are found in it, only when there is
    something to report) and its data, which a command that keeps only the model drops
    (`drop_data`): read again from the text, should anything ask for it after all."""

    path: Path
    shown: str
    text: str
    _data: Any
    _tree: yamlio.NodeTree | None = field(default=None, repr=False)

    @property
    def data(self) -> Any:
        if self._data is _DROPPED:
            self._data = yamlio.parse(self.text)
        return self._data

    def drop_data(self) -> None:
        """Free the parsed data: the model holds what it needs of it (a third of the memory)."""
        self._data = _DROPPED

    def position(self, path: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
        if self._tree is None:  # the slow path, taken only when there is something to report
            self._tree = yamlio.NodeTree(self.text, check=False)
        return self._tree.position(path, key)

    def problem(
        self, path: tuple[Any, ...], message: str, key: bool = False, severity: str = ERROR
    ) -> Problem:
        line, column = self.position(path, key)
        return Problem(self.shown, line, column, message, severity)


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it is below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(relative).as_posix() if not relative.startswith("..") else path.as_posix()


def discover(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The manifest files named, and those below the directories named, in a stable order.

    Below a directory: every `*.yaml` / `*.yml` in any letter case, through symbolic links
    whose target lies inside that directory (each real directory walked once, so a link
    cycle ends). A link leading outside, or to something that is neither a file nor a
    directory, is a problem, never a silent skip: a prune would delete what it declared."""
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        missing = _missing(path)
        if missing is not None:
            problems.append(missing)  # a result like any other: every output format reports it
        elif path.is_dir():
            _walk(path, found, problems)
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in sorted(found, key=lambda p: (p.resolve() != p.absolute(), p.as_posix())):
        unique.setdefault(path.resolve(), path)  # a file reached directly wins over a link to it
    return sorted(unique.values(), key=lambda p: p.as_posix()), problems


def _missing(path: Path) -> Problem | None:
    """The problem with a path named on the command line that cannot be reached, if any."""
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return Problem.whole(shown_path(path), "no such file or directory")
    except OSError as err:
        return Problem.whole(shown_path(path), f"cannot read: {err.strerror}")
    return None


def _walk(root: Path, found: list[Path], problems: list[Problem]) -> None:
    real_root = root.resolve()
    seen: set[Path] = set()
    pending = [root]
    while pending:
        directory = pending.pop()
        real = directory.resolve()
        if real in seen:
            continue  # a link back to a directory walked already (a cycle, or two links)
        seen.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as err:
            problems.append(Problem.whole(shown_path(directory), f"cannot list directory: {err.strerror}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            _consider(Path(entry.path), entry, real_root, found, pending, problems)


def _consider(
    path: Path,
    entry: os.DirEntry[str],
    real_root: Path,
    found: list[Path],
    pending: list[Path],
    problems: list[Problem],
) -> None:
    is_manifest = entry.name.lower().endswith(SUFFIXES) and entry.name not in SKIPPED_FILES
    if entry.is_symlink():
        target = path.resolve()
        if not (is_manifest or target.is_dir()):
            return  # a link to something else than a manifest or a directory: not ours
        if not target.is_relative_to(real_root):
            problems.append(
                Problem.whole(
                    shown_path(path),
                    f"symbolic link leads outside {shown_path(real_root)}; shotkit follows links only inside the directory it reads (name the target directly to read it)",
                )
            )
            return
    if entry.is_dir():
        pending.append(path)
    elif is_manifest:
        found.append(path)  # a FIFO or device named *.yaml is refused when read


class ReadRefused(Exception):
    """A file shotkit will not read; the message says why, for a one-line problem."""


def read_regular(path: Path, max_size: int = MAX_FILE_SIZE) -> bytes:
    """The bytes of a regular file of at most `max_size` bytes.

    Opened without blocking and checked on the open descriptor, so a FIFO cannot hang a run
    and `/dev/zero` cannot fill the memory, even if the file is swapped between checks."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise ReadRefused(f"cannot read: {err.strerror}") from None
    info = os.fstat(fd)  # before fdopen, which refuses a directory with IsADirectoryError
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ReadRefused(
            f"not a regular file ({_file_kind(info.st_mode)}); shotkit reads only regular files"
        )
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > max_size:
            raise ReadRefused(
                f"file is {info.st_size} bytes, over the limit of {max_size}; split it into several files"
            )
        try:
            raw = handle.read(max_size + 1)
        except OSError as err:
            raise ReadRefused(f"cannot read: {err.strerror}") from None
    if len(raw) > max_size:
        raise ReadRefused(f"file grew past the limit of {max_size} bytes while being read")
    return raw


def _file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def parse_file(path: Path, shown: str, max_size: int = MAX_FILE_SIZE) -> tuple[str, Any, list[Problem]]:
    """Read and parse a YAML file (a manifest or `shotkit.yaml`): its text and data, or the
    problems that stopped it, located (YAML errors at their line, a refused read at 1:1)."""
    try:
        raw = read_regular(path, max_size)
    except ReadRefused as refused:
        return "", None, [Problem.whole(shown, str(refused))]
    try:
        text = yamlio.decode(raw)
        return text, yamlio.parse(text), []
    except yamlio.YamlFailure as failure:
        return "", None, [Problem(shown, i.line, i.column, i.message) for i in failure.issues]


def load(path: Path, max_size: int = MAX_FILE_SIZE) -> tuple[Document | None, list[Problem]]:
    """Read and parse one manifest. Returns the document, or None and the problems."""
    shown = shown_path(path)
    text, data, problems = parse_file(path, shown, max_size)
    if problems:
        return None, problems
    if data is None:
        return None, [Problem.whole(shown, "file is empty: a manifest starts with `shotkit: 1`")]
    if not isinstance(data, dict):
        return None, [Problem.whole(shown, "a manifest is a mapping that starts with `shotkit: 1`")]
    if "shotkit" not in data:
        return None, [Problem.whole(shown, "not a shotkit manifest: the file must start with `shotkit: 1`")]
    # the real file: `fmt` and `export` replace it, not a link that leads to it
    return Document(path.resolve(), shown, text, data), []


def load_all(paths: list[Path], max_size: int = MAX_FILE_SIZE) -> tuple[list[Document], list[Problem]]:
    files, problems = discover(paths)
    documents, more = load_files(files, max_size)
    return documents, problems + more


def load_files(files: list[Path], max_size: int = MAX_FILE_SIZE) -> tuple[list[Document], list[Problem]]:
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in files:
        document, found = load(path, max_size)
        problems.extend(found)
        if document is not None:
            documents.append(document)
    return documents, problems


@dataclass(frozen=True)
class ScriptFile:
    """A script's `file:`, read with its manifest: its path relative to the project root and
    its text, or the one-line problem that stopped the reading."""

    body_file: str | None
    text: str | None
    problem: str | None = None


ScriptFiles = dict[tuple[Path, str], ScriptFile]  # (manifest path, `file:` as written) -> read


def read_script_files(documents: list[Document], root: Path) -> ScriptFiles:
    """Every script body the documents name, each read once, so the model stage does no I/O.

    Read before the schema check: the model reports a file's problem only where it uses the
    entry (an entry the schema refused is not read for its `file:` there)."""
    found: ScriptFiles = {}
    for document in documents:
        for relative in _script_file_names(document.data):
            if (document.path, relative) not in found:
                found[document.path, relative] = read_script(root, document.path, relative)
    return found


def _script_file_names(data: Any) -> list[str]:
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return []
    entries = [e for e in scripts.values() if isinstance(e, dict)]
    return [e["file"] for e in entries if isinstance(e.get("file"), str)]


def read_script(root: Path, manifest: Path, relative: str) -> ScriptFile:
    """A script's `file:` (relative to its manifest) -> its path relative to the project root
    and its text, or a problem: outside the project (after following links), not a regular
    file, too big, not UTF-8."""
    try:
        target = (manifest.parent / relative).resolve()
    except (OSError, ValueError):  # a NUL or an unencodable character; the schema refuses them
        return ScriptFile(None, None, f"script file {relative!r}: not a path shotkit can read")
    root = root.resolve()
    if Path(relative).is_absolute() or not target.is_relative_to(root):
        return ScriptFile(None, None, f"script file '{relative}' is outside the project directory")
    try:
        text = yamlio.decode(read_regular(target))
    except ReadRefused as refused:
        return ScriptFile(None, None, f"script file '{relative}': {refused}")
    except yamlio.YamlFailure as failure:
        issue = failure.issues[0]
        return ScriptFile(None, None, f"script file '{relative}' line {issue.line}: {issue.message}")
    return ScriptFile(target.relative_to(root).as_posix(), text)
