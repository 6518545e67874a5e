"""`shotkit review`: the site, opened in a real Chromium (Debian's `chromium`) by Playwright.

Nothing is mocked: the CLI writes the site into a temporary directory and the browser opens
its files. In CI (CI=true) a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shotkit.cli import main
from shotkit.review import page_name

from .conftest import ROOT

HERE = Path(__file__).resolve().parent / "review"
CHROMIUM = os.environ.get("SHOTKIT_TEST_CHROMIUM", "/usr/bin/chromium")


def build(paths: list[Path], out: Path, capsys: pytest.CaptureFixture) -> Path:
    code = main(["review", *map(str, paths), "--out", str(out)])
    _, err = capsys.readouterr()
    assert code == 0, err
    return out


def shot_page(site: Path, key: str) -> Path:
    """The page of shot `key`, found through the production page's link (not by guessing)."""
    html = (site / "index.html").read_text()
    found = re.search(
        r'<li class="shot" data-shot="' + re.escape(key) + r'".*?<h3><a href="([^"]+)"', html, re.S
    )
    assert found, key
    return site / found.group(1)


# --- the browser ---------------------------------------------------------------------------


@pytest.fixture(
    scope="module"
)  # not longer: Playwright's event loop must be gone before other tests use asyncio
def browser() -> Iterator[Any]:
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        problem = f"playwright is not installed ({err})"
    if problem is None and not os.access(CHROMIUM, os.X_OK):
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"the browser tests need Chromium in CI: {problem}")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


class Watched:
    """A page with what it logged, asked for and popped up recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        return self.page


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context()
    context.route(
        re.compile(r"^https?://img\.example\.com/"),
        lambda route: route.fulfill(body=PNG, content_type="image/png"),
    )
    yield Watched(context.new_page())
    context.close()


def _png() -> bytes:
    """A 1x1 grey PNG, so image requests in the tests get a real image and log no error."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", bytes.fromhex("00000001000000010800000000"))
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


PNG = _png()


def texts(page: Any, selector: str) -> list[str]:
    """The text of each match, as written (not as CSS capitalises it)."""
    return [t.strip() for t in page.locator(selector).all_text_contents()]


