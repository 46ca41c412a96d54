"""Bad input: a message naming the file and field, no button, never a traceback."""

import datetime
import gzip
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from conftest import (
    SITEURL,
    article,
    build,
    flattr_buttons,
    i18n_build,
    manifest_things,
    og,
    page,
    payment_links,
    read_only,
    run_pelican,
)

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.identifiers import hash_email
from pelican_flattr.resolve import unknown_setting_field_warnings
from pelican_flattr.settings import shown_author

AUTHORS = {"Alice": "alice", "Bob": "twitter:user:id:@bob"}


@pytest.mark.parametrize(
    ("meta", "field", "says"),
    [
        ({"flattr_owner": "twiter:user:id:1"}, "flattr_owner", "unsupported scheme"),
        (
            {"flattr_owner": "email:nobody"},
            "flattr_owner",
            "or email:MD5HEX",
        ),
        ({"flattr_category": "blog"}, "flattr_category", "choose one of text, images"),
        # Read in any letter case: a word that is none of the seven in any.
        (
            {"flattr_category": "Texts"},
            "flattr_category",
            "is 'Texts'; choose one of text, images",
        ),
        (
            {"flattr_category": "other"},
            "flattr_category",
            "is 'other'; choose one of text, images, video, audio, software, "
            'people, rest (Flattr shows rest as "Other")',
        ),
        ({"flattr_language": "klingon"}, "flattr_language", "no code for"),
        # No language tag, however German it starts.
        ({"flattr_language": 'de_DE"><x>'}, "flattr_language", "no code for"),
        ({"flattr_url": "/relative/url/"}, "flattr_url", "absolute http"),
        (
            {"flattr_url": "https://x.org/a b"},
            "flattr_url",
            "space ' ': write it as %20",
        ),
        # Nothing a computed thing URL never holds: it would be no URL in href.
        (
            {"flattr_url": "https://x.org/a\x7fb"},
            "flattr_url",
            "holds the control character '\\x7f': write it as %7F",
        ),
        # Nor what a browser changes in any URL: an embedded button's link.
        (
            {"flattr_url": 'https://x.org/p?a=1&b="2"&c=<3>'},
            "flattr_url",
            "holds the character '\"': write it as %22",
        ),
        (
            {"flattr_url": "https://[2001:db8::1/old-post/"},
            "flattr_url",
            "is not a valid URL (Invalid IPv6 URL)",
        ),
        # Browsers ask for another page: /old/two.html.
        (
            {"flattr_url": f"{SITEURL}/old\\two.html"},
            "flattr_url",
            "holds the character '\\\\' in its path (browsers read it as '/'",
        ),
        # Shown in a link preview, "/\u202elmth.exe" reads "/exe.html".
        (
            {"flattr_url": f"{SITEURL}/\u202elmth.exe"},
            "flattr_url",
            "holds U+202E (RIGHT-TO-LEFT OVERRIDE), a bidirectional control",
        ),
        ({"flattr_hidden": "perhaps"}, "flattr_hidden", "write yes or no"),
        ({"flattr": "maybe"}, "'flattr'", "write yes or no"),
    ],
)
def test_bad_metadata(site, flattr_log, meta, field, says):
    files = {
        "bad.md": article("The bad article", "Alice", **meta),
        "good.md": article("The good article", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"good.md"}
    assert flattr_buttons(page(output / "the-bad-article.html")) == []
    errors = article_errors(flattr_log)
    assert len(errors) == 1
    assert errors[0].startswith("pelican-flattr: bad.md: ")
    assert field in errors[0] and says in errors[0]
    assert "gets no Flattr button" in errors[0]


def article_errors(flattr_log):
    """The errors logged, but for the settings' (AUTHORS maps Bob wrongly)."""
    return [
        r.getMessage()
        for r in flattr_log.records
        if r.levelname == "ERROR" and "settings:" not in r.getMessage()
    ]


def test_every_bad_field_of_an_article_is_named_in_one_build(site, flattr_log):
    """Fixing one field at a time, a build at a time, would be a chore."""
    files = {
        "bad.md": article(
            "The bad article",
            "Alice",
            flattr_owner="twiter:user:id:1",
            flattr_category="blog",
            flattr_language="klingon",
            flattr_hidden="perhaps",
            flattr_url="/relative/url/",
        ),
        "good.md": article("The good article", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"good.md"}
    errors = article_errors(flattr_log)
    named = [
        field
        for field in (
            "flattr_owner",
            "flattr_category",
            "flattr_language",
            "flattr_hidden",
            "flattr_url",
        )
        if any(f"metadata '{field}'" in error for error in errors)
    ]
    assert len(errors) == 5, errors
    assert len(named) == 5, errors
    assert all(e.startswith("pelican-flattr: bad.md: metadata '") for e in errors)


def test_one_problem_of_many_articles_is_said_once(site, flattr_log):
    # A bulk import that wrote one bad value into seven articles: one error
    # names the first five files and counts them all, where seven lines
    # (hundreds, on a real import) buried the rest of the log. Two articles
    # with another value are each said, in the order found. The files named
    # by name, as the warnings name theirs: found newest first, they read
    # "7.md, 6.md, ..." (on a real import, in no order one could follow).
    files = {
        f"{n}.md": article(f"Imported {n}", "Alice", flattr_category="article").replace(
            "2024-03-01", f"2024-03-0{n}"
        )
        for n in range(1, 8)
    }
    files["x.md"] = article("Other X", "Alice", flattr_category="blog")
    files["y.md"] = article("Other Y", "Alice", flattr_category="blog")
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert manifest_things(output) == {}
    choices = "choose one of text, images, video, audio, software, people, rest"
    assert article_errors(flattr_log) == [
        "pelican-flattr: 1.md, 2.md, 3.md, 4.md, 5.md and 2 more: metadata "
        f"'flattr_category' is 'article'; {choices}; none of these 7 files gets "
        "a Flattr button",
        *(
            f"pelican-flattr: {name}: metadata 'flattr_category' is 'blog'; "
            f"{choices}; it gets no Flattr button"
            for name in ("x.md", "y.md")
        ),
    ]
    # Under FLATTR_STRICT, one problem for the seven and one for each other.
    with pytest.raises(FlattrBuildError, match="failed: 3 problems "):
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)


def test_values_refused_alike_are_said_once_though_each_file_has_its_own(
    site, flattr_log
):
    # A bulk import writes each file's own value: an owner's handle where
    # the numeric id goes, a pin of its old address. Each file got an error
    # of its own (a hundred, on a real import), and a strict build counted
    # each, all with one fix.
    files = {
        f"o{n}.md": article(
            f"Owned {n}", "Alice", flattr_owner=f"twitter:user:id:@m{n}"
        )
        for n in range(6)
    }
    files |= {
        f"p{n}.md": article(
            f"Pinned {n}", "Alice", flattr_url=f"https://old.example.com/p-{n}.html"
        )
        for n in range(6)
    }
    # A pin on another host has another fix: said on its own.
    files["q.md"] = article(
        "Elsewhere", "Alice", flattr_url="https://other.example.net/q.html"
    )
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert manifest_things(output) == {}
    host = urlsplit(SITEURL).hostname
    assert sorted(article_errors(flattr_log)) == [
        "pelican-flattr: o0.md, o1.md, o2.md, o3.md, o4.md and 1 more: metadata "
        "'flattr_owner': the value of each is a Twitter handle, but Flattr "
        "needs the numeric account id: write twitter:user:id:NUMBER (a Twitter ID "
        "lookup gives it for the handle NAME); "
        "none of these 6 files gets a Flattr button",
        "pelican-flattr: p0.md, p1.md, p2.md, p3.md, p4.md and 1 more: metadata "
        "'flattr_url' pins a URL on 'old.example.com' (each its own), which is "
        f"not this site's host ({host!r}): its og:url, button and payment "
        "link would name another site's page; pin a URL of this site, or, if "
        "the site was published on 'old.example.com' before, add "
        "'old.example.com' to FLATTR_OLD_HOSTS; none of these 6 files gets a "
        "Flattr button",
        "pelican-flattr: q.md: metadata 'flattr_url' pins "
        "'https://other.example.net/q.html', a URL on 'other.example.net', "
        f"which is not this site's host ({host!r}): its og:url, button and "
        "payment link would name another site's page; pin a URL of this site, "
        "or, if the site was published on 'other.example.net' before, add "
        "'other.example.net' to FLATTR_OLD_HOSTS; it gets no Flattr button",
    ]
    with pytest.raises(FlattrBuildError, match="failed: 3 problems "):
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)


def test_values_refused_alike_from_each_files_own_setting_entry_are_said_once(
    site, flattr_log
):
    # EXTRA_PATH_METADATA giving each file its own handle: the problem,
    # named with its entry, lost what grouped it, and each file was said.
    files = {f"h{n}.md": article(f"Handled {n}", "Alice") for n in range(6)}
    by_path = {f"h{n}.md": {"flattr_owner": f"twitter:user:id:@m{n}"} for n in range(6)}
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}, "EXTRA_PATH_METADATA": by_path}
    site(files, **settings)
    assert article_errors(flattr_log) == [
        "pelican-flattr: h0.md, h1.md, h2.md, h3.md, h4.md and 1 more: metadata "
        "'flattr_owner' (from EXTRA_PATH_METADATA): the value of each is a "
        "Twitter handle, but Flattr needs the numeric account id: write "
        "twitter:user:id:NUMBER (a Twitter ID lookup gives it for the handle "
        "NAME); none of these 6 files gets a Flattr button"
    ]
    with pytest.raises(FlattrBuildError, match="failed: 1 problem "):
        site(files, FLATTR_STRICT=True, **settings)


def test_the_contents_of_many_unusable_author_entries_are_said_once(site, flattr_log):
    # Three imported authors with a handle where the id goes, two articles
    # each: each entry's error, then one line for the six files, where a
    # line per file repeated each entry's error.
    names = ["Ann", "Ben", "Cat"]
    files = {
        f"{name.lower()}{n}.md": article(f"{name} {n}", name)
        for name in names
        for n in (1, 2)
    }
    authors = {name: f"twitter:user:id:{name.lower()}" for name in names}
    site(files, FLATTR_AUTHORS=authors)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors[:3] == [
        f"pelican-flattr: settings: FLATTR_AUTHORS['{name}'] "
        f"'twitter:user:id:{name.lower()}' is not a twitter identifier: write "
        "twitter:user:id:NUMBER with the numeric account id, not the handle"
        for name in names
    ]
    assert errors[3:] == [
        "pelican-flattr: ann1.md, ann2.md, ben1.md, ben2.md, cat1.md and 1 more: "
        "their authors' entries in FLATTR_AUTHORS are unusable (its errors above "
        "say why); none of these 6 files gets a Flattr button"
    ]
    with pytest.raises(FlattrBuildError, match="failed: 4 problems "):
        site(files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    # Fewer files: each is said with its author's entry, as before.
    del files["cat2.md"]
    flattr_log.clear()
    site(files, FLATTR_AUTHORS=authors)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 8
    assert errors[3].startswith(
        "pelican-flattr: ann1.md: author 'Ann' has an unusable entry: "
        "FLATTR_AUTHORS['Ann'] 'twitter:user:id:ann' is not a twitter identifier"
    )


def test_many_author_entries_wrong_alike_are_one_error(site, flattr_log):
    # A bulk import wrote twelve handles where Twitter's numeric ids go: one
    # error names the first ten entries, counts them and says the fix once,
    # where twelve errors of five lines each (hundreds, on a real import)
    # buried the log. Two entries wrong otherwise are still said each.
    members = [f"Member {n:02}" for n in range(12)]
    authors = {name: f"twitter:user:id:m{n}" for n, name in enumerate(members)}
    authors["Olga"] = "partner:x"
    authors["Piet"] = "olga@example.org"
    files = {f"{name}.md": article(f"Post {name}", name) for name in authors}
    site(files, FLATTR_AUTHORS=authors)
    named = ", ".join(f"FLATTR_AUTHORS['Member {n:02}']" for n in range(10))
    assert _messages(flattr_log, "settings: ") == [
        f"pelican-flattr: settings: 12 FLATTR_AUTHORS entries are unusable: {named} "
        "and 2 more; the value of each is not a twitter identifier: write "
        "twitter:user:id:NUMBER with the numeric account id, not the handle",
        "pelican-flattr: settings: FLATTR_AUTHORS['Olga'] 'partner:x' is not a "
        "partner identifier: write partner:NAMESPACE:ID (letters, digits, '_', "
        "'-', '.', and '+' in the ID)",
        "pelican-flattr: settings: FLATTR_AUTHORS['Piet'] looks like a plain email "
        "address; write it as email:ADDRESS so that it is hashed",
    ]
    # The files, as before: the errors above say why.
    assert _messages(flattr_log, "FLATTR_AUTHORS are unusable") == [
        "pelican-flattr: Member 00.md, Member 01.md, Member 02.md, Member 03.md, "
        "Member 04.md and 9 more: their authors' entries in FLATTR_AUTHORS are "
        "unusable (its errors above say why); none of these 14 files gets a "
        "Flattr button"
    ]
    # Under FLATTR_STRICT: one problem for the twelve, one for each other
    # entry, one for the files.
    with pytest.raises(FlattrBuildError, match="failed: 4 problems "):
        site(files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)


def test_ten_author_entries_wrong_alike_are_each_said(site, flattr_log):
    # Ten are ten lines of the settings to mend: each said, with its value.
    authors = {f"Member {n}": f"@member{n}" for n in range(10)}
    site({"a.md": article("A", "Member 0")}, FLATTR_AUTHORS=authors)
    assert _messages(flattr_log, "settings: ") == [
        f"pelican-flattr: settings: FLATTR_AUTHORS['Member {n}'] '@member{n}' is a "
        f"handle: write a Flattr username without the '@' (member{n}), or "
        "twitter:user:id:NUMBER for a Twitter account (its numeric id, not the "
        "handle)"
        for n in range(10)
    ]
    # An eleventh: one error, the fix said without any one handle.
    flattr_log.clear()
    authors["Member 10"] = "@member10"
    site({"a.md": article("A", "Member 0")}, FLATTR_AUTHORS=authors)
    assert _messages(flattr_log, "settings: ") == [
        "pelican-flattr: settings: 11 FLATTR_AUTHORS entries are unusable: "
        + ", ".join(f"FLATTR_AUTHORS['Member {n}']" for n in range(10))
        + " and 1 more; the value of each is a handle: write a Flattr username "
        "without the '@', or twitter:user:id:NUMBER for a Twitter account (its "
        "numeric id, not the handle)"
    ]


def test_the_fields_of_content_without_an_owner_are_checked_too(site, flattr_log):
    # Carol has no Flattr yet: her mistakes come out now, with the warning
    # that she has no owner, not in the build after she signs up.
    files = {
        "carol.md": article(
            "Carol's article",
            "Carol",
            flattr_category="blog",
            flattr_language="klingon",
            flattr_hidden="perhaps",
            flattr_url="/relative/url/",
        ),
        "good.md": article("The good article", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert set(manifest_things(output)) == {"good.md"}
    errors = article_errors(flattr_log)
    assert len(errors) == 4, errors
    for field in ("flattr_category", "flattr_language", "flattr_hidden", "flattr_url"):
        assert any(
            e.startswith(f"pelican-flattr: carol.md: metadata '{field}'")
            for e in errors
        ), field
    assert _messages(flattr_log, "has no Flattr owner") == [
        "pelican-flattr: carol.md has no Flattr owner ('Carol': not in "
        "FLATTR_AUTHORS, no 'flattr_owner' metadata, and FLATTR_USERNAME is not "
        "set); no Flattr button"
    ]
    with pytest.raises(FlattrBuildError, match="failed: 4 problems "):
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)


def test_a_bad_opt_out_field_is_named_with_the_others(site, flattr_log):
    files = {"bad.md": article("Bad", "Alice", flattr="maybe", flattr_category="x")}
    site(files, FLATTR_AUTHORS=AUTHORS)
    errors = article_errors(flattr_log)
    assert len(errors) == 2, errors
    assert "metadata 'flattr'" in errors[0] and "flattr_category" in errors[1]


def test_a_bad_opt_out_value_is_not_called_an_opt_out(tmp_path, flattr_log):
    # 'Flattr: maybe' opts nothing out: the article lost its thing to a
    # mistake, and the URL guard must not advise removing the field as if
    # the author had opted out on purpose.
    authors = {"Alice": "alice"}
    build(tmp_path, {"a.md": article("Article A", "Alice")}, FLATTR_AUTHORS=authors)
    flattr_log.clear()
    files = {"a.md": article("Article A", "Alice", flattr="maybe")}
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    problem, guard = [r.getMessage() for r in flattr_log.records]
    assert problem.startswith("pelican-flattr: a.md: metadata 'flattr' is 'maybe'")
    assert guard.startswith("pelican-flattr: a.md: still in the content folder")
    assert "give a.md its thing back (the build says why" in guard
    assert "opts out" not in guard


def test_unusable_author_entry_never_falls_back_to_the_site_owner(site, flattr_log):
    files = {"bob.md": article("Bob's article", "Bob")}
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_USERNAME="siteowner")
    assert manifest_things(output) == {}
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert any(
        "FLATTR_AUTHORS['Bob']" in e and "numeric account id" in e for e in errors
    )
    assert any(e.startswith("pelican-flattr: bob.md: author 'Bob'") for e in errors)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"SITEURL": ""}, "FLATTR_SITEURL"),
        ({"SITEURL": "/blog"}, "absolute thing URLs"),
        # No host name: as unusable as a relative URL, and the same advice.
        (
            {"SITEURL": "http:///blog"},
            "SITEURL is 'http:///blog', but Flattr needs absolute thing URLs: set "
            "SITEURL = 'https://your.site'",
        ),
        (
            {"FLATTR_BUTTON": "fancy"},
            "FLATTR_BUTTON is 'fancy'; choose one of plain, js",
        ),
        ({"FLATTR_CATEGORY": "blog"}, "FLATTR_CATEGORY is 'blog'"),
        # Read in any letter case: a word that is none of the seven in any.
        (
            {"FLATTR_CATEGORY": "Blog"},
            "FLATTR_CATEGORY is 'Blog'; choose one of text, images, video, audio, "
            "software, people, rest",
        ),
        # Flattr shows rest as "Other", but takes no category of that name.
        (
            {"FLATTR_CATEGORY": "other"},
            "FLATTR_CATEGORY is 'other'; choose one of text, images, video, audio, "
            'software, people, rest (Flattr shows rest as "Other")',
        ),
        ({"FLATTR_BUTTON": "JS"}, "FLATTR_BUTTON is 'JS'; choose one of plain, js"),
        ({"FLATTR_LANGUAGE": "tlh"}, "FLATTR_LANGUAGE is 'tlh'"),
        # Each was DEFAULT_LANG's code without a word.
        *[
            (
                {"FLATTR_LANGUAGE": value},
                "FLATTR_LANGUAGE must be a language code such as en_GB, de_DE or "
                f"sv_SE, not {value!r} (None leaves it to DEFAULT_LANG)",
            )
            for value in ("", 0, False, [], 5)
        ],
        (
            {"FLATTR_USERNAME": "a b"},
            "FLATTR_USERNAME 'a b' looks like a person's name",
        ),
        ({"FLATTR_AUTHORS": ["alice"]}, "FLATTR_AUTHORS must be a dict"),
        # An unusable author entry is said beside the mistake that stops
        # the build, not only once that one is fixed.
        (
            {"FLATTR_BUTTON": "fancy", "FLATTR_AUTHORS": {"Eve": "a b"}},
            "FLATTR_AUTHORS['Eve'] 'a b' looks like a person's name",
        ),
        ({"FLATTR_HIDDEN": "yes"}, "FLATTR_HIDDEN must be True or False"),
        ({"FLATTR_TAGS": [1, 2]}, "FLATTR_TAGS[0] must be a string, not 1"),
        (
            {"FLATTR_ACCEPT_URL_CHANGES": [None]},
            "FLATTR_ACCEPT_URL_CHANGES[0] must be a string, not None",
        ),
        # The item at fault, not the list's repr cut short before it.
        (
            {
                "FLATTR_ACCEPT_URL_CHANGES": [
                    " https://community.example.org/fixing-a-cold-solder-joint.html ",
                    "https://community.example.org/cold-joint.html",
                    5,
                ]
            },
            "FLATTR_ACCEPT_URL_CHANGES[2] must be a string, not 5",
        ),
        (
            {"FLATTR_TAGS": ("ok", b"bytes")},
            "FLATTR_TAGS[1] must be a string, not b'bytes'",
        ),
        ({"FLATTR_PAGES": "yes"}, "FLATTR_PAGES must be True or False, not 'yes'"),
        # A bool is an int, but not every int is a bool.
        ({"FLATTR_PAGES": 1}, "FLATTR_PAGES must be True or False, not 1"),
        # A set of strings is ordered anew in each process: every build would
        # write the tags, and so the pages, in another order.
        (
            {"FLATTR_TAGS": {"a", "b"}},
            "FLATTR_TAGS must be a list of strings (or one string of them, separated "
            "by commas), not {'",
        ),
        # Each of these used to end the build in a traceback.
        # The README's other form named too: one string, "python, pelican".
        (
            {"FLATTR_TAGS": 5},
            "FLATTR_TAGS must be a list of strings (or one string of them, "
            "separated by commas), not 5",
        ),
        ({"FLATTR_ACCEPT_URL_CHANGES": True}, "FLATTR_ACCEPT_URL_CHANGES must be a"),
        ({"FLATTR_MANIFEST": 5}, "FLATTR_MANIFEST must be a file path, not 5"),
        ({"FLATTR_URL_BASELINE": 5}, "FLATTR_URL_BASELINE must be a file path"),
        ({"FLATTR_SITEURL": "https://[example.org"}, "not a valid URL (Invalid IPv6"),
        # Host names alone: a pin's scheme, port and path are its own.
        ({"FLATTR_OLD_HOSTS": 5}, "FLATTR_OLD_HOSTS must be a list of host names"),
        (
            {"FLATTR_OLD_HOSTS": ["https://Old.example.org/blog/"]},
            "FLATTR_OLD_HOSTS[0] is 'https://Old.example.org/blog/', a URL: write "
            "its host name alone, 'old.example.org'",
        ),
        (
            {"FLATTR_OLD_HOSTS": ["old.example.org:8080"]},
            "FLATTR_OLD_HOSTS[0] is 'old.example.org:8080', not a host name alone: "
            "write 'old.example.org'",
        ),
        (
            {"FLATTR_OLD_HOSTS": "ok.example, example..org"},
            "FLATTR_OLD_HOSTS[1] is 'example..org', which has an empty label in its "
            "host name",
        ),
        (
            {"FLATTR_OLD_HOSTS": ["carol@example.org"]},
            "FLATTR_OLD_HOSTS[0] is '[address]', which holds a user name or password",
        ),
        ({"FLATTR_OLD_HOSTS": [""]}, "FLATTR_OLD_HOSTS[0] is '', which has no host"),
        # Taken without a word, and never matched.
        (
            {"FLATTR_OLD_HOSTS": ["*.old.example.org"]},
            "FLATTR_OLD_HOSTS[0] is '*.old.example.org', a wildcard, which "
            "FLATTR_OLD_HOSTS does not take: list each host name",
        ),
        # Each advised what was refused in turn ('::1', old%20example.org).
        (
            {"FLATTR_OLD_HOSTS": ["[::1]:80"]},
            "FLATTR_OLD_HOSTS[0] is '[::1]:80', not a host name alone: write '[::1]'",
        ),
        (
            {"FLATTR_OLD_HOSTS": ["old.example.org other.example.org"]},
            "FLATTR_OLD_HOSTS[0] is 'old.example.org other.example.org', which holds "
            "a space: give each host name as an item of its own",
        ),
        # Not "write it as %20": no host name holds one.
        (
            {"FLATTR_OLD_HOSTS": ["old.example.org "]},
            "FLATTR_OLD_HOSTS[0] is 'old.example.org ', with a space at an end: "
            "write 'old.example.org'",
        ),
        (
            {"FLATTR_OLD_HOSTS": ["\tcarol@x.example"]},
            "FLATTR_OLD_HOSTS[0] is '[address]', with white space at an end: "
            "write '[address]'",
        ),
        # Its ends cut, it still holds a space: advised so, not as written.
        (
            {"FLATTR_OLD_HOSTS": [" old.example other.example "]},
            "FLATTR_OLD_HOSTS[0] is ' old.example other.example ', which holds "
            "a space: give each host name as an item of its own",
        ),
        (
            {"FLATTR_OLD_HOSTS": ["old.example\t"]},
            "FLATTR_OLD_HOSTS[0] is 'old.example\\t', with white space at an end: "
            "write 'old.example'",
        ),
        # Values that are false, but not None, were taken as unset.
        ({"FLATTR_MANIFEST": ""}, "FLATTR_MANIFEST must be a file path, not ''"),
        ({"FLATTR_URL_BASELINE": False}, "FLATTR_URL_BASELINE must be a file path"),
        ({"FLATTR_STORE": []}, "FLATTR_STORE must be a file path, not []"),
        ({"FLATTR_TAGS": 0}, "FLATTR_TAGS must be a list of strings (or one"),
        # No file name holds a NUL: each used to end the build in a traceback.
        (
            {"FLATTR_MANIFEST": "a\x00b.json"},
            "FLATTR_MANIFEST 'a\\x00b.json' holds a NUL character",
        ),
        (
            {"FLATTR_URL_BASELINE": "/tmp/a\x00b"},
            "FLATTR_URL_BASELINE '/tmp/a\\x00b' holds a NUL character",
        ),
        ({"FLATTR_STORE": "/tmp/a\x00b"}, "FLATTR_STORE '/tmp/a\\x00b' holds a NUL"),
        (
            {"CACHE_PATH": "/tmp/a\x00b"},
            "CACHE_PATH '/tmp/a\\x00b' holds a NUL character ('\\x00'), which no "
            "file name can hold, and the URL guard keeps its baseline in it",
        ),
        ({"FLATTR_AUTHORS": []}, "FLATTR_AUTHORS must be a dict"),
        # Text from bytes that are not UTF-8 (an environment variable's):
        # a traceback at the first page written, before.
        (
            {"FLATTR_TAGS": ["ok", "\udc80bad"]},
            "FLATTR_TAGS holds a lone surrogate, which no UTF-8 text can: it was "
            "read from bytes that are not UTF-8",
        ),
        (
            {"FLATTR_SITEURL": "https://example.org/\udc80"},
            "FLATTR_SITEURL holds a lone surrogate, which no UTF-8 text can",
        ),
        # A value never repeats an address, whatever setting it landed in.
        (
            {"FLATTR_HIDDEN": "email:carol@example.org"},
            "FLATTR_HIDDEN must be True or False, not 'email:[address]'",
        ),
        ({"FLATTR_BUTTON": "carol@example.org"}, "FLATTR_BUTTON is '[address]'"),
    ],
)
def test_bad_settings_stop_all_buttons(site, flattr_log, settings, says):
    options = {"FLATTR_AUTHORS": {"Alice": "alice"}, **settings}
    output = site({"a.md": article("Some article", "Alice")}, **options)
    assert not (output / "flattr-manifest.json").exists()
    assert flattr_buttons(page(output / "some-article.html")) == []
    errors = " | ".join(r.getMessage() for r in flattr_log.records)
    assert says in errors
    assert "carol@" not in errors


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FLATTR_USERNAME", "carol@example.org"),
        ("FLATTR_USERNAME", "mailto:carol@example.org"),
        # Not a dict, so refused whole: no owner of it is read, and the
        # address it holds was pickled as written.
        ("FLATTR_AUTHORS", ["email:carol@example.org"]),
    ],
)
def test_a_refused_owner_settings_address_reaches_no_cache_or_output_file(
    tmp_path, flattr_log, setting, value
):
    # Refused, the setting is still in Pelican's settings, which the
    # generators' content cache pickles with every article: a file the
    # build writes, and which a later build (LOAD_CONTENT_CACHE) reads.
    files = {"a.md": article("Some article", "Alice")}
    options = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        setting: value,
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "generator",
    }
    build(tmp_path, files, **options)
    output = build(tmp_path, {}, **options)
    assert not (output / "flattr-manifest.json").exists()
    written = [
        path
        for folder in (output, tmp_path / "cache")
        for path in folder.rglob("*")
        if path.is_file()
    ]
    assert any(path.is_relative_to(tmp_path / "cache") for path in written)
    for path in written:
        assert b"carol" not in _unzipped(path).lower(), path
    said = [r.getMessage() for r in flattr_log.records]
    assert any(m.startswith(f"pelican-flattr: settings: {setting} ") for m in said)
    assert not any("carol" in m for m in said)


