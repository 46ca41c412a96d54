"""The shared output of the ``pelican-flattr`` command."""

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
