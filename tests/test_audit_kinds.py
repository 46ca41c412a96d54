"""``pelican-flattr audit`` groups its problems by kind: each has a code
that docs/manifest.md documents, ``--json`` counts them, the text output
sums them up (in a log, before the rows), and ``--limit`` keeps the rows
few."""

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE_SITE, manifest_things, remove_button

from pelican_flattr.audit import PROBLEM_KINDS
from pelican_flattr.cli import main
from pelican_flattr.terminal import shown

DOCS = Path(__file__).resolve().parent.parent / "docs" / "manifest.md"
# The sample site's articles damaged below, each a page of its own.
SOURCES = (
    "welcome-to-hackspace-notes.md",
    "embedded-rust-workshop.md",
    "fixing-a-cold-solder-joint.md",
)


def documented_kinds() -> list[str]:
    """The kinds of the table in docs/manifest.md's audit section, in order
    (up to the next heading: the table of ``audit --json``'s fields follows)."""
    section = (
        DOCS.read_text(encoding="utf-8")
        .split("## What the audit reports")[1]
        .split("\n#")[0]
    )
    return re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE)


def test_every_kind_is_documented_and_only_those():
    # A kind the code gains without a line in the docs (or one the docs
    # keep after the code dropped it) fails here, not in a reader's script.
    assert documented_kinds() == list(PROBLEM_KINDS)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", kind) for kind in PROBLEM_KINDS)


def test_button_hidden_advice_puts_flattr_script_where_the_readme_does():
    # README: call flattr_script() after the buttons, before </body>; the
    # audit's advice for a hidden button said the theme's <head>.
    section = (
        DOCS.read_text(encoding="utf-8")
        .split("## What the audit reports")[1]
        .split("\n#")[0]
    )
    (row,) = re.findall(r"^\| `button-hidden` \|.*$", section, flags=re.MULTILINE)
    advice = row.split(" | ")[-1]
    readme = (DOCS.parent.parent / "README.md").read_text(encoding="utf-8")
    (helper,) = re.findall(r"^\| `flattr_script\(\)` \|.*$", readme, flags=re.MULTILINE)
    for said in (helper, advice):
        assert "after the buttons, before `</body>`" in said or (
            "after them, before `</body>`" in said
        )
    assert "<head>" not in advice


@pytest.fixture
def damaged(sample_output, tmp_path):
    """A copy of the sample site with problems of three kinds: two pages
    without their button (button-missing), one page deleted (page-missing)
    and one feed deleted (feed-missing); two kinds of one count, to show
    the order by name among equals."""
    output = tmp_path / "site"
    shutil.copytree(sample_output, output)
    things = manifest_things(output)
    assert all(source in things for source in SOURCES), sorted(things)
    for source in SOURCES[:2]:
        remove_button(output / things[source]["page"])
    (output / things[SOURCES[2]]["page"]).unlink()
    feed = things[SOURCES[0]]["feeds"][0]  # one problem, however many it carries
    (output / feed).unlink()
    return output, feed


def audit(output: Path, capsys, *options: str) -> tuple[int, str]:
    status = main(["audit", str(output), *options])
    return status, capsys.readouterr().out


def test_json_gives_each_problem_its_kind_and_counts_them(damaged, capsys):
    output, feed = damaged
    status, text = audit(output, capsys, "--json")
    report = json.loads(text)
    assert status == 1
    kinds = {(p["file"], p["kind"]) for p in report["problems"]}
    things = manifest_things(output)
    assert {
        (things[SOURCES[0]]["page"], "button-missing"),
        (things[SOURCES[1]]["page"], "button-missing"),
        (things[SOURCES[2]]["page"], "page-missing"),
        (feed, "feed-missing"),
    } <= kinds
    counted = {}
    for problem in report["problems"]:
        counted[problem["kind"]] = counted.get(problem["kind"], 0) + 1
    assert report["problems_by_kind"] == counted
    assert counted["button-missing"] == 2
    assert counted["page-missing"] == counted["feed-missing"] == 1
    assert sum(counted.values()) == len(report["problems"])


def summary_lines(text: str) -> list[str]:
    """The lines of the text output's summary by kind that count a kind
    (not those below each, deeper, that say what to do)."""
    lines = text.splitlines()
    start = lines.index("Problems by kind:")
    return [line for line in lines[start + 1 :] if re.match(r"  [a-z]", line)]


def test_the_text_output_sums_up_the_kinds_most_frequent_first(damaged, capsys):
    output, _ = damaged
    status, text = audit(output, capsys)
    assert status == 1
    summary = summary_lines(text)
    counts = [(line.split(":")[0].strip(), line) for line in summary]
    kinds = [kind for kind, _ in counts]
    assert set(kinds) >= {"button-missing", "page-missing", "feed-missing"}
    numbers = [int(re.search(r": (\d+) problem", line)[1]) for line in summary]
    # The most frequent first; among equals, by name.
    assert sorted(zip(kinds, numbers, strict=True), key=lambda k: (-k[1], k[0])) == (
        list(zip(kinds, numbers, strict=True))
    )
    assert "  button-missing: 2 problems" in summary
    assert "  page-missing: 1 problem" in summary
    assert "not listed" not in text
    # Piped (a CI log): before the rows, which the line of totals ends;
    # a terminal's is after its table (tests/test_cli.py).
    assert text.index("Problems by kind:") < text.index("has 0 Flattr buttons")
    assert text.rstrip().splitlines()[-1].endswith(f"{sum(numbers)} problems")


