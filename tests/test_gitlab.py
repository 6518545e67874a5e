"""examples/gitlab/shotkit_gitlab.py against a local fake of GitLab's API (no network): the
plan note found on any page, the reviewed plan fetched for the merge and applied, the drift
issue opened, updated and closed."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import ROOT, shotkit, upgraded

SCRIPT = ROOT / "examples" / "gitlab" / "shotkit_gitlab.py"
CI_FILE = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
ME = 1


class FakeGitLab:
    """GitLab's REST API as far as the script uses it: GET lists are paged like GitLab's
    (per_page, page, X-Next-Page); writes are recorded and answered."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = {"/api/v4/user": {"id": ME}, **routes}
        self.requests: list[tuple[str, str, Any]] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, body: bytes, headers: dict[str, str], status: int = 200) -> None:
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.requests.append(("GET", self.path, None))
                found = fake.routes.get(parts.path)
                if found is None:
                    self._send(b'{"message": "404 Not Found"}', {}, 404)
                elif isinstance(found, bytes):
                    self._send(found, {"Content-Type": "application/octet-stream"})
                elif isinstance(found, list):
                    self._send(*fake.page(found, parse_qs(parts.query)))
                else:
                    self._send(json.dumps(found).encode(), {"Content-Type": "application/json"})

            def _write(self) -> None:
                length = int(self.headers["Content-Length"])
                fake.requests.append((self.command, self.path, json.loads(self.rfile.read(length))))
                self._send(b'{"id": 99}', {"Content-Type": "application/json"})

            do_PUT = do_POST = _write

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    @staticmethod
    def page(items: list[Any], query: dict[str, list[str]]) -> tuple[bytes, dict[str, str]]:
        size = min(int(query.get("per_page", ["20"])[0]), 100)
        number = int(query.get("page", ["1"])[0])
        chunk = items[(number - 1) * size : number * size]
        more = number * size < len(items)
        return json.dumps(chunk).encode(), {
            "Content-Type": "application/json",
            "X-Next-Page": str(number + 1) if more else "",
        }

    def run(self, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "CI_API_V4_URL": f"http://127.0.0.1:{self.server.server_address[1]}/api/v4",
            "CI_PROJECT_ID": "3",
            "CI_MERGE_REQUEST_IID": "4",
            "CI_DEFAULT_BRANCH": "main",
            "CI_PIPELINE_URL": "https://gitlab.example/p/-/pipelines/8",
            "SHOTKIT_GITLAB_TOKEN": "t",
            "no_proxy": "127.0.0.1",
            "NO_PROXY": "127.0.0.1",
            **env,
        }
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            check=False,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )

    def writes(self) -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] != "GET"]


@pytest.fixture
def gitlab() -> Iterator[Any]:
    made: list[FakeGitLab] = []

    def make(routes: dict[str, Any]) -> FakeGitLab:
        made.append(FakeGitLab(routes))
        return made[-1]

    yield make
    for fake in made:
        fake.server.shutdown()
        fake.server.server_close()


NOTES = "/api/v4/projects/3/merge_requests/4/notes"
PLAN = "<!-- shotkit-plan -->\nnew plan\n"


def others(count: int) -> list[dict[str, Any]]:
    return [{"id": 1000 + i, "body": f"comment {i}", "author": {"id": 2}} for i in range(count)]


def test_the_note_on_the_third_page_is_edited_in_place(gitlab: Any, tmp_path: Path) -> None:
    """A busy merge request: 250 notes before shotkit's; only reading the first page would
    post a second plan note on every push."""
    notes = [
        *others(120),
        {"id": 6, "body": "<!-- shotkit-plan --> pasted by someone", "author": {"id": 2}},
        *others(130),
        {"id": 7, "body": "<!-- shotkit-plan -->\nold plan", "author": {"id": ME}},
    ]
    fake = gitlab({NOTES: notes})
    (tmp_path / "plan.md").write_text(PLAN)
    result = fake.run(tmp_path, "note", "plan.md")
    assert result.returncode == 0, result.stderr
    assert fake.writes() == [("PUT", f"{NOTES}/7", {"body": PLAN})]
    pages = [
        parse_qs(urlsplit(path).query)["page"]
        for method, path, _ in fake.requests
        if method == "GET" and NOTES in path
    ]
    assert pages == [["1"], ["2"], ["3"]]


