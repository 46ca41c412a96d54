"""What an audit reads from the settings file a site was built with
(``pelican-flattr audit --settings``): the site's public URLs, to compare
the manifest's with; the manifest FLATTR_MANIFEST names; the store's file
names; and the owners' plain email addresses, which no file may publish.
Each language's site of ``I18N_SUBSITES`` is read as well as the site's.
``audit_settings`` gathers them all in one ``AuditSettings``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .identifiers import (
    IdentifierError,
    address_written_in,
    parse_owner,
    parse_owner_setting,
)
from .manifest import ManifestError
from .settings import (
    MANIFEST_NAME,
    SettingsFileError,
    closest_name,
    has_plugin,
    named_sites,
    path_setting,
    resolved_climb,
)
from .thing import check_thing_url, is_development_url, with_scheme


@dataclass(frozen=True)
class AuditSettings:
    """What the settings file given with ``--settings`` tells the audit,
    as ``audit_settings`` reads it (an audit without one is given None)."""

    # Lower-cased plain email addresses of owners -> whose they are, as the
    # report names them (see plain_addresses_from_settings).
    plain_addresses: Mapping[str, str]
    # The site's base URLs and what names the first, None when the site's
    # is no public URL, which is then not compared (see site_from_settings).
    site: tuple[tuple[str, ...], str] | None
    # The file names of the operator's store (see stores_from_settings).
    stores: frozenset[str]
    # The paths the languages' sites name their manifests by in their
    # folders (see language_manifests_from_settings).
    language_manifests: tuple[str, ...]
    # The manifest FLATTR_MANIFEST names, as the build names it (see
    # manifest_from_settings); None when unset, or not read: --manifest
    # given names the manifest.
    manifest: Path | None
    # The languages' sites i18n_subsites builds, and where; None when the
    # settings use no i18n_subsites (see languages_from_settings).
    languages: SiteLanguages | None
    # The owners FLATTR_USERNAME gives the site's thing, as auto-submit
    # parameters (see site_owners_from_settings).
    site_owners: frozenset[tuple[str, str]]
    # The site's own SITEURL, as written, and what names it ("SITEURL of
    # publishconf.py"), when it is a public site's; None otherwise (see
    # published_siteurl). A manifest whose things are at a local address
    # contradicts it (see local_thing_urls).
    published: tuple[str, str] | None


def audit_settings(
    settings: Mapping[str, Any], path: str | Path, output: Path, *, manifest_given: bool
) -> AuditSettings:
    """What ``settings``, read from the settings file at ``path``, tell the
    audit of ``output``; FLATTR_MANIFEST unread when ``manifest_given``
    (--manifest names the manifest).

    Raises SettingsFileError, naming the file and setting, for a setting
    that cannot be read: the first of them, in the order read here.
    """
    plain_addresses = plain_addresses_from_settings(settings, path)
    site = site_from_settings(settings, path)
    stores = stores_from_settings(settings, path)
    language_manifests = language_manifests_from_settings(settings, path)
    manifest = (
        None if manifest_given else manifest_from_settings(settings, path, output)
    )
    return AuditSettings(
        plain_addresses=plain_addresses,
        site=site,
        stores=frozenset(stores),
        language_manifests=tuple(language_manifests),
        # Named as the build names it: "output/../private/m.json" is where
        # it lies.
        manifest=manifest and resolved_climb(manifest),
        languages=languages_from_settings(settings, path),
        site_owners=site_owners_from_settings(settings),
        published=published_siteurl(settings, path),
    )


def check_manifest_site(
    path: Path, recorded: str, siteurls: tuple[str, ...], named: str
) -> None:
    """ManifestError when the manifest at ``path`` records another site
    than those of ``siteurls``: each of its pages, feed entries and buttons
    would be reported, and none would say why."""
    if _is_one_of(recorded, siteurls):
        return
    raise ManifestError(
        f"{path}: is the manifest of {recorded.rstrip('/')}, but {named} is "
        f"{siteurls[0]}: the manifest of another site, or a site built with "
        "other settings? Audit with the settings file the site was built with, "
        "or its own manifest"
    )


def _is_one_of(recorded: str, siteurls: Iterable[str]) -> bool:
    """Whether the site URL a manifest records is one of ``siteurls`` (each
    without its last "/"): one of them, or below one, as a language's site
    of i18n_subsites lies under the site's URL, or at one of its own."""
    recorded = recorded.rstrip("/")
    return any(
        url and (recorded == url or recorded.startswith(url + "/")) for url in siteurls
    )


