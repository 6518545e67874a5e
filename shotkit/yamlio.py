"""All of shotkit's YAML, in one module.

Reading has two paths:

* the fast path parses with `yaml_rs` (a Rust YAML 1.2 parser that rejects duplicate keys and
  bounds alias expansion in nodes; `_check_alias_bytes` bounds it in bytes too). Valid
  manifests only ever take this path.
* the slow path walks PyYAML's event stream to get a line and column for every key and value
  (`NodeTree`). It runs only for a file that has something to report (a problem found by any
  later stage, or a parse error without a position), or when a cheap scan of the raw text
  sees a hazard that only the events can confirm (a plain scalar like `03` or `1_000`, a tag,
  or very deep indentation).

Scalars follow YAML 1.2's core schema: `NO`, `on`, `1:20` and `2024-01-01` stay the text
written. A plain scalar that YAML 1.2 and another common reading take for different things
and where one of them is a number is refused with a hint to quote it: a leading zero (`03`,
`0755`: YAML 1.2 reads 3, YAML 1.1 octal or text), and the number forms the fast parser
accepts beyond YAML 1.2 (`0b101`, `1_000`, `0X1F`, `.Nan`, `-0x1`: numbers to it and to YAML
1.1, text to YAML 1.2). Tags other than YAML 1.2's core ones (`!!set`, `!!binary`, `!local`)
are refused: the fast parser would drop them silently or build values JSON cannot hold.

Writing (`dump`) is a small emitter of the canonical form, so that the bytes `fmt` and
`export` write depend only on the data.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import re
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import yaml_rs


def _imported_when_used(name: str) -> ModuleType:
    """The module `name`, executed at its first attribute access (`importlib.util.LazyLoader`).

    PyYAML serves only the slow path, which valid manifests never take: importing it is a
    tenth of a small `validate` (a pre-commit hook's), and of nothing else in that command."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, f"{name} is a dependency"
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


yaml = _imported_when_used("yaml")

MAX_DEPTH = 100
MAX_ALIAS_EVENTS = 10_000
MAX_ALIAS_BYTES = 16 * 1024 * 1024  # text that aliases may add, however few nodes they replay
PRECISE_POSITIONS = 2 * 1024 * 1024  # characters; larger files get entry-level positions
COARSE_DEPTH = 3
_ALIAS_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=MAX_ALIAS_EVENTS, max_replay_stack_depth=16)


def _loader() -> Any:
    """PyYAML's C loader where it is built, else its Python one."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Issue:
    """A problem found in YAML text, at a 1-based line and column."""

    line: int
    column: int
    message: str


class YamlFailure(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(issues[0].message if issues else "invalid YAML")


# --- reading -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_NOT_CONTROL = bytes(b for b in range(256) if not ((b < 0x20 and b not in (0x09, 0x0A, 0x0D)) or b == 0x7F))
# Cheap triggers for the slow path (substring searches run at memory speed; a regular
# expression over a large file does not). False positives only cost time, never a wrong answer.
# `0` then a digit, not after a letter, digit or `_.:/+-"'`; each pattern starts with a literal
# character, which `re` scans for at memory speed, and looks behind only where it stops (a
# search for every `0`-digit pair checked in Python was 3-6x slower: keys like `a000000-0`).
_ZERO_DIGIT = re.compile(r"0(?<![\w.:/+\-\"']0)[0-9]")
# `-0` or `+0` at a token start (the text's, or after a space, `[`, `,`, `{`, tab, newline, `?`)
_SIGNED_ZERO = (re.compile(r"-0(?<![^ \[,{\t\n?]-0)"), re.compile(r"\+0(?<![^ \[,{\t\n?]\+0)"))
_DEEP_INDENT = "\n" + " " * MAX_DEPTH
_YAML_RS_POSITION = re.compile(r"at line (\d+), column (\d+)")


def _maybe_leading_zero(text: str) -> bool:
    """Could a plain scalar start with a zero and another digit (`03`, `-0755`)?"""
    if _ZERO_DIGIT.search(text):  # `\w` is `str.isalnum` and `_`
        return True
    for pattern in _SIGNED_ZERO:
        for match in pattern.finditer(text):
            if text[match.end() : match.end() + 1].isdigit():  # any digit, as YAML 1.1 might read
                return True
    return False


def decode(raw: bytes) -> str:
    """Bytes to text: UTF-8 only, no control characters. Raises YamlFailure with a position."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, col = _offset_to_position(raw, err.start, b"\n")
        raise YamlFailure(
            [Issue(line, col, f"not valid UTF-8 (byte 0x{raw[err.start]:02x}); save the file as UTF-8")]
        ) from None
    # bytes.translate finds control bytes at memory speed; the regex only runs to locate one
    if raw.translate(None, _NOT_CONTROL) or "\ufffe" in text or "\uffff" in text:
        bad = _CONTROL.search(text)
        if bad:
            line, col = _offset_to_position(text, bad.start(), "\n")
            raise YamlFailure(
                [
                    Issue(
                        line,
                        col,
                        f"control character U+{ord(bad.group()):04X} is not allowed in YAML; write it as an escape in a double-quoted string",
                    )
                ]
            )
    return text


