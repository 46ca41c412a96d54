"""``pelican-flattr audit``: passes on the sample site, fails on tampered copies."""

import contextlib
import functools
import gzip
import html
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import (
    SAMPLE_SITE,
    SITEURL,
    article,
    build,
    child_env,
    i18n_build,
    manifest_things,
    remove_button,
    simple_base,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_cli import on_a_terminal

from pelican_flattr import audit as audit_module
from pelican_flattr import terminal
from pelican_flattr.addresses import (
    address_index,
    addresses_in,
    candidate_addresses,
    plain_addresses_in,
)
from pelican_flattr.audit import (
    GZIP_LEAST_READ,
    GZIP_MOST_RATIO,
    PROBLEM_KINDS,
    siteurl_not_compared,
)
from pelican_flattr.audit_report import PROBLEM_FIXES
from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main
from pelican_flattr.identifiers import IdentifierError, hash_email, parse_owner
from pelican_flattr.store import open_store

SETTINGS = str(SAMPLE_SITE / "publishconf.py")  # the build audited


@pytest.fixture
def copy(sample_output, tmp_path):
    target = tmp_path / "site"
    shutil.copytree(sample_output, target)
    return target


def audit_json(output, capsys, *extra, settings=SETTINGS):
    """The JSON report of the audit of ``output``, with the sample site's
    settings (``settings=None``: none, for a site built with others)."""
    given = ["--settings", settings] if settings else []
    status = main(["audit", str(output), "--json", *given, *extra])
    report = json.loads(capsys.readouterr().out)
    if status in (0, 1):  # a document of the audit's own, not a usage error's
        assert_kinds_counted(report)
    return status, report


def assert_kinds_counted(report):
    """Every problem of an audit's ``--json`` document has a kind the docs
    list, and ``problems_by_kind`` counts them."""
    kinds = [problem["kind"] for problem in report["problems"]]
    assert set(kinds) <= set(PROBLEM_KINDS), kinds
    assert report["problems_by_kind"] == dict(Counter(kinds))


def test_audit_passes_on_the_sample_site(sample_output, capsys):
    status, report = audit_json(sample_output, capsys)
    assert status == 0 and report["ok"] is True and report["problems"] == []
    assert report["exit_status"] == 0  # as a usage error's document has it
    assert report["things"] == len(manifest_things(sample_output)) > 10
    assert main(["audit", str(sample_output)]) == 0
    assert "no problems" in capsys.readouterr().out


def test_the_summary_counts_in_words(tmp_path, capsys, caplog):
    """One thing is "1 thing", not "1 things"; the build's log line too."""
    from conftest import article, build

    caplog.set_level(logging.INFO, logger="pelican_flattr")

    output = build(tmp_path, {"a.md": article("Only one", "Alice")},
                   FLATTR_AUTHORS={"Alice": "alice"})  # fmt: skip
    assert main(["audit", str(output)]) == 0
    summary = capsys.readouterr().out
    assert "1 thing, " in summary and "1 things" not in summary
    assert any(
        r.getMessage().startswith("pelican-flattr: 1 thing, manifest ")
        for r in caplog.records
    )
    assert [terminal.counted(n, "problem") for n in (0, 1, 2)] == [
        "0 problems",
        "1 problem",
        "2 problems",
    ]


def audit_in_child(output: Path) -> subprocess.CompletedProcess:
    """``pelican-flattr audit OUTPUT --json`` through the installed script."""
    script = Path(sys.executable).with_name("pelican-flattr")
    return subprocess.run(
        [str(script), "audit", str(output), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_installed_console_script(sample_output):
    result = audit_in_child(sample_output)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def a_thing(output, source="welcome-to-hackspace-notes.md"):
    return manifest_things(output)[source]


def test_removed_button(copy, capsys):
    thing = a_thing(copy)
    remove_button(copy / thing["page"])
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == thing["page"]
    assert problem["problem"] == "has 0 Flattr buttons for its thing (0 in all)"
    assert thing["auto_submit_url"] in problem["expected"]
    assert problem["kind"] == "button-missing"


def test_another_sites_folder_is_still_checked_for_owners_addresses(copy, capsys):
    # Any folder holding a manifest (an old deploy kept for reference, a
    # stale language's folder) was left out whole, privacy scan included:
    # an owner's address there passed, with exit status 0.
    old = copy / "old"
    old.mkdir()
    document = json.loads((copy / "flattr-manifest.json").read_text())
    (old / "flattr-manifest.json").write_text(json.dumps({**document, "things": []}))
    (old / "contact.html").write_text("<p>Mail carol@example.org</p>")
    (old / "carol@example.org.txt").write_text("")
    (old / "notes.txt.gz").write_bytes(gzip.compress(b"carol@example.org"))
    # Its pages are its own audit's: a button to a thing this manifest
    # doesn't know, and a stale copy, are no problem here.
    thing = a_thing(copy)
    shutil.copy(copy / thing["page"], old / "page.html")
    (old / "page.html.gz").write_bytes(gzip.compress(b"<html>"))
    (old / "gone.html.gz").write_bytes(gzip.compress(b"<html>"))
    for conf in (SETTINGS, None):  # by the address, or its owner's hash
        status, report = audit_json(copy, capsys, settings=conf)
        assert (status, report["other_sites"]) == (1, ["old"]), report
        problems = sorted((p["file"], p["problem"]) for p in report["problems"])
        assert [file for file, _ in problems] == [
            "old/[address]",
            "old/contact.html",
            "old/notes.txt.gz",
        ], problems
        assert all("plain email address" in problem for _, problem in problems)
        assert "carol@" not in json.dumps(report)
    assert main(["audit", str(copy), "--settings", SETTINGS]) == 1
    said = capsys.readouterr().out
    # Short sentences, in plain words: "but for" (meaning "except") is
    # misread with little English and by machine translation.
    assert (
        "old/ holds a manifest of its own: it is another site's output. This "
        "audit checks it only for the owners' addresses, which no file may "
        "publish. To check the rest, audit it on its own: pelican-flattr audit "
    ) in said


def test_the_command_for_another_site_names_no_address(sample_output, tmp_path, capsys):
    # Given an output folder named by an address, the line that says how to
    # audit another site's folder printed it whole.
    output = tmp_path / "carol@example.org"
    shutil.copytree(sample_output, output)
    document = json.loads((output / "flattr-manifest.json").read_text())
    (output / "old").mkdir()
    (output / "old" / "flattr-manifest.json").write_text(
        json.dumps({**document, "things": []})
    )
    (output / "dan@example.net").mkdir()
    (output / "dan@example.net" / "flattr-manifest.json").write_text(
        json.dumps({**document, "things": []})
    )
    main(["audit", str(output)])
    said = capsys.readouterr().out
    assert f"pelican-flattr audit {tmp_path}/[address]/old" in said, said
    assert "[address]/ holds a manifest of its own" in said, said
    main(["audit", str(output), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["other_sites"] == ["[address]", "old"]
    assert "[address]" in report["other_site_manifests"]
    assert "carol@" not in said + json.dumps(report)
    assert "dan@" not in said + json.dumps(report)


def test_another_site_s_files_are_said_in_the_order_of_their_names(copy, capsys):
    # As this site's are: the report is the same whatever order the file
    # system lists a folder's files in.
    old = copy / "old"
    old.mkdir()
    document = json.loads((copy / "flattr-manifest.json").read_text())
    (old / "flattr-manifest.json").write_text(json.dumps({**document, "things": []}))
    names = [f"{letter}.html" for letter in "abcdefgh"]
    for name in reversed(names):
        (old / name).write_text("<p>Mail carol@example.org</p>")
    status, report = audit_json(copy, capsys)
    assert (status, report["other_sites"]) == (1, ["old"])
    assert [p["file"] for p in report["problems"]] == [f"old/{n}" for n in names]


def test_every_gzip_file_is_read_for_addresses(copy, capsys):
    # pelican-precompress compresses robots.txt and search.json too, and
    # nginx's gzip_static sends the copy in the file's place: only copies of
    # pages, feeds and the manifest were read.
    (copy / "robots.txt").write_text("User-agent: *\n")
    (copy / "robots.txt.gz").write_bytes(
        gzip.compress(b"User-agent: *\n# contact carol@example.org\n")
    )
    (copy / "search.json.gz").write_bytes(
        gzip.compress(b'{"pages": [{"text": "mail carol@example.org"}]}')
    )
    # A name ends in ".GZ" as well (a copy made on Windows): was skipped.
    (copy / "notes.txt.GZ").write_bytes(gzip.compress(b"carol@example.org"))
    # A stale copy of a page is said so, and what it leaks too.
    thing = a_thing(copy)
    page = copy / thing["page"]
    page.with_name(page.name + ".gz").write_bytes(
        gzip.compress(page.read_bytes() + b"<p>carol@example.org</p>")
    )
    # An archive of binary files is no text, as for any other file.
    (copy / "source.tar.gz").write_bytes(
        gzip.compress(b"AUTHORS\0\0\0\0mode\0" + b"carol@example.org\n")
    )
    # A bomb is read up to its limit, and said to be.
    bomb = b"x" * (64 << 20) + b"carol@example.org"
    (copy / "bomb.txt.gz").write_bytes(gzip.compress(bomb, compresslevel=1))
    size = (copy / "bomb.txt.gz").stat().st_size
    limit = max(GZIP_LEAST_READ, GZIP_MOST_RATIO * size)
    assert limit < len(bomb)
    status, report = audit_json(copy, capsys)
    assert status == 1
    found: dict[str, list[str]] = {}
    for problem in report["problems"]:
        found.setdefault(problem["file"], []).append(problem["problem"][:40])
    leak = "holds the plain email address of author "
    assert found == {
        "bomb.txt.gz": [f"decompresses to more than {limit:,} bytes"[:40]],
        f"{thing['page']}.gz": [f"differs from {thing['page']}, which is "[:40], leak],
        "notes.txt.GZ": [leak],
        "robots.txt.gz": [leak],
        "search.json.gz": [leak],
    }
    (bomb_problem,) = [p for p in report["problems"] if p["file"] == "bomb.txt.gz"]
    # The limit it says is the one it read up to (it said "100 times its
    # size" of a floor 940 times that).
    assert bomb_problem["problem"] == (
        f"decompresses to more than {limit:,} bytes, the most the audit reads "
        f"of a gzip file of its size ({GZIP_MOST_RATIO} times it, at least "
        f"{GZIP_LEAST_READ:,}): a gzip bomb? The rest is not checked"
    )
    assert "carol@" not in json.dumps(report)
    # Not read whole, the bomb is one the audit could not read; the copies
    # and the address problems are of their own kinds.
    assert report["problems_by_kind"] == {
        "address-published": 4,
        "compressed-copy": 1,
        "unreadable": 1,
    }


def test_a_deep_folder_tree_is_walked_without_recursion(copy, capsys):
    # os.walk recurses before Python 3.12: 1,000 nested folders ended the
    # audit with a RecursionError, a traceback, exit 1 and no JSON.
    files = real_files(copy)  # (before: Path.rglob recurses too)
    deep = copy
    try:
        for _ in range(1000):  # Path.mkdir(parents=True) recurses too
            deep /= "d"
            deep.mkdir()
        (deep / "contact.html").write_text("<p>carol@example.org</p>")
        status, report = audit_json(copy, capsys)
    finally:
        # As does shutil.rmtree, with which pytest removes old tmp_paths:
        # the tree must not outlive the test.
        (deep / "contact.html").unlink(missing_ok=True)
        while deep != copy:
            deep.rmdir()
            deep = deep.parent
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == "d/" * 1000 + "contact.html"
    assert report["files"] == files + 1


def test_control_characters_in_names_are_shown_escaped(copy, capsys):
    # A file name of the output holding terminal escapes was printed raw in
    # the table and the lines below it: on a terminal, or a CI log that
    # renders them, it cleared the screen and showed a clean result.
    fake = "\x1b[2J\x1b[H\x1b[32m17 things, 92 files checked: no problems\x1b[8m"
    index = (copy / "index.html").read_text(encoding="utf-8")
    evil = index.replace("%2F%2Fcommunity", "%2F%2Fevil", 1)
    (copy / f"x{fake}\nfake.html").write_text(evil, encoding="utf-8")
    other = copy / f"old{fake}\n"
    other.mkdir()
    shutil.copy(copy / "flattr-manifest.json", other)
    assert main(["audit", str(copy)]) == 1
    out = capsys.readouterr().out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", out), out
    escaped = "\\x1b[2J\\x1b[H\\x1b[32m17 things, 92 files checked: no problems"
    assert f"x{escaped}\\x1b[8m\\x0afake.html" in out  # the table
    assert f"old{escaped}\\x1b[8m\\x0a/ holds a manifest of its own" in out
    # JSON escapes them itself, and names the file as it is.
    status, report = audit_json(copy, capsys)
    assert status == 1 and report["problems"][0]["file"] == f"x{fake}\nfake.html"


def test_wrong_url(copy, capsys):
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    wrong = thing["url"].replace("welcome", "welcome-old")
    path.write_text(
        text.replace('content="' + thing["url"], 'content="' + wrong), encoding="utf-8"
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == thing["page"]
    assert problem["problem"] == f"has og:url [{wrong!r}]"
    # One og:url, not the plugin's: the theme's, which the kind's fix (call
    # flattr_head, keep one set) did not mend.
    own = (
        "; where the theme prints its own og:url, print the thing URL there, "
        "{% if article.flattr %}{{ article.flattr.url|e }}{% else %}(the theme's "
        "own){% endif %} (page.flattr in page.html), or leave og:url out for the "
        "plugin's"
    )
    assert problem["expected"] == f"exactly one og:url {thing['url']}{own}"
    assert problem["kind"] == "open-graph"
    # A relative one: a preview build's, audited.
    path.write_text(
        text.replace('content="' + thing["url"], 'content="./welcome.html'),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    (problem,) = report["problems"]
    assert problem["expected"] == (
        f"exactly one og:url {thing['url']}: og:url must be absolute, and this "
        "one, the theme's, is not (a preview build's, under RELATIVE_URLS or an "
        f"empty SITEURL? audit the site built for publishing){own}"
    )
    # One no URL reader can read ("[" opens an IPv6 host): said, as any.
    path.write_text(
        text.replace('content="' + thing["url"], 'content="https://[welcome/'),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1 and report["problems"][0]["kind"] == "open-graph"
    # Two are the kind's case: no theme's og:url to mend.
    path.write_text(
        text.replace("</head>", f'<meta property="og:url" content="{wrong}"></head>'),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    (problem,) = [
        p for p in report["problems"] if p["problem"].startswith("has og:url")
    ]
    assert problem["expected"] == f"exactly one og:url {thing['url']}"


def test_an_og_property_written_with_a_character_reference_is_read(copy, capsys):
    # A reader decodes og&#58;url to og:url: a second one, so written,
    # passed, and a page's only og:url so written was called missing.
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    second = '<meta property="og&#58;url" content="https://evil.example/x">'
    path.write_text(text.replace("</head>", f"{second}</head>"), encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["kind"] == "open-graph"
    assert problem["problem"] == (
        f"has og:url [{thing['url']!r}, 'https://evil.example/x']"
    )
    own = f'<meta property="og:url" content="{thing["url"]}"'
    assert own in text
    path.write_text(
        text.replace(own, own.replace("og:url", "og&#x3A;url")), encoding="utf-8"
    )
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


def test_button_pointing_at_an_unknown_thing(copy, capsys):
    index = copy / "index.html"
    text = index.read_text(encoding="utf-8")
    index.write_text(
        text.replace(
            "submit/auto?url=https%3A%2F%2Fcommunity",
            "submit/auto?url=https%3A%2F%2Fevil",
            1,
        ),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert any(
        p["file"] == "index.html"
        and "doesn't know" in p["problem"]
        and "a page an earlier build left" in p["expected"]
        for p in report["problems"]
    )


def backdate(path: Path, seconds: int) -> None:
    """Set ``path``'s mtime ``seconds`` before now."""
    then = path.stat().st_mtime_ns - seconds * 10**9
    os.utime(path, ns=(then, then))


def written_in_order(paths: list[Path]) -> None:
    """Give ``paths`` mtimes a millisecond apart, in the order given, from
    the first one's: as one build writes its pages (Pelican writes the
    newest article first, whatever its name)."""
    start = paths[0].stat().st_mtime_ns
    for step, path in enumerate(paths):
        os.utime(path, ns=(start + step * 10**6,) * 2)


# Each way the audit tells an unknown button of the manifest's own site on
# a page: the "expected" of its rows, by what the mtimes say.
ANY_BUTTON = "the auto-submit URL or thing URL of a manifest thing"
ANY_LINK = "the auto-submit URL of a manifest thing"
STALE_PAGE = (
    "it is older than the manifest and every page it lists: a page an earlier "
    "build left, after a slug changed? delete it, or set "
    "DELETE_OUTPUT_DIRECTORY = True"
)
LATER_PAGE = (
    "the manifest of an earlier build, deployed with this page? deploy the "
    "manifest of the build that wrote it, then audit again; or a build that "
    "stopped after its pages, before its manifest? build the site again, to "
    "its end"
)
EITHER_PAGE = (
    "its mtime and the manifest's do not tell which is older: a page an "
    "earlier build left, after a slug changed? delete it, or set "
    "DELETE_OUTPUT_DIRECTORY = True; or " + LATER_PAGE
)


@pytest.mark.parametrize("emptied", [True, False])
def test_settings_that_empty_the_output_are_not_told_to_empty_it(
    tmp_path, capsys, emptied
):
    # A page an earlier build left, audited with the settings of a site
    # that empties its output at each build: its rows and the summary's
    # fix once said "or set DELETE_OUTPUT_DIRECTORY = True", which it is.
    # Left by a deploy that deletes nothing, or a build with other
    # settings: that is what the operator can act on.
    files = {"a.md": article("Soldering", "Alice"), "b.md": article("Resin", "Alice")}
    settings = {"FLATTR_AUTHORS": AUTHORS, "DELETE_OUTPUT_DIRECTORY": True}
    output = build(tmp_path, files, **settings)
    page = manifest_things(output)["b.md"]["page"]
    old_page = (output / page).read_bytes()
    (tmp_path / "content" / "b.md").unlink()
    build(tmp_path, {}, **settings)
    assert not (output / page).exists()
    # Put back, as rsync without --delete keeps it where the site is served.
    (output / page).write_bytes(old_page)
    backdate(output / page, 3600)
    conf = tmp_path / "publishconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nFLATTR_AUTHORS = {AUTHORS!r}\n"
        f"DELETE_OUTPUT_DIRECTORY = {emptied}\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=str(conf))
    assert status == 1
    rows = unknown_rows(report, page)
    assert set(rows) == {"button-unknown", "payment-link-unknown"}
    said_to_set = "or set DELETE_OUTPUT_DIRECTORY = True"
    said_served = (
        "delete it, where the site is served too: DELETE_OUTPUT_DIRECTORY, on in "
        "publishconf.py, empties the output before a build, so a build with "
        "other settings, or a deploy that deletes nothing (rsync without "
        "--delete), left it"
    )
    for expected in rows.values():
        assert (said_served in expected, said_to_set in expected) == (
            emptied,
            not emptied,
        ), expected
    # The summary's fix for each kind, in a CI log.
    assert main(["audit", str(output), "--settings", str(conf)]) == 1
    log = capsys.readouterr().out
    fix = next(
        line
        for line in log.splitlines()
        if line.startswith("    what to do: a page older than the manifest")
    )
    assert ("rsync without --delete" in fix, said_to_set in fix) == (
        emptied,
        not emptied,
    ), fix
    assert (said_to_set in log) is not emptied


def test_a_page_output_retention_keeps_is_told_to_be_deleted_by_hand(tmp_path, capsys):
    # DELETE_OUTPUT_DIRECTORY spares the names OUTPUT_RETENTION lists: a
    # page a build left there was no deploy's, and no setting deletes it.
    urls = {"ARTICLE_URL": "keep/{slug}.html", "ARTICLE_SAVE_AS": "keep/{slug}.html"}
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "DELETE_OUTPUT_DIRECTORY": True,
        "OUTPUT_RETENTION": ["keep"],
        **urls,
    }
    files = {"a.md": article("Soldering", "Alice"), "b.md": article("Resin", "Alice")}
    output = build(tmp_path, files, **settings)
    page = manifest_things(output)["b.md"]["page"]
    (tmp_path / "content" / "b.md").unlink()
    build(tmp_path, {}, **settings)
    assert page.startswith("keep/") and (output / page).exists()
    backdate(output / page, 3600)
    conf = tmp_path / "publishconf.py"
    lines = [
        f"SITEURL = {SITEURL!r}",
        f"FLATTR_AUTHORS = {AUTHORS!r}",
        "DELETE_OUTPUT_DIRECTORY = True",
        "OUTPUT_RETENTION = ['keep']",
        f"PATH = {str(tmp_path / 'content')!r}",
        f"OUTPUT_PATH = {str(output)!r}",
    ]
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=str(conf))
    assert status == 1
    by_hand = (
        "delete it, by hand: OUTPUT_RETENTION, in publishconf.py, keeps 'keep' "
        "when DELETE_OUTPUT_DIRECTORY empties the output"
    )
    rows = unknown_rows(report, page)
    assert rows and all(by_hand in expected for expected in rows.values()), rows
    # The summary's fix speaks of every file of the kind.
    assert main(["audit", str(output), "--settings", str(conf)]) == 1
    assert (
        "empties the output (except the names OUTPUT_RETENTION keeps) before a "
        "build, so a build with other settings"
    ) in capsys.readouterr().out


def unknown_rows(report: dict, file: str) -> dict[str, str]:
    """The "expected" of each row of ``file`` of the kinds of an unknown
    link, by kind."""
    return {
        p["kind"]: p["expected"]
        for p in report["problems"]
        if p["file"] == file and p["kind"].endswith("-unknown")
    }


def test_pages_newer_than_the_manifest_are_not_told_to_be_deleted(tmp_path, capsys):
    # New articles deployed with the last build's manifest: the button of
    # each new page was "a page an earlier build left, after a slug
    # changed? delete it, or set DELETE_OUTPUT_DIRECTORY = True", which
    # deletes the articles just published (with that setting on already).
    files = {"a.md": article("Soldering", "Alice"), "d.md": article("Resin", "Alice")}
    settings = {"FLATTR_AUTHORS": AUTHORS, "DELETE_OUTPUT_DIRECTORY": True}
    output = build(tmp_path, files, **settings)
    manifest = output / "flattr-manifest.json"
    earlier = manifest.read_bytes()
    files |= {"b.md": article("Flux", "Alice"), "c.md": article("Wick", "Alice")}
    build(tmp_path, files, **settings)
    things = manifest_things(output)
    new = sorted(things[source]["page"] for source in ("b.md", "c.md"))
    old = [things[source]["page"] for source in ("a.md", "d.md")]
    written_in_order([output / page for page in [*new, *old]])
    later = gzip.compress(manifest.read_bytes())
    # The earlier manifest deployed with its own mtime (rsync -t).
    manifest.write_bytes(earlier)
    backdate(manifest, 3600)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    unknown = [p for p in report["problems"] if p["kind"] == "button-unknown"]
    assert [p["file"] for p in unknown] == new
    why = "every page the manifest lists is newer than it"
    newer = f"{ANY_BUTTON} ({why}: {LATER_PAGE})"
    assert {p["expected"] for p in unknown} == {newer}
    # Said once for all, first: a row among 20,000 is not seen.
    assert report["notes"][0] == (
        f"The manifest flattr-manifest.json is older than 2 files whose links "
        f"name things of its site that it does not know: {new[0]} and {new[1]} "
        f"({why}). The manifest of an earlier build, deployed with a later "
        "build's pages? Deploy the manifest of the build that wrote them, then "
        "audit again. Or a build that stopped after its pages, before its "
        "manifest (an error in another plugin)? Build the site again, to its end"
    )
    # A page older than the manifest and every page it lists is one an
    # earlier build left: the advice to delete it stands, and the note
    # leaves it out.
    backdate(output / new[0], 7200)
    status, report = audit_json(output, capsys, settings=None)
    said = {
        p["file"]: p["expected"]
        for p in report["problems"]
        if p["kind"] == "button-unknown"
    }
    older = f"{ANY_BUTTON} ({STALE_PAGE})"
    assert said == {new[0]: older, new[1]: newer}
    assert report["notes"][0].startswith(
        f"The manifest flattr-manifest.json is older than 1 file whose links "
        f"name things of its site that it does not know: {new[1]} ({why}). "
    )
    # Copied back as cp copies (a new mtime), the manifest is the newest
    # file; its compressed copy, the later build's, written after the
    # pages, differs from it. That copy is said first, and the page of
    # the later build as for a manifest older than it.
    (output / "flattr-manifest.json.gz").write_bytes(later)
    manifest.write_bytes(earlier)
    status, report = audit_json(output, capsys, settings=None)
    first = report["problems"][0]
    assert (first["file"], first["kind"]) == (
        "flattr-manifest.json.gz",
        "compressed-copy",
    )
    said = {
        p["file"]: p["expected"]
        for p in report["problems"]
        if p["kind"] == "button-unknown"
    }
    why = (
        "the manifest's compressed copy differs from it and is newer than every "
        "page it lists"
    )
    copied = f"{ANY_BUTTON} ({why}: {LATER_PAGE})"
    assert said == {new[0]: older, new[1]: copied}
    assert report["notes"][0].startswith(
        f"The manifest flattr-manifest.json is older than 1 file whose links "
        f"name things of its site that it does not know: {new[1]} ({why}). "
    )


def test_a_page_an_earlier_build_left_beside_kept_copies_is_told_to_go(
    tmp_path, capsys
):
    # pelican-precompress keeps the copies an earlier build wrote, so the
    # manifest's .gz differs from the manifest of every later build in an
    # output never emptied. The page that build left when a title changed
    # its slug was told "the manifest of an earlier build, deployed with
    # this page? Deploy the manifest of the build that wrote it": the
    # manifest is the last build's, and the page older than it.
    files = {"a.md": article("Old title", "Alice"), "b.md": article("Flux", "Alice")}
    settings = {"FLATTR_AUTHORS": AUTHORS}
    output = build(tmp_path, files, **settings)
    for path in [output / "flattr-manifest.json", *output.glob("*.html")]:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
    for path in output.rglob("*"):
        backdate(path, 3600)  # the earlier build's
    files["a.md"] = article("New title", "Alice")
    build(tmp_path, files, **settings)
    assert "old-title.html" not in {t["page"] for t in manifest_things(output).values()}
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert unknown_rows(report, "old-title.html") == {
        "button-unknown": f"{ANY_BUTTON} ({STALE_PAGE})",
        "payment-link-unknown": f"{ANY_LINK} ({STALE_PAGE})",
    }
    assert not any("older than" in note for note in report["notes"])
    # Copied file by file in the order of their names, as rsync -r without
    # -t, scp -r or a CI artifact copy them: each file's mtime is when it
    # was copied, and the stale page, copied after the manifest, looked
    # newer than it. The mtimes tell nothing: the rows say both.
    deployed = tmp_path / "deployed"
    copied = []
    for path in sorted(output.rglob("*")):
        target = deployed / path.relative_to(output)
        if path.is_dir():
            target.mkdir(parents=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            copied.append(target)
    written_in_order(copied)
    status, report = audit_json(deployed, capsys, settings=None)
    assert unknown_rows(report, "old-title.html") == {
        "button-unknown": f"{ANY_BUTTON} ({EITHER_PAGE})",
        "payment-link-unknown": f"{ANY_LINK} ({EITHER_PAGE})",
    }
    assert not any("older than" in note for note in report["notes"])


def test_a_page_newer_than_the_manifest_keeps_its_payment_link_and_feed(
    tmp_path, capsys
):
    # An earlier build's manifest deployed with a new article (cp -p): its
    # button was told to deploy the manifest of the build that wrote it,
    # but its payment link, and the feed's entry of it, to delete the
    # stale file, which deletes the article just published and the feed.
    files = {"a.md": article("Soldering", "Alice"), "b.md": article("Flux", "Alice")}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FEED_ALL_ATOM": "feeds/all.atom.xml"}
    output = build(tmp_path, files, **settings)
    manifest = output / "flattr-manifest.json"
    earlier = manifest.read_bytes()
    files["c.md"] = article("Brand new", "Alice")
    build(tmp_path, files, **settings)
    written_in_order(
        [output / name for name in ("brand-new.html", "soldering.html", "flux.html")]
    )
    manifest.write_bytes(earlier)
    backdate(manifest, 3600)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    why = "every page the manifest lists is newer than it"
    assert unknown_rows(report, "brand-new.html") == {
        "button-unknown": f"{ANY_BUTTON} ({why}: {LATER_PAGE})",
        "payment-link-unknown": f"{ANY_LINK} ({why}: {LATER_PAGE})",
    }
    assert unknown_rows(report, "feeds/all.atom.xml") == {
        "payment-link-unknown": f"{ANY_LINK} ({why}: "
        + LATER_PAGE.replace("this page", "this feed")
        + ")"
    }
    assert report["notes"][0] == (
        "The manifest flattr-manifest.json is older than 2 files whose links "
        "name things of its site that it does not know: brand-new.html and "
        f"feeds/all.atom.xml ({why}). The manifest of an earlier build, deployed "
        "with a later build's pages? Deploy the manifest of the build that wrote "
        "them, then audit again. Or a build that stopped after its pages, before "
        "its manifest (an error in another plugin)? Build the site again, to its "
        "end"
    )
    # The kind's fix, said once for all its rows, says both too.
    assert "one newer: deploy the manifest" in PROBLEM_FIXES["payment-link-unknown"]


def test_an_output_a_build_did_not_finish_is_said_so(tmp_path, capsys):
    # A build stopped while it wrote the pages leaves some of them, its
    # feeds and its new articles newer than the earlier build's manifest,
    # and others as that build wrote them. The audit told each new page
    # "its mtime and the manifest's do not tell which is older", told the
    # feed to carry an entry of an article the content no longer has
    # (call flattr_head(...)), and said nothing of the whole.
    names = ("a", "b", "c", "d")
    files = {f"{n}.md": article(f"{n.upper()} one", "Alice") for n in names}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FEED_ALL_ATOM": "feeds/all.atom.xml"}
    output = build(tmp_path, files, **settings)
    manifest = output / "flattr-manifest.json"
    earlier = manifest.read_bytes()
    (tmp_path / "content" / "d.md").unlink()
    del files["d.md"]
    files["e.md"] = article("E one", "Alice")
    build(tmp_path, files, **settings)
    manifest.write_bytes(earlier)
    backdate(manifest, 600)
    then = manifest.stat().st_mtime_ns
    # Stopped once it wrote the feed, a-one.html, b-one.html and the new
    # e-one.html; c-one.html and d-one.html are the earlier build's.
    for step, name in enumerate(("c-one.html", "d-one.html")):
        os.utime(output / name, ns=(then - 10**9 + step * 10**6,) * 2)
    later = ("feeds/all.atom.xml", "e-one.html", "a-one.html", "b-one.html")
    for step, name in enumerate(later):
        os.utime(output / name, ns=(then + 300 * 10**9 + step * 10**6,) * 2)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    why = "it and 2 of the 4 pages the manifest lists are newer than it"
    assert unknown_rows(report, "e-one.html") == {
        "button-unknown": f"{ANY_BUTTON} ({why}: a build that did not finish "
        "(stopped, or ended by an error) wrote this page after the manifest? "
        "build the site again, to its end, then audit again)",
        "payment-link-unknown": f"{ANY_LINK} ({why}: a build that did not finish "
        "(stopped, or ended by an error) wrote this page after the manifest? "
        "build the site again, to its end, then audit again)",
    }
    (missing,) = [p for p in report["problems"] if p["kind"] == "payment-link-missing"]
    assert missing["file"] == "feeds/all.atom.xml"
    assert missing["problem"] == (
        f"does not carry the payment link of {SITEURL}/d-one.html ({why}: a "
        "build that did not finish wrote it after the manifest?)"
    )
    assert report["notes"][0] == (
        "2 of the 4 pages the manifest flattr-manifest.json lists are newer than "
        "it, as are 2 files whose links name things of its site that it does not "
        "know (e-one.html and feeds/all.atom.xml): a build that did not finish "
        "(stopped, or ended by an error) wrote them after the manifest, an "
        "earlier build's? Build the site again, to its end, then audit again: "
        "deployed as it is, the pages and the manifest describe two builds"
    )
    # Copied file by file as cp -r copies (a new mtime each, in no order of
    # names), the pages written right after the manifest: a copy, no
    # build, and the mtimes do not tell.
    for step, name in enumerate(later):
        os.utime(output / name, ns=(then + (step + 1) * 10**6,) * 2)
    status, report = audit_json(output, capsys, settings=None)
    assert unknown_rows(report, "e-one.html") == {
        "button-unknown": f"{ANY_BUTTON} ({EITHER_PAGE})",
        "payment-link-unknown": f"{ANY_LINK} ({EITHER_PAGE})",
    }
    assert not any("did not finish" in note for note in report["notes"])
    assert "did not finish" not in json.dumps(report["problems"])


# --- A link to Flattr's auto-submit URL is a button, whatever its class. ---

EVIL_QUERY = "?url=https%3A%2F%2Fevil.example%2F&user_id=mallory"
HAND_WRITTEN = "a link to Flattr's auto-submit URL (a button, whatever its class)"


def add_link(path: Path, href: str) -> None:
    """A link to ``href`` written by hand before ``path``'s </body>, as a
    theme or an article may hold one."""
    link = f'<a href="{href.replace("&", "&amp;")}">Flattr</a>'
    replace_in(path, "</body>", f"{link}</body>")


def with_owner(auto: str, owner: str) -> str:
    """The auto-submit URL ``auto`` with another owner in its query."""
    query = dict(parse_qsl(urlsplit(auto).query))
    key = "owner" if "owner" in query else "user_id"
    changed = auto.replace(f"{key}={quote(query[key], safe='')}", f"{key}={owner}")
    assert changed != auto
    return changed


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://flattr.com/submit/auto",
        "//flattr.com/submit/auto",
        "http://FLATTR.COM/submit/auto",
        "https://www.flattr.com/submit/auto",
        "https://flattr.com/Submit/Auto/",
        # Spelt as a browser reads it, which a hand hiding a link is not
        # bound to spell plainly: backslashes, slashes missing or added, a
        # tab inside, an empty user name and a port, a percent-encoded, full-width
        # or fully qualified host, control characters before it.
        "https:\\\\flattr.com\\submit\\auto",
        "https:/flattr.com/submit/auto",
        "https:////flattr.com/submit/auto",
        "https://flat\ttr.com/sub\nmit/auto",
        "https://@flattr.com:443/submit/auto",
        "https://fl%61ttr.com/submit/auto",
        "https://\uff46lattr.com/submit/auto",
        "https://flattr.com./submit/auto",
        "\x01 https://flattr.com/submit/auto",
        "HTTPS://flattr.com/submit/auto",
        "Http://www.flattr.com/submit/auto",
        "https://flattr.com/%73ubmit/auto",
        # The path's dot segments a browser resolves before it asks, and
        # the ideographic full stops IDNA reads as ".".
        "https://flattr.com/x/../submit/auto",
        "https://flattr.com/./submit/auto",
        "https://flattr.com/%2e%2e/submit/auto",
        "https://flattr.com/submit/x/%2E./auto/.",
        "https://flattr\u3002com/submit/auto",
        "https://flattr\uff61com/submit/auto",
    ],
)
def test_a_hand_written_link_that_pays_a_stranger_is_a_problem(copy, capsys, endpoint):
    # Only an <a> of the plugin's class was a button: the same URL that a
    # <link rel="payment"> is reported for passed in a plain link.
    href = endpoint + EVIL_QUERY
    add_link(copy / "index.html", href)
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == "index.html"
    assert problem["problem"].startswith(
        f"{HAND_WRITTEN} points at {href!r}, which the manifest doesn't know"
    )
    assert problem["expected"] == (
        f"{ANY_LINK}, as flattr_button() writes it, or no link to it"
    )
    assert problem["kind"] == "button-unknown"
    if endpoint.startswith("https://flattr.com/submit"):
        # The command's exit status, as a deploy script reads it.
        result = audit_in_child(copy)
        assert result.returncode == 1, result.stderr
        assert json.loads(result.stdout)["problems"] == [problem]


@pytest.mark.parametrize(
    "attributes",
    [
        # The audit reads a tag whole only where its href may hide the name:
        # a decoy "href" in another attribute, or hreflang, must not hide
        # the real one.
        "title='see href=\"/x\"' href='https://fl%61ttr.com/submit/auto?user_id=m'",
        "hreflang=de href='https://fl%61ttr.com/submit/auto?user_id=m'",
        "HREF = 'https://fl%61ttr.com/submit/auto?user_id=m' title='Ünïcode'",
    ],
)
def test_a_hidden_flattr_href_beside_other_attributes_is_a_button(
    copy, capsys, attributes
):
    replace_in(copy / "index.html", "</body>", f"<a {attributes}>x</a></body>")
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["problem"].startswith(f"{HAND_WRITTEN} points at ")


def test_a_link_whose_host_is_written_with_character_references_is_a_button(
    copy, capsys
):
    # The page's text holds no "flattr": the browser reads f&#108;attr as
    # flattr, as the audit's HTML reading does once it reads the tag.
    replace_in(
        copy / "index.html",
        "</body>",
        '<a href="https://f&#108;attr&#x2E;com/submit/auto?url=x&amp;user_id=m">'
        "x</a></body>",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["problem"].startswith(
        f"{HAND_WRITTEN} points at 'https://flattr.com/submit/auto?url=x&user_id=m'"
    )


def the_one_problem(output, capsys, kind: str) -> dict:
    """The audit's one problem of ``output``, which must be of ``kind``."""
    status, report = audit_json(output, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["kind"] == kind
    return problem


def test_an_image_map_s_area_to_a_stranger_s_thing_is_a_button(copy, capsys):
    # An <area> is a link as an <a> is: a click on it pays whom it names.
    href = "https://flattr.com/submit/auto" + EVIL_QUERY
    area = f'<map name="m"><area shape="rect" coords="0,0,9,9" href="{href}"></map>'
    replace_in(copy / "index.html", "</body>", f"{area.replace('&', '&amp;')}</body>")
    problem = the_one_problem(copy, capsys, "button-unknown")
    assert problem["problem"].startswith(f"{HAND_WRITTEN} points at {href!r}")


def test_a_base_on_flattr_makes_relative_links_and_sources_flattr_s(copy, capsys):
    # Against <base href="https://flattr.com/">, "/submit/auto?..." is the
    # auto-submit URL, and the theme's relative stylesheet is fetched from
    # Flattr as the page opens.
    page = copy / "index.html"
    original = page.read_text(encoding="utf-8")
    relative = "/submit/auto" + EVIL_QUERY
    link = f'<a href="{relative.replace("&", "&amp;")}">Flattr</a>'
    replace_in(page, "<head>", '<head><base href="https://flattr.com/">')
    replace_in(page, "</body>", f"{link}</body>")
    status, report = audit_json(copy, capsys)
    assert status == 1
    kinds = {(p["file"], p["kind"]) for p in report["problems"]}
    assert kinds == {("index.html", "button-unknown"), ("index.html", "flattr-request")}
    (button,) = [p for p in report["problems"] if p["kind"] == "button-unknown"]
    assert f"points at 'https://flattr.com{relative}'" in button["problem"]
    requests = [p["problem"] for p in report["problems"] if p["kind"] != button["kind"]]
    assert "under the page's <base href='https://flattr.com/'>" in requests[0]
    # The same link against a base on another host leads there: no button.
    page.write_text(original, encoding="utf-8")
    replace_in(page, "<head>", '<head><base href="https://community.example.org/">')
    replace_in(page, "</body>", f"{link}</body>")
    assert audit_json(copy, capsys)[1]["problems"] == []


@pytest.mark.parametrize(
    "content",
    [
        "0; url=https://flattr.com/submit/auto?url=x",
        "5;URL='https://flattr.com/thing/1'",
        "0, https://api.flattr.com/x",
    ],
)
def test_a_refresh_to_flattr_is_a_request_before_any_click(copy, capsys, content):
    refresh = f'<meta http-equiv="Refresh" content="{content}">'
    replace_in(copy / "index.html", "</head>", f"{refresh}</head>")
    problem = the_one_problem(copy, capsys, "flattr-request")
    assert f"<meta http-equiv='refresh' content={content!r}>" in problem["problem"]


@pytest.mark.parametrize(
    "src",
    [
        "https://fl%61ttr.com/badge.png",
        "https://f&#108;attr.com/badge.png",
        "https://\uff46lattr.com/badge.png",
    ],
)
def test_an_image_from_a_flattr_host_spelt_otherwise_is_a_request(copy, capsys, src):
    # Its tag says no "flattr" as written: the audit left it unread.
    replace_in(copy / "index.html", "</body>", f'<img src="{src}" alt=""></body>')
    the_one_problem(copy, capsys, "flattr-request")


def test_a_refresh_elsewhere_is_no_request_to_flattr(copy, capsys):
    refresh = '<meta http-equiv="refresh" content="0; url=https://example.org/flattr">'
    replace_in(copy / "index.html", "</head>", f"{refresh}</head>")
    assert audit_json(copy, capsys)[1]["problems"] == []


# What a click on an <a> in an <svg>, or on a form's submit button, sends
# to Flattr, as the audit names it: a stranger's thing and owner.
AUTO_SUBMIT = "https://flattr.com/submit/auto"
STRANGER = AUTO_SUBMIT + EVIL_QUERY
STRANGER_FIELDS = (
    '<input type="hidden" name="url" value="https://evil.example/">'
    '<input type="hidden" name="user_id" value="mallory">'
)
FORM_WRITTEN = "a form that submits to Flattr's auto-submit URL"


def hidden_fields(url: str, **changed: str) -> str:
    """A form's hidden inputs, one for each parameter of ``url``'s query,
    in order, with the values ``changed`` gives in place of its own."""
    values = [
        (key, changed.get(key, value)) for key, value in parse_qsl(urlsplit(url).query)
    ]
    return "".join(
        f'<input type="hidden" name="{key}" value="{html.escape(value)}">'
        for key, value in values
    )


@pytest.mark.parametrize(
    ("control", "says"),
    [
        # SVG 2's href, and SVG 1.1's xlink:href, of an <a> in an <svg>:
        # a link as an HTML <a> is.
        pytest.param(
            f'<svg><a href="{html.escape(STRANGER)}"><text>F</text></a></svg>',
            f"{HAND_WRITTEN} points at {STRANGER!r}",
            id="svg-href",
        ),
        pytest.param(
            f'<svg><a xlink:href="{html.escape(STRANGER)}"><text>F</text></a></svg>',
            f"{HAND_WRITTEN} points at {STRANGER!r}",
            id="svg-xlink-href",
        ),
        # A GET form sends its fields as the query: what they name is paid.
        pytest.param(
            f'<form action="{AUTO_SUBMIT}">{STRANGER_FIELDS}<button>Flattr</button>'
            "</form>",
            f"{FORM_WRITTEN} (<form action='{AUTO_SUBMIT}'>) sends "
            f"'{AUTO_SUBMIT}?url=https%3A%2F%2Fevil.example%2F&user_id=mallory', "
            "which the manifest doesn't know",
            id="form-fields",
        ),
        # A search form whose second button sends it to Flattr: the other
        # field goes along, and the button's own name and value.
        pytest.param(
            '<form action="/search"><input name="q"><button>Search</button>'
            f'<button formaction="{AUTO_SUBMIT}" name="user_id" value="mallory">'
            "Flattr</button></form>",
            f"{FORM_WRITTEN} (<button formaction='{AUTO_SUBMIT}'>) sends "
            f"'{AUTO_SUBMIT}?q=&user_id=mallory'",
            id="button-formaction",
        ),
        # A badge image as its submit button (the click's place is sent), a
        # host spelt with percent-encoding, and a field outside the form
        # that its form attribute gives it.
        pytest.param(
            '<form id="f" action="https://fl%61ttr.com/submit/auto">'
            '<input type="image" src="/badge.png" alt="Flattr"></form>'
            '<input form="f" type="hidden" name="user_id" value="mallory">',
            f"{FORM_WRITTEN} (<form action='https://fl%61ttr.com/submit/auto'>) "
            "sends 'https://fl%61ttr.com/submit/auto?x=0&y=0&user_id=mallory'",
            id="image-submit-and-form-attribute",
        ),
    ],
)
def test_a_control_that_sends_a_stranger_s_thing_to_flattr_is_a_button(
    copy, capsys, control, says
):
    replace_in(copy / "index.html", "</body>", f"{control}</body>")
    problem = the_one_problem(copy, capsys, "button-unknown")
    assert problem["problem"].startswith(says)


@pytest.mark.parametrize(
    "control",
    [
        # xlink:href is a link in an <svg> alone, and SVG 2's href goes
        # before it.
        f'<a xlink:href="{html.escape(STRANGER)}">F</a>',
        f'<svg><a href="/about" xlink:href="{html.escape(STRANGER)}">F</a></svg>',
        # A dialog's form sends nothing; a <template>'s is inert; one whose
        # one submit button sends it elsewhere never goes to Flattr.
        f'<form method="dialog" action="{AUTO_SUBMIT}">{STRANGER_FIELDS}</form>',
        f'<template><form action="{AUTO_SUBMIT}">{STRANGER_FIELDS}</form></template>',
        f'<form action="{AUTO_SUBMIT}">{STRANGER_FIELDS}'
        '<button formaction="/search">Search</button></form>',
    ],
)
def test_what_sends_nothing_to_flattr_is_no_button(copy, capsys, control):
    # Beside a form that does send a stranger's thing, said alone.
    form = f'<form action="{AUTO_SUBMIT}">{STRANGER_FIELDS}</form>'
    replace_in(copy / "index.html", "</body>", f"{control}{form}</body>")
    problem = the_one_problem(copy, capsys, "button-unknown")
    assert problem["problem"].startswith(f"{FORM_WRITTEN} (<form action=")


def test_a_form_that_sends_its_thing_s_parameters_is_its_button(copy, capsys):
    # The fields a browser sends, not how a form spells them, are what
    # Flattr gets: its thing's own, in its order, are its button.
    thing = a_thing(copy)
    page = copy / thing["page"]
    fields = hidden_fields(thing["auto_submit_url"])
    form = f'<form action="{AUTO_SUBMIT}">{fields}<button>Flattr</button></form>'
    replace_in(page, "</body>", f"{form}</body>")
    problem = the_one_problem(copy, capsys, "button-extra")
    assert problem["problem"].startswith("has 2 Flattr buttons for its thing")
    remove_button(page)
    assert audit_json(copy, capsys)[1]["problems"] == []


def test_a_form_sends_its_fields_and_not_its_action_s_query(copy, capsys):
    # A browser replaces a GET form's query with its fields: an action that
    # spells the thing's own auto-submit URL pays the owner a field names.
    thing = a_thing(copy)
    page = copy / thing["page"]
    remove_button(page)
    owner = "user_id" if "user_id=" in thing["auto_submit_url"] else "owner"
    fields = hidden_fields(thing["auto_submit_url"], **{owner: "mallory"})
    action = html.escape(thing["auto_submit_url"])
    form = f'<form action="{action}">{fields}<button>Flattr</button></form>'
    replace_in(page, "</body>", f"{form}</body>")
    problem = the_one_problem(copy, capsys, "button-unknown")
    assert problem["problem"].endswith(
        ": it sends another owner than the manifest's"
    ), problem["problem"]
    assert problem["expected"] == (
        f"exactly one plain button with href {thing['auto_submit_url']}"
    )


def radio(name: str, value: str, *flags: str) -> str:
    """An <input type="radio"> of the group ``name``, with ``flags``
    (checked, disabled) as attributes."""
    return f'<input type="radio" name="{name}" value="{value}" {" ".join(flags)}>'


@pytest.mark.parametrize(
    ("controls", "sent"),
    [
        # As the parser inserts a checked radio it unchecks the others of
        # its group (the radios of its name as written: case counts): of
        # several written checked, the last alone is sent.
        pytest.param(
            radio("user_id", "alice", "checked")
            + radio("USER_ID", "bob", "checked")
            + radio("user_id", "mallory", "checked"),
            "USER_ID=bob&user_id=mallory",
            id="radios-the-last-checked",
        ),
        # It does so disabled too, and a disabled control sends nothing:
        # the group sends nothing.
        pytest.param(
            radio("user_id", "alice", "checked")
            + radio("user_id", "mallory", "checked", "disabled")
            + '<input type="hidden" name="url" value="u">',
            "url=u",
            id="radios-the-last-checked-disabled",
        ),
        # An unchecked radio or checkbox sends nothing; a checked checkbox
        # without a value sends "on", one with an empty value "".
        pytest.param(
            radio("user_id", "alice")
            + '<input type="checkbox" name="owner" value="bob">'
            + '<input type="CHECKBOX" name="user_id" checked>'
            + '<input type="checkbox" name="title" value="" checked>',
            "user_id=on&title=",
            id="checkboxes",
        ),
        # A hidden input named _charset_ (in any case) sends the form's
        # encoding, the page's: another input of that name its value.
        pytest.param(
            '<input type="hidden" name="_Charset_" value="latin1">'
            '<input name="_charset_" value="latin1">',
            "_Charset_=UTF-8&_charset_=latin1",
            id="charset",
        ),
        # The clicked button sends its name and value where it stands;
        # another submit button, and a plain one, nothing.
        pytest.param(
            '<input type="hidden" name="url" value="u">'
            '<button name="user_id" value="mallory">Flattr</button>'
            '<input type="hidden" name="title" value="t">'
            '<button formaction="/search" name="q" value="s">Search</button>'
            '<button type="button" name="owner" value="bob">Menu</button>',
            "url=u&user_id=mallory&title=t",
            id="clicked-button",
        ),
    ],
)
def test_a_form_sends_the_fields_a_browser_builds_from_its_controls(
    copy, capsys, controls, sent
):
    # HTML's "constructing the entry list", as Chromium's FormData builds
    # it for each of these forms: what the audit says the form pays is
    # what a click sends.
    said = what_is_said_of_a_form(copy, capsys, controls)
    assert said.startswith(f"sends '{AUTO_SUBMIT}?{sent}', "), said


def what_is_said_of_a_form(output, capsys, controls: str) -> str:
    """What the audit says of a form with ``controls`` that submits to
    Flattr's auto-submit URL, put on the index page of ``output``, the
    page's one problem, after it names the form."""
    form = f'<form action="{AUTO_SUBMIT}">{controls}</form>'
    replace_in(output / "index.html", "</body>", f"{form}</body>")
    said = the_one_problem(output, capsys, "button-unknown")["problem"]
    written = f"{FORM_WRITTEN} (<form action='{AUTO_SUBMIT}'>) "
    assert said.startswith(written), said
    return said.removeprefix(written)


@pytest.mark.parametrize(
    ("control", "unread"),
    [
        pytest.param(
            '<select name="user_id"><option>mallory</option></select>',
            "<select name='user_id'>, whose value the audit does not read",
            id="select",
        ),
        pytest.param(
            '<input type="email" name="user_id" value="m@example.org">',
            "<input type='email' name='user_id'>, whose value the audit does not read",
            id="email",
        ),
        # A browser sends what the first <legend> of a disabled fieldset
        # holds, and no other control of it.
        pytest.param(
            '<fieldset disabled><legend><input name="user_id" value="m">'
            "</legend></fieldset>",
            "<input name='user_id'> stands in a <fieldset disabled>",
            id="disabled-fieldset",
        ),
    ],
)
def test_a_form_whose_fields_the_audit_cannot_read_is_said(
    copy, capsys, control, unread
):
    # What such a form sends is not known: it is no button to pass.
    said = what_is_said_of_a_form(copy, capsys, f"{control}<button>Flattr</button>")
    assert said.startswith(f"sends what the audit cannot read: {unread}"), said


def test_a_post_form_to_flattr_is_said_as_one_the_audit_cannot_read(copy, capsys):
    # Its fields go in the request's body, its action's query as written.
    form = (
        f'<form method="POST" action="{html.escape(STRANGER)}">'
        f"{STRANGER_FIELDS}<input type=submit></form>"
    )
    replace_in(copy / "index.html", "</body>", f"{form}</body>")
    problem = the_one_problem(copy, capsys, "button-unknown")
    assert (
        "method='post' sends its fields ('url'...) in the request's body"
        in (problem["problem"])
    )


def test_files_in_utf16_are_read_as_browsers_and_feed_readers_read_them(copy, capsys):
    # A page, feed or text file that opens with UTF-16's byte order mark
    # was read as UTF-8 (or skipped as binary): an address and a
    # stranger's links in it passed.
    href = "https://flattr.com/submit/auto" + EVIL_QUERY
    escaped = href.replace("&", "&amp;")
    (copy / "x.html").write_text(
        f'<p>Mail carol@example.org</p><a href="{escaped}">Flattr</a>',
        encoding="utf-16",
    )
    (copy / "feeds" / "x.xml").write_text(
        '<?xml version="1.0" encoding="utf-16"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<link rel="payment" href="{escaped}"/></feed>',
        encoding="utf-16",
    )
    (copy / "notes.txt").write_text(
        "Mail carol@example.org\n" * 2, encoding="utf-16-be"
    )
    (copy / "notes.txt").write_bytes(b"\xfe\xff" + (copy / "notes.txt").read_bytes())
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert {(p["file"], p["kind"]) for p in report["problems"]} == {
        ("x.html", "address-published"),
        ("x.html", "button-unknown"),
        ("feeds/x.xml", "payment-link-unknown"),
        ("notes.txt", "address-published"),
    }
    assert "carol@" not in json.dumps(report).lower()


@pytest.mark.parametrize(
    "href",
    [
        *(f"https://flat{cut}tr.com/submit/auto?user_id=mallory" for cut in "\t\n\r"),
        # A host in capitals, which a browser reads in lower case, or in
        # full-width letters, which it reads as ASCII ones.
        "https://FLATTR.COM/submit/auto?user_id=mallory",
        "https://\uff46\uff4c\uff41\uff54\uff54\uff52.com/submit/auto?user_id=mallory",
    ],
    ids=["tab", "newline", "carriage-return", "capitals", "full-width"],
)
def test_a_link_whose_host_is_cut_or_in_capitals_is_a_button(copy, capsys, href):
    # A browser drops tabs and newlines from a URL: nothing else in the tag
    # (no "&", "%" or "flattr" as written) tells that it may name Flattr.
    add_link(copy / "index.html", href)
    tag = f'<a href="{href}">'
    assert tag.encode() in (copy / "index.html").read_bytes()  # "\r" kept
    assert not any(mark in tag for mark in ("&", "%", "flattr"))
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert (problem["file"], problem["problem"][: len(HAND_WRITTEN)]) == (
        "index.html",
        HAND_WRITTEN,
    )


def test_a_payment_link_in_capitals_to_an_escaped_host_is_read(copy, capsys):
    # rel="Payment" and "fl%61ttr.com": the <link> says neither "payment"
    # nor "flattr" as written, and was skipped unread, though a reader
    # takes it for a payment link to Flattr as it does the plain one.
    page = copy / "index.html"
    built = page.read_text(encoding="utf-8")
    said = {}
    for host in ("flattr.com", "fl%61ttr.com"):
        href = f"https://{host}/submit/auto?url=x&amp;owner=mallory"
        replace_in(page, "</head>", f'<link rel="Payment" href="{href}"></head>')
        status, report = audit_json(copy, capsys)
        problems = report["problems"]
        said[host] = (status, [(p["file"], p["problem"]) for p in problems])
        page.write_text(built, encoding="utf-8")
    unknown = "submit/auto?url=x&owner=mallory', which the manifest doesn't know"
    assert said == {
        host: (
            1,
            [("index.html", f"a payment link points at 'https://{host}/{unknown}")],
        )
        for host in said
    }


@pytest.mark.parametrize(
    "href",
    [
        "https://flattr.com.evil.example/submit/auto",
        "https://flattr.com@evil.example/submit/auto",
        "https://evil.example/flattr.com/submit/auto",
        "/submit/auto",
        "flattr.com/submit/auto",
        "javascript:flattr.com/submit/auto",
    ],
)
def test_a_link_to_another_host_or_a_path_is_no_button(copy, capsys, href):
    add_link(copy / "index.html", href + EVIL_QUERY)
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


@pytest.mark.parametrize("repeated", [False, True], ids=["replaced", "repeated"])
@pytest.mark.parametrize("where", ["listing", "thing's page"])
def test_a_hand_written_link_that_pays_another_owner_says_so(
    copy, capsys, where, repeated
):
    thing = a_thing(copy)
    page = "index.html" if where == "listing" else thing["page"]
    auto = thing["auto_submit_url"]
    owner = "mallory"
    if repeated:
        # The manifest's owner repeated after the stranger: a server that
        # takes a parameter's first value pays the stranger.
        key, value = next(
            (key, value)
            for key, value in parse_qsl(urlsplit(auto).query)
            if key in ("user_id", "owner")
        )
        owner += f"&{key}={quote(value, safe='')}"
    tampered = with_owner(auto, owner)
    add_link(copy / page, tampered)
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == page
    assert problem["problem"] == (
        f"{HAND_WRITTEN} points at {tampered!r}, which the manifest doesn't "
        "know: it sends another owner than the manifest's"
    )


# A class that holds the embedded button's in its name is not its class:
# the link is a plain one, which links the auto-submit URL.
@pytest.mark.parametrize("classes", ["", "FlattrButtons", "my-FlattrButton"])
def test_a_hand_written_link_to_a_thing_passes_on_a_listing(copy, capsys, classes):
    # A theme may write a thing's button by hand on a listing page.
    thing = a_thing(copy)
    href = thing["auto_submit_url"].replace("&", "&amp;")
    link = f'<a class="{classes}" href="{href}">Flattr</a>'
    replace_in(copy / "index.html", "</body>", f"{link}</body>")
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


def plugin_button(path: Path) -> str:
    """The markup of the plugin's (first) button on the built page ``path``."""
    text = path.read_text(encoding="utf-8")
    start = text.index('<a class="flattr-button')
    return text[start : text.index("</a>", start) + len("</a>")]


def test_a_hand_written_copy_of_a_page_s_button_is_a_second_button(copy, capsys):
    # Readers see two buttons, as with the plugin's own printed twice: the
    # page's count says so the same way for both.
    thing = a_thing(copy)
    path = copy / thing["page"]
    original = path.read_text(encoding="utf-8")
    button = plugin_button(path)
    said = []
    href = thing["auto_submit_url"].replace("&", "&amp;")
    for second in (button, f'<a href="{href}">Flattr</a>'):
        path.write_text(original.replace("</body>", f"{second}</body>"), "utf-8")
        said.append(audit_json(copy, capsys))
    assert said[0] == said[1]
    status, report = said[0]
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (thing["page"], "has 2 Flattr buttons for its thing (2 in all)", "button-extra")
    ]


@pytest.mark.parametrize("beside_its_own", [False, True], ids=["instead", "beside"])
def test_only_a_page_s_own_thing_s_button_counts_as_its_button(
    copy, capsys, beside_its_own
):
    # A theme that prints flattr_button(articles[0]) on every page shows
    # another thing's button on this one: readers who flattr it pay for
    # that thing, and this page has none of its own. A button to another
    # thing beside its own (a "related" article's) is no second one.
    thing = a_thing(copy)
    path = copy / thing["page"]
    own = plugin_button(path)
    other = plugin_button(copy / a_thing(copy, "embedded-rust-workshop.md")["page"])
    replace_in(path, own, own + other if beside_its_own else other)
    status, report = audit_json(copy, capsys)
    if beside_its_own:
        assert (status, report["problems"]) == (0, [])
    else:
        assert status == 1
        problems = [(p["file"], p["problem"], p["kind"]) for p in report["problems"]]
        assert problems == [
            (
                thing["page"],
                "has 0 Flattr buttons for its thing (1 in all)",
                "button-missing",
            )
        ]


def test_a_page_whose_buttons_all_pay_strangers_still_lacks_its_own(copy, capsys):
    # One unknown button in place of the page's is one problem, its advice
    # the page's own button; two are each said, and the page's own button
    # is still missing: readers of the page cannot flattr its thing.
    thing = a_thing(copy)
    path = copy / thing["page"]
    original = path.read_text(encoding="utf-8")
    own = plugin_button(path)
    auto = thing["auto_submit_url"]
    strangers = [with_owner(auto, owner) for owner in ("mallory", "trudy")]
    # A link written by hand in its place: what the page needs is its own
    # button, not the advice for a listing's link.
    replace_in(path, own, f'<a href="{strangers[0].replace("&", "&amp;")}">F</a>')
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert (problem["file"], problem["kind"]) == (thing["page"], "button-unknown")
    assert problem["problem"].startswith(f"{HAND_WRITTEN} points at {strangers[0]!r}")
    assert problem["expected"] == f"exactly one plain button with href {auto}"
    path.write_text(original, encoding="utf-8")
    buttons = "".join(
        own.replace(auto.replace("&", "&amp;"), href.replace("&", "&amp;"))
        for href in strangers
    )
    assert buttons.count('<a class="flattr-button') == 2
    assert all(href.replace("&", "&amp;") in buttons for href in strangers)
    replace_in(path, own, buttons)
    status, report = audit_json(copy, capsys)
    assert status == 1
    said = [(p["file"], p["kind"], p["problem"]) for p in report["problems"]]
    assert [kind for _, kind, _ in said] == [
        "button-unknown",
        "button-unknown",
        "button-missing",
    ]
    assert {file for file, _, _ in said} == {thing["page"]}
    for (_, _, problem), href in zip(said, strangers, strict=False):
        assert problem.startswith(f"a Flattr button points at {href!r}")
    assert said[2][2] == "has 0 Flattr buttons for its thing (2 in all)"
    # The plugin's buttons, to the thing's own URL with another owner: no
    # new article's, so a page an earlier build left.
    stale = f"{ANY_BUTTON} (a page an earlier build left, after a slug changed? "
    assert all(p["expected"].startswith(stale) for p in report["problems"][:2])


@pytest.mark.parametrize(
    "href",
    [
        "https://flattr.com/profile/mallory",
        "https://flattr.com/thing/123",
        "https://flattr.com/submit/automatic?user_id=mallory",
        "https://flattr.com/submit/auto/../../profile/mallory",
        "https://flattr.com/submit/auto/..",
    ],
)
def test_a_link_to_another_page_of_flattr_is_no_button(copy, capsys, href):
    # It pays no one by a click: a site may link it.
    add_link(copy / "index.html", href)
    add_link(copy / a_thing(copy)["page"], href)
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


@pytest.mark.parametrize("name", ["flattr-button-help", "FlattrButtons"])
def test_a_class_holding_a_button_s_class_in_its_name_is_no_button(copy, capsys, name):
    # A class attribute is a list of names: "flattr-button-help" is not the
    # plain button's "flattr-button", nor "FlattrButtons" the embedded
    # button's "FlattrButton", which load.js looks for.
    link = f'<a class="{name}" href="https://flattr.com/profile/alice">Alice</a>'
    replace_in(copy / a_thing(copy)["page"], "</body>", f"{link}</body>")
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


def test_a_page_s_payment_link_to_another_service_is_none_of_the_audit_s(copy, capsys):
    # rel="payment" is for any service (Liberapay, Patreon...): a page may
    # hold one beside its own to Flattr, which stays its one payment link.
    other = f'<link rel="payment" href="{LIBERAPAY}">'
    replace_in(copy / a_thing(copy)["page"], "</head>", f"{other}</head>")
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


def test_a_hand_written_link_to_the_sites_own_thing_passes(site, capsys):
    # A theme's "Flattr this site" links the thing every feed carries
    # (FLATTR_USERNAME's): the manifest knows it, and it is no thing's
    # button, so a page keeps its own one button beside it.
    output, status, report = build_and_audit(site, capsys, FLATTR_USERNAME="community")
    assert (status, report["problems"]) == (0, [])
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    site_link = manifest["site_payment_link"]
    thing = manifest["things"][0]
    for page in ("index.html", thing["page"]):
        add_link(output / page, site_link)
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (0, [])
    # Without its own button, the page says so, not that the site's link
    # is the wrong one.
    remove_button(output / thing["page"])
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        (thing["page"], "has 0 Flattr buttons for its thing (0 in all)")
    ]


# The plugin's plain button's class, and load.js's class alone (an
# embedded button written by hand, which load.js shows all the same).
@pytest.mark.parametrize("kind", ["flattr-button", "FlattrButton"])
def test_a_plugin_button_to_the_sites_own_thing_is_unknown(site, capsys, kind):
    # Only a link written by hand may link the site's thing: the plugin
    # writes no button of its class there, so one on a listing is one an
    # earlier build or an edit left, reported as any unknown button is.
    # An embedded button is a Flattr button whatever its other classes:
    # it is no "Flattr this site" link, and is named as the plugin's are.
    output, status, report = build_and_audit(site, capsys, FLATTR_USERNAME="community")
    assert (status, report["problems"]) == (0, [])
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    site_link = manifest["site_payment_link"]
    button = f'<a class="{kind}" href="{site_link.replace("&", "&amp;")}">F</a>'
    replace_in(output / "index.html", "</body>", button + "</body>")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    (problem,) = report["problems"]
    assert (problem["file"], problem["kind"]) == ("index.html", "button-unknown")
    written = {
        "flattr-button": "a Flattr button",
        # As the build names it: a theme's own, not the plugin's.
        "FlattrButton": "an embedded Flattr button written by hand (class "
        "FlattrButton, without the plugin's)",
    }[kind]
    assert problem["problem"].startswith(f"{written} points at {site_link!r}")


def test_an_old_themes_embedded_button_on_an_article_is_named_hand_written(
    site, capsys
):
    # A site coming from hand-written buttons: its theme's FlattrButton on
    # each article still sent the old http:// URL. Taken for the plugin's,
    # it was "a page an earlier build left? delete it": a live article.
    output, status, report = build_and_audit(site, capsys)
    assert (status, report["problems"]) == (0, [])
    thing = manifest_things(output)["a.md"]
    old_url = thing["url"].replace("https://", "http://")
    snippet = (
        f'<a class="FlattrButton" style="display:none;" href="{old_url}" '
        'rev="flattr;button:compact;uid:community;">Flattr</a>'
    )
    replace_in(output / thing["page"], "</body>", snippet + "</body>")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    [problem] = [p for p in report["problems"] if p["kind"] == "button-unknown"]
    assert problem["file"] == thing["page"]
    assert problem["problem"].startswith(
        "an embedded Flattr button written by hand (class FlattrButton, without "
        f"the plugin's) points at {old_url!r}"
    )
    assert problem["expected"] == (
        "no button written by hand: take the old snippet out of the theme (or of "
        "the article that holds it), and print the plugin's with flattr_button()"
    )
    # On a page an earlier build left (a slug changed), the advice is to
    # delete the page: the theme may hold no snippet any more.
    stale = output / "old-slug.html"
    page = (output / thing["page"]).read_text(encoding="utf-8")
    stale.write_text(page.replace(old_url, f"{SITEURL}/old-slug.html"))
    backdate(stale, 3600)
    status, report = audit_json(output, capsys, settings=None)
    [problem] = [
        p
        for p in report["problems"]
        if p["kind"] == "button-unknown" and p["file"] == stale.name
    ]
    assert (
        "a page an earlier build left, after a slug changed? delete it"
        in (problem["expected"])
    ), problem


# --- A listing is no thing's page: no thing's payment link in its head. ---


def head_payment_hrefs(path: Path) -> list[str]:
    """The hrefs of the payment links in ``path``'s <head>, as written,
    unescaped: in the order a reader meets them."""
    head = path.read_text(encoding="utf-8").split("</head>")[0]
    found = re.findall(r'<link rel="payment"[^>]* href="([^"]*)"', head)
    return [html.unescape(href) for href in found]


def test_a_listing_whose_theme_calls_flattr_head_in_its_loop_is_reported(
    site, capsys, tmp_path
):
    # The build says flattr_head() is called for another content there
    # (test_buttons); the audit of what that build wrote said "no
    # problems", though each listing's head said it was the page of every
    # article listed: Flattr and readers take a page's head for its own.
    theme = tmp_path / "theme"
    shutil.copytree(SAMPLE_SITE.parent / "theme", theme)
    index = theme / "templates" / "index.html"
    index.write_text(
        index.read_text(encoding="utf-8")
        + "{% block extra_head %}{% for article in articles_page.object_list %}"
        "{{ flattr_head(article) }}{% endfor %}{% endblock %}",
        encoding="utf-8",
    )
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert (status, report["exit_status"]) == (1, 1)
    # author.html, category.html and tag.html extend index.html: each of
    # those listings is reported too, once; no thing's page is.
    listings = {"index.html", "author/alice.html", "category/misc.html", "tag/x.html"}
    assert {p["kind"] for p in report["problems"]} == {"payment-link-wrong-thing"}
    files = [p["file"] for p in report["problems"]]
    assert len(files) == len(set(files)) and listings <= set(files)
    assert not set(files) & {t["page"] for t in manifest_things(output).values()}
    hrefs = head_payment_hrefs(output / "index.html")
    things = {t["auto_submit_url"]: t for t in manifest_things(output).values()}
    assert len(hrefs) == 2 and set(hrefs) == set(things)
    (problem,) = [p for p in report["problems"] if p["file"] == "index.html"]
    assert problem["problem"] == (
        f"has 2 payment links in <head> to things of the manifest (the first "
        f"{hrefs[0]!r}, the payment link of {things[hrefs[0]]['url']})"
    )
    # No FLATTR_USERNAME: no site's own link to allow.
    assert problem["expected"].startswith("no payment link in <head>: ")
    assert "a listing is no thing's page" in problem["expected"]


def test_a_listing_may_hold_the_site_s_own_payment_link_in_its_head(site, capsys):
    # A theme's "Flattr this site" in every page's head: the thing the
    # feeds carry, FLATTR_USERNAME's, is the site's, listings included. A
    # thing's payment link in a listing's body says nothing of the page.
    output, status, report = build_and_audit(site, capsys, FLATTR_USERNAME="community")
    assert (status, report["problems"]) == (0, [])
    site_link = json.loads((output / "flattr-manifest.json").read_text())[
        "site_payment_link"
    ]
    thing = manifest_things(output)["a.md"]
    replace_in(output / "index.html", "</head>", payment_link(site_link) + "</head>")
    replace_in(
        output / "index.html",
        "</body>",
        payment_link(thing["auto_submit_url"]) + "</body>",
    )
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (0, [])
    # A thing's beside it in the head is still wrong, and the advice allows
    # the site's own.
    replace_in(
        output / "index.html",
        "</head>",
        payment_link(thing["auto_submit_url"]) + "</head>",
    )
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["kind"], p["expected"]) for p in report["problems"]] == [
        (
            "index.html",
            "payment-link-wrong-thing",
            "no payment link in <head>, or only the site's own (flattr_site_head() "
            "prints it): a listing is no "
            "thing's page (call flattr_head() only in the template of an "
            "article's or page's own page; a page an earlier build left? delete "
            "it, or set DELETE_OUTPUT_DIRECTORY = True)",
        )
    ]
    assert report["problems"][0]["problem"].startswith(
        f"has 1 payment links in <head> to things of the manifest (the first "
        f"{thing['auto_submit_url']!r}"
    )


@pytest.mark.parametrize(
    ("beside_its_own", "said"),
    [
        (True, ("has 2 payment links (2 in <head>)", "payment-link-extra")),
        (False, ("has 1 payment links (1 in <head>)", "payment-link-wrong-thing")),
    ],
    ids=["beside", "instead"],
)
def test_the_site_s_own_payment_link_is_known_but_not_a_thing_s_own(
    site, capsys, beside_its_own, said
):
    # On a thing's page the site's link is not the page's own: its count
    # says so, as of another thing's link; "which the manifest doesn't
    # know" said of the link the manifest names was not true.
    output, status, report = build_and_audit(site, capsys, FLATTR_USERNAME="community")
    assert (status, report["problems"]) == (0, [])
    site_link = json.loads((output / "flattr-manifest.json").read_text())[
        "site_payment_link"
    ]
    thing = manifest_things(output)["a.md"]
    path = output / thing["page"]
    (own,) = re.findall(r'<link rel="payment"[^>]*>', path.read_text(encoding="utf-8"))
    new = own + payment_link(site_link) if beside_its_own else payment_link(site_link)
    replace_in(path, own, new)
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (thing["page"], *said)
    ]


def payment_link(href: str) -> str:
    """A payment link to ``href``, written by hand."""
    return f'<link rel="payment" href="{href.replace("&", "&amp;")}">'


@pytest.mark.parametrize("form", ["carol@example.org", "Carol%40Example.org"])
def test_leaked_email_address(copy, capsys, form):
    about = copy / "pages" / "about.html"
    about.write_text(
        about.read_text(encoding="utf-8").replace(
            "</main>", f"<p>Write to {form}</p></main>"
        ),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    # One address is one problem, found by the settings and by its hash.
    assert [p["file"] for p in report["problems"]] == ["pages/about.html"]
    messages = " ".join(p["problem"] for p in report["problems"])
    assert "Carol Chen" in messages and "email:" in messages
    assert "carol@" not in json.dumps(report).lower()  # the report never repeats it
    # Without the settings file, the hash of the email owner still finds it.
    status = main(["audit", str(copy), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["problems"][0]["file"] == "pages/about.html"


def test_a_compressed_copy_must_hold_the_file_as_built(copy, capsys):
    # pelican-precompress keeps an existing copy by default, and Pelican
    # does not empty the output folder by default: nginx's gzip_static then
    # sends the last build's page, buttons, owners and all.
    thing = a_thing(copy)
    page, feed = copy / thing["page"], copy / thing["feeds"][0]
    copies = [
        page.with_name(page.name + ".gz"),
        feed.with_name(feed.name + ".gz"),
        copy / "flattr-manifest.json.gz",
    ]
    for each in copies:
        each.write_bytes(gzip.compress(each.with_suffix("").read_bytes()))
    # Archives of other files are the site's own business.
    (copy / "notes.txt").write_text("one", encoding="utf-8")
    (copy / "notes.txt.gz").write_bytes(gzip.compress(b"another"))
    assert audit_json(copy, capsys)[0] == 0
    stale = page.read_bytes().replace(b"flattr-button", b"old-button")
    copies[0].write_bytes(gzip.compress(stale))
    copies[1].write_bytes(gzip.compress(feed.read_bytes())[:-20])  # cut short
    copies[2].write_bytes(b"not gzip")
    # A page without a thing, copied in part; and a copy of a page the site
    # no longer has, which gzip_static still sends at its address.
    archives = copy / "archives.html"
    half = archives.read_bytes()[: archives.stat().st_size // 2]
    copies.append(archives.with_name("archives.html.gz"))
    copies[3].write_bytes(gzip.compress(half))
    copies.append(copy / "gone.html.gz")
    copies[4].write_bytes(gzip.compress(b"<html>"))
    (copy / "old").mkdir()  # a manifest's name is the manifest's
    copies.append(copy / "old" / "flattr-manifest.json.gz")
    copies[5].write_bytes(copies[2].read_bytes())
    status, report = audit_json(copy, capsys)
    assert status == 1
    found = {p["file"]: p for p in report["problems"]}
    assert sorted(found) == sorted(
        each.relative_to(copy).as_posix() for each in copies
    ), report["problems"]
    # Half of the page, written after it: neither is taken for the good one.
    assert found["archives.html.gz"]["problem"].startswith(
        "differs from archives.html, which is older than it: "
    )
    assert found["gone.html.gz"]["problem"].startswith(
        "is a compressed copy of gone.html, which the site does not have"
    )
    said = found[copies[0].relative_to(copy).as_posix()]
    assert said["problem"].startswith(f"differs from {thing['page']}, which is ")
    assert "gzip_static" in said["problem"]
    assert "PRECOMPRESS_OVERWRITE" in said["expected"]
    assert {p["kind"] for p in found.values()} == {"compressed-copy"}
    for each in copies[1:3]:
        assert (
            "cannot be decompressed"
            in found[each.relative_to(copy).as_posix()]["problem"]
        )


@pytest.mark.parametrize("text", ["", "{}", '{"name": "a web app"}'])
def test_a_file_named_as_a_manifest_that_is_none_hides_no_folder(copy, capsys, text):
    # Any flattr-manifest.json made its folder another site's, left out of
    # the audit, privacy scan included.
    downloads = copy / "downloads"
    downloads.mkdir()
    (downloads / "flattr-manifest.json").write_text(text, encoding="utf-8")
    (downloads / "contact.html").write_text(
        "<p>Write to carol@example.org</p>", encoding="utf-8"
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert report["other_site_manifests"] == {}
    assert [p["file"] for p in report["problems"]] == ["downloads/contact.html"]


def test_feed_without_payment_link(copy, capsys):
    thing = a_thing(copy)
    feed = copy / thing["feeds"][0]
    text = feed.read_text(encoding="utf-8")
    href = thing["auto_submit_url"].replace("&", "&amp;")
    assert href in text
    feed.write_text(
        text.replace(href, "https://flattr.com/submit/auto?url=x"), encoding="utf-8"
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    problems = [p for p in report["problems"] if p["file"] == thing["feeds"][0]]
    # One problem: not again as a feed that "does not carry" the link.
    (problem,) = problems
    siteurl = json.loads((copy / "flattr-manifest.json").read_text())["siteurl"]
    assert problem["problem"] == (
        f"the entry {siteurl.rstrip('/')}/{thing['page']} has a payment link to "
        "'https://flattr.com/submit/auto?url=x', which the manifest doesn't "
        "know: it sends another thing URL, owner, title, description, category, "
        "language and tags than the manifest's"
    )
    # A feed the manifest names for the thing: no hint of a leftover.
    assert problem["expected"] == f"exactly one, to {thing['auto_submit_url']}"


def test_a_page_whose_links_send_another_owner_says_each_once(copy, capsys):
    # The page's button and payment link edited to another owner: each is
    # one problem, saying what it sends otherwise and what the page must
    # hold; the page's counts of its own ("has 1 payment links (1 in
    # <head>)", expected one) were said besides, a contradiction to read.
    thing = a_thing(copy)
    auto = thing["auto_submit_url"]
    query = dict(parse_qsl(urlsplit(auto).query))
    owner_key = "owner" if "owner" in query else "user_id"
    tampered = auto.replace(
        f"{owner_key}={quote(query[owner_key], safe='')}", f"{owner_key}=mallory"
    )
    assert tampered != auto
    replace_in(
        copy / thing["page"],
        auto.replace("&", "&amp;"),
        tampered.replace("&", "&amp;"),
        count=2,
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    said = [
        (p["problem"], p["expected"])
        for p in report["problems"]
        if p["file"] == thing["page"]
    ]
    sends = (
        f"{tampered!r}, which the manifest doesn't know: it sends another owner "
        "than the manifest's"
    )
    assert sorted(said) == [
        (
            f"a Flattr button points at {sends}",
            f"exactly one plain button with href {auto}",
        ),
        (
            f"a payment link points at {sends}",
            f'one <link rel="payment" href="{auto}"> in <head>',
        ),
    ]


def test_feed_entry_with_its_payment_link_twice(copy, capsys):
    # One payment link per entry: a second one, even to the same thing,
    # leaves a feed reader to choose.
    thing = a_thing(copy)
    feed = copy / thing["feeds"][0]
    text = feed.read_text(encoding="utf-8")
    href = thing["auto_submit_url"].replace("&", "&amp;")
    start = text.rindex("<", 0, text.index(href))
    end = text.index(">", text.index(href)) + 1
    feed.write_text(text[:end] + text[start:end] + text[end:], encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    problems = [p for p in report["problems"] if p["file"] == thing["feeds"][0]]
    assert [p["problem"].split(" has ")[-1] for p in problems] == ["2 payment links"]
    assert problems[0]["expected"] == f"exactly one, to {thing['auto_submit_url']}"
    assert problems[0]["kind"] == "payment-link-extra"


@pytest.mark.parametrize(
    ("feed", "rel", "where"),
    [
        ("feeds/all.atom.xml", "Payment", "entry"),
        ("feeds/all.rss.xml", "PAYMENT", "entry"),
        ("feeds/all.rss.xml", "nofollow payment", "entry"),
        ("feeds/all.atom.xml", "Payment", "feed"),
    ],
)
def test_a_feed_s_payment_rel_in_any_letter_case_counts(copy, capsys, feed, rel, where):
    # As in a page: a reader takes rel="Payment" for a payment link, so one
    # to someone else's thing passed where rel="payment" is caught.
    other = "https://flattr.com/submit/auto?url=https%3A%2F%2Fevil.example%2F"
    path = copy / feed
    tag = "atom:link" if feed.endswith(".rss.xml") else "link"
    added = f'<{tag} href="{other}" rel="{rel}" type="text/html"/>'
    # Into the first entry, or the feed itself, before its first one.
    at = "<entry>" if tag == "link" else "<item>"
    text = path.read_text(encoding="utf-8")
    if where == "entry":
        text = text.replace(at, at + added, 1)
        says = f"has a payment link to {other!r}, which the manifest doesn't know"
    else:
        text = text.replace(at, added + at, 1)
        says = (
            f"has 1 payment links of its own (the site's), to {other!r}, which "
            "the manifest doesn't know"
        )
    path.write_text(text, encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == feed
    assert says in problem["problem"]
    # The feed's own too: a stranger's link, though the manifest names no
    # site payment link, is no mere extra one.
    assert problem["kind"] == "payment-link-unknown"


def test_missing_feed_is_one_problem(copy, capsys):
    # It was one "does not carry" row per thing the feed lists.
    thing = a_thing(copy)
    feed = thing["feeds"][0]
    carried = sum(feed in t["feeds"] for t in manifest_things(copy).values())
    assert carried > 1
    (copy / feed).unlink()
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [p for p in report["problems"] if p["file"] == feed] == [
        {
            "file": feed,
            "problem": "is missing",
            "expected": f"the feed the manifest lists, with {carried} payment links",
            "kind": "feed-missing",
        }
    ]


def test_missing_page(copy, capsys):
    thing = a_thing(copy)
    (copy / thing["page"]).unlink()
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert {
        "file": thing["page"],
        "problem": "is missing",
        "expected": f"the page of {thing['url']}",
        "kind": "page-missing",
    } in report["problems"]


def test_unreadable_manifest_is_a_usage_error(tmp_path, capsys):
    assert main(["audit", str(tmp_path)]) == 2
    assert "no such manifest" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "nope")]) == 2
    assert "no such output folder" in capsys.readouterr().err
    # A file given for the folder: it once said "no such output folder".
    (tmp_path / "index.html").write_text("<p>a page</p>")
    assert main(["audit", str(tmp_path / "index.html")]) == 2
    assert "index.html: is a file, not an output folder" in capsys.readouterr().err


def test_a_site_built_without_the_manifest_says_why_it_may_lack_one(
    site, tmp_path, capsys
):
    # A site built without the plugin in PLUGINS, or whose settings the
    # build refused, has no manifest: "no such manifest" alone said neither.
    files = {"a.md": article("Some article", "Alice")}
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_AUTHORS = {'Alice': 'alice'}\n", encoding="utf-8")
    why = (
        "build the site with PLUGINS = ['pelican_flattr'] and "
        "no error from pelican-flattr in the build's log (a build whose settings "
        "it refused, one that could not write the manifest, or a strict build "
        "that failed, removes the manifest); "
    )
    for override in ({"PLUGINS": []}, {"SITEURL": ""}):
        output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, **override)
        manifest = output / "flattr-manifest.json"
        assert main(["audit", str(output)]) == 2
        assert capsys.readouterr().err == (
            f"pelican-flattr: {manifest}: no such manifest: {why}with FLATTR_MANIFEST "
            "set, give "
            "--settings or --manifest\n"
        )
        # With --settings given, and naming no FLATTR_MANIFEST, it advised
        # giving --settings.
        assert main(["audit", str(output), "--settings", str(conf)]) == 2
        assert capsys.readouterr().err == (
            f"pelican-flattr: {manifest}: no such manifest: {why}if the build wrote "
            "it elsewhere, give --manifest\n"
        )


def test_a_manifest_given_and_missing_is_met_with_no_advice_to_give_it(
    site, tmp_path, capsys
):
    # Given --manifest (at the default path or another), a missing manifest
    # was met with "give --manifest", or with no advice at all.
    output = site({"a.md": article("Some article", "Alice")}, PLUGINS=[])
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_AUTHORS = {'Alice': 'alice'}\n", encoding="utf-8")
    # With the settings given too, it is --manifest that is in the way.
    advice = {
        False: "if the settings it was built with set FLATTR_MANIFEST, give them "
        "with --settings instead, and the audit takes the path they name\n",
        True: "if the build's settings set FLATTR_MANIFEST, audit without "
        "--manifest, and the audit takes the path they name\n",
    }
    for manifest in (output / "flattr-manifest.json", tmp_path / "things.json"):
        for settings_args in ([], ["--settings", str(conf)]):
            argv = ["audit", str(output), "--manifest", str(manifest)]
            assert main([*argv, *settings_args]) == 2
            assert capsys.readouterr().err == (
                f"pelican-flattr: {manifest}: no such manifest, at the path "
                "--manifest gives: build the site with PLUGINS = ['pelican_flattr'] "
                "and no error from pelican-flattr in the build's log (a build whose "
                "settings it refused, one that could not write the manifest, or a "
                "strict build that failed, removes the manifest); "
                f"{advice[bool(settings_args)]}"
            )


def test_settings_name_the_manifest_the_build_wrote(site, tmp_path, capsys):
    """With --settings, the audit finds the manifest where FLATTR_MANIFEST
    put it; --manifest still wins, and a value that is no path is named."""
    files = {"a.md": article("Some article", "Alice")}
    output = site(
        files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_MANIFEST="meta/things.json"
    )
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_MANIFEST = 'meta/things.json'\n", encoding="utf-8")
    assert main(["audit", str(output)]) == 2
    capsys.readouterr()
    assert main(["audit", str(output), "--settings", str(conf)]) == 0
    assert "1 thing, " in capsys.readouterr().out
    elsewhere = tmp_path / "elsewhere.json"
    command = ["audit", str(output), "--settings", str(conf), "--manifest"]
    assert main([*command, str(elsewhere)]) == 2
    assert f"{elsewhere}: no such manifest" in capsys.readouterr().err
    # Named by the settings alone, a missing manifest gets its reasons too.
    (output / "meta" / "things.json").unlink()
    assert main(["audit", str(output), "--settings", str(conf)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {output / 'meta' / 'things.json'}: no such manifest, "
        "at the path the settings' FLATTR_MANIFEST names: build the site with "
        "PLUGINS = "
        "['pelican_flattr'] and no error from pelican-flattr in the build's log "
        "(a build whose settings it refused, one that could not write the "
        "manifest, or a strict build that failed, removes the manifest); if the "
        "build wrote it elsewhere, give --manifest\n"
    )
    conf.write_text("FLATTR_MANIFEST = 3\n", encoding="utf-8")
    assert main(["audit", str(output), "--settings", str(conf)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {conf}: FLATTR_MANIFEST must be a file path, not 3\n"
    )


def test_a_manifest_setting_that_climbs_out_of_the_output_is_named_as_built(
    copy, tmp_path, capsys
):
    # FLATTR_MANIFEST = "../private/things.json" keeps the manifest beside
    # the output, not in it: the build writes it to the path the climb
    # leads to, and the audit names that one, not "site/../private/…".
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_MANIFEST = '../private/things.json'\n", encoding="utf-8")
    assert main(["audit", str(copy), "--settings", str(conf)]) == 2
    written = os.path.realpath(tmp_path / "private" / "things.json")
    assert capsys.readouterr().err.startswith(
        f"pelican-flattr: {written}: no such manifest, at the path the settings' "
        "FLATTR_MANIFEST names: "
    )


def test_diff_reports_what_would_be_orphaned(sample_output, tmp_path, capsys):
    old = json.loads((sample_output / "flattr-manifest.json").read_text())
    new = json.loads(json.dumps(old))
    moved, gone, reowned = new["things"][0], new["things"][1], new["things"][2]
    moved["url"] = moved["url"] + "moved/"
    new["things"].remove(gone)
    reowned["owner"] = {"kind": "flattr_user", "value": "someone"}
    new["things"].append(
        dict(gone, url="https://community.example.org/x.html", source="brand-new.md")
    )
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.json"
    old_path.write_text(json.dumps(old))
    new_path.write_text(json.dumps(new))
    assert main(["diff", str(old_path), str(new_path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["orphans_flattrs"] is True
    assert [c["source"] for c in report["url_changed"]] == [moved["source"]]
    assert report["url_changed"][0]["old_url"] == old["things"][0]["url"]
    assert f"Flattr_url: {old['things'][0]['url']}" in report["url_changed"][0]["fix"]
    assert [c["url"] for c in report["disappeared"]] == [gone["url"]]
    assert [c["new_owner"] for c in report["owner_changed"]] == ["someone"]
    assert report["new"] == [
        {"source": "brand-new.md", "url": "https://community.example.org/x.html"}
    ]
    assert main(["diff", str(old_path), str(old_path)]) == 0
    assert "No flattrs would be orphaned." in capsys.readouterr().out
    assert main(["diff", str(old_path), str(tmp_path / "missing.json")]) == 2


def test_second_set_of_open_graph_tags(copy, capsys):
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "</head>",
            '<meta property="og:description" content="again"></head>',
        ),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert report["problems"] == [
        {
            "file": thing["page"],
            "problem": "has 2 og:description tags (two sets of Open Graph tags?)",
            "expected": "at most one og:description",
            "kind": "open-graph",
        }
    ]


@pytest.mark.parametrize("prop", ["og:title", "og:type"])
@pytest.mark.parametrize("blank", ['content="  "', ""], ids=["spaces", "none"])
def test_an_empty_title_or_type_is_a_problem(copy, capsys, prop, blank):
    # A theme's empty og:title won over the plugin's, and the audit counted
    # one og:title: crawlers took the page for one without a title.
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    start = text.index(f'<meta property="{prop}" content="')
    end = text.index(">", start) + 1
    path.write_text(
        f"{text[:start]}<meta property={prop} {blank}>{text[end:]}", encoding="utf-8"
    )
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": thing["page"],
                "problem": f"has an empty {prop} (no content, or a blank one)",
                "expected": f"exactly one {prop}, with a value: print the theme's "
                "only with one, or leave it to the plugin",
                "kind": "open-graph",
            }
        ],
    )


@pytest.mark.parametrize("prop", ["og:title", "og:url", "og:type"])
def test_a_second_property_that_must_be_single_is_one_problem(copy, capsys, prop):
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("</head>", f'<meta property="{prop}" content="again"></head>'),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == thing["page"]
    assert problem["expected"].startswith(f"exactly one {prop}")


def _payment_link_into_title(text):
    """The page's payment link moved into its <title>'s text."""
    start = text.index('<link rel="payment"')
    link = text[start : text.index(">", start) + 1]
    text = text.replace(link, "", 1)
    return text.replace("</title>", f"{link}</title>", 1)


# Markup in text or in an attribute value, where a browser sees no tag.
QUOTED_MARKUP = {
    "a payment link in the title": (_payment_link_into_title, 1),
    "a property in an attribute": (
        lambda text: text.replace(
            "</body>",
            '<span title="<meta property=og:description content=again>">'
            "?</span></body>",
            1,
        ),
        0,
    ),
    "a button in a script": (
        lambda text: text.replace(
            "</body>",
            '<script>let b = \'<a class="flattr-button flattr-button--plain" '
            'href="https://flattr.com/submit/auto?url=x">\';</script></body>',
            1,
        ),
        0,
    ),
}


@pytest.mark.parametrize(
    "change, status", QUOTED_MARKUP.values(), ids=list(QUOTED_MARKUP)
)
def test_markup_in_text_or_attributes_is_read_as_browsers_read_it(
    copy, capsys, change, status
):
    thing = a_thing(copy)
    path = copy / thing["page"]
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    found, report = audit_json(copy, capsys)
    assert found == status, report
    if status:
        (problem,) = report["problems"]
        assert problem["file"] == thing["page"]
        assert problem["problem"] == "has 0 payment links (0 in <head>)"


# --- Sites the plugin built correctly pass, in every documented setup. ---

AUTHORS = {"Alice": "alice_f", "Carol": "email:Carol@Example.org"}


def two_articles(**meta):
    return {
        "a.md": article("First article", "Alice", tags="x, y", **meta),
        "b.md": article("Second article", "Carol", slug="second-article"),
    }


def build_and_audit(site, capsys, files=None, theme=None, **settings):
    settings = {
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "FEED_ALL_RSS": "feeds/all.rss.xml",
        "FLATTR_AUTHORS": AUTHORS,
        **settings,
    }
    output = site(files or two_articles(), theme, **settings)
    capsys.readouterr()  # what Pelican printed
    status = main(["audit", str(output), "--json"])
    return output, status, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("folder", ["category", "de", "."])
def test_a_manifest_copy_naming_a_folder_by_its_siteurl_is_no_language_s_site(
    site, capsys, folder
):
    # Without --settings, a manifest whose siteurl is SITEURL/FOLDER named
    # that folder another site's: a copy of the site's own manifest, with
    # a siteurl of SITEURL/category, hid a wrong owner on category/'s
    # pages, and one of SITEURL/. the whole output.
    output, status, report = build_and_audit(site, capsys)
    assert (status, report["problems"]) == (0, [])
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    manifest["siteurl"] = f"{SITEURL}/{folder}"
    (output / "flattr-manifest.old.json").write_text(json.dumps(manifest))
    (output / "de").mkdir(exist_ok=True)
    capsys.readouterr()
    assert main(["audit", str(output), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["other_sites"] == []
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("flattr-manifest.old.json", "other-manifest")
    ]


def test_flattr_siteurl_other_than_siteurl_passes(site, capsys):
    output, status, report = build_and_audit(
        site, capsys, SITEURL="http://localhost:8000", FLATTR_SITEURL=SITEURL
    )
    assert report["problems"] == [] and status == 0
    # The feeds this covers really were checked: the manifest names them.
    assert "feeds/all.rss.xml" in manifest_things(output)["a.md"]["feeds"]


def test_pinned_thing_url_with_pretty_urls_passes(site, capsys):
    old = f"{SITEURL}/2019/old-first.html"
    output, status, report = build_and_audit(
        site,
        capsys,
        two_articles(flattr_url=old),
        ARTICLE_URL="{slug}/",
        ARTICLE_SAVE_AS="{slug}/index.html",
    )
    assert report["problems"] == [] and status == 0
    thing = manifest_things(output)["a.md"]
    assert thing["url"] == old and "feeds/all.atom.xml" in thing["feeds"]


def test_open_graph_off_passes_and_is_recorded(site, capsys):
    output, status, report = build_and_audit(site, capsys, FLATTR_OPEN_GRAPH=False)
    assert report["problems"] == [] and status == 0
    path = output / "flattr-manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["open_graph"] is False
    # A manifest from before the field still gets its Open Graph checked:
    # Open Graph was always on then.
    del manifest["open_graph"]
    path.write_text(json.dumps(manifest))
    assert main(["audit", str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert {p["problem"] for p in problems} == {
        "has og:url []",
        "has 0 og:title tags",
        "has 0 og:type tags",
    }
    # Tags missing, not doubled: the advice says how to print them.
    assert main(["audit", str(output)]) == 1
    said = capsys.readouterr()
    assert "what to do: none: call flattr_head(article) in the theme's <head>" in (
        said.out + said.err
    )


@pytest.mark.parametrize("element", ["img", "iframe", "video"])
def test_an_element_other_than_meta_with_an_og_property_is_no_open_graph_tag(
    site, capsys, element
):
    # RDFa lets any element carry property="og:title"; crawlers read Open
    # Graph from <meta> alone. Read with the images the audit now reads for
    # requests to Flattr, such an <img> made a page "have 2 og:title tags".
    body = (
        f'<{element} property="og:title" content="" src="/logo.png" '
        f'title="A logo"></{element}>\n\nA first paragraph of this piece.'
    )
    files = {
        "a.md": article("First article", "Alice", body=body),
        "b.md": article("Second article", "Carol", slug="second-article"),
    }
    output, status, report = build_and_audit(site, capsys, files)
    assert 'property="og:title"' in (output / "first-article.html").read_text()
    assert (status, report["problems"]) == (0, [])


def test_feeds_off_passes_and_is_recorded(site, capsys):
    output, status, report = build_and_audit(site, capsys, FLATTR_FEEDS=False)
    assert report["problems"] == [] and status == 0
    path = output / "flattr-manifest.json"
    manifest = json.loads(path.read_text())
    assert manifest["feed_payment_links"] is False
    assert all(thing["feeds"] == [] for thing in manifest["things"])
    # A manifest from before the field still has its feeds checked: the
    # plugin always put payment links there then. That these are the four
    # entries also shows the feeds were read with the field present.
    del manifest["feed_payment_links"]
    path.write_text(json.dumps(manifest))
    assert main(["audit", str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert sorted((p["file"], p["problem"]) for p in problems) == [
        (feed, f"the entry {SITEURL}/{page} has no payment link")
        for feed in ("feeds/all.atom.xml", "feeds/all.rss.xml")
        for page in ("first-article.html", "second-article.html")
    ]


def test_feeds_off_still_audits_what_feeds_carry(site, capsys):
    output, status, report = build_and_audit(site, capsys, FLATTR_FEEDS=False)
    assert status == 0, report["problems"]
    first = manifest_things(output)["a.md"]
    atom, rss = output / "feeds" / "all.atom.xml", output / "feeds" / "all.rss.xml"
    # The first thing's own payment link, as a build with feeds on wrote it.
    own = first["auto_submit_url"].replace("&", "&amp;")
    replace_in(
        atom,
        f'<link href="{SITEURL}/first-article.html" rel="alternate"/>',
        f'<link href="{SITEURL}/first-article.html" rel="alternate"/>'
        f'<link href="{own}" rel="payment"/>',
    )
    replace_in(atom, "A first paragraph", "Ask carol@example.org. A first paragraph")
    unknown = "https://flattr.com/submit/auto?url=x"
    replace_in(
        rss,
        f"<link>{SITEURL}/second-article.html</link>",
        f"<link>{SITEURL}/second-article.html</link>"
        f'<atom:link href="{unknown}" rel="payment"/>',
    )
    (output / "feeds" / "broken.atom.xml").write_text("<feed><entry></feed>")
    assert main(["audit", str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    second = manifest_things(output)["b.md"]
    assert sorted((p["file"], p["problem"]) for p in problems) == [
        (
            "feeds/all.atom.xml",
            f"holds the plain email address behind owner {second['owner']['value']} "
            f"(the owner of thing {second['url']})",
        ),
        (
            "feeds/all.atom.xml",
            f"the entry {SITEURL}/first-article.html has 1 payment links, though "
            "the manifest says the build put none in feeds",
        ),
        (
            "feeds/all.rss.xml",
            f"the entry {SITEURL}/second-article.html has a payment link to "
            f"{unknown!r}, which the manifest doesn't know",
        ),
        (
            "feeds/broken.atom.xml",
            "is not well-formed XML (mismatched tag: line 1, column 15)",
        ),
    ]


def test_helper_button_of_another_style_passes(site, capsys, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(SAMPLE_SITE.parent / "theme", theme)
    template = theme / "templates" / "article.html"
    text = template.read_text()
    assert "flattr_button(article)" in text
    compact = 'flattr_button(article, style="compact")'
    template.write_text(text.replace("flattr_button(article)", compact))
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert report["problems"] == [] and status == 0
    # The page really shows the compact button, not the configured plain one.
    assert 'data-flattr-button="compact"' in (output / "first-article.html").read_text()


@pytest.mark.parametrize("button", ["plain", "js"])
def test_markup_quoted_in_the_head_by_the_theme_passes(site, capsys, button):
    # notmyidea prints the title unescaped in <title> and the summary in a
    # <meta content="...">: what follows a "<!--" or "<script>" there is
    # still the page's own markup, as a browser reads it.
    files = {
        "a.md": article("Writing &lt;!-- comments in HTML", "Alice"),
        "b.md": article(
            "Safer inline scripts",
            "Alice",
            summary="Why every &lt;script&gt; element needs a nonce.",
        ),
    }
    output, status, report = build_and_audit(site, capsys, files, FLATTR_BUTTON=button)
    page = (output / "writing-comments-in-html.html").read_text(encoding="utf-8")
    assert "<title>Writing <!-- comments in HTML" in page
    page = (output / "safer-inline-scripts.html").read_text(encoding="utf-8")
    assert 'content="Why every <script> element' in page
    assert report["problems"] == [] and status == 0


def test_thing_url_pinned_at_a_page_without_a_thing_passes(site, capsys):
    # The feed entry of the article opted out links to its own page, which
    # is the other article's pinned thing URL: it needs no payment link.
    files = {
        "a.md": article("Alpha post", slug="alpha", flattr="no"),
        "b.md": article("Beta post", slug="beta", flattr_url=f"{SITEURL}/alpha.html"),
    }
    output, status, report = build_and_audit(site, capsys, files)
    assert report["problems"] == [] and status == 0
    (thing,) = manifest_things(output).values()
    assert thing["url"] == f"{SITEURL}/alpha.html"
    assert "feeds/all.atom.xml" in thing["feeds"]  # its own entry was checked


def test_a_manifest_in_a_folder_of_the_site_is_its_own(site, capsys):
    # FLATTR_MANIFEST may put the manifest among the feeds: that folder is
    # this site's, not another site's to leave out.
    output = site(
        two_articles(),
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_MANIFEST="feeds/flattr-manifest.json",
    )
    manifest = output / "feeds" / "flattr-manifest.json"
    capsys.readouterr()
    status, report = audit_json(
        output, capsys, "--manifest", str(manifest), settings=None
    )
    assert report["problems"] == [] and report["other_sites"] == [], report
    assert status == 0
    # The feed really was checked.
    replace_in(output / "feeds" / "all.atom.xml", 'rel="payment"', 'rel="other"')
    status, report = audit_json(
        output, capsys, "--manifest", str(manifest), settings=None
    )
    assert status == 1
    assert {p["file"] for p in report["problems"]} == {"feeds/all.atom.xml"}
    # Audited with a copy, the site is the same: no other site, and the
    # copy's original is no manifest of an earlier build.
    shutil.copy(manifest, output / "copy.json")
    status, report = audit_json(
        output, capsys, "--manifest", str(output / "copy.json"), settings=None
    )
    assert report["other_sites"] == [] and status == 1
    assert {p["file"] for p in report["problems"]} == {"feeds/all.atom.xml"}
    # A folder with a manifest of its own, below which the one audited
    # lists no page or feed, is another site's.
    document = json.loads(manifest.read_text())
    for thing in document["things"]:
        thing["feeds"] = []
    (output / "copy.json").write_text(json.dumps(document))
    status, report = audit_json(
        output, capsys, "--manifest", str(output / "copy.json"), settings=None
    )
    assert report["other_sites"] == ["feeds"] and status == 0, report


def test_a_folder_that_holds_only_the_audited_manifest_is_no_other_site(site, capsys):
    # FLATTR_MANIFEST may put it in a folder of its own, where the site has
    # no page or feed: the manifest there is the one audited, not another
    # site's, however the path to it is spelt.
    output = site(
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_MANIFEST="meta/flattr-manifest.json",
    )
    capsys.readouterr()
    for manifest in ("meta/flattr-manifest.json", "meta/../meta/flattr-manifest.json"):
        given = ["--manifest", str(output / manifest)]
        status, report = audit_json(output, capsys, *given, settings=None)
        assert (status, report["problems"], report["other_sites"]) == (0, [], [])


def test_a_manifest_left_above_the_site_s_pages_hides_no_folder(site, capsys):
    # The pages are in posts/2024/: posts/ is this site's folder too, and
    # a manifest an earlier build left there makes it no other site's.
    output = site(
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        ARTICLE_URL="posts/{date:%Y}/{slug}.html",
        ARTICLE_SAVE_AS="posts/{date:%Y}/{slug}.html",
    )
    document = json.loads((output / "flattr-manifest.json").read_text())
    earlier = {**document, "things": document["things"][:1]}
    (output / "posts" / "flattr-manifest.json").write_text(json.dumps(earlier))
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["other_sites"]) == (1, [])
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("posts/flattr-manifest.json", "other-manifest")
    ]


def test_a_manifest_an_earlier_build_left_hides_no_folder(tmp_path, capsys):
    # FLATTR_MANIFEST moved from feeds/ back to the output root, the old
    # manifest stays in feeds/ (Pelican deletes no output by default): the
    # feeds beside it are this site's all the same, and checked, the one
    # the new build no longer writes, paying Alice's old owner, too.
    from conftest import build

    feeds = {"FEED_ALL_ATOM": "feeds/all.atom.xml", "FEED_ALL_RSS": None}
    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS={**AUTHORS, "Alice": "alice_before"},
        FLATTR_MANIFEST="feeds/flattr-manifest.json",
        **{**feeds, "FEED_ALL_RSS": "feeds/all.rss.xml"},
    )
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, **feeds)
    capsys.readouterr()
    status = main(["audit", str(output), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["other_sites"] == []
    problems = sorted((p["file"], p["problem"]) for p in report["problems"])
    (old_link,) = [
        link.href
        for entry in feedparser.parse(output / "feeds" / "all.rss.xml").entries
        for link in entry.links
        if link.rel == "payment" and "alice_before" in link.href
    ]
    entry = f"the entry {SITEURL}/first-article.html"
    assert problems == [
        (
            "feeds/all.rss.xml",
            f"{entry} has a payment link to {old_link!r}, which the manifest "
            "doesn't know: it sends another owner than the manifest's",
        ),
        (
            "feeds/flattr-manifest.json",
            f"is a manifest other than the one audited ({output}/flattr-manifest.json)"
            ": one left by a build with another FLATTR_MANIFEST?",
        ),
    ], report


def test_a_manifest_left_under_an_earlier_name_is_a_problem(tmp_path, capsys):
    # FLATTR_MANIFEST named meta/things.json, then the default: the old
    # file stays, published, naming Alice's old owner.
    from conftest import build

    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS={**AUTHORS, "Alice": "alice_before"},
        FLATTR_MANIFEST="meta/things.json",
    )
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (output / "search.json").write_text('{"schema_version": "not ours", "pages": []}')
    capsys.readouterr()
    status = main(["audit", str(output), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            "meta/things.json",
            f"is a manifest other than the one audited ({output}/flattr-manifest.json)"
            ": one left by a build with another FLATTR_MANIFEST?",
            "other-manifest",
        )
    ]


def test_a_manifest_kept_aside_beside_the_site_s_is_a_problem(tmp_path, capsys):
    # The earlier build's manifest copied aside before a rebuild, as
    # flattr-manifest.bak.json, stays published, naming Alice's old owner.
    # A language's site writes its manifest beside this one named so
    # (flattr-manifest.de.json), but its part is two letters, as Pelican's
    # DEFAULT_LANG has it: ".bak" and ".old" are none.
    earlier = build(
        tmp_path, two_articles(), FLATTR_AUTHORS={**AUTHORS, "Alice": "alice_before"}
    )
    for kept in ("flattr-manifest.bak.json", "flattr-manifest.old.json"):
        shutil.copy(earlier / "flattr-manifest.json", earlier / kept)
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("flattr-manifest.bak.json", "other-manifest"),
        ("flattr-manifest.old.json", "other-manifest"),
    ]


def test_a_temporary_manifest_a_stopped_build_left_is_a_problem(tmp_path, capsys):
    # A build killed as it wrote the manifest leaves its temporary file
    # (".flattr-manifest.json~" and eight characters, made 0600), which the
    # next build deletes; a deploy before it published it, and the audit
    # said nothing. Only beside the manifest: another name is the site's.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (output / ".flattr-manifest.json~k2_9xq0a").write_text('{"schema_version": 1,')
    (output / "posts").mkdir()
    for other in (
        ".flattr-manifest.json~notes",
        "posts/.flattr-manifest.json~k2_9xq0a",
    ):
        (output / other).write_text("kept")
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    (problem,) = report["problems"]
    assert problem == {
        **problem,
        "file": ".flattr-manifest.json~k2_9xq0a",
        "kind": "other-manifest",
        "problem": "is a temporary file of the manifest (flattr-manifest.json), "
        "left by a build stopped while it wrote the manifest (or writing it "
        "now): the manifest may be an earlier build's",
        "expected": "none: build the site again, to its end (which deletes "
        "it), then audit again",
    }


def test_another_site_with_its_manifest_where_this_one_has_it(site, capsys):
    # A site written inside this one's output (as i18n_subsites writes each
    # language's) keeps its manifest where FLATTR_MANIFEST puts this one's,
    # in its own folder: that folder is the other site's, not this one's
    # pages. Only a folder holding flattr-manifest.json itself was taken
    # for one.
    relative = "meta/manifest.json"
    output = site(two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST=relative)
    other = site(
        {"c.md": article("Another site's article", "Alice")},
        SITEURL="https://other.example.org",
        FLATTR_AUTHORS={"Alice": "alice_elsewhere"},
        FLATTR_MANIFEST=relative,
    )
    shutil.copytree(other, output / "elsewhere")
    capsys.readouterr()

    def audit(folder):
        status = main(["audit", str(folder), "--manifest", str(folder / relative)])
        said = capsys.readouterr().out
        status_json = main(
            ["audit", str(folder), "--manifest", str(folder / relative), "--json"]
        )
        assert status_json == status
        return status, said, json.loads(capsys.readouterr().out)

    status, said, report = audit(output)
    assert (status, report["problems"], report["other_sites"]) == (0, [], ["elsewhere"])
    assert report["things"] == 2
    assert (
        "elsewhere/ holds a manifest of its own: it is another site's output. "
        "This audit checks it only for the owners' addresses, which no file may "
        "publish. To check the rest, audit it on its own: pelican-flattr audit "
        f"{output / 'elsewhere'} --manifest {output / 'elsewhere' / relative}"
    ) in said
    assert audit(output / "elsewhere")[0] == 0

    # A file of that name that is no pelican-flattr manifest (a web app's)
    # makes no other site: the folder's pages are checked as this site's.
    app = output / "app"
    (app / "meta").mkdir(parents=True)
    (app / "meta" / "manifest.json").write_text('{"name": "An app", "icons": []}')
    shutil.copy(output / "elsewhere" / "another-sites-article.html", app / "a.html")
    status, _, report = audit(output)
    assert status == 1 and report["other_sites"] == ["elsewhere"]
    assert {p["file"] for p in report["problems"]} == {"app/a.html"}


def test_a_folder_whose_name_starts_as_another_site_s_is_this_site_s(
    site, copy, capsys
):
    # Another site's folder, "elsewhere", is that site's with all below it;
    # "elsewhere-old" beside it is not. (Several names: the folders are
    # walked in the order the file system lists them, the other site's
    # found first or not.)
    other = site({"c.md": article("Elsewhere", "Dan")}, FLATTR_USERNAME="dan")
    shutil.copytree(other, copy / "elsewhere")
    names = ["elsewhere-old", "elsewhere.bak", "elsewhere0", "elsewhere_2"]
    for name in names:
        (copy / name).mkdir()
        shutil.copy(copy / "index.html", copy / name / "index.html")
        add_link(
            copy / name / "index.html", "https://flattr.com/submit/auto" + EVIL_QUERY
        )
    capsys.readouterr()
    status, report = audit_json(copy, capsys)
    assert (status, report["other_sites"]) == (1, ["elsewhere"])
    assert sorted((p["file"], p["kind"]) for p in report["problems"]) == [
        (f"{name}/index.html", "button-unknown") for name in sorted(names)
    ]


def test_an_output_reached_through_a_link_still_holds_its_manifest(site, capsys):
    # The output given by a link, the manifest by its real path (or the
    # other way): the manifest lies in the output all the same, at
    # meta/manifest.json, where another site in it keeps its own.
    relative = "meta/manifest.json"
    output = site(two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_MANIFEST=relative)
    other = site(
        {"c.md": article("Another site's article", "Alice")},
        FLATTR_AUTHORS={"Alice": "alice_elsewhere"},
        FLATTR_MANIFEST=relative,
    )
    shutil.copytree(other, output / "elsewhere")
    linked = output.parent / "linked"
    linked.symlink_to(output, target_is_directory=True)
    capsys.readouterr()
    for folder, manifest in ((linked, output), (output, linked)):
        given = ["--manifest", str(manifest / relative)]
        status, report = audit_json(folder, capsys, *given, settings=None)
        assert (status, report["problems"]) == (0, []), report
        assert report["other_sites"] == ["elsewhere"]


# --- Bad input is a usage error naming the file and field, never a traceback. ---


def test_a_manifest_of_the_first_version_asks_for_a_rebuild(site, capsys):
    # Schema version 1 had no things[].page nor things[].feeds at first
    # (see tests/fixtures/manifest-first-version.json), and the audit finds
    # each thing's page and feeds by them. It said "things[0].page is
    # missing", as for a broken manifest; diff reads such a manifest.
    files = {"a.md": article("Some article", "Alice"), "b.md": article("Other one")}
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_USERNAME="site")
    path = output / "flattr-manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["open_graph"]  # nor did it write this
    for thing in manifest["things"]:
        del thing["page"], thing["feeds"]
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    capsys.readouterr()
    assert main(["audit", str(output)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {path}: things[0] has no page and no feeds: this "
        "manifest was written by an older version of pelican-flattr, which did "
        "not record them, and the audit finds each thing's page and feeds by "
        "them: build the site again with this version and audit that build "
        "(pelican-flattr diff still reads this manifest)\n"
    )
    assert main(["diff", str(path), str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["url_changed"] == []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda m: m["things"][0].pop("page"), "things[0].page is missing"),
        (lambda m: m["things"][0].pop("owner"), "things[0].owner is missing"),
        (lambda m: m["things"][0]["owner"].pop("kind"), "things[0].owner.kind is"),
        (lambda m: m["things"][0].pop("button"), "things[0].button is missing"),
        (lambda m: m["things"][0].update(button="big"), "things[0].button must be"),
        (lambda m: m.update(siteurl=None), "siteurl must be a JSON string"),
        (lambda m: m["things"][0].update(feeds="f.xml"), "things[0].feeds must be"),
        (lambda m: m["things"][0].update(feeds=[1]), "things[0].feeds[0] must be"),
        # Half a UTF-16 pair: no text, though every pattern takes it.
        (
            lambda m: m["things"][0].update(url=f"{SITEURL}/\ud800"),
            "things[0].url holds a \\uXXXX escape of half a character",
        ),
    ],
)
def test_manifest_with_a_bad_field_is_a_usage_error(copy, capsys, change, says):
    path = copy / "flattr-manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))
    assert main(["audit", str(copy)]) == 2
    error = capsys.readouterr().err
    assert str(path) in error and says in error
    # diff refuses it too, rather than reading a missing owner as "changed".
    assert main(["diff", str(path), str(path)]) == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value", "sent"),
    [
        ("owner", {"kind": "flattr_user", "value": "mallory"}, "user_id='alice_"),
        ("title", "A title Flattr never got", "title='Welcome to Hackspace Notes'"),
        ("description", "Another description", "description='"),
        ("category", "video", "category='text'"),
        ("language", "de_DE", "language='en_GB'"),
        ("tags", ["other"], "tags='hackspace,meta'"),
        ("hidden", True, "no hidden"),
    ],
)
def test_a_manifest_field_its_auto_submit_url_contradicts(
    copy, capsys, field, value, sent
):
    # The manifest records what was sent to Flattr: edited by hand, it
    # passed, and diff then reported a change no page or feed has.
    path = copy / "flattr-manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    index, thing = next(
        (index, thing)
        for index, thing in enumerate(manifest["things"])
        if thing["source"] == "welcome-to-hackspace-notes.md"
    )
    thing[field] = value
    path.write_text(json.dumps(manifest), encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == "flattr-manifest.json"
    recorded = value["value"] if field == "owner" else value
    assert problem["problem"].startswith(
        f"things[{index}].{field} of {thing['url']} is {recorded!r}, but its "
        f"auto_submit_url sends {sent}"
    )
    assert problem["kind"] == "manifest-field"


def test_a_parameter_the_manifest_has_no_field_for_is_a_manifest_field(copy, capsys):
    # A second owner's parameter in a thing's auto_submit_url (user_id
    # beside its owner=), in the manifest and on every page and feed
    # alike: Flattr is sent an owner the manifest's fields do not say.
    path = copy / "flattr-manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    index, thing = next(
        (index, thing)
        for index, thing in enumerate(manifest["things"])
        if thing["source"] == "fixing-a-cold-solder-joint.md"
    )
    built = thing["auto_submit_url"]
    assert "&owner=email%3A" in built and "user_id=" not in built
    thing["auto_submit_url"] = f"{built}&user_id=mallory"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    for written in [*copy.rglob("*.html"), *copy.rglob("*.xml")]:
        text = written.read_text(encoding="utf-8")
        escaped = built.replace("&", "&amp;")
        if escaped in text:
            written.write_text(
                text.replace(escaped, f"{escaped}&amp;user_id=mallory"), "utf-8"
            )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            "flattr-manifest.json",
            f"things[{index}].owner of {thing['url']} is {thing['owner']['value']!r}, "
            "but its auto_submit_url sends user_id='mallory'",
            "manifest-field",
        )
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "no such settings file"),
        ("FLATTR_AUTHORS = {\n", "SyntaxError"),
        ('raise ValueError("ask carol@example.org")', "ValueError: ask [address]"),
        ('FLATTR_AUTHORS = ["x"]', "FLATTR_AUTHORS must be a dict"),
    ],
)
def test_unreadable_settings_are_a_usage_error(
    sample_output, tmp_path, capsys, text, says
):
    settings = tmp_path / "pelicanconf.py"
    if text is not None:
        settings.write_text(text)
    assert main(["audit", str(sample_output), "--settings", str(settings)]) == 2
    error = capsys.readouterr().err
    assert str(settings) in error and says in error and "carol@" not in error


def test_links_and_fifos_in_the_output_are_skipped(copy, capsys):
    (copy / "theme" / "broken.css").symlink_to(copy / "nowhere.css")
    # Broken too: a link to itself, and one through a file as if a folder.
    (copy / "theme" / "loop.css").symlink_to(copy / "theme" / "loop.css")
    (copy / "theme" / "through.css").symlink_to(copy / "index.html" / "x.css")
    # A link to a listing: one to a thing's page is a copy of it at another
    # address, whose head says it is that thing's page (a problem).
    (copy / "theme" / "linked.html").symlink_to(copy / "index.html")
    os.mkfifo(copy / "pipe.txt")
    # In a child process: reading the FIFO would block for ever.
    result = audit_in_child(copy)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    # The link to a regular file is audited as one; the others are skipped.
    assert (
        report["files"]
        == sum(1 for p in copy.rglob("*") if p.is_file() and not p.is_symlink()) + 1
    )


# --- The report never repeats an address, plain or percent-encoded. ---


def test_report_never_repeats_an_address(copy, capsys):
    thing = next(
        t for t in manifest_things(copy).values() if t["owner"]["kind"] == "email"
    )
    hashed = thing["owner"]["value"].replace(":", "%3A")
    leaked = "email%3Acarol%40example.org"
    changed = [copy / thing["page"], *(copy / feed for feed in thing["feeds"])]
    for path in changed:
        text = path.read_text(encoding="utf-8")
        assert hashed in text
        path.write_text(text.replace(hashed, leaked), encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert any("[address]" in p["problem"] for p in report["problems"])
    dumped = json.dumps(report).lower()
    assert "carol%40" not in dumped and "carol@" not in dumped


@pytest.mark.parametrize(
    ("copies", "named"),
    [
        # An image saved under the address it came with.
        ({"images/soldering.png": "images/carol@example.org.png"}, "images/"),
        # An author's page saved under the address (AUTHOR_SAVE_AS by
        # email): the folder, once, however many files it holds.
        (
            {
                "author/carol-chen.html": "author/Carol%40Example.org/index.html",
                "index.html": "author/Carol%40Example.org/page2.html",
            },
            "author/",
        ),
    ],
    ids=["file", "folder"],
)
def test_a_name_that_holds_an_address_is_a_leak(copy, capsys, copies, named):
    # A web server publishes a file's name in its URL, and an index of its
    # folder lists it: the address was published, however clean the text.
    for source, target in copies.items():
        (copy / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy / source, copy / target)
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == f"{named}[address]"
    assert problem["problem"].startswith(
        "is named with the plain email address of author 'Carol Chen'"
    )
    assert "its URL publishes it" in problem["problem"]
    assert "carol@" not in json.dumps(report).lower()
    assert "carol%40" not in json.dumps(report).lower()
    # Without the settings file, the hash of the email owner finds it.
    status, report = audit_json(copy, capsys, settings=None)
    assert status == 1 and [p["file"] for p in report["problems"]] == [problem["file"]]


# --- Broken sites fail. ---


def replace_in(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_embedded_button_with_a_wrong_owner_or_without_load_js(site, capsys):
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    page_path = output / "first-article.html"
    replace_in(page_path, 'data-flattr-uid="alice_f"', 'data-flattr-uid="mallory"')
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            f"the Flattr button of {SITEURL}/first-article.html has "
            "data-flattr-uid 'mallory'",
            "button-owner",
        )
    ]
    text = page_path.read_text(encoding="utf-8")
    loader = next(line for line in text.splitlines() if "load.js" in line)
    page_path.write_text(text.replace(loader, ""), encoding="utf-8")
    status, report = audit_json(output, capsys, settings=None)
    hidden = [p for p in report["problems"] if "no load.js" in p["problem"]]
    assert [p["kind"] for p in hidden] == ["button-hidden"]


LOADER = '<script src="https://api.flattr.com/js/0.6/load.js?mode=auto" async>'
BUTTON_START = '<a class="FlattrButton '


# A loader that never shows the button, or is not Flattr's: what of the
# plugin's <script> is replaced, by what, and what the problem says of it.
HIDDEN = "is hidden: the page's load.js <script> has "
FLATTRS = "api.flattr.com/js/0.6/load.js?mode="
OTHER = "cdn.example.net/flattr.com/js/x"
LOADER_DAMAGES = [
    ("http", "https:", "http:", f"src='http://{FLATTRS}auto': browsers block http:"),
    ("manual", "=auto", "=manual", f"src='https://{FLATTRS}manual': load.js with"),
    ("other-host", "api.flattr.com/js/0.6", OTHER, f"src='https://{OTHER}/load.js"),
    ("not-js", "<script ", '<script type="text/x-template" ', "type='text/x-template'"),
    # Held back for a consent manager to run: the same rules.
    (
        "held-back",
        'src="https://api',
        f'type="Text/Plain" src="https://{OTHER}/x',
        f"src='https://{OTHER}/x",
    ),
    (
        "held-back-data",
        'src="https://api',
        f'type="text/plain" data-src="https://{OTHER}/x',
        f"data-src='https://{OTHER}/x",
    ),
    ("nomodule", "<script ", "<script nomodule ", "nomodule, which browsers that"),
]


@pytest.mark.parametrize(
    ("article_page", "old", "new", "says"),
    [
        # load.js reads a rel (without one, a rev) starting with "flattr" in
        # place of the data attributes: the owner there is the one paid.
        pytest.param(
            "first-article.html",
            BUTTON_START,
            f'<a rel="flattr;uid:mallory;" {BUTTON_START[3:]}',
            "has rel='flattr;uid:mallory;', which load.js reads in place of its "
            "data-flattr-* attributes: uid 'mallory'",
            id="rel",
        ),
        pytest.param(
            "second-article.html",
            BUTTON_START,
            f'<a rev="flattr;owner:twitter:user:id:1;" {BUTTON_START[3:]}',
            "has rev='flattr;owner:twitter:user:id:1;', which load.js reads in "
            "place of its data-flattr-* attributes: owner 'twitter:user:id:1'",
            id="rev",
        ),
        # Flattr: never send both.
        pytest.param(
            "first-article.html",
            'data-flattr-uid="alice_f"',
            'data-flattr-uid="alice_f" data-flattr-owner="twitter:user:id:1"',
            "gives both uid and owner (data-flattr-uid and data-flattr-owner)",
            id="uid-and-owner",
        ),
        # load.js trims each key of a rel: " owner" is owner.
        pytest.param(
            "first-article.html",
            BUTTON_START,
            f'<a rel="flattr;uid:alice_f; owner:twitter:user:id:1;" {BUTTON_START[3:]}',
            "gives both uid and owner (rel='flattr;uid:alice_f; "
            "owner:twitter:user:id:1;')",
            id="rel-key-spaced",
        ),
        # The loader's uid is a default of every button it shows: load.js
        # sends it beside a button's owner.
        pytest.param(
            "second-article.html",
            LOADER,
            LOADER.replace("mode=auto", "mode=auto&amp;uid=mallory"),
            "gives both uid and owner (uid='mallory' in the page's load.js URL, "
            "and data-flattr-owner)",
            id="loader-uid",
        ),
        # Another html5-key-prefix: load.js reads none of the button's
        # data-flattr-* attributes, its owner among them.
        pytest.param(
            "first-article.html",
            LOADER,
            LOADER.replace("mode=auto", "html5-key-prefix=data-x&amp;mode=auto"),
            "is read without its data-flattr-* attributes: the page's load.js "
            "has html5-key-prefix='data-x', and reads data-x-* ones in their "
            "place: uid None",
            id="loader-key-prefix",
        ),
        *(
            pytest.param(
                "first-article.html",
                LOADER,
                LOADER.replace(part, by),
                HIDDEN + says,
                id=name,
            )
            for name, part, by, says in LOADER_DAMAGES
        ),
    ],
)
def test_an_embedded_button_is_read_as_load_js_reads_it(
    site, capsys, article_page, old, new, says
):
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    replace_in(output / article_page, old, new)
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == article_page
    assert problem["problem"].startswith(
        f"the Flattr button of {SITEURL}/{article_page} "
    )
    assert says in problem["problem"]


def test_an_embedded_button_as_load_js_reads_it_passes(site, capsys):
    # The loader without its scheme, its host in capitals (a browser reads
    # it in lower case), with a JavaScript type; a rel starting with
    # "flattr" that gives the manifest's owner: all load.js reads so.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    first = output / "first-article.html"
    replace_in(
        first,
        LOADER,
        LOADER.replace('src="https:', 'type="text/javascript" src="').replace(
            "api.flattr.com", "API.FLATTR.COM"
        ),
    )
    replace_in(first, BUTTON_START, f'<a rel="flattr;uid:alice_f;" {BUTTON_START[3:]}')
    # load.js reads a rel only if it starts with "flattr" as written: this
    # one it leaves, and reads the data attributes, the manifest's owner.
    second = output / "second-article.html"
    replace_in(second, BUTTON_START, f'<a rel="Flattr;uid:mallory;" {BUTTON_START[3:]}')
    status, report = audit_json(output, capsys, settings=None)
    assert status == 0, report["problems"]
    # Over http on a site served over http: nothing blocks it there.
    plain_http = SITEURL.replace("https:", "http:")
    output, status, report = build_and_audit(
        site, capsys, FLATTR_BUTTON="js", SITEURL=plain_http
    )
    assert status == 0, report["problems"]
    replace_in(output / "first-article.html", LOADER, LOADER.replace("https:", "http:"))
    status, report = audit_json(output, capsys, settings=None)
    assert status == 0, report["problems"]


def test_load_js_options_that_change_no_owner_pass(site, capsys):
    # A uid of the loader's that the button's own data-flattr-uid overrides,
    # and the prefix load.js reads by default, given.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    with_uid = LOADER.replace("mode=auto", "mode=auto&amp;uid=mallory")
    replace_in(output / "first-article.html", LOADER, with_uid)
    with_prefix = LOADER.replace("mode=auto", "html5-key-prefix=data-flattr")
    replace_in(output / "second-article.html", LOADER, with_prefix)
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (0, [])


@pytest.mark.parametrize(
    ("style", "damage", "says"),
    [
        # A theme's own link with article.flattr.url, or a plain button's
        # href edited by hand: a link to the article itself, not to Flattr.
        ("plain", "thing_url", "a plain Flattr button (no class FlattrButton)"),
        # An embedded button that lost its class: load.js leaves it hidden.
        ("js", "no_class", "a plain Flattr button (no class FlattrButton)"),
        ("js", "auto_submit_url", "an embedded Flattr button (class FlattrButton)"),
    ],
)
def test_a_button_that_links_what_its_kind_cannot_use_is_no_button(
    site, capsys, style, damage, says
):
    # Any a.flattr-button whose href was the thing URL counted as the page's.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON=style)
    assert status == 0, report["problems"]
    thing = manifest_things(output)["a.md"]
    page_path = output / thing["page"]
    auto = thing["auto_submit_url"].replace("&", "&amp;")
    text = page_path.read_text(encoding="utf-8")
    start = text.index("flattr-button", text.index("</head>"))  # the button
    start = text.rindex("<a ", 0, start)
    button = text[start : text.index(">", start)]
    if damage == "thing_url":
        damaged = button.replace(f'href="{auto}"', f'href="{thing["url"]}"')
    elif damage == "no_class":
        damaged = button.replace('class="FlattrButton ', 'class="')
    else:  # href and data-flattr-url, which load.js reads over it
        damaged = button.replace(f'="{thing["url"]}"', f'="{auto}"')
    assert damaged != button
    page_path.write_text(text.replace(button, damaged), encoding="utf-8")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    said = [p for p in report["problems"] if p["file"] == thing["page"]]
    problems = [p["problem"] for p in said]
    assert len(problems) == 2, problems
    assert problems[0].startswith(says)
    assert problems[1] == "has 0 Flattr buttons for its thing (1 in all)"
    assert [p["kind"] for p in said] == ["button-wrong-href", "button-missing"]


def test_an_embedded_button_to_an_unknown_page_is_told_by_its_kind(site, capsys):
    # Its href is no auto-submit URL: nothing it "sends otherwise" is said,
    # and what the page needs is its embedded button, by its thing URL.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    thing = manifest_things(output)["a.md"]
    elsewhere = f"{SITEURL}/elsewhere.html"
    for name in ("href", "data-flattr-url"):  # load.js reads the second
        replace_in(
            output / thing["page"], f'{name}="{thing["url"]}"', f'{name}="{elsewhere}"'
        )
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": thing["page"],
                "problem": f"a Flattr button points at {elsewhere!r}, which the "
                "manifest doesn't know",
                "expected": f"exactly one js button with href {thing['url']}",
                "kind": "button-unknown",
            }
        ],
    )


def test_a_page_with_a_second_load_js_that_runs_shows_its_button(site, capsys):
    # One load.js of the wrong type does not hide the button while another
    # on the page runs.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    page_path = output / manifest_things(output)["a.md"]["page"]
    inert = '<script type="text/x-template" src="https://api.flattr.com/js/0.6/load.js"></script>'
    replace_in(page_path, "</head>", inert + "</head>")
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (0, [])


def test_an_unknown_payment_link_in_the_body_leaves_the_head_without_one(site, capsys):
    # The page's one payment link is unknown and in its body: two faults,
    # not the one of a head link edited (the stranger's, and none in <head>).
    output, status, report = build_and_audit(site, capsys)
    assert status == 0, report["problems"]
    thing = manifest_things(output)["a.md"]
    page_path = output / thing["page"]
    text = page_path.read_text(encoding="utf-8")
    start = text.index('<link rel="payment"')
    own = text[start : text.index(">", start) + 1]
    stranger = f'<link rel="payment" href="{EVIL.replace("&", "&amp;")}">'
    text = text.replace(own, "").replace("</body>", stranger + "</body>")
    page_path.write_text(text, encoding="utf-8")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    said = [(p["kind"], p["problem"], p["expected"]) for p in report["problems"]]
    assert [(kind, expected) for kind, _, expected in said] == [
        ("payment-link-unknown", "the auto-submit URL of a manifest thing"),
        (
            "payment-link-missing",
            f'one <link rel="payment" href="{thing["auto_submit_url"]}"> in <head>',
        ),
    ]
    assert said[1][1] == "has 1 payment links (0 in <head>)"


def test_tags_in_a_comment_count_for_nothing(copy, capsys):
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    for start, end in (
        ('<link rel="payment"', ">"),
        ('<a class="flattr-button', "</a>"),
    ):
        begin = text.index(start)
        stop = text.index(end, begin) + len(end)
        text = text[:begin] + "<!--" + text[begin:stop] + "-->" + text[stop:]
    path.write_text(text, encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert {(p["problem"], p["kind"]) for p in report["problems"]} == {
        ("has 0 Flattr buttons for its thing (0 in all)", "button-missing"),
        ("has 0 payment links (0 in <head>)", "payment-link-missing"),
    }


@pytest.mark.parametrize(
    "hiding",
    [
        # Text that looks like a script's end tag ends nothing, in a browser.
        '<script>var s = "</scriptx>',
        # Nor is a name a script's when only Unicode folds it to one.
        "<\u017fcript>",
    ],
)
def test_only_a_real_script_hides_the_tags_after_it(copy, capsys, hiding):
    thing = a_thing(copy)
    page = copy / thing["page"]
    text = page.read_text(encoding="utf-8")
    link = text.index('<link rel="payment"')
    if hiding.startswith("<script>"):
        # The payment link inside the script's text: no link in the head.
        end = text.index(">", link) + 1
        text = text[:link] + hiding + text[link:end] + '";</script>' + text[end:]
        expected = {"has 0 payment links (0 in <head>)"}
    else:
        # Plain text before the button: it hides nothing.
        button = text.index('<a class="flattr-button')
        text = text[:button] + hiding + text[button:]
        expected = set()
    page.write_text(text, encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert {p["problem"] for p in report["problems"]} == expected
    assert status == (1 if expected else 0)


@pytest.mark.parametrize(
    "tags",
    [
        # Arrays in Open Graph: a theme may print them beside the plugin's.
        '<meta property="og:locale:alternate" content="de_DE">'
        '<meta property="og:locale:alternate" content="he_IL">',
        '<meta property="og:image:alt" content="a">'
        '<meta property="og:image:alt" content="b">',
        '<meta property="og:video" content="https://v.example/1.mp4">'
        '<meta property="og:video" content="https://v.example/2.mp4">',
    ],
)
def test_repeated_open_graph_arrays_are_no_problem(copy, capsys, tags):
    thing = a_thing(copy)
    replace_in(copy / thing["page"], "</head>", f"{tags}</head>")
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


def test_duplicate_article_properties(copy, capsys):
    thing = a_thing(copy)
    replace_in(
        copy / thing["page"],
        "</head>",
        # The page has one already, from the plugin's Open Graph tags.
        '<meta property="article:section" content="again"></head>',
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [p["problem"] for p in report["problems"]] == [
        "has 2 article:section tags (two sets of Open Graph tags?)"
    ]


# --- Other files are read in bounded chunks, binaries not at all. ---


def test_memory_does_not_grow_with_the_largest_file(copy):
    import tracemalloc

    from pelican_flattr.audit import CHUNK_SIZE, audit_site

    size = 40 * CHUNK_SIZE
    # A text file with an address across the boundary of two chunks...
    with (copy / "big.txt").open("wb") as stream:
        stream.write(b"x" * (3 * CHUNK_SIZE - 5) + b" carol@example.org " + b"x" * size)
    # ... and a binary one, which is not scanned at all.
    (copy / "episode.mp3").write_bytes(b"\0carol@example.org" + b"\0" * size)
    tracemalloc.start()
    try:
        report = audit_site(copy)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * CHUNK_SIZE < size
    assert [p.file for p in report.problems] == ["big.txt"]


def test_progress_is_told_each_file_checked_of_all(copy):
    # The command's progress bar shows (done, total) as the audit gives it.
    from pelican_flattr.audit import audit_site

    told = []
    report = audit_site(copy, progress=lambda done, total: told.append((done, total)))
    assert report.files > 1
    assert told == [(done, report.files) for done in range(1, report.files + 1)]


# Other people's addresses that hold the owner's: a "." after a word joins
# it to the next. They failed the audit, with the settings and without: a
# correct site could not pass. (One whose domain is longer, such as
# carol@example.org.au, is found: nothing tells ".au" from a file's ".md".)
OTHER_ADDRESSES = [
    "anna.carol@example.org",
    "anna-carol@example.org",
    "anna.carol%40example.org",
    "?to=anna%2Bcarol%40example.org",
    "?to=ren%C3%A9.carol%40example.org",  # an "é" in escapes is a letter
]


@pytest.mark.parametrize(
    "text",
    [
        *OTHER_ADDRESSES,
        "url=mailto%3Acarol%40example.org",
        "carol@example.org.html",
        "Carol@Example.org.It was",
        "carol@example.org.md",
        # A "." or "-" after a digit joins nothing: a list's number, a date.
        "1.carol@example.org",
        "2024-05-01-carol@example.org.md",
        "—_carol@example.org_—",
        "Write to Carol (“carol@example.org”).",
        "carol@example.org—or call",
        "Mail _carol@example.org_ today",  # Markdown's emphasis, as written
        "anna_carol: _carol@example.org",
        # What Markdown makes of <carol@example.org>, to hide it from robots.
        "".join(f"&#{ord(c)};" for c in "carol@example.org"),
        "carol@example.org.Thanks",
        "carol@example.org…",
        "'carol@example.org'",
        "mailto:?to=carol@example.org",
        # A browser shows each of these as the address too.
        "c&#x61;rol@example.org",
        "carol&#64example.org",
        "carol&commat;example.org",
        "carol&#064;example.org",
        "carol&#x040;example.org",
        # And these, with what a reader does not see inside the address.
        "car&shy;ol@example.org",
        "car\u00adol@example.org",
        "car<wbr>ol@example.org",
        "c<WBR />arol&#64;example.org",
        "carol\u200b@example.org",
        "carol@\u2060example.org",
        "car&lrm;ol@example.org",
        # A direction embedding, an isolate, a zero-width no-break space.
        "car\u202aol@example.org",
        "car\u2066ol@example.org",
        "car\ufeffol@example.org",
        "car<wbr class=x>ol@example.org",
        "car\ufe0fol@example.org",
        # A harvester reads the source: there, these part words.
        "foo\u200bcarol@example.org",
        "foo&#8203;carol@example.org",
    ],
)
def test_leaked_address_in_another_form(copy, capsys, text):
    replace_in(copy / "pages" / "about.html", "</main>", f"<p>{text}</p></main>")
    leaked = text not in OTHER_ADDRESSES
    # Without the settings file: only the hash of the email owner finds it.
    assert main(["audit", str(copy), "--json"]) == int(leaked)
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [p["file"] for p in problems] == ["pages/about.html"] * leaked
    assert all("email:" in p["problem"] for p in problems)
    # With the settings, by the plain address too.
    status, report = audit_json(copy, capsys)
    assert status == int(leaked)
    assert [p["file"] for p in report["problems"]] == ["pages/about.html"] * leaked


@pytest.mark.parametrize(
    ("address", "leak"),
    [
        ("o'brien@example.org", "Write to o'brien@example.org."),
        ("o'brien@example.org", "?to=o%27brien%40example.org&amp;x=1"),
        ("o'brien@example.org", "Write to o&#39;brien@example.org."),
        ("o'brien@example.org", "Write to o&#x27;brien&#64;example.org."),
        ("josé@exämple.org", "<a href='mailto:josé@exämple.org'>José</a>"),
        ("josé@exämple.org", "Mail josé@exämple.org…"),
    ],
)
def test_leaked_address_that_is_not_plain_ascii(site, capsys, address, leak):
    # FLATTR_AUTHORS takes any address with one "@" and a dotted domain: the
    # audit finds each of them by its owner's hash, without the settings.
    output = site(
        {"post.md": article("Post", author="Dan")},
        FLATTR_AUTHORS={"Dan": f"email:{address}"},
    )
    assert main(["audit", str(output), "--json"]) == 0
    capsys.readouterr()
    replace_in(output / "post.html", "</body>", f"<p>{leak}</p></body>")
    assert main(["audit", str(output), "--json"]) == 1
    out = capsys.readouterr().out
    (problem,) = json.loads(out)["problems"]
    assert problem["file"] == "post.html"
    assert "plain email address behind owner email:" in problem["problem"]
    assert address.split("@")[0] not in out


def test_leaked_address_names_its_owner_not_another_page(site, capsys):
    # The owner of two things: the problem names the file that holds the
    # address and whose it is, not one of the owner's things (which read as
    # the place to look, and was the last by URL, here the clean page).
    output = site(
        {
            "solder.md": article("Solder", author="Dan"),
            "zebra.md": article("Zebra", author="Dan"),
            "solo.md": article("Solo", author="Eve"),
        },
        FLATTR_AUTHORS={"Dan": "email:dan@example.org", "Eve": "email:eve@example.org"},
    )
    assert main(["audit", str(output), "--json"]) == 0
    capsys.readouterr()
    replace_in(output / "solder.html", "</body>", "<p>dan@example.org</p></body>")
    replace_in(output / "solder.html", "</body>", "<p>eve@example.org</p></body>")
    assert main(["audit", str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    dan, eve = (hash_email(f"{name}@example.org") for name in ("dan", "eve"))
    assert sorted((p["file"], p["problem"]) for p in problems) == sorted(
        [
            (
                "solder.html",
                "holds the plain email address behind owner "
                f"email:{dan} (the owner of 2 things)",
            ),
            (
                "solder.html",
                "holds the plain email address behind owner "
                f"email:{eve} (the owner of thing {SITEURL}/solo.html)",
            ),
        ]
    )


# Any address the author mapping takes is found, whatever text surrounds it.
_LOCAL_CHARS = st.sampled_from([*"abcXYZ0189._+-'!#$*/=?^`{|}~", "é", "ø", "ß"])
_LABEL = st.text(st.sampled_from([*"abz09-", "ä", "ñ"]), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    local=st.text(_LOCAL_CHARS, min_size=1, max_size=64),
    labels=st.lists(_LABEL, min_size=2, max_size=3),
    before=st.sampled_from(["", " ", "(", "<p>", "mailto:", '"', "?to=", "«"]),
    after=st.sampled_from(["", " ", ".", ")", "…", "</p>", ", ", ".Thanks", "»"]),
    percent_encoded=st.booleans(),
)
def test_any_address_the_mapping_takes_is_found(
    local, labels, before, after, percent_encoded
):
    assume(len(local.encode()) <= 64)  # RFC 5321: 64 octets at most
    address = f"{local}@{'.'.join(labels)}"
    try:
        owner = parse_owner(f"email:{address}")
    except IdentifierError:
        assume(False)
    written = quote(address, safe="") if percent_encoded else address
    text = f"x {before}{written}{after} y".encode()
    found = {
        hash_email(candidate)
        for match in addresses_in(text)
        for candidate in candidate_addresses(match)
    }
    assert owner.value == f"email:{hash_email(address)}"
    assert hash_email(address) in found


_ADDRESS_BITS = st.sampled_from(["a", "b", "@", "%40", ".", "x.org", "-", " "])


@settings(max_examples=300)
@given(
    st.lists(_ADDRESS_BITS, max_size=40).map("".join),
    st.lists(st.lists(_ADDRESS_BITS, max_size=6).map("".join), max_size=6),
)
def test_plain_addresses_are_found_as_searching_for_each_finds_them(text, forms):
    # One search of the page per author's address cost (authors x bytes):
    # the index reads the page at each "@" instead, and finds the same.
    forms = {form.encode(): f"author {n}" for n, form in enumerate(forms)}
    forms = {
        form: whose for form, whose in forms.items() if b"@" in form or b"%40" in form
    }
    lowered = text.encode()
    expected = {whose for form, whose in forms.items() if _found_whole(form, lowered)}
    assert plain_addresses_in(lowered, address_index(forms)) == expected


def _found_whole(form: bytes, lowered: bytes) -> bool:
    """Whether ``form`` is in ``lowered`` where an address starts, read as
    decoded text: not after a letter or digit, nor after "._+-" that follow
    a letter (an escape, "%2b", read as the character it stands for)."""

    def before(end: int) -> tuple[str, int]:
        if end >= 3 and re.fullmatch(rb"%[0-9a-f]{2}", lowered[end - 3 : end]):
            return chr(int(lowered[end - 2 : end], 16)), end - 3
        text = lowered[:end].decode("utf-8", "replace")
        return text[-1:], len(text[:-1].encode("utf-8", "replace"))

    at = lowered.find(form)
    while at >= 0:
        char, start = before(at)
        if (
            not char
            or (not char.isascii() and lowered[at] < 0x80)
            or (not char.isalnum() and char not in "._+-")
            or (char in "._+-" and not before(start)[0].isalpha())
        ):
            return True
        at = lowered.find(form, at + 1)
    return False


@pytest.mark.parametrize(
    "text, address, plain, hashed",
    [
        # No space before an address in Chinese or Japanese.
        ("请发邮件到dave@example.org", "dave@example.org", True, True),
        ("请发邮件到émile@example.org", "émile@example.org", True, True),
        ("メールはémile@example.orgまで", "émile@example.org", True, True),
        ("Écrire à josé.émile@example.org", "émile@example.org", False, False),
        # Kanji and kana in one word; letters named otherwise than a script.
        ("山田たろう@example.jp", "たろう@example.jp", False, False),
        ("ªémile@example.org", "émile@example.org", False, False),
        ("ＡＢémile@example.org", "émile@example.org", False, False),
        ("管理者はサーバーémile@example.org", "émile@example.org", True, True),
        ("ﾒｰﾙémile@example.org", "émile@example.org", True, True),  # half-width
        # A domain cut where its labels' letters end.
        ("carol@example.org联系我", "carol@example.org", True, True),
        (
            "请联系carol@example.org或dave.smith@example.net",
            "carol@example.org",
            True,
            True,
        ),
        ("carol@example.org--or", "carol@example.org", True, True),
        ("carol@exämple.dé", "carol@exämple.dé", True, True),
        # A "." or "-" after a digit joins no words: a list's number, a date.
        ("1.carol@example.org", "carol@example.org", True, True),
        ("2024-05-01-carol@example.org", "carol@example.org", True, True),
        (
            "mailto:carol%40example.org%2Cdave%40example.net",
            "carol@example.org",
            True,
            True,
        ),
        (
            "mailto:carol@example.org%2C%20dave%40example.net",
            "carol@example.org",
            True,
            True,
        ),
        (
            "text=Write%20to%20carol%40example.org%20now",
            "carol@example.org",
            True,
            True,
        ),
        # Run on into the next word ("|striptags" joins paragraphs): only
        # the plain check finds it, at the price of taking carol@example.co's
        # address in carol@example.com.
        ("Email: carol@example.orgPhone: 555", "carol@example.org", True, False),
        ("write to carol@example.com", "carol@example.co", True, False),
        # Letters, digits and dots escaped in a domain are still its own.
        ("mailto:carol@%65xample.org", "carol@example.org", False, True),
        ("mailto:carol@mail%32.example.org", "carol@mail2.example.org", False, True),
        # An escaped "+" after an escaped letter joins words ("1a+carol").
        ("mailto:%31%61%2Bcarol%40example.org", "carol@example.org", False, False),
        ("mailto:carol%40ex%61mple.org", "carol@example.org", False, True),
        ("carol%40mail%2Eexample.org", "carol@mail.example.org", False, True),
        ("mailto:carol@example%2Eorg", "carol@example.org", False, True),
        (
            "mailto:%63%61%72%6F%6C%40%65%78%61%6D%70%6C%65%2E%6F%72%67",
            "carol@example.org",
            False,
            True,
        ),
        # Every letter escaped, a local part of 25: 75 bytes before the "@".
        (
            "mailto:"
            + "".join(f"%{b:02X}" for b in b"firstname.middle.lastname@x.org"),
            "firstname.middle.lastname@x.org",
            False,
            True,
        ),
        # Past the tenth label too.
        (
            "carol@a.b.c.d.e.f.g.h.i.j.example.org…",
            "carol@a.b.c.d.e.f.g.h.i.j.example.org",
            True,
            True,
        ),
    ],
)
def test_how_each_address_check_reads_an_address_s_ends(text, address, plain, hashed):
    # As the audit reads them from the settings (see audit._private_addresses).
    forms = {form.encode(): "X" for form in (address, address.replace("@", "%40"))}
    index = address_index(forms)
    assert bool(plain_addresses_in(text.lower().encode(), index)) == plain
    hashes = {
        hash_email(candidate)
        for match in addresses_in(text.encode())
        for candidate in candidate_addresses(match)
    }
    assert (hash_email(address) in hashes) == hashed


def test_an_at_among_dotted_words_gives_a_bounded_number_of_candidates():
    # Every local part's start times every shorter domain: ~12,000 hashes
    # (~15 ms) for each such "@", which a page could repeat at will.
    # ("=" parts the local part's words: "." joins them, "anna.carol".)
    token = b"a=" * 96 + b"@" + b"b." * 126 + b"c"
    (found,) = addresses_in(b"see " + token + b" here")
    candidates = list(candidate_addresses(found))
    assert len(candidates) <= 33 * 11
    # Local parts of 64 characters at most, as RFC 5321 has them.
    assert max(len(c.partition("@")[0]) for c in candidates) == 64
    assert "a=" * 32 + "@b.b" in candidates
    assert ("b." * 126 + "c") in {c.partition("@")[2] for c in candidates}
    # Labels cut where their letters end, in three ways each ("a-é…": "a-é",
    # "a", "a-"): four spellings of each shorter domain at most.
    token = b"a=" * 96 + b"@" + "a-é….".encode() * 126 + b"c"
    (found,) = addresses_in(b"see " + token + b" here")
    assert len(set(candidate_addresses(found))) <= 33 * (4 * 9 + 4)


# --- What the review of the audit found. ---


def test_address_escaped_twice_in_a_feed_is_found(copy, capsys):
    # A feed carries the page's HTML escaped once more: Markdown's hidden
    # autolink becomes "&amp;#99;...", which a feed reader shows as text.
    thing = a_thing(copy)
    feed = copy / thing["feeds"][0]
    hidden = "".join(f"&amp;#{ord(c)};" for c in "carol@example.org")
    replace_in(feed, "</summary>", f"{hidden}</summary>")
    assert main(["audit", str(copy), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [p["file"] for p in problems] == [thing["feeds"][0]]
    assert "plain email address" in problems[0]["problem"]


def test_a_feed_in_an_unknown_encoding_is_a_problem_not_a_traceback(copy, capsys):
    (copy / "old.rss").write_text(
        '<?xml version="1.0" encoding="x-no-such-encoding"?><rss><channel/></rss>'
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"][:26]) for p in report["problems"]] == [
        ("old.rss", "is not well-formed XML (un")
    ]


def test_a_manifest_of_another_site_is_said_so_alone(site, copy, capsys):
    # Copied over this site's, it gave a thousand problems on a small site
    # (every page, entry and button), and none said why.
    other = site({"a.md": article("Elsewhere", author="Dan")}, FLATTR_USERNAME="dan")
    shutil.copy(other / "flattr-manifest.json", copy / "flattr-manifest.json")
    capsys.readouterr()  # Pelican's own summary of the build
    status, report = audit_json(copy, capsys)
    assert status == 2
    assert report["problems"] == [
        f"{copy / 'flattr-manifest.json'}: is the manifest of {SITEURL}, but "
        f"FLATTR_SITEURL of {SETTINGS} is https://community.example.org: the "
        "manifest "
        "of another site, or a site built with other settings? Audit with the "
        "settings file the site was built with, or its own manifest"
    ]
    # Without the settings, there is nothing to compare it with, but no
    # page shows a button of its things: said in a note, first.
    status, report = audit_json(copy, capsys, settings=None)
    assert status == 1
    (note,) = report["notes"]
    assert note.startswith(
        "No page names a thing of the manifest flattr-manifest.json, whose "
        f"siteurl is {SITEURL}, while "
    )
    assert " buttons of things at https://community.example.org: " in note
    # Nor with a development SITEURL (pelicanconf.py, beside publishconf.py),
    # and a language's site of its own domain is one of the site's.
    for name, extra in (
        ("local.py", 'SITEURL = "http://localhost:8000"\n'),
        ("i18n.py", f"I18N_SUBSITES = {{'de': {{'SITEURL': {SITEURL!r}}}}}\n"),
    ):
        settings = sample_settings_with(copy.parent, extra, name)
        status, report = audit_json(copy, capsys, settings=str(settings))
        assert status == 1, report["problems"][:1]
        # The comparison left out is said, in the JSON and in the text.
        assert report["notes"] == [note] + (
            [
                f"The manifest's site, {SITEURL}, was not compared with SITEURL "
                f"of {settings}: that is 'http://localhost:8000', not a public "
                "site's URL. To compare them, audit with the settings file the "
                "site was published with (for a site made by pelican-quickstart, "
                "publishconf.py)"
            ]
            if name == "local.py"
            else []
        )
    assert main(["audit", str(copy), "--settings", str(copy.parent / "local.py")]) == 1
    said = " ".join(capsys.readouterr().out.split())
    assert f"The manifest's site, {SITEURL}, was not compared" in said


def other_site_note(manifest: str, siteurl: str, pages: int, shown: str) -> str:
    """The note of a manifest no page names a thing of."""
    return (
        f"No page names a thing of the manifest {manifest}, whose siteurl is "
        f"{siteurl}, while {pages} page{'' if pages == 1 else 's'} show"
        f"{'s' if pages == 1 else ''} buttons of things at {shown}: the manifest "
        "of another site? Audit with the manifest of the build that wrote these "
        "pages, or give --settings, and the audit compares the manifest's "
        "siteurl with the settings'"
    )


def test_a_staging_manifest_without_settings_is_said_first(tmp_path, capsys):
    # The staging site's manifest in the production output, audited without
    # --settings: a row for every page, entry and button (68,960 on a site
    # of 17,000 pages), and nothing said that no page shows its things.
    files = two_articles()
    settings = {"FLATTR_AUTHORS": AUTHORS, "FEED_ALL_ATOM": "feeds/all.atom.xml"}
    staging = build(
        tmp_path / "staging", files, SITEURL="https://staging.example.org", **settings
    )
    output = build(tmp_path / "production", files, **settings)
    good = output / "flattr-manifest.json"
    kept = good.read_bytes()
    # A hand-written button to another site's thing beside the site's own
    # is no sign of another manifest.
    add_link(output / "index.html", "https://flattr.com/submit/auto" + EVIL_QUERY)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["notes"]) == (1, [])
    shutil.copy(staging / "flattr-manifest.json", good)
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1 and len(report["problems"]) > 8
    assert report["notes"][0] == other_site_note(
        "flattr-manifest.json",
        "https://staging.example.org",
        3,
        "https://blog.example.org and https://evil.example",
    )
    good.write_bytes(kept)
    status, report = audit_json(output, capsys, settings=None)
    assert report["notes"] == []


@pytest.mark.parametrize(
    "settings, note",
    [
        ({"SITEURL": "http://localhost:8000"}, False),  # as it was built
        ({"SITEURL": "http://localhost:8000/"}, False),
        ({"SITEURL": "http://localhost:8000/de"}, True),
        ({"SITEURL": "http://localhost"}, True),
        ({"SITEURL": "http://localhost:80"}, True),
        ({"SITEURL": ""}, True),
        ({"SITEURL": "http://127.0.0.1:8000"}, True),
        ({"SITEURL": "example.org"}, True),  # no scheme: not a site's URL
        ({"SITEURL": "https://example.org"}, False),  # compared, not noted
        ({"SITEURL": "", "FLATTR_SITEURL": "http://localhost:8000"}, False),
    ],
)
def test_a_siteurl_left_uncompared_is_noted_unless_the_manifest_has_it(settings, note):
    said = siteurl_not_compared(settings, "conf.py", "http://localhost:8000")
    assert (said is not None) == note, said
    if note:
        assert f"{settings['SITEURL']!r}, not a public site's URL" in said


def test_a_language_site_built_with_the_same_settings_gets_no_note():
    # The audit command printed for a language's folder gives --settings.
    settings = {"SITEURL": "http://localhost:8000"}
    assert (
        siteurl_not_compared(settings, "conf.py", "http://localhost:8000/de/") is None
    )
    assert siteurl_not_compared(settings, "conf.py", "http://localhost:8000de")
    # Or at one of its own.
    settings["I18N_SUBSITES"] = {"de": {"SITEURL": "http://localhost:8001"}}
    assert siteurl_not_compared(settings, "conf.py", "http://localhost:8001") is None
    assert siteurl_not_compared(settings, "conf.py", "http://localhost:8002")


# A space before the URL is none of it, to a browser.
@pytest.mark.parametrize("written", ["//flattr.com/", " //flattr.com/"])
def test_links_to_flattr_without_their_scheme_are_said_to_be_so(copy, capsys, written):
    # A minifier that shortens URLs left "//flattr.com/...": the page was
    # said to have no payment link, where its head showed one.
    thing = a_thing(copy)
    page_path = copy / thing["page"]
    replace_in(page_path, 'href="https://flattr.com/', f'href="{written}')
    status, report = audit_json(copy, capsys)
    assert status == 1
    said = [p["problem"] for p in report["problems"] if p["file"] == thing["page"]]
    scheme = ": a URL without its scheme, as a minifier shortens them"
    assert any(p.startswith(f"a payment link points at '{written}") for p in said)
    assert any(p.startswith(f"a Flattr button points at '{written}") for p in said)
    assert sum(scheme in p for p in said) == 2
    # Each link said once, with what the page must hold instead: not again
    # as "has 1 payment links", which read as a contradiction.
    assert len(said) == 2
    expected = {
        p["problem"][:25]: p["expected"]
        for p in report["problems"]
        if p["file"] == thing["page"]
    }
    assert expected["a payment link points at "] == (
        f'one <link rel="payment" href="{thing["auto_submit_url"]}"> in <head>'
    )


def test_a_feed_cut_short_is_said_once(copy, capsys):
    # Cut short, as a failed upload leaves it: one problem, not one more
    # for each entry that was to carry its payment link.
    thing = a_thing(copy)
    feed = copy / thing["feeds"][0]
    entries = feed.read_bytes().count(b"<entry") + feed.read_bytes().count(b"<item")
    assert entries > 1
    feed.write_bytes(feed.read_bytes()[:-200])
    status, report = audit_json(copy, capsys)
    assert status == report["exit_status"] == 1
    assert [(p["file"], p["problem"][:22], p["kind"]) for p in report["problems"]] == [
        (thing["feeds"][0], "is not well-formed XML", "not-well-formed")
    ]


def test_a_page_whatever_its_name_ends_with_is_checked(copy, capsys):
    thing = a_thing(copy)
    manifest = copy / "flattr-manifest.json"
    replace_in(manifest, f'"page": "{thing["page"]}"', '"page": "notes/welcome"')
    (copy / "notes").mkdir()
    (copy / thing["page"]).rename(copy / "notes" / "welcome")
    status, report = audit_json(copy, capsys)
    assert status == 0, report["problems"]
    # Its button taken out: a link to the auto-submit URL is one whatever
    # its class.
    remove_button(copy / "notes" / "welcome")
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        ("notes/welcome", "has 0 Flattr buttons for its thing (0 in all)")
    ]


def test_minified_head_and_empty_comments_are_read_as_a_browser_does(copy, capsys):
    thing = a_thing(copy)
    page = copy / thing["page"]
    replace_in(page, "</head>", "")  # optional in HTML; minifiers drop it
    replace_in(page, '<a class="flattr-button', '<!--><a class="flattr-button')
    replace_in(page, "<body", "<!---><body")
    status, report = audit_json(copy, capsys)
    assert status == 0, report["problems"]


def test_text_in_the_head_ends_it_as_a_browser_does(copy, capsys):
    # A theme that prints a summary unescaped in an attribute can leave
    # text in the head ('content="Press "Ctrl" -> "S" to save."'): a browser
    # ends the head there, and a payment link after it is in the body.
    thing = a_thing(copy)
    page = copy / thing["page"]
    replace_in(page, '<link rel="payment"', '"S" to save." /><link rel="payment"')
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (thing["page"], "has 1 payment links (0 in <head>)", "payment-link-missing")
    ]
    # A comment, or whitespace and a doctype, is no text; nor is a byte
    # order mark, which a browser drops.
    replace_in(page, '"S" to save." />', "<!-- S -->\n\t")
    page.write_bytes(b"\xef\xbb\xbf" + page.read_bytes())
    status, report = audit_json(copy, capsys)
    assert status == 0, report["problems"]


# What a theme's head may hold in a <template> (inert: the head goes on
# after it), and whether the theme leaves out the optional "</head>".
@pytest.mark.parametrize("head_end", ["</head>", ""], ids=["head end", "minified"])
@pytest.mark.parametrize(
    "template",
    [
        "<template><div></div></template>",
        "<template>Hello <b>x</b></template>",
        "<template><body><p>x</p></template>",
        "<template><svg></svg></template>",
    ],
    ids=["div", "text and b", "body", "svg"],
)
def test_a_template_in_the_head_leaves_the_head_open(
    site, capsys, caplog, tmp_path, template, head_end
):
    # An element a head cannot hold, inside a <template>, was taken for the
    # body's start: the audit found the page's one payment link outside the
    # head (Chromium puts it in the head), and the build, on a page without
    # "</head>", added a <meta charset> before the template, a second one
    # beside the theme's. (html5lib, older than <template> in a head, puts
    # the template in the body: the page's text is checked instead.)
    base = simple_base().replace("<head>", f"<head>{template}", 1)
    theme = tmp_path / "template-in-head"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "base.html").write_text(base.replace("</head>", head_end))
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert [r.getMessage() for r in caplog.records if r.name == "pelican_flattr"] == []
    assert (status, report["problems"]) == (0, [])
    for thing in manifest_things(output).values():
        text = (output / thing["page"]).read_text(encoding="utf-8")
        assert text.count("<meta charset") == 1, thing["page"]
        # The theme's own charset first, then the plugin's tags, in the head.
        start = text.index('<link rel="payment"')
        assert text.index(template) < text.index("<meta charset") < start
        assert start < text.rindex("<body")


@pytest.mark.parametrize(
    "head_end, in_head",
    [
        ("</head>\n{link}", True),
        ("</head>\n<script>var a;</script>\n{link}", True),
        ("</head>\n<noscript>{link}</noscript>", False),
        ("</head>\n<p>{link}", False),
        ("</br>{link}</head>", False),
        ("</BODY>{link}</head>", False),
        ("</html>{link}</head>", False),
        ("</div>{link}</head>", True),
        ("</head></body>{link}", False),
        ("</head></div>{link}", True),
    ],
    ids=[
        "link after head",
        "script, then link",
        "noscript",
        "paragraph",
        "br end tag",
        "body end tag",
        "html end tag",
        "other end tag",
        "body end tag after head",
        "other end tag after head",
    ],
)
def test_a_payment_link_near_the_head_s_end_is_where_a_browser_puts_it(
    copy, capsys, head_end, in_head
):
    # A theme that prints flattr_head() after "</head>": a browser puts a
    # <link> (or a <script>, a <meta>...) written there back in the head,
    # and the audit said the page's one payment link was in its body. A
    # <noscript> there starts the body, as any other element does. So does
    # a "</body>", "</html>" or "</br>", in the head or after it, which the
    # audit took for nothing; any other end tag there is dropped.
    thing = a_thing(copy)
    page = copy / thing["page"]
    text = page.read_text(encoding="utf-8")
    start = text.index('<link rel="payment"')
    link = text[start : text.index(">", start) + 1]
    text = text.replace(link, "").replace("</head>", head_end.format(link=link))
    page.write_text(text, encoding="utf-8")
    head = BeautifulSoup(text, "html5lib").head
    assert bool(head.find("link", rel="payment")) == in_head
    status, report = audit_json(copy, capsys)
    if in_head:
        assert (status, report["problems"]) == (0, [])
        return
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (thing["page"], "has 1 payment links (0 in <head>)", "payment-link-missing")
    ]


def test_text_before_the_doctype_starts_the_body(copy, capsys):
    # A theme that leaves a character before "<!DOCTYPE html>": a browser
    # starts the body at it, and the head's tags are in the body.
    thing = a_thing(copy)
    page = copy / thing["page"]
    text = "." + page.read_text(encoding="utf-8")
    page.write_text(text, encoding="utf-8")
    assert not BeautifulSoup(text, "html5lib").head.find("link", rel="payment")
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        (thing["page"], "has 1 payment links (0 in <head>)")
    ]


def test_a_link_to_a_folder_outside_the_output_is_reported_not_walked(copy, capsys):
    # One to the root of the file system walked all of it, and stopped at
    # /proc; one to a shared folder audited files the build never wrote,
    # which a deploy may copy, or leave out, or publish as a link.
    elsewhere = copy.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.html").write_text("<p>carol@example.org</p>", encoding="utf-8")
    (elsewhere / "up").symlink_to(copy, target_is_directory=True)
    (copy / "shared").symlink_to(elsewhere, target_is_directory=True)
    (copy / "theme" / "root").symlink_to("/", target_is_directory=True)
    status, report = audit_json(copy, capsys)
    assert status == 1
    outside = "a folder outside the output folder: its files are not checked"
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        ("shared", f"is a link to {elsewhere}, {outside}"),
        ("theme/root", f"is a link to /, {outside}"),
    ]
    assert report["problems_by_kind"] == {"link-outside": 2}
    assert report["files"] == real_files(copy)


def test_a_link_to_a_file_outside_the_output_is_checked_and_named(copy, capsys):
    # A deploy may publish what a link names (one put there to a secret), or
    # copy the link alone: said in a note, as Pelican links static files so
    # (STATIC_CREATE_LINKS across file systems), and a CI its kept manifest.
    secret = copy.parent / "secret.html"
    secret.write_text("<p>carol@example.org</p>", encoding="utf-8")
    (copy / "leak.html").symlink_to(secret)
    (copy / "same.html").symlink_to(copy / "index.html")
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("leak.html", "address-published")
    ]
    assert report["notes"] == [
        f"1 file of the output is a link to a file outside it, checked as it: "
        f"leak.html -> {secret}. A deploy may copy a link as a link, or publish "
        "what it names: make sure each is meant to be published"
    ]
    assert report["files"] == real_files(copy) + 2


# The real path of each file opened while a files_opened() block runs,
# seen by an audit hook (PEP 578): Python's own record of every open().
_opened_files: list[str] | None = None


def _note_opened(event: str, args: tuple) -> None:
    if _opened_files is not None and event == "open" and isinstance(args[0], str):
        _opened_files.append(os.path.realpath(args[0]))


@contextlib.contextmanager
def files_opened():
    global _opened_files
    if not getattr(files_opened, "hooked", False):
        sys.addaudithook(_note_opened)  # for the process's life: added once
        files_opened.hooked = True
    _opened_files = opened = []
    try:
        yield opened
    finally:
        _opened_files = None


@pytest.mark.skipif(
    not os.path.isfile("/proc/self/status"), reason="no /proc (not Linux)"
)
@pytest.mark.parametrize(
    "name", ["status.html", "notes.txt", "theme/flattr-manifest.json"]
)
def test_a_link_to_a_file_of_the_kernel_is_reported_not_read(copy, capsys, name):
    # /proc/kmsg is a regular file to stat that waits for the kernel's next
    # message when read (and takes it from the system's log): the audit hung
    # on a link to it. Any file of /proc or /sys is left unread, and said,
    # even where a manifest of another site's output would be.
    (copy / name).symlink_to("/proc/self/status")
    with files_opened() as opened:
        status, report = audit_json(copy, capsys)
    assert [path for path in opened if path.startswith("/proc/")] == []
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            name,
            f"is a link to {os.path.realpath('/proc/self/status')}, a file the "
            "kernel makes as it is read, outside the output folder: it is not read",
            "link-outside",
        )
    ]
    assert report["notes"] == []
    assert report["files"] == real_files(copy)


def test_a_page_too_large_to_read_whole_is_reported_not_read(copy, capsys):
    # Read whole, as a page is, an 8 GB file ended the audit in a
    # MemoryError and a traceback. A sparse file: no disk is spent.
    from pelican_flattr.audit import MAX_PAGE_BYTES

    huge = copy / "huge.html"
    with huge.open("wb") as stream:
        stream.truncate(MAX_PAGE_BYTES + 1)
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            "huge.html",
            f"cannot be read ({MAX_PAGE_BYTES + 1:,} bytes, more than the audit "
            f"reads of a page or feed ({MAX_PAGE_BYTES:,}))",
            "unreadable",
        )
    ]
    assert report["problems"][0]["expected"] == (
        "no page or feed this large: delete it, or move it out of the output"
    )


