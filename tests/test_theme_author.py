"""What a theme author meets: the README's template snippets in real child
themes, and the helpers called the wrong way."""

import json
import logging
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import (
    ROOT,
    SITEURL,
    article,
    documented_block,
    flattr_buttons,
    manifest_things,
    og,
    page,
    page_as_browsers_read_it,
    payment_links,
    simple_base,
)

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main as audit_command
from pelican_flattr.markup import BUTTON_CLASS, LOADER_URL, MULTIPLE_PROPERTIES
from pelican_flattr.store import open_store
from pelican_flattr.templates import _helper_meant, _reporting_wrong_arguments

AUTHORS = {"Alice": "alice", "Bob": "twitter:user:id:123"}
README = (ROOT / "README.md").read_text(encoding="utf-8")

# The "Template helpers" snippets of the README, as a theme author pastes them.
HEAD = (
    '{% if "pelican_flattr" is plugin_enabled %}{{ flattr_head(article) }}{% endif %}'
)
BUTTON = (
    "{{ article.content }}\n"
    '{% if "pelican_flattr" is plugin_enabled %}{{ flattr_button(article) }}{% endif %}'
)
PAGE_HEAD = (
    '{% if "pelican_flattr" is plugin_enabled %}{{ flattr_head(page) }}{% endif %}'
)
PAGE_BUTTON = (
    "{{ page.content }}\n"
    '{% if "pelican_flattr" is plugin_enabled %}{{ flattr_button(page) }}{% endif %}'
)
SCRIPT = '{% if "pelican_flattr" is plugin_enabled %}{{ flattr_script() }}{% endif %}'


def articles(count=3):
    files = {
        f"a{n}.md": article(f"Article number {n}", "Alice" if n % 2 else "Bob").replace(
            "2024-03-01", f"2024-03-0{n + 1}"
        )
        for n in range(count)
    }
    files["pages/about.md"] = "Title: About us\nAuthor: Alice\n\nAbout this site.\n"
    return files


def child_theme(tmp_path, templates: dict[str, str]):
    """Templates that override those of the site's THEME, for
    THEME_TEMPLATES_OVERRIDES (they extend "!theme/NAME")."""
    folder = tmp_path / "overrides"
    folder.mkdir(parents=True)
    for name, text in templates.items():
        (folder / name).write_text(text)
    return [str(folder)]


def loaders(soup):
    return [s for s in soup.find_all("script") if "load.js" in (s.get("src") or "")]


# The README's plain button in the page's own words, printed by a theme:
# German words for a German article, English for the others, the title in
# its own language and isolated, as the plugin's own button has it.
OWN_WORDS_BUTTON = (
    "{% if article.flattr %}\n"
    '{% set title %}<span lang="{{ article.flattr.lang|e }}" dir="auto">'
    "{{ flattr_text(article.title) }}</span>{% endset %}\n"
    '<a class="flattr-button flattr-button--plain" '
    'href="{{ article.flattr.auto_submit_url|e }}" rel="nofollow"\n'
    '{%- if article.lang == "de" %} lang="de" dir="ltr">'
    "Flattr: unterstütze „{{ title }}“ auf flattr.com\n"
    '{%- else %} lang="en" dir="ltr">'
    "Flattr: support “{{ title }}” on flattr.com{% endif %}</a>\n"
    "{% endif %}"
)


def notmyidea_article(content: str) -> dict[str, str]:
    """A child of notmyidea's article.html that prints the README's head
    helper, and ``content`` as its content block."""
    return {
        "article.html": '{% extends "!theme/article.html" %}\n'
        f"{{% block extra_head %}}{{{{ super() }}}}{HEAD}{{% endblock %}}\n"
        f"{{% block content %}}{content}{{% endblock %}}\n"
    }


def test_a_themes_own_plain_button_in_the_pages_language_is_the_button(
    site, tmp_path, flattr_log
):
    # The plugin's plain button speaks English on a German page, whatever
    # the settings: a theme printing its own, as the README shows, gets
    # nothing injected, no warning, and passes the audit. The title keeps
    # its own language and is isolated from the words around it: an Arabic
    # one read with German's voice, and reordering them, was not.
    assert OWN_WORDS_BUTTON in README
    overrides = child_theme(
        tmp_path,
        notmyidea_article(
            f"<main>{{{{ article.content }}}}\n{OWN_WORDS_BUTTON}</main>"
        ),
    )
    files = {
        "a.md": article("Lötstationen & Zinn", "Alice", lang="de"),
        "b.md": article("Über Drucker", "Bob", lang="de"),
        "c.md": article("لحام القصدير", "Alice", lang="ar", slug="lihaam"),
    }
    output = site(
        files,
        theme="notmyidea",
        THEME_TEMPLATES_OVERRIDES=overrides,
        DEFAULT_LANG="de",
        FLATTR_AUTHORS=AUTHORS,
    )
    things = manifest_things(output)
    assert len(things) == 3
    words = {
        "de": ("de", "Flattr: unterstütze „{}“ auf flattr.com"),
        "ar": ("en", "Flattr: support “{}” on flattr.com"),
    }
    for source, thing in things.items():
        lang = "ar" if source == "c.md" else "de"
        soup = page_as_browsers_read_it(output / thing["page"])
        assert soup.select_one(".flattr-injected") is None
        (button,) = flattr_buttons(soup)
        assert button["href"] == thing["auto_submit_url"]
        button_lang, text = words[lang]
        assert (button["lang"], button["dir"]) == (button_lang, "ltr")
        assert button.get_text() == text.format(thing["title"])
        (title,) = button.find_all("span")
        assert (title["lang"], title["dir"]) == (lang, "auto")
        assert title.get_text() == thing["title"]
    assert not [r.getMessage() for r in flattr_log.records]
    assert audit_command(["audit", str(output)]) == 0


_README_OPENING = (
    '<a class="flattr-button flattr-button--plain" '
    'href="{{ article.flattr.auto_submit_url|e }}"'
)


@pytest.mark.parametrize(
    "opening",
    [
        # The href first, or a class of the theme's own besides the
        # plugin's, or the plugin's in the other order.
        '<a href="{{ article.flattr.auto_submit_url|e }}" '
        'class="flattr-button flattr-button--plain"',
        '<a class="flattr-button flattr-button--plain btn-support" '
        'href="{{ article.flattr.auto_submit_url|e }}"',
        "<A HREF='{{ article.flattr.auto_submit_url|e }}' "
        'CLASS="flattr-button--plain flattr-button"',
        # Unescaped, as Pelican's Jinja prints it without |e.
        '<a class="flattr-button flattr-button--plain" '
        'href="{{ article.flattr.auto_submit_url }}"',
        # A quoted ">" or "<" in another attribute, before the href or after.
        '<a href="{{ article.flattr.auto_submit_url|e }}" title="Support -> Flattr" '
        'class="flattr-button flattr-button--plain"',
        '<a class="flattr-button flattr-button--plain" title="x < y" '
        'href="{{ article.flattr.auto_submit_url|e }}" data-note="a > b"',
    ],
)
def test_a_themes_own_plain_button_opening_otherwise_is_the_button(
    site, tmp_path, flattr_log, opening
):
    # A theme's own link with the plugin's classes and the thing's
    # auto-submit URL, but its attributes in another order than the
    # README's, was no button to the build: it injected a second one,
    # silently, and the audit refused every article page for two.
    assert _README_OPENING in OWN_WORDS_BUTTON
    button = OWN_WORDS_BUTTON.replace(_README_OPENING, opening)
    overrides = child_theme(
        tmp_path, notmyidea_article(f"<main>{{{{ article.content }}}}\n{button}</main>")
    )
    output = site(
        articles(),
        theme="notmyidea",
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
    )
    things = manifest_things(output)
    assert things
    for thing in things.values():
        soup = page_as_browsers_read_it(output / thing["page"])
        assert soup.select_one(".flattr-injected") is None
        (button,) = flattr_buttons(soup)
        assert button["href"] == thing["auto_submit_url"]
    assert not [r.getMessage() for r in flattr_log.records]
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize("inject", [True, False], ids=["inject", "no-inject"])
@pytest.mark.parametrize("sidebar", [False, True], ids=["alone", "sidebar"])
def test_a_themes_own_plain_button_beside_other_buttons_is_the_button(
    site, tmp_path, flattr_log, inject, sidebar
):
    # flattr_button() printed for the other articles only (a "more posts"
    # list) made the build take the page's own for missing, without a
    # search: it injected a second one, silently. With FLATTR_INJECT off,
    # the page's own link alone was warned of as no button (an error in a
    # strict build).
    others = (
        "<aside><ul>{% for a in articles if a != article %}"
        "<li>{{ flattr_button(a) }}</li>{% endfor %}</ul></aside>"
    )
    overrides = child_theme(
        tmp_path,
        notmyidea_article(
            f"<main>{{{{ article.content }}}}\n{OWN_WORDS_BUTTON}</main>"
            + (others if sidebar else "")
        ),
    )
    output = site(
        articles(),
        theme="notmyidea",
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_INJECT=inject,
    )
    things = manifest_things(output)
    assert len(things) > 1
    for thing in things.values():
        soup = page_as_browsers_read_it(output / thing["page"])
        assert soup.select_one(".flattr-injected") is None
        buttons = flattr_buttons(soup)
        own = [b for b in buttons if b["href"] == thing["auto_submit_url"]]
        assert len(own) == 1
        assert len(buttons) == (len(things) if sidebar else 1)
    assert not [r.getMessage() for r in flattr_log.records]
    assert audit_command(["audit", str(output)]) == 0


def test_a_themes_own_link_beside_flattr_button_is_blamed_as_such(
    site, tmp_path, flattr_log
):
    # flattr_button() once, and a sidebar of the theme's own links over the
    # newest articles, the page's own among them: the report said that
    # flattr_button() was printed more than once, and gave no loop advice.
    sidebar = (
        "{% for a in articles[:3] %}{% if a.flattr %}"
        '<a class="flattr-button flattr-button--plain" '
        'href="{{ a.flattr.auto_submit_url|e }}">{{ a.title }}</a>'
        "{% endif %}{% endfor %}"
    )
    overrides = child_theme(
        tmp_path,
        notmyidea_article(
            "<main>{{ article.content }}{{ flattr_button(article) }}</main>"
            f"<aside>{sidebar}</aside>"
        ),
    )
    output = site(
        articles(),
        theme="notmyidea",
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
    )
    assert manifest_things(output)
    said, summary = [
        r.getMessage() for r in flattr_log.records if "more than" in r.getMessage()
    ]
    assert summary.endswith(
        "pages in all (a2.md's the first) show their own button more than once, "
        "as said above"
    )
    assert said.endswith(
        "shows its own button more than once (flattr_button() beside a link of "
        "the theme's own with the plugin's classes and its auto-submit URL); a "
        "page must show it once (the audit refuses it): print it once; if the "
        "theme's link is in a loop over articles (recent posts in a sidebar?), "
        "leave the page's own out: {% for a in articles[:5] if a != article %}; "
        "if it is a fallback beside flattr_button() (in a <noscript>), remove it"
    ), said


@pytest.mark.parametrize("style", ["plain", "js"])
def test_the_readmes_snippets_in_a_child_of_notmyidea(site, tmp_path, style):
    for snippet in (HEAD, BUTTON, PAGE_HEAD, PAGE_BUTTON, SCRIPT):
        assert snippet in README
    overrides = child_theme(
        tmp_path,
        {
            # notmyidea's base.html has no block after the content: load.js
            # comes at the end of it.
            "article.html": '{% extends "!theme/article.html" %}\n'
            f"{{% block extra_head %}}{{{{ super() }}}}{HEAD}{{% endblock %}}\n"
            f"{{% block content %}}<main>{BUTTON}</main>{SCRIPT}{{% endblock %}}\n",
            "page.html": '{% extends "!theme/page.html" %}\n'
            f"{{% block extra_head %}}{{{{ super() }}}}{PAGE_HEAD}{{% endblock %}}\n"
            "{% block content %}"
            f"<main>{PAGE_BUTTON}</main>{SCRIPT}{{% endblock %}}\n",
        },
    )
    output = site(
        articles(),
        theme="notmyidea",
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
        FLATTR_BUTTON=style,
    )
    things = manifest_things(output)
    assert len(things) == 4
    for thing in things.values():
        soup = page(output / thing["page"])
        (button,) = flattr_buttons(soup)
        assert button["href"] == thing["auto_submit_url" if style == "plain" else "url"]
        (link,) = payment_links(soup)
        assert link["href"] == thing["auto_submit_url"]
        assert link.parent.name == "head"
        assert og(soup, "og:url") == [thing["url"]]
        assert soup.select_one(".flattr-injected") is None  # the theme placed it
        assert len(loaders(soup)) == (style != "plain")
    assert audit_command(["audit", str(output)]) == 0


def test_listings_of_a_child_of_the_plugins_theme_show_each_articles_button(
    site, tmp_path
):
    # Every listing page (home, category, tag, author, each paginated) shows
    # the button of each article it lists, inside that article's summary.
    overrides = child_theme(
        tmp_path,
        {
            "index.html": '{% extends "!theme/index.html" %}'
            "{% block content_title %}<h1>Child</h1>{% endblock %}"
        },
    )
    files = articles(5)
    for name in list(files)[:5]:
        files[name] = files[name].replace("Date:", "Tags: t\nDate:")
    output = site(
        files,
        theme=str(ROOT / "theme"),
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_PAGINATION=2,
        TAG_FEED_ATOM=None,
    )
    by_url = {t["url"]: t for t in manifest_things(output).values()}
    listings = ["index.html", "index2.html", "index3.html", "tag/t2.html"]
    listings += ["author/alice.html", "author/bob2.html", "category/misc3.html"]
    for listing in listings:
        soup = page(output / listing)
        summaries = soup.select("article.summary")
        assert summaries, listing
        for summary in summaries:
            link = summary.find("a", rel="bookmark")["href"]
            thing = by_url[link]
            hrefs = [b["href"] for b in flattr_buttons(summary)]
            assert hrefs == [thing["auto_submit_url"]]
            # The summary's own thing, not another's: listings read the URL
            # back from where its page set it aside.
            assert parse_qs(urlsplit(hrefs[0]).query)["url"] == [link]
    assert audit_command(["audit", str(output)]) == 0


