"""Guarding thing URLs across builds: a changed URL strands its flattrs.

Flattr keys a thing on its exact URL, so a new slug, ``ARTICLE_URL`` or
``SITEURL`` silently starts a new thing and leaves every flattr the old URL
earned behind; and a URL that passes to another source file passes its
flattrs with it, or, with another owner, passes that source's flattrs to
the owner Flattr keeps for the thing. ``url_changes`` finds both, comparing
URLs, source files and owners
(and asking whether a source file without a thing is still in the content
folder, which a moved one is not): the build-time guard calls it directly,
and ``compare_manifests`` (for ``pelican-flattr diff``) adds owner changes,
moves and new things.

These are the rules, with the warnings and the advice that say a change.
The build's guard (``url_guard_build.py``) runs them against the
*baseline* the last build kept (``url_baseline.py``: its file, and the
next baseline), and ``diff_command.py`` for ``pelican-flattr diff``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import posixpath
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .lazy_regex import lazy_regex
from .thing import check_pinned_url, comparable_host, flattr_language, url_forms
from .wording import command_line, field_line, listed, shown_value

Entry = Mapping[str, Any]
# How a content opts out (``opt_out_of``): the word, and the setting that
# gives it, or None for its file's own line.
OptOut = tuple[str, str | None]
# The contents Pelican made of the sources it is given, each with its
# source: the build's own (``generator_contents.contents_of``), or read
# with Pelican's readers (``pelican-flattr diff --settings``). Asked only
# of the few sources a change names.
ContentsOf = Callable[[Collection[str]], Iterable[tuple[str, Any]]]


def pin_line(source: str, url: str) -> str:
    """The metadata that pins ``url`` in ``source``, quoted, as its reader
    takes it: a reStructuredText field, an HTML <meta>, else Markdown's."""
    return field_line(source, "Flattr_url", url)


# Why Pelican reads a file of the content folder no more, which neither it
# nor the build says: the settings that leave a file out.
_NOT_READ = (
    "IGNORE_FILES, ARTICLE_EXCLUDES or PAGE_EXCLUDES names it, or "
    "ARTICLE_PATHS and PAGE_PATHS leave out its folder"
)


