"""Escaping for each kind of output: values from manifests and the database are hostile.

One function per target, each small, so every renderer (text, Markdown, GitHub annotations)
calls the one that fits where the value goes:

- `text_inline`: a value inside one line of terminal or log output. Line breaks, other control
  characters and the Unicode characters that move or hide text (bidi overrides, zero-width,
  line/paragraph separators) are shown as `\\n`, `\\x1b`, `\\u202e`: a value can neither start a
  new line (a forged "No changes.") nor recolour or rewrite the terminal.
- `github_data`, `github_property`: the %-escaping of GitHub workflow commands.
- `markdown_fence`: a code fence longer than any backtick run in the block's content;
  `markdown_code`: an inline code span likewise.
- `markdown_text`: text outside code blocks: HTML-escaped, Markdown punctuation backslashed.
"""

from __future__ import annotations

import html
import re
import unicodedata

_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}
_UNSAFE = re.compile(
    r"[\\\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
_UNSAFE_IN_JSON = re.compile(_UNSAFE.pattern.replace("\\\\", "", 1))
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_BACKTICKS = re.compile(r"`+")


def _show(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _SHOWN:
        return _SHOWN[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text_inline(value: str) -> str:
    """`value` safe inside one line of text output (see the module docstring). A backslash
    is doubled, so a shown `\\n` cannot be mistaken for an escaped line break."""
    return _inline(value, _UNSAFE)


def json_inline(text: str) -> str:
    """JSON text (whose strings already escape line breaks and backslashes) safe inside one
    line: what JSON leaves raw (DEL, C1 controls, bidi and zero-width characters) escaped."""
    return _inline(text, _UNSAFE_IN_JSON)


def _inline(value: str, unsafe: re.Pattern[str]) -> str:
    if unsafe.search(value) is None and value.isprintable():
        return value
    escaped = unsafe.sub(_show, value)
    # Other format (Cf) characters and unassigned code points the pattern does not list.
    return "".join(c if c.isprintable() or c == " " else _show_char(c) for c in escaped)


def _show_char(char: str) -> str:
    category = unicodedata.category(char)
    return char if category.startswith(("L", "M", "N", "P", "S")) else f"\\u{ord(char):04x}"


def github_data(value: str) -> str:
    """The message of a GitHub workflow command (`::error file=...::MESSAGE`)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: str) -> str:
    """A property value of a GitHub workflow command (`file=VALUE`)."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def markdown_fence(lines: list[str], info: str = "") -> list[str]:
    """`lines` as a fenced code block that no line can close: the fence is one backtick longer
    than the longest run of backticks anywhere in the content (CommonMark, 4.5)."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *lines, fence]


def markdown_text(value: str) -> str:
    """`value` as literal text in Markdown outside a code block: no HTML, no links, no
    emphasis, no line break (GitHub renders HTML in comments, so `<` must not reach it)."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text_inline(value)), quote=False)


def markdown_code(value: str, in_table: bool = False) -> str:
    """`value` as an inline code span: delimited by one backtick more than its longest run
    (padded with spaces when it starts or ends with one); in a table, `|` is escaped, which
    GitHub requires even inside code."""
    text = text_inline(value)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    span = f"{ticks}{pad}{text}{pad}{ticks}"
    return span.replace("|", "\\|") if in_table else span