WRONG_CALLS = {
    'flattr_button("article")': "article.html:1: flattr_button() takes an article "
    "or page, not a str: it prints nothing there",
    "flattr_head(articles)": "article.html:1: flattr_head() takes an article or page, "
    "not a list: it prints nothing there",
    "flattr_button(article.author)": "article.html:1: flattr_button() takes an "
    "article or page, not an Author: it prints nothing there",
    # Jinja prints the None it gives as "None": the message says so.
    "flattr_pending(article)": "article.html:1: flattr_pending() takes an author or "
    "author name, not an Article: it gives None there",
    # No advice to pass the article to the helper that wants an author.
    "flattr_pending(article.flattr)": "article.html:1: flattr_pending() takes an "
    "author or author name, not article.flattr: it gives None there",
    # The plugin's own values, named as the theme reaches them, not by the
    # plugin's class names (ContentThing, Thing).
    "flattr_button(article.flattr)": "article.html:1: flattr_button() takes an "
    "article or page, not article.flattr: pass the article (or page) itself; it "
    "prints nothing there",
    "flattr_head(article.flattr.thing)": "article.html:1: flattr_head() takes an "
    "article or page, not article.flattr.thing: pass the article (or page) "
    "itself; it prints nothing there",
    # Arguments a helper cannot take: a report, not a traceback ending the
    # build. Parameters are named, values never (one may be an address).
    'flattr_button(article, "plain", "a@example.org")': "article.html:1: "
    "flattr_button() is called with arguments it cannot take (too many "
    "positional arguments): it takes (content, style), and prints nothing there",
    'flattr_button(article, styel="js")': "article.html:1: flattr_button() is "
    "called with arguments it cannot take (got an unexpected keyword argument "
    "'styel'): it takes (content, style), and prints nothing there",
    "flattr_head(article, content=article)": "article.html:1: flattr_head() is "
    "called with arguments it cannot take (multiple values for argument "
    "'content'): it takes (content), and prints nothing there",
    "flattr_script(article)": "article.html:1: flattr_script() is called with "
    "arguments it cannot take (too many positional arguments): it takes none, "
    "and prints nothing there",
    "flattr_pending(article.author, 2)": "article.html:1: flattr_pending() is "
    "called with arguments it cannot take (too many positional arguments): it "
    "takes (author), and gives None there",
    # The site's link knows its page: given the article, it says it takes none.
    "flattr_site_head(article)": "article.html:1: flattr_site_head() is called "
    "with arguments it cannot take (too many positional arguments): it takes "
    "none, and prints nothing there",
}


@pytest.mark.parametrize("call", WRONG_CALLS)
def test_a_helper_given_no_article_or_page_says_so(site, tmp_path, flattr_log, call):
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            f"{{% block content %}}{{{{ super() }}}}{{{{ {call} }}}}{{% endblock %}}"
        },
    )
    files = articles()
    output = site(files, THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in flattr_log.records]
    # Once, however many pages make the call, naming the template and helper.
    assert messages.count(f"pelican-flattr: {WRONG_CALLS[call]}") == 1
    # The page still gets its button, from injection.
    soup = page(output / "article-number-0.html")
    assert len(flattr_buttons(soup)) == 1 and len(payment_links(soup)) == 1
    with pytest.raises(FlattrBuildError):  # a problem like any other
        site(
            files,
            THEME_TEMPLATES_OVERRIDES=overrides,
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_STRICT=True,
            FLATTR_URL_GUARD=False,
        )


def test_a_strict_build_failed_by_its_pages_leaves_no_manifest(tmp_path, flattr_log):
    # The problem comes once Pelican has written every page: the earlier
    # build's manifest, and the gzip copy a precompressing plugin made of
    # it, were left beside them, and the audit passed the pages the build
    # refused.
    import gzip

    from conftest import build

    call = next(iter(WRONG_CALLS))
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            f"{{% block content %}}{{{{ super() }}}}{{{{ {call} }}}}{{% endblock %}}"
        },
    )
    output = build(tmp_path, articles(), FLATTR_AUTHORS=AUTHORS)
    manifest = output / "flattr-manifest.json"
    copy = manifest.with_name(manifest.name + ".gz")
    copy.write_bytes(gzip.compress(manifest.read_bytes()))
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            {},
            THEME_TEMPLATES_OVERRIDES=overrides,
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_STRICT=True,
        )
    assert (output / "article-number-0.html").exists()
    assert not manifest.exists() and not copy.exists()
    assert audit_command(["audit", str(output)]) == 2
    assert (
        f"pelican-flattr: removed the manifest: {manifest}, with its compressed "
        f"copies {copy}, as the build failed: an audit refuses this output until "
        "a build passes"
    ) in [r.getMessage() for r in flattr_log.records]


HOLDERS_OF_A_WRONG_CALL = {
    # In base.html, which every page's template extends: reported once,
    # under its name, not once under each template that extends it.
    # (The head block: simple's base.html has no header block before
    # Pelican 4.11, and a block its parent lacks is never rendered.)
    "base.html": {
        "base.html": '{% extends "!simple/base.html" %}{% block head %}'
        '{{ super() }}{{ flattr_button("x") }}{% endblock %}'
    },
    # In a macro of another template: the macro's template holds the call.
    "macros.html": {
        "macros.html": "{% macro flattr_for(x) %}{{ flattr_button(x) }}{% endmacro %}",
        "article.html": '{% extends "!simple/article.html" %}'
        '{% import "macros.html" as m %}{% block content %}{{ super() }}'
        '{{ m.flattr_for("x") }}{% endblock %}',
    },
}


@pytest.mark.parametrize("holder", sorted(HOLDERS_OF_A_WRONG_CALL))
def test_a_wrong_call_names_the_template_that_holds_it(
    site, tmp_path, flattr_log, holder
):
    overrides = child_theme(tmp_path, HOLDERS_OF_A_WRONG_CALL[holder])
    site(articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in flattr_log.records]
    assert messages == [
        f"pelican-flattr: {holder}:1: flattr_button() takes an article or page, "
        "not a str: it prints nothing there"
    ]


def test_each_wrong_call_is_named_by_its_line(site, tmp_path, flattr_log):
    # Reported once per template and kind, a second wrong call waited for
    # the first's fix, and no message said which line to look at.
    templates = in_content(
        "article.html",
        "\n<p>{{ flattr_button(article.flattr) }}</p>\n"
        "{% for a in articles[:2] %}\n<p>{{ flattr_button(a.flattr) }}</p>"
        "{% endfor %}\n"
        '{{ flattr_button(article, "big") }}\n{{ flattr_button(article, "huge") }}'
        # A value that differs from page to page: one mistake.
        "\n{{ flattr_button(article, article.slug) }}",
    )
    child_site(site, tmp_path, templates)
    wrong = (
        "flattr_button() takes an article or page, not article.flattr: pass the "
        "article (or page) itself; it prints nothing there"
    )
    style = (
        "flattr_button() is called with style '{}', not one of plain, js, "
        "compact: the configured style is shown instead"
    )
    # Each once, however many pages and loop rounds make the call. (The two
    # buttons the styles' calls print are a mistake of the page, said apart.)
    calls = [r.getMessage() for r in flattr_log.records]
    assert sorted(m for m in calls if re.match(r"pelican-flattr: [^:]*:\d", m)) == [
        f"pelican-flattr: article.html:2: {wrong}",
        f"pelican-flattr: article.html:4: {wrong}",
        f"pelican-flattr: article.html:5: {style.format('big')}",
        f"pelican-flattr: article.html:6: {style.format('huge')}",
        # (Named by the first page's slug, whichever Pelican writes first.)
        f"pelican-flattr: article.html:7: {style.format('article-number-2')}",
    ]


def test_a_misplaced_call_names_the_template_that_holds_it(site, tmp_path, flattr_log):
    # flattr_head() in base.html's body, a second button in an include: the
    # errors named article.html (and page.html), each template extending
    # base.html, never base.html or the include that holds the call.
    overrides = child_theme(
        tmp_path,
        {
            "base.html": '<!doctype html><html><head><meta charset="utf-8">'
            "<title>t</title>{% block head %}{% endblock %}</head><body>"
            "{{ flattr_head(article or page) }}{% block content %}{% endblock %}"
            '{% include "share.html" %}</body></html>',
            "share.html": '<div class="share">{{ flattr_button(article) }}</div>',
            "article.html": '{% extends "base.html" %}{% block content %}'
            "{{ article.content }}{{ flattr_button(article) }}{% endblock %}",
            "page.html": '{% extends "base.html" %}{% block content %}'
            "{{ page.content }}{% endblock %}",
        },
    )
    site(
        articles(),
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
    )
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert sorted(errors) == [
        "pelican-flattr: article.html and share.html: the page of a2.md shows "
        "flattr_button() for its own article or page more than once; a page must "
        "show it once (the audit refuses it): print it once",
        "pelican-flattr: base.html: flattr_head() prints outside <head>, where its "
        "tags do nothing: call it inside <head>",
    ]


# simple's article.html with a sidebar of the newest articles' buttons after
# the page's own: the pages of those articles show their own twice.
RECENT_POSTS = (
    "{{ flattr_button(article) }}<aside>{% for a in articles[:2]LEAVE %}"
    "{% if a.flattr %}{{ flattr_button(a) }}{% endif %}{% endfor %}</aside>"
)


def test_a_sidebar_that_repeats_the_own_button_names_the_page_and_the_way_out(
    site, tmp_path, flattr_log
):
    # The error said "prints ... more than once" and nothing of where or
    # why: the loop of recent posts prints the page's own button again.
    templates = in_content("article.html", RECENT_POSTS.replace("LEAVE", ""))
    output = child_site(site, tmp_path, templates)
    assert len(flattr_buttons(page(output / "article-number-2.html"))) == 3
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        (
            "ERROR",
            "pelican-flattr: article.html: the page of a2.md shows flattr_button() "
            "for its own article or page more than once; a page must show it once "
            "(the audit refuses it): print it once; a loop over other articles' "
            "buttons (recent posts in a sidebar?) shows the page's own too unless "
            "it leaves it out: {% for a in articles[:5] if a != article %}",
        ),
        (
            "WARNING",
            "pelican-flattr: article.html: 2 pages in all (a2.md's the first) show "
            "flattr_button() for their own article or page more than once, as said "
            "above",
        ),
    ]
    # The advice, followed, leaves one button of each page's own.
    flattr_log.clear()
    templates = in_content(
        "article.html", RECENT_POSTS.replace("LEAVE", " if a != article")
    )
    output = child_site(site, tmp_path / "fixed", templates)
    assert flattr_log.records == []
    assert len(flattr_buttons(page(output / "article-number-2.html"))) == 2


@pytest.mark.parametrize(
    ("style", "given"),
    [
        ("article.summary", "a str for its style (the second argument)"),
        ("article", "an Article for its style (the second argument)"),
        ('"Compakt"', "style 'Compakt'"),  # a misspelt style, shown
        # Words, not a word: named by type, though a title's first word
        # looks like a style.
        ("article.title", "a str for its style (the second argument)"),
    ],
)
def test_a_style_that_is_none_is_named_once_by_its_type(
    site, tmp_path, flattr_log, style, given
):
    # Each page's summary was quoted whole in a message of its own.
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block content %}'
            f"{{{{ super() }}}}{{{{ flattr_button(article, {style}) }}}}"
            "{% endblock %}"
        },
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
    )
    messages = [r.getMessage() for r in flattr_log.records]
    assert messages == [
        f"pelican-flattr: article.html:1: flattr_button() is called with {given}, "
        "not one of plain, js, compact: the configured style is shown instead"
    ]
    (button,) = flattr_buttons(page(output / "article-number-0.html"))
    assert "flattr-button--plain" in button["class"]


@pytest.mark.parametrize("inject", [True, False])
def test_helpers_output_a_filter_changed_is_still_theirs(
    site, tmp_path, flattr_log, inject
):
    # A theme under a Content-Security-Policy strips the button's inline
    # style with |replace, and words the payment link's title its own way:
    # told by their output as printed, the button was taken for none, and
    # a second one added, the head for missing (or a strict build failed
    # on a page the audit accepts).
    call = "flattr_button(article, style='js')|replace(' style=\"display:none;\"', '')"
    head = "flattr_head(article)|replace('Flattr this!', 'Support us')"
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            f"{{% block head %}}{{{{ super() }}}}{{{{ {head} }}}}{{% endblock %}}"
            f"{{% block content %}}{{{{ super() }}}}{{{{ {call} }}}}"
            "{{ flattr_script() }}{% endblock %}"
        },
    )
    output = site(
        articles(),
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_INJECT=inject,
        FLATTR_STRICT=True,
    )
    said = [
        r.getMessage() for r in flattr_log.records if "baseline" not in r.getMessage()
    ]
    assert said == []
    soup = page(output / "article-number-0.html")
    (button,) = soup.select("a.FlattrButton")
    assert button.get("style") is None
    (link,) = soup.select('link[rel="payment"]')
    assert link["title"] == "Support us"
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize("autoescape", [False, True])
def test_flattr_text_through_a_text_filter_as_the_readme_shows(
    site, tmp_path, flattr_log, autoescape
):
    # Its escaped text through |truncate counted "&amp;" as five
    # characters and cut entities in two, and autoescape escaped it again.
    snippet = "{{ flattr_text(article.title)|striptags|truncate(20)|e }}"
    assert snippet.replace("20", "40") in README
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block content %}'
            f'<p id="short">{snippet}</p>{{{{ super() }}}}{{% endblock %}}'
        },
    )
    files = {"a.md": article("Fish &amp; Chips &lt;3 at the harbour café", "Alice")}
    output = site(
        files,
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS={"Alice": AUTHORS["Alice"]},
        JINJA_ENVIRONMENT={"autoescape": autoescape},
    )
    (built,) = output.glob("fish*.html")
    short = page(built).find(id="short")
    assert short.get_text() == "Fish & Chips <3..."
    # (Under autoescape, simple's article.html escapes the body: said so.)
    assert not [r for r in flattr_log.records if "flattr_text" in r.getMessage()]


