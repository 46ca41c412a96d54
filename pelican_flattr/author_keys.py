"""The ``FLATTR_AUTHORS`` keys checked against the authors the content
names: a key that names no author (misspelt; or its author renamed, their
content gone, or given to other authors, as the URL guards' baselines
tell), keys that name one author twice, an author named by their email
owner's address, and the key that an author without an owner most likely
meant.

``attach`` runs the checks as it attaches things; the warning about keys
that name no author waits, with i18n_subsites, for ``finish``, once every
language's site is read. What a build learns of its keys is kept in
``build.AuthorKeys``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from itertools import chain
from typing import Any, NamedTuple

import pelican.contents
from pelican.urlwrappers import Author

from . import build
from .generator_contents import contents, contents_of
from .identifiers import hash_email, holds_at_sign
from .manifest import file_problem
from .privacy import EVERY_CONTENT, address_digests, owner_field_digests
from .resolve import OWNER
from .settings import (
    NAMED_ENTRIES,
    FlattrSettings,
    author_meant,
    closest_name,
    did_you_mean,
    shown_author,
    spelt_name,
)
from .url_baseline import BaselineError, load_baseline, released
from .wording import listed

logger = logging.getLogger("pelican_flattr")

# How many files a warning names for one author or key before it counts
# the rest (attach's about contents without an owner too): a line per
# article, on every build, would bury the warnings that matter.
NAMED_SOURCES = 3


# Every list of content a generator keeps, drafts and hidden ones included.
_CONTENT_LISTS = tuple(
    dict.fromkeys(name for names in EVERY_CONTENT.values() for name in names)
)


def classify_author_keys(
    generators: list[Any], settings: FlattrSettings
) -> dict[str, Any]:
    """Note which ``FLATTR_AUTHORS`` keys name an author, by name or slug, of
    any content, drafts included, and which name none: most likely a typo,
    which would give that author's things to ``FLATTR_USERNAME`` without a
    word. Keys that name one author are warned about (see
    ``_warn_about_keys_of_one_author``). Returns the authors of the content,
    by name (none when no key is set)."""
    mapped = settings.authors.keys() | settings.unusable_authors.keys()
    if not mapped:
        return {}
    authors, read = _content_authors(generators)
    # "" is no slug: names in a script with no ASCII letters all have it.
    slugs = {getattr(a, "slug", None) for a in authors.values()} - {""}
    keys_by_slug = _keys_by_slug(settings)
    known = authors.keys() | slugs
    # Every key with an author's slug: a second key for one author is no
    # typo, and is warned about as what it is.
    known |= {key for slug in slugs for key in keys_by_slug.get(slug, ())}
    author_keys = build.current.author_keys
    author_keys.run_authors |= authors.keys() | slugs
    author_keys.run_authors -= {None, ""}
    author_keys.known_authors |= mapped & known
    author_keys.content_names_authors |= bool(authors)
    author_keys.content_read |= read
    author_keys.unknown_authors |= mapped - known
    if author_keys.unknown_authors:
        # What a misspelt key most likely meant: an author no key names.
        named = mapped | keys_by_slug.keys()
        for name, author in authors.items():
            slug = getattr(author, "slug", None)
            if name not in named and slug not in named:
                author_keys.unmapped_authors.update(filter(None, (name, slug)))
    shared = {
        slug: keys
        for slug, keys in keys_by_slug.items()
        if len(keys) > 1 and slug in slugs
    }
    if shared:
        _warn_about_keys_of_one_author(generators, shared, mapped)
    return authors


def _content_authors(generators: list[Any]) -> tuple[dict[str, Any], bool]:
    """The authors of every content the ``generators`` read, drafts and
    hidden ones included, and of the files Pelican skipped
    (``note_authors_of_skipped``), by name; and whether any content was
    read."""
    skipped = build.current.author_keys.skipped_authors
    authors: dict[str, Any] = dict(skipped)
    read = bool(skipped)
    # Each content's, not Pelican's list of authors: that holds one name
    # for each slug, and "Carol Chen <carol@example.org>" has the slug of
    # "Carol Chen".
    for generator in generators:
        for name in _CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                read = True
                for author in getattr(content, "authors", None) or ():
                    authors.setdefault(author.name, author)
    return authors, read


# Whether Pelican skips a file whose status is 'skip' (4.11 and later):
# before, 'skip' is no status, Pelican says so, and the file fails.
_PELICAN_SKIPS = hasattr(pelican.contents, "SkipStub")


def note_authors_of_skipped(sender: Any, metadata: dict[str, Any]) -> None:
    """Keep the authors of a file that Pelican skips ('Status: skip') as it
    reads it (``article_generator_context``, ``page_generator_context``).

    Pelican makes no content of it, so no generator's list holds it, and a
    key for an author whose files are all skipped for now was called
    misspelt, failing a strict build, where a draft's author counts. Pelican
    caches no skipped file, so it is read, and noted, on every build; any
    other file costs one look at its status.
    """
    if metadata.get("status") != "skip" or not _PELICAN_SKIPS:
        return
    if not build.current.active:
        return
    kept = build.current.author_keys.skipped_authors
    settings = getattr(sender, "settings", None) or {}
    for author in _authors_as_pelican_gives(metadata, settings):
        kept.setdefault(author.name, author)


def _authors_as_pelican_gives(
    metadata: dict[str, Any], settings: Mapping[str, Any]
) -> list[Author]:
    """The authors Pelican gives content of ``metadata``: its 'authors',
    else its 'author', else the AUTHOR setting's (as ``Content`` does).
    Only Pelican's Author objects: a value no reader processed (one
    EXTRA_PATH_METADATA gives) names no author the checks can slugify."""
    if "authors" in metadata:
        given = metadata["authors"]
    elif "author" in metadata:
        given = [metadata["author"]]
    elif "AUTHOR" in settings:
        given = [Author(settings["AUTHOR"], settings)]
    else:
        given = []
    if not isinstance(given, list):
        return []  # 'authors' as EXTRA_PATH_METADATA gives it: no list
    return [author for author in given if isinstance(author, Author)]


def note_authors_of_refused_site(generators: list[Any]) -> None:
    """Note the authors of the content of this build, whose settings were
    refused, for ``warn_about_unknown_authors``.

    With i18n_subsites, a language's site whose own settings mend the main
    site's refused value checks its FLATTR_AUTHORS keys, the main site's
    too, against its own content; the main site's authors are known to no
    site with settings, and their keys were called misspelt. Without
    another site in the run, nothing checks keys against this build's
    content: its authors are not walked.
    """
    state = build.current
    if not state.active or not (
        build.outer_builds or build.i18n_subsites(state.pelican)
    ):
        return
    authors, read = _content_authors(generators)
    author_keys = state.author_keys
    author_keys.run_authors |= authors.keys()
    author_keys.run_authors |= {getattr(a, "slug", None) for a in authors.values()}
    author_keys.run_authors -= {None, ""}
    author_keys.content_names_authors |= bool(authors)
    author_keys.content_read |= read


def _keys_by_slug(settings: FlattrSettings) -> dict[str, list[str]]:
    """Each slug of a ``FLATTR_AUTHORS`` key, as the site slugifies author
    names, -> the keys with it, the one ``author_slugs`` keeps first.

    ``author_slugs`` holds one key per slug: only the other keys (seldom
    any) are slugified again. A key of no slug ("") is named by its name
    alone, as ``build._author_slugs`` has it.
    """
    first = {key: slug for slug, key in settings.author_slugs.items()}
    site_settings = build.current.pelican.settings
    keys_by_slug: dict[str, list[str]] = {}
    for key in (*settings.authors, *settings.unusable_authors):
        slug = first.get(key)
        if slug is None:
            slug = Author(key, site_settings).slug
        if slug:
            keys_by_slug.setdefault(slug, []).append(key)
    return keys_by_slug


def _warn_about_keys_of_one_author(
    generators: list[Any], shared: dict[str, list[str]], mapped: set[str]
) -> None:
    """Warn about ``FLATTR_AUTHORS`` keys that one author of the content has
    (``shared``: their slug -> them), naming the ones the content takes.

    Pelican takes "Bob Builder" and "bob builder" for one author, with one
    author page. An article takes the key that is its author's name as
    written, else the one that is the author's slug, else the first of them
    (as ``resolve`` looks them up): the other keys are ignored, or, where
    articles spell the author in more than one way, the author's things
    are split between two owners.
    """
    spellings: set[tuple[str, str]] = set()  # (name, slug) as content has them
    for generator in generators:
        for name in _CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                for author in getattr(content, "authors", None) or ():
                    slug = getattr(author, "slug", None)
                    if slug in shared:
                        spellings.add((author.name, slug))
    for slug, keys in shared.items():
        fallback = slug if slug in mapped else keys[0]
        taken = {
            name if name in mapped else fallback
            for name, each in spellings
            if each == slug
        }
        used = [key for key in keys if key in taken]
        if not used:  # only a key outside them, one Pelican slugifies anew
            continue
        ignored = [key for key in keys if key not in taken]
        if len(used) == 1:
            outcome = f"this site's content takes {_keys(used)} and ignores"
        else:
            outcome = (
                "this site's content spells the author in ways that split their "
                f"things between {_keys(used)}"
            )
            outcome += ", and ignores" if ignored else ""
        build.warn_once(
            f"{_keys(keys)} name one author, as Pelican takes author names with "
            "one slug for one author; an article takes the key that is its "
            f"author's name as written, else {_keys([fallback])}, so {outcome}"
            f"{' ' + _keys(ignored) if ignored else ''}: keep one key per author"
        )


def _keys(keys: list[str]) -> str:
    """``FLATTR_AUTHORS`` keys of this build as a message names them, a
    language's own with its language: never an address."""
    return listed([build.author_entry(key) for key in keys])


