"""The output folder of a built site: its files walked, and the manifests
in it told apart.

``site_files`` lists every file an audit reads, as a web server serving
the folder would find them, and the folders it cannot read or that link
outside it; a folder with a pelican-flattr manifest of its own is another
site's (a language's of i18n_subsites). ``is_earlier_manifest`` and
``is_language_sibling`` tell a manifest an earlier build left from one of
the same build.
"""

from __future__ import annotations

import errno
import filecmp
import os
import posixpath
import re
import stat
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .manifest import not_a_manifest, portable_path
from .settings import MANIFEST_NAME


class OutputFolderError(ValueError):
    """The output folder cannot be listed, or its files opened: none of
    them can be checked."""


@dataclass(frozen=True)
class SiteFiles:
    """What ``site_files`` finds in an output folder, each list in a stable
    order."""

    # This site's regular files (or files this user may not reach), sorted.
    files: tuple[Path, ...]
    # The folders that cannot be listed, or whose files cannot be reached
    # (mode r--), as the walk met them.
    unreadable: tuple[Path, ...]
    # Each folder that holds another site's output -> the path of its
    # manifest in it, as the walk met them.
    other_sites: Mapping[Path, str]
    # The files of those folders, sorted: checked for owners' addresses
    # only (see audit_site).
    other_sites_files: tuple[Path, ...]
    # Each link to a folder outside the output -> the folder it resolves to.
    linked_outside: Mapping[Path, str]
    # Each link to a file outside the output -> the file it resolves to.
    files_linked_outside: Mapping[Path, str]
    # Those of them that resolve to a file of the kernel's (see
    # ``is_kernel_file``), left out of ``files``: never read.
    kernel_files_linked: Mapping[Path, str]


def site_files(
    output: Path,
    manifest: Path,
    *,
    own_folders: Collection[str] = (),
    manifest_in_output: str | None = None,
    language_manifests: Collection[str] = (),
) -> SiteFiles:
    """Every regular file of the output tree, and what the walk found
    besides (see ``SiteFiles``).

    Links to files are followed, as a web server serving the tree follows
    them; a link to a file this user may not reach (in a folder it may not
    enter) is listed all the same, for the audit to say it cannot be read.
    One to a file outside the tree is in ``files_linked_outside`` too, with
    the file it resolves to. Links to folders are not walked: one to a
    folder of the tree is walked under that folder's own name, and one to a
    folder outside it (which may be the whole file system) is in
    ``linked_outside``, with the folder it resolves to. Anything else is
    skipped, never opened: a broken link cannot be read, and reading a FIFO
    would wait for ever; so is a link to a file of the kernel's
    (``kernel_files_linked``: ``is_kernel_file``). Folders that
    cannot be listed, or whose files cannot be reached (mode r--), are
    ``unreadable``. A folder below ``output`` that holds a manifest of its
    own is another site's output (in ``other_sites``, with the path of
    that manifest in it), its files left out of ``files`` and in
    ``other_sites_files``, unless it holds ``manifest``, the one audited
    (FLATTR_MANIFEST may put it in feeds/), or is one of ``own_folders``
    (relative to ``output``, as ``site_folders`` gives them): both are
    this site's. See ``_other_site_manifest`` for what another site's
    manifest is (``language_manifests``: the paths the languages' sites
    name their own by).
    """
    files: list[Path] = []
    unreadable: list[Path] = []
    other_sites: dict[Path, str] = {}
    other_sites_files: list[Path] = []
    linked_outside: dict[Path, str] = {}
    files_linked_outside: dict[Path, str] = {}
    kernel_files_linked: dict[Path, str] = {}
    try:
        audited = os.stat(manifest)
    except OSError:
        audited = None

    def on_error(error: OSError) -> None:
        unreadable.append(Path(error.filename))

    top = os.fspath(output)
    real_output: str | None = None
    # The folders of other sites, each with os.sep after it.
    others: tuple[str, ...] = ()
    for folder, folders, names in _walk(top, on_error):
        # One inside another site is that site's, whatever it holds: its
        # own audit says what its manifest is.
        inside = folder.startswith(others) if others else False
        own = (
            _other_site_manifest(
                Path(folder), names, manifest_in_output, audited, language_manifests
            )
            if folder != top and not inside
            else None
        )
        if (
            own is not None
            # A manifest that a build with another FLATTR_MANIFEST left
            # among this site's pages or feeds makes them no other site's.
            and portable_path(Path(folder).relative_to(output).as_posix())
            not in own_folders
        ):
            other_sites[Path(folder)] = own
            others += (os.path.join(folder, ""),)
            inside = True
        linked = [name for name in folders if os.path.islink(Path(folder, name))]
        if linked:
            # Not walked (see above); only those outside are reported.
            folders[:] = [name for name in folders if name not in linked]
            real_output = real_output or os.path.realpath(output)
            for name in linked:
                target = os.path.realpath(Path(folder, name))
                if not _within(target, real_output):
                    linked_outside[Path(folder, name)] = target
        try:
            if folders and not names:
                # No file tells whether it may be entered (see
                # _is_file_to_check): "." in it is reached as they are.
                _enter(folder)
            found = [
                path
                for path in (Path(folder, name) for name in names)
                if _is_file_to_check(path)
            ]
            if any(os.path.islink(path) for path in found):
                # Read as the file it names, as a server sends it, but said:
                # a deploy may publish what it names (a link put there to a
                # secret), or copy the link alone.
                real_output = real_output or os.path.realpath(output)
                outside = {
                    path: target
                    for path in found
                    if os.path.islink(path)
                    and not _within(target := os.path.realpath(path), real_output)
                }
                files_linked_outside.update(outside)
                kernel = {
                    path: target
                    for path, target in outside.items()
                    if is_kernel_file(target)
                }
                if kernel:
                    kernel_files_linked.update(kernel)
                    found = [path for path in found if path not in kernel]
        except _NotEntered as error:
            on_error(PermissionError(error.errno, error.strerror, folder))
            folders[:] = []
            continue
        if inside:
            other_sites_files += found
        else:
            files += found
    return SiteFiles(
        files=tuple(sorted(files)),
        unreadable=tuple(unreadable),
        other_sites=other_sites,
        other_sites_files=tuple(sorted(other_sites_files)),
        linked_outside=linked_outside,
        files_linked_outside=files_linked_outside,
        kernel_files_linked=kernel_files_linked,
    )


