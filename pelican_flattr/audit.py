"""``pelican-flattr audit``: check a built site against its manifest.

For every thing of the manifest: its page exists and carries exactly one
button, one payment link and (unless the manifest says Open Graph was off)
one set of Open Graph tags, all pointing at the manifest's URLs; every feed
entry of a thing carries exactly its payment link, and every feed the
manifest names carries it, unless the manifest says the build put payment
links in no feed (FLATTR_FEEDS off): then no entry may carry one. Across
the whole output tree:
no plain email address of an email owner (in a file's or folder's name
neither, which its URL publishes), no button (a link to Flattr's
auto-submit URL is one, whatever its class) or payment link
pointing at a URL the manifest doesn't know, and embedded buttons with the
thing's owner and a load.js beside them that shows them, both read as
Flattr's loader reads them. And the manifest's own fields of each thing
must say what its auto_submit_url sends to Flattr.

Only HTML pages and feeds are read whole; other files are scanned for
addresses in chunks, and not at all when they look binary.

This module reads each file once and gives it to the checks it needs; the
audit's other concerns are modules of their own:

- ``audit_report``: the problems and report, and ``Audit``, the state one
  audit's checks share (the manifest's things by URL, what was found);
- ``audit_tags``: a page's and a feed's Flattr tags, read as a browser and
  a feed reader read them (``scan_page``, ``read_feed``);
- ``audit_pages`` and ``audit_feeds``: the checks of a page and of a feed;
- ``audit_output``: the output folder walked, other sites' manifests found;
- ``audit_settings``: what ``--settings`` gives the audit;
- ``audit_command``: the ``pelican-flattr audit`` command line.

The names other modules and scripts import from here stay here.
"""

from __future__ import annotations

import codecs
import dataclasses
import errno
import gzip
import json
import os
import posixpath
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from .addresses import (
    AddressIndex,
    address_index,
    addresses_in,
    as_seen,
    candidate_addresses,
    plain_addresses_in,
    with_entities_decoded,
    with_escapes_read,
)
from .audit_feeds import check_feed, report_unrecorded_site_link
from .audit_output import (
    SiteFiles,
    check_output_folder,
    is_earlier_manifest,
    is_language_sibling,
    path_in_output,
    site_files,
    site_folders,
)
from .audit_pages import PagesSeen, check_page, mtime_ns
from .audit_report import (
    PROBLEM_KINDS,
    STALE_FIX,
    Audit,
    AuditReport,
    ManifestIndex,
    index_manifest,
)
from .audit_settings import (
    AuditSettings,
    SiteLanguages,
    check_manifest_site,
    climbs_out,
    local_thing_urls,
    siteurl_not_compared,
)
from .audit_tags import scan_page, url_parameters
from .files import why_unreachable
from .identifiers import hash_email
from .identifiers import redact_encoded_addresses as redact
from .manifest import (
    NO_MANIFEST_WRITTEN,
    ManifestError,
    empty_manifest_said,
    file_holds,
    is_temporary_file_of,
    load_manifest,
    portable_path,
)
from .settings import MANIFEST_NAME
from .store import DEFAULT_STORE, WAL_ENDS, holds_store_tables, is_empty_file
from .thing import flattr_language
from .wording import listed

try:
    # pelican-precompress needs it to write .br copies, so a site with
    # them has it where it is built; the audit then reads them.
    import brotli as _brotli_module
except ImportError:
    _brotli_module = None

# What the commands and tests import from the audit, its own and its
# helpers' (``scan_page`` and ``redact`` too, for one place to find them).
__all__ = [
    "CHUNK_SIZE",
    "GZIP_LEAST_READ",
    "GZIP_MOST_RATIO",
    "MAX_PAGE_BYTES",
    "PROBLEM_KINDS",
    "audit_site",
    "redact",
    "scan_page",
    "siteurl_not_compared",
]

HTML_SUFFIXES = (".html", ".htm")
FEED_SUFFIXES = (".xml", ".atom", ".rss")

# Files other than pages and feeds are scanned in chunks of this size, each
# with the end of the one before, so that an address across two is seen.
CHUNK_SIZE = 1 << 20
CHUNK_OVERLAP = 1024
# A gzip file is decompressed up to this many times its own size, and at
# least GZIP_LEAST_READ bytes: text takes a tenth of its size or more, but
# deflate packs a thousand bytes in one, and a small file (a bomb) that
# holds gigabytes would hold the audit up for hours. The floor is small: a
# tiny file of 64 MiB of "a@b.c" took the address search over a minute.
GZIP_MOST_RATIO = 100
GZIP_LEAST_READ = CHUNK_SIZE

# The suffixes of the compressed copies a server sends in a file's place,
# and the module of nginx that sends each.
COPY_SERVERS = {".gz": "gzip_static", ".br": "brotli_static", ".zst": "zstd_static"}
# A copy this same build left behind its file: i18n_subsites builds and
# compresses a language's site first, and the main site's minifier
# minifies its folder again after (PRECOMPRESS_OVERWRITE compresses again).
_CHANGED_SINCE = (
    "or changed after it was compressed in this build, as a minifier running "
    "after pelican-precompress does with i18n_subsites"
)


# Brotli read in blocks of a bounded size (a bomb holds no block larger)
# needs brotli 1.2's output_buffer_limit (which came with
# can_accept_more_data, looked for); with an older one none is read.
_brotli = (
    _brotli_module
    if _brotli_module is not None
    and hasattr(_brotli_module.Decompressor, "can_accept_more_data")
    else None
)
_DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    *((_brotli.error,) if _brotli is not None else ()),
)

# What may come before an XML document's first element: white space, the
# XML declaration and other processing instructions (xml-stylesheet),
# comments, and a document type declaration with its internal subset. A
# feed's prolog may be longer than any fixed look at its start. (The
# internal subset ends at its first "]": a declaration that never ends is
# then read once, not once for every way its brackets could be grouped.)
_XML_PROLOG = re.compile(
    rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>)*",
    re.DOTALL | re.IGNORECASE,
)
# A feed's first element, <feed> or <rss>, in any letter case or namespace
# prefix, as read_feed takes it.
_FEED_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?(?:feed|rss)[\s/>]", re.IGNORECASE)


# The auto-submit parameter of an owner of each kind (Owner.parameter).
_OWNER_PARAMETER = {"flattr_user": "user_id"}


@dataclass(frozen=True)
class _PrivateAddresses:
    """The owners' plain email addresses no file may publish, and how each
    is found (see ``_private_addresses``)."""

    # Lower-cased address (and its percent-encoded form) -> whose it is
    # ("author 'Carol' (from FLATTR_AUTHORS)"), and the owner's hash, by
    # which an email owner's address is found.
    plain: AddressIndex
    # bytes.lower() leaves non-ASCII capitals ("JOSÉ@"): a text with them
    # is read decoded when an address may hold such a letter.
    unicode: bool
    # An email owner's hash -> the URLs of its things, to say whose address
    # a file holds (not which thing: any file may hold it).
    email_owners: dict[str, list[str]]

    def spelt_otherwise(self, text: bytes) -> bool:
        """Whether ``text`` may hold an address of the settings spelt
        otherwise than ``plain_addresses_in`` reads it, plain or with
        "%40": percent-encoded further (``zed%2Ehidden%40example%2Ecom``),
        or in non-ASCII capitals (``JOSÉ@``) when an address has such
        letters. A percent sign not of "%40" ("100%") is taken for an
        escape: a false guess costs a closer look, never a miss."""
        return bool(self.plain) and (
            text.count(b"%") > text.count(b"%40")
            or (self.unicode and not text.isascii())
        )