def names_by_folded(names: set[str]) -> dict[str, str]:
    """``names`` (the names and slugs of authors no key names, or the keys,
    for an author's name) in lower case -> as written (of two alike, the
    first in order), for ``author_meant`` and ``key_meant``."""
    return {name.casefold(): name for name in sorted(names, reverse=True)}


def key_meant(names: tuple[str, ...], keys: dict[str, str]) -> tuple[str, str]:
    """`` (did you mean 'Bob Builder'?)`` when one of ``names``, the authors
    of content without an owner, is close to one of ``keys`` (the
    ``FLATTR_AUTHORS`` keys by their lower case), with that key; else two
    empty strings."""
    for name in names:
        key = closest_name(name, keys)
        if key is not None and (meant := did_you_mean(key)):
            return meant, key
    return "", ""


# A key as key_meant_in compares a name with it: as key_meant takes it (in
# lower case, and as written), its name spelt out (settings.spelt_name),
# and a table that deletes the letters it holds (str.translate's).
IndexedKey = tuple[str, str, str, dict[int, None]]


def key_index(keys: dict[str, str]) -> list[IndexedKey]:
    """``keys`` (lower case -> as written, as ``key_meant`` takes them),
    each with what ``key_meant_in`` needs to pass it over at C speed."""
    indexed = []
    for folded, key in keys.items():
        # Spelt from the lower case, as closest_name spells it: composing
        # and casefolding in the other order may give another length.
        spelt = spelt_name(folded)
        indexed.append((folded, key, spelt, dict.fromkeys(map(ord, spelt))))
    return indexed


