"""One plain function per command: takes parsed arguments, returns an exit code."""
from __future__ import annotations

import json
from pathlib import Path

from . import documents, pipeline, report, stats as stats_
from .cli import emit, emit_json
from .schema import manifest_schema


def validate(paths: list[Path], fmt: str, max_file_size: int | None) -> int:
    loaded = pipeline.load(paths, max_file_size or documents.MAX_FILE_SIZE)
    files = len(documents.discover(paths or [Path(".")]))
    if fmt == "json":
        emit(report.problems_json(loaded.problems, files))
    elif fmt == "github":
        if loaded.problems:
            emit(report.problems_github(loaded.problems))
    else:
        emit(report.problems_text(loaded.problems, files))
    return 0 if loaded.ok else 1


def draw(paths: list[Path], fmt: str) -> int:
    from .drawing import dot, mermaid

    loaded = pipeline.load_valid(paths)
    emit(mermaid(loaded.graph) if fmt == "mermaid" else dot(loaded.graph))
    return 0


def stats(paths: list[Path], fmt: str) -> int:
    loaded = pipeline.load_valid(paths)
    result = stats_.compute(loaded.production)
    if fmt == "json":
        emit_json(result)
    else:
        emit(stats_.text(result))
    return 0


def print_schema(paths: list[Path]) -> int:
    from .project import load_project

    project = load_project(paths or [Path(".")])
    emit(json.dumps(manifest_schema(project.registry), indent=2))
    return 0