def test_a_link_to_a_folder_whose_path_starts_as_the_output_s_is_outside(copy, capsys):
    # "site-drafts" beside "site": its path starts with the output's, and
    # it is no folder of it all the same.
    drafts = copy.parent / f"{copy.name}-drafts"
    drafts.mkdir()
    (copy / "unpublished").symlink_to(drafts, target_is_directory=True)
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("unpublished", "link-outside")
    ]


def test_pages_in_a_linked_folder_are_not_reported_missing(copy, capsys):
    # Pelican writes through a link it finds in its output: the pages are
    # there, but not checked, and the link says so once.
    pages = copy / "pages"
    elsewhere = copy.parent / "pages-elsewhere"
    pages.rename(elsewhere)
    pages.symlink_to(elsewhere, target_is_directory=True)
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        (
            "pages",
            f"is a link to {elsewhere}, a folder outside the output folder: its "
            "files are not checked",
        )
    ]


# --- What this user may not read: root reads any file, so as root the
# audit runs as nobody. ---

AS_NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
AUDIT = "import sys; from pelican_flattr.cli import main; sys.exit(main())"


@functools.cache
def why_no_user_is_bound_by_file_modes() -> str | None:
    """None when the audit can run as a user whom file modes bind (this one,
    or nobody when this is root), else why not."""
    if os.geteuid() != 0:
        return None
    if shutil.which("setpriv") is None:
        return (
            "running as root, which reads any file, and setpriv (util-linux) "
            "is not installed to run the audit as nobody"
        )
    probe = run_as_a_user(["-c", "import pelican_flattr.cli"], Path("/"))
    if probe.returncode != 0:
        return f"nobody cannot run {sys.executable}: {probe.stderr.strip()[-300:]}"
    return None


