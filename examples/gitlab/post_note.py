"""Post a shotkit plan as one merge-request note, edited in place on later pipelines.

Usage (in a merge-request pipeline): python3 post_note.py plan.md
Needs SHOTKIT_GITLAB_TOKEN (a project access token with `api` scope); the other variables are
GitLab's predefined ones. Only the standard library, so any Python image runs it.
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request

MARKER = "<!-- shotkit-plan -->"


def call(method: str, url: str, body: dict | None = None) -> object:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"PRIVATE-TOKEN": os.environ["SHOTKIT_GITLAB_TOKEN"], "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main(path: str) -> None:
    body = open(path, encoding="utf-8").read()
    notes = (f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}"
             f"/merge_requests/{os.environ['CI_MERGE_REQUEST_IID']}/notes")
    me = call("GET", f"{os.environ['CI_API_V4_URL']}/user")["id"]  # type: ignore[index]
    # Only a note this token wrote: anyone can paste the marker into a note of their own.
    mine = [n for n in call("GET", notes + "?per_page=100&sort=asc") if MARKER in n["body"] and n["author"]["id"] == me]  # type: ignore[union-attr]
    if mine:
        call("PUT", f"{notes}/{mine[0]['id']}", {"body": body})
    else:
        call("POST", notes, {"body": body})


if __name__ == "__main__":
    main(sys.argv[1])
