"""Bad input: a message naming the file and field, no button, never a traceback."""

import subprocess
import sys

import pytest
from conftest import ROOT, article, flattr_buttons, manifest_things, page

AUTHORS = {"Alice": "alice", "Bob": "twitter:user:id:@bob"}


@pytest.mark.parametrize(
    ("meta", "field", "says"),
    [
        ({"flattr_owner": "twiter:user:id:1"}, "flattr_owner", "unsupported scheme"),
        (
            {"flattr_owner": "email:nobody"},
            "flattr_owner",
            "email:ADDRESS or email:MD5HEX",
        ),
        ({"flattr_category": "blog"}, "flattr_category", "choose one of text, images"),
        ({"flattr_language": "klingon"}, "flattr_language", "no code for"),
        ({"flattr_url": "/relative/url/"}, "flattr_url", "absolute http"),
        ({"flattr_url": "https://x.org/a b"}, "flattr_url", "whitespace"),
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
    errors = [
        r.getMessage()
        for r in flattr_log.records
        if r.levelname == "ERROR" and "settings:" not in r.getMessage()
    ]
    assert len(errors) == 1
    assert errors[0].startswith("pelican-flattr: bad.md: ")
    assert field in errors[0] and says in errors[0]
    assert "gets no Flattr button" in errors[0]


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
        (
            {"FLATTR_BUTTON": "fancy"},
            "FLATTR_BUTTON is 'fancy'; choose one of plain, js",
        ),
        ({"FLATTR_CATEGORY": "blog"}, "FLATTR_CATEGORY is 'blog'"),
        ({"FLATTR_LANGUAGE": "tlh"}, "FLATTR_LANGUAGE is 'tlh'"),
        ({"FLATTR_USERNAME": "a b"}, "FLATTR_USERNAME 'a b' is not a valid"),
        ({"FLATTR_AUTHORS": ["alice"]}, "FLATTR_AUTHORS must be a dict"),
        ({"FLATTR_HIDDEN": "yes"}, "FLATTR_HIDDEN must be True or False"),
        ({"FLATTR_TAGS": [1, 2]}, "FLATTR_TAGS must be a list of strings"),
        (
            {"FLATTR_ACCEPT_URL_CHANGES": [None]},
            "FLATTR_ACCEPT_URL_CHANGES must be a list of old thing URLs",
        ),
        ({"FLATTR_PAGES": "yes"}, "FLATTR_PAGES must be True or False, not 'yes'"),
    ],
)
def test_bad_settings_stop_all_buttons(site, flattr_log, settings, says):
    options = {"FLATTR_AUTHORS": {"Alice": "alice"}, **settings}
    output = site({"a.md": article("Some article", "Alice")}, **options)
    assert not (output / "flattr-manifest.json").exists()
    assert flattr_buttons(page(output / "some-article.html")) == []
    errors = " | ".join(r.getMessage() for r in flattr_log.records)
    assert says in errors


def test_flattr_siteurl_serves_a_local_siteurl(site):
    output = site(
        {"a.md": article("Local development", "Alice")},
        SITEURL="",
        FLATTR_SITEURL="https://public.example.org/",
        FLATTR_AUTHORS={"Alice": "alice"},
    )
    thing = manifest_things(output)["a.md"]
    assert thing["url"] == "https://public.example.org/local-development.html"


def _pelican(tmp_path, *settings):
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(article("Broken owner", "Alice", flattr_owner="x:y"))
    command = [
        str(ROOT / ".venv" / "bin" / "pelican")
        if (ROOT / ".venv" / "bin" / "pelican").exists()
        else "pelican",
        str(content),
        "-o",
        str(tmp_path / "out"),
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


def test_lenient_pelican_command_exits_0(tmp_path):
    result = _pelican(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "flattr_owner" in result.stdout + result.stderr
    assert sys.executable  # the subprocess used the project's own environment


def test_two_articles_pinned_to_one_url_are_not_merged(site, flattr_log):
    pinned = "https://blog.example.org/the-one-url/"
    files = {
        "first.md": article("The first article", "Alice", flattr_url=pinned),
        "second.md": article("The second article", "Alice", flattr_url=pinned),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"first.md"}
    assert flattr_buttons(page(output / "the-second-article.html")) == []
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert any(
        e.startswith("pelican-flattr: second.md: its thing URL " + pinned)
        and "already the thing of first.md" in e
        for e in errors
    )