def test_the_note_is_created_once(gitlab: Any, tmp_path: Path) -> None:
    notes = [*others(150), {"id": 6, "body": "<!-- shotkit-plan --> pasted", "author": {"id": 2}}]
    fake = gitlab({NOTES: notes})
    (tmp_path / "plan.md").write_text(PLAN)
    assert fake.run(tmp_path, "note", "plan.md").returncode == 0
    assert fake.writes() == [("POST", NOTES, {"body": PLAN})]


ISSUES = "/api/v4/projects/3/issues"


def drift_issue(iid: int, author: int) -> dict[str, Any]:
    return {"iid": iid, "author": {"id": author}, "labels": ["shotkit-drift"]}


def test_drift_opens_an_issue(gitlab: Any, tmp_path: Path) -> None:
    fake = gitlab({ISSUES: [drift_issue(5, author=2)]})  # someone else's: not shotkit's issue
    (tmp_path / "drift.md").write_text("the plan\n")
    assert fake.run(tmp_path, "drift", "drift.md", "2").returncode == 0
    [(method, path, body)] = fake.writes()
    assert (method, path) == ("POST", ISSUES)
    assert body["labels"] == "shotkit-drift" and body["description"] == "the plan\n"
    listed = [p for m, p, _ in fake.requests if urlsplit(p).path == ISSUES]
    assert parse_qs(urlsplit(listed[0]).query)["state"] == ["opened"]


def test_drift_updates_the_open_issue_found_on_a_later_page(gitlab: Any, tmp_path: Path) -> None:
    issues = [drift_issue(100 + i, author=2) for i in range(100)] + [drift_issue(9, author=ME)]
    fake = gitlab({ISSUES: issues})
    (tmp_path / "drift.md").write_text("still\n")
    assert fake.run(tmp_path, "drift", "drift.md", "2").returncode == 0
    assert fake.writes() == [
        ("PUT", f"{ISSUES}/9", {"description": "still\n"}),
        ("POST", f"{ISSUES}/9/notes", {"body": "Still drifting: https://gitlab.example/p/-/pipelines/8"}),
    ]


def test_no_drift_closes_the_issue_and_an_error_is_no_check(gitlab: Any, tmp_path: Path) -> None:
    fake = gitlab({ISSUES: [drift_issue(9, author=ME)]})
    (tmp_path / "drift.md").write_text("No changes.\n")
    assert fake.run(tmp_path, "drift", "drift.md", "0").returncode == 0
    assert fake.writes()[-1] == ("PUT", f"{ISSUES}/9", {"state_event": "close"})
    result = fake.run(tmp_path, "drift", "drift.md", "1")
    assert result.returncode == 1 and "exit code 1" in result.stderr
    assert len(fake.writes()) == 2  # the failed plan touched no issue


def merge_routes(plan: bytes, *, job_status: str = "success") -> dict[str, Any]:
    project = "/api/v4/projects/3"
    return {
        f"{project}/repository/commits/abc123/merge_requests": [
            {"iid": 11, "state": "closed", "target_branch": "main", "sha": "old"},
            {"iid": 12, "state": "merged", "target_branch": "main", "sha": "head2"},
        ],
        f"{project}/repository/commits/def456/merge_requests": [],  # pushed straight to main
        f"{project}/merge_requests/12/pipelines": [
            {"id": 40, "sha": "head1", "ref": "refs/merge-requests/12/head"},
            {"id": 41, "sha": "head2", "ref": "refs/merge-requests/12/head"},
        ],
        f"{project}/pipelines/41/jobs": [
            {"id": 70, "name": "validate", "status": "success"},
            {"id": 71, "name": "plan", "status": job_status},
        ],
        f"{project}/jobs/71/artifacts/plan.json": plan,
    }


