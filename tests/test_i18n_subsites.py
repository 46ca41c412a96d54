"""Multi-language sites built with the real i18n_subsites plugin.

Every build runs in a child process (``i18n_build``): i18n_subsites stays
connected to Pelican's signals for the life of a process.
"""

import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from conftest import (
    SITEURL,
    article,
    flattr_buttons,
    i18n_build,
    manifest_things,
    og,
    page_as_browsers_read_it,
    payment_links,
    remove_button,
    run_child,
    run_pelican,
)

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main as pelican_flattr
from pelican_flattr.identifiers import hash_email

ADDRESS = "bernd@example.org"
BERND = "email:" + hashlib.md5(ADDRESS.encode()).hexdigest()
AUTHORS = {"Alice": "alice", "Bernd": f"email:{ADDRESS}", "Carol": "twitter:user:id:42"}


def _page(title: str, author: str, lang: str, **meta: str) -> str:
    lines = [f"Title: {title}", f"Author: {author}", f"Lang: {lang}"]
    lines += [f"{key}: {value}" for key, value in meta.items()]
    return "\n".join(lines) + f"\n\nThe page {title}, long enough for a summary.\n"


# English (the main site), German and French: one article in all three,
# sharing a slug, each by another author; untranslated articles and pages.
FILES = {
    "hello.md": article("Hello in English", "Alice", Slug="hello", Lang="en"),
    "hallo.md": article("Hallo auf Deutsch", "Bernd", Slug="hello", Lang="de"),
    "bonjour.md": article("Bonjour en francais", "Carol", Slug="hello", Lang="fr"),
    "only.md": article("Only in English", "Carol", Lang="en"),
    "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
    "pages/about.md": _page("About us", "Alice", "en", Slug="about"),
    "pages/ueber.md": _page("Ueber uns", "Bernd", "de", Slug="about"),
    "pages/impressum.md": _page("Impressum", "Bernd", "de"),
}
SETTINGS = {
    "I18N_SUBSITES": {"de": {"SITENAME": "Beispiel"}, "fr": {}},
    "FLATTR_AUTHORS": AUTHORS,
    "FLATTR_USERNAME": "siteowner",
    "FLATTR_PAGES": True,
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "TRANSLATION_FEED_ATOM": "feeds/all-{lang}.atom.xml",
    "AUTHOR_FEED_ATOM": "feeds/{slug}.atom.xml",
}
# Each site's things: source -> (URL, owner, Flattr language).
EXPECTED = {
    "": {
        "hello.md": (f"{SITEURL}/hello.html", "alice", "en_GB"),
        "only.md": (f"{SITEURL}/only-in-english.html", "twitter:user:id:42", "en_GB"),
        "pages/about.md": (f"{SITEURL}/pages/about.html", "alice", "en_GB"),
    },
    "de": {
        "hallo.md": (f"{SITEURL}/de/hello.html", BERND, "de_DE"),
        "nur.md": (f"{SITEURL}/de/nur-auf-deutsch.html", BERND, "de_DE"),
        "pages/ueber.md": (f"{SITEURL}/de/pages/about.html", BERND, "de_DE"),
        "pages/impressum.md": (f"{SITEURL}/de/pages/impressum.html", BERND, "de_DE"),
    },
    "fr": {
        "bonjour.md": (f"{SITEURL}/fr/hello.html", "twitter:user:id:42", "fr_FR"),
    },
}


def _things(
    output: Path, name: str = "flattr-manifest.json"
) -> dict[str, tuple[str, str, str]]:
    return {
        source: (thing["url"], thing["owner"]["value"], thing["language"])
        for source, thing in manifest_things(output, name).items()
    }


def _no_url_of_two_owners(output: Path, sites) -> None:
    owners: dict[str, set[str]] = {}
    for site in sites:
        for url, owner, _ in _things(output / site).values():
            owners.setdefault(url, set()).add(owner)
    assert {url: o for url, o in owners.items() if len(o) > 1} == {}


def _holds_address(path: Path) -> bool:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":  # Pelican's content cache is gzipped
        data = gzip.decompress(data)
    return ADDRESS.encode() in data


@pytest.mark.parametrize("theme", [None, "simple"], ids=["notmyidea", "simple"])
def test_each_languages_site_has_its_own_things(tmp_path, theme, capsys):
    settings = dict(SETTINGS, THEME=theme) if theme else SETTINGS
    built = i18n_build(tmp_path, FILES, **settings)
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    for site, things in EXPECTED.items():
        assert _things(output / site) == things, site
    _no_url_of_two_owners(output, EXPECTED)

    for site, things in EXPECTED.items():
        for source, thing in manifest_things(output / site).items():
            soup = page_as_browsers_read_it(output / site / thing["page"])
            assert len(flattr_buttons(soup)) == 1, source
            (link,) = payment_links(soup)
            assert link["href"] == thing["auto_submit_url"]
            assert og(soup, "og:url") == [things[source][0]]
        # The drafts made of the other languages' articles get nothing.
        for draft in (output / site / "drafts").glob("*.html"):
            soup = page_as_browsers_read_it(draft)
            assert not flattr_buttons(soup) and not payment_links(soup), draft
        # Each entry of the site's own articles pays the entry's link.
        urls = {url for url, _, _ in things.values()}
        feeds = list((output / site / "feeds").glob("*.xml"))
        assert feeds, site
        for feed_file in feeds:
            feed = feedparser.parse(feed_file.read_bytes())
            for entry in feed.entries:
                paid = [
                    parse_qs(urlsplit(link.href).query)["url"]
                    for link in entry.links
                    if link.rel == "payment"
                ]
                assert paid == ([[entry.link]] if entry.link in urls else []), (
                    feed_file,
                    entry.link,
                )

    # Each site passes its own audit; the main site's names the others.
    for site in ("de", "fr"):
        assert pelican_flattr(["audit", str(output / site)]) == 0, site
    capsys.readouterr()
    assert pelican_flattr(["audit", str(output)]) == 0
    report = capsys.readouterr().out
    assert "de/ holds a manifest of its own" in report
    assert "fr/ holds a manifest of its own" in report

    # No address in any file of the build, nor in any log line.
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and _holds_address(p)]
    assert not [line for line in built.log if ADDRESS in line]

    # The same site again: no URL changes; and strict, it builds.
    again = i18n_build(tmp_path, FILES, **settings)
    assert (again.messages, again.status) == ([], 0)
    strict = i18n_build(tmp_path, FILES, FLATTR_STRICT=True, **settings)
    assert (strict.messages, strict.status) == ([], 0)


def test_a_languages_own_settings_are_warned_about_once(tmp_path):
    """A language's own settings in I18N_SUBSITES that the main site's
    warnings did not cover (a region Flattr lacks, a default owner hiding
    FLATTR_AUTHORS) are said, naming the language; the main site's own
    values are said once, not again by every language's site."""
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Bernd", Lang="de"),
        "salut.md": article("Salut", "Carol", Lang="fr"),
    }
    authors = {"Alice": "alice", "Bernd": "bernd", "Carol": "carol"}
    own = {"FLATTR_LANGUAGE": "de_AT", "DEFAULT_METADATA": {"flattr_owner": "alice"}}
    region = (
        "FLATTR_LANGUAGE is 'de_AT', but Flattr has no code with the region AT: "
        "things whose language Flattr has no code for get de_DE, its code for "
        "the language (an article's own lang, DEFAULT_LANG's included, comes first)"
    )
    owner = (
        "DEFAULT_METADATA['flattr_owner'] takes precedence over every "
        "FLATTR_AUTHORS entry, so every author's flattrs go to that one owner: "
        "use FLATTR_USERNAME for a fallback owner (a file's own Flattr_owner: "
        "still comes first)"
    )
    built = i18n_build(
        tmp_path, files, I18N_SUBSITES={"de": own, "fr": {}}, FLATTR_AUTHORS=authors
    )
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: I18N_SUBSITES['de']: {owner}",
            f"pelican-flattr: I18N_SUBSITES['de']: {region}",
        ],
        0,
    )
    assert _things(tmp_path / "output" / "de") == {
        "hallo.md": (f"{SITEURL}/de/hallo.html", "alice", "de_DE")
    }
    # The main site's values, which each language's site keeps: said once.
    built = i18n_build(
        tmp_path / "main",
        files,
        I18N_SUBSITES={"de": {}, "fr": {}},
        FLATTR_AUTHORS=authors,
        **own,
    )
    assert (built.messages, built.status) == (
        [f"pelican-flattr: {owner}", f"pelican-flattr: {region}"],
        0,
    )


def test_content_hidden_in_another_languages_site_gets_no_thing(tmp_path):
    # i18n_subsites hides each untranslated page in the sites of the other
    # languages (I18N_UNTRANSLATED_PAGES defaults to "hide"), and keeps a
    # hidden article in every site: still written there, but its own
    # language's site publishes it, with its thing. Another thing on the
    # hidden copy would split its flattrs, once per language.
    files = {
        "hello.md": article("Hello in English", "Alice", Lang="en"),
        "geheim.md": article("Geheim", "Bernd", Lang="de", Status="hidden"),
        "secret.md": article("Secret", "Alice", Lang="en", Status="hidden"),
        "pages/impressum.md": _page("Impressum", "Bernd", "de"),
        "pages/about.md": _page("About us", "Alice", "en"),
    }
    built = i18n_build(
        tmp_path,
        files,
        I18N_SUBSITES={"de": {}, "fr": {}},
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd"},
        FLATTR_PAGES=True,
    )
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    assert _things(output) == {
        "hello.md": (f"{SITEURL}/hello-in-english.html", "alice", "en_GB"),
        "secret.md": (f"{SITEURL}/secret.html", "alice", "en_GB"),
        "pages/about.md": (f"{SITEURL}/pages/about-us.html", "alice", "en_GB"),
    }
    assert _things(output / "de") == {
        "geheim.md": (f"{SITEURL}/de/geheim.html", "bernd", "de_DE"),
        "pages/impressum.md": (f"{SITEURL}/de/pages/impressum.html", "bernd", "de_DE"),
    }
    assert _things(output / "fr") == {}
    for copy in ("pages/impressum-de.html", "geheim-de.html", "fr/secret-en.html"):
        soup = page_as_browsers_read_it(output / copy)
        assert not flattr_buttons(soup) and not payment_links(soup), copy
    for site in ("", "de", "fr"):
        assert pelican_flattr(["audit", str(output / site)]) == 0, site


@pytest.mark.parametrize("untranslated", ["hide", "keep"])
def test_an_article_several_sites_publish_has_one_thing(tmp_path, untranslated):
    # An article in a language without a site of its own is published by
    # every site; with "keep", so is an untranslated one. Each copy's
    # button flattrs the main site's thing: a thing per copy would split
    # its flattrs.
    files = {
        "hello.md": article("Hello in English", "Alice", Lang="en"),
        "hola.md": article("Hola en espanol", "Carol", Lang="es"),
        "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
    }
    built = i18n_build(
        tmp_path,
        files,
        I18N_SUBSITES={"de": {}, "fr": {}},
        I18N_UNTRANSLATED_ARTICLES=untranslated,
        FLATTR_AUTHORS=AUTHORS,
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    main = _things(output)
    hola = main["hola.md"]
    assert hola[0] == f"{SITEURL}/hola-en-espanol-es.html"
    for site in ("de", "fr"):
        things = _things(output / site)
        assert things["hola.md"] == hola, site
        if untranslated == "keep":
            assert things["hello.md"] == main["hello.md"], site
        soup = page_as_browsers_read_it(output / site / "hola-en-espanol-es.html")
        (button,) = flattr_buttons(soup)
        assert parse_qs(urlsplit(button["href"]).query)["url"] == [hola[0]], site
    # The main site resolves first: its copy's thing is the one, also for an
    # article its own language's site publishes too ("keep").
    nur = main.get("nur.md", _things(output / "de")["nur.md"])
    assert nur[0] == (
        f"{SITEURL}/nur-auf-deutsch-de.html"
        if untranslated == "keep"
        else f"{SITEURL}/de/nur-auf-deutsch.html"
    )
    assert _things(output / "de")["nur.md"] == nur
    for site in ("", "de", "fr"):
        assert pelican_flattr(["audit", str(output / site)]) == 0, site


@pytest.mark.parametrize("untranslated", ["hide", "keep"])
def test_a_language_flattr_lacks_is_said_once_with_the_code_its_thing_has(
    tmp_path, untranslated
):
    # Every site publishes an article in Klingon, which has no site of its
    # own: each copy takes the main site's thing, in its language, en_GB.
    # Not de_DE, the German site's default, nor once per site.
    files = {
        "hello.md": article("Hello in English", "Alice", Lang="en"),
        "klingon.md": article("nuqneH", "Alice", Lang="tlh"),
        "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
    }
    built = i18n_build(
        tmp_path,
        files,
        I18N_SUBSITES={"de": {}, "fr": {}},
        I18N_UNTRANSLATED_ARTICLES=untranslated,
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd"},
    )
    assert (built.messages, built.status) == (
        [
            "pelican-flattr: Flattr has no code for language 'tlh' (first seen in "
            "klingon.md); its things use en_GB"
        ],
        0,
    )
    output = tmp_path / "output"
    for site in ("", "de", "fr"):
        assert _things(output / site)["klingon.md"][2] == "en_GB", site


def test_a_template_mistake_is_said_once_not_once_per_language(tmp_path):
    theme_templates = tmp_path / "overrides"
    theme_templates.mkdir()
    (theme_templates / "article.html").write_text(
        '{% extends "!simple/article.html" %}'
        '{% block content %}{{ flattr_head("oops") }}{{ super() }}{% endblock %}'
    )
    built = i18n_build(
        tmp_path,
        FILES,
        **dict(SETTINGS, THEME="simple"),
        THEME_TEMPLATES_OVERRIDES=[str(theme_templates)],
    )
    assert [m for m in built.messages if "flattr_head()" in m] == [
        "pelican-flattr: article.html:1: flattr_head() takes an article or page, "
        "not a str: it prints nothing there"
    ]


def test_i18n_subsites_settings_without_the_plugin_change_nothing(tmp_path):
    # I18N_SUBSITES left in the settings of a site that no longer loads
    # i18n_subsites: no other language's site is built, so the hidden
    # German article is this site's to give a thing, and a typo is said
    # before any page is written.
    from conftest import build

    files = {
        "hello.md": article("Hello in English", "Alice", Lang="en"),
        "geheim.md": article("Geheim", "Bernd", Lang="de", Status="hidden"),
    }
    settings = {
        "I18N_SUBSITES": {"de": {}},
        "FLATTR_AUTHORS": {"Alice": "alice", "Bernd": "bernd"},
    }
    output = build(tmp_path / "site", files, **settings)
    assert set(manifest_things(output)) == {"hello.md", "geheim.md"}
    typo = dict(settings, FLATTR_AUTHORS={"Alice": "alice", "Bernt": "bernd"})
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_STRICT=True, **typo)
    assert not list((tmp_path / "strict" / "output").glob("*.html"))


@pytest.mark.parametrize(
    "siteurl", ["", "https://new.example.org"], ids=["relative", "moved"]
)
def test_flattr_siteurl_takes_each_languages_site_under_its_own_path(tmp_path, siteurl):
    # FLATTR_SITEURL names the public site when SITEURL is relative, or the
    # old base of a site that moved. i18n_subsites puts each language's
    # site under SITEURL/LANG, and its things belong there too: otherwise
    # three articles by three authors that share a slug share one thing.
    built = i18n_build(
        tmp_path, FILES, **SETTINGS, SITEURL=siteurl, FLATTR_SITEURL=SITEURL
    )
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    for site, things in EXPECTED.items():
        assert _things(output / site) == things, site
    _no_url_of_two_owners(output, EXPECTED)
    for site in ("de", "fr"):
        assert pelican_flattr(["audit", str(output / site)]) == 0, site
    # An entry pays the thing of the page it links, on this site alone.
    # Under an empty SITEURL, the German feed's entry of the English
    # article links "/hello.html", and carried the German one's link.
    for site, things in EXPECTED.items():
        urls = {url for url, _, _ in things.values()}
        for feed_file in (output / site / "feeds").glob("*.xml"):
            for entry in feedparser.parse(feed_file.read_bytes()).entries:
                paid = [
                    parse_qs(urlsplit(link.href).query)["url"]
                    for link in entry.links
                    if link.rel == "payment"
                ]
                public = SITEURL + urlsplit(entry.link).path
                expected = [[public]] if public in urls else []
                assert paid == expected, (feed_file, entry.link)


def test_a_language_site_on_its_own_domain_never_shares_a_thing_url(tmp_path):
    # It keeps the main site's FLATTR_SITEURL, without a path of its own:
    # hallo.md took hello.md's URL, two owners on one thing, without a word.
    settings = {
        **SETTINGS,
        "I18N_SUBSITES": {"de": {"SITEURL": "https://example.de"}, "fr": {}},
        "FLATTR_SITEURL": SITEURL,
    }
    built = i18n_build(tmp_path, FILES, **settings)
    output = tmp_path / "output"
    said = [m for m in built.messages if "in another site of this build" in m]
    assert len(said) == 2, said  # the article and the page
    assert any(
        f"hallo.md: its thing URL {SITEURL}/hello.html is already the thing of "
        "hello.md in another site of this build (i18n_subsites)" in m
        for m in said
    ), said
    assert any("pages/ueber.md: its thing URL" in m for m in said), said
    assert "hallo.md" not in manifest_things(output / "de")
    _no_url_of_two_owners(output, ["", "de"])
    # A strict build fails on it.
    strict = i18n_build(tmp_path / "strict", FILES, **settings, FLATTR_STRICT=True)
    assert strict.status == 1


def test_a_copy_linked_to_another_articles_page_on_a_site_on_its_own_host_is_said(
    tmp_path,
):
    # i18n_subsites links a copy by path alone: at one path on two hosts,
    # the German site's copy of the English article links the German
    # article's page, and its feed entry carried Bernd's payment link under
    # Alice's title, without a word.
    files = {key: FILES[key] for key in ("hello.md", "hallo.md")}
    settings = {
        **SETTINGS,
        "FLATTR_AUTHORS": {"Alice": "alice", "Bernd": BERND},
        "I18N_SUBSITES": {
            "de": {
                "SITEURL": "https://example.de",
                "FLATTR_SITEURL": "https://example.de",
            }
        },
    }
    built = i18n_build(tmp_path, files, **settings)
    tail = (
        ". The copies' entries in this site's feeds link that page, and so "
        "carry its article's payment link, which pays that article's owner. "
        "Either the sites are on different hosts at one path, and i18n_subsites, "
        "which links another language's site by the path from this site's "
        "SITEURL to that one's, drops the host (give each language's site a path "
        "of its own, a SITEURL below the main site's, as i18n_subsites sets it "
        "by default); or a URL setting starts with '/' (ARTICLE_URL = "
        "'/posts/{slug}/'), which links every site's pages from the root (drop "
        "that '/')"
    )
    head = (
        "i18n_subsites links this site's copies of translations to the page of "
        "another article here: "
    )
    de = "pelican-flattr: I18N_SUBSITES['de']: "
    assert sorted(built.messages) == [
        f"{de}{head}hello.md (to hello.html, hallo.md's page){tail}",
        f"pelican-flattr: {head}hallo.md (to hello.html, hello.md's page){tail}",
    ]
    # Each site's feed holds both entries at one link: the link the German
    # copy's entry wrongly has is what the warning names.
    feed = feedparser.parse((tmp_path / "output/de/feeds/all.atom.xml").read_bytes())
    assert [entry.link for entry in feed.entries] == [
        "https://example.de/hello.html"
    ] * 2
    # Two sites at one host, each at its own path: nothing to say.
    apart = i18n_build(
        tmp_path / "apart", files, **{**settings, "I18N_SUBSITES": {"de": {}}}
    )
    assert apart.messages == []


