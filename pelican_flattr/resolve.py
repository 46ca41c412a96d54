"""How one article or page becomes a Flattr thing.

``resolve`` reads a content object's metadata, the author mapping and the
site-wide settings, in that order of precedence, and returns either a
``ContentThing`` or the reason there is none. Content objects are read by
attribute only (``metadata``, ``url``, ``title``, ``authors``...), so any
object shaped like Pelican's ``Article`` or ``Page`` works.

Beside it: the checks of fields as authors write them (an unknown or
misspelt field, one Pelican read as body text), those made once per
build of the metadata a setting gives every file (``DEFAULT_METADATA``'s
fields, owner and language, through ``settings_metadata_problems`` and
the ``default_*`` functions, called by ``build.start_build``), a
content's Open Graph pairs (``open_graph``), and the site's own thing.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .identifiers import (
    PERSON_NAME,
    IdentifierError,
    Owner,
    parse_owner,
    reads_as_switch,
    redact_addresses,
    redact_encoded_addresses,
)
from .lazy_regex import lazy_regex
from .settings import (
    CATEGORY_METADATA,
    HIDDEN_METADATA,
    IMAGE_METADATA,
    LANGUAGE_METADATA,
    METADATA_FIELDS,
    OPT_OUT,
    OWNER_METADATA,
    PINNED_URL_METADATA,
    TAGS_METADATA,
    FlattrSettings,
    misspells_a_field,
    shown_author,
)
from .thing import (
    NOT_UNICODE,
    Thing,
    bcp47,
    category_choices,
    check_pinned_url,
    check_thing_url,
    comparable_host,
    country_code_slip,
    first_words,
    flattr_category,
    flattr_language,
    fold_spaces,
    holds_lone_surrogate,
    html_lang,
    plain_text,
    printable_text,
    read_language,
    shorten,
    split_tags,
    strip_html,
    thing_description,
    thing_tags,
    thing_title,
    url_safe,
)
from .wording import field_line, field_name, shown_value

# Metadata fields an author may set (settings.py names them all).
OWNER = OWNER_METADATA
CATEGORY = CATEGORY_METADATA
LANGUAGE = LANGUAGE_METADATA
TAGS = TAGS_METADATA
HIDDEN = HIDDEN_METADATA
PINNED_URL = PINNED_URL_METADATA
IMAGE_FIELDS = IMAGE_METADATA
FIELDS = METADATA_FIELDS
# og:description is cut here: what link previews show of it.
OPEN_GRAPH_DESCRIPTION_LIMIT = 300

_TRUE = {"yes", "true", "on", "1"}
_FALSE = {"no", "false", "off", "0"}
# The owner field as the README spells it, for messages that say what to write.
_OWNER_FIELD = "Flattr_owner"
_LANGUAGE_FIELD = "Flattr_language"
# Fields of hand-written Flattr buttons and other plugins that a migrating
# site carries, -> the field of this plugin they mean: by its letters alone,
# "flattr_uid" is closest to "flattr_url".
_LEGACY_FIELDS = {
    "flattr_button": OPT_OUT,
    **dict.fromkeys(
        (
            "flattr_uid",  # the embedded button's attribute
            "flattr_user",
            "flattr_user_id",  # the auto-submit URL's parameter
            "flattr_userid",
            "flattr_username",
            "flattr_id",
        ),
        OWNER,
    ),
}
# Pelican's link syntax is not expanded in custom metadata; accept it anyway.
_LINK_PREFIXES = ("{static}", "{attach}", "{filename}")
# A URL scheme (RFC 3986, 3.1): a letter, then letters, digits, "+", "-" or
# ".", then ":" (so before any "/"). A value with one is no path of the site.
_SCHEME = lazy_regex(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class ContentThing:
    """What templates see as ``article.flattr``: a thing and how to show it."""

    thing: Thing
    source: str
    # The written page, relative to the output folder (Pelican's save_as).
    page: str
    button_style: str
    is_article: bool = True
    # Pelican's ``content.url``, relative to SITEURL: what feed entries link
    # to. Kept because Pelican recomputes it on every access. An absolute
    # one (a link post's) is no path of the site: ``page`` stands in for it.
    content_url: str = ""
    # The content's language as BCP 47 writes it (thing.bcp47), "" when it
    # has none: the language of the button's text, which the thing's Flattr
    # code may only stand in for (Uzbek as en_GB).
    lang: str = ""
    # The og:image URL (None without one, or without Open Graph tags),
    # resolved with the thing: the page is rendered with the content alone,
    # whose own context (a cached article's) may be an earlier build's.
    image: str | None = None
    # Where an og_image link named no file when the thing was resolved,
    # this build's context, to look it up in again when the page is
    # rendered: i18n_subsites gives a language's site the main site's
    # static files only then. None on the common path, the file found.
    image_files: Mapping[str, Any] | None = dataclasses.field(
        default=None, compare=False, repr=False
    )
    # The author whose FLATTR_AUTHORS entry gave the thing's owner, by
    # name; None when its 'flattr_owner' metadata or FLATTR_USERNAME did.
    # Kept for the URL guard, whose owner change names who gave the new one.
    owner_author: str | None = None

    @property
    def url(self) -> str:
        """The thing URL (the canonical URL Flattr keys the thing on)."""
        return self.thing.url

    @property
    def auto_submit_url(self) -> str:
        """The JS-free button's target and the payment link."""
        return self.thing.auto_submit_url


@dataclass(frozen=True)
class Resolution:
    """The outcome for one content object.

    ``content_thing`` is set, or ``problems`` (errors in the author's input,
    one per field), ``notice`` (no owner: worth saying, not an error) or
    both, or none of them for a deliberate opt-out. ``language_fallback``
    names a language Flattr has no code for, so that the caller can warn
    once per language; ``language_region``, the ``flattr_language`` written
    whose region Flattr has no code with, so that the caller can warn once
    for the files that share it (``language_region_warning``).
    """

    content_thing: ContentThing | None = None
    problems: tuple[str, ...] = ()
    notice: str | None = None
    language_fallback: str | None = None
    language_region: str | None = None
    # Something that costs the page an Open Graph tag, not its button.
    warning: str | None = None
    # The authors, no FLATTR_AUTHORS key theirs, whose content went to
    # FLATTR_USERNAME (none without FLATTR_AUTHORS): one close to a key is
    # most likely its misspelling, said once for all their content.
    username_authors: tuple[str, ...] = ()
    # (field, text) of what only the page's Open Graph tags publish, where
    # it holds an "@": for the privacy check at the end of the build.
    open_graph_texts: tuple[tuple[str, str], ...] = ()
    # The character ("#", "?", "%", "\\") that makes the page's URL, and so its
    # thing URL, another address than the page's (see page_url_warning).
    page_url_character: str | None = None


# What the problem of content whose author's FLATTR_AUTHORS entry is
# unusable says after the author's name: the settings' error, said before,
# says why.
UNUSABLE_ENTRY = " has an unusable entry: "


class _FieldError(Exception):
    """A field's value the plugin refuses; ``alike``, where given, says the
    same without the value, for the files of a bulk import that each hold
    their own value refused alike (``Problem``)."""

    def __init__(self, message: str, alike: str | None = None) -> None:
        super().__init__(message)
        self.alike = alike


class Problem(str):
    """A content's problem, as said of its file alone; ``alike``: the same
    said of many files at once, without the value, which files refused
    alike share (None: the text itself, which files share only when it is
    the same). A str, so that every reader of ``Resolution.problems`` reads
    it as one."""

    alike: str | None = None


def problem_alike(text: str, alike: str | None) -> str:
    """The problem ``text``, said as ``alike`` of many files (``Problem``);
    ``text`` itself without one."""
    if alike is None:
        return str(text)
    problem = Problem(text)
    problem.alike = alike
    return problem


def _problem(error: _FieldError) -> str:
    """``error`` as ``Resolution.problems`` holds it."""
    return problem_alike(str(error), error.alike)


def unknown_fields(metadata: Mapping[str, Any]) -> list[str]:
    """The names in ``metadata`` that misspell one of this plugin's fields
    (``Flattr_ownr``, ``flatr_owner``), which would otherwise be ignored
    without a word."""
    return [
        name for name in metadata if isinstance(name, str) and misspells_a_field(name)
    ]


def closest_field(name: str) -> str | None:
    """The field of this plugin that ``name`` most likely misspells, or
    means where another tool spelt it otherwise (``_LEGACY_FIELDS``)."""
    name = name.lower().replace("-", "_")
    if name in _LEGACY_FIELDS:
        return _LEGACY_FIELDS[name]
    import difflib  # only for a misspelt field: see settings.unknown_settings

    found = difflib.get_close_matches(name, sorted(FIELDS), n=1)
    return found[0] if found else None


def unknown_field_message(name: str, files: int = 1) -> str:
    """What to say of ``name``, one of ``unknown_fields``, found in
    ``files`` files (more than one: said once for them all)."""
    meant = closest_field(name)
    if meant == OPT_OUT:  # its value is a yes or no, unlike any other's
        hint = f"; did you mean '{meant}' (yes or no)?"
    else:
        hint = f"; did you mean '{meant}'?" if meant else " (the README lists them)"
    where = f" in these {files} files" if files > 1 else ""
    return (
        f"metadata '{name}' is no field of pelican-flattr, so it is ignored"
        f"{where}{hint}"
    )


