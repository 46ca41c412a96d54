"""Control characters in source file names never reach a terminal as they are.

A file name may hold a terminal escape (``ESC [2J`` clears the screen; an
OSC 8 sequence shows a link) or a bidi override (U+202E shows the rest of
the line reversed). The build's log and the command's tables show them
escaped, as ``\\x1b`` and ``\\u202e``.
"""

import re
import shutil

from conftest import article, build

from pelican_flattr.cli import main

ESC = "\x1b"
NAMES = {
    f"a{ESC}[2J{ESC}[31mred.md": "a\\x1b[2J\\x1b[31mred.md",
    f"d{ESC}]8;;http:evil{ESC}\\click{ESC}]8;;{ESC}\\.md": (
        "d\\x1b]8;;http:evil\\x1b\\click\\x1b]8;;\\x1b\\.md"
    ),
    "b\u202egnp.md": "b\\u202egnp.md",
}
# What a terminal acts on, or reads right to left: none may be left.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
AUTHORS = {"Alice": "alice"}


def slugged(slug: str) -> dict[str, str]:
    files = {
        name: article(f"Article {n}", "Alice", slug=f"{slug}-{n}")
        for n, name in enumerate(NAMES)
    }
    files[f"e{ESC}[2Jnobody.md"] = article("Nobody's", "Eve")
    files[f"c{ESC}[2Jcategory.md"] = article("C", "Alice", flattr_category="nope")
    return files


def test_diff_shows_file_names_escaped(tmp_path, capsys):
    output = build(tmp_path, slugged("one"), FLATTR_AUTHORS=AUTHORS)
    old = tmp_path / "old-manifest.json"
    shutil.copy(output / "flattr-manifest.json", old)
    build(tmp_path, slugged("two"), FLATTR_AUTHORS=AUTHORS)
    new = output / "flattr-manifest.json"
    capsys.readouterr()
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    for escaped in NAMES.values():
        assert escaped in out
        assert f"to {escaped}" in out  # the fix, one line per row when piped
    assert not RAW.search(out), ascii(out)
