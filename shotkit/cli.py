"""The command line: parse arguments, call the core, render what it returns. Nothing else."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ManifestError, ShotkitError

PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
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
@click.option("--lock-timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for another sync of the same workspace.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def sync(paths: tuple[Path, ...], database_url: str | None, plan_file: Path | None, prune: bool, max_deletes: int | None, lock_timeout: float, fmt: str) -> None:
    """Apply the plan in one transaction."""
    from .commands import sync as run

    sys.exit(run(list(paths), database_url, plan_file, prune, max_deletes, lock_timeout, fmt))


@cli.command()
@DATABASE
@click.option("--workspace", "workspaces", multiple=True, help="Workspace to export (repeatable); default: every workspace in the database.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True, help="Project directory to write into.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if export would change a file (runtime drift).")
@click.option("--prune", is_flag=True, help="Remove entries (and takes) that are not in the database; by default they are kept.")
def export(database_url: str | None, workspaces: tuple[str, ...], out: Path, check: bool, prune: bool) -> None:
    """Write the database back into the manifests it came from, editing only what changed."""
    from .commands import export as run

    sys.exit(run(database_url, list(workspaces), out, check, prune))


@cli.command()
@click.argument("shot")
@click.argument("attempt", type=int)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def select(shot: str, attempt: int, paths: tuple[Path, ...]) -> None:
    """Select take ATTEMPT of shot SHOT in its manifest (only the `selected:` lines change)."""
    from .commands import select as run

    sys.exit(run(shot, attempt, list(paths)))


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


def _fail(message: str) -> int:
    click.echo(f"error: {message}", err=True)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point: every ShotkitError and usage error is one clear message and exit 1."""
    from .redact import redact

    try:
        cli.main(args=argv, prog_name="shotkit", standalone_mode=False)
    except ManifestError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        return 1
    except ShotkitError as err:
        return _fail(redact(str(err)))
    except click.exceptions.Abort:
        return _fail("aborted")
    except click.ClickException as err:
        err.show()
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