def run_as_a_user(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """This Python with ``arguments``, as nobody when this is root."""
    command = [sys.executable, *arguments]
    if os.geteuid() == 0:
        command = [*AS_NOBODY, *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=child_env(),
    )


@pytest.fixture
def open_copy(sample_output):
    """(a copy of the sample site another user may read, ``lock(path,
    mode=0)``): not under tmp_path, whose parents only their owner may
    enter. Locked paths get their mode back before it is removed."""
    reason = why_no_user_is_bound_by_file_modes()
    if reason is not None:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="audit-"))
    folder.chmod(0o755)
    site = folder / "site"
    shutil.copytree(sample_output, site)
    locked: list[tuple[Path, int]] = []

    def lock(path: Path, mode: int = 0) -> None:
        locked.append((path, path.stat().st_mode))
        path.chmod(mode)

    try:
        yield site, lock
    finally:
        for path, mode in reversed(locked):
            path.chmod(mode)
        shutil.rmtree(folder)


def audit_as_a_user(output: Path, *extra: str) -> subprocess.CompletedProcess:
    """``pelican-flattr audit OUTPUT`` by a user whom file modes bind."""
    return run_as_a_user(["-c", AUDIT, "audit", str(output), *extra], output.parent)


def problems_of(result: subprocess.CompletedProcess) -> set[tuple[str, str]]:
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert_kinds_counted(report)
    # What the audit could not read is of one kind, whatever it is.
    for problem in report["problems"]:
        if problem["problem"].startswith("cannot be read"):
            assert problem["kind"] == "unreadable", problem
    return {(p["file"], p["problem"]) for p in report["problems"]}


