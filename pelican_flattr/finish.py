"""The build's last steps (``finalized``), in order: the checks of its end
(the ``FLATTR_AUTHORS`` keys that name nobody, owners' addresses in
published sources and in things' fields, pages Pelican wrote without the
plugin completing them), the thing URLs compared with the
previous build's (the URL guard, ``url_guard_build.py``), then the manifest
written.

The manifest's rules live in ``manifest.py``; this module writes it from
the build's state (``build.current``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from . import build
from .author_keys import warn_about_unknown_authors
from .files import is_empty_file
from .manifest import (
    damaged_manifest,
    not_a_manifest,
    why_unwritten,
    write_atomically,
)
from .manifest_removal import UNWRITTEN, remove_manifest
from .privacy import (
    warn_about_addresses_in_things,
    warn_about_published_addresses,
)
from .settings import FlattrSettings
from .url_guard_build import guard_thing_urls
from .wording import listed

logger = logging.getLogger("pelican_flattr")


def finish_build(pelican: Any) -> None:
    """The build's last steps, in this order (blinker calls the receivers
    of one signal in no set order)."""
    build.current.progress.pages_written = True
    outermost = not build.is_inner(pelican)
    try:
        problems_before = len(build.current.messages.problems)
        if outermost:
            build.say_held_back()
            warn_about_unknown_authors()
        warn_about_published_addresses(pelican)
        warn_about_addresses_in_things()
        warn_about_pages_not_completed()
        build.say_page_counts()
        # A strict build fails once every check above has said its problems, and
        # before the manifest: failing on the first one's, it hid the
        # others' and gave its count as the whole bill. A language's site
        # of i18n_subsites fails here on theirs only: the problems found as
        # its pages were written fail it once its URL guard has run.
        if outermost or len(build.current.messages.problems) > problems_before:
            build.fail_if_strict()
        settings = build.current.settings
        if settings is None:
            if build.current.active:  # the settings were refused
                build.remove_earlier_manifest(pelican)
            return  # no things: neither a manifest nor a URL guard
        # The guard first, the manifest last: a strict build interrupted
        # between the two (Ctrl-C, after which Pelican exits 0) left pages
        # with a manifest of their own though its guard never ran, which the
        # audit passed. The guard compares the build's things, not the
        # manifest, so it needs none; a manifest that cannot be written is
        # a problem said after the guard's (one its failure leaves unsaid).
        guard_thing_urls(settings)
        write_manifest(settings)
        # Problems found while pages were written (a template's wrong helper
        # argument) fail a strict build too, whatever the guard found.
        build.fail_if_strict()
        forget_failed_build_manifest(settings)
    except Exception:
        # Pelican's --fatal makes its logger raise at a warning or an error
        # (the URL guard's, a check's): the build fails with its pages
        # written, and takes back its manifests as a failed strict build does.
        build.take_back_manifests()
        raise
    finally:
        # write_manifest closes the spool of auto-submit URLs; a guard that
        # fails a strict build leaves the manifest unwritten, so here too.
        build.current.url_spool.close()
        if outermost:
            # The run passed (a failed one put them back, see
            # build.keep_old_baseline): its sites' baselines stand.
            build.forget_old_baselines()
        build.end_build(pelican)


def warn_about_pages_not_completed() -> None:
    """Warn, once for the build, of the things' pages Pelican wrote that no
    template of the plugin's completed (``complete_page`` never saw them),
    counted, a few of their sources named.

    Such a page was rendered by a template loaded before the plugin
    prepared the templates and kept where ``prepare_templates`` could not
    reach it (by another plugin, or the theme's code): it has no button,
    payment link or Open Graph tags unless the theme printed them, and
    nothing on it was checked. Without this the build said nothing, and
    only the audit found the pages.
    """
    missed = [
        content_thing.source
        for content_thing in build.current.written_not_completed.values()
    ]
    if not missed:
        return
    count = len(missed)
    pages = "page was" if count == 1 else "pages were"
    build.warn(
        f"{build.site_label()}{count} thing {pages} written "
        f"({listed(sorted(missed), 3)}) by a template the plugin could not "
        "prepare: it was loaded before pelican_flattr prepared the templates (at "
        "all_generators_finalized), most likely by a plugin listed before "
        "pelican_flattr in PLUGINS, or by the theme's code, and kept apart. "
        "These pages have no button, payment link or Open Graph tags unless "
        "the theme printed them, and nothing on them was checked: list "
        "pelican_flattr first in PLUGINS, or have that plugin load its "
        "templates later (at get_writer or after); pelican-flattr audit lists "
        "the pages"
    )


def forget_failed_build_manifest(settings: FlattrSettings) -> None:
    """Remove the manifest a strict build that its URL guard failed kept
    beside the baseline (``url_guard_build.keep_manifest_for_diff``) once a
    build of the site has not failed: left there, the ``pelican-flattr
    diff`` command of an old log compared the things of a build since
    replaced. Not a development build's: a preview between the failed
    build and the command compares nothing, and replaces nothing."""
    kept = build.failed_build_manifest(settings)
    # A few system calls a build: a copy is there only after a failed one.
    if kept is None or not os.path.lexists(kept) or build.development_build(settings):
        return
    try:
        # Only a manifest: a file of the operator's own under this name,
        # or a link, is not the plugin's to remove.
        if not os.path.islink(kept) and not_a_manifest(kept) is None:
            kept.unlink()
    except OSError as error:
        logger.warning(
            "pelican-flattr: cannot remove %s, the manifest an earlier build "
            "that failed kept for pelican-flattr diff: %s; delete it by hand",
            kept,
            error,
        )


def write_manifest(settings: FlattrSettings) -> None:
    """Write the manifest of this build's things (said when it cannot be),
    and close the spool of their auto-submit URLs."""
    state = build.current
    chunks = build.manifest_of_build(settings)
    path = settings.manifest_path
    try:
        # Only a manifest is replaced: FLATTR_MANIFEST may name an article,
        # the settings file or a page this build wrote, by mistake. An
        # empty file is one made for the first build, behind a link
        # (``link_refused``); one that a copy or a full disk cut short is
        # the plugin's too, and was refused by every build after.
        made_for_it = os.path.islink(path) and is_empty_file(path)
        in_the_way = None if made_for_it else not_a_manifest(path)
        damaged = None if in_the_way is None else damaged_manifest(path)
        if damaged is not None:
            in_the_way = None
        if in_the_way is None:
            write_atomically(path, chunks)
            state.progress.manifests_written.append(path)
            if damaged is not None:
                logger.warning(
                    "pelican-flattr: FLATTR_MANIFEST: %s was %s: this build's "
                    "manifest replaced it",
                    path,
                    damaged,
                )
    except OSError as error:
        build.report(
            f"FLATTR_MANIFEST: cannot write {path}: {why_unwritten(error, path)}"
        )
        # Left in place, the earlier build's manifest would be deployed with
        # this build's pages, which may lack its buttons: removed, as a
        # build whose settings were refused removes it (a strict build
        # fails on this problem, and removes it then).
        if not state.strict:
            remove_manifest(path, UNWRITTEN)
    else:
        if in_the_way is not None:
            build.report(
                f"FLATTR_MANIFEST: {path} {in_the_way}, so it is left as it is "
                "and no manifest was written: point FLATTR_MANIFEST at a file of "
                "its own"
            )
        else:
            count = len(state.content_things)
            logger.info(
                "pelican-flattr: %d thing%s, manifest %s",
                count,
                "" if count == 1 else "s",
                path,
            )
    finally:
        state.url_spool.close()
