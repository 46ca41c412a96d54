"""The URL guard's step of a build (``finish_build`` runs it before the
manifest is written): this build's thing URLs compared with the baseline
the last build kept, each URL that moved, vanished or passed to another
owner said (a problem in a strict build), and the next baseline written.
With i18n_subsites each site guards the things it publishes, and tells
the sites it runs inside what they must leave to it (``BuildsInside``).

The rules (what a change is, how it is said) live in ``url_guard.py``,
which ``pelican-flattr diff`` shares, and the baseline's file in
``url_baseline.py``; this module runs them on the build's state
(``build.current``).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import stat
from collections import ChainMap
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any, Literal

from . import build
from .files import is_empty_file
from .generator_contents import contents_of, page_sources
from .identifiers import redact_addresses
from .manifest import (
    MISSING,
    file_problem,
    link_refused,
    not_a_file_of,
    not_a_manifest,
    why_unwritten,
    write_atomically,
)
from .resolve import OWNER, ContentThing, given_by_setting
from .settings import (
    CACHE_FOLDER,
    EARLY_BASELINE_NAME,
    EARLY_BASELINE_SETTING,
    FlattrSettings,
    listed_old_hosts,
)
from .thing import Thing, is_development_url
from .url_baseline import (
    BaselineError,
    BaselineUnreadable,
    baseline_entry,
    holds_baseline,
    kept_file,
    load_baseline,
    next_baseline,
    read_baseline,
    released,
    released_entry,
    set_aside,
    set_aside_beside,
    unused_language_baselines,
    waiting_entry,
    waits,
    write_baseline,
)
from .url_guard import (
    OWN_OWNER_FIELD,
    OwnerChange,
    UrlChange,
    accepted_live_warning,
    handed_over_warning,
    in_folder,
    is_skipped,
    lost_to_said_problems,
    lost_to_said_problems_warning,
    near_miss_warnings,
    near_misses,
    owner_change_warnings,
    shared_causes,
    told_by_content,
    unresolved_changes,
    url_change_warnings,
    url_changes,
)
from .wording import command_line

logger = logging.getLogger("pelican_flattr")


def guard_thing_urls(settings: FlattrSettings) -> None:
    """Warn about every thing URL of the baseline that this build dropped
    or gave to another source file, and keep this build's thing URLs as
    the baseline the next build compares with: nothing with
    FLATTR_URL_GUARD off, nor on a development build (said)."""
    build.current.progress.guard_reached = True
    if not settings.url_guard:
        return
    development = build.development_build(settings)
    if development:
        # A development build's URLs must neither be compared with the
        # published site's baseline nor replace it: an article retitled
        # before it was ever published would fail the publish build. A
        # strict build is the README's publishing one: one that publishes
        # with an empty or relative SITEURL, its thing URLs public
        # (FLATTR_SITEURL), is told they go unguarded (by the main site
        # alone: its languages' sites are built alike).
        publishable = settings.strict and not is_development_url(settings.siteurl)
        logger.log(
            logging.WARNING if publishable and not build.outer_builds else logging.INFO,
            "pelican-flattr: URL guard skipped: %s (a development build); this "
            "build's thing URLs are neither compared nor remembered: if this "
            "build publishes the site, give it the site's public address "
            "(RELATIVE_URLS = True still makes its links relative)",
            development,
        )
        return
    path = settings.url_baseline_path
    guarded = _guarded_things()
    _warn_about_live_acceptances(settings, guarded.not_elsewhere())
    planted = _planted_link(path, in_cache=not settings.url_baseline_set)
    if planted is not None:
        _give_up(f"FLATTR_URL_BASELINE: the URL guard checks nothing: {path} {planted}")
        return
    problem = file_problem(path)
    if problem is None and _is_link(path) and is_empty_file(path):
        problem = MISSING  # made empty for the first build, as link_refused asks
    if problem not in (None, MISSING):
        _give_up_on_what_is_there(settings, problem)
        return
    language, left_behind = _language_and_left_behind(path)
    if (
        problem is None
        and not left_behind
        and holds_baseline(path, guarded.new_entries(), language, guarded.urls_taken)
    ):
        _guarded_here(guarded.own)
        return  # the same things as the last build: nothing vanished
    # The baselines an earlier build set aside as damaged, where this one is
    # missing: a strict build that set one aside failed; run again, it
    # passed here, and its baseline took the URL changes since for good.
    if problem is MISSING and settings.strict:
        beside = _baseline_beside_settings(settings, language, starts=False)
        if beside is not None:
            # Run from another folder (cron runs in $HOME), a strict build
            # compared nothing, passed, and published every changed URL.
            build.report(beside)
            build.fail_if_strict()
            return
    aside = set_aside_beside(path) if problem is MISSING else []
    if aside:
        _say_set_aside_left(settings, aside, _compares_without_baseline(language))
    # Made only now: the common build, whose baseline holds its things,
    # needs neither these maps nor the reading of the baseline.
    urls = _build_urls(settings, guarded)
    if build.outer_builds:
        guarded = _waiting_for_outer_sites(guarded, urls)
    note = functools.partial(_note_entry, urls, guarded.waiting)
    noted = _NotedOfBaselines()
    # Every source of the last build: one whose URL did not change can still
    # have taken the URL of one that is gone now, which is no move.
    old_sources: set[str] = set()
    changed = _load_last_baseline(settings, problem, note, noted, old_sources)
    if changed is None:
        return  # said: the guard checks nothing
    if build.outer_builds and changed:
        changed = _not_waiting_for_outer_sites(changed, urls, guarded.own)
    outer_urls = (
        _add_outer_history(changed, guarded.own, note, noted, old_sources)
        if language is not None
        else set()
    )
    compared = _compare_left_behind(
        left_behind, changed, old_sources, functools.partial(_moved, urls)
    )
    if language is not None:
        # Kept for the main site, which checks FLATTR_AUTHORS keys once all
        # sites are built: by then this baseline is rewritten. A thing that
        # changed owner too: its old owner's key may name no author now.
        build.current.guard.left_by_guard = _owners_by_source(changed) | {
            change.source: change.old_owner for change in noted.owner_changes
        }
        # And the URLs let go earlier, which keep their owners (see
        # author_keys._left_behind_on_site).
        build.current.guard.released_by_guard = _owners_by_source(
            noted.idle + noted.reused
        )
    changes = [
        replace(change, takes_back=True)
        if (change.source, change.new_url) in noted.taken_back
        else change
        for change in _url_changes(urls, changed, noted.reused, old_sources)
    ]
    unresolved = _unresolved(settings, changes)
    # Before any of the guard's messages: under pelican --fatal the first
    # one ends the build, and the summary's diff command names this copy.
    failing = settings.strict and bool(unresolved or build.current.messages.problems)
    kept_manifest = keep_manifest_for_diff(settings) if failing else None
    _warn_about_handovers(settings, changes, noted.said_before)
    if build.outer_builds:
        _hold_for_outer(unresolved, urls)
    _warn_about_url_changes(
        settings,
        _not_said_inside(unresolved),
        released=len(noted.idle),
        kept_manifest=kept_manifest,
    )
    if settings.accepted_url_changes and unresolved:
        loose = near_misses(unresolved, settings.accepted_url_changes)
        for warning in near_miss_warnings(loose):
            logger.warning("pelican-flattr: %s%s", build.site_label(), warning)
    _warn_about_owner_changes(settings, noted.owner_changes, changes, kept_manifest)
    build.fail_if_strict()
    let_go = _accepted_to_let_go(settings, changed, changes, outer_urls)
    kept = next_baseline(
        changed + noted.reused,
        guarded.new_entries(),
        unresolved,
        noted.idle + let_go + noted.handed,
    )
    if _write_next_baseline(settings, language, kept):
        _guarded_here(guarded.own)
        _retire(compared, path)
        if problem is MISSING and not aside:
            # Said once the baseline is written: Pelican's --fatal warnings
            # raises at a strict build's warning, and said first, it
            # stopped every run before the baseline that would end it.
            _say_baseline_started(settings, language)


@dataclass(frozen=True)
class _GuardedThings:
    """This build's things as its URL guard sees them."""

    # Every thing of this build, sorted by URL and source.
    things: list[ContentThing]
    # Those this site guards, and keeps in its baseline (``_guarded_things``).
    own: list[ContentThing]
    # With i18n_subsites, source -> its thing in another site of the run.
    elsewhere: Mapping[str, Thing]
    # The (url, source) of ``own`` things that wait at their URL
    # (``BuildsInside.waiting``).
    waiting: Collection[tuple[str, str]] = ()

    def new_entries(self) -> Iterator[dict[str, str]]:
        """The baseline entries of the ``own`` things, in their order."""
        if not self.waiting:  # every build but one after a takeover
            for ct in self.own:
                yield baseline_entry(ct.url, ct.source, ct.thing.owner.value)
            return
        for ct in self.own:
            entry = baseline_entry(ct.url, ct.source, ct.thing.owner.value)
            yield (
                waiting_entry(entry) if (ct.url, ct.source) in self.waiting else entry
            )

    def not_elsewhere(self) -> list[ContentThing]:
        """The things no other site of the run guards: ``own``, and those
        of articles that left a language's site for this one, held out of
        ``own`` until that site lets their old URL go, when this site's
        baseline takes them."""
        if not self.elsewhere:
            return self.things
        return [
            ct
            for ct in self.things
            if not _guarded_elsewhere(ct.source, ct.url, self.elsewhere)
        ]

    def own_urls(self) -> set[str]:
        """The thing URLs of the ``own`` things."""
        return {ct.url for ct in self.own}

    def urls_taken(self) -> set[str]:
        """The thing URLs that make a URL this site let go (a released
        entry) one to compare: ``own_urls``, and with i18n_subsites those
        of the run's other sites too."""
        # Another site's thing at a URL this site let go (Bob's German
        # article pinned to the URL of Alice's deleted French one) gives
        # its readers' flattrs to the owner Flattr keeps there: its site
        # has no entry of the URL, so only this one can say it
        # (``_note_entry``). Asked only of a baseline that ends with
        # released entries.
        urls = self.own_urls()
        if self.elsewhere or build.current.inside.things:
            urls.update(thing.url for thing in self.elsewhere.values())
            urls.update(thing.url for thing in build.current.inside.things.values())
        return urls