def key_meant_in(name: str, index: list[IndexedKey]) -> tuple[str, str]:
    """``key_meant`` for ``name`` among the keys of ``index`` (``key_index``),
    comparing it in full only with those an upper bound of the likeness
    leaves: for the many authors a community site leaves to
    FLATTR_USERNAME, each compared with every key cost a large site's build
    seconds (600 authors and 300 keys: ~0.8 s)."""
    spelt = spelt_name(name)
    letters = dict.fromkeys(map(ord, spelt))
    candidates = {}
    for folded, key, key_spelt, key_letters in index:
        # closest_name takes a key at a ratio of 0.75 or more: twice the
        # letters that match, over both lengths. At most as many match as
        # each holds of letters the other has, however often (difflib's
        # quick_ratio() is bounded so): counted at C speed.
        least = 0.375 * (len(spelt) + len(key_spelt))
        if (
            len(spelt) - len(spelt.translate(key_letters)) >= least
            and len(key_spelt) - len(key_spelt.translate(letters)) >= least
        ):
            candidates[folded] = key
    return key_meant((name,), candidates) if candidates else ("", "")


def warn_about_unknown_authors() -> None:
    """Warn about every ``FLATTR_AUTHORS`` key that names no author of the
    build (or of any build run inside it), once."""
    author_keys = build.current.author_keys
    unknown = (
        author_keys.unknown_authors
        - author_keys.known_authors
        - author_keys.warned_authors
    )
    if unknown and author_keys.run_authors:
        # Each site knows its own authors' keys: one of another site's
        # authors, spelt as no site's map spells them, is no typo either.
        unknown = {key for key in unknown if not _names_author_of_run(key)}
    author_keys.warned_authors |= unknown
    if unknown and not author_keys.content_names_authors:
        # Not a misspelt key, most likely, but content Pelican did not read
        # (the markdown package not installed, a wrong PATH), which
        # Pelican's own warnings have explained, or content without authors.
        count = len(unknown)
        named = f"FLATTR_AUTHORS names {count} author{'s' if count > 1 else ''}, but "
        build.warn(
            named
            + (
                "no content of this site names an author (no 'Author:' in its "
                "files, and no AUTHOR setting)"
                if author_keys.content_read
                else "this build read no content: if the site has articles, see "
                "why Pelican read none of them (a Markdown site needs the "
                "markdown package)"
            )
        )
        return
    left_behind = _things_left_behind(unknown)
    renamed: dict[str, LeftBehind] = {}
    gone: dict[str, LeftBehind] = {}
    reassigned: dict[str, LeftBehind] = {}
    misspelt: list[tuple[str, str]] = []  # (where it is set, key)
    for key in sorted(unknown):
        things = left_behind.get(key, LeftBehind(0, 0, set(), {}))
        if things.read:
            # The author's name changed in the content: taken out, as the
            # warning for deleted content advises, the key would leave
            # those things without an owner for good.
            renamed[key] = things
        elif things.count:
            # Spelt right: its author's content was deleted, or failed to
            # read (which Pelican said). No mistake in the settings, so a
            # warning that fails no strict build; the guard reports each
            # thing URL that vanished.
            gone[key] = things
        elif things.reassigned:
            # Spelt right too: an editor gave the author's things to other
            # mapped authors, which the guard's owner change explains.
            reassigned[key] = things
        else:
            # Named where it is set: a language's own key is not in the main
            # site's settings.
            misspelt.extend(
                (f"{language} " if language else "", key)
                for language in sorted(author_keys.own_author_keys.get(key, [""]))
            )
    _warn_about_misspelt_keys(misspelt, author_keys.unmapped_authors)
    # One warning for all the keys of each kind, on every build until they
    # are mended: a site whose authors come and go can have hundreds.
    _warn_about_reassigned_keys(reassigned)
    if len(renamed) == 1:
        ((key, (_, read, authors, _)),) = renamed.items()
        logger.warning(
            "pelican-flattr: %s names no author of this site any more, but the "
            "last build the URL guard recorded gave its owner %d thing%s whose "
            "source file%s this build still read%s%s, without a thing: if the "
            "author was renamed, or the key misspelt since, make the key match",
            _entry_in_run(key),
            read,
            "" if read == 1 else "s",
            "" if read == 1 else "s",
            "s" if read == 1 else "",
            _now_by(authors),
        )
    elif renamed:
        logger.warning(
            "pelican-flattr: %d FLATTR_AUTHORS keys name no author of this site "
            "any more, but the last build the URL guard recorded gave their "
            "owners %d things whose source files this build still read, without "
            "a thing: %s; if the authors were renamed, or the keys misspelt "
            "since, make the keys match",
            len(renamed),
            _in_all({key: things.read for key, things in renamed.items()}),
            _keys_counted(
                {key: f"{t.read}{_now_by(t.authors)}" for key, t in renamed.items()}
            ),
        )
    if len(gone) == 1:
        ((key, (count, _, _, _)),) = gone.items()
        logger.warning(
            "pelican-flattr: %s names no author of this site any more: the last "
            "build the URL guard recorded gave its owner %d thing%s that this "
            "build lacks (deleted, or failed to read); remove the key once the "
            "author's content is deleted permanently",
            _entry_in_run(key),
            count,
            "" if count == 1 else "s",
        )
    elif gone:
        logger.warning(
            "pelican-flattr: %d FLATTR_AUTHORS keys name no author of this site "
            "any more: the last build the URL guard recorded gave their owners "
            "%d things that this build lacks (deleted, or failed to read): %s; "
            "remove the keys once the authors' content is deleted permanently",
            len(gone),
            _in_all({key: things.count for key, things in gone.items()}),
            _keys_counted({key: str(t.count) for key, t in gone.items()}),
        )


