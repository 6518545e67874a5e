"""Documents to the production model: schema-checked, merged per workspace, ids assigned.

The model holds exactly what the database will hold (names, columns, `asset_metadata`, links
with sequence and metadata), plus where each thing was declared, for messages and export.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from .documents import Document, ScriptFiles
from .problems import WARNING, Problem, did_you_mean
from .project import Project
from .registry import (
    ATTEMPT,
    ATTEMPT_NUMBER,
    GENERATED,
    LINK_KEYS,
    SELECTED_KEY,
    TAKE,
    TAKE_TYPE,
    TAKES_FIELD,
    VIDEO,
    VIDEO_FIELD,
    VIDEO_TYPE,
    AssetType,
    Registry,
    RelationshipType,
    take_name,
    video_name,
)
from .schema import Validator, location, manifest_schema

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shotkit.dev/ids")


_NAMESPACE_BYTES = NAMESPACE.bytes


def derived_id(workspace: str, asset_type: str, key: str) -> str:
    """The row id of an asset without `id:`: the same from every checkout."""
    return uuid5_text(f"{workspace}/{asset_type}/{key}")


def uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(NAMESPACE, name))`, without building the UUID object (10x faster)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def take_key(shot_key: str, attempt: int) -> str:
    return f"{shot_key}#{attempt}"


@dataclass(slots=True)
class Asset:
    workspace: str
    type: str
    key: str
    name: str
    adopted_id: str | None = None  # from `id:`: adopt an existing row
    url: str | None = None
    duration: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    document: Document | None = None
    path: tuple[Any, ...] = ()
    order: int = 0
    body_file: str | None = None  # a script's `file:`, relative to the project root
    file: str | None = None  # the manifest file, relative to the project root
    _id: str | None = field(default=None, repr=False)
    # (type, key), made once: the workspace's index and every link from this asset share it
    ref: tuple[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.ref = (self.type, self.key)

    @property
    def id(self) -> str:
        """The row id, a UUID as text: the adopted one, else derived (computed when needed)."""
        if self._id is None:
            self._id = self.adopted_id or derived_id(self.workspace, self.type, self.key)
        return self._id


@dataclass(slots=True)
class Link:
    workspace: str
    type: str
    parent: tuple[str, str]  # (asset type, key)
    child_key: str
    child_type: str
    sequence: int | None
    _metadata: dict[str, Any] | None  # None for none: most links have none, and a dict each is 64 bytes
    document: Document
    # Where it is declared: a list item's path is its list's (shared by the list's links) and
    # its index, sequence - 1, put together only for a message; a take's or video's is its own.
    _where: tuple[Any, ...]
    _listed: bool = False

    @property
    def path(self) -> tuple[Any, ...]:
        return self._where + (self.sequence - 1,) if self._listed and self.sequence else self._where

    @property
    def metadata(self) -> dict[str, Any]:
        """The link's metadata (a new empty dict when it has none, so a caller may change it)."""
        return {} if self._metadata is None else self._metadata


@dataclass
class Workspace:
    name: str
    assets: dict[tuple[str, str], Asset] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    # The keys of the assets listed links (not a take's or a video's) point at, by asset type,
    # gathered as the links are added: the graph checks compare them with `assets` instead of
    # walking every link again once the whole production is loaded.
    children: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Production:
    project: Project
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    complete: bool = True  # False when a file was left out, so references may dangle
    invalid: set[Any] = field(default_factory=set)  # (workspace, type, key) declared but not valid


def build(
    documents: list[Document], project: Project, scripts: ScriptFiles
) -> tuple[Production, list[Problem]]:
    """The production the documents declare; `scripts` holds the script files they name, read
    by the documents stage (`documents.read_script_files`), so this stage does no I/O."""
    builder = Builder(project, scripts)
    for document in documents:
        builder.add(document)
    return builder.finish()