def test_a_translations_url_field_is_not_taken_for_i18n_subsites_relinking(
    tmp_path, flattr_log
):
    # Without i18n_subsites, a translation whose URL field names another
    # article's page: beside the lost URL's error, the build warned that
    # "i18n_subsites links this site's copies", with two fixes for sites
    # this one does not have. Pelican sets override_url from a URL field.
    from conftest import build

    build(
        tmp_path,
        {
            "a.md": article("Hello there", "Alice"),
            "b.md": article(
                "Hallo",
                "Alice",
                Slug="hello-there",
                Lang="de",
                URL="hello-there.html",
                Save_as="hallo.html",
            ),
        },
        FLATTR_AUTHORS={"Alice": "alice"},
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    said = [record.getMessage() for record in flattr_log.records]
    assert any("b.md" in line and "hello-there.html" in line for line in said), said
    assert not any("i18n_subsites" in line for line in said), said


def test_a_url_baseline_set_for_every_site_keeps_one_per_language(tmp_path):
    # FLATTR_URL_BASELINE (an absolute path, as the README advises) reaches
    # every language's site as it is. Sharing one baseline, each site took
    # the others' things for vanished ones, on every build.
    settings = dict(SETTINGS, FLATTR_URL_BASELINE=str(tmp_path / "url-baseline.json"))
    for _ in range(2):
        built = i18n_build(tmp_path, FILES, **settings)
        assert (built.messages, built.status) == ([], 0)
    strict = i18n_build(tmp_path, FILES, **settings, FLATTR_STRICT=True)
    assert (strict.messages, strict.status) == ([], 0)
    assert sorted(p.name for p in tmp_path.glob("url-baseline*")) == [
        "url-baseline.de.json",
        "url-baseline.fr.json",
        "url-baseline.json",
    ]
    # A real change in one language is reported, once, by its own site.
    moved = dict(
        FILES, **{"nur.md": article("Nur auf Deutsch", "Bernd", Slug="nur", Lang="de")}
    )
    built = i18n_build(tmp_path, moved, **settings)
    (message,) = built.messages
    assert (
        f"nur.md: thing URL changed from {SITEURL}/de/nur-auf-deutsch.html "
        f"to {SITEURL}/de/nur.html"
    ) in message


BETA = article("Beta article title", Lang="en")
BETA_DE = article(
    "Beta article title",
    Lang="de",
    body="Noch ein Absatz mit genug Worten fuer eine Zusammenfassung hier.",
)
BETA_URL = f"{SITEURL}/beta-article-title.html"


def _baseline(root: Path, site: str) -> Path:
    """The default URL baseline of ``site`` ("" for the main site)."""
    return root / "cache" / site / "pelican-flattr" / "url-baseline.json"


def _main_baseline(root: Path) -> Path:
    return root / "cache" / "pelican-flattr" / "url-baseline.json"


def _de_baseline(root: Path) -> Path:
    return root / "cache" / "de" / "pelican-flattr" / "url-baseline.json"


def _baseline_entries(path: Path) -> list[tuple[str, str]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return [(entry["source"], entry["url"]) for entry in document["things"]]


# An English article, and a French one without a translation.
SEUL_FILES = {
    "hello.md": article("Hello in English", "Alice", Lang="en"),
    "seul.md": article("Seul en francais", "Alice", Lang="fr", Slug="seul"),
}


def test_a_language_site_added_moves_its_articles_things_and_says_so(tmp_path):
    # Without a French site the main site publishes fr.md; with one, the
    # French site does, at /fr/. The main site's guard said fr.md was
    # "still in the content folder but without a thing", and to give it its
    # thing back, which it had: at a new URL, whose flattrs start anew.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"de": {}}}
    built = i18n_build(tmp_path, SEUL_FILES, **settings)
    assert (built.messages, built.status) == ([], 0)
    old_url = _things(tmp_path / "output")["seul.md"][0]
    with_fr = {**settings, "I18N_SUBSITES": {"de": {}, "fr": {}}}
    built = i18n_build(tmp_path, {}, **with_fr)
    new_url = _things(tmp_path / "output" / "fr")["seul.md"][0]
    assert new_url == f"{SITEURL}/fr/seul.html" != old_url
    said = [m for m in built.messages if "seul.md" in m]
    assert len(said) == 1, built.messages
    assert f"seul.md: thing URL changed from {old_url} to {new_url}" in said[0]
    assert f"add 'Flattr_url: {old_url}' to seul.md" in said[0]


def _fr_baseline(root: Path) -> Path:
    return root / "cache" / "fr" / "pelican-flattr" / "url-baseline.json"


@pytest.mark.parametrize("strict", [False, True], ids=["warned", "strict"])
def test_a_language_site_added_is_silenced_by_the_pin_it_advises(tmp_path, strict):
    # The French site, without a baseline, started one from this build's
    # URLs, while the main site reported the change and kept the old URL:
    # pinned as advised, the French site warned the other way round, on
    # every build; a strict build that failed wrote the French baseline.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"de": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    old_url = _things(tmp_path / "output")["seul.md"][0]
    with_fr = {
        **settings,
        "I18N_SUBSITES": {"de": {}, "fr": {}},
        "FLATTR_STRICT": strict,
    }
    for _ in range(2):  # said until pinned
        built = i18n_build(tmp_path, {}, **with_fr)
        said = [m for m in built.messages if "seul.md" in m]
        assert len(said) == 1, built.messages
        assert f"add 'Flattr_url: {old_url}' to seul.md" in said[0]
        assert built.status == (1 if strict else 0)
        # A failed build writes no baseline; one that passes keeps the old URL.
        if strict:
            assert not _fr_baseline(tmp_path).exists()
            # The French site ran before the main site wrote its pages.
            assert any(
                "the site this one runs inside wrote no pages: its checks and URL "
                "guard did not run" in m
                for m in built.messages
            ), built.messages
        else:
            assert ("seul.md", old_url) in _baseline_entries(_fr_baseline(tmp_path))
    pinned = article(
        "Seul en francais", "Alice", Lang="fr", Slug="seul", Flattr_url=old_url
    )
    starts = []
    for files in ({"seul.md": pinned}, {}):
        built = i18n_build(tmp_path, files, **with_fr)
        # (A strict build's first that passes says the French site starts
        # its baseline.)
        said = [m for m in built.messages if "no URL baseline" not in m]
        assert (said, built.status) == ([], 0)
        starts += [m for m in built.messages if "no URL baseline" in m]
    # Said as a language's site's: it compares what the main site had.
    assert starts == (
        [
            f"pelican-flattr: no URL baseline at {_fr_baseline(tmp_path)} yet: "
            "this language's site compares only the things another site of the "
            "run published before (as that site's baseline holds them), and "
            "starts the baseline; a build that never finds it never compares: "
            "keep the file between builds, or point FLATTR_URL_BASELINE at one "
            "that is kept (a CI that does not keep CACHE_PATH never compares)"
        ]
        if strict
        else []
    )
    assert _things(tmp_path / "output" / "fr")["seul.md"][0] == old_url
    assert ("seul.md", old_url) in _baseline_entries(_fr_baseline(tmp_path))
    assert "seul.md" not in dict(_baseline_entries(_main_baseline(tmp_path)))


def test_an_article_moved_into_a_language_site_is_guarded_there(tmp_path):
    # The same with a French site that has a baseline: hello.md, English,
    # becomes French. The French site compares it with the main site's
    # entry, and the main site leaves it to the French site.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    old_url = _things(tmp_path / "output")["hello.md"][0]
    french = article("Hello in English", "Alice", Lang="fr")
    for _ in range(2):
        built = i18n_build(tmp_path, {"hello.md": french}, **settings)
        said = [m for m in built.messages if "hello.md" in m]
        assert len(said) == 1, built.messages
        assert f"hello.md: thing URL changed from {old_url} to " in said[0]
        # Its Lang moved it, not a change of SITEURL for the whole site.
        assert (
            "its language code 'fr' as a folder of its path: if hello.md's "
            in (said[0])
        )
        assert "Lang or DEFAULT_LANG changed" in said[0]
        assert "FLATTR_SITEURL" not in said[0]
    pinned = article("Hello in English", "Alice", Lang="fr", Flattr_url=old_url)
    for files in ({"hello.md": pinned}, {}):
        built = i18n_build(tmp_path, files, **settings, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)


def test_a_language_site_takes_no_history_of_the_main_sites_own_articles(tmp_path):
    # A French article new to the French site sends its guard to the main
    # site's baseline for its entries, and for them alone: it took in the
    # main site's own change of only.md too, kept its old URL in its own
    # baseline, and held only.md out of the main site's.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    only = article("Only in English", "Alice", Lang="en")
    assert i18n_build(tmp_path, {"only.md": only}, **settings).messages == []
    old_url = _things(tmp_path / "output")["only.md"][0]
    files = {
        "only.md": article("Only in English", "Alice", Lang="en", Slug="only"),
        "neu.md": article("Neu", "Alice", Lang="fr"),
    }
    built = i18n_build(tmp_path, files, **settings)
    (message,) = built.messages
    assert f"only.md: thing URL changed from {old_url} to {SITEURL}/only.html" in (
        message
    )
    assert _baseline_entries(_fr_baseline(tmp_path)) == [
        ("neu.md", f"{SITEURL}/fr/neu.html")
    ]
    assert _baseline_entries(_main_baseline(tmp_path)) == [("only.md", old_url)]


def test_an_unreadable_main_baseline_is_no_history_for_a_language_site(tmp_path):
    # The French site looks for hello.md's history in the main site's
    # baseline, damaged: the main site's own guard says so, and moves it
    # aside; the French site starts afresh, the build goes on.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    hello = article("Hello", "Alice", Lang="en", Slug="hello")
    assert i18n_build(tmp_path, {"hello.md": hello}, **settings).messages == []
    main = _main_baseline(tmp_path)
    main.write_text(main.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    french = article("Hello", "Alice", Lang="fr", Slug="hello")
    built = i18n_build(tmp_path, {"hello.md": french}, **settings)
    assert built.status == 0
    (message,) = built.messages
    assert message.startswith(f"pelican-flattr: {main}: not a readable baseline")
    assert _baseline_entries(_fr_baseline(tmp_path)) == [
        ("hello.md", f"{SITEURL}/fr/hello.html")
    ]


def test_an_article_pinned_into_a_language_site_under_another_owner_is_said(
    tmp_path,
):
    # hello.md goes French at its old URL, where the French site's own
    # FLATTR_AUTHORS gives Alice another owner: the French site, which
    # compares it with the main site's entry, says that Flattr keeps the
    # thing with the old one.
    url = f"{SITEURL}/hello.html"
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    hello = article("Hello", "Alice", Lang="en", Slug="hello")
    assert i18n_build(tmp_path, {"hello.md": hello}, **settings).messages == []
    french = article("Hello", "Alice", Lang="fr", Slug="hello", Flattr_url=url)
    own = {"fr": {"FLATTR_AUTHORS": {"Alice": "alicia"}}}
    built = i18n_build(
        tmp_path, {"hello.md": french}, **{**settings, "I18N_SUBSITES": own}
    )
    said = [m for m in built.messages if "changed owner" in m]
    assert len(said) == 1, built.messages
    changed = f"hello.md: its thing {url} changed owner from alice to 'Alice' (alicia)"
    assert changed in said[0]


def test_an_article_moved_into_a_language_site_on_a_deleted_ones_url_takes_it(
    tmp_path,
):
    # h.md goes French with the slug of g.md, a French article deleted: a
    # source of the last build (the main site's) took g.md's thing URL, and
    # its flattrs. Only the French site's own sources counted as the last
    # build's, so h.md was taken for g.md renamed, and g.md's loss unsaid.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    files = {
        "g.md": article("Gone", "Alice", Lang="fr", Slug="g"),
        "h.md": article("Here", "Alice", Lang="en", Slug="h"),
    }
    assert i18n_build(tmp_path, files, **settings).messages == []
    (tmp_path / "content" / "g.md").unlink()
    moved = {"h.md": article("Here", "Alice", Lang="fr", Slug="g")}
    built = i18n_build(tmp_path, moved, **settings)
    g_url = f"{SITEURL}/fr/g.html"
    gone, changed = sorted(built.messages)
    assert gone.startswith(
        "pelican-flattr: I18N_SUBSITES['fr']: g.md: gone from this build, and h.md "
    )
    assert f"now has its thing URL {g_url}" in gone
    assert f"h.md: thing URL changed from {SITEURL}/h.html to {g_url}" in changed


@pytest.mark.parametrize(
    "unguarded, pin",
    [("main", False), ("fr", False), ("fr", True)],
    ids=["main-unguarded", "french-unguarded", "french-unguarded-pinned"],
)
def test_an_article_moved_between_a_guarded_and_an_unguarded_site(
    tmp_path, unguarded, pin
):
    # hello.md goes French, one site's FLATTR_URL_GUARD off. The main
    # site's off: its baseline is what its guard kept when it last ran,
    # however long ago, and its guard lets nothing go, so the French site
    # starts hello.md's history afresh. The French site's off: the main
    # site says where the thing went, not that hello.md has none; and
    # nothing when it went there at its old URL.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    old_url = f"{SITEURL}/hello.html"
    hello = article("Hello", "Alice", Lang="en", Slug="hello")
    assert i18n_build(tmp_path, {"hello.md": hello}, **settings).messages == []
    if unguarded == "main":
        off = {
            "FLATTR_URL_GUARD": False,
            "I18N_SUBSITES": {"fr": {"FLATTR_URL_GUARD": True}},
        }
    else:
        off = {"I18N_SUBSITES": {"fr": {"FLATTR_URL_GUARD": False}}}
    meta = {"Flattr_url": old_url} if pin else {}
    french = article("Hello", "Alice", Lang="fr", Slug="hello", **meta)
    built = i18n_build(tmp_path, {"hello.md": french}, **{**settings, **off})
    new_url = old_url if pin else f"{SITEURL}/fr/hello.html"
    assert _things(tmp_path / "output" / "fr")["hello.md"][0] == new_url
    if unguarded == "main":
        assert (built.messages, built.status) == ([], 0)
        fr = _baseline_entries(_fr_baseline(tmp_path))
        assert fr == [("hello.md", new_url)]
    elif pin:
        assert (built.messages, built.status) == ([], 0)
    else:
        (message,) = built.messages
        assert f"hello.md: thing URL changed from {old_url} to {new_url}" in message


@pytest.mark.parametrize(
    "old, lang, new",
    [("de", "sv", ""), ("de", "en", ""), ("de", "fr", "fr"), ("fr", "de", "de")],
    ids=["no-site", "main-language", "german-to-french", "french-to-german"],
)
def test_an_article_moved_out_of_a_language_site_is_silenced_by_the_pin(
    tmp_path, old, lang, new
):
    # The reverse of the above: x.md leaves the German site for the main
    # site. The German site reported the move and kept the old URL; the
    # main site took the new URL into its own baseline, so pinned back as
    # advised, the main site warned the other way round, on every build.
    # i18n_subsites runs each language's site inside the one it built
    # before (here the German site inside the French one): between two
    # languages' sites, the site the article joins is not the main one, and
    # must leave it to the site that said the move all the same.
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"de": {}, "fr": {}},
    }
    files = {
        "a.md": article("An article", "Alice", Lang="en"),
        "x.md": article("Ein Artikel", "Alice", Lang=old),
    }
    assert i18n_build(tmp_path, files, **settings).messages == []
    old_url = _things(tmp_path / "output" / old)["x.md"][0]
    assert old_url == f"{SITEURL}/{old}/ein-artikel.html"
    moved = article("Ein Artikel", "Alice", Lang=lang)
    for _ in range(2):  # said until pinned
        built = i18n_build(tmp_path, {"x.md": moved}, **settings)
        new_url = _things(tmp_path / "output" / new)["x.md"][0]
        said = [m for m in built.messages if "x.md" in m]
        assert len(said) == 1, built.messages
        assert f"x.md: thing URL changed from {old_url} to {new_url}" in said[0]
        assert f"add 'Flattr_url: {old_url}' to x.md" in said[0]
    pinned = article("Ein Artikel", "Alice", Lang=lang, Flattr_url=old_url)
    for files in ({"x.md": pinned}, {}, {}):
        built = i18n_build(tmp_path, files, **settings, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)
    assert _things(tmp_path / "output" / new)["x.md"][0] == old_url
    assert ("x.md", old_url) in _baseline_entries(_baseline(tmp_path, new))
    assert "x.md" not in dict(_baseline_entries(_baseline(tmp_path, old)))


def test_a_url_a_language_site_took_and_let_go_stays_released_where_it_was(
    tmp_path,
):
    # hello.md goes French, its move accepted: the French site compared it
    # with the main site's entry, and released /hello.html in its own
    # baseline, where no guard ever looks at a main-site URL; the main site
    # dropped it. Bob's article at /hello.html was then a new thing, unsaid,
    # its flattrs going to Alice at Flattr.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    hello = {"hello.md": article("Hello", "Alice", Lang="en", Slug="hello")}
    assert i18n_build(tmp_path, hello, **settings).messages == []
    old_url = _things(tmp_path / "output")["hello.md"][0]
    assert old_url == f"{SITEURL}/hello.html"
    french = {"hello.md": article("Hello", "Alice", Lang="fr", Slug="hello")}
    built = i18n_build(
        tmp_path, french, **settings, FLATTR_ACCEPT_URL_CHANGES=[old_url]
    )
    assert built.status == 0
    built = i18n_build(tmp_path, {}, **settings, FLATTR_STRICT=True)
    assert (built.messages, built.status) == ([], 0)
    released = {
        "owner": "alice",
        "released": True,
        "source": "hello.md",
        "url": old_url,
    }
    main = json.loads(_main_baseline(tmp_path).read_text(encoding="utf-8"))
    assert main["things"] == [released]
    fr = json.loads(_fr_baseline(tmp_path).read_text(encoding="utf-8"))
    assert [t for t in fr["things"] if t.get("released")] == []
    bob = {"bob.md": article("Bob's hello", "Bob", Lang="en", Slug="hello")}
    both = {**settings, "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"}}
    built = i18n_build(tmp_path, bob, **both, FLATTR_STRICT=True)
    assert built.status == 1
    said = [m for m in built.messages if "bob.md" in m]
    assert len(said) == 1, built.messages
    assert f"bob.md: its thing URL {old_url} was hello.md's" in said[0]


def test_a_removed_language_s_baseline_kept_through_a_link_is_compared(tmp_path):
    # A CI keeps each baseline through a link to a folder it keeps: taken
    # for a planted link and ignored, the French site's removal passed a
    # strict build, its article's move unsaid.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    built = i18n_build(tmp_path, SEUL_FILES, **settings)
    assert (built.messages, built.status) == ([], 0)
    kept = tmp_path / "kept" / "fr" / "url-baseline.json"
    kept.parent.mkdir(parents=True)
    _fr_baseline(tmp_path).rename(kept)
    _fr_baseline(tmp_path).symlink_to(kept)
    without_fr = {**settings, "PLUGINS": ["pelican_flattr"]}
    strict = i18n_build(tmp_path, {}, **without_fr, FLATTR_STRICT=True)
    assert strict.status == 1
    assert any("seul.md: thing URL changed from" in m for m in strict.messages), (
        strict.messages
    )


@pytest.mark.parametrize("i18n_plugin", [True, False])
def test_a_language_site_removed_moves_its_articles_things_and_says_so(
    tmp_path, i18n_plugin
):
    # The other way round: the French site's seul.md goes to the main site,
    # at another URL. No build read the French site's baseline any more, so
    # the move went unsaid.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    built = i18n_build(tmp_path, SEUL_FILES, **settings)
    assert (built.messages, built.status) == ([], 0)
    old_url = _things(tmp_path / "output" / "fr")["seul.md"][0]
    assert old_url == f"{SITEURL}/fr/seul.html"
    if i18n_plugin:
        without_fr = {**settings, "I18N_SUBSITES": {"de": {}}}
    else:
        without_fr = {**settings, "PLUGINS": ["pelican_flattr"]}
    strict = i18n_build(tmp_path, {}, **without_fr, FLATTR_STRICT=True)
    assert strict.status == 1
    assert _fr_baseline(tmp_path).is_file()  # a failed build retires nothing
    # Nor leaves a manifest of its own, the German site's (written before
    # the main site failed) included: the audit refuses what the build
    # refused. (The French site's is the earlier build's: no build wrote it.)
    output = tmp_path / "output"
    assert not (output / "flattr-manifest.json").exists()
    if i18n_plugin:
        assert (output / "de" / "index.html").exists()
        assert not (output / "de" / "flattr-manifest.json").exists()
    for _ in range(2):  # said until pinned or accepted
        built = i18n_build(tmp_path, {}, **without_fr)
        new_url = _things(tmp_path / "output")["seul.md"][0]
        assert new_url == f"{SITEURL}/seul-fr.html"
        said = [m for m in built.messages if "seul.md" in m]
        assert len(said) == 1, built.messages
        assert f"seul.md: thing URL changed from {old_url} to {new_url}" in said[0]
        assert f"add 'Flattr_url: {old_url}' to seul.md" in said[0]
        # Its unresolved entry is in the main site's baseline now.
        assert not _fr_baseline(tmp_path).exists()
        assert ("seul.md", old_url) in _baseline_entries(_main_baseline(tmp_path))
    retired = _fr_baseline(tmp_path).with_name("url-baseline.json.retired")
    assert ("seul.md", old_url) in _baseline_entries(retired)
    pinned = article(
        "Seul en francais", "Alice", Lang="fr", Slug="seul", Flattr_url=old_url
    )
    built = i18n_build(tmp_path, {"seul.md": pinned}, **without_fr)
    assert (built.messages, built.status) == ([], 0)


def test_a_removed_language_sites_unreadable_baseline_is_said_and_kept(tmp_path):
    # The main site cannot say where the French site's things went: it says
    # so, and neither retires the baseline nor stops guarding its own.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    fr = _fr_baseline(tmp_path)
    damaged = fr.read_text(encoding="utf-8")[:-20]
    fr.write_text(damaged, encoding="utf-8")
    without_fr = {**settings, "PLUGINS": ["pelican_flattr"]}
    built = i18n_build(tmp_path, {}, **without_fr)
    assert built.status == 0
    (message,) = built.messages
    assert message.startswith(f"pelican-flattr: {fr}: not a readable baseline")
    assert message.endswith(
        ": the URL baseline of the language site 'fr', which this build no "
        "longer runs, so the URL guard cannot say where its things went: "
        "repair or delete it"
    )
    assert fr.read_text(encoding="utf-8") == damaged
    assert not fr.with_name("url-baseline.json.retired").exists()
    # Its own baseline written, seul.md's new URL unchecked (its old one is
    # in the baseline that could not be read).
    assert _baseline_entries(_main_baseline(tmp_path)) == [
        ("hello.md", f"{SITEURL}/hello-in-english.html"),
        ("seul.md", f"{SITEURL}/seul-fr.html"),
    ]


def test_a_removed_language_sites_baseline_stays_until_the_main_one_is_written(
    tmp_path,
):
    # The main site's new baseline keeps what is unresolved of the French
    # site's. Moved aside when the main one could not be written (a file
    # where its folder goes), the French site's baseline took seul.md's old
    # URL with it: the move was said once, then never again.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    french = _fr_baseline(tmp_path).read_bytes()
    folder = _main_baseline(tmp_path).parent
    shutil.rmtree(folder)
    folder.write_text("in the way\n", encoding="utf-8")
    without_fr = {**settings, "I18N_SUBSITES": {}}
    for blocked in (True, False):
        built = i18n_build(tmp_path, {}, **without_fr)
        assert [m for m in built.messages if "seul.md: thing URL changed" in m]
        cannot = [m for m in built.messages if "cannot keep the URL guard's" in m]
        retired = [m for m in built.messages if "'fr' is no longer built" in m]
        assert (len(cannot), len(retired)) == ((1, 0) if blocked else (0, 1))
        if blocked:
            assert _fr_baseline(tmp_path).read_bytes() == french
            folder.unlink()  # mended
    assert not _fr_baseline(tmp_path).exists()
    unresolved = ("seul.md", f"{SITEURL}/fr/seul.html")
    assert unresolved in _baseline_entries(_main_baseline(tmp_path))


