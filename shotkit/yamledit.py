"""Surgical edits of YAML text: change the values that differ, keep every other byte.

`update(text, new)` returns `text` edited so that it parses to `new`. It walks PyYAML's node
tree (which knows where every key, value and list item starts and ends) beside the new data
and edits only there: a changed scalar is rewritten in its own quoting style, a key or list
item added or removed touches only its own lines (and the comment lines directly above a
removed one), list items are matched by identity (`ref`, `attempt`, else value) so a
re-ordered list moves only the moved items. Comments, blank lines, flow or block style, key
order, indentation and line endings of everything else stay as they were.

Every result is checked the way Dart's `yaml_edit` checks its own: the text is parsed again
and must equal `new`. Where it does not, the entries whose edits were wrong are rewritten
whole (an entry is a key two levels down, such as `shots: {03A: ...}`), never the file; if
even that fails, `EditFailure` is raised and the caller leaves the file alone.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from . import yamlio
from .emit import block_items, block_value, flow_value, key_text

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path = tuple[Any, ...]
ENTRY_DEPTH = 2


class EditFailure(Exception):
    """The text could not be edited into the intended data."""


class _Unsupported(Exception):
    """A layout this engine does not edit in place; the entry is rewritten instead."""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str
    path: Path  # where the edit was made; its first ENTRY_DEPTH keys name the entry


# --- values -------------------------------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """Equal data, types included (1 is not 1.0 is not True); mapping order ignored."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return bool(a == b)


def identity(value: Any) -> Any:
    """What matches a list item in the old and the new list."""
    if isinstance(value, str):
        return ("ref", value)
    if isinstance(value, dict) and isinstance(value.get("ref"), str):
        return ("ref", value["ref"])
    if isinstance(value, dict) and "attempt" in value and isinstance(value["attempt"], int):
        return ("attempt", value["attempt"])
    return ("value", json.dumps(value, sort_keys=True, default=repr))


def value_of(node: yaml.Node) -> Any:
    """A node's data, as yamlio.parse reads it (YAML 1.2 core schema)."""
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.style else yamlio.resolve_plain(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [value_of(item) for item in node.value]
    return {value_of(k): value_of(v) for k, v in node.value}


# --- the text -----------------------------------------------------------------------------


class _Text:
    def __init__(self, text: str) -> None:
        self.text = text

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_after(self, index: int) -> int:
        """Index just past the end of the line holding `index` (its newline included)."""
        at = self.text.find("\n", index)
        return len(self.text) if at == -1 else at + 1

    def starts_line(self, index: int) -> bool:
        return self.text[self.line_start(index) : index].strip() == ""

    def end(self, node: yaml.Node) -> int:
        """Where a node's own text ends (a block collection's last value, not the next key)."""
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):
                while end > node.start_mark.index and self.text[end - 1] in " \n\r":
                    end -= 1
            return end
        if node.flow_style or not node.value:
            return node.end_mark.index
        last = node.value[-1]
        if isinstance(node, yaml.MappingNode):  # an alias value is its anchor's node: the key is here
            return max(self.end(last[1]), last[0].end_mark.index)
        return self.end(last)

    def attached_comments(self, start: int) -> int:
        """Move `start` (a line start) up over the comment lines directly above it."""
        while start > 0:
            above = self.line_start(start - 1)
            if not self.text[above:start].strip().startswith("#"):
                break
            start = above
        return start

    def indent_of(self, index: int) -> int:
        return index - self.line_start(index)


# --- the walk -----------------------------------------------------------------------------