def pending_store(tmp_path):
    """A store in which 3 flattrs wait for Bob."""
    store = tmp_path / "store.sqlite3"
    connection = open_store(store)
    with connection:
        connection.execute(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            ("t1", 3, AUTHORS["Bob"], "reader", "https://flattr.com/claim/thing/t1",
             "2024-05-02T10:00:00Z"),
        )  # fmt: skip
    connection.close()
    return store


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        ("article.authors", "a list"),
        ("42", "an int"),
        ('""', None),  # no name: None, quietly, and no slug made of it
        ('"  "', None),
    ],
)
def test_flattr_pending_given_no_author_says_so_with_a_store(
    site, tmp_path, caplog, call, kind
):
    # With notices to look through, such a value was made an author name:
    # no notice, nothing reported, and Pelican warning about its slug.
    store = pending_store(tmp_path)
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block content %}'
            f"{{{{ super() }}}}<p id=pending>{{{{ flattr_pending({call}) is none }}}}"
            "</p>{% endblock %}"
        },
    )
    caplog.set_level(logging.WARNING)
    output = site(
        articles(),
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_STORE=str(store),
    )
    messages = [r.getMessage() for r in caplog.records]
    if kind is None:
        assert [m for m in messages if "flattr_pending" in m] == []
    else:
        assert (
            messages.count(
                f"pelican-flattr: article.html:1: flattr_pending() takes an author "
                f"or author name, not {kind}: it gives None there"
            )
            == 1
        )
    assert not [m for m in messages if "slug" in m]
    assert page(output / "article-number-0.html").select_one("#pending").text == (
        "True"
    )


def test_a_helper_fault_with_fitting_arguments_is_not_blamed_on_the_theme():
    def faulty_helper(content=None):
        return len(content)  # a TypeError of the helper's own

    helper = _reporting_wrong_arguments(faulty_helper, "")
    with pytest.raises(TypeError, match="has no len"):
        helper(3)


def test_helpers_with_nothing_to_show_are_quiet(site, tmp_path, flattr_log):
    # None, an undefined name (base.html passes `article` on
    # every page) and a page without a thing (FLATTR_PAGES is off: page.html
    # renders its own content block, not base.html's).
    calls = (
        "{{ flattr_button(None) }}{{ flattr_head(article) }}"
        "{{ flattr_button(page) }}{{ flattr_head(page) }}"
        "{{ flattr_pending(None) }}{{ flattr_script() }}"
    )
    overrides = child_theme(
        tmp_path,
        {
            "base.html": '{% extends "!simple/base.html" %}'
            f"{{% block content %}}{calls}{{{{ super() }}}}{{% endblock %}}",
            "page.html": '{% extends "!simple/page.html" %}{% block content %}'
            "{{ flattr_head(page) }}{{ flattr_button(page) }}{{ super() }}"
            "{% endblock %}",
        },
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
    )
    assert [r for r in flattr_log.records if r.name == "pelican_flattr"] == []
    assert flattr_buttons(page(output / "pages/about-us.html")) == []
    assert flattr_buttons(page(output / "index.html")) == []


def test_a_helper_called_with_no_content_says_what_to_pass(site, tmp_path, flattr_log):
    # "It knows the current article": it does not, and printed nothing
    # without a word, injection placing the button after the body.
    templates = {
        "article.html": '{% extends "!simple/article.html" %}{% block head %}'
        "{{ super() }}{{ flattr_head() }}{% endblock %}{% block content %}"
        '{{ super() }}{{ flattr_button(style="js") }}{% endblock %}',
        "author.html": '{% extends "!simple/author.html" %}{% block content %}'
        "{{ super() }}[{{ flattr_pending() }}]{% endblock %}",
    }
    output = child_site(site, tmp_path, templates)
    assert sorted(r.getMessage() for r in flattr_log.records) == [
        "pelican-flattr: article.html:1: flattr_button() is called with no article "
        "or page, so it prints nothing there: pass the page's own, "
        "flattr_button(article) (or page)",
        "pelican-flattr: article.html:1: flattr_head() is called with no article "
        "or page, so it prints nothing there: pass the page's own, "
        "flattr_head(article) (or page)",
        "pelican-flattr: author.html:1: flattr_pending() is called with no author, "
        "so it gives None there: pass one, flattr_pending(author)",
    ]
    # The page is whole all the same: injection added what they left out.
    soup = page(output / "article-number-0.html")
    assert len(flattr_buttons(soup)) == len(payment_links(soup)) == 1
    with pytest.raises(FlattrBuildError):
        child_site(site, tmp_path / "strict", templates, FLATTR_STRICT=True)


def test_a_misspelt_helper_is_named_with_the_one_meant(site, tmp_path, flattr_log):
    # Jinja's "'flattr_buton' is undefined" stopped the build with a
    # traceback. Only a call is a mistake: the name stays undefined, for a
    # theme that tests a flag of its own so named, and a name close to no
    # helper stays Jinja's to judge.
    templates = in_content(
        "article.html",
        "<p id=own>{{ flattr_buton(article) }}{{ flattr_buton(article) }}</p>"
        "<p id=defined>{{ flattr_button is defined }} "
        "{{ flattr_buton is defined }} {{ flattr_heads is defined }} "
        "{{ flattr_something_else is defined }}</p>",
    )
    output = child_site(site, tmp_path, templates)
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        (
            "ERROR",
            "pelican-flattr: article.html:1: flattr_buton is no helper of "
            "pelican-flattr, so its calls print nothing; did you mean "
            "flattr_button()?",
        )
    ]
    soup = page(output / "article-number-0.html")
    assert soup.select_one("#own").text == ""
    assert soup.select_one("#defined").text == "True False False False"
    # Injection added the button the misspelt call did not print.
    assert len(flattr_buttons(soup)) == 1
    with pytest.raises(FlattrBuildError):
        child_site(site, tmp_path / "strict", templates, FLATTR_STRICT=True)
    # Without the plugin, the theme's test of the name keeps it quiet.
    templates = in_content(
        "article.html",
        "{% if flattr_button is defined %}{{ flattr_button(article) }}{% endif %}",
    )
    output = child_site(site, tmp_path / "without", templates, PLUGINS=[])
    assert flattr_buttons(page(output / "article-number-0.html")) == []


def test_a_theme_with_its_own_open_graph_tags_keeps_them_single(site, tmp_path):
    # As the README advises: flattr_head prints every property, so such a
    # theme turns the plugin's off and gets the payment link alone.
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block head %}'
            '{{ super() }}<meta property="og:title" content="Theme title">'
            f"{HEAD}{{% endblock %}}"
        },
    )
    output = site(
        articles(1),
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_OPEN_GRAPH=False,
    )
    soup = page(output / "article-number-0.html")
    assert og(soup, "og:title") == ["Theme title"]
    assert len(payment_links(soup)) == 1 and len(flattr_buttons(soup)) == 1
    assert audit_command(["audit", str(output)]) == 0


# A theme's own tags: og:title alone; or og:description and og:url, whose
# second copies beside the helper's went unreported (the audit refuses them
# too), with og:image and article:tag, which a page may rightly repeat.
THEME_OPEN_GRAPH = {
    "og:title": "<meta property='og:title' content='Theme title'>",
    "og:description and og:url": (
        '<meta property="og:description" content="Theme words">'
        "<meta property=og:url content='{{ SITEURL }}/{{ article.url }}'>"
        '<meta property="og:image" content="{{ SITEURL }}/theme.png">'
        '<meta property="article:tag" content="theme">'
    ),
}


# A theme's own Open Graph tags that give no value: a field no article sets
# (content=""), whitespace, no content attribute at all.
BLANK_OPEN_GRAPH = (
    '<meta property="og:description" content="{{ article.og_description }}">\n'
    '<meta property="og:title" content="  ">\n'
    "<meta property=og:site_name>"
)


@pytest.mark.parametrize("head", ["flattr_head", "injected"])
def test_a_theme_s_blank_open_graph_tags_give_way_to_the_plugin_s(
    site, tmp_path, flattr_log, head
):
    # The theme's empty tags won over the plugin's: pages went out with an
    # empty og:title, og:description and og:site_name, and nobody said so.
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block head %}'
            "{{ super() }}"
            + (HEAD if head == "flattr_head" else "")
            + BLANK_OPEN_GRAPH
            + "{% endblock %}"
        },
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
    )
    for thing in manifest_things(output).values():
        if thing["source"].startswith("pages/"):
            continue
        soup = page(output / thing["page"])
        for prop in ("og:description", "og:title", "og:site_name"):
            values = [meta.get("content") for meta in soup.find_all(property=prop)]
            assert len(values) == 1 and values[0].strip(), (thing["page"], prop)
        assert og(soup, "og:title") == [thing["title"]]
        assert og(soup, "og:description") == [thing["description"]]
    # Said once for the template, with what to do.
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: article.html: the page of a2.md has the theme's own "
        "og:description, "
        "og:title and og:site_name with no content, or a blank one: the plugin "
        "keeps its own of those and takes the theme's empty ones out; print them "
        "in the theme (or a template it extends) only with a value, "
        "{% if ... %}<meta property=...>{% endif %}, or leave them to the plugin"
    ]
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize("inject", [True, False])
# Printed once, or tested first and then printed: the helper called twice
# but printed once has no report of its own, and is merged all the same.
@pytest.mark.parametrize(
    "head", [HEAD, f"{{% if flattr_head(article) %}}{HEAD}{{% endif %}}"]
)
@pytest.mark.parametrize("theirs", list(THEME_OPEN_GRAPH))
def test_a_theme_with_its_own_open_graph_tags_keeps_them_beside_flattr_head(
    site, tmp_path, flattr_log, inject, head, theirs
):
    # flattr_head printed every property beside the theme's: every page had
    # two og:title, and the build told each site to turn the plugin's off,
    # while a theme without the helper got one of each from injection.
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block head %}'
            "{{ super() }}" + THEME_OPEN_GRAPH[theirs] + f"{head}{{% endblock %}}"
            "{% block content %}{{ super() }}{{ flattr_button(article) }}"
            "{% endblock %}"
        },
    )
    files = articles()
    # A tag of its own, which the helper prints as article:tag.
    files["a0.md"] = files["a0.md"].replace("Date:", "Tags: plugin\nDate:")
    output = site(
        files,
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_INJECT=inject,
    )
    thing = manifest_things(output)["a0.md"]
    soup = page(output / thing["page"])
    theme_values = {
        "og:title": ["Theme title"],
        "og:description": ["Theme words"],
        "og:url": [thing["url"]],
        "og:image": [f"{SITEURL}/theme.png"],
        "article:tag": ["theme"],
    }
    for prop in [*theirs.split(" and "), "og:image", "article:tag"]:
        if prop in THEME_OPEN_GRAPH[theirs]:
            assert og(soup, prop) == theme_values[prop], prop
    # The helper's others stay: its payment link, og:type, og:site_name.
    assert len(og(soup, "og:type")) == len(og(soup, "og:site_name")) == 1
    assert [link["href"] for link in payment_links(soup)] == [thing["auto_submit_url"]]
    assert [r.getMessage() for r in flattr_log.records] == []
    assert audit_command(["audit", str(output)]) == 0


def test_a_theme_printing_open_graph_arrays_beside_flattr_head_is_fine(
    site, tmp_path, flattr_log
):
    # og:locale:alternate (one per translation) and og:image:alt (one per
    # image) are arrays in Open Graph: the build called them "a second"
    # tag beside flattr_head()'s, which prints neither.
    arrays = (
        '<meta property="og:locale:alternate" content="de_DE">'
        '<meta property="og:locale:alternate" content="he_IL">'
        '<meta property="og:image" content="{{ SITEURL }}/a.png">'
        '<meta property="og:image:alt" content="A">'
        '<meta property="og:image" content="{{ SITEURL }}/b.png">'
        '<meta property="og:image:alt" content="B">'
    )
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}{% block head %}'
            "{{ super() }}" + arrays + f"{HEAD}{{% endblock %}}"
        },
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
    )
    soup = page(output / "article-number-0.html")
    assert len(og(soup, "og:locale:alternate")) == 2
    assert [r.getMessage() for r in flattr_log.records if r.levelno >= 30] == []
    assert audit_command(["audit", str(output)]) == 0


# The arrays of ogp.me, written out: each image, video and audio with its
# structured properties, each alternate locale, and those of its article,
# book, music and video types. A theme may print each of them again.
OPEN_GRAPH_ARRAYS = [
    *("og:image", "og:image:url", "og:image:secure_url", "og:image:type"),
    *("og:image:width", "og:image:height", "og:image:alt"),
    *("og:video", "og:video:url", "og:video:secure_url", "og:video:type"),
    *("og:video:width", "og:video:height", "og:video:alt"),
    *("og:audio", "og:audio:url", "og:audio:secure_url", "og:audio:type"),
    *("og:locale:alternate", "article:author", "article:tag"),
    *("book:author", "book:tag"),
    *("music:song", "music:song:disc", "music:song:track", "music:musician"),
    *("music:album", "music:album:disc", "music:album:track", "music:creator"),
    *("video:actor", "video:actor:role", "video:director", "video:writer"),
    "video:tag",
]
OPEN_GRAPH_SINGLES = [
    *("og:title", "og:url", "og:description", "og:type", "og:locale"),
    *("article:section", "article:published_time"),
]


def test_only_open_graph_s_arrays_may_be_printed_twice():
    # One left out, a theme printing it per image or actor was told its
    # head holds "a second" one, and its audit refused the page.
    assert set(OPEN_GRAPH_ARRAYS) <= MULTIPLE_PROPERTIES
    assert MULTIPLE_PROPERTIES.isdisjoint(OPEN_GRAPH_SINGLES)


def test_the_sample_sites_paginated_listings_are_those_its_readme_names(
    sample_output,
):
    readme = (ROOT / "sample_site" / "README.md").read_text(encoding="utf-8")
    assert "the home page and the `workshop` category\nhave several pages" in readme
    paginated = {
        path.relative_to(sample_output).as_posix()
        for path in sample_output.rglob("*.html")
        if page(path).select_one("nav.pagination a[rel=prev]")
    }
    assert paginated == {"index2.html", "index3.html", "category/workshop2.html"}


def test_the_themes_site_name_is_read_as_html_as_the_plugin_reads_it(site):
    # Pelican's own themes print SITENAME and SITESUBTITLE as HTML, and so
    # does the plugin's og:site_name: theme/ escaped them again.
    output = site(
        articles(1),
        theme=str(ROOT / "theme"),
        FLATTR_AUTHORS=AUTHORS,
        SITENAME="Ops &amp; Dev <em>Club</em>",
        SITESUBTITLE="Fixing &amp; making",
    )
    for name in ("article-number-0.html", "index.html", "pages/about-us.html"):
        assert "&amp;amp;" not in (output / name).read_text(encoding="utf-8")
        soup = page(output / name)
        assert soup.title.string.endswith("Ops & Dev Club")
        assert soup.select_one(".site-title").get_text() == "Ops & Dev Club"
        assert soup.select_one(".site-subtitle").get_text() == "Fixing & making"
    soup = page(output / "article-number-0.html")
    assert og(soup, "og:site_name") == ["Ops & Dev Club"]


