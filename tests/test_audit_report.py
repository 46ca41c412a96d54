"""How ``pelican-flattr audit`` lays out its report for people: each kind
found with what to do about it, and, piped into a log or a file, the
headline first and one problem a line, without a table's padding."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import manifest_things, remove_button

from pelican_flattr.audit_report import PROBLEM_FIXES, PROBLEM_KINDS
from pelican_flattr.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs" / "manifest.md"
SCRIPT = Path(sys.executable).with_name("pelican-flattr")
# A fix the docs give at more length than a line is said by its first
# clauses (up to a ";" or ":"), the docs pointed to for the rest.
LONGEST_FIX = 300


def documented_fixes() -> dict[str, str]:
    """Each kind's "what to do" in docs/manifest.md, as plain text: without
    Markdown's backticks, "as for `kind`" read as that kind's; the section
    ends at the next heading (the table of ``audit --json``'s fields)."""
    section = (
        DOCS.read_text(encoding="utf-8")
        .split("## What the audit reports")[1]
        .split("\n#")[0]
    )
    rows = re.findall(r"^\| `([a-z-]+)` \| .* \| (.*) \|$", section, re.MULTILINE)
    fixes = {kind: fix.replace("`", "") for kind, fix in rows}
    for kind, fix in fixes.items():
        if same := re.fullmatch(r"as for ([a-z-]+)", fix):
            fixes[kind] = fixes[same[1]]
    return fixes


def test_each_kind_s_fix_is_the_one_the_docs_give():
    # One source of truth: the line the report prints is the docs' "what to
    # do", or its first clauses where the docs' is longer than a line.
    documented = documented_fixes()
    assert list(PROBLEM_FIXES) == list(PROBLEM_KINDS) == list(documented)
    for kind, fix in PROBLEM_FIXES.items():
        full = documented[kind]
        cut = len(full) > LONGEST_FIX and full[len(fix) : len(fix) + 1] in (";", ":")
        assert fix == full or (cut and full.startswith(fix)), (
            f"PROBLEM_FIXES[{kind!r}] is not docs/manifest.md's: {full!r}"
        )
        assert len(fix) <= LONGEST_FIX and "\n" not in fix


@pytest.fixture(scope="module")
def damaged(tmp_path_factory, sample_output):
    """A copy of the sample site with problems of four kinds: two pages
    without their button, one page deleted, and one feed that is not
    well-formed (a problem with nothing in its "expected" column)."""
    output = tmp_path_factory.mktemp("damaged") / "site"
    shutil.copytree(sample_output, output)
    things = sorted(manifest_things(output).values(), key=lambda t: t["page"])
    for thing in things[:2]:
        remove_button(output / thing["page"])
    (output / things[2]["page"]).unlink()
    feed = next(thing["feeds"][0] for thing in things if thing["feeds"])
    (output / feed).write_text("<feed><cut", encoding="utf-8")
    return output


def audit_piped(output: Path, *options: str) -> tuple[int, str, dict]:
    """The real command's exit status and output into a pipe, as in CI, and
    its --json document with the same options."""
    argv = [str(SCRIPT), "audit", str(output), *options]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    document = subprocess.run(
        [*argv, "--json"], capture_output=True, text=True, timeout=120
    )
    assert result.stderr == ""
    return result.returncode, result.stdout, json.loads(document.stdout)


def test_a_log_gets_the_headline_first_and_one_unpadded_line_a_problem(damaged):
    status, text, report = audit_piped(damaged)
    assert status == report["exit_status"] == 1
    lines = text.splitlines()
    total = len(report["problems"])
    verdict = f"{report['things']} things, {report['files']} files checked: "
    # The totals open the report, not centred after hundreds of spaces,
    # and close it too, where a CI log's tail shows.
    assert lines[0] == lines[-1] == f"{verdict}{total} problems"
    assert lines[1] == "Problems by kind:"
    # Each problem on one line of its own, whole: its file, its kind (the
    # summary's), what is wrong, and what was expected; nothing padded.
    rows = [
        f"{p['file']}: {p['kind']}: {p['problem']}; expected: "
        + (p["expected"] or PROBLEM_FIXES[p["kind"]])
        for p in report["problems"]
    ]
    assert lines[-total - 2 :] == [f"{total} problems:", *rows, lines[-1]]
    assert text.index("Problems by kind:") < text.index(rows[0])
    assert not re.search(r"  \S.*  |\s$|[┃│━]", "\n".join(rows)), text
    assert not any(line.endswith(" ") for line in lines)


def test_the_summary_gives_each_kind_found_its_fix(damaged):
    _, text, report = audit_piped(damaged)
    lines = text.splitlines()
    start = lines.index("Problems by kind:") + 1
    by_kind = report["problems_by_kind"]
    # The most frequent first, as before; each kind's fix below it.
    expected = []
    for kind, count in sorted(by_kind.items(), key=lambda item: (-item[1], item[0])):
        said = f"{count} problem{'' if count == 1 else 's'}"
        expected += [f"  {kind}: {said}", f"    what to do: {PROBLEM_FIXES[kind]}"]
    assert lines[start : start + len(expected)] == expected
    # Where the rest is said: the docs' table, by its heading.
    assert lines[start + len(expected)] == (
        'Each kind in full, and what to do: "What the audit reports" in '
        "docs/manifest.md (pelican-flattr's source)"
    )
    assert {"button-missing", "page-missing", "not-well-formed"} <= set(by_kind)


def test_limit_keeps_the_summary_and_lists_fewer_rows(damaged):
    _, full, report = audit_piped(damaged)
    _, text, limited = audit_piped(damaged, "--limit", "1")
    # --json lists them all whatever --limit says.
    assert limited == report
    total = len(report["problems"])
    listed = len(report["problems_by_kind"])
    assert f"\n{total} problems, {listed} listed (--limit 1 of each kind):\n" in text
    assert "  button-missing: 2 problems (1 not listed)\n" in text
    assert text.count(": button-missing: ") == 1
    assert full.count(": button-missing: ") == 2
    # --limit 0: the headline alone, which says it in full.
    _, text, _ = audit_piped(damaged, "--limit", "0")
    assert ": button-missing: " not in text and " listed (--limit" not in text
    assert "  button-missing: 2 problems (2 not listed)\n" in text
    assert text.splitlines()[0].endswith(f"checked: {total} problems")
    assert text.count("checked:") == 1


def test_a_sound_site_in_a_log_is_one_line(sample_output, capsys):
    assert main(["audit", str(sample_output)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith(" files checked: no problems")


def test_help_points_to_the_kinds_and_says_what_limit_0_does(capsys):
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "0 for the summary alone" in said
    assert '"What the audit reports" in docs/manifest.md' in said
    assert "piped or written to a file" in said