def _guarded_things() -> _GuardedThings:
    """This build's things, and those of them that this site guards."""
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
    return _GuardedThings(things, own, elsewhere, build.current.inside.waiting)


def _give_up(message: str) -> None:
    """Say why the guard checks nothing this build; a strict build fails."""
    build.warn(message)
    build.fail_if_strict()


def _give_up_on_what_is_there(settings: FlattrSettings, problem: str) -> None:
    """Say that FLATTR_URL_BASELINE names no file (``problem`` says what),
    so the guard checks nothing; a strict build fails."""
    # Never moved aside or replaced: it may be a folder someone needs
    # (such as Pelican's cache).
    path = settings.url_baseline_path
    refused = _folder_refused(path)
    fix = (
        f"{_build_user()} may not enter {refused}: fix its permissions, or "
        f"point FLATTR_URL_BASELINE at a file in a folder that user may write in"
        if refused is not None
        else "point it at a file (or leave it unset for the default)"
    )
    _give_up(
        f"FLATTR_URL_BASELINE {path} {problem}, so the URL guard checks nothing: {fix}"
    )


def _folder_refused(path: Path) -> Path | None:
    """The folder on the way to ``path`` that the system does not let this
    build enter (its owner or mode), or None."""
    # Said as "cannot be examined", it was advised to be a file, which it
    # was: the folder to open up is the one whose contents cannot be seen.
    for inner in [*reversed(path.parents), path][1:]:
        try:
            inner.stat()
        except PermissionError:
            return inner.parent
        except OSError:
            return None
    return None


def _build_user() -> str:
    """The user this build runs as, named, for the advice of a permission
    the system refuses: the one to let in is rarely the operator reading
    (a CI runner, a container's user)."""
    who = "the user this build runs as"
    try:
        import pwd  # not on Windows

        return f"{who} ({redact_addresses(pwd.getpwuid(os.geteuid()).pw_name)})"
    except (ImportError, KeyError):  # a container's user may have no name
        return who


def _warn_about_live_acceptances(
    settings: FlattrSettings, things: list[ContentThing]
) -> None:
    """Warn about the URLs of FLATTR_ACCEPT_URL_CHANGES that a thing of
    this site has (``things``: those no other site of the run guards)."""
    # A thing held out of this site's baseline while the site it left
    # keeps its old URL (an article moved to the main site's copy) is
    # this site's all the same: once the move is accepted, the baseline
    # takes it, and the acceptance left in would let its changes go. Said
    # of it, "once a build has passed" was untrue: builds pass, and the
    # baseline leaves it out, until that site's change is resolved.
    if not settings.accepted_url_changes:
        return
    held = build.current.inside.held
    for moving in (False, True):
        # A warning even in a strict build: the build that accepts a URL
        # another source takes over warns too, and failing it would keep
        # the acceptance out of the baseline, the setting needed forever.
        live = accepted_live_warning(
            settings.accepted_url_changes,
            {ct.url: ct.source for ct in things if (ct.source in held) == moving},
            held=moving,
        )
        if live is not None:
            logger.warning("pelican-flattr: %s%s", build.site_label(), live)


def _language_and_left_behind(
    path: Path,
) -> tuple[str | None, list[tuple[Path, str]]]:
    """The language this site marks its baseline with (None for the main
    site), and the baselines beside ``path`` of language sites this run
    no longer builds (each with its language)."""
    # A language's site marks its baseline, so that the main site can tell
    # one no build of the run used any more (its language taken out of
    # I18N_SUBSITES): its things moved to the main site, at other URLs.
    if build.outer_builds:
        return str(build.current.pelican.settings.get("DEFAULT_LANG") or ""), []
    if build.current.inside.baselines is None:
        return None, []
    # A language still in I18N_SUBSITES whose site this run did not
    # build (i18n_subsites, after a failed run in the same process,
    # builds none of the languages it had not reached) has not gone.
    still_there = build.i18n_subsites(build.current.pelican)
    return None, [
        (other, lang)
        for other, lang in unused_language_baselines(
            path, build.current.inside.baselines
        )
        if lang not in still_there
    ]


def _compares_without_baseline(language: str | None) -> str:
    """What the guard of a site without a baseline compares (``language``:
    a language's site's)."""
    if language is None:
        return "this build compares no thing URL"
    return (
        "this language's site compares only the things another site of "
        "the run published before (as that site's baseline holds them)"
    )


def _early_baseline(path: Path) -> Path | None:
    """The copy of the last manifest an early version's guard kept, if it is
    there: at ``FLATTR_PREVIOUS_MANIFEST`` when the settings still name it
    (read as written, as those versions did), else beside the baseline at
    ``path``, where they kept it by default."""
    named = build.current.pelican.settings.get(EARLY_BASELINE_SETTING)
    if isinstance(named, (str, os.PathLike)) and str(named).strip():
        early = Path(named)
        try:
            if early.is_file():
                return early
        except (OSError, ValueError):  # a NUL in the value; the settings say it
            pass
    early = path.with_name(EARLY_BASELINE_NAME)
    return early if early.is_file() else None


