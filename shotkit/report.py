"""Renderers of validation problems: text, JSON and GitHub Actions annotations.

`REPORTERS` maps each `validate --format` to its function, like the other kinds of output
(`render` for plans, `stats`, `drawing`): a command looks its format up there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from .escape import github_data, github_property, text_inline
from .problems import ERROR, Problem

PROBLEMS_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Checked:
    """What validation found: every problem, and how many manifest files were checked."""

    problems: list[Problem]
    files: int


def text(checked: Checked) -> str:
    """One line per problem, then the count (the commands print that last line apart)."""
    lines = [text_inline(str(p)) for p in checked.problems]
    n_errors = sum(1 for p in checked.problems if p.severity == ERROR)
    n_warnings = len(checked.problems) - n_errors
    lines.append(f"{checked.files} file(s) checked: {n_errors} error(s), {n_warnings} warning(s)")
    return "\n".join(lines)


def as_json(checked: Checked) -> str:
    document = {
        "format_version": PROBLEMS_FORMAT_VERSION,
        "valid": not any(p.severity == ERROR for p in checked.problems),
        "files_checked": checked.files,
        "problems": [p.as_dict() for p in checked.problems],
    }
    return json.dumps(document, indent=2)


def github(checked: Checked) -> str:
    """Workflow commands that GitHub Actions shows as annotations on the pull request."""
    return "\n".join(
        f"::{'error' if p.severity == ERROR else 'warning'} file={github_property(text_inline(p.file))},line={p.line},col={p.column}::{github_data(text_inline(p.message))}"
        for p in checked.problems
    )


REPORTERS: dict[str, Callable[[Checked], str]] = {"text": text, "json": as_json, "github": github}