def _unzipped(path: Path) -> bytes:
    """A written file's bytes, gunzipped when Pelican gzipped it (its
    content cache, by default)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.mark.parametrize(
    ("tags", "expected"),
    [("a, b", ("a", "b")), ("a; b", ("a", "b")), ("a;b, c", ("a", "b, c"))],
)
def test_flattr_tags_given_as_a_string_are_split_as_tags_are(tags, expected):
    from pelican_flattr.settings import read_settings

    settings, problems = read_settings({"SITEURL": SITEURL, "FLATTR_TAGS": tags})
    assert problems == [] and settings.tags == expected


def test_flattr_tags_given_as_a_string_are_each_a_things_tag(site):
    output = site(
        {"a.md": article("Some article", "Alice")},
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_TAGS="community, pelican",
    )
    assert manifest_things(output)["a.md"]["tags"] == ["community", "pelican"]


def test_an_empty_field_is_unset(site, flattr_log):
    # As a template every post starts from may leave them: no opt-out, no
    # word to refuse, the settings' values.
    files = {
        "a.md": article(
            "Some article", "Alice", flattr="", flattr_hidden="", flattr_category=""
        )
    }
    output = site(
        files, FLATTR_AUTHORS=AUTHORS, FLATTR_HIDDEN=True, FLATTR_CATEGORY="software"
    )
    thing = manifest_things(output)["a.md"]
    assert (thing["hidden"], thing["category"]) == (True, "software")
    assert article_errors(flattr_log) == []


def test_a_category_is_read_in_any_letter_case(site, flattr_log):
    # Authors capitalise by habit, and each of these cost the article its
    # button; Flattr takes the lower-case name, which every output carries.
    html = (
        "<html><head><title>An HTML article</title>\n"
        '<meta name="date" content="2024-03-01" />\n'
        '<meta name="authors" content="Alice" />\n'
        '<meta name="flattr_category" content="Video" />\n'
        "</head><body><p>Words in HTML, enough of them.</p></body></html>\n"
    )
    files = {
        "a.md": article("A software article", "Alice", Flattr_category="Software"),
        "b.md": article("A text article", "Alice", Flattr_category="TEXT"),
        "c.html": html,
        "d.md": article("An article of the default", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_CATEGORY="Audio")
    things = manifest_things(output)
    assert {source: thing["category"] for source, thing in things.items()} == {
        "a.md": "software",
        "b.md": "text",
        "c.html": "video",
        "d.md": "audio",
    }
    for source, category in (("a.md", "software"), ("d.md", "audio")):
        assert f"&category={category}&" in things[source]["auto_submit_url"]
    assert [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"] == []


def test_an_empty_flattr_username_is_unset(site, flattr_log):
    # As the settings file of a site whose owner has no Flattr account yet
    # may leave it, and as `webhook serve` reads it.
    files = {
        "a.md": article("Some article", "Alice"),
        "b.md": article("Nobody's article", "Bob"),
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_USERNAME="")
    assert set(manifest_things(output)) == {"a.md"}
    said = [r.getMessage() for r in flattr_log.records]
    assert said == [
        "pelican-flattr: b.md has no Flattr owner ('Bob': not in FLATTR_AUTHORS, "
        "no 'flattr_owner' metadata, and FLATTR_USERNAME is not set); no Flattr "
        "button"
    ]


def test_refused_settings_remove_the_manifest_of_an_earlier_build(tmp_path, flattr_log):
    # Pelican deletes no output by default: the manifest of the last good
    # build described buttons the pages no longer had, and was deployed.
    from conftest import build

    files = {"a.md": article("Some article", "Alice")}
    options = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    output = build(tmp_path, files, **options)
    manifest = output / "flattr-manifest.json"
    before = manifest.read_bytes()
    assert "a.md" in manifest_things(output)

    def removals() -> list[str]:
        said = [r.getMessage() for r in flattr_log.records]
        flattr_log.clear()
        return [m for m in said if "removed the manifest" in m]

    # FLATTR_MANIFEST refused: where the manifest is, is not known.
    build(tmp_path, files, **options, SITEURL="", FLATTR_MANIFEST=5)
    assert removals() == [] and manifest.read_bytes() == before
    # Anything but a manifest is left as it is.
    build(tmp_path, files, **options, SITEURL="", FLATTR_MANIFEST="some-article.html")
    assert removals() == [] and manifest.read_bytes() == before
    assert (output / "some-article.html").is_file()

    # With the copies pelican-precompress made of it, which a server that
    # prefers them (gzip_static) would go on sending.
    copies = [output / f"flattr-manifest.json.{suffix}" for suffix in COPIES]
    for copy, data in zip(copies, COPIES.values(), strict=True):
        copy.write_bytes(data(before))
    build(tmp_path, files, **options, SITEURL="")
    assert removals() == [
        f"pelican-flattr: removed the manifest of an earlier build: {manifest}, "
        f"with its compressed copies {', '.join(map(str, copies))}, since this "
        "build made no things"
    ]
    assert not manifest.exists() and not any(copy.exists() for copy in copies)
    assert flattr_buttons(page(output / "some-article.html")) == []
    # Nothing left to remove, nothing said.
    build(tmp_path, files, **options, SITEURL="")
    assert removals() == []
    # A folder named as a copy is none, nor a gzip file of something else.
    copies[2].mkdir()
    build(tmp_path, files, **options)
    copies[0].write_bytes(gzip.compress(b"<html>not a manifest"))
    build(tmp_path, files, **options, SITEURL="")
    assert removals() == [
        f"pelican-flattr: removed the manifest of an earlier build: {manifest}, "
        "since this build made no things"
    ]
    assert copies[2].is_dir() and copies[0].is_file()


# Compressed copies of a manifest, as pelican-precompress writes them.
COPIES = {"gz": gzip.compress, "br": lambda data: b"br" + data[:9], "zst": bytes}


def test_copies_of_a_manifest_a_hand_deleted_go_too(tmp_path, flattr_log):
    # A deleted manifest's gzip copy is still sent at its address; one in a
    # form the standard library cannot read is named.
    from conftest import build

    files = {"a.md": article("Some article", "Alice")}
    output = build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    manifest = output / "flattr-manifest.json"
    gz, br = output / "flattr-manifest.json.gz", output / "flattr-manifest.json.br"
    gz.write_bytes(gzip.compress(manifest.read_bytes()))
    br.write_bytes(b"brotli bytes")
    manifest.unlink()
    notes = output / "notes.txt.gz"  # (not named for the manifest)
    notes.write_bytes(gzip.compress(b"notes"))
    flattr_log.clear()
    build(tmp_path, files, SITEURL="")
    said = [
        r.getMessage()
        for r in flattr_log.records
        if "FLATTR_MANIFEST" in r.getMessage() or "removed" in r.getMessage()
    ]
    assert said == [
        f"pelican-flattr: FLATTR_MANIFEST: {br} may be a compressed copy of the "
        "manifest of an earlier build, which this build did not write (it made "
        "no things): delete it if it is",
        "pelican-flattr: removed compressed copies of the manifest of an earlier "
        f"build: {gz}, since this build made no things",
    ]
    assert not gz.exists() and br.is_file() and notes.is_file()
    # A gzip file of something else is left as it is.
    gz.write_bytes(gzip.compress(b"<html>"))
    build(tmp_path, files, SITEURL="")
    assert gz.is_file()


def test_a_copy_that_cannot_be_removed_is_named_and_the_rest_go(tmp_path, flattr_log):
    from conftest import build

    if os.geteuid() != 0:
        pytest.skip("only chattr +i stops unlinking one file of a folder")
    files = {"a.md": article("Some article", "Alice")}
    output = build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    manifest = output / "flattr-manifest.json"
    copies = [output / f"flattr-manifest.json.{suffix}" for suffix in COPIES]
    for copy, data in zip(copies, COPIES.values(), strict=True):
        copy.write_bytes(data(manifest.read_bytes()))
    flattr_log.clear()
    with read_only(copies[0]):
        build(tmp_path, files, SITEURL="")
    said = [
        r.getMessage() for r in flattr_log.records if "earlier build" in r.getMessage()
    ]
    assert said[0].startswith(
        "pelican-flattr: FLATTR_MANIFEST: cannot remove a compressed copy of the "
        f"manifest of an earlier build, {copies[0]}, though this build made no "
        "things: "
    )
    assert said[1:] == [
        f"pelican-flattr: removed the manifest of an earlier build: {manifest}, "
        f"with its compressed copies {copies[1]}, {copies[2]}, since this build "
        "made no things"
    ]
    assert copies[0].is_file() and not copies[1].exists() and not copies[2].exists()


def test_a_strict_build_with_refused_settings_removes_the_earlier_manifest(
    tmp_path, flattr_log
):
    # A strict build stops before Pelican's `finalized`, where a lenient one
    # removes it: the manifest of the last good build stayed, and a later
    # audit or deploy took it for this build's.
    from conftest import build

    files = {"a.md": article("Some article", "Alice")}
    options = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    output = build(tmp_path, files, **options)
    manifest = output / "flattr-manifest.json"
    assert "a.md" in manifest_things(output)
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, files, **options, FLATTR_BUTTON="huge", FLATTR_STRICT=True)
    said = [r.getMessage() for r in flattr_log.records]
    assert said == [
        "pelican-flattr: settings: FLATTR_BUTTON is 'huge'; choose one of "
        "plain, js, compact",
        "pelican-flattr: no Flattr buttons this build (see above)",
        f"pelican-flattr: removed the manifest of an earlier build: {manifest}, "
        "since this build made no things",
        "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed",
    ]
    assert not manifest.exists()
    # The rest of the output is left as it is: a strict build stops before
    # it writes anything.
    assert flattr_buttons(page(output / "some-article.html"))

    # The pelican command: exit status 1 and the usual lines, no traceback.
    build(tmp_path, files, **options)
    assert manifest.is_file()
    result = run_pelican(
        tmp_path / "content",
        output,
        'FLATTR_AUTHORS={"Alice": "alice"}',
        'FLATTR_BUTTON="huge"',
        "FLATTR_STRICT=true",
    )
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert "Traceback" not in said
    assert "settings: FLATTR_BUTTON is 'huge'" in said
    assert f"removed the manifest of an earlier build: {manifest}," in said
    assert "FLATTR_STRICT is on: build failed" in said
    assert not manifest.exists()


def test_one_accepted_url_change_may_be_given_as_a_string(tmp_path):
    # A URL may hold a comma: the string is the one URL, not a list of them.
    from pelican_flattr.settings import read_settings

    url = "https://example.org/a,b.html"
    settings, problems = read_settings(
        {"SITEURL": "https://example.org", "FLATTR_ACCEPT_URL_CHANGES": url}
    )
    assert problems == [] and settings.accepted_url_changes == {url}


@pytest.mark.parametrize(
    "setting", ["FLATTR_PAGES", "FLATTR_CATEGORY", "FLATTR_BUTTON", "FLATTR_LANGUAGE"]
)
@pytest.mark.parametrize("address", ["carol%40example.org", "carol%2540example.org"])
def test_a_setting_holding_an_encoded_address_is_not_repeated(setting, address):
    # The commands read the settings too (diff --settings, verify --from),
    # and print their problems without the build log's filter: a
    # percent-encoded address was repeated as it is.
    from pelican_flattr.settings import read_settings

    _, problems = read_settings({"SITEURL": "https://example.org", setting: address})
    (problem,) = [p for p in problems if setting in p]
    assert "[address]" in problem
    assert "example.org'" not in problem and "carol" not in problem


def test_flattr_siteurl_serves_a_local_siteurl(site):
    output = site(
        {"a.md": article("Local development", "Alice")},
        SITEURL="",
        FLATTR_SITEURL="https://public.example.org/",
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    thing = manifest_things(output)["a.md"]
    assert thing["url"] == "https://public.example.org/local-development.html"


@pytest.mark.parametrize(
    "flattr_siteurl", ["http://localhost:8000", "http://127.0.0.1:8000/"]
)
def test_local_thing_urls_on_a_public_site_are_refused(
    tmp_path, flattr_log, capsys, flattr_siteurl
):
    # A publish build (SITEURL public) with a local FLATTR_SITEURL from
    # pelicanconf.py said an error and used it all the same: every button,
    # og:url and the manifest named the local address, exit 0, and the
    # audit with the publish build's settings passed. A bad value, as the
    # README has it: no button is built from it.
    siteurl = "https://community.example.org"
    files = {"a.md": article("Local", "Alice")}
    settings = {"SITEURL": siteurl, "FLATTR_AUTHORS": {"Alice": "alice"}}
    output = build(tmp_path, files, **settings)  # the last publish build's
    assert manifest_things(output)["a.md"]["url"] == f"{siteurl}/local.html"
    flattr_log.clear()
    local = {**settings, "FLATTR_SITEURL": flattr_siteurl}
    build(tmp_path, files, **local)
    assert _errors(flattr_log) == [
        f"pelican-flattr: settings: FLATTR_SITEURL is {flattr_siteurl!r}, a local "
        f"address, but SITEURL is {siteurl!r}, a public one: every thing's URL, "
        "button and og:url would name the local address, which no reader or Flattr "
        "can reach; set FLATTR_SITEURL to the site's public address, or leave it "
        "out to use SITEURL",
        "pelican-flattr: no Flattr buttons this build (see above)",
    ]
    # No button, payment link or og:url, and the earlier build's manifest,
    # which would vouch for the pages, is gone.
    soup = page(output / "local.html")
    assert flattr_buttons(soup) == [] and payment_links(soup) == []
    assert og(soup, "og:url") == []
    host = urlsplit(flattr_siteurl).netloc
    assert not [
        each
        for each in output.rglob("*")
        if each.is_file() and host.encode() in each.read_bytes()
    ]
    assert not (output / "flattr-manifest.json").exists()
    # A deploy gated on the audit with the publish build's settings stops.
    from pelican_flattr.cli import main as pelican_flattr

    conf = tmp_path / "publishconf.py"
    conf.write_text(f"SITEURL = {siteurl!r}\nFLATTR_SITEURL = {flattr_siteurl!r}\n")
    capsys.readouterr()
    assert pelican_flattr(["audit", str(output), "--settings", str(conf)]) == 2
    said = capsys.readouterr().err
    assert "no such manifest" in said and "a build whose settings it refused" in said
    with pytest.raises(FlattrBuildError, match="failed: 1 problem "):
        build(tmp_path, files, FLATTR_STRICT=True, **local)


@pytest.mark.parametrize(
    ("siteurl", "flattr_siteurl"),
    [
        # A development build (its SITEURL local or empty): a preview with
        # its buttons, and no word; a public FLATTR_SITEURL beside a local
        # SITEURL too.
        ("", "http://localhost:8000"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://localhost:8000", None),
        ("http://localhost:8000", "https://community.example.org"),
    ],
)
def test_local_thing_urls_of_a_preview_are_no_problem(
    site, flattr_log, siteurl, flattr_siteurl
):
    output = site(
        {"a.md": article("Local", "Alice")},
        SITEURL=siteurl,
        FLATTR_SITEURL=flattr_siteurl,
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    base = (flattr_siteurl or siteurl).rstrip("/")
    assert manifest_things(output)["a.md"]["url"] == f"{base}/local.html"
    soup = page(output / "local.html")
    assert og(soup, "og:url") == [f"{base}/local.html"]
    assert len(flattr_buttons(soup)) == 1
    assert _errors(flattr_log) == []


def _pelican(tmp_path, *settings, options=(), files=None):
    """``pelican`` run on ``files`` (by default one article with a broken
    owner), written to ``content`` in ``tmp_path`` (again for a rebuild)."""
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    if files is None:
        files = {"a.md": article("Broken owner", "Alice", flattr_owner="x:y")}
    for name, text in files.items():
        (content / name).write_text(text)
    # The pelican of the environment running the tests, never another one
    # on PATH, which might not have this plugin installed.
    pelican = Path(sys.executable).with_name("pelican")
    assert pelican.is_file(), f"no pelican script beside {sys.executable}"
    command = [
        str(pelican),
        str(content),
        "-o",
        str(tmp_path / "out"),
        *options,
        "-e",
        'PLUGINS=["pelican_flattr"]',
        'SITEURL="https://example.org"',
        'TIMEZONE="UTC"',
        *settings,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )


def test_strict_pelican_command_exits_1_without_traceback(tmp_path):
    result = _pelican(tmp_path, "FLATTR_STRICT=true")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "a.md" in output and "flattr_owner" in output
    assert "FLATTR_STRICT" in output


def test_a_quiet_strict_pelican_command_says_why_it_failed(tmp_path):
    # pelican -q shows critical messages alone: a CI log said the build
    # failed, and named neither the file nor the problem.
    result = _pelican(tmp_path, "FLATTR_STRICT=true", options=["-q"])
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, output
    assert "build failed; the first: a.md: " in output
    assert "flattr_owner" in output and "Traceback" not in output


def test_a_quiet_strict_build_names_the_cause_urls_changed_alike_share(
    tmp_path, monkeypatch
):
    # Its last word named the first file's own fix (pin its old URL), where
    # one setting moved them all; the log held nothing else to say so.
    monkeypatch.setenv("COLUMNS", "1000")  # one line, not cut by rich's column
    files = {
        f"post-{number}.md": article(f"Post {number}", "Alice") for number in range(6)
    }
    owner = 'FLATTR_AUTHORS={"Alice": "alice"}'
    first = _pelican(tmp_path, owner, files=files)
    assert first.returncode == 0, first.stdout + first.stderr
    moved = ('ARTICLE_URL="posts/{slug}/"', 'ARTICLE_SAVE_AS="posts/{slug}/index.html"')
    result = _pelican(
        tmp_path, owner, "FLATTR_STRICT=true", *moved, options=["-q"], files={}
    )
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, output
    assert "6 problems and FLATTR_STRICT is on: build failed; " in output
    assert "6 of the 6 changed thing URLs changed alike" in output
    assert "a changed ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting" in output
    assert "the first:" not in output and "Traceback" not in output


def test_lenient_pelican_command_exits_0(tmp_path):
    result = _pelican(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "flattr_owner" in result.stdout + result.stderr


def test_a_strict_value_that_is_not_a_bool_fails_the_pelican_command(tmp_path):
    # Whoever wrote it wanted a strict build: it used to be taken as off,
    # and the site published without buttons, with exit status 0.
    result = _pelican(tmp_path, "FLATTR_STRICT=1")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "FLATTR_STRICT" in output


@pytest.mark.parametrize("value", ["yes", 0, None])
def test_a_strict_value_that_is_not_a_bool_is_named_and_taken_as_true(
    site, flattr_log, value
):
    with pytest.raises(FlattrBuildError):
        site({"a.md": article("Some article", "Alice")}, FLATTR_STRICT=value)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert (
        f"pelican-flattr: settings: FLATTR_STRICT must be True or False, not "
        f"{value!r}; taken as True, so this build fails" in errors[0]
    )


def _errors(log) -> list[str]:
    return [
        r.getMessage()
        for r in log.records
        if r.levelname == "ERROR" and "FLATTR_AUTHORS" not in r.getMessage()
    ]


def _dated(text: str, date: str) -> str:
    return text.replace("Date: 2024-03-01 10:00", f"Date: {date}")


_TWO_AUTHORS = {"Alice": "alice_flattrs", "Bob Builder": "twitter:user:id:783214"}


def _pinning_anothers_url(pinned: str, pinner_date: str) -> dict[str, str]:
    """Alice's a.md, whose own page is solder-basics.html, and Bob's
    extra.md, dated ``pinner_date``, which pins ``pinned``."""
    return {
        "a.md": _dated(article("Solder basics", "Alice"), "2024-01-01"),
        "extra.md": _dated(
            article("Extra article", "Bob Builder", flattr_url=pinned), pinner_date
        ),
    }


@pytest.mark.parametrize(
    # Dated after the first article, the one that pins comes first in
    # Pelican's order (newest first); dated before it, second.
    "pinner_date",
    ["2024-02-01", "2023-12-01"],
)
def test_a_pin_of_another_articles_url_never_takes_its_thing(
    site, flattr_log, pinner_date
):
    import feedparser

    taken = f"{SITEURL}/solder-basics.html"
    files = _pinning_anothers_url(taken, pinner_date)
    output = site(
        files, FLATTR_AUTHORS=_TWO_AUTHORS, FEED_ALL_ATOM="feeds/all.atom.xml"
    )
    things = manifest_things(output)
    assert set(things) == {"a.md"}
    assert (things["a.md"]["url"], things["a.md"]["owner"]["value"]) == (
        taken,
        "alice_flattrs",
    )
    assert len(flattr_buttons(page(output / "solder-basics.html"))) == 1
    assert flattr_buttons(page(output / "extra-article.html")) == []
    # The error blames the file that pinned, and names the field.
    assert _errors(flattr_log) == [
        f"pelican-flattr: extra.md: metadata 'flattr_url' pins {taken}, the URL "
        "of a.md's own page, which keeps that thing; Flattr keeps one thing per "
        "URL, so extra.md gets no Flattr button (pin a different flattr_url, or "
        "remove it)"
    ]
    # Only a.md's feed entry carries a payment link, and it is a.md's.
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    links = {
        entry.title: [link.href for link in entry.links if link.rel == "payment"]
        for entry in feed.entries
    }
    assert links["Extra article"] == []
    (link,) = links["Solder basics"]
    query = parse_qs(urlsplit(link).query)
    assert (query["url"], query["user_id"]) == ([taken], ["alice_flattrs"])


@pytest.mark.parametrize(
    "pinned",
    [
        f"{SITEURL}/./solder-basics.html",
        f"{SITEURL}/drafts/../solder-basics.html",
        f"{SITEURL}/%2e/solder-basics.html",
        "HTTPS://BLOG.EXAMPLE.ORG/solder-basics.html",
        f"{SITEURL}:443/solder-basics.html",
        # Escapes of unreserved characters, which servers decode.
        f"{SITEURL}/%73older%2Dbasics.html",
    ],
)
def test_a_pin_spelling_another_articles_url_otherwise_never_takes_it(
    site, flattr_log, pinned
):
    # Compared as written, each was a thing URL of its own: two things on
    # the site, and extra.md's button, og:url and payment link named
    # a.md's page, for Bob to be paid for Alice's article.
    taken = f"{SITEURL}/solder-basics.html"
    # Dated earlier: between two pins, extra.md would keep the URL.
    output = site(
        _pinning_anothers_url(pinned, "2023-12-01"), FLATTR_AUTHORS=_TWO_AUTHORS
    )
    _pin_refused_as_a_spelling(output, flattr_log, pinned, taken)


def _pin_refused_as_a_spelling(output, flattr_log, pinned: str, taken: str) -> None:
    """Check that extra.md's pin ``pinned`` of ``output`` (a site of
    ``_pinning_anothers_url``) is refused as another spelling of a.md's own
    URL ``taken``, which a.md keeps."""
    things = manifest_things(output)
    assert {source: thing["url"] for source, thing in things.items()} == {"a.md": taken}
    assert flattr_buttons(page(output / "extra-article.html")) == []
    assert _errors(flattr_log) == [
        f"pelican-flattr: extra.md: metadata 'flattr_url' pins {pinned}, another "
        f"spelling of {taken}, the URL of a.md's own page, which keeps that "
        "thing; Flattr keeps one thing per URL, so extra.md gets no Flattr "
        "button (pin a different flattr_url, or remove it)"
    ]


@pytest.mark.parametrize(
    ("siteurl", "pinned"),
    [
        # The host as the check of a pin's host reads it (comparable_host):
        # its xn-- form, escaped, with a final dot or a "www.".
        ("https://b\u00fccher.example", "https://xn--bcher-kva.example"),
        ("https://b\u00fccher.example", "https://b%C3%BCcher.example"),
        ("https://xn--bcher-kva.example", "https://B\u00dcCHER.example"),
        (SITEURL, "https://blog.ex%61mple.org"),
        (SITEURL, "https://blog.example.org."),
        (SITEURL, "https://www.blog.example.org"),
        ("https://www.example.org", "https://example.org"),
    ],
)
def test_a_pin_spelling_another_articles_host_otherwise_never_takes_it(
    site, flattr_log, siteurl, pinned
):
    # The check of a pin's host took each as the site's, and the URL's key
    # kept it apart: two things, extra.md's button naming a.md's page.
    taken = f"{siteurl}/solder-basics.html"
    pinned += "/solder-basics.html"
    output = site(
        _pinning_anothers_url(pinned, "2023-12-01"),
        FLATTR_AUTHORS=_TWO_AUTHORS,
        SITEURL=siteurl,
    )
    _pin_refused_as_a_spelling(output, flattr_log, pinned, taken)


def test_two_pins_of_one_url_spelt_otherwise_are_not_both_kept(site, flattr_log):
    # The one that keeps it keeps its pin as written: Flattr keys its thing
    # on it, and the URL guard advises pinning an old URL so.
    kept = "HTTPS://Blog.Example.ORG:443/the-one-url/"
    other = f"{SITEURL}/./the-%6Fne-url/"
    files = {
        "first.md": _dated(article("First", "Alice", flattr_url=kept), "2024-01-01"),
        "second.md": _dated(article("Second", "Alice", flattr_url=other), "2024-02-01"),
    }
    output = site(files, FLATTR_AUTHORS=_TWO_AUTHORS)
    assert {
        source: thing["url"] for source, thing in manifest_things(output).items()
    } == {"first.md": kept}
    assert _errors(flattr_log) == [
        f"pelican-flattr: second.md: metadata 'flattr_url' pins {other}, another "
        f"spelling of {kept}, which first.md pins too and keeps (dated earlier); "
        "Flattr keeps one thing per URL, so second.md gets no Flattr button "
        "(change the flattr_url of one of them)"
    ]


def test_a_pin_of_its_own_page_spelt_otherwise_keeps_it_from_another_pin(
    site, flattr_log
):
    # a.md pins its own page's URL as an earlier build published it: the
    # thing is its own, whichever is dated earlier.
    own = "https://BLOG.example.org/solder-basics.html"
    taken = f"{SITEURL}/solder-basics.html"
    files = {
        "a.md": _dated(article("Solder basics", "Alice", flattr_url=own), "2024-01-01"),
        "extra.md": _dated(
            article("Extra article", "Bob Builder", flattr_url=taken), "2023-12-01"
        ),
        "b.md": article("Own spelling", "Alice", flattr_url=f"{SITEURL}:443/b.html"),
    }
    output = site(files, FLATTR_AUTHORS=_TWO_AUTHORS)
    assert {
        source: thing["url"] for source, thing in manifest_things(output).items()
    } == {
        "a.md": own,
        "b.md": f"{SITEURL}:443/b.html",
    }
    assert _errors(flattr_log) == [
        f"pelican-flattr: extra.md: metadata 'flattr_url' pins {taken}, another "
        f"spelling of {own}, the URL of a.md's own page, which keeps that "
        "thing; Flattr keeps one thing per URL, so extra.md gets no Flattr "
        "button (pin a different flattr_url, or remove it)"
    ]


@pytest.mark.parametrize(
    ("settings", "taken"),
    [
        # Every thing URL the build computes is spelt otherwise than a pin.
        ({"SITEURL": "https://Blog.Example.org:443"}, "https://Blog.Example.org:443"),
        ({"ARTICLE_URL": "./{slug}.html"}, f"{SITEURL}/."),
    ],
)
def test_a_pin_of_a_computed_url_spelt_otherwise_never_takes_it(
    site, flattr_log, settings, taken
):
    taken += "/solder-basics.html"
    pinned = f"{SITEURL}/solder-basics.html"
    files = _pinning_anothers_url(pinned, "2023-12-01")
    output = site(files, FLATTR_AUTHORS=_TWO_AUTHORS, **settings)
    assert {s: thing["url"] for s, thing in manifest_things(output).items()} == {
        "a.md": taken
    }
    (error,) = _errors(flattr_log)
    assert error.startswith(
        f"pelican-flattr: extra.md: metadata 'flattr_url' pins {pinned}, another "
        f"spelling of {taken}, the URL of a.md's own page, which keeps that thing"
    )


def _foreign_pin(source: str, url: str, host: str, site_host: str) -> str:
    """The error of ``source``, whose flattr_url ``url`` is on ``host``, not
    on the site's host ``site_host``."""
    return (
        f"pelican-flattr: {source}: metadata 'flattr_url' pins {url!r}, a URL on "
        f"{host!r}, which is not this site's host ({site_host!r}): its og:url, "
        "button and payment link would name another site's page; pin a URL of "
        f"this site, or, if the site was published on {host!r} before, add "
        f"{host!r} to FLATTR_OLD_HOSTS; it gets no Flattr button"
    )