@dataclass(frozen=True)
class UrlChange:
    """A thing URL of the old manifest that no longer belongs to its source
    in the new one: gone, or now another source's."""

    source: str
    old_url: str
    new_url: str | None  # None: the source has no thing in the new build
    # The source that has old_url now, if any.
    taken_by: str | None = None
    # With no new_url: the source file is still in the content folder (a
    # draft, an opt-out, content that failed), not gone.
    still_there: bool = False
    # Still there, and a page while FLATTR_PAGES is off: the setting is why
    # it has no thing, which the build says nowhere else.
    pages_off: bool = False
    # Still there, not a draft, with 'Flattr: no': an opt-out, which the
    # build keeps silent, and which FLATTR_PAGES = True would not undo. The
    # no-word as the file writes it ('off'), that the fix quotes the line;
    # and the setting that gives it instead (``EXTRA_PATH_METADATA['a.md']``,
    # ``DEFAULT_METADATA``), where the fix is, as the file holds no line.
    opted_out: str | None = None
    opted_out_by: str | None = None
    # Still there, no opt-out nor a page while FLATTR_PAGES is off: why the
    # build gives it no thing where it says nothing, if it knows: ``DRAFT``,
    # ``SKIPPED`` ('Status: skip'), or an empty save_as (no page written):
    # the setting that gives it (``ARTICLE_SAVE_AS``), or ``OWN_SAVE_AS``
    # for its file's own field.
    unpublished: str | None = None
    # Of a ``SKIPPED`` source: the setting that gives it 'status': 'skip'
    # (``resolve.skip_given_by``), where its file may say nothing.
    skipped_by: str | None = None
    # A URL let go earlier (a released baseline entry,
    # ``url_baseline.released``) that ``taken_by`` has now with another
    # owner: that entry's owner, whom Flattr keeps for the thing at the
    # URL. ``source`` is the entry's.
    released_owner: str | None = None
    # A URL of the last build that ``taken_by`` has now with another owner
    # than the entry's: that owner, whom Flattr keeps for the thing at the
    # URL, so that the taker's readers' flattrs go to it.
    kept_owner: str | None = None
    # With ``released_owner`` or ``kept_owner``: the owner ``taken_by`` has
    # the URL with now, named so that the operator sees who loses out.
    new_owner: str | None = None
    # The source's slug in the new build (Pelican's ``content.slug``), given
    # to each change whose URLs its slug may explain (``with_slugs``, as
    # ``_slug_tells`` selects them): a retitled
    # article's slug, derived from its title, changes with it, and its old
    # slug written back keeps both its page and its thing at the old URL.
    slug: str | None = None
    # Its language now (Pelican's ``lang``), read with its slug: a URL in
    # another shape is said to have changed with the language where it
    # holds this one (``_language_moved_between``).
    lang: str | None = None
    # Whether it has translations, or is one (read with its slug).
    translated: bool = False
    # The entry of EXTRA_PATH_METADATA that pins the source (docs/url-guard.md
    # pins old URLs there): the one that gives its new URL; of a source
    # gone, the one of its path that holds the old URL, and names no file
    # now (``_with_pins``).
    pinned_by: str | None = None
    # The source's own file pins its new URL (a 'Flattr_url:' line): its
    # fix changes that line, where one added would be a second.
    pinned: bool = False
    # The old URL's host is in FLATTR_OLD_HOSTS already: the pin's fix does
    # not tell to list it (``_with_old_hosts``).
    old_host_listed: bool = False
    # The source whose thing URL of the last build new_url is (a swap of
    # two translations' URLs, DEFAULT_LANG changed): it has that one's
    # flattrs, as that one's change says.
    took_from: str | None = None
    # new_url is the source's own thing URL of before, which
    # FLATTR_ACCEPT_URL_CHANGES released: its thing kept its flattrs, the
    # source takes them back (a change accepted, then undone).
    takes_back: bool = False

    def _restore(self) -> tuple[str, str] | None:
        """For a source still there, why it has no thing where only the
        guard says it (said of the source), and what gives the thing back;
        None when the build said why (or nothing tells). Every reason it
        has, each with its fix: one put right alone gives it no thing."""
        reasons = [self._unwritten(), self._opt_out(), self._left_out()]
        found = [reason for reason in reasons if reason is not None]
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        return ", and ".join(why for why, _ in found), " and ".join(
            fix for _, fix in found
        )

    def _unwritten(self) -> tuple[str, str] | None:
        """Why and fix, for a draft, a skipped source or one without a page."""
        if self.unpublished == DRAFT:
            return "is a draft", "publish it"
        if self.unpublished == SKIPPED:
            # Pelican says nothing of a file it skips (a debug line), and
            # keeps nothing of it: its line, or the setting, is why it has
            # no thing.
            if self.skipped_by is not None:
                own = field_line(self.source, "Status", "published")
                return (
                    f"is given 'status': 'skip' by {self.skipped_by}, so Pelican "
                    "skips it",
                    f"take 'status': 'skip' out of {self.skipped_by}, or give "
                    f"{self.source} a {own} of its own",
                )
            line = field_line(self.source, "Status", "skip")
            return f"has {line}, so Pelican skips it", f"remove its {line}"
        if self.unpublished in (FUTURE, FUTURE_DRAFT):
            draft = self.unpublished == FUTURE_DRAFT
            return (
                "is a draft, and dated in the future, which Pelican holds back "
                "while WITH_FUTURE_DATES is False"
                if draft
                else "is dated in the future, which Pelican holds back as a draft "
                "while WITH_FUTURE_DATES is False",
                ("publish it, and " if draft else "")
                + "give it back a date that has come, or set WITH_FUTURE_DATES = True",
            )
        if self.unpublished == OWN_SAVE_AS:
            # Named when another fix follows: "remove it" would be unclear.
            alone = self.opted_out is None and not self.pages_off
            return (
                f"has no page, as {OWN_SAVE_AS} is empty",
                "remove it" if alone else f"remove {OWN_SAVE_AS}",
            )
        if self.unpublished is not None:
            return (
                f"has no page, as {self.unpublished} is empty",
                f"give {self.unpublished} its pages' path back",
            )
        return None

    def _opt_out(self) -> tuple[str, str] | None:
        """Why and fix, for a source that opts out."""
        if self.opted_out is None:
            return None
        if self.opted_out_by is not None:
            return "opts out", f"remove 'flattr' from {self.opted_out_by}"
        line = field_line(self.source, "Flattr", self.opted_out)
        return "opts out", f"remove its {line}"

    def _left_out(self) -> tuple[str, str] | None:
        """Why and fix, for a page while FLATTR_PAGES is off."""
        if not self.pages_off:
            return None
        alone = self.opted_out is None and self.unpublished is None
        why = "is a page, and " if alone else "is a page while "
        return f"{why}FLATTR_PAGES is off", "set FLATTR_PAGES = True"

    def advice(self, brief: bool = False) -> str:
        """What the operator should do, as one sentence; ``brief``, for a
        change of a shape said once above it (``Alike``): its own fix
        alone, without what that line says for all (the redirect a pin
        needs, the acceptance, FLATTR_SITEURL)."""
        owner = self.released_owner or self.kept_owner
        if owner is not None and (
            self.released_owner or (self.new_url is None and not self.still_there)
        ):
            # Whether the taker is new or of the last build, the gone
            # source cannot have the URL back: the taker must let it go.
            return (
                f"give {self.taken_by} another thing URL (change its slug, or pin "
                "it another URL with a Flattr_url: line), or, if its flattrs "
                f"{_to_owner(owner, self.old_url)}"
            )
        unpinnable = check_pinned_url(self.old_url)
        if unpinnable is not None:
            # A slug with a space (or a '"') gave such URLs before they were
            # percent-encoded, and a host name browsers read otherwise was
            # taken before it was refused: nothing a pin may hold. Said
            # without the advice some answers add (to write a character
            # escaped, which would make another thing URL).
            what = unpinnable.split(": ", 1)[0].replace("must be", "is not", 1)
            return (
                f"no 'Flattr_url:' can keep the old URL, which {what}: add the "
                "old URL to FLATTR_ACCEPT_URL_CHANGES"
            )
        restore = self._restore() if self.still_there else None
        if self.still_there and self.taken_by is not None:
            why = (
                f"{restore[1]}: it {restore[0]}"
                if restore is not None
                # Of a draft, a file Pelican skips, or content whose
                # 'Save_as:' is empty (no page written), the build says
                # nothing; nor does the guard know (diff without --settings).
                else "the build says why it has none, unless it is a draft, "
                "has 'Status: skip' or its 'Save_as:' is empty, or Pelican "
                f"no longer reads it: {_NOT_READ}"
            )
            return (
                f"{self._accept()}. If not, give {self.taken_by} another thing URL "
                f"(its slug, or its 'Flattr_url:'), and give {self.source} its "
                f"thing back ({why})"
            )
        if restore is not None and (
            self.opted_out is not None or self.unpublished is not None
        ):
            # Named before FLATTR_PAGES: switching pages on alone gives an
            # opted-out page no thing, and the warning would go on.
            return (
                f"{self.source} {restore[0]}: {restore[1]} to give it its thing "
                "back, or add the old URL to FLATTR_ACCEPT_URL_CHANGES "
                "if it goes without one on purpose"
            )
        if self.pages_off:
            return (
                f"{self.source} is a page, and FLATTR_PAGES is off, so no page "
                "has a thing: set FLATTR_PAGES = True to give it its thing back, "
                "or add the old URL to FLATTR_ACCEPT_URL_CHANGES if pages go "
                "without one on purpose"
            )
        if self.still_there:
            return (
                f"give {self.source} its thing back (the build says why it has "
                "none, unless it is a draft, has 'Flattr: no', 'Status: skip' or "
                f"an empty 'Save_as:', or Pelican no longer reads it: {_NOT_READ}), "
                "or add the old URL to FLATTR_ACCEPT_URL_CHANGES if it goes "
                "without one on purpose"
            )
        if self.taken_by is not None and self.new_url is None:
            return (
                f"{self._accept()}. If not, give {self.taken_by} its own thing URL "
                f"back (its slug, or 'Flattr_url:'), and "
                + (
                    f"add {pin_line(self.source, self.old_url)} to {self.source} "
                    "wherever it went"
                    if self.pinned_by is None
                    else f"{self._rekey('the path it went to')}"
                )
            )
        if self.taken_by is not None:
            language = self._new_language()
            # A translation of the taker's, which another slug would unlink
            # from it: DEFAULT_LANG (or a Lang) changed, the likely cause.
            put_back = (
                ""
                if language is None
                else f"if DEFAULT_LANG or {self.source}'s Lang changed (its new "
                f"URL holds the language code {language!r} "
                f"{_where_language(language, self.new_url, self.slug)}, as "
                "Pelican's *_LANG_URL settings write a language other than "
                "DEFAULT_LANG), put back the one that changed: then "
                f"{self.source} and {self.taken_by} keep their thing URLs. "
                "Otherwise, "
            )
            return (
                f"{put_back}to keep its flattrs with {self.source}, give "
                f"{self.taken_by} another slug and {self._pin()}. "
                f"{_sentence(self._accept())}"
            )
        if self.new_url is None:
            keep = (
                f"add {pin_line(self.source, self.old_url)} to its metadata"
                if self.pinned_by is None
                else self._rekey("its new path")
            )
            return (
                f"if {self.source} was renamed or moved, {keep}. If it was "
                "removed on purpose, add the old URL to FLATTR_ACCEPT_URL_CHANGES"
            )
        # The author's fixes (in the file) first, then the operator's (in
        # the settings). A pin keeps the thing alone at the old URL: the
        # page moves, and its og:url and button name an address no page of
        # the build serves unless the web server redirects it.
        redirect = (
            ". Then its page's og:url and button name the old URL, so the web "
            "server must redirect the old URL to the page"
        )
        accept = (
            ". Or, if the change is deliberate, add the old URL to "
            "FLATTR_ACCEPT_URL_CHANGES in the settings"
        )
        if brief:
            # Said once, for every change of the shape, by its line.
            redirect = accept = ""
        if self.pinned and self.old_url in url_forms(self.new_url):
            # Copied from a browser's address bar, the pin is the old URL to
            # its author, as to a browser: why it must change is said. The
            # redirect a pin needs was seen to when it was written.
            return (
                f"{self._pin()}. Its 'Flattr_url:' line now holds the old URL "
                "written another way. Flattr keys a thing on its exact URL, so it "
                f"takes that for another thing{accept}"
            )
        old_slug = self._old_slug()
        language = self._old_language()
        if language is not None and old_slug is None:
            # The URL's shape changed with the language: no old slug to give.
            return (
                f"if {self.source}'s Lang or DEFAULT_LANG changed (its old URL "
                f"holds the language code {language!r} "
                f"{_where_language(language, self.old_url, self.slug)}, as "
                "Pelican's *_LANG_URL settings write a language other than "
                "DEFAULT_LANG), put back the one that changed: that keeps its "
                f"page and its thing at the old URL. Or {self._pin()} to keep "
                f"only its thing at the old URL{redirect}{accept}"
            )
        if language is not None:
            # Which changed is not known here: "post-it" retitled "post" is
            # a slug, "post-de" a Lang removed, whose 'Slug: post-de' would
            # unlink the page from its translations. Both said, that first.
            return (
                f"if {self.source}'s Lang or DEFAULT_LANG changed (its old URL "
                f"holds the language code {language!r} "
                f"{_where_language(language, self.old_url, self.slug)}, as "
                "Pelican's *_LANG_URL settings write a language other than "
                "DEFAULT_LANG), put back the one that changed. If only its slug "
                "changed, give it its old slug back with "
                f"{field_line(self.source, 'Slug', old_slug)}. Either keeps its "
                f"page and its thing at the old URL. Or {self._pin()} to keep "
                f"only its thing at the old URL{redirect}{accept}"
            )
        if old_slug is not None:
            return (
                f"give {self.source} its old slug back with "
                f"{field_line(self.source, 'Slug', old_slug)} to keep its page "
                f"and its thing at the old URL. Or {self._pin()} to keep only "
                f"its thing at the old URL{redirect}{accept}"
            )
        language = self._new_language()
        if language is not None:
            # Its language now, new in its URL: its Lang set (with
            # i18n_subsites, the page moved to that language's site, whose
            # path is no change of SITEURL for the whole site), DEFAULT_LANG
            # changed, or a URL setting that names {lang} now: which, this
            # one change cannot tell.
            return (
                f"its new URL holds its language code {language!r} "
                f"{_where_language(language, self.new_url, self.slug)}: if "
                f"{self.source}'s Lang or DEFAULT_LANG changed (a language's "
                "site of i18n_subsites, or Pelican's *_LANG_URL settings, write "
                "a language other than DEFAULT_LANG), or an ARTICLE_URL, "
                "ARTICLE_SAVE_AS or PAGE_URL setting (or their LANG_ twins) that "
                "names {lang} now, put back the one that changed: that keeps "
                f"its page and its thing at the old URL. Or {self._pin()} to "
                f"keep only its thing at the old URL{redirect}{accept}"
            )
        moved = _site_may_have_moved(self.old_url, self.new_url) and not brief
        if moved and _split_base(self.old_url)[0] != _split_base(self.new_url)[0]:
            # Another host or scheme: a moved site is the likely cause, and
            # its fix comes first, the one for a single thing after it.
            # The old base: FLATTR_SITEURL may be what moved, SITEURL not.
            old_base = _split_base(self.old_url)[0]
            return (
                "If SITEURL (or FLATTR_SITEURL) changed for the whole site, set "
                f"FLATTR_SITEURL to the old one, on {old_base} (with its path): "
                "then every thing keeps its "
                f"URL. Otherwise, {self._pin()} to keep its flattrs{redirect}{accept}"
            )
        if moved:
            # A folder more or less before the path: a changed *_URL setting
            # as likely as SITEURL's path, which is said last.
            accept += (
                ". Or, if the path of SITEURL (or FLATTR_SITEURL) changed for "
                "the whole site, set FLATTR_SITEURL to the old one (with its "
                "path): then every thing keeps its URL"
            )
        return f"{self._pin()} to keep its flattrs{redirect}{accept}"

    def _pin(self) -> str:
        """The fix that pins the old URL for the source, as a clause: a
        line added to its file, or, where an entry of EXTRA_PATH_METADATA
        pins it now, that entry's URL changed back (the file's line would
        win, and leave the entry wrong)."""
        if self.pinned_by is not None:
            # Quoted, as the settings file writes it, and so that a sentence
            # may follow it: a "." right after a URL reads as part of it.
            return f"set {self.pinned_by}['flattr_url'] to {self.old_url!r}"
        if self.pinned:
            return (
                f"change the Flattr_url of {self.source} to "
                f"{pin_line(self.source, self.old_url)}{self._old_host()}"
            )
        return (
            f"add {pin_line(self.source, self.old_url)} to {self.source}"
            f"{self._old_host()}"
        )

    def _old_host(self) -> str:
        """The clause that lists the old URL's host in FLATTR_OLD_HOSTS,
        where it is not the new URL's: a pin on a host that is not the
        site's is refused otherwise. "" where the hosts are one, or it is
        listed already."""
        if self.new_url is None or self.old_host_listed:
            return ""
        old = urlsplit(self.old_url).hostname or ""
        if comparable_host(old) == comparable_host(
            urlsplit(self.new_url).hostname or ""
        ):
            return ""
        old = f"[{old}]" if ":" in old else old  # as FLATTR_OLD_HOSTS takes it
        return f" and {old!r} to FLATTR_OLD_HOSTS"

    def _rekey(self, path: str) -> str:
        """The fix of a source gone whose entry of EXTRA_PATH_METADATA pins
        the old URL (``pinned_by``): that entry given the file's ``path``,
        which Pelican matches it by."""
        return f"give {self.pinned_by}, which pins the old URL, {path} as its key"

    def _old_slug(self) -> str | None:
        """The slug the source had, when the new URL is a prefix, its slug
        now (``slug``) and a suffix, and the old one the same prefix, a
        plausible slug and the same suffix; else None."""
        was = self._old_part()
        return was if was is not None and _SLUG.fullmatch(was) else None

    def _old_language(self) -> str | None:
        """The language code the old URL held after the slug, as
        ``{slug}-{lang}`` (Pelican's ARTICLE_LANG_URL and PAGE_LANG_URL),
        or as a folder of its path (``_language_folder_between``), where
        the URL now holds the slug alone: the content's ``Lang`` or
        ``DEFAULT_LANG`` may have changed, not its slug. A code is one
        Flattr has a language for (``de``, ``pt_BR``), not any word
        ("post-old" was a slug); None else."""
        was, slug = self._old_part(), self.slug
        if was is None or not slug or not was.startswith(f"{slug}-"):
            return self._language_moved_between(
                self.old_url, self.new_url
            ) or self._language_folder_between(self.old_url, self.new_url)
        code = was.removeprefix(f"{slug}-")
        return code if flattr_language(code) is not None else None

    def _language_moved_between(self, lang_url: str, other: str | None) -> str | None:
        """The language code ``lang_url`` holds as the last part of its path,
        ``{slug}-{lang}``, where ``other`` ends in the slug alone, in
        another shape: an ARTICLE_URL of its own beside Pelican's default
        ARTICLE_LANG_URL (``post-de.html`` and ``2024/post/``), a change of
        Lang or DEFAULT_LANG the likely cause, when the code is the
        content's language now, or, in the old URL, the content has
        translations; else None."""
        slug = self.slug
        if not slug or other is None or self.pinned or self.pinned_by is not None:
            return None
        if _last_name(other) != slug:
            return None
        code = _last_name(lang_url).removeprefix(f"{slug}-")
        if code == _last_name(lang_url) or flattr_language(code) is None:
            return None
        if f"/{code}/" in _split_base(other)[1]:
            # Still in the URL, as a folder now ({lang}/{slug}.html): the
            # *_LANG_URL settings changed, not the content's language.
            return None
        # Its language now, in the new URL or the old one (DEFAULT_LANG
        # changed); or, in the old one, of content with translations (its
        # Lang changed): "ship-it" retitled "ship" on a site of one
        # language is a slug that changed, not Italian.
        if code == self.lang or (lang_url == self.old_url and self.translated):
            return code
        return None

    def _language_folder_between(self, lang_url: str, other: str | None) -> str | None:
        """The language code ``lang_url`` holds as a folder of its path,
        where ``other`` is the same URL without that folder
        (``{lang}/{slug}/`` and ``{slug}/``, as a site writes each language
        but DEFAULT_LANG's): a change of DEFAULT_LANG the likely cause,
        when the code is the content's language now; else None. (Not any
        code of a translated content's old URL, as after the slug: a
        category 'it' or 'uk' is such a folder too.)"""
        if other is None or self.pinned or self.pinned_by is not None:
            return None
        code = language_folder_added(lang_url, other)
        return code if code is not None and code == self.lang else None

    def _new_language(self) -> str | None:
        """The language code the new URL holds after the slug, as
        ``{slug}-{lang}``, or as a folder of its path
        (``_language_folder_between``), where the old URL holds the slug
        alone: the
        content's ``Lang`` or ``DEFAULT_LANG`` may have changed (see
        ``_old_language``); None else."""
        slug, new = self.slug, self.new_url
        if not slug or new is None or self.pinned or self.pinned_by is not None:
            return None
        prefix, found, rest = new.rpartition(f"{slug}-")
        if not found:
            return self._language_folder_between(new, self.old_url)
        moved = self._language_moved_between(new, self.old_url)
        if moved is not None:
            return moved
        for end in range(2, min(len(rest), _LONGEST_CODE) + 1):
            code = rest[:end]
            if (
                self.old_url == f"{prefix}{slug}{rest[end:]}"
                and flattr_language(code) is not None
            ):
                return code
        return None

    def _old_part(self) -> str | None:
        """What stands in the old URL where the new one has the slug, when
        both are alike but for it; else None (see ``_old_slug``)."""
        slug, new = self.slug, self.new_url
        # A pin wins over the slug: the old one back keeps no thing there.
        if not slug or new is None or self.pinned or self.pinned_by is not None:
            return None
        _, rest = _split_base(new)
        # Once only in the path: a slug that is also a folder's name leaves
        # it unknown which part the old URL changed.
        if rest.count(slug) != 1:
            return None
        prefix, _, suffix = new.rpartition(slug)
        old = self.old_url
        if not (old.startswith(prefix) and old.endswith(suffix)):
            return None
        was = old[len(prefix) : len(old) - len(suffix)]
        if "." in was and "." not in slug:
            # Pelican's slugs hold no dot: "post.html" for "post" is a
            # changed URL setting (an ARTICLE_URL without ".html"), and
            # 'Slug: post.html' would save the page as post.html.html.
            return None
        return was

    def _accept(self) -> str:
        """The fix that lets the taker have the old URL, as a clause."""
        if self.kept_owner is not None:
            return (
                f"if the flattrs of {self.taken_by} "
                f"{_to_owner(self.kept_owner, self.old_url)}"
            )
        return (
            "if the flattrs of the old URL are meant to go to "
            f"{self.taken_by}, add the old URL to FLATTR_ACCEPT_URL_CHANGES"
        )

    def _taken(self, store: str | os.PathLike[str] | None) -> str:
        """Where the flattrs of the old URL go, now that ``taken_by`` has it:
        at Flattr the thing there keeps the owner it was created with."""
        if self.kept_owner is None:
            return f": the flattrs of that URL go to {self.taken_by}'s thing"
        return (
            f", owned by {self.kept_owner} in the last build, and by "
            f"{self.new_owner or 'another owner'} now; "
            f"{_kept_by(self.kept_owner, str(self.taken_by), store)}"
        )

    def describe(self, store: str | os.PathLike[str] | None = None) -> str:
        """The change and its consequence, for a log line or a report;
        ``store``, the site's ``FLATTR_STORE`` when known, is where the
        command that claims a kept thing's flattrs records it."""
        if self.released_owner is not None:
            # The owner of the last build that had the URL: an earlier one
            # may have created the thing (an owner change is said once).
            owner = self.released_owner
            now = f", and {self.new_owner}'s now" if self.new_owner else ""
            return (
                f"{self.taken_by}: its thing URL {self.old_url} was {self.source}'s, "
                f"owned by {owner} when FLATTR_ACCEPT_URL_CHANGES released it in an "
                f"earlier build{now}; {_kept_by(owner, str(self.taken_by), store)}"
            )
        if self.still_there:
            without = (
                f"{self.source}: still in the content folder but without a "
                "thing in this build"
            )
            if self.taken_by is None:
                return (
                    f"{without}, so its thing {self.old_url} is orphaned (its "
                    "flattrs stay with that URL)"
                )
            return (
                f"{without}, and {self.taken_by} now has its thing URL "
                f"{self.old_url}{self._taken(store)}"
            )
        if self.taken_by is not None and self.new_url is None:
            # With another owner the taker may be new (a move but for the
            # owner): which it is changes nothing at Flattr.
            return (
                f"{self.source}: gone from this build, and {self.taken_by} "
                + (
                    "(another source of the last build) "
                    if self.kept_owner is None
                    else ""
                )
                + f"now has its thing URL {self.old_url}{self._taken(store)}"
            )
        if self.taken_by is not None:
            return (
                f"{self.source}: thing URL changed from {self.old_url} to "
                f"{self.new_url}, and {self.taken_by} now has its old "
                f"thing URL {self.old_url}{self._taken(store)}"
            )
        if self.new_url is None:
            return (
                f"{self.source}: gone from this build, so its thing "
                f"{self.old_url} is orphaned (its flattrs stay with that URL)"
            )
        if self.takes_back:
            new = (
                "the new URL is its thing URL of before, which "
                "FLATTR_ACCEPT_URL_CHANGES released: it takes that thing's "
                "flattrs back"
            )
        elif self.took_from is None:
            new = "the new URL starts with none"
        else:
            new = (
                f"the new URL was {self.took_from}'s, whose flattrs it keeps "
                f"(as said of {self.took_from})"
            )
        return (
            f"{self.source}: thing URL changed from {self.old_url} to "
            # No "." right after the new URL: a reader (and a terminal's link)
            # may take it for part of the URL, and one that ends a
            # translation's page name (hello-sr@latin.html) for an address.
            f"{self.new_url}: the flattrs given to the old URL stay with the old "
            f"URL, and {new}"
        )