def test_the_themes_links_and_languages_are_those_the_site_has(site):
    """theme/ links a draft's or hidden article's author and category only
    when their pages list it (they may not exist), and writes Pelican's
    language codes as HTML's (pt_BR is pt-BR)."""
    files = articles(1)
    files["draft.md"] = article(
        "A draft", "Zed Newcomer", status="draft", category="Lasers"
    )
    files["hidden.md"] = article(
        "Hidden one", "Yan Hidden", status="hidden", category="Optics"
    )
    files["pt.md"] = article("Em portugues", "Alice", lang="pt_BR")
    output = site(files, theme=str(ROOT / "theme"), FLATTR_AUTHORS=AUTHORS)
    for name, author in (
        ("drafts/a-draft.html", "Zed Newcomer"),
        ("hidden-one.html", "Yan Hidden"),
    ):
        soup = page(output / name)
        hrefs = [a["href"] for a in soup.select(".entry header a")]
        assert not [h for h in hrefs if "/author/" in h or "/category/" in h], name
        assert author in soup.select_one(".entry header").get_text(), name
    soup = page(output / "em-portugues-pt_BR.html")
    assert soup.html["lang"] == "pt-BR"
    index = page(output / "index.html")
    # The buttons say "Flattr this" in English, whatever the page's
    # language, and mark the title with the article's (the plugin's own);
    # the theme's own words are English too (lang="en" dir="ltr").
    assert {
        tag["lang"]
        for tag in index.select("[lang]")
        if tag.name != "html"
        and (tag["lang"], tag.get("dir")) != ("en", "ltr")
        and "flattr-button" not in tag.get("class", [])
        and tag.find_parent(class_="flattr-button") is None
    } == {"pt-BR"}
    assert [tag["lang"] for tag in index.select(".summary__text[lang]")] == ["pt-BR"]


def test_the_themes_links_are_escaped_as_attribute_values(site):
    """Pelican's Jinja does not autoescape: a slug holding a quote added an
    attribute to every link theme/ printed of it, and one holding "&amp;"
    linked a page that does not exist."""
    from urllib.parse import unquote

    files = {
        "quote.md": article("Quoted slug", "Alice", slug='x" onmouseover="alert(1)'),
        "amp.md": article("Ampersand slug", "Bob", slug="a&amp;b"),
    }
    output = site(
        files,
        theme=str(ROOT / "theme"),
        FLATTR_AUTHORS=AUTHORS,
        MENUITEMS=[("Shop", 'https://shop.example.org/?a=1&b="2"')],
    )
    things = manifest_things(output)
    assert len(things) == 2
    pages = [output / "index.html", output / "archives.html"]
    pages += [output / thing["page"] for thing in things.values()]
    for path in pages:
        soup = page(path)
        assert not soup.select("[onmouseover]"), path
        links = soup.select(f"a[href^='{SITEURL}/']")
        assert len(links) >= 5, path
        for link in links:
            target = unquote(link["href"].removeprefix(f"{SITEURL}/"))
            assert (output / target.split("#")[0]).exists(), (path, target)
        menu = soup.find("a", string="Shop")
        assert menu["href"] == 'https://shop.example.org/?a=1&b="2"'
    index_links = {a["href"] for a in page(output / "index.html").select("h2 a")}
    assert index_links == {f"{SITEURL}/{t['page']}" for t in things.values()}


# A theme of its own for the tests of where load.js goes: {script_in_head},
# {footer} and {index} are filled in by each test.
LOADER_THEME = {
    "base.html": '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    "<title>{{ SITENAME|e }}</title>\n{script_in_head}{% block head %}{% endblock %}\n"
    "</head>\n<body>\n<main>{% block content %}{% endblock %}</main>\n{footer}\n"
    "</body>\n</html>\n",
    "article.html": '{% extends "base.html" %}'
    "{% block head %}{{ flattr_head(article) }}{% endblock %}"
    "{% block content %}{{ article.content }}{{ flattr_button(article) }}"
    "{% endblock %}",
    "page.html": '{% extends "base.html" %}'
    "{% block head %}{{ flattr_head(page) }}{% endblock %}"
    "{% block content %}{{ page.content }}{{ flattr_button(page) }}{% endblock %}",
    "index.html": '{% extends "base.html" %}{% block content %}'
    "{% for a in articles_page.object_list %}<p>{{ a.title|striptags|e }}</p>"
    "{index}{% endfor %}{% endblock %}",
    "foot.html": "<footer>{{ flattr_script() }}</footer>",
    **{
        f"{name}.html": '{% extends "index.html" %}'
        for name in ("tag", "category", "author")
    },
    **{
        f"{name}.html": '{% extends "base.html" %}{% block content %}x{% endblock %}'
        for name in ("archives", "tags", "categories", "authors", "period_archives")
    },
}


def loader_theme(
    tmp_path, script_in_head="", footer="", index="{{ flattr_button(a) }}"
):
    folder = tmp_path / "loader-theme" / "templates"
    folder.mkdir(parents=True)
    fill = {"{script_in_head}": script_in_head, "{footer}": footer, "{index}": index}
    for name, text in LOADER_THEME.items():
        for key, value in fill.items():
            text = text.replace(key, value)
        (folder / name).write_text(text)
    return str(folder.parent)


def built_with_js_buttons(site, theme, inject):
    """Build with ``theme`` and js buttons; return the output, each page's
    parsed soup and load.js <script>s (no page may hold flattr_script()'s
    mark), and the pages every article's button is on: its own and the
    listings."""
    output = site(
        articles(),
        theme=theme,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
        FLATTR_BUTTON="js",
        FLATTR_INJECT=inject,
    )
    pages = {}
    for path in sorted(output.rglob("*.html")):
        assert "pelican-flattr:" not in path.read_text(encoding="utf-8"), path
        soup = page_as_browsers_read_it(path)
        pages[path.relative_to(output).as_posix()] = (
            soup,
            [s for s in soup.find_all("script") if "load.js" in (s.get("src") or "")],
        )
    own = [thing["page"] for thing in manifest_things(output).values()]
    return (
        output,
        pages,
        [*own, "index.html", "author/alice.html", "category/misc.html"],
    )


def said_nothing_and_passes_the_audit(output, flattr_log):
    assert not [r.getMessage() for r in flattr_log.records]
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize("inject", [True, False])
def test_load_js_only_where_an_embedded_button_is_printed(
    site, tmp_path, flattr_log, inject
):
    # index.html calls the js button only to test it, to keep it, to show
    # it escaped and in a <template>: its readers see plain buttons, and it
    # asks Flattr for nothing. flattr_script() twice gives one load.js.
    theme = loader_theme(
        tmp_path,
        footer="{{ flattr_script() }}<p>End</p>{{ flattr_script() }}",
        index='{% if flattr_button(a) %}{{ flattr_button(a, style="plain") }}'
        "{% endif %}{% set kept = flattr_button(a) %}"
        "<pre>{{ flattr_button(a)|forceescape }}</pre>"
        "<template>{{ flattr_button(a) }}</template>",
    )
    output, pages, with_buttons = built_with_js_buttons(site, theme, inject)
    soup, loaders = pages["index.html"]
    # A <template>'s content is no part of the page a browser shows (older
    # soupsieve releases select inside it, newer ones do not).
    shown = [a for a in flattr_buttons(soup) if a.find_parent("template") is None]
    assert len(shown) == 3
    assert not [a for a in shown if "FlattrButton" in a["class"]]
    kept = soup.find_all("template")  # the js buttons, kept where none runs
    assert len(kept) == 3 and all("FlattrButton" in str(each) for each in kept)
    assert loaders == []
    for name in with_buttons[:4]:  # the articles' and the page's own
        soup, loaders = pages[name]
        assert len(soup.select("a.FlattrButton")) == 1
        assert len(loaders) == 1
        assert soup.select_one(".flattr-injected") is None
    said_nothing_and_passes_the_audit(output, flattr_log)


@pytest.mark.parametrize("inject", [True, False])
def test_load_js_from_an_include_without_context(site, tmp_path, flattr_log, inject):
    # Jinja renders an include without context once per template and prints
    # that output on every page: the page, not the call, tells where load.js
    # belongs.
    theme = loader_theme(tmp_path, footer='{% include "foot.html" without context %}')
    output, pages, with_buttons = built_with_js_buttons(site, theme, inject)
    for name in ("archives.html", "tags.html", "categories.html"):
        assert pages[name][1] == [], name
    for name in with_buttons:
        soup, loaders = pages[name]
        assert soup.select("a.FlattrButton"), name
        assert len(loaders) == 1, name
        assert loaders[0].parent.name == "footer"
    said_nothing_and_passes_the_audit(output, flattr_log)


def test_load_js_called_in_the_head_goes_after_the_buttons(site, tmp_path, flattr_log):
    # Called in <head>, before any button, with nothing injected: load.js
    # goes before </body> on every page with an embedded button, listings
    # too, and the build has nothing to say.
    theme = loader_theme(tmp_path, script_in_head="{{ flattr_script() }}\n")
    output, pages, with_buttons = built_with_js_buttons(site, theme, inject=False)
    for name in with_buttons:
        soup, loaders = pages[name]
        assert soup.select("a.FlattrButton"), name
        (script,) = loaders
        assert script.parent.name == "body"
        assert not script.find_all_next("a", class_="FlattrButton"), name
    assert pages["archives.html"][1] == []
    said_nothing_and_passes_the_audit(output, flattr_log)


def simple_child(tmp_path, templates: dict[str, str]) -> str:
    """A child theme of ``simple``, its templates given (each may extend
    "!simple/NAME"); its path, for ``site(theme=...)``."""
    folder = tmp_path / "simple-child" / "templates"
    folder.mkdir(parents=True)
    for name, text in templates.items():
        (folder / name).write_text(text)
    return str(folder.parent)


def with_footer(footer: str) -> str:
    return simple_base(footer=footer)


JS_ARTICLE = (
    '{% extends "!simple/article.html" %}'
    "{% block content %}{{ super() }}{{ flattr_button(article) }}{% endblock %}"
)
OLD_LOADER = f'<script src="{LOADER_URL}" async></script>'


def loaders_run(soup):
    """The load.js <script>s of a page that a browser runs: html5lib leaves
    those in comments out, and none in a <noscript> runs."""
    return [s for s in loaders(soup) if not s.find_parent("noscript")]


@pytest.mark.parametrize(
    ("templates", "warned"),
    [
        # An old loader commented out in the theme, with flattr_script() and
        # without: load.js is added all the same.
        (
            {
                "base.html": with_footer(
                    f"<!-- old Flattr loader:\n{OLD_LOADER}\n-->"
                    "{{ flattr_script() }}"
                ),
                "article.html": JS_ARTICLE,
            },
            None,
        ),
        (
            {"base.html": with_footer(f"<!-- old Flattr loader:\n{OLD_LOADER}\n-->")},
            None,
        ),
        # The theme's own, its attributes in another order: not a second one.
        (
            {"base.html": with_footer(f'<script async src="{LOADER_URL}"></script>')},
            None,
        ),
        # flattr_script() printed into a comment: load.js goes before
        # </body>, not into the comment, and the theme is told.
        (
            {
                "base.html": with_footer(
                    "<!-- analytics and flattr: {{ flattr_script() }} -->"
                ),
                "article.html": JS_ARTICLE,
            },
            "pelican-flattr: article.html: flattr_script() is printed where no "
            "browser runs a script (in a comment, an attribute's value or a "
            "<noscript>?); the plugin adds load.js before </body> instead: "
            "print it outside them",
        ),
    ],
    ids=["commented-with-script", "commented", "own-loader", "script-in-comment"],
)
def test_only_a_load_js_a_browser_runs_counts(
    site, tmp_path, flattr_log, templates, warned
):
    output = site(
        articles(),
        theme=simple_child(tmp_path, templates),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_BUTTON="js",
        FLATTR_INJECT=True,
    )
    pages = [output / thing["page"] for thing in manifest_things(output).values()]
    assert len(pages) == 3
    for path in pages:
        text = path.read_text(encoding="utf-8")
        assert "pelican-flattr:" not in text
        soup = page_as_browsers_read_it(path)
        assert len(soup.select("a.FlattrButton")) == 1, path
        (script,) = loaders_run(soup)
        assert script.find_parent("body") is not None
    messages = [r.getMessage() for r in flattr_log.records]
    assert messages == ([warned] if warned else [])
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize(
    "base",
    [
        # Before the buttons and the mark, as themes load scripts.
        simple_base(head=OLD_LOADER, footer="{{ flattr_script() }}"),
        # After the mark, at the end of the body.
        with_footer("{{ flattr_script() }}" + OLD_LOADER),
    ],
    ids=["own-in-head", "own-after-mark"],
)
def test_flattr_script_adds_no_second_load_js_to_a_themes_own(
    site, tmp_path, flattr_log, base
):
    # A theme that keeps its own load.js and calls flattr_script() too: the
    # mark gives way to the theme's, or load.js would run twice over the
    # page's buttons.
    output = site(
        articles(),
        theme=simple_child(tmp_path, {"base.html": base, "article.html": JS_ARTICLE}),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_BUTTON="js",
        FLATTR_INJECT=True,
    )
    pages = [output / thing["page"] for thing in manifest_things(output).values()]
    assert len(pages) == 3
    for path in pages:
        assert "pelican-flattr:" not in path.read_text(encoding="utf-8")
        soup = page_as_browsers_read_it(path)
        assert len(soup.select("a.FlattrButton")) == 1, path
        assert len(loaders(soup)) == 1, path
    said_nothing_and_passes_the_audit(output, flattr_log)


UNSEEN_WARNING = (
    "pelican-flattr: article.html: flattr_button() is called for the page's "
    "own article or page, but no reader sees its button"
)


# Titles that open an element whose text runs on to the end of the page,
# and what the report says of each. Those after the <textarea> hid the
# button as well, yet it counted as seen: the searches back for what hides
# it knew none of them.
TITLES_LEFT_OPEN = {
    "textarea": "Use <textarea> for input",
    "style": "Inline <style> rules",
    "xmp": "Old <xmp> tag",
    "title": "Set the <title> right",
    "noembed": "The <noembed> fallback",
    "noframes": "The <noframes> fallback",
    "plaintext": "The <plaintext> relic",
}