def test_a_pin_on_another_sites_host_is_refused(site, flattr_log):
    # Accepted silently, it made og:url, the button and the payment link
    # name another site's page: a link preview of the page showed that
    # site's, and the audit passed.
    files = {
        "evil.md": article(
            "Evil pin", "Alice", flattr_url="https://evil.example/phish"
        ),
        # Only a leading "www." is the same host: no other subdomain is.
        "sub.md": article("Sub pin", "Alice", flattr_url="https://x.blog.example.org/"),
        # Named as FLATTR_OLD_HOSTS takes it, in its brackets.
        "ip.md": article("IP pin", "Alice", flattr_url="https://[2001:db8::2]/x"),
        "good.md": article("Good article", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FEED_ALL_ATOM="feeds/all.atom.xml")
    assert set(manifest_things(output)) == {"good.md"}
    for name in ("evil-pin", "sub-pin", "ip-pin"):
        soup = page(output / f"{name}.html")
        assert (flattr_buttons(soup), og(soup, "og:url"), payment_links(soup)) == (
            [],
            [],
            [],
        )
    assert "evil.example" not in (output / "feeds" / "all.atom.xml").read_text()
    assert _errors(flattr_log) == [
        _foreign_pin(
            "evil.md", "https://evil.example/phish", "evil.example", "blog.example.org"
        ),
        _foreign_pin(
            "ip.md", "https://[2001:db8::2]/x", "[2001:db8::2]", "blog.example.org"
        ),
        _foreign_pin(
            "sub.md", "https://x.blog.example.org/", "x.blog.example.org", SITEURL[8:]
        ),
    ]
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


@pytest.mark.parametrize(
    "siteurl", ["https://blog.example.org", "https://WWW.blog.example.org:8443"]
)
def test_pins_on_the_sites_hosts_are_kept(site, flattr_log, siteurl):
    # A pin keeps an old URL of the site: another scheme, a "www." alias,
    # a port, or a host the site was published on before.
    pins = [
        "http://blog.example.org/2019/plain-http.html",
        "https://www.blog.example.org/2019/www-alias.html",
        "https://BLOG.example.org.:8443/2019/port-and-case.html",
        "https://old.example.org/2019/old-host.html",
        "https://www.old.example.org/2019/old-host-www.html",
        # One old host in its Unicode, xn-- and escaped forms.
        "https://xn--bcher-kva.example/2019/idn.html",
        "https://b%C3%BCcher.example/2019/idn-escaped.html",
        "https://[2001:db8::1]:8443/2019/address.html",
    ]
    files = {
        f"{n}.md": article(f"Pinned {n}", "Alice", flattr_url=url)
        for n, url in enumerate(pins)
    }
    output = site(
        files,
        SITEURL=siteurl,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_OLD_HOSTS=["www.old.example.org", "bücher.example", "[2001:db8::1]"],
    )
    things = manifest_things(output)
    assert {source: thing["url"] for source, thing in things.items()} == {
        f"{n}.md": url for n, url in enumerate(pins)
    }
    assert _errors(flattr_log) == []


def test_a_development_build_compares_pins_with_flattr_siteurl(site, flattr_log):
    # Its own SITEURL is local: the public FLATTR_SITEURL is the site's.
    files = {
        "evil.md": article("Evil pin", "Alice", flattr_url="https://evil.example/x"),
        "own.md": article("Own pin", "Alice", flattr_url=f"{SITEURL}/2019/own.html"),
    }
    output = site(
        files,
        SITEURL="http://localhost:8000",
        FLATTR_SITEURL=SITEURL,
        FLATTR_AUTHORS=AUTHORS,
    )
    assert set(manifest_things(output)) == {"own.md"}
    assert _errors(flattr_log) == [
        _foreign_pin("evil.md", "https://evil.example/x", "evil.example", SITEURL[8:])
    ]


def test_a_development_build_of_local_thing_urls_compares_no_pin(site, flattr_log):
    # No public host to compare with: the build of the published site
    # says what it refuses, and a preview is not flooded with errors.
    files = {"own.md": article("Own pin", "Alice", flattr_url=f"{SITEURL}/own.html")}
    output = site(files, SITEURL="http://localhost:8000", FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output)["own.md"]["url"] == f"{SITEURL}/own.html"
    assert _errors(flattr_log) == []


def test_a_pin_on_the_host_of_another_site_of_the_run_is_kept(tmp_path):
    # i18n_subsites: each language's site on a domain of its own. An
    # article pinned to the main site's host on the German one, and the
    # other way round, keeps its thing.
    files = {
        "moved.md": article(
            "Umgezogen", "Alice", Lang="de", flattr_url=f"{SITEURL}/2019/alt.html"
        ),
        "back.md": article(
            "Back home", "Alice", flattr_url="https://beispiel.de/2019/back.html"
        ),
        "evil.md": article(
            "Böse", "Alice", Lang="de", flattr_url="https://evil.example/x"
        ),
    }
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS=AUTHORS,
        I18N_SUBSITES={"de": {"SITEURL": "https://beispiel.de"}},
    )
    output = tmp_path / "output"
    assert manifest_things(output)["back.md"]["url"] == (
        "https://beispiel.de/2019/back.html"
    )
    german = manifest_things(output / "de")
    assert german["moved.md"]["url"] == f"{SITEURL}/2019/alt.html"
    assert "evil.md" not in german
    assert [m for m in built.messages if "flattr_url" in m] == [
        _foreign_pin("evil.md", "https://evil.example/x", "evil.example", "beispiel.de")
    ]


@pytest.mark.parametrize(
    ("first_date", "second_date", "keeper", "why"),
    [
        # The older keeps it, whichever comes first in Pelican's order.
        ("2024-01-01", "2024-02-01", "first", "dated earlier"),
        ("2024-02-01", "2024-01-01", "second", "dated earlier"),
        ("2024-01-01", "2024-01-01", "first", "first by file name"),
    ],
)
def test_two_articles_pinned_to_one_url_are_not_merged(
    site, flattr_log, first_date, second_date, keeper, why
):
    pinned = "https://blog.example.org/the-one-url/"
    files = {
        "first.md": _dated(
            article("The first article", "Alice", flattr_url=pinned), first_date
        ),
        "second.md": _dated(
            article("The second article", "Alice", flattr_url=pinned), second_date
        ),
    }
    loser = "second" if keeper == "first" else "first"
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {f"{keeper}.md"}
    assert flattr_buttons(page(output / f"the-{loser}-article.html")) == []
    assert len(flattr_buttons(page(output / f"the-{keeper}-article.html"))) == 1
    assert _errors(flattr_log) == [
        f"pelican-flattr: {loser}.md: metadata 'flattr_url' pins {pinned}, which "
        f"{keeper}.md pins too and keeps ({why}); Flattr keeps one thing per URL, "
        f"so {loser}.md gets no Flattr button (change the flattr_url of one of them)"
    ]


def test_three_articles_pinned_to_one_url_each_name_the_one_that_keeps_it(
    site, flattr_log
):
    # Pelican reads the newest first: 2020 lost to 2019, which then lost
    # to 2018. The first error named 2019 as the keeper, which had lost.
    pinned = "https://blog.example.org/shared/"
    files = {
        f"post-{year}.md": _dated(
            article(f"Post of {year}", "Alice", flattr_url=pinned), f"{year}-01-01"
        )
        for year in (2020, 2019, 2018)
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"post-2018.md"}
    assert sorted(_errors(flattr_log)) == [
        f"pelican-flattr: post-{year}.md: metadata 'flattr_url' pins {pinned}, "
        "which post-2018.md pins too and keeps (dated earlier); Flattr keeps one "
        f"thing per URL, so post-{year}.md gets no Flattr button (change the "
        "flattr_url of one of them)"
        for year in (2019, 2020)
    ]


def test_many_articles_pinned_to_one_url_are_one_error(site, flattr_log):
    # A front matter copied with its flattr_url into many files is one
    # mistake: one error naming the first files and counting them all.
    pinned = "https://blog.example.org/shared/"
    files = {
        f"post-{day:02}.md": _dated(
            article(f"Post {day}", "Alice", flattr_url=pinned), f"2020-01-{day:02}"
        )
        for day in range(1, 10)
    }
    files["own.md"] = article("Own page", "Alice", slug="own")
    files["copy-of-own.md"] = article(
        "Copied pin", "Alice", flattr_url=f"{SITEURL}/own.html"
    )
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"post-01.md", "own.md"}
    assert sorted(_errors(flattr_log)) == [
        "pelican-flattr: copy-of-own.md: metadata 'flattr_url' pins "
        f"{SITEURL}/own.html, the URL of own.md's own page, which keeps that "
        "thing; Flattr keeps one thing per URL, so copy-of-own.md gets no "
        "Flattr button (pin a different flattr_url, or remove it)",
        "pelican-flattr: post-02.md, post-03.md, post-04.md, post-05.md, "
        f"post-06.md and 3 more: metadata 'flattr_url' pins {pinned}, which "
        "post-01.md pins too and keeps (dated earlier); Flattr keeps one thing "
        "per URL, so none of these 8 files gets a Flattr button (give each of "
        "these a flattr_url of its own, or remove it)",
    ]


def test_a_pin_from_extra_path_metadata_is_named_with_its_entry(site, flattr_log):
    # The files hold no flattr_url: "change the flattr_url of one of them"
    # sent their authors looking for a line that is not there.
    pinned = "https://blog.example.org/the-one-url/"
    files = {
        "sub/one.md": _dated(article("One", "Alice"), "2020-01-01"),
        "sub/two.md": _dated(article("Two", "Alice"), "2020-01-02"),
        "own.md": article("Own page", "Alice", slug="own"),
        "other.md": article("Other", "Alice", slug="other"),
    }
    site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        EXTRA_PATH_METADATA={
            "sub": {"flattr_url": pinned},
            "other.md": {"flattr_url": f"{SITEURL}/own.html"},
        },
    )
    assert sorted(_errors(flattr_log)) == [
        "pelican-flattr: other.md: metadata 'flattr_url' (from "
        f"EXTRA_PATH_METADATA['other.md']) pins {SITEURL}/own.html, the URL of "
        "own.md's own page, which keeps that thing; Flattr keeps one thing per "
        "URL, so other.md gets no Flattr button (change or remove the flattr_url "
        "of EXTRA_PATH_METADATA['other.md'])",
        "pelican-flattr: sub/two.md: metadata 'flattr_url' (from "
        f"EXTRA_PATH_METADATA['sub']) pins {pinned}, which sub/one.md pins too "
        "and keeps (dated earlier); Flattr keeps one thing per URL, so sub/two.md "
        "gets no Flattr button (take the flattr_url out of "
        "EXTRA_PATH_METADATA['sub'], which gives it to every file it matches, "
        "and pin each file's own)",
    ]


def test_pins_of_a_setting_and_of_files_to_one_url_each_get_their_own_fix(
    site, flattr_log
):
    # Said as one group, the folder's files were told to remove a line they
    # do not hold, and the entry that pins them all went unnamed.
    pinned = "https://blog.example.org/shared.html"
    files = {
        f"notes/n{day}.md": _dated(article(f"Note {day}", "Alice"), f"2020-01-0{day}")
        for day in range(1, 8)
    }
    files.update(
        {
            name: _dated(article(name, "Alice", flattr_url=pinned), "2021-01-01")
            for name in ("k.md", "l.md")
        }
    )
    site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        EXTRA_PATH_METADATA={"notes": {"flattr_url": pinned}},
    )
    errors = sorted(_errors(flattr_log))
    assert len(errors) == 3, errors
    assert errors[0].startswith(
        "pelican-flattr: k.md: metadata 'flattr_url' pins "
    ) and errors[0].endswith("(change the flattr_url of one of them)")
    assert errors[2].startswith(
        "pelican-flattr: notes/n2.md, notes/n3.md, notes/n4.md, notes/n5.md, "
        "notes/n6.md and 1 more: metadata 'flattr_url' (from "
        "EXTRA_PATH_METADATA['notes']) pins "
    ) and errors[2].endswith(
        "(take the flattr_url out of EXTRA_PATH_METADATA['notes'], which gives "
        "it to every file it matches, and pin each file's own)"
    ), errors[2]