class _Checks:
    """The problems found so far, and the checks of values every kind of entry shares."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, document: Document, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(document.problem(path, message, key))

    def warning(self, document: Document, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(document.problem(path, message, key, WARNING))

    def exact_float(self, document: Document, path: tuple[Any, ...], value: float) -> float | None:
        number, problem = exact_float(value)
        if problem:
            self.error(document, path, f"{location(path)}: {problem}")
        return number

    def columns(
        self, document: Document, path: tuple[Any, ...], entry: dict[str, Any], asset_type: AssetType
    ) -> dict[str, Any] | None:
        """The entry's column fields (`url`, `duration`) by column; None when a duration cannot
        be stored exactly (reported)."""
        out: dict[str, Any] = {}
        for name, column, float_column in asset_type.column_fields:
            if name not in entry:
                continue
            value = entry[name]
            if float_column and (type(value) is not float or value != value):
                value = self.exact_float(document, path + (name,), value)
                if value is None:
                    return None
            out[column] = value
        return out

    def whole_numbers(
        self, document: Document, path: tuple[Any, ...], entry: dict[str, Any], asset_type: AssetType
    ) -> bool:
        """The type's integer fields hold whole numbers (JSON Schema lets 1.0 pass)."""
        for name in asset_type.whole_fields:
            if type(entry.get(name)) is float:
                break
        else:
            return True  # the common case, without building paths
        found = [
            (path + (name,), problem)
            for name in asset_type.whole_fields
            if (problem := not_whole(entry.get(name)))
        ]
        for where, problem in found:
            self.error(document, where, f"{location(where)}: {problem}")
        return not found

    def merge_metadata(
        self,
        document: Document,
        path: tuple[Any, ...],
        metadata: dict[str, Any],
        extra: dict[str, Any] | None,
        reserved: AbstractSet[str],
    ) -> bool:
        """Add the entry's `metadata:` to what its fields store; a key a field stores is refused."""
        if not extra:
            return True
        clashes = sorted(set(extra) & (reserved | set(metadata)))
        for name in clashes:
            self.error(
                document,
                path + ("metadata", name),
                f"{location(path + ('metadata', name))}: '{name}' is a field of its own here; set it outside `metadata:`",
                key=True,
            )
        if clashes:
            return False
        metadata.update(extra)
        return True


class _Ids:
    """Each asset declared once in its workspace; each adopted `id:` used by one asset only."""

    def __init__(self, checks: _Checks) -> None:
        self.checks = checks
        self.adopted: dict[str, Asset] = {}

    def declare(self, workspace: Workspace, asset: Asset) -> bool:
        assert asset.document is not None
        first = workspace.assets.setdefault(asset.ref, asset)  # one lookup for the common case
        if first is not asset:
            assert first.document is not None
            line, column = first.document.position(first.path, key=True)
            what = "take" if asset.type == TAKE else asset.type
            self.checks.error(
                asset.document,
                asset.path,
                f"{what} '{asset.key}' is defined twice in workspace '{workspace.name}' (first at {first.document.shown}:{line}:{column})",
                key=asset.type != TAKE,
            )
            return False
        if asset.adopted_id is not None:
            same_id = self.adopted.get(asset.adopted_id)
            if same_id is not None:
                del workspace.assets[asset.ref]
                self.checks.error(
                    asset.document,
                    asset.path + ("id",),
                    f"id {asset.id} is already used by {same_id.type} '{same_id.key}'",
                )
                return False
            self.adopted[asset.adopted_id] = asset
        return True

    def finish(self, production: Production) -> None:
        """An adopted id may not be the derived id of another asset (only checked when ids are adopted)."""
        if not self.adopted:
            return
        for workspace in production.workspaces.values():
            for asset in workspace.assets.values():
                owner = self.adopted.get(asset.id)
                if owner is not None and owner is not asset:
                    assert owner.document is not None
                    self.checks.error(
                        owner.document,
                        owner.path + ("id",),
                        f"id {owner.id} is already the id of {asset.type} '{asset.key}'",
                    )


def adopted_id(entry: dict[str, Any]) -> str | None:
    return str(uuid.UUID(entry["id"])) if "id" in entry else None


