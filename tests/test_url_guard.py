"""The URL guard: a thing URL that vanishes between builds is never silent."""

import hashlib
import io
import json
import logging
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pelican.contents
import pytest
from conftest import (
    SITEURL,
    article,
    build,
    child_env,
    i18n_build,
    manifest_things,
    read_only,
    run_pelican,
)
from flattr_api_stub import TOKEN, FlattrApiStub
from hypothesis import example, given
from hypothesis import strategies as st

from pelican_flattr import url_baseline
from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main
from pelican_flattr.diff_command import pages_in
from pelican_flattr.identifiers import hash_email
from pelican_flattr.url_baseline import (
    BaselineError,
    _baseline_line,
    baseline_entry,
    baseline_language,
    holds_baseline,
    load_baseline,
    next_baseline,
    released_entry,
    set_aside,
    set_aside_beside,
    unused_language_baselines,
    write_baseline,
)
from pelican_flattr.url_guard import (
    UrlChange,
    compare_manifests,
    shared_causes,
    unresolved_changes,
    url_change_warnings,
    url_changes,
)

AUTHORS = {"Alice": "alice", "Bob": "twitter:user:id:9"}
OLD = "https://blog.example.org/first-slug.html"
BASELINE = ("cache", "pelican-flattr", "url-baseline.json")


def guard_lines(log):
    return [
        r.getMessage()
        for r in log.records
        if "flattrs" in r.getMessage() and r.name == "pelican_flattr"
    ]


def said_with(log, part):
    """The level and message of each record whose message holds ``part``."""
    return [
        (r.levelname, r.getMessage()) for r in log.records if part in r.getMessage()
    ]


def fails_strict(tmp_path, files, **settings):
    """Build with FLATTR_STRICT, which must fail."""
    with pytest.raises(FlattrBuildError):
        build(tmp_path, files, FLATTR_STRICT=True, **settings)


def two_articles(slug="first-slug", **meta):
    return {
        "a.md": article("Article A", "Alice", slug=slug, **meta),
        "b.md": article("Article B", "Bob", slug="b"),
    }


@pytest.mark.parametrize("strict", [False, True])
def test_first_build_has_nothing_to_compare(tmp_path, flattr_log, strict):
    flattr_log.set_level(logging.INFO, logger="pelican_flattr")
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=strict)
    assert guard_lines(flattr_log) == []
    # Said, not silent: a CI that loses the cache would never compare. A
    # strict build (publishconf.py's) warns: it is the one that publishes.
    baseline = tmp_path.joinpath(*BASELINE)
    said = [
        (r.levelname, r.getMessage())
        for r in flattr_log.records
        if "no URL baseline" in r.getMessage()
    ]
    assert said == [
        (
            "WARNING" if strict else "INFO",
            f"pelican-flattr: no URL baseline at {baseline} yet: this build compares "
            "no thing URL, and starts the baseline; a build that never finds it "
            "never compares: keep the file between builds, or point "
            "FLATTR_URL_BASELINE at one that is kept (a CI that does not keep "
            "CACHE_PATH never compares)",
        )
    ]
    assert len(json.loads(baseline.read_text())["things"]) == 2
    # Found the next time: nothing more said of it.
    flattr_log.clear()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=strict)
    assert not [r for r in flattr_log.records if "no URL baseline" in r.getMessage()]


@pytest.mark.parametrize("kept_at", ["beside the baseline", "its own path"])
def test_an_early_versions_guard_history_is_named_with_the_diff_that_reads_it(
    tmp_path, flattr_log, capsys, kept_at
):
    # The first versions kept a copy of the last manifest as
    # CACHE_PATH/pelican-flattr/previous-manifest.json, set by
    # FLATTR_PREVIOUS_MANIFEST: this version started a baseline of its own
    # with an INFO line, and the URL changes that copy still told of went
    # unsaid; the setting was taken for a misspelt FLATTR_MANIFEST.
    tmp_path = tmp_path / "my site"  # the command given is quoted
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    if kept_at == "beside the baseline":
        early = baseline.with_name("previous-manifest.json")
    else:  # FLATTR_PREVIOUS_MANIFEST pointed elsewhere, as the setting allowed
        early = tmp_path / "kept" / "last manifest.json"
        early.parent.mkdir()
    manifest = tmp_path / "output" / "flattr-manifest.json"
    shutil.copy(manifest, early)
    baseline.unlink()
    flattr_log.clear()
    build(
        tmp_path,
        two_articles(slug="moved-on"),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PREVIOUS_MANIFEST=str(early),
    )
    said = [r.getMessage() for r in flattr_log.records]
    assert (
        f"pelican-flattr: no URL baseline at {baseline} yet, but {early} is there, "
        "the copy of the last manifest that an early version of pelican-flattr "
        "compared with, which this one does not read: this build compares no "
        "thing URL, and starts a new baseline; list the thing URLs that changed "
        f"since that copy with `pelican-flattr diff '{early}' '{manifest}'`, "
        f"mend each as its row says, then delete {early}"
    ) in said
    assert any(
        "FLATTR_PREVIOUS_MANIFEST is a setting of early versions of pelican-flattr"
        in line
        and "FLATTR_URL_BASELINE" in line
        and "did you mean" not in line
        for line in said
    ), said
    # The command given lists the change the copy still told of.
    capsys.readouterr()
    assert main(["diff", str(early), str(manifest), "--old-urls"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{SITEURL}/first-slug.html"]


def test_a_strict_build_under_fatal_warnings_starts_the_baseline(tmp_path):
    # pelican --fatal warnings raises at the first warning: said before
    # the baseline was written, the warning that there is none stopped
    # every run before it wrote one, and the next found none again, for
    # ever. The first run still fails on it; the next in the same place
    # compares.
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(article("Alice writes", "Alice"))
    options = ('FLATTR_USERNAME="alice"', "FLATTR_STRICT=true", "--fatal", "warnings")
    first = run_pelican(content, tmp_path / "output", *options)
    said = first.stdout + first.stderr
    assert first.returncode == 1, said
    assert "pelican-flattr: no URL baseline at " in said
    assert len(json.loads(tmp_path.joinpath(*BASELINE).read_text())["things"]) == 1
    second = run_pelican(content, tmp_path / "output", *options)
    said = second.stdout + second.stderr
    assert second.returncode == 0, said
    assert "no URL baseline" not in said
    assert len(manifest_things(tmp_path / "output")) == 1


@pytest.mark.parametrize(
    ("setting", "baseline", "fix"),
    [
        (
            "",
            Path(*BASELINE),
            "set CACHE_PATH in the settings file, which Pelican takes from "
            "the file's folder",
        ),
        (
            'FLATTR_URL_BASELINE = "guard.json"',
            Path("guard.json"),
            "make FLATTR_URL_BASELINE an absolute path",
        ),
    ],
)
def test_no_baseline_where_pelican_runs_names_the_one_beside_the_settings_file(
    tmp_path, setting, baseline, fix
):
    # A relative baseline is taken from the folder pelican runs in. Run
    # from another (a CI step's), the build said "no URL baseline at
    # cache/pelican-flattr/url-baseline.json", which the operator read as
    # the repository's, where the baseline was.
    repo, elsewhere = tmp_path / "repo", tmp_path / "ci"
    (repo / "content").mkdir(parents=True)
    elsewhere.mkdir()
    (repo / "content" / "a.md").write_text(article("Alice writes", "Alice"))
    (repo / "publishconf.py").write_text(
        f'SITEURL = "{SITEURL}"\nTIMEZONE = "UTC"\nPLUGINS = ["pelican_flattr"]\n'
        f'FLATTR_USERNAME = "alice"\n{setting}\n'
    )
    pelican = Path(sys.executable).with_name("pelican")

    def run_from(folder, *options):
        settings = os.path.relpath(repo / "publishconf.py", folder)
        content = os.path.relpath(repo / "content", folder)
        return subprocess.run(
            [str(pelican), content, "-s", settings, *options],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=folder,
            env=dict(os.environ, COLUMNS="1000"),
        )

    def no_baseline(built):
        assert built.returncode == 0, built.stdout + built.stderr
        return [
            # Rich's log: the time and level before, the caller's line after.
            line[line.index("pelican-flattr:") :].split("  ")[0]
            for line in (built.stdout + built.stderr).splitlines()
            if "no URL baseline" in line
        ]

    # Strict, so that it warns: the folder a relative baseline is in is named.
    # Where FLATTR_URL_BASELINE names the file, CACHE_PATH is no matter.
    kept = (
        "keep the file between builds (a CI that does not keep it never compares)"
        if setting
        else "keep the file between builds, or point FLATTR_URL_BASELINE at one "
        "that is kept (a CI that does not keep CACHE_PATH never compares)"
    )
    assert no_baseline(run_from(repo, "-e", "FLATTR_STRICT=true")) == [
        f"pelican-flattr: no URL baseline at {baseline} (in {repo}) yet: this "
        "build compares no thing URL, and starts the baseline; a build that "
        f"never finds it never compares: {kept}"
    ]
    assert (repo / baseline).is_file()
    assert no_baseline(run_from(elsewhere)) == [
        f"pelican-flattr: no URL baseline at {baseline} (in {elsewhere}) yet, "
        f"but there is one at {repo / baseline}, beside the settings file: "
        "this build compares no thing URL, and starts a new baseline where it "
        f"runs; run pelican from {repo}, or {fix}"
    ]
    assert (elsewhere / baseline).is_file()
    # A strict build (cron runs in $HOME) fails rather than publish every
    # changed URL unseen, and starts no baseline there.
    (elsewhere / baseline).unlink()
    strict = run_from(elsewhere, "-e", "FLATTR_STRICT=true")
    assert strict.returncode == 1, strict.stdout + strict.stderr
    said = " ".join((strict.stdout + strict.stderr).split())
    assert (
        f"no URL baseline at {baseline} (in {elsewhere}) yet, but there is one "
        f"at {repo / baseline}, beside the settings file: this build compares no "
        f"thing URL, and FLATTR_STRICT fails it; run pelican from {repo}, or {fix}"
    ) in said
    assert "1 problem and FLATTR_STRICT is on: build failed" in said
    assert not (elsewhere / baseline).exists()


def test_the_readmes_baseline_from_a_list_of_old_things(
    tmp_path, flattr_log, monkeypatch
):
    # "Coming from hand-written Flattr buttons": a site whose things were
    # made by its old buttons, one at an http:// URL and an old slug, one
    # owned by the site's account (Alice had no Flattr account then). The
    # guard's first build knew none of them; docs/url-guard.md's script
    # writes them as the baseline.
    monkeypatch.chdir(tmp_path)
    old_b = "http://blog.example.org/old-b-slug.html"
    carol = f"{SITEURL}/c.html"
    (tmp_path / "old-things.csv").write_text(
        f"url,source,owner\n{OLD},a.md,examplecommunity\n"
        f"{old_b},b.md,twitter:user:id:9\n{carol},c.md,email:Carol@Example.org\n",
        encoding="utf-8",
    )
    # Indented in docs/url-guard.md's list, as a reader copies it out of it.
    readme = (Path(__file__).parents[1] / "docs" / "url-guard.md").read_text(
        encoding="utf-8"
    )
    start = readme.index("\n   import csv\n") + 1
    script = textwrap.dedent(readme[start : readme.index("\n   ```", start) + 1])
    exec(compile(script, "docs/url-guard.md", "exec"), {})
    # The address as the build writes an email owner: hashed, never plain.
    baseline = tmp_path.joinpath(*BASELINE).read_text(encoding="utf-8")
    assert "@" not in baseline and hash_email("carol@example.org") in baseline
    files = {**two_articles(), "c.md": article("Article C", "Carol", slug="c")}
    authors = {**AUTHORS, "Carol": "email:carol@example.org"}
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    said = " ".join(r.getMessage() for r in flattr_log.records)
    assert f"b.md: thing URL changed from {old_b} to " in said
    assert f"add 'Flattr_url: {old_b}' to b.md" in said
    assert "from examplecommunity to 'Alice'" in said, said
    # Carol's thing is hers as before: no owner change.
    assert "c.md" not in said, said


def test_the_readmes_seed_build_seeds_the_old_urls_and_owners(tmp_path):
    # Its seedconf.py as first written left FLATTR_SITEURL as pelicanconf.py
    # sets it, which wins over SITEURL: the seed held the new URLs, and the
    # next build said nothing of the old ones.
    readme = (Path(__file__).parents[1] / "docs" / "url-guard.md").read_text(
        encoding="utf-8"
    )
    start = readme.index("\n   import os, sys\n") + 1
    seed = textwrap.dedent(readme[start : readme.index("\n   ```", start) + 1])
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text(article("Article A", "Alice", slug="a"))
    (tmp_path / "pelicanconf.py").write_text(
        f"PATH = {str(tmp_path / 'content')!r}\n"
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n"
        "SITEURL = ''\nFLATTR_SITEURL = 'https://example.org'\n"
        "TIMEZONE = 'UTC'\nPLUGINS = ['pelican_flattr']\n"
        "FLATTR_AUTHORS = {'Alice': 'alice'}\n"
    )
    (tmp_path / "seedconf.py").write_text(
        seed.replace('"/tmp/seed-output"', repr(str(tmp_path / "seed-output")))
    )
    pelican = Path(sys.executable).with_name("pelican")

    def pelican_with(settings_file, *options):
        done = subprocess.run(
            [str(pelican), "-s", settings_file, *options],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=child_env(COLUMNS="1000"),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return " ".join((done.stdout + done.stderr).split())

    pelican_with("seedconf.py")
    said = pelican_with("pelicanconf.py", "-o", str(tmp_path / "output"), "-e",
                        'SITEURL="https://example.org"')  # fmt: skip
    old = "http://www.example.org/posts/2024/a.html"  # the date article() gives
    assert f"a.md: thing URL changed from {old} to https://example.org/a.html" in said


def test_slug_change_warns_once_with_the_fix(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: a.md: thing URL changed from ")
    assert OLD in line and "https://blog.example.org/second-slug.html" in line
    # Its old slug back first: the page stays where the thing is. Each
    # choice a sentence of its own: one sentence of about 90 words with
    # three choices joined by ";" is hard to parse with little English,
    # and for machine translation.
    assert line.endswith(
        "Fix: give a.md its old slug back with 'Slug: first-slug' to keep its "
        f"page and its thing at the old URL. Or add 'Flattr_url: {OLD}' to a.md "
        "to keep only its thing at the old URL. Then its page's og:url and "
        "button name the old URL, so the web server must redirect the old URL "
        "to the page. Or, if the change is deliberate, add the old URL to "
        "FLATTR_ACCEPT_URL_CHANGES in the settings"
    ), line
    assert ";" not in line


ALICE = {"Alice": "alice"}
YEARLY = {
    "ARTICLE_URL": "{date:%Y}/{slug}/",
    "ARTICLE_SAVE_AS": "{date:%Y}/{slug}/index.html",
}


def test_a_retitled_articles_fix_keeps_its_page_at_its_thing_url(
    tmp_path, flattr_log, capsys
):
    # A new Title gave a new slug, so a new URL. The fix offered was a
    # Flattr_url pin alone: followed, the thing and og:url named the old
    # URL, which no page of the build served any more (a 404 without a
    # redirect), and nothing said so; with a SITEURL clause that had
    # nothing to do with one article. 'Slug:' with the old slug keeps both.
    first = {"a.md": article("A good first article", "Alice")}
    output = build(tmp_path, first, FLATTR_AUTHORS=ALICE, **YEARLY)
    manifests = tmp_path / "old.json", str(output / "flattr-manifest.json")
    manifests[0].write_bytes(Path(manifests[1]).read_bytes())
    old = f"{SITEURL}/2024/a-good-first-article/"
    retitled = {"a.md": article("A good article", "Alice")}
    build(tmp_path, retitled, FLATTR_AUTHORS=ALICE, **YEARLY)
    (line,) = guard_lines(flattr_log)
    fix = (
        "give a.md its old slug back with 'Slug: a-good-first-article' to keep "
        f"its page and its thing at the old URL. Or add 'Flattr_url: {old}' to a.md "
        "to keep only its thing at the old URL. Then its page's og:url and "
        "button name the old URL, so the web server must redirect the old URL "
        "to the page. Or, if the change is deliberate, add the old URL to "
        "FLATTR_ACCEPT_URL_CHANGES in the settings"
    )
    # Said literally: "the flattrs of the old URL stay behind" is an idiom
    # that a reader with little English, or machine translation, gets wrong.
    assert line == (
        f"pelican-flattr: a.md: thing URL changed from {old} to "
        f"{SITEURL}/2024/a-good-article/: the flattrs given to the old URL stay "
        f"with the old URL, and the new URL starts with none. Fix: {fix}"
    )
    # diff says the same given the settings, which it reads the slug with;
    # without them, what they would tell.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('PATH = "content"\n', encoding="utf-8")
    for settings, said in [
        (["--settings", str(conf)], fix),
        (
            [],
            f"add 'Flattr_url: {old}' to a.md to keep its flattrs. Then its page's "
            "og:url and button name the old URL, so the web server must redirect "
            "the old URL to the page. Or, if the change is deliberate, add the old "
            "URL to FLATTR_ACCEPT_URL_CHANGES in the settings. If only its slug "
            "changed (a new title gives a new slug), "
            "its old slug written back keeps its page at the old URL too: give "
            "--settings to check",
        ),
    ]:
        capsys.readouterr()
        assert main(["diff", *map(str, manifests), *settings, "--json"]) == 1
        (change,) = json.loads(capsys.readouterr().out)["url_changed"]
        assert change["fix"] == said
    # Done as said: the page and its thing are at the old URL again.
    flattr_log.clear()
    fixed = {"a.md": article("A good article", "Alice", Slug="a-good-first-article")}
    output = build(tmp_path, fixed, FLATTR_AUTHORS=ALICE, FLATTR_STRICT=True, **YEARLY)
    assert guard_lines(flattr_log) == []
    thing = manifest_things(output)["a.md"]
    assert thing["url"] == old
    assert (output / thing["page"]) == output / "2024/a-good-first-article/index.html"


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("a.rst", ":slug: a-good-first-article"),
        ("a.html", '<meta name="slug" content="a-good-first-article">'),
        ("a.md", "Slug: a-good-first-article"),
    ],
)
def test_the_old_slug_is_written_as_the_files_reader_takes_it(name, line):
    old = f"{SITEURL}/2024/a-good-first-article-fr.html"
    new = f"{SITEURL}/2024/a-good-article-fr.html"
    advice = UrlChange(name, old, new, slug="a-good-article").advice()
    assert advice.startswith(f"give {name} its old slug back with '{line}' to"), advice


@pytest.mark.parametrize(
    ("old", "new", "slug"),
    [
        # Not the slug alone: the date changed too, or the slug is not the
        # part that changed, or the old part is no slug a line can write.
        (f"{SITEURL}/2023/a-b/", f"{SITEURL}/2024/a-c/", "a-c"),
        (f"{SITEURL}/news/a-c/", f"{SITEURL}/blog/a-c/", "a-c"),
        (f"{SITEURL}/x/a.html", f"{SITEURL}/b.html", "b"),
        (f"{SITEURL}/caf%C3%A9.html", f"{SITEURL}/cafe.html", "cafe"),
        # Twice in the path: which one changed is not known.
        (f"{SITEURL}/news/old.html", f"{SITEURL}/news/news.html", "news"),
        # No slug known (diff without --settings, content of another site).
        (f"{SITEURL}/a-b.html", f"{SITEURL}/a-c.html", None),
        # ARTICLE_URL = "{slug}" where it was "{slug}.html": 'Slug: a.html'
        # would save the page as a.html.html.
        (
            f"{SITEURL}/post-number-28.html",
            f"{SITEURL}/post-number-28",
            "post-number-28",
        ),
        (f"{SITEURL}/a.html", f"{SITEURL}/a.htm", "a"),
    ],
)
def test_the_old_slug_is_offered_only_where_it_alone_changed(old, new, slug):
    advice = UrlChange("a.md", old, new, slug=slug).advice()
    assert advice.startswith(f"add 'Flattr_url: {old}' to a.md to keep its flattrs")
    assert "Slug:" not in advice
    assert "so the web server must redirect the old URL to the page" in advice


@pytest.mark.parametrize(
    ("old", "new", "slug", "code"),
    [
        # ARTICLE_LANG_URL's "{slug}-{lang}.html": Lang removed, or a title
        # "Post-it" retitled "Post". Which is not known: both are said.
        (f"{SITEURL}/post-de.html", f"{SITEURL}/post.html", "post", "de"),
        (f"{SITEURL}/post-it.html", f"{SITEURL}/post.html", "post", "it"),
        # A word that names no language, or one before the slug, is a slug.
        (f"{SITEURL}/post-old.html", f"{SITEURL}/post.html", "post", None),
        (f"{SITEURL}/it-basics.html", f"{SITEURL}/basics.html", "basics", None),
    ],
)
def test_a_language_code_after_the_slug_is_said_as_a_lang_that_may_have_changed(
    old, new, slug, code
):
    # 'Slug: post-de' alone was offered where Lang or DEFAULT_LANG had
    # changed: followed, it unlinked the page from its translations.
    advice = UrlChange("a.md", old, new, slug=slug).advice()
    was = old.removeprefix(f"{SITEURL}/").removesuffix(".html")
    if code is None:
        assert advice.startswith(f"give a.md its old slug back with 'Slug: {was}'")
        return
    assert advice.startswith(
        "if a.md's Lang or DEFAULT_LANG changed (its old URL holds the language "
        f"code '{code}' after its slug, as Pelican's *_LANG_URL settings write a "
        "language other than DEFAULT_LANG), put back the one that changed. If "
        f"only its slug changed, give it its old slug back with 'Slug: {was}'. "
        "Either keeps its page and its thing at the old URL. Or add "
        f"'Flattr_url: {old}' to a.md to keep only its thing at the old URL."
    ), advice


@pytest.mark.parametrize(
    ("lang", "translated", "said"),
    [("en", False, False), ("it", False, True), ("en", True, True)],
)
def test_a_slug_ending_as_a_language_code_is_no_language_unless_it_is_the_content_s(
    lang, translated, said
):
    # "Ship it" retitled "Ship" on an English site, its URL's shape changed
    # with it: the fix named Lang and DEFAULT_LANG, of a site with none. It
    # is said where the code is the content's language now (DEFAULT_LANG
    # changed), or the content has translations (its Lang changed).
    old, new = f"{SITEURL}/2023/ship-it.html", f"{SITEURL}/2024/ship.html"
    change = UrlChange("p.md", old, new, slug="ship", lang=lang, translated=translated)
    assert ("Lang or DEFAULT_LANG" in change.advice()) == said, change.advice()


# An ARTICLE_URL of the site's own, beside Pelican's default
# ARTICLE_LANG_URL: a language's URL then has another shape, and only the
# fix of a pin was offered.
OWN_ARTICLE_URL = {
    "ARTICLE_URL": "{date:%Y}/{slug}/",
    "ARTICLE_SAVE_AS": "{date:%Y}/{slug}/index.html",
}


@pytest.mark.parametrize(
    ("urls", "main_url"),
    [({}, "loeten.html"), (OWN_ARTICLE_URL, "2024/loeten/")],
    ids=["default", "own-article-url"],
)
def test_translations_that_swap_urls_as_default_lang_changes_are_told_so(
    tmp_path, flattr_log, urls, main_url
):
    # DEFAULT_LANG de, then en: de.md's loeten.html became loeten-de.html and
    # en.md took loeten.html. de.md's fix was "give en.md another slug",
    # which unlinks the translations; en.md's line said its new URL
    # "starts with none", though it holds de.md's flattrs.
    files = {
        "de.md": article("Löten", "Alice", Slug="loeten", Lang="de"),
        "en.md": article("Soldering", "Alice", Slug="loeten", Lang="en"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, DEFAULT_LANG="de", **urls)
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, DEFAULT_LANG="en", **urls)
    lines = guard_lines(flattr_log)
    (de,) = [line for line in lines if "pelican-flattr: de.md:" in line]
    (en,) = [line for line in lines if "pelican-flattr: en.md:" in line]
    assert (
        "Fix: if DEFAULT_LANG or de.md's Lang changed (its new URL holds the "
        "language code 'de' after its slug, as Pelican's *_LANG_URL settings "
        "write a language other than DEFAULT_LANG), put back the one that "
        "changed: then de.md and en.md keep their thing URLs. Otherwise, to "
        "keep its flattrs with de.md, give en.md another slug and add"
    ) in de, de
    assert en.startswith(
        f"pelican-flattr: en.md: thing URL changed from {SITEURL}/loeten-en.html "
        f"to {SITEURL}/{main_url}: the flattrs given to the old URL stay with "
        "the old URL, and the new URL was de.md's, whose flattrs it keeps (as "
        "said of de.md). Fix: if en.md's Lang or DEFAULT_LANG changed (its old "
        "URL holds the language code 'en' after its slug"
    ), en
    # The advice followed: nothing to say.
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, DEFAULT_LANG="de", **urls)
    assert guard_lines(flattr_log) == []


# A site that writes every language but DEFAULT_LANG's in a folder of its
# own, the common layout beside Pelican's {slug}-{lang}.html.
LANGUAGE_FOLDERS = {
    "ARTICLE_URL": "{slug}/",
    "ARTICLE_SAVE_AS": "{slug}/index.html",
    "ARTICLE_LANG_URL": "{lang}/{slug}/",
    "ARTICLE_LANG_SAVE_AS": "{lang}/{slug}/index.html",
}


def test_translations_in_language_folders_as_default_lang_changes_are_told_so(
    tmp_path, flattr_log
):
    # DEFAULT_LANG en, then de: en.md moved to en/loeten/, de.md took
    # loeten/. The fix was "give de.md another slug", which unlinks the
    # translations, and DEFAULT_LANG was named nowhere: only a code after
    # the slug was known as a language.
    files = {
        "en.md": article("Soldering", "Alice", Slug="loeten", Lang="en"),
        "de.md": article("Löten", "Alice", Slug="loeten", Lang="de"),
    }
    settings = {"FLATTR_AUTHORS": AUTHORS, **LANGUAGE_FOLDERS}
    build(tmp_path, files, DEFAULT_LANG="en", **settings)
    build(tmp_path, files, DEFAULT_LANG="de", **settings)
    lines = guard_lines(flattr_log)
    (en,) = [line for line in lines if "pelican-flattr: en.md:" in line]
    (de,) = [line for line in lines if "pelican-flattr: de.md:" in line]
    assert (
        "Fix: if DEFAULT_LANG or en.md's Lang changed (its new URL holds the "
        "language code 'en' as a folder of its path, as Pelican's *_LANG_URL "
        "settings write a language other than DEFAULT_LANG), put back the one "
        "that changed: then en.md and de.md keep their thing URLs."
    ) in en, en
    assert (
        "Fix: if de.md's Lang or DEFAULT_LANG changed (its old URL holds the "
        "language code 'de' as a folder of its path"
    ) in de, de
    flattr_log.clear()
    build(tmp_path, files, DEFAULT_LANG="en", **settings)
    assert guard_lines(flattr_log) == []


def test_a_language_code_moved_into_a_folder_is_no_changed_lang(tmp_path, flattr_log):
    # ARTICLE_LANG_URL from {slug}-{lang}.html to {lang}/{slug}.html: the
    # code is in both URLs, and the fix blamed Lang or DEFAULT_LANG, never
    # the setting that changed.
    files = {
        "en.md": article("Soldering", "Alice", Slug="loeten", Lang="en"),
        "de.md": article("Löten", "Alice", Slug="loeten", Lang="de"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    build(
        tmp_path,
        files,
        FLATTR_AUTHORS=AUTHORS,
        ARTICLE_LANG_URL="{lang}/{slug}.html",
        ARTICLE_LANG_SAVE_AS="{lang}/{slug}.html",
    )
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: de.md: thing URL changed from {SITEURL}/loeten-de.html "
        f"to {SITEURL}/de/loeten.html"
    ), line
    assert "DEFAULT_LANG" not in line, line


def test_a_url_setting_that_names_the_language_now_is_named_with_lang(
    tmp_path, flattr_log
):
    # ARTICLE_URL from {slug}.html to {lang}/{slug}.html, DEFAULT_LANG en
    # as before: each fix blamed only a changed Lang or DEFAULT_LANG.
    files = {
        "a.md": article("First post", "Alice", Slug="first"),
        "b.md": article("Second post", "Alice", Slug="second"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    urls = {
        "ARTICLE_URL": "{lang}/{slug}.html",
        "ARTICLE_SAVE_AS": "{lang}/{slug}.html",
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, **urls)
    lines = [line for line in guard_lines(flattr_log) if "thing URL changed" in line]
    assert len(lines) == 2, guard_lines(flattr_log)
    for line in lines:
        assert "its new URL holds its language code 'en' as a folder of its" in line
        assert (
            "or an ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting (or their "
            "LANG_ twins) that names {lang} now, put back the one that changed"
        ) in line, line


def test_a_category_named_as_a_language_is_no_language(tmp_path, flattr_log):
    # A category 'IT' made an 'it' folder: taken for a language code of a
    # translated article, its fix blamed Lang or DEFAULT_LANG.
    files = {
        "post.md": article("Post", "Alice", Slug="post", Lang="en", Category="IT"),
        "post-fr.md": article("Billet", "Alice", Slug="post", Lang="fr", Category="IT"),
    }
    urls = {
        "ARTICLE_URL": "{category}/{slug}.html",
        "ARTICLE_SAVE_AS": "{category}/{slug}.html",
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, **urls)
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    lines = guard_lines(flattr_log)
    assert lines and not [line for line in lines if "DEFAULT_LANG changed" in line]


def test_a_language_code_after_the_slug_is_said_there_in_a_language_folder():
    # The code found after the slug was said to be "a folder of its path",
    # for the URL has a folder of that name too.
    change = UrlChange(
        "a.md",
        f"{SITEURL}/de/post-de.html",
        f"{SITEURL}/de/post.html",
        slug="post",
        lang="en",
        translated=True,
    )
    assert "holds the language code 'de' after its slug" in change.advice()


def test_a_translation_whose_lang_is_removed_is_told_to_put_it_back(
    tmp_path, flattr_log
):
    written = {"a.md": article("Ein Beitrag", "Alice", Slug="post", Lang="de")}
    build(tmp_path, written, FLATTR_AUTHORS=AUTHORS)
    written = {"a.md": article("Ein Beitrag", "Alice", Slug="post")}
    build(tmp_path, written, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: a.md: thing URL changed from {SITEURL}/post-de.html to "
        f"{SITEURL}/post.html: "
    ), line
    assert "if a.md's Lang or DEFAULT_LANG changed (its old URL holds the " in line
    assert line.index("Lang or DEFAULT_LANG") < line.index("'Slug: post-de'")


@pytest.mark.parametrize(
    ("old", "new", "siteurl"),
    [
        # Another host or scheme: the site's move first, as its likely cause.
        ("http://blog.example.org/a.html", f"{SITEURL}/a.html", "first"),
        ("https://old.example.net/a.html", f"{SITEURL}/2024/a/", "first"),
        # A folder less before the path: as likely a changed ARTICLE_URL,
        # which the build's summary names; SITEURL's path is said last.
        (f"{SITEURL}/blog/2024/a/", f"{SITEURL}/2024/a/", "last"),
        (f"{SITEURL}/a.html", f"{SITEURL}/2024/a/", None),
        (f"{SITEURL}/a-b.html", f"{SITEURL}/a-c.html", None),
    ],
)
def test_the_siteurl_fix_is_told_only_where_the_site_may_have_moved(old, new, siteurl):
    advice = UrlChange("a.md", old, new).advice()
    first = advice.startswith(
        "If SITEURL (or FLATTR_SITEURL) changed for the whole site, set "
    )
    last = advice.endswith(
        ". Or, if the path of SITEURL (or FLATTR_SITEURL) changed for the whole "
        "site, set FLATTR_SITEURL to the old one (with its path): then every "
        "thing keeps its URL"
    )
    assert (first, last) == (siteurl == "first", siteurl == "last"), advice


@pytest.mark.parametrize("in_the_way", ["a file", "a folder"])
def test_a_manifest_that_cannot_be_written_leaves_the_guard_on(
    tmp_path, flattr_log, in_the_way
):
    # A manifest refused (FLATTR_MANIFEST naming a file of another kind) or
    # failing to write used to return before the guard: a changed thing URL
    # went unsaid until the manifest was mended, and the site published.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    kept = tmp_path / "notes.txt"
    if in_the_way == "a file":
        kept.write_text("not a manifest\n")  # refused, left as it is
    else:
        kept.mkdir()  # cannot be written
    options = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_MANIFEST": str(kept)}
    build(tmp_path, two_articles(slug="second-slug"), **options)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith(
        f"pelican-flattr: FLATTR_MANIFEST: {kept}"
    )
    # A strict build fails on the change, and the baseline keeps the old URL
    # (an unresolved change's), to warn again. Its manifest comes after its
    # guard, which it must pass (so that no interrupted build leaves one):
    # the manifest's problem fails the strict build once the change is
    # resolved.
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(slug="third-slug"), FLATTR_STRICT=True, **options)
    baseline = json.loads(tmp_path.joinpath(*BASELINE).read_text())
    assert OLD in {entry["url"] for entry in baseline["things"]}
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith(
        f"pelican-flattr: a.md: thing URL changed from {OLD}"
    )
    flattr_log.clear()
    pinned = two_articles(slug="third-slug", flattr_url=OLD)
    with pytest.raises(FlattrBuildError):
        build(tmp_path, pinned, FLATTR_STRICT=True, **options)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and errors[0].startswith(
        f"pelican-flattr: FLATTR_MANIFEST: {kept}"
    )


def test_warning_repeats_until_pinned(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    assert len(guard_lines(flattr_log)) == 2
    flattr_log.clear()
    # Pinning the old URL keeps the thing, and silences the guard for good.
    pinned = two_articles(slug="second-slug", flattr_url=OLD)
    output = build(tmp_path, pinned, FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output)["a.md"]["url"] == OLD
    build(tmp_path, pinned, FLATTR_AUTHORS=AUTHORS)
    assert guard_lines(flattr_log) == []


def test_article_url_change(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        ARTICLE_URL="posts/{slug}/",
        ARTICLE_SAVE_AS="posts/{slug}/index.html",
    )
    lines = guard_lines(flattr_log)
    assert len(lines) == 2
    assert any(
        OLD in line and "https://blog.example.org/posts/first-slug/" in line
        for line in lines
    )


def test_siteurl_moving_to_https(tmp_path, flattr_log):
    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        SITEURL="http://blog.example.org",
    )
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    lines = guard_lines(flattr_log)
    assert len(lines) == 2
    assert all("from http://blog.example.org/" in line for line in lines)
    # The likely fix first, then the one for a single thing.
    assert all(
        "If SITEURL (or FLATTR_SITEURL) changed for the whole site, set "
        "FLATTR_SITEURL to the old one, on http://blog.example.org (with its "
        "path): then every thing keeps its URL. Otherwise, add " in line
        for line in lines
    )
    flattr_log.clear()
    # The documented fix for a whole-site move: keep the old base for things.
    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_SITEURL="http://blog.example.org",
    )
    assert guard_lines(flattr_log) == []


def test_a_pin_the_guard_advises_on_the_old_host_is_one_the_build_takes(
    tmp_path, flattr_log, capsys
):
    # A pin on another host than the site's is refused unless
    # FLATTR_OLD_HOSTS lists it: advised alone, the pin failed next build.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    moved = {"FLATTR_AUTHORS": AUTHORS, "SITEURL": "https://example.net"}
    build(tmp_path, two_articles(), **moved)
    advice = next(line for line in guard_lines(flattr_log) if "a.md" in line)
    assert (
        f"add 'Flattr_url: {OLD}' to a.md and 'blog.example.org' to "
        "FLATTR_OLD_HOSTS to keep its flattrs"
    ) in advice
    # Listed already (in other letters), the host is not asked for again.
    flattr_log.clear()
    build(tmp_path, two_articles(), FLATTR_OLD_HOSTS=["Blog.Example.org"], **moved)
    advice = next(line for line in guard_lines(flattr_log) if "a.md" in line)
    assert f"add 'Flattr_url: {OLD}' to a.md to keep its flattrs" in advice
    assert "to FLATTR_OLD_HOSTS" not in advice
    # So says the diff, given the settings.
    conf = tmp_path / "pelicanconf.py"
    manifests = [
        tmp_path.joinpath(*BASELINE),
        tmp_path / "output" / "flattr-manifest.json",
    ]
    for listed in ([], ["blog.example.org"]):
        conf.write_text(
            f"PATH = {str(tmp_path / 'content')!r}\nFLATTR_OLD_HOSTS = {listed!r}\n"
        )
        capsys.readouterr()
        assert main(["diff", *map(str, manifests), "--settings", str(conf)]) == 1
        said = " ".join(capsys.readouterr().out.split())
        assert f"add 'Flattr_url: {OLD}' to a.md" in said
        assert ("to FLATTR_OLD_HOSTS" in said) == (not listed)
    flattr_log.clear()
    output = build(
        tmp_path,
        two_articles(Flattr_url=OLD),
        FLATTR_OLD_HOSTS=["blog.example.org"],
        FLATTR_ACCEPT_URL_CHANGES=["https://blog.example.org/b.html"],
        **moved,
    )
    assert [r.getMessage() for r in flattr_log.records if r.levelno >= 30] == []
    assert manifest_things(output)["a.md"]["url"] == OLD


def many_articles(count, start=0):
    return {
        f"p{n:02}.md": article(f"Post {n}", "Alice", slug=f"post-{n:02}")
        for n in range(start, start + count)
    }


def summary_lines(log):
    return said_with(log, "of the last build are not this build's")


def test_a_renamed_category_is_named_as_the_likely_cause(tmp_path, flattr_log):
    # With {category} in ARTICLE_URL, renaming a category in the articles
    # moves their URLs alike, the settings unchanged: the summary told the
    # operator to put back a setting nobody had changed.
    def files(category):
        return {
            f"p{n}.md": article(f"Post {n}", "Alice", slug=f"p{n}", category=category)
            for n in range(6)
        }

    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "ARTICLE_URL": "{category}/{slug}.html",
        "ARTICLE_SAVE_AS": "{category}/{slug}.html",
    }
    build(tmp_path, files("Workshop"), **settings)
    for path in (tmp_path / "content").glob("*.md"):
        path.unlink()
    build(tmp_path, files("Verkstad"), **settings)
    ((_, summary),) = summary_lines(flattr_log)
    assert (
        f"6 of the 6 changed thing URLs changed alike, from {SITEURL}/workshop/*.html "
        f"to {SITEURL}/verkstad/*.html: one part of their URLs, 'workshop', is "
        "'verkstad' now: a renamed category, author or tag (where ARTICLE_URL, "
        "ARTICLE_SAVE_AS or PAGE_URL names it, as {category} does), or a changed "
        "setting, is the likely cause: put the old name back to keep their flattrs"
    ) in summary
    # Said first: after the six changes, each with a pin of its own file
    # for a fix, the one fix for them all came last.
    said = [r.getMessage() for r in flattr_log.records if "thing URL" in r.getMessage()]
    assert len(said) == 7 and said[0].endswith(summary), said


CATEGORIES = ("Rust", "Go", "Web", "Misc")


@pytest.mark.parametrize("direction", ["to-category", "from-category"])
def test_a_url_setting_with_category_changed_is_named_whatever_the_categories(
    tmp_path, flattr_log, capsys, direction
):
    # Four articles in each of four categories: one shape per category,
    # none reaching the five a summary needs, so 16 pins were advised, one
    # a file, and no cause named.
    files = {
        f"p{n:02}.md": article(
            f"Post {n}", "Alice", slug=f"post-{n:02}", category=CATEGORIES[n % 4]
        )
        for n in range(16)
    }
    by_category = {
        "ARTICLE_URL": "{category}/{slug}/",
        "ARTICLE_SAVE_AS": "{category}/{slug}/index.html",
    }
    flat = {
        "ARTICLE_URL": "posts/{slug}/",
        "ARTICLE_SAVE_AS": "posts/{slug}/index.html",
    }
    before, after = (
        (flat, by_category)
        if direction == "to-category"
        else (
            by_category,
            flat,
        )
    )
    authors = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    build(tmp_path, files, **authors, **before)
    flattr_log.clear()
    output = build(tmp_path, files, **authors, **after)
    ((_, summary),) = summary_lines(flattr_log)
    shapes = (f"{SITEURL}/posts/*/", f"{SITEURL}/…/*/")
    old, new = shapes if direction == "to-category" else shapes[::-1]
    # To one word for all, categories merged in the metadata would do it
    # too: both are named.
    cause = (
        "a changed ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting (or their "
        "LANG_ twins, or SITEURL's path) is the likely cause: put it back to keep "
        "their flattrs"
        if direction == "to-category"
        else "one part of their URLs, which differed (…), is 'posts' for all now: "
        "categories (or authors, or tags) merged into one in the articles' "
        "metadata, where ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL names it (as "
        "{category} does), or a changed setting, is the likely cause: put the old "
        "names or the setting back to keep their flattrs"
    )
    assert (
        f"16 of the 16 changed thing URLs changed alike, from {old} to {new} (… a "
        f"part that differs from one to another, such as a category): {cause}"
    ) in summary, summary
    changed = [m for _, m in said_with(flattr_log, ": thing URL changed from ")]
    assert len(changed) == 16
    # diff says the same cause above its rows.
    baseline = tmp_path.joinpath(*BASELINE)
    capsys.readouterr()
    main(["diff", str(baseline), str(output / "flattr-manifest.json")])
    text = " ".join(capsys.readouterr().out.split())
    assert f"from {old} to {new} (… a part that differs" in text


def six_changes(old, new) -> list[UrlChange]:
    """Six URL changes, p0.md to p5.md, from ``old(n)`` to ``new(n)``
    (paths below SITEURL)."""
    return [UrlChange(f"p{n}.md", SITEURL + old(n), SITEURL + new(n)) for n in range(6)]


def test_categories_renamed_one_by_one_are_no_setting_s_change():
    # Two articles in each of three renamed categories: merged into one
    # shape, /…/*.html to /…/*.html, they would be said to share a cause.
    renames = [("workshop", "verkstad"), ("notes", "anteckningar"), ("art", "konst")]
    changes = six_changes(
        lambda n: f"/{renames[n % 3][0]}/post-{n}.html",
        lambda n: f"/{renames[n % 3][1]}/post-{n}.html",
    )
    assert shared_causes(changes).alike is None


RENAMED = {
    "FLATTR_AUTHORS": {"Alice": "alice", "Carol": "carol"},
    "ARTICLE_URL": "{category}/{slug}/",
    "ARTICLE_SAVE_AS": "{category}/{slug}/index.html",
}
WITHOUT_CAROL = {**RENAMED, "FLATTR_AUTHORS": {"Alice": "alice"}}


def _a_renamed_category_among_other_changes(tmp_path):
    """Two builds of 15 articles, p00.md on, in turn: Alice's in Workshop,
    renamed Makerspace in the second (with {category} in ARTICLE_URL);
    Alice's deleted; Carol's, whose author has no owner in the second. The
    sources' order mixes the three kinds. Returns the second build's
    output, and a settings file for diff with its settings."""

    def files(category):
        kinds = [
            {"category": category},
            {"category": "Notes"},
            {"category": "Notes", "author": "Carol"},
        ]
        return {
            f"p{n:02}.md": article(
                f"Post {n}",
                kinds[n % 3].get("author", "Alice"),
                slug=f"post-{n:02}",
                category=kinds[n % 3]["category"],
            )
            for n in range(15)
        }

    build(tmp_path, files("Workshop"), **RENAMED)
    for n in range(1, 15, 3):
        (tmp_path / "content" / f"p{n:02}.md").unlink()
    kept = {n: t for n, t in files("Makerspace").items() if int(n[1:3]) % 3 != 1}
    output = build(tmp_path, kept, **WITHOUT_CAROL)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f'PATH = "content"\nSITEURL = {SITEURL!r}\n'
        + "".join(f"{name} = {value!r}\n" for name, value in WITHOUT_CAROL.items()),
        encoding="utf-8",
    )
    return output, conf


def test_many_changes_of_a_renamed_category_among_others_are_accepted_apart(
    tmp_path, flattr_log, capsys, monkeypatch
):
    # A 1,278-row diff switched kind 28 times, repeated one 400-character
    # note for each of 281 URLs a renamed category moved, and never named
    # the rename the build's summary named; its JSON told "no thing" from
    # "disappeared" by still_there alone. The summary's one way to accept
    # the rename, deleting the baseline, accepted 193 gone things unseen.
    output, conf = _a_renamed_category_among_other_changes(tmp_path)
    baseline = tmp_path.joinpath(*BASELINE)
    manifest = output / "flattr-manifest.json"
    listing = f"pelican-flattr diff {baseline} {manifest} --settings SETTINGS_FILE"
    ((_, summary),) = summary_lines(flattr_log)
    assert summary.startswith(
        "pelican-flattr: 10 thing URLs of the last build are not this build's: "
        "5 thing URLs changed, 5 things gone from this build. 5 of the 5 changed "
        f"thing URLs changed alike, from {SITEURL}/workshop/*/ to "
        f"{SITEURL}/makerspace/*/: one part of their URLs, 'workshop', is "
        "'makerspace' now"
    ), summary
    # Deleting the baseline would accept the gone things too, unseen.
    assert summary.endswith(
        "put the old name back to keep their flattrs, or, if the change is "
        "deliberate, add their old URLs to FLATTR_ACCEPT_URL_CHANGES "
        f"({listing} --old-urls prints them, one a line; deleting {baseline} "
        "would accept every change at once: the 5 things gone from this build "
        "and the 5 thing URLs kept for sources left without a thing by the "
        "problems said above too)"
    ), summary
    monkeypatch.setenv("COLUMNS", "400")  # one line per row, however long
    capsys.readouterr()
    command = ["diff", str(baseline), str(manifest), "--settings", str(conf)]
    assert main(command) == 1
    out = capsys.readouterr().out
    rows, closing = _diff_table_of(out)
    assert [row[0] for row in rows] == (
        ["URL changed"] * 5 + ["disappeared"] * 5 + ["no thing"] * 5
    )
    assert closing.startswith("5 URL changed, 5 disappeared, 5 no thing: 15 ")
    # The shape, once above the rows, in the summary's words; each row
    # keeps its own fix, not the explanation the shape gives once.
    above = out[: out.index("\u250f")]  # "┏", the table's first corner
    assert above.count("changed alike") == 1
    assert (
        f"5 of the 5 changed thing URLs changed alike, from {SITEURL}/workshop/*/ "
        f"to {SITEURL}/makerspace/*/: one part of their URLs, 'workshop', is "
        "'makerspace' now"
    ) in " ".join(above.split())
    assert out.count("the web server must redirect") == 1
    changed = rows[0]
    assert changed[1:] == [
        "p00.md",
        f"{SITEURL}/workshop/post-00/ -> {SITEURL}/makerspace/post-00/",
        f"add 'Flattr_url: {SITEURL}/workshop/post-00/' to p00.md to keep its "
        "flattrs (see the line above the table)",
    ]
    # The JSON's rows and counts name the kinds as the table does.
    assert main([*command, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {
        "URL changed": 5,
        "disappeared": 5,
        "no thing": 5,
        "owner changed": 0,
        "new": 0,
        "moved": 0,
    }
    assert [c["kind"] for c in report["disappeared"]] == ["disappeared", "no thing"] * 5
    assert report["likely_causes"][0].startswith("5 of the 5 changed thing URLs")
    # The old URLs of the URL changes, one a line, accept the rename alone:
    # the next build warns of the others only. A list, not a check: status
    # 0, or a script under `set -e` stops right after writing it.
    assert main([*command, "--old-urls"]) == 0
    accepted = capsys.readouterr().out.splitlines()
    assert accepted == [f"{SITEURL}/workshop/post-{n:02}/" for n in range(0, 15, 3)]
    flattr_log.clear()
    build(tmp_path, {}, **WITHOUT_CAROL, FLATTR_ACCEPT_URL_CHANGES=accepted)
    lines = guard_lines(flattr_log)
    assert not [line for line in lines if ": thing URL changed from " in line]
    assert len([line for line in lines if ": gone from this build, so " in line]) == 5
    assert len(still_there_lines(flattr_log)) == 1
    assert summary_lines(flattr_log) == []


@pytest.mark.parametrize("strict", [False, True])
def test_a_whole_site_url_change_is_summed_up(tmp_path, flattr_log, capsys, strict):
    # A new ARTICLE_URL on a site of 2,000 articles gave 1,565 warnings of
    # about 500 characters each, no total, and a fix per file: the first of
    # each kind are said, then one line with the totals, the command that
    # lists them all, and the setting that most likely changed them all.
    output = build(tmp_path, many_articles(25 + 3), FLATTR_AUTHORS={"Alice": "alice"})
    for n in range(25, 28):
        (tmp_path / "content" / f"p{n:02}.md").unlink()
    flattr_log.clear()
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "ARTICLE_URL": "posts/{slug}/",
        "ARTICLE_SAVE_AS": "posts/{slug}/index.html",
    }
    (fails_strict if strict else build)(tmp_path, {}, **settings)
    messages = [r.getMessage() for r in flattr_log.records]
    changed = [m for m in messages if ": thing URL changed from " in m]
    gone = [m for m in messages if ": gone from this build, so " in m]
    assert (len(changed), len(gone)) == (20, 3)
    assert changed[0].startswith(
        f"pelican-flattr: p00.md: thing URL changed from {SITEURL}/post-00.html "
        f"to {SITEURL}/posts/post-00/"
    )
    manifest = output / "flattr-manifest.json"
    baseline = tmp_path.joinpath(*BASELINE)
    # A strict build that fails removes its manifest from the output, and
    # keeps it beside the baseline for the command.
    kept = baseline.with_name("url-baseline.failed-build-manifest.json")

    def listing(option=""):
        new = kept if strict else manifest
        return f"pelican-flattr diff {baseline} {new} --settings SETTINGS_FILE{option}"

    # Deleting the baseline would accept the 3 gone too: said, with the
    # command that prints the old URLs of the changed ones alone.
    assert summary_lines(flattr_log) == [
        (
            "ERROR" if strict else "WARNING",
            "pelican-flattr: 28 thing URLs of the last build are not this "
            "build's: 25 thing URLs changed, 3 things gone from this build; the "
            "first 20 of each kind are said below, each with its fix, and "
            f"{listing()} lists every one. 25 of the 25 changed "
            f"thing URLs changed alike, from {SITEURL}/*.html to "
            f"{SITEURL}/posts/*/: a changed ARTICLE_URL, ARTICLE_SAVE_AS or "
            "PAGE_URL setting (or their LANG_ twins, or SITEURL's path) is the "
            "likely cause: put it back to keep their flattrs, or, if the change "
            "is deliberate, add their old URLs to FLATTR_ACCEPT_URL_CHANGES "
            f"({listing(' --old-urls')} prints them, one a line; deleting "
            f"{baseline} would accept every change at once: the 3 things gone "
            "from this build too)",
        )
    ]
    if strict:
        # Each unsaid change fails the build all the same, and is counted.
        assert (
            "pelican-flattr: 28 problems and FLATTR_STRICT is on: build failed"
            in messages
        )
        # The summary's command runs as it is given, on the failed build's
        # things: it took a second build without FLATTR_STRICT, which a
        # publishing CI does not make.
        assert not manifest.exists()
        capsys.readouterr()
        assert main(["diff", str(baseline), str(kept), "--old-urls"]) == 0
        accepted = capsys.readouterr().out.splitlines()
        assert accepted == [f"{SITEURL}/post-{n:02}.html" for n in range(25)]
        assert main(["diff", str(baseline), str(kept), "--gone-urls"]) == 0
        accepted += capsys.readouterr().out.splitlines()
        assert len(accepted) == 28
        # With them accepted the strict build passes, and the copy goes: an
        # old log's command no longer compares a build since replaced.
        flattr_log.clear()
        build(
            tmp_path,
            {},
            FLATTR_STRICT=True,
            FLATTR_ACCEPT_URL_CHANGES=accepted,
            **settings,
        )
        assert guard_lines(flattr_log) == []
        assert manifest.exists()
        assert not kept.exists()
        return
    # The command lists every one, from the baseline: the output of a site
    # deleted before each build keeps no old manifest to copy.
    capsys.readouterr()
    assert main(["diff", str(baseline), str(manifest), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (len(report["url_changed"]), len(report["disappeared"])) == (25, 3)
    assert report["url_changed"][0]["old_url"] == f"{SITEURL}/post-00.html"
    # Put back, the setting silences every one of them, said or not.
    flattr_log.clear()
    build(tmp_path, many_articles(25), FLATTR_AUTHORS={"Alice": "alice"})
    assert guard_lines(flattr_log) == gone


@pytest.mark.parametrize("where", ["beside the baseline", "in the way", "in output"])
def test_a_strict_build_the_guard_fails_keeps_its_manifest_out_of_the_output(
    tmp_path, flattr_log, monkeypatch, where
):
    # The manifest goes from the output of a failed strict build (an audit
    # refuses that output), and its copy beside the baseline is what the
    # summary's diff command reads. A file of the operator's own there is
    # left alone, said; a baseline in the output keeps no copy there, which
    # a deploy would publish.
    monkeypatch.chdir(tmp_path)
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    if where == "in output":
        settings["FLATTR_URL_BASELINE"] = "output/url-baseline.json"
        baseline = tmp_path / "output" / "url-baseline.json"
    else:
        baseline = tmp_path.joinpath(*BASELINE)
    # One gone besides: the summary gives the command that lists the old
    # URLs of the changed ones alone.
    output = build(tmp_path, many_articles(6), **settings)
    (tmp_path / "content" / "p05.md").unlink()
    kept = baseline.with_name("url-baseline.failed-build-manifest.json")
    if where == "in the way":
        kept.mkdir()
    flattr_log.clear()
    moved = {"ARTICLE_URL": "posts/{slug}.html", "ARTICLE_SAVE_AS": "posts/{slug}.html"}
    fails_strict(tmp_path, {}, **moved, **settings)
    assert not (output / "flattr-manifest.json").exists()
    ((_, summary),) = summary_lines(flattr_log)
    said = said_with(flattr_log, "failed build's manifest")
    if where == "beside the baseline":
        assert (
            f"(pelican-flattr diff {baseline} {kept} --settings SETTINGS_FILE "
            "--old-urls prints them"
        ) in summary
        assert said == [], said  # INFO, not shown
        things = manifest_things(kept.parent, kept.name)
        assert len(things) == 5
        assert things["p03.md"]["url"] == f"{SITEURL}/posts/post-03.html"
        # A preview between the failure and the command compares nothing,
        # and leaves the copy to the command.
        build(tmp_path, {}, **moved, **settings, **DEVELOPMENT_SETTINGS["empty"])
        assert manifest_things(kept.parent, kept.name) == things
    elif where == "in the way":
        assert kept.is_dir()
        # Named nowhere: the summary names the manifest to make instead.
        assert f"{baseline} NEW_MANIFEST --settings SETTINGS_FILE --old-urls (" in (
            summary
        )
        assert said == [
            (
                "WARNING",
                f"pelican-flattr: cannot keep this failed build's manifest as "
                f"{kept} for pelican-flattr diff: it is a folder: move it; the URL "
                "guard's diff command names NEW_MANIFEST instead, the "
                f"{output / 'flattr-manifest.json'} a build without "
                "FLATTR_STRICT writes",
            )
        ]
    else:
        assert list(output.glob("*failed*")) == []
        assert said == []
        assert (
            f"(pelican-flattr diff {Path('output', 'url-baseline.json')} "
            "NEW_MANIFEST --settings SETTINGS_FILE --old-urls (NEW_MANIFEST the "
            "one a build without FLATTR_STRICT writes, as this failed build "
            "removes its own) prints them"
        ) in summary


@pytest.mark.parametrize("fatal", ["errors", "warnings"])
def test_a_strict_build_pelicans_fatal_stops_keeps_the_manifest_its_summary_names(
    tmp_path, fatal
):
    # pelican --fatal ends the build at the guard's first message: the copy
    # the summary names was written after them all, so never, and a copy an
    # earlier failure left was named in its place.
    content, output = tmp_path / "content", tmp_path / "output"
    content.mkdir()
    for n in range(6):
        (content / f"p{n}.md").write_text(article(f"Post {n}", "Alice"))
    owner = 'FLATTR_USERNAME="alice"'
    assert run_pelican(content, output, owner).returncode == 0
    (content / "p5.md").unlink()
    moved = ('ARTICLE_URL="posts/{slug}.html"', 'ARTICLE_SAVE_AS="posts/{slug}.html"')
    options = (owner, *moved, "FLATTR_STRICT=true", "--fatal", fatal)
    failed = run_pelican(content, output, *options)
    said = failed.stdout + failed.stderr
    assert failed.returncode == 1, said
    kept = tmp_path.joinpath(*BASELINE).with_name(
        "url-baseline.failed-build-manifest.json"
    )
    things = manifest_things(kept.parent, kept.name)
    assert things["p0.md"]["url"] == f"{SITEURL}/posts/post-0.html"
    assert not (output / "flattr-manifest.json").exists()


def test_a_passing_build_leaves_an_operators_file_where_the_copy_would_be(
    tmp_path, flattr_log
):
    # Only a manifest the plugin kept is removed once a build passes.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    kept = tmp_path.joinpath(*BASELINE).with_name(
        "url-baseline.failed-build-manifest.json"
    )
    kept.write_text("my notes\n")
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert kept.read_text() == "my notes\n"


def test_an_empty_article_save_as_is_named_as_the_cause(tmp_path, flattr_log):
    # ARTICLE_SAVE_AS = "" leaves every article without a page, and so
    # without a thing: a warning per file, and a summary that named no
    # setting; each fix was the one for a file whose build said why.
    # Five: as few as make a setting the likely cause.
    files = {f"p{n}.md": article(f"Post {n}", "Alice") for n in range(5)}
    build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"}, ARTICLE_SAVE_AS="")
    said = guard_lines(flattr_log)
    assert (
        "Fix: p0.md has no page, as ARTICLE_SAVE_AS is empty: give "
        "ARTICLE_SAVE_AS its pages' path back to give it its thing back"
    ) in said[0]
    ((_, summary),) = summary_lines(flattr_log)
    assert summary.startswith(
        "pelican-flattr: 5 thing URLs of the last build are not this build's: "
        "5 source files still there without a thing. 5 of the 5 source files "
        "still there have no page, as ARTICLE_SAVE_AS is empty: give it its "
        "pages' path back to give them their things back"
    ), summary


@pytest.mark.parametrize(
    ("meta", "fix"),
    [
        ({"status": "draft"}, "p0.md is a draft: publish it"),
        ({"save_as": ""}, "p0.md has no page, as its 'Save_as:' is empty: remove"),
    ],
    ids=["drafts", "own empty save_as"],
)
def test_many_sources_without_a_thing_of_their_own_making_name_no_setting(
    tmp_path, flattr_log, meta, fix
):
    # Five drafts (as many as make a setting the likely cause) must not be
    # summed up as a setting emptied: "...no page, as draft is empty: give
    # it its pages' path back"; nor five files' own empty 'Save_as:'.
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    build(tmp_path, many_articles(5), **settings)
    files = {
        f"p{n:02}.md": article(f"Post {n}", "Alice", slug=f"post-{n:02}", **meta)
        for n in range(5)
    }
    build(tmp_path, files, **settings)
    said = guard_lines(flattr_log)
    assert len(said) == 5, said
    assert f"Fix: {fix.replace('p0', 'p00')}" in said[0], said[0]
    assert summary_lines(flattr_log) == []


def test_slugs_made_of_file_names_are_named_as_the_cause(tmp_path, flattr_log):
    # SLUGIFY_SOURCE = "basename" gives every article its file's name as
    # its slug: each fix was right, but the summary named no cause. Five
    # (as few as make a setting the likely cause), their names as authors
    # write them: Pelican lower-cases "Post 1.md" and gives it "post-1".
    files = {f"Post {n}.md": article(f"Post number {n}", "Alice") for n in range(5)}
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    build(tmp_path, files, **settings)
    build(tmp_path, files, SLUGIFY_SOURCE="basename", **settings)
    ((_, summary),) = summary_lines(flattr_log)
    # Put back to what: the only other value that makes a slug.
    assert (
        "5 thing URLs changed. 5 of the 5 changed thing URLs have their file's "
        "name as their slug now: SLUGIFY_SOURCE = 'basename' is the likely "
        "cause: set SLUGIFY_SOURCE = 'title' (Pelican's default) to keep their "
        "flattrs"
    ) in summary, summary
    # And the other way round, from a new baseline.
    tmp_path.joinpath(*BASELINE).unlink()
    build(tmp_path, files, SLUGIFY_SOURCE="basename", **settings)
    flattr_log.clear()
    build(tmp_path, files, **settings)
    ((_, summary),) = summary_lines(flattr_log)
    assert (
        "5 of the 5 changed thing URLs had their file's name as their slug, and "
        "another now: a changed SLUGIFY_SOURCE ('basename' before) is the likely "
        "cause: set SLUGIFY_SOURCE = 'basename' again to keep their flattrs"
    ) in summary, summary


def test_slugs_that_changed_case_alone_name_no_slugify_source(tmp_path, flattr_log):
    # Files named as their titles' slugs: SLUGIFY_PRESERVE_CASE switched on
    # (or off again) gave the summary "SLUGIFY_SOURCE = 'basename' is the
    # likely cause: put it back", though nobody had set SLUGIFY_SOURCE.
    files = {
        f"great-post-{n}.md": article(f"Great Post {n}", "Alice") for n in range(6)
    }
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    for preserve_case in (True, False):
        # From a baseline of the other case, which keeps the old URLs.
        tmp_path.joinpath(*BASELINE).unlink(missing_ok=True)
        build(tmp_path, files, SLUGIFY_PRESERVE_CASE=not preserve_case, **settings)
        flattr_log.clear()
        build(tmp_path, files, SLUGIFY_PRESERVE_CASE=preserve_case, **settings)
        assert not said_with(flattr_log, "SLUGIFY_SOURCE"), guard_lines(flattr_log)
        # Each change is still said, with its own fix.
        said = said_with(flattr_log, ".md: thing URL changed from")
        assert len(said) == 6, said
        slug = "Great-Post-0" if preserve_case else "great-post-0"
        assert f"{slug}.html" in said[0][1], said[0]


def test_the_summary_s_diff_command_runs_as_written_from_a_folder_with_a_space(
    tmp_path, flattr_log, capsys
):
    # The command named the baseline and manifest unquoted: pasted into a
    # shell, a site in "My Site" gave diff four paths, none of them files.
    site = tmp_path / "My Site"
    build(site, many_articles(25), FLATTR_AUTHORS={"Alice": "alice"})
    flattr_log.clear()
    build(
        site,
        {},
        FLATTR_AUTHORS={"Alice": "alice"},
        ARTICLE_URL="posts/{slug}/",
        ARTICLE_SAVE_AS="posts/{slug}/index.html",
    )
    ((_, summary),) = summary_lines(flattr_log)
    (command,) = re.findall(r"(pelican-flattr diff .*?) lists every one", summary)
    program, *args = shlex.split(command)
    assert program == "pelican-flattr"
    assert args[1:] == [
        str(site.joinpath(*BASELINE)),
        str(site / "output" / "flattr-manifest.json"),
        "--settings",
        "SETTINGS_FILE",
    ]
    capsys.readouterr()
    assert main([*args[:3], "--json"]) == 1
    assert len(json.loads(capsys.readouterr().out)["url_changed"]) == 25


def test_many_things_gone_are_told_the_command_that_prints_their_urls(
    tmp_path, flattr_log, capsys
):
    # 23 articles deleted at once: the summary named the listing, but not
    # --gone-urls, which prints their URLs for FLATTR_ACCEPT_URL_CHANGES.
    files = many_articles(25)
    build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    for name in sorted(files)[2:]:
        (tmp_path / "content" / name).unlink()
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_AUTHORS={"Alice": "alice"})
    ((_, summary),) = summary_lines(flattr_log)
    (command,) = re.findall(
        r"; (pelican-flattr diff .*? --gone-urls) prints the old URLs of the "
        r"things gone, for FLATTR_ACCEPT_URL_CHANGES once the deletions are meant",
        summary,
    )
    program, *args = shlex.split(command)
    assert program == "pelican-flattr"
    args.remove("--settings")
    args.remove("SETTINGS_FILE")
    capsys.readouterr()
    assert main(args) == 0
    assert len(capsys.readouterr().out.splitlines()) == 23


def test_a_new_siteurl_for_many_things_is_named_as_the_cause(tmp_path, flattr_log):
    # Every change said (fewer than 20), and the cause they share besides.
    build(
        tmp_path,
        many_articles(5),
        FLATTR_AUTHORS={"Alice": "alice"},
        SITEURL="http://blog.example.org",
    )
    build(tmp_path, many_articles(5), FLATTR_AUTHORS={"Alice": "alice"})
    messages = [r.getMessage() for r in flattr_log.records]
    assert len([m for m in messages if ": thing URL changed from " in m]) == 5
    assert summary_lines(flattr_log) == [
        (
            "WARNING",
            "pelican-flattr: 5 thing URLs of the last build are not this build's: "
            "5 thing URLs changed. 5 of the 5 changed thing URLs changed alike, "
            "from http://blog.example.org/* to https://blog.example.org/*: a "
            "changed SITEURL (or FLATTR_SITEURL) is the likely cause: set "
            "FLATTR_SITEURL = "
            "'http://blog.example.org' to keep every thing URL, or, if the change "
            "is deliberate, "
            "accept every change at once by deleting "
            f"{tmp_path.joinpath(*BASELINE)} (the next build starts a new one)",
        )
    ]


# Only SITEURL's path changed, the host the same: the summary named "a
# changed ARTICLE_URL ... or SITEURL's path" and left the operator to work
# out which old SITEURL FLATTR_SITEURL should keep.
@pytest.mark.parametrize(
    ("old_site", "new_site", "cause"),
    [
        # A folder fewer: as likely a setting that gave it (posts/{slug}.html
        # to {slug}.html), so both are named.
        (
            f"{SITEURL}/blog",
            SITEURL,
            "a changed ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting (or their "
            "LANG_ twins), or a changed path of SITEURL (or FLATTR_SITEURL), "
            f"{SITEURL}/blog then, is the likely cause: put the setting back, or, "
            f"if SITEURL's path changed, set FLATTR_SITEURL = '{SITEURL}/blog', to "
            "keep their flattrs",
        ),
        # A folder more, which SITEURL holds now: with it then, every old URL
        # would have had it. No setting to look for.
        (
            SITEURL,
            f"{SITEURL}/blog",
            "a changed SITEURL (or FLATTR_SITEURL) is the likely cause: set "
            f"FLATTR_SITEURL = '{SITEURL}' to keep every thing URL",
        ),
    ],
    ids=["folder-dropped", "folder-added"],
)
def test_a_new_siteurl_path_for_many_things_names_the_old_siteurl(
    tmp_path, flattr_log, old_site, new_site, cause
):
    authors = {"Alice": "alice"}
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=old_site)
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=new_site)
    ((level, summary),) = summary_lines(flattr_log)
    assert level == "WARNING"
    assert (
        f"from {old_site}/*.html to {new_site}/*.html: {cause}, or, if the change "
        "is deliberate, "
    ) in summary, summary
    # What it names keeps every thing URL: the next build changes none.
    flattr_log.clear()
    build(
        tmp_path,
        many_articles(5),
        FLATTR_AUTHORS=authors,
        SITEURL=new_site,
        FLATTR_SITEURL=old_site,
    )
    assert not summary_lines(flattr_log)
    assert not said_with(flattr_log, ": thing URL changed from ")


def test_diff_names_the_old_siteurl_above_its_rows(tmp_path, capsys):
    # The build's summary named the old SITEURL, its path too, to set
    # FLATTR_SITEURL to; diff named none, and gave each row a clause of its
    # own about a SITEURL changed for the whole site.
    old_site, new_site = "http://blog.example.org/blog", f"{SITEURL}/blog"
    authors = {"Alice": "alice"}
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=old_site)
    output = build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=new_site)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f'PATH = "content"\nSITEURL = {new_site!r}\n', encoding="utf-8")
    baseline = tmp_path.joinpath(*BASELINE)
    capsys.readouterr()
    manifest = str(output / "flattr-manifest.json")
    assert main(["diff", str(baseline), manifest, "--settings", str(conf)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        f"5 of the 5 changed thing URLs changed alike, from http://blog.example.org/* "
        f"to {SITEURL}/*: a changed SITEURL (or FLATTR_SITEURL) is the likely "
        f"cause: set FLATTR_SITEURL = {old_site!r} to keep every thing URL, or, if the "
        "change is deliberate, "
    ), out
    assert "SITEURL changed for the whole site" not in out


def test_a_strict_build_that_fails_early_says_what_it_did_not_check(
    tmp_path, flattr_log
):
    # It stopped on a file's metadata before the URL guard ran, and its
    # count was taken for the whole bill: the changed thing URLs came to
    # light only once the first problems were mended.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    files = two_articles(slug="second-slug", flattr_category="nonsense")
    fails_strict(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    assert said_with(flattr_log, "FLATTR_STRICT is on") == [
        (
            "CRITICAL",
            "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed "
            "(neither the checks made as pages are written nor the URL guard "
            "ran: more problems may follow once it is mended)",
        )
    ]
    assert guard_lines(flattr_log) == []
    # Mended, the build meets the URL change, and says no more of it.
    flattr_log.clear()
    fails_strict(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    assert said_with(flattr_log, "FLATTR_STRICT is on") == [
        ("CRITICAL", "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed")
    ]


def test_diff_lists_the_old_urls_of_deleted_things_to_accept(
    tmp_path, flattr_log, capsys
):
    # 100 articles deleted: --old-urls printed nothing and said nothing,
    # and the old URLs had to be dug out of --json.
    output = build(tmp_path, many_articles(6), FLATTR_AUTHORS={"Alice": "alice"})
    for n in (1, 4):
        (tmp_path / "content" / f"p{n:02}.md").unlink()
    build(tmp_path, {}, FLATTR_AUTHORS={"Alice": "alice"})
    baseline = tmp_path.joinpath(*BASELINE)
    manifest = str(output / "flattr-manifest.json")
    capsys.readouterr()
    assert main(["diff", str(baseline), manifest, "--gone-urls"]) == 0
    gone = capsys.readouterr().out.split()
    assert gone == [f"{SITEURL}/post-01.html", f"{SITEURL}/post-04.html"]
    assert main(["diff", str(baseline), manifest, "--old-urls"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "pelican-flattr: diff: 2 things disappeared too, not listed here: "
        "--gone-urls lists their old URLs\n"
    )
    # Accepted as listed, the next build says no more of them.
    flattr_log.clear()
    build(
        tmp_path, {}, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_ACCEPT_URL_CHANGES=gone
    )
    assert guard_lines(flattr_log) == []


def test_deleting_the_baseline_is_said_to_forget_the_released_urls(
    tmp_path, flattr_log
):
    # "Accept every change at once by deleting the baseline" left out that
    # it also forgets the URLs accepted earlier, whose reuse by another
    # owner the guard then no longer warns of.
    authors = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    build(tmp_path, many_articles(7), **authors)
    (tmp_path / "content" / "p06.md").unlink()
    accepted = {"FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/post-06.html"]}
    build(tmp_path, {}, **authors, **accepted)
    flattr_log.clear()
    moved = {
        "ARTICLE_URL": "posts/{slug}/",
        "ARTICLE_SAVE_AS": "posts/{slug}/index.html",
    }
    build(tmp_path, {}, **authors, **moved)
    ((_, summary),) = summary_lines(flattr_log)
    assert summary.endswith(
        "(the next build starts a new one; that forgets the 1 thing URL "
        "FLATTR_ACCEPT_URL_CHANGES released, whose reuse by another owner the "
        "guard then no longer warns of)"
    ), summary


def test_removed_article_warns_and_can_be_accepted(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").unlink()
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert "a.md: gone from this build" in line and OLD in line
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS)  # accepted once is accepted
    assert guard_lines(flattr_log) == []


def test_a_change_accepted_then_undone_is_said_to_take_its_flattrs_back(
    tmp_path, flattr_log
):
    # A slug changed and accepted, the accept entry removed, then the slug
    # put back: the warning said "the new URL starts with none", of the
    # article's own earlier thing, whose flattrs it has again.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    new = f"{SITEURL}/second-slug.html"
    build(
        tmp_path,
        two_articles(slug="second-slug"),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_ACCEPT_URL_CHANGES=[OLD],
    )
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    flattr_log.clear()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert (
        f"a.md: thing URL changed from {new} to {OLD}: the flattrs given to the "
        "old URL stay with the old URL, and the new URL is its thing URL of "
        "before, which FLATTR_ACCEPT_URL_CHANGES released: it takes that "
        "thing's flattrs back"
    ) in line
    assert "starts with none" not in line


@pytest.mark.parametrize("written", [f"{OLD} ", f"  {OLD}\n", f"\t{OLD}"])
def test_an_accepted_url_with_whitespace_around_it_is_accepted(
    tmp_path, flattr_log, written
):
    # Pasted with a space after it, it matched no old URL: the guard warned
    # on every build, and nothing said the entry was why.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").unlink()
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=[written])
    assert guard_lines(flattr_log) == []
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS)
    assert guard_lines(flattr_log) == []


def test_accepted_urls_read_from_a_file_s_whole_text_are_taken_apart(
    tmp_path, flattr_log
):
    # The README's recipe without its split(): one string of many lines,
    # which matched no URL, and nothing said why.
    files = {
        **two_articles(),
        "c.md": article("Third one here", "Alice", slug="third-slug"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    for name in ("a.md", "c.md"):
        (tmp_path / "content" / name).unlink()
    text = f"{OLD}\n{SITEURL}/third-slug.html \n\n"
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=text)
    assert guard_lines(flattr_log) == []


@pytest.mark.parametrize(
    "written",
    [
        OLD.replace("https:", "http:"),
        OLD.replace("blog.example", "www.Blog.EXAMPLE"),
    ],
    ids=["scheme", "host"],
)
def test_an_accepted_url_that_names_a_changed_one_loosely_is_said(
    tmp_path, flattr_log, written
):
    # Entries match exactly: one copied with another scheme or host let
    # nothing go, and the build warned of the change on every build
    # without a word of the entry.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").unlink()
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=[written])
    (gone,) = guard_lines(flattr_log)
    assert "a.md: gone from this build" in gone
    (entry,) = said_with(flattr_log, "FLATTR_ACCEPT_URL_CHANGES holds")
    assert entry == (
        "WARNING",
        f"pelican-flattr: FLATTR_ACCEPT_URL_CHANGES holds {written!r}, which is not "
        f"a.md's old URL, {OLD!r}, a change this build warns of: entries match a "
        "thing URL exactly (but for percent-encoding), so it lets nothing go; "
        "write the old URL as it is",
    )


def test_an_accepted_folder_url_without_its_slash_is_said(tmp_path, flattr_log):
    folders = {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html"}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, **folders)
    (tmp_path / "content" / "a.md").unlink()
    flattr_log.clear()
    old = f"{SITEURL}/first-slug/"
    for written in (old.rstrip("/"), f"{old}index.html"):
        build(
            tmp_path,
            {},
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_ACCEPT_URL_CHANGES=[written],
            **folders,
        )
        said = [m for _, m in said_with(flattr_log, "FLATTR_ACCEPT_URL_CHANGES holds")]
        assert said == [
            f"pelican-flattr: FLATTR_ACCEPT_URL_CHANGES holds {written!r}, which is "
            f"not a.md's old URL, {old!r}, a change this build warns of: entries match "
            "a thing URL exactly (but for percent-encoding), so it lets nothing go; "
            "write the old URL as it is"
        ], flattr_log.records
        flattr_log.clear()
    accepted = {"FLATTR_ACCEPT_URL_CHANGES": [old]}
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, **accepted, **folders)
    assert guard_lines(flattr_log) == []
    assert said_with(flattr_log, "FLATTR_ACCEPT_URL_CHANGES holds") == []


# A thing URL beyond ASCII, as the build writes it, and as a browser's
# address bar copies it.
BOOKS = f"{SITEURL}/über-bücher.html"
BOOKS_ESCAPED = f"{SITEURL}/%C3%BCber-b%C3%BCcher.html"


@pytest.mark.parametrize(
    ("pinned", "written"),
    [
        ({}, BOOKS_ESCAPED),
        ({}, BOOKS_ESCAPED.lower()),
        # A thing URL pinned escaped, let go with the characters as they are.
        ({"Flattr_url": BOOKS_ESCAPED}, BOOKS),
    ],
    ids=["escaped", "escaped-lower-case", "pinned-escaped"],
)
def test_an_accepted_url_matches_in_either_form(tmp_path, flattr_log, pinned, written):
    # Copied from the address bar, an entry was percent-encoded where the
    # thing URL holds "ü": it matched nothing, and the guard warned on every
    # build without a word of why.
    first = {"a.md": article("Article A", "Alice", Slug="über-bücher", **pinned)}
    build(tmp_path, first, FLATTR_AUTHORS=ALICE)
    renamed = {"a.md": article("Article A", "Alice", Slug="new-slug")}
    build(tmp_path, renamed, FLATTR_AUTHORS=ALICE, FLATTR_ACCEPT_URL_CHANGES=[written])
    assert guard_lines(flattr_log) == []
    # Accepted for good: the entry is a leftover, and nothing is said of it.
    flattr_log.clear()
    build(tmp_path, renamed, FLATTR_AUTHORS=ALICE, FLATTR_ACCEPT_URL_CHANGES=[written])
    build(tmp_path, renamed, FLATTR_AUTHORS=ALICE)
    assert [r.getMessage() for r in flattr_log.records if r.levelno >= 30] == []


def test_strict_fails_and_keeps_the_baseline(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    before = baseline.read_bytes()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            two_articles(slug="new"),
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_STRICT=True,
        )
    assert baseline.read_bytes() == before
    assert any(
        r.levelname == "ERROR" and OLD in r.getMessage() for r in flattr_log.records
    )
    # Pelican wrote the pages at the new URL; with the manifest of this
    # build beside them the audit passed them, and a deploy gated on it
    # published the URL that strands the flattrs.
    output = tmp_path / "output"
    assert (output / "new.html").exists()
    assert not (output / "flattr-manifest.json").exists()
    assert main(["audit", str(output)]) == 2
    assert (
        f"pelican-flattr: removed the manifest: {output / 'flattr-manifest.json'}, "
        "as the build failed: an audit refuses this output until a build passes"
    ) in [r.getMessage() for r in flattr_log.records]


@pytest.mark.parametrize(("fatal", "strict"), [("errors", True), ("warnings", False)])
def test_a_build_pelicans_fatal_stops_once_pages_are_written_removes_the_manifest(
    tmp_path, capsys, fatal, strict
):
    # pelican --fatal raises at the plugin's first error (a strict build's
    # changed thing URL) or warning, before the build's end: the last
    # build's manifest stayed beside the new pages, and the audit passed
    # them, as a deploy gated on it published them.
    content, output = tmp_path / "content", tmp_path / "output"
    content.mkdir()
    (content / "a.md").write_text(article("Alice writes", "Alice"))
    owner = 'FLATTR_USERNAME="alice"'
    assert run_pelican(content, output, owner).returncode == 0
    manifest = output / "flattr-manifest.json"
    assert manifest.is_file()
    (content / "a.md").write_text(article("Alice writes again", "Alice"))
    options = (f"FLATTR_STRICT={str(strict).lower()}", "--fatal", fatal)
    failed = run_pelican(content, output, owner, *options)
    said = failed.stdout + failed.stderr
    assert failed.returncode == 1, said
    assert "thing URL changed from" in said
    assert (output / "alice-writes-again.html").is_file()
    assert not manifest.exists()
    assert "pelican-flattr: removed the manifest: " in said
    assert main(["audit", str(output)]) == 2


def test_an_unchanged_build_leaves_the_baseline_alone(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    before = baseline.stat()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    after = baseline.stat()
    # Not written again: the same file, untouched.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # An owner change keeps every URL, and the baseline follows it (the
    # change said once: test_an_owner_change_is_said_once).
    build(tmp_path, two_articles(), FLATTR_AUTHORS={**AUTHORS, "Bob": "bob"})
    owners = {
        t["source"]: t["owner"] for t in json.loads(baseline.read_text())["things"]
    }
    assert owners == {"a.md": "alice", "b.md": "bob"}


def owner_lines(log):
    return said_with(log, "changed owner")


@pytest.mark.parametrize("strict", [False, True])
def test_an_owner_change_is_said_once(tmp_path, flattr_log, strict):
    # Flattr keys a thing on its URL and keeps the owner it was created
    # with: an author's new owner identifier leaves the things already
    # flattred with the old one, which the build used to keep silent.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    new = {**AUTHORS, "Bob": "partner:hackspace:bob"}
    # A warning, not a failed build, even when strict.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=new, FLATTR_STRICT=strict)
    b_url = f"{SITEURL}/b.html"
    assert owner_lines(flattr_log) == [
        (
            "WARNING",
            f"pelican-flattr: b.md: its thing {b_url} changed owner from "
            "twitter:user:id:9 to 'Bob' (partner:hackspace:bob), but Flattr keys "
            "a thing on its URL and keeps the owner it was created with (by its "
            "first flattr): a thing already flattred stays the old owner's, and "
            "its flattrs go on to it while this build's pages and manifest name "
            "the new one (one not flattred yet is created for the new one). Fix: "
            "if the change is a mistake, give it the old owner back "
            "(FLATTR_AUTHORS, or 'Flattr_owner:'); if not, whoever holds the old "
            "owner's identifier claims the flattrs of the things Flattr created "
            "by verifying it for their Flattr account (pelican-flattr verify "
            "--identity twitter:user:id:9 --username THEIR_FLATTR_USERNAME); "
            "Flattr documents no way to give "
            "an existing thing another owner (said once: the baseline takes the "
            "new owner)",
        )
    ]
    flattr_log.clear()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=new, FLATTR_STRICT=strict)
    assert owner_lines(flattr_log) == []


def test_a_reassigned_article_names_its_authors_and_the_hash_once(tmp_path, flattr_log):
    # Carol's only article given to Dmitri: the warning named the owners as
    # identifiers alone, Carol's hash six times, and no author; the authors
    # are named beside them (never the address FLATTR_AUTHORS holds), and
    # the hash in full once, in the command that claims the flattrs.
    authors = {
        "Carol Chen": "email:carol@example.org",
        "Dmitri Ivanov": "partner:hackspace:1042",
    }
    files = {
        "c.md": article("Carol's notes", "Carol Chen", slug="notes"),
        "d.md": article("Dmitri's notes", "Dmitri Ivanov", slug="more"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    files["c.md"] = article("Carol's notes", "Dmitri Ivanov", slug="notes")
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    digest = hashlib.md5(b"carol@example.org").hexdigest()
    ((_, line),) = owner_lines(flattr_log)
    assert line == (
        f"pelican-flattr: c.md: its thing {SITEURL}/notes.html changed owner from "
        f"'Carol Chen' (email:{digest[:8]}…) to 'Dmitri Ivanov' "
        "(partner:hackspace:1042), but Flattr keys a thing on its URL and keeps "
        "the owner it was created with (by its first flattr): a thing already "
        "flattred stays the old owner's, and its flattrs go on to it while this "
        "build's pages and manifest name the new one (one not flattred yet is "
        "created for the new one). Fix: if the change is a mistake, give it the "
        "old owner back (FLATTR_AUTHORS, or 'Flattr_owner:'); if not, whoever "
        "holds the old owner's identifier claims the flattrs of the things "
        "Flattr created by verifying it for their Flattr account (pelican-flattr "
        f"verify --identity email:{digest} --username THEIR_FLATTR_USERNAME); "
        "Flattr documents no way to give an existing thing another owner (said "
        "once: the baseline takes the new owner)"
    )
    # Carol's key taken out: her name is not known any more, her owner is.
    flattr_log.clear()
    files["c.md"] = article("Carol's notes", "Carol Chen", slug="notes")
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    flattr_log.clear()
    files["c.md"] = article("Carol's notes", "Dmitri Ivanov", slug="notes")
    del authors["Carol Chen"]
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    ((_, line),) = owner_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: c.md: its thing {SITEURL}/notes.html changed owner from "
        f"email:{digest[:8]}… to 'Dmitri Ivanov' (partner:hackspace:1042), but "
    ), line


def test_an_owner_this_version_refuses_is_not_advised_back(tmp_path, flattr_log):
    # An earlier version published twitter:user:id:00783214; this one
    # refuses it and says to write 783214. The owner change that follows
    # advised giving the old owner back, which the build refuses.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    text = baseline.read_text(encoding="utf-8")
    assert "twitter:user:id:9" in text
    baseline.write_text(
        text.replace("twitter:user:id:9", "twitter:user:id:00783214"), encoding="utf-8"
    )
    flattr_log.clear()
    new = {**AUTHORS, "Bob": "twitter:user:id:783214"}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=new)
    ((_, line),) = owner_lines(flattr_log)
    assert "give it the old owner back" not in line
    assert (
        "Fix: the old owner is one this version no longer publishes (its Twitter "
        "id has leading zeros, which no account's id has (the account's own "
        "owner is twitter:user:id:783214)), so whoever holds the old owner's "
        "identifier claims the flattrs of the things Flattr created by verifying "
        "it for their Flattr account (pelican-flattr verify --identity "
        "twitter:user:id:00783214 --username THEIR_FLATTR_USERNAME);"
    ) in line, line


@pytest.mark.parametrize("old", ["twitter:user:id:0", f"twitter:user:id:{'9' * 23}"])
def test_an_owner_no_account_holds_is_offered_neither_back_nor_a_claim(old):
    from pelican_flattr.url_guard import owner_change_fix

    fix = owner_change_fix(old, "whoever holds it claims them (pelican-flattr verify)")
    assert fix == (
        "the old owner is one this version no longer publishes (its Twitter id is "
        "no account's (those are whole numbers from 1 to 18446744073709551615)): "
        "no Flattr account can claim the flattrs of the things Flattr created for it"
    )


def test_an_owner_change_names_what_gave_the_new_owner(tmp_path, flattr_log):
    # multi.md names three authors, and Bob's entry alone gives its owner:
    # the warning named all three beside the new owner, as if Alice's
    # entry had changed too; and an owner the file's own Flattr_owner gave
    # was named as its author's, as if Bob's entry had changed. It names
    # the author whose entry gives the owner, or the field, or the setting.
    authors = {"Alice Andersson": "alice", "Bob Builder": "twitter:user:id:783214"}
    multi = article("Multi", "x", slug="multi").replace(
        "Author: x", "Authors: Eve Unmapped, Bob Builder, Alice Andersson"
    )
    files = {
        "multi.md": multi,
        "b.md": article("B", "Bob Builder", slug="b"),
        "c.md": article("C", "Bob Builder", slug="c"),
        "d.md": article("D", "Bob Builder", slug="d"),
        "g.md": article("G", "Gus Guest", slug="g"),
    }
    settings = {"FLATTR_AUTHORS": {**authors, "Gus Guest": "gus"}}
    build(tmp_path, files, **settings)
    files["c.md"] = article("C", "Bob Builder", slug="c", Flattr_owner="bob5")
    build(
        tmp_path,
        files,
        FLATTR_AUTHORS={**authors, "Bob Builder": "bob_flattrs"},
        FLATTR_USERNAME="siteowner",
        EXTRA_PATH_METADATA={"d.md": {"flattr_owner": "bob6"}},
    )
    lines = [line.partition(", but ")[0] for _, line in owner_lines(flattr_log)]
    assert lines == [
        f"pelican-flattr: g.md: its thing {SITEURL}/g.html changed owner from "
        "gus to siteowner (FLATTR_USERNAME)",
        f"pelican-flattr: c.md: its thing {SITEURL}/c.html changed owner from "
        "twitter:user:id:783214 to bob5 (Flattr_owner: in c.md)",
        f"pelican-flattr: d.md: its thing {SITEURL}/d.html changed owner from "
        "twitter:user:id:783214 to bob6 "
        "(EXTRA_PATH_METADATA['d.md']['flattr_owner'])",
        "pelican-flattr: 2 things (b.md and multi.md) changed owner from "
        "twitter:user:id:783214 to 'Bob Builder' (bob_flattrs)",
    ]


def test_an_owner_change_in_a_failed_strict_build_is_said_again(tmp_path, flattr_log):
    # A failed build keeps the old baseline, so the warning comes back on
    # every try: it said "said once", which was untrue there.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    new = {**AUTHORS, "Bob": "bob"}
    for _ in range(2):
        flattr_log.clear()
        fails_strict(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=new)
        ((_, line),) = owner_lines(flattr_log)
        assert line.endswith(
            "Flattr documents no way to give an existing thing another owner "
            "(said again until a build passes: a failed build keeps the old "
            "baseline)"
        )
    # The build that passes says it as the last time.
    flattr_log.clear()
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=new)
    ((_, line),) = owner_lines(flattr_log)
    assert line.endswith("(said once: the baseline takes the new owner)")
    flattr_log.clear()
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=new)
    assert owner_lines(flattr_log) == []


@pytest.mark.parametrize(
    "left_out",
    [{"IGNORE_FILES": ["a.md"]}, {"ARTICLE_EXCLUDES": ["old"]}],
    ids=["ignored", "excluded"],
)
def test_a_source_pelican_no_longer_reads_is_told_by_its_settings(
    tmp_path, flattr_log, left_out
):
    # The fix said that "the build says why it has none": neither Pelican
    # nor the build says a word of a file its settings leave out.
    files = {"old/a.md": article("Article A", "Alice", slug="first-slug")}
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, **left_out)
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: old/a.md: still in the content folder")
    assert (
        "or Pelican no longer reads it: IGNORE_FILES, ARTICLE_EXCLUDES or "
        "PAGE_EXCLUDES names it, or ARTICLE_PATHS and PAGE_PATHS leave out its "
        "folder)"
    ) in line


def test_an_owner_change_in_a_build_failed_after_its_guard_is_said_again(
    tmp_path, flattr_log
):
    # The guard passed and wrote its baseline with the new owner, then the
    # strict build failed on its manifest (FLATTR_MANIFEST naming a page):
    # the build that passed after it never said the owner change. The
    # failed build now puts the old baseline back, and leaves nothing else.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    folder = tmp_path / "cache" / "pelican-flattr"
    baseline = folder / "url-baseline.json"
    before = baseline.read_bytes()
    new = {**AUTHORS, "Bob": "bob"}
    flattr_log.clear()
    fails_strict(
        tmp_path, two_articles(), FLATTR_AUTHORS=new, FLATTR_MANIFEST="archives.html"
    )
    assert len(owner_lines(flattr_log)) == 1
    assert said_with(flattr_log, "FLATTR_MANIFEST")
    assert baseline.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["url-baseline.json"]
    flattr_log.clear()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=new, FLATTR_STRICT=True)
    ((_, line),) = owner_lines(flattr_log)
    assert line.endswith("(said once: the baseline takes the new owner)")
    assert baseline.read_bytes() != before
    assert sorted(p.name for p in folder.iterdir()) == ["url-baseline.json"]
    flattr_log.clear()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=new, FLATTR_STRICT=True)
    assert owner_lines(flattr_log) == []


def test_a_source_moved_with_its_url_and_another_owner_is_said(tmp_path, flattr_log):
    # A move is no URL change, but the thing at Flattr is the same one, with
    # its first owner; and a new file of another owner at a deleted one's
    # URL looks the same: said as a URL taken under another owner, until
    # resolved (see test_a_deleted_urls_reuse_by_another_owner_in_one_build).
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").unlink()
    moved = {"2019/a.md": article("Article A", "Bob", slug="first-slug")}
    build(tmp_path, moved, FLATTR_AUTHORS=AUTHORS)
    assert owner_lines(flattr_log) == []
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: a.md: gone from this build, and 2019/a.md now has its "
        f"thing URL {OLD}, owned by alice in the last build"
    ), line


def test_a_whole_authors_owner_change_is_one_line(tmp_path, flattr_log):
    files = {f"b{n}.md": article(f"Bob {n}", "Bob", slug=f"b{n}") for n in range(6)}
    files["a.md"] = article("Article A", "Alice", slug="a")
    address = "email:bob@example.org"
    build(tmp_path, files, FLATTR_AUTHORS={**AUTHORS, "Bob": address})
    build(tmp_path, files, FLATTR_AUTHORS={**AUTHORS, "Bob": "bob", "Alice": "al"})
    lines = [line for _, line in owner_lines(flattr_log)]
    # One line per old and new owner, however many things: Alice's one thing,
    # and Bob's six counted, a few named. The address is shown as the
    # baseline holds it, hashed.
    digest = hashlib.md5(b"bob@example.org").hexdigest()
    assert [line.partition(", but ")[0] for line in lines] == [
        f"pelican-flattr: a.md: its thing {SITEURL}/a.html changed owner from "
        "alice to 'Alice' (al)",
        "pelican-flattr: 6 things (b0.md, b1.md, b2.md and 3 more) changed owner "
        f"from email:{digest[:8]}… to 'Bob' (bob)",
    ]
    assert "stay with the Flattr account alice;" in lines[0]
    assert (
        f"pelican-flattr verify --identity email:{digest} "
        "--username THEIR_FLATTR_USERNAME)"
    ) in lines[1]
    assert all("@" not in line for line in lines)


@pytest.mark.parametrize("with_store", [False, True])
def test_the_suggested_verify_command_verifies_for_the_holder(
    tmp_path, flattr_log, monkeypatch, capsys, with_store
):
    # The warning's command ran as written verified the old owner's
    # identifier for the token's own account, the operator's (POST
    # /user/verify): the author's identity and its waiting flattrs went to
    # the site's partner account. It must name the holder's account. And it
    # recorded the verification in ./flattr-store.sqlite3, not in the
    # FLATTR_STORE the build and `pending` read: `pending` went on listing
    # the flattrs. It names the store the build knows, quoted for a shell.
    store = tmp_path / "private store" / "flattr.sqlite3"
    store.parent.mkdir()
    settings = {"FLATTR_STORE": str(store)} if with_store else {}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, **settings)
    new = {**AUTHORS, "Bob": "bob"}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=new, **settings)
    ((_, line),) = owner_lines(flattr_log)
    (command,) = re.findall(r"\((pelican-flattr verify [^)]*)\)", line)
    program, *args = shlex.split(command.replace("THEIR_FLATTR_USERNAME", "bob9"))
    assert program == "pelican-flattr"
    assert ("--store" in args) is with_store
    monkeypatch.setenv("FLATTR_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    with FlattrApiStub(users=frozenset({"bob9"})) as stub:
        status = main([*args, "--api-url", stub.url])
    assert status == 0, capsys.readouterr()
    assert [request.path for request in stub.requests] == ["/rest/v2/users/bob9/verify"]
    assert stub.identities() == ["twitter:user:id:9"]
    recorded_in = store if with_store else tmp_path / "flattr-store.sqlite3"
    assert f"Recorded in {recorded_in}" in capsys.readouterr().out


@pytest.mark.parametrize("strict", [False, True])
def test_many_owner_changes_are_counted_past_the_first_few(
    tmp_path, flattr_log, strict
):
    # 300 guest authors moved off the FLATTR_USERNAME fallback gave 300
    # warnings of 17 lines each: the first few are said, the rest counted.
    # A strict build passes on them (no flattr is lost), so its listing
    # names its manifest too: it said "this failed build removes its own".
    from pelican_flattr.url_guard import OWNER_CHANGES_SAID

    guests = [f"Guest {n:02}" for n in range(OWNER_CHANGES_SAID + 4)]
    files = {
        f"g{n:02}.md": article(f"Guest post {n}", guest, slug=f"g{n:02}")
        for n, guest in enumerate(guests)
    }
    files["g00-again.md"] = article("Guest post again", guests[0], slug="again")
    build(tmp_path, files, FLATTR_USERNAME="siteowner")
    mapped = {guest: f"guest{n:02}" for n, guest in enumerate(guests)}
    build(
        tmp_path,
        files,
        FLATTR_USERNAME="siteowner",
        FLATTR_AUTHORS=mapped,
        FLATTR_STRICT=strict,
    )
    lines = [line for _, line in owner_lines(flattr_log)]
    lines += [line for _, line in said_with(flattr_log, "more owner changes")]
    assert len(lines) == OWNER_CHANGES_SAID + 1
    assert lines[0].startswith(
        "pelican-flattr: 2 things (g00-again.md and g00.md) changed owner from "
        "siteowner to 'Guest 00' (guest00)"
    )
    # Each pair named: said once, one left out was named nowhere.
    assert lines[-1].startswith(
        "pelican-flattr: and 4 more owner changes, of 4 things (siteowner to "
        "guest05, siteowner to guest06, siteowner to guest07 and siteowner to "
        "guest08), each as those above"
    )
    # The command the URL changes' summary names, with this site's paths.
    manifest = tmp_path / "output" / "flattr-manifest.json"
    assert (
        f"pelican-flattr diff OLD_MANIFEST {manifest} --settings SETTINGS_FILE ("
        in lines[-1]
    )
    assert lines[-1].endswith("(said once: the baseline takes the new owner)")


def _entries():
    return [
        baseline_entry("https://x.example/a", "a.md", "alice"),
        baseline_entry("https://x.example/ü", "ü.md", "email:0123"),
    ]


@pytest.mark.parametrize(
    ("edit", "holds"),
    [
        (lambda data: data, True),
        (lambda data: data + b" ", False),
        (lambda data: data[:-1], False),
        (lambda data: data.replace(b"alice", b"alicf"), False),
        (lambda data: b"", False),
        (None, False),  # no file
    ],
)
def test_holds_baseline_compares_every_byte(tmp_path, edit, holds):
    path = tmp_path / "baseline.json"
    write_baseline(path, _entries())
    if edit is None:
        path.unlink()
    else:
        path.write_bytes(edit(path.read_bytes()))
    assert holds_baseline(path, iter(_entries())) is holds


@pytest.mark.parametrize(
    ("urls", "holds"),
    [
        (lambda: set(), True),
        (lambda: {"https://x.example/gone"}, False),  # a thing has it again
        (None, False),  # not told the build's URLs: any counts
    ],
)
def test_holds_baseline_passes_over_released_entries_no_thing_has(
    tmp_path, urls, holds
):
    # A URL let go stays in the baseline for good: it must neither send
    # every later build down the slow path nor hide a thing that has it.
    path = tmp_path / "baseline.json"
    gone = released_entry(baseline_entry("https://x.example/gone", "g.md", "carol"))
    write_baseline(path, next_baseline([], iter(_entries()), [], [gone]))
    assert holds_baseline(path, iter(_entries()), urls=urls) is holds
    # Damaged after the things: never taken for the same baseline.
    path.write_bytes(path.read_bytes().replace(b'"released": true', b"true"))
    assert not holds_baseline(path, iter(_entries()), urls=lambda: set())


def test_holds_baseline_of_released_entries_only(tmp_path):
    # The last article deleted and its URL accepted: no things, only the
    # released entry, which every build rewrote.
    path = tmp_path / "baseline.json"
    gone = released_entry(baseline_entry("https://x.example/gone", "g.md", "carol"))
    write_baseline(path, next_baseline([], iter([]), [], [gone]))
    assert holds_baseline(path, iter([]), urls=lambda: set())
    assert not holds_baseline(path, iter([]), urls=lambda: {gone["url"]})
    assert not holds_baseline(path, iter(_entries()), urls=lambda: set())
    write_baseline(path, [])
    assert holds_baseline(path, iter([]), urls=lambda: set())
    assert not holds_baseline(path, iter(_entries()), urls=lambda: set())


def test_next_baseline_puts_the_released_entries_last_sorted_by_url():
    # The build passes those it keeps idle, then those it lets go now:
    # each sorted, but not the two together.
    idle = released_entry(baseline_entry("https://x.example/z", "z.md", "carol"))
    let_go = released_entry(baseline_entry("https://x.example/b", "b.md", "carol"))
    assert list(next_baseline([], iter(_entries()), [], [idle, let_go])) == [
        *_entries(),
        let_go,
        idle,
    ]


@pytest.mark.parametrize("language", ["de", "pt-BR", 'a"b\u00e9'])
def test_a_language_sites_baseline_says_its_language(tmp_path, language):
    path = tmp_path / "baseline.json"
    write_baseline(path, _entries(), language)
    assert baseline_language(path) == language
    assert load_baseline(path) == _entries()
    assert holds_baseline(path, iter(_entries()), language)
    assert not holds_baseline(path, iter(_entries()))  # the main site's differs
    write_baseline(path, _entries())
    assert baseline_language(path) is None
    assert not holds_baseline(path, iter(_entries()), language)


def test_unused_language_baselines_are_the_marked_ones_no_build_used(tmp_path):
    main = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    write_baseline(main, _entries())

    def language_baseline(path, language):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_baseline(path, _entries(), language)
        return path

    de = language_baseline(
        tmp_path / "cache" / "de" / main.relative_to(tmp_path / "cache"), "de"
    )
    fr = language_baseline(
        tmp_path / "cache" / "fr" / main.relative_to(tmp_path / "cache"), "fr"
    )
    beside = language_baseline(main.with_name("url-baseline.it.json"), "it")
    # Not a language site's: a preview's own CACHE_PATH below this one, a
    # copy, and files that are no baseline at all.
    preview = tmp_path / "cache" / "preview" / "pelican-flattr" / "url-baseline.json"
    preview.parent.mkdir(parents=True)
    write_baseline(preview, _entries())
    write_baseline(main.with_name("url-baseline.old.json"), _entries())
    main.with_name("url-baseline.x.json").write_text("not json", encoding="utf-8")
    main.with_name("url-baseline.y.json").mkdir()
    assert unused_language_baselines(main, {de}) == [(fr, "fr"), (beside, "it")]
    assert unused_language_baselines(main, {de, fr, beside}) == []


@pytest.mark.parametrize(
    ("main_name", "marked", "found"),
    [
        # Not another site's (urls.blog.de.json, for urls.blog.json), nor
        # one marked with another language than its name gives.
        (
            "urls.json",
            {"urls.de.json": "de", "urls.blog.de.json": "de", "urls.it.json": "fr"},
            ["urls.de.json"],
        ),
        # Without a suffix: not one set aside.
        (
            "urls",
            {"urls.fr": "fr", "urls.fr.retired": "fr", "urls.fr.unreadable": "fr"},
            ["urls.fr"],
        ),
    ],
)
def test_a_baseline_set_elsewhere_finds_the_ones_named_for_their_language(
    tmp_path, main_name, marked, found
):
    main = tmp_path / main_name
    write_baseline(main, _entries())
    for name, language in marked.items():
        write_baseline(tmp_path / name, _entries(), language)
    expected = [(tmp_path / name, marked[name]) for name in found]
    assert unused_language_baselines(main, set()) == expected


def _json_containers(inner):
    # A function, not a lambda: Hypothesis reads a lambda's source to check
    # that it uses its argument, and misreads this one across lines.
    return st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=5), inner, max_size=3
    )


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    _json_containers,
    max_leaves=6,
)


def _dumped(entry):
    """``json.dumps`` of an entry, with what str.splitlines() ends a line at
    (U+0085, U+2028, U+2029) as ``\\u`` escapes, as the baseline writes it."""
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    for character in "\x85\u2028\u2029":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return text


@given(url=st.text(), source=st.text(), owner=st.text())
@example(url="https://x.example/a\u2028b", source="a\x85\u2029.md", owner="bob")
def test_a_baseline_line_is_its_entry_dumped(url, source, owner):
    entry = baseline_entry(url, source, owner)
    line = _baseline_line(entry)
    assert line == _dumped(entry)
    assert json.loads(line) == entry
    assert line.splitlines() == [line]


@given(
    entry=st.dictionaries(
        st.sampled_from(["url", "source", "owner", "note"]), _json_values
    )
)
def test_a_baseline_line_of_any_other_entry_is_json_dumps(entry):
    # Entries read back from an older or hand-edited baseline.
    assert _baseline_line(entry) == _dumped(entry)


def test_written_baseline_reads_back_whatever_its_text(tmp_path):
    entries = [
        baseline_entry('https://x.example/"q"', "dir\\a.md", "line\nbreak"),
        baseline_entry("https://x.example/\u2028", "\x00.md", "emoji \U0001f600"),
    ]
    path = tmp_path / "baseline.json"
    write_baseline(path, entries)
    assert load_baseline(path) == entries
    assert holds_baseline(path, iter(entries))


@pytest.mark.parametrize(
    ("line", "says"),
    [
        # A closing quote deleted: json counted from the line alone, and
        # the message said "line 1" of a file whose line 1 is "{".
        (
            '    {"owner": "bob", "source": "b.md, "url": "https://x.example/b"}',
            "not a readable baseline (line 4, column 40: Expecting ',' delimiter)",
        ),
        (
            '    {"owner": "bob", "source": "b.md", "url": 5}',
            'not a pelican-flattr URL baseline (line 4: an entry needs a "url" '
            'and a "source" text, and an "owner" it has is text; its "url" is of '
            "JSON type number)",
        ),
        # Written by hand from a list of URLs: the field it lacks is named.
        (
            '    {"url": "https://x.example/b"}',
            'not a pelican-flattr URL baseline (line 4: an entry needs a "url" '
            'and a "source" text, and an "owner" it has is text; its "source" is '
            "missing)",
        ),
        # An owner that is no text skipped the check of the thing's owner,
        # unsaid, and was rewritten as the new one.
        *(
            (
                f'    {{"owner": {owner}, "source": "b.md", "url": "https://x.example/b"}}',
                'not a pelican-flattr URL baseline (line 4: an entry needs a "url" '
                'and a "source" text, and an "owner" it has is text; its "owner" '
                f"is of JSON type {kind})",
            )
            for owner, kind in (
                ("5", "number"),
                ("null", "null"),
                ('["bob"]', "array"),
                ('{"x": 1}', "object"),
            )
        ),
        # Not an entry's line: read with the rest of the file.
        (
            "    [not json",
            "not a readable baseline (line 4, column 6: Expecting value)",
        ),
    ],
)
def test_a_damaged_baseline_is_reported_at_its_line(tmp_path, line, says):
    path = tmp_path / "baseline.json"
    entries = [baseline_entry(f"https://x.example/{n}", f"{n}.md", "o") for n in "ac"]
    write_baseline(path, entries)
    lines = path.read_text().splitlines()
    assert lines[3].startswith("    {")  # the second entry's line
    lines[3] = line + ","
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert str(raised.value) == f"{path}: {says}"


def _without_comma(lines, index):
    return lines[index].replace("},", "}")


@pytest.mark.parametrize(
    "damage",
    [
        # The comma between two entries' lines: each entry read as sound,
        # the file was taken though json refuses it.
        lambda lines: [*lines[:3], _without_comma(lines, 3), *lines[4:]],
        lambda lines: [*lines[:4], _without_comma(lines, 4), *lines[5:]],
        # So too with a blank line between them, or one wrapped by hand.
        lambda lines: [*lines[:3], _without_comma(lines, 3), "", *lines[4:]],
        lambda lines: [
            *lines[:3],
            _without_comma(lines, 3).replace(', "source"', ',\n      "source"'),
            *lines[4:],
        ],
        # One too many, after the last entry.
        lambda lines: [*lines[:5], lines[5] + ",", *lines[6:]],
    ],
    ids=["first", "second", "blank-line", "wrapped", "after-the-last"],
)
def test_a_baseline_with_a_comma_missing_or_too_many_is_refused(tmp_path, damage):
    path = tmp_path / "baseline.json"
    entries = [baseline_entry(f"https://x.example/{n}", f"{n}.md", "o") for n in "abc"]
    write_baseline(path, entries)
    lines = path.read_text().splitlines()
    assert [line.endswith("},") for line in lines[3:6]] == [True, True, False]
    path.write_text("\n".join(damage(lines)) + "\n")
    # Refused where json refuses the file, at its line.
    with pytest.raises(json.JSONDecodeError) as refused:
        json.loads(path.read_text())
    said = f"line {refused.value.lineno}, column {refused.value.colno}"
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert str(raised.value) == (
        f"{path}: not a readable baseline ({said}: {refused.value.msg})"
    )
    sources = {"other.md"}
    with pytest.raises(BaselineError):
        load_baseline(path, sources=sources)
    assert sources == {"other.md"}
    # Repaired by hand, its commas where json takes them, it is read.
    lines[3:6] = [lines[3].rstrip(","), "    ,", lines[4], "", lines[5]]
    path.write_text("\n".join(lines) + "\n")
    assert load_baseline(path) == entries


@pytest.mark.parametrize("version", ["true", "1.0", "2", '"1"'])
def test_a_baseline_of_another_version_is_refused(tmp_path, version):
    # True == 1 in Python, and 1.0 == 1: each was read as version 1.
    path = tmp_path / "baseline.json"
    path.write_text(f'{{"baseline_version": {version}, "things": []}}\n')
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert str(raised.value) == (
        f"{path}: not a pelican-flattr URL baseline, version 1 "
        f'("baseline_version" is {version}, not 1)'
    )
    path.write_text('{"baseline_version": 1, "things": []}\n')
    assert load_baseline(path) == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "line 1, column 1: Expecting value"),
        ("\n\n", "line 2, column 1: Expecting value"),
        # Entries alone, without the document around them.
        ('    {"url": "u", "source": "a.md"}\n', "line 1, column 1: Expecting value"),
        # Broken on the skeleton's last line, with an entry's line after
        # it: the line is the broken one, not the file's last.
        (
            '{"baseline_version": 1, "things": []}}\n'
            '    {"url": "u", "source": "a.md"}\n',
            "line 1, column 38: Extra data",
        ),
    ],
)
def test_a_baseline_with_nothing_around_its_entries_is_reported(tmp_path, text, says):
    path = tmp_path / "baseline.json"
    path.write_text(text)
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert str(raised.value) == f"{path}: not a readable baseline ({says})"


def test_baseline_survives_delete_output_directory(tmp_path, flattr_log):
    build(
        tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, DELETE_OUTPUT_DIRECTORY=True
    )
    build(
        tmp_path,
        two_articles(slug="renamed"),
        FLATTR_AUTHORS=AUTHORS,
        DELETE_OUTPUT_DIRECTORY=True,
    )
    assert len(guard_lines(flattr_log)) == 1


def test_guard_can_be_switched_off(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(
        tmp_path, two_articles(slug="x"), FLATTR_AUTHORS=AUTHORS, FLATTR_URL_GUARD=False
    )
    assert guard_lines(flattr_log) == []


def entry(url, source, owner="alice"):
    return {
        "url": url,
        "source": source,
        "owner": {"kind": "flattr_user", "value": owner},
    }


def test_compare_manifests():
    old = [entry("u1", "a.md"), entry("u2", "b.md"), entry("u3", "c.md")]
    new = [entry("u1", "a.md", owner="bob"), entry("u2b", "b.md"), entry("u4", "d.md")]
    diff = compare_manifests(old, new)
    assert [(c.source, c.old_url, c.new_url) for c in diff.url_changes] == [
        ("b.md", "u2", "u2b"),
        ("c.md", "u3", None),
    ]
    assert [(c.url, c.old_owner, c.new_owner) for c in diff.owner_changes] == [
        ("u1", "alice", "bob")
    ]
    assert [e["url"] for e in diff.added] == ["u4"]
    assert diff.orphans_flattrs
    assert not compare_manifests(new, new).orphans_flattrs


def test_baseline_holds_only_what_the_guard_compares(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    document = json.loads(baseline.read_text())
    assert document["baseline_version"] == 1
    assert {"url": OLD, "source": "a.md", "owner": "alice"} in document["things"]
    assert all(set(t) == {"url", "source", "owner"} for t in document["things"])
    baseline.write_text("{broken")
    build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in flattr_log.records]
    assert any(str(baseline) in m and "started a new baseline" in m for m in messages)
    assert guard_lines(flattr_log) == []  # nothing to compare with
    assert json.loads(baseline.read_text())["baseline_version"] == 1
    assert baseline.with_name(baseline.name + ".unreadable").read_text() == "{broken"


def test_baseline_rewritten_by_hand_in_another_layout_still_guards(
    tmp_path, flattr_log
):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    # Pretty-printed by another tool: no longer one thing per line.
    baseline.write_text(json.dumps(json.loads(baseline.read_text()), indent=2))
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")


@pytest.mark.parametrize(
    "bad_line",
    [
        '    {"url": 7, "source": "a.md"},\n',
        '    {"url": "https://x.example/", "source": "a.md",\n',
        "    {not json},\n",
        '    {"url": ' + "[" * 100_000 + "},\n",  # nested too deep for json
        None,  # the whole file a JSON list
    ],
)
def test_a_broken_baseline_line_starts_a_new_baseline(tmp_path, flattr_log, bad_line):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    if bad_line is None:
        baseline.write_text("[1, 2]\n")
    else:
        lines = baseline.read_text().splitlines(keepends=True)
        lines.insert(3, bad_line)
        baseline.write_text("".join(lines))
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in flattr_log.records]
    assert any(
        str(baseline) in m and "not a" in m and "started a new baseline" in m
        for m in messages
    ), messages
    assert guard_lines(flattr_log) == []
    things = json.loads(baseline.read_text())["things"]
    assert {t["url"] for t in things} == {
        "https://blog.example.org/second-slug.html",
        "https://blog.example.org/b.html",
    }


def _baseline_with_findings(tmp_path):
    """The baseline of ``two_articles``, its lines, with b.md's owner
    changed in it and a released entry (URL let go earlier) after the rest:
    an owner change to say and an entry to carry on, found as it is read."""
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    lines = baseline.read_text().splitlines(keepends=True)
    assert lines[3].startswith('    {"owner": "twitter:user:id:9", "source": "b.md"')
    lines[3] = lines[3].replace("twitter:user:id:9", "twitter:user:id:8")
    gone = released_entry(baseline_entry(f"{SITEURL}/gone.html", "gone.md", "alice"))
    lines[4] = lines[4].replace("}\n", "},\n")
    lines.insert(5, f"    {json.dumps(gone, sort_keys=True)}\n")
    return baseline, lines


def _released_in(baseline):
    return [t for t in json.loads(baseline.read_text())["things"] if "released" in t]


def test_a_baseline_read_again_whole_gives_each_finding_once(tmp_path, flattr_log):
    # Laid out both ways (an entry wrapped by hand), the baseline is read
    # a line at a time, then whole: what the guard found in the lines was
    # found again, the owner change said as two ("2 things (b.md and
    # b.md)", where diff says one), the released entry kept twice.
    baseline, lines = _baseline_with_findings(tmp_path)
    lines[4] = lines[4].replace(', "source"', ',\n      "source"')  # a.md's
    baseline.write_text("".join(lines))
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    ((_, message),) = owner_lines(flattr_log)
    assert message.startswith(
        f"pelican-flattr: b.md: its thing {SITEURL}/b.html changed owner from "
        "twitter:user:id:8 to 'Bob' (twitter:user:id:9)"
    ), message
    assert [t["source"] for t in _released_in(baseline)] == ["gone.md"]


def test_a_baseline_cut_off_mid_entry_tells_the_build_nothing(tmp_path, flattr_log):
    # Said to be moved aside and a new baseline started, it still had the
    # owner change of its first lines said (once: never again once
    # repaired and put back), and its released entry carried on.
    baseline, lines = _baseline_with_findings(tmp_path)
    damaged = "".join(lines[:5]) + lines[5].replace("}\n", "},\n")
    damaged += '    {"owner": "alice", "sou'
    baseline.write_text(damaged)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    aside = baseline.with_name("url-baseline.json.unreadable")
    assert aside.read_text() == damaged
    assert any(
        "not a readable baseline" in m and "started a new baseline" in m
        for _, m in said_with(flattr_log, str(aside))
    )
    assert owner_lines(flattr_log) == []
    assert _released_in(baseline) == []
    # Put back repaired, the change is said then.
    aside.write_text("".join(lines))
    aside.replace(baseline)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert len(owner_lines(flattr_log)) == 1


def test_a_baseline_missing_a_comma_between_entries_tells_the_build_nothing(
    tmp_path, flattr_log
):
    # Read a line at a time, it was taken as sound: the owner change of its
    # first entry said, its released entry carried on, and the file kept,
    # though json, and any other reader of it, refuses it.
    baseline, lines = _baseline_with_findings(tmp_path)
    assert lines[3].endswith("},\n") and lines[4].startswith("    {")
    damaged = "".join([*lines[:3], lines[3].replace("},", "}"), *lines[4:]])
    baseline.write_text(damaged)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    aside = baseline.with_name("url-baseline.json.unreadable")
    assert aside.read_text() == damaged
    assert any(
        "not a readable baseline (line 5, column 5: Expecting ',' delimiter)" in m
        and "started a new baseline" in m
        for _, m in said_with(flattr_log, str(aside))
    )
    assert owner_lines(flattr_log) == []
    assert _released_in(baseline) == []


# A URL that passes to another source passes its flattrs with it.


def test_a_url_taken_over_by_another_source_warns(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    # a.md moves to a new slug, and a new article takes the old one.
    files = {
        **two_articles(slug="first-slug-2019"),
        "c.md": article("Article C", "Alice", slug="first-slug"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: a.md: thing URL changed from {OLD} to "
        "https://blog.example.org/first-slug-2019.html, and c.md now has its old "
        f"thing URL {OLD}: the flattrs of that URL go to c.md's thing"
    )
    assert "give c.md another slug" in line and f"'Flattr_url: {OLD}' to a.md" in line
    # It repeats until accepted, and strict fails the build on it.
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    assert len(guard_lines(flattr_log)) == 2
    fails_strict_until_accepted(tmp_path, flattr_log, files)


def fails_strict_until_accepted(tmp_path, flattr_log, files):
    """A strict build of ``files`` fails on the guard's warning about OLD,
    which accepting the change silences for good."""
    with pytest.raises(FlattrBuildError):
        build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    assert guard_lines(flattr_log) == []


def test_two_sources_swapping_slugs_warn_for_both(tmp_path, flattr_log):
    same_owner = {"Alice": "alice", "Bob": "alice"}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=same_owner)
    swapped = {
        "a.md": article("Article A", "Alice", slug="b"),
        "b.md": article("Article B", "Bob", slug="first-slug"),
    }
    build(tmp_path, swapped, FLATTR_AUTHORS=same_owner)
    lines = guard_lines(flattr_log)
    assert len(lines) == 2
    assert any(
        line.startswith("pelican-flattr: a.md: ") and "b.md now" in line
        for line in lines
    )
    assert any(
        line.startswith("pelican-flattr: b.md: ") and "a.md now" in line
        for line in lines
    )


def test_a_source_moved_with_its_url_is_no_change(tmp_path, flattr_log):
    # a.md moved to 2019/a.md (or renamed) keeps its URL, and its flattrs go
    # on to the same article: reorganising the content folder warns nothing.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").unlink()
    files = {"2019/a.md": article("Article A", "Alice", slug="first-slug")}
    output = build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output)["2019/a.md"]["url"] == OLD
    assert guard_lines(flattr_log) == []


# A rename that changes only case (a.md to A.md) or Unicode normalization
# (old HFS+ kept names decomposed, NFD): on macOS and Windows the old name
# still opens the renamed file, so it must not count as still there. No
# such file system can be mounted here: a hard link is the old name that
# is the very same file, which Pelican is told to pass over (IGNORE_FILES),
# as there it lists only the new name.
CASE_RENAMES = [
    ("a.md", "A.md"),
    (unicodedata.normalize("NFD", "ä.md"), unicodedata.normalize("NFC", "ä.md")),
]


def renamed_in_place(tmp_path, old_name, new_name):
    """Build with ``old_name``, then rename it ``new_name`` with the old
    name kept as a hard link to it; the settings that leave it unread."""
    files = {old_name: article("Article A", "Alice", slug="first-slug")}
    authors = {"Alice": "alice"}
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    content = tmp_path / "content"
    (content / old_name).rename(content / new_name)
    os.link(content / new_name, content / old_name)
    return {"FLATTR_AUTHORS": authors, "IGNORE_FILES": [old_name]}


@pytest.mark.parametrize(("old_name", "new_name"), CASE_RENAMES, ids=["case", "nfd"])
def test_a_rename_the_file_system_still_finds_by_its_old_name_is_a_move(
    tmp_path, flattr_log, old_name, new_name
):
    settings = renamed_in_place(tmp_path, old_name, new_name)
    output = build(tmp_path, {}, FLATTR_STRICT=True, **settings)
    assert manifest_things(output)[new_name]["url"] == OLD
    assert guard_lines(flattr_log) == []


@pytest.mark.parametrize("owner", [None, ""], ids=["no-owner", "empty-owner"])
def test_a_source_moved_with_its_url_from_an_entry_without_an_owner_is_no_change(
    tmp_path, flattr_log, owner
):
    # An entry of an earlier version's baseline (or one written by hand)
    # has no owner, which tells no owner apart: the move is silent, never
    # "owned by  in the last build", and a strict build passes.
    old_entry = {"url": OLD, "source": "a.md"}
    if owner is not None:
        old_entry["owner"] = owner
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.parent.mkdir(parents=True)
    write_baseline(baseline, [old_entry])
    moved = {"2019/a.md": article("Article A", "Alice", slug="first-slug")}
    build(tmp_path, moved, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    assert baseline_things(tmp_path) == [
        {"owner": "alice", "source": "2019/a.md", "url": OLD}
    ]


def test_a_pin_of_a_kept_articles_url_leaves_its_thing_and_baseline(
    tmp_path, flattr_log
):
    # A new article pinning a.md's URL comes first in Pelican's order (it is
    # newer) and used to take a.md's thing, with its baseline entry.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    before = baseline.read_bytes()
    pinner = article("Article C", "Bob", flattr_url=OLD).replace(
        "2024-03-01", "2024-04-01"
    )
    output = build(tmp_path, {"c.md": pinner}, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    assert set(things) == {"a.md", "b.md"}
    assert things["a.md"]["url"] == OLD
    assert guard_lines(flattr_log) == []
    assert baseline.read_bytes() == before


@pytest.mark.parametrize(
    "without_a_thing", [{"flattr": "no"}, {"status": "draft"}, {"flattr_owner": "x:y"}]
)
def test_a_url_passing_to_a_new_source_while_its_file_stays_warns(
    tmp_path, flattr_log, without_a_thing
):
    # A move leaves no file behind: a.md is still there, opted out, a draft
    # or failing, and its flattrs would go to c.md, which pins its URL.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    files = {
        **two_articles(**without_a_thing),
        # Of a.md's owner: another's is said so (kept_owner).
        "c.md": article("Article C", "Alice", flattr_url=OLD),
    }
    output = build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output)["c.md"]["url"] == OLD
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        "pelican-flattr: a.md: still in the content folder but without a thing "
        f"in this build, and c.md now has its thing URL {OLD}: the flattrs of "
        "that URL go to c.md's thing. Fix: if the flattrs of the old URL are "
        "meant to go to c.md, add the old URL to FLATTR_ACCEPT_URL_CHANGES. If "
        "not, give c.md another thing URL (its slug, or its 'Flattr_url:'), and "
        "give a.md its thing back"
    ), line
    if without_a_thing == {"status": "draft"}:
        # The build says nothing of a draft: the fix says what it is.
        assert line.endswith("(publish it: it is a draft)"), line
    fails_strict_until_accepted(tmp_path, flattr_log, files)


def test_a_url_taken_while_its_file_stayed_is_still_no_move_once_it_is_gone(
    tmp_path, flattr_log
):
    # c.md took a.md's URL while a.md was a draft (warned, and kept
    # unresolved in the baseline); deleting a.md then is no move to c.md,
    # which was in the last build with that URL: the warning stays.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    taken = {
        **two_articles(status="draft"),
        "c.md": article("Article C", "Alice", slug="first-slug"),
    }
    build(tmp_path, taken, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: a.md: still in the content folder")
    (tmp_path / "content" / "a.md").unlink()
    del taken["a.md"]
    for _ in range(2):  # and again, until it is resolved
        flattr_log.clear()
        build(tmp_path, taken, FLATTR_AUTHORS=AUTHORS)
        (line,) = guard_lines(flattr_log)
        assert line.startswith(
            "pelican-flattr: a.md: gone from this build, and c.md (another "
            f"source of the last build) now has its thing URL {OLD}"
        ), line


def baseline_things(tmp_path):
    """The things of the URL guard's baseline, as the next build reads it."""
    return json.loads(tmp_path.joinpath(*BASELINE).read_text())["things"]


B_URL = "https://blog.example.org/b.html"
C_URL = "https://blog.example.org/c.html"
# a.md's URL taken by c.md: by a slug while a.md's changed, or by a pin
# while a.md opted out. Either way only a.md may stand for OLD in the
# baseline until the change is accepted.
TAKEN_OVER = {
    "a slug": (two_articles(slug="second-slug"), {"slug": "first-slug"}),
    "a pin": (two_articles(flattr="no"), {"flattr_url": OLD}),
}


def taken_over(tmp_path, flattr_log, how):
    """Build a.md and b.md, then again with c.md taking a.md's URL ``how``
    (a key of TAKEN_OVER); return that second build's files."""
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    kept, c_meta = TAKEN_OVER[how]
    files = {**kept, "c.md": article("Article C", "Bob", **c_meta)}
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: a.md: ") and "c.md now has its" in line
    # c.md is of the last build (deleting a.md now is no move), but the URL
    # waits for the change to be resolved: it is still a.md's.
    assert [t for t in baseline_things(tmp_path) if t["url"] == OLD] == [
        {"owner": "alice", "source": "a.md", "url": OLD},
        {
            "owner": "twitter:user:id:9",
            "source": "c.md",
            "unresolved": True,
            "url": OLD,
        },
    ]
    flattr_log.clear()
    return files


def assert_each_url_its_own(tmp_path, flattr_log):
    """The guard said nothing, and its baseline gives a.md its URL and c.md
    one of its own, with nothing left waiting."""
    assert guard_lines(flattr_log) == []
    assert baseline_things(tmp_path) == [
        {"owner": "twitter:user:id:9", "source": "b.md", "url": B_URL},
        {"owner": "twitter:user:id:9", "source": "c.md", "url": C_URL},
        {"owner": "alice", "source": "a.md", "url": OLD},
    ]


@pytest.mark.parametrize("how", TAKEN_OVER)
def test_a_url_taken_over_and_given_back_silences_the_guard(tmp_path, flattr_log, how):
    # Both undone: a.md has its URL again, c.md one of its own. The site is
    # the first build's and a new article; the baseline used to list c.md
    # for OLD too, and every later build reported c.md's "change" (a strict
    # one failed) until the URL was accepted or the baseline deleted.
    taken_over(tmp_path, flattr_log, how)
    files = {**two_articles(), "c.md": article("Article C", "Bob", slug="c")}
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    assert guard_lines(flattr_log) == []
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    assert_each_url_its_own(tmp_path, flattr_log)


def test_a_taker_giving_the_url_up_is_no_change_of_its_own(tmp_path, flattr_log):
    # c.md follows the advice and takes another slug while a.md stays at
    # its new one: a.md's change is still unresolved, and only it is said.
    taken_over(tmp_path, flattr_log, "a slug")
    files = {
        **two_articles(slug="second-slug"),
        "c.md": article("Article C", "Bob", slug="c"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    lines = guard_lines(flattr_log)
    assert len(lines) == 1 and lines[0].startswith(
        f"pelican-flattr: a.md: thing URL changed from {OLD} to "
        "https://blog.example.org/second-slug.html: the flattrs given to the old "
        "URL stay with the old URL, and the new URL starts with none"
    ), lines
    # Pinned back as advised: silent from then on.
    pinned = two_articles(slug="second-slug", flattr_url=OLD)
    flattr_log.clear()
    build(tmp_path, pinned, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []


@pytest.mark.parametrize("how", TAKEN_OVER)
def test_a_url_taken_over_and_accepted_passes_to_the_taker(tmp_path, flattr_log, how):
    files = taken_over(tmp_path, flattr_log, how)
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    # c.md is Bob's, a.md Alice's: the build that accepts it says, once,
    # that Flattr keeps the thing with her.
    (line,) = guard_lines(flattr_log)
    assert "owned by alice in the last build" in line
    assert line.endswith(
        "so this build gives the URL to c.md permanently. If that "
        "is not meant, remove it from FLATTR_ACCEPT_URL_CHANGES and give c.md "
        "another URL"
    ), line
    flattr_log.clear()
    assert [t for t in baseline_things(tmp_path) if t["url"] == OLD] == [
        {"owner": "twitter:user:id:9", "source": "c.md", "url": OLD}
    ]
    # Accepted once is accepted: the next build, without the setting, passes.
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    # And the URL is c.md's now, guarded as any other.
    files["c.md"] = article("Article C", "Bob", slug="c")
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: c.md: thing URL changed from {OLD} to {C_URL}"
    ), line


def test_a_url_an_earlier_baseline_gave_two_sources_is_accepted_once(
    tmp_path, flattr_log
):
    # An earlier version wrote the taker plainly: which of the two had the
    # URL is not in the file, so the change stays reported (on the taker)
    # until accepted, once, as the README says.
    files = {**two_articles(), "c.md": article("Article C", "Bob", slug="c")}
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    write_baseline(
        tmp_path.joinpath(*BASELINE),
        [
            baseline_entry(B_URL, "b.md", "twitter:user:id:9"),
            baseline_entry(OLD, "a.md", "alice"),
            baseline_entry(OLD, "c.md", "twitter:user:id:9"),
        ],
    )
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: c.md: thing URL changed from {OLD}")
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    # Said once as it is accepted: a.md is Alice's, the entry c.md's Bob's.
    (line,) = guard_lines(flattr_log)
    assert "permanently" in line and "owned by twitter:user:id:9" in line, line
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    assert_each_url_its_own(tmp_path, flattr_log)


def released(tmp_path, flattr_log, authors=AUTHORS):
    """Build a.md and b.md; delete a.md and accept its URL OLD, then build
    again without the setting, as the guard advises: OLD is let go, and
    the baseline keeps it released with its last source and owner. Return
    the files left (b.md's)."""
    build(tmp_path, two_articles(), FLATTR_AUTHORS=authors)
    (tmp_path / "content" / "a.md").unlink()
    files = {"b.md": two_articles()["b.md"]}
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    (entry,) = [t for t in baseline_things(tmp_path) if t["url"] == OLD]
    assert entry["released"] is True and entry["source"] == "a.md"
    flattr_log.clear()
    return files


# The authors once Alice's one article is gone (a strict build refuses a key
# that names no author).
BOB = {"Bob": AUTHORS["Bob"]}
ALICE_BY_EMAIL = hashlib.md5(b"alice@example.org").hexdigest()


@pytest.mark.parametrize("alice", ["alice", "email:alice@example.org"])
def test_a_released_url_reused_under_another_owner_warns(tmp_path, flattr_log, alice):
    # Flattr keeps the thing at OLD with Alice, whose article had it: a new
    # article of Bob's at the same slug gives Bob's readers' flattrs to her.
    # Accepted and out of the baseline, OLD used to be a new thing, unsaid.
    authors = {**AUTHORS, "Alice": alice}
    shown = "alice" if alice == "alice" else f"email:{ALICE_BY_EMAIL}"
    files = released(tmp_path, flattr_log, authors)
    files["c.md"] = article("Article C", "Bob", slug="first-slug")
    # Hedged: an owner change before the URL was let go was said once, and
    # the thing stays with whoever owned it when Flattr created it.
    claim = (
        ""
        if alice == "alice"
        else f"; whoever holds {shown} claims them by verifying it for their "
        f"Flattr account (pelican-flattr verify --identity {shown} "
        "--username THEIR_FLATTR_USERNAME)"
    )
    expected = (
        f"pelican-flattr: c.md: its thing URL {OLD} was a.md's, owned by {shown} "
        "when FLATTR_ACCEPT_URL_CHANGES released it in an earlier build, and "
        "twitter:user:id:9's now; but Flattr "
        "keeps the owner a thing was created with, so a thing already flattred "
        f"there takes the flattrs of c.md to {shown} (or to whoever owned it when "
        f"it was created){claim}. Fix: give c.md another thing URL (change its "
        "slug, or pin it another URL with a Flattr_url: line), or, if its flattrs "
        f"are meant to go to {shown}, add {OLD} to FLATTR_ACCEPT_URL_CHANGES for "
        "one build"
    )
    for _ in range(2):  # said again until resolved
        build(tmp_path, files, FLATTR_AUTHORS=BOB)
        assert guard_lines(flattr_log) == [expected]
        flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STRICT=True)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [expected]
    if claim:
        # Run as written, the claim recorded in ./flattr-store.sqlite3, which
        # neither the build nor pending reads: it names the site's store.
        store = tmp_path / "private dir" / "flattr.sqlite3"
        flattr_log.clear()
        build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STORE=str(store))
        assert guard_lines(flattr_log) == [
            expected.replace(
                "THEIR_FLATTR_USERNAME)",
                f"THEIR_FLATTR_USERNAME --store {shlex.quote(str(store))})",
            )
        ]
    # The released entry stays until then, and c.md waits at OLD.
    assert [t for t in baseline_things(tmp_path) if t["url"] == OLD] == [
        {
            "owner": "twitter:user:id:9",
            "source": "c.md",
            "unresolved": True,
            "url": OLD,
        },
        {"owner": shown, "released": True, "source": "a.md", "url": OLD},
    ]
    text = tmp_path.joinpath(*BASELINE).read_text()
    assert "alice@example.org" not in text
    assert not [r for r in flattr_log.records if "alice@" in r.getMessage()]


@pytest.mark.parametrize(
    ("author", "authors", "accepted"),
    [
        # The same owner: Flattr's thing at OLD is hers, and so are the
        # flattrs: the URL is simply c.md's, silently.
        ("Alice", AUTHORS, []),
        # Another owner, its reuse said, then accepted once as the warning
        # advises: c.md's from then on, and not said again.
        ("Bob", BOB, [OLD]),
    ],
)
def test_a_released_url_becomes_the_new_things(
    tmp_path, flattr_log, author, authors, accepted
):
    files = released(tmp_path, flattr_log)
    files["c.md"] = article("Article C", author, slug="first-slug")
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    assert len(guard_lines(flattr_log)) == len(accepted)
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=authors, FLATTR_ACCEPT_URL_CHANGES=accepted)
    for _ in range(2):
        build(tmp_path, files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    assert [t for t in baseline_things(tmp_path) if t["url"] == OLD] == [
        {"owner": authors[author], "source": "c.md", "url": OLD}
    ]


@pytest.mark.parametrize("strict", [False, True])
def test_a_released_url_still_accepted_is_said_as_it_is_handed_over(
    tmp_path, flattr_log, strict
):
    # An accepted URL is often left in the setting for good. Reused then by
    # another owner's article, the change was accepted in silence (but for
    # the setting's generic "still listed"), the flattrs going to the old
    # owner: said once, as the build that hands the URL over passes. A
    # warning even when strict: the change is accepted, and a failed build
    # would keep the old baseline, saying it (and failing) on every build.
    files = released(tmp_path, flattr_log)
    files["c.md"] = article("Article C", "Bob", slug="first-slug")
    build(
        tmp_path,
        files,
        FLATTR_AUTHORS=BOB,
        FLATTR_ACCEPT_URL_CHANGES=[OLD],
        FLATTR_STRICT=strict,
    )
    (line,) = guard_lines(flattr_log)
    assert [level for level, _ in said_with(flattr_log, "flattrs")] == ["WARNING"]
    assert line.startswith(
        f"pelican-flattr: c.md: its thing URL {OLD} was a.md's, owned by alice when "
    ) and line.endswith(
        f"FLATTR_ACCEPT_URL_CHANGES lists {OLD}, so this build gives the URL to "
        "c.md permanently. If that is not meant, remove it from "
        "FLATTR_ACCEPT_URL_CHANGES and give c.md another URL"
    ), line
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []


def test_a_released_url_no_thing_has_stays_silent_and_kept(tmp_path, flattr_log):
    files = released(tmp_path, flattr_log)
    files["c.md"] = article("Article C", "Bob", slug="c")  # a change elsewhere
    for strict in (False, True, True):
        build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STRICT=strict)
    assert guard_lines(flattr_log) == []
    assert baseline_things(tmp_path)[-1] == {
        "owner": "alice",
        "released": True,
        "source": "a.md",
        "url": OLD,
    }


def test_more_released_urls_reused_than_said_are_summed_up_apart(tmp_path, flattr_log):
    # Counted with the last build's URLs, they were called "not this
    # build's" (they are), and pelican-flattr diff was said to list them
    # (it reads manifests, which never hold a released URL).
    urls = [f"{SITEURL}/s{n:02}.html" for n in range(22)]
    alice = {
        f"a{n:02}.md": article(f"A {n}", "Alice", slug=f"s{n:02}") for n in range(22)
    }
    files = {"b.md": two_articles()["b.md"]}
    build(tmp_path, {**alice, **files}, FLATTR_AUTHORS=AUTHORS)
    for name in alice:
        (tmp_path / "content" / name).unlink()
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_ACCEPT_URL_CHANGES=urls)
    flattr_log.clear()
    bob = {f"c{n:02}.md": article(f"C {n}", "Bob", slug=f"s{n:02}") for n in range(22)}
    fails_strict(tmp_path, bob, FLATTR_AUTHORS=BOB)
    reused = [m for m in guard_lines(flattr_log) if "released it" in m]
    assert len(reused) == 20
    baseline = tmp_path.joinpath(*BASELINE)
    assert said_with(flattr_log, "released earlier") == [
        (
            "ERROR",
            "pelican-flattr: 22 thing URLs of this build were released earlier under "
            "other owners: the first 20 are said above, each with its fix, the "
            f"others once those are fixed; each is an entry of {baseline} marked "
            '"released" whose URL a thing of this build has',
        )
    ]
    # Said with the other kinds, after them; theirs unchanged.
    (tmp_path / "content" / "b.md").unlink()
    flattr_log.clear()
    build(tmp_path, {}, FLATTR_AUTHORS=BOB)
    (summary,) = said_with(flattr_log, "of the last build is not")
    assert summary[1].startswith(
        "pelican-flattr: 1 thing URL of the last build is not this build's: 1 "
        "thing gone from this build. 22 thing URLs of this build were released"
    )


def test_as_many_released_urls_reused_as_are_said_are_not_summed_up():
    # All 20 are said: the summary, there for the changed URLs past 20,
    # says nothing of "the others once those are fixed".
    from pelican_flattr.url_guard import SAID_OF_EACH_KIND

    reused = [
        UrlChange(
            f"a{n}.md", f"{SITEURL}/s{n}.html", None, f"c{n}.md", released_owner="alice"
        )
        for n in range(SAID_OF_EACH_KIND)
    ]
    changed = [
        UrlChange(f"p{n}.md", f"{SITEURL}/p{n}.html", f"{SITEURL}/p{n}-new.html")
        for n in range(SAID_OF_EACH_KIND + 1)
    ]
    said, unsaid, summary = url_change_warnings(
        [*changed, *reused], "pelican-flattr diff", Path("b")
    )
    assert (len(said), len(unsaid)) == (2 * SAID_OF_EACH_KIND, 1)
    assert summary.startswith(
        "21 thing URLs of the last build are not this build's: 21 thing URLs "
        "changed; the first 20 of each kind are said below"
    )
    assert "the others once those are fixed" not in summary


@pytest.mark.parametrize("alike", [True, False])
def test_the_released_urls_reused_are_said_where_they_stand(alike):
    # The summary is said first when the changes share a shape: it still
    # said the reused URLs' messages were "above", printed after it.
    from pelican_flattr.url_guard import SAID_OF_EACH_KIND

    reused = [
        UrlChange(
            f"a{n}.md", f"{SITEURL}/s{n}.html", None, f"c{n}.md", released_owner="alice"
        )
        for n in range(SAID_OF_EACH_KIND + 1)
    ]
    # Five moved alike to posts/, or two, too few to share a shape.
    changed = [
        UrlChange(f"p{n}.md", f"{SITEURL}/p{n}.html", f"{SITEURL}/posts/p{n}.html")
        for n in range(5 if alike else 2)
    ]
    _, _, summary = url_change_warnings(
        [*changed, *reused], "pelican-flattr diff", Path("b")
    )
    where = "below" if alike else "above"
    assert ("changed alike" in summary) is alike, summary
    assert (
        f"{SAID_OF_EACH_KIND + 1} thing URLs of this build were released earlier "
        f"under other owners: the first {SAID_OF_EACH_KIND} are said {where}"
    ) in summary, summary


def test_an_unchanged_build_after_a_release_compares_nothing(tmp_path, flattr_log):
    files = released(tmp_path, flattr_log)
    baseline = tmp_path.joinpath(*BASELINE)
    before = baseline.stat()
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STRICT=True)
    after = baseline.stat()
    # Not compared nor written again: the same file, untouched.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert guard_lines(flattr_log) == []
    assert [t["url"] for t in baseline_things(tmp_path)] == [B_URL, OLD]


@pytest.mark.parametrize("layout", ["one entry a line", "pretty-printed"])
def test_a_released_urls_source_is_no_source_of_the_last_build(
    tmp_path, flattr_log, layout
):
    # a.md was deleted and its URL let go (released); b.md renamed to a.md
    # since, keeping its slug, is a move: the released entry's a.md is no
    # source of the last build that would have taken b.md's URL.
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.parent.mkdir(parents=True)
    b_entry = baseline_entry(B_URL, "b.md", AUTHORS["Bob"])
    gone = released_entry(baseline_entry(OLD, "a.md", "alice"))
    write_baseline(baseline, next_baseline([], iter([b_entry]), [], [gone]))
    if layout == "pretty-printed":
        # Read as one document, not a line at a time: the same data.
        document = json.loads(baseline.read_text())
        baseline.write_text(json.dumps(document, indent=4))
        assert '\n    {"' not in baseline.read_text()
    sources = set()
    assert load_baseline(baseline, sources=sources) == [b_entry, gone]
    assert sources == {"b.md"}
    renamed = {"a.md": article("Article B", "Bob", slug="b")}
    build(tmp_path, renamed, FLATTR_AUTHORS=BOB, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []


@pytest.mark.parametrize(
    ("without_a_thing", "fix"),
    [
        # The build knows a draft: publishing it gives the thing back.
        ({"status": "draft"}, "a.md is a draft: publish it to give it its thing"),
        # The build says nothing of an opt-out: the guard names it.
        ({"flattr": "no"}, "a.md opts out: remove its 'Flattr: no'"),
        # Quoted as the file writes it: a search for 'Flattr: no' finds
        # nothing in this one.
        ({"flattr": "False"}, "a.md opts out: remove its 'Flattr: False'"),
        # A draft that opts out: publishing it, or removing its opt-out,
        # alone gives it no thing.
        (
            {"status": "draft", "flattr": "no"},
            "a.md is a draft, and opts out: publish it and remove its 'Flattr: "
            "no' to give it its thing back",
        ),
        # Nor does the build say anything of an empty 'Save_as:' (no page).
        (
            {"save_as": ""},
            "a.md has no page, as its 'Save_as:' is empty: remove it to give it "
            "its thing back",
        ),
        # Both reasons said: removing either line alone gives it no thing.
        (
            {"save_as": "", "flattr": "no"},
            "a.md has no page, as its 'Save_as:' is empty, and opts out: remove "
            "its 'Save_as:' and remove its 'Flattr: no' to give it its thing back",
        ),
    ],
)
def test_a_source_without_a_thing_is_not_called_gone(
    tmp_path, flattr_log, without_a_thing, fix
):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, two_articles(**without_a_thing), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        "pelican-flattr: a.md: still in the content folder but without a thing "
        f"in this build, so its thing {OLD} is orphaned (its flattrs stay with "
        f"that URL). Fix: {fix}"
    ), line


@pytest.mark.parametrize("status", ["", "published"])
def test_an_article_held_back_for_its_future_date_is_not_told_to_publish(
    tmp_path, flattr_log, status
):
    # Pelican makes an article dated after now a draft while
    # WITH_FUTURE_DATES is False: told "publish it", its author added
    # 'Status: published', and Pelican made it a draft again.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    files = two_articles()
    files["a.md"] = files["a.md"].replace("Date: 2024-03-01", "Date: 2099-03-01")
    if status:
        files["a.md"] = files["a.md"].replace("\n\n", f"\nStatus: {status}\n\n", 1)
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, WITH_FUTURE_DATES=False)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        "pelican-flattr: a.md: still in the content folder but without a thing "
        f"in this build, so its thing {OLD} is orphaned (its flattrs stay with "
        "that URL). Fix: a.md is dated in the future, which Pelican holds back "
        "as a draft while WITH_FUTURE_DATES is False: give it back a date that "
        "has come, or set WITH_FUTURE_DATES = True to give it its thing back"
    ), line


@pytest.mark.parametrize(
    ("date", "fix"),
    [
        # Told only "publish it", its author did, and Pelican held it back
        # for its date still.
        (
            "Date: 2099-03-01 10:00\n",
            "a.md is a draft, and dated in the future, which Pelican holds back "
            "while WITH_FUTURE_DATES is False: publish it, and give it back a "
            "date that has come, or set WITH_FUTURE_DATES = True",
        ),
        # A date that has come, or none (Pelican dates such a draft at the
        # end of time): a draft, no more.
        ("Date: 2024-02-01 10:00\n", "a.md is a draft: publish it"),
        ("", "a.md is a draft: publish it"),
    ],
    ids=["future", "past", "undated"],
)
def test_a_draft_is_told_each_thing_that_holds_it_back(tmp_path, flattr_log, date, fix):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    files = two_articles(status="draft")
    files["a.md"] = files["a.md"].replace("Date: 2024-03-01 10:00\n", date)
    assert ("Date:" in files["a.md"]) == bool(date)
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, WITH_FUTURE_DATES=False)
    (line,) = guard_lines(flattr_log)
    assert f"Fix: {fix} to give it its thing back" in line, line


def test_a_draft_page_dated_in_the_future_is_told_only_to_publish_it(
    tmp_path, flattr_log
):
    # Pelican holds back articles for their date, never a page: told to
    # give it a date that has come, its author changed what held nothing.
    files = {**two_articles(), "pages/about.md": article("About", "Alice")}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_PAGES": True}
    build(tmp_path, files, **settings)
    files["pages/about.md"] = article("About", "Alice", status="draft").replace(
        "Date: 2024-03-01", "Date: 2099-03-01"
    )
    build(tmp_path, files, WITH_FUTURE_DATES=False, **settings)
    (line,) = guard_lines(flattr_log)
    assert "Fix: pages/about.md is a draft: publish it to give it" in line, line


# Each source with its save_as emptied by a setting, and the setting its
# fix must name: Pelican's for its kind, the LANG_ twin for a translation,
# and an entry of EXTRA_PATH_METADATA (no 'Save_as:' line to remove).
SAVE_AS_EMPTIED = {
    "a page": (
        "pages/about.md",
        {"PAGE_SAVE_AS": ""},
        "PAGE_SAVE_AS is empty: give PAGE_SAVE_AS its pages' path back",
    ),
    "a translation": (
        "fr.md",
        {"ARTICLE_LANG_SAVE_AS": ""},
        "ARTICLE_LANG_SAVE_AS is empty: give ARTICLE_LANG_SAVE_AS its pages' path",
    ),
    "a path's entry": (
        "a.md",
        {"EXTRA_PATH_METADATA": {"a.md": {"save_as": ""}}},
        "EXTRA_PATH_METADATA['a.md']['save_as'] is empty: give "
        "EXTRA_PATH_METADATA['a.md']['save_as'] its pages' path back",
    ),
}


@pytest.mark.parametrize("case", list(SAVE_AS_EMPTIED))
def test_a_save_as_a_setting_empties_is_named_for_the_setting(
    tmp_path, flattr_log, case
):
    source, emptied, fix = SAVE_AS_EMPTIED[case]
    files = {
        **two_articles(),
        "fr.md": article("Article A", "Alice", slug="first-slug", lang="fr"),
        "pages/about.md": article("About", "Alice"),
    }
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_PAGES": True}
    build(tmp_path, files, **settings)
    build(tmp_path, files, **settings, **emptied)
    (line,) = [line for line in guard_lines(flattr_log) if f"{source}:" in line]
    assert f"Fix: {source} has no page, as {fix}" in line, line


@pytest.mark.parametrize(
    ("settings", "fix"),
    [
        (
            {"EXTRA_PATH_METADATA": {"a.md": {"flattr": "no"}}},
            "a.md opts out: remove 'flattr' from EXTRA_PATH_METADATA['a.md'] to "
            "give it its thing back",
        ),
        (
            {"DEFAULT_METADATA": {"flattr": False}},
            "a.md opts out: remove 'flattr' from DEFAULT_METADATA to give it",
        ),
        # With no page either: both settings' fixes, or it still has none.
        (
            {"EXTRA_PATH_METADATA": {"a.md": {"flattr": "no", "save_as": ""}}},
            "a.md has no page, as EXTRA_PATH_METADATA['a.md']['save_as'] is "
            "empty, and opts out: give EXTRA_PATH_METADATA['a.md']['save_as'] "
            "its pages' path back and remove 'flattr' from "
            "EXTRA_PATH_METADATA['a.md'] to give it its thing back",
        ),
    ],
)
def test_an_opt_out_a_setting_gives_is_named_for_the_setting(
    tmp_path, flattr_log, settings, fix
):
    # 'Flattr: no' given by EXTRA_PATH_METADATA: the fix told the author to
    # remove a line the file does not hold.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, **settings)
    lines = [line for line in guard_lines(flattr_log) if "a.md" in line]
    assert lines, guard_lines(flattr_log)
    assert f"Fix: {fix}" in lines[0], lines[0]


def test_a_pin_a_setting_gives_is_named_for_the_setting(tmp_path, flattr_log):
    # The README pins old URLs through EXTRA_PATH_METADATA: the fix of a
    # pin changed there named the file, which holds no such line.
    pinned = f"{SITEURL}/posts/first-slug.html"
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "EXTRA_PATH_METADATA": {"a.md": {"flattr_url": pinned}},
    }
    build(tmp_path, two_articles(), **settings)
    settings["EXTRA_PATH_METADATA"] = {"a.md": {"flattr_url": pinned + "x"}}
    build(tmp_path, two_articles(), **settings)
    (line,) = guard_lines(flattr_log)
    assert (
        f"Fix: set EXTRA_PATH_METADATA['a.md']['flattr_url'] to '{pinned}' to keep "
        "its flattrs"
    ) in line, line
    # The file moved: the entry that pins it names no file now.
    settings["EXTRA_PATH_METADATA"] = {"a.md": {"flattr_url": pinned}}
    build(tmp_path, two_articles(), **settings)
    flattr_log.clear()
    (tmp_path / "content" / "a.md").unlink()
    build(tmp_path, {"2019/a.md": two_articles()["a.md"]}, **settings)
    (line,) = [line for line in guard_lines(flattr_log) if "a.md:" in line]
    assert (
        "Fix: if a.md was renamed or moved, give EXTRA_PATH_METADATA['a.md'], "
        "which pins the old URL, its new path as its key. If it was removed on "
        "purpose"
    ) in line, line
    # An entry of the old path that pins another URL is none of its pin:
    # rekeying it would not keep the old URL.
    (tmp_path / "content" / "2019" / "a.md").unlink()
    tmp_path.joinpath(*BASELINE).unlink()
    build(tmp_path, two_articles(), **settings)
    flattr_log.clear()
    (tmp_path / "content" / "a.md").unlink()
    settings["EXTRA_PATH_METADATA"] = {"a.md": {"flattr_url": pinned + "x"}}
    build(tmp_path, {"2019/a.md": two_articles()["a.md"]}, **settings)
    (line,) = [line for line in guard_lines(flattr_log) if "a.md:" in line]
    assert "pins the old URL" not in line, line
    assert f"moved, add 'Flattr_url: {pinned}' to its metadata" in line, line


@pytest.mark.parametrize(
    ("slug", "pin", "why"),
    [
        # The old URL escaped, as a browser's address bar copies it.
        (
            "über-bücher",
            BOOKS_ESCAPED,
            ". Its 'Flattr_url:' line now holds the old URL written another way. "
            "Flattr keys a thing on its exact URL, so it takes that for another "
            "thing",
        ),
        # The pin wins over the slug: writing the old slug back keeps no
        # thing at the old URL.
        (
            "new-slug",
            f"{SITEURL}/new-slug.html",
            " to keep its flattrs. Then its page's og:url and button name the "
            "old URL, so the web server must redirect the old URL to the page",
        ),
    ],
    ids=["escaped", "another-url"],
)
def test_a_files_own_pin_is_changed_not_added(
    tmp_path, flattr_log, capsys, slug, pin, why
):
    # With a 'Flattr_url:' line in the file, the fix said to add one: the
    # reader thought it done already.
    first = {"a.md": article("Article A", "Alice", Slug="über-bücher")}
    output = build(tmp_path, first, FLATTR_AUTHORS=ALICE)
    manifests = tmp_path / "old.json", output / "flattr-manifest.json"
    manifests[0].write_bytes(manifests[1].read_bytes())
    pinned = {"a.md": article("Article A", "Alice", Slug=slug, Flattr_url=pin)}
    build(tmp_path, pinned, FLATTR_AUTHORS=ALICE)
    fix = (
        f"change the Flattr_url of a.md to 'Flattr_url: {BOOKS}'{why}. Or, if the "
        "change is deliberate, add the old URL to FLATTR_ACCEPT_URL_CHANGES in "
        "the settings"
    )
    (line,) = guard_lines(flattr_log)
    assert line.endswith(f"Fix: {fix}"), line
    # diff says the same given the settings, which it reads the file with.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('PATH = "content"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", *map(str, manifests), "--settings", str(conf), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["url_changed"]
    assert change["fix"] == fix
    # Done as said, the thing is back at its URL.
    flattr_log.clear()
    fixed = {"a.md": article("Article A", "Alice", Slug=slug, Flattr_url=BOOKS)}
    output = build(tmp_path, fixed, FLATTR_AUTHORS=ALICE, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    assert manifest_things(output)["a.md"]["url"] == BOOKS


def test_diff_with_the_settings_gives_the_builds_fixes(tmp_path, flattr_log, capsys):
    # The README says that diff --settings follows the guard's whole rule,
    # but of a draft and an empty save_as diff gave its generic note, and of
    # a pin EXTRA_PATH_METADATA gives, a 'Flattr_url:' line to add to the
    # file, where the build named the draft, the setting and the entry. Nor
    # may an opt-out the entry gives be told as a line of the file.
    files = {
        f"{name}.md": article(f"Great Post {name}", "Alice", slug=name)
        for name in "abcde"
    }
    settings = {"FLATTR_AUTHORS": AUTHORS}
    output = build(tmp_path, files, **settings)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    files["a.md"] = article("Great Post a", "Alice", slug="a", status="draft")
    files["b.md"] = article("Great Post b", "Alice", slug="b", save_as="")
    by_path = {
        "c.md": {"save_as": ""},
        "d.md": {"flattr_url": f"{SITEURL}/other.html"},
        "e.md": {"flattr": "no"},
    }
    build(tmp_path, files, EXTRA_PATH_METADATA=by_path, **settings)
    fixes = dict(
        re.match(r"pelican-flattr: (\S+): .*?\. Fix: (.*)", line).groups()
        for line in guard_lines(flattr_log)
    )
    assert fixes["a.md"].startswith("a.md is a draft: publish it"), fixes
    assert fixes["b.md"].startswith("b.md has no page, as its 'Save_as:'"), fixes
    assert "EXTRA_PATH_METADATA['c.md']['save_as'] is empty" in fixes["c.md"]
    assert fixes["d.md"].startswith("set EXTRA_PATH_METADATA['d.md']"), fixes
    assert fixes["e.md"].startswith(
        "e.md opts out: remove 'flattr' from EXTRA_PATH_METADATA['e.md']"
    ), fixes
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f'PATH = "content"\nEXTRA_PATH_METADATA = {by_path!r}\n', encoding="utf-8"
    )
    new = str(output / "flattr-manifest.json")
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    said = {
        c["source"]: c["fix"] for c in report["disappeared"] + report["url_changed"]
    }
    assert said == fixes


THREE = {"Alice": "alice", "Bob": "bob", "Carol": "carol"}
MISTYPED = {
    "Alice": "@alice_flattrs",
    "Bob": "https://flattr.com/@bob",
    "Carol": "flattr.com/profile/carol",
}


def three_authors_articles(count=30, **slugs):
    """``count`` articles, p00.md on, by Alice, Bob and Carol in turn;
    ``slugs``: another slug for some (``p00="renamed"``)."""
    names = ("Alice", "Bob", "Carol")
    return {
        f"p{n:02}.md": article(
            f"Post {n}", names[n % 3], slug=slugs.get(f"p{n:02}", f"post-{n:02}")
        )
        for n in range(count)
    }


def still_there_lines(log):
    return [m for _, m in said_with(log, "still in the content folder")]


def test_things_lost_to_reported_problems_are_said_in_one_line(tmp_path, flattr_log):
    # Three mistyped FLATTR_AUTHORS values: their errors said why 30
    # articles got no thing, then the guard buried them under 20 warnings
    # of 11 lines, "orphaned", and a summary of 30 changed URLs. None had
    # changed: mended, every thing comes back at its URL.
    files = three_authors_articles()
    output = build(tmp_path, files, FLATTR_AUTHORS=THREE)
    urls = {source: thing["url"] for source, thing in manifest_things(output).items()}
    entries = baseline_things(tmp_path)
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=MISTYPED)
    assert still_there_lines(flattr_log) == [
        "pelican-flattr: p00.md, p01.md, p02.md and 27 more: still in the content "
        "folder but without a thing in this build, for the problems said of "
        "them above. The baseline keeps their 30 thing URLs for now, and a change "
        "of one is still said. Once those problems are fixed, their things come "
        "back at those URLs with their flattrs. Fix: give them their things back (the "
        "build says why each has none, above), or add their old URLs to "
        "FLATTR_ACCEPT_URL_CHANGES if they go without one on purpose"
    ]
    assert summary_lines(flattr_log) == []
    # The last screen is the build's errors, and this line: nothing else.
    assert len([r for r in flattr_log.records if r.name == "pelican_flattr"]) == 5
    assert baseline_things(tmp_path) == entries
    # Said again until mended; then, back at their URLs, nothing is said,
    # but a URL that changed meanwhile, which the baseline kept.
    build(tmp_path, files, FLATTR_AUTHORS=MISTYPED)
    assert len(still_there_lines(flattr_log)) == 2
    flattr_log.clear()
    output = build(
        tmp_path, three_authors_articles(p04="renamed"), FLATTR_AUTHORS=THREE
    )
    (line,) = guard_lines(flattr_log)
    assert line.startswith(
        f"pelican-flattr: p04.md: thing URL changed from {SITEURL}/post-04.html to "
        f"{SITEURL}/renamed.html: "
    ), line
    now = {source: thing["url"] for source, thing in manifest_things(output).items()}
    assert now == {**urls, "p04.md": f"{SITEURL}/renamed.html"}


def test_a_strict_build_adds_no_problem_per_thing_lost_to_reported_problems(
    tmp_path, flattr_log
):
    files = three_authors_articles()
    build(tmp_path, files, FLATTR_AUTHORS=THREE)
    entries = baseline_things(tmp_path)
    # The settings' errors fail the build before the guard runs.
    flattr_log.clear()
    fails_strict(tmp_path, files, FLATTR_AUTHORS=MISTYPED)
    assert still_there_lines(flattr_log) == []
    assert [m for _, m in said_with(flattr_log, "FLATTR_STRICT is on")] == [
        "pelican-flattr: 4 problems and FLATTR_STRICT is on: build failed (neither "
        "the checks made as pages are written nor the URL guard ran: more "
        "problems may follow once these are mended)"
    ]
    # Authors without an owner are a warning, even strict: the guard's one
    # line about their things is one problem, not one per thing (10 were).
    flattr_log.clear()
    without_carol = {"Alice": "alice", "Bob": "bob"}
    fails_strict(tmp_path, files, FLATTR_AUTHORS=without_carol)
    assert [m for _, m in said_with(flattr_log, "FLATTR_STRICT is on")] == [
        "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed"
    ]
    (line,) = still_there_lines(flattr_log)
    assert line.startswith(
        "pelican-flattr: p02.md, p05.md, p08.md and 7 more: still in the content "
        "folder but without a thing in this build, for the problems said of "
        "them above. The baseline keeps their 10 thing URLs for now"
    ), line
    assert baseline_things(tmp_path) == entries


@pytest.mark.parametrize(
    "misspelt", [{}, {"flattr_tag": "solder"}], ids=["alone", "misspelt"]
)
def test_a_thing_lost_to_a_bad_field_is_told_from_an_opt_out(
    tmp_path, flattr_log, misspelt
):
    # The build said a.md's bad field; it says nothing of b.md's opt-out,
    # which keeps its line and its own fix. A misspelt field costs no
    # thing: its warning neither hid b.md's opt-out, said as lost to "the
    # problem said of it above", nor makes a.md's bad field any less why.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    files = {
        "a.md": article(
            "Article A", "Alice", slug="first-slug", flattr_owner="x:y", **misspelt
        ),
        "b.md": article("Article B", "Bob", slug="b", flattr="no", **misspelt),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    warned = said_with(flattr_log, "metadata 'flattr_tag' is no field")
    assert sorted(m.split(":")[1].strip() for _, m in warned) == (
        ["a.md", "b.md"] if misspelt else []
    )
    assert still_there_lines(flattr_log) == [
        "pelican-flattr: a.md: still in the content folder but without a thing "
        "in this build, for the problem said of it above. The baseline keeps its "
        f"thing URL {OLD} for now, and a change of it is still said. Once that "
        "problem is fixed, its thing comes back at that URL with its flattrs. Fix: "
        "give a.md its thing back (the build says why it has none, above), or "
        "add the old URL to FLATTR_ACCEPT_URL_CHANGES if it goes without one on "
        "purpose",
        "pelican-flattr: b.md: still in the content folder but without a thing "
        f"in this build, so its thing {SITEURL}/b.html is orphaned (its flattrs "
        "stay with that URL). Fix: b.md opts out: remove its 'Flattr: no' to "
        "give it its thing back, or add the old URL to FLATTR_ACCEPT_URL_CHANGES "
        "if it goes without one on purpose",
    ]


@pytest.mark.parametrize("status", ["", "Status: hidden\n"], ids=["shown", "hidden"])
def test_pages_without_a_thing_because_flattr_pages_is_off_say_so(
    tmp_path, flattr_log, status
):
    # The build says nothing of a page without a thing when FLATTR_PAGES is
    # off: the advice must name the setting, not point at the build. A
    # hidden page (left out of the menu) is a page all the same.
    about = f"Title: About\n{status}\nAbout us.\n"
    files = {**two_articles(), "pages/about.md": about}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_USERNAME": "alice"}
    build(tmp_path, files, FLATTR_PAGES=True, **settings)
    build(tmp_path, files, FLATTR_PAGES=False, **settings)
    (line,) = guard_lines(flattr_log)
    assert line == (
        "pelican-flattr: pages/about.md: still in the content folder but "
        "without a thing in this build, so its thing "
        "https://blog.example.org/pages/about.html is orphaned (its flattrs stay "
        "with that URL). Fix: pages/about.md is a page, and FLATTR_PAGES is off, "
        "so no page has a thing: set FLATTR_PAGES = True to give it its thing "
        "back, or add the old URL to FLATTR_ACCEPT_URL_CHANGES if pages go "
        "without one on purpose"
    )
    # Pages on, a page that opts out is no longer about the setting.
    flattr_log.clear()
    files["pages/about.md"] = "Title: About\nFlattr: no\n\nAbout us.\n"
    build(tmp_path, files, FLATTR_PAGES=True, **settings)
    (line,) = guard_lines(flattr_log)
    assert "Fix: pages/about.md opts out: remove its 'Flattr: no'" in line
    assert "FLATTR_PAGES" not in line
    # Its URL taken by another source meanwhile: the setting still named.
    taken = UrlChange("pages/about.md", OLD, None, "c.md", True, pages_off=True)
    assert taken.advice().endswith(
        "give pages/about.md its thing back (set FLATTR_PAGES = True: it is a "
        "page, and FLATTR_PAGES is off)"
    )


@pytest.mark.parametrize(("old_name", "new_name"), CASE_RENAMES, ids=["case", "nfd"])
def test_diff_takes_a_rename_the_file_system_finds_by_its_old_name_for_a_move(
    tmp_path, capsys, old_name, new_name
):
    settings = renamed_in_place(tmp_path, old_name, new_name)
    old = tmp_path / "old.json"
    old.write_bytes((tmp_path / "output" / "flattr-manifest.json").read_bytes())
    new = build(tmp_path, {}, **settings) / "flattr-manifest.json"
    content = str(tmp_path / "content")
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--content", content, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["disappeared"] == []
    assert report["moved"] == [{"source": old_name, "url": OLD, "to": new_name}]


@pytest.mark.parametrize("source", [".", "pages", "absolute"])
def test_diff_takes_no_folder_nor_absolute_path_for_a_source(tmp_path, capsys, source):
    # An old manifest edited so that a source names a folder, or a file
    # by its absolute path, was "still there" (a no thing row), and
    # --gone-urls left its URL out. (A file of ARTICLE_PATHS' "../shared"
    # is named "../shared/a.md": still there, as the next test has it.)
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "pages").mkdir()
    if source == "absolute":  # a file that is there, named by its whole path
        elsewhere = tmp_path / "elsewhere.md"
        elsewhere.write_text("Title: Elsewhere\n", encoding="utf-8")
        source = str(elsewhere)
    document = json.loads((output / "flattr-manifest.json").read_text())
    for thing in document["things"]:
        if thing["source"] == "a.md":
            thing["source"] = source
    old = tmp_path / "old.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "content" / "a.md").unlink()
    new = str(build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS))
    content = str(tmp_path / "content")
    capsys.readouterr()
    arguments = ["diff", str(old), f"{new}/flattr-manifest.json", "--content", content]
    assert main([*arguments, "--gone-urls"]) == 0
    assert capsys.readouterr().out == f"{OLD}\n"


@pytest.mark.parametrize(
    "name", [b"caf\xe9.md", b"caf\\xe9.md"], ids=["latin-1", "escape"]
)
@pytest.mark.parametrize("given", ["--content", "--settings"])
def test_diff_finds_a_source_whose_name_is_not_utf8_still_there(
    tmp_path, capsys, name, given
):
    # The manifest records the byte as "caf\\xe9.md" (portable_path): looked
    # for as that text, the file was "disappeared", and --gone-urls printed
    # its URL for FLATTR_ACCEPT_URL_CHANGES, its flattrs to be let go. A
    # name that holds those four characters itself is found as it reads.
    content = tmp_path / "content"
    content.mkdir()
    path = os.path.join(os.fsencode(content), name)
    try:
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(article("Coffee", "Alice", slug="cafe"))
    except (OSError, ValueError) as error:
        pytest.skip(f"this file system refuses a name that is not UTF-8: {error}")
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    recorded = {thing["source"] for thing in json.loads(old.read_text())["things"]}
    assert "caf\\xe9.md" in recorded
    with open(path, "w", encoding="utf-8") as stream:  # still there, no thing
        stream.write(article("Coffee", "Alice", slug="cafe", flattr="no"))
    build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"PATH = {str(content)!r}\n", encoding="utf-8")
    folder = str(content) if given == "--content" else str(conf)
    arguments = ["diff", str(old), str(output / "flattr-manifest.json"), given, folder]
    capsys.readouterr()
    assert main([*arguments, "--gone-urls"]) == 0
    assert capsys.readouterr().out == ""
    assert main([*arguments, "--json"]) == 1
    (row,) = json.loads(capsys.readouterr().out)["disappeared"]
    assert (row["kind"], row["source"], row["still_there"]) == (
        "no thing",
        "caf\\xe9.md",
        True,
    )
    # Read by its bytes, the settings' readers find its 'Flattr: no'.
    assert row["opted_out"] == (given == "--settings")


def test_diff_prints_thing_urls_as_they_are_and_hides_other_addresses(tmp_path, capsys):
    # A thing URL with an address's shape (a fediverse handle as a slug)
    # was printed "https://…/@[address]" by --old-urls, --gone-urls, --json
    # and the table: pasted into FLATTR_ACCEPT_URL_CHANGES it accepted
    # nothing. A thing URL is public (the page, the feeds, the manifest);
    # a source file named by an author's address stays hidden.
    handle = f"{SITEURL}/@alice@social.example.html"
    files = {
        "m.md": article("Handle", "Alice", slug="@alice@social.example"),
        "carol@example.org/notes.md": article("Notes from Carol", "Alice"),
        "b.md": article("Article B", "Bob", slug="b"),
    }
    output = build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    assert handle in {thing["url"] for thing in json.loads(old.read_text())["things"]}
    (tmp_path / "content" / "carol@example.org" / "notes.md").unlink()
    build(
        tmp_path,
        {"m.md": article("Handle", "Alice", slug="handle")},
        FLATTR_AUTHORS=AUTHORS,
    )
    gone = f"{SITEURL}/notes-from-carol.html"
    arguments = ["diff", str(old), str(output / "flattr-manifest.json")]
    capsys.readouterr()
    for option, listed in (("--old-urls", handle), ("--gone-urls", gone)):
        assert main([*arguments, option]) == 0
        assert capsys.readouterr().out == f"{listed}\n"
    assert main([*arguments, "--json"]) == 1
    out = capsys.readouterr().out
    report = json.loads(out)
    (changed,) = report["url_changed"]
    assert (changed["source"], changed["old_url"]) == ("m.md", handle)
    assert f"'Flattr_url: {handle}'" in changed["fix"]
    (disappeared,) = report["disappeared"]
    assert (disappeared["source"], disappeared["url"]) == ("[address]/notes.md", gone)
    assert disappeared["fix"].startswith("if [address]/notes.md was renamed")
    assert "carol@" not in out
    assert main(arguments) == 1
    table = " ".join(capsys.readouterr().out.split())
    assert handle in table and "[address]/notes.md" in table
    assert "carol@" not in table and "@[address]" not in table


def test_a_draft_in_an_article_path_outside_path_is_still_there(tmp_path, flattr_log):
    # ARTICLE_PATHS' "../shared" names its files "../shared/s.md": refused as
    # outside the content folder, such a draft was said to be gone, and its
    # URL listed for FLATTR_ACCEPT_URL_CHANGES, its flattrs lost once it was
    # published again.
    shared = tmp_path / "shared" / "s.md"
    shared.parent.mkdir()
    paths = {"ARTICLE_PATHS": [".", "../shared"], "FLATTR_AUTHORS": AUTHORS}
    shared.write_text(article("Shared post", "Alice"), encoding="utf-8")
    build(tmp_path, {}, **paths)
    shared.write_text(article("Shared post", "Alice", Status="draft"), encoding="utf-8")
    build(tmp_path, {}, **paths)
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: ../shared/s.md: "), line
    assert "is a draft: publish it" in line and "gone" not in line, line


def test_diff_checks_the_content_folder_as_the_guard_does(
    tmp_path, capsys, monkeypatch
):
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    files = {
        **two_articles(flattr="no"),
        # Of a.md's owner: from another's no move (kept_owner).
        "c.md": article("Article C", "Alice", flattr_url=OLD),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    new = str(output / "flattr-manifest.json")
    content = str(tmp_path / "content")
    capsys.readouterr()
    # From the manifests alone a.md looks moved to c.md: said, not counted.
    assert main(["diff", str(old), new, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["moved"] == [{"source": "a.md", "url": OLD, "to": "c.md"}]
    assert report["content_checked"] is False
    assert main(["diff", str(old), new]) == 0
    text = capsys.readouterr().out
    assert "moved" in text and "--content" in text
    # With the content folder, as the guard: a.md is still there.
    assert main(["diff", str(old), new, "--content", content, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (change,) = report["disappeared"]
    assert (change["source"], change["taken_by"], change["still_there"]) == (
        "a.md",
        "c.md",
        True,
    )
    assert report["moved"] == []
    # Gone from the folder, a.md was moved: no change.
    (tmp_path / "content" / "a.md").unlink()
    assert main(["diff", str(old), new, "--content", content, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["disappeared"] == [] and len(report["moved"]) == 1
    # The table says why, checked: not to check with --content, given.
    monkeypatch.setenv("COLUMNS", "400")  # one line per row, however long
    assert main(["diff", str(old), new, "--content", content]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"a.md is gone from {content}" in text and "check with" not in text
    nope = tmp_path / "nope"
    assert main(["diff", str(old), new, "--content", str(nope)]) == 2
    assert f"--content {nope}: no such folder" in capsys.readouterr().err
    # A file: once also "no such folder".
    assert main(["diff", str(old), new, "--content", new]) == 2
    assert f"--content {new}: is a file, not a folder" in capsys.readouterr().err


def test_an_opted_out_page_is_told_so_whatever_flattr_pages_is(
    tmp_path, flattr_log, capsys
):
    # A page given 'Flattr: no' while FLATTR_PAGES was switched off: the fix
    # named the setting alone, and once it was followed the warning went on,
    # pointing at the build, which says nothing of an opt-out.
    files = {**two_articles(), "pages/about.md": "Title: About\n\nAbout us.\n"}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_USERNAME": "alice"}
    output = build(tmp_path, files, FLATTR_PAGES=True, **settings)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    files["pages/about.md"] = "Title: About\nFlattr: no\n\nAbout us.\n"
    orphaned = (
        "pelican-flattr: pages/about.md: still in the content folder but "
        "without a thing in this build, so its thing "
        "https://blog.example.org/pages/about.html is orphaned (its flattrs stay "
        "with that URL). Fix: pages/about.md "
    )
    fix = (
        "opts out, and is a page while FLATTR_PAGES is off: remove its "
        "'Flattr: no' and set FLATTR_PAGES = True to give it its thing back, or "
        "add the old URL to FLATTR_ACCEPT_URL_CHANGES if it goes without one on "
        "purpose"
    )
    build(tmp_path, files, FLATTR_PAGES=False, **settings)
    assert guard_lines(flattr_log) == [orphaned + fix]
    # The diff, given the settings, reads the file as the build did.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('PATH = "content"\nFLATTR_PAGES = False\n', encoding="utf-8")
    new = str(output / "flattr-manifest.json")
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["disappeared"]
    assert (change["pages_off"], change["opted_out"]) == (True, True)
    assert change["fix"] == "pages/about.md " + fix
    flattr_log.clear()
    build(tmp_path, files, FLATTR_PAGES=True, **settings)
    assert guard_lines(flattr_log) == [
        orphaned + "opts out: remove its 'Flattr: no' to give it its thing back, "
        "or add the old URL to FLATTR_ACCEPT_URL_CHANGES if it goes without one "
        "on purpose"
    ]
    # Following it silences the guard.
    flattr_log.clear()
    files["pages/about.md"] = "Title: About\n\nAbout us.\n"
    build(tmp_path, files, FLATTR_PAGES=True, **settings)
    assert guard_lines(flattr_log) == []


def test_diff_tells_an_opted_out_draft_from_an_opt_out(tmp_path, capsys):
    # As the build's guard: a draft that opts out is told both fixes, and
    # the diff, given the settings, quotes an opt-out as written.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('PATH = "content"\n', encoding="utf-8")
    new = str(output / "flattr-manifest.json")
    for meta, opted_out, fix in [
        # As the guard names a draft that opts out: both are why.
        (
            {"status": "draft", "flattr": "no"},
            True,
            "a.md is a draft, and opts out: publish it and remove its 'Flattr: no'",
        ),
        ({"flattr": "off"}, True, "a.md opts out: remove its 'Flattr: off'"),
    ]:
        build(tmp_path, two_articles(**meta), FLATTR_AUTHORS=AUTHORS)
        capsys.readouterr()
        args = ["diff", str(old), new, "--settings", str(conf), "--json"]
        assert main(args) == 1
        (change,) = json.loads(capsys.readouterr().out)["disappeared"]
        assert change["opted_out"] is opted_out
        assert change["fix"].startswith(fix), change["fix"]


# Pelican 4.11 added 'Status: skip' (its SkipStub); before, Pelican refuses
# the status itself, and the file fails as it says.
needs_skip_status = pytest.mark.skipif(
    not hasattr(pelican.contents, "SkipStub"),
    reason="Pelican before 4.11 has no 'Status: skip'",
)


SKIPPED_FIX = (
    "a.md has 'Status: skip', so Pelican skips it: remove its 'Status: skip' "
    "to give it its thing back, or add the old URL to FLATTR_ACCEPT_URL_CHANGES "
    "if it goes without one on purpose"
)


def _a_skipped(tmp_path):
    """Build two articles (strict), then again with a.md skipped; the
    output of the second build."""
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    return build(tmp_path, two_articles(status="skip"), FLATTR_AUTHORS=AUTHORS)


@needs_skip_status
def test_a_skipped_source_is_told_to_remove_its_skip_status(tmp_path, flattr_log):
    # Pelican makes no content of a file with 'Status: skip', and keeps
    # nothing of it: the guard said "give a.md its thing back (the build
    # says why it has none ...)", which the build never said.
    _a_skipped(tmp_path)
    assert guard_lines(flattr_log) == [
        "pelican-flattr: a.md: still in the content folder but without a thing "
        f"in this build, so its thing {OLD} is orphaned (its flattrs stay with "
        f"that URL). Fix: {SKIPPED_FIX}"
    ]
    # Nor is Alice, whose only file it is, called gone: her key stays.
    assert said_with(flattr_log, "names no author") == []
    # Done as said, the thing is back at its URL.
    flattr_log.clear()
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    assert manifest_things(output)["a.md"]["url"] == OLD


@needs_skip_status
def test_a_skipped_source_is_read_again_once_a_build(tmp_path, monkeypatch):
    # Pelican keeps nothing of a file it skips, so the guard reads it again;
    # each of its steps that asks for contents read it once more.
    from pelican_flattr import diff_command

    read = []

    def counted(settings, folder, page_files, sources):
        read.extend(sources)
        return contents_in(settings, folder, page_files, sources)

    contents_in = diff_command.contents_in
    monkeypatch.setattr(diff_command, "contents_in", counted)
    _a_skipped(tmp_path)
    assert read == ["a.md"]


@needs_skip_status
@pytest.mark.parametrize(
    ("settings", "entry"),
    [
        (
            {"EXTRA_PATH_METADATA": {"a.md": {"status": "skip"}}},
            "EXTRA_PATH_METADATA['a.md']",
        ),
        ({"EXTRA_PATH_METADATA": {"": {"status": "skip"}}}, "EXTRA_PATH_METADATA['']"),
        ({"DEFAULT_METADATA": {"status": "skip"}}, "DEFAULT_METADATA"),
    ],
    ids=["own-entry", "folder-entry", "default"],
)
@pytest.mark.parametrize("own_line", [False, True])
def test_a_source_skipped_by_a_setting_is_told_to_change_the_setting(
    tmp_path, flattr_log, settings, entry, own_line
):
    # EXTRA_PATH_METADATA gave a.md its 'status': 'skip': the fix said to
    # remove a 'Status: skip' line from a file that has none. Where the
    # file says it too, its line is the one Pelican applies last.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    flattr_log.clear()
    files = two_articles(**({"status": "skip"} if own_line else {}))
    files["b.md"] = article("Article B", "Bob", slug="b", status="published")
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, **settings)
    (line,) = guard_lines(flattr_log)
    if own_line:
        fix = "a.md has 'Status: skip', so Pelican skips it: remove its 'Status: skip'"
    else:
        fix = (
            f"a.md is given 'status': 'skip' by {entry}, so Pelican skips it: "
            f"take 'status': 'skip' out of {entry}, or give a.md a 'Status: "
            "published' of its own"
        )
    assert line.endswith(
        f"Fix: {fix} to give it its thing back, or add the old URL to "
        "FLATTR_ACCEPT_URL_CHANGES if it goes without one on purpose"
    ), line


@needs_skip_status
def test_diff_tells_a_skipped_source_as_the_build_does(tmp_path, capsys):
    # diff --settings stopped on the SkipStub Pelican's readers make of the
    # file, which has no metadata: "Pelican cannot list the pages of ...:
    # AttributeError", exit 2. Now the "no thing" row of a draft, with the
    # build's fix.
    output = _a_skipped(tmp_path)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('PATH = "content"\n', encoding="utf-8")
    manifests = [
        str(tmp_path.joinpath(*BASELINE)),
        str(output / "flattr-manifest.json"),
    ]
    capsys.readouterr()
    assert main(["diff", *manifests, "--settings", str(conf), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["disappeared"]
    assert (change["kind"], change["source"]) == ("no thing", "a.md")
    assert change["fix"] == SKIPPED_FIX
    # Given the content folder alone, diff reads no file: its note names the
    # skip among what the build does not say.
    content = str(tmp_path / "content")
    assert main(["diff", *manifests, "--content", content, "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["disappeared"]
    assert "unless it is a draft, has 'Flattr: no', 'Status: skip' or" in change["fix"]


@needs_skip_status
def test_diff_reads_a_changed_source_skipped_since(tmp_path, capsys):
    # b.md's URL changed between the manifests, and its file has been
    # skipped since: its pin was looked for in the SkipStub's metadata,
    # which it has none of ("Pelican cannot list the pages", exit 2).
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    shutil.copy(output / "flattr-manifest.json", old)
    files = two_articles()
    files["b.md"] = article("Article B", "Bob", slug="bb")
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    skipped = tmp_path / "content" / "b.md"
    skipped.write_text(article("Article B", "Bob", slug="bb", status="skip"))
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('PATH = "content"\n', encoding="utf-8")
    capsys.readouterr()
    new = str(output / "flattr-manifest.json")
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["url_changed"]
    assert change["source"] == "b.md"


def _rst_article(*fields):
    return "\n".join(
        [
            "Article A",
            "#########",
            "",
            ":author: Alice",
            ":date: 2024-03-01 10:00",
            ":slug: first-slug",
            *fields,
            "",
            "A first paragraph with enough words to be a summary of this piece.",
            "",
        ]
    )


def test_an_opted_out_article_whose_url_was_taken_is_told_so(tmp_path, flattr_log):
    # The opt-out named as the file's reader takes it (a reStructuredText
    # field here, whatever no-word it holds), not left to the build, which
    # says nothing of it.
    build(tmp_path, {"a.rst": _rst_article()}, FLATTR_AUTHORS=AUTHORS)
    files = {
        "a.rst": _rst_article(":flattr: off"),
        "c.md": article("Article C", "Bob", flattr_url=OLD),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: a.rst: still in the content folder")
    assert line.endswith(
        "give a.rst its thing back (remove its ':flattr: off': it opts out)"
    ), line


PAGE_FIX = (
    "pages/about.md is a page, and FLATTR_PAGES is off, so no page has a "
    "thing: set FLATTR_PAGES = True to give it its thing back, or add the old "
    "URL to FLATTR_ACCEPT_URL_CHANGES if pages go without one on purpose"
)


def _a_page_lost_to_flattr_pages(tmp_path):
    """Two builds, FLATTR_PAGES on and then off: the files and settings,
    and the paths of the old manifest (a copy) and the new one."""
    files = {**two_articles(), "pages/about.md": "Title: About\n\nAbout us.\n"}
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_USERNAME": "alice"}
    output = build(tmp_path, files, FLATTR_PAGES=True, **settings)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    build(tmp_path, files, FLATTR_PAGES=False, **settings)
    return files, settings, str(old), str(output / "flattr-manifest.json")


def test_diff_with_the_settings_names_flattr_pages_for_a_page(tmp_path, capsys):
    # A page loses its thing when FLATTR_PAGES is switched off. The guard
    # names the setting; the diff, from the manifests and the content
    # folder alone, cannot tell a page from an article, and used to send
    # the operator to the build for a reason it never gives.
    files, settings, old, new = _a_page_lost_to_flattr_pages(tmp_path)
    conf = tmp_path / "pelicanconf.py"
    # The settings file of that build, as an operator has it: PATH is taken
    # from its folder, as Pelican takes it.
    conf.write_text('PATH = "content"\nFLATTR_PAGES = False\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (change,) = report["disappeared"]
    assert change["source"] == "pages/about.md"
    assert (change["still_there"], change["pages_off"]) == (True, True)
    assert change["fix"] == PAGE_FIX
    assert report["content_checked"] is True and report["pages_checked"] is True
    assert main(["diff", str(old), new, "--settings", str(conf)]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert "FLATTR_PAGES" in text and "the build says why" not in text
    # --content alone cannot tell a page: the note says so, and how to check.
    content = str(tmp_path / "content")
    assert main(["diff", str(old), new, "--content", content, "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["disappeared"]
    assert change["pages_off"] is False
    assert change["fix"].endswith(
        ". A page has none either while FLATTR_PAGES is off: give --settings to check"
    )
    # FLATTR_PAGES on in the settings: the page opted out, not the setting.
    conf.write_text('PATH = "content"\nFLATTR_PAGES = True\n', encoding="utf-8")
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["disappeared"]
    assert change["pages_off"] is False and "FLATTR_PAGES" not in change["fix"]
    # An article without a thing is never taken for a page.
    build(tmp_path, {**files, **two_articles(flattr="no")}, **settings)
    conf.write_text('PATH = "content"\nFLATTR_PAGES = False\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 1
    fixes = {
        c["source"]: c["pages_off"]
        for c in json.loads(capsys.readouterr().out)["disappeared"]
    }
    assert fixes == {"a.md": False, "pages/about.md": True}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("FLATTR_PAGES = 1\n", "FLATTR_PAGES must be True or False, not 1"),
        (
            'PATH = "content"\nFLATTR_ACCEPT_URL_CHANGES = 5\n',
            "FLATTR_ACCEPT_URL_CHANGES must be a list of old thing URLs, not 5",
        ),
        # Pelican's default, the folder the command runs in, is not the
        # content folder: that is given to `pelican` on its command line.
        ("FLATTR_PAGES = False\n", "PATH is not set in it, so the content folder"),
        (
            'PATH = "nowhere"\n',
            "its content folder (PATH) does not exist here, and Pelican reads "
            "settings only where it does: give the content folder with --content",
        ),
    ],
)
def test_diff_settings_it_cannot_use_are_named(tmp_path, capsys, text, error):
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    manifest = str(output / "flattr-manifest.json")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", manifest, manifest, "--settings", str(conf)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pelican-flattr: {conf}: ") and error in err, err


def test_diff_settings_pelican_fails_to_read_the_content_with_are_named(
    tmp_path, capsys
):
    # Pelican's own code, given the settings, fails only as diff reads the
    # content (a.md, still there without a thing, is read for its opt-out):
    # said naming the file and the error, not a traceback.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    build(tmp_path, two_articles(flattr="no"), FLATTR_AUTHORS=AUTHORS)
    content = tmp_path / "content"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"PATH = {str(content)!r}\nREADERS = {{'md': 5}}\n")
    new = str(output / "flattr-manifest.json")
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf)]) == 2
    assert capsys.readouterr().err.startswith(
        f"pelican-flattr: {conf}: Pelican cannot list the pages of {content}: "
        "TypeError: "
    )


def test_diff_settings_let_go_what_flattr_accept_url_changes_accepts(tmp_path, capsys):
    # As the URL guard lets it go: the page's advice says to accept its old
    # URL, and the diff must then stop counting it.
    _, _, old, new = _a_page_lost_to_flattr_pages(tmp_path)
    url = manifest_things(Path(old).parent, Path(old).name)["pages/about.md"]["url"]
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f'PATH = "content"\nFLATTR_ACCEPT_URL_CHANGES = [{url!r}]\n', encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["orphans_flattrs"], report["disappeared"]) == (False, [])
    assert report["accepted"] == [{"source": "pages/about.md", "url": url}]
    assert main(["diff", str(old), new, "--settings", str(conf)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        f"1 old thing URL left out: FLATTR_ACCEPT_URL_CHANGES in {conf} releases it"
        in text
    )
    assert "No flattrs would be orphaned." in text
    # Without the settings, nothing is known to be accepted.
    assert main(["diff", str(old), new, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["accepted"] == [] and len(report["disappeared"]) == 1


def test_many_loose_acceptances_are_said_as_the_changes_are(tmp_path, flattr_log):
    # One line each for 25: the guard says 20 changes of a kind and counts
    # the rest, and an entry no URL reader can read matches nothing (it
    # raised out of the build).
    files = many_articles(25)
    build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    for name in files:
        (tmp_path / "content" / name).unlink()
    flattr_log.clear()
    loose = [f"http://blog.example.org/post-{n:02}.html" for n in range(25)]
    build(
        tmp_path,
        {},
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_ACCEPT_URL_CHANGES=[*loose, "https://[blog.example.org/x.html"],
    )
    said = [m for _, m in said_with(flattr_log, "FLATTR_ACCEPT_URL_CHANGES holds")]
    assert len(said) == 20
    assert said_with(flattr_log, "and 5 more entries of FLATTR_ACCEPT_URL_CHANGES") == [
        (
            "WARNING",
            "pelican-flattr: and 5 more entries of FLATTR_ACCEPT_URL_CHANGES name "
            "the old URL of a change loosely, as those above, and let nothing go: "
            "write each old URL as pelican-flattr diff --old-urls prints it",
        )
    ]


@pytest.mark.parametrize("category", ["3d-printing", "python-3", "web-2-0"])
def test_a_renamed_category_with_a_digit_is_named_as_renamed(category):
    # "3d-printing" was shaped "#d-printing", a word no more: the summary
    # blamed a setting nobody had changed.
    changes = six_changes(
        lambda n: f"/{category}/post-{n}/",
        lambda n: f"/additive-manufacturing/post-{n}/",
    )
    said = shared_causes(changes).alike.said()
    assert f"one part of their URLs, {category!r}, is 'additive-manufacturing' now" in (
        said
    ), said


def test_a_week_or_quarter_in_a_url_is_a_date_s_number():
    # "w10" and "q1" were kept as words, and merged as "a part that differs
    # from one to another, such as a category".
    changes = six_changes(
        lambda n: f"/2024/{('w10', 'w11', 'w12')[n % 3]}/post-{n}.html",
        lambda n: f"/post-{n}/",
    )
    said = shared_causes(changes).alike.said()
    assert (
        f"6 of the 6 changed thing URLs changed alike, from {SITEURL}/#/w#/*.html"
        in said
    ), said


def test_categories_merged_into_one_are_named_as_a_cause():
    # Two articles each of three categories, all in "misc" now: a setting
    # was named as the likely cause, where five of one category name the
    # renamed category.
    changes = six_changes(
        lambda n: f"/{('python', 'rust', 'go')[n % 3]}/post-{n}/",
        lambda n: f"/misc/post-{n}/",
    )
    said = shared_causes(changes).alike.said()
    assert "categories (or authors, or tags) merged into one" in said, said
    assert "is 'misc' for all now" in said


def test_diff_settings_say_an_accepted_url_that_names_a_changed_one_loosely(
    tmp_path, capsys
):
    # As the build says it: the entry lets nothing go, and diff said only
    # the change it was meant for.
    _, _, old, new = _a_page_lost_to_flattr_pages(tmp_path)
    url = manifest_things(Path(old).parent, Path(old).name)["pages/about.md"]["url"]
    written = url.replace("https:", "http:")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f'PATH = "content"\nFLATTR_ACCEPT_URL_CHANGES = [{written!r}]\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf)]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert (
        f"FLATTR_ACCEPT_URL_CHANGES holds {written!r}, which is not pages/about.md's "
        f"old URL, {url!r}, a change this build warns of: entries match a thing URL"
        in text
    ), text


def _diff_command(tmp_path, *arguments, stdin=b""):
    """``pelican-flattr diff`` run as a command, with ``stdin``."""
    command = Path(sys.executable).with_name("pelican-flattr")
    return subprocess.run(
        [str(command), "diff", *arguments],
        input=stdin,
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
        env=child_env(COLUMNS="1000"),
    )


def test_diff_reads_a_manifest_from_standard_input_or_a_pipe(tmp_path):
    # `curl -sS URL | pelican-flattr diff - output/flattr-manifest.json`,
    # or <(curl ...): "no such manifest", and "not a regular file".
    _, _, old, new = _a_page_lost_to_flattr_pages(tmp_path)
    published = Path(old).read_bytes()
    piped = _diff_command(tmp_path, "-", new, "--json", stdin=published)
    assert piped.returncode == 1, piped.stderr
    report = json.loads(piped.stdout)
    assert [c["source"] for c in report["disappeared"]] == ["pages/about.md"]
    fifo = tmp_path / "published.json"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", 'cat "$0" > "$1"', old, str(fifo)])
    try:
        through_pipe = _diff_command(tmp_path, str(fifo), new, "--json")
    finally:
        writer.wait(timeout=60)
    assert through_pipe.returncode == 1, through_pipe.stderr
    assert json.loads(through_pipe.stdout) == report
    # A broken one is named as given, never as the copy read.
    broken = _diff_command(tmp_path, "-", new, stdin=b"{")
    assert broken.returncode == 2
    assert broken.stderr.decode().startswith(
        "pelican-flattr: standard input: not a readable JSON manifest"
    ), broken.stderr
    both = _diff_command(tmp_path, "-", "-", stdin=published)
    assert both.returncode == 2 and b"both '-'" in both.stderr


def test_diff_settings_warn_of_an_accepted_url_the_new_build_holds(tmp_path, capsys):
    # The build warns when FLATTR_ACCEPT_URL_CHANGES names one of its own
    # thing URLs (a later change of that thing would go unsaid); the diff,
    # given the same settings, must warn the same, or an operator checking
    # a change before the build learns it only from the build's log.
    _, _, old, new = _a_page_lost_to_flattr_pages(tmp_path)
    things = manifest_things(Path(new).parent, Path(new).name)
    (source, thing), *_ = sorted(things.items())
    gone = manifest_things(Path(old).parent, Path(old).name)["pages/about.md"]["url"]
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f'PATH = "content"\nFLATTR_ACCEPT_URL_CHANGES = [{gone!r}, {thing["url"]!r}]\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["diff", str(old), new, "--settings", str(conf), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["accepted_still_live"] == [{"source": source, "url": thing["url"]}]
    assert report["accepted"] == [{"source": "pages/about.md", "url": gone}]
    assert main(["diff", str(old), new, "--settings", str(conf)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "FLATTR_ACCEPT_URL_CHANGES holds a thing URL of the new manifest: "
        f"{thing['url']} ({source}'s); once a build has passed with it, the "
        "baseline keeps it as the thing's it is now: remove it from "
        "FLATTR_ACCEPT_URL_CHANGES, or a later change of that thing goes "
        "unreported" in text
    ), text
    # Only the URL the new build holds is named: the one accepted because
    # its page lost its thing is what the setting is for.
    assert f"{gone} (" not in text
    # Without the settings nothing is known to be accepted, nor warned of.
    assert main(["diff", str(old), new, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["accepted_still_live"] == []
    # Two of them: said of both, in the plural.
    urls = sorted(thing["url"] for thing in things.values())
    conf.write_text(
        f'PATH = "content"\nFLATTR_ACCEPT_URL_CHANGES = {urls!r}\n', encoding="utf-8"
    )
    assert main(["diff", str(old), new, "--settings", str(conf)]) == 1
    text = " ".join(capsys.readouterr().out.split())
    assert (
        f"holds {len(urls)} thing URLs of the new manifest: " in text
        and "the baseline keeps them as the things' they are now: remove them "
        "from FLATTR_ACCEPT_URL_CHANGES, or later changes of those things go "
        "unreported"
        in text
    ), text


def test_diff_settings_find_a_page_that_a_plugin_reads(tmp_path):
    # A plugin's reader (readers_init) is not loaded by the command, which
    # loads no plugin: its page files must be found all the same. Run as
    # commands, each in a process of its own, as an operator runs them.
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "xyz_reader.py").write_text(
        "from pelican import signals\n"
        "from pelican.readers import BaseReader\n\n"
        "class XyzReader(BaseReader):\n"
        "    enabled = True\n"
        "    file_extensions = ['xyz']\n\n"
        "    def read(self, filename):\n"
        "        with open(filename, encoding='utf-8') as source:\n"
        "            text = source.read()\n"
        "        return f'<p>{text}</p>', {'title': 'About us'}\n\n"
        "def add_reader(readers):\n"
        "    readers.reader_classes['xyz'] = XyzReader\n\n"
        "def register():\n"
        "    signals.readers_init.connect(add_reader)\n",
        encoding="utf-8",
    )
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    (content / "a.md").write_text(article("Article A", "Alice"), encoding="utf-8")
    (content / "pages" / "about.xyz").write_text("About us.", encoding="utf-8")
    conf = tmp_path / "pelicanconf.py"
    base = (
        f'PATH = "content"\nOUTPUT_PATH = "output"\nSITEURL = "{SITEURL}"\n'
        'TIMEZONE = "UTC"\nPLUGIN_PATHS = ["plugins"]\n'
        'PLUGINS = ["xyz_reader", "pelican_flattr"]\nFLATTR_USERNAME = "alice"\n'
    )
    bin_folder = Path(sys.executable).parent

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_folder / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    conf.write_text(base + "FLATTR_PAGES = True\n", encoding="utf-8")
    assert run("pelican", "-s", str(conf)).returncode == 0
    manifest = tmp_path / "output" / "flattr-manifest.json"
    assert "pages/about.xyz" in manifest_things(manifest.parent)
    old = tmp_path / "old.json"
    old.write_bytes(manifest.read_bytes())
    conf.write_text(base + "FLATTR_PAGES = False\n", encoding="utf-8")
    assert run("pelican", "-s", str(conf)).returncode == 0
    diff = ["pelican-flattr", "diff", str(old), str(manifest)]
    result = run(*diff, "--settings", str(conf), "--json")
    assert result.returncode == 1, result.stderr
    (change,) = json.loads(result.stdout)["disappeared"]
    assert change["source"] == "pages/about.xyz"
    assert (change["still_there"], change["pages_off"]) == (True, True)


@pytest.mark.parametrize("force_color", [False, True])
@pytest.mark.parametrize("old_from", ["manifest", "baseline"])
def test_diff_reports_a_url_taken_over(
    tmp_path, capsys, monkeypatch, force_color, old_from
):
    # The build's summary names diff with the guard's baseline as the old
    # side (a site deleted before each build keeps no old manifest): the
    # baseline, which keeps the old URL until it is resolved, tells the
    # takeover as a copy of the old manifest does.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    files = {
        **two_articles(slug="first-slug-2019"),
        "c.md": article("Article C", "Alice", slug="first-slug"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    if old_from == "baseline":
        old = tmp_path.joinpath(*BASELINE)
    new = str(output / "flattr-manifest.json")
    capsys.readouterr()  # Pelican's own summary of the builds
    assert main(["diff", str(old), new, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["orphans_flattrs"] is True
    (change,) = report["url_changed"]
    assert (change["source"], change["old_url"], change["taken_by"]) == (
        "a.md",
        OLD,
        "c.md",
    )
    assert report["new"] == [] and report["owner_changed"] == []
    if force_color:  # as CI systems set it, for coloured logs
        monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["diff", str(old), new]) == 1
    text = capsys.readouterr().out
    assert "1 thing URL would leave its flattrs at the old URL or pass them" in text
    # Written to a file or a log, each row stays on one line, its URLs and
    # its advice whole, to copy and to search for (folded at 80 columns,
    # no URL of the site was left whole).
    (row,) = [line for line in text.splitlines() if "a.md" in line]
    assert OLD in row and f"{SITEURL}/first-slug-2019.html" in row
    assert f"Flattr_url: {OLD}" in row
    assert "(old URL now c.md's)" in row


# What the first version of the plugin (commit f1634c5) wrote for a.md, an
# article("Alpha article title") with FLATTR_USERNAME = "site": schema
# version 1, without things[].page and things[].feeds.
FIRST_VERSION_MANIFEST = (
    Path(__file__).parent / "fixtures" / "manifest-first-version.json"
)


def test_diff_reads_the_published_manifest_of_the_first_version(tmp_path, capsys):
    # page and feeds became required later without a new schema version, and
    # diff refused the published site's manifest ("things[0].page is
    # missing", exit 2), though it compares only URLs, sources and owners.
    old = str(FIRST_VERSION_MANIFEST)
    assert "page" not in json.loads(FIRST_VERSION_MANIFEST.read_text())["things"][0]
    files = {"a.md": article("Alpha article title", Slug="alpha-new")}
    output = build(tmp_path, files, FLATTR_USERNAME="site")
    new = str(output / "flattr-manifest.json")
    capsys.readouterr()  # Pelican's own summary of the build
    assert main(["diff", old, new, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    (change,) = report["url_changed"]
    assert (change["source"], change["old_url"], change["new_url"]) == (
        "a.md",
        f"{SITEURL}/alpha-article-title.html",
        f"{SITEURL}/alpha-new.html",
    )
    # Unchanged, the same thing is no change, read from either side.
    build(tmp_path, {"a.md": article("Alpha article title")}, FLATTR_USERNAME="site")
    capsys.readouterr()
    assert main(["diff", old, new]) == 0
    assert main(["diff", new, old]) == 0
    assert "No flattrs would be orphaned." in capsys.readouterr().out


def test_compare_manifests_follows_sources():
    old = [entry("u1", "a.md"), entry("u2", "b.md"), entry("u3", "c.md")]
    # a.md and b.md swap URLs; c.md moved to d.md with its URL.
    new = [entry("u2", "a.md"), entry("u1", "b.md"), entry("u3", "d.md")]
    diff = compare_manifests(old, new)
    assert [(c.source, c.old_url, c.new_url, c.taken_by) for c in diff.url_changes] == [
        ("a.md", "u1", "u2", "b.md"),
        ("b.md", "u2", "u1", "a.md"),
    ]
    assert diff.orphans_flattrs


def test_url_changes_come_by_source_whatever_the_baselines_order():
    # The guard reads the baseline in the order of its URLs; the changes,
    # and so which 20 of a kind are said, go by source file.
    old = [
        baseline_entry(f"{SITEURL}/1.html", "z.md", "alice"),
        baseline_entry(f"{SITEURL}/2.html", "a.md", "alice"),
        baseline_entry(f"{SITEURL}/3.html", "m.md", "alice"),
    ]
    new_url = f"{SITEURL}/m-2.html"
    changes = url_changes(old, {new_url: "m.md"}, {"m.md": new_url})
    assert [(c.source, c.new_url) for c in changes] == [
        ("a.md", None),
        ("m.md", new_url),
        ("z.md", None),
    ]


# A baseline that cannot be read is kept, never overwritten.


def test_an_unreadable_baseline_is_kept_aside(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.write_text("{broken")
    build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    aside = baseline.with_name("url-baseline.json.unreadable")
    assert aside.read_text() == "{broken"
    (message,) = [
        r.getMessage() for r in flattr_log.records if str(aside) in r.getMessage()
    ]
    assert message.startswith(f"pelican-flattr: {baseline}: not a readable baseline")
    assert f"moved it to {aside} and started a new baseline" in message
    assert f"put it back as {baseline}" in message
    # A second unreadable baseline never replaces the first one kept.
    baseline.write_text("{broken again")
    build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    assert aside.read_text() == "{broken"
    assert aside.with_name(aside.name + "-2").read_text() == "{broken again"


def test_an_unreadable_baseline_behind_a_link_is_kept_aside_and_the_link_kept(
    tmp_path, flattr_log
):
    # Moving the link aside left the damaged file where the link, restored
    # by a CI, named it again at every build: never compared again. Set
    # aside beside the link, it went with the workspace a CI throws away.
    baseline = tmp_path.joinpath(*BASELINE)  # the default, damaged set aside
    kept = tmp_path / "kept" / baseline.name
    kept.parent.mkdir()
    kept.touch()  # as the README says, for its first build
    baseline.parent.mkdir(parents=True)
    baseline.symlink_to(kept)
    settings = {"FLATTR_AUTHORS": AUTHORS}
    build(tmp_path, two_articles(), **settings)
    damaged = kept.read_text()[:200]  # its header: a baseline, cut short
    kept.write_text(damaged)
    flattr_log.clear()
    build(tmp_path, two_articles(), **settings)
    aside = kept.with_name(f"{baseline.name}.unreadable")
    assert aside.read_text() == damaged and not aside.is_symlink()
    assert baseline.is_symlink() and "first-slug" in kept.read_text()
    assert not baseline.with_name(baseline.name + ".unreadable").exists()
    ((_, message),) = said_with(flattr_log, str(aside))
    assert f"put it back as {kept}" in message
    flattr_log.clear()
    build(tmp_path, two_articles(slug="renamed"), **settings)
    assert len(guard_lines(flattr_log)) == 1


def test_a_baseline_link_to_a_file_that_is_no_baseline_is_left_alone(
    tmp_path, flattr_log
):
    # Planted in a cache a CI restores, a link to a key file had it moved
    # aside as a damaged baseline (copied into the cache, readable by all)
    # and a new baseline written in its place.
    secret = tmp_path / "keys" / "id_key"
    secret.parent.mkdir()
    secret.write_text("SECRET KEY\n")
    secret.chmod(0o600)
    baseline = tmp_path.joinpath(*BASELINE)  # the default: set aside unread
    baseline.parent.mkdir(parents=True)
    baseline.symlink_to(secret)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert secret.read_text() == "SECRET KEY\n"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in secret.parent.iterdir()) == ["id_key"]
    assert [p.name for p in baseline.parent.iterdir()] == [baseline.name]
    ((level, message),) = said_with(flattr_log, "is a link to")
    assert level == "WARNING" and message == (
        "pelican-flattr: FLATTR_URL_BASELINE: the URL guard checks nothing: "
        f"{baseline} is a link to {secret}, a file of another name: the build "
        "writes through a link only to a file named as the link is "
        "(url-baseline.json), as one put there could name any file; point it "
        "at one so named, or remove it"
    )


@pytest.mark.parametrize("name", ["b" * 245 + ".json", "é" * 125 + ".json"])
def test_a_baseline_with_a_name_as_long_as_one_may_be_is_set_aside(tmp_path, name):
    # NAME.unreadable was longer than a file's name may be: the damaged
    # baseline stayed, and the guard checked nothing.
    from pelican_flattr.url_baseline import set_aside, set_aside_beside

    baseline = tmp_path / name
    assert len(name.encode()) in (250, 255)
    first, second = [], []
    for made in (first, second):
        baseline.write_text("{damaged")
        made.append(set_aside(baseline))
    assert not baseline.exists()
    assert [p.read_text() for p in (*first, *second)] == ["{damaged"] * 2
    assert set_aside_beside(baseline) == [*first, *second]
    assert second[0].name.endswith(".unreadable-2")
    assert all(len(p.name.encode()) <= 255 for p in (*first, *second))


def test_a_link_planted_for_the_plugin_s_cache_folder_is_written_through_by_nothing(
    tmp_path, flattr_log
):
    # A cache a CI restores may hold links: the plugin's folder linked to a
    # folder a shell sources (~/.bashrc.d) had the baseline written there,
    # the sources' names (a contributor's '$(...)') in it; a dangling link
    # at the baseline's path, named as it is, alike.
    sourced = tmp_path / "bashrc.d"
    sourced.mkdir()
    folder = tmp_path.joinpath(*BASELINE[:-1])
    folder.parent.mkdir(parents=True)
    folder.symlink_to(sourced)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert list(sourced.iterdir()) == []
    ((level, message),) = said_with(flattr_log, "the URL guard checks nothing")
    assert level == "WARNING" and message == (
        "pelican-flattr: FLATTR_URL_BASELINE: the URL guard checks nothing: "
        f"{folder / BASELINE[-1]} lies in {folder}, the plugin's folder in "
        f"CACHE_PATH, which is a link to {sourced}: the build keeps its baseline "
        "in a folder of its own (a link put there could have it write anywhere); "
        "remove the link (to keep the baseline elsewhere, link CACHE_PATH itself, "
        "or the baseline file to one of its name)"
    )
    folder.unlink()
    folder.mkdir()
    flattr_log.clear()
    (folder / BASELINE[-1]).symlink_to(sourced / BASELINE[-1])
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert list(sourced.iterdir()) == []
    ((_, message),) = said_with(flattr_log, "the URL guard checks nothing")
    assert message.endswith(
        f"is a link to {sourced / BASELINE[-1]}, which is not there: the build "
        "makes no file through a link (one put there could have it write "
        f"anywhere); make it first, empty (touch {sourced / BASELINE[-1]}), or "
        "remove the link"
    )


def test_another_site_s_language_baseline_linked_in_is_left_alone(tmp_path, flattr_log):
    # Looked for beside the baseline on every build, a link planted there to
    # another site's language baseline had it compared with this site's
    # things (its sources "gone"), and moved aside as retired. (One the
    # build would write through, of its own name, is a CI's, and counts.)
    from pelican_flattr.url_baseline import baseline_entry, write_baseline

    other = tmp_path / "other" / "de" / "pelican-flattr" / "url-baseline.json"
    other.parent.mkdir(parents=True)
    entry = baseline_entry(f"{SITEURL}/de/x.html", "x.md", "alice")
    write_baseline(other, [entry], "de")
    written = other.read_text()
    folder = tmp_path.joinpath(*BASELINE[:-1])
    folder.mkdir(parents=True)
    (folder / "url-baseline.de.json").symlink_to(other)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert other.read_text() == written
    assert [p.name for p in other.parent.iterdir()] == [other.name]
    assert not [r for r in flattr_log.records if "x.md" in r.getMessage()]


def test_a_folder_flattr_url_baseline_names_may_be_a_link(tmp_path, flattr_log):
    # Named as the plugin's own folder in CACHE_PATH, the operator's linked
    # folder was refused as one planted there.
    kept = tmp_path / "srv-kept"
    kept.mkdir()
    folder = tmp_path / "srv" / "pelican-flattr"
    folder.parent.mkdir()
    folder.symlink_to(kept)
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_URL_BASELINE": str(folder / "url-baseline.json"),
    }
    build(tmp_path, two_articles(), **settings)
    build(tmp_path, two_articles(slug="renamed"), **settings)
    assert "first-slug" in (kept / "url-baseline.json").read_text()
    assert len(guard_lines(flattr_log)) == 1  # the change, compared
    assert not said_with(flattr_log, "checks nothing")


def test_a_baseline_behind_a_link_damaged_at_its_start_is_set_aside(
    tmp_path, flattr_log
):
    # Judged by its opening, a baseline damaged there (an editor's stray
    # keystroke) was taken for another file, and left: every strict build
    # failed, told to remove the link a CI keeps it by.
    baseline = tmp_path.joinpath(*BASELINE)
    kept = tmp_path / "kept" / baseline.name
    kept.parent.mkdir()
    kept.touch()
    baseline.parent.mkdir(parents=True)
    baseline.symlink_to(kept)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    damaged = "x" + kept.read_text()
    kept.write_text(damaged)
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert kept.with_name(f"{kept.name}.unreadable").read_text() == damaged
    assert "first-slug" in kept.read_text() and baseline.is_symlink()


def test_a_strict_build_keeps_failing_on_a_damaged_baseline_kept_through_a_link(
    tmp_path, flattr_log
):
    # A CI job links the baseline to a folder it keeps and throws the rest
    # of its workspace away. The damaged file was copied beside the link
    # and deleted where it was kept: the next job found no baseline, and its
    # strict build passed with the changes since unsaid.
    kept = tmp_path / "kept" / "baseline.json"
    kept.parent.mkdir()
    baseline = tmp_path / "workspace" / "baseline.json"
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_URL_BASELINE": str(baseline),
    }

    def job(slug, strict_fails):
        baseline.parent.mkdir()
        baseline.symlink_to(kept)
        try:
            if strict_fails:
                fails_strict(tmp_path, two_articles(slug=slug), **settings)
            else:
                build(tmp_path, two_articles(slug=slug), FLATTR_STRICT=True, **settings)
        finally:
            shutil.rmtree(baseline.parent)

    kept.touch()  # the CI's first job, as the README says
    job("first-slug", strict_fails=False)
    damaged = kept.read_text()[:200]  # its header: a baseline, cut short
    kept.write_text(damaged)
    flattr_log.clear()
    job("renamed", strict_fails=True)
    aside = kept.with_name("baseline.json.unreadable")
    assert aside.read_text() == damaged
    flattr_log.clear()
    job("renamed", strict_fails=True)
    ((level, message),) = said_with(flattr_log, "set aside by an earlier build")
    assert f"{aside} beside it was set aside" in message
    assert f"put it back as {kept}" in message and level == "ERROR"


def test_a_baseline_kept_through_a_link_stays_linked_and_guards(tmp_path, flattr_log):
    # A CI restores a link to a folder it keeps: replaced by a file, the
    # link's target was never written again, and the next job's restored
    # link brought back an old baseline, with a change made since unsaid.
    kept = tmp_path / "kept" / "baseline.json"
    kept.parent.mkdir()
    baseline = tmp_path / "cache" / "baseline.json"
    baseline.parent.mkdir()
    baseline.symlink_to(kept)
    kept.touch()  # as the README says, for its first build
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(baseline)}
    build(tmp_path, two_articles(), **settings)
    build(
        tmp_path,
        two_articles(slug="renamed"),
        FLATTR_ACCEPT_URL_CHANGES=[f"{SITEURL}/first-slug.html"],
        **settings,
    )
    assert baseline.is_symlink()
    assert "renamed" in kept.read_text()
    flattr_log.clear()
    build(tmp_path, two_articles(slug="renamed-again"), **settings)
    assert len(guard_lines(flattr_log)) == 1 and baseline.is_symlink()


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder on a read-only file system (a tmpfs mounted read-only): made
    only by root, where mount may be run."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a read-only file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a file system here: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_baseline_on_a_read_only_file_system_is_said_with_what_to_do(
    tmp_path, flattr_log, read_only_folder
):
    # A CI's cache restored read-only: the reason alone, with no advice,
    # where "Permission denied" says what to change.
    baseline = read_only_folder / "url-baseline.json"
    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_URL_BASELINE=str(baseline),
    )
    assert said_with(flattr_log, "cannot keep") == [
        (
            "WARNING",
            "pelican-flattr: FLATTR_URL_BASELINE: cannot keep the URL guard's "
            f"baseline {baseline}: no file can be made in its folder "
            f"{read_only_folder} (Read-only file system): point "
            "FLATTR_URL_BASELINE at a file on a file system the build may write "
            "to, which the next build finds again",
        )
    ]


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("why", ["Input/output error", "Permission denied"])
def test_a_sound_baseline_the_build_cannot_read_is_left_as_it_is(
    tmp_path, flattr_log, strict, why
):
    # Its owner or mode kept the build out (the folder still writable):
    # taken for a damaged one, it was moved aside, a new baseline started
    # from this build, and the URL change since was never said. Root reads
    # a file whatever its mode (skipped then, but for a root without
    # CAP_DAC_OVERRIDE): /proc/self/mem is a regular file that no process
    # reads from its start, root included.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    sound = baseline.read_bytes()
    if why == "Permission denied":
        baseline.chmod(0)
        if os.access(baseline, os.R_OK):
            baseline.chmod(0o644)
            pytest.skip("this process reads a file whatever its mode (root)")
    else:
        baseline.unlink()
        baseline.symlink_to("/proc/self/mem")
    try:
        if strict:
            fails_strict(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
        else:
            build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
        # Left as it is: neither moved aside nor replaced by a new one.
        assert sorted(p.name for p in baseline.parent.iterdir()) == [baseline.name]
        assert baseline.is_symlink() == (why != "Permission denied")
    finally:
        baseline.unlink(missing_ok=True)
        baseline.write_bytes(sound)
    said = said_with(flattr_log, str(baseline))
    if why == "Permission denied":
        message = (
            f"pelican-flattr: FLATTR_URL_BASELINE: cannot read {baseline} ({why}), "
            "so the URL guard leaves it as it is and checks nothing: fix its "
            f"permissions, so that {build_user()} may read it"
        )
    else:
        # A link to a file of another name, which may be planted, is not
        # even read (manifest.link_refused).
        message = (
            "pelican-flattr: FLATTR_URL_BASELINE: the URL guard checks nothing: "
            f"{baseline} is a link to {os.path.realpath('/proc/self/mem')}"
        )
    assert len(said) == 1 and said[0][0] == ("ERROR" if strict else "WARNING")
    assert said[0][1].startswith(message), said
    assert guard_lines(flattr_log) == []
    # Readable again, it still holds the old URL: the change is said.
    build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")


# Root passes every file mode, and cannot run as nobody the Python it runs
# when that lives under /root: as root, the build whose permissions a test
# checks runs in a child, root still, without the capabilities that pass
# file modes.
_BOUND_BY_MODES = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
_CHILD_BUILD = (
    "import json, logging, sys; from pathlib import Path; "
    f"sys.path.insert(0, {str(Path(__file__).parent)!r}); from conftest import "
    "build; logging.basicConfig(format='%(levelname)s %(message)s'); "
    "build(Path(sys.argv[1]), json.loads(sys.argv[2]), **json.loads(sys.argv[3]))"
)


def build_bound_by_modes(tmp_path, files, **settings):
    """The plugin's (level, message) pairs of a build of ``files`` (conftest's
    ``build``) by a process that file modes bind."""
    command = [sys.executable, "-c", _CHILD_BUILD, str(tmp_path)]
    command += [json.dumps(files), json.dumps(settings)]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root passes file modes, and setpriv is not installed")
        command[:0] = _BOUND_BY_MODES
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=child_env(),
    )
    if run.returncode != 0 and run.stderr.startswith("setpriv:"):
        pytest.skip(f"cannot drop root's capabilities: {run.stderr}")
    assert run.returncode == 0, run.stderr
    return [
        tuple(line.split(" ", 1))
        for line in run.stderr.splitlines()
        if line.split(" ", 1)[-1].startswith("pelican-flattr:")
    ]


def build_user():
    """How the build names the user it runs as (this one, for a child)."""
    return f"the user this build runs as ({pwd.getpwuid(os.geteuid()).pw_name})"


def test_diff_refuses_a_content_folder_it_cannot_read(tmp_path):
    # Listed as empty, a content folder this user cannot read told of each
    # source still in it that it was gone, its URL one to let go.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    shutil.copy(tmp_path / "output" / "flattr-manifest.json", old)
    build(tmp_path, {"b.md": two_articles()["b.md"]}, FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").write_text(two_articles()["a.md"])
    content = tmp_path / "content"
    new = tmp_path / "output" / "flattr-manifest.json"
    command = [sys.executable, "-m", "pelican_flattr.cli", "diff", str(old), str(new)]
    command += ["--content", str(content), "--json"]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root passes file modes, and setpriv is not installed")
        command[:0] = _BOUND_BY_MODES
    content.chmod(0)
    try:
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=120, env=child_env()
        )
    finally:
        content.chmod(0o755)
    if run.returncode != 0 and run.stderr.startswith("setpriv:"):
        pytest.skip(f"cannot drop root's capabilities: {run.stderr}")
    assert run.returncode == 2, run.stdout
    assert json.loads(run.stdout)["problems"] == [
        f"--content {content}: cannot be read (Permission denied): its sources "
        "cannot be told from ones that are gone"
    ]


@pytest.mark.parametrize("locked", ["folder", "file", "written", "unmade"])
def test_a_baseline_the_builds_user_may_not_use_says_so(tmp_path, locked):
    # A folder on its way the build may not enter was said to be "no file",
    # with the advice to point the setting at a file, which it was; one the
    # build may not write in gave Python's "[Errno 13]" and no advice. Each
    # names what refuses and the user it refuses, the one to let in (a CI
    # runner, a container's user: rarely the operator reading). A folder
    # the baseline needs, not made yet, in one the build may not write in
    # ("unmade"): the message said "no file can be made in" that folder,
    # which is not there.
    folder = tmp_path / "guard"
    inner = folder / "inner"
    inner.mkdir(parents=True)
    baseline = inner / ("new/b.json" if locked == "unmade" else "b.json")
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(baseline)}
    if locked == "file":
        build(tmp_path, two_articles(), **settings)
    path, mode = {
        "folder": (folder, 0),
        "file": (baseline, 0),
        "written": (inner, 0o555),
        "unmade": (inner, 0o555),
    }[locked]
    path.chmod(mode)
    try:
        said = build_bound_by_modes(tmp_path, two_articles(slug="x"), **settings)
    finally:
        path.chmod(0o755)
    user = build_user()
    expected = {
        "folder": f"FLATTR_URL_BASELINE {baseline} cannot be examined (Permission "
        f"denied), so the URL guard checks nothing: {user} may not enter "
        f"{folder}: fix its permissions, or point FLATTR_URL_BASELINE at a file "
        "in a folder that user may write in",
        "file": f"FLATTR_URL_BASELINE: cannot read {baseline} (Permission "
        "denied), so the URL guard leaves it as it is and checks nothing: fix "
        f"its permissions, so that {user} may read it",
        "written": "FLATTR_URL_BASELINE: cannot keep the URL guard's baseline "
        f"{baseline}: no file can be made in its folder {baseline.parent} "
        f"(Permission denied): fix the permissions of {baseline.parent}, so "
        f"that {user} may write there, or point FLATTR_URL_BASELINE at a file "
        "in a folder that user may write in",
        "unmade": "FLATTR_URL_BASELINE: cannot keep the URL guard's baseline "
        f"{baseline}: its folder {baseline.parent} cannot be made in {inner} "
        f"(Permission denied): fix the permissions of {inner}, so that {user} "
        "may write there, or point FLATTR_URL_BASELINE at a file in a folder "
        "that user may write in",
    }[locked]
    assert said == [("WARNING", f"pelican-flattr: {expected}")]


def test_a_build_user_named_as_an_address_is_not_shown(monkeypatch):
    # The advice to fix a permission names the user the build runs as, from
    # the system's user database, where a login may be an address (one a
    # directory service gives). The plugin's log hides addresses too, so a
    # build's output would not tell a message that named it: asked here of
    # the name the messages use.
    from pelican_flattr.url_guard_build import _build_user

    user = pwd.getpwuid(os.geteuid())
    named = pwd.struct_passwd(("ann@example.org", *user[1:]))
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: named)
    assert _build_user() == "the user this build runs as ([address])"


def test_a_baseline_set_aside_takes_the_first_number_no_earlier_one_has(tmp_path):
    # Set aside twice before: the third goes beside both, over neither.
    baseline = tmp_path / "url-baseline.json"
    for name, text in (
        ("url-baseline.json.unreadable", "{first"),
        ("url-baseline.json.unreadable-2", "{second"),
        ("url-baseline.json", "{third"),
    ):
        (tmp_path / name).write_text(text)
    aside = set_aside(baseline)
    assert aside == tmp_path / "url-baseline.json.unreadable-3"
    assert set_aside_beside(baseline) == [
        tmp_path / f"url-baseline.json.unreadable{number}"
        for number in ("", "-2", "-3")
    ]
    assert not baseline.exists()
    assert [
        (tmp_path / f"url-baseline.json.unreadable{number}").read_text()
        for number in ("", "-2", "-3")
    ] == ["{first", "{second", "{third"]


def test_a_strict_build_says_it_leaves_the_new_baseline_to_the_operator(
    tmp_path, flattr_log
):
    # It said "started a new baseline", and failed without writing one;
    # then it said the next build that does not fail starts it, and the
    # next strict build passed, the URL changes since accepted unsaid.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.write_text("{broken")
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    aside = baseline.with_name("url-baseline.json.unreadable")
    (message,) = [
        r.getMessage() for r in flattr_log.records if str(aside) in r.getMessage()
    ]
    assert message.endswith(
        f"moved it to {aside}; strict builds fail until you repair it and put it "
        f"back as {baseline}, to check the URL changes since the last readable "
        "baseline, or delete it, to start a new baseline"
    )
    assert not baseline.exists()
    fails_strict(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert not baseline.exists()
    aside.unlink()  # the operator's decision: start anew
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)
    assert baseline.exists()


@pytest.mark.parametrize("strict", [False, True])
def test_no_baseline_names_the_one_set_aside_beside_it(tmp_path, flattr_log, strict):
    # A strict build set a truncated baseline aside and failed. Run again,
    # it found no baseline, said only that a CI may not keep the cache,
    # and passed: the changed URL became the new baseline's, for good.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    sound = baseline.read_text()
    baseline.write_text(sound[:-20])
    fails_strict(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    aside = baseline.with_name("url-baseline.json.unreadable")
    assert aside.exists() and not baseline.exists()
    flattr_log.clear()
    if strict:
        fails_strict(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    else:
        build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    start = (
        f"pelican-flattr: no URL baseline at {baseline}, but {aside} beside it "
        "was set aside by an earlier build that could not read it: this build "
        "compares no thing URL"
    )
    assert said_with(flattr_log, "no URL baseline") == [
        (
            "ERROR",
            f"{start}, and strict builds fail until you repair it and put it "
            f"back as {baseline}, to check the URL changes since, or delete it, "
            "to start a new baseline",
        )
        if strict
        else (
            "WARNING",
            f"{start}, and starts a new baseline: repair it and put it back as "
            f"{baseline} to check the URL changes since, or delete it",
        )
    ]
    assert guard_lines(flattr_log) == []
    assert baseline.exists() is not strict
    # Repaired and put back: the change since is said.
    aside.write_text(sound)
    aside.replace(baseline)
    flattr_log.clear()
    build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")


@pytest.mark.parametrize("strict", [False, True])
def test_a_baseline_setting_that_names_another_file_leaves_it_alone(
    tmp_path, flattr_log, strict
):
    # FLATTR_URL_BASELINE naming an article by mistake: never moved aside (it
    # would drop out of the next build) nor replaced.
    files = two_articles()
    article_path = tmp_path / "content" / "a.md"
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(article_path)}
    if strict:
        with pytest.raises(FlattrBuildError):
            build(tmp_path, files, FLATTR_STRICT=True, **settings)
    else:
        build(tmp_path, files, **settings)
    assert article_path.read_text(encoding="utf-8") == files["a.md"]
    assert not list(article_path.parent.glob("a.md.unreadable*"))
    (message,) = [
        r.getMessage()
        for r in flattr_log.records
        if str(article_path) in r.getMessage()
    ]
    assert message == (
        f"pelican-flattr: FLATTR_URL_BASELINE: {article_path} is not a "
        "pelican-flattr URL baseline, so the URL guard leaves it as it is and "
        "checks nothing: point FLATTR_URL_BASELINE at a file of its own"
    )


def test_a_damaged_baseline_elsewhere_is_still_kept_aside(tmp_path, flattr_log):
    # One that opens as a baseline is one, wherever it is.
    baseline = tmp_path / "guard.json"
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(baseline)}
    build(tmp_path, two_articles(), **settings)
    damaged = baseline.read_text()[:-20]
    baseline.write_text(damaged)
    build(tmp_path, two_articles(slug="other"), **settings)
    assert baseline.with_name("guard.json.unreadable").read_text() == damaged
    assert json.loads(baseline.read_text())["baseline_version"] == 1


@pytest.mark.parametrize("strict", [False, True])
def test_a_damaged_baseline_that_cannot_be_moved_aside_is_left_alone(
    tmp_path, flattr_log, strict
):
    # Its folder read-only: the baseline is neither moved aside nor
    # replaced, and the guard says it checks nothing (a strict build fails).
    folder = tmp_path / "guard"
    folder.mkdir()
    baseline = folder / "guard.json"
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(baseline)}
    build(tmp_path, two_articles(), **settings)
    damaged = baseline.read_text()[:-20]
    baseline.write_text(damaged)
    with read_only(folder):
        if strict:
            with pytest.raises(FlattrBuildError):
                build(
                    tmp_path, two_articles(slug="other"), FLATTR_STRICT=True, **settings
                )
        else:
            build(tmp_path, two_articles(slug="other"), **settings)
    assert baseline.read_text() == damaged
    assert sorted(p.name for p in folder.iterdir()) == ["guard.json"]
    (message,) = [
        r.getMessage() for r in flattr_log.records if str(baseline) in r.getMessage()
    ]
    assert message.startswith(f"pelican-flattr: {baseline}: not a readable baseline")
    assert "; cannot move it aside (" in message
    assert message.endswith(
        "so the URL guard leaves it as it is and checks nothing: repair or delete it"
    )
    assert guard_lines(flattr_log) == []  # nothing compared
    # Nor is a new baseline tried over it (which the read-only folder alone
    # would have stopped, with a message of its own).
    assert not [r for r in flattr_log.records if "cannot keep" in r.getMessage()]


BOM = "\ufeff"  # what an editor that saves "UTF-8 with BOM" writes first


def test_a_baseline_saved_with_a_byte_order_mark_still_guards(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.write_text(BOM + baseline.read_text("utf-8"), "utf-8")
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")
    assert not list(baseline.parent.glob("*.unreadable*"))


def test_a_damaged_baseline_with_a_byte_order_mark_elsewhere_is_kept_aside(
    tmp_path, flattr_log
):
    # Known as a baseline by its opening, the mark notwithstanding: moved
    # aside, not left in place as some other file.
    baseline = tmp_path / "guard.json"
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(baseline)}
    build(tmp_path, two_articles(), **settings)
    damaged = BOM + baseline.read_text("utf-8")[:-20]
    baseline.write_text(damaged, "utf-8")
    build(tmp_path, two_articles(slug="other"), **settings)
    aside = baseline.with_name("guard.json.unreadable")
    assert aside.read_text("utf-8") == damaged
    assert json.loads(baseline.read_text("utf-8"))["baseline_version"] == 1


def test_diff_reads_manifests_saved_with_a_byte_order_mark(tmp_path, capsys):
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_text(BOM + (output / "flattr-manifest.json").read_text("utf-8"), "utf-8")
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_AUTHORS=AUTHORS)
    new = tmp_path / "new.json"
    new.write_text(BOM + (output / "flattr-manifest.json").read_text("utf-8"), "utf-8")
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--json"]) == 1
    (change,) = json.loads(capsys.readouterr().out)["url_changed"]
    assert (change["source"], change["old_url"]) == ("a.md", OLD)


def test_strict_fails_on_an_unreadable_baseline(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.write_text("{broken")
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            two_articles(slug="other"),
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_STRICT=True,
        )
    aside = baseline.with_name("url-baseline.json.unreadable")
    assert aside.read_text() == "{broken"
    assert any(
        r.levelname == "ERROR" and str(baseline) in r.getMessage()
        for r in flattr_log.records
    )


@pytest.mark.parametrize("strict", [False, True])
def test_a_baseline_setting_that_names_a_folder_leaves_it_alone(
    tmp_path, flattr_log, strict
):
    # As FLATTR_URL_BASELINE = "cache": the folder is Pelican's, never moved
    # aside or replaced by a file.
    folder = tmp_path / "cache"
    (folder / "kept").mkdir(parents=True)
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_URL_BASELINE": str(folder)}
    if strict:
        with pytest.raises(FlattrBuildError):
            build(tmp_path, two_articles(), FLATTR_STRICT=True, **settings)
    else:
        output = build(tmp_path, two_articles(), **settings)
        assert len(manifest_things(output)) == 2
    assert folder.is_dir() and (folder / "kept").is_dir()
    assert not list(tmp_path.glob("cache.unreadable*"))
    (message,) = [
        r.getMessage() for r in flattr_log.records if str(folder) in r.getMessage()
    ]
    assert (
        f"FLATTR_URL_BASELINE {folder} is a folder, not a file, so the URL guard "
        "checks nothing" in message
    )


def test_a_baseline_name_the_system_refuses_is_a_warning(tmp_path, flattr_log):
    baseline = tmp_path / ("x" * 300)
    output = build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_URL_BASELINE=str(baseline),
    )
    assert len(manifest_things(output)) == 2
    assert any(
        f"FLATTR_URL_BASELINE {baseline} cannot be examined (File name too long)"
        in r.getMessage()
        for r in flattr_log.records
    )


# A file name that is not UTF-8 reaches Python as a str with surrogates.


def test_a_source_name_that_is_not_utf8_round_trips(tmp_path):
    source = b"caf\xe9.md".decode("utf-8", "surrogateescape")
    entries = [baseline_entry("https://x.example/cafe.html", source, "alice")]
    path = tmp_path / "baseline.json"
    write_baseline(path, entries)
    assert b'"source": "caf\\udce9.md"' in path.read_bytes()
    assert load_baseline(path) == entries
    assert holds_baseline(path, iter(entries))


# --- What the review of the guard found. ---


def test_a_source_of_the_last_build_taking_a_deleted_ones_url_warns(
    tmp_path, flattr_log
):
    # a.md is deleted and b.md takes its URL: not a move, since b.md was
    # there before with its own URL. a.md's flattrs pass to b.md's thing.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    (tmp_path / "content" / "a.md").unlink()
    files = {"b.md": article("Article B", "Bob", slug="first-slug")}
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    lines = guard_lines(flattr_log)
    assert len(lines) == 2
    assert any(
        line.startswith("pelican-flattr: a.md: gone from this build, and b.md")
        and f"now has its thing URL {OLD}" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("pelican-flattr: b.md: thing URL changed") for line in lines
    )
    # b.md given its own URL back, as the warning advises: a.md's thing is
    # still reported as gone, never dropped in silence.
    flattr_log.clear()
    build(
        tmp_path,
        {"b.md": article("Article B", "Bob", slug="b")},
        FLATTR_AUTHORS=AUTHORS,
    )
    (line,) = guard_lines(flattr_log)
    assert line.startswith("pelican-flattr: a.md: gone from this build") and OLD in line


@pytest.mark.parametrize(
    "siteurl",
    [
        "http://localhost:8000",
        "http://127.0.0.1:8000",
        "http://[::1]/",
        "https://blog.test",
        # A preview on the local network: a private address, or a name of
        # one label. The guard compared them with the published baseline.
        "http://192.168.1.10:8000",
        "http://10.0.0.5/",
        "http://[fd12:3456::1]:8000/",
        "http://devbox:8000",
        # Home and office network names: RFC 8375's, and never delegated.
        "http://nas.home.arpa:8000/",
        "http://blog.lan/",
        "http://Blog.Corp./",
        "http://box.localdomain/",
        "http://nas.home/",
    ],
)
def test_a_development_build_neither_compares_nor_replaces_the_baseline(
    tmp_path, flattr_log, siteurl
):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    published = baseline.read_bytes()
    flattr_log.set_level(logging.INFO, logger="pelican_flattr")
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, SITEURL=siteurl)
    assert guard_lines(flattr_log) == []
    assert baseline.read_bytes() == published
    assert any("URL guard skipped" in r.getMessage() for r in flattr_log.records)
    # A first build on the development address leaves no baseline either.
    baseline.unlink()
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS, SITEURL=siteurl)
    assert not baseline.exists()


def test_a_baseline_that_cannot_be_written_fails_a_strict_build(tmp_path, flattr_log):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings = {
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_URL_BASELINE": str(blocker / "b.json"),
    }
    build(tmp_path, two_articles(), **settings)
    assert any(
        "FLATTR_URL_BASELINE: cannot keep the URL guard's baseline" in r.getMessage()
        and r.levelname == "WARNING"
        for r in flattr_log.records
    )
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(), FLATTR_STRICT=True, **settings)


def test_a_baseline_with_an_integer_json_refuses_is_set_aside(tmp_path, flattr_log):
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    baseline.write_text('{"baseline_version": ' + "1" * 5000 + ', "things": []}\n')
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    assert baseline.with_name("url-baseline.json.unreadable").exists()
    assert any("not a readable baseline" in r.getMessage() for r in flattr_log.records)


def test_a_slug_with_a_space_gives_a_thing_url_the_guard_can_pin(tmp_path, flattr_log):
    from conftest import og, page

    old = "https://blog.example.org/smörgås%20bord.html"
    output = build(tmp_path, two_articles(slug="smörgås bord"), FLATTR_AUTHORS=AUTHORS)
    thing = manifest_things(output)["a.md"]
    assert thing["url"] == old and thing["page"] == "smörgås bord.html"
    assert og(page(output / thing["page"]), "og:url") == [old]
    build(tmp_path, two_articles(slug="smorgasbord"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert f"add 'Flattr_url: {old}' to a.md" in line
    # Doing as the warning says keeps the thing, without another word.
    flattr_log.clear()
    output = build(
        tmp_path,
        two_articles(slug="smorgasbord", flattr_url=old),
        FLATTR_AUTHORS=AUTHORS,
    )
    assert manifest_things(output)["a.md"]["url"] == old
    assert [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"] == []
    assert guard_lines(flattr_log) == []


def test_a_url_with_a_raw_space_from_an_earlier_build_is_accepted_not_pinned(
    tmp_path, flattr_log
):
    # Earlier versions published a slug's space as it was: no URL, and so
    # no pin either. The guard says what can be done about it.
    build(tmp_path, two_articles(slug="smörgås bord"), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    encoded = "https://blog.example.org/smörgås%20bord.html"
    raw = "https://blog.example.org/smörgås bord.html"
    text = baseline.read_text("utf-8")
    assert encoded in text
    baseline.write_text(text.replace(encoded, raw), "utf-8")
    flattr_log.clear()
    build(tmp_path, two_articles(slug="smörgås bord"), FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert f"from {raw} to {encoded}" in line
    assert "add the old URL to FLATTR_ACCEPT_URL_CHANGES" in line
    assert "add 'Flattr_url:" not in line  # it would be refused
    flattr_log.clear()
    build(
        tmp_path,
        two_articles(slug="smörgås bord"),
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_ACCEPT_URL_CHANGES=[raw],
    )
    assert guard_lines(flattr_log) == []


@pytest.mark.parametrize(
    ("old_url", "pinnable"),
    [
        ("https://x.example/a b.html", False),
        ("https://x.example/a\x01b.html", False),
        # Not printable, but nothing a URL may not hold: a pin keeps it.
        ("https://x.example/he\u200fbrew.html", True),
        ("https://x.example/caf\u00e9\u00a0bar.html", True),
        ("https://x.example/a|b{c}.html", True),
        # A slug with a quote gave such URLs; a pin refuses the quote.
        ('https://x.example/the-3.5"-floppy.html', False),
        ("https://x.example/a<b>.html", False),
    ],
)
def test_the_advice_pins_whatever_a_pin_may_hold(old_url, pinnable):
    from pelican_flattr.thing import check_pinned_url

    advice = UrlChange("a.md", old_url, "https://x.example/new.html").advice()
    assert (f"add 'Flattr_url: {old_url}'" in advice) is pinnable
    assert (check_pinned_url(old_url) is None) is pinnable


def test_diff_from_the_baseline_lists_the_changes_nobody_resolved(tmp_path, capsys):
    # A site whose output is deleted before each build has no old manifest
    # to copy: the baseline keeps each unresolved change's old URL, build
    # after build, and lets go of an accepted one.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    moved = {"FLATTR_AUTHORS": AUTHORS, "ARTICLE_URL": "posts/{slug}/"}
    moved["ARTICLE_SAVE_AS"] = "posts/{slug}/index.html"
    build(tmp_path, {}, **moved)
    build(tmp_path, {}, **moved)  # warned again: nothing resolved
    baseline = tmp_path.joinpath(*BASELINE)
    manifest = output / "flattr-manifest.json"

    def listed_changes():
        capsys.readouterr()
        status = main(["diff", str(baseline), str(manifest), "--json"])
        report = json.loads(capsys.readouterr().out)
        assert report["disappeared"] == []
        return status, [(c["old_url"], c["new_url"]) for c in report["url_changed"]]

    assert listed_changes() == (
        1,
        [
            (OLD, f"{SITEURL}/posts/first-slug/"),
            (f"{SITEURL}/b.html", f"{SITEURL}/posts/b/"),
        ],
    )
    # Accepted, a's old URL is let go: no change of the baseline's any more.
    build(tmp_path, {}, **moved, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    assert listed_changes() == (1, [(f"{SITEURL}/b.html", f"{SITEURL}/posts/b/")])


def test_diff_from_a_baseline_without_owners_or_damaged(tmp_path, capsys):
    # A baseline of an earlier version kept no owners: no owner to compare,
    # as the build's guard takes it, not an owner change of every thing.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    manifest = output / "flattr-manifest.json"
    lines = baseline.read_text(encoding="utf-8").splitlines(keepends=True)
    ownerless = tmp_path / "ownerless.json"
    ownerless.write_text(
        "".join(re.sub(r'"owner": "[^"]*", ', "", line) for line in lines),
        encoding="utf-8",
    )
    assert '"owner"' not in ownerless.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["diff", str(ownerless), str(manifest), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["owner_changed"] == []
    # Cut short, it is said to be a damaged baseline, with its line.
    cut = tmp_path / "cut.json"
    cut.write_text("".join(lines[:2]), encoding="utf-8")
    assert main(["diff", str(cut), str(manifest)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"pelican-flattr: {cut}: not a readable baseline ("), error
    # Piped, an empty manifest is said as such, named as given.
    command = (
        "import sys; from pelican_flattr.cli import main; "
        "raise SystemExit(main(sys.argv[1:]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", command, "diff", "-", str(manifest)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=child_env(),
    )
    assert (run.returncode, run.stderr) == (
        2,
        "pelican-flattr: standard input: empty: nothing was written to it\n",
    )


def test_diff_reads_no_more_of_a_pipe_than_a_manifest_holds(
    tmp_path, capsys, monkeypatch
):
    # Read whole into memory, /dev/zero or `yes |` took all there was (24 GB
    # before the kernel stopped it), deaf to SIGTERM meanwhile.
    from pelican_flattr import diff_command

    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    manifest = str(output / "flattr-manifest.json")
    capsys.readouterr()
    # No JSON object starts so: the first chunk alone is read.
    assert main(["diff", "/dev/zero", manifest]) == 2
    assert capsys.readouterr().err == (
        "pelican-flattr: /dev/zero: not a readable JSON manifest (Expecting "
        "value: line 1 column 1 (char 0))\n"
    )
    # One that might be: read up to the limit, and refused past it.
    monkeypatch.setattr(diff_command, "STREAM_LIMIT", 3 << 20)
    endless = b'\xef\xbb\xbf {"things": "' + b"a" * (8 << 20)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(endless)))
    assert main(["diff", "-", manifest]) == 2
    assert capsys.readouterr().err == (
        "pelican-flattr: standard input: more than 3 MiB, which no manifest "
        "holds (20,000 things take about 20 MiB): is it the manifest? Save it to "
        "a file to compare one this large\n"
    )
    assert sys.stdin.buffer.tell() == 4 << 20  # a chunk past the limit, no more
    # A manifest under the limit is compared as any.
    with open(manifest, "rb") as whole:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(whole.read())))
    assert main(["diff", "-", manifest]) == 0
    assert capsys.readouterr().out.startswith("No flattrs would be orphaned.")


@pytest.mark.parametrize("json_out", [False, True])
def test_diff_shows_a_source_edited_into_half_a_character(tmp_path, capsys, json_out):
    # "\ud800" names no file's bytes (a surrogate the baseline keeps for a
    # name that is no UTF-8 is one of \udc80 to \udcff): edited in by
    # hand, it ended diff with a traceback where it printed the source.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    text = baseline.read_text(encoding="utf-8")
    edited = tmp_path / "edited.json"
    edited.write_text(text.replace('"source": "a.md"', '"source": "\\ud800.md"'))
    assert "\\ud800.md" in edited.read_text(encoding="utf-8")
    capsys.readouterr()
    arguments = ["diff", str(edited), str(output / "flattr-manifest.json")]
    assert main(arguments + (["--json"] if json_out else [])) == 0
    out = capsys.readouterr().out
    if json_out:
        [moved] = json.loads(out)["moved"]
        assert (moved["source"], moved["to"]) == ("\\ud800.md", "a.md")
    else:
        assert "│ moved  │ \\ud800.md │" in out


def test_diff_of_two_sites_manifests_says_they_share_nothing(tmp_path, capsys):
    # A language's baseline against the main site's manifest was reported as
    # every thing gone and every other new, as if the site had lost them.
    from pelican_flattr.url_baseline import write_baseline

    OWNED = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    main_site = build(tmp_path / "en", {"a.md": article("Hello", "Alice")}, **OWNED)
    german = build(tmp_path / "de", {"b.md": article("Hallo", "Alice")}, **OWNED)
    manifest = str(main_site / "flattr-manifest.json")
    baseline = tmp_path / "de-baseline.json"
    things = json.loads((german / "flattr-manifest.json").read_text())["things"]
    entries = [
        {"url": t["url"], "source": t["source"], "owner": t["owner"]["value"]}
        for t in things
    ]
    write_baseline(baseline, entries, language="de")
    capsys.readouterr()
    assert main(["diff", str(german / "flattr-manifest.json"), manifest]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == (
        "The two manifests share no thing, by URL or by source file: if they are "
        "two sites' (with i18n_subsites, each language's site has its own manifest "
        "and baseline), compare each with its own; if one site moved and renamed "
        "every file, the rows say what to do"
    )
    assert main(["diff", str(baseline), manifest, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["unrelated"] == (
        "The two manifests share no thing, by URL or by source file: OLD_MANIFEST "
        "is the URL guard's baseline of the language site 'de' (i18n_subsites); "
        "compare it with that site's manifest"
    )
    assert main(["diff", str(baseline), manifest, "--gone-urls"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{SITEURL}/hallo.html\n"
    assert err.startswith("pelican-flattr: diff: The two manifests share no thing")
    # One thing in common (a site that moved every other): nothing said.
    two = {"a.md": article("Hello", "Alice"), "c.md": article("Other", "Alice")}
    both = build(tmp_path / "both", two, **OWNED)
    capsys.readouterr()
    assert main(["diff", manifest, str(both / "flattr-manifest.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unrelated"] is None


def test_diff_says_a_link_loop_a_long_integer_and_a_closed_stdin_plainly(
    tmp_path, capsys
):
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    manifest = str(output / "flattr-manifest.json")
    capsys.readouterr()
    # A loop of links was "no such manifest", where a file of that name is.
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    assert main(["diff", str(loop), manifest]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {loop}: a symbolic link that leads to no file\n"
    )
    # Python's advice to its programmers, sys.set_int_max_str_digits(), is
    # none for an operator.
    long = tmp_path / "long.json"
    long.write_text('{"schema_version": ' + "9" * 5000 + "}", encoding="utf-8")
    for old in (long, tmp_path.joinpath(*BASELINE)):
        if old != long:
            text = old.read_text(encoding="utf-8")
            old.write_text(text.replace(": 1,", ": " + "9" * 5000 + ",", 1))
        assert main(["diff", str(old), manifest]) == 2
        err = capsys.readouterr().err
        assert "value has 5000 digits)" in err and "sys." not in err, err
    # Started with stdin closed (<&-): a traceback, the bug's exit 70.
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from pelican_flattr.cli import main; "
         "raise SystemExit(main(sys.argv[1:]))", "diff", "-", manifest],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        cwd=tmp_path, env=child_env(), preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert (run.returncode, run.stderr) == (
        2,
        "pelican-flattr: standard input is closed: nothing can be read from it\n",
    )


def test_diff_says_an_empty_manifest_or_baseline_is_empty(tmp_path, capsys):
    # A failed build empties a manifest kept behind a link, and a CI makes
    # a linked baseline empty for the first build (README): both were "not
    # a readable JSON manifest (Expecting value: line 1 column 1)".
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    manifest = output / "flattr-manifest.json"
    capsys.readouterr()
    kept = tmp_path / "kept"
    kept.mkdir()
    for name in ("flattr-manifest.json", "flattr-url-baseline.json"):
        (kept / name).touch()
        link = tmp_path / f"linked-{name}"
        link.symlink_to(kept / name)
        for old, new in ((link, manifest), (manifest, link)):
            assert main(["diff", str(old), str(new)]) == 2
            assert capsys.readouterr().err == (
                f"pelican-flattr: {link}: an empty file where its link points "
                f"({kept / name}), not a manifest: no build has written it "
                "yet, or the last one failed\n"
            )
    plain = tmp_path / "plain.json"
    plain.write_text(" \n", encoding="utf-8")
    assert main(["diff", str(plain), str(manifest)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {plain}: an empty file, not a manifest: no build wrote it\n"
    )


def test_diff_given_a_folder_or_the_baseline_says_what_it_compares(tmp_path, capsys):
    # An operator's first guesses for OLD_MANIFEST: the output folder, and
    # the URL guard's baseline, which the build keeps. Both used to get a
    # riddle ("not a regular file", "schema_version is a null").
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    manifest = output / "flattr-manifest.json"
    capsys.readouterr()
    assert main(["diff", str(output), str(manifest)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {output}: a folder, not a manifest: give the "
        f"manifest in it ({manifest})\n"
    )
    # The baseline is read as the old side, as the guard compares it.
    baseline = tmp_path.joinpath(*BASELINE)
    assert main(["diff", str(baseline), str(manifest)]) == 0
    assert capsys.readouterr().err == ""
    # As the new side it is still no manifest.
    assert main(["diff", str(manifest), str(baseline)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {baseline}: the URL guard's baseline, not a "
        "manifest: give a flattr-manifest.json as NEW_MANIFEST, the newer "
        "build's (the baseline is read as OLD_MANIFEST only)\n"
    )


@pytest.mark.parametrize(
    ("setting", "retained"),
    [
        ({"FLATTR_URL_BASELINE": "output/url-baseline.json"}, "url-baseline.json"),
        ({"FLATTR_URL_BASELINE": "output/guard/baseline.json"}, "guard"),
        ({"CACHE_PATH": "output/cache"}, "cache"),
    ],
    ids=["baseline", "in-a-folder", "cache-path"],
)
def test_a_baseline_the_output_deletion_takes_is_refused_unless_retained(
    tmp_path, flattr_log, monkeypatch, setting, retained
):
    # Pelican empties the output before every build: a baseline there was
    # never found again, and the guard stayed silent on every change.
    monkeypatch.chdir(tmp_path)
    settings = dict(setting, FLATTR_AUTHORS=AUTHORS, DELETE_OUTPUT_DIRECTORY=True)
    build(tmp_path, two_articles(), **settings)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "lies in OUTPUT_PATH" in errors[0]
    # The setting to change: CACHE_PATH, when it put the baseline there.
    (named,) = setting
    if named == "CACHE_PATH":
        named = "CACHE_PATH, where the URL guard keeps its baseline by default,"
    assert f"({named} points there)" in errors[0]
    assert f"name '{retained}' in OUTPUT_RETENTION" in errors[0]
    # It is written all the same, and the next build stops: said now.
    assert errors[0].endswith(
        "(once a build has written it there, the next ones stop before Pelican "
        "empties the output, rather than have it deleted)"
    )
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(), FLATTR_STRICT=True, **settings)
    # Kept by OUTPUT_RETENTION, it guards as the default one does.
    flattr_log.clear()
    settings["OUTPUT_RETENTION"] = [retained]
    build(tmp_path, two_articles(), **settings)
    build(tmp_path, two_articles(slug="renamed"), **settings)
    assert [r for r in flattr_log.records if r.levelname == "ERROR"] == []
    assert len(guard_lines(flattr_log)) == 1


@pytest.mark.parametrize("strict", [False, True])
def test_the_output_deletion_never_takes_a_baseline_that_is_there(
    tmp_path, flattr_log, monkeypatch, strict
):
    # Pelican empties the output after the plugin reads its settings: the
    # error said the baseline would be lost, and Pelican deleted it in the
    # same build, strict or not (the strict failure comes at the end).
    monkeypatch.chdir(tmp_path)
    settings = dict(
        FLATTR_AUTHORS=AUTHORS, DELETE_OUTPUT_DIRECTORY=True, CACHE_PATH="output/cache"
    )
    output = build(tmp_path, two_articles(), **settings)
    baseline = output / "cache" / "pelican-flattr" / "url-baseline.json"
    kept = baseline.read_bytes()
    pages = sorted(path.name for path in output.glob("*.html"))
    flattr_log.clear()
    with pytest.raises(FlattrBuildError) as stopped:
        build(tmp_path, two_articles(slug="renamed"), FLATTR_STRICT=strict, **settings)
    assert str(stopped.value) == (
        "pelican-flattr: build stopped before DELETE_OUTPUT_DIRECTORY deleted "
        "what the plugin keeps across builds"
    )
    # Nothing deleted, nothing written.
    assert baseline.read_bytes() == kept
    assert sorted(path.name for path in output.glob("*.html")) == pages
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        "pelican-flattr: the URL guard's baseline "
        f"{baseline.relative_to(tmp_path)} lies in OUTPUT_PATH, "
        "which DELETE_OUTPUT_DIRECTORY empties now, before this build: it holds "
        "the thing URLs each build is compared with, which no build makes again. "
        "The build stops before Pelican deletes anything: move it out of the "
        "output and point FLATTR_URL_BASELINE at it, or name 'cache' in "
        "OUTPUT_RETENTION"
    ]
    # Kept as advised, it guards the change the stopped build held.
    flattr_log.clear()
    build(
        tmp_path, two_articles(slug="renamed"), OUTPUT_RETENTION=["cache"], **settings
    )
    assert len(guard_lines(flattr_log)) == 1


@pytest.mark.parametrize(
    "setting",
    [
        {"DELETE_OUTPUT_DIRECTORY": False},
        {"DELETE_OUTPUT_DIRECTORY": True, "FLATTR_URL_GUARD": False},
    ],
    ids=["output-kept", "no-guard"],
)
def test_a_baseline_in_the_output_is_no_problem_kept_or_unused(
    tmp_path, flattr_log, monkeypatch, setting
):
    # Only an output emptied before a guarded build loses it: a strict
    # build refused either of these for nothing.
    monkeypatch.chdir(tmp_path)
    settings = dict(
        setting,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_URL_BASELINE="output/url-baseline.json",
        FLATTR_STRICT=True,
    )
    output = build(tmp_path, two_articles(), **settings)
    assert "a.md" in manifest_things(output)
    assert [r for r in flattr_log.records if r.levelname == "ERROR"] == []


def test_a_baseline_link_in_the_output_stops_the_deletion_too(
    tmp_path, flattr_log, monkeypatch
):
    # Pelican deletes a link in the output, not the file it names: read
    # through the link, the baseline seemed to lie outside, and the link
    # went, the guard left without its baseline, unsaid.
    monkeypatch.chdir(tmp_path)
    kept = tmp_path / "kept" / "baseline.json"
    kept.parent.mkdir()
    settings = dict(
        FLATTR_AUTHORS=AUTHORS,
        DELETE_OUTPUT_DIRECTORY=True,
        FLATTR_URL_BASELINE="output/baseline.json",
        OUTPUT_RETENTION=["baseline.json"],
    )
    output = build(tmp_path, two_articles(), **settings)
    (output / "baseline.json").rename(kept)
    (output / "baseline.json").symlink_to(kept)
    del settings["OUTPUT_RETENTION"]
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(slug="renamed"), **settings)
    assert (output / "baseline.json").is_symlink()
    # Only the link goes: it was said to be a file "no build makes again",
    # and to be moved out of the output, where it was already.
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        "pelican-flattr: the URL guard's baseline output/baseline.json lies in "
        "OUTPUT_PATH, which DELETE_OUTPUT_DIRECTORY empties now, before this "
        f"build: a link to {kept}, which Pelican deletes, not the file: the next "
        "build would find no baseline and start one, its history of thing URLs "
        "left behind where the link pointed. The build stops before Pelican "
        f"deletes anything: point FLATTR_URL_BASELINE at {kept}, or name "
        "'baseline.json' in OUTPUT_RETENTION"
    ]
    # A link to a file in the output is that file: deleted with it.
    inside = output / "kept-baseline.json"
    kept.rename(inside)
    (output / "baseline.json").unlink()
    (output / "baseline.json").symlink_to(inside)
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(slug="renamed"), **settings)
    (error,) = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert "which no build makes again" in error and "a link" not in error, error


def test_a_language_site_s_baseline_in_the_output_stops_the_deletion(tmp_path):
    # The main site empties the output before each language's site runs:
    # the language's baseline there (named for it beside the main one, or
    # its own setting) went each build, the guard of its site said nothing.
    base = {
        "DELETE_OUTPUT_DIRECTORY": True,
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_URL_BASELINE": str(tmp_path / "output" / "baseline.json"),
        "OUTPUT_RETENTION": ["baseline.json"],
    }
    files = {
        "en.md": article("Post", "Alice", Slug="post", Lang="en"),
        "de.md": article("Beitrag", "Alice", Slug="post", Lang="de"),
    }
    first = i18n_build(tmp_path, files, **base)
    assert first.status == 0, first.log
    language = tmp_path / "output" / "baseline.de.json"
    kept = language.read_bytes()
    stopped = i18n_build(tmp_path, files, **base)
    assert stopped.status == 1
    assert language.read_bytes() == kept
    (line,) = [m for m in stopped.messages if "baseline.de.json" in m]
    assert line.startswith(
        f"pelican-flattr: I18N_SUBSITES['de']: the URL guard's baseline {language} "
        "lies in OUTPUT_PATH, which DELETE_OUTPUT_DIRECTORY empties now"
    ), line
    assert line.endswith("or name 'baseline.de.json' in OUTPUT_RETENTION"), line


def test_a_baseline_in_a_language_site_s_own_output_stops_before_any_deletion(
    tmp_path,
):
    # A language's site with an OUTPUT_PATH of its own empties it too,
    # later in the run: stopped by that site's own check, the main site's
    # output was deleted already and nothing was written in its place.
    own_output = tmp_path / "output-de"
    base = {
        "DELETE_OUTPUT_DIRECTORY": True,
        "FLATTR_AUTHORS": AUTHORS,
        "I18N_SUBSITES": {
            "de": {
                "OUTPUT_PATH": str(own_output),
                "FLATTR_URL_BASELINE": str(own_output / "urls.json"),
            }
        },
    }
    files = {
        "en.md": article("Post", "Alice", Slug="post", Lang="en"),
        "de.md": article("Beitrag", "Alice", Slug="post", Lang="de"),
    }
    first = i18n_build(tmp_path, files, **base)
    assert first.status == 0, first.log
    main_pages = sorted(p.name for p in (tmp_path / "output").glob("*.html"))
    assert main_pages
    kept = (own_output / "urls.json").read_bytes()
    stopped = i18n_build(tmp_path, files, **base)
    assert stopped.status == 1
    assert (own_output / "urls.json").read_bytes() == kept
    assert sorted(p.name for p in (tmp_path / "output").glob("*.html")) == main_pages
    (line,) = [m for m in stopped.messages if "urls.json" in m]
    assert line.startswith(
        f"pelican-flattr: I18N_SUBSITES['de']: the URL guard's baseline "
        f"{own_output / 'urls.json'} lies in {own_output}, the OUTPUT_PATH of "
        "I18N_SUBSITES['de'], which DELETE_OUTPUT_DIRECTORY empties before that "
        "site is built, later in this run: it holds the thing URLs"
    ), line
    assert line.endswith("or name 'urls.json' in OUTPUT_RETENTION"), line


def test_a_baseline_linked_from_outside_to_the_output_stops_the_deletion(
    tmp_path, flattr_log, monkeypatch
):
    # Through a link outside the output, Pelican deletes the file in it.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "safe").mkdir()
    settings = dict(
        FLATTR_AUTHORS=AUTHORS,
        DELETE_OUTPUT_DIRECTORY=True,
        FLATTR_URL_BASELINE="safe/urls.json",
    )
    output = build(tmp_path, two_articles(), **settings)
    (tmp_path / "safe" / "urls.json").rename(output / "urls.json")
    (tmp_path / "safe" / "urls.json").symlink_to(output / "urls.json")
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(slug="renamed"), **settings)
    assert (output / "urls.json").is_file()


@pytest.mark.parametrize(
    ("settings", "stops"),
    [
        # The main site's guard off, the language's on: the language's
        # baseline is still named for it, beside the main one's path.
        (
            {
                "FLATTR_URL_GUARD": False,
                "I18N_SUBSITES": {"de": {"FLATTR_URL_GUARD": True}},
            },
            True,
        ),
        # I18N_SUBSITES without the plugin: no language's site is built,
        # and none of its files is the build's to keep.
        ({"PLUGINS": ["pelican_flattr"], "I18N_SUBSITES": {"de": {}}}, False),
    ],
    ids=["main-guard-off", "no-i18n-plugin"],
)
def test_a_language_s_baseline_is_kept_only_for_a_language_site_that_is_built(
    tmp_path, settings, stops
):
    output = tmp_path / "output"
    base = {
        "DELETE_OUTPUT_DIRECTORY": True,
        "FLATTR_AUTHORS": AUTHORS,
        "FLATTR_URL_BASELINE": str(output / "urls.json"),
        "OUTPUT_RETENTION": ["urls.json"],
        **settings,
    }
    files = {
        "en.md": article("Post", "Alice", Slug="post", Lang="en"),
        "de.md": article("Beitrag", "Alice", Slug="post", Lang="de"),
    }
    language = output / "urls.de.json"
    if stops:
        assert i18n_build(tmp_path, files, **base).status == 0
        assert language.is_file()
    else:
        output.mkdir()
        language.write_text('{"baseline_version": 1, "things": []}\n')
    again = i18n_build(tmp_path, files, **base)
    assert again.status == (1 if stops else 0), again.log
    assert language.is_file() == stops


def test_an_output_that_holds_the_content_is_never_emptied_so_keeps_its_baseline(
    tmp_path, flattr_log, monkeypatch
):
    # Pelican leaves an output folder that holds PATH as it is, whatever
    # DELETE_OUTPUT_DIRECTORY says: a baseline there is kept, and a build
    # stopped for it would stop for nothing.
    monkeypatch.chdir(tmp_path)
    settings = dict(
        FLATTR_AUTHORS=AUTHORS,
        DELETE_OUTPUT_DIRECTORY=True,
        OUTPUT_PATH=str(tmp_path),
        FLATTR_URL_BASELINE="url-baseline.json",
    )
    build(tmp_path, two_articles(), **settings)
    build(tmp_path, two_articles(slug="renamed"), **settings)
    assert [r for r in flattr_log.records if r.levelname == "ERROR"] == []
    assert len(guard_lines(flattr_log)) == 1


def test_a_baseline_of_another_version_is_set_aside_not_read(tmp_path, flattr_log):
    # A newer release's baseline may mean something else by the same keys:
    # read as this one's, its changes would be reported wrong, and the
    # build would overwrite it.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    baseline = tmp_path.joinpath(*BASELINE)
    newer = json.loads(baseline.read_text())
    newer["baseline_version"] = 2
    baseline.write_text(json.dumps(newer, indent=2))
    with pytest.raises(BaselineError, match="not a pelican-flattr URL baseline"):
        load_baseline(baseline, keep=lambda entry: True)
    build(tmp_path, two_articles(slug="other"), FLATTR_AUTHORS=AUTHORS)
    aside = baseline.with_name("url-baseline.json.unreadable")
    assert json.loads(aside.read_text())["baseline_version"] == 2
    assert guard_lines(flattr_log) == []  # nothing compared with it


def test_pages_at_the_top_of_the_content_folder_are_named_as_a_manifest_names_them(
    tmp_path,
):
    # PAGE_PATHS = [""]: Pelican's file search names them "./about.md", a
    # manifest "about.md"; the diff would not know them for pages.
    from pelican.settings import DEFAULT_CONFIG, configure_settings

    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "about.md").write_text("Title: About\n\nUs.\n")
    (content / "posts" / "a.md").write_text("Title: A\nDate: 2024-01-01\n\nA.\n")
    # One below: named with "/" as a manifest names it, on Windows too.
    (content / "pages").mkdir()
    (content / "pages" / "team.md").write_text("Title: Team\n\nThem.\n")
    settings = configure_settings(
        {
            **DEFAULT_CONFIG,
            "PATH": str(content),
            "OUTPUT_PATH": str(tmp_path / "output"),
            "PAGE_PATHS": [""],
            "ARTICLE_PATHS": ["posts"],
        }
    )
    assert pages_in(settings, str(content)) == {"about.md", "pages/team.md"}
    # A name that is not UTF-8 with its escapes, as the manifest records it.
    try:
        Path(os.fsdecode(bytes(content / "pages") + b"/caf\xe9.md")).write_text("x")
    except (OSError, ValueError) as error:
        pytest.skip(f"this file system refuses a name that is not UTF-8: {error}")
    assert "pages/caf\\xe9.md" in pages_in(settings, str(content))


def _on_a_terminal(command: list[str], columns: int) -> str:
    """What ``command`` prints on a terminal ``columns`` wide (a real
    pseudo-terminal: the command sees a TTY on stdout)."""
    import os
    import pty

    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "dumb"}
    env.pop("FORCE_COLOR", None)
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            command, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL, env=env
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command ended and closed its side
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    finally:
        os.close(leader)
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 40])
def test_diff_on_a_narrow_terminal_keeps_each_url_and_fix_whole(tmp_path, columns):
    # A terminal too narrow for the table folded every cell to its column:
    # URLs and "add 'Flattr_url: ...'" came out in pieces, not to be copied.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    build(tmp_path, two_articles(slug="a-much-longer-new-slug"), FLATTR_AUTHORS=AUTHORS)
    pelican_flattr = Path(sys.executable).with_name("pelican-flattr")
    new = str(output / "flattr-manifest.json")
    shown = _on_a_terminal([str(pelican_flattr), "diff", str(old), new], columns)
    lines = shown.splitlines()
    old_url = f"{SITEURL}/first-slug.html"
    assert f"  thing URL: {old_url} -> {SITEURL}/a-much-longer-new-slug.html" in lines
    assert any(
        line.startswith(f"  note: add 'Flattr_url: {old_url}' to ") for line in lines
    ), shown
    assert "┃" not in shown  # no table
    # Wide enough, the table as before.
    assert "┃" in _on_a_terminal([str(pelican_flattr), "diff", str(old), new], 1000)


@pytest.mark.parametrize(
    ("old_url", "says"),
    [
        ("https://example.org/a b.html", "holds the space ' '"),
        ("https://www.example.123/a.html", "has a host name that ends in a number"),
        # Said without the answer's own advice, to write it as %22: that
        # would be another thing URL.
        ('https://example.org/a"b.html', "holds the character '\"'"),
        ("https://example.org\\x/a.html", "holds the character '\\\\' before its path"),
        # A slug's "\\" gave it: browsers never asked for that address.
        (
            "https://example.org/c\\tips.html",
            "holds the character '\\\\' in its path (browsers read it as '/', "
            "and so another path)",
        ),
        # A baseline edited by hand.
        ("ftp://example.org/a.html", "is not an absolute http:// or https:// URL"),
    ],
)
def test_an_old_url_no_pin_may_hold_is_named_for_what_it_holds(old_url, says):
    # The advice once said "whitespace, a control character or one of
    # '"<>'" of every URL a pin refuses, host names refused since included.
    advice = UrlChange("a.md", old_url, f"{SITEURL}/a.html").advice()
    assert advice.startswith(f"no 'Flattr_url:' can keep the old URL, which {says}")
    assert advice.endswith(": add the old URL to FLATTR_ACCEPT_URL_CHANGES")
    assert advice.count(": ") == 1 and "write it as" not in advice, advice
    assert "Flattr_url: http" not in advice


RST = """{title}
{underline}

:date: 2024-03-01 10:00
:author: Alice
:slug: {slug}
{pin}
A first paragraph with enough words to be a summary of this piece.
"""
HTML = """<html><head><title>{title}</title>
<meta name="date" content="2024-03-01 10:00"><meta name="author" content="Alice">
<meta name="slug" content="{slug}">{pin}</head>
<body><p>A first paragraph with enough words to be a summary.</p></body></html>
"""


@pytest.mark.parametrize(
    ("name", "template", "pin"),
    [
        ("a.rst", RST, ":flattr_url: {url}\n"),
        ("a.html", HTML, '<meta name="flattr_url" content="{url}">'),
    ],
)
def test_the_advice_to_pin_is_written_as_the_files_reader_takes_it(
    tmp_path, flattr_log, name, template, pin
):
    # The guard always advised "Flattr_url: URL", a line a reStructuredText
    # or HTML file does not read as metadata.
    def source(slug: str, pinned: str = "") -> dict[str, str]:
        title = "Article A"
        text = template.format(
            title=title, underline="#" * len(title), slug=slug, pin=pinned
        )
        return {name: text}

    build(tmp_path, source("first-slug"), FLATTR_AUTHORS=AUTHORS)
    flattr_log.clear()
    build(tmp_path, source("new-slug"), FLATTR_AUTHORS=AUTHORS)
    old = f"{SITEURL}/first-slug.html"
    line = pin.format(url=old).strip()
    (said,) = guard_lines(flattr_log)
    assert f"add '{line}' to {name}" in said, said
    # Followed, the advice keeps the thing URL, and the guard is quiet.
    flattr_log.clear()
    output = build(
        tmp_path, source("new-slug", pin.format(url=old)), FLATTR_AUTHORS=AUTHORS
    )
    assert guard_lines(flattr_log) == []
    assert manifest_things(output)[name]["url"] == old


def test_an_accepted_url_live_again_is_said_to_be_taken_out(tmp_path, flattr_log):
    # a.md opts out, its URL is accepted, then it opts back in: left in the
    # setting, the URL let a later slug change of a.md go without a word,
    # even under FLATTR_STRICT.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    accepted = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_ACCEPT_URL_CHANGES": [OLD]}
    build(tmp_path, two_articles(flattr="no"), **accepted)
    flattr_log.clear()
    for _ in range(2):  # a warning, even strict, until taken out
        build(tmp_path, two_articles(), **accepted, FLATTR_STRICT=True)
    said = [r for r in flattr_log.records if "FLATTR_ACCEPT" in r.getMessage()]
    assert [r.levelname for r in said] == ["WARNING"] * 2
    assert said[0].getMessage() == (
        "pelican-flattr: FLATTR_ACCEPT_URL_CHANGES holds a thing URL of this "
        f"build: {OLD} (a.md's); once a build has passed with it (this one, "
        "unless it fails), the baseline keeps it as the thing's it is now: remove "
        "it from FLATTR_ACCEPT_URL_CHANGES, or a later change of that thing "
        "goes unreported"
    )
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):  # taken out: guarded again
        build(
            tmp_path,
            two_articles(slug="renamed"),
            FLATTR_AUTHORS=AUTHORS,
            FLATTR_STRICT=True,
        )
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")
    assert not [r for r in flattr_log.records if "holds a thing" in r.getMessage()]


def test_an_accepted_old_url_keeps_no_reassigned_key_for_good(tmp_path, flattr_log):
    # Alice's article got a new slug, its old URL accepted, then was given
    # to Bob: the released entry (Alice's, of a source Bob's thing has now)
    # kept "its baseline gives the owner nothing once a build passes" on
    # every build, and the key was never taken for one that names nobody.
    authors = {"Alice": "alice", "Bob": "bob"}
    build(
        tmp_path,
        {"s.md": article("Shared", "Alice", slug="one")},
        FLATTR_AUTHORS=authors,
    )
    accepted = {"FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/one.html"]}
    build(
        tmp_path,
        {"s.md": article("Shared", "Alice", slug="two")},
        FLATTR_AUTHORS=authors,
        **accepted,
    )
    bobs = {"s.md": article("Shared", "Bob", slug="two")}
    build(tmp_path, bobs, FLATTR_AUTHORS=authors, **accepted)
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, bobs, FLATTR_AUTHORS=authors, FLATTR_STRICT=True, **accepted)
    said = [m for _, m in said_with(flattr_log, "FLATTR_AUTHORS['Alice']")]
    assert any("check its spelling" in m for m in said), said


def test_a_key_whose_only_article_was_deleted_and_accepted_stays_no_typo(
    tmp_path, flattr_log
):
    # The build that accepted the deletion said "no author any more ...
    # remove the key once the content is deleted" and passed; the next,
    # unchanged, called the key misspelt, and a strict build failed.
    authors = {"Alice": "alice", "Wei Jensen": "twitter:user:id:42"}
    files = {
        "a.md": article("Article A", "Alice", slug="a"),
        "w.md": article("Wei's only one", "Wei Jensen", slug="w"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    (tmp_path / "content" / "w.md").unlink()
    settings = {
        "FLATTR_AUTHORS": authors,
        "FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/w.html"],
        "FLATTR_STRICT": True,
    }
    said = []
    for _ in range(2):
        flattr_log.clear()
        build(tmp_path, {"a.md": files["a.md"]}, **settings)
        said.append(
            [
                (r.levelname, r.getMessage())
                for r in flattr_log.records
                if "FLATTR_AUTHORS['Wei Jensen']" in r.getMessage()
            ]
        )
    assert said[0] == said[1], said
    ((level, message),) = said[1]
    assert level == "WARNING" and "remove the key once the author's content" in message


def test_a_key_whose_author_was_renamed_in_the_content_says_so(tmp_path, flattr_log):
    # Bob renamed to Robert in the content, the key left as it was: the
    # warning called his articles "deleted, or failed to read" and said to
    # remove the key, which would leave them without an owner for good.
    authors = {"Alice": "alice", "Bob Builder": "twitter:user:id:9"}
    files = {
        "a.md": article("Article A", "Alice", slug="a"),
        "b.md": article("Article B", "Bob Builder", slug="b"),
        "c.md": article("Article C", "Bob Builder", slug="c"),
    }
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    renamed = {
        name: text.replace("Bob Builder", "Robert Builder")
        for name, text in files.items()
    }
    flattr_log.clear()
    build(tmp_path, renamed, FLATTR_AUTHORS=authors)
    # (The articles without an owner are asked after the key, said apart.)
    said = [
        r.getMessage()
        for r in flattr_log.records
        if "FLATTR_AUTHORS[" in r.getMessage()
        and "has no Flattr owner" not in r.getMessage()
    ]
    assert said == [
        "pelican-flattr: FLATTR_AUTHORS['Bob Builder'] names no author of this "
        "site any more, but the last build the URL guard recorded gave its owner 2 "
        "things whose source "
        "files this build still read, now by 'Robert Builder', without a thing: "
        "if the author was renamed, or the key misspelt since, make the key match"
    ]


@pytest.mark.parametrize(
    ("old", "new", "shape"),
    [
        # Dated to undated: one shape whatever the date.
        (
            "https://a.org/20{0:02}/0{1}/post-{2}.html",
            "https://a.org/posts/post-{2}.html",
            "from https://a.org/#/#/*.html to https://a.org/posts/*.html",
        ),
        # A path put in front (a new SITEURL path, a section).
        (
            "https://a.org/20{0:02}/post-{2}.html",
            "https://a.org/blog/20{0:02}/post-{2}.html",
            "from https://a.org/#/*.html to https://a.org/blog/#/*.html",
        ),
        # One folder renamed.
        (
            "https://a.org/posts/post-{2}.html",
            "https://a.org/articles/post-{2}.html",
            "from https://a.org/posts/*.html to https://a.org/articles/*.html",
        ),
        # The slug a folder of its own, with an index page.
        (
            "https://a.org/posts/post-{2}/index.html",
            "https://a.org/posts/post-{2}.html",
            "from https://a.org/posts/*/index.html to https://a.org/posts/*.html",
        ),
        # A slug shorter than a folder name both keep: the slug is the
        # last part's name, not the longest name they share.
        (
            "https://a.org/workshop/p{2}.html",
            "https://a.org/workshop/p{2}/",
            "from https://a.org/workshop/*.html to https://a.org/workshop/*/",
        ),
        # The last part no slug (index.html), and the year both keep
        # longer than the slug: a number is a date's, never the slug.
        (
            "https://a.org/posts/20{0:02}/p{2}/index.html",
            "https://a.org/20{0:02}/p{2}.html",
            "from https://a.org/posts/#/*/index.html to https://a.org/#/*.html",
        ),
        # Pelican's ARTICLE_LANG_URL, {slug}-{lang}.html (a language taken
        # out of I18N_SUBSITES): no name both have, the new one the old
        # slug with the language after it.
        (
            "https://a.org/fr/20{0:02}/seul-{2}/",
            "https://a.org/seul-{2}-fr.html",
            "from https://a.org/fr/#/*/ to https://a.org/*-fr.html",
        ),
        # ...and back, the language's site built again; a word before.
        (
            "https://a.org/seul-{2}-fr.html",
            "https://a.org/fr/20{0:02}/seul-{2}/",
            "from https://a.org/*-fr.html to https://a.org/fr/#/*/",
        ),
        (
            "https://a.org/post-{2}.html",
            "https://a.org/pt_BR-post-{2}.html",
            "from https://a.org/*.html to https://a.org/pt_BR-*.html",
        ),
    ],
)
def test_urls_a_setting_moved_alike_are_summed_up_as_one_shape(old, new, shape):
    # The summary names the setting only when it sees the things moved
    # alike: a dated URL made each thing a shape of its own, a renamed
    # folder a shape with the slug cut in two.
    changes = [
        UrlChange(f"p{n}.md", old.format(n % 7, n % 9 + 1, n), new.format(n % 7, 0, n))
        for n in range(8)
    ]
    _, _, summary = url_change_warnings(changes, "pelican-flattr diff", Path("b"))
    assert f"8 of the 8 changed thing URLs changed alike, {shape}: " in summary
    assert "ARTICLE_URL" in summary


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # A number after the slug is no word a setting adds: a date's, or
        # another article's slug (post-1 and post-1-2).
        ("https://a.org/post-1.html", "https://a.org/post-1-2.html"),
        # Two names, the longer one far longer: unrelated articles.
        ("https://a.org/go.html", "https://a.org/go-somewhere-else-today.html"),
        # Joined without "-": no word of a setting's.
        ("https://a.org/post.html", "https://a.org/postfr.html"),
    ],
)
def test_names_that_are_not_a_slug_with_a_word_added_share_no_shape(old, new):
    from pelican_flattr.url_guard import _shape

    assert _shape(old, new) is None


def test_slugs_with_other_words_added_are_not_alike():
    # The word stays in the shape: articles given -fr and -de each are two
    # shapes, not one site-wide change.
    changes = [
        UrlChange(f"p{n}.md", f"https://a.org/p{n}/", f"https://a.org/p{n}-{lang}.html")
        for n in range(8)
        for lang in ["fr" if n % 2 else "de"]
    ]
    _, _, summary = url_change_warnings(changes, "pelican-flattr diff", Path("b"))
    assert summary is None


def test_urls_moved_to_pelicans_lang_url_are_summed_up(tmp_path, flattr_log):
    # Articles given Pelican's {slug}-{lang}.html (as a language taken out of
    # I18N_SUBSITES gives them, or a setting) had no name in common with
    # their old URLs: no summary, no shape, no site-wide fix.
    files = {
        f"p{n}.md": article(f"Post {n}", "Alice", slug=f"post-{n:02}") for n in range(5)
    }
    dated = {
        "ARTICLE_URL": "{date:%Y}/{slug}/",
        "ARTICLE_SAVE_AS": "{date:%Y}/{slug}/index.html",
    }
    build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"}, **dated)
    build(
        tmp_path,
        {},
        FLATTR_AUTHORS={"Alice": "alice"},
        ARTICLE_URL="{slug}-{lang}.html",
        ARTICLE_SAVE_AS="{slug}-{lang}.html",
    )
    ((_, summary),) = summary_lines(flattr_log)
    assert (
        f"5 of the 5 changed thing URLs changed alike, from {SITEURL}/#/*/ to "
        f"{SITEURL}/*-en.html: their slugs have '-en' after them now, as "
        "Pelican's ARTICLE_LANG_URL and PAGE_LANG_URL ({slug}-{lang}.html) give "
        "an article in another language than the site's: a language taken out "
        "of I18N_SUBSITES, a changed DEFAULT_LANG, or a changed ARTICLE_URL, "
        "ARTICLE_SAVE_AS or PAGE_URL setting (or their LANG_ twins) is the "
        "likely cause: put it back to keep their flattrs"
    ) in summary


def test_a_siteurl_with_a_path_moved_to_another_host_is_named_whole():
    # FLATTR_SITEURL stands for SITEURL whole: the host alone would move
    # every thing URL again, to https://old.org/x.html.
    changes = [
        UrlChange(
            f"p{n}.md",
            f"https://old.org/blog/{n}.html",
            f"https://new.org/blog/{n}.html",
        )
        for n in range(5)
    ]
    _, _, summary = url_change_warnings(
        changes, "pelican-flattr diff", Path("b"), "https://new.org/blog"
    )
    assert "set FLATTR_SITEURL = 'https://old.org/blog' to keep" in summary


# Carol's owner is an address, shown hashed; keep.md keeps her an author of
# the site (a strict build refuses a key that names none).
CAROL_AUTHORS = {"Alice": "alice", "Carol": "email:carol@example.org"}
CAROL = "email:" + hashlib.md5(b"carol@example.org").hexdigest()
PRINTING = f"{SITEURL}/printing.html"


def carol_and_alice():
    """carol.md at PRINTING, alice.md at other.html, and keep.md of Carol's."""
    return {
        "carol.md": article("Carol prints", "Carol", slug="printing"),
        "alice.md": article("Other", "Alice", slug="other"),
        "keep.md": article("Keep", "Carol", slug="keep"),
    }


def kept_with_carol(source, taker, why=""):
    """The guard's line for ``taker`` having PRINTING, carol.md's, under
    Alice, as ``source`` lost it (``why``: how, after its name)."""
    return (
        f"pelican-flattr: {source}: {why}{taker} now has its thing URL "
        f"{PRINTING}, owned by {CAROL} in the last build, and by alice now; "
        "but Flattr keeps the owner a thing was created with, so a thing "
        f"already flattred there takes the flattrs of {taker} to {CAROL} (or to "
        "whoever owned it when it was created); whoever holds "
        f"{CAROL} claims them by verifying it for their Flattr account "
        f"(pelican-flattr verify --identity {CAROL} --username "
        "THEIR_FLATTR_USERNAME)"
    )


def assert_taken_until_accepted(tmp_path, flattr_log, files, taker, said, let_go=()):
    """``said`` (the guard's one line) on every build of ``files`` until
    PRINTING is accepted for one build, which says once that ``taker``
    has it for good; silence after, and the baseline ``taker``'s.
    ``let_go``: other URLs every build accepts (the taker's own old one)."""
    settings = {"FLATTR_AUTHORS": CAROL_AUTHORS, "FLATTR_ACCEPT_URL_CHANGES": let_go}
    for _ in range(2):  # said again until resolved
        flattr_log.clear()
        build(tmp_path, files, **settings)
        assert guard_lines(flattr_log) == [said]
    flattr_log.clear()
    fails_strict(tmp_path, files, **settings)
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [said]
    assert owner_lines(flattr_log) == []  # said as the change, not besides
    # Until then carol.md keeps the URL, the taker waits at it.
    assert [t for t in baseline_things(tmp_path) if t["url"] == PRINTING] == [
        {"owner": "alice", "source": taker, "unresolved": True, "url": PRINTING},
        {"owner": CAROL, "source": "carol.md", "url": PRINTING},
    ]
    flattr_log.clear()
    build(
        tmp_path,
        files,
        FLATTR_AUTHORS=CAROL_AUTHORS,
        FLATTR_ACCEPT_URL_CHANGES=[PRINTING, *let_go],
    )
    (handed,) = guard_lines(flattr_log)
    assert handed == said.partition(". Fix: ")[0] + (
        f". FLATTR_ACCEPT_URL_CHANGES lists {PRINTING}, so this build gives the "
        f"URL to {taker} permanently. If that is not meant, remove it from "
        f"FLATTR_ACCEPT_URL_CHANGES and give {taker} another URL"
    )
    flattr_log.clear()
    for _ in range(2):
        build(tmp_path, files, **settings, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == [] and owner_lines(flattr_log) == []
    assert [t for t in baseline_things(tmp_path) if t["url"] == PRINTING] == [
        {"owner": "alice", "source": taker, "url": PRINTING}
    ]
    assert "carol@example.org" not in tmp_path.joinpath(*BASELINE).read_text()
    assert not [r for r in flattr_log.records if "carol@" in r.getMessage()]


def test_a_deleted_urls_reuse_by_another_owner_in_one_build(
    tmp_path, flattr_log, capsys
):
    # carol.md deleted and its slug reused by a new article of Alice's in
    # the same build was taken for a move (and a once-said owner change):
    # but Flattr keeps the thing at PRINTING with Carol, as for a URL let go
    # and reused (test_a_released_url_reused_under_another_owner_warns).
    output = build(tmp_path, carol_and_alice(), FLATTR_AUTHORS=CAROL_AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    (tmp_path / "content" / "carol.md").unlink()
    files = {"alice-print.md": article("Alice prints", "Alice", slug="printing")}
    said = kept_with_carol("carol.md", "alice-print.md", "gone from this build, and ")
    fix = (
        ". Fix: give alice-print.md another thing URL (change its slug, or pin it "
        "another URL with a Flattr_url: line), or, if its flattrs are meant to go "
        f"to {CAROL}, add {PRINTING} to FLATTR_ACCEPT_URL_CHANGES for one build"
    )
    build(tmp_path, files, FLATTR_AUTHORS=CAROL_AUTHORS)
    # pelican-flattr diff says it as the build does.
    capsys.readouterr()
    content = str(tmp_path / "content")
    new = str(output / "flattr-manifest.json")
    assert main(["diff", str(old), new, "--content", content, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["disappeared"] == [
        {
            "fix": fix.removeprefix(". Fix: "),
            "kind": "disappeared",
            "kept_owner": CAROL,
            "opted_out": False,
            "pages_off": False,
            "source": "carol.md",
            "still_there": False,
            "taken_by": "alice-print.md",
            "url": PRINTING,
        }
    ]
    assert (report["moved"], report["owner_changed"]) == ([], [])
    assert_taken_until_accepted(
        tmp_path, flattr_log, files, "alice-print.md", said + fix
    )


def test_a_deleted_urls_slug_taken_by_another_owners_article_keeps_its_owner(
    tmp_path, flattr_log
):
    # alice.md, of the last build, takes the slug of carol.md, deleted: its
    # flattrs go to Carol at Flattr, not to "alice.md's thing".
    build(tmp_path, carol_and_alice(), FLATTR_AUTHORS=CAROL_AUTHORS)
    (tmp_path / "content" / "carol.md").unlink()
    files = {"alice.md": article("Other", "Alice", slug="printing")}
    said = kept_with_carol("carol.md", "alice.md", "gone from this build, and ") + (
        ". Fix: give alice.md another thing URL (change its slug, or pin it "
        "another URL with a Flattr_url: line), or, if its flattrs are meant to go "
        f"to {CAROL}, add {PRINTING} to FLATTR_ACCEPT_URL_CHANGES for one build"
    )
    # alice.md's own old URL, which nobody took, let go.
    let_go = [f"{SITEURL}/other.html"]
    assert_taken_until_accepted(tmp_path, flattr_log, files, "alice.md", said, let_go)


def test_slugs_swapped_between_owners_say_whom_flattr_keeps(tmp_path, flattr_log):
    build(tmp_path, carol_and_alice(), FLATTR_AUTHORS=CAROL_AUTHORS)
    swapped = {
        "carol.md": article("Carol prints", "Carol", slug="other"),
        "alice.md": article("Other", "Alice", slug="printing"),
    }
    build(tmp_path, swapped, FLATTR_AUTHORS=CAROL_AUTHORS)
    other = f"{SITEURL}/other.html"
    assert sorted(guard_lines(flattr_log)) == [
        f"pelican-flattr: alice.md: thing URL changed from {other} to {PRINTING}, "
        f"and carol.md now has its old thing URL {other}, owned by alice in the "
        f"last build, and by {CAROL} now; but Flattr keeps the owner a thing "
        "was created with, so a thing already flattred there takes the flattrs of "
        "carol.md to alice (or to whoever owned it when it was created). Fix: to "
        "keep its flattrs with alice.md, give carol.md another slug and add "
        f"'Flattr_url: {other}' to alice.md. If the flattrs of carol.md are meant "
        f"to go to alice, add {other} to FLATTR_ACCEPT_URL_CHANGES for one build",
        f"pelican-flattr: carol.md: thing URL changed from {PRINTING} to {other}, "
        f"and alice.md now has its old thing URL {PRINTING}, owned by {CAROL} in "
        "the last build, and by alice now; but Flattr keeps the owner a "
        "thing was created with, so a thing already flattred there takes the "
        f"flattrs of alice.md to {CAROL} (or to whoever owned it when it was "
        f"created); whoever holds {CAROL} claims them by verifying it for their "
        f"Flattr account (pelican-flattr verify --identity {CAROL} --username "
        "THEIR_FLATTR_USERNAME). Fix: to keep its flattrs "
        "with carol.md, give alice.md another slug and add "
        f"'Flattr_url: {PRINTING}' to carol.md. If the flattrs of alice.md are "
        f"meant to go to {CAROL}, add {PRINTING} to FLATTR_ACCEPT_URL_CHANGES "
        "for one build",
    ]
    accepted = [PRINTING, other]
    flattr_log.clear()
    build(
        tmp_path,
        swapped,
        FLATTR_AUTHORS=CAROL_AUTHORS,
        FLATTR_ACCEPT_URL_CHANGES=accepted,
    )
    assert [
        line.partition("so this build gives the URL to ")[2].partition(" ")[0]
        for line in guard_lines(flattr_log)
    ] == ["carol.md", "alice.md"]
    flattr_log.clear()
    build(tmp_path, swapped, FLATTR_AUTHORS=CAROL_AUTHORS, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == [] and owner_lines(flattr_log) == []


def test_a_move_to_another_host_and_path_names_siteurl(tmp_path, flattr_log):
    # SITEURL's host and path changed at once: the summary blamed
    # ARTICLE_URL, and gave no old value to set FLATTR_SITEURL to.
    authors = {"Alice": "alice"}
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=SITEURL)
    new = "https://new.example.net/blog"
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=new)
    assert summary_lines(flattr_log) == [
        (
            "WARNING",
            "pelican-flattr: 5 thing URLs of the last build are not this build's: "
            "5 thing URLs changed. 5 of the 5 changed thing URLs changed alike, "
            f"from {SITEURL}/*.html to {new}/*.html: a changed SITEURL (or "
            f"FLATTR_SITEURL) is the likely cause: set FLATTR_SITEURL = '{SITEURL}' "
            "to keep every thing "
            "URL, or, if the change is deliberate, accept every change at once by "
            f"deleting {tmp_path.joinpath(*BASELINE)} (the next build starts a "
            "new one)",
        )
    ]
    # As the summary says: every thing URL kept, the guard silent.
    flattr_log.clear()
    build(
        tmp_path,
        many_articles(5),
        FLATTR_AUTHORS=authors,
        SITEURL=new,
        FLATTR_SITEURL=SITEURL,
        FLATTR_STRICT=True,
    )
    assert guard_lines(flattr_log) == []


def test_a_new_host_with_a_new_article_url_names_both(tmp_path, flattr_log):
    # No old SITEURL fits every URL: the host is still SITEURL's.
    authors = {"Alice": "alice"}
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors)
    new = "https://new.example.net/blog"
    settings = {
        "ARTICLE_URL": "posts/{slug}/",
        "ARTICLE_SAVE_AS": "posts/{slug}/index.html",
    }
    build(tmp_path, many_articles(5), FLATTR_AUTHORS=authors, SITEURL=new, **settings)
    ((_, line),) = summary_lines(flattr_log)
    assert (
        f"from {SITEURL}/*.html to {new}/posts/*/: a changed SITEURL or "
        f"FLATTR_SITEURL (its host, {SITEURL} then, https://new.example.net now) "
        "with a changed ARTICLE_URL, "
        "ARTICLE_SAVE_AS or PAGE_URL setting (or their LANG_ twins) is the likely "
        f"cause: set FLATTR_SITEURL to the old one, on {SITEURL}, its path too, "
        "and put the setting back to keep their flattrs, or, "
    ) in line, line


def test_an_old_siteurl_is_named_only_when_every_changed_url_has_it():
    # Most moved from old.org to new.org/blog, but one of another site: no
    # one old SITEURL keeps them all.
    changes = [
        UrlChange(
            f"p{n}.md",
            f"https://old.org/post-{n}.html",
            f"https://new.org/blog/post-{n}.html",
        )
        for n in range(5)
    ]
    other = UrlChange(
        "q.md", "https://else.org/post-q.html", "https://new.org/blog/post-q.html"
    )
    for extra, named in (([], True), ([other], False)):
        _, _, summary = url_change_warnings(
            [*changes, *extra], "pelican-flattr diff", Path("b"), "https://new.org/blog"
        )
        assert ("set FLATTR_SITEURL = 'https://old.org' to keep" in summary) is named
        assert "a changed SITEURL" in summary


def test_a_translations_url_with_a_locale_modifier_is_named_as_it_is(
    tmp_path, flattr_log
):
    # Pelican names a sr@latin translation's page hello-sr@latin.html: the
    # warning showed it as "[address]", and its fix could not be followed.
    def files(slug):
        return {
            "a.md": article("Hello", "Alice", slug=slug),
            "a-sr.md": article("Zdravo", "Alice", slug=slug, lang="sr@latin"),
        }

    build(tmp_path, files("hello"), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, files("hello-world"), FLATTR_AUTHORS=AUTHORS)
    lines = guard_lines(flattr_log)
    assert not [line for line in lines if "[address]" in line], lines
    (line,) = [line for line in lines if line.startswith("pelican-flattr: a-sr.md:")]
    assert f"'Flattr_url: {SITEURL}/hello-sr@latin.html'" in line


def _owner_changes(sizes):
    """Owner changes from siteowner to guestNN, ``sizes[NN]`` things each."""
    from pelican_flattr.url_guard import OwnerChange

    return [
        OwnerChange(
            f"https://x.example/{n}-{j}", f"g{n}-{j}.md", "siteowner", f"guest{n:02}"
        )
        for n, size in enumerate(sizes)
        for j in range(size)
    ]


def test_the_rest_of_the_owner_changes_counts_things_not_pairs():
    from pelican_flattr.url_guard import OWNER_CHANGES_SAID, owner_change_warnings

    *_, rest = owner_change_warnings(_owner_changes([1] * OWNER_CHANGES_SAID + [3, 1]))
    assert rest.startswith("and 2 more owner changes, of 4 things (")
    # Exactly three left: each named, no "and 0 more".
    *_, rest = owner_change_warnings(_owner_changes([1] * (OWNER_CHANGES_SAID + 3)))
    assert (
        "(siteowner to guest05, siteowner to guest06 and siteowner to guest07)," in rest
    )
    assert "more)" not in rest


def test_the_rest_of_the_owner_changes_hides_an_address():
    from pelican_flattr.url_guard import OwnerChange, owner_change_warnings

    changes = [
        OwnerChange(f"https://x.example/{n}", f"g{n}.md", "siteowner", owner)
        for n, owner in enumerate(
            [f"guest{n}" for n in range(5)] + ["x@example.org", "y%40example.org"]
        )
    ]
    lines = owner_change_warnings(changes)
    assert len(lines) == 6 and "@" not in lines[-1] and "%40" not in lines[-1]


def test_owner_changes_are_said_by_owner_and_their_sources_by_name():
    # The baseline gives them in the order of their URLs, which is neither.
    from pelican_flattr.url_guard import OwnerChange, owner_change_warnings

    changes = [
        OwnerChange("https://x.example/1", "z.md", "siteowner", "guest01"),
        OwnerChange("https://x.example/2", "y.md", "siteowner", "guest00"),
        OwnerChange("https://x.example/3", "a.md", "siteowner", "guest01"),
    ]
    lines = owner_change_warnings(changes)
    assert [line.partition(", but ")[0] for line in lines] == [
        "y.md: its thing https://x.example/2 changed owner from siteowner to guest00",
        "2 things (a.md and z.md) changed owner from siteowner to guest01",
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/a/b/*.html", "/c/d/*.html"),  # two parts changed: no one rename
        ("/blog/*.html", "/blog/*-en.html"),  # the slug's own part changed
        ("/#/*.html", "/posts/*.html"),  # {date:%Y} dropped from ARTICLE_URL
    ],
)
def test_only_one_plain_part_changed_is_named_a_rename(old, new):
    from pelican_flattr.url_guard import _likely_cause

    cause = _likely_cause(SITEURL + old, SITEURL + new, SITEURL, [])
    assert "renamed category" not in cause and "changed ARTICLE_URL" in cause


@pytest.mark.parametrize("owner", [None, ""], ids=["no-owner", "empty-owner"])
def test_an_accepted_url_of_an_entry_without_an_owner_is_let_go_for_good(
    tmp_path, flattr_log, owner
):
    # A baseline entry written by hand without an owner tells no owner
    # apart: its URL accepted, it is dropped, not kept released (as one
    # with an owner is, see released()) to compare a later reuse with.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    _edit_owner_at_old_url(tmp_path, owner)
    (tmp_path / "content" / "a.md").unlink()
    files = {"b.md": two_articles()["b.md"]}
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_ACCEPT_URL_CHANGES=[OLD])
    assert [t["url"] for t in baseline_things(tmp_path)] == [B_URL]
    assert all(t.get("owner") for t in baseline_things(tmp_path))


# --- A source a language's site (i18n_subsites, run inside the main one)
# took over: the main site keeps its entry released only when its URL was
# accepted, with an owner, and no thing of the run has it. ---

HELLO_URL = f"{SITEURL}/hello.html"
WITH_FRENCH = {"FLATTR_AUTHORS": {"Alice": "alice"}, "I18N_SUBSITES": {"fr": {}}}


def hello_in(lang, **meta):
    """hello.md, Alice's, at the slug "hello", in ``lang``."""
    return {"hello.md": article("Hello", "Alice", Lang=lang, Slug="hello", **meta)}


@pytest.mark.parametrize("owner", [None, ""], ids=["no-owner", "empty-owner"])
def test_a_url_a_language_site_took_without_an_owner_is_not_kept_released(
    tmp_path, owner
):
    # As test_i18n_subsites' ..._stays_released_where_it_was, with the main
    # site's entry written by hand without an owner: it tells no owner
    # apart, and is let go for good.
    assert i18n_build(tmp_path, hello_in("en"), **WITH_FRENCH).messages == []
    baseline = tmp_path.joinpath(*BASELINE)
    document = json.loads(baseline.read_text())
    (entry,) = document["things"]
    assert entry["url"] == HELLO_URL
    if owner is None:
        del entry["owner"]
    else:
        entry["owner"] = owner
    baseline.write_text(json.dumps(document))
    moved = i18n_build(
        tmp_path, hello_in("fr"), **WITH_FRENCH, FLATTR_ACCEPT_URL_CHANGES=[HELLO_URL]
    )
    assert moved.status == 0
    assert baseline_things(tmp_path) == []


def test_a_url_a_language_site_took_and_keeps_is_not_released(tmp_path):
    # hello.md goes French, its thing pinned at its old URL (and the URL
    # listed as accepted all the same): a thing of the run has the URL, so
    # the main site lets its entry go, which the French site keeps.
    assert i18n_build(tmp_path, hello_in("en"), **WITH_FRENCH).messages == []
    moved = i18n_build(
        tmp_path,
        hello_in("fr", Flattr_url=HELLO_URL),
        **WITH_FRENCH,
        FLATTR_ACCEPT_URL_CHANGES=[HELLO_URL],
    )
    assert moved.status == 0
    assert baseline_things(tmp_path) == []
    french = tmp_path / "cache" / "fr" / "pelican-flattr" / "url-baseline.json"
    assert json.loads(french.read_text())["things"] == [
        {"owner": "alice", "source": "hello.md", "url": HELLO_URL}
    ]


def test_a_url_a_language_site_took_that_another_owner_takes_is_said_at_once(
    tmp_path,
):
    # hello.md goes French, its URL accepted, while Bob's bob.md takes the
    # slug in the same build: a thing of the run has the URL, so the main
    # site keeps no released entry of it, and says now that Flattr keeps
    # the thing there with Alice. Released, it was said a build later,
    # once Bob's pages had been published with it.
    assert i18n_build(tmp_path, hello_in("en"), **WITH_FRENCH).messages == []
    bob = {"bob.md": article("Bob's hello", "Bob", Lang="en", Slug="hello")}
    built = i18n_build(
        tmp_path,
        {**hello_in("fr"), **bob},
        **{**WITH_FRENCH, "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"}},
        FLATTR_ACCEPT_URL_CHANGES=[HELLO_URL],
    )
    assert built.status == 0
    said = (
        f"bob.md: its thing {HELLO_URL} changed owner from 'Alice' (alice) to "
        "'Bob' (bob)"
    )
    assert [m for m in built.messages if said in m], built.messages
    assert baseline_things(tmp_path) == [
        {"owner": "bob", "source": "bob.md", "url": HELLO_URL}
    ]


def test_a_url_a_removed_language_site_let_go_is_not_said_again(tmp_path):
    # The French site let hello.md's URL go (deleted, the URL accepted): its
    # baseline keeps the entry released. Once French is taken out of
    # I18N_SUBSITES, the main site compares that baseline as its own: the
    # released entry is no thing of the last build, and saying it gone
    # again asked for an acceptance already given.
    french_url = f"{SITEURL}/fr/hello.html"
    assert i18n_build(tmp_path, hello_in("fr"), **WITH_FRENCH).messages == []
    (tmp_path / "content" / "hello.md").unlink()
    let_go = i18n_build(
        tmp_path, {}, **WITH_FRENCH, FLATTR_ACCEPT_URL_CHANGES=[french_url]
    )
    assert let_go.status == 0
    french = tmp_path / "cache" / "fr" / "pelican-flattr" / "url-baseline.json"
    (entry,) = json.loads(french.read_text())["things"]
    assert entry["released"] is True
    gone = i18n_build(tmp_path, {}, **{**WITH_FRENCH, "I18N_SUBSITES": {}})
    assert gone.status == 0
    assert [m for m in gone.messages if "hello" in m] == []
    assert any("'fr' is no longer built" in m for m in gone.messages), gone.messages


# --- What a mutation review of url_guard.py found untested. ---


@pytest.mark.parametrize(
    ("name", "line"),
    [
        # Pelican's HTML reader reads .htm files as it reads .html ones.
        ("a.htm", f'<meta name="flattr_url" content="{OLD}">'),
        ("a.markdown", f"Flattr_url: {OLD}"),
    ],
)
def test_the_advice_to_pin_follows_every_extension_of_the_reader(name, line):
    advice = UrlChange(name, OLD, f"{SITEURL}/new-slug.html").advice()
    assert advice.startswith(f"add '{line}' to {name} to keep its flattrs"), advice


def test_a_gone_sources_url_another_old_source_took_is_for_the_taker_to_give_back():
    # a.md is gone and b.md (of the last build too) has its URL: unlike a
    # URL changed while its source stays, a.md has no new URL for b.md to
    # keep apart from, so the fix is b.md's URL back and a.md pinned
    # wherever it went, or the takeover accepted.
    advice = UrlChange("a.md", OLD, None, taken_by="b.md").advice()
    assert advice == (
        "if the flattrs of the old URL are meant to go to b.md, add the old URL "
        "to FLATTR_ACCEPT_URL_CHANGES. If not, give b.md its own thing URL back (its "
        f"slug, or 'Flattr_url:'), and add 'Flattr_url: {OLD}' to a.md wherever "
        "it went"
    )


def test_as_many_changed_urls_as_are_said_are_summed_up_without_an_unsaid_rest():
    # All of them said, alike: the summary names the setting, and must not
    # send the operator to a list of others that are not there.
    from pelican_flattr.url_guard import SAID_OF_EACH_KIND

    changes = [
        UrlChange(f"p{n}.md", f"{SITEURL}/p{n}.html", f"{SITEURL}/posts/p{n}.html")
        for n in range(SAID_OF_EACH_KIND)
    ]
    said, unsaid, summary = url_change_warnings(
        changes, "pelican-flattr diff", Path("b")
    )
    assert (len(said), unsaid) == (SAID_OF_EACH_KIND, [])
    assert summary.startswith(
        f"{SAID_OF_EACH_KIND} thing URLs of the last build are not this build's: "
        f"{SAID_OF_EACH_KIND} thing URLs changed. {SAID_OF_EACH_KIND} of the "
        f"{SAID_OF_EACH_KIND} changed thing URLs changed alike"
    ), summary
    assert "said above" not in summary and "lists every one" not in summary


def test_the_summary_says_what_its_diff_lists_and_deleting_the_baseline_accepts():
    # The summary counted 474 changes and sent the operator to a diff of
    # 951: the 477 thing URLs kept for articles left without an owner,
    # said in a line of their own. Deleting the baseline, its one way to
    # accept a shape, accepts those and every other change too.
    from pelican_flattr.url_guard import SAID_OF_EACH_KIND

    changes = [
        UrlChange(f"p{n}.md", f"{SITEURL}/p{n}.html", f"{SITEURL}/posts/p{n}.html")
        for n in range(SAID_OF_EACH_KIND + 1)
    ]
    changes.append(UrlChange("q.md", f"{SITEURL}/q.html", f"{SITEURL}/r.html"))
    _, _, summary = url_change_warnings(
        changes, "pelican-flattr diff B M", Path("b"), kept=3
    )
    assert (
        "and pelican-flattr diff B M lists every one, with the 3 thing URLs kept "
        'for sources left without a thing by the problems said above (as "no '
        'thing"). 21 of the 22 changed thing URLs changed alike'
    ) in summary
    assert summary.endswith(
        "add their old URLs to FLATTR_ACCEPT_URL_CHANGES (pelican-flattr diff B M "
        "--old-urls prints the old URLs of all 22 changed thing URLs, one a line; "
        "deleting b would accept every change at once: the 1 other changed thing "
        "URL and the 3 thing URLs kept for sources left without a thing by the "
        "problems said above too)"
    ), summary


def test_pages_are_asked_for_only_when_a_source_without_a_thing_is_still_there():
    # `pelican-flattr diff --settings` asks Pelican to list the pages, which
    # fails on some settings: a diff with no such source must not need it.
    def no_pages():
        raise AssertionError("the pages were asked for")

    changes = [
        UrlChange("a.md", OLD, f"{SITEURL}/new.html"),
        UrlChange("b.md", f"{SITEURL}/b.html", None),
    ]
    assert unresolved_changes(changes, (), False, no_pages, None) == changes


def test_accepted_urls_still_live_are_named_in_order_whatever_the_settings_order():
    # FLATTR_ACCEPT_URL_CHANGES is read into a set, whose order changes from
    # run to run: the same settings must give the same warning.
    from pelican_flattr.url_guard import accepted_live_warning

    by_url = {f"{SITEURL}/{name}.html": f"{name}.md" for name in "abc"}
    warnings = {
        accepted_live_warning([*urls, f"{SITEURL}/gone.html"], by_url)
        for urls in (list(by_url), list(reversed(by_url)))
    }
    (warning,) = warnings
    assert (
        f"{SITEURL}/a.html (a.md's), {SITEURL}/b.html (b.md's) and "
        f"{SITEURL}/c.html (c.md's);"
    ) in warning, warning


_RULE = 'an entry needs a "url" and a "source" text, and an "owner" it has is text'


@pytest.mark.parametrize(
    ("damaged", "why"),
    [
        (
            {"things": [{"url": 5, "source": "a.md"}]},
            'its "url" is of JSON type number',
        ),
        (
            {
                "things": [
                    {"url": "https://x.example/a", "source": "a.md", "owner": None}
                ]
            },
            'its "owner" is of JSON type null',
        ),
        ({"things": ["https://x.example/a"]}, "this one is of JSON type string"),
        # A list from Flattr's dashboard, written by hand: no source.
        (
            {
                "things": [
                    {"url": "https://x.example/a", "source": "a.md"},
                    {"url": "u"},
                ]
            },
            'its "source" is missing',
        ),
    ],
)
def test_a_baseline_in_another_layout_with_a_damaged_entry_is_refused(
    tmp_path, damaged, why
):
    # Laid out by a pretty-printer, the entries are read with the document,
    # and checked as strictly as those read a line at a time.
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"baseline_version": 1, **damaged}, indent=2))
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    index = len(damaged["things"]) - 1
    assert str(raised.value) == (
        f"{path}: not a pelican-flattr URL baseline, version 1 "
        f"(things[{index}]: {_RULE}; {why})"
    )


def test_a_file_beside_the_baseline_that_is_not_utf8_is_no_language_baseline(
    tmp_path,
):
    # Named as a language site's baseline would be, but not text: the build
    # that looks for unused ones must go on, and leave it alone.
    main = tmp_path / "url-baseline.json"
    write_baseline(main, _entries())
    (tmp_path / "url-baseline.de.json").write_bytes(b"\xff\xfe\x00garbage\xff\n" * 3)
    assert unused_language_baselines(main, set()) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # The comma between the things and the released entries mistyped.
        (b'"},\n    {"owner": "carol"', b'"};\n    {"owner": "carol"'),
        # The file's last brace mistyped, as long as it was.
        (b"\n  ]\n}\n", b"\n  ]\n]\n"),
    ],
    ids=["after-the-things", "at-the-end"],
)
def test_holds_baseline_never_takes_a_damaged_end_for_released_entries(
    tmp_path, old, new
):
    # Taken for the same baseline, the file is neither read nor rewritten:
    # the damage would go unsaid until a build reads it for a change.
    path = tmp_path / "baseline.json"
    gone = released_entry(baseline_entry("https://x.example/gone", "g.md", "carol"))
    write_baseline(path, next_baseline([], iter(_entries()), [], [gone]))
    assert holds_baseline(path, iter(_entries()), urls=lambda: set())
    data = path.read_bytes()
    assert data.count(old) == 1, data
    path.write_bytes(data.replace(old, new))
    assert not holds_baseline(path, iter(_entries()), urls=lambda: set())


def test_diffs_table_tells_a_source_still_there_from_one_gone(
    tmp_path, capsys, monkeypatch
):
    # Both lost their thing, but only b.md is gone: a.md, still in the
    # content folder, opted out, and its fix is in the file, not a pin.
    output = build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    (tmp_path / "content" / "b.md").unlink()
    files = {"a.md": two_articles(flattr="no")["a.md"]}
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    new = output / "flattr-manifest.json"
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "400")  # one line per row, however long
    content = str(tmp_path / "content")
    assert main(["diff", str(old), str(new), "--content", content]) == 1
    rows = [
        [cell.strip() for cell in line.split("\u2502")[1:-1]]  # "│" parts a cell
        for line in capsys.readouterr().out.splitlines()
    ]
    kinds = {row[1]: row[0] for row in rows if row}
    assert kinds == {"a.md": "no thing", "b.md": "disappeared"}, rows


# --- What a whole-module mutation review of finish.py found untested. ---


def _edit_owner_at_old_url(tmp_path, owner):
    """Edit the baseline's entry of OLD by hand, as an operator may: without
    an owner (``owner`` None), or with ``owner``."""
    baseline = tmp_path.joinpath(*BASELINE)
    document = json.loads(baseline.read_text())
    (entry,) = [t for t in document["things"] if t["url"] == OLD]
    if owner is None:
        del entry["owner"]
    else:
        entry["owner"] = owner
    baseline.write_text(json.dumps(document))


DEVELOPMENT_SITEURL = "http://localhost:8000"


@pytest.mark.parametrize("guard", [True, False], ids=["guard-on", "guard-off"])
def test_a_development_build_names_the_address_that_skips_the_guard(
    tmp_path, flattr_log, guard
):
    # The skip names the address: a publishconf.py that kept the development
    # SITEURL by mistake is seen for what it is. With FLATTR_URL_GUARD off
    # there is no guard to skip, and saying it was skipped for the address
    # would blame the wrong setting.
    flattr_log.set_level(logging.INFO, logger="pelican_flattr")
    build(
        tmp_path,
        two_articles(),
        FLATTR_AUTHORS=AUTHORS,
        SITEURL=DEVELOPMENT_SITEURL,
        FLATTR_URL_GUARD=guard,
    )
    skipped = [m for _, m in said_with(flattr_log, "URL guard skipped")]
    assert skipped == (
        [_skipped(f"SITEURL is '{DEVELOPMENT_SITEURL}'")] if guard else []
    )
    assert not tmp_path.joinpath(*BASELINE).exists()


@pytest.mark.parametrize("owner", [None, ""], ids=["no-owner", "empty-owner"])
def test_a_released_entry_without_an_owner_passes_to_its_taker_silently(
    tmp_path, flattr_log, owner
):
    # A released entry edited by hand to lose its owner names nobody whom
    # Flattr keeps at the URL: a thing that takes the URL is no reuse under
    # another owner (said so, it named the owner "None" or "", and failed a
    # strict build until accepted). Its entry replaces the released one.
    files = released(tmp_path, flattr_log)
    _edit_owner_at_old_url(tmp_path, owner)
    files["c.md"] = article("Article C", "Bob", slug="first-slug")
    build(tmp_path, files, FLATTR_AUTHORS=BOB, FLATTR_STRICT=True)
    assert guard_lines(flattr_log) == []
    assert [t for t in baseline_things(tmp_path) if t["url"] == OLD] == [
        {"owner": AUTHORS["Bob"], "source": "c.md", "url": OLD}
    ]


def test_an_owner_change_in_a_lenient_build_with_problems_is_said_once(
    tmp_path, flattr_log
):
    # Only a failing strict build keeps the old baseline. A lenient build
    # with a problem elsewhere (a category Flattr lacks) still writes the
    # new owner into its baseline: "said again until a build passes" was
    # untrue there, and the next build says nothing.
    build(tmp_path, two_articles(), FLATTR_AUTHORS=AUTHORS)
    new = {**AUTHORS, "Bob": "bob"}
    files = two_articles(flattr_category="nonsense")
    build(tmp_path, files, FLATTR_AUTHORS=new)
    assert [level for level, _ in said_with(flattr_log, "nonsense")] == ["ERROR"]
    ((_, line),) = owner_lines(flattr_log)
    assert line.endswith("(said once: the baseline takes the new owner)"), line
    flattr_log.clear()
    build(tmp_path, files, FLATTR_AUTHORS=new)
    assert owner_lines(flattr_log) == []


# --- A development build never moves the published site's URL baseline. ---


def _skipped(reason: str) -> str:
    """What a development build says of its URL guard, skipped for
    ``reason``."""
    return (
        f"pelican-flattr: URL guard skipped: {reason} (a development build); "
        "this build's thing URLs are neither compared nor remembered: if this "
        "build publishes the site, give it the site's public address "
        "(RELATIVE_URLS = True still makes its links relative)"
    )


# Development settings as the README advises them: SITEURL empty, relative
# or local, and FLATTR_SITEURL the public address, so that buttons name it.
# Their thing URLs are the public ones, but no reader ever saw this build.
DEVELOPMENT_SETTINGS = {
    "empty": {"SITEURL": "", "FLATTR_SITEURL": SITEURL},
    "relative": {"SITEURL": "/blog", "FLATTR_SITEURL": SITEURL},
    "localhost": {"SITEURL": DEVELOPMENT_SITEURL, "FLATTR_SITEURL": SITEURL},
}


def _publish(tmp_path, files):
    """A strict build with the public SITEURL, as publishconf.py's."""
    build(tmp_path, files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


@pytest.mark.parametrize("development", ["empty", "localhost"])
def test_development_builds_between_publish_builds_leave_the_baseline_alone(
    tmp_path, flattr_log, development
):
    # `pelican --autoreload` with pelicanconf.py shares CACHE_PATH with the
    # publish build. Guarded as a published build, it remembered an article
    # never published under its first title, and one added then deleted:
    # the strict publish build then failed on URLs no reader ever saw.
    _publish(tmp_path, two_articles())
    flattr_log.clear()  # it starts the baseline, and says so
    baseline = tmp_path.joinpath(*BASELINE)
    published = baseline.read_bytes()
    settings = {"FLATTR_AUTHORS": AUTHORS, **DEVELOPMENT_SETTINGS[development]}
    wip = {"wip.md": article("Work in progress", "Alice")}
    build(tmp_path, {**two_articles(), **wip}, **settings)
    wip = {"wip.md": article("Work in progress retitled", "Alice")}
    new = {"new.md": article("New", "Bob")}
    build(tmp_path, {**two_articles(), **wip, **new}, **settings)
    (tmp_path / "content" / "new.md").unlink()
    build(tmp_path, {**two_articles(), **wip}, **settings)
    assert baseline.read_bytes() == published
    assert flattr_log.records == []
    # The strict publish build sees only the article that is new to it.
    _publish(tmp_path, {**two_articles(), **wip})
    assert flattr_log.records == []
    urls = {entry["url"] for entry in json.loads(baseline.read_text())["things"]}
    assert f"{SITEURL}/work-in-progress-retitled.html" in urls
    assert f"{SITEURL}/work-in-progress.html" not in urls


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        (DEVELOPMENT_SETTINGS["empty"], "SITEURL is ''"),
        (DEVELOPMENT_SETTINGS["relative"], "SITEURL is '/blog'"),
        (DEVELOPMENT_SETTINGS["localhost"], f"SITEURL is '{DEVELOPMENT_SITEURL}'"),
    ],
    ids=["empty", "relative", "localhost"],
)
def test_a_development_build_with_a_renamed_article_is_not_compared(
    tmp_path, flattr_log, settings, named
):
    # The rename is the publish build's to report, once it is published;
    # the development build says why it did not, naming the setting.
    _publish(tmp_path, two_articles())
    flattr_log.clear()  # it starts the baseline, and says so
    baseline = tmp_path.joinpath(*BASELINE)
    published = baseline.read_bytes()
    flattr_log.set_level(logging.INFO, logger="pelican_flattr")
    renamed = two_articles(slug="second-slug")
    build(tmp_path, renamed, FLATTR_AUTHORS=AUTHORS, **settings)
    assert [
        r.getMessage() for r in flattr_log.records if r.levelno >= logging.WARNING
    ] == []
    assert [m for _, m in said_with(flattr_log, "URL guard skipped")] == [
        _skipped(named)
    ]
    assert baseline.read_bytes() == published
    # Published, the rename is said (and fails the strict build).
    flattr_log.clear()
    fails_strict(tmp_path, renamed, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")


def test_a_publish_build_with_a_local_flattr_siteurl_leaves_the_baseline_alone(
    tmp_path, flattr_log
):
    # Its thing URLs named the local address, and the guard, taking the
    # build for a development one, said it skipped them. Refused, the build
    # makes no thing: nothing for the guard, and the baseline stays the
    # publish build's, to compare the rename with once it is published.
    _publish(tmp_path, two_articles())
    baseline = tmp_path.joinpath(*BASELINE)
    published = baseline.read_bytes()
    flattr_log.clear()
    flattr_log.set_level(logging.INFO, logger="pelican_flattr")
    renamed = two_articles(slug="second-slug")
    build(tmp_path, renamed, FLATTR_AUTHORS=AUTHORS, FLATTR_SITEURL=DEVELOPMENT_SITEURL)
    assert said_with(flattr_log, "URL guard") == []
    assert [level for level, _ in said_with(flattr_log, "FLATTR_SITEURL is")] == [
        "ERROR"
    ]
    assert said_with(flattr_log, "no Flattr buttons this build")
    assert baseline.read_bytes() == published
    assert not (tmp_path / "output" / "flattr-manifest.json").exists()
    flattr_log.clear()
    fails_strict(tmp_path, renamed, FLATTR_AUTHORS=AUTHORS)
    (line,) = guard_lines(flattr_log)
    assert line.startswith(f"pelican-flattr: a.md: thing URL changed from {OLD}")


def test_a_failed_development_build_does_not_say_its_url_guard_did_not_run(
    tmp_path, flattr_log
):
    # A strict build stopped on its metadata names the checks it missed:
    # a development build has no URL guard to miss.
    bad = {"a.md": article("Alice writes", "Alice", flattr_category="nonsense")}
    with pytest.raises(FlattrBuildError):
        build(tmp_path, bad, FLATTR_STRICT=True, **DEVELOPMENT_SETTINGS["empty"])
    (last,) = [r.getMessage() for r in flattr_log.records if r.levelname == "CRITICAL"]
    assert last.endswith(
        "build failed (the checks made as pages are written did not run: more "
        "problems may follow once it is mended)"
    )


def test_a_protocol_relative_siteurl_is_a_published_sites(tmp_path, flattr_log):
    # SITEURL = "//blog.example.org" reaches a public host by the reader's
    # scheme: taken for a development build, its guard was skipped, every
    # build, and a changed URL went unsaid by a strict build.
    settings = {"FLATTR_AUTHORS": AUTHORS, "FLATTR_STRICT": True}
    relative = {"SITEURL": "//" + SITEURL.partition("//")[2]}
    # Without FLATTR_SITEURL, no "keep a local SITEURL for development".
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(), **settings, **relative)
    (said,) = [
        r.getMessage() for r in flattr_log.records if "absolute" in r.getMessage()
    ]
    assert said == (
        f"pelican-flattr: settings: SITEURL is {relative['SITEURL']!r}, but Flattr "
        "needs absolute thing URLs: a protocol-relative URL names no scheme; keep "
        f"it for the pages and set FLATTR_SITEURL = {'https:' + relative['SITEURL']!r} "
        "(or http:) for the thing URLs"
    )
    # A password in it is refused as in any SITEURL, never repeated.
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(), **settings, SITEURL="//user:pw@example.org")
    said = [r.getMessage() for r in flattr_log.records]
    assert not [m for m in said if "pw" in m], said
    assert [m for m in said if "holds a user name or password" in m], said
    # A broken FLATTR_SITEURL beside it is said, not a traceback.
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path,
            two_articles(),
            **settings,
            **relative,
            FLATTR_SITEURL="https://[::1",
        )
    assert [r for r in flattr_log.records if "FLATTR_SITEURL is" in r.getMessage()]
    # A local host keeps the advice for development.
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(), **settings, SITEURL="//localhost:8000")
    (said,) = [
        r.getMessage() for r in flattr_log.records if "absolute" in r.getMessage()
    ]
    assert "keep a local SITEURL for development" in said, said
    flattr_log.clear()
    relative["FLATTR_SITEURL"] = SITEURL
    output = build(tmp_path, two_articles(), **settings, **relative)
    assert not [r for r in flattr_log.records if "guard skipped" in r.getMessage()]
    assert "a.md" in manifest_things(output)
    with pytest.raises(FlattrBuildError):
        build(tmp_path, two_articles(slug="renamed"), **settings, **relative)
    assert len(guard_lines(flattr_log)) == 1


def test_language_sites_of_a_development_build_leave_their_baselines_alone(
    tmp_path,
):
    # With i18n_subsites under an empty main SITEURL, each language's site
    # has a relative one ("/de"): a development build too, whose German
    # rename is the publish build's to report.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Alice", Lang="de"),
    }
    settings = {"FLATTR_AUTHORS": {"Alice": "alice"}}
    assert i18n_build(tmp_path, files, **settings).status == 0
    settings["FLATTR_STRICT"] = True
    baselines = sorted((tmp_path / "cache").rglob("url-baseline.json"))
    assert len(baselines) == 2
    published = [path.read_bytes() for path in baselines]
    files["hallo.md"] = article("Hallo", "Alice", Lang="de", Slug="hallo-neu")
    built = i18n_build(tmp_path, files, **settings, **DEVELOPMENT_SETTINGS["empty"])
    # Strict, the main site says its URLs go unguarded; its languages' sites,
    # built alike, do not say it again.
    assert built.status == 0
    assert built.messages == [_skipped("SITEURL is ''")]
    assert [path.read_bytes() for path in baselines] == published
    skipped = [m.partition(" (")[0] for m in built.log if "guard skipped" in m]
    assert sorted(skipped) == [
        "pelican-flattr: URL guard skipped: SITEURL is ''",
        "pelican-flattr: URL guard skipped: SITEURL is '/de'",
    ]
    built = i18n_build(tmp_path, files, **settings)
    assert built.status != 0
    (changed,) = [m for m in built.messages if "thing URL changed" in m]
    assert changed.startswith(
        "pelican-flattr: I18N_SUBSITES['de']: hallo.md: thing URL changed from "
        f"{SITEURL}/de/hallo.html to {SITEURL}/de/hallo-neu.html:"
    )


def test_a_strict_build_without_a_public_siteurl_says_its_urls_go_unguarded(
    tmp_path, flattr_log
):
    # A strict build is the one that publishes: a site published with an
    # empty SITEURL (relative links) and FLATTR_SITEURL had its renames
    # caught, and lost its guard without a word at the default log level.
    _publish(tmp_path, two_articles())
    flattr_log.clear()
    settings = {"FLATTR_AUTHORS": AUTHORS, **DEVELOPMENT_SETTINGS["empty"]}
    build(tmp_path, two_articles(slug="second-slug"), FLATTR_STRICT=True, **settings)
    assert [
        r.getMessage() for r in flattr_log.records if r.levelno >= logging.WARNING
    ] == [_skipped("SITEURL is ''")]


def test_a_language_site_on_its_own_domain_in_a_development_build_is_not_guarded(
    tmp_path,
):
    # Its SITEURL is public, but the development settings built it: its
    # baseline took the URLs of articles no reader saw.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Alice", Lang="de"),
    }
    german = "https://blog.example.de"
    built = i18n_build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        I18N_SUBSITES={"de": {"SITEURL": german, "FLATTR_SITEURL": german}},
        **DEVELOPMENT_SETTINGS["empty"],
    )
    assert built.status == 0, built.log
    assert sorted((tmp_path / "cache").rglob("url-baseline.json")) == []
    skipped = [m.partition(" (")[0] for m in built.log if "guard skipped" in m]
    assert sorted(skipped) == [
        "pelican-flattr: URL guard skipped: SITEURL is ''",
        "pelican-flattr: URL guard skipped: the main site's SITEURL is ''",
    ]


@pytest.mark.parametrize("wrapped", [1, 2])
def test_a_baseline_with_an_entry_wrapped_by_hand_is_read_whole(tmp_path, wrapped):
    # Entries on lines of their own are read apart from the rest, which
    # kept the comma after a wrapped entry that was not the last: a sound
    # baseline was moved aside as unreadable, and a damaged wrapped entry
    # was named things[0].
    lines = [
        f'    {{"source": "{name}.md", "url": "https://x.example/{name}"}}'
        for name in "abc"
    ]
    lines[wrapped] = lines[wrapped].replace(', "url"', ',\n     "url"')
    path = tmp_path / "baseline.json"
    path.write_text(
        '{"baseline_version": 1, "things": [\n' + ",\n".join(lines) + "\n]}\n"
    )
    assert [entry["source"] for entry in load_baseline(path)] == [
        "a.md",
        "b.md",
        "c.md",
    ]
    path.write_text(path.read_text().replace('"source": "c.md"', '"sauce": "c.md"'))
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    where = {1: " (line 5: ", 2: ", version 1 (things[2]: "}[wrapped]
    assert str(raised.value) == (
        f"{path}: not a pelican-flattr URL baseline{where}"
        f'{_RULE}; its "source" is missing)'
    )


@pytest.mark.parametrize("before", [set(), {"other.md"}])
def test_a_baseline_that_cannot_be_read_adds_no_source(tmp_path, before):
    # Its first lines' sources, added as they were read, made things of
    # the damaged file sources of the last build.
    path = tmp_path / "baseline.json"
    write_baseline(path, [baseline_entry("https://x.example/a", "a.md", "alice")])
    path.write_text(path.read_text()[:-6])
    sources = set(before)
    with pytest.raises(BaselineError):
        load_baseline(path, sources=sources)
    assert sources == before


# --- diff's output in a mail or a script. ---


def _a_diff_of_each_kind(tmp_path):
    """The manifests of two builds, old and new, between which two URLs
    changed, a thing went, Bob's two things went to another owner (from an
    identifier to a Flattr user) and two things came."""
    files = {
        "a1.md": article("A one", "Alice", slug="a1"),
        "a2.md": article("A two", "Alice", slug="a2"),
        "gone.md": article("Gone", "Alice", slug="gone"),
        "b1.md": article("B one", "Bob", slug="b1"),
        "b2.md": article("B two", "Bob", slug="b2"),
    }
    output = build(tmp_path, files, FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old.json"
    old.write_bytes((output / "flattr-manifest.json").read_bytes())
    (tmp_path / "content" / "gone.md").unlink()
    del files["gone.md"]
    files["a1.md"] = article("A one", "Alice", slug="a1-new")
    files["a2.md"] = article("A two", "Alice", slug="a2-new")
    files["n1.md"] = article("New one", "Alice", slug="n1")
    files["n2.md"] = article("New two", "Alice", slug="n2")
    build(tmp_path, files, FLATTR_AUTHORS={**AUTHORS, "Bob": "bob"})
    return str(old), str(output / "flattr-manifest.json")


def _diff_table(capsys) -> tuple[list[list[str]], str]:
    """The rows of diff's table, and its closing line."""
    return _diff_table_of(capsys.readouterr().out)


def _diff_table_of(out: str) -> tuple[list[list[str]], str]:
    """The rows of diff's table printed as ``out``, and its closing line."""
    lines = out.splitlines()
    rows = [
        [cell.strip() for cell in line.split("\u2502")[1:-1]]  # "│" parts a cell
        for line in lines
        if line.startswith("\u2502")
    ]
    return rows, lines[-1]


def test_diffs_help_says_in_plain_words_where_flattrs_go(capsys, monkeypatch):
    # "A change would strand flattrs", "leaves its flattrs behind" and "URLs
    # are let go" are idioms that a reader with little English, or machine
    # translation, gets wrong: literal words instead.
    monkeypatch.setenv("COLUMNS", "400")
    texts = []
    for args in (["--help"], ["diff", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        texts.append(" ".join(capsys.readouterr().out.split()))
    assert (
        "say which changes leave flattrs at an old URL or pass them to another "
        "source file" in texts[0]
    )
    assert (
        "so the flattrs given to a changed or vanished URL stay with that URL"
        in texts[1]
    )
    assert (
        "FLATTR_ACCEPT_URL_CHANGES names are released (left out of the " in (texts[1])
    )
    for idiom in ("strand", "behind", "let go"):
        assert idiom not in " ".join(texts), idiom


def test_diffs_closing_line_counts_each_kind(tmp_path, capsys, monkeypatch):
    # It counted the stranded URLs alone: the new, moved and owner-changed
    # rows a mail's reader had to count in the table.
    old, new = _a_diff_of_each_kind(tmp_path)
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["diff", old, new]) == 1
    rows, closing = _diff_table(capsys)
    assert len(rows) == 7
    assert closing == (
        "2 URL changed, 1 disappeared, 2 owner changed, 2 new: 3 thing URLs "
        "would leave their flattrs at the old URL or pass them to another source; "
        "see the notes"
    )
    assert main(["diff", new, new]) == 0
    assert capsys.readouterr().out == "No flattrs would be orphaned.\n"


def test_diffs_limit_lists_at_most_n_rows_of_each_kind(tmp_path, capsys, monkeypatch):
    # As audit's --limit: a mail of the first rows of each kind, all counted.
    old, new = _a_diff_of_each_kind(tmp_path)
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["diff", old, new, "--limit", "1"]) == 1
    rows, closing = _diff_table(capsys)
    assert [row[0] for row in rows] == [
        "URL changed",
        "disappeared",
        "owner changed",
        "new",
    ]
    assert closing == (
        "2 URL changed (1 not listed), 1 disappeared, 2 owner changed (1 not "
        "listed), 2 new (1 not listed): 3 thing URLs would leave their flattrs "
        "at the old URL or pass them to another source; see the notes"
    )
    assert main(["diff", old, new, "--limit", "0"]) == 1
    out = capsys.readouterr().out
    assert "\u2502" not in out and "2 owner changed (2 not listed)" in out
    # No row, so no note: "see the notes" sent the reader to none.
    assert out.splitlines()[-1].endswith(
        "3 thing URLs would leave their flattrs at the old URL or pass them to "
        "another source; give --limit 1 or more to list their notes"
    )
    # A script's document is whole, whatever N.
    assert main(["diff", old, new, "--limit", "0", "--json"]) == 1
    assert len(json.loads(capsys.readouterr().out)["owner_changed"]) == 2
    for bad in ("-1", "two"):
        with pytest.raises(SystemExit):
            main(["diff", old, new, "--limit", bad])
        assert "is not a number of rows (0 or more)" in capsys.readouterr().err


def test_diffs_help_gives_limit_as_audit_does(capsys):
    with pytest.raises(SystemExit):
        main(["diff", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--limit N list at most N rows of each kind, 0 for the summary alone" in out


def test_diffs_owner_change_rows_give_the_builds_fix(tmp_path, capsys, monkeypatch):
    # The row named the owners and no fix, where the build's warning gives
    # the verify command that claims the old owner's flattrs.
    old, new = _a_diff_of_each_kind(tmp_path)
    conf = tmp_path / "site conf.py"
    conf.write_text('PATH = "content"\nFLATTR_STORE = "private/s.sqlite3"\n')
    capsys.readouterr()
    monkeypatch.setenv("COLUMNS", "600")
    command = (
        "pelican-flattr verify --identity twitter:user:id:9 --username "
        "THEIR_FLATTR_USERNAME"
    )
    with_settings = f"{command} --settings {shlex.quote(str(conf))}"
    # Without one, a placeholder: verify run as written would record in a
    # store of its folder, which neither the build nor pending reads.
    without = f"{command} --settings SETTINGS_FILE"
    for settings, claim in ([], without), (["--settings", str(conf)], with_settings):
        assert main(["diff", old, new, *settings]) == 1
        rows, _ = _diff_table(capsys)
        notes = [row[3] for row in rows if row[0] == "owner changed"]
        assert len(notes) == 2
        for note in notes:
            assert note.startswith("twitter:user:id:9 -> bob: ")
            # The settings file quoted for a shell: verify reads its store.
            assert f"({claim})" in note
    assert main(["diff", old, new, "--json"]) == 1
    fixes = [c["fix"] for c in json.loads(capsys.readouterr().out)["owner_changed"]]
    assert len(fixes) == 2 and all(f"({without})" in fix for fix in fixes)


def test_diffs_json_says_ok_and_its_exit_status(tmp_path, capsys):
    # As audit's and verify's: a script reads one field, however it ended.
    old, new = _a_diff_of_each_kind(tmp_path)
    capsys.readouterr()
    assert main(["diff", old, new, "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["ok"], document["exit_status"]) == (False, 1)
    assert main(["diff", new, new, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["ok"], document["exit_status"]) == (True, 0)


def _partner_entry(url, source, value):
    return {"url": url, "source": source, "owner": {"kind": "partner", "value": value}}


def test_compare_manifests_tells_owners_apart_by_letter_case():
    # A partner's id keeps its case: partner:hackspace:Bob and ...:bob are
    # two owners, and a change between them moves the flattrs.
    old = [_partner_entry("u1", "a.md", "partner:hackspace:Bob")]
    new = [_partner_entry("u1", "a.md", "partner:hackspace:bob")]
    diff = compare_manifests(old, new)
    assert [(c.url, c.old_owner, c.new_owner) for c in diff.owner_changes] == [
        ("u1", "partner:hackspace:Bob", "partner:hackspace:bob")
    ]


def test_an_owner_change_in_letter_case_alone_is_said(tmp_path, flattr_log):
    authors = {**AUTHORS, "Bob": "partner:hackspace:Bob"}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=authors)
    changed = {**AUTHORS, "Bob": "partner:hackspace:bob"}
    build(tmp_path, two_articles(), FLATTR_AUTHORS=changed)
    ((level, line),) = owner_lines(flattr_log)
    assert level == "WARNING"
    assert line.startswith(
        f"pelican-flattr: b.md: its thing {SITEURL}/b.html changed owner from "
        "partner:hackspace:Bob to 'Bob' (partner:hackspace:bob), but "
    ), line


@pytest.mark.parametrize("value", ["no", "false", 1, [0]])
def test_only_true_marks_a_baseline_entry_released(value):
    # A hand-edited "released": "no" let the URL go, and the guard fell
    # silent on it.
    entry = baseline_entry("https://example.org/a.html", "a.md", "alice")
    assert url_baseline.released(released_entry(entry))
    assert not url_baseline.released({**entry, "released": value})