def _say_baseline_started(settings: FlattrSettings, language: str | None) -> None:
    """Say that there was no baseline to compare with, and that this build
    started one: a warning for a strict build, or where the settings
    file's folder holds one (pelican run from another folder)."""
    path = settings.url_baseline_path
    compares = _compares_without_baseline(language)
    beside = _baseline_beside_settings(settings, language, starts=True)
    if beside is not None:
        logger.warning("pelican-flattr: %s", beside)
        return
    early = _early_baseline(path)
    if early is not None:
        # An early version's guard kept its history there: the URL changes
        # it still warned of would go unsaid from now on.
        shown = redact_addresses(str(early))
        # Quoted as this system's shell needs it: a folder with a space.
        diff = redact_addresses(
            command_line(
                ["pelican-flattr", "diff", str(early), str(settings.manifest_path)]
            )
        )
        logger.warning(
            "pelican-flattr: %s",
            f"no URL baseline at {_shown_baseline(path)} yet, but {shown} is "
            "there, the copy of the last manifest that an early version of "
            f"pelican-flattr compared with, which this one does not read: "
            f"{compares}, and starts a new baseline; list the thing URLs that "
            f"changed since that copy with `{diff}`, mend each as its row says, "
            f"then delete {shown}",
        )
        return
    # Said, since a CI that does not keep the cache would never compare:
    # a warning for a strict build (publishconf.py's, as the README
    # advises), which is the one that must not publish a moved URL
    # unseen; a development build's first run only informs.
    kept = (
        "keep the file between builds (a CI that does not keep it never compares)"
        if build.current.pelican.settings.get("FLATTR_URL_BASELINE")
        else "keep the file between builds, or point FLATTR_URL_BASELINE at "
        "one that is kept (a CI that does not keep CACHE_PATH never compares)"
    )
    (logger.warning if settings.strict else logger.info)(
        "pelican-flattr: no URL baseline at %s yet: %s, and starts the "
        "baseline; a build that never finds it never compares: %s",
        _shown_baseline(path),
        compares,
        kept,
    )


def _baseline_beside_settings(
    settings: FlattrSettings, language: str | None, starts: bool
) -> str | None:
    """Why the baseline this build looked for is missing where the settings
    file's folder holds one (pelican run from another folder), and what to
    do; None when it holds none. ``starts``: the build starts a new
    baseline where it runs (a strict build fails instead)."""
    path = settings.url_baseline_path
    folder = _settings_folder_holding(path)
    if folder is None:
        return None
    # Where the operator meant it: a new one started here leaves the URL
    # changes since that one unsaid.
    fix = (
        "make FLATTR_URL_BASELINE an absolute path"
        if build.current.pelican.settings.get("FLATTR_URL_BASELINE")
        else "set CACHE_PATH in the settings file, which Pelican takes from "
        "the file's folder"
    )
    outcome = (
        ", and starts a new baseline where it runs"
        if starts
        else ", and FLATTR_STRICT fails it"
    )
    return (
        f"no URL baseline at {_shown_baseline(path)} yet, but there is one at "
        f"{redact_addresses(str(folder / path))}, beside the settings file: "
        f"{_compares_without_baseline(language)}{outcome}; run pelican from "
        f"{redact_addresses(str(folder))}, or {fix}"
    )


def _shown_baseline(path: Path) -> str:
    """``path`` as the messages of a missing baseline show it: a relative
    one with the folder it is taken from, the one pelican runs in (the
    operator read ``cache/...`` as the repository's)."""
    if path.is_absolute():
        return redact_addresses(str(path))
    return redact_addresses(f"{path} (in {os.getcwd()})")


def _settings_folder_holding(path: Path) -> Path | None:
    """The folder of the settings file ``pelican`` read, when a baseline
    other than the one this build just started at the relative ``path``
    lies at that path from there; else None (asked before a strict build
    starts one too). As the commands look for a store beside the settings
    file (``store.configured_store``)."""
    if path.is_absolute():
        return None
    settings_file = build.settings_file()
    if settings_file is None:
        return None
    folder = settings_file.parent
    beside = folder / path
    # Run from the settings file's folder, it is this build's own.
    if not beside.is_file() or (path.exists() and os.path.samefile(beside, path)):
        return None
    return folder


def _planted_link(path: Path, in_cache: bool) -> str | None:
    """Why the baseline at ``path`` is not to be read or written, as a link
    may have been planted there (in a cache a CI restores): the plugin's
    own folder in CACHE_PATH (``in_cache``: where the baseline lies) is a
    link, or ``path`` one the build writes nothing through
    (``link_refused``); None when neither. A folder FLATTR_URL_BASELINE
    names is the operator's, link or not.

    Written through, a planted link had the build write its baseline,
    holding the sources' names, into a folder a shell sources, or move
    aside another site's file.
    """
    if in_cache and _is_link(path.parent):
        return (
            f"lies in {path.parent}, the plugin's folder in CACHE_PATH, which is a "
            f"link to {os.path.realpath(path.parent)}: the build keeps its "
            "baseline in a folder of its own (a link put there could have it "
            "write anywhere); remove the link (to keep the baseline elsewhere, "
            "link CACHE_PATH itself, or the baseline file to one of its name)"
        )
    if _is_link(path):
        return link_refused(path)
    return None


def _is_link(path: Path) -> bool:
    """Whether ``path`` is a link; False where it cannot be examined (its
    folder closed to the build, a name too long), which the guard's own
    reading of it says."""
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def _say_set_aside_left(
    settings: FlattrSettings, aside: list[Path], compares: str
) -> None:
    """Say that the baselines ``aside`` lie where the missing baseline
    was, set aside by an earlier build: a strict build fails (writing no
    baseline) until the operator puts one back or deletes them."""
    path = kept_file(settings.url_baseline_path)  # where to put it back
    if len(aside) == 1:
        found, it, them = f"{aside[0]} beside it was", "it", "it"
    else:
        names = ", ".join(map(str, aside))
        found, it, them = f"{names} beside it were", "the last", "them"
    if settings.strict:
        then = (
            f", and strict builds fail until you repair {it} and put it back "
            f"as {path}, to check the URL changes since, or delete {them}, to "
            "start a new baseline"
        )
    else:
        then = (
            f", and starts a new baseline: repair {it} and put it back as "
            f"{path} to check the URL changes since, or delete {them}"
        )
    _give_up(
        f"no URL baseline at {_shown_baseline(path)}, but {found} set aside by "
        f"an earlier build that could not read it: {compares}{then}"
    )


@dataclass(frozen=True)
class _BuildUrls:
    """The new side of the comparison: who has which thing URL in this
    build and in the run."""

    source_by_url: dict[str, str]
    # With the sources whose thing is in a site run inside this one.
    url_by_source: dict[str, str]
    # Of this site's own things.
    owner_by_url: dict[str, str]
    # The sources a site run inside this one guards (``_moved``).
    guarded_inside: set[str]
    elsewhere: Mapping[str, Thing]
    # FLATTR_ACCEPT_URL_CHANGES.
    accepted: Collection[str]

    @functools.cached_property
    def run_urls(self) -> set[str]:
        """Every thing URL of the run: asked only for an accepted URL (a
        few), and made once."""
        urls = {thing.url for thing in build.current.inside.things.values()}
        urls.update(thing.url for thing in self.elsewhere.values())
        urls.update(self.source_by_url)
        return urls

    @functools.cached_property
    def in_other_sites(self) -> dict[str, tuple[str, str]]:
        """Thing URL -> its source and owner, of the things of the run's
        other sites (those this one runs inside, and those run inside it):
        made once, and only when this site's baseline holds URL changes, or
        URLs it let go."""
        things = ChainMap(build.current.inside.things, self.elsewhere)
        return {
            thing.url: (source, thing.owner.value) for source, thing in things.items()
        }

    @property
    def other_sites(self) -> bool:
        """Whether the run has other sites (i18n_subsites) with things."""
        return bool(self.elsewhere or build.current.inside.things)

    @functools.cached_property
    def owner_in_other_sites(self) -> dict[str, str]:
        """Thing URL -> its owner, of ``in_other_sites``."""
        return {url: owner for url, (_, owner) in self.in_other_sites.items()}


