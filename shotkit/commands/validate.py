"""`shotkit validate`: load and check manifests; every problem in the format asked for."""

from __future__ import annotations

from pathlib import Path

from .. import console, documents, pipeline, report
from ._output import emit


def validate(paths: list[Path], fmt: str, max_file_size: int | None) -> int:
    loaded = pipeline.load(paths, max_file_size or documents.MAX_FILE_SIZE)
    if fmt == "json":
        emit(report.problems_json(loaded.problems, loaded.files))
    elif fmt == "github":
        if loaded.problems:
            emit(report.problems_github(loaded.problems))
    else:
        lines = report.problems_text(loaded.problems, loaded.files).splitlines()
        for line in lines[:-1]:
            emit(console.problem_line(line))
        console.info(lines[-1])  # the summary
    return 0 if loaded.ok else 1
