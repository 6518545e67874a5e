"""Escaping for the Markdown plan comment: every value from manifests or the database goes
through one of these before it is written into Markdown, HTML or a Mermaid diagram.

Each function is for one context: `inline` for Markdown text (paragraphs, list items, table
cells), `html` for raw HTML (`<summary>`), `code` for a line inside a fenced code block that
starts with our own prefix, `mermaid` for a quoted Mermaid label, `url` for a link target.
All of them first remove line breaks and invisible control or direction characters, so no
value can end a line, a fence, a table row or an HTML comment, and cap the length.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
# Characters with a meaning in GitHub Markdown inside a line (emphasis, code, links, images,
# tables, math, strikethrough, autolinks); escaped with a backslash, which CommonMark allows
# before any ASCII punctuation. `-` and `+` mean something only at the start of a line, where
# the renderer never puts a value.
_MARKDOWN = set("\\`*_{}[]()#.!|~$^:")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "@": "&#64;"}
_INLINE = {ord(c): "\\" + c for c in _MARKDOWN} | {ord(c): e for c, e in _HTML.items()}
_HTML_ONLY = {ord(c): e for c, e in _HTML.items()} | {ord("`"): "&#96;"}
_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 ,.\-_/]")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")


def clean(value: object, limit: int = 80) -> str:
    """One line of visible text: breaks, control, format and direction characters become a
    space; longer than `limit` characters, it ends with an ellipsis."""
    text = "".join(" " if unicodedata.category(c) in _INVISIBLE else c for c in str(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "…"


def inline(value: object, limit: int = 80) -> str:
    """Markdown text: no emphasis, link, HTML tag, table cell break, math or @mention."""
    return clean(value, limit).translate(_INLINE)


def html(value: object, limit: int = 80) -> str:
    """Text inside raw HTML (Markdown is not parsed there): entities only."""
    return clean(value, limit).translate(_HTML_ONLY)


def code(value: object, limit: int = 120) -> str:
    """Text inside a fenced code block, after our own line prefix: one line, so it can never
    start a line and close the fence."""
    return clean(value, limit)


def mermaid(value: object, limit: int = 60) -> str:
    """A Mermaid label (inside `["..."]`): everything but letters, digits and a few marks as
    Mermaid's `#NNN;` entity codes, so quotes, brackets, arrows and HTML stay text."""
    return "".join(c if _MERMAID_SAFE.fullmatch(c) else f"#{ord(c)};" for c in clean(value, limit))


def url(value: object) -> str | None:
    """A link target, or None when the value is not a plain http(s) URL."""
    text = str(value)
    if not _URL.fullmatch(text) or len(text) > 500:
        return None
    return text.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