# How far into a content's text ``fields_read_as_text`` looks: the first
# paragraphs, where a header's stray lines land, if they end before this.
_TEXT_START = 500
# A paragraph at the start of the text (past white space), its lines.
_LEADING_PARAGRAPH = lazy_regex(r"\s*<p>(.*?)</p>", re.DOTALL)
# A line written as a field, "Flattr_owner: x" (Markdown) or ":flattr_owner:
# x" (reStructuredText), its colon followed by a space or nothing: so not
# "https://...". Its name may hold one space ("Flattr owner: x"), which
# Markdown reads as no field: its header ends at that line.
_FIELD_LINE = lazy_regex(r"(:?)([A-Za-z][\w-]*(?: [A-Za-z][\w-]*)?):(?:[ \t]+(.*))?")


def _field_line(line: str) -> re.Match[str] | None:
    """``line`` read as a field (``_FIELD_LINE``), or None. A name with a
    space is one only as a field of this plugin's with a space for its
    "_" and a value without one ("Flattr owner: partner:ns:1"): prose
    opens with such a name too ("Short answer: yes", "Flattr owner: the
    account that receives ...")."""
    match = _FIELD_LINE.fullmatch(line.strip())
    if match is not None and " " in match[2]:
        meant = match[2].lower().replace(" ", "_")
        if meant not in FIELDS or " " in (match[3] or "").strip():
            return None
    return match


def fields_read_as_text(html: str) -> list[tuple[str, str, str]]:
    """(the name as written, the field meant, its value as written, in
    HTML) of each line that is one of
    this plugin's fields, or one misspelt (as ``unknown_fields`` finds
    them), in the paragraphs that open ``html``, a content's text, while
    every line of each is written as a field: Markdown's header ends at its
    first blank line, and a field written after it, or as the other reader
    writes one, is text, shown on the page, and the start of the thing's
    description.

    Paragraphs of fields alone, and the lines of the plugin's fields that
    open a paragraph of text (``_fields_before_text``: "Flattr_owner:
    partner:ns:1", a line break and then the text, which Markdown joins):
    prose that names a field ("Flattr_owner: names the owner."), and a
    code block or a quotation that shows a header (an article about the
    plugin's fields), are the author's text. A name written as
    reStructuredText writes it keeps its colons (``:flattr_owner:``).
    "Flattr: ..." is the opt-out only with a yes or no after it.
    """
    head = html[:_TEXT_START]
    # Two searches in C for the usual text, which holds neither (~1 µs in
    # all): the second finds the name with a t left out ("Flatr_owner").
    folded = head.lower()
    if "flattr" not in folded and "flatr" not in folded:
        return []
    found = []
    at = 0
    while paragraph := _LEADING_PARAGRAPH.match(head, at):
        lines = [_field_line(line) for line in paragraph[1].split("\n")]
        text_follows = not all(lines)
        if text_follows:
            lines = _fields_before_text(lines)
        for colon, name, value in (line.groups() for line in lines):
            meant = name.lower()
            if " " in name:
                meant = meant.replace(" ", "_")
                found.append((f"{colon}{name}{colon}", meant, value or ""))
                continue
            if meant not in FIELDS:
                if not misspells_a_field(name):
                    continue
                meant = closest_field(name) or meant
            if "_" not in name and "-" not in name and not reads_as_switch(value or ""):
                continue
            found.append((f"{colon}{name}{colon}", meant, value or ""))
        if text_follows:
            break
        at = paragraph.end()
    return found


def _fields_before_text(
    lines: list[re.Match[str] | None],
) -> list[re.Match[str]]:
    """The field lines that open a paragraph whose ``lines`` (each read
    as a field, or None) go on as text: while each is one of this
    plugin's fields (or a hand-written button's) by its whole name, the
    first with "_" or "-" in it ("Flattr_owner"; the opt-out's bare
    "Flattr" only after it), and its value is one word.
    "Flattr_owner: partner:ns:1" is a field written after the header's
    blank line; "Flattr_owner: names the owner.", "Flattr: yes" or
    "Flattr_clicks: 1200" opening a sentence is the author's text."""
    fields = []
    for line in lines:
        if line is None or len((line[3] or "").split()) != 1:
            break
        name = line[2]
        meant = name.lower().replace(" ", "_")
        if not fields and "_" not in meant and "-" not in meant:
            break  # a bare "Flattr:" only among other fields
        if meant not in FIELDS and meant not in _LEGACY_FIELDS:
            break
        fields.append(line)
    return fields


def field_read_as_text_message(written: str, meant: str, source_path: str) -> str:
    """What to say of a field that ``fields_read_as_text`` found, written
    ``written``, meaning ``meant``, in the file at ``source_path``: where it
    goes, spelt as that file's reader reads it. Never its value, which may
    hold an address."""
    if source_path.endswith(".rst"):
        advice = f"write it as :{meant}: in the field list under the title"
    elif source_path.endswith((".html", ".htm")):
        advice = f'write it as <meta name="{meant}" content="..."> in the head'
    elif written.lower() == meant:
        advice = "put it in the header, with no blank line before it"
    elif " " in written:
        spelt = meant[0].upper() + meant[1:]  # as the README spells it
        advice = (
            f"write it as {spelt}: (a field's name holds no space, and "
            "Pelican's header ends at the first line that is no field: the "
            "fields after it are text too)"
        )
    else:
        spelt = meant[0].upper() + meant[1:]  # as the README spells it
        advice = f"write it as {spelt}: in the header, with no blank line before it"
    return (
        f"the text starts with a {written} line, which Pelican read as text, "
        f"not as a field: {advice}"
    )


def unknown_setting_field_warnings(settings: Mapping[str, Any]) -> list[str]:
    """What to say, once for the setting, of each field in
    ``DEFAULT_METADATA``, or in an entry of ``EXTRA_PATH_METADATA``, that
    ``unknown_fields`` names: the files it gives it would otherwise say it
    as their own, which they do not hold (see ``given_by_setting``)."""
    found = [("DEFAULT_METADATA", settings.get("DEFAULT_METADATA"))]
    by_path = settings.get("EXTRA_PATH_METADATA")
    if isinstance(by_path, Mapping):
        found += [(path_metadata_entry(key), fields) for key, fields in by_path.items()]
    return [
        f"{where}: {unknown_field_message(name)}"
        for where, fields in found
        if isinstance(fields, Mapping)
        for name in unknown_fields(fields)
    ]


def default_owner_warning(settings: Mapping[str, Any]) -> str | None:
    """What to say, once for the setting, of a usable ``flattr_owner`` in
    ``DEFAULT_METADATA`` while ``FLATTR_AUTHORS`` maps authors: it comes
    first for every article (``_owner``), so the mapping is never read.

    A warning, not a problem: a site whose every article goes to one owner
    may mean it. Not said beside ``FLATTR_USERNAME`` alone, which still
    owns the site's own thing (its payment link on every page).
    """
    defaults = settings.get("DEFAULT_METADATA")
    authors = settings.get("FLATTR_AUTHORS")
    if not isinstance(defaults, Mapping) or not isinstance(authors, Mapping):
        return None
    if not authors:
        return None
    try:
        if _explicit_owner(defaults, _in_default_metadata) is None:
            return None
    except _FieldError:  # settings_metadata_problems reports it
        return None
    return (
        f"DEFAULT_METADATA['{OWNER}'] takes precedence over every FLATTR_AUTHORS "
        "entry, so every author's flattrs go to that one owner: use "
        "FLATTR_USERNAME for a fallback owner (a file's own Flattr_owner: "
        "still comes first)"
    )


def default_language_warnings(settings: Mapping[str, Any]) -> list[str]:
    """What to say, once for the setting, of ``FLATTR_LANGUAGE`` and of a
    ``flattr_language`` in ``DEFAULT_METADATA`` when either names a region
    Flattr has no code with (``de_DX``): a warning each article would
    otherwise repeat (see ``_language``), and, as for the field in a file,
    one that fails no strict build."""
    warnings = []
    site_language = settings.get("FLATTR_LANGUAGE")
    if isinstance(site_language, str):  # read_settings refuses another
        code, region = read_language(site_language)
        if code is not None and region is not None:
            warnings.append(
                f"FLATTR_LANGUAGE is {shown_value(site_language)}, but Flattr has no "
                f"code with the region {region}: things whose language Flattr "
                f"has no code for get {code}, its code for the language (an "
                "article's own lang, DEFAULT_LANG's included, comes first)"
            )
    defaults = settings.get("DEFAULT_METADATA")
    if not isinstance(defaults, Mapping):
        return warnings
    try:
        written = _explicit_language(defaults)[1]
    except _FieldError:  # settings_metadata_problems reports it
        return warnings
    if written is not None:
        warnings.append(f"DEFAULT_METADATA: {language_region_warning(written)}")
    return warnings


def from_defaults(
    metadata: Mapping[str, Any], name: str, defaults: Mapping[str, Any]
) -> bool:
    """Whether field ``name`` of an article's ``metadata`` is the value
    Pelican gave it from ``DEFAULT_METADATA`` (``defaults``): the very
    object, as Pelican passes such values on untouched; a file's own value
    is text read from the file."""
    return name in defaults and metadata.get(name) is defaults[name]


