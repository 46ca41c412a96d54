"""The manifest: every thing one build submitted, as a deterministic JSON file.

Sorted by thing URL and formatted stably, so that two builds of the same
content give byte-identical files, and written atomically, so that a reader
never sees half a manifest. ``manifest.schema.json`` beside this module is
its JSON Schema.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import gzip
import json
import logging
import os
import re
import secrets
import shlex
import stat
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any

from .files import NAME_MAX, cut_name, is_empty_file
from .lazy_regex import lazy_regex
from .resolve import ContentThing
from .settings import MANIFEST_NAME

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")

logger = logging.getLogger("pelican_flattr")


class ManifestError(ValueError):
    """A manifest file that cannot be read; the message names the file."""


class BaselineGivenError(ManifestError):
    """The URL guard's baseline, given where a manifest was asked for: the
    message names the file. ``pelican-flattr diff`` reads it as the old
    side."""


def json_problem(error: ValueError) -> str:
    """What json's ``error`` says, for the operator of a file: of an
    integer too long, without Python's advice to raise the limit
    (``sys.set_int_max_str_digits()``), which is for a program's author."""
    return str(error).split("; use sys.set_int_max_str_digits()")[0]


def portable_path(name: str) -> str:
    """``name`` (a path Python read from the file system) as text that can
    be written as UTF-8: a byte that is not UTF-8, which Python keeps as a
    lone surrogate, becomes a ``\\xNN`` escape, and bytes of UTF-8 that
    the locale did not decode (an ASCII one) become their text, whatever
    the locale. Other names are unchanged.
    """
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return os.fsencode(name).decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            # A surrogate no byte gives ("\ud800"): no file's name, but a
            # baseline edited by hand may hold one. Shown as its escape.
            return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name


# The escape portable_path writes for a byte that is not UTF-8: always
# one past ASCII, in backslashreplace's lower-case hex.
_BYTE_ESCAPE = lazy_regex(r"\\x([89a-f][0-9a-f])")


def portable_path_bytes(recorded: str) -> bytes:
    """The bytes of the path that ``portable_path`` recorded as
    ``recorded``, whatever the locale: each ``\\xNN`` escape of a byte past
    ASCII that byte, the rest its UTF-8 (as ``portable_path`` writes a name
    that was UTF-8). ``portable_path_bytes(portable_path(os.fsdecode(b)))
    == b`` for every name ``b`` that does not itself hold such an escape
    as text.

    A name that held the four characters ``\\xe9`` reads as one that held
    the byte: a caller looking for a file tries the name as it reads
    first. A lone surrogate (no file's name: ``portable_path`` writes one
    as its escape) is given as its UTF-8 form.
    """
    if "\\x" not in recorded:
        return recorded.encode("utf-8", "surrogatepass")
    parts = _BYTE_ESCAPE.split(recorded)  # text, hex, text, ..., text
    return b"".join(
        bytes.fromhex(part) if index % 2 else part.encode("utf-8", "surrogatepass")
        for index, part in enumerate(parts)
    )


def _recorded_path(name: str, what: str) -> str:
    """``portable_path(name)``, saying so when the name had to be escaped:
    the manifest then holds a name that is not quite the file's."""
    if name.isascii():  # nearly every name: no call, no comparison
        return name
    recorded = portable_path(name)
    if recorded == name:
        return name
    try:
        # Under an ASCII locale (Python's C locale without its UTF-8 mode)
        # every byte past ASCII of a name is a surrogate: bytes that are
        # UTF-8 are recorded as their text, as a UTF-8 locale reads them.
        os.fsencode(name).decode("utf-8")
    except UnicodeDecodeError:
        logger.warning(
            "pelican-flattr: the %s name %s is not valid UTF-8; the manifest "
            "records it so, with \\xNN escapes. Rename the file.",
            what,
            recorded,
        )
    return recorded


def manifest_line(
    content_thing: ContentThing,
    feeds: Iterable[str] = (),
    auto_submit_url: str | None = None,
    button_style: str | None = None,
) -> str:
    """The manifest's record of one thing, and the feeds that carry it
    (``auto_submit_url``: the thing's, when the caller has it), as the JSON
    text the manifest holds for it: what ``json.dumps(entry,
    sort_keys=True, ensure_ascii=False)`` gives for the dict
    ``load_manifest`` reads back (a test holds the two equal), but for
    U+0085, U+2028 and U+2029, written as ``\\u`` escapes (``_one_line``).

    Put together from json's own string encoder (the C function json.dumps
    calls for every string) rather than by encoding the dict: a build
    writes one per thing, and json's generic path cost ~10 µs each, most of
    it walking the dict and building an encoder per call. ``feeds`` are
    taken as the manifest holds them (``portable_path``), as the plugin
    records them. ``button_style``: the style the page shows, when a
    template chose another than the configured one.
    """
    thing, text = content_thing.thing, encode_basestring
    owner = thing.owner
    # Keys in sorted order; separators as json.dumps writes them.
    line = (
        f'{{"auto_submit_url": {text(auto_submit_url or thing.auto_submit_url)}'
        f', "button": {text(button_style or content_thing.button_style)}'
        f', "category": {text(thing.category)}'
        f', "description": {text(thing.description)}'
        f', "feeds": {_json_strings(sorted(set(feeds)))}'
        f', "hidden": {"true" if thing.hidden else "false"}'
        f', "language": {text(thing.language)}'
        f', "owner": {{"kind": {text(owner.kind)}, "value": {text(owner.value)}}}'
        f', "page": {text(_recorded_path(content_thing.page, "page"))}'
        f', "source": {text(_recorded_path(content_thing.source, "content file"))}'
        f', "tags": {_json_strings(thing.tags)}'
        f', "title": {text(thing.title)}'
        f', "url": {text(thing.url)}}}'
    )
    # isascii() is a flag read: only a line past ASCII is searched.
    return line if line.isascii() else _one_line(line)