def test_a_removed_language_sites_baseline_named_long_is_retired_once(tmp_path):
    # The French site's baseline named as long as a file's name may be, and
    # the first names for its retired copy taken: NAME.retired-10 was too
    # long, the main site could not move it aside, and compared it again at
    # every build. It is retired under a name cut to fit, compared once.
    stem = "u" * 237
    baseline = tmp_path / "guard" / f"{stem}.json"
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"fr": {}},
        "FLATTR_URL_BASELINE": str(baseline),
    }
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    french = baseline.with_name(f"{stem}.fr.json")
    assert len(french.name) == 245
    for taken in ["", *(f"-{n}" for n in range(2, 10))]:
        french.with_name(f"{french.name}.retired{taken}").write_text("")
    old_url = f"{SITEURL}/fr/seul.html"
    built = i18n_build(tmp_path, {}, **{**settings, "I18N_SUBSITES": {}})
    assert built.status == 0
    assert [m for m in built.messages if "seul.md: thing URL changed" in m]
    assert not [m for m in built.messages if "cannot move aside" in m]
    assert not french.exists()
    (retired,) = [
        p
        for p in baseline.parent.iterdir()
        if p.read_text().startswith("{") and p != baseline
    ]
    assert len(retired.name.encode()) <= 255 and ".retired" in retired.name
    seul = [e for e in _baseline_entries(baseline) if e[0] == "seul.md"]
    assert seul == [("seul.md", old_url)]
    # Compared once: the next build says the change again from the main
    # site's baseline alone.
    again = i18n_build(tmp_path, {}, **{**settings, "I18N_SUBSITES": {}})
    assert [m for m in again.messages if "'fr' is no longer built" in m] == []
    assert [e for e in _baseline_entries(baseline) if e[0] == "seul.md"] == seul


def test_a_removed_language_sites_baseline_that_cannot_be_moved_is_compared_again(
    tmp_path,
):
    # Moving it aside may fail (here: an immutable file, which root cannot
    # rename either): the build goes on, says so, and the next build
    # compares it again, rather than lose what it holds.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    french = _fr_baseline(tmp_path)
    kept = french.read_bytes()
    if (
        not shutil.which("chattr")
        or subprocess.run(["chattr", "+i", french], capture_output=True).returncode
    ):
        pytest.skip("chattr +i is not allowed here")
    without_fr = {**settings, "I18N_SUBSITES": {}}
    try:
        built = i18n_build(tmp_path, {}, **without_fr)
    finally:
        subprocess.run(["chattr", "-i", french], check=True)
    assert built.status == 0
    (said,) = [m for m in built.messages if "cannot move aside" in m]
    assert said.startswith(
        f"pelican-flattr: cannot move aside {french}, the URL baseline of the "
        "language site 'fr', which this build no longer runs ("
    ), said
    assert said.endswith("): the next build compares it again"), said
    assert [m for m in built.messages if "seul.md: thing URL changed" in m]
    assert not [m for m in built.messages if "'fr' is no longer built" in m]
    assert french.read_bytes() == kept
    again = i18n_build(tmp_path, {}, **without_fr)
    assert [m for m in again.messages if "'fr' is no longer built" in m]
    assert not french.exists()


def test_a_language_site_put_back_is_no_change(tmp_path):
    # Its old entry waits in the main site's baseline; the French site
    # publishes seul.md at that URL again, which is no change.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    gone = i18n_build(tmp_path, {}, **{**settings, "I18N_SUBSITES": {}})
    assert [m for m in gone.messages if "seul.md" in m]
    for _ in range(2):  # (the first says the French site starts a baseline)
        back = i18n_build(tmp_path, {}, **settings, FLATTR_STRICT=True)
        assert back.status == 0
        assert not [m for m in back.messages if "seul.md" in m], back.messages


def test_an_unchanged_build_rewrites_no_baseline(tmp_path):
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    baselines = (_main_baseline(tmp_path), _fr_baseline(tmp_path))
    before = [(path.stat().st_ino, path.stat().st_mtime_ns) for path in baselines]
    assert i18n_build(tmp_path, {}, **settings).messages == []
    after = [(path.stat().st_ino, path.stat().st_mtime_ns) for path in baselines]
    assert after == before


def test_a_language_site_without_the_plugin_leaves_the_others_guarded(tmp_path):
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"de": {"PLUGINS": ["i18n_subsites"]}, "fr": {}},
    }
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    without_fr = {**settings, "I18N_SUBSITES": {"de": {"PLUGINS": ["i18n_subsites"]}}}
    built = i18n_build(tmp_path, {}, **without_fr, FLATTR_STRICT=True)
    assert built.status == 1
    assert [m for m in built.messages if "seul.md: thing URL changed" in m]


# Three runs in one process, as under pelican --autoreload: the second fails
# in the French site, and i18n_subsites then skips that site in the third.
_RETRY_CHILD = """
import json, logging, sys
from pathlib import Path
tests, folder, request = sys.argv[1:]
sys.path.insert(0, tests)
from conftest import build
messages = []
handler = logging.Handler(logging.WARNING)
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("pelican_flattr").addHandler(handler)
files, good, broken = json.loads(request)
build(Path(folder), files, **good)
try:
    build(Path(folder), {}, **broken)
except Exception:
    pass
messages.clear()
build(Path(folder), {}, **good)
print(json.dumps(messages))
"""


def test_a_language_still_set_but_not_built_is_not_taken_for_removed(tmp_path):
    good = {
        "PLUGINS": ["i18n_subsites", "pelican_flattr"],
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"de": {}, "fr": {}},
    }
    broken = {**good, "I18N_SUBSITES": {"de": {}, "fr": {"THEME": "/nonexistent"}}}
    messages = run_child(_RETRY_CHILD, tmp_path, [SEUL_FILES, good, broken])
    assert not [m for m in messages if "seul.md" in m or "'fr'" in m], messages
    assert _fr_baseline(tmp_path).is_file()


def test_a_language_site_with_refused_settings_leaves_the_others_alone(tmp_path):
    # Its baseline's path is unknown: no other is taken for a removed one's.
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"de": {}, "fr": {}},
    }
    assert i18n_build(tmp_path, SEUL_FILES, **settings).status == 0
    refused = {**settings, "I18N_SUBSITES": {"de": {"FLATTR_CATEGORY": "bogus"}}}
    built = i18n_build(tmp_path, {}, **refused)
    assert [m for m in built.messages if "FLATTR_CATEGORY" in m]
    assert not [m for m in built.messages if "seul.md" in m]
    assert _fr_baseline(tmp_path).is_file()


def test_a_baseline_beside_the_main_one_is_compared_when_its_language_goes(
    tmp_path,
):
    # FLATTR_URL_BASELINE set for every site: each language's beside the
    # main one, named for its language. Another build's baseline there (a
    # copy the operator keeps) is no language site's, and is left alone.
    baseline = tmp_path / "guard" / "urls.json"
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"fr": {}},
        "FLATTR_URL_BASELINE": str(baseline),
    }
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    french = baseline.with_name("urls.fr.json")
    assert _baseline_entries(french) == [("seul.md", f"{SITEURL}/fr/seul.html")]
    copy = baseline.with_name("urls.old.json")
    copy.write_bytes(baseline.read_bytes().replace(b"hello.html", b"gone.html"))
    built = i18n_build(tmp_path, {}, **{**settings, "I18N_SUBSITES": {}})
    said = [m for m in built.messages if "thing URL" in m]
    assert len(said) == 1 and "seul.md: thing URL changed" in said[0], said
    assert not french.exists() and copy.is_file()


def test_a_thing_shared_with_the_main_site_is_guarded_there_only(tmp_path):
    # With "keep", the German site publishes the untranslated b.md with the
    # main site's thing, and shows its button: its manifest lists it. Its
    # URL guard kept it in its baseline too, so once b.md was translated the
    # German site found b.md without a thing and called the main site's
    # thing orphaned, on every build (a failed build with FLATTR_STRICT).
    settings = {"FLATTR_USERNAME": "site", "I18N_UNTRANSLATED_ARTICLES": "keep"}
    built = i18n_build(tmp_path, {"b.md": BETA}, **settings)
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    assert _things(output / "de") == {"b.md": (BETA_URL, "site", "en_GB")}

    # A real change of the shared thing is reported once: by the main site,
    # which has the thing.
    moved = article("Beta article title", Lang="en", Slug="beta")
    built = i18n_build(tmp_path, {"b.md": moved}, **settings)
    (message,) = built.messages
    assert f"b.md: thing URL changed from {BETA_URL} to {SITEURL}/beta.html" in (
        message
    )
    assert _things(output / "de")["b.md"][0] == f"{SITEURL}/beta.html"

    # The old slug back (which resolves the change), and b.md translated.
    translated = {"b.md": BETA, "b-de.md": BETA_DE}
    for strict in (False, True):
        built = i18n_build(tmp_path, translated, **settings, FLATTR_STRICT=strict)
        assert (built.messages, built.status) == ([], 0)
    de_url = f"{SITEURL}/de/beta-article-title.html"
    assert _things(output / "de") == {"b-de.md": (de_url, "site", "de_DE")}
    # The German site's baseline holds its own things only.
    assert _baseline_entries(_main_baseline(tmp_path)) == [("b.md", BETA_URL)]
    assert _baseline_entries(_de_baseline(tmp_path)) == [("b-de.md", de_url)]


def test_a_shared_thing_an_earlier_baseline_holds_is_let_go(tmp_path):
    # A language's baseline written before shared things were kept out of
    # it holds the main site's thing: let go without a word while the main
    # site has that exact thing, as the German site's own things are kept.
    settings = {"FLATTR_USERNAME": "site", "I18N_UNTRANSLATED_ARTICLES": "keep"}
    de_url = f"{SITEURL}/de/beta-article-title.html"
    files = {"b.md": BETA, "b-de.md": BETA_DE}
    assert i18n_build(tmp_path, files, **settings).messages == []
    de_baseline = _de_baseline(tmp_path)
    assert _baseline_entries(de_baseline) == [("b-de.md", de_url)]
    de_baseline.write_text(
        json.dumps(
            {
                "baseline_version": 1,
                "things": [
                    {"owner": "site", "source": "b.md", "url": BETA_URL},
                    {"owner": "site", "source": "b-de.md", "url": de_url},
                ],
            }
        ),
        encoding="utf-8",
    )
    built = i18n_build(tmp_path, files, **settings, FLATTR_STRICT=True)
    assert (built.messages, built.status) == ([], 0)
    assert _baseline_entries(de_baseline) == [("b-de.md", de_url)]

    # Each site still guards its own thing, and only its own.
    moved = {
        "b.md": article("Beta article title", Lang="en", Slug="beta"),
        "b-de.md": article("Beta article title", Lang="de", Slug="beta"),
    }
    built = i18n_build(tmp_path, moved, **settings)
    expected = [
        f"b-de.md: thing URL changed from {de_url} to {SITEURL}/de/beta.html",
        f"b.md: thing URL changed from {BETA_URL} to {SITEURL}/beta.html",
    ]
    assert len(built.messages) == 2
    for change in expected:
        assert [m for m in built.messages if change in m] != [], change


def test_a_failed_strict_build_keeps_each_sites_manifest_beside_its_baseline(
    tmp_path,
):
    # A language's site whose URL guard fails the build keeps its manifest
    # beside its own baseline, for the diff command its summary gives.
    settings = {"FLATTR_USERNAME": "site", "I18N_UNTRANSLATED_ARTICLES": "keep"}
    files = {"b.md": BETA, "b-de.md": BETA_DE}
    assert i18n_build(tmp_path, files, **settings).messages == []
    moved = {
        "b.md": article("Beta article title", Lang="en", Slug="beta"),
        "b-de.md": article("Beta article title", Lang="de", Slug="beta"),
    }
    built = i18n_build(tmp_path, moved, **settings, FLATTR_STRICT=True)
    # The German site, built first, fails the run: the main site writes no
    # pages, and keeps nothing.
    assert built.status == 1
    kept = _de_baseline(tmp_path).with_name("url-baseline.failed-build-manifest.json")
    assert list(tmp_path.rglob("*failed-build*")) == [kept]
    assert _things(kept.parent, kept.name) == {
        "b-de.md": (f"{SITEURL}/de/beta.html", "site", "de_DE")
    }


def test_a_language_sites_failed_build_keeps_no_manifest_in_the_main_output(
    tmp_path,
):
    # A baseline in the main site's output (DELETE_OUTPUT_DIRECTORY off):
    # the German site's copy would lie beside the main site's manifest,
    # which a failed language site leaves in place, and be published.
    settings = {
        "FLATTR_USERNAME": "site",
        "I18N_UNTRANSLATED_ARTICLES": "keep",
        "FLATTR_URL_BASELINE": str(tmp_path / "output" / "url-baseline.json"),
    }
    files = {"b.md": BETA, "b-de.md": BETA_DE}
    assert i18n_build(tmp_path, files, **settings).messages == []
    moved = {"b-de.md": article("Beta article title", Lang="de", Slug="beta")}
    built = i18n_build(tmp_path, moved, **settings, FLATTR_STRICT=True)
    assert built.status == 1
    assert (tmp_path / "output" / "url-baseline.de.json").is_file()
    assert list(tmp_path.rglob("*failed-build*")) == []


def test_a_manifest_set_for_every_site_keeps_one_per_language(tmp_path, capsys):
    # FLATTR_MANIFEST as an absolute path reaches every language's site as
    # it is: each wrote the same file, and the last one's stood for all.
    manifest = tmp_path / "manifest.json"
    built = i18n_build(tmp_path, FILES, **SETTINGS, FLATTR_MANIFEST=str(manifest))
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    for lang, expected in EXPECTED.items():
        path = manifest.with_name(f"manifest.{lang}.json") if lang else manifest
        things = manifest_things(path.parent, path.name)
        assert set(things) == set(expected), lang
        if lang:  # the main site's audit would read theirs as its own pages
            audited = ["audit", str(output / lang), "--manifest", str(path)]
            assert pelican_flattr(audited) == 0
    capsys.readouterr()


def test_languages_manifests_beside_the_main_one_are_no_leftovers(tmp_path, capsys):
    # An absolute FLATTR_MANIFEST inside the output: each language's site
    # writes its own beside it (manifest.de.json), which the main site's
    # audit took for manifests an earlier build left, to be deleted.
    output = tmp_path / "output"
    manifest = output / "manifest.json"
    built = i18n_build(tmp_path, FILES, **SETTINGS, FLATTR_MANIFEST=str(manifest))
    assert (built.messages, built.status) == ([], 0)
    assert (output / "manifest.de.json").is_file()

    def audited() -> dict:
        capsys.readouterr()
        pelican_flattr(["audit", str(output), "--manifest", str(manifest), "--json"])
        return json.loads(capsys.readouterr().out)

    def leftovers() -> list[str]:
        return [
            p["file"]
            for p in audited()["problems"]
            if p["problem"].startswith("is a manifest other than the one audited")
        ]

    # The languages' folders hold no manifest of their own here: each
    # manifest's siteurl (…/de) names its folder, another site's (their
    # pages were read as the main site's, each button "unknown").
    report = audited()
    assert (report["exit_status"], report["problems"]) == (0, [])
    assert report["other_sites"] == ["de", "fr"]
    assert leftovers() == []
    # A manifest of another name there is still one to report, and so is a
    # copy kept aside under a name that only looks like a language's.
    for name in ("things.json", "manifest.old.json", "manifest.bak.json"):
        (output / name).write_bytes((output / "manifest.de.json").read_bytes())
    assert leftovers() == ["manifest.bak.json", "manifest.old.json", "things.json"]


def test_a_manifest_in_a_subfolder_keeps_each_languages_site_apart(tmp_path, capsys):
    # A relative FLATTR_MANIFEST in a subfolder puts each language's manifest
    # there in its own output folder (de/feeds/flattr-manifest.json). The
    # main site's audit took de/ for its own pages, and only de/feeds/ for
    # another site: every button of de/ and fr/ was "unknown" to it.
    relative = "feeds/flattr-manifest.json"
    built = i18n_build(tmp_path, FILES, **SETTINGS, FLATTR_MANIFEST=relative)
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    for site, things in EXPECTED.items():
        assert _things(output / site / "feeds") == things, site
    manifests = {output / site / relative for site in EXPECTED}
    assert set(output.rglob("flattr-manifest*.json")) == manifests
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"FLATTR_MANIFEST = {relative!r}\nFLATTR_AUTHORS = {AUTHORS!r}\n")
    capsys.readouterr()

    # The main site: its own things and pages only; each language's site
    # named, with the command that audits it.
    for how in (["--settings", str(conf)], ["--manifest", str(output / relative)]):
        assert pelican_flattr(["audit", str(output), "--json", *how]) == 0, how
        report = json.loads(capsys.readouterr().out)
        assert (report["problems"], report["other_sites"]) == ([], ["de", "fr"])
        assert report["other_site_manifests"] == {"de": relative, "fr": relative}
        assert report["things"] == len(EXPECTED[""])
    # A manifest left at the default path by an earlier build, in de/: the
    # one at the path audited is de's own, and the command names it.
    leftover = output / "de" / "flattr-manifest.json"
    leftover.write_bytes((output / "de" / relative).read_bytes())
    assert pelican_flattr(["audit", str(output), "--settings", str(conf)]) == 0
    said = capsys.readouterr().out
    for site in ("de", "fr"):
        assert (
            f"{site}/ holds a manifest of its own: it is another site's output. "
            "This audit checks it only for the owners' addresses, which no file "
            "may publish. To check the rest, audit it on its own: pelican-flattr "
            f"audit {output / site} --manifest {output / site / relative} "
            f"--settings {conf}"
        ) in said
    assert (
        pelican_flattr(["audit", str(output), "--json", "--settings", str(conf)]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["other_site_manifests"] == {"de": relative, "fr": relative}
    leftover.unlink()
    # Each language's site passes its own audit, by either option.
    for site in ("de", "fr"):
        own = output / site
        assert pelican_flattr(["audit", str(own), "--settings", str(conf)]) == 0
        audited = ["audit", str(own), "--manifest", str(own / relative)]
        assert pelican_flattr(audited) == 0
    capsys.readouterr()

    # Still the main site's own: a page of it that lost its button.
    page = output / "hello.html"
    # (No link left: one to the auto-submit URL is a button whatever its
    # class.)
    button = '<a class="flattr-button'
    page.write_text(page.read_text().replace(button, "<span" + button[2:]))
    assert pelican_flattr(["audit", str(output), "--settings", str(conf)]) == 1
    assert "hello.html" in capsys.readouterr().out


def test_refused_settings_remove_every_languages_earlier_manifest(tmp_path):
    # Each language's site removes its own, where it wrote it: named for its
    # language beside the one FLATTR_MANIFEST sets.
    manifest = tmp_path / "manifest.json"
    settings = dict(SETTINGS, FLATTR_MANIFEST=str(manifest))
    assert i18n_build(tmp_path, FILES, **settings).status == 0
    paths = [manifest.with_name(f"manifest.{lang}.json") for lang in ("de", "fr")]
    paths.append(manifest)
    assert all(path.is_file() for path in paths)
    built = i18n_build(tmp_path, FILES, **dict(settings, SITEURL=""))
    assert built.status == 0
    assert not [path for path in paths if path.exists()]
    said = [m for m in built.messages if "removed the manifest" in m]
    assert sorted(said) == sorted(
        f"pelican-flattr: removed the manifest of an earlier build: {path}, "
        "since this build made no things"
        for path in paths
    )


def test_refused_main_settings_leave_each_language_its_own_manifest(tmp_path):
    # The main site's settings refused, its languages' own ones usable: the
    # main site keeps its path (it removes its earlier manifest there, after
    # the languages' sites have run), so each language writes its own
    # beside it, as always. Taking the free path, both languages wrote the
    # one file, and the main site then removed it as an earlier build's.
    manifest = tmp_path / "manifest.json"
    settings = dict(SETTINGS, FLATTR_MANIFEST=str(manifest))
    assert i18n_build(tmp_path, FILES, **settings).status == 0
    languages = {lang: manifest.with_name(f"manifest.{lang}.json") for lang in EXPECTED}
    languages.pop("")
    for path in languages.values():
        path.unlink()
    own = {"de": {"SITENAME": "Beispiel", "FLATTR_BUTTON": "plain"}}
    own["fr"] = {"FLATTR_BUTTON": "plain"}
    refused = dict(settings, FLATTR_BUTTON="huge", I18N_SUBSITES=own)
    built = i18n_build(tmp_path, FILES, **refused)
    assert built.status == 0
    assert not manifest.exists()
    for lang, path in languages.items():
        assert _things(path.parent, path.name) == EXPECTED[lang], lang
    assert [m for m in built.messages if "removed the manifest" in m] == [
        f"pelican-flattr: removed the manifest of an earlier build: {manifest}, "
        "since this build made no things"
    ]


# Said once by a main site whose settings are refused, when i18n_subsites
# builds languages' sites: those that take the refused values say nothing.
NO_BUTTONS_ON_THE_MAIN_SITE = (
    "pelican-flattr: no Flattr buttons on the main site, nor on a language's "
    "site that takes the refused values from it (see above)"
)


def test_a_settings_mistake_is_said_once_not_once_per_language(tmp_path):
    built = i18n_build(tmp_path, FILES, **SETTINGS, FLATTR_CATEGORY="bogus")
    assert built.status == 0
    (mistake,) = [m for m in built.messages if "FLATTR_CATEGORY" in m]
    assert mistake.startswith("pelican-flattr: settings: FLATTR_CATEGORY")
    assert built.messages == [mistake, NO_BUTTONS_ON_THE_MAIN_SITE]
    # The main site's SITEURL, below which i18n_subsites puts each
    # language's: the main site's mistake, said by it alone.
    built = i18n_build(tmp_path / "siteurl", FILES, **dict(SETTINGS, SITEURL=""))
    assert built.status == 0
    (mistake,) = [m for m in built.messages if "SITEURL" in m]
    assert mistake.startswith("pelican-flattr: settings: SITEURL is ''")
    assert built.messages.count(NO_BUTTONS_ON_THE_MAIN_SITE) == 1
    assert not [m for m in built.messages if "no Flattr buttons" in m][1:]


def test_a_main_site_refused_says_a_language_that_mends_it_has_buttons(tmp_path):
    """A language whose own settings mend the main site's refused value
    builds its buttons: "no Flattr buttons this build" was untrue. One that
    takes the value from the main site goes without, as the message says."""
    # German maps its own authors only: the main site's (Alice), whose
    # settings were refused, are never compared with its content.
    own = {"FLATTR_CATEGORY": "text", "FLATTR_AUTHORS": {"Bernd": AUTHORS["Bernd"]}}
    languages = {"de": {"SITENAME": "Beispiel", **own}, "fr": {}}
    settings = dict(SETTINGS, FLATTR_CATEGORY="bogus", I18N_SUBSITES=languages)
    built = i18n_build(tmp_path, FILES, **settings)
    assert (built.messages, built.status) == (
        [
            "pelican-flattr: settings: FLATTR_CATEGORY is 'bogus'; choose one of "
            "text, images, video, audio, software, people, rest",
            NO_BUTTONS_ON_THE_MAIN_SITE,
        ],
        0,
    )
    output = tmp_path / "output"
    assert _things(output / "de") == EXPECTED["de"]
    hallo = page_as_browsers_read_it(output / "de" / "hello.html")
    assert len(flattr_buttons(hallo)) == 1
    for site, page in (("", "hello.html"), ("fr", "hello.html")):
        assert not (output / site / "flattr-manifest.json").exists(), site
        assert flattr_buttons(page_as_browsers_read_it(output / site / page)) == []
    # I18N_SUBSITES without the plugin builds no languages' sites: the main
    # site's is the whole build.
    alone = dict(settings, PLUGINS=["pelican_flattr"])
    built = i18n_build(tmp_path / "alone", FILES, **alone)
    assert built.messages[1:] == [
        "pelican-flattr: no Flattr buttons this build (see above)"
    ]


@pytest.mark.parametrize(
    "own, problem",
    [
        (
            {"FLATTR_BUTTON": "JS"},
            "FLATTR_BUTTON is 'JS'; choose one of plain, js, compact",
        ),
        (
            {"FLATTR_LANGUAGE": ""},
            "FLATTR_LANGUAGE must be a language code such as en_GB, de_DE or "
            "sv_SE, not '' (None leaves it to DEFAULT_LANG)",
        ),
    ],
    ids=["button", "language"],
)
def test_a_languages_own_settings_mistake_names_the_language(tmp_path, own, problem):
    """An operator reading the main site's settings finds nothing wrong:
    the message names the language whose own value it is, and says that
    its site alone goes without buttons."""
    languages = {"de": {"SITENAME": "Beispiel", **own}, "fr": {}}
    settings = dict(SETTINGS, I18N_SUBSITES=languages)
    built = i18n_build(tmp_path, FILES, **settings)
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: settings: I18N_SUBSITES['de']: {problem}",
            "pelican-flattr: I18N_SUBSITES['de']: no Flattr buttons on this "
            "language's site (see above)",
        ],
        0,
    )
    output = tmp_path / "output"
    for site in ("", "fr"):
        assert _things(output / site) == EXPECTED[site], site
    assert not (output / "de" / "flattr-manifest.json").exists()
    assert flattr_buttons(page_as_browsers_read_it(output / "de" / "hello.html")) == []
    # The same value in the main site's settings: said once, by it.
    built = i18n_build(tmp_path / "main", FILES, **dict(SETTINGS, **own))
    assert built.messages == [
        f"pelican-flattr: settings: {problem}",
        NO_BUTTONS_ON_THE_MAIN_SITE,
    ]
    # A strict build still fails for it.
    strict = i18n_build(tmp_path / "strict", FILES, **settings, FLATTR_STRICT=True)
    assert strict.status == 1
    assert f"pelican-flattr: settings: I18N_SUBSITES['de']: {problem}" in (
        strict.messages
    )


