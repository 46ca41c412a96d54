"""Host names browsers refuse or read as another, in FLATTR_SITEURL, a
pinned ``Flattr_url`` and an absolute ``Og_image``: refused, naming the
setting or field and the character, as urllib alone would not.

A browser reads an http(s) URL as the WHATWG URL standard says: before the
path, a backslash is a "/" (https://example.org\\evil.com/a.html is
https://example.org/evil.com/a.html to it); a host name holding one of its
forbidden code points is refused, or decoded ("%"); so is one with an empty
label. One final dot (example.org.) is a fully qualified name, kept as it
is.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import article, flattr_buttons, manifest_things, og, page

from pelican_flattr.settings import read_settings
from pelican_flattr.thing import check_pinned_url, check_thing_url

BACKSLASH = "holds the character '\\\\' before its path: browsers read it as '/'"


def in_host(character: str) -> str:
    return f"holds the character {character!r} in its host name: no host name"


EMPTY_LABEL = "has an empty label in its host name"
NOT_IPV4 = "has a host name that ends in a number"

# (URL, what the answer says): each of these urllib reads with a host name
# that browsers refuse, or read as another host (and path).
REFUSED = [
    ("https://example.org\\evil.com/first-post.html", BACKSLASH),
    # A backslash anywhere before the path: "//", the host, the port.
    ("https:\\\\example.org/first-post.html", BACKSLASH),
    ("https:/\\example.org/first-post.html", BACKSLASH),
    ("https://\\example.org/first-post.html", BACKSLASH),
    ("https://example.org:8443\\first-post.html", BACKSLASH),
    ("HTTP://example.org\\evil.com/", BACKSLASH),
    # The user:password@ browsers would find is behind the backslash.
    ("https://example.org\\@evil.com/", BACKSLASH),
    ("https://example.org|x/", in_host("|")),
    ("https://example.org^/", in_host("^")),
    # Browsers decode a host name's escapes, then read it: an escape of a
    # forbidden character is that character, a "%" of no escape is refused.
    ("https://ex%5Cample.org/", "holds the character '\\\\' in its host name (as"),
    ("https://ex%7Cample.org/", "holds the character '|' in its host name (as"),
    ("https://ex%zzample.org/", "holds a '%' that starts no escape"),
    ("https://%ff.example/", "holds escapes of bytes that are not UTF-8"),
    # They map full-width forms to ASCII, and "。" to ".", first.
    ("https://example.org\uff5cx/", "holds the character '|' in its host name (as"),
    ("https://0x7f\u30021/", NOT_IPV4),
    ("https://\uff10\uff58\uff17\uff46\uff0e\uff11/", NOT_IPV4),
    ("https://example\u3002123/", NOT_IPV4),
    ("https://x[::1]/", in_host("[")),
    ("https://example..org/", EMPTY_LABEL),
    ("https://.../", EMPTY_LABEL),
    ("https://.example.org/", EMPTY_LABEL),
    ("https://example.org../", EMPTY_LABEL),
    # Read as an IPv4 address: another one (octal, hex, short), or none.
    ("https://010.0.0.1/", NOT_IPV4),
    ("https://0x7f.1/", NOT_IPV4),
    ("https://1.2.3/", NOT_IPV4),
    ("https://256.1.1.1/", NOT_IPV4),
    ("https://example.123/", NOT_IPV4),
    # urllib takes these brackets; browsers take only an IPv6 address.
    ("https://[::1]x/", "is not a valid URL (something other than a port follows"),
    ("https://[::1]]/", "is not a valid URL (something other than a port follows"),
    ("https://[v1.fe]/", "is not a valid URL (what its brackets hold is no IPv6"),
    ("https://[fe80::1%25eth0]/", "is not a valid URL (what its brackets hold"),
]

# Host names browsers take as they are written, or only lower-cased.
ACCEPTED = [
    "https://example.org/first-post.html",
    "https://bücher.example/first-post.html",
    "https://xn--bcher-kva.example/first-post.html",
    "https://[2001:db8::1]/first-post.html",
    "https://[2001:db8::1]:8443/first-post.html",
    "https://[::ffff:192.0.2.1]/first-post.html",
    "https://example.org:8443/first-post.html",
    "https://example.org./first-post.html",
    "https://192.0.2.1/first-post.html",
    "https://192.0.2.1./first-post.html",
    # Escapes browsers decode to the name as it reads (an existing site's
    # thing URLs may have them, and a pin must keep them).
    "https://ex%41mple.org/first-post.html",
    "https://b%C3%BCcher.example/first-post.html",
    "https://Example.ORG/first-post.html",
    "https://a-b.c_d.example.org/first-post.html",
    # Behind the path a backslash is the query's own.
    "https://example.org/p?q=a\\b",
]


@pytest.mark.parametrize("check", [check_thing_url, check_pinned_url])
@pytest.mark.parametrize(("url", "says"), REFUSED)
def test_a_host_name_browsers_refuse_or_read_otherwise_is_refused(check, url, says):
    problem = check(url)
    assert problem is not None and says in problem, problem


@pytest.mark.parametrize("check", [check_thing_url, check_pinned_url])
def test_only_host_names_browsers_read_as_written_are_accepted(check):
    # Host by host, the refused ones were accepted; these still must be.
    assert {url: check(url) for url in ACCEPTED} == dict.fromkeys(ACCEPTED)
    assert [url for url, _ in REFUSED if check(url) is None] == []


IN_PATH = "holds the character '\\\\' in its path (browsers read it as '/'"


def test_a_backslash_in_the_path_is_no_host_names_but_refused():
    # The path's own: no host problem. Neither a pin nor a site's base, an
    # og:image or a claim URL may hold it there all the same, as browsers
    # ask for another path (/a/b.html).
    url = "https://example.org/a\\b.html"
    assert check_pinned_url(url).startswith(IN_PATH)
    assert check_thing_url(url) == (
        f"{IN_PATH}, and so another path): write it as %5C where a file or "
        "folder name holds it, or as '/' between folders"
    )


@pytest.mark.parametrize(
    ("siteurl", "says"),
    [
        ("https://example.org\\evil.com", "which " + BACKSLASH),
        ("https://example.org|x/", "which " + in_host("|")),
        ("https://ex%zzample.org", "which holds a '%' that starts no escape"),
        ("https://example..org", "which " + EMPTY_LABEL),
    ],
)
def test_read_settings_names_flattr_siteurl_and_the_character(siteurl, says):
    settings, problems = read_settings({"FLATTR_SITEURL": siteurl})
    assert settings is None
    (problem,) = problems
    assert problem.startswith(f"FLATTR_SITEURL is {siteurl.rstrip('/')!r}, ")
    assert says in problem


@pytest.mark.parametrize("name", ["FLATTR_SITEURL", "SITEURL"])
@pytest.mark.parametrize(
    "siteurl", ["https://example.org/my\\blog", "https://e.org/a\\"]
)
def test_read_settings_refuses_a_site_url_whose_path_holds_a_backslash(name, siteurl):
    # Taken, every thing URL was https://example.org/my\blog/..., which
    # browsers ask for as https://example.org/my/blog/...: no page of the
    # site, in the manifest, buttons, og:url and feeds.
    settings, problems = read_settings({name: siteurl})
    assert settings is None
    assert problems == [
        f"{name} is {siteurl!r}, which {IN_PATH}, and so another path): write "
        "it as %5C where a file or folder name holds it, or as '/' between "
        "folders"
    ]


@pytest.mark.parametrize(
    ("siteurl", "says"),
    [
        ("https://example.org/my\\blog", IN_PATH),
        ("https://exa mple.org", "holds the space"),
    ],
)
def test_read_settings_refuses_a_broken_siteurl_beside_flattr_siteurl(siteurl, says):
    # With FLATTR_SITEURL set, SITEURL is read for the site's files alone: a
    # broken one made the build a development one, and the URL guard was
    # skipped without a word.
    settings, problems = read_settings(
        {"FLATTR_SITEURL": "https://example.org/blog", "SITEURL": siteurl}
    )
    assert settings is None
    (problem,) = problems
    assert problem.startswith(f"SITEURL is {siteurl!r}, which "), problem
    assert says in problem
    assert problem.endswith("(the site's files, an og:image, are under it)")


@pytest.mark.parametrize("siteurl", ["", "/blog", "http://localhost:8000"])
def test_a_preview_siteurl_beside_flattr_siteurl_is_no_problem(siteurl):
    settings, problems = read_settings(
        {"FLATTR_SITEURL": "https://example.org/blog", "SITEURL": siteurl}
    )
    assert problems == []
    assert settings.development_build == f"SITEURL is {siteurl!r}"


def _messages(log, word: str) -> list[str]:
    return [r.getMessage() for r in log.records if word in r.getMessage()]


# (file, pinned URL, what its error says; None: the pin is kept)
PINS = [
    ("backslash.md", "https://example.org\\evil.com/old.html", BACKSLASH),
    ("bar.md", "https://example.org|x/old.html", in_host("|")),
    ("percent.md", "https://ex%7Cample.org/old.html", "holds the character '|'"),
    # Another path than idn.md's: the two hosts are one, and so one URL.
    ("escaped.md", "https://b%C3%BCcher.example/older.html", None),
    ("dots.md", "https://example..org/old.html", EMPTY_LABEL),
    ("idn.md", "https://bücher.example/old.html", None),
    ("ipv6.md", "https://[2001:db8::1]:8443/old.html", None),
    ("port.md", "https://example.org:8443/old.html", None),
    ("fqdn.md", "https://example.org./old.html", None),
]


@pytest.mark.parametrize(
    "siteurl",
    [
        "https://bücher.example",
        # A public address: a local one beside the public SITEURL is refused.
        "https://[2606:4700:4700::1111]:8443/blog",
        "http://example.org:8080",
        "https://example.org.",
    ],
)
def test_a_build_refuses_pins_on_such_hosts_and_keeps_valid_ones(
    site, flattr_log, siteurl
):
    files = {
        name: article(f"Pinned {name[:-3]}", "Alice", flattr_url=url)
        for name, url, _ in PINS
    }
    files["own.md"] = article("Own page", "Alice")
    # An absolute og:image is checked as a pin is: a warning, and none.
    files["image.md"] = article(
        "Bad image", "Alice", og_image="https://cdn.example.org\\evil.com/c.png"
    )
    # Each host pinned is one the site was published on before.
    old_hosts = ["example.org", "bücher.example", "[2001:db8::1]"]
    output = site(
        files,
        FLATTR_SITEURL=siteurl,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_OLD_HOSTS=old_hosts,
    )
    # FLATTR_SITEURL is taken as written: the article's own thing URL.
    things = manifest_things(output)
    own = f"{siteurl}/own-page.html"
    assert things["own.md"]["url"] == own
    (button,) = flattr_buttons(page(output / "own-page.html"))
    assert parse_qs(urlsplit(button["href"]).query)["url"] == [own]
    assert og(page(output / "own-page.html"), "og:url") == [own]
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    for name, url, says in PINS:
        said = [m for m in errors if m.startswith(f"pelican-flattr: {name}: ")]
        if says is None:
            assert things[name]["url"] == url
            assert said == []
            continue
        assert name not in things
        (message,) = said
        assert message.startswith(f"pelican-flattr: {name}: metadata 'flattr_url' ")
        assert says in message and "gets no Flattr button" in message
        slug = name[:-3]
        assert flattr_buttons(page(output / f"pinned-{slug}.html")) == []
    assert len(errors) == sum(1 for _, _, says in PINS if says is not None)
    (image,) = _messages(flattr_log, "og_image")
    assert image.startswith("pelican-flattr: image.md: metadata 'og_image' ")
    assert BACKSLASH in image
    assert og(page(output / "bad-image.html"), "og:image") == []
    assert "image.md" in things
