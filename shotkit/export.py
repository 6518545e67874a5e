"""The database back to manifests: each asset into the file it came from, in canonical form.

Rows shotkit synced carry their manifest file and position (`assets.source`); takes and videos
go inside their shot. Rows made elsewhere (unmanaged) get a key from their name and go into
`<workspace>.new.yaml`, with `id:` so the next sync adopts them rather than duplicating them.
No path from the database is written outside the output directory.
"""
from __future__ import annotations

import os.path
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import canonical
from .fileio import write_atomic
from .model import TAKE, VIDEO
from .project import Project
from .registry import TAKE_FIELDS, AssetType
from .schema import KEY_PATTERN
from .state import State

_KEY = re.compile(KEY_PATTERN)


@dataclass
class Export:
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text
    bodies: dict[str, str] = field(default_factory=dict)  # script body files
    warnings: list[str] = field(default_factory=list)


def new_file(workspace: str) -> str:
    return f"{workspace}.new.yaml"


def safe_relative(path: Any, suffixes: tuple[str, ...] | None = None) -> str | None:
    """A relative POSIX path that stays below the output directory, else None."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or any(part in ("..", "") for part in pure.parts) or pure.parts[0].startswith("."):
        return None
    if suffixes and pure.suffix not in suffixes:
        return None
    return pure.as_posix()


def slug(text: str) -> str:
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-._").lower()
    return value if value and _KEY.match(value) else ""


class _Workspace:
    def __init__(self, project: Project, state: State, result: Export) -> None:
        self.project = project
        self.state = state
        self.result = result
        self.children: dict[str, list[dict]] = defaultdict(list)
        self.parents: dict[str, list[dict]] = defaultdict(list)
        for link in state.links.values():
            self.children[link["parent_asset_id"]].append(link)
            self.parents[link["child_asset_id"]].append(link)
        self.keys = self._assign_keys()

    def _assign_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        taken: set[tuple[str, str]] = set()
        rows = sorted(self.state.assets.values(), key=lambda r: (r["manifest_key"] is None, r["created_at"] or "", r["id"]))
        for row in rows:
            if row["type"] in (TAKE, VIDEO):
                continue
            key = row["manifest_key"] if row["manifest_key"] and _KEY.match(row["manifest_key"]) else None
            if key is None or (row["type"], key) in taken:
                base = (row["type"] == "shot" and slug(str(row["asset_metadata"].get("shot_number", "")))) or slug(row["name"]) or row["type"].replace("_", "-")
                key, n = base, 1
                while (row["type"], key) in taken:
                    n += 1
                    key = f"{base}-{n}"
            taken.add((row["type"], key))
            keys[row["id"]] = key
        return keys

    def build(self) -> dict[str, dict]:
        """Manifest data by file."""
        files: dict[str, dict[str, Any]] = defaultdict(dict)
        placed: list[tuple[str, int, str, str, str, dict]] = []
        registry = self.project.registry
        for row in self.state.assets.values():
            asset_type = registry.asset_types.get(row["type"])
            if row["type"] in (TAKE, VIDEO):
                if not any(link["relationship_type"] in ("generation_attempt", "generated_video") for link in self.parents[row["id"]]):
                    self.result.warnings.append(f"{row['type']} {row['id']} ({row['name']}) belongs to no shot; not exported")
                continue
            if asset_type is None:
                self.result.warnings.append(f"{row['type']} {row['id']} ({row['name']}): type '{row['type']}' is not declared in shotkit.yaml; not exported")
                continue
            source = row["source"] or {}
            file = safe_relative(source.get("file"), (".yaml", ".yml")) if row["manifest_key"] else None
            if row["manifest_key"] and file is None:
                self.result.warnings.append(f"{row['type']} '{row['manifest_key']}': recorded file {source.get('file')!r} is not a safe relative path; written to {new_file(self.state.workspace)}")
            file = file or new_file(self.state.workspace)
            order = source.get("order", 10**9) if isinstance(source.get("order"), int) else 10**9
            placed.append((file, order, self.keys[row["id"]], row["id"], asset_type.name, row))
        for file, _order, key, _id, type_name, row in sorted(placed, key=lambda p: (p[0], p[1], p[2], p[3])):
            asset_type = registry.asset_types[type_name]
            data = files[file]
            data.setdefault("shotkit", 1)
            data.setdefault("workspace", self.state.workspace)
            entry = self.entry(asset_type, key, row)
            if asset_type.section:
                data.setdefault(asset_type.section, {})[key] = entry
            else:
                data.setdefault("assets", {}).setdefault(asset_type.name, {})[key] = entry
        return files

    def entry(self, asset_type: AssetType, key: str, row: dict) -> dict:
        out: dict[str, Any] = {"id": row["id"], "name": row["name"]}
        metadata = dict(row["asset_metadata"])
        for spec in asset_type.fields:
            if spec.column == "url" and row["url"] is not None:
                out["url"] = row["url"]
            elif spec.column == "duration" and row["duration"] is not None:
                out["duration"] = row["duration"]
            elif spec.column is None and spec.name in metadata and not (asset_type.name == "script" and spec.name == "file"):
                out[spec.name] = metadata.pop(spec.name)
        if asset_type.name == "script":
            self.script_body(row, out)
        rels = self.project.registry.relationship_types
        by_type: dict[str, list[dict]] = defaultdict(list)
        for link in self.children[row["id"]]:
            if link["child_asset_id"] in self.state.assets:
                by_type[link["relationship_type"]].append(link)
        for rel_name, links in by_type.items():
            rel = rels.get(rel_name)
            if rel is None or rel.parent != asset_type.name:
                self.result.warnings.append(f"{asset_type.name} '{key}': {len(links)} {rel_name} link(s) of an undeclared relationship type; not exported")
                continue
            if rel.nested:
                continue
            items = [self.item(link) for link in sorted(links, key=_link_order)]
            items = [i for i in items if i is not None]
            if rel.field:
                out[rel.field] = items
            else:
                out.setdefault("links", {})[rel_name] = items
        if asset_type.name == "shot":
            takes = [t for t in (self.take(link) for link in sorted(by_type.get("generation_attempt", []), key=_link_order)) if t]
            if takes:
                out["takes"] = takes
        if metadata:
            out["metadata"] = metadata
        return out

    def script_body(self, row: dict, out: dict) -> None:
        body_file = safe_relative((row["source"] or {}).get("body_file")) if row["manifest_key"] else None
        if body_file and "text" in out:
            self.result.bodies[body_file] = out.pop("text")
            out["file"] = _relative_to(body_file, (row["source"] or {}).get("file") or "")

    def item(self, link: dict) -> Any:
        key = self.keys.get(link["child_asset_id"])
        if key is None:
            return None
        return {"ref": key, **link["relationship_metadata"]} if link["relationship_metadata"] else key

    def take(self, link: dict) -> dict | None:
        row = self.state.assets[link["child_asset_id"]]
        metadata = dict(row["asset_metadata"])
        attempt = metadata.get("attempt_number", link["sequence"])
        if not isinstance(attempt, int):
            self.result.warnings.append(f"take {row['id']} ({row['name']}) has no attempt number; not exported")
            return None
        out: dict[str, Any] = {"id": row["id"], "name": row["name"]}
        for field_name, meta_key in TAKE_FIELDS.items():
            if meta_key in metadata:
                out[field_name] = metadata.pop(meta_key)
        out["attempt"] = attempt
        videos = sorted((v for v in self.children[row["id"]] if v["relationship_type"] == "generated_video" and v["child_asset_id"] in self.state.assets), key=_link_order)
        if videos:
            if len(videos) > 1:
                self.result.warnings.append(f"take {row['id']} has {len(videos)} videos; only the first is exported")
            video_row = self.state.assets[videos[0]["child_asset_id"]]
            video_meta = dict(video_row["asset_metadata"])
            video: dict[str, Any] = {"id": video_row["id"], "name": video_row["name"], "url": video_row["url"] or ""}
            if video_row["duration"] is not None:
                video["duration"] = video_row["duration"]
            for name in ("width", "height", "fps"):
                if name in video_meta:
                    video[name] = video_meta.pop(name)
            if video_meta:
                video["metadata"] = video_meta
            out["video"] = video
        if metadata:
            out["metadata"] = metadata
        return out


def _link_order(link: dict) -> tuple:
    return (link["sequence"] is None, link["sequence"] or 0, link["child_asset_id"])


def _relative_to(body_file: str, manifest_file: str) -> str:
    """`body_file` (relative to the project root) as written in the manifest next to it."""
    return PurePosixPath(os.path.relpath(body_file, PurePosixPath(manifest_file).parent.as_posix() or ".")).as_posix()


def _ours(project: Project, state: State, result: Export) -> State:
    """The rows this project may declare: its own and unmanaged ones. Another project's rows
    stay out of our manifests (declaring them here would make the next sync a conflict)."""
    theirs = {i: r["owner"] for i, r in state.assets.items() if r["owner"] not in (None, project.owner)}
    if theirs:
        owners = ", ".join(sorted(set(theirs.values())))
        result.warnings.append(f"workspace {state.workspace}: {len(theirs)} row(s) owned by another project ({owners}) not exported")
    return State(
        state.workspace,
        {i: r for i, r in state.assets.items() if i not in theirs},
        {k: link for k, link in state.links.items() if link["parent_asset_id"] not in theirs and link["child_asset_id"] not in theirs},
        state.fingerprint,
    )


def export(project: Project, states: list[State]) -> Export:
    result = Export()
    for state in states:
        workspace = _Workspace(project, _ours(project, state, result), result)
        for file, data in workspace.build().items():
            if file in result.files:
                result.warnings.append(f"{file}: holds rows of more than one workspace; {state.workspace}'s went to {new_file(state.workspace)}")
                file = new_file(state.workspace)
            result.files[file] = canonical.dump(data, project)
    return result


def write(result: Export, out: Path) -> list[Path]:
    """Write what changed; returns the paths written. Refuses any path outside `out`."""
    written: list[Path] = []
    root = out.resolve()
    for relative, text in sorted({**result.files, **result.bodies}.items()):
        target = (root / relative).resolve()
        if not target.is_relative_to(root):
            result.warnings.append(f"{relative}: outside {root}; not written")
            continue
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text)
        written.append(target)
    return written