def given_by_setting(content: Any, name: str, source: str) -> str | None:
    """The setting that gave field ``name`` of ``content``'s metadata (its
    source ``source``, relative to PATH), as a message names it:
    ``EXTRA_PATH_METADATA['2023']`` (the entry of the file, or of a folder
    it is in, the one Pelican applies last) or ``DEFAULT_METADATA``; None
    when the file's own, or absent.

    Told apart as ``from_defaults`` tells them (the very object), which a
    file's own field, applied after them, replaces; in the content's own
    settings, which Pelican's cache keeps with it. Only the entries that
    can match the file are looked up: a site may pin each of 20,000 files
    there."""
    metadata = content.metadata
    if name not in metadata:
        return None
    value = metadata[name]
    settings = getattr(content, "settings", None) or {}
    by_path = settings.get("EXTRA_PATH_METADATA")
    if isinstance(by_path, Mapping) and by_path:
        keys = [
            key
            for key in _path_metadata_keys(source)
            if isinstance(fields := by_path.get(key), Mapping)
            and name in fields
            and fields[name] is value
        ]
        if keys:
            # Pelican applies them in the order of their keys.
            return path_metadata_entry(max(keys))
    defaults = settings.get("DEFAULT_METADATA")
    if isinstance(defaults, Mapping) and from_defaults(metadata, name, defaults):
        return "DEFAULT_METADATA"
    return None


def skip_given_by(content: Any, source: str) -> str | None:
    """The setting that gives the file ``source`` 'status': 'skip', as a
    message names it, where its own file does not (its line, applied last,
    is then the one to remove): the entry of EXTRA_PATH_METADATA that
    Pelican applies last of those that set a status, or DEFAULT_METADATA;
    None else. ``content`` is what Pelican's readers made of it, a
    SkipStub, which keeps no metadata: given the settings it was read with
    (``diff_command.contents_in``), the file is read again, alone."""
    settings = getattr(content, "settings", None) or {}
    entry = _skipping_setting(settings, source)
    if entry is None or _own_status(content, settings) == "skip":
        return None
    return entry


def _skipping_setting(settings: Mapping[str, Any], source: str) -> str | None:
    """The setting of ``skip_given_by``, whatever the file says."""
    by_path = settings.get("EXTRA_PATH_METADATA")
    if isinstance(by_path, Mapping) and by_path:
        keys = [
            key
            for key in _path_metadata_keys(source)
            if isinstance(fields := by_path.get(key), Mapping) and "status" in fields
        ]
        if keys:
            last = max(keys)  # Pelican applies them in the order of their keys
            return (
                path_metadata_entry(last) if by_path[last]["status"] == "skip" else None
            )
    defaults = settings.get("DEFAULT_METADATA")
    # As Pelican's readers compare it: the value as given (" Skip " is no
    # skip there, and fails the build in Pelican's generator).
    if isinstance(defaults, Mapping) and defaults.get("status") == "skip":
        return "DEFAULT_METADATA"
    return None


def _status_word(value: Any) -> str | None:
    """A status as Pelican reads it from a file: stripped, in lower case."""
    return value.strip().lower() if isinstance(value, str) else None


def _own_status(content: Any, settings: Mapping[str, Any]) -> str | None:
    """The status the file of ``content`` gives itself, read alone by
    Pelican's reader for its extension; None without one, or unreadable."""
    from pelican.readers import Readers

    path = str(getattr(content, "source_path", "") or "")
    reader = Readers(settings).readers.get(path.rpartition(".")[2])
    if reader is None:
        return None
    try:
        _, metadata = reader.read(path)
    except Exception:  # Pelican's readers, given any file: it read it once
        return None
    return _status_word(metadata.get("status"))


def _path_metadata_keys(source: str) -> list[str]:
    """The keys of EXTRA_PATH_METADATA whose entry Pelican gives the file
    ``source``: its own path, and each folder it is in (with a "/" or
    without; "" is the content folder), as Pelican matches them (the
    file's path, or one that starts with the key and a "/")."""
    parts = source.split("/")
    keys = [source, ""]
    for end in range(1, len(parts)):
        folder = "/".join(parts[:end])
        keys += [folder, folder + "/"]
    return keys


def path_metadata_entry(key: object) -> str:
    """How a message names the entry ``key`` of ``EXTRA_PATH_METADATA``: a
    path, quoted, without an address."""
    return f"EXTRA_PATH_METADATA[{redact_addresses(repr(key))}]"


def _text_field(metadata: Mapping[str, Any], name: str) -> str | None:
    value = metadata.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, (list, tuple)):  # a field given twice in a file
            raise _FieldError(
                f"metadata '{name}' must be a single value, but is given more "
                "than once: keep one"
            )
        raise _FieldError(f"metadata '{name}' must be text, {_not_text(value, name)}")
    return value.strip()


# The same words fit both places that give a bool, number or date where
# text is due: a YAML header (pelican-yaml-metadata), and DEFAULT_METADATA
# or EXTRA_PATH_METADATA, which take any Python value.
def _quote_it(it: str, example: str | None) -> str:
    """What a message about a bool, number or date where text is due says
    of how it came to be one, and what to write (``example``, where the
    text written is known)."""
    written = f" ({example})" if example is not None else ""
    return (
        ": a YAML header reads yes, no, on, off, true and false as true or false, "
        "and digits and dates as numbers and dates, unless they are quoted; quote "
        f"{it} as written, in a YAML header or a Python setting{written}"
    )


def _read_as(value: object) -> tuple[str, str | None] | None:
    """``value`` as a message names it, and the text to quote in its place
    where that is sure, when it is a bool, a number or a date (a datetime
    too), as a YAML header reads an unquoted ``no`` or ``2024``; None for
    any other. Such a value is shown: none holds an address. A bool may
    have been written yes, on or true, and a fraction 3.10 (read 3.1):
    no text is given for them, which would be another tag or language."""
    if isinstance(value, bool):
        return ("true, a yes or no", None) if value else ("false, a yes or no", None)
    if isinstance(value, int):
        return f"the number {value}", str(value)
    if isinstance(value, float):
        return f"the number {value}", None
    if isinstance(value, datetime.datetime):
        return f"the date {value}", None
    if isinstance(value, datetime.date):
        return f"the date {value}", value.isoformat()
    return None


def _not_text(value: object, name: str) -> str:
    """What the problem of field ``name`` says after "must be text, " of
    ``value``, which is not: what it is read as, and what to write, or only
    its type (a dict, a set: no YAML scalar, and its contents may hold an
    address)."""
    read = _read_as(value)
    if read is None:
        return f"not {type(value).__name__}"
    example = None if read[1] is None else f"{name}: '{read[1]}'"
    return f"but is {read[0]}{_quote_it('the value', example)}"


def _text_field_or_none(
    metadata: Mapping[str, Any], name: str, problems: list[str]
) -> str | None:
    """``_text_field``, or None with its problem added to ``problems``."""
    try:
        return _text_field(metadata, name)
    except _FieldError as error:
        problems.append(str(error))
        return None


def _tags_field_or_none(
    metadata: Mapping[str, Any], problems: list[str]
) -> list[str] | None:
    """The tags ``flattr_tags`` gives, or None when it is not there or left
    empty (or, with its problem added to ``problems``, unusable).

    Text is split as Pelican splits ``Tags``. A list of texts is taken
    item by item, as Pelican takes ``Tags`` given twice in a Markdown file
    (its reST reader keeps the last field of a name alone), and as
    a Python list in ``DEFAULT_METADATA`` reads; its empty items go, and
    without another it is left empty. A whole number, alone or as an item,
    is taken as its digits, as pelican-yaml-metadata takes ``tags: [2024,
    yaml]``: as a tag it can mean nothing else (a bool is no whole number
    here: ``yes`` is no tag).
    """
    value = metadata.get(TAGS)
    if value is None:  # the usual article's: one test
        return None
    if isinstance(value, (list, tuple)):
        if not all(isinstance(item, str) for item in value):
            value = _tags_of_items(value, problems)
            if value is None:
                return None
        # The field given twice in Markdown, empty both times, is a list of
        # empty items: left empty, as one empty field is, not "no tags".
        tags = [item for item in value if item.strip()]
        if not tags:
            return None
    elif _is_whole_number(value):
        tags = [str(value)]
    else:
        text = _text_field_or_none(metadata, TAGS, problems)
        # Left empty (":flattr_tags:" with nothing after it), it is absent,
        # as every other field of the plugin: read as "no tags", it dropped
        # the article's own tags and FLATTR_TAGS without a word.
        if not text:
            return None
        tags = split_tags(text)
        if not thing_tags(tags):  # separators alone (";", ", ,"): left empty too
            return None
    # reST writes any code point (|s| unicode:: 0xD800), and the
    # auto-submit URL, which only the plugin prints, could not be encoded.
    if any(holds_lone_surrogate(tag) for tag in tags):
        problems.append(f"metadata '{TAGS}' {NOT_UNICODE}")
        return None
    return tags


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tags_of_items(
    items: list[Any] | tuple[Any, ...], problems: list[str]
) -> list[str] | None:
    """``items``, a ``flattr_tags`` list that holds an item other than
    text, as texts: a whole number as its digits; or None, with the problem
    of the first other item, by its place, added to ``problems``."""
    tags = []
    for at, item in enumerate(items):
        if isinstance(item, str):
            tags.append(item)
        elif _is_whole_number(item):
            tags.append(str(item))
        else:
            where = f"item {at + 1} of {len(items)}"
            read = _read_as(item)
            if read is None:
                said = "None" if item is None else f"a {type(item).__name__}"
            else:
                example = None if read[1] is None else f"'{read[1]}'"
                said = read[0] + _quote_it("the item", example)
            problems.append(
                f"metadata '{TAGS}' must be text, or a list of texts, but {where} "
                f"is {said}"
            )
            return None
    return tags