def test_an_address_in_a_languages_own_settings_stays_out_of_the_cache(tmp_path):
    # A language's site may map its own authors (its settings in
    # I18N_SUBSITES). Pelican pickles every site's settings, I18N_SUBSITES
    # included, with each article it caches.
    built = i18n_build(
        tmp_path,
        {
            "hello.md": article("Hello in English", "Alice", Lang="en"),
            "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
        },
        I18N_SUBSITES={"de": {"FLATTR_AUTHORS": {"Bernd": f"email:{ADDRESS}"}}},
        FLATTR_AUTHORS={"Alice": "alice"},
        CACHE_CONTENT=True,
        LOAD_CONTENT_CACHE=True,
    )
    assert (built.messages, built.status) == ([], 0)
    assert manifest_things(tmp_path / "output" / "de")["nur.md"]["owner"] == {
        "kind": "email",
        "value": BERND,
    }
    assert list((tmp_path / "cache").rglob("*Readers"))
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and _holds_address(p)]
    assert not [line for line in built.log if ADDRESS in line]


def test_a_problem_of_a_file_two_sites_publish_is_said_once(tmp_path):
    # French has no site: the main site and German's both publish the
    # French articles. Each file's problem is said once in the run, by the
    # site that said it first, and German's count is of its own files, not
    # a group of six whose text the main site never said.
    files = {
        f"{lang}{n}.md": article(
            f"{lang} {n}", "Alice", Lang=lang, flattr_category="foo", Slug=f"{lang}{n}"
        )
        for lang, count in (("en", 2), ("fr", 2), ("de", 4))
        for n in range(count)
    }
    built = i18n_build(
        tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"}, I18N_SUBSITES={"de": {}}
    )
    said = [m for m in built.messages if "flattr_category" in m]
    assert sorted(m.split(":")[1].strip() for m in said) == sorted(files), said


def test_a_strict_build_stops_before_publishing_an_author_named_by_address(tmp_path):
    # Said with the unknown keys, which wait for every language's site, the
    # warning came once Pelican had written every page of the run with the
    # address in it (the author's name), and only then failed the build.
    address = "carol@example.org"
    files = {
        "hello.md": article("Hello", address, Lang="en"),
        "hallo.md": article("Hallo", address, Lang="de"),
    }
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={address: f"email:{address}"},
        FLATTR_STRICT=True,
    )
    assert built.status == 1
    assert [m for m in built.messages if "names an author by" in m] == [
        "pelican-flattr: FLATTR_AUTHORS['[address]'] names an author by the "
        f"address of their email owner (email:{hash_email(address)}; in "
        "hello.md), and Pelican prints author names on the pages and feeds it "
        "writes: the "
        "address is published all the same. Name the author otherwise in the "
        "content's Author field (and in this key)"
    ]
    written = [p for p in (tmp_path / "output").rglob("*.html")]
    assert written == []


def test_a_languages_own_author_key_that_names_nobody_names_the_language(tmp_path):
    # Only the languages' own settings map Bob, whom no content names: the
    # main site's FLATTR_AUTHORS, where the message sent the operator, has
    # no such key.
    bob = {"FLATTR_AUTHORS": {**AUTHORS, "Bob": "bob"}}
    languages = {"de": {"SITENAME": "Beispiel", **bob}, "fr": bob}
    unknown = (
        "FLATTR_AUTHORS['Bob'] names no author of this site (by name or slug); "
        "check its spelling, or remove it if the author has no content left"
    )
    settings = dict(SETTINGS, I18N_SUBSITES=languages)
    built = i18n_build(tmp_path, FILES, **settings)
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: I18N_SUBSITES['de'] {unknown}",
            f"pelican-flattr: I18N_SUBSITES['fr'] {unknown}",
        ],
        0,
    )
    # The main site's key, which its languages' sites keep: named as ever.
    built = i18n_build(tmp_path / "main", FILES, **dict(SETTINGS, **bob))
    assert (built.messages, built.status) == ([f"pelican-flattr: {unknown}"], 0)
    strict = i18n_build(tmp_path / "strict", FILES, **settings, FLATTR_STRICT=True)
    assert strict.status == 1
    assert f"pelican-flattr: I18N_SUBSITES['de'] {unknown}" in strict.messages


def test_a_misspelt_key_is_told_the_author_only_a_languages_site_has(tmp_path):
    # Dieter writes in German alone, and the main site, which says the
    # warning, does not hold his article even as a draft: the name the key
    # most likely meant comes from the German site.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Dieter Dorn", Lang="de"),
    }
    authors = {"Alice": "alice", "Dieter Doorn": "dieter"}
    settings = dict(
        SETTINGS, FLATTR_AUTHORS=authors, I18N_UNTRANSLATED_ARTICLES="remove"
    )
    built = i18n_build(tmp_path, files, **settings)
    assert [m for m in built.messages if "names no author" in m] == [
        "pelican-flattr: FLATTR_AUTHORS['Dieter Doorn'] names no author of this "
        "site (by name or slug); check its spelling (did you mean 'Dieter "
        "Dorn'?), or remove it if the author has no content left"
    ]


def test_a_languages_own_unusable_author_entry_names_the_language(tmp_path):
    # Said with each article of the author, the entry was named as the main
    # site's, FLATTR_AUTHORS['Bob'], which the main site's settings lack.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Bob", Lang="de"),
    }
    bad = {"Alice": "alice", "Bob": "not an owner!"}
    unusable = (
        "FLATTR_AUTHORS['Bob'] 'not an owner!' is not a valid Flattr username "
        "(letters, digits, '_', '-' and '.', at most 64 characters)"
    )
    languages = {"de": {"FLATTR_AUTHORS": bad}}
    built = i18n_build(
        tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"}, I18N_SUBSITES=languages
    )
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: settings: I18N_SUBSITES['de']: {unusable}",
            "pelican-flattr: hallo.md: author 'Bob' has an unusable entry: "
            f"I18N_SUBSITES['de'] {unusable}; it gets no Flattr button",
        ],
        0,
    )
    # The language's own value for a key the main site maps otherwise.
    built = i18n_build(
        tmp_path / "other",
        files,
        FLATTR_AUTHORS={"Alice": "alice", "Bob": "bob"},
        I18N_SUBSITES=languages,
    )
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: settings: I18N_SUBSITES['de']: {unusable}",
            "pelican-flattr: hallo.md: author 'Bob' has an unusable entry: "
            f"I18N_SUBSITES['de'] {unusable}; it gets no Flattr button",
        ],
        0,
    )
    # The main site's entry, which the language's site takes: named as ever.
    built = i18n_build(tmp_path / "main", files, FLATTR_AUTHORS=bad)
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: settings: {unusable}",
            "pelican-flattr: hallo.md: author 'Bob' has an unusable entry: "
            f"{unusable}; it gets no Flattr button",
        ],
        0,
    )


def test_a_languages_own_author_entries_are_named_with_the_language(tmp_path):
    # Two keys of one author, and a key that is its email owner's address:
    # warned about as the language's site attaches its things, they were
    # named as the main site's, whose settings lack them.
    address = "carol@example.org"
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Bob", Lang="de"),
        "carol.md": article("Carol", address, Lang="de"),
    }
    own = {"Alice": "alice", "Bob": "bob", "bob": "robert", address: "carol"}
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        I18N_SUBSITES={"de": {"FLATTR_AUTHORS": own}},
    )
    bob, other_bob = (
        f"I18N_SUBSITES['de'] FLATTR_AUTHORS[{k!r}]" for k in ("Bob", "bob")
    )
    assert (built.messages, built.status) == (
        [
            f"pelican-flattr: {bob} and {other_bob} name one author, as Pelican "
            "takes author names with one slug for one author; an article takes "
            f"the key that is its author's name as written, else {other_bob}, so "
            f"this site's content takes {bob} and ignores {other_bob}: keep one "
            "key per author"
        ],
        0,
    )
    own = {"Alice": "alice", address: f"email:{address}"}
    built = i18n_build(
        tmp_path / "address",
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        I18N_SUBSITES={"de": {"FLATTR_AUTHORS": own}},
    )
    assert [m for m in built.messages if "names an author by" in m] == [
        "pelican-flattr: I18N_SUBSITES['de'] FLATTR_AUTHORS['[address]'] names an "
        "author by the address of their email owner "
        f"(email:{hash_email(address)}; in carol.md), and Pelican prints author "
        "names on the pages and feeds it writes: the "
        "address is published all the same. Name the author otherwise in the "
        "content's Author field (and in this key)"
    ]


def test_the_authors_of_a_refused_main_site_are_no_misspelt_keys(tmp_path):
    # The main site, its settings refused, checks no FLATTR_AUTHORS keys;
    # German, whose own value mends them, checks the main site's keys
    # against its own content, which Alice (who writes only in English)
    # is no author of: her key was called misspelt.
    languages = {"de": {"SITENAME": "Beispiel", "FLATTR_CATEGORY": "text"}, "fr": {}}
    # Dora writes nothing anywhere: her key is still said.
    authors = dict(AUTHORS, Dora="dora")
    settings = dict(
        SETTINGS,
        FLATTR_CATEGORY="bogus",
        FLATTR_AUTHORS=authors,
        I18N_SUBSITES=languages,
    )
    built = i18n_build(tmp_path, FILES, **settings)
    assert (built.messages, built.status) == (
        [
            "pelican-flattr: settings: FLATTR_CATEGORY is 'bogus'; choose one of "
            "text, images, video, audio, software, people, rest",
            NO_BUTTONS_ON_THE_MAIN_SITE,
            "pelican-flattr: FLATTR_AUTHORS['Dora'] names no author of this site "
            "(by name or slug); check its spelling, or remove it if the author "
            "has no content left",
        ],
        0,
    )
    assert _things(tmp_path / "output" / "de") == EXPECTED["de"]
    # A key that spells Alice otherwise, with her slug, is hers all the same.
    authors = {"ALICE": "alice", "Bernd": AUTHORS["Bernd"]}
    built = i18n_build(
        tmp_path / "slug", FILES, **dict(settings, FLATTR_AUTHORS=authors)
    )
    assert not [m for m in built.messages if "names no author" in m]


def _german_refused(tmp_path, hello: str, authors: dict[str, str]):
    """A run whose German site's own value is refused, and whose main site
    removes the untranslated German article: Bernd's, who writes only in
    German."""
    files = {
        "hello.md": hello,
        "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
    }
    return i18n_build(
        tmp_path,
        files,
        I18N_SUBSITES={"de": {"FLATTR_CATEGORY": "bogus"}},
        I18N_UNTRANSLATED_ARTICLES="remove",
        FLATTR_AUTHORS=authors,
    )


def test_the_authors_of_a_refused_languages_site_are_no_misspelt_keys(tmp_path):
    # The other way round: German's own value refused, the main site checks
    # the keys alone. Carol writes nothing anywhere.
    hello = article("Hello", "Alice", Lang="en")
    built = _german_refused(tmp_path, hello, AUTHORS)
    assert (built.messages, built.status) == (
        [
            "pelican-flattr: settings: I18N_SUBSITES['de']: FLATTR_CATEGORY is "
            "'bogus'; choose one of text, images, video, audio, software, "
            "people, rest",
            "pelican-flattr: I18N_SUBSITES['de']: no Flattr buttons on this "
            "language's site (see above)",
            "pelican-flattr: FLATTR_AUTHORS['Carol'] names no author of this site "
            "(by name or slug); check its spelling, or remove it if the author "
            "has no content left",
        ],
        0,
    )


def test_a_refused_languages_site_alone_naming_authors_leaves_each_key_checked(
    tmp_path,
):
    # Only the German site, its settings refused, has content that names an
    # author: the run's content names authors, so Carol's key is a typo to
    # check, not a sign that no content names any.
    hello = "Title: Hello\nDate: 2024-03-01\nLang: en\n\nNobody's.\n"
    authors = {key: AUTHORS[key] for key in ("Bernd", "Carol")}
    built = _german_refused(tmp_path, hello, authors)
    said = [m for m in built.messages if m.startswith("pelican-flattr: FLATTR_AUTHORS")]
    assert said == [
        "pelican-flattr: FLATTR_AUTHORS['Carol'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if the author "
        "has no content left",
    ]


# How a message said by the German site for itself starts.
DE_SITE = "I18N_SUBSITES['de']: "
FR_SITE = "I18N_SUBSITES['fr']: "


def _no_owner(source: str, author: str, mapping: str, site: str = "") -> str:
    return (
        f"pelican-flattr: {site}{source} has no Flattr owner ({author!r}: not in "
        f"{mapping}, no 'flattr_owner' metadata, and FLATTR_USERNAME is not set); "
        "no Flattr button"
    )


def test_a_languages_own_authors_mapping_is_named_for_an_author_it_lacks(tmp_path):
    # German's own FLATTR_AUTHORS replaces the main site's, which maps Alice:
    # "not in FLATTR_AUTHORS" sent the operator to the main site's settings,
    # where she is.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "alt.md": article("Alt auf Deutsch", "Alice", Lang="de"),
        "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
    }
    main = {"Alice": "alice", "Bernd": "bernd"}
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS=main,
        I18N_SUBSITES={"de": {"FLATTR_AUTHORS": {"Bernd": "bernd"}}},
    )
    assert (built.messages, built.status) == (
        [_no_owner("alt.md", "Alice", "I18N_SUBSITES['de'] FLATTR_AUTHORS", DE_SITE)],
        0,
    )
    # Many authors without an owner share one line, which names it so too.
    many = {
        f"viel{n}.md": article(f"Viel {n}", f"Autor {n}", Lang="de") for n in range(6)
    }
    authors = {f"Autor {n}": f"autor{n}" for n in range(6)}
    built = i18n_build(
        tmp_path / "many",
        {**files, **many},
        FLATTR_AUTHORS={**main, **authors},
        I18N_SUBSITES={"de": {"FLATTR_AUTHORS": {"Bernd": "bernd"}}},
    )
    (line,) = built.messages
    assert line.startswith(
        f"pelican-flattr: {DE_SITE}7 articles by 7 authors have no Flattr "
    )
    assert "(none of their authors in I18N_SUBSITES['de'] FLATTR_AUTHORS, no " in line
    # The main site's mapping, which the language's site takes, or sets to
    # the same value: named as ever.
    for languages in ({"de": {}}, {"de": {"FLATTR_AUTHORS": {"Bernd": "bernd"}}}):
        built = i18n_build(
            tmp_path / "main",
            files,
            FLATTR_AUTHORS={"Bernd": "bernd"},
            I18N_SUBSITES=languages,
        )
        assert (built.messages, built.status) == (
            [
                _no_owner("hello.md", "Alice", "FLATTR_AUTHORS"),
                _no_owner("alt.md", "Alice", "FLATTR_AUTHORS", DE_SITE),
            ],
            0,
        )


def test_each_sites_line_for_many_authors_without_an_owner_names_its_site(
    tmp_path,
):
    # Six authors without an owner on the main site and six on the German
    # one, both with the main site's FLATTR_AUTHORS: each site says one
    # line for all of them. The two read alike but for the files; the
    # German site's names its site, as its other messages do.
    files = {}
    for n in range(6):
        files[f"en{n}.md"] = article(f"Hello {n}", f"Author {n}", Lang="en")
        files[f"de{n}.md"] = article(f"Hallo {n}", f"Autor {n}", Lang="de")
    built = i18n_build(
        tmp_path, files, FLATTR_AUTHORS={"Nobody": "nobody"}, I18N_SUBSITES={"de": {}}
    )
    lines = [m for m in built.messages if "have no Flattr owner" in m]
    many = (
        "6 articles by 6 authors have no Flattr owner (none of their authors in "
        "FLATTR_AUTHORS, no 'flattr_owner' metadata, and FLATTR_USERNAME is not "
        "set); "
    )
    assert [line.partition("no Flattr button: ")[0] for line in lines] == [
        f"pelican-flattr: {many}",
        f"pelican-flattr: {DE_SITE}{many}",
    ]
    assert lines[1].endswith("and 1 article by others: 'Autor 5': 1 (de5.md)")


def _rebuilt_without(
    folder: Path,
    files: dict[str, str],
    gone: str,
    second: dict | None = None,
    **settings,
):
    """A first build of ``files``, then one after ``gone`` is deleted, with
    ``second`` added to its settings: the second build's messages and
    status."""
    i18n_build(folder, files, **settings)
    (folder / "content" / gone).unlink()
    files = {name: text for name, text in files.items() if name != gone}
    return i18n_build(folder, files, **settings, **(second or {}))


def test_an_author_gone_from_a_languages_site_is_no_misspelt_key(tmp_path):
    # Bob writes in German only: his things are in the German site's
    # baseline alone, which the main site's check of the keys never read,
    # and which the German site's guard has rewritten by then. Deleted on
    # purpose, his content made his key a typo, which fails a strict build.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Bob", Lang="de"),
        "tag.md": article("Guten Tag", "Alice", Lang="de"),
    }
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
        "FLATTR_STRICT": True,
        "FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/de/hallo.html"],
    }
    gone_for_good = (
        "pelican-flattr: FLATTR_AUTHORS['Bob'] names no author of this site "
        "any more: the last build the URL guard recorded gave its owner 1 thing that "
        "this build "
        "lacks (deleted, or failed to read); remove the key once the "
        "author's content is deleted permanently"
    )
    built = _rebuilt_without(tmp_path, files, "hallo.md", **settings)
    assert (built.messages, built.status) == ([gone_for_good], 0)
    # A development build skips the guards, and the German baseline is as
    # the last build left it.
    local = {"SITEURL": "http://localhost:8000"}
    built = _rebuilt_without(tmp_path / "local", files, "hallo.md", local, **settings)
    assert (built.messages, built.status) == ([gone_for_good], 0)
    # A language's own key is named with its language.
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "I18N_SUBSITES": {"de": {"FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"}}},
        "FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/de/hallo.html"],
    }
    built = _rebuilt_without(tmp_path / "own", files, "hallo.md", **settings)
    assert (built.messages, built.status) == (
        [
            "pelican-flattr: I18N_SUBSITES['de'] FLATTR_AUTHORS['Bob'] names no "
            "author of this site any more: the last build the URL guard recorded gave "
            "its owner 1 thing "
            "that this build lacks (deleted, or failed to read); remove the key "
            "once the author's content is deleted permanently"
        ],
        0,
    )


