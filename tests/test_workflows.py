"""Every workflow, action and hook file parses, and every shotkit command and option it runs
exists in the command line (walked from the click tree, not from a list)."""
from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any, Iterator

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
            elif key == "with" and isinstance(value, dict) and "command" in value and "shotkit" in str(node.get("uses", "")):
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
            for arg in tokens[start + 1:]:
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
            known = {opt for p in command.params for opt in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))} | {"--help", "-h"}
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
    assert list(invocations('x=$(shotkit plan --format json | jq .) && shotkit sync --plan p.json > out')) == [["plan", "--format", "json"], ["sync", "--plan", "p.json"]]


def test_every_github_workflow_has_jobs_with_steps() -> None:
    for path in (ROOT / "examples" / "github").glob("*.yml"):
        document = yaml.safe_load(path.read_text())
        assert document["jobs"] and all(job["steps"] for job in document["jobs"].values()), path.name
        assert True in document or "on" in document  # PyYAML reads the key `on` as True
