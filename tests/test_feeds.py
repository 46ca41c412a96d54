"""Payment links in every feed Pelican writes, read back by a real feed parser."""

import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, quote, urlsplit

import feedparser
import pytest
from conftest import (
    SITEURL,
    article,
    flattr_buttons,
    manifest_things,
    page,
)
from conftest import payment_links as page_payment_links
from hypothesis import given, settings
from hypothesis import strategies as st
from pelican.settings import DEFAULT_CONFIG

from pelican_flattr.cli import main as audit_main_cli
from pelican_flattr.feeds import feed_key, item_key, payment_href, url_of_href
from pelican_flattr.thing import percent_encode

AUTHORS = {"Alice": "alice", "Bob": "twitter:user:id:9"}
# An old URL of the site, whose slug has changed since.
PINNED = f"{SITEURL}/2019/pinned/"

EVERY_FEED = {
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "CATEGORY_FEED_RSS": "feeds/{slug}.rss.xml",
    "AUTHOR_FEED_ATOM": "feeds/author-{slug}.atom.xml",
    "AUTHOR_FEED_RSS": "feeds/author-{slug}.rss.xml",
    "TAG_FEED_ATOM": "feeds/tag-{slug}.atom.xml",
    "TAG_FEED_RSS": "feeds/tag-{slug}.rss.xml",
    "TRANSLATION_FEED_ATOM": "feeds/all-{lang}.atom.xml",
    "TRANSLATION_FEED_RSS": "feeds/all-{lang}.rss.xml",
}
# FEED_APPEND_REF came with Pelican 4.10; an older one ignores the setting.
needs_feed_append_ref = pytest.mark.skipif(
    "FEED_APPEND_REF" not in DEFAULT_CONFIG, reason="Pelican < 4.10: no FEED_APPEND_REF"
)


def files():
    return {
        "one.md": article(
            'Fish & "chips" #1 ; 100%', "Alice", tags="food, a&b", category="Kitchen"
        ),
        "two.md": article("Second article here", "Bob", category="Workshop"),
        "pinned.md": article("Pinned article", "Alice", flattr_url=PINNED),
        "out.md": article("Opted out article", "Alice", flattr="no"),
        "eve.md": article("Nobody owns this one", "Eve"),
        "en.md": article("Soldering basics", "Alice", slug="solder", lang="en"),
        "de.md": article("Grundlagen des Lötens", "Alice", slug="solder", lang="de"),
    }


def payment_links(links):
    return [link for link in links if link.get("rel") == "payment"]


def read_feeds(output):
    feeds = {}
    for path in sorted((output / "feeds").iterdir()):
        text = path.read_text(encoding="utf-8")
        ET.fromstring(text.encode("utf-8"))  # well-formed XML, or this raises
        assert "&amp;amp;" not in text, path
        parsed = feedparser.parse(text)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        feeds[path.name] = parsed
    return feeds


@pytest.mark.parametrize(
    "append_ref", [False, pytest.param(True, marks=needs_feed_append_ref)]
)
def test_every_feed_entry_of_an_owned_article_has_one_payment_link(site, append_ref):
    output = site(
        files(), FLATTR_AUTHORS=AUTHORS, FEED_APPEND_REF=append_ref, **EVERY_FEED
    )
    things = {t["url"]: t for t in manifest_things(output).values()}
    by_page = {f"{SITEURL}/{t['page']}": t for t in things.values()}
    feeds = read_feeds(output)
    assert {
        "all.atom.xml",
        "all.rss.xml",
        "kitchen.atom.xml",
        "kitchen.rss.xml",
        "author-bob.atom.xml",
        "author-bob.rss.xml",
        "tag-food.atom.xml",
        "tag-food.rss.xml",
        "all-de.atom.xml",
        "all-de.rss.xml",
    } <= set(feeds)
    seen = set()
    for name, parsed in feeds.items():
        assert parsed.entries, name
        for entry in parsed.entries:
            link = entry.link.removesuffix("?ref=feed")
            assert entry.link.endswith("?ref=feed") is append_ref
            links = payment_links(entry.get("links", []))
            thing = by_page.get(link)
            if thing is None:  # opted out or without owner
                assert links == [], (name, entry.title)
                continue
            assert len(links) == 1, (name, entry.title)
            assert links[0]["type"] == "text/html"
            assert links[0]["href"] == thing["auto_submit_url"]
            query = parse_qs(urlsplit(links[0]["href"]).query)
            expected_url = PINNED if thing["source"] == "pinned.md" else link
            assert query["url"] == [expected_url]
            seen.add(thing["source"])
            assert any(name == f.split("/")[-1] for f in thing["feeds"]), name
        # Without FLATTR_USERNAME there is no site-wide payment link.
        assert payment_links(parsed.feed.get("links", [])) == []
    assert seen == {"one.md", "two.md", "pinned.md", "en.md", "de.md"}
    # The manifest lists exactly the feeds that carry each thing.
    one = next(t for t in things.values() if t["source"] == "one.md")
    assert one["feeds"] == sorted(
        f"feeds/{n}"
        for n in (
            "all.atom.xml",
            "all.rss.xml",
            "all-en.atom.xml",
            "all-en.rss.xml",
            "kitchen.atom.xml",
            "kitchen.rss.xml",
            "author-alice.atom.xml",
            "author-alice.rss.xml",
            "tag-food.atom.xml",
            "tag-food.rss.xml",
            "tag-ab.atom.xml",
            "tag-ab.rss.xml",
        )
    )


