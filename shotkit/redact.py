"""Passwords never appear in output.

Two layers. `redact` rewrites what looks like a password in a URL or a `password=` keyword.
That cannot catch a password the pattern does not recognise (a space in it, an unencoded `@`,
a URL mangled by being taken for a path), so the CLI also `remember`s every password it is
given (the `--database-url` option, `SHOTKIT_DATABASE_URL`, any argument that looks like a
URL) and `redact` removes each of them, verbatim and percent-decoded, from every message.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*:/{1,2}[^:/@\s]*:)\S*(?P<at>@)")
_KEYWORD_PASSWORD = re.compile(r"(?i)(password\s*=\s*)('[^']*'|\"[^\"]*\"|\S+)")
_USERINFO = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:/{0,2}[^:/@]*:")
MIN_SECRET = 4  # shorter "passwords" would blank out ordinary words; the patterns still apply

_secrets: set[str] = set()


def candidates(text: str) -> set[str]:
    """Every string that may be the password of a URL in `text`: from the first `:` after
    the user name to each later `@` (the password may itself hold `@`, `:`, `/` or spaces)."""
    found: set[str] = set()
    for match in _USERINFO.finditer(text):
        start = match.end()
        at = text.find("@", start)
        while at != -1:
            found.update({text[start:at], unquote(text[start:at])})
            at = text.find("@", at + 1)
    return {secret for secret in found if len(secret) >= MIN_SECRET}


def remember(text: str | None) -> None:
    """Redact the passwords of the URL(s) in `text` from all later output."""
    if text:
        _secrets.update(candidates(text))


def redact(text: str) -> str:
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _URL_PASSWORD.sub(r"\g<head>***\g<at>", text)
    return _KEYWORD_PASSWORD.sub(r"\1***", text)


def forget() -> None:
    """Drop every remembered password (a long-lived process between commands; tests)."""
    _secrets.clear()