def _sentence(clause: str) -> str:
    """``clause`` as a sentence of its own, after another in one message."""
    return clause[:1].upper() + clause[1:]


# The longest language code a *_LANG_URL writes that Flattr has a
# language for, with room for a script ("pt_BR", "zh-Hant").
_LONGEST_CODE = 8

# ``UrlChange.unpublished`` of a draft, and of a source whose own
# 'Save_as:' is empty.
DRAFT = "draft"
OWN_SAVE_AS = "its 'Save_as:'"
# Of a source that Pelican skips (Pelican 4.11's 'Status: skip'): it makes
# no content of it, so the file is in no generator's lists.
SKIPPED = "skip"
# ``UrlChange.unpublished`` of an article that Pelican made a draft for its
# date, in the future while WITH_FUTURE_DATES is False: "publish it" (a
# 'Status: published' line) would change nothing.
FUTURE = "future"
# Of a draft that is dated in the future too: published, it is still held
# back for its date, and given a date that has come, still a draft.
FUTURE_DRAFT = "future draft"


# What a slug written back in a 'Slug:' line may be: no "/" (another
# folder), nor what a URL escapes or ends a path with ("%", "?", "#"), nor a
# quote that would end the quoted line.
_SLUG = lazy_regex(r"[\w~-][\w.~-]*")


def _site_may_have_moved(old: str, new: str) -> bool:
    """Whether ``old`` and ``new`` can be one thing's URL under two
    SITEURLs: another host (or scheme), or one path the other's with a
    folder before it (SITEURL's path)."""
    old_base, old_rest = _split_base(old)
    new_base, new_rest = _split_base(new)
    return (
        old_base != new_base
        or old_rest.endswith(new_rest)
        or new_rest.endswith(old_rest)
    )


def in_one_part(old: str, new: str) -> bool:
    """Whether ``old`` and ``new`` differ in one part of their path alone
    (between the same two "/"): a changed slug, say, not a changed setting
    that moved them to another folder. Cheap, asked of every changed URL
    before anything is read to find its source's slug."""
    old_parts, new_parts = old.split("/"), new.split("/")
    return len(old_parts) == len(new_parts) and (
        sum(was != now for was, now in zip(old_parts, new_parts, strict=True)) == 1
    )


def told_by_content(
    changes: list[UrlChange],
    contents_of: ContentsOf,
    by_path: object,
    old_hosts: Collection[str] = frozenset(),
) -> list[UrlChange]:
    """``changes`` given what the new build's content and settings tell of
    them, which their fixes name: a changed source's slug (``with_slugs``),
    why a source still there has no thing where the build says nothing
    (``_with_unpublished``), the entry of EXTRA_PATH_METADATA (``by_path``)
    that pins a source, or its own line (``_with_pins``), and whether the
    old URL's host is in FLATTR_OLD_HOSTS already (``old_hosts``, as
    ``comparable_host`` gives them).

    The one rule of the build's guard and of ``pelican-flattr diff
    --settings``, after ``unresolved_changes``; ``contents_of`` reads the
    few sources each asks of.
    """
    changes = with_slugs(changes, contents_of)
    changes = _with_unpublished(changes, contents_of)
    changes = _with_pins(changes, by_path, contents_of)
    return _with_old_hosts(changes, old_hosts) if old_hosts else changes


def _with_old_hosts(
    changes: list[UrlChange], old_hosts: Collection[str]
) -> list[UrlChange]:
    """``changes``, each whose old URL's host ``old_hosts`` lists marked
    so: the fix of a site moved to another host told to add to
    FLATTR_OLD_HOSTS a host it held already."""
    return [
        dataclasses.replace(change, old_host_listed=True)
        if comparable_host(urlsplit(change.old_url).hostname or "") in old_hosts
        else change
        for change in changes
    ]


def with_slugs(changes: list[UrlChange], contents_of: ContentsOf) -> list[UrlChange]:
    """``changes``, each one whose URLs its slug may explain (as
    ``_slug_tells`` selects them: changed within one part of the path, or a
    language code moved) given its source's slug, language and whether it
    is translated, as ``contents_of`` reads them: asked only when there is
    one. One another source took too: its
    new URL may hold a language code after the slug (``_new_language``)."""
    wanted = {change.source for change in changes if _slug_tells(change)}
    if not wanted:
        return changes
    read = {
        source: content
        for source, content in contents_of(wanted)
        if isinstance(getattr(content, "slug", None), str)
    }
    return [
        _with_slug(change, read[change.source])
        if change.source in read and _slug_tells(change)
        else change
        for change in changes
    ]


def _with_slug(change: UrlChange, content: Any) -> UrlChange:
    """``change`` with its source's slug, language and whether it is
    translated, as ``content`` has them."""
    lang = getattr(content, "lang", None)
    translated = bool(getattr(content, "translations", None)) or (
        getattr(content, "in_default_lang", True) is False
    )
    return dataclasses.replace(
        change,
        slug=content.slug,
        lang=lang if isinstance(lang, str) else None,
        translated=translated,
    )


def language_folder_added(longer: str, shorter: str) -> str | None:
    """The folder of ``longer``'s path, a language code Flattr knows, that
    ``shorter`` is without (``…/de/post/`` and ``…/post/``); None else. Not
    the path's last part: that is the slug's."""
    base, path = _split_base(longer)
    other_base, other_path = _split_base(shorter)
    if base != other_base:
        return None
    parts, others = path.split("/"), other_path.split("/")
    if len(parts) != len(others) + 1:
        return None
    for at, code in enumerate(parts[:-1]):
        if code and parts[:at] + parts[at + 1 :] == others:
            return code if flattr_language(code) is not None else None
    return None


def _where_language(code: str, url: str, slug: str | None) -> str:
    """Where ``url`` holds the language ``code``, as a fix says it: after
    the slug ``slug`` (``post-de``), else as a folder."""
    if slug is not None and _last_name(url) == f"{slug}-{code}":
        return "after its slug"
    return "as a folder of its path"


def _last_name(url: str) -> str:
    """The last part of ``url``'s path, without its extension (``post`` of
    ``…/post.html`` and of ``…/2024/post/``)."""
    name = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    return name.rpartition(".")[0] or name


def _slug_tells(change: UrlChange) -> bool:
    """Whether the slug of ``change``'s source may tell what changed its
    URL, which changed in one part of its path, or whose last part gained
    or lost what may be a language code (``post-de.html``, ``2024/post/``:
    see ``UrlChange._language_moved_between``), or whose path gained or
    lost a folder that is one (``de/post/``, ``post/``)."""
    new = change.new_url
    if new is None:
        return False
    if in_one_part(change.old_url, new):
        return True
    old_name, new_name = _last_name(change.old_url), _last_name(new)
    if old_name.startswith(f"{new_name}-") or new_name.startswith(f"{old_name}-"):
        return True
    return (
        language_folder_added(new, change.old_url) is not None
        or language_folder_added(change.old_url, new) is not None
    )


def _with_unpublished(
    changes: list[UrlChange], contents_of: ContentsOf
) -> list[UrlChange]:
    """``changes``, each source still there without a thing for a reason
    the build knows but says nowhere (a draft, 'Status: skip', an empty
    save_as) marked with it (``UrlChange.unpublished``), which its fix and
    the summary name, beside any other reason the guard names (an opt-out,
    FLATTR_PAGES): that one put right alone would give it no thing.
    ``contents_of`` reads the few it asks of."""
    wanted = {change.source for change in changes if change.still_there}
    if not wanted:
        return changes
    from .resolve import skip_given_by

    why = {}
    skipped_by = {}
    for source, content in contents_of(wanted):
        if is_skipped(content):  # first: it has no status, and no save_as
            why[source] = SKIPPED
            skipped_by[source] = skip_given_by(content, source)
        elif getattr(content, "status", None) == "draft":
            why[source] = _why_a_draft(content)
        elif not content.save_as:
            why[source] = _empty_save_as(content, source)
    return [
        dataclasses.replace(
            change,
            unpublished=why[change.source],
            skipped_by=skipped_by.get(change.source),
        )
        if change.source in why and change.source in wanted
        else change
        for change in changes
    ]


def is_skipped(content: Any) -> bool:
    """Whether ``content`` is what Pelican's readers make of a file it skips
    ('Status: skip'): a ``SkipStub``, which keeps no metadata, and whose
    save_as raises. Pelican 4.11 added it: before, 'skip' is no status,
    Pelican says so, and the file fails (no ``SkipStub`` to import)."""
    import pelican.contents

    stub = getattr(pelican.contents, "SkipStub", None)
    return stub is not None and isinstance(content, stub)


