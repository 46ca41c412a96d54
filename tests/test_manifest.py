"""The manifest: complete, valid against its schema, byte-identical across builds."""

import gzip
import json
import os
import pwd
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import (
    CHILD_BUILD,
    SITEURL,
    TESTS,
    article,
    build,
    child_env,
    i18n_build,
    read_only,
)
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from test_thing import _owner, _tag, _text

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main as audit_command
from pelican_flattr.generator_contents import contents
from pelican_flattr.identifiers import parse_owner
from pelican_flattr.manifest import (
    SCHEMA_PATH,
    ManifestError,
    UrlSpool,
    load_manifest,
    manifest_chunks,
    manifest_line,
    not_a_manifest,
    portable_path,
    portable_path_bytes,
    write_atomically,
)
from pelican_flattr.resolve import ContentThing
from pelican_flattr.thing import CATEGORIES, Thing
from pelican_flattr.url_baseline import load_baseline

AUTHORS = {
    "Alice": "alice",
    "Bob": "twitter:user:id:7",
    "Carol": "email:carol@example.org",
    "Dan": "partner:ns:1",
}


def files():
    return {
        "z.md": article("Zebra crossing notes", "Alice", tags="b, a"),
        "a.md": article("Ärliga åsikter om lödning 🎉", "Bob"),
        "m.md": article("Mail owner article", "Carol", flattr_hidden="yes"),
        "p.md": article("Partner owner article", "Dan", flattr_category="software"),
        "pages/about.md": "Title: About\nAuthor: Alice\n\nAbout this site and us.\n",
    }


def test_same_content_gives_byte_identical_manifests(site):
    first = site(files(), FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True)
    second = site(files(), FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True)
    one = (first / "flattr-manifest.json").read_bytes()
    assert one == (second / "flattr-manifest.json").read_bytes()
    document = json.loads(one)
    urls = [thing["url"] for thing in document["things"]]
    assert urls == sorted(urls) and len(urls) == 5
    assert one.endswith(b"}\n") and "Ärliga".encode() in one  # stable, readable UTF-8


PRETTY = {
    "ARTICLE_URL": "posts/{slug}/",
    "ARTICLE_SAVE_AS": "posts/{slug}/index.html",
    "ARTICLE_LANG_URL": "{lang}/posts/{slug}/",
    "ARTICLE_LANG_SAVE_AS": "{lang}/posts/{slug}/index.html",
}
LANG_ONLY = {
    "ARTICLE_LANG_URL": "{lang}/{slug}/",
    "ARTICLE_LANG_SAVE_AS": "{lang}/{slug}/index.html",
}


@pytest.mark.parametrize("root", ["plain", ".hidden"])
@pytest.mark.parametrize(
    ("layout", "pages"),
    [
        ({}, ["first.html", "second.html", "first-fr.html", "linked.html"]),
        (
            PRETTY,
            [
                "posts/first/index.html",
                "posts/second/index.html",
                "fr/posts/first/index.html",
                "posts/linked/index.html",
            ],
        ),
        (
            LANG_ONLY,
            ["first.html", "second.html", "fr/first/index.html", "linked.html"],
        ),
    ],
    ids=["url-is-save-as", "pretty-urls", "translations-differ"],
)
def test_manifest_names_the_source_and_the_page_pelican_wrote(
    tmp_path, root, layout, pages
):
    # Sources in subfolders, under a content folder whose path may hold a
    # hidden folder's name; pages saved under their URL or not, a
    # translation, and metadata overriding one of save_as and url.
    output = build(
        tmp_path / root,
        {
            "a.md": article("First", slug="first"),
            "sub/dir/b.md": article("Second", slug="second"),
            "c.md": article("Premier", slug="first", lang="fr"),
            "d.md": article("Moved", slug="moved", save_as="custom/moved-here.html"),
            "e.md": article("Linked", slug="linked", url="elsewhere/linked/"),
        },
        FLATTR_USERNAME="alice",
        **layout,
    )
    things = {
        t["source"]: t for t in load_manifest(output / "flattr-manifest.json")["things"]
    }
    expected = dict(zip(["a.md", "sub/dir/b.md", "c.md", "e.md"], pages, strict=True))
    expected["d.md"] = "custom/moved-here.html"
    assert {source: thing["page"] for source, thing in things.items()} == expected
    for thing in things.values():
        assert (output / thing["page"]).is_file(), thing["page"]
    assert things["e.md"]["url"] == "https://blog.example.org/elsewhere/linked/"


@pytest.mark.parametrize(
    "layout",
    [
        {},  # Pelican's defaults: {slug}.html, pages/{slug}.html, and -{lang}
        PRETTY,
        {"ARTICLE_URL": "{date:%Y}/{date:%m}/{slug}/", "PAGE_URL": "{slug}/"},
        {
            "ARTICLE_URL": "{category}/{slug}.html",
            "ARTICLE_LANG_URL": "{author}/{slug}",
        },
        {
            "ARTICLE_URL": "{slug!s}/{lang:.1}.html",
            "PAGE_LANG_URL": "{lang}{{x}}{slug}",
        },
    ],
    ids=["defaults", "pretty", "dates", "category-author", "spec-and-braces"],
)
def test_thing_urls_are_the_urls_pelican_gives(tmp_path, layout):
    # The plugin formats Pelican's URL settings itself when they read only
    # {slug} and {lang}; every URL must be the one Pelican's own url gives.
    from pelican import signals

    pelican_urls = {}

    def remember(generators):
        for content, _ in contents(generators, pages=True):
            pelican_urls[content.relative_source_path] = content.url

    signals.all_generators_finalized.connect(remember)
    try:
        output = build(
            tmp_path,
            {
                "a.md": article("First", slug="first", category="Tools"),
                "b.md": article("Premier", slug="first", lang="fr"),
                "c.md": article("Quiet", slug="quiet", status="hidden"),
                "d.md": article("Elsewhere", slug="d", url="moved/here/"),
                "pages/p.md": "Title: About\nAuthor: Alice\nSlug: about\n\nAbout us.\n",
                "pages/q.md": "Title: À propos\nAuthor: Alice\nSlug: about\nLang: fr"
                "\n\nÀ propos.\n",
            },
            FLATTR_USERNAME="alice",
            FLATTR_PAGES=True,
            **layout,
        )
    finally:
        signals.all_generators_finalized.disconnect(remember)
    things = load_manifest(output / "flattr-manifest.json")["things"]
    assert len(things) == 6
    for thing in things:
        expected = f"https://blog.example.org/{pelican_urls[thing['source']]}"
        assert thing["url"] == expected, thing["source"]


def test_a_manifest_of_an_iri_siteurl_passes_a_validator_that_checks_formats(site):
    # The schema said "format": "uri", which is ASCII (RFC 3986): a
    # validator that checks formats (jsonschema's FormatChecker with its
    # optional checkers, ajv-formats) refused every manifest of a site
    # whose SITEURL is written beyond ASCII. RFC 3986's own test, for uri.
    checker = jsonschema.FormatChecker()
    checker.checks("uri")(lambda value: value.isascii() and "://" in value)
    checker.checks("iri")(lambda value: "://" in value)
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
    output = site(
        {"a.md": article("Bücher", "Alice")},
        SITEURL="https://bücher.example/blög",
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="site_owner",
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    document = json.loads((output / "flattr-manifest.json").read_text())
    assert document["siteurl"] == "https://bücher.example/blög"
    assert document["site_payment_link"].isascii()  # still checked as a uri
    assert list(validator.iter_errors(document)) == []


def test_manifest_follows_its_schema(site):
    output = site(
        files(), FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True, FLATTR_BUTTON="js"
    )
    document = json.loads((output / "flattr-manifest.json").read_text())
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema)
    assert document["schema_version"] == 1
    # The default build's header is what schema version 1 always had.
    assert set(document) == {"open_graph", "schema_version", "siteurl", "things"}
    entry = next(t for t in document["things"] if t["source"] == "m.md")
    assert entry == {
        "url": "https://blog.example.org/mail-owner-article.html",
        "source": "m.md",
        "page": "mail-owner-article.html",
        "owner": {"kind": "email", "value": "email:e85bdea72f763d76279a16f7090151a4"},
        "title": "Mail owner article",
        "description": (
            "A first paragraph with enough words to be a summary of this piece."
        ),
        "category": "text",
        "language": "en_GB",
        "tags": [],
        "hidden": True,
        "auto_submit_url": entry["auto_submit_url"],
        "button": "js",
        "feeds": [],
    }
    assert "owner=email%3Ae85bdea72f763d76279a16f7090151a4" in entry["auto_submit_url"]