def site_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> tuple[tuple[str, ...], str] | None:
    """The base URLs the settings file at ``path`` gives its things (the
    site's first, then those of its languages' sites in ``I18N_SUBSITES``),
    and what names the first, for the audit: None when the site's is not
    the public one (a relative or development SITEURL, as a pelicanconf.py
    for ``pelican --listen`` has it), which the audit then does not compare.
    """
    urls = [_public_siteurl(each) for each in _sites(settings)]
    if urls[0] is None:
        return None
    return tuple(
        url for url in urls if url is not None
    ), f"{_source(settings)} of {path}"


def siteurl_not_compared(
    settings: Mapping[str, Any], path: str | Path, recorded: str
) -> str | None:
    """What to tell the operator when the settings file at ``path`` gives
    no public URL to compare the manifest's (``recorded``) with, as
    ``site_from_settings`` found; None when it gives one, or when the
    manifest's is one of the URLs it gives (a site built with those
    settings, or a language's site of it).

    A pelicanconf.py for ``pelican --listen`` beside a publishconf.py is the
    usual case: its FLATTR_AUTHORS serve the address check, but a manifest
    copied from another site would pass unseen, so the audit says so.
    """
    if _public_siteurl(settings) is not None or _is_one_of(
        recorded, map(_siteurl, _sites(settings))
    ):
        return None
    source = _source(settings)
    return (
        f"The manifest's site, {recorded.rstrip('/')}, was not compared with "
        f"{source} of {path}: that is {str(settings.get(source) or '')!r}, not a "
        "public site's URL. To compare them, audit with the settings file the "
        "site was published with (for a site made by pelican-quickstart, "
        "publishconf.py)"
    )


def published_siteurl(
    settings: Mapping[str, Any], path: str | Path
) -> tuple[str, str] | None:
    """The site's own ``SITEURL`` in ``settings`` (read from the settings
    file at ``path``), without its last "/", and what names it, when it is
    a public site's (a protocol-relative one too): the site is published
    there, whatever ``FLATTR_SITEURL`` says. None otherwise."""
    own = str(settings.get("SITEURL") or "").rstrip("/")
    if _public_siteurl({"SITEURL": with_scheme(own)}) is None:
        return None
    return own, f"SITEURL of {path}"


def local_thing_urls(published: tuple[str, str] | None, recorded: str) -> str | None:
    """The problem of a manifest whose things are at a local address
    (``recorded``, a development build's) while the site is ``published``
    at a public ``SITEURL`` (see ``published_siteurl``): a
    ``FLATTR_SITEURL`` of ``pelican --listen`` carried into the publish
    build, whose buttons name a URL no reader can reach (a build now
    refuses it; an earlier version built them). None otherwise."""
    if published is None or not is_development_url(recorded):
        return None
    own, named = published
    return (
        f"its things are at {recorded.rstrip('/')}, a local address, but "
        f"{named} is {own!r}, a public one: every button, payment link and "
        "og:url of this output names a URL that no reader, and not Flattr, "
        "can reach"
    )


def plugin_not_listed(settings: Mapping[str, Any], path: str | Path) -> str | None:
    """What to tell the operator when ``PLUGINS`` in the settings file at
    ``path`` does not list this plugin (a misspelt ``"pelican-flattr"``):
    a build with it ran without the plugin, and the problems the audit
    finds against the manifest an earlier build left (no button, no Open
    Graph tags) advise the theme where the cause is the setting. None
    when it lists it, or sets no ``PLUGINS`` (Pelican then loads what is
    installed, which the audit cannot know)."""
    plugins = settings.get("PLUGINS")
    if not isinstance(plugins, (list, tuple)) or has_plugin(plugins, "pelican_flattr"):
        return None
    names = {str(p).lower(): str(p) for p in plugins if isinstance(p, str)}
    meant = closest_name("pelican_flattr", names)
    # A site's own plugin may load it (README): said as a condition then.
    runs = (
        f" (it lists {meant!r}: write 'pelican_flattr'): a build with these "
        "settings runs without the plugin"
        if meant
        else ": unless a plugin it lists loads it (pelican_flattr.register()), "
        "a build with these settings runs without it"
    )
    return (
        f"PLUGINS in {path} does not list pelican_flattr{runs}, and its pages "
        "lack what the manifest of an earlier build expects (the button, the "
        "payment link, Open Graph tags): add 'pelican_flattr' to PLUGINS before "
        "mending the theme"
    )