def _build_urls(settings: FlattrSettings, guarded: _GuardedThings) -> _BuildUrls:
    """Who has which thing URL in this build and in the run."""
    source_by_url = {ct.url: ct.source for ct in guarded.things}
    # A source this site no longer publishes may have its thing in a site
    # run inside this one (a language's site of i18n_subsites, added since
    # the last build): its thing URL changed, rather than went missing.
    url_by_source = {source: t.url for source, t in build.current.inside.things.items()}
    url_by_source.update((ct.source, ct.url) for ct in guarded.things)
    # Flattr keys a thing on its URL, and keeps the owner it was created
    # with: a thing whose URL this build has too, with another owner (an
    # author's mapping changed), keeps its old one at Flattr. Only this
    # site's own things: the site that has a shared one guards it.
    owner_by_url = {ct.url: ct.thing.owner.value for ct in guarded.own}
    # Each site guards what it publishes: a source a site run inside this
    # one publishes now was compared there, with this site's entries of it
    # (``_from_outer_baselines``). Compared here too, the warning was said
    # twice, and the entry kept here while that site's baseline took the
    # new URL: pinning the old URL back, as advised, turned the warning
    # round there, for good.
    return _BuildUrls(
        source_by_url,
        url_by_source,
        owner_by_url,
        build.current.inside.guarded,
        guarded.elsewhere,
        settings.accepted_url_changes,
    )


def _moved(urls: _BuildUrls, entry: dict[str, str]) -> bool:
    """Whether no build of the run has the entry's source at its URL,
    which was its source's (an entry that ``waits`` never was), and no
    site run inside this one guards the source."""
    url, source = entry["url"], entry["source"]
    return (
        urls.source_by_url.get(url) != source
        and urls.url_by_source.get(source) != url
        and not waits(entry)
        and not released(entry)
        and source not in urls.guarded_inside
    )


def _handed_over(urls: _BuildUrls, entry: dict[str, str]) -> bool:
    """Whether the entry (of a source a site run inside this one guards)
    is an accepted URL of an owner that no thing of the run has: that
    site compared it, but only this one compares things at this site's
    URLs, so this one keeps it released."""
    owner = entry.get("owner")
    if (
        entry["url"] not in urls.accepted
        or not isinstance(owner, str)
        or not owner
        or waits(entry)
    ):
        return False
    return entry["url"] not in urls.run_urls


# What an entry of the last baseline is to the guard (``_EntryNote``).
_EntryKind = Literal["compare", "idle", "reused", "taken back", "handed"]


@dataclass(frozen=True, slots=True)
class _EntryNote:
    """What the guard makes of an entry of the last baseline
    (``_note_entry``), recorded once the file is read (``_NotedOfBaselines``).
    """

    entry: dict[str, Any]
    # Kept to compare its URL ("compare", ``_moved``); or a released entry
    # (never compared) that no thing of this site has ("idle"), whose URL a
    # thing has now with another owner ("reused"), or whose owner's thing
    # has it again ("taken back"); or one of this site's URLs whose source
    # a site run inside this one took over and let go ("handed", ``entry``
    # released, ``_handed_over``); or None, for the fields below alone.
    kind: _EntryKind | None
    owner_change: OwnerChange | None = None
    # Its source waits at the URL (``waits``): the reuse was said before.
    waits: bool = False


@dataclass(frozen=True)
class _NotedOfBaselines:
    """What the guard notes of the baselines' entries (``_EntryNote``),
    besides the entries it keeps to compare."""

    owner_changes: list[OwnerChange] = field(default_factory=list)
    # Released entries (URLs let go earlier) that no thing of this site has,
    # kept as they are; and those whose URL a thing has now with another
    # owner, whom Flattr does not give the thing at that URL.
    idle: list[dict[str, str]] = field(default_factory=list)
    reused: list[dict[str, str]] = field(default_factory=list)
    # Entries of this site's URLs whose source a site run inside this one
    # took over and let go (``_handed_over``), released here.
    handed: list[dict[str, str]] = field(default_factory=list)
    # The URLs whose reuse under another owner an earlier build said: their
    # taker waits at them (``waits``) until accepted.
    said_before: set[tuple[str, str]] = field(default_factory=set)
    # (source, URL) of the released entries whose owner's thing has the URL
    # again: a change accepted, then undone, which takes its flattrs back.
    taken_back: set[tuple[str, str]] = field(default_factory=set)

    def add(self, notes: list[_EntryNote]) -> list[dict[str, str]]:
        """Record ``notes`` (those of a baseline read whole), and return
        the entries they keep to compare, in their order."""
        compared = []
        for note in notes:
            entry = note.entry
            if note.waits:
                self.said_before.add((entry["url"], entry["source"]))
            if note.owner_change is not None:
                self.owner_changes.append(note.owner_change)
            if note.kind == "compare":
                compared.append(entry)
            elif note.kind == "idle":
                self.idle.append(entry)
            elif note.kind == "reused":
                self.reused.append(entry)
            elif note.kind == "handed":
                self.handed.append(entry)
            elif note.kind == "taken back":
                self.taken_back.add((entry["source"], entry["url"]))
        return compared


def _note_entry(
    urls: _BuildUrls,
    waiting: Collection[tuple[str, str]],
    entry: dict[str, str],
) -> _EntryNote | None:
    """What the guard makes of an entry of the last baseline, or None for
    one of nothing to say: whether to keep it to compare its URL
    (``_moved``), an owner change of its thing (but of one that
    ``waiting`` holds, ``_GuardedThings.waiting``), and which released
    entry (never compared) it is.

    Noted, not recorded: ``read_baseline`` hands it the entries of a file
    before it knows the file is sound, and those of one laid out both ways
    again when it reads it whole; only a read that succeeds is recorded.
    """
    url, old_owner = entry["url"], entry.get("owner")
    owner = urls.owner_by_url.get(url)
    waiting_here = waits(entry)
    if released(entry):
        if owner is None and urls.other_sites:
            # With i18n_subsites, a thing of another site of the run at a
            # URL this site let go: its site has no entry of the URL, so
            # only this one can say the reuse (``urls_taken``); with the
            # same owner, its site's entry replaces this one.
            owner = urls.owner_in_other_sites.get(url)
        if owner is None:
            kind: _EntryKind = "idle"
        elif isinstance(old_owner, str) and old_owner and owner != old_owner:
            kind = "reused"
        else:
            # The URL is its owner's thing's again: its entry replaces it.
            kind = "taken back"
        return _EntryNote(entry, kind, waits=waiting_here)
    if entry["source"] in urls.guarded_inside and _handed_over(urls, entry):
        return _EntryNote(released_entry(entry), "handed", waits=waiting_here)
    owner_change = None
    if (
        owner is not None
        and owner != old_owner
        and isinstance(old_owner, str)
        and old_owner
        and not waiting_here
        # Its taker waits at the URL, which another site of the run keeps
        # for another's thing (an article moved to a site run inside this
        # one, or one deleted from a site this one runs inside): that site
        # says the takeover, with its advice; said here too, as an owner
        # change, the advice (the old owner back) went against it, and
        # "the baseline takes the new owner" while the entry waits.
        and (url, urls.source_by_url[url]) not in waiting
    ):
        owner_change = OwnerChange(url, urls.source_by_url[url], old_owner, owner)
    # Nor is a shared thing compared that a baseline written by an
    # earlier version holds, while the other site has it still.
    compare = _moved(urls, entry) and not _guarded_elsewhere(
        entry["source"], url, urls.elsewhere
    )
    if not compare and owner_change is None and not waiting_here:
        return None  # the common entry: its thing's, unchanged
    return _EntryNote(
        entry, "compare" if compare else None, owner_change, waits=waiting_here
    )