def test_keys_are_sorted_with_every_header_field(site):
    # docs/manifest.md promises sorted keys: with a site thing and feeds the
    # header holds site_payment_link, which sorts between the fields every
    # manifest has (a diff of two manifests then shows changes, not moves).
    output = site(
        files(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="alice",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
    )
    text = (output / "flattr-manifest.json").read_text(encoding="utf-8")
    objects = []  # every object's keys in the file's order, innermost first
    json.loads(text, object_pairs_hook=lambda pairs: objects.append(pairs) or {})
    header = [key for key, _ in objects[-1]]
    assert header == [
        "open_graph",
        "schema_version",
        "site_payment_link",
        "siteurl",
        "things",
    ]
    things = json.loads(text)["things"]
    assert any(thing["feeds"] for thing in things)
    # Each thing and its owner: the objects before the header.
    assert len(objects) == 1 + 2 * len(things)
    for pairs in objects:
        keys = [key for key, _ in pairs]
        assert keys == sorted(keys)


def _closed(schema: Any) -> Any:
    """``schema`` with every object's fields closed (``additionalProperties:
    false``): the shipped schema lets fields it does not know through, for
    consumers of a later manifest; this copy catches a field the build
    writes that the schema does not describe."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if closed.get("type") == "object":
        closed["additionalProperties"] = False
    return closed


@pytest.mark.parametrize("feeds", [True, False])
def test_the_schema_describes_every_field_a_build_writes(site, feeds):
    # With FLATTR_USERNAME and a feed the header holds site_payment_link;
    # with FLATTR_FEEDS off, feed_payment_links.
    output = site(
        files(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="alice",
        FLATTR_FEEDS=feeds,
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    document = json.loads((output / "flattr-manifest.json").read_text())
    assert ("site_payment_link" if feeds else "feed_payment_links") in document
    jsonschema.validate(document, _closed(json.loads(SCHEMA_PATH.read_text())))


def test_fields_a_later_version_adds_are_ignored(site):
    # Fields added to schema version 1 came without a new version (open_graph,
    # page and feeds, site_payment_link): a consumer's copy of the schema,
    # and an earlier pelican-flattr, refused the manifests of later builds.
    output = site(files(), FLATTR_AUTHORS=AUTHORS, FLATTR_USERNAME="alice")
    path = output / "flattr-manifest.json"
    document = json.loads(path.read_text())
    document["generator"] = "pelican-flattr 9"
    for thing in document["things"]:
        thing["thumbnail"] = {"width": 640}
        thing["owner"]["verified"] = True
    path.write_text(json.dumps(document, ensure_ascii=False, sort_keys=True))
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(document, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _closed(schema))
    assert load_manifest(path, pages_and_feeds=True) == document
    assert audit_command(["audit", str(output)]) == 0
    assert audit_command(["diff", str(path), str(path)]) == 0


def test_schema_rejects_a_plain_email_owner(site):
    output = site(files(), FLATTR_AUTHORS=AUTHORS)
    document = json.loads((output / "flattr-manifest.json").read_text())
    document["things"][0]["owner"] = {
        "kind": "email",
        "value": "email:carol@example.org",
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))


def test_manifest_path_is_configurable(site, tmp_path):
    target = tmp_path / "private" / "things.json"
    output = site(files(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST=str(target))
    assert target.exists() and not (output / "flattr-manifest.json").exists()
    assert len(load_manifest(target)["things"]) == 4
    relative = site(files(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST="meta/flattr.json")
    assert (relative / "meta" / "flattr.json").exists()


@pytest.mark.skipif(os.name == "nt", reason="a folder separator on Windows")
def test_a_backslash_in_the_manifest_setting_is_said_where_it_is_no_separator(
    tmp_path, flattr_log
):
    # Written on Windows in a shared settings file, "feeds\\flattr-manifest.json"
    # made Linux CI write one file of that name at the top of the output,
    # published as /feeds%5Cflattr-manifest.json; the audit passed.
    setting = "feeds\\flattr-manifest.json"
    output = build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST=setting)
    assert (output / setting).is_file()
    said = [
        (r.levelname, r.getMessage())
        for r in flattr_log.records
        if "backslash" in r.getMessage()
    ]
    assert said == [
        (
            "WARNING",
            "pelican-flattr: FLATTR_MANIFEST 'feeds\\\\flattr-manifest.json' holds a "
            "backslash, which is no folder separator here: the file is written "
            "or read with the backslash in its name, and published with %5C in "
            "its URL; write the folders with '/' (as in "
            "'feeds/flattr-manifest.json'), which Windows takes too",
        )
    ]
    # A strict build fails for it, as for any setting it warns of.
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            {},
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_MANIFEST=setting,
            FLATTR_STRICT=True,
        )


@pytest.mark.skipif(os.name == "nt", reason="a folder separator on Windows")
@pytest.mark.parametrize("name", ["FLATTR_URL_BASELINE", "FLATTR_STORE"])
def test_a_backslash_in_a_path_on_the_build_machine_is_said_too(
    tmp_path, flattr_log, monkeypatch, name
):
    # "cache\\url-baseline.json" kept the baseline in a file of that name
    # where the build ran, which CI did not keep: every build began a new
    # baseline and compared nothing, without a word.
    monkeypatch.chdir(tmp_path)
    setting = f"cache\\{name.lower()}"
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS, **{name: setting})
    said = [r.getMessage() for r in flattr_log.records]
    said = [message for message in said if "holds a backslash" in message]
    assert said == [
        f"pelican-flattr: {name} 'cache\\\\{name.lower()}' holds a backslash, "
        "which is no folder separator here: the file is written or read with "
        "the backslash in its name; write the folders with '/' (as in "
        f"'cache/{name.lower()}'), which Windows takes too"
    ]


@pytest.mark.parametrize(
    ("setting", "target"),
    [
        ("../content/z.md", "content/z.md"),  # an article
        ("../pelicanconf.py", "pelicanconf.py"),
        ("index.html", "output/index.html"),  # a page this build wrote
        ("theme", "output/theme"),  # a folder
    ],
)
@pytest.mark.parametrize("strict", [False, True])
def test_the_manifest_never_replaces_what_is_not_a_manifest(
    tmp_path, flattr_log, setting, target, strict
):
    # It used to replace any file with the manifest, silently.
    (tmp_path / "pelicanconf.py").write_text("SITENAME = 'Kept'\n")
    options = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_MANIFEST": setting}
    if strict:
        with pytest.raises(FlattrBuildError):
            build(tmp_path, files(), FLATTR_STRICT=True, **options)
    else:
        build(tmp_path, files(), **options)
    kept = tmp_path / target
    if kept.is_file():
        assert b"schema_version" not in kept.read_bytes()
    else:
        assert kept.is_dir()
    (error,) = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    # Named where it lies, not as "output/../content/z.md".
    assert error.startswith(f"pelican-flattr: FLATTR_MANIFEST: {kept} ")
    assert "so it is left as it is and no manifest was written" in error
    assert not list(kept.parent.glob(f".{kept.name}.*"))  # no temporary file


@pytest.mark.parametrize(
    "guard",
    [{"FLATTR_URL_GUARD": False}, {}],
    ids=["guard-off", "baseline-unchanged"],
)
def test_a_manifest_refused_fails_a_strict_build_the_guard_does_not_fail(
    tmp_path, flattr_log, guard
):
    # The URL guard fails a strict build only when it compares: switched
    # off, or with the same things as the last build (its baseline the same
    # bytes), it ends before its check, and the manifest's own problem must
    # still fail the build that publishes pages without their manifest.
    options = {"FLATTR_AUTHORS": AUTHORS, **guard}
    build(tmp_path, files(), **options)
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            files(),
            FLATTR_STRICT=True,
            FLATTR_MANIFEST="../content/z.md",
            **options,
        )
    (error,) = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert "so it is left as it is and no manifest was written" in error


NOT_ONE = "is not a pelican-flattr manifest"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", NOT_ONE),
        ("Title: A post\n\nschema_version: 1\n", NOT_ONE),
        ('{"baseline_version": 1, "things": []}\n', NOT_ONE),  # the URL guard's
        ('{"schema_version": true, "things": []}', NOT_ONE),
        ('{"things": [], "schema_version": 1}', None),  # reformatted: still one
        ('{"open_graph": false, "schema_version": 2, "siteurl": "x"', None),
        # Reformatted with a blank line first, or a key with an escaped quote.
        ('\n {"schema_version": 1, "things": []}', None),
        ('{"a\\"b": 0, "schema_version": 1, "things": []}', None),
        # The first 8 KB end in the middle of a character (a large site's
        # titles; the opening is 35 bytes, so byte 8192 falls inside an é):
        # no sign of a file that is not UTF-8.
        ('{"schema_version": 1, "things": [ "' + "é" * 5000, None),
        # Nested too deep for json to read within the head: no traceback.
        ('{"a": ' + "[" * 5000, NOT_ONE),
    ],
)
def test_what_a_manifest_may_replace(tmp_path, text, says):
    path = tmp_path / "m.json"
    path.write_text(text)
    assert not_a_manifest(path) == says
    assert not_a_manifest(tmp_path / "missing.json") is None
    assert not_a_manifest(tmp_path) == "is a folder"
    os.mkfifo(tmp_path / "fifo")  # never opened: that would wait for ever
    assert not_a_manifest(tmp_path / "fifo") == "is not a regular file"


def test_an_empty_file_flattr_manifest_names_is_replaced_only_behind_a_link(
    tmp_path, flattr_log
):
    # Made empty for a CI's first build, behind a link, it is the manifest's;
    # any other empty file (a settings file not yet written) is not.
    settings_file = tmp_path / "empty.py"
    settings_file.write_text("")
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST=str(settings_file))
    assert settings_file.read_text() == ""
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: FLATTR_MANIFEST: {settings_file} is not a pelican-flattr "
        "manifest, so it is left as it is and no manifest was written: point "
        "FLATTR_MANIFEST at a file of its own"
    ]


def _opening(written: bytes) -> int:
    """How many bytes of a manifest the writer wrote come before the end
    of its schema_version's value."""
    return written.index(b'"schema_version": 1') + len(b'"schema_version": 1')


@pytest.mark.parametrize(
    ("feeds", "cut"),
    [
        (True, 0),  # emptied (`: > flattr-manifest.json`, a full disk)
        (True, 1),
        (True, 40),  # within "schema_version"
        (True, -1),  # one byte short of its value
        (False, 40),  # a manifest that opens with feed_payment_links
        (False, -1),
    ],
)
def test_the_next_build_replaces_its_manifest_cut_short(
    tmp_path, flattr_log, feeds, cut
):
    # Every build after refused the file as "not a pelican-flattr manifest",
    # and the audit said the next build would write it.
    options = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_FEEDS": feeds}
    output = build(tmp_path, files(), **options)
    path = output / "flattr-manifest.json"
    written = path.read_bytes()
    kept = written[: cut if cut >= 0 else _opening(written) + cut]
    path.write_bytes(kept)
    assert audit_command(["audit", str(output)]) == 2
    flattr_log.clear()
    build(tmp_path, files(), **options)
    assert path.read_bytes() == written
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    damage = (
        f"a damaged manifest, cut off after {len(kept)} bytes"
        if kept
        else "an empty manifest (0 bytes)"
    )
    assert said == [
        (
            "WARNING",
            f"pelican-flattr: FLATTR_MANIFEST: {path} was {damage}: this "
            "build's manifest replaced it",
        )
    ]
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("flattr-manifest.json", '{"mine": 1}\n'),  # someone's own JSON
        ("flattr-manifest.json", '{"open_graph": true, "schema_version'),  # not ours
        ("flattr-manifest.json", '{\n  "open_graph": true,\n  "title": "A"\n}\n'),
        ("flattr-manifest.json", " \n"),  # blank, which no build writes
        ("flattr-manifest.json", "<!doctype html>\n"),
        ("notes.txt", ""),  # empty, but no JSON file's name
    ],
)
def test_a_file_that_merely_looks_cut_short_is_left(tmp_path, flattr_log, name, text):
    # Only the writer's own bytes, cut short, or an empty file named as a
    # manifest is, are the build's to replace.
    other = tmp_path / name
    other.write_text(text, encoding="utf-8")
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST=str(other))
    assert other.read_text(encoding="utf-8") == text
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: FLATTR_MANIFEST: {other} is not a pelican-flattr "
        "manifest, so it is left as it is and no manifest was written: point "
        "FLATTR_MANIFEST at a file of its own"
    ]


