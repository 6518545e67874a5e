"""`shotkit init`: the files a new project starts from, or a project made from a database.

Nothing that exists is overwritten: in a folder that already holds a `shotkit.yaml`, init
changes nothing at all; otherwise it writes only the files that are missing and names the
others as kept.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import __version__
from .fileio import make_dirs, write_atomic
from .project import DEFAULT_OWNER, PROJECT_FILE, find_config

MANIFEST = "manifests/shots.yaml"
PRE_COMMIT = ".pre-commit-config.yaml"
WORKFLOW = ".github/workflows/shotkit.yml"
GITIGNORE = ".gitignore"
SCHEMA = "schemas/manifest.schema.json"
# Where CI installs shotkit from when init cannot tell where this copy came from: shotkit is
# not on PyPI, so CI installs it from its git repository (the user replaces the placeholder).
PLACEHOLDER_REPOSITORY = "https://github.com/your-org/shotkit"
_KEY = re.compile(r"[^A-Za-z0-9._-]+")
# What goes into the workflow file unquoted: nothing YAML or the shell would read otherwise.
_SAFE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)+$")
_SAFE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
_SCP = re.compile(r"^[\w.-]+@(?P<host>[\w.-]+):(?P<path>[\w./-]+)$")  # git@github.com:org/repo.git


@dataclass
class Scaffold:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def template(name: str) -> str:
    return resources.files("shotkit").joinpath("templates", name).read_text(encoding="utf-8")


def key_from(text: str, fallback: str) -> str:
    """A workspace or owner key made from a folder name (keys: `[A-Za-z0-9][A-Za-z0-9._-]*`)."""
    value = _KEY.sub("-", text).strip("-._").lower()
    return value or fallback


def project_file(workspace: str, owner: str) -> str:
    return (
        "# The shotkit project: see docs/manifest.md in shotkit's repository.\n"
        f"workspace: {_quoted(workspace)}  # default workspace of the manifests\n"
        f"owner: {_quoted(owner)}  # label written on the rows this project manages\n"
    )


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_names(workspace: str | None, owner: str | None) -> None:
    """Refuse a name the written shotkit.yaml could not hold: the new project would fail its
    first validate (a workspace is a key), or read back another owner (a newline folds)."""
    from .errors import ShotkitError
    from .schema import KEY_PATTERN

    if workspace is not None and not re.match(KEY_PATTERN, workspace):
        raise ShotkitError(
            f"--workspace '{workspace}': use letters, digits, '.', '_' and '-', starting with a letter or digit"
        )
    if owner is not None and (not owner or any(ord(c) < 32 or ord(c) == 127 for c in owner)):
        raise ShotkitError(f"--owner '{owner}': give a label that is not empty and has no control characters")


def existing_project(directory: Path) -> Path | None:
    """The shotkit.yaml of the project DIRECTORY is in, or would be in once made: a nested
    project's shotkit.yaml would silently move the parent's manifests to another workspace."""
    return find_config(directory)


def files(workspace: str, owner: str, with_manifest: bool) -> dict[str, str]:
    from .schema import manifest_schema

    out = {PROJECT_FILE: project_file(workspace, owner)}
    if with_manifest:
        out[MANIFEST] = template("shots.yaml")
    # The manifest's modeline points at this file by a relative path: editors read it from
    # the project, and it matches the shotkit that wrote it (no web site to keep serving).
    out[SCHEMA] = json.dumps(manifest_schema(), indent=2) + "\n"
    repository, ref = install_source()
    out[PRE_COMMIT] = (
        template("pre-commit-config.yaml")
        .replace(PLACEHOLDER_REPOSITORY, repository)
        .replace("vVERSION", ref)
    )
    out[WORKFLOW] = (
        template("workflow.yml").replace("SHOTKIT_REPOSITORY_URL", repository).replace("SHOTKIT_GIT_REF", ref)
    )
    return out


def install_source() -> tuple[str, str]:
    """The git repository and ref CI installs shotkit from: where this copy was installed
    from when pip recorded it (PEP 610 direct_url.json: a git URL, or a local checkout with a
    remote), else the placeholder repository at this version's tag."""
    found = None
    for dist in metadata.distributions(name="shotkit"):
        text = dist.read_text("direct_url.json")
        if text:
            found = _source_of(json.loads(text))
            break
    return found or (PLACEHOLDER_REPOSITORY, f"v{__version__}")


def _source_of(direct: dict[str, object]) -> tuple[str, str] | None:
    url = str(direct.get("url", ""))
    vcs = direct.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        public, commit = public_url(url), str(vcs["commit_id"])
        return (public, commit) if public and _SAFE_REF.match(commit) else None
    if url.startswith("file://"):
        return checkout_source(Path(unquote(urlparse(url).path)))
    return None