def _warn_about_reassigned_keys(reassigned: dict[str, LeftBehind]) -> None:
    """Warn about the ``FLATTR_AUTHORS`` keys that name no author because
    their things of the last build are other mapped authors' now
    (``LeftBehind.reassigned``): one warning for all of them. No problem
    under FLATTR_STRICT, as nothing in the settings is wrong; the URL
    guard's owner change says what it costs."""
    if len(reassigned) == 1:
        ((key, things),) = reassigned.items()
        count = len(things.reassigned)
        now_by = set().union(*things.reassigned.values())
        logger.warning(
            "pelican-flattr: %s names no author of this site any more: the "
            "last build the URL guard recorded gave its owner %d thing%s whose "
            "source file%s by %s now (%s%s; the URL guard warns of the owner "
            "change%s); unless the "
            "change is a mistake, remove the key: once a build passes, its "
            "baseline gives the owner nothing, and the key is taken for a "
            "misspelt one",
            _entry_in_run(key),
            count,
            "" if count == 1 else "s",
            " is" if count == 1 else "s are",
            "another author" if len(now_by) == 1 else "other authors",
            listed(sorted(things.reassigned), NAMED_SOURCES),
            _now_by(now_by),
            "" if count == 1 else "s",
        )
    elif reassigned:
        counted = {
            key: f"{len(t.reassigned)}{_now_by(set().union(*t.reassigned.values()))}"
            for key, t in reassigned.items()
        }
        logger.warning(
            "pelican-flattr: %d FLATTR_AUTHORS keys name no author of this site "
            "any more: the last build the URL guard recorded gave their owners "
            "%d things whose source files are by other authors now: %s; the URL "
            "guard warns of the owner changes; unless they are mistakes, take "
            "the keys out: once a build passes, its baseline gives their owners "
            "nothing, and the keys are taken for misspelt ones",
            len(reassigned),
            _in_all({key: len(t.reassigned) for key, t in reassigned.items()}),
            _keys_counted(counted),
        )