def test_the_audit_of_an_emptied_manifest_says_the_next_build_replaces_it(
    tmp_path, capsys
):
    output = build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    path = output / "flattr-manifest.json"
    path.write_bytes(b"")
    capsys.readouterr()
    assert audit_command(["audit", str(output)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {path}: an empty file, not a manifest: no build wrote "
        "it so (a copy or a full disk cut it short, or it was made empty); the "
        "next build whose FLATTR_MANIFEST names it replaces it\n"
    )
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    assert audit_command(["audit", str(output)]) == 0


def test_a_manifest_saved_with_a_byte_order_mark_is_read_and_replaced(
    tmp_path, flattr_log
):
    # An operator's editor may save UTF-8 with a mark first: the audit, diff
    # and the next build must still know the manifest.
    output = build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    path = output / "flattr-manifest.json"
    written = path.read_text("utf-8")
    path.write_text("\ufeff" + written, "utf-8")
    assert not_a_manifest(path) is None
    assert len(load_manifest(path)["things"]) == 4
    assert audit_command(["audit", str(output)]) == 0
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    assert path.read_text("utf-8") == written
    assert not [r for r in flattr_log.records if r.levelname == "ERROR"]


def test_a_large_file_is_known_by_its_head(tmp_path, flattr_log):
    # A site of 20,000 things has a manifest of megabytes: its header is
    # enough to know it, and the rest is not read (nor valid JSON, here).
    output = build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    path = output / "flattr-manifest.json"
    header = path.read_text().partition('"things": [')[0]
    path.write_text(header + '"things": [\n    {"cut off": "' + "x" * 10**6)
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    assert len(load_manifest(path)["things"]) == 4
    # A large file of something else stays, whatever its tail holds.
    other = '{"things": [' + "1, " * 10**5 + '1], "schema_version": 1}\n'
    path.write_text(other)
    build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    assert path.read_text() == other
    assert any("no manifest was written" in r.getMessage() for r in flattr_log.records)


# Ctrl-C is no Exception: the temporary file must go all the same.
@pytest.mark.parametrize("stop", [RuntimeError, KeyboardInterrupt])
def test_atomic_write_leaves_no_temporary_files(tmp_path, stop):
    target = tmp_path / "out" / "m.json"
    write_atomically(target, "one\n")
    write_atomically(target, "two\n")
    assert target.read_text() == "two\n"
    assert [p.name for p in target.parent.iterdir()] == ["m.json"]

    def chunks_then_failure():
        yield "three\n"
        raise stop("the build stopped half-way")

    with pytest.raises(stop):
        write_atomically(target, chunks_then_failure())
    assert target.read_text() == "two\n"  # the old manifest, whole
    assert [p.name for p in target.parent.iterdir()] == ["m.json"]


def test_atomic_write_escapes_a_lone_surrogate_as_json_reads_it_back(tmp_path):
    # Text from a file name that is not UTF-8 holds one: written as its
    # JSON escape, not a UnicodeEncodeError that leaves no file at all.
    target = tmp_path / "m.json"
    name = b"caf\xe9.md".decode("utf-8", "surrogateescape")
    write_atomically(target, json.dumps({"source": name}, ensure_ascii=False))
    assert target.read_bytes() == b'{"source": "caf\\udce9.md"}'
    assert json.loads(target.read_text(encoding="utf-8")) == {"source": name}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "not a readable JSON manifest"),
        ("[" * 100_000, "not a readable JSON manifest (nested too deep)"),
        ("[]", "expected a JSON object"),
        ('{"schema_version": 99, "things": []}', "schema_version is 99"),
        ('{"schema_version": 1, "things": []}', "siteurl is missing"),
        (
            '{"schema_version": 1, "siteurl": "https://x.org/", "things": {}}',
            "things must be a JSON array, not object",
        ),
        (
            '{"schema_version": 1, "siteurl": "https://x.org/", "things": [{}]}',
            "things[0].url is missing",
        ),
        # json refuses integers of more than 4,300 digits with a ValueError.
        ('{"schema_version": ' + "1" * 5000 + "}", "not a readable JSON manifest"),
        ('{"schema_version": true, "things": []}', "schema_version is a boolean"),
        ('{"schema_version": null, "things": []}', "schema_version is a null"),
        # Another program's JSON: not one that wrote null there.
        ('{"things": []}', "no schema_version: not a pelican-flattr manifest"),
        # A value is never repeated: it could be an address.
        ('{"schema_version": "carol@example.org"}', "schema_version is a string"),
        # Saved as Latin-1 by an old editor: no UTF-8, and no traceback.
        (b'{"schema_version": 1, "title": "caf\xe9"}', "not a readable JSON manifest"),
    ],
)
def test_unreadable_manifests_name_the_file(tmp_path, text, says):
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ManifestError) as raised:
        load_manifest(path)
    assert str(path) in str(raised.value) and says in str(raised.value)
    assert "carol@" not in str(raised.value)
    with pytest.raises(ManifestError, match="no such manifest"):
        load_manifest(tmp_path / "missing.json")


def test_a_manifest_that_is_not_a_regular_file_is_refused_unread(tmp_path):
    fifo = tmp_path / "manifest.json"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    with pytest.raises(ManifestError, match="not a regular file"):
        load_manifest(fifo)
    with pytest.raises(ManifestError, match="a folder, not a manifest, and it holds"):
        load_manifest(tmp_path)


def test_a_folder_in_the_manifests_place_gets_no_advice_to_look_inside(tmp_path):
    # A folder left where the output's manifest goes was said to hold the
    # manifest (".../flattr-manifest.json/flattr-manifest.json").
    folder = tmp_path / "flattr-manifest.json"
    folder.mkdir()
    with pytest.raises(ManifestError) as raised:
        load_manifest(folder)
    assert str(raised.value) == (
        f"{folder}: a folder, not a manifest, and it holds none"
    )


VALID_THING = {
    "url": "https://x.org/a.html",
    "source": "a.md",
    "page": "a.html",
    "owner": {"kind": "email", "value": "email:" + "0" * 32},
    "title": "A title",
    "description": "A description",
    "category": "text",
    "language": "en_GB",
    "tags": ["a"],
    "hidden": False,
    "auto_submit_url": "https://flattr.com/submit/auto?url=https%3A%2F%2Fx.org%2Fa.html",
    "button": "plain",
    "feeds": [],
}


def _manifest_of(changed):
    """A manifest of VALID_THING with ``changed`` fields."""
    thing = {**VALID_THING, **changed}
    return {"schema_version": 1, "siteurl": "https://x.org/", "things": [thing]}


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        # A hand-edited manifest with a plain address: published with the
        # site if it were accepted, and the audit would pass it.
        ("owner", {"kind": "email", "value": "email:carol@example.org"}, "owner.value"),
        ("owner", {"kind": "twitter", "value": "twitter:carol"}, "owner.value"),
        ("url", "ftp://x.org/a", "url does not match"),
        ("language", "english", "language does not match"),
        ("auto_submit_url", "https://evil.example/submit", "auto_submit_url"),
        ("tags", ["a,b"], "tags[0] does not match"),
        ("title", "Abc", "title must be at least 5 characters long"),
        ("description", "x" * 1001, "description must be at most 1000 characters"),
        ("feeds", ["f.xml", "f.xml"], "feeds[1] repeats an earlier item"),
        # Half a character, as a file name that is not UTF-8 gives (json
        # writes it as a \uXXXX escape): no text to print nor compare.
        ("source", "caf\udce9.md", "things[0].source holds a \\uXXXX escape"),
        ("tags", ["a", "b\ud800"], "things[0].tags[1] holds a \\uXXXX escape"),
        # JSON Schema's "$" (ECMA-262) ends the text; Python's also matched
        # before a last newline.
        ("language", "en_GB\n", "language does not match"),
        ("owner", {"kind": "email", "value": f"email:{'a' * 32}\n"}, "owner.value"),
        # The build refuses an "@" in a partner id: an address kept as is.
        ("owner", {"kind": "partner", "value": "partner:a:carol@x.org"}, "owner.value"),
    ],
)
def test_fields_are_checked_by_the_schemas_patterns(tmp_path, field, value, says):
    path = tmp_path / "m.json"
    document = _manifest_of({field: value})
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestError, match=re.escape(says)) as raised:
        load_manifest(path)
    assert "things[0]" in str(raised.value)
    assert "carol" not in str(raised.value)
    path.write_text(json.dumps({**document, "things": [VALID_THING]}))
    assert load_manifest(path)["things"] == [VALID_THING]


