"""The fixtures of the browser, validity and accessibility tests.

A pytest plugin: the test modules that need it load it with
``pytest_plugins = ["browser_fixtures"]``, so that its session fixtures
exist once per run whichever of those modules run, and no other test pays
for them. The helpers they use live in browser_support.py.

* ``flattr_sites``: the sample site built once per button style (``plain``,
  ``js``, ``compact``) and once without the plugin (``none``), all under one
  temporary root served by a real HTTP server on 127.0.0.1.
* ``chromium``: Debian's Chromium, headless, driven by Playwright, with the
  launch flags of issue 7 and a fresh user-data directory. Module scoped:
  Playwright's sync API runs an event loop of its own, which should not
  outlive the modules that use it.
* ``browser_page``: opens pages in it that are closed after the test.
* ``axe_core_js``: axe-core's ``axe.min.js`` from the npm registry,
  installed on first use into ``.cache/node/``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_support import (
    STYLES,
    OpenedPage,
    Sites,
    SiteServer,
    assert_no_plugin_output,
    browser_extra,
    install_axe_core,
    launch_chromium,
    open_page,
)


@pytest.fixture(scope="session")
def flattr_sites(tmp_path_factory) -> Iterator[Sites]:
    """The sample site in each button style, and without the plugin."""
    from conftest import build_sample_site

    root = tmp_path_factory.mktemp("flattr-sites")
    for style in STYLES:
        build_sample_site(root / style, FLATTR_BUTTON=style)
    assert_no_plugin_output(build_sample_site(root / "none", PLUGINS=[]))
    with SiteServer(root) as server:
        yield Sites(root, server)


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium browser context with a fresh user-data directory,
    that never reaches a host other than the local server."""
    sync_playwright = browser_extra("playwright.sync_api").sync_playwright
    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        sync_playwright() as playwright,
    ):
        context = launch_chromium(playwright, Path(profile))
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def browser_page(chromium) -> Iterator[Callable[..., OpenedPage]]:
    """``browser_page(url, **options)`` opens a page (see open_page)."""
    opened: list[OpenedPage] = []

    def _open(url: str | None = None, **options) -> OpenedPage:
        result = open_page(chromium, url, **options)
        opened.append(result)
        return result

    yield _open
    for result in opened:
        if not result.page.is_closed():
            result.page.close()


@pytest.fixture(scope="session")
def axe_core_js() -> Path:
    return install_axe_core()
