"""`shotkit schema`: the JSON Schema of this project's manifests (or the published one)."""

from __future__ import annotations

import json
from pathlib import Path

from ._output import emit


def print_schema(paths: list[Path], published: bool) -> int:
    from ..project import load_project
    from ..schema import manifest_schema

    registry = None if published else load_project(paths or [Path(".")]).registry
    emit(json.dumps(manifest_schema(registry), indent=2))
    return 0
