"""The ``FLATTR_*`` settings: read in one place, validated, with documented defaults.

``read_settings`` takes Pelican's settings dict and returns an immutable
``FlattrSettings`` plus a list of problems, each naming the setting at fault.
It never raises for a user mistake. A plain email address from
``FLATTR_AUTHORS`` is hashed here and never kept.
"""

from __future__ import annotations

import contextlib
import copy as copy_module
import dataclasses
import functools
import logging
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .files import why_unreachable
from .identifiers import (
    HIDDEN_ADDRESS,
    SWITCH_OWNER,
    IdentifierError,
    Owner,
    holds_at_sign,
    holds_no_address,
    in_quotation_marks,
    parse_owner,
    reads_as_switch,
    redact_addresses,
)
from .lazy_regex import lazy_regex
from .thing import (
    CREDENTIALS_IN_URL,
    NO_HOST_NAME,
    NOT_ABSOLUTE,
    NOT_UNICODE,
    category_choices,
    check_thing_url,
    comparable_host,
    country_code_slip,
    flattr_category,
    flattr_language,
    holds_lone_surrogate,
    is_development_url,
    protocol_relative,
    split_tags,
    url_forms,
    with_scheme,
)
from .wording import listed, shown_value

BUTTON_STYLES = ("plain", "js", "compact")
# The manifest's name in the output folder, unless FLATTR_MANIFEST says.
MANIFEST_NAME = "flattr-manifest.json"
# The plugin's folder under CACHE_PATH, which holds the URL baseline (and,
# with i18n_subsites, a language's site's in LANG/pelican-flattr/).
CACHE_FOLDER = "pelican-flattr"

# Every setting the plugin reads, with its default. The README documents each.
DEFAULTS: dict[str, object] = {
    "FLATTR_USERNAME": None,
    "FLATTR_AUTHORS": {},
    "FLATTR_CATEGORY": "text",
    "FLATTR_LANGUAGE": None,
    "FLATTR_TAGS": (),
    "FLATTR_HIDDEN": False,
    "FLATTR_BUTTON": "plain",
    "FLATTR_PAGES": False,
    "FLATTR_INJECT": True,
    "FLATTR_OPEN_GRAPH": True,
    "FLATTR_SITEURL": None,
    "FLATTR_OLD_HOSTS": (),
    "FLATTR_MANIFEST": MANIFEST_NAME,
    "FLATTR_FEEDS": True,
    "FLATTR_URL_GUARD": True,
    # None: <CACHE_PATH>/pelican-flattr/url-baseline.json
    "FLATTR_URL_BASELINE": None,
    "FLATTR_ACCEPT_URL_CHANGES": (),
    "FLATTR_STRICT": False,
    "FLATTR_STORE": None,
}

# Settings that the commands read from the same settings file
# (docs/verify.md, docs/webhooks.md).
COMMAND_SETTINGS = ("FLATTR_VERIFIED_ACCOUNTS", "FLATTR_WEBHOOK_TOKEN")


_KNOWN = frozenset({*DEFAULTS, *COMMAND_SETTINGS})


def is_unknown_setting(name: object) -> bool:
    """Whether ``name`` is a ``FLATTR_*`` name that the plugin does not read,
    or one of the plugin's with ``FLATTR`` one slip of a key away
    (``FLATR_AUTHORS``, ``FLATTER_USERNAME``)."""
    if not isinstance(name, str):
        return False
    if name.startswith("FLATTR_"):
        return name not in _KNOWN
    return _slipped_prefix_of(name) is not None


def _slipped_prefix_of(name: str) -> str | None:
    """The setting ``name`` stands for when it is one of the plugin's with
    ``FLATTR_`` one slip of a key away (the underscore left out:
    ``FLATTRAUTHORS``); None otherwise."""
    prefix, underscore, rest = name.partition("_")
    meant = f"FLATTR_{rest}"
    if underscore and meant in _KNOWN and _one_slip_apart(prefix, "FLATTR"):
        return meant
    # Split at its first "_", FLATTRURL_BASELINE would never find its rest.
    meant = f"FLATTR_{name[6:]}"
    if name.startswith("FLATTR") and name[6:7] != "_" and meant in _KNOWN:
        return meant
    return None


# Names other Flattr plugins and older setups gave a setting of this
# plugin's, which a migrating site carries over: too far from the name to
# be found as a misspelling, and the articles they meant for an owner went
# without a button unsaid.
LEGACY_SETTINGS = {
    "FLATTR_UID": "FLATTR_USERNAME",
    "FLATTR_ID": "FLATTR_USERNAME",
    "FLATTR_USER": "FLATTR_USERNAME",
    "FLATTR_USER_ID": "FLATTR_USERNAME",
}


# The partner's OAuth token, which ``pelican-flattr verify`` reads from the
# environment variable of that name (verify.TOKEN_ENV; not imported, to keep
# the build's imports few), and no setting: found in the settings file, it
# is dropped, as is each unknown setting whose name says it holds a secret.
OAUTH_TOKEN_SETTING = "FLATTR_TOKEN"
# Where the URL guard of pelican-flattr's first versions kept a copy of the
# last manifest, in CACHE_PATH/pelican-flattr/ by default.
EARLY_BASELINE_SETTING = "FLATTR_PREVIOUS_MANIFEST"
EARLY_BASELINE_NAME = "previous-manifest.json"
# The API base URL, which verify reads from the environment variable of that
# name (verify.API_URL_ENV) or --api-url, and no setting: found in the
# settings file, it looks set, and verify goes to Flattr's own API.
API_URL_SETTING = "FLATTR_API_URL"
_SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL")
# A key only as a word of the name (FLATTR_API_KEY, FLATTR_APIKEY): a name
# such as FLATTR_KEYWORDS is no secret's.
_SECRET_NAME_WORDS = ("KEY", "KEYS", "APIKEY")
# Where a template and the content cache would see a secret.
_SEEN_BY = "where every template and Pelican's content cache see it"


def is_secret_setting(name: object) -> bool:
    """Whether ``name`` is a setting the plugin does not read (see
    ``is_unknown_setting``) whose name says it holds a secret
    (``FLATTR_TOKEN``, a misspelt ``FLATTR_WEBHOOK_SECRET``,
    ``FLATTR_API_KEY``): its value,
    useless to the build, is dropped from Pelican's settings."""
    if not is_unknown_setting(name):
        return False
    upper = str(name).upper()
    return any(word in upper for word in _SECRET_WORDS) or any(
        word in _SECRET_NAME_WORDS for word in upper.split("_")
    )


def unknown_settings(settings: Mapping[str, Any]) -> list[str]:
    """What to say of each ``FLATTR_*`` name in ``settings`` that the plugin
    does not read: a misspelt one (``FLATTR_AUTHOR``) would otherwise be
    ignored without a word, and the articles it was meant for go to
    ``FLATTR_USERNAME``, or without a button."""
    # Compared without the prefix that every name shares.
    by_rest = {name.removeprefix("FLATTR_"): name for name in sorted(_KNOWN)}
    messages = []
    for name in sorted(key for key in settings if isinstance(key, str)):
        if not is_unknown_setting(name):
            continue
        if name == OAUTH_TOKEN_SETTING:
            messages.append(
                f"{name} is no setting of pelican-flattr: the OAuth token that "
                "`pelican-flattr verify` reads belongs in the environment "
                f"variable {name}, not in the settings file, {_SEEN_BY}; remove "
                "it (the build drops its value from Pelican's settings)"
            )
            continue
        if name == EARLY_BASELINE_SETTING:
            # Not FLATTR_URL_BASELINE's old name: the file it named is a
            # manifest's copy, which the guard of today cannot read.
            messages.append(
                f"{name} is a setting of early versions of pelican-flattr, whose "
                "URL guard kept a copy of the last manifest there; this one keeps "
                "a baseline of its own (FLATTR_URL_BASELINE, by default in "
                "CACHE_PATH): remove the setting, and list the URL changes since "
                "that copy with `pelican-flattr diff COPY NEW_MANIFEST`"
            )
            continue
        if name == API_URL_SETTING:
            messages.append(
                f"{name} is no setting of pelican-flattr, so it is ignored: "
                "`pelican-flattr verify` reads the API base URL from the "
                f"environment variable {name} or from --api-url; set it there, "
                "and remove it from the settings file"
            )
            continue
        meant = _slipped_prefix_of(name) or LEGACY_SETTINGS.get(name)
        if meant is None:
            # Imported here: only a misspelt setting needs it, and a build
            # pays ~1.5 ms to import it.
            import difflib

            close = difflib.get_close_matches(
                name.removeprefix("FLATTR_"), by_rest, n=1
            )
            meant = by_rest[close[0]] if close else None
        secret = (
            "its name is a secret's, so the build drops its value from Pelican's "
            f"settings, {_SEEN_BY}"
            if is_secret_setting(name)
            else ""
        )
        if meant:
            hint = f"; did you mean {meant}?" + (f" ({secret})" if secret else "")
        elif secret:
            hint = f"; {secret}: remove it (the README lists every setting)"
        else:
            hint = " (the README lists every setting)"
        messages.append(
            f"{name} is no setting of pelican-flattr, so it is ignored{hint}"
        )
    return messages


def manifest_path_setting(settings: Mapping[str, Any], problems: list[str]) -> Path:
    """Where the build writes its manifest: ``FLATTR_MANIFEST`` under
    ``OUTPUT_PATH``, a problem with it added to ``problems``."""
    output_path = str(settings.get("OUTPUT_PATH") or "output")
    manifest = path_setting(settings, "FLATTR_MANIFEST", problems)
    return resolved_climb(
        Path(output_path, manifest or str(DEFAULTS["FLATTR_MANIFEST"]))
    )


def resolved_climb(path: Path) -> Path:
    """``path``, resolved as the file system resolves it (links followed)
    when a ``..`` in it climbs out of a folder: an output folder joined
    with ``../private/flattr.json`` named neither the path set nor the
    file written (``deploy copy/../private/flattr.json``)."""
    return Path(os.path.realpath(path)) if os.pardir in path.parts else path


def baseline_path_setting(settings: Mapping[str, Any], problems: list[str]) -> Path:
    """Where the URL guard keeps its baseline: ``FLATTR_URL_BASELINE``, or
    under ``CACHE_PATH``; a problem with the setting added to ``problems``."""
    cache = str(settings.get("CACHE_PATH") or "cache")
    baseline = path_setting(settings, "FLATTR_URL_BASELINE", problems)
    return Path(baseline or Path(cache, CACHE_FOLDER, "url-baseline.json"))


