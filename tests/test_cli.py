"""The shared output of the ``pelican-flattr`` command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pelican_flattr import cli


def test_identifiers_print_as_written(capsys):
    # rich would turn ":x:" into an emoji unless told not to.
    cli.print_line("owner partner:x:1 and twitter:user:id:5")
    cli.print_table("", ("owner",), [("partner:x:1",)])
    out = capsys.readouterr().out
    assert out.count("partner:x:1") == 2 and "twitter:user:id:5" in out


def test_no_subcommand_is_a_usage_error(capsys):
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_output_to_a_closed_pipe_is_no_traceback(sample_output):
    # As `pelican-flattr audit --json | head -1` once the reader has gone.
    script = Path(sys.executable).with_name("pelican-flattr")
    reader, writer = os.pipe()
    os.close(reader)
    result = subprocess.run(
        [str(script), "audit", str(sample_output), "--json"],
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    os.close(writer)
    assert result.stderr == "" and result.returncode == 141


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
    assert err.startswith(f"pelican-flattr: {long}")
    assert "Traceback" not in err and err.count("\n") == 1