@pytest.mark.parametrize("name", list(TITLES_LEFT_OPEN))
@pytest.mark.parametrize("inject", [True, False])
def test_a_helpers_button_hidden_by_the_title_is_reported_as_the_titles(
    site, tmp_path, flattr_log, inject, name
):
    # simple prints the title as it is, Pelican keeping titles as HTML: a
    # <textarea> in one hides the button the theme prints after the body.
    # The theme was told that no reader saw its button, and to print it
    # where the button belongs, where it was.
    theme = simple_child(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            "{% block head %}{{ super() }}{{ flattr_head(article) }}{% endblock %}"
            "{% block content %}{{ super() }}{{ flattr_button(article) }}"
            "{% endblock %}"
        },
    )
    files = {"a.md": article(TITLES_LEFT_OPEN[name], "Alice")}
    output = site(files, theme=theme, FLATTR_USERNAME="alice", FLATTR_INJECT=inject)
    text = (output / manifest_things(output)["a.md"]["page"]).read_text("utf-8")
    assert "flattr-injected" not in text
    what = (
        "opens <plaintext>, which nothing closes"
        if name == "plaintext"
        else f"opens <{name}> and never closes it (no </{name}>)"
    )
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        (
            "ERROR",
            f"pelican-flattr: a.md: its title {what}, and the theme prints the "
            "title as it is (Pelican keeps titles as HTML), so the rest of its "
            f"page after the title, the Flattr button too, is the <{name}>'s "
            "text: no reader sees the button (the audit refuses the page): write "
            f"it as &lt;{name}&gt; in the title",
        )
    ]
    assert audit_command(["audit", str(output)]) == 1


def test_an_embedded_button_in_noscript_is_not_the_pages_button(
    site, tmp_path, flattr_log
):
    # Where scripts run, a <noscript>'s content is text, and load.js finds
    # no button there; where they do not, the button stays hidden.
    theme = simple_child(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            "{% block content %}{{ super() }}"
            "<noscript>{{ flattr_button(article) }}</noscript>{% endblock %}",
            "base.html": with_footer("{{ flattr_script() }}"),
        },
    )
    output = site(
        articles(),
        theme=theme,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_BUTTON="js",
        FLATTR_INJECT=True,
    )
    for thing in manifest_things(output).values():
        soup = page_as_browsers_read_it(output / thing["page"])
        shown = [
            a for a in soup.select("a.FlattrButton") if not a.find_parent("noscript")
        ]
        assert len(shown) == 1
        assert shown[0].find_parent(class_="flattr-injected") is not None
        assert len(loaders_run(soup)) == 1
    messages = [r.getMessage() for r in flattr_log.records]
    assert len(messages) == 1 and messages[0].startswith(UNSEEN_WARNING)
    # The theme's button in <noscript> is still there, and the audit says so
    # as the build did: only the theme can take it out.
    assert audit_command(["audit", str(output)]) == 1


def test_a_button_printed_into_an_attribute_is_not_the_pages_button(
    site, tmp_path, flattr_log
):
    theme = simple_child(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            "{% block content %}{{ super() }}"
            "<div data-button='{{ flattr_button(article) }}'>x</div>{% endblock %}"
        },
    )
    output = site(articles(), theme=theme, FLATTR_AUTHORS=AUTHORS, FLATTR_INJECT=True)
    for thing in manifest_things(output).values():
        soup = page_as_browsers_read_it(output / thing["page"])
        (button,) = flattr_buttons(soup)
        assert button.find_parent(class_="flattr-injected") is not None
        assert "flattr-button" in soup.select_one("div[data-button]")["data-button"]
    messages = [r.getMessage() for r in flattr_log.records]
    assert len(messages) == 1 and messages[0].startswith(UNSEEN_WARNING)
    assert audit_command(["audit", str(output)]) == 0


def test_a_paginators_page_is_named_as_such(site, tmp_path, flattr_log):
    overrides = child_theme(
        tmp_path,
        {
            "index.html": '{% extends "!simple/index.html" %}'
            "{% block content %}{{ super() }}"
            "{{ flattr_button(articles_page) }}{% endblock %}"
        },
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
    )
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: index.html:1: flattr_button() takes an article or page, "
        "not a paginator's Page (articles_page): pass the article (or page) "
        "itself; it prints nothing there"
    ]
    assert flattr_buttons(page(output / "index.html")) == []