def settings_metadata_problems(fields: Any) -> list[str]:
    """What is wrong with this plugin's fields in ``DEFAULT_METADATA``
    (``fields``, names lowercased as ``scrub_addresses`` leaves them): each
    problem, said once for the setting, where every article would otherwise
    repeat it as its own. Pelican gives every article these values, so a
    bad one leaves none with a button."""
    if not isinstance(fields, Mapping):
        return []
    metadata = {key: fields[key] for key in METADATA_FIELDS if key in fields}
    problems: list[str] = []
    checks = [
        lambda: _bool_field(metadata, OPT_OUT),
        lambda: _bool_field(metadata, HIDDEN),
        lambda: _explicit_owner(metadata, _in_default_metadata),
        lambda: _explicit_category(metadata),
        lambda: _explicit_language(metadata),
    ]
    for check in checks:
        try:
            check()
        except _FieldError as error:
            problems.append(str(error))
    _tags_field_or_none(metadata, problems)
    if metadata.get(PINNED_URL):
        problems.append(
            f"metadata '{PINNED_URL}' would give every article one thing URL, "
            "and the first article all the flattrs: pin URLs in each file"
        )
    return [f"DEFAULT_METADATA: {problem}" for problem in problems]


def _bool_field(metadata: Mapping[str, Any], name: str) -> bool | None:
    value = metadata.get(name)
    if value is None:  # the usual article's: one test
        return None
    if isinstance(value, bool):  # {"flattr_hidden": True}, or YAML's "yes"
        return value
    if not isinstance(value, str) and (read := _read_as(value)) is not None:
        # As "1" and "0" are written yes and no, so are 1 and 0, which a
        # YAML header reads them as.
        if _is_whole_number(value) and value in (0, 1):
            return bool(value)
        raise _FieldError(f"metadata '{name}' is {read[0]}; write yes or no")
    value = _text_field(metadata, name)
    if value is None or value == "":
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _FieldError(f"metadata '{name}' is {shown_value(value)}; write yes or no")


def _owner_meant(
    metadata: Mapping[str, Any],
    settings: FlattrSettings,
    spelled_in: Callable[[], str],
) -> str:
    """What the problem of ``flattr: VALUE`` adds when VALUE names an owner:
    another tool's ``flattr: alice`` named the button's owner. An owner
    identifier (``twitter:``, ``email:``, ``partner:``) names one; a word
    names one only as a Flattr username the settings give an owner, since
    any other (``nope``, ``disabled``) is more likely a yes or no
    mistyped. Never an address: an ``email:`` owner is shown hashed
    (``parse_owner`` refuses any other that holds one; redacted all the
    same, should that change). ``spelled_in`` says where the field is
    written, asked only when an owner is meant."""
    try:
        owner = parse_owner(_text_field(metadata, OPT_OUT))
    except (IdentifierError, _FieldError):  # no text: no owner named
        return ""
    if owner.kind == "flattr_user" and not (
        owner == settings.username or owner in settings.authors.values()
    ):
        return ""
    shown = redact_encoded_addresses(owner.value)
    written = field_line(spelled_in(), _OWNER_FIELD, shown)
    return f"; to name its owner, write {written}"


def opts_out(metadata: Mapping[str, Any]) -> bool:
    """Whether ``metadata`` says 'Flattr: no'. A value that is neither yes
    nor no opts nothing out: ``resolve`` reports it as a problem."""
    try:
        return _bool_field(metadata, OPT_OUT) is False
    except _FieldError:
        return False


def _in_default_metadata() -> str:
    """Where a field of DEFAULT_METADATA is written, as ``_spelled_in``
    says it."""
    return "DEFAULT_METADATA"


def _spelled_in(content: Any, source: str | None, name: str) -> str:
    """Where a fix writes the field ``name`` of ``content``: the setting
    that gave it (an entry of EXTRA_PATH_METADATA, DEFAULT_METADATA), else
    its file (``source``, else its own), whose reader spells the field
    (``wording.field_line``); "" when it has neither. Asked only of a field
    at fault."""
    relative = source or str(getattr(content, "relative_source_path", "") or "")
    setting = given_by_setting(content, name, relative.replace("\\", "/"))
    return setting or source or getattr(content, "source_path", None) or ""


def _owner(
    content: Any, settings: FlattrSettings, source: str | None
) -> tuple[Owner | None, str, str | None, tuple[str, ...]]:
    """The owner; when there is none, why (a sentence for the log); the
    name of the author whose ``FLATTR_AUTHORS`` entry gave it, if one did;
    and the authors whose content it left to ``FLATTR_USERNAME`` when a
    ``FLATTR_AUTHORS`` is set (see ``Resolution.username_authors``)."""
    explicit = _explicit_owner(
        content.metadata, lambda: _spelled_in(content, source, OWNER)
    )
    if explicit is not None:
        return explicit, "", None, ()
    names = []
    for author in getattr(content, "authors", None) or ():
        names.append(author.name)
        slug = getattr(author, "slug", None) or None  # "": no slug (build.py)
        for key in (author.name, slug, settings.author_slugs.get(slug)):
            if key in settings.authors:
                return settings.authors[key], "", author.name, ()
            if key in settings.unusable_authors:
                raise _FieldError(
                    f"author {shown_author(author.name)}{UNUSABLE_ENTRY}"
                    f"{settings.unusable_authors[key]}"
                )
    # An empty name (AUTHOR = "") names no one either.
    names = [name for name in names if name.strip()]
    if settings.username is not None:
        return settings.username, "", None, tuple(names) if settings.authors else ()
    who = ", ".join(shown_author(name) for name in names)
    if not who:
        why = (
            f"has no Flattr owner: it names no author, has no '{OWNER}' metadata, "
            "and FLATTR_USERNAME is not set; to give it one, its author adds an "
            "Author: line to the file (for the site's operator to map in "
            f"{settings.authors_setting}) or a {_OWNER_FIELD}: line"
        )
    else:
        why = (
            f"has no Flattr owner ({who}: not in {settings.authors_setting}, no "
            f"'{OWNER}' metadata, and FLATTR_USERNAME is not set)"
        )
    return None, why, None, ()


def _explicit_owner(
    metadata: Mapping[str, Any], spelled_in: Callable[[], str]
) -> Owner | None:
    """The owner ``metadata`` names in its owner field, if any; its fault
    said as ``spelled_in`` (asked only then) says the field is written
    (``_spelled_in``)."""
    explicit = _text_field(metadata, OWNER)
    if not explicit:
        return None
    if reads_as_switch(explicit):
        raise _FieldError(
            f"metadata '{OWNER}' is {shown_value(explicit)}, which looks like a "
            f"yes or no: to give no Flattr button, write "
            f"{field_line(spelled_in(), 'Flattr', 'no')}; to name an owner, give their "
            "Flattr username or owner identifier"
        )
    try:
        return parse_owner(explicit)
    except IdentifierError as error:
        # An author's name: the field may go, for the author's owner.
        way_out = (
            " (or remove the line, for the owner FLATTR_AUTHORS gives the "
            "article's author)"
            if error.reason == PERSON_NAME
            else ""
        )
        raise _FieldError(
            f"metadata '{OWNER}' {error}{way_out}",
            f"metadata '{OWNER}': the value of each {error.reason}{way_out}",
        ) from None


def _explicit_category(metadata: Mapping[str, Any]) -> str | None:
    written = _text_field(metadata, CATEGORY)
    if not written:
        return None
    category = flattr_category(written)
    if category is None:
        raise _FieldError(
            f"metadata '{CATEGORY}' is {shown_value(written)}; "
            f"{category_choices(written)}"
        )
    return category


def _explicit_language(
    metadata: Mapping[str, Any],
) -> tuple[str | None, str | None]:
    """The Flattr code ``flattr_language`` gives (None without the field),
    and the value written when it names a region that code does not have
    (``language_region_warning`` says what to say)."""
    explicit = _text_field(metadata, LANGUAGE)
    if not explicit:
        return None, None
    code, region = read_language(explicit)
    if code is None:
        slip = country_code_slip(explicit)
        raise _FieldError(
            f"metadata '{LANGUAGE}' is {shown_value(explicit)}, which Flattr has no "
            "code for; use one such as en_GB, de_DE or sv_SE"
            + (slip[0] if slip else "")
        )
    if region is None:
        return code, None
    # The field names a Flattr code: one it does not have may be a typo
    # (de_DX). A lang's region is Pelican's, and drops silently (pt-BR).
    return code, explicit


def language_region_warning(written: str, files: int = 1) -> str:
    """What to say of ``flattr_language`` written ``written``, whose region
    Flattr has no code with (``en_US``, a mistyped ``de_DX``), found in
    ``files`` files (more than one: said once for them all)."""
    code, region = read_language(written)
    where, things = (
        ("", "the thing has")
        if files == 1
        else (f" in these {files} files", "their things have")
    )
    return (
        f"metadata '{LANGUAGE}' is {shown_value(written)}{where}, but Flattr has "
        f"no code with the region {region}: {things} {code}, its code for the "
        "language"
    )


def country_code_hint(lang: str, in_file: bool = True) -> str:
    """What the warning that Flattr has no code for ``lang`` adds when its
    language is a country's code ("jp" for Japan), which Pelican takes as
    written: the language meant, and how to write it, in the file's
    ``Lang:`` (``in_file``) or else ``DEFAULT_LANG``; else ""."""
    slip = country_code_slip(lang)
    if slip is None:
        return ""
    question, code = slip
    fix = (
        f"write Lang: {code} (or {_LANGUAGE_FIELD}: {code}, for the thing's "
        "language alone)"
        if in_file
        else f"set DEFAULT_LANG = '{code}' (or FLATTR_LANGUAGE = '{code}', for "
        "the things' language alone)"
    )
    return f"{question}: if so, {fix}"