# Bob's only article in a folder only the German site reads.
BOB_IN_GERMAN = {
    "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
    "ARTICLE_EXCLUDES": ["de"],
    "I18N_SUBSITES": {"de": {"ARTICLE_EXCLUDES": []}},
}


def _bobs_german_article_by(tmp_path, author, **settings):
    """Build Bob's German article, then again by ``author``: the build."""
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "de/hallo.md": article("Hallo", "Bob", Lang="de"),
    }
    i18n_build(tmp_path, files, **BOB_IN_GERMAN)
    files["de/hallo.md"] = article("Hallo", author, Lang="de")
    return i18n_build(tmp_path, files, **BOB_IN_GERMAN, **settings)


def test_an_author_renamed_on_a_languages_site_is_said_renamed(tmp_path):
    # The file is found among the German site's contents, not the main
    # site's.
    built = _bobs_german_article_by(tmp_path, "Robert")
    renamed = [m for m in built.messages if "FLATTR_AUTHORS['Bob']" in m]
    assert renamed == [
        "pelican-flattr: FLATTR_AUTHORS['Bob'] names no author of this site any "
        "more, but the last build the URL guard recorded gave its owner 1 thing whose "
        "source file this "
        "build still reads, now by 'Robert', without a thing: if the author was "
        "renamed, or the key misspelt since, make the key match"
    ]


def test_an_article_given_to_another_author_on_a_languages_site_is_said(tmp_path):
    # Given to Alice: found among the German site's contents and things
    # (its guard has rewritten its baseline by then), Bob's key is no
    # misspelling that fails a strict build.
    built = _bobs_german_article_by(tmp_path, "Alice", FLATTR_STRICT=True)
    assert built.status == 0, built.messages
    assert [m for m in built.messages if "FLATTR_AUTHORS['Bob']" in m] == [
        "pelican-flattr: FLATTR_AUTHORS['Bob'] names no author of this site any "
        "more: the last build the URL guard recorded gave its owner 1 thing whose "
        "source file is by "
        "another author now (de/hallo.md, now by 'Alice'; the URL guard warns of "
        "the owner change); unless the change is a mistake, remove the key: "
        "once a build passes, its baseline gives the owner nothing, and the key "
        "is taken for a misspelt one"
    ]
    assert [m for m in built.messages if "changed owner from" in m]


def test_a_url_taken_while_unresolved_is_not_released_as_the_takers(tmp_path):
    # Bob's bob.md took /hello.html from Alice's deleted hello.md: said,
    # and kept in the main site's baseline as waiting there (the URL is
    # still hello.md's, whose thing Flattr keeps with Alice). bob.md then
    # went French, /hello.html accepted. Released as bob.md's too, the URL
    # was Bob's in the baseline, and Carol's article there later was said
    # to take Bob's flattrs as well, which Flattr never had there.
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob", "Carol": "carol"},
        "I18N_SUBSITES": {"fr": {}},
    }
    url = f"{SITEURL}/hello.html"
    hello = article("Hello", "Alice", Lang="en", Slug="hello")
    i18n_build(tmp_path, {"hello.md": hello}, **settings)
    (tmp_path / "content" / "hello.md").unlink()
    bob = {"bob.md": article("Bob's hello", "Bob", Lang="en", Slug="hello")}
    built = i18n_build(tmp_path, bob, **settings)
    assert [m for m in built.messages if "bob.md now has its thing URL" in m]
    main = json.loads(_main_baseline(tmp_path).read_text(encoding="utf-8"))
    assert {"owner": "bob", "source": "bob.md", "unresolved": True, "url": url} in (
        main["things"]
    )
    french = {"bob.md": article("Bob's hello", "Bob", Lang="fr", Slug="hello")}
    built = i18n_build(tmp_path, french, **settings, FLATTR_ACCEPT_URL_CHANGES=[url])
    assert built.status == 0
    assert not [m for m in built.messages if "bob.md" in m], built.messages
    main = json.loads(_main_baseline(tmp_path).read_text(encoding="utf-8"))
    assert main["things"] == [
        {"owner": "alice", "released": True, "source": "hello.md", "url": url}
    ]
    assert _baseline_entries(_fr_baseline(tmp_path)) == [
        ("bob.md", f"{SITEURL}/fr/hello.html")
    ]
    carol = {"carol.md": article("Carol's hello", "Carol", Lang="en", Slug="hello")}
    built = i18n_build(tmp_path, carol, **settings)
    said = [m for m in built.messages if "carol.md" in m]
    assert len(said) == 1, built.messages
    assert f"carol.md: its thing URL {url} was hello.md's, owned by alice" in said[0]


def test_a_url_taken_while_unresolved_is_no_history_of_the_taker(tmp_path):
    # bob.md took /hello.html from Alice's deleted hello.md, unresolved:
    # the main site's baseline keeps it as waiting there. bob.md then went
    # French. The French site took that entry for bob.md's own old URL, and
    # advised pinning it back: Bob's article on Alice's thing again. Only
    # hello.md's thing, orphaned, is said.
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
        "I18N_SUBSITES": {"fr": {}},
    }
    hello = article("Hello", "Alice", Lang="en", Slug="hello")
    i18n_build(tmp_path, {"hello.md": hello}, **settings)
    (tmp_path / "content" / "hello.md").unlink()
    bob = article("Bob's hello", "Bob", Lang="en", Slug="hello")
    built = i18n_build(tmp_path, {"bob.md": bob}, **settings)
    assert [m for m in built.messages if "bob.md now has its thing URL" in m]
    french = article("Bob's hello", "Bob", Lang="fr", Slug="hello")
    built = i18n_build(tmp_path, {"bob.md": french}, **settings)
    said = [m for m in built.messages if "thing URL" in m or "thing http" in m]
    assert len(said) == 1, built.messages
    assert said[0].startswith(
        f"pelican-flattr: hello.md: gone from this build, so its thing {SITEURL}"
        "/hello.html is orphaned"
    )


ALICE_AND_BOB = {
    "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
    "I18N_SUBSITES": {"fr": {}},
}
# Bob's main-site article with 'Lang: en' (the French site has no copy of
# it), or without a Lang: (the French site shows it on a copy, with the
# main site's thing).
BOB_LANG = pytest.mark.parametrize(
    "bob_lang", [{"Lang": "en"}, {}], ids=["main-site-only", "copy-in-french-site"]
)


def _alice_moved_to_french(tmp_path: Path) -> str:
    """Build Alice's hello.md on the main site, then French, its move
    unresolved: the French site keeps the old URL, returned."""
    url = f"{SITEURL}/hello.html"
    hello = article("Hello", "Alice", Slug="hello")
    i18n_build(tmp_path, {"hello.md": hello}, **ALICE_AND_BOB)
    french = article("Bonjour", "Alice", Lang="fr")
    built = i18n_build(tmp_path, {"hello.md": french}, **ALICE_AND_BOB)
    assert [m for m in built.messages if f"hello.md: thing URL changed from {url}" in m]
    assert ("hello.md", url) in _baseline_entries(_fr_baseline(tmp_path))
    return url


def _bob_takes(tmp_path: Path, url: str, bob_lang: dict, strict: bool) -> str:
    """Build Bob's main-site article at ``url``: a strict build fails; the
    one message that names the URL."""
    bob = {"other.md": article("Other", "Bob", Slug="hello", **bob_lang)}
    built = i18n_build(tmp_path, bob, **ALICE_AND_BOB, FLATTR_STRICT=strict)
    assert built.status == (1 if strict else 0)
    said = [m for m in built.messages if url in m]
    assert len(said) == 1, built.messages
    return said[0]


@pytest.mark.parametrize("resolve", ["pin", "accept"])
@BOB_LANG
def test_a_url_a_language_site_keeps_taken_by_a_main_site_article_is_said(
    tmp_path, bob_lang, resolve
):
    # Alice's hello.md went French, its move unresolved: the French site
    # keeps /hello.html in its baseline. Bob's new main-site article then
    # took the URL, whose thing Flattr keeps with Alice. Compared with the
    # French site's things only, the takeover went unsaid and the warning
    # advised pinning /hello.html back, a second thing at one URL; where
    # the French site shows Bob's article on a copy (it names no Lang:),
    # it said Bob's readers' flattrs go to his thing. The main site has no
    # entry of the URL. Said once, as a URL taken within one site is, by
    # the site that keeps it.
    url = _alice_moved_to_french(tmp_path)
    for strict in (False, True):  # said until resolved; a strict build fails
        said = _bob_takes(tmp_path, url, bob_lang, strict)
        assert (
            f"and other.md now has its old thing URL {url}, owned by alice in the "
            "last build, and by bob now; but Flattr keeps the owner a thing was "
            "created with, so a thing already flattred there takes the flattrs of "
            "other.md to alice"
        ) in said
        assert (
            f"Fix: to keep its flattrs with hello.md, give other.md another slug "
            f"and add 'Flattr_url: {url}' to hello.md. If the flattrs of other.md "
            f"are meant to go to alice, add {url} to FLATTR_ACCEPT_URL_CHANGES "
            "for one build"
        ) in said
        # Nothing let go meanwhile: the French site keeps Alice's URL, and
        # Bob's entry waits there (his giving it up is no change of his).
        assert ("hello.md", url) in _baseline_entries(_fr_baseline(tmp_path))
        main = json.loads(_main_baseline(tmp_path).read_text(encoding="utf-8"))
        assert main["things"] == [
            {"owner": "bob", "source": "other.md", "unresolved": True, "url": url}
        ]
    if resolve == "pin":  # as advised: both halves
        files = {
            "other.md": article("Other", "Bob", Slug="other", **bob_lang),
            "hello.md": article("Bonjour", "Alice", Lang="fr", Flattr_url=url),
        }
        built = i18n_build(tmp_path, files, **ALICE_AND_BOB)
        assert (built.messages, built.status) == ([], 0)
        assert _things(tmp_path / "output" / "fr")["hello.md"][0] == url
    else:
        built = i18n_build(
            tmp_path, {}, **ALICE_AND_BOB, FLATTR_ACCEPT_URL_CHANGES=[url]
        )
        said = [m for m in built.messages if "permanently" in m]
        assert len(said) == 1, built.messages
        assert "so this build gives the URL to other.md permanently" in said[0]
        # The URL is Bob's for good: neither site keeps it for Alice.
        assert ("hello.md", url) not in _baseline_entries(_fr_baseline(tmp_path))
        main = json.loads(_main_baseline(tmp_path).read_text(encoding="utf-8"))
        assert main["things"] == [{"owner": "bob", "source": "other.md", "url": url}]
    built = i18n_build(tmp_path, {}, **ALICE_AND_BOB, FLATTR_STRICT=True)
    assert (built.messages, built.status) == ([], 0)


@BOB_LANG
def test_a_move_and_a_takeover_in_one_build_are_said_once(tmp_path, bob_lang):
    # Alice's hello.md went French as Bob's new main-site article took its
    # URL, in one build: the main site, whose baseline had Alice's entry
    # at the URL, also said the thing there changed owner, advising to give
    # it back to alice, against the French site's advice (Bob's article
    # another slug), and that its baseline took the new owner, which it
    # does not: Bob's entry waits there.
    url = f"{SITEURL}/hello.html"
    hello = article("Hello", "Alice", Slug="hello")
    i18n_build(tmp_path, {"hello.md": hello}, **ALICE_AND_BOB)
    files = {
        "hello.md": article("Bonjour", "Alice", Lang="fr"),
        "other.md": article("Other", "Bob", Slug="hello", **bob_lang),
    }
    built = i18n_build(tmp_path, files, **ALICE_AND_BOB)
    said = [m for m in built.messages if url in m]
    assert len(said) == 1, built.messages
    assert f"and other.md now has its old thing URL {url}, owned by alice" in said[0]
    assert ("hello.md", url) in _baseline_entries(_fr_baseline(tmp_path))
    main = json.loads(_main_baseline(tmp_path).read_text(encoding="utf-8"))
    assert main["things"] == [
        {"owner": "bob", "source": "other.md", "unresolved": True, "url": url}
    ]


@BOB_LANG
def test_a_url_a_language_site_keeps_taken_once_its_article_is_deleted_is_said(
    tmp_path, bob_lang
):
    # The same, hello.md deleted as Bob's article takes its URL. Where the
    # French site shows Bob's article, its thing was taken for hello.md's,
    # moved (a new source with the URL, its owner unknown there): nothing
    # said, the URL let go, and Bob's readers' flattrs went to Alice.
    url = _alice_moved_to_french(tmp_path)
    (tmp_path / "content" / "hello.md").unlink()
    for strict in (False, True):
        said = _bob_takes(tmp_path, url, bob_lang, strict)
        assert (
            f"hello.md: gone from this build, and other.md now has its thing URL "
            f"{url}, owned by alice in the last build, and by bob now"
        ) in said
        assert (
            "Fix: give other.md another thing URL (change its slug, or pin it "
            "another URL with a Flattr_url: line), or, if its flattrs are meant "
            f"to go to alice, add {url} to FLATTR_ACCEPT_URL_CHANGES for one build"
        ) in said
        assert ("hello.md", url) in _baseline_entries(_fr_baseline(tmp_path))


def _takes_from_outer(
    tmp_path: Path,
    url: str,
    taker: dict[str, str],
    settings: dict,
    said: str,
    *,
    by: str,
) -> None:
    """Build ``taker`` (a file of a site built inside the one that keeps
    ``url`` for another source) until it is said: once, ``said`` in it,
    by the keeping site (``by``, its ``I18N_SUBSITES['fr']`` or "" for the
    main site), and a strict build fails. The URL stays kept, and the
    taker's entry waits at it in its own site's baseline."""
    ((source, _),) = taker.items()
    for strict in (False, True):
        built = i18n_build(tmp_path, taker, **settings, FLATTR_STRICT=strict)
        assert built.status == (1 if strict else 0)
        named = [m for m in built.messages if url in m]
        assert len(named) == 1, built.messages
        assert said in named[0]
        # Named by the site whose FLATTR_ACCEPT_URL_CHANGES resolves it,
        # not the taker's: an acceptance there alone does nothing.
        assert named[0].startswith(f"pelican-flattr: {by}"), named[0]
        assert named[0].startswith("pelican-flattr: I18N_SUBSITES[") == bool(by)
    waiting = {"owner": "bob", "source": source, "unresolved": True, "url": url}
    for site in ("", "fr", "de"):
        baseline = _baseline(tmp_path, site)
        if baseline.exists():
            things = json.loads(baseline.read_text(encoding="utf-8"))["things"]
            if any(thing["source"] == source for thing in things):
                assert waiting in things, site


THREE_SITES = {
    "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
    "I18N_SUBSITES": {"de": {}, "fr": {}},
}


@pytest.mark.parametrize("resolve", ["pin", "accept", "accept-where-kept"])
def test_a_url_a_language_site_keeps_taken_by_a_site_built_inside_it_is_said(
    tmp_path, resolve
):
    # Alice's hello.md went French, its move unresolved: the French site
    # keeps /hello.html. Bob's German hallo.md then took it (pinned). The
    # German site, built inside the French one, wrote its baseline before
    # the French site said the takeover: its entry at /hello.html was
    # plain, so giving hallo.md another URL, as advised, was said there as
    # hallo.md's URL change, until accepted; and with the other half of the
    # advice (hello.md pinned back) as hello.md taking hallo.md's URL, its
    # entry in the French baseline marked waiting: an entry never compared,
    # so that hello.md leaving /hello.html later went unsaid, the URL gone
    # from every baseline.
    url = _german_takes_what_french_keeps(tmp_path)
    assert ("hello.md", url) in _baseline_entries(_fr_baseline(tmp_path))
    if resolve == "pin":  # as advised: hallo.md first, then hello.md
        hallo = {"hallo.md": article("Hallo", "Bob", Lang="de")}
        built = i18n_build(tmp_path, hallo, **THREE_SITES)
        (said,) = built.messages  # hello.md's move only, as before
        assert said.startswith(
            f"pelican-flattr: I18N_SUBSITES['fr']: hello.md: thing URL changed "
            f"from {url}"
        )
        pinned = article("Bonjour", "Alice", Lang="fr", Flattr_url=url)
        for files in ({"hello.md": pinned}, {}):
            built = i18n_build(tmp_path, files, **THREE_SITES, FLATTR_STRICT=True)
            assert (built.messages, built.status) == ([], 0)
        # Alice's entry guards the URL still: hello.md leaving it is said.
        assert {"owner": "alice", "source": "hello.md", "url": url} in json.loads(
            _fr_baseline(tmp_path).read_text(encoding="utf-8")
        )["things"]
        french = {"hello.md": article("Bonjour", "Alice", Lang="fr")}
        built = i18n_build(tmp_path, french, **THREE_SITES)
        (said,) = built.messages
        assert said.startswith(
            f"pelican-flattr: I18N_SUBSITES['fr']: hello.md: thing URL changed "
            f"from {url}"
        )
    else:
        # Accepted where it is kept: the taker, built first, goes by the
        # French site's FLATTR_ACCEPT_URL_CHANGES, not its own.
        accepting = (
            {"FLATTR_ACCEPT_URL_CHANGES": [url]}
            if resolve == "accept"
            else {
                "I18N_SUBSITES": {"de": {}, "fr": {"FLATTR_ACCEPT_URL_CHANGES": [url]}}
            }
        )
        built = i18n_build(tmp_path, {}, **{**THREE_SITES, **accepting})
        said = [m for m in built.messages if "permanently" in m]
        assert len(said) == 1, built.messages
        assert said[0].startswith(f"pelican-flattr: {FR_SITE}"), said[0]
        assert "so this build gives the URL to hallo.md permanently" in said[0]
        assert ("hello.md", url) not in _baseline_entries(_fr_baseline(tmp_path))
        de = json.loads(_de_baseline(tmp_path).read_text(encoding="utf-8"))
        assert {"owner": "bob", "source": "hallo.md", "url": url} in de["things"]
        built = i18n_build(tmp_path, {}, **THREE_SITES, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)


@pytest.mark.parametrize("keeps", ["deleted", "renamed"])
def test_a_url_the_main_site_keeps_taken_by_a_language_sites_article_is_said(
    tmp_path, keeps
):
    # hello.md left /hello.html unresolved (deleted, or a new slug): the
    # main site keeps the URL, and said Bob's French salut.md took it
    # (pinned); but the French site, built inside the main one, had
    # written its baseline by then, salut.md's entry plain: giving salut.md
    # another URL, as advised, was said there as its URL change.
    url = f"{SITEURL}/hello.html"
    settings = {**THREE_SITES, "I18N_SUBSITES": {"fr": {}}}
    hello = article("Hello", "Alice", Slug="hello")
    i18n_build(tmp_path, {"hello.md": hello}, **settings)
    if keeps == "deleted":
        (tmp_path / "content" / "hello.md").unlink()
        said = (
            f"hello.md: gone from this build, and salut.md now has its thing URL {url}"
        )
    else:
        moved = {"hello.md": article("Hello", "Alice", Slug="hello-again")}
        i18n_build(tmp_path, moved, **settings)
        said = f"and salut.md now has its old thing URL {url}, owned by alice"
    salut = {"salut.md": article("Salut", "Bob", Lang="fr", Flattr_url=url)}
    _takes_from_outer(tmp_path, url, salut, settings, said, by="")
    assert ("hello.md", url) in _baseline_entries(_main_baseline(tmp_path))
    # As advised: salut.md another URL (and hello.md its old one back).
    files = {"salut.md": article("Salut", "Bob", Lang="fr")}
    if keeps == "renamed":
        files["hello.md"] = article(
            "Hello", "Alice", Slug="hello-again", Flattr_url=url
        )
    built = i18n_build(tmp_path, files, **settings)
    assert [m for m in built.messages if "salut.md" in m] == []
    if keeps == "deleted":  # its thing orphaned, as on a site of one language
        (orphaned,) = [m for m in built.messages if url in m]
        assert orphaned.startswith(
            f"pelican-flattr: hello.md: gone from this build, so its thing {url} is "
            "orphaned"
        )
    else:
        assert (built.messages, built.status) == ([], 0)
        built = i18n_build(tmp_path, {}, **settings, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)
    assert ("hello.md", url) in _baseline_entries(_main_baseline(tmp_path))


def _german_takes_what_french_keeps(tmp_path: Path, **files: str) -> str:
    """Build Alice's hello.md (with ``files``, by name with '.md' left
    off) on the main site, then French, its move unresolved, then Bob's
    German hallo.md pinned to its old URL (returned): said by the French
    site, which keeps the URL, hallo.md's entry waiting there."""
    url = f"{SITEURL}/hello.html"
    extra = {f"{name}.md": text for name, text in files.items()}
    hello = article("Hello", "Alice", Slug="hello")
    i18n_build(tmp_path, {"hello.md": hello, **extra}, **THREE_SITES)
    french = {"hello.md": article("Bonjour", "Alice", Lang="fr")}
    i18n_build(tmp_path, french, **THREE_SITES)
    hallo = {"hallo.md": article("Hallo", "Bob", Lang="de", Flattr_url=url)}
    _takes_from_outer(
        tmp_path,
        url,
        hallo,
        THREE_SITES,
        f"and hallo.md now has its old thing URL {url}, owned by alice in the "
        "last build, and by bob now",
        by=FR_SITE,
    )
    return url


HALLO_UNPINNED = {"hallo.md": article("Hallo", "Bob", Lang="de")}


def _french_site_removed(tmp_path: Path, url: str) -> tuple[dict, str, str]:
    """Bob's German hallo.md takes the URL the French site keeps for
    Alice's hello.md. The settings without French (the build with them
    moves the URL to the main site's baseline), hallo.md's author, and
    hello.md for that build."""
    _german_takes_what_french_keeps(tmp_path)
    settings = {**THREE_SITES, "I18N_SUBSITES": {"de": {}}}
    return settings, "Bob", article("Bonjour", "Alice", Lang="fr")


