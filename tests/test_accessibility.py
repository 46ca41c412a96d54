"""axe-core in Chromium, on an article page of each button style.

axe-core (npm, major version 4) is injected into the page and run on the
whole document. Pelican's theme may have violations of its own, so each
page is compared with the same page of the site built without the plugin:
the plugin must add no violation of serious or critical impact, and none
may involve the plugin's own elements. For ``js`` and ``compact`` the page
runs the stand-in load.js, so the check sees the iframes readers would get.

Deliberately broken variants of the plain button are fed to the same check
and expected to fail.
"""

from __future__ import annotations

import re

import pytest
from browser_support import ARTICLE, BROKEN_MARK

pytest_plugins = ["browser_fixtures"]
pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}
PLUGIN_ELEMENTS = ".flattr-button, .FlattrButton, .flattr-injected, .entry__support"

AXE_RUN = """async (pluginSelector) => {
    const result = await axe.run(document, {
        resultTypes: ['violations'],
        // The iframes' content is Flattr's (here: the stand-in's), not ours.
        iframes: false,
        elementRef: true,
    });
    return result.violations.flatMap((violation) => violation.nodes.map((node) => {
        const element = node.element;
        return {
            id: violation.id,
            impact: node.impact || violation.impact,
            help: violation.help,
            html: node.html,
            target: node.target.join(' '),
            plugin: Boolean(element && (element.matches(pluginSelector)
                || element.closest(pluginSelector)
                || element.querySelector(pluginSelector))),
        };
    }));
}"""


def axe_violations(opened, axe_js) -> list[dict]:
    """Serious and critical violations (one entry per element) on the page."""
    opened.page.add_script_tag(path=str(axe_js))
    found = opened.page.evaluate(AXE_RUN, PLUGIN_ELEMENTS)
    return [v for v in found if v["impact"] in SERIOUS]


def added_violations(page_violations: list[dict], baseline: list[dict]) -> list[str]:
    """Violations the plugin added: absent from the page without the plugin,
    or on the plugin's own elements."""
    before = {(v["id"], v["html"]) for v in baseline}
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['target']}: {v['html'][:160]}"
        for v in page_violations
        if v["plugin"] or (v["id"], v["html"]) not in before
    ]


def check_page(flattr_sites, browser_page, axe_js, style, path, color_scheme):
    relative = path.relative_to(flattr_sites.output(style))
    baseline_path = flattr_sites.output("none") / re.sub(
        re.escape(BROKEN_MARK) + r"[^.]*", "", relative.as_posix()
    )
    opened = browser_page(
        flattr_sites.url_of_file(path),
        color_scheme=color_scheme,
        wait_for_loader=style != "plain",
    )
    baseline = browser_page(
        flattr_sites.url_of_file(baseline_path), color_scheme=color_scheme
    )
    # The page that is checked has its button(s) on it, and the baseline not
    # (pytest.fail, so that an xfail case can't pass by failing here).
    if not opened.page.locator(PLUGIN_ELEMENTS).count():
        pytest.fail(f"no button on {path}")
    if baseline.page.locator(PLUGIN_ELEMENTS).count():
        pytest.fail(f"the page without the plugin has a button: {baseline_path}")
    return added_violations(
        axe_violations(opened, axe_js), axe_violations(baseline, axe_js)
    )


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("style", ["plain", "js", "compact"])
def test_plugin_adds_no_serious_violation(
    flattr_sites, browser_page, axe_core_js, style, color_scheme
):
    path = flattr_sites.page_of(style, ARTICLE)
    added = check_page(
        flattr_sites, browser_page, axe_core_js, style, path, color_scheme
    )
    assert added == []


@pytest.mark.parametrize("style", ["plain", "js"])
def test_listing_with_several_buttons(flattr_sites, browser_page, axe_core_js, style):
    """The home page's second page lists five buttons."""
    path = flattr_sites.output(style) / "index2.html"
    added = check_page(flattr_sites, browser_page, axe_core_js, style, path, "light")
    assert added == []


def _replace_button(html: str, change) -> str:
    match = re.search(r'<a class="flattr-button[^>]*>.*?</a>', html, re.S)
    if not match:
        pytest.fail("no button on the page")
    return html[: match.start()] + change(match.group(0)) + html[match.end() :]


BROKEN = {
    # A focusable element hidden from assistive technology.
    "aria-hidden": lambda a: a.replace("<a ", '<a aria-hidden="true" ', 1),
    # A link with nothing to name it: no text, only an image.
    "no-accessible-name": lambda a: re.sub(r"(?s)<span.*</span>", "", a),
    # Pale text on the pale button.
    "low-contrast": lambda a: a.replace(
        "<a ", '<a style="color:#c9c9c9;background:#ffffff" ', 1
    ),
    # An image without a text alternative as the link's only content.
    "img-without-alt": lambda a: re.sub(
        r"(?s)(<a [^>]*>).*</a>",
        r'\1<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
        r'width="93" height="20"></a>',
        a,
    ),
}


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="deliberately broken markup: axe must find a violation",
            ),
        )
        for name in BROKEN
    ],
)
def test_axe_catches_broken_markup(flattr_sites, browser_page, axe_core_js, broken):
    page = flattr_sites.page_of("plain", ARTICLE)
    html = _replace_button(page.read_text(encoding="utf-8"), BROKEN[broken])
    path = flattr_sites.broken_variant(page, broken, html)
    added = check_page(flattr_sites, browser_page, axe_core_js, "plain", path, "light")
    assert added == []
