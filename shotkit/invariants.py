"""What every plan must respect before apply commits it, saved or computed.

`sync` checks a plan against the state it read under the lock: a saved plan before any of its
rows is written, a plan computed in the same run while its rows are written, in the same
transaction, whose commit waits for the verdict (`apply._write_while_checking`); a refusal
rolls everything back either way. A computed plan passes by
construction; a saved plan file may have been edited (its digest has no key), so these rules
are what keeps it inside its boundaries: it writes only its own workspace, creates rows under
the project's owner label, updates only rows of this project or unowned ones (and keeps their
owner), deletes only rows this project owns and only with `--prune`, removes only owned links,
and never lets a delete take a link it does not list (`ON DELETE CASCADE`). Labels shown to a
reviewer must describe the rows written, and an update's listed fields must be the real diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import PlanRefused
from .escape import text_inline
from .operations import (
    AddLink,
    AssetOperation,
    CreateAsset,
    DeleteAsset,
    FieldChange,
    LinkOperation,
    RemoveLink,
    UpdateAsset,
    UpdateLink,
    unreachable,
)
from .plan import Plan, WorkspacePlan, field_changes, link_id
from .state import State, same

SHOWN = 5  # violations named in the error before "and N more"


def verify(plan: Plan, states: dict[str, State], owner: str) -> None:
    """Raise PlanRefused naming what breaks the rules; return quietly when nothing does."""
    problems: list[str] = []
    if plan.owner != owner:
        problems.append(
            f"the plan writes for owner '{plan.owner}', but this project's owner is '{owner}' (shotkit.yaml)"
        )
    seen: set[str] = set()
    for workspace in plan.workspaces:
        if workspace.workspace in seen or workspace.workspace not in states:
            problems.append(f"workspace '{workspace.workspace}' appears twice or was not read")
            continue
        seen.add(workspace.workspace)
        problems += _Check(plan, workspace, states[workspace.workspace]).run()
    if problems:
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise PlanRefused(text_inline("refusing the plan: " + "; ".join(problems[:SHOWN]) + more))


class _Check:
    """The rules for one workspace's operations, against the state read under the lock."""

    def __init__(self, plan: Plan, workspace: WorkspacePlan, state: State) -> None:
        self.plan, self.workspace, self.state = plan, workspace, state
        self.name = workspace.workspace
        self.problems: list[str] = []
        self.deletes = {change.id for change in workspace.deletes}
        self.link_removes = {link.id for link in workspace.links if isinstance(link, RemoveLink)}
        self.named, self.link_by_id = (lookup := _Lookup(workspace, state)).named, lookup.link

    def fail(self, message: str) -> None:
        self.problems.append(f"workspace '{self.name}': {message}")

    def run(self) -> list[str]:
        ids = [_written(change) for change in self.workspace.changes]
        if len(ids) != len(set(ids)):
            self.fail("a row is changed more than once")
        for change in self.workspace.changes:
            match change:
                case CreateAsset():
                    self._create(change)
                case UpdateAsset():
                    self._update(change)
                case DeleteAsset():
                    self._delete(change)
                case _:
                    unreachable(change)
        for link in self.workspace.links:
            match link:
                case AddLink():
                    self._link_add(link)
                case UpdateLink():
                    self._link_update(link)
                case RemoveLink():
                    self._link_remove(link)
                case _:
                    unreachable(link)
        for entry in self.workspace.bookkeeping:
            if entry.id not in self.state.assets:
                self.fail(f"bookkeeping for row {entry.id}, which is not in this workspace")
        self._cascades()
        return self.problems

    def _label(self, change: AssetOperation, row: dict[str, Any]) -> None:
        shown = (change.id, change.type, change.key, change.name)
        if shown != (row["id"], row["type"], row.get("manifest_key"), row["name"]):
            self.fail(
                f"{change.action} of row {change.id} is labelled as something other than the row it writes"
            )

    def _create(self, change: CreateAsset) -> None:
        row = change.row
        self._label(change, row)
        if row["workspace_id"] != self.name:
            self.fail(f"create of row {row['id']} writes into workspace '{row['workspace_id']}'")
        if row["owner"] != self.plan.owner:
            self.fail(
                f"create of row {row['id']} is labelled with owner {row['owner']!r}, not '{self.plan.owner}'"
            )
        if row["id"] in self.state.assets:
            self.fail(f"create of row {row['id']}, which already exists")

    def _update(self, change: UpdateAsset) -> None:
        row, actual = change.row, self.state.assets.get(change.row["id"])
        self._label(change, row)
        if actual is None:
            self.fail(f"update of row {row['id']}, which is not in this workspace")
            return
        if row["workspace_id"] != self.name or actual["type"] != row["type"]:
            self.fail(f"update of row {row['id']} moves it to another workspace or type")
        if actual["owner"] not in (None, self.plan.owner) or row["owner"] != actual["owner"]:
            self.fail(f"update of row {row['id']}, owned by {actual['owner']!r}, or a change of its owner")
        if not _same_fields(change.fields, field_changes(actual, row)):
            self.fail(f"update of row {row['id']} lists fields other than those it changes")

    def _delete(self, change: DeleteAsset) -> None:
        actual = self.state.assets.get(change.id)
        if actual is None:
            self.fail(f"delete of row {change.id}, which is not in this workspace")
            return
        self._label(change, actual)
        if not self.plan.prune:
            self.fail(f"delete of row {actual['id']} in a plan made without --prune")
        if actual["owner"] != self.plan.owner:
            self.fail(
                f"delete of {actual['type']} '{actual['manifest_key'] or actual['name']}' (row {actual['id']}), which this project does not own (owner {actual['owner']!r})"
            )

    def _link_label(self, link: LinkOperation, row: dict[str, Any]) -> None:
        shown = (link.type, tuple(link.parent), tuple(link.child))
        parent, child = row["parent_asset_id"], row["child_asset_id"]
        actual = (
            row["relationship_type"],
            self.named(parent) or ("?", parent),
            self.named(child) or ("?", child),
        )
        if shown != actual:
            self.fail(f"link {row['id']} is labelled as something other than the link it writes")

    def _link_add(self, link: AddLink) -> None:
        row = link.row
        self._link_label(link, row)
        ends = (row["parent_asset_id"], row["child_asset_id"], row["relationship_type"])
        if row["workspace_id"] != self.name or row["owner"] != self.plan.owner or row["id"] != link_id(*ends):
            self.fail(f"link {row['id']} is added under another workspace, owner or id")
        unknown = any(self.named(end) is None or end in self.deletes for end in ends[:2])
        if unknown or ends in self.state.links:
            self.fail(f"link {row['id']} joins rows that are not in this workspace, or exists already")
        if link.sequence != row["sequence"] or not same(link.metadata or {}, row["relationship_metadata"]):
            self.fail(f"link {row['id']} shows other values than it writes")

    def _link_update(self, link: UpdateLink) -> None:
        row = link.row
        actual = self.link_by_id(row["id"])
        if actual is None or any(
            actual[k] != row[k]
            for k in ("workspace_id", "parent_asset_id", "child_asset_id", "relationship_type", "owner")
        ):
            self.fail(f"update of link {row['id']}, which is not this workspace's, or moves it")
            return
        self._link_label(link, row)
        fields = [
            FieldChange(name, actual[name], row[name])
            for name in ("sequence", "relationship_metadata")
            if not same(actual[name], row[name])
        ]
        if not _same_fields(link.fields, fields):
            self.fail(f"update of link {row['id']} lists fields other than those it changes")

    def _link_remove(self, link: RemoveLink) -> None:
        actual = self.link_by_id(link.id)
        if actual is None or actual["owner"] != self.plan.owner:
            self.fail(
                f"removal of link {link.id}, which is not a link of this workspace owned by this project"
            )
            return
        self._link_label(link, actual)

    def _cascades(self) -> None:
        """A deleted row's links all go with it: each must be listed as removed, so none may
        belong to anyone else (see plan.diff)."""
        if not self.deletes:
            return
        for link in self.state.links.values():
            touches = link["parent_asset_id"] in self.deletes or link["child_asset_id"] in self.deletes
            if touches and link["id"] not in self.link_removes:
                self.fail(
                    f"a delete would also remove link {link['id']} ({link['relationship_type']}), which the plan does not list"
                )