def _why_a_draft(content: Any) -> str:
    """Why ``content`` is a draft, as Pelican made it one: its file says
    'Status: draft' (``DRAFT``), its date is in the future while
    WITH_FUTURE_DATES is False (``FUTURE``), or both (``FUTURE_DRAFT``). A
    draft for another reason (a plugin's) is a ``DRAFT``: publishing it is
    the fix."""
    said = str(getattr(content, "metadata", {}).get("status", "")).strip().lower()
    if not _dated_in_the_future(content):
        return DRAFT
    return FUTURE_DRAFT if said == "draft" else FUTURE


def _dated_in_the_future(content: Any) -> bool:
    """Whether Pelican's Article holds ``content`` back for its date: its
    date is after now, compared as Pelican compares it, while
    WITH_FUTURE_DATES is False. Never a page: Pelican publishes one
    whatever its date."""
    from pelican.contents import Article

    if not isinstance(content, Article):
        return False
    settings = getattr(content, "settings", None) or {}
    date = getattr(content, "date", None)
    if settings.get("WITH_FUTURE_DATES", True) or date is None:
        return False
    try:
        if date.replace(tzinfo=None) == datetime.max:
            return False  # Pelican's date for a draft that gives none
        now = datetime.now(timezone.utc) if date.tzinfo else datetime.now()
        return bool(date > now)
    except (AttributeError, TypeError):  # a date a plugin set, of its own kind
        return False


def _empty_save_as(content: Any, source: str) -> str:
    """The setting that gives ``content`` (of ``source``) its empty
    save_as, as Pelican chooses it: its own 'Save_as:' (``OWN_SAVE_AS``,
    unless a setting gives that field), else ``ARTICLE_SAVE_AS`` or
    ``PAGE_SAVE_AS``, their ``LANG_`` twin for a translation."""
    # Imported here: the rules import without Pelican, and only its
    # contents come here.
    from pelican.contents import Page

    from .resolve import given_by_setting

    if hasattr(content, "override_save_as"):
        setting = given_by_setting(content, "save_as", source)
        return OWN_SAVE_AS if setting is None else f"{setting}['save_as']"
    kind = "PAGE" if isinstance(content, Page) else "ARTICLE"
    lang = "" if getattr(content, "in_default_lang", True) else "LANG_"
    return f"{kind}_{lang}SAVE_AS"


def _with_pins(
    changes: list[UrlChange], by_path: object, contents_of: ContentsOf
) -> list[UrlChange]:
    """``changes``, each source pinned given where, which its fix changes:
    the entry of EXTRA_PATH_METADATA (``by_path``) that pins it
    (``UrlChange.pinned_by``), or its own file's line (``UrlChange.pinned``).
    ``contents_of`` reads the sources with a thing, asked only when there
    is one."""
    from .resolve import given_by_setting, path_metadata_entry
    from .settings import PINNED_URL_METADATA as PINNED_URL

    there = {change.source for change in changes if change.new_url is not None}
    pinned, in_file = {}, set()
    for source, content in contents_of(there) if there else ():
        # A file skipped since NEW_MANIFEST was written (diff) keeps none.
        if is_skipped(content) or not content.metadata.get(PINNED_URL):
            continue
        setting = given_by_setting(content, PINNED_URL, source)
        if setting is None:
            in_file.add(source)
        else:
            pinned[source] = setting
    if not isinstance(by_path, Mapping):
        by_path = {}
    for change in changes:
        # A source gone: the entry of its path that holds its old URL,
        # which Pelican matches to no file now (one moved or renamed).
        fields = by_path.get(change.source)
        if (
            change.new_url is None
            and not change.still_there
            and isinstance(fields, Mapping)
            and str(fields.get(PINNED_URL) or "").strip() == change.old_url
        ):
            pinned[change.source] = path_metadata_entry(change.source)
    return [
        dataclasses.replace(
            change,
            pinned_by=pinned.get(change.source),
            pinned=change.source in in_file,
        )
        if change.source in pinned or change.source in in_file
        else change
        for change in changes
    ]


def slug_may_have_changed(change: UrlChange) -> bool:
    """Whether ``change`` may be its source's slug alone changing."""
    return (
        change.new_url is not None
        and change.taken_by is None
        and in_one_part(change.old_url, change.new_url)
    )


def verify_command(
    identity: str,
    store: str | os.PathLike[str] | None = None,
    *,
    settings: str | None = None,
) -> str:
    """The ``pelican-flattr verify`` command that links ``identity`` to the
    Flattr account of whoever holds it, recorded in ``store`` (the site's
    ``FLATTR_STORE``, when it is known), else in the store of the settings
    file ``settings``, which verify reads as it reads every setting.

    It names that account: ``--identity`` without ``--username`` verifies for
    the token's own account, the operator's, which would take the identity
    and the flattrs waiting for it from its holder. ``verify --from`` the
    settings file is no general answer: an owner the build no longer names
    is gone from its ``FLATTR_AUTHORS``. And it names the store: without
    it, verify records the verification in ./flattr-store.sqlite3, which
    the build and ``pending`` do not read, and they go on listing the
    flattrs as waiting. Quoted as the shell of this system needs it, so
    that it runs as written.
    """
    command = (
        f"pelican-flattr verify --identity {identity} --username THEIR_FLATTR_USERNAME"
    )
    if store is not None:
        return f"{command} --store {command_line([os.fspath(store)])}"
    if settings is not None:
        return f"{command} --settings {command_line([settings])}"
    return command


def _kept_by(owner: str, taker: str, store: str | os.PathLike[str] | None) -> str:
    """That Flattr keeps the thing at a URL with ``owner``, whom the
    flattrs of ``taker`` (the source that has the URL now) go to (claimed
    into ``store``: see ``verify_command``)."""
    claim = (
        f"; whoever holds {owner} claims them by verifying it for their Flattr "
        f"account ({verify_command(owner, store)})"
        if ":" in owner  # an identifier: a username holds no ':'
        else ""
    )
    return (
        "but Flattr keeps the owner a thing was created with, so a thing "
        f"already flattred there takes the flattrs of {taker} to {owner} (or to "
        f"whoever owned it when it was created){claim}"
    )


def _to_owner(owner: str, url: str) -> str:
    """The end of the fix that accepts giving ``url``'s flattrs to ``owner``."""
    return (
        f"are meant to go to {owner}, add {url} to "
        "FLATTR_ACCEPT_URL_CHANGES for one build"
    )


def handed_over_warning(
    change: UrlChange, store: str | os.PathLike[str] | None = None
) -> str:
    """The warning of a build that gives ``change``'s old URL for good to
    the source that has it under another owner (``released_owner`` or
    ``kept_owner``), as FLATTR_ACCEPT_URL_CHANGES lists the URL; ``store``
    as for ``UrlChange.describe``."""
    return (
        f"{change.describe(store)}. FLATTR_ACCEPT_URL_CHANGES lists {change.old_url}, "
        f"so this build gives the URL to {change.taken_by} permanently. If that "
        "is not meant, remove it from FLATTR_ACCEPT_URL_CHANGES and give "
        f"{change.taken_by} another URL"
    )


# How many URL changes of each kind (changed, gone, still there without a
# thing, let go and reused) the build says one by one, each with its fix. A
# deliberate edit (a few slugs renamed, a section moved) stays below it, so
# each of its changes is said with the line that pins it; beyond it the
# changes most likely have one cause (a setting), and one line of about 500
# characters per thing buried the rest of the log: 1,565 of them, 1.35 MB,
# for a new ARTICLE_URL on 2,000 articles. The summary counts every one, and
# names the command that lists them all (the baseline, for the reused).
SAID_OF_EACH_KIND = 20

# How many changed URLs of one shape (``_shape``) make a setting their
# likely cause: a handful of articles renamed by hand rarely share one.
_ALIKE = 5

# The kinds of UrlChange, as the summary counts them; then _REUSED, a URL
# let go earlier and this build's again under another owner, counted apart:
# no URL of the last build, nor one `pelican-flattr diff` can list.
_KINDS = (
    ("thing URL changed", "thing URLs changed"),
    ("thing gone from this build", "things gone from this build"),
    (
        "source file still there without a thing",
        "source files still there without a thing",
    ),
)
_REUSED = len(_KINDS)
_GONE = 1  # _KINDS' "thing gone from this build"


def _kind(change: UrlChange) -> int:
    if change.released_owner is not None:
        return _REUSED
    if change.new_url is not None:
        return 0
    return 2 if change.still_there else 1


def _shape(old: str, new: str) -> tuple[str, str] | None:
    """``old`` and ``new`` with the slug they share as ``*`` and other
    numbers as ``#`` (dates), so that every thing a setting moved has one
    shape (``/#/#/*.html`` to ``/posts/*/``), or the site's base alone
    where only it changed; None when they share no slug.

    The slug is the name of ``old``'s last part, when ``new`` has it too
    (``my-slug`` of ``my-slug.html``), else the name of one last part when
    the other's is it with a short word joined by ``-`` (``my-slug-fr``,
    Pelican's ``{slug}-{lang}.html``: the word stays in the shape, so only
    changes that share it are alike), else the longest name both have: a
    part written the same in both (``posts``) is the setting's, not the
    thing's."""
    old_base, old_rest = _split_base(old)
    new_base, new_rest = _split_base(new)
    if old_rest == new_rest:
        return f"{old_base}/*", f"{new_base}/*"
    old_parts, new_parts = old_rest.split("/"), new_rest.split("/")
    shared = {_stem(part) for part in old_parts} & {_stem(part) for part in new_parts}
    shared = {stem for stem in shared if stem and not stem.isdigit()}
    last = _last_stem(old_parts)
    # Each name that stands for the slug, and what it becomes in the shape.
    slugs: dict[str, str]
    if last in shared:
        slugs = {last: "*"}
    else:
        affixed = _affixed(last, _last_stem(new_parts)) or _affixed(
            _last_stem(new_parts), last
        )
        if affixed is not None:
            slugs = affixed
        elif shared:
            slugs = {max(shared, key=lambda stem: (len(stem), stem)): "*"}
        else:
            return None

    def shaped(base: str, parts: list[str]) -> str:
        return base + "/".join(
            slugs[_stem(part)] + part[len(_stem(part)) :]
            if _stem(part) in slugs
            else _numbers_shaped(part)
            for part in parts
        )

    return shaped(old_base, old_parts), shaped(new_base, new_parts)


_NUMBER = lazy_regex("[0-9]+")
_LETTER = lazy_regex(r"[^\W\d_]")
# A date's part with a letter or two before its number: a week ("w10"), a
# quarter ("q1").
_DATE_PART = lazy_regex(r"[A-Za-z]{1,2}[0-9]+")


def _numbers_shaped(part: str) -> str:
    """A path part that is not the slug's, its numbers as ``#`` where it
    holds numbers alone (a date's ``2024``, ``03``, ``2024-03-01``) or after
    a letter or two (``w10``, ``q1``): a word that holds a digit (a category
    ``3d-printing``, ``python-3``) is a word, which a renamed category's
    rule (``_renamed_part``) reads."""
    if _LETTER.search(part) and not _DATE_PART.fullmatch(part):
        return part
    return _NUMBER.sub("#", part)


# A word joined to a slug by "-" that a setting adds (a language code, as
# Pelican's ARTICLE_LANG_URL "{slug}-{lang}.html" adds one): a letter
# first, so that a number (a date's) is never taken for it, and short, so
# that two unrelated names are not taken for one slug with a word added.
_AFFIX = lazy_regex("[A-Za-z][A-Za-z0-9_@]{0,7}(?:-[A-Za-z0-9]{1,8})?")


def _last_stem(parts: list[str]) -> str:
    """The name of the last non-empty part of ``parts`` (a URL's path)."""
    return _stem(next((part for part in reversed(parts) if part), ""))


def _affixed(slug: str, name: str) -> dict[str, str] | None:
    """``slug`` and ``name`` with their shapes, when ``name`` is ``slug``
    with a short word (``_AFFIX``) joined after it (``slug-fr``) or before
    it (``fr-slug``) by "-"; None otherwise, or when ``slug`` is a number
    or has no letter to tell it from the word."""
    if not slug or slug.isdigit() or len(name) <= len(slug) + 1:
        return None
    if name.startswith(slug + "-") and _AFFIX.fullmatch(name[len(slug) + 1 :]):
        return {slug: "*", name: "*" + name[len(slug) :]}
    if name.endswith("-" + slug) and _AFFIX.fullmatch(name[: -len(slug) - 1]):
        return {slug: "*", name: name[: -len(slug)] + "*"}
    return None


def _stem(part: str) -> str:
    """A URL path part's name, before any extension (``a`` of ``a.html``)."""
    return part.partition(".")[0]


