"""The button as readers get it: in headless Chromium, on the sample site
served from 127.0.0.1 (see docs/browser-tests.md).

* ``plain``: visible after the article body, in the viewport, reached with
  Tab, named for what it does, pointing at the manifest's auto-submit URL,
  and not a single request to Flattr.
* ``js`` and ``compact``: load.js requested once per page however many
  buttons, and a stand-in load.js that applies load.js 0.6's reading rules
  gets from every button what the manifest says.
* Screenshots of an article page in each style, light, dark and 360 px wide.

Each check is also fed deliberately broken variants of the plugin's markup,
expected to fail (strict xfail), so that the suite shows the check bites.
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    ARTICLE,
    BUTTON_SELECTOR,
    STYLES,
    accessible_node,
    screenshot_path,
    tab_to,
)

from pelican_flattr.markup import LOADER_URL

pytest_plugins = ["browser_fixtures"]
pytestmark = pytest.mark.browser


def change_button(html: str, change) -> str:
    """Apply ``change`` (str -> str) to the first button's opening tag."""
    match = re.search(r'<a class="[^"]*flattr-button[^>]*>', html)
    if not match:  # not an assertion: an xfail case must not pass by this
        pytest.fail("no button on the page")
    return html[: match.start()] + change(match.group(0)) + html[match.end() :]


def add_attribute(attribute: str):
    return lambda tag: tag.replace("<a ", f"<a {attribute} ", 1)


# --------------------------------------------------------------------------
# The JS-free button


def plain_button_problems(opened, thing: dict) -> list[str]:
    """Everything wrong with the plain button of ``thing`` on an article page."""
    page = opened.page
    problems: list[str] = []
    buttons = page.locator(BUTTON_SELECTOR)
    if buttons.count() != 1:
        return [f"{buttons.count()} buttons on the page, expected 1"]
    button = buttons.first

    href = button.get_attribute("href")
    if href != thing["auto_submit_url"]:
        problems.append(f"href {href!r} is not the auto-submit URL")

    if not button.is_visible():
        problems.append("the button is not visible")
    else:
        after_body = page.evaluate(
            """(button) => {
                const body = document.querySelector('.entry__content');
                const follows = body.compareDocumentPosition(button)
                    & Node.DOCUMENT_POSITION_FOLLOWING;
                const below = button.getBoundingClientRect().top
                    >= body.getBoundingClientRect().bottom - 1;
                return Boolean(follows && below && !body.contains(button));
            }""",
            button.element_handle(),
        )
        if not after_body:
            problems.append("the button is not after the article body")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        width, height = page.viewport_size["width"], page.viewport_size["height"]
        if not (
            box
            and box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= width
            and box["y"] + box["height"] <= height
        ):
            problems.append(f"the button {box} is not inside the viewport")
        elif box["width"] < 24 or box["height"] < 24:
            problems.append(f"the button is too small a target: {box}")
        else:
            on_top = page.evaluate(
                """([button, x, y]) => button.contains(
                    document.elementFromPoint(x, y))""",
                [
                    button.element_handle(),
                    box["x"] + box["width"] / 2,
                    box["y"] + box["height"] / 2,
                ],
            )
            if not on_top:
                problems.append("something covers the button")

    # Before any focus: Chromium exposes a focused aria-hidden element.
    node = accessible_node(page, BUTTON_SELECTOR)
    name = node["name"] or ""
    # innerText holds the visually hidden text too.
    visible_text = " ".join(button.locator(".flattr-button__text").inner_text().split())
    if node["ignored"] or node["role"] != "link":
        problems.append(f"not exposed as a link to assistive technology: {node}")
    elif not (
        "flattr" in name.lower()
        and thing["title"] in name
        and visible_text.lower() in name.lower()
    ):
        problems.append(
            f"accessible name {name!r} does not say what it does (Flattr, the "
            f"title, and its visible text {visible_text!r})"
        )

    # The title's part of the name is for assistive technology only: shown,
    # it repeats the title beside the button.
    hidden_part = button.locator(".flattr-button__text + span").bounding_box()
    if hidden_part is not None and (
        hidden_part["width"] > 1 or hidden_part["height"] > 1
    ):
        problems.append(f"the name's hidden part shows on the page: {hidden_part}")

    if tab_to(page, BUTTON_SELECTOR) is None:
        problems.append("the Tab key never reaches the button")
    else:
        outline = page.evaluate(
            """() => {
                const style = getComputedStyle(document.activeElement);
                return [style.outlineStyle, parseFloat(style.outlineWidth)];
            }"""
        )
        if outline[0] == "none" or outline[1] < 1:
            problems.append(f"no visible focus ring when focused: {outline}")

    if opened.flattr_requests():
        problems.append(f"requests to Flattr: {opened.flattr_requests()}")
    return problems


