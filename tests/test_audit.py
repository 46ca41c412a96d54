"""``pelican-flattr audit``: passes on the sample site, fails on tampered copies."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE_SITE, manifest_things

from pelican_flattr.cli import main

SETTINGS = str(SAMPLE_SITE / "pelicanconf.py")


@pytest.fixture
def copy(sample_output, tmp_path):
    target = tmp_path / "site"
    shutil.copytree(sample_output, target)
    return target


def audit_json(output, capsys, *extra):
    status = main(["audit", str(output), "--json", "--settings", SETTINGS, *extra])
    report = json.loads(capsys.readouterr().out)
    return status, report


def test_audit_passes_on_the_sample_site(sample_output, capsys):
    status, report = audit_json(sample_output, capsys)
    assert status == 0 and report["ok"] is True and report["problems"] == []
    assert report["things"] == len(manifest_things(sample_output)) > 10
    assert main(["audit", str(sample_output)]) == 0
    assert "no problems" in capsys.readouterr().out


def test_installed_console_script(sample_output):
    script = Path(sys.executable).with_name("pelican-flattr")
    result = subprocess.run(
        [str(script), "audit", str(sample_output), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def a_thing(output, source="welcome-to-hackspace-notes.md"):
    return manifest_things(output)[source]


def test_removed_button(copy, capsys):
    thing = a_thing(copy)
    path = copy / thing["page"]
    text = path.read_text(encoding="utf-8")
    start = text.index('<a class="flattr-button')
    end = text.index("</a>", start) + len("</a>")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    status, report = audit_json(copy, capsys)
    assert status == 1
    (problem,) = report["problems"]
    assert problem["file"] == thing["page"]
    assert problem["problem"] == "has 0 Flattr buttons for its thing (0 in all)"
    assert thing["auto_submit_url"] in problem["expected"]


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
    assert problem["expected"] == f"exactly one og:url {thing['url']}"


def test_button_pointing_at_an_unknown_thing(copy, capsys):
    index = copy / "index.html"
    text = index.read_text(encoding="utf-8")
    index.write_text(
        text.replace("url%3Dhttps", "url%3Dhttps", 1).replace(
            "submit/auto?url=https%3A%2F%2Fcommunity",
            "submit/auto?url=https%3A%2F%2Fevil",
            1,
        ),
        encoding="utf-8",
    )
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert any(
        p["file"] == "index.html" and "doesn't know" in p["problem"]
        for p in report["problems"]
    )


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
    files = {p["file"] for p in report["problems"]}
    assert files == {"pages/about.html"}
    messages = " ".join(p["problem"] for p in report["problems"])
    assert "Carol Chen" in messages and "email:" in messages
    assert "carol@" not in json.dumps(report).lower()  # the report never repeats it
    # Without the settings file, the hash of the email owner still finds it.
    status = main(["audit", str(copy), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["problems"][0]["file"] == "pages/about.html"


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
    assert any(
        "payment links" in p["problem"] or "doesn't know" in p["problem"]
        for p in problems
    )
    assert any(
        f"does not carry the payment link of {thing['url']}" == p["problem"]
        for p in problems
    )


def test_missing_page(copy, capsys):
    thing = a_thing(copy)
    (copy / thing["page"]).unlink()
    status, report = audit_json(copy, capsys)
    assert status == 1
    assert {
        "file": thing["page"],
        "problem": "is missing",
        "expected": f"the page of {thing['url']}",
    } in report["problems"]


def test_unreadable_manifest_is_a_usage_error(tmp_path, capsys):
    assert main(["audit", str(tmp_path)]) == 2
    assert "no such manifest" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "nope")]) == 2
    assert "no such output folder" in capsys.readouterr().err


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
        }
    ]