def scrub_addresses(
    settings: dict[str, Any], inherited: frozenset[str] = frozenset()
) -> None:
    """Put in Pelican's own settings, for every owner the plugin reads, the
    form Flattr receives (``email:<md5>``) instead of a plain address.

    Pelican pickles its settings with every article it caches
    (``CACHE_CONTENT``), and the cache is a file the build writes. An entry
    that is not usable keeps its place with any address in it hidden, so
    the next run of an autoreloading build reports it again.
    """
    authors = settings.get("FLATTR_AUTHORS")
    # ``inherited``: the main site's owners, in a language's own settings.
    owners = _email_owners_as_written(settings) | inherited
    if isinstance(authors, Mapping):
        scrubbed = {name: scrubbed_owner(value) for name, value in authors.items()}
        # A copy, not the dict itself, which is the caller's (a settings
        # module's, read again by the next build in the process); but every
        # setting that names that same dict (AUTHOR_LINKS = FLATTR_AUTHORS)
        # gets the copy too: Pelican pickles them all.
        for name, value in list(settings.items()):
            if value is authors:
                settings[name] = scrubbed
    elif authors is not None:  # refused by read_settings, but pickled all the same
        settings["FLATTR_AUTHORS"] = scrubbed_owner(authors)
    if settings.get("FLATTR_USERNAME") is not None:
        settings["FLATTR_USERNAME"] = scrubbed_owner(settings["FLATTR_USERNAME"])
    # A FLATTR_ name the plugin does not read is most likely one it does,
    # misspelt (FLATTR_AUTHOR): ignored, with a warning, and pickled all the
    # same.
    for name in [key for key in settings if is_unknown_setting(key)]:
        value = settings[name]
        settings[name] = (
            {key: scrubbed_owner(item) for key, item in value.items()}
            if isinstance(value, Mapping)
            else scrubbed_owner(value)
        )
    # An owner given for every article, or for some files, is metadata that
    # Pelican merges into each article's, and its settings go into the cache
    # with the articles all the same.
    defaults = settings.get("DEFAULT_METADATA")
    if isinstance(defaults, Mapping):
        settings["DEFAULT_METADATA"] = _scrubbed_metadata(defaults)
    by_path = settings.get("EXTRA_PATH_METADATA")
    if isinstance(by_path, Mapping):
        settings["EXTRA_PATH_METADATA"] = {
            path: _scrubbed_metadata(fields) if isinstance(fields, Mapping) else fields
            for path, fields in by_path.items()
        }
    # i18n_subsites: each language's site's own settings, which Pelican
    # pickles with every site's and which become that site's settings.
    subsites = settings.get("I18N_SUBSITES")
    if isinstance(subsites, Mapping):
        settings["I18N_SUBSITES"] = {
            lang: _scrubbed_settings(own, frozenset(owners))
            if isinstance(own, Mapping)
            else own
            for lang, own in subsites.items()
        }
    # Pelican keeps every upper-case name of the settings file, and pickles
    # them all: an owner's identifier kept in a name of its own (CAROL =
    # "email:carol@..."), or a copy of FLATTR_AUTHORS, holds the address too.
    if owners:
        for name, value in list(settings.items()):
            settings[name] = _with_owners_scrubbed(value, owners)


def _email_owners_as_written(settings: Mapping[str, Any], depth: int = 0) -> set[str]:
    """The ``email:ADDRESS`` owners of ``settings``, as written: in
    ``FLATTR_AUTHORS``, ``FLATTR_USERNAME``, the ``flattr_owner`` fields of
    ``DEFAULT_METADATA`` and ``EXTRA_PATH_METADATA``, and each language's
    own settings in ``I18N_SUBSITES``. Only usable ones: an entry the plugin
    refuses (``mailto:carol@...``, a bare address) may be text the site
    uses for itself, in a link of its own."""
    values: list[object] = [settings.get("FLATTR_USERNAME")]
    authors = settings.get("FLATTR_AUTHORS")
    if isinstance(authors, Mapping):
        values += authors.values()
    metadata = [settings.get("DEFAULT_METADATA")]
    by_path = settings.get("EXTRA_PATH_METADATA")
    if isinstance(by_path, Mapping):
        metadata += by_path.values()
    for fields in metadata:
        if isinstance(fields, Mapping):
            values += [
                value
                for key, value in fields.items()
                if isinstance(key, str) and key.lower() == OWNER_METADATA
            ]
    owners = set()
    for value in values:
        for text in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(text, str) and "@" in text and _is_email_owner(text):
                owners.add(text)
    subsites = settings.get("I18N_SUBSITES")
    if depth == 0 and isinstance(subsites, Mapping):
        for own in subsites.values():
            if isinstance(own, Mapping):
                owners |= _email_owners_as_written(own, depth + 1)
    return owners


def _is_email_owner(text: str) -> bool:
    try:
        return parse_owner(text).kind == "email"
    except IdentifierError:
        return False


# The containers a setting's value is searched in for owners, and their
# subclasses (a defaultdict, a named tuple): a copy of FLATTR_AUTHORS kept
# in one is pickled with every cached article all the same. Other objects
# are left as they are.
_WALKED = (dict, list, tuple, set, frozenset)


def _with_owners_scrubbed(value: Any, owners: set[str], depth: int = 0) -> Any:
    """``value`` with each string of ``owners`` in it scrubbed, as a value,
    a key or an item, a few levels deep; a container is copied only when
    something in it changed, and otherwise kept as it is."""
    if isinstance(value, str):
        return scrubbed_owner(value) if value in owners else value
    if depth >= 3 or not isinstance(value, _WALKED):
        return value
    if isinstance(value, dict):
        pairs = [
            (
                _with_owners_scrubbed(key, owners, depth + 1),
                _with_owners_scrubbed(item, owners, depth + 1),
            )
            for key, item in value.items()
        ]
        unchanged = all(
            new_key is key and new is item
            for (new_key, new), (key, item) in zip(pairs, value.items(), strict=True)
        )
        return value if unchanged else _copied_mapping(value, pairs)
    scrubbed = [_with_owners_scrubbed(item, owners, depth + 1) for item in value]
    if all(new is old for new, old in zip(scrubbed, value, strict=True)):
        return value
    return _copied_collection(value, scrubbed)


def _copied_mapping(value: dict[Any, Any], pairs: list[tuple[Any, Any]]) -> Any:
    """A copy of ``value`` of its own type (a defaultdict keeps its default)
    holding ``pairs``; a plain dict when its type cannot be copied so: the
    addresses go, whatever else does."""
    try:
        copy = copy_module.copy(value)
        copy.clear()
        copy.update(pairs)
    except Exception:  # a subclass that copies or updates otherwise
        return dict(pairs)
    return copy


def _copied_collection(value: Any, items: list[Any]) -> Any:
    """``value``'s type made of ``items`` (a named tuple by its fields), or
    the plain type it derives from when that fails."""
    try:
        make = getattr(type(value), "_make", None)
        return make(items) if callable(make) else type(value)(items)
    except Exception:  # a subclass made otherwise
        base = next(kind for kind in _WALKED if isinstance(value, kind))
        return base(items)


