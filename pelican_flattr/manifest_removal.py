"""A manifest removed from a build's output, with the compressed copies
made of it, so that it never describes buttons the pages lack.

Three removals, each said as it happens: ``NO_THINGS``, the manifest an
earlier build left where a build whose settings were refused would have
written its own; ``UNWRITTEN``, the one an earlier build left where a
build could not write its own (a full disk, a read-only folder);
``FAILED``, those of a strict build that failed, so that an audit refuses
its output until a build passes. Only a pelican-flattr
manifest is removed. Which paths, and when, the build decides from its
state (``build.remove_earlier_manifest``, ``build.fail_if_strict``,
``finish.write_manifest``); this
module removes the one at a path, and imports without Pelican.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import NamedTuple

from .manifest import (
    MISSING,
    file_problem,
    is_gzipped_manifest,
    link_refused,
    not_a_manifest,
)

logger = logging.getLogger("pelican_flattr")


class Removal(NamedTuple):
    """Why a manifest is removed, as the messages say it."""

    whose: str  # after "the manifest"
    why: str  # after its path, in the message that says it was removed
    though: str  # in the message that says it could not be
    unwritten: str  # why this build did not write a copy


NO_THINGS = Removal(
    " of an earlier build",
    "since this build made no things",
    "though this build made no things",
    " (it made no things)",
)
UNWRITTEN = Removal(
    " of an earlier build",
    "since this build could not write its own: its pages may lack the "
    "buttons it describes",
    "though this build could not write its own: do not deploy this output with it",
    " (it could not write its own)",
)
FAILED = Removal(
    "",
    "as the build failed: an audit refuses this output until a build passes",
    "though the build failed: do not deploy this output",
    "",
)


def remove_manifest(path: Path, removal: Removal) -> None:
    """Remove the pelican-flattr manifest at ``path``, if one is there, and
    the compressed copies made of it; say what was removed."""
    try:
        problem = file_problem(path)
        if problem not in (None, MISSING) or (
            problem is None and not_a_manifest(path) is not None
        ):
            return  # not a manifest: not this build's to remove
    except OSError as error:
        logger.warning(
            "pelican-flattr: FLATTR_MANIFEST: cannot remove the manifest%s, %s, %s: %s",
            removal.whose,
            path,
            removal.though,
            error,
        )
        return
    # Named as it is: through a link, the file it names is removed (but
    # for one the build would not write through, which may be planted).
    shown = str(path)
    if path.is_symlink():
        refused = link_refused(path)
        if refused is not None:
            if problem is None:  # a manifest, read through the link
                logger.warning(
                    "pelican-flattr: FLATTR_MANIFEST: the manifest%s behind %s is "
                    "left as it is, %s; %s %s",
                    removal.whose,
                    path,
                    removal.though,
                    path,
                    refused,
                )
            return
        shown = f"{path.resolve()} (emptied, as the link {path} names it)"
    manifest_removed = problem is None and _removed(path, "the manifest", removal)
    # Copies that a plugin such as pelican-precompress made of it, which a
    # server sends in its place (nginx's gzip_static): as stale as it is,
    # and served even where the manifest is gone (a hand deleted it). A
    # gzip file is read; a Brotli or zstd one only its name vouches for.
    copies = []
    for copy in (path.with_name(path.name + suffix) for suffix in _COMPRESSED):
        if file_problem(copy) is not None:
            continue
        if is_gzipped_manifest(copy) if copy.suffix == ".gz" else problem is None:
            if _removed(copy, "a compressed copy of the manifest", removal, False):
                copies.append(str(copy))
        elif copy.suffix != ".gz":
            logger.warning(
                "pelican-flattr: FLATTR_MANIFEST: %s may be a compressed copy of "
                "the manifest%s, which this build did not write%s: delete it "
                "if it is",
                copy,
                removal.whose,
                removal.unwritten,
            )
    if manifest_removed:
        logger.warning(
            "pelican-flattr: removed the manifest%s: %s%s, %s",
            removal.whose,
            shown,
            f", with its compressed copies {', '.join(copies)}" if copies else "",
            removal.why,
        )
    elif copies:
        logger.warning(
            "pelican-flattr: removed compressed copies of the manifest%s: %s, %s",
            removal.whose,
            ", ".join(copies),
            removal.why,
        )


def _removed(
    path: Path, what: str, removal: Removal, through_link: bool = True
) -> bool:
    """Delete ``path``, or warn that it could not be (naming it as
    ``what``); return whether it is gone. ``through_link``: at a link,
    empty the file it names, which the caller has read to be a manifest,
    rather than delete the link."""
    try:
        # Through a link (kept by write_atomically), the file it names,
        # emptied: the link stays for the next build to write through, which
        # it does to no missing file (link_refused). A compressed copy's
        # name alone vouches for it: through a link planted beside the
        # manifest, the build deleted whatever file it named.
        if through_link and path.is_symlink():
            os.truncate(path.resolve(), 0)
        else:
            path.unlink()
    except OSError as error:
        logger.warning(
            "pelican-flattr: FLATTR_MANIFEST: cannot remove %s%s, %s, %s: %s",
            what,
            removal.whose,
            path,
            removal.though,
            error.strerror or error,
        )
        return False
    return True


# The compressed copies of a file that servers may send in its place.
_COMPRESSED = (".gz", ".br", ".zst")
