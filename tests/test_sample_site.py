"""The sample site: a real multi-author community blog, built with theme/."""

import json
import re
import shlex
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import (
    SAMPLE_SITE,
    build_sample_site,
    flattr_buttons,
    manifest_things,
    og,
    page,
    payment_links,
)
from pelican.settings import read_settings

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
    # Hidden by Pelican (Status: hidden), so at Flattr too: the file has no
    # Flattr_hidden of its own; the listed articles are not.
    hidden = [t["source"] for t in things.values() if t["hidden"]]
    assert hidden == ["hidden-3d-printer-calibration.md"]
    query = parse_qs(urlsplit(things[hidden[0]]["auto_submit_url"]).query)
    assert query["hidden"] == ["1"]


def test_previewing_the_sample_site_leaves_the_publish_baseline_alone(tmp_path):
    # pelicanconf.py was the sample's only settings file, with the public
    # SITEURL: a preview settings file modelled on it made every
    # `pelican -lr` rebuild a guarded one, which rewrote the URL baseline
    # that the publish build compares with.
    preview = build_sample_site(tmp_path / "preview", "pelicanconf.py")
    baseline = Path("cache", "pelican-flattr", "url-baseline.json")
    assert not (tmp_path / "preview" / baseline).exists()
    published = build_sample_site(tmp_path / "publish")
    assert (tmp_path / "publish" / baseline).is_file()
    # The preview's buttons name the things the publish build publishes (it
    # writes no feeds, the one difference).
    things, public = manifest_things(preview), manifest_things(published)
    for source, thing in things.items():
        assert (thing["url"], thing["auto_submit_url"]) == (
            public[source]["url"],
            public[source]["auto_submit_url"],
        ), source
    assert set(things) == set(public)
    assert things["pages/about.md"]["url"] == f"{SITE}/pages/about.html"
    settings = read_settings(str(SAMPLE_SITE / "publishconf.py"))
    assert settings["SITEURL"] == SITE and settings["FLATTR_STRICT"] is True


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


def _missing_link_targets(output) -> list[str]:
    """Every link of every built page (``<a>``, ``<link>``) to a file of
    this site that the build did not write, as "page -> href"."""
    from pathlib import PurePosixPath
    from urllib.parse import unquote

    missing = []
    for path in sorted(output.rglob("*.html")):
        here = PurePosixPath(path.relative_to(output).as_posix()).parent
        for tag in page(path).find_all(["a", "link"], href=True):
            href = tag["href"]
            if href.startswith(SITE + "/"):
                target = PurePosixPath(href[len(SITE) + 1 :])
            elif urlsplit(href).scheme or href.startswith(("#", "//")):
                continue  # another site's, or a place on this page
            else:
                target = here / href
            target = PurePosixPath(unquote(urlsplit(str(target)).path))
            parts = []  # "a/../b" as the browser reads it, without the disk
            for part in target.parts:
                if part == "..":
                    parts = parts[:-1]
                elif part != ".":
                    parts.append(part)
            file = output.joinpath(*parts)
            if file.is_dir():
                file = file / "index.html"
            if not file.is_file():
                missing.append(f"{path.relative_to(output)} -> {href}")
    return missing


def test_the_sample_site_links_only_pages_it_wrote(sample_output):
    assert _missing_link_targets(sample_output) == []


def test_theme_links_no_index_page_that_the_settings_leave_unwritten(tmp_path):
    # theme/ linked archives, categories, tags and authors pages, and each
    # author's, category's and tag's page, whether the site wrote them or not.
    output = build_sample_site(
        tmp_path,
        DIRECT_TEMPLATES=["index", "archives"],
        ARCHIVES_SAVE_AS="",
        AUTHOR_SAVE_AS="",
        CATEGORY_SAVE_AS="",
        TAG_SAVE_AS="",
    )
    assert not any((output / name).exists() for name in ("archives.html", "tags.html"))
    assert not (output / "author").exists() and not (output / "tag").exists()
    assert _missing_link_targets(output) == []
    # The names are still shown, without a link.
    meta = page(output / "index.html").select_one("article.summary .meta")
    assert "by Eve Example" in meta.get_text() and "in Workshop" in meta.get_text()
    assert meta.find("a") is None