def test_feed_payment_links_is_checked(tmp_path):
    path = tmp_path / "m.json"
    schema = json.loads(SCHEMA_PATH.read_text())
    listed = {**VALID_THING, "feeds": ["feeds/all.atom.xml"]}

    def document(things, **header):
        return {
            "schema_version": 1,
            "siteurl": "https://x.org/",
            "things": things,
            **header,
        }

    # Absent (an older manifest) or true: a thing may list its feeds.
    for header in ({}, {"feed_payment_links": True}):
        path.write_text(json.dumps(document([listed], **header)))
        assert load_manifest(path)["things"] == [listed]
    accepted = document([VALID_THING], feed_payment_links=False)
    path.write_text(json.dumps(accepted))
    assert load_manifest(path)["feed_payment_links"] is False
    jsonschema.validate(accepted, schema)
    # A value is never repeated: it could be an address.
    path.write_text(json.dumps(document([], feed_payment_links="carol@example.org")))
    with pytest.raises(ManifestError) as raised:
        load_manifest(path)
    assert "feed_payment_links must be a JSON boolean, not string" in str(raised.value)
    assert "carol" not in str(raised.value)
    # Off, yet a thing says a feed carries its link: the audit would both
    # require that link and refuse it.
    contradictory = document([VALID_THING, listed], feed_payment_links=False)
    path.write_text(json.dumps(contradictory))
    with pytest.raises(
        ManifestError,
        match=re.escape(
            "things[1].feeds must be empty when feed_payment_links is false"
        ),
    ):
        load_manifest(path)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(contradictory, schema)


def test_a_thing_of_the_first_version_has_neither_page_nor_feeds(tmp_path):
    # The first version wrote schema version 1 without things[].page and
    # things[].feeds; a JSON Schema validator and the loader read such a
    # manifest, and refuse a thing with only one of the two, which no
    # version wrote.
    schema = json.loads(SCHEMA_PATH.read_text())
    first = Path(__file__).parent / "fixtures" / "manifest-first-version.json"
    document = json.loads(first.read_text())
    jsonschema.validate(document, schema)
    assert load_manifest(first) == document
    with pytest.raises(ManifestError, match=re.escape("things[0] has no page and no")):
        load_manifest(first, pages_and_feeds=True)
    path = tmp_path / "m.json"
    for kept, missing in (("page", "feeds"), ("feeds", "page")):
        thing = {k: v for k, v in VALID_THING.items() if k != missing}
        broken = {"schema_version": 1, "siteurl": "https://x.org/", "things": [thing]}
        path.write_text(json.dumps(broken))
        says = f"things[0].{missing} is missing (it goes with things[0].{kept})"
        with pytest.raises(ManifestError, match=re.escape(says)):
            load_manifest(path)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


# JSON values that sit on either side of the schema's rules: lengths at
# their bounds, look-alike types (true for 1, "1" for true), repeats.
_json_values = st.one_of(
    st.sampled_from(
        ["", "abcd", "abcde", "x" * 100, "x" * 101, "x" * 1000, "x" * 1001]
    ),
    st.sampled_from(["text", "plain", "email", "en_GB", "https://x.org/"]),
    st.sampled_from(["../x.html", "a\\..\\x", "/x.html", "C:\\x", "a\0b", "a/..x"]),
    st.booleans(),
    st.integers(-1, 2),
    st.none(),
    st.lists(st.sampled_from(["a", "b", "", "a,b", 1, True]), max_size=3),
    st.builds(dict),  # a new one each time: the edits below change it
)
_THING_FIELDS = [*sorted(VALID_THING), "titel"]
_OWNER_FIELDS = ["kind", "value", "extra"]
_HEADER_FIELDS = ["siteurl", "open_graph", "feed_payment_links", "things", "sitename"]


@st.composite
def _edited_manifests(draw):
    """A valid manifest with a few fields replaced, added or removed, as a
    hand edit (or a newer or broken writer) would leave it."""
    thing = json.loads(json.dumps(VALID_THING))
    document = {"schema_version": 1, "siteurl": "https://x.org/", "things": [thing]}
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["thing", "owner", "header"]))
        if where == "thing":
            target, fields = thing, _THING_FIELDS
        elif where == "owner" and isinstance(thing.get("owner"), dict):
            target, fields = thing["owner"], _OWNER_FIELDS
        elif where == "header":
            target, fields = document, _HEADER_FIELDS
        else:
            continue
        field = draw(st.sampled_from(fields))
        if draw(st.booleans()) and field in target:
            del target[field]
        else:
            target[field] = draw(_json_values)
    return document


def _ecma_pattern(validator, pattern, instance, schema):
    """JSON Schema's pattern keyword read as its regex dialect, ECMA-262,
    reads it: a "$" that ends the pattern ends the text (jsonschema uses
    Python's, where it also matches before a last newline)."""
    if not isinstance(instance, str):
        return
    if pattern.endswith("$"):
        pattern = pattern[:-1] + r"\Z"
    if re.search(pattern, instance) is None:
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_ECMA_PATTERNS = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)


