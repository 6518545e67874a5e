"""shotkit's GitLab CI glue: the plan note, the reviewed plan for the merge, the drift issue.

Copy this file into your repository as `.gitlab/shotkit_gitlab.py` (the example
`.gitlab-ci.yml` runs it from there). Only the standard library, so any Python image runs it.

    python3 shotkit_gitlab.py note plan.md           # merge request: one note, edited in place
    python3 shotkit_gitlab.py reviewed-plan out.json # default branch: the plan reviewed on the MR
    python3 shotkit_gitlab.py drift drift.md CODE    # schedule: open/update (CODE 2) or close (0)

Needs SHOTKIT_GITLAB_TOKEN (a project access token with `api` scope, as a masked CI/CD
variable); the other variables are GitLab's predefined ones. Lists are read page by page
(GitLab returns at most 100 items a page).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

MARKER = "<!-- shotkit-plan -->"
DRIFT_LABEL = "shotkit-drift"
MAX_PAGES = 1000  # 100,000 items: a server that never stops paging is an error, not a hang


class Failure(Exception):
    """A one-line reason the job fails."""


def env(name: str) -> str:
    """A CI/CD variable the job needs; a missing one is a one-line failure naming it."""
    value = os.environ.get(name, "")
    if not value:
        hint = (
            " (set it as a masked CI/CD variable; a protected one is not given to merge-request"
            " pipelines of unprotected branches)"
            if name == "SHOTKIT_GITLAB_TOKEN"
            else " (GitLab sets it in the pipelines the example .gitlab-ci.yml runs this in)"
        )
        raise Failure(f"the variable {name} is not set{hint}")
    return value


def parse(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise Failure(f"{what}: the answer is not JSON (is CI_API_V4_URL GitLab's API?)") from None


def request(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[bytes, Any]:
    """One API call: (the response body, its headers)."""
    url = path if path.startswith("http") else f"{env('CI_API_V4_URL')}{path}"
    data = json.dumps(body).encode() if body is not None else None
    headers = {"PRIVATE-TOKEN": env("SHOTKIT_GITLAB_TOKEN"), "Content-Type": "application/json"}
    call = urllib.request.Request(url, method=method, data=data, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return response.read(), response.headers
    except urllib.error.HTTPError as error:  # the path names no secret: the token is a header
        raise Failure(f"{method} {path}: HTTP {error.code} {error.reason}") from None


def api(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return parse(request(method, path, body)[0], f"{method} {path}")


def every(path: str) -> list[Any]:
    """Every item of a list endpoint, following GitLab's X-Next-Page header."""
    items: list[Any] = []
    page = "1"
    for _ in range(MAX_PAGES):
        joiner = "&" if "?" in path else "?"
        raw, headers = request("GET", f"{path}{joiner}per_page=100&page={page}")
        page_items = parse(raw, f"GET {path}")
        if not isinstance(page_items, list):
            raise Failure(f"GET {path}: the answer is not a list")
        items.extend(page_items)
        page = (headers.get("X-Next-Page") or "").strip()
        if not page:
            return items
    raise Failure(f"{path}: more than {MAX_PAGES} pages")


def project() -> str:
    return f"/projects/{env('CI_PROJECT_ID')}"


def me() -> int:
    return int(api("GET", "/user")["id"])


def note(path: str) -> None:
    """The plan as ONE merge-request note: the note this token wrote with the marker is edited;
    anyone can paste the marker into a note of their own, so the author is checked too."""
    body = read(path)
    notes = f"{project()}/merge_requests/{env('CI_MERGE_REQUEST_IID')}/notes"
    user = me()
    mine = [n for n in every(f"{notes}?sort=asc") if MARKER in n["body"] and n["author"]["id"] == user]
    if mine:
        api("PUT", f"{notes}/{mine[0]['id']}", {"body": body})
    else:
        api("POST", notes, {"body": body})


def merged_request(sha: str) -> dict[str, Any]:
    """The merge request merged into the default branch as commit `sha`."""
    found = [
        mr
        for mr in every(f"{project()}/repository/commits/{sha}/merge_requests")
        if mr["state"] == "merged" and mr["target_branch"] == env("CI_DEFAULT_BRANCH")
    ]
    if not found:
        raise Failure(
            f"{sha} came from no merged merge request: nothing was reviewed; "
            "run a pipeline by hand (Build > Pipelines > Run pipeline) to sync the default branch as it is"
        )
    return dict(found[0])


def reviewed_plan(out: str) -> None:
    """The plan.json the `plan` job saved on the merge request's last pipeline: the plan
    reviewers saw. `shotkit sync --plan` refuses it if the database changed since."""
    mr = merged_request(env("CI_COMMIT_SHA"))
    pipelines = every(f"{project()}/merge_requests/{mr['iid']}/pipelines")
    if not pipelines:
        raise Failure(f"merge request !{mr['iid']} has no pipeline: no plan was reviewed")
    last = max(pipelines, key=lambda p: int(p["id"]))
    if last["sha"] != mr["sha"] and not str(last.get("ref", "")).endswith("/merge"):
        raise Failure(
            f"the last pipeline of !{mr['iid']} is not of its merged head: its plan was not reviewed"
        )
    jobs = [j for j in every(f"{project()}/pipelines/{last['id']}/jobs") if j["name"] == "plan"]
    if not jobs or jobs[0]["status"] != "success":
        raise Failure(
            f"the plan job of pipeline {last['id']} (!{mr['iid']}) did not succeed: no reviewed plan"
        )
    raw, _ = request("GET", f"{project()}/jobs/{jobs[0]['id']}/artifacts/plan.json")
    with open(out, "wb") as handle:
        handle.write(raw)
    print(f"the plan reviewed on !{mr['iid']} (pipeline {last['id']}) is in {out}")


def drift(path: str, code: str) -> None:
    """Exit code 2 of `plan --detailed-exitcode`: open the drift issue, or update the open one;
    0: close it. Only issues this token opened count (anyone can add the label)."""
    issues = f"{project()}/issues"
    user = me()
    mine = [i for i in every(f"{issues}?labels={DRIFT_LABEL}&state=opened") if i["author"]["id"] == user]
    pipeline = os.environ.get("CI_PIPELINE_URL", "this pipeline")
    if code == "2":
        body = read(path)
        if mine:
            api("PUT", f"{issues}/{mine[0]['iid']}", {"description": body})
            api("POST", f"{issues}/{mine[0]['iid']}/notes", {"body": f"Still drifting: {pipeline}"})
        else:
            title = "shotkit: the database drifted from the default branch"
            api("POST", issues, {"title": title, "labels": DRIFT_LABEL, "description": body})
    elif code == "0":
        for issue in mine:
            api("POST", f"{issues}/{issue['iid']}/notes", {"body": f"No drift: {pipeline}"})
            api("PUT", f"{issues}/{issue['iid']}", {"state_event": "close"})
    else:
        raise Failure(f"shotkit plan failed with exit code {code}: no drift check")


def read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def main(argv: list[str]) -> int:
    commands = {"note": (note, 1), "reviewed-plan": (reviewed_plan, 1), "drift": (drift, 2)}
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    function, _ = commands[argv[0]]
    try:
        function(*argv[1:])
    except (Failure, OSError) as error:  # urllib's HTTPError is an OSError
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
