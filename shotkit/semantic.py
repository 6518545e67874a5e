"""A plan's changes as a reviewer reads them: per shot, "selected take 2 -> 3", "audio layer
'rain-fx' moved from 2 to 1", "+ character kid", rather than raw fields.

Lines are plain text with a diff prefix (`+`, `-`, `~`, `!`); the renderer escapes them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from .plan import WorkspacePlan

SYMBOL = {"create": "+", "add": "+", "update": "~", "delete": "-", "remove": "-"}
LINK_NOUN = {"uses_character": "character", "uses_audio": "audio layer", "uses_script": "script"}
NESTED_LINKS = ("generation_attempt", "generated_video")  # shown as their take or video


def value(item: Any, limit: int = 60) -> str:
    text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_name(name: str) -> str:
    return name.removeprefix("asset_metadata.")


def field_line(item: dict[str, Any]) -> str:
    name = field_name(item["field"])
    if item.get("added"):
        return f"{name} {value(item['new'])}"
    if item.get("removed"):
        return f"{name} removed (was {value(item['old'])})"
    return f"{name} {value(item['old'])} -> {value(item['new'])}"


def attempt(change: dict[str, Any]) -> str:
    key = change.get("key") or ""
    return key.rsplit("#", 1)[1] if "#" in key else value(change.get("name") or change["id"])


def by_shot(workspace: WorkspacePlan) -> dict[str | None, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    changes: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    links: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for change in workspace.changes:
        changes[change.get("shot")].append(change)
    for link in workspace.links:
        links[link.get("shot")].append(link)
    return {shot: (changes.get(shot, []), links.get(shot, [])) for shot in {**changes, **links}}


def selection(changes: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Attempts selected before and after, from the takes' `selected` changes."""
    before: list[str] = []
    after: list[str] = []
    for change in changes:
        if change["type"] != "shot_take":
            continue
        if (
            change["action"] == "create"
            and (change["row"].get("asset_metadata") or {}).get("selected") is True
        ):
            after.append(attempt(change))
        for item in change.get("fields", []):
            if item["field"] == "asset_metadata.selected":
                (after if item.get("new") is True else before).append(attempt(change))
    return before, after


def shot_lines(changes: list[dict[str, Any]], links: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    before, after = selection(changes)
    if before or after:
        lines.append(f"~ selected take {', '.join(before) or 'none'} -> {', '.join(after) or 'none'}")
    for change in changes:
        lines.extend(_asset_lines(change))
    for link in links:
        lines.extend(_link_lines(link))
    return lines


def _take_summary(row: dict[str, Any]) -> str:
    metadata = row.get("asset_metadata") or {}
    parts = []
    generation = metadata.get("generation_params")
    if isinstance(generation, dict) and (generation.get("provider") or generation.get("model")):
        parts.append("/".join(value(generation[k], 30) for k in ("provider", "model") if generation.get(k)))
    if isinstance(metadata.get("generation_cost"), (int, float)):
        parts.append(f"cost {metadata['generation_cost']:.2f}")
    return f" ({', '.join(parts)})" if parts else ""


def _asset_lines(change: dict[str, Any]) -> list[str]:
    action, kind = change["action"], change["type"]
    fields = [f for f in change.get("fields", []) if f["field"] != "asset_metadata.selected"]
    if kind == "shot_take":
        subject = f"take {attempt(change)}"
        extra = _take_summary(change["row"]) if action == "create" else ""
    elif kind == "video":
        subject = f"take {attempt(change)} video"
        extra = (
            f" {value(change['row'].get('url'))}" if action == "create" and change["row"].get("url") else ""
        )
    else:
        key = change.get("key") or change.get("name") or change["id"]
        subject = f"{kind} {value(key)}"
        name = change.get("name")
        extra = f" ({value(name)})" if action != "update" and name and name != key else ""
    if action == "update":
        return [f"~ {subject}: {field_line(item)}" for item in fields]
    return [f"{SYMBOL[action]} {subject}{extra}"]


def _link_lines(link: dict[str, Any]) -> list[str]:
    kind, action = link["type"], link["action"]
    if kind in NESTED_LINKS and action != "update":
        return []  # the take or video line says it
    child = value(link["child"][1])
    noun = LINK_NOUN.get(kind)
    subject = (
        f"{noun} {child}"
        if noun and kind != "uses_audio"
        else f"audio layer '{child}'"
        if noun
        else f"link {kind} -> {link['child'][0]} {child}"
    )
    if action == "add":
        where = f" at {link['sequence']}" if kind == "uses_audio" and link.get("sequence") is not None else ""
        meta = f" {value(link['metadata'])}" if link.get("metadata") else ""
        return [f"+ {subject}{where}{meta}"]
    if action == "remove":
        return [f"- {subject}"]
    lines = []
    for item in link["fields"]:
        if item["field"] == "sequence":
            lines.append(f"~ {subject} moved from {item['old']} to {item['new']}")
        else:
            lines.append(f"~ {subject}: {value(item['old'])} -> {value(item['new'])}")
    return lines
