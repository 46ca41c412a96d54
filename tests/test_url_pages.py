"""A thing URL whose path leads to no page written, as a static host serves
files: ARTICLE_URL = "posts/{slug}/" with ARTICLE_SAVE_AS =
"{slug}/index.html" gave every thing a URL that answers 404, without a
word from the build or the audit."""

import logging

import pytest
from conftest import (
    SITEURL,
    article,
    build_sample_site,
    i18n_build,
    manifest_things,
)

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.resolve import page_for_url, serves_its_page, url_for_page

AUTHORS = {"Alice": "alice_flattrs"}

# What every warning of this check says, and no other warning does.
SAID = "on a static host, which serves "


def _warnings(flattr_log) -> list[str]:
    return [
        r.getMessage()
        for r in flattr_log.records
        if r.name == "pelican_flattr" and SAID in r.getMessage()
    ]


def _page_file(title: str, **meta: str) -> str:
    lines = [f"Title: {title}", "Author: Alice"]
    lines += [f"{key}: {value}" for key, value in meta.items()]
    return "\n".join(lines) + "\n\nA page about the workshop and its members.\n"


# --- the rule, as a static host serves files ---


@pytest.mark.parametrize(
    ("url", "page", "served"),
    [
        ("a.html", "a.html", True),
        ("a/", "a/index.html", True),
        ("", "index.html", True),
        ("a", "a.html", True),
        ("a", "a/index.html", True),
        ("/posts/a/", "posts/a/index.html", True),
        ("caf%C3%A9/", "café/index.html", True),
        ("café/", "café/index.html", True),
        ("posts/a/", "a/index.html", False),
        ("a/", "a.html", False),
        ("a.html", "a/index.html", False),
        ("a/", "a/index.htm", False),
        ("a", "a/b.html", False),
        ("ab", "a.html", False),
        ("a", "aindex.html", False),
        # Dot segments, which clients resolve before they ask.
        ("./dotty/", "dotty/index.html", True),
        ("a/./b/", "a/b/index.html", True),
        ("a/../b.html", "b.html", True),
        ("a/b/..", "a/index.html", True),
        ("./dotty/", "./dotty/index.html", False),
        ("notes/python3.11", "notes/python3.11.html", True),
    ],
)
def test_which_url_leads_to_which_page(url, page, served):
    assert serves_its_page(url, page) is served


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("{slug}/", "{slug}/index.html"),
        ("/posts/{slug}/", "posts/{slug}/index.html"),
        ("", "index.html"),
        ("{slug}", "{slug}.html"),
        ("{slug}.html", "{slug}.html"),
        ("{date:%Y}/{slug}.htm", "{date:%Y}/{slug}.htm"),
        # A dot in the last part is no extension of a web page.
        ("notes/python3.11", "notes/python3.11.html"),
        ("{date:%Y.%m.%d}-{slug}", "{date:%Y.%m.%d}-{slug}.html"),
    ],
)
def test_the_page_a_url_leads_to(url, page):
    assert page_for_url(url) == page
    assert serves_its_page(url, page)


@pytest.mark.parametrize(
    ("page", "url"),
    [
        ("{slug}/index.html", "{slug}/"),
        ("index.html", ""),
        ("{slug}.html", "{slug}.html"),
        ("about-index.html", "about-index.html"),
    ],
)
def test_the_url_that_leads_to_a_page(page, url):
    assert url_for_page(page) == url
    assert serves_its_page(url, page)


# --- builds whose URLs lead to no page ---


