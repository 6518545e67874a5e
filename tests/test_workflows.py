"""Every workflow, action and hook file parses, and every shotkit command and option it runs
exists in the command line (walked from the click tree, not from a list)."""

from __future__ import annotations

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
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
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


class FakeGitLab:
    """A local HTTP server standing in for GitLab's notes API, recording what it is asked."""

    def __init__(self, notes: list[dict]) -> None:
        import http.server
        import json
        import threading

        requests: list[tuple[str, str, dict | None]] = []
        self.requests = requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def _reply(self, document: object) -> None:
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                requests.append(("GET", self.path, None))
                self._reply({"id": 1} if self.path.endswith("/user") else notes)

            def _write(self) -> None:
                length = int(self.headers["Content-Length"])
                requests.append((self.command, self.path, json.loads(self.rfile.read(length))))
                self._reply({"id": 99})

            do_PUT = do_POST = _write

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def run(self, tmp_path: Path) -> int:
        import os
        import subprocess
        import sys

        (tmp_path / "plan.md").write_text("<!-- shotkit-plan -->\nnew plan\n")
        env = {
            **os.environ,
            "CI_API_V4_URL": f"http://127.0.0.1:{self.server.server_address[1]}/api/v4",
            "CI_PROJECT_ID": "3",
            "CI_MERGE_REQUEST_IID": "4",
            "SHOTKIT_GITLAB_TOKEN": "t",
            "no_proxy": "127.0.0.1",
            "NO_PROXY": "127.0.0.1",
        }
        result = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "gitlab" / "post_note.py"), str(tmp_path / "plan.md")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.server.shutdown()
        self.server.server_close()  # its listening socket, else a ResourceWarning
        return result.returncode


def test_gitlab_note_is_edited_in_place(tmp_path: Path) -> None:
    gitlab = FakeGitLab(
        [
            {"id": 5, "body": "lgtm", "author": {"id": 2}},
            {"id": 6, "body": "<!-- shotkit-plan --> pasted by someone", "author": {"id": 2}},
            {"id": 7, "body": "<!-- shotkit-plan -->\nold plan", "author": {"id": 1}},
        ]
    )
    assert gitlab.run(tmp_path) == 0
    assert gitlab.requests[-1] == (
        "PUT",
        "/api/v4/projects/3/merge_requests/4/notes/7",
        {"body": "<!-- shotkit-plan -->\nnew plan\n"},
    )


def test_gitlab_note_is_created_once(tmp_path: Path) -> None:
    gitlab = FakeGitLab([{"id": 6, "body": "<!-- shotkit-plan --> pasted by someone", "author": {"id": 2}}])
    assert gitlab.run(tmp_path) == 0
    assert gitlab.requests[-1] == (
        "POST",
        "/api/v4/projects/3/merge_requests/4/notes",
        {"body": "<!-- shotkit-plan -->\nnew plan\n"},
    )