def checkout_source(path: Path) -> tuple[str, str] | None:
    """A local shotkit checkout as (its `origin` remote, the tag at HEAD or else HEAD's
    commit); None when it is no git checkout or its remote is not one CI can reach."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(path), *args], capture_output=True, text=True, timeout=10, check=False
        )
        return result.stdout.strip() if result.returncode == 0 else ""

    try:
        remote = public_url(git("remote", "get-url", "origin"))
        ref = git("describe", "--tags", "--exact-match", "HEAD") or git("rev-parse", "HEAD")
    except (OSError, subprocess.SubprocessError):  # no git at all
        return None
    return (remote, ref) if remote and _SAFE_REF.match(ref) else None


def public_url(url: str) -> str:
    """An https URL pip can clone in CI, from a remote URL; "" for a local path or file URL."""
    url = url.removeprefix("git+")
    if match := _SCP.match(url):
        url = f"https://{match['host']}/{match['path']}"
    elif url.startswith("ssh://"):
        parsed = urlparse(url)
        url = f"https://{parsed.hostname}{parsed.path}"
    parsed = urlparse(url)
    try:
        port = f":{parsed.port}" if parsed.port else ""  # never the user:token@ part
    except ValueError:  # a port that is not a number
        return ""
    if parsed.scheme != "https" or not parsed.hostname:
        return ""
    clean = f"https://{parsed.hostname}{port}{parsed.path}".removesuffix("/").removesuffix(".git")
    return clean if _SAFE_URL.match(clean) else ""


def write(directory: Path, contents: dict[str, str]) -> Scaffold:
    result = Scaffold()
    for relative, text in contents.items():
        target = directory / relative
        if target.exists():
            result.kept.append(relative)
            continue
        make_dirs(target.parent)
        write_atomic(target, text)
        result.written.append(relative)
    _ignore_embedded_database(directory, result)
    return result


def _ignore_embedded_database(directory: Path, result: Scaffold) -> None:
    """The embedded SQLite file is local state, never something to commit."""
    path = directory / GITIGNORE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if any(line.strip() in (".shotkit/", ".shotkit", "/.shotkit/") for line in text.splitlines()):
        return
    write_atomic(path, text + ("" if not text or text.endswith("\n") else "\n") + ".shotkit/\n")
    result.written.append(GITIGNORE)


def default_owner(owners: set[str | None]) -> str:
    """The owner label for a project made from a database: the one label its rows carry.
    Rows with no label (made by the AssetService) are adopted whatever the label is."""
    labels = sorted(o for o in owners if o)
    return labels[0] if len(labels) == 1 else DEFAULT_OWNER


def _report(directory: Path, result: Scaffold) -> None:
    from .console import info as emit
    from .documents import shown_path
    from .escape import text_inline

    for relative in result.written:
        emit(text_inline(f"wrote {shown_path(directory / relative)}"))
    for relative in result.kept:
        emit(text_inline(f"kept {shown_path(directory / relative)} (it exists; not changed)"))


def _already(directory: Path) -> int:
    from .console import info as emit
    from .documents import shown_path
    from .escape import text_inline

    found = existing_project(directory)
    if found is None:
        return -1
    inside = (
        "already a shotkit project"
        if found.parent.resolve() == directory.resolve()
        else "inside a shotkit project"
    )
    emit(text_inline(f"{shown_path(found)} exists: {shown_path(directory)} is {inside}; nothing changed"))
    return 0


def init(directory: Path, workspace: str | None, owner: str | None) -> int:
    """A new project: shotkit.yaml, a first manifest, the hooks and the CI workflow."""
    from .console import info as emit

    if (code := _already(directory)) >= 0:
        return code
    name = key_from(directory.resolve().name, "main")
    result = write(directory, files(workspace or name, owner or name, with_manifest=True))
    _report(directory, result)
    emit("Next: shotkit validate manifests && shotkit plan manifests && shotkit sync manifests")
    return 0


def init_from_database(directory: Path, database_url: str, workspace: str, owner: str | None) -> int:
    """Bring a workspace of an existing database under git: shotkit.yaml with the owner its
    rows carry, then every row exported, so the next plan is empty."""
    from . import db, state
    from .commands.export import export
    from .errors import ShotkitError

    if (code := _already(directory)) >= 0:
        return code
    database = db.open_database(database_url, directory.resolve())
    with database.engine.connect() as connection:
        rows = state.read(connection, workspace)
        known = state.workspaces(connection)
    if not rows.assets:
        raise ShotkitError(
            f"workspace '{workspace}' has no rows in {database.shown} (workspaces there: {', '.join(known) or 'none'})"
        )
    labels = {r["owner"] for r in rows.assets.values()} | {r["owner"] for r in rows.links.values()}
    if owner is None and len({o for o in labels if o}) > 1:
        raise ShotkitError(
            f"workspace '{workspace}' has rows of several owners ({', '.join(sorted(o for o in labels if o))}); choose this project's with --owner"
        )
    result = write(directory, files(workspace, owner or default_owner(labels), with_manifest=False))
    _report(directory, result)
    # Into the folder that the hooks and the workflow just written validate and sync.
    manifests = directory / Path(MANIFEST).parent
    make_dirs(manifests)
    return export(database_url, [workspace], manifests)
