"""The build's last steps (``finalized``): the manifest written, and the
thing URLs compared with the previous build's (the URL guard).

The rules live in ``manifest.py`` and ``url_guard.py``; this module runs
them on the build's state (``build.current``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from . import build
from .attach import opted_out_sources, page_sources, warn_about_unknown_authors
from .manifest import (
    MISSING,
    file_problem,
    manifest_chunks,
    not_a_file_of,
    not_a_manifest,
    write_atomically,
)
from .privacy import (
    warn_about_addresses_in_things,
    warn_about_published_addresses,
)
from .resolve import ContentThing
from .settings import CACHE_FOLDER, FlattrSettings
from .thing import Thing, is_development_url
from .url_guard import (
    BaselineError,
    OwnerChange,
    UrlChange,
    accepted_live_warning,
    baseline_entry,
    handed_over_warning,
    holds_baseline,
    in_folder,
    load_baseline,
    next_baseline,
    owner_change_warnings,
    released,
    released_entry,
    set_aside,
    unresolved_changes,
    unused_language_baselines,
    url_change_warnings,
    url_changes,
    waits,
    write_baseline,
)

logger = logging.getLogger("pelican_flattr")


def finish_build(pelican: Any) -> None:
    """The build's last steps, in this order (blinker calls the receivers
    of one signal in no set order)."""
    build.current.pages_written = True
    try:
        if not build.is_inner(pelican):
            warn_about_unknown_authors()
            build.fail_if_strict()  # before the manifest, as when said earlier
        warn_about_published_addresses(pelican)
        warn_about_addresses_in_things()
        write_manifest(pelican)
    finally:
        build.end_build(pelican)


def write_manifest(pelican: Any) -> None:
    """Write the manifest of this build's things, then guard their URLs."""
    state = build.current
    settings = state.settings
    if settings is None:
        if state.active:  # the settings were refused
            build.remove_earlier_manifest(pelican)
        return
    chunks = manifest_chunks(
        settings.siteurl,
        state.content_things,
        state.feeds.by_source,
        state.url_spool.get,
        open_graph=settings.open_graph,
        shown_styles=state.shown_styles,
        feed_payment_links=settings.feeds,
        site_payment_link=state.feeds.site_payment_url,
    )
    path = settings.manifest_path
    try:
        # Only a manifest is replaced: FLATTR_MANIFEST may name an article,
        # the settings file or a page this build wrote, by mistake.
        in_the_way = not_a_manifest(path)
        if in_the_way is None:
            write_atomically(path, chunks)
            state.manifests_written.append(path)
    except OSError as error:
        build.report(f"FLATTR_MANIFEST: cannot write {path}: {error}")
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
    # The guard compares the build's things, not the manifest: one that
    # could not be written must not keep a changed thing URL unsaid until
    # it is mended (the site may be published before).
    state.guard_reached = True
    if settings.url_guard and is_development_url(settings.siteurl):
        # A development build's URLs must neither be compared with the
        # published site's baseline nor replace it.
        logger.info(
            "pelican-flattr: URL guard skipped: %s is a development address; "
            "this build's thing URLs are neither compared nor remembered",
            settings.siteurl,
        )
    elif settings.url_guard:
        guard_thing_urls(settings)
    # Problems found while pages were written (a template's wrong helper
    # argument) fail a strict build too, whatever the guard found.
    build.fail_if_strict()


