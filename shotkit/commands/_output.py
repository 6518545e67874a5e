"""What every command prints through: stdout redacted of passwords, warnings on stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


def emit(text: str) -> None:
    """The output asked for, on stdout, with every known password removed."""
    from ..redact import redact

    click.echo(redact(text))


def emit_json(document: Any) -> None:
    emit(json.dumps(document, indent=2, default=str))


def warn(messages: list[str]) -> None:
    """`warning: ...` lines on stderr, escaped and redacted."""
    from ..escape import text_inline
    from ..redact import redact

    for message in messages:
        click.echo(redact(text_inline(f"warning: {message}")), err=True)


def project_root(path: Path) -> Path:
    """The folder of the nearest `shotkit.yaml` at or above `path` (for the embedded database)."""
    from ..project import find_config

    config = find_config(path)
    return config.parent if config else path.resolve()
