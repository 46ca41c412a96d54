"""The shared output of the ``pelican-flattr`` command."""

import contextlib
import fcntl
import io
import json
import os
import pty
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from conftest import (
    ROOT,
    SAMPLE_SITE,
    TESTS,
    article,
    child_env,
    manifest_things,
    remove_button,
)
from webhook_server import PENDING, TOKEN

from pelican_flattr import cli, terminal
from pelican_flattr.store import open_store
from pelican_flattr.webhook_receiver import (
    now_utc,
    parse_pending_click,
    store_pending_click,
)

SCRIPT = Path(sys.executable).with_name("pelican-flattr")


def test_identifiers_print_as_written(capsys):
    # rich would turn ":x:" into an emoji unless told not to.
    terminal.print_line("owner partner:x:1 and twitter:user:id:5")
    terminal.print_table("", ("owner",), [("partner:x:1",)])
    out = capsys.readouterr().out
    assert out.count("partner:x:1") == 2 and "twitter:user:id:5" in out


def test_control_characters_are_shown_escaped(tmp_path, capsys):
    # A terminal acts on them: "\x1b[2J" clears the screen; U+202E shows
    # the rest of the line reversed. Printed for people, they are escaped
    # as a name's bytes that are not UTF-8 are.
    name = "a\x1b[2J\x9b31m\x7f\u202e\u2066\udcff"
    terminal.print_line(f"{name}\nnext line")
    terminal.print_table("", ("file",), [(f"{name}\nfake row",)])
    assert cli.main(["audit", str(tmp_path / name)]) == 2
    out, err = capsys.readouterr()
    escaped = "a\\x1b[2J\\x9b31m\\x7f\\u202e\\u2066\\xff"
    assert f"{escaped}\nnext line\n" in out
    assert f"{escaped}\\x0afake row" in out
    assert f"{escaped}: no such output folder" in err
    for text in (out, err):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2066]", text), text


def test_control_characters_reach_no_terminal_through_json(tmp_path, capsys):
    # JSON escapes C0 alone: a C1 CSI, DEL, a bidi override or a line
    # separator in a name reached the terminal of whoever ran --json.
    name = "a\x1b[2J\x9b31m\x7f\u202e\u2066\u2028\x85\udcffé"
    assert cli.main(["audit", str(tmp_path / name), "--json"]) == 2
    out = capsys.readouterr().out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e\u2066\u2028]", out)
    [problem] = json.loads(out)["problems"]
    # Read back, the same string; é as it is, a name's stray byte as \xff.
    assert problem.startswith(f"{tmp_path}/{name[:-2]}\\xffé: no such output")


def test_no_subcommand_is_a_usage_error(capsys):
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_version_is_the_installed_packages(capsys):
    # A packager or an operator filing a bug had no way to tell which
    # version runs but importlib.metadata.
    import importlib.metadata

    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    printed = capsys.readouterr().out
    assert printed == f"pelican-flattr {importlib.metadata.version('pelican-flattr')}\n"
    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    if pyproject.is_file():  # beside the tests, as in a clone or an sdist
        (version,) = re.findall(r'(?m)^version = "(.*)"$', pyproject.read_text())
        assert printed == f"pelican-flattr {version}\n"


def test_output_to_a_closed_pipe_is_no_traceback(sample_output):
    # As `pelican-flattr audit --json | head -1` once the reader has gone.
    reader, writer = os.pipe()
    os.close(reader)
    result = subprocess.run(
        [str(SCRIPT), "audit", str(sample_output), "--json"],
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    os.close(writer)
    assert result.stderr == "" and result.returncode == 141


@pytest.fixture
def crowded_store(tmp_path):
    """A store of 3,000 waiting owners: far more than a pipe holds, in the
    table and in the lines below it, so that a reader that stops early is
    gone before either is written."""
    from pelican_flattr.store import open_store

    store = tmp_path / "store.sqlite3"
    with open_store(store) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            [
                (f"t{n}", 1, f"partner:ns:{n}", "", f"https://flattr.com/c/{n}", "2024")
                for n in range(3000)
            ],
        )
    return store


def status_when_the_reader_stops(
    arguments: list[str], read: Callable[[IO[bytes]], None], **popen: Any
) -> int:
    """Run the command, ``read`` some of its output, close the pipe; the
    exit status, once it is clear that nothing went to stderr but a line."""
    process = subprocess.Popen(
        [str(SCRIPT), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )
    try:
        read(process.stdout)
        process.stdout.close()
        err = process.stderr.read().decode()
        status = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in err, err
    return status


def read_until(text: str) -> Callable[[IO[bytes]], None]:
    def read(stdout: IO[bytes]) -> None:
        for line in stdout:
            if text.encode() in line:
                return
        pytest.fail(f"no line holds {text!r}")

    return read


@pytest.mark.parametrize(
    "last_line",
    [
        "Flattrs waiting to be claimed",  # `| head -1`: gone within the table
        "Claim URLs, to pass on to each owner:",  # `| sed '/Claim/q'`: the lines
    ],
)
def test_a_reader_that_stops_early_ends_the_command_with_141(crowded_store, last_line):
    # rich ends a process whose stdout is closed with status 1, which
    # scripts read as "problems found" (for verify: Flattr refused one).
    arguments = ["pending", "--store", str(crowded_store)]
    assert status_when_the_reader_stops(arguments, read_until(last_line)) == 141


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_json_document_cut_short_ends_with_141(crowded_store, unbuffered):
    # Under PYTHONUNBUFFERED one write of the whole document could write
    # part of it, say nothing, and end the command with 0.
    arguments = ["pending", "--store", str(crowded_store), "--json"]
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    status = status_when_the_reader_stops(arguments, read_until("{"), env=env)
    assert status == 141


def test_verify_stops_with_141_when_its_reader_does(tmp_path):
    # verify prints a line per identity; 1 would mean "Flattr refused one".
    rows = "\n".join(f"user{n},partner:ns:{n}" for n in range(5000))
    batch = tmp_path / "many.csv"
    batch.write_text(f"username,identity\n{rows}\n", encoding="utf-8")
    arguments = ["verify", "--from", str(batch), "--dry-run"]
    status = status_when_the_reader_stops(
        arguments, read_until("would send"), cwd=tmp_path
    )
    assert status == 141


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "{long}"],
        ["pending", "--store", "{long}"],
        ["diff", "{long}", "{long}"],
    ],
)
def test_a_path_the_system_refuses_is_named_not_a_traceback(tmp_path, capsys, command):
    # Path.is_file() and friends raise for a name longer than the system
    # allows (and for a folder that may not be entered, which root, running
    # these tests, never meets).
    long = str(tmp_path / ("x" * 300))
    assert cli.main([part.format(long=long) for part in command]) == 2
    err = capsys.readouterr().err
    # pending says what it found there: a store.
    assert err.startswith(f"pelican-flattr: {long}") or err.startswith(
        f"pelican-flattr: store {long}: cannot be examined (File name too long)"
    )
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "{folder}/output"],
        ["diff", "{folder}/old.json", "{folder}/new.json"],
        ["diff", "{manifest}", "{manifest}", "--content", "{folder}/content"],
        ["diff", "{manifest}", "{manifest}", "--settings", "{folder}/conf.py"],
        ["pending", "--store", "{folder}/store.sqlite3"],
        ["verify", "--from", "{folder}/ids.txt", "--dry-run"],
    ],
)
def test_a_path_in_a_folder_named_by_an_address_is_shown_without_it(
    tmp_path, capsys, sample_output, command
):
    # diff named its manifests, its content folder and its settings file as
    # given, an operator's address in a folder's name with them; every
    # command's usage error now shows it as the others do.
    folder = tmp_path / "dave@example.net"
    folder.mkdir()
    manifest = sample_output / "flattr-manifest.json"
    argv = [part.format(folder=folder, manifest=manifest) for part in command]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("pelican-flattr: "), err
    assert "[address]/" in err, err
    assert "example.net" not in err and "@" not in err, err


