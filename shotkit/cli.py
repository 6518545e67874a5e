"""The command line: parse arguments, call the core, render what it returns. Nothing else."""
from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ManifestError, ShotkitError

def _not_a_url(_ctx: click.Context, _param: click.Parameter, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """A database URL typed where a path goes would be echoed back in "no such file" errors,
    password and all: refuse it without repeating it."""
    if any(re.match(r"[A-Za-z][A-Za-z0-9+.-]+:/", str(path)) for path in paths):
        raise click.BadParameter("a database URL was given as a path; pass it with --database-url or SHOTKIT_DATABASE_URL")
    return paths


PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path), callback=_not_a_url)
DATABASE = click.option("--database-url", envvar="SHOTKIT_DATABASE_URL", help="SQLAlchemy URL; default: SHOTKIT_DATABASE_URL, else the project's embedded SQLite file.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shotkit")
def cli() -> None:
    """shotkit keeps an AI video production's shots as code: validate, plan, sync and export."""


@cli.command()
@PATHS
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--max-file-size", type=int, default=None, help="Largest manifest accepted, in bytes (default 16 MiB).")
def validate(paths: tuple[Path, ...], fmt: str, max_file_size: int | None) -> None:
    """Load the manifests and check them; no database needed. Exit 1 on any error."""
    from .commands import validate as run

    sys.exit(run(list(paths), fmt, max_file_size))


@cli.command()
@PATHS
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
def graph(paths: tuple[Path, ...], fmt: str) -> None:
    """Draw the production as a Mermaid or DOT graph."""
    from .commands import draw

    sys.exit(draw(list(paths), fmt))


@cli.command()
@PATHS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stats(paths: tuple[Path, ...], fmt: str) -> None:
    """Character usage, takes, and generation cost by shot, provider and model."""
    from .commands import stats as run

    sys.exit(run(list(paths), fmt))


@cli.command()
@PATHS
@click.option("--published", is_flag=True, help="The published, open schema (schemas/manifest.schema.json).")
def schema(paths: tuple[Path, ...], published: bool) -> None:
    """Print the JSON Schema of this project's manifests (with its custom types)."""
    from .commands import print_schema

    sys.exit(print_schema(list(paths), published))


@cli.command()
@PATHS
@click.option("--check", is_flag=True, help="Only report files that are not canonical; exit 1 if any.")
def fmt(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite manifests in canonical form (the form `export` writes)."""
    from .commands import fmt as run

    sys.exit(run(list(paths), check))


@cli.command()
@PATHS
@DATABASE
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Save the plan as JSON, for `sync --plan`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@click.option("--prune", is_flag=True, help="Plan the deletion of owned rows that left the manifests.")
@click.option("--max-deletes", type=int, default=None, help="Refuse a prune that deletes more rows (default 50).")
def plan(paths: tuple[Path, ...], database_url: str | None, fmt: str, out: Path | None, detailed_exitcode: bool, prune: bool, max_deletes: int | None) -> None:
    """Show what sync would change in the database."""
    from .commands import plan as run

    sys.exit(run(list(paths), database_url, fmt, out, detailed_exitcode, prune, max_deletes))


@cli.command()
@PATHS
@DATABASE
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, dir_okay=False), help="Apply this saved plan, if the database has not changed since.")
@click.option("--prune", is_flag=True, help="Delete owned rows that left the manifests.")
@click.option("--max-deletes", type=int, default=None, help="Refuse a prune that deletes more rows (default 50).")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True, help="Seconds to wait for another sync of the same workspace.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sync(paths: tuple[Path, ...], database_url: str | None, plan_file: Path | None, prune: bool, max_deletes: int | None, lock_timeout: float, fmt: str) -> None:
    """Apply the plan in one transaction."""
    from .commands import sync as run

    sys.exit(run(list(paths), database_url, plan_file, prune, max_deletes, lock_timeout, fmt))


@cli.command()
@DATABASE
@click.option("--workspace", "workspaces", multiple=True, help="Workspace to export (repeatable); default: every workspace in the database.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True, help="Project directory to write into.")
def export(database_url: str | None, workspaces: tuple[str, ...], out: Path) -> None:
    """Write the database back into the manifests it came from."""
    from .commands import export as run

    sys.exit(run(database_url, list(workspaces), out))


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@DATABASE
@click.option("--project", type=click.Path(path_type=Path), default=Path("."), show_default=True, help="Project directory (for the embedded database).")
def upgrade(database_url: str | None, project: Path) -> None:
    """Create or migrate shotkit's tables (Alembic)."""
    from .commands import db_upgrade

    sys.exit(db_upgrade(database_url, project))


@db.command("migrate-legacy")
@DATABASE
@click.option("--project", type=click.Path(path_type=Path), default=Path("."), show_default=True)
def migrate_legacy(database_url: str | None, project: Path) -> None:
    """Move an old shot_characters table into uses_character relationships (idempotent)."""
    from .commands import db_migrate_legacy

    sys.exit(db_migrate_legacy(database_url, project))


def _say(message: str) -> None:
    """Every line of error output: passwords redacted, control characters shown escaped."""
    from .escape import text_inline
    from .redact import redact

    click.echo(redact(text_inline(message)), err=True)


def _fail(message: str) -> int:
    _say(f"error: {message}")
    return 1


def _remember_secrets(argv: list[str] | None) -> None:
    """Every password the command line or the environment holds, to redact from output."""
    from .redact import remember

    remember(os.environ.get("SHOTKIT_DATABASE_URL"))
    for argument in sys.argv[1:] if argv is None else argv:
        remember(argument)


def main(argv: list[str] | None = None) -> int:
    """Entry point: every ShotkitError and usage error is one clear message and exit 1."""
    from .redact import redact

    _remember_secrets(argv)
    try:
        cli.main(args=argv, prog_name="shotkit", standalone_mode=False)
    except ManifestError as err:
        for problem in err.problems:
            _say(str(problem))
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
        return _fail(f"internal error ({type(err).__name__}): {redact(str(err))}. This is a bug in shotkit; rerun with SHOTKIT_DEBUG=1 for the traceback and report it.")
    return 0