def test_the_bundled_theme_writes_languages_as_html_reads_them(tmp_path):
    # Pelican's codes are gettext's (de_AT, sr_RS@latin): the theme printed
    # lang="sr_RS@latin"-like values (with only "_" made "-"), no BCP 47
    # tag, where the plugin's own markup on the same page said sr-Latn-RS.
    from conftest import build

    files = {
        "a.md": article("Hello", "Alice", slug="hello"),
        "b.md": article("Zdravo", "Alice", slug="hello", lang="sr_RS@latin"),
        "c.md": article("Servus", "Alice", slug="hello", lang="de_AT"),
        "d.md": article("Здраво", "Alice", slug="hello", lang="sr@cyrillic"),
    }
    output = build(
        tmp_path,
        files,
        theme=str(ROOT / "theme"),
        DEFAULT_LANG="en_GB",
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    seen = set()
    for path in output.rglob("*.html"):
        soup = page(path)
        for tag in soup.find_all(
            lambda t: t.has_attr("lang") or t.has_attr("hreflang")
        ):
            seen.update(v for v in (tag.get("lang"), tag.get("hreflang")) if v)
    assert {"en-GB", "sr-Latn-RS", "de-AT", "sr-Cyrl"} <= seen, seen
    assert not [value for value in seen if "@" in value or "_" in value], seen


def test_the_bundled_theme_sets_a_right_to_left_languages_direction(tmp_path):
    # theme/ laid an Arabic article out left to right: <html> had its lang,
    # never dir="rtl".
    from conftest import build

    langs = {
        "ar": "rtl",
        "he_IL": "rtl",
        "fa": "rtl",
        "ur": "rtl",
        "ckb": "rtl",
        "ku_Arab": "rtl",  # Kurdish in Arabic script
        "ku": None,  # Kurmanji, Latin script
        "uz_Arab_AF": "rtl",
        "az_Latn": None,
        "en": None,
        "arn": None,  # Mapudungun: "ar" as a prefix is not Arabic
        "sr@latin": None,
        # An extension names no script: Arabic with Latin digits is Arabic,
        # English with Arabic digits English.
        "ar-EG-u-nu-latn": "rtl",
        "en-u-nu-arab": None,
        "ar-x-latn": "rtl",
    }
    files = {
        f"{n}.md": article(f"Article {n}", "Alice", lang=lang, slug=f"a{n}")
        for n, lang in enumerate(langs)
    }
    output = build(
        tmp_path,
        files,
        theme=str(ROOT / "theme"),
        DEFAULT_LANG="ar",
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    things = manifest_things(output)
    found = {
        lang: page(output / things[f"{n}.md"]["page"]).html.get("dir")
        for n, lang in enumerate(langs)
    }
    assert found == langs
    # The site's language on the pages of no article.
    for name in ("index.html", "archives.html", "tags.html"):
        html = page(output / name).html
        assert (html["lang"], html.get("dir")) == ("ar", "rtl"), name


# The theme's own words, which are English on every site.
THEME_WORDS = [
    "Skip to content",
    "Latest posts",
    "· by",
    "· in",
    "Read more",
    "← Newer posts",
    "Older posts →",
    "Page 2 of 3",
    "Archives",
    "Built with",
    "until they claim it.",
    "Updated",
]


def test_the_bundled_theme_sets_the_direction_of_its_own_words_and_of_content(
    tmp_path,
):
    # On an Arabic site theme/ laid its English out right to left (".Built
    # with Pelican", "Older posts" away from its arrow), and an English
    # summary on the index too (".English body. Ends with a period"): it had
    # lang="en" and no dir.
    from conftest import build

    files = {
        "ar.md": article("مرحبا", "Bob", lang="ar", slug="ar", body="مرحبا."),
        "en.md": article(
            "Hello", "Alice", lang="en", slug="en", body="English body. Ends."
        ),
        "en2.md": article(
            "Later", "Alice", lang="en", slug="en2", Modified="2024-04-01"
        ),
    }
    output = build(
        tmp_path,
        files,
        theme=str(ROOT / "theme"),
        DEFAULT_LANG="ar",
        DEFAULT_PAGINATION=1,
        FLATTR_AUTHORS=AUTHORS,
    )
    things = manifest_things(output)
    names = ["index.html", "index2.html", "index3.html"]
    names += [things[name]["page"] for name in files]
    found = set()
    for name in names:
        soup = page(output / name)
        html = soup.html
        assert html.get("dir") == ("rtl" if html["lang"] == "ar" else None), name
        for text in soup.body.find_all(string=True):
            for words in THEME_WORDS:
                if words in text:
                    found.add(words)
                    element = text.find_parent(attrs={"dir": True})
                    direction = element["dir"] if element else "ltr"
                    language = text.find_parent(attrs={"lang": True})["lang"]
                    assert (language, direction) == ("en", "ltr"), (name, words)
        # What the site wrote, in its own language: the direction with it.
        for element in soup.body.find_all(attrs={"lang": True}):
            expected = "rtl" if element["lang"] == "ar" else "ltr"
            where = f"{name}: <{element.name} lang={element['lang']!r}>"
            assert element.get("dir") in (expected, "auto"), where
    assert found == set(THEME_WORDS)
    # The English summaries say so; the Arabic one is in the page's language.
    summaries = [
        (summary.get("lang"), summary.get("dir"))
        for name in names[:3]
        for summary in page(output / name).select(".summary__text")
    ]
    assert sorted(summaries, key=str) == [("en", "ltr"), ("en", "ltr"), (None, None)]


# A title Pelican keeps as written (it is HTML): a browser shows "< B >" as
# text, and so do og:title and the button's text; Jinja's striptags drops it.
TITLE_WITH_LESS_THAN = "A < B > C & D"


@pytest.mark.parametrize("plugin", [True, False])
def test_the_bundled_theme_prints_titles_as_the_plugin_reads_them(site, plugin):
    files = {
        "a.md": article(TITLE_WITH_LESS_THAN, "Alice", slug="less"),
        "pages/about.md": article("Us < them", "Alice", slug="about"),
    }
    output = site(
        files,
        theme=str(ROOT / "theme"),
        SITENAME="Tom &amp; <b>Jerry</b> < Co >",
        SITESUBTITLE="x < y, <em>always</em>",
        PLUGINS=["pelican_flattr"] if plugin else [],
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    soup = page_as_browsers_read_it(output / "less.html")
    if not plugin:
        # The theme builds without the plugin, and falls back on striptags.
        assert soup.h1.get_text() == "A C & D"
        assert flattr_buttons(soup) == []
        return
    site_name = "Tom & Jerry < Co >"
    assert soup.h1.get_text() == TITLE_WITH_LESS_THAN
    # Escaped once in the page's text, not printed raw for the browser to
    # read (a title's "&lt;b&gt;" would then be a tag).
    raw = (output / "less.html").read_text(encoding="utf-8")
    assert ">A &lt; B &gt; C &amp; D</h1>" in raw
    assert "Tom &amp; Jerry &lt; Co &gt;" in raw
    assert soup.title.get_text() == f"{TITLE_WITH_LESS_THAN} · {site_name}"
    assert og(soup, "og:title") == [TITLE_WITH_LESS_THAN]
    (button,) = flattr_buttons(soup)
    assert TITLE_WITH_LESS_THAN in button.get_text()
    assert soup.select_one(".site-title").get_text() == site_name
    assert soup.select_one(".site-subtitle").get_text() == "x < y, always"
    menu = [a.get_text() for a in soup.select(".site-nav a")]
    assert "Us < them" in menu
    listing = page_as_browsers_read_it(output / "index.html")
    assert [a.get_text() for a in listing.select("h2 a[rel=bookmark]")] == [
        TITLE_WITH_LESS_THAN
    ]


def site_thing_settings(**settings: object) -> dict[str, object]:
    """A site that offers its own thing: FLATTR_USERNAME's, which every
    feed carries (so one feed at least is written)."""
    return {
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_USERNAME": "community",
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        **settings,
    }


def feeds_site_link(output) -> str:
    """The site's own payment link, as a feed reader reads the feed's, and
    as the manifest records it."""
    import feedparser

    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes()).feed
    hrefs = [link.href for link in feed.links if link.rel == "payment"]
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    assert hrefs == [manifest["site_payment_link"]]
    return hrefs[0]


@pytest.mark.parametrize("username", ["community", "email:carol@example.org"])
def test_the_bundled_theme_heads_each_page_that_is_no_things_with_the_sites_link(
    site, tmp_path, flattr_log, username
):
    # Every feed carries FLATTR_USERNAME's thing, but a listing's head had
    # it only if the theme wrote its auto-submit URL by hand. theme/ calls
    # flattr_site_head() in base.html's head: each page that is no thing's
    # gets the site's link; a thing's page its own alone.
    files = articles()
    files["a0.md"] = files["a0.md"].replace("Date:", "Tags: solder\nDate:")
    files["no.md"] = article("Not for flattring", "Alice", flattr="no")
    support = tmp_path / "support.html"
    support.write_text(
        '{% extends "base.html" %}{% block content %}Support us{% endblock %}'
    )
    output = site(
        files,
        theme=str(ROOT / "theme"),
        TEMPLATE_PAGES={str(support): "support.html"},
        **site_thing_settings(FLATTR_USERNAME=username),
    )
    site_link = feeds_site_link(output)
    no_things = ["index.html", "archives.html", "tag/solder.html"]
    no_things += ["author/alice.html", "category/misc.html", "support.html"]
    no_things += ["pages/about-us.html", "not-for-flattring.html"]
    for name in no_things:
        soup = page(output / name)
        (link,) = payment_links(soup)
        assert link.parent.name == "head", name
        assert (link["href"], link["title"]) == (site_link, "Flattr this!"), name
        # Escaped once: the page's text holds "&amp;" where the URL has "&".
        raw = (output / name).read_text(encoding="utf-8")
        assert site_link.replace("&", "&amp;") in raw, name
    things = manifest_things(output)
    assert len(things) == 3
    for thing in things.values():
        (link,) = payment_links(page(output / thing["page"]))
        assert link["href"] == thing["auto_submit_url"]
    assert [r.getMessage() for r in flattr_log.records] == []
    assert audit_command(["audit", str(output)]) == 0
    published = [p for p in output.rglob("*") if p.is_file()]
    for path in published:
        text = path.read_text(encoding="utf-8", errors="replace").lower()
        assert "carol@" not in text and "carol%40" not in text, path


@pytest.mark.parametrize("style", ["js", "plain"])
def test_a_template_page_that_is_no_html_is_left_as_written(
    site, tmp_path, flattr_log, style
):
    # A client-side search's buttons.js of TEMPLATE_PAGES, holding each
    # article's embedded button: load.js's <script>, added after it, made
    # it no JavaScript, unsaid. An HTML page of TEMPLATE_PAGES still gets it.
    script = tmp_path / "buttons.js"
    script.write_text(
        "window.FLATTR_BUTTONS = {\n{% for a in articles %}"
        "  {{ a.slug|tojson }}: '{{ flattr_button(a) }}',\n"
        "{% endfor %}};\n"
    )
    listing = tmp_path / "all.html"
    listing.write_text(
        '{% extends "base.html" %}{% block content %}'
        "{% for a in articles %}{{ flattr_button(a) }}{% endfor %}{% endblock %}"
    )
    output = site(
        articles(),
        theme=str(ROOT / "theme"),
        TEMPLATE_PAGES={str(script): "buttons.js", str(listing): "all.html"},
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_BUTTON=style,
    )
    written = (output / "buttons.js").read_text(encoding="utf-8")
    assert written.startswith("window.FLATTR_BUTTONS = {") and written.endswith("};")
    assert "<script" not in written
    # Each button, as written between a string's quotes.
    buttons = re.findall(r"'(<a [^']*</a>)',\n", written)
    assert len(buttons) == 3
    assert all(BUTTON_CLASS in button for button in buttons)
    loaders = page(output / "all.html").find_all("script", src=re.compile("load.js"))
    assert len(loaders) == (style == "js")
    warnings = [r.getMessage() for r in flattr_log.records]
    if style == "plain":
        assert warnings == []
    else:
        assert warnings == [
            f"pelican-flattr: {script}: flattr_button() printed an embedded "
            "button into buttons.js, which is no HTML page: the plugin adds "
            "nothing to it, and no load.js; the page that shows these buttons "
            "needs load.js (flattr_script() in its template)"
        ]


NO_SITE_THING = {
    "no FLATTR_USERNAME": {"FLATTR_USERNAME": None},
    "no feed written": {"FEED_ALL_ATOM": None},
    "FLATTR_FEEDS off": {"FLATTR_FEEDS": False},
    "settings refused": {"FLATTR_BUTTON": "huge"},
}


@pytest.mark.parametrize("case", NO_SITE_THING)
def test_flattr_site_head_without_the_sites_thing_prints_nothing_quietly(
    site, tmp_path, flattr_log, case
):
    # The site's thing is offered through the feeds alone: without them no
    # built file names it, Flattr never hears of it, and the audit knows no
    # site_payment_link to allow.
    overrides = child_theme(
        tmp_path, {"base.html": simple_base(head="{{ flattr_site_head() }}")}
    )
    output = site(
        articles(),
        THEME_TEMPLATES_OVERRIDES=overrides,
        **site_thing_settings(**NO_SITE_THING[case]),
    )
    assert payment_links(page(output / "index.html")) == []
    messages = [r.getMessage() for r in flattr_log.records]
    if case == "settings refused":
        # Said of the setting, once; nothing of the helper.
        assert not [m for m in messages if "flattr_site_head" in m], messages
        return
    assert messages == []
    (thing, *_) = manifest_things(output).values()
    (link,) = payment_links(page(output / thing["page"]))
    assert link["href"] == thing["auto_submit_url"]
    assert audit_command(["audit", str(output)]) == 0


def test_flattr_site_head_in_base_html_leaves_a_things_head_to_injection(
    site, tmp_path, flattr_log
):
    # simple's templates print no flattr_head(): injection adds each thing's
    # head tags. The site's link in base.html, on every page, would have
    # stood beside them as a second payment link.
    overrides = child_theme(
        tmp_path, {"base.html": simple_base(head="{{ flattr_site_head() }}")}
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, **site_thing_settings()
    )
    each_page_has_its_own_payment_link(
        output, ["index.html", "author/bob.html", "pages/about-us.html"]
    )
    assert [r.getMessage() for r in flattr_log.records] == []
    assert audit_command(["audit", str(output)]) == 0


def each_page_has_its_own_payment_link(output, no_things) -> None:
    """Assert that each of the pages ``no_things`` holds the site's payment
    link alone, and each thing's page its own link alone."""
    site_link = feeds_site_link(output)
    for name in no_things:
        hrefs = [link["href"] for link in payment_links(page(output / name))]
        assert hrefs == [site_link], name
    for thing in manifest_things(output).values():
        hrefs = [link["href"] for link in payment_links(page(output / thing["page"]))]
        assert hrefs == [thing["auto_submit_url"]], thing["page"]


def test_flattr_site_head_in_an_include_without_context_is_right_on_every_page(
    site, tmp_path, flattr_log
):
    # Jinja renders an include without context once, and prints that output
    # on every page: the first page's. Rendered first for an article (which
    # printed nothing), every listing went without the site's link; for a
    # page without a thing, every later thing's page led with the site's
    # link, ahead of its own, paying the site's owner.
    overrides = child_theme(
        tmp_path,
        {
            "base.html": simple_base(
                head='{% include "site-head.html" without context %}'
            ),
            "site-head.html": "{{ flattr_site_head() }}",
        },
    )
    files = articles()
    files["pages/zzz.md"] = "Title: No thing\nFlattr: no\n\nNo button here.\n"
    output = site(
        files,
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_PAGES=True,
        **site_thing_settings(),
    )
    assert "pages/about.md" in manifest_things(output)
    each_page_has_its_own_payment_link(
        output, ["index.html", "author/bob.html", "pages/no-thing.html"]
    )
    assert [r.getMessage() for r in flattr_log.records] == []
    assert audit_command(["audit", str(output)]) == 0


def test_an_article_that_spells_a_helpers_mark_takes_nothing_for_it(
    site, tmp_path, flattr_log
):
    # The marks flattr_site_head() and flattr_script() print were fixed
    # texts: an article holding one took the site's payment link into every
    # listing that showed it, and the build blamed base.html for printing
    # it twice.
    overrides = child_theme(
        tmp_path,
        {
            "base.html": simple_base(
                head="{{ flattr_site_head() }}", footer="{{ flattr_script() }}"
            )
        },
    )
    files = articles()
    # The fixed marks of before, and marks with a key of another process.
    other_key = "0123456789ab"
    files["a0.md"] = files["a0.md"].replace(
        "A first paragraph",
        "<!--pelican-flattr:site-head--><!--pelican-flattr:load.js-->"
        f"<!--pelican-flattr:site-head:{other_key}-->"
        f"<!--pelican-flattr:load.js:{other_key}--> A first paragraph",
    )
    output = site(files, THEME_TEMPLATES_OVERRIDES=overrides, **site_thing_settings())
    site_link = feeds_site_link(output)
    index = page(output / "index.html")
    assert [link["href"] for link in payment_links(index)] == [site_link]
    assert loaders(index) == []
    assert [r.getMessage() for r in flattr_log.records] == []


def test_the_helpers_marks_are_new_in_each_process():
    # The key is what keeps an article from spelling a mark out: a key
    # fixed in the code would be one any author could read and copy.
    show = (
        "from pelican_flattr import markup; "
        "print(markup.SITE_HEAD_PLACE, markup.LOADER_PLACE)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", show], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    keys = [
        {re.fullmatch(r"<!--pelican-flattr:[a-z.-]+:(\w+)-->", mark)[1] for mark in run}
        for run in runs
    ]
    assert all(len(key) == 1 and len(next(iter(key))) >= 12 for key in keys), keys
    assert keys[0] != keys[1]


# What a browser reads first: the site's link and a long description before
# <meta charset>, which then ends past the first 1,024 bytes.
LONG_SUBTITLE = "Solder, circuits and the tools of a small workshop. " * 18
SITE_HEAD_BEFORE_CHARSET = (
    '{% extends "!simple/base.html" %}{% block head %}{{ flattr_site_head() }}'
    '<meta name="description" content="{{ SITESUBTITLE }}"><meta charset="utf-8">'
    "<title>{{ SITENAME }}</title>{% endblock %}"
)
# Where no browser reads the site's link as the head's: the base.html that
# prints it there, and what the build says, as of flattr_head() there (an
# error, not a warning), and whether the audit reads the link in the body.
_ENDED_EARLY = (
    "flattr_site_head() prints after something that ends the head early for a "
    'browser (text, such as an unescaped quote and ">" in a description <meta>, '
    "an element a head cannot hold, or a </body>, </html> or </br>), so its "
    "payment link is in the body, where it does nothing: call flattr_site_head() "
    "before it (right after <meta charset>), or escape that text"
)
_HIDDEN = (
    "flattr_site_head() prints in the head, but inside a comment, a <template> "
    "or the text of a <script> or <title>, where its payment link does nothing: "
    "call it in the head itself, outside them"
)
SITE_HEAD_MISPLACED = {
    "in the body": (
        simple_base(footer="{{ flattr_site_head() }}"),
        "flattr_site_head() prints outside <head>, where its payment link does "
        "nothing: call it inside <head>",
        True,
    ),
    "after a stray </br>": (
        simple_base(head="</br>{{ flattr_site_head() }}"),
        _ENDED_EARLY,
        True,
    ),
    # Text or an element a head cannot hold, with every "<" closed: a "}"
    # a template left, a skip link.
    "after a stray }": (
        simple_base(head="}{{ flattr_site_head() }}"),
        _ENDED_EARLY,
        True,
    ),
    "after a skip link": (
        simple_base(head='<a href="#main">Skip</a>{{ flattr_site_head() }}'),
        _ENDED_EARLY,
        True,
    ),
    # HTML lets a page leave <head> and </head> out: told to call it
    # "inside <head>", an author had no <head> to call it in.
    "after a skip link, without head tags": (
        '<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>t</title>'
        '<a href="#main">Skip</a>{{ flattr_site_head() }}<main id="main">'
        "{% block content %}{% endblock %}</main></html>",
        _ENDED_EARLY,
        True,
    ),
    "in a comment": (
        simple_base(head="<!-- {{ flattr_site_head() }} -->"),
        _HIDDEN,
        False,
    ),
    "in a <template>": (
        simple_base(head="<template>{{ flattr_site_head() }}</template>"),
        _HIDDEN,
        False,
    ),
}


def test_flattr_site_head_before_meta_charset_is_warned_of(site, tmp_path, flattr_log):
    # As flattr_head() is: printed first, it pushed <meta charset> past where
    # a browser looks for it, on every listing, and the build said nothing.
    overrides = child_theme(tmp_path, {"base.html": SITE_HEAD_BEFORE_CHARSET})
    output = site(
        articles(),
        THEME_TEMPLATES_OVERRIDES=overrides,
        SITESUBTITLE=LONG_SUBTITLE,
        **site_thing_settings(),
    )
    assert (output / "index.html").read_bytes().find(b"charset") >= 1024
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        (
            "WARNING",
            "pelican-flattr: base.html: flattr_site_head() prints before <meta "
            "charset>, which then ends past the first 1,024 bytes of the page, "
            "where a browser looks for it: call flattr_site_head() right after "
            "<meta charset>",
        )
    ]
    # Right after <meta charset>, the same long description after both:
    # nothing said.
    flattr_log.clear()
    fixed = SITE_HEAD_BEFORE_CHARSET.replace(
        "{{ flattr_site_head() }}", '<meta charset="utf-8">{{ flattr_site_head() }}', 1
    ).replace('"><meta charset="utf-8">', '">')
    overrides = child_theme(tmp_path / "fixed", {"base.html": fixed})
    output = site(
        articles(),
        THEME_TEMPLATES_OVERRIDES=overrides,
        SITESUBTITLE=LONG_SUBTITLE,
        **site_thing_settings(),
    )
    assert (output / "index.html").read_bytes().find(b"charset") < 1024
    assert len(payment_links(page(output / "index.html"))) == 1
    assert flattr_log.records == []


@pytest.mark.parametrize("case", SITE_HEAD_MISPLACED)
def test_flattr_site_head_where_no_browser_reads_the_head_is_reported(
    site, tmp_path, flattr_log, capsys, case
):
    # The link does nothing outside the head as a browser reads it, where
    # flattr_head()'s is reported: the site's was not, on any listing.
    base, said, in_body = SITE_HEAD_MISPLACED[case]
    overrides = child_theme(tmp_path, {"base.html": base})
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, **site_thing_settings()
    )
    # Once, naming base.html, which holds the call, not each listing's
    # template that extends it.
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        ("ERROR", f"pelican-flattr: base.html: {said}")
    ]
    capsys.readouterr()
    status = audit_command(["audit", str(output), "--json"])
    problems = json.loads(capsys.readouterr().out)["problems"]
    if not in_body:
        # Hidden from every reader: the listing holds no link of the site's.
        assert (status, problems) == (0, [])
        return
    assert status == 1
    listings = {"index.html", "archives.html", "author/bob.html", "pages/about-us.html"}
    files = {p["file"] for p in problems}
    assert listings <= files
    assert not files & {t["page"] for t in manifest_things(output).values()}
    assert {(p["kind"], p["problem"], p["expected"]) for p in problems} == {
        (
            "payment-link-missing",
            "has the site's own payment link (FLATTR_USERNAME's, which the feeds "
            "carry) only where a browser reads the body, where it does nothing",
            "the site's own payment link in <head> (call flattr_site_head() "
            "inside <head>, before any text or element a head cannot hold, such "
            "as text a theme prints unescaped or a skip link), or none: "
            "a listing needs none",
        )
    }