def cells(page: Any, rows: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        rows, "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def attributes(page: Any, selector: str, name: str) -> list[str | None]:
    return page.eval_on_selector_all(selector, f"els => els.map(e => e.getAttribute({name!r}))")


def alternatives_are_given(page: Any) -> None:
    """Every image and video has a text alternative."""
    assert all(alt and alt.strip() for alt in attributes(page, "img", "alt"))
    assert all(label and label.strip() for label in attributes(page, "video, audio", "aria-label"))


# --- the demo production ---------------------------------------------------------------------


@pytest.fixture
def demo(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    return build([ROOT / "manifests"], tmp_path / "site", capsys)


def test_demo_production_page(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "index.html")
    assert attributes(page, "li.shot", "data-shot") == ["03A"]
    assert attributes(page, "li.shot", "data-status") == ["selected"]
    assert texts(page, "li.shot .chip") == ["Hero", "Villain"]
    assert page.locator("li.shot video").get_attribute("src") == "https://cdn.example.com/take2.mp4"
    assert texts(page, "table.totals tfoot td") == ["1.00", "1.00"]
    assert texts(page, "table.matrix tbody th") == ["Hero", "Villain"]
    alternatives_are_given(page)
    assert watched.errors == []
    assert all(url.startswith("file://") for url in watched.requests), watched.requests  # no network


def test_demo_shot_page(watched: Watched, demo: Path) -> None:
    page = watched.open(shot_page(demo, "03A"))
    assert page.locator("h1").inner_text() == "Scene 3 - Confrontation"
    assert attributes(page, "article.take", "data-attempt") == ["1", "2"]
    assert attributes(page, "article.take", "data-selected") == ["false", "true"]
    selected = page.locator("article.take.selected")
    assert selected.count() == 1 and texts(page, "article.take.selected .badge") == ["★ Selected"]
    assert "Perfect! Lighting and timing are excellent" in selected.inner_text()
    assert texts(page, "article.take code") == [
        "shotkit select 03A 1 " + str(ROOT / "manifests"),
        "shotkit select 03A 2 " + str(ROOT / "manifests"),
    ]
    # The audio timeline: bottom layer first, drawn top to bottom in that order.
    assert texts(page, ".layer .layer-name") == [
        "Tension music",
        "Ambient rain",
        "Why did you betray us?",
        "You were too weak!",
    ]
    assert attributes(page, ".layer", "data-position") == ["1", "2", "3", "4"]
    tops = [
        box["y"]
        for box in page.eval_on_selector_all(
            ".layer", "els => els.map(e => e.getBoundingClientRect().toJSON())"
        )
    ]
    assert tops == sorted(tops) and len(set(tops)) == 4
    assert "volume 0.4" in page.locator(".layer[data-layer=rain-fx]").inner_text()
    # Tension music is 8 s of an 8.1 s shot; the others have no length and run to the end.
    assert (
        page.locator(".layer[data-layer=tension-music] .bar")
        .get_attribute("style")
        .startswith("left: 0.0%; width: 98.765%")
    )
    assert page.locator(".bar.open").count() == 3
    assert texts(page, ".script figcaption") == ["Dialogue script dialogue", "Blocking notes blocking"]
    alternatives_are_given(page)
    assert watched.errors == []
    assert all(url.startswith("file://") for url in watched.requests), watched.requests


def test_keyboard_navigation(watched: Watched, demo: Path) -> None:
    page = watched.open(demo / "index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(20):  # from the main content, Tab reaches the shot's link ...
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('li.shot h3 a')"):
            break
    else:
        pytest.fail("Tab never reached the shot's link")
    assert page.evaluate("document.activeElement.textContent") == "03A Scene 3 - Confrontation"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # ... and Enter opens the shot page
    assert page.url == shot_page(demo, "03A").as_uri()
    focusable = page.eval_on_selector_all(
        "article.take video", "els => els.map(e => e.tabIndex >= 0 && e.controls)"
    )
    assert focusable == [True, True]
    assert watched.errors == []


# --- a production of several shots -------------------------------------------------------------


@pytest.fixture
def production(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    return build([HERE / "production"], tmp_path / "site", capsys)


def test_shots_in_manifest_order_with_status(watched: Watched, production: Path) -> None:
    page = watched.open(production / "index.html")
    assert attributes(page, "li.shot", "data-shot") == ["10", "2", "01"]
    assert texts(page, "li.shot .badge") == ["selected", "no selection", "no takes"]
    assert page.locator("li.shot video").count() == 1
    assert cells(page, "table.totals tbody tr") == [
        ["minimax", "1.00"],
        ["runway", "1.25"],
        ["minimax/video-01", "1.00"],
        ["runway/gen-3", "1.25"],
    ]
    assert cells(page, "table.matrix tbody tr") == [["Mara", "✓", "✓", "", "2"], ["Tom", "", "✓", "✓", "2"]]
    page.get_by_role("link", name="10 Storm over the lighthouse").click()
    assert texts(page, ".layer .layer-name") == ["Sea swell", "Main theme", "Who's there?"]
    assert (
        page.locator(".layer[data-layer=theme] .bar").get_attribute("style")
        == "left: 8.333%; width: 50.0%; opacity: 0.6"
    )
    assert (
        page.get_by_alt_text("Reference image of Mara").get_attribute("src")
        == "https://img.example.com/mara.png"
    )
    alternatives_are_given(page)
    page.get_by_role("link", name="Next shot →").click()
    assert page.locator("h1").inner_text() == "Mara climbs the stairs"
    assert page.locator("article.take.selected").count() == 0
    assert watched.errors == []


def test_pages_need_no_javascript(browser: Any, production: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((production / "index.html").as_uri())
    assert attributes(page, "li.shot", "data-shot") == ["10", "2", "01"]
    page.get_by_role("link", name="2 Mara climbs the stairs").click()
    assert page.locator("h1").inner_text() == "Mara climbs the stairs"
    assert page.locator("article.take video").get_attribute("controls") is not None
    context.close()


# --- hostile manifests ---------------------------------------------------------------------

HOSTILE = "<script>window.__pwned=1</script>"


def test_hostile_text_is_shown_as_text_and_never_runs(
    watched: Watched, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    site = build([HERE / "hostile"], tmp_path / "site", capsys)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 4
    for path in pages:
        html = path.read_text()
        assert "<script" not in html.lower()
        page = watched.open(path)
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("window.__pwned") is None
        handlers = page.evaluate(
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
        )
        assert handlers == []
        for url in attributes(page, "[href]", "href") + attributes(page, "[src]", "src"):
            assert url and re.match(r"https?://|[a-z0-9-]+\.html$|\.\./|shots/|#main$", url), url
    page = watched.open(shot_page(site, "evil-shot"))
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator(".character-name").first.inner_text().startswith(HOSTILE)
    assert "</pre>" + HOSTILE in page.locator(".script pre").inner_text()
    assert (
        page.locator("video").count() == 0
        and page.locator("audio").count() == 0
        and page.locator("img").count() == 0
    )
    assert texts(page, ".novideo") == ["Video URL is not http(s): not shown"] * 2
    assert (
        page.locator(".layer .layer-facts").inner_text().startswith('music" style="x')
    )  # offset "<b>" and volume "loud" are ignored
    assert watched.dialogs == [] and page.evaluate("window.__pwned") is None


def test_page_names_are_safe_and_distinct(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert re.fullmatch(r"shots/etc-passwd-[0-9a-f]{10}\.html", page_name("w", "../../etc/passwd"))
    assert page_name("w", "Case.Twin") != page_name("w", "case.twin") != page_name("v", "case.twin")
    site = build([HERE / "hostile"], tmp_path / "site", capsys)
    names = sorted(p.name for p in (site / "shots").iterdir())
    assert len(names) == 3 and all(
        re.fullmatch(r"(evil-shot|case-twin)-[0-9a-f]{10}\.html", n) for n in names
    )


# --- the output directory ---------------------------------------------------------------------


def test_refuses_a_directory_that_is_not_a_site(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code = main(["review", str(ROOT / "manifests"), "--out", str(tmp_path)])
    _, err = capsys.readouterr()
    assert (
        code == 1
        and err.strip()
        == f"error: {tmp_path}: directory is not empty and holds no shotkit review site; pick a new or empty directory"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_rebuild_removes_pages_of_shots_that_are_gone(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    project = tmp_path / "project"
    shutil.copytree(HERE / "production", project)
    site = build([project], tmp_path / "site", capsys)
    assert len(list((site / "shots").iterdir())) == 3
    (project / "b-ending.yaml").unlink()
    build([project], site, capsys)
    assert len(list((site / "shots").iterdir())) == 2
    assert "Dawn" not in (site / "index.html").read_text()


def test_invalid_manifests_build_no_site(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(
        [
            "review",
            str(ROOT / "tests" / "manifests" / "invalid" / "references"),
            "--out",
            str(tmp_path / "site"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 1 and "unknown character_ref 'heroo'" in err
    assert not (tmp_path / "site").exists()


def test_review_is_documented() -> None:
    docs = (ROOT / "docs" / "commands.md").read_text() + (ROOT / "README.md").read_text()
    assert "shotkit review" in docs and "shotkit cut" in docs


@pytest.mark.parametrize("ci", ["true", ""])
def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(ci: str) -> None:
    env = {**os.environ, "CI": ci, "SHOTKIT_TEST_CHROMIUM": "/nonexistent/chromium"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-cov",
            f"{__file__}::test_demo_production_page",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if ci:
        assert (
            result.returncode == 1
            and "the browser tests need Chromium in CI: no Chromium at /nonexistent/chromium" in result.stdout
        )
    else:
        assert result.returncode == 0 and "1 skipped" in result.stdout
