"""Renderers of validation problems: text, JSON and GitHub Actions annotations."""

from __future__ import annotations

import json

from .escape import github_data, github_property, text_inline
from .problems import ERROR, Problem

PROBLEMS_FORMAT_VERSION = 1


def problems_text(problems: list[Problem], files: int) -> str:
    lines = [text_inline(str(p)) for p in problems]
    n_errors = sum(1 for p in problems if p.severity == ERROR)
    n_warnings = len(problems) - n_errors
    lines.append(f"{files} file(s) checked: {n_errors} error(s), {n_warnings} warning(s)")
    return "\n".join(lines)


def problems_json(problems: list[Problem], files: int) -> str:
    document = {
        "format_version": PROBLEMS_FORMAT_VERSION,
        "valid": not any(p.severity == ERROR for p in problems),
        "files_checked": files,
        "problems": [p.as_dict() for p in problems],
    }
    return json.dumps(document, indent=2)


def problems_github(problems: list[Problem]) -> str:
    """Workflow commands that GitHub Actions shows as annotations on the pull request."""
    return "\n".join(
        f"::{'error' if p.severity == ERROR else 'warning'} file={github_property(text_inline(p.file))},line={p.line},col={p.column}::{github_data(text_inline(p.message))}"
        for p in problems
    )