def _split_base(url: str) -> tuple[str, str]:
    """``url``'s scheme and host, and the rest from its path on."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    return base, url[len(base) :] if url.startswith(base) else url


@dataclass(frozen=True)
class Alike:
    """The shape (``_shape``) that ``_ALIKE`` or more changed thing URLs
    share, and the setting that most likely gave it (``shared_causes``)."""

    count: int  # the changed thing URLs of the shape
    changed: int  # every changed thing URL
    old: str
    new: str
    cause: str

    def said(self) -> str:
        """The shape and its cause, as the build's summary and
        ``pelican-flattr diff`` say them."""
        varies = (
            f" ({_VARIES} a part that differs from one to another, such as a category)"
            if _VARIES in self.old + self.new
            else ""
        )
        return (
            f"{self.count} of the {self.changed} changed thing URLs changed "
            f"alike, from {self.old} to {self.new}{varies}: {self.cause}"
        )

    def holds(self, change: UrlChange) -> bool:
        """Whether ``change`` is of the shape, and its fix the pin that
        ``UrlChange.advice(brief=True)`` gives: the shape's line says the
        rest once."""
        if change.new_url is None or change.taken_by is not None:
            return False
        shape = _shape(change.old_url, change.new_url)
        return shape is not None and (
            _fits(shape[0], self.old) and _fits(shape[1], self.new)
        )


# What a shape merged from several (``_merged_shapes``) holds where their
# words differ: a {category} or {author} in the URL setting.
_VARIES = "…"


def _parts(shape: str) -> list[str]:
    """A shape's base, then each part of its path."""
    base, rest = _split_base(shape)
    return [base, *rest.split("/")]


def _is_word(part: str) -> bool:
    """Whether a shape's path part is a word the setting or the content
    gave (a category), not the slug's place, a number's or empty."""
    return bool(part) and "*" not in part and "#" not in part


def _fits(shape: str, merged: str) -> bool:
    """Whether ``shape`` is ``merged``, or one of those merged into it: the
    same, but for a word where ``merged`` holds ``_VARIES``."""
    if shape == merged:
        return True
    if _VARIES not in merged:
        return False
    parts, merged_parts = _parts(shape), _parts(merged)
    return len(parts) == len(merged_parts) and all(
        part == wanted or (wanted == _VARIES and _is_word(part))
        for part, wanted in zip(parts, merged_parts, strict=True)
    )


def _merged_shapes(shapes: dict[tuple[str, str], int]) -> tuple[int, tuple[str, str]]:
    """The most changes that share a shape once the words that differ among
    shapes of one build (``{category}/{slug}/``: one shape per category)
    are merged into ``_VARIES``, and that shape; (0, ...) when none.

    Shapes are merged where they have the same parts but for words. Merged
    shapes whose old and new sides are then alike are left apart: words
    that changed one by one (categories renamed) are no setting's change."""
    groups: dict[tuple[tuple[str, ...], ...], list[tuple[str, str, int]]] = {}
    for (old, new), count in shapes.items():
        key = tuple(
            tuple("" if _is_word(part) else part for part in _parts(side))
            for side in (old, new)
        )
        groups.setdefault(key, []).append((old, new, count))
    best: tuple[int, tuple[str, str]] = (0, ("", ""))
    for members in groups.values():
        if len(members) < 2:
            continue
        merged = tuple(
            _merged_side([member[side] for member in members]) for side in (0, 1)
        )
        total = sum(member[2] for member in members)
        if merged[0] != merged[1]:
            best = max(best, (total, (merged[0], merged[1])))
    return best


def _merged_side(shapes: list[str]) -> str:
    """``shapes`` (of one side, with the same parts but for words) as one:
    each part they share kept, each word that differs ``_VARIES``."""
    columns = zip(*(_parts(shape) for shape in shapes), strict=True)
    base, *rest = (parts[0] if len(set(parts)) == 1 else _VARIES for parts in columns)
    return base + "/".join(rest)


@dataclass(frozen=True)
class SharedCauses:
    """What ``_ALIKE`` or more changes share (``shared_causes``): the shape
    of their URLs, and the settings it does not tell (``_other_causes``)."""

    alike: Alike | None
    others: tuple[str, ...]


# The ``UrlChange.unpublished`` that name no setting: the summary counts
# only the settings that empty save_as (``_other_causes``).
_NO_SETTING = (None, DRAFT, FUTURE, FUTURE_DRAFT, OWN_SAVE_AS, SKIPPED)


def shared_causes(
    changes: Iterable[UrlChange], siteurl: str = "", slugify_source: object = "title"
) -> SharedCauses:
    """The causes that ``_ALIKE`` or more of ``changes`` share: the shape
    most of the changed URLs have, with the setting that most likely gave
    it (``siteurl``, the new SITEURL, names the old one after a move), and
    the settings a shape does not tell (an empty save_as, slugs made of
    file names: ``slugify_source``, the build's ``SLUGIFY_SOURCE``, tells
    whether they are now).

    The one rule of the build's summary and of ``pelican-flattr diff``,
    which says them above its rows.
    """
    counts = [0] * (_REUSED + 1)
    shapes: dict[tuple[str, str], int] = {}
    changed_urls: list[str] = []  # the old ones
    # Each setting that empties save_as, and the slugs made of file names
    # now and before, counted (``_other_causes``).
    unwritten: dict[str, int] = {}
    file_slugs = [0, 0]
    for change in changes:
        counts[_kind(change)] += 1
        if change.unpublished not in _NO_SETTING:
            unwritten[change.unpublished] = unwritten.get(change.unpublished, 0) + 1
        if change.new_url is not None:
            changed_urls.append(change.old_url)
            shape = _shape(change.old_url, change.new_url)
            if shape is not None:
                shapes[shape] = shapes.get(shape, 0) + 1
            file_slug = _slug_of_file_name(change, slugify_source == "basename")
            if file_slug is not None:
                file_slugs[file_slug] += 1
    others = tuple(_other_causes(unwritten, file_slugs, counts))
    count, (old, new) = max(
        ((count, shape) for shape, count in shapes.items()), default=(0, ("", ""))
    )
    # One shape per category, where the URL setting names {category} on
    # either side: merged, they are the change (or five of one category
    # would stand for the whole).
    merged_count, merged = _merged_shapes(shapes)
    if merged_count > count:
        count, (old, new) = merged_count, merged
    if count < _ALIKE:
        return SharedCauses(None, others)
    cause = _likely_cause(old, new, siteurl, changed_urls)
    return SharedCauses(Alike(count, counts[0], old, new, cause), others)


def url_change_warnings(
    changes: Iterable[UrlChange],
    listing: str,
    baseline: Path,
    siteurl: str = "",
    store: str | os.PathLike[str] | None = None,
    slugify_source: object = "title",
    *,
    old_urls: str | None = None,
    kept: int = 0,
    released: int = 0,
    causes: SharedCauses | None = None,
) -> tuple[list[str], list[str], str | None]:
    """The guard's messages for ``changes``: those said, each with its fix
    (the first ``SAID_OF_EACH_KIND`` of each kind), those left unsaid but
    counted (a strict build fails on each), and a summary, or None when
    every change is said and no setting explains them. A summary that
    names a shape the changes share (``causes``, ``shared_causes``'s if
    not given) is said first, before the changes, which it says are
    "below": its one fix is for them all, where each change's own is a
    pin per file.

    The summary gives the count of each kind; where a kind has more than
    were said, that ``listing`` (the command and its files) lists every
    change, and the ``kept`` thing URLs of sources left without a thing by
    problems said (``lost_to_said_problems``) too; and the causes the
    changes share (``shared_causes``): for URLs that changed alike, the
    shape, the setting that most likely changed it (one whole-site fix,
    where each message gives one per file), and how to accept them alone
    (``old_urls``, the command that prints their old URLs: by default
    ``listing`` with ``--old-urls``), or all at once by deleting
    ``baseline``, the guard's, with what else that accepts, and the
    ``released`` thing URLs it holds that it would forget.
    ``slugify_source`` as for ``shared_causes``.
    """
    changes = list(changes)
    if causes is None:
        causes = shared_causes(changes, siteurl, slugify_source)
    said: list[str] = []
    unsaid: list[str] = []
    counts = [0] * (_REUSED + 1)
    for change in changes:
        kind = _kind(change)
        counts[kind] += 1
        message = f"{change.describe(store)}. Fix: {change.advice()}"
        (said if counts[kind] <= SAID_OF_EACH_KIND else unsaid).append(message)
    if not unsaid and causes.alike is None and not causes.others:
        return said, unsaid, None
    # Where the messages said one by one stand: after a summary said first.
    where = "below" if causes.alike is not None else "above"
    reused = _reused_summary(counts[_REUSED], baseline, where)
    total = sum(counts[:_REUSED])
    if not total:
        return said, unsaid, reused
    summary = (
        f"{total} thing URL{'s' if total > 1 else ''} of the last build "
        f"{'are' if total > 1 else 'is'} not this build's: "
        + ", ".join(
            f"{count} {_KINDS[kind][count > 1]}"
            for kind, count in enumerate(counts[:_REUSED])
            if count
        )
    )
    if max(counts[:_REUSED]) > SAID_OF_EACH_KIND:
        # The list has the kept ones too, said in a line of their own, not
        # counted here: named, so that its count and this one agree.
        too = f', with the {kept} {_KEPT[kept > 1]} (as "no thing")' if kept else ""
        summary += (
            f"; the first {SAID_OF_EACH_KIND} of each kind are said {where}, each "
            f"with its fix, and {listing} lists every one{too}"
        )
        if counts[_GONE] > SAID_OF_EACH_KIND:
            # Many deleted at once: their URLs for the setting, in one go.
            summary += (
                f"; {listing} --gone-urls prints the old URLs of the things "
                "gone, for FLATTR_ACCEPT_URL_CHANGES once the deletions are meant"
            )
    if causes.alike is not None:
        accept = _accept_alike(
            causes.alike,
            counts,
            kept,
            baseline,
            old_urls or f"{listing} --old-urls",
            released,
        )
        summary += f". {causes.alike.said()}, or, if the change is deliberate, {accept}"
    for cause in causes.others:
        summary += f". {cause}"
    if reused is not None:
        summary += f". {reused}"
    return said, unsaid, summary


# What deleting the baseline accepts besides the URLs that changed alike,
# one and many: the changed URLs of other shapes; the URLs let go earlier
# that other owners' things have (the baseline's released entries); the
# thing URLs it keeps for sources without a thing for a problem the build
# said (``lost_to_said_problems``), whose changes it would no longer say.
_OTHER_CHANGED = ("other changed thing URL", "other changed thing URLs")
_LET_GO = (
    "thing URL released earlier that another owner's thing has now",
    "thing URLs released earlier that other owners' things have now",
)
_KEPT = (
    "thing URL kept for a source left without a thing by the problem said above",
    "thing URLs kept for sources left without a thing by the problems said above",
)


def _accept_alike(
    alike: Alike,
    counts: list[int],
    kept: int,
    baseline: Path,
    old_urls: str,
    released: int = 0,
) -> str:
    """How to accept the changes of the shape ``alike`` at once: deleting
    ``baseline``, where that accepts nothing else; else their old URLs
    added to FLATTR_ACCEPT_URL_CHANGES, as the command ``old_urls`` prints
    them, with what deleting the baseline would accept besides, unseen
    (``counts`` by kind, and the ``kept`` thing URLs), and the ``released``
    URLs it would forget: their reuse by another owner goes unsaid then."""
    forgets = (
        f"; that forgets the {released} thing URL{'s' if released > 1 else ''} "
        "FLATTR_ACCEPT_URL_CHANGES released, whose reuse by another owner the "
        "guard then no longer warns of"
        if released
        else ""
    )
    besides = [
        (counts[0] - alike.count, _OTHER_CHANGED),
        (counts[1], _KINDS[1]),
        (counts[2], _KINDS[2]),
        (counts[_REUSED], _LET_GO),
        (kept, _KEPT),
    ]
    named = [f"the {count} {noun[count > 1]}" for count, noun in besides if count]
    if not named:
        return (
            f"accept every change at once by deleting {baseline} (the next "
            f"build starts a new one{forgets})"
        )
    them = (
        "them"
        if alike.count == alike.changed
        else f"the old URLs of all {alike.changed} changed thing URLs"
    )
    return (
        f"add their old URLs to FLATTR_ACCEPT_URL_CHANGES ({old_urls} prints "
        f"{them}, one a line; deleting {baseline} would accept every change at "
        f"once: {listed(named)} too{forgets})"
    )


