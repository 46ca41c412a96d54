"""How messages show values and list names.

``shown_value`` repeats a value a message refuses (a setting's, a metadata
field's) without an address in it; ``listed`` joins names as a sentence
lists them; ``command_line`` writes a command a message tells the operator
to run. Every module that speaks to the operator uses them. The
addresses' rules, and so their redaction, stay in ``identifiers``. Nothing
in this module imports Pelican.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence

from .identifiers import redact_encoded_addresses
from .lazy_regex import lazy_regex


def shown_value(value: object, limit: int = 80) -> str:
    """A value as a message repeats it (a setting's, a metadata field's):
    quoted, without an address, plain or percent-encoded, which a value put
    in the wrong place may hold, and cut to ``limit`` characters."""
    # Hidden before it is cut: a cut could leave part of an address that
    # no longer looks like one.
    shown = redact_encoded_addresses(repr(value))
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def listed(names: Sequence[str], limit: int | None = None) -> str:
    """``names`` as a message lists them: "a", "a and b", "a, b and c"; with
    ``limit``, only the first ``limit`` named and the rest counted: "a, b, c
    and 9 more" (never "and 0 more"). No names: "". The names are shown as
    given: the caller quotes them, or hides an address, first."""
    more = 0 if limit is None else max(len(names) - limit, 0)
    if more:
        return f"{', '.join(names[:limit])} and {more} more"
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def command_line(words: Iterable[str], platform: str = os.name) -> str:
    """``words`` as one command line that runs as written in the shell of
    ``platform`` (an ``os.name``): quoted for a POSIX shell, else as
    Windows programs split their command line, in double quotes, which
    cmd.exe and PowerShell both take (cmd.exe passes a POSIX shell's
    single quotes on, as part of a path). On Windows a word is quoted when
    it holds a space or a sign cmd.exe or PowerShell reads (``C:\\R&D``
    ran "D" as a second command); in double quotes cmd.exe still reads
    ``%NAME%`` and PowerShell ``$name`` and backticks, which no quoting both
    take prevents (folder names rarely hold them)."""
    if platform == "nt":
        return " ".join(map(_windows_word, words))
    return shlex.join(words)


# What cmd.exe or PowerShell reads in a word written bare.
_WINDOWS_SIGNS = frozenset(" \t\"&|<>^()%!;,=@$`{}'")
# Backslashes before a double quote or the word's end, which a Windows
# program reads as escapes when the word is quoted (see list2cmdline).
_BEFORE_QUOTE = lazy_regex(r'(\\*)("|$)')


def _windows_word(word: str) -> str:
    """``word`` as a Windows program reads it back from its command line:
    bare when nothing in it needs quotes, else in double quotes, with the
    backslashes before a quote (or the end) doubled and the quote escaped."""
    if word and _WINDOWS_SIGNS.isdisjoint(word):
        return word
    escaped = _BEFORE_QUOTE.sub(
        lambda found: found[1] * 2 + ('\\"' if found[2] else ""), word
    )
    return f'"{escaped}"'


def field_line(source: str, name: str, value: str) -> str:
    """The metadata field ``name`` (as Markdown writes it) with ``value`` in
    the file ``source``, quoted, as its reader takes it: a reStructuredText
    field, an HTML <meta>, else Markdown's line; or, where ``source`` is
    the setting that gives the field (``EXTRA_PATH_METADATA['a.md']``,
    ``DEFAULT_METADATA``), its key and value there."""
    if source.startswith(_METADATA_SETTINGS):
        return f"'{name.lower()}': {value!r} in {source}"
    return _spelt(source, name, value)


def field_name(source: str, name: str) -> str:
    """The metadata field ``name`` (as Markdown writes it), quoted, as the
    reader of the file ``source`` spells it: ``':url:'``, ``'<meta
    name="url">'``, ``'URL:'``."""
    return _spelt(source, name)


def _spelt(source: str, name: str, value: str | None = None) -> str:
    """The field ``name``, with ``value`` or alone, quoted, as the reader
    of ``source`` (by its extension) spells it."""
    extension = source.rpartition(".")[2].lower()
    line, alone = _FIELD_SPELLINGS.get(extension, _MARKDOWN_SPELLING)
    text = alone if value is None else line
    return "'" + text.format(name=name, key=name.lower(), value=value) + "'"


# How each reader spells a field, with its value and alone.
_MARKDOWN_SPELLING = ("{name}: {value}", "{name}:")
_HTML_SPELLING = ('<meta name="{key}" content="{value}">', '<meta name="{key}">')
_FIELD_SPELLINGS = {
    "rst": (":{key}: {value}", ":{key}:"),
    "html": _HTML_SPELLING,
    "htm": _HTML_SPELLING,
}
# The settings that give files metadata, as a message names them.
_METADATA_SETTINGS = ("EXTRA_PATH_METADATA[", "DEFAULT_METADATA")