def _load_last_baseline(
    settings: FlattrSettings,
    problem: str | None,
    note: Callable[[dict[str, str]], _EntryNote | None],
    noted: _NotedOfBaselines,
    old_sources: set[str],
) -> list[dict[str, str]] | None:
    """The entries of the last build's baseline to compare (only those
    whose URL is no longer their source's), recording in ``noted`` what
    ``note`` makes of them all and adding every source it names to
    ``old_sources``: none when there is none yet (``problem`` is
    ``MISSING``) or it is damaged and moved aside (nothing recorded, no
    source added); None when the guard checks nothing (both said)."""
    if problem is MISSING:
        return []
    path = settings.url_baseline_path
    try:
        return noted.add(read_baseline(path, note, sources=old_sources))
    except BaselineUnreadable as error:
        # What it holds may be sound (its owner or mode keeps this build
        # out): set aside and replaced, the URL changes since went unsaid.
        fix = (
            f"fix its permissions, so that {_build_user()} may read it"
            if error.denied
            else "fix what keeps the build from reading it"
        )
        _give_up(
            f"FLATTR_URL_BASELINE: cannot read {path} ({error.reason}), so the "
            f"URL guard leaves it as it is and checks nothing: {fix}"
        )
        return None
    except BaselineError as error:
        return [] if _set_aside_unreadable(settings, error) else None


def _set_aside_unreadable(settings: FlattrSettings, error: BaselineError) -> bool:
    """Move aside the baseline that cannot be read (``error``), and say so;
    whether it was, and the guard goes on with a new baseline."""
    path = settings.url_baseline_path
    # Kept, not overwritten: it holds the changes since the last
    # readable baseline, which this build can no longer report.
    # Moved aside only in the plugin's own folder (the default) or
    # when it opens as a baseline: FLATTR_URL_BASELINE may name an
    # article or a page by mistake. (Through a link, only a file of its
    # name: ``_planted_link``.)
    try:
        in_the_way = (
            None
            if path.parent.name == CACHE_FOLDER
            else not_a_file_of(
                path, "baseline_version", "a pelican-flattr URL baseline"
            )
        )
        if in_the_way is not None:
            _give_up(
                f"FLATTR_URL_BASELINE: {path} {in_the_way}, so the URL "
                "guard leaves it as it is and checks nothing: point "
                "FLATTR_URL_BASELINE at a file of its own",
            )
            return False
        aside = set_aside(path)
        path = kept_file(path)  # where to put it back
    except OSError as move_error:
        _give_up(
            f"{error}; cannot move it aside ({move_error}), so the URL "
            "guard leaves it as it is and checks nothing: repair or "
            "delete it",
        )
        return False
    if build.current.strict:
        # This build fails on the warning, and writes no baseline; the
        # next finds none, and fails while this one lies beside it
        # (``_say_set_aside_left``): passing, it took the changes for good.
        build.warn(
            f"{error}; moved it to {aside}; strict builds fail until you "
            f"repair it and put it back as {path}, to check the URL changes "
            "since the last readable baseline, or delete it, to start a new "
            "baseline"
        )
    else:
        build.warn(
            f"{error}; moved it to {aside} and started a new baseline, so URL "
            "changes since the last readable baseline go unreported: repair "
            f"it and put it back as {path} to check them, or delete it",
        )
    return True


def _add_outer_history(
    changed: list[dict[str, str]],
    own: list[ContentThing],
    note: Callable[[dict[str, str]], _EntryNote | None],
    noted: _NotedOfBaselines,
    old_sources: set[str],
) -> set[tuple[str, str]]:
    """Add to ``changed`` the entries to compare that the baselines of the
    sites this language's site runs inside hold of its sources new to its
    own, recording in ``noted`` what ``note`` makes of them, and return
    their URLs (with their sources)."""
    # A source new to this site's baseline (the language's site just
    # added, or an article whose language changed) was published by a
    # site this one runs inside: its entries there are its history.
    new_here = {ct.source for ct in own}.difference(old_sources)
    if not new_here:
        return set()
    from_outer = noted.add(_from_outer_baselines(new_here, note, old_sources))
    changed += from_outer
    # Their URLs are the outer site's, which releases them.
    return {(entry["url"], entry["source"]) for entry in from_outer}


def _owners_by_source(changed: list[dict[str, str]]) -> dict[str, str]:
    """The owner of each source of the ``changed`` entries that has one."""
    return {
        entry["source"]: entry["owner"]
        for entry in changed
        if isinstance(entry.get("owner"), str)
    }


def _url_changes(
    urls: _BuildUrls,
    changed: list[dict[str, str]],
    reused: list[dict[str, str]],
    old_sources: set[str],
) -> list[UrlChange]:
    """The URL changes of the ``changed`` entries, and of the ``reused``
    ones (released URLs a thing has now under another owner)."""
    other_sites = bool(changed) and urls.other_sites
    changes = url_changes(
        changed,
        urls.source_by_url,
        _url_by_source_with_moves_elsewhere(urls, changed),
        in_folder(build.current.content_root),
        old_sources,
        # A thing this site shows for another site (a copy of its article)
        # has that site's owner: without it, one that took the URL of a
        # source gone from here was a silent move, its flattrs the old
        # owner's at Flattr.
        ChainMap(urls.owner_by_url, urls.owner_in_other_sites)
        if other_sites
        else urls.owner_by_url,
    )
    if other_sites:
        changes = _taken_in_other_sites(urls, changed, changes)
    # At Flattr a released URL reused under another owner passed to another
    # source, as a taken one does: said, and kept, until accepted.
    changes += [_reused(urls, entry) for entry in reused]
    return changes


def _reused(urls: _BuildUrls, entry: dict[str, str]) -> UrlChange:
    """The change of a released entry whose URL a thing has now under
    another owner: one of this site's, or of another site of the run
    (``_note_entry``)."""
    url = entry["url"]
    owner = urls.owner_by_url.get(url)
    taker, owner = (
        (urls.source_by_url[url], owner)
        if owner is not None
        else urls.in_other_sites[url]
    )
    return UrlChange(
        entry["source"],
        url,
        None,
        taker,
        released_owner=str(entry.get("owner")),
        new_owner=owner,
    )


def _taken_in_other_sites(
    urls: _BuildUrls, changed: list[dict[str, str]], changes: list[UrlChange]
) -> list[UrlChange]:
    """``changes``, each old URL that a thing of another site of the run
    has now, of another source, said taken by that source (with the
    owners when they differ), as a URL taken within one site is."""
    # With i18n_subsites an old URL this site keeps (an article that left
    # the main site for this one, its move unresolved) may be taken by a
    # thing of another site that this one does not show (a new main-site
    # article with its slug). Compared with this site's things only, it
    # was said as a plain move, and the pin the warning advised made two
    # things of one URL, the taker's flattrs going to the old owner at
    # Flattr. The taker's site has no entry of the URL: only this site can
    # say it. A source gone here whose URL another site's source has with
    # the same owner stays said as gone: it may have moved there, but
    # whether the taker is one of the last build's (no move then) only its
    # own site's baseline knows.
    owners = {(entry["url"], entry["source"]): entry.get("owner") for entry in changed}
    found = []
    for change in changes:
        there = urls.in_other_sites.get(change.old_url)
        if change.taken_by is not None or there is None or there[0] == change.source:
            found.append(change)
            continue
        taker, now = there
        owner = owners.get((change.old_url, change.source))
        kept = owner if isinstance(owner, str) and owner and owner != now else None
        if kept is None and change.new_url is None and not change.still_there:
            found.append(change)
            continue
        found.append(
            replace(
                change,
                taken_by=taker,
                kept_owner=kept,
                new_owner=now if kept is not None else None,
            )
        )
    return found


def _url_by_source_with_moves_elsewhere(
    urls: _BuildUrls, changed: list[dict[str, str]]
) -> Mapping[str, str]:
    """``urls.url_by_source``, with the URL in another site of the run of
    each source of the ``changed`` entries that has none in this one."""
    if not urls.elsewhere:
        return urls.url_by_source
    # A source without a copy here that another site of the run
    # publishes now (an article whose Lang: is the main site's now)
    # moved to that site's URL: said so, not as gone, and held for it
    # (``_hold_for_outer``).
    moved_there = {}
    for entry in changed:
        there = urls.elsewhere.get(entry["source"])
        if there is not None:
            moved_there[entry["source"]] = there.url
    # The build's own URL of a source comes first.
    return ChainMap(urls.url_by_source, moved_there)