def guard_thing_urls(settings: FlattrSettings) -> None:
    """Warn about every thing URL of the baseline that this build dropped
    or gave to another source file."""
    path = settings.url_baseline_path
    things = sorted(build.current.content_things, key=lambda ct: (ct.url, ct.source))
    # With i18n_subsites, a language's site shares the thing of an article
    # another site of the run published first (an untranslated one, with
    # I18N_UNTRANSLATED_ARTICLES = "keep"): that site guards it, so it is
    # kept out of this site's baseline. Kept in, it was reported as orphaned
    # here once the article was translated (this site's copy gone, the
    # thing not), on every build. The shared things still count as this
    # build's in the comparison: a thing of this site's own that becomes a
    # shared one changed its URL, and the warning says to which.
    elsewhere = build.thing_elsewhere_in_run() if build.outer_builds else {}
    own = (
        [ct for ct in things if not _guarded_elsewhere(ct.source, ct.url, elsewhere)]
        if elsewhere
        else things
    )
    held = build.current.inside.held
    if held:
        # An article that left a language's site for this one: that site
        # said the move and keeps the old URL until it is pinned or
        # accepted. Taken in here meanwhile, the short-lived new URL
        # became this site's baseline, and the pin, as advised, turned the
        # warning round, here, on every build.
        own = [ct for ct in own if ct.source not in held]

    def new_entries() -> Iterator[dict[str, str]]:
        for ct in own:
            yield baseline_entry(ct.url, ct.source, ct.thing.owner.value)

    def warn(message: str) -> None:
        if settings.strict:
            build.report(message)
        else:
            logger.warning("pelican-flattr: %s", message)

    if settings.accepted_url_changes:
        # A warning even in a strict build: the build that accepts a URL
        # another source takes over warns too, and failing it would keep
        # the acceptance out of the baseline, the setting needed forever.
        live = accepted_live_warning(
            settings.accepted_url_changes, {ct.url: ct.source for ct in own}
        )
        if live is not None:
            logger.warning("pelican-flattr: %s", live)

    # A language's site marks its baseline, so that the main site can tell
    # one no build of the run used any more (its language taken out of
    # I18N_SUBSITES): its things moved to the main site, at other URLs.
    language = None
    left_behind: list[tuple[Path, str]] = []
    if build.outer_builds:
        language = str(build.current.pelican.settings.get("DEFAULT_LANG") or "")
    elif build.current.inside.baselines is not None:
        # A language still in I18N_SUBSITES whose site this run did not
        # build (i18n_subsites, after a failed run in the same process,
        # builds none of the languages it had not reached) has not gone.
        still_there = build.i18n_subsites(build.current.pelican)
        left_behind = [
            (other, lang)
            for other, lang in unused_language_baselines(
                path, build.current.inside.baselines
            )
            if lang not in still_there
        ]

    problem = file_problem(path)
    if problem not in (None, MISSING):
        # Never moved aside or replaced: it may be a folder someone needs
        # (such as Pelican's cache).
        warn(
            f"FLATTR_URL_BASELINE {path} {problem}, so the URL guard checks "
            "nothing: point it at a file (or leave it unset for the default)"
        )
        build.fail_if_strict()
        return
    if (
        problem is None
        and not left_behind
        and holds_baseline(
            path, new_entries(), language, lambda: {ct.url for ct in own}
        )
    ):
        _guarded_here(own)
        return  # the same things as the last build: nothing vanished
    if problem is MISSING:
        # Said, since a CI that does not keep the cache would never compare:
        # a warning for a strict build (publishconf.py's, as the README
        # advises), which is the one that must not publish a moved URL
        # unseen; a development build's first run only informs.
        compares = (
            "this language's site compares only the things another site of "
            "the run published before (as that site's baseline holds them)"
            if language is not None
            else "this build compares no thing URL"
        )
        (logger.warning if settings.strict else logger.info)(
            "pelican-flattr: no URL baseline at %s yet: %s, and starts the "
            "baseline; a build that never finds it (a CI that does not keep "
            "CACHE_PATH) never compares: keep the file between builds, or point "
            "FLATTR_URL_BASELINE at one that is kept",
            path,
            compares,
        )
    source_by_url = {ct.url: ct.source for ct in things}
    # A source this site no longer publishes may have its thing in a site
    # run inside this one (a language's site of i18n_subsites, added since
    # the last build): its thing URL changed, rather than went missing.
    url_by_source = {source: t.url for source, t in build.current.inside.things.items()}
    url_by_source.update((ct.source, ct.url) for ct in things)
    # Each site guards what it publishes: a source a site run inside this
    # one publishes now was compared there, with this site's entries of it
    # (``_from_outer_baselines``). Compared here too, the warning was said
    # twice, and the entry kept here while that site's baseline took the
    # new URL: pinning the old URL back, as advised, turned the warning
    # round there, for good.
    guarded_inside = build.current.inside.guarded

    def moved(entry: dict[str, str]) -> bool:
        """Whether no build of the run has the entry's source at its URL,
        which was its source's (an entry that ``waits`` never was), and no
        site run inside this one guards the source."""
        url, source = entry["url"], entry["source"]
        return (
            source_by_url.get(url) != source
            and url_by_source.get(source) != url
            and not waits(entry)
            and not released(entry)
            and source not in guarded_inside
        )

    # Flattr keys a thing on its URL, and keeps the owner it was created
    # with: a thing whose URL this build has too, with another owner (an
    # author's mapping changed), keeps its old one at Flattr. Only this
    # site's own things: the site that has a shared one guards it.
    owner_by_url = {ct.url: ct.thing.owner.value for ct in own}
    owner_changes: list[OwnerChange] = []
    # Released entries (URLs let go earlier) that no thing of this site has,
    # kept as they are; and those whose URL a thing has now with another
    # owner, whom Flattr does not give the thing at that URL.
    idle: list[dict[str, str]] = []
    reused: list[dict[str, str]] = []
    # Entries of this site's URLs whose source a site run inside this one
    # took over and let go (``handed_over``), released here.
    handed: list[dict[str, str]] = []

    # The URLs whose reuse under another owner an earlier build said: their
    # taker waits at them (``waits``) until accepted.
    said_before: set[tuple[str, str]] = set()

    def keep(entry: dict[str, str]) -> bool:
        """Whether to keep the entry to compare its URL (``moved``), noting
        on the way an owner change of its thing, and sorting out the
        released entries (never compared)."""
        url, old_owner = entry["url"], entry.get("owner")
        owner = owner_by_url.get(url)
        if waits(entry):
            said_before.add((url, entry["source"]))
        if released(entry):
            if owner is None:
                idle.append(entry)
            elif isinstance(old_owner, str) and old_owner and owner != old_owner:
                reused.append(entry)
            # Else the URL is its owner's thing's again: its entry replaces it.
            return False
        if entry["source"] in guarded_inside and handed_over(entry):
            handed.append(released_entry(entry))
            return False
        if (
            owner is not None
            and owner != old_owner
            and isinstance(old_owner, str)
            and old_owner
            and not waits(entry)
        ):
            owner_changes.append(OwnerChange(url, source_by_url[url], old_owner, owner))
        # Nor is a shared thing compared that a baseline written by an
        # earlier version holds, while the other site has it still.
        return moved(entry) and not _guarded_elsewhere(entry["source"], url, elsewhere)

    run_urls: set[str] | None = None

    def handed_over(entry: dict[str, str]) -> bool:
        """Whether the entry (of a source a site run inside this one guards)
        is an accepted URL of an owner that no thing of the run has: that
        site compared it, but only this one compares things at this site's
        URLs, so this one keeps it released."""
        nonlocal run_urls
        owner = entry.get("owner")
        if (
            entry["url"] not in settings.accepted_url_changes
            or not isinstance(owner, str)
            or not owner
            or waits(entry)
        ):
            return False
        if run_urls is None:  # only for an accepted URL: a few, once
            run_urls = {thing.url for thing in build.current.inside.things.values()}
            run_urls.update(thing.url for thing in elsewhere.values())
            run_urls.update(source_by_url)
        return entry["url"] not in run_urls

    changed: list[dict[str, str]] = []
    # Every source of the last build: one whose URL did not change can still
    # have taken the URL of one that is gone now, which is no move.
    old_sources: set[str] = set()
    if problem is None:
        try:
            # Only the entries whose URL is no longer their source's.
            changed = load_baseline(path, keep=keep, sources=old_sources)
        except BaselineError as error:
            # Kept, not overwritten: it holds the changes since the last
            # readable baseline, which this build can no longer report.
            # Moved aside only in the plugin's own folder (the default) or
            # when it opens as a baseline: FLATTR_URL_BASELINE may name an
            # article or a page by mistake.
            try:
                in_the_way = (
                    None
                    if path.parent.name == CACHE_FOLDER
                    else not_a_file_of(
                        path, "baseline_version", "a pelican-flattr URL baseline"
                    )
                )
                if in_the_way is not None:
                    warn(
                        f"FLATTR_URL_BASELINE: {path} {in_the_way}, so the URL "
                        "guard leaves it as it is and checks nothing: point "
                        "FLATTR_URL_BASELINE at a file of its own"
                    )
                    build.fail_if_strict()
                    return
                aside = set_aside(path)
            except OSError as move_error:
                warn(
                    f"{error}; cannot move it aside ({move_error}), so the URL "
                    "guard leaves it as it is and checks nothing: repair or "
                    "delete it"
                )
                build.fail_if_strict()
                return
            # A strict build fails on this warning, and writes no baseline.
            started = (
                "a new baseline starts with the next build that does not fail"
                if build.current.strict
                else "started a new baseline"
            )
            warn(
                f"{error}; moved it to {aside} and {started}, so URL changes "
                "since the last readable baseline go unreported: repair it and "
                f"put it back as {path} to check them, or delete it"
            )
    outer_urls: set[tuple[str, str]] = set()
    if language is not None:
        # A source new to this site's baseline (the language's site just
        # added, or an article whose language changed) was published by a
        # site this one runs inside: its entries there are its history.
        new_here = {ct.source for ct in own}.difference(old_sources)
        if new_here:
            from_outer = _from_outer_baselines(new_here, keep, old_sources)
            # Their URLs are the outer site's, which releases them.
            outer_urls = {(entry["url"], entry["source"]) for entry in from_outer}
            changed += from_outer
    compared = _compare_left_behind(left_behind, changed, old_sources, moved, warn)
    if language is not None:
        # Kept for the main site, which checks FLATTR_AUTHORS keys once all
        # sites are built: by then this baseline is rewritten.
        build.current.left_by_guard = {
            entry["source"]: entry["owner"]
            for entry in changed
            if isinstance(entry.get("owner"), str)
        }
    if elsewhere:
        # A source without a copy here that another site of the run
        # publishes now (an article whose Lang: is the main site's now)
        # moved to that site's URL: said so, not as gone, and held for it
        # (``_hold_for_outer``).
        for entry in changed:
            there = elsewhere.get(entry["source"])
            if there is not None:
                url_by_source.setdefault(entry["source"], there.url)
    changes = url_changes(
        changed,
        source_by_url,
        url_by_source,
        in_folder(build.current.content_root),
        old_sources,
        owner_by_url,
    )
    # At Flattr a released URL reused under another owner passed to another
    # source, as a taken one does: said, and kept, until accepted.
    changes += [
        UrlChange(
            entry["source"],
            entry["url"],
            None,
            source_by_url[entry["url"]],
            released_owner=str(entry.get("owner")),
            new_owner=owner_by_url.get(entry["url"]),
        )
        for entry in reused
    ]
    unresolved = unresolved_changes(
        changes,
        settings.accepted_url_changes,
        settings.pages,
        lambda: page_sources(build.current.generators),
        lambda sources: opted_out_sources(build.current.generators, sources),
    )
    # A released URL that FLATTR_ACCEPT_URL_CHANGES still lists (left there
    # since it was let go) lets another owner's thing take it unwarned: said
    # once, as this build hands the URL over, and not a problem (accepted).
    # One accepted after its reuse was said, as the warning advises, is not
    # said again. A URL of the last build taken under another owner is said
    # as the build accepts it, whenever: the baseline then takes the new
    # owner, and no build after it says that Flattr keeps the old one.
    for change in changes:
        if change.old_url in settings.accepted_url_changes and (
            change.kept_owner is not None
            or (
                change.released_owner is not None
                and (change.old_url, change.taken_by) not in said_before
            )
        ):
            logger.warning("pelican-flattr: %s", handed_over_warning(change))
    if elsewhere:
        _hold_for_outer(unresolved, elsewhere)
    said, unsaid, summary = url_change_warnings(
        unresolved, _listing(settings), path, settings.siteurl
    )
    for message in said:
        warn(message)
    if settings.strict:
        for message in unsaid:  # each fails the build, and is counted
            build.report(message, log=False)
    if summary is not None:
        # Not a problem itself: the changes it counts are.
        (logger.error if settings.strict else logger.warning)(
            "pelican-flattr: %s", summary
        )
    # A warning even in a strict build: no flattr is lost (they go to the
    # old owner, or wait for its identifier to be claimed), only the old
    # owner back would undo it, and a failed build writes no baseline, so
    # that every build after it would fail too.
    # A URL another source took is said as such (its flattrs go to that
    # source's thing), once accepted never again: no owner change besides.
    taken = {change.old_url for change in changes if change.taken_by is not None}
    if taken:
        owner_changes = [c for c in owner_changes if c.url not in taken]
    # A strict build with problems fails next, and keeps the old baseline:
    # the owner change is said again until a build passes.
    failing = build.current.strict and bool(build.current.messages.problems)
    for line in owner_change_warnings(
        owner_changes, baseline_kept=failing, listing=_listing(settings)
    ):
        logger.warning("pelican-flattr: %s", line)
    build.fail_if_strict()
    # An accepted URL that no thing of this build has keeps its last source
    # and owner: Flattr keeps the thing there with that owner, and a source
    # of another owner that gets the URL later (a slug reused) would give
    # its flattrs to it. One another source took and kept is that source's.
    # An entry without an owner (hand-written) tells no owner apart. One
    # taken from an outer site's baseline is released there (``handed``).
    accepted = {
        (change.old_url, change.source)
        for change in changes
        if change.old_url in settings.accepted_url_changes and change.taken_by is None
    }.difference(outer_urls)
    let_go = [
        released_entry(entry)
        for entry in changed
        if (entry["url"], entry["source"]) in accepted
        and isinstance(entry.get("owner"), str)
        and entry["owner"]
    ]
    try:
        write_baseline(
            path,
            next_baseline(
                changed + reused, new_entries(), unresolved, idle + let_go + handed
            ),
            language,
        )
    except OSError as error:
        # The next build would compare nothing: a problem like any other.
        warn(f"FLATTR_URL_BASELINE: cannot keep the URL guard's baseline: {error}")
        build.fail_if_strict()
        return
    _guarded_here(own)
    _retire(compared, path)