def test_a_page_saved_in_place_of_the_index_is_the_home_link(tmp_path):
    # Without the index template, theme/ left the site title without a link
    # even to a static home page saved as index.html.
    output = build_sample_site(
        tmp_path,
        DIRECT_TEMPLATES=["archives"],
        EXTRA_PATH_METADATA={"pages/about.md": {"save_as": "index.html", "url": ""}},
    )
    assert (output / "index.html").is_file()
    for name in ("index.html", "archives.html"):
        link = page(output / name).select_one(".site-title a")
        assert link is not None and link["rel"] == ["home"], name
    assert _missing_link_targets(output) == []


@pytest.mark.parametrize("lang", ['x"onclick="alert(1)', 'de_x"onclick="alert(1)'])
def test_the_bundled_theme_escapes_a_language_once(tmp_path, lang):
    # Pelican's Jinja does not autoescape: lang.html's tag() escapes what
    # it prints, by either of its ways (a plain code, or one it splits).
    from conftest import ROOT, article, build

    files = {
        "a.md": article("Hello", "Alice", slug="hello"),
        "b.md": article("Hallo", "Alice", slug="hello", lang=lang),
    }
    output = build(
        tmp_path, files, theme=str(ROOT / "theme"), FLATTR_AUTHORS={"Alice": "alice"}
    )
    pages = list(output.rglob("*.html"))
    assert any("onclick=&#34;alert" in p.read_text(encoding="utf-8") for p in pages)
    for path in pages:
        assert 'onclick="alert' not in path.read_text(encoding="utf-8"), path


def test_the_readmes_preview_diff_says_what_the_publish_build_will(
    tmp_path, monkeypatch, capsys
):
    # A preview with development settings is never guarded: docs/url-guard.md's
    # "Previewing with `pelican -lr`" gives the diff that shows, before
    # publishing, the retitled article the publish build will warn of.
    from pelican_flattr.cli import main

    readme = (SAMPLE_SITE.parent / "docs" / "url-guard.md").read_text(encoding="utf-8")
    section = readme.split("## Previewing with `pelican -lr`\n")[1]
    (command,) = re.findall(r"^pelican-flattr diff .*$", section, re.MULTILINE)
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_SITE / "content", content)
    build_sample_site(tmp_path, PATH=str(content))
    article = content / "fixing-a-cold-solder-joint.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("Title: ", "Title: Step by step: ", 1))
    build_sample_site(tmp_path, "pelicanconf.py", PATH=str(content))
    # The preview settings, as the site's own folder holds them.
    sample = (SAMPLE_SITE / "pelicanconf.py").read_text(encoding="utf-8")
    (tmp_path / "pelicanconf.py").write_text(
        sample.replace(
            "Path(__file__)", f"Path({str(SAMPLE_SITE / 'pelicanconf.py')!r})"
        )
    )
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(shlex.split(command)[1:]) == 1
    said = " ".join(capsys.readouterr().out.split())
    assert "fixing-a-cold-solder-joint.md" in said
    assert "1 URL changed" in said