def _offset_to_position(buf: Any, offset: int, newline: Any) -> tuple[int, int]:
    line = buf.count(newline, 0, offset) + 1
    start = buf.rfind(newline, 0, offset) + 1
    return line, offset - start + 1


def parse(text: str) -> Any:
    """Parse one YAML document. Returns the data; raises YamlFailure with located issues."""
    _check_alias_bytes(text)
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=_ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as err:
        raise YamlFailure(_explain_failure(text, str(err))) from None
    except RecursionError:
        raise YamlFailure([Issue(1, 1, f"nesting is deeper than {MAX_DEPTH} levels")]) from None
    except TypeError:  # yaml-rs cannot build a mapping keyed by a mapping or a list (`? {a: b}`)
        raise YamlFailure([_complex_key(text)]) from None
    if isinstance(data, list) and _document_count(text) > 1:
        raise YamlFailure(
            [Issue(1, 1, "a manifest holds one YAML document; split the `---` documents into files")]
        )
    if _maybe_hazard(text):
        issues = NodeTree(text).hazards
        if issues:
            raise YamlFailure(issues)
    return data


def _maybe_hazard(text: str) -> bool:
    """Could the text hold a scalar `scalar_hazard` refuses, a tag, or very deep indentation?"""
    return _maybe_leading_zero(text) or _DEEP_INDENT in text or _maybe_tag(text) or _maybe_lax_number(text)


def _maybe_tag(text: str) -> bool:
    """A `!` where a tag can start (after a space, `[`, `{`, `,` or at a line start)."""
    at = text.find("!")
    while at != -1:
        if (at == 0 or text[at - 1] in " \t\n[{,") and text[at + 1 : at + 2] not in ("", " ", "\t", "\n"):
            return True
        at = text.find("!", at + 1)
    return False


def _maybe_lax_number(text: str) -> bool:
    """A token the fast parser reads as a number and YAML 1.2 as text (`1_000`, `0b1`, `.Nan`)."""
    for match in itertools.chain.from_iterable(hint.finditer(text) for hint in _LAX_HINTS):
        start, end = match.start(), match.end()
        while start > 0 and text[start - 1] not in _TOKEN_END:
            start -= 1
        while end < len(text) and text[end] not in _TOKEN_END:
            end += 1
        token = text[start:end]
        if (
            _LAX_NUMBER.fullmatch(token)
            and isinstance(resolve_plain(token), str)
            and _lax_reading(token) is not None
        ):
            return True
    return False


# Each starts with a literal character, which `re` scans for at memory speed (one pattern
# with alternatives was 5x slower on a 16 MiB file).
_LAX_HINTS = (
    re.compile(r"_(?:(?=[0-9.])|(?<=[0-9.]_))"),
    re.compile(r"0[xXoObB]"),
    re.compile(r"\.[nNiI][aAnN][nNfF]"),
)
_TOKEN_END = frozenset(" \t\r\n[]{},:#'\"")