@pytest.mark.parametrize(
    "command",
    [
        ["pending"],
        ["webhook", "serve", "--token", "a" * 40],
        ["verify", "--identity", "partner:x:1", "--dry-run"],
    ],
)
# Blank as well as empty: --store " $STORE" names no file either.
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_store_option_is_a_usage_error(
    tmp_path, capsys, monkeypatch, command, value
):
    # --store "$STORE" with the variable unset: not quietly the default store.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main([*command, "--store", value])
    assert exited.value.code == 2
    assert (
        "argument --store: is empty: give the store's file" in capsys.readouterr().err
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("command", "argument"),
    [
        (["audit", ""], "OUTPUT_DIR"),
        (["audit", "out", "--manifest", " "], "--manifest"),
        (["audit", "out", "--settings", ""], "--settings"),
        (["diff", "", "new.json"], "OLD_MANIFEST"),
        (["diff", "old.json", ""], "NEW_MANIFEST"),
        (["diff", "old.json", "new.json", "--content", ""], "--content"),
        (["diff", "old.json", "new.json", "--settings", ""], "--settings"),
        (["verify", "--from", "", "--dry-run"], "--from"),
        (["pending", "--settings", ""], "--settings"),
        (["webhook", "serve", "--settings", ""], "--settings"),
    ],
)
def test_an_empty_path_is_a_usage_error_naming_it(
    tmp_path, capsys, monkeypatch, command, argument
):
    # audit "" audited the folder the command ran in, and --manifest ""
    # was named "." in a message about a folder.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(command)
    assert exited.value.code == 2
    assert f"argument {argument}: is empty: give a path" in capsys.readouterr().err


# Every command that reads a settings file and prints a --json document.
SETTINGS_AND_JSON = [
    ["audit", "{output}", "--settings", "{settings}", "--json"],
    ["diff", "{manifest}", "{manifest}", "--settings", "{settings}", "--json"],
    ["pending", "--store", "{store}", "--settings", "{settings}", "--json"],
    ["verify", "--from", "{settings}", "--dry-run", "--json"],
]


def with_settings(command, sample_output, folder, text):
    """``command`` of SETTINGS_AND_JSON, for the sample site, with a
    settings file in ``folder`` that holds ``text``."""
    from pelican_flattr.store import open_store

    settings = folder / "pelicanconf.py"
    settings.write_text(f"{text}\nPATH = {str(folder)!r}\n", encoding="utf-8")
    store = folder / "store.sqlite3"
    open_store(store).close()
    places = {
        "output": sample_output,
        "settings": settings,
        "manifest": sample_output / "flattr-manifest.json",
        "store": store,
    }
    return [part.format(**places) for part in command]


@pytest.mark.parametrize("command", SETTINGS_AND_JSON)
def test_what_a_settings_file_prints_goes_to_stderr(
    sample_output, tmp_path, capsys, monkeypatch, command
):
    # A settings file that prints on stdout broke every --json document.
    monkeypatch.chdir(tmp_path)
    text = 'print("using local overrides")'
    status = cli.main(with_settings(command, sample_output, tmp_path, text))
    out, err = capsys.readouterr()
    assert status == 0, err
    assert isinstance(json.loads(out), dict)
    assert "using local overrides" in err


@pytest.mark.parametrize("command", SETTINGS_AND_JSON)
def test_what_a_process_the_settings_file_starts_prints_goes_to_stderr(
    sample_output, tmp_path, command
):
    # Only sys.stdout was sent to stderr: a process the settings file starts
    # (to stamp the build with its git revision) writes to file descriptor
    # 1, and its line came before the document.
    text = (
        "import subprocess, sys\n"
        'subprocess.run([sys.executable, "-c", "print(\'revision abc123\')"])'
    )
    argv = [str(SCRIPT), *with_settings(command, sample_output, tmp_path, text)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)
    assert "revision abc123" in result.stderr


@pytest.mark.parametrize("command", SETTINGS_AND_JSON)
def test_a_settings_file_imports_its_neighbour_from_another_folder(
    sample_output, tmp_path, command
):
    # publishconf.py, as pelican-quickstart writes it, imports pelicanconf
    # from the current folder: run from a deploy host's or a CI step's
    # folder, every command failed with ModuleNotFoundError.
    site = tmp_path / "site"
    site.mkdir()
    (site / "neighbour_conf.py").write_text("FLATTR_USERNAME = 'alice'\n")
    text = "import os, sys\nsys.path.append(os.curdir)\nfrom neighbour_conf import *"
    argv = [str(SCRIPT), *with_settings(command, sample_output, site, text)]
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "{output}", "--settings", "{settings}", "--json"],
        [
            "diff",
            "{manifest}",
            "{manifest}",
            "--content",
            "{content}",
            "--settings",
            "{settings}",
            "--json",
        ],
        ["pending", "--store", "{store}", "--settings", "{settings}", "--json"],
        ["verify", "--from", "{settings}", "--dry-run", "--json"],
    ],
)
def test_commands_read_a_settings_file_without_its_content_folder(
    sample_output, tmp_path, capsys, caplog, command
):
    # Pelican refuses settings whose PATH or THEME folder is missing: on the
    # web hook receiver's host, or a deploy host, with the settings file
    # alone, every command but a diff that reads the content failed.
    from pelican_flattr.store import open_store

    settings = tmp_path / "pelicanconf.py"
    settings.write_text(
        'PATH = "content"\nTHEME = "site-theme"\n'
        'FLATTR_AUTHORS = {"Bob": "twitter:user:id:5"}\n',
        encoding="utf-8",
    )
    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    places = {
        "output": sample_output,
        "settings": settings,
        "manifest": sample_output / "flattr-manifest.json",
        "store": store,
        "content": elsewhere,
    }
    status = cli.main([part.format(**places) for part in command])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert isinstance(json.loads(out), dict)
    assert not (tmp_path / "content").exists()
    assert not (tmp_path / "site-theme").exists()
    # A file with the receiver's settings alone: Pelican's warnings about
    # building from it (no SITEURL for the feeds, no TIMEZONE) are the
    # build's to say, noise above a command's own output.
    assert [
        r.getMessage() for r in caplog.records if r.name == "pelican.settings"
    ] == []


def test_diff_reads_the_content_of_settings_whose_theme_folder_is_missing(
    sample_output, tmp_path, capsys
):
    # No command reads the theme, but Pelican refuses settings without it.
    (tmp_path / "content").mkdir()
    settings = tmp_path / "pelicanconf.py"
    settings.write_text('PATH = "content"\nTHEME = "site-theme"\n', encoding="utf-8")
    manifest = str(sample_output / "flattr-manifest.json")
    status = cli.main(["diff", manifest, manifest, "--settings", str(settings)])
    assert status == 0, capsys.readouterr().err


@pytest.mark.parametrize("content", ["here", "missing"])
@pytest.mark.parametrize(
    "plugins",
    ["PLUGIN_PATHS = ['plugins', '/abs/plugins']", "PLUGIN_PATH = 'plugins'"],
)
def test_settings_read_once_are_pelicans_own(tmp_path, monkeypatch, plugins, content):
    # read_settings_file runs the file once and does what Pelican's
    # read_settings does after it (relative paths made absolute beside the
    # file, deprecated names moved, defaults): a Pelican that changes that
    # fails here, not on a site. The content folder is the file's own, as
    # if-present asks, only where the file's is missing.
    from pelican.settings import DEFAULT_THEME, read_settings

    from pelican_flattr.settings import read_settings_file

    site = tmp_path / "site"
    site.mkdir()
    if content == "here":
        (site / "content").mkdir()
    conf = site / "pelicanconf.py"
    conf.write_text(
        "PATH = 'content'\nOUTPUT_PATH = 'public'\nCACHE_PATH = '../cache'\n"
        f"{plugins}\nTAG_FEED_ATOM = 'feeds/%s.atom.xml'\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # not the file's folder
    override = {"THEME": DEFAULT_THEME}
    if content == "missing":
        override["PATH"] = os.curdir  # made the file's folder by Pelican
    pelicans = read_settings(str(conf), override=override)
    ours = read_settings_file(conf, needs_content="if-present")
    assert ours == pelicans
    assert ours["OUTPUT_PATH"] == str(site / "public")
    assert ours["PLUGIN_PATHS"][0] == str(site / "plugins")
    assert ours["TAG_FEED_ATOM"] == "feeds/{slug}.atom.xml"  # as deprecated


@pytest.mark.parametrize(
    ("command", "unbuffered"),
    [
        (["--help"], ""),
        (["--help"], "1"),
        (["audit", "--help"], ""),
        (["audit", "--help"], "1"),
        (["webhook", "token"], ""),  # any output, when stdout is buffered
    ],
)
def test_help_to_a_full_disk_is_said_as_any_output(command, unbuffered):
    # argparse drops an error writing --help (PYTHONUNBUFFERED), or leaves it
    # to the flush at exit: the help was lost with status 0, or with
    # "Exception ignored" and status 120, as every command's output was when
    # stdout is buffered.
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(SCRIPT), *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == "pelican-flattr: standard output: No space left on device\n"


@pytest.mark.parametrize(
    ("command", "status", "document"),
    [
        (["audit", "{tmp}/nowhere", "--json"], 2, True),
        (["diff", "{tmp}/a.json", "{tmp}/b.json", "--json"], 2, True),
        (["verify", "--identity", "partner:x:1", "--dry-run", "--json"], 0, True),
        (["audit", "{tmp}/nowhere"], 2, False),
    ],
)
@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_stderr_that_cannot_be_written_changes_no_status_or_document(
    tmp_path, command, status, document, unbuffered
):
    # A message about an error, written to a full disk, failed in its turn:
    # status 1 whatever the command's own, and no --json document.
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    argv = [word.format(tmp=tmp_path) for word in command]
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(SCRIPT), *argv],
            stdout=subprocess.PIPE,
            stderr=full,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    assert result.returncode == status
    if document:
        assert json.loads(result.stdout)["exit_status"] == status