def _warn_about_misspelt_keys(
    misspelt: list[tuple[str, str]], unmapped: set[str]
) -> None:
    """Warn about the ``FLATTR_AUTHORS`` keys that name no author and gave
    no thing of the last build (``misspelt``: where each is set, ``"fr "``
    for a language's own, and the key), each on its own up to
    ``NAMED_ENTRIES`` of them, else in one warning that names the first ones.

    Under FLATTR_STRICT an error: a typo gives that author's things to
    another. Only the keys named are matched against the unmapped authors:
    a bulk import's hundreds of keys each against hundreds of names took
    most of a build's time.
    """
    if not misspelt:
        return
    by_folded = names_by_folded(unmapped)
    named = [
        (
            f"{where}FLATTR_AUTHORS[{shown_author(key)}]",
            author_meant(key, by_folded) or _author_named_by_owner(key, by_folded),
        )
        for where, key in misspelt[:NAMED_ENTRIES]
    ]
    if len(misspelt) <= NAMED_ENTRIES:
        for entry, meant in named:
            build.warn(
                f"{entry} names no author of this site (by name or slug); check "
                f"its spelling{meant}, or remove it if the author has no "
                "content left"
            )
        return
    build.warn(
        f"{len(misspelt)} FLATTR_AUTHORS entries name no author of this site (by "
        "name or slug): "
        + ", ".join(entry + meant for entry, meant in named)
        + f" and {len(misspelt) - NAMED_ENTRIES} more; check their spelling, or take "
        "them out if their authors have no content left"
    )


def _author_named_by_owner(key: str, by_folded: dict[str, str]) -> str:
    """What the warning about ``key`` adds when an author no key names (in
    ``by_folded``, as for ``author_meant``) is named as the key's owner, a
    Flattr username: ``{"Alice Andersson": "alice"}`` where the files say
    ``Author: alice``. Else nothing, and never a name that holds an
    address."""
    settings = build.current.settings
    owner = settings.authors.get(key) if settings is not None else None
    if owner is None or owner.kind != "flattr_user":
        return ""
    name = by_folded.get(owner.value.casefold())
    if name is None or shown_author(name) != repr(name):
        return ""
    return f" (did you mean {shown_author(name)}, the author named as its owner?)"


def _names_author_of_run(key: str) -> bool:
    """Whether the ``FLATTR_AUTHORS`` key names, by name or slug, an author
    of any site of this run (``AuthorKeys.run_authors``): one whose content
    another language's site has, or a site whose settings were refused
    (see ``note_authors_of_refused_site``) published without buttons. Asked
    of the few keys that name no author of the site whose settings set
    them."""
    authors = build.current.author_keys.run_authors
    if key in authors:
        return True
    pelican = build.current.pelican
    return pelican is not None and Author(key, pelican.settings).slug in authors


def _in_all(counts: dict[str, int]) -> int:
    """The things ``counts`` (``FLATTR_AUTHORS`` key -> its owner's things)
    counts, each once: two keys of one owner count the same things."""
    sites = _guarding_sites()
    owners = {_owner_of_key(key, sites): n for key, n in counts.items()}
    return sum(owners.values())


def _owner_of_key(key: str, sites: list[build.SiteInside]) -> str:
    """The owner the ``FLATTR_AUTHORS`` key gives, on the first site of
    ``sites`` that maps it (a language's own key is not the main site's)."""
    for site in sites:
        if key in site.settings.authors:
            return site.settings.authors[key].value
    return key


def _keys_counted(counts: dict[str, str]) -> str:
    """``FLATTR_AUTHORS`` keys, each with what it counts, the first ones
    named: never an address."""
    return listed(
        [f"{_entry_in_run(key)} ({n})" for key, n in counts.items()],
        NAMED_ENTRIES,
    )


def _entry_in_run(key: str) -> str:
    """How a message said once a run names the ``FLATTR_AUTHORS`` entry
    ``key``: ``I18N_SUBSITES['de'] FLATTR_AUTHORS['Bob']`` where the key is
    a language's own (``own_author_keys``), as the main site's settings
    have no such key to mend."""
    languages = sorted(set(build.current.author_keys.own_author_keys.get(key, ())))
    where = f"{listed(languages)} " if languages else ""
    return f"{where}FLATTR_AUTHORS[{shown_author(key)}]"