# What str.splitlines() (and JavaScript before ES2019, in a string) ends a
# line at, and json writes as it is: a file name, a slug or a feed's path
# may hold one, which would split a thing's line in two. (A title, a
# description and tags are cleaned of them as they are made.)
_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _one_line(json_text: str) -> str:
    """``json_text`` (JSON, as json writes it) with U+0085, U+2028 and
    U+2029 written as ``\\u`` escapes, which json reads back as the same
    characters: a line of the manifest stays one line for every reader."""
    for character in _LINE_BREAKS:
        # A search in C first: a line without them is not copied.
        if character in json_text:
            json_text = json_text.replace(character, f"\\u{ord(character):04x}")
    return json_text


def _json_strings(values: Iterable[str]) -> str:
    """A list of strings as JSON text, as ``json.dumps`` writes it."""
    return f"[{', '.join(map(encode_basestring, values))}]"


def json_lines(
    header: Mapping[str, Any],
    name: str,
    items: Iterable[Any],
    items_are_json: bool = False,
) -> Iterator[str]:
    """A JSON object as text chunks: ``header``'s keys, then ``name`` as a
    list with one item per line (``items`` already JSON text when
    ``items_are_json``). Keys sorted, UTF-8, one newline at the end.

    Streamed, so that a large list is never held twice as text, and written
    by json's C encoder (an indented dump falls back to pure Python).
    """
    fields = dict(header)
    fields[name] = None
    yield "{"
    for index, key in enumerate(sorted(fields)):
        yield ("," if index else "") + f"\n  {_dump(key)}: "
        if key != name:
            yield _dump(fields[key])
            continue
        empty = True
        for position, item in enumerate(items):
            text = item if items_are_json else _dump(item)
            yield ("[" if position == 0 else ",") + f"\n    {text}"
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}\n"


# What json.dumps(value, sort_keys=True, ensure_ascii=False) does, without
# building an encoder for each call.
_dump = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def manifest_chunks(
    siteurl: str,
    content_things: Iterable[ContentThing],
    feeds_by_source: Mapping[str, Iterable[str]] | None = None,
    auto_submit_urls: Callable[[str], str | None] | None = None,
    open_graph: bool = True,
    shown_styles: Mapping[str, str] | None = None,
    feed_payment_links: bool = True,
    site_payment_link: str | None = None,
) -> Iterator[str]:
    """The manifest's text, in chunks: the same things always give the same
    bytes. Things are sorted by URL; each entry is built as it is written.

    ``auto_submit_urls`` maps a thing URL to its auto-submit URL when that
    was kept (see ``UrlSpool``), or to None. ``open_graph``: whether the
    pages carry Open Graph tags (FLATTR_OPEN_GRAPH), which the audit checks.
    ``shown_styles`` maps a thing URL to the button style its page shows
    where a template chose another than the configured one.
    ``feed_payment_links``: whether the build put payment links in feeds
    (FLATTR_FEEDS), which the audit otherwise requires of every entry.
    ``site_payment_link``: the auto-submit URL of the site's own thing
    (``FLATTR_USERNAME``), the payment link of every feed, which the audit
    checks there.

    Nothing is checked here: the build's things were checked as they were
    made, and this writes one line per thing. It expects what the build
    gives: one thing per thing URL, each with a ``source`` and a ``page``
    that are not empty (the page and its feeds relative to the output
    folder, with / separators, no ".."), a ``button_style`` of plain, js or
    compact, and a thing made by ``make_thing`` or checked as it checks.
    ``load_manifest`` refuses a manifest written otherwise.
    """
    feeds_by_source = feeds_by_source or {}
    kept = auto_submit_urls or (lambda url: None)
    ordered = sorted(content_things, key=lambda ct: (ct.url, ct.source))
    styles = shown_styles or {}
    lines = (
        manifest_line(
            ct, feeds_by_source.get(ct.source, ()), kept(ct.url), styles.get(ct.url)
        )
        for ct in ordered
    )
    # Written only when false: a manifest of the default build stays what
    # consumers of schema version 1 validated before the field existed.
    header: dict[str, Any] = {} if feed_payment_links else {"feed_payment_links": False}
    if feed_payment_links and site_payment_link:
        # Written only when the feeds carry one, as feed_payment_links is.
        header["site_payment_link"] = site_payment_link
    return json_lines(
        {
            **header,
            "open_graph": open_graph,
            "schema_version": SCHEMA_VERSION,
            "siteurl": siteurl,
        },
        "things",
        lines,
        items_are_json=True,
    )