def _unresolved(settings: FlattrSettings, changes: list[UrlChange]) -> list[UrlChange]:
    """The ``changes`` that neither FLATTR_ACCEPT_URL_CHANGES nor the
    settings resolve (``unresolved_changes``)."""
    return unresolved_changes(
        changes,
        settings.accepted_url_changes,
        settings.pages,
        lambda: page_sources(build.current.generators),
        _contents_read,
    )


def _contents_read(sources: Collection[str]) -> Iterator[tuple[str, Any]]:
    """This build's contents of ``sources`` (``url_guard.ContentsOf``), and
    what Pelican's readers make of each that it skipped (``_skipped``)."""
    found = list(contents_of(build.current.generators, sources))
    unread = set(sources).difference(source for source, _ in found)
    return chain(found, _skipped(unread)) if unread else iter(found)


def _skipped(sources: Collection[str]) -> Iterator[tuple[str, Any]]:
    """Each of ``sources`` that Pelican skipped ('Status: skip'), with the
    ``SkipStub`` its readers make of it (``url_guard.is_skipped``).

    Pelican keeps nothing of a file it skips, so each is read again, as
    ``pelican-flattr diff --settings`` reads a source
    (``diff_command.contents_in``): only the few a change names that no
    generator has, and not one that Pelican failed to read (it said why,
    and a second read would say it again).
    """
    # Imported here: only a build whose guard names such a source needs it.
    from .diff_command import contents_in

    generators = build.current.generators
    tried = getattr(generators[0], "context", {}) if generators else {}
    read_again = build.current.guard.read_again
    unread = [
        s
        for s in sources
        if s not in read_again and s not in tried.get("generated_content", {})
    ]
    if unread:
        settings = build.current.pelican.settings
        # A file is skipped whatever its kind: each is read as an article
        # (no page files listed).
        read = dict(contents_in(settings, settings["PATH"], lambda: (), unread))
        for source in unread:
            content = read.get(source)
            read_again[source] = content if is_skipped(content) else None
    for source in sources:
        if read_again.get(source) is not None:
            yield source, read_again[source]


def _not_said_inside(unresolved: list[UrlChange]) -> list[UrlChange]:
    """The ``unresolved`` changes to say: all but the reuses of a URL this
    site let go whose taker waits at it for a site run inside this one,
    which said it (``_hold_for_outer``)."""
    # With i18n_subsites two sites may let one URL go (a main-site article
    # deleted as the same owner's German one took its URL, then given
    # another): each keeps it released, and another owner's thing at it
    # later was said by both, a strict build failing twice. The innermost
    # site, built first, says it. Each site still keeps its change
    # unresolved, so that accepting the URL, as advised, resolves it in
    # every baseline.
    waiting = build.current.inside.waiting
    if not waiting:
        return unresolved
    return [
        change
        for change in unresolved
        if change.released_owner is None
        or (change.old_url, change.taken_by) not in waiting
    ]


def _warn_about_handovers(
    settings: FlattrSettings,
    changes: list[UrlChange],
    said_before: set[tuple[str, str]],
) -> None:
    """Warn about each accepted URL this build hands to another owner."""
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
            logger.warning(
                "pelican-flattr: %s%s",
                build.site_label(),
                handed_over_warning(change, settings.store_path),
            )


def _warn_about_url_changes(
    settings: FlattrSettings,
    unresolved: list[UrlChange],
    released: int = 0,
    kept_manifest: Path | None = None,
) -> None:
    """Warn about the ``unresolved`` changes: each a problem in a strict
    build, a long list summed up; those of sources that got no thing for
    a problem the build said, in one line, one problem. ``released``: the
    baseline's URLs let go earlier, which deleting it would forget;
    ``kept_manifest``: where a strict build keeps its manifest (see
    ``_listing``)."""
    # Neither counted as changes nor said one by one: the build said why
    # each has no thing, and mended, each comes back at its URL. A strict
    # build that said an error stopped before the guard: only sources
    # without an owner (a warning) come here, and fail it once.
    lost, unresolved = lost_to_said_problems(unresolved, _said_without_things())
    # With i18n_subsites each site compares its own things and reads its
    # own FLATTR_ACCEPT_URL_CHANGES: a language's site names itself, so
    # that the advice says whose setting resolves the change.
    site = build.site_label()
    if lost:
        build.warn(site + lost_to_said_problems_warning(lost))
    told = told_by_content(
        unresolved,
        _contents_read,
        build.current.pelican.settings.get("EXTRA_PATH_METADATA"),
        listed_old_hosts(build.current.pelican.settings),
    )
    slugify_source = build.current.pelican.settings.get("SLUGIFY_SOURCE", "title")
    causes = shared_causes(told, settings.siteurl, slugify_source)
    said, unsaid, summary = url_change_warnings(
        told,
        _listing(settings, kept_manifest, failing=settings.strict, from_baseline=True),
        settings.url_baseline_path,
        settings.siteurl,
        settings.store_path,
        slugify_source,
        old_urls=_listing(
            settings,
            kept_manifest,
            failing=settings.strict,
            from_baseline=True,
            option="--old-urls",
        ),
        kept=len(lost),
        released=released,
        causes=causes,
    )
    # Not a problem itself: the changes it counts are. One that names their
    # shared cause comes first: read after twenty fixes that each pin one
    # file, its one fix for all of them came last.
    say_summary = logger.error if settings.strict else logger.warning
    if summary is not None and causes.alike is not None:
        say_summary("pelican-flattr: %s%s", site, summary)
        build.current.messages.shared_cause = site + summary
    for message in said:
        build.warn(site + message)
    if settings.strict:
        for message in unsaid:  # each fails the build, and is counted
            build.report(site + message, log=False)
    if summary is not None and causes.alike is None:
        say_summary("pelican-flattr: %s%s", site, summary)


def _said_without_things() -> set[str]:
    """The sources that got no thing for a problem this build said (a bad
    field, an unusable FLATTR_AUTHORS entry of their author, no owner), or
    a build it runs inside said (with i18n_subsites, a file both publish)."""
    # Not every content problem said: a warning (a misspelt field) leaves
    # the thing alone, and content that has one and opts out is said as an
    # opt-out, with its own fix.
    return set().union(
        *(state.guard.refused_sources for state in (build.current, *build.outer_builds))
    )


def _warn_about_owner_changes(
    settings: FlattrSettings,
    owner_changes: list[OwnerChange],
    changes: list[UrlChange],
    kept_manifest: Path | None,
) -> None:
    """Warn about the things whose owner changed while Flattr keeps the
    old one, but those whose URL another source took (``changes``)."""
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
        _with_names(settings, owner_changes),
        baseline_kept=failing,
        listing=_listing(settings, kept_manifest, failing=failing),
        store=settings.store_path,
    ):
        logger.warning("pelican-flattr: %s%s", build.site_label(), line)


def _with_names(
    settings: FlattrSettings, owner_changes: list[OwnerChange]
) -> list[OwnerChange]:
    """``owner_changes``, each with what gave its new owner (the author
    whose entry it is, as ``resolve`` found it, else the field or setting),
    and the ``FLATTR_AUTHORS`` keys that give its old owner: the baseline
    keeps owners alone, and an author reads "email:e85bdea7…" as no one."""
    if not owner_changes:
        return owner_changes
    keys: dict[str, list[str]] = {}
    for key, owner in settings.authors.items():
        keys.setdefault(owner.value, []).append(key)
    sources = {change.source for change in owner_changes}
    # Not every author of the source: the first one mapped gives the owner.
    authors = {
        ct.source: ct.owner_author
        for ct in build.current.content_things
        if ct.source in sources and ct.owner_author is not None
    }
    given = _owners_given_by(sources - authors.keys())
    return [
        replace(
            change,
            old_names=tuple(keys.get(change.old_owner, ())),
            new_names=(authors[change.source],) if change.source in authors else (),
            new_from=given.get(change.source),
        )
        for change in owner_changes
    ]