class Builder:
    """One document at a time: its shape checked, then each entry of each section. A caller
    may add each document as soon as it is read, and drop its data once added (`pipeline`)."""

    def __init__(self, project: Project, scripts: ScriptFiles) -> None:
        self.project = project
        self.registry = project.registry
        self.validator = Validator(manifest_schema(project.registry))
        self.production = Production(project)
        self.checks = _Checks()
        self.ids = _Ids(self.checks)
        self.assets = _Assets(self.checks, self.ids, scripts)
        self.links = _Links(self.checks, self.registry)
        self.nested = _Nested(self.checks, self.ids)

    def finish(self) -> tuple[Production, list[Problem]]:
        """The production of every document added, and the problems found in them."""
        self.ids.finish(self.production)
        return self.production, self.checks.problems

    def add(self, document: Document, scripts: ScriptFiles | None = None) -> None:
        """Adds the document's entries; `scripts`: the script files it names, if not given
        when the builder was made."""
        if scripts:
            self.assets.scripts.update(scripts)
        bad_entries = self.schema_problems(document)
        if bad_entries is None:
            self.production.complete = False  # the file's shape is wrong: leave all of it out
            return
        workspace_name = document.data.get("workspace") or self.project.workspace
        if not workspace_name:
            self.production.complete = False
            self.checks.error(
                document,
                ("shotkit",),
                "no workspace: add `workspace: NAME` to this file or to shotkit.yaml",
                key=True,
            )
            return
        workspace = self.production.workspaces.setdefault(workspace_name, Workspace(workspace_name))
        file = self.project.relative(document.path)
        for order, (asset_type, key, entry, path) in enumerate(self.entries(document.data), 1):
            if bad_entries and path in bad_entries:
                self.production.invalid.add((workspace_name, asset_type.name, key))
                continue
            place = _Place(document, workspace, path, order, file)
            asset = self.assets.asset(place, asset_type, key, entry)
            if asset is None:  # reported already; references to it are not reported again
                self.production.invalid.add((workspace_name, asset_type.name, key))
                continue
            self.links.add(document, workspace, asset, entry)
            if asset_type.name == "shot":
                self.nested.takes(document, workspace, asset, entry.get(TAKES_FIELD) or [])

    def schema_problems(self, document: Document) -> set[tuple[Any, ...]] | None:
        """Reports the schema's problems; returns the entries they are in (None: the file's
        shape itself is wrong, so none of it can be used)."""
        found = list(self.validator.errors(document.data))
        for path, message, key in found:
            self.checks.error(document, path, message, key)
        bad_entries = {path[:3] if path[:1] == ("assets",) else path[:2] for path, _, _ in found}
        if any(len(p) < (3 if p[:1] == ("assets",) else 2) for p in bad_entries):
            return None
        return bad_entries

    def entries(self, data: dict[str, Any]) -> list[tuple[AssetType, str, Any, tuple[Any, ...]]]:
        """Every top-level entry: (type, key, entry, path), sections in the registry's order."""
        out: list[tuple[AssetType, str, Any, tuple[Any, ...]]] = []
        for asset_type in self.registry.asset_types.values():
            if asset_type.section:
                entries = data.get(asset_type.section) or {}
                base: tuple[Any, ...] = (asset_type.section,)
            elif not asset_type.nested:
                entries = (data.get("assets") or {}).get(asset_type.name) or {}
                base = ("assets", asset_type.name)
            else:
                continue
            out.extend((asset_type, key, entry, base + (key,)) for key, entry in entries.items())
        return out


@dataclass(slots=True)
class _Place:
    """Where a top-level entry is declared."""

    document: Document
    workspace: Workspace
    path: tuple[Any, ...]
    order: int
    file: str | None