def _now_by(authors: set[str]) -> str:
    """Who the content of a renamed author is by now, for a message."""
    now = sorted(shown_author(name) for name in authors)
    return f", now by {listed(now)}" if now else ""


class LeftBehind(NamedTuple):
    """The things of a ``FLATTR_AUTHORS`` key's owner in the last build that
    this build lacks (``_things_left_behind``)."""

    count: int
    # Of those, the ones whose source this build read, and its authors now.
    read: int
    authors: set[str]
    # Not counted above: the things whose source has a thing of another
    # owner now, given to other authors that keys map (source -> its
    # authors now), as an editor reassigns an article.
    reassigned: dict[str, set[str]]


def _things_left_behind(keys: set[str]) -> dict[str, LeftBehind]:
    """For each of ``keys`` (``FLATTR_AUTHORS`` keys that name no author of
    this build, nor of any build run inside it), how many things the URL
    guards' baselines, the last build's of each site of the run, give its
    owner whose source has no thing in this run now, and of those the
    sources still in the content folder (read, so that their author's name
    changed, or failing now). With i18n_subsites an author may write only
    in one language: their things are in that language's baseline alone.
    """
    gone: dict[str, set[str]] = {}
    read: dict[str, dict[str, set[str]]] = {}
    reassigned: dict[str, dict[str, set[str]]] = {}
    for site in _guarding_sites():
        for key, on_site in _left_behind_on_site(keys, site).items():
            # By source: one published by two languages' sites is one.
            gone.setdefault(key, set()).update(on_site.sources)
            read.setdefault(key, {}).update(on_site.read)
            reassigned.setdefault(key, {}).update(on_site.reassigned)
    return {
        key: LeftBehind(
            len(sources),
            len(read[key]),
            set().union(*read[key].values()),
            reassigned[key],
        )
        for key, sources in gone.items()
    }


class _LeftOnSite(NamedTuple):
    """``_left_behind_on_site``'s finds for one owner: the sources left
    behind, those of them read (with their authors now), and the sources
    given to other authors (``LeftBehind.reassigned``)."""

    sources: set[str]
    read: dict[str, set[str]]
    reassigned: dict[str, set[str]]


def _guarding_sites() -> list[build.SiteInside]:
    """This build and each build run inside it (with i18n_subsites, the
    main site and each language's) whose URL guard keeps a baseline; this
    build's ``left_by_guard`` is None, its baseline not read yet."""
    state = build.current
    sites = [*state.inside.sites]
    if state.settings is not None:
        sites.insert(0, build.SiteInside(state.settings, state.generators, None, {}))
    return [site for site in sites if site.settings.url_guard]


def _left_behind_on_site(
    keys: set[str], site: build.SiteInside
) -> dict[str, _LeftOnSite]:
    """``_things_left_behind`` for one site: for each key, the sources left
    behind, and of those the ones read, with their authors now; and the
    sources given to other authors (``_is_reassigned``). A misspelt
    key matched no author then either, so it gave none: counted only for an
    owner no other key naming an author of the run has, nor
    ``FLATTR_USERNAME``, as the things of theirs left behind could be the
    other key's, and nothing would tell a typo apart.

    A baseline is read only when a key names no author, and line by line,
    keeping only the entries of those owners; a language's site's that its
    guard has rewritten by now, as the guard read it (``left_by_guard``).
    Owners are compared as the baseline holds them: an email owner by its
    hash.
    """
    state = build.current
    settings = site.settings
    shared = {
        settings.authors[key].value
        for key in state.author_keys.known_authors
        if key in settings.authors
    }
    if settings.username is not None:
        shared.add(settings.username.value)
    owners = {
        key: settings.authors[key].value
        for key in keys
        if key in settings.authors and settings.authors[key].value not in shared
    }
    wanted = set(owners.values())
    if not wanted:
        return {}
    released_owners: dict[str, str] = {}
    if site.left_by_guard is not None:
        entries = [
            {"source": source, "owner": owner}
            for source, owner in site.left_by_guard.items()
            if owner in wanted
        ]
        released_owners = {
            source: owner
            for source, owner in site.released_by_guard.items()
            if owner in wanted
        }
    else:
        path = settings.url_baseline_path
        if file_problem(path) is not None:
            return {}  # no baseline to read: the guard says why
        try:
            # Released entries too, counted apart below.
            entries = load_baseline(
                path, keep=lambda entry: entry.get("owner") in wanted
            )
        except BaselineError:
            return {}  # the guard reports it
    # By source alone: a source that has a thing now was not left behind;
    # its author's name, or the key, was changed, and a key edited into a
    # typo must still be called one.
    owner_now = {ct.source: ct.thing.owner.value for ct in state.content_things}
    owner_now.update(
        (source, thing.owner.value) for source, thing in state.inside.things.items()
    )
    owner_of = {e["source"]: e["owner"] for e in entries if not released(e)}
    released_owners.update((e["source"], e["owner"]) for e in entries if released(e))
    keys_of: dict[str, list[str]] = {}
    for key, owner in owners.items():
        keys_of.setdefault(owner, []).append(key)
    by_owner: defaultdict[str, _LeftOnSite] = defaultdict(
        lambda: _LeftOnSite(set(), {}, {})
    )
    for source, owner in owner_of.items():
        if source not in owner_now:
            by_owner[owner].sources.add(source)
    # A URL let go (FLATTR_ACCEPT_URL_CHANGES) keeps its owner: its source
    # gone, the key names an author whose content is gone, not a typo (the
    # next strict build failed on the key the one before passed). Only
    # where no live entry names the source, and only as gone: its source
    # may have another thing now, or be another author's.
    for source, owner in released_owners.items():
        if source not in owner_of and source not in owner_now:
            by_owner[owner].sources.add(source)
    # Of those, the ones this site read all the same, and their authors
    # now: the author's name changed, which "deleted" would not tell.
    # (One still by the key's author, a draft say, is no renamed one.) Of
    # the others, the ones an editor gave to other authors.
    for source, content in contents_of(site.generators, owner_of):
        owner = owner_of[source]
        names = {author.name for author in getattr(content, "authors", ())}
        if source not in owner_now:
            if names.isdisjoint(keys):
                by_owner[owner].read[source] = names
        elif owner_now[source] != owner and _is_reassigned(
            content, keys_of[owner], settings
        ):
            by_owner[owner].reassigned[source] = names
    return {key: by_owner[owner] for key, owner in owners.items() if owner in by_owner}