def _private_addresses(
    manifest: ManifestIndex, plain_addresses: Mapping[str, str]
) -> _PrivateAddresses:
    """The addresses to look for: ``plain_addresses`` (lower-cased address
    -> whose it is, from the settings) and the email owners of the
    manifest's things, found by hash."""
    email_owners: dict[str, list[str]] = {}
    for thing in manifest.things:
        if thing["owner"]["kind"] == "email":
            digest = thing["owner"]["value"][len("email:") :]
            email_owners.setdefault(digest, []).append(thing["url"])
    # The site's own thing (FLATTR_USERNAME's) is no thing of the list,
    # but its owner's address is as private, and FLATTR_TAGS or a
    # description may put it in every page.
    if manifest.site_payment_link:
        sent = url_parameters(manifest.site_payment_link)
        owner = sent.get("owner", [""])[0]
        if owner.startswith("email:"):
            url = sent.get("url", [manifest.siteurl])[0]
            email_owners.setdefault(owner[len("email:") :], []).append(url)
    return _PrivateAddresses(
        plain=address_index(
            {
                form: (name, hash_email(address))
                for address, name in plain_addresses.items()
                for form in (address.encode(), address.replace("@", "%40").encode())
            }
        ),
        unicode=not all(map(str.isascii, plain_addresses)),
        email_owners=email_owners,
    )


def _left_over_languages(
    audit: Audit,
    output: Path,
    siteurl: str,
    other_sites: Mapping[Path, str],
    languages: SiteLanguages,
) -> dict[Path, str]:
    """Report each folder of ``other_sites`` that holds the site of a
    language ``languages`` builds no site of (see ``_is_left_over``), and
    return the other sites left, in their order: those folders are no
    other site's."""
    # Pelican deletes no output unless DELETE_OUTPUT_DIRECTORY: a language
    # taken out of I18N_SUBSITES leaves its pages, whose buttons are of
    # things no build has any more, to be deployed with the site.
    built = set(languages.folders.values())
    left = {}
    for folder, own in other_sites.items():
        if _is_left_over(folder, own, output, siteurl, built):
            _report_left_over(audit, folder.name, languages)
        else:
            left[folder] = own
    return left


def _is_left_over(
    folder: Path, own: str, output: Path, siteurl: str, built: Collection[str | None]
) -> bool:
    """Whether ``folder``, another site's output whose manifest is ``own``
    in it, holds the site of a language no site is ``built`` in: one
    folder down in ``output``, none of the folders ``built``, its manifest
    recording the site's ``siteurl`` with the folder's name after it, as
    i18n_subsites makes a language's, and a thing in that language."""
    name = folder.name
    # (Not skipped as a language of the settings: one whose entry gives
    # it an OUTPUT_PATH of its own now left its old folder behind.)
    if folder.parent != output or name in built:
        return False
    try:
        manifest = load_manifest(folder / own)
    except (OSError, ManifestError):
        return False
    if manifest["siteurl"].rstrip("/") != f"{siteurl.rstrip('/')}/{name}":
        return False
    # Another site's output kept in a folder of the output may lie at such
    # a URL too (SITEURL/blog): a language's site holds its language's things.
    code = flattr_language(name)
    return code is not None and any(
        thing["language"] == code for thing in manifest["things"]
    )


def _languages_without_manifest(
    output: Path, found: SiteFiles, languages: SiteLanguages, own: Collection[str]
) -> dict[str, str]:
    """Each folder of ``output`` (relative, ``/``-separated) where the
    settings build the site of a language (``languages``) that holds no
    manifest of its own, and is none of this site's folders (``own``) ->
    that language. A deploy that dropped its manifest, or a failed strict
    build, which removes every language's: its files were audited as this
    site's, dozens of pages an earlier build "left", its whole site to be
    deleted."""
    with_manifest = {
        folder.relative_to(output).as_posix() for folder in found.other_sites
    }
    return {
        folder: language
        for language, folder in languages.folders.items()
        if folder
        and folder not in with_manifest
        and folder not in own
        and (output / folder).is_dir()
    }


def _manifest_elsewhere(folder: Path, language: str, languages: SiteLanguages) -> bool:
    """Whether the site of ``language``, whose output is ``folder``, writes
    its manifest (if any) outside that folder, as its settings say."""
    if language in languages.manifest_elsewhere:
        return True
    absolute = languages.absolute_manifests.get(language)
    if absolute is None:
        return False
    try:
        return climbs_out(os.path.relpath(absolute, folder.resolve()))
    except ValueError:  # on two drives (Windows)
        return True


def _language_manifests_placed(
    output: Path, folders: Mapping[str, str], languages: SiteLanguages
) -> dict[str, str]:
    """Each of ``folders`` (a language's, relative to ``output`` -> that
    language) whose site's FLATTR_MANIFEST climbs out of it and lands on a
    manifest in ``output`` -> that path, relative to the folder."""
    placed = {}
    for folder, language in folders.items():
        manifest = languages.manifests_climbing_out.get(language)
        if manifest is None:
            continue
        landed = posixpath.normpath(posixpath.join(folder, manifest))
        if not climbs_out(landed) and (output / landed).is_file():
            placed[folder] = manifest
    return placed


def _language_manifests_by_siteurl(
    output: Path, found: SiteFiles, audited: Path, siteurl: str, own: Collection[str]
) -> dict[str, str]:
    """Each folder of ``output`` (relative) whose site's manifest lies
    outside it among this site's files (``found``), named by its siteurl,
    this site's ``siteurl`` and the folder (``…/de`` for de/) -> that
    manifest, relative to the folder (``../de.json``): what i18n_subsites
    writes where a language's FLATTR_MANIFEST climbs out of its folder."""
    base = siteurl.rstrip("/") + "/"
    placed: dict[str, str] = {}
    # The manifest i18n_subsites names for a language (manifest.de.json
    # beside manifest.json) first: a copy of it kept under another name
    # (things.json) is a leftover, reported as one.
    candidates = sorted(
        (path for path in found.files if path.suffix.lower() == ".json"),
        key=lambda path: (not is_language_sibling(path, audited), path),
    )
    for path in candidates:
        if not is_earlier_manifest(path, audited):
            continue
        theirs = _head_siteurl(path)
        if theirs is None or not theirs.startswith(base):
            continue
        folder = theirs[len(base) :].strip("/")
        if folder in placed or folder in own or not _LANGUAGE_FOLDER.fullmatch(folder):
            continue
        relative = path.relative_to(output).as_posix()
        language_own = posixpath.relpath(relative, folder)
        # As for a language's folder left over: the folder one level down,
        # none of this site's, its manifest's things in that language
        # (SITEURL/category may hold another site's output too).
        if _is_left_over(output / folder, language_own, output, siteurl, ()):
            placed[folder] = language_own
    return placed


# A language's folder, as i18n_subsites names it: one name, its code.
_LANGUAGE_FOLDER = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*")


# A manifest's siteurl among its first keys (json.dump sorts them).
_SITEURL = re.compile(r'"siteurl":\s*("(?:[^"\\]|\\.)*")')


def _head_siteurl(path: Path) -> str | None:
    """The siteurl of the manifest at ``path``, read from its first 4 KB;
    None when not found there."""
    try:
        with path.open("rb") as file:
            head = file.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    found = _SITEURL.search(head)
    if found is None:
        return None
    try:
        value = json.loads(found[1])
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _as_other_sites(
    output: Path, found: SiteFiles, folders: Collection[str]
) -> SiteFiles:
    """``found`` with the files in ``folders`` (relative to ``output``)
    taken as another site's: checked for owners' addresses only."""
    if not folders:
        return found
    inside = tuple(str(output / folder) + os.sep for folder in folders)
    theirs = [path for path in found.files if str(path).startswith(inside)]
    if not theirs:
        return found
    return dataclasses.replace(
        found,
        files=tuple(path for path in found.files if not str(path).startswith(inside)),
        other_sites_files=tuple(sorted([*found.other_sites_files, *theirs])),
    )


