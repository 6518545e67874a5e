"""One base exception for everything shotkit reports to a user.

The CLI catches `ShotkitError` and prints its message; anything else is a bug and is
reported as one (see `shotkit.cli.main`).
"""

from __future__ import annotations

from .problems import Problem


class ShotkitError(Exception):
    """A problem the user can act on. `str(err)` is the whole message."""

    exit_code = 1


class ManifestError(ShotkitError):
    """Manifests failed to load or validate; `problems` holds every located problem.

    Raised only by commands that cannot go on (plan, sync, ...): the loading stages return
    their problems (`pipeline.load`), so `validate` reports them in every format."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the manifests")


class DatabaseError(ShotkitError):
    """The database could not be reached, or is not in the shape shotkit needs."""


class StalePlanError(ShotkitError):
    """A saved plan was computed against a database state that has since changed."""


class PruneRefused(ShotkitError):
    """A prune would delete more than the user allowed."""


class PlanRefused(ShotkitError):
    """A plan breaks a rule every plan must keep (ownership, workspace, prune); nothing was written."""