class _Assets:
    """A top-level entry (a character, an audio layer, a script, a shot, a custom asset)."""

    def __init__(self, checks: _Checks, ids: _Ids, scripts: ScriptFiles) -> None:
        self.checks = checks
        self.ids = ids
        self.scripts = scripts

    def asset(self, place: _Place, asset_type: AssetType, key: str, entry: dict[str, Any]) -> Asset | None:
        document, workspace, path = place.document, place.workspace, place.path
        asset = Asset(  # positional, as the nested ones: url, duration and metadata set below
            workspace.name,
            asset_type.name,
            key,
            entry["name"],
            adopted_id(entry) if "id" in entry else None,
            None,
            None,
            {},
            document,
            path,
            place.order,
            None,
            place.file,
        )
        metadata = self.fields(asset, asset_type, entry)
        if metadata is None:
            return None
        if asset_type.name == "script" and "text" in entry and "file" in entry:
            self.checks.error(
                document,
                path + ("file",),
                f"{location(path)}: give the script's `text:` or its `file:`, not both",
                key=True,
            )
            return None
        if asset_type.name == "shot" and (
            asset.adopted_id is None or asset.adopted_id == derived_id(workspace.name, "shot", key)
        ):
            # A shot's number defaults to its key. A shot adopted by `id:` (made at runtime, by the
            # AssetService) keeps exactly the number it has: none when it was made without one.
            metadata.setdefault("shot_number", key)
        extra = entry.get("metadata")
        if extra and not self.checks.merge_metadata(document, path, metadata, extra, asset_type.meta_keys):
            return None
        asset.metadata = metadata
        return asset if self.ids.declare(workspace, asset) else None

    def fields(self, asset: Asset, asset_type: AssetType, entry: dict[str, Any]) -> dict[str, Any] | None:
        """Sets the column fields on `asset`; returns what goes to `asset_metadata` (None: a
        field's problem was reported). A script's `file:` is stored as its `text`."""
        assert asset.document is not None
        columns = self.checks.columns(asset.document, asset.path, entry, asset_type)
        if columns is None:
            return None
        asset.url, asset.duration = columns.get("url"), columns.get("duration")
        metadata = asset_type.stored(entry)
        if asset_type.name == "script" and "file" in entry:
            body = self.body(asset.document, asset.path + ("file",), metadata.pop("file"))
            if body is None:
                return None
            asset.body_file, metadata["text"] = body
        return metadata

    def body(self, document: Document, path: tuple[Any, ...], relative: str) -> tuple[str, str] | None:
        """A script's `file:` as the documents stage read it: (path from the root, text)."""
        read = self.scripts[document.path, relative]
        if read.problem is not None:
            self.checks.error(document, path, read.problem)
        if read.body_file is None or read.text is None:
            return None
        return read.body_file, read.text


