"""Ordinary mistakes end in one located line, never "internal error ... this is a bug" (issue 10)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from shotkit.apply import lock_key

from .conftest import WS, cli, counts, execute, shotkit, upgraded


def one_line_error(code: int, err: str, *expected: str) -> None:
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for text in expected:
        assert text in err, err


def without_root_powers(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Root writes into read-only folders: as root, the command runs without the capabilities
    that bypass file permissions (setpriv, util-linux), so the folder's mode applies."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root needs setpriv (util-linux) to test read-only folders")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--inh-caps=-all", "--"]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "shotkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_read_only_folders(project: Path) -> None:
    shared = Path(tempfile.mkdtemp(prefix="shotkit-ro-"))
    try:
        os.chmod(shared, 0o755)
        work = shared / "project"
        shutil.copytree(project, work)
        url = f"sqlite:///{shared / 'db.sqlite'}"
        upgraded(url, shared).engine.dispose()
        assert shotkit("sync", str(work), "--database-url", url).returncode == 0
        # fmt has blank lines to drop; export has a name to put back (export edits only what differs)
        (work / "scene-03.yaml").write_text(
            (work / "scene-03.yaml").read_text().replace("Scene 3 - Confrontation", "Renamed", 1) + "\n\n"
        )
        for path in [shared, *shared.rglob("*")]:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        for args in (
            ["fmt", str(work)],
            ["export", "--database-url", url, "--out", str(work)],
            ["plan", str(work), "--database-url", url, "-o", str(work / "plan.json")],
        ):
            result = without_root_powers(*args, cwd=shared)
            one_line_error(result.returncode, result.stderr, "cannot write", "Permission denied")
    finally:
        for path in [shared, *shared.rglob("*")]:
            os.chmod(path, 0o755)
        shutil.rmtree(shared)


def test_missing_plan_directory(sqlite_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(sqlite_url, tmp_path)
    code, _, err = cli(
        capsys,
        "plan",
        str(project),
        "--database-url",
        sqlite_url,
        "-o",
        str(tmp_path / "nodir" / "plan.json"),
    )
    one_line_error(code, err, "nodir/plan.json: cannot write: No such file or directory")


@pytest.mark.parametrize(
    "content",
    [b"not a database at all, just text" * 10, os.urandom(4096), b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_corrupt_sqlite_file(project: Path, tmp_path: Path, capsys, content: bytes) -> None:
    (tmp_path / "bad.db").write_bytes(content)
    for args in (
        ["plan", str(project)],
        ["sync", str(project)],
        ["export", "--out", str(tmp_path / "out")],
        ["db", "upgrade"],
    ):
        code, _, err = cli(capsys, *args, "--database-url", f"sqlite:///{tmp_path / 'bad.db'}")
        one_line_error(code, err, "bad.db")


def test_damaged_rows_in_a_sqlite_file(sqlite_url: str, project: Path, tmp_path: Path, capsys) -> None:
    """A file whose header is intact but whose pages are damaged: every command that reads it
    (history too) is one line."""
    upgraded(sqlite_url, tmp_path)
    code, _, err = cli(capsys, "sync", str(project), "--database-url", sqlite_url)
    assert code == 0, err
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    data = bytearray(path.read_bytes())
    for index in range(4096 * 2, len(data), 97):
        data[index] = 0xFF
    path.write_bytes(bytes(data))
    for args in (
        ["plan", str(project)],
        ["sync", str(project)],
        ["export", "--out", str(tmp_path / "out")],
        ["history"],
    ):
        code, _, err = cli(capsys, *args, "--database-url", sqlite_url)
        one_line_error(code, err)


def test_a_role_without_privileges(
    pg_url: str, project: Path, tmp_path: Path, capsys, pg_admin: sa.Engine
) -> None:
    upgraded(pg_url, tmp_path)
    assert cli(capsys, "sync", str(project), "--database-url", pg_url)[0] == 0
    role = f"nopriv_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    url = sa.engine.make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    try:
        for args in (
            ["plan", str(project)],
            ["sync", str(project)],
            ["export", "--out", str(tmp_path / "out")],
            ["db", "upgrade"],
        ):
            code, _, err = cli(capsys, *args, "--database-url", url)
            one_line_error(code, err, "permission denied")
        execute(pg_url, tmp_path, f"GRANT SELECT ON alembic_version, assets TO {role}")
        for args in (
            ["plan", str(project)],
            ["sync", str(project)],
            ["export", "--out", str(tmp_path / "out")],
        ):
            code, _, err = cli(capsys, *args, "--database-url", url)
            one_line_error(code, err, "permission denied for table")
    finally:
        execute(pg_url, tmp_path, f"DROP OWNED BY {role}")
        with pg_admin.connect() as connection:
            connection.exec_driver_sql(f"DROP ROLE {role}")


@pytest.mark.parametrize(
    "driver", ["postgresql+psycopg2", "postgresql+asyncpg", "postgresql+pg8000", "sqlite+pysqlcipher"]
)
def test_a_driver_that_is_not_installed(project: Path, capsys, driver: str) -> None:
    code, _, err = cli(capsys, "plan", str(project), "--database-url", f"{driver}://u@127.0.0.1:9/x")
    one_line_error(code, err, f"cannot use database driver '{driver}'")


def test_a_database_at_a_newer_revision(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    execute(any_url, tmp_path, "UPDATE alembic_version SET version_num = 'ffff00009999'")
    for args in (
        ["plan", str(project)],
        ["sync", str(project)],
        ["export", "--out", str(tmp_path / "out")],
        ["db", "upgrade"],
    ):
        code, _, err = cli(capsys, *args, "--database-url", any_url)
        one_line_error(
            code, err, "revision ffff00009999, which this shotkit does not know", "upgrade shotkit"
        )


def test_an_embedded_database_at_a_newer_revision(project: Path, capsys) -> None:
    assert cli(capsys, "sync", str(project))[0] == 0
    database = project / ".shotkit" / "shotkit.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff00009999'")
    engine.dispose()
    code, _, err = cli(capsys, "plan", str(project))
    one_line_error(code, err, "which this shotkit does not know")


@pytest.mark.parametrize(
    "drift",
    [
        "UPDATE assets SET asset_metadata = '[1, 2]' WHERE type = 'shot'",
        "UPDATE assets SET asset_metadata = '\"text\"' WHERE type = 'character_ref'",
        "UPDATE assets SET asset_metadata = '5' WHERE type = 'shot_take'",
        "UPDATE assets SET source = '[1]'",
        "UPDATE asset_relationships SET relationship_metadata = '[1]'",
    ],
)
def test_drifted_json_of_an_unexpected_shape(
    any_url: str, project: Path, tmp_path: Path, capsys, drift: str
) -> None:
    upgraded(any_url, tmp_path)
    assert cli(capsys, "sync", str(project), "--database-url", any_url)[0] == 0
    execute(any_url, tmp_path, drift)
    code, out, err = cli(capsys, "plan", str(project), "--database-url", any_url)
    assert code == 0 and "internal error" not in err, err
    assert ("warning:" in err and "read as {}" in err) or "source" in drift, err
    code, _, err = cli(capsys, "export", "--database-url", any_url, "--out", str(tmp_path / "out"))
    assert code == 0 and "internal error" not in err, err
    code, _, err = cli(capsys, "sync", str(project), "--database-url", any_url)
    assert code == 0, err
    code, out, _ = cli(capsys, "plan", str(project), "--database-url", any_url, "--detailed-exitcode")
    assert code == 0 and "No changes." in out  # the sync restored what the manifests declare


def test_an_id_of_another_workspaces_row(any_url: str, project: Path, tmp_path: Path, capsys) -> None:
    upgraded(any_url, tmp_path)
    theirs = str(uuid.uuid4())
    execute(
        any_url,
        tmp_path,
        "INSERT INTO assets (id, workspace_id, type, name, asset_metadata) VALUES (:id, 'other-ws', 'character_ref', 'Theirs', '{}')",
        id=theirs.replace("-", "") if "sqlite" in any_url else theirs,
    )
    (project / "adopt.yaml").write_text(
        f"shotkit: 1\ncharacters:\n  theirs: {{id: {theirs}, name: Theirs}}\n"
    )
    for command in ("plan", "sync"):
        code, _, err = cli(capsys, command, str(project), "--database-url", any_url)
        one_line_error(code, err, f"adopts id {theirs}, but that row belongs to workspace 'other-ws'")
    assert counts(any_url, tmp_path) == (0, 0)


@pytest.mark.parametrize("timeout", ["0", "0.0001"])
def test_lock_timeout_zero_does_not_wait(pg_url: str, project: Path, tmp_path: Path, timeout: str) -> None:
    """PostgreSQL's lock_timeout = 0 means "wait forever": --lock-timeout 0 waited forever."""
    engine = upgraded(pg_url, tmp_path).engine
    with engine.connect() as holder:
        holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(WS)})
        result = shotkit(
            "sync", str(project), "--database-url", pg_url, "--lock-timeout", timeout, timeout=60
        )
        holder.execute(sa.text("SELECT pg_advisory_unlock_all()"))
    engine.dispose()
    one_line_error(result.returncode, result.stderr, f"another sync of workspace '{WS}'")


