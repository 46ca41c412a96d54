"""How ``pelican-flattr audit`` lays out its report for people: each kind
found with what to do about it."""

import re
from pathlib import Path

from pelican_flattr.audit_report import PROBLEM_FIXES, PROBLEM_KINDS

DOCS = Path(__file__).resolve().parent.parent / "docs" / "manifest.md"
# A fix the docs give at more length than a line is said by its first
# clauses (up to a ";" or ":"), the docs pointed to for the rest.
LONGEST_FIX = 300


def documented_fixes() -> dict[str, str]:
    """Each kind's "what to do" in docs/manifest.md, as plain text: without
    Markdown's backticks, "as for `kind`" read as that kind's."""
    section = DOCS.read_text(encoding="utf-8").split("## What the audit reports")[1]
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
