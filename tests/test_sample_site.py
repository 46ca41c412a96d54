"""The sample site: a real multi-author community blog, built with theme/."""

from urllib.parse import parse_qs, urlsplit

from conftest import (
    SAMPLE_SITE,
    flattr_buttons,
    manifest_things,
    og,
    page,
    payment_links,
)

SITE = "https://community.example.org"


def test_every_case_of_the_sample_site(sample_output):
    things = manifest_things(sample_output)
    kinds = {t["owner"]["kind"] for t in things.values()}
    assert kinds == {"flattr_user", "twitter", "email", "partner"}
    # Eve Example has no identity; the minutes and the code of conduct opt out;
    # the draft never gets a thing.
    assert not any("knitting" in s or "bandsaw" in s for s in things)
    assert "members-meeting-march.md" not in things
    assert "pages/code-of-conduct.md" not in things
    assert "laser-cutter-safety-rules.md" not in things
    pinned = things["rfid-door-opener-five-years-on.md"]
    assert pinned["url"] == f"{SITE}/2019/old-slug-of-this-article/"
    assert {"pages/about.md", "pages/support-the-authors.md"} <= set(things)
    swedish = things["atta-oppna-fragor-om-lodning.md"]
    assert swedish["language"] == "sv_SE" and "lödning" in swedish["tags"]
    assert all(
        "hackspace" in t["tags"] or t["source"] == "embedded-rust-workshop.md"
        for t in things.values()
    )
    assert any(not t["title"].isascii() for t in things.values())


def test_sample_pages_use_the_theme_helpers(sample_output):
    things = manifest_things(sample_output)
    for thing in things.values():
        soup = page(sample_output / thing["page"])
        (button,) = flattr_buttons(soup)
        assert button["href"] == thing["auto_submit_url"]
        (link,) = payment_links(soup)
        assert link["href"] == thing["auto_submit_url"]
        assert og(soup, "og:url") == [thing["url"]]
        # Placed by the theme, so nothing was injected.
        assert soup.select_one(".flattr-injected") is None
        query = parse_qs(urlsplit(thing["auto_submit_url"]).query)
        assert query["url"] == [thing["url"]]


def test_sample_site_never_publishes_carols_address(sample_output):
    for path in sample_output.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            assert b"carol@example.org" not in data, path
            assert b"carol%40example.org" not in data, path
    assert "carol@example.org" in (SAMPLE_SITE / "pelicanconf.py").read_text()