def test_read_only_folders_that_need_a_new_folder(project: Path) -> None:
    """A folder shotkit must create (init's target, the embedded database's .shotkit/, a
    sub-folder export writes into) in a read-only folder: one line, not an internal error."""
    shared = Path(tempfile.mkdtemp(prefix="shotkit-ro-"))
    try:
        os.chmod(shared, 0o755)
        work = shared / "project"
        shutil.copytree(project, work)
        url = f"sqlite:///{shared / 'db.sqlite'}"
        upgraded(url, shared).engine.dispose()
        assert shotkit("sync", str(work), "--database-url", url).returncode == 0
        # a row recorded in a file of a sub-folder that does not exist in the output folder
        execute(
            url,
            shared,
            "UPDATE assets SET source = json_object('file', 'sub/x.yaml', 'order', 1) WHERE manifest_key = 'hero'",
        )
        out = shared / "out"
        out.mkdir()
        (out / "shotkit.yaml").write_text((work / "shotkit.yaml").read_text())
        for path in [shared, *shared.rglob("*")]:
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        for args, expected in (
            (["init", str(shared / "new")], "cannot create"),
            (["plan", str(work)], "cannot create"),
            (["export", "--database-url", url, "--out", str(out)], "cannot"),
        ):
            result = without_root_powers(*args, cwd=shared)
            one_line_error(result.returncode, result.stderr, expected, "Permission denied")
    finally:
        for path in [shared, *shared.rglob("*")]:
            os.chmod(path, 0o755)
        shutil.rmtree(shared)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_special_file_as_the_saved_plan(sqlite_url: str, project: Path, tmp_path: Path, kind: str) -> None:
    """`sync --plan` reads only a regular file: a FIFO would hang it, /dev/zero fill the memory."""
    upgraded(sqlite_url, tmp_path)
    plan = tmp_path / "plan.json"
    if kind == "fifo":
        os.mkfifo(plan)
    else:
        plan.symlink_to("/dev/zero")
    result = shotkit("sync", str(project), "--plan", str(plan), "--database-url", sqlite_url, timeout=30)
    one_line_error(result.returncode, result.stderr, "cannot read plan", "not a regular file")
