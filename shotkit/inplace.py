"""The database's entries merged into the manifests people wrote, keeping what they wrote.

For each entry the merge compares meaning, not text: both the file's entry and the database's
are brought to canonical form (canonical.entry), and only where those differ does the
database's value replace the file's. So `duration: 8` stays `8` while the database says 8.0,
`{ref: hero}` stays a mapping, `selected: false` and a derived `id:` stay where a person
wrote them, and takes keep the file's order. The result is data; yamledit turns it into the
smallest text edit.

Entries (and takes) in a file that the database does not have are kept and counted: they may
be work not yet synced. `prune` removes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .yamledit import identity, same

Canon = Callable[[str, dict[str, Any]], dict[str, Any]]  # an entry's canonical form, from its key and data


@dataclass
class Merged:
    missing: list[str] = field(default_factory=list)  # entries/takes kept (or pruned) that the database lacks
    invalid: list[str] = field(default_factory=list)  # entries that are not valid; left as written


def merge(raw: Any, old: Any, new: Any, prune: bool, where: str, report: Merged) -> Any:
    """`raw` (as written; `old` is its canonical form) changed to mean `new`."""
    if _same(old, new):
        return raw
    if isinstance(raw, dict) and isinstance(old, dict) and isinstance(new, dict):
        return _merge_dict(raw, old, new, prune, where, report)
    if isinstance(raw, list) and isinstance(old, list) and isinstance(new, list):
        if all(isinstance(i, dict) and "attempt" in i for i in raw + new):
            return _merge_takes(raw, old, new, prune, where, report)
        return _merge_list(raw, old, new, prune, where, report)
    return new


def _same(old: Any, new: Any) -> bool:
    """`same`, answered first by comparing reprs: canonical forms that mean the same have their
    keys in the same order, so their reprs are equal (types included: 1, 1.0 and True print
    differently), and one C-level comparison replaces a Python walk of every value; the walk
    is left for the entries that differ."""
    return repr(old) == repr(new) or same(old, new)


def _merge_dict(
    raw: dict[str, Any], old: dict[str, Any], new: dict[str, Any], prune: bool, where: str, report: Merged
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in old:
            if key in new:
                out[key] = merge(value, old[key], new[key], prune, f"{where}.{key}", report)
        elif key in new:
            out[key] = new[key]  # was a default (left out of the canonical form), now a value
        else:
            out[key] = value
    return insert_after_predecessors(out, new)


def insert_after_predecessors(out: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """`out` with the keys of `new` it lacks, each after the key that precedes it in `new`."""
    missing = [k for k in new if k not in out]
    if not missing:
        return out
    result: dict[str, Any] = {}
    anchors: dict[Any, list[Any]] = {}
    previous = None
    for key in new:
        if key in out:
            previous = key
        else:
            anchors.setdefault(previous, []).append(key)
    for key in anchors.get(None, []):
        result[key] = new[key]
    for key, value in out.items():
        result[key] = value
        for added in anchors.get(key, []):
            result[added] = new[added]
    return result


def _pairs(raw: list[Any], old: list[Any]) -> dict[str, Any]:
    """Raw items by identity, each with its canonical form."""
    by_id = {identity(c): c for c in old}
    pairs = {}
    for index, item in enumerate(raw):
        key = identity(item)
        if key in by_id:
            pairs[key] = (item, by_id[key])
        elif index < len(old):
            pairs[identity(old[index])] = (item, old[index])
    return pairs


def _merge_list(
    raw: list[Any], old: list[Any], new: list[Any], prune: bool, where: str, report: Merged
) -> list[Any]:
    """A list whose order means something (links): the database's order, the file's items."""
    pairs = _pairs(raw, old)
    out = []
    for item in new:
        pair = pairs.get(identity(item))
        out.append(item if pair is None else merge(pair[0], pair[1], item, prune, where, report))
    return out


def _merge_takes(
    raw: list[Any], old: list[Any], new: list[Any], prune: bool, where: str, report: Merged
) -> list[Any]:
    """Takes are keyed by attempt: the file's order, new takes after the attempt before them."""
    pairs = _pairs(raw, old)
    wanted = {identity(t): t for t in new}
    out = []
    for item in raw:
        key = identity(item)
        if key in wanted:
            out.append(
                merge(pairs[key][0], pairs[key][1], wanted[key], prune, where, report)
                if key in pairs
                else wanted[key]
            )
        else:
            report.missing.append(f"{where} take {item.get('attempt')}")
            if not prune:
                out.append(item)
    for key, take in wanted.items():
        if key not in {identity(i) for i in raw}:
            at = max(
                (
                    i + 1
                    for i, t in enumerate(out)
                    if isinstance(t.get("attempt"), int) and t["attempt"] < take["attempt"]
                ),
                default=0,
            )
            out.insert(at, take)
    return out


def merge_section(
    raw: dict[str, Any],
    canon: Canon,
    database: Callable[[str], dict[str, Any] | None],
    prune: bool,
    where: str,
    report: Merged,
) -> dict[str, Any]:
    """One section of a file (`characters`, `shots`...) merged with the database's entries
    (`database(key)`: the canonical form of the row the entry stands for, None if there is
    none), each built when its entry is merged and dropped after it."""
    out = {}
    for key, entry in raw.items():
        new = database(key)
        if new is None:
            report.missing.append(f"{where}.{key}")
            if not prune:
                out[key] = entry
            continue
        try:
            old = canon(key, entry)
        except Exception:
            report.invalid.append(f"{where}.{key}")
            out[key] = entry
            continue
        out[key] = merge(entry, old, new, prune, f"{where}.{key}", report)
    return out