def _walk(
    top: str, on_error: Callable[[OSError], None]
) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror=on_error)``, top-down, that does not recurse:
    before Python 3.12 os.walk calls itself for each level, and a tree a
    thousand folders deep (which anyone who writes to the output may make)
    ended the audit with a RecursionError. As there, the caller may prune
    the folders listed before they are walked; they are walked depth first,
    in the order listed."""
    stack = [top]
    while stack:
        folder = stack.pop()
        folders, names = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_folder = entry.is_dir()
                    except OSError:  # as os.walk: then it is no folder
                        is_folder = False
                    (folders if is_folder else names).append(entry.name)
        except OSError as error:
            on_error(error)
            continue
        yield folder, folders, names
        stack += [os.path.join(folder, name) for name in reversed(folders)]


# Linux's file systems whose files the kernel makes as they are read.
_KERNEL_FOLDERS = ("/proc/", "/sys/")


def is_kernel_file(real_path: str) -> bool:
    """Whether ``real_path`` (a real path) is a file of /proc or /sys, which
    the audit never reads: /proc/kmsg, a regular file to ``stat``, waits
    for the kernel's next message, and takes it from the system's log."""
    return real_path.startswith(_KERNEL_FOLDERS)


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (both real paths)."""
    try:
        return os.path.commonpath((path, folder)) == folder
    except ValueError:  # on another drive, on Windows
        return False


class _NotEntered(PermissionError):
    """A folder that can be listed, but whose files cannot be reached."""


def _enter(folder: str) -> None:
    """Raise _NotEntered unless this user may reach what ``folder`` holds."""
    try:
        os.stat(os.path.join(folder, os.curdir))
    except PermissionError as error:
        raise _NotEntered(error.errno, error.strerror, folder) from None


def _is_file_to_check(path: Path) -> bool:
    """Whether ``path`` is a regular file, or may be one this user cannot
    reach (a link into a folder it may not enter), which the audit then
    reports; not a broken link, a FIFO or a device."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as error:
        # No target, or a link to itself. (Not Path.is_file(): Python
        # versions differ on EACCES, raised or taken for "no file".)
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return False
    try:
        os.lstat(path)
    except PermissionError as error:  # the folder holding it: one problem
        raise _NotEntered(error.errno, error.strerror, path) from None
    except OSError:
        pass
    return True


def _other_site_manifest(
    folder: Path,
    names: Collection[str],
    relative: str | None,
    audited: os.stat_result | None,
    language_manifests: Collection[str] = (),
) -> str | None:
    """The path in ``folder`` (whose files are ``names``) of another site's
    manifest, one of its own other than the one audited; None when it holds
    none.

    That is a pelican-flattr manifest at ``relative``, the audited one's
    path relative to the output (a language's site of i18n_subsites writes
    its own there: ``de/feeds/flattr-manifest.json``), else one at a path of
    ``language_manifests`` (a language's own FLATTR_MANIFEST, relative to its
    folder), else a ``flattr-manifest.json``. The first wins: a
    ``flattr-manifest.json`` there may be a leftover of a build with
    another FLATTR_MANIFEST.
    """
    for path in (relative, *language_manifests):
        if _holds_manifest_at(folder, path, audited):
            return path
    if MANIFEST_NAME in names and _is_other_manifest(folder / MANIFEST_NAME, audited):
        return MANIFEST_NAME
    return None


def _holds_manifest_at(
    folder: Path, relative: str | None, audited: os.stat_result | None
) -> bool:
    """Whether ``folder`` holds, at ``relative`` (the audited manifest's
    path in the output, when it is not the default one), a pelican-flattr
    manifest other than the one audited."""
    if relative is None or relative == MANIFEST_NAME:
        return False  # the default: _other_site_manifest looks for it by name
    return _is_other_manifest(folder / relative, audited)


def _is_other_manifest(path: Path, audited: os.stat_result | None) -> bool:
    """Whether ``path`` is a pelican-flattr manifest other than the one
    audited: a folder that merely holds a file of that name (a web app's
    manifest.json, an empty flattr-manifest.json) is no other site, and
    its pages are audited with this one's."""
    try:
        return (
            path.is_file()
            and not _is_file(path, audited)
            and not is_kernel_file(os.path.realpath(path))
            and not_a_manifest(path) is None
        )
    except OSError:
        return False