def test_two_articles_with_one_url_name_both_files(site, flattr_log):
    # Their own URL, written to two files: the older keeps the thing.
    files = {
        "a.md": _dated(
            article("Older", "Alice", url="same.html", save_as="one.html"),
            "2024-01-01",
        ),
        "b.md": article("Newer", "Alice", url="same.html", save_as="two.html"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"a.md"}
    assert _errors(flattr_log) == [
        f"pelican-flattr: b.md: its thing URL {SITEURL}/same.html is also the URL "
        "of a.md's page, which keeps that thing (dated earlier); Flattr keeps one "
        "thing per URL, so b.md gets no Flattr button (give one of them another "
        "slug or URL, or pin a different flattr_url)"
    ]


# Content written over another's page (its metadata sets that save_as): an
# article found before it in Pelican's order (newer) or after it (older); a
# page, with a thing of its own or not; a draft, which Pelican writes too;
# an article that opts out, which Pelican writes all the same.
OVER = article("Over", "Alice", save_as="under.html")


@pytest.mark.parametrize(
    ("source", "over", "pages", "thing"),
    [
        ("over.md", _dated(OVER, "2024-05-01"), False, True),
        ("over.md", _dated(OVER, "2023-05-01"), False, True),
        ("pages/over.md", OVER, True, True),
        ("pages/over.md", OVER, False, False),
        (
            "over.md",
            article("Over", "Alice", save_as="under.html", status="draft"),
            False,
            False,
        ),
        (
            "over.md",
            article("Over", "Alice", save_as="under.html", flattr="no"),
            False,
            False,
        ),
    ],
    ids=["newer", "older", "page", "page-without-flattr-pages", "draft", "opted-out"],
)
def test_content_written_over_anothers_page_takes_its_thing(
    site, flattr_log, capsys, source, over, pages, thing
):
    from pelican_flattr.cli import main as pelican_flattr

    files = {"under.md": article("Under", "Alice"), source: over}
    options = {
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_PAGES": pages,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
    }
    output = site(files, **options)
    # Pelican keeps the page whose metadata sets its save_as, whatever its
    # order: the other is published nowhere, and has no thing.
    assert page(output / "under.html").title.string.startswith("Over")
    assert set(manifest_things(output)) == ({source} if thing else set())
    assert len(flattr_buttons(page(output / "under.html"))) == thing
    assert _errors(flattr_log) == [
        f"pelican-flattr: under.md: {source} is written to its page under.html "
        f"too, and Pelican keeps only {source}'s, whose metadata sets that "
        "save_as; under.md is published nowhere, so it gets no Flattr button "
        f"(change the Save_as of {source}, or the slug or URL of under.md)"
    ]
    # The audit agrees with the manifest: the page's button is the thing's
    # that has it; only the feed entry of under.md links that page, and has
    # no payment link, as under.md has no thing.
    capsys.readouterr()
    status = pelican_flattr(["audit", str(output), "--json"])
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert status == int(thing)
    assert [(p["file"], p["problem"]) for p in problems] == thing * [
        ("feeds/all.atom.xml", f"the entry {SITEURL}/under.html has no payment link")
    ]
    over_url = quote(f"{SITEURL}/{source.replace('.md', '.html')}", safe="")
    assert all(f"auto?url={over_url}&" in p["expected"] for p in problems)
    with pytest.raises(FlattrBuildError) as stopped:
        site(files, **options, FLATTR_STRICT=True)
    assert stopped.value.code == 1


@pytest.mark.parametrize(
    ("a_meta", "b_meta"),
    [
        # Both set their save_as (and a URL each: one without leads nowhere).
        (
            {"save_as": "one.html", "url": "one.html"},
            {"save_as": "one.html", "url": "b.html"},
        ),
        # Neither does: one slug gives both one page (under URLs of their
        # own), and neither is kept.
        ({"slug": "one", "url": "a.html"}, {"slug": "one", "url": "b.html"}),
    ],
    ids=["both-save-as", "one-slug"],
)
def test_two_pages_pelican_refuses_to_write_name_both_files(
    site, flattr_log, a_meta, b_meta
):
    # Pelican stops with an error naming the file only, when it comes to
    # write it twice; a strict build stops first.
    files = {
        "a.md": article("First", "Alice", **a_meta),
        "b.md": article("Second", "Alice", **b_meta),
    }
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    assert _errors(flattr_log) == [
        "pelican-flattr: a.md and b.md are each written to the page one.html, "
        "which Pelican refuses to write twice (change the Save_as or the URL "
        "of all but one)"
    ]


@pytest.mark.parametrize("order", ["basename", "reversed-basename"])
def test_two_articles_with_one_slug_say_pelican_stops_whichever_comes_first(
    site, flattr_log, order
):
    # A copy of an article keeps its slug: the copy loses the thing URL, and
    # Pelican then stops at writing the page twice. Only when the copy came
    # first in Pelican's order was that said: the error about the URL alone
    # read as if the build carried on.
    text = article("Knitting machines", "Alice")
    files = {"knitting.md": text, "knitting2.md": text}
    # Pelican's FileOverwriteFailedError, a RuntimeError: a plain one in
    # older Pelicans, such as 4.9, the lowest the tests run under.
    with pytest.raises(RuntimeError):
        site(files, FLATTR_AUTHORS=AUTHORS, ARTICLE_ORDER_BY=order)
    assert _errors(flattr_log)[-1] == (
        "pelican-flattr: knitting.md and knitting2.md are each written to the "
        "page knitting-machines.html, which Pelican refuses to write twice "
        "(change the Save_as or the URL of all but one)"
    )


@pytest.mark.parametrize("order", ["basename", "reversed-basename"])
def test_the_page_pelican_keeps_keeps_the_thing_of_a_shared_url(
    site, flattr_log, order
):
    # aa.md sets save_as to the page of zz.md, under one slug: zz.md kept
    # the thing URL (dated earlier), then lost its page to aa.md, and the
    # page Pelican published had no thing; the first error said zz.md kept it.
    files = {
        "zz.md": _dated(article("Zed", "Alice", slug="same"), "2024-01-01"),
        "aa.md": article("Aa", "Alice", slug="same", save_as="same.html"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, ARTICLE_ORDER_BY=order)
    assert page(output / "same.html").title.string.startswith("Aa")
    assert set(manifest_things(output)) == {"aa.md"}
    assert len(flattr_buttons(page(output / "same.html"))) == 1
    assert _errors(flattr_log) == [
        "pelican-flattr: zz.md: aa.md is written to its page same.html too, and "
        "Pelican keeps only aa.md's, whose metadata sets that save_as; zz.md is "
        "published nowhere, so it gets no Flattr button (change the Save_as of "
        "aa.md, or the slug or URL of zz.md)"
    ]


def test_content_that_lost_its_url_and_its_page_is_reported_once(site, flattr_log):
    # b.md loses its thing URL to the older a.md, and its page to c.md,
    # whose metadata sets that save_as: it has no thing left to take back,
    # and the URL's error is the one it needs.
    files = {
        "a.md": _dated(article("Older", "Alice", url="same.html"), "2024-01-01"),
        "b.md": article("Newer", "Alice", url="same.html"),
        "c.md": article("Over", "Alice", save_as="newer.html"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"a.md", "c.md"}
    assert _errors(flattr_log) == [
        f"pelican-flattr: b.md: its thing URL {SITEURL}/same.html is also the URL "
        "of a.md's page, which keeps that thing (dated earlier); Flattr keeps one "
        "thing per URL, so b.md gets no Flattr button (give one of them another "
        "slug or URL, or pin a different flattr_url)"
    ]


def test_translations_and_save_as_of_their_own_are_no_shared_page(site, flattr_log):
    from pelican_flattr.cli import main as pelican_flattr

    files = {
        "en.md": article("Hello", "Alice", slug="hello", lang="en"),
        "fr.md": article("Bonjour", "Alice", slug="hello", lang="fr"),
        "mine.md": article(
            "Mine", "Alice", save_as="elsewhere/mine.html", url="elsewhere/mine.html"
        ),
        "pages/about.md": article("About", "Alice", slug="hello"),
        "pages/a-propos.md": article("A propos", "Alice", slug="hello", lang="fr"),
    }
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_PAGES=True,
        FLATTR_STRICT=True,
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    assert len(manifest_things(output)) == 5
    assert _errors(flattr_log) == []
    assert pelican_flattr(["audit", str(output)]) == 0


def _messages(log, word: str) -> list[str]:
    return [r.getMessage() for r in log.records if word in r.getMessage()]


DATA_URL = "data:image/png;base64," + "iVBORw0KGgo" * 40
IMAGE_CASES = [
    # (metadata, the og:image expected, what the warning says)
    ({"og_image": "{static}/images/cover.png"}, "/images/cover.png", None),
    ({"og_image": "{static}images/cover.png"}, "/posts/images/cover.png", None),
    ({"image": "{static}../images/cover.png"}, "/images/cover.png", None),
    ({"og_image": " "}, None, None),
    # An empty field is none: the next one gives the image.
    (
        {"og_image": " ", "image": "{static}/images/cover.png"},
        "/images/cover.png",
        None,
    ),
    (
        {"og_image": "https://cdn.example.net/c.png"},
        "https://cdn.example.net/c.png",
        None,
    ),
    (
        {"og_image": "{static}/images/missing.png"},
        "/images/missing.png",
        "metadata 'og_image' links to '{static}/images/missing.png', not a file "
        "of the site: og:image links to it all the same",
    ),
    (
        {"og_image": "https://[cdn.example.net/c.png"},
        None,
        "metadata 'og_image' is not a valid URL (Invalid IPv6 URL)",
    ),
    (
        {"og_image": "https://cdn.example.net/i\x7fmg.png"},
        None,
        "metadata 'og_image' holds the control character '\\x7f'",
    ),
    # A "/" to browsers in a path (WHATWG URL): they fetched
    # https://cdn.example.net/images/c.png, an image nobody named.
    (
        {"og_image": "https://cdn.example.net/images\\c.png"},
        None,
        "metadata 'og_image' holds the character '\\\\' in its path (browsers "
        "read it as '/', and so another path): write it as %5C where a file or "
        "folder name holds it, or as '/' between folders: "
        "'https://cdn.example.net/images\\\\c.png'; no og:image",
    ),
    # Relative, under the site URL: as browsers read it, images/cover.png.
    (
        {"og_image": "images\\cover.png"},
        None,
        "metadata 'og_image' holds the character '\\\\' in its path (browsers "
        "read it as '/', and so another path)",
    ),
    # Browsers keep one in a query as it is.
    (
        {"og_image": "https://cdn.example.net/c.png?v=a\\b"},
        "https://cdn.example.net/c.png?v=a\\b",
        None,
    ),
    # Taken from the site URL as a path, as before.
    ({"og_image": "images/cover.png"}, "/images/cover.png", None),
    ({"og_image": "/images/cover.png"}, "/images/cover.png", None),
    # A URL scheme, but not http(s): no file of the site, and no image.
    (
        {"og_image": "javascript:alert(1)"},
        None,
        "metadata 'og_image' must be an absolute http:// or https:// URL: "
        "'javascript:alert(1)'; no og:image",
    ),
    # Protocol-relative: another host's, and no path from the site URL.
    (
        {"og_image": "//cdn.example.net/c.png"},
        None,
        "metadata 'og_image' must be an absolute http:// or https:// URL: "
        "'//cdn.example.net/c.png'; no og:image",
    ),
    (
        {"og_image": "http:images/cover.png"},
        None,
        "metadata 'og_image' has no host name: 'http:images/cover.png'",
    ),
    # The image itself: the message repeats only its start.
    (
        {"og_image": DATA_URL},
        None,
        "metadata 'og_image' must be an absolute http:// or https:// URL: "
        f"{repr(DATA_URL)[:77]}...; no og:image",
    ),
]


@pytest.mark.parametrize(("meta", "expected", "says"), IMAGE_CASES)
def test_og_image_fields(site, flattr_log, meta, expected, says):
    files = {
        "posts/a.md": article("An illustrated post", "Alice", **meta),
        "posts/images/cover.png": "not really a PNG",
        "images/cover.png": "not really a PNG either",
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, STATIC_PATHS=["images", "posts"])
    if expected is not None and expected.startswith("/"):
        expected = SITEURL + expected
    images = og(page(output / "an-illustrated-post.html"), "og:image")
    assert images == ([expected] if expected else [])
    if expected and expected.startswith(SITEURL) and says is None:
        assert (output / expected[len(SITEURL) + 1 :]).is_file()
    warnings = _messages(flattr_log, "og_image")
    if says is None:
        assert warnings == []
    else:
        (warning,) = warnings
        assert warning.startswith("pelican-flattr: posts/a.md: ") and says in warning
    assert "posts/a.md" in manifest_things(output)  # the button stays


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (5, "must be text (a URL), not int; no og:image"),
        (["a.png", "b.png"], "must be a single value; no og:image"),
        (
            "javascript:alert(1)",
            "must be an absolute http:// or https:// URL: "
            "'javascript:alert(1)'; no og:image",
        ),
    ],
)
def test_a_default_og_image_no_page_can_use_is_said_once_of_the_setting(
    site, flattr_log, value, says
):
    # Said of each article, it was a warning per page for one mistake in
    # the settings, each naming a file that holds no such field.
    files = {
        "a.md": article("First post", "Alice"),
        "b.md": article("Second post", "Alice"),
        "c.md": article("Own image", "Alice", og_image="https://cdn.example.net/c.png"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, DEFAULT_METADATA={"Og_image": value})
    assert _messages(flattr_log, "og_image") == [
        f"pelican-flattr: DEFAULT_METADATA: metadata 'og_image' {says}"
    ]
    assert og(page(output / "first-post.html"), "og:image") == []
    assert og(page(output / "own-image.html"), "og:image") == [
        "https://cdn.example.net/c.png"
    ]
    assert len(manifest_things(output)) == 3  # the buttons stay
    # Without Open Graph tags nothing publishes it: nothing to say.
    flattr_log.clear()
    site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_METADATA={"Og_image": value},
        FLATTR_OPEN_GRAPH=False,
    )
    assert _messages(flattr_log, "og_image") == []


def test_a_language_region_flattr_lacks_is_warned_of_only_in_its_field(
    site, flattr_log
):
    # A mistyped region was the language's code without a word, even in a
    # strict build; a lang's region is Pelican's, and drops as documented.
    files = {
        "typo.md": article("Typo region", "Alice", flattr_language="de_DX"),
        "both.md": article(
            "Two warnings",
            "Alice",
            flattr_language="de-AT",
            og_image="{static}/images/missing.png",
        ),
        "lang.md": article("Austrian post", "Alice", lang="de-AT"),
        "sr.md": article("Serbian post", "Alice", flattr_language="sr-Latn"),
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    things = manifest_things(output)
    assert {source: thing["language"] for source, thing in things.items()} == {
        "typo.md": "de_DE",
        "both.md": "de_DE",
        "lang.md": "de_DE",
        "sr.md": "sr_RS",
    }
    assert _messages(flattr_log, "flattr_language") == [
        "pelican-flattr: both.md: metadata 'flattr_language' is 'de-AT', but "
        "Flattr has no code with the region AT: the thing has de_DE, its code "
        "for the language",
        "pelican-flattr: typo.md: metadata 'flattr_language' is 'de_DX', but "
        "Flattr has no code with the region DX: the thing has de_DE, its code "
        "for the language",
    ]
    assert _messages(flattr_log, "og_image") == [
        "pelican-flattr: both.md: metadata 'og_image' links to "
        "'{static}/images/missing.png', not a file of the site: og:image links "
        "to it all the same",
    ]
    assert not any(r.levelname == "ERROR" for r in flattr_log.records)


def test_a_language_region_flattr_lacks_in_many_files_is_one_warning_each(
    site, flattr_log
):
    # An old site's Flattr_language: en_US in 40 articles was 40 lines on
    # every build. Each value is one line, naming its files and the code
    # their things got; a warning still, even in a strict build.
    files = {
        **{f"en{n}.md": article(f"US {n}", flattr_language="en_US") for n in range(6)},
        **{f"pt{n}.md": article(f"BR {n}", flattr_language="pt_BR") for n in range(7)},
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    languages = {thing["language"] for thing in manifest_things(output).values()}
    assert languages == {"en_GB", "pt_PT"}
    assert sorted(_messages(flattr_log, "flattr_language")) == [
        "pelican-flattr: en0.md, en1.md, en2.md, en3.md, en4.md and 1 more: "
        "metadata 'flattr_language' is 'en_US' in these 6 files, but Flattr has "
        "no code with the region US: their things have en_GB, its code for the "
        "language",
        "pelican-flattr: pt0.md, pt1.md, pt2.md, pt3.md, pt4.md and 2 more: "
        "metadata 'flattr_language' is 'pt_BR' in these 7 files, but Flattr has "
        "no code with the region BR: their things have pt_PT, its code for the "
        "language",
    ]
    assert not any(r.levelname == "ERROR" for r in flattr_log.records)


def test_a_default_language_region_flattr_lacks_is_warned_of_once(site, flattr_log):
    # Every article has DEFAULT_METADATA's value: the warning is the
    # setting's, said once, not each article's; a file's own still is,
    # the setting's own value written in the file too.
    files = {f"post{i}.md": article(f"Post {i}", "Alice") for i in range(3)}
    files["own.md"] = article("Swiss post", "Alice", flattr_language="de_CH")
    files["same.md"] = article("Austrian post", "Alice", flattr_language="de_AT")
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=True,
        DEFAULT_METADATA={"Flattr_language": "de_AT"},
    )
    things = manifest_things(output)
    assert {thing["language"] for thing in things.values()} == {"de_DE"}
    assert len(things) == 5
    assert sorted(_messages(flattr_log, "flattr_language")) == [
        "pelican-flattr: DEFAULT_METADATA: metadata 'flattr_language' is 'de_AT', "
        "but Flattr has no code with the region AT: the thing has de_DE, its "
        "code for the language",
        "pelican-flattr: own.md: metadata 'flattr_language' is 'de_CH', but "
        "Flattr has no code with the region CH: the thing has de_DE, its code "
        "for the language",
        "pelican-flattr: same.md: metadata 'flattr_language' is 'de_AT', but "
        "Flattr has no code with the region AT: the thing has de_DE, its code "
        "for the language",
    ]


def test_a_site_language_region_flattr_lacks_is_warned_of_once(site, flattr_log):
    # FLATTR_LANGUAGE = "de_DX" was de_DE without a word, where the same
    # value in a file's field or DEFAULT_METADATA is warned of.
    # In Uzbek, which Flattr has no code for: they get FLATTR_LANGUAGE's.
    files = {f"post{i}.md": article(f"Post {i}", "Alice", lang="uz") for i in range(3)}
    # One in DEFAULT_LANG keeps its own, as the warning says.
    files["english.md"] = article("English", "Alice")
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=True,
        FLATTR_LANGUAGE="de_DX",
    )
    things = manifest_things(output).values()
    languages = {thing["url"].rsplit("/", 1)[-1]: thing["language"] for thing in things}
    assert languages == {
        "post-0-uz.html": "de_DE",
        "post-1-uz.html": "de_DE",
        "post-2-uz.html": "de_DE",
        "english.html": "en_GB",
    }
    assert _messages(flattr_log, "FLATTR_LANGUAGE is") == [
        "pelican-flattr: FLATTR_LANGUAGE is 'de_DX', but Flattr has no code with "
        "the region DX: things whose language Flattr has no code for get de_DE, "
        "its code for the language (an article's own lang, DEFAULT_LANG's "
        "included, comes first)"
    ]


@pytest.mark.parametrize(("value", "language"), [("sv_SE", "sv_SE"), ("de", "de_DE")])
def test_a_site_language_flattr_has_is_no_warning(site, flattr_log, value, language):
    # A code Flattr has, or a language alone: its things have it, unsaid.
    files = {"post.md": article("Post", "Alice", lang="uz")}
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=True,
        FLATTR_LANGUAGE=value,
    )
    (thing,) = manifest_things(output).values()
    assert thing["language"] == language
    assert _messages(flattr_log, "FLATTR_LANGUAGE") == []


def test_a_lang_that_is_no_language_tag_gets_the_default_language(site, flattr_log):
    files = {"junk.md": article("Junk language", "Alice", lang='de_DE"><x>')}
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_LANGUAGE="sv_SE")
    (thing,) = manifest_things(output).values()
    assert thing["language"] == "sv_SE"
    assert _messages(flattr_log, "no code for language") == [
        "pelican-flattr: Flattr has no code for language 'de_DE\"><x>' (first "
        "seen in junk.md); its things use sv_SE"
    ]


def test_an_image_value_with_an_address_is_neither_published_nor_logged(
    site, flattr_log
):
    # Before, published in the page's head as a path under the site URL.
    files = {
        "a.md": article("Plain address", "Alice", og_image="mailto:carol@example.org"),
        "b.md": article(
            "Encoded address", "Alice", image="MAILTO:carol%40example.org?x=1"
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    for name in ("plain-address.html", "encoded-address.html"):
        assert og(page(output / name), "og:image") == []
    for path in output.rglob("*"):
        if path.is_file():
            assert b"carol" not in path.read_bytes(), path
    assert sorted(_messages(flattr_log, "URL:")) == [
        "pelican-flattr: a.md: metadata 'og_image' must be an absolute http:// "
        "or https:// URL: 'mailto:[address]'; no og:image",
        "pelican-flattr: b.md: metadata 'image' must be an absolute http:// or "
        "https:// URL: 'MAILTO:[address]?x=1'; no og:image",
    ]


def test_image_metadata_given_twice_costs_only_the_og_image(site, flattr_log):
    # Pelican's HTML reader makes a list of a repeated <meta name="image">;
    # it used to end the build in a traceback.
    html = """<html><head><title>An HTML post</title>
    <meta name="date" content="2024-01-01" /><meta name="author" content="Alice" />
    <meta name="image" content="/images/a.png" /><meta name="image" content="/b.png" />
    </head><body><p>Body of an HTML article with enough words.</p></body></html>"""
    output = site({"h.html": html}, FLATTR_AUTHORS=AUTHORS)
    soup = page(output / "an-html-post.html")
    assert og(soup, "og:image") == []
    assert len(flattr_buttons(soup)) == 1
    assert any(
        "h.html: metadata 'image' must be a single value" in r.getMessage()
        for r in flattr_log.records
    )


def test_author_keys_of_a_site_whose_content_went_unread_are_not_called_misspelt(
    site, flattr_log
):
    # Without the markdown package Pelican reads no .md file (it says so),
    # and each key was "misspelt": sending the operator the wrong way.
    files = {"p.md": article("A post by Carol", "Carol"), "q.md": article("Q")}
    authors = {"Carol": "carol_f", "Alice": "alice"}
    site(files, FLATTR_AUTHORS=authors, READERS={"md": None})
    assert _messages(flattr_log, "FLATTR_AUTHORS") == [
        "pelican-flattr: FLATTR_AUTHORS names 2 authors, but this build read no "
        "content: if the site has articles, see why Pelican read none of them (a "
        "Markdown site needs the markdown package)"
    ]
    # Read, but naming no author (no Author:, no AUTHOR): said so, not that
    # nothing was read; a site of pages alone, or of drafts, was read too.
    for unsigned in (
        {"n.md": "Title: Nobody's\nDate: 2024-03-01\n\nText.\n"},
        {"pages/about.md": "Title: About\n\nAbout us.\n"},
        {"d.md": "Title: Soon\nDate: 2024-03-01\nStatus: draft\n\nText.\n"},
    ):
        flattr_log.clear()
        site(unsigned, FLATTR_AUTHORS=authors)
        assert _messages(flattr_log, "FLATTR_AUTHORS names") == [
            "pelican-flattr: FLATTR_AUTHORS names 2 authors, but no content of "
            "this site names an author (no 'Author:' in its files, and no AUTHOR "
            "setting)"
        ], unsigned
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        site(
            files,
            FLATTR_AUTHORS={"Carol": "carol_f"},
            READERS={"md": None},
            FLATTR_STRICT=True,
        )
    assert _messages(flattr_log, "names 1 author, but this build read no content")
    # Read, a key that names nobody is a misspelling again.
    flattr_log.clear()
    site(files, FLATTR_AUTHORS={**authors, "Bob": "bob"})
    assert _messages(flattr_log, "FLATTR_AUTHORS") == [
        "pelican-flattr: FLATTR_AUTHORS['Bob'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left"
    ]


def test_a_misspelt_author_key_is_named(site, flattr_log):
    files = {
        "p.md": article("A post by Carol", "Carol Chen"),
        "q.md": article("A post by Dana", "Dana Dorn"),
        "r.md": article("A post by Erik", "Erik Ek"),
        "s.md": article("A post by Sam", "Sam Stone"),
        # As far from the key 'bob' as another name: no suggestion.
        "t.md": article("A post by Rob", "Rob"),
    }
    authors = {
        "Carol Chan": "carol_f",
        "Alice": "alice",
        "bob": "bob_f",
        # Close to an author's slug, in other letters' case.
        "DANA-DORM": "dana_f",
        # Close to an author that another key names: no suggestion.
        "Erik Ek": "erik_f",
        "Erik Ekk": "erik_f2",
        # Close to an author another key names in other letters' case (one
        # slug): no suggestion either.
        "sam stone": "sam_f",
        "Sam Stome": "sam_f2",
    }
    output = site(files, FLATTR_AUTHORS=authors, FLATTR_USERNAME="siteowner")
    assert manifest_things(output)["p.md"]["owner"]["value"] == "siteowner"
    warnings = _messages(flattr_log, "names no author")
    # Alice has no article here either, and no name near hers; nor has bob.
    assert warnings == [
        "pelican-flattr: FLATTR_AUTHORS['Alice'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left",
        "pelican-flattr: FLATTR_AUTHORS['Carol Chan'] names no author of this site "
        "(by name or slug); check its spelling (did you mean 'Carol Chen'?), or "
        "remove it if the author has no content left",
        "pelican-flattr: FLATTR_AUTHORS['DANA-DORM'] names no author of this site "
        "(by name or slug); check its spelling (did you mean 'dana-dorn'?), or "
        "remove it if the author has no content left",
        "pelican-flattr: FLATTR_AUTHORS['Erik Ekk'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left",
        "pelican-flattr: FLATTR_AUTHORS['Sam Stome'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left",
        "pelican-flattr: FLATTR_AUTHORS['bob'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left",
    ]
    # A key may be an author's slug, and an author of drafts only is known.
    files = {
        "p.md": article("A post by Bob", "Bob"),
        "d.md": article("Draft", "Alice", status="draft"),
    }
    quiet = site(files, FLATTR_AUTHORS={"bob": "bob_f", "Alice": "alice"})
    assert manifest_things(quiet)["p.md"]["owner"]["value"] == "bob_f"
    assert _messages(flattr_log, "names no author") == warnings


def test_many_misspelt_author_keys_are_one_warning(site, flattr_log):
    # A bulk import's keys, each a letter off its author's name: one warning
    # that counts them and names the first ten, each with the name meant,
    # not a warning per key (hundreds of them buried the rest of the log).
    members = [f"Member {n:02}" for n in range(12)]
    files = {
        f"m{n:02}.md": article(f"Post {n}", name) for n, name in enumerate(members)
    }
    authors = {name.replace("Member", "Membr"): "member_f" for name in members}
    output = site(files, FLATTR_AUTHORS=authors, FLATTR_USERNAME="siteowner")
    assert manifest_things(output)["m00.md"]["owner"]["value"] == "siteowner"
    named = [
        f"FLATTR_AUTHORS['Membr {n:02}'] (did you mean 'Member {n:02}'?)"
        for n in range(10)
    ]
    assert _messages(flattr_log, "FLATTR_AUTHORS") == [
        "pelican-flattr: 12 FLATTR_AUTHORS entries name no author of this site (by "
        f"name or slug): {', '.join(named)} and 2 more; check "
        "their spelling, or take them out if their authors have no content left"
    ]
    # Under FLATTR_STRICT, one problem that counts them all.
    flattr_log.clear()
    with pytest.raises(FlattrBuildError, match="failed: 1 problem "):
        site(files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    assert _messages(flattr_log, "12 FLATTR_AUTHORS entries name no author")


GONE_AUTHORS = {"Alice": "alice", "Bob Builder": "email:bob.builder@example.org"}
BOB_GONE = (
    "pelican-flattr: FLATTR_AUTHORS['Bob Builder'] names no author of this site "
    "any more: the last build the URL guard recorded gave its owner 1 thing that this "
    "build lacks "
    "(deleted, or failed to read); remove the key once the author's content "
    "is deleted permanently"
)


def _gone_author_files():
    return {
        "a.md": article("A post by Alice", "Alice", slug="a"),
        "b.md": article("A post by Bob", "Bob Builder", slug="shelves"),
    }


def test_a_key_whose_author_had_things_last_build_is_no_misspelling(
    tmp_path, flattr_log
):
    # Bob's only article deleted, its removal accepted: his key was spelt
    # right, and matched in the last build, whose URL baseline gives his
    # owner a thing. Once called a misspelling, which failed a strict
    # (publish) build that has nothing wrong.
    build(tmp_path, _gone_author_files(), FLATTR_AUTHORS=GONE_AUTHORS)
    (tmp_path / "content" / "b.md").unlink()
    flattr_log.clear()
    settings = {
        "FLATTR_AUTHORS": GONE_AUTHORS,
        "FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/shelves.html"],
    }
    build(tmp_path, {}, FLATTR_STRICT=True, **settings)
    assert [r.getMessage() for r in flattr_log.records] == [BOB_GONE]
    # That build's baseline keeps Bob's URL as released, with his owner:
    # the next build, unchanged, says the same and passes. It called the
    # key misspelt, and a strict build failed on a commit that changed
    # nothing.
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_STRICT=True, **settings)
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [BOB_GONE]


def test_a_key_whose_author_left_names_the_guarded_build_in_a_development_one(
    tmp_path, flattr_log
):
    # A development build (SITEURL "", the public address in FLATTR_SITEURL)
    # neither compares nor replaces the baseline: Bob's thing is in the last
    # build the URL guard recorded, not in the last build, which may be any
    # number of development builds ago.
    build(tmp_path, _gone_author_files(), FLATTR_AUTHORS=GONE_AUTHORS)
    (tmp_path / "content" / "b.md").unlink()
    for _ in range(2):
        flattr_log.clear()
        build(
            tmp_path,
            {},
            FLATTR_AUTHORS=GONE_AUTHORS,
            SITEURL="",
            FLATTR_SITEURL=SITEURL,
        )
        assert _messages(flattr_log, "FLATTR_AUTHORS[") == [BOB_GONE]
    assert "the last build the URL guard recorded gave its owner" in BOB_GONE


@pytest.mark.parametrize(
    ("settings", "damaged"),
    [({"FLATTR_URL_GUARD": False}, False), ({}, True)],
    ids=["guard-off", "baseline-damaged"],
)
def test_a_key_whose_author_left_names_nobody_without_a_baseline(
    tmp_path, flattr_log, settings, damaged
):
    # With FLATTR_URL_GUARD off no baseline is kept: the one an earlier,
    # guarded build left tells nothing of the last build, and Bob's things
    # in it are no sign that his key was spelt right. Nor is a baseline
    # damaged since (the guard says so), and it is no traceback.
    build(tmp_path, _gone_author_files(), FLATTR_AUTHORS=GONE_AUTHORS)
    (tmp_path / "content" / "b.md").unlink()
    if damaged:
        tmp_path.joinpath("cache", "pelican-flattr", "url-baseline.json").write_text(
            "[1, 2]\n"
        )
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_AUTHORS=GONE_AUTHORS, **settings)
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['Bob Builder'] names no author of this "
        "site (by name or slug); check its spelling, or remove it if"
        " the author has no content left"
    ]


def test_a_key_whose_authors_article_failed_to_read_is_no_misspelling(
    tmp_path, flattr_log
):
    # Pelican cannot read b.md now: the guard reports its thing URL on every
    # build, and the key is said to have lost its content, not misspelt.
    build(tmp_path, _gone_author_files(), FLATTR_AUTHORS=GONE_AUTHORS)
    broken = article("A post by Bob", "Bob Builder", slug="shelves")
    broken = broken.replace("Date: 2024-03-01 10:00", "Date: the day after")
    for _ in range(2):
        flattr_log.clear()
        build(tmp_path, {"b.md": broken}, FLATTR_AUTHORS=GONE_AUTHORS)
        assert _messages(flattr_log, "FLATTR_AUTHORS[") == [BOB_GONE]
        assert _messages(flattr_log, "b.md: still in the content folder")
        # The owner is an address: the baseline, and so every message,
        # holds its hash alone.
        assert not any("@" in r.getMessage() for r in flattr_log.records)


def test_a_key_edited_into_a_typo_is_still_called_one(tmp_path, flattr_log):
    # The owner's thing of the last build is still there, now the site
    # owner's: the key, not the content, changed.
    build(tmp_path, _gone_author_files(), FLATTR_AUTHORS=GONE_AUTHORS)
    flattr_log.clear()
    typo = {"Alice": "alice", "Bob Bulder": GONE_AUTHORS["Bob Builder"]}
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            {},
            FLATTR_AUTHORS=typo,
            FLATTR_USERNAME="hackspace",
            FLATTR_STRICT=True,
        )
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['Bob Bulder'] names no author of this "
        "site (by name or slug); check its spelling (did you mean 'Bob "
        "Builder'?), or remove it if the author has no content left"
    ]


REASSIGNED_AUTHORS = {
    "Carol Chen": "email:carol@example.org",
    "Dmitri Ivanov": "partner:hackspace:1042",
}
CAROL_GIVEN_AWAY = (
    "pelican-flattr: FLATTR_AUTHORS['Carol Chen'] names no author of this site "
    "any more: the last build the URL guard recorded gave its owner 1 thing whose "
    "source file is by "
    "another author now (c.md, now by 'Dmitri Ivanov'; the URL guard warns of "
    "the owner change); unless the change is a mistake, remove the key: once "
    "a build passes, its baseline gives the owner nothing, and the key is taken "
    "for a misspelt one"
)


def _carol_and_dmitri(carol_writes="Carol Chen"):
    return {
        "c.md": article("Carol's notes", carol_writes, slug="notes"),
        "d.md": article("Dmitri's notes", "Dmitri Ivanov", slug="more"),
    }