def _listing(settings: FlattrSettings) -> str:
    """The ``pelican-flattr diff`` command that lists every URL change the
    guard found, with its files, for the summary of a long list."""
    if settings.strict:
        # A strict build that fails removes its manifest.
        new = (
            "NEW_MANIFEST --settings SETTINGS_FILE (NEW_MANIFEST the one a "
            "build without FLATTR_STRICT writes, as this failed build removes "
            "its own; "
        )
    else:
        new = f"{settings.manifest_path} --settings SETTINGS_FILE ("
    return (
        f"pelican-flattr diff OLD_MANIFEST {new}OLD_MANIFEST a copy of the "
        "manifest as last published)"
    )


def _guarded_here(own: list[ContentThing]) -> None:
    """Tell the sites this one runs inside that its guard compared the
    URLs of ``own`` things, and keeps them in its baseline."""
    if build.outer_builds:
        sources = {ct.source for ct in own}
        for outer in build.outer_builds:
            outer.inside.guarded |= sources


def _hold_for_outer(
    unresolved: list[UrlChange], elsewhere: Mapping[str, Thing]
) -> None:
    """Tell the sites this one runs inside which of the ``unresolved``
    changes are moves to a thing another site of the run has
    (``elsewhere``): this site keeps their old URLs in its baseline, and
    that site leaves the sources out of its own until they are resolved
    (``BuildsInside.held``)."""
    held = {
        change.source
        for change in unresolved
        if change.new_url is not None
        and _guarded_elsewhere(change.source, change.new_url, elsewhere)
    }
    if held:
        for outer in build.outer_builds:
            outer.inside.held |= held