def test_article_settings_that_disagree_are_one_warning_naming_the_fix(
    site, flattr_log
):
    # The operator's slip: every thing URL answered 404 on a static host.
    files = {f"a{n}.md": article(f"Article {n}", slug=f"a{n}") for n in range(5)}
    settings = {"ARTICLE_URL": "posts/{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html"}
    output = site(files, FLATTR_AUTHORS=AUTHORS, **settings)
    things = manifest_things(output)
    assert things["a0.md"]["url"] == f"{SITEURL}/posts/a0/"
    assert things["a0.md"]["page"] == "a0/index.html"
    assert not (output / "posts").exists()
    assert _warnings(flattr_log) == [
        "pelican-flattr: ARTICLE_URL 'posts/{slug}/' and ARTICLE_SAVE_AS "
        "'{slug}/index.html' do not lead to the same file on a static host, "
        "which serves 'posts/{slug}/' from 'posts/{slug}/index.html': the URLs "
        "of 5 articles lead where no page is written: a0.md (URL 'posts/a0/', "
        "page 'a0/index.html'), a1.md (URL 'posts/a1/', page 'a1/index.html'), "
        "a2.md (URL 'posts/a2/', page 'a2/index.html') and 2 more; so their "
        "Flattr thing URLs (as 'https://blog.example.org/posts/a0/') find no "
        "page there (HTTP 404), and a thing keeps its URL once it has "
        "flattrs. Make ARTICLE_URL and ARTICLE_SAVE_AS lead to the same file: "
        "ARTICLE_SAVE_AS = 'posts/{slug}/index.html' keeps every URL and thing "
        "URL, ARTICLE_URL = '{slug}/' keeps every page where it is"
    ]
    records = [r for r in flattr_log.records if SAID in r.getMessage()]
    assert [r.levelno for r in records] == [logging.WARNING]


@pytest.mark.parametrize(
    ("settings", "files", "starts", "fix"),
    [
        (
            {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}.html"},
            {"a.md": article("A", slug="a")},
            "ARTICLE_URL '{slug}/' and ARTICLE_SAVE_AS '{slug}.html' ",
            "ARTICLE_SAVE_AS = '{slug}/index.html' keeps every URL and thing URL, "
            "ARTICLE_URL = '{slug}.html' keeps every page where it is",
        ),
        (
            {"PAGE_URL": "{slug}/", "PAGE_SAVE_AS": "pages/{slug}/index.html"},
            {"pages/about.md": _page_file("About", slug="about")},
            "PAGE_URL '{slug}/' and PAGE_SAVE_AS 'pages/{slug}/index.html' ",
            "PAGE_SAVE_AS = '{slug}/index.html' keeps every URL and thing URL, "
            "PAGE_URL = 'pages/{slug}/' keeps every page where it is",
        ),
        (
            {
                "ARTICLE_LANG_URL": "{lang}/{slug}/",
                "ARTICLE_LANG_SAVE_AS": "{slug}-{lang}.html",
            },
            {
                "a.md": article("A", slug="a"),
                "a-de.md": article("A auf Deutsch", slug="a", lang="de"),
            },
            "ARTICLE_LANG_URL '{lang}/{slug}/' and ARTICLE_LANG_SAVE_AS "
            "'{slug}-{lang}.html' ",
            "ARTICLE_LANG_SAVE_AS = '{lang}/{slug}/index.html' keeps every URL "
            "and thing URL, ARTICLE_LANG_URL = '{slug}-{lang}.html' keeps every "
            "page where it is",
        ),
    ],
    ids=["folder saved as a file", "pages", "translations"],
)
def test_each_kind_of_settings_that_disagree_is_named(
    site, flattr_log, settings, files, starts, fix
):
    site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True, **settings)
    (warning,) = _warnings(flattr_log)
    assert warning.startswith(f"pelican-flattr: {starts}"), warning
    assert warning.endswith(fix), warning
    assert "the URL of 1 " in warning and "its Flattr thing URL 'https://" in warning