def _owners_given_by(sources: Collection[str]) -> dict[str, str]:
    """What gave the owner of each of ``sources``, whose owner no author's
    entry gave (``OwnerChange.new_from``): the setting that gave its
    'flattr_owner' metadata, else its own field, else FLATTR_USERNAME."""
    if not sources:
        return {}
    given = {}
    for source, content in contents_of(build.current.generators, sources):
        setting = given_by_setting(content, OWNER, source)
        if setting is not None:
            given[source] = f"{setting}['{OWNER}']"
        elif str(content.metadata.get(OWNER) or "").strip():
            given[source] = OWN_OWNER_FIELD
        else:
            given[source] = "FLATTR_USERNAME"
    return given


def _accepted_to_let_go(
    settings: FlattrSettings,
    changed: list[dict[str, str]],
    changes: list[UrlChange],
    outer_urls: set[tuple[str, str]],
) -> list[dict[str, str]]:
    """The ``changed`` entries of accepted URLs, released, to keep in the
    next baseline."""
    # An accepted URL that no thing of this build has keeps its last source
    # and owner: Flattr keeps the thing there with that owner, and a source
    # of another owner that gets the URL later (a slug reused) would give
    # its flattrs to it. One another source took and kept is that source's.
    # An entry without an owner (hand-written) tells no owner apart. One
    # taken from an outer site's baseline is released there
    # (``_NotedOfBaselines.handed``).
    accepted = {
        (change.old_url, change.source)
        for change in changes
        if change.old_url in settings.accepted_url_changes and change.taken_by is None
    }.difference(outer_urls)
    return [
        released_entry(entry)
        for entry in changed
        if (entry["url"], entry["source"]) in accepted
        and isinstance(entry.get("owner"), str)
        and entry["owner"]
    ]


def _write_next_baseline(
    settings: FlattrSettings, language: str | None, entries: Iterator[dict[str, str]]
) -> bool:
    """Write the baseline the next build compares with (``entries``, marked
    with the ``language`` of a language's site); whether it was written (if
    not, said)."""
    path = settings.url_baseline_path
    try:
        if os.path.lexists(path):
            build.keep_old_baseline(kept_file(path))
        write_baseline(path, entries, language)
    except OSError as error:
        # The next build would compare nothing: a problem like any other.
        fix = ""
        if isinstance(error, PermissionError):
            # Named by the error: the folder that refused a new file, the
            # one it could not make (in its parent), or the baseline.
            where = Path(error.filename or path)
            if where != path and not os.path.isdir(where):
                where = where.parent
            fix = (
                f": fix the permissions of {where}, so that {_build_user()} may "
                "write there, or point FLATTR_URL_BASELINE at a file in a "
                "folder that user may write in"
            )
        elif error.errno == errno.EROFS:
            # A CI's cache restored read-only, or a read-only mount.
            fix = (
                ": point FLATTR_URL_BASELINE at a file on a file system the "
                "build may write to, which the next build finds again"
            )
        _give_up(
            f"FLATTR_URL_BASELINE: cannot keep the URL guard's baseline {path}: "
            f"{why_unwritten(error, path)}{fix}"
        )
        return False
    return True


def _listing(
    settings: FlattrSettings,
    kept_manifest: Path | None,
    *,
    failing: bool,
    from_baseline: bool = False,
    option: str = "",
) -> str:
    """The ``pelican-flattr diff`` command that lists every change the guard
    found, with its files, for the summary of a long list: of URL changes
    (``from_baseline``) from the guard's baseline, which keeps each one's
    old URL until it is resolved (a site whose output is deleted before
    each build keeps no old manifest); of owner changes from a copy of the
    old manifest, as the baseline of a build that passes takes the new
    owner; with ``option`` (``--old-urls``) after its arguments. The new
    manifest of a build that is ``failing`` (a strict one, with problems),
    which removes its own, is ``kept_manifest``, the copy it keeps out of
    its output (``keep_manifest_for_diff``). Paths are quoted as the shell
    of this system needs them (a space in a folder's name), so that the
    command runs as written."""
    arguments = " ".join(filter(None, ["--settings SETTINGS_FILE", option]))
    unkept = failing and kept_manifest is None
    if unkept:
        new = (
            f"NEW_MANIFEST {arguments} (NEW_MANIFEST the one a build without "
            "FLATTR_STRICT writes, as this failed build removes its own"
        )
    else:
        manifest = kept_manifest if failing else settings.manifest_path
        new = f"{command_line([str(manifest)])} {arguments}"
    if from_baseline:
        # diff compares one site's files: a thing that moved to another
        # site of the run shows there as gone, its fix for a lost thing
        # (not among the old URLs of changed ones, --old-urls's).
        elsewhere = (
            " (where a thing now another site's of this run shows as gone)"
            if (build.outer_builds or build.current.inside.sites) and not option
            else ""
        )
        baseline = str(settings.url_baseline_path)
        return (
            f"{command_line(['pelican-flattr', 'diff', baseline])} {new}"
            + (")" if unkept else "")
            + elsewhere
        )
    opened = "; " if unkept else " ("
    return (
        f"pelican-flattr diff OLD_MANIFEST {new}{opened}OLD_MANIFEST a copy of "
        "the manifest as last published)"
    )


def keep_manifest_for_diff(settings: FlattrSettings) -> Path | None:
    """Write the manifest of a strict build that its URL guard fails beside
    the guard's baseline (``build.failed_build_manifest``), and return its
    path, or None where it keeps none (said). The failed build removes its
    manifest from the output, which an audit must refuse; without this
    copy the guard summary's ``pelican-flattr diff BASELINE NEW --old-urls``,
    the list of a deliberate change of many URLs to accept, took a second
    build without FLATTR_STRICT."""
    kept = build.failed_build_manifest(settings)
    if kept is None:
        return None
    try:
        # Only a manifest is replaced, as in the output: not a file of the
        # operator's own that has this name.
        in_the_way = not_a_manifest(kept)
        if in_the_way is None:
            write_atomically(kept, build.manifest_of_build(settings))
            logger.info(
                "pelican-flattr: kept this failed build's manifest as %s, out of "
                "its output, for the URL guard's pelican-flattr diff command; "
                "the next build that passes removes it",
                kept,
            )
            return kept
        why = f"it {in_the_way}: move it"
    except OSError as error:
        why = why_unwritten(error, kept)
    logger.warning(
        "pelican-flattr: cannot keep this failed build's manifest as %s for "
        "pelican-flattr diff: %s; the URL guard's diff command names "
        "NEW_MANIFEST instead, the %s a build without FLATTR_STRICT writes",
        kept,
        why,
        settings.manifest_path,
    )
    return None


def _guarded_here(own: list[ContentThing]) -> None:
    """Tell the sites this one runs inside that its guard compared the
    URLs of ``own`` things, and keeps them in its baseline."""
    if build.outer_builds:
        sources = {ct.source for ct in own}
        for outer in build.outer_builds:
            outer.inside.guarded |= sources


def _hold_for_outer(unresolved: list[UrlChange], urls: _BuildUrls) -> None:
    """Tell the sites this one runs inside which of the ``unresolved``
    changes are moves to a thing another site of the run has
    (``urls.elsewhere``): this site keeps their old URLs in its baseline,
    and that site leaves the sources out of its own until they are resolved
    (``BuildsInside.held``); and which old URLs this site keeps are taken
    by a thing of theirs, which waits there (``BuildsInside.waiting``), or
    let go and reused by a thing of any site, said here."""
    held = {
        change.source
        for change in unresolved
        if change.new_url is not None
        and _guarded_elsewhere(change.source, change.new_url, urls.elsewhere)
    }
    # Written plainly, the taker's entry made the URL its own: giving it
    # another slug, as the warning advises, was said as its URL changing,
    # and the pin that would silence that took the URL back.
    # A reuse of a URL this site let go is passed whatever site its taker
    # is in: said here, it is not said again by a site this one runs inside
    # that let the URL go too (``_not_said_inside``).
    waiting = {
        (change.old_url, change.taken_by)
        for change in unresolved
        if change.taken_by is not None
        and (
            change.released_owner is not None
            or _guarded_elsewhere(change.taken_by, change.old_url, urls.elsewhere)
        )
    }
    for outer in build.outer_builds:
        outer.inside.held |= held
        outer.inside.waiting |= waiting


