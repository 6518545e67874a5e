"""The operations a plan is made of: small immutable values, each with its JSON form.

An asset operation (CreateAsset, UpdateAsset, DeleteAsset) or a link operation (AddLink,
UpdateLink, RemoveLink) is something sync writes. A Bookkeeping entry records a row's manifest
key and file without counting as a change. A RowLabel names a row the plan leaves alone (made by
another tool, or pending `--prune`). Like Alembic's `operations/ops.py`, the diff produces them
and everything after it (apply, the renderers, the invariants) dispatches on their type.

Each operation carries both what a reviewer is shown (its label: type, key, name, shot) and
what apply writes (its row), so a saved plan is applied exactly as reviewed; `invariants`
checks that the two agree. The JSON form is the saved-plan format (docs/plan-format.md): an
operation's `action` names its class within its list (`changes` or `links`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field: a column, or a dotted path inside `asset_metadata` (where a key can
    also be added, with no old value, or removed, with no new one)."""

    field: str
    old: Any = None
    new: Any = None
    added: bool = False
    removed: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.added:
            return {"field": self.field, "new": self.new, "added": True}
        if self.removed:
            return {"field": self.field, "old": self.old, "removed": True}
        return {"field": self.field, "old": self.old, "new": self.new}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> FieldChange:
        return cls(
            item["field"],
            item.get("old"),
            item.get("new"),
            bool(item.get("added")),
            bool(item.get("removed")),
        )


def _fields(items: list[dict[str, Any]]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange.from_json(item) for item in items)


@dataclass(frozen=True, slots=True)
class RowLabel:
    """A row as a reviewer sees it: its id, type, manifest key (None for a row made elsewhere),
    name, and the shot it is grouped under (a shot, its takes and videos; None otherwise)."""

    id: str
    type: str
    key: str | None
    name: str
    shot: str | None

    def label_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "key": self.key, "name": self.name, "shot": self.shot}

    def to_json(self) -> dict[str, Any]:
        return self.label_json()

    @staticmethod
    def label_from_json(item: dict[str, Any]) -> tuple[str, str, str | None, str, str | None]:
        return item["id"], item["type"], item["key"], item["name"], item["shot"]

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> RowLabel:
        return cls(*cls.label_from_json(item))


@dataclass(frozen=True, slots=True)
class CreateAsset(RowLabel):
    """Insert `row` (every column, the owner label included)."""

    row: dict[str, Any]
    action: ClassVar[str] = "create"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, **self.label_json(), "row": self.row}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> CreateAsset:
        return cls(*cls.label_from_json(item), item["row"])


@dataclass(frozen=True, slots=True)
class UpdateAsset(RowLabel):
    """Write `row` over the row with its id; `fields` is what differs, as the reviewer sees it."""

    fields: tuple[FieldChange, ...]
    row: dict[str, Any]
    action: ClassVar[str] = "update"

    def to_json(self) -> dict[str, Any]:
        fields = [item.to_json() for item in self.fields]
        return {"action": self.action, **self.label_json(), "fields": fields, "row": self.row}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> UpdateAsset:
        return cls(*cls.label_from_json(item), _fields(item["fields"]), item["row"])


@dataclass(frozen=True, slots=True)
class DeleteAsset(RowLabel):
    """Delete the row with this id (`--prune` only; its links are listed as RemoveLinks)."""

    action: ClassVar[str] = "delete"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, **self.label_json(), "row": {"id": self.id}}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> DeleteAsset:
        """`planfile.check` has made sure the row's id is the one shown."""
        return cls(*cls.label_from_json(item))


@dataclass(frozen=True, slots=True)
class LinkLabel:
    """A link as a reviewer sees it: its relationship type, its ends as (asset type, key or
    name), and the shot of its parent."""

    type: str
    parent: tuple[str, str]
    child: tuple[str, str]
    shot: str | None

    def label_json(self) -> dict[str, Any]:
        return {"type": self.type, "parent": list(self.parent), "child": list(self.child), "shot": self.shot}

    @staticmethod
    def label_from_json(item: dict[str, Any]) -> tuple[str, tuple[str, str], tuple[str, str], str | None]:
        parent, child = item["parent"], item["child"]
        return item["type"], (parent[0], parent[1]), (child[0], child[1]), item["shot"]


@dataclass(frozen=True, slots=True)
class AddLink(LinkLabel):
    """Insert `row`; `sequence` and `metadata` are what the reviewer is shown of it."""

    sequence: int | None
    metadata: dict[str, Any] | None
    row: dict[str, Any]
    action: ClassVar[str] = "add"

    def to_json(self) -> dict[str, Any]:
        shown = {"sequence": self.sequence, "metadata": self.metadata}
        return {"action": self.action, **self.label_json(), **shown, "row": self.row}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> AddLink:
        return cls(*cls.label_from_json(item), item["sequence"], item["metadata"], item["row"])


@dataclass(frozen=True, slots=True)
class UpdateLink(LinkLabel):
    """Write the `sequence` and `relationship_metadata` of `row` over the link with its id."""

    fields: tuple[FieldChange, ...]
    row: dict[str, Any]
    action: ClassVar[str] = "update"

    def to_json(self) -> dict[str, Any]:
        fields = [item.to_json() for item in self.fields]
        return {"action": self.action, **self.label_json(), "fields": fields, "row": self.row}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> UpdateLink:
        return cls(*cls.label_from_json(item), _fields(item["fields"]), item["row"])


@dataclass(frozen=True, slots=True)
class RemoveLink(LinkLabel):
    """Delete the link row `id` (owned links only)."""

    id: str
    action: ClassVar[str] = "remove"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, **self.label_json(), "row": {"id": self.id}}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> RemoveLink:
        return cls(*cls.label_from_json(item), item["row"]["id"])


@dataclass(frozen=True, slots=True)
class Bookkeeping:
    """Record a row's manifest key and source file: they moved, its content did not. Written
    with the changes, but not one (a plan with only these has no changes to review)."""

    id: str
    manifest_key: str | None
    source: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "manifest_key": self.manifest_key, "source": self.source}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Bookkeeping:
        return cls(item["id"], item["manifest_key"], item["source"])


AssetOperation = CreateAsset | UpdateAsset | DeleteAsset
LinkOperation = AddLink | UpdateLink | RemoveLink
Operation = AssetOperation | LinkOperation | Bookkeeping

ASSET_OPERATIONS: dict[str, type[AssetOperation]] = {
    cls.action: cls for cls in (CreateAsset, UpdateAsset, DeleteAsset)
}
LINK_OPERATIONS: dict[str, type[LinkOperation]] = {
    cls.action: cls for cls in (AddLink, UpdateLink, RemoveLink)
}


def asset_operation(item: dict[str, Any]) -> AssetOperation:
    """An entry of a plan's `changes`, by its `action`."""
    return ASSET_OPERATIONS[item["action"]].from_json(item)


def link_operation(item: dict[str, Any]) -> LinkOperation:
    """An entry of a plan's `links`, by its `action`."""
    return LINK_OPERATIONS[item["action"]].from_json(item)


def unreachable(operation: NoReturn) -> NoReturn:
    """The last case of a `match` over operations: mypy reports the match that misses a kind
    (`typing.assert_never`, which Python 3.10 does not have)."""
    raise AssertionError(f"not a plan operation: {operation!r}")


def summary_key(operation: AssetOperation | LinkOperation) -> str:
    """The count an operation adds to in a plan's summary (`create`, ..., `link_remove`)."""
    if isinstance(operation, LinkLabel):
        return "link_" + operation.action
    return operation.action
