"""Every workflow, action and hook file parses, and every shotkit command and option it runs
exists in the command line (walked from the click tree, not from a list)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from shotkit.cli import cli

from .conftest import ROOT

FILES = [
    ROOT / "action.yml",
    ROOT / ".pre-commit-hooks.yaml",
    *sorted((ROOT / "examples").rglob("*.yml")),
    *sorted((ROOT / "examples").rglob(".*.yml")),
    *sorted((ROOT / "shotkit" / "templates").glob("*.y*ml")),
]
FILES = sorted({p for p in FILES if p.name != "shots.yaml"})
SHELL_KEYS = {"run", "script", "before_script", "after_script", "entry"}
STOP = {"|", "||", "&&", ";", ">", ">>", "2>", "<", ")", "&"}


def shell_texts(node: Any) -> Iterator[str]:
    """The shell commands of a workflow/CI/hook file, and the action's `command:` inputs."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SHELL_KEYS:
                yield from ([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)])
            elif (
                key == "with"
                and isinstance(value, dict)
                and "command" in value
                and "shotkit" in str(node.get("uses", ""))
            ):
                yield "shotkit " + value["command"]
            else:
                yield from shell_texts(value)
        if "command" in node.get("inputs", {}):
            yield "shotkit " + node["inputs"]["command"]["default"]
    elif isinstance(node, list):
        for item in node:
            yield from shell_texts(item)


def invocations(text: str) -> Iterator[list[str]]:
    """Each `shotkit ...` command in a shell text, up to the next shell operator."""
    for line in text.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        for start, token in enumerate(tokens):
            if token != "shotkit":
                continue
            args = []
            for arg in tokens[start + 1 :]:
                if arg in STOP or arg.startswith((">", "|", "&", ";", ")", "<")):
                    break
                args.append(arg)
            yield args


def check(tokens: list[str]) -> list[str]:
    """Problems with one `shotkit ...` invocation; [] when every command and option exists."""
    command: click.Command = cli
    path = ["shotkit"]
    for token in tokens:
        if "$" in token:
            if isinstance(command, click.Group) and command is cli and len(path) == 1:
                return []  # `shotkit $COMMAND`: checked where COMMAND is defined
            continue
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            known = {
                opt
                for p in command.params
                for opt in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))
            } | {"--help", "-h"}
            if name not in known:
                return [f"`{' '.join(path)}` has no option {name}"]
        elif isinstance(command, click.Group):
            sub = command.commands.get(token)
            if sub is None:
                return [f"`{' '.join(path)}` has no command {token!r}"]
            command, path = sub, path + [token]
    if isinstance(command, click.Group):
        return [f"`{' '.join(path)}` names no command"]
    return []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflow_names_only_real_commands_and_options(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [tokens for text in shell_texts(document) for tokens in invocations(text)]
    assert found, f"{path.name}: no shotkit command found (is the parser still right?)"
    problems = [problem for tokens in found for problem in check(tokens)]
    assert problems == []


def test_the_checker_catches_mistakes() -> None:
    assert check(["plan", "--format", "markdown", "--detailed-exitcode"]) == []
    assert check(["plan", "--formt", "markdown"]) == ["`shotkit plan` has no option --formt"]
    assert check(["sink", "manifests"]) == ["`shotkit` has no command 'sink'"]
    assert check(["db", "upgrade", "--project", "."]) == []
    assert check(["db"]) == ["`shotkit db` names no command"]
    assert list(
        invocations("x=$(shotkit plan --format json | jq .) && shotkit sync --plan p.json > out")
    ) == [["plan", "--format", "json"], ["sync", "--plan", "p.json"]]


def test_every_github_workflow_has_jobs_with_steps() -> None:
    for path in (ROOT / "examples" / "github").glob("*.yml"):
        document = yaml.safe_load(path.read_text())
        assert document["jobs"] and all(job["steps"] for job in document["jobs"].values()), path.name
        assert True in document or "on" in document  # PyYAML reads the key `on` as True


def action_script() -> tuple[dict, str]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    return action, step["run"]


def run_action(
    tmp_path: Path, command: str, ok: str, database_url: str = ""
) -> tuple[int, dict[str, str], str]:
    """The action's run step, executed by bash as the runner would, with shotkit on PATH."""
    import os
    import subprocess
    import sys

    _, script = action_script()
    outputs = tmp_path / "outputs"
    outputs.write_text("")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "COMMAND": command,
        "PATHS": str(ROOT / "manifests"),
        "SHOTKIT_DATABASE_URL": database_url,
        "SECRET_NAME": "SHOTKIT_DATABASE_URL",
        "OK": ok,
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_RUN_ID": "1",
        "GITHUB_OUTPUT": str(outputs),
    }
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return result.returncode, values, result.stdout


def test_the_action_declares_its_inputs() -> None:
    action, _ = action_script()
    assert action["runs"]["using"] == "composite"
    assert {"command", "paths", "version", "database-url", "database-url-secret", "ok-exit-codes"} <= set(
        action["inputs"]
    )
    assert set(action["outputs"]) == {"exit-code", "output"}


