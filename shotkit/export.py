"""The database back to manifests: rows as manifest entries, placed in the files they belong to.

Rows shotkit synced carry their manifest file and position (`assets.source`); takes and videos
go inside their shot. Rows made elsewhere (unmanaged) get a key from their name and `id:` so
the next sync adopts them rather than duplicating them. Existing files are edited in place
(inplace merges the data, yamledit edits the text); no path from the database is written outside the output directory.
"""

from __future__ import annotations

import os.path
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from . import canonical, inplace, yamledit
from .documents import Document
from .fileio import make_dirs, write_atomic
from .project import Project
from .registry import (
    ATTEMPT,
    ATTEMPT_NUMBER,
    GENERATED,
    TAKE,
    TAKE_TYPE,
    TAKES_FIELD,
    VIDEO,
    VIDEO_FIELD,
    VIDEO_TYPE,
    AssetType,
    RelationshipType,
)
from .schema import KEY_PATTERN
from .state import State

_KEY = re.compile(KEY_PATTERN)


@dataclass
class Export:
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text
    bodies: dict[str, str] = field(default_factory=dict)  # script body files
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # entries kept or removed, by file
    failures: list[str] = field(default_factory=list)  # files that could not be edited


def new_file(workspace: str) -> str:
    return f"{workspace}.new.yaml"


def safe_relative(path: Any, suffixes: tuple[str, ...] | None = None) -> str | None:
    """A relative POSIX path that stays below the output directory, else None."""
    if not isinstance(path, str) or not path or "\\" in path or not path.isprintable():
        return None  # control characters (a newline, U+0000) never reach a file name
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or pure.parts[0].startswith("."):
        return None
    if suffixes and pure.suffix not in suffixes:
        return None
    return pure.as_posix()


def slug(text: str) -> str:
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-._").lower()
    return value if value and _KEY.match(value) else ""


@dataclass(frozen=True, slots=True)
class Placed:
    """A row's place among the manifests. Its entry is built from `row` only when a file needs
    it (and dropped with that file): holding every entry at once doubled the state's memory."""

    file: str | None  # the file it came from (None: made at runtime)
    order: int
    section: tuple[Any, ...]  # ("shots",) or ("assets", "prop")
    key: str
    asset_type: AssetType
    row: dict[str, Any]


def section_path(asset_type: AssetType) -> tuple[Any, ...]:
    return (asset_type.section,) if asset_type.section else ("assets", asset_type.name)