def _same_owners_article_back_renamed(
    tmp_path: Path, url: str, lang: str = "de"
) -> tuple[dict, str, str]:
    """Alice's hello.md deleted as her German (or ``lang``) hallo.md takes
    its URL (said as hello.md gone, hallo.md a thing of the same owner).
    As above; the build with hello.md back, another slug, has the main
    site keep the URL for it."""
    settings = {**THREE_SITES, "FLATTR_AUTHORS": {"Alice": "alice"}}
    i18n_build(tmp_path, {"hello.md": article("Hello", "Alice")}, **settings)
    (tmp_path / "content" / "hello.md").unlink()
    hallo = {"hallo.md": article("Hallo", "Alice", Lang=lang, Flattr_url=url)}
    built = i18n_build(tmp_path, hallo, **settings)
    assert [m for m in built.messages if f"its thing {url} is orphaned" in m]
    return settings, "Alice", article("Hello", "Alice", Slug="hello-again")


@pytest.mark.parametrize("advice", ["taker", "both"])
@pytest.mark.parametrize(
    "kept",
    [_french_site_removed, _same_owners_article_back_renamed],
    ids=["french-site-removed", "same-owner-back-renamed"],
)
def test_a_takeover_said_once_the_taker_is_written_waits_for_its_advice(
    tmp_path, kept, advice
):
    # The main site came to keep /hello.html, and to say that a German
    # hallo.md took it, after the German site wrote hallo.md's entry
    # plainly: French removed (its baseline, which kept the URL, now the
    # main site's), or hello.md, deleted as Alice's own hallo.md took its
    # URL (no takeover then), back under another slug. Giving hallo.md
    # another URL, as advised, was said as its URL change, on every build
    # (a strict one failed); with hello.md pinned back too, the main site
    # said hello.md took hallo.md's URL, the wrong way round.
    url = f"{SITEURL}/hello.html"
    settings, author, hello = kept(tmp_path, url)
    built = i18n_build(tmp_path, {"hello.md": hello}, **settings)
    said = [m for m in built.messages if "hallo.md now has its old thing URL" in m]
    assert len(said) == 1, built.messages
    assert ("hello.md", url) in _baseline_entries(_main_baseline(tmp_path))
    files = {"hallo.md": article("Hallo", author, Lang="de")}
    if advice == "both":
        files["hello.md"] = hello.replace("\n\n", f"\nFlattr_url: {url}\n\n", 1)
    for _ in range(2):
        built = i18n_build(tmp_path, files, **settings)
        assert [m for m in built.messages if "hallo.md" in m] == []
    if advice == "both":
        built = i18n_build(tmp_path, {}, **settings, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)


def test_a_takeover_accepted_in_a_failed_strict_build_still_waits(tmp_path):
    # The French site keeps /hello.html, taken by Bob's German hallo.md.
    # A strict build accepting it failed on another change of the French
    # site's (autre.md's slug), so it kept its baseline, and the URL for
    # hello.md; but the German site, built inside it, had written hallo.md's
    # entry plainly by then. Mended, without the acceptance, the takeover
    # is said again; following its advice (hallo.md another URL) was said
    # as hallo.md's URL change, on every build.
    autre = article("Autre", "Alice", Lang="fr")
    url = _german_takes_what_french_keeps(tmp_path, autre=autre)
    moved = {"autre.md": article("Autre", "Alice", Lang="fr", Slug="autre-chose")}
    built = i18n_build(
        tmp_path,
        moved,
        **THREE_SITES,
        FLATTR_STRICT=True,
        FLATTR_ACCEPT_URL_CHANGES=[url],
    )
    assert built.status == 1
    assert ("hello.md", url) in _baseline_entries(_fr_baseline(tmp_path))
    built = i18n_build(tmp_path, {"autre.md": autre}, **THREE_SITES)
    assert [m for m in built.messages if "hallo.md now has" in m], built.messages
    for _ in range(2):
        built = i18n_build(tmp_path, HALLO_UNPINNED, **THREE_SITES)
        assert [m for m in built.messages if "hallo.md" in m] == []


@pytest.mark.parametrize("taker", ["moved-off", "deleted"])
def test_a_url_the_main_site_keeps_from_two_sites_in_is_resolved_step_by_step(
    tmp_path, taker
):
    # hello.md's rename left /hello.html with the main site; Bob's German
    # hallo.md (two sites in: German inside French inside main) took it.
    # Its entry waits, read off the main site's baseline: given another
    # URL as advised, or deleted, hallo.md is no change of its own, and
    # hello.md's rename is said as before until pinned back; then a
    # rebuild with nothing changed is silent, even strict.
    url = f"{SITEURL}/hello.html"
    i18n_build(tmp_path, {"hello.md": article("Hello", "Alice")}, **THREE_SITES)
    renamed = article("Hello", "Alice", Slug="hello-again")
    i18n_build(tmp_path, {"hello.md": renamed}, **THREE_SITES)
    hallo = {"hallo.md": article("Hallo", "Bob", Lang="de", Flattr_url=url)}
    _takes_from_outer(
        tmp_path,
        url,
        hallo,
        THREE_SITES,
        "and hallo.md now has its old thing URL",
        by="",
    )
    files = HALLO_UNPINNED
    if taker == "deleted":  # Bob writes another German article instead
        (tmp_path / "content" / "hallo.md").unlink()
        files = {"nur.md": article("Nur", "Bob", Lang="de")}
    built = i18n_build(tmp_path, files, **THREE_SITES)
    (said,) = built.messages
    assert said.startswith(f"pelican-flattr: hello.md: thing URL changed from {url}")
    assert ("hallo.md", url) not in _baseline_entries(_de_baseline(tmp_path))
    pinned = article("Hello", "Alice", Slug="hello-again", Flattr_url=url)
    for files in ({"hello.md": pinned}, {}):
        built = i18n_build(tmp_path, files, **THREE_SITES, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)
    assert ("hello.md", url) in _baseline_entries(_main_baseline(tmp_path))


def _french_lets_go(tmp_path: Path) -> str:
    """Alice's French salut.md deleted, its URL (returned) accepted: the
    French site keeps it released, with alice."""
    url = f"{SITEURL}/fr/salut.html"
    files = {
        "salut.md": article("Salut", "Alice", Lang="fr"),
        "hello.md": article("Hello", "Alice"),
    }
    i18n_build(tmp_path, files, **THREE_SITES)
    (tmp_path / "content" / "salut.md").unlink()
    i18n_build(tmp_path, {}, **THREE_SITES, FLATTR_ACCEPT_URL_CHANGES=[url])
    return url


@pytest.mark.parametrize(
    "lang",
    [
        pytest.param("fr", id="same-site"),
        pytest.param("de", id="built-inside"),
        pytest.param("en", id="main-site"),
    ],
)
def test_a_url_a_language_site_let_go_reused_by_another_sites_owner_is_said(
    tmp_path, lang
):
    # Alice's French salut.md was deleted, its URL accepted: the French
    # baseline keeps it released, with Alice, whom Flattr keeps as its
    # thing's owner. Bob's French article pinned to it is said (his
    # readers' flattrs go to Alice); Bob's German or main-site one was
    # not, by any site, and a strict build passed. Said by the French site,
    # which alone has an entry of the URL; neu.md waits at it meanwhile, so
    # that giving it another URL, as advised, is no change of its own.
    url = _french_lets_go(tmp_path)
    assert {"owner": "alice", "released": True, "source": "salut.md", "url": url} in (
        json.loads(_fr_baseline(tmp_path).read_text(encoding="utf-8"))["things"]
    )
    neu = {"neu.md": article("Neu", "Bob", Lang=lang, Flattr_url=url)}
    for strict in (False, True):
        built = i18n_build(tmp_path, neu, **THREE_SITES, FLATTR_STRICT=strict)
        said = [m for m in built.messages if url in m]
        assert len(said) == 1, built.messages
        reused = f"neu.md: its thing URL {url} was salut.md's, owned by alice"
        assert reused in said[0]
        assert built.status == (1 if strict else 0)
    unpinned = {"neu.md": article("Neu", "Bob", Lang=lang)}
    for files in (unpinned, {}):
        built = i18n_build(tmp_path, files, **THREE_SITES, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)


def test_a_takers_new_owner_at_a_url_the_main_site_keeps_is_said_once(tmp_path):
    # Alice's hello.md deleted as her German hallo.md took its URL: the
    # main site keeps it (hello.md gone, the same owner: no takeover), and
    # hallo.md's entry is plain. hallo.md's author then became Bob: the
    # main site says the takeover, with the owner Flattr keeps (advice:
    # hallo.md another URL, or accept), and the German site said it too,
    # as hallo.md's owner change ("the baseline takes the new owner",
    # advice: alice back), while its entry waits: one URL said by two
    # sites, as a main site's owner change was beside a language site's
    # takeover (c2b6fd7). Said by the main site, which keeps the URL; the
    # German entry waits there, with the new owner, until resolved.
    url = f"{SITEURL}/hello.html"
    _same_owners_article_back_renamed(tmp_path, url)
    bob = {"hallo.md": article("Hallo", "Bob", Lang="de", Flattr_url=url)}
    built = i18n_build(tmp_path, bob, **THREE_SITES)
    said = [m for m in built.messages if url in m]
    assert len(said) == 1, built.messages
    assert (
        f"hello.md: gone from this build, and hallo.md now has its thing URL {url}, "
        "owned by alice in the last build, and by bob now"
    ) in said[0]
    de = json.loads(_de_baseline(tmp_path).read_text(encoding="utf-8"))
    waiting = {"owner": "bob", "source": "hallo.md", "unresolved": True, "url": url}
    assert waiting in de["things"]


@pytest.mark.parametrize(
    ("lang", "taker"),
    [("de", {}), ("de", {"Lang": "fr"}), ("fr", {"Lang": "de"})],
    ids=[
        "de-and-main-let-go-main-taker",
        "de-and-main-let-go-fr-taker",
        "fr-and-main-let-go-de-taker",
    ],
)
def test_a_url_two_sites_let_go_reused_by_another_owner_is_said_once(
    tmp_path, lang, taker
):
    # Alice's hello.md deleted as her German hallo.md took its URL: the
    # main site keeps it (hello.md gone, the same owner: no takeover), and
    # the German site has hallo.md's plain entry. hallo.md given another
    # URL, both sites say the URL left (hello.md's orphaned, hallo.md's
    # changed), both advising to accept it; accepted, each baseline keeps
    # it released, with alice. Bob's article pinned to it later was said
    # by both sites (a strict build fails on each). Said by the inner of
    # the two, built first, whatever site Bob's article is in (the German
    # one too, run inside the French and main sites that let the URL go);
    # accepted, as advised, in every baseline.
    url = f"{SITEURL}/hello.html"
    _same_owners_article_back_renamed(tmp_path, url, lang)
    unpinned = {"hallo.md": article("Hallo", "Alice", Lang=lang)}
    built = i18n_build(tmp_path, unpinned, **THREE_SITES)
    assert len([m for m in built.messages if url in m]) == 2, built.messages
    accept = {"FLATTR_ACCEPT_URL_CHANGES": [url]}
    built = i18n_build(tmp_path, {}, **THREE_SITES, **accept)
    assert [m for m in built.messages if url in m] == []
    neu = {"neu.md": article("Neu", "Bob", Flattr_url=url, **taker)}
    for strict in (False, True):
        built = i18n_build(tmp_path, neu, **THREE_SITES, FLATTR_STRICT=strict)
        said = [m for m in built.messages if url in m]
        assert len(said) == 1, built.messages
        assert f"neu.md: its thing URL {url} was " in said[0]
        assert built.status == (1 if strict else 0)
    built = i18n_build(tmp_path, {}, **THREE_SITES, **accept)
    assert built.status == 0
    built = i18n_build(tmp_path, {}, **THREE_SITES, FLATTR_STRICT=True)
    assert (built.messages, built.status) == ([], 0)


def _german_reuses_what_french_let_go(tmp_path: Path) -> str:
    """``_french_lets_go``; then Bob's German hallo.md pinned to the URL
    (returned), said by the French site, hallo.md's entry waiting."""
    url = _french_lets_go(tmp_path)
    hallo = {"hallo.md": article("Hallo", "Bob", Lang="de", Flattr_url=url)}
    _takes_from_outer(
        tmp_path, url, hallo, THREE_SITES, f"its thing URL {url} was", by=FR_SITE
    )
    return url


@pytest.mark.parametrize(
    ("kept", "accepted_in"),
    [
        (_german_takes_what_french_keeps, "every-site"),
        (_german_takes_what_french_keeps, "fr"),
        (_german_reuses_what_french_let_go, "every-site"),
    ],
    ids=["moved-accepted", "moved-accepted-by-french-site", "released-accepted"],
)
def test_a_takeover_accepted_leaves_the_takers_url_guarded_by_its_own_site(
    tmp_path, kept, accepted_in
):
    # The French site keeps a URL (for an article gone French, or let go
    # with its owner) that Bob's German hallo.md took, said there; hallo.md
    # waits at it in the German baseline, built first. Once the French
    # site accepts it (in every site's settings, or its own), the URL is
    # hallo.md's for good: its entry plain, nothing kept for it elsewhere,
    # so that the German site's own guard says its leaving the URL later,
    # which the outer-site checks (waiting marks, entries left out as if
    # waiting) must not silence.
    url = kept(tmp_path)
    accept = {"FLATTR_ACCEPT_URL_CHANGES": [url]}
    settings = {**THREE_SITES, **accept}
    if accepted_in == "fr":
        settings = {**THREE_SITES, "I18N_SUBSITES": {"de": {}, "fr": accept}}
    assert i18n_build(tmp_path, {}, **settings).status == 0
    de = json.loads(_de_baseline(tmp_path).read_text(encoding="utf-8"))
    assert {"owner": "bob", "source": "hallo.md", "url": url} in de["things"]
    assert url not in {u for _, u in _baseline_entries(_fr_baseline(tmp_path))}
    built = i18n_build(tmp_path, {}, **THREE_SITES, FLATTR_STRICT=True)
    assert (built.messages, built.status) == ([], 0)
    for _ in range(2):  # said until resolved, by the German site alone
        built = i18n_build(tmp_path, HALLO_UNPINNED, **THREE_SITES)
        (said,) = built.messages
        assert said.startswith(
            f"pelican-flattr: I18N_SUBSITES['de']: hallo.md: thing URL changed "
            f"from {url} to {SITEURL}/de/hallo.html"
        )


@pytest.mark.parametrize("change", ["owner", "accepted-live"])
def test_a_language_sites_guard_names_the_site_that_says_it(tmp_path, change):
    # Each site compares its own things and goes by its own settings'
    # FLATTR_ACCEPT_URL_CHANGES (its I18N_SUBSITES entry's, else the main
    # site's): the French site's guard names itself, so that the advice
    # says whose setting counts. The main site, built last, says nothing.
    url = f"{SITEURL}/fr/salut.html"
    salut = {"salut.md": article("Salut", "Alice", Lang="fr")}
    i18n_build(tmp_path, salut, **ALICE_AND_BOB)
    if change == "owner":
        files = {"salut.md": article("Salut", "Bob", Lang="fr")}
        built = i18n_build(tmp_path, files, **ALICE_AND_BOB)
        said = (
            f"salut.md: its thing {url} changed owner from 'Alice' (alice) to "
            "'Bob' (bob)"
        )
    else:
        accept = {"FLATTR_ACCEPT_URL_CHANGES": [url]}
        built = i18n_build(tmp_path, {}, **ALICE_AND_BOB, **accept)
        said = f"FLATTR_ACCEPT_URL_CHANGES holds a thing URL of this build: {url}"
    (message,) = [m for m in built.messages if url in m]
    assert message.startswith(f"pelican-flattr: {FR_SITE}{said}"), message


# --- build.py's mutation review (second pass): paths and a failed run ---


def test_a_main_sites_refused_manifest_path_leaves_a_language_the_path_it_sets(
    tmp_path,
):
    # The main site's FLATTR_MANIFEST refused: where it points is not known,
    # and it writes and removes no manifest. A language's site that sets
    # the path the default would give writes its manifest there, as set,
    # not beside it named for its language, where no audit looks.
    manifest = tmp_path / "output" / "flattr-manifest.json"
    own = {"de": {"FLATTR_MANIFEST": str(manifest)}, "fr": {}}
    built = i18n_build(
        tmp_path, FILES, **dict(SETTINGS, FLATTR_MANIFEST=5, I18N_SUBSITES=own)
    )
    assert built.status == 0
    assert set(_things(manifest.parent, manifest.name)) == set(EXPECTED["de"])
    assert not manifest.with_name("flattr-manifest.de.json").exists()


def test_a_main_site_failing_its_strict_guard_removes_every_languages_manifest(
    tmp_path,
):
    # The languages' sites run (and write their manifests) before the main
    # site writes its pages; its URL guard then fails the build. Each
    # manifest of the run goes: left beside pages the build refused, the
    # languages' ones let an audit pass them.
    output = tmp_path / "output"
    assert i18n_build(tmp_path, FILES, **SETTINGS).status == 0
    manifests = [output / site / "flattr-manifest.json" for site in EXPECTED]
    assert all(path.is_file() for path in manifests)
    moved = dict(
        FILES,
        **{"only.md": article("Only in English", "Carol", Lang="en", Slug="moved")},
    )
    built = i18n_build(tmp_path, moved, **SETTINGS, FLATTR_STRICT=True)
    assert built.status == 1
    changed = "pelican-flattr: only.md: thing URL changed from "
    assert [m for m in built.messages if m.startswith(changed)] != [], built.messages
    assert [path for path in manifests if path.exists()] == []
    removed = [m for m in built.messages if "as the build failed" in m]
    assert sorted(removed) == sorted(
        f"pelican-flattr: removed the manifest: {path}, as the build failed: an "
        "audit refuses this output until a build passes"
        for path in manifests
    )


def test_a_language_sites_owner_change_in_a_run_the_main_site_failed_is_said_again(
    tmp_path,
):
    # The German site's guard passed, said nur.md's owner change once and
    # wrote its baseline; then the main site's guard failed the run: the
    # build that passed after it never said the change. A failed run puts
    # back every baseline it replaced.
    assert i18n_build(tmp_path, FILES, **SETTINGS).status == 0
    folder = tmp_path / "cache" / "de" / "pelican-flattr"
    baseline = folder / "url-baseline.json"
    before = baseline.read_bytes()
    to_alice = {"nur.md": article("Nur auf Deutsch", "Alice", Lang="de")}
    moved = {"only.md": article("Only in English", "Carol", Lang="en", Slug="moved")}
    built = i18n_build(tmp_path, {**to_alice, **moved}, **SETTINGS, FLATTR_STRICT=True)
    assert built.status == 1
    owner_changes = [m for m in built.messages if "nur.md: its thing" in m]
    assert len(owner_changes) == 1, built.messages
    assert baseline.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["url-baseline.json"]
    back = {"only.md": FILES["only.md"]}
    built = i18n_build(tmp_path, back, **SETTINGS, FLATTR_STRICT=True)
    assert built.status == 0, built.messages
    owner_changes = [m for m in built.messages if "nur.md: its thing" in m]
    assert len(owner_changes) == 1, built.messages
    assert "changed owner" in owner_changes[0]
    assert baseline.read_bytes() != before
    assert sorted(p.name for p in folder.iterdir()) == ["url-baseline.json"]


# --- What a whole-module mutation review of finish.py found untested. ---


def test_a_language_sites_long_list_of_changes_is_summed_up_under_its_name(tmp_path):
    # Past the first 20 changes of a kind the rest are summed up. A
    # language's site compares its own things and reads its own
    # FLATTR_ACCEPT_URL_CHANGES: its summary names the site, as each
    # change it sums up does, so that the operator knows whose baseline
    # and setting it means.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    files = {
        f"p{n:02}.md": article(f"Poste {n}", "Alice", Lang="fr", Slug=f"poste-{n:02}")
        for n in range(22)
    }
    assert i18n_build(tmp_path, files, **settings).status == 0
    for name in list(files)[1:]:
        (tmp_path / "content" / name).unlink()
    built = i18n_build(tmp_path, {}, **settings)
    assert built.status == 0
    gone = [m for m in built.messages if ": gone from this build" in m]
    assert len(gone) == 20
    assert all(m.startswith(f"pelican-flattr: {FR_SITE}p") for m in gone), gone
    (summary,) = [m for m in built.messages if "are not this build's" in m]
    assert summary.startswith(
        f"pelican-flattr: {FR_SITE}21 thing URLs of the last build are not this "
        "build's: 21 things gone from this build; the first 20 of each kind are "
        "said above"
    ), summary
    # The command that lists them compares this site's files alone: a thing
    # another site of the run has now would show there as gone.
    assert (
        f"and pelican-flattr diff {_fr_baseline(tmp_path)} "
        f"{tmp_path / 'output' / 'fr' / 'flattr-manifest.json'} --settings "
        "SETTINGS_FILE (where a thing now another site's of this run shows as "
        "gone) lists every one"
    ) in summary, summary


def test_a_removed_language_sites_retired_baseline_is_named_with_the_main_one(
    tmp_path,
):
    # Said by the main site, of files: what is unresolved went to the main
    # site's baseline, the old one aside. Both named, so that the operator
    # finds them; no site's label, as the main site says it of a language
    # it no longer builds.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    built = i18n_build(tmp_path, {}, **{**settings, "I18N_SUBSITES": {}})
    retired = _fr_baseline(tmp_path).with_name("url-baseline.json.retired")
    assert retired.is_file()
    (said,) = [m for m in built.messages if "is no longer built" in m]
    assert said == (
        "pelican-flattr: the language site 'fr' is no longer built: its URL "
        "baseline was compared with this build's things, what is unresolved "
        f"moved to {_main_baseline(tmp_path)}, and the old baseline to {retired}"
    )


