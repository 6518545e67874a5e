"""The command line: parse arguments, call the command, exit with its code. Nothing else.

This is the single lazy-import boundary: each command's module (`shotkit.commands.NAME`) is
imported inside its click function, only when that command runs, so `shotkit validate` does not
load SQLAlchemy, Alembic, Jinja2 or OpenTimelineIO."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ManifestError, ShotkitError


def _not_a_url(_ctx: click.Context, _param: click.Parameter, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """A database URL typed where a path goes would be echoed back in "no such file" errors,
    password and all: refuse it without repeating it."""
    if any(re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", str(path)) for path in paths):
        raise click.BadParameter(
            "a database URL was given as a path; pass it with --database-url or SHOTKIT_DATABASE_URL"
        )
    return paths


PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path), callback=_not_a_url)
DATABASE = click.option(
    "--database-url",
    envvar="SHOTKIT_DATABASE_URL",
    help="SQLAlchemy URL; default: SHOTKIT_DATABASE_URL, else the project's embedded SQLite file.",
)


def examples(*lines: str) -> str:
    """A command's `--help` epilog; `\\b` keeps click from rewrapping the lines."""
    return "\b\nExamples:\n" + "\n".join("  " + line for line in lines)


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=examples(
        "shotkit init && shotkit validate manifests && shotkit plan manifests",
        "shotkit --quiet sync manifests",
        "shotkit plan --help",
    ),
)
@click.version_option(__version__, prog_name="shotkit")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help='Only errors, warnings and the output asked for: no progress, no "wrote ..." lines.',
)
def cli(quiet: bool) -> None:
    """shotkit keeps an AI video production's shots as code: validate, plan, sync and export.

    Colour only on a terminal (never with NO_COLOR); docs: docs/README.md in shotkit's repository.
    """
    from .console import set_quiet

    set_quiet(quiet)


@cli.command(
    epilog=examples(
        "shotkit init",
        "shotkit init lighthouse --workspace lighthouse --owner lighthouse-repo",
        'shotkit init production --from-database "$SHOTKIT_DATABASE_URL" --workspace workspace-123',
    )
)
@click.argument("directory", required=False, default=".", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--from-database",
    "database_url",
    metavar="URL",
    help="Make the project from this database's rows (exports the workspace).",
)
@click.option(
    "--workspace", help="The project's default workspace (with --from-database: the one to export)."
)
@click.option(
    "--owner",
    help="Owner label of the rows this project manages (default: the folder's name; with --from-database, the label the rows carry).",
)
def init(directory: Path, database_url: str | None, workspace: str | None, owner: str | None) -> None:
    """Start a project: shotkit.yaml, a first manifest, pre-commit hooks and a CI workflow."""
    from .commands.init import init as run

    sys.exit(run(directory, database_url, workspace, owner))


@cli.command(
    epilog=examples(
        "shotkit validate manifests",
        "shotkit validate manifests --format github   # annotations in GitHub Actions",
        "shotkit validate --format json manifests/scene-03.yaml",
    )
)
@PATHS
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True
)
@click.option(
    "--max-file-size", type=int, default=None, help="Largest manifest accepted, in bytes (default 16 MiB)."
)
def validate(paths: tuple[Path, ...], fmt: str, max_file_size: int | None) -> None:
    """Load the manifests and check them; no database needed. Exit 1 on any error."""
    from .commands.validate import validate as run

    sys.exit(run(list(paths), fmt, max_file_size))


@cli.command(
    epilog=examples(
        "shotkit graph manifests > production.mmd",
        "shotkit graph manifests --format dot | dot -Tsvg > production.svg",
    )
)
@PATHS
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph(paths: tuple[Path, ...], fmt: str) -> None:
    """Draw the production as a Mermaid or DOT graph."""
    from .commands.graph import draw

    sys.exit(draw(list(paths), fmt))


@cli.command(
    epilog=examples(
        "shotkit stats manifests",
        "shotkit stats manifests --format json",
    )
)
@PATHS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stats(paths: tuple[Path, ...], fmt: str) -> None:
    """Character usage, takes, and generation cost by shot, provider and model."""
    from .commands.stats import stats as run

    sys.exit(run(list(paths), fmt))


@cli.command(
    epilog=examples(
        "shotkit schema > schema.json   # with this project's custom types",
        "shotkit schema --published",
    )
)
@PATHS
@click.option("--published", is_flag=True, help="The published, open schema (schemas/manifest.schema.json).")
def schema(paths: tuple[Path, ...], published: bool) -> None:
    """Print the JSON Schema of this project's manifests (with its custom types)."""
    from .commands.schema import print_schema

    sys.exit(print_schema(list(paths), published))


