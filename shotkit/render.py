"""Renderers of a plan: Terraform-like text and JSON (the Markdown comment: plan_markdown)."""

from __future__ import annotations

import json
from typing import Any

from .escape import json_inline, text_inline
from .plan import Plan, WorkspacePlan

SYMBOL = {"create": "+", "add": "+", "update": "~", "delete": "-", "remove": "-"}
LISTED = 10  # unmanaged / pending rows listed by name before "and N more"


def _value(value: Any) -> str:
    text = json_inline(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return text if len(text) <= 80 else text[:77] + "..."


def _asset(change: dict[str, Any]) -> str:
    key = change.get("key") or change["id"]
    name = f" ({text_inline(change['name'])})" if change.get("name") and change["name"] != key else ""
    return f'{text_inline(change["type"])} "{text_inline(key)}"{name}'


def _end(end: list[Any]) -> str:
    return f'{text_inline(end[0])} "{text_inline(end[1])}"'


def change_lines(change: dict[str, Any]) -> list[str]:
    lines = [f"{SYMBOL[change['action']]} {change['action']} {_asset(change)}"]
    for item in change.get("fields", []):
        if item.get("added"):
            lines.append(f"    + {text_inline(item['field'])}: {_value(item['new'])}")
        elif item.get("removed"):
            lines.append(f"    - {text_inline(item['field'])}: {_value(item['old'])}")
        else:
            lines.append(
                f"    ~ {text_inline(item['field'])}: {_value(item['old'])} -> {_value(item['new'])}"
            )
    return lines


def link_lines(link: dict[str, Any]) -> list[str]:
    head = f"{SYMBOL[link['action']]} link {text_inline(link['type'])}: {_end(link['parent'])} -> {_end(link['child'])}"
    if link["action"] == "add":
        extra = []
        if link.get("sequence") is not None:
            extra.append(f"sequence {link['sequence']}")
        if link.get("metadata"):
            extra.append(_value(link["metadata"]))
        return [head + (f" ({', '.join(extra)})" if extra else "")]
    if link["action"] == "update":
        return [head] + [
            f"    ~ {f['field']}: {_value(f['old'])} -> {_value(f['new'])}" for f in link["fields"]
        ]
    return [head]


def _listed(rows: list[dict[str, Any]]) -> str:
    names = [f'{text_inline(r["type"])} "{text_inline(r.get("key") or r["name"])}"' for r in rows[:LISTED]]
    more = f", and {len(rows) - LISTED} more" if len(rows) > LISTED else ""
    return ", ".join(names) + more


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    if not plan.has_changes:
        return "No changes. The database matches the manifests."
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete; "
        f"links: {s['link_add']} to add, {s['link_update']} to update, {s['link_remove']} to remove."
    )


def _notes(workspace: WorkspacePlan) -> list[str]:
    notes = []
    if workspace.pending_prune:
        notes.append(
            f"{len(workspace.pending_prune)} row(s) this project made are no longer in the manifests; `sync --prune` would delete them: {_listed(workspace.pending_prune)}"
        )
    if workspace.unmanaged:
        notes.append(
            f"{len(workspace.unmanaged)} row(s) made outside this project are kept as they are (`shotkit export` brings them into the manifests): {_listed(workspace.unmanaged)}"
        )
    return notes


def text(plan: Plan) -> str:
    out: list[str] = []
    for workspace in plan.workspaces:
        body = [line for c in workspace.changes for line in change_lines(c)]
        body += [line for link in workspace.links for line in link_lines(link)]
        notes = _notes(workspace)
        if not body and not notes:
            continue
        out.append(f"Workspace {text_inline(workspace.workspace)}:")
        out.extend("  " + line for line in body)
        out.extend("  note: " + note for note in notes)
        out.append("")
    out.append(summary_line(plan))
    return "\n".join(out)


def as_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False)
