"""The one path to the plan that `plan` shows and `sync` applies.

A plan comes either from the manifests (computed against the state read at the time) or from a
file `plan --out` saved (applied only if the database has not changed since: `apply.sync`
checks its fingerprints under the lock). `PlanSource` holds whichever it is, so the commands
never carry a `make_plan`/`saved` pair of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import collector, console, pipeline
from ..errors import ShotkitError
from ..project import Project, load_project

if TYPE_CHECKING:
    from ..db import Database
    from ..model import Production
    from ..plan import Plan, Wanted
    from ..state import State


@dataclass(frozen=True)
class PlanSource:
    project: Project
    workspaces: list[str]
    production: Production | None = None  # from the manifests
    saved: Plan | None = None  # from a file
    prune: bool = False
    max_deletes: int | None = None
    claimed: dict[str, list[str]] = field(default_factory=dict)
    _wanted: dict[str, Wanted] = field(default_factory=dict)  # made once per workspace

    def matcher(self, workspace: str) -> Wanted | None:
        """What the manifests declare in `workspace`, to read its state against: rows exactly
        as declared are then kept as a summary (state.Summary). None for a saved plan, which is
        checked against whole rows."""
        from ..plan import Wanted

        if self.production is None:
            return None
        if workspace not in self._wanted:
            self._wanted[workspace] = Wanted(
                self.production.workspaces.get(workspace), self.production.project.owner
            )
        return self._wanted[workspace]

    def plan(self, states: dict[str, State]) -> Plan:
        """The plan for the states just read: the saved one, else one computed now."""
        from .. import plan as plan_

        if self.saved is not None:
            return self.saved
        assert self.production is not None
        with collector.paused():
            return plan_.compute(self.production, states, self.prune, self.max_deletes)

    def read_states(self, database: Database, show: console.Show = console.silent) -> dict[str, State]:
        """The current state of every workspace the plan covers, in one snapshot."""
        from .. import db, state

        read = {}
        with db.snapshot(database) as connection, collector.paused():
            for done, name in enumerate(self.workspaces):
                show(f"reading workspace {name}", done, len(self.workspaces))
                read[name] = state.read(connection, name, self.claimed.get(name, ()), self.matcher(name))
        return read


def from_manifests(paths: list[Path], prune: bool, max_deletes: int | None) -> PlanSource:
    """Valid manifests (else ManifestError with every problem) and the workspaces they cover."""
    from .. import documents
    from .. import plan as plan_

    loaded = pipeline.load_valid(paths)
    if not loaded.documents:
        where = ", ".join(documents.shown_path(p) for p in paths or [Path(".")])
        raise ShotkitError(f"no manifests (*.yaml, *.yml) found in {where}")
    production = loaded.production
    return PlanSource(
        loaded.project,
        plan_.scope(production),
        production=production,
        prune=prune,
        max_deletes=max_deletes,
        claimed=plan_.claimed(production),
    )


def from_file(plan_file: Path, paths: list[Path]) -> PlanSource:
    """A saved plan; the project (owner, embedded database) still comes from the paths."""
    from .. import plan as plan_

    saved = plan_.load(plan_file)
    project = load_project(paths or [Path(".")])
    return PlanSource(project, [w.workspace for w in saved.workspaces], saved=saved)


def plan_source(
    paths: list[Path], plan_file: Path | None, prune: bool, max_deletes: int | None
) -> PlanSource:
    if plan_file is None:
        return from_manifests(paths, prune, max_deletes)
    if prune:
        raise ShotkitError(
            "--prune and --plan do not go together: a saved plan already says whether it prunes"
        )
    return from_file(plan_file, paths)