def _slug_of_file_name(change: UrlChange, by_file_name: bool) -> int | None:
    """Whether the slug of ``change``'s source changed to its file's name
    (0), as ``SLUGIFY_SOURCE = 'basename'`` (``by_file_name``: the build's
    setting now) makes it, or from it (1), as it made it before; None when
    neither, or its slugs are unknown."""
    old, now = change._old_slug(), change.slug
    if old is None or now is None or old == now:
        return None
    # As Pelican slugifies a plain file name: "Post 1.md" gives "post-1".
    name = posixpath.splitext(posixpath.basename(change.source))[0]
    name = name.lower().replace(" ", "-")
    if by_file_name:
        return 0 if now == name else None
    # The slug now is the title's. A file named as its title's slug
    # ("great-post-1.md") had its title's slug before too, in another
    # case, say (SLUGIFY_PRESERVE_CASE): nothing tells that its name gave it.
    return 1 if old == name and old.lower() != now.lower() else None


def _other_causes(
    unwritten: Mapping[str, int], file_slugs: list[int], counts: list[int]
) -> list[str]:
    """What the summary says of a setting that ``_ALIKE`` or more changes
    share, where the shape of their URLs does not tell it: an empty save_as
    setting (``unwritten``: each, with how many sources it leaves without a
    page), slugs made of file names now or before (``file_slugs``: how
    many); ``counts`` those of ``url_change_warnings``."""
    causes = [
        f"{count} of the {counts[2]} source files still there have no page, as "
        f"{setting} is empty: give it its pages' path back to give them their "
        "things back"
        for setting, count in sorted(unwritten.items())
        if count >= _ALIKE
    ]
    now, before = file_slugs
    # Pelican makes a slug of the title or of the file's name alone: the
    # value before is the other one.
    if now >= _ALIKE:
        causes.append(
            f"{now} of the {counts[0]} changed thing URLs have their file's name "
            "as their slug now: SLUGIFY_SOURCE = 'basename' is the likely cause: "
            "set SLUGIFY_SOURCE = 'title' (Pelican's default) to keep their "
            "flattrs"
        )
    if before >= _ALIKE:
        causes.append(
            f"{before} of the {counts[0]} changed thing URLs had their file's "
            "name as their slug, and another now: a changed SLUGIFY_SOURCE "
            "('basename' before) is the likely cause: set SLUGIFY_SOURCE = "
            "'basename' again to keep their flattrs"
        )
    return causes


def lost_to_said_problems(
    changes: Iterable[UrlChange], said: Collection[str]
) -> tuple[list[UrlChange], list[UrlChange]]:
    """``changes`` split in two: those of sources still in the content
    folder, their old URL taken by no other source, that got no thing for
    a problem the build said of them (``said``: their sources); and the
    rest, each said with its own fix."""
    lost: list[UrlChange] = []
    rest: list[UrlChange] = []
    for change in changes:
        alone = change.still_there and change.taken_by is None
        (lost if alone and change.source in said else rest).append(change)
    return lost, rest


def lost_to_said_problems_warning(lost: list[UrlChange]) -> str:
    """One warning for every change of ``lost`` (``lost_to_said_problems``).

    The build said why each source has no thing (three mistyped
    ``FLATTR_AUTHORS`` values cost 30 articles theirs): a warning of each,
    "orphaned", and a summary of 30 changed URLs buried those errors,
    though nothing changed. The guard keeps their entries, so that their
    things come back at their URLs unsaid once mended, and a URL that
    changes meanwhile is still said.
    """
    if len(lost) == 1:
        source, url = lost[0].source, lost[0].old_url
        return (
            f"{source}: still in the content folder but without a thing in this "
            "build, for the problem said of it above. The baseline keeps its "
            f"thing URL {url} for now, and a change of it is still said. Once "
            "that problem is fixed, its thing comes back at that URL with its "
            "flattrs. Fix: "
            f"give {source} its thing back (the build says why it has none, "
            "above), or add the old URL to FLATTR_ACCEPT_URL_CHANGES if it goes "
            "without one on purpose"
        )
    named = listed(sorted({change.source for change in lost}), _NAMED_SOURCES)
    return (
        f"{named}: still in the content folder but without a thing in this "
        "build, for the problems said of them above. The baseline keeps their "
        f"{len(lost)} thing URLs for now, and a change of one is still said. Once "
        "those problems are fixed, their things come back at those URLs with "
        "their flattrs. Fix: give them their things back (the build says why each has "
        "none, above), or add their old URLs to FLATTR_ACCEPT_URL_CHANGES if "
        "they go without one on purpose"
    )


def _likely_cause(
    old_shape: str, new_shape: str, siteurl: str, old_urls: list[str]
) -> str:
    """The setting that most likely changed URLs from ``old_shape`` to
    ``new_shape`` (``siteurl`` the new SITEURL, ``old_urls`` every changed
    one), and how to put it back."""
    old_base, old_rest = _split_base(old_shape)
    new_base, new_rest = _split_base(new_shape)
    if old_rest == "/*" == new_rest:
        # Only the base differs: a new domain, http to https. FLATTR_SITEURL
        # stands for SITEURL whole: its path (``/blog``) too.
        old_site = old_base + (
            siteurl[len(new_base) :] if siteurl.startswith(new_base) else ""
        )
    elif old_base != new_base:
        # A new host is SITEURL's, whatever changed with it: its path (then
        # the old SITEURL is found), or an ARTICLE_URL too.
        found = _old_siteurl(old_shape, new_shape, siteurl, old_urls)
        if found is None:
            return (
                "a changed SITEURL or FLATTR_SITEURL (its host, "
                f"{old_base} then, {new_base} now) with a changed ARTICLE_URL, "
                "ARTICLE_SAVE_AS or PAGE_URL setting (or their LANG_ twins) is "
                "the likely cause: set FLATTR_SITEURL to "
                f"the old one, on {old_base}, its path too, and put the setting "
                "back to keep their flattrs"
            )
        old_site = found
    else:
        renamed = _renamed_part(old_rest, new_rest)
        if renamed is not None:
            # /workshop/*.html to /verkstad/*.html, the settings unchanged:
            # a category renamed in the articles' metadata moves them as
            # surely as a setting would.
            return (
                f"one part of their URLs, {renamed[0]!r}, is {renamed[1]!r} now: "
                "a renamed category, author or tag (where ARTICLE_URL, "
                "ARTICLE_SAVE_AS or PAGE_URL names it, as {category} does), or "
                "a changed setting, is the likely cause: put the old name back "
                "to keep their flattrs"
            )
        merged = _merged_into(old_rest, new_rest)
        if merged is not None:
            # /python/*/, /rust/*/ and /go/*/ to /misc/*/: categories merged
            # in the articles' metadata move them as surely as a setting.
            return (
                f"one part of their URLs, which differed ({_VARIES}), is "
                f"{merged!r} for all now: categories (or authors, or tags) merged "
                "into one in the articles' metadata, where ARTICLE_URL, "
                "ARTICLE_SAVE_AS or PAGE_URL names it (as {category} does), or a "
                "changed setting, is the likely cause: put the old names or the "
                "setting back to keep their flattrs"
            )
        word = _word_after_slug(new_rest)
        if word is not None and word != _word_after_slug(old_rest):
            # /fr/#/*/ to /*-fr.html: French articles the main site
            # publishes now, as translations (fr taken out of I18N_SUBSITES).
            return (
                f"their slugs have {word!r} after them now, as Pelican's "
                "ARTICLE_LANG_URL and PAGE_LANG_URL ({slug}-{lang}.html) give "
                "an article in another language than the site's: a language "
                "taken out of I18N_SUBSITES, a changed DEFAULT_LANG, or a "
                "changed ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting (or "
                "their LANG_ twins) is the likely cause: put it back to keep "
                "their flattrs"
            )
        found = _old_siteurl(old_shape, new_shape, siteurl, old_urls)
        if found is None:
            return (
                "a changed ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting (or "
                "their LANG_ twins, or SITEURL's path) is the likely cause: put "
                "it back to keep their flattrs"
            )
        if not siteurl.rstrip("/").startswith(f"{found}/"):
            # A folder fewer before every path: SITEURL's path dropped, or
            # the folder a URL setting gave them (posts/{slug}.html to
            # {slug}.html), which the shapes cannot tell apart. The old
            # SITEURL is known all the same, for the first.
            return (
                "a changed ARTICLE_URL, ARTICLE_SAVE_AS or PAGE_URL setting (or "
                "their LANG_ twins), or a changed path of SITEURL (or "
                f"FLATTR_SITEURL), {found} then, is the likely cause: put the "
                "setting back, or, if SITEURL's path changed, set FLATTR_SITEURL "
                f"= {found!r}, to keep their flattrs"
            )
        # A folder more, and SITEURL holds it: with the old SITEURL's, every
        # old URL would have had it. SITEURL's path changed, surely.
        old_site = found
    return (
        "a changed SITEURL (or FLATTR_SITEURL) is the likely cause: set "
        f"FLATTR_SITEURL = {old_site!r} to keep every thing URL"
    )


def _word_after_slug(rest: str) -> str | None:
    """The word ``_shape`` found joined after the slug in the shape
    ``rest`` (``-fr`` of ``/*-fr.html``), None when it has none."""
    for part in rest.split("/"):
        stem = _stem(part)
        if stem.startswith("*-"):
            return stem[1:]
    return None


def _renamed_part(old_rest: str, new_rest: str) -> tuple[str, str] | None:
    """The one path part, a plain word in both shapes (no slug ``*``, no
    number ``#``), that differs between ``old_rest`` and ``new_rest``,
    as it was and as it is; None when they differ otherwise."""
    differing = _one_part_differing(old_rest, new_rest)
    # A part that differs among them (_VARIES) is no one word renamed: a
    # setting that named {category} names another word for all now.
    if differing is None or any(
        mark in part for part in differing for mark in ("*", "#", _VARIES)
    ):
        return None
    return differing


def _merged_into(old_rest: str, new_rest: str) -> str | None:
    """The word that the one path part which differed among the changed
    URLs (``_VARIES`` in ``old_rest``) is in all of them now
    (``new_rest``), where it is the only part that differs; else None."""
    differing = _one_part_differing(old_rest, new_rest)
    if differing is not None and differing[0] == _VARIES and _is_word(differing[1]):
        return differing[1]
    return None


def _one_part_differing(old_rest: str, new_rest: str) -> tuple[str, str] | None:
    """The one path part in which the shapes ``old_rest`` and ``new_rest``
    differ, as it was and as it is; None when they differ in more, or in
    their number of parts."""
    old_parts, new_parts = old_rest.split("/"), new_rest.split("/")
    if len(old_parts) != len(new_parts):
        return None
    differing = [
        (old, new) for old, new in zip(old_parts, new_parts, strict=True) if old != new
    ]
    return differing[0] if len(differing) == 1 else None


def _old_siteurl(
    old_shape: str, new_shape: str, siteurl: str, old_urls: Iterable[str]
) -> str | None:
    """The old SITEURL, when the changed URLs' shapes differ in the base
    and in the path SITEURL gave them (``https://example.org/*.html`` to
    ``https://new.example.net/blog/*.html``, ``siteurl`` the new one):
    ``old_shape`` up to where ``new_shape`` goes on past ``siteurl``, and
    only when every one of ``old_urls`` starts with it, which the shape of
    the most alike alone does not tell. None otherwise."""
    site = siteurl.rstrip("/")
    if not new_shape.startswith(f"{site}/"):
        return None
    rest = new_shape[len(site) :]
    if not old_shape.endswith(rest):
        return None
    old_site = old_shape[: -len(rest)]
    if "*" in old_site or "#" in old_site:  # a slug or number: no site's
        return None
    prefix = f"{old_site}/"
    return old_site if all(url.startswith(prefix) for url in old_urls) else None


def _reused_summary(count: int, baseline: Path, where: str = "above") -> str | None:
    """The summary of ``count`` released URLs reused under other owners,
    when some went unsaid, which says where the ones said stand
    (``where``); None otherwise."""
    if count <= SAID_OF_EACH_KIND:
        return None
    return (
        f"{count} thing URLs of this build were released earlier under other "
        f"owners: the first {SAID_OF_EACH_KIND} are said {where}, each with its "
        "fix, the others once those are fixed; each is an entry of "
        f'{baseline} marked "released" whose URL a thing of this build has'
    )