def test_a_report_after_stderr_failed_is_still_written(sample_output, tmp_path):
    # A settings file that prints (the line goes to stderr), then the
    # audit's progress bar asked the closed stderr isatty(): a ValueError,
    # exit 70 and no report.
    shutil.copy(SAMPLE_SITE / "pelicanconf.py", tmp_path)  # which it imports
    settings = tmp_path / "publishconf.py"
    settings.write_text(
        (SAMPLE_SITE / "publishconf.py").read_text(encoding="utf-8")
        + '\nprint("publish config loaded")\n',
        encoding="utf-8",
    )
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(SCRIPT), "audit", str(sample_output), "--settings", str(settings)],
            stdout=subprocess.PIPE,
            stderr=full,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=SAMPLE_SITE,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout
    assert "no problems" in result.stdout


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_help_to_a_closed_pipe_ends_with_141(unbuffered):
    # As every command's output does once its reader has gone (| head).
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run(
            [str(SCRIPT), "audit", "--help"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)
    assert result.stderr == "" and result.returncode == 141


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (
            ["audit", "{tmp}", "--manifest", "{tmp}/none.json"],
            "{tmp}/none.json: no such manifest, at the path --manifest gives: "
            "build the site with PLUGINS = ['pelican_flattr'] and no error from "
            "pelican-flattr in the build's log (a build whose settings it refused, "
            "one that could not write the manifest, or a strict build that failed, "
            "removes the manifest); if the settings "
            "it was built with set FLATTR_MANIFEST, give them with --settings "
            "instead, and the audit takes the path they name",
        ),
        # "no such manifest" alone, where a failed strict build had removed
        # it, as the audit says.
        (
            ["diff", "{manifest}", "{tmp}/none.json"],
            "{tmp}/none.json: no such manifest: build the site with PLUGINS = "
            "['pelican_flattr'] and no error from pelican-flattr in the build's "
            "log (a build whose settings it refused, one that could not write "
            "the manifest, or a strict build that failed, removes the manifest); "
            "if the build wrote it elsewhere (FLATTR_MANIFEST), give that path "
            "as NEW_MANIFEST",
        ),
        (
            ["pending", "--store", "{tmp}/settings.py"],
            "store {tmp}/settings.py: is not an SQLite database (it holds "
            "something else); name the store's file, or move this one away; if "
            'it is the store, damaged, restore its backup (docs/webhooks.md, "Backing '
            'up and restoring")',
        ),
    ],
)
def test_a_usage_error_still_prints_the_json_document(
    sample_output, tmp_path, capsys, command, says
):
    # verify printed its document; audit, diff and pending printed nothing
    # on stdout, where a script waited for one.
    (tmp_path / "settings.py").write_text("SITEURL = 'https://example.org'\n")
    places = {"tmp": tmp_path, "manifest": sample_output / "flattr-manifest.json"}
    argv = [part.format(**places) for part in command]
    assert cli.main([*argv, "--json"]) == 2
    out, err = capsys.readouterr()
    problem = says.format(**places)
    assert err == f"pelican-flattr: {problem}\n"
    assert json.loads(out) == {"ok": False, "exit_status": 2, "problems": [problem]}


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["audit", "--json"], "the following arguments are required: OUTPUT_DIR"),
        (
            ["diff", "a.json", "--js"],
            "the following arguments are required: NEW_MANIFEST",
        ),
        (["pending", "--json", "--stor"], "argument --store: expected one argument"),
        (
            ["verify", "--identity", "partner:x:1", "--json", "--dry-runn"],
            "unrecognized arguments: --dry-runn",
        ),
        # An option before the command: the command still takes --json.
        (["--bogus", "audit", "out", "--json"], "unrecognized arguments: --bogus"),
    ],
)
def test_an_argparse_error_still_prints_the_json_document(capsys, command, says):
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(command)
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert err.endswith(f"error: {says}\n")
    assert json.loads(out) == {"ok": False, "exit_status": 2, "problems": [says]}