def _check_alias_bytes(text: str) -> None:
    """Refuse a text whose aliases would add more than MAX_ALIAS_BYTES of scalars.

    The fast parser bounds replayed nodes, not bytes: 10,000 aliases of one 100 kB scalar
    pass that bound and cost gigabytes. Runs only when the text has an anchor and an alias."""
    if "&" not in text or "*" not in text:
        return
    sizes: dict[str, int] = {}
    open_sizes: list[list[Any]] = [[None, 0]]  # [anchor, bytes so far] per open collection
    added = 0
    try:
        for event in yaml.parse(text, Loader=_loader()):
            kind = type(event)
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                open_sizes.append([event.anchor, 8])
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                anchor, size = open_sizes.pop()
            elif kind is yaml.ScalarEvent:
                anchor, size = event.anchor, len(event.value) + 8
            elif kind is yaml.AliasEvent:
                anchor, size = None, sizes.get(event.anchor, 0)
                added += size
                if added > MAX_ALIAS_BYTES:
                    raise YamlFailure(
                        [
                            Issue(
                                event.start_mark.line + 1,
                                event.start_mark.column + 1,
                                f"aliases expand past the limit of {MAX_ALIAS_BYTES} bytes (a 'billion laughs' file?)",
                            )
                        ]
                    )
            else:
                continue
            size = min(size, MAX_ALIAS_BYTES + 1)
            if anchor is not None:
                sizes[anchor] = size
            open_sizes[-1][1] += size
    except yaml.YAMLError:
        return  # the parser reports the syntax error with its position


def _complex_key(text: str) -> Issue:
    message = "a key must be a plain value, not a mapping or a list"
    try:
        root = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError:
        return Issue(1, 1, message)
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    return Issue(key.start_mark.line + 1, key.start_mark.column + 1, message)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return Issue(1, 1, message)


def _document_count(text: str) -> int:
    try:
        return sum(
            1 for event in yaml.parse(text, Loader=_loader()) if type(event) is yaml.DocumentStartEvent
        )
    except yaml.YAMLError:
        return 1


def _explain_failure(text: str, message: str) -> list[Issue]:
    if "alias replay limit" in message or "replay stack" in message:
        return [
            Issue(
                1, 1, f"aliases expand past the limit of {MAX_ALIAS_EVENTS} nodes (a 'billion laughs' file?)"
            )
        ]
    if "recursion limit" in message:
        where = _YAML_RS_POSITION.search(message)
        line, col = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        return [Issue(line, col, f"nesting is too deep (the limit is {MAX_DEPTH} levels)")]
    where = _YAML_RS_POSITION.search(message)
    if where:
        reason = message.strip().splitlines()[-1].strip()
        return [Issue(int(where.group(1)), int(where.group(2)), f"YAML syntax error: {reason}")]
    # No position in the message (duplicate keys, for one): the node tree has it.
    tree = NodeTree(text)
    if tree.hazards:
        return tree.hazards
    return [Issue(1, 1, f"YAML error: {message.strip().splitlines()[0]}")]


_INT = re.compile(r"[-+]?[0-9]+$|0o[0-7]+$|0x[0-9a-fA-F]+$")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|[-+]?\.(inf|Inf|INF)$|\.(nan|NaN|NAN)$"
)
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+$")
# A superset of the number forms the fast parser accepts beyond YAML 1.2's core schema.
_LAX_NUMBER = re.compile(
    r"[-+]?(0[xXoObB][0-9a-fA-F_]*|[0-9_.]*[0-9][0-9_.]*([eE][-+]?[0-9_]*)?|\.[nNiI][aAnN][nNfF])"
)