def real_files(output: Path) -> int:
    return sum(1 for p in output.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.parametrize("given", ["--manifest", "--settings", "diff NEW"])
def test_a_file_in_a_folder_that_cannot_be_entered_is_not_called_missing(
    open_copy, given
):
    # "no such manifest" (or settings file) sent the operator to build the
    # site again, for a file that is there: the folder on its way is one
    # this user may not enter.
    site, lock = open_copy
    locked = site.parent / "locked"
    locked.mkdir()
    kept = locked / ("x.py" if given == "--settings" else "x.json")
    shutil.copy(
        SETTINGS if given == "--settings" else site / "flattr-manifest.json", kept
    )
    lock(locked)
    if given == "diff NEW":
        command = ["diff", str(site / "flattr-manifest.json"), str(kept)]
    else:
        command = ["audit", str(site), given, str(kept)]
    result = run_as_a_user(["-c", AUDIT, *command], site.parent)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f"pelican-flattr: {kept}: cannot be examined (Permission denied)\n"
    )


@pytest.mark.parametrize("mode", [0o000, 0o444], ids=oct)
@pytest.mark.parametrize("folder", ["pages", "feeds", "theme"])
def test_a_folder_that_cannot_be_read_is_one_problem(open_copy, folder, mode):
    # Not also a page "missing", or a feed that "does not carry" each of
    # its things (97 rows for feeds/): they may well be there. Nor, listed
    # but not entered (r--), one row for each of its files, or for each
    # folder in it (theme/css).
    site, lock = open_copy
    lock(site / folder, mode)
    result = audit_as_a_user(site, "--json")
    assert result.returncode == 1, result.stderr
    assert problems_of(result) == {
        (folder, "cannot be read: its files are not checked")
    }