def _language(
    content: Any, settings: FlattrSettings
) -> tuple[str, str | None, str | None]:
    """The thing's language; the ``lang`` Flattr has no code for, if that
    is why it is the default; the ``flattr_language`` written, if Flattr
    has no code with its region (see ``language_region_warning``)."""
    explicit, region_lacking = _explicit_language(content.metadata)
    if explicit is not None:
        if region_lacking is not None:
            defaults = (getattr(content, "settings", None) or {}).get(
                "DEFAULT_METADATA"
            )
            if isinstance(defaults, Mapping) and from_defaults(
                content.metadata, LANGUAGE, defaults
            ):
                region_lacking = None  # said of the setting (default_language_warnings)
        return explicit, None, region_lacking
    lang = getattr(content, "lang", None)
    if not lang:
        return settings.language, None, None
    code = flattr_language(lang)
    if code is None:
        return settings.language, str(lang), None
    return code, None, None


def _summary_text(content: Any, settings: FlattrSettings) -> str:
    """The summary as Pelican would show it, as plain text, without
    touching its memoized ``summary``/``content`` properties: reading those
    before Pelican has refreshed intersite links would freeze unresolved
    links into the pages.
    """
    summary = content.metadata.get("summary")
    if isinstance(summary, str) and summary.strip():
        return strip_html(summary, keep_breaks=True)
    raw = getattr(content, "_content", "") or ""
    # Four searches in C for the usual body, which holds none of them. One
    # of them is in any body with chrome that _CHROME strips: Markdown's
    # "[TOC]", its headings' permalinks, Markdown's, docutils' and
    # simple_footnotes' footnotes and citations, referred to or not (a body
    # that names them in prose costs one reading by the pattern, which
    # leaves it as it is).
    if (
        '<div class="toc">' in raw
        or "footnote" in raw
        or "citation" in raw
        or 'class="headerlink"' in raw
    ):
        raw = _without_chrome(raw)
    if settings.summary_max_paragraphs is not None or 'class="contents' in raw:
        raw = _as_pelican_summarises(raw, settings.summary_max_paragraphs)
    limit = settings.summary_max_length
    if limit is None:
        return strip_html(raw)
    shown, more = first_words(raw, limit)
    return f"{shown} …" if more else shown


def _as_pelican_summarises(html: str, max_paragraphs: int | None) -> str:
    """The body cut to ``SUMMARY_MAX_PARAGRAPHS`` and without a
    reStructuredText table of contents, as Pelican builds its summary (with
    the Pelican at hand: older ones do neither). Without Pelican, as it is:
    the rules are used without it, and its summary is Pelican's to make."""
    try:
        from pelican import utils
    except ImportError:
        return html

    cut = getattr(utils, "truncate_html_paragraphs", None)
    if max_paragraphs is not None and cut is not None:
        html = cut(html, max_paragraphs)
    strip_toc = getattr(utils, "strip_toc_elements_from_html", None)
    return html if strip_toc is None else strip_toc(html)


# What Python-Markdown, docutils and pelican-simple-footnotes add to a
# body that is no part of what it says, and would read as text in a
# description. An inline piece, with the text it shows:
# - a footnote reference, glued to the word before it: Python-Markdown's
#   <sup id="fnref...">, docutils' <a class="footnote-reference"> ("[1]";
#   class="brackets" and role="doc-noteref" from docutils' html5 writer,
#   whatever its ids' prefix) and <a
#   class="citation-reference"> ("[CIT2002]"); simple_footnotes' <sup
#   id="sf-SLUG-N-back">, matched as html5lib writes it whole (its link's
#   title, the note's text, may hold "<sup>" as text, unescaped, and is
#   quoted with ' where it holds a ");
# - the permalink anchor ("¶") that Python-Markdown's toc extension, with
#   "permalink" on, adds to each heading, in the default class: a site that
#   renames it ("permalink_class") keeps its anchors' text. (In "anchorlink"
#   mode the heading's text is itself a link, and stays.)
# An inline piece's text holds tags, but no other of its kind: each match
# is read up to the next opener of its kind at most, so that a body of
# unclosed ones costs one reading, not one per opener.
# A block (group "block", its tag name) runs to its own closing tag, so
# that one nested in it (a note's highlighted code, its table) does not end
# it: Python-Markdown's table of contents ("[TOC]", which Pelican strips
# from a summary only in docutils' spelling) and footnotes; docutils'
# footnotes and citations, a <table> each as Pelican's reader writes them
# (html4css1), or a list of them as docutils' html5 writer does;
# simple_footnotes' notes, an <ol class="simple-footnotes"> at the end.
# Docutils sorts attributes, so the class is where the pattern has it. The
# classes Python-Markdown gives its <div>s count on a <div> alone, and
# simple_footnotes' on an <ol> alone: an author's own <aside class="toc">
# or <ol class="footnote-list"> is text of the article.
_CHROME = lazy_regex(
    r'<sup id="(?:fnref[^"]*">[^<]*(?:<(?!/?sup\b)[^<]*)*</sup>'
    r'|sf-[^"]*-back"><a href="#sf-[^"]*" class="simple-footnote" '
    r"""title=(?:"[^"]*"|'[^']*')>[0-9]+</a></sup>)"""
    r'|<a class="(?:headerlink"|(?:footnote|citation)-reference[ "]'
    r'|(?:brackets|superscript)" href="#[^"<>]*" id="[^"<>]*" role="doc-noteref")'
    r"[^<>]*>[^<]*(?:<(?!/?a\b)[^<]*)*</a>"
    r"|<(?P<block>div|aside|table|ol) (?:"
    r'(?<=<div )class="(?:toc|footnote)">|(?<=<ol )class="simple-footnotes">'
    r'|(?<!<ol )(?:class="docutils (?:footnote|citation)"'
    r'|class="footnote-list[ "]|role="list" class="citation-list"))'
)
_BLOCK_TAGS = {
    name: lazy_regex(rf"<(/?){name}\b", re.I)
    for name in ("div", "aside", "table", "ol")
}


def _without_chrome(html: str) -> str:
    """``html`` without the table of contents, heading permalinks,
    footnotes and citations that Python-Markdown, docutils and
    pelican-simple-footnotes add (``_CHROME``), so that a description
    starts with the text, not with the titles of its sections, and holds
    no "¶", "[1]" or note."""
    pieces, done = [], 0
    while (match := _CHROME.search(html, done)) is not None:
        before = html[done : match.start()]
        done = match.end()
        block = match.group("block")
        if block is None:
            # reStructuredText wants a space before a reference ("claim
            # [1]."): it goes with it, or the period would stand apart.
            before = before.rstrip()
        else:
            depth = 1
            for tag in _BLOCK_TAGS[block].finditer(html, done):
                depth += -1 if tag.group(1) else 1
                if not depth:
                    done = html.find(">", tag.end()) + 1 or len(html)
                    break
            else:  # never closed: it runs to the end, as for a browser
                done = len(html)
        pieces.append(before)
    pieces.append(html[done:])
    return "".join(pieces)


def _thing_url(content: Any, content_url: str, settings: FlattrSettings) -> str:
    pinned = _text_field(content.metadata, PINNED_URL)
    if pinned:
        reason = check_pinned_url(pinned)
        if reason:
            raise _FieldError(
                f"metadata '{PINNED_URL}' {reason}: {shown_value(pinned)}"
            )
        _check_pin_host(pinned, settings)
        return pinned
    return own_thing_url(content_url, settings)


def _check_pin_host(pinned: str, settings: FlattrSettings) -> None:
    """Refuse ``pinned`` (a URL ``check_pinned_url`` took) on a host that is
    not one of the site's (``FlattrSettings.pin_hosts``, which holds those
    of the other sites of the run too): its og:url, which link previews
    show, its button and its payment link would name another site's page
    as this one's."""
    if settings.pin_hosts is None:
        return
    host = urlsplit(pinned).hostname or ""
    compared = comparable_host(host)
    if compared in settings.pin_hosts:
        return
    site_host = urlsplit(settings.siteurl).hostname
    # As FLATTR_OLD_HOSTS takes it: an IPv6 address in its brackets.
    host = f"[{host}]" if ":" in host else host
    fix = (
        f"which is not this site's host ({site_host!r}): its og:url, button and "
        "payment link would name another site's page; pin a URL of this site, "
        f"or, if the site was published on {host!r} before, add {host!r} to "
        "FLATTR_OLD_HOSTS"
    )
    raise _FieldError(
        f"metadata '{PINNED_URL}' pins {shown_value(pinned)}, a URL on {host!r}, {fix}",
        f"metadata '{PINNED_URL}' pins a URL on {host!r} (each its own), {fix}",
    )


# What ends a URL's path ("#", "?"), starts an escape a server decodes
# ("%"), or is a "/" to a browser in an http(s) URL's path ("\\", as the
# WHATWG URL standard reads it: c\tips.html is asked for as c/tips.html):
# in the URL of a page, which Pelican writes under that name as it is, the
# thing URL then names another address than the page's.
_NOT_IN_A_PAGES_PATH = lazy_regex(r"[#?%\\]")
_WHAT_IT_DOES = {
    "#": "starts a fragment",
    "?": "starts a query",
    "%": "starts an escape, which a server decodes",
    "\\": "a browser reads as '/'",
}


def _pinned(metadata: Mapping[str, Any]) -> bool:
    return bool(_text_field(metadata, PINNED_URL))