def _from_outer_baselines(
    sources: set[str],
    keep: Callable[[dict[str, str]], bool],
    old_sources: set[str],
) -> list[dict[str, str]]:
    """The entries of ``sources`` that ``keep`` accepts in the baselines of
    the sites this one runs inside (the nearest first), whose guards let
    them go (``BuildsInside.guarded``); each source found is added to
    ``old_sources``.

    Started afresh from this build's URLs instead, a language's site
    added to i18n_subsites kept the new URL of an article the main site
    published before, which the main site reported: pinned back as
    advised, the warning turned round, here, on every build; and a
    strict build that failed on it had written this baseline already.
    """
    found: list[dict[str, str]] = []
    wanted = set(sources)  # made smaller in place, as each is found

    def kept(entry: dict[str, str]) -> bool:
        # A URL that site let go stays its business: released entries are
        # no history of a source.
        return entry["source"] in wanted and not released(entry) and keep(entry)

    for outer in reversed(build.outer_builds):
        settings = outer.settings
        if (
            not wanted
            or settings is None
            or not settings.url_guard
            or is_development_url(settings.siteurl)
            or file_problem(settings.url_baseline_path) is not None
        ):
            continue
        there: set[str] = set()
        try:
            found += load_baseline(
                settings.url_baseline_path,
                keep=kept,
                sources=there,
            )
        except BaselineError:
            continue  # that site's guard says so, and compares them itself
        there &= wanted
        old_sources |= there
        wanted -= there
    return found


