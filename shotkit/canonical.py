"""The canonical form of a manifest: what `fmt` writes and what `export` writes.

Canonical form depends only on the data, so a manifest in canonical form survives sync then
export byte for byte: sections in a fixed order (characters, audio, scripts, assets, shots),
each entry's fields in the registry's order, defaults left out (`selected: false`, a shot
number equal to the key, an `id:` equal to the derived one, `workspace:` equal to the project's
default), takes ordered by attempt, free-form mappings (metadata, generation, link fields) with
sorted keys (PostgreSQL's jsonb keeps no key order), durations as floats. Comments are not
kept: the database cannot give them back.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from . import yamlio
from .model import derived_id, take_key
from .project import Project
from .registry import (
    TAKE,
    TAKE_TYPE,
    TAKES_FIELD,
    VIDEO,
    VIDEO_FIELD,
    VIDEO_TYPE,
    AssetType,
    take_name,
    video_name,
)


def sorted_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sorted_deep(v) for v in value]
    return value


def section_order(project: Project) -> list[AssetType]:
    types = [t for t in project.registry.asset_types.values() if t.section and t.name != "shot"]
    return types + [project.registry.asset_types["shot"]]


def canonical(data: dict[str, Any], project: Project) -> dict[str, Any]:
    """The canonical form of one (schema-valid) manifest's data."""
    workspace = data.get("workspace") or project.workspace or ""
    out: dict[str, Any] = {"shotkit": 1}
    if data.get("workspace") and data["workspace"] != project.workspace:
        out["workspace"] = data["workspace"]
    for asset_type in section_order(project):
        if asset_type.name == "shot":
            custom = {}
            for custom_type in project.registry.custom_asset_types:
                entries = (data.get("assets") or {}).get(custom_type.name)
                if entries:
                    custom[custom_type.name] = {
                        k: entry(project, workspace, custom_type, k, v) for k, v in entries.items()
                    }
            if custom:
                out["assets"] = custom
        entries = data.get(asset_type.section or "")
        if entries:
            out[asset_type.section or ""] = {
                k: entry(project, workspace, asset_type, k, v) for k, v in entries.items()
            }
    return out


# The merge of export canonicalises an entry of the file and its row of the database one
# after the other: the row's ids are derived once for both.
_derived_id = functools.lru_cache(maxsize=256)(derived_id)


def _id(entry: dict[str, Any], expected: str) -> dict[str, Any]:
    """The entry's `id:` when it is not the derived one (a row's id is already in the one
    spelling: no UUID to parse)."""
    if "id" in entry and entry["id"] != expected and str(uuid.UUID(entry["id"])) != expected:
        return {"id": str(uuid.UUID(entry["id"]))}
    return {}


def _item(item: Any) -> Any:
    if isinstance(item, str):
        return item
    rest = {k: v for k, v in item.items() if k != "ref"}
    return {"ref": item["ref"], **sorted_deep(rest)} if rest else item["ref"]


def own_fields(asset_type: AssetType, data: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    """An entry's own fields in the registry's order, defaults left out: a flag that is not set,
    and (given the shot's `key`, for a shot not adopted by `id:`) a shot number equal to it."""
    out: dict[str, Any] = {}
    for spec in asset_type.fields:
        if spec.name not in data or (spec.flag and not data[spec.name]):
            continue
        value = data[spec.name]
        if spec.name == "shot_number" and key is not None and value == key:
            continue
        if spec.float_column:
            value = float(value)
        elif isinstance(value, (dict, list)) and spec.free_form:  # a scalar is its own sorted form
            value = sorted_deep(value)
        out[spec.name] = value
    return out


def entry(
    project: Project, workspace: str, asset_type: AssetType, key: str, data: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = _id(data, _derived_id(workspace, asset_type.name, key))
    out["name"] = data["name"]
    out.update(own_fields(asset_type, data, None if "id" in out else key))
    for field_name in project.registry.list_fields(asset_type.name):
        items = data.get(field_name)
        if items:
            out[field_name] = [_item(i) for i in items]
    if asset_type.name == "shot" and data.get(TAKES_FIELD):
        out[TAKES_FIELD] = [
            take(workspace, key, t) for t in sorted(data[TAKES_FIELD], key=lambda t: t["attempt"])
        ]
    links = {
        r.name: [_item(i) for i in data["links"][r.name]]
        for r in project.registry.link_types
        if (data.get("links") or {}).get(r.name)
    }
    if links:
        out["links"] = links
    return _with_metadata(out, data)


def take(workspace: str, shot_key: str, data: dict[str, Any]) -> dict[str, Any]:
    attempt = data["attempt"]
    key = take_key(shot_key, attempt)
    out = _nested(data, _derived_id(workspace, TAKE, key), take_name(attempt))
    out.update(own_fields(TAKE_TYPE, data))
    if VIDEO_FIELD in data:
        video = data[VIDEO_FIELD]
        v = _nested(video, _derived_id(workspace, VIDEO, key), video_name(take_name(attempt)))
        v.update(own_fields(VIDEO_TYPE, video))
        out[VIDEO_FIELD] = _with_metadata(v, video)
    return _with_metadata(out, data)


def _nested(data: dict[str, Any], derived: str, default_name: str) -> dict[str, Any]:
    """A take's or video's `id:` and `name:`, each left out when it is the default."""
    out = _id(data, derived)
    if data.get("name", default_name) != default_name:
        out["name"] = data["name"]
    return out


def _with_metadata(out: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    if data.get("metadata"):
        out["metadata"] = sorted_deep(data["metadata"])
    return out


def dump(data: dict[str, Any], project: Project) -> str:
    return yamlio.dump(canonical(data, project))