@settings(max_examples=400, deadline=None)
@given(document=_edited_manifests())
# Lengths at the schema's bounds, which the loader must take as it does.
@example(document=_manifest_of({"title": "x" * 100, "description": "x" * 1000}))
@example(document=_manifest_of({"title": "abcde", "description": "abcde"}))
def test_the_loader_refuses_what_the_schema_refuses(tmp_path_factory, document):
    # The audit reads the manifest without a JSON Schema library; a manifest
    # that a consumer validating by the schema refuses must not pass it, nor
    # the other way round.
    validator = _ECMA_PATTERNS(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    errors = list(validator.iter_errors(document))
    path = tmp_path_factory.mktemp("edited") / "m.json"
    path.write_text(json.dumps(document))
    try:
        load_manifest(path)
    except ManifestError as refused:
        assert errors, f"refused a manifest the schema accepts: {refused}"
        assert str(path) in str(refused)
    else:
        assert not errors, f"accepted what the schema refuses: {errors[0].message}"


_things = st.builds(
    Thing,
    url=st.text(max_size=30).map(lambda path: "https://example.org/" + path),
    owner=_owner,
    title=_text,
    description=_text,
    category=st.sampled_from(CATEGORIES),
    language=st.just("en_GB"),
    tags=st.lists(_tag, max_size=4, unique=True).map(tuple),
    hidden=st.booleans(),
)


# The thing of the examples below, whose file names are the point.
_A_THING = Thing(
    "https://example.org/a", parse_owner("alice"), "A title", "Words.", "text", "en_GB"
)


def _sorted_dump(entry):
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    # Line ends to str.splitlines(), which the manifest writes as escapes.
    for character in "\x85\u2028\u2029":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return text


def manifest_entry(
    content_thing: ContentThing,
    feeds: Iterable[str] = (),
    auto_submit_url: str | None = None,
    button_style: str | None = None,
) -> dict[str, Any]:
    """The manifest's record of one thing as the dict ``load_manifest``
    reads back, from the thing's fields one by one: what ``manifest_line``,
    which puts the JSON text together for speed, must dump."""
    thing = content_thing.thing
    return {
        "auto_submit_url": auto_submit_url or thing.auto_submit_url,
        "button": button_style or content_thing.button_style,
        "category": thing.category,
        "description": thing.description,
        "feeds": sorted({portable_path(feed) for feed in feeds}),
        "hidden": thing.hidden,
        "language": thing.language,
        "owner": {"kind": thing.owner.kind, "value": thing.owner.value},
        "page": portable_path(content_thing.page),
        "source": portable_path(content_thing.source),
        "tags": list(thing.tags),
        "title": thing.title,
        "url": thing.url,
    }


@given(
    thing=_things,
    source=st.text(max_size=20),
    feeds=st.lists(st.text(max_size=10), max_size=3),
    # What the page set aside, and the style a template chose: or none.
    url=st.none() | st.text(min_size=1, max_size=30),
    style=st.sampled_from([None, "plain", "js", "compact"]),
    page=st.text(max_size=20),
)
# A feed whose name is not UTF-8 (a lone surrogate): the entry escapes it as
# the plugin does before manifest_line, or the manifest could not be written.
@example(
    thing=_A_THING,
    source="a.md",
    feeds=["feeds/\udcff.xml", "feeds/all.xml"],
    url=None,
    style=None,
    page="page.html",
)
# A source and its page named after a file whose name is not UTF-8: both
# escaped, as the feeds are.
@example(
    thing=_A_THING,
    source="caf\udce9.md",
    feeds=[],
    url=None,
    style=None,
    page="caf\udce9.html",
)
# Line ends to str.splitlines(), in a thing URL (a slug), a title, a feed.
@example(
    thing=Thing(
        "https://example.org/a\u2028b",
        parse_owner("alice"),
        "A\x85title\u2029",
        "Words.",
        "text",
        "en_GB",
    ),
    source="a\u2028.md",
    feeds=["feeds/\u2029.xml"],
    url=None,
    style=None,
    page="a\u2028b.html",
)
def test_manifest_line_is_its_entry_dumped_with_sorted_keys(
    thing, source, feeds, url, style, page
):
    content_thing = ContentThing(thing, source, page, "plain")
    # manifest_line takes feeds as the plugin records them, escaped once.
    recorded = [portable_path(feed) for feed in feeds]
    line = manifest_line(content_thing, recorded, url, style)
    assert line == _sorted_dump(manifest_entry(content_thing, feeds, url, style))
    written = json.loads(line)
    assert written["auto_submit_url"] == (url or thing.auto_submit_url)
    assert written["button"] == (style or "plain")


@given(st.dictionaries(st.text(max_size=30), st.text(max_size=300), max_size=40))
def test_url_spool_gives_back_what_it_kept(urls):
    spool = UrlSpool()
    kept = {}
    for key, url in urls.items():
        for value in ("stale" + url, url):  # the last one kept wins
            spool.put(key, value)
            kept[key] = value
            # Reading the oldest between writes must not move the next write.
            oldest = next(iter(kept))
            assert spool.get(oldest) == kept[oldest]
    # Read back out of order, as the manifest does (sorted by thing URL).
    for key in sorted(urls, reverse=True):
        assert spool.get(key) == urls[key]
        assert spool.has(key) is True
    assert spool.get("k" * 31) is None  # longer than any key kept
    assert spool.has("k" * 31) is False
    spool.close()
    assert all(spool.get(key) is None for key in urls)


def test_url_spool_keeps_no_url_its_span_cannot_hold():
    # A span holds a URL's length in 24 bits: a URL of 16 MiB is not kept
    # (the manifest builds it again), rather than read back as another.
    spool = UrlSpool()
    spool.put("https://example.org/a", "x" * (1 << 24))
    spool.put("https://example.org/b", "kept")
    assert spool.get("https://example.org/a") is None
    assert spool.get("https://example.org/b") == "kept"
    spool.close()


def test_manifest_takes_the_kept_auto_submit_url():
    thing = Thing(
        "https://example.org/a",
        parse_owner("alice"),
        "A title",
        "Words.",
        "text",
        "en_GB",
        (),
        False,
    )
    content_thing = ContentThing(thing, "a.md", "a.html", "plain")
    text = "".join(
        manifest_chunks(
            "https://example.org", [content_thing], {}, {thing.url: "kept"}.get
        )
    )
    assert json.loads(text)["things"][0]["auto_submit_url"] == "kept"
    text = "".join(manifest_chunks("https://example.org", [content_thing], {}, {}.get))
    assert json.loads(text)["things"][0]["auto_submit_url"] == thing.auto_submit_url


def test_content_file_name_that_is_not_utf8(tmp_path, flattr_log):
    content = tmp_path / "content"
    content.mkdir()
    name = b"caf\xe9.md"  # Latin-1, as an old editor might have saved it
    with open(bytes(content) + b"/" + name, "w", encoding="utf-8") as stream:
        stream.write(article("Third article about coffee", "Alice"))
    output = build(tmp_path, files(), FLATTR_AUTHORS=AUTHORS)
    # The manifest is written, valid UTF-8 and valid by its schema; the name
    # is recorded with the byte escaped, and the build log says so.
    data = (output / "flattr-manifest.json").read_bytes()
    document = load_manifest(output / "flattr-manifest.json")
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(json.loads(data.decode("utf-8")), schema)
    sources = [thing["source"] for thing in document["things"]]
    assert "caf\\xe9.md" in sources and len(sources) == 5
    assert any("caf\\xe9.md" in r.getMessage() for r in flattr_log.records)


# A name holding the text of an escape ("\\xe9") reads as one holding the
# byte: the one name portable_path does not keep apart.
_ESCAPE_TEXT = re.compile(rb"\\x[89a-f][0-9a-f]")


@given(name=st.binary(max_size=40) | st.text(max_size=20).map(os.fsencode))
@example(name=b"caf\xe9.md")
@example(name=b"\\\xe9\xff\\x")  # a backslash before a byte escaped, and after
@example(name="årsmöte/ä.md".encode())  # UTF-8, which no escape touches
@example(name=b"\xc3")  # the first byte of a character alone
def test_portable_path_bytes_reverses_portable_path(name):
    # pelican-flattr diff --content looks for a manifest's source with it:
    # joined as text, "caf\\xe9.md" named no file, and the source that was
    # still there was said to have disappeared.
    assume(_ESCAPE_TEXT.search(name) is None)
    assert portable_path_bytes(portable_path(os.fsdecode(name))) == name


def test_line_separators_in_a_name_keep_one_thing_per_line(tmp_path):
    # U+0085, U+2028 and U+2029 end a line for str.splitlines() (and for
    # JavaScript before ES2019, in a string), and json writes them as they
    # are: a file name or a slug holding one split a thing's line in two,
    # in the manifest and in the URL guard's baseline.
    name = "line\u2028sep\u2029para\x85nel.md"
    content = tmp_path / "content"
    content.mkdir()
    try:
        (content / name).write_text(article("Separators in a name"), "utf-8")
    except OSError:
        pytest.skip("this file system refuses the name")
    slug = "slug\u2028para\u2029nel\x85x"
    output = build(
        tmp_path,
        {"s.md": article("Separators in a slug", Slug=slug)},
        FLATTR_USERNAME="alice",
        FEED_ALL_ATOM="feeds/all\u2028.atom.xml",
    )
    manifest = output / "flattr-manifest.json"
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    for path in (manifest, baseline):
        text = path.read_text(encoding="utf-8")
        assert text.splitlines() == text.split("\n")[:-1], path.name
        assert "\\u2028" in text and "\\u0085" in text
    things = load_manifest(manifest)["things"]
    lines = manifest.read_text(encoding="utf-8").splitlines()
    read = [json.loads(line.rstrip(",")) for line in lines if line.startswith("    ")]
    assert read == things
    by_source = {thing["source"]: thing for thing in things}
    assert by_source[name]["feeds"] == ["feeds/all\u2028.atom.xml"]
    # U+0085 is a C1 control, which a thing URL holds percent-encoded.
    url = f"{SITEURL}/{slug}.html".replace("\x85", "%C2%85")
    assert by_source["s.md"]["url"] == url
    assert by_source["s.md"]["page"] == f"{slug}.html"
    assert {entry["source"] for entry in load_baseline(baseline)} == {name, "s.md"}


# Python without its UTF-8 mode in the C locale: the file system's encoding
# is ASCII, and a name's other bytes reach Python as lone surrogates.
ASCII_LOCALE = {"PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0", "LC_ALL": "C"}


def build_in_the_c_locale(folder: Path, **settings: object) -> list[str]:
    """The plugin's warnings and errors of a build of the content already
    in ``folder``, in a child Python whose file system encoding is ASCII."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD_BUILD,
            str(TESTS),
            str(folder),
            json.dumps([{}, settings]),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=TESTS,
        env=child_env(**ASCII_LOCALE),
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.splitlines()[-1])
    assert result["status"] == 0, result
    return result["messages"]


def test_a_utf8_file_name_is_the_same_name_under_an_ascii_locale(tmp_path, flattr_log):
    # Under the C locale, the build warned that årsmöte/post-00-ä.md "is not
    # valid UTF-8", and its baseline kept the name's bytes as surrogates: a
    # build under a UTF-8 locale sharing it took the file for another, which
    # had taken the first one's thing URL, and a build in the C locale after
    # that one took it for a file gone, its URL change unsaid.
    probe = [sys.executable, "-c", "import sys; print(sys.getfilesystemencoding())"]
    encoding = subprocess.run(
        probe, capture_output=True, text=True, check=True, env=child_env(**ASCII_LOCALE)
    ).stdout.strip()
    if encoding != "ascii":
        pytest.skip(f"the C locale gives Python {encoding} here, not ASCII")
    name = "årsmöte/post-00-ä.md"
    (tmp_path / "content" / "årsmöte").mkdir(parents=True)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    for step, locale in enumerate(("C", "C", "UTF-8", "C")):
        # A new slug each time: each build reads the baseline, and says the
        # change from the first URL. Its own category: Pelican's from the
        # folder's name, surrogates in the pages, stops a build in the C
        # locale.
        text = article("Annual meeting", Category="Meetings", Slug=f"meeting-{step}")
        (tmp_path / "content" / name).write_text(text, "utf-8")
        if locale == "C":
            said = build_in_the_c_locale(tmp_path, FLATTR_USERNAME="site")
        else:
            flattr_log.clear()
            build(tmp_path, {}, FLATTR_USERNAME="site")
            said = [r.getMessage() for r in flattr_log.records]
        changed = f"pelican-flattr: {name}: thing URL changed from {SITEURL}/meeting-0"
        assert [line[: len(changed)] for line in said] == [changed] * (step > 0)
        output = tmp_path / "output" / "flattr-manifest.json"
        (thing,) = load_manifest(output)["things"]
        assert thing["source"] == name, step
        (entry,) = json.loads(baseline.read_text(encoding="utf-8"))["things"]
        assert entry["source"] == name, step


@pytest.mark.parametrize("indent", [None, 2], ids=["a line each", "pretty-printed"])
def test_a_baseline_written_under_an_ascii_locale_names_files_as_utf8_does(
    tmp_path, indent
):
    # An earlier version wrote a name's UTF-8 bytes as surrogates under the
    # C locale: read under a UTF-8 one, "\udcc3\udca5" is the file "å". A
    # byte that is no UTF-8 stays what Python makes of it.
    things = [
        {"owner": "site", "source": "\udcc3\udca5r.md", "url": "https://x.example/a"},
        {"owner": "site", "source": "caf\udce9.md", "url": "https://x.example/b"},
    ]
    document = {"baseline_version": 1, "things": things}
    path = tmp_path / "url-baseline.json"
    if indent is None:
        lines = ",\n".join(f"    {json.dumps(thing)}" for thing in things)
        text = f'{{\n  "baseline_version": 1,\n  "things": [\n{lines}\n  ]\n}}\n'
    else:
        text = json.dumps(document, indent=indent)
    path.write_text(text, encoding="utf-8")
    sources = set()
    read = [thing["source"] for thing in load_baseline(path, sources=sources)]
    assert read == ["\u00e5r.md", "caf\udce9.md"]
    assert sources == set(read)


def test_a_gzip_copy_cut_short_is_left_without_a_traceback(tmp_path, flattr_log):
    # gzip says a file cut short with EOFError, no OSError: the build that
    # removes an earlier manifest and its copies must not end on one.
    files = {"a.md": article("Some article", "Alice")}
    output = build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    manifest = output / "flattr-manifest.json"
    whole = gzip.compress(manifest.read_bytes())
    copy = output / "flattr-manifest.json.gz"
    copy.write_bytes(whole[: len(whole) // 2])
    flattr_log.clear()
    build(tmp_path, files, SITEURL="")  # refused settings: no things
    assert not manifest.exists()
    assert copy.read_bytes() == whole[: len(whole) // 2]  # not known as a copy
    assert not [r for r in flattr_log.records if r.exc_info]


# A Pelican plugin for the child build below: the kernel refuses to let any
# file grow past LIMIT bytes once the pages are about to be written
# (RLIMIT_FSIZE, its signal ignored, so that a write fails with EFBIG as on
# a full disk), until they are written, or with LIMIT_KEPT=1 to the end of
# the build: the manifest's writing too. Pages stay under it; the URL spool
# (a file of every page's URL) and the manifest do not.
_FILE_SIZE_LIMIT = """
import os, resource, signal
from pelican import signals

LIMIT = 12_000

def _limit(*args, **kwargs):
    resource.setrlimit(
        resource.RLIMIT_FSIZE, (LIMIT, resource.getrlimit(resource.RLIMIT_FSIZE)[1])
    )

def _lift(*args, **kwargs):
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))