class _Links:
    """A top-level asset's links: the seed's list fields (`characters:`) and `links:`."""

    def __init__(self, checks: _Checks, registry: Registry) -> None:
        self.checks = checks
        self.registry = registry
        self.list_fields: dict[str, dict[str, RelationshipType]] = {}  # by asset type, asked once

    def add(self, document: Document, workspace: Workspace, asset: Asset, entry: dict[str, Any]) -> None:
        list_fields = self.list_fields.get(asset.type)
        if list_fields is None:
            list_fields = self.list_fields[asset.type] = self.registry.list_fields(asset.type)
        if not list_fields and "links" not in entry:
            return  # most assets (audio layers, characters, scripts) link to nothing
        lists: list[tuple[RelationshipType, list[Any], tuple[Any, ...]]] = []
        for field_name, rel in list_fields.items():
            if field_name in entry:
                lists.append((rel, entry[field_name], asset.path + (field_name,)))
        for rel_name, items in (entry.get("links") or {}).items():
            rel = self.registry.relationship_types[rel_name]
            lists.append((rel, items, asset.path + ("links", rel_name)))
        for rel, items, path in lists:
            if items and rel.parent != asset.type:  # a custom type's link under the wrong asset
                self.checks.error(
                    document,
                    path,
                    f"{location(path)}: {rel.name} links a {rel.parent} to a {rel.child}, not a {asset.type}",
                    key=True,
                )
            self.items(document, workspace, asset, rel, items, path)

    def items(
        self,
        document: Document,
        workspace: Workspace,
        asset: Asset,
        rel: RelationshipType,
        items: list[Any],
        path: tuple[Any, ...],
    ) -> None:
        """One list: each item a link, its position the sequence (an audio layer's order)."""
        seen: dict[str, int] = {}
        links, name, parent = workspace.links, workspace.name, asset.ref
        for index, item in enumerate(items):
            if isinstance(item, str):
                key, metadata = item, None
            else:
                key, metadata = self.item(document, path + (index,), item)
            if key in seen:
                self.checks.error(
                    document,
                    path + (index,),
                    f"{location(path)}: '{key}' is listed twice (first as item {seen[key] + 1})",
                )
                continue
            seen[key] = index
            links.append(
                Link(name, rel.name, parent, key, rel.child, index + 1, metadata, document, path, True)
            )
        if seen:  # the keys listed, each once
            workspace.children.setdefault(rel.child, set()).update(seen)

    def item(
        self, document: Document, path: tuple[Any, ...], item: dict[str, Any]
    ) -> tuple[str, dict[str, Any] | None]:
        """`{ref: KEY, ...}`: the other keys are the link's metadata, free-form; one a letter or
        two from a key shotkit reads (`volumn`) is most likely a typo, so it is warned about."""
        metadata = {k: v for k, v in item.items() if k != "ref"}
        for name in metadata:
            hint = misspelled_link_key(name)
            if hint:
                self.checks.warning(
                    document,
                    path + (name,),
                    f"{location(path + (name,))}: '{name}' is not a link field shotkit reads; kept as link metadata{hint}",
                    key=True,
                )
        return item["ref"], metadata or None


def misspelled_link_key(name: Any) -> str:
    """` (did you mean 'volume'?)` for a per-link key one typo from a key shotkit reads, else ``.

    One typo: a letter missing, extra or wrong, or two letters swapped (`volme`, `volumn`,
    `voulme`). Farther keys (`vol`, `volume_db`, `role`) are taken to be the user's own."""
    if not isinstance(name, str) or name in LINK_KEYS:
        return ""
    if not any(one_typo_apart(name, known) for known in LINK_KEYS):
        return ""
    return did_you_mean(name, LINK_KEYS)


def one_typo_apart(a: str, b: str) -> bool:
    """`a` and `b` differ by one inserted, deleted or replaced letter, or two swapped neighbours."""
    if len(a) < len(b):
        a, b = b, a
    if len(a) - len(b) == 1:
        return any(a[:i] + a[i + 1 :] == b for i in range(len(a)))
    if len(a) != len(b):
        return False
    differ = [i for i in range(len(a)) if a[i] != b[i]]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