@cli.command(
    epilog=examples(
        "shotkit fmt manifests",
        "shotkit fmt --check manifests   # in CI: exit 1 if a file would change",
    )
)
@PATHS
@click.option("--check", is_flag=True, help="Only report files that are not canonical; exit 1 if any.")
def fmt(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite manifests in canonical form (the form `export` writes)."""
    from .commands.fmt import fmt as run

    sys.exit(run(list(paths), check))


@cli.command(
    epilog=examples(
        "shotkit plan manifests",
        "shotkit plan manifests --format markdown > plan.md   # a PR comment",
        "shotkit plan manifests --out plan.json   # review it, then: shotkit sync --plan plan.json",
        "shotkit plan manifests --detailed-exitcode   # exit 2 when the database drifted",
        "shotkit plan manifests --prune --max-deletes 100",
    )
)
@PATHS
@DATABASE
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True
)
@click.option(
    "-o", "--out", type=click.Path(path_type=Path), help="Save the plan as JSON, for `sync --plan`."
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@click.option("--prune", is_flag=True, help="Plan the deletion of owned rows that left the manifests.")
@click.option(
    "--max-deletes", type=int, default=None, help="Refuse a prune that deletes more rows (default 50)."
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=2000),
    default=65_000,
    show_default=True,
    help="Markdown: the longest comment; shots that do not fit are counted, the summary is always kept.",
)
def plan(
    paths: tuple[Path, ...],
    database_url: str | None,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    prune: bool,
    max_deletes: int | None,
    max_chars: int,
) -> None:
    """Show what sync would change in the database."""
    from .commands.plan import plan as run

    sys.exit(run(list(paths), database_url, fmt, out, detailed_exitcode, prune, max_deletes, max_chars))


@cli.command(
    epilog=examples(
        "shotkit sync manifests",
        "shotkit sync manifests --plan plan.json   # exactly the reviewed plan",
        "shotkit sync manifests --prune --format json",
    )
)
@PATHS
@DATABASE
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Apply this saved plan, if the database has not changed since.",
)
@click.option("--prune", is_flag=True, help="Delete owned rows that left the manifests.")
@click.option(
    "--max-deletes", type=int, default=None, help="Refuse a prune that deletes more rows (default 50)."
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another sync of the same workspace.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sync(
    paths: tuple[Path, ...],
    database_url: str | None,
    plan_file: Path | None,
    prune: bool,
    max_deletes: int | None,
    lock_timeout: float,
    fmt: str,
) -> None:
    """Apply the plan in one transaction."""
    from .commands.sync import sync as run

    sys.exit(run(list(paths), database_url, plan_file, prune, max_deletes, lock_timeout, fmt))


@cli.command(
    epilog=examples(
        "shotkit export --out manifests && git diff manifests",
        "shotkit export --workspace workspace-123 --out manifests",
    )
)
@DATABASE
@click.option(
    "--workspace",
    "workspaces",
    multiple=True,
    help="Workspace to export (repeatable); default: every workspace in the database.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Project directory to write into.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if export would change a file (runtime drift)."
)
@click.option(
    "--prune",
    is_flag=True,
    help="Remove entries (and takes) that are not in the database; by default they are kept.",
)
def export(
    database_url: str | None, workspaces: tuple[str, ...], out: Path, check: bool, prune: bool
) -> None:
    """Write the database back into the manifests it came from, editing only what changed."""
    from .commands.export import export as run

    sys.exit(run(database_url, list(workspaces), out, check, prune))


@cli.command(
    epilog=examples(
        "shotkit select 03A 2 manifests",
        "shotkit select 03A 1 manifests/scene-03.yaml",
    )
)
@click.argument("shot")
@click.argument("attempt", type=int)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def select(shot: str, attempt: int, paths: tuple[Path, ...]) -> None:
    """Select take ATTEMPT of shot SHOT in its manifest (only the `selected:` lines change)."""
    from .commands.select import select as run

    sys.exit(run(shot, attempt, list(paths)))


@cli.command(
    epilog=examples(
        "shotkit history",
        "shotkit history --workspace workspace-123 --limit 5",
        "shotkit history --format json --with-plan --limit 1",
    )
)
@DATABASE
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project directory (for the embedded database).",
)
@click.option("--workspace", "workspaces", multiple=True, help="Only this workspace's runs (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many runs, latest first."
)
@click.option("--with-plan", is_flag=True, help="JSON: include each run's applied plan.")
def history(
    database_url: str | None,
    project: Path,
    workspaces: tuple[str, ...],
    fmt: str,
    limit: int,
    with_plan: bool,
) -> None:
    """List the syncs recorded in the database: when, who, from which commit, what changed."""
    from .commands.history import history as run

    sys.exit(run(database_url, project, list(workspaces), fmt, limit, with_plan))


@cli.command(
    epilog=examples(
        "shotkit review manifests --out site",
        "shotkit review manifests/scene-03.yaml --out site",
    )
)
@PATHS
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Directory to write the site into (new, empty, or an earlier review site).",
)
def review(paths: tuple[Path, ...], out: Path) -> None:
    """Build a static review site of the production: shots, takes, audio layers, costs."""
    from .commands.review import review as run

    sys.exit(run(list(paths), out))


@cli.command(
    epilog=examples(
        "shotkit cut manifests --out cut.otio",
        "shotkit cut manifests --out cut.edl --format cmx_3600",
    )
)
@PATHS
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="File to write the timeline to (cut.otio, cut.edl, ...).",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    help="OpenTimelineIO adapter to write with (otio_json, cmx_3600, ...); default: from --out's suffix, else otio_json.",
)
def cut(paths: tuple[Path, ...], out: Path, fmt: str | None) -> None:
    """Write the cut (selected takes in shot order, audio layers) as an OpenTimelineIO timeline."""
    from .commands.cut import cut as run

    sys.exit(run(list(paths), out, fmt))


@cli.group(
    epilog=examples(
        "shotkit db upgrade --database-url postgresql+psycopg://studio@db/production",
    )
)
def db() -> None:
    """Database schema commands."""


@db.command(
    epilog=examples(
        "shotkit db upgrade",
        "shotkit db upgrade --database-url postgresql+psycopg://studio@db/production",
    )
)
@DATABASE
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project directory (for the embedded database).",
)
def upgrade(database_url: str | None, project: Path) -> None:
    """Create or migrate shotkit's tables (Alembic)."""
    from .commands.db import db_upgrade

    sys.exit(db_upgrade(database_url, project))


@db.command(
    "migrate-legacy",
    epilog=examples(
        "shotkit db migrate-legacy --database-url postgresql+psycopg://studio@db/production",
    ),
)
@DATABASE
@click.option("--project", type=click.Path(path_type=Path), default=Path("."), show_default=True)
def migrate_legacy(database_url: str | None, project: Path) -> None:
    """Move an old shot_characters table into uses_character relationships (idempotent)."""
    from .commands.db import db_migrate_legacy

    sys.exit(db_migrate_legacy(database_url, project))


def _say(message: str) -> None:
    """Every line of error output: passwords redacted, control characters shown escaped."""
    from .escape import text_inline
    from .redact import redact

    click.echo(redact(text_inline(message)), err=True)


def _fail(message: str) -> int:
    from .console import error_prefix
    from .escape import text_inline
    from .redact import redact

    click.echo(f"{error_prefix()} {redact(text_inline(message))}", err=True)
    return 1


def _remember_secrets(argv: list[str] | None) -> None:
    """Every password the command line or the environment holds, to redact from output."""
    from .redact import remember

    remember(os.environ.get("SHOTKIT_DATABASE_URL"))
    for argument in sys.argv[1:] if argv is None else argv:
        remember(argument)


def run() -> None:
    """The `shotkit` program (`python -m shotkit` too): `main`, then the process ends without
    freeing what the command kept (collector.keep)."""
    from . import collector

    collector.hold_until_exit()
    collector.exit_fast(main())


def main(argv: list[str] | None = None) -> int:
    """Entry point: every ShotkitError and usage error is one clear message and exit 1."""
    from .console import set_quiet
    from .redact import redact

    set_quiet(False)  # until the group's own --quiet is parsed
    _remember_secrets(argv)
    before = _engines()
    try:
        cli.main(args=argv, prog_name="shotkit", standalone_mode=False)
    except ManifestError as err:
        from .console import problem_line
        from .escape import text_inline

        for problem in err.problems:
            click.echo(problem_line(redact(text_inline(str(problem))), sys.stderr), err=True)
        return 1
    except ShotkitError as err:
        return _fail(str(err))
    except click.exceptions.Abort:
        return _fail("aborted")
    except click.ClickException as err:
        shown = io.StringIO()
        err.show(file=shown)
        for line in shown.getvalue().splitlines():
            _say(line)
        return 1
    except SystemExit as err:
        return err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    except KeyboardInterrupt:
        return _fail("interrupted")
    except BrokenPipeError:
        return 1
    except Exception as err:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("SHOTKIT_DEBUG"):
            raise
        return _fail(
            f"internal error ({type(err).__name__}): {redact(str(err))}. This is a bug in shotkit; rerun with SHOTKIT_DEBUG=1 for the traceback and report it."
        )
    finally:
        for engine in _engines() - before:  # the command's own: the caller's are left alone
            engine.dispose()
    return 0


def _engines() -> set[Any]:
    """The database engines made so far (none if no command has imported `shotkit.db`: small
    commands never do)."""
    module = sys.modules.get("shotkit.db")
    return module.engines() if module else set()