def _scrubbed_settings(
    settings: Mapping[str, Any], inherited: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A copy of ``settings`` scrubbed as ``scrub_addresses`` does."""
    copy = dict(settings)
    scrub_addresses(copy, inherited)
    return copy


# The metadata fields of an article (or page) that this plugin reads
# (resolve.py). Pelican lowercases the names it reads from files; those in
# its settings keep their case, and scrub_addresses lowercases them.
OPT_OUT = "flattr"
OWNER_METADATA = "flattr_owner"
CATEGORY_METADATA = "flattr_category"
LANGUAGE_METADATA = "flattr_language"
TAGS_METADATA = "flattr_tags"
HIDDEN_METADATA = "flattr_hidden"
PINNED_URL_METADATA = "flattr_url"
METADATA_FIELDS = frozenset(
    {
        OPT_OUT,
        OWNER_METADATA,
        CATEGORY_METADATA,
        LANGUAGE_METADATA,
        TAGS_METADATA,
        HIDDEN_METADATA,
        PINNED_URL_METADATA,
    }
)
# Fields read for the page's og:image. Not the plugin's own: a theme may
# read them too, so a settings name in another letter case stays beside
# the lowercased one.
IMAGE_METADATA = ("og_image", "image")


@functools.lru_cache(maxsize=1024)
def misspells_a_field(name: str) -> bool:
    """True when metadata ``name`` is none of the plugin's fields but most
    likely one of them misspelt: it starts as they do (``flattr_ownr``), or
    it is one of them with ``flattr`` one slip of a key away (a letter left
    out, added or changed, or two swapped: ``flatr_owner``, ``fattr_hidden``,
    ``flatter``). Either way the field is ignored, and an owner's address in
    it would be kept as written.

    Not a name of its own that merely looks alike (``flair_tags``,
    ``latter_url``, ``flattery``): a warning for it would be noise, and an
    error under FLATTR_STRICT. Cached: a site's files use a handful of
    names, each asked of once per file.
    """
    name = name.lower()
    if name in METADATA_FIELDS:
        return False
    if name.startswith(OPT_OUT):
        return True
    prefix, _, rest = name.replace("-", "_").partition("_")
    if rest and f"{OPT_OUT}_{rest}" not in METADATA_FIELDS:
        return False
    return _one_slip_apart(prefix, OPT_OUT)


def _one_slip_apart(typed: str, meant: str) -> bool:
    """Whether ``typed`` is ``meant`` with one letter left out, added or
    changed, or two neighbours swapped."""
    if typed == meant or abs(len(typed) - len(meant)) > 1:
        return False
    if len(typed) == len(meant):
        pairs = zip(typed, meant, strict=True)
        differ = [i for i, (a, b) in enumerate(pairs) if a != b]
        return len(differ) == 1 or (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and typed[differ[0]] == meant[differ[1]]
            and typed[differ[1]] == meant[differ[0]]
        )
    short, long = sorted((typed, meant), key=len)
    pairs = zip(short, long, strict=False)  # the longer has one letter more
    at = next((i for i, (a, b) in enumerate(pairs) if a != b), len(short))
    return short[at:] == long[at + 1 :]


def _scrubbed_metadata(fields: Mapping[Any, Any]) -> dict[Any, Any]:
    """A copy of ``fields`` (``DEFAULT_METADATA``, or one file's in
    ``EXTRA_PATH_METADATA``) as a file's metadata reaches the plugin: the
    names of its fields lowercased, as Pelican lowercases those it reads
    from files (``Flattr_owner``, ``Og_image`` would otherwise be ignored),
    and an address hidden in every one that may name an owner: the
    owner's, and one that misspells a field of the plugin's.

    A name given twice, in two letter cases, keeps the last value, as
    Pelican's attribute of that name does.
    """
    copy: dict[Any, Any] = {}
    for key, value in fields.items():
        if isinstance(key, str) and key.lower() in IMAGE_METADATA:
            copy[key.lower()] = value
        if isinstance(key, str) and (
            key.lower() in METADATA_FIELDS or misspells_a_field(key)
        ):
            key = key.lower()
            if key == OWNER_METADATA or key not in METADATA_FIELDS:
                value = scrubbed_owner(value)
        copy[key] = value
    return copy


# What a value that is neither text nor a list or tuple of values becomes
# when it holds an address. Not text either, so that it is refused as the
# value was ("expected text", "must be a single value"); and a builtin, as
# Pelican unpickles its cache whether this plugin is installed or not.
HIDDEN_VALUE = (HIDDEN_ADDRESS,)


def scrubbed_owner(value: object) -> object:
    """``value`` as Flattr would receive it when it names an owner, with
    any address in it hidden when it does not.

    A list or tuple (the Markdown reader makes a list of a field given
    twice) keeps its kind, each item scrubbed.
    """
    if isinstance(value, (list, tuple)):
        items = [scrubbed_owner(item) for item in value]
        if items == list(value):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    if not isinstance(value, str):
        try:
            shown = repr(value)
        except Exception:  # nothing tells what it holds: keep none of it
            return HIDDEN_VALUE
        return HIDDEN_VALUE if holds_at_sign(shown) else value
    try:
        return parse_owner(value).value
    except IdentifierError:
        if not holds_at_sign(value) or holds_no_address(value):
            return value
        # Even a broken address ("email:someone@") says who it is: the kind
        # stays, so that the next run reports the same mistake, unless it
        # is the address ("someone@example.org:...").
        kind, colon, rest = value.partition(":")
        if colon and not holds_at_sign(kind):
            # Quotes around it stay too, which its message names.
            rest = rest.strip()
            if in_quotation_marks(rest):
                return f"{kind}{colon}{rest[0]}{HIDDEN_ADDRESS}{rest[-1]}"
            return f"{kind}{colon}{HIDDEN_ADDRESS}"
        return HIDDEN_ADDRESS


def shown_author(name: object) -> str:
    """An author's name (a ``FLATTR_AUTHORS`` key) as a message repeats it:
    quoted, and without an address, which some sites name authors by. A key
    that is no string is shown as written (``3``, not ``'3'``)."""
    return redact_addresses(repr(name))


def author_meant(key: str, by_folded: dict[str, str]) -> str:
    """What the warning about ``key`` adds when the key is close to the name
    or slug of an author no key names (``by_folded``: each such name in
    lower case, as the build and ``verify`` gather them, -> the name), in any
    case, and that name holds no address: ``(did you mean 'Bob Builder'?)``;
    else nothing."""
    name = closest_name(key, by_folded)
    return "" if name is None else did_you_mean(name)


def did_you_mean(name: str) -> str:
    """`` (did you mean 'Bob Builder'?)`` for ``name``, the name a key or an
    author's name is close to; nothing when it holds an address."""
    meant = shown_author(name)
    # A name that holds an address is shown hidden: no help, "did you mean
    # '[address]'?".
    return f" (did you mean {meant}?)" if meant == repr(name) else ""


def closest_name(key: str, by_folded: dict[str, str]) -> str | None:
    """The name of ``by_folded`` (lower case -> as written) closest to
    ``key`` in any case, if one is close enough to be meant; else None."""
    import difflib  # imported here: a build with no misspelt key needs none

    folded = _spelt_out(str(key))
    spelt = {_spelt_out(name): name for name in by_folded}
    numbers = _numbers(folded)
    close = difflib.get_close_matches(folded, spelt, n=5, cutoff=0.75)
    # Names that differ in a number are different people ("Author 04" and
    # "Author 14", "Louis XV" and "Louis XIV", "John Smith Jr." and "Sr."):
    # one is never the other misspelt.
    meant = [name for name in close if _numbers(name) == numbers]
    return by_folded[spelt[meant[0]]] if meant else None


def looks_misspelt(name: str, other: str) -> bool:
    """Whether ``name`` is ``other`` with a slip of a few letters (by their
    plain letters, ``_plain_letters``): at most two letters, or one in eight,
    changed, added or dropped. Not two people who share a surname ("Frank
    Garcia" and "Vera Garcia"), which ``closest_name``'s likeness alone
    takes for one."""
    import difflib

    a, b = _plain_letters(name), _plain_letters(other)
    changed = sum(
        max(end_a - start_a, end_b - start_b)
        for tag, start_a, end_a, start_b, end_b in difflib.SequenceMatcher(
            None, a, b, autojunk=False
        ).get_opcodes()
        if tag != "equal"
    )
    return changed <= max(2, max(len(a), len(b)) // 8)


# Letters a slip makes of others without any mark: "ł" typed "l".
_UNMARKED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i"})


def _plain_letters(name: str) -> str:
    """``name`` as ``looks_misspelt`` compares it: ``spelt_name``'s, its
    accents dropped ("Zoë" as "Zoe", "Łukasz" as "Lukasz"), and a slug's
    "-" or "_" read as the space of the name it was made from."""
    import unicodedata

    spelt = spelt_name(name).translate(_UNMARKED)
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", spelt) if not unicodedata.combining(c)
    )
    return " ".join(re.split(r"[\s_-]+", bare)).strip()


def spelt_name(name: str) -> str:
    """``name`` as ``closest_name`` compares it: composed, in lower case,
    its umlauts and ß spelt out."""
    return _spelt_out(str(name))


# German writes its umlauts with an e after the vowel where they cannot be
# typed ("Müller", "Mueller"); casefold() spells ß as ss already. Two
# letters for one cost "Jörg Böhm" and "Joerg Boehm" their likeness.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _spelt_out(name: str) -> str:
    """``name`` in lower case, its umlauts and ß spelt out as German writes
    them without (composed first: a file from macOS may hold u and a
    combining diaeresis)."""
    return unicodedata.normalize("NFC", name).casefold().translate(_UMLAUTS)


# A name's words and runs of digits: "bob2" is "bob", "2".
_NAME_PARTS = lazy_regex(r"\d+|[^\W\d_]+")
# A Roman numeral, I to MMMCMXCIX, in lower case (the name is casefolded).
_ROMAN = lazy_regex(r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")
# A generation, by its spellings: "Jr." and "Junior" are one.
_GENERATIONS = dict.fromkeys(("jr", "jnr", "junior"), "jr") | dict.fromkeys(
    ("sr", "snr", "senior"), "sr"
)


def _numbers(folded: str) -> list[object]:
    """The numbers that tell one person from another in the casefolded name
    ``folded``: each run of digits by its value (``007`` is 7, a full-width
    ``２`` is 2), each generation (``jr``, ``junior``), and a Roman numeral
    that ends a name of several words (``louis xv``). Elsewhere, such a
    word is a name or an initial ("Li Wei", "Davide Di Marco", "John D.
    Smith"), whose misspellings get their hint."""
    parts = _NAME_PARTS.findall(folded)
    found: list[object] = []
    for at, part in enumerate(parts):
        if part.isdecimal():
            # As digits past Python's limit for int(), 4,300 of them.
            found.append(int(part) if len(part) < 100 else part.lstrip("0"))
        elif part in _GENERATIONS:
            found.append(_GENERATIONS[part])
        elif at and at == len(parts) - 1 and _ROMAN.fullmatch(part):
            found.append(part)
    return found


@dataclass(frozen=True)
class FlattrSettings:
    """The plugin's configuration for one build."""

    siteurl: str
    # Where the site's own files are, for og:image: SITEURL when it is a
    # public absolute URL (FLATTR_SITEURL may keep an old base for the thing
    # URLs after a move, while the files are on the new one), else siteurl.
    files_url: str = ""
    # Why this is a development build ("SITEURL is ''"), or "" for a build
    # of the published site: its own SITEURL is no public absolute URL
    # (empty, relative, local); a development FLATTR_SITEURL beside a
    # public SITEURL is refused (see _files_url). Its thing URLs may be the
    # public ones (FLATTR_SITEURL, as the README advises), but no reader saw
    # them: the URL guard neither compares them with the baseline nor keeps
    # them as the next one.
    development_build: str = ""
    # The hosts a pinned Flattr_url may be on (comparable_host's form): the
    # site's, its languages' under i18n_subsites, FLATTR_OLD_HOSTS. None:
    # pins are not compared, as no public host is known (a development
    # build whose thing URLs are local).
    pin_hosts: frozenset[str] | None = None
    site_name: str = ""
    username: Owner | None = None
    # Author name (or slug) -> owner; authors whose entry is unusable map to
    # the reason instead, so that their articles get no button rather than a
    # silently different owner.
    authors: Mapping[str, Owner] = field(default_factory=dict)
    unusable_authors: Mapping[str, str] = field(default_factory=dict)
    # The slug of each key -> the key, as the site slugifies author names:
    # Pelican takes "Bob Builder" and "bob builder" for one author.
    author_slugs: Mapping[str, str] = field(default_factory=dict)
    # How messages name the setting that maps the authors: with
    # i18n_subsites, a language's site whose own FLATTR_AUTHORS replaces
    # the main site's names it with its language (see build.start_build).
    authors_setting: str = "FLATTR_AUTHORS"
    category: str = "text"
    language: str = "en_GB"
    tags: tuple[str, ...] = ()
    hidden: bool = False
    button: str = "plain"
    pages: bool = False
    inject: bool = True
    open_graph: bool = True
    output_path: str = "output"
    manifest_path: Path = Path(MANIFEST_NAME)
    feeds: bool = True
    url_guard: bool = True
    url_baseline_path: Path = Path("cache", CACHE_FOLDER, "url-baseline.json")
    # Whether FLATTR_URL_BASELINE names it (else it lies in CACHE_PATH).
    url_baseline_set: bool = False
    accepted_url_changes: frozenset[str] = frozenset()
    strict: bool = False
    store_path: Path | None = None
    site_subtitle: str = ""
    summary_max_length: int | None = 50
    summary_max_paragraphs: int | None = None


def _bool(settings: Mapping[str, Any], name: str, problems: list[str]) -> bool:
    value = settings.get(name, DEFAULTS[name])
    if isinstance(value, bool):
        return value
    problems.append(f"{name} must be True or False, not {shown_value(value)}")
    return bool(DEFAULTS[name])


def flag_setting(settings: Mapping[str, Any], name: str, problems: list[str]) -> bool:
    """A True-or-False setting (``FLATTR_PAGES``) of Pelican's ``settings``
    as the build reads it, for a command that takes ``--settings``; any
    other value is added to ``problems``, in the build's words (the build
    refuses it, and makes no things at all)."""
    return _bool(settings, name, problems)


def accepted_url_changes(
    settings: Mapping[str, Any], problems: list[str]
) -> frozenset[str]:
    """``FLATTR_ACCEPT_URL_CHANGES``: the old thing URLs whose loss the URL
    guard (and ``pelican-flattr diff --settings``) lets go. A string is the
    one URL (a URL may hold a comma).

    Each is taken apart at line breaks, and trimmed: no thing URL holds a
    line break or begins or ends with whitespace, and an entry pasted with
    a space after it, or a file's whole text (``read_text()`` without
    ``split()``), would never match, the guard warning on every build
    without a word of why. (A space inside is kept: earlier versions
    published a slug's as it was.) So too an entry copied from a
    browser's address bar, percent-encoded where the thing URL holds "ü":
    each is held in every form its URL is written in (``url_forms``).
    """
    urls = _strings(
        settings, "FLATTR_ACCEPT_URL_CHANGES", "old thing URLs", problems, split=False
    )
    return frozenset(
        form
        for entry in urls
        for line in entry.splitlines()
        if line.strip()
        for form in url_forms(line.strip())
    )


def strict_build(settings: Mapping[str, Any]) -> bool:
    """Whether ``FLATTR_STRICT`` in Pelican's ``settings`` asks for a strict
    build: True, or any value but True and False (which ``read_settings``
    reports).

    Whoever wrote ``1`` or ``"yes"`` wanted a strict build: taking it as off
    would publish a broken site with exit status 0.
    """
    return settings.get("FLATTR_STRICT", DEFAULTS["FLATTR_STRICT"]) is not False


def _strict(settings: Mapping[str, Any], problems: list[str]) -> bool:
    value = settings.get("FLATTR_STRICT", DEFAULTS["FLATTR_STRICT"])
    if not isinstance(value, bool):
        problems.append(
            f"FLATTR_STRICT must be True or False, not {shown_value(value)}; taken as "
            "True, so this build fails (write FLATTR_STRICT = False for a build "
            "that only warns)"
        )
    return strict_build(settings)


def _strings(
    settings: Mapping[str, Any],
    name: str,
    what: str,
    problems: list[str],
    split: bool = True,
) -> tuple[str, ...]:
    """A list setting; a string is split as tags are (``split``) or taken as
    the list's one item (a URL may hold a comma)."""
    value = settings.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = split_tags(value) if split else [value]
    if not isinstance(value, (list, tuple)):
        one_string = " (or one string of them, separated by commas)" if split else ""
        problems.append(
            f"{name} must be a list of {what}{one_string}, not {shown_value(value)}"
        )
        return ()
    for index, item in enumerate(value):
        if not isinstance(item, str):
            # The item itself: a long list's repr, cut short, would hide it.
            problems.append(
                f"{name}[{index}] must be a string, not {shown_value(item)}"
            )
            return ()
    if any(holds_lone_surrogate(item) for item in value):
        problems.append(f"{name} {NOT_UNICODE}")
        return ()
    return tuple(value)


# A file each path setting may name, for the message that refuses a folder.
_FILE_EXAMPLES = {
    "FLATTR_MANIFEST": "meta/flattr-manifest.json",
    "FLATTR_URL_BASELINE": "/var/cache/pelican-flattr/url-baseline.json",
    "FLATTR_STORE": "/srv/flattr/flattr-store.sqlite3",
}
# Path settings taken in OUTPUT_PATH when relative: a "~" there would be a
# folder of the output named "~", published with the site.
_IN_OUTPUT = frozenset({"FLATTR_MANIFEST"})


def backslash_warnings(settings: Mapping[str, Any]) -> list[str]:
    """A warning for each of the plugin's path settings that holds a
    backslash where it is no folder separator (anywhere but Windows): one
    written on Windows in a shared settings file made Linux CI publish
    /feeds%5Cflattr-manifest.json, or keep the URL guard's baseline in a
    file at the top of the folder the build ran in, which CI did not keep."""
    if "\\" in (os.sep, os.altsep):
        return []
    warnings = []
    for name in ("FLATTR_MANIFEST", "FLATTR_STORE", "FLATTR_URL_BASELINE"):
        value = settings.get(name)
        path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else ""
        if isinstance(path, str) and "\\" in path:
            example = shown_value(path.replace("\\", "/"))
            published = ", and published with %5C in its URL" * (name in _IN_OUTPUT)
            warnings.append(
                f"{name} {shown_value(path)} holds a backslash, which is no "
                "folder separator here: the file is written or read with the "
                f"backslash in its name{published}; write the folders with "
                f"'/' (as in {example}), which Windows takes too"
            )
    return warnings


def path_setting(settings: Mapping[str, Any], name: str, problems: list[str]) -> Any:
    """The path setting ``name``, or None when unset (None) or not a path.

    A path on the operator's machine (``FLATTR_URL_BASELINE``,
    ``FLATTR_STORE``) starting with ``~`` is the home folder's, as a shell
    takes it; taken as written, it made a folder named ``~`` where the
    build ran. In ``FLATTR_MANIFEST``, which is taken in the output
    folder, it is refused, as is a value that ends in ``/``: a folder,
    where a file was meant.
    """
    value = settings.get(name)
    if value is None:
        return None
    path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    if not isinstance(path, str) or not path:
        problems.append(f"{name} must be a file path, not {shown_value(value)}")
        return None
    if "\0" in path:
        problems.append(nul_in_path(name, value))
        return None
    if path.strip() != path:
        # Taken as written, " " wrote a file named " ", and "m.json " one
        # whose name ends in a space, where neither was meant.
        problems.append(
            f"{name} {shown_value(path)} is blank: write a file path, or leave it unset"
            if not path.strip()
            else f"{name} {shown_value(path)} starts or ends with a blank, which "
            "would be part of the file's name: write the path without it"
        )
        return None
    if path.endswith((os.sep, os.altsep or os.sep)) or os.path.basename(path) in (
        os.curdir,
        os.pardir,
    ):
        # Path() drops the "/" (and "meta/." is "meta"): the file was written
        # under the folder's name.
        example = _FILE_EXAMPLES.get(name, "flattr.json")
        problems.append(
            f"{name} {shown_value(path)} names a folder; point it at a file, "
            f"such as {example}" + _written_by_earlier_versions(settings, name, path)
        )
        return None
    if not path.startswith("~"):
        return value
    if name in _IN_OUTPUT:
        problems.append(
            f"{name} {shown_value(path)} starts with '~', which is no home "
            "folder here: a relative path is taken in OUTPUT_PATH (a folder "
            "named '~' would be published); write it relative to the output "
            "folder, or as an absolute path"
        )
        return None
    expanded = os.path.expanduser(path)
    if expanded.startswith("~"):  # "~nobody/": no such user, or no HOME
        problems.append(
            f"{name} {shown_value(path)} starts with '~', but names no home "
            "folder of this system: write it as an absolute path"
        )
        return None
    if os.path.isfile(path):
        # Earlier versions took "~" as a folder of that name where the
        # build ran, and kept the store or baseline there: read from the
        # home folder, an empty one would start unsaid (or, once made, the
        # flattrs would be split between the two).
        folder = Path(path).parts[0]
        old = os.path.abspath(path)
        problems.append(
            f"{name} {shown_value(path)} is {expanded} now, but earlier "
            f"versions of pelican-flattr kept it in a folder named "
            f"{folder!r} here, and {old} is there: "
            + (
                _move_baseline(old, expanded)
                if name == "FLATTR_URL_BASELINE"
                else "stop what writes it (the web hook receiver), then move "
                "it, with its -wal and -shm files, to where the setting names "
                "(merge them if both hold data), or set the absolute path of "
                "the one to use"
            )
        )
        return None
    return expanded


def _move_baseline(old: str, new: str) -> str:
    """How to move ``old``, the URL guard's baseline that earlier versions
    kept under a folder named "~", to ``new``, where FLATTR_URL_BASELINE
    names it now. One file, which only a build writes, whole: nothing to
    stop first, and two cannot be merged. Of two, the newer is the one the
    last build wrote, which the guard must compare the next build with."""
    if not os.path.isfile(new):
        move = f"move it to {new}"
    else:
        newer = old if os.path.getmtime(old) > os.path.getmtime(new) else new
        keep = f"move {old} over {new}" if newer == old else f"remove {old}"
        move = (
            f"{new} is there too: keep the newer, {newer}, which the last build "
            f"wrote and the URL guard compares the next build with ({keep})"
        )
    # Refused with the settings, as the store is: a build that read the
    # home folder's would compare with no baseline, or an older one.
    return (
        f"{move}, or set FLATTR_URL_BASELINE to the absolute path of the one "
        "to use; until then, builds make no Flattr buttons"
    )


def _written_by_earlier_versions(
    settings: Mapping[str, Any], name: str, path: str
) -> str:
    """What the refusal of ``path``, a path setting ``name`` that names a
    folder, adds when earlier versions wrote a file under the folder's name
    (``output/meta`` for ``"meta/"``): a file a build would deploy, and in
    the way of the folder."""
    in_output = name in _IN_OUTPUT
    written = Path(
        str(settings.get("OUTPUT_PATH") or "output") if in_output else "", path
    )
    if not written.is_file():
        return ""
    if not in_output and path.startswith("~"):
        # Kept in a folder named "~" where the build ran: the value without
        # its "/" is the home folder's now, not that file.
        return (
            f" ({os.path.abspath(written)} is a file that earlier versions of "
            "pelican-flattr kept for this value, in a folder named '~' here: "
            "set the setting to that absolute path, as a '~' names the home "
            "folder now)"
        )
    if not in_output:
        # The store or baseline itself, which the setting meant all along.
        return (
            f" ({written} is a file that earlier versions of pelican-flattr "
            "kept for this value: set the setting to its path, without the "
            "'/')"
        )
    return (
        f" ({written} is a file that earlier versions of pelican-flattr wrote "
        "for this value: remove it, or the site publishes it and the folder "
        "cannot be made)"
    )


def nul_in_path(name: str, value: object) -> str:
    """What to say of the path setting ``name`` when its ``value`` holds a
    NUL character.

    Every file system call refuses one with a ValueError, which would end
    the build or the command in a traceback.
    """
    return (
        f"{name} {shown_value(value)} holds a NUL character ('\\x00'), which no "
        "file name can hold"
    )


class SettingsFileError(ValueError):
    """A Pelican settings file that is missing or fails to run.

    The message names the file and never repeats an email address.
    """


def read_settings_file(
    path: str | os.PathLike[str],
    *,
    needs_content: bool | Literal["if-present"] = True,
) -> dict[str, Any]:
    """Pelican's settings from the file at ``path``, as ``pelican -s`` reads
    them: for the commands that take ``--settings``. The file is run once.

    Pelican refuses settings whose content folder (``PATH``) or theme
    folder (``THEME``) is missing. No command reads the theme: it is read
    with Pelican's own, so ``THEME`` and what Pelican derives from it
    (``CSS_FILE``) are not the build's. A command that never reads the content
    (``needs_content=False``) reads them with ``PATH`` the settings file's
    folder: a web hook receiver's host, or a deploy host, may have the
    settings file alone. ``needs_content="if-present"``: the file's own
    ``PATH`` where it is a folder on this host, the file's folder otherwise.

    Raises SettingsFileError. Running a settings file can raise anything,
    and what it raised may quote an author's address: never shown. A
    ``FLATTR_*`` name the plugin does not read is said on stderr, as the
    build warns of it: a misspelt ``FLATTR_STORE`` would have ``webhook
    serve`` keep deliveries in another store without a word.
    """
    # The file may be in a folder named by an address.
    shown = redact_addresses(os.fspath(path))
    if os.path.isdir(path):
        raise SettingsFileError(f"{shown}: is a folder, not a settings file")
    if not os.path.exists(path):  # unlike Path.exists(), never raises
        raise SettingsFileError(
            f"{shown}: {why_unreachable(path) or 'no such settings file'}"
        )
    if not os.path.isfile(path):
        # A FIFO or a device: Pelican would wait on it for ever, or read
        # what it was never meant to.
        raise SettingsFileError(f"{shown}: not a regular file")
    if not str(path).endswith(".py"):
        # Pelican imports the file as a module, by its suffix.
        raise SettingsFileError(
            f"{shown}: Pelican reads settings only from a Python file whose "
            "name ends in .py"
        )
    try:
        # What the file prints ("using local overrides") is for people: on
        # stdout it would break a command's --json document.
        with (
            _stdout_to_stderr(),
            _without_pelicans_settings_warnings(),
            _beside_its_modules(path),
        ):
            settings = _run_once(path, needs_content)
    except (Exception, SystemExit) as error:
        if needs_content is True and str(error).startswith(
            "You need to specify a path"
        ):
            raise SettingsFileError(
                f"{shown}: its content folder (PATH) does not exist here, and "
                "Pelican reads settings only where it does: give the content "
                "folder with --content"
            ) from None
        # SystemExit too: a sys.exit() in the file would end the command
        # with the file's own status and words, unredacted.
        raise SettingsFileError(
            f"{shown}: cannot be read as Pelican settings: "
            f"{type(error).__name__}: {redact_addresses(str(error))}"
        ) from None
    for message in unknown_settings(settings):
        print(f"pelican-flattr: {shown}: {message}", file=sys.stderr)
    return settings


def _run_once(
    path: str | os.PathLike[str], needs_content: bool | Literal["if-present"]
) -> dict[str, Any]:
    """Pelican's settings from the file at ``path``, as read_settings_file
    reads them, the file run once.

    Not run by Pelican's ``read_settings(path)``: which ``PATH`` to read
    with is known only once the file has run, and a second run would do
    what the file does (print, start a process) twice.
    """
    from pelican.settings import DEFAULT_THEME, get_settings_from_file
    from pelican.settings import read_settings as read_pelican_settings

    settings = get_settings_from_file(str(path))
    settings["THEME"] = DEFAULT_THEME
    if needs_content is False:
        settings["PATH"] = os.curdir  # made the file's folder below
    settings = _absolute_beside(path, settings)
    content = settings.get("PATH", os.curdir)  # Pelican's default
    if needs_content == "if-present" and _not_a_folder(content):
        settings["PATH"] = os.path.dirname(os.path.abspath(path))
    # The rest as Pelican does it: deprecated names, defaults, checks.
    return read_pelican_settings(None, override=settings)


# The settings Pelican's read_settings(path) takes from beside the settings
# file when relative (THEME aside, which read_settings_file replaces);
# PLUGIN_PATH is the deprecated name of PLUGIN_PATHS, which Pelican moves
# before it makes them absolute, and either may be one path.
_BESIDE_THE_FILE = ("PATH", "OUTPUT_PATH", "CACHE_PATH")
_PLUGIN_PATHS = ("PLUGIN_PATHS", "PLUGIN_PATH")


def _absolute_beside(
    path: str | os.PathLike[str], settings: dict[str, Any]
) -> dict[str, Any]:
    """``settings``, read from the file at ``path``, with their relative
    paths made absolute beside it, as Pelican's ``read_settings`` makes
    them: read_settings_file runs the file itself, so read_settings never
    sees where it is."""
    folder = os.path.dirname(os.path.abspath(path))

    def beside(value: Any) -> Any:
        if os.path.isabs(value):
            return value
        return os.path.abspath(os.path.normpath(os.path.join(folder, value)))

    for name in _BESIDE_THE_FILE:
        if settings.get(name) is not None:
            settings[name] = beside(settings[name])
    for name in _PLUGIN_PATHS:
        value = settings.get(name)
        if isinstance(value, str):
            settings[name] = beside(value)
        elif value is not None:
            settings[name] = [beside(item) for item in value]
    return settings


def _not_a_folder(content: object) -> bool:
    """Whether Pelican refuses settings for their content folder,
    ``content`` (``PATH``, made absolute): it is no folder on this host.
    ``PATH = None`` is Pelican's to refuse, with its own error."""
    return content is not None and not os.path.isdir(content)


@contextlib.contextmanager
def _beside_its_modules(path: str | os.PathLike[str]) -> Iterator[None]:
    """While the block runs, Python looks for modules in the folder of the
    settings file at ``path`` too, after the others: ``pelican-quickstart``'s
    ``publishconf.py`` imports ``pelicanconf`` from the current folder, and
    a command run from another (a deploy host's, a CI step's) failed with
    ModuleNotFoundError."""
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.append(folder)
    try:
        yield
    finally:
        # One entry of it goes, the last: the file itself may have appended
        # it too, or taken it out.
        with contextlib.suppress(ValueError):
            del sys.path[len(sys.path) - 1 - sys.path[::-1].index(folder)]


@contextlib.contextmanager
def _without_pelicans_settings_warnings() -> Iterator[None]:
    """While the block runs, Pelican's warnings about the settings it reads
    are not said: they speak of building the site (feeds without
    ``SITEURL``, no ``TIMEZONE``, a name Pelican deprecated), which the build
    says, and the commands build nothing. On a receiver's host, whose
    settings file may hold the store and the token alone, they were noise
    above every command's own output."""
    pelicans = logging.getLogger("pelican.settings")
    level = pelicans.level
    pelicans.setLevel(logging.ERROR)
    try:
        yield
    finally:
        pelicans.setLevel(level)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """While the block runs, what is written to stdout goes to stderr:
    sys.stdout's writes, and file descriptor 1's, which a process the
    settings file starts writes to (``subprocess.run(["git", "describe"])``
    to stamp the build), and which sys.stdout alone does not redirect."""
    _flush(sys.stdout)  # what the command printed before stays before
    try:
        kept = os.dup(1)
    except OSError:  # no stdout (">&-"): nothing of it to keep clean
        kept = None
    if kept is not None:
        try:
            os.dup2(2, 1)
        except OSError:  # no stderr either: what the file prints is lost
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        # Written through sys.__stdout__ (print(file=sys.__stdout__)), it
        # goes to stderr too, before stdout is back.
        _flush(sys.__stdout__)
        if kept is not None:
            os.dup2(kept, 1)
            os.close(kept)


def _flush(stream: Any) -> None:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        stream.flush()


def _has_query_or_fragment(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.query or parts.fragment or url.endswith(("?", "#")))


def read_settings(
    settings: Mapping[str, Any],
) -> tuple[FlattrSettings | None, list[str]]:
    """Validate the ``FLATTR_*`` settings found in Pelican's ``settings``.

    Returns ``(FlattrSettings, problems)``. Problems with single author
    entries leave the settings usable; problems with a site-wide setting
    return None, because every button built from it would be wrong.
    """
    # Each reader below adds what it refuses to ``fatal``, in the order the
    # settings are said in (the messages keep it).
    fatal: list[str] = []
    siteurl, source = _site_url(settings, fatal)
    files_url, development = _files_url(settings, siteurl, source, fatal)
    old_hosts = _old_hosts(settings, fatal)
    username = _site_owner(settings, fatal)
    authors, unusable, usable_problems = _author_owners(settings, fatal)
    category = _category(settings, fatal)
    language = _language(settings, fatal)
    button = _button(settings, fatal)
    manifest_path = manifest_path_setting(settings, fatal)
    baseline = _baseline_path(settings, fatal)
    store = path_setting(settings, "FLATTR_STORE", fatal)
    summary_max = settings.get("SUMMARY_MAX_LENGTH", 50)
    paragraphs = settings.get("SUMMARY_MAX_PARAGRAPHS")
    result = FlattrSettings(
        siteurl=siteurl,
        files_url=files_url,
        development_build=development,
        pin_hosts=_pin_hosts(settings, siteurl, files_url, old_hosts),
        site_name=str(settings.get("SITENAME") or ""),
        username=username,
        authors=authors,
        unusable_authors=unusable,
        category=str(category),  # None when refused: these settings go unused
        language=language,
        tags=_strings(settings, "FLATTR_TAGS", "strings", fatal),
        hidden=_bool(settings, "FLATTR_HIDDEN", fatal),
        button=str(button),
        pages=_bool(settings, "FLATTR_PAGES", fatal),
        inject=_bool(settings, "FLATTR_INJECT", fatal),
        open_graph=_bool(settings, "FLATTR_OPEN_GRAPH", fatal),
        output_path=str(settings.get("OUTPUT_PATH") or "output"),
        manifest_path=manifest_path,
        feeds=_bool(settings, "FLATTR_FEEDS", fatal),
        url_guard=_bool(settings, "FLATTR_URL_GUARD", fatal),
        url_baseline_path=baseline,
        url_baseline_set=settings.get("FLATTR_URL_BASELINE") is not None,
        accepted_url_changes=accepted_url_changes(settings, fatal),
        strict=_strict(settings, fatal),
        site_subtitle=str(settings.get("SITESUBTITLE") or ""),
        store_path=Path(store) if store else None,
        summary_max_length=summary_max if isinstance(summary_max, int) else None,
        summary_max_paragraphs=paragraphs if isinstance(paragraphs, int) else None,
    )
    if fatal:
        return None, fatal + usable_problems
    return _files_kept_where_published(settings, result, usable_problems)


def _site_url(settings: Mapping[str, Any], fatal: list[str]) -> tuple[str, str]:
    """The site's base URL for thing URLs, without its final ``/``, and the
    setting it came from (``FLATTR_SITEURL``, else ``SITEURL``)."""
    for name in ("FLATTR_SITEURL", "SITEURL"):
        value = settings.get(name)
        if value is not None and not isinstance(value, str):
            # False or 0 was taken as unset, and SITEURL named in its place;
            # 3 was read as the URL '3'.
            fatal.append(
                f"{name} must be the site's URL, a string such as "
                f"'https://your.site', not {shown_value(value)}"
            )
            return "", name
    siteurl = settings.get("FLATTR_SITEURL") or settings.get("SITEURL") or ""
    source = "FLATTR_SITEURL" if settings.get("FLATTR_SITEURL") else "SITEURL"
    siteurl = str(siteurl).rstrip("/")
    base_problem = check_thing_url(siteurl + "/", base=True)
    if base_problem is None and _has_dot_segment(siteurl):
        fatal.append(
            f"{source} is {shown_value(siteurl)}, whose path holds a '.' or '..' "
            "segment, which a browser resolves: every thing URL would name "
            "another address than its page's; write the path resolved, such "
            "as 'https://your.site/blog'"
        )
    elif base_problem is None and _has_query_or_fragment(siteurl):
        fatal.append(
            f"{source} is {shown_value(siteurl)}, which holds a query or fragment "
            "('?...', '#...'): every thing URL would carry it in the middle; "
            "write the site's base URL alone, such as 'https://your.site/blog'"
        )
    elif base_problem == CREDENTIALS_IN_URL or (
        protocol_relative(siteurl)
        and check_thing_url(with_scheme(siteurl) + "/", base=True) == CREDENTIALS_IN_URL
    ):
        fatal.append(
            f"{source} {CREDENTIALS_IN_URL}, which every thing URL would publish: "
            "write the site's public URL without it"
        )
    elif base_problem == NOT_UNICODE:
        fatal.append(f"{source} {NOT_UNICODE}")
    elif base_problem is not None and base_problem not in (NOT_ABSOLUTE, NO_HOST_NAME):
        # An absolute URL with something wrong in it (a host name browsers
        # refuse or read as another, a port, a character): what is wrong,
        # which the advice to write an absolute URL would not say.
        fatal.append(f"{source} is {shown_value(siteurl)}, which {base_problem}")
    elif base_problem is not None:
        # FLATTR_SITEURL, once set, is the one to fix: SITEURL is not read.
        if source == "FLATTR_SITEURL":
            advice = (
                "write it as an absolute http or https URL, such as "
                "FLATTR_SITEURL = 'https://your.site'"
            )
        elif protocol_relative(siteurl) and not is_development_url(siteurl):
            # Protocol-relative: the site's pages may keep it; a thing URL
            # needs the scheme, which FLATTR_SITEURL gives.
            advice = (
                "a protocol-relative URL names no scheme; keep it for the "
                f"pages and set FLATTR_SITEURL = {'https:' + siteurl!r} (or "
                "http:) for the thing URLs"
            )
        else:
            advice = (
                "set SITEURL = 'https://your.site' in your settings file, or "
                "keep a local SITEURL for development and set FLATTR_SITEURL = "
                "'https://your.site' so that buttons still name the public URL"
            )
        fatal.append(
            f"{source} is {shown_value(siteurl)}, but Flattr needs absolute thing "
            f"URLs: {advice}"
        )
    return siteurl, source


def listed_old_hosts(settings: Mapping[str, Any]) -> frozenset[str]:
    """``FLATTR_OLD_HOSTS`` of Pelican's ``settings``, as ``comparable_host``
    gives them, for advice that would tell to list a host there; its
    problems are said where the build reads the setting."""
    return _old_hosts(settings, [])


def _old_hosts(settings: Mapping[str, Any], fatal: list[str]) -> frozenset[str]:
    """``FLATTR_OLD_HOSTS``: the host names the site was published on
    before, whose URLs a ``Flattr_url`` may pin, as ``comparable_host``
    gives them."""
    hosts = _strings(settings, "FLATTR_OLD_HOSTS", "host names", fatal)
    for index, host in enumerate(hosts):
        problem = _host_name_problem(host)
        if problem is not None:
            fatal.append(f"FLATTR_OLD_HOSTS[{index}] is {shown_value(host)}, {problem}")
    return frozenset(comparable_host(_hostname(f"//{host}") or host) for host in hosts)


def _host_name_problem(host: str) -> str | None:
    """What is wrong with ``host`` as a host name alone (``old.example.org``,
    ``[2001:db8::1]``), or None."""
    if "//" in host:
        name = _hostname(host)
        return "a URL: write its host name alone" + (f", {name!r}" if name else "")
    if "*" in host:
        return "a wildcard, which FLATTR_OLD_HOSTS does not take: list each host name"
    # Spaces inside first: " old.example other.example " cut at its ends
    # would be advised as written, and refused again.
    if any(character.isspace() for character in host.strip()):
        # "old.example other.example": the advice for a URL's space (%20)
        # would not help here.
        return (
            "which holds a space: give each host name as an item of its own "
            "(['old.example.org', 'other.example.org'])"
        )
    if host.strip() and host != host.strip():
        # Not "%20": no host name holds one.
        space = "a space" if host.strip(" ") == host.strip() else "white space"
        return f"with {space} at an end: write {shown_value(host.strip())}"
    problem = check_thing_url(f"https://{host}/")
    if problem is not None:
        return f"which {problem}"
    parts = urlsplit(f"https://{host}/")
    if parts.netloc != host or parts.port is not None:
        name = parts.hostname or ""
        # An IPv6 address is written in its brackets, as a URL holds it.
        name = f"[{name}]" if ":" in name else name
        return f"not a host name alone: write {name!r}"
    return None


def _hostname(url: str) -> str | None:
    """The host name of ``url``, lower-case, or None when it has none or
    urllib cannot read it."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _pin_hosts(
    settings: Mapping[str, Any],
    siteurl: str,
    files_url: str,
    old_hosts: frozenset[str],
) -> frozenset[str] | None:
    """The hosts a ``Flattr_url`` may pin a URL on (see
    ``FlattrSettings.pin_hosts``): those of the thing URLs' base
    (``siteurl``) and of the site's files (``files_url``: ``SITEURL``, when
    it is public), of each language's site that ``I18N_SUBSITES`` sets,
    and ``old_hosts``; None in a development build whose thing URLs are
    local, which knows no public host to compare a pin with."""
    if is_development_url(siteurl):
        return None
    urls = [siteurl, files_url]
    subsites = settings.get("I18N_SUBSITES")
    if isinstance(subsites, Mapping):
        for own in subsites.values():
            if isinstance(own, Mapping):
                urls += [own.get("FLATTR_SITEURL"), own.get("SITEURL")]
    names = (_hostname(url) for url in urls if isinstance(url, str) and "//" in url)
    return old_hosts | {comparable_host(name) for name in names if name}


def _site_owner(settings: Mapping[str, Any], fatal: list[str]) -> Owner | None:
    """``FLATTR_USERNAME``'s owner, or None when unset."""
    raw_username = settings.get("FLATTR_USERNAME")
    if reads_as_switch(raw_username):
        fatal.append(
            f"FLATTR_USERNAME {shown_value(raw_username)} {SWITCH_OWNER}: "
            "leave it unset (None) for no site-wide owner"
        )
    elif raw_username not in (None, ""):
        try:
            return parse_owner(raw_username)
        except IdentifierError as error:
            fatal.append(f"FLATTR_USERNAME {error}")
    return None


def _author_owners(
    settings: Mapping[str, Any], fatal: list[str]
) -> tuple[dict[str, Owner], dict[str, str], list[str]]:
    """``FLATTR_AUTHORS`` read: each usable entry's owner, each refused
    entry's problem, and the problems to say of those (which leave the
    settings usable: only that author goes without)."""
    authors: dict[str, Owner] = {}
    unusable: dict[str, str] = {}
    raw_authors = settings.get("FLATTR_AUTHORS")
    if raw_authors is None:
        raw_authors = {}
    if not isinstance(raw_authors, Mapping):
        fatal.append(
            "FLATTR_AUTHORS must be a dict of author name -> Flattr username "
            f"or owner identifier, not {type(raw_authors).__name__}"
        )
        raw_authors = {}
    refused: list[tuple[str, IdentifierError]] = []
    not_names = [name for name in raw_authors if not isinstance(name, str)]
    for name, value in raw_authors.items():
        if not isinstance(name, str):
            continue  # said below, once for all such keys
        try:
            if reads_as_switch(value):
                reason = (
                    f"{SWITCH_OWNER}: leave the author out for no owner of their "
                    "own (their content then goes to FLATTR_USERNAME, when set)"
                )
                raise IdentifierError(f"{shown_value(value)} {reason}", reason)
            authors[str(name)] = parse_owner(value)
        except IdentifierError as error:
            entry = f"FLATTR_AUTHORS[{shown_author(name)}]"
            unusable[str(name)] = f"{entry} {error}"
            refused.append((entry, error))
    problems = unusable_entry_problems(refused)
    if not_names:
        # An author's name is the text of the content's Author: field, so
        # such a key matches no author; the key's str() shown as a name
        # (FLATTR_AUTHORS['3'] for the key 3) hid the mistake.
        problems.append(keys_not_names("FLATTR_AUTHORS", not_names))
    return authors, unusable, problems


def keys_not_names(setting: str, keys: list[object], left_out: bool = True) -> str:
    """The problem of ``keys`` of the author map ``setting`` that are no
    strings, and so no author's name, each shown as written; and that the
    build leaves their entries out (``left_out``), or else what to do."""
    entries = [f"{setting}[{shown_author(key)}]" for key in keys]
    one = len(entries) == 1
    keys_are = "a key that is" if one else "keys that are"
    if left_out:
        outcome = f"{'the entry is' if one else 'the entries are'} left out"
    else:
        outcome = f"write {'it' if one else 'each'} as a string, or remove it"
    return (
        f"{listed(entries, NAMED_ENTRIES)}: {keys_are} no author's name, which "
        f"is a string, as the content's Author: field gives it; {outcome}"
    )


def _has_dot_segment(url: str) -> bool:
    """Whether the path of ``url`` holds a "." or ".." segment, written
    plainly or percent-encoded (``%2e``), as a browser resolves them."""
    path = urlsplit(url).path.lower().replace("%2e", ".")
    return "." in path and any(segment in (".", "..") for segment in path.split("/"))


def _category(settings: Mapping[str, Any], fatal: list[str]) -> str | None:
    """``FLATTR_CATEGORY``, as Flattr names it, or None when refused."""
    raw_category = settings.get("FLATTR_CATEGORY", DEFAULTS["FLATTR_CATEGORY"])
    category = flattr_category(raw_category)
    if category is None:
        fatal.append(
            f"FLATTR_CATEGORY is {shown_value(raw_category)}; "
            f"{category_choices(raw_category)}"
        )
    return category


def _language(settings: Mapping[str, Any], fatal: list[str]) -> str:
    """The Flattr language code of things that name none of their own:
    ``FLATTR_LANGUAGE``'s, else ``DEFAULT_LANG``'s, else English."""
    raw_language = settings.get("FLATTR_LANGUAGE")
    if raw_language is not None and (
        not isinstance(raw_language, str) or not raw_language
    ):
        # Taken as unset, it gave every thing DEFAULT_LANG's code unseen.
        fatal.append(
            "FLATTR_LANGUAGE must be a language code such as en_GB, de_DE or "
            f"sv_SE, not {shown_value(raw_language)} (None leaves it to DEFAULT_LANG)"
        )
        language = None
    elif raw_language:
        language = flattr_language(raw_language)
        if language is None:
            slip = country_code_slip(raw_language)
            fatal.append(
                f"FLATTR_LANGUAGE is {shown_value(raw_language)}, which Flattr "
                "has no code for; use a code such as en_GB, de_DE or sv_SE (see "
                "the README)" + (slip[0] if slip else "")
            )
    else:
        # DEFAULT_LANG may name a language Flattr never had; English is then
        # the only honest default, and articles say so once per language.
        language = flattr_language(settings.get("DEFAULT_LANG", "en"))
    return language or "en_GB"


def _button(settings: Mapping[str, Any], fatal: list[str]) -> object:
    """``FLATTR_BUTTON``, the style of every button a template does not
    choose."""
    button = settings.get("FLATTR_BUTTON", DEFAULTS["FLATTR_BUTTON"])
    if button not in BUTTON_STYLES:
        fatal.append(
            f"FLATTR_BUTTON is {shown_value(button)}; "
            f"choose one of {', '.join(BUTTON_STYLES)}"
        )
    return button


def _baseline_path(settings: Mapping[str, Any], fatal: list[str]) -> Path:
    """Where the URL guard keeps its baseline (see ``baseline_path_setting``)."""
    cache = str(settings.get("CACHE_PATH") or "cache")
    if settings.get("FLATTR_URL_BASELINE") is None and "\0" in cache:
        # Pelican reads no cache with CACHE_CONTENT off, but the URL guard
        # would still keep its baseline there.
        fatal.append(
            f"{nul_in_path('CACHE_PATH', cache)}, and the URL guard keeps its "
            "baseline in it (unless FLATTR_URL_BASELINE says where)"
        )
    return baseline_path_setting(settings, fatal)


def _files_url(
    settings: Mapping[str, Any], siteurl: str, source: str, fatal: list[str]
) -> tuple[str, str]:
    """The base URL of the site's files (an ``og:image``), and why this is
    a development build ("" when it is none). A public ``SITEURL`` with
    local thing URLs is added to ``fatal``: a bad value like any other,
    from which no button is built."""
    own_siteurl = settings.get("SITEURL", "")
    files_url = str(own_siteurl or "").rstrip("/")
    # A protocol-relative SITEURL ("//example.org"): pages reach the site
    # by the reader's scheme, a published one, whose URLs went unguarded as
    # a development build's. Its files take the thing URLs' scheme (an
    # og:image must be absolute).
    if protocol_relative(files_url):
        # The thing URLs' scheme, read as far as the first ":": a broken
        # FLATTR_SITEURL ("https://[::1") is its own check's to say.
        scheme = siteurl.partition(":")[0].lower()
        files_url = with_scheme(
            files_url, scheme if scheme in ("http", "https") else "https"
        )
    files_problem = check_thing_url(files_url + "/", base=True)
    if source != "SITEURL" and files_problem not in (None, NOT_ABSOLUTE, NO_HOST_NAME):
        # An absolute SITEURL with something wrong in it (a "\\" in its
        # path): not a preview's, whose build the URL guard would skip
        # without a word. Said where SITEURL is read for the thing URLs.
        fatal.append(
            f"SITEURL is {shown_value(own_siteurl)}, which {files_problem} "
            "(the site's files, an og:image, are under it)"
        )
        return siteurl, ""
    if files_problem is not None or is_development_url(files_url):
        # A preview of a published page needs its image.
        return siteurl, f"SITEURL is {shown_value(own_siteurl)}"
    if is_development_url(siteurl):
        # The site is published (its SITEURL is public) with buttons that
        # name this machine or its network: no reader can flattr them, and
        # the URL guard would take the build for a development one. Said
        # and used all the same, they were published (exit 0, and the audit
        # passed): refused as any bad value, no button is built from it.
        fatal.append(
            f"{source} is {shown_value(settings.get(source))}, a local address, "
            "but SITEURL is "
            f"{shown_value(own_siteurl)}, a public one: every thing's URL, "
            "button and og:url would name the local address, which no reader "
            "or Flattr can reach; set FLATTR_SITEURL to the site's public "
            "address, or leave it out to use SITEURL"
        )
    return files_url, ""


def _files_kept_where_published(
    settings: Mapping[str, Any], result: FlattrSettings, usable_problems: list[str]
) -> tuple[FlattrSettings, list[str]]:
    """``result`` and ``usable_problems``, with the URL guard's baseline and
    the store checked against where the site is published."""
    if result.url_guard:
        deleted = baseline_deleted_with_output(settings, result.url_baseline_path)
        if deleted is not None:
            usable_problems.append(deleted)
    if result.store_path is not None:
        published = store_published_with_site(settings, result.store_path)
        if published is not None:
            usable_problems.append(published)
            # Read for nothing the site shows: refused as a whole, so that
            # only moving it makes the build quiet.
            result = dataclasses.replace(result, store_path=None)
    return result, usable_problems


# How many entries of FLATTR_AUTHORS with one mistake are said each on its
# own; past it, one message names the first of them (each a line of the
# settings to mend) and counts the rest.
NAMED_ENTRIES = 10


def unusable_entry_problems(refused: list[tuple[str, IdentifierError]]) -> list[str]:
    """The problems of the ``refused`` entries of FLATTR_AUTHORS (each as
    messages name it, and why it was refused): one each, but one for the
    entries of each reason more than ``NAMED_ENTRIES`` share.

    A bulk import gets hundreds of values wrong alike (Twitter handles
    where numeric ids belong): said one by one, they flooded the terminal
    with five lines each, and a strict build counted hundreds of problems
    that one fix mends.
    """
    by_reason: dict[str, list[str]] = {}
    for entry, error in refused:
        by_reason.setdefault(error.reason, []).append(entry)
    problems = []
    said: set[str] = set()  # the reasons said of many entries at once
    for entry, error in refused:
        alike = by_reason[error.reason]
        if len(alike) <= NAMED_ENTRIES:
            problems.append(f"{entry} {error}")
        elif error.reason not in said:
            said.add(error.reason)
            problems.append(
                f"{len(alike)} FLATTR_AUTHORS entries are unusable: "
                f"{listed(alike, NAMED_ENTRIES)}; the value of each {error.reason}"
            )
    return problems


def _path_below(
    folder: str | os.PathLike[str],
    path: str | os.PathLike[str],
    link_itself: bool = False,
) -> str | None:
    """``path`` relative to ``folder`` ("." for the folder itself) when it
    lies there, links followed as the file system follows them (but for a
    link at ``path`` itself with ``link_itself``, as deleting it deletes
    the link); else None."""
    folder = os.path.realpath(folder)
    if link_itself:
        parent, name = os.path.split(os.path.abspath(path))
        where = os.path.join(os.path.realpath(parent), name)
    else:
        where = os.path.realpath(path)
    try:
        if os.path.commonpath([folder, where]) != folder:
            return None
    except ValueError:  # on two drives
        return None
    return os.path.relpath(where, folder)


def failed_build_manifest_path(
    settings: FlattrSettings, outputs: Iterable[str] = ()
) -> Path | None:
    """Where a strict build that its URL guard fails keeps its manifest,
    which its output must not hold (an audit refuses that output until a
    build passes): beside the guard's baseline, named for it, so that the
    ``pelican-flattr diff BASELINE KEPT --old-urls`` of the guard's summary
    runs on the failed build's things without a second build. None where
    no guard keeps a baseline, or where the copy would lie in this build's
    output or one of ``outputs`` (the sites a language's site of
    i18n_subsites runs inside), links followed or not: a deploy would
    publish it."""
    if not settings.url_guard:
        return None
    baseline = settings.url_baseline_path
    kept = baseline.with_name(
        f"{baseline.stem}.failed-build-manifest{baseline.suffix or '.json'}"
    )
    for output in (settings.output_path, *outputs):
        if _path_below(output, kept) is not None:
            return None
        if _path_below(output, kept, link_itself=True) is not None:
            return None
    return kept


def has_plugin(plugins: Iterable[object], name: str) -> bool:
    """Whether the plugin ``name`` (``"seo"``, ``"i18n_subsites"``,
    ``"pelican_flattr"``) is among ``plugins``: the plugins a Pelican loaded
    (modules), or ``PLUGINS`` entries (a module, or the name given).

    An entry names the plugin by the first or the last part of its dotted
    name: ``pelican.plugins.seo``, a namespace plugin, is ``seo``;
    ``pelican_flattr.plugin``, a module of the plugin's package whose
    ``register`` Pelican calls as well, is ``pelican_flattr``. The build and
    the audit ask this one rule, so that they agree on what a site loads.
    """
    for plugin in plugins:
        dotted = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")
        parts = str(dotted).split(".")
        if name in (parts[0], parts[-1]):
            return True
    return False


def named_sites(
    settings: Mapping[str, Any],
) -> list[tuple[str, Mapping[str, Any]]]:
    """The site's settings and each language's own of ``I18N_SUBSITES``
    (pelican-i18n-subsites; what it sets over the site's), each with what
    names it in a message: "" for the site's, "I18N_SUBSITES['de'] " for a
    language's. The commands read owners from them all, as the build does."""
    subsites = settings.get("I18N_SUBSITES")
    languages = subsites.items() if isinstance(subsites, Mapping) else ()
    return [
        ("", settings),
        *(
            (f"I18N_SUBSITES[{str(lang)!r}] ", each)
            for lang, each in languages
            # i18n_subsites refuses any other, and builds no site of it.
            if isinstance(each, Mapping)
        ),
    ]


def store_published_with_site(settings: Mapping[str, Any], store: Path) -> str | None:
    """Why the operator's ``store`` would be published with the site: it
    lies in the output folder, or in a folder of ``STATIC_PATHS`` that
    Pelican copies there; else None.

    The store holds the claim URLs of the owners' pending flattrs, with an
    owner's email address in them: never for readers. Pelican would also
    copy one in a static folder with the permissions of a published file.
    """
    output = str(settings.get("OUTPUT_PATH") or "output")
    if _path_below(output, store) is not None:
        where = "in OUTPUT_PATH, which is deployed as the site"
    else:
        content = str(settings.get("PATH") or os.curdir)
        static = settings.get("STATIC_PATHS")
        folders = static if isinstance(static, (list, tuple)) else ()
        copied = next(
            (
                folder
                for folder in folders
                if isinstance(folder, str)
                and _path_below(os.path.join(content, folder), store) is not None
            ),
            None,
        )
        if copied is None:
            return None
        where = f"in {copied!r} of STATIC_PATHS, which Pelican copies into the output"
    return (
        f"FLATTR_STORE {redact_addresses(str(store))} lies {where}: it would "
        "be published with the site, and it holds the operator's private "
        "records: who flattred what, each owner's claim URL, and which Flattr "
        "user verified which identity. Keep the store outside the output and "
        "the content folder; no pending flattr notices this build"
    )


def _deleted_with_output(settings: Mapping[str, Any], path: Path) -> str | None:
    """The name, in the output folder, of what holds ``path`` when Pelican's
    ``DELETE_OUTPUT_DIRECTORY`` deletes it before each build (it lies in
    ``OUTPUT_PATH``, under no name of ``OUTPUT_RETENTION``); else None."""
    if not settings.get("DELETE_OUTPUT_DIRECTORY"):
        return None
    output = str(settings.get("OUTPUT_PATH") or "output")
    if _path_below(output, str(settings.get("PATH") or os.curdir)) is not None:
        return None  # Pelican never empties a folder that holds the content
    retention = settings.get("OUTPUT_RETENTION")
    kept = retention if isinstance(retention, (list, tuple, set, frozenset)) else ()
    # Pelican deletes a link in the output itself, and, through a link
    # outside it, the file in the output it names: either is lost.
    for below in (
        _path_below(output, path, link_itself=True),
        _path_below(output, path),
    ):
        if below is None or below == os.curdir:
            continue
        top = below.split(os.sep)[0]
        if top not in kept:
            return top
    return None


def kept_files_about_to_be_deleted(
    settings: Mapping[str, Any], subsites: Mapping[str, Any] | None = None
) -> list[str]:
    """Why the build must stop before Pelican empties the output folder: for
    each file the plugin keeps across builds that is there now and that
    ``DELETE_OUTPUT_DIRECTORY`` is about to delete (the URL guard's
    baseline, the store, of the site and of each language's site in
    ``subsites``, I18N_SUBSITES as i18n_subsites builds them), what would be
    lost and what to do. A language's site empties an output of its own
    too, later in the run: stopped only then, the main site's output was
    deleted already, and nothing written in its place.

    Said as an error of the settings too, which a strict build fails on,
    but only after Pelican has deleted them: the store's claim URLs and the
    guard's history of thing URLs are not made again by any build.
    """
    sites = _sites(settings, subsites or {})
    emptied = [site for site in sites if site[2].get("DELETE_OUTPUT_DIRECTORY")]
    if not emptied:
        return []
    reasons = []
    for where, baseline, store in _kept_files(sites):
        found = baseline and _first_emptied_with(emptied, baseline)
        if found:
            top, emptied_in, each = found
            target = _kept_behind_link(each, baseline)
            if target:
                lost = _link_lost(
                    target,
                    "the next build would find no baseline and start one",
                    "its history of thing URLs",
                )
                fix = f"point FLATTR_URL_BASELINE at {redact_addresses(target)}"
            else:
                lost = (
                    "it holds the thing URLs each build is compared with, which "
                    "no build makes again"
                )
                fix = "move it out of the output and point FLATTR_URL_BASELINE at it"
            reasons.append(
                f"{where}the URL guard's baseline {redact_addresses(str(baseline))} "
                f"{emptied_in}: {lost}. {_STOPPED}: {fix}, or name {top!r} in "
                "OUTPUT_RETENTION"
            )
        found = store and _first_emptied_with(emptied, store)
        if found:
            target = _kept_behind_link(found[2], store)
            if target:
                lost = _link_lost(
                    target,
                    "the receiver would start an empty store there",
                    "the web hooks' records",
                )
                fix = f"point FLATTR_STORE at {redact_addresses(target)}"
            else:
                lost = (
                    "it holds the web hooks' records (who flattred what, each "
                    "owner's claim URL), which no build makes again"
                )
                fix = (
                    "move it, with its -wal and -shm files, out of the output and "
                    "the content folder, and point FLATTR_STORE at it (in the "
                    "output, it is published with the site)"
                )
            reasons.append(
                f"{where}the store {redact_addresses(str(store))} {found[1]}: "
                f"{lost}. {_STOPPED}: {fix}"
            )
    return reasons


def _kept_behind_link(settings: Mapping[str, Any], path: Path) -> str | None:
    """The file that ``path``, a link Pelican deletes with the output of
    ``settings``, names outside it: Pelican deletes the link, not the file;
    None when ``path`` is no link, or names a file deleted with it."""
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    return None if _deleted_with_output(settings, Path(target)) else target


def _link_lost(target: str, what_follows: str, what_it_holds: str) -> str:
    """What deleting a link to ``target`` loses: not the file, but the way
    to it (``what_follows`` without it)."""
    return (
        f"a link to {redact_addresses(target)}, which Pelican deletes, not the "
        f"file: {what_follows}, {what_it_holds} left behind where the link "
        "pointed"
    )


_STOPPED = "The build stops before Pelican deletes anything"


def _first_emptied_with(
    emptied: list[tuple[str, str, Mapping[str, Any]]], path: Path
) -> tuple[str, str, Mapping[str, Any]] | None:
    """The name in the output of what holds ``path``, a file that is there,
    where it lies, and the settings, of the first site of ``emptied`` whose
    output ``DELETE_OUTPUT_DIRECTORY`` deletes it with; None when none does."""
    for where, _, each in emptied:
        top = _file_deleted_with_output(each, path)
        if top is None:
            continue
        if not where:
            return (
                top,
                (
                    "lies in OUTPUT_PATH, which DELETE_OUTPUT_DIRECTORY empties now, "
                    "before this build"
                ),
                each,
            )
        output = redact_addresses(str(each.get("OUTPUT_PATH")))
        return (
            top,
            (
                f"lies in {output}, the OUTPUT_PATH of {where.rstrip(': ')}, which "
                "DELETE_OUTPUT_DIRECTORY empties before that site is built, later "
                "in this run"
            ),
            each,
        )
    return None


def _sites(
    settings: Mapping[str, Any], subsites: Mapping[str, Any]
) -> list[tuple[str, str, Mapping[str, Any]]]:
    """The site and each language's site of ``subsites``, in the order
    they are built: what names it in a message, its language ("" for the
    site), and its settings."""
    return [("", "", settings)] + [
        (f"I18N_SUBSITES[{lang!r}]: ", lang, _language_site(settings, lang, own))
        for lang, own in ((str(lang), own) for lang, own in subsites.items())
        if isinstance(own, Mapping)
    ]


def _kept_files(
    sites: list[tuple[str, str, Mapping[str, Any]]],
) -> list[tuple[str, Path | None, Path | None]]:
    """The URL guard's baseline (None where the guard is off) and the store
    of each of ``sites`` (``_sites``), each with what names its site in a
    message. A language's baseline is named for it where a site built
    before it has that path, as ``build.own_path`` names it."""
    unused: list[str] = []  # their problems are the settings' check's to say
    found: list[tuple[str, Path | None, Path | None]] = []
    taken: set[Path] = set()  # every site's, its guard on or off
    stores: set[Path] = set()
    for where, lang, each in sites:
        baseline = _baseline_path(each, unused)
        if baseline in taken and lang:
            baseline = baseline.with_name(f"{baseline.stem}.{lang}{baseline.suffix}")
        taken.add(baseline)
        if each.get("FLATTR_URL_GUARD", True) is False:
            baseline = None
        named = path_setting(each, "FLATTR_STORE", unused)
        store = Path(named) if named else None
        if store in stores:  # the sites share it: said once
            store = None
        if store is not None:
            stores.add(store)
        found.append((where, baseline, store))
    return found


def _language_site(
    settings: Mapping[str, Any], lang: str, own: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The settings of the language ``lang``'s site of i18n_subsites, its
    ``own`` over the site's, with the folders i18n_subsites gives it when
    it names none (the site's, with the language's folder in them)."""
    each = {**settings, **own}
    for folder, default in (("OUTPUT_PATH", "output"), ("CACHE_PATH", "cache")):
        if folder not in own:
            each[folder] = os.path.join(str(settings.get(folder) or default), lang)
    return each


def _file_deleted_with_output(settings: Mapping[str, Any], path: Path) -> str | None:
    """``_deleted_with_output`` of ``path``, when a file is there."""
    try:
        there = path.is_file()
    except (OSError, ValueError):  # a NUL in it: the settings' check says so
        return None
    return _deleted_with_output(settings, path) if there else None


def baseline_deleted_with_output(
    settings: Mapping[str, Any], baseline: Path
) -> str | None:
    """Why the URL guard's ``baseline`` could never be compared: it lies in
    the output folder, which ``DELETE_OUTPUT_DIRECTORY`` empties before
    every build (but for the names in ``OUTPUT_RETENTION``); else None.

    Every build would then find no baseline and start one, which says so
    only in an INFO line: a changed URL would strand its flattrs unseen.
    """
    top = _deleted_with_output(settings, baseline)
    if top is None:
        return None
    named = (
        "FLATTR_URL_BASELINE"
        if settings.get("FLATTR_URL_BASELINE")
        else "CACHE_PATH, where the URL guard keeps its baseline by default,"
    )
    return (
        f"the URL guard's baseline {baseline} lies in OUTPUT_PATH ({named} "
        "points there), which DELETE_OUTPUT_DIRECTORY empties before every "
        "build: the guard would never find a baseline to compare with, and "
        "a changed thing URL would go unreported. Keep FLATTR_URL_BASELINE "
        f"outside the output, or name {top!r} in OUTPUT_RETENTION (once a "
        "build has written it there, the next ones stop before Pelican empties "
        "the output, rather than have it deleted)"
    )
