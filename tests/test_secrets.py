"""Canary passwords: given every way a URL can be given, to every command, they never reach
stdout or stderr, whatever fails (issue 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shotkit import redact
from shotkit.cli import main

from .conftest import make_url, shotkit

CANARY = "Zq8can@ryX"  # an unencoded '@', the form that used to leak half of it
PLAIN = "Zq8canaryX"
SPACED = "Zq8can ryX"
ENCODED = "Zq8can%40ryX"
FRAGMENTS = ("Zq8can", "ryX")

DB_COMMANDS = [
    ["plan", "{project}"],
    ["sync", "{project}"],
    ["sync", "{project}", "--plan", "{project}/plan.json"],
    ["export", "--out", "{project}"],
    ["db", "upgrade", "--project", "{project}"],
    ["db", "migrate-legacy", "--project", "{project}"],
]
FILE_COMMANDS = [["validate"], ["graph"], ["stats"], ["schema"], ["fmt", "--check"]]


def urls(port: int) -> list[str]:
    return [
        f"postgresql://shotkit:{PLAIN}@127.0.0.1:9/nowhere",  # connection refused
        f"postgresql://shotkit:{CANARY}@127.0.0.1:9/nowhere",  # unencoded '@'
        f"postgresql://shotkit:{SPACED}@127.0.0.1:bad/nowhere",  # a space and a bad port
        f"postgresql://shotkit:{SPACED}@127.0.0.1:9/nowhere",  # a space
        f"postgresql://shotkit:{ENCODED}@127.0.0.1:9/nowhere",  # encoded '@': decoded in messages?
        f"postgresql+psycopg://shotkit:{PLAIN}@[::1:bad/nowhere",  # unparsable
        f"postgresql+psycopg2://shotkit:{PLAIN}@127.0.0.1:9/nowhere",  # a driver that is not installed
        f"mysql://shotkit:{PLAIN}@127.0.0.1:9/nowhere",  # an unsupported database
        f"postgresql://postgres:{PLAIN}@127.0.0.1:{port}/no_such_database",  # the server answers: no such database
        f"postgresql://postgres:{PLAIN}@127.0.0.1:{port}/postgres",  # the server accepts (trust): the command runs
    ]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "a.yaml").write_text("shotkit: 1\nworkspace: w\ncharacters: {hero: {name: Hero}}\n")
    (tmp_path / "plan.json").write_text("{}")
    return tmp_path


def leaked(text: str) -> bool:
    return any(secret in text for secret in (CANARY, PLAIN, SPACED, ENCODED, *FRAGMENTS))


def run(capsys, monkeypatch, args: list[str], env_url: str | None) -> tuple[int, str]:
    redact.forget()  # each run must redact on its own, not from what an earlier run remembered
    if env_url is None:
        monkeypatch.delenv("SHOTKIT_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("SHOTKIT_DATABASE_URL", env_url)
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


def ways(command: list[str], url: str, has_option: bool) -> list[tuple[list[str], str | None]]:
    out: list[tuple[list[str], str | None]] = [
        (command + [url], None),
        (command, url),
    ]  # positional mistake, environment
    if has_option:
        out += [(command + ["--database-url", url], None), (command + [f"--database-url={url}"], None)]
    else:
        out += [(command + ["--database-url", url], None)]  # an option the command does not have
    return out


def test_no_canary_in_any_output(pg_server: str, workdir: Path, capsys, monkeypatch) -> None:
    port = make_url(pg_server).port
    runs = 0
    failures = []
    for url in urls(port):
        for template in DB_COMMANDS + FILE_COMMANDS:
            command = [part.format(project=workdir) for part in template]
            for args, env_url in ways(command, url, template in DB_COMMANDS):
                _code, output = run(capsys, monkeypatch, args, env_url)
                runs += 1
                if leaked(output) or "Traceback" in output or "internal error" in output:
                    failures.append((args, env_url, output))
    assert runs == 10 * (6 * 4 + 5 * 3)  # 390 runs
    assert not failures, failures[:3]


@pytest.mark.parametrize("template", DB_COMMANDS + FILE_COMMANDS, ids=lambda t: "-".join(t[:2]))
def test_no_canary_from_the_console_script(workdir: Path, template: list[str]) -> None:
    """Through a real process: what reaches the terminal, tracebacks included."""
    url = f"postgresql://shotkit:{CANARY}@127.0.0.1:9/nowhere"
    command = [part.format(project=workdir) for part in template]
    env = {**os.environ, "SHOTKIT_DATABASE_URL": f"postgresql://shotkit:{SPACED}@127.0.0.1:bad/x"}
    for args in (command, command + [url]):
        result = shotkit(*args, env=env, cwd=workdir, timeout=60)
        assert not leaked(result.stdout + result.stderr), (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr


def test_redact_patterns() -> None:
    redact.forget()
    assert redact.redact(f"postgresql:/u:{CANARY}@h/db") == "postgresql:/u:***@h/db"
    redact.remember(f"postgresql://u:{SPACED}@h:5432/db")
    assert redact.redact(f"failed for {SPACED}!") == "failed for ***!"
    redact.forget()
    assert redact.redact("no password here: user@host") == "no password here: user@host"
