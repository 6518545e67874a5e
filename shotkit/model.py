"""Documents to the production model: schema-checked, merged per workspace, ids assigned.

The model holds exactly what the database will hold (names, columns, `asset_metadata`, links
with sequence and metadata), plus where each thing was declared, for messages and export.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .documents import Document, ReadRefused, read_regular
from .problems import Problem
from .project import Project
from .registry import TAKE_FIELDS, AssetType, RelationshipType
from .schema import Validator, location, manifest_schema

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shotkit.dev/ids")
TAKE = "shot_take"
VIDEO = "video"
ATTEMPT = "generation_attempt"
GENERATED = "generated_video"


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

    @property
    def ref(self) -> tuple[str, str]:
        return (self.type, self.key)

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
    metadata: dict[str, Any]
    document: Document
    path: tuple[Any, ...]


@dataclass
class Workspace:
    name: str
    assets: dict[tuple[str, str], Asset] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)


@dataclass
class Production:
    project: Project
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    complete: bool = True  # False when a file was left out, so references may dangle
    invalid: set[Any] = field(default_factory=set)  # (workspace, type, key) declared but not valid


def build(documents: list[Document], project: Project) -> tuple[Production, list[Problem]]:
    builder = _Builder(project)
    for document in documents:
        builder.add(document)
    builder.finish()
    return builder.production, builder.problems


class _Builder:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.registry = project.registry
        self.validator = Validator(manifest_schema(project.registry))
        self.production = Production(project)
        self.problems: list[Problem] = []
        self.declared: dict[tuple[str, str, str], Asset] = {}
        self.adopted: dict[str, Asset] = {}
        self.nested = _Nested(self)

    def error(self, document: Document, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(document.problem(path, message, key))

    def add(self, document: Document) -> None:
        found = list(self.validator.errors(document.data))
        for path, message, key in found:
            self.error(document, path, message, key)
        bad_entries = {path[:3] if path[:1] == ("assets",) else path[:2] for path, _, _ in found}
        if any(len(p) < (3 if p[:1] == ("assets",) else 2) for p in bad_entries):
            self.production.complete = False  # the file's shape is wrong: leave all of it out
            return
        data = document.data
        workspace_name = data.get("workspace") or self.project.workspace
        if not workspace_name:
            self.production.complete = False
            self.error(
                document,
                ("shotkit",),
                "no workspace: add `workspace: NAME` to this file or to shotkit.yaml",
                key=True,
            )
            return
        workspace = self.production.workspaces.setdefault(workspace_name, Workspace(workspace_name))
        self.file = self.project.relative(document.path)
        order = 0
        for asset_type in self.registry.asset_types.values():
            if asset_type.section:
                entries = data.get(asset_type.section) or {}
                base: tuple[Any, ...] = (asset_type.section,)
            elif not asset_type.nested:
                entries = (data.get("assets") or {}).get(asset_type.name) or {}
                base = ("assets", asset_type.name)
            else:
                continue
            for key, entry in entries.items():
                order += 1
                if base + (key,) in bad_entries:
                    self.production.invalid.add((workspace_name, asset_type.name, key))
                    continue
                asset = self.asset(document, workspace, asset_type, key, entry, base + (key,), order)
                if asset is None:  # reported already; references to it are not reported again
                    self.production.invalid.add((workspace_name, asset_type.name, key))
                else:
                    self.links(document, workspace, asset, entry)
                    if asset_type.name == "shot":
                        self.nested.takes(document, workspace, asset, entry.get("takes") or [])

    def declare(self, workspace: Workspace, asset: Asset) -> bool:
        assert asset.document is not None
        ident = (workspace.name, asset.type, asset.key)
        first = self.declared.get(ident)
        if first is not None:
            assert first.document is not None
            line, column = first.document.position(first.path, key=True)
            what = "take" if asset.type == TAKE else asset.type
            self.error(
                asset.document,
                asset.path,
                f"{what} '{asset.key}' is defined twice in workspace '{workspace.name}' (first at {first.document.shown}:{line}:{column})",
                key=asset.type != TAKE,
            )
            return False
        if asset.adopted_id is not None:
            same_id = self.adopted.get(asset.adopted_id)
            if same_id is not None:
                self.error(
                    asset.document,
                    asset.path + ("id",),
                    f"id {asset.id} is already used by {same_id.type} '{same_id.key}'",
                )
                return False
            self.adopted[asset.adopted_id] = asset
        self.declared[ident] = asset
        workspace.assets[asset.ref] = asset
        return True

    def asset(
        self,
        document: Document,
        workspace: Workspace,
        asset_type: AssetType,
        key: str,
        entry: dict[str, Any],
        path: tuple[Any, ...],
        order: int,
    ) -> Asset | None:
        metadata: dict[str, Any] = {}
        asset = Asset(
            workspace.name,
            asset_type.name,
            key,
            entry["name"],
            self.adopted_id(entry),
            document=document,
            path=path,
            order=order,
            file=self.file,
        )
        for spec in asset_type.fields:
            if spec.name not in entry:
                continue
            value = entry[spec.name]
            if spec.column == "url":
                asset.url = value
            elif spec.column == "duration":
                asset.duration = self.nested.exact_float(document, path + (spec.name,), value)
                if asset.duration is None:
                    return None
            elif asset_type.name == "script" and spec.name == "file":
                body = self.read_body(document, path + ("file",), value)
                if body is None:
                    return None
                asset.body_file, metadata["text"] = body
            else:
                metadata[spec.name] = value
        if asset_type.name == "script" and "text" in entry and "file" in entry:
            self.error(
                document,
                path + ("file",),
                f"{location(path)}: give the script's `text:` or its `file:`, not both",
                key=True,
            )
            return None
        if asset_type.name == "shot" and asset.adopted_id in (None, derived_id(workspace.name, "shot", key)):
            # A shot's number defaults to its key. A shot adopted by `id:` (made at runtime, by the
            # AssetService) keeps exactly the number it has: none when it was made without one.
            metadata.setdefault("shot_number", key)
        if not self.merge_metadata(
            document,
            path,
            metadata,
            entry.get("metadata"),
            asset_type.meta_keys | ({"shot_number"} if asset_type.name == "shot" else set()),
        ):
            return None
        asset.metadata = metadata
        return asset if self.declare(workspace, asset) else None

    def adopted_id(self, entry: dict[str, Any]) -> str | None:
        return str(uuid.UUID(entry["id"])) if "id" in entry else None

    def finish(self) -> None:
        """An adopted id may not be the derived id of another asset (only checked when ids are adopted)."""
        if not self.adopted:
            return
        for workspace in self.production.workspaces.values():
            for asset in workspace.assets.values():
                owner = self.adopted.get(asset.id)
                if owner is not None and owner is not asset:
                    assert owner.document is not None
                    self.error(
                        owner.document,
                        owner.path + ("id",),
                        f"id {owner.id} is already the id of {asset.type} '{asset.key}'",
                    )

    def merge_metadata(
        self,
        document: Document,
        path: tuple[Any, ...],
        metadata: dict[str, Any],
        extra: dict[str, Any] | None,
        reserved: set[str],
    ) -> bool:
        if not extra:
            return True
        clashes = sorted(set(extra or {}) & (reserved | set(metadata)))
        for name in clashes:
            self.error(
                document,
                path + ("metadata", name),
                f"{location(path + ('metadata', name))}: '{name}' is a field of its own here; set it outside `metadata:`",
                key=True,
            )
        if clashes:
            return False
        metadata.update(extra or {})
        return True

    def read_body(self, document: Document, path: tuple[Any, ...], relative: str) -> tuple[str, str] | None:
        body, problem = read_script(self.project.root, document.path, relative)
        if problem:
            self.error(document, path, problem)
        return body

    def links(self, document: Document, workspace: Workspace, asset: Asset, entry: dict[str, Any]) -> None:
        lists: list[tuple[RelationshipType, list[Any], tuple[Any, ...]]] = []
        for field_name, rel in self.registry.list_fields(asset.type).items():
            if field_name in entry:
                lists.append((rel, entry[field_name], asset.path + (field_name,)))
        for rel_name, items in (entry.get("links") or {}).items():
            rel = self.registry.relationship_types[rel_name]
            lists.append((rel, items, asset.path + ("links", rel_name)))
        for rel, items, path in lists:
            seen: dict[str, int] = {}
            for index, item in enumerate(items):
                key, metadata = (
                    (item, {})
                    if isinstance(item, str)
                    else (item["ref"], {k: v for k, v in item.items() if k != "ref"})
                )
                if key in seen:
                    self.error(
                        document,
                        path + (index,),
                        f"{location(path)}: '{key}' is listed twice (first as item {seen[key] + 1})",
                    )
                    continue
                seen[key] = index
                workspace.links.append(
                    Link(
                        workspace.name,
                        rel.name,
                        asset.ref,
                        key,
                        rel.child,
                        index + 1,
                        metadata,
                        document,
                        path + (index,),
                    )
                )


class _Nested:
    """Takes and their videos: the assets declared inside a shot, keyed by attempt."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder

    def takes(self, document: Document, workspace: Workspace, shot: Asset, takes: list[Any]) -> None:
        attempts: dict[int, int] = {}
        for index, entry in enumerate(takes):
            path = shot.path + ("takes", index)
            attempt = entry["attempt"]
            if not self.whole_numbers(document, path, entry, ("attempt",)):
                continue
            if attempt in attempts:
                self.builder.error(
                    document,
                    path + ("attempt",),
                    f"{location(shot.path)}: attempt {attempt} appears twice (first as take {attempts[attempt] + 1})",
                )
                continue
            attempts[attempt] = index
            key = take_key(shot.key, attempt)
            metadata: dict[str, Any] = {
                "attempt_number": attempt,
                "selected": bool(entry.get("selected", False)),
            }
            for field_name, meta_key in TAKE_FIELDS.items():
                if field_name in entry and field_name not in ("attempt", "selected"):
                    metadata[meta_key] = entry[field_name]
            if not self.builder.merge_metadata(
                document, path, metadata, entry.get("metadata"), set(TAKE_FIELDS.values())
            ):
                continue
            take = Asset(
                workspace.name,
                TAKE,
                key,
                entry.get("name", f"Take {attempt}"),
                self.builder.adopted_id(entry),
                metadata=metadata,
                document=document,
                path=path,
                order=shot.order,
                file=shot.file,
            )
            if not self.builder.declare(workspace, take):
                continue
            workspace.links.append(
                Link(workspace.name, ATTEMPT, shot.ref, key, TAKE, attempt, {}, document, path)
            )
            if "video" in entry:
                self.video(document, workspace, take, entry["video"], path + ("video",), attempt)

    def exact_float(self, document: Document, path: tuple[Any, ...], value: float) -> float | None:
        number, problem = exact_float(value)
        if problem:
            self.builder.error(document, path, f"{location(path)}: {problem}")
        return number

    def whole_numbers(
        self, document: Document, path: tuple[Any, ...], entry: dict[str, Any], names: tuple[str, ...]
    ) -> bool:
        found = [(path + (name,), problem) for name in names if (problem := not_whole(entry.get(name)))]
        for where, problem in found:
            self.builder.error(document, where, f"{location(where)}: {problem}")
        return not found

    def video(
        self,
        document: Document,
        workspace: Workspace,
        take: Asset,
        entry: dict[str, Any],
        path: tuple[Any, ...],
        attempt: int,
    ) -> None:
        if not self.whole_numbers(document, path, entry, ("width", "height")):
            return
        metadata: dict[str, Any] = {k: entry[k] for k in ("width", "height", "fps") if k in entry}
        if not self.builder.merge_metadata(
            document, path, metadata, entry.get("metadata"), {"width", "height", "fps"}
        ):
            return
        duration = (
            self.exact_float(document, path + ("duration",), entry["duration"])
            if "duration" in entry
            else None
        )
        if "duration" in entry and duration is None:
            return
        video = Asset(
            workspace.name,
            VIDEO,
            take.key,
            entry.get("name", f"Take {attempt} video"),
            self.builder.adopted_id(entry),
            url=entry["url"],
            duration=duration,
            metadata=metadata,
            document=document,
            path=path,
            order=take.order,
            file=take.file,
        )
        if self.builder.declare(workspace, video):
            workspace.links.append(
                Link(workspace.name, GENERATED, take.ref, take.key, VIDEO, None, {}, document, path)
            )


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


def read_script(root: Path, manifest: Path, relative: str) -> tuple[tuple[str, str] | None, str | None]:
    """A script's `file:` -> (its path relative to the project root, its text), or a problem."""
    target = (manifest.parent / relative).resolve()
    root = root.resolve()
    if Path(relative).is_absolute() or not target.is_relative_to(root):
        return None, f"script file '{relative}' is outside the project directory"
    try:
        text = yamlio.decode(read_regular(target))
    except ReadRefused as refused:
        return None, f"script file '{relative}': {refused}"
    except yamlio.YamlFailure as failure:
        issue = failure.issues[0]
        return None, f"script file '{relative}' line {issue.line}: {issue.message}"
    return (target.relative_to(root).as_posix(), text), None