def test_the_merge_applies_the_plan_reviewed_on_the_merge_request(
    gitlab: Any, tmp_path: Path, sqlite_url: str
) -> None:
    import shutil

    project = tmp_path / "demo"
    shutil.copytree(ROOT / "manifests", project)
    upgraded(sqlite_url, tmp_path)
    made = shotkit(
        "plan", ".", "--database-url", sqlite_url, "--out", str(tmp_path / "made.json"), cwd=project
    )
    assert made.returncode == 0, made.stderr
    fake = gitlab(merge_routes((tmp_path / "made.json").read_bytes()))
    result = fake.run(project, "reviewed-plan", "reviewed.json", CI_COMMIT_SHA="abc123")
    assert result.returncode == 0, result.stderr
    assert "!12" in result.stdout and "pipeline 41" in result.stdout
    assert (project / "reviewed.json").read_bytes() == (tmp_path / "made.json").read_bytes()
    synced = shotkit("sync", ".", "--database-url", sqlite_url, "--plan", "reviewed.json", cwd=project)
    assert synced.returncode == 0, synced.stderr
    again = shotkit("sync", ".", "--database-url", sqlite_url, "--plan", "reviewed.json", cwd=project)
    assert again.returncode == 1 and "stale plan" in again.stderr  # applied once, never twice


@pytest.mark.parametrize(
    ("sha", "job_status", "message"),
    [
        ("def456", "success", "came from no merged merge request"),
        ("abc123", "failed", "did not succeed"),
    ],
)
def test_the_merge_refuses_without_a_reviewed_plan(
    gitlab: Any, tmp_path: Path, sha: str, job_status: str, message: str
) -> None:
    fake = gitlab(merge_routes(b"{}", job_status=job_status))
    result = fake.run(tmp_path, "reviewed-plan", "reviewed.json", CI_COMMIT_SHA=sha)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "reviewed.json").exists()


def test_the_ci_file_says_to_copy_what_it_runs() -> None:
    """Every script the CI file runs from the repository ships in examples/gitlab/, and both
    the CI file and docs/workflow.md tell users to copy it there."""
    text = CI_FILE.read_text()
    docs = (ROOT / "docs" / "workflow.md").read_text()
    run = set(re.findall(r"python3 (\.gitlab/[\w.]+)", text))
    assert run == {".gitlab/shotkit_gitlab.py"}
    for path in run:
        name = Path(path).name
        assert (ROOT / "examples" / "gitlab" / name).is_file()
        assert f"as `{path}`" in text and path in docs and f"examples/gitlab/{name}" in docs


def test_a_missing_variable_or_an_answer_that_is_not_json_is_one_line(gitlab: Any, tmp_path: Path) -> None:
    """SHOTKIT_GITLAB_TOKEN not set (forgotten, or protected and so not given to a merge
    request's pipeline) and a URL that is not GitLab's API are the user's mistakes: one
    `error:` line naming them, never a traceback."""
    fake = gitlab({NOTES: [], "/api/v4/html/user": b"<html>sign in</html>"})
    (tmp_path / "plan.md").write_text(PLAN)
    result = fake.run(tmp_path, "note", "plan.md", SHOTKIT_GITLAB_TOKEN="")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: the variable SHOTKIT_GITLAB_TOKEN is not set"), result.stderr
    result = fake.run(tmp_path, "note", "plan.md", CI_MERGE_REQUEST_IID="")
    assert result.returncode == 1 and "CI_MERGE_REQUEST_IID is not set" in result.stderr, result.stderr
    url = f"http://127.0.0.1:{fake.server.server_address[1]}/api/v4/html"
    result = fake.run(tmp_path, "note", "plan.md", CI_API_V4_URL=url)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "the answer is not JSON" in result.stderr
    assert fake.writes() == []