def register():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signals.all_generators_finalized.connect(_limit)
    if not os.environ.get("LIMIT_KEPT"):
        signals.page_writer_finalized.connect(_lift)
"""

_CHILD = """
import json, sys
from pathlib import Path
tests, folder, plugins = sys.argv[1:]
sys.path.insert(0, tests)
from conftest import article, build, i18n_build
body = " ".join(["A long enough description for its auto-submit URL."] * 30)
files = {f"a{n}.md": article(f"Article {n}", "Alice", body) for n in range(40)}
build(Path(folder), files, theme="simple", PLUGIN_PATHS=[plugins],
      PLUGINS=["file_size_limit", "pelican_flattr"], DEFAULT_PAGINATION=2,
      FLATTR_AUTHORS={"Alice": "alice"})
"""


def _build_with_file_size_limit(tmp_path, **env):
    """Build 40 articles into ``tmp_path/site`` in a child Python, under
    ``_FILE_SIZE_LIMIT`` (``env``: for the child); Pelican's log on one
    line a message."""
    import subprocess
    import sys

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "file_size_limit.py").write_text(_FILE_SIZE_LIMIT)
    site = str(tmp_path / "site")
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(TESTS), site, str(plugins)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=child_env(COLUMNS="2000", **env),
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "Traceback" not in child.stderr and "CRITICAL" not in child.stderr
    return child


def test_a_spool_the_disk_refuses_leaves_the_manifest_whole(tmp_path):
    from pelican_flattr.cli import main

    child = _build_with_file_size_limit(tmp_path)
    # The spool, off, can no longer tell which pages were completed: none
    # is said to be left unprepared.
    assert "could not prepare" not in child.stderr
    output = tmp_path / "site" / "output"
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    assert len(manifest["things"]) == 40
    # The manifest built the URLs again, as the pages hold them.
    assert main(["audit", str(output)]) == 0


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_an_atomic_write_gives_the_mode_a_write_in_place_would(tmp_path, umask):
    # As Pelican's pages get (mkstemp alone gives 0600): readable by a web
    # server running as another user, unless the umask says otherwise.
    target, link = tmp_path / "m.json", tmp_path / "link.json"
    old = os.umask(umask)
    try:
        write_atomically(target, "one\n")
        assert target.stat().st_mode & 0o777 == 0o666 & ~umask
        # The umask is read, not changed: the build's other files get it too.
        assert os.umask(umask) == umask
        os.chmod(target, 0o640)  # an operator's own mode stays
        write_atomically(target, "two\n")
        # Through a link, the file it names is written, and keeps its mode.
        (tmp_path / "kept").mkdir()
        kept = tmp_path / "kept" / "link.json"
        kept.write_text("")
        os.chmod(kept, 0o604)
        link.symlink_to(kept)
        write_atomically(link, "three\n")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o640
    assert link.is_symlink() and kept.read_text() == "three\n"
    assert kept.stat().st_mode & 0o777 == 0o604


def test_a_temporary_file_a_killed_build_left_is_removed(tmp_path):
    target = tmp_path / "m.json"
    left = tmp_path / ".m.json~k2_9xq0a"  # as mkstemp named them
    left.write_text("half a manifest")
    an_hour_ago = time.time() - 3600  # a build writing it would hold it
    os.utime(left, (an_hour_ago, an_hour_ago))
    # Not one of them: another name, longer than mkstemp's, another file's,
    # an operator's backup whose end has mkstemp's eight characters.
    kept = [
        ".m.json~notes",
        ".m.json~k2_9xq0a.bak",
        ".n.json~k2_9xq0a",
        ".m.json.original",
    ]
    for name in kept:
        (tmp_path / name).write_text("kept")
    write_atomically(target, "whole\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "m.json"])


@pytest.mark.parametrize("name", ["m" * 250 + ".json", "é" * 127], ids=["ascii", "cut"])
def test_a_file_name_as_long_as_one_may_be_is_written(tmp_path, name):
    # The temporary file's name is ten bytes longer: from 246 bytes on, the
    # manifest was refused and its folder blamed ("File name too long").
    # "é" is two bytes: the temporary name is cut within one.
    assert len(name.encode()) in (255, 254)
    target = tmp_path / name
    write_atomically(target, "first\n")
    assert target.read_text() == "first\n"
    # A killed build's leftover, named as the cut names it (at most its
    # first 245 bytes, never part of a character), is known as one and
    # removed by the next write.
    cut = name.encode()[:245].decode("utf-8", "ignore").encode()
    assert len(cut) == (245 if name.isascii() else 244)
    left = os.path.join(os.fsencode(tmp_path), b"." + cut + b"~k2_9xq0a")
    os.close(os.open(left, os.O_WRONLY | os.O_CREAT, 0o600))
    an_hour_ago = time.time() - 3600
    os.utime(left, (an_hour_ago, an_hour_ago))
    write_atomically(target, "second\n")
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert target.read_text() == "second\n"


def test_a_file_name_too_long_for_any_file_is_named_not_its_folder(tmp_path):
    target = tmp_path / ("m" * 251 + ".json")
    with pytest.raises(OSError) as refused:
        write_atomically(target, "whole\n")
    assert refused.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []


# Writes a file slowly, as a build writes a large manifest: each chunk once
# the parent has written the file beside it ("go"), after its own
# temporary file is made ("made").
_SLOW_WRITER = """
import sys, time
from pathlib import Path
from pelican_flattr.manifest import write_atomically
target = Path(sys.argv[1])
def chunks():
    yield '{"schema_version": 1,'
    (target.parent / "made").touch()
    while not (target.parent / "go").exists():
        time.sleep(0.01)
    yield ' "who": "slow"}'
write_atomically(target, chunks())
"""


def test_a_temporary_file_another_build_is_writing_is_left_alone(tmp_path):
    # Two builds into one output at once: the second one's write deleted
    # the first one's temporary file, as a killed build's leftover, and
    # the first failed with "cannot write ...: No such file or directory".
    import subprocess
    import sys

    target = tmp_path / "m.json"
    slow = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITER, str(target)],
        cwd=tmp_path,
        env=child_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not (tmp_path / "made").exists():
            assert slow.poll() is None, slow.stderr.read()
            time.sleep(0.01)
        (writing,) = tmp_path.glob(".m.json~*")
        # Written to an hour ago, as a large manifest on a slow disk may
        # have been: held open, it is no leftover all the same.
        an_hour_ago = time.time() - 3600
        os.utime(writing, (an_hour_ago, an_hour_ago))
        write_atomically(target, '{"schema_version": 1, "who": "quick"}')
        assert writing.exists()
    finally:
        (tmp_path / "go").touch()
        _, error = slow.communicate(timeout=60)
    assert slow.returncode == 0, error
    assert json.loads(target.read_text()) == {"schema_version": 1, "who": "slow"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["go", "m.json", "made"]


def test_a_ctrl_c_as_the_temporary_file_is_made_leaves_none(tmp_path):
    # A SIGINT that landed in mkstemp, once it had made the file and before
    # it returned its name, left a 0600 ".m.json~xxxxxxxx" that a deploy
    # before the next build published. Python raises KeyboardInterrupt at
    # the next bytecode after os.open returns; here, at its return.
    import sys

    target = tmp_path / "m.json"
    target.write_text("earlier\n")

    def interrupt(frame, event, arg):
        if event == "c_return" and arg is os.open:
            raise KeyboardInterrupt

    sys.setprofile(interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomically(target, "later\n")
    finally:
        sys.setprofile(None)
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert target.read_text() == "earlier\n"


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("page", "../../etc/passwd"),
        ("page", "/etc/passwd"),
        ("page", "posts/../../outside.html"),
        ("page", "x\0y.html"),
        ("feeds", "feeds/../../../etc/hostname"),
        # Absolute on Windows, where the audit would read it there.
        ("page", "C:/Windows/win.ini"),
        ("feeds", "c:\\x.xml"),
        ("page", "\\\\server\\share\\x.html"),
        # ".." between Windows separators climbs out there as well.
        ("page", "..\\..\\x.html"),
        ("feeds", "feeds\\..\\..\\x.xml"),
    ],
)
def test_a_page_or_feed_outside_the_output_folder_is_refused(
    site, capsys, field, written
):
    # The schema took them, and the audit read or looked for a file outside
    # the site ("is missing"), or failed on the NUL.
    output = site({"a.md": article("Article A", "Alice")}, FLATTR_USERNAME="alice")
    path = output / "flattr-manifest.json"
    manifest = json.loads(path.read_text())
    manifest["things"][0][field] = [written] if field == "feeds" else written
    path.write_text(json.dumps(manifest))
    assert audit_command(["audit", str(output)]) == 2
    named = "feeds[0]" if field == "feeds" else "page"
    assert (
        f"{path}: things[0].{named} is no path inside the output folder"
        in capsys.readouterr().err
    )
    # As the schema does, which a consumer validates by; diff too, which
    # reads what the schema allows.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(manifest, json.loads(SCHEMA_PATH.read_text()))
    assert audit_command(["diff", str(path), str(path)]) == 2


@pytest.mark.parametrize(
    "written",
    ["x.html", "a/...b/x.html", "..a/x.html", "a../x.html", "a/.../x", "C:x.html"],
)
def test_a_page_whose_name_has_dots_is_inside_the_output_folder(tmp_path, written):
    path = tmp_path / "m.json"
    document = _manifest_of({"page": written, "feeds": [written]})
    path.write_text(json.dumps(document))
    assert load_manifest(path, pages_and_feeds=True)["things"][0]["page"] == written
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))


def _with_thing_again(path: Path, target: Path, **changed: str) -> int:
    """Write to ``target`` the manifest at ``path`` with a copy of its
    things[2] appended (``changed`` fields replaced); its index."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["things"].append({**document["things"][2], **changed})
    target.write_text(json.dumps(document), encoding="utf-8")
    return len(document["things"]) - 1


