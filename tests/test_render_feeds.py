"""The site's own thing in feeds, read back by a real feed parser."""

from urllib.parse import parse_qs, urlsplit

import feedparser
from conftest import SITEURL, article, manifest_things


def test_the_site_things_tags_are_cleaned_as_an_articles_are(site):
    output = site(
        {"a.md": article("Some article here", "Alice", tags="x")},
        FLATTR_USERNAME="siteowner",
        FLATTR_TAGS=["site;tag", "x,y", "hackspace", "Hackspace", " "],
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    assert not feed.bozo
    (link,) = [link for link in feed.feed.links if link.rel == "payment"]
    query = parse_qs(urlsplit(link.href).query)
    assert query["url"] == [SITEURL + "/"]
    assert query["tags"] == ["site tag,x y,hackspace"]
    # The same tags an article gets from FLATTR_TAGS, after its own.
    assert manifest_things(output)["a.md"]["tags"] == [
        "x",
        "site tag",
        "x y",
        "hackspace",
    ]
