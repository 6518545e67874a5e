"""The manifest JSON Schema (Draft 2020-12), generated from the type registry, and validation.

`manifest_schema(None)` is the published schema (`schemas/manifest.schema.json`): open to any
custom type, so editors and check-jsonschema accept every project. `manifest_schema(registry)`
is the closed schema shotkit validates a project with. Validation uses `jsonschema_rs`
(about 200x faster than `jsonschema` on a 10,000-shot document, same error paths); this module
is the only one that imports it.
"""
from __future__ import annotations

from typing import Any, Iterator

import jsonschema_rs

from .registry import CUSTOM_FIELDS, TAKE_FIELDS, AssetType, Registry, builtin_registry

SCHEMA_ID = "https://shotkit.dev/schemas/manifest.schema.json"
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _map_of(entry: dict) -> dict:
    return {"type": "object", "propertyNames": _ref("key"), "additionalProperties": entry}


def _entry(asset_type: AssetType, registry: Registry | None, extra: dict | None = None) -> dict:
    properties: dict[str, Any] = {"id": _ref("uuid"), "name": {"type": "string", "minLength": 1}}
    properties.update({f.name: f.schema for f in asset_type.fields})
    if registry is not None:
        properties.update({name: _ref("refs") for name in registry.list_fields(asset_type.name)})
    properties.update(extra or {})
    properties["links"] = _ref("links")
    properties["metadata"] = _ref("metadata")
    return {"type": "object", "required": ["name"], "properties": properties, "additionalProperties": False}


def _take() -> dict:
    video = {
        "type": "object",
        "required": ["url"],
        "properties": {
            "id": _ref("uuid"),
            "name": {"type": "string", "minLength": 1},
            "url": {"type": "string"},
            "duration": {"type": "number", "minimum": 0},
            "width": {"type": "integer", "minimum": 1},
            "height": {"type": "integer", "minimum": 1},
            "fps": {"type": "number", "exclusiveMinimum": 0},
            "metadata": _ref("metadata"),
        },
        "additionalProperties": False,
    }
    properties: dict[str, Any] = {
        "id": _ref("uuid"),
        "name": {"type": "string", "minLength": 1},
        "attempt": {"type": "integer", "minimum": 1},
        "selected": {"type": "boolean"},
        "quality_score": {"type": "number"},
        "director_notes": {"type": "string"},
        "generation": {"type": "object"},
        "cost": {"type": "number", "minimum": 0},
        "video": video,
        "metadata": _ref("metadata"),
    }
    assert set(TAKE_FIELDS) <= set(properties)
    return {"type": "object", "required": ["attempt"], "properties": properties, "additionalProperties": False}


def manifest_schema(registry: Registry | None = None) -> dict:
    """The schema of a manifest file; `None` gives the published, open schema."""
    reg = registry or builtin_registry()
    sections: dict[str, Any] = {}
    for asset_type in reg.asset_types.values():
        if not asset_type.section:
            continue
        extra = {"takes": {"type": "array", "items": _ref("take")}} if asset_type.name == "shot" else None
        if registry is None:  # the open schema still knows the seed's list fields
            extra = dict(extra or {}, **{name: _ref("refs") for name in reg.list_fields(asset_type.name)})
        sections[asset_type.section] = _map_of(_entry(asset_type, registry, extra))
    custom_entry = _entry(AssetType("custom", None, CUSTOM_FIELDS), registry)
    if registry is None:
        assets: dict = {"type": "object", "propertyNames": _ref("key"), "additionalProperties": _map_of(custom_entry)}
        links: dict = {"type": "object", "propertyNames": _ref("key"), "additionalProperties": _ref("refs")}
    else:
        assets = {
            "type": "object",
            "properties": {t.name: _map_of(_entry(t, registry)) for t in registry.custom_asset_types},
            "additionalProperties": False,
        }
        links = {
            "type": "object",
            "properties": {r.name: _ref("refs") for r in registry.link_types},
            "additionalProperties": False,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "shotkit manifest, version 1",
        "description": "A production's shots, characters, audio layers, scripts and takes, kept as code.",
        "type": "object",
        "required": ["shotkit"],
        "properties": {
            "shotkit": {"const": 1, "description": "Manifest format version."},
            "workspace": _ref("key"),
            **sections,
            "assets": assets,
        },
        "additionalProperties": False,
        "$defs": {
            "key": {"type": "string", "pattern": KEY_PATTERN},
            "uuid": {"type": "string", "pattern": UUID_PATTERN},
            "metadata": {"type": "object"},
            "ref": {
                "type": ["string", "object"],
                "pattern": KEY_PATTERN,
                "required": ["ref"],
                "properties": {"ref": _ref("key")},
            },
            "refs": {"type": "array", "items": _ref("ref")},
            "links": links,
            "take": _take(),
        },
    }


