"""`shotkit select SHOT ATTEMPT`: move a shot's selected take in the manifest file itself.

Only the `selected:` lines change (yamledit keeps every other byte, comments included), so a
director's choice becomes a one-line pull request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import yamledit
from .documents import Document
from .errors import ManifestError, ShotkitError


@dataclass
class Selection:
    document: Document
    text: str  # the file's new text (the old one when nothing changes)
    previous: list[int]  # attempts that were selected before


def select(documents: list[Document], shot: str, attempt: int) -> Selection:
    document = _document(documents, shot)
    takes = document.data["shots"][shot].get("takes") or []
    attempts = [t.get("attempt") for t in takes if isinstance(t, dict)]
    if attempt not in attempts:
        known = ", ".join(str(a) for a in attempts) or "none"
        where = ("shots", shot, "takes") if takes else ("shots", shot)
        raise ManifestError(
            [
                document.problem(
                    where,
                    f"shot '{shot}' has no take with attempt {attempt} (attempts: {known})",
                    key=not takes,
                )
            ]
        )
    previous = [t["attempt"] for t in takes if t.get("selected") is True]
    new_takes = [_selected(t, t.get("attempt") == attempt) for t in takes]
    data = dict(document.data)
    data["shots"] = {**data["shots"], shot: {**data["shots"][shot], "takes": new_takes}}
    if yamledit.same(data, document.data):
        return Selection(document, document.text, previous)
    try:
        text = yamledit.update(document.text, data)
    except yamledit.EditFailure as err:
        raise ShotkitError(
            f"{document.shown}: cannot edit the selection in place ({err}); the file is left as it is"
        ) from None
    return Selection(document, text, previous)


def _selected(take: dict[str, Any], chosen: bool) -> dict[str, Any]:
    """The take with `selected: true` (after `attempt:`), or without a true `selected`."""
    if chosen:
        if "selected" in take:
            return {**take, "selected": True}
        out: dict[str, Any] = {}
        for key, value in take.items():
            out[key] = value
            if key == "attempt":
                out["selected"] = True
        return out if "selected" in out else {**take, "selected": True}
    if take.get("selected") is True:
        return {k: v for k, v in take.items() if k != "selected"}
    return take


def _document(documents: list[Document], shot: str) -> Document:
    holders = [d for d in documents if isinstance(d.data.get("shots"), dict) and shot in d.data["shots"]]
    if not holders:
        known = sorted(
            str(k) for d in documents if isinstance(d.data.get("shots"), dict) for k in d.data["shots"]
        )
        hint = f" (shots: {', '.join(known[:10])}{' ...' if len(known) > 10 else ''})" if known else ""
        raise ShotkitError(f"no shot '{shot}' in the manifests{hint}")
    if len(holders) > 1:
        raise ShotkitError(
            f"shot '{shot}' is in {len(holders)} files ({', '.join(d.shown for d in holders)}); name the one to edit as PATH"
        )
    return holders[0]
