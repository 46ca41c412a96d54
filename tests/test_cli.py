"""The shared output of the ``pelican-flattr`` command."""

import os
import subprocess
import sys
from pathlib import Path

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
