"""The manifest JSON Schema (Draft 2020-12), generated from the type registry, and validation.

`manifest_schema(None)` is the published schema (`schemas/manifest.schema.json`): open to any
custom type, so editors and check-jsonschema accept every project. `manifest_schema(registry)`
is the closed schema shotkit validates a project with. Validation uses `jsonschema_rs`
(about 200x faster than `jsonschema` on a 10,000-shot document, same error paths); this module
is the only one that imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema_rs

from . import storable, yamlio
from .problems import did_you_mean
from .registry import (
    CUSTOM_FIELDS,
    TAKE_TYPE,
    TAKES_FIELD,
    VIDEO_FIELD,
    VIDEO_TYPE,
    AssetType,
    Registry,
    builtin_registry,
)

SCHEMA_ID = "https://shotkit.dev/schemas/manifest.schema.json"
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _map_of(entry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "propertyNames": _ref("key"), "additionalProperties": entry}


def _entry(
    asset_type: AssetType, registry: Registry | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    properties: dict[str, Any] = {"id": _ref("uuid"), "name": {"type": "string", "minLength": 1}}
    properties.update({f.name: f.schema for f in asset_type.fields})
    if registry is not None:
        properties.update({name: _ref("refs") for name in registry.list_fields(asset_type.name)})
    properties.update(extra or {})
    properties["links"] = _ref("links")
    properties["metadata"] = _ref("metadata")
    return {"type": "object", "required": ["name"], "properties": properties, "additionalProperties": False}


def _nested(asset_type: AssetType, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A take or a video: an entry of a list (or of its take), not keyed, so no `name:` needed."""
    properties: dict[str, Any] = {"id": _ref("uuid"), "name": {"type": "string", "minLength": 1}}
    properties.update({f.name: f.schema for f in asset_type.fields})
    properties.update(extra or {})
    properties["metadata"] = _ref("metadata")
    return {
        "type": "object",
        "required": [f.name for f in asset_type.fields if f.required],
        "properties": properties,
        "additionalProperties": False,
    }


def _take() -> dict[str, Any]:
    return _nested(TAKE_TYPE, {VIDEO_FIELD: _nested(VIDEO_TYPE)})


def manifest_schema(registry: Registry | None = None) -> dict[str, Any]:
    """The schema of a manifest file; `None` gives the published, open schema."""
    reg = registry or builtin_registry()
    sections: dict[str, Any] = {}
    for asset_type in reg.asset_types.values():
        if not asset_type.section:
            continue
        extra = {TAKES_FIELD: {"type": "array", "items": _ref("take")}} if asset_type.name == "shot" else None
        if registry is None:  # the open schema still knows the seed's list fields
            extra = dict(extra or {}, **{name: _ref("refs") for name in reg.list_fields(asset_type.name)})
        sections[asset_type.section] = _map_of(_entry(asset_type, registry, extra))
    assets, links = _custom(registry)
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