def test_a_feed_that_cannot_be_read_is_one_problem(open_copy):
    site, lock = open_copy
    thing = a_thing(site)
    assert len(thing["feeds"]) > 3
    lock(site / thing["feeds"][0])
    assert problems_of(audit_as_a_user(site, "--json")) == {
        (thing["feeds"][0], "cannot be read (Permission denied)")
    }


def test_a_compressed_copy_or_its_page_that_cannot_be_read_is_one_problem(open_copy):
    # Not also "cannot be decompressed", nor "not a copy of it".
    site, lock = open_copy
    thing = a_thing(site)
    page, feed = site / thing["page"], site / thing["feeds"][0]
    for each in (page, feed):
        copy = each.with_name(each.name + ".gz")
        copy.write_bytes(gzip.compress(each.read_bytes() + b"stale"))
    lock(page)
    lock(feed.with_name(feed.name + ".gz"))
    assert problems_of(audit_as_a_user(site, "--json")) == {
        (thing["page"], "cannot be read (Permission denied)"),
        (thing["feeds"][0] + ".gz", "cannot be read (Permission denied)"),
    }


def test_a_file_that_cannot_be_read_is_a_problem_and_the_rest_is_checked(open_copy):
    # A link to a file in a folder this user may not enter stopped the
    # audit ("x.html: Permission denied", status 2) before it checked any.
    site, lock = open_copy
    locked = site.parent / "locked"
    locked.mkdir()
    (locked / "x.html").write_text("<p>a page</p>", encoding="utf-8")
    (site / "x.html").symlink_to(locked / "x.html")
    (site / "theme" / "y.css").symlink_to(locked / "y.css")
    lock(locked)
    lock(site / "archives.html")
    replace_in(
        site / "pages" / "about.html", "</main>", "<p>carol@example.org</p></main>"
    )
    result = audit_as_a_user(site, "--json")
    assert result.returncode == 1, result.stderr
    problems = problems_of(result)
    assert {file for file, _ in problems} == {
        "x.html",
        "theme/y.css",
        "archives.html",
        "pages/about.html",
    }
    for file in ("x.html", "theme/y.css", "archives.html"):
        assert (file, "cannot be read (Permission denied)") in problems
    assert json.loads(result.stdout)["files"] == real_files(site) + 2


@pytest.mark.parametrize(
    ("mode", "action"),
    [(0o000, "list its files"), (0o111, "list its files"), (0o444, "open its files")],
    ids=["000", "111", "444"],
)
def test_an_output_folder_that_cannot_be_read_is_a_usage_error(open_copy, mode, action):
    # It said "no such manifest" (000, 444: listed, not entered), or checked
    # no file and called every page "missing" (111: entered, not listed).
    site, lock = open_copy
    lock(site, mode)
    result = audit_as_a_user(site)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"pelican-flattr: {site}: the output folder cannot be read (Permission "
        f"denied): this user may not {action}\n"
    )


def test_json_report_on_a_folder_name_that_is_not_utf8(copy, tmp_path):
    named = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9"))
    copy.rename(named)
    script = Path(sys.executable).with_name("pelican-flattr")
    result = subprocess.run(
        [str(script), "audit", str(named), "--json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.decode("utf-8"))
    assert report["ok"] is True and report["output"].endswith("caf\\xe9")


def test_payment_rel_in_any_letter_case_counts(copy, capsys):
    thing = a_thing(copy)
    replace_in(copy / thing["page"], '<link rel="payment"', '<link rel="Payment"')
    status, report = audit_json(copy, capsys)
    assert status == 0, report["problems"]


def test_a_feed_the_manifest_names_is_read_whatever_its_prolog(copy, capsys):
    thing = a_thing(copy)
    feed = copy / thing["feeds"][0]
    text = feed.read_text(encoding="utf-8")
    declaration, rest = text.split("\n", 1)
    assert declaration.startswith("<?xml")
    prolog = "<!-- " + "x" * 5000 + " -->\n"
    feed.write_text(f"{declaration}\n{prolog}{rest}", encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 0, report["problems"]
    href = thing["auto_submit_url"].replace("&", "&amp;")
    replace_in(feed, href, "https://flattr.com/submit/auto?url=x")
    status, report = audit_json(copy, capsys)
    # Read as a feed: its entry is checked.
    siteurl = json.loads((copy / "flattr-manifest.json").read_text())["siteurl"]
    assert [p["problem"] for p in report["problems"]] == [
        f"the entry {siteurl.rstrip('/')}/{thing['page']} has a payment link to "
        "'https://flattr.com/submit/auto?url=x', which the manifest doesn't "
        "know: it sends another thing URL, owner, title, description, category, "
        "language and tags than the manifest's"
    ]


def test_an_empty_manifest_option_is_refused_not_defaulted(copy, capsys):
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["audit", str(copy), "--manifest", ""])
    assert exited.value.code == 2
    assert "argument --manifest: is empty: give a path" in capsys.readouterr().err


@pytest.mark.parametrize("alias", ["atom", "p", "zz"])
def test_a_link_to_a_folder_of_the_site_leaves_the_audit_as_it_was(copy, capsys, alias):
    # The tree was walked under whichever name the walk met first: a link
    # "atom -> feeds" listed before feeds/ left every feed "missing".
    target = "pages" if alias == "p" else "feeds"
    (copy / alias).symlink_to(copy / target, target_is_directory=True)
    (copy / "theme" / "up").symlink_to(copy, target_is_directory=True)
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])
    assert report["files"] == sum(
        1 for p in copy.rglob("*") if p.is_file() and not p.is_symlink()
    )


def test_an_address_the_build_refuses_as_an_owner_is_still_looked_for(
    copy, tmp_path, capsys
):
    # The audit looked only for usable email:ADDRESS owners: a bare address,
    # or one written with its brackets, was skipped without a word, though
    # the author's address it names is as private.
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(
        "FLATTR_AUTHORS = {\n"
        '    "Dora": "dora@example.org",\n'
        '    "Eve": "email:<eve@example.org>",\n'
        '    "Fay": "twitter:user:id:42",\n'
        "}\n"
        'FLATTR_USERNAME = "mailto:site@example.org"\n'
    )
    about = copy / "pages" / "about.html"
    about.write_text(
        about.read_text(encoding="utf-8").replace(
            "</main>",
            "<p>dora@example.org, eve@example.org and site@example.org</p></main>",
        ),
        encoding="utf-8",
    )
    status = main(["audit", str(copy), "--json", "--settings", str(settings)])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    messages = [p["problem"] for p in report["problems"]]
    assert [p["file"] for p in report["problems"]] == ["pages/about.html"] * 3
    assert sorted(messages) == [
        "holds the plain email address of author 'Dora' (from FLATTR_AUTHORS)",
        "holds the plain email address of author 'Eve' (from FLATTR_AUTHORS)",
        "holds the plain email address of the site (FLATTR_USERNAME)",
    ]
    # The site's own URL is named, in the note on its SITEURL, and nothing
    # else on this domain.
    (note,) = report.pop("notes")
    assert note == (
        "The manifest's site, https://community.example.org, was not compared "
        f"with SITEURL of {settings}: that is '', not a public site's URL. To "
        "compare them, audit with the settings file the site was published "
        "with (for a site made by pelican-quickstart, publishconf.py)"
    )
    assert "example.org" not in json.dumps(report)


@pytest.mark.parametrize("email_owner", [False, True])
def test_a_settings_address_is_found_in_every_spelling_without_a_thing(
    site, tmp_path, capsys, email_owner
):
    # Zed has only a draft, so no thing: the manifest holds no hash of his
    # address, and --settings is what finds it. It was found only as
    # "a@b" or "a%40b": the decoding search ran for the manifest's email
    # owners alone, and with one (Carol) it still knew only their hashes.
    authors = {
        "Alice": "email:carol@example.org" if email_owner else "alice_f",
        "Zed": "email:zed.hidden@example.com",
        "Zoé": "email:zoé@exämple.org",
    }
    output = site(
        {
            "a.md": article("Post", "Alice"),
            "z.md": article("Zed's draft", "Zed", status="draft"),
            "zo.md": article("Zoé's draft", "Zoé", status="draft"),
        },
        FLATTR_AUTHORS=authors,
    )
    capsys.readouterr()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"FLATTR_AUTHORS = {authors!r}\n", encoding="utf-8")
    zed = "holds the plain email address of author 'Zed' (from FLATTR_AUTHORS)"
    zoe = "holds the plain email address of author 'Zoé' (from FLATTR_AUTHORS)"
    spellings = {
        "mailto:zed.hidden%40example.com": zed,
        "mailto:zed%2Ehidden%40example%2Ecom": zed,
        f"mailto:{quote('zed.hidden@example.com', safe='')}": zed,
        "mailto:" + "".join(f"%{byte:02X}" for byte in b"zed.hidden@example.com"): zed,
        "mailto:zed.hidden@example%2ecom": zed,
        f"mailto:{quote('zoé@exämple.org')}": zoe,
        "Write to ZOÉ@EXÄMPLE.ORG": zoe,
        # Another person's address, escaped: not Zed's.
        "mailto:anna%2Ezed.hidden%40example.com": None,
    }
    page = output / "post.html"
    built = page.read_text(encoding="utf-8")
    for text, problem in spellings.items():
        page.write_text(built.replace("</body>", f"<p>{text}</p></body>"), "utf-8")
        status = main(["audit", str(output), "--json", "--settings", str(conf)])
        out = capsys.readouterr().out
        said = [(p["file"], p["problem"]) for p in json.loads(out)["problems"]]
        assert said == ([("post.html", problem)] if problem else []), text
        assert status == (1 if problem else 0)
        assert "hidden" not in out and "exämple" not in out.lower()


# What the audit advises for a feed the build wrote no payment link into,
# which may be a template's.
TEMPLATE_FEED_ADVICE = (
    "A template's (TEMPLATE_PAGES)? give each entry its link there, inside "
    '{% if article.flattr %}: in an Atom feed <link rel="payment" '
    'type="text/html" href="{{ article.flattr.auto_submit_url|e }}"/>, in RSS '
    "the same as <atom:link>, with xmlns:atom declared on <rss>; docs/feeds.md "
    "shows it"
)


@pytest.mark.parametrize(
    "owner",
    [
        "email:Zed@Example.org",
        "email:“Zed@Example.org”",
        "email:'zed@example.org'",
        "email:«zed@example.org»",
        "<zed@example.org>,",
        "email:zed@example.org/",
        "email:zed@example.org?subject=hi",
    ],
)
def test_a_settings_address_is_found_however_written(copy, tmp_path, capsys, owner):
    # Zed has no thing, so only --settings names his address. Written
    # "Zed@Example.org" there, and looked for as written, the address
    # published in lower case (as a contact page has it) passed. In quotes
    # that pasting brings, or with punctuation after the domain, the build
    # refuses the entry (once hashed as written: an owner nobody could
    # claim), and the audit still looks for the address it holds.
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(f"FLATTR_AUTHORS = {{'Zed': {owner!r}}}\n")
    (copy / "contact.txt").write_text("Write to zed@example.org\n")
    status = main(["audit", str(copy), "--json", "--settings", str(settings)])
    out = capsys.readouterr().out
    assert status == 1
    assert [
        (p["file"], p["problem"], p["kind"]) for p in json.loads(out)["problems"]
    ] == [
        (
            "contact.txt",
            "holds the plain email address of author 'Zed' (from FLATTR_AUTHORS)",
            "address-published",
        )
    ]
    assert "zed@" not in out.lower()


def test_a_feed_an_earlier_build_left_is_one_problem_per_entry(tmp_path, capsys):
    # Bob's only article is given to Alice and the site built again into
    # the same output: Pelican leaves Bob's author feed, whose entry still
    # pays Bob. It was two problems for the one entry, "has a payment link
    # ... the manifest doesn't know" and "has 1 payment links" (expected
    # "exactly one"), which read as a contradiction, neither saying why.
    from conftest import build

    feeds = {"FEED_ALL_ATOM": "feeds/all.atom.xml"}
    authors = {"Alice": "alice_f", "Bob": "twitter:user:id:783214"}
    feeds["AUTHOR_FEED_ATOM"] = "feeds/{slug}.author.atom.xml"
    files = {
        "a.md": article("Soldering", "Alice"),
        "b.md": article("Shelves", "Bob", slug="shelves"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=authors, **feeds)
    files["b.md"] = article("Shelves", "Alice", slug="shelves")
    output = build(tmp_path, files, FLATTR_AUTHORS=authors, **feeds)
    capsys.readouterr()
    left = output / "feeds" / "bob.author.atom.xml"
    (old_link,) = [
        link.href
        for entry in feedparser.parse(left).entries
        for link in entry.links
        if link.rel == "payment"
    ]
    assert "owner=twitter" in old_link
    status = main(["audit", str(output), "--json"])
    report = json.loads(capsys.readouterr().out)
    auto = manifest_things(output)["b.md"]["auto_submit_url"]
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": "feeds/bob.author.atom.xml",
                "problem": f"the entry {SITEURL}/shelves.html has a payment link "
                f"to {old_link!r}, which the manifest doesn't know: it sends "
                "another owner than the manifest's",
                "expected": f"exactly one, to {auto} (the build wrote payment "
                "links into no entry of this feed, and adds them only to the "
                "feeds Pelican writes. One an earlier build left? delete it, or "
                f"set DELETE_OUTPUT_DIRECTORY = True. {TEMPLATE_FEED_ADVICE})",
                "kind": "payment-link-unknown",
            }
        ],
    )


# --- Payment links in feeds as feed readers read them. ---

EVIL = (
    "https://flattr.com/submit/auto?url=https%3A%2F%2Fevil.example%2F&user_id=mallory"
)
IANA_PAYMENT = "http://www.iana.org/assignments/relation/payment"


@pytest.fixture(scope="module")
def feeds_site(tmp_path_factory):
    """A site whose feeds carry one owned entry, one opted out and the
    site's own payment link; copy it before changing it."""
    from conftest import build

    files = {
        "a.md": article("Owned", "Alice", slug="owned"),
        "b.md": article("Opted out", "Alice", slug="opted-out", flattr="no"),
    }
    return build(
        tmp_path_factory.mktemp("feeds"),
        files,
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FEED_ALL_RSS="feeds/all.rss.xml",
        FLATTR_AUTHORS={"Alice": "alice_f"},
        FLATTR_USERNAME="community",
    )


