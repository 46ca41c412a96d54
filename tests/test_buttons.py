"""Button styles, hostile text, template helpers and what the page loads."""

import base64
import dataclasses
import hashlib
import html
import re
import signal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import html5lib
import pelican
import pytest
from bs4 import BeautifulSoup
from conftest import (
    ROOT,
    SITEURL,
    article,
    flattr_buttons,
    manifest_things,
    og,
    page,
    page_as_browsers_read_it,
    payment_links,
    simple_base,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from pelican_flattr import html_reader, markup
from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main as audit_command
from pelican_flattr.html_reader import TEXT, find_head_end, hiding_ends, read_tags
from pelican_flattr.identifiers import parse_owner
from pelican_flattr.markup import (
    LOADER_URL,
    _ascii_html,
    _attribute,
    _attributes,
    _end_of,
    _url_attribute,
    head,
)
from pelican_flattr.resolve import ContentThing
from pelican_flattr.thing import Thing, make_thing

AUTHORS = {"Alice": "alice", "Bob": "twitter:user:id:123"}


def three_articles():
    return {
        "a.md": article("First of three", "Alice", tags="x, y"),
        "b.md": article("Second of three", "Bob", flattr_hidden="yes"),
        "c.md": article("Third of three", "Alice"),
    }


def loader_scripts(soup):
    return [s for s in soup.find_all("script") if s.get("src") == LOADER_URL]


def simple_child_theme(tmp_path, name, article_html):
    """A theme named ``name`` whose article.html is ``article_html`` (which
    may extend "!simple/article.html"); its path, for ``site(theme=...)``."""
    templates = tmp_path / name / "templates"
    templates.mkdir(parents=True)
    (templates / "article.html").write_text(article_html)
    return str(tmp_path / name)


def after_the_body_theme(tmp_path, name, after_body):
    """``simple_child_theme`` whose article prints ``after_body`` (Jinja)
    right after the body."""
    return simple_child_theme(
        tmp_path,
        name,
        '{% extends "!simple/article.html" %}{% block content %}{{ super() }}'
        f"{after_body}{{% endblock %}}",
    )


def plain_button_name(button) -> str:
    """A plain button's accessible name, as its content gives it (it has no
    aria-label): the visible words and the hidden rest."""
    assert not button.has_attr("aria-label") and not button.has_attr("aria-labelledby")
    return " ".join(button.get_text().split())


def languages_of_text(button) -> list[tuple[str, str | None]]:
    """(text, the language HTML gives it) for each piece of ``button``'s
    text that is not whitespace: the nearest ``lang`` around it."""
    return [
        (str(text), next((e["lang"] for e in text.parents if e.has_attr("lang")), None))
        for text in button.find_all(string=True)
        if text.strip()
    ]


def test_plain_button_loads_nothing_from_flattr(site):
    output = site(three_articles(), FLATTR_AUTHORS=AUTHORS)
    soup = page(output / "first-of-three.html")
    (button,) = flattr_buttons(soup)
    # The README's markup: a link to the auto-submit URL that search
    # engines are asked not to follow (it would submit the thing).
    thing = manifest_things(output)["a.md"]
    assert button["href"] == thing["auto_submit_url"]
    assert button["rel"] == ["nofollow"]
    assert button["class"] == ["flattr-button", "flattr-button--plain"]
    assert button.select_one(".flattr-button__text").get_text() == "Flattr this"
    # English, as its words are, and left to right on a right-to-left page;
    # the title in the article's language, isolated by its dir="auto" (a
    # right-to-left one reordered the words around it). No isolate
    # characters: braille displays write each as "'\x2068'".
    assert (button["lang"], button["dir"]) == ("en", "ltr")
    assert plain_button_name(button) == (
        "Flattr this: support “First of three” on flattr.com"
    )
    title = button.find(dir="auto")
    assert (title.get_text(), title["lang"]) == ("First of three", "en")
    # Hidden by its own style, on a theme without CSS for it.
    hidden = title.parent
    assert "position:absolute" in hidden["style"]
    assert "clip:rect(0 0 0 0)" in hidden["style"]
    assert button.find("svg")["aria-hidden"] == "true"
    # Nothing on the page fetches from Flattr: no script, image, frame,
    # stylesheet or preload. The payment link is metadata, never fetched.
    for element in soup.find_all(src=True):
        assert "flattr" not in element["src"], element
    for link in soup.find_all("link"):
        if "payment" not in link.get("rel", []):
            assert "flattr" not in link.get("href", ""), link
    assert soup.find("iframe") is None and loader_scripts(soup) == []


@pytest.mark.parametrize("style", ["js", "compact"])
def test_embedded_button_reads_right_by_load_js_rules(site, style):
    output = site(three_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    things = manifest_things(output)
    for source, slug in [("a.md", "first-of-three"), ("b.md", "second-of-three")]:
        thing = things[source]
        soup = page(output / f"{slug}.html")
        (anchor,) = flattr_buttons(soup)
        assert "FlattrButton" in anchor["class"]
        # load.js 0.6 ignores data attributes next to a rel/rev "flattr...".
        assert not anchor.get("rel") and not anchor.get("rev")
        assert anchor["href"] == thing["url"]
        assert anchor["title"] == thing["title"]
        assert anchor["lang"] == "en"  # the article's, not en_GB's
        assert anchor["data-flattr-language"] == thing["language"] == "en_GB"
        assert anchor["data-flattr-category"] == thing["category"]
        assert anchor.get_text() == thing["description"]
        owner = thing["owner"]
        if owner["kind"] == "flattr_user":
            assert anchor["data-flattr-uid"] == owner["value"]
            assert not anchor.has_attr("data-flattr-owner")
        else:
            assert anchor["data-flattr-owner"] == owner["value"]
            assert not anchor.has_attr("data-flattr-uid")
        assert anchor.get("data-flattr-tags", "") == ",".join(thing["tags"])
        assert anchor.get("data-flattr-hidden") == ("1" if thing["hidden"] else None)
        assert anchor.get("data-flattr-button") == (
            "compact" if style == "compact" else None
        )
        assert len(loader_scripts(soup)) == 1
        assert loader_scripts(soup)[0].find_parent("body") is not None
    # Pages without a button don't load Flattr's script.
    assert loader_scripts(page(output / "index.html")) == []


@pytest.mark.parametrize("style", ["plain", "js"])
def test_a_buttons_text_is_in_its_own_language(site, style):
    # On an English site, a German article's title is German to a screen
    # reader, and the button's own words English (WCAG 3.1.2); an Uzbek
    # one is Uzbek, not the en_GB its thing stands in with.
    files = {
        "de.md": article("Über Lötstationen – ein Überblick", "Alice", lang="de"),
        "uz.md": article("Oʻzbekcha maqola sarlavhasi", "Alice", lang="uz"),
        "en.md": article("Soldering basics", "Alice"),
        # Pelican's codes as BCP 47 writes them; none for no language tag.
        "pt.md": article("Olá mundo", "Alice", lang="pt_BR"),
        "sr.md": article("Članak na srpskom", "Alice", lang="sr@latin"),
        "no.md": article("No language", "Alice", lang='de_DE"><x>'),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    things = manifest_things(output)
    for source, lang in [
        ("de.md", "de"),
        ("uz.md", "uz"),
        ("en.md", "en"),
        ("pt.md", "pt-BR"),
        ("sr.md", "sr-Latn"),
        ("no.md", ""),
    ]:
        thing = things[source]
        (button,) = flattr_buttons(page(output / thing["page"]))
        if style == "js":
            # load.js reads Flattr's code from data-flattr-language first.
            assert button["lang"] == lang
            assert button["data-flattr-language"] == thing["language"]
            continue
        assert languages_of_text(button) == [
            ("Flattr this", "en"),
            (": support “", "en"),
            (thing["title"], lang),
            ("” on flattr.com", "en"),
        ]
        assert button.find(lang=lang, dir="auto").get_text() == thing["title"]
    assert things["uz.md"]["language"] == "en_GB"


HOSTILE_TITLE = 'Q&A: "Why" <script>alert(1)</script> #1 100% ; a,b 🎉 שלום עולם'
HOSTILE_SUMMARY = (
    '<p>Tom &amp; Jerry\'s "best" <em>tools</em>: 50% off; #hash, '
    "<script>alert('x')</script>emoji 🐍 and עברית &lt;tag&gt;</p>"
)


@pytest.mark.parametrize("style", ["plain", "js"])
def test_hostile_text_is_encoded_and_escaped_exactly_once(site, style):
    files = {
        "evil.md": article(
            HOSTILE_TITLE,
            "Alice",
            summary=HOSTILE_SUMMARY.replace("\n", " "),
            tags='a"b, c&d, e#f, 50%, 🎉, שלום',
            slug="evil",
        )
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    thing = manifest_things(output)["evil.md"]
    assert thing["title"] == 'Q&A: "Why" #1 100% ; a,b 🎉 שלום עולם'
    assert thing["description"] == (
        'Tom & Jerry\'s "best" tools: 50% off; #hash, emoji 🐍 and עברית <tag>'
    )
    # Pelican splits tags on ";" when there is one, so none is used here;
    # test_metadata_overrides covers ";" inside flattr_tags.
    assert thing["tags"] == ['a"b', "c&d", "e#f", "50%", "🎉", "שלום"]
    query = parse_qs(urlsplit(thing["auto_submit_url"]).query, strict_parsing=True)
    assert query["title"] == [thing["title"]]
    assert query["description"] == [thing["description"]]
    assert query["tags"] == [",".join(thing["tags"])]

    raw = (output / "evil.html").read_text(encoding="utf-8")
    assert "&amp;amp;" not in raw
    soup = page(output / "evil.html")
    (link,) = payment_links(soup)
    assert link["href"] == thing["auto_submit_url"]  # decoded once == the URL
    assert og(soup, "og:title") == [thing["title"]]
    assert og(soup, "og:description") == [thing["description"]]
    (button,) = flattr_buttons(soup)
    if style == "plain":
        assert button["href"] == thing["auto_submit_url"]
    else:
        assert button["title"] == thing["title"]
        assert button.get_text() == thing["description"]
        assert button["data-flattr-tags"] == ",".join(thing["tags"])
    # The plugin's own markup carries no live script from the content.
    injected = soup.select_one(".flattr-injected")
    assert injected is not None and injected.find("script") is None
    head = soup.find("head")
    assert all(s.get("src") for s in head.find_all("script"))


@pytest.mark.parametrize("style", ["plain", "js"])
def test_a_bogus_comment_in_a_title_goes_as_a_browser_drops_it(site, style):
    # "<?php ... ?>", "<![CDATA[ ... ]]>", "<!x>" and "</3 x>" are comments
    # to a browser, which shows "Why works well": only "<!--" ones were
    # stripped, so the thing's title, og:title, the payment links (a feed's
    # too) and the js button carried text no reader of the page sees.
    title = "Why <?php echo 1; ?> works <![CDATA[ y ]]><!x> </3 x> well"
    shown = " ".join(BeautifulSoup(title, "html5lib").get_text().split())
    assert shown == "Why works well"
    files = {"a.md": article(title, "Alice", slug="a")}
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_BUTTON=style,
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    thing = manifest_things(output)["a.md"]
    assert thing["title"] == shown
    query = parse_qs(urlsplit(thing["auto_submit_url"]).query)
    assert query["title"] == [shown]
    soup = page(output / "a.html")
    assert og(soup, "og:title") == [shown]
    assert [link["href"] for link in payment_links(soup)] == [thing["auto_submit_url"]]
    if style == "js":
        assert flattr_buttons(soup)[0]["title"] == shown
    feed = (output / "feeds" / "all.atom.xml").read_text(encoding="utf-8")
    links = re.findall(r'<link href="(https://flattr\.com/[^"]*)"', feed)
    assert [html.unescape(link) for link in links] == [thing["auto_submit_url"]]


def helper_theme(root: Path, own_og: bool = False) -> str:
    """A theme that uses the template helpers (and may emit og:title itself)."""
    templates = root / "helper-theme" / "templates"
    templates.mkdir(parents=True)
    (templates / "article.html").write_text(
        '{% extends "!simple/article.html" %}\n'
        "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}\n"
        "{% block content %}{{ super() }}{{ flattr_button(article) }}{% endblock %}\n"
    )
    (templates / "index.html").write_text(
        '{% extends "!simple/index.html" %}\n'
        "{% block content %}{{ super() }}"
        "{% for a in articles_page.object_list %}{{ flattr_button(a) }}{% endfor %}"
        "{{ flattr_script() }}{% endblock %}\n"
    )
    return str(root / "helper-theme")


@pytest.mark.parametrize("style", ["plain", "js", "compact"])
def test_helpers_and_injection_never_double(site, tmp_path, style):
    theme = helper_theme(tmp_path)
    output = site(
        three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style
    )
    things = manifest_things(output)
    soup = page(output / "first-of-three.html")
    assert len(flattr_buttons(soup)) == 1
    assert len(payment_links(soup)) == 1
    assert len(og(soup, "og:title")) == 1
    assert soup.select_one(".flattr-injected") is None
    index = page(output / "index.html")
    buttons = flattr_buttons(index)
    assert len(buttons) == 3
    wanted = "auto_submit_url" if style == "plain" else "url"
    assert {b["href"] for b in buttons} == {t[wanted] for t in things.values()}
    # However many embedded buttons a page has, load.js comes once.
    expected_loaders = 0 if style == "plain" else 1
    assert len(loader_scripts(index)) == expected_loaders
    assert len(loader_scripts(soup)) == expected_loaders


def test_theme_forgetting_flattr_script_still_gets_one_loader(site, tmp_path):
    theme = helper_theme(tmp_path)
    index = Path(theme) / "templates" / "index.html"
    index.write_text(index.read_text().replace("{{ flattr_script() }}", ""))
    output = site(
        three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="js"
    )
    assert len(loader_scripts(page(output / "index.html"))) == 1


def test_theme_own_open_graph_is_not_repeated(site, tmp_path):
    theme = simple_child_theme(
        tmp_path,
        "og-theme",
        '{% extends "!simple/article.html" %}\n'
        '{% block head %}{{ super() }}<meta property="og:title" content="Theme title">'
        "<meta property='og:type' content='article'>{% endblock %}\n",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    soup = page(output / "first-of-three.html")
    assert og(soup, "og:title") == ["Theme title"]
    assert og(soup, "og:type") == ["article"]
    assert len(og(soup, "og:url")) == 1 and len(payment_links(soup)) == 1


def test_open_graph_description_is_one_line_of_at_most_300_characters(site):
    words = " ".join(f"word{n}" for n in range(80))  # ~550 characters
    files = {
        "breaks.md": article("Line breaks", summary="First line<br>second line"),
        "long.md": article("Long summary", summary=words),
        "both.md": article("Long with breaks", summary=f"{words}<br>{words}"),
        "short.md": article("Short summary", summary="Five words and no more"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    assert set(things) == set(files)  # every case below is checked
    assert things["breaks.md"]["description"] == "First line\nsecond line"
    expected = {
        "breaks.md": "First line second line",
        "short.md": "Five words and no more",
    }
    for source, thing in things.items():
        (shown,) = og(page(output / thing["page"]), "og:description")
        folded = " ".join(thing["description"].split())
        if source in expected:
            assert shown == expected[source] == folded
            continue
        # Cut at a word boundary, never mid-word, with an ellipsis.
        assert len(shown) <= 300 and shown.endswith("…") and "\n" not in shown
        kept = shown.removesuffix("…")
        assert folded.startswith(kept) and folded[len(kept)] == " "
        assert len(kept) > 250


def test_injection_can_be_switched_off(site):
    output = site(three_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    soup = page(output / "first-of-three.html")
    assert flattr_buttons(soup) == [] and payment_links(soup) == []
    assert len(manifest_things(output)) == 3


def test_injection_off_under_a_theme_without_helpers_is_said(
    site, tmp_path, flattr_log
):
    # notmyidea calls no helper: with FLATTR_INJECT off, no page has a
    # button or a payment link, and the build used to say nothing (only the
    # audit did, a problem for each page).
    output = site(three_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    assert len(manifest_things(output)) == 3
    messages = [r.getMessage() for r in flattr_log.records]
    assert messages == [
        "pelican-flattr: article.html: prints no flattr_head(), flattr_button() "
        "for its own article or page, and FLATTR_INJECT is off, so nothing adds "
        "them: its pages go without (call them in the template, or leave "
        "FLATTR_INJECT on)"
    ]
    # A theme that calls them all is left in peace.
    flattr_log.clear()
    theme = helper_theme(tmp_path)
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    assert [r.getMessage() for r in flattr_log.records] == []
    # One helper missing is "it": its article.html prints no flattr_script()
    # for its embedded button.
    site(
        three_articles(),
        theme=theme,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_INJECT=False,
        FLATTR_BUTTON="js",
    )
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: article.html: prints no flattr_script() for its own "
        "article or page, and FLATTR_INJECT is off, so nothing adds it: its "
        "pages go without (call it in the template, or leave FLATTR_INJECT on)"
    ]


def test_theme_with_button_helper_only_still_gets_head_tags(site, tmp_path):
    theme = helper_theme(tmp_path)
    article_html = Path(theme) / "templates" / "article.html"
    article_html.write_text(
        article_html.read_text().replace("{{ flattr_head(article) }}", "")
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    soup = page(output / "first-of-three.html")
    assert len(flattr_buttons(soup)) == 1
    assert soup.select_one(".flattr-injected") is None  # the theme's button stays
    (link,) = payment_links(soup)
    assert link.parent.name == "head"
    assert len(og(soup, "og:url")) == 1


def test_own_flattr_head_outside_the_head_is_found_behind_other_articles(
    site, tmp_path, caplog
):
    # The head prints the other articles' head tags (reported on their
    # own), and the body the page's own: the first payment link found, an
    # other article's in the head, is not the page's.
    theme = simple_child_theme(
        tmp_path,
        "own-head-in-body",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        "{% for a in articles if a != article %}{{ flattr_head(a) }}{% endfor %}"
        "{% endblock %}{% block content %}{{ flattr_head(article) }}{{ super() }}"
        "{% endblock %}",
    )
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert (
        "pelican-flattr: article.html: flattr_head() prints outside <head>, where "
        "its tags do nothing: call it inside <head>"
    ) in messages


def test_open_graph_tags_in_a_template_leave_the_plugins_own_added(site, tmp_path):
    # A <template>'s content is inert (a share card's markup): its og:title
    # is no tag of the page's, and the plugin's own is still due.
    theme = simple_child_theme(
        tmp_path,
        "og-in-template",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        '<template id="card"><meta property="og:title" content="A card">'
        "</template>{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    for thing in manifest_things(output).values():
        read = page_as_browsers_read_it(output / thing["page"])
        live = [
            meta["content"]
            for meta in read.find_all("meta", property="og:title")
            if meta.find_parent("template") is None
        ]
        assert live == [thing["title"]]
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize("button", ["", "{{ flattr_button(article) }}"])
def test_flattr_head_printed_outside_the_head_is_reported(
    site, tmp_path, caplog, button
):
    # A theme author's slip: the helper in the content block. Its tags are
    # in the body, where they count for nothing; the head gets them anyway,
    # also when the template prints the button itself.
    theme = simple_child_theme(
        tmp_path,
        "head-in-body",
        '{% extends "!simple/article.html" %}{% block content %}'
        "{{ flattr_head(article) }}{{ super() }}" + button + "{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    soup = page_as_browsers_read_it(output / "first-of-three.html")
    assert [link.parent.name for link in payment_links(soup)].count("head") == 1
    assert len(flattr_buttons(soup)) == 1
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [
        "pelican-flattr: article.html: flattr_head() prints outside <head>, where "
        "its tags do nothing: call it inside <head>"
    ]
    with pytest.raises(FlattrBuildError):
        site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    # In its place, it is no problem.
    theme = simple_child_theme(
        tmp_path,
        "head-in-head",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}",
    )
    caplog.clear()
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
    assert len(payment_links(page(output / "first-of-three.html"))) == 1


@pytest.mark.parametrize(
    "wrapper",
    [
        '<template id="share">{}</template>',
        "<template><div>{}</div></template>",
        "<!-- {} -->",
        '<script type="text/x-template">{}</script>',
        "<title>{}</title>",
    ],
    ids=["template", "nested template", "comment", "script", "title"],
)
@pytest.mark.parametrize("inject", [True, False])
def test_flattr_head_printed_where_no_reader_reads_it_is_reported(
    site, tmp_path, caplog, wrapper, inject
):
    # In a <template> in the head, its tags were taken as printed: the page
    # had no payment link, and the build said nothing; in a comment or a
    # script, the build said it printed outside <head>, which it does not.
    theme = simple_child_theme(
        tmp_path,
        "head-hidden",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        + wrapper.format("{{ flattr_head(article) }}")
        + "{% endblock %}{% block content %}{{ super() }}"
        "{{ flattr_button(article) }}{% endblock %}",
    )
    output = site(
        three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=inject
    )
    soup = page_as_browsers_read_it(output / "first-of-three.html")
    in_head = [link for link in payment_links(soup) if link.parent.name == "head"]
    assert len(in_head) == inject  # added by injection, when it is on
    added = "; the plugin adds them early in the head instead" if inject else ""
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [
        "pelican-flattr: article.html: flattr_head() prints in the head, but "
        "inside a comment, a <template> or the text of a <script> or <title>, "
        f"where its tags do nothing{added}: call it in the head itself, outside "
        "them"
    ]
    assert audit_command(["audit", str(output)]) == (0 if inject else 1)


def head_ended_early(injecting):
    """The report of flattr_head() printed after what ends the head early."""
    added = (
        "; the plugin adds them early in the head too, and the page holds two sets "
        "(the audit refuses it)"
        if injecting
        else ""
    )
    return (
        "pelican-flattr: article.html: flattr_head() prints after something that "
        'ends the head early for a browser (text, such as an unescaped quote and ">" '
        "in a description <meta>, an element a head cannot hold, or a </body>, "
        f"</html> or </br>), so its tags are in the body, where they do nothing{added}"
        ": call flattr_head() before it (right after <meta charset>), or escape that "
        "text"
    )


def test_flattr_head_after_text_that_ends_the_head_is_reported(site, tmp_path, caplog):
    # notmyidea's description <meta>, printed unescaped, with the helper
    # after it: the summary's quote and ">" end the tag, and the text left
    # ends the head for a browser, before the one </head> on the page. The
    # helper's tags are in the body; the head gets them from injection.
    theme = simple_child_theme(
        tmp_path,
        "description-first",
        '<!doctype html><html><head><meta charset="utf-8">'
        "<title>{{ article.title|striptags|e }}</title>"
        '<meta name="description" '
        'content="{{ article.summary|striptags|safe|truncate(150) }}" />'
        "{{ flattr_head(article) }}</head><body><article>{{ article.content }}"
        "{{ flattr_button(article) }}</article></body></html>",
    )
    files = three_articles()
    files["d.md"] = article("Greater than", summary='When a "b" &gt; c matters.')
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    thing = manifest_things(output)["d.md"]
    soup = page_as_browsers_read_it(output / thing["page"])
    in_head = [link for link in payment_links(soup) if link.parent.name == "head"]
    assert [link["href"] for link in in_head] == [thing["auto_submit_url"]]
    assert [m.parent.name for m in soup.find_all("meta", property="og:title")] == [
        "head",
        "body",  # the helper's, which the theme must move
    ]
    assert len(flattr_buttons(soup)) == 1
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [head_ended_early(injecting=True)]
    assert audit_command(["audit", str(output)]) == 1  # as the report says
    # Pages whose summary ends nothing keep the helper's tags alone.
    other = page_as_browsers_read_it(output / "first-of-three.html")
    assert [link.parent.name for link in payment_links(other)] == ["head"]
    assert len(og(other, "og:title")) == 1
    # With FLATTR_INJECT off nothing adds them: said all the same, without
    # promising what the plugin then does not do.
    caplog.clear()
    site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [head_ended_early(injecting=False)]


@pytest.mark.parametrize(
    "stray",
    [
        "</br>",
        "</BODY>",
        "</html>",
        # A tracking pixel: its <img> ends the head for a reader that runs no
        # scripts, as crawlers and the audit read.
        '<noscript><img src="https://stats.example.org/p.gif" alt=""></noscript>',
        # Text, or an element a head cannot hold, with every "<" closed and
        # no title, script or end tag before the helper: a "}" a template
        # left, a skip link, a logo.
        "}",
        '<a href="#main">Skip to content</a>',
        '<img src="logo.png" alt="">',
        "<div>x</div>",
        # After comments a browser ends where a search for "-->" does not.
        '<!--><a href="#main">Skip</a><!-- end -->',
        '<!---><a href="#main">Skip</a><!-- end -->',
        '<!-- x --!><a href="#main">Skip</a><!-- end -->',
    ],
)
def test_flattr_head_after_what_ends_the_head_is_reported(
    site, tmp_path, caplog, stray
):
    # A browser reads "</br>", "</body>" or "</html>" in a head as the
    # start of the body, as it reads text or an element a head cannot hold:
    # the helper's tags after one were in the body, and the build said
    # nothing. Another end tag there is dropped, and ends nothing.
    theme = simple_child_theme(
        tmp_path,
        "stray-end-tag",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        + stray
        + "{{ flattr_head(article) }}{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    soup = page_as_browsers_read_it(output / "first-of-three.html")
    assert [link.parent.name for link in payment_links(soup)] == ["head", "body"]
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [head_ended_early(injecting=True)]
    caplog.clear()
    site(
        three_articles(),
        theme=simple_child_theme(
            tmp_path,
            "dropped-end-tag",
            '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
            "</div>{{ flattr_head(article) }}{% endblock %}",
        ),
        FLATTR_AUTHORS=AUTHORS,
    )
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


BUTTON_NEVER_PRINTED = (
    "WARNING",
    "pelican-flattr: article.html: flattr_button() is called for the page's own "
    "article or page, but no reader sees its button (kept in a variable and "
    "never printed, or printed in a comment, a script, a <textarea>, a "
    "<template>, a tag's attribute, or, an embedded one, a <noscript>?); the "
    "plugin adds it after the body instead: print it where the button belongs",
)
# With FLATTR_INJECT off: a helper called, its output where no reader sees
# it, was said never to be called ("call it in the template").
UNSEEN = (
    "for its own article or page, but no reader sees what {} (kept in a "
    "variable and never printed, or printed in a comment, a script, a "
    "<textarea>, a <template> or a tag's attribute?), and FLATTR_INJECT is off, "
    "so nothing adds {}: its pages go without (print {} where readers see the "
    "page, or leave FLATTR_INJECT on)"
)
NOTHING_ADDS_UNSEEN = (
    "WARNING",
    "pelican-flattr: article.html: calls flattr_head(), flattr_button() "
    + UNSEEN.format("they print", "them", "them"),
)
# simple's article.html calls no flattr_head(): the head is never printed,
# the button unseen.
NOTHING_ADDS_HEAD_OR_UNSEEN_BUTTON = [
    (
        "WARNING",
        "pelican-flattr: article.html: prints no flattr_head() for its own "
        "article or page, and FLATTR_INJECT is off, so nothing adds it: its pages "
        "go without (call it in the template, or leave FLATTR_INJECT on)",
    ),
    (
        "WARNING",
        "pelican-flattr: article.html: calls flattr_button() "
        + UNSEEN.format("it prints", "it", "it"),
    ),
]


def test_helpers_whose_output_is_never_printed_are_reported(site, tmp_path, caplog):
    # The helpers count calls, not output: kept in a variable and never
    # printed, the button and head tags were missing from every page, and
    # the build said nothing (or, of the head, that it printed outside it).
    theme = simple_child_theme(
        tmp_path,
        "kept",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{% set h = flattr_head(article) %}"
        "{% endblock %}{% block content %}{{ super() }}"
        "{% set b = flattr_button(article) %}{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    for thing in manifest_things(output).values():
        soup = page_as_browsers_read_it(output / thing["page"])
        (button,) = flattr_buttons(soup)
        assert button.find_parent(class_="flattr-injected") is not None
        links = payment_links(soup)
        assert [link.parent.name for link in links] == ["head"]
        assert [link["href"] for link in links] == [thing["auto_submit_url"]]
        assert len(og(soup, "og:title")) == 1
    messages = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [(r.levelname, r.getMessage()) for r in messages] == [
        (
            "WARNING",
            "pelican-flattr: article.html: flattr_head() is called for the "
            "page's own article or page, but its output is not on the page "
            "(kept in a variable and never printed?); the plugin adds the tags "
            "to the head instead: print it inside <head>",
        ),
        BUTTON_NEVER_PRINTED,
    ]
    assert audit_command(["audit", str(output)]) == 0
    # With FLATTR_INJECT off, what is never printed is missing, and said so.
    caplog.clear()
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    messages = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [(r.levelname, r.getMessage()) for r in messages] == [NOTHING_ADDS_UNSEEN]


@pytest.mark.parametrize(
    "hidden",
    [
        "<!-- {{ flattr_button(article) }} -->",
        "<template>{{ flattr_button(article) }}</template>",
        "<template><div>{{ flattr_button(article) }}</div></template>",
        '<script type="text/x-template">{{ flattr_button(article) }}</script>',
        '<script>var html = \'{{ flattr_button(article)|replace("\'", "\\\\\'")'
        '|replace("\\n", " ") }}\';</script>',
        "<textarea readonly>{{ flattr_button(article) }}</textarea>",
    ],
    ids=["comment", "template", "nested template", "x-template", "string", "textarea"],
)
def test_a_button_printed_where_no_reader_sees_it_is_added(
    site, tmp_path, caplog, hidden
):
    # Commented out with HTML's comment rather than Jinja's, kept in a
    # <template>, or printed as a script's or a textarea's text: the page
    # showed no button, the build said nothing, and only the audit (or, for
    # a <template>, nothing) told.
    theme = after_the_body_theme(tmp_path, "hidden", hidden)
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    for thing in manifest_things(output).values():
        soup = page_as_browsers_read_it(output / thing["page"])
        shown = [
            button
            for button in flattr_buttons(soup)
            if not button.find_parent("template")
        ]
        (button,) = shown
        assert button.find_parent(class_="flattr-injected") is not None
    messages = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [(r.levelname, r.getMessage()) for r in messages] == [BUTTON_NEVER_PRINTED]
    assert audit_command(["audit", str(output)]) == 0
    # With FLATTR_INJECT off, the button is missing, and said so.
    caplog.clear()
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    messages = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [
        (r.levelname, r.getMessage()) for r in messages
    ] == NOTHING_ADDS_HEAD_OR_UNSEEN_BUTTON


@pytest.mark.parametrize(
    "declaration",
    [
        "{{ super() }}",  # simple's <title>, then <meta charset>
        '<title>t</title><META CHARSET="utf-8">',
        '<title>t</title><meta http-equiv="Content-Type" '
        'content="text/html; charset=utf-8">',
    ],
    ids=["simple", "upper-case", "http-equiv"],
)
# (Also with a description that names a charset first, and a <meta charset>
# quoted in a comment: neither is the declaration.)
def test_head_tags_printed_before_meta_charset_are_warned_of(
    site, tmp_path, caplog, declaration
):
    # "At the top of the head block": in simple, before its <title> and
    # <meta charset>, which the tags pushed past the first 1,024 bytes,
    # where a browser looks for the encoding. The build said nothing.
    theme = simple_child_theme(
        tmp_path,
        "first",
        '{% extends "!simple/article.html" %}'
        f"{{% block head %}}{{{{ flattr_head(article) }}}}{declaration}"
        "{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    for thing in manifest_things(output).values():
        data = (output / thing["page"]).read_bytes().lower()
        assert data.find(b"charset") >= 1024
    assert [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"] == [
        "pelican-flattr: article.html: flattr_head() prints before <meta charset>, "
        "which then ends past the first 1,024 bytes of the page, where a browser "
        "looks for it: call flattr_head() right after <meta charset>"
    ]
    # A description naming "charset", and a <meta charset> quoted in a
    # comment, before the call: not the page's declaration, which still
    # ends past the first 1,024 bytes.
    caplog.clear()
    misleading = simple_child_theme(
        tmp_path,
        "misleading",
        '{% extends "!simple/article.html" %}{% block head %}'
        '<meta name="description" content="On charset">'
        "<!-- keep <meta charset> first -->"
        f"{{{{ flattr_head(article) }}}}{declaration}{{% endblock %}}",
    )
    site(three_articles(), theme=misleading, FLATTR_AUTHORS=AUTHORS)
    assert [r for r in caplog.records if "meta charset" in r.getMessage()]
    # No declaration at all, and a title that names one: nothing to say.
    caplog.clear()
    undeclared = simple_child_theme(
        tmp_path,
        "undeclared",
        '{% extends "!simple/article.html" %}{% block head %}<title>t</title>'
        "{{ flattr_head(article) }}{% endblock %}",
    )
    files = {"c.md": article("Charsets explained " + "x" * 900, "Alice", slug="c")}
    site(files, theme=undeclared, FLATTR_AUTHORS=AUTHORS)
    assert not [r for r in caplog.records if "meta charset" in r.getMessage()]
    # After <meta charset>, as the README shows: nothing to say.
    caplog.clear()
    after = simple_child_theme(
        tmp_path,
        "after",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}",
    )
    site(three_articles(), theme=after, FLATTR_AUTHORS=AUTHORS)
    assert [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"] == []


def test_what_a_noscript_holds_counts_for_the_audit(site, tmp_path):
    # Crawlers, and readers without scripts, see it: a second payment link
    # there is one, as it is for the build.
    theme = simple_child_theme(
        tmp_path,
        "noscript",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        '<noscript><link rel="payment" href="https://flattr.com/thing/12345">'
        "</noscript>{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    assert audit_command(["audit", str(output)]) == 1


SHOWN_AROUND = {
    # "<!-->" ends where it starts, and a "<template>" written in a closed
    # comment opens nothing.
    "downlevel-revealed": ("<!--[if !IE]><!-->", "<!--<![endif]-->"),
    "empty-comment": ("<!-->", ""),
    "template-quoted-in-a-comment": ("<!-- no <template> here -->", ""),
    # Only the tag's whole name tells: a <template-card> was taken for a
    # <template>.
    **{name: (f"<{name}>", f"</{name}>") for name in ("template-card", "script-free")},
    **{name: (f"<{name}>", f"</{name}>") for name in ("noscript-x", "textarea-y")},
}


@pytest.mark.parametrize(
    ("before", "after"), SHOWN_AROUND.values(), ids=list(SHOWN_AROUND)
)
def test_a_button_that_hides_behind_nothing_is_shown(
    site, tmp_path, caplog, before, after
):
    # Taken for a button no reader sees, it got a second one injected.
    theme = after_the_body_theme(
        tmp_path, "shown", f"{before}{{{{ flattr_button(article) }}}}{after}"
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    assert [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"] == []
    for thing in manifest_things(output).values():
        text = (output / thing["page"]).read_text(encoding="utf-8")
        assert "flattr-injected" not in text
    assert audit_command(["audit", str(output)]) == 0


def test_a_button_never_printed_beside_other_articles_buttons_is_added(
    site, tmp_path, caplog
):
    # A sidebar of other articles' buttons, and the page's own kept in a
    # variable: any of the plugin's buttons on the page used to count as
    # the page's own, and the page went without, unreported.
    theme = simple_child_theme(
        tmp_path,
        "sidebar",
        '{% extends "!simple/article.html" %}{% block content %}{{ super() }}'
        "{% set own = flattr_button(article) %}<aside>"
        "{% for a in articles if a != article %}{{ flattr_button(a) }}"
        "{% endfor %}</aside>{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    for thing in manifest_things(output).values():
        soup = page_as_browsers_read_it(output / thing["page"])
        own = soup.find(class_="flattr-injected")
        assert own is not None and own.find_parent("aside") is None
        (button,) = flattr_buttons(own)
        assert button["href"] == thing["auto_submit_url"]
        assert len(flattr_buttons(soup)) == 3  # and the sidebar's two
    messages = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [(r.levelname, r.getMessage()) for r in messages] == [
        BUTTON_NEVER_PRINTED,
    ]
    assert audit_command(["audit", str(output)]) == 0
    # With FLATTR_INJECT off, nothing adds it: said so.
    caplog.clear()
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    messages = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [
        (r.levelname, r.getMessage()) for r in messages
    ] == NOTHING_ADDS_HEAD_OR_UNSEEN_BUTTON


def test_flattr_head_for_another_content_is_reported(site, tmp_path, caplog):
    # In a listing's summaries, or for a related article: the README says
    # it counts for nothing there and the build reports it; the build said
    # nothing, and the pages carried other things' payment links.
    theme = simple_child_theme(
        tmp_path,
        "others-heads",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        "{{ flattr_head(article) }}{% for a in articles if a != article %}"
        "{{ flattr_head(a) }}{% endfor %}{% endblock %}",
    )
    (Path(theme) / "templates" / "index.html").write_text(
        '{% extends "!simple/index.html" %}{% block content %}{{ super() }}'
        "{% for a in articles_page.object_list %}{{ flattr_head(a) }}"
        "{% endfor %}{% endblock %}"
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    assert len(payment_links(page(output / "index.html"))) == 3
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    for template in ("article.html", "index.html"):
        assert (
            errors.count(
                f"pelican-flattr: {template}: flattr_head() is called for an "
                "article or page that is not the page's own (a listing's, or "
                "another article's), and prints its payment link and Open Graph "
                "tags here, where they describe the wrong page: it belongs only "
                "on the content's own page, for its article (or page)"
            )
            == 1
        ), errors
    with pytest.raises(FlattrBuildError):
        site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


# The first of three_articles() whose page Pelican writes, the first a
# template's problem names.
FIRST_WRITTEN = "a.md"
_HEAD = "{{ flattr_head(article) }}"
_BUTTON = "{{ flattr_button(article) }}"


@pytest.mark.parametrize(
    ("head", "content", "helper", "shown"),
    [
        # A button above and below the article.
        (_HEAD, _BUTTON + "{{ super() }}" + _BUTTON, "flattr_button", flattr_buttons),
        (_HEAD, "{{ super() }}" + _BUTTON * 2, "flattr_button", flattr_buttons),
        (_HEAD * 2, "{{ super() }}" + _BUTTON, "flattr_head", payment_links),
        # One call, its output printed twice (theme/article.html keeps the
        # button in a variable): said nothing, or of the head that the theme
        # printed Open Graph tags of its own, advice that left two links.
        (
            _HEAD,
            "{% set b = flattr_button(article) %}{{ b }}{{ super() }}{{ b }}",
            "flattr_button",
            flattr_buttons,
        ),
        (
            "{% set h = flattr_head(article) %}{{ h }}{{ h }}",
            "{{ super() }}" + _BUTTON,
            "flattr_head",
            payment_links,
        ),
    ],
)
def test_a_helper_printed_twice_for_the_own_article_is_reported(
    site, tmp_path, caplog, head, content, helper, shown
):
    # The page shows two, which the audit refuses. The build says so, once
    # for the template.
    theme = simple_child_theme(
        tmp_path,
        "twice",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}" + head + "{% endblock %}"
        "{% block content %}" + content + "{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    assert len(shown(page(output / "first-of-three.html"))) == 2
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [
        f"pelican-flattr: article.html: the page of {FIRST_WRITTEN} shows "
        f"{helper}() for its own article or page more than once; a page must show "
        "it once (the audit refuses it): print it once"
    ]
    assert audit_command(["audit", str(output)]) == 1
    with pytest.raises(FlattrBuildError):
        site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


@pytest.mark.parametrize(
    ("head", "content"),
    [
        (
            _HEAD,
            "{{ super() }}{% if flattr_button(article) %}" + _BUTTON + "{% endif %}",
        ),
        ("{% if flattr_head(article) %}" + _HEAD + "{% endif %}", "{{ super() }}"),
        # Kept once, tested once, printed once.
        (
            _HEAD,
            "{% set b = flattr_button(article) %}{{ super() }}"
            "{% if flattr_button(article) %}{{ b }}{% endif %}",
        ),
    ],
)
def test_a_helper_called_twice_but_printed_once_is_no_problem(
    site, tmp_path, caplog, head, content
):
    # A call that only tests the helper's output prints nothing: it was
    # reported as printing twice, and a strict build failed.
    theme = simple_child_theme(
        tmp_path,
        "tested",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}" + head + "{% endblock %}"
        "{% block content %}" + content + "{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    soup = page(output / "first-of-three.html")
    assert len(flattr_buttons(soup)) == len(payment_links(soup)) == 1
    assert [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"] == []
    assert audit_command(["audit", str(output)]) == 0


def test_other_articles_buttons_twice_on_a_listing_are_no_problem(
    site, tmp_path, caplog
):
    # An index that shows each article's button twice (the theme's choice):
    # no thing's own page is concerned.
    theme = simple_child_theme(
        tmp_path, "listing", '{% extends "!simple/article.html" %}'
    )
    index = Path(theme) / "templates" / "index.html"
    index.write_text(
        '{% extends "!simple/index.html" %}{% block content %}{{ super() }}'
        "{% for a in articles %}{{ flattr_button(a) }}{{ flattr_button(a) }}"
        "{% endfor %}{% endblock %}"
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    assert len(flattr_buttons(page(output / "index.html"))) == 6
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
    assert audit_command(["audit", str(output)]) == 0


# A small alphabet, so that bodies repeat and overlap inside pages, and
# bodies longer than the 64 characters _end_of searches for first.
_PIECES = st.text(alphabet="ab</>", max_size=200)


@given(_PIECES, st.text(alphabet="ab</>", min_size=1, max_size=160), _PIECES,
       st.integers(0, 250))  # fmt: skip
def test_end_of_is_where_find_puts_the_end_of_the_first_body(
    before, body, after, start
):
    for page_text in (before + body + after, before + after):
        found = page_text.find(body, start)
        expected = found + len(body) if found >= 0 else -1
        assert _end_of(page_text, body, start) == expected


def _hidden_until_reference(page, at, start, noscript_hides):
    """What hides ``page[at]``, read from ``start`` for each copy (by
    read_html, as a page with foreign content is): the reading hiding_ends
    does once for all of them (a <noscript> hiding, with ``noscript_hides``)."""
    templates, in_noscript = 0, False
    for name, _, tag_start, tag_end, closed in html_reader.read_html(
        page, start, len(page)
    ):
        if tag_start >= at:
            break
        if tag_end > at:
            return tag_end
        if closed:
            if name in ("template", "/template"):
                templates = max(templates + (-1 if name[0] == "/" else 1), 0)
            elif name in ("noscript", "/noscript") and noscript_hides:
                in_noscript = name[0] != "/"
    return at + 1 if templates or in_noscript else -1


_HIDING_PIECES = st.lists(
    st.sampled_from(
        ["<template>", "</template>", "<noscript>", "</noscript>", "<!-- x -->",
         "<!--", "-->", "<script>a</script>", "<SCRIPT>", "</script>", "<p>",
         "</p>", '<i title="', '">', "text", " ", "<script/>", "</script >",
         "<svg>", "</svg>"]
    ),
    max_size=30,
).map("".join)  # fmt: skip


@given(
    _HIDING_PIECES,
    st.lists(st.integers(0, 400), max_size=8),
    st.integers(0, 20),
    st.booleans(),
)
def test_hiding_ends_reads_once_what_reading_from_the_start_finds(
    page, ats, start, noscript_hides
):
    # Each copy was settled by reading the page again from its start: a
    # theme printing the body in many <template>s took quadratic time. (A
    # page with an <svg> is read by read_html; without noscript_hides, for
    # a plain button, a <noscript> hides nothing.)
    hiding = hiding_ends(page, start, noscript_hides)
    next(hiding)
    for at in sorted(set(ats)):
        expected = _hidden_until_reference(page, at, start, noscript_hides)
        assert hiding.send(at) == expected


@pytest.mark.parametrize("foreign", ["", "<svg></svg>"], ids=["html", "after an svg"])
@pytest.mark.parametrize("in_doubt", [False, True], ids=["searched", "read"])
def test_a_noscript_hides_only_what_needs_scripts(foreign, in_doubt):
    # Where scripts run, a <noscript>'s content is text: an embedded button
    # there is hidden, a plain one is seen (crawlers and readers without
    # scripts see it). What follows its end tag, every reader sees.
    page = f"{foreign}<noscript><p>in</p></noscript><p>out</p>"
    inside, after = page.index("<p>in"), page.index("<p>out")
    unseen = html_reader.unseen_by_any_reader
    assert unseen(page, inside, noscript=True, in_doubt=in_doubt)
    assert not unseen(page, inside, noscript=False, in_doubt=in_doubt)
    assert not unseen(page, after, noscript=True, in_doubt=in_doubt)


@pytest.mark.parametrize("start", ["<template>", "<TEMPLATE>", "<template\n>"])
def test_a_template_hides_what_it_wraps_in_the_spellings_themes_use(start):
    # Searched back for in lower case alone, a <TEMPLATE> around a <div>
    # holding a copy of the body raised no doubt: the copy counted as seen.
    page = f"<body>{start}<div><p>copy</p></div></template><p>shown</p>"
    inside, after = page.index("<p>copy"), page.index("<p>shown")
    assert html_reader.may_be_hidden(page, inside)
    assert html_reader.unseen_by_any_reader(page, inside)
    assert not html_reader.unseen_by_any_reader(page, after)


# A <script>'s text after "<!--": a "<script" there starts double escaped
# text, which its "</script>" does not end (WHATWG HTML 13.2.5.20-31).
# (page, which marks, numbered in order, a browser reads as markup: those
# before the page's end are in no script's text.)
_MARK = "<input>"
DOUBLE_ESCAPED = {
    "double escaped to the real end tag": (
        f"<script><!--<script></script>{_MARK}--></script>{_MARK}",
        [1],
    ),
    # "-->" before the inner "</script": back to script data, whose first
    # end tag ends the script.
    "ended by --> first": (f"<script><!--<script>-->{_MARK}</script>{_MARK}", [1]),
    "ended by --> after it": (
        f"<script><!--<script></script>-->{_MARK}</script>{_MARK}",
        [1],
    ),
    # "</script" ends the double escaped text; the "</script>" after it
    # ends the script.
    "ended by its end tag, then the script's": (
        f"<script><!--<script></script>{_MARK}</script>{_MARK}",
        [1],
    ),
    "twice over": (
        f"<script><!--<script></script><script></script>{_MARK}</script>{_MARK}"
        f"</script>{_MARK}",
        [1, 2],
    ),
    "in capitals, ended by / and a space": (
        f"<script><!--<SCRIPT/></Script >{_MARK}</script/>{_MARK}",
        [1],
    ),
    "never closed": (f"<script><!--<script></script>{_MARK}</script>", []),
    # Not double escaped: a name that only starts with "script"; a
    # "<!-->", whole; a comment after the script, not in it; a "<script"
    # after "<!--" in a title's text, or in a comment, which end at their
    # own end tags.
    "a longer name": (f"<script><!--<scripts></script>{_MARK}</script>", [0]),
    "<!--> is whole": (f"<script><!--><script></script>{_MARK}</script>", [0]),
    "a comment after the script": (
        f"<script>x</script><!--<script></script>-->{_MARK}",
        [0],
    ),
    "in a title's text": (f"<title><!--<script></title>{_MARK}</script>", [0]),
    "after a comment, before the script": (
        f"<!-- c --><script>a</script>{_MARK}"
        f"<script><!--<script></script>{_MARK}--></script>{_MARK}",
        [0, 2],
    ),
    # A <template> in double escaped text is text: it hides nothing after
    # the script (the readers read on from the script's real end).
    "a template in it": (
        f"<script><!--<script></script><template>--></script>{_MARK}",
        [0],
    ),
}


def test_the_first_text_after_a_double_escaped_script_is_after_it():
    # Text in the script's double escaped part is the script's: the page's
    # first text (which ends the head for a browser) is the body's.
    page = (
        "<html><head><script><!--<script></script>x--></script>"
        "<meta charset=utf-8></head><body>hi"
    )
    texts = [at for name, _, at in read_tags(page, len(page)) if name == TEXT]
    assert texts == [page.index("hi")]


@pytest.mark.parametrize(
    "page, doubt",
    [
        # IE's conditional comments and a script commented out: comments
        # around a script, which its end tag settles with a search.
        ("<!--[if lt IE 9]><script src=a.js></script><![endif]-->", False),
        ("<script>a</script><!-- <script src=b.js></script> -->", False),
        ("<script><!--<script></script>", True),
    ],
)
def test_only_a_comment_in_a_scripts_text_leaves_a_doubt(page, doubt):
    # A doubt sends the build to read the whole page tag by tag (36 times
    # the searches on a 21 KB page): ordinary comments must not raise one.
    assert html_reader._in_escaped_text(page, page.rindex("<script")) is doubt


@pytest.mark.parametrize(
    "text, seen", DOUBLE_ESCAPED.values(), ids=list(DOUBLE_ESCAPED)
)
@pytest.mark.parametrize("foreign", [False, True], ids=["html", "after an svg"])
def test_double_escaped_script_text_is_read_as_html5lib_reads_it(text, seen, foreign):
    # Taken to end at its first "</script>", such a script left the rest of
    # its text to be read as markup: a button there counted as shown, a
    # landmark there took the injected button. read_tags, read_html (on a
    # page with an <svg>) and hiding_ends, the build's readers in doubt,
    # read on.
    page = _numbered(("<svg></svg>" if foreign else "") + f"<body>{text}")
    marks = [m.start() for m in re.finditer("<input id=", page)]
    read = [
        int(html_reader.attribute_values(attributes)["id"])
        for name, attributes, _ in read_tags(page, len(page))
        if name == "input"
    ]
    document = html5lib.parse(page)
    built = [int(i.get("id")) for i in document.iter(f"{XHTML}input")]
    assert read == built == seen
    hiding = hiding_ends(page, 0)
    next(hiding)
    assert [n for n, at in enumerate(marks) if hiding.send(at) < 0] == seen
    # Each script's text ends where html5lib ends it.
    texts = [
        page[page.index(">", start) + 1 : stop]
        for name, _, start, stop, _ in html_reader.read_html(page, 0, len(page))
        if name == "script"
    ]
    assert texts == [s.text or "" for s in document.iter(f"{XHTML}script")]
    for n, at in enumerate(marks):
        # Not hidden, for the build's checks that settle the usual page
        # with a few searches; a script's text, for the one that places
        # the button before a landmark (start tags spelt as themes spell
        # them: in lower case).
        assert html_reader.unseen_by_any_reader(page, at) == (n not in seen)
        if page.islower():
            assert html_reader.in_script(page, at) == (n not in seen), n


def _numbered(text: str) -> str:
    """``text`` with each ``_MARK`` given its number as its id."""
    numbers = iter(range(1000))
    return re.sub(re.escape(_MARK), lambda _: f"<input id={next(numbers)}>", text)


XHTML = "{http://www.w3.org/1999/xhtml}"
_ESCAPE_PIECES = st.lists(
    st.sampled_from(
        ["<script>", "<SCRIPT >", "<script/>", "</script>", "</script/>",
         "</Script >", "<scripts>", "</scripts>", "<!--", "-->", "<!-->", "-",
         ">", "<", "x", _MARK]
    ),
    max_size=24,
).map("".join)  # fmt: skip


@given(_ESCAPE_PIECES)
@settings(max_examples=300, deadline=None)
def test_script_text_is_read_as_html5lib_reads_it(body):
    # Scripts and comments of every shape, escaped, double escaped or not:
    # the marks read as markup are those html5lib builds.
    page = _numbered(f"<!DOCTYPE html><body>{body}{_MARK}")
    read = [
        html_reader.attribute_values(attributes)["id"]
        for name, attributes, _ in read_tags(page, len(page))
        if name == "input"
    ]
    document = html5lib.parse(page)
    assert read == [i.get("id") for i in document.iter(f"{XHTML}input")]


def test_helpers_reach_includes_and_imported_macros(site, tmp_path):
    # The helpers are found by the context every template renders with,
    # including an include's and a macro module imported without context,
    # where Jinja globals would also be found.
    templates = tmp_path / "include-theme" / "templates"
    templates.mkdir(parents=True)
    (templates / "flattr_bits.html").write_text("{{ flattr_button(article) }}")
    (templates / "macros.html").write_text(
        "{% macro head_of(item) %}{{ flattr_head(item) }}{% endmacro %}"
    )
    (templates / "article.html").write_text(
        '{% extends "!simple/article.html" %}\n'
        '{% import "macros.html" as flattr_macros %}\n'
        "{% block head %}{{ super() }}{{ flattr_macros.head_of(article) }}"
        "{% endblock %}\n"
        '{% block content %}{{ super() }}{% include "flattr_bits.html" %}'
        "{% endblock %}\n"
    )
    output = site(
        three_articles(),
        theme=str(tmp_path / "include-theme"),
        FLATTR_AUTHORS=AUTHORS,
    )
    thing = manifest_things(output)["a.md"]
    soup = page(output / "first-of-three.html")
    assert [b["href"] for b in flattr_buttons(soup)] == [thing["auto_submit_url"]]
    assert [link["href"] for link in payment_links(soup)] == [thing["auto_submit_url"]]
    assert soup.select_one(".flattr-injected") is None


@given(st.lists(st.text(alphabet=st.sampled_from("a&<>\"'\x00 é回"), max_size=12)))
def test_attributes_escapes_each_value_as_alone(values):
    assert _attributes(values) == [_attribute(value) for value in values]


@given(st.text(alphabet=st.sampled_from("a%&=?<>\"' /é"), max_size=40) | st.text())
def test_url_attribute_escapes_like_attribute(url):
    assert _url_attribute(url) == _attribute(url)


@given(st.text(alphabet=st.sampled_from("aZ9-_&<>\"' é²"), max_size=12) | st.text())
def test_lang_attribute_escapes_like_attribute(lang):
    assert markup._lang_attribute(lang) == _attribute(lang)


@pytest.mark.parametrize("style", ["plain", "js", "compact"])
def test_a_button_escapes_a_hostile_lang_given_without_the_build(style):
    # The build gives thing.bcp47's tags, but a ContentThing made by other
    # code can hold anything: the plain button wrote its lang as it was.
    lang = 'en"><img src=x onerror=alert(1)><span x="'
    content_thing = dataclasses.replace(hostile_url_thing(style), lang=lang)
    written = str(markup.button(content_thing, style))
    soup = BeautifulSoup(written, "html.parser")
    assert soup.find("img") is None
    assert soup.find(lang=lang) is not None


def test_head_reads_open_graph_pairs_from_any_iterable():
    thing = Thing(
        "https://example.org/a",
        parse_owner("alice"),
        "A <b> & 'c'",
        "Words.",
        "text",
        "en_GB",
        (),
        False,
    )
    content_thing = ContentThing(thing, "a.md", "a.html", "plain")
    pairs = (("og:title", thing.title), ("og:type", "article"), ("og:url", thing.url))
    from_tuple = head(content_thing, pairs)
    assert head(content_thing, iter(pairs)) == from_tuple
    assert 'content="A &lt;b&gt; &amp; &#39;c&#39;"' in from_tuple
    without_type = head(content_thing, iter(pairs), frozenset({"og:type"}))
    assert "og:type" not in without_type and "og:url" in without_type


@pytest.mark.parametrize("style", ["plain", "js"])
def test_ascii_page_stays_ascii_with_what_the_plugin_adds(site, style):
    # A cut description ends with "…", a short title gets " – SITENAME":
    # on a page that is otherwise all ASCII they are written as references.
    words = " ".join(f"word{n}" for n in range(80))
    files = {"long.md": article("Long ASCII piece", body=words), "hi.md": article("Hi")}
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    things = manifest_things(output)
    assert set(things) == set(files)
    for thing in things.values():
        raw = (output / thing["page"]).read_bytes()
        assert raw.isascii(), thing["page"]
    long_page = page(output / things["long.md"]["page"])
    (description,) = og(long_page, "og:description")
    assert description.endswith("…") and things["long.md"]["description"].endswith("…")
    hi_page = page(output / things["hi.md"]["page"])
    assert og(hi_page, "og:title") == ["Hi – Example Community"]
    (button,) = flattr_buttons(hi_page)
    if style == "plain":
        label = "Flattr this: support “Hi – Example Community” on flattr.com"
        assert plain_button_name(button) == label
    else:
        assert button["title"] == "Hi – Example Community"


def test_button_helper_writes_only_ascii_of_its_own(site, tmp_path):
    # The theme prints the button itself, so nothing is injected: the
    # button's own words must not make an ASCII page wide.
    output = site(
        three_articles(), theme=helper_theme(tmp_path), FLATTR_AUTHORS=AUTHORS
    )
    raw = (output / "first-of-three.html").read_bytes()
    assert raw.isascii() and b"flattr-injected" not in raw
    (button,) = flattr_buttons(page(output / "first-of-three.html"))
    assert "“First of three”" in plain_button_name(button)


def test_non_ascii_page_keeps_the_characters_it_is_given(site):
    files = {"long.md": article("Ünïcode piece", body=" ".join(["wörd"] * 80))}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    (thing,) = manifest_things(output).values()
    text = (output / thing["page"]).read_text(encoding="utf-8")
    assert "&#8230;" not in text and "…" in text
    (description,) = og(page(output / thing["page"]), "og:description")
    assert description.startswith("wörd wörd") and description.endswith("…")


# Unicode's noncharacters (U+FDD0 to U+FDEF, the last two code points of
# each plane): html.unescape drops their references, which the HTML standard
# reads back as the characters, and the plugin makes them spaces before any
# reaches markup (test_noncharacters_become_spaces_as_control_characters_do).
_NONCHARACTERS = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(
        chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
    )
    + "]"
)


@given(st.text().map(lambda text: _NONCHARACTERS.sub(" ", text)))
def test_ascii_html_reads_back_as_the_same_text(text):
    escaped = _attribute(text)
    converted = _ascii_html(escaped)
    assert html.unescape(converted) == text
    if not any("\x80" <= character <= "\x9f" for character in text):
        assert converted.isascii()


@pytest.mark.parametrize("style", ["plain", "js"])
def test_an_article_quoting_the_plugins_markup_still_gets_its_button(site, style):
    # "Is there a button or a loader already?" once matched the article's
    # own text: a post about styling the button lost it.
    body = """
        Style it with `.flattr-button flattr-button--plain`, or copy
        `<a class="flattr-button flattr-button--plain" href="#">`. The loader
        is https://api.flattr.com/js/0.6/load.js?mode=auto and the class
        FlattrButton marks what it replaces.

            <a class="FlattrButton flattr-button flattr-button--js" href="#">x</a>
            <script src="https://api.flattr.com/js/0.6/load.js?mode=auto"></script>
    """
    files = {"a.md": article("Styling the button", "Alice", body)}
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    soup = page(output / "styling-the-button.html")
    assert len(flattr_buttons(soup)) == 1
    loaders = loader_scripts(soup)
    assert len(loaders) == (0 if style == "plain" else 1)


def test_a_themes_own_loader_is_not_loaded_twice(site, tmp_path):
    # A theme that prints load.js itself (in its footer, for the buttons
    # it draws) and no button: the injected embedded button needs no
    # second copy, which would run load.js twice over the page.
    theme = simple_child_theme(
        tmp_path, "loader-theme", '{% extends "!simple/article.html" %}'
    )
    (Path(theme) / "templates" / "base.html").write_text(
        simple_base(footer=f'<script src="{LOADER_URL}" async></script>')
    )
    output = site(
        three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="js"
    )
    soup = page(output / "first-of-three.html")
    (button,) = flattr_buttons(soup)
    assert button.find_parent(class_="flattr-injected") is not None
    assert "FlattrButton" in button["class"]
    assert len(loader_scripts(soup)) == 1


def theme_asking(tmp_path, asked, printed):
    """``helper_theme`` whose article.html asks for the ``asked`` style,
    ``printed`` (Jinja) holding the call as BUTTON."""
    theme = helper_theme(tmp_path)
    article_html = Path(theme) / "templates" / "article.html"
    article_html.write_text(
        article_html.read_text().replace(
            "{{ flattr_button(article) }}",
            printed.replace("BUTTON", f'flattr_button(article, "{asked}")'),
        )
    )
    return theme


@pytest.mark.parametrize(
    ("asked", "printed"),
    [
        ("compact", "{{ BUTTON }}"),
        ("big", "{{ BUTTON }}"),
        # Kept in a variable, or printed where no reader sees it: the page
        # shows the button injection adds, in the configured style.
        ("compact", "{% set kept = BUTTON %}"),
        ("compact", "<!-- {{ BUTTON }} -->"),
    ],
    ids=["compact", "big", "compact-kept", "compact-commented"],
)
def test_the_manifest_records_the_style_a_template_shows(
    site, tmp_path, caplog, asked, printed
):
    theme = theme_asking(tmp_path, asked, printed)
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    soup = page_as_browsers_read_it(output / "first-of-three.html")
    (button,) = flattr_buttons(soup)
    first = next(t for t in things.values() if t["page"] == "first-of-three.html")
    if not printed.startswith("{{"):
        assert button.find_parent(class_="flattr-injected") is not None
        assert "flattr-button--plain" in button["class"]
        assert first["button"] == "plain"
        assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
            BUTTON_NEVER_PRINTED[1]
        ]
    elif asked == "compact":
        assert button["data-flattr-button"] == "compact"
        assert first["button"] == "compact"
    else:  # not a style: the configured one, and the template named
        assert "flattr-button--plain" in button["class"]
        assert first["button"] == "plain"
        assert (
            "article.html:3: flattr_button() is called with style 'big', not one "
            "of plain, js, compact: the configured style is shown instead"
        ) in [r.getMessage().removeprefix("pelican-flattr: ") for r in caplog.records]
        with pytest.raises(FlattrBuildError):  # a problem like any other
            site(
                three_articles(),
                theme=theme,
                FLATTR_AUTHORS=AUTHORS,
                FLATTR_STRICT=True,
                FLATTR_URL_GUARD=False,  # the guard made the last check before
            )
    # Each article's own page decides (the index shows the configured one).
    assert {t["button"] for t in things.values()} == {first["button"]}
    assert audit_command(["audit", str(output)]) == 0


def test_without_injection_the_manifest_keeps_the_style_a_template_asks_for(
    site, tmp_path
):
    # Kept in a variable, the button is not seen, and nothing adds one in
    # the configured style: the manifest, and so the audit's demand, names
    # the style the theme asked for, which its page shows once printed.
    theme = theme_asking(tmp_path, "compact", "{% set kept = BUTTON %}")
    output = site(
        three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False
    )
    things = manifest_things(output).values()
    first = next(t for t in things if t["page"] == "first-of-three.html")
    assert first["button"] == "compact"
    assert flattr_buttons(page(output / "first-of-three.html")) == []


@pytest.mark.parametrize("theme", ["notmyidea", "simple"])
def test_open_graph_properties_named_in_the_heads_text_are_still_given(site, theme):
    # The title goes into <title>, the summary into notmyidea's description
    # meta tag and each tag into simple's: none of them is a property.
    body = "It says property=og:description and property='og:locale' in words."
    files = {
        "og.md": article(
            "Why property=og:title and property=og:url matter",
            "Alice",
            body,
            tags="property=og:type",
            description='property="og:site_name"',
        )
    }
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    thing = manifest_things(output)["og.md"]
    soup = page(output / thing["page"])
    assert og(soup, "og:title") == [thing["title"]]
    assert og(soup, "og:url") == [thing["url"]]
    for prop in ("og:type", "og:description", "og:site_name", "og:locale"):
        assert len(og(soup, prop)) == 1, prop
    assert audit_command(["audit", str(output)]) == 0


# Text that notmyidea prints unescaped in the head: the title in <title>,
# the summary in a meta tag's attribute (its striptags filter turns
# "&lt;/head&gt;" back into "</head>"). None of it is a landmark.
HEAD_TEXTS = {
    "title": ("Why &lt;/head&gt; matters", "About the head element and its end."),
    "summary": (
        "Script placement",
        "Put the script tag right before `</head>` in your page, not `<body>`.",
    ),
    "property": (
        "Open Graph basics",
        "Add `<meta property=og:title content=Hello>` to your page head.",
    ),
    # In the title: a '"' in the summary would end notmyidea's attribute.
    "payment link": (
        'Copy &lt;link rel="payment" href="https://flattr.com/submit/auto"&gt;',
        "A post about payment links and where they go.",
    ),
}


@pytest.mark.parametrize("title, body", HEAD_TEXTS.values(), ids=list(HEAD_TEXTS))
def test_markup_quoted_in_the_heads_text_is_no_landmark(site, title, body):
    output = site({"a.md": article(title, "Alice", body)}, FLATTR_AUTHORS=AUTHORS)
    thing = manifest_things(output)["a.md"]
    soup = page_as_browsers_read_it(output / thing["page"])
    assert "Flattr" not in soup.title.string
    links = payment_links(soup)
    assert [link["href"] for link in links] == [thing["auto_submit_url"]]
    assert links[0].parent.name == "head"
    description = soup.find("meta", attrs={"name": "description"})["content"]
    assert "flattr" not in description.lower()
    # Every property once, from the plugin, in the head.
    assert og(soup, "og:title") == [thing["title"]]
    assert og(soup, "og:url") == [thing["url"]]
    for meta in soup.find_all("meta", property=True):
        assert meta.parent.name == "head", meta
    assert audit_command(["audit", str(output)]) == 0


def test_a_title_that_ends_early_leaves_the_plugins_tags_in_the_head(site):
    # simple prints the title, striptags turning "&lt;/title&gt;" back into
    # "</title>", before its <meta charset>: the rest of the title is text,
    # which ends the head there, and the charset declaration is in the body.
    title = "Why &lt;/title&gt; matters"
    output = site(
        {"a.md": article(title, "Alice")}, theme="simple", **{"FLATTR_AUTHORS": AUTHORS}
    )
    thing = manifest_things(output)["a.md"]
    raw = (output / thing["page"]).read_bytes()
    soup = page_as_browsers_read_it(output / thing["page"])
    links = payment_links(soup)
    assert [link["href"] for link in links] == [thing["auto_submit_url"]]
    assert links[0].parent.name == "head"
    for meta in soup.find_all("meta", property=True):
        assert meta.parent.name == "head", meta
    # A browser looks for the encoding in the first 1,024 bytes: the
    # plugin's tags, ~2 KB, would have pushed the theme's out of them.
    assert 0 <= raw.find(b'<meta charset="utf-8">') < 1024
    assert audit_command(["audit", str(output)]) == 0


HEAD_ENDS = [
    # (page, what the head ends at: the text found there)
    ("<html><head><title>x</title></head><body>", "</head><body>"),
    ('<title>A </head> B</title><meta content="</head>"></head><p>', "</head><p>"),
    ("<head><!-- </head> --><title>x</title></head>\n<body>", "</head>\n"),
    ("<head><title>x</title></head >\n<body>", "</head >"),
    # A quoted one first, then the page's own in another spelling.
    ("<title>A </head> B</title></head >\n<body>", "</head >"),
    ("<title>A </head> B</title></HEAD><body>", "</HEAD><body>"),
    ("<title>A </head> B</title></Head\n><body>", "</Head\n><body>"),
    ('<head><script>"</head>"</script></head><body>', "</head><body>"),
    ("<HEAD><STYLE>/* </HEAD> */</STYLE></HEAD><BODY>", "</HEAD><BODY>"),
    # A title that ends early (a theme printed "</title>" in it) leaves
    # text, which ends the head before its one </head>.
    ('<head><title>A </title> B</title><meta charset="utf-8"></head>', "B</title>"),
    # The optional </head> left out: the head ends where the body starts.
    ("<head><title>x</title><body><p>", "<body><p>"),
    ("<head><title>x</title><div>", "<div>"),
    ("<p>no head at all", "<p>no"),
    # Text before any tag ends the head there, not at the first tag a head
    # cannot hold after it.
    ("Hello<title>x</title><p>", "Hello"),
    # A <template>'s text is inert, and ends no head: nor does an element
    # in it, which a head cannot hold (a <div>, a <body>, an <svg>).
    ("<head><template>y</template><title>x</title><body><p>", "<body><p>"),
    ("<head><template><div></div></template><title>x</title><p>", "<p>"),
    ("<head><template><body><p>y</template><link><p>", "<p>"),
    ("<head><template>y <svg></svg></template><link><p>", "<p>"),  # read_html
    # Text ends the head, as in a browser: here what a theme printed
    # unescaped in an attribute left ("b" -> ends the tag).
    ('<head><meta content="a "b" -> "c" d." /><link><head2>', '"c" d.'),
]


@pytest.mark.parametrize("text, end", HEAD_ENDS)
def test_head_end_is_where_a_browser_ends_the_head(text, end):
    assert text[find_head_end(text) :].startswith(end)


CHARSET_DECLARATIONS = [
    # (head, the declaration of its encoding a browser reads there, or None)
    ('<head><title>t</title><meta charset="utf-8"></head>', '<meta charset="utf-8">'),
    ("<head><META CHARSET=utf-8></head>", "<META CHARSET=utf-8>"),
    (
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        "</head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
    ),
    # The http-equiv form without a charset declares none.
    ('<head><meta http-equiv="Content-Type" content="text/html"></head>', None),
    # Nothing ends a <plaintext>: all after it is text, "</plaintext>" too.
    ("<head><plaintext>x</plaintext><meta charset=utf-8></head>", None),
    # Quoted in a title's text, whatever it says.
    (
        "<head><title><plaintext></plaintext></title><meta charset=utf-8></head>",
        "<meta charset=utf-8>",
    ),
]


@pytest.mark.parametrize("text, declared", CHARSET_DECLARATIONS)
def test_the_charset_declaration_is_where_a_browser_reads_it(text, declared):
    # The plugin's head tags go right after it, and are warned of before it.
    found = html_reader.charset_declaration(text, find_head_end(text))
    assert (found and text[found[0] : found[1]]) == declared


def test_other_articles_buttons_in_a_sidebar_leave_the_own_one_injected(site, tmp_path):
    # The theme shows the other articles' buttons and leaves the page's own
    # to the plugin, which once took any button of its own for that one.
    theme = simple_child_theme(
        tmp_path,
        "sidebar-theme",
        '{% extends "!simple/article.html" %}{% block content %}{{ super() }}'
        "<aside>{% for a in articles %}{% if a != article %}"
        "{{ flattr_button(a) }}{% endif %}{% endfor %}</aside>{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output).values()
    for thing in things:
        hrefs = [b["href"] for b in flattr_buttons(page(output / thing["page"]))]
        assert sorted(hrefs) == sorted(t["auto_submit_url"] for t in things)
    assert audit_command(["audit", str(output)]) == 0


def test_a_usual_page_is_not_read_tag_by_tag(site, monkeypatch):
    # notmyidea's pages hold one </head> and a </header> after it: two
    # searches find the head's end, and every article page pays only those.
    read = []
    for module in (html_reader, markup):  # markup holds the name it imported
        monkeypatch.setattr(
            module, "read_tags", lambda *args: read.append(args) or iter(())
        )
    output = site(three_articles(), FLATTR_AUTHORS=AUTHORS)
    assert len(payment_links(page(output / "first-of-three.html"))) == 1
    assert read == []


UNCLOSED = [
    # (page, the tags a browser reads in it, in order)
    ("<p>a</p><title x", ["p", "/p"]),  # a start tag the page never closes
    ('<p>a</p><a href="x>b</a><i>', ["p", "/p"]),  # nor its quoted value
    ("<p>a</p><b x='y>z</b>", ["p", "/p"]),
    ("<p><a title='it>s'>x</a>", ["p", "a", "/a"]),
    ('<div x="<b>">y</div>', ["div", "/div"]),
    ("<head><meta><title>text, never ended", ["head", "meta", "title"]),
    # A quote opens a value only after "=": elsewhere it is part of a name,
    # and one left over from a value cut short (notmyidea's description of a
    # summary that ends inside a quotation; a title's inch mark) closes
    # nothing and opens nothing.
    ('<meta content="He said "we will" /><p>x</p>', ["meta", "p", "/p"]),
    ('<a title="The 3.5" floppy" href=x>y</a><i>', ["a", "/a", "i"]),
    ("<a x='it's' y=1><b>", ["a", "b"]),
]


@pytest.mark.parametrize("text, tags", UNCLOSED)
def test_tags_never_closed_are_dropped_as_a_browser_drops_them(text, tags):
    assert [name for name, _, _ in read_tags(text, len(text)) if name != TEXT] == tags
    # html5lib, which follows the HTML standard, builds those elements alone
    # (besides the html, head and body it always adds).
    dom = BeautifulSoup(text, "html5lib")
    built = {element.name for element in dom.find_all(True)}
    assert built - {"html", "head", "body"} == {
        name for name in tags if name[0] != "/"
    } - {"html", "head", "body"}


def test_attributes_are_read_as_a_browser_reads_them():
    text = '<a title="The 3.5" floppy" x="1"y=\'2\' z = 3 =w q= href=a"b>'
    ((name, attributes, _),) = read_tags(text, len(text))
    assert name == "a"
    assert html_reader.attribute_values(attributes) == {
        "title": "The 3.5",
        'floppy"': "",
        "x": "1",
        "y": "2",
        "z": "3",
        "=w": "",
        "q": 'href=a"b',  # the space after "=" is skipped, as a browser does
    }
    dom = BeautifulSoup(text, "html5lib")
    assert dom.a.attrs == html_reader.attribute_values(attributes)


def test_quotes_a_theme_leaves_in_its_head_leave_the_plugins_tags_there(site):
    # notmyidea prints the summary unescaped in <meta name="description">:
    # one quote is left when the summary ends inside a quotation, and a
    # title's inch mark leaves one in the permalink's title attribute.
    said = " ".join(f"word{n}" for n in range(60))
    files = {
        "quote.md": article("A long quotation", "Alice", body=f'He said "{said}".'),
        "inch.md": article('The 3.5" floppy', "Bob"),
        # A quote, then "->": the tag ends there, and what the summary has
        # left is text in the head, which ends it for a browser.
        "keys.md": article(
            "Saving files", "Alice", body='Press "Ctrl" -> "S" to save.'
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output).values()
    assert len(things) == 3
    for thing in things:
        soup = page_as_browsers_read_it(output / thing["page"])
        assert len(flattr_buttons(soup)) == 1
        assert [link.parent.name for link in payment_links(soup)] == ["head"]
        for meta in soup.find_all("meta", property=True):
            assert meta.parent.name == "head", meta
    assert audit_command(["audit", str(output)]) == 0


def test_a_tag_cut_by_the_end_of_the_range_read_is_not_read():
    text = '<p>x<a href="y"><b>'
    assert [name for name, _, _ in read_tags(text, 8)] == ["p", TEXT]
    assert [name for name, _, _ in read_tags(text, len(text))] == ["p", TEXT, "a", "b"]


@pytest.mark.parametrize("opening", ["<title x ", '<a x="', "<meta y='", "<b "])
def test_reading_tags_takes_linear_time(opening):
    # Each unclosed opening once made the reader scan to the end of the page
    # and start again one character on: 40 s for 4,000 of them. Linear, the
    # 20,000 here take a few hundredths of a second; the alarm ends a test
    # that would otherwise run for an hour.
    text = "<html><head>" + opening * 20_000

    def too_long(*_):
        raise TimeoutError("reading the tags took more than 20 s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(20)
    try:
        assert [name for name, _, _ in read_tags(text, len(text))] == ["html", "head"]
        assert find_head_end(text) == -1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# A script's text after "<!--", repeated: comments, double escaped parts,
# and scripts that each run past their first "</script>".
ESCAPED_SCRIPTS = {
    "comments in one script": "<script>" + "<!-- -->" * 100_000 + "</script>",
    "double escaped parts": "<script><!--" + "<script></script>" * 20_000 + "</script>",
    "scripts": "<script><!--<script></script>x</script>" * 20_000,
}


@pytest.mark.parametrize("scripts", ESCAPED_SCRIPTS.values(), ids=list(ESCAPED_SCRIPTS))
def test_reading_escaped_scripts_takes_linear_time(scripts):
    # Each comment searching on to the script's end tag again would take
    # quadratic time; linear, these take a few tenths of a second.
    text = f"<html><body>{scripts}<p>"

    def too_long(*_):
        raise TimeoutError("reading the tags took more than 20 s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(20)
    try:
        names = [name for name, _, _ in read_tags(text, len(text))]
        hiding = hiding_ends(text, 0)
        next(hiding)
        assert hiding.send(len(text) - 3) == -1  # the <p> after them
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert names[-1] == "p"
    assert names.count("script") == scripts.count("<script><!--")


# What a body may open and close many times, a video or a summary's
# comment, and the scripts the check runs with.
REPEATED_IN_A_BODY = {
    "comments": ("<!---->", False),
    "iframes": ("<iframe></iframe>", False),
    "noscripts": ("<noscript>a</noscript>", True),
}


@pytest.mark.parametrize(
    ("repeated", "scripts"), REPEATED_IN_A_BODY.values(), ids=list(REPEATED_IN_A_BODY)
)
def test_checking_a_body_left_open_takes_linear_time(repeated, scripts):
    # Each start tag's check searched back from the body's end, through
    # its long text: a minute for these few megabytes. Once per name, a
    # few hundredths of a second.
    body = repeated * 100_000 + "<p>" + "x" * (80 * 100_000) + "</p>"

    def too_long(*_):
        raise TimeoutError("checking the body took more than 10 s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(10)
    try:
        assert markup.body_left_open(body, scripts) is None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


TEXTS = [
    # (page, where its first text outside tags and comments is: the text
    # found there, or None)
    ("<!DOCTYPE html>\n<html> <head>\n<title>t</title>", None),
    ("<?xml version='1.0'?><html></ ><!-- c --><head>\t\f\r\n", None),
    ("<head><meta>&nbsp;<link>", "&nbsp;"),
    ("<head><meta>\xa0<link>", "\xa0"),  # no whitespace to HTML
    ('<head><meta content="a "b" -> "c" d." /><link>', '"c" d.'),
    ("<head><title>a</title><style>b</style>text", "text"),
    ("<p>one</p> two", "one"),
    # A <template>'s content is inert: its text is no text of the page's.
    ("<head><template>y</template>x", "x"),
    ("<head><template><template>y</template>z</template>x", "x"),
    ("<head></template><template>y", None),
    ("<svg></svg><template>y</template>x", "x"),  # read by read_html
    # A CDATA section of white space alone is no text.
    ("<svg><![CDATA[ ]]></svg>x", "x"),
]


@pytest.mark.parametrize("text, found", TEXTS)
def test_the_first_text_outside_tags_is_read(text, found):
    at = [start for name, _, start in read_tags(text, len(text)) if name == TEXT]
    assert at == ([] if found is None else [text.index(found)])


def test_a_page_with_no_tag_has_no_head_end():
    assert find_head_end("just text, no tags </ not one") == -1


# How themes write the Open Graph tags they emit themselves, by article.
THEME_OG_TAGS = {
    "first": '<meta property="og:title" content="Theme">',
    "second": "<meta content='Theme' property='og:title'>",
    "third": '<META\n  name="x" PROPERTY = og:title content="Theme" />',
    "fourth": '<meta data-x="a > b" property="og:title" content="Theme">',
    # An article: property alone, and no "og:" anywhere in the head.
    "fifth": '<meta property="article:author" content="Theme">',
}


def test_a_property_the_theme_emits_is_found_in_any_spelling(site, tmp_path):
    choose = "".join(
        f"{{% if article.slug.startswith('{name}') %}}{tag}{{% endif %}}"
        for name, tag in THEME_OG_TAGS.items()
    )
    theme = simple_child_theme(
        tmp_path,
        "og-theme",
        '{% extends "!simple/article.html" %}\n'
        "{% block head %}{{ super() }}" + choose + "{% endblock %}\n",
    )
    files = dict(
        three_articles(),
        **{
            "d.md": article("Fourth of four", "Alice"),
            "e.md": article("Fifth of four", "Alice"),
        },
    )
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    for thing in manifest_things(output).values():
        soup = page(output / thing["page"])
        assert len(og(soup, "og:url")) == 1
        if thing["page"].startswith("fifth"):
            assert og(soup, "article:author") == ["Theme"]
            assert og(soup, "og:title") == [thing["title"]]
        else:
            assert og(soup, "og:title") == ["Theme"], thing["page"]


# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROLS = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)]
CONTROLS += [chr(c) for c in range(0x80, 0xA0)]


def _has_control(text):
    return any(character in CONTROLS for character in text)


@pytest.mark.parametrize("style", ["plain", "js"])
def test_control_characters_never_reach_a_things_fields(site, style):
    files = {
        "c.md": article(
            "Ctl\x01title \x0b here",
            "Alice",
            flattr_tags="ok, bad\x01tag\x1b",
            summary="summary with a bell \x07 and ESC \x1b and C1 \x85\x9b done.",
        ),
        "d.md": article(
            "Body\x7f with DEL",
            "Alice",
            "A body with a bell\x07 and an escape\x1b[0m in its words, here.",
        ),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_BUTTON=style,
        FLATTR_TAGS=["site\x9btag"],
    )
    things = manifest_things(output)
    c, d = things["c.md"], things["d.md"]
    assert (c["title"], c["tags"]) == ("Ctl title here", ["ok", "bad tag"])
    assert c["description"] == "summary with a bell and ESC and C1 done."
    assert (d["title"], d["tags"]) == ("Body with DEL", ["site tag"])
    assert (
        d["description"] == "A body with a bell and an escape [0m in its words, here."
    )
    for thing in things.values():
        query = parse_qs(urlsplit(thing["auto_submit_url"]).query)
        assert not any(_has_control(v) for values in query.values() for v in values)
        soup = page(output / thing["page"])
        (button,) = flattr_buttons(soup)
        shown = [*og(soup, "og:title"), *og(soup, "og:description")]
        shown += [button.get(name, "") for name in button.attrs if name != "class"]
        shown.append(button.get_text())
        assert shown and not any(_has_control(text) for text in shown), shown


def test_control_characters_never_reach_open_graph_tags(site):
    files = {
        "c.md": article("Hi", "Al\x85ice", category="Cat\x85x", tags="t\x00ag, ok")
    }
    output = site(files, FLATTR_USERNAME="alice", SITENAME="Si\x07te")
    (thing,) = manifest_things(output).values()
    soup = page(output / thing["page"])
    assert og(soup, "og:site_name") == ["Si te"]
    assert og(soup, "og:title") == ["Hi – Si te"] == [thing["title"]]
    assert og(soup, "article:author") == ["Al ice"]
    assert og(soup, "article:section") == ["Cat x"]
    assert og(soup, "article:tag") == ["t ag", "ok"] == thing["tags"]
    for meta in soup.find_all("meta", property=True):
        assert not _has_control(meta["content"]), meta


@pytest.mark.parametrize("style", ["plain", "js"])
def test_noncharacters_become_spaces_as_control_characters_do(site, style):
    # HTML forbids Unicode's noncharacters as it forbids control characters.
    files = {
        "c.md": article(
            "Non\ufdd0char \U0010ffff title",
            "Alice",
            tags="a\ufffeb, ok",
            summary="A summary\ufdef with \U0001ffff two.",
        )
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    (thing,) = manifest_things(output).values()
    assert thing["title"] == "Non char title"
    assert thing["description"] == "A summary with two."
    assert thing["tags"] == ["a b", "ok"]
    soup = page(output / thing["page"])
    (button,) = flattr_buttons(soup)
    assert og(soup, "og:title") == [thing["title"]]
    assert og(soup, "article:tag") == thing["tags"]
    if style == "plain":
        assert button.find(dir="auto").get_text() == thing["title"]
    else:
        assert (button["title"], button.get_text()) == (
            thing["title"],
            thing["description"],
        )


def test_a_tags_open_graph_name_is_its_flattr_tag(site):
    # Pelican keeps a tag's inner whitespace as written; the Flattr tag folds
    # it and drops repeats, and Open Graph must name the same tags.
    files = {
        "c.md": article(
            "Hi there",
            "Alice",
            tags="line\u2028sep, no\u00a0break, two  spaces, Two Spaces",
        )
    }
    output = site(files, FLATTR_USERNAME="alice")
    (thing,) = manifest_things(output).values()
    soup = page(output / thing["page"])
    expected = ["line sep", "no break", "two spaces"]
    assert og(soup, "article:tag") == expected == thing["tags"]


# Themes that do legitimate things the landmarks were found wrong in:
# (theme's article.html, what the article's body is, settings).
_HEAD = "<title>{{ article.title|striptags }}</title>"
UNUSUAL_THEMES = {
    # A comment quoting <meta charset> before the real one took the tags.
    "charset quoted in a comment": (
        "<!doctype html><html><head><!-- keep <meta charset> first -->"
        f'<meta charset="utf-8">{_HEAD}</head><body><main>'
        "{{ article.content }}</main></body></html>"
    ),
    # Spelt in capitals, it was passed over: the tags went before it, and
    # ~3 KB put it beyond the first 1,024 bytes a browser looks in.
    "charset in capitals": (
        f'<!doctype html><html><head><META CHARSET="utf-8">{_HEAD}</head>'
        "<body><main>{{ article.content }}</main></body></html>"
    ),
    # No </head> (HTML lets it out), and the summary's "</head>" in the
    # description: the tags went into that attribute.
    "no end of head": (
        f'<!doctype html><html>{_HEAD}<meta name="description" '
        'content="{{ article.summary|striptags }}"><main>'
        "{{ article.content }}</main></body></html>"
    ),
    # No </body>, and "</body>" in a script's string of the article: load.js
    # went into that script.
    "no end of body": (
        f'<!doctype html><html><head><meta charset="utf-8">{_HEAD}</head>'
        "<body><main>{{ article.content }}</main>"
    ),
    # Pelican's simple theme prints the title (with striptags, which makes
    # "&lt;meta charset&gt;" a tag's text again) before its <meta charset>:
    # the tags went into the title's text.
    "simple, a title quoting a charset": '{% extends "!simple/article.html" %}',
    # A script's string quoting one before the real one: the tags went into
    # the string, breaking the script.
    "charset quoted in a script": (
        "<!doctype html><html><head><script>var snippet = '<meta charset=\"utf-8\">';"
        f'</script>{_HEAD}<meta charset="utf-8"></head><body><main>'
        "{{ article.content }}</main></body></html>"
    ),
    # A body too short to be searched: the button went into the last
    # </article> of the page, a related post's in the sidebar.
    "short body and related posts": (
        f'<!doctype html><html><head><meta charset="utf-8">{_HEAD}</head>'
        '<body><article class="own">{{ article.content }}</article><aside>'
        "<article>Related one</article><article>Related two</article>"
        "</aside></body></html>"
    ),
    # A body not shown, and "</article>" in a script's string after </main>:
    # the button, falling back on the last landmark, went into that script.
    "body not shown, landmark quoted in a script": (
        f'<!doctype html><html><head><meta charset="utf-8">{_HEAD}</head>'
        "<body><main><p>The theme filtered the body.</p></main>"
        "<script>var tpl = '<article>x</article>';</script>\n</body></html>"
    ),
    # The same, "</article>" in a script's double escaped text (after
    # "<!--" and a "<script"), which the first "</script>" does not end:
    # read as ending there, the script's text after it took the button.
    "body not shown, landmark in a double escaped script": (
        f'<!doctype html><html><head><meta charset="utf-8">{_HEAD}</head>'
        "<body><main><p>The theme filtered the body.</p></main>"
        "<script><!--\nwrite('<script>x()</script></article>');\n--></script>"
        "\n</body></html>"
    ),
    # A copy of the body in such a script's text (a template a script
    # writes out), before the one a reader sees: the button went after the
    # first, into the script.
    "body in a double escaped script first": (
        f'<!doctype html><html><head><meta charset="utf-8">{_HEAD}</head>'
        "<body><script><!--\nvar tpl = `<script>x()</script>"
        "{{ article.content }}`;\n--></script>"
        "<main>{{ article.content }}</main></body></html>"
    ),
    # No <meta charset> (HTML lets a server's header declare it): the tags
    # go right after <head>, whole.
    "no charset declared": (
        f"<!doctype html><html><head>{_HEAD}</head>"
        "<body><main>{{ article.content }}</main></body></html>"
    ),
    # A <head/> written as XHTML, and a description printed unescaped that
    # ends the head: the tags go right after it, before that text.
    "self-closed head, description ending it": (
        '<!doctype html><html><head/><meta name="description" '
        'content="{{ article.summary|striptags }}">'
        f"{_HEAD}</head><body><main>{{{{ article.content }}}}</main></body></html>"
    ),
    # A comment quoting <meta charset> after an arrow (whose ">" no tag
    # leaves open) before the real one: the tags went into the comment.
    "charset quoted in a comment after an arrow": (
        "<!doctype html><html><head><!-- v2 -> keep <meta charset> first -->"
        f'<meta charset="utf-8">{_HEAD}</head><body><main>'
        "{{ article.content }}</main></body></html>"
    ),
    # A description quoting <meta charset> (unquoted) before the real one:
    # the tags went into the attribute's value.
    "charset quoted in a description": (
        '<!doctype html><html><head><meta name="description" '
        'content="{{ article.summary|striptags }}"><meta charset="utf-8">'
        f"{_HEAD}</head><body><main>{{{{ article.content }}}}</main></body></html>"
    ),
    # "</body>" in a comment before the real one: load.js, put before the
    # first, went into the comment, and no button loaded.
    "end of body quoted in a comment": (
        f'<!doctype html><html><head><meta charset="utf-8">{_HEAD}</head>'
        "<body><article>{{ article.content }}</article>"
        "<!-- old layout: </body> -->\n<footer>f</footer></body></html>"
    ),
    # Tags in capitals, as HTML allows, and a body not shown: the button
    # goes before </ARTICLE>, load.js before </BODY>.
    "in capitals, body not shown": (
        '<!DOCTYPE HTML><HTML><HEAD><META CHARSET="utf-8">'
        "<TITLE>{{ article.title|striptags }}</TITLE></HEAD><BODY><MAIN><ARTICLE>"
        "<P>The theme filtered the body.</P></ARTICLE></MAIN></BODY></HTML>"
    ),
}
UNUSUAL_BODIES = {
    # A description long enough (and percent-encoded thrice over in the
    # payment link) to push the tags past 1,024 bytes.
    "charset in capitals": " ".join(["Crème brûlée à Montréal, été."] * 12),
    "no end of head": "Every page ends its head with &lt;/head&gt;, mind it.",
    "no end of body": (
        "A paragraph of the article that is long enough.\n\n"
        "<script>var closing = '</body>';</script>\n\nAnd one more paragraph."
    ),
    "short body and related posts": "Hi.",
    "self-closed head, description ending it": 'Press "Ctrl" -> "S" to save.',
    "charset quoted in a description": "Always write &lt;meta charset=utf-8&gt; first.",
}
QUOTING_A_CHARSET = 'Always write &lt;meta charset="utf-8"&gt; first'
UNUSUAL_TITLES = {
    "simple, a title quoting a charset": QUOTING_A_CHARSET,
    "charset quoted in a script": QUOTING_A_CHARSET,
    "charset quoted in a description": QUOTING_A_CHARSET,
}


@pytest.mark.parametrize("case", sorted(UNUSUAL_THEMES))
def test_unusual_themes_get_their_tags_where_a_browser_reads_them(site, tmp_path, case):
    theme = simple_child_theme(tmp_path, "unusual", UNUSUAL_THEMES[case])
    body = UNUSUAL_BODIES.get(case, "A first paragraph, with enough words in it.")
    title = UNUSUAL_TITLES.get(case, "Unusual theme")
    files = {"a.md": article(title, "Alice", body=body, slug="unusual-theme")}
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="js")
    path = output / "unusual-theme.html"
    soup = page_as_browsers_read_it(path)
    # Nothing went into the text of the title or of a script.
    assert "Flattr" not in soup.title.get_text()
    assert all("Flattr" not in script.get_text() for script in soup.find_all("script"))
    assert [link.parent.name for link in payment_links(soup)] == ["head"]
    assert [m.parent.name for m in soup.find_all("meta", property="og:title")] == [
        "head"
    ]
    (button,) = flattr_buttons(soup)
    assert button.find_parent("aside") is None
    assert button.find_parent(["main", "article"]) is not None
    assert len(loader_scripts(soup)) == 1
    text = path.read_text(encoding="utf-8")
    if "</body>" in UNUSUAL_THEMES[case].lower():  # in any letter case
        assert text.index(LOADER_URL) < text.lower().rindex("</body>")
    if "charset" in UNUSUAL_THEMES[case].lower():  # where a browser looks
        assert path.read_bytes().lower().index(b"charset") < 1024
        # Once: a charset quoted after the page's own takes none of the
        # plugin's.
        assert len(soup.find_all("meta", charset=True)) == 1
    if case == "no end of head":
        description = soup.find("meta", attrs={"name": "description"})["content"]
        assert "payment" not in description


# Pelican's simple theme prints the title into an attribute with striptags,
# which turns "&lt;script&gt;" back into "<script>": a search back for the
# last "<script" took every </article>, </main> and </body> after that link
# for a script's text. (The article's template, for a theme whose article.html
# is a copy of simple's or extends it.)
SIMPLE_ARTICLE = Path(pelican.__file__).parent / "themes/simple/templates/article.html"
TITLE_OPENING_A_SCRIPT = "Six is &lt;script&gt;"
SCRIPT_IN_A_TITLE_ATTRIBUTE = {
    # The theme prints no body (the summary in its place): the button goes
    # before the last </article>, which the title's "<script" hid.
    "body not shown": (
        SIMPLE_ARTICLE.read_text(encoding="utf-8").replace(
            "{{ article.content }}", "<p>The theme filtered the body.</p>"
        )
    ),
    # The unmodified theme, with an embedded button: load.js went after
    # </html>.
    "embedded button": '{% extends "!simple/article.html" %}',
    # flattr_script() printed in the head, before the button: load.js
    # goes before </body>, and went after </html>.
    "flattr_script() in the head": (
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{{ flattr_script() }}{% endblock %}"
        "{% block content %}{{ super() }}{{ flattr_button(article) }}{% endblock %}"
    ),
}


@pytest.mark.parametrize("case", sorted(SCRIPT_IN_A_TITLE_ATTRIBUTE))
def test_a_script_tag_in_an_attribute_hides_no_landmark(
    site, tmp_path, flattr_log, case
):
    theme = simple_child_theme(
        tmp_path, "simple-copy", SCRIPT_IN_A_TITLE_ATTRIBUTE[case]
    )
    body = "A first paragraph, with enough words in it to be found."
    files = {"a.md": article(TITLE_OPENING_A_SCRIPT, "Alice", body=body, slug="six")}
    output = site(files, theme=theme, FLATTR_USERNAME="alice", FLATTR_BUTTON="js")
    path = output / "six.html"
    soup = page_as_browsers_read_it(path)
    (permalink,) = soup.select("a[rel=bookmark]")
    assert permalink["title"] == "Permalink to Six is <script>"  # the cause
    assert [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"] == []
    (button,) = flattr_buttons(soup)
    # The theme's own call prints it after simple's </article>.
    wrapper = "main" if "flattr_script()" in case else "article"
    assert button.find_parent(wrapper) is not None
    assert len(loader_scripts(soup)) == 1
    # A browser moves a script after </html> into the body: where it stands
    # in the text tells.
    text = path.read_text(encoding="utf-8")
    assert text.index(LOADER_URL) < text.rindex("</body>")
    assert text.rstrip().endswith("</html>")
    if case == "body not shown":
        messages = [r.getMessage() for r in flattr_log.records]
        assert any("went before the page's last </article>" in m for m in messages)


# Themes that print the body first where no reader sees it, then in the
# article; the button belongs after the copy a reader sees.
_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>x</title></head>'
    "<body>{}<article><h1>{{{{ article.title|striptags|e }}}}</h1>{}</article>"
    "</body></html>"
)
_BODY = "{{ article.content }}"
HIDDEN_COPIES = {
    "comment": _PAGE.format(f"<!-- raw: {_BODY} -->", _BODY),
    "script template": _PAGE.format(
        f'<script type="text/x-template" id="share">{_BODY}</script>', _BODY
    ),
    "template": _PAGE.format(f'<template id="body">{_BODY}</template>', _BODY),
    # A tag's name in any letter case, as a browser reads it.
    "upper-case script": _PAGE.format(
        f'<SCRIPT type="text/x-template">{_BODY}</SCRIPT>', _BODY
    ),
    "noscript": _PAGE.format(f"<noscript>{_BODY}</noscript>", _BODY),
    # Wrapped in more, as a Vue template has one root element: in a script
    # the <div> is text, so the script is directly around the copy; a
    # <template>, a comment or a noscript hides all it holds.
    "script template, wrapped": _PAGE.format(
        f'<script type="text/x-template"><div class="reader">{_BODY}</div></script>',
        _BODY,
    ),
    "template, wrapped": _PAGE.format(
        f"<template><section><div>{_BODY}</div></section></template>", _BODY
    ),
    "upper-case template": _PAGE.format(f"<TEMPLATE>{_BODY}</TEMPLATE>", _BODY),
    "upper-case template, wrapped": _PAGE.format(
        f"<TEMPLATE><div>{_BODY}</div></TEMPLATE>", _BODY
    ),
    # An end tag that closes no template: a stray one before it, one
    # quoted in a comment it holds. Counted against the start tags, they
    # left no template open around the copy.
    "template, wrapped, after a stray end tag": _PAGE.format(
        f"</template><template><section>{_BODY}</section></template>", _BODY
    ),
    "template, wrapped, quoting its end tag": _PAGE.format(
        f"<template><!-- </template> --><section>{_BODY}</section></template>", _BODY
    ),
    "comment, wrapped": _PAGE.format(f"<!-- <div>{_BODY}</div> -->", _BODY),
    "noscript, wrapped": _PAGE.format(
        f"<noscript><div>{_BODY}</div></noscript>", _BODY
    ),
    "srcdoc": _PAGE.format(f"<iframe sandbox srcdoc='{_BODY}'></iframe>", _BODY),
    # The only copy is hidden: the button goes before </article>, as for a
    # body the page does not show at all.
    "noscript alone": _PAGE.format(
        "", f"<div id=app></div><noscript>{_BODY}</noscript>"
    ),
}


@pytest.mark.parametrize("case", sorted(HIDDEN_COPIES))
def test_the_button_follows_the_copy_of_the_body_a_reader_sees(site, tmp_path, case):
    theme = simple_child_theme(tmp_path, "hidden-copy", HIDDEN_COPIES[case])
    body = "A first paragraph, with enough words in it.\n\nAnd a second one."
    output = site(
        {"a.md": article("Hidden copy", "Alice", body=body)},
        theme=theme,
        FLATTR_AUTHORS=AUTHORS,
    )
    soup = page_as_browsers_read_it(output / "hidden-copy.html")
    (button,) = flattr_buttons(soup)
    assert button.find_parent(["template", "noscript", "iframe"]) is None
    assert button.find_parent("article") is not None
    if case != "noscript alone":  # right after the article's own paragraphs
        injected = button.find_parent(class_="flattr-injected")
        assert injected.find_previous_sibling("p").get_text() == "And a second one."


def test_a_page_that_does_not_show_its_body_is_reported(site, tmp_path, caplog):
    # The summary on the article's own page: injection finds no body to put
    # the button after, and falls back to the last </article>, a related
    # post's here. It used to say nothing.
    theme = simple_child_theme(
        tmp_path,
        "summary-only",
        '<!doctype html><html><head><meta charset="utf-8"><title>x</title>'
        "</head><body><main><article><h1>{{ article.title|striptags|e }}</h1>"
        '<div class="lead">{{ article.summary }}</div></article><aside><article>'
        "<h2>Related</h2><p>Other</p></article></aside></main></body></html>",
    )
    body = "A first paragraph, with enough words in it.\n\nAnd a second one."
    files = {
        "a.md": article("Summary only", "Alice", body=body, summary="Short."),
        # Older: Pelican writes the newest article's page first.
        "b.md": article("Summary also", "Alice", body=body, summary="Brief.").replace(
            "2024-03-01", "2024-02-01"
        ),
    }
    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    soup = page_as_browsers_read_it(output / "summary-only.html")
    assert len(flattr_buttons(soup)) == 1  # placed all the same
    warnings = [r for r in caplog.records if r.name == "pelican_flattr"]
    assert [(r.levelname, r.getMessage()) for r in warnings] == [
        (
            "WARNING",
            "pelican-flattr: article.html: the page of a.md does not show its "
            "body as Pelican renders it (the summary in its place, or the body "
            "filtered), so the plugin cannot put the button after it; it went "
            "before the page's last </article>, which may close something else "
            "(a box of related posts): call flattr_button(article), or "
            "flattr_button(page), where the button belongs",
        ),
        # Said for the first page, counted for them all at the build's end.
        (
            "WARNING",
            "pelican-flattr: article.html: 2 pages in all (a.md's the first) "
            "have their button before their last </article>, for the reason "
            "said above",
        ),
    ]
    # With no landmark to fall back on, the page has no button: an error.
    (Path(theme) / "templates" / "article.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>x</title>'
        "<div>{{ article.summary }}</div>"
    )
    caplog.clear()
    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    assert flattr_buttons(page_as_browsers_read_it(output / "summary-only.html")) == []
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [
        "pelican-flattr: article.html: the page of a.md does not show its body "
        "as Pelican renders it (the summary in its place, or the body filtered), "
        "so the plugin cannot put the button after it, and the page has no "
        "</article>, </main> or </body> that a reader sees to put it before: it "
        "has no button (the audit refuses it): call flattr_button(article), or "
        "flattr_button(page), where the button belongs"
    ]
    assert [
        r.getMessage() for r in caplog.records if "pages in all" in r.getMessage()
    ] == [
        "pelican-flattr: article.html: 2 pages in all (a.md's the first) have no "
        "button, for the reason said above (the audit lists them)"
    ]
    with pytest.raises(FlattrBuildError):
        site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    # One template, two outcomes in one build: the first page's warning
    # (a landmark took the button) must not silence a later page's error
    # (none did).
    (Path(theme) / "templates" / "article.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>x</title>'
        "{% if article.boxed %}<article>{% endif %}<div>{{ article.summary }}"
        "</div>{% if article.boxed %}</article>{% endif %}"
    )
    files["a.md"] = article("Summary only", "Alice", body=body, summary="S.", boxed="y")
    caplog.clear()
    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    assert len(flattr_buttons(page_as_browsers_read_it(output / "summary-only.html")))
    assert flattr_buttons(page_as_browsers_read_it(output / "summary-also.html")) == []
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    of_the_body = [(level, text) for level, text in said if "its body" in text]
    assert [(level, text.split(" as Pelican")[0]) for level, text in of_the_body] == [
        (
            "WARNING",
            "pelican-flattr: article.html: the page of a.md does not show its body",
        ),
        (
            "ERROR",
            "pelican-flattr: article.html: the page of b.md does not show its body",
        ),
    ]
    assert "before the page's last </article>" in of_the_body[0][1]
    # The body printed, but only where no reader sees it: said as it is.
    (Path(theme) / "templates" / "article.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>x</title><article>'
        "<noscript>{{ article.content }}</noscript></article>"
    )
    caplog.clear()
    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    assert (
        len(flattr_buttons(page_as_browsers_read_it(output / "summary-only.html"))) == 1
    )
    warnings = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert warnings == [
        "pelican-flattr: article.html: the page of a.md shows its body only where "
        "no reader sees it (in a comment, a script, a template, a noscript or an "
        "attribute), so the plugin cannot put the button after it; it went before "
        "the page's last </article>, which may close something else (a box of "
        "related posts): call flattr_button(article), or flattr_button(page), "
        "where the button belongs",
        "pelican-flattr: article.html: 2 pages in all (a.md's the first) have "
        "their button before their last </article>, for the reason said above",
    ]


def test_a_short_body_shown_twice_or_an_empty_body_is_warned_of(site, tmp_path, caplog):
    # A body of 20 characters or fewer on the page twice (a lead equal to
    # it), or an empty one: injection cannot tell which copy is the body,
    # or has none to follow, and falls back to a landmark, here </body>,
    # after the site's footer. It used to say nothing of either.
    theme = simple_child_theme(
        tmp_path,
        "lead",
        '<!doctype html><html><head><meta charset="utf-8"><title>x</title></head>'
        '<body><div id="content"><div class="lead">{{ article.summary }}</div>'
        '{{ article.content }}</div><footer id="site">Footer</footer></body></html>',
    )
    empty = article("Empty", "Alice").split("\n\n")[0] + "\n"
    files = {
        "short.md": article("Short", "Alice", "Short body."),
        "empty.md": empty.replace("2024-03-01", "2024-02-01"),
        # The same short body once on the page (no lead): it is placed, and
        # said nothing of.
        "once.md": article("Once", "Alice", "Short body.", template="once").replace(
            "2024-03-01", "2024-01-01"
        ),
    }
    (Path(theme) / "templates" / "once.html").write_text(
        '{% extends "!simple/article.html" %}'
    )

    # An empty body in a theme with <article>: the button closes the
    # article, as a reader expects, and that is said nothing of.
    def empty_article_in(template, after_article, title, date):
        """An article with no body, in a template of ``theme`` whose content
        is its <article>, then ``after_article``."""
        (Path(theme) / "templates" / f"{template}.html").write_text(
            '{% extends "!simple/article.html" %}'
            "{% block content %}<article>{{ article.content }}</article>"
            f"{after_article}{{% endblock %}}"
        )
        bare = article(title, "Alice", template=template).split("\n\n")[0]
        return bare.replace("2024-03-01", date) + "\n"

    files["bare.md"] = empty_article_in(
        "inarticle", '<footer id="site">Footer</footer>', "Bare", "2023-12-01"
    )
    # ...but not where the last </article> may be a related post's card.
    files["lonely.md"] = empty_article_in(
        "related",
        '<aside><article><a href="/other.html">Other</a></article></aside>',
        "Lonely",
        "2023-11-01",
    )

    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    (button,) = flattr_buttons(page_as_browsers_read_it(output / "bare.html"))
    assert button.find_parent("article") is not None
    for name in ("short", "empty"):
        soup = page_as_browsers_read_it(output / f"{name}.html")
        (button,) = flattr_buttons(soup)
        assert button.find_parent(id="content") is None
    (button,) = flattr_buttons(page_as_browsers_read_it(output / "once.html"))
    injected = button.find_parent(class_="flattr-injected")
    assert injected.find_previous_sibling("p").get_text() == "Short body."
    after = (
        "; it went before the page's </body>, after everything else on it (the "
        "site's footer too): call flattr_button(article), or flattr_button(page), "
        "where the button belongs"
    )
    said = sorted(
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.name == "pelican_flattr"
    )
    (card,) = [m for _, m in said if "lonely.md" in m]
    assert card.startswith(
        "pelican-flattr: related.html: the page of lonely.md has an empty body, "
        "so the plugin has nothing to put the button after; it went before the "
        "page's last </article>"
    )
    assert [each for each in said if "lonely.md" not in each[1]] == [
        (
            "WARNING",
            "pelican-flattr: article.html: the page of empty.md has an empty body, "
            f"so the plugin has nothing to put the button after{after}",
        ),
        (
            "WARNING",
            "pelican-flattr: article.html: the page of short.md holds its body, 20 "
            "characters or fewer, more than once (a summary equal to the body, in "
            "a sidebar or a lead?), and which copy is the body cannot be told of "
            f"so short a text, so the plugin cannot put the button after it{after}",
        ),
    ]


SITE_WIDE_LINK = (
    '<link rel="payment" title="Flattr" href="https://flattr.com/submit/auto?'
    'url=https%3A%2F%2Fexample.org%2F&amp;user_id=siteowner">'
)


# The link as a theme may spell it (the audit reads each as a link to
# Flattr): only rel="payment" to "https://flattr.com/" was known, and the
# page got a second link the build said nothing of; the audit let the www.
# one pass.
SITE_WIDE_LINKS = {
    "simple": SITE_WIDE_LINK,
    "notmyidea": SITE_WIDE_LINK,
    "rel in capitals": SITE_WIDE_LINK.replace('rel="payment"', 'rel="Payment"'),
    "http": SITE_WIDE_LINK.replace("https:", "http:"),
    "no scheme": SITE_WIDE_LINK.replace("https:", ""),
    "host in capitals": SITE_WIDE_LINK.replace("flattr.com", "Flattr.com"),
    "www": SITE_WIDE_LINK.replace("//flattr.com", "//www.flattr.com"),
}


@pytest.mark.parametrize("case", list(SITE_WIDE_LINKS))
def test_a_payment_link_to_another_thing_does_not_stand_in_for_the_own(
    site, tmp_path, caplog, case
):
    # A theme that kept the site-wide link Flattr once told sites to add, or
    # a title that notmyidea prints unescaped: the page still gets its own
    # payment link and Open Graph tags, and the build says the head holds
    # one to another thing, once.
    notmyidea = case == "notmyidea"
    if notmyidea:
        theme = None
        files = three_articles()
        files["a.md"] = article(
            "First &lt;/title&gt;" + html.escape(SITE_WIDE_LINK), "Alice"
        )
    else:
        theme = simple_child_theme(
            tmp_path,
            "site-wide-link",
            '{% extends "!simple/article.html" %}'
            "{% block head %}{{ super() }}" + SITE_WIDE_LINKS[case] + "{% endblock %}",
        )
        files = three_articles()
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    shown = ["a.md"] if notmyidea else ["a.md", "b.md", "c.md"]
    for source in shown:
        soup = page_as_browsers_read_it(output / things[source]["page"])
        hrefs = [link["href"] for link in payment_links(soup)]
        assert things[source]["auto_submit_url"] in hrefs, source
        assert [link.parent.name for link in payment_links(soup)] == ["head"] * 2
        (og_url,) = og(soup, "og:url")
        assert og_url == things[source]["url"]
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [
        f"pelican-flattr: article.html: the page of {shown[0]} already has a "
        "payment link to Flattr that is not its own thing's (a site-wide one the "
        "theme prints?); the page gets its own too, and two payment links leave "
        "readers to guess (the audit refuses the page): remove the theme's"
    ]
    assert audit_command(["audit", str(output)]) == 1
    with pytest.raises(FlattrBuildError):
        site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


# Open Graph tags of a theme's own, after what ends its head early for a
# browser: text left by a summary printed unescaped into a <meta> (a quote
# and ">"), a tracking pixel's <noscript><img>, or a stray end tag.
THEME_TAGS_ENDED = {
    "text": (
        '<meta property="og:description" content="{{ article.summary|striptags }}">',
        'Why "a > b" matters for the comparator circuit.',
        "text in its head (such as a value printed unescaped into a <meta>, whose "
        'quote and ">" end the tag too soon), which ends the head for a browser '
        "before the theme's own og:locale and article:published_time: they are in "
        "the body, where they do nothing; escape the value in the theme with |e "
        "(|striptags|e for a summary)",
    ),
    "element": (
        '<noscript><img src="https://stats.example.org/p.gif" alt=""></noscript>',
        "A plain summary of the comparator circuit.",
        "an element a head cannot hold (<img>) in its head, which ends the head "
        "for a browser before the theme's own og:locale and article:published_time: "
        "they are in the body, where they do nothing; move it into <body>",
    ),
    # Two things that end the head: the first is the one to correct.
    "element, then an end tag": (
        '<noscript><img src="https://stats.example.org/p.gif" alt=""></noscript></br>',
        "A plain summary of the comparator circuit.",
        "an element a head cannot hold (<img>) in its head, which ends the head "
        "for a browser before the theme's own og:locale and article:published_time: "
        "they are in the body, where they do nothing; move it into <body>",
    ),
    # A browser reads "</br>" in a head as "<br>" in a body it starts.
    "end tag": (
        "</br>",
        "A plain summary of the comparator circuit.",
        "an end tag </br> in its head, which ends the head for a browser before "
        "the theme's own og:locale and article:published_time: they are in the "
        "body, where they do nothing; take it out of the head",
    ),
}


def test_theme_open_graph_in_the_body_beside_flattr_head_is_as_injections(
    site, tmp_path, caplog
):
    # flattr_head() first, then a description printed unescaped whose text
    # ends the head, then the theme's og:title: in the body for a browser,
    # where nothing reads it. As injection leaves out its own beside it, the
    # helper's is left out (one og:title on the page, the audit's count),
    # and the early end is reported: it was neither, and the page held two.
    theme = simple_child_theme(
        tmp_path,
        "late-own-og",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        '{{ flattr_head(article) }}<meta name="description" '
        'content="{{ article.summary|striptags }}">'
        '<meta property="og:title" content="Theme title">{% endblock %}',
    )
    files = {"a.md": article("Comparators", "Alice", summary='Why "a > b" matters.')}
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    (thing,) = manifest_things(output).values()
    read = page_as_browsers_read_it(output / thing["page"])
    titles = [(m.parent.name, m["content"]) for m in read.find_all(property="og:title")]
    assert titles == [("body", "Theme title")]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert [error for error in errors if "before the theme's own og:title" in error]
    assert not [error for error in errors if "second og:title" in error], errors


@pytest.mark.parametrize("case", list(THEME_TAGS_ENDED))
def test_theme_open_graph_after_an_early_end_of_the_head_is_reported(
    site, tmp_path, caplog, case
):
    # The plugin read the head only up to where a browser ends it, did not
    # see the theme's og:locale after that, and added its own: the page held
    # two of each, silently, and the audit refused it.
    ending, summary, problem = THEME_TAGS_ENDED[case]
    theme = simple_child_theme(
        tmp_path,
        "late-og",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        + ending
        + '<meta property="og:locale" content="en_US">'
        '<meta property="article:published_time" '
        'content="{{ article.date.isoformat() }}">{% endblock %}',
    )
    files = three_articles()
    files["a.md"] = article("First of three", "Alice", summary=summary)
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    for source, thing in manifest_things(output).items():
        # One of each in the source, the theme's: where a browser reads it.
        soup = page(output / thing["page"])
        assert og(soup, "og:locale") == ["en_US"], source
        assert len(og(soup, "article:published_time")) == 1, source
        assert og(soup, "og:url") == [thing["url"]]
        read = page_as_browsers_read_it(output / thing["page"])
        assert [link.parent.name for link in payment_links(read)] == ["head"]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [f"pelican-flattr: article.html: the page of a.md has {problem}"]
    assert audit_command(["audit", str(output)]) == 0
    with pytest.raises(FlattrBuildError):
        site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


def site_wide_open_graph_theme(tmp_path, name, fixed=""):
    """A child of simple whose base.html prints the site's Open Graph tags,
    og:url the site's home, on every page; its article.html and page.html
    override that block with ``fixed`` when it is given."""
    theme = simple_child_theme(tmp_path, name, "")
    templates = Path(theme) / "templates"
    (templates / "base.html").write_text(
        '{% extends "!simple/base.html" %}{% block head %}{{ super() }}'
        '{% block opengraph %}<meta property="og:type" content="website">'
        '<meta property="og:title" content="{{ SITENAME }}">'
        '<meta property="og:url" content="{{ SITEURL }}">'
        "{% endblock %}{% endblock %}"
    )
    for template in ("article.html", "page.html"):
        (templates / template).write_text(
            f'{{% extends "!simple/{template}" %}}'
            + (f"{{% block opengraph %}}{fixed}{{% endblock %}}" if fixed else "")
        )
    return theme


# What the report of a wrong og:url advises, each of which makes the audit pass.
OG_URL_FIXES = [
    "<!-- og:url left to the plugin -->",
    '<meta property="og:url" content="{{ SITEURL }}/{{ (article or page).url }}">',
    # The snippet the report gives, for articles and pages alike.
    '{% set c = article or page %}<meta property="og:url" content="'
    "{% if c.flattr %}{{ c.flattr.url|e }}{% else %}{{ SITEURL }}/{{ c.url }}"
    '{% endif %}">',
]


def test_a_theme_og_url_that_is_not_the_thing_url_is_reported(site, tmp_path, caplog):
    # Many themes print og:url {{ SITEURL }} in base.html on every page. The
    # plugin leaves out its own og:url for the theme's, which tells crawlers
    # the article is the site's home: the build said nothing, and the audit
    # refused each page. Following the report's advice makes it pass.
    files = {
        "a.md": article("First of three", "Alice"),
        "pages/about.md": article("About us", "Alice"),
    }
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_PAGES": True}
    theme = site_wide_open_graph_theme(tmp_path, "site-og")
    output = site(files, theme=theme, **settings)
    things = manifest_things(output)
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: {template} (or a template it extends or includes): the "
        f"page of {source} has an og:url of the "
        f"theme's that is not its thing URL (the theme's: '{SITEURL}'; the thing "
        f"URL: '{things[source]['url']}'): it tells crawlers the page is another "
        "(the site's home?); the plugin adds no second one (the audit refuses "
        "the page): for articles and pages, override the block that prints it, "
        "leaving og:url out (the plugin adds the right one) or printing the "
        "thing URL: {% if article.flattr %}{{ article.flattr.url|e }}{% else %}"
        "(the theme's own){% endif %} (page.flattr in page.html)"
        for template, source in (
            ("article.html", "a.md"),
            ("page.html", "pages/about.md"),
        )
    ]
    assert audit_command(["audit", str(output)]) == 1
    for number, fixed in enumerate(OG_URL_FIXES):
        caplog.clear()
        theme = site_wide_open_graph_theme(tmp_path, f"fixed-og{number}", fixed)
        output = site(files, theme=theme, **settings)
        assert [r for r in caplog.records if r.levelname == "ERROR"] == [], fixed
        for thing in manifest_things(output).values():
            assert og(page(output / thing["page"]), "og:url") == [thing["url"]]
        assert audit_command(["audit", str(output)]) == 0


# The theme's own Open Graph tags, in the body then too: said once, by the
# one report of what ended the head.
THEME_LOCALE = (
    '{% block head %}{{ super() }}<meta property="og:locale" content="en_US">'
    "{% endblock %}"
)


@pytest.mark.parametrize("case", ["notmyidea", "before head", "before head, own og"])
def test_a_head_ended_before_the_head_tags_is_reported(site, tmp_path, caplog, case):
    # notmyidea prints an article's Lang: unescaped into <html lang>: a
    # quote and ">" then close the tag, and the markup after them ends the
    # head before <head>, so the payment link and Open Graph tags a browser
    # reads are in the body. The page is named, and the audit agrees.
    files = three_articles()
    theme = None
    if case == "notmyidea":
        files["a.md"] = article("First of three", "Alice", lang='en"><b>x</b>')
    else:
        theme = simple_child_theme(
            tmp_path,
            "before-head",
            '{% extends "!simple/article.html" %}'
            '{% block html_lang %}en"><p>Skip to content</p>{% endblock %}'
            + (THEME_LOCALE if case.endswith("own og") else ""),
        )
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    soup = page_as_browsers_read_it(output / manifest_things(output)["a.md"]["page"])
    assert [link.parent.name for link in payment_links(soup)] == ["body"]
    messages = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert messages == [
        "pelican-flattr: article.html: the page of a.md has markup or text before "
        "the place of its head tags (before <head>, in its <html> tag, or in the "
        'head before <meta charset>: a value with a quote and ">" printed '
        "unescaped, such as a Lang: in <html lang>, or a <noscript> with an "
        "<img>), which ends the head for a browser: the payment link and Open "
        "Graph tags land in the body, where no reader looks (the audit refuses "
        "the page); correct the value, or escape it in the theme"
    ]
    assert audit_command(["audit", str(output)]) == 1


@pytest.mark.parametrize(
    "opening",
    [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />',
        '<!doctype html><html lang="en" data-x="a>b"><head prefix="og: x">'
        "<title>A &lt;b&gt; <c</title><meta charset=utf-8>",
        "<!-- built --><html><head><template><p>x</p></template><meta charset=utf-8>",
        # A stray </template> closes none: what follows it is the page's.
        "<html></template><head><meta charset=utf-8>",
        '<html lang="en">\n  <head>\n <title>Plain</title>\n  <meta charset="utf-8">',
        # A byte order mark is no text to a browser, usual opening or not.
        '\ufeff<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        "\ufeff<!-- a theme's note --><html><head><meta charset=utf-8>",
    ],
)
def test_a_head_that_is_still_open_is_not_taken_for_ended(opening):
    page = opening + "\n<title>t</title></head><body><p>Body</p></body></html>"
    at = markup._head_start(page, html_reader.find_head_end(page))
    assert page[:at].endswith(("<head>", ">")) and "</head>" not in page[:at]
    assert not html_reader.head_ended_before(page, at)
    assert html_reader.head_ended_before(page.replace("<head", "x<head", 1), at + 1)


@pytest.mark.parametrize("site_wide", [False, True])
def test_a_theme_writing_the_own_payment_link_gets_no_second(
    site, tmp_path, caplog, site_wide
):
    # Its own link written by the theme stands for the plugin's; a site-wide
    # one beside it is still reported, as the audit refuses two.
    theme = simple_child_theme(
        tmp_path,
        "own-link",
        '{% extends "!simple/article.html" %}{% block head %}{{ super() }}'
        '<link href="{{ article.flattr.auto_submit_url|e }}" rel="payment">'
        + (SITE_WIDE_LINK if site_wide else "")
        + "{% endblock %}",
    )
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    thing = manifest_things(output)["a.md"]
    soup = page_as_browsers_read_it(output / thing["page"])
    hrefs = [link["href"] for link in payment_links(soup)]
    assert hrefs[0] == thing["auto_submit_url"] and len(hrefs) == 1 + site_wide
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == site_wide
    assert all("not its own thing's" in error for error in errors)


# A post about styling the button shows a live example in its body: another
# thing's button, in the plugin's markup, as raw HTML.
EXAMPLE_BUTTONS = {
    "plain": '<a class="flattr-button flattr-button--plain" href="https://flattr'
    '.com/submit/auto?url=https%3A%2F%2Fwiki.example.org%2F&amp;user_id=wiki">'
    "Flattr the wiki</a>",
    "js": '<a class="FlattrButton flattr-button flattr-button--js" '
    'style="display:none;" href="https://wiki.example.org/">The wiki</a>',
}


@pytest.mark.parametrize("example", sorted(EXAMPLE_BUTTONS))
@pytest.mark.parametrize("style", ["plain", "js"])
def test_another_things_button_in_the_body_leaves_the_own_one_injected(
    site, tmp_path, caplog, example, style
):
    # Any button in the plugin's markup once stood for the page's own: the
    # article lost its button, and the build said nothing. The example is
    # the author's, a live button paying another owner, which the audit
    # refuses: said once, naming the article.
    body = (
        "Here is the button as it looks on our wiki:\n\n"
        f"{EXAMPLE_BUTTONS[example]}\n\nCopy the CSS below into your stylesheet."
    )
    files = {"a.md": article("Styling buttons", "Alice", body)}
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_BUTTON=style)
    (thing,) = manifest_things(output).values()
    own = thing["auto_submit_url"] if style == "plain" else thing["url"]
    soup = page_as_browsers_read_it(output / thing["page"])
    hrefs = [button["href"] for button in flattr_buttons(soup)]
    assert len(hrefs) == 2 and hrefs.count(own) == 1
    injected = soup.select_one(".flattr-injected a.flattr-button")
    assert injected["href"] == own
    # Right after the body, as on any page.
    last = injected.find_parent(class_="flattr-injected").find_previous_sibling("p")
    assert last.get_text() == "Copy the CSS below into your stylesheet."
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [body_markup_message("a.md", _A_BUTTON)]
    assert audit_command(["audit", str(output)]) == 1
    # The page's own button, written by the theme in the plugin's markup,
    # still stands for it beside the example: no second one. So too when
    # printed without |e, as Pelican's Jinja does not escape: a browser
    # reads its "&" as "&amp;".
    for name, escape in (("own-by-hand", "|e"), ("own-unescaped", "")):
        theme = after_the_body_theme(
            tmp_path,
            f"{name}-{style}-{example}",
            '<a class="flattr-button flattr-button--plain" '
            f'href="{{{{ article.flattr.auto_submit_url{escape} }}}}">Flattr this</a>',
        )
        output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
        soup = page_as_browsers_read_it(output / thing["page"])
        assert soup.select_one(".flattr-injected") is None, name
        hrefs = [button["href"] for button in flattr_buttons(soup)]
        assert hrefs.count(thing["auto_submit_url"]) == 1, name


# Themes that show a short article's body twice: its summary is the whole
# body, printed in a sidebar before the article, or as a lead above it.
_TWICE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>x</title></head>'
    "<body>{}<article><h1>{{{{ article.title|striptags|e }}}}</h1>{}</article>"
    "{}</body></html>"
)
_SIDEBAR = (
    '<aside id="sidebar"><h4>Recent posts</h4><ul>{% for a in articles %}<li>'
    '<div class="summary">{{ a.summary }}</div></li>{% endfor %}</ul></aside>'
)
BODY_TWICE = {
    "sidebar": _TWICE.format(_SIDEBAR, _BODY, ""),
    "lead": _TWICE.format(
        "", f'<div class="lead">{{{{ article.summary }}}}</div>{_BODY}', ""
    ),
}
# The same, but no reader sees two copies, or the helper printed the button.
BODY_ONCE = {
    "sidebar, button printed": _TWICE.format(
        _SIDEBAR, _BODY + "{{ flattr_button(article) }}", ""
    ),
    "second copy in a template": _TWICE.format(
        "", _BODY, f"<template>{_BODY}</template>"
    ),
    "second copy in a noscript": _TWICE.format(
        "", _BODY, f"<noscript><div>{_BODY}</div></noscript>"
    ),
    "first copy in a comment": _TWICE.format(f"<!-- {_BODY} -->", _BODY, ""),
    # After the article: the first copy is the article's, the button with it.
    "sidebar after the article": _TWICE.format("", _BODY, _SIDEBAR),
}
SHORT_BODY = "These are the notes from the meeting: the budget, and the new printer."
LONG_BODY = " ".join(["A long article, whose summary is cut short."] * 12)


@pytest.mark.parametrize("case", sorted(BODY_TWICE))
def test_a_body_shown_twice_is_warned_of(site, tmp_path, caplog, case):
    # The button goes after the first copy a reader sees, as documented:
    # in the sidebar, or after the lead. It used to go there silently.
    theme = simple_child_theme(tmp_path, "twice", BODY_TWICE[case])
    files = {
        "a.md": article("Meeting notes", "Alice", SHORT_BODY),
        # Older: Pelican writes the newest article's page first.
        "b.md": article("More notes", "Alice", SHORT_BODY).replace(
            "2024-03-01", "2024-02-01"
        ),
        "c.md": article("Long read", "Alice", LONG_BODY).replace(
            "2024-03-01", "2024-01-01"
        ),
    }
    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    for name in ("meeting-notes", "more-notes", "long-read"):
        (button,) = flattr_buttons(page_as_browsers_read_it(output / f"{name}.html"))
        first = name != "long-read"  # a copy of the body before the article's
        assert (button.find_parent("aside") is not None) == (
            first and case == "sidebar"
        )
        assert (button.find_parent(class_="lead") is not None) == (
            first and case == "lead"
        )
    # Once for the template, naming the first page; none for the long read.
    assert [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.name == "pelican_flattr"
    ] == [
        (
            "WARNING",
            "pelican-flattr: article.html: the page of a.md shows its body more "
            "than once where readers see it (a summary equal to the body, in a "
            "sidebar or a list?), and the plugin puts the button after the first "
            "copy, which may not be the article's: call flattr_button(article), "
            "or flattr_button(page), where the button belongs",
        )
    ]
    assert audit_command(["audit", str(output)]) == 0


def test_a_body_a_reader_sees_once_is_not_warned_of(site, tmp_path, caplog):
    # One build, a template per case (Pelican's "Template:" metadata): only
    # the page that shows its body twice is warned of.
    theme = simple_child_theme(tmp_path, "once", BODY_TWICE["sidebar"])
    files = {"twice.md": article("Twice", "Alice", SHORT_BODY)}
    for number, case in enumerate(sorted(BODY_ONCE)):
        (Path(theme) / "templates" / f"once{number}.html").write_text(BODY_ONCE[case])
        files[f"once{number}.md"] = article(
            f"Once {number}", "Alice", SHORT_BODY, template=f"once{number}"
        ).replace("2024-03-01", f"2024-02-0{number + 1}")
    output = site(files, theme=theme, FLATTR_AUTHORS={"Alice": "alice"})
    for number, case in enumerate(sorted(BODY_ONCE)):
        soup = page_as_browsers_read_it(output / f"once-{number}.html")
        shown = [b for b in flattr_buttons(soup) if not b.find_parent("template")]
        (button,) = shown
        assert button.find_parent("article") is not None, case
    warnings = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "pelican-flattr: article.html: the page of twice.md shows its body more "
        "than once"
    )


# Flattr buttons a theme printed itself before the plugin, as Flattr's old
# instructions gave them: a static auto-submit link, an embedded one.
OLD_BUTTONS = {
    "static": '<a href="https://flattr.com/submit/auto?user_id=oldsite&amp;url='
    "{{ SITEURL }}/{{ article.url }}&amp;title={{ article.title|striptags|urlencode }}"
    '" target="_blank"><img src="//button.flattr.com/flattr-badge-large.png" '
    'alt="Flattr this" title="Flattr this" border="0"></a>',
    "embedded": '<a class="FlattrButton" style="display:none;" '
    'href="{{ SITEURL }}/{{ article.url }}"></a>'
    f'<script src="{LOADER_URL}" async></script>',
}


@pytest.mark.parametrize("style", ["plain", "js"])
@pytest.mark.parametrize("old", sorted(OLD_BUTTONS))
def test_a_themes_own_old_button_is_reported(site, tmp_path, caplog, old, style):
    # Injection added the plugin's button beside the theme's, silently: each
    # article showed two, and a click on the theme's could make another
    # owner the thing's first, which Flattr keeps.
    theme = after_the_body_theme(tmp_path, f"old-{old}", OLD_BUTTONS[old])
    output = site(
        three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style
    )
    for thing in manifest_things(output).values():
        soup = page_as_browsers_read_it(output / thing["page"])
        own = thing["auto_submit_url"] if style == "plain" else thing["url"]
        (button,) = flattr_buttons(soup)
        assert button["href"] == own and button.find_parent(class_="flattr-injected")
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [
        "pelican-flattr: article.html: the page of a.md shows a Flattr button the "
        "theme prints itself (an old snippet?), beside its own: two buttons leave "
        "readers to guess, and the theme's may pay another owner (the audit "
        "refuses the page): remove the theme's"
    ]
    assert audit_command(["audit", str(output)]) == 1


OLD_PAYMENT_LINK = (
    '<link rel="payment" href="https://flattr.com/submit/auto?user_id=oldsite'
    '&amp;url={{ SITEURL|urlencode }}">'
)


@pytest.mark.parametrize("inject", [True, False], ids=["injecting", "not-injecting"])
@pytest.mark.parametrize("old", sorted(OLD_BUTTONS))
def test_old_snippets_beside_the_helpers_calls_are_reported(
    site, tmp_path, caplog, old, inject
):
    # A theme ported to the helpers that kept its old snippets: the plugin
    # added nothing, so it looked for nothing, and a strict build passed
    # pages the audit refused (two buttons, two payment links).
    theme = Path(helper_theme(tmp_path))
    article_html = theme / "templates" / "article.html"
    head, button = "{{ flattr_head(article) }}", "{{ flattr_button(article) }}"
    article_html.write_text(
        article_html.read_text()
        .replace(head, head + OLD_PAYMENT_LINK)
        .replace(button, button + OLD_BUTTONS[old])
    )
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_INJECT": inject}
    output = site(three_articles(), theme=str(theme), **settings)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages[:2] == [
        "pelican-flattr: article.html: the page of a.md already has a payment link "
        "to Flattr that is not its own thing's (a site-wide one the theme prints?); "
        "the page gets its own too, and two payment links leave readers to guess "
        "(the audit refuses the page): remove the theme's",
        "pelican-flattr: article.html: the page of a.md shows a Flattr button the "
        "theme prints itself (an old snippet?), beside its own: two buttons leave "
        "readers to guess, and the theme's may pay another owner (the audit "
        "refuses the page): remove the theme's",
    ], messages
    assert audit_command(["audit", str(output)]) == 1
    with pytest.raises(FlattrBuildError):
        site(three_articles(), theme=str(theme), FLATTR_STRICT=True, **settings)


def test_old_snippets_without_helpers_or_injection_are_not_said_beside_own(
    site, tmp_path, caplog
):
    # FLATTR_INJECT off, no helper called: the page has no button or payment
    # link of its own, so "the page gets its own too" was false, and an
    # error a strict build failed on. The page going without is said.
    theme = after_the_body_theme(tmp_path, "old-alone", OLD_BUTTONS["static"])
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=False)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert not [m for m in messages if "beside its own" in m or "its own too" in m]
    assert any("nothing adds them" in m for m in messages), messages


def test_the_helpers_own_markup_alone_is_no_old_snippet(site, tmp_path, caplog):
    # Every page complete from the helpers, a sidebar of other articles'
    # buttons and heads among them: nothing to say.
    theme = Path(helper_theme(tmp_path))
    article_html = theme / "templates" / "article.html"
    article_html.write_text(
        article_html.read_text().replace(
            "{{ flattr_button(article) }}",
            "{{ flattr_button(article) }}"
            "{% for a in articles if a != article %}{{ flattr_button(a) }}{% endfor %}",
        )
    )
    for style in ("plain", "js"):
        caplog.clear()
        settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_BUTTON": style}
        output = site(three_articles(), theme=str(theme), **settings)
        said = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
        assert said == []
        assert audit_command(["audit", str(output)]) == 0


def test_a_template_with_two_old_snippets_is_told_of_each(site, tmp_path, caplog):
    # Once per template and kind of mistake: a template already told of one
    # snippet it kept must still hear of the other.
    theme = simple_child_theme(
        tmp_path,
        "old-both",
        '{% extends "!simple/article.html" %}'
        f"{{% block head %}}{{{{ super() }}}}{SITE_WIDE_LINK}{{% endblock %}}"
        f"{{% block content %}}{{{{ super() }}}}{OLD_BUTTONS['static']}"
        "{% endblock %}",
    )
    site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert len(messages) == 2, messages
    assert all(
        m.startswith("pelican-flattr: article.html: the page of ") for m in messages
    )
    assert [m for m in messages if "already has a payment link to Flattr" in m]
    assert [m for m in messages if "shows a Flattr button the theme prints" in m]


QUOTED_SNIPPETS = f"""
An old button, for comparison:

    {OLD_BUTTONS["static"]}
    {OLD_BUTTONS["embedded"]}

Or inline: `<a class="FlattrButton" href="https://flattr.com/submit/auto?url=x">`.
Our [Flattr profile](https://flattr.com/profile/alice), and a
[thing](https://flattr.com/thing/1234) of ours.

<!-- <a href="https://flattr.com/submit/auto?url=x">Flattr</a> -->

<template><link rel="payment" href="https://flattr.com/submit/auto?url=x"></template>
"""


@pytest.mark.parametrize("style", ["plain", "js"])
def test_buttons_that_are_no_old_snippet_are_not_reported(
    site, tmp_path, caplog, style
):
    # Other articles' buttons of the plugin's own (a sidebar, a listing), a
    # snippet quoted in a code block or in a comment (the body's too, or in
    # its <template>), links to a profile or a thing's page: no button (nor
    # payment link) of the theme's or the body's that a reader sees.
    theme = after_the_body_theme(
        tmp_path,
        "no-old-button",
        "<aside>{% for other in articles if other != article %}"
        "{{ flattr_button(other) }}{% endfor %}</aside>"
        '<a href="https://flattr.com/profile/alice">Flattr</a>'
        '<!-- <a href="https://flattr.com/submit/auto?user_id=old">x</a> -->'
        '<template><a class="FlattrButton" href="#"></a></template>',
    )
    files = three_articles()
    files["a.md"] = article("First of three", "Alice", QUOTED_SNIPPETS)
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    thing = manifest_things(output)["a.md"]
    soup = page_as_browsers_read_it(output / thing["page"])
    assert soup.find("code") is not None and soup.select_one(".flattr-injected")
    assert len(flattr_buttons(soup)) == 3  # the own and two in the sidebar
    assert "flattr.com/submit" in str(soup.find("pre"))
    assert [r for r in caplog.records if r.name == "pelican_flattr"] == []


# Flattr markup an author pasted into an article's body, paying another
# owner: Markdown passes raw HTML on.
EVIL = "https://flattr.com/submit/auto?url=https%3A%2F%2Fevil.example%2F"
_A_BUTTON = (
    "a Flattr button (a link to Flattr's auto-submit URL, or an <a> of "
    "class FlattrButton or flattr-button)"
)
IN_THE_BODY = {
    "payment link": (
        f'<link rel="payment" href="{EVIL}&user_id=mallory">',
        'a payment link to Flattr (<link rel="payment">)',
    ),
    "button": (f'<a href="{EVIL}&amp;user_id=mallory">Flattr me</a>', _A_BUTTON),
    "embedded button": (
        '<a class="FlattrButton" href="https://evil.example/"></a>',
        _A_BUTTON,
    ),
    # The plugin writes nothing into a body: its class there is pasted too.
    "plugin's button": (
        f'<a class="flattr-button flattr-button--plain" href="{EVIL}">Flattr</a>',
        _A_BUTTON,
    ),
}


def body_markup_message(source: str, what: str) -> str:
    return (
        f"pelican-flattr: {source}: its text holds {what}, written into it "
        "rather than by the plugin: it pays whoever it names, on its page and "
        "on any listing that shows its text (the audit refuses those pages): "
        "remove it, or quote it as code (escaped)"
    )


@pytest.mark.parametrize("kind", sorted(IN_THE_BODY))
def test_flattr_markup_in_a_body_is_reported_naming_its_source(site, caplog, kind):
    # The build read payment links in the head alone, and blamed the theme
    # for a button in the body: a strict build passed a page (and the
    # listings showing its text) that the audit refuses.
    snippet, what = IN_THE_BODY[kind]
    files = three_articles()
    files["a.md"] = article(
        "First of three", "Alice", f"Support this post: {snippet}\n\nMore words here."
    )
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert snippet in (output / "first-of-three.html").read_text(encoding="utf-8")
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [body_markup_message("a.md", what)]
    assert audit_command(["audit", str(output)]) == 1
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


def test_a_body_and_a_theme_each_with_a_button_are_both_reported(
    site, tmp_path, caplog
):
    # The body's button is its author's, the theme's snippet the theme's:
    # each is said, naming whose it is, on the page that holds both.
    theme = after_the_body_theme(tmp_path, "old-and-body", OLD_BUTTONS["static"])
    snippet, what = IN_THE_BODY["button"]
    files = three_articles()
    files["a.md"] = article("First of three", "Alice", f"Also: {snippet}")
    site(files, theme=theme, FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [
        body_markup_message("a.md", what),
        "pelican-flattr: article.html: the page of a.md shows a Flattr button the "
        "theme prints itself (an old snippet?), beside its own: two buttons leave "
        "readers to guess, and the theme's may pay another owner (the audit "
        "refuses the page): remove the theme's",
    ]


def test_flattr_markup_in_a_page_without_a_thing_is_reported(site, caplog):
    # Pages get no thing without FLATTR_PAGES: the payment link in one's
    # text is refused by the audit all the same.
    snippet, what = IN_THE_BODY["payment link"]
    files = three_articles()
    files["pages/about.md"] = f"Title: About\n\nAbout us. {snippet}\n"
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert "pages/about.md" not in manifest_things(output)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [body_markup_message("pages/about.md", what)]
    assert audit_command(["audit", str(output)]) == 1


# What an article's body may leave open that hides the rest of its page,
# the button injected after the body with it, as the source spells it
# (any letter case: a browser reads tag names so), and how the build's
# report names it.
LEFT_OPEN = {
    "textarea": ("<textarea>", "opens <textarea> and never closes it (no </textarea>)"),
    "TEXTAREA": ("<TEXTAREA>", "opens <textarea> and never closes it (no </textarea>)"),
    "style": ("<style>", "opens <style> and never closes it (no </style>)"),
    "Style": ("<Style>", "opens <style> and never closes it (no </style>)"),
    "title": ("<title>", "opens <title> and never closes it (no </title>)"),
    "xmp": ("<xmp>", "opens <xmp> and never closes it (no </xmp>)"),
    "noembed": ("<noembed>", "opens <noembed> and never closes it (no </noembed>)"),
    "NoFrames": ("<NoFrames>", "opens <noframes> and never closes it (no </noframes>)"),
    "iframe": ("<iframe src=x>", "opens <iframe> and never closes it (no </iframe>)"),
    "plaintext": ("<plaintext>", "opens <plaintext>, which nothing closes"),
    "sCrIpT": ("<sCrIpT>", "opens <script> and never closes it (no </script>)"),
    "template": ("<template>", "opens <template> and never closes it"),
    "comment": ("<div><!-- x</div>", "opens a comment (<!--) and never closes it"),
}


def left_open_message(source: str, what: str, becomes: str | None = None) -> str:
    becomes = becomes or {
        "opens a comment (<!--) and never closes it": "commented out",
        "opens <template> and never closes it": "inert",
    }.get(what, f"the <{what.split('<')[1].split('>')[0]}>'s text")
    return (
        f"pelican-flattr: {source}: its text {what}, so the rest of its page, the "
        f"Flattr button after it too, is {becomes}: no reader sees the button (the "
        "audit refuses the page): close it in the source, or quote it as code "
        "(escaped)"
    )


def html_article(body: str) -> str:
    """An article for Pelican's HTML reader."""
    return (
        '<html><head><title>First of three</title><meta name="author" '
        'content="Alice"><meta name="date" content="2024-03-01 10:00"></head>'
        f"<body>{body}</body></html>"
    )


@pytest.mark.parametrize(
    ("kind", "reader"),
    [
        (kind, reader)
        for kind in sorted(LEFT_OPEN)
        for reader in ("md", "html")
        # Pelican's HTML reader drops the text of a <style> or <script>
        # never closed: its body ends before them.
        if reader == "md" or kind not in ("style", "Style", "sCrIpT")
    ],
)
def test_a_body_that_leaves_open_what_hides_the_button_is_reported(
    site, caplog, kind, reader
):
    # The build put the button after such a body and said nothing: the
    # page published had no button any browser shows (notmyidea's footer,
    # the button before it, all a textarea's text), which the audit alone
    # refused. Capitals ("<TEXTAREA>") escaped even the checks of a
    # button printed by the helpers.
    opening, what = LEFT_OPEN[kind]
    body = f"<p>A first paragraph with enough words.</p>\n\n{opening}\nleft open\n"
    files = three_articles()
    source = f"a.{reader}"
    del files["a.md"]
    files[source] = (
        article("First of three", "Alice", body)
        if reader == "md"
        else html_article(body)
    )
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    text = (output / "first-of-three.html").read_text(encoding="utf-8")
    # (Pelican's HTML reader writes tag names in lower case.)
    assert opening.split()[0].rstrip(">").lower() in text.lower()
    assert text.index("flattr-injected") > text.rindex("left open")
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [left_open_message(source, what)]
    assert audit_command(["audit", str(output)]) == 1
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


@pytest.mark.parametrize("style", ["plain", "js"])
def test_a_body_that_leaves_a_noscript_open_hides_only_an_embedded_button(
    site, caplog, style
):
    # Where scripts run, what follows an open <noscript> is text: the
    # embedded button, which needs them, is hidden; the plain one counts
    # there, as crawlers and readers without scripts see it.
    body = "<p>A first paragraph with enough words.</p>\n\n<NOSCRIPT>\nleft open\n"
    files = three_articles()
    files["a.md"] = article("First of three", "Alice", body)
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    if style == "plain":
        assert messages == []
        assert audit_command(["audit", str(output)]) == 0
    else:
        assert messages == [
            left_open_message("a.md", "opens <noscript> and never closes it").replace(
                "is the <noscript>'s text", "is text wherever scripts run"
            )
        ]
        assert audit_command(["audit", str(output)]) == 1


# Titles that open what hides the rest of the page: Pelican keeps a title
# as HTML, and simple prints it as it is. The button had no place a reader
# sees, yet the build said it went before the page's last </article> (or
# blamed the theme), and named neither the title nor its source.
TITLES_LEFT_OPEN = {
    "textarea": (
        "Use <textarea> for input",
        "opens <textarea> and never closes it (no </textarea>)",
        "the <textarea>'s text",
        "&lt;textarea&gt;",
    ),
    "comment": (
        "HTML comments <!-- like this",
        "opens a comment (<!--) and never closes it",
        "commented out",
        "&lt;!--",
    ),
    "script": (
        "Why <script> tags block rendering",
        "opens <script> and never closes it (no </script>)",
        "the <script>'s text",
        "&lt;script&gt;",
    ),
    # The searches back for what hides a copy of the body or a landmark
    # knew none of these: the button went into its text, and nothing was
    # said.
    **{
        name: (
            title,
            f"opens <{name}> and never closes it (no </{name}>)",
            f"the <{name}>'s text",
            f"&lt;{name}&gt;",
        )
        for name, title in (
            ("style", "Inline <style> rules"),
            ("xmp", "Old <xmp> tag"),
            ("title", "Set the <title> right"),
            ("noembed", "The <noembed> fallback"),
            ("noframes", "The <noframes> fallback"),
        )
    },
    "plaintext": (
        "The <plaintext> relic",
        "opens <plaintext>, which nothing closes",
        "the <plaintext>'s text",
        "&lt;plaintext&gt;",
    ),
}


@pytest.mark.parametrize("case", sorted(TITLES_LEFT_OPEN))
@pytest.mark.parametrize("style", ["plain", "js"])
def test_a_title_that_leaves_open_what_hides_the_button_is_reported(
    site, flattr_log, case, style
):
    title, what, becomes, escaped = TITLES_LEFT_OPEN[case]
    files = {"a.md": article(title, "Alice")}
    output = site(files, theme="simple", FLATTR_USERNAME="alice", FLATTR_BUTTON=style)
    text = (output / manifest_things(output)["a.md"]["page"]).read_text("utf-8")
    # No button where no reader sees it, said to be placed.
    assert "flattr-injected" not in text
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    assert said == [
        (
            "ERROR",
            f"pelican-flattr: a.md: its title {what}, and the theme prints the "
            "title as it is (Pelican keeps titles as HTML), so the rest of its "
            f"page after the title, the Flattr button too, is {becomes}: no reader "
            "sees the button (the audit refuses the page): write it as "
            f"{escaped} in the title",
        )
    ]
    assert audit_command(["audit", str(output)]) == 1
    # Written as the message says, the title hides nothing.
    opening = html.unescape(escaped)
    files = {"a.md": article(title.replace(opening, escaped), "Alice")}
    flattr_log.clear()
    output = site(files, theme="simple", FLATTR_USERNAME="alice", FLATTR_BUTTON=style)
    soup = page_as_browsers_read_it(output / manifest_things(output)["a.md"]["page"])
    assert soup.h2.get_text().strip() == title
    assert len(flattr_buttons(soup.select_one(".flattr-injected"))) == 1
    assert flattr_log.records == []
    assert audit_command(["audit", str(output)]) == 0


# A title with a tag it closes, or one the theme escapes or strips: the
# title hides nothing, and nothing is said of it.
SIMPLE_TITLE = "{{ article.title }}</a>"
HARMLESS_TITLES = {
    "closed tag": ("Use <em>this</em> now", SIMPLE_TITLE),
    "escaped by the theme": ("Use <textarea> for input", "{{ article.title|e }}</a>"),
    "stripped by the theme": (
        "Use <textarea> for input",
        "{{ article.title|striptags }}</a>",
    ),
}


@pytest.mark.parametrize("case", sorted(HARMLESS_TITLES))
def test_a_title_that_hides_nothing_on_its_page_is_not_reported(
    site, tmp_path, flattr_log, case
):
    title, printed = HARMLESS_TITLES[case]
    theme = simple_child_theme(
        tmp_path,
        "title-theme",
        SIMPLE_ARTICLE.read_text(encoding="utf-8").replace(SIMPLE_TITLE, printed),
    )
    output = site(
        {"a.md": article(title, "Alice")}, theme=theme, FLATTR_USERNAME="alice"
    )
    soup = page_as_browsers_read_it(output / manifest_things(output)["a.md"]["page"])
    assert len(flattr_buttons(soup.select_one("article .flattr-injected"))) == 1
    assert flattr_log.records == []
    assert audit_command(["audit", str(output)]) == 0


# A theme that prints no body (the summary in its place), whose landmarks
# the button would go before lie where no reader sees them: the last
# </article> a card's in a <template>, or every landmark in a comment that
# the theme leaves open. The button went there, and the build said so.
_NO_BODY = (
    '<!doctype html><html><head><meta charset="utf-8"><title>x</title></head>'
    "<body><main><h1>{{ article.title|striptags|e }}</h1>"
    "<div>{{ article.summary }}</div></main>"
)
HIDDEN_LANDMARKS = {
    "template": (
        _NO_BODY + "<template><article>A card</article></template></body></html>"
    ),
    "comment": _NO_BODY.replace("<main>", "<!-- <main>") + "</body></html>",
}


@pytest.mark.parametrize("case", sorted(HIDDEN_LANDMARKS))
def test_the_button_goes_before_no_landmark_a_reader_does_not_see(
    site, tmp_path, flattr_log, case
):
    theme = simple_child_theme(tmp_path, "hidden-landmarks", HIDDEN_LANDMARKS[case])
    body = "A first paragraph, with enough words in it.\n\nAnd a second one."
    files = {"a.md": article("No body", "Alice", body=body, summary="Short.")}
    output = site(files, theme=theme, FLATTR_USERNAME="alice")
    soup = page_as_browsers_read_it(output / "no-body.html")
    problem = (
        "pelican-flattr: article.html: the page of a.md does not show its body "
        "as Pelican renders it (the summary in its place, or the body filtered), "
        "so the plugin cannot put the button after it"
    )
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    if case == "template":
        (button,) = flattr_buttons(soup)
        assert button.find_parent("template") is None
        assert button.find_parent("main") is not None
        assert said == [
            (
                "WARNING",
                f"{problem}; it went before the page's last </main>, which may "
                "close something else (a box of related posts): "
                "call flattr_button(article), or flattr_button(page), where the "
                "button belongs",
            )
        ]
    else:
        assert "flattr-injected" not in (output / "no-body.html").read_text("utf-8")
        assert said == [
            (
                "ERROR",
                f"{problem}, and the page has no </article>, </main> or </body> "
                "that a reader sees to put it before: it has no button (the audit "
                "refuses it): call flattr_button(article), or flattr_button(page), "
                "where the button belongs",
            )
        ]


def test_a_copy_of_the_body_a_title_hides_is_not_a_second_copy(
    site, tmp_path, flattr_log
):
    # The body, then the title printed as it is, then the body again (a
    # "read it again" box): the button after the first copy is seen; the
    # second copy is the <style>'s text, not a copy shown twice.
    theme = simple_child_theme(
        tmp_path,
        "twice-after-title",
        _TWICE.format(
            "", f"{_BODY}<h2>{{{{ article.title }}}}</h2>", f"<p>{_BODY}</p>"
        ),
    )
    files = {"a.md": article("Inline <style> rules", "Alice", SHORT_BODY)}
    output = site(files, theme=theme, FLATTR_USERNAME="alice", FLATTR_BUTTON="plain")
    soup = page_as_browsers_read_it(output / manifest_things(output)["a.md"]["page"])
    assert len(flattr_buttons(soup.select_one("article .flattr-injected"))) == 1
    assert flattr_log.records == []
    assert audit_command(["audit", str(output)]) == 0


# Bodies that open what may hide the rest of the page, and close it (in
# another letter case too, as a browser reads tag names), or only seem to
# open it: the button after them is seen.
CLOSED_BODIES = [
    "<textarea>\nclosed</textarea>\n\n<TEXTAREA>x</Textarea>",
    "<Style>p { color: red }</STYLE>\n\n<style>p {}</style>",
    '<div><iframe src="https://example.org/v"></iframe></div>',
    "<!-- PELICAN_END_SUMMARY -->\n\n<div><!-- a --><!-- b --></div>",
    "<script>var s = '<textarea>';</script>",
    '<div title="<style>">quoted</div>',
    "<div><svg><style>svg {}</style></svg></div>",
    "<template><TEMPLATE></template></TEMPLATE>",
    "<div><title>t</TITLE><xmp>x</xmp><noembed>n</noembed></div>",
]


@pytest.mark.parametrize("body", CLOSED_BODIES)
def test_a_body_that_closes_what_it_opens_shows_the_button(site, caplog, body):
    files = three_articles()
    files["a.md"] = article(
        "First of three",
        "Alice",
        f"<p>A first paragraph with enough words.</p>\n\n{body}\n\nMore words.",
    )
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="js")
    soup = page_as_browsers_read_it(output / "first-of-three.html")
    injected = soup.select_one(".flattr-injected")
    assert injected is not None and len(flattr_buttons(injected)) == 1
    assert [r for r in caplog.records if r.name == "pelican_flattr"] == []
    assert audit_command(["audit", str(output)]) == 0


def helper_site_left_open(site, tmp_path, opening, **settings):
    """The three articles, the first's body leaving ``opening`` open, built
    with a theme whose helpers print the button after the body."""
    files = three_articles()
    files["a.md"] = article(
        "First of three",
        "Alice",
        f"<p>A first paragraph with enough words.</p>\n\n{opening}\nleft open\n",
    )
    theme = helper_theme(tmp_path)
    return files, site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, **settings)


def test_a_helpers_button_after_a_body_left_open_is_reported_as_the_bodys(
    site, tmp_path, caplog
):
    # The searches back for what hides the helper's button looked for
    # "<textarea" in lower case, and for no <style> at all: such a page
    # passed silently, or its theme was blamed for its article's text.
    files, output = helper_site_left_open(site, tmp_path, "<TEXTAREA>")
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [left_open_message("a.md", LEFT_OPEN["TEXTAREA"][1])]
    assert audit_command(["audit", str(output)]) == 1
    # The button printed before the body is seen: nothing to say, with
    # FLATTR_INJECT off too (the body was blamed, though the page showed
    # the button).
    before = simple_child_theme(
        tmp_path,
        "button-first",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}"
        "{% block content %}{{ flattr_button(article) }}{{ super() }}{% endblock %}",
    )
    for inject in (True, False):
        caplog.clear()
        site(files, theme=before, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=inject)
        assert [r for r in caplog.records if r.name == "pelican_flattr"] == []


@pytest.mark.parametrize("style", ["plain", "js"])
def test_a_body_left_open_is_reported_without_injection_too(
    site, tmp_path, caplog, style
):
    # With FLATTR_INJECT off, the build said nothing of the body and told
    # the theme, which prints the button after it, that it prints none.
    _, output = helper_site_left_open(
        site, tmp_path, "<TEXTAREA>", FLATTR_INJECT=False, FLATTR_BUTTON=style
    )
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages[0] == left_open_message("a.md", LEFT_OPEN["TEXTAREA"][1])
    # The helper theme's article.html prints no flattr_script(): that much
    # is the theme's.
    assert all("flattr_button()" not in message for message in messages)
    assert len(messages) == (1 if style == "plain" else 2)
    assert audit_command(["audit", str(output)]) == 1


# Every element whose text runs on, in any letter case: a <style>, an
# <xmp>... a body leaves open hides the helper's button after it, with
# injection and without.
@pytest.mark.parametrize(
    "kind", ["style", "Style", "title", "xmp", "noembed", "NoFrames", "plaintext"]
)
@pytest.mark.parametrize("inject", [True, False])
def test_a_helpers_button_after_a_body_left_open_by_any_text_element_is_reported(
    site, tmp_path, caplog, kind, inject
):
    opening, what = LEFT_OPEN[kind]
    _, output = helper_site_left_open(site, tmp_path, opening, FLATTR_INJECT=inject)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [left_open_message("a.md", what)]
    assert audit_command(["audit", str(output)]) == 1


def listing_theme(tmp_path, name, script, button="{{ flattr_button(a) }}"):
    """A theme whose article.html prints all the helpers, and whose listings
    (index.html, and the category, tag and author pages that extend it)
    print ``button`` for each article ``a``, then ``script`` (Jinja)."""
    templates = tmp_path / name / "templates"
    templates.mkdir(parents=True)
    (templates / "article.html").write_text(
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}"
        "{% block content %}{{ super() }}{{ flattr_button(article) }}"
        "{{ flattr_script() }}{% endblock %}"
    )
    (templates / "index.html").write_text(
        '{% extends "!simple/index.html" %}{% block content %}{{ super() }}'
        f"{{% for a in articles_page.object_list %}}{button}{{% endfor %}}"
        f"{script}{{% endblock %}}"
    )
    return str(tmp_path / name)


def listing_without_loader_message(template: str) -> str:
    return (
        f"pelican-flattr: {template}: prints no flattr_script() for the embedded "
        "buttons it shows (of the articles it lists), and FLATTR_INJECT is off, "
        "so nothing adds it: its pages go without load.js, and no reader sees "
        "those buttons (call it in the template, after them, or leave "
        "FLATTR_INJECT on)"
    )


@pytest.mark.parametrize("style", ["js", "compact"])
def test_a_listing_without_flattr_script_is_said_without_injection(
    site, tmp_path, caplog, style
):
    # With FLATTR_INJECT off, a listing that shows embedded buttons and never
    # calls flattr_script() has no load.js: its buttons stay hidden, and only
    # the audit said so; an article's template was told at build time.
    theme = listing_theme(tmp_path, "listing-without", "")
    output = site(
        three_articles(),
        theme=theme,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_INJECT=False,
        FLATTR_BUTTON=style,
    )
    index = page_as_browsers_read_it(output / "index.html")
    assert len(flattr_buttons(index)) == 3 and loader_scripts(index) == []
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    # Once for each template, however many pages each writes; the category,
    # tag and author pages extend index.html.
    assert sorted(messages) == [
        listing_without_loader_message(template)
        for template in ("author.html", "category.html", "index.html", "tag.html")
    ]
    assert audit_command(["audit", str(output)]) == 1
    # A listing that calls flattr_script(), or loads load.js itself, is
    # left in peace, and passes the audit.
    for name, script in (
        ("listing-with", "{{ flattr_script() }}"),
        ("listing-own-loader", f'<script src="{LOADER_URL}" async></script>'),
    ):
        caplog.clear()
        output = site(
            three_articles(),
            theme=listing_theme(tmp_path, name, script),
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_INJECT=False,
            FLATTR_BUTTON=style,
        )
        assert len(loader_scripts(page(output / "index.html"))) == 1
        assert [r for r in caplog.records if r.name == "pelican_flattr"] == []
        assert audit_command(["audit", str(output)]) == 0


def test_a_themes_own_load_js_stands_for_flattr_script_without_injection(
    site, tmp_path, caplog
):
    # An article template that loads load.js itself rather than calling
    # flattr_script() shows its embedded button: with FLATTR_INJECT off it
    # was told that it printed no flattr_script(), and its pages went
    # without, while the audit passed them.
    theme = simple_child_theme(
        tmp_path,
        "own-loader",
        '{% extends "!simple/article.html" %}'
        "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}"
        "{% block content %}{{ super() }}{{ flattr_button(article) }}"
        f'<script src="{LOADER_URL}" async></script>{{% endblock %}}',
    )
    output = site(
        three_articles(),
        theme=theme,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_INJECT=False,
        FLATTR_BUTTON="js",
    )
    soup = page(output / "first-of-three.html")
    assert len(flattr_buttons(soup)) == 1 and len(loader_scripts(soup)) == 1
    assert [r for r in caplog.records if r.name == "pelican_flattr"] == []
    assert audit_command(["audit", str(output)]) == 0


def noscript_left_open_message(source: str) -> str:
    return left_open_message(source, "opens <noscript> and never closes it").replace(
        "is the <noscript>'s text", "is text wherever scripts run"
    )


def test_a_helpers_embedded_button_after_a_noscript_left_open_is_reported(
    site, tmp_path, caplog
):
    # Where scripts run, the <noscript>'s text hides the embedded button the
    # helper printed after the body, as it hides an injected one.
    _, output = helper_site_left_open(site, tmp_path, "<NOSCRIPT>", FLATTR_BUTTON="js")
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [noscript_left_open_message("a.md")]
    assert audit_command(["audit", str(output)]) == 1


def test_a_themes_embedded_button_after_a_noscript_left_open_is_reported(
    site, tmp_path, caplog
):
    # The site's style is plain, which an open <noscript> hides from no
    # one; the theme asks for an embedded button, which it hides where
    # scripts run: the body's text is to blame all the same.
    files = three_articles()
    files["a.md"] = article(
        "First of three",
        "Alice",
        "<p>A first paragraph with enough words.</p>\n\n<NOSCRIPT>\nleft open\n",
    )
    theme = after_the_body_theme(
        tmp_path, "js-after", '{{ flattr_button(article, "js") }}{{ flattr_script() }}'
    )
    output = site(files, theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="plain")
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == [noscript_left_open_message("a.md")]
    assert audit_command(["audit", str(output)]) == 1


def test_a_listing_that_only_tests_a_buttons_output_needs_no_load_js(
    site, tmp_path, caplog
):
    # `{% if flattr_button(a) %}`: the call renders an embedded button the
    # page never shows, and a listing that shows none needs no load.js;
    # without injection it was told it printed no flattr_script().
    tested = "{% if flattr_button(a) %}<p class=flattrable>{{ a.title }}</p>{% endif %}"
    theme = listing_theme(tmp_path, "listing-tests-only", "", tested)
    settings = {"FLATTR_INJECT": False, "FLATTR_BUTTON": "js"}
    output = site(three_articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, **settings)
    index = page_as_browsers_read_it(output / "index.html")
    assert index.select("p.flattrable") and flattr_buttons(index) == []
    assert loader_scripts(index) == []
    assert [r for r in caplog.records if r.name == "pelican_flattr"] == []


def test_each_body_left_open_is_reported(site, caplog):
    # Once per content, not once per build: each source has its own fix.
    files = three_articles()
    for source, title in (("a.md", "First of three"), ("c.md", "Third of three")):
        files[source] = article(
            title,
            "Alice",
            "<p>A first paragraph with enough words.</p>\n\n<textarea>\nleft open\n",
        )
    site(files, FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert sorted(messages) == [
        left_open_message(source, LEFT_OPEN["textarea"][1])
        for source in ("a.md", "c.md")
    ]


# Bodies whose end a tag runs to, which the page after them ends, and what
# the build says of each (None: nothing): an end tag cut short closes its
# element, a start tag cut short opens its, a quoted value never closed
# swallows the page; and bodies that a browser reads otherwise than a
# search finds (a "</textarea>" quoted in its start tag, a </script> in
# text a "<!--" escaped, a CDATA section of an <svg> never closed).
BODIES_CUT_SHORT = {
    "textarea end tag": ("<p>x</p><textarea>a</textarea", "plain", None),
    "noscript end tag": ("<div><NOSCRIPT>x</NOSCRIPT", "js", None),
    "template": (
        "<div><template",
        "plain",
        left_open_message("a.md", "opens <template> and never closes it"),
    ),
    "noscript": ("<div><noscript", "js", noscript_left_open_message("a.md")),
    "quoted value": (
        "<p><img src='x",
        "plain",
        left_open_message(
            "a.md",
            "leaves a tag open (<img ...), never closed by '>'",
            "swallowed by that tag",
        ),
    ),
    "cdata": (
        "<div><svg><![CDATA[",
        "plain",
        left_open_message(
            "a.md",
            "ends inside a CDATA section (<![CDATA[ in an <svg> or a <math>) that "
            "no ]]> closes",
            "the section's text",
        ),
    ),
    "bogus comment in an svg": (
        "<div><svg><?x",
        "plain",
        left_open_message(
            "a.md",
            'leaves an <svg> open and ends in a bogus comment ("<?", "<!" or "</" '
            "and no tag name), which swallows the next tag",
            "read as SVG, where no link is HTML's",
        ),
    ),
    "quoted end tag": (
        '<div><textarea title="</textarea>">',
        "plain",
        left_open_message("a.md", LEFT_OPEN["textarea"][1]),
    ),
    "escaped script": (
        "<div><script><!--<script></script>-->x",
        "plain",
        left_open_message(
            "a.md",
            'opens <script> and never closes it: its </script> lies in text a "<!--" '
            'escaped (a "<script" after the "<!--", and no "-->" before it), where '
            "it ends no script",
            "the <script>'s text",
        ),
    ),
}


@pytest.mark.parametrize("kind", sorted(BODIES_CUT_SHORT))
def test_a_body_is_read_on_into_its_page_as_a_browser_reads_it(site, caplog, kind):
    # A tag cut short by the body's end was taken for none (a miss), and an
    # end tag cut short for no end tag (a strict build failed for a page
    # the audit accepts).
    ending, style, message = BODIES_CUT_SHORT[kind]
    files = three_articles()
    files["a.md"] = article(
        "First of three",
        "Alice",
        f"<p>A first paragraph with enough words.</p>\n\n{ending}",
    )
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    text = (output / "first-of-three.html").read_text(encoding="utf-8")
    # Right after the body (Markdown may break its line between tags).
    cut = ending.rsplit(">", 1)[-1]
    assert f'{cut}\n<div class="flattr-injected">' in text
    messages = [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"]
    assert messages == ([] if message is None else [message])
    assert audit_command(["audit", str(output)]) == (0 if message is None else 1)
    if message is None:
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style, FLATTR_STRICT=True)


def test_a_closed_noscript_holding_an_element_of_text_hides_no_embedded_button(
    site, caplog
):
    # Where scripts run, the embedded button's readers, a <noscript>'s
    # content is text up to its first </noscript>: an <iframe> in it opens
    # nothing, and the build reported it.
    files = three_articles()
    files["a.md"] = article(
        "First of three",
        "Alice",
        "<p>A first paragraph with enough words.</p>\n\n"
        '<div><noscript><iframe src="x"></noscript></div>',
    )
    site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="js")
    assert [r for r in caplog.records if r.name == "pelican_flattr"] == []
    site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON="js", FLATTR_STRICT=True)


def test_a_body_ending_in_a_whole_image_with_a_quote_in_its_alt_is_searched():
    # reStructuredText writes an image's alt text in double quotes, an
    # apostrophe in it as is: counting quotes took the body for one that
    # ends in a value left open, and read it tag by tag.
    body = "<p>x</p>\n" * 10 + '<img alt="it\'s &quot;x&quot;" src="/i.png" />'
    assert not markup._may_end_in_a_tag(body)
    assert markup.body_left_open(body) is None


def button_seen_after(body: str, scripts: bool) -> bool:
    """Whether html5lib, which parses as browsers do (``scripts``: as one
    that runs scripts, where a <noscript> holds text), shows a reader the
    button injected right after ``body`` on a page."""
    page = (
        "<!DOCTYPE html><html><head><title>t</title></head><body><article>"
        f'{body}\n<div class="flattr-injected"><a class="flattr-button" '
        'href="https://flattr.com/x">Flattr</a></div>\n</article></body></html>'
    )
    document = html5lib.HTMLParser(namespaceHTMLElements=False).parse(
        page, scripting=scripts
    )
    parents = {child: parent for parent in document.iter() for child in parent}
    for element in document.iter("a"):
        if element.get("class") != "flattr-button":
            continue
        hidden_by = ("template", "noscript") if scripts else ("template",)
        while element in parents:
            element = parents[element]
            if element.tag in hidden_by:
                break
        else:
            return True
    return False


@pytest.mark.parametrize(
    ("body", "scripts", "left_open"),
    [
        ("<p>plain</p>", False, None),
        ("<textarea", False, "textarea"),  # its start tag cut by the body's end
        ("<textarea>x</textareax>", False, "textarea"),  # no end tag of its
        ("<a title='<textarea>'>x</a>", False, None),
        ("<script>'</textarea>'</script><textarea>", False, "textarea"),
        # The last start tag is the one left open.
        ("<textarea>a</textarea> <textarea>b", False, "textarea"),
        ("<svg><style>x", False, None),  # foreign content: no text of its own
        ("<svg></svg><style>x", False, "style"),
        ("<!-- a --> <!-- b", False, "!--"),  # markup.COMMENT
        ("<!-->", False, None),
        ("<!-- x --!>", False, None),
        # A comment that ends the body, closed; a bogus one ("<?") is no
        # comment that "-->" alone ends.
        ("<TEXTAREA></TEXTAREA><!-- a -->x", False, None),
        ("<TEXTAREA></TEXTAREA><?php x", False, None),
        ("<template><template></template>", False, "template"),
        ("<template></template></template><template>", False, "template"),
        # Double escaped script text: its first </script> ends no script.
        ("<script><!--<script></script>x", False, markup.ESCAPED_SCRIPT),
        ("<script><!--<script></script>-->x", False, markup.ESCAPED_SCRIPT),
        ("<script><!--<script>x", False, "script"),
        ("<script><!-- --></script>x", False, None),
        ("<noscript>x", False, None),
        ("<NoScript>x", True, "noscript"),
        ("<NOSCRIPT>a</NOSCRIPT>", True, None),
        # The body's end cuts a tag short: the page after it ends the tag.
        ("<p>x</p><textarea>a</textarea", False, None),
        ("<TEMPLATE>x</TEMPLATE", False, None),
        ("<div><NOSCRIPT>x</NOSCRIPT", True, None),
        ("<div><template", False, "template"),
        ("<div><noscript", True, "noscript"),
        # Its start tag's ">" ends no textarea's text before it.
        ('<div><textarea title="</textarea>">', False, "textarea"),
        # Where scripts run, a <noscript>'s content is text.
        ('<div><noscript><iframe src="x"></noscript></div>', True, None),
        ('<div><noscript><iframe src="x"></noscript></div>', False, "iframe"),
        ("<noscript><style>x</noscript>", True, None),
        # Foreign content: text to "]]>"; a tag that swallows the button's
        # <div> leaves its <a> in the <svg>.
        ("<div><svg><![CDATA[", False, markup.CDATA),
        ('<div><svg><a title="x', False, "<a"),
        ("<div><svg><a", False, "<a"),
        # A quoted value never closed (a double quote ends at the injected
        # <div>'s class).
        ("<p><img src='x", False, "<img"),
        ("<p><img alt='a > b", False, "<img"),
        ('<p><img src="x', False, None),
        ("<p>it's</p>", False, None),
        # A quote in a double-quoted value opens none; the single-quoted
        # value after it, never closed, swallows the page.
        ("<a title=\"x'>y\" b='c", False, "<a"),
        # A single-quoted value that no quote closes, whatever tags it
        # seems to hold and close.
        ("<img alt='<b>", False, "<img"),
        ("<a title='<math>", False, "<a"),
        ("<img alt='</p><td>", False, "<img"),
        # A bogus comment the body's end cuts short swallows the button's
        # <div>: its <a> is then in the <template>, or SVG's or MathML's.
        ("<template><!x", False, "template"),
        ("<template><?x", False, "template"),
        ("<template></", False, "template"),
        ("<svg><?x", False, "<svg>"),  # markup.FOREIGN_LEFT_OPEN
        ("<svg><!x", False, "<svg>"),
        ("<svg></", False, "<svg>"),
        ("<math></ ", False, "<math>"),
        ("<svg><foreignObject><?x", False, None),  # HTML's again in it
        # An end tag the body's end cuts short: the <a> is SVG's only while
        # an <svg> is open after it.
        ("<svg></svg ", False, None),
        ("<svg><desc></desc></svg", False, None),
        ("<svg><g></g ", False, "<g"),
        # The <svg>'s end tag, its quoted value never closed: a browser drops
        # the tag with the page after it, and the <svg> stays open.
        ("<svg></svg title='x", False, "<svg"),
        # HTML's tags named "svg:...", outside any <svg>.
        ("<svg:a", False, None),
        ("<p><svg:a", False, None),
        ("<svg:rect", False, None),
        ("<svg:a title='x", False, "<svg:a"),
        # Where scripts run, a <noscript> left open after others closed.
        ("<p>a</p><noscript><p>x</p>", True, "noscript"),
        # A <noscript>'s end tag ends its text, whatever its attributes say:
        # the reading goes on from the tag, not from after its first ">".
        ('<noscript>a</noscript title="<textarea>">', True, None),
        # A CDATA section left open in the body's only <svg>.
        ("<svg><![CDATA[ a > b", False, markup.CDATA),
    ],
)
def test_body_left_open_reads_the_body_as_a_browser_does(body, scripts, left_open):
    # Tag names in any letter case, as a browser reads them.
    for spelt in (body, body.upper()):
        assert markup.body_left_open(spelt, scripts) == left_open
        assert button_seen_after(spelt, scripts) == (left_open is None)


# --- The plain button's visually hidden part, for a theme's CSS ---


def css_declarations(text: str) -> dict[str, str]:
    """A style's or a CSS rule's body as {property: value}, spaces folded."""
    pairs = (part.split(":", 1) for part in text.split(";") if part.strip())
    return {name.strip(): " ".join(value.split()) for name, value in pairs}


def hidden_rule(text: str) -> dict[str, str]:
    """The declarations of the ``.flattr-button__hidden`` rule in ``text``."""
    (body,) = re.findall(r"\.flattr-button__hidden \{([^}]*)\}", text)
    return css_declarations(body)


def test_the_plain_buttons_hidden_part_has_a_class_for_a_strict_csp(site):
    # It was a bare <span style>: a theme could reach it only as
    # ".flattr-button__text + span", and under a Content-Security-Policy
    # that refuses inline styles the whole sentence showed. The class lets a
    # theme's stylesheet hide it; the inline style stays for themes without.
    output = site(three_articles(), FLATTR_AUTHORS=AUTHORS)
    (button,) = flattr_buttons(page(output / "first-of-three.html"))
    (hidden,) = button.select(".flattr-button__hidden")
    assert hidden.find(dir="auto").get_text() == "First of three"
    inline = css_declarations(hidden["style"])
    assert inline["position"] == "absolute"
    # The rule the README gives such a theme (docs/things.md), and the
    # bundled theme's, hide it as its own style does.
    readme = (ROOT / "docs" / "things.md").read_text(encoding="utf-8")
    stylesheet = (ROOT / "theme" / "static" / "css" / "style.css").read_text()
    assert hidden_rule(readme) == hidden_rule(stylesheet) == inline
    # Refused, the inline style is one violation per button: the README
    # gives the hashes a policy allows it by, which a changed style
    # would leave stale.
    embedded = markup.embedded_button(hostile_url_thing("js"))
    styles = [hidden["style"], BeautifulSoup(embedded, "html.parser").a["style"]]
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in " ".join(readme.split())


# --- What load.js submits, and the styles button() takes ---


def hostile_url_thing(style: str) -> ContentThing:
    """A thing whose URL a browser rewrites in an href (an upper-case,
    non-ASCII host, a default port, a non-ASCII path) and that holds an
    ``&`` to escape."""
    thing = Thing(
        "https://Bücher.example:443/Blog/über-naïve/?a=1&b=2",
        parse_owner("alice"),
        "Über naïve soldering",
        "Words.",
        "text",
        "de_DE",
        (),
        False,
    )
    return ContentThing(thing, "a.md", "a.html", style)


@pytest.mark.parametrize("style", ["js", "compact"])
def test_an_embedded_button_gives_load_js_its_thing_url_in_data_flattr_url(style):
    # load.js 0.6 reads url from the href property, which the browser
    # rewrites (xn--bcher-kva.example, %C3%BC...), then from data-flattr-url:
    # only the latter keeps the URL Flattr keys the thing on.
    content_thing = hostile_url_thing(style)
    written = str(markup.button(content_thing, style))
    url = "https://Bücher.example:443/Blog/über-naïve/?a=1&amp;b=2"
    assert f'href="{url}" data-flattr-url="{url}"' in written
    (anchor,) = BeautifulSoup(written, "html.parser").find_all("a")
    assert anchor["data-flattr-url"] == anchor["href"] == content_thing.thing.url


@pytest.mark.parametrize("style", ["Plain", "none", "fancy", "JS"])
def test_button_refuses_a_style_it_does_not_know(style):
    # Any unknown style used to give the embedded button.
    with pytest.raises(ValueError) as raised:
        markup.button(hostile_url_thing("plain"), style)
    assert str(raised.value) == (
        f"button() is called with style {style!r}, not one of plain, js, compact"
    )


def test_a_themes_og_url_equal_to_a_thing_url_with_an_ampersand_is_right():
    # The plugin's own og:url compared still escaped (&amp;) with the
    # theme's, read as text: a theme's right og:url of a thing URL with a
    # query was said to be wrong, with the escaped URL in the message.
    thing = make_thing("https://example.org/post?p=1&lang=en", "alice", "Hello world")
    content_thing = ContentThing(thing, "a.md", "a.html", "plain")
    printed = str(head(content_thing, [("og:url", thing.url), ("og:title", "Hi")]))
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"{printed}"
        "<meta property=og:url content='https://example.org/post?p=1&amp;lang=en'>"
        "</head><body><p>Hi</p></body></html>"
    )
    said = []
    reports = markup.InjectReports(
        theme_url_wrong=lambda content, theirs, url: said.append((theirs, url))
    )
    merged = markup.merge_theme_open_graph(
        page,
        content_thing,
        content_thing.auto_submit_url,
        markup.open_graph_marks(printed),
        reports,
    )
    assert said == []
    assert merged is not None and merged.count("og:url") == 1