def _written(change: AssetOperation) -> str:
    """The id of the row an operation writes (a delete's is the one it shows)."""
    return change.id if isinstance(change, DeleteAsset) else str(change.row["id"])


class _Lookup:
    """Rows and links of the state as the checks need them, found one at a time: a plan that
    renames one shot is checked without an index of every row and link."""

    def __init__(self, workspace: WorkspacePlan, state: State) -> None:
        self.state = state
        self.declared = {  # a create or an update names its row as the manifests declare it
            change.row["id"]: (change.row["type"], change.row["manifest_key"] or change.row["name"])
            for change in workspace.changes
            if isinstance(change, (CreateAsset, UpdateAsset))
        }
        self.rekeyed = {e.id: e.manifest_key for e in workspace.bookkeeping if e.manifest_key is not None}
        self.links_by_id: dict[str, dict[str, Any]] | None = None  # made at the first need

    def link(self, link_id: str) -> dict[str, Any] | None:
        """The state's link with this id (indexed only for a plan that updates or removes links)."""
        if self.links_by_id is None:
            self.links_by_id = {link["id"]: link for link in self.state.links.values()}
        return self.links_by_id.get(link_id)

    def named(self, asset_id: str) -> tuple[str, str] | None:
        """As the manifests declare it, else as the database has it with the key bookkeeping
        records; None: a row neither has."""
        if asset_id in self.declared:
            return self.declared[asset_id]
        row = self.state.assets.get(asset_id)
        if row is None:
            return None
        key = self.rekeyed.get(asset_id)
        return (row["type"], key if key is not None else row["manifest_key"] or row["name"])


def _same_fields(shown: Sequence[FieldChange], actual: Sequence[FieldChange]) -> bool:
    def rows(items: Sequence[FieldChange]) -> list[Any]:
        return [[i.field, i.old, i.new, i.added, i.removed] for i in items]

    return same(rows(shown), rows(actual))