def _custom(registry: Registry | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """`assets:` and `links:`: open to any custom type (None: the published schema), else
    closed to the project's own."""
    if registry is None:
        custom_entry = _entry(AssetType("custom", None, CUSTOM_FIELDS), registry)
        assets: dict[str, Any] = {
            "type": "object",
            "propertyNames": _ref("key"),
            "additionalProperties": _map_of(custom_entry),
        }
        links: dict[str, Any] = {
            "type": "object",
            "propertyNames": _ref("key"),
            "additionalProperties": _ref("refs"),
        }
        return assets, links
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
    return assets, links


PROJECT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "workspace": {"type": "string", "pattern": KEY_PATTERN},
        "owner": {"type": "string", "minLength": 1},
        "asset_types": {
            "type": "object",
            "propertyNames": {"pattern": KEY_PATTERN},
            "additionalProperties": {"type": ["object", "null"]},
        },
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
    """Checks data against a schema; every problem comes with the path of keys the user wrote."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._schema = schema
        self._validator = jsonschema_rs.Draft202012Validator(schema)

    def errors(self, data: Any) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
        """(path, message, at_key) for each violation; at_key: point at the key, not the value.

        Values no database can store (and YAML-only types like `!!set`, which would stop the
        schema check of the whole file) are reported first and replaced by `None` for the schema
        check, whose messages at those places are dropped."""
        unstorable = storable.problems(data)
        for path, message, key in unstorable:
            yield path, f"{location(path)}: {message}", key
        bad = {path for path, _, _ in unstorable}
        checked = _cleaned(data, bad) if bad else data
        resolver = _PathResolver(checked)
        for error in self._validator.iter_errors(checked):
            path = resolver.resolve(error.instance_path, error.instance, error.schema_path)
            for found in _explain(error, path, self._schema):
                if not (bad and _below_any(found[0], bad)):
                    yield found


def _below_any(path: tuple[Any, ...], bad: set[tuple[Any, ...]]) -> bool:
    return any(path[:size] in bad for size in range(len(path) + 1)) or any(
        isinstance(k, str) and "\x00" in k for k in path
    )


def _cleaned(data: Any, bad: set[tuple[Any, ...]]) -> Any:
    """A copy of `data` with the values at `bad` paths set to None (bad keys renamed)."""
    on_the_way = {path[:size] for path in bad for size in range(len(path))}

    def clean(node: Any, path: tuple[Any, ...]) -> Any:
        if path in bad:
            return None
        if path not in on_the_way:
            return node
        if isinstance(node, dict):
            out = {}
            for index, (key, value) in enumerate(node.items()):
                name = key if isinstance(key, str) and "\x00" not in key else f"\x00{index}"
                out[name] = clean(value, path + (key,))
            return out
        if isinstance(node, list):
            return [clean(value, path + (index,)) for index, value in enumerate(node)]
        return node

    return clean(data, ())


class _PathResolver:
    """jsonschema_rs reports a mapping key made of digits (`"01"`, `"12"`) as a number, like a
    list index; this finds the key the user wrote, so `shots."01"` is not `shots[1]`."""

    def __init__(self, data: Any) -> None:
        self._data = data
        self._digit_keys: dict[int, dict[int, list[str]]] = {}
        self._given: dict[tuple[Any, ...], set[str]] = {}  # keys already given to an identical error

    def resolve(self, raw: list[Any], instance: Any, rule: list[Any]) -> tuple[Any, ...]:
        node = self._data
        out: list[Any] = []
        for at, part in enumerate(raw):
            if isinstance(node, dict) and isinstance(part, int):
                part = self._key(node, part, raw[at:], instance, rule)
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                node = None
            out.append(part)
        return tuple(out)

    def _key(
        self, mapping: dict[str, Any], number: int, raw: list[Any], instance: Any, rule: list[Any]
    ) -> Any:
        table = self._digit_keys.get(id(mapping))
        if table is None:
            table = {}
            for key in mapping:
                if isinstance(key, str) and _USIZE.fullmatch(key):
                    table.setdefault(int(key), []).append(key)
            self._digit_keys[id(mapping)] = table
        candidates = table.get(number, [])
        if len(candidates) <= 1:
            return candidates[0] if candidates else number
        # `"1"` and `"01"` in one mapping: the one holding the value, and each key once for
        # errors that are otherwise identical (both entries missing `name:`, say)
        holding = [k for k in candidates if _follow(mapping[k], raw[1:]) == instance] or candidates
        given = self._given.setdefault((id(mapping), repr(raw), repr(rule)), set())
        chosen = next((k for k in holding if k not in given), holding[0])
        given.add(chosen)
        return chosen


_USIZE = re.compile(r"\+?[0-9]+")  # what Rust's usize parser accepts


def _follow(node: Any, rest: list[Any]) -> Any:
    for part in rest:
        if isinstance(node, dict):
            node = node.get(part, node.get(str(part)))
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


_JSON_TYPES = {
    str: "text",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "empty",
    list: "a list",
    dict: "a mapping",
}


def _explain(
    error: Any, path: tuple[Any, ...], schema: dict[str, Any]
) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    kind = error.kind
    name = kind.name
    where = location(path)
    if name == "additionalProperties":
        known = _known_names(schema, error.schema_path)
        for key in kind.unexpected:
            yield (
                path + (key,),
                f"{location(path + (key,))}: unknown field '{key}'{did_you_mean(key, known)}",
                True,
            )
    elif name == "required":
        yield path, f"{where}: missing required field '{kind.property}'", False
    elif name == "const" and path == ("shotkit",):
        yield (
            path,
            f"unsupported manifest version {_short(error.instance)}: this shotkit reads `shotkit: 1`",
            False,
        )
    elif name == "propertyNames":
        key = kind.error.instance
        yield (
            path + (key,),
            f"{location(path + (key,))}: invalid key {_short(key)}: use letters, digits, '.', '_' and '-', starting with a letter or digit",
            True,
        )
    elif name == "pattern" and isinstance(error.instance, str):
        yield (
            path,
            f"{where}: invalid key {_short(error.instance)}: use letters, digits, '.', '_' and '-', starting with a letter or digit",
            False,
        )
    elif name == "type":
        yield path, f"{where}: {_wrong_type(kind.types, error.instance)}", False
    else:
        yield path, f"{where}: {_short_message(error.message)}", False


_SCHEMA_TYPES = {
    "string": "text",
    "object": "a mapping",
    "array": "a list",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
}


def _wrong_type(types: list[str], instance: Any) -> str:
    got = _JSON_TYPES.get(type(instance), "something else")
    wanted = " or ".join(_SCHEMA_TYPES.get(t, t) for t in types)
    hint = (
        " (quote it to keep the text as written)"
        if "string" in types and not isinstance(instance, (dict, list))
        else ""
    )
    return f"expected {wanted}, got {got} {_short(instance)}{hint}"


def _known_names(schema: dict[str, Any], schema_path: list[Any]) -> list[str]:
    """The field names the object schema holding this `additionalProperties` allows."""
    node: Any = schema
    for part in list(schema_path)[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    properties = node.get("properties") if isinstance(node, dict) else None
    return sorted(properties) if isinstance(properties, dict) else []


def _short_message(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def location(path: tuple[Any, ...]) -> str:
    """`shots.03A.takes[1].cost` for a data path; keys of other characters are quoted."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            text = part if isinstance(part, str) and _PLAIN_KEY.fullmatch(part) else yamlio.quote(str(part))
            out += f".{text}" if out else text
    return out or "(top level)"


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