PROJECT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "workspace": {"type": "string", "pattern": KEY_PATTERN},
        "owner": {"type": "string", "minLength": 1},
        "asset_types": {"type": "object", "propertyNames": {"pattern": KEY_PATTERN}, "additionalProperties": {"type": ["object", "null"]}},
        "relationship_types": {
            "type": "object",
            "propertyNames": {"pattern": KEY_PATTERN},
            "additionalProperties": {
                "type": "object",
                "required": ["parent", "child"],
                "properties": {"parent": {"type": "string"}, "child": {"type": "string"}},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


class Validator:
    def __init__(self, schema: dict) -> None:
        self._validator = jsonschema_rs.Draft202012Validator(schema)

    def errors(self, data: Any) -> Iterator[tuple[tuple, str, bool]]:
        """(path, message, at_key) for each violation; at_key: point at the key, not the value."""
        try:
            found = list(self._validator.iter_errors(data))
        except ValueError:  # a mapping key that is not text (`3:`, `true:`)
            yield from _non_text_keys(data, ())
            return
        for error in found:
            yield from _explain(error)


def _non_text_keys(data: Any, path: tuple) -> Iterator[tuple[tuple, str, bool]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                yield path + (key,), f"key {key!r} must be text: quote it", True
            else:
                yield from _non_text_keys(value, path + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _non_text_keys(item, path + (index,))


_JSON_TYPES = {str: "text", bool: "a boolean", int: "a number", float: "a number", type(None): "empty", list: "a list", dict: "a mapping"}


def _explain(error: Any) -> Iterator[tuple[tuple, str, bool]]:
    path = tuple(error.instance_path)
    kind = error.kind
    name = kind.name
    where = location(path)
    if name == "additionalProperties":
        for key in kind.unexpected:
            yield path + (key,), f"{location(path + (key,))}: unknown field '{key}'", True
    elif name == "required":
        yield path, f"{where}: missing required field '{kind.property}'", False
    elif name == "const" and path == ("shotkit",):
        yield path, f"unsupported manifest version {error.instance!r}: this shotkit reads `shotkit: 1`", False
    elif name == "propertyNames":
        key = kind.error.instance
        yield path + (key,), f"{location(path + (key,))}: invalid key {key!r}: use letters, digits, '.', '_' and '-', starting with a letter or digit", True
    elif name == "pattern" and isinstance(error.instance, str):
        yield path, f"{where}: invalid key {error.instance!r}: use letters, digits, '.', '_' and '-', starting with a letter or digit", False
    elif name == "type":
        got = _JSON_TYPES.get(type(error.instance), "something else")
        wanted = " or ".join({"string": "text", "object": "a mapping", "array": "a list", "number": "a number", "integer": "a whole number", "boolean": "true or false"}.get(t, t) for t in kind.types)
        hint = " (quote it to keep the text as written)" if "string" in kind.types and not isinstance(error.instance, (dict, list)) else ""
        yield path, f"{where}: expected {wanted}, got {got} {_short(error.instance)}{hint}", False
    else:
        yield path, f"{where}: {error.message}", False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def location(path: tuple) -> str:
    """`shots.03A.takes[1].cost` for a data path."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"