def test_flattr_site_head_printed_twice_is_reported(site, tmp_path, flattr_log, capsys):
    # Two identical links in every listing's head, where flattr_head()
    # printed twice is reported. The audit passed such a site.
    overrides = child_theme(
        tmp_path,
        {"base.html": simple_base(head="{{ flattr_site_head() }}" * 2)},
    )
    output = site(
        articles(), THEME_TEMPLATES_OVERRIDES=overrides, **site_thing_settings()
    )
    assert len(payment_links(page(output / "index.html"))) == 2
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        (
            "ERROR",
            "pelican-flattr: base.html: flattr_site_head() prints the site's "
            "payment link more than once on a page; a page must show it once: "
            "print it once",
        )
    ]
    capsys.readouterr()
    assert audit_command(["audit", str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert {p["file"] for p in problems} >= {"index.html", "archives.html"}
    assert {(p["kind"], p["problem"], p["expected"]) for p in problems} == {
        (
            "payment-link-extra",
            "has the site's own payment link 2 times in <head>",
            "it once: print flattr_site_head() once on a page",
        )
    }


def test_a_misspelt_flattr_site_head_is_named_as_meant():
    assert _helper_meant("flattr_sitehead") == "flattr_site_head"
    assert _helper_meant("flattr_haed") == "flattr_head"


def child_site(site, tmp_path, templates, files=None, **settings):
    """``articles()`` (or ``files``) built with ``templates`` overriding
    simple's, and the authors' owners of ``AUTHORS`` unless given."""
    settings.setdefault("FLATTR_AUTHORS", AUTHORS)
    overrides = child_theme(tmp_path, templates)
    return site(files or articles(), THEME_TEMPLATES_OVERRIDES=overrides, **settings)


def in_content(template: str, jinja: str) -> dict[str, str]:
    """``template`` (article.html, page.html) of simple, ``jinja`` printed
    after its content."""
    return {
        template: f'{{% extends "!simple/{template}" %}}{{% block content %}}'
        f"{{{{ super() }}}}{jinja}{{% endblock %}}"
    }


def test_a_misspelt_style_is_named_in_each_template_that_holds_it(
    site, tmp_path, flattr_log
):
    # Once per template, not once per build: the second template's mistake
    # is its own, and the first's message does not name it.
    templates = {
        **in_content("article.html", '{{ flattr_button(article, "Compakt") }}'),
        **in_content("page.html", '{{ flattr_button(page, "Compakt") }}'),
    }
    child_site(site, tmp_path, templates, FLATTR_PAGES=True)
    assert sorted(r.getMessage() for r in flattr_log.records) == [
        f"pelican-flattr: {template}:1: flattr_button() is called with style "
        "'Compakt', not one of plain, js, compact: the configured style is shown "
        "instead"
        for template in ("article.html", "page.html")
    ]


def test_flattr_text_reads_a_value_as_the_things_title_and_none_as_nothing(
    site, tmp_path
):
    # As its docstring promises: None and an undefined name print nothing
    # (not "None"), and a title's control characters are spaces, as in the
    # thing's title.
    templates = in_content(
        "article.html",
        "<p id=title>{{ flattr_text(article.title) }}</p>"
        "<p id=nothing>[{{ flattr_text(None) }}{{ flattr_text(no_such_name) }}]</p>",
    )
    files = {"c.md": article("Ctl\x01title \x0b here", "Alice", slug="c")}
    output = child_site(site, tmp_path, templates, files)
    soup = page_as_browsers_read_it(output / "c.html")
    assert soup.select_one("#nothing").get_text() == "[]"
    title = soup.select_one("#title").get_text()
    assert title == manifest_things(output)["c.md"]["title"] == "Ctl title here"


def test_flattr_text_drops_a_bogus_comment_as_the_things_title_does(site, tmp_path):
    # A browser reads "<?php ... ?>" and "</3 x>" as comments: the helper
    # printed them as text, which the page's own <h1> never shows.
    templates = in_content(
        "article.html", "<p id=title>{{ flattr_text(article.title) }}</p>"
    )
    files = {"c.md": article("Why <?php echo 1; ?> works </3 x> well", slug="c")}
    output = child_site(site, tmp_path, templates, files)
    title = page_as_browsers_read_it(output / "c.html").select_one("#title")
    assert title.get_text() == manifest_things(output)["c.md"]["title"]
    assert title.get_text() == "Why works well"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("article", "an Article: pass article.title;"),
        ("article.flattr", "article.flattr: pass article.title;"),
        ("article.flattr.thing", "article.flattr.thing: pass article.title;"),
        # Their str() is their items' reprs: "[, , ]" once read as HTML.
        ("[article.title]", "a list:"),
        ("article.authors", "a list:"),
    ],
)
def test_flattr_text_given_no_text_says_so_and_prints_nothing(
    site, tmp_path, flattr_log, given, said
):
    # An article printed its str(): the absolute path of its source on the
    # machine that built the site, without a word.
    templates = in_content(
        "article.html", f"<p id=text>[{{{{ flattr_text({given}) }}}}]</p>"
    )
    output = child_site(site, tmp_path, templates)
    soup = page_as_browsers_read_it(output / "article-number-1.html")
    assert soup.select_one("#text").get_text() == "[]"
    assert str(tmp_path) not in (output / "article-number-1.html").read_text()
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: article.html:1: flattr_text() takes a text (article.title, "
        f"SITENAME), not {said} it prints nothing there"
    ]


RELATED_HEAD = (
    "pelican-flattr: related.html: flattr_head() is called for an article or page "
    "that is not the page's own (a listing's, or another article's), and prints "
    "its payment link and Open Graph tags here, where they describe the wrong "
    "page: it belongs only on the content's own page, for its article (or page)"
)


# What the theme's own og:url earns beside a related article's head: the
# page of a2.md, rendered first, has it.
THEME_URL_WRONG = (
    "pelican-flattr: article.html (or a template it extends or includes): the "
    "page of a2.md has an og:url of the theme's "
    f"that is not its thing URL (the theme's: '{SITEURL}/'; the thing URL: "
    f"'{SITEURL}/article-number-2.html'): it tells crawlers the page is another "
    "(the site's home?); the plugin adds no second one (the audit refuses the "
    "page): for articles and pages, override the block that prints it, leaving "
    "og:url out (the plugin adds the right one) or printing the thing URL: "
    "{% if article.flattr %}{{ article.flattr.url|e }}{% else %}(the theme's "
    "own){% endif %} (page.flattr in page.html)"
)
# ...and the pages of article.html that share it, counted at the build's end.
THEME_URL_COUNTED = (
    "pelican-flattr: article.html: 3 pages in all (a2.md's the first) have an "
    "og:url of the theme's that is not their thing URL, as said above"
)


@pytest.mark.parametrize(
    "beside, theme_url, reports",
    [
        ("{{ flattr_head(article) }}", None, []),
        ("", None, []),
        (
            f'<meta property="og:url" content="{SITEURL}/">',
            f"{SITEURL}/",
            [THEME_URL_WRONG, THEME_URL_COUNTED],
        ),
    ],
    ids=["beside own", "alone", "beside the theme's og:url"],
)
def test_flattr_head_for_a_related_article_names_the_template_that_holds_it(
    site, tmp_path, flattr_log, beside, theme_url, reports
):
    # A "related" box's flattr_head() makes the page another article's,
    # whether or not the page prints its own: the report names the box's
    # template alone, not article.html, whose own call is right.
    templates = {
        "related.html": '{% set related = articles|reject("sameas", article)|first %}'
        "{{ flattr_head(related) }}",
        "article.html": '{% extends "!simple/article.html" %}{% block head %}'
        f'{{{{ super() }}}}{beside}{{% include "related.html" %}}{{% endblock %}}',
    }
    output = child_site(site, tmp_path, templates)
    # The related article's tags are not the theme's own: the build also
    # told it to set FLATTR_OPEN_GRAPH = False (beside its own call), or to
    # remove a payment link and an og:url of its own (alone), which would
    # not remove them. What is the theme's own is still its to fix.
    assert [r.getMessage() for r in flattr_log.records] == [RELATED_HEAD, *reports]
    # The page's own og:url comes first (printed, the theme's, or added by
    # injection where the related article's once stood in for it); the
    # related article's stays, as the theme printed it, and reported.
    things = manifest_things(output)
    own, related = things["a0.md"], things["a2.md"]
    soup = page_as_browsers_read_it(output / own["page"])
    assert og(soup, "og:url") == [theme_url or own["url"], related["url"]]


def test_a_head_kept_in_a_variable_names_the_template_that_holds_the_call(
    site, tmp_path, flattr_log
):
    # The call is in base.html, which article.html extends: the warning
    # named article.html, where the theme author finds no call to fix.
    templates = {
        "base.html": '{% extends "!simple/base.html" %}{% block head %}'
        "{{ super() }}{% if article %}{% set kept = flattr_head(article) %}"
        "{% endif %}{% endblock %}"
    }
    output = child_site(site, tmp_path, templates)
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: base.html: flattr_head() is called for the page's own "
        "article or page, but its output is not on the page (kept in a variable "
        "and never printed?); the plugin adds the tags to the head instead: print "
        "it inside <head>"
    ]
    # The page is whole all the same: injection added the tags.
    soup = page(output / "article-number-0.html")
    assert [link.parent.name for link in payment_links(soup)] == ["head"]


def test_flattr_pending_given_an_authors_name_finds_a_key_spelt_as_its_slug(
    site, tmp_path
):
    # A theme may pass the name (a str) rather than the Author: the
    # FLATTR_AUTHORS key is found as owners are, by the name's slug too.
    templates = in_content(
        "article.html",
        "{% set notice = flattr_pending(article.author.name) %}"
        '<p id=pending>{{ notice.flattrs if notice else "none" }}</p>',
    )
    output = child_site(
        site,
        tmp_path,
        templates,
        FLATTR_AUTHORS={"Alice": "alice", "bob": AUTHORS["Bob"]},
        FLATTR_STORE=str(pending_store(tmp_path)),
    )
    shown = {
        name: page(output / name).select_one("#pending").text
        for name in ("article-number-0.html", "article-number-1.html")
    }
    assert shown == {"article-number-0.html": "3", "article-number-1.html": "none"}


def test_a_sites_own_global_named_as_a_helper_is_left_to_it(site, tmp_path):
    # The helpers are looked up after every template variable and global: a
    # site that gives its theme a function of that name keeps its own.
    templates = in_content("article.html", "<p id=own>{{ flattr_text('x') }}</p>")
    output = child_site(
        site, tmp_path, templates, JINJA_GLOBALS={"flattr_text": str.upper}
    )
    assert page(output / "article-number-0.html").select_one("#own").text == "X"


# --- A theme's own Open Graph tags beside flattr_head(): its page comes out
# as injection's does ---

# Theme heads whose own Open Graph tags the plugin checks: an og:url of the
# site's home, as a base.html prints it on every page; an og:title after a
# description printed unescaped, whose quote and ">" end the head early.
THEME_HEADS_CHECKED = {
    "site's og:url": '<meta property="og:url" content="{{ SITEURL }}/">'
    '<meta property="og:title" content="Theme title">',
    "tags after the head's end": '<meta name="description" content="a "b"> c">'
    '<meta property="og:title" content="Theme title">',
}


def open_graph_of(path) -> list[tuple[str, str]]:
    """Every Open Graph (property, content) pair of a built page, sorted."""
    soup = page(path)
    return sorted(
        (meta["property"], meta["content"])
        for meta in soup.find_all("meta", property=True)
        if meta["property"].startswith(("og:", "article:"))
    )


@pytest.mark.parametrize("theme_head", list(THEME_HEADS_CHECKED))
def test_flattr_head_beside_a_themes_open_graph_gives_injections_page(
    site, tmp_path, flattr_log, theme_head
):
    # Printed beside the theme's tags, flattr_head() made every one of them
    # twice and an error that each site had to answer with a setting, where
    # the same theme without the helper got one of each and its og:url
    # checked: the helper's page must be no worse than injection's.
    built = {}
    for helper in (HEAD, ""):
        folder = tmp_path / ("helper" if helper else "injected")
        folder.mkdir()
        overrides = child_theme(
            folder,
            {
                "article.html": '{% extends "!simple/article.html" %}'
                "{% block head %}{{ super() }}"
                f"{helper}{THEME_HEADS_CHECKED[theme_head]}{{% endblock %}}"
            },
        )
        output = site(
            articles(1), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
        )
        built[helper] = (
            [r.getMessage() for r in flattr_log.records],
            open_graph_of(output / "article-number-0.html"),
            audit_command(["audit", str(output)]),
        )
        flattr_log.clear()
    assert built[HEAD] == built[""]
    messages, pairs, audited = built[HEAD]
    assert len(messages) == 1  # the theme's mistake, said once
    # (The audit reads tags wherever they are, as a crawler reading the
    # source does: the early end costs crawlers, not the audit.)
    assert audited == (theme_head == "site's og:url")
    assert ("og:title", "Theme title") in pairs
    assert len([p for p, _ in pairs if p in ("og:title", "og:url")]) == 2


# A theme's Open Graph tags written with name= (as many hand-written themes
# do), beside one it writes both ways; and the same theme once it writes
# property=, as the report advises.
NAMED_OPEN_GRAPH = (
    '<meta name="og:title" content="Theme title">'
    '<meta name="og:url" content="{{ SITEURL }}/">'
    '<meta name="og:type" content="article"><meta property="og:type" content="article">'
    '<meta name="og:video" content="{{ SITEURL }}/a.mp4">'
)
PROPERTY_OPEN_GRAPH = (
    '<meta property="og:title" content="Theme title">'
    '<meta property="og:url" content="{{ SITEURL }}/{{ article.url }}">'
    '<meta property="og:type" content="article">'
)


@pytest.mark.parametrize("helper", [HEAD, ""], ids=["flattr_head", "injected"])
def test_a_theme_open_graph_written_with_name_is_said_once_per_template(
    site, tmp_path, flattr_log, helper
):
    # Read by property= alone, <meta name="og:title"> went unseen: the page
    # got the plugin's og:title and og:url beside the theme's, silently, and
    # readers that take both (Facebook's crawler) saw two of each, their
    # og:url disagreeing. The plugin's stay (strict readers read property=
    # alone); the template is told, once, which properties to write so.
    built = {}
    for name, tags in (("named", NAMED_OPEN_GRAPH), ("fixed", PROPERTY_OPEN_GRAPH)):
        folder = tmp_path / name
        folder.mkdir()
        overrides = child_theme(
            folder,
            {
                "article.html": '{% extends "!simple/article.html" %}'
                f"{{% block head %}}{{{{ super() }}}}{tags}{helper}{{% endblock %}}"
            },
        )
        output = site(
            articles(), THEME_TEMPLATES_OVERRIDES=overrides, FLATTR_AUTHORS=AUTHORS
        )
        built[name] = [r.getMessage() for r in flattr_log.records]
        flattr_log.clear()
        for thing in manifest_things(output).values():
            soup = page(output / thing["page"])
            named = [m["name"] for m in soup.find_all("meta", attrs={"name": True})]
            if name == "named":
                assert og(soup, "og:title") == ["Article number " + thing["page"][-6]]
                assert og(soup, "og:url") == [thing["url"]]
                assert "og:title" in named and "og:url" in named
            else:
                assert og(soup, "og:title") == ["Theme title"]
                assert not [n for n in named if n.startswith("og:")]
            assert len(og(soup, "og:type")) == 1
        assert audit_command(["audit", str(output)]) == 0
    assert built["named"] == [
        "pelican-flattr: article.html: the page of a2.md has the theme's own "
        'og:title and og:url written as <meta name="…">, where Open Graph '
        "readers look for property=: the plugin adds its own of those as "
        '<meta property="…"> all the same, so readers that take both '
        "(Facebook's crawler) see two of each, which may disagree; write "
        "property= for them in the theme, and the plugin leaves its own out"
    ]
    assert built["fixed"] == []