def _not_the_pages_address(content_url: str, page: str) -> str | None:
    """The character of ``_NOT_IN_A_PAGES_PATH`` in ``content_url`` (from
    a ``Slug:`` or ``URL:``) that makes it, and so the thing URL, another
    address than the page's (``c# tips`` is the page ``c``, ``c\\tips``
    the page ``c/tips``), or None: not when its escapes name the page it
    is written to (``caf%C3%A9.html`` with ``Save_as: café.html``), which
    a server decodes so."""
    found = _NOT_IN_A_PAGES_PATH.search(content_url)
    if found is None:
        return None
    if found[0] == "%":
        decoded = unquote(content_url)
        if decoded == page or (
            decoded.endswith("/") and page == f"{decoded}index.html"
        ):
            return None
    return found[0]


def page_url_warning(character: str, files: int = 1) -> str:
    """What to say of content whose page URL holds ``character`` (see
    ``_not_the_pages_address``), found in ``files`` files: its thing URL,
    that URL under the site, leads elsewhere, as Pelican's own links to
    the page do."""
    its = "its URL holds" if files == 1 else f"the URLs of these {files} files hold"
    # A pin keeps a thing URL that holds flattrs, but not one with a "\\",
    # which check_pinned_url refuses: no browser asks for that address.
    keep = (
        "no flattr_url can keep that thing URL: browsers never ask for it"
        if character == "\\"
        else "pinning the thing URL with flattr_url keeps one that holds flattrs"
    )
    return (
        f"{its} {character!r}, which {_WHAT_IT_DOES[character]}: the thing URL "
        "(and Pelican's own links to the page) lead to another address than "
        "the page's; give it a Slug or URL without '#', '?', '%' or '\\\\' "
        f"({keep})"
    )


def leads_to_its_page(
    content_url: str, page: str, url_format: object, save_as_format: object
) -> bool:
    """Whether ``content_url``, the URL of content whose metadata sets its
    save_as (``page``) and not its url, leads to that page: as a static
    host serves it (``serves_its_page``, the check of every thing URL, so
    that the two never disagree), or as the URL and SAVE_AS settings of its
    kind (``url_format``, ``save_as_format``) map every URL to a file (a
    server that adds their ending). Settings that map them some other way
    tell nothing of where a URL leads: True."""
    if serves_its_page(content_url, page):
        return True
    if not isinstance(url_format, str) or not isinstance(save_as_format, str):
        return True
    url_format = url_format.lstrip("/")
    if not save_as_format.startswith(url_format):
        return True
    ending = save_as_format[len(url_format) :]
    if "{" in ending:
        return True
    url = content_url.lstrip("/")
    if "%" in url:  # escapes that name the page as written (caf%C3%A9.html)
        url = unquote(url)
    return page == url + ending


def unwritten_url_warning(
    content_url: str,
    page: str,
    setting: str,
    save_as_from: str | None = None,
    source: str = "",
) -> str:
    """What to say of content whose metadata sets its save_as, ``page``,
    and not its url, ``content_url`` (from ``setting``), which leads to no
    page (see ``leads_to_its_page``). ``save_as_from``: the setting that
    gave the save_as (``given_by_setting``), where the file holds no such
    line. Fields as the reader of ``source``, the file, spells them."""
    # A folder's page is linked as the folder.
    url = page.removesuffix("index.html") if page.endswith("/index.html") else page
    url_field = field_name(source, "URL")
    if save_as_from is None:
        writes = f"its {field_name(source, 'Save_as')} writes"
        give = f"a {url_field}"
    else:
        writes = f"its save_as, from {save_as_from}, writes"
        give = f"a url (in {save_as_from}, or a {url_field} line)"
    return (
        f"{writes} its page to {shown_value(page)}, but it sets "
        f"no {url_field}, so its URL is {shown_value(content_url)} (from "
        f"{setting}), where no page is written: its Flattr thing has that URL, "
        f"which nobody can reach; give it {give} that leads to its page "
        f"({shown_value(url)}), or {field_line(source, 'Flattr', 'no')}"
    )


# What a static host adds to a URL's path to find the file it serves there:
# GitHub Pages, Netlify and Cloudflare Pages serve /x from x.html, and send
# /x to /x/, a folder whose index.html they serve.
_SERVED_ENDINGS = (".html", "/index.html")


def serves_its_page(content_url: str, page: str) -> bool:
    """Whether a static host serves ``page`` (content's save_as, with "/"
    separators) at ``content_url`` (its url, relative to the site), which
    it decodes as a server does: the URL is the page; the URL of a folder
    (or of the site's root, "") whose ``index.html`` the page is; or the
    URL with ".html" or "/index.html" after it (``_SERVED_ENDINGS``).

    A few string operations, asked of every content whose url is not its
    save_as: Pelican's default settings make them one string, and its
    documented pretty URLs ("{slug}/" saved as "{slug}/index.html") one
    ending to compare."""
    url = content_url.lstrip("/")
    if "%" in url:
        url = unquote(url)
    if page != url:
        if "//" in url:
            # "posts//a.html" is served as "posts/a.html", as the page is
            # written (servers merge the slashes: nginx by default).
            url = _SLASHES.sub("/", url)
        if "." in url:
            # "./dotty/" is asked for as "dotty/", as clients resolve it.
            url = _without_dot_segments(url)
    if page == url:
        return True
    if not page.startswith(url):
        return False
    ending = page[len(url) :]
    return ending in _SERVED_ENDINGS or (
        ending == "index.html" and (not url or url.endswith("/"))
    )


_SLASHES = lazy_regex("/{2,}")


def _without_dot_segments(path: str) -> str:
    """``path`` (a URL's, relative to the site) with its "." and ".."
    segments resolved, as a client resolves them before it asks (RFC 3986,
    5.2.4); one that ended in such a segment names a folder."""
    if "./" not in path and not path.endswith((".", "/..")):
        return path
    segments = path.split("/")
    kept: list[str] = []
    for segment in segments:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    resolved = "/".join(kept)
    if segments[-1] in (".", "..") and resolved and not resolved.endswith("/"):
        resolved += "/"
    return resolved


def page_for_url(url: str) -> str:
    """A save_as that a static host serves at ``url`` (a URL under the
    site, or a URL setting's value), as an HTML page: a folder's
    ``index.html``; the URL itself when it ends in ".html" or ".htm"; else
    the URL with ".html" after it (a last part with a dot, "python3.11",
    saved as it is, would be sent as no web page)."""
    url = url.lstrip("/")
    if not url or url.endswith("/"):
        return f"{url}index.html"
    if url.endswith((".html", ".htm")):
        return url
    return f"{url}.html"


def url_for_page(page: str) -> str:
    """The URL that leads to ``page`` (a save_as, or a SAVE_AS setting's
    value) as a static host serves it: a folder's ``index.html`` is linked
    as the folder, any other page as itself."""
    if page == "index.html" or page.endswith("/index.html"):
        return page.removesuffix("index.html")
    return page


def _path_for_absolute_url(content_url: str, page: str) -> str:
    """The path under the site of content whose Pelican URL, ``content_url``,
    is absolute: its written page, ``page`` (its ``save_as``).

    A link post or cross-post (``URL: https://other.example/post.html``) is
    written by this build all the same, and that page is the address of the
    site that serves it. Joined to SITEURL, the URL would be no address at
    all; taken as it is, another site's, or another page's of this one.
    The feed entries link the URL: only one that links the page is found
    under the page's key (``feeds.item_key``), as entries linked outside
    the site get no payment link.
    """
    if _is_absolute(page):
        # Pelican writes it at output/https:/host/..., a path that no
        # SITEURL joined to it names.
        raise _FieldError(
            f"its 'url' {shown_value(content_url)} is an address of its own, and "
            f"its 'save_as' {shown_value(page)} no path in the output folder: no "
            "address of the site serves it (give it a Save_as: such as "
            "'post.html')"
        )
    return page


def _is_absolute(url: str) -> bool:
    """Whether ``url`` is an address of its own rather than a path under
    the site: it has a scheme, or is protocol-relative (``//host/path``)."""
    return url.startswith("//") or _SCHEME.match(url) is not None


def own_thing_url(content_url: str, settings: FlattrSettings) -> str:
    """The thing URL of content whose ``url`` is ``content_url`` (its
    ``ContentThing.content_url``) when it pins none: its page's URL under
    ``FLATTR_SITEURL`` (or ``SITEURL``)."""
    # A slug may hold a space, which would make the thing URL no URL: not in
    # an href, nor as a pinned URL, which the URL guard advises when it moves.
    # A URL that starts with "/" (ARTICLE_URL = "/posts/{slug}/") keeps the
    # "//" that themes link it with ({{ SITEURL }}/{{ article.url }}): its
    # things have that URL on Flattr, and one slash fewer would strand their
    # flattrs. Its feed entries are found all the same (feeds.feed_key).
    return f"{settings.siteurl}/{url_safe(content_url)}"


def _image(
    content: Any,
    settings: FlattrSettings,
    files: Mapping[str, Any] | None,
    files_later: Mapping[str, Any] | None = None,
) -> tuple[str | None, str | None, bool]:
    """The absolute ``og:image`` URL of ``content`` (None when there is none
    or it is unusable), what is wrong with the field, for the log (not
    what is wrong with the value ``DEFAULT_METADATA`` gave it, said once of
    the setting: ``default_image_warning``), and whether a link in it named
    no file in ``files``. ``files`` and ``files_later`` as ``resolve``
    takes them."""
    url, problem, field, missing = _image_of(
        content.metadata, content, settings, files, files_later
    )
    if field is not None:  # only an unusable value reads the settings
        defaults = (getattr(content, "settings", None) or {}).get("DEFAULT_METADATA")
        if isinstance(defaults, Mapping) and from_defaults(
            content.metadata, field, defaults
        ):
            problem = None
    return url, problem, missing