@pytest.mark.parametrize(
    "changed", [{"source": "other.md"}, {}], ids=["another-source", "exact-copy"]
)
def test_a_thing_url_listed_twice_is_refused(sample_output, tmp_path, capsys, changed):
    # Accepted, the audit counted the thing twice and the diff took one for
    # the other: its URL "changed" to itself, or a source "disappeared".
    real = sample_output / "flattr-manifest.json"
    twice = tmp_path / "twice.json"
    index = _with_thing_again(real, twice, **changed)
    says = f"{twice}: things[{index}].url repeats things[2].url"
    capsys.readouterr()
    commands = [
        ["audit", str(sample_output), "--manifest", str(twice)],
        ["diff", str(real), str(twice)],
        ["diff", str(twice), str(real)],
        ["diff", str(real), str(twice), "--json"],
    ]
    for command in commands:
        assert audit_command(command) == 2, command
        said = capsys.readouterr()
        assert says in said.err + said.out, command
        assert "Traceback" not in said.err


def test_a_repeated_url_from_other_code_is_not_blamed_on_hand_editing(tmp_path):
    # manifest_chunks checks nothing (the build gives it one thing per
    # URL): code reusing it can write two, and the loader said the manifest
    # "was changed by hand", which no one had done.
    things = [ContentThing(_A_THING, name, "a.html", "plain") for name in "ab"]
    path = tmp_path / "m.json"
    write_atomically(path, manifest_chunks("https://example.org/", things))
    with pytest.raises(ManifestError) as refused:
        load_manifest(path)
    assert str(refused.value) == (
        f"{path}: things[1].url repeats things[0].url (a build writes one "
        "thing per URL, as Flattr keeps one): the manifest was changed by "
        "hand, or written by code other than pelican-flattr's build"
    )


# What a real build writes twice, in one manifest: a source read as an
# article and as a page (a file named in PAGE_PATHS, which keeps only
# folders out of ARTICLE_PATHS). A page that a Save_as override writes over
# another article's, as Pelican lets it, is the override's alone: the other
# article is published nowhere, and has no thing.
TWICE = {
    "about.md": article("About this site", "Alice"),
    "a.md": article("Article A in English", "Alice", lang="en", slug="a"),
    "a-fr.md": article("Article A en francais", "Bob", lang="fr", slug="a"),
    "b.md": article("Article B over A", "Bob", save_as="a.html"),
    "h.md": article("Hidden article", "Carol", status="hidden"),
    "pages/p.md": "Title: Page P\nAuthor: Alice\nSlug: p\n\nThe page P.\n",
    "pages/p-de.md": "Title: Seite P\nAuthor: Dan\nLang: de\nSlug: p\n\nSeite P.\n",
    "pages/hp.md": "Title: Hidden page\nAuthor: Dan\nStatus: hidden\n\nHidden.\n",
}


def test_what_a_real_build_writes_twice_is_read(site, capsys):
    output = site(
        TWICE,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
        PAGE_PATHS=["pages", "about.md"],
    )
    path = output / "flattr-manifest.json"
    things = load_manifest(path, pages_and_feeds=True)["things"]
    sources = [thing["source"] for thing in things]
    pages = [thing["page"] for thing in things]
    assert sources.count("about.md") == 2 and pages.count("a.html") == 1
    assert "a.md" not in sources and things[pages.index("a.html")]["source"] == "b.md"
    assert {"a-fr.md", "h.md", "pages/p-de.md", "pages/hp.md"} <= set(sources)
    assert audit_command(["diff", str(path), str(path)]) == 0
    assert "repeats" not in capsys.readouterr().err


def test_every_manifest_of_an_i18n_build_is_read(tmp_path):
    # Each language's site writes its own manifest, which lists the main
    # site's thing on its copy of an untranslated article.
    # Without the German page: with i18n_subsites, Pelican fails to write
    # de/pages/p.html twice, with or without this plugin.
    files = {name: text for name, text in TWICE.items() if name != "pages/p-de.md"}
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
        I18N_SUBSITES={"de": {}, "fr": {}},
        I18N_UNTRANSLATED_ARTICLES="keep",
    )
    assert built.status == 0, built.messages
    output = tmp_path / "output"
    for site in ("", "de", "fr"):
        path = output / site / "flattr-manifest.json"
        things = load_manifest(path, pages_and_feeds=True)["things"]
        assert "b.md" in [thing["source"] for thing in things]


def test_a_build_replaces_a_manifest_the_loader_refuses(tmp_path, flattr_log):
    # The build reads no more of the manifest it replaces than its head
    # (not_a_manifest): one that the audit refuses is replaced all the same,
    # without a word, by one that reads.
    files = {"a.md": article("Article A"), "b.md": article("Article B")}
    files["c.md"] = article("Article C")
    output = build(tmp_path, files, FLATTR_USERNAME="alice")
    path = output / "flattr-manifest.json"
    good = path.read_bytes()
    _with_thing_again(path, path, source="other.md")
    with pytest.raises(ManifestError, match=re.escape("things[3].url repeats")):
        load_manifest(path)
    build(tmp_path, files, FLATTR_USERNAME="alice")
    assert path.read_bytes() == good
    assert len(load_manifest(path)["things"]) == 3
    assert not [r for r in flattr_log.records if "manifest" in r.getMessage()]


# --- What a whole-module mutation review of finish.py found untested. ---


@pytest.mark.parametrize("made", [True, False])
def test_a_manifest_that_cannot_be_written_names_its_file(tmp_path, flattr_log, made):
    # FLATTR_MANIFEST may point anywhere: the system's error named the
    # temporary file beside it (".flattr-manifest.json~mgwjxlqj"), which
    # nobody set and which is gone by the time the message is read, so the
    # message names the manifest the operator set, then why it failed.
    # Here the folder refuses the temporary file, and the message said
    # "Permission denied" of the manifest, which may be writable: it names
    # the folder. The URL guard's baseline is written alike. In a folder
    # not made yet (not ``made``) inside the one that refuses, the message
    # said "no file can be made in" the folder that is not there: it names
    # the folder it could not make, and where.
    folder = tmp_path / "locked"
    folder.mkdir()
    inner = folder if made else folder / "new"
    path, baseline = inner / "flattr-manifest.json", inner / "base.json"
    with read_only(folder):
        build(
            tmp_path,
            {"a.md": article("Article A")},
            FLATTR_USERNAME="alice",
            FLATTR_MANIFEST=str(path),
            FLATTR_URL_BASELINE=str(baseline),
        )
    why = (
        f"no file can be made in its folder {folder} ("
        if made
        else f"its folder {inner} cannot be made in {folder} ("
    )
    (error,) = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    said = f"pelican-flattr: FLATTR_MANIFEST: cannot write {path}: {why}"
    assert error.startswith(said), error
    assert error.count(str(path)) == 1 and "Errno" not in error
    assert not path.exists()
    (warning,) = [m for m in flattr_log.messages if "FLATTR_URL_BASELINE:" in m]
    assert warning.startswith(
        "pelican-flattr: FLATTR_URL_BASELINE: cannot keep the URL guard's "
        f"baseline {baseline}: {why}"
    ), warning
    assert "Errno" not in warning
    assert warning.endswith(
        f"fix the permissions of {folder}, so that the user this build runs as "
        f"({pwd.getpwuid(os.geteuid()).pw_name}) may write there, or point "
        "FLATTR_URL_BASELINE at a file in a folder that user may write in"
    ), warning


def test_an_earlier_manifest_a_build_cannot_replace_is_said_not_to_deploy(
    tmp_path, flattr_log
):
    # A build that cannot write its manifest (here: the folder refuses
    # every change) cannot remove the earlier one either: it says so,
    # since a deploy would publish it with pages that lack its buttons.
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "flattr-manifest.json"
    files = {"a.md": article("Article A")}
    settings = {"FLATTR_USERNAME": "alice", "FLATTR_MANIFEST": str(path)}
    build(tmp_path, files, **settings)
    earlier = path.read_bytes()
    files["b.md"] = article("Article B")
    flattr_log.clear()
    with read_only(folder):
        build(tmp_path, files, **settings)
    assert path.read_bytes() == earlier
    (warning,) = [m for m in flattr_log.messages if "cannot remove" in m]
    assert warning.startswith(
        "pelican-flattr: FLATTR_MANIFEST: cannot remove the manifest of an "
        f"earlier build, {path}, though this build could not write its own: "
        "do not deploy this output with it: "
    ), warning


def test_a_build_that_cannot_write_its_manifest_removes_the_earlier_one(
    tmp_path, capsys
):
    # A full disk: the build said "cannot write ...: File too large" and
    # left the earlier manifest, which a deploy published with pages that
    # no longer had its buttons, as a strict build or one whose settings
    # were refused does not.
    site = tmp_path / "site"
    build(site, {"a0.md": article("Article 0", "Alice")}, FLATTR_USERNAME="alice")
    manifest = site / "output" / "flattr-manifest.json"
    assert manifest.exists()
    child = _build_with_file_size_limit(tmp_path, LIMIT_KEPT="1")
    log = " ".join(child.stderr.split())
    assert f"FLATTR_MANIFEST: cannot write {manifest}: File too large" in log, log
    assert (
        f"removed the manifest of an earlier build: {manifest}, since this build "
        "could not write its own: its pages may lack the buttons it describes"
    ) in log, log
    assert not manifest.exists()
    # The audit refuses the output, as it does a strict build's that failed.
    capsys.readouterr()
    assert audit_command(["audit", str(site / "output")]) == 2
    assert "no such manifest" in capsys.readouterr().err