PLAIN_BROKEN = {
    "display-none": add_attribute('style="display:none"'),
    "off-screen": add_attribute('style="position:absolute;left:-9999px"'),
    "not-focusable": add_attribute('tabindex="-1"'),
    "aria-hidden": add_attribute('aria-hidden="true"'),
    "double-escaped-href": lambda tag: tag.replace("&amp;", "&amp;amp;"),
    # A theme's stylesheet undoing the clip of the name's hidden part.
    "name-shown": lambda tag: (
        tag + "<style>.flattr-button span[style] {position: static !important;"
        " width: auto !important; height: auto !important;"
        " clip: auto !important}</style>"
    ),
    "loads-a-flattr-image": lambda tag: (
        tag + '<img src="https://api.flattr.com/button/flattr-badge-large.png" alt="">'
    ),
}


def xfail_variants(variants: dict, reason: str) -> list:
    return [None] + [
        pytest.param(
            name,
            id=f"broken-{name}",
            marks=pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason),
        )
        for name in variants
    ]


@pytest.mark.parametrize(
    "broken",
    xfail_variants(PLAIN_BROKEN, "deliberately broken markup: the check must fail"),
    ids=lambda value: value or "as-built",
)
def test_plain_button_on_an_article_page(flattr_sites, browser_page, broken):
    thing = flattr_sites.thing("plain", ARTICLE)
    path = flattr_sites.page_of("plain", ARTICLE)
    if broken:
        html = change_button(path.read_text(encoding="utf-8"), PLAIN_BROKEN[broken])
        path = flattr_sites.broken_variant(path, broken, html)
    opened = browser_page(flattr_sites.url_of_file(path), loader="abort")
    assert plain_button_problems(opened, thing) == []


@pytest.mark.parametrize("source", ["welcome-to-hackspace-notes.md", "pages/about.md"])
def test_plain_button_on_other_pages(flattr_sites, browser_page, source):
    """A Flattr user's article and a page: the same close look."""
    thing = flattr_sites.thing("plain", source)
    opened = browser_page(
        flattr_sites.url_of_file(flattr_sites.page_of("plain", source)),
        loader="abort",
    )
    if source.startswith("pages/"):
        # page.html of the theme wraps the body in the same class.
        assert opened.page.locator(".entry__content").count() == 1
    assert plain_button_problems(opened, thing) == []


def test_plain_buttons_on_every_page(flattr_sites, browser_page):
    """Every page with buttons (articles, pages, listings): each button is
    visible, points at a thing of the manifest with its own accessible name,
    and no page asks Flattr for anything."""
    things = {t["auto_submit_url"]: t for t in flattr_sites.things("plain")}
    problems: list[str] = []
    seen: set[str] = set()
    pages = [
        path
        for path in flattr_sites.html_files("plain")
        if "flattr-button" in path.read_text(encoding="utf-8")
    ]
    assert len(pages) > 20
    opened = browser_page(loader="abort")
    for path in pages:
        where = path.relative_to(flattr_sites.output("plain")).as_posix()
        opened.visit(flattr_sites.url_of_file(path))
        if opened.flattr_requests():
            problems.append(f"{where}: requests to Flattr {opened.flattr_requests()}")
        found = opened.page.evaluate(
            """(selector) => Array.from(document.querySelectorAll(selector),
                (a) => [a.getAttribute('href'), a.checkVisibility(),
                        a.textContent])""",
            BUTTON_SELECTOR,
        )
        for href, visible, text in found:
            thing = things.get(href)
            if thing is None:
                problems.append(f"{where}: a button with an unknown href {href}")
                continue
            seen.add(href)
            if not visible:
                problems.append(f"{where}: the button of {thing['source']} is hidden")
            # Its text is its accessible name (it has no aria-label).
            if thing["title"] not in text:
                problems.append(f"{where}: its text {text!r} lacks the title")
    assert problems == []
    assert seen == set(things), "every thing has a button on some page"