def test_a_key_whose_authors_article_went_to_another_author_is_no_misspelling(
    tmp_path, flattr_log
):
    # An editor gave Carol's only article to Dmitri, both mapped: her key was
    # called misspelt, which failed the strict build, and the editor was left
    # with that instead of the guard's owner change, which says what happened.
    build(tmp_path, _carol_and_dmitri(), FLATTR_AUTHORS=REASSIGNED_AUTHORS)
    flattr_log.clear()
    strict = {"FLATTR_AUTHORS": REASSIGNED_AUTHORS, "FLATTR_STRICT": True}
    build(tmp_path, _carol_and_dmitri("Dmitri Ivanov"), **strict)
    said = [r for r in flattr_log.records if "FLATTR_AUTHORS[" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in said] == [
        ("WARNING", CAROL_GIVEN_AWAY)
    ]
    (changed,) = _messages(flattr_log, "changed owner")
    assert changed.startswith(
        f"pelican-flattr: c.md: its thing {SITEURL}/notes.html changed owner "
        f"from 'Carol Chen' (email:{hash_email('carol@example.org')[:8]}…) to "
        "'Dmitri Ivanov' (partner:hackspace:1042), "
    ), changed
    assert not any("@" in r.getMessage() for r in flattr_log.records)
    # That build's baseline gives Carol's owner nothing: her key names
    # nobody, as a misspelt one, and fails the next strict build.
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, {}, **strict)
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['Carol Chen'] names no author of this "
        "site (by name or slug); check its spelling, or remove it if the "
        "author has no content left"
    ]


def test_keys_whose_authors_articles_went_to_others_share_one_warning(
    tmp_path, flattr_log
):
    # Dmitri mapped by his slug: his articles take that key all the same.
    authors = {
        "Carol Chen": "email:carol@example.org",
        "Erin Ek": "erin",
        "dmitri-ivanov": "partner:hackspace:1042",
    }
    files = {
        **_carol_and_dmitri(),
        "e.md": article("Erin's notes", "Erin Ek", slug="erin"),
        "f.md": article("Erin's other notes", "Erin Ek", slug="erin-2"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    given_away = {
        name: text.replace("Carol Chen", "Dmitri Ivanov").replace("Erin Ek", "Dana")
        for name, text in files.items()
    }
    flattr_log.clear()
    build(
        tmp_path,
        given_away,
        FLATTR_AUTHORS={**authors, "Dana": "dana"},
        FLATTR_STRICT=True,
    )
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: 2 FLATTR_AUTHORS keys name no author of this site any "
        "more: the last build the URL guard recorded gave their owners 3 things whose "
        "source files are "
        "by other authors now: FLATTR_AUTHORS['Carol Chen'] (1, now by 'Dmitri "
        "Ivanov') and FLATTR_AUTHORS['Erin Ek'] (2, now by 'Dana'); the URL "
        "guard warns of the owner changes; unless they are mistakes, take the "
        "keys out: once a build passes, its baseline gives their owners "
        "nothing, and the keys are taken for misspelt ones"
    ]


@pytest.mark.parametrize(
    ("carol_writes", "authors", "meant"),
    [
        # The file's author misspelt, so no key maps it now.
        ("Carol Chem", REASSIGNED_AUTHORS, " (did you mean 'Carol Chem'?)"),
        # The key cut short, too far from the name for a suggestion: the
        # author no key maps now is still the one it meant.
        (
            "Carol Chen",
            {
                "C. Chen": "email:carol@example.org",
                "Dmitri Ivanov": "partner:hackspace:1042",
            },
            "",
        ),
        # The key misspelt, the author mapped by a slug key now: close to
        # the key, that author is the one it meant.
        (
            "Carol Chen",
            {
                "Carol Chn": "email:carol@example.org",
                "carol-chen": "partner:hackspace:7",
                "Dmitri Ivanov": "partner:hackspace:1042",
            },
            "",
        ),
    ],
    ids=["file-misspelt", "key-cut-short", "key-misspelt"],
)
def test_an_article_that_left_a_key_for_a_misspelling_is_no_reassignment(
    tmp_path, flattr_log, carol_writes, authors, meant
):
    # The source's thing went to another owner (the site's, a slug key's)
    # as a typo took it from the key: a misspelling still fails a strict
    # build.
    build(tmp_path, _carol_and_dmitri(), FLATTR_AUTHORS=REASSIGNED_AUTHORS)
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            _carol_and_dmitri(carol_writes),
            FLATTR_AUTHORS=authors,
            FLATTR_USERNAME="hackspace",
            FLATTR_STRICT=True,
        )
    key = next(key for key in authors if key.startswith("C"))
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        f"pelican-flattr: FLATTR_AUTHORS[{key!r}] names no author of this site "
        f"(by name or slug); check its spelling{meant}, or remove it if the "
        "author has no content left"
    ]


@pytest.mark.parametrize(
    ("authors", "username"),
    [
        ({"Alice": "alice", "Bob Builder": "bob", "Alcie": "alice"}, None),
        ({"Bob Builder": "bob", "Alcie": "alice"}, "alice"),
    ],
)
def test_a_typo_sharing_its_owner_with_a_known_key_is_still_called_one(
    tmp_path, flattr_log, authors, username
):
    # Alice's owner is the typo's too (by another key, or as the site
    # owner): an article of hers deleted leaves a thing of that owner
    # behind, which told nothing about the typo, yet let it pass a strict
    # build as a key whose author's content was deleted.
    files = {
        **_gone_author_files(),
        "c.md": article("Another post by Alice", "Alice", slug="c"),
    }
    settings = {"FLATTR_AUTHORS": authors, "FLATTR_USERNAME": username}
    build(tmp_path, files, **settings)
    (tmp_path / "content" / "c.md").unlink()
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            {},
            FLATTR_ACCEPT_URL_CHANGES=[f"{SITEURL}/c.html"],
            FLATTR_STRICT=True,
            **settings,
        )
    # Alice is the one author no key names, when the site owner has hers.
    meant = "" if "Alice" in authors else " (did you mean 'Alice'?)"
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['Alcie'] names no author of this "
        f"site (by name or slug); check its spelling{meant}, or remove it if"
        " the author has no content left"
    ]


def test_an_author_key_matches_every_spelling_pelican_takes_for_that_author(
    site, flattr_log
):
    # Pelican gives "Bob Builder", "bob builder" and "Bob Büilder" one slug,
    # and so one author page: they are one author, and one owner.
    files = {
        "a.md": article("First post by Bob", "Bob Builder"),
        "b.md": article("Second post by Bob", "bob builder"),
        "c.md": article("Third post by Bob", "Bob Büilder"),
    }
    output = site(
        files,
        FLATTR_AUTHORS={"BOB BUILDER": "twitter:user:id:783214"},
        FLATTR_USERNAME="hackspace",
    )
    owners = {s: t["owner"]["value"] for s, t in manifest_things(output).items()}
    assert owners == dict.fromkeys(("a.md", "b.md", "c.md"), "twitter:user:id:783214")
    assert _messages(flattr_log, "names no author") == []


ONE_AUTHOR = (
    "name one author, as Pelican takes author names with one slug for one "
    "author; an article takes the key that is its author's name as written, else "
)


def _owners(output: Path) -> dict[str, str]:
    return {s: t["owner"]["value"] for s, t in manifest_things(output).items()}


def test_two_author_keys_for_one_author_are_named_with_the_one_used(site, flattr_log):
    # "bob builder" is Bob Builder (one slug), spelt right: not a typo, but
    # a second entry that the exact name's hides.
    files = {"a.md": article("First post by Bob", "Bob Builder")}
    both = {"Bob Builder": "twitter:user:id:783214", "bob builder": "bob_new"}
    output = site(files, FLATTR_AUTHORS=both, FLATTR_USERNAME="hackspace")
    assert _owners(output) == {"a.md": "twitter:user:id:783214"}
    assert _messages(flattr_log, "names no author") == []
    assert _messages(flattr_log, "one author") == [
        "pelican-flattr: FLATTR_AUTHORS['Bob Builder'] and "
        f"FLATTR_AUTHORS['bob builder'] {ONE_AUTHOR}FLATTR_AUTHORS['Bob Builder'], "
        "so this site's content takes FLATTR_AUTHORS['Bob Builder'] and ignores "
        "FLATTR_AUTHORS['bob builder']: keep one key per author"
    ]
    # Neither spelt as the content has it: the first key, said once
    # however many articles.
    flattr_log.clear()
    files = {
        "a.md": article("First post by Alice", "Alice Andersson"),
        "b.md": article("Second post by Alice", "Alice Andersson"),
    }
    alice = {"alice andersson": "alice_old", "ALICE ANDERSSON": "alice_new"}
    output = site(files, FLATTR_AUTHORS=alice)
    assert _owners(output) == {"a.md": "alice_old", "b.md": "alice_old"}
    assert _messages(flattr_log, "names no author") == []
    assert _messages(flattr_log, "one author") == [
        "pelican-flattr: FLATTR_AUTHORS['alice andersson'] and "
        f"FLATTR_AUTHORS['ALICE ANDERSSON'] {ONE_AUTHOR}"
        "FLATTR_AUTHORS['alice andersson'], so this site's content takes "
        "FLATTR_AUTHORS['alice andersson'] and ignores "
        "FLATTR_AUTHORS['ALICE ANDERSSON']: keep one key per author"
    ]


def test_two_author_keys_for_one_author_may_split_their_things(site, flattr_log):
    # A key that is the author's slug comes before the first key.
    files = {
        "a.md": article("First post by Bob", "Bob Builder"),
        "b.md": article("Second post by Bob", "BOB BUILDER"),
    }
    keys = {"Bob Builder": "bob_old", "bob b": "bob_b", "bob-builder": "bob_new"}
    output = site(files, FLATTR_AUTHORS=keys, FLATTR_USERNAME="hackspace")
    assert _owners(output) == {"a.md": "bob_old", "b.md": "bob_new"}
    assert _messages(flattr_log, "one author") == [
        "pelican-flattr: FLATTR_AUTHORS['Bob Builder'] and "
        f"FLATTR_AUTHORS['bob-builder'] {ONE_AUTHOR}FLATTR_AUTHORS['bob-builder'], "
        "so this site's content spells the author in ways that split their things "
        "between FLATTR_AUTHORS['Bob Builder'] and FLATTR_AUTHORS['bob-builder']: "
        "keep one key per author"
    ]
    assert _messages(flattr_log, "names no author") == [
        "pelican-flattr: FLATTR_AUTHORS['bob b'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left"
    ]


def test_two_author_keys_for_one_author_fail_a_strict_build(site, flattr_log):
    # Two spellings of an address: neither is repeated.
    files = {"c.md": article("By an address", "carol.secret@example.org")}
    keys = {"carol.secret@example.org": "carol_f", "Carol.Secret@example.org": "c"}
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=keys, FLATTR_STRICT=True)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert (
        "pelican-flattr: FLATTR_AUTHORS['[address]'] and "
        f"FLATTR_AUTHORS['[address]'] {ONE_AUTHOR}FLATTR_AUTHORS['[address]'], so "
        "this site's content takes FLATTR_AUTHORS['[address]'] and ignores "
        "FLATTR_AUTHORS['[address]']: keep one key per author"
    ) in errors
    assert _messages(flattr_log, "names no author") == []
    assert not any("@" in r.getMessage() for r in flattr_log.records)


def test_an_author_key_that_is_no_string_is_named_as_written(site, flattr_log):
    # The key 3 was shown as FLATTR_AUTHORS['3'], a key the settings do not
    # have, and called a misspelt name; a key that is no string matches no
    # author's name.
    files = {"p.md": article("A post by Bob", "Bob"), "q.md": article("By 3", "3")}
    authors = {"Bob": "bob_f", 3: "partner:x:3", None: "carol@example.org"}
    output = site(files, FLATTR_AUTHORS=authors, FLATTR_USERNAME="siteowner")
    things = manifest_things(output)
    assert things["p.md"]["owner"]["value"] == "bob_f"
    assert things["q.md"]["owner"]["value"] == "siteowner"
    assert _messages(flattr_log, "no author's name") == [
        "pelican-flattr: settings: FLATTR_AUTHORS[3] and FLATTR_AUTHORS[None]: "
        "keys that are no author's name, which is a string, as the content's "
        "Author: field gives it; the entries are left out"
    ]
    assert _messages(flattr_log, "names no author") == []
    assert _messages(flattr_log, "'3'") == []
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS={3: "bob_f"}, FLATTR_STRICT=True)


def test_a_misspelt_author_key_fails_a_strict_build(site, flattr_log):
    files = {"p.md": article("A post by Bob", "Bob Builder")}
    with pytest.raises(FlattrBuildError):
        site(
            files,
            FLATTR_AUTHORS={"Bob Bulder": "twitter:user:id:783214"},
            FLATTR_USERNAME="hackspace",
            FLATTR_STRICT=True,
        )
    assert _messages(flattr_log, "names no author") == [
        "pelican-flattr: FLATTR_AUTHORS['Bob Bulder'] names no author of this site "
        "(by name or slug); check its spelling (did you mean 'Bob Builder'?), "
        "or remove it if the author has no content left"
    ]


def _home(author: str) -> str:
    """A page by ``author`` saved as the site's index.html, at the root URL."""
    head = f"Title: Welcome home\nAuthor: {author}\nURL:\nsave_as: index.html\n\n"
    return head + "The home page of the site, with enough words.\n"


def _root_pin(title: str, author: str, date: str) -> str:
    """An article by ``author`` dated ``date`` that pins the site root."""
    return _dated(article(title, author, flattr_url=SITEURL + "/"), date)


def _site_root_error(source: str) -> str:
    """The error for ``source``, whose thing URL is the site's own thing's."""
    return (
        f"pelican-flattr: {source}: its thing URL {SITEURL}/ is already the thing "
        "of the site itself (FLATTR_USERNAME's payment link in every feed); "
        "Flattr would merge them, so it gets no Flattr button (pin a different "
        "flattr_url)"
    )


def test_a_thing_at_the_site_root_collides_with_the_site_thing_of_the_feeds(
    site, flattr_log
):
    import feedparser

    files = {
        "a.md": article("An article here", "Carol"),
        "pages/home.md": _home("Carol"),
        "pinned.md": article("Pinned to the root", "Carol", flattr_url=SITEURL + "/"),
    }
    settings = {
        "FLATTR_AUTHORS": {"Carol": "twitter:user:id:42"},
        "FLATTR_USERNAME": "siteowner",
        "FLATTR_PAGES": True,
        "INDEX_SAVE_AS": "blog/index.html",
    }
    output = site(files, FEED_ALL_ATOM="feeds/all.atom.xml", **settings)
    assert set(manifest_things(output)) == {"a.md"}
    assert flattr_buttons(page(output / "index.html")) == []
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [_site_root_error(s) for s in ("pinned.md", "pages/home.md")]
    # The site thing keeps its URL and its owner.
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes()).feed
    (link,) = [link for link in feed.links if link.rel == "payment"]
    query = parse_qs(urlsplit(link.href).query)
    assert (query["url"], query["user_id"]) == ([SITEURL + "/"], ["siteowner"])
    # Without a feed the site thing is published nowhere: no collision.
    flattr_log.clear()
    del files["pinned.md"]
    quiet = site(files, **settings)
    assert set(manifest_things(quiet)) == {"a.md", "pages/home.md"}
    assert [r for r in flattr_log.records if r.levelname == "ERROR"] == []
    # Owned by FLATTR_USERNAME itself, the home page is the site's thing.
    flattr_log.clear()
    shared = site(
        files,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        **{**settings, "FLATTR_AUTHORS": {}, "FLATTR_STRICT": True},
    )
    assert set(manifest_things(shared)) == {"a.md", "pages/home.md"}
    assert manifest_things(shared)["pages/home.md"]["url"] == SITEURL + "/"
    assert len(flattr_buttons(page(shared / "index.html"))) == 1
    assert [r for r in flattr_log.records if r.levelname == "ERROR"] == []


@pytest.mark.parametrize(
    "pinned",
    [
        "HTTPS://BLOG.EXAMPLE.ORG/",
        f"{SITEURL}:443",
        f"{SITEURL}/./",
        "https://www.blog.example.org./",
    ],
)
def test_a_pin_spelling_the_site_root_otherwise_leaves_the_site_its_claim(
    site, flattr_log, pinned
):
    # Compared as written, it kept a thing at the site's root beside the
    # site's own, which every feed offers for FLATTR_USERNAME.
    files = {"pinned.md": article("Pinned to the root", "Carol", flattr_url=pinned)}
    output = site(
        files,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS={"Carol": "twitter:user:id:42"},
        FLATTR_USERNAME="siteowner",
    )
    assert manifest_things(output) == {}
    assert _errors(flattr_log) == [
        f"pelican-flattr: pinned.md: its thing URL {pinned}, another spelling of "
        f"{SITEURL}/, is already the thing of the site itself (FLATTR_USERNAME's "
        "payment link in every feed); Flattr would merge them, so it gets no "
        "Flattr button (pin a different flattr_url)"
    ]


@pytest.mark.parametrize(
    ("files", "other", "other_page"),
    [
        # Articles are read before pages: the site owner's article first.
        (
            {
                "own.md": _root_pin("Owned by the site", "Eve", "2024-01-01"),
                "pages/home.md": _home("Alice"),
            },
            "pages/home.md",
            "index.html",
        ),
        # The site owner's page last.
        (
            {
                "pages/own.md": _home("Eve"),
                "other.md": _root_pin("Not the site's", "Alice", "2024-01-01"),
            },
            "other.md",
            "not-the-sites.html",
        ),
        # Two articles, newest first in Pelican's order; the other one dated
        # earlier, then later.
        (
            {
                "own.md": _root_pin("Owned by the site", "Eve", "2024-02-01"),
                "other.md": _root_pin("Not the site's", "Alice", "2024-01-01"),
            },
            "other.md",
            "not-the-sites.html",
        ),
        (
            {
                "own.md": _root_pin("Owned by the site", "Eve", "2024-01-01"),
                "other.md": _root_pin("Not the site's", "Alice", "2024-02-01"),
            },
            "other.md",
            "not-the-sites.html",
        ),
    ],
    ids=["owners-article-first", "owners-page-last", "other-older", "other-newer"],
)
def test_the_site_owners_content_at_the_root_leaves_the_site_its_claim(
    site, flattr_log, files, other, other_page
):
    import feedparser

    # Eve is unmapped, so FLATTR_USERNAME owns her content: exempt, one thing
    # of one owner with the site's. Alice's is not, whichever is read first.
    output = site(
        files,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS={"Alice": "alice_flattrs"},
        FLATTR_USERNAME="siteowner",
        FLATTR_PAGES=True,
        INDEX_SAVE_AS="blog/index.html",
    )
    (own,) = set(files) - {other}
    things = manifest_things(output)
    assert set(things) == {own}
    assert (things[own]["url"], things[own]["owner"]["value"]) == (
        SITEURL + "/",
        "siteowner",
    )
    assert flattr_buttons(page(output / other_page)) == []
    assert _errors(flattr_log) == [_site_root_error(other)]
    # Every payment link in the feed is the site's thing, of its owner.
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    hrefs = [link.href for link in feed.feed.links if link.rel == "payment"]
    hrefs += [
        link.href
        for entry in feed.entries
        for link in entry.links
        if link.rel == "payment"
    ]
    assert hrefs
    for href in hrefs:
        query = parse_qs(urlsplit(href).query)
        assert (query["url"], query["user_id"]) == ([SITEURL + "/"], ["siteowner"])


def test_a_plain_address_as_owner_says_how_to_write_it(site, flattr_log):
    files = {
        "d.md": article(
            "Plain address owner", "Zed", flattr_owner="gina.secret@example.org"
        ),
        "z.md": article("Zed writes here", "Zed Two"),
    }
    output = site(files, FLATTR_AUTHORS={"Zed Two": "zed.secret@example.org"})
    assert manifest_things(output) == {}
    says = (
        "looks like a plain email address; write it as email:ADDRESS so that "
        "it is hashed"
    )
    messages = [r.getMessage() for r in flattr_log.records]
    assert f"pelican-flattr: settings: FLATTR_AUTHORS['Zed Two'] {says}" in messages
    assert (
        f"pelican-flattr: d.md: metadata 'flattr_owner' {says}; it gets no "
        "Flattr button"
    ) in messages
    assert not any("@" in message for message in messages)


def test_an_owner_with_an_invisible_character_is_refused_unshown(site, flattr_log):
    # Pasted with a zero-width space (or a bidi control), an address was
    # hashed into an owner nobody can claim, and a strict build passed.
    files = {
        "zw.md": article(
            "Pasted owner", "Alice", flattr_owner="email:zed.secret@example.com\u200b"
        ),
        "bidi.md": article("Bidi owner", "Alice", flattr_owner="\u202epartner:ns:1"),
        "z.md": article("Zed writes here", "Zed"),
        "good.md": article("The good article", "Alice"),
    }
    authors = {"Alice": "alice", "Zed": "email:zed.secret@exa\u200bmple.com"}
    with pytest.raises(FlattrBuildError, match="4 problems"):
        site(files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    messages = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert any(
        m.startswith("pelican-flattr: zw.md: metadata 'flattr_owner' ")
        and "invisible characters" in m
        for m in messages
    ), messages
    assert (
        "pelican-flattr: bidi.md: metadata 'flattr_owner' holds U+202E "
        "(RIGHT-TO-LEFT OVERRIDE), an invisible, control or space character that "
        "no owner holds (pasted text often carries one): retype the value without "
        "it; it gets no Flattr button"
    ) in messages
    assert any(
        m.startswith("pelican-flattr: settings: FLATTR_AUTHORS['Zed'] ")
        and "invisible characters" in m
        for m in messages
    ), messages
    assert any(m.startswith("pelican-flattr: z.md: author 'Zed' ") for m in messages)
    assert not any("@" in m or "secret" in m for m in messages), messages


def test_an_author_named_by_an_address_is_never_repeated(site, flattr_log):
    files = {
        "c.md": article("By an address", "carol.secret@example.org"),
        "e.md": article("Nobody owns it", "erin.secret@example.org"),
    }
    site(
        files,
        FLATTR_AUTHORS={
            "carol.secret@example.org": "twitter:user:id:@carol",
            "dave.secret@example.org": "dave_f",
        },
    )
    messages = [
        r.getMessage() for r in flattr_log.records if r.name == "pelican_flattr"
    ]
    assert any(
        m.startswith("pelican-flattr: settings: FLATTR_AUTHORS['[address]'] ")
        for m in messages
    )
    assert any(
        m.startswith("pelican-flattr: c.md: author '[address]' has an unusable entry")
        for m in messages
    )
    assert (
        "pelican-flattr: FLATTR_AUTHORS['[address]'] names no author of this site "
        "(by name or slug); check its spelling, or remove it if"
        " the author has no content left"
    ) in messages
    assert any("e.md has no Flattr owner ('[address]':" in m for m in messages)
    # A handle's "@" is shown ('twitter:user:id:@carol'): it holds no address.
    assert not any("secret" in m or "@example" in m for m in messages)


def test_a_rejected_metadata_value_never_repeats_an_address(site, flattr_log):
    # A value in the wrong field is repeated to say what is wrong with it.
    address = "carol.secret@example.org"
    files = {
        "a.md": article("Hidden field", "Alice", flattr_hidden=address),
        "b.md": article("Category field", "Alice", flattr_category=address),
        "c.md": article("Language field", "Alice", flattr_language=address),
        "d.md": article("Pinned field", "Alice", flattr_url=f"mailto:{address}"),
        "e.md": article("Opt-out field", "Alice", flattr=address),
        "f.md": article("Image field", "Alice", og_image=f"{{static}}/{address}"),
    }
    site(files, FLATTR_AUTHORS=AUTHORS)
    messages = [
        r.getMessage() for r in flattr_log.records if r.name == "pelican_flattr"
    ]
    for source in ("a.md", "b.md", "c.md", "d.md", "e.md", "f.md"):
        assert any(
            m.startswith(f"pelican-flattr: {source}: metadata ") for m in messages
        )
    # A handle's "@" is shown ('twitter:user:id:@bob'): it holds no address.
    assert not any("secret" in m or "@example" in m for m in messages), messages


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("FLATTR_AUTHOR", "; did you mean FLATTR_AUTHORS?"),
        ("FLATTR_SITE_URL", "; did you mean FLATTR_SITEURL?"),
        ("FLATTR_OWNER", " (the README lists every setting)"),
        # FLATTR itself one slip of a key away.
        ("FLATR_AUTHORS", "; did you mean FLATTR_AUTHORS?"),
        ("FLATTER_AUTHORS", "; did you mean FLATTR_AUTHORS?"),
        ("FALTTR_AUTHORS", "; did you mean FLATTR_AUTHORS?"),
        # Its underscore left out.
        ("FLATTRAUTHORS", "; did you mean FLATTR_AUTHORS?"),
        ("FLATTRURL_BASELINE", "; did you mean FLATTR_URL_BASELINE?"),
    ],
)
def test_a_misspelt_setting_is_named(site, flattr_log, name, says):
    # It used to be ignored without a word: the articles it was meant for
    # went to FLATTR_USERNAME, or without a button.
    output = site(
        {"a.md": article("Some article", "Alice")},
        FLATTR_USERNAME="siteowner",
        **{name: {"Alice": "alice"}},
    )
    assert manifest_things(output)["a.md"]["owner"]["value"] == "siteowner"
    assert _messages(flattr_log, name) == [
        f"pelican-flattr: {name} is no setting of pelican-flattr, so it is "
        f"ignored{says}"
    ]


def test_a_misspelt_setting_fails_a_strict_build(site, flattr_log):
    with pytest.raises(FlattrBuildError):
        site(
            {"a.md": article("Some article", "Alice")},
            FLATTR_AUTHORS={"Alice": "alice"},
            FLATTR_PAGE=True,
            FLATTR_STRICT=True,
        )
    assert _messages(flattr_log, "FLATTR_PAGE ") == [
        "pelican-flattr: FLATTR_PAGE is no setting of pelican-flattr, so it is "
        "ignored; did you mean FLATTR_PAGES?"
    ]


def test_the_settings_of_the_commands_are_no_misspelt_settings(site, flattr_log):
    # verify reads FLATTR_VERIFIED_ACCOUNTS from the same pelicanconf; a
    # setting of one's own that merely starts alike is not named either.
    site(
        {"a.md": article("Some article", "Alice")},
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_VERIFIED_ACCOUNTS={"Alice": "alice"},
        FLASK_AUTHORS={"Alice": "alice"},
        FLAT_PAGES=True,
    )
    assert _messages(flattr_log, "is no setting") == []


