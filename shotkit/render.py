"""Renderers of a plan: Terraform-like text, a Markdown PR comment, and JSON."""
from __future__ import annotations

import json
from typing import Any

from .escape import json_inline, markdown_code, markdown_fence, markdown_text, text_inline
from .plan import Plan, WorkspacePlan

SYMBOL = {"create": "+", "add": "+", "update": "~", "delete": "-", "remove": "-"}
LISTED = 10  # unmanaged / pending rows listed by name before "and N more"
COLLAPSE_AFTER = 15  # markdown: a shot's changes fold into <details> past this many lines


def _value(value: Any) -> str:
    text = json_inline(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return text if len(text) <= 80 else text[:77] + "..."


def _asset(change: dict) -> str:
    key = change.get("key") or change["id"]
    name = f" ({text_inline(change['name'])})" if change.get("name") and change["name"] != key else ""
    return f'{text_inline(change["type"])} "{text_inline(key)}"{name}'


def _end(end: list) -> str:
    return f'{text_inline(end[0])} "{text_inline(end[1])}"'


def change_lines(change: dict) -> list[str]:
    lines = [f"{SYMBOL[change['action']]} {change['action']} {_asset(change)}"]
    for item in change.get("fields", []):
        if item.get("added"):
            lines.append(f"    + {text_inline(item['field'])}: {_value(item['new'])}")
        elif item.get("removed"):
            lines.append(f"    - {text_inline(item['field'])}: {_value(item['old'])}")
        else:
            lines.append(f"    ~ {text_inline(item['field'])}: {_value(item['old'])} -> {_value(item['new'])}")
    return lines


def link_lines(link: dict) -> list[str]:
    head = f"{SYMBOL[link['action']]} link {text_inline(link['type'])}: {_end(link['parent'])} -> {_end(link['child'])}"
    if link["action"] == "add":
        extra = []
        if link.get("sequence") is not None:
            extra.append(f"sequence {link['sequence']}")
        if link.get("metadata"):
            extra.append(_value(link["metadata"]))
        return [head + (f" ({', '.join(extra)})" if extra else "")]
    if link["action"] == "update":
        return [head] + [f"    ~ {f['field']}: {_value(f['old'])} -> {_value(f['new'])}" for f in link["fields"]]
    return [head]


def _listed(rows: list[dict]) -> str:
    names = [f"{text_inline(r['type'])} \"{text_inline(r.get('key') or r['name'])}\"" for r in rows[:LISTED]]
    more = f", and {len(rows) - LISTED} more" if len(rows) > LISTED else ""
    return ", ".join(names) + more


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    if not plan.has_changes:
        return "No changes. The database matches the manifests."
    return (f"Plan: {s['create']} to create, {s['update']} to update, {s['delete']} to delete; "
            f"links: {s['link_add']} to add, {s['link_update']} to update, {s['link_remove']} to remove.")


def _notes(workspace: WorkspacePlan) -> list[str]:
    notes = []
    if workspace.pending_prune:
        notes.append(f"{len(workspace.pending_prune)} row(s) this project made are no longer in the manifests; `sync --prune` would delete them: {_listed(workspace.pending_prune)}")
    if workspace.unmanaged:
        notes.append(f"{len(workspace.unmanaged)} row(s) made outside this project are kept as they are (`shotkit export` brings them into the manifests): {_listed(workspace.unmanaged)}")
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


def _by_shot(workspace: WorkspacePlan) -> dict[str | None, list[str]]:
    groups: dict[str | None, list[str]] = {}
    for change in workspace.changes:
        groups.setdefault(change.get("shot"), []).extend(change_lines(change))
    for link in workspace.links:
        groups.setdefault(link.get("shot"), []).extend(link_lines(link))
    return groups


def markdown(plan: Plan) -> str:
    s = plan.summary()
    out = ["### shotkit plan", "", summary_line(plan), ""]
    out += ["| workspace | create | update | delete | links + | links ~ | links - |", "|---|---:|---:|---:|---:|---:|---:|"]
    for workspace in plan.workspaces:
        c = Plan(plan.owner, plan.prune, [workspace]).summary()
        out.append(f"| {markdown_code(workspace.workspace, in_table=True)} | {c['create']} | {c['update']} | {c['delete']} | {c['link_add']} | {c['link_update']} | {c['link_remove']} |")
    out.append("")
    for workspace in plan.workspaces:
        groups = _by_shot(workspace)
        for shot in sorted(groups, key=lambda k: (k is None, k or "")):
            lines = groups[shot]
            title = f"Shot {markdown_code(shot)}" if shot else "Shared assets"
            out.append(f"#### {title}" + (f" (workspace {markdown_code(workspace.workspace)})" if len(plan.workspaces) > 1 else ""))
            block = markdown_fence(lines, "diff")
            if len(lines) > COLLAPSE_AFTER:
                out += ["<details>", f"<summary>{len(lines)} lines of changes</summary>", "", *block, "", "</details>"]
            else:
                out += block
            out.append("")
        for note in _notes(workspace):
            out.append(f"> {markdown_text(note)}")
            out.append("")
    if s["unmanaged"] or s["pending_prune"]:
        out.append(f"<sub>{s['unmanaged']} unmanaged row(s) kept, {s['pending_prune']} owned row(s) pending `--prune`.</sub>")
    return "\n".join(out).rstrip() + "\n"


def as_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False)
