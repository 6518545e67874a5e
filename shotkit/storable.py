"""What both databases can store, checked on the loaded data before the schema sees it.

A value can be valid JSON Schema and still be refused by a database: PostgreSQL's `text` and
`jsonb` refuse U+0000, `jsonb` refuses NaN and infinity (SQLite turns them into NULL), and
SQLite's integers are 64-bit. YAML tags can also produce values JSON has no word for (`!!set`).
Each such value is a located problem here, found in one pass over the data, so that nothing
that validates can fail at `sync` (issue 10).
"""

from __future__ import annotations

import math
from typing import Any

MIN_INT = -(2**63)
MAX_INT = 2**63 - 1
NUL_TEXT = "text holds U+0000 (a NUL character), which PostgreSQL cannot store; remove the `\\0` escape"
NUL_KEY = "key holds U+0000 (a NUL character), which PostgreSQL cannot store; remove the `\\0` escape"
NOT_FINITE = "{value!r} is not a finite number; the databases cannot store NaN or infinity"
OUT_OF_RANGE = "{value} is out of range; the databases store whole numbers from -2^63 to 2^63-1"

Found = tuple[tuple[Any, ...], str, bool]  # (path, message, at_key)


def problems(data: Any) -> list[Found]:
    """Every value of `data` no database can store, with its path (keys as the user wrote them)."""
    try:
        if type(data) in (dict, list) and _storable(data):
            return []  # the common case, found without building a path for every value
    except RecursionError:  # deeper than the parser allows: the walk below has no limit
        pass
    found: list[Found] = []
    _scalar(data, (), found)
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)] if isinstance(data, (dict, list)) else []
    while stack:
        path, node = stack.pop()
        if type(node) is dict:
            items: Any = node.items()
        else:
            items = enumerate(node)
        for key, value in items:
            if type(node) is dict and (type(key) is not str or "\x00" in key):
                found.append((path + (key,), _bad_key(key), True))
                continue
            kind = type(value)
            if kind is dict or kind is list:
                stack.append((path + (key,), value))
            elif kind is not bool and value is not None and (kind is not str or "\x00" in value):
                _scalar(value, path + (key,), found)
    return found


def _storable(node: dict[Any, Any] | list[Any]) -> bool:
    """Whether every key and value under `node` can be stored: the same tests as `problems`,
    in a plain recursion that builds nothing (half the time of the walk on valid manifests)."""
    if type(node) is dict:
        for key in node:
            if type(key) is not str or "\x00" in key:
                return False
        values: Any = node.values()
    else:
        values = node
    for value in values:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                return False
        elif kind is dict or kind is list:
            if not _storable(value):
                return False
        elif kind is float:
            if not _isfinite(value):
                return False
        elif kind is int:
            if not MIN_INT <= value <= MAX_INT:
                return False
        elif kind is not bool and value is not None:
            return False
    return True


_isfinite = math.isfinite


def _bad_key(key: Any) -> str:
    if isinstance(key, str):
        return NUL_KEY
    if isinstance(key, (tuple, frozenset)):
        return "a list or mapping cannot be a key; keys are text"
    written = (
        {True: "true", False: "false", None: "null"}.get(key, key)
        if isinstance(key, (bool, type(None)))
        else key
    )
    return f"key {_show(written)} must be text: quote it"


def _scalar(value: Any, path: tuple[Any, ...], found: list[Found]) -> None:
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            found.append((path, NUL_TEXT, False))
    elif kind is int:
        if not MIN_INT <= value <= MAX_INT:
            found.append((path, OUT_OF_RANGE.format(value=_short_int(value)), False))
    elif kind is float:
        if not math.isfinite(value):
            found.append((path, NOT_FINITE.format(value=value), False))
    elif kind in (bool, dict, list) or value is None:
        return
    elif isinstance(value, (set, frozenset)):
        found.append((path, "a set (`!!set`) is not a manifest value; write a list", False))
    else:
        found.append(
            (
                path,
                f"a {kind.__name__} value (from a YAML tag?) is not a manifest value; write text, a number, true/false, a list or a mapping",
                False,
            )
        )


def _short_int(value: int) -> str:
    text = str(value)
    return text if len(text) <= 24 else f"{text[:10]}...{text[-4:]} ({len(text)} digits)"


def _show(key: Any) -> str:
    text = key if isinstance(key, str) else repr(key)
    return text if len(text) <= 40 else text[:37] + "..."