def test_the_action_runs_a_command_and_reports_its_exit_code(tmp_path: Path) -> None:
    from .conftest import upgraded

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgraded(url, tmp_path)
    code, outputs, stdout = run_action(tmp_path, "plan --detailed-exitcode --format markdown", "0 2", url)
    assert code == 0 and outputs["exit-code"] == "2"
    assert (
        Path(outputs["output"]).read_text().startswith("<!-- shotkit-plan -->") and "shotkit plan" in stdout
    )
    code, outputs, _ = run_action(tmp_path, "plan --detailed-exitcode", "0", url)
    assert code == 2 and outputs["exit-code"] == "2"
    code, outputs, stdout = run_action(tmp_path, "validate --format github", "0")
    assert code == 0 and outputs["exit-code"] == "0"


# Packages a generated file may install by name from PyPI (each checked to be published
# there). shotkit is not: it is installed from a git repository or a checkout.
PUBLISHED = {"pre-commit", "ruamel.yaml", "py-spy", "pyinstrument"}
PIP_OPTIONS_WITH_VALUE = {"-r", "-c", "-i", "--index-url", "--extra-index-url", "-f", "--find-links"}


def pip_installs(text: str) -> Iterator[str]:
    """The requirements of each `pip install ...` (or `python -m pip install ...`) in a text,
    in comments and in Markdown's `code` too: a user copies those as well."""
    for line in text.replace("\\\n", " ").splitlines():
        spans = line.split("`")[1::2] if "`" in line else [line]
        for part in (piece for span in spans for piece in span.split(" #")):
            yield from _requirements(part)


def _requirements(command: str) -> Iterator[str]:
    try:
        tokens = shlex.split(command)
    except ValueError:
        return
    for start, token in enumerate(tokens[:-1]):
        if not (token == "pip" or token.endswith("/pip")) or tokens[start + 1] != "install":
            continue
        skip = False
        for arg in tokens[start + 2 :]:
            if arg in STOP or arg.startswith(("|", "&", ";", ">")):
                break
            if skip or arg.startswith("-"):
                skip = not skip and arg in PIP_OPTIONS_WITH_VALUE
                continue
            yield arg


def not_installable(requirement: str) -> str | None:
    """Why pip could not install this requirement today; None when it can."""
    if requirement.startswith((".", "/", "$GITHUB_ACTION_PATH")):
        return None  # a checkout
    _, _, url = requirement.partition("@")
    if url.strip().startswith(("git+https://", "git+$", "https://")):
        return None  # a direct reference: not looked up on PyPI
    bare = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    if bare.lower() in PUBLISHED:
        return None
    return f"`pip install {requirement}`: {bare} is not published on PyPI"


def install_problems(text: str) -> list[str]:
    return [p for r in pip_installs(text) if (p := not_installable(r))]


INSTALLING = [*FILES, *sorted((ROOT / "examples").rglob("*.md")), *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize(
    "path", [*INSTALLING, ROOT / "README.md"], ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_nothing_installs_a_package_that_does_not_exist(path: Path) -> None:
    assert install_problems(path.read_text(encoding="utf-8")) == []


def test_the_install_checker_catches_pypi_installs() -> None:
    assert install_problems('run: pip install "shotkit==0.1.0"') == [
        "`pip install shotkit==0.1.0`: shotkit is not published on PyPI"
    ]
    assert install_problems("python3 -m venv .venv && .venv/bin/pip install shotkit") != []
    assert install_problems("pip install 'shotkit[adapters]'") != []
    assert install_problems("python -m pip install -q --disable-pip-version-check shotkit") != []
    assert install_problems('pip install "shotkit @ git+$SHOTKIT_REPOSITORY@$SHOTKIT_REF" pre-commit') == []
    assert install_problems("pip install -e '.[test]' && pip install \"$GITHUB_ACTION_PATH\"") == []


def run_install_step(tmp_path: Path, version: str, action_repository: str) -> tuple[int, str, str]:
    """The action's install step run by bash, with a `python` on PATH that only records its
    arguments: what the step asks pip to install, without installing anything."""
    import os
    import subprocess

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Install shotkit")
    shim = tmp_path / "bin" / "python"
    shim.parent.mkdir(parents=True)
    shim.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD"\n')
    shim.chmod(0o755)
    env = {
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "RECORD": str(tmp_path / "args"),
        "VERSION": version,
        "ACTION_REPOSITORY": action_repository,
        "GITHUB_ACTION_PATH": "/home/runner/work/_actions/studio/shotkit/v1",
        "GITHUB_SERVER_URL": "https://github.com",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], check=False, env=env, capture_output=True, text=True, timeout=30
    )
    record = tmp_path / "args"
    return result.returncode, record.read_text() if record.exists() else "", result.stdout


def test_the_action_installs_its_checkout_or_a_git_ref_never_pypi(tmp_path: Path) -> None:
    code, args, _ = run_install_step(tmp_path / "a", "", "studio/shotkit")
    assert code == 0 and args.splitlines()[-1] == "/home/runner/work/_actions/studio/shotkit/v1"
    code, args, _ = run_install_step(tmp_path / "b", "v2.0.1", "studio/shotkit")
    requirement = args.splitlines()[-1]
    assert code == 0 and requirement == "shotkit @ git+https://github.com/studio/shotkit@v2.0.1"
    assert not_installable(requirement) is None
    code, args, stdout = run_install_step(tmp_path / "c", "v2.0.1", "")
    assert code == 1 and args == "" and "::error::version:" in stdout