def _sites(settings: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The settings of the site, then of each of its languages' sites in
    ``I18N_SUBSITES`` (i18n_subsites)."""
    return [each for _, each in named_sites(settings)]


def _source(settings: Mapping[str, Any]) -> str:
    """The setting that gives the site's URL."""
    return "FLATTR_SITEURL" if settings.get("FLATTR_SITEURL") else "SITEURL"


def _siteurl(settings: Mapping[str, Any]) -> str:
    """``FLATTR_SITEURL``, else ``SITEURL``, of ``settings``, without its
    last "/"; "" when neither is given."""
    return str(settings.get(_source(settings)) or "").rstrip("/")


def _public_siteurl(settings: Mapping[str, Any]) -> str | None:
    """``_siteurl`` of ``settings`` when it is an absolute URL of a public
    site."""
    value = _siteurl(settings)
    if not value or check_thing_url(value + "/") is not None:
        return None
    return None if is_development_url(value) else value


def manifest_from_settings(
    settings: Mapping[str, Any], path: str | Path, output: Path
) -> Path | None:
    """The manifest ``FLATTR_MANIFEST`` of the settings file at ``path``
    names, for the audit of ``output``: a relative path is taken in
    ``output``, as the build takes it in its OUTPUT_PATH. None when unset.
    When ``output`` is named as a language of ``I18N_SUBSITES`` (its folder,
    as i18n_subsites names it) that sets its own, that language's, unless
    it is not there and the site's is (the folder may be the site's, named
    alike). The site's beside the language's is one a build left before
    the language set its own (Pelican deletes no output).

    Raises SettingsFileError, naming the file and setting, for a value that
    is no path.
    """
    value = _path_from_settings(settings, "FLATTR_MANIFEST", path)
    main = output / (MANIFEST_NAME if value is None else value)
    for where, each in named_sites(settings)[1:]:
        if where == f"I18N_SUBSITES[{output.name!r}] ":
            own = _path_from_settings(each, "FLATTR_MANIFEST", path, where)
            if own is not None and (
                os.path.lexists(output / own) or not os.path.lexists(main)
            ):
                return output / own
    return None if value is None else main


class SiteLanguages(NamedTuple):
    """The languages' sites a settings file has i18n_subsites build, as
    ``languages_from_settings`` reads them."""

    # Each language built -> its output folder, relative to the site's
    # OUTPUT_PATH ("de", or "deutsch" where its entry sets OUTPUT_PATH),
    # None when outside it.
    folders: Mapping[str, str | None]
    # The languages of I18N_SUBSITES no site is built of: i18n_subsites is
    # not in PLUGINS.
    without_plugin: frozenset[str]
    # The languages built whose site writes no manifest in its folder: its
    # PLUGINS leave pelican_flattr out, the site's FLATTR_MANIFEST is an
    # absolute path (each language writes its own beside it), or its own
    # FLATTR_MANIFEST climbs out of its folder ("../m.json").
    manifest_elsewhere: frozenset[str] = frozenset()
    # Each language whose own FLATTR_MANIFEST is an absolute path -> that
    # path: outside its folder, as where the audit finds the folder tells.
    absolute_manifests: Mapping[str, str] = {}
    # Each language whose FLATTR_MANIFEST (its own, or the site's) is a
    # relative path that climbs out of its folder -> that path ("../m.json"):
    # it may land in the site's output all the same (output/m.json).
    manifests_climbing_out: Mapping[str, str] = {}


def languages_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> SiteLanguages | None:
    """The languages' sites of ``I18N_SUBSITES`` that i18n_subsites builds
    with the settings file at ``path``, and where; None when the settings
    use no i18n_subsites (neither ``I18N_SUBSITES`` nor the plugin in
    ``PLUGINS``), where nothing tells a language's folder from another
    site's output kept in the output.

    As the build decides it (``build.i18n_subsites``): the setting left
    without the plugin in ``PLUGINS`` builds no language's site. Without
    ``PLUGINS`` Pelican loads every plugin installed where it builds, which
    the audit cannot know: the setting is taken as built.
    """
    subsites = settings.get("I18N_SUBSITES")
    plugins = settings.get("PLUGINS")
    loaded = plugins is None or has_plugin(
        plugins if isinstance(plugins, (list, tuple)) else (), "i18n_subsites"
    )
    if subsites is None and (plugins is None or not loaded):
        return None
    named = {
        str(lang): own
        for lang, own in (subsites.items() if isinstance(subsites, Mapping) else ())
        # i18n_subsites refuses any other, and builds no site of it.
        if isinstance(own, Mapping)
    }
    if not loaded:
        return SiteLanguages({}, frozenset(named))
    # As i18n_subsites gives each its folder: its own OUTPUT_PATH, else the
    # site's with the language below it. Pelican takes a relative one where
    # it runs, which is the settings file's folder as it takes the site's.
    main = os.path.abspath(str(settings.get("OUTPUT_PATH") or "output"))
    here = os.path.dirname(os.path.abspath(path))
    folders: dict[str, str | None] = {}
    elsewhere = {
        lang for lang, own in named.items() if _writes_no_manifest_inside(settings, own)
    }
    absolute = {
        lang: os.fspath(own["FLATTR_MANIFEST"])
        for lang, own in named.items()
        if isinstance(own.get("FLATTR_MANIFEST"), (str, os.PathLike))
        and os.path.isabs(own["FLATTR_MANIFEST"])
    }
    for lang, own in named.items():
        value = own.get("OUTPUT_PATH")
        folder = (
            os.path.join(here, os.fspath(value))
            if isinstance(value, (str, os.PathLike))
            else os.path.join(main, lang)
        )
        try:
            below = os.path.relpath(os.path.abspath(folder), main)
        except ValueError:  # on two drives (Windows): outside it
            below = os.pardir
        folders[lang] = (
            None
            if below == os.pardir or below.startswith(os.pardir + os.sep)
            else Path(below).as_posix()
        )
    climbing = {}
    for lang, own in named.items():
        value = own.get("FLATTR_MANIFEST", settings.get("FLATTR_MANIFEST"))
        if (
            lang in elsewhere
            and isinstance(value, (str, os.PathLike))
            and not os.path.isabs(value)
        ):
            climbing[lang] = Path(value).as_posix()
    return SiteLanguages(folders, frozenset(), frozenset(elsewhere), absolute, climbing)


def _writes_no_manifest_inside(
    settings: Mapping[str, Any], own: Mapping[str, Any]
) -> bool:
    """Whether the site of a language (``own``, its entry over the site's
    ``settings``) writes no manifest in its folder: built without
    pelican_flattr, or with a FLATTR_MANIFEST kept out of the output (as
    the README advises for FLATTR_HIDDEN): the site's absolute one, beside
    which each language writes its own, or a relative one that climbs out
    of the language's folder. (Its own absolute one: see
    ``SiteLanguages.absolute_manifests``.)"""
    plugins = own.get("PLUGINS", settings.get("PLUGINS"))
    if isinstance(plugins, (list, tuple)) and not has_plugin(plugins, "pelican_flattr"):
        return True
    manifest = own.get("FLATTR_MANIFEST", settings.get("FLATTR_MANIFEST"))
    if not isinstance(manifest, (str, os.PathLike)):
        return False  # the default, in the folder
    if os.path.isabs(manifest):
        return "FLATTR_MANIFEST" not in own
    return climbs_out(os.fspath(manifest))


def climbs_out(relative: str) -> bool:
    """Whether the relative path ``relative`` leads out of the folder it
    is relative to, its ".." read by their names alone (a link in it is not
    followed)."""
    below = os.path.normpath(relative)
    return below == os.pardir or below.startswith(os.pardir + os.sep)


def language_manifests_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> list[str]:
    """The relative paths the languages' sites of ``I18N_SUBSITES`` name
    their manifests by in the settings file at ``path``, where one sets its
    own ``FLATTR_MANIFEST``: each writes it in its own folder, which the
    main site's audit then knows for another site's.

    Raises SettingsFileError, naming the file and setting, for a value that
    is no path.
    """
    found = []
    for where, each in named_sites(settings)[1:]:
        value = _path_from_settings(each, "FLATTR_MANIFEST", path, where)
        # One that climbs out of the language's folder ("../m.json") is in
        # none: as a name, it made every folder of the output look like
        # another site's.
        if (
            value is not None
            and not os.path.isabs(value)
            and not climbs_out(os.fspath(value))
        ):
            found.append(Path(value).as_posix())
    return found


def stores_from_settings(settings: Mapping[str, Any], path: str | Path) -> set[str]:
    """The file names of ``FLATTR_STORE`` (the site's, and each language's
    of ``I18N_SUBSITES``) in the settings file at ``path``: the operator's
    private store, which no output may hold, under its name or copied by a
    static path (where it lies is no matter: the name tells it).

    Raises SettingsFileError, naming the file and setting, for a value that
    is no path.
    """
    names = set()
    for where, each in named_sites(settings):
        value = _path_from_settings(each, "FLATTR_STORE", path, where)
        if value is not None and os.path.basename(os.fspath(value)):
            names.add(os.path.basename(os.fspath(value)))
    return names


def _path_from_settings(
    settings: Mapping[str, Any], name: str, path: str | Path, where: str = ""
) -> Any:
    """The path setting ``name`` of ``settings`` (``where`` names them: a
    language's of I18N_SUBSITES), None when unset; SettingsFileError, naming
    the file at ``path`` and the setting, for a value that is no path."""
    problems: list[str] = []
    value = path_setting(settings, name, problems)
    if problems:
        raise SettingsFileError(f"{path}: {where}{problems[0]}")
    return value


def site_owners_from_settings(
    settings: Mapping[str, Any],
) -> frozenset[tuple[str, str]]:
    """The owners ``FLATTR_USERNAME`` gives the site's own thing (each
    language's of ``I18N_SUBSITES`` too), as its auto-submit URL sends
    each: ("user_id", "community"), ("owner", "email:<md5>"). One the
    build refuses is none: no feed carries a link for it."""
    owners = set()
    for _, each in named_sites(settings):
        value = each.get("FLATTR_USERNAME")
        if value in (None, ""):
            continue
        try:
            owner = parse_owner_setting(value)
        except IdentifierError:
            continue
        owners.add((owner.parameter, owner.value))
    return frozenset(owners)


def plain_addresses_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> dict[str, str]:
    """Lower-cased plain email addresses of ``FLATTR_AUTHORS`` (and of
    ``FLATTR_USERNAME``) -> whose they are, for the report: the site's, and
    those each language's site of ``I18N_SUBSITES`` sets for itself (an
    address is private whichever site maps it, in every file of the tree).
    Where two name one address, the site's own settings name it.

    An entry the build refuses (a bare ``carol@example.org``, one written
    ``email:<carol@example.org>``) still names an address to look for.
    Raises SettingsFileError, naming the settings file at ``path`` and the
    setting, when one holds no dict in FLATTR_AUTHORS; the error never
    repeats an address.
    """
    found: dict[str, str] = {}
    for where, each in named_sites(settings):
        authors = each.get("FLATTR_AUTHORS") or {}
        if not isinstance(authors, Mapping):
            raise SettingsFileError(
                f"{path}: {where}FLATTR_AUTHORS must be a dict keyed by author "
                f"name, not {type(authors).__name__}"
            )
        owners = [
            (f"author {str(name)!r} (from {where}FLATTR_AUTHORS)", value)
            for name, value in authors.items()
        ]
        owners.append(
            (f"the site ({where}FLATTR_USERNAME)", each.get("FLATTR_USERNAME"))
        )
        own = {}
        for name, value in owners:
            address = _address_of(value)
            if address is not None:
                own[address] = name
        found = own | found
    return found


def _address_of(owner: object) -> str | None:
    """The lower-cased address an owner value names, usable or not: with or
    without ``email:``, ``mailto:``, and the quotes, brackets and
    punctuation that surround an address in text."""
    if not isinstance(owner, str) or "@" not in owner:
        return None
    text = owner.strip()
    for prefix in ("email:", "mailto:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :].strip()
    text = address_written_in(text)
    try:
        parse_owner(f"email:{text}")
    except IdentifierError:
        return None
    return text.lower()