# A secret written in the settings file: the partner's OAuth token, which
# verify reads from the environment, and a misspelt web hook token.
SECRETS = {
    "FLATTR_TOKEN": "oauthtokenfortestsonly" * 2,
    "FLATTR_WEBHOOK_SECRET": "hooksecretfortestsonly" * 2,
    # Kept, and pickled into the content cache, until named as secrets too.
    "FLATTR_API_KEY": "apikeyfortestsonly" * 2,
    "FLATTR_CLIENT_CREDENTIALS": "credentialsfortestsonly" * 2,
}


@pytest.mark.parametrize("layer", ["reader", "generator"])
def test_a_secret_in_the_settings_reaches_no_template_cache_or_log(
    tmp_path, caplog, layer
):
    # Kept in Pelican's settings, each was in the context every template
    # reads and pickled with every article Pelican cached; FLATTR_TOKEN
    # was told only that it is no setting of pelican-flattr.
    caplog.set_level(logging.DEBUG)
    theme = tmp_path / "templates"
    theme.mkdir()
    (theme / "index.html").write_text("{{ FLATTR_TOKEN }}|{{ FLATTR_WEBHOOK_SECRET }}")
    build(
        tmp_path,
        {"a.md": article("Some article", "Alice")},
        FLATTR_USERNAME="siteowner",
        CACHE_CONTENT=True,
        LOAD_CONTENT_CACHE=True,
        CONTENT_CACHING_LAYER=layer,
        THEME_TEMPLATES_OVERRIDES=[str(theme)],
        **SECRETS,
    )
    written = [
        p for p in tmp_path.rglob("*") if p.is_file() and "content" not in p.parts
    ]
    assert any(p.parent.name == "cache" for p in written)
    assert (tmp_path / "output" / "index.html").read_text() == "None|None"
    for path in written:
        data = _unzipped(path)
        assert not any(value.encode() in data for value in SECRETS.values()), path
    lines = [record.getMessage() for record in caplog.records]
    assert not any(value in line for value in SECRETS.values() for line in lines)
    assert [line for line in lines if "FLATTR_TOKEN " in line] == [
        "pelican-flattr: FLATTR_TOKEN is no setting of pelican-flattr: the OAuth "
        "token that `pelican-flattr verify` reads belongs in the environment "
        "variable FLATTR_TOKEN, not in the settings file, where every template "
        "and Pelican's content cache see it; remove it (the build drops its "
        "value from Pelican's settings)"
    ]
    assert [line for line in lines if "FLATTR_WEBHOOK_SECRET " in line] == [
        "pelican-flattr: FLATTR_WEBHOOK_SECRET is no setting of pelican-flattr, "
        "so it is ignored; did you mean FLATTR_WEBHOOK_TOKEN? (its name is a "
        "secret's, so the build drops its value from Pelican's settings, where "
        "every template and Pelican's content cache see it)"
    ]
    # Like no setting: told to remove it, as the README says (it read "(the
    # README lists every setting) (a name for a secret: ...)", and no more).
    assert [line for line in lines if "FLATTR_API_KEY " in line] == [
        "pelican-flattr: FLATTR_API_KEY is no setting of pelican-flattr, so it is "
        "ignored; its name is a secret's, so the build drops its value from "
        "Pelican's settings, where every template and Pelican's content cache see "
        "it: remove it (the README lists every setting)"
    ]


def test_a_relative_flattr_siteurl_is_the_setting_to_fix(site, flattr_log):
    # The advice used to be the one for SITEURL: set SITEURL, or keep it
    # local and set FLATTR_SITEURL, which was already set, and wins.
    site(
        {"a.md": article("Some article", "Alice")},
        SITEURL="",
        FLATTR_SITEURL="community.example.org/",
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    assert _messages(flattr_log, "FLATTR_SITEURL is") == [
        "pelican-flattr: settings: FLATTR_SITEURL is 'community.example.org', but "
        "Flattr needs absolute thing URLs: write it as an absolute http or https "
        "URL, such as FLATTR_SITEURL = 'https://your.site'"
    ]


def test_an_author_named_by_the_address_of_their_email_owner_is_warned_of(
    site, flattr_log
):
    # Pelican prints author names on every page it writes: the address the
    # plugin hashes is published all the same, and only the audit said so.
    address = "frank@example.org"
    files = {"f.md": article("A post by an address", address)}
    output = site(files, FLATTR_AUTHORS={address: f"email:{address}"})
    assert manifest_things(output)["f.md"]["owner"]["kind"] == "email"
    messages = [r.getMessage() for r in flattr_log.records]
    assert messages == [_named_by_address(address, "f.md")]
    # Two such keys are two problems: said once in the run each, they were
    # taken for one, their messages alike but for the address they hide.
    flattr_log.clear()
    dave = "dave@example.net"
    two = {**files, "d.md": article("Another", dave)}
    with pytest.raises(FlattrBuildError, match="2 problems"):
        site(
            two,
            FLATTR_AUTHORS={address: f"email:{address}", dave: f"email:{dave}"},
            FLATTR_STRICT=True,
        )
    assert sorted(_messages(flattr_log, "names an author by")) == sorted(
        [_named_by_address(address, "f.md"), _named_by_address(dave, "d.md")]
    )
    # Another address, or the author's name, is no such case.
    flattr_log.clear()
    site(files, FLATTR_AUTHORS={address: "email:carol@example.org"})
    assert _messages(flattr_log, "names an author by") == []
    # Nor is a key that names no author of the site: nothing prints it, and
    # it is said to be a typo alone (it was said to be published, too).
    flattr_log.clear()
    site(files, FLATTR_AUTHORS={"carol@example.org": "email:carol@example.org"})
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['[address]'] names no author of this "
        "site (by name or slug); check its spelling, or remove it if"
        " the author has no content left",
    ]


@pytest.mark.parametrize(
    "author, key, says",
    [
        # A git identity as the Author field, and as the key.
        (
            "Carol Chen <carol@example.org>",
            "Carol Chen <carol@example.org>",
            "FLATTR_AUTHORS['Carol Chen <[address]>'] names an author by a name "
            "that holds the address",
        ),
        # The key is the slug of a name that is the address.
        (
            "carol@example.org",
            "carolexampleorg",
            "FLATTR_AUTHORS['carolexampleorg'] gives an owner to author "
            "'[address]' (by its slug), whose name is the address",
        ),
        # The key is the slug of a name that holds it.
        (
            "Carol (carol@example.org)",
            "carol-carolexampleorg",
            "FLATTR_AUTHORS['carol-carolexampleorg'] gives an owner to author "
            "'Carol ([address])' (by its slug), whose name holds the address",
        ),
        # The key is the address spelt otherwise, with the name's slug.
        (
            "Carol@Example.org",
            "carol@example.org",
            "FLATTR_AUTHORS['[address]'] gives an owner to author '[address]' "
            "(by its slug), whose name is the address",
        ),
    ],
    ids=[
        "git-identity",
        "slug-of-the-address",
        "slug-of-a-name-holding-it",
        "the-address-spelt-otherwise",
    ],
)
def test_an_author_whose_name_holds_the_address_of_their_owner_stops_a_strict_build(
    site, flattr_log, author, key, says
):
    # Only a name that is the key and the whole address was warned about:
    # these published the address in every page and feed, the build silent.
    address = "carol@example.org"
    files = {"c.md": article("A post by Carol", author)}
    with pytest.raises(FlattrBuildError, match="1 problem"):
        site(files, FLATTR_AUTHORS={key: f"email:{address}"}, FLATTR_STRICT=True)
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        f"pelican-flattr: {says} of their email owner "
        f"(email:{hash_email(address)}; in c.md), and Pelican prints author "
        "names on the pages and feeds it writes: the "
        "address is published all the same. Name the author otherwise in the "
        "content's Author field (and in this key)"
    ]
    assert not any("@" in r.getMessage() for r in flattr_log.records)
    # Another owner's address in the name is not this author's to hide.
    flattr_log.clear()
    site(files, FLATTR_AUTHORS={key: "email:dave@example.net"}, FLATTR_STRICT=True)
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == []


def test_an_author_named_by_their_address_is_found_in_their_own_files(site, flattr_log):
    # Carol's other name, and a file that names her owner itself, share the
    # owner: the files to mend are those whose Author field is the address.
    address = "carol@example.org"
    files = {f"c{n}.md": article(f"By Carol {n}", "Carol") for n in range(4)}
    files["x.md"] = article("By the address", address)
    files["o.md"] = article("Owned", "Alice", flattr_owner=f"email:{address}")
    owner = f"email:{address}"
    site(files, FLATTR_AUTHORS={address: owner, "Carol": owner, "Alice": "alice"})
    assert _messages(flattr_log, "names an author by") == [
        _named_by_address(address, "x.md")
    ]


def test_many_authors_named_by_their_address_are_one_warning(site, flattr_log):
    # A bulk import that named every author by their address: one warning
    # naming the first ten keys, each with its owner's hash and files, where
    # a warning per author named no file to mend.
    addresses = [f"member{n:02}@example.org" for n in range(11)]
    files = {
        f"m{n:02}-{part}.md": article(f"Post {n} {part}", address)
        for n, address in enumerate(addresses)
        for part in "ab"
    }
    authors = {address: f"email:{address}" for address in addresses}
    site(files, FLATTR_AUTHORS=authors)
    named = [
        f"FLATTR_AUTHORS['[address]'] (email:{hash_email(address)}; in "
        f"m{n:02}-a.md and m{n:02}-b.md)"
        for n, address in enumerate(addresses)
    ]
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: 11 FLATTR_AUTHORS keys name authors by the address of "
        "their email owner, or by a name that holds it, and Pelican prints author "
        "names on the pages and feeds it writes: the addresses are published all "
        f"the same: {', '.join(named[:10])} and 1 more. Name each author otherwise "
        "in the content's Author field (and in its key)"
    ]
    assert not any("@" in r.getMessage() for r in flattr_log.records)


def _named_by_address(address: str, source: str) -> str:
    return (
        "pelican-flattr: FLATTR_AUTHORS['[address]'] names an author by the "
        f"address of their email owner (email:{hash_email(address)}; in {source}), "
        "and "
        "Pelican prints author names on the pages and feeds it writes: the "
        "address is published all the same. Name the author otherwise in the "
        "content's Author field (and in this key)"
    )


def test_a_handle_with_an_at_sign_is_no_email_address(site, flattr_log):
    # "@bob_builder" was taken for a plain address, and the advice was to
    # write it as email:ADDRESS, which it is not.
    files = {"b.md": article("A post by Bob", "Bob")}
    output = site(files, FLATTR_AUTHORS={"Bob": "@bob_builder"})
    assert manifest_things(output) == {}
    assert _messages(flattr_log, "settings: FLATTR_AUTHORS") == [
        "pelican-flattr: settings: FLATTR_AUTHORS['Bob'] '@bob_builder' is a "
        "handle: write a Flattr username without the '@' (bob_builder), or "
        "twitter:user:id:NUMBER for a Twitter account (its numeric id, not "
        "the handle)"
    ]


def test_a_title_given_twice_is_named_without_a_traceback(site, flattr_log):
    """The Markdown reader makes a list of a field given twice; Pelican
    builds the page all the same, and only that article loses its button."""
    twice = article("First title", "Alice").replace(
        "Title: First title\n", "Title: First title\nTitle: Second title\nSlug: twice\n"
    )
    files = {"twice.md": twice, "good.md": article("The good article", "Alice")}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"good.md"}
    assert flattr_buttons(page(output / "twice.html")) == []
    assert article_errors(flattr_log) == [
        "pelican-flattr: twice.md: metadata 'title' must be a single value; "
        "it gets no Flattr button"
    ]


def test_the_opt_out_given_twice_is_named_without_a_traceback(site, flattr_log):
    # The hint that looks for an owner named in "Flattr:" read the list as
    # text, and its error stopped the build with a traceback.
    twice = article("Twice", "Alice").replace(
        "Title: Twice\n", "Title: Twice\nFlattr: no\nFlattr: yes\n"
    )
    files = {"twice.md": twice, "good.md": article("The good article", "Alice")}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"good.md"}
    assert article_errors(flattr_log) == [
        "pelican-flattr: twice.md: metadata 'flattr' must be a single value, but is "
        "given more than once: keep one; it gets no Flattr button"
    ]


def test_plugin_fields_in_the_settings_are_read_in_any_letter_case(site, flattr_log):
    """Pelican lowercases the fields it reads from files, not those in
    DEFAULT_METADATA and EXTRA_PATH_METADATA; the README spells them
    ``Flattr_owner``. A file's own owner must not lose to the default."""
    files = {
        "a.md": article("Article A", "Alice"),
        "b.md": article("Article B", "Alice"),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_METADATA={"Flattr_Owner": "partner:ns:1"},
        EXTRA_PATH_METADATA={
            "a.md": {"Flattr_owner": "partner:ns:2", "FLATTR_HIDDEN": "yes"},
            "b.md": {"Flattr_Ownr": "partner:ns:3"},
        },
    )
    things = manifest_things(output)
    assert things["a.md"]["owner"]["value"] == "partner:ns:2"
    assert things["a.md"]["hidden"] is True
    assert things["b.md"]["owner"]["value"] == "partner:ns:1"
    assert things["b.md"]["hidden"] is False
    warnings = [r.getMessage() for r in flattr_log.records if "b.md" in r.getMessage()]
    assert warnings == [
        "pelican-flattr: EXTRA_PATH_METADATA['b.md']: metadata 'flattr_ownr' is no "
        "field of pelican-flattr, so it is ignored; did you mean 'flattr_owner'?"
    ]


def test_extra_path_metadata_is_named_where_its_values_are_wrong(site, flattr_log):
    # Values a folder's entry gives its files were said as the files' own:
    # "metadata 'flattr_owner' ... in these 8 files", none of which holds
    # the line; a misspelt field, once per file. The entry is named, and a
    # misspelt field said once for it, as DEFAULT_METADATA's is.
    files = {f"2023/post-{n}.md": article(f"Post {n}", "Alice") for n in range(7)}
    files["2023/own.md"] = article("Own", "Alice", flattr_owner="twitter:@own")
    files["2024/post.md"] = article("Later", "Alice")
    site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        EXTRA_PATH_METADATA={
            "2023": {"flattr_owner": "twitter:@club", "flattr_ownr": "x"},
            "2023/post-6.md": {"Flattr_category": "txt"},
        },
    )
    said = [r.getMessage() for r in flattr_log.records]
    assert said[0] == (
        "pelican-flattr: EXTRA_PATH_METADATA['2023']: metadata 'flattr_ownr' is no "
        "field of pelican-flattr, so it is ignored; did you mean 'flattr_owner'?"
    )
    errors = [message.partition(" is a Twitter")[0] for message in said[1:]]
    assert sorted(errors[:2]) == [
        "pelican-flattr: 2023/own.md: metadata 'flattr_owner' 'twitter:@own'",
        "pelican-flattr: 2023/post-0.md, 2023/post-1.md, 2023/post-2.md, "
        "2023/post-3.md, 2023/post-4.md and 2 more: metadata 'flattr_owner' (from "
        "EXTRA_PATH_METADATA['2023']) 'twitter:@club'",
    ]
    assert (
        "pelican-flattr: 2023/post-6.md: metadata 'flattr_category' (from "
        "EXTRA_PATH_METADATA['2023/post-6.md']) is 'txt'; "
    ) in [message.partition("choose")[0] for message in said]
    assert not any("2024" in message for message in said)


def test_an_extra_path_metadata_entry_named_for_an_address_is_said_without_it(
    site, flattr_log
):
    # A folder named after its writer's address keys the entry: the entry
    # is named in the warning of its misspelt field and in the error of the
    # value it gives, and the address must be in neither.
    key = "carol@example.org/post.md"
    site(
        {key: article("Carol writes", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        EXTRA_PATH_METADATA={key: {"flattr_ownr": "x", "Flattr_category": "txt"}},
    )
    said = [r.getMessage() for r in flattr_log.records]
    entries = [message for message in said if "EXTRA_PATH_METADATA[" in message]
    assert len(entries) == 2, said
    assert not any("carol@example.org" in message for message in said), said
    # The plugin's log hides an address in any message; the entry is named
    # without it before that, not left to the log alone.
    (direct,) = unknown_setting_field_warnings(
        {"EXTRA_PATH_METADATA": {key: {"flattr_ownr": 1}}}
    )
    assert direct.startswith("EXTRA_PATH_METADATA['[address]/post.md']: ")


@pytest.mark.parametrize("setting", ["DEFAULT_METADATA", "EXTRA_PATH_METADATA"])
@pytest.mark.parametrize("name", ["Og_image", "Image", "OG_IMAGE"])
def test_image_fields_in_the_settings_are_read_in_any_letter_case(
    site, flattr_log, setting, name
):
    """The README spells them ``Og_image`` and ``Image``: in these settings
    they were ignored without a word, a ``javascript:`` URL too."""

    def settings(value: object) -> dict:
        fields = {name: value}
        if setting == "DEFAULT_METADATA":
            return {setting: fields}
        return {setting: {"a.md": fields}}

    files = {"a.md": article("Article A", "Alice")}
    cover = "https://cdn.example.net/cover.png"
    output = site(files, FLATTR_AUTHORS=AUTHORS, **settings(cover))
    assert og(page(output / "article-a.html"), "og:image") == [cover]
    field = name.lower()
    for value, says in [
        ("javascript:alert(1)", "must be an absolute http:// or https:// URL"),
        (5, "must be text (a URL), not int; no og:image"),
    ]:
        flattr_log.clear()
        output = site(files, FLATTR_AUTHORS=AUTHORS, **settings(value))
        assert og(page(output / "article-a.html"), "og:image") == []
        (warning,) = _messages(flattr_log, "og")
        # Said of DEFAULT_METADATA once, not of each article; of a file,
        # naming the entry that gave it the value.
        said = (
            f"DEFAULT_METADATA: metadata '{field}' "
            if setting == "DEFAULT_METADATA"
            else f"a.md: metadata '{field}' (from EXTRA_PATH_METADATA['a.md']) "
        )
        assert warning.startswith(f"pelican-flattr: {said}")
        assert says in warning
        assert "a.md" in manifest_things(output)  # the button stays


DEFAULT_OWNER_WARNING = (
    "pelican-flattr: DEFAULT_METADATA['flattr_owner'] takes precedence over "
    "every FLATTR_AUTHORS entry, so every author's flattrs go to that one owner: "
    "use FLATTR_USERNAME for a fallback owner (a file's own Flattr_owner: still "
    "comes first)"
)


def test_an_owner_for_every_article_that_hides_the_author_mapping_is_named(
    site, flattr_log
):
    # Every author's things went to that one owner without a word.
    files = {
        "a.md": article("Article A", "Alice"),
        "b.md": article("Article B", "Bob"),
        "c.md": article("Article C", "Alice", flattr_owner="carol"),
    }
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
        "DEFAULT_METADATA": {"Flattr_owner": "hackspace"},
    }
    output = site(files, **settings)
    owners = {k: v["owner"]["value"] for k, v in manifest_things(output).items()}
    assert owners == {"a.md": "hackspace", "b.md": "hackspace", "c.md": "carol"}
    said = [r for r in flattr_log.records if "DEFAULT_METADATA" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in said] == [
        ("WARNING", DEFAULT_OWNER_WARNING)
    ]
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_STRICT=True, **settings)
    # One owner for the site, its own thing FLATTR_USERNAME's: meant; so
    # too beside an empty mapping, which hides no author's owner.
    for mapping in ({}, {"FLATTR_AUTHORS": {}}):
        flattr_log.clear()
        output = site(
            files,
            FLATTR_USERNAME="siteowner",
            DEFAULT_METADATA={"flattr_owner": "x"},
            FLATTR_STRICT=True,
            **mapping,
        )
        assert _messages(flattr_log, "DEFAULT_METADATA") == []
        assert len(manifest_things(output)) == 3


@pytest.mark.parametrize(
    ("fields", "hidden"),
    [
        ({"flattr_hidden": True}, True),
        ({"Flattr_hidden": False}, False),
        # Text, its spaces taken off as a file's are.
        ({"flattr_hidden": " yes "}, True),
        ({"flattr": False}, None),  # opted out: no thing
        ({"flattr_tags": ["one", "two, three"]}, False),  # as FLATTR_TAGS
    ],
)
def test_python_values_in_the_metadata_settings(site, flattr_log, fields, hidden):
    """DEFAULT_METADATA takes any Python value: True is as good as "yes"."""
    output = site(
        {"a.md": article("Article A", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_METADATA=fields,
    )
    things = manifest_things(output)
    if hidden is None:
        assert things == {}
    else:
        assert things["a.md"]["hidden"] is hidden
    if "flattr_tags" in fields:
        assert things["a.md"]["tags"] == ["one", "two three"]
    assert article_errors(flattr_log) == []


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (
            {"flattr_category": 3},
            "metadata 'flattr_category' must be text, but is the number 3: a YAML "
            "header reads",
        ),
        ({"flattr_category": {"a": 1}}, "metadata 'flattr_category' must be text, not"),
        ({"Flattr_category": "txt"}, "metadata 'flattr_category' is 'txt'; choose"),
        ({"flattr_hidden": "maybe"}, "metadata 'flattr_hidden' is 'maybe'; write yes"),
        ({"flattr_language": "xx"}, "metadata 'flattr_language' is 'xx', which"),
        ({"flattr_owner": "twitter:bob"}, "metadata 'flattr_owner' "),
        (
            {"flattr_tags": ["rust", True]},
            "metadata 'flattr_tags' must be text, or a list of texts, but item 2 of "
            "2 is true, a yes or no: a YAML header reads",
        ),
        ({"flattr_url": "https://x.org/"}, "metadata 'flattr_url' would give every"),
    ],
)
def test_a_bad_value_in_default_metadata_is_said_once_for_the_setting(
    site, flattr_log, fields, says
):
    # Pelican gives every article these values: said once, naming the
    # setting, instead of once per article naming a file that has no such
    # field.
    files = {f"{n}.md": article(f"Article number {n}", "Alice") for n in range(3)}
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, DEFAULT_METADATA=fields)
    assert not (output / "flattr-manifest.json").exists()
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 2, errors
    assert errors[0].startswith(f"pelican-flattr: settings: DEFAULT_METADATA: {says}")
    assert errors[1] == "pelican-flattr: no Flattr buttons this build (see above)"


# What a message adds of a bool, number or date where text is due.
YAML_READS = (
    ": a YAML header reads yes, no, on, off, true and false as true or false, and "
    "digits and dates as numbers and dates, unless they are quoted; quote the "
)


def test_yaml_values_in_the_metadata_settings_are_said_with_what_to_write(
    site, flattr_log
):
    # A YAML header (pelican-yaml-metadata) reads "flattr_language: no" as
    # False and "flattr_owner: 12345" as a number, as a Python setting may
    # give them: "must be text, not bool" said neither why nor what to
    # write, and a list of tags did not say which item was wrong. Given
    # here by EXTRA_PATH_METADATA, which takes Python's values as a YAML
    # header gives them; the message fits both. A value's type alone is
    # said where no YAML scalar gives it (a dict may hold an address).
    entries = {
        "no.md": {"flattr_language": False},
        "owner.md": {"flattr_owner": 12345},
        "bool-tag.md": {"flattr_tags": ["rust", True]},
        "date-tag.md": {"flattr_tags": [datetime.date(2024, 5, 1)]},
        # 3.10, read 3.1: "quote '3.1'" would give the tag 3.1.
        "float-tag.md": {"flattr_tags": ["python", 3.1]},
        "dict-tag.md": {"flattr_tags": ["rust", {"by": "carol@example.org"}]},
        "switch.md": {"flattr": 5},
    }
    files = {name: article(name, "Alice") for name in entries}
    output = site(files, FLATTR_AUTHORS=AUTHORS, EXTRA_PATH_METADATA=entries)
    assert manifest_things(output) == {}

    def said(name: str, field: str, rest: str) -> str:
        return (
            f"pelican-flattr: {name}: metadata '{field}' (from "
            f"EXTRA_PATH_METADATA['{name}']) {rest}; it gets no Flattr button"
        )

    tags_must = "must be text, or a list of texts, but item"
    assert sorted(article_errors(flattr_log)) == sorted(
        [
            said(
                "no.md",
                "flattr_language",
                # Written no, off or false: which is unknown, and no word is
                # given that would be another language.
                f"must be text, but is false, a yes or no{YAML_READS}value as "
                "written, in a YAML header or a Python setting",
            ),
            said(
                "owner.md",
                "flattr_owner",
                f"must be text, but is the number 12345{YAML_READS}value as "
                "written, in a YAML header or a Python setting (flattr_owner: "
                "'12345')",
            ),
            said(
                "bool-tag.md",
                "flattr_tags",
                f"{tags_must} 2 of 2 is true, a yes or no{YAML_READS}item as "
                "written, in a YAML header or a Python setting",
            ),
            said(
                "float-tag.md",
                "flattr_tags",
                f"{tags_must} 2 of 2 is the number 3.1{YAML_READS}item as "
                "written, in a YAML header or a Python setting",
            ),
            said(
                "date-tag.md",
                "flattr_tags",
                f"{tags_must} 1 of 1 is the date 2024-05-01{YAML_READS}item as "
                "written, in a YAML header or a Python setting ('2024-05-01')",
            ),
            said("dict-tag.md", "flattr_tags", f"{tags_must} 2 of 2 is a dict"),
            # A yes or no: no traceback, which the owner's hint raised.
            said("switch.md", "flattr", "is the number 5; write yes or no"),
        ]
    )