def test_a_build_without_the_plugin_leaves_the_last_manifest_in_place(tmp_path, capsys):
    # The README said that a build without the plugin leaves audit no
    # manifest: only where the output folder is emptied first. Otherwise the
    # audit reports every page against the last manifest the plugin wrote.
    from pelican_flattr.cli import main

    kept = {"DELETE_OUTPUT_DIRECTORY": False}
    build_sample_site(tmp_path, "pelicanconf.py", **kept)
    output = build_sample_site(tmp_path, "pelicanconf.py", PLUGINS=[], **kept)
    assert (output / "flattr-manifest.json").is_file()
    capsys.readouterr()
    assert main(["audit", str(output), "--json"]) == 1
    kinds = json.loads(capsys.readouterr().out)["problems_by_kind"]
    assert kinds["button-missing"] == len(manifest_things(output))
    # The sample's own DELETE_OUTPUT_DIRECTORY leaves no manifest.
    build_sample_site(tmp_path, "pelicanconf.py", PLUGINS=[])
    assert not (output / "flattr-manifest.json").exists()


def test_the_readmes_ci_gate_against_the_published_manifest(tmp_path):
    # A CI that keeps nothing between builds has no URL baseline: the strict
    # build passed a retitled article, its thing URL changed. docs/commands.md's
    # "The audit in CI" compares the build with the published manifest.
    import subprocess
    import sys

    from browser_support import SiteServer
    from conftest import ROOT, child_env, documented_block

    readme = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    (first_line,) = re.findall(r"^status=\$\(curl .*$", readme, re.MULTILINE)
    gate = documented_block("docs/commands.md", first_line)
    site = tmp_path / "sample_site"
    shutil.copytree(SAMPLE_SITE / "content", site / "content")
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy(SAMPLE_SITE / name, site)
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    bin_folder = Path(sys.executable).parent
    env = child_env(PATH=f"{bin_folder}:{child_env()['PATH']}")

    def deploy_build():
        # A fresh checkout's: no cache, so no baseline, kept from before.
        shutil.rmtree(site / "cache", ignore_errors=True)
        command = ["pelican", "content", "-s", "publishconf.py"]
        done = subprocess.run(command, cwd=site, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr

    def run_gate(url):
        script = gate.replace(f"{SITE}/flattr-manifest.json", url)
        assert script != gate
        return subprocess.run(
            ["bash", "-c", script], cwd=site, env=env, capture_output=True, text=True
        )

    deploy_build()
    shutil.copytree(site / "output", tmp_path / "published")
    article = site / "content" / "fixing-a-cold-solder-joint.md"
    text = article.read_text(encoding="utf-8")
    with SiteServer(tmp_path) as server:
        # Nothing changed: the gate passes.
        deploy_build()
        same = run_gate(f"{server.base_url}/published/flattr-manifest.json")
        assert same.returncode == 0, same.stdout + same.stderr
        # Retitled: its slug and thing URL change, and the gate fails, naming
        # the file and its old URL to pin.
        article.write_text(text.replace("Title: ", "Title: Step by step: ", 1))
        deploy_build()
        changed = run_gate(f"{server.base_url}/published/flattr-manifest.json")
        assert changed.returncode == 1, changed.stdout + changed.stderr
        said = " ".join(changed.stdout.split())
        assert "fixing-a-cold-solder-joint.md" in said and "1 URL changed" in said
        assert f"Flattr_url: {SITE}/fixing-a-cold-solder-joint.html" in said
        # A first deploy: nothing published, nothing to compare.
        first = run_gate(f"{server.base_url}/nothing/flattr-manifest.json")
        assert first.returncode == 0
        assert "No published manifest yet" in first.stdout
        # The site out of reach: not deployed.
    port = server.base_url.rsplit(":", 1)[1]
    down = run_gate(f"http://127.0.0.1:{port}/published/flattr-manifest.json")
    assert down.returncode == 1
    assert "Cannot fetch the published manifest (HTTP 000)" in down.stderr


def test_the_sample_site_has_no_page_its_templates_left_unprepared(
    tmp_path, flattr_log
):
    # The check of pages written by a template the plugin never prepared
    # compares the pages written with those completed: on a site whose
    # templates are all prepared, it has nothing to say.
    build_sample_site(tmp_path)
    said = [r.getMessage() for r in flattr_log.records]
    assert not [m for m in said if "could not prepare" in m]
