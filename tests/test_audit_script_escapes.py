"""Buttons in a script's double escaped text, as the audit reads them.

After a "<!--" in a ``<script>``, a "<script" starts text that the next
"</script>" does not end: the script runs on to the "</script>" after it
(WHATWG HTML 13.2.5.20-13.2.5.31). Read as ending at its first
"</script>", the script left the rest of its text to be read as markup: a
button there counted as shown, where no browser shows one. Each site here
is built by Pelican and audited by ``pelican-flattr audit``, and what the
audit reads is compared with what html5lib (which follows the HTML
standard's parsing rules, as browsers do) builds of the same page.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import article, audit_report, flattr_buttons, only_page

from pelican_flattr.audit import scan_page

AUTHORS = {"Alice": "alice"}
BUTTON_OPENING = '<a class="flattr-button'


def shown_buttons(path: Path) -> tuple[int, int]:
    """How many of the plugin's buttons the page shows: as the audit reads
    it, and as html5lib builds it."""
    text = path.read_text(encoding="utf-8")
    browsers = BeautifulSoup(text, "html5lib")
    return len(scan_page(path.read_bytes()).buttons), len(flattr_buttons(browsers))


# (what goes around the page's one button, in a script, and whether a
# browser shows it).
AROUND_THE_BUTTON = {
    # Double escaped: the first "</script>" ends that part of the text, the
    # second the script, and the button between them is its text.
    "after the double escaped text": (
        "<script><!--\nvar a = '<script>x()</script>';\n",
        "\n</script>",
        False,
    ),
    "in the double escaped text": (
        "<script><!--\ndocument.write('<script>x()</script>",
        "');\n--></script>",
        False,
    ),
    # Ended by "-->" before the inner "</script": the first "</script>"
    # after it ends the script, and the button after that is markup.
    "after the script, its double escaped text ended by -->": (
        "<script><!--\nvar a = '<script>-->';\n</script>",
        "",
        True,
    ),
}


@pytest.mark.parametrize(
    "before, after, shown", AROUND_THE_BUTTON.values(), ids=list(AROUND_THE_BUTTON)
)
def test_a_button_in_a_double_escaped_script_is_not_shown(
    site, capsys, before, after, shown
):
    output = site({"a.md": article("First", "Alice")}, FLATTR_AUTHORS=AUTHORS)
    path = only_page(output)
    text = path.read_text(encoding="utf-8")
    assert text.count(BUTTON_OPENING) == 1
    start = text.index(BUTTON_OPENING)
    end = text.index("</a>", start) + len("</a>")
    button = text[start:end]
    path.write_text(
        f"{text[:start]}{before}{button}{after}{text[end:]}", encoding="utf-8"
    )
    assert shown_buttons(path) == (int(shown), int(shown))
    status, report = audit_report(output, capsys)
    if shown:
        assert status == 0, report["problems"]
        return
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == path.name
    assert problem["problem"] == "has 0 Flattr buttons for its thing (0 in all)"


def test_a_theme_printing_the_button_in_a_double_escaped_script(site, tmp_path, capsys):
    # The theme prints the button into such a script's text: the build
    # reads it as a browser does, finds no button shown, and injects one
    # after the body, which the audit and html5lib both see.
    templates = tmp_path / "escaping" / "templates"
    templates.mkdir(parents=True)
    (templates / "article.html").write_text(
        '{% extends "!simple/article.html" %}{% block content %}{{ super() }}'
        "<script><!--\nvar a = '<script>x()</script>';\n"
        "{{ flattr_button(article) }}\n--></script>{% endblock %}"
    )
    output = site(
        {"a.md": article("First", "Alice")},
        theme=str(tmp_path / "escaping"),
        FLATTR_AUTHORS=AUTHORS,
    )
    path = only_page(output)
    assert path.read_text(encoding="utf-8").count(BUTTON_OPENING) == 2
    assert shown_buttons(path) == (1, 1)
    status, report = audit_report(output, capsys)
    assert status == 0, report["problems"]