def resolve_plain(value: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it (used for keys in paths)."""
    if value in ("", "~", "null", "Null", "NULL"):  # keep `_MAYBE_NOT_TEXT` in step
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
    if _FLOAT.match(value):
        special = value.lstrip("+-").lower() in (".inf", ".nan")
        return float(value.replace(".", "", 1) if special else value)
    return value


@dataclass
class NodeTree:
    """Positions of keys and values in a text, and the hazards found, from PyYAML's event stream.

    Built only on the slow path (see the module docstring). Events, not a composed node tree:
    memory stays proportional to the nesting, not to the file (a composed 16 MiB file took
    1.9 GB). Above `PRECISE_POSITIONS` characters, positions are kept only down to
    `COARSE_DEPTH` keys (an entry and its fields); deeper problems point at the nearest of those."""

    text: str
    check: bool = True  # look for hazards; False when only positions are wanted (parse found none)
    values: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    keys: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    hazards: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._deepest = MAX_DEPTH + 1 if len(self.text) <= PRECISE_POSITIONS else COARSE_DEPTH
        try:
            self._walk(yaml.parse(self.text, Loader=_loader()))
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            reason = " ".join(x for x in (err.context, err.problem) if x)
            self.hazards.append(Issue(line, col, f"YAML syntax error: {reason}"))
        except (yaml.YAMLError, RecursionError) as err:
            self.hazards.append(Issue(1, 1, f"YAML error: {err}"))

    def _walk(self, events: Any) -> None:
        stack: list[_Frame] = []
        node_events = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.AliasEvent)
        for event in events:
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
                continue
            if kind not in node_events:
                continue
            if self.check:
                self._check_tag(event)
            if stack and stack[-1].expect_key:
                self._key(stack, event)
                continue
            path = self._value_path(stack)
            if path is not None and len(path) <= self._deepest:
                self.values.setdefault(path, event.start_mark)
            if len(stack) > MAX_DEPTH:
                self._hazard(event, f"nesting is deeper than {MAX_DEPTH} levels")
                return
            if kind is yaml.ScalarEvent:
                self._check_scalar(event)
            elif kind is not yaml.AliasEvent:  # an alias's target was walked where it was written
                deep = path is None or (len(path) >= self._deepest and not self.check)
                stack.append(_Frame(None if deep else path, kind is yaml.MappingStartEvent))

    def _value_path(self, stack: list[_Frame]) -> tuple[Any, ...] | None:
        if not stack:
            return ()
        frame = stack[-1]
        if frame.mapping:
            frame.expect_key = True
            return None if frame.path is None else frame.path + (frame.key,)
        frame.index += 1
        return None if frame.path is None else frame.path + (frame.index - 1,)

    def _key(self, stack: list[_Frame], event: Any) -> None:
        frame = stack[-1]
        frame.expect_key = False
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._check_scalar(event)
            key: Any = _event_key(event)
        elif kind is yaml.AliasEvent:
            key = f"*{event.anchor}"
        else:  # a mapping or list as a key: its content is no path of the data
            key = f"<{'mapping' if kind is yaml.MappingStartEvent else 'list'} at line {event.start_mark.line + 1}>"
            stack.append(_Frame(None, kind is yaml.MappingStartEvent))
        frame.key = key
        if frame.path is None:
            return
        mark = event.start_mark
        if key in frame.seen:
            line, col = frame.seen[key]
            self._hazard(event, f"duplicate key {_show(key)} (first defined at line {line}, column {col})")
            frame.key = _DUPLICATE
            return
        frame.seen[key] = (mark.line + 1, mark.column + 1)
        if len(frame.path) < self._deepest:
            self.keys[frame.path + (key,)] = mark

    def _hazard(self, event: Any, message: str) -> None:
        mark = event.start_mark
        self.hazards.append(Issue(mark.line + 1, mark.column + 1, message))

    def _check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _ALLOWED_TAGS:
            shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
            self._hazard(
                event,
                f"YAML tag `{_clip(shown)}` is not supported: a manifest holds text, numbers, true/false, null, lists and mappings",
            )

    def _check_scalar(self, event: Any) -> None:
        if event.style or event.tag is not None or not self.check:
            return  # quoted, or tagged `!!str`: text as written
        hazard = scalar_hazard(event.value)
        if hazard:
            self._hazard(event, hazard)

    def position(self, path: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
        """Line and column of the value at `path` (or of its key), else of its nearest ancestor."""
        path = tuple(path)
        if key and path in self.keys:
            mark = self.keys[path]
            return mark.line + 1, mark.column + 1
        while path not in self.values and path:
            path = path[:-1]
        mark = self.values.get(path)
        return (mark.line + 1, mark.column + 1) if mark else (1, 1)


@dataclass
class _Frame:
    """An open mapping or list while walking events; `path` None inside a complex key."""

    path: tuple[Any, ...] | None
    mapping: bool
    expect_key: bool = True
    key: Any = None
    index: int = 0
    seen: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.expect_key = self.mapping


_DUPLICATE = object()  # the key of a duplicate's value: recorded under no path the data has
_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {"!"} | {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def scalar_hazard(written: str) -> str | None:
    """Why a plain scalar is ambiguous between YAML readers, or None.

    YAML 1.2's core schema is the reading shotkit keeps; a plain scalar that another common
    reading (YAML 1.1, or the parser's own extensions: `0b101`, `1_000`, `0X1F`, `.Nan`) takes
    for a different number is refused, with a hint to quote it."""
    if _LEADING_ZERO.match(written):
        return f'`{written}` is ambiguous (YAML 1.1 reads it as octal or text, YAML 1.2 as {int(written)}): quote it as "{written}" if it is text, or drop the leading zero'
    if _LAX_NUMBER.fullmatch(written) and isinstance(resolve_plain(written), str):
        number = _lax_reading(written)
        if number is not None:
            return f'`{written}` is ambiguous (some YAML readers take it for the number {scalar(number)}, YAML 1.2 for text): quote it as "{written}" if it is text, or write {scalar(number)}'
    return None


def _lax_reading(written: str) -> Any:
    """The number the fast parser reads `written` as, or None if it reads text."""
    try:
        loaded: Any = yaml_rs.loads(f"v: {written}\n", parse_datetime=False)
    except yaml_rs.YAMLDecodeError:
        return None
    value = loaded.get("v") if isinstance(loaded, dict) else None
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _event_key(event: Any) -> Any:
    value = event.value
    if not event.style and event.tag is None and value[:1] in _MAYBE_NOT_TEXT:
        return resolve_plain(value)
    return value


_MAYBE_NOT_TEXT = frozenset("0123456789+-.~nNtTfF")


def _clip(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _show(key: Any) -> str:
    return f"'{key}'" if isinstance(key, str) else repr(key)


# --- writing -------------------------------------------------------------------------------

_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}
_PLAIN = re.compile(r"[^\W\d_][^\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]*")
_FLOW_SAFE = re.compile(r"[^\W\d_][\w .\-/]*")  # inside [a, b]: conservative, every parser agrees
_FLOW_WIDTH = 100


_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def quote(value: str) -> str:
    """A double-quoted scalar; JSON's escapes are YAML's, plus the characters YAML forbids raw."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False))


def scalar(value: Any, flow: bool = False) -> str:
    """One scalar in canonical form; strings are plain only where no YAML reads them otherwise."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        mantissa, e, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text  # YAML 1.1 wants the dot
    text = str(value)
    if _plain_ok(text) and (not flow or _FLOW_SAFE.fullmatch(text)):
        return text
    return quote(text)


def _plain_ok(text: str) -> bool:
    return (
        _PLAIN.fullmatch(text) is not None
        and text.lower() not in _RESERVED
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
        and "\n" not in text
    )


def _literal_ok(text: str) -> bool:
    if "\n" not in text or text[0] in " \n" or "\r" in text or "\t" in text:
        return False
    if _CONTROL.search(text) or _UNPRINTABLE.search(text):
        return False
    return all(line == "" or not line.isspace() for line in text.split("\n"))


def _literal(text: str, indent: int) -> list[str]:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    pad = " " * indent
    lines = [f"|{chomp}"]
    lines += [(pad + line) if line else "" for line in body.split("\n")]
    lines += [""] * (trailing - 1 if trailing > 1 else 0)
    return lines


def dump(data: dict[str, Any]) -> str:
    """The canonical YAML text of a mapping (keys in the order given)."""
    return "\n".join(_mapping(data, 0)) + "\n"


def _key(key: Any) -> str:
    return scalar(key) if isinstance(key, str) else quote(str(key))


def _mapping(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for key, value in data.items():
        head = f"{pad}{_key(key)}:"
        out.extend(_value(head, value, indent))
    return out


def _value(head: str, value: Any, indent: int) -> list[str]:
    if isinstance(value, dict):
        if not value:
            return [f"{head} {{}}"]
        return [head] + _mapping(value, indent + 2)
    if isinstance(value, list):
        flow = _flow_list(value)
        if flow is not None and len(head) + 1 + len(flow) <= _FLOW_WIDTH:
            return [f"{head} {flow}"]
        return [head] + _sequence(value, indent + 2)
    if isinstance(value, str) and _literal_ok(value):
        first, *rest = _literal(value, indent + 2)
        return [f"{head} {first}"] + rest
    return [f"{head} {scalar(value)}"]


def _flow_list(items: list[Any]) -> str | None:
    if any(isinstance(i, (dict, list)) or (isinstance(i, str) and "\n" in i) for i in items):
        return None
    return "[" + ", ".join(scalar(i, flow=True) for i in items) + "]"


def _sequence(items: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and item:
            lines = _mapping(item, indent + 2)
            out.append(pad + "- " + lines[0][indent + 2 :])
            out.extend(lines[1:])
        else:
            lines = _value(pad + "-", item, indent)
            out.extend(lines)
    return out