@pytest.mark.parametrize("setting", ["DEFAULT_METADATA", "EXTRA_PATH_METADATA"])
def test_whole_numbers_in_the_metadata_settings_are_read_as_written(
    site, flattr_log, setting
):
    # Pelican's own "tags: [2024, yaml]" works through pelican-yaml-metadata,
    # and the plugin's "flattr_tags: [2024, rust]" cost the article its
    # button; "flattr_hidden: 1" too, where "1" as text is a yes. A tag
    # of digits, and a 1 or 0 for a yes or no, mean nothing else.
    def given(fields: dict) -> dict:
        if setting == "DEFAULT_METADATA":
            return {setting: fields}
        return {setting: {"a.md": fields}}

    files = {"a.md": article("Article A", "Alice")}
    for fields, tags, hidden in [
        ({"flattr_tags": [2024, "rust"], "flattr_hidden": 1}, ["2024", "rust"], True),
        ({"flattr_tags": 2024, "flattr_hidden": 0}, ["2024"], False),
    ]:
        output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, **given(fields))
        thing = manifest_things(output)["a.md"]
        assert (thing["tags"], thing["hidden"]) == (tags, hidden)
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, **given({"flattr": 0}))
    assert manifest_things(output) == {}  # opted out
    assert [r.getMessage() for r in flattr_log.records] == []


def test_a_misspelt_field_in_default_metadata_is_said_once_for_the_setting(
    site, flattr_log
):
    files = {f"{n}.md": article(f"Article number {n}", "Alice") for n in range(3)}
    files["own.md"] = article("Its own misspelling", "Alice", flattr_langauge="sv")
    site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        DEFAULT_METADATA={"Flattr_Langauge": "de"},
    )
    warnings = [r.getMessage() for r in flattr_log.records]
    hint = "is no field of pelican-flattr, so it is ignored; did you mean"
    assert warnings == [
        f"pelican-flattr: DEFAULT_METADATA: metadata 'flattr_langauge' {hint} "
        "'flattr_language'?",
        f"pelican-flattr: own.md: metadata 'flattr_langauge' {hint} 'flattr_language'?",
    ]


@pytest.mark.parametrize(
    ("field", "meant"),
    [
        ("flatr_owner", "'flattr_owner'"),
        ("fattr_hidden", "'flattr_hidden'"),
        ("flatter", "'flattr' (yes or no)"),
        ("flatr-tags", "'flattr_tags'"),
        ("falttr_url", "'flattr_url'"),  # two letters swapped
    ],
)
def test_a_field_a_letter_or_two_from_one_of_the_plugins_is_named(
    site, flattr_log, field, meant
):
    # Only names that start with "flattr" were checked: "Flatr_owner:" was
    # ignored without a word, and its owner was not the article's.
    files = {"a.md": article("Article A", "Alice", **{field: "no"})}
    site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert [r.getMessage() for r in flattr_log.records] == [
        f"pelican-flattr: a.md: metadata '{field}' is no field of pelican-flattr, "
        f"so it is ignored; did you mean {meant}?"
    ]


def test_fields_that_only_look_a_little_like_the_plugins_are_left_alone(
    site, flattr_log
):
    fields = {"latter": "x", "platter": "x", "flutter": "x", "owner": "x"}
    fields |= {"hidden": "x", "tags_extra": "x", "language": "en", "category_2": "x"}
    # Close to a field by letters, but words of their own: a warning for
    # them is noise, and an error that fails a strict build.
    fields |= {"flair_tags": "x", "flat_url": "x", "latter_url": "x"}
    fields |= {"platter_url": "x", "flattery": "x"}
    # A word one slip from "flattr" before a name that is none of the
    # plugin's; and one two letters from it that are no swapped pair.
    fields |= {"flatter_quote": "x", "lsattr": "x"}
    output = site(
        {"a.md": article("Article A", "Alice", **fields)},
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=True,
    )
    assert "a.md" in manifest_things(output)
    said = [r.getMessage() for r in flattr_log.records]
    # The strict first build's one warning: it has no URL baseline yet.
    assert [m for m in said if "no URL baseline at" not in m] == []
    assert len(said) == 1


def test_a_cache_path_no_file_can_have_is_no_problem_with_the_baseline_elsewhere(
    site, flattr_log, tmp_path
):
    # With CACHE_CONTENT off, only the URL guard's baseline would be kept
    # under CACHE_PATH: set elsewhere, nothing is, and the build goes on.
    output = site(
        {"a.md": article("Some article", "Alice")},
        FLATTR_AUTHORS={"Alice": "alice"},
        CACHE_PATH="/tmp/a\x00b",
        FLATTR_URL_BASELINE=str(tmp_path / "url-baseline.json"),
    )
    assert "a.md" in manifest_things(output)
    assert _messages(flattr_log, "CACHE_PATH") == []


@pytest.mark.parametrize(
    ("siteurl", "says"),
    [
        ("https://blog.example.org#top", "which holds a query or fragment"),
        # Host names a browser refuses or reads as another: accepted, every
        # thing URL had https://example.org\evil.com/..., which it reads as
        # https://example.org/evil.com/... (the rules: test_url_hosts.py).
        (
            "https://example.org\\evil.com",
            "which holds the character '\\\\' before its path: browsers read it",
        ),
        ("https://example.org|x", "which holds the character '|' in its host name"),
        ("https://ex%zzample.org", "which holds a '%' that starts no escape"),
        ("https://...", "which has an empty label in its host name"),
        ("https://blog.example.org/?lang=en", "which holds a query or fragment"),
        # An empty query, which urllib reads as none: still "?" in every URL.
        ("https://blog.example.org?", "which holds a query or fragment"),
        ("https://blog.example.org:abc", "which is not a valid URL (Port could"),
        (
            "https://deploy:s3cret@blog.example.org",
            "holds a user name or password before its host (user:password@), "
            "which every thing URL would publish",
        ),
        # Dot segments, which a browser resolves: every og:url named another
        # address than its page's.
        ("https://example.org/blog/../x", "whose path holds a '.' or '..' segment"),
        ("https://example.org/./", "whose path holds a '.' or '..' segment"),
        ("https://example.org/%2e%2E/x", "whose path holds a '.' or '..' segment"),
        # Falsy ones were taken as unset, SITEURL named in their place.
        (False, "must be the site's URL, a string such as"),
        (0, "must be the site's URL, a string such as"),
        (3, "must be the site's URL, a string such as 'https://your.site', not 3"),
    ],
)
def test_a_flattr_siteurl_that_would_break_every_thing_url_is_refused(
    site, flattr_log, siteurl, says
):
    # Accepted, they gave https://blog.example.org#top/a-post.html and the
    # like, or published the password with every button.
    output = site(
        {"a.md": article("Some article", "Alice")},
        FLATTR_SITEURL=siteurl,
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    assert not (output / "flattr-manifest.json").exists()
    (message,) = _messages(flattr_log, "FLATTR_SITEURL ")
    assert message.startswith("pelican-flattr: settings: FLATTR_SITEURL ")
    assert says in message and "s3cret" not in message
    assert flattr_buttons(page(output / "some-article.html")) == []


@pytest.mark.parametrize(
    ("name", "link", "encoded"),
    [
        ("a#1.png", "a%231.png", "a%231.png"),
        ("q?x.png", "q%3Fx.png", "q%3Fx.png"),
        ("100%.png", "100%25.png", "100%25.png"),
        ("a%20b.png", "a%2520b.png", "a%2520b.png"),
        ("caf\u00e9.png", "caf\u00e9.png", "caf%C3%A9.png"),
        # Written as they are, "?" and "#" start a query and a fragment, as
        # Pelican reads a link in a body: the file is the path before them.
        ("cover.png", "cover.png?v=2", "cover.png?v=2"),
        ("cover.png", "cover.png#top", "cover.png#top"),
    ],
)
def test_an_image_file_named_with_url_characters_is_its_og_image(
    site, flattr_log, name, link, encoded
):
    # "#", "?" and "%" in a file's name are no fragment, query or escape:
    # the og:image took "a#1.png" for "a", and "a%20b.png" for "a b.png".
    files = {
        "a.md": article("Pictures", "Alice", og_image="{static}/images/" + link),
        f"images/{name}": "not really a PNG",
        "images/a b.png": "another file",
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, STATIC_PATHS=["images"])
    (image,) = og(page(output / "pictures.html"), "og:image")
    assert image == f"{SITEURL}/images/{encoded}"
    assert (output / "images" / unquote(urlsplit(encoded).path)).is_file()
    assert _messages(flattr_log, "og_image") == []
    from pelican_flattr.cli import main as pelican_flattr

    assert pelican_flattr(["audit", str(output)]) == 0


@pytest.mark.parametrize(
    "value",
    [
        "{static}/images/Screen Shot 2024.png",
        "{static}/images/Screen%20Shot%202024.png",
        "images/Screen Shot 2024.png",
    ],
)
def test_an_image_whose_file_name_has_a_space_is_the_og_image(site, flattr_log, value):
    # It was refused as "contains whitespace", the file published all the same.
    files = {
        "a.md": article("Screenshots", "Alice", og_image=value),
        "images/Screen Shot 2024.png": "not really a PNG",
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, STATIC_PATHS=["images"])
    (image,) = og(page(output / "screenshots.html"), "og:image")
    assert image == f"{SITEURL}/images/Screen%20Shot%202024.png"
    assert (output / "images" / "Screen Shot 2024.png").is_file()
    assert _messages(flattr_log, "og_image") == []


def test_a_settings_file_the_commands_cannot_read_says_why(
    sample_output, tmp_path, capsys
):
    """A folder, a FIFO, or a file Pelican cannot import (no .py suffix),
    each said as what it is; once had a "no such settings file" for a
    folder and a FIFO, and an AttributeError from Pelican's import for a
    file without .py."""
    from pelican_flattr.cli import main as pelican_flattr

    plain = tmp_path / "pelicanconf"
    plain.write_text('SITEURL = "https://example.org"\n')
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    for path, says in (
        (tmp_path, "is a folder, not a settings file"),
        (fifo, "not a regular file"),
        (
            plain,
            "Pelican reads settings only from a Python file whose name ends in .py",
        ),
        (tmp_path / "none.py", "no such settings file"),
    ):
        argv = ["audit", str(sample_output), "--settings", str(path)]
        assert pelican_flattr(argv) == 2
        error = capsys.readouterr().err
        assert f"{path}: {says}" in error, error
        assert "Traceback" not in error


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            'raise ValueError("no owner for carol@example.org")',
            "ValueError: no owner for [address]",
        ),
        # Uncaught, sys.exit() ended the command with the file's own status
        # and words.
        (
            'import sys\nsys.exit("carol@example.org has left")',
            "SystemExit: [address] has left",
        ),
    ],
)
def test_a_settings_file_that_fails_to_run_is_named_without_an_address(
    tmp_path, capsys, text, says
):
    # verify prints its problems as they are: the file's error quoted the
    # address whole.
    from pelican_flattr.cli import main as pelican_flattr

    settings = tmp_path / "pelicanconf.py"
    settings.write_text(text + "\n")
    argv = ["verify", "--from", str(settings), "--dry-run"]
    assert pelican_flattr(argv) == 2
    error = capsys.readouterr().err
    assert f"{settings}: cannot be read as Pelican settings: {says}" in error
    assert "carol@" not in error
    assert "Traceback" not in error


def test_a_misspelt_setting_in_a_commands_settings_file_is_said(tmp_path, capsys):
    # verify --from ignored FLATTR_VERIFIED_ACCOUNT without a word: "0
    # identities: 1 skipped", and no hint of why.
    from pelican_flattr.cli import main as pelican_flattr

    settings = tmp_path / "pelicanconf.py"
    settings.write_text(
        'FLATTR_AUTHORS = {"Carol": "twitter:user:id:42"}\n'
        'FLATTR_VERIFIED_ACCOUNT = {"Carol": "carol"}\n'
    )
    argv = ["verify", "--from", str(settings), "--dry-run"]
    pelican_flattr(argv)
    error = capsys.readouterr().err
    assert (
        f"pelican-flattr: {settings}: FLATTR_VERIFIED_ACCOUNT is no setting of "
        "pelican-flattr, so it is ignored; did you mean FLATTR_VERIFIED_ACCOUNTS?"
    ) in error


@pytest.mark.parametrize(
    ("stdout", "says"),
    [
        ("closed", "pelican-flattr: standard output is closed"),
        ("/dev/full", "pelican-flattr: standard output: No space left on device"),
    ],
)
def test_a_command_whose_stdout_cannot_be_written_says_so(stdout, says):
    # With stdout closed, every command ended with a traceback and exit 1,
    # the status by which verify says Flattr refused an identity.
    script = Path(sys.executable).with_name("pelican-flattr")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(script), "webhook", "token"],
            stdout=full if stdout == "/dev/full" else None,
            preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.strip() == says


def test_a_lone_surrogate_in_rest_flattr_tags_is_named_not_a_crash(site, flattr_log):
    # reST writes any code point (|s| unicode:: 0xD800): the auto-submit
    # URL could not encode it, and the whole build stopped with a traceback,
    # where the theme, which never prints flattr_tags, had no trouble.
    bad = (
        "Surrogate\n#########\n\n:date: 2024-01-01\n:author: Alice\n"
        ":flattr_tags: good, bad |s| tag\n:slug: bad\n\n"
        ".. |s| unicode:: 0xD800\n\nBody text long enough to be a description.\n"
    )
    files = {"bad.rst": bad, "good.md": article("The good article", "Alice")}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"good.md"}
    assert flattr_buttons(page(output / "bad.html")) == []
    (error,) = article_errors(flattr_log)
    assert error.startswith(
        "pelican-flattr: bad.rst: metadata 'flattr_tags' holds a lone surrogate"
    )


@pytest.mark.parametrize("save_as", ["posts//double.html", "posts/./double.html"])
def test_a_page_path_with_a_doubled_slash_is_the_file_written(site, save_as):
    # The manifest kept "posts//double.html", which the audit looked for as
    # written among the files it walked, and reported the page missing.
    from pelican_flattr.cli import main as cli

    files = {"a.md": article("Double", "Alice", save_as=save_as, url=save_as)}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    (thing,) = manifest_things(output).values()
    assert thing["page"] == "posts/double.html"
    # The thing URL is Pelican's URL as it links the page, however the file
    # system names the file: a path, not an address of its own.
    assert thing["url"] == f"{SITEURL}/{save_as}"
    assert len(flattr_buttons(page(output / "posts" / "double.html"))) == 1
    assert cli(["audit", str(output)]) == 0


def test_a_bad_default_og_image_fails_no_strict_build(site, flattr_log):
    # Said once, of the setting; the page loses its og:image only, as a
    # bad image in a file fails no strict build either.
    files = {"a.md": article("First post", "Alice")}
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=True,
        DEFAULT_METADATA={"Og_image": 5},
    )
    assert len(_messages(flattr_log, "DEFAULT_METADATA: metadata 'og_image'")) == 1
    assert len(manifest_things(output)) == 1


def test_a_default_og_image_of_a_site_file_is_no_warning(site, flattr_log):
    # The default is checked once without an article: a {static} link that
    # each article resolves to a file of the site is no problem of it.
    files = {"a.md": article("First post", "Alice"), "images/cover.png": "png"}
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        STATIC_PATHS=["images"],
        DEFAULT_METADATA={"Og_image": "{static}/images/cover.png"},
    )
    assert og(page(output / "first-post.html"), "og:image") == [
        SITEURL + "/images/cover.png"
    ]
    assert _messages(flattr_log, "og_image") == []


# --- build.py's mutation review (second pass) ---


def test_a_manifest_that_cannot_be_removed_is_named_once_with_the_reason(
    tmp_path, flattr_log
):
    # The reason is the system's own words, after the path: the exception
    # as Python prints it named the path a second time, errno and all.
    if os.geteuid() != 0:
        pytest.skip("only chattr +i stops unlinking one file of a folder")
    files = {"a.md": article("Some article", "Alice")}
    output = build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    manifest = output / "flattr-manifest.json"
    flattr_log.clear()
    with read_only(manifest):
        build(tmp_path, files, SITEURL="")
    (said,) = [
        r.getMessage() for r in flattr_log.records if "earlier" in r.getMessage()
    ]
    start = (
        "pelican-flattr: FLATTR_MANIFEST: cannot remove the manifest of an earlier "
        f"build, {manifest}, though this build made no things: "
    )
    assert said.startswith(start), said
    reason = said.removeprefix(start)
    assert reason and str(manifest) not in reason and "Errno" not in reason, said
    assert manifest.is_file()


def test_a_manifest_path_that_cannot_be_read_is_named_and_the_build_goes_on(
    tmp_path, flattr_log
):
    # Before removing what an earlier build left, the build reads its head,
    # to tell a manifest from a page or a settings file. A file it may not
    # read (a disk error, its mode) is named, and left: a traceback ended
    # the build. /proc/self/mem is a regular file that no process reads
    # from its start, root included, where a file's mode stops no root.
    unreadable = Path("/proc/self/mem")
    if not unreadable.is_file():
        pytest.skip(f"no {unreadable} here")
    try:
        with unreadable.open("rb") as stream:
            stream.read(1)
    except OSError:
        pass
    else:
        pytest.skip(f"{unreadable} is readable here")
    files = {"a.md": article("Some article", "Alice")}
    build(tmp_path, files, SITEURL="", FLATTR_MANIFEST=str(unreadable))
    (said,) = [
        r.getMessage() for r in flattr_log.records if "earlier" in r.getMessage()
    ]
    assert said.startswith(
        "pelican-flattr: FLATTR_MANIFEST: cannot remove the manifest of an earlier "
        f"build, {unreadable}, though this build made no things: "
    ), said


# --- An author named by the address of another email owner ---

CAROL = "carol@example.org"


@pytest.mark.parametrize(
    "author, settings, owned, where",
    [
        # The owner's entry is under another name: Carol's articles name
        # her by her address, which no key is.
        (
            CAROL,
            {"FLATTR_AUTHORS": {"Carol Chen": f"email:{CAROL}"}},
            {"c.md": article("By Carol Chen", "Carol Chen")},
            "FLATTR_AUTHORS['Carol Chen']",
        ),
        # The site's own owner, whom unmapped authors' content gets.
        (
            f"Carol <{CAROL}>",
            {"FLATTR_USERNAME": f"email:{CAROL}"},
            {},
            "FLATTR_USERNAME",
        ),
        # A content's own owner field.
        (
            CAROL,
            {"FLATTR_USERNAME": "siteowner"},
            {"o.md": article("Owned", "Alice", flattr_owner=f"email:{CAROL}")},
            "the 'flattr_owner' metadata of o.md",
        ),
    ],
    ids=["another-key", "flattr-username", "flattr-owner-field"],
)
def test_an_author_named_by_any_email_owners_address_is_warned_of(
    site, flattr_log, author, settings, owned, where
):
    # Only an author whose own entry held the address was warned about: an
    # author named by the address of an owner set elsewhere had their name
    # (the address) printed on author pages, feeds and listings, and only
    # the audit found it, on dozens of pages.
    files = {
        "a.md": article("By Carol", author),
        "b.md": article("By Carol again", author),
        **owned,
    }
    with pytest.raises(FlattrBuildError, match="1 problem"):
        site(files, FLATTR_STRICT=True, **settings)
    is_named = "is named by" if author == CAROL else "has a name that holds"
    assert _messages(flattr_log, "the address of the email owner") == [
        f"pelican-flattr: author {shown_author(author)} {is_named} the address "
        f"of the email owner that {where} gives (email:{hash_email(CAROL)}; in "
        "a.md and b.md), and Pelican prints author names on the pages and feeds "
        "it writes: the address is published all the same. Name the author "
        "otherwise in the content's Author field"
    ]
    assert not any("@" in r.getMessage() for r in flattr_log.records)


def test_many_authors_named_by_other_owners_addresses_are_one_warning(site, flattr_log):
    # Members mapped by name, their imported articles by address: one
    # warning for them all, each with the entry that holds their owner.
    addresses = [f"member{n:02}@example.org" for n in range(11)]
    files = {
        f"m{n:02}.md": article(f"Post {n}", address)
        for n, address in enumerate(addresses)
    }
    files["named.md"] = article("By name", "Member 00")
    authors = {f"Member {n:02}": f"email:{a}" for n, a in enumerate(addresses)}
    site(files, FLATTR_AUTHORS=authors)
    named = [
        f"author '[address]' (email:{hash_email(address)} of "
        f"FLATTR_AUTHORS['Member {n:02}']; in m{n:02}.md)"
        for n, address in enumerate(addresses)
    ]
    assert _messages(flattr_log, "email owner") == [
        "pelican-flattr: 11 authors are named by the address of an email owner, "
        "or by a name that holds it, and Pelican prints author names on the "
        "pages and feeds it writes: the addresses are published all the same: "
        f"{', '.join(named[:10])} and 1 more. Name each author otherwise in the "
        "content's Author field"
    ]


def test_an_author_spelt_with_their_address_in_one_file_is_warned_of(site, flattr_log):
    # Pelican's slug drops "<...>": "Carol Chen <carol@example.org>" is the
    # author "Carol Chen", whose other files named the author list's entry,
    # and the one file that published the address went unsaid.
    address = "carol@example.org"
    files = {f"c{n}.md": article(f"By Carol {n}", "Carol Chen") for n in range(3)}
    files["z.md"] = article("From git", f"Carol Chen <{address}>")
    with pytest.raises(FlattrBuildError, match="1 problem"):
        site(
            files,
            FLATTR_AUTHORS={"Carol Chen": f"email:{address}"},
            FLATTR_STRICT=True,
        )
    assert _messages(flattr_log, "FLATTR_AUTHORS[") == [
        "pelican-flattr: FLATTR_AUTHORS['Carol Chen'] gives an owner to author "
        "'Carol Chen <[address]>' (by its slug), whose name holds the address "
        f"of their email owner (email:{hash_email(address)}; in z.md), and "
        "Pelican prints author names on the pages and feeds it writes: the "
        "address is published all the same. Name the author otherwise in the "
        "content's Author field (and in this key)"
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "empty.rst",
            "Empty tags\n##########\n\n:date: 2024-03-07\n:author: Alice\n"
            ":tags: keepme\n:flattr_tags:\n\nBody text long enough to describe it.\n",
        ),
        (
            "empty.md",
            "Title: Empty tags\nDate: 2024-03-07\nAuthor: Alice\nTags: keepme\n"
            "Flattr_tags:\n\nBody text long enough to describe it.\n",
        ),
        (  # a list, as Markdown reads a field given twice, of empty items
            "twice.md",
            "Title: Empty tags\nDate: 2024-03-07\nAuthor: Alice\nTags: keepme\n"
            "Flattr_tags:\nFlattr_tags:\n\nBody text long enough to describe it.\n",
        ),
        *(  # separators alone: no tag in it either
            (
                f"separators-{n}.md",
                "Title: Empty tags\nDate: 2024-03-07\nAuthor: Alice\nTags: keepme\n"
                f"Flattr_tags: {separators}\n\nBody text long enough to describe it.\n",
            )
            for n, separators in enumerate([";", ",,,", " ; , "])
        ),
    ],
)
def test_an_empty_flattr_tags_field_keeps_the_default_tags(
    site, flattr_log, name, text
):
    # A field left empty counts as absent, as every other field of the
    # plugin does: taken as "no tags", it silently dropped the article's
    # own tags and FLATTR_TAGS.
    output = site({name: text}, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_TAGS=["site"])
    assert manifest_things(output)[name]["tags"] == ["keepme", "site"]
    assert flattr_log.records == []


@pytest.mark.parametrize(
    "value", ["false", "No", "yes", "TRUE", "on", "off", "none", "0", "1"]
)
def test_an_owner_that_reads_as_yes_or_no_is_refused(site, flattr_log, value):
    # "Flattr_owner: false", written for "no button", made the Flattr user
    # "false" the owner, without a word.
    files = {"a.md": article("Article A", "Alice", Flattr_owner=value)}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output) == {}
    assert article_errors(flattr_log) == [
        f"pelican-flattr: a.md: metadata 'flattr_owner' is {value!r}, which looks "
        "like a yes or no: to give no Flattr button, write 'Flattr: no'; to name "
        "an owner, give their Flattr username or owner identifier; it gets no "
        "Flattr button"
    ]


@pytest.mark.parametrize(
    ("settings", "written"),
    [
        (
            {"EXTRA_PATH_METADATA": {"a.md": {"flattr_owner": "no"}}},
            "'flattr': 'no' in EXTRA_PATH_METADATA['a.md']",
        ),
        (
            {"DEFAULT_METADATA": {"flattr_owner": "off"}},
            "'flattr': 'no' in DEFAULT_METADATA",
        ),
    ],
    ids=["path-metadata", "default-metadata"],
)
def test_an_owner_field_a_setting_gives_is_mended_in_the_setting(
    site, flattr_log, settings, written
):
    # The file holds no such line: "write 'Flattr: no'" there would leave the
    # setting's value in place, and the article still without a button.
    site({"a.md": article("Article A", "Alice")}, FLATTR_AUTHORS=AUTHORS, **settings)
    messages = _messages(flattr_log, "flattr_owner")
    assert messages and all(f"write {written};" in m for m in messages), messages


RST_ARTICLE = """Article A
#########

:author: Alice
:date: 2024-03-01 10:00
:{field}: {value}

A first paragraph with enough words to be a summary of this piece.
"""
HTML_ARTICLE = """<html><head><title>Article A</title>
<meta name="author" content="Alice">
<meta name="date" content="2024-03-01 10:00">
<meta name="{field}" content="{value}">
</head><body><p>A first paragraph of this piece.</p></body></html>
"""


@pytest.mark.parametrize(
    ("name", "text", "flattr_no", "owner_alice"),
    [
        ("a.rst", RST_ARTICLE, "':flattr: no'", "':flattr_owner: alice'"),
        (
            "a.html",
            HTML_ARTICLE,
            '\'<meta name="flattr" content="no">\'',
            '\'<meta name="flattr_owner" content="alice">\'',
        ),
    ],
)
def test_a_field_to_write_is_said_in_the_syntax_of_the_file_s_reader(
    site, flattr_log, name, text, flattr_no, owner_alice
):
    # A reStructuredText or HTML file was told to write Markdown's line,
    # which its reader takes for text of the body.
    files = {name: text.format(field="flattr_owner", value="no")}
    site(files, FLATTR_AUTHORS=AUTHORS)
    assert f"write {flattr_no};" in article_errors(flattr_log)[0]
    flattr_log.clear()
    files = {name: text.format(field="flattr", value="alice")}
    site(files, FLATTR_AUTHORS=AUTHORS)
    assert f"; to name its owner, write {owner_alice};" in article_errors(flattr_log)[0]