class UrlSpool:
    """Auto-submit URLs set aside on disk as pages use them, for the manifest.

    Building a thing's URL again for its manifest line costs ~14 µs; keeping
    every URL in memory until the manifest is written, ~1 KB per thing for
    the whole build. Here each costs a buffered write, one number kept by
    thing URL, and a read when the manifest is written. An I/O error
    switches it off: the manifest then builds the URLs again.
    """

    _LENGTH_BITS = 24  # a span is offset << 24 | length; URLs are < 16 MiB

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._size = 0
        self._spans: dict[str, int] = {}
        self._off = False
        self._read_since_write = False

    def put(self, thing_url: str, auto_submit_url: str) -> None:
        """Keep ``auto_submit_url`` for the thing at ``thing_url``."""
        if self._off:
            return
        data = auto_submit_url.encode("utf-8")
        if len(data) >> self._LENGTH_BITS:
            return
        try:
            if self._file is None:
                # Kept open from page to page until close().
                self._file = tempfile.TemporaryFile()  # noqa: SIM115
            elif self._read_since_write:
                self._file.seek(self._size)
                self._read_since_write = False
            self._file.write(data)
        except OSError:
            self.close()
            self._off = True
            return
        self._spans[thing_url] = self._size << self._LENGTH_BITS | len(data)
        self._size += len(data)

    def get(self, thing_url: str) -> str | None:
        """The auto-submit URL kept for ``thing_url``, or None."""
        span = self._spans.get(thing_url)
        if span is None or self._file is None:
            return None
        length = span & ((1 << self._LENGTH_BITS) - 1)
        self._read_since_write = True
        try:
            self._file.seek(span >> self._LENGTH_BITS)
            data = self._file.read(length)
        except OSError:
            return None
        return data.decode("utf-8") if len(data) == length else None

    def has(self, thing_url: str) -> bool | None:
        """Whether an auto-submit URL is kept for ``thing_url``; None once
        an I/O error switched the spool off, when that cannot be told."""
        return None if self._off else thing_url in self._spans

    def close(self) -> None:
        """Forget everything kept and delete the file."""
        if self._file is not None:
            # Closing writes what the buffer holds, which fails again on the
            # full disk that switched the spool off: the file is closed all
            # the same, and nothing in it is needed.
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self._spans = {}
        self._size = 0


MISSING = "does not exist (yet)"
# Why a build left no manifest, and what to do, after "no such manifest"
# (audit's, diff's): a failed strict build removes the one it replaces, and
# "no such manifest" alone sent people looking for a wrong path.
NO_MANIFEST_WRITTEN = (
    "build the site with PLUGINS = ['pelican_flattr'] and no error from "
    "pelican-flattr in the build's log (a build whose settings it refused, one "
    "that could not write the manifest, or a strict build that failed, removes "
    "the manifest)"
)