def _is_reassigned(content: Any, keys: list[str], settings: FlattrSettings) -> bool:
    """Whether ``content``, whose thing the last build gave the owner of
    ``keys`` (``FLATTR_AUTHORS`` keys that name no author) and this one
    another, was given to other authors: each of its authors mapped by a
    key, by name or slug, and none close to one of ``keys``. A key edited
    into a typo leaves its author unmapped (their thing the site owner's),
    or mapped by another key, and close: a typo all the same."""
    authors = getattr(content, "authors", None) or ()
    by_folded: dict[str, str] = {}
    for author in authors:
        slug = getattr(author, "slug", None)
        if author.name not in settings.authors and (
            settings.author_slugs.get(slug) not in settings.authors
        ):
            return False
        by_folded[author.name.casefold()] = author.name
        if slug:
            by_folded[slug.casefold()] = author.name
    return bool(by_folded) and not any(author_meant(key, by_folded) for key in keys)


def warn_about_authors_named_by_their_address(
    settings: FlattrSettings, authors: Mapping[str, Any], generators: list[Any]
) -> None:
    """Warn about each author of this build whose name holds the address of
    an email owner the settings or the content give: the one
    ``FLATTR_AUTHORS`` gives them (the key is that name, or its slug), or
    any other (another entry's, ``FLATTR_USERNAME``'s, a content's
    ``flattr_owner``), the author mapped or not. Pelican prints author
    names on the pages and feeds it writes, so the hash keeps nothing
    private (the audit reports it). The name may be the address, or hold
    it ("Carol Chen <carol@example.org>", a git identity). Said as things
    are attached, so that a strict build stops before a page is written; a
    key that names no author publishes nothing, and is said to be a typo
    alone (see ``warn_about_unknown_authors``)."""
    if not authors:  # no FLATTR_AUTHORS: the authors were not read yet
        authors = _content_authors(generators)[0]
    # Nearly every author has no "@" in their name: one look each.
    held = {
        name: {f"email:{digest}" for digest in address_digests(name)}
        for name in authors
        if holds_at_sign(name)
    }
    held = {name: values for name, values in held.items() if values}
    if not held:
        return
    owners = _email_owners(settings, generators, set().union(*held.values()))
    # The files to mend, whose Author field names the author: the key is
    # shown hidden, and the owner as a hash.
    sources: dict[str, list[str]] = {name: [] for name in held}
    for content, _ in contents(generators, settings.pages):
        for author in getattr(content, "authors", None) or ():
            files = sources.get(author.name)
            if files is not None:
                files.append(content.relative_source_path)
    found: list[_NamedByAddress] = []
    for name, values in sorted(held.items()):
        slug = getattr(authors[name], "slug", None)
        # The key the author's content takes, as resolve looks it up.
        key = next(
            (
                key
                for key in (name, slug, settings.author_slugs.get(slug))
                if key in settings.authors
            ),
            None,
        )
        own = settings.authors[key].value if key is not None else None
        value = own if own in values else min(values & owners.keys(), default=None)
        if value is None or not _not_said_in_run(
            # Once in the run for each author's file (each language's site
            # of i18n_subsites would say it again, but may publish files of
            # the author that the main site does not): the message names the
            # owner by its hash, as it shows the address as "[address]".
            f"author named by address {value} {name}",
            sources[name],
        ):
            continue
        exact = f"email:{hash_email(name)}" == value
        if value != own:
            found.append(
                _NamedByAddress(
                    name,
                    f"author {shown_author(name)} "
                    f"{'is named by' if exact else 'has a name that holds'} the "
                    f"address of the email owner that {owners[value]} gives",
                    f"author {shown_author(name)}",
                    value,
                    f" of {owners[value]}",
                    f" (and in {build.author_entry(key)})" if key else "",
                )
            )
            continue
        entry = build.author_entry(key)
        if key == name:
            what = (
                "names an author by the address"
                if exact
                else "names an author by a name that holds the address"
            )
        else:
            what = (
                f"gives an owner to author {shown_author(name)} (by its slug), "
                f"whose name {'is' if exact else 'holds'} the address"
            )
        found.append(
            _NamedByAddress(
                name,
                f"{entry} {what} of their email owner",
                entry,
                value,
                "",
                " (and in this key)",
            )
        )
    if not found:
        return
    if len(found) <= NAMED_ENTRIES:
        for each in found:
            build.warn(
                f"{each.said} ({each.owner}{_in_files(sources[each.name])}), and "
                "Pelican prints author names on the pages and feeds it writes: "
                "the address is published all the same. Name the author "
                f"otherwise in the content's Author field{each.key_too}"
            )
        return
    named = [
        f"{each.listed} ({each.owner}{each.set_in}{_in_files(sources[each.name])})"
        for each in found
    ]
    who = (
        f"{len(found)} authors are named by the address of an email owner"
        if any(each.set_in for each in found)
        else f"{len(found)} FLATTR_AUTHORS keys name authors by the address of "
        "their email owner"
    )
    build.warn(
        f"{who}, or by a name that holds it, and Pelican prints author "
        "names on the pages and feeds it writes: the addresses are published "
        f"all the same: {listed(named, NAMED_ENTRIES)}. Name each author otherwise "
        "in the content's Author field"
        + (" (and in its key)" if any(each.key_too for each in found) else "")
    )