class _Workspace:
    def __init__(
        self,
        project: Project,
        state: State,
        result: Export,
        files: FileKeys = lambda: (frozenset(), {}),
        base: str = "",
    ) -> None:
        self.project = project
        self.base = base  # the output directory, relative to the project root ("" when it is the root)
        self.state = state
        self.result = result
        self.children: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.nested: set[str] = set()  # takes and videos some shot or take leads to
        for link in state.links.values():
            self.children[link["parent_asset_id"]].append(link)
            if link["relationship_type"] in (ATTEMPT, GENERATED):
                self.nested.add(link["child_asset_id"])
        self.suspect = _suspects(state, project.registry.relationship_types)
        self.keys = _assign_keys(state, files)
        self.takes = _Takes(state, self.children)
        self._files: dict[str, str | None] = {}  # recorded file -> the safe path (few distinct ones)

    def placed(self) -> list[Placed]:
        """Every row this workspace exports, with the file it came from and its key; what its
        entry will say is checked here (the warnings), the entry itself built later."""
        placed: list[Placed] = []
        registry = self.project.registry
        sections = {t.name: section_path(t) for t in registry.asset_types.values()}  # one tuple each
        for row in self.state.assets.values():
            asset_type = registry.asset_types.get(row["type"])
            if row["type"] in (TAKE, VIDEO):
                if row["id"] not in self.nested:
                    self.result.warnings.append(
                        f"{row['type']} {row['id']} ({row['name']}) belongs to no shot; not exported"
                    )
                continue
            if asset_type is None:
                self.result.warnings.append(
                    f"{row['type']} {row['id']} ({row['name']}): type '{row['type']}' is not declared in shotkit.yaml; not exported"
                )
                continue
            key = self.keys[row["id"]]
            placed.append(self._place(row, asset_type, key, sections[asset_type.name]))
            if row["id"] in self.suspect:
                self.check(asset_type, key, row)
        placed.sort(key=lambda p: (p.file or new_file(self.state.workspace), p.order, p.key, p.row["id"]))
        return placed

    def _place(
        self, row: dict[str, Any], asset_type: AssetType, key: str, section: tuple[Any, ...]
    ) -> Placed:
        source = row["source"] or {}
        file = self._file(source.get("file")) if row["manifest_key"] else None
        if row["manifest_key"] and file is None and source.get("file") is not None:
            self.result.warnings.append(
                f"{row['type']} '{row['manifest_key']}': recorded file {source.get('file')!r} is not a safe relative path; written to {new_file(self.state.workspace)}"
            )
        order = source.get("order", 10**9) if isinstance(source.get("order"), int) else 10**9
        return Placed(file, order, section, key, asset_type, row)

    def _file(self, recorded: Any) -> str | None:
        """A recorded manifest path as a safe path below the output directory (or None),
        worked out once per distinct path: a production has a few hundred files, not a
        hundred thousand."""
        if not isinstance(recorded, str):
            return None
        if recorded not in self._files:
            self._files[recorded] = self.from_root(safe_relative(recorded, (".yaml", ".yml")))
        return self._files[recorded]

    def linked(self, row: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """The row's links to rows being exported, by relationship type."""
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for link in self.children.get(row["id"], ()):
            if link["child_asset_id"] in self.state.assets:
                by_type[link["relationship_type"]].append(link)
        return by_type

    def check(self, asset_type: AssetType, key: str, row: dict[str, Any]) -> None:
        """The warnings `entry` would give, in its order, without building the entry."""
        by_type = self.linked(row)
        rels = self.project.registry.relationship_types
        for rel_name, links in by_type.items():
            rel = rels.get(rel_name)
            if rel is None or rel.parent != asset_type.name:
                self.result.warnings.append(
                    f"{asset_type.name} '{key}': {len(links)} {rel_name} link(s) of an undeclared relationship type; not exported"
                )
        if asset_type.name == "shot":
            self.result.warnings.extend(self.takes.check(by_type.get(ATTEMPT, [])))

    def entry(self, asset_type: AssetType, key: str, row: dict[str, Any]) -> dict[str, Any]:
        """The row as its manifest entry (the problems with it were reported by `check`)."""
        out: dict[str, Any] = {"id": row["id"], "name": row["name"], **_columns(asset_type, row)}
        metadata = dict(row["asset_metadata"])
        for spec in asset_type.fields:  # a script's `file:` is where its text came from, never stored
            if spec.meta_key in metadata and not (asset_type.name == "script" and spec.name == "file"):
                out[spec.name] = metadata.pop(spec.meta_key)
        if asset_type.name == "script":
            self.script_body(row, out)
        rels = self.project.registry.relationship_types
        by_type = self.linked(row)
        for rel_name, links in by_type.items():
            rel = rels.get(rel_name)
            if rel is None or rel.parent != asset_type.name or rel.nested:
                continue
            items = [self.item(link) for link in sorted(links, key=_link_order)]
            items = [i for i in items if i is not None]
            if rel.field:
                out[rel.field] = items
            else:
                out.setdefault("links", {})[rel_name] = items
        if asset_type.name == "shot":
            takes = self.takes.of_shot(by_type.get(ATTEMPT, []))
            if takes:
                out[TAKES_FIELD] = takes
        if metadata:
            out["metadata"] = metadata
        return out

    def from_root(self, path: str | None) -> str | None:
        """A recorded path (relative to the project root, as sync records it) as a path
        relative to the output directory, when the output directory is a folder below the root
        that holds it (`init --from-database`, `export --out manifests` with `shotkit.yaml`
        above `manifests/`); other paths are kept as they are."""
        if path and self.base and path.startswith(self.base + "/"):
            return path[len(self.base) + 1 :]
        return path

    def script_body(self, row: dict[str, Any], out: dict[str, Any]) -> None:
        body_file = safe_relative((row["source"] or {}).get("body_file")) if row["manifest_key"] else None
        if body_file and "text" in out:
            self.result.bodies[self.from_root(body_file) or body_file] = out.pop("text")
            out["file"] = _relative_to(body_file, (row["source"] or {}).get("file") or "")

    def item(self, link: dict[str, Any]) -> Any:
        key = self.keys.get(link["child_asset_id"])
        if key is None:
            return None
        return {"ref": key, **link["relationship_metadata"]} if link["relationship_metadata"] else key


# The keys of the files' entries and the key of the entry that declares each (type, id):
# what a row without a manifest key needs, worked out (every file read) only if there is one.
FileKeys = Callable[[], tuple[frozenset[Any], dict[tuple[str, str], str]]]


def _suspects(state: State, rels: dict[str, RelationshipType]) -> set[str]:
    """The rows `check` may have something to say about, found in one pass over the links
    (a superset: `check` decides): a link of a relationship type not declared for its
    parent, a take without an attempt number, a take with more than one video."""
    assets = state.assets
    suspect: set[str] = set()
    videos: dict[str, int] = defaultdict(int)
    attempts: list[tuple[str, str]] = []
    for link in state.links.values():
        parent, child, kind = link["parent_asset_id"], link["child_asset_id"], link["relationship_type"]
        if parent not in assets or child not in assets:
            continue
        rel = rels.get(kind)
        if rel is None or rel.parent != assets[parent]["type"]:
            suspect.add(parent)
        if kind == GENERATED:
            videos[parent] += 1
        elif kind == ATTEMPT:
            attempts.append((parent, child))
            if not isinstance(_Takes.attempt(assets[child], link), int):
                suspect.add(parent)
    suspect.update(shot for shot, take in attempts if videos.get(take, 0) > 1)
    return suspect


def _assign_keys(state: State, files: FileKeys) -> dict[str, str]:
    """Each row's key (takes and videos have none of their own): its manifest key, else the key
    of the entry that declares its `id:`, else one made from its name that no other row and no
    entry in the files has."""
    known: list[tuple[frozenset[Any], dict[tuple[str, str], str]]] = []

    def in_files() -> tuple[frozenset[Any], dict[tuple[str, str], str]]:
        if not known:
            known.append(files())
        return known[0]

    keys: dict[str, str] = {}
    taken: set[tuple[str, str]] = set()
    rows = sorted(
        state.assets.values(),
        key=lambda r: (r["manifest_key"] is None, r["created_at"] or "", r["id"]),
    )
    for row in rows:
        if row["type"] in (TAKE, VIDEO):
            continue
        key = row["manifest_key"] if row["manifest_key"] and _KEY.match(row["manifest_key"]) else None
        if key is None:  # a runtime row an earlier export wrote (with its `id:`), not synced since
            ident = _uuid(row["id"])
            key = in_files()[1].get((row["type"], ident)) if ident else None
        if key is None or (row["type"], key) in taken:
            base = (
                (row["type"] == "shot" and slug(str(row["asset_metadata"].get("shot_number", ""))))
                or slug(row["name"])
                or row["type"].replace("_", "-")
            )
            key, n, reserved = base, 1, in_files()[0]
            while (row["type"], key) in taken or (row["type"], key) in reserved:
                n += 1
                key = f"{base}-{n}"
        taken.add((row["type"], key))
        keys[row["id"]] = key
    return keys


class _Takes:
    """A shot's takes and their videos, from their rows back to the items of its `takes:`."""

    def __init__(self, state: State, children: dict[str, list[dict[str, Any]]]) -> None:
        self.state = state
        self.children = children  # asset id -> its links to children

    def check(self, links: list[dict[str, Any]]) -> list[str]:
        """What `of_shot` leaves out or cuts short, as warnings, in its order."""
        warnings = []
        for link in sorted(links, key=_link_order):
            row = self.state.assets[link["child_asset_id"]]
            if not isinstance(self.attempt(row, link), int):
                warnings.append(f"take {row['id']} ({row['name']}) has no attempt number; not exported")
                continue
            videos = self.videos(row)
            if len(videos) > 1:
                warnings.append(f"take {row['id']} has {len(videos)} videos; only the first is exported")
        return warnings

    def of_shot(self, links: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The takes the shot's `generation_attempt` links lead to, in attempt order; a take
        without an attempt number is left out."""
        takes = (self.take(link) for link in sorted(links, key=_link_order))
        return [t for t in takes if t]

    @staticmethod
    def attempt(row: dict[str, Any], link: dict[str, Any]) -> Any:
        """The stored attempt, else the link's sequence (a take made elsewhere may lack the key)."""
        return row["asset_metadata"].get(ATTEMPT_NUMBER, link["sequence"])

    def take(self, link: dict[str, Any]) -> dict[str, Any] | None:
        """A take row (and its video) as an item of its shot's `takes:`."""
        row = self.state.assets[link["child_asset_id"]]
        attempt = self.attempt(row, link)
        if not isinstance(attempt, int):
            return None
        metadata = dict(row["asset_metadata"])
        out: dict[str, Any] = {"id": row["id"], "name": row["name"], **TAKE_TYPE.unstored(metadata)}
        out["attempt"] = attempt
        video = self.video(row)
        if video:
            out[VIDEO_FIELD] = video
        if metadata:
            out["metadata"] = metadata
        return out

    def videos(self, take: dict[str, Any]) -> list[dict[str, Any]]:
        return sorted(
            (
                v
                for v in self.children.get(take["id"], ())
                if v["relationship_type"] == GENERATED and v["child_asset_id"] in self.state.assets
            ),
            key=_link_order,
        )

    def video(self, take: dict[str, Any]) -> dict[str, Any] | None:
        """The take's video as its `video:` entry (a take has one: the first)."""
        videos = self.videos(take)
        if not videos:
            return None
        row = self.state.assets[videos[0]["child_asset_id"]]
        metadata = dict(row["asset_metadata"])
        out: dict[str, Any] = {"id": row["id"], "name": row["name"], **_columns(VIDEO_TYPE, row)}
        out.update(VIDEO_TYPE.unstored(metadata))
        if metadata:
            out["metadata"] = metadata
        return out


def _columns(asset_type: AssetType, row: dict[str, Any]) -> dict[str, Any]:
    """The fields stored in columns; a required one (a video's `url`) is written even when the
    column is NULL, as empty text, so the entry stays one the schema accepts."""
    out: dict[str, Any] = {}
    for spec in asset_type.fields:
        if spec.column is not None and (row[spec.column] is not None or spec.required):
            out[spec.name] = row[spec.column] if row[spec.column] is not None else ""
    return out


def _uuid(value: Any) -> str | None:
    """A UUID in one spelling (lower case, hyphens), or None if `value` is not one."""
    try:
        return str(uuid.UUID(str(value))) if isinstance(value, (str, uuid.UUID)) else None
    except ValueError:
        return None


def _link_order(link: dict[str, Any]) -> tuple[Any, ...]:
    return (link["sequence"] is None, link["sequence"] or 0, link["child_asset_id"])


def _relative_to(body_file: str, manifest_file: str) -> str:
    """`body_file` (relative to the project root) as written in the manifest next to it."""
    return PurePosixPath(
        os.path.relpath(body_file, PurePosixPath(manifest_file).parent.as_posix() or ".")
    ).as_posix()


def _ours(project: Project, state: State, result: Export) -> State:
    """The rows this project may declare: its own and unmanaged ones. Another project's rows
    stay out of our manifests (declaring them here would make the next sync a conflict).
    Without such rows the state itself (a copy of its tables would cost memory for nothing)."""
    theirs = {i: r["owner"] for i, r in state.assets.items() if r["owner"] not in (None, project.owner)}
    if not theirs:
        return state
    owners = ", ".join(sorted(set(theirs.values())))
    result.warnings.append(
        f"workspace {state.workspace}: {len(theirs)} row(s) owned by another project ({owners}) not exported"
    )
    return replace(
        state,
        assets={i: r for i, r in state.assets.items() if i not in theirs},
        links={
            k: link
            for k, link in state.links.items()
            if link["parent_asset_id"] not in theirs and link["child_asset_id"] not in theirs
        },
    )


def export(
    project: Project, states: list[State], folder: Folder, prune: bool = False, base: str = ""
) -> Export:
    """Each workspace's rows merged into its files (`folder`, whose paths are relative to the
    output directory, which is `base` relative to the project root); rows with no place in them
    go to new files. Rows recorded in an unreadable file (one that does not parse) are not
    written anywhere: they would be duplicates."""
    result = Export()
    for state in states:
        _Files(project, state, folder, result, prune, base).run()
    return result


def file_workspace(data: dict[str, Any], project: Project) -> str | None:
    workspace = data.get("workspace") or project.workspace
    return workspace if isinstance(workspace, str) else None


class _Files:
    """One workspace's rows into its files: merged into the entries there, new ones appended.

    The files are read, merged and edited one at a time, each dropped once its edit is made, so
    that they are never all parsed beside the state. What must be known of every file (its
    workspace, keys, `id:`s and sections) is kept as its Outline. The rows no file holds are
    appended afterwards: the few files that receive some are parsed and merged again for it."""

    def __init__(
        self, project: Project, state: State, folder: Folder, result: Export, prune: bool, base: str = ""
    ) -> None:
        self.project, self.state, self.result, self.prune = project, state, result, prune
        self.workspace = state.workspace
        self.folder = folder
        self.rows = _Workspace(project, _ours(project, state, result), result, self._keys_in_files, base)
        self.database: dict[tuple[Any, ...], dict[str, Placed]] = defaultdict(dict)
        for placed in self.rows.placed():
            self.database[placed.section][placed.key] = placed
        self.mine: dict[str, None] = {}  # our files, in path order, as the merge finds them
        self.documents: dict[str, Document] = {}  # the files of ours that get appended rows
        self.data: dict[str, dict[str, Any]] = {}  # new files, and files of ours that get appended rows
        self.touched: set[str] = set()  # files whose data the merge changed
        self.failed: dict[str, str] = {}  # file -> why it could not be edited

    def _keys_in_files(self) -> tuple[frozenset[Any], dict[tuple[str, str], str]]:
        self.folder.outline_all()
        return _keys_in(self._outlines().values(), self.project)

    def _outlines(self) -> dict[str, Outline]:
        return {f: o for f, o in self.folder.outlines.items() if o.workspace == self.workspace}

    def canon(self, placed: Placed) -> dict[str, Any]:
        entry = self.rows.entry(placed.asset_type, placed.key, placed.row)
        return canonical.entry(self.project, self.workspace, placed.asset_type, placed.key, entry)

    def run(self) -> None:
        for file in self.folder.paths:
            known = self.folder.outlines.get(file)
            if file in self.folder.unreadable or (known and known.workspace != self.workspace):
                continue  # another workspace's file, known from an earlier pass: not parsed again
            document = self.folder.load(file)
            if document is not None and self.folder.outlines[file].workspace == self.workspace:
                self.mine[file] = None
                self.finish(file, self.merge(file, document.data), document)
        appends, stray, blocked = self._appends()
        self._reopen({file for file, _ in appends if file in self.mine})
        for file, placed in appends:
            if file in self.mine and file not in self.documents:
                continue  # its file could not be read again: reported by _reopen
            self.append(file, placed)
        _left_out(self.result, self.workspace, stray, blocked)
        for file, data in self.data.items():
            self.finish(file, data, self.documents.get(file))
        self.result.failures.extend(self.failed[f] for f in self.mine if f in self.failed)

    def _reopen(self, targets: set[str]) -> None:
        """Our files that get appended rows, parsed and merged again (its report already made),
        their edit to be made again once the rows are in."""
        for file in self.mine:
            if file not in targets:
                continue
            self.result.files.pop(file, None)
            self.failed.pop(file, None)
            document = self.folder.load(file)
            if document is None:
                self.failed[file] = f"{file}: could not be read again; its new rows were not exported"
                continue
            self.documents[file] = document
            self.data[file] = self.merge(file, document.data, quiet=True)

    def _appends(self) -> tuple[list[tuple[str, Placed]], dict[str, int], dict[str, int]]:
        """The rows no file of ours holds, each with the file it goes to; and, by file, the
        rows left out because their file is another workspace's (stray) or unreadable
        (blocked). Worked out from the outlines, once every file was read."""
        exported = [section_path(t) for t in _exported_types(self.project)]
        outlines = self._outlines()
        others = set(self.folder.outlines) - set(outlines)
        used = _used(outlines.values(), self.database, exported)
        present = {f: _present(o, self.database, exported, self.prune) for f, o in sorted(outlines.items())}
        appends: list[tuple[str, Placed]] = []
        stray: dict[str, int] = defaultdict(int)
        blocked: dict[str, int] = defaultdict(int)
        for section, entries in self.database.items():
            for key, placed in entries.items():
                if (section, key) in used:
                    continue
                if placed.file in others:
                    stray[placed.file] += 1
                elif placed.file in self.folder.unreadable:
                    blocked[placed.file] += 1
                else:
                    file = _destination(placed, present, self.workspace)
                    if file in present:
                        present[file].add(placed.section)
                    appends.append((file, placed))
        return appends, stray, blocked

    def merge(self, file: str, data: dict[str, Any], quiet: bool = False) -> dict[str, Any]:
        report = inplace.Merged()
        out = dict(data)
        for asset_type in _exported_types(self.project):
            section = section_path(asset_type)
            raw = _at(data, section)
            if not isinstance(raw, dict):
                continue
            rows = self.database.get(section, {})

            def database(key: str, rows: dict[str, Placed] = rows) -> dict[str, Any] | None:
                return self.canon(rows[key]) if key in rows else None

            def canon(key: str, entry: dict[str, Any], asset_type: AssetType = asset_type) -> dict[str, Any]:
                return canonical.entry(self.project, self.workspace, asset_type, key, entry)

            merged = inplace.merge_section(raw, canon, database, self.prune, ".".join(section), report)
            if merged.keys() != raw.keys() or any(merged[k] is not raw[k] for k in raw):
                self.touched.add(file)  # merge returns the very objects it keeps
            _put(out, section, merged if merged or not raw else None)
        if not quiet:
            _report(self.result, file, report, self.prune)
        return out

    def append(self, file: str, placed: Placed) -> None:
        data = self.data.setdefault(file, {"shotkit": 1, "workspace": self.workspace})
        self.touched.add(file)
        section = dict(_at(data, placed.section) or {})
        added = placed.section[0] not in data
        _put(data, placed.section, section)
        if added and file in self.mine:
            self.data[file] = _section_order(data, placed.section[0], self.project)
        section[placed.key] = (
            self.rows.entry(placed.asset_type, placed.key, placed.row)
            if file not in self.mine
            else self.canon(placed)
        )

    def finish(self, file: str, data: dict[str, Any], document: Document | None) -> None:
        if document is None:
            if file in self.result.files:
                self.result.warnings.append(
                    f"{file}: holds rows of more than one workspace; {self.workspace}'s went to {new_file(self.workspace)}"
                )
                file = new_file(self.workspace)
            self.result.files[file] = canonical.dump(data, self.project)
        elif file in self.touched and not yamledit.same(data, document.data):
            try:
                self.result.files[file] = yamledit.update(document.text, data)
            except yamledit.EditFailure as err:
                self.failed[file] = f"{file}: cannot be edited in place ({err}); left as it is"


def _keys_in(
    outlines: Iterable[Outline], project: Project
) -> tuple[frozenset[Any], dict[tuple[str, str], str]]:
    """(type, key) of every entry in the files, and the key of the first entry that declares
    each (type, id)."""
    reserved: set[tuple[str, Any]] = set()
    declared: dict[tuple[str, str], str] = {}
    for o in outlines:
        for t in project.registry.asset_types.values():
            if t.name not in (TAKE, VIDEO):
                reserved.update((t.name, key) for key in o.sections.get(section_path(t)) or ())
        for ident, key in o.declared:
            declared.setdefault(ident, key)
    return frozenset(reserved), declared


def _used(
    outlines: Iterable[Outline],
    database: dict[tuple[Any, ...], dict[str, Placed]],
    exported: list[tuple[Any, ...]],
) -> set[tuple[Any, ...]]:
    """(section, key) of the rows an entry in the files stands for."""
    used: set[tuple[Any, ...]] = set()
    for outline in outlines:
        for section in exported:
            rows = database.get(section, {})
            used.update((section, k) for k in outline.sections.get(section) or () if k in rows)
    return used


def _present(
    outline: Outline,
    database: dict[tuple[Any, ...], dict[str, Placed]],
    exported: list[tuple[Any, ...]],
    prune: bool,
) -> set[tuple[Any, ...]]:
    """The sections a file will have once merged: all it has, but for a section whose every
    entry --prune removes."""
    present = set()
    for section, keys in outline.sections.items():
        rows = database.get(section, {})
        kept = keys is None or section not in exported or not keys or not prune
        if kept or any(k in rows for k in keys or ()):
            present.add(section)
    return present


def _destination(placed: Placed, present: dict[str, set[tuple[Any, ...]]], workspace: str) -> str:
    """The recorded file if it is one of ours (`present`: our files, in path order, with the
    sections each has), else the last of ours holding the section, else a new file."""
    if placed.file in present:
        return placed.file
    holders = [f for f, sections in present.items() if placed.section in sections]
    if holders:
        return holders[-1]
    return placed.file or new_file(workspace)


def _left_out(result: Export, workspace: str, stray: dict[str, int], blocked: dict[str, int]) -> None:
    for file, count in sorted(stray.items()):
        result.warnings.append(
            f"{file}: {count} row(s) of workspace {workspace} came from this file, which now belongs to another workspace; not written back"
        )
    for file, count in sorted(blocked.items()):
        result.failures.append(
            f"{file}: cannot be read (run shotkit validate); its {count} row(s) of workspace {workspace} were not exported"
        )


def _report(result: Export, file: str, report: inplace.Merged, prune: bool) -> None:
    if report.missing:
        what = "removed" if prune else "kept (export --prune removes them)"
        result.notes.append(
            f"{file}: {len(report.missing)} entries are not in the database; {what}: {', '.join(report.missing[:5])}{' ...' if len(report.missing) > 5 else ''}"
        )
    for where in report.invalid:
        result.warnings.append(
            f"{file}: {where} is not a valid entry; left as written (run shotkit validate)"
        )


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _put(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Set (or, with None, remove) the value at `path`, copying the mappings on the way."""
    if len(path) == 1:
        if value is None:
            data.pop(path[0], None)
        else:
            data[path[0]] = value
        return
    inner = dict(data.get(path[0]) or {})
    _put(inner, path[1:], value)
    if inner:
        data[path[0]] = inner
    else:
        data.pop(path[0], None)


def _exported_types(project: Project) -> list[AssetType]:
    """Types with entries of their own, in canonical section order (custom types under assets)."""
    custom = project.registry.custom_asset_types
    builtin = canonical.section_order(project)
    return builtin[:-1] + custom + builtin[-1:]


def _section_order(data: dict[str, Any], added: str, project: Project) -> dict[str, Any]:
    """A file's data with a new top-level section `added` moved to where canonical form has it."""
    order = ["shotkit", "workspace"] + [t.section or "assets" for t in _exported_types(project)]
    template = {k: data[k] for k in dict.fromkeys(order) if k in data}
    kept = {k: v for k, v in data.items() if k != added}
    return inplace.insert_after_predecessors(kept, template)


def changed(result: Export, out: Path) -> list[str]:
    """The files `write` would change (relative paths), writing nothing."""
    root = out.resolve()
    return [
        relative
        for relative, text in sorted({**result.files, **result.bodies}.items())
        if not (root / relative).is_file() or (root / relative).read_bytes() != text.encode("utf-8")
    ]


def write(result: Export, out: Path) -> list[Path]:
    """Write what changed; returns the paths written. Refuses any path outside `out`."""
    written: list[Path] = []
    root = out.resolve()
    for relative, text in sorted({**result.files, **result.bodies}.items()):
        target = (root / relative).resolve()
        if not target.is_relative_to(root):
            result.warnings.append(f"{relative}: outside {root}; not written")
            continue
        if target.exists() and target.read_bytes() == text.encode("utf-8"):
            continue
        make_dirs(target.parent)
        write_atomic(target, text)
        written.append(target)
    return written


@dataclass(frozen=True)
class Outline:
    """What export must know of a file before merging any (the keys runtime rows must not
    take, the entries that stand for rows, where appended rows go), so that the files need
    not all stay parsed at once: a few MB where the parsed files took 60 MB at 10,000 shots."""

    workspace: str | None
    sections: dict[
        tuple[Any, ...], frozenset[Any] | None
    ]  # section -> its keys (None: not a mapping); absent ones left out
    declared: tuple[tuple[tuple[str, str], Any], ...]  # ((type, id), key) of each entry with a valid `id:`


def outline(data: dict[str, Any], project: Project) -> Outline:
    sections: dict[tuple[Any, ...], frozenset[Any] | None] = {}
    declared: list[tuple[tuple[str, str], Any]] = []
    for asset_type in project.registry.asset_types.values():
        section = _at(data, section_path(asset_type))
        if section is None:
            continue
        sections[section_path(asset_type)] = frozenset(section) if isinstance(section, dict) else None
        if asset_type.name in (TAKE, VIDEO) or not isinstance(section, dict):
            continue
        for key, entry in section.items():
            row_id = _uuid(entry.get("id")) if isinstance(entry, dict) else None
            if row_id is not None:
                declared.append(((asset_type.name, row_id), key))
    return Outline(file_workspace(data, project), sections, tuple(declared))


@dataclass
class Folder:
    """The manifests already in an export's output folder, by path relative to it. Each is
    parsed when export comes to it (`load`), and only its Outline is kept."""

    project: Project | None = None
    paths: dict[str, Path] = field(default_factory=dict)  # in path order
    outlines: dict[str, Outline] = field(default_factory=dict)  # the files read so far
    unreadable: set[str] = field(default_factory=set)  # files that do not load: their rows are not rewritten
    problems: list[Any] = field(default_factory=list)  # list[Problem]: links refused, folders unlisted

    def load(self, relative: str) -> Document | None:
        """The file parsed (None if it does not load), its outline recorded."""
        from . import documents as documents_

        assert self.project is not None  # a folder with files was read for a project
        document, _ = documents_.load(self.paths[relative])
        if document is None:
            self.unreadable.add(relative)
            self.outlines.pop(relative, None)
        else:
            self.unreadable.discard(relative)
            self.outlines[relative] = outline(document.data, self.project)
        return document

    def outline_all(self) -> None:
        """Every file's outline (each file not read yet is parsed, then dropped)."""
        for relative in self.paths:
            if relative not in self.outlines and relative not in self.unreadable:
                self.load(relative)


def read_folder(out: Path, project: Project) -> Folder:
    """The manifests in the output folder (a folder that does not exist yet is empty): export
    edits the files that are there, and must know which of them do not load."""
    from . import documents as documents_

    if not out.exists():
        return Folder(project)
    root = out.resolve()
    found, problems = documents_.discover([out])
    paths = {
        path.resolve().relative_to(root).as_posix(): path
        for path in found
        if path.resolve().is_relative_to(root)
    }
    return Folder(project, dict(sorted(paths.items())), problems=problems)


def base_of(out: Path, project: Project) -> str:
    """The output directory relative to the project root ("" when it is the root or not below it)."""
    root, folder = project.root.resolve(), out.resolve()
    return folder.relative_to(root).as_posix() if folder != root and folder.is_relative_to(root) else ""


def absent_workspaces(folder: Folder, project: Project, present: set[str]) -> list[str]:
    """Workspaces the folder's files are about that the database has no rows for (a wrong or
    fresh database: say so, never "the manifests match the database")."""
    folder.outline_all()
    named = (o.workspace for o in folder.outlines.values())
    return sorted({w for w in named if w and w not in present})