def _image_of(
    metadata: Mapping[str, Any],
    content: Any,
    settings: FlattrSettings,
    files: Mapping[str, Any] | None = None,
    files_later: Mapping[str, Any] | None = None,
) -> tuple[str | None, str | None, str | None, bool]:
    """What ``_image`` says of ``metadata``, that of ``content`` (or None:
    links are then resolved from no content's folder, to no file), with,
    third, the field whose value the problem is wrong with whatever content
    has it (None without a problem, or for a link to no file of the site)."""
    for field in IMAGE_FIELDS:
        value = metadata.get(field)
        if value is None:
            continue
        if isinstance(value, (list, tuple)):  # a field given twice in a file
            return (
                None,
                f"metadata '{field}' must be a single value; no og:image",
                field,
                False,
            )
        if not isinstance(value, str):  # DEFAULT_METADATA takes any value
            return (
                None,
                f"metadata '{field}' must be text (a URL), not "
                f"{type(value).__name__}; no og:image",
                field,
                False,
            )
        value = value.strip()
        if not value:
            continue
        url, found = _image_url(value, content, settings, files)
        reason = check_thing_url(url)
        if reason is not None:
            problem = f"metadata '{field}' {reason}: {shown_value(value)}; no og:image"
            return None, problem, field, False
        if found:
            return url, None, None, False
        if _links_to_one_of(value, content, files_later):
            return url, None, None, True
        return (
            url,
            f"metadata '{field}' links to {shown_value(value)}, "
            "not a file of the site: og:image links to it all the same",
            None,
            True,
        )
    return None, None, None, False


def default_image_warning(
    settings: Mapping[str, Any], flattr_settings: FlattrSettings
) -> str | None:
    """What to say, once for the setting, of an ``Og_image`` or ``Image`` in
    ``DEFAULT_METADATA`` that no page can use (not text, or no URL): every
    article's page would otherwise say it, naming a file without the field.
    Nothing without Open Graph tags, which alone publish it."""
    defaults = settings.get("DEFAULT_METADATA")
    if not flattr_settings.open_graph or not isinstance(defaults, Mapping):
        return None
    _, problem, field, _ = _image_of(defaults, None, flattr_settings)
    return None if field is None else f"DEFAULT_METADATA: {problem}"


def _image_url(
    value: str, content: Any, settings: FlattrSettings, files: Mapping[str, Any] | None
) -> tuple[str, bool]:
    """``value`` as an absolute URL, and False for a ``{static}``,
    ``{attach}`` or ``{filename}`` link to a file that is not in the site
    (looked up in ``files``, as ``resolve`` takes it).

    Links are resolved as Pelican resolves them in a body: from the
    content's own folder unless they start with "/", to the linked file's
    URL (which ``{attach}`` moves). A link to a missing file keeps its path,
    as Pelican keeps it in a body. The file's path is percent-encoded
    (``Screen Shot.png``, ``a#1.png``); a value that is no such link is a
    URL already, and only its whitespace is.
    """
    link = _link(value, content)
    if link is None:
        if _is_absolute(value):
            # As written, for the caller to refuse unless it is http(s): a
            # "javascript:" or "mailto:" value is no file under the site URL.
            return value, True
        return url_safe(f"{settings.files_url}/{value.lstrip('/')}"), True
    prefix, path, suffix = link
    if files is None:
        files = getattr(content, "_context", None) or {}
    kinds = ("generated_content", "static_content")
    for kind in kinds if prefix == "{filename}" else kinds[1:]:
        linked = files.get(kind, {}).get(path)
        if linked is not None:
            if prefix == "{attach}" and hasattr(linked, "attach_to"):
                # As Pelican does for an {attach} link in the body, and
                # before reading its URL: reading it pins the file where it
                # is, and a later attach_to() would only warn.
                linked.attach_to(content)
            url = f"{settings.files_url}/{_file_path(str(linked.url))}"
            return url + suffix, True
    return f"{settings.files_url}/{_file_path(path)}{suffix}", False


def _link(value: str, content: Any) -> tuple[str, str, str] | None:
    """The prefix of ``value``, a ``{static}``, ``{attach}`` or
    ``{filename}`` link (None for a value that is none), the path it links
    to in the content folder, and the query or fragment after the path,
    URL-safe. The path is from ``content``'s own folder unless it starts
    with "/", as Pelican resolves a link in a body."""
    prefix = next((p for p in _LINK_PREFIXES if value.startswith(p)), None)
    if prefix is None:
        return None
    # A query or fragment (cover.png?v=2) follows the file's URL, as Pelican
    # keeps it on a link in a body.
    written = value[len(prefix) :]
    cut = min((at for at in map(written.find, "?#") if at >= 0), default=len(written))
    path = unquote(written[:cut])
    if path.startswith("/"):
        path = path[1:]
    else:
        folder = str(getattr(content, "relative_dir", "") or "").replace("\\", "/")
        path = posixpath.normpath(posixpath.join(folder, path))
    return prefix, path, url_safe(written[cut:])


def _links_to_one_of(value: str, content: Any, files: Mapping[str, Any] | None) -> bool:
    """Whether ``value`` links to one of the static files of ``files`` (a
    Pelican context). Looked up without resolving the link: an ``{attach}``
    link moves the file it resolves to."""
    link = _link(value, content)
    static = files.get("static_content", {}) if files is not None else {}
    return link is not None and link[1] in static


def _file_path(path: str) -> str:
    """A file's path as a URL path: every character a URL path cannot hold
    as it is percent-encoded, "#", "?" and "%" included (``a#1.png`` is a
    file's name, not ``a`` and a fragment; ``100%.png`` no escape)."""
    return quote(path.lstrip("/"), safe="/!$&'()*+,;=:@~")


def open_graph(
    content: Any, content_thing: ContentThing, settings: FlattrSettings
) -> tuple[tuple[str, str], ...]:
    """(property, content) pairs for ``<meta property=...>`` of ``content``.

    Built when the page's head is rendered rather than kept on every
    article: on a large site they would be the plugin's largest memory cost.
    """
    if not settings.open_graph:
        return ()
    thing, is_article = content_thing.thing, content_thing.is_article
    # A description keeps the line breaks Flattr shows; a meta tag's content
    # is one line. Only line breaks need folding: the rest of its whitespace
    # is single spaces already (strip_html), and folding every long one
    # anew cost ~4 µs per page.
    description = thing.description
    if "\n" in description:
        description = fold_spaces(description)
    description = shorten(description, OPEN_GRAPH_DESCRIPTION_LIMIT)
    pairs = [
        ("og:title", thing.title),
        ("og:type", "article" if is_article else "website"),
        ("og:url", thing.url),
        ("og:description", description),
    ]
    site_name = _plain_site_name(settings.site_name) if settings.site_name else ""
    if site_name:
        pairs.append(("og:site_name", site_name))
    pairs.append(("og:locale", _og_locale(content_thing.lang, thing.language)))
    image = content_thing.image
    if content_thing.image_files is not None:
        # Looked up in the context as it is now, which i18n_subsites has
        # given the main site's static files since the thing was resolved
        # (warned about then, unless the file was to come).
        image = _image(content, settings, content_thing.image_files)[0]
    if image:
        pairs.append(("og:image", image))
    if not is_article:
        return tuple(pairs)
    date = getattr(content, "date", None)
    if date is not None:
        published = date.isoformat()
        pairs.append(("article:published_time", published))
        modified = getattr(content, "modified", None)
        pairs.append(
            ("article:modified_time", modified.isoformat() if modified else published)
        )
    for author in getattr(content, "authors", None) or ():
        _add_name(pairs, "article:author", author.name)
    category = getattr(content, "category", None)
    if category is not None:
        _add_name(pairs, "article:section", category.name)
    tags_seen: set[str] = set()
    for tag in getattr(content, "tags", None) or ():
        # Its whitespace folded, and repeats dropped, as in its Flattr tag
        # (thing_tags), which also takes "," and ";" for spaces.
        _add_name(pairs, "article:tag", " ".join(str(tag.name).split()), tags_seen)
    return tuple(pairs)


def _add_name(
    pairs: list[tuple[str, str]],
    prop: str,
    name: object,
    seen: set[str] | None = None,
) -> None:
    """Add a Pelican name (author, category, tag) as ``prop``'s value,
    unless ``seen`` holds it already (in any case).

    Pelican keeps control characters in names, and HTML forbids them:
    cleaned as a thing's tags are, after one isprintable() (false also for
    a no-break space, which printable_text() keeps as it is); a name left
    empty is no value.
    """
    text = str(name)
    if not text.isprintable():
        text = printable_text(text)
    if not text:
        return
    if seen is not None:
        folded = text.casefold()
        if folded in seen:
            return
        seen.add(folded)
    pairs.append((prop, text))


# Every page of a build asks for the same few: cleaned once, as a thing's
# title is (which may end with the site name).
@functools.lru_cache(maxsize=8)
def _plain_site_name(site_name: str) -> str:
    return plain_text(site_name)


# The territory CLDR's likely subtags give a language written in a script,
# where it is not the territory of Flattr's code for that language: Flattr's
# one Chinese is zh_CN, whose script is the simplified one.
_SCRIPT_TERRITORIES = {("zh", "hant"): "TW"}