def payment_hrefs_read_by_feedparser(path: Path) -> dict[str, list[str]]:
    """Entry link ("" for the feed itself) -> the hrefs feedparser gives
    the links whose rel is payment, as a token or the IANA URI."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return {
        holder.get("link", "") if holder is not parsed.feed else "": [
            link["href"]
            for link in holder.get("links", [])
            if link.get("rel") in ("payment", IANA_PAYMENT)
        ]
        for holder in [parsed.feed, *parsed.entries]
    }


def problems_said(output: Path, capsys) -> tuple[int, list[tuple[str, str]]]:
    """The exit status of the audit of ``output`` (without settings) and
    each problem it says, with the file it names."""
    status, report = audit_json(output, capsys, settings=None)
    return status, [(p["file"], p["problem"]) for p in report["problems"]]


OPTED_OUT_ITEM = f"<link>{SITEURL}/opted-out.html</link>"
OPTED_OUT_ENTRY = f'<link href="{SITEURL}/opted-out.html" rel="alternate"/>'
A_LINK = f'href="{EVIL.replace("&", "&amp;")}"'


# How a payment link may be written into a feed, after what, and the entry
# whose link it then is for feedparser ("": the feed's own).
PAYMENT_LINKS_WRITTEN_OTHERWISE = {
    "rss-without-atom-prefix": (
        "all.rss.xml", OPTED_OUT_ITEM,
        f'<link rel="payment" {A_LINK}/>', "opted-out.html",
    ),
    "rss-channel-without-atom-prefix": (
        "all.rss.xml", "</lastBuildDate>", f'<link rel="payment" {A_LINK}/>', ""
    ),
    "rss-names-in-capitals": (
        "all.rss.xml", OPTED_OUT_ITEM,
        f'<LINK REL="Payment" {A_LINK.replace("href=", "HREF=")}/>', "opted-out.html",
    ),
    "atom-in-no-namespace": (
        "all.atom.xml", OPTED_OUT_ENTRY,
        f'<link xmlns="" rel="payment" {A_LINK}/>', "opted-out.html",
    ),
    "atom-iana-rel": (
        "all.atom.xml", OPTED_OUT_ENTRY,
        f'<link rel="{IANA_PAYMENT}" {A_LINK}/>', "opted-out.html",
    ),
    "atom-inside-another-module": (
        "all.atom.xml", OPTED_OUT_ENTRY,
        f'<x:group xmlns:x="https://example.net/x"><link rel="payment" {A_LINK}/>'
        "</x:group>", "opted-out.html",
    ),
    "atom-relative-to-xml-base": (
        "all.atom.xml", OPTED_OUT_ENTRY,
        '<link rel="payment" xml:base="https://flattr.com/" '
        f'{A_LINK.replace("https://flattr.com/", "")}/>', "opted-out.html",
    ),
    "atom-url-for-href": (
        "all.atom.xml", OPTED_OUT_ENTRY,
        f'<link rel="payment" {A_LINK.replace("href=", "url=")}/>', "opted-out.html",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("feed", "after", "added", "holder"),
    PAYMENT_LINKS_WRITTEN_OTHERWISE.values(),
    ids=PAYMENT_LINKS_WRITTEN_OTHERWISE,
)
def test_a_payment_link_a_feed_reader_reads_is_audited_however_written(
    feeds_site, tmp_path, capsys, feed, after, added, holder
):
    # The audit read only atom:link with rel "payment" straight in an entry
    # or the feed: a feed reader pays a stranger's link written otherwise,
    # on an entry with no thing too, and the audit passed.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    assert audit_json(output, capsys, settings=None)[0] == 0
    path = output / "feeds" / feed
    replace_in(path, after, after + added)
    link = f"{SITEURL}/{holder}" if holder else ""
    assert EVIL in payment_hrefs_read_by_feedparser(path)[link]
    if holder:
        expected = f"the entry {link} has a payment link to {EVIL!r}, which the "
        expected += "manifest doesn't know"
    else:
        expected = (
            "has 2 payment links of its own (the site's), 1 of them unknown to "
            f"the manifest: {EVIL!r}"
        )
    status, report = audit_json(output, capsys, settings=None)
    assert (
        status,
        [(p["file"], p["problem"], p["kind"]) for p in report["problems"]],
    ) == (
        1,
        [(f"feeds/{feed}", expected, "payment-link-unknown")],
    )


def test_a_payment_link_relative_to_the_feed_s_xml_bases_is_resolved(
    feeds_site, tmp_path, capsys
):
    # An xml:base on the feed's root, and a relative one under it, each
    # resolved against the one around it as feedparser resolves them: the
    # root's was left out, or the inner one taken alone, and a relative
    # link that pays a stranger passed unread.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / "all.atom.xml"
    root = '<feed xmlns="http://www.w3.org/2005/Atom"'
    replace_in(path, root, f'{root} xml:base="https://flattr.com/"')
    relative = A_LINK.replace("https://flattr.com/submit/", "")
    added = f'<link rel="payment" xml:base="submit/" {relative}/>'
    replace_in(path, OPTED_OUT_ENTRY, OPTED_OUT_ENTRY + added)
    link = f"{SITEURL}/opted-out.html"
    assert payment_hrefs_read_by_feedparser(path)[link] == [EVIL]
    assert problems_said(output, capsys) == (
        1,
        [
            (
                "feeds/all.atom.xml",
                f"the entry {link} has a payment link to {EVIL!r}, which the "
                "manifest doesn't know",
            )
        ],
    )


# What a feed may hold that pays no one through Flattr, in an entry of the
# feeds site's Atom feed, or in place of a feed.
NO_FLATTR_PAYMENT = {
    # rel="payment" is for any service: only links to Flattr are the
    # plugin's to audit.
    "another service's payment link": '<link rel="payment" href="{other}"/>',
    # An xml:base no URL can be read from (an IPv6 host left open): a
    # traceback, where a reader finds no link to Flattr.
    "a base that is no URL": '<link rel="payment" xml:base="http://[" href="x"/>',
}
LIBERAPAY = "https://liberapay.com/alice/donate"


@pytest.mark.parametrize(
    "added", NO_FLATTR_PAYMENT.values(), ids=list(NO_FLATTR_PAYMENT)
)
def test_a_feed_s_link_that_pays_no_one_through_flattr_passes(
    feeds_site, tmp_path, capsys, added
):
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / "all.atom.xml"
    replace_in(path, OPTED_OUT_ENTRY, OPTED_OUT_ENTRY + added.format(other=LIBERAPAY))
    assert problems_said(output, capsys) == (0, [])


def test_a_feed_replaced_by_another_xml_document_pays_no_one(copy, capsys):
    # A feed the manifest names is read whatever it starts with: one whose
    # root is no <feed> or <rss> is no feed, and a payment link in it none
    # that a feed reader follows. What the audit says of such a file
    # holds nothing of that link.
    feed = copy / "feeds" / "all.atom.xml"
    said = []
    for held in ("", f'<link rel="payment" {A_LINK}/>'):
        feed.write_text(f"<feedback>{held}</feedback>", encoding="utf-8")
        said.append(problems_said(copy, capsys))
    assert said[0] == said[1] and said[0][0] == 1
    assert "evil.example" not in json.dumps(said)


def test_a_second_payment_link_without_atom_prefix_is_one_of_two(
    feeds_site, tmp_path, capsys
):
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / "all.rss.xml"
    owned = f"<link>{SITEURL}/owned.html</link>"
    replace_in(path, owned, f'{owned}<link rel="payment" {A_LINK}/>')
    assert len(payment_hrefs_read_by_feedparser(path)[f"{SITEURL}/owned.html"]) == 2
    assert problems_said(output, capsys) == (
        1,
        [
            (
                "feeds/all.rss.xml",
                f"the entry {SITEURL}/owned.html has 2 payment links, 1 of them "
                "unknown to the manifest",
            )
        ],
    )
    # A stranger's among them names the kind, not the count.
    _, report = audit_json(output, capsys, settings=None)
    assert report["problems_by_kind"] == {"payment-link-unknown": 1}


def site_link_of_feed(path: Path) -> str:
    """The site's payment link of the feed ``path``, as written: the feed's
    own, before its first entry."""
    text = path.read_text(encoding="utf-8")
    owner = text.index("user_id=community")
    assert owner < text.index(
        "<entry>" if path.name.endswith(".atom.xml") else "<item>"
    )
    start = text.rindex("<", 0, owner)
    return text[start : text.index(">", owner) + 1]


@pytest.mark.parametrize("feed", ["all.atom.xml", "all.rss.xml"])
def test_a_stranger_s_link_of_a_feed_s_own_is_unknown_and_named(
    feeds_site, tmp_path, capsys, feed
):
    # Beside the site's, it was "payment-link-extra", "has 2 payment links
    # of its own", and no problem named the stranger it pays.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / feed
    site_link = site_link_of_feed(path)
    # The site's link with a stranger's href: its rel and type as written.
    stranger = re.sub(r'href="[^"]*"', A_LINK, site_link)
    assert stranger != site_link and A_LINK in stranger
    replace_in(path, site_link, site_link + stranger)
    status, report = audit_json(output, capsys, settings=None)
    said = [(p["file"], p["problem"], p["kind"]) for p in report["problems"]]
    assert (status, said) == (
        1,
        [
            (
                f"feeds/{feed}",
                "has 2 payment links of its own (the site's), 1 of them unknown "
                f"to the manifest: {EVIL!r}",
                "payment-link-unknown",
            )
        ],
    )
    # In the site's place: one link, to another owner than the site's.
    replace_in(path, site_link + stranger, stranger)
    status, report = audit_json(output, capsys, settings=None)
    (problem,) = report["problems"]
    assert problem["problem"].startswith(
        f"has 1 payment links of its own (the site's), to {EVIL!r}, which the "
        "manifest doesn't know: it sends another thing URL, owner"
    )
    assert problem["kind"] == "payment-link-unknown"


def test_a_feed_whose_own_link_is_a_thing_s_has_the_wrong_thing(
    feeds_site, tmp_path, capsys
):
    # An article's link where the site's stands: known, but not the feed's.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    owned = manifest_things(output)["a.md"]["auto_submit_url"]
    site = json.loads((output / "flattr-manifest.json").read_text())
    path = output / "feeds" / "all.atom.xml"
    site_link = site_link_of_feed(path)
    escaped = site["site_payment_link"].replace("&", "&amp;")
    assert escaped in site_link
    replace_in(path, site_link, site_link.replace(escaped, owned.replace("&", "&amp;")))
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": "feeds/all.atom.xml",
                "problem": f"has 1 payment links of its own (the site's), to {owned!r}",
                "expected": f"exactly one, to {site['site_payment_link']}",
                "kind": "payment-link-wrong-thing",
            }
        ],
    )


@pytest.mark.parametrize("feeds", [True, False])
def test_a_feed_s_own_link_to_a_thing_without_a_site_link_is_extra(site, capsys, feeds):
    # No site payment link (FLATTR_USERNAME unset, or FLATTR_FEEDS off): a
    # feed needs none of its own, and one to an article's thing is an
    # extra one, though the manifest knows it; with FLATTR_FEEDS off, one
    # a build with feeds on left.
    output, status, report = build_and_audit(site, capsys, FLATTR_FEEDS=feeds)
    assert status == 0, report["problems"]
    owned = manifest_things(output)["a.md"]["auto_submit_url"]
    path = output / "feeds" / "all.atom.xml"
    added = f'<link href="{owned.replace("&", "&amp;")}" rel="payment"/>'
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<entry>", added + "<entry>", 1), encoding="utf-8")
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": "feeds/all.atom.xml",
                "problem": f"has 1 payment links of its own (the site's), to {owned!r}",
                "expected": "none: the manifest names no site payment link "
                "(FLATTR_USERNAME unset, or FLATTR_FEEDS off)",
                "kind": "payment-link-extra",
            }
        ],
    )


# A manifest of pelican-flattr before it recorded site_payment_link, whose
# feeds carried the site's link all the same (FLATTR_USERNAME set).
EARLIER_FEEDS = {
    "FEED_ALL_ATOM": "feeds/all.atom.xml",
    "FEED_ALL_RSS": "feeds/all.rss.xml",
    "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    "TAG_FEED_ATOM": "feeds/tag-{slug}.atom.xml",
}


def as_written_before_site_payment_link(output: Path) -> str:
    """Take ``site_payment_link`` out of the manifest of ``output``, as
    pelican-flattr wrote it before it recorded the field (its only
    difference, in a header line of its own), its mtime kept; the link."""
    path = output / "flattr-manifest.json"
    text = path.read_text(encoding="utf-8")
    line = re.search(r'\n  "site_payment_link": ("[^"]*"),', text)
    written = path.stat().st_mtime_ns
    path.write_text(text.replace(line[0], "", 1), encoding="utf-8")
    os.utime(path, ns=(written, written))
    return json.loads(line[1])


@pytest.fixture(scope="module")
def earlier_site(tmp_path_factory):
    """A site with a feed of every kind, one of them of no thing (its one
    article opted out), and the settings it was built with, whose
    manifest lacks site_payment_link; copy it before changing it."""
    files = {
        "a.md": article("Owned", "Alice", slug="owned", category="News", tags="x"),
        "b.md": article("Opted out", "Alice", slug="off", category="Misc", flattr="no"),
    }
    root = tmp_path_factory.mktemp("earlier")
    output = build(
        root,
        files,
        **EARLIER_FEEDS,
        FLATTR_AUTHORS={"Alice": "alice_f"},
        FLATTR_USERNAME="community",
    )
    conf = root / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nFLATTR_USERNAME = 'community'\n"
        "FLATTR_AUTHORS = {'Alice': 'alice_f'}\n",
        encoding="utf-8",
    )
    link = as_written_before_site_payment_link(output)
    # The feed of no thing carries the site's link too.
    assert "user_id=community" in (output / "feeds" / "misc.atom.xml").read_text()
    return output, conf, link


@pytest.mark.parametrize("given", ["settings", "no settings"])
def test_a_manifest_before_site_payment_link_is_told_once_to_build_again(
    earlier_site, capsys, given
):
    # Each feed's own link, the site's, was "unknown", to be deleted, and
    # expected none as for FLATTR_USERNAME unset: 21 problems on a small
    # site, none saying that a build with this version records it.
    output, conf, _ = earlier_site
    status, report = audit_json(
        output, capsys, settings=str(conf) if given == "settings" else None
    )
    (problem,) = report["problems"]
    assert (status, problem["file"], problem["kind"]) == (
        1,
        "flattr-manifest.json",
        "manifest-field",
    )
    said = problem["problem"]
    assert said.startswith(
        "names no site_payment_link, though 5 feeds carry the site's own "
        f"payment link (to {SITEURL}/): a manifest written by an earlier "
        "pelican-flattr, which did not record it (or the field was removed)"
    ), said
    # Without the settings, the owner is not known to compare.
    assert said.endswith(
        "Only its thing URL and owner (FLATTR_USERNAME) were checked"
        if given == "settings"
        else "Only its thing URL was checked (give --settings to check its "
        "owner, FLATTR_USERNAME, too)"
    ), said
    assert problem["expected"] == (
        "site_payment_link, which a build with this version writes: build the "
        "site again, and deploy it with its manifest"
    )
    capsys.readouterr()
    assert main(["audit", str(output)]) == 1
    log = capsys.readouterr().out
    assert "manifest-field: 1 problem" in log
    assert "delete" not in log


@pytest.mark.parametrize(
    "edit",
    [
        ("user_id=community", "user_id=mallory"),
        ("blog.example.org%2F&", "blog.example.org%2Fother%2F&"),
    ],
    ids=["another owner", "another URL"],
)
def test_a_feed_s_own_link_not_the_site_s_is_reported_with_an_earlier_manifest(
    earlier_site, tmp_path, capsys, edit
):
    # Only the site's own link is taken for the one the manifest did not
    # record: one to another owner or URL is reported as it always was.
    earlier, conf, link = earlier_site
    output = tmp_path / "site"
    shutil.copytree(earlier, output)
    old, new = edit
    other = link.replace(old, new)
    assert other != link
    path = output / "feeds" / "all.atom.xml"
    replace_in(path, link.replace("&", "&amp;"), other.replace("&", "&amp;"))
    status, report = audit_json(output, capsys, settings=str(conf))
    said = {(p["file"], p["kind"]): p for p in report["problems"]}
    assert status == 1
    assert set(said) == {
        ("feeds/all.atom.xml", "payment-link-unknown"),
        ("flattr-manifest.json", "manifest-field"),
    }
    assert said["feeds/all.atom.xml", "payment-link-unknown"]["problem"].startswith(
        f"has 1 payment links of its own (the site's), to {other!r}, which the "
        "manifest doesn't know"
    )
    assert (
        "though 4 feeds carry"
        in said["flattr-manifest.json", "manifest-field"]["problem"]
    )


@pytest.mark.parametrize("given", ["settings", "no settings"])
def test_feeds_an_earlier_build_left_are_stale_beside_a_manifest_of_no_feeds(
    tmp_path, capsys, given
):
    # Quickstart's split: publishconf.py writes feeds, pelicanconf.py sets
    # every feed to None, into one output folder kept between builds. The
    # development build wrote no feed, so its manifest lists none and
    # records no site_payment_link: the feeds the publishing build left
    # carry the site's link, and were taken for those of an earlier
    # pelican-flattr's manifest, to be built again, which changes nothing.
    files = {"a.md": article("Owned", "Alice", slug="owned", category="News")}
    owners = {"FLATTR_AUTHORS": {"Alice": "alice_f"}, "FLATTR_USERNAME": "community"}
    published = {
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
    }
    output = build(tmp_path, files, **published, **owners)
    # Published an hour before the development build.
    an_hour_ago = (output / "owned.html").stat().st_mtime_ns - 3600 * 10**9
    feeds = sorted((output / "feeds").iterdir())
    for feed in feeds:
        os.utime(feed, ns=(an_hour_ago, an_hour_ago))
    build(tmp_path, files, **owners)
    manifest = json.loads((output / "flattr-manifest.json").read_text())
    assert "site_payment_link" not in manifest
    assert not any(thing["feeds"] for thing in manifest["things"])
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nFLATTR_USERNAME = 'community'\n"
        "FLATTR_AUTHORS = {'Alice': 'alice_f'}\n",
        encoding="utf-8",
    )
    capsys.readouterr()  # what Pelican printed
    status, report = audit_json(
        output, capsys, settings=str(conf) if given == "settings" else None
    )
    assert status == 1
    assert [(p["file"], p["kind"], p["expected"]) for p in report["problems"]] == [
        (
            f"feeds/{feed.name}",
            "payment-link-unknown",
            "none (it is older than the manifest and every page it lists: a "
            "feed an earlier build left? delete it, or set "
            "DELETE_OUTPUT_DIRECTORY = True)",
        )
        for feed in feeds
    ]


@pytest.mark.parametrize("given", ["settings", "no settings"])
def test_a_feed_whose_site_link_differs_from_the_other_feeds_is_reported(
    earlier_site, tmp_path, capsys, given
):
    # One build writes one site link: with a manifest that records none,
    # a feed carrying another owner's at the site's URL passed as the
    # site's, beside four carrying the owner's; with --settings it was
    # expected to carry none, as though FLATTR_USERNAME were unset, while
    # the manifest-field row said the feeds carry the site's.
    earlier, conf, link = earlier_site
    output = tmp_path / "site"
    shutil.copytree(earlier, output)
    other = link.replace("user_id=community", "user_id=mallory")
    path = output / "feeds" / "all.atom.xml"
    replace_in(path, link.replace("&", "&amp;"), other.replace("&", "&amp;"))
    status, report = audit_json(
        output, capsys, settings=str(conf) if given == "settings" else None
    )
    assert status == 1
    said = {(p["file"], p["kind"]): p for p in report["problems"]}
    assert set(said) == {
        ("feeds/all.atom.xml", "payment-link-unknown"),
        ("flattr-manifest.json", "manifest-field"),
    }
    problem = said["feeds/all.atom.xml", "payment-link-unknown"]
    assert problem["problem"] == (
        f"has 1 payment links of its own (the site's), to {other!r}, which the "
        "manifest doesn't know: it sends another owner than the other feeds'"
    )
    assert problem["expected"] == (
        f"exactly one, to {link}: the site's own payment link, which 4 other "
        "feeds carry (the manifest, written by an earlier pelican-flattr, "
        "records none)"
    )
    assert (
        "though 4 feeds carry"
        in said["flattr-manifest.json", "manifest-field"]["problem"]
    )


def test_a_listed_feed_without_the_link_the_other_feeds_carry_is_told_it_lacks_it(
    earlier_site, tmp_path, capsys
):
    # One build writes the site's link into every feed: with a manifest
    # that records it, a feed that lost it is told so. With one that
    # records none, the other feeds' link was taken for the site's, and
    # the feed without it passed.
    earlier, _, link = earlier_site
    output = tmp_path / "site"
    shutil.copytree(earlier, output)
    path = output / "feeds" / "all.atom.xml"
    replace_in(path, site_link_of_feed(path), "")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    said = {(p["file"], p["kind"]): p for p in report["problems"]}
    assert set(said) == {
        ("feeds/all.atom.xml", "payment-link-missing"),
        ("flattr-manifest.json", "manifest-field"),
    }
    problem = said["feeds/all.atom.xml", "payment-link-missing"]
    assert problem["problem"] == "has 0 payment links of its own (the site's)"
    assert problem["expected"] == (
        f"exactly one, to {link}: the site's own payment link, which 4 other "
        "feeds carry (the manifest, written by an earlier pelican-flattr, "
        "records none)"
    )


def test_on_a_tie_the_site_link_is_the_one_of_the_first_listed_feed_by_name(
    earlier_site, tmp_path, capsys
):
    # Without --settings nothing tells two owners' links at the site's URL
    # apart: two listed feeds carry each. The first feed's by name
    # (all.atom.xml) is taken, whatever order the feeds were read in, and
    # the others are told which link the two feeds carry.
    earlier, _, link = earlier_site
    output = tmp_path / "site"
    shutil.copytree(earlier, output)
    other = link.replace("user_id=community", "user_id=mallory")
    for name in ("all.atom.xml", "tag-x.atom.xml"):
        path = output / "feeds" / name
        replace_in(path, link.replace("&", "&amp;"), other.replace("&", "&amp;"))
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    said = {(p["file"], p["kind"]): p for p in report["problems"]}
    assert set(said) == {
        ("feeds/all.rss.xml", "payment-link-unknown"),
        ("feeds/news.atom.xml", "payment-link-unknown"),
        ("feeds/misc.atom.xml", "payment-link-unknown"),
        ("flattr-manifest.json", "manifest-field"),
    }
    assert said["feeds/all.rss.xml", "payment-link-unknown"]["expected"] == (
        f"exactly one, to {other}: the site's own payment link, which 2 other "
        "feeds carry (the manifest, written by an earlier pelican-flattr, "
        "records none)"
    )
    assert said["flattr-manifest.json", "manifest-field"]["problem"].startswith(
        "names no site_payment_link, though 2 feeds carry the site's own payment link"
    )


def test_a_feed_with_two_links_of_its_own_does_not_say_which_is_the_site_s(
    earlier_site, tmp_path, capsys
):
    # Only a feed that carries one link of its own may be the site's link
    # alone: a stranger's written before the site's in each feed was taken
    # for the site's, and the owner's link was the one to delete.
    earlier, _, link = earlier_site
    output = tmp_path / "site"
    shutil.copytree(earlier, output)
    other = link.replace("user_id=community", "user_id=mallory")
    listed = ("all.atom.xml", "all.rss.xml", "news.atom.xml", "tag-x.atom.xml")
    for name in listed:
        path = output / "feeds" / name
        own = site_link_of_feed(path)
        replace_in(path, own, own.replace("user_id=community", "user_id=mallory") + own)
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    said = {p["file"]: p for p in report["problems"]}
    assert set(said) == {f"feeds/{name}" for name in (*listed, "misc.atom.xml")}
    for name in listed:
        assert said[f"feeds/{name}"]["problem"] == (
            "has 2 payment links of its own (the site's), 2 of them unknown to "
            f"the manifest: {other!r}, {link!r}"
        )
    assert not [p for p in report["problems"] if "mallory" in p["expected"]]


def test_settings_of_another_owner_name_the_site_link_a_feed_should_carry(
    earlier_site, tmp_path, capsys
):
    # No feed carries the link of the settings' FLATTR_USERNAME: none is
    # taken for the site's, and each feed is told whose link it needs, not
    # to carry none "as FLATTR_USERNAME is unset" when the settings set it.
    output, _, _ = earlier_site
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nFLATTR_USERNAME = 'someone'\n"
        "FLATTR_AUTHORS = {'Alice': 'alice_f'}\n",
        encoding="utf-8",
    )
    status, report = audit_json(output, capsys, settings=str(conf))
    assert status == 1
    listed = {
        (p["file"], p["kind"], p["expected"])
        for p in report["problems"]
        if p["file"] != "feeds/misc.atom.xml"
    }
    assert listed == {
        (
            f"feeds/{name}",
            "payment-link-unknown",
            f"exactly one, to the site's own payment link: the auto-submit URL "
            f"of {SITEURL}/ with user_id=someone (FLATTR_USERNAME), which the "
            "manifest does not record: one written by an earlier pelican-flattr, "
            "or by a build with other settings? build the site again",
        )
        for name in ("all.atom.xml", "all.rss.xml", "news.atom.xml", "tag-x.atom.xml")
    }


def test_a_listing_s_head_may_hold_the_site_link_the_feeds_carry(tmp_path, capsys):
    # theme/ prints the site's link in each listing's head
    # (flattr_site_head(); a theme wrote it by hand before): with a
    # manifest that records none, the feeds' link was taken for the site's
    # but each listing's was "unknown", a page to delete.
    files = {"a.md": article("Owned", "Alice", slug="owned", category="News")}
    output = build(
        tmp_path,
        files,
        str(SAMPLE_SITE.parent / "theme"),
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS={"Alice": "alice_f"},
        FLATTR_USERNAME="community",
    )
    link = as_written_before_site_payment_link(output)
    assert head_payment_hrefs(output / "index.html") == [link]
    capsys.readouterr()  # what Pelican printed
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("flattr-manifest.json", "manifest-field")
    ]
    # Another owner's link at the site's URL is no more the site's in a
    # listing's head than in a feed.
    other = link.replace("user_id=community", "user_id=mallory")
    replace_in(
        output / "index.html", link.replace("&", "&amp;"), other.replace("&", "&amp;")
    )
    status, report = audit_json(output, capsys, settings=None)
    assert sorted((p["file"], p["kind"]) for p in report["problems"]) == [
        ("flattr-manifest.json", "manifest-field"),
        ("index.html", "payment-link-unknown"),
    ]


def test_a_feed_s_own_link_elsewhere_on_flattr_is_unknown_not_compared(
    feeds_site, tmp_path, capsys
):
    # A link to a page of Flattr that is no auto-submit URL sends nothing
    # that could be told apart from the site's thing.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / "all.atom.xml"
    site_link = site_link_of_feed(path)
    profile = "https://flattr.com/profile/mallory"
    href = re.search(r'href="([^"]*)"', site_link)[1]
    replace_in(path, site_link, site_link.replace(href, profile))
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["problem"] == (
        f"has 1 payment links of its own (the site's), to {profile!r}, which the "
        "manifest doesn't know"
    )
    assert problem["kind"] == "payment-link-unknown"


def test_a_payment_link_before_an_rss_item_s_link_is_not_taken_for_it(
    feeds_site, tmp_path, capsys
):
    # The item's link was the text of its first <link>: a payment link
    # written before it left it "", and the opted-out item was taken for
    # the thing its link pays, which it then carried "rightly".
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    owned = manifest_things(output)["a.md"]["auto_submit_url"]
    path = output / "feeds" / "all.rss.xml"
    added = f'<link rel="payment" href="{owned.replace("&", "&amp;")}"/>'
    replace_in(path, OPTED_OUT_ITEM, added + OPTED_OUT_ITEM)
    read = payment_hrefs_read_by_feedparser(path)
    assert read[f"{SITEURL}/opted-out.html"] == [owned]
    assert problems_said(output, capsys) == (
        1,
        [
            (
                "feeds/all.rss.xml",
                f"the entry {SITEURL}/opted-out.html has a payment link to the "
                f"thing of {SITEURL}/owned.html, which is not this entry's",
            )
        ],
    )
    _, report = audit_json(output, capsys, settings=None)
    assert report["problems_by_kind"] == {"payment-link-wrong-thing": 1}


@pytest.mark.parametrize("rel", [' rel="Alternate"', ""], ids=["capitals", "none"])
def test_an_entry_s_alternate_link_however_written_is_its_link(
    feeds_site, tmp_path, capsys, rel
):
    # rel="Alternate" is "alternate" to feedparser, and so is a link without
    # a rel (Atom's default): the entry is the one of the page it links,
    # and carries that page's thing's payment link.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / "all.atom.xml"
    owned = f'<link href="{SITEURL}/owned.html" rel="alternate"/>'
    replace_in(path, owned, owned.replace(' rel="alternate"', rel))
    links = [entry.link for entry in feedparser.parse(path.read_bytes()).entries]
    assert f"{SITEURL}/owned.html" in links
    assert problems_said(output, capsys) == (0, [])


# Pages at a folder's address, as many sites have them.
PRETTY_URLS = {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html"}


@pytest.mark.parametrize(
    ("urls", "opted_out", "owned"),
    [
        ({}, "opted-out.html", "owned.html"),
        # The entry links to the opted-out article's folder, served by its
        # index.html.
        (PRETTY_URLS, "opted-out/", "owned/"),
    ],
)
def test_an_entry_under_another_base_with_a_folder_is_found_by_its_page(
    site, capsys, urls, opted_out, owned
):
    # Pelican's SITEURL ends in a folder the output has not: the entry's
    # page is found by the ending of its link's path, and an opted-out
    # article's entry carrying another's payment link is not taken for it.
    files = {
        "a.md": article("Owned", "Alice", slug="owned"),
        "b.md": article("Opted out", "Alice", slug="opted-out", flattr="no"),
    }
    base = "http://localhost:8000/blog"
    output, status, report = build_and_audit(
        site, capsys, files, SITEURL=base, FLATTR_SITEURL=SITEURL, **urls
    )
    assert status == 0, report["problems"]
    paid = manifest_things(output)["a.md"]["auto_submit_url"]
    path = output / "feeds" / "all.atom.xml"
    entry = f'<link href="{base}/{opted_out}" rel="alternate"/>'
    added = f'<link href="{paid.replace("&", "&amp;")}" rel="payment"/>'
    replace_in(path, entry, entry + added)
    _, report = audit_json(output, capsys, settings=None)
    assert [(p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            f"the entry {base}/{opted_out} has a payment link to the "
            f"thing of {SITEURL}/{owned}, which is not this entry's",
            "payment-link-wrong-thing",
        )
    ]


@pytest.mark.parametrize(
    "link", [f"{SITEURL}/opted-out.html", "https://elsewhere.example/a"]
)
def test_an_entry_paying_two_other_things_is_neither_s(site, capsys, link):
    # The entry of an article without a thing (linking its page, or a page
    # of no file of the site) carries the payment links of two others: it
    # is taken for neither (nor for the one a set gives first), and pays
    # another article's owner.
    files = {
        "a.md": article("Owned", "Alice", slug="owned"),
        "c.md": article("Other", "Alice", slug="other"),
        "b.md": article("Opted out", "Alice", slug="opted-out", flattr="no"),
    }
    output, status, report = build_and_audit(site, capsys, files)
    assert status == 0, report["problems"]
    things = manifest_things(output)
    path = output / "feeds" / "all.atom.xml"
    added = "".join(
        f'<link href="{things[s]["auto_submit_url"].replace("&", "&amp;")}" '
        'rel="payment"/>'
        for s in ("a.md", "c.md")
    )
    entry = OPTED_OUT_ENTRY.replace(f"{SITEURL}/opted-out.html", link)
    replace_in(path, OPTED_OUT_ENTRY, entry + added)
    _, report = audit_json(output, capsys, settings=None)
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            "feeds/all.atom.xml",
            f"the entry {link} has a payment link to the "
            f"thing of {SITEURL}/other.html, which is not this entry's",
            "payment-link-wrong-thing",
        )
    ]


def test_a_feed_the_build_did_not_tag_may_not_pay_a_stranger(site, capsys):
    # Such a feed needs no payment link of its own, and none of its own was
    # read at all: one to anyone passed.
    files = {
        "a.md": article("Owned", "Alice", slug="owned"),
        "extra/podcast.xml": '<?xml version="1.0"?><rss version="2.0"><channel>'
        "<title>Talks</title><link>https://talks.example.net/</link>"
        f'<link rel="payment" {A_LINK}/>'
        "<item><title>One</title><link>https://talks.example.net/1</link></item>"
        "</channel></rss>",
    }
    output = site(
        files,
        STATIC_PATHS=["extra"],
        FEED_ALL_ATOM="feeds/all.atom.xml",
        FLATTR_AUTHORS={"Alice": "alice_f"},
        FLATTR_USERNAME="community",
    )
    capsys.readouterr()  # what Pelican printed
    path = output / "extra" / "podcast.xml"
    assert payment_hrefs_read_by_feedparser(path)[""] == [EVIL]
    status, report = audit_json(output, capsys, settings=None)
    site_link = json.loads((output / "flattr-manifest.json").read_text())[
        "site_payment_link"
    ]
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": "extra/podcast.xml",
                "problem": f"has a payment link of its own to {EVIL!r}, which the "
                "manifest doesn't know",
                "expected": f"none, or the site's, {site_link}",
                "kind": "payment-link-unknown",
            }
        ],
    )
    # The site's own is no stranger's.
    replace_in(path, EVIL.replace("&", "&amp;"), site_link.replace("&", "&amp;"))
    assert audit_json(output, capsys, settings=None)[0] == 0


XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


@pytest.mark.parametrize(
    "prolog",
    [
        XML_DECLARATION,
        "\ufeff" + XML_DECLARATION,
        XML_DECLARATION + "<!-- " + "a long licence comment " * 200 + "-->\n",
        XML_DECLARATION
        + '<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>\n'
        + "<!DOCTYPE rss [\n"
        + '<!ENTITY nbsp "&#160;">\n' * 200
        + "]>\n<!-- <feed> -->\n",
    ],
    ids=["declaration", "byte-order-mark", "comment", "stylesheet-and-doctype"],
)
def test_a_feed_the_manifest_does_not_name_is_read_whatever_its_prolog(
    copy, capsys, prolog
):
    # One the manifest does not name was known by "<feed" or "<rss" in its
    # first 4,096 bytes: after a longer prolog, its payment link to anyone
    # passed unread.
    feed = (
        f'{prolog}<rss version="2.0">'
        "<channel><title>Talks</title><link>https://talks.example.net/</link>"
        f'<link rel="payment" {A_LINK}/></channel></rss>'
    )
    (copy / "podcast.xml").write_text(feed, encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        (
            "podcast.xml",
            f"has a payment link of its own to {EVIL!r}, which the manifest "
            "doesn't know",
        )
    ]


# --- What needs scripts, in a <noscript>. ---


def wrap_in_noscript(path: Path, start: str, end: str) -> None:
    """Put the first element of ``path`` that starts with ``start`` and
    ends with ``end`` in a <noscript>, as a post-processor may."""
    text = path.read_text(encoding="utf-8")
    at = text.index(start)
    stop = text.index(end, at) + len(end)
    text = f"{text[:at]}<noscript>{text[at:stop]}</noscript>{text[stop:]}"
    path.write_text(text, encoding="utf-8")


def test_an_embedded_button_in_noscript_is_one_problem_a_plain_one_counts(site, capsys):
    # Where scripts run, a <noscript>'s content is text that load.js never
    # sees; where they don't, load.js never shows the button: the audit
    # counted it as the page's button all the same.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    page = output / "first-article.html"
    wrap_in_noscript(page, BUTTON_START, "</a>")
    url = f"{SITEURL}/first-article.html"
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": "first-article.html",
                "problem": f"an embedded Flattr button (class FlattrButton) to "
                f"{url!r} is inside <noscript>, where no reader sees it: where "
                "scripts run, load.js cannot find it there; where they do not, it "
                "stays hidden",
                "expected": "the button outside <noscript> (a plain one, which "
                "needs no script, may stand in it)",
                "kind": "button-hidden",
            }
        ],
    )
    # A plain one needs no script: readers without them, crawlers among
    # them, see it.
    output, status, report = build_and_audit(site, capsys)
    assert status == 0, report["problems"]
    wrap_in_noscript(output / "first-article.html", '<a class="flattr-button', "</a>")
    assert audit_json(output, capsys, settings=None) == (0, report)


def test_a_button_in_noscript_beside_two_shown_still_counts_them(site, capsys):
    # The one in <noscript> stands for none, not for the page's count: two
    # shown are one too many, whatever a <noscript> holds besides.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    page = output / "first-article.html"
    embedded = f"{re.escape(BUTTON_START)}.*?</a>"
    (own,) = re.findall(embedded, page.read_text(encoding="utf-8"), flags=re.DOTALL)
    replace_in(page, own, f"{own}{own}<noscript>{own}</noscript>")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("first-article.html", "button-hidden"),
        ("first-article.html", "button-extra"),
    ]
    assert report["problems"][1]["problem"] == (
        "has 2 Flattr buttons for its thing (2 in all)"
    )


def test_load_js_in_noscript_shows_no_button(site, capsys):
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    wrap_in_noscript(output / "first-article.html", LOADER, "</script>")
    assert problems_said(output, capsys) == (
        1,
        [
            (
                "first-article.html",
                f"the Flattr button of {SITEURL}/first-article.html is hidden: the "
                "page's load.js <script> is inside <noscript>: it never runs",
            )
        ],
    )


# An old theme's FlattrLoader, kept in base.html (before </body>, on every
# page) after the site moved to the plugin's plain button.
OLD_LOADER = '<script src="https://api.flattr.com/js/0.6/load.js" async></script>'
OLD_LOADERS = {
    "async": OLD_LOADER,
    "http": '<script type="text/javascript" '
    'src="http://api.flattr.com/js/0.6/load.js"></script>',
}
# Written so that no reader's browser asks Flattr for it as the page opens:
# held back for a consent manager (docs/privacy.md), or where no browser
# runs it.
UNRUN_LOADERS = {
    "held-back-src": '<script type="text/plain" data-cookieconsent="marketing" '
    'src="https://api.flattr.com/js/0.6/load.js?mode=auto" async></script>',
    "held-back-data-src": '<script type="text/plain" data-name="flattr" '
    'data-src="https://api.flattr.com/js/0.6/load.js?mode=auto"></script>',
    "not-javascript": OLD_LOADER.replace("<script ", '<script type="text/x-template" '),
    "nomodule": OLD_LOADER.replace("<script ", "<script nomodule "),
    "comment": f"<!-- {OLD_LOADER} -->",
    "noscript": f"<noscript>{OLD_LOADER}</noscript>",
    "template": f"<template>{OLD_LOADER}</template>",
}
# Flattr's async snippet: an inline script that builds load.js's <script>.
FLATTR_ASYNC_SNIPPET = """<script type="text/javascript">
/* <![CDATA[ */
    (function() {
        var s = document.createElement('script');
        var t = document.getElementsByTagName('script')[0];
        s.type = 'text/javascript';
        s.async = true;
        s.src = 'http://api.flattr.com/js/0.6/load.js?mode=auto';
        t.parentNode.insertBefore(s, t);
    })();
/* ]]> */</script>"""


@pytest.mark.parametrize(
    ("plugins", "runs"),
    [
        (
            ["pelican-flattr"],
            " (it lists 'pelican-flattr': write 'pelican_flattr'): a build with "
            "these settings runs without the plugin",
        ),
        # A site's own plugin may load it (README): a condition, then.
        (
            ["sitemap"],
            ": unless a plugin it lists loads it (pelican_flattr.register()), a "
            "build with these settings runs without it",
        ),
    ],
    ids=["misspelt", "left-out"],
)
def test_the_audit_says_first_that_the_settings_build_without_the_plugin(
    tmp_path, capsys, plugins, runs
):
    # The manifest an earlier build left, and pages built without the
    # plugin: every problem advised the theme (call flattr_head(), leave
    # FLATTR_INJECT on), where the settings file given tells the cause.
    files = two_articles()
    output = build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, files, PLUGINS=[])
    conf = tmp_path / "publishconf.py"
    conf.write_text(
        f"PLUGINS = {plugins!r}\nSITEURL = {SITEURL!r}\nFLATTR_AUTHORS = {AUTHORS!r}\n"
    )
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=str(conf))
    assert status == 1 and report["problems"]
    assert report["notes"][0] == (
        f"PLUGINS in {conf} does not list pelican_flattr{runs}, and its pages "
        "lack what the manifest of an earlier build expects (the button, the "
        "payment link, Open Graph tags): add 'pelican_flattr' to PLUGINS before "
        "mending the theme"
    )
    # Into a log, the first line; on a terminal, after the table and before
    # the summary, whose fixes for each kind (the theme's) it makes beside
    # the point. It came last, after every problem's row.
    assert main(["audit", str(output), "--settings", str(conf)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == report["notes"][0]
    shown = on_a_terminal(
        "raise SystemExit(cli.main(['audit', "
        f"{str(output)!r}, '--settings', {str(conf)!r}]))",
        columns=200,
        status=1,
    )
    said, summary = (
        shown.index("PLUGINS in"),
        shown.index("Problems by kind:"),
    )
    assert shown.index("payment-link-missing") < said < summary
    # Listed, or left to what is installed (no PLUGINS): nothing said.
    for text in ("PLUGINS = ['pelican_flattr.plugin']\n", ""):
        conf.write_text(f"{text}SITEURL = {SITEURL!r}\n")
        status, report = audit_json(output, capsys, settings=str(conf))
        assert not any("PLUGINS" in note for note in report["notes"]), report


@pytest.mark.parametrize(
    ("flattr_siteurl", "said"),
    [
        ("http://localhost:8000", True),
        (None, False),
        ("https://www.example.com", False),
    ],
)
@pytest.mark.parametrize("published", [SITEURL, "//" + SITEURL.partition("//")[2]])
def test_the_audit_fails_a_public_site_whose_things_are_local(
    tmp_path, capsys, flattr_siteurl, said, published
):
    # A local FLATTR_SITEURL carried into the publish build: a build now
    # refuses it, but an earlier version built every button from it, and
    # the audit with its settings said so in a note, then "no problems",
    # exit 0: a deploy gated on it published buttons nobody can reach. So
    # too with a protocol-relative SITEURL, a published site's. (Built here
    # as a preview, with the same local address: the same manifest.)
    settings = {"FLATTR_AUTHORS": AUTHORS}
    if flattr_siteurl:
        settings["FLATTR_SITEURL"] = flattr_siteurl
    if said:
        settings["SITEURL"] = flattr_siteurl
    output = build(tmp_path, two_articles(), **settings)
    conf = tmp_path / "publishconf.py"
    conf.write_text(
        f"SITEURL = {published!r}\nFLATTR_SITEURL = {flattr_siteurl!r}\n"
        f"FLATTR_AUTHORS = {AUTHORS!r}\n"
    )
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=str(conf))
    problem = {
        "file": "flattr-manifest.json",
        "kind": "thing-url-local",
        "problem": "its things are at http://localhost:8000, a local address, but "
        f"SITEURL of {conf} is {published!r}, a public one: every button, payment "
        "link and og:url of this output names a URL that no reader, and not "
        "Flattr, can reach",
        "expected": "thing URLs at the site's public address: set FLATTR_SITEURL "
        "to it (or leave it out), build again, and deploy that build",
    }
    assert report["problems"] == ([problem] if said else [])
    assert (status, report["ok"]) == ((1, False) if said else (0, True))
    assert not any("local address" in note for note in report["notes"])
    if said:
        # Into a log: the kind's fix in the summary, then its row.
        assert main(["audit", str(output), "--settings", str(conf)]) == 1
        lines = capsys.readouterr().out.splitlines()
        assert (
            "flattr-manifest.json: thing-url-local: its things are at "
            "http://localhost:8000, a local address"
        ) in "\n".join(lines)
        assert "  thing-url-local: 1 problem" in lines


@pytest.mark.parametrize(
    ("publish", "compared"),
    [
        # The publish build's settings, as a publishconf.py writes them.
        (f"SITEURL = {SITEURL!r}\n", "SITEURL"),
        (
            f"SITEURL = '//blog.example.org'\nFLATTR_SITEURL = {SITEURL!r}\n",
            "FLATTR_SITEURL",
        ),
        # A protocol-relative SITEURL alone, which a build refuses too.
        ("SITEURL = '//blog.example.org'\n", None),
    ],
    ids=["siteurl", "flattr-siteurl", "protocol-relative-siteurl-alone"],
)
def test_a_preview_audited_with_the_publish_build_s_settings(
    tmp_path, capsys, publish, compared
):
    # A preview's local thing URLs are thing-url-local only where the
    # settings give no public URL to compare the manifest's with; settings
    # a build takes find its manifest another site's (docs/manifest.md).
    output = build(
        tmp_path,
        two_articles(),
        SITEURL="http://localhost:8000",
        FLATTR_AUTHORS=AUTHORS,
    )
    conf = tmp_path / "publishconf.py"
    conf.write_text(f"{publish}FLATTR_AUTHORS = {AUTHORS!r}\n")
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=str(conf))
    if compared is None:
        assert status == 1
        assert [p["kind"] for p in report["problems"]] == ["thing-url-local"]
    else:
        assert status == 2
        assert report["problems"] == [
            f"{output / 'flattr-manifest.json'}: is the manifest of "
            f"http://localhost:8000, but {compared} of {conf} is {SITEURL}: the "
            "manifest of another site, or a site built with other settings? "
            "Audit with the settings file the site was built with, or its own "
            "manifest"
        ]


def theme_with(tmp_path: Path, snippet: str) -> Path:
    """The bundled theme, copied, with ``snippet`` before ``</body>`` in
    its base.html, as an old theme kept its FlattrLoader there."""
    theme = tmp_path / "old-theme"
    shutil.copytree(SAMPLE_SITE.parent / "theme", theme)
    replace_in(theme / "templates" / "base.html", "</body>", f"{snippet}\n</body>")
    return theme


def unneeded_loader(src: str, asks: str) -> str:
    """What the audit says of a page that loads load.js from ``src`` that
    no button needs, where ``asks`` says who asks Flattr for it."""
    return (
        f"loads Flattr's load.js ({src!r}) though no embedded button on it needs "
        f"it: {asks}, which the plain button exists to avoid"
    )


EACH_READER = "each reader's browser asks Flattr for it before any click"
OVER_HTTP = (
    "a browser that reads the page over http: asks Flattr for it before any "
    "click (over https:, browsers block it and log an error)"
)
# Each of OLD_LOADERS, with who asks Flattr for it.
LOADERS_RUN_AS_PAGES_OPEN = pytest.mark.parametrize(
    ("name", "asks"),
    [("async", EACH_READER), ("http", OVER_HTTP)],
    ids=["async", "http"],
)


@LOADERS_RUN_AS_PAGES_OPEN
def test_an_old_theme_s_load_js_on_a_plain_site_is_unneeded(
    site, capsys, tmp_path, name, asks
):
    # The strict build passed and the audit said "no problems" while every
    # page of a plain-button site asked Flattr for its script before any
    # click, which the plain button promises it never does.
    theme = theme_with(tmp_path, OLD_LOADERS[name])
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert (status, report["exit_status"]) == (1, 1)
    assert {p["kind"] for p in report["problems"]} == {"loader-unneeded"}
    # Each page once: the things' and, all of the site's buttons plain, the
    # listings' (index, tag, category, author and archive pages).
    files = [p["file"] for p in report["problems"]]
    pages = [path.relative_to(output).as_posix() for path in output.rglob("*.html")]
    assert sorted(files) == sorted(pages)
    assert {"first-article.html", "index.html", "tag/x.html"} <= set(files)
    src = re.search(r'src="([^"]*)"', OLD_LOADERS[name])[1]
    (first,) = [p for p in report["problems"] if p["file"] == "first-article.html"]
    assert first["problem"] == unneeded_loader(src, asks)
    assert first["expected"] == (
        "no load.js <script> that runs: take it out of the theme (or the content "
        "that holds it), as the plugin adds load.js where an embedded button "
        'needs it; where one must stay, hold it back for consent (type="text/plain"), '
        "as docs/privacy.md writes it"
    )
    # Two on a page are one problem, which counts them.
    replace_in(output / "index.html", "</body>", f"{OLD_LOADER}</body>")
    status, report = audit_json(output, capsys, settings=None)
    (index,) = [p for p in report["problems"] if p["file"] == "index.html"]
    assert index["problem"].startswith(
        f"loads Flattr's load.js 2 times (the first {src!r}) though no embedded "
    )
    # A listing an earlier build left (a category renamed): the page is what
    # to delete, not the theme's script, which may be gone.
    stale = output / "category" / "renamed.html"
    stale.write_text((output / "tag" / "x.html").read_text(encoding="utf-8"))
    backdate(stale, 3600)
    status, report = audit_json(output, capsys, settings=None)
    (left,) = [p for p in report["problems"] if p["file"] == "category/renamed.html"]
    assert left["expected"].startswith(
        "no page here (it is older than the manifest and every page it lists: a "
        "page an earlier build left? delete it, "
    ), left


def build_messages(flattr_log) -> list[str]:
    """The plugin's warnings and errors, as a build logged them."""
    return [r.getMessage() for r in flattr_log.records]