class _Nested:
    """Takes and their videos: the assets declared inside a shot, keyed by attempt; what their
    fields are, how they are stored and their default names come from the registry."""

    def __init__(self, checks: _Checks, ids: _Ids) -> None:
        self.checks = checks
        self.ids = ids
        self.names: dict[tuple[str, int], str] = {}  # default names, one string per attempt

    def default_name(self, asset_type: str, attempt: int) -> str:
        name = self.names.get((asset_type, attempt))
        if name is None:
            take = take_name(attempt)
            name = self.names[asset_type, attempt] = take if asset_type == TAKE else video_name(take)
        return name

    def takes(self, document: Document, workspace: Workspace, shot: Asset, takes: list[Any]) -> None:
        attempts: dict[int, int] = {}
        declared: list[Asset] = []
        base = shot.path + (TAKES_FIELD,)
        for index, entry in enumerate(takes):
            path = base + (index,)
            attempt = entry["attempt"]
            if not self.checks.whole_numbers(document, path, entry, TAKE_TYPE):
                continue
            if attempt in attempts:
                self.checks.error(
                    document,
                    path + ("attempt",),
                    f"{location(shot.path)}: attempt {attempt} appears twice (first as take {attempts[attempt] + 1})",
                )
                continue
            attempts[attempt] = index
            take = self.take(document, workspace, shot, entry, path)
            if take is not None:
                declared.append(take)
                if VIDEO_FIELD in entry:
                    self.video(document, workspace, take, entry[VIDEO_FIELD], path + (VIDEO_FIELD,), attempt)
        if declared:
            self.selection(document, shot, declared)

    def selection(self, document: Document, shot: Asset, takes: list[Asset]) -> None:
        """At most one of a shot's takes is selected (the one its cut shows), and one should be.
        `takes`: those declared, in the order written."""
        selected = [take for take in takes if take.metadata.get(SELECTED_KEY)]
        for extra in selected[1:]:
            self.checks.error(
                document,
                extra.path + (SELECTED_KEY,),
                f"shot '{shot.key}' has more than one selected take (attempt {selected[0].metadata[ATTEMPT_NUMBER]} is selected too)",
            )
        if not selected:
            self.checks.warning(
                document,
                shot.path + (TAKES_FIELD,),
                f"shot '{shot.key}' has takes but none is selected",
                key=True,
            )

    def take(
        self,
        document: Document,
        workspace: Workspace,
        shot: Asset,
        entry: dict[str, Any],
        path: tuple[Any, ...],
    ) -> Asset | None:
        attempt = entry["attempt"]
        key = take_key(shot.key, attempt)
        take = self.asset(document, workspace, path, shot, TAKE_TYPE, key, entry, attempt)
        if take is not None:
            workspace.links.append(
                Link(workspace.name, ATTEMPT, shot.ref, key, TAKE, attempt, None, document, path)
            )
        return take

    def video(
        self,
        document: Document,
        workspace: Workspace,
        take: Asset,
        entry: dict[str, Any],
        path: tuple[Any, ...],
        attempt: int,
    ) -> None:
        if not self.checks.whole_numbers(document, path, entry, VIDEO_TYPE):
            return
        if self.asset(document, workspace, path, take, VIDEO_TYPE, take.key, entry, attempt) is not None:
            workspace.links.append(
                Link(workspace.name, GENERATED, take.ref, take.key, VIDEO, None, None, document, path)
            )

    def asset(
        self,
        document: Document,
        workspace: Workspace,
        path: tuple[Any, ...],
        parent: Asset,
        asset_type: AssetType,
        key: str,
        entry: dict[str, Any],
        attempt: int,
    ) -> Asset | None:
        """A take or a video, declared in the same file and order as its `parent` (its shot, or
        its take): its stored fields (with the entry's `metadata:`), its columns."""
        metadata = asset_type.stored(entry)
        extra = entry.get("metadata")
        if extra and not self.checks.merge_metadata(document, path, metadata, extra, asset_type.meta_keys):
            return None
        columns = self.checks.columns(document, path, entry, asset_type)
        if columns is None:
            return None
        asset = Asset(  # positional: a third faster than by keyword, and this runs for every take and video
            workspace.name,
            asset_type.name,
            key,
            entry["name"] if "name" in entry else self.default_name(asset_type.name, attempt),
            adopted_id(entry) if "id" in entry else None,
            columns.get("url"),
            columns.get("duration"),
            metadata,
            document,
            path,
            parent.order,
            None,  # body_file: scripts only
            parent.file,
        )
        return asset if self.ids.declare(workspace, asset) else None


def exact_float(value: float) -> tuple[float | None, str | None]:
    """A number for a double-precision column; a whole number past 2^53 that a double cannot
    hold would be stored as another value, so it is refused."""
    number = float(value)
    if number != value:
        return None, f"{value} cannot be stored exactly (the column holds {number!r}); write {number!r}"
    return number, None


def not_whole(value: Any) -> str | None:
    """JSON Schema's `integer` accepts 1.0; a take keyed `s1#1.0` would not export, so refuse it."""
    if not isinstance(value, float):
        return None
    return (
        f"expected a whole number, got {value!r}; write {int(value)}"
        if value.is_integer()
        else f"expected a whole number, got {value!r}"
    )
