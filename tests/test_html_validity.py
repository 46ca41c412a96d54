"""The Nu HTML Checker (vnu.jar) over every page, in every button style.

The sample site (the project's theme, which uses the template helpers) is
built once per style, and a few articles once per style with Pelican's own
``notmyidea`` theme, where the plugin injects its markup. Each theme's pages
may have errors of their own, so every page is compared with the same page
of the same site built without the plugin: the plugin must add no error at
all. All files go to one vnu.jar process (a JVM start is slow).

Deliberately broken variants of the plugin's markup go through the same
comparison and are expected to fail.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from browser_support import (
    ARTICLE,
    BROKEN_MARK,
    STYLES,
    assert_no_plugin_output,
    run_vnu,
)
from conftest import article, build

pytest_plugins = ["browser_fixtures"]
pytestmark = pytest.mark.browser

NOTMYIDEA_FILES = {
    # notmyidea prints titles unescaped: this one gives the theme errors of
    # its own, which the comparison must tell apart from the plugin's.
    "solder.md": article(
        "Solder & flux: a <first> look",
        author="Alice",
        Tags="solder, q&a",
        Summary='A summary with "quotes" & an ampersand.',
    ),
    "loten.md": article("Zweiter Artikel über Löten", author="Bob", Lang="de"),
    "partner.md": article(
        "Partner owned, hidden",
        author="Carol",
        Flattr_owner="partner:hackspace:77",
        Flattr_hidden="yes",
    ),
    "nobody.md": article("Nobody owns this", author="Eve"),
    "pages/about.md": "Title: About\nAuthor: Alice\n\nAbout this site, at length.\n",
}
NOTMYIDEA_SETTINGS = {
    "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "twitter:user:id:42"},
    "FLATTR_PAGES": True,
    "FLATTR_TAGS": ["community"],
}


def _button_tag(html: str) -> re.Match:
    match = re.search(r'<a class="[^"]*flattr-button[^>]*>', html)
    if not match:  # not an assertion: an xfail case must not pass by this
        pytest.fail("no button on the page")
    return match


def _change_button(html: str, change) -> str:
    match = _button_tag(html)
    return html[: match.start()] + change(match.group(0)) + html[match.end() :]


# name: (style, page, how the markup is broken)
BROKEN = {
    # An id the theme already uses (<main id="main">).
    "duplicate-id": (
        "plain",
        None,
        lambda html: _change_button(html, lambda a: a.replace("<a ", '<a id="main" ')),
    ),
    # Flattr's old static badge instead of the inline SVG, without alt.
    "img-without-alt": (
        "plain",
        None,
        lambda html: re.sub(
            r"(?s)<svg class=\"flattr-button__badge\".*?</svg>",
            '<img src="https://api.flattr.com/button/flattr-badge-large.png">',
            html,
            count=1,
        ),
    ),
    # Flattr's language code where HTML wants a BCP 47 tag.
    "flattr-code-in-lang": (
        "js",
        None,
        lambda html: _change_button(
            html, lambda a: re.sub(r' lang="[^"]*"', ' lang="en_GB"', a, count=1)
        ),
    ),
    # A title attribute escaped by hand, forgetting the quotes.
    "unescaped-quote": (
        "js",
        None,
        lambda html: _change_button(html, lambda a: a.replace("&#34;", '"')),
    ),
    # A block wrapper injected inside the listing's <p>.
    "div-in-paragraph": (
        "plain",
        "index.html",
        lambda html: re.sub(
            r'(?s)(<a class="flattr-button.*?</a>)',
            r'<div class="flattr-injected">\1</div>',
            html,
            count=1,
        ),
    ),
}


@pytest.fixture(scope="module")
def validity(flattr_sites, tmp_path_factory):
    """Build the notmyidea sites and the broken variants, then check every
    page of every build with one vnu.jar run.

    Returns {build name: (output dir, baseline output dir)}, the broken
    variants' files, and vnu's errors by file.
    """
    root = tmp_path_factory.mktemp("notmyidea")
    builds: dict[str, tuple[Path, Path]] = {}
    notmyidea_none = build(
        root / "none",
        NOTMYIDEA_FILES,
        theme="notmyidea",
        PLUGINS=[],
        **NOTMYIDEA_SETTINGS,
    )
    assert_no_plugin_output(notmyidea_none)
    for style in STYLES:
        builds[f"sample-{style}"] = (
            flattr_sites.output(style),
            flattr_sites.output("none"),
        )
        output = build(
            root / style,
            NOTMYIDEA_FILES,
            theme="notmyidea",
            FLATTR_BUTTON=style,
            **NOTMYIDEA_SETTINGS,
        )
        builds[f"notmyidea-{style}"] = (output, notmyidea_none)

    broken: dict[str, Path] = {}
    for name, (style, relative, change) in BROKEN.items():
        if relative is None:
            page = flattr_sites.page_of(style, ARTICLE)
        else:
            page = flattr_sites.output(style) / relative
        html = page.read_text(encoding="utf-8")
        changed = change(html)
        assert changed != html, name
        broken[name] = flattr_sites.broken_variant(page, name, changed)

    files = list(broken.values())
    outputs = [output for output, _ in builds.values()]
    outputs += [flattr_sites.output("none"), notmyidea_none]
    for output in outputs:
        files += [p for p in output.rglob("*.html") if BROKEN_MARK not in p.name]
    errors = run_vnu(sorted(set(files)))
    # The comparison is no empty ritual: notmyidea has errors of its own.
    assert any(path.is_relative_to(notmyidea_none) for path in errors)
    return builds, broken, errors


def added_errors(errors: dict, page: Path, baseline: Path) -> list[str]:
    """Errors of ``page`` that the same page without the plugin doesn't have
    (compared by message, as lines and columns move)."""
    before = Counter(m["message"] for m in errors.get(baseline, []))
    after = Counter(m["message"] for m in errors.get(page, []))
    unexplained = after - before
    added = []
    for message in errors.get(page, []):
        if unexplained[message["message"]] > 0:
            unexplained[message["message"]] -= 1
            extract = " ".join(message.get("extract", "").split())
            added.append(
                f"{message['message']} (line {message.get('lastLine')}: {extract!r})"
            )
    return added


def baseline_of(page: Path, output: Path, baseline_output: Path) -> Path:
    relative = page.relative_to(output).as_posix()
    return baseline_output / re.sub(re.escape(BROKEN_MARK) + r"[^.]*", "", relative)


@pytest.mark.parametrize(
    "name", [f"{site}-{style}" for site in ("sample", "notmyidea") for style in STYLES]
)
def test_plugin_adds_no_html_error(validity, name):
    builds, _, errors = validity
    output, baseline_output = builds[name]
    pages = sorted(p for p in output.rglob("*.html") if BROKEN_MARK not in p.name)
    with_buttons = [
        p for p in pages if "flattr-button" in p.read_text(encoding="utf-8")
    ]
    assert len(with_buttons) >= 3, "the build shows buttons"
    problems = []
    for page in pages:
        baseline = baseline_of(page, output, baseline_output)
        for error in added_errors(errors, page, baseline):
            problems.append(f"{page.relative_to(output)}: {error}")
    assert problems == []


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True,
                raises=AssertionError,
                reason="deliberately broken markup: vnu must report an error",
            ),
        )
        for name in BROKEN
    ],
)
def test_vnu_catches_broken_markup(validity, flattr_sites, broken):
    _, files, errors = validity
    style = BROKEN[broken][0]
    page = files[broken]
    baseline = baseline_of(
        page, flattr_sites.output(style), flattr_sites.output("none")
    )
    assert added_errors(errors, page, baseline) == []