def file_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a file to read: None when it is one, ``MISSING``
    when nothing is there, or the reason.

    Unlike ``Path.is_file()``, which in Python 3.11 raises for a folder the
    build may not enter or a name too long, and would end the build in a
    traceback.
    """
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return MISSING
    except OSError as error:
        return f"cannot be examined ({error.strerror or error})"
    if stat.S_ISREG(mode):
        return None
    return "is a folder, not a file" if stat.S_ISDIR(mode) else "is not a file"


def file_in_the_way(path: str | os.PathLike[str]) -> Path | None:
    """The file that stands where a folder of ``path`` should be, which
    keeps anything from being there; None when there is none."""
    for folder in Path(path).parents:
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            continue  # not there, or not to be examined: its own message's
        return None if stat.S_ISDIR(mode) else folder
    return None


# How much of an existing file is read to tell what it is: a manifest's
# header (schema_version and the few fields sorted before it) opens the
# file, however many things follow it; so does a URL baseline's.
_HEAD_BYTES = 8192

# One key of a JSON object and its colon, for reading a file's header.
_KEY = lazy_regex(r'\s*("(?:[^"\\]|\\.)*")\s*:\s*')
_COMMA = lazy_regex(r"\s*,")
_decoder = json.JSONDecoder()


def not_a_manifest(path: Path) -> str | None:
    """What is at ``path`` when it is not a manifest, which a manifest must
    not replace: a content or settings file, a page the build wrote, a
    folder. None when there is nothing or a manifest.

    Reads no more than the first few KB of a file, whatever its size.
    Raises OSError when ``path`` cannot be examined or read.
    """
    return not_a_file_of(path, "schema_version", "a pelican-flattr manifest")


def damaged_manifest(path: Path) -> str | None:
    """What is at ``path`` when it is a manifest of this plugin's cut short
    before its opening was whole, which a build replaces rather than keeps
    as another's file: "an empty manifest (0 bytes)", an empty file under a
    name that ends in ``.json`` (a copy or a full disk cut it to nothing,
    or a ``touch`` made it for the first build), or "a damaged manifest,
    cut off after N bytes", a file that holds nothing but the start of the
    bytes the writer opens every manifest with. None for anything else.

    Bytes, not JSON: someone's own JSON, reformatted or not, or an empty
    file of another kind (a settings file not yet written) is not the
    writer's, and stays. A manifest cut after its ``schema_version`` is
    already one to ``not_a_manifest``. Raises OSError when ``path``
    cannot be read.
    """
    if not os.path.isfile(path):
        return None
    longest = max(map(len, _openings()))
    with open(path, "rb") as stream:
        head = stream.read(longest + 1)
    if not head:
        return "an empty manifest (0 bytes)" if _json_name(path) else None
    if any(opening.startswith(head) for opening in _openings()):
        return f"a damaged manifest, cut off after {len(head)} bytes"
    return None


def _json_name(path: str | os.PathLike[str]) -> bool:
    """Whether ``path``'s name ends in ``.json``, as a manifest's does."""
    return os.path.basename(path).lower().endswith(".json")


@functools.cache
def _openings() -> frozenset[bytes]:
    """The bytes a manifest the writer writes opens with, up to its
    ``schema_version``'s value: one for each header that may come before
    it (``feed_payment_links``, ``open_graph``), as ``manifest_chunks``
    writes them."""
    openings = set()
    for feed_payment_links in (True, False):
        for open_graph in (True, False):
            text = "".join(
                manifest_chunks(
                    "", (), open_graph=open_graph, feed_payment_links=feed_payment_links
                )
            )
            version = f'"schema_version": {SCHEMA_VERSION}'
            openings.add(text[: text.index(version) + len(version)].encode())
    return frozenset(openings)


def file_holds(path: str | os.PathLike[str], blocks: Iterable[bytes]) -> bool:
    """Whether the file at ``path`` holds ``blocks`` and nothing more,
    read a block at a time, never whole. Raises OSError."""
    with open(path, "rb") as stream:
        for block in blocks:
            if stream.read(len(block)) != block:
                return False
        return stream.read(1) == b""


def is_gzipped_manifest(path: Path) -> bool:
    """Whether ``path`` is a gzip file of a manifest (as pelican-precompress
    writes one beside it); reads no more than its first few KB."""
    try:
        with gzip.open(path, "rb") as stream:
            return _opens_with(stream.read(_HEAD_BYTES), "schema_version")
    except (OSError, EOFError, zlib.error):
        return False


def not_a_file_of(path: Path, version_key: str, kind: str) -> str | None:
    """What is at ``path`` when it is not ``kind``, a JSON file of this
    project that opens with an integer ``version_key``: "is a folder", "is
    not a regular file" or "is not KIND". None when there is nothing there,
    or such a file (whatever follows its opening: it may be damaged).

    Reads no more than the first few KB. Raises OSError when ``path``
    cannot be examined or read.
    """
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None  # nothing to lose; writing says what is wrong with the path
    if stat.S_ISDIR(mode):
        return "is a folder"
    if not stat.S_ISREG(mode):
        return "is not a regular file"  # a FIFO would be waited on for ever
    with open(path, "rb") as stream:
        head = stream.read(_HEAD_BYTES)
    return None if _opens_with(head, version_key) else f"is not {kind}"


def _opens_with(head: bytes, version_key: str) -> bool:
    """Whether ``head``, the start of a file, opens a JSON object with an
    integer ``version_key`` among the keys before the first that the head
    cuts off (a manifest's ``things``, on a large site).

    Any JSON layout counts, so that a file someone reformatted is still
    one.
    """
    # An incremental decoder leaves out a character the head cuts in two;
    # "utf-8-sig" drops the byte order mark an editor may have saved.
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head)
    except UnicodeDecodeError:
        return False
    start = re.match(r"\s*{", text)
    if start is None:
        return False
    decode, index = _decoder.raw_decode, start.end()
    while (key := _KEY.match(text, index)) is not None:
        try:
            name = json.loads(key.group(1))
            value, index = decode(text, key.end())
        except (ValueError, RecursionError):
            return False  # cut off by the head, or no JSON
        if name == version_key:
            return type(value) is int  # True is no version
        comma = _COMMA.match(text, index)
        if comma is None:
            return False
        index = comma.end()
    return False


def write_atomically(path: str | os.PathLike[str], text: str | Iterable[str]) -> None:
    """Replace ``path`` (a Path or str) with ``text`` (a string or chunks of
    one) so that no reader sees a partial file.

    A link at ``path`` is kept, and the file it points at replaced (see
    ``link_refused`` for the links it will not write through). The file
    gets the mode a file written in place would have: the one it has (an
    operator may have set it), or for a new one what the umask leaves of
    0666, as Pelican's pages get. A temporary file that a killed build left
    beside it is removed: it would be published with the site. Raises
    OSError naming ``path``, or its folder where no file could be made
    there.
    """
    path = Path(path)
    if path.is_symlink():
        # A link the operator made (to a folder a CI keeps, say) stays one:
        # the file it names is replaced. Replacing the link left the kept
        # file behind, never written again.
        refused = link_refused(path)
        if refused is not None:
            raise OSError(errno.ELOOP, refused, str(path))
        path = Path(os.path.realpath(path))
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)  # its error names the folder
    mode = _mode_for(path)
    _remove_leftovers(path)
    # Named before it is made, unlike mkstemp's, so that a Ctrl-C that
    # lands as it is made (or just after) finds it to delete: otherwise a
    # deploy before the next build published it.
    temporary = folder / (_temporary_prefix(path) + _random_suffix())
    made = False
    try:
        handle = os.open(temporary, _NEW_FILE, 0o600)
        made = True
        _hold(handle)
        # A lone surrogate (a file name that is not UTF-8) becomes its JSON
        # escape, which reads back as the same string, rather than an error.
        with os.fdopen(
            handle, "w", encoding="utf-8", errors="backslashreplace", newline="\n"
        ) as stream:
            stream.writelines([text] if isinstance(text, str) else text)
            stream.flush()
            # By the open file, not its name: one swapped for a link there
            # meanwhile would give another file the mode.
            if hasattr(os, "fchmod"):
                os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        if not hasattr(os, "fchmod"):
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        if made:
            temporary.unlink(missing_ok=True)
        # Not made: the folder refused a new file (read-only, full), which
        # the file itself, writable, does not tell.
        raise _naming(error, path if made else folder) from None
    except BaseException:
        # A Ctrl-C, before the file was made (nothing to delete: no other
        # file has its name) or once it was, as os.open returned.
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise


def link_refused(link: Path) -> str | None:
    """Why ``write_atomically`` writes nothing through ``link`` to the file
    it names (links followed); None when it may.

    A link in the output or the cache may be planted (a cache a CI restores
    from another branch's job): written through wherever it pointed, it had
    the build make ~/.profile, or a file in a folder a shell sources
    (~/.bashrc.d), holding article titles and file names. So a link is
    written through only to a file of its own name that is there, as a
    CI's link to a folder it keeps names one (its first build, an empty
    one: the caller checks that it is that, a manifest or a baseline):
    none a planted link can name holds what the build would replace.
    """
    target = Path(os.path.realpath(link))
    if target.name != link.name:
        return (
            f"is a link to {target}, a file of another name: the build writes "
            f"through a link only to a file named as the link is ({link.name}), "
            "as one put there could name any file; point it at one so named, "
            "or remove it"
        )
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        make = f"touch {shlex.quote(str(target))}"
        if not target.parent.is_dir():
            make = f"mkdir -p {shlex.quote(str(target.parent))} && {make}"
        return (
            f"is a link to {target}, which is not there: the build makes no "
            "file through a link (one put there could have it write anywhere); "
            f"make it first, empty ({make}), or remove the link"
        )
    except OSError as error:
        return f"is a link to {target}, which cannot be examined ({error.strerror})"
    if not stat.S_ISREG(mode):
        return f"is a link to {target}, not a file"
    return None


# As mkstemp opens its file: new, never through a link, and on Windows
# without turning "\n" into "\r\n".
_NEW_FILE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)


def why_unwritten(error: OSError, path: Path) -> str:
    """Why ``write_atomically`` could not write ``path`` (a manifest, the URL
    guard's baseline), by ``error``, its OSError, which names ``path``, or
    the folder that refused a new file or could not be made (in its
    parent)."""
    if error.filename == str(path):
        return error.strerror or str(error)  # named once, in the message
    if error.filename is None or not error.strerror:
        return str(error)
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return f"its folder {error.filename} cannot be made: a file is in the way"
    if not os.path.isdir(error.filename):
        # Not there yet: the folder it is to be made in refused it.
        parent = os.path.dirname(error.filename)
        return (
            f"its folder {error.filename} cannot be made in {parent} ({error.strerror})"
        )
    # The file may be writable: it is written to a new file beside it.
    return f"no file can be made in its folder {error.filename} ({error.strerror})"


def _naming(error: OSError, path: Path) -> OSError:
    """``error`` naming ``path``, the file the operator set (or its
    folder), rather than the temporary file beside it
    (``.flattr-manifest.json~mgwjxlqj``), which nobody knows and which is
    gone by the time the message is read."""
    if error.errno is None:
        return error
    # OSError() picks the subclass of the errno (PermissionError...).
    return OSError(error.errno, error.strerror, os.fspath(path))


def _mode_for(path: Path) -> int:
    """The mode ``write_atomically`` gives ``path`` (its temporary file is
    made 0600)."""
    try:
        existing = path.lstat()
    except OSError:
        existing = None
    if existing is not None and stat.S_ISREG(existing.st_mode):
        return stat.S_IMODE(existing.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# The temporary file's name: the prefix, then eight of these, as mkstemp
# named it in earlier versions (whose leftovers are removed too).
_SUFFIX_LENGTH = 8
_TEMPORARY_SUFFIX = lazy_regex(rf"[a-z0-9_]{{{_SUFFIX_LENGTH}}}")
_SUFFIX_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def _random_suffix() -> str:
    """Eight characters no other build picks: two builds writing one file
    at once each write their own temporary file."""
    return "".join(secrets.choice(_SUFFIX_CHARACTERS) for _ in range(_SUFFIX_LENGTH))


def _temporary_prefix(path: Path) -> str:
    """The start of the name of ``write_atomically``'s temporary file for
    ``path``: hidden, and with a "~" no file of an operator's has there by
    chance (".flattr-manifest.json.original", a backup, has eight letters
    after a "."). Cut so that the whole name fits where ``path``'s does: a
    name of 246 to 255 bytes, which a file may have, made the temporary
    file's too long, and the manifest was refused with its folder blamed."""
    return f".{cut_name(path.name, NAME_MAX - len('.~') - _SUFFIX_LENGTH)}~"


def is_temporary_file_of(name: str, path: Path) -> bool:
    """Whether the file name ``name`` is that of a temporary file
    ``write_atomically`` makes (or a build it killed left) for ``path``."""
    prefix = _temporary_prefix(path)
    return name.startswith(prefix) and bool(
        _TEMPORARY_SUFFIX.fullmatch(name, len(prefix))
    )


# How long after it was last written a temporary file nobody holds may be
# another build's still: one that made it and has not locked it yet, or
# has closed it and not yet renamed it (microseconds apart, on a machine
# that may be busy). Older, and unlocked, it is a killed build's.
_LEFTOVER_AFTER_NS = 10 * 10**9


def _hold(handle: int) -> None:
    """Lock the temporary file open at ``handle`` for as long as it is
    open, so that another build writing the same file at the same time
    (two builds into one output) tells it from a killed build's leftover.
    Where files cannot be locked, the time since it was written tells."""
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _remove_leftovers(path: Path) -> None:
    """Delete the temporary files of ``write_atomically`` for ``path`` that
    an earlier build, killed while writing, left behind; not one that a
    build running now is writing."""
    try:
        names = [
            name for name in os.listdir(path.parent) if is_temporary_file_of(name, path)
        ]
    except OSError:
        return
    for name in names:
        with contextlib.suppress(OSError):
            _remove_if_left(path.parent / name)


def _remove_if_left(leftover: Path) -> None:
    """Delete ``leftover`` unless a build may be writing it: written in the
    last seconds, or locked (``_hold``). Raises OSError."""
    status = leftover.lstat()
    if not stat.S_ISREG(status.st_mode):
        leftover.unlink()  # no build's: a link, a FIFO (which open waits on)
        return
    if time.time_ns() - status.st_mtime_ns < _LEFTOVER_AFTER_NS:
        return
    if fcntl is None:
        leftover.unlink()  # Windows refuses to delete a file held open
        return
    # Open for writing: over NFS, an exclusive lock needs it.
    handle = os.open(leftover, os.O_RDWR | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        # Raises BlockingIOError while a build holds it.
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        leftover.unlink()
    finally:
        os.close(handle)


def empty_manifest_said(path: str | Path) -> str:
    """What an empty file at ``path`` is: a manifest emptied behind its
    link, where the link points, or one emptied in place."""
    if os.path.islink(path):
        return f"an empty file where its link points ({os.path.realpath(path)})"
    return "an empty file"


def _why_empty(path: Path) -> str:
    """How the empty (or blank) file at ``path`` came to be, and whether a
    build replaces it (``damaged_manifest``)."""
    if path.is_symlink():
        # What a build leaves behind a link when it fails, or a `touch`
        # made for the first one.
        return "no build has written it yet, or the last one failed"
    if is_empty_file(path) and _json_name(path):
        # A build never empties a manifest in place: it replaces it whole,
        # or removes it.
        return (
            "no build wrote it so (a copy or a full disk cut it short, or it "
            "was made empty); the next build whose FLATTR_MANIFEST names it "
            "replaces it"
        )
    return "no build wrote it"


def _folder_said(path: Path) -> str:
    """What a folder given as a manifest is, and the manifest to give
    instead where it holds one. The advice to name the manifest inside
    would lead nowhere in a folder that holds none, such as a folder left
    where the output's manifest goes."""
    inside = path / MANIFEST_NAME
    if inside.is_file():
        return f"a folder, not a manifest: give the manifest in it ({inside})"
    return "a folder, not a manifest, and it holds none"


def load_manifest(path: str | Path, *, pages_and_feeds: bool = False) -> dict[str, Any]:
    """Read a manifest, checking its schema version and every field by
    the schema (see ``_schema_problem``), that no string holds a lone
    surrogate. Raises ManifestError naming the file and the field, never
    repeating a value, which could be an address someone put there.

    Schema version 1 did without ``things[].page`` and ``things[].feeds``
    at first. A manifest of the first version, without them, is read (the
    diff needs only each thing's URL, source and owner) unless
    ``pages_and_feeds`` asks for them, as the audit does: it finds each
    thing's page and feeds by them, and refuses such a manifest, saying
    that it is an older version's.
    """
    path = Path(path)
    try:
        if path.is_dir():  # an output folder, given for its manifest
            raise ManifestError(f"{path}: {_folder_said(path)}")
        if not path.is_file():  # a FIFO would be waited on for ever
            if path.exists():
                what = "not a regular file"
            elif path.is_symlink():  # to nothing, or a loop of links
                what = "a symbolic link that leads to no file"
            else:
                what = "no such manifest"
            raise ManifestError(f"{path}: {what}")
        # "utf-8-sig": a manifest saved by an editor may open with a byte
        # order mark, which json refuses.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: not a readable JSON manifest ({error})") from None
    if not text.strip():
        # No broken JSON to show a line of.
        raise ManifestError(
            f"{path}: {empty_manifest_said(path)}, not a manifest: {_why_empty(path)}"
        )
    try:
        document = json.loads(text)
    except ValueError as error:  # broken JSON, or an integer of 5,000 digits
        said = json_problem(error)
        raise ManifestError(f"{path}: not a readable JSON manifest ({said})") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise ManifestError(
            f"{path}: not a readable JSON manifest (nested too deep)"
        ) from None
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    if "baseline_version" in document and "schema_version" not in document:
        raise BaselineGivenError(
            f"{path}: the URL guard's baseline, not a manifest: give a "
            "flattr-manifest.json"
        )
    if "schema_version" not in document:
        # Said as "is a null", it read as a manifest that wrote null there.
        raise ManifestError(
            f"{path}: no schema_version: not a pelican-flattr manifest (give "
            "the flattr-manifest.json a build wrote)"
        )
    version = document["schema_version"]
    if type(version) is not int or version != SCHEMA_VERSION:  # True == 1
        said = repr(version) if type(version) is int else f"a {json_type(version)}"
        raise ManifestError(
            f"{path}: schema_version is {said}; this pelican-flattr reads "
            f"version {SCHEMA_VERSION}"
        )
    problem = _schema_problem(document, _schema(), "", _schema()["$defs"])
    if problem is None and _SURROGATE_ESCAPE.search(text):
        problem = _lone_surrogate(document, "")
    if problem is None:
        problem = _repeated_url(document["things"])
    if problem:
        raise ManifestError(f"{path}: {problem}")
    if pages_and_feeds:
        for index, thing in enumerate(document["things"]):
            if "page" not in thing:  # nor "feeds": the schema has both or none
                raise ManifestError(
                    f"{path}: things[{index}] has no page and no feeds: this "
                    "manifest was written by an older version of pelican-flattr, "
                    "which did not record them, and the audit finds each thing's "
                    "page and feeds by them: build the site again with this "
                    "version and audit that build (pelican-flattr diff still "
                    "reads this manifest)"
                )
    return document


# Why a manifest holds what no build writes. Not by hand alone: code that
# reuses manifest_chunks may give it what the build never does.
_NOT_THE_BUILDS = (
    "the manifest was changed by hand, or written by code other than "
    "pelican-flattr's build"
)


def _repeated_url(things: list[dict[str, Any]]) -> str | None:
    """What is wrong with the first thing whose URL an earlier one has, or
    None. A build writes one thing per URL, as Flattr keeps one (the build
    reports two contents with one URL and gives it to one of them); with
    two, the audit counted both and the diff took the second for the first
    (a URL "changed" to itself, a source "disappeared").

    Only the URL: a real build writes one page for two things (a
    ``Save_as`` onto another article's page, which Pelican lets it
    overwrite) and one source for two (a file in ``PAGE_PATHS`` that
    ``ARTICLE_PATHS`` holds too, read as an article and as a page).
    """
    first: dict[str, int] = {}
    for index, thing in enumerate(things):
        earlier = first.setdefault(thing["url"], index)
        if earlier != index:
            return (
                f"things[{index}].url repeats things[{earlier}].url (a build "
                f"writes one thing per URL, as Flattr keeps one): {_NOT_THE_BUILDS}"
            )
    return None


# A JSON escape of half a UTF-16 pair ("\\ud800"), which json reads into a
# lone surrogate: the only way a manifest read as UTF-8 can hold one.
_SURROGATE_ESCAPE = lazy_regex(r"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: Any, where: str) -> str | None:
    """What is wrong with the first string in ``value`` (at ``where``) that
    holds a lone surrogate, or None.

    Such a string passes every pattern of the schema, and then cannot be
    written as UTF-8 nor percent-encoded: every command would end with a
    traceback where it prints or compares it.
    """
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return (
                    f"{where} holds a \\uXXXX escape of half a character (a lone "
                    "surrogate): it must be text"
                )
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = _lone_surrogate(item, f"{where}.{key}" if where else key)
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = _lone_surrogate(item, f"{where}[{index}]")
            if problem:
                return problem
    return None


@functools.cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def json_type(value: Any) -> str:
    """The JSON type of a value json.loads gave ("string", "null"), for a
    message."""
    names = {bool: "boolean", int: "number", float: "number", str: "string"}
    names.update({list: "array", dict: "object", type(None): "null"})
    return names.get(type(value), type(value).__name__)


_JSON_TYPES = {"string": str, "boolean": bool, "array": list, "object": dict}


def _schema_problem(
    value: Any, schema: Mapping[str, Any], where: str, definitions: Mapping[str, Any]
) -> str | None:
    """What is wrong with ``value`` at ``where`` by ``schema``, or None.

    Checked without a JSON Schema library, and only the keywords the
    manifest's schema uses: ``type``, ``const``, ``enum``, ``pattern``,
    ``minLength``, ``maxLength``, ``required``, ``dependentRequired``,
    ``properties`` (a field it does not name is let through), ``items``,
    ``maxItems``, ``uniqueItems``, and an ``allOf`` of if-then rules on
    properties. So the audit refuses what a JSON Schema validator refuses
    (``format`` is an annotation there too). The message names the field
    and what it must be, never the value.
    """
    if "$ref" in schema:
        schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
    name = where or "the manifest"
    expected = schema.get("type")
    if expected in _JSON_TYPES and not isinstance(value, _JSON_TYPES[expected]):
        return f"{name} must be a JSON {expected}, not {json_type(value)}"
    if "const" in schema and not _json_equal(value, schema["const"]):
        return f"{name} must be {json.dumps(schema['const'])}"
    if "enum" in schema and not any(_json_equal(value, v) for v in schema["enum"]):
        return f"{name} must be one of {', '.join(map(str, schema['enum']))}"
    if isinstance(value, str):
        return _string_problem(value, schema, name)
    if isinstance(value, dict):
        return _object_problem(value, schema, where, definitions)
    if isinstance(value, list):
        return _array_problem(value, schema, where, definitions)
    return None


def _string_problem(value: str, schema: Mapping[str, Any], name: str) -> str | None:
    # JSON Schema counts characters (code points), as len() does.
    if len(value) < schema.get("minLength", 0):
        return f"{name} must be at least {schema['minLength']} characters long"
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return f"{name} must be at most {schema['maxLength']} characters long"
    pattern = schema.get("pattern")
    if pattern is not None and not _matches(pattern, value):
        if schema is _schema()["$defs"]["output_path"]:
            # Its pattern says it in a way few read: the audit would read a
            # file outside the site (or fail on the NUL), and report it.
            return (
                f"{name} is no path inside the output folder (the build writes "
                f"them relative to it, with / separators): {_NOT_THE_BUILDS}"
            )
        return f"{name} does not match {pattern}"
    return None


def _object_problem(
    value: dict[str, Any],
    schema: Mapping[str, Any],
    where: str,
    definitions: Mapping[str, Any],
) -> str | None:
    prefix = where + "." if where else ""
    for key in schema.get("required", ()):
        if key not in value:
            return f"{prefix}{key} is missing"
    for key, together in schema.get("dependentRequired", {}).items():
        if key in value:
            for other in together:
                if other not in value:
                    return f"{prefix}{other} is missing (it goes with {prefix}{key})"
    # A field the schema does not describe is let through, as the schema
    # lets it: one that a later version added to schema version 1.
    rules = [(schema.get("properties", {}), "")]
    rules += [
        (rule["then"].get("properties", {}), _condition(rule["if"]))
        for rule in schema.get("allOf", ())
        if _holds(value, rule.get("if", {}))
    ]
    for rule, condition in rules:
        for key, subschema in rule.items():
            if key in value:
                problem = _schema_problem(
                    value[key], subschema, prefix + key, definitions
                )
                if problem:
                    return problem + condition
    return None


def _condition(condition: Mapping[str, Any]) -> str:
    """An ``if`` of the schema's, said after a problem it led to."""
    said = [
        f"{key} is {json.dumps(rule.get('const'))}"
        for key, rule in condition.get("properties", {}).items()
    ]
    return f" when {' and '.join(said)}"


def _array_problem(
    value: list[Any],
    schema: Mapping[str, Any],
    where: str,
    definitions: Mapping[str, Any],
) -> str | None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        most = schema["maxItems"]
        return (
            f"{where} must be empty"
            if most == 0
            else f"{where} must have at most {most} items"
        )
    if schema.get("uniqueItems") and not (
        all(type(item) is str for item in value) and len(set(value)) == len(value)
    ):
        # Strings (every manifest's feeds) by a set; anything else, rarely,
        # as JSON compares: true is not 1.
        for index, item in enumerate(value):
            if any(_json_equal(item, earlier) for earlier in value[:index]):
                return f"{where}[{index}] repeats an earlier item"
    if "items" in schema:
        for index, item in enumerate(value):
            problem = _schema_problem(
                item, schema["items"], f"{where}[{index}]", definitions
            )
            if problem:
                return problem
    return None


def _json_equal(one: Any, other: Any) -> bool:
    """Equal as JSON values are: ``true`` is not ``1``, as in Python."""
    if isinstance(one, bool) or isinstance(other, bool):
        return type(one) is type(other) and one == other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(map(_json_equal, one, other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(
            _json_equal(one[key], other[key]) for key in one
        )
    return one == other


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """``pattern`` as JSON Schema reads it (ECMA-262): a "$" that ends it
    ends the text, where Python's also matches before a last newline
    ("email:<md5>\\n" would pass)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _matches(pattern: str, value: str) -> bool:
    return _pattern(pattern).search(value) is not None


def _holds(value: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    """An ``if`` of the schema's: every property named is there with its
    ``const``."""
    return all(
        key in value and value[key] == rule.get("const")
        for key, rule in condition.get("properties", {}).items()
    )
