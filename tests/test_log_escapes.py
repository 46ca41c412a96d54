"""Control characters in source file names never reach a terminal as they are.

A file name may hold a terminal escape (``ESC [2J`` clears the screen; an
OSC 8 sequence shows a link) or a bidi override (U+202E shows the rest of
the line reversed). The build's log and the command's tables show them
escaped, as ``\\x1b`` and ``\\u202e``.
"""

import json
import re
import shutil

from conftest import article, build, run_pelican

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


def test_file_names_in_the_build_log_are_escaped(tmp_path, flattr_log):
    build(tmp_path, slugged("one"), FLATTR_AUTHORS=AUTHORS)
    build(tmp_path, slugged("two"), FLATTR_AUTHORS=AUTHORS)
    messages = [r.getMessage() for r in flattr_log.records]
    for escaped in NAMES.values():
        (line,) = [m for m in messages if f"{escaped}: thing URL changed" in m]
        assert f"to {escaped}" in line  # the fix: add 'Flattr_url: ...' to it
    said = "\n".join(messages)
    assert "e\\x1b[2Jnobody.md has no Flattr owner" in said
    assert "c\\x1b[2Jcategory.md: metadata 'flattr_category' is 'nope'" in said
    for message in messages:
        assert not RAW.search(message), ascii(message)


def test_the_pelican_command_prints_file_names_escaped(tmp_path):
    # Pelican's terminal, its own lines (a file it could not read) too.
    build(tmp_path, slugged("one"), FLATTR_AUTHORS=AUTHORS)
    content = tmp_path / "content"
    for name, text in slugged("two").items():
        (content / name).write_text(text, encoding="utf-8")
    (content / f"f{ESC}[2Jundated.md").write_text(
        "Title: F\nDate: no date\n\nA body.\n", encoding="utf-8"
    )
    result = run_pelican(
        content,
        tmp_path / "output",
        f'CACHE_PATH="{tmp_path / "cache"}"',
        f"FLATTR_AUTHORS={json.dumps(AUTHORS)}",
    )
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    for escaped in NAMES.values():
        assert f"{escaped}: thing URL changed" in said
    assert "f\\x1b[2Jundated.md" in said
    assert not RAW.search(said), ascii(said)


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