RTL_TITLE = "مرحبا بالعالم 2025!"


def test_a_right_to_left_title_reads_right_on_a_right_to_left_page(
    flattr_sites, browser_page
):
    """An Arabic article's plain button, on its page of theme/ (dir="rtl"):
    the name holds the title as it is, no bidi isolate characters around it
    (braille displays write each as "'\\x2068'"); on the page the title is
    isolated by its dir="auto" and the English words run left to right,
    also where a Content-Security-Policy shows the name's hidden part."""
    from conftest import ROOT, article, build, manifest_things

    folder = flattr_sites.root / "rtl"
    output = build(
        folder,
        {"ar.md": article(RTL_TITLE, "Alice", lang="ar")},
        theme=str(ROOT / "theme"),
        DEFAULT_LANG="ar",
        # Its stylesheet, from the local server: the button as styled.
        SITEURL=flattr_sites.url_of_file(folder / "output"),
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    path = output / manifest_things(output)["ar.md"]["page"]
    opened = browser_page(flattr_sites.url_of_file(path), loader="abort")
    page = opened.page
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The theme's own English ("Built with Pelican.") left to right.
    footer = "getComputedStyle(document.querySelector('.site-footer')).direction"
    assert page.evaluate(footer) == "ltr"

    name = accessible_node(page, BUTTON_SELECTOR)["name"] or ""
    assert not re.search("[\u2066-\u2069]", name), repr(name)
    # Chromium reads the hidden part as a block: a space before its colon.
    assert re.fullmatch(
        f"Flattr this ?: support “{re.escape(RTL_TITLE)}” on flattr.com", name
    )

    # The hidden part shown, as where a policy refuses its inline style and
    # the theme's stylesheet lacks the rule for its class.
    page.evaluate(
        """() => { const part = document.querySelector('.flattr-button__hidden');
            part.removeAttribute('style'); part.className = ''; }"""
    )
    layout = page.evaluate(
        """() => {
            const part = document.querySelector('.flattr-button__text + span');
            const title = part.querySelector('[dir=auto]');
            const x = (node, at) => {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + 1);
                return range.getBoundingClientRect().left;
            };
            const last = part.lastChild;
            return {
                part: getComputedStyle(part).direction,
                title: [getComputedStyle(title).direction,
                        getComputedStyle(title).unicodeBidi],
                colon: x(part.firstChild, 0),
                titleLeft: title.getBoundingClientRect().left,
                titleRight: title.getBoundingClientRect().right,
                on: x(last, last.data.indexOf('on')),
            };
        }"""
    )
    assert layout["part"] == "ltr" and layout["title"] == ["rtl", "isolate"]
    # ": support “TITLE” on flattr.com", left to right, the title one piece.
    assert layout["colon"] < layout["titleLeft"] < layout["titleRight"] <= layout["on"]


def test_the_readmes_focus_rule_shows_the_focus_in_notmyidea(
    flattr_sites, browser_page
):
    """notmyidea's "a {outline: 0}" leaves the injected button no visible
    focus; the README's rule for such a theme's stylesheet (docs/things.md)
    gives it back."""
    from conftest import ROOT, article, build

    readme = (ROOT / "docs" / "things.md").read_text(encoding="utf-8")
    (rule,) = re.findall(
        r"```css\n(\s*\.flattr-button:focus-visible \{.*?\})", readme, re.S
    )
    folder = flattr_sites.root / "notmyidea"
    output = build(
        folder,
        {"a.md": article("Hello", "Alice", slug="hello")},
        theme="notmyidea",
        SITEURL=flattr_sites.url_of_file(folder / "output"),
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    page = browser_page(
        flattr_sites.url_of_file(output / "hello.html"), loader="abort"
    ).page
    selector = f".flattr-injected {BUTTON_SELECTOR}"
    outline = "() => getComputedStyle(document.activeElement).outlineStyle"
    assert tab_to(page, selector) is not None
    assert page.evaluate(outline) == "none"  # the theme's rule
    page.add_style_tag(content=rule)
    assert tab_to(page, selector) is not None
    assert page.evaluate(outline) == "solid"


# --------------------------------------------------------------------------
# The embedded buttons, read by a stand-in load.js


def as_flattr_reads(description: str) -> str:
    """A description load.js sent (inner HTML: ``<br>`` and entities), as
    Flattr's server reads it: ``<br>`` a line break, entities decoded."""
    return unescape(description.replace("<br>", "\n"))


def expected_params(thing: dict, style: str) -> dict[str, str]:
    """What load.js 0.6 should read from the button of ``thing``, its
    description as Flattr reads it (``as_flattr_reads``): the auto-submit
    URL's, whole, so that the thing is the same whichever link creates it."""
    expected = {
        "url": thing["url"],
        "title": thing["title"],
        "category": thing["category"],
        "language": thing["language"],
        "description": parse_qs(urlsplit(thing["auto_submit_url"]).query)[
            "description"
        ][0],
    }
    owner = thing["owner"]
    expected["uid" if owner["kind"] == "flattr_user" else "owner"] = owner["value"]
    if thing["tags"]:
        expected["tags"] = ",".join(thing["tags"])
    if thing["hidden"]:
        expected["hidden"] = "1"
    if style == "compact":
        expected["button"] = "compact"
    return expected


def embedded_problems(opened, html: str, things: list[dict], style: str) -> list[str]:
    """Everything wrong with the embedded buttons of one page."""
    problems: list[str] = []
    anchors = html.count('class="FlattrButton ')
    loads = opened.loader_requests()
    if loads != 1:
        problems.append(f"load.js requested {loads} times for {anchors} buttons")
    others = [url for url in opened.flattr_requests() if url != LOADER_URL]
    if others:
        problems.append(f"other requests to Flattr: {others}")
    state = opened.page.evaluate(
        """() => ({
            runs: window.__flattrLoader ? window.__flattrLoader.runs : 0,
            read: window.__flattrButtons || [],
            left: document.querySelectorAll('a.FlattrButton').length,
            frames: Array.from(document.querySelectorAll('iframe.FlattrButton'),
                (frame) => [frame.offsetWidth, frame.offsetHeight]),
        })"""
    )
    if state["runs"] != 1:
        problems.append(f"load.js ran {state['runs']} times")
    if len(state["read"]) != anchors:
        problems.append(f"load.js read {len(state['read'])} buttons of {anchors}")
    by_url = {thing["url"]: thing for thing in things}
    for params in state["read"]:
        thing = by_url.get(params.get("url"))
        if thing is None:
            problems.append(f"a button for an unknown thing: {params}")
            continue
        expected = expected_params(thing, style)
        if "description" in params:
            params = {**params, "description": as_flattr_reads(params["description"])}
        if params != expected:
            diff = {
                key: (params.get(key), expected.get(key))
                for key in sorted(set(params) | set(expected))
                if params.get(key) != expected.get(key)
            }
            problems.append(f"{thing['source']}: read != expected: {diff}")
    if state["left"]:
        problems.append(f"{state['left']} buttons were not replaced")
    size = [110, 20] if style == "compact" else [55, 62]
    if state["frames"] != [size] * anchors:
        problems.append(f"iframes {state['frames']}, expected {anchors} of {size}")
    return problems


@pytest.mark.parametrize("style", ["js", "compact"])
def test_embedded_buttons_on_every_page(flattr_sites, browser_page, style):
    things = flattr_sites.things(style)
    problems: list[str] = []
    pages = []
    for path in flattr_sites.html_files(style):
        html = path.read_text(encoding="utf-8")
        if "FlattrButton" in html:
            pages.append((path, html))
        elif LOADER_URL in html:
            problems.append(f"{path.name}: load.js without a button")
    counts = [html.count('class="FlattrButton ') for _, html in pages]
    assert len(pages) > 20 and max(counts) >= 4, "listings show several buttons"
    opened = browser_page()
    for path, html in pages:
        opened.visit(flattr_sites.url_of_file(path), wait_for_loader=True)
        where = path.relative_to(flattr_sites.output(style)).as_posix()
        problems += [
            f"{where}: {p}" for p in embedded_problems(opened, html, things, style)
        ]
    assert problems == []


def _loader_tag(html: str) -> str:
    return re.search(r'<script src="[^"]*load\.js[^"]*"[^>]*></script>', html)[0]


EMBEDDED_BROKEN = {
    # load.js then ignores every data-flattr-* attribute.
    "rel-flattr": lambda html: change_button(
        html, add_attribute('rel="flattr;category:text;"')
    ),
    # Flattr's code only in lang: load.js reads the BCP 47 tag instead.
    "no-data-language": lambda html: change_button(
        html, lambda tag: re.sub(r' data-flattr-language="[^"]*"', "", tag)
    ),
    "loader-twice": lambda html: html.replace(
        "</body>", _loader_tag(html) + "\n</body>"
    ),
    "owner-and-uid": lambda html: change_button(
        html, add_attribute('data-flattr-uid="somebody"')
    ),
}


@pytest.mark.parametrize(
    "broken",
    xfail_variants(EMBEDDED_BROKEN, "deliberately broken markup: the check must fail"),
    ids=lambda value: value or "as-built",
)
@pytest.mark.parametrize("style", ["js", "compact"])
def test_embedded_button_on_an_article_page(flattr_sites, browser_page, style, broken):
    path = flattr_sites.page_of(style, ARTICLE)
    html = path.read_text(encoding="utf-8")
    if broken:
        html = EMBEDDED_BROKEN[broken](html)
        path = flattr_sites.broken_variant(path, broken, html)
    opened = browser_page(flattr_sites.url_of_file(path), wait_for_loader=True)
    things = flattr_sites.things(style)
    assert embedded_problems(opened, html, things, style) == []


def test_no_loader_without_an_embedded_button(flattr_sites, browser_page):
    """Pages of the js build without a button load nothing from Flattr."""
    path = flattr_sites.output("js") / "authors.html"
    assert "FlattrButton" not in path.read_text(encoding="utf-8")
    opened = browser_page(flattr_sites.url_of_file(path))
    assert opened.requests and opened.flattr_requests() == []


# --------------------------------------------------------------------------
# Screenshots, to look at by eye (test-artifacts/screenshots/)

SHOTS = {
    "light": {"color_scheme": "light", "viewport": {"width": 1280, "height": 800}},
    "dark": {"color_scheme": "dark", "viewport": {"width": 1280, "height": 800}},
    "phone-360": {"color_scheme": "light", "viewport": {"width": 360, "height": 740}},
    "phone-360-dark": {
        "color_scheme": "dark",
        "viewport": {"width": 360, "height": 740},
    },
}


@pytest.mark.parametrize("style", STYLES)
def test_screenshots(flattr_sites, browser_page, style):
    """An article page in each style, light, dark and on a 360 px phone, with
    the button in the middle of the screen (and, plain, with keyboard focus);
    the button lies inside the viewport every time."""
    url = flattr_sites.url_of_file(flattr_sites.page_of(style, ARTICLE))
    target = BUTTON_SELECTOR if style == "plain" else "iframe.FlattrButton"
    for name, options in SHOTS.items():
        opened = browser_page(url, wait_for_loader=style != "plain", **options)
        page = opened.page
        if style == "plain" and name in ("light", "dark"):
            assert tab_to(page, target) is not None
        page.locator(target).evaluate("(el) => el.scrollIntoView({block: 'center'})")
        box = page.locator(target).bounding_box()
        width = options["viewport"]["width"]
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"the page scrolls sideways at {width}px"
        path = screenshot_path(f"article-{style}-{name}")
        page.screenshot(path=str(path))
        assert path.stat().st_size > 1000
        page.close()


def test_author_page_shows_pending_flattrs(flattr_sites, browser_page):
    """With a store the web hook receiver filled, the author page says what
    waits to be claimed, visibly, and without an email address."""
    from conftest import build_sample_site
    from test_pending_notice import BOB, CAROL, fill

    root = flattr_sites.root / "pending"
    root.mkdir()
    store = root / "store.sqlite3"
    fill(
        store,
        [
            ("t1", 3, BOB, "2024-05-02T10:00:00Z"),
            ("t2", 2, BOB, "2024-05-03T09:00:00Z"),
            ("t3", 1, CAROL, "2024-05-04T08:00:00Z"),
        ],
    )
    output = build_sample_site(root, FLATTR_STORE=str(store))
    opened = browser_page(flattr_sites.url_of_file(output / "author/bob-builder.html"))
    notice = opened.page.locator(".flattr-pending")
    assert notice.is_visible()
    assert "flattred 2 of these posts 5 times" in " ".join(notice.inner_text().split())
    assert opened.page.get_by_role("link", name="Claim them on flattr.com").is_visible()
    opened.page.screenshot(path=screenshot_path("author-pending-notice"))
    assert opened.flattr_requests() == []
    opened.visit(flattr_sites.url_of_file(output / "author/carol-chen.html"))
    carol = opened.page.locator(".flattr-pending")
    assert carol.is_visible() and "@" not in carol.inner_text()
    opened.visit(flattr_sites.url_of_file(output / "author/alice-andersson.html"))
    assert opened.page.locator(".flattr-pending").count() == 0


def test_embedded_button_submits_the_manifest_url_a_browser_rewrites(
    flattr_sites, browser_page
):
    """load.js takes url from the anchor's href property, which the browser
    rewrites (a non-ASCII slug percent-encoded, an upper-case, non-ASCII
    host in lower-case punycode): Flattr keys a thing on the exact URL, so
    the button must say the manifest's in data-flattr-url, which load.js
    reads after href."""
    from conftest import article, build

    output = build(
        flattr_sites.root / "rewritten-url",
        {"naive.md": article("Über naïve soldering", Slug="über-naïve")},
        SITEURL="https://Bücher.example:8443/Blog",
        ARTICLE_URL="{date:%Y}/{date:%m}/{slug}/",
        ARTICLE_SAVE_AS="{date:%Y}/{date:%m}/{slug}/index.html",
        FLATTR_USERNAME="alice",
        FLATTR_BUTTON="js",
    )
    manifest = output / "flattr-manifest.json"
    things = json.loads(manifest.read_text(encoding="utf-8"))["things"]
    assert [t["url"] for t in things] == [
        "https://Bücher.example:8443/Blog/2024/03/über-naïve/"
    ]
    path = output / "2024" / "03" / "über-naïve" / "index.html"
    opened = browser_page(flattr_sites.url_of_file(path), wait_for_loader=True)
    html = path.read_text(encoding="utf-8")
    assert embedded_problems(opened, html, things, "js") == []


# What a consent manager (Klaro) does once the visitor consents: a running
# copy of the held-back script, its data-src as its src.
CONSENT = """() => {
    const held = document.querySelector('script[data-name="flattr"]');
    const run = document.createElement('script');
    run.src = held.dataset.src;
    held.replaceWith(run);
}"""


def test_a_loader_held_back_for_consent_asks_flattr_nothing_before_consent(
    tmp_path, browser_page
):
    """A theme's load.js held back for a consent manager (docs/privacy.md's
    Klaro snippet) is the page's loader: the page opens without a request
    to Flattr (the plugin adds no running load.js beside it), and shows
    the button once the consent manager runs it."""
    from browser_support import SiteServer
    from conftest import article, build, documented_block

    held = documented_block(
        "docs/privacy.md",
        "<!-- Klaro: Flattr's load.js, once the visitor accepts the flattr service -->",
    )
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "article.html").write_text(
        '{% extends "!simple/article.html" %}{% block content %}{{ super() }}'
        "{{ flattr_button(article) }}" + held + "{% endblock %}"
    )
    output = build(
        tmp_path / "site",
        {"a.md": article("Held back")},
        THEME_TEMPLATES_OVERRIDES=[str(overrides)],
        FLATTR_USERNAME="alice",
        FLATTR_BUTTON="js",
    )
    with SiteServer(output) as server:
        opened = browser_page(f"{server.base_url}/held-back.html")
        assert opened.flattr_requests() == []
        opened.page.evaluate(CONSENT)
        opened.page.wait_for_function("window.__flattrLoader?.done", timeout=5000)
    assert opened.flattr_requests() == [LOADER_URL]
    assert opened.page.locator("iframe").count() == 1


def _dated_article(title: str, day: int, body: str, **meta: str) -> str:
    lines = [f"Title: {title}", "Author: Alice", f"Date: 2024-03-{day:02} 10:00"]
    lines += [f"{key}: {value}" for key, value in meta.items()]
    return "\n".join(lines) + "\n\n" + body + "\n"


def test_embedded_buttons_send_their_whole_description_and_never_stop_load_js(
    flattr_sites, browser_page
):
    """load.js cuts a button's inner HTML at 1000 JavaScript (UTF-16)
    characters, each "&amp;" and "<br>" counted in full, then
    percent-encodes it: a cut inside an emoji's surrogate pair threw,
    leaving that button and every later one of a listing unreplaced, and
    a description with "&" or line breaks arrived shorter than the
    auto-submit URL's. Each button's must arrive whole."""
    from conftest import ROOT, build

    lines = "<br>".join(
        f"Part {n}: tools &amp; parts, bits &amp; bobs, R&amp;D. " * 4 for n in range(6)
    )
    files = {
        # Newest first on the listing: the emoji's button comes first.
        "emoji.md": _dated_article(
            "Emoji summary", 4, "Body.", Summary="\U0001f600a" * 600
        ),
        "ampersands.md": _dated_article(
            "Ampersand summary", 3, "Body.", Summary="R&amp;D " * 300
        ),
        "lines.md": _dated_article("Six lines", 2, "Body.", Summary=lines),
        "plain.md": _dated_article("A plain one", 1, "A short summary of it."),
    }
    output = build(
        flattr_sites.root / "loader-descriptions",
        files,
        theme=str(ROOT / "theme"),
        FLATTR_USERNAME="alice",
        FLATTR_BUTTON="js",
        SUMMARY_MAX_LENGTH=None,
    )
    manifest = output / "flattr-manifest.json"
    things = json.loads(manifest.read_text(encoding="utf-8"))["things"]
    assert len(things) == 4
    listing = output / "index.html"
    assert listing.read_text(encoding="utf-8").count('class="FlattrButton ') == 4
    problems: list[str] = []
    opened = browser_page()
    # The listing, then each article's own page, where one button alone
    # shows what its description lost.
    for path in [listing, *(output / f"{t['url'].rsplit('/', 1)[1]}" for t in things)]:
        html = path.read_text(encoding="utf-8")
        opened.visit(flattr_sites.url_of_file(path), wait_for_loader=True)
        problems += [
            f"{path.name}: {p}" for p in embedded_problems(opened, html, things, "js")
        ]
    assert problems == []


@pytest.mark.parametrize(
    "href",
    [
        "https://Bücher.example:8443/Blog/2024/03/über-naïve/",
        "https://EXAMPLE.org:443/a.html",
        "http://example.org:80/a b.html",
        "https://faß.example/x",  # IDNA 2003 would make it fass.example
        "https://example.org/a/./b/../c.html",
        "https://example.org/old/%2e%2e/2012/x.html",
        "https://example.org/a|b^c.html",
        'https://example.org/q?x="1"&y=|#frag ment',
        "https://example.org/plain.html",
        # A "\\" is a "/" in the path alone.
        "https://example.org\\a\\b.html?x=\\y#z\\w",
        "https://[2001:DB8:0:0:0:0:0:1]:443/a.html",
        "http://[::1]:0080/a.html",
        "https://ＦＵＬＬ.example/a.html",
        "https://a\u3002example/a.html",  # an ideographic full stop
        "https://exam\u00adple.org/a.html",  # a soft hyphen
    ],
)
def test_the_audits_browser_url_is_chromiums_href(browser_page, href):
    """The audit reads an older embedded button's URL as load.js got it,
    from the href property: its reading must be the browser's."""
    from pelican_flattr.audit_pages import browser_url

    page = browser_page().page
    chromium = page.evaluate(
        "href => { const a = document.createElement('a'); a.href = href; "
        "return a.href; }",
        href,
    )
    assert browser_url(href) == chromium


def test_an_embedded_buttons_link_stays_hidden_where_inline_styles_are_refused(
    flattr_sites, browser_page
):
    """Under a Content-Security-Policy without inline styles, the link's own
    style="display:none;" is refused: the theme's stylesheet hides it, or
    the reader sees a link to the article holding its summary, for good
    where load.js is blocked too."""
    path = flattr_sites.page_of("js", ARTICLE)
    url = flattr_sites.url_of_file(path)
    opened = browser_page(loader="abort")

    def with_policy(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": "style-src 'self'"}
        route.fulfill(response=response, headers=headers)

    opened.page.route(url, with_policy)
    opened.visit(url)
    link = opened.page.locator("a.FlattrButton")
    assert link.count() == 1
    # The policy is in force: the link's inline style is refused.
    assert link.evaluate("a => a.style.display") == ""
    assert link.evaluate("a => getComputedStyle(a).display") == "none"
    assert not link.is_visible()