def _report_language_without_manifest(audit: Audit, folder: str, language: str) -> None:
    """Report ``folder``, where the settings build the site of ``language``,
    which holds no manifest: its pages and feeds go unchecked."""
    shown = portable_path(folder)
    audit.problem(
        "language-manifest-missing",
        f"{shown}/",
        f"holds the site of the language {language!r}, which the settings "
        "build there, but no manifest of its own: its pages and feeds cannot "
        "be checked, here or in an audit of their own",
        "its manifest beside its pages: deploy the language's whole output "
        "(a failed strict build removes every language's manifest: build "
        f"again), then audit it too, {shown}/ as OUTPUT_DIR, with this "
        "audit's --settings (which names the manifest, where its FLATTR_MANIFEST "
        "is not the default)",
    )


def _report_left_over(audit: Audit, name: str, languages: SiteLanguages) -> None:
    """Report the folder ``name`` of the output, the site of a language
    the settings (``languages``) build no site of there: why, by what the
    settings say of the language, and the fix that follows."""
    shown = portable_path(name)
    delete = f"delete {shown}/ ({STALE_FIX})"
    now = languages.folders.get(name, "")
    if name in languages.without_plugin:
        why = "which the settings do not build (i18n_subsites is not in PLUGINS)"
        fix = f"{delete}, or put i18n_subsites back in PLUGINS"
    elif name in languages.folders:
        where = f"in {portable_path(now)}/" if now else "outside the output"
        why = f"whose site the settings build {where} now"
        fix = delete
    else:
        why = "which the settings do not build (it is not in I18N_SUBSITES)"
        fix = f"{delete}, or put {shown!r} back in I18N_SUBSITES"
    audit.problem(
        "language-removed",
        f"{shown}/",
        f"holds the site of the language {shown!r}, {why}: the output an "
        "earlier build left, its buttons those of things no build has any "
        "more",
        f"no output of a language the settings do not build there: {fix}",
    )


