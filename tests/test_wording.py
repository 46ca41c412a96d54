"""How messages show a value and list names (``wording``), and how the
commands' tables show in a CI log (``terminal``)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SITEURL, article, build, child_env

from pelican_flattr.store import open_store
from pelican_flattr.wording import command_line, listed, shown_value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x" * 78, repr("x" * 78)),  # 80 characters quoted: shown whole
        ("x" * 79, repr("x" * 79)[:77] + "..."),
        ("x" * 500, repr("x" * 500)[:77] + "..."),
    ],
    ids=["80 shown whole", "81 cut", "502 cut"],
)
def test_a_value_is_shown_in_at_most_80_characters(value, expected):
    assert shown_value(value) == expected
    assert len(shown_value(value)) <= 80


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("posix", "pelican-flattr diff '/My Site/old.json' --settings conf.py ''"),
        # cmd.exe passes single quotes on as part of the path; PowerShell
        # and cmd.exe both take double quotes, as Windows programs split them.
        ("nt", 'pelican-flattr diff "C:\\My Site\\old.json" --settings conf.py ""'),
    ],
)
def test_a_command_is_quoted_for_the_shell_it_runs_on(platform, expected):
    path = "C:\\My Site\\old.json" if platform == "nt" else "/My Site/old.json"
    words = ["pelican-flattr", "diff", path, "--settings", "conf.py", ""]
    assert command_line(words, platform) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # Bare, cmd.exe ran "D\\m.json" as a second command.
        ("C:\\R&D\\m.json", '"C:\\R&D\\m.json"'),
        ("a|b", '"a|b"'),
        ("C:\\100%\\m.json", '"C:\\100%\\m.json"'),
        # As a Windows program reads a quoted word back: a quote escaped, the
        # backslashes before it and before the closing quote doubled.
        ('say "hi"', '"say \\"hi\\""'),
        ("C:\\My Site\\", '"C:\\My Site\\\\"'),
        ("C:\\plain\\m.json", "C:\\plain\\m.json"),
    ],
)
def test_a_windows_word_is_quoted_when_a_shell_would_read_it(word, expected):
    assert command_line([word], "nt") == expected
    # Read back as Windows programs split a command line (list2cmdline is
    # the inverse Python ships): the same word, for what it quotes alike.
    if " " in word or not word:
        assert command_line([word], "nt") == subprocess.list2cmdline([word])


@pytest.mark.parametrize("sign", ["@", "%40", "%2540"])
def test_a_value_shown_cut_never_holds_part_of_an_address(sign):
    # Cut first, "'----/quiz.b..." holds no "@" left to find: the start of
    # the local part would be shown. Every cut point, from before the
    # address to after it. "-" and "/" hold no letter of "quiz.bot", nor
    # does "[address]".
    address = f"quiz.bot{sign}example.org"
    for padding in range(70 - len(address), 80):
        value = "-" * padding + "/" + address
        shown = shown_value(value)
        assert shown.startswith("'" + "-" * min(padding, 76)), shown
        assert not set("quizbot") & set(shown), shown


@pytest.mark.parametrize(
    ("names", "limit", "expected"),
    [
        ([], None, ""),
        (["a"], None, "a"),
        (["a", "b"], None, "a and b"),
        (["a", "b", "c"], None, "a, b and c"),
        (["a", "b", "c"], 3, "a, b and c"),  # the limit reached: all named
        (["a", "b", "c", "d"], 3, "a, b, c and 1 more"),
        ([*"abcdefghijkl"], 3, "a, b, c and 9 more"),
        (["a", "b"], 1, "a and 1 more"),
    ],
)
def test_listed_names_a_few_and_counts_the_rest(names, limit, expected):
    assert listed(names, limit) == expected


def in_a_ci_log(arguments: list[str], term: str, cwd: Path) -> str:
    """What the ``pelican-flattr`` script prints on stdout to a pipe, as a
    CI job runs it: FORCE_COLOR=1 (for coloured logs) and ``term``, no
    COLUMNS."""
    env = child_env(FORCE_COLOR="1", TERM=term)
    for name in ("COLUMNS", "LINES", "NO_COLOR"):
        env.pop(name, None)
    script = Path(sys.executable).with_name("pelican-flattr")
    result = subprocess.run(
        [str(script), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert result.stderr == "", result.stderr
    return result.stdout


def table_rows(out: str) -> list[list[str]]:
    """The lines of cells of the table in ``out`` ("\u2502" between them;
    the header's "\u2503"), each a list of its cells: a row folded across
    lines gives more than one."""
    return [
        [cell.strip() for cell in line.strip("\u2502").split("\u2502")]
        for line in out.splitlines()
        if line.startswith("\u2502")
    ]


# rich takes any stream for a terminal under FORCE_COLOR, and a terminal
# whose TERM is dumb or unknown for 80 columns wide unless told its height
# too: the width a table is given in a log was ignored, and each URL and
# fix folded across some 60 lines.
@pytest.mark.parametrize("term", ["dumb", "unknown"])
def test_diffs_table_in_a_ci_log_keeps_each_row_on_one_line(tmp_path, term):
    slug = "a-much-longer-new-slug-for-this-article"
    files = {
        "a.md": article("Article A", slug="first-slug"),
        "b.md": article("Article B", slug="second-slug"),
    }
    output = build(tmp_path, files, FLATTR_USERNAME="site")
    (tmp_path / "old.json").write_bytes((output / "flattr-manifest.json").read_bytes())
    files = {
        "a.md": article("Article A", slug=slug),
        "b.md": article("Article B", slug=f"{slug}-too"),
    }
    build(tmp_path, files, FLATTR_USERNAME="site")
    conf = tmp_path / "publishconf.py"
    conf.write_text(
        f'PATH = "content"\nSITEURL = "{SITEURL}"\nFLATTR_USERNAME = "site"\n',
        encoding="utf-8",
    )
    command = [
        "diff",
        "old.json",
        "output/flattr-manifest.json",
        "--settings",
        str(conf),
    ]
    report = json.loads(in_a_ci_log([*command, "--json"], term, tmp_path))
    assert len(report["url_changed"]) == 2
    assert table_rows(in_a_ci_log(command, term, tmp_path)) == [
        ["URL changed", c["source"], f"{c['old_url']} -> {c['new_url']}", c["fix"]]
        for c in report["url_changed"]
    ]


@pytest.mark.parametrize("term", ["dumb", "unknown"])
def test_pendings_table_in_a_ci_log_keeps_each_row_on_one_line(tmp_path, term):
    # Owners' identifiers as long as a partner's may be: wider than 80
    # columns together.
    owners = [f"partner:{'a-partner-of-this-site-' * 2}{n}:7" for n in range(2)]
    store = tmp_path / "store.sqlite3"
    with open_store(store) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            [
                (f"t{n}", 3, owner, "", f"https://flattr.com/c/t{n}", "2024-03-01")
                for n, owner in enumerate(owners)
            ],
        )
    command = ["pending", "--store", str(store)]
    report = json.loads(in_a_ci_log([*command, "--json"], term, tmp_path))
    assert table_rows(in_a_ci_log(command, term, tmp_path)) == [
        [row["owner"], "(no --settings given)", "1", "3", row["latest"]]
        for row in report["owners"]
    ]
