"""A saved plan on disk: JSON with a content digest, checked against a schema when read.

The digest (SHA-256 over the plan's canonical JSON) tells a plan file that was edited or
damaged after `shotkit plan -o` wrote it. It has no key, so it cannot stop a forger who
recomputes it: what stops a forged plan from crossing an ownership boundary is
`shotkit.invariants`, which `sync` runs on every plan, saved or computed, under the lock.
The schema makes a malformed file a located error before anything connects or writes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema_rs

from .errors import ShotkitError
from .escape import text_inline
from .fileio import write_atomic

FORMAT_VERSION = 1
MAX_PLAN_SIZE = 2**30  # bytes: far above any real plan, a bound on what a special file could feed
UUID = {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
TEXT = {"type": "string"}
TEXT_OR_NULL = {"type": ["string", "null"]}
OBJECT_OR_NULL = {"type": ["object", "null"]}
INT32_OR_NULL = {"type": ["integer", "null"], "minimum": -(2**31), "maximum": 2**31 - 1}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": [name for name in properties if name not in optional],
    }


ASSET_ROW = _object(
    {
        "id": UUID,
        "workspace_id": TEXT,
        "type": TEXT,
        "name": TEXT,
        "url": TEXT_OR_NULL,
        "duration": {"type": ["number", "null"]},
        "asset_metadata": {"type": "object"},
        "manifest_key": TEXT_OR_NULL,
        "source": OBJECT_OR_NULL,
        "owner": TEXT_OR_NULL,
    }
)
LINK_ROW = _object(
    {
        "id": UUID,
        "workspace_id": TEXT,
        "parent_asset_id": UUID,
        "child_asset_id": UUID,
        "relationship_type": TEXT,
        "sequence": INT32_OR_NULL,
        "relationship_metadata": {"type": "object"},
        "owner": TEXT_OR_NULL,
    }
)
ID_ONLY = _object({"id": UUID})
FIELD = _object(
    {"field": TEXT, "old": {}, "new": {}, "added": {"const": True}, "removed": {"const": True}},
    optional=("old", "new", "added", "removed"),
)
LABEL = {"id": UUID, "type": TEXT, "key": TEXT_OR_NULL, "name": TEXT, "shot": TEXT_OR_NULL}
END = {"type": "array", "prefixItems": [TEXT, TEXT], "minItems": 2, "maxItems": 2}
LINK_LABEL = {"type": TEXT, "parent": END, "child": END, "shot": TEXT_OR_NULL}
CHANGE = {
    "oneOf": [
        _object({"action": {"const": "create"}, **LABEL, "row": ASSET_ROW}),
        _object(
            {
                "action": {"const": "update"},
                **LABEL,
                "fields": {"type": "array", "items": FIELD},
                "row": ASSET_ROW,
            }
        ),
        _object({"action": {"const": "delete"}, **LABEL, "row": ID_ONLY}),
    ]
}
LINK = {
    "oneOf": [
        _object(
            {
                "action": {"const": "add"},
                **LINK_LABEL,
                "sequence": INT32_OR_NULL,
                "metadata": OBJECT_OR_NULL,
                "row": LINK_ROW,
            }
        ),
        _object(
            {
                "action": {"const": "update"},
                **LINK_LABEL,
                "fields": {"type": "array", "items": FIELD},
                "row": LINK_ROW,
            }
        ),
        _object({"action": {"const": "remove"}, **LINK_LABEL, "row": ID_ONLY}),
    ]
}
WORKSPACE = _object(
    {
        "workspace": TEXT,
        "fingerprint": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
        "changes": {"type": "array", "items": CHANGE},
        "links": {"type": "array", "items": LINK},
        "bookkeeping": {
            "type": "array",
            "items": _object({"id": UUID, "manifest_key": TEXT_OR_NULL, "source": OBJECT_OR_NULL}),
        },
        "unmanaged": {"type": "array", "items": _object(LABEL)},
        "pending_prune": {"type": "array", "items": _object(LABEL)},
    }
)
PLAN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **_object(
        {
            "kind": {"const": "shotkit-plan"},
            "format_version": {"type": "integer"},
            "owner": TEXT,
            "prune": {"type": "boolean"},
            "has_changes": {"type": "boolean"},
            "summary": {"type": "object"},
            "workspaces": {"type": "array", "items": WORKSPACE},
            "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
        }
    ),
}
_validator = jsonschema_rs.validator_for(PLAN_SCHEMA)


def digest(document: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything in the document but the digest itself."""
    content = {key: value for key, value in document.items() if key != "digest"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def dumps(document: dict[str, Any]) -> str:
    return (
        json.dumps({**document, "digest": digest(document)}, indent=2, ensure_ascii=False, allow_nan=False)
        + "\n"
    )


def save(document: dict[str, Any], path: Path) -> None:
    write_atomic(path, dumps(document))


def read(path: Path) -> dict[str, Any]:
    """The plan document in `path`, checked: JSON, its schema, its digest. Any failure is one
    located ShotkitError; nothing has connected to a database yet."""
    from .documents import ReadRefused, read_regular

    shown = text_inline(str(path))
    try:
        # a regular file only, read without blocking: a FIFO or /dev/zero named as the plan
        # would hang the run or fill the memory
        raw = read_regular(path, MAX_PLAN_SIZE)
    except ReadRefused as refused:
        raise ShotkitError(
            f"cannot read plan {shown}: {str(refused).removeprefix('cannot read: ')}"
        ) from None
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as err:
        raise ShotkitError(f"{shown} is not valid JSON: {err}") from None
    if not isinstance(document, dict) or document.get("kind") != "shotkit-plan":
        raise ShotkitError(f"{shown} is not a saved shotkit plan (make one with `shotkit plan -o FILE`)")
    if "format_version" not in document:
        raise ShotkitError(f"{shown} has no format_version; this shotkit reads plan format {FORMAT_VERSION}")
    if document.get("format_version") != FORMAT_VERSION:
        found = text_inline(repr(document.get("format_version")))
        raise ShotkitError(f"{shown} has plan format {found}; this shotkit reads format {FORMAT_VERSION}")
    check(document, shown)
    return document


def check(document: Any, shown: str) -> None:
    error = next(iter(_validator.iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.instance_path) or "(top level)"
        raise ShotkitError(
            f"{shown}: {where}: {text_inline(_short(error.message))}: the plan file is damaged; make a new one with `shotkit plan -o`"
        )
    if "digest" not in document or document["digest"] != digest(document):
        raise ShotkitError(
            f"{shown} was changed after `shotkit plan` wrote it (its digest does not match its content); "
            "make a new plan with `shotkit plan -o` and review it"
        )
    _check_deletes(document, shown)


def _check_deletes(document: dict[str, Any], shown: str) -> None:
    """A delete names its row twice (the label shown, the row written): they must agree, so a
    plan reads as one delete per row (the schema cannot say "equal")."""
    for w, workspace in enumerate(document["workspaces"]):
        for c, change in enumerate(workspace["changes"]):
            if change["action"] == "delete" and change["row"]["id"] != change["id"]:
                raise ShotkitError(
                    f"{shown}: workspaces/{w}/changes/{c}/row/id: deletes row {change['row']['id']}, but the plan "
                    f"shows row {change['id']}: the plan file is damaged; make a new one with `shotkit plan -o`"
                )


def _short(message: str) -> str:
    return message if len(message) <= 160 else message[:157] + "..."


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
