"""Files -> documents -> model -> graph checks, for the commands that start from manifests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import collector, documents, graph, model
from .errors import ManifestError
from .problems import Problem, errors, sort_problems
from .project import Project, read_project

if TYPE_CHECKING:
    import networkx as nx


@dataclass
class Loaded:
    project: Project
    production: model.Production
    problems: list[Problem]
    documents: list[documents.Document]
    files: int  # manifest files found, loadable or not

    @property
    def graph(self) -> nx.MultiDiGraph:
        return graph.build_graph(self.production)

    @property
    def ok(self) -> bool:
        return not errors(self.problems)


def load(paths: list[Path], max_file_size: int = documents.MAX_FILE_SIZE) -> Loaded:
    """Load and check manifests; every problem found is in the result, sorted, and nothing is
    raised for a user's mistake: a missing path, an unreadable folder or a wrong `shotkit.yaml`
    is a problem like any other, so every output format of `validate` reports it."""
    paths = paths or [Path(".")]
    files, problems = documents.discover(paths)
    project, project_problems = read_project(paths)
    if project_problems:  # its types and owner are unknown: checking manifests would mislead
        everything = sort_problems(project_problems + problems)
        return Loaded(project, model.Production(project), everything, [], len(files))
    with collector.paused():
        docs, found = documents.load_files(files, max_file_size)
        problems += found
        production, found = model.build(docs, project, documents.read_script_files(docs, project.root))
        production.complete = production.complete and not problems
        problems += found
        problems += graph.check(production)
    return Loaded(project, production, sort_problems(problems), docs, len(files))


def load_valid(paths: list[Path]) -> Loaded:
    """Like `load`, but manifests with errors raise ManifestError (for plan and sync)."""
    loaded = load(paths)
    if not loaded.ok:
        raise ManifestError(loaded.problems)
    return loaded