@pytest.mark.parametrize(
    ("meta", "said", "fix"),
    [
        (
            {"url": "posts/own/", "save_as": "own/index.html"},
            "its URL 'posts/own/' (from its 'URL:') does not lead to its page "
            "'own/index.html' (from its 'Save_as:')",
            "give it 'Save_as: posts/own/index.html' (which keeps its URL and "
            "thing URL) or 'URL: own/' (which keeps its page where it is)",
        ),
        (
            {"url": "own/"},
            "its URL 'own/' (from its 'URL:') does not lead to its page "
            "'own.html' (from ARTICLE_SAVE_AS)",
            "give it 'Save_as: own/index.html' (which keeps its URL and thing "
            "URL) or 'URL: own.html' (which keeps its page where it is)",
        ),
        (
            # Settings that map a URL to a file in a way of their own: the
            # check of a Save_as: without a URL: leaves them be.
            {"save_as": "specials/own.html"},
            "its URL 'posts/own.html' (from ARTICLE_URL) does not lead to its "
            "page 'specials/own.html' (from its 'Save_as:')",
            "give it 'Save_as: posts/own.html' (which keeps its URL and thing "
            "URL) or 'URL: specials/own.html' (which keeps its page where it is)",
        ),
    ],
    ids=["URL and Save_as", "URL alone", "Save_as alone"],
)
def test_a_files_own_url_or_save_as_is_named_with_its_fix(
    site, flattr_log, meta, said, fix
):
    files = {"own.md": article("Own", slug="own", **meta)}
    settings = {}
    if "url" not in meta:
        settings = {
            "ARTICLE_URL": "posts/{slug}.html",
            "ARTICLE_SAVE_AS": "{slug}.html",
        }
        # Every other article follows the settings: one line for them.
        files["other.md"] = article("Other", slug="other")
    site(files, FLATTR_AUTHORS=AUTHORS, **settings)
    own = [w for w in _warnings(flattr_log) if "own.md: " in w]
    assert len(own) == 1, _warnings(flattr_log)
    assert own[0].startswith(f"pelican-flattr: own.md: {said} {SAID}"), own[0]
    assert own[0].endswith(fix), own[0]


def test_a_long_url_is_shown_whole_in_the_fix(site, flattr_log):
    # Cut to 80 characters with "...", the line to write could not be
    # copied: a title's slug is often that long.
    slug = "why-i-moved-my-blog-from-wordpress-to-pelican-and-what-i-learned-on-the-way"
    url = f"posts/2024/{slug}/"
    files = {"long.md": article("Long", slug=slug, url=url)}
    site(files, FLATTR_AUTHORS=AUTHORS)
    (warning,) = _warnings(flattr_log)
    assert "..." not in warning
    assert f"'Save_as: {url}index.html'" in warning, warning
    assert f"'URL: {slug}.html'" in warning, warning


def test_a_save_as_from_an_entry_is_fixed_in_that_entry(site, flattr_log):
    files = {"own.md": article("Own", slug="own", url="own/")}
    site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        EXTRA_PATH_METADATA={"own.md": {"save_as": "elsewhere/own.html"}},
    )
    (warning,) = _warnings(flattr_log)
    assert "(from EXTRA_PATH_METADATA['own.md'])" in warning
    assert warning.endswith(
        "give it save_as 'own/index.html' in EXTRA_PATH_METADATA['own.md'] "
        "(which keeps its URL and thing URL) or 'URL: elsewhere/own.html' "
        "(which keeps its page where it is)"
    )


def test_many_files_whose_own_lines_disagree_alike_are_one_line(site, flattr_log):
    files = {
        f"m{n}.md": article(f"Moved {n}", slug=f"m{n}", save_as=f"old/m{n}.html")
        for n in range(7)
    }
    settings = {"ARTICLE_URL": "posts/{slug}.html", "ARTICLE_SAVE_AS": "{slug}.html"}
    site(files, FLATTR_AUTHORS=AUTHORS, **settings)
    assert _warnings(flattr_log) == [
        "pelican-flattr: the URLs of 7 articles (from ARTICLE_URL) do not "
        "lead to their pages (from their 'Save_as:' lines) on a static host, "
        "which serves a URL from the file it names, or with '.html' or "
        "'/index.html' after it (a folder's from its 'index.html'): m0.md (URL "
        "'posts/m0.html', page 'old/m0.html'), m1.md (URL 'posts/m1.html', "
        "page 'old/m1.html'), m2.md (URL 'posts/m2.html', page 'old/m2.html') "
        "and 4 more; so their Flattr thing URLs (as "
        "'https://blog.example.org/posts/m0.html') find no page there (HTTP "
        "404), and a thing keeps its URL once it has flattrs: give each a "
        "'Save_as:' line that its URL leads to, or a 'URL:' line that leads "
        "to its page"
    ]