def _compare_left_behind(
    left_behind: list[tuple[Path, str]],
    changed: list[dict[str, str]],
    old_sources: set[str],
    moved: Callable[[dict[str, str]], bool],
    warn: Callable[[str], None],
) -> list[tuple[Path, str]]:
    """Add to ``changed`` the ``moved`` entries of language sites'
    baselines that no build of this run used, and return the baselines
    read."""
    seen = {(entry["url"], entry["source"]) for entry in changed}
    compared = []
    for other, language in left_behind:
        try:
            entries = load_baseline(
                other,
                keep=moved,
                sources=old_sources,
            )
        except BaselineError as error:
            warn(
                f"{error}: the URL baseline of the language site '{language}', "
                "which this build no longer runs, so the URL guard cannot say "
                "where its things went: repair or delete it"
            )
            continue
        for entry in entries:
            if (entry["url"], entry["source"]) not in seen:
                seen.add((entry["url"], entry["source"]))
                changed.append(entry)
        compared.append((other, language))
    return compared


def _retire(compared: list[tuple[Path, str]], path: Path) -> None:
    """Move aside the language sites' baselines this build compared: the
    main site's baseline, just written, holds what is still unresolved."""
    for other, language in compared:
        try:
            retired = set_aside(other, "retired")
        except OSError as error:
            logger.warning(
                "pelican-flattr: cannot move aside %s, the URL baseline of the "
                "language site '%s', which this build no longer runs (%s): the "
                "next build compares it again",
                other,
                language,
                error,
            )
            continue
        logger.warning(
            "pelican-flattr: the language site '%s' is no longer built: its URL "
            "baseline was compared with this build's things, what is unresolved "
            "moved to %s, and the old baseline to %s",
            language,
            path,
            retired,
        )


def _guarded_elsewhere(source: str, url: str, elsewhere: Mapping[str, Thing]) -> bool:
    """Whether another site of this run (``elsewhere``: source -> its thing
    there) has the thing of ``source`` at ``url``, and so guards it."""
    thing = elsewhere.get(source)
    return thing is not None and thing.url == url
