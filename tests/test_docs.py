"""The documentation lives in the repository and covers the whole command line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from shotkit.cli import cli

from .conftest import ROOT

COMMANDS_MD = ROOT / "docs" / "commands.md"
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def walk(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command of the group, as `shotkit --help` lists them: through click's own
    `list_commands`/`get_command`, so a group that imports its commands lazily is walked too."""
    context = click.Context(group, info_name=prefix.strip() or "shotkit")
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, f"`shotkit {prefix}{name}` is listed but cannot be loaded"
        yield prefix + name, command
        if isinstance(command, click.Group):
            yield from walk(command, prefix + name + " ")


def options(command: click.Command) -> Iterator[str]:
    """Each option's longest spelling (`--format`, not `-f`); --help is click's own."""
    for param in command.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            yield max(param.opts + param.secondary_opts, key=len)


COMMANDS = list(walk(cli))
OPTIONS = [(name, option) for name, command in COMMANDS for option in options(command)]


def section(name: str) -> str:
    """The text of `## shotkit NAME` up to the next heading of the same level."""
    text = COMMANDS_MD.read_text(encoding="utf-8")
    match = re.search(rf"^## shotkit {re.escape(name)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"docs/commands.md has no `## shotkit {name}` section"
    return match.group(1)


def test_the_command_tree_is_walked() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"validate", "plan", "sync", "export", "db upgrade"} <= names
    assert ("plan", "--format") in OPTIONS


LEAVES = [name for name, command in COMMANDS if not isinstance(command, click.Group)]


@pytest.mark.parametrize("name", LEAVES)
def test_every_command_has_a_section(name: str) -> None:
    assert section(name).strip(), f"`## shotkit {name}` in docs/commands.md is empty"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_text(name: str, command: click.Command) -> None:
    assert command.get_short_help_str(limit=200).strip(), f"`shotkit {name}` has no help text (its docstring)"


def test_every_section_is_a_command() -> None:
    """The other way round: docs/commands.md documents no command the CLI does not have."""
    text = COMMANDS_MD.read_text(encoding="utf-8")
    documented = re.findall(r"^## shotkit (.+?)\s*$", text, re.M)
    assert sorted(documented) == sorted(LEAVES)


@pytest.mark.parametrize(("name", "option"), OPTIONS)
def test_every_option_is_documented_in_its_section(name: str, option: str) -> None:
    assert option in section(name), f"`shotkit {name} {option}` is not documented in docs/commands.md"


@pytest.mark.parametrize("option", list(options(cli)))
def test_global_options_are_documented(option: str) -> None:
    intro = COMMANDS_MD.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert option in intro, f"global option {option} is not documented at the top of docs/commands.md"


def heading_section(path: Path, heading: str) -> str:
    """The text under `heading` (a whole line) up to the next heading of the same level."""
    level = heading.split(" ", 1)[0]
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^{level} |\Z)", text, re.S | re.M)
    assert match, f"{path.name} has no `{heading}` section"
    return match.group(1)


def named(text: str) -> set[str]:
    """What a text names as `module`: lower-case words in backticks."""
    return set(re.findall(r"`([a-z_]+)`", text))


MODULES = {p.stem for p in (ROOT / "shotkit").glob("*.py")} - {"__init__", "__main__"}
MODULES |= {p.parent.name for p in (ROOT / "shotkit").glob("*/__init__.py")}
COMMAND_NAMES = {name for name, _ in COMMANDS}


def test_the_readme_layout_names_only_what_exists() -> None:
    names = named(heading_section(ROOT / "README.md", "## Layout"))
    assert names - MODULES - COMMAND_NAMES == set(), "README.md's layout names what shotkit/ does not have"


def test_contributing_maps_every_module_and_only_those() -> None:
    """CONTRIBUTING.md says where each stage lives: a module added, renamed or removed fails
    here until the map says so."""
    names = named(heading_section(ROOT / "CONTRIBUTING.md", "## Where each stage lives"))
    assert names - MODULES - COMMAND_NAMES == set(), "CONTRIBUTING.md names modules shotkit/ does not have"
    assert MODULES - names == set(), "modules CONTRIBUTING.md's 'Where each stage lives' does not place"


def markdown_files() -> list[Path]:
    return [
        ROOT / "README.md",
        ROOT / "CONTRIBUTING.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "examples").glob("**/*.md")),
    ]


def links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8")))


def test_links_are_found() -> None:
    assert "docs/README.md" in links(ROOT / "README.md")


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_link_leaves_the_repository(path: Path) -> None:
    for target in links(path):
        file = target.split("#", 1)[0]
        assert not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I), (
            f"{path.name}: {target} leaves the repository"
        )
        if not file:
            continue  # an anchor in the same page
        resolved = (path.parent / file).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} points outside the repository"
        assert resolved.exists(), f"{path.name}: {target} does not exist"