def test_a_hand_written_buttons_flattr_button_field_points_at_flattr(site, flattr_log):
    # It was said to mean flattr_owner, whose owner "false" then took the
    # article's flattrs.
    site(
        {"a.md": article("Article A", "Alice", flattr_button="false")},
        FLATTR_AUTHORS=AUTHORS,
    )
    assert _messages(flattr_log, "a.md") == [
        "pelican-flattr: a.md: metadata 'flattr_button' is no field of "
        "pelican-flattr, so it is ignored; did you mean 'flattr' (yes or no)?"
    ]


@pytest.mark.parametrize(
    "field",
    ["flattr_uid", "flattr_user", "flattr_user_id", "flattr_username", "flattr_id"],
)
def test_an_owner_field_of_another_tool_points_at_flattr_owner(site, flattr_log, field):
    # By their letters alone they are closest to flattr_url (or
    # flattr_hidden): a pinned URL of "bob" was the advice for an owner.
    site(
        {"a.md": article("Article A", "Alice", **{field: "bob"})},
        FLATTR_AUTHORS=AUTHORS,
    )
    assert _messages(flattr_log, "a.md") == [
        f"pelican-flattr: a.md: metadata '{field}' is no field of pelican-flattr, "
        "so it is ignored; did you mean 'flattr_owner'?"
    ]


@pytest.mark.parametrize(
    ("value", "shown", "hint"),
    [
        ("alice", "'alice'", "; to name its owner, write 'Flattr_owner: alice'"),
        (
            "email:alice@example.org",
            f"'email:{hash_email('alice@example.org')}'",
            f"; to name its owner, write 'Flattr_owner: email:"
            f"{hash_email('alice@example.org')}'",
        ),
        ("not an owner!", "'not an owner!'", ""),
        # A word no setting gives an owner: a yes or no mistyped, more likely.
        ("nope", "'nope'", ""),
    ],
)
def test_an_owner_in_the_flattr_field_is_pointed_at_flattr_owner(
    site, flattr_log, value, shown, hint
):
    # Another tool's "flattr: alice" named the owner: "write yes or no"
    # alone left the site's author to guess where the owner goes.
    files = {"a.md": article("Article A", "Alice", flattr=value)}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output) == {}
    assert article_errors(flattr_log) == [
        f"pelican-flattr: a.md: metadata 'flattr' is {shown}; write yes or no"
        f"{hint}; it gets no Flattr button"
    ]


def test_a_misspelt_field_of_many_files_is_one_warning(site, flattr_log):
    # A migrating site's old button fields are in every file: 3 of them in
    # 20 files were 60 warnings, one line a file.
    old = {"flattr_uid": "alice", "flattr_button": "yes", "flattr_ownr": "alice"}
    files = {f"a{n:02}.md": article(f"Old post {n}", "Alice", **old) for n in range(20)}
    files["one.md"] = article("One slip", "Alice", flattr_tagz="x")
    with pytest.raises(FlattrBuildError, match="4 problems"):
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    first = "a00.md, a01.md, a02.md, a03.md, a04.md and 15 more"
    ignored = "is no field of pelican-flattr, so it is ignored"
    assert _messages(flattr_log, "no field") == [
        f"pelican-flattr: {first}: metadata 'flattr_uid' {ignored} in these 20 "
        "files; did you mean 'flattr_owner'?",
        f"pelican-flattr: {first}: metadata 'flattr_button' {ignored} in these 20 "
        "files; did you mean 'flattr' (yes or no)?",
        f"pelican-flattr: {first}: metadata 'flattr_ownr' {ignored} in these 20 "
        "files; did you mean 'flattr_owner'?",
        f"pelican-flattr: one.md: metadata 'flattr_tagz' {ignored}; did you mean "
        "'flattr_tags'?",
    ]


@pytest.mark.parametrize(("files", "lines"), [(5, 5), (6, 1)])
def test_a_misspelt_field_of_up_to_five_files_gets_a_line_each(
    site, flattr_log, files, lines
):
    posts = {
        f"a{n}.md": article(f"Post {n}", "Alice", flattr_ownr="x") for n in range(files)
    }
    site(posts, FLATTR_AUTHORS=AUTHORS)
    assert len(_messages(flattr_log, "no field")) == lines


# --- Fields that Pelican read as the text's first lines. ---

HEAD = "Title: {title}\nDate: 2024-03-01 10:00\nAuthor: Alice\n"
AS_TEXT = "which Pelican read as text, not as a field"
IN_HEADER = "in the header, with no blank line before it"


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        # A blank line ends Markdown's header: what follows is the text.
        (
            "m.md",
            HEAD + "\nFlattr_owner: partner:hackspace:77\n\nBody.\n",
            f"a Flattr_owner line, {AS_TEXT}: put it {IN_HEADER}",
        ),
        # reStructuredText's way to write a field, in a Markdown file.
        (
            "m.md",
            HEAD + ":flattr_owner: partner:hackspace:77\n\nBody.\n",
            f"a :flattr_owner: line, {AS_TEXT}: write it as Flattr_owner: {IN_HEADER}",
        ),
        # Markdown's, in a reStructuredText file.
        (
            "r.rst",
            "R\n#\n\n:date: 2024-03-01\n:author: Alice\n\n"
            "Flattr_owner: partner:hackspace:77\n\nBody.\n",
            f"a Flattr_owner line, {AS_TEXT}: write it as :flattr_owner: in the "
            "field list under the title",
        ),
        # The paragraph's second line, misspelt.
        (
            "m.md",
            HEAD + "\nTags: soldering\nFlatr_owner: partner:hackspace:77\n\nBody.\n",
            f"a Flatr_owner line, {AS_TEXT}: write it as Flattr_owner: {IN_HEADER}",
        ),
        # An opt-out that opts nothing out.
        (
            "m.md",
            HEAD + "\nFlattr: no\n\nBody.\n",
            f"a Flattr line, {AS_TEXT}: put it {IN_HEADER}",
        ),
        # A space in the name, inside the header: Markdown's header ends at
        # it, and the fields after it (Author:) are text as well.
        (
            "m.md",
            "Title: {title}\nDate: 2024-03-01 10:00\n"
            "Flattr owner: partner:hackspace:77\nAuthor: Alice\n\nBody.\n",
            f"a Flattr owner line, {AS_TEXT}: write it as Flattr_owner: (a "
            "field's name holds no space, and Pelican's header ends at the first "
            "line that is no field: the fields after it are text too)",
        ),
    ],
    ids=[
        "blank-line",
        "rst-in-markdown",
        "markdown-in-rst",
        "misspelt",
        "opt-out",
        "space-in-name",
    ],
)
def test_a_field_that_pelican_read_as_text_is_named(site, flattr_log, name, text, said):
    # The owner's was the default, the line showed on the page, the thing's
    # description started with it, and a strict build passed.
    files = {name: text.format(title="Stray"), "a.md": article("Fine", "Alice")}
    with pytest.raises(FlattrBuildError, match=r"1 problem \("):
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    assert _messages(flattr_log, "as text") == [
        f"pelican-flattr: {name}: the text starts with {said}"
    ]
    # The value is not repeated: it may hold an address.
    assert not [r for r in flattr_log.records if "hackspace" in r.getMessage()]


@pytest.mark.parametrize(
    "text",
    [
        "Flattr: how a button pays the people who write.",
        "Why I like Flattr: it pays the people who write.",
        "A first paragraph.\n\nFlattr_owner: partner:hackspace:77 in the second.",
        "Flattrs: how many I had this year.",
        # Two words and a colon: no field's name; or a field's, with prose
        # after it.
        "Flattr this: a guide to the button.",
        "Flattr owners: who they are.",
        "Flattr owner: the account that receives the flattrs of a thing.",
        # A paragraph of prose shaped as fields, which a field's name with a
        # space made a paragraph of fields, read on past it.
        "Short answer: yes\n\nFlattr: no",
    ],
)
def test_text_that_only_mentions_flattr_is_left_alone(site, flattr_log, text):
    site(
        {"m.md": article("About Flattr", "Alice", body=text)},
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    assert _messages(flattr_log, "as text") == []


@pytest.mark.parametrize(("files", "lines"), [(5, 5), (6, 1)])
def test_a_field_read_as_text_in_many_files_is_one_warning(
    site, flattr_log, files, lines
):
    stray = HEAD + "\nFlattr_owner: partner:hackspace:77\n\nBody.\n"
    posts = {f"a{n}.md": stray.format(title=f"Post {n}") for n in range(files)}
    site(posts, FLATTR_AUTHORS={"Alice": "alice"})
    said = _messages(flattr_log, "as text")
    assert len(said) == lines
    if lines == 1:
        assert said == [
            "pelican-flattr: a0.md, a1.md, a2.md, a3.md, a4.md and 1 more: the "
            f"text starts with a Flattr_owner line, {AS_TEXT}: put it {IN_HEADER} "
            "(in each of these 6 files)"
        ]


# --- Path settings that ended up in surprising places. ---


def test_a_path_on_the_operators_machine_may_start_at_the_home_folder(
    tmp_path, monkeypatch, flattr_log, capsys
):
    # Taken as written, "~/flattr/base.json" made a folder named "~" where
    # pelican ran (one "rm -rf ~" away from the home folder), and the store
    # was looked for in it; the commands read the settings file alike.
    from pelican_flattr.cli import main
    from pelican_flattr.store import open_store

    home = tmp_path / "home"
    (home / "flattr").mkdir(parents=True)
    store = home / "flattr" / "store.sqlite3"
    open_store(store).close()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    build(
        tmp_path,
        {"a.md": article("Article A")},
        FLATTR_USERNAME="alice",
        FLATTR_URL_BASELINE="~/flattr/base.json",
        FLATTR_STORE="~/flattr/store.sqlite3",
    )
    assert (home / "flattr" / "base.json").is_file()
    assert not list(tmp_path.rglob("~"))
    assert flattr_log.records == []
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_STORE = '~/flattr/store.sqlite3'\nTIMEZONE = 'UTC'\n")
    capsys.readouterr()  # the build's
    assert main(["pending", "--settings", str(conf), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["store"] == str(store)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "FLATTR_MANIFEST",
            "~/flattr/site.json",
            "FLATTR_MANIFEST '~/flattr/site.json' starts with '~', which is no "
            "home folder here: a relative path is taken in OUTPUT_PATH",
        ),
        (
            "FLATTR_MANIFEST",
            "meta/",
            "FLATTR_MANIFEST 'meta/' names a folder; point it at a file, such as "
            "meta/flattr-manifest.json",
        ),
        (
            "FLATTR_URL_BASELINE",
            "basedir/",
            "FLATTR_URL_BASELINE 'basedir/' names a folder; point it at a file",
        ),
        ("FLATTR_STORE", "private/", "FLATTR_STORE 'private/' names a folder"),
        # Path() reads "meta/." as "meta": the same file, under the folder's name.
        ("FLATTR_MANIFEST", "meta/.", "FLATTR_MANIFEST 'meta/.' names a folder"),
        ("FLATTR_STORE", "private/..", "FLATTR_STORE 'private/..' names a folder"),
        (
            "FLATTR_URL_BASELINE",
            "~nosuchuser/base.json",
            "FLATTR_URL_BASELINE '~nosuchuser/base.json' starts with '~', but "
            "names no home folder of this system: write it as an absolute path",
        ),
        # A blank at an end is part of the file's name, taken as written.
        ("FLATTR_MANIFEST", " ", "FLATTR_MANIFEST ' ' is blank: write a file path"),
        (
            "FLATTR_MANIFEST",
            "m.json ",
            "FLATTR_MANIFEST 'm.json ' starts or ends with a blank, which would be "
            "part of the file's name",
        ),
        ("FLATTR_URL_BASELINE", "\tb.json", "FLATTR_URL_BASELINE '\\tb.json' starts"),
        ("FLATTR_STORE", " ", "FLATTR_STORE ' ' is blank"),
    ],
)
def test_a_path_setting_that_would_land_elsewhere_is_refused(
    tmp_path, monkeypatch, flattr_log, name, value, says
):
    # "meta/" wrote a manifest file named output/meta, "~/..." one in a
    # folder of the output named "~", published with the site.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    output = build(
        tmp_path,
        {"a.md": article("Article A")},
        FLATTR_USERNAME="alice",
        **{name: value},
    )
    (said,) = _messages(flattr_log, says)
    assert said.startswith(f"pelican-flattr: settings: {says}")
    assert not (output / "flattr-manifest.json").exists()
    assert not list(tmp_path.rglob(value.split("/")[0]))


@pytest.mark.parametrize(
    "name", ["FLATTR_UID", "FLATTR_ID", "FLATTR_USER", "FLATTR_USER_ID"]
)
def test_a_username_setting_of_other_flattr_plugins_is_pointed_at_its_name(
    site, flattr_log, name
):
    # Too far from FLATTR_USERNAME for a misspelling: a migrating site's
    # articles went without a button, and not a word said.
    site({"a.md": article("Some article", "Alice")}, **{name: "alice"})
    assert _messages(flattr_log, f"{name} ") == [
        f"pelican-flattr: {name} is no setting of pelican-flattr, so it is "
        "ignored; did you mean FLATTR_USERNAME?"
    ]


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (
            {"FLATTR_USERNAME": "None"},
            "settings: FLATTR_USERNAME 'None' reads as a yes or no, not a Flattr "
            "username: leave it unset (None) for no site-wide owner",
        ),
        (
            {"FLATTR_USERNAME": "site", "FLATTR_AUTHORS": {"Alice": "false"}},
            "a.md: author 'Alice' has an unusable entry: FLATTR_AUTHORS['Alice'] "
            "'false' reads as a yes or no, not a Flattr username: leave the author "
            "out for no owner of their own (their content then goes to "
            "FLATTR_USERNAME, when set); it gets no Flattr button",
        ),
    ],
)
def test_an_owner_setting_that_reads_as_yes_or_no_is_refused(
    tmp_path, flattr_log, settings, says
):
    # As a Flattr_owner that does: "FLATTR_USERNAME = 'None'" made the Flattr
    # user "None" the owner of every thing, without a word.
    output = build(tmp_path, {"a.md": article("Article A", "Alice")}, **settings)
    assert f"pelican-flattr: {says}" in flattr_log.messages
    manifest = output / "flattr-manifest.json"
    assert not manifest.exists() or manifest_things(output) == {}


_PIN_KEEPS = "pinning the thing URL with flattr_url keeps one that holds flattrs"


@pytest.mark.parametrize(
    ("slug", "character", "does", "keep"),
    [
        ("c# tips", "#", "starts a fragment", _PIN_KEEPS),
        ("what?", "?", "starts a query", _PIN_KEEPS),
        ("100%20done", "%", "starts an escape, which a server decodes", _PIN_KEEPS),
        # Browsers ask for "c\tips.html" as "c/tips.html" (WHATWG URL): the
        # thing URL, in the manifest, og:url, buttons and feeds, was a 404,
        # without a word, and a pin cannot keep it (no pin may hold one).
        (
            "c\\tips",
            "\\",
            "a browser reads as '/'",
            "no flattr_url can keep that thing URL: browsers never ask for it",
        ),
    ],
)
def test_a_slug_that_makes_the_url_another_address_is_warned_of(
    tmp_path, flattr_log, slug, character, does, keep
):
    # "c# tips" made the thing URL .../c#%20tips.html, which is the page
    # ".../c" with a fragment: build and audit were silent.
    files = {
        "a.md": article("Article A", Slug=slug),
        "b.md": article("Article B", Slug=slug + "x", Flattr_url=f"{SITEURL}/b"),
    }
    output = build(tmp_path, files, FLATTR_USERNAME="alice")
    assert sorted(manifest_things(output)) == ["a.md", "b.md"]  # both kept
    warnings = [m for m in flattr_log.messages if "which " + does in m]
    assert warnings == [
        f"pelican-flattr: a.md: its URL holds {character!r}, which {does}: the "
        "thing URL (and Pelican's own links to the page) lead to another address "
        "than the page's; give it a Slug or URL without '#', '?', '%' or '\\\\' "
        f"({keep})"
    ]


def test_a_backslash_in_a_page_url_or_a_pin_is_said_when_strict(tmp_path, flattr_log):
    # The review's site: the strict build passed, and the manifest, og:url,
    # buttons and feeds carried https://example.org/c\tips.html, a 404 to
    # browsers. The page's URL stays a warning (its thing is kept, as earlier
    # builds published it); a pin holding one is refused, naming file and
    # field, and fails the strict build.
    files = {
        "one.md": article("One", Slug="c\\tips"),
        "two.md": article("Two", Flattr_url=f"{SITEURL}/old\\two.html"),
    }
    with pytest.raises(FlattrBuildError, match="failed: 1 problem "):
        build(tmp_path, files, FLATTR_USERNAME="alice", FLATTR_STRICT=True)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        "pelican-flattr: two.md: metadata 'flattr_url' holds the character '\\\\' "
        "in its path (browsers read it as '/', and so another path): write it as "
        "%5C where the page's file name holds it, or as '/' where the page is in "
        f"that folder: '{SITEURL}/old\\\\two.html'; it gets no Flattr button"
    ]
    (warning,) = [m for m in flattr_log.messages if "reads as '/'" in m]
    assert warning.startswith("pelican-flattr: one.md: its URL holds '\\\\'")


def test_page_urls_that_are_another_address_in_many_files_are_one_warning(
    tmp_path, flattr_log
):
    # An ARTICLE_URL that holds a "?" gave every article a line of its own.
    files = {f"{n}.md": article(f"Article {n}") for n in "abcdef"}
    build(tmp_path, files, FLATTR_USERNAME="alice", ARTICLE_URL="index.php?p={slug}")
    warnings = [m for m in flattr_log.messages if "starts a query" in m]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "pelican-flattr: a.md, b.md, c.md, d.md, e.md and 1 more: the URLs of "
        "these 6 files hold '?', which starts a query: the thing URL"
    )


@pytest.mark.parametrize("count", [2, 6])
def test_page_urls_that_are_another_address_stay_warnings_when_strict(
    tmp_path, flattr_log, count
):
    # README: what the build still publishes correctly stays a warning
    # under FLATTR_STRICT, such a page URL among it (the thing is kept, as
    # earlier builds published it). Grouped by files, it failed the build.
    files = {f"{n}.md": article(f"Article {n}") for n in "abcdef"[:count]}
    output = build(
        tmp_path,
        files,
        FLATTR_USERNAME="alice",
        ARTICLE_URL="index.php?p={slug}",
        FLATTR_STRICT=True,
    )
    assert len(manifest_things(output)) == count
    assert [m for m in flattr_log.messages if "starts a query" in m]
    assert not any(r.levelname == "ERROR" for r in flattr_log.records)


def _kept_under_tilde(tmp_path, monkeypatch, name: str, text: str) -> Path:
    """The file ``name`` that earlier versions kept at ./~/flattr/ where
    the build runs (``tmp_path``), holding ``text``; the home folder is
    ``tmp_path``'s "home"."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "~" / "flattr" / name
    old.parent.mkdir(parents=True)
    old.write_text(text)
    return old


def _build_with_tilde_path(tmp_path, name: str, value: str) -> Path:
    return build(
        tmp_path,
        {"a.md": article("Article A")},
        FLATTR_USERNAME="alice",
        **{name: value},
    )


def test_a_baseline_kept_by_earlier_versions_in_a_folder_named_tilde_is_named(
    tmp_path, monkeypatch, flattr_log
):
    # Earlier versions took "~/flattr/base.json" as ./~/flattr/base.json,
    # where the build ran: read from the home folder now, an empty baseline
    # would start unsaid, and the URL changes since go unchecked. The advice
    # was the store's: a receiver to stop, -wal and -shm files, a merge,
    # none of which a baseline has.
    baseline = '{"baseline_version": 1, "things": []}\n'
    old = _kept_under_tilde(tmp_path, monkeypatch, "base.json", baseline)
    home = tmp_path / "home" / "flattr" / "base.json"
    output = _build_with_tilde_path(
        tmp_path, "FLATTR_URL_BASELINE", "~/flattr/base.json"
    )
    refused = (
        "pelican-flattr: settings: FLATTR_URL_BASELINE '~/flattr/base.json' is "
        f"{home} now, but earlier versions of pelican-flattr kept it in a folder "
        f"named '~' here, and {old} is there: "
    )
    until = (
        ", or set FLATTR_URL_BASELINE to the absolute path of the one to use; "
        "until then, builds make no Flattr buttons"
    )
    (said,) = _messages(flattr_log, "earlier versions")
    assert said == f"{refused}move it to {home}{until}"
    assert "-wal" not in said and "receiver" not in said
    assert "pelican-flattr: no Flattr buttons this build (see above)" in (
        flattr_log.messages
    )
    assert flattr_buttons(page(output / "article-a.html")) == []
    assert not (tmp_path / "home").exists()
    # Said all the same once the home folder's exists: of two, the guard
    # must compare the next build with the one the last build wrote.
    home.parent.mkdir(parents=True)
    home.write_text(baseline)
    for newer, keep in [
        (old, f"move {old} over {home}"),
        (home, f"remove {old}"),
    ]:
        os.utime(old if newer is home else home, (1_000_000_000, 1_000_000_000))
        os.utime(newer, (2_000_000_000, 2_000_000_000))
        flattr_log.clear()
        _build_with_tilde_path(tmp_path, "FLATTR_URL_BASELINE", "~/flattr/base.json")
        (said,) = _messages(flattr_log, "earlier versions")
        assert said == (
            f"{refused}{home} is there too: keep the newer, {newer}, which the "
            f"last build wrote and the URL guard compares the next build with "
            f"({keep}){until}"
        )


def test_a_store_kept_by_earlier_versions_in_a_folder_named_tilde_is_named(
    tmp_path, monkeypatch, flattr_log
):
    # The store's -wal and -shm files go with it, and a receiver still
    # running would write the old one again.
    old = _kept_under_tilde(tmp_path, monkeypatch, "store.sqlite3", "")
    _build_with_tilde_path(tmp_path, "FLATTR_STORE", "~/flattr/store.sqlite3")
    (said,) = _messages(flattr_log, "earlier versions")
    assert said == (
        "pelican-flattr: settings: FLATTR_STORE '~/flattr/store.sqlite3' is "
        f"{tmp_path}/home/flattr/store.sqlite3 now, but earlier versions of "
        f"pelican-flattr kept it in a folder named '~' here, and {old} is there: "
        "stop what writes it (the web hook receiver), then move it, with its -wal "
        "and -shm files, to where the setting names (merge them if both hold "
        "data), or set the absolute path of the one to use"
    )


@pytest.mark.parametrize(
    ("name", "value", "written", "says"),
    [
        # "meta/" made a manifest file output/meta: refused now, the file
        # was left to be deployed, and the advised meta/flattr-manifest.json
        # could not be written while it stood in the way.
        (
            "FLATTR_MANIFEST",
            "meta/",
            "output/meta",
            "{path} is a file that earlier versions of pelican-flattr wrote for "
            "this value: remove it, or the site publishes it and the folder "
            "cannot be made",
        ),
        # "flattr/" made the store a file named flattr: the store the setting
        # meant, not a file to remove.
        (
            "FLATTR_STORE",
            "flattr/",
            "flattr",
            "flattr is a file that earlier versions of pelican-flattr kept for "
            "this value: set the setting to its path, without the '/'",
        ),
        # "~/flattr/" made the baseline a file flattr in a folder named "~"
        # here: "~/flattr", as advised, is the home folder's now.
        (
            "FLATTR_URL_BASELINE",
            "~/flattr/",
            "~/flattr",
            "{path} is a file that earlier versions of pelican-flattr kept for "
            "this value, in a folder named '~' here: set the setting to that "
            "absolute path, as a '~' names the home folder now",
        ),
    ],
)
def test_a_file_earlier_versions_wrote_for_a_folder_path_is_named(
    tmp_path, monkeypatch, flattr_log, name, value, written, says
):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / written
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"")
    build(
        tmp_path,
        {"a.md": article("Article A")},
        FLATTR_USERNAME="alice",
        **{name: value},
    )
    (said,) = _messages(flattr_log, "names a folder")
    assert said.endswith(f"({says.format(path=path)})")


@pytest.mark.parametrize(
    ("fields", "warned"),
    [
        # Its escapes name the page it is written to: a server finds it.
        ({"Slug": "caf%C3%A9", "Save_as": "café.html"}, False),
        ({"URL": "posts/c%23-tips/", "Save_as": "posts/c#-tips/index.html"}, False),
        ({"Slug": "caf%C3%A9"}, True),  # written as caf%C3%A9.html
    ],
)
def test_a_page_url_whose_escapes_name_its_page_is_not_warned_of(
    tmp_path, flattr_log, fields, warned
):
    output = build(
        tmp_path, {"a.md": article("Article A", **fields)}, FLATTR_USERNAME="alice"
    )
    assert list(manifest_things(output)) == ["a.md"]
    assert bool(_messages(flattr_log, "which starts an escape")) is warned


@pytest.mark.parametrize(
    ("key", "source", "named"),
    [
        ("notes", "notes/a/b.md", True),
        ("notes/", "notes/a/b.md", True),
        ("notes/a", "notes/a/b.md", True),
        ("notes/a/b.md", "notes/a/b.md", True),
        ("", "notes/a/b.md", True),
        ("note", "notes/a/b.md", False),
        ("notes/a/b", "notes/a/b.md", False),
    ],
)
def test_the_entry_that_gives_a_field_is_found_as_pelican_matches_it(
    key, source, named
):
    # Looked up by the file's own path and its folders, not by a scan of
    # every entry: a site may pin each of 20,000 files there.
    from types import SimpleNamespace

    from pelican_flattr.resolve import given_by_setting

    fields = {"flattr_url": "https://example.org/x.html"}
    content = SimpleNamespace(
        metadata=dict(fields),
        settings={"EXTRA_PATH_METADATA": {key: fields, "other.md": {"x": 1}}},
    )
    content.metadata["flattr_url"] = fields["flattr_url"]
    found = given_by_setting(content, "flattr_url", source)
    assert found == (f"EXTRA_PATH_METADATA[{key!r}]" if named else None)