class _Flow:
    """Edits of flow collections (`{a: b}`, `[a, b]`), item by item like block lists: an item
    removed takes its separator with it, one added goes in with `, `, a moved one keeps its
    text; comments and line breaks between the other items stay."""

    t: _Text

    def add(self, start: int, end: int, text: str, path: Path) -> None:
        raise NotImplementedError

    def node(self, node: yaml.Node, new: Any, path: Path, in_flow: bool) -> None:
        raise NotImplementedError

    def flow_mapping(self, node: yaml.MappingNode, new: dict[str, Any], path: Path) -> None:
        if not node.value:
            self.add(node.start_mark.index, node.end_mark.index, flow_value(new), path)
            return
        pairs = node.value
        keys = [value_of(k) for k, _ in pairs]
        wanted = list(new)
        spans = [(k.start_mark.index, self.t.end(v)) for k, v in pairs]
        values = [value_of(v) for _, v in pairs]

        def text_of(j: int) -> str:
            key = wanted[j]
            if key in keys and same(values[keys.index(key)], new[key]):
                start, end = spans[keys.index(key)]
                return self.t.text[start:end]
            return f"{key_text(key, flow=True)}: {flow_value(new[key])}"

        def recurse(i: int, j: int) -> None:
            self.node(pairs[i][1], new[wanted[j]], path + (wanted[j],), in_flow=True)

        self.flow_items(spans, keys, wanted, text_of, recurse, path)

    def flow_sequence(self, node: yaml.SequenceNode, new: list[Any], path: Path) -> None:
        if not node.value:
            self.add(node.start_mark.index, node.end_mark.index, flow_value(new), path)
            return
        items = node.value
        values = [value_of(i) for i in items]
        old_ids = [identity(v) for v in values]
        spans = [(i.start_mark.index, self.t.end(i)) for i in items]

        def text_of(j: int) -> str:
            match = next((i for i, v in enumerate(values) if same(v, new[j])), None)
            return flow_value(new[j]) if match is None else self.t.text[spans[match][0] : spans[match][1]]

        def recurse(i: int, j: int) -> None:
            self.node(items[i], new[j], path + (j,), in_flow=True)

        self.flow_items(spans, old_ids, [identity(v) for v in new], text_of, recurse, path)

    def flow_items(
        self,
        spans: list[tuple[int, int]],
        old_ids: list[Any],
        new_ids: list[Any],
        text_of: Any,
        recurse: Any,
        path: Path,
    ) -> None:
        n = len(spans)
        matcher = difflib.SequenceMatcher(None, old_ids, new_ids, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    recurse(i, j)
                continue
            texts = [text_of(j) for j in range(j1, j2)]
            if i1 == 0 and i2 == n:
                self.add(spans[0][0], spans[-1][1], ", ".join(texts), path)
            elif i2 < n:  # before a kept item: `a, ` goes (or comes) with its separator
                self.add(spans[i1][0], spans[i2][0], "".join(t + ", " for t in texts), path)
            else:  # at the end: `, a`
                gap_start = spans[i1 - 1][1]
                gap = self.t.text[gap_start : spans[i1][0]] if i1 < n else ""
                if "#" not in gap:
                    self.add(gap_start, spans[n - 1][1], "".join(", " + t for t in texts), path)
                elif texts:  # a comment after the kept item's `,` stays where it is
                    self.add(spans[i1][0], spans[n - 1][1], ", ".join(texts), path)
                else:  # only the separator and the items go
                    comma = gap_start + _separator(gap)
                    self.add(comma, comma + 1, "", path)
                    self.add(spans[i1][0], spans[n - 1][1], "", path)


def _separator(gap: str) -> int:
    """The index of the `,` between two flow items in the text between them (not one in a comment)."""
    in_comment = False
    for index, char in enumerate(gap):
        if char == "\n":
            in_comment = False
        elif char == "#":
            in_comment = True
        elif char == "," and not in_comment:
            return index
    raise EditFailure("no separator between two flow items")


class _Sequences(_Flow):
    """Edits of block sequences (`- a` lines), item by item: a removed item takes its lines and
    the comments directly above it, a moved one keeps its text, a new one is written like its
    siblings."""

    edits: list[Edit]

    def block_sequence(self, node: yaml.SequenceNode, new: list[Any], path: Path) -> None:
        old_ids = [identity(value_of(item)) for item in node.value]
        new_ids = [identity(item) for item in new]
        column = self.t.indent_of(self._dash(node.value[0], path))
        matcher = difflib.SequenceMatcher(None, old_ids, new_ids, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    self.node_in_block(node.value[i], new[j], path + (j,))
                continue
            for i in range(i1, i2):
                self.add(*self.item_span(node.value[i], path), "", path + (i,))
            if j2 > j1:
                at = (
                    self.t.line_after(self.t.end(node.value[i1 - 1]))
                    if i1
                    else self.t.line_start(self._dash(node.value[0], path))
                )
                self.add(
                    at,
                    at,
                    "".join(self.item_text(node, new[j], column, path) for j in range(j1, j2)),
                    path + (j1,),
                )

    def item_span(self, item: yaml.Node, path: Path) -> tuple[int, int]:
        """An item's lines, with the comment lines directly above it."""
        start = self.t.attached_comments(self.t.line_start(self._dash(item, path)))
        return start, self.t.line_after(self.t.end(item))

    def item_text(self, node: yaml.SequenceNode, new: Any, column: int, path: Path) -> str:
        """A new or moved item: a moved one keeps its own text, a new one is written like its siblings."""
        for item in node.value:
            if same(value_of(item), new):
                start, end = self.item_span(item, path)
                text = self.t.text[start:end]
                return text if text.endswith("\n") else text + "\n"
        flow = any(isinstance(i, yaml.MappingNode) and i.flow_style for i in node.value)
        if flow and isinstance(new, dict) and new:
            return " " * column + "- " + flow_value(new) + "\n"
        return "\n".join(block_items([new], column)) + "\n"

    def node_in_block(self, node: yaml.Node, new: Any, path: Path) -> None:
        mark = len(self.edits)
        try:
            self.node(node, new, path, in_flow=False)
        except _Unsupported:
            del self.edits[mark:]
            dash = self._dash(node, path)
            column = self.t.indent_of(dash)
            lines = block_items([new], column)
            self.add(self.t.line_start(dash), self.t.end(node), "\n".join(lines), path)

    def _dash(self, item: yaml.Node, path: Path) -> int:
        """Index of the `-` that starts a block sequence item."""
        start = item.start_mark.index
        line = self.t.line_start(start)
        before = self.t.text[line:start]
        if not re.fullmatch(r" *- +", before):
            raise _Unsupported(path)
        return line + before.index("-")


class _Walk(_Sequences):
    def __init__(self, text: str) -> None:
        self.t = _Text(text)
        self.edits: list[Edit] = []

    def add(self, start: int, end: int, text: str, path: Path) -> None:
        self.edits.append(Edit(start, end, text, path))

    def node(self, node: yaml.Node, new: Any, path: Path, in_flow: bool) -> None:
        if same(value_of(node), new):
            return
        if isinstance(node, yaml.MappingNode) and isinstance(new, dict) and new:
            if node.flow_style or in_flow:
                self.flow_mapping(node, new, path)
            else:
                self.block_mapping(node, new, path)
        elif isinstance(node, yaml.SequenceNode) and isinstance(new, list) and new:
            if node.flow_style or in_flow:
                self.flow_sequence(node, new, path)
            else:
                self.block_sequence(node, new, path)
        elif isinstance(node, yaml.ScalarNode) and not isinstance(new, (dict, list)):
            self.add(node.start_mark.index, self.t.end(node), self.scalar(node, new, in_flow), path)
        elif in_flow or (isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.flow_style):
            self.add(node.start_mark.index, self.t.end(node), flow_value(new), path)
        else:
            raise _Unsupported(path)  # a block value of another kind: the parent replaces it

    def scalar(self, node: yaml.ScalarNode, new: Any, in_flow: bool) -> str:
        if not isinstance(new, str):
            return yamlio.scalar(new)
        if node.style == "'" and _single_ok(new):
            return "'" + new.replace("'", "''") + "'"
        if node.style in ("|", ">") and not in_flow and yamlio._literal_ok(new):
            return "\n".join(yamlio._literal(new, self._block_indent(node)))
        if not node.style:  # plain (PyYAML says None, libyaml says "")
            return yamlio.scalar(new, flow=in_flow)
        return yamlio.quote(new)

    def _block_indent(self, node: yaml.ScalarNode) -> int:
        body = self.t.line_after(node.start_mark.index)
        line = self.t.text[body : self.t.line_after(body)]
        return (
            len(line) - len(line.lstrip(" ")) if line.strip() else self.t.indent_of(node.start_mark.index) + 2
        )

    # block mappings ------------------------------------------------------------------------

    def block_mapping(self, node: yaml.MappingNode, new: dict[str, Any], path: Path) -> None:
        old = {value_of(k): (k, v) for k, v in node.value}
        column = node.value[0][0].start_mark.column
        previous: Any = None
        for key, value in new.items():
            if key in old:
                key_node, value_node = old[key]
                self.block_value(key_node, value_node, value, path + (key,), column)
                previous = key
            else:
                self.insert_key(node, old, previous, key, value, path, column)
        for key, (key_node, value_node) in old.items():
            if key not in new:
                self.remove_key(node, key_node, value_node, path + (key,))

    def block_value(
        self, key_node: yaml.Node, value_node: yaml.Node, new: Any, path: Path, column: int
    ) -> None:
        if same(value_of(value_node), new):
            return
        mark = len(self.edits)
        try:
            self.node(value_node, new, path, in_flow=False)
        except _Unsupported:
            del self.edits[mark:]
            colon = self.t.text.index(":", key_node.end_mark.index) + 1
            self.add(colon, self.t.end(value_node), "\n".join(block_value("", new, column)), path)

    def insert_key(
        self,
        node: yaml.MappingNode,
        old: dict[str, Any],
        previous: Any,
        key: Any,
        value: Any,
        path: Path,
        column: int,
    ) -> None:
        lines = block_value(
            " " * column + key_text(key) + ":", value, column, flow_like=self._flow_siblings(node)
        )
        text = "\n".join(_reindent(lines, column, _step(node), value)) + "\n"
        if previous is not None:
            at = self.t.line_after(self.t.end(old[previous][1]))
        else:
            first = node.value[0][0].start_mark.index
            if not self.t.starts_line(first):
                raise _Unsupported(path)
            at = self.t.line_start(first)
        self.add(at, at, text, path + (key,))

    def _flow_siblings(self, node: yaml.MappingNode) -> bool:
        """New entries are written in flow style `{...}` when their siblings are."""
        values = [v for _, v in node.value if not isinstance(v, yaml.ScalarNode)]
        return bool(values) and all(v.flow_style and v.start_mark.line == v.end_mark.line for v in values)

    def remove_key(
        self, node: yaml.MappingNode, key_node: yaml.Node, value_node: yaml.Node, path: Path
    ) -> None:
        start = key_node.start_mark.index
        if not self.t.starts_line(start) or len(node.value) < 2:
            raise _Unsupported(path)
        end = self.t.line_after(self.t.end(value_node))
        if isinstance(value_node, yaml.ScalarNode) and value_node.start_mark.line == value_node.end_mark.line:
            # A field (`selected: true`), not an entry: its comments belong to the entry and
            # stay; a trailing one stays in place as a comment line of its own.
            trailing = self.t.text[self.t.end(value_node) : end].strip()
            kept = " " * self.t.indent_of(start) + trailing + "\n" if trailing.startswith("#") else ""
            self.add(self.t.line_start(start), end, kept, path)
            return
        start = self.t.attached_comments(self.t.line_start(start))
        self.add(start, end, "", path)


def _step(node: yaml.MappingNode) -> int:
    """How far this mapping's block values indent their keys (canonical form: 2)."""
    for _, value in node.value:
        if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
            return value.value[0][0].start_mark.column - node.value[0][0].start_mark.column
    return 2


def _keeps_canonical_steps(value: Any) -> bool:
    """Multi-line text (its block keeps its own indentation) and mappings in lists (their keys
    align with the text after the dash) are written with canonical 2-space steps."""
    if isinstance(value, dict):
        return any(_keeps_canonical_steps(v) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(v, dict) or _keeps_canonical_steps(v) for v in value)
    return isinstance(value, str) and "\n" in value


def _reindent(lines: list[str], column: int, step: int, value: Any) -> list[str]:
    """Lines written with canonical 2-space steps, re-indented to the file's own step."""
    if step <= 2 or step % 2 or _keeps_canonical_steps(value):
        return lines
    out = []
    for line in lines:
        pad = len(line) - len(line.lstrip(" "))
        out.append(" " * (column + (pad - column) * step // 2) + line[pad:] if pad > column else line)
    return out


def _single_ok(value: str) -> bool:
    """Can this string be written single-quoted, on one line, and read back the same?"""
    if value == "":
        return True
    if any(c in value for c in "\n\r\t") or value != value.strip(" "):
        return False
    return not yamlio._CONTROL.search(value) and not yamlio._UNPRINTABLE.search(value)


# --- applying and checking ----------------------------------------------------------------


def apply(text: str, edits: Iterable[Edit]) -> str:
    out = []
    at = len(text)
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]), reverse=True)
    for _, edit in ordered:  # edits at one place keep their order: the deeper one first
        if edit.end > at:
            raise EditFailure(f"overlapping edits at {edit.path}")
        out.append(text[edit.end : at])
        out.append(edit.text)
        at = edit.start
    out.append(text[:at])
    return "".join(reversed(out))


def _at(data: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


_MISSING = object()


def _parses_to(text: str, new: dict[str, Any]) -> bool:
    try:
        return same(yamlio.parse(text), new)
    except yamlio.YamlFailure:
        return False


def _entry_ok(text: str, new: dict[str, Any], entry: Path) -> bool:
    try:
        parsed = yamlio.parse(text)
    except yamlio.YamlFailure:
        return False
    got, want = _at(parsed, entry), _at(new, entry)
    return got is want if _MISSING in (got, want) else same(got, want)


def _rewrite_entry(t: _Text, root: yaml.MappingNode, new: dict[str, Any], entry: Path) -> Edit:
    """One edit that writes the entry `entry` whole (in canonical block layout)."""
    node = root
    for depth, key in enumerate(entry):
        pairs = {value_of(k): (k, v) for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}
        if (
            key not in pairs
            or depth == len(entry) - 1
            or not isinstance(pairs[key][1], yaml.MappingNode)
            or pairs[key][1].flow_style
        ):
            break
        node = pairs[key][1]
    else:
        raise EditFailure(f"cannot rewrite {entry}")
    prefix = entry[: depth + 1]
    key_node, value_node = pairs.get(key, (None, None))
    want = _at(new, prefix)
    if key_node is None or not t.starts_line(key_node.start_mark.index):
        raise EditFailure(f"cannot rewrite {prefix}")
    start = t.line_start(key_node.start_mark.index)
    end = t.line_after(t.end(value_node))
    text = (
        ""
        if want is _MISSING
        else "\n".join(
            block_value(
                " " * key_node.start_mark.column + key_text(key) + ":", want, key_node.start_mark.column
            )
        )
        + "\n"
    )
    return Edit(start, end, text, prefix)


def update(text: str, new: dict[str, Any]) -> str:
    """`text` edited to parse to `new`, touching only what differs (see the module docstring)."""
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    work = text.replace("\r\n", "\n") if crlf else text
    missing_newline = not work.endswith("\n")  # lines are appended after the last one: give it its newline
    result = _update(work + "\n" if missing_newline else work, new)
    if missing_newline and result.endswith("\n"):
        result = result[:-1]
    return result.replace("\n", "\r\n") if crlf else result


def _update(text: str, new: dict[str, Any]) -> str:
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise EditFailure("the file is not a block mapping")
    walk = _Walk(text)
    try:
        walk.block_mapping(root, new, ())
    except _Unsupported as err:
        raise EditFailure(f"cannot edit the top level at {err}") from None
    edits = walk.edits
    result = apply(text, edits)
    if _parses_to(result, new):
        return result
    return _fallback(text, root, new, edits)


def _fallback(text: str, root: yaml.MappingNode, new: dict[str, Any], edits: list[Edit]) -> str:
    """Rewrite whole the entries whose edits were wrong; if that is not enough (an anchor
    used elsewhere, say), whole the sections they are in; never the file."""
    for depth in (ENTRY_DEPTH, 1):
        edits = _rewrite_failing(text, root, new, edits, depth)
        result = apply(text, edits)
        if _parses_to(result, new):
            return result
    raise EditFailure("the edited text does not parse back to the intended data")


def _rewrite_failing(
    text: str, root: yaml.MappingNode, new: dict[str, Any], edits: list[Edit], depth: int
) -> list[Edit]:
    t = _Text(text)
    groups: dict[Path, list[Edit]] = {}
    for edit in edits:
        groups.setdefault(tuple(edit.path[:depth]), []).append(edit)
    kept: list[Edit] = []
    for entry, group in groups.items():
        if _entry_ok(apply(text, group), new, entry):
            kept.extend(group)
        else:
            kept.append(_rewrite_entry(t, root, new, entry))
    return kept