@dataclass(frozen=True)
class Move:
    """A thing URL that passed from a source gone from the new manifest to
    a source new to it: a file moved or renamed, its flattrs still its own."""

    source: str
    url: str
    to: str


@dataclass(frozen=True)
class OwnerChange:
    """Same thing URL, different owner in the new build."""

    url: str
    source: str
    old_owner: str
    new_owner: str
    # Who the owners are, where the build knows it, named beside them: the
    # author whose FLATTR_AUTHORS entry gives the new owner, and the keys
    # that give the old one (the baseline keeps no author's name).
    old_names: tuple[str, ...] = ()
    new_names: tuple[str, ...] = ()
    # What gave the new owner where no author's entry did: a setting
    # (``FLATTR_USERNAME``, ``DEFAULT_METADATA['flattr_owner']``), or the
    # source's own field (``OWN_OWNER_FIELD``).
    new_from: str | None = None


# ``OwnerChange.new_from`` of a source whose own field gave the new owner.
OWN_OWNER_FIELD = "Flattr_owner:"


# How many sources an owner change names: one author's whole mapping can
# change, and the warning stays one line on a site of 20,000 articles.
_NAMED_SOURCES = 3


# How many owner changes (pairs of an old and a new owner) the build says
# one by one, each with its fix. Moving many authors at once off the
# FLATTR_USERNAME fallback, or to partner identifiers, is a routine edit
# of a community site: 300 authors gave 300 warnings of 17 lines, which
# buried the rest of the log. The rest are counted in one line.
OWNER_CHANGES_SAID = 5


def owner_change_warnings(
    changes: Iterable[OwnerChange],
    *,
    baseline_kept: bool = False,
    listing: str = "pelican-flattr diff OLD_MANIFEST NEW_MANIFEST",
    store: str | os.PathLike[str] | None = None,
) -> list[str]:
    """One warning for each owner that changed to another (``old_owner`` to
    ``new_owner``), however many things it concerns: the things and their
    consequence at Flattr, and the fix, as one line; beyond
    ``OWNER_CHANGES_SAID`` of them, one line that counts the rest and
    names the command that lists them all (``listing``). Said in the order
    of the old and then the new owner, whatever the order of ``changes``
    (the baseline's, by URL), and each one's sources by name: the same
    changes, the same log.

    Flattr keys a thing on its URL and creates it on its first flattr with
    the owner that auto-submit names then; its documentation gives no way to
    change that owner later. So a thing already flattred keeps its old
    owner, whom its flattrs go on to, while the site names the new one.
    Owners are shown as the baseline holds them (an email owner as its
    hash); any address a source's path holds is hidden. ``baseline_kept``:
    the build fails (strict) and keeps the old baseline, so each warning
    comes back until a build passes. ``store``: the site's ``FLATTR_STORE``,
    which the command that claims an identifier's flattrs names.
    """
    from .identifiers import redact_encoded_addresses

    groups: dict[tuple[str, str], list[OwnerChange]] = {}
    for change in changes:
        groups.setdefault((change.old_owner, change.new_owner), []).append(change)
    # Past the first mention the owners are "the old owner" and "the new
    # one": an email owner's hash, said six times, buried the message; the
    # old one's is said in full once, in the command that claims it.
    once = (
        "said again until a build passes: a failed build keeps the old baseline"
        if baseline_kept
        else "said once: the baseline takes the new owner"
    )
    warnings = []
    ordered = sorted(groups.items())
    for (old, new), group in ordered[:OWNER_CHANGES_SAID]:
        group.sort(key=lambda change: (change.source, change.url))
        was = _named(old, [name for c in group for name in c.old_names], short=True)
        now = _named(new, [name for c in group for name in c.new_names], _givers(group))
        if len(group) == 1:
            what = (
                f"{group[0].source}: its thing {group[0].url} changed owner from "
                f"{was} to {now}"
            )
            them = "it"
        else:
            named = listed([change.source for change in group], _NAMED_SOURCES)
            what = f"{len(group)} things ({named}) changed owner from {was} to {now}"
            them = "them"
        kept = old_owner_keeps(old, verify_command(old, store))
        fix = owner_change_fix(old, kept, them)
        warnings.append(
            redact_encoded_addresses(
                f"{what}, but Flattr keys a thing on its URL and keeps the owner "
                "it was created with (by its first flattr): a thing already "
                "flattred stays the old owner's, and its flattrs go on to it "
                "while this build's pages and manifest name the new one (one not "
                f"flattred yet is created for the new one). Fix: {fix}; Flattr "
                "documents no way to give an existing thing another owner "
                f"({once})"
            )
        )
    rest = ordered[OWNER_CHANGES_SAID:]
    if rest:
        things = sum(len(group) for _, group in rest)
        # Each pair, up to _OWNER_PAIRS_SAID: said once, then the baseline
        # takes the new owners, and a pair left out was named nowhere (the
        # listing command needs the old manifest, which
        # DELETE_OUTPUT_DIRECTORY may have taken). As many as the site's
        # authors, not its things.
        shown = listed([f"{old} to {new}" for (old, new), _ in rest], _OWNER_PAIRS_SAID)
        warnings.append(
            redact_encoded_addresses(
                f"and {len(rest)} more owner changes, of {things} things "
                f"({shown}), each as those above: a thing already "
                "flattred keeps its old owner; the same fix applies. "
                f"{listing} lists them all ({once})"
            )
        )
    return warnings


# The most owner changes past the first ones the build's last warning
# names; more (a site that remapped hundreds of authors at once) are
# counted, and the listing command lists them.
_OWNER_PAIRS_SAID = 200


def owner_change_fix(old: str, kept: str, them: str = "it") -> str:
    """The fix of an owner change from ``old`` (of ``them``, its things),
    as the build's warning and ``pelican-flattr diff`` give it; ``kept``:
    where the old owner's flattrs go (``old_owner_keeps``)."""
    from .identifiers import NO_ACCOUNTS_ID, unpublished_twitter_id

    refused = unpublished_twitter_id(old)
    if refused is not None:
        # An earlier version published it; this one refuses it: giving it
        # back is no fix the build takes; nor is a claim, where no account
        # can hold it.
        if refused.startswith(NO_ACCOUNTS_ID):
            return (
                f"the old owner is one this version no longer publishes "
                f"({refused}): no Flattr account can claim the flattrs of the "
                "things Flattr created for it"
            )
        return (
            f"the old owner is one this version no longer publishes ({refused}), "
            f"so {kept}"
        )
    return (
        f"if the change is a mistake, give {them} the old owner back "
        f"(FLATTR_AUTHORS, or 'Flattr_owner:'); if not, {kept}"
    )


def old_owner_keeps(old: str, claim: str) -> str:
    """Where the flattrs of the things Flattr created for the ``old`` owner
    go, as the fix of an owner change says it: to its Flattr account, or,
    for an identifier, to whoever holds it, by the command ``claim``
    (``verify_command``)."""
    if ":" in old:  # an identifier: a username holds no ':'
        return (
            "whoever holds the old owner's identifier claims the flattrs of "
            "the things Flattr created by verifying it for their Flattr "
            f"account ({claim})"
        )
    return (
        f"the flattrs of the things Flattr created stay with the Flattr account {old}"
    )


# How many characters of an email owner's hash name it where the command
# beside it gives it whole: enough to tell two owners apart.
_HASH_SHOWN = 8


def _named(
    owner: str,
    names: Iterable[str],
    givers: list[str] | None = None,
    short: bool = False,
) -> str:
    """``owner`` as an owner change names it: after the ``names`` of its
    authors, quoted and without an address, when the build knows any; with
    other ``givers`` (``_givers``), before them all; with ``short``, an
    email owner's hash cut (the command that claims it gives it whole)."""
    from .settings import shown_author

    shown = owner
    if short and owner.startswith("email:") and len(owner) > 6 + _HASH_SHOWN:
        shown = f"{owner[: 6 + _HASH_SHOWN]}…"
    authors = listed(sorted({shown_author(name) for name in names}), _NAMED_SOURCES)
    if givers:
        return f"{shown} ({listed([authors, *givers] if authors else givers)})"
    return f"{authors} ({shown})" if authors else shown


def _givers(group: list[OwnerChange]) -> list[str]:
    """What gave the new owner of the changes of ``group`` where no
    author's entry did (``new_from``): each setting, and the sources whose
    own field did, together."""
    givers = sorted(
        {c.new_from for c in group if c.new_from not in (None, OWN_OWNER_FIELD)}
    )
    own = [c.source for c in group if c.new_from == OWN_OWNER_FIELD]
    if own:
        givers.append(f"{OWN_OWNER_FIELD} in {listed(own, _NAMED_SOURCES)}")
    return givers


@dataclass(frozen=True)
class ManifestDiff:
    """What changed between an old and a new manifest."""

    url_changes: tuple[UrlChange, ...] = ()
    owner_changes: tuple[OwnerChange, ...] = ()
    added: tuple[Entry, ...] = ()
    moves: tuple[Move, ...] = ()

    @property
    def orphans_flattrs(self) -> bool:
        """True when some old thing URL would lose its flattrs, or pass them
        to another source."""
        return bool(self.url_changes)


def _owner(entry: Entry) -> str:
    owner = entry.get("owner") or ""
    # A manifest holds {"kind", "value"}; the baseline only the value.
    return str(owner.get("value", "")) if isinstance(owner, Mapping) else str(owner)


def _by_source(entry: Entry) -> tuple[str, str]:
    return entry["source"], entry["url"]


def unknown(source: str, taken_by: str | None = None) -> bool:
    """``source_exists`` where the content folder is not known: every
    source without a thing is taken for gone."""
    return False


def in_folder(folder: str) -> Callable[[str, str | None], bool]:
    """``source_exists`` for ``url_changes``: whether a source file is in
    the content folder ``folder``, other than as the file of ``taken_by``
    (the source that has its old URL now, if any)."""
    return functools.partial(_exists_in, folder)


def _exists_in(folder: str, source: str, taken_by: str | None = None) -> bool:
    # A content file: an old manifest edited to name ".", "pages" or
    # "/etc/passwd" named no file of the site still there, and diff left
    # its URL out of --gone-urls. Not one inside the folder alone: Pelican
    # names a file of ARTICLE_PATHS' "../shared" so.
    if os.path.isabs(source):
        return False
    name = file_name_in(folder, source)
    if name is None:
        return False
    if taken_by is None:
        return True
    # On macOS and Windows the old name of a rename that changed only case
    # or Unicode normalization (a.md to A.md) opens the renamed file: that
    # is a move, as on Linux. Asked of the few sources whose URL changed.
    taker = file_name_in(folder, taken_by)
    try:
        return taker is None or not os.path.samefile(
            os.path.join(folder, name), os.path.join(folder, taker)
        )
    except OSError:  # the taker is no file here (another site's)
        return True


def file_name_in(folder: str, source: str) -> str | None:
    """The name, relative to the folder ``folder``, of the file that
    ``source`` names as a manifest records it (``manifest.portable_path``):
    ``source`` where that is a file, else the name its ``\\xNN`` escapes
    stand for, as Python names the file (``caf\\xe9.md``, whose byte is no
    UTF-8); None where neither is a file.

    Joined as it reads, such a source named no file, and ``pelican-flattr
    diff`` said it had disappeared.
    """
    if os.path.isfile(os.path.join(folder, source)):
        return source
    if "\\x" not in source:
        return None
    # Imported here: this module loads with diff_command, at the command's
    # start, and the manifest's module with resolve and settings.
    from .manifest import portable_path_bytes

    try:
        name = os.fsdecode(portable_path_bytes(source))
    except UnicodeDecodeError:  # Windows, whose names are all Unicode
        return None
    return name if os.path.isfile(os.path.join(folder, name)) else None


def url_changes(
    old: Iterable[Entry],
    new_source_by_url: Mapping[str, str],
    new_url_by_source: Mapping[str, str],
    source_exists: Callable[[str, str | None], bool] = unknown,
    old_sources: Collection[str] | None = None,
    new_owner_by_url: Mapping[str, str] | None = None,
) -> list[UrlChange]:
    """The old things whose URL is no longer their source's in the new build,
    by source: each with the new URL of its source (None when it has no
    thing) and the source that has the old URL now (None when none has),
    and, when that source has it with another owner (``new_owner_by_url``),
    the old entry's owner (``kept_owner``).

    ``source_exists`` says whether a source without a thing in the new
    build is still in the content folder, given the source that has its
    old URL now (``in_folder``); by default none is.

    ``old`` must hold every old entry of a source that has another URL now
    (the guard passes only the entries whose URL is not their source's);
    ``old_sources``, every source of the old build, when ``old`` does not
    (by default, the sources of ``old``).
    """
    return _compare_urls(
        old,
        new_source_by_url,
        new_url_by_source,
        source_exists,
        old_sources,
        new_owner_by_url,
    )[0]