def test_each_site_of_i18n_subsites_names_its_own_articles(tmp_path):
    # A Swedish article, in a language without a site of its own, is
    # published by every site with the main site's thing: the main site
    # names it, the languages' sites do not again.
    files = {
        "a.md": article("Hello", slug="hello"),
        "c-fr.md": article("Bonjour", slug="bonjour", lang="fr"),
        "d-sv.md": article("Hej", slug="hej", lang="sv"),
    }
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS=AUTHORS,
        I18N_SUBSITES={"de": {}, "fr": {}},
        ARTICLE_URL="posts/{slug}/",
        ARTICLE_SAVE_AS="{slug}/index.html",
        ARTICLE_LANG_URL="posts/{slug}/",
        ARTICLE_LANG_SAVE_AS="{slug}/index.html",
    )
    assert built.status == 0
    said = sorted(m for m in built.messages if SAID in m)
    assert len(said) == 3, built.messages
    lang, main, french = said
    assert main.startswith("pelican-flattr: ARTICLE_URL 'posts/{slug}/' and ")
    assert "leads where no page is written: a.md (URL 'posts/hello/'," in main
    # Not in the site's default language: its LANG_ settings.
    assert lang.startswith("pelican-flattr: ARTICLE_LANG_URL 'posts/{slug}/' and ")
    assert "leads where no page is written: d-sv.md (URL 'posts/hej/'," in lang
    assert french.startswith(
        "pelican-flattr: I18N_SUBSITES['fr']: ARTICLE_URL 'posts/{slug}/' and "
    )
    assert "leads where no page is written: c-fr.md (URL 'posts/bonjour/'," in french
    assert "'https://blog.example.org/fr/posts/bonjour/'" in french


def test_a_copy_with_the_main_sites_thing_is_named_by_the_main_site_alone(tmp_path):
    # A language's site on a domain of its own keeps the main site's
    # FLATTR_SITEURL: its copy of the Swedish article has the main site's
    # thing, whose URL is the copy's own there too.
    files = {"d-sv.md": article("Hej", slug="hej", lang="sv")}
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_SITEURL=SITEURL,
        I18N_SUBSITES={"de": {"SITEURL": "https://example.de"}},
        ARTICLE_LANG_URL="posts/{slug}/",
        ARTICLE_LANG_SAVE_AS="{slug}/index.html",
    )
    assert built.status == 0
    said = [m for m in built.messages if SAID in m]
    assert len(said) == 1, built.messages
    assert said[0].startswith("pelican-flattr: ARTICLE_LANG_URL 'posts/{slug}/' ")


def test_a_strict_build_fails_on_a_url_that_leads_to_no_page(site, flattr_log):
    files = {"a.md": article("A", slug="a")}
    settings = {"ARTICLE_URL": "posts/{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html"}
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True, **settings)
    records = [r for r in flattr_log.records if SAID in r.getMessage()]
    assert [r.levelno for r in records] == [logging.ERROR]
    (last,) = [r.getMessage() for r in flattr_log.records if r.levelname == "CRITICAL"]
    assert last.startswith("pelican-flattr: 1 problem and FLATTR_STRICT is on")


def test_a_save_as_without_a_url_is_said_once(site, flattr_log):
    # Pelican's documented home page: the check of a Save_as: without a
    # URL: says it, naming the URL: to give; not this one again.
    files = {"pages/home.md": _page_file("Welcome home", save_as="index.html")}
    site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True)
    messages = [r.getMessage() for r in flattr_log.records]
    assert sum("pages/home.md" in m for m in messages) == 1, messages
    assert not _warnings(flattr_log)


# --- URLs that lead to their pages ---