def path_in_output(output: Path, manifest: Path) -> str | None:
    """The path of ``manifest`` relative to ``output``, ``/``-separated,
    when it lies in it (as a relative FLATTR_MANIFEST puts it), else None."""
    for resolved in (os.path.abspath, os.path.realpath):
        try:
            relative = os.path.relpath(resolved(manifest), resolved(output))
        except ValueError:  # on two drives (Windows): not in it
            continue
        if relative.split(os.sep)[0] not in (os.curdir, os.pardir):
            return Path(relative).as_posix()
    return None


def site_folders(manifest: Mapping[str, Any]) -> frozenset[str]:
    """Every folder that holds a page or feed of ``manifest``'s things, or
    holds one that does, relative to the output as the manifest names
    them: the folders of the site it describes."""
    folders: set[str] = set()
    for thing in manifest["things"]:
        for name in (thing["page"], *thing["feeds"]):
            folder = posixpath.dirname(name)
            while folder and folder not in folders:
                folders.add(folder)
                folder = posixpath.dirname(folder)
    return frozenset(folders)


def is_earlier_manifest(path: Path, audited: Path) -> bool:
    """Whether ``path`` is a pelican-flattr manifest other than ``audited``
    and no copy of it."""
    try:
        return (
            not os.path.samefile(path, audited)
            and not_a_manifest(path) is None
            and not filecmp.cmp(path, audited, shallow=False)
        )
    except OSError:
        return False  # the audit of the file says what is wrong


# A language's part of a file name, as build.own_path adds it: ".de",
# ".pt-BR", ".zh_Hans"; two letters, as Pelican's DEFAULT_LANG has them,
# so that a copy kept as ".old", ".bak" or ".new" is still reported.
_LANGUAGE_PART = re.compile(r"\.[a-z]{2}(?:[-_][A-Za-z0-9]+)*$")


def is_language_sibling(path: Path, audited: Path) -> bool:
    """Whether ``path`` is the manifest of another language's site of the
    same build: i18n_subsites writes each beside ``audited`` when
    FLATTR_MANIFEST is absolute, named for its language
    (``manifest.de.json`` beside ``manifest.json``, or the other way)."""
    if path.suffix != audited.suffix or os.path.abspath(path.parent) != os.path.abspath(
        audited.parent
    ):
        return False
    return _LANGUAGE_PART.sub("", path.stem) == _LANGUAGE_PART.sub("", audited.stem)


def _is_file(path: Path, status: os.stat_result | None) -> bool:
    """True when ``path`` is the file ``status`` was taken of, however each
    is spelt (a relative --manifest, a link)."""
    try:
        return status is not None and os.path.samestat(os.stat(path), status)
    except OSError:
        return False


def check_output_folder(output: Path) -> None:
    """Raise OutputFolderError unless this user may list ``output`` and
    open its files: before the manifest in it is looked for, which would
    seem missing."""
    action = "list its files"
    try:
        os.scandir(output).close()
        # Listed is not entered (mode r--): "." in it is reached as its
        # files are.
        action = "open its files"
        os.stat(os.path.join(output, os.curdir))
    except NotADirectoryError:
        what = "is a file, not an" if output.exists() else "no such"
        raise OutputFolderError(f"{output}: {what} output folder") from None
    except FileNotFoundError:
        raise OutputFolderError(f"{output}: no such output folder") from None
    except OSError as error:
        raise OutputFolderError(
            f"{output}: the output folder cannot be read "
            f"({error.strerror or error}): this user may not {action}"
        ) from None
