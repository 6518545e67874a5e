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


def load(paths: list[Path], max_file_size: int = documents.MAX_FILE_SIZE, keep_data: bool = False) -> Loaded:
    """Load and check manifests; every problem found is in the result, sorted, and nothing is
    raised for a user's mistake: a missing path, an unreadable folder or a wrong `shotkit.yaml`
    is a problem like any other, so every output format of `validate` reports it.

    The documents' parsed data is dropped once the model is built from it, unless `keep_data`
    (for commands that rewrite the files: `fmt`, `select`); it would be read again if asked for."""
    paths = paths or [Path(".")]
    files, problems = documents.discover(paths)
    project, project_problems = read_project(paths)
    if project_problems:  # its types and owner are unknown: checking manifests would mislead
        everything = sort_problems(project_problems + problems)
        return Loaded(project, model.Production(project), everything, [], len(files))
    with collector.paused():
        docs, production, found = _build(files, project, max_file_size, keep_data)
        production.complete = production.complete and not problems
        problems += found
        problems += graph.check(production)
    return Loaded(project, production, sort_problems(problems), docs, len(files))


def _build(
    files: list[Path], project: Project, max_file_size: int, keep_data: bool
) -> tuple[list[documents.Document], model.Production, list[Problem]]:
    """Each file read, parsed and added to the model in turn, so that without `keep_data`
    only one file's parsed data is alive at a time (the model holds what it needs of it)."""
    builder = model.Builder(project, {})
    docs: list[documents.Document] = []
    problems: list[Problem] = []  # of reading and parsing, then (after every file) the model's
    for path in files:
        document, found = documents.load(path, max_file_size)
        problems += found
        if document is None:
            continue
        builder.add(document, documents.read_script_files([document], project.root))
        if not keep_data:
            document.drop_data()
        docs.append(document)
    production, found = builder.finish()
    production.complete = production.complete and not problems
    return docs, production, problems + found


def load_valid(paths: list[Path], keep_data: bool = False) -> Loaded:
    """Like `load`, but manifests with errors raise ManifestError (for plan and sync)."""
    loaded = load(paths, keep_data=keep_data)
    if not loaded.ok:
        raise ManifestError(loaded.problems)
    return loaded