@LOADERS_RUN_AS_PAGES_OPEN
def test_the_build_says_an_old_theme_s_load_js_on_a_plain_site(
    site, flattr_log, tmp_path, name, asks
):
    # Only the audit said it: the build, a strict one too, passed while
    # every page asked Flattr for its script before any click.
    theme = theme_with(tmp_path, OLD_LOADERS[name])
    src = re.search(r'src="([^"]*)"', OLD_LOADERS[name])[1]
    output = site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS)
    said = [m for m in build_messages(flattr_log) if "load.js" in m]
    loads = (
        f"Flattr's load.js ({src!r}) though no embedded button on it needs it: "
        f"{asks}, which the plain button (FLATTR_BUTTON = 'plain') exists to avoid"
    )
    # Once for the build, named in the template that holds it, every page
    # that loads it counted: the articles' and the listings', as the audit
    # reads them.
    assert said[0] == (
        "pelican-flattr: the theme's base.html, which holds it: the page of a.md "
        f"loads {loads}: take the <script> out of the theme, as the plugin adds "
        "load.js where an embedded button needs it; where one must stay, hold it "
        'back for consent (type="text/plain"), as docs/privacy.md writes it'
    ), said
    pages = len(list(output.rglob("*.html")))
    assert said[1:] == [
        f"pelican-flattr: {pages} pages in all (the first: the page of a.md) load "
        "Flattr's load.js though no button on them needs it, as said above"
    ]
    with pytest.raises(FlattrBuildError):
        site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


def test_the_build_names_the_page_s_template_when_no_template_holds_load_js(
    site, flattr_log, tmp_path
):
    # Printed from a setting: no template's source names it.
    theme = theme_with(tmp_path, "{{ OLD_SCRIPT }}")
    site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS, OLD_SCRIPT=OLD_LOADER)
    said = [m for m in build_messages(flattr_log) if "load.js" in m]
    assert said[0].startswith(
        "pelican-flattr: article.html (or a template it extends or includes): the "
        "page of a.md loads Flattr's load.js ("
    ), said


def test_a_load_js_url_no_reader_can_read_is_said_not_raised(
    site, flattr_log, tmp_path
):
    # "[" opens an IPv6 host, which urlsplit refuses: the build raised.
    broken = '<script src="https://[api.flattr.com/js/0.6/load.js" async></script>'
    theme = theme_with(tmp_path, broken)
    site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS)
    said = [m for m in build_messages(flattr_log) if "load.js" in m]
    assert said and "https://[api.flattr.com/js/0.6/load.js" in said[0], said


def test_the_build_names_the_source_whose_text_loads_load_js(site, flattr_log):
    files = two_articles()
    files["a.md"] += f"\n\n{OLD_LOADER}\n"
    site(files, FLATTR_AUTHORS=AUTHORS)
    said = [m for m in build_messages(flattr_log) if "load.js" in m]
    # Its author's, not the theme's: said once, whatever lists its text.
    assert said == [
        "pelican-flattr: a.md: its text holds a <script> that loads Flattr's "
        "load.js ('https://api.flattr.com/js/0.6/load.js') though no embedded "
        f"button on it needs it: {EACH_READER}, which the plain button "
        "(FLATTR_BUTTON = 'plain') exists to avoid: remove it, or quote it as "
        'code (escaped); where one must stay, hold it back for consent (type="text/'
        'plain"), as docs/privacy.md writes it'
    ], said


@pytest.mark.parametrize("name", list(UNRUN_LOADERS))
def test_the_build_passes_a_load_js_no_browser_runs(site, flattr_log, tmp_path, name):
    theme = theme_with(tmp_path, UNRUN_LOADERS[name])
    output = site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS)
    assert "load.js" in (output / "first-article.html").read_text(encoding="utf-8")
    assert not [m for m in build_messages(flattr_log) if "load.js" in m]


@pytest.mark.parametrize("style", ["js", "compact"])
def test_the_build_passes_a_theme_s_load_js_on_a_site_of_embedded_buttons(
    site, flattr_log, tmp_path, style
):
    theme = theme_with(tmp_path, OLD_LOADER)
    site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS, FLATTR_BUTTON=style)
    assert not [m for m in build_messages(flattr_log) if "load.js" in m]


def test_the_build_says_load_js_only_on_the_plain_pages_of_a_site_of_both(
    site, flattr_log, tmp_path
):
    # One article's page shows the compact button: its page, and the
    # listings written after it, may load load.js.
    theme = theme_with(tmp_path, OLD_LOADER)
    replace_in(
        theme / "templates" / "article.html",
        "flattr_button(article)",
        'flattr_button(article, style=("compact" if article.slug == '
        '"second-article" else "plain"))',
    )
    site(two_articles(), str(theme), FLATTR_AUTHORS=AUTHORS)
    said = [m for m in build_messages(flattr_log) if "load.js" in m]
    assert len(said) == 1 and "the page of a.md loads" in said[0], said


@pytest.mark.parametrize("name", list(UNRUN_LOADERS))
def test_a_load_js_no_browser_runs_as_the_page_opens_is_no_problem(
    site, capsys, tmp_path, name
):
    # Held back for consent, a theme may print it on every page
    # (docs/privacy.md); where no browser runs it, it asks Flattr nothing.
    theme = theme_with(tmp_path, UNRUN_LOADERS[name])
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert (status, report["problems"]) == (0, [])
    assert "load.js" in (output / "first-article.html").read_text(encoding="utf-8")


def test_flattr_s_async_snippet_is_a_request_to_flattr(site, capsys, tmp_path):
    # Its URL is in the script's text, which the audit once left unread: a
    # browser ran it, and asked Flattr for load.js, as every page opened.
    theme = theme_with(tmp_path, FLATTR_ASYNC_SNIPPET)
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert status == 1
    assert {(p["file"], p["kind"]) for p in report["problems"]} >= {
        ("first-article.html", "flattr-request"),
        ("index.html", "flattr-request"),
    }
    assert {p["kind"] for p in report["problems"]} == {"flattr-request"}
    assert "s.src = 'http://api.flattr.com/js/0.6/load.js" in (
        output / "first-article.html"
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize("style", ["js", "compact"])
def test_a_theme_s_own_load_js_on_a_site_of_embedded_buttons_passes(
    site, capsys, tmp_path, style
):
    # It shows the things' embedded buttons (the plugin adds none beside
    # it); on the listings without one, a site that chose them loads it as
    # README allows ("or loads load.js itself").
    theme = theme_with(tmp_path, OLD_LOADER)
    output, status, report = build_and_audit(
        site, capsys, theme=str(theme), FLATTR_BUTTON=style
    )
    assert (status, report["problems"]) == (0, [])
    assert "load.js" in (output / "tags.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["shown", "in noscript"])
def test_a_plain_page_that_shows_an_embedded_button_of_another_thing_needs_load_js(
    site, capsys, tmp_path, where
):
    # A sidebar's embedded button of another article: load.js shows it.
    # One in a <noscript> is said as hidden, and load.js is what it needs
    # once moved out: not said unneeded beside it.
    theme = theme_with(tmp_path, OLD_LOADER)
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    assert status == 1
    things = manifest_things(output)
    first = things["a.md"]
    sidebar = (
        f'<a class="FlattrButton" href="{first["url"]}" '
        f'data-flattr-url="{first["url"]}" '
        f'data-flattr-uid="{first["owner"]["value"]}">Flattr</a>'
    )
    if where == "in noscript":
        sidebar = f"<noscript>{sidebar}</noscript>"
    page = things["b.md"]["page"]
    replace_in(output / page, "</body>", f"{sidebar}</body>")
    status, report = audit_json(output, capsys, settings=None)
    said = [p["kind"] for p in report["problems"] if p["file"] == page]
    assert said == ([] if where == "shown" else ["button-hidden"])
    assert ("first-article.html", "loader-unneeded") in {
        (p["file"], p["kind"]) for p in report["problems"]
    }


def test_on_a_site_of_both_kinds_only_a_plain_thing_s_page_is_checked(
    site, capsys, tmp_path
):
    # One article shows the compact button: the site loads load.js, and its
    # listings may load it too; the page of the plain one needs none.
    theme = theme_with(tmp_path, OLD_LOADER)
    replace_in(
        theme / "templates" / "article.html",
        "flattr_button(article)",
        'flattr_button(article, style=("compact" if article.slug == '
        '"second-article" else "plain"))',
    )
    output, status, report = build_and_audit(site, capsys, theme=str(theme))
    buttons = {t["page"]: t["button"] for t in manifest_things(output).values()}
    assert buttons == {"first-article.html": "plain", "second-article.html": "compact"}
    assert (status, [(p["file"], p["kind"]) for p in report["problems"]]) == (
        1,
        [("first-article.html", "loader-unneeded")],
    )


@pytest.mark.parametrize("style", ["plain", "js", "compact"])
def test_the_plugin_s_own_load_js_is_never_unneeded(site, capsys, style):
    # The bundled theme calls flattr_script() on every page: load.js only
    # where an embedded button shows.
    output, status, report = build_and_audit(
        site, capsys, theme=str(SAMPLE_SITE.parent / "theme"), FLATTR_BUTTON=style
    )
    assert (status, report["problems"]) == (0, [])
    has_loader = "load.js" in (output / "index.html").read_text(encoding="utf-8")
    assert has_loader == (style != "plain")


BADGE_SRC = "https://api.flattr.com/button/flattr-badge-large.png"
# What a theme kept from before the plugin may make a browser fetch from
# Flattr as a page opens, no <script src> of load.js among them.
FLATTR_REQUESTS = {
    "badge": f'<a href="https://flattr.com/@alice_f"><img src="{BADGE_SRC}" '
    'alt="Flattr"></a>',
    "srcset": '<picture><source srcset="/b.webp 1x, '
    '//button.flattr.com/b.png 2x"><img src="/b.png" alt=""></picture>',
    # A candidate that is a no-break space alone is no whitespace to HTML.
    "srcset-nbsp": '<img alt="Flattr" srcset="https://button.flattr.com/b.png 1x, '
    '&nbsp;">',
    "preconnect": '<link rel="preconnect" href="https://api.flattr.com">',
    "icon": '<link rel="shortcut icon" href="https://flattr.com/favicon.ico">',
    "iframe": '<iframe src="https://button.flattr.com/view/" title="f"></iframe>',
    "snippet": "<script>(function(){var s=document.createElement('script');"
    "s.async=true;s.src='https://api.flattr.com/js/0.6/load.js?mode=auto';"
    "document.head.appendChild(s);})();</script>",
}


@pytest.mark.parametrize("name", list(FLATTR_REQUESTS))
def test_a_theme_s_request_to_flattr_on_a_plain_site_is_reported(
    site, capsys, tmp_path, name
):
    # The build and the audit said nothing while Chromium fetched Flattr's
    # badge, connected to api.flattr.com or ran Flattr's async snippet as
    # each page opened, which the plain button promises it never does.
    theme = theme_with(tmp_path, FLATTR_REQUESTS[name])
    output, _, report = build_and_audit(site, capsys, theme=str(theme))
    assert report["exit_status"] == 1
    assert {p["kind"] for p in report["problems"]} == {"flattr-request"}
    files = [p["file"] for p in report["problems"]]
    pages = [path.relative_to(output).as_posix() for path in output.rglob("*.html")]
    assert sorted(files) == sorted(pages)
    problem = next(p for p in report["problems"] if p["file"] == "index.html")
    assert "before any click" in problem["problem"]
    said = "async snippet" if name == "snippet" else "flattr.com"
    assert said in problem["problem"]
    assert "take it out of the theme" in problem["expected"]


def test_the_readme_s_own_link_with_flattr_s_badge_image_is_reported(
    site, capsys, tmp_path
):
    # The reviewer's theme: README's own-link pattern, Flattr's badge in it.
    theme = tmp_path / "own-link"
    shutil.copytree(SAMPLE_SITE.parent / "theme", theme)
    replace_in(
        theme / "templates" / "article.html",
        "{% set button = flattr_button(article) %}",
        '{% set button %}<a class="flattr-button flattr-button--plain" '
        'href="{{ article.flattr.auto_submit_url|e }}" rel="nofollow">'
        f'<img src="{BADGE_SRC}" alt="Flattr"></a>{{% endset %}}',
    )
    _, _, report = build_and_audit(site, capsys, theme=str(theme))
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("first-article.html", "flattr-request"),
        ("second-article.html", "flattr-request"),
    ]
    assert f"<img src={BADGE_SRC!r}>" in report["problems"][0]["problem"]


@pytest.mark.parametrize(
    "spelt", ["carol%26%2364%3Bexample.org", "carol&amp;#64;example.org"]
)
def test_a_request_to_flattr_is_said_without_the_address_its_url_spells(
    site, capsys, tmp_path, spelt
):
    # The problem quotes the tag: an owner's address in its URL, its "@" a
    # character reference (its "&" escaped, or plain once the attribute is
    # read), was printed as it was.
    theme = theme_with(
        tmp_path, f'<img src="https://api.flattr.com/b.png?owner=email:{spelt}" alt="">'
    )
    _, _, report = build_and_audit(site, capsys, theme=str(theme))
    assert {p["kind"] for p in report["problems"]} == {"flattr-request"}
    for problem in report["problems"]:
        assert (
            "b.png?owner=" in problem["problem"] and "[address]" in problem["problem"]
        )
        assert (
            spelt not in json.dumps(problem) and "example.org" not in problem["problem"]
        )


# What asks Flattr for nothing as a page opens: a link is followed only by
# a click; the rest no browser fetches, or not from Flattr.
NO_FLATTR_REQUESTS = [
    '<a href="https://flattr.com/@alice_f" rel="me">Flattr</a>',
    '<link rel="me" href="https://flattr.com/@alice_f">',
    f'<!-- <img src="{BADGE_SRC}" alt=""> -->',
    f'<template><img src="{BADGE_SRC}" alt=""></template>',
    '<script type="text/plain" data-cookieconsent="marketing">'
    "var s=document.createElement('script');"
    "s.src='https://api.flattr.com/js/0.6/load.js';</script>",
    '<img src="https://notflattr.com/b.png" alt="">',
    '<input type="text" src="https://flattr.com/x.png">',
]


def test_only_what_asks_flattr_for_something_as_a_page_opens_is_reported(
    site, capsys, tmp_path
):
    # Beside one request to Flattr, what asks it for nothing is not counted:
    # the problem names the one thing alone.
    theme = theme_with(
        tmp_path, "\n".join([*NO_FLATTR_REQUESTS, FLATTR_REQUESTS["preconnect"]])
    )
    _, _, report = build_and_audit(site, capsys, theme=str(theme))
    assert {p["kind"] for p in report["problems"]} == {"flattr-request"}
    assert all(
        p["problem"].endswith("<link rel='preconnect' href='https://api.flattr.com'>")
        for p in report["problems"]
    )


def test_on_a_site_of_both_kinds_only_a_plain_thing_s_page_must_not_ask_flattr(
    site, capsys, tmp_path
):
    # One article shows the compact button: its page and the listings load
    # Flattr's script anyway; the page of the plain one promises otherwise.
    theme = theme_with(tmp_path, FLATTR_REQUESTS["preconnect"])
    replace_in(
        theme / "templates" / "article.html",
        "flattr_button(article)",
        'flattr_button(article, style=("compact" if article.slug == '
        '"second-article" else "plain"))',
    )
    _, _, report = build_and_audit(site, capsys, theme=str(theme))
    assert [(p["file"], p["kind"]) for p in report["problems"]] == [
        ("first-article.html", "flattr-request")
    ]


def test_the_site_owner_s_address_is_found_by_its_hash(site, capsys):
    # FLATTR_USERNAME owns no article here, only the site's thing, which
    # the manifest records as site_payment_link: its hash must find the
    # address all the same (a tag of it, in every page, feed and manifest).
    output, status, report = build_and_audit(
        site,
        capsys,
        FLATTR_USERNAME="email:alice@example.org",
        FLATTR_AUTHORS={"Alice": "alice_f", "Carol": "carol_c"},
        FLATTR_TAGS=["alice@example.org"],
    )
    assert "alice%40example.org" in (output / "first-article.html").read_text()
    assert status == 1
    files = {p["file"] for p in report["problems"]}
    assert {"first-article.html", "flattr-manifest.json", "feeds/all.atom.xml"} <= files
    assert all(
        "the plain email address behind owner email:" in p["problem"]
        for p in report["problems"]
    )
    assert "alice@" not in json.dumps(report) and "alice%40" not in json.dumps(report)


RST_OWNED = """\
Owned in reStructuredText
#########################

:date: 2024-03-01 10:00
:author: Alice
:flattr_owner: {owner}

A first paragraph with enough words to be a summary of this piece.
"""


@pytest.mark.parametrize(
    "owner",
    [
        "email:alice\\@example.org",
        "email:ali\\ce\\@exa\\mple.org",
        "email:alice\\@exa\\\n   mple.org",
    ],
)
def test_a_published_rest_source_s_escaped_owner_address_is_found(
    site, capsys, tmp_path, owner
):
    # reStructuredText reads "alice\@example.org" as the address, and the
    # build warns that OUTPUT_SOURCES publishes it: the audit finds it too.
    output = site(
        {"own.rst": RST_OWNED.format(owner=owner)},
        OUTPUT_SOURCES=True,
        FLATTR_AUTHORS={"Alice": "alice_f"},
    )
    source = (output / "owned-in-restructuredtext.text").read_bytes()
    assert b"\\" in source
    # Compressed beside it, as a server that sends it so wants it: the
    # escapes are read in what the gzip file holds too.
    (output / "owned-in-restructuredtext.text.gz").write_bytes(gzip.compress(source))
    capsys.readouterr()  # what Pelican printed
    leak = "holds the plain email address"
    expected = [(f"owned-in-restructuredtext.text{gz}", leak) for gz in ("", ".gz")]
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [
        (p["file"], p["problem"][: len(leak)]) for p in report["problems"]
    ] == expected
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_USERNAME = 'email:alice@example.org'\n", encoding="utf-8")
    status, report = audit_json(output, capsys, settings=str(conf))
    assert status == 1
    assert [p["file"] for p in report["problems"]] == [file for file, _ in expected]
    assert "alice" not in json.dumps(report["problems"])


GERMAN_OWNERS = {
    "Carol": "email:carol@example.org",
    "Dora": "email:dora@example.org",
}


def test_an_owner_of_a_language_s_own_settings_is_looked_for(tmp_path, capsys):
    # A language's site may map its own authors (I18N_SUBSITES): an
    # address is private whichever site maps it, in the whole tree.
    files = {
        "a.md": article("Hello", "Alice", Lang="en"),
        "b.md": article(
            "Hallo", "Carol", Lang="de", body="Schreibt mir an dora@example.org"
        ),
    }
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice_f"},
        "I18N_SUBSITES": {"de": {"FLATTR_AUTHORS": GERMAN_OWNERS}},
    }
    built = i18n_build(tmp_path, files, **settings)
    assert built.status == 0
    output = tmp_path / "output"
    assert b"dora@example.org" in (output / "de" / "hallo.html").read_bytes()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "".join(f"{key} = {value!r}\n" for key, value in settings.items()),
        encoding="utf-8",
    )
    whose = "the plain email address of author 'Dora' (from I18N_SUBSITES['de'] "
    for audited, page in ((output / "de", "hallo.html"), (output, "de/hallo.html")):
        status, report = audit_json(audited, capsys, settings=str(conf))
        assert status == 1, audited
        found = [p for p in report["problems"] if p["file"] == page]
        assert [p["problem"][: len(whose) + 6] for p in found] == [f"holds {whose}"], (
            audited
        )
        assert "dora@" not in json.dumps(report)
    # Mapped by the site too (to another name), the site's settings name it.
    conf.write_text(
        f"FLATTR_AUTHORS = {{'Carol': {GERMAN_OWNERS['Dora']!r}}}\n"
        f"I18N_SUBSITES = {settings['I18N_SUBSITES']!r}\n",
        encoding="utf-8",
    )
    status, report = audit_json(output / "de", capsys, settings=str(conf))
    whose = "the plain email address of author 'Carol' (from FLATTR_AUTHORS)"
    assert [
        p["problem"][: len(whose) + 6]
        for p in report["problems"]
        if p["file"] == "hallo.html"
    ] == [f"holds {whose}"]
    # Its FLATTR_AUTHORS must be a dict too, and the error names where.
    conf.write_text(
        "I18N_SUBSITES = {'de': {'FLATTR_AUTHORS': ['x']}}\n", encoding="utf-8"
    )
    assert main(["audit", str(output / "de"), "--settings", str(conf)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {conf}: I18N_SUBSITES['de'] FLATTR_AUTHORS must be a "
        "dict keyed by author name, not list\n"
    )


STORE_PUBLISHED = "is the operator's private store (FLATTR_STORE), published"
STORE_COPY_PUBLISHED = (
    "is a copy of the operator's private store (FLATTR_STORE), published: a backup?"
)
STORE_BY_TABLES = (
    "is the operator's private store, or a copy of it (it holds the store's "
    "tables), published"
)
DEFAULT_STORE_PUBLISHED = (
    "is the operator's private store (flattr-store.sqlite3, the commands' store "
    "without FLATTR_STORE or --store), published"
)


def test_a_published_stores_write_ahead_log_is_a_problem(sample_output, copy, capsys):
    # A store copied out while a receiver held it open keeps its newest rows
    # in its -wal: found by its tables, the database alone was reported,
    # and once it was deleted as advised, the audit passed the log.
    held = open_store(_store_dir(copy))
    held.execute(
        "INSERT INTO ignored_events (event, raw_body, received_at) VALUES "
        "('x', x'00', '2024-01-01T00:00:00')"
    )
    try:
        status, report = audit_json(copy, capsys, settings=None)
        assert status == 1
        files = [(p["file"], p["problem"][:40]) for p in report["problems"]]
        assert files == [
            ("data/hooks.db", STORE_BY_TABLES[:40]),
            ("data/hooks.db-shm", "is the write-ahead log (or its index) of"),
            ("data/hooks.db-wal", "is the write-ahead log (or its index) of"),
        ]
        (copy / "data" / "hooks.db").unlink()
        status, report = audit_json(copy, capsys, settings=None)
        assert [p["file"] for p in report["problems"]] == [
            "data/hooks.db-shm",
            "data/hooks.db-wal",
        ]
    finally:
        held.close()


def _store_dir(copy):
    (copy / "data").mkdir()
    return copy / "data" / "hooks.db"


def test_the_default_store_in_the_output_is_a_problem_without_settings(
    sample_output, copy, capsys
):
    # `pelican-flattr webhook serve` run in the output folder, without
    # --store or --settings, makes flattr-store.sqlite3 there: the audit
    # said "no problems" with or without --settings, as only FLATTR_STORE's
    # name was looked for.
    open_store(copy / "flattr-store.sqlite3").close()
    shutil.copy(copy / "flattr-store.sqlite3", copy / "flattr-store.sqlite3.bak")
    (copy / "theme").mkdir(exist_ok=True)
    shutil.copy(copy / "flattr-store.sqlite3", copy / "theme" / "backup.db")
    # A database of the site's own, and a file that only ends so.
    sqlite3.connect(copy / "search.db").execute("CREATE TABLE t (x)")
    (copy / "notes.sqlite").write_text("not a database")
    status, report = audit_json(copy, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        ("flattr-store.sqlite3", DEFAULT_STORE_PUBLISHED),
        (
            "flattr-store.sqlite3.bak",
            DEFAULT_STORE_PUBLISHED.replace(
                "), published", "), published: a backup?"
            ).replace("is the", "is a copy of the"),
        ),
        ("theme/backup.db", STORE_BY_TABLES),
    ]


def test_the_default_store_is_not_flattr_store_s_whose_name_starts_its_own(
    site, capsys, tmp_path
):
    # FLATTR_STORE "flattr" names a file whose name starts the default
    # store's: the default store published was said to be FLATTR_STORE's,
    # which names a file elsewhere.
    output, _, _ = build_and_audit(site, capsys)
    open_store(output / "flattr-store.sqlite3").close()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"SITEURL = {SITEURL!r}\nFLATTR_AUTHORS = {AUTHORS!r}\n"
        f"FLATTR_STORE = {str(tmp_path / 'flattr')!r}\n",
        encoding="utf-8",
    )
    status, report = audit_json(output, capsys, settings=str(conf))
    assert status == 1
    assert [
        (p["file"], p["problem"])
        for p in report["problems"]
        if p["kind"] == "store-published"
    ] == [("flattr-store.sqlite3", DEFAULT_STORE_PUBLISHED)]


# How a settings file names the store: the site's, or a language's own
# (its site writes a store of its own), and how an error names that.
STORE_SETTINGS = {
    "site": ("FLATTR_STORE = {!r}\n", ""),
    "language": (
        "I18N_SUBSITES = {{'de': {{'FLATTR_STORE': {!r}}}}}\n",
        "I18N_SUBSITES['de'] ",
    ),
}


@pytest.mark.parametrize("named", list(STORE_SETTINGS))
def test_the_operator_s_store_in_the_output_is_a_problem(tmp_path, capsys, named):
    # The store holds the operator's private records (who flattred what,
    # owners' claim URLs), and is binary: its name (or its path), which
    # --settings gives, tells it, or, named as a database, its tables.
    setting, where = STORE_SETTINGS[named]
    static = tmp_path / "content" / "static"
    static.mkdir(parents=True)
    copied = open_store(static / "flattr.sqlite")  # -wal and -shm beside it
    output = build(
        tmp_path,
        {"a.md": article("Some article", "Alice")},
        STATIC_PATHS=["static"],
        FLATTR_AUTHORS={"Alice": "alice_f"},
    )
    copied.close()
    inside = open_store(output / "flattr.sqlite")
    # A backup beside it, copied out with it; a page whose name starts
    # as the store's is no copy.
    inside.execute("VACUUM INTO ?", (str(output / "flattr.sqlite.bak"),))
    (output / "flattr.sqlite.md.html").write_text("<p>About the store</p>")
    # A site's own database, its name longer than the store's.
    sqlite3.connect(output / "flattr.sqlite3").execute("CREATE TABLE t (x)")
    capsys.readouterr()  # what Pelican printed
    # Without --settings, the stores themselves are told by their tables;
    # the backup's name says no database, and its WAL files hold none.
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        (name, STORE_BY_TABLES) for name in ("flattr.sqlite", "static/flattr.sqlite")
    ]
    conf = tmp_path / "pelicanconf.py"
    for store in (output / "flattr.sqlite", static / "flattr.sqlite"):
        conf.write_text(setting.format(str(store)), encoding="utf-8")
        status, report = audit_json(output, capsys, settings=str(conf))
        assert status == 1
        published = [
            p["file"] for p in report["problems"] if p["problem"] == STORE_PUBLISHED
        ]
        assert report["problems_by_kind"] == {"store-published": len(published) + 1}
        assert [
            (p["file"], p["problem"])
            for p in report["problems"]
            if p["problem"] != STORE_PUBLISHED
        ] == [("flattr.sqlite.bak", STORE_COPY_PUBLISHED)]
        assert published == [
            "flattr.sqlite",
            "flattr.sqlite-shm",
            "flattr.sqlite-wal",
            "static/flattr.sqlite",
            "static/flattr.sqlite-shm",
            "static/flattr.sqlite-wal",
        ], store
    inside.close()
    conf.write_text(setting.format(3), encoding="utf-8")
    assert main(["audit", str(output), "--settings", str(conf)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {conf}: {where}FLATTR_STORE must be a file path, not 3\n"
    )


def test_the_operator_s_store_in_another_site_s_folder_is_a_problem(
    sample_output, copy, tmp_path, capsys
):
    # A folder with a manifest of its own (an old deploy kept at old/) is
    # another site's audit's, but for what no file of the output may
    # publish: the store there, beside that site's pages, passed.
    shutil.copytree(sample_output, copy / "old")
    open_store(copy / "old" / "flattr.sqlite").close()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"FLATTR_STORE = {str(tmp_path / 'flattr.sqlite')!r}\n")
    status, report = audit_json(copy, capsys, settings=str(conf))
    assert (status, report["other_sites"]) == (1, ["old"])
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        ("old/flattr.sqlite", STORE_PUBLISHED)
    ]


def test_a_language_s_own_manifest_setting_is_followed(tmp_path, capsys):
    # A language's site writes the manifest its own FLATTR_MANIFEST names
    # (de/flattr-de.json): the main site's audit took de/ for its own
    # pages, and de's found no manifest, though --settings names it.
    files = {
        "a.md": article("Hello", "Alice", Lang="en"),
        "b.md": article("Hallo", "Alice", Lang="de"),
        "c.md": article("Noch eins", "Alice", Lang="de"),
    }
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice_f"},
        "I18N_SUBSITES": {"de": {"FLATTR_MANIFEST": "flattr-de.json"}},
    }
    built = i18n_build(tmp_path, files, **settings)
    assert built.status == 0
    output = tmp_path / "output"
    assert (output / "de" / "flattr-de.json").is_file()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "".join(f"{key} = {value!r}\n" for key, value in settings.items()),
        encoding="utf-8",
    )
    status, report = audit_json(output, capsys, settings=str(conf))
    assert (status, report["problems"], report["things"]) == (0, [], 1)
    assert report["other_site_manifests"] == {"de": "flattr-de.json"}
    status, report = audit_json(output / "de", capsys, settings=str(conf))
    assert (status, report["problems"], report["things"]) == (0, [], 2)
    # The command the main site's audit gives for de's is that one.
    assert main(["audit", str(output), "--settings", str(conf)]) == 0
    assert (
        f"audit it on its own: pelican-flattr audit {output / 'de'} --manifest "
        f"{output / 'de' / 'flattr-de.json'} --settings {conf}"
    ) in capsys.readouterr().out
    # A flattr-manifest.json beside de's own may be left from a build
    # before de set its own: de's is audited still, and that one reported.
    leftover = output / "de" / "flattr-manifest.json"
    shutil.copy(output / "flattr-manifest.json", leftover)
    status, report = audit_json(output / "de", capsys, settings=str(conf))
    assert [(p["file"], p["problem"][:40]) for p in report["problems"]] == [
        ("flattr-manifest.json", "is a manifest other than the one audited")
    ]
    assert (status, report["things"]) == (1, 2)
    # Alone, it is the site's: a folder named as a language may be its.
    (output / "de" / "flattr-de.json").rename(tmp_path / "flattr-de.json")
    status, report = audit_json(output / "de", capsys, settings=str(conf))
    assert report["things"] == 1
    # Neither there, the error names the one --settings gives for de.
    leftover.unlink()
    assert main(["audit", str(output / "de"), "--settings", str(conf)]) == 2
    assert "flattr-de.json" in capsys.readouterr().err


# --- Names feeds write otherwise, addresses in what a problem expects, and
# folders the audit did not check: each a case no test covered, where the
# audit's code could break unseen. ---


def entry_without_payment_link(feed: Path, link: str) -> None:
    """Take out the payment link of the entry of ``feed`` that links to
    ``link``: the one written right after the entry's own link."""
    text = feed.read_text(encoding="utf-8")
    start = text.index('<link href="https://flattr.com/', text.index(link))
    end = text.index(">", start) + 1
    assert 'rel="payment"' in text[start:end]
    feed.write_text(text[:start] + text[end:], encoding="utf-8")


@pytest.mark.parametrize(
    ("meta", "settings", "link"),
    [
        # The entry's link is the thing's URL, not the page's name: only
        # the thing's URL as a feed writes it finds the entry's thing.
        ({}, PRETTY_URLS, f"{SITEURL}/kaffe-p%C3%A5%20caf%C3%A9/"),
        # The thing's URL is pinned elsewhere: only the page's name, as a
        # feed writes it, finds the entry's thing.
        (
            {"flattr_url": "https://old.example.org/2019/kaffe/"},
            {"FLATTR_OLD_HOSTS": ["old.example.org"]},
            f"{SITEURL}/kaffe-p%C3%A5%20caf%C3%A9.html",
        ),
    ],
    ids=["pretty-urls", "pinned-url"],
)
def test_an_entry_of_a_non_ascii_page_is_found_without_its_payment_link(
    site, capsys, meta, settings, link
):
    # A slug with letters beyond ASCII and a space: Pelican keeps them in
    # the page's name and URL, a feed writes the entry's link
    # percent-encoded, and the audit matches the entry to its thing in that
    # form. Unmatched, an entry that lost its payment link was said only as
    # a feed that "does not carry" the thing's: not which entry lacks it.
    files = {
        "cafe.md": article(
            "Kaffe på Café Ölstugan", "Alice", slug="kaffe-på café", **meta
        )
    }
    output, status, report = build_and_audit(site, capsys, files, **settings)
    assert (status, report["problems"]) == (0, [])
    assert "feeds/all.atom.xml" in manifest_things(output)["cafe.md"]["feeds"]
    entry_without_payment_link(output / "feeds" / "all.atom.xml", link)
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            "feeds/all.atom.xml",
            f"the entry {link} has no payment link",
            "payment-link-missing",
        )
    ]


def test_a_thing_url_holding_an_owner_s_address_is_never_repeated(site, capsys):
    # The page of a thing whose URL holds its owner's plain address (a slug
    # taken from the title "Write to carol@example.org") is missing: the
    # problem expects "the page of" that URL, which neither the JSON nor
    # the table may print as it is.
    files = {"a.md": article("Write to me", "Carol", slug="write-carol@example.org")}
    output, status, report = build_and_audit(site, capsys, files)
    (thing,) = manifest_things(output).values()
    assert "carol@example.org" in thing["url"].lower()
    (output / thing["page"]).unlink()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["kind"], p["expected"]) for p in report["problems"]] == [
        # "write-" and ".html" joined to the address, hidden with it.
        ("page-missing", f"the page of {SITEURL}/[address]")
    ]
    assert "carol@" not in json.dumps(report).lower()
    assert main(["audit", str(output)]) == 1
    table = capsys.readouterr().out
    assert f"the page of {SITEURL}/[address]" in table
    assert "carol@" not in table.lower()


def test_pages_in_folders_below_an_unchecked_one_are_not_reported_missing(site, capsys):
    # A folder linked outside the output is not checked, and neither is any
    # folder inside it; a folder whose name merely begins with its name is
    # another folder, checked as any.
    files = {
        "a.md": article(
            "Alpha post", save_as="posts/2024/alpha.html", url="posts/2024/alpha.html"
        ),
        "b.md": article(
            "Beta post", save_as="posts-old/beta.html", url="posts-old/beta.html"
        ),
    }
    output, status, report = build_and_audit(site, capsys, files)
    assert (status, report["problems"]) == (0, [])
    posts = output / "posts"
    elsewhere = output.parent / "posts-elsewhere"
    posts.rename(elsewhere)
    posts.symlink_to(elsewhere, target_is_directory=True)
    (output / "posts-old" / "beta.html").unlink()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    assert [(p["file"], p["problem"]) for p in report["problems"]] == [
        (
            "posts",
            f"is a link to {elsewhere}, a folder outside the output folder: its "
            "files are not checked",
        ),
        ("posts-old/beta.html", "is missing"),
    ]


def test_a_thing_url_pinned_at_a_folder_page_without_a_thing_passes(site, capsys):
    # As test_thing_url_pinned_at_a_page_without_a_thing_passes, with pretty
    # URLs: the entry links to the folder, served by its index.html, the
    # page of the article opted out, whose entry needs no payment link.
    files = {
        "a.md": article("Alpha post", slug="alpha", flattr="no"),
        "b.md": article("Beta post", slug="beta", flattr_url=f"{SITEURL}/alpha/"),
    }
    output, status, report = build_and_audit(site, capsys, files, **PRETTY_URLS)
    assert report["problems"] == [] and status == 0
    (thing,) = manifest_things(output).values()
    assert (thing["url"], thing["page"]) == (f"{SITEURL}/alpha/", "beta/index.html")
    assert "feeds/all.atom.xml" in thing["feeds"]  # its own entry was checked


# --- A <noscript>'s content, read as each button's readers read it. ---

# Bodies whose <noscript> holds an element of text never closed: read as
# HTML (where scripts do not run), its text runs past "</noscript>" to the
# end of the page; where scripts run, the <noscript>'s content is text up
# to its first "</noscript" (any letter case), and the page goes on after
# it. And a control: a <noscript> never closed, whose text, where scripts
# run, is the rest of the page.
NOSCRIPT_BODIES = [
    '<div><noscript><iframe src="x"></noscript></div>',
    "<noscript><style>x</noscript>",
    "<NOSCRIPT><STYLE>x</NoScript >",
    "<noscript>",
]


def shown_by_html5lib(path: Path, scripts: bool) -> bool:
    """Whether html5lib, which parses as browsers do (``scripts``: as one
    that runs scripts, where a <noscript> holds text), shows a reader the
    plugin's button on the page at ``path`` and, with ``scripts``, runs
    a load.js there, which an embedded button needs."""
    import html5lib

    document = html5lib.HTMLParser(namespaceHTMLElements=False).parse(
        path.read_text(encoding="utf-8"), scripting=scripts
    )
    parents = {child: parent for parent in document.iter() for child in parent}
    hiding = ("template", "noscript") if scripts else ("template",)

    def seen(element) -> bool:
        while element in parents:
            element = parents[element]
            if element.tag in hiding:
                return False
        return True

    button = any(
        seen(a)
        for a in document.iter("a")
        if "flattr-button" in a.get("class", "").split()
    )
    loader = any(
        seen(script)
        for script in document.iter("script")
        if "flattr.com/js/" in script.get("src", "")
    )
    return button and (loader or not scripts)


@pytest.mark.parametrize("body", NOSCRIPT_BODIES)
@pytest.mark.parametrize("style", ["js", "plain"])
def test_a_noscript_is_read_as_the_button_s_readers_read_it(site, capsys, body, style):
    # An embedded button is shown only where scripts run, and there a
    # <noscript> in the body holds text up to its first "</noscript": the
    # <iframe> or <style> in it hides nothing after it. The audit read the
    # <noscript>'s content as HTML, whose <iframe> swallowed the button and
    # load.js, and refused a page those browsers show. A plain button is
    # for readers without scripts too, crawlers among them: read as HTML.
    text = f"<p>A first paragraph with enough words.</p>\n\n{body}\n"
    files = {"a.md": article("First article", "Alice", body=text)}
    output, status, report = build_and_audit(site, capsys, files, FLATTR_BUTTON=style)
    embedded = style == "js"
    shown = shown_by_html5lib(output / "first-article.html", scripts=embedded)
    # What html5lib says, spelt out: the readers of an embedded button see
    # it but after a <noscript> never closed; those of a plain one, but
    # after an element of text never closed.
    assert shown == ((body == "<noscript>") != embedded)
    if shown:
        assert (status, report["problems"]) == (0, [])
    else:
        hidden = "button-hidden" if embedded else "button-missing"
        assert status == 1
        assert [p["kind"] for p in report["problems"]] == [hidden]