@functools.lru_cache(maxsize=64)
def _og_locale(page_lang: str, flattr_code: str) -> str:
    """``og:locale`` (language_TERRITORY) for a page in ``page_lang`` (its
    BCP 47 tag, as ``bcp47`` writes it).

    The page's language, not the thing's Flattr code, which may be the site
    default standing in for a language Flattr never had. A language without
    a territory takes the one its script is most written in (``zh-Hant`` is
    ``zh_TW``), else the Flattr code's when they are the same language
    (``en`` becomes ``en_GB``), else that of Flattr's code for the page's
    language (``en`` of a thing in ``de_DE`` is ``en_GB`` too); a language
    Flattr has no code for, without one, is given alone (``uz``): a
    territory guessed for it would be a claim the page never made, and the
    stand-in code's would name another language. A tag with no language of
    two or three letters (none; a private-use ``x-klingon``, a grandfathered
    ``i-klingon``) gives the Flattr code's, as a page without a language
    does.
    """
    flattr_locale = html_lang(flattr_code).replace("-", "_")
    base, _, rest = page_lang.partition("-")
    if not (2 <= len(base) <= 3 and base.isascii() and base.isalpha()):
        return flattr_locale
    base = base.lower()
    script = ""
    # BCP 47's order: extended languages (zh-yue), a script, a region, then
    # variants and extensions (de-CH-1901), which say nothing of where.
    for subtag in rest.split("-") if rest else ():
        if len(subtag) == 2 and subtag.isalpha():
            return f"{base}_{subtag.upper()}"
        if len(subtag) == 3 and subtag.isdigit():
            # A UN M.49 region (es-419, Latin America; en-001, the world):
            # Open Graph's ll_TT takes two letters, a country's, and the
            # region names no one country. The language alone, as for a
            # language Flattr never had: es_ES would claim Spain.
            return base
        if len(subtag) == 4 and subtag.isalpha():
            script = subtag.lower()
        elif len(subtag) != 3:
            break
    territory = _SCRIPT_TERRITORIES.get((base, script))
    if territory is not None:
        return f"{base}_{territory}"
    if flattr_locale.partition("_")[0] == base:
        return flattr_locale
    # Flattr_language named another language than the page's: the territory
    # of Flattr's code for the page's own language, written in the page's
    # (Norwegian Bokmål "nb" is nb_NO, not Flattr's no_NO).
    own = flattr_language(base)
    if own is not None:
        return f"{base}_{own.partition('_')[2]}"
    return base


def _page(content: Any, content_url: str) -> str:
    """The written page: Pelican's ``save_as``, the same string as the URL
    when they are equal (as with Pelican's default ``ARTICLE_URL``)."""
    page = str(content.save_as).replace("\\", "/")
    return content_url if page == content_url else page


def resolve(
    content: Any,
    settings: FlattrSettings,
    is_article: bool,
    source: str | None = None,
    save_as_is_url: bool = False,
    content_url: str | None = None,
    files: Mapping[str, Any] | None = None,
    files_later: Mapping[str, Any] | None = None,
) -> Resolution:
    """Decide whether ``content`` gets a thing, and build it.

    ``source`` (the content's ``relative_source_path``), whether its
    ``save_as`` is its ``url``, and its ``url`` are asked of ``content``
    unless the caller, who may know them more cheaply, says. ``files`` is
    this build's Pelican context, whose ``static_content`` and
    ``generated_content`` an ``og_image`` link is looked up in; without it,
    the content's own, which for an article Pelican's generator cache kept
    is the context of the build that cached it. A link that names no file
    there is looked up again when the page is rendered; it is no file of
    the site, and warned of, unless it names one of the static files of
    ``files_later``, a Pelican context whose static files are given to
    ``files`` before the pages are written (with i18n_subsites, the main
    site's, on a language's site).
    """
    metadata = content.metadata
    # Every field is checked, so that one build names all of an article's
    # mistakes: fixing them one build at a time would be a chore.
    problems: list[str] = []
    try:
        if _bool_field(metadata, OPT_OUT) is False:
            return Resolution()
    except _FieldError as error:
        meant = _owner_meant(
            metadata, settings, lambda: _spelled_in(content, source, OPT_OUT)
        )
        problems.append(f"{error}{meant}")
    if content_url is None:
        content_url = content.url
    page = content_url if save_as_is_url else _page(content, content_url)
    if "//" in page or "./" in page:
        # As the file system names the file Pelican writes, and the audit
        # finds it: posts//a.html and posts/./a.html are posts/a.html.
        page = posixpath.normpath(page)
    if not page:
        # An empty SAVE_AS (or Save_as:) is Pelican's way to leave a page
        # unwritten: nothing there to flattr, as with a draft.
        return Resolution()
    # One search on the common path: an absolute URL holds "//".
    if "//" in content_url and _is_absolute(content_url):
        try:
            content_url = _path_for_absolute_url(content_url, page)
        except _FieldError as error:
            problems.append(str(error))
    try:
        owner, why_none, owner_author, username_authors = _owner(
            content, settings, source
        )
    except _FieldError as error:
        problems.append(_problem(error))
        owner = why_none = owner_author = None
    # FLATTR_CATEGORY was checked with the settings.
    category = settings.category
    try:
        category = _explicit_category(metadata) or category
    except _FieldError as error:
        problems.append(str(error))
    try:
        language, fallback, language_region = _language(content, settings)
    except _FieldError as error:
        problems.append(str(error))
    explicit_tags = _tags_field_or_none(metadata, problems)
    if explicit_tags is not None:
        tags = thing_tags(explicit_tags)
    else:
        own = [tag.name for tag in getattr(content, "tags", None) or ()]
        tags = thing_tags(own, settings.tags)
    try:
        hidden = _bool_field(metadata, HIDDEN)
    except _FieldError as error:
        problems.append(str(error))
    try:
        url = _thing_url(content, content_url, settings)
    except _FieldError as error:
        problems.append(_problem(error))
    # Four scans in C on the common path (cheaper than one regular
    # expression's call): Pelican's own slugs hold none of these.
    page_url_character = (
        _not_the_pages_address(content_url, page)
        if (
            "#" in content_url
            or "?" in content_url
            or "%" in content_url
            or "\\" in content_url
        )
        and not _pinned(metadata)
        else None
    )
    # Pelican's own field, read here for the thing's title: a Title given
    # twice makes a list, which Pelican prints as it is.
    title = getattr(content, "title", "")
    if not isinstance(title, str):
        problems.append("metadata 'title' must be a single value")
    # Content without an owner is checked all the same: its author's
    # mistakes come out now, not in the build after they sign up.
    if problems or owner is None:
        # An owner that could not be read is among the problems.
        return Resolution(problems=tuple(problems), notice=why_none or None)
    if hidden is None:
        # Content Pelican hides (Status: hidden: a 404 page, an unlisted
        # article) is in no listing or feed of the site: Flattr's public
        # listings would show its URL, title and description all the same.
        hidden = settings.hidden or getattr(content, "status", None) == "hidden"
    title = thing_title(title, settings.site_name)
    thing = Thing(
        url=url,
        owner=owner,
        title=title,
        description=thing_description(_summary_text(content, settings), title),
        category=category,
        language=language,
        tags=tags,
        hidden=hidden,
    )
    image, image_problem, image_files, open_graph_texts = None, None, None, ()
    if settings.open_graph:
        image, image_problem, missing = _image(content, settings, files, files_later)
        if missing:
            image_files = files
            if image_files is None:
                image_files = getattr(content, "_context", None) or {}
        open_graph_texts = _open_graph_texts_with_at(image, content, is_article)
    return Resolution(
        content_thing=ContentThing(
            thing=thing,
            source=source or str(content.relative_source_path).replace("\\", "/"),
            page=page,
            button_style=settings.button,
            is_article=is_article,
            content_url=content_url,
            lang=bcp47(str(getattr(content, "lang", None) or "")),
            image=image,
            image_files=image_files,
            owner_author=owner_author,
        ),
        language_fallback=fallback,
        language_region=language_region,
        username_authors=username_authors,
        warning=image_problem,
        open_graph_texts=open_graph_texts,
        page_url_character=page_url_character,
    )


def _open_graph_texts_with_at(
    image: str | None, content: Any, is_article: bool
) -> tuple[tuple[str, str], ...]:
    """The values the page's Open Graph tags add that may hold an address
    (an "@", as written or escaped): its image, and an article's category,
    which ``article:section`` repeats. Tags, title and description are the
    thing's own, and checked as such."""
    texts = []
    if image and ("@" in image or "%40" in image):
        texts.append(("image (og:image)", unquote(image)))
    category = getattr(content, "category", None) if is_article else None
    if category is not None and "@" in (name := str(category.name)):
        texts.append(("category (article:section)", name))
    return tuple(texts)


def site_thing_url(settings: FlattrSettings) -> str:
    """The thing URL of the site itself, which content at its root shares."""
    return f"{settings.siteurl}/"


def site_thing(settings: FlattrSettings) -> Thing:
    """The site itself, owned by FLATTR_USERNAME: the feeds' own payment link."""
    # A short name (技術部, نادي) gets the site's address after it, not
    # "(untitled)": the site has a name, Flattr's shortest title is 5.
    address = settings.siteurl.partition("://")[2] or settings.siteurl
    title = thing_title(settings.site_name or settings.siteurl, address)
    return Thing(
        url=site_thing_url(settings),
        owner=settings.username,  # type: ignore[arg-type]
        title=title,
        description=thing_description(
            strip_html(settings.site_subtitle, keep_breaks=True), title
        ),
        category=settings.category,
        language=settings.language,
        tags=thing_tags(settings.tags),  # as an article's: no "," or ";"
        hidden=settings.hidden,
    )
