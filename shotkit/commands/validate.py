"""`shotkit validate`: load and check manifests; every problem in the format asked for."""

from __future__ import annotations

from pathlib import Path

from .. import collector, console, documents, pipeline, report
from ._output import emit


def validate(paths: list[Path], fmt: str, max_file_size: int | None) -> int:
    loaded = pipeline.load(paths, max_file_size or documents.MAX_FILE_SIZE)
    output = report.REPORTERS[fmt](report.Checked(loaded.problems, loaded.files))
    if fmt == "text":  # problems on stdout, coloured on a terminal; the summary on stderr
        lines = output.splitlines()
        for line in lines[:-1]:
            emit(console.problem_line(line))
        console.info(lines[-1])
    elif output:  # github: no annotation at all when there is no problem
        emit(output)
    collector.keep(loaded)  # freed by the process's end, not object by object
    return 0 if loaded.ok else 1