def _from_outer_baselines(
    sources: set[str],
    note: Callable[[dict[str, str]], _EntryNote | None],
    old_sources: set[str],
) -> list[_EntryNote]:
    """What ``note`` makes of the entries of ``sources`` in the baselines
    of the sites this one runs inside (the nearest first), whose guards
    let them go (``BuildsInside.guarded``); each source found is added to
    ``old_sources``.

    Started afresh from this build's URLs instead, a language's site
    added to i18n_subsites kept the new URL of an article the main site
    published before, which the main site reported: pinned back as
    advised, the warning turned round, here, on every build; and a
    strict build that failed on it had written this baseline already.
    """
    found: list[_EntryNote] = []
    wanted = set(sources)  # made smaller in place, as each is found
    noted = functools.partial(_noted_from_outer, wanted, note)
    for outer in reversed(build.outer_builds):
        settings = outer.settings
        if not wanted or settings is None or not _keeps_baseline(settings):
            continue
        there: set[str] = set()
        try:
            found += read_baseline(settings.url_baseline_path, noted, sources=there)
        except BaselineError:
            continue  # that site's guard says so, and compares them itself
        there &= wanted
        old_sources |= there
        wanted -= there
    return found


def _keeps_baseline(settings: FlattrSettings) -> bool:
    """Whether the site of ``settings`` guards its URLs, and its baseline
    is a file to read."""
    return (
        settings.url_guard
        and not settings.development_build
        and file_problem(settings.url_baseline_path) is None
    )


def _waiting_for_outer_sites(
    guarded: _GuardedThings, urls: _BuildUrls
) -> _GuardedThings:
    """``guarded``, with each ``own`` thing also waiting whose URL the
    baseline of a site this one runs inside keeps for another source's
    thing (``_kept_in_outer_sites``)."""
    # With i18n_subsites a site this one runs inside (the main site, or a
    # language's built before) may keep an old URL this site's thing took
    # (an article deleted or moved there, unresolved): that site says the
    # takeover, with the owner Flattr keeps, once this one has written its
    # baseline. Written plainly, the taker's entry made the URL its own:
    # giving it another URL, as advised, was said here as its URL change,
    # and the other half of the advice (the old source pinned back) as that
    # source taking the URL from it, its entry there marked waiting, never
    # compared again. That site's baseline of the last build tells which
    # URLs it keeps: read only when this one's changed (a taker new here)
    # or holds such a waiting entry, never on the common build's fast path.
    takers = {ct.url: (ct.source, ct.thing.owner.value) for ct in guarded.own}
    found = _kept_in_outer_sites(takers, urls, guarded.own, still_taken=True)
    return replace(guarded, waiting={*guarded.waiting, *found}) if found else guarded


def _not_waiting_for_outer_sites(
    changed: list[dict[str, str]], urls: _BuildUrls, own: list[ContentThing]
) -> list[dict[str, str]]:
    """The ``changed`` entries of this site's last baseline but those at a
    URL the last baseline of a site this one runs inside keeps for another
    source's thing (``_kept_in_outer_sites``): entries that wait, as if
    marked so (``waits``)."""
    # That site may have come to keep the URL (and to say its takeover)
    # only once this site had written its taker's entry plainly: the
    # language's site that kept it removed from I18N_SUBSITES, its baseline
    # now the main site's; the same owner's article, gone as its taker came,
    # back under another slug; a strict build that accepted it failing on
    # another change there. This site's things unchanged since, nothing
    # marked the entry waiting, and giving the taker another URL, as
    # advised, was said here as its URL change, on every build. Read only
    # when this site's baseline holds changes, so never on the fast path.
    # The kept source back at the URL (pinned, the other half of the
    # advice) still makes the entry one that waited: the URL was never its.
    takers = {entry["url"]: (entry["source"], entry.get("owner")) for entry in changed}
    found = _kept_in_outer_sites(takers, urls, own, still_taken=False)
    if not found:
        return changed
    return [e for e in changed if (e["url"], e["source"]) not in found]


def _kept_in_outer_sites(
    takers: Mapping[str, tuple[str, Any]],
    urls: _BuildUrls,
    own: list[ContentThing],
    *,
    still_taken: bool,
) -> set[tuple[str, str]]:
    """The (url, source) of ``takers`` (URL -> the source of this site that
    has it, and its owner) whose URL the last baseline of a site this one
    runs inside keeps for another source, as that site's guard says
    (``_taken_in_other_sites``), or let go with another owner
    (``_note_entry``). With ``still_taken``, none that the kept
    source has again in this run (the taker has it now: two things)."""
    if not takers:
        return set()
    own_sources = {ct.source for ct in own}
    in_run = ChainMap(urls.elsewhere, build.current.inside.things)
    there = in_folder(build.current.content_root)
    found: set[tuple[str, str]] = set()
    for outer in build.outer_builds:
        settings = outer.settings
        if settings is None or not _keeps_baseline(settings):
            continue
        # A URL that site accepts is let go there: the taker's.
        wanted = takers.keys() - settings.accepted_url_changes
        if not wanted:
            continue
        kept = functools.partial(_kept_for_another, wanted, own_sources)
        try:
            entries = load_baseline(settings.url_baseline_path, keep=kept)
        except BaselineError:
            continue  # that site's guard says so, and keeps nothing of it
        for entry in entries:
            url, source, owner = entry["url"], entry["source"], entry.get("owner")
            taker, taker_owner = takers[url]
            other_owner = (
                isinstance(owner, str)
                and owner
                and isinstance(taker_owner, str)
                and owner != taker_owner
            )
            if released(entry):
                # Let go there, its owner Flattr's: that site says another
                # owner's taker reuses it (``_note_entry``).
                if other_owner:
                    found.add((url, taker))
                continue
            now = in_run.get(source)
            if still_taken and now is not None and now.url == url:
                continue  # its own source has it: nothing kept for it
            # A source gone, its owner the taker's, is said gone, not taken.
            if other_owner or now is not None or there(source, taker):
                found.add((url, taker))
    return found


def _kept_for_another(
    wanted: Collection[str], own_sources: Collection[str], entry: dict[str, str]
) -> bool:
    """Whether ``_kept_in_outer_sites`` takes the entry of an outer
    site's baseline: a URL of ``wanted`` that it keeps (not waiting there),
    or let go, for a source this site does not compare itself."""
    return (
        entry["url"] in wanted
        and entry["source"] not in own_sources
        and not waits(entry)
    )


def _noted_from_outer(
    wanted: set[str],
    note: Callable[[dict[str, str]], _EntryNote | None],
    entry: dict[str, str],
) -> _EntryNote | None:
    """What ``_from_outer_baselines`` takes of the entry of an outer
    site's baseline: what ``note`` makes of one of a source it still looks
    for (``wanted``), else None."""
    # A URL that site let go stays its business: released entries are
    # no history of a source.
    if entry["source"] in wanted and not released(entry):
        return note(entry)
    return None


def _compare_left_behind(
    left_behind: list[tuple[Path, str]],
    changed: list[dict[str, str]],
    old_sources: set[str],
    moved: Callable[[dict[str, str]], bool],
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
            build.warn(
                f"{error}: the URL baseline of the language site '{language}', "
                "which this build no longer runs, so the URL guard cannot say "
                "where its things went: repair or delete it",
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