def audit_main(args):
    return audit_main_cli(["audit", *args])


@pytest.mark.parametrize("relative", [False, True])
def test_a_siteurl_with_its_scheme_in_capitals_is_kept_and_its_feeds_paid(
    site, relative
):
    # SITEURL = "HTTPS://...": the manifest held "HTTPS://..." thing URLs,
    # which its own schema refused, so that audit and diff refused the site
    # the build had just written; and no feed entry had a payment link,
    # since Pelican writes the items' links with the scheme in lower case
    # and the feed's own as SITEURL has it. The URLs stay as written: a
    # site that published them so keeps its things (and flattrs). With
    # RELATIVE_URLS, a link whose path holds a ":" is no scheme.
    host = SITEURL.removeprefix("https://")
    output = site(
        {
            "a.md": article("Capital scheme", "Alice"),
            "p.md": article(
                "Pinned", "Alice", flattr_url=f"Https://{host}/2019/pinned/"
            ),
            "c.md": article(
                "Colon", "Alice", url="Re:Build.html", save_as="Re:Build.html"
            ),
        },
        SITEURL="" if relative else f"HTTPS://{host}",
        FLATTR_SITEURL=f"HTTPS://{host}" if relative else None,
        RELATIVE_URLS=relative,
        FLATTR_AUTHORS=AUTHORS,
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    things = manifest_things(output)
    assert {t["url"] for t in things.values()} == {
        f"HTTPS://{host}/capital-scheme.html",
        f"HTTPS://{host}/Re:Build.html",
        f"Https://{host}/2019/pinned/",
    }
    (entries,) = [feed.entries for feed in read_feeds(output).values()]
    assert sorted(payment_links(e.links)[0]["href"] for e in entries) == sorted(
        t["auto_submit_url"] for t in things.values()
    )
    assert audit_main([str(output)]) == 0


def _paste_payment_link(feed, from_entry, to_entry):
    """Copy the payment link of the entry linking ``from_entry`` into the
    one linking ``to_entry``, in an Atom feed, as a hand edit would."""
    text = feed.read_text(encoding="utf-8")
    start = text.index(f'href="{from_entry}"')
    start = text.index('<link href="https://flattr.com/', start)
    link = text[start : text.index(">", start) + 1]
    at = text.index(f'href="{to_entry}"')
    at = text.index(">", at) + 1
    feed.write_text(text[:at] + link + text[at:], encoding="utf-8")
    return link


@pytest.mark.parametrize("flattr_siteurl", [None, "https://www.example.com"])
def test_the_audit_refuses_a_payment_link_on_another_articles_entry(
    site, capsys, flattr_siteurl
):
    # An entry the audit could not match to a thing was taken to be the
    # thing its payment link named: the link vouched for itself, and one
    # pasted into another entry (readers paying the wrong owner) passed.
    files = {
        "a.md": article("Alpha", "Alice", slug="alpha"),
        "b.md": article("Beta", "Bob", slug="beta"),
        "c.md": article("Gamma", "Alice", slug="gamma", flattr="no"),
    }
    options = {"FEED_ALL_ATOM": "feeds/all.atom.xml", "FLATTR_AUTHORS": AUTHORS}
    if flattr_siteurl:  # entries written from SITEURL, things from this
        options["FLATTR_SITEURL"] = flattr_siteurl
    output = site(files, **options)
    assert audit_main([str(output)]) == 0  # as built: matched all the same
    feed = output / "feeds" / "all.atom.xml"
    built = feed.read_text(encoding="utf-8")
    for other in ("gamma", "beta"):  # no thing; another thing
        feed.write_text(built, encoding="utf-8")
        _paste_payment_link(feed, f"{SITEURL}/alpha.html", f"{SITEURL}/{other}.html")
        capsys.readouterr()
        assert audit_main([str(output), "--json"]) == 1, other
        problems = json.loads(capsys.readouterr().out)["problems"]
        assert any(
            p["file"] == "feeds/all.atom.xml"
            and p["problem"].startswith(f"the entry {SITEURL}/{other}.html ")
            for p in problems
        ), problems


@pytest.mark.parametrize(
    "settings",
    [
        # Pages saved as "x.html" and linked as "x", behind a rewriting
        # server, one of them with its thing URL pinned elsewhere.
        {"ARTICLE_URL": "{slug}", "ARTICLE_SAVE_AS": "{slug}.html"},
        # Entry links relative ("delta.html"), things under FLATTR_SITEURL.
        {
            "SITEURL": "",
            "RELATIVE_URLS": True,
            "FLATTR_SITEURL": "https://blog.example.org",
        },
        # The German translation's entry links de/delta.html, a server's
        # rewrite of delta-de.html: under the site's URL, a link to no file.
        # Its ending names the English page (delta.html), as it would for
        # a link from another base, read by its ending: not this one.
        {
            "ARTICLE_LANG_URL": "{lang}/{slug}.html",
            "TRANSLATION_FEED_ATOM": "feeds/all-{lang}.atom.xml",
        },
    ],
    ids=["rewritten URLs", "relative URLs", "rewritten language URLs"],
)
def test_entries_the_audit_matches_by_their_payment_link_pass(site, settings):
    # An entry whose link names no page of the site is known by its
    # payment link: the first form of the check for pasted links refused
    # these, as built.
    files = {
        "d.md": article(
            "Delta",
            "Alice",
            slug="delta",
            flattr_url=PINNED.replace("pinned/", "d.html"),
        ),
        "d-de.md": article(
            "Delta auf Deutsch",
            "Alice",
            slug="delta",
            lang="de",
            flattr_url=PINNED.replace("pinned/", "d-de.html"),
        ),
        "e.md": article("Echo", "Bob", slug="echo"),
    }
    output = site(
        files, FEED_ALL_ATOM="feeds/all.atom.xml", FLATTR_AUTHORS=AUTHORS, **settings
    )
    assert audit_main([str(output)]) == 0


@needs_feed_append_ref
def test_a_payment_link_pasted_into_an_entry_is_found_with_feed_append_ref(
    site, capsys
):
    # FEED_APPEND_REF adds "?ref=feed" to each entry's link: the pasted
    # link's entry was looked up with it, found no page, and passed.
    files = {
        "a.md": article(
            "Alpha", "Alice", slug="x", save_as="2024/x.html", url="2024/x.html"
        ),
        "b.md": article(
            "Beta", "Bob", slug="b", flattr="no", save_as="x.html", url="x.html"
        ),
    }
    output = site(
        files,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_APPEND_REF=True,
        FLATTR_AUTHORS=AUTHORS,
    )
    assert audit_main([str(output)]) == 0
    _paste_payment_link(
        output / "feeds" / "all.atom.xml",
        f"{SITEURL}/2024/x.html?ref=feed",
        f"{SITEURL}/x.html?ref=feed",
    )
    capsys.readouterr()
    assert audit_main([str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert any("which is not this entry's" in p["problem"] for p in problems), problems


def test_an_entry_in_a_feed_listed_for_other_things_is_told_it_was_left_there(
    site, capsys
):
    # A feed the manifest lists, holding an entry of a thing it does not
    # list there (Beta's, once in News, without its payment link): an
    # entry an earlier build left. It was told the advice for a feed the
    # build writes no link into, a template's (TEMPLATE_PAGES).
    files = {
        "a.md": article("Alpha", "Alice", slug="alpha", category="News"),
        "b.md": article("Beta", "Bob", slug="beta", category="Misc"),
    }
    output = site(
        files, CATEGORY_FEED_ATOM="feeds/{slug}.atom.xml", FLATTR_AUTHORS=AUTHORS
    )
    beta = manifest_things(output)["b.md"]
    assert beta["feeds"] == ["feeds/misc.atom.xml"]
    misc = (output / "feeds" / "misc.atom.xml").read_text(encoding="utf-8")
    entry = misc[misc.index("<entry>") : misc.index("</entry>") + len("</entry>")]
    start = entry.index('<link href="https://flattr.com/')
    entry = entry[:start] + entry[entry.index(">", start) + 1 :]
    news = output / "feeds" / "news.atom.xml"
    text = news.read_text(encoding="utf-8")
    news.write_text(text.replace("</feed>", entry + "</feed>"), encoding="utf-8")
    capsys.readouterr()
    assert audit_main([str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert problems == [
        {
            "file": "feeds/news.atom.xml",
            "problem": f"the entry {SITEURL}/beta.html has no payment link",
            "expected": f"exactly one, to {beta['auto_submit_url']} (the manifest "
            "lists no entry of it in this feed: one an earlier build left? delete "
            "it, or set DELETE_OUTPUT_DIRECTORY = True)",
            "kind": "payment-link-missing",
        }
    ]


def _feed_level_edits(link):
    """Hand edits of a feed's own payment link ``link`` (as written)."""
    other = link.replace("user_id=community", "user_id=mallory")
    return {
        "to another owner": lambda text: text.replace(link, other, 1),
        "deleted": lambda text: text.replace(link, "", 1),
        "doubled": lambda text: text.replace(link, link + link, 1),
    }


@pytest.mark.parametrize("edit", ["to another owner", "deleted", "doubled"])
def test_the_audit_checks_each_feeds_own_payment_link(site, capsys, edit):
    # The site's payment link, under <feed> or <channel>, was never read:
    # one sent to another owner, removed or doubled passed.
    output = site(
        {"a.md": article("Alpha", "Alice", slug="alpha")},
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
    )
    header = json.loads((output / "flattr-manifest.json").read_text())
    site_link = header["site_payment_link"]
    assert "user_id=community" in site_link
    assert audit_main([str(output)]) == 0
    for name, first_entry in (("all.atom.xml", "<entry>"), ("all.rss.xml", "<item>")):
        feed = output / "feeds" / name
        built = feed.read_text(encoding="utf-8")
        # The site's link: the feed's own, before its first entry.
        owner = built.index("user_id=community")
        assert owner < built.index(first_entry)
        start = built.rindex("<", 0, owner)
        link = built[start : built.index(">", owner) + 1]
        feed.write_text(_feed_level_edits(link)[edit](built), encoding="utf-8")
        capsys.readouterr()
        assert audit_main([str(output), "--json"]) == 1, name
        problems = json.loads(capsys.readouterr().out)["problems"]
        assert [p["file"] for p in problems] == [f"feeds/{name}"], problems
        assert "payment links of its own" in problems[0]["problem"]
        feed.write_text(built, encoding="utf-8")


def test_a_feed_the_build_did_not_write_needs_no_site_payment_link(site):
    # A podcast feed copied as a static file, and an XML file whose first
    # bytes read "<feed": each was required to carry the site's link.
    files = {
        "a.md": article("Alpha", "Alice", slug="alpha"),
        "extra/podcast.xml": '<?xml version="1.0"?><rss version="2.0"><channel>'
        "<title>Talks</title><link>https://talks.example.net/</link>"
        "<item><title>One</title><link>https://talks.example.net/1</link></item>"
        "</channel></rss>",
        "extra/feedback.xml": "<feedback><entry>fine</entry></feedback>",
    }
    output = site(
        files,
        STATIC_PATHS=["extra"],
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
    )
    assert (output / "extra" / "podcast.xml").exists()
    assert audit_main([str(output)]) == 0


def test_a_feed_with_a_site_payment_link_the_manifest_lacks_is_reported(site, capsys):
    # With FLATTR_FEEDS off no feed may carry a payment link, its own
    # included: one left from an earlier build, or added, passed. The
    # settings' FLATTR_USERNAME gives the site's thing an owner, but no
    # feed a link to it.
    output = site(
        {"a.md": article("Alpha", "Alice", slug="alpha")},
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
        FLATTR_FEEDS=False,
    )
    assert "site_payment_link" not in json.loads(
        (output / "flattr-manifest.json").read_text()
    )
    assert audit_main([str(output)]) == 0
    feed = output / "feeds" / "all.atom.xml"
    text = feed.read_text(encoding="utf-8")
    at = text.index("</title>") + len("</title>")
    added = (
        '<link href="https://flattr.com/submit/auto?url=x&amp;user_id=m" '
        'rel="payment"/>'
    )
    feed.write_text(text[:at] + added + text[at:], encoding="utf-8")
    conf = output.parent / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nFLATTR_USERNAME = 'community'\nFLATTR_FEEDS = False\n",
        encoding="utf-8",
    )
    for extra in ([], ["--settings", str(conf)]):
        capsys.readouterr()
        assert audit_main([str(output), "--json", *extra]) == 1
        (problem,) = json.loads(capsys.readouterr().out)["problems"]
        assert problem["file"] == "feeds/all.atom.xml"
        assert problem["expected"] == (
            "none: the manifest names no site payment link (FLATTR_USERNAME "
            "unset, or FLATTR_FEEDS off)"
        ), extra


def test_entries_with_non_ascii_links_get_their_payment_link(site, tmp_path):
    # feedgenerator percent-encodes each entry's link; Pelican's URL is not.
    files = {
        "cafe.md": article("Kaffe på Café Ölstugan", "Alice", slug="kaffe-på café"),
        "plain.md": article("Plain ascii post", "Alice"),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
    )
    things = manifest_things(output)
    # The space percent-encoded (no URL holds one as it is), "å" and "é" kept.
    assert things["cafe.md"]["url"] == f"{SITEURL}/kaffe-på%20café.html"
    assert sorted(things["cafe.md"]["feeds"]) == [
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
    ]
    for name, feed in read_feeds(output).items():
        by_link = {entry.link: entry for entry in feed.entries}
        cafe = by_link[f"{SITEURL}/kaffe-p%C3%A5%20caf%C3%A9.html"]
        assert [link.href for link in payment_links(cafe.links)] == [
            things["cafe.md"]["auto_submit_url"]
        ], name
    assert audit_main([str(output)]) == 0
    # And the audit sees such an entry lose its payment link.
    atom = output / "feeds" / "all.atom.xml"
    text = atom.read_text(encoding="utf-8")
    start = text.index('<link href="https://flattr.com/', text.index("kaffe-p%C3%A5"))
    assert text.index('rel="payment"', start) < text.index(">", start)
    atom.write_text(text[:start] + text[text.index(">", start) + 1 :], "utf-8")
    assert audit_main([str(output)]) == 1


# One character each that Pelican keeps in a slug and feedgenerator
# percent-encodes in an entry's link.
@pytest.mark.parametrize("slug", ["hello world", 'a"b', "a|b", "a^b", "a`b", "a{b"])
def test_entries_whose_ascii_links_need_escaping_get_their_payment_link(site, slug):
    # Plain ASCII, but what feedgenerator percent-encodes in an entry's link:
    # the plugin must find the entry under that link all the same.
    files = {"odd.md": article("An oddly named post", "Alice", slug=slug)}
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
    )
    thing = manifest_things(output)["odd.md"]
    assert sorted(thing["feeds"]) == ["feeds/all.atom.xml", "feeds/all.rss.xml"]
    for name, feed in read_feeds(output).items():
        (entry,) = feed.entries
        assert quote(slug) in entry.link, name
        assert [link.href for link in payment_links(entry.links)] == [
            thing["auto_submit_url"]
        ], name
    assert audit_main([str(output)]) == 0


def test_rss_uses_the_atom_namespace(site):
    output = site(files(), FLATTR_AUTHORS=AUTHORS, FEED_ALL_RSS="feeds/all.rss.xml")
    root = ET.parse(output / "feeds" / "all.rss.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}link"
    items = root.findall("./channel/item")
    payment = [
        [link for link in item.findall(atom) if link.get("rel") == "payment"]
        for item in items
    ]
    assert sorted(len(p) for p in payment) == [0, 0, 1, 1, 1, 1, 1]


def test_each_payment_link_is_written_as_flattr_documents_it(site):
    # Read as written, not through feedparser, which gives a link without
    # a type "text/html" of its own: rel, type and href, in Atom and RSS.
    output = site(
        files(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
    )
    things = manifest_things(output).values()
    atom = "{http://www.w3.org/2005/Atom}link"
    for name in ("all.atom.xml", "all.rss.xml"):
        root = ET.parse(output / "feeds" / name).getroot()
        links = [link for link in root.iter(atom) if link.get("rel") == "payment"]
        carried = [t for t in things if f"feeds/{name}" in t["feeds"]]
        assert len(links) == 1 + len(carried) > 2, name  # the site's, and each
        for link in links:
            assert link.attrib["type"] == "text/html", name
            assert link.attrib["href"].startswith("https://flattr.com/submit/auto?")
            assert set(link.attrib) == {"rel", "type", "href"}, name


def test_a_feed_without_owned_entries_keeps_the_sites_payment_link(site):
    # Every article opted out: the feed still offers the site's own thing.
    output = site(
        {"out.md": article("Opted out article", "Alice", flattr="no")},
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    parsed = read_feeds(output)["all.atom.xml"]
    (link,) = payment_links(parsed.feed.links)
    assert parse_qs(urlsplit(link["href"]).query)["user_id"] == ["community"]
    assert payment_links(parsed.entries[0].links) == []


def test_site_username_gives_the_feed_a_payment_link(site):
    output = site(
        files(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
        DEFAULT_LANG="sv",
    )
    for parsed in read_feeds(output).values():
        # The feed's own elements are written as Pelican gave them, the
        # payment link after them.
        assert parsed.feed.title == "Example Community"
        assert parsed.feed.link == f"{SITEURL}/"
        (link,) = payment_links(parsed.feed.links)
        query = parse_qs(urlsplit(link["href"]).query)
        assert query["user_id"] == ["community"]
        assert query["url"] == [f"{SITEURL}/"]
        assert query["title"] == ["Example Community"]
        # No article's lang to follow: DEFAULT_LANG's code, as an article's
        # without FLATTR_LANGUAGE, not always English.
        assert query["language"] == ["sv_SE"]
        # Eve's article now has an owner too: the site.
        eve = next(e for e in parsed.entries if "Nobody" in e.title)
        assert len(payment_links(eve.links)) == 1


@pytest.mark.parametrize("name", ["技術部", "نادي", "Club"])
def test_a_short_site_name_gets_the_sites_address_not_untitled(site, name):
    # Flattr's shortest title is 5 characters: the site's thing was titled
    # "技術部 (untitled)", in English, though the site has a name.
    output = site(
        files(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        SITENAME=name,
    )
    (link,) = payment_links(read_feeds(output)["all.atom.xml"].feed.links)
    query = parse_qs(urlsplit(link["href"]).query)
    address = SITEURL.partition("://")[2]
    assert query["title"] == [f"{name} – {address}"]
    assert query["description"] == [f"{name} – {address}"]
    assert audit_main_cli(["audit", str(output)]) == 0


def test_feeds_can_be_left_alone(site):
    output = site(
        files(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_FEEDS=False,
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    parsed = read_feeds(output)["all.atom.xml"]
    assert all(payment_links(e.links) == [] for e in parsed.entries)
    assert all(t["feeds"] == [] for t in manifest_things(output).values())


def test_each_page_shows_the_payment_url_its_feeds_carry(site):
    # Pelican writes the feeds before the article pages, and each page takes
    # its thing's URL from the feeds: never another thing's. The same slug in
    # two languages and a pinned URL are the cases where keys could mix.
    output = site(files(), FLATTR_AUTHORS=AUTHORS, **EVERY_FEED)
    feed_urls = {
        link["href"]
        for parsed in read_feeds(output).values()
        for entry in parsed.entries
        for link in payment_links(entry.get("links", []))
    }
    things = manifest_things(output)
    assert {t["auto_submit_url"] for t in things.values()} == feed_urls
    for source, thing in things.items():
        soup = page(output / thing["page"])
        hrefs = [a["href"] for a in flattr_buttons(soup)]
        hrefs += [link["href"] for link in page_payment_links(soup)]
        assert hrefs == [thing["auto_submit_url"]] * 2, source


@settings(max_examples=500)
@given(st.text())
def test_the_url_a_page_takes_from_the_feeds_is_the_one_they_quoted(url):
    # Pages keep only the quoted href the feeds wrote; any URL comes back.
    assert url_of_href(payment_href(url)) == url


@given(st.lists(st.tuples(st.text(min_size=1), st.text()), max_size=6))
def test_an_auto_submit_url_is_quoted_with_its_separators_only(parameters):
    url = "https://flattr.com/submit/auto?" + "&".join(
        f"{percent_encode(name)}={percent_encode(value)}" for name, value in parameters
    )
    href = payment_href(url)
    assert href == '"' + url.replace("&", "&amp;") + '"'
    assert url_of_href(href) == url


def _each_entry_and_its_thing(output, things):
    """Each entry of the two feeds of all articles, with the thing its one
    payment link pays (every entry has one), after checking that each of
    ``things`` is in both feeds."""
    for thing in things.values():
        assert thing["feeds"] == ["feeds/all.atom.xml", "feeds/all.rss.xml"]
    by_auto_submit_url = {t["auto_submit_url"]: t for t in things.values()}
    for name, feed in read_feeds(output).items():
        assert len(feed.entries) == len(things), name
        for entry in feed.entries:
            links = payment_links(entry.links)
            assert len(links) == 1, (name, entry.link)
            yield entry, by_auto_submit_url[links[0]["href"]]


@pytest.mark.parametrize(
    ("siteurl", "relative"),
    [
        ("https://blog.example.org", False),
        ("https://blog.example.org", True),
    ],
)
def test_content_urls_that_start_with_a_slash_keep_their_payment_links(
    site, siteurl, relative
):
    # ARTICLE_URL = "/posts/{slug}/": the entries lost their payment links
    # without a word. The thing URL keeps the "//" that themes link it with
    # and that earlier builds published (one slash fewer would strand its
    # flattrs); Pelican's feeds join it to the host with one.
    files = {
        "a.md": article("First post here", "Alice"),
        "b.md": article("Second post here", "Bob", url="/custom/beta/"),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        SITEURL=siteurl,
        RELATIVE_URLS=relative,
        ARTICLE_URL="/posts/{slug}/",
        ARTICLE_SAVE_AS="posts/{slug}/index.html",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
    )
    things = manifest_things(output)
    assert things["a.md"]["url"] == f"{siteurl}//posts/first-post-here/"
    assert things["b.md"]["url"] == f"{siteurl}//custom/beta/"
    for entry, thing in _each_entry_and_its_thing(output, things):
        # The entry's own link, as Pelican writes it, ends as the thing's.
        assert thing["url"].endswith(urlsplit(entry.link).path), entry.link
    assert audit_main([str(output)]) == 0
    if siteurl == SITEURL and not relative:  # the audit matches such entries
        atom = output / "feeds" / "all.atom.xml"
        text = atom.read_text(encoding="utf-8")
        start = text.index('<link href="https://flattr.com/')
        atom.write_text(text[:start] + text[text.index(">", start) + 1 :], "utf-8")
        assert audit_main([str(output)]) == 1


@pytest.mark.parametrize("relative", [False, True], ids=["joined", "relative"])
def test_content_urls_with_dot_segments_keep_their_payment_links(site, relative):
    # ARTICLE_URL = "./{slug}.html", or a URL: field "posts/../custom.html":
    # Pelican joins them to SITEURL as a browser does ("custom.html" in the
    # entry's link), and the entries lost their payment links without a
    # word; the audit then blamed a feed an earlier build left.
    files = {
        "a.md": article("First post here", "Alice"),
        "b.md": article("Second post here", "Bob", url="posts/../custom.html"),
    }
    siteurl = "https://example.org/blog"
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        SITEURL=siteurl,
        RELATIVE_URLS=relative,
        ARTICLE_URL="./{slug}.html",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
    )
    things = manifest_things(output)
    for entry, thing in _each_entry_and_its_thing(output, things):
        # The thing URL keeps its segments as written: one without them
        # would be another thing, and strand the flattrs it has.
        last = urlsplit(entry.link).path.rsplit("/", 1)[-1]
        assert thing["url"].endswith(f"/{last}"), (entry.link, thing["url"])
    assert audit_main([str(output)]) == 0


@pytest.mark.parametrize(
    ("content_url", "key"),
    [
        ("./x.html", "x.html"),
        ("posts/./x/", "posts/x/"),
        ("posts/.", "posts/"),
        ("posts/a/..", "posts/"),
        ("a/../b.html", "b.html"),
        ("a/b/../../c/", "c/"),
        # Out of the site: no page of it, and no other page's key.
        ("../x.html", "../x.html"),
        ("a/../../x.html", "a/../../x.html"),
        ("x.html", "x.html"),
    ],
)
def test_a_dot_segment_is_keyed_as_a_feed_links_it(content_url, key):
    assert feed_key(content_url) == key
    # An item's link, joined by RELATIVE_URLS as it is, keys the same.
    assert item_key(content_url, "") == key


@pytest.mark.parametrize(
    ("url", "settings", "in_feeds"),
    [
        ("https://other.example/ext.html", {}, False),
        ("//other.example/ext.html", {}, False),
        ("https://example.org/blog/elsewhere.html", {}, False),
        # Its entry links its page, the thing's URL: as a relative URL's.
        ("https://example.org/blog/ext.html", {}, True),
        ("//example.org/blog/ext.html", {}, True),
        # Pelican joins it to SITEURL as a path: its entry links nothing.
        ("https://other.example/ext.html", {"RELATIVE_URLS": True}, False),
        (
            "https://other.example/ext.html",
            {
                "RELATIVE_URLS": True,
                "SITEURL": "",
                "FLATTR_SITEURL": "https://example.org/blog",
            },
            False,
        ),
    ],
    ids=[
        "another host",
        "protocol-relative",
        "another page of the site",
        "its page",
        "its page, protocol-relative",
        "RELATIVE_URLS",
        "RELATIVE_URLS without SITEURL",
    ],
)
def test_content_with_an_absolute_url_is_the_thing_of_the_page_it_is_written_to(
    site, url, settings, in_feeds
):
    # A link post or cross-post: its thing URL was SITEURL + "/" + its URL
    # (https://example.org/blog/https://other.example/ext.html), no address
    # of anything, on its page, in its feed entries and in the manifest,
    # and the audit passed it. Its page, written by this build, is the
    # address that serves it; its entry links the URL, and only one that
    # links that page carries its payment link.
    files = {
        "a.md": article("Plain article", "Alice"),
        "ext.md": article("Cross-posted", "Bob", url=url, save_as="ext.html"),
    }
    feeds = ["feeds/all.atom.xml", "feeds/all.rss.xml"]
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FEED_ALL_ATOM=feeds[0],
        FEED_ALL_RSS=feeds[1],
        **{"SITEURL": "https://example.org/blog", **settings},
    )
    things = manifest_things(output)
    thing = things["ext.md"]
    assert thing["url"] == "https://example.org/blog/ext.html"
    assert thing["page"] == "ext.html"
    assert thing["feeds"] == (feeds if in_feeds else [])
    assert things["a.md"]["feeds"] == feeds
    soup = page(output / "ext.html")
    assert [link["href"] for link in page_payment_links(soup)] == [
        thing["auto_submit_url"]
    ]
    assert [m["content"] for m in soup.find_all("meta", property="og:url")] == [
        thing["url"]
    ]
    assert len(flattr_buttons(soup)) == 1
    for name, feed in read_feeds(output).items():
        (entry,) = [e for e in feed.entries if e.title == "Cross-posted"]
        hrefs = [link["href"] for link in payment_links(entry.links)]
        assert hrefs == ([thing["auto_submit_url"]] if in_feeds else []), name
        (other,) = [e for e in feed.entries if e.title == "Plain article"]
        assert [link["href"] for link in payment_links(other.links)] == [
            things["a.md"]["auto_submit_url"]
        ], name
    assert audit_main([str(output)]) == 0


def test_a_build_writing_no_feed_records_no_site_payment_link(site):
    # pelican-quickstart's development settings write no feed: the manifest
    # recorded the site's thing all the same, beside content of another
    # owner at the same root URL, and the audit passed both.
    from pelican_flattr.build import _FEED_SETTINGS

    output = site(
        {
            "a.md": article("Alpha", "Alice", slug="alpha"),
            "pages/home.md": article("Home", "Alice", save_as="index.html", url=""),
        },
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="community",
        FLATTR_PAGES=True,
        INDEX_SAVE_AS="blog.html",
        **dict.fromkeys(_FEED_SETTINGS),
    )
    assert not list(output.rglob("*.xml"))
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    assert "site_payment_link" not in manifest
    # The page at the root has the root URL, which no site thing claims.
    assert (manifest["things"][0]["page"], manifest["things"][0]["url"]) == (
        "index.html",
        "https://blog.example.org/",
    )
    assert audit_main([str(output)]) == 0
