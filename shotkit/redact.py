"""Passwords never appear in output: every message that may hold a URL passes through here."""
from __future__ import annotations

import re

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s]*(?P<at>@)")
_KEYWORD_PASSWORD = re.compile(r"(?i)(password\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)")


def redact(text: str) -> str:
    text = _URL_PASSWORD.sub(r"\g<head>***\g<at>", text)
    return _KEYWORD_PASSWORD.sub(r"\1***", text)