def test_a_sound_site_prints_no_summary(sample_output, capsys):
    status, text = audit(sample_output, capsys)
    assert status == 0
    assert "Problems by kind" not in text and "no problems" in text


def test_limit_lists_at_most_n_rows_of_each_kind(damaged, capsys):
    output, _ = damaged
    _, full = audit(output, capsys)
    status, text = audit(output, capsys, "--limit", "1")
    assert status == 1
    # One of the two pages without a button is listed, and the summary
    # says the other was left out; the others, one each, are all listed.
    assert full.count("has 0 Flattr buttons") == 2
    assert text.count("has 0 Flattr buttons") == 1
    assert "  button-missing: 2 problems (1 not listed)" in summary_lines(text)
    assert "  page-missing: 1 problem" in summary_lines(text)
    assert text.count("is missing") == full.count("is missing")
    total = len(summary_lines(full))
    assert total == len(summary_lines(text))
    assert "(--limit 1 of each kind)" in text
    # --limit 0: the summary alone.
    _, text = audit(output, capsys, "--limit", "0")
    assert "has 0 Flattr buttons" not in text and "is missing" not in text
    assert "  button-missing: 2 problems (2 not listed)" in summary_lines(text)
    # --json lists them all whatever --limit says.
    _, listed = audit(output, capsys, "--json", "--limit", "1")
    report = json.loads(listed)
    assert report["problems_by_kind"]["button-missing"] == 2
    assert [p["kind"] for p in report["problems"]].count("button-missing") == 2


@pytest.mark.parametrize("value", ["-1", "many", ""])
def test_limit_must_be_a_number_of_rows(sample_output, capsys, value):
    with pytest.raises(SystemExit) as stop:
        main(["audit", str(sample_output), "--limit", value])
    assert stop.value.code == 2
    assert "--limit" in capsys.readouterr().err


# --- Each kind a payment link's fault gives, on a real site. ---


@pytest.fixture
def site_copy(sample_output, tmp_path):
    """A copy of the sample site, to change."""
    output = tmp_path / "site"
    shutil.copytree(sample_output, output)
    return output


def problems_and_kinds(output: Path, capsys) -> list[tuple[str, str, str]]:
    """Each problem the audit of ``output`` says: its file, text and kind."""
    status, text = audit(output, capsys, "--json")
    assert status == 1
    report = json.loads(text)
    return [(p["file"], p["problem"], p["kind"]) for p in report["problems"]]


def payment_link_tag(page: Path) -> str:
    """The payment link the plugin wrote in ``page``'s <head>, as written."""
    text = page.read_text(encoding="utf-8")
    start = text.index('<link rel="payment"')
    return text[start : text.index(">", start) + 1]


def test_a_page_with_two_payment_links_in_its_head_has_one_extra(site_copy, capsys):
    # Two flattr_head() calls, or the theme's and the plugin's: which one a
    # reader's browser pays is its own choice.
    page = site_copy / manifest_things(site_copy)[SOURCES[0]]["page"]
    tag = payment_link_tag(page)
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(tag, tag + tag, 1), encoding="utf-8")
    assert problems_and_kinds(site_copy, capsys) == [
        (page.name, "has 2 payment links (2 in <head>)", "payment-link-extra")
    ]


def test_a_page_whose_payment_link_is_another_thing_s_is_the_wrong_thing(
    site_copy, capsys
):
    # A template that calls flattr_head() with another article: the link
    # is one the manifest knows, on the wrong page.
    things = manifest_things(site_copy)
    page = site_copy / things[SOURCES[0]]["page"]
    own, other = (things[s]["auto_submit_url"] for s in SOURCES[:2])
    tag = payment_link_tag(page)
    text = page.read_text(encoding="utf-8")
    edited = tag.replace(own.replace("&", "&amp;"), other.replace("&", "&amp;"))
    assert edited != tag
    page.write_text(text.replace(tag, edited, 1), encoding="utf-8")
    assert problems_and_kinds(site_copy, capsys) == [
        (page.name, "has 1 payment links (1 in <head>)", "payment-link-wrong-thing")
    ]


def test_a_feed_without_a_thing_s_entry_lacks_its_payment_link(site_copy, capsys):
    # The feed is there, the entry of a thing the manifest lists in it is
    # not: a payment link missing, not a feed.
    thing = manifest_things(site_copy)[SOURCES[0]]
    feed = site_copy / "feeds" / "all.atom.xml"
    assert "feeds/all.atom.xml" in thing["feeds"]
    text = feed.read_text(encoding="utf-8")
    at = text.index(f'<link href="{thing["url"]}" rel="alternate"/>')
    start = text.rindex("<entry>", 0, at)
    end = text.index("</entry>", at) + len("</entry>")
    feed.write_text(text[:start] + text[end:], encoding="utf-8")
    assert problems_and_kinds(site_copy, capsys) == [
        (
            "feeds/all.atom.xml",
            f"does not carry the payment link of {thing['url']}",
            "payment-link-missing",
        )
    ]