def unresolved_changes(
    changes: Iterable[UrlChange],
    accepted: Collection[str],
    pages: bool,
    page_sources: Callable[[], Collection[str]],
    contents_of: ContentsOf | None = None,
) -> list[UrlChange]:
    """``changes`` but those whose old URL FLATTR_ACCEPT_URL_CHANGES
    (``accepted``) lets go, each source still in the content folder that is
    a page marked ``pages_off`` when FLATTR_PAGES (``pages``) is off, and
    each whose content opts out marked with its no-word and the setting
    that gives it (``opt_out_of``): the build says neither anywhere else.

    The one rule of the build's guard and of ``pelican-flattr diff
    --settings``. ``page_sources`` gives the source file of every page (the
    build's generators know them; the command asks Pelican,
    ``diff_command.pages_in``); ``contents_of`` reads the sources it is
    given (``ContentsOf``; None: no opt-out is known). Both are asked only
    when a source without a thing is still there.
    """
    changes = [change for change in changes if change.old_url not in accepted]
    there = {change.source for change in changes if change.still_there}
    if not there:
        return changes
    pages_off = set() if pages else there.intersection(page_sources())
    out = {} if contents_of is None else _opted_out(contents_of, there)
    marked = []
    for change in changes:
        if change.still_there:
            word, by = out.get(change.source, (None, None))
            change = dataclasses.replace(
                change,
                pages_off=change.source in pages_off,
                opted_out=word,
                opted_out_by=by,
            )
        marked.append(change)
    return marked


def near_misses(
    changes: Iterable[UrlChange], accepted: Collection[str]
) -> list[tuple[str, UrlChange]]:
    """Each entry of FLATTR_ACCEPT_URL_CHANGES (``accepted``) that names
    the old URL of one of ``changes`` (those it left unresolved) but for
    what a URL copied from elsewhere differs in (``_loosely``: its scheme,
    a "www.", the host's capitals, a trailing "/" or "index.html"), with
    that change; one per change. Entries match exactly: such an entry lets
    nothing go, and the build warned of the change on every build without
    a word of why."""
    by_loose: dict[tuple[str, str, str] | None, UrlChange] = {}
    for change in changes:
        by_loose.setdefault(_loosely(change.old_url), change)
    by_loose.pop(None, None)
    found: dict[str, tuple[str, UrlChange]] = {}
    for entry in sorted(accepted):
        change = by_loose.get(_loosely(entry))
        if change is not None:
            found.setdefault(change.old_url, (entry, change))
    return sorted(found.values(), key=lambda pair: pair[1].old_url)


def _loosely(url: str) -> tuple[str, str, str] | None:
    """``url`` without what two copies of one address may differ in, as
    ``near_misses`` compares them; None for one urlsplit cannot read (an
    entry written "https://[host/..."), which matches nothing."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return None
    path = parts.path.removesuffix("index.html").removesuffix("/")
    return comparable_host(host), path, parts.query


def near_miss_warnings(pairs: list[tuple[str, UrlChange]]) -> list[str]:
    """The warnings for the entries of FLATTR_ACCEPT_URL_CHANGES that name
    a change's old URL loosely (``near_misses``): one each for the first
    ``SAID_OF_EACH_KIND``, then one line that counts the rest, as the
    guard says the changes themselves."""
    said = [
        f"FLATTR_ACCEPT_URL_CHANGES holds {shown_value(entry, 1000)}, which is not "
        f"{change.source}'s old URL, {shown_value(change.old_url, 1000)}, a change "
        "this build warns of: entries match a thing URL exactly (but for "
        "percent-encoding), so it lets nothing go; write the old URL as it is"
        for entry, change in pairs[:SAID_OF_EACH_KIND]
    ]
    rest = len(pairs) - SAID_OF_EACH_KIND
    if rest > 0:
        said.append(
            f"and {rest} more entries of FLATTR_ACCEPT_URL_CHANGES name the old "
            "URL of a change loosely, as those above, and let nothing go: write "
            "each old URL as pelican-flattr diff --old-urls prints it"
        )
    return said


def live_accepted(
    accepted: Collection[str], source_by_url: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The URLs of FLATTR_ACCEPT_URL_CHANGES (``accepted``) that are thing
    URLs of a build (``source_by_url``), with their sources, sorted."""
    return sorted((url, source_by_url[url]) for url in accepted if url in source_by_url)


def accepted_live_warning(
    accepted: Collection[str],
    source_by_url: Mapping[str, str],
    in_diff: bool = False,
    held: bool = False,
) -> str | None:
    """The warning for the URLs of FLATTR_ACCEPT_URL_CHANGES (``accepted``)
    that are thing URLs of this build (``source_by_url``), or None;
    ``in_diff``: said by ``diff`` of the new manifest's things; ``held``:
    things whose move from another site of the run that site reports, kept
    out of the baseline until it is resolved.

    An accepted URL is let go whatever changes it later: the baseline keeps
    it as the thing's that has it now (one taken over, or back after an
    opt-out, a draft or a deletion), and a later change of that thing would
    go unreported, even under FLATTR_STRICT.
    """
    live = live_accepted(accepted, source_by_url)
    if not live:
        return None
    named = listed([f"{url} ({source}'s)" for url, source in live], _NAMED_SOURCES)
    if len(live) == 1:
        what, it, now, its, goes = (
            "a thing URL",
            "it",
            "the thing's it is now",
            "a later change of that thing",
            "goes",
        )
    else:
        what, it, now, its, goes = (
            f"{len(live)} thing URLs",
            "them",
            "the things' they are now",
            "later changes of those things",
            "go",
        )
    whose, once = (
        ("the new manifest", f"once a build has passed with {it}")
        if in_diff
        else (
            "this build",
            f"once a build has passed with {it} (this one, unless it fails)",
        )
    )
    if held:
        once = (
            "once the change another site of this build reports for "
            f"{'it' if len(live) == 1 else 'each'} (above) is resolved"
        )
    return (
        f"FLATTR_ACCEPT_URL_CHANGES holds {what} of {whose}: {named}; {once}, "
        f"the baseline keeps {it} as {now}: remove {it} from "
        f"FLATTR_ACCEPT_URL_CHANGES, or {its} {goes} unreported"
    )


def _opted_out(contents_of: ContentsOf, sources: Collection[str]) -> dict[str, OptOut]:
    """Those of ``sources`` whose content says 'Flattr: no', pages and
    drafts included, each with how (``opt_out_of``): the build says nothing
    of an opt-out, and a draft published would still have no thing. A
    skipped source is left out: Pelican keeps none of its metadata
    (``is_skipped``), and the next build tells an opt-out once it is not."""
    return {
        source: opt_out
        for source, content in contents_of(sources)
        if not is_skipped(content)
        and (opt_out := opt_out_of(content, source)) is not None
    }


def opt_out_word(metadata: Mapping[str, Any]) -> str | None:
    """The word by which ``metadata`` opts out ('no', 'off', 'false'), as
    written, that the fix quotes it; None when it does not opt out."""
    from .resolve import opts_out
    from .settings import OPT_OUT

    if not opts_out(metadata):
        return None
    value = metadata[OPT_OUT]
    # DEFAULT_METADATA may hold False itself: no word written anywhere.
    return value.strip() if isinstance(value, str) else "no"


def opt_out_of(content: Any, source: str) -> OptOut | None:
    """How ``content`` (of the file ``source``) opts out: the word
    (``opt_out_word``), and the setting that gives it, or None for its
    file's own line (``resolve.given_by_setting``); None when it does not."""
    from .resolve import given_by_setting
    from .settings import OPT_OUT

    word = opt_out_word(content.metadata)
    if word is None:
        return None
    return word, given_by_setting(content, OPT_OUT, source)


def _compare_urls(
    old: Iterable[Entry],
    new_source_by_url: Mapping[str, str],
    new_url_by_source: Mapping[str, str],
    source_exists: Callable[[str, str | None], bool],
    old_sources: Collection[str] | None = None,
    new_owner_by_url: Mapping[str, str] | None = None,
) -> tuple[list[UrlChange], list[Move]]:
    """``url_changes``'s changes, and the moves, which are none.

    A source that is gone while a source new to this build has its URL was
    moved or renamed (``a.md`` to ``2019/a.md``): its URL, and its flattrs,
    stay with the same article, so that is no change; unless the new source
    has another owner (``new_owner_by_url``): Flattr keeps the thing at the
    URL with the old one, so the new source's flattrs go to it, whether it
    is the same article or a new one that reuses a deleted one's slug, as
    for a URL let go and reused (``url_baseline.released``). A source that
    is still there under another URL while another source has its old one is a
    change; so is one still in the content folder without a thing (a new
    article pinned its URL while it is a draft or opted out: a move leaves
    no file behind), and one that is gone while a source of the old build
    has its URL: each way the flattrs of the old URL would go to another
    article.
    """
    old = sorted(old, key=_by_source)
    if old_sources is None:
        old_sources = {entry["source"] for entry in old}
    changes, moves = [], []
    for entry in old:
        source, url = entry["source"], entry["url"]
        taken_by = new_source_by_url.get(url)
        if taken_by == source:
            continue
        new_url = new_url_by_source.get(source)
        # Asked only of the few sources without a thing: a file system call.
        still_there = new_url is None and source_exists(source, taken_by)
        gone = new_url is None and not still_there
        kept_owner = new_owner = None
        if taken_by is not None and new_owner_by_url is not None:
            owner, now = _owner(entry), new_owner_by_url.get(url)
            # An entry without an owner (hand-written) tells none apart.
            if owner and now is not None and now != owner:
                kept_owner, new_owner = owner, now
        if (
            gone
            and taken_by is not None
            and taken_by not in old_sources
            and kept_owner is None
        ):
            moves.append(Move(source, url, taken_by))  # moved or renamed
            continue
        changes.append(
            UrlChange(
                source,
                url,
                new_url,
                taken_by,
                still_there,
                kept_owner=kept_owner,
                new_owner=new_owner,
            )
        )
    return _with_urls_taken_from(changes), moves


def _with_urls_taken_from(changes: list[UrlChange]) -> list[UrlChange]:
    """``changes``, each whose new URL another source of them had, and
    lost to it, told so (``took_from``)."""
    losers = {
        (change.taken_by, change.old_url): change.source
        for change in changes
        if change.taken_by is not None
    }
    if not losers:
        return changes
    return [
        dataclasses.replace(change, took_from=losers[key])
        if (key := (change.source, change.new_url)) in losers
        else change
        for change in changes
    ]


def compare_manifests(
    old: Iterable[Entry],
    new: Iterable[Entry],
    source_exists: Callable[[str, str | None], bool] = unknown,
) -> ManifestDiff:
    """Compare two manifests' ``things`` lists (``source_exists``: as for
    ``url_changes``)."""
    old = sorted(old, key=_by_source)
    new = list(new)
    new_by_url = {entry["url"]: entry for entry in new}
    changes, moves = _compare_urls(
        old,
        {entry["url"]: entry["source"] for entry in new},
        {entry["source"]: entry["url"] for entry in new},
        source_exists,
        new_owner_by_url={entry["url"]: _owner(entry) for entry in new},
    )
    # As the build says it: a URL another source took is that change (with
    # the owner Flattr keeps, ``kept_owner``), and no owner change besides.
    taken = {change.old_url for change in changes if change.taken_by is not None}
    owner_changes = []
    for entry in old:
        now = new_by_url.get(entry["url"])
        if (
            now is not None
            # A baseline entry may hold no owner (an earlier version kept
            # none): nothing to compare, as the build's guard does.
            and _owner(entry)
            and _owner(now) != _owner(entry)
            and entry["url"] not in taken
        ):
            owner_changes.append(
                OwnerChange(entry["url"], now["source"], _owner(entry), _owner(now))
            )
    old_urls = {entry["url"] for entry in old}
    changed_sources = {change.source for change in changes if change.new_url}
    added = tuple(
        entry
        for entry in sorted(new, key=lambda e: e["url"])
        if entry["url"] not in old_urls and entry["source"] not in changed_sources
    )
    return ManifestDiff(tuple(changes), tuple(owner_changes), added, tuple(moves))