def test_a_language_site_failing_on_its_end_checks_stops_before_its_guard(
    tmp_path,
):
    # A strict language site whose end checks find a problem (an owner's
    # address in a thing's title) fails there, before its manifest and URL
    # guard, and says the guard did not run. Going on, it wrote a manifest
    # only to remove it, and said that its baseline was missing as if the
    # guard had compared.
    files = {"salut.md": article("Ecrivez a alice@example.org", "Alice", Lang="fr")}
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Alice": "email:alice@example.org"},
        I18N_SUBSITES={"fr": {}},
        FLATTR_STRICT=True,
    )
    assert built.status == 1
    problem, failed = built.messages
    assert problem.startswith("pelican-flattr: salut.md: the title of this ")
    assert failed.startswith(
        "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed (the URL "
        "guard did not run;"
    ), failed
    assert not list((tmp_path / "cache").rglob("url-baseline.json"))


def test_an_accepted_url_a_language_site_only_shows_is_said_by_its_own_site(
    tmp_path,
):
    # With I18N_UNTRANSLATED_ARTICLES = "keep" the French site shows the
    # main site's untranslated article, with the main site's thing, and
    # reads the main site's FLATTR_ACCEPT_URL_CHANGES. The URL still listed
    # there is the main site's to take out: said once, by it, not again
    # by every language's site that shows the thing.
    url = f"{SITEURL}/hello.html"
    built = i18n_build(
        tmp_path,
        {"hello.md": article("Hello", "Alice", Lang="en", Slug="hello")},
        FLATTR_AUTHORS={"Alice": "alice"},
        I18N_SUBSITES={"fr": {}},
        I18N_UNTRANSLATED_ARTICLES="keep",
        FLATTR_ACCEPT_URL_CHANGES=[url],
    )
    assert built.status == 0
    said = [m for m in built.messages if "FLATTR_ACCEPT_URL_CHANGES holds" in m]
    assert len(said) == 1, built.messages
    assert said[0].startswith(
        f"pelican-flattr: FLATTR_ACCEPT_URL_CHANGES holds a thing URL of this "
        f"build: {url}"
    ), said[0]


def test_a_language_site_removed_with_its_articles_says_them_gone(tmp_path):
    # French taken out of I18N_SUBSITES and seul.md deleted in one go: the
    # main site's things are the last build's, its baseline unchanged. Its
    # guard must still read the French site's baseline, which no build
    # uses any more: else seul.md's thing URL went unsaid, and with the
    # baseline left behind, for good.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).messages == []
    main_baseline = _main_baseline(tmp_path).read_bytes()
    (tmp_path / "content" / "seul.md").unlink()
    built = i18n_build(tmp_path, {}, **{**settings, "I18N_SUBSITES": {}})
    assert built.status == 0
    (gone,) = [m for m in built.messages if "seul.md" in m]
    assert gone.startswith(
        "pelican-flattr: seul.md: gone from this build, so its thing "
        f"{SITEURL}/fr/seul.html is orphaned"
    ), gone
    assert _main_baseline(tmp_path).read_bytes() != main_baseline
    assert not _fr_baseline(tmp_path).exists()


# --- Content messages of a file every site publishes, said once ---

# French has no site of its own: the main site, German's and Spanish's all
# publish the French articles, and the main site's copy is the thing.
_ALL_PUBLISH = {"de": {}, "es": {}}
_FRENCH_PROBLEMS = {
    "langue.md": article("Langue", "Alice", Lang="fr", flattr_language="fr_XX"),
    "gus.md": article("Gus", "Gus", Lang="fr"),
    "champ.md": article("Champ", "Alice", Lang="fr", flatr_owner="alice"),
    **{
        f"many{n}.md": article(
            f"Plusieurs {n}", "Alice", Lang="fr", flattr_category="foo"
        )
        for n in range(6)
    },
}


@pytest.mark.parametrize("authors", [1, 7])
def test_a_file_every_site_publishes_gets_each_message_once(tmp_path, authors):
    # Each site said a French article without an owner again under its own
    # name: three lines for one article (or three lines for one group of
    # seven, "and N by others"), on every rebuild.
    files = {
        **_FRENCH_PROBLEMS,
        **{
            f"sans{n}.md": article(f"Sans {n}", f"Auteur {n}", Lang="fr")
            for n in range(authors)
        },
    }
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Alice": "alice", "Gus": "email:not-an-address"},
        I18N_SUBSITES=_ALL_PUBLISH,
    )
    for source in ("sans0.md", "langue.md", "gus.md", "champ.md", "many0.md"):
        (said,) = [m for m in built.messages if source in m]
        assert "I18N_SUBSITES[" not in said, said
    if authors == 1:
        assert _no_owner("sans0.md", "Auteur 0", "FLATTR_AUTHORS") in built.messages
    # A strict build counts each problem once: Gus's entry, his article, the
    # group of six.
    del files["langue.md"], files["champ.md"]
    built = i18n_build(
        tmp_path / "strict",
        files,
        FLATTR_AUTHORS={"Alice": "alice", "Gus": "email:not-an-address"},
        I18N_SUBSITES=_ALL_PUBLISH,
        FLATTR_STRICT=True,
    )
    assert built.status == 1
    assert "pelican-flattr: 3 problems and FLATTR_STRICT is on" in built.messages[-1]


@pytest.mark.parametrize("strict", [False, True], ids=["warned", "strict"])
def test_an_author_named_by_an_owners_address_is_said_once_for_all_sites(
    tmp_path, strict
):
    # Carol is mapped by name; her French and German articles name her by
    # her owner's address, which Pelican prints on every site's pages.
    address = "carol@example.org"
    files = {
        "seul.md": article("Seul", address, Lang="fr"),
        "nur.md": article("Nur", address, Lang="de"),
        "hello.md": article("Hello", "Carol Chen", Lang="en"),
    }
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Carol Chen": f"email:{address}"},
        I18N_SUBSITES=_ALL_PUBLISH,
        FLATTR_STRICT=strict,
    )
    said = [m for m in built.messages if "the address of the email owner" in m]
    # Each file once: the French one by the main site, which publishes it
    # (every site does); the German one, which only the German site
    # publishes, by it, where it was never named (a strict build stops at
    # the main site's).
    named = [
        "pelican-flattr: author '[address]' is named by the address of the email "
        f"owner that FLATTR_AUTHORS['Carol Chen'] gives (email:{hash_email(address)}"
        f"; in {source})"
        for source in ("seul.md", "nur.md")
    ]
    assert [m.partition(", and Pelican")[0] for m in said] == named[: 1 + (not strict)]
    assert built.status == int(strict)
    if strict:
        assert built.messages[-1].startswith("pelican-flattr: 1 problem and ")
    assert not [line for line in built.log if address in line]


# --- An accepted URL live again, a thing URL of a language and an outer site ---


def test_an_accepted_url_back_on_the_main_site_is_said_by_it_and_by_its_diff(
    tmp_path, capsys
):
    # seul.md leaves the French site for the main site's copy
    # (I18N_UNTRANSLATED_ARTICLES = "keep"), whose URL the operator had
    # accepted. The French site says the move; the main site holds the
    # thing from its baseline until then, and so left it out of the
    # URLs it checked against FLATTR_ACCEPT_URL_CHANGES: no site said to
    # take it out, while `diff` of every site's manifest listed it.
    url = f"{SITEURL}/seul-fr.html"
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}
    assert i18n_build(tmp_path, SEUL_FILES, **settings).status == 0
    accepting = {
        **settings,
        "I18N_UNTRANSLATED_ARTICLES": "keep",
        "FLATTR_ACCEPT_URL_CHANGES": [url],
    }
    built = i18n_build(tmp_path, {}, **accepting)
    assert built.status == 0
    said = [m for m in built.messages if "FLATTR_ACCEPT_URL_CHANGES holds" in m]
    assert [m.partition(":")[2].partition(" (")[0] for m in said] == [
        f" FLATTR_ACCEPT_URL_CHANGES holds a thing URL of this build: {url}"
    ], built.messages
    # Not "once a build has passed with it": builds pass, and the baseline
    # leaves the thing out, until the French site's change is resolved.
    assert (
        "; once the change another site of this build reports for it (above) "
        "is resolved, the baseline keeps it as the thing's it is now: remove it "
        "from FLATTR_ACCEPT_URL_CHANGES" in said[0]
    )
    moved = [m for m in built.messages if "fr/seul.html" in m and "changed" in m]
    assert built.messages.index(moved[0]) < built.messages.index(said[0])
    # diff agrees, site by site: the French manifest lists the thing (its
    # pages show it), but the main site's guards it.
    output = tmp_path / "output"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"PATH = {str(tmp_path / 'content')!r}\n"
        f"OUTPUT_PATH = {str(output)!r}\nSITEURL = {SITEURL!r}\n"
        + "".join(f"{name} = {value!r}\n" for name, value in accepting.items())
    )
    for baseline, manifest, live in [
        (_main_baseline(tmp_path), output, [{"source": "seul.md", "url": url}]),
        (_fr_baseline(tmp_path), output / "fr", []),
    ]:
        capsys.readouterr()
        diff = [str(baseline), str(manifest / "flattr-manifest.json")]
        pelican_flattr(["diff", *diff, "--settings", str(conf), "--json"])
        assert json.loads(capsys.readouterr().out)["accepted_still_live"] == live


def test_a_removed_languages_left_over_output_fails_the_audit_given_the_settings(
    tmp_path, capsys
):
    # French taken out of I18N_SUBSITES: Pelican leaves output/fr/ (it
    # deletes no output unless DELETE_OUTPUT_DIRECTORY), whose pages show
    # buttons of things no build has any more. Given the settings, the
    # audit knows fr/ for no site of them any more: a problem, not
    # another site to audit (whose own audit gave 70).
    files = {**SEUL_FILES, "nur.md": article("Nur", "Alice", Lang="de", Slug="nur")}
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    assert i18n_build(tmp_path, files, **settings, I18N_SUBSITES=_ALL_FR).status == 0
    assert i18n_build(tmp_path, {}, **settings).status == 0
    output = tmp_path / "output"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"SITEURL = {SITEURL!r}\nI18N_SUBSITES = {{'de': {{}}}}\n")
    capsys.readouterr()
    assert (
        pelican_flattr(["audit", str(output), "--json", "--settings", str(conf)]) == 1
    )
    report = json.loads(capsys.readouterr().out)
    # de/, a language of the settings, is another site's output as before.
    assert report["other_sites"] == ["de"]
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("fr/", "language-removed")
    ]
    assert report["problems"][0]["expected"] == (
        "no output of a language the settings do not build there: delete fr/ (or "
        "set DELETE_OUTPUT_DIRECTORY = True), or put 'fr' back in I18N_SUBSITES"
    )
    # Without the settings, nothing tells a language removed from another
    # site's output kept there.
    assert pelican_flattr(["audit", str(output), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["other_sites"] == ["de", "fr"]


def test_a_languages_folder_without_its_manifest_is_one_problem(tmp_path, capsys):
    # A deploy that dropped de/flattr-manifest.json (or a failed strict
    # build, which removes it): the main site's audit took de/'s files for
    # its own, each page one an earlier build "left", to be deleted.
    built = i18n_build(tmp_path, FILES, **SETTINGS)
    assert built.status == 0
    output = tmp_path / "output"
    (output / "de" / "flattr-manifest.json").unlink()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nI18N_SUBSITES = {{'de': {{}}, 'fr': {{}}}}\n"
        f"FLATTR_AUTHORS = {AUTHORS!r}\n"
    )
    capsys.readouterr()
    assert (
        pelican_flattr(["audit", str(output), "--json", "--settings", str(conf)]) == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("de/", "language-manifest-missing")
    ]
    assert report["problems"][0]["problem"] == (
        "holds the site of the language 'de', which the settings build there, "
        "but no manifest of its own: its pages and feeds cannot be checked, here "
        "or in an audit of their own"
    )
    assert report["other_sites"] == ["fr"]
    # Its files are still read for owners' addresses, as another site's.
    (output / "de" / "leak.html").write_text(f"<p>{ADDRESS}</p>")
    assert (
        pelican_flattr(["audit", str(output), "--json", "--settings", str(conf)]) == 1
    )
    kinds = [
        (p["file"], p["kind"]) for p in json.loads(capsys.readouterr().out)["problems"]
    ]
    assert ("de/leak.html", "address-published") in kinds
    # A language whose site writes no manifest there is another site's, no
    # problem: built without the plugin, or its manifest kept out of the
    # output (FLATTR_HIDDEN's advice), as a build of those settings does.
    (output / "de" / "leak.html").unlink()
    for own in (
        "{'PLUGINS': ['i18n_subsites']}",
        f"{{'FLATTR_MANIFEST': {str(tmp_path / 'm' / 'de.json')!r}}}",
        "{'FLATTR_MANIFEST': '../m/de.json'}",
    ):
        subsites = f"{{'de': {own}, 'fr': {{}}}}"
        conf.write_text(f"SITEURL = {SITEURL!r}\nI18N_SUBSITES = {subsites}\n")
        assert pelican_flattr(["audit", str(output), "--settings", str(conf)]) == 0
    # Written as an absolute path into its own folder, it is missing there.
    inside = str(output / "de" / "flattr-manifest.json")
    subsites = f"{{'de': {{'FLATTR_MANIFEST': {inside!r}}}, 'fr': {{}}}}"
    conf.write_text(f"SITEURL = {SITEURL!r}\nI18N_SUBSITES = {subsites}\n")
    capsys.readouterr()
    assert (
        pelican_flattr(["audit", str(output), "--json", "--settings", str(conf)]) == 1
    )
    kinds = [p["kind"] for p in json.loads(capsys.readouterr().out)["problems"]]
    assert kinds == ["language-manifest-missing"]
    # Its manifest back, it is another site's output again.
    assert i18n_build(tmp_path, FILES, **SETTINGS).status == 0
    assert pelican_flattr(["audit", str(output), "--settings", str(conf)]) == 0


def test_a_languages_manifest_climbing_into_the_sites_output_is_that_sites(
    tmp_path, capsys
):
    # "../de-flattr.json" from de/ is output/de-flattr.json: the main
    # site's audit called it a stray manifest to delete, and said nothing
    # of de/, whose pages went unchecked.
    settings = {
        **SETTINGS,
        "I18N_SUBSITES": {"de": {"FLATTR_MANIFEST": "../de-flattr.json"}, "fr": {}},
    }
    assert i18n_build(tmp_path, FILES, **settings).status == 0
    output = tmp_path / "output"
    assert (output / "de-flattr.json").is_file()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nI18N_SUBSITES = {settings['I18N_SUBSITES']!r}\n"
        f"FLATTR_AUTHORS = {AUTHORS!r}\n"
    )
    capsys.readouterr()
    assert pelican_flattr(["audit", str(output), "--settings", str(conf)]) == 0
    said = capsys.readouterr().out
    assert (
        "de/ is the site of a language, whose manifest is ../de-flattr.json from "
        "there: it is another site's output."
    ) in said
    command = (
        f"pelican-flattr audit {output / 'de'} --manifest "
        f"{output / 'de-flattr.json'} --settings {conf}"
    )
    assert command in said
    # Without --settings, its siteurl (…/de) names its folder all the same.
    assert pelican_flattr(["audit", str(output)]) == 0
    said = capsys.readouterr().out
    assert (
        "de/ is the site of a language, whose manifest is ../de-flattr.json from there"
    ) in said
    assert (
        f"pelican-flattr audit {output / 'de'} --manifest {output / 'de-flattr.json'}\n"
    ) in said
    # The command given checks de/'s pages against their manifest.
    assert pelican_flattr(command.split()[1:]) == 0
    remove_button(output / "de" / "hello.html")
    capsys.readouterr()
    assert pelican_flattr([*command.split()[1:], "--json"]) == 1
    kinds = {p["kind"] for p in json.loads(capsys.readouterr().out)["problems"]}
    assert "button-missing" in kinds


_ALL_FR = {"de": {}, "fr": {}}


# An English article with a German translation, another with a Spanish one:
# with "keep", the Spanish site publishes the German translation too, and
# the German site the Spanish one.
KEPT_TRANSLATIONS = {
    "post.md": article("Post in English", "Alice", Lang="en", Slug="post"),
    "post-de.md": article("Beitrag auf Deutsch", "Bernd", Lang="de", Slug="post"),
    "otro.md": article("Another in English", "Alice", Lang="en", Slug="otro"),
    "otro-es.md": article("Otro en espanol", "Carol", Lang="es", Slug="otro"),
}
KEPT_SETTINGS = {
    "FLATTR_AUTHORS": {"Alice": "alice", "Bernd": "bernd", "Carol": "carol"},
    "I18N_UNTRANSLATED_ARTICLES": "keep",
}
# Each translation's thing, (source, URL, owner): on its own language's
# site, at its own URL.
KEPT_OWN = {
    "de": ("post-de.md", f"{SITEURL}/de/post.html", "bernd"),
    "es": ("otro-es.md", f"{SITEURL}/es/otro.html", "carol"),
}


def _feed_payment_urls(feed_file: Path) -> dict[str, list[str]]:
    """Each entry's link -> the thing URLs its payment links name."""
    return {
        entry.link: [
            parse_qs(urlsplit(link.href).query)["url"][0]
            for link in entry.links
            if link.rel == "payment"
        ]
        for entry in feedparser.parse(feed_file.read_bytes()).entries
    }


def _shows_thing(output: Path, source: str, url: str, owner: str) -> None:
    """Assert that the site in ``output`` lists ``source``'s thing at
    ``url`` for ``owner``, and that its page and button name it."""
    thing = manifest_things(output)[source]
    assert (thing["url"], thing["owner"]["value"]) == (url, owner), output
    soup = page_as_browsers_read_it(output / thing["page"])
    (button,) = flattr_buttons(soup)
    assert parse_qs(urlsplit(button["href"]).query)["url"] == [url], output
    assert og(soup, "og:url") == [url], output


@pytest.mark.parametrize("order", [("de", "es"), ("es", "de")], ids="-".join)
def test_a_translation_another_languages_site_keeps_is_its_own_sites_thing(
    tmp_path, order
):
    # i18n_subsites builds the languages' sites in the reverse order of
    # I18N_SUBSITES. The site built first took the thing of the other
    # language's translation it keeps, as if it were the main site: the
    # German translation's own page and button named the Spanish site's
    # copy (in the other order, the Spanish one the German copy).
    first, then = order[1], order[0]
    settings = {**KEPT_SETTINGS, "I18N_SUBSITES": {lang: {} for lang in order}}
    settings["TRANSLATION_FEED_ATOM"] = "feeds/all-{lang}.atom.xml"
    built = i18n_build(tmp_path, KEPT_TRANSLATIONS, **settings)
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    for site, (source, url, owner) in KEPT_OWN.items():
        _shows_thing(output / site, source, url, owner)
        feed = _feed_payment_urls(output / site / "feeds" / f"all-{site}.atom.xml")
        assert feed == {url: [url]}, site
    # The site built first cannot name the thing of the site built after
    # it: its copy has no button, as a hidden copy, and its manifest and
    # feed leave it out. The site built after shows that site's thing.
    source, url, _ = KEPT_OWN[then]
    assert source not in manifest_things(output / first)
    soup = page_as_browsers_read_it(output / first / f"{Path(url).stem}-{then}.html")
    assert (flattr_buttons(soup), payment_links(soup), og(soup, "og:url")) == (
        [],
        [],
        [],
    )
    feed = _feed_payment_urls(output / first / "feeds" / f"all-{then}.atom.xml")
    assert list(feed.values()) == [[]]
    _shows_thing(output / then, *KEPT_OWN[first])

    # The same site again: no URL guard message; nor in a strict build.
    for strict in (False, True):
        again = i18n_build(tmp_path, {}, **settings, FLATTR_STRICT=strict)
        assert (again.messages, again.status) == ([], 0)
    for site, (source, url, _) in KEPT_OWN.items():
        assert _baseline_entries(_baseline(tmp_path, site)) == [(source, url)]


def test_a_translation_pays_the_originals_author_by_its_owner_not_its_url(
    tmp_path,
):
    # On its language's site, a translation is its own thing, as without
    # i18n_subsites: a pin of the original's URL is refused, its
    # Flattr_owner gives the thing to the original's author.
    files = {
        "post.md": article("Post in English", "Alice", Lang="en", Slug="post"),
        "post-de.md": article(
            "Beitrag",
            "Bernd",
            Lang="de",
            Slug="post",
            Flattr_url=f"{SITEURL}/post.html",
        ),
        "otro.md": article("Another in English", "Alice", Lang="en", Slug="otro"),
        "otro-de.md": article(
            "Anderer Beitrag", "Bernd", Lang="de", Slug="otro", Flattr_owner="alice"
        ),
    }
    built = i18n_build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice", "Bernd": "b"})
    assert built.messages == [
        f"pelican-flattr: I18N_SUBSITES['de']: post-de.md: its thing URL "
        f"{SITEURL}/post.html is already the thing of post.md in another site of "
        "this build (i18n_subsites); Flattr keeps one thing per URL, so it gets no "
        "Flattr button: give this language's site a FLATTR_SITEURL of its own "
        "(I18N_SUBSITES['de']['FLATTR_SITEURL']), or pin a different flattr_url"
    ]
    output = tmp_path / "output"
    _shows_thing(output, "post.md", f"{SITEURL}/post.html", "alice")
    _shows_thing(output / "de", "otro-de.md", f"{SITEURL}/de/otro.html", "alice")
    assert "post-de.md" not in manifest_things(output / "de")


def test_a_pin_spelling_another_sites_thing_url_otherwise_is_refused(tmp_path):
    # Kept untranslated, post-de.md is resolved by both sites. Compared as
    # written, its pin was no thing URL of another site to the German one:
    # there it took the URL from the copy of post.md, which was said to
    # pin it too, without the site's name.
    pinned = "HTTPS://BLOG.EXAMPLE.ORG/post.html"
    files = {
        "post.md": article("Post in English", "Alice", Lang="en", Slug="post"),
        "post-de.md": article(
            "Beitrag", "Bernd", Lang="de", Slug="beitrag", Flattr_url=pinned
        ),
    }
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "b"},
        I18N_UNTRANSLATED_ARTICLES="keep",
    )
    assert built.messages == [
        f"pelican-flattr: post-de.md: metadata 'flattr_url' pins {pinned}, "
        f"another spelling of {SITEURL}/post.html, the URL of post.md's own "
        "page, which keeps that thing; Flattr keeps one thing per URL, so "
        "post-de.md gets no Flattr button (pin a different flattr_url, or "
        "remove it)",
        f"pelican-flattr: I18N_SUBSITES['de']: post-de.md: its thing URL "
        f"{pinned}, another spelling of {SITEURL}/post.html, is already the "
        "thing of post.md in another site of this build (i18n_subsites); Flattr "
        "keeps one thing per URL, so it gets no Flattr button: give this "
        "language's site a FLATTR_SITEURL of its own "
        "(I18N_SUBSITES['de']['FLATTR_SITEURL']), or pin a different flattr_url",
    ]
    output = tmp_path / "output"
    _shows_thing(output, "post.md", f"{SITEURL}/post.html", "alice")
    for site in (output, output / "de"):
        things = manifest_things(site)
        assert {source: thing["url"] for source, thing in things.items()} == {
            "post.md": f"{SITEURL}/post.html"
        }, site