@pytest.mark.parametrize("flag", ["--json", "--js"])
def test_json_before_the_command_gives_the_same_document(capsys, sample_output, flag):
    # `pelican-flattr --json audit out` was refused as an unrecognized
    # argument: the place of the flag is no reason to refuse the run.
    assert cli.main(["audit", str(sample_output), "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert cli.main([flag, "audit", str(sample_output)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == after
    assert after["ok"] is True
    assert "unrecognized" not in err


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["audti", "out", "--json"], "argument COMMAND: invalid choice: 'audti'"),
        (["--json"], "a command is needed before --json: one of audit, diff,"),
        # A token pasted in the command's place stays hidden in the document.
        (["Zq0" * 12, "--json"], "argument COMMAND: invalid choice: '[hidden]'"),
    ],
)
def test_an_unknown_command_still_prints_the_json_document(command, says):
    # The document depended on the command taking --json: a mistyped or
    # missing command printed nothing on stdout, where a script waited.
    result = subprocess.run(
        [str(SCRIPT), *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    (problem,) = re.findall(r"(?m)^pelican-flattr: (?:error: )?(.*)$", result.stderr)
    assert problem.startswith(says)
    assert json.loads(result.stdout) == {
        "ok": False,
        "exit_status": 2,
        "problems": [problem],
    }
    assert "Zq0" not in result.stdout + result.stderr


# A settings file that Ctrl-C interrupts while it is read: a real SIGINT,
# sent by the command's process to itself.
INTERRUPTING_SETTINGS = """\
import os, signal
os.kill(os.getpid(), signal.SIGINT)
"""


@pytest.mark.parametrize(
    ("sig", "status", "said"),
    [
        ("SIGINT", 130, "pelican-flattr: interrupted\n"),
        # timeout(1), systemd and job schedulers send SIGTERM, which ended
        # the command at once: status 143, and nothing on stdout or stderr.
        ("SIGTERM", 143, "pelican-flattr: interrupted by SIGTERM\n"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["audit", "{output}", "--settings", "{settings}"],
        ["diff", "{manifest}", "{manifest}", "--settings", "{settings}"],
        ["pending", "--settings", "{settings}"],
    ],
)
def test_ctrl_c_still_prints_the_json_document(
    sample_output, tmp_path, command, sig, status, said
):
    # verify printed its document with "interrupted": true; audit, diff and
    # pending printed nothing on stdout, and ended with 130.
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(INTERRUPTING_SETTINGS.replace("SIGINT", sig), "utf-8")
    places = {
        "output": sample_output,
        "settings": settings,
        "manifest": sample_output / "flattr-manifest.json",
    }
    result = subprocess.run(
        [str(SCRIPT), *(part.format(**places) for part in command), "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
        # A shell may start background jobs with SIGINT ignored, and Python
        # keeps it ignored; the operator's Ctrl-C is what we test.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert result.returncode == status, result.stderr
    assert result.stderr == said
    assert json.loads(result.stdout) == {
        "ok": False,
        "exit_status": status,
        "interrupted": True,
        "problems": [],
    }


def run_python(folder, code, *arguments, env=None):
    """``code`` run by this Python with ``arguments`` in ``folder``, with
    the pelican_flattr under test (``child_env``), as a command runs: its
    status and output, whatever it is."""
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        cwd=folder,
        env=child_env() if env is None else env,
        timeout=60,
        check=False,
    )


def test_a_caller_keeps_its_sigterm_handling_after_main(capsys):
    # main() makes SIGTERM stop a command as Ctrl-C does while it runs; a
    # program that calls it finds SIGTERM as it was after.
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert cli.main(["webhook", "token"]) == 0
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    capsys.readouterr()


def test_a_sigterm_ignored_by_whoever_started_the_command_stays_ignored(tmp_path):
    # nohup-like starters and job schedulers may ignore SIGTERM on purpose.
    code = (
        "import os, signal, sys\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "from pelican_flattr import cli\n"
        "build_parser = cli.build_parser\n"
        "def sent_sigterm():\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    return build_parser()\n"
        "cli.build_parser = sent_sigterm\n"
        "sys.exit(cli.main(['webhook', 'token']))\n"
    )
    result = run_python(tmp_path, code)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


# Ctrl-C as the parser is made, which imports every command's module (a
# quarter of a second, before any command runs).
INTERRUPTED_AS_THE_PARSER_IS_MADE = """\
import sys
from pelican_flattr import cli

def build_parser():
    raise KeyboardInterrupt

cli.build_parser = build_parser
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("as_json", [False, True])
def test_ctrl_c_as_the_parser_is_made_is_an_interruption(tmp_path, as_json):
    # build_parser() ran before the try that turns Ctrl-C into status 130:
    # a traceback, and no document for a script that asked for one.
    json_option = ["--json"] if as_json else []
    result = run_python(
        tmp_path, INTERRUPTED_AS_THE_PARSER_IS_MADE, "audit", "out", *json_option
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr == "pelican-flattr: interrupted\n"
    if as_json:
        assert json.loads(result.stdout) == {
            "ok": False,
            "exit_status": 130,
            "interrupted": True,
            "problems": [],
        }
    else:
        assert result.stdout == ""


# A command that meets a bug of pelican-flattr: an exception nothing
# expected, whose message repeats an address and the token.
CRASHING_COMMAND = """\
import os, sys
from pelican_flattr import audit_command, cli, verify

def crash(args):
    token = getattr(args, "token", None) or os.environ["FLATTR_TOKEN"]
    raise RuntimeError(
        "cannot go on with carol@example.org and " + token + " at /hooks/" + token
    )

audit_command.run_audit = verify.run_verify = crash
sys.exit(cli.main(sys.argv[1:]))
"""
CRASH_TOKEN = "crash-" + "Zq0" * 12


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize(
    ("command", "environment", "shown"),
    [
        (
            ["verify", "--identity", "email:carol@example.org", "--token", CRASH_TOKEN],
            {},
            "pelican-flattr verify --identity email:[address] --token '[hidden]'",
        ),
        (
            ["audit", "out/carol@example.org"],
            {"FLATTR_TOKEN": CRASH_TOKEN},
            "pelican-flattr audit out/[address]",
        ),
    ],
)
def test_a_bug_ends_with_70_and_its_traceback_for_a_report(
    tmp_path, command, environment, shown, as_json
):
    # An exception nothing expected ended with 1, which says problems found
    # (audit) or a refusal by Flattr (verify): a script acted on it.
    env = {k: v for k, v in child_env(**environment).items() if k != "FLATTR_TOKEN"}
    env.update(environment)
    json_option = ["--json"] if as_json else []
    result = run_python(tmp_path, CRASHING_COMMAND, *command, *json_option, env=env)
    assert result.returncode == 70, result.stderr
    first, *trace = result.stderr.splitlines()
    assert first == (
        f"pelican-flattr: a bug of {cli._version()} stopped the command: report "
        f"it to pelican-flattr's maintainers, with the command ({shown}"
        f"{' --json' if as_json else ''}) and the traceback below"
    )
    assert trace[0] == "Traceback (most recent call last):"
    assert trace[-1] == (
        "RuntimeError: cannot go on with [address] and [hidden] at /hooks/[hidden]"
    )
    assert "carol@" not in result.stdout + result.stderr
    assert CRASH_TOKEN not in result.stdout + result.stderr
    if as_json:
        assert json.loads(result.stdout) == {
            "ok": False,
            "exit_status": 70,
            "problems": [first.removeprefix("pelican-flattr: ")],
        }
    else:
        assert result.stdout == ""


def test_a_bug_hides_a_token_read_from_the_settings_file(tmp_path):
    # Hidden were the tokens of the command line and the environment: the
    # web hook token kept in the settings file came out in the traceback.
    (tmp_path / "wconf.py").write_text(f"FLATTR_WEBHOOK_TOKEN = {CRASH_TOKEN!r}\n")
    code = f"""\
import sys
from pelican_flattr import cli, webhook_command

def listen(*args, **options):
    raise RuntimeError("could not route /hooks/{CRASH_TOKEN}")

webhook_command.listen = listen
sys.exit(cli.main(sys.argv[1:]))
"""
    env = {k: v for k, v in child_env().items() if k != "FLATTR_WEBHOOK_TOKEN"}
    result = run_python(
        tmp_path, code, "webhook", "serve", "--settings", "wconf.py", env=env
    )
    assert result.returncode == 70, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "RuntimeError: could not route /hooks/[hidden]"
    )
    assert CRASH_TOKEN not in result.stdout + result.stderr


def test_a_bug_as_the_parser_is_made_shows_no_value_of_an_option(tmp_path):
    # Before the parser tells --token from --limit, every option's value
    # may be the token: none is shown.
    code = CRASHING_COMMAND.replace(
        "audit_command.run_audit = verify.run_verify = crash",
        "cli.build_parser = lambda: crash(None)",
    ).replace('getattr(args, "token", None) or os.environ["FLATTR_TOKEN"]', '"x"')
    result = run_python(tmp_path, code, "verify", "--tok", CRASH_TOKEN, "--json")
    assert result.returncode == 70, result.stderr
    assert "(pelican-flattr verify --tok '[hidden]' --json)" in result.stderr
    assert CRASH_TOKEN not in result.stdout + result.stderr
    assert json.loads(result.stdout)["exit_status"] == 70


# A value that stands for a token pasted in the wrong place.
SECRET = "Zq0" * 12


@pytest.mark.parametrize(
    ("command", "says"),
    [
        # An option of another command: named, so that the mistake shows,
        # and its value hidden, as any unrecognized argument's.
        (["audit", "out", f"--identity={SECRET}"], "--identity=[hidden]"),
        # An abbreviation argparse cannot resolve may stand for any option.
        (["pending", f"--s={SECRET}"], "--s=[hidden] could match"),
        # A one-letter value is hidden where argparse quotes it, not in
        # every word of the message ("unrecognized [hidden]rguments").
        (
            ["verify", "--identity", "partner:ns:1", "--tokne", "a"],
            "unrecognized arguments: --tokne [hidden]",
        ),
        # secrets.token_urlsafe(15) is 20 characters and may start with "-":
        # quoted as an unrecognized option of its own, it looks like one,
        # and only --tok (--token's abbreviation) before it tells.
        (["audit", "out", "--tok", "-" + SECRET[:19]], "arguments: --tok [hidden]"),
        # A secret holding another is hidden whole, not around the other.
        (
            ["pending", f"--s={SECRET},{SECRET}", "--tokne", SECRET],
            "--s=[hidden] could match",
        ),
    ],
)
def test_a_usage_error_names_the_option_but_not_its_value(capsys, command, says):
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(command)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if "error:" in line]
    assert says in line and SECRET not in err


# A bearer token as RFC 6750 lets one be: no run of 16 characters without
# a "/" or ".".
BEARER_WITH_SLASHES = "Zx81Qm4Lp0Rt7Vb/Kc2Nw9Hy5Tg3Js6.Fd1Ae8Uo"


@pytest.mark.parametrize(
    ("command", "says"),
    [
        # An unquoted path with spaces: its pieces were all "[hidden]",
        # which told neither what was wrong nor that a quote would do.
        (
            ["audit", "sp\u00e4", "ce/out", "put"],
            "unrecognized arguments: ce/out put; quote a path that holds spaces",
        ),
        # A number, after "--" made an option of it a word: short, no token.
        (["diff", "--", "a", "b", "--limit", "0"], "unrecognized arguments: --limit 0"),
        # What may be a token stays hidden, and is counted.
        (
            ["webhook", "serve", SECRET],
            "unrecognized arguments: [hidden] (1 extra argument, not shown as it "
            "may be a secret)",
        ),
        (
            ["audit", "out", "site/output", SECRET, SECRET + "x"],
            "unrecognized arguments: site/output [hidden] [hidden] (2 extra "
            "arguments, not shown as one may be a secret)",
        ),
        # A bearer token may hold "/" and "." (RFC 6750) between runs too
        # short to be one: it was shown whole.
        (
            ["verify", "--identity", "partner:ns:1", BEARER_WITH_SLASHES],
            "unrecognized arguments: [hidden] (1 extra argument, not shown as it "
            "may be a secret)",
        ),
        # A long piece of an unquoted path is hidden, as a token may hold
        # "/", but the hint that follows says what likely split it.
        (
            ["audit", "/tmp/my", "site/blog/output/public"],
            "unrecognized arguments: [hidden] (1 extra argument, not shown as it "
            "may be a secret); quote a path that holds spaces",
        ),
        # The path such a word may be is shown, when it is one.
        (
            ["audit", "out", "tests/test_cli.py"],
            "unrecognized arguments: tests/test_cli.py; quote a path that holds spaces",
        ),
        # Shown, but never an address, however it is written.
        *[
            (
                ["audit", "out", spelt],
                "unrecognized arguments: [address]; quote a path that holds spaces",
            )
            for spelt in (
                "bob@example.org",
                "bob%40example.org",
                "bob%2540example.org",
                "bob&#x40;example.org",
                "bob&amp;#64;example.org",
            )
        ],
    ],
)
def test_an_extra_argument_that_cannot_be_a_token_is_shown(
    capsys, monkeypatch, command, says
):
    monkeypatch.chdir(ROOT)  # where tests/test_cli.py is a path
    with pytest.raises(SystemExit) as exited:
        cli.main(command)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if "error:" in line]
    assert line.endswith(f"error: {says}"), line
    assert SECRET not in err and "bob" not in err
    assert BEARER_WITH_SLASHES not in err


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "--limit", "carol@example.org", "out"],
        ["audit", "--limit", "carol%40example.org", "out", "--json"],
        ["webhook", "serve", "--port", "carol@example.org"],
        ["webhook", "serve", "--threads", "carol@example.org"],
        ["verify", "--timeout", "carol@example.org"],
    ],
)
def test_an_option_value_refused_is_quoted_without_an_address(capsys, command):
    # argparse quotes the value an option's type refused: an address pasted
    # into the wrong option reached the terminal, and --json's problems.
    with pytest.raises(SystemExit) as exited:
        cli.main(command)
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    (line,) = [line for line in err.splitlines() if "error:" in line]
    assert ": '[address]' is not a" in line, line
    assert "carol" not in out + err


def test_an_environment_token_is_never_shown_as_an_extra_argument(capsys, monkeypatch):
    # A short one too: the token the command reads is hidden wherever it
    # turns up.
    monkeypatch.setenv("FLATTR_TOKEN", "ab/cd.ef")
    with pytest.raises(SystemExit):
        cli.main(["verify", "--identity", "partner:ns:1", "ab/cd.ef"])
    err = capsys.readouterr().err
    assert "ab/cd.ef" not in err and "[hidden]" in err


def test_help_asked_with_json_is_the_help_alone(capsys):
    # --help ends the run with 0 before any command: a JSON document after
    # the help would say a run happened, and break a reader of either.
    with pytest.raises(SystemExit) as exited:
        cli.main(["audit", "--json", "--help"])
    assert exited.value.code == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: pelican-flattr audit") and err == ""
    assert "exit_status" not in out


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_a_caller_keeps_its_stdout_strict_after_main(monkeypatch, tmp_path, errors):
    # main() escapes what stdout cannot write while a command runs; a
    # program that calls it, and writes its own output after, meets the
    # encoding errors it asked for.
    written = (tmp_path / "out.txt").open("w", encoding="ascii", errors=errors)
    monkeypatch.setattr(sys, "stdout", written)
    with written:
        assert cli.main(["webhook", "token"]) == 0
        assert written.errors == errors
        with pytest.raises(UnicodeEncodeError):
            print("caf\u00e9")


# A C or POSIX locale without UTF-8 mode, as cron may run a command: Python
# gives stdout ASCII and the error handler "surrogateescape", not "strict".
C_LOCALE = {"LC_ALL": "C", "PYTHONUTF8": "0"}


def c_locale_env() -> dict[str, str]:
    """``child_env`` in the C locale, with no PYTHONIOENCODING to undo it."""
    env = child_env(**C_LOCALE)
    env.pop("PYTHONIOENCODING", None)
    return env


@pytest.mark.parametrize("as_json", [False, True])
def test_an_audit_in_a_c_locale_shows_a_file_name_stdout_cannot_write(
    sample_output, tmp_path, as_json
):
    # A row naming a file "\u00e5rsm\u00f6te.txt" ended the audit with a
    # UnicodeEncodeError traceback and status 1, which says problems found:
    # only a strict stdout was made to escape what it cannot write.
    output = tmp_path / "output"
    shutil.copytree(sample_output, output)
    (output / "\u00e5rsm\u00f6te.txt").write_text("carol@example.org\n")
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "audit", str(output),
        "--settings", str(ROOT / "sample_site" / "publishconf.py"),
    ] + (["--json"] if as_json else [])  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, env=c_locale_env(), cwd=tmp_path, timeout=120
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode("ascii", "replace")
    assert done.returncode == 1
    out = done.stdout.decode("ascii")
    if as_json:
        (row,) = [
            problem
            for problem in json.loads(out)["problems"]
            if problem["kind"] == "address-published" and "rsm" in problem["file"]
        ]
        assert row["file"] == "\u00e5rsm\u00f6te.txt"
    else:
        assert "\\xe5rsm\\xf6te.txt: address-published: " in out
    assert "carol@example.org" not in out


def on_a_terminal(code: str, columns: int, status: int = 0) -> str:
    """What ``code`` (Python, given ``cli`` and ``terminal``) writes on a
    terminal ``columns`` wide, ending with ``status``: stdout and stderr,
    both the terminal, ANSI styles left out."""
    controller, tty = pty.openpty()
    size = struct.pack("HHHH", 24, columns, 0, 0)
    fcntl.ioctl(tty, termios.TIOCSWINSZ, size)
    env = {
        name: value
        for name, value in child_env().items()
        if name not in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE")
    }
    env.update(TERM="xterm", NO_COLOR="1")
    program = f"import time\nfrom pelican_flattr import cli, terminal\n{code}"
    with subprocess.Popen(
        [sys.executable, "-c", program],
        stdin=subprocess.DEVNULL,
        stdout=tty,
        stderr=tty,
        env=env,
        cwd=TESTS,
    ) as process:
        os.close(tty)
        chunks = []
        with contextlib.suppress(OSError):  # EIO once the process is gone
            while chunk := os.read(controller, 65536):
                chunks.append(chunk)
        os.close(controller)
        assert process.wait(timeout=60) == status, b"".join(chunks)
    text = b"".join(chunks).decode().replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


CLAIM = "https://flattr.com/claim/" + "x" * 30
TABLE = f"terminal.print_table('Pending', ('owner', 'claim URL'), [('bob', {CLAIM!r})])"
# The table's width: its columns' widest cells (a heading, a URL), with
# their borders and padding.
TABLE_WIDTH = len("owner") + len(CLAIM) + 3 * 2 + 1


def test_a_table_that_fits_the_terminal_is_printed_as_a_table():
    out = on_a_terminal(TABLE, TABLE_WIDTH)
    assert f"│ bob   │ {CLAIM} │" in out


@pytest.fixture
def one_button_missing(sample_output, tmp_path) -> tuple[str, Path]:
    """The command that audits a copy of the sample site one of whose pages
    lost its button, and that page's path in the site."""
    site = tmp_path / "site"
    shutil.copytree(sample_output, site)
    page = min(thing["page"] for thing in manifest_things(site).values())
    remove_button(site / page)
    return f"import sys\nsys.exit(cli.main(['audit', {str(site)!r}]))", Path(page)


def test_an_audit_on_a_terminal_keeps_its_table_and_says_what_to_do(
    one_button_missing,
):
    # A terminal keeps the table, the summary by kind below it, where the
    # screen ends; each kind found gives its fix there too.
    from pelican_flattr.audit_report import PROBLEM_FIXES

    code, page = one_button_missing
    out = on_a_terminal(code, 2000, status=1)
    # Each row with its kind, as a log's line has it: the summary's fix
    # below is found by it.
    assert "┃ file " in out and f"│ {page} │ button-missing │" in out
    fix = f"    what to do: {PROBLEM_FIXES['button-missing']}"
    lines = out.splitlines()
    start = lines.index("Problems by kind:")
    assert start > next(i for i, line in enumerate(lines) if "┃ file " in line)
    assert lines[start + 1 : start + 3] == ["  button-missing: 1 problem", fix]
    assert lines[start + 3].startswith("Each kind in full, and what to do: ")
    assert lines[-1].endswith(" files checked: 1 problem")


def test_an_audit_on_a_narrow_terminal_gives_each_block_its_kind(one_button_missing):
    code, page = one_button_missing
    out = on_a_terminal(code, 80, status=1)
    assert f"\n{page}\n  kind: button-missing\n  problem: has 0 " in out


def test_columns_set_to_zero_is_read_as_unset(monkeypatch, capsys):
    # rich took COLUMNS=0 for a width of 0, and printed nothing: an audit
    # with problems lost its totals, verify its every line, exit 0 or not.
    monkeypatch.setenv("COLUMNS", "0")
    terminal.print_line("1 thing, 1 problem")
    terminal.print_table("Pending", ("owner", "things"), [("partner:ns:1", 2)])
    out = capsys.readouterr().out
    assert out.startswith("1 thing, 1 problem\n"), out
    assert "partner:ns:1" in out and "things" in out


def test_a_terminal_too_narrow_for_a_table_gets_a_block_per_row():
    # Folded to its columns, the claim URL would be cut in pieces that no
    # longer copy whole; a line of its own, the terminal wraps, and a
    # wrapped line copies whole.
    # Cells are text, not markup, here too: "[b]" shows as written.
    rows = [("bob", CLAIM), ("carol", "multi\n[b]line[/b]")]
    code = f"terminal.print_table('Pending', ('owner', 'claim URL'), {rows!r})"
    out = on_a_terminal(code, TABLE_WIDTH - 1)
    assert out == (
        f"Pending\n\nbob\n  claim URL: {CLAIM}\n\n"
        "carol\n  claim URL: multi\\x0a[b]line[/b]\n"
    )


# Cells of every shape rich measures: wide and zero-width characters, a
# combining accent, an emoji, markup, and controls, which show escaped.
PIECES = ["a", "bb ", " ", "[b]x[/b]", "日本語", "e\u0301", "\u200b", "😀"]
PIECES += ["\x1b[2J", "\n", ":smile:", "https://flattr.com/c/1?x=[y]"]
COLUMNS = ("owner", "claim URL", "note")


def many_rows(count: int) -> list[list[str]]:
    """``count`` rows of up to four ``PIECES`` a cell, the widest cell in
    the last: every row before it is padded to a width known only at the
    end."""
    rows = [
        [
            "".join(
                PIECES[(row * 7 + column * 5 + n) % len(PIECES)] for n in range(row % 5)
            )
            for column in range(len(COLUMNS))
        ]
        for row in range(count)
    ]
    rows[-1][1] = CLAIM + "x" * 200
    return rows


def as_rich_prints_it(rows: list[list[str]]) -> str:
    """The table of ``rows`` that rich prints of them all at once."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Pending")
    for column in COLUMNS:
        table.add_column(column)
    for row in rows:
        table.add_row(*(Text(terminal.shown(cell)) for cell in row))
    out = io.StringIO()
    Console(file=out, width=10_000, emoji=False, color_system=None).print(table)
    return out.getvalue()


def test_thousands_of_rows_print_as_rich_prints_their_table(capsys):
    # A thousand rows at a time (rich's Table of 96,000 held 660 MB), the
    # same table: each column as wide as its widest cell, whichever batch
    # holds it.
    rows = many_rows(3000)
    terminal.print_table("Pending", COLUMNS, rows)
    assert capsys.readouterr().out == as_rich_prints_it(rows)


def test_thousands_of_rows_on_a_terminal_keep_the_table_or_the_blocks(tmp_path):
    # As wide as the terminal: the table rich prints. Too narrow: a block a
    # row, written as the rows are read.
    rows = many_rows(3000)
    saved = tmp_path / "rows.json"
    saved.write_text(json.dumps(rows), encoding="utf-8")
    code = (
        f"import json\nrows = json.loads(open({str(saved)!r}).read())\n"
        f"terminal.print_table('Pending', {COLUMNS!r}, rows)"
    )
    assert on_a_terminal(code, 1000) == as_rich_prints_it(rows)
    blocks = []
    for first, *others in rows:
        lines = [terminal.shown(first)]
        for column, cell in zip(COLUMNS[1:], others, strict=True):
            lines.append(f"  {column}: {terminal.shown(cell)}")
        blocks.append("\n".join(lines))
    assert on_a_terminal(code, 80) == "Pending\n\n" + "\n\n".join(blocks) + "\n"


@pytest.mark.parametrize(
    "command",
    [
        ["webhook", "serve", "--json"],  # a command that prints no document
        ["diff", "--", "--json"],  # a manifest named "--json"
        ["diff", "-"],  # "-" is no abbreviation of --json
    ],
)
def test_a_usage_error_prints_no_document_unless_json_was_asked_for(capsys, command):
    # A document on stdout where a script asked for none would be read as
    # the command's output.
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(command)
    assert exited.value.code == 2
    assert capsys.readouterr().out == ""


# Work of four steps, each ``{pause}`` seconds long.
WORK = """
with terminal.progress("Verifying", enabled={enabled}) as advance:
    for done in range(1, 5):
        time.sleep({pause})
        advance(done, 4)
"""


@pytest.mark.parametrize(
    ("enabled", "pause", "shown"),
    [
        (True, 0.4, True),
        (True, 0, False),  # done in a moment: no bar flashing by
        (False, 0.4, False),  # as with --json, whose reader is a program
    ],
)
def test_a_progress_bar_shows_on_a_terminal_once_work_takes_a_moment(
    enabled, pause, shown
):
    said = on_a_terminal(WORK.format(enabled=enabled, pause=pause), 80)
    assert ("Verifying" in said) is shown, said


def test_no_progress_bar_goes_to_a_log_that_renders_colours(tmp_path):
    # FORCE_COLOR, which many CI systems set, makes rich take any stream
    # for a terminal: the bar's redrawing would fill the log.
    program = f"import time\nfrom pelican_flattr import terminal\n{WORK}"
    program = program.format(enabled=True, pause=0.4)
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=child_env(FORCE_COLOR="1"),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stderr == "" and result.stdout == ""


class Collected:
    """A stdout a calling program put in place: it writes, and no more (no
    isatty)."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("replaced", [False, True])
def test_a_table_in_a_log_keeps_each_row_on_one_line(capsys, monkeypatch, replaced):
    # A log or a file: folded at 80 columns, no URL could be copied or
    # searched for whole. A stdout a calling program put in place, which
    # cannot say whether it is a terminal, is no terminal either.
    collected = Collected()
    if replaced:
        monkeypatch.setattr(sys, "stdout", collected)
    long_claim = "https://flattr.com/claim/" + "y" * 100
    terminal.print_table("Pending", ("owner", "claim URL"), [("bob", long_claim)])
    out = collected.text if replaced else capsys.readouterr().out
    (row,) = [line for line in out.splitlines() if "bob" in line]
    assert long_claim in row


def test_a_table_of_no_rows_prints_nothing(capsys):
    # Not even its title: "0 problems" over an empty table.
    terminal.print_table("Pending", ("owner", "claim URL"), [])
    assert capsys.readouterr().out == ""


def test_a_usage_error_keeps_its_lines_and_escapes_the_rest(tmp_path, capsys):
    # A settings file's error may span lines: each shows as a line, and what
    # a terminal would act on shows escaped.
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(
        'raise ValueError("first\\n\\x1b[2Jsecond")\n', encoding="utf-8"
    )
    assert cli.main(["pending", "--settings", str(settings)]) == 2
    assert capsys.readouterr().err.endswith("ValueError: first\n\\x1b[2Jsecond\n")


def test_a_json_document_shows_a_name_that_is_not_utf8_as_its_bytes(capsys):
    # As every other output shows it ("\xff"), where JSON's own "\udcff"
    # would name a character no file name holds.
    assert cli.main(["audit", "caf\udcff", "--json"]) == 2
    (problem,) = json.loads(capsys.readouterr().out)["problems"]
    assert problem.startswith("caf\\xff: ")


@pytest.mark.parametrize(
    ("document", "read"),
    [
        ({"files": ["caf\udcff"]}, {"files": ["caf\\xff"]}),
        ({"files": ("caf\udcff",)}, {"files": ["caf\\xff"]}),
        ({"caf\udcff": 1}, {"caf\\xff": 1}),
    ],
)
def test_every_name_in_a_json_document_is_escaped_the_same(capsys, document, read):
    # Wherever a command puts a file name: in a list, a tuple, or as a key.
    terminal.print_json(document)
    assert json.loads(capsys.readouterr().out) == read


class InterruptedWriting(io.StringIO):
    """A stdout on which Ctrl-C comes while the command writes."""

    def write(self, text: str) -> int:
        raise KeyboardInterrupt


def test_ctrl_c_while_the_help_is_written_ends_with_130(monkeypatch, capsys):
    # The help is written by argparse, before any command runs: Ctrl-C
    # there is still an interruption, which a script tells by 130, not 1.
    monkeypatch.setattr(sys, "stdout", InterruptedWriting())
    assert cli.main(["audit", "--help"]) == 130
    assert capsys.readouterr().err == "pelican-flattr: interrupted\n"


@pytest.mark.parametrize(
    ("arguments", "usage"),
    [
        (["audit", "out", "--bogus"], "usage: pelican-flattr audit "),
        (["webhook", "serve", "--bogus"], "usage: pelican-flattr webhook serve "),
        (["--bogus"], "usage: pelican-flattr [-h]"),
        (["--bogus", "audit", "out"], "usage: pelican-flattr [-h]"),
    ],
)
def test_an_unknown_option_is_said_with_its_commands_usage(capsys, arguments, usage):
    # Said with the top-level usage, it named no option of the command.
    with pytest.raises(SystemExit) as exited:
        cli.main(arguments)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage), err
    assert err.endswith("error: unrecognized arguments: --bogus\n")


def test_an_option_after_a_lone_dash_is_still_named(capsys):
    # A lone "-" is no option (argparse takes it for a file): the word
    # after it is no option's value to hide, and a mistyped option there
    # shows as written.
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(["diff", "old.json", "-", "--bogus"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --bogus\n" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("character", "escaped"),
    [
        # The ends of each range of characters a terminal acts on, or that
        # make a line read otherwise than it is.
        ("\x00", "\\x00"),
        ("\x1f", "\\x1f"),
        ("\x7f", "\\x7f"),
        ("\x9f", "\\x9f"),
        ("\u061c", "\\u061c"),  # the Arabic letter mark
        ("\u200e", "\\u200e"),
        ("\u200f", "\\u200f"),
        ("\u2028", "\\u2028"),  # a line separator starts a line in a log
        ("\u2029", "\\u2029"),
        ("\u202a", "\\u202a"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u2069", "\\u2069"),
        # And what is only text stays as written.
        ("\xa0", "\xa0"),
        ("\u2027", "\u2027"),
        ("\u2065", "\u2065"),
    ],
)
def test_each_control_character_is_shown_escaped(capsys, character, escaped):
    terminal.print_line(f"a{character}b")
    assert capsys.readouterr().out == f"a{escaped}b\n"


def test_a_log_message_keeps_its_lines_and_tabs():
    # Pelican's own messages indent with "\n\t" (the files it could not
    # read); only what a terminal would act on is escaped.
    message = "Could not process a\x1b[2J.md\n\tbad date"
    assert (
        terminal.shown_in_log(message) == "Could not process a\\x1b[2J.md\n\tbad date"
    )


# --- Found by a manual mutation review of cli.py and webhook_command.py ---


def test_a_short_secret_is_hidden_only_where_it_stands_alone(capsys):
    # A misspelt --token's value is hidden wherever argparse quotes it whole;
    # a value as short as "s" must not also turn the end of every word that
    # ends so ("seconds") into "[hidden]", which would garble the message.
    with pytest.raises(SystemExit):
        cli.main(["verify", "--identity", "partner:ns:1", "--tokne=s", "--timeout=x"])
    assert "'x' is not a number of seconds" in capsys.readouterr().err


def test_a_command_started_with_stdout_closed_says_so(tmp_path):
    # As `pelican-flattr webhook token >&-`: the token would be lost, and a
    # script that reads 0 would believe it was printed.
    result = subprocess.run(
        [str(SCRIPT), "webhook", "token"],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "pelican-flattr: standard output is closed\n"


def _with_stderr_closed(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *arguments],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(2),
        env={**child_env(), "FLATTR_TOKEN": "t0ken"},
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_a_command_started_with_stderr_closed_keeps_stdout_its_own(
    sample_output, tmp_path
):
    # As `pelican-flattr audit output 2>&-` from a cron line: print(file=None)
    # wrote every message to stdout, after or inside a --json document, and
    # the audit's progress ended in a traceback (sys.stderr.isatty()).
    done = _with_stderr_closed("audit", str(sample_output), cwd=tmp_path)
    assert done.returncode == 0, done.stdout
    assert "no problems" in done.stdout and "Traceback" not in done.stdout
    done = _with_stderr_closed(
        "audit", str(tmp_path / "nowhere"), "--json", cwd=tmp_path
    )
    assert done.returncode == 2
    assert json.loads(done.stdout)["exit_status"] == 2
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    done = _with_stderr_closed(
        "verify", "--identity", "partner:ns:1", "--json", "--store",
        str(tmp_path / "s.sqlite3"), "--api-url", f"http://127.0.0.1:{port}/rest/v2",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 3
    assert json.loads(done.stdout)["results"][0]["outcome"] == "not reached"


def test_webhook_without_its_action_is_a_usage_error(capsys):
    # "pelican-flattr webhook" alone serves nothing: a script that started
    # it for the receiver must not read 0, as though it had run and stopped.
    assert cli.main(["webhook"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "serve" in err and "token" in err


@pytest.mark.parametrize(
    ("option", "value", "refused"),
    [
        ("--port", "0", None),  # any free port
        ("--port", "65535", None),
        ("--port", "65536", "argument --port: 65536 is not from 0 to 65535"),
        ("--port", "-1", "argument --port: -1 is not from 0 to 65535"),
        ("--port", "80x", "argument --port: '80x' is not a whole number"),
        ("--threads", "1", None),
        ("--threads", "1024", None),
        ("--threads", "0", "argument --threads: 0 is not from 1 to 1024"),
        ("--threads", "1025", "argument --threads: 1025 is not from 1 to 1024"),
    ],
)
def test_serve_takes_each_number_in_its_range_and_names_one_outside(
    capsys, monkeypatch, option, value, refused
):
    # Without a token, serve stops before it listens: a number in range gets
    # that far, past the parser, and is not said to be out of range.
    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    if refused is None:
        assert cli.main(["webhook", "serve", option, value]) == 2
        assert "a web hook token" in capsys.readouterr().err
        return
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli.main(["webhook", "serve", f"{option}={value}"])
    assert exited.value.code == 2
    assert refused in capsys.readouterr().err


def serve_on_a_folder(capsys: Any, folder: Path, *options: str) -> str:
    """What ``webhook serve`` says on stderr, exiting with 2, given
    ``folder`` as its store: it opens the store once it listens, so the
    store's message says that every option was taken and the port was had,
    and no server is left running."""
    command = ["webhook", "serve", "--port", "0", "--store", str(folder), *options]
    assert cli.main(command) == 2
    return capsys.readouterr().err


def test_the_token_option_wins_over_the_environment(tmp_path, capsys, monkeypatch):
    # --token given on the command line is the one meant; the variable may
    # be left over from another shell.
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    err = serve_on_a_folder(capsys, tmp_path, "--token", "short")
    assert "the web hook token from --token must be" in err


@pytest.mark.parametrize(
    ("token", "says"),
    [
        (f"'{TOKEN}", "has a quote at its start (it is not shown): remove it"),
        (f'{TOKEN}"', "has a quote at its end (it is not shown): remove it"),
        (f"'{TOKEN}'", "has quotes around it (it is not shown): remove them"),
    ],
)
def test_a_quote_left_on_a_token_is_said_where_it_is(tmp_path, capsys, token, says):
    err = serve_on_a_folder(capsys, tmp_path, "--token", token)
    assert err == f"pelican-flattr: the web hook token from --token {says}\n"


@pytest.mark.parametrize("host", ["127.0.0.1 ", " 127.0.0.1"])
def test_spaces_around_the_host_are_no_part_of_it(tmp_path, capsys, host):
    # As an env file or a quoted variable leaves them: the host is taken,
    # and serve goes on to open its store.
    err = serve_on_a_folder(capsys, tmp_path, "--token", TOKEN, "--host", host)
    assert "cannot listen" not in err
    assert f"store {tmp_path}: is a folder" in err


def test_a_token_a_url_would_change_is_refused_before_listening(tmp_path, capsys):
    # "/?#" would cut the URL Flattr is given: said of the token and where
    # it came from, before any port is taken or store opened.
    err = serve_on_a_folder(capsys, tmp_path, "--token", "a" * 40 + "/?#x")
    assert err.startswith("pelican-flattr: the web hook token from --token must be")
    assert "store" not in err


def test_an_ipv6_address_written_in_full_is_no_host_and_port(tmp_path, capsys):
    # "0:0:0:0:0:0:0:1" is ::1: its first groups are digits, as a port is,
    # but the whole is an address (refused later only where there is no
    # IPv6).
    err = serve_on_a_folder(
        capsys, tmp_path, "--token", TOKEN, "--host", "0:0:0:0:0:0:0:1"
    )
    assert "holds a port" not in err


@contextlib.contextmanager
def without_garbage_collection() -> Iterator[None]:
    """A socket left in a reference cycle is closed by the collector, at
    any moment: the command must close its own."""
    import gc

    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def free_port(family: socket.AddressFamily = socket.AF_INET) -> int:
    with socket.socket(family) as probe:
        probe.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
        return probe.getsockname()[1]


def test_a_store_refused_leaves_the_port_free(tmp_path, capsys):
    # serve listens before it opens its store; a caller that runs main()
    # again (to retry with the right store) must find the port free.
    port = free_port()
    with without_garbage_collection():
        err = serve_on_a_folder(capsys, tmp_path, "--token", TOKEN, "--port", str(port))
        assert f"store {tmp_path}: is a folder" in err
        with socket.socket() as again:
            again.bind(("127.0.0.1", port))


def ipv6_here() -> bool:
    try:
        free_port(socket.AF_INET6)
    except OSError:
        return False
    return True


@pytest.mark.skipif(not ipv6_here(), reason="no IPv6 loopback here")
def test_a_port_taken_on_one_address_leaves_the_others_free(tmp_path, capsys):
    # "*" is 0.0.0.0 and ::, bound in turn: the port taken on :: fails the
    # second, and the socket already bound on 0.0.0.0 must not stay open.
    with _taken_on_ipv6_alone() as port, without_garbage_collection():
        err = serve_on_a_folder(
            capsys, tmp_path, "--token", TOKEN, "--host", "*", "--port", str(port)
        )
        assert err.startswith(f"pelican-flattr: cannot listen on *:{port}: ")
        with socket.socket() as again:
            again.bind(("0.0.0.0", port))


@contextlib.contextmanager
def _taken_on_ipv6_alone() -> Iterator[int]:
    """A port a socket listens on at :: (IPv6 only) while this runs, free
    on 0.0.0.0: one the kernel gives on :: may be bound on IPv4 already
    (another test's client in TIME_WAIT), which would fail the check."""
    for _ in range(50):
        with socket.socket(socket.AF_INET6) as taken:
            taken.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            taken.bind(("::", 0))
            port = taken.getsockname()[1]
            try:
                with socket.socket() as probe:
                    probe.bind(("0.0.0.0", port))
            except OSError:
                continue
            taken.listen()
            yield port
            return
    pytest.fail("no port free on 0.0.0.0 that the kernel gave on ::")


def documented_fields(page: str, heading: str) -> set[str]:
    """The field names in the first column of the table under ``heading``
    in ``page`` (``ok``, ``owners[].owner``): a command's --json reference.
    A row of several, ``url_changed[].old_url``, ``new_url``, names the
    later ones by the first one's prefix."""
    text = (ROOT / page).read_text(encoding="utf-8")
    assert f"\n{heading}\n" in text, f"{page} has no heading {heading!r}"
    section = text.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first, *more = re.findall(r"`([^`]+)`", line.split(" | ")[0])
            prefix = first.rpartition(".")[0]
            names.update([first, *(f"{prefix}.{name}" for name in more)])
    return names


def assert_documented(document: dict, names: set[str], where: str) -> None:
    """Every key of ``document``, and of the first object of each of its
    lists, is a name of the table, and the table names no key the command
    no longer gives (``interrupted`` comes only after Ctrl-C, and the
    ``problems`` of diff and pending only after a usage error)."""
    top = {name.split(".")[0].split("[")[0] for name in names}
    assert set(document) - top == set(), f"not in {where}'s table"
    assert top - set(document) <= {"interrupted", "problems"}, (
        f"in {where}'s table, not given"
    )
    for key, value in document.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            fields = {n.split("].", 1)[1] for n in names if n.startswith(f"{key}[].")}
            assert set(value[0]) == fields, f"{where}: {key}[]"


def test_each_json_document_has_the_fields_its_table_documents(tmp_path, capsys, site):
    # A script is written against the docs' tables: a key added or dropped
    # without them would break it unsaid.
    def run(*command: str) -> dict:
        capsys.readouterr()
        cli.main([*command, "--json"])
        return json.loads(capsys.readouterr().out)

    owners = {"FLATTR_USERNAME": "siteowner"}
    owners["FLATTR_AUTHORS"] = {"Bob": "twitter:user:id:783214"}
    old = site(
        {"a.md": article("First one"), "b.md": article("Bob's", "Bob")}, **owners
    )
    shutil.copy(old / "flattr-manifest.json", tmp_path / "old.json")
    new = site(
        {"a.md": article("First one again"), "c.md": article("Third", "Bob")}, **owners
    )
    remove_button(new / "third.html")
    store = tmp_path / "store.sqlite3"
    with contextlib.closing(open_store(store)) as connection:
        store_pending_click(connection, parse_pending_click(PENDING), now_utc())
    nowhere = str(tmp_path / "nowhere")
    commands = [
        ("audit", "docs/manifest.md", "###", [str(new)]),
        (
            "diff",
            "docs/commands.md",
            "##",
            [str(tmp_path / "old.json"), str(new / "flattr-manifest.json")],
        ),
        ("pending", "docs/webhooks.md", "###", ["--store", str(store)]),
    ]
    for command, page, level, arguments in commands:
        names = documented_fields(page, f"{level} `{command} --json`")
        assert_documented(run(command, *arguments), names, command)
        # A usage error's document (ok, exit_status, problems) is in the
        # table too.
        failed = run(command, *[nowhere if a.startswith("/") else a for a in arguments])
        assert failed["exit_status"] == 2
        assert set(failed) <= {name.split(".")[0].split("[")[0] for name in names}