def audit_site(
    output: str | Path,
    manifest_path: str | Path | None = None,
    *,
    settings: AuditSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Audit the built site in ``output`` against its manifest: the one
    at ``manifest_path`` (--manifest's), else the one the settings'
    FLATTR_MANIFEST names, else the build's default (see ``_manifest_at``).

    ``settings``: what the settings file given with --settings tells the
    audit (see ``AuditSettings``), None without one. ``progress``, if
    given, is called with (done, total) as files are checked.
    Raises ManifestError (for a manifest of another site too), and
    OutputFolderError when this user may not list ``output`` or open its
    files.
    """
    output = Path(output)
    check_output_folder(output)
    manifest_path = _manifest_at(output, manifest_path, settings)
    manifest = load_manifest(manifest_path, pages_and_feeds=True)
    if settings is not None and settings.site is not None:
        check_manifest_site(manifest_path, manifest["siteurl"], *settings.site)
    # Where the manifest lies in the output: each language's site of
    # i18n_subsites writes its own at the same path in its own folder.
    in_output = path_in_output(output, manifest_path)
    found = site_files(
        output,
        manifest_path,
        own_folders=site_folders(manifest),
        manifest_in_output=in_output,
        language_manifests=() if settings is None else settings.language_manifests,
    )
    # A language's folder without its manifest: another site's all the
    # same, a problem unless its site writes none there.
    unmanifested: dict[str, str] = {}
    placed: dict[str, str] = {}
    if settings is not None and settings.languages is not None:
        unmanifested = _languages_without_manifest(
            output, found, settings.languages, site_folders(manifest)
        )
        found = _as_other_sites(output, found, unmanifested)
        placed = _language_manifests_placed(output, unmanifested, settings.languages)
        unmanifested = {
            folder: language
            for folder, language in unmanifested.items()
            if not _manifest_elsewhere(output / folder, language, settings.languages)
        }
    else:
        # Without the settings, a language's manifest its FLATTR_MANIFEST
        # put outside its folder still names its site by its siteurl.
        placed = _language_manifests_by_siteurl(
            output, found, manifest_path, manifest["siteurl"], site_folders(manifest)
        )
        found = _as_other_sites(output, found, placed)
    own = _named(output, found.files)
    others = _named(output, found.other_sites_files)
    audit = _start_audit(output, manifest, found, own, in_output, settings)
    # The manifest as the report names it.
    named = in_output or str(manifest_path)
    # First: it makes every button of the output one no reader can use.
    _check_thing_urls_public(audit, named, settings)
    for folder, language in unmanifested.items():
        _report_language_without_manifest(audit, folder, language)
    addresses = _private_addresses(
        audit.manifest, {} if settings is None else settings.plain_addresses
    )
    # What the pages show together; the manifest's mtime (one stat), and
    # those of its pages (read only for a link it does not know), tell a
    # page of a later build than it.
    seen = PagesSeen(output, manifest_mtime_ns=mtime_ns(manifest_path))
    # A language's manifest its FLATTR_MANIFEST put outside its folder but
    # in this output ("../m.json" from de/): that site's, not a stray one.
    languages_own = {
        posixpath.normpath(posixpath.join(folder, manifest))
        for folder, manifest in placed.items()
    }
    _check_other_manifests(
        audit, [(p, r) for p, r in own if r not in languages_own], manifest_path
    )
    _check_manifest_fields(audit, named)
    _check_published_stores(
        audit, settings.stores if settings is not None else (), [*own, *others]
    )
    _check_names(audit, addresses, [name for _, name in [*own, *others]])
    _report_unchecked_folders(audit, output, found)
    other_sites = found.other_sites
    if settings is not None and settings.languages is not None:
        other_sites = _left_over_languages(
            audit, output, manifest["siteurl"], other_sites, settings.languages
        )
    audit.report.other_site_manifests = {
        **{_name_in(output, folder): theirs for folder, theirs in other_sites.items()},
        **placed,
    }
    _check_files(audit, addresses, seen, own, others, progress)
    # Before the note: a feed it checks may be found newer than the
    # manifest, which the note counts.
    report_unrecorded_site_link(audit, named)
    _note_what_pages_show(audit, seen, named)
    return _report_missing(audit, seen)


def _manifest_at(
    output: Path, given: str | Path | None, settings: AuditSettings | None
) -> Path:
    """The path of the manifest to audit in ``output``: ``given``
    (--manifest's), else the one ``settings`` name (FLATTR_MANIFEST), else
    where the build writes it by default. Raises ManifestError, saying why
    there may be none and what to do, where none is at a path the operator
    named (or the build's settings did), or at the default."""
    # With --settings and without --manifest, a path is the one the
    # settings' FLATTR_MANIFEST names.
    placed_by_settings = (
        given is None and settings is not None and settings.manifest is not None
    )
    if given is not None:
        # "" is a path given (and refused), not the default.
        path = Path(given)
    elif settings is not None and settings.manifest is not None:
        path = settings.manifest
    else:
        path = output / MANIFEST_NAME
    # Where the operator named the path (or the build's settings did), the
    # reason and the advice are worth more than "no such manifest".
    # A link to nothing too: a failed strict build removes the manifest a
    # link names, and keeps the link.
    unreachable = why_unreachable(path)
    if unreachable is not None:
        # Not "no such manifest", whose advice is to build the site again.
        raise ManifestError(f"{path}: {unreachable}")
    if (
        given is not None or settings is not None or path == output / MANIFEST_NAME
    ) and (not os.path.exists(path) or (os.path.islink(path) and is_empty_file(path))):
        raise ManifestError(
            _no_manifest(
                path, given is not None, settings is not None, placed_by_settings
            )
        )
    return path


def _name_in(output: Path, path: Path) -> str:
    """The name of ``path`` relative to ``output``, ``/``-separated and
    escaped as the manifest records a name that is not UTF-8."""
    return portable_path(path.relative_to(output).as_posix())


def _named(output: Path, paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """Each of ``paths``, in its order, with its name in ``output`` (see
    ``_name_in``), by which the report and the manifest name it."""
    return [(path, _name_in(output, path)) for path in paths]


def _start_audit(
    output: Path,
    manifest: Mapping[str, Any],
    found: SiteFiles,
    own: Collection[tuple[Path, str]],
    in_output: str | None,
    settings: AuditSettings | None,
) -> Audit:
    """The audit of ``output`` against ``manifest`` (which lies at
    ``in_output`` in it, or outside it: None), before any check: this
    site's files (``own``, each with its name) and the folders ``found``
    that cannot be read or lie outside the output, whose files are not."""
    unchecked = {
        _name_in(output, folder)
        for folder in [*found.unreadable, *found.linked_outside]
    }
    index = index_manifest(manifest)
    return Audit(
        manifest=index,
        files=frozenset(name for _, name in own),
        unchecked_folders={"" if folder == "." else folder for folder in unchecked},
        manifest_in_output=in_output,
        report=AuditReport(
            things=len(index.things), siteurl=manifest["siteurl"].rstrip("/")
        ),
        site_owners=None if settings is None else settings.site_owners,
    )


def _check_thing_urls_public(
    audit: Audit, named: str, settings: AuditSettings | None
) -> None:
    """Report the manifest (``named`` as the report names it) when its
    things are at a local address while ``settings`` publish the site at
    a public ``SITEURL``: its pages match it, and would pass, but no
    reader can flattr a button of them (see ``local_thing_urls``)."""
    if settings is None:
        return
    problem = local_thing_urls(settings.published, audit.report.siteurl)
    if problem is not None:
        audit.problem(
            "thing-url-local",
            named,
            problem,
            "thing URLs at the site's public address: set FLATTR_SITEURL to "
            "it (or leave it out), build again, and deploy that build",
        )


def _check_other_manifests(
    audit: Audit, own: Iterable[tuple[Path, str]], manifest_path: Path
) -> None:
    """Report each of this site's files (``own``, each with its name) that
    is a manifest other than the one audited (at ``manifest_path``), or a
    temporary file a build writing it left beside it."""
    in_output = audit.manifest_in_output
    for path, relative in own:
        # Any JSON file: FLATTR_MANIFEST may have named it otherwise.
        if (
            (path.name == MANIFEST_NAME or path.suffix.lower() == ".json")
            and not is_language_sibling(path, manifest_path)
            and is_earlier_manifest(path, manifest_path)
        ):
            # Published with the site, it would describe things and owners
            # the site no longer has, at a URL readers may still fetch.
            audit.problem(
                "other-manifest",
                relative,
                f"is a manifest other than the one audited ({manifest_path}): "
                "one left by a build with another FLATTR_MANIFEST?",
                "the site's own manifest only: delete this one and its "
                "compressed copies (or audit with it: --manifest, or --settings "
                "for FLATTR_MANIFEST)",
            )
        elif (
            is_temporary_file_of(path.name, manifest_path)
            and in_output is not None
            and posixpath.dirname(relative) == posixpath.dirname(in_output)
        ):
            # Made 0600 and deleted by the next build: a deploy before it
            # published it, with the pages of a build that did not finish.
            audit.problem(
                "other-manifest",
                relative,
                f"is a temporary file of the manifest ({in_output}), left by a "
                "build stopped while it wrote the manifest (or writing it now): "
                "the manifest may be an earlier build's",
                "none: build the site again, to its end (which deletes it), "
                "then audit again",
            )


def _check_published_stores(
    audit: Audit, stores: Collection[str], files: Iterable[tuple[Path, str]]
) -> None:
    """Report each of ``files`` (each with its name; other sites' too)
    that is the operator's store: named as one of ``stores`` (FLATTR_STORE's
    file names) or as the commands' default store, with its WAL's files, or
    a copy of either; or, named otherwise as a database, one that holds the
    store's tables. Binary, so never read for addresses, and a static path
    or an OUTPUT_PATH around it publishes it."""
    named = {DEFAULT_STORE, *stores}
    published = {store + end for store in named for end in ("", *WAL_ENDS)}
    paths = {relative: path for path, relative in files}
    for relative in sorted(paths):
        name = posixpath.basename(relative)
        if name in published:
            what = (
                f"is the operator's private store ({_store_named(name, stores)}), "
                "published"
            )
        elif _named_as_copy(name, named) and _is_sqlite_database(paths[relative]):
            # A backup beside the store (STORE.bak), copied out with it.
            what = (
                "is a copy of the operator's private store "
                f"({_store_named(name, stores)}), published: a backup?"
            )
        elif name.lower().endswith(_DATABASE_ENDS) and holds_store_tables(
            paths[relative]
        ):
            what = (
                "is the operator's private store, or a copy of it (it holds the "
                "store's tables), published"
            )
        elif _is_database_journal(name, paths[relative]):
            # Its database found or not (deleted as the audit advised), the
            # log holds rows the database had not merged yet.
            what = (
                "is the write-ahead log (or its index) of an SQLite database "
                f"named as one ({name[:-4]}), published: it may be the "
                "operator's store's, whose log holds its newest rows, who "
                "flattred what"
            )
        else:
            continue
        audit.problem(
            "store-published",
            relative,
            what,
            "no store in the output: delete it, and make FLATTR_STORE a "
            "path outside OUTPUT_PATH and every static path (it holds "
            "who flattred what, and owners' claim URLs)",
        )


# How the name of a file that may be an SQLite database ends: the only
# files of the output opened to look for the store's tables.
_DATABASE_ENDS = (".sqlite3", ".sqlite", ".db", ".db3")
# The first bytes of an SQLite write-ahead log (either byte order).
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")


def _is_database_journal(name: str, path: Path) -> bool:
    """Whether the file ``name`` (at ``path``) is the ``-wal`` or ``-shm``
    of a database named as one (``hooks.db-wal``): a ``-wal`` that starts
    as SQLite's logs do, a ``-shm`` beside it."""
    base, end = name[:-4], name[-4:]
    if end not in WAL_ENDS or not base.lower().endswith(_DATABASE_ENDS):
        return False
    wal = path if end == "-wal" else path.with_name(base + "-wal")
    try:
        with wal.open("rb") as file:
            return file.read(4) in _WAL_MAGIC
    except OSError:
        return False


def _store_named(name: str, stores: Collection[str]) -> str:
    """What the store that the file ``name`` is (or copies) was named by:
    FLATTR_STORE, or no setting (the commands' default): the one whose
    name it holds the longest, as it is, with its WAL's ends or as a copy's
    (FLATTR_STORE ``flattr`` does not name ``flattr-store.sqlite3``)."""
    named_by = max(
        (
            (len(store), store in stores)
            for store in {DEFAULT_STORE, *stores}
            if name == store or _named_as_copy(name, [store])
        ),
        default=(0, False),
    )
    if named_by[1]:
        return "FLATTR_STORE"
    return f"{DEFAULT_STORE}, the commands' store without FLATTR_STORE or --store"


def _report_unchecked_folders(audit: Audit, output: Path, found: SiteFiles) -> None:
    """Report the folders of ``output`` whose files are not checked, as
    ``found``: those that cannot be read, and links to folders outside it
    or to the kernel's files."""
    for folder in sorted(found.unreadable):
        audit.problem(
            "unreadable",
            _name_in(output, folder),
            "cannot be read: its files are not checked",
        )
    for link, target in sorted(found.linked_outside.items()):
        audit.problem(
            "link-outside",
            _name_in(output, link),
            f"is a link to {portable_path(target)}, a folder outside the output "
            "folder: its files are not checked",
            "its files in the output itself: a deploy may copy a link as a "
            "link, or all it points at",
        )
    for link, target in sorted(found.kernel_files_linked.items()):
        audit.problem(
            "link-outside",
            _name_in(output, link),
            f"is a link to {portable_path(target)}, a file the kernel makes as "
            "it is read, outside the output folder: it is not read",
            "no link to a system file: a deploy may copy a link as a link, or "
            "publish what it names",
        )
    files = sorted(
        (link, target)
        for link, target in found.files_linked_outside.items()
        if link not in found.kernel_files_linked
    )
    if files:
        # A note, not a problem: Pelican links static files so (its
        # STATIC_CREATE_LINKS across file systems), a CI its kept manifest.
        shown = [f"{_name_in(output, link)} -> {target}" for link, target in files]
        one = len(files) == 1
        audit.report.notes.append(
            redact(
                f"{len(files)} file{'' if one else 's'} of the output "
                f"{'is a link' if one else 'are links'} to a file outside it, "
                f"checked as {'it' if one else 'those'}: {listed(shown, 3)}. A "
                "deploy may copy a link as a link, or publish what it names: "
                "make sure each is meant to be published"
            )
        )


def _check_files(
    audit: Audit,
    addresses: _PrivateAddresses,
    seen: PagesSeen,
    own: Iterable[tuple[Path, str]],
    others: Iterable[tuple[Path, str]],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Check each file, read once: this site's (``own``), and other
    sites' in folders of the output (``others``) for the owners' addresses
    alone; each with its name. ``progress``, if given, is called with
    (done, total) after each."""
    # Another site's files are that site's audit's to check, but for the
    # addresses of this one's owners: no file of the output may publish
    # them, and a folder that merely holds a manifest (an old deploy kept
    # for reference, with its pages) must not hide one from this audit.
    checked = [
        *((path, relative, False) for path, relative in own),
        *((path, relative, True) for path, relative in others),
    ]
    # The manifest's compressed copies first: one that differs from it
    # tells the checks of the pages that the manifest may be older than
    # they are (a row said first, too).
    in_output = audit.manifest_in_output
    checked.sort(key=lambda each: not _is_copy_of(each[1], in_output))
    for done, (path, relative, addresses_only) in enumerate(checked, 1):
        _check_file(audit, addresses, path, relative, seen, addresses_only)
        if path.suffix.lower() in COPY_SERVERS:  # notes.txt.GZ is one too
            differs = _check_compressed_copy(
                audit, addresses, path, relative, addresses_only
            )
            if differs and _is_copy_of(relative, in_output):
                copied = mtime_ns(path)
                if copied is not None:
                    seen.manifest_copy_mtime_ns = max(
                        copied, seen.manifest_copy_mtime_ns or copied
                    )
        if progress is not None:
            progress(done, len(checked))


def _named_as_copy(name: str, stores: Collection[str]) -> bool:
    """Whether the file name ``name`` is one of ``stores`` with something
    after it, as a copy is named (``flattr.sqlite.bak``, ``…sqlite~``):
    not another name that starts as one does (``flattr.sqlite3`` beside
    ``flattr.sqlite``)."""
    return any(
        name.startswith(store) and name[len(store) : len(store) + 1] in _COPY_MARKS
        for store in stores
    )


# What follows a file's name in the name of its copy.
_COPY_MARKS = frozenset(".-_~ (")


def _is_sqlite_database(path: Path) -> bool:
    """Whether the file at ``path`` opens as an SQLite database does."""
    try:
        with path.open("rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False  # said as the file's own check reads it


def _is_copy_of(relative: str, original: str | None) -> bool:
    """Whether ``relative`` names a compressed copy of ``original`` (both
    relative to the output)."""
    if original is None or not relative.startswith(original):
        return False  # nearly every file: one search in C
    return relative[len(original) :].lower() in COPY_SERVERS


def _note_what_pages_show(audit: Audit, seen: PagesSeen, manifest: str) -> None:
    """Say first what the pages showed together (``seen``) of the manifest
    (named ``manifest``): that none shows its things, but other sites'
    (another site's manifest, audited without --settings, which compares
    the sites); else the pages and feeds newer than it whose links it does
    not know (an earlier build's manifest, deployed with later pages). One
    note, not advice in each of 20,000 rows."""
    if audit.manifest.things and not seen.names_a_thing and seen.other_site_pages:
        sites = sorted(
            seen.other_sites, key=lambda site: (-seen.other_sites[site], site)
        )
        one = seen.other_site_pages == 1
        audit.report.notes.insert(
            0,
            redact(
                f"No page names a thing of the manifest {manifest}, whose siteurl "
                f"is {audit.report.siteurl}, while {seen.other_site_pages} "
                f"{'page shows' if one else 'pages show'} buttons of things at "
                f"{listed(sites, 3)}: the manifest of another site? Audit with the "
                "manifest of the build that wrote these pages, or give --settings, "
                "and the audit compares the manifest's siteurl with the settings'"
            ),
        )
        return
    files = sorted(seen.newer_files)
    if seen.pages_after:
        _note_unfinished_build(audit, seen, manifest, files)
        return
    if not files:
        return
    audit.report.notes.insert(
        0,
        redact(
            f"The manifest {manifest} is older than {len(files)} "
            f"file{'' if len(files) == 1 else 's'} whose links name things of its "
            f"site that it does not know: {listed(files, 3)} "
            f"({seen.manifest_older}). The manifest of an earlier build, deployed "
            "with a later build's pages? Deploy the manifest of the build that "
            "wrote them, then audit again. Or a build that stopped after its "
            "pages, before its manifest (an error in another plugin)? Build the "
            "site again, to its end"
        ),
    )


def _note_unfinished_build(
    audit: Audit, seen: PagesSeen, manifest: str, files: list[str]
) -> None:
    """Say first that a build that did not finish wrote some of the pages
    of the manifest (named ``manifest``) after it (``seen.pages_after``),
    and ``files``, whose links it does not know: each row says what its
    file shows, and this, what they show together."""
    also = ""
    if files:
        also = (
            f", as {'is' if len(files) == 1 else 'are'} {len(files)} "
            f"file{'' if len(files) == 1 else 's'} whose links name things of "
            f"its site that it does not know ({listed(files, 3)})"
        )
    audit.report.notes.insert(
        0,
        redact(
            f"{seen.pages_after} of the {seen.pages_listed} pages the manifest "
            f"{manifest} lists are newer than it{also}: a build that did not "
            "finish (stopped, or ended by an error) wrote them after the "
            "manifest, an earlier build's? Build the site again, to its end, "
            "then audit again: deployed as it is, the pages and the manifest "
            "describe two builds"
        ),
    )


def _no_manifest(
    path: Path, manifest_given: bool, settings_given: bool, placed_by_settings: bool
) -> str:
    """Why there may be no manifest at ``path`` (the one ``--manifest``
    gives, with ``manifest_given``; the one the settings' FLATTR_MANIFEST
    names, with ``placed_by_settings``; else where the build writes it by
    default), and what to do: never to give what the operator gave already."""
    where = ""
    if manifest_given:
        where = ", at the path --manifest gives"
        elsewhere = (
            "if the build's settings set FLATTR_MANIFEST, audit without "
            "--manifest, and the audit takes the path they name"
            if settings_given
            else "if the settings it was built with set FLATTR_MANIFEST, give "
            "them with --settings instead, and the audit takes the path they name"
        )
    elif placed_by_settings:
        where = ", at the path the settings' FLATTR_MANIFEST names"
        elsewhere = "if the build wrote it elsewhere, give --manifest"
    elif settings_given:
        elsewhere = "if the build wrote it elsewhere, give --manifest"
    else:
        elsewhere = "with FLATTR_MANIFEST set, give --settings or --manifest"
    missing = "no such manifest"
    if os.path.islink(path):
        # Emptied by a failed build, or made empty for the first.
        missing = (
            empty_manifest_said(path)
            if os.path.exists(path)
            else f"no manifest where its link points ({os.path.realpath(path)})"
        )
    return f"{path}: {missing}{where}: {NO_MANIFEST_WRITTEN}; {elsewhere}"


def _check_manifest_fields(audit: Audit, manifest: str) -> None:
    """Say so where a thing's field in the manifest (named ``manifest``
    in the report) is not what its auto_submit_url sends to Flattr.

    The manifest records what was sent (docs/manifest.md): a field
    edited by hand, an owner say, no page shows, and ``diff`` would
    then report an owner change that never happened.
    """
    for index, thing in enumerate(audit.manifest.things):
        owner = thing["owner"]
        fields = {
            "url": ("url", thing["url"]),
            _OWNER_PARAMETER.get(owner["kind"], "owner"): ("owner", owner["value"]),
            "title": ("title", thing["title"]),
            "description": ("description", thing["description"]),
            "category": ("category", thing["category"]),
            "language": ("language", thing["language"]),
            "tags": ("tags", ",".join(thing["tags"])),
            "hidden": ("hidden", "1" if thing["hidden"] else ""),
        }
        sent = url_parameters(thing["auto_submit_url"])
        for key in [*fields, *(key for key in sent if key not in fields)]:
            # Another owner's parameter (user_id beside owner) is the
            # owner's field too.
            name, value = fields.get(key, ("owner", ""))
            if sent.get(key, []) == ([value] if value else []):
                continue
            said = ", ".join(f"{key}={each!r}" for each in sent.get(key, []))
            recorded = owner["value"] if name == "owner" else thing[name]
            audit.problem(
                "manifest-field",
                manifest,
                f"things[{index}].{name} of {thing['url']} is {recorded!r}, "
                f"but its auto_submit_url sends {said or f'no {key}'}",
                "the fields its auto_submit_url sends to Flattr: a manifest "
                "edited by hand? Build the site again",
            )


# The most the audit reads of one page or feed, which it reads whole.
MAX_PAGE_BYTES = 256 * 1024 * 1024


def _check_file(
    audit: Audit,
    addresses: _PrivateAddresses,
    path: Path,
    relative: str,
    seen: PagesSeen,
    addresses_only: bool = False,
) -> None:
    """Check the file at ``path`` (``relative`` to the output), a page's
    or feed's findings that no one file tells going to ``seen``; with
    ``addresses_only`` (another site's, in a folder of this output) for
    the owners' addresses alone."""
    suffix = path.suffix.lower()
    audit.report.files += 1
    try:
        with path.open("rb") as stream:
            start = stream.read(CHUNK_SIZE)
            # A browser reads a file that opens with UTF-16's byte order
            # mark as UTF-16, whatever it declares, as XML readers do: its
            # text is read as UTF-8 here, the encoding of the rest.
            wide = start.startswith(_UTF16_MARKS)
            # A thing's page is one whatever its name ends with.
            is_page = suffix in HTML_SUFFIXES or relative in audit.manifest.by_page
            if (
                is_page
                or relative in audit.manifest.feed_files
                or (suffix in FEED_SUFFIXES and _is_feed(start))
            ):
                size = os.fstat(stream.fileno()).st_size
                if size > MAX_PAGE_BYTES:
                    # Read whole, as a page is, it ended the audit in a
                    # MemoryError: no site's page is a tenth this size.
                    raise OSError(
                        errno.EFBIG,
                        f"{size:,} bytes, more than the audit reads of a page or "
                        f"feed ({MAX_PAGE_BYTES:,})",
                    )
                data = start + stream.read()
                # The feed's XML parser reads UTF-16 itself, by its mark.
                text = _as_utf8(data) if wide else data
                if is_page:
                    _check_privacy(
                        audit, addresses, relative, with_entities_decoded(text)
                    )
                    if not addresses_only:
                        check_page(audit, relative, scan_page(text), path, seen)
                else:
                    # A feed escapes the HTML it carries once more.
                    decoded = with_entities_decoded(text, times=2)
                    _check_privacy(audit, addresses, relative, decoded)
                    if not addresses_only:
                        check_feed(audit, relative, data, path, seen)
            elif wide or b"\0" not in start[:8192]:  # not binary, by git's rule
                # A published source: reStructuredText's escapes read.
                raw = _utf8_chunks(start, stream) if wide else _chunks(start, stream)
                _check_privacy(audit, addresses, relative, with_escapes_read(raw))
    except OSError as error:
        audit.unread.add(relative)
        audit.problem(
            "unreadable",
            relative,
            f"cannot be read ({error.strerror or error})",
            # Readable, only too large: "make it readable" was no fix.
            "no page or feed this large: delete it, or move it out of the output"
            if error.errno == errno.EFBIG
            else "",
        )


# The byte order marks of UTF-16, the one encoding beside UTF-8 that a
# browser tells by its mark (WHATWG Encoding, "BOM sniff").
_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _as_utf8(data: bytes) -> bytes:
    """``data``, UTF-16 with its byte order mark, as UTF-8."""
    return data.decode("utf-16", "replace").encode("utf-8", "surrogatepass")


def _utf8_chunks(start: bytes, stream: Any) -> Iterator[bytes]:
    """``_chunks`` of a UTF-16 file (``start`` and the rest of ``stream``),
    its text as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-16")("replace")
    tail = b""
    block = start
    while block:
        more = stream.read(CHUNK_SIZE)
        text = decoder.decode(block, final=not more).encode("utf-8", "surrogatepass")
        if text:
            yield tail + text
            tail = (tail + text)[-CHUNK_OVERLAP:]
        block = more


def _is_feed(start: bytes) -> bool:
    """Whether ``start``, a file's first CHUNK_SIZE bytes, begins an Atom
    or RSS feed: its first element, past the prolog, is <feed> or <rss>."""
    if start.startswith(_UTF16_MARKS):
        start = start.decode("utf-16", "replace").encode()
    start = start.removeprefix(codecs.BOM_UTF8)
    prolog = _XML_PROLOG.match(start)  # may be empty, so never None
    return _FEED_ELEMENT.match(start, prolog.end()) is not None


def _check_compressed_copy(
    audit: Audit,
    addresses: _PrivateAddresses,
    path: Path,
    relative: str,
    addresses_only: bool = False,
) -> bool:
    """Say so when ``path`` (``page.html.gz``) is no copy of the page,
    feed or manifest beside it as built now, and which owners' addresses
    it holds when it is not (``addresses_only``: whether it is not
    checked, see ``_check_file``). Returns whether it was said to differ
    from that file (or not to decompress).

    A server that sends precompressed files (nginx's ``gzip_static``)
    sends the copy in its place: an earlier build's, left by
    pelican-precompress (which keeps an existing copy by default) in an
    output folder Pelican does not empty, still shows the old buttons,
    owners or an address. Only those files are compared: a site may
    publish other archives beside what they hold. Those (and a copy
    that is not the file as built) are read for addresses all the same:
    pelican-precompress compresses robots.txt and search.json too, and
    nginx sends what they hold. Brotli and zstd copies (``page.html.br``)
    are compared too, Brotli ones with the brotli module, and ones the
    audit cannot read by their age (see ``_copy_noted_by_age``); they are not
    read for addresses.
    """
    if relative in audit.unread:
        return False
    as_built = None if addresses_only else _is_copy_as_built(audit, path, relative)
    # Any gzip file but a copy as built is read for addresses.
    if path.suffix.lower() == ".gz" and not as_built:
        _check_privacy(audit, addresses, relative, _gzipped_text(audit, path, relative))
    return as_built is False


def _is_copy_as_built(audit: Audit, path: Path, relative: str) -> bool | None:
    """Whether ``path`` is a compressed copy (gzip, Brotli or zstd) of
    the page, feed or manifest beside it as built: True when it is, False
    when it is not, said so; None when it is no such copy, or the two are
    not compared (a copy of a file the site does not have is said so)."""
    original = relative.removesuffix(path.suffix)
    server = COPY_SERVERS[path.suffix.lower()]
    suffix = Path(original).suffix.lower()
    if not (
        suffix in HTML_SUFFIXES
        or suffix in FEED_SUFFIXES
        or original in audit.manifest.by_page
        or original in audit.manifest.feed_files
        or original == audit.manifest_in_output
        or posixpath.basename(original) == MANIFEST_NAME
    ):
        return None
    if original not in audit.files:
        # The copy of a page or feed the manifest lists is said in that
        # file's row (page-missing, feed-missing): the site must have the
        # file, and deleting the copy is no fix.
        if not (
            audit.not_checked(original)
            or original in audit.manifest.by_page
            or original in audit.manifest.feed_files
        ):
            audit.problem(
                "compressed-copy",
                relative,
                f"is a compressed copy of {original}, which the site does not "
                "have: a server that sends precompressed files (nginx's "
                f"{server}) sends it at {original}'s address",
                "no copy of a file the site does not have: delete it",
            )
        return None
    if original in audit.unread:
        return None  # said: "cannot be read"
    suffix = path.suffix.lower()
    if suffix == ".gz":
        blocks = _gunzipped(path)
    elif suffix == ".br" and _brotli is not None:
        blocks = _unbrotlied(path)
    else:
        return _copy_noted_by_age(audit, path, relative)
    try:
        # Read no further than the original: no bomb holds it up.
        if file_holds(path.with_suffix(""), blocks):
            return True
        why = _differs(path, original)
    except _DECOMPRESS_ERRORS as error:
        why = (
            f"cannot be decompressed ({getattr(error, 'strerror', None) or error}) "
            f"({original}): cut short, or an earlier build's?"
        )
    audit.problem(
        "compressed-copy",
        relative,
        f"{why} A server that sends precompressed files (nginx's {server}) sends "
        "the copy in its place",
        _copy_fix(original),
    )
    return False


def _differs(copy: Path, original: str) -> str:
    """What to say of a compressed ``copy`` that differs from the file it
    copies (``original``, relative to the output), by which of the two was
    written last: the newer is not always the good one (a page edited by
    hand, or cut short in an upload, after pelican-precompress wrote its
    copies), so neither is taken for the stale one. Two stats, of a copy
    with a problem."""
    copied, written = mtime_ns(copy), mtime_ns(copy.with_suffix(""))
    if copied is None or written is None or copied == written:
        return f"differs from {original}: one of the two is not as the build wrote it?"
    if written > copied:
        return (
            f"differs from {original}, which is newer than it: {original} changed "
            "after it was compressed (edited by hand, cut short in an upload, or "
            "minified after pelican-precompress, as with i18n_subsites), or the "
            "copy is an earlier build's, which pelican-precompress keeps by default?"
        )
    return (
        f"differs from {original}, which is older than it: an earlier build's "
        f"{original}, deployed or copied back with its mtime, or a copy made of "
        "another text?"
    )


def _copy_fix(original: str) -> str:
    """What to do about a copy of ``original`` that differs from it: the
    two as one build wrote them, whichever is wrong (deleting the copy, or
    compressing the file again, spreads a page cut short in an upload).
    Its other copies, made with it, may be as wrong, and a server may send
    one of them first (nginx sends the .br before the .gz to a browser
    that takes both)."""
    return (
        f"{original} and its compressed copies (.gz, .br, .zst) as one build "
        "wrote them: deploy them again from the build's output, or build again "
        "with PRECOMPRESS_OVERWRITE = True (pelican-precompress), which "
        "compresses them all again"
    )


def _copy_noted_by_age(audit: Audit, path: Path, relative: str) -> bool | None:
    """Whether ``path``, a compressed copy of a page that the audit cannot
    read (a zstd one, or Brotli without the brotli module), may be a copy
    of it as built: True, but noted (``Audit.unread_older_copies``) when it
    is older than the page; None when their ages cannot be told.
    pelican-precompress writes its copies after the build writes the page
    and keeps an existing one by default, so an older copy may be an
    earlier build's; but with PRECOMPRESS_OVERWRITE it keeps an older one
    that matches too, so age alone is no problem."""
    try:
        if path.stat().st_mtime_ns < path.with_suffix("").stat().st_mtime_ns:
            audit.unread_older_copies.append(relative)
    except OSError:
        return None  # read already, and said so if it could not be
    return True


def _things_first(audit: Audit, copy: str) -> tuple[bool, str]:
    """A sort key: the copies of things' pages first (where a stale copy
    shows an old button), then the rest, by name."""
    return (posixpath.splitext(copy)[0] not in audit.manifest.by_page, copy)


def _note_unread_older_copies(audit: Audit) -> None:
    """Say, once, which copies the audit could not read are older than
    what they copy: an earlier build's, or ones pelican-precompress kept
    because they match; the brotli module tells .br copies apart."""
    copies = audit.unread_older_copies
    if not copies:
        return
    brotli = (
        "; install the brotli module (1.2 or later) where the audit runs, and "
        "it compares .br copies"
        if any(copy.lower().endswith(".br") for copy in copies)
        else ""
    )
    one = len(copies) == 1
    audit.report.notes.append(
        redact(
            f"{len(copies)} compressed {'copy' if one else 'copies'} the audit "
            f"cannot read (Brotli or zstd) {'is' if one else 'are'} older than "
            f"what {'it copies' if one else 'they copy'}: "
            f"{listed(sorted(copies, key=lambda copy: _things_first(audit, copy)), 3)}"
            ". An earlier build's, which "
            "pelican-precompress keeps by default (and a server sends in the "
            f"page's place), {_CHANGED_SINCE}, or one it kept as it matches "
            f"(PRECOMPRESS_OVERWRITE = True){brotli}; to be sure, delete them "
            "and build again"
        )
    )


def _unbrotlied(path: Path) -> Iterator[bytes]:
    """The bytes a Brotli file holds, in blocks of about CHUNK_SIZE:
    however much a few bytes of it hold (a bomb), no block is larger.
    Raises EOFError when it ends before its stream does."""
    decompressor = _brotli.Decompressor()
    with path.open("rb") as stream:
        while data := stream.read(CHUNK_SIZE):
            yield decompressor.process(data, output_buffer_limit=CHUNK_SIZE)
            # What the input holds beyond the limit, until it needs more.
            # (can_accept_more_data() said True with megabytes still to
            # come, in brotli 1.2.1.)
            while not decompressor.is_finished():
                block = decompressor.process(b"", output_buffer_limit=CHUNK_SIZE)
                if not block:
                    break
                yield block
    if not decompressor.is_finished():
        raise EOFError("Compressed file ended before the end-of-stream marker")


def _gzipped_text(audit: Audit, path: Path, relative: str) -> Iterator[bytes]:
    """The text the gzip file at ``path`` holds, in chunks as
    ``_chunks`` gives them, up to where it cannot be decompressed
    (``_is_copy_as_built`` says so where it matters); none when it is
    binary (a .tar.gz), as for any file. A gzip bomb is read up to its
    limit (see GZIP_MOST_RATIO), and a problem says the rest was not."""
    try:
        limit = max(GZIP_LEAST_READ, GZIP_MOST_RATIO * path.stat().st_size)
        with gzip.open(path, "rb") as stream:
            limited = _Limited(stream, limit)
            start = limited.read(CHUNK_SIZE)
            if b"\0" in start[:8192]:
                return
            yield from with_escapes_read(_chunks(start, limited))
            if not stream.read(1):
                return
    except (OSError, EOFError, zlib.error):
        return
    audit.problem(
        "unreadable",
        relative,
        f"decompresses to more than {limit:,} bytes, the most the audit "
        f"reads of a gzip file of its size ({GZIP_MOST_RATIO} times it, at "
        f"least {GZIP_LEAST_READ:,}): a gzip bomb? The rest is not checked",
        "a compressed file no larger than what it holds allows: delete it",
    )


def _check_privacy(
    audit: Audit, addresses: _PrivateAddresses, relative: str, chunks: Iterable[bytes]
) -> None:
    for leak in _leaks(addresses, chunks):
        audit.problem(
            "address-published",
            relative,
            f"holds {leak}",
            "only email:<md5> may be published",
        )


def _check_names(
    audit: Audit, addresses: _PrivateAddresses, names: Iterable[str]
) -> None:
    """Report each file or folder of ``names`` (the site's files,
    relative to the output) whose own name holds an email owner's
    address: a web server publishes it in the URL, and an index of the
    folder lists it. A folder is reported once, not with each file."""
    checked: set[str] = set()
    for name in names:
        if "@" not in name and "%40" not in name:  # as_seen's test, cheaper
            continue
        parts = name.split("/")
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path in checked:
                continue
            checked.add(path)
            own = parts[depth - 1].encode()
            for leak in _leaks(addresses, [own]):
                audit.problem(
                    "address-published",
                    path,
                    f"is named with {leak}: its URL publishes it",
                    "a name without the address (only email:<md5> may be "
                    "published): rename it (a page: its slug or save_as)",
                )


def _leaks(addresses: _PrivateAddresses, chunks: Iterable[bytes]) -> list[str]:
    """Whose plain email addresses ``chunks`` hold, each said once, as a
    problem says it ("the plain email address of ...")."""
    names, digests = set(), set()
    for chunk in as_seen(chunks):
        names.update(plain_addresses_in(chunk.lower(), addresses.plain))
        # Every address-shaped text is decoded to find the owners' by
        # hash. The settings' addresses, known as written, need only
        # those spelt otherwise: without email owners, only an "@"
        # with a "%" (or a non-ASCII letter) beside it is read further.
        if addresses.email_owners:
            found_in = addresses_in(chunk)
        elif addresses.spelt_otherwise(chunk):
            found_in = addresses_in(chunk, near=addresses.spelt_otherwise)
        else:
            continue
        for found in found_in:
            if addresses.spelt_otherwise(found):
                decoded = unquote_to_bytes(found).decode("utf-8", "replace")
                names.update(
                    plain_addresses_in(decoded.lower().encode(), addresses.plain)
                )
            if not addresses.email_owners:
                continue
            for address in candidate_addresses(found):
                digest = hash_email(address)
                if digest in addresses.email_owners:
                    digests.add(digest)
    leaks = []
    for name, digest in sorted(names):
        # Found by its hash too: one address, one problem.
        behind = (
            f", behind owner {_owner_of_things(addresses, digest)}"
            if digest in digests
            else ""
        )
        digests.discard(digest)
        leaks.append(f"the plain email address of {name}{behind}")
    leaks += [
        f"the plain email address behind owner {_owner_of_things(addresses, digest)}"
        for digest in sorted(digests)
    ]
    return leaks


def _owner_of_things(addresses: _PrivateAddresses, digest: str) -> str:
    """An email owner, named by its hash and its things."""
    urls = addresses.email_owners[digest]
    things = f"thing {urls[0]}" if len(urls) == 1 else f"{len(urls)} things"
    return f"email:{digest} (the owner of {things})"


def _report_missing(audit: Audit, seen: PagesSeen) -> AuditReport:
    missing_feeds: dict[str, int] = {}
    for thing in audit.manifest.things:
        if thing["page"] not in audit.files and not audit.not_checked(thing["page"]):
            audit.problem(
                "page-missing",
                thing["page"],
                "is missing" + _copies_left(audit, thing["page"]),
                f"the page of {thing['url']}",
            )
        for feed in thing["feeds"]:
            if (thing["url"], feed) in audit.feeds_seen or audit.not_checked(feed):
                continue
            if feed not in audit.files:  # said once, below
                missing_feeds[feed] = missing_feeds.get(feed, 0) + 1
                continue
            audit.problem(
                "payment-link-missing",
                feed,
                f"does not carry the payment link of {thing['url']}"
                + seen.later_than_manifest(feed),
                "the entry named in the manifest, with its payment link",
            )
    _note_unread_older_copies(audit)
    for feed, count in sorted(missing_feeds.items()):
        audit.problem(
            "feed-missing",
            feed,
            "is missing" + _copies_left(audit, feed),
            f"the feed the manifest lists, with {count} payment "
            f"link{'' if count == 1 else 's'}",
        )
    return audit.report


def _copies_left(audit: Audit, missing: str) -> str:
    """What to add to the row of ``missing``, a file of the manifest the
    output lacks, for the compressed copies of it the output holds (which
    ``_is_copy_as_built`` leaves to this row): a server sends them at its
    address."""
    copies = [
        copy
        for suffix in COPY_SERVERS
        for copy in (missing + suffix, missing + suffix.upper())
        if copy in audit.files
    ]
    if not copies:
        return ""
    one = len(copies) == 1
    return (
        f", but its compressed {'copy' if one else 'copies'} {listed(sorted(copies))} "
        f"{'is' if one else 'are'} there, which a server that sends precompressed "
        "files sends in its place"
    )


def _gunzipped(path: Path) -> Iterator[bytes]:
    """The bytes a gzip file holds, a block at a time."""
    with gzip.open(path, "rb") as stream:
        while block := stream.read(CHUNK_SIZE):
            yield block


class _Limited:
    """A stream of which no more than ``limit`` bytes are read."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.left = stream, limit

    def read(self, size: int) -> bytes:
        data = self.stream.read(min(size, self.left))
        self.left -= len(data)
        return data


def _chunks(start: bytes, stream: Any) -> Iterator[bytes]:
    """``start`` and the rest of ``stream``, in chunks of CHUNK_SIZE that
    each begin with the last CHUNK_OVERLAP bytes of the one before."""
    chunk = start
    while chunk:
        yield chunk
        more = stream.read(CHUNK_SIZE)
        chunk = chunk[-CHUNK_OVERLAP:] + more if more else b""