@pytest.mark.parametrize("resolve", ["pin", "accept", "accept-in-de"])
def test_a_translations_thing_an_earlier_site_had_is_said_moved_once(tmp_path, resolve):
    # Written by the earlier version, the Spanish site's baseline holds the
    # German translation at the Spanish copy's URL, and the German site's
    # leaves it out. Now the German site has the thing, at its own URL: a
    # change, said once, by the German site, until pinned or accepted.
    settings = {**KEPT_SETTINGS, "I18N_SUBSITES": {"de": {}, "es": {}}}
    assert i18n_build(tmp_path, KEPT_TRANSLATIONS, **settings).messages == []
    old_url, new_url = f"{SITEURL}/es/post-de.html", KEPT_OWN["de"][1]
    earlier = {"de": [], "es": [KEPT_OWN["es"], ("post-de.md", old_url, "bernd")]}
    for site, things in earlier.items():
        entries = [{"owner": o, "source": s, "url": u} for s, u, o in things]
        document = {"baseline_version": 1, "language_site": site, "things": entries}
        _baseline(tmp_path, site).write_text(json.dumps(document), encoding="utf-8")
    for _ in range(2):  # said until resolved
        built = i18n_build(tmp_path, {}, **settings)
        (said,) = built.messages
        assert said.startswith(
            "pelican-flattr: I18N_SUBSITES['de']: post-de.md: thing URL changed "
            f"from {old_url} to {new_url}:"
        )
        assert f"add 'Flattr_url: {old_url}' to post-de.md" in said
    files: dict[str, str] = {}
    url = new_url
    if resolve == "pin":
        pinned = article(
            "Beitrag auf Deutsch", "Bernd", Lang="de", Slug="post", Flattr_url=old_url
        )
        resolved, files, url = settings, {"post-de.md": pinned}, old_url
    elif resolve == "accept":
        resolved = {**settings, "FLATTR_ACCEPT_URL_CHANGES": [old_url]}
    else:
        de = {"FLATTR_ACCEPT_URL_CHANGES": [old_url]}
        resolved = {**settings, "I18N_SUBSITES": {"de": de, "es": {}}}
    # Silent once resolved, and after (an acceptance taken out again).
    for build_settings in (resolved, settings):
        built = i18n_build(tmp_path, files, **build_settings, FLATTR_STRICT=True)
        assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    _shows_thing(output / "de", "post-de.md", url, "bernd")
    assert "post-de.md" not in manifest_things(output / "es")
    assert "post-de.md" not in dict(_baseline_entries(_baseline(tmp_path, "es")))
    for site in ("", "de", "es"):
        assert pelican_flattr(["audit", str(output / site)]) == 0, site


@pytest.mark.parametrize(
    "own",
    [{"PLUGINS": ["i18n_subsites"]}, {"FLATTR_PAGES": False}],
    ids=["without-the-plugin", "pages-off"],
)
def test_a_copy_is_not_left_to_a_languages_site_that_gives_it_no_thing(tmp_path, own):
    # Left to the German site, whose own settings load no pelican_flattr
    # (or give pages no thing), the German translation (and page) had no
    # thing on any site, and nothing said so: the Spanish site, built
    # first, gives its copy the thing, as before.
    files = {
        "post.md": article("Post in English", "Alice", Lang="en", Slug="post"),
        "post-de.md": article("Beitrag auf Deutsch", "Bernd", Lang="de", Slug="post"),
        "pages/about.md": article("About", "Alice", Lang="en", Slug="about"),
        "pages/about-de.md": article("Uber uns", "Bernd", Lang="de", Slug="about"),
    }
    settings = {
        **KEPT_SETTINGS,
        "FLATTR_AUTHORS": {"Alice": "alice", "Bernd": "bernd"},
        "I18N_UNTRANSLATED_PAGES": "keep",
        "FLATTR_PAGES": True,
        "I18N_SUBSITES": {"de": own, "es": {}},
    }
    built = i18n_build(tmp_path, files, **settings)
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    things = manifest_things(output / "es")
    assert things["pages/about-de.md"]["url"] == f"{SITEURL}/es/pages/about-de.html"
    if "PLUGINS" in own:
        assert things["post-de.md"]["url"] == f"{SITEURL}/es/post-de.html"
    else:
        # The German site gives its article a thing, but not its page.
        assert "post-de.md" not in things
        _shows_thing(output / "de", *KEPT_OWN["de"])


def test_a_languages_site_that_loads_a_module_of_the_plugin_gets_its_copies(
    tmp_path,
):
    # Pelican loads "pelican_flattr.plugin" as it loads "pelican_flattr"
    # (both have register), and the German site's build ran with the
    # plugin (build.loaded_by). The Spanish site, built first, asked
    # another rule (the entry's last dotted part), took the German site for
    # one without the plugin, and kept the German translation's thing at
    # its own copy's URL (es/post-de.html), which the German site's page
    # then showed. One rule (settings.has_plugin) leaves it to the German
    # site, as with "pelican_flattr".
    files = {
        "post.md": article("Post in English", "Alice", Lang="en", Slug="post"),
        "post-de.md": article("Beitrag auf Deutsch", "Bernd", Lang="de", Slug="post"),
    }
    manifests = []
    for module in ("pelican_flattr", "pelican_flattr.plugin"):
        folder = tmp_path / module
        own = {"PLUGINS": ["i18n_subsites", module]}
        built = i18n_build(
            folder,
            files,
            FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd"},
            I18N_UNTRANSLATED_ARTICLES="keep",
            I18N_SUBSITES={"de": own, "es": {}},
        )
        assert (built.messages, built.status) == ([], 0), module
        output = folder / "output"
        assert "post-de.md" not in manifest_things(output / "es"), module
        _shows_thing(output / "de", *KEPT_OWN["de"])
        manifests.append(
            {site: manifest_things(output / site) for site in ("de", "es")}
        )
    assert manifests[0] == manifests[1]


@pytest.mark.parametrize(
    ("order", "relative_urls", "slug"),
    [
        (("de", "es"), False, "post"),
        (("es", "de"), False, "post"),
        (("es", "de"), True, "post"),
        # The copies' entries link über.html percent-encoded, as feeds
        # write a URL: matched as written (%C3%BC), they lost their links.
        (("es", "de"), False, "über"),
    ],
    ids=["de-es", "es-de", "es-de-RELATIVE_URLS", "es-de-non-ASCII-slug"],
)
def test_a_kept_copys_feed_entry_pays_the_thing_its_page_shows(
    tmp_path, order, relative_urls, slug
):
    # i18n_subsites points a kept copy at its own language's page only
    # once every site's things are attached (the English copy's entry on
    # the Spanish site links the main site's post.html; the German one's
    # es/de/post.html, a page no site writes: its bug). Matched by the URL
    # its thing was attached with, the entry got no payment link, and the
    # audit of the Spanish site, which found the English thing by the
    # entry's link, failed: "has no payment link".
    sources = {
        "Post in English": "post.md",
        "Beitrag auf Deutsch": "post-de.md",
        "Another in English": "otro.md",
        "Otro en espanol": "otro-es.md",
    }
    settings = {
        **KEPT_SETTINGS,
        "I18N_SUBSITES": {lang: {} for lang in order},
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "RELATIVE_URLS": relative_urls,
    }
    files = {
        **KEPT_TRANSLATIONS,
        "post.md": article("Post in English", "Alice", Lang="en", Slug=slug),
        "post-de.md": article("Beitrag auf Deutsch", "Bernd", Lang="de", Slug=slug),
    }
    built = i18n_build(tmp_path, files, **settings)
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output" / "es"
    things = manifest_things(output)
    # Built after the German site, the Spanish one shows its thing on the
    # German copy; built before it, no button there.
    kept = ["post.md"] if order == ("de", "es") else ["post-de.md", "post.md"]
    assert sorted(things) == ["otro-es.md", *kept]
    for source, thing in things.items():
        _shows_thing(output, source, thing["url"], thing["owner"]["value"])
    if "post-de.md" not in things:
        copy = output / f"{slug}-de.html"
        assert not flattr_buttons(page_as_browsers_read_it(copy))
    # Each entry pays the thing its copy's page shows, if it shows one.
    feed_file = output / "feeds" / "all.atom.xml"
    shown = {}
    for entry in feedparser.parse(feed_file.read_bytes()).entries:
        thing = things.get(sources[entry.title])
        shown[entry.link] = [thing["url"]] if thing else []
    assert len(shown) == 4
    assert _feed_payment_urls(feed_file) == shown
    for site in ("", "de", "es"):
        assert pelican_flattr(["audit", str(tmp_path / "output" / site)]) == 0, site


def _audit_with_settings(tmp_path, capsys, settings_text: str) -> tuple[int, dict]:
    """The audit of tmp_path/output, as --json, given a settings file
    beside it of the site's URL and folder followed by ``settings_text``."""
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"SITEURL = {SITEURL!r}\nOUTPUT_PATH = 'output'\n{settings_text}")
    capsys.readouterr()
    output = tmp_path / "output"
    status = pelican_flattr(["audit", str(output), "--json", "--settings", str(conf)])
    return status, json.loads(capsys.readouterr().out)


_NUR_FILES = {**SEUL_FILES, "nur.md": article("Nur", "Alice", Lang="de", Slug="nur")}
_I18N_PLUGINS = "PLUGINS = ['i18n_subsites', 'pelican_flattr']\n"


# German built into deutsch/, the name of no language; Brazilian
# Portuguese into pt/, the name of the language its things have (Flattr's
# pt_PT has no Brazil): only its being a live language's folder tells it.
@pytest.mark.parametrize(("lang", "folder"), [("de", "deutsch"), ("pt-br", "pt")])
def test_a_live_languages_own_folder_and_a_site_kept_below_are_no_removed_language(
    tmp_path, capsys, lang, folder
):
    # The language's site at SITEURL/FOLDER, as its I18N_SUBSITES entry
    # sets it; a site built on its own at SITEURL/blog, copied into blog/.
    # Neither is the output of a language taken out: FOLDER/ is a live
    # site, and blog/'s manifest records no thing in a language "blog".
    # Both are other sites' output to audit on their own.
    authors = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    output = tmp_path / "output"
    own = {"OUTPUT_PATH": str(output / folder), "SITEURL": f"{SITEURL}/{folder}"}
    files = {**SEUL_FILES, "nur.md": article("Nur", "Alice", Lang=lang, Slug="nur")}
    built = i18n_build(tmp_path, files, **authors, I18N_SUBSITES={lang: own})
    assert built.status == 0
    blog = {"PLUGINS": ["pelican_flattr"], "I18N_SUBSITES": {}}
    files = {"post.md": article("A post of the blog", "Alice")}
    built = i18n_build(
        tmp_path / "blog", files, **authors, **blog, SITEURL=f"{SITEURL}/blog"
    )
    assert built.status == 0
    shutil.copytree(tmp_path / "blog" / "output", output / "blog")
    # As the settings file names it: below the site's OUTPUT_PATH, which
    # Pelican takes in the settings file's folder.
    status, report = _audit_with_settings(
        tmp_path,
        capsys,
        f"{_I18N_PLUGINS}I18N_SUBSITES = {{{lang!r}: {{'OUTPUT_PATH': OUTPUT_PATH "
        f"+ '/{folder}', 'SITEURL': SITEURL + '/{folder}'}}}}\n",
    )
    assert (status, report["problems"]) == (0, [])
    assert report["other_sites"] == sorted(["blog", folder])


# Without PLUGINS, Pelican loads every plugin installed where it builds:
# the audit cannot know the build's, and takes I18N_SUBSITES as built.
@pytest.mark.parametrize(
    ("plugins", "found"),
    [
        ("PLUGINS = ['pelican_flattr']\n", (1, [("de/", "language-removed")], [])),
        ("", (0, [], ["de"])),
    ],
)
def test_a_language_left_in_i18n_subsites_without_the_plugin_is_removed_output(
    tmp_path, capsys, plugins, found
):
    # i18n_subsites taken out of PLUGINS, I18N_SUBSITES left: the build
    # runs no German site and says so, and de/ holds the buttons of things
    # no build has any more.
    authors = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    assert i18n_build(tmp_path, _NUR_FILES, **authors).status == 0
    built = i18n_build(tmp_path, {}, **authors, PLUGINS=["pelican_flattr"])
    assert built.status == 0
    assert any("'de' is no longer built" in m for m in built.messages), built.messages
    status, report = _audit_with_settings(
        tmp_path, capsys, plugins + "I18N_SUBSITES = {'de': {}}\n"
    )
    kinds = [(problem["file"], problem["kind"]) for problem in report["problems"]]
    assert (status, kinds, report["other_sites"]) == found
    for problem in report["problems"]:
        assert problem["expected"] == (
            "no output of a language the settings do not build there: delete de/ "
            "(or set DELETE_OUTPUT_DIRECTORY = True), or put i18n_subsites back "
            "in PLUGINS"
        )


def test_a_languages_folder_left_when_its_site_moved_is_removed_output(
    tmp_path, capsys
):
    # The German site given an OUTPUT_PATH of its own (deutsch/) left de/
    # behind, its buttons those of things at URLs no build has any more:
    # skipped as a language of the settings, it passed the audit.
    authors = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    assert i18n_build(tmp_path, _NUR_FILES, **authors).status == 0
    output = tmp_path / "output"
    own = {"OUTPUT_PATH": str(output / "deutsch"), "SITEURL": f"{SITEURL}/deutsch"}
    built = i18n_build(tmp_path, {}, **authors, I18N_SUBSITES={"de": own})
    assert built.status == 0
    status, report = _audit_with_settings(
        tmp_path,
        capsys,
        f"{_I18N_PLUGINS}I18N_SUBSITES = {{'de': {{'OUTPUT_PATH': OUTPUT_PATH "
        "+ '/deutsch', 'SITEURL': SITEURL + '/deutsch'}}\n",
    )
    assert status == 1
    (problem,) = report["problems"]
    assert (problem["file"], problem["kind"]) == ("de/", "language-removed")
    assert "whose site the settings build in deutsch/ now" in problem["problem"]
    assert problem["expected"] == (
        "no output of a language the settings do not build there: delete de/ "
        "(or set DELETE_OUTPUT_DIRECTORY = True)"
    )
    assert report["other_sites"] == ["deutsch"]


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_a_languages_static_og_image_is_the_main_sites_file(tmp_path, cache_layer):
    # A language's site reads no static files: i18n_subsites links the
    # main site's into its context once every site is read, after the
    # og:image was resolved. Resolved then, it named de/images/a.png, which
    # no site writes, and was warned of as no file of the site.
    files = {
        "images/a.png": "not really a PNG",
        "a.md": article("Bild", "Alice", Lang="de", Og_image="{static}/images/a.png"),
    }
    settings = dict(
        FLATTR_AUTHORS={"Alice": "alice"},
        STATIC_PATHS=["images"],
        CACHE_CONTENT=True,
        LOAD_CONTENT_CACHE=True,
        CONTENT_CACHING_LAYER=cache_layer,
        CACHE_PATH=str(tmp_path / "cache"),
    )
    output = tmp_path / "output"
    # The second build, its files unchanged, reads the article from the
    # cache, where the generator layer keeps it with the first build's
    # context, in which i18n_subsites had linked no file yet.
    for written in (files, {}):
        built = i18n_build(tmp_path, written, **settings)
        assert (built.messages, built.status) == ([], 0)
        (image,) = og(page_as_browsers_read_it(output / "de" / "bild.html"), "og:image")
        assert image == f"{SITEURL}/de/../images/a.png"
        assert (output / "images" / "a.png").is_file()


def test_a_languages_site_stopped_by_pelicans_fatal_fails_the_audit(tmp_path, capsys):
    # i18n_subsites builds each language's site inside the main site's
    # run, before the main site writes a page. pelican --fatal errors stops
    # the German site as it writes its pages (a misspelt helper in its own
    # templates): its manifest goes, and the main site's pages and manifest,
    # not written again, still agree.
    content, output, theme = tmp_path / "content", tmp_path / "output", tmp_path / "t"
    content.mkdir()
    theme.mkdir()
    (content / "a.md").write_text(article("Hello", "Alice", Lang="en", Slug="hello"))
    (content / "b.md").write_text(article("Hallo", "Alice", Lang="de", Slug="hallo"))
    options = [
        'PLUGINS=["i18n_subsites", "pelican_flattr"]',
        'FLATTR_USERNAME="alice"',
        'I18N_SUBSITES={"de": {}}',
    ]
    assert run_pelican(content, output, *options).returncode == 0
    main_manifest = (output / "flattr-manifest.json").read_bytes()
    assert (output / "de" / "flattr-manifest.json").exists()
    (content / "b.md").write_text(
        article("Hallo", "Alice", Lang="de", Slug="hallo", body="Neue Worte.")
    )
    (theme / "index.html").write_text("{{ flattr_buton(articles[0]) }}")
    options[-1] = (
        f'I18N_SUBSITES={{"de": {{"THEME_TEMPLATES_OVERRIDES": ["{theme}"]}}}}'
    )
    failed = run_pelican(content, output, *options, "--fatal", "errors")
    said = failed.stdout + failed.stderr
    assert failed.returncode == 1, said
    assert "flattr_buton is no helper of pelican-flattr" in said
    assert "Neue Worte." in (output / "de" / "hallo.html").read_text()
    assert not (output / "de" / "flattr-manifest.json").exists()
    assert (output / "flattr-manifest.json").read_bytes() == main_manifest
    capsys.readouterr()
    assert pelican_flattr(["audit", str(output / "de")]) == 2
    # The main site's audit reads the German pages as its own, without the
    # manifest that would set them aside: it fails too.
    assert pelican_flattr(["audit", str(output)]) == 1


def test_a_language_only_author_deleted_and_accepted_stays_no_typo(tmp_path):
    # Bernd writes only in German. His one article deleted and its URL
    # accepted, the builds that followed passed, until one where the German
    # site's guard compared something (Alice's first German article): that
    # site's released entry was not counted, Bernd's key was called
    # misspelt, and a strict build failed, then passed when run again.
    authors = {"Alice": "alice", "Bernd": "bernd"}
    files = {
        "a.md": article("Alice in English", "Alice"),
        "b.md": article("Bernd auf Deutsch", "Bernd", Lang="de", Slug="bernd"),
    }
    i18n_build(tmp_path, files, FLATTR_AUTHORS=authors)
    url = manifest_things(tmp_path / "output" / "de")["b.md"]["url"]
    (tmp_path / "content" / "b.md").unlink()
    settings = {
        "FLATTR_AUTHORS": authors,
        "FLATTR_ACCEPT_URL_CHANGES": [url],
        "FLATTR_STRICT": True,
    }
    assert i18n_build(tmp_path, {}, **settings).status == 0
    added = {"c.md": article("Alice auf Deutsch", "Alice", Lang="de", Slug="alice")}
    built = i18n_build(tmp_path, added, **settings)
    assert built.status == 0, built.messages
    said = [m for m in built.messages if "FLATTR_AUTHORS['Bernd']" in m]
    assert len(said) == 1 and "remove the key once" in said[0], said


def test_a_languages_own_key_spelt_as_another_sites_author_is_no_typo(tmp_path):
    # Alice writes in English only. German's own map names her by her slug,
    # which no other site's map spells so: the key was called misspelt, and
    # failed a strict build, as keys were matched by their text across
    # sites, not by the authors they name.
    others = {key: AUTHORS[key] for key in ("Bernd", "Carol")}
    languages = {
        "de": {"FLATTR_AUTHORS": dict(others, alice="alice")},
        "fr": {"FLATTR_AUTHORS": dict(others, Dora="dora")},
    }
    settings = dict(SETTINGS, I18N_SUBSITES=languages, FLATTR_STRICT=True)
    built = i18n_build(tmp_path, FILES, **settings)
    # Dora writes nothing anywhere: her key is still said.
    assert [m for m in built.messages if "names no author" in m] == [
        "pelican-flattr: I18N_SUBSITES['fr'] FLATTR_AUTHORS['Dora'] names no "
        "author of this site (by name or slug); check its spelling, or remove it "
        "if the author has no content left"
    ]


def test_the_bundled_themes_feed_links_lead_to_each_languages_feeds(tmp_path):
    # i18n_subsites gives a language's site the main site's FEED_DOMAIN:
    # the theme linked /feeds/bernd.atom.xml from /de/author/bernd.html,
    # where that site writes /de/feeds/bernd.atom.xml.
    from conftest import ROOT

    built = i18n_build(tmp_path, FILES, **dict(SETTINGS, THEME=str(ROOT / "theme")))
    assert built.status == 0, built.messages
    output = tmp_path / "output"
    checked = 0
    for site in ("", "de", "fr"):
        pages = [output / site / "index.html", *(output / site).glob("author/*.html")]
        for path in pages:
            soup = page_as_browsers_read_it(path)
            for link in soup.find_all("link", rel="alternate", type=True):
                if "xml" not in link["type"]:
                    continue
                assert link["href"].startswith(f"{SITEURL}/{site}".rstrip("/") + "/")
                feed = output / link["href"].removeprefix(SITEURL + "/")
                assert feed.is_file(), (path, link["href"])
                checked += 1
    assert checked > 10