# Around a page's embedded button: a "</noscript" in a comment in a
# <noscript>. Where scripts run, the <noscript>'s text ends there and what
# follows the comment is HTML; read as HTML, the comment hides it and the
# <noscript> ends at a later "</noscript>": a page the two readings part
# on, read again as a browser that runs scripts reads it. (before, after,
# whether that browser shows the button.)
COMMENTED_NOSCRIPT_END = "<noscript><!-- </noscript> -->"
AROUND_AN_EMBEDDED_BUTTON = {
    "the noscript's end tag after it": (COMMENTED_NOSCRIPT_END, "</noscript>", True),
    # The reading stays owed to the first <noscript> whatever follows:
    # a second one, in it or after it.
    "a second noscript in the first": (
        COMMENTED_NOSCRIPT_END,
        "<noscript>No scripts.</noscript></noscript>",
        True,
    ),
    "a second noscript after the first": (
        COMMENTED_NOSCRIPT_END,
        "</noscript><noscript>No scripts.</noscript>",
        True,
    ),
    # The second <noscript> opens where scripts run too: its text hides
    # the button, which the audit says stands in it.
    "in a second noscript": (
        f"{COMMENTED_NOSCRIPT_END}<noscript>",
        "</noscript></noscript>",
        False,
    ),
    # A <template> in a <noscript> is text where scripts run: it hides
    # nothing after the <noscript>'s end.
    "after a template in a noscript": ("<noscript><template></noscript>", "", True),
}


@pytest.mark.parametrize(
    "before, after, shown",
    AROUND_AN_EMBEDDED_BUTTON.values(),
    ids=list(AROUND_AN_EMBEDDED_BUTTON),
)
def test_an_embedded_button_after_a_noscript_s_first_end_is_read_as_scripts_read_it(
    site, capsys, before, after, shown
):
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    page = output / "first-article.html"
    text = page.read_text(encoding="utf-8")
    start = text.index(BUTTON_START)
    end = text.index("</a>", start) + len("</a>")
    text = f"{text[:start]}{before}{text[start:end]}{after}{text[end:]}"
    page.write_text(text, encoding="utf-8")
    assert shown_by_html5lib(page, scripts=True) == shown
    status, report = audit_json(output, capsys, settings=None)
    if shown:
        assert (status, report["problems"]) == (0, [])
        return
    assert status == 1
    (problem,) = report["problems"]
    assert problem["kind"] == "button-hidden"
    assert "is inside <noscript>" in problem["problem"]


# What goes before a page's button: a <template>'s content is inert, and
# only its content. (what, and whether it holds a copy of the button.)
BEFORE_THE_BUTTON = {
    "an empty template": ("<template></template>", False),
    "a template's end tag that ends none": ("</template>", False),
    "a copy in a template in a template": (
        "<template><template></template>{button}</template>",
        True,
    ),
}


@pytest.mark.parametrize("style", ["js", "plain"])
@pytest.mark.parametrize(
    "before, copied", BEFORE_THE_BUTTON.values(), ids=list(BEFORE_THE_BUTTON)
)
def test_only_a_template_s_content_is_inert(site, capsys, before, copied, style):
    # A <template> closed (or an end tag that closes none, which a browser
    # ignores) hid every tag after it from the audit; one closed inside
    # another ended the outer one too, and the copy of the button it holds
    # counted as a second button. A page read again where scripts run (a
    # <style> never closed in a <noscript>) reads them so too.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON=style)
    assert status == 0, report["problems"]
    page = output / "first-article.html"
    text = page.read_text(encoding="utf-8")
    start = text.index(BUTTON_START if style == "js" else '<a class="flattr-button')
    end = text.index("</a>", start) + len("</a>")
    before = before.format(button=text[start:end])
    for ending in ("", "<noscript><style></noscript>"):
        page.write_text(f"{text[:start]}{before}{text[start:]}{ending}", "utf-8")
        assert shown_by_html5lib(page, scripts=style == "js")
        assert audit_json(output, capsys, settings=None) == (0, report)


def test_a_tag_the_page_s_end_cuts_short_is_dropped_where_scripts_run(site, capsys):
    # A browser drops a tag that the page's end cuts short: a copy of the
    # embedded button's start tag left so is no second button, on a page
    # read again where scripts run (a <style> never closed in a <noscript>)
    # too.
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    page = output / "first-article.html"
    text = page.read_text(encoding="utf-8")
    start = text.index(BUTTON_START)
    cut = text[start : text.index(">", start)]
    for ending in ("", "<noscript><style></noscript>"):
        page.write_text(f"{text}{ending}{cut}", encoding="utf-8")
        browsers = BeautifulSoup(page.read_text(encoding="utf-8"), "html5lib")
        assert len(browsers.select("a.FlattrButton")) == 1
        assert audit_json(output, capsys, settings=None) == (0, report)


@pytest.mark.parametrize(
    "feed, opted_out, owned",
    [
        (
            "all.atom.xml",
            OPTED_OUT_ENTRY,
            f'<link href="{SITEURL}/owned.html" rel="alternate"/>',
        ),
        ("all.rss.xml", OPTED_OUT_ITEM, f"<link>{SITEURL}/owned.html</link>"),
    ],
)
def test_a_feed_s_entries_are_said_in_the_order_written(
    feeds_site, tmp_path, capsys, feed, opted_out, owned
):
    # Each entry paying a stranger is said in the feed's order, as a reader
    # of the report finds them in the file.
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    path = output / "feeds" / feed
    for entry in (opted_out, owned):
        replace_in(path, entry, f'{entry}<link rel="payment" {A_LINK}/>')
    written = [entry.link for entry in feedparser.parse(path.read_bytes()).entries]
    status, said = problems_said(output, capsys)
    named = [re.match(r"the entry (\S+) ", problem)[1] for _, problem in said]
    assert status == 1 and sorted(named, key=written.index) == named
    assert len(set(named)) == 2


# --- What the audit reads from a settings file (audit_settings): cases
# a mutation review of that module found no test for. ---


def sample_settings_with(folder: Path, extra: str, name: str = "conf.py") -> Path:
    """The sample site's publish settings file, written in ``folder`` as
    ``name`` with the lines ``extra`` after it (its paths still the sample
    site's), without its FLATTR_SITEURL: the site's own URL is SITEURL's."""
    sample = Path(SETTINGS).read_text(encoding="utf-8")
    conf = folder / name
    conf.write_text(
        sample.replace("Path(__file__)", f"Path({SETTINGS!r})")
        + 'FLATTR_SITEURL = ""\n'
        + extra,
        encoding="utf-8",
    )
    return conf


ELSEWHERE = "https://elsewhere.example.net"


@pytest.mark.parametrize(
    "extra, named",
    [
        # The site's public URL is compared, though a language's site of
        # I18N_SUBSITES gives none of its own (i18n_subsites puts it in a
        # folder of the site's): that language's is no reason to skip it.
        (
            f"SITEURL = {ELSEWHERE!r}\nI18N_SUBSITES = {{'de': {{'LOCALE': 'de'}}}}\n",
            "SITEURL",
        ),
        # The things' URLs are FLATTR_SITEURL's, and the error names it.
        (f"FLATTR_SITEURL = {ELSEWHERE!r}\n", "FLATTR_SITEURL"),
        # A development SITEURL (pelicanconf.py) is not compared, though a
        # language's site has a public URL of its own: the manifest of the
        # site is not that language's.
        (
            "SITEURL = 'http://localhost:8000'\n"
            f"I18N_SUBSITES = {{'de': {{'SITEURL': {ELSEWHERE!r}}}}}\n",
            None,
        ),
    ],
    ids=["language-without-its-own", "flattr-siteurl", "language-with-its-own"],
)
def test_the_site_s_own_url_decides_whether_the_manifest_s_is_compared(
    copy, tmp_path, capsys, extra, named
):
    conf = sample_settings_with(tmp_path, extra)
    status, report = audit_json(copy, capsys, settings=str(conf))
    if named:
        assert status == 2
        assert report["problems"] == [
            f"{copy / 'flattr-manifest.json'}: is the manifest of "
            f"https://community.example.org, but {named} of {conf} is {ELSEWHERE}: "
            "the manifest of another site, or a site built with other settings? "
            "Audit with the settings file the site was built with, or its own "
            "manifest"
        ]
    else:
        assert (status, report["problems"]) == (0, [])
        (note,) = report["notes"]
        assert note.startswith(
            "The manifest's site, https://community.example.org, was not compared "
            f"with SITEURL of {conf}: that is 'http://localhost:8000'"
        )


def test_a_language_s_manifest_outside_the_output_makes_no_folder_another_site_s(
    copy, tmp_path, capsys
):
    # A language's site of I18N_SUBSITES may write its manifest by an
    # absolute FLATTR_MANIFEST, outside the output: no folder of the site
    # holds it, and each of the site's folders is audited as the site's.
    kept = tmp_path / "manifests" / "de.json"
    kept.parent.mkdir()
    shutil.copy(copy / "flattr-manifest.json", kept)
    conf = sample_settings_with(
        tmp_path, f"I18N_SUBSITES = {{'de': {{'FLATTR_MANIFEST': {str(kept)!r}}}}}\n"
    )
    status, report = audit_json(copy, capsys, settings=str(conf))
    assert (status, report["problems"], report["other_sites"]) == (0, [], [])


def on_another_drive(monkeypatch, elsewhere):
    """os.path.relpath as Windows has it for a path under ``elsewhere``
    and one that is not: on two drives (D: and C:), it raises ValueError.
    No path on Linux is on another drive, hence the stand-in."""
    relpath = os.path.relpath

    def two_drives(path, start=os.curdir):
        if str(path).startswith(str(elsewhere)) != str(start).startswith(
            str(elsewhere)
        ):
            raise ValueError("path is on mount 'D:', start on mount 'C:'")
        return relpath(path, start)

    monkeypatch.setattr(os.path, "relpath", two_drives)


def test_a_manifest_on_another_drive_is_outside_the_output(
    copy, tmp_path, capsys, monkeypatch
):
    # A manifest kept on another drive on Windows is simply not in the
    # output: no traceback, and no exit status 1 for problems found.
    kept = tmp_path / "backup" / "flattr-manifest.json"
    kept.parent.mkdir()
    shutil.copy(copy / "flattr-manifest.json", kept)
    on_another_drive(monkeypatch, kept.parent)
    status, report = audit_json(copy, capsys, "--manifest", str(kept))
    assert (status, report["problems"]) == (0, [])


def test_a_language_s_output_on_another_drive_is_outside_the_output(
    copy, tmp_path, capsys, monkeypatch
):
    elsewhere = tmp_path / "d-drive"
    conf = sample_settings_with(
        tmp_path,
        "PLUGINS = ['pelican_flattr', 'i18n_subsites']\n"
        f"I18N_SUBSITES = {{'de': {{'OUTPUT_PATH': {str(elsewhere / 'de')!r}}}}}\n",
    )
    on_another_drive(monkeypatch, elsewhere)
    status, report = audit_json(copy, capsys, settings=str(conf))
    assert (status, report["problems"]) == (0, [])


def test_an_owner_s_prefix_in_capitals_still_names_an_address(copy, tmp_path, capsys):
    # "Email:" is email: to the build, as "MAILTO:" is mailto: to a
    # browser: the address after either is the owner's, and private.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Dora": "Email:dora@example.org"}\n'
        'FLATTR_USERNAME = "MAILTO:site@example.org"\n',
        encoding="utf-8",
    )
    (copy / "contact.txt").write_text("dora@example.org, site@example.org\n")
    status, report = audit_json(copy, capsys, settings=str(conf))
    assert status == 1
    assert sorted((p["file"], p["problem"]) for p in report["problems"]) == [
        (
            "contact.txt",
            "holds the plain email address of author 'Dora' (from FLATTR_AUTHORS)",
        ),
        ("contact.txt", "holds the plain email address of the site (FLATTR_USERNAME)"),
    ]


def test_an_owner_that_names_no_address_is_not_looked_for(copy, tmp_path, capsys):
    # A handle written with its "@" (which the build refuses as an owner)
    # is no email address: a page that shows it publishes none.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_AUTHORS = {"Fay": "@fay"}\n', encoding="utf-8")
    (copy / "contact.txt").write_text("Follow @fay on Mastodon\n")
    status, report = audit_json(copy, capsys, settings=str(conf))
    assert (status, report["problems"]) == (0, [])


# --- How the audit checks a feed (audit_feeds): cases a mutation review
# of that module found no test for. ---


@pytest.mark.parametrize("encoding", ["shift_jis", "euc_jp", "gbk", "big5"])
def test_a_feed_in_a_multi_byte_encoding_expat_cannot_read_is_checked(
    feeds_site, tmp_path, capsys, encoding
):
    # Expat reads UTF-8 and UTF-16 alone of the multi-byte encodings, and
    # refuses the rest with a ValueError, not a ParseError: the audit
    # ended in a traceback, then said a well-formed Shift_JIS feed (as a
    # Japanese podcast's may be written) was not well-formed, and checked
    # none of its links. Decoded by its declaration, it is read as the
    # UTF-8 one is: a stranger's payment link in it is said.
    output, path = atom_feed_of_a_copy(feeds_site, tmp_path)
    site_link = site_link_of_feed(path)
    stranger = re.sub(r'href="[^"]*"', A_LINK, site_link)
    text = path.read_text(encoding="utf-8").replace(site_link, site_link + stranger)
    declared = text.replace('encoding="utf-8"', f'encoding="{encoding}"', 1)
    assert declared != text
    path.write_bytes(f"{declared}<!-- ポッドキャスト -->".encode(encoding))
    status, report = audit_json(output, capsys, settings=None)
    assert (status, [(p["problem"], p["kind"]) for p in report["problems"]]) == (
        1,
        [
            (
                "has 2 payment links of its own (the site's), 1 of them unknown "
                f"to the manifest: {EVIL!r}",
                "payment-link-unknown",
            )
        ],
    )


def test_a_feed_whose_bytes_its_declared_encoding_cannot_decode_is_a_problem(
    copy, capsys
):
    # Decoded by its declaration, a feed that is no Shift_JIS after all
    # is said as not well-formed, with the byte at fault: no traceback.
    (copy / "old.rss").write_bytes(
        b'<?xml version="1.0" encoding="shift_jis"?><rss><channel><title>'
        + "ポッドキャスト".encode("shift_jis")
        + b"\xff\xff</title></channel></rss>"
    )
    status, report = audit_json(copy, capsys)
    ((file, problem, kind),) = [
        (p["file"], p["problem"], p["kind"]) for p in report["problems"]
    ]
    assert (status, file, kind) == (1, "old.rss", "not-well-formed")
    assert problem.startswith("is not well-formed XML ('shift_jis' codec can't")


def test_a_feed_the_build_did_not_tag_may_carry_a_thing_s_payment_link(copy, capsys):
    # A feed the build wrote no link into (a podcast.xml copied in) needs
    # none of its own, and may not pay a stranger; one to a thing of the
    # site pays its owner, as a hand-written link on a page may.
    href = a_thing(copy)["auto_submit_url"]
    (copy / "podcast.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Talks</title>'
        "<link>https://talks.example.net/</link>"
        f'<link rel="payment" href="{html.escape(href)}"/></channel></rss>',
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert (status, report["problems"]) == (0, [])


def test_an_entry_whose_link_a_feed_writes_unencoded_is_found_by_it(site, capsys):
    # A feed written by another tool (or rewritten after the build) may
    # give an entry's link as an IRI, its letters beyond ASCII as they
    # are: it is the link feedgenerator writes percent-encoded, and finds
    # the same thing, whose entry then lacks its payment link.
    files = {"cafe.md": article("Kaffe på Café", "Alice", slug="kaffe-på-café")}
    output, status, report = build_and_audit(site, capsys, files, **PRETTY_URLS)
    assert (status, report["problems"]) == (0, [])
    feed = output / "feeds" / "all.atom.xml"
    encoded = f"{SITEURL}/kaffe-p%C3%A5-caf%C3%A9/"
    entry_without_payment_link(feed, encoded)
    written = f"{SITEURL}/kaffe-på-café/"
    replace_in(feed, f'href="{encoded}"', f'href="{written}"')
    status, report = audit_json(output, capsys, settings=None)
    assert (status, [(p["problem"], p["kind"]) for p in report["problems"]]) == (
        1,
        [(f"the entry {written} has no payment link", "payment-link-missing")],
    )


def atom_feed_of_a_copy(feeds_site: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of ``feeds_site``, and the path of its Atom feed of all."""
    output = tmp_path / "site"
    shutil.copytree(feeds_site, output)
    return output, output / "feeds" / "all.atom.xml"


def test_a_stranger_s_link_a_feed_holds_twice_is_named_once(
    feeds_site, tmp_path, capsys
):
    # Counted twice (the feed has three links of its own), but named once:
    # the operator looks for one stranger, not two.
    output, path = atom_feed_of_a_copy(feeds_site, tmp_path)
    site_link = site_link_of_feed(path)
    stranger = re.sub(r'href="[^"]*"', A_LINK, site_link)
    replace_in(path, site_link, site_link + stranger * 2)
    status, report = audit_json(output, capsys, settings=None)
    assert (status, [(p["problem"], p["kind"]) for p in report["problems"]]) == (
        1,
        [
            (
                "has 3 payment links of its own (the site's), 2 of them unknown "
                f"to the manifest: {EVIL!r}",
                "payment-link-unknown",
            )
        ],
    )


def test_a_feed_s_links_to_flattr_without_their_scheme_are_said_to_be_so(
    feeds_site, tmp_path, capsys
):
    # A minifier that shortens URLs runs over feeds too: the feed's own
    # link and its entry's each say why the manifest doesn't know them.
    output, path = atom_feed_of_a_copy(feeds_site, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text.count('href="https://flattr.com/') == 2  # the site's, Owned's
    path.write_text(text.replace('href="https://flattr.com/', 'href="//flattr.com/'))
    status, said = problems_said(output, capsys)
    scheme = ": a URL without its scheme, as a minifier shortens them"
    assert status == 1
    assert [(file, problem[:20], scheme in problem) for file, problem in said] == [
        ("feeds/all.atom.xml", "has 1 payment links ", True),
        ("feeds/all.atom.xml", f"the entry {SITEURL}"[:20], True),
    ]


def test_an_entry_linking_a_pinned_thing_url_no_file_serves_is_its_thing_s(
    copy, capsys
):
    # A feed another tool wrote may link an entry by the article's
    # canonical URL, the thing URL Flattr_url pins at its old address:
    # no file of the site serves it, and it still names the thing, whose
    # entry then lacks its payment link.
    thing = a_thing(copy, "rfid-door-opener-five-years-on.md")
    feed = copy / "feeds" / "all.atom.xml"
    page_link = f"https://community.example.org/{thing['page']}"
    entry_without_payment_link(feed, page_link)
    replace_in(feed, f'href="{page_link}"', f'href="{thing["url"]}"')
    status, report = audit_json(copy, capsys)
    assert (status, [(p["file"], p["problem"]) for p in report["problems"]]) == (
        1,
        [("feeds/all.atom.xml", f"the entry {thing['url']} has no payment link")],
    )


# An article without a thing (b.md, beside a.md's "owned"), the base of
# entries' links (the things', or Pelican's SITEURL with the things under
# FLATTR_SITEURL), and the link of its entry as the feed writes it.
ANOTHER_BASE = "http://localhost:8000/blog"
ENTRIES_OF_NO_THING = {
    # Percent-encoded, where the page's name is not: read as written, the
    # link named no file of the site.
    "non-ascii": (
        {"slug": "kaffe-på-café"},
        SITEURL,
        "kaffe-p%C3%A5-caf%C3%A9.html",
    ),
    "non-ascii-under-another-base": (
        {"slug": "kaffe-på-café"},
        ANOTHER_BASE,
        "kaffe-p%C3%A5-caf%C3%A9.html",
    ),
    # Under another base, the link names its page by the longest ending
    # of its path that names a file: a shorter one may name another page
    # (b/owned.html ends in owned.html).
    "longest-ending": (
        {"url": "b/owned.html", "save_as": "b/owned.html"},
        ANOTHER_BASE,
        "b/owned.html",
    ),
}


@pytest.mark.parametrize("case", list(ENTRIES_OF_NO_THING))
def test_an_entry_of_a_page_without_a_thing_is_not_taken_for_the_one_it_pays(
    site, capsys, case
):
    # The entry of an article without a thing, carrying another's payment
    # link, was taken for that thing, and passed.
    meta, base, written = ENTRIES_OF_NO_THING[case]
    files = {
        "a.md": article("Owned", "Alice", slug="owned"),
        "b.md": article("Opted out", "Alice", flattr="no", **meta),
    }
    settings = {} if base == SITEURL else {"SITEURL": base, "FLATTR_SITEURL": SITEURL}
    output, status, report = build_and_audit(site, capsys, files, **settings)
    assert (status, report["problems"]) == (0, [])
    paid = manifest_things(output)["a.md"]["auto_submit_url"]
    link = f"{base}/{written}"
    entry = f'<link href="{link}" rel="alternate"/>'
    added = f'<link href="{html.escape(paid)}" rel="payment"/>'
    replace_in(output / "feeds" / "all.atom.xml", entry, entry + added)
    _, report = audit_json(output, capsys, settings=None)
    assert [(p["problem"], p["kind"]) for p in report["problems"]] == [
        (
            f"the entry {link} has a payment link to the thing of "
            f"{SITEURL}/owned.html, which is not this entry's",
            "payment-link-wrong-thing",
        )
    ]


# --- The URL an embedded button submits, read where load.js reads it ---


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        # An href that links elsewhere (bitlove.org's linked a profile)
        # still sends the thing URL: load.js reads data-flattr-url over it.
        ("href", []),
        ("data-flattr-url", ["button-unknown"]),
    ],
)
def test_the_audit_reads_an_embedded_buttons_url_where_load_js_does(
    site, capsys, name, kinds
):
    output, status, report = build_and_audit(site, capsys, FLATTR_BUTTON="js")
    assert status == 0, report["problems"]
    thing = manifest_things(output)["a.md"]
    elsewhere = f"{SITEURL}/elsewhere.html"
    replace_in(
        output / thing["page"], f'{name}="{thing["url"]}"', f'{name}="{elsewhere}"'
    )
    _, report = audit_json(output, capsys, settings=None)
    assert [p["kind"] for p in report["problems"]] == kinds


def test_an_earlier_builds_embedded_button_whose_href_a_browser_rewrites_is_said(
    site, capsys
):
    # Without data-flattr-url, load.js submits the href property, which a
    # browser rewrites: for Flattr, another thing than the manifest's.
    files = {"a.md": article("Über naïve", "Alice", slug="über-naïve")}
    output, status, report = build_and_audit(
        site,
        capsys,
        files,
        FLATTR_BUTTON="js",
        SITEURL="https://Bücher.example:8443/Blog",
    )
    assert status == 0, report["problems"]
    thing = manifest_things(output)["a.md"]
    replace_in(output / thing["page"], f' data-flattr-url="{thing["url"]}"', "")
    status, report = audit_json(output, capsys, settings=None)
    rewritten = "https://xn--bcher-kva.example:8443/Blog/%C3%BCber-na%C3%AFve.html"
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": thing["page"],
                "problem": "an embedded Flattr button (class FlattrButton) links "
                f"{thing['url']!r}, which a browser reads as {rewritten!r}: "
                "load.js submits that, another URL than the manifest's",
                "expected": f'data-flattr-url="{thing["url"]}" beside its href, as '
                "the plugin writes it (an earlier build's page? build the site again)",
                "kind": "button-wrong-href",
            }
        ],
    )


def rebuilt_with_js_buttons(tmp_path, capsys, write_copies):
    """The output of a site built with plain buttons, ``write_copies``
    (given the output and the thing) called on it, then built again with
    embedded ones, as pelican-precompress without PRECOMPRESS_OVERWRITE
    leaves it: the copies it wrote an hour before the build."""
    files = {"a.md": article("Soldering", "Alice")}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FEED_ALL_ATOM": "feeds/all.atom.xml"}
    output = build(tmp_path, files, FLATTR_BUTTON="plain", **settings)
    thing = manifest_things(output)["a.md"]
    written = write_copies(output, thing)
    # Backdated, page and copies, for a build an hour ago: the rebuild
    # writes the page again, and the copies keep that hour.
    an_hour_ago = (output / thing["page"]).stat().st_mtime_ns - 3600 * 10**9
    for path in [output / thing["page"], *written]:
        os.utime(path, ns=(an_hour_ago, an_hour_ago))
    build(tmp_path, files, FLATTR_BUTTON="js", **settings)
    capsys.readouterr()
    return output, thing


@pytest.mark.parametrize("suffix", [".br", ".zst"])
def test_a_copy_the_audit_cannot_read_older_than_its_page_is_noted(
    tmp_path, capsys, monkeypatch, suffix
):
    # pelican-precompress keeps an existing copy by default, and browsers
    # are sent the .br before the .gz: a page's Brotli copy still showed
    # the plain button of a build before the one with FLATTR_BUTTON "js",
    # and the audit, reading gzip alone, said nothing. Its age is no proof:
    # with PRECOMPRESS_OVERWRITE, pelican-precompress keeps an older copy
    # that matches the page, so it is a note, not a problem.
    # As where the audit runs without the brotli module (the tests have it).
    monkeypatch.setattr(audit_module, "_brotli", None)

    def earlier_copies(output, thing):
        # Not compressed (the audit cannot read these anyway): their age
        # alone tells an earlier build's. The archives' copy sorts first,
        # but the thing's page's is named first, where the old button is.
        copies = []
        for page in (output / thing["page"], output / "archives.html"):
            copy = page.with_name(page.name + suffix)
            copy.write_bytes(page.read_bytes())
            copies.append(copy)
        return copies

    output, thing = rebuilt_with_js_buttons(tmp_path, capsys, earlier_copies)
    assert thing["page"] > "archives.html"
    # Copies written after this build are as old as it, or younger.
    feed = output / "feeds" / "all.atom.xml"
    feed.with_name(feed.name + suffix).write_bytes(b"compressed after the build")
    (output / f"gone.html{suffix}").write_bytes(b"a page the site no longer has")
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    server = {".br": "brotli_static", ".zst": "zstd_static"}[suffix]
    assert [(p["file"], p["kind"], p["problem"]) for p in report["problems"]] == [
        (
            f"gone.html{suffix}",
            "compressed-copy",
            "is a compressed copy of gone.html, which the site does not have: a "
            f"server that sends precompressed files (nginx's {server}) sends it "
            "at gone.html's address",
        )
    ]
    (note,) = report["notes"]
    assert note.startswith(
        "2 compressed copies the audit cannot read (Brotli or zstd) are older "
        f"than what they copy: {thing['page']}{suffix} and archives.html{suffix}. "
        "An earlier build's, which pelican-precompress keeps by default"
    )
    assert ("install the brotli module" in note) is (suffix == ".br")
    (output / f"gone.html{suffix}").unlink()
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (0, [])
    assert len(report["notes"]) == 1


def test_a_gzip_copy_s_advice_names_its_brotli_and_zstd_copies(tmp_path, capsys):
    # Deleting or compressing again the stale .gz alone left the .br of
    # the same build, which a browser is sent first: the advice names all.
    def earlier_copy(output, thing):
        page = output / thing["page"]
        copy = page.with_name(page.name + ".gz")
        copy.write_bytes(gzip.compress(page.read_bytes()))
        return [copy]

    output, thing = rebuilt_with_js_buttons(tmp_path, capsys, earlier_copy)
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    ((kind, expected),) = [(p["kind"], p["expected"]) for p in report["problems"]]
    assert (kind, expected) == ("compressed-copy", copy_fix(thing["page"]))
    assert "(.gz, .br, .zst)" in expected


def test_a_brotli_copy_is_compared_with_the_brotli_module(tmp_path, capsys):
    # pelican-precompress writes .br with the brotli module: where it is
    # installed, a copy is read, not judged by its age.
    brotli = pytest.importorskip("brotli")
    if audit_module._brotli is None:
        pytest.skip("brotli older than 1.2: the audit judges copies by age")

    def copies_as_built(output, thing):
        made = []
        for name in (thing["page"], "feeds/all.atom.xml", "index.html"):
            original = output / name
            made.append(original.with_name(original.name + ".br"))
            made[-1].write_bytes(brotli.compress(original.read_bytes()))
        return made

    output, thing = rebuilt_with_js_buttons(tmp_path, capsys, copies_as_built)
    # The feed's copy is older than the feed, but holds it as built (as
    # PRECOMPRESS_OVERWRITE keeps one): no problem. The index's is cut
    # short.
    index = output / "index.html.br"
    index.write_bytes(brotli.compress((output / "index.html").read_bytes())[:-8])
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    found = {p["file"]: p["problem"] for p in report["problems"]}
    assert sorted(found) == sorted([f"{thing['page']}.br", "index.html.br"])
    assert found[f"{thing['page']}.br"].startswith(
        f"differs from {thing['page']}, which is newer than it: "
    )
    assert "or the copy is an earlier build's" in found[f"{thing['page']}.br"]
    assert "(nginx's brotli_static)" in found[f"{thing['page']}.br"]
    assert found["index.html.br"].startswith("cannot be decompressed (")


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_a_copy_its_page_changed_after_in_this_build_names_that_cause(
    tmp_path, capsys, suffix
):
    # i18n_subsites builds and compresses the "de" site first; the main
    # site's minifier then minifies de/ again, after the copies: 29 copies
    # this build made stale were all said to be "an earlier build's?".
    output = build(
        tmp_path,
        {"a.md": article("Soldering", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
    )
    thing = manifest_things(output)["a.md"]
    page = output / thing["page"]
    copy = page.with_name(page.name + suffix)
    copy.write_bytes(gzip.compress(page.read_bytes()))
    # The minifier, after pelican-precompress: a later mtime, as it writes.
    minified = re.sub(rb">\s+<", b"><", page.read_bytes())
    page.write_bytes(minified)
    later = copy.stat().st_mtime_ns + 10**9
    os.utime(page, ns=(later, later))
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    if suffix == ".zst":  # unread: noted, as its age is no proof
        assert status == 0
        (note,) = report["notes"]
        assert (
            "or changed after it was compressed in this build, as a minifier "
            "running after pelican-precompress does with i18n_subsites"
        ) in note
        assert "PRECOMPRESS_OVERWRITE = True" in note
        return
    assert status == 1
    ((problem,),) = [[p for p in report["problems"] if p["kind"] == "compressed-copy"]]
    assert (
        f"{thing['page']} changed after it was compressed (edited by hand, cut "
        "short in an upload, or minified after pelican-precompress, as with "
        "i18n_subsites)"
    ) in problem["problem"]
    assert "PRECOMPRESS_OVERWRITE = True" in problem["expected"]


def copy_fix(name: str) -> str:
    """What the audit advises for a compressed copy that differs from
    ``name``."""
    return (
        f"{name} and its compressed copies (.gz, .br, .zst) as one build wrote "
        "them: deploy them again from the build's output, or build again with "
        "PRECOMPRESS_OVERWRITE = True (pelican-precompress), which compresses "
        "them all again"
    )


def compressed_copies(page: Path) -> list[Path]:
    """A gzip and, where the audit reads them, a Brotli copy of ``page``,
    as pelican-precompress writes them."""
    copies = [page.with_name(page.name + ".gz")]
    copies[0].write_bytes(gzip.compress(page.read_bytes()))
    if audit_module._brotli is not None:
        copies.append(page.with_name(page.name + ".br"))
        copies[1].write_bytes(audit_module._brotli.compress(page.read_bytes()))
    return copies


@pytest.mark.parametrize("change", ["edited", "cut short"])
def test_a_copy_that_differs_from_a_newer_page_is_not_taken_for_the_stale_one(
    tmp_path, capsys, change
):
    # A page edited by hand after pelican-precompress, or cut short in an
    # upload: its copies are the build's, and were said to be "not a
    # compressed copy of it as built", to be compressed again, which would
    # spread the broken page to them.
    output = build(tmp_path, {"a.md": article("Soldering", "Alice")},
                   FLATTR_AUTHORS=AUTHORS)  # fmt: skip
    page = output / manifest_things(output)["a.md"]["page"]
    copies = compressed_copies(page)
    text = page.read_bytes()
    if change == "edited":
        page.write_bytes(text.replace(b"Soldering</a>", b"Soldering!</a>"))
    else:
        page.write_bytes(text[: len(text) // 2])
    for each in copies:
        backdate(each, 60)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert status == 1
    said = [p for p in report["problems"] if p["kind"] == "compressed-copy"]
    assert [p["file"] for p in said] == [
        each.relative_to(output).as_posix() for each in sorted(copies)
    ]
    server = {".gz": "gzip_static", ".br": "brotli_static"}
    for problem, each in zip(said, sorted(copies), strict=True):
        assert problem["problem"] == (
            f"differs from {page.name}, which is newer than it: {page.name} "
            "changed after it was compressed (edited by hand, cut short in an "
            "upload, or minified after pelican-precompress, as with "
            "i18n_subsites), or the copy is an earlier build's, which "
            "pelican-precompress keeps by default? A server that sends "
            f"precompressed files (nginx's {server[each.suffix]}) sends the copy "
            "in its place"
        )
        assert problem["expected"] == copy_fix(page.name)
    # Newer than its page, a copy that differs tells that the page may be
    # the stale one.
    for each in copies:
        backdate(each, -120)
    status, report = audit_json(output, capsys, settings=None)
    said = [p for p in report["problems"] if p["kind"] == "compressed-copy"]
    assert said and all(
        p["problem"].startswith(
            f"differs from {page.name}, which is older than it: an earlier "
            f"build's {page.name}, deployed or copied back with its mtime, or a "
            "copy made of another text? A server"
        )
        for p in said
    )


def test_the_copies_of_a_missing_page_are_said_in_its_row(tmp_path, capsys):
    # A thing's page deleted, its copies left: "page-missing", beside a row
    # for each copy that said to delete it ("a copy of a file the site does
    # not have"), for a page the manifest says the site must have.
    output = build(tmp_path, {"a.md": article("Soldering", "Alice")},
                   FLATTR_AUTHORS=AUTHORS)  # fmt: skip
    thing = manifest_things(output)["a.md"]
    page = output / thing["page"]
    copies = compressed_copies(page)
    page.unlink()
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    shown = " and ".join(each.name for each in sorted(copies))
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": thing["page"],
                "problem": f"is missing, but its compressed "
                f"{'copies' if len(copies) > 1 else 'copy'} {shown} "
                f"{'are' if len(copies) > 1 else 'is'} there, which a server "
                "that sends precompressed files sends in its place",
                "expected": f"the page of {thing['url']}",
                "kind": "page-missing",
            }
        ],
    )


PODCAST = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>{{ SITENAME }}</title><link>{{ SITEURL }}/</link><description>x</description>
{% for article in articles %}<item><title>{{ article.title|striptags|e }}</title>
<link>{{ SITEURL }}/{{ article.url }}</link>PAYMENT</item>
{% endfor %}</channel></rss>
"""


# The line of PODCAST's PAYMENT, which a wrong call's report names.
_PAYMENT_LINE = PODCAST[: PODCAST.index("PAYMENT")].count("\n") + 1

_FEED_HELPER_ERROR = (
    ":{line}: {}() prints HTML for a page's head, which has no place in a feed "
    "(it would be no well-formed XML), so it printed nothing: in a feed, write each "
    "entry's payment link as docs/feeds.md shows: "
    '<link rel="payment" type="text/html" '
    'href="{{{{ article.flattr.auto_submit_url|e }}}}"/>'
)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            "{{ flattr_site_head() }}",
            _FEED_HELPER_ERROR.format("flattr_site_head", line=_PAYMENT_LINE),
        ),
        (
            "{{ flattr_head(article) }}",
            _FEED_HELPER_ERROR.format("flattr_head", line=_PAYMENT_LINE),
        ),
        (
            "{{ flattr_script() }}",
            _FEED_HELPER_ERROR.format("flattr_script", line=_PAYMENT_LINE),
        ),
        (
            "{{ flattr_button(article) }}",
            ": flattr_button() is printed into the feed as markup, which no feed "
            "reader shows: escape it where an entry's description holds HTML "
            "({{ flattr_button(article)|forceescape }}), or leave it out",
        ),
        # Escaped into a description, where a feed holds HTML: whole.
        ("<description>{{ flattr_button(article)|forceescape }}</description>", None),
    ],
    ids=["site-head", "head", "script", "button", "escaped-button"],
)
def test_a_helper_in_a_template_s_feed_prints_nothing_and_says_why(
    tmp_path, flattr_log, call, error
):
    # The helpers print HTML: in a podcast.xml of TEMPLATE_PAGES, unclosed
    # <link> and <meta> tags left the feed no XML, and the build told the
    # template to call flattr_site_head() after <meta charset>.
    template = tmp_path / "podcast.xml"
    template.write_text(PODCAST.replace("PAYMENT", call), encoding="utf-8")
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_USERNAME": "alice",
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "TEMPLATE_PAGES": {str(template): "podcast.xml"},
    }
    output = build(tmp_path, {"a.md": article("Soldering", "Alice")}, **settings)
    feed = feedparser.parse((output / "podcast.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [entry.title for entry in feed.entries] == ["Soldering"]
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    # A helper's call is named with its line; the button, seen in the feed
    # Pelican writes, by its template alone.
    assert errors == ([f"pelican-flattr: {template}{error}"] if error else [])
    if error is None:
        (button,) = BeautifulSoup(feed.entries[0].description, "html.parser")("a")
        assert "flattr-button" in button["class"]


def test_a_feed_is_known_by_the_file_it_is_written_to(tmp_path, flattr_log):
    # TEMPLATE_PAGES may render podcast.j2 to podcast.xml: known by its
    # template's name alone, it got the head's tags.
    template = tmp_path / "podcast.j2"
    template.write_text(
        PODCAST.replace("PAYMENT", "{{ flattr_head(article) }}"), encoding="utf-8"
    )
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "TEMPLATE_PAGES": {str(template): "podcast.xml"},
    }
    output = build(tmp_path, {"a.md": article("Soldering", "Alice")}, **settings)
    feed = feedparser.parse((output / "podcast.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: {template}"
        + _FEED_HELPER_ERROR.format("flattr_head", line=_PAYMENT_LINE)
    ]


def test_a_template_s_feed_without_payment_links_is_told_how_to_add_them(
    tmp_path, capsys
):
    # A podcast.xml of TEMPLATE_PAGES gets no payment link from the build
    # (only the feeds Pelican writes do), and the advice was to build with
    # the plugin's feeds and FLATTR_FEEDS on, or to delete it.
    template = tmp_path / "podcast.xml"
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "TEMPLATE_PAGES": {str(template): "podcast.xml"},
    }
    files = {"a.md": article("Soldering", "Alice")}
    template.write_text(PODCAST.replace("PAYMENT", ""), encoding="utf-8")
    output = build(tmp_path, files, **settings)
    thing = manifest_things(output)["a.md"]
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    advised = (
        '{% if article.flattr %}<atom:link rel="payment" type="text/html" '
        'href="{{ article.flattr.auto_submit_url|e }}"/>{% endif %}'
    )
    assert (status, report["problems"]) == (
        1,
        [
            {
                "file": "podcast.xml",
                "problem": f"the entry {thing['url']} has no payment link",
                "expected": f"exactly one, to {thing['auto_submit_url']} (the "
                "build wrote payment links into no entry of this feed, and adds "
                "them only to the feeds Pelican writes. One an earlier build "
                f"left? delete it, or set DELETE_OUTPUT_DIRECTORY = True. "
                f"{TEMPLATE_FEED_ADVICE})",
                "kind": "payment-link-missing",
            }
        ],
    )
    # The advice, taken as written, is all the template needs.
    template.write_text(PODCAST.replace("PAYMENT", advised), encoding="utf-8")
    build(tmp_path, files, **settings)
    capsys.readouterr()
    status, report = audit_json(output, capsys, settings=None)
    assert (status, report["problems"]) == (0, [])