# --- The command's own words: a value refused, the notes, the title, ok. ---


@pytest.mark.parametrize("value", ["-1", "many"])
def test_limit_refused_names_the_value_given(sample_output, capsys, value):
    with pytest.raises(SystemExit):
        main(["audit", str(sample_output), "--limit", value])
    err = capsys.readouterr().err
    assert f"--limit: {value!r} is not a number of rows (0 or more)" in err


def test_the_note_of_a_siteurl_not_compared_shows_no_address(
    sample_output, tmp_path, capsys
):
    # The note names the settings file, whose path may run through a folder
    # named by an address (a home folder on some systems): shown as
    # [address] in the text and in --json, as a usage error shows it.
    folder = tmp_path / "jane@corp.example"
    folder.mkdir()
    settings = folder / "pelicanconf.py"
    sample = (SAMPLE_SITE / "pelicanconf.py").read_text(encoding="utf-8")
    here = f"HERE = Path({str(SAMPLE_SITE / 'pelicanconf.py')!r})"
    # Without the sample's FLATTR_SITEURL, which the audit would compare.
    settings.write_text(
        sample.replace("HERE = Path(__file__)", here)
        + 'SITEURL = "http://localhost:8000"\nFLATTR_SITEURL = ""\n',
        encoding="utf-8",
    )
    status, text = audit(sample_output, capsys, "--settings", str(settings))
    assert status == 0
    shown = str(tmp_path / "[address]" / "pelicanconf.py")
    assert f"was not compared with SITEURL of {shown}: " in text
    _, document = audit(sample_output, capsys, "--settings", str(settings), "--json")
    (note,) = json.loads(document)["notes"]
    assert f"SITEURL of {shown}: " in note
    assert "jane@corp.example" not in text + document


def test_json_names_an_output_folder_named_by_an_address_without_it(
    sample_output, tmp_path, capsys
):
    # "output" was printed as given, the operator's address with it.
    output = tmp_path / "jane@corp.example" / "output"
    shutil.copytree(sample_output, output)
    status, document = audit(output, capsys, "--json")
    assert status == 0, document
    shown = json.loads(document)["output"]
    assert shown == str(tmp_path / "[address]" / "output")
    assert "jane@corp.example" not in document


def table_title(text: str) -> str:
    """The title of the text output's problems (in a log, the line that
    heads the rows, which ends with ":")."""
    (title,) = re.findall(r"^(\d+ problems?(?:, .*)?):$", text, flags=re.MULTILINE)
    return title


def test_the_table_title_counts_rows_listed_only_when_limit_left_some_out(
    damaged, capsys
):
    output, _ = damaged
    _, document = audit(output, capsys, "--json")
    by_kind = json.loads(document)["problems_by_kind"]
    total = sum(by_kind.values())
    # One of each kind listed: the title says how many of all.
    _, text = audit(output, capsys, "--limit", "1")
    assert table_title(text) == (
        f"{total} problems, {len(by_kind)} listed (--limit 1 of each kind)"
    )
    # Without --limit, or one that left nothing out, no word of it.
    for options in ((), ("--limit", str(max(by_kind.values())))):
        _, text = audit(output, capsys, *options)
        assert table_title(text) == f"{total} problems"
        assert "--limit" not in text


def test_json_ok_says_whether_the_site_is_sound(sample_output, damaged, capsys):
    # A script reads "ok" (or "exit_status") alone, as the exit status says.
    for output, sound in ((sample_output, True), (damaged[0], False)):
        status, text = audit(output, capsys, "--json")
        report = json.loads(text)
        assert (report["ok"], report["exit_status"], status) == (
            (True, 0, 0) if sound else (False, 1, 1)
        )


def test_the_command_for_another_site_inside_names_its_manifest_and_settings(
    site_copy, capsys
):
    # Given --settings, its FLATTR_MANIFEST would win over the other site's
    # default manifest name, so the command names the manifest too; a line
    # break in the folder's name is shown escaped in the command as in the
    # folder, or it would start a line of its own.
    folder = "old\nsite"
    shutil.copytree(site_copy, site_copy.parent / "other")
    shutil.move(site_copy.parent / "other", site_copy / folder)
    settings = str(SAMPLE_SITE / "publishconf.py")
    status, text = audit(site_copy, capsys, "--settings", settings)
    assert status == 0, text
    inner = site_copy / folder
    command = shlex.join(
        [
            "pelican-flattr",
            "audit",
            str(inner),
            "--manifest",
            str(inner / "flattr-manifest.json"),
            "--settings",
            settings,
        ]
    )
    assert (
        f"{shown(folder)}/ holds a manifest of its own: it is another site's "
        "output. This audit checks it only for the owners' addresses, which no "
        f"file may publish. To check the rest, audit it on its own: {shown(command)}"
    ) in text
    assert "\n" not in shown(command)