def _not_said_in_run(key: str, files: list[str]) -> bool:
    """Whether ``key`` is to be said now for ``files``, which keeps only
    those not said with it before in the run (``build.first_in_run``);
    without files, whether ``key`` itself was not."""
    first = build.first_in_run(key)
    if not files:
        return first
    files[:] = [name for name in files if build.first_in_run(f"{key} {name}")]
    return bool(files)


class _NamedByAddress(NamedTuple):
    """An author whose name holds an email owner's address, as the warning
    says it: ``said`` alone, ``listed`` among many (with where the owner
    is set, ``set_in``, when not the author's own), with ``owner`` (its
    hash) and the files by ``name``, then where to mend it besides the
    files (``key_too``)."""

    name: str
    said: str
    listed: str
    owner: str
    set_in: str
    key_too: str


def _email_owners(
    settings: FlattrSettings, generators: list[Any], wanted: set[str]
) -> dict[str, str]:
    """The email owners (``email:MD5HEX``) the build knows of -> how a
    message names where the first is set: a ``FLATTR_AUTHORS`` entry,
    ``FLATTR_USERNAME``, or a content's ``flattr_owner`` field, read only
    while one of ``wanted`` is not found in the settings."""
    owners: dict[str, str] = {}
    for key, owner in settings.authors.items():
        if owner.kind == "email":
            owners.setdefault(owner.value, build.author_entry(key))
    if settings.username is not None and settings.username.kind == "email":
        owners.setdefault(settings.username.value, "FLATTR_USERNAME")
    if wanted <= owners.keys():
        return owners
    for generator in generators:
        lists = next(
            (
                names
                for kind, names in EVERY_CONTENT.items()
                if isinstance(generator, kind)
            ),
            (),
        )
        for content in chain.from_iterable(getattr(generator, n, ()) for n in lists):
            for digest in sorted(owner_field_digests(content.metadata)):
                source = build.source_path(content)
                owners.setdefault(
                    f"email:{digest}", f"the '{OWNER}' metadata of {source}"
                )
    return owners


def _in_files(sources: list[str]) -> str:
    """The files of an author named by their address, for a message."""
    return f"; in {listed(sources, NAMED_SOURCES)}" if sources else ""
