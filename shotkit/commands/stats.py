"""`shotkit stats`: character usage, takes and generation cost."""

from __future__ import annotations

from pathlib import Path

from .. import pipeline
from .. import stats as stats_
from ._output import emit


def stats(paths: list[Path], fmt: str) -> int:
    loaded = pipeline.load_valid(paths)
    emit(stats_.REPORTERS[fmt](stats_.compute(loaded.production)))
    return 0