def test_a_manifest_kept_through_a_link_is_written_and_removed_through_it(
    tmp_path, flattr_log, capsys
):
    # The link is the operator's: a failed strict build removes the
    # manifest it names, and the next build writes it there again.
    kept = tmp_path / "kept" / "manifest.json"
    kept.parent.mkdir()
    kept.touch()  # as the README says, for its first build
    link = tmp_path / "manifest.json"
    link.symlink_to(kept)
    files = {"a.md": article("Article A")}
    build(tmp_path, files, FLATTR_USERNAME="alice", FLATTR_MANIFEST=str(link))
    assert link.is_symlink() and "Article A" in kept.read_text()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            files,
            FLATTR_USERNAME="alice",
            FLATTR_MANIFEST=str(link),
            FLATTR_BUTTON="no such style",
            FLATTR_STRICT=True,
        )
    # Emptied, not deleted: the build writes through no link to a file
    # that is not there.
    assert link.is_symlink() and kept.read_text() == ""
    assert any(
        f"removed the manifest of an earlier build: {kept} (emptied, as the link "
        f"{link} names it)" in message
        for message in flattr_log.messages
    ), flattr_log.messages
    # The audit says why there is none, as of a removed manifest.
    capsys.readouterr()
    output = str(tmp_path / "output")
    assert audit_command(["audit", output, "--manifest", str(link)]) == 2
    err = capsys.readouterr().err
    assert f"{link}: an empty file where its link points ({kept})" in err, err
    assert "a strict build that failed, removes the manifest" in err, err
    build(tmp_path, files, FLATTR_USERNAME="alice", FLATTR_MANIFEST=str(link))
    assert link.is_symlink() and "Article A" in kept.read_text()


_NOT_THERE = (
    "is a link to {target}, which is not there: the build makes no file "
    "through a link (one put there could have it write anywhere); make it "
    "first, empty (touch {target}), or remove the link"
)


_ANOTHER_NAME = (
    "is a link to {target}, a file of another name: the build writes through a "
    "link only to a file named as the link is (m.json), as one put there could "
    "name any file; point it at one so named, or remove it"
)


@pytest.mark.parametrize(
    ("target", "refused"),
    [
        # Not told to make the file a planted link names.
        ("victim/.profile", _ANOTHER_NAME),
        # Named as a manifest, in a folder a shell sources: no better.
        ("victim/m.json", _NOT_THERE),
        (
            "victim/new/m.json",
            _NOT_THERE.replace("(touch", "(mkdir -p {target.parent} && touch"),
        ),
        ("folder/m.json", "is a link to {target}, not a file"),
        ("victim/config.json", _ANOTHER_NAME),
    ],
    ids=["another-name", "same-name", "missing-folder", "folder", "existing"],
)
def test_a_link_planted_where_a_file_is_written_is_not_written_through(
    tmp_path, target, refused
):
    # A link in an output or a cache a CI restores may be planted: written
    # through wherever it pointed, it had the build make ~/.profile, holding
    # article titles, and the folders on its way.
    (tmp_path / "victim").mkdir()
    config = tmp_path / "victim" / "config.json"
    config.write_text('{"schema_version": 3, "api_key": "secret"}')
    (tmp_path / "folder" / "m.json").mkdir(parents=True)
    named = tmp_path / target
    link = tmp_path / "out" / "m.json"
    link.parent.mkdir()
    link.symlink_to(named)
    with pytest.raises(OSError) as refusal:
        write_atomically(link, '{"schema_version": 1}\n')
    assert refusal.value.filename == str(link)
    assert refusal.value.strerror == refused.format(target=named)
    assert link.is_symlink()
    assert [p.name for p in (tmp_path / "victim").iterdir()] == ["config.json"]
    assert "secret" in config.read_text()
    assert [p.name for p in link.parent.iterdir()] == ["m.json"]


def test_a_manifest_behind_a_link_the_build_refuses_is_said_to_be_left(
    tmp_path, flattr_log
):
    # A CI's link from before the link rule, to a file of another name: the
    # failed build neither wrote nor removed the earlier manifest there, and
    # said nothing of it, where the README says a failed build removes it.
    files = {"a.md": article("Article A")}
    output = build(tmp_path, files, FLATTR_USERNAME="alice")
    kept = tmp_path / "kept" / "site-manifest.json"
    kept.parent.mkdir()
    manifest = output / "flattr-manifest.json"
    manifest.rename(kept)
    manifest.symlink_to(kept)
    earlier = kept.read_text()
    build(tmp_path, files, FLATTR_USERNAME="alice", FLATTR_BUTTON="no such style")
    assert kept.read_text() == earlier
    (message,) = [m for m in flattr_log.messages if "is left as it is" in m]
    assert message == (
        "pelican-flattr: FLATTR_MANIFEST: the manifest of an earlier build behind "
        f"{manifest} is left as it is, though this build made no things; "
        f"{manifest} is a link to {kept}, a file of another name: the build "
        "writes through a link only to a file named as the link is "
        "(flattr-manifest.json), as one put there could name any file; point it "
        "at one so named, or remove it"
    )


def test_a_build_never_writes_through_a_manifest_link_planted_in_the_output(
    tmp_path, flattr_log
):
    files = {"a.md": article("Article A")}
    output = build(tmp_path, files, FLATTR_USERNAME="alice")
    victim = tmp_path / "victim"
    victim.mkdir()
    manifest = output / "flattr-manifest.json"
    manifest.unlink()
    manifest.symlink_to(victim / "profile.sh")
    build(tmp_path, files, FLATTR_USERNAME="alice")
    assert list(victim.iterdir()) == []
    (message,) = [m for m in flattr_log.messages if "cannot write" in m]
    assert message.startswith(
        f"pelican-flattr: FLATTR_MANIFEST: cannot write {manifest}: is a link to "
        f"{victim / 'profile.sh'}, a file of another name"
    ), message


@pytest.mark.parametrize("suffix", [".br", ".zst", ".gz"])
def test_a_compressed_copy_that_is_a_link_is_removed_not_what_it_names(
    tmp_path, flattr_log, suffix
):
    # Only its name vouches for a Brotli or zstd copy: through a link
    # planted beside the manifest, a build that removed the manifest
    # deleted whatever file the link named.
    files = {"a.md": article("Article A")}
    output = build(tmp_path, files, FLATTR_USERNAME="alice")
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    copy = output / f"flattr-manifest.json{suffix}"
    if suffix == ".gz":  # read, so a copy of the manifest
        precious.write_bytes(
            gzip.compress((output / "flattr-manifest.json").read_bytes())
        )
    copy.symlink_to(precious)
    build(tmp_path, files, FLATTR_USERNAME="alice", FLATTR_BUTTON="no such style")
    assert not (output / "flattr-manifest.json").exists()
    assert not copy.is_symlink() and not copy.exists()
    assert precious.is_file()


def test_a_later_build_without_the_plugin_leaves_the_manifest_alone(tmp_path):
    # Blinker keeps the plugin's receivers connected for the life of the
    # process: a later Pelican without the plugin in PLUGINS (a script that
    # builds two sites) still calls them. Idle, they must not take it for
    # a build whose settings were refused and remove the manifest that the
    # last build with the plugin wrote.
    files = {"a.md": article("Article A")}
    output = build(tmp_path, files, FLATTR_USERNAME="alice")
    manifest = output / "flattr-manifest.json"
    written = manifest.read_bytes()
    build(tmp_path, files, PLUGINS=[])
    assert manifest.read_bytes() == written


# --- Where a manifest (and a baseline) lands, and how it is named. ---


def test_a_manifest_beyond_the_output_folder_is_named_where_it_lies(
    tmp_path, caplog, capsys
):
    # Joined with the output folder half-way, it was named
    # "output/../private/flattr.json": neither the path set nor the file.
    caplog.set_level("INFO", logger="pelican_flattr")
    output = build(
        tmp_path,
        {"a.md": article("Article A")},
        FLATTR_USERNAME="alice",
        FLATTR_MANIFEST="../private/flattr.json",
    )
    where = os.path.realpath(tmp_path / "private" / "flattr.json")
    assert f"pelican-flattr: 1 thing, manifest {where}" in caplog.messages
    # The audit names it so, from the same setting.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_MANIFEST = '../private/flattr.json'\n")
    os.remove(where)
    capsys.readouterr()
    assert audit_command(["audit", str(output), "--settings", str(conf)]) == 2
    error = capsys.readouterr().err
    assert where in error and ".." not in error


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (
            ["--manifest", "{output}/meta/"],
            "argument --manifest: '{output}/meta/' names a folder; point it at a "
            "file, such as OUTPUT_DIR/flattr-manifest.json",
        ),
        (
            ["--settings", "{conf}"],
            "pelican-flattr: {conf}: FLATTR_MANIFEST 'meta/' names a folder; "
            "point it at a file, such as meta/flattr-manifest.json",
        ),
    ],
)
def test_the_audit_refuses_a_manifest_path_that_names_a_folder(
    tmp_path, capsys, options, says
):
    # The build wrote FLATTR_MANIFEST = "meta/" as a file named meta, and
    # the audit, given "meta/", read that file as the manifest.
    output = build(tmp_path, {"a.md": article("Article A")}, FLATTR_USERNAME="alice")
    os.replace(output / "flattr-manifest.json", output / "meta")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_MANIFEST = 'meta/'\n")
    capsys.readouterr()
    argv = [
        "audit",
        str(output),
        *(o.format(output=output, conf=conf) for o in options),
    ]
    try:
        status = audit_command(argv)
    except SystemExit as exited:  # argparse's usage error
        status = exited.code
    assert status == 2
    assert says.format(output=output, conf=conf) in capsys.readouterr().err


def test_an_atomic_write_is_on_disk_before_it_replaces_the_file(tmp_path, monkeypatch):
    # Without the fsync, a power cut after the rename may leave an empty
    # manifest or baseline where the whole old one was. The calls are
    # recorded, and made.
    target = tmp_path / "flattr-manifest.json"
    write_atomically(target, "old\n")
    events = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(handle):
        events.append("fsync")
        fsync(handle)

    def recording_replace(source, destination):
        events.append("replace")
        replace(source, destination)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    write_atomically(target, "whole\n")
    assert target.read_text(encoding="utf-8") == "whole\n"
    assert events == ["fsync", "replace"]