@pytest.mark.parametrize(
    "settings",
    [
        {},  # Pelican's defaults
        {"ARTICLE_URL": "posts/{slug}.html", "ARTICLE_SAVE_AS": "posts/{slug}.html"},
        {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html"},
        {"ARTICLE_URL": "{slug}", "ARTICLE_SAVE_AS": "{slug}.html"},
        {"ARTICLE_URL": "{slug}", "ARTICLE_SAVE_AS": "{slug}/index.html"},
        {"ARTICLE_URL": "/posts/{slug}/", "ARTICLE_SAVE_AS": "posts/{slug}/index.html"},
        {
            "ARTICLE_URL": "{date:%Y}/{slug}/",
            "ARTICLE_SAVE_AS": "{date:%Y}/{slug}/index.html",
            "ARTICLE_LANG_URL": "{lang}/{slug}",
            "ARTICLE_LANG_SAVE_AS": "{lang}/{slug}.html",
            "PAGE_URL": "{slug}/",
            "PAGE_SAVE_AS": "{slug}/index.html",
        },
        # Slashes that servers merge, as the page is written.
        {"ARTICLE_URL": "posts//{slug}.html", "ARTICLE_SAVE_AS": "posts//{slug}.html"},
    ],
    ids=[
        "defaults",
        "equal",
        "folders",
        "html added",
        "folder redirect",
        "rooted",
        "all",
        "double slash",
    ],
)
def test_no_warning_where_each_url_leads_to_its_page(site, flattr_log, settings):
    files = {
        "a.md": article("A", slug="a"),
        "a-de.md": article("A auf Deutsch", slug="a", lang="de"),
        "pages/about.md": _page_file("About", slug="about"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True, **settings)
    assert len(manifest_things(output)) == 3
    assert not _warnings(flattr_log)


@pytest.mark.parametrize(
    ("settings", "files"),
    [
        # A slug beyond ASCII, as Pelican keeps it in url and save_as.
        (
            {"SLUGIFY_USE_UNICODE": True, "ARTICLE_URL": "{slug}/"},
            {"c.md": article("Café crème")},
        ),
        ({"ARTICLE_URL": "{slug}/"}, {"c.md": article("Café", slug="café")}),
        # Percent-encoded in its URL, as a server decodes it.
        ({}, {"c.md": article("Café", url="caf%C3%A9/", save_as="café/index.html")}),
        ({}, {"c.md": article("Café", url="caf%C3%A9", save_as="café.html")}),
        # A URL of the site's root, written as its index.html.
        ({}, {"pages/home.md": _page_file("Home", url="", save_as="index.html")}),
        # A thing URL pinned elsewhere is the thing's, wherever the page is.
        (
            {"ARTICLE_URL": "posts/{slug}/"},
            {"p.md": article("Pinned", slug="p", flattr_url=f"{SITEURL}/p/")},
        ),
        # A link post's thing URL is its page's.
        (
            {},
            {
                "x.md": article(
                    "Cross-posted", url="https://other.example/x.html", save_as="x.html"
                )
            },
        ),
        # Asked for as "dotty/": clients resolve the dot segment.
        (
            {},
            {"d.md": article("Dotted", url="./dotty/", save_as="dotty/index.html")},
        ),
    ],
    ids=[
        "unicode slug",
        "unicode slug written",
        "escaped folder",
        "escaped html",
        "root",
        "pinned",
        "link post",
        "dot segment",
    ],
)
def test_no_warning_for_urls_that_lead_to_their_pages(
    site, flattr_log, settings, files
):
    if "ARTICLE_URL" in settings and "ARTICLE_SAVE_AS" not in settings:
        settings = {**settings, "ARTICLE_SAVE_AS": "{slug}/index.html"}
        if "p.md" in files:  # the slip itself, with every thing URL pinned
            settings["ARTICLE_SAVE_AS"] = "{slug}.html"
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True, **settings)
    things = manifest_things(output)
    assert set(things) == set(files)
    for thing in things.values():
        assert (output / thing["page"]).is_file()
    assert not _warnings(flattr_log)


def test_the_sample_site_builds_without_the_warning(tmp_path, flattr_log):
    build_sample_site(tmp_path)
    assert not _warnings(flattr_log)


def test_a_save_as_without_a_url_whose_url_is_served_is_not_warned_of(site, flattr_log):
    # The check of a Save_as: without URL: read "foo" saved as
    # "foo/index.html" as no page, where the check of every thing URL (and
    # a static host) serves it: one build said both, and a strict one
    # failed, its fix moving a thing URL that was right.
    files = {
        "foo.md": article("Foo", slug="foo", save_as="foo/index.html"),
        "pages/about.md": _page_file("About", slug="about", save_as="about/index.html"),
    }
    settings = {
        "ARTICLE_URL": "{slug}",
        "ARTICLE_SAVE_AS": "{slug}.html",
        "PAGE_URL": "{slug}",
        "PAGE_SAVE_AS": "{slug}.html",
    }
    output = site(
        files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True, FLATTR_STRICT=True, **settings
    )
    assert len(manifest_things(output)) == 2
    said = [r.getMessage() for r in flattr_log.records if r.levelno >= 30]
    assert [m for m in said if "no URL baseline" not in m] == []