# Themes that write Open Graph with name= alone, no tag with property= to
# read beside them: what the plugin adds is told (an article: property as an
# og: one); a name= tag of a property the plugin does not write is not.
NAMED_ALONE = {
    "og: alone": (
        '<meta name="og:title" content="Theme title">'
        '<meta name="og:url" content="{{ SITEURL }}/">',
        "og:title and og:url",
    ),
    "article:tag": ('<meta name="article:tag" content="x">', "article:tag"),
    "a property the plugin does not write": (
        '<meta name="og:video" content="{{ SITEURL }}/a.mp4">',
        None,
    ),
}


@pytest.mark.parametrize("helper", [HEAD, ""], ids=["flattr_head", "injected"])
@pytest.mark.parametrize("case", list(NAMED_ALONE))
def test_a_theme_open_graph_written_with_name_alone_is_warned_of(
    site, tmp_path, flattr_log, helper, case
):
    # A head without a single property= tag was once taken for one without
    # the theme's Open Graph, and its name= tags went unsaid. It is a
    # warning: a non-strict build counts no problem for it.
    tags, said = NAMED_ALONE[case]
    overrides = child_theme(
        tmp_path,
        {
            "article.html": '{% extends "!simple/article.html" %}'
            f"{{% block head %}}{{{{ super() }}}}{tags}{helper}{{% endblock %}}"
        },
    )
    site(
        {"a.md": article("Tagged", Tags="x")},
        THEME_TEMPLATES_OVERRIDES=overrides,
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    logged = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    assert logged == (
        []
        if said is None
        else [
            (
                "WARNING",
                "pelican-flattr: article.html: the page of a.md has the theme's "
                f'own {said} written as <meta name="…">, where Open Graph readers '
                "look for property=: the plugin adds its own of those as "
                '<meta property="…"> all the same, so readers that take both '
                "(Facebook's crawler) see two of each, which may disagree; write "
                "property= for them in the theme, and the plugin leaves its own out",
            )
        ]
    )


# A theme's og:url that is no absolute URL, as the report quotes it: one
# built on SITEURL under RELATIVE_URLS; one that holds an owner's address,
# never shown.
RELATIVE_OG_URLS = {
    "RELATIVE_URLS": ("{{ SITEURL }}/{{ article.url }}", "./article-number-2.html"),
    "an address": ("mailto:carol@example.org", "mailto:[address]"),
}


@pytest.mark.parametrize("helper", [HEAD, ""], ids=["flattr_head", "injected"])
@pytest.mark.parametrize("case", list(RELATIVE_OG_URLS))
def test_a_theme_og_url_that_is_not_absolute_is_quoted_beside_the_thing_url(
    site, tmp_path, flattr_log, helper, case
):
    # The report showed the thing URL alone, which read as the theme's bad
    # value, never the theme's own ("./a01.html" under RELATIVE_URLS), nor
    # why a relative one is wrong, and named one page of many, uncounted.
    printed, shown = RELATIVE_OG_URLS[case]
    templates = {
        "article.html": '{% extends "!simple/article.html" %}{% block head %}'
        f'{{{{ super() }}}}{helper}<meta property="og:url" content="{printed}">'
        "{% endblock %}"
    }
    output = child_site(site, tmp_path, templates, RELATIVE_URLS=True)
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: article.html (or a template it extends or includes): the "
        "page of a2.md has an og:url of the "
        f"theme's that is not its thing URL (the theme's: '{shown}'; the thing "
        f"URL: '{SITEURL}/article-number-2.html'): og:url must be an absolute "
        "URL, and RELATIVE_URLS makes the URLs a theme builds on SITEURL "
        "relative; the plugin adds no second one (the audit refuses the page): "
        "for articles and pages, override the block that prints it, leaving "
        "og:url out (the plugin adds the right one) or printing the thing URL: "
        "{% if article.flattr %}{{ article.flattr.url|e }}{% else %}(the theme's "
        "own){% endif %} (page.flattr in page.html)",
        THEME_URL_COUNTED,
    ]
    # The theme's kept, the plugin's left out: one og:url.
    (kept,) = og(page(output / "article-number-2.html"), "og:url")
    assert kept == (shown if case == "RELATIVE_URLS" else printed)


def test_a_theme_og_url_without_a_scheme_is_not_blamed_on_relative_urls_when_off(
    site, tmp_path, flattr_log
):
    # "/a.html" or "//host/a.html" with RELATIVE_URLS off (Pelican's
    # default): the setting changes nothing, and is not named.
    templates = {
        "article.html": '{% extends "!simple/article.html" %}{% block head %}'
        '{{ super() }}<meta property="og:url" content="/{{ article.url }}">'
        "{% endblock %}"
    }
    child_site(site, tmp_path, templates)
    said = next(
        r.getMessage()
        for r in flattr_log.records
        if "og:url of the theme's" in r.getMessage()
    )
    assert (
        "(the theme's: '/article-number-2.html'; the thing URL: "
        f"'{SITEURL}/article-number-2.html'): og:url must be an absolute URL, "
        "with its scheme (https://…); the plugin adds no second one" in said
    )
    assert "RELATIVE_URLS" not in said


# A development build as the README's quickstart makes it: SITEURL for local
# previews, FLATTR_SITEURL the public address.
DEVELOPMENT_SITEURLS = {
    "empty": {"SITEURL": ""},
    "relative": {"SITEURL": "", "RELATIVE_URLS": True},
    "local": {"SITEURL": "http://localhost:8000"},
}


@pytest.mark.parametrize("siteurl", list(DEVELOPMENT_SITEURLS))
def test_a_theme_og_url_of_the_page_on_a_development_build_is_not_reported(
    site, tmp_path, flattr_log, siteurl
):
    # pelican-theme-reflex prints og:url as {{ SITEURL }}/{{ article.url }},
    # right once published: every local preview said it was wrong, and a
    # strict one failed.
    templates = {
        "base.html": '{% extends "!simple/base.html" %}{% block head %}'
        '{{ super() }}{% if article %}<meta property="og:url" '
        'content="{{ SITEURL }}/{{ article.url }}">{% endif %}{% endblock %}'
    }
    settings = dict(DEVELOPMENT_SITEURLS[siteurl], FLATTR_SITEURL=SITEURL)
    output = child_site(site, tmp_path, templates, FLATTR_STRICT=True, **settings)
    # (The URL guard says it skipped the build: that is all it says.)
    assert [r.getMessage()[:32] for r in flattr_log.records] == [
        "pelican-flattr: URL guard skippe"
    ]
    (kept,) = og(page(output / "article-number-2.html"), "og:url")
    assert kept.endswith("/article-number-2.html")


def test_a_theme_og_url_of_another_page_on_a_development_build_is_reported(
    site, tmp_path, flattr_log
):
    # The site's home, as a base.html prints it on every page, is another
    # page's URL there too: said, and why, though no URL there is absolute.
    templates = {
        "article.html": '{% extends "!simple/article.html" %}{% block head %}'
        '{{ super() }}<meta property="og:url" content="{{ SITEURL }}/">'
        "{% endblock %}"
    }
    child_site(site, tmp_path, templates, SITEURL="", FLATTR_SITEURL=SITEURL)
    said = [r.getMessage() for r in flattr_log.records]
    assert len(said) == 2
    assert said[0].startswith(
        "pelican-flattr: article.html (or a template it extends or includes): the "
        "page of a2.md has an og:url of the "
        "theme's that is not its thing URL (the theme's: '/'; the thing URL: "
        f"'{SITEURL}/article-number-2.html'): it is not the page's URL under this "
        "development build's SITEURL either, so it names another page (the "
        "site's home?); the plugin adds no second one"
    )


# A theme's og:url that is the page's path, as {{ article.url }} prints it
# (or "/" before it): relative on every build, the published one too. On a
# development build it was said to name "another page (the site's home?)";
# under RELATIVE_URLS, to be built on SITEURL, which it is not.
OWN_PATH_BUILDS = {
    **{f"development, {name}": (name, "") for name in DEVELOPMENT_SITEURLS},
    "development, local, /": ("local", "/"),
    "published": (None, ""),
    "published, RELATIVE_URLS": ("relative", None),
}


@pytest.mark.parametrize("case", list(OWN_PATH_BUILDS))
def test_a_theme_og_url_that_is_the_pages_path_is_reported_as_relative(
    site, tmp_path, flattr_log, case
):
    development, slash = OWN_PATH_BUILDS[case]
    if development is None:
        settings = {}
    elif slash is None:  # published, RELATIVE_URLS on
        settings, slash = {"RELATIVE_URLS": True}, ""
    else:
        settings = dict(DEVELOPMENT_SITEURLS[development], FLATTR_SITEURL=SITEURL)
    templates = {
        "article.html": '{% extends "!simple/article.html" %}{% block head %}'
        f'{{{{ super() }}}}<meta property="og:url" content="{slash}'
        '{{ article.url }}">{% endblock %}'
    }
    output = child_site(site, tmp_path, templates, **settings)
    said = next(
        r.getMessage()
        for r in flattr_log.records
        if "og:url of the theme's" in r.getMessage()
    )
    assert (
        f"(the theme's: '{slash}article-number-2.html'; the thing URL: "
        f"'{SITEURL}/article-number-2.html'): og:url must be an absolute URL, "
        "with its scheme (https://…); the plugin adds no second one" in said
    )
    assert audit_command(["audit", str(output)]) == 1


# load.js held back until a visitor consents, as docs/privacy.md has a
# theme write it for a consent manager: inert (type="text/plain"), its URL
# in src (Cookiebot) or data-src (Klaro), made a running script on consent.
HELD_BACK = {
    manager: documented_block(
        "docs/privacy.md",
        f"<!-- {manager}: Flattr's load.js, once the visitor {what} -->",
    )
    for manager, what in [
        ("Cookiebot", "accepts marketing"),
        ("Klaro", "accepts the flattr service"),
    ]
}


def named_loaders(soup):
    """The <script>s of a page that name load.js, held back or not."""
    return [
        s
        for s in soup.find_all("script")
        if "load.js" in (s.get("src") or s.get("data-src") or "")
    ]


@pytest.mark.parametrize("script", ["", SCRIPT], ids=["injected", "flattr_script"])
@pytest.mark.parametrize("manager", list(HELD_BACK))
def test_a_loader_held_back_for_consent_is_the_pages_loader(
    site, tmp_path, manager, script
):
    # A page that added its own running load.js beside the held-back one
    # sent the visitor's IP address to a third party before any consent.
    # (docs/privacy.md, "Embedded buttons and visitors")
    templates = in_content(
        "article.html", "{{ flattr_button(article) }}" + HELD_BACK[manager] + script
    )
    output = child_site(site, tmp_path, templates, FLATTR_BUTTON="js")
    found = named_loaders(page(output / "article-number-0.html"))
    assert [each.get("type") for each in found] == ["text/plain"]
    assert audit_command(["audit", str(output)]) == 0


def test_a_loader_held_back_for_consent_is_not_missing_without_inject(
    site, tmp_path, flattr_log
):
    # FLATTR_INJECT off: the build said the template printed no
    # flattr_script(), and its pages went without load.js.
    templates = in_content(
        "article.html", "{{ flattr_button(article) }}" + HELD_BACK["Klaro"]
    )
    child_site(site, tmp_path, templates, FLATTR_BUTTON="js", FLATTR_INJECT=False)
    said = [r.getMessage() for r in flattr_log.records]
    assert said, "the template prints no flattr_head(): said"
    assert [message for message in said if "flattr_script()" in message] == []


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        (
            "https://api.flattr.com/js/0.5/",
            "has data-src='https://api.flattr.com/js/0.5/load.js?mode=auto', "
            "not Flattr's api.flattr.com/js/0.6/load.js",
        ),
        ("http://api.flattr.com/js/0.6/", "browsers block http:"),
    ],
)
def test_a_mistyped_loader_held_back_gets_no_running_one_beside_it(
    site, tmp_path, capsys, wrong, said
):
    # The plugin added a running load.js beside it: Flattr's script loaded
    # before the visitor consented, and the audit passed. Now no button
    # shows until the copy is right, and the audit names it, and the fix
    # in the held-back copy (a running one would load before consent).
    held = HELD_BACK["Klaro"].replace("https://api.flattr.com/js/0.6/", wrong)
    templates = in_content("article.html", "{{ flattr_button(article) }}" + held)
    output = child_site(site, tmp_path, templates, FLATTR_BUTTON="js")
    found = named_loaders(page(output / "article-number-0.html"))
    assert [each.get("type") for each in found] == ["text/plain"]
    capsys.readouterr()
    assert audit_command(["audit", str(output)]) == 1
    out = capsys.readouterr().out
    assert said in out
    assert (
        'expected: data-src="https://api.flattr.com/js/0.6/load.js?mode=auto" '
        'in the <script> held back for consent (type="text/plain", without '
        "nomodule)" in out
    )


def test_a_themes_own_script_held_back_is_no_loader_of_flattrs(site, tmp_path):
    # Any script held back whose tag named "load.js" (a theme's
    # lazyload.js) passed for Flattr's: no load.js, no button, no word.
    held = (
        '<script type="text/plain" data-cookieconsent="statistics" '
        'src="/theme/js/lazyload.js"></script>'
    )
    templates = in_content("article.html", "{{ flattr_button(article) }}" + held)
    output = child_site(site, tmp_path, templates, FLATTR_BUTTON="js")
    soup = page(output / "article-number-0.html")
    sources = [s.get("src") for s in soup.find_all("script") if s.get("src")]
    assert "/theme/js/lazyload.js" in sources and LOADER_URL in sources
    assert audit_command(["audit", str(output)]) == 0
