"""A Flattr thing, the rules its fields obey, and its auto-submit URL.

Flattr keys a thing on its exact URL and creates it on the first flattr from
the parameters of the auto-submit URL. The functions here turn arbitrary text
(titles, summaries, tags, language codes) into values Flattr accepts, so that
a button is either right or absent. Nothing in this module imports Pelican.
"""

from __future__ import annotations

import functools
import html
import ipaddress
import itertools
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from .html_reader import BOGUS_COMMENT
from .identifiers import IdentifierError, Owner, parse_owner, redact_encoded_addresses
from .lazy_regex import lazy_regex
from .wording import shown_value

AUTO_SUBMIT_BASE = "https://flattr.com/submit/auto"

CATEGORIES = ("text", "images", "video", "audio", "software", "people", "rest")


def flattr_category(category: object) -> str | None:
    """Flattr's name for ``category`` in any letter case (``Software`` is
    ``software``), or None when it is none of the seven. Authors capitalise
    by habit; Flattr takes the lower-case name, which every output carries."""
    if not isinstance(category, str):
        return None
    name = category.strip().lower()
    return name if name in CATEGORIES else None


def category_choices(category: object) -> str:
    """What a message says after naming a ``category`` Flattr does not take:
    the seven it does. Flattr showed ``rest`` as "Other", so whoever wrote
    ``other`` is told that ``rest`` is the one they mean."""
    choices = f"choose one of {', '.join(CATEGORIES)}"
    if isinstance(category, str) and category.strip().lower() == "other":
        choices += ' (Flattr shows rest as "Other")'
    return choices


# The 44 codes Flattr accepted (its API's languages.txt), keyed by the ISO 639-1
# language they stand for. Flattr kept the legacy codes iw (Hebrew) and in
# (Indonesian); the modern he and id map onto them.
LANGUAGES: dict[str, str] = {
    "sq": "sq_AL", "ar": "ar_DZ", "be": "be_BY", "bg": "bg_BG", "ca": "ca_ES",
    "zh": "zh_CN", "hr": "hr_HR", "cs": "cs_CZ", "da": "da_DK", "nl": "nl_NL",
    "en": "en_GB", "et": "et_EE", "fi": "fi_FI", "fr": "fr_FR", "de": "de_DE",
    "el": "el_GR", "iw": "iw_IL", "hi": "hi_IN", "hu": "hu_HU", "is": "is_IS",
    "in": "in_ID", "ga": "ga_IE", "it": "it_IT", "ja": "ja_JP", "ko": "ko_KR",
    "lv": "lv_LV", "lt": "lt_LT", "mk": "mk_MK", "ms": "ms_MY", "mt": "mt_MT",
    "no": "no_NO", "pl": "pl_PL", "pt": "pt_PT", "ro": "ro_RO", "ru": "ru_RU",
    "sr": "sr_RS", "sk": "sk_SK", "sl": "sl_SI", "es": "es_ES", "sv": "sv_SE",
    "th": "th_TH", "tr": "tr_TR", "uk": "uk_UA", "vi": "vi_VN",
}  # fmt: skip
FLATTR_LANGUAGE_CODES = frozenset(LANGUAGES.values())
_LANGUAGE_ALIASES = {"he": "iw", "id": "in", "nb": "no", "nn": "no"}

TITLE_LIMITS = (5, 100)
DESCRIPTION_LIMITS = (5, 1000)


# slots: a site of 20,000 articles holds 20,000 things for the whole build.
@dataclass(frozen=True, slots=True, init=False)
class Thing:
    """Everything Flattr is told about one thing, already within its rules.

    ``Thing(url, owner, title, description, category, language, tags=(),
    hidden=False)``.
    """

    url: str
    owner: Owner
    title: str
    # The description is kept as UTF-8 and read as ``description``: it is
    # the longest text of a thing, and a str with one character beyond
    # Latin-1 takes two or four bytes for each of its characters.
    description_utf8: bytes = field(repr=False)
    category: str
    language: str
    tags: tuple[str, ...]
    hidden: bool

    def __init__(
        self,
        url: str,
        owner: Owner,
        title: str,
        description: str,
        category: str,
        language: str,
        tags: tuple[str, ...] = (),
        hidden: bool = False,
    ) -> None:
        set_field = object.__setattr__  # frozen: as dataclasses' own __init__
        set_field(self, "url", url)
        set_field(self, "owner", owner)
        set_field(self, "title", title)
        set_field(self, "description_utf8", description.encode("utf-8"))
        set_field(self, "category", category)
        set_field(self, "language", language)
        set_field(self, "tags", tags)
        set_field(self, "hidden", hidden)

    @property
    def description(self) -> str:
        """What the thing is about: plain text, 5-1000 characters."""
        return self.description_utf8.decode("utf-8")

    @property
    def auto_submit_url(self) -> str:
        """The URL that creates the thing on its first flattr: the JS-free
        button's target and the payment link.

        Built when asked for, not kept: percent-encoded, it is the largest
        value of a thing, and a build holds every thing to its end. The
        last one built is remembered, as a page asks for it twice in a row
        (payment link, then button).
        """
        global _last_auto_submit
        last = _last_auto_submit
        if last is not None and last[0] is self:
            return last[1]
        # The auto-submit parameters, encoded: the values that repeat across things are
        # encoded once, not once per thing.
        owner, repeated = self.owner, _percent_encode_repeated
        url = (
            f"{AUTO_SUBMIT_BASE}?url={percent_encode(self.url)}"
            f"&{owner.parameter}={repeated(owner.value)}"
            f"&title={percent_encode(self.title)}"
            f"&description={percent_encode(self.description)}"
            f"&category={repeated(self.category)}"
            f"&language={repeated(self.language)}"
        )
        if self.tags:
            # Not cached: a thing's list of tags is most often its own, and
            # the cache kept every one (with its encoding) to the build's
            # end, evicting the owners, which do repeat.
            url += f"&tags={percent_encode(','.join(self.tags))}"
        if self.hidden:
            url += "&hidden=1"
        _last_auto_submit = (self, url)
        return url


# (thing, its auto-submit URL): see Thing.auto_submit_url.
_last_auto_submit: tuple[Thing, str] | None = None


class ThingError(ValueError):
    """A value ``make_thing`` cannot make a thing of. ``field`` names the
    argument (``url``, ``owner``, ``title``, ...), and so does the message;
    neither repeats an email address."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


def make_thing(
    url: str,
    owner: Owner | str,
    title: str,
    description: str = "",
    *,
    category: str = "text",
    language: str = "en",
    tags: str | Iterable[str] = (),
    hidden: bool = False,
    site_name: str = "",
) -> Thing:
    """A thing for a post published without Pelican, within Flattr's rules
    as the build makes an article's: each value checked, and fitted where
    the build fits it.

    ``url`` is checked as a pinned ``Flattr_url`` is (absolute http(s), no
    whitespace, ``"``, ``<`` or ``>``, a host browsers read as written) and
    kept exactly: Flattr keys the thing on it. ``owner`` is an ``Owner`` or
    what ``parse_owner`` reads (a plain ``email:ADDRESS`` is hashed).
    ``title`` is HTML, as Pelican's titles are: its tags are stripped and
    its references read, and it is fitted to 5-100 characters
    (``site_name`` lengthens a short one). Give a plain-text title as
    ``html.escape(title)``: as it is, ``Why x<y matters`` is ``Why x`` and
    ``&amp;`` is ``&``. ``description`` is plain text,
    cut to 1000 characters (fewer where an embedded button would hold more
    than load.js reads: ``loader_length``), the title when shorter than 5.
    ``language`` is any language tag Flattr has a code for (``en``,
    ``pt-BR``, ``sv_SE``); ``tags`` an iterable of tags, or one string of
    them (``"a, b"``). No value may hold a lone surrogate (text read from
    bytes that are not UTF-8), which no page can encode.

    Raises ThingError naming the argument. The ``Thing`` constructor itself
    checks nothing: the build gives it values it has checked already.
    """
    problem = check_pinned_url(url) if isinstance(url, str) else "is not a str"
    if problem is None and holds_lone_surrogate(url):
        problem = NOT_UNICODE
    if problem is not None:
        raise ThingError("url", redact_encoded_addresses(problem))
    if not isinstance(owner, Owner):
        try:
            owner = parse_owner(owner)
        except IdentifierError as error:
            raise ThingError("owner", str(error)) from None
    for name, value in (
        ("title", title),
        ("description", description),
        ("site_name", site_name),
    ):
        if not isinstance(value, str):
            raise ThingError(name, f"is a {type(value).__name__}, not a str")
        # Text read from bytes that are not UTF-8. Unchecked, the error
        # came later, a UnicodeEncodeError naming no argument. (The build
        # makes no thing through here: this costs it nothing.)
        if holds_lone_surrogate(value):
            raise ThingError(name, NOT_UNICODE)
    if not isinstance(tags, str):
        # bytes and a mapping iterate, into tags nobody wrote ('97', keys).
        if isinstance(tags, (bytes, bytearray, Mapping)) or not isinstance(
            tags, Iterable
        ):
            tags = None
        else:
            tags = tuple(tags)  # a generator is read once
            if not all(isinstance(tag, str) for tag in tags):
                tags = None
        if tags is None:
            raise ThingError(
                "tags",
                'must be a string of tags ("a, b") or an iterable of strings',
            )
    if any(map(holds_lone_surrogate, (tags,) if isinstance(tags, str) else tags)):
        raise ThingError("tags", NOT_UNICODE)
    flattr_name = flattr_category(category)
    if flattr_name is None:
        raise ThingError(
            "category",
            f"{shown_value(category)} is not one of Flattr's categories; "
            f"{category_choices(category)}",
        )
    code = flattr_language(language)
    if code is None:
        raise ThingError(
            "language",
            f"{shown_value(language)} is no language Flattr has a code for "
            "(such as en, de, pt-BR)",
        )
    if type(hidden) is not bool:
        raise ThingError("hidden", "must be True or False")
    fitted_title = thing_title(title, site_name)
    return Thing(
        url,
        owner,
        fitted_title,
        thing_description(description, fitted_title),
        flattr_name,
        code,
        thing_tags(tags),
        hidden,
    )


_UNRESERVED = (string.ascii_letters + string.digits + "-._~").encode("ascii")
# Each byte's percent-encoded form, and the byte itself, to replace one by
# the other.
_ENCODED_BYTE = [b"%%%02X" % byte for byte in range(256)]
_ONE_BYTE = [bytes((byte,)) for byte in range(256)]
_PERCENT = ord("%")


def percent_encode(value: str) -> str:
    """``urllib.parse.quote(value, safe="")``, faster.

    quote() calls a Python function per byte, and every thing's title and
    description go through this on each page, feed and manifest that shows
    the thing. A text has few distinct bytes to encode (spaces, punctuation,
    the bytes of accented letters): one C-level ``replace`` each, on the
    UTF-8 bytes, found by deleting every unreserved byte (also in C).
    """
    data = value.encode("utf-8")
    unsafe = data.translate(None, _UNRESERVED)
    if not unsafe:
        return value
    if _PERCENT in unsafe:  # first, so that no encoding is encoded again
        data = data.replace(b"%", b"%25")
    for byte in set(unsafe):
        if byte != _PERCENT:
            data = data.replace(_ONE_BYTE[byte], _ENCODED_BYTE[byte])
    return data.decode("ascii")


# Owners, categories and languages repeat across a site's things.
_percent_encode_repeated = functools.lru_cache(maxsize=4096)(percent_encode)


# A language tag as BCP 47 shapes one (de, de-AT, sr-Latn-RS, zh-yue-HK,
# de-CH-1901), or a gettext locale (de_AT, de_DE.UTF-8, sr@latin), "_" or
# "-" between its parts. What follows the region is not read, but must
# be shaped as subtags: a value with anything else after its language
# ('de_DE"><x>') is no language tag, not German.
_LANGUAGE_TAG = lazy_regex(
    r"(?P<tag>(?P<language>[A-Za-z]{2,8})"
    r"(?P<extended>(?:[_-][A-Za-z]{3}){0,3})"  # extended language (zh-yue)
    r"(?P<script>[_-][A-Za-z]{4})?"  # script (sr-Latn, zh-Hant)
    r"(?:[_-](?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:[_-][A-Za-z0-9]{1,8})*)"  # variants, extensions (de-CH-1901)
    r"(?:\.[A-Za-z0-9_-]{1,32})?"  # a gettext codeset (de_DE.UTF-8)
    r"(?:@(?P<modifier>[A-Za-z0-9]{1,32}))?"  # a gettext modifier (sr@latin)
)
# BCP 47's private-use (x-klingon) and grandfathered (i-klingon) tags: no
# language of ISO 639, but tags HTML's lang takes.
_PRIVATE_TAG = lazy_regex(r"[xXiI](?:[_-][A-Za-z0-9]{1,8})+")
# The scripts gettext's modifiers name, as BCP 47 writes them.
_MODIFIER_SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl"}


def flattr_language(code: object) -> str | None:
    """Map a language code (``en``, ``pt-BR``, ``sv_SE``, ``he``) to Flattr's.

    A gettext locale's modifier is dropped (``sr@latin`` is Serbian, as
    ``sr-Latn`` is), and a region Flattr has no code for (``pt-BR`` is
    ``pt_PT``). Returns None when Flattr has no code for the language, or
    ``code`` is no language tag.
    """
    if not isinstance(code, str):
        return None
    return read_language(code)[0]


@functools.lru_cache(maxsize=256)
def read_language(code: str) -> tuple[str | None, str | None]:
    """Flattr's code for language tag ``code`` (as ``flattr_language``),
    and the region ``code`` names that this code does not have (``DX`` of
    ``de_DX``, ``AT`` of ``de-AT``), or None.

    Cached: every article asks for its ``lang``, and a site has few.
    """
    tag = _LANGUAGE_TAG.fullmatch(code.strip())
    if tag is None:
        return None, None
    base = tag["language"].lower()
    base = _LANGUAGE_ALIASES.get(base, base)
    region = tag["region"]
    if region is not None:
        exact = f"{base}_{region.upper()}"
        if exact in FLATTR_LANGUAGE_CODES:
            return exact, None
    found = LANGUAGES.get(base)
    return found, None if found is None else region


@functools.lru_cache(maxsize=64)
def bcp47(code: str) -> str:
    """The BCP 47 tag of a content's language (Pelican's ``lang``), for
    HTML's ``lang``: "-" between its subtags (``pt_BR`` is ``pt-BR``), a
    gettext codeset left out, and a modifier too, but for the script it
    names (``sr_RS@latin`` is ``sr-Latn-RS``); a private-use or
    grandfathered tag as written. "" (an unknown language, to HTML) for
    what is no language tag (``de_DE"><x>``).

    Cached: every article asks for its ``lang``, and a site has few; the
    same string, then, for each of its articles.
    """
    code = code.strip()
    tag = _LANGUAGE_TAG.fullmatch(code)
    if tag is None:
        return code.replace("_", "-") if _PRIVATE_TAG.fullmatch(code) else ""
    text = tag["tag"]
    script = _MODIFIER_SCRIPTS.get((tag["modifier"] or "").lower())
    if script is not None and tag["script"] is None:
        at = tag.end("extended")
        text = f"{text[:at]}-{script}{text[at:]}"
    return text.replace("_", "-")


# Countries' codes (ISO 3166) often written for their language's (ISO 639):
# country -> (language code, language, country, what the code is as a
# language's, if it is one). Only those whose language Flattr has a code
# for, and no code Flattr takes as a language ("in" is Indonesian to it).
_COUNTRY_CODES = {
    "by": ("be", "Belarusian", "Belarus", None),
    "cn": ("zh", "Chinese", "China", None),
    "cz": ("cs", "Czech", "Czechia", None),
    "dk": ("da", "Danish", "Denmark", None),
    "ee": ("et", "Estonian", "Estonia", "Ewe"),
    "gr": ("el", "Greek", "Greece", None),
    "il": ("he", "Hebrew", "Israel", None),
    "jp": ("ja", "Japanese", "Japan", None),
    "kr": ("ko", "Korean", "South Korea", "Kanuri"),
    "rs": ("sr", "Serbian", "Serbia", None),
    "se": ("sv", "Swedish", "Sweden", "Northern Sami"),
    "si": ("sl", "Slovenian", "Slovenia", "Sinhala"),
    "ua": ("uk", "Ukrainian", "Ukraine", None),
    "vn": ("vi", "Vietnamese", "Vietnam", None),
}
# The language subtag of a language tag, as written ("ua" of "ua-UA").
_LANGUAGE_SUBTAG = lazy_regex(r"\s*([A-Za-z]+)")


def country_code_slip(written: str) -> tuple[str, str] | None:
    """Where the language of the tag ``written`` is a country's code that
    Flattr has no language for ("jp" for Japan): the question that a
    message of its refusal adds ("; did you mean 'ja' (Japanese)? 'jp' is
    Japan's country code"), and the code meant. Else None."""
    subtag = _LANGUAGE_SUBTAG.match(written)
    if subtag is None:
        return None
    found = _COUNTRY_CODES.get(subtag[1].lower())
    if found is None:
        return None
    code, language, country, also = found
    also = f" (and {also}'s language code)" if also else ""
    return (
        f"; did you mean '{code}' ({language})? '{subtag[1]}' is {country}'s "
        f"country code{also}",
        code,
    )


def html_lang(flattr_code: str) -> str:
    """The BCP 47 tag for a Flattr language code, for HTML ``lang``/og:locale.

    Flattr's ``iw_IL`` and ``in_ID`` are legacy codes that HTML validators
    reject, so they become ``he-IL`` and ``id-ID``.
    """
    base, _, region = flattr_code.partition("_")
    base = {"iw": "he", "in": "id"}.get(base, base)
    return f"{base}-{region}" if region else base


# HTML's whitespace (not str.isspace()'s) and the block-level elements,
# whose tags separate words, as a line break does; inline ones
# ("<em>tools</em>:") must not add a space.
_SPACE = "\t\n\f\r "
_BLOCK_NAMES = (
    "p|div|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|pre|table|tr|td|th|hr|br"
    "|section|article|header|footer|aside|nav|main|figure|figcaption"
)
# A tag where a browser reads one: "<" or "</" and a letter ("a < b" in a
# title is text), up to the ">" that ends it, which a quoted attribute
# value does not: <abbr title="as in a > b">. A quote opens a value only
# after "=" (elsewhere it is part of an attribute's name). A tag, or a
# value in one, that the text never closes runs to its end, and a browser
# drops it: so does the pattern, which thus never fails once started (no
# backtracking). A tag with no quote before its first ">" ends there, the
# usual tag, found by one scan. The "block" group is set for a block-level
# tag. Names match in ASCII letter case only, as a browser matches them,
# in lower case first: a case-insensitive name fails more slowly than a
# name that fails at its first letter. What follows the tag's "<":
_TAG_PATTERN = (
    rf"/?(?:(?P<block>{_BLOCK_NAMES}|(?=[A-Za-z]*[A-Z])(?ai:{_BLOCK_NAMES}))"
    rf"(?=[{_SPACE}/>]|\Z)|[A-Za-z][^{_SPACE}/>]*)"
    rf"""(?:[^>"']*>|(?:[{_SPACE}/]+|(?:[^{_SPACE}/>=]+|=[^{_SPACE}/>=]*)"""
    rf"""(?:[{_SPACE}]*=[{_SPACE}]*(?:"[^"]*(?:"|\Z)|'[^']*(?:'|\Z)"""
    rf"|[^{_SPACE}>]*))?)*(?:>|\Z))"
)
# And after a "<" that opens no tag (nor a "<!--" comment), a bogus comment
# as a browser reads it (html_reader.BOGUS_COMMENT: "<?php ... ?>", "<!x>",
# "<![CDATA[ x ]]>" outside <svg> and <math>, "</3 x>"), which a reader
# never sees either; but for a "</" that ends the text, which a browser
# shows as it is (a "<!" or a "<?" there it drops). Tried after the tag,
# which a title's "<" opens far more often, where each pattern below spent
# the fewest instructions on text of tags alone (callgrind): nested in
# _TAG's "<", and in _MARKUP an alternative of its own beside the others,
# which share their "<" (nested in the tag's "<" there, ~1% more).
_BOGUS_COMMENT = rf"(?!/\Z)(?:{BOGUS_COMMENT})"
_TAG = lazy_regex(f"<(?:{_TAG_PATTERN}|{_BOGUS_COMMENT})")
# Tags, and what a reader never sees, read in one pass from the left (a
# "<!--" in an attribute value or a script starts no comment): comments,
# ended as a browser ends them ("<!-->" and "<!--->" are whole ones, "--!>"
# ends one, and one never closed runs to the end), and the script, style
# and template elements, which, never closed, run to the end of the text
# as in a browser (failing there instead, the pattern tried again at every
# later "<": quadratic time on a body of unclosed <style>).
_MARKUP = lazy_regex(
    r"<!--(?:-?>|.*?(?:--!?>|\Z))"
    rf"|<(?ai:(?P<hidden>script|style|template))(?=[{_SPACE}/>]|\Z)[^>]*>"
    r"(?:.*?</(?ai:(?P=hidden))\s*>|.*\Z)"
    rf"|<{_TAG_PATTERN}|<{_BOGUS_COMMENT}",
    re.DOTALL,
)


def _gap(markup: re.Match[str]) -> str:
    """What a tag, comment or hidden element leaves in the text."""
    return " " if markup.lastgroup == "block" else ""


def _line_gap(markup: re.Match[str]) -> str:
    """``_gap``, a block-level tag (``<br>``, ``</p>``) leaving a line
    break."""
    return "\n" if markup.lastgroup == "block" else ""


def _html_text(html_text: str, keep_breaks: bool = False) -> str:
    """The text of an HTML fragment, unescaped, its whitespace untouched;
    with ``keep_breaks``, its line breaks those a browser shows: one for
    each block-level tag, and none of the source's, which a browser folds
    as any space (a summary wrapped at 72 columns is one paragraph)."""
    if keep_breaks and "\n" in html_text:
        html_text = html_text.replace("\n", " ")
    if "<" in html_text:  # every pattern here starts with "<"
        html_text = _MARKUP.sub(_line_gap if keep_breaks else _gap, html_text)
    return html.unescape(html_text)


def _tag_free_text(html_text: str) -> str:
    """``_html_text`` of a fragment known to hold no comment (``<!--``),
    script, style or template element: its tags and bogus comments alone
    (``_TAG``)."""
    if "<" in html_text:
        html_text = _TAG.sub(_gap, html_text)
    return html.unescape(html_text)


# HTML folds ASCII whitespace alone; str.split() splits at every Unicode
# space too, and a title's no-break space ("Pourquoi ?", « chauffer ») or
# ideographic one (「はんだ」　入門) became a plain space. The other
# characters split() takes for whitespace are control characters (\v,
# \x1c-\x1f, U+0085), spaced anyway, and the line and paragraph
# separators, which a title shows as a space at best.
_KEPT_SPACES = "\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
_HOLDS_KEPT_SPACE = lazy_regex(f"[{_KEPT_SPACES}]")
_FOLDED_SPACES = lazy_regex(f"[^\\S{_KEPT_SPACES}]+")


def _holds_kept_space(text: str) -> bool:
    """Whether ``text`` holds a space HTML does not fold (``_KEPT_SPACES``):
    none in ASCII, nor in printable text (``isprintable()`` is false for
    each): two C loops, each faster than the search, for the usual title,
    tag or line of a description, non-ASCII or not."""
    if text.isascii() or text.isprintable():
        return False
    return _HOLDS_KEPT_SPACE.search(text) is not None


def fold_spaces(text: str) -> str:
    """``text``'s runs of whitespace one space each, ends trimmed, as HTML
    folds them: a no-break or ideographic space that alone parts two words
    stays (``_holds_kept_space``, a C loop for the usual text)."""
    if not _holds_kept_space(text):
        return " ".join(text.split())
    return _FOLDED_SPACES.sub(" ", text).strip()


def strip_html(text: str, keep_breaks: bool = False) -> str:
    """Plain text from an HTML fragment, whitespace collapsed.

    With ``keep_breaks``, ``<br>`` and the other block-level tags (a
    paragraph's end) become line breaks (one per run of them), as Flattr
    keeps them in descriptions, and the source's line breaks fold as a
    browser folds them; otherwise all whitespace folds into single spaces.
    """
    plain = _html_text(text, keep_breaks)
    if keep_breaks and "\n" in plain:
        lines = (fold_spaces(line) for line in plain.split("\n"))
        plain = "\n".join(line for line in lines if line)
    else:
        plain = fold_spaces(plain)
    # Text that needed no change is returned as the very same object: a
    # title kept for each of 20,000 things then costs nothing twice.
    return text if plain == text else plain


# What _MARKUP reads as a comment or a hidden element. (A bogus comment,
# "<?x>", ends at its first ">": a prefix cut after a ">" holds it whole.)
_UNSAFE_TO_CUT = lazy_regex(r"<(?:!--|(?ai:script|style|template))")


def first_words(text: str, count: int) -> tuple[str, bool]:
    """The first ``count`` words of ``strip_html(text)``, and whether more
    follow: counted as ``str.split()`` parts them, as Pelican counts a
    summary's (a no-break space parts "10 km" too), and joined by the space
    a browser shows between them (``_shown``). Stripping only what it needs.

    A summary of 50 words rarely needs more than the first kilobyte of an
    article, and stripping the whole of every article was a measurable
    part of a large build. Prefixes end right after a ``>``, so no tag or
    entity is cut; one with a comment, script, style or template element is
    not trusted (its end may lie beyond the cut), and the whole is stripped.
    A word counts only when whitespace follows it inside the prefix: the
    last word of a prefix may continue past the cut.
    """
    size = 16 * (count + 2)
    while size < len(text):
        prefix = text[: text.rfind(">", 0, size) + 1]
        if _UNSAFE_TO_CUT.search(prefix):
            break
        plain = _tag_free_text(prefix)
        # count + 1 words, each followed by whitespace, and the rest.
        words = plain.split(None, count + 1)
        if len(words) == count + 2:
            return _shown(plain, words, count, len(words[-1])), True
        size *= 4
    plain = _html_text(text)
    words = plain.split(None, count)  # the last, past count, is the rest
    more = len(words) > count
    return _shown(plain, words, count, len(words[-1]) if more else 0), more


# A word, and the whitespace after it, as str.split() parts them.
_WORD = lazy_regex(r"(\S+)(\s*)")
_ONLY_KEPT_SPACES = lazy_regex(f"[{_KEPT_SPACES}]+")


def _shown(plain: str, words: list[str], count: int, rest: int) -> str:
    """The first ``count`` of ``words`` (``plain`` as ``str.split()`` parts
    it, its last ``rest`` characters left unsplit) joined as a browser
    shows them: by a space, or by the no-break or ideographic spaces alone
    that part them ("10 km", 「入門」　二). Only the words' part of
    ``plain`` is searched for such a space: a body's prefix runs well past
    them (searched whole, it cost a 1,000-article build ~17 M instructions
    more)."""
    if not _holds_kept_space(plain[: len(plain) - rest]):
        return " ".join(words[:count])
    pieces = []
    for found in itertools.islice(_WORD.finditer(plain), count):
        word, space = found.groups()
        pieces.append(word + (space if _ONLY_KEPT_SPACES.fullmatch(space) else " "))
    return "".join(pieces).rstrip()


_ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at a word boundary,
    ending it with "…"."""
    if len(text) <= limit:
        return text
    return _cut(text, limit - len(_ELLIPSIS))


def _cut(text: str, room: int) -> str:
    """At most ``room`` characters of ``text`` (longer), as ``shorten``
    keeps them, and "…"."""
    cut = text[: room + 1]
    boundary = cut.rfind(" ")
    # A single giant word has no boundary worth keeping: cut it mid-word,
    # between characters as a reader sees them, unless one of them runs
    # over half the room (a letter under a hundred marks).
    if boundary > room // 2:
        head = cut[:boundary]
    else:
        whole = _whole_end(text, room)
        head = cut[: whole if whole > room // 2 else room]
    # Trailing punctuation goes before the ellipsis, unless it is most of
    # the text: a title of dashes would become "…", below Flattr's minimum.
    trimmed = head.rstrip(" ,;:.-–—")
    return (trimmed if len(trimmed) > room // 2 else head) + _ELLIPSIS


# What joins the character before it into one that a reader sees, beside
# the marks (combining accents, variation selectors, vowel signs): a
# zero-width joiner or non-joiner, Thai's and Lao's AM (letters to Unicode,
# vowel signs to a reader), an emoji's skin tone, a tag character (the
# flags of regions).
_JOINERS = lazy_regex(
    "[\u200c\u200d\u0e33\u0eb3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]"
)
_REGIONAL_INDICATORS = ("\U0001f1e6", "\U0001f1ff")
_VIRAMA = 9  # its canonical combining class


def _joins_the_one_before(character: str) -> bool:
    return (
        unicodedata.category(character)[0] == "M"
        or _JOINERS.match(character) is not None
    )


def _whole_end(text: str, end: int) -> int:
    """``end``, or before it, so that ``text[:end]`` ends between whole
    characters as a reader sees them: no emoji sequence left after its
    joiner, no mark without its letter, no flag's half."""
    while 0 < end < len(text) and (
        _joins_the_one_before(text[end])
        or text[end - 1] == "\u200d"
        # A virama joins the consonant after it (क् + ष is क्ष).
        or unicodedata.combining(text[end - 1]) == _VIRAMA
    ):
        end -= 1
    low, high = _REGIONAL_INDICATORS
    run = 0
    while run < end and low <= text[end - 1 - run] <= high:
        run += 1
    return end - 1 if run % 2 else end


# C0 controls but tab, line feed and carriage return; DEL; C1 controls;
# Unicode's noncharacters (U+FDD0 to U+FDEF, and the last two code points
# of each plane); and the bidirectional embeddings, overrides and isolates
# (U+202A to U+202E, U+2066 to U+2069). HTML forbids the first, and Flattr
# would keep them in the thing; one of the last, left open, reverses the
# text after it wherever Flattr or a link preview shows the title (an
# og:title, the embedded button's title). isprintable() is false for each
# (a noncharacter is unassigned, the others are formats): text with none,
# nearly every title, is not searched for them.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROL = lazy_regex(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef{_BIDI_CONTROLS}"
    + "".join(
        chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
    )
    + "]"
)


def _spaced_controls(text: str) -> str:
    """``text`` with each control character, noncharacter or bidirectional
    control (``_CONTROL``) a space.

    ``isprintable()`` first, a C loop several times as fast as the regular
    expression: false for every control character, and true for most
    titles, tags and summaries once their line breaks (which it takes for
    control characters too) are spaces.
    """
    probe = text.replace("\n", " ") if "\n" in text else text
    if probe.isprintable() or _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(" ", text)


def printable_text(text: str) -> str:
    """``text`` with each control character a space and its whitespace then
    folded, as a thing's tags are cleaned; ``text`` itself when it holds no
    control character (one ``isprintable()`` for the usual name)."""
    spaced = _spaced_controls(text)
    return text if spaced is text else fold_spaces(spaced)


def plain_text(html_text: str) -> str:
    """The text of an HTML fragment (a title, ``SITENAME``) as a reader
    sees it: ``strip_html``'s, each control character a space
    (``printable_text``).

    In that order: a reference reads as the character it names, and
    ``&#x202e;`` is a bidi override once read (nearly every title holds no
    control character either way: one ``isprintable()``).
    """
    return printable_text(strip_html(html_text))


def thing_title(title: str, site_name: str = "") -> str:
    """A title of 5-100 characters from an article title that may hold HTML,
    at least 5 of them left once Flattr strips HTML from it again
    (``_left_by_flattr``)."""
    plain = plain_text(title)
    low, high = TITLE_LIMITS
    text = plain
    site = plain_text(site_name) if site_name else ""
    if _left_by_flattr(text) < low and site:  # a blank one left "Hi – "
        text = f"{text} – {site}" if text else site
    if _left_by_flattr(text) < low:
        # "(untitled)" alone is longer than Flattr's shortest title.
        text = (text + " " if text else "") + "(untitled)"
    text = shorten(text, high)
    if "<" in text and _left_by_flattr(text) < low:
        # A tag left open ("Hi a<b") hid what was added after it, or the
        # cut dropped it (a long title of tags alone): added before the
        # title, it is left, and the title stays whole for og:title.
        lead = site if _left_by_flattr(site) >= low else "(untitled)"
        text = shorten(f"{lead} – {plain}", high)
    return text


def _left_by_flattr(text: str) -> int:
    """How many characters of plain ``text`` are left once Flattr strips
    HTML from the title or description it is sent, as the plugin strips
    it: an escaped tag in the source (``&lt;div&gt;``), a tag in the text,
    goes. ``len(text)`` when it holds no "<" (one search in C)."""
    return len(text) if "<" not in text else len(strip_html(text))


def thing_description(text: str, fallback: str) -> str:
    """A description of at most 1000 characters from plain ``text`` (see
    ``strip_html``); ``fallback`` when it is shorter than 5. The build gives
    the thing's title (``thing_title``, 5-100 characters) as ``fallback``,
    so that a description is 5-1000 characters as Flattr requires: a
    shorter ``fallback`` is returned as it is.

    Cut shorter where an embedded button's inner HTML would run past the
    1000 characters load.js reads (``loader_length``), so that every
    payment link of the thing sends the same description.

    Plain text, not HTML: stripping twice would unescape twice, and an
    article about ``&lt;b&gt;`` would lose its ``<b>``.
    """
    low, high = DESCRIPTION_LIMITS
    spaced = _spaced_controls(text)
    if spaced is not text:  # folded again as strip_html folds, lines kept
        lines = (fold_spaces(line) for line in spaced.split("\n"))
        text = "\n".join(line for line in lines if line)
    text = text.strip()
    if len(text) < low:
        text = fallback
    return _fit_loader(shorten(text, high))


# What load.js 0.6 reads of an embedded button's description: the anchor's
# inner HTML as the browser serialises it, cut to 1000 JavaScript (UTF-16)
# characters before anything is decoded.
LOADER_DESCRIPTION_LIMIT = 1000
# The most one character of a description takes there: a no-break space,
# "&nbsp;". A description of at most 1000 // 6 characters fits, whatever
# it holds.
_LONGEST_IN_LOADER = 6


def loader_length(description: str) -> int:
    """How many JavaScript (UTF-16) characters load.js 0.6 counts in an
    embedded button holding ``description`` (``markup.embedded_button``):
    its inner HTML as a browser serialises it, where "&" is "&amp;", "<"
    "&lt;", ">" "&gt;", a no-break space "&nbsp;", a line break "<br>",
    and a character beyond the BMP (an emoji) two."""
    count = description.count
    length = (
        len(description) + 4 * count("&") + 3 * (count("<") + count(">") + count("\n"))
    )
    if not description.isascii():  # a flag of the str: no scan
        pairs = len(description.encode("utf-16-le")) // 2 - len(description)
        length += pairs + 5 * count("\xa0")
    return length


def _fit_loader(text: str) -> str:
    """``text``, or cut as ``shorten`` cuts it, so that ``loader_length``
    is at most ``LOADER_DESCRIPTION_LIMIT``.

    load.js cuts longer inner HTML itself, where it may split an entity
    or a surrogate pair: it sends another description than the auto-submit
    URL's (whichever link is flattred first makes the thing), or throws on
    the lone surrogate and leaves that button and every later one on the
    page unreplaced. Cheap: a short text is not scanned, a longer one a
    few times in C; only one that does not fit is searched by halves for
    its longest prefix that does (ten scans of 1000 characters).
    """
    limit = LOADER_DESCRIPTION_LIMIT
    if len(text) <= limit // _LONGEST_IN_LOADER or loader_length(text) <= limit:
        return text
    room = limit - len(_ELLIPSIS)
    fits, too_long = 0, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if loader_length(text[:middle]) <= room:
            fits = middle
        else:
            too_long = middle
    return _cut(text, fits)


def thing_tags(*groups: object) -> tuple[str, ...]:
    """Tags for Flattr: none may hold ``,`` or ``;``; duplicates and empties go.

    Each group is an iterable of tag names (Pelican Tag objects work too),
    or a string of them as metadata writes them (``a, b`` or ``a; b``).
    """
    seen: dict[str, str] = {}  # case-folded tag -> first spelling met
    for group in groups:
        if isinstance(group, str):  # iterated, it gave one tag per letter
            group = split_tags(group)
        for tag in group or ():  # type: ignore[attr-defined]
            clean = " ".join(str(tag).replace(",", " ").replace(";", " ").split())
            if not clean.isprintable():
                clean = " ".join(_spaced_controls(clean).split())
            if clean:
                seen.setdefault(clean.casefold(), clean)
    return tuple(seen.values())


def split_tags(value: str) -> list[str]:
    """Tags written in metadata as ``a, b, c``, or ``a; b; c`` as Pelican
    splits its own ``Tags`` field: on semicolons when there is one."""
    return [
        part.strip()
        for part in value.split(";" if ";" in value else ",")
        if part.strip()
    ]


# ASCII whitespace and control characters (C0, DEL and C1, which HTML
# forbids on a page as they are): no URL holds them as they are, and no
# pinned URL may (check_pinned_url). A thing URL keeps every other
# character as Pelican gave it, "|", "{" and all beyond ASCII included:
# Flattr keys a thing on its exact URL, and earlier builds published them so.
_URL_UNSAFE = lazy_regex(r"[\x00-\x20\x7f-\x9f]")


def url_safe(url: str) -> str:
    """``url`` with each ASCII whitespace or control character percent-
    encoded (a slug may hold a space), C1 controls too; ``url`` itself when
    there is none."""
    if _URL_UNSAFE.search(url) is None:
        return url
    return _URL_UNSAFE.sub(lambda found: quote(found[0], safe=""), url)


# A run of percent-escapes; and what one stays when the run is decoded:
# "%", what ends a path's part ("/", "?", "#"), which decoded would name
# another address, and what url_safe() encodes.
_ESCAPES = lazy_regex(r"(?:%[0-9A-Fa-f]{2})+")
_KEEP_ESCAPED = lazy_regex(r"[%/?#\x00-\x20\x7f-\x9f]")
_NOT_ASCII = lazy_regex(r"[^\x00-\x7f]+")


def url_forms(url: str) -> frozenset[str]:
    """``url`` as written, with its escapes decoded (as Pelican gives a
    slug beyond ASCII, and the build writes its thing URL), and with every
    character beyond ASCII percent-encoded (as a browser's address bar
    copies it): the forms one address is written in, for an entry of a
    setting (``FLATTR_ACCEPT_URL_CHANGES``) to match a thing URL in any."""
    if url.isascii() and "%" not in url:
        return frozenset((url,))
    decoded = _ESCAPES.sub(_decoded, url)
    encoded = _NOT_ASCII.sub(lambda found: quote(found[0], safe=""), decoded)
    return frozenset((url, decoded, encoded))


def _decoded(escapes: re.Match[str]) -> str:
    """A run of ``escapes`` decoded, but those of ``_KEEP_ESCAPED``; as it
    is when its bytes are not UTF-8 text, which no thing URL holds."""
    try:
        text = unquote(escapes[0], errors="strict")
    except UnicodeDecodeError:
        return escapes[0]
    return _KEEP_ESCAPED.sub(lambda found: quote(found[0], safe=""), text)


# Any whitespace and any control character (C0, DEL, C1): none belongs in
# a pinned URL's host, whose path may hold what url_safe() encodes.
_NOT_IN_URL = lazy_regex(r"[\s\x00-\x1f\x7f-\x9f]")
# None of those belongs in a site's base, an og:image or a claim URL, nor
# '"', "<" or ">", which no URL holds as they are (see _NOT_IN_PIN), nor a
# lone surrogate (text from bytes that are not UTF-8, such as an
# environment variable's): no page, feed or manifest can encode it.
_NOT_IN_PUBLISHED_URL = lazy_regex(r'[\s\x00-\x1f\x7f-\x9f"<>\ud800-\udfff]')


def check_thing_url(url: str, *, base: bool = False) -> str | None:
    """Why ``url`` cannot be an absolute URL the plugin publishes or stores
    (the site's base, an og:image, a claim URL), or None when it can: not
    one holding a "\\" in its path, nor before it, which browsers read as
    "/" (one in its query or fragment they keep). ``base``: ``url`` is a
    site's base with a "/" put after it, which the value itself does not
    end with."""
    if not isinstance(url, str) or not url.strip():
        return "is empty"
    found = _NOT_IN_PUBLISHED_URL.search(url)
    if found is not None:
        return _space_at_an_end(url[:-1] if base else url) or _unsafe_character(
            found[0]
        )
    problem = _absolute_url_problem(url)
    # One scan in C for the common URL (an og:image per article), which
    # holds none; the path is split out only for one that does.
    if problem is None and "\\" in url and "\\" in urlsplit(url).path:
        return _BACKSLASH_IN_A_PATH
    return problem


def _space_at_an_end(url: str) -> str | None:
    """What to say of whitespace that starts or ends ``url`` (a value pasted
    with it), which percent-encoding would make part of the URL; else
    None."""
    for character, where in ((url[0], "starts"), (url[-1], "ends")):
        if character.isspace():
            kind = "a space" if character == " " else f"whitespace ({character!r})"
            return f"{where} with {kind}: remove it"
    return None


# What no pinned URL may hold as it is: what url_safe() encodes, and '"',
# "<" and ">", which a browser percent-encodes in every part of a URL it
# reads from a page (an embedded button's link would name another URL,
# which the HTML checker refuses); and the bidirectional controls a
# title's cleaning spaces (_CONTROL), which reverse the URL after them
# where a link preview shows og:url ("/\u202elmth.exe" reads as
# "/exe.html"). A computed thing URL keeps them as earlier builds
# published them; only a Slug: or URL: that holds them gives one
# (Pelican's slugs drop them).
_NOT_IN_PIN = lazy_regex(f'[\\x00-\\x20\\x7f-\\x9f"<>{_BIDI_CONTROLS}]')
_BIDI_CONTROL = lazy_regex(f"[{_BIDI_CONTROLS}]")


def check_pinned_url(url: str) -> str | None:
    """Why ``url`` cannot be a pinned thing URL (``Flattr_url``), or None.

    Its path may hold what a computed thing URL holds (``url_safe``), which
    earlier builds published (a no-break space in a slug), so that a URL
    the URL guard advises pinning is one the build accepts; but not '"',
    "<", ">" or a bidirectional control (``_NOT_IN_PIN``), nor a "\\" in
    its path (``_BACKSLASH_IN_PATH``). Its scheme and host are checked as
    any URL's.
    """
    if not isinstance(url, str) or not url.strip():
        return "is empty"
    found = _NOT_IN_PIN.search(url)
    if found is not None:
        return _space_at_an_end(url) or _unsafe_character(found[0])
    problem = _absolute_url_problem(url)
    if problem is None:
        parts = urlsplit(url)
        found = _NOT_IN_URL.search(parts.netloc)
        if found is not None:
            return _unsafe_character(found[0])
        if "\\" in parts.path:
            return _BACKSLASH_IN_PATH
    return problem


# A browser reads a "\\" in an http(s) URL's path as "/" (WHATWG URL; not
# in its query or fragment), and asks for another page: /old\two.html is
# /old/two.html to it. A pin may name either file, escaped as the server
# decodes it or in its folder; so may a site's base, an og:image or a
# claim URL.
_BACKSLASH_READ = (
    "holds the character '\\\\' in its path (browsers read it as '/', and "
    "so another path)"
)
_BACKSLASH_IN_PATH = (
    f"{_BACKSLASH_READ}: write it as %5C where the page's file name holds "
    "it, or as '/' where the page is in that folder"
)
_BACKSLASH_IN_A_PATH = (
    f"{_BACKSLASH_READ}: write it as %5C where a file or folder name holds "
    "it, or as '/' between folders"
)


@functools.lru_cache(maxsize=64)
def comparable_host(host: str) -> str:
    """``host`` (a URL's, as ``urlsplit().hostname`` gives it, or one of
    ``FLATTR_OLD_HOSTS``) in the one form two hosts are compared in, to
    tell whether a pinned URL is the site's: read as browsers read it (its
    escapes decoded, full-width forms mapped, lower-case), each ``xn--``
    label in its Unicode form, without a final dot or a leading ``www.``.

    Compared in Unicode, not in IDNA's ASCII form: Python's ``idna`` codec
    follows IDNA 2003, which maps "ß" to "ss" (``straße.example`` would be
    ``strasse.example``, another domain), where browsers keep it
    (``xn--strae-oqa``). Cached: a site's pins name few hosts.
    """
    if "%" in host:
        host = unquote(host)
    host = unicodedata.normalize("NFKC", host).replace("\u3002", ".").lower()
    host = host.removesuffix(".")
    if "xn--" in host:
        host = ".".join(map(_unicode_label, host.split(".")))
    return host.removeprefix("www.")


def _unicode_label(label: str) -> str:
    """A host name's ``label`` with its ``xn--`` form decoded; as it is
    when it is no such form, or none browsers take: not Punycode, or
    Punycode of ASCII alone (``xn--abc-`` is not ``abc``)."""
    if not label.startswith("xn--"):
        return label
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return label
    if decoded.isascii() or decoded.encode("punycode") != label[4:].encode():
        return label
    return decoded


def _unsafe_character(character: str) -> str:
    if "\ud800" <= character <= "\udfff":
        return NOT_UNICODE
    if _BIDI_CONTROL.match(character):
        # Named: it shows as nothing, and its repr as a number.
        return (
            f"holds U+{ord(character):04X} ({unicodedata.name(character)}), a "
            "bidirectional control, which reverses or reorders the text after "
            f"it wherever the URL is shown: write it as {quote(character, safe='')}"
        )
    if character in '"<>':
        kind = "character"
    elif character.isspace() and not "\x80" <= character <= "\x9f":
        # Named, as a tab or a no-break space looks like a space in a log
        # line. (U+0085 is whitespace to Python, but a C1 control.)
        kind = "space" if character == " " else "whitespace character"
    else:
        kind = "control character"
    return f"holds the {kind} {character!r}: write it as {quote(character, safe='')}"


# What text that is not Unicode holds: a lone surrogate, which Python
# makes of bytes that are not UTF-8 (os.environ, a file name).
NOT_UNICODE = (
    "holds a lone surrogate, which no UTF-8 text can: it was read from bytes "
    "that are not UTF-8"
)
_LONE_SURROGATE = lazy_regex("[\ud800-\udfff]")


def holds_lone_surrogate(text: str) -> bool:
    """Whether ``text`` cannot be written as UTF-8 (see ``NOT_UNICODE``)."""
    return _LONE_SURROGATE.search(text) is not None


# One of _absolute_url_problem's answers, which read_settings words for
# the site's base URL in its own way.
CREDENTIALS_IN_URL = "holds a user name or password before its host (user:password@)"
# The answer for a URL that urlsplit, or the IPv6 address in its brackets,
# refuses.
_INVALID_URL = "is not a valid URL"


# The answers for a URL that is no absolute http(s) URL at all, which
# read_settings answers with its advice to write one.
NOT_ABSOLUTE = "must be an absolute http:// or https:// URL"
NO_HOST_NAME = "has no host name"

# A browser reads an http(s) URL as the WHATWG URL standard says, where
# urllib does not: before the path, a backslash is a "/" to it (so that
# https://example.org\evil.com/a.html is https://example.org/evil.com/a.html);
# it decodes a host name's escapes and maps its full-width forms, then
# refuses one holding a forbidden domain code point (C0 controls, space,
# "#%/:<>?@[\]^|" and DEL); and it reads one whose last label is a number
# as an IPv4 address. (An empty label it takes; no name in DNS has one.)
_BEFORE_PATH = lazy_regex(r"([A-Za-z][A-Za-z0-9+.-]*):([/\\]*)[^/\\?#]*([/\\?#]?)")
_NOT_IN_HOST_NAME = lazy_regex(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_NOT_AN_ESCAPE = lazy_regex(r"%(?![0-9A-Fa-f]{2})")
_NUMBER_LABEL = lazy_regex(r"[0-9]+|0[xX][0-9A-Fa-f]*")
_BRACKETED_HOST = lazy_regex(r"\[([^\]]*)\](.*)", re.DOTALL)


def _absolute_url_problem(url: str) -> str | None:
    before_path = _BEFORE_PATH.match(url)
    if (
        before_path is not None
        and before_path[1].lower() in ("http", "https")
        and "\\" in before_path[2] + before_path[3]
    ):
        return (
            "holds the character '\\\\' before its path: browsers read it as "
            "'/', and so another host name or path"
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 (raises for a port that is no number, or too big)
    except ValueError as error:  # an unclosed "[", a host that NFKC changes
        # urllib's message repeats the host part, where an address may be.
        return f"{_INVALID_URL} ({redact_encoded_addresses(str(error))})"
    if parts.scheme not in ("http", "https"):
        return NOT_ABSOLUTE
    if not parts.netloc or hostname is None:
        return NO_HOST_NAME
    if "@" in parts.netloc:
        # Published with every button, feed entry and manifest line.
        return CREDENTIALS_IN_URL
    return _host_problem(parts.netloc)


def _host_problem(netloc: str) -> str | None:
    """Why the host of ``netloc`` (without a user name or password), which
    urllib accepts, is one that browsers refuse or read as another, or None.
    """
    bracketed = _BRACKETED_HOST.fullmatch(netloc)
    if bracketed is not None:
        # urllib takes an IPvFuture ([v1.x]), a zone ([fe80::1%25eth0]) and
        # anything after the "]" ([::1]x/): browsers refuse each.
        literal, after = bracketed.groups()
        if after and not after.startswith(":"):
            return f"{_INVALID_URL} (something other than a port follows its ']')"
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            address = None
        if address is None or address.scope_id is not None:
            return (
                f"{_INVALID_URL} (what its brackets hold is no IPv6 address "
                "without a zone, such as [2001:db8::1])"
            )
        return None
    host = netloc.partition(":")[0]  # as written, not lowercased
    if "%" in host:
        # Browsers decode a host name's escapes first (ex%41mple.org is
        # example.org, b%C3%BCcher.example bücher.example), then read the
        # name they give; a "%" that starts no escape, they refuse.
        if _NOT_AN_ESCAPE.search(host):
            return (
                "holds a '%' that starts no escape (%XX) in its host name: no "
                "host name may hold one"
            )
        try:
            host = unquote(host, errors="strict")
        except UnicodeDecodeError:
            return (
                "holds escapes of bytes that are not UTF-8 text in its host "
                "name: browsers refuse it"
            )
    # As browsers map a name before they read it (UTS 46): full-width
    # letters, digits and signs are ASCII ones ("０ｘ７ｆ" is "0x7f",
    # "｜" is "|"), and an ideographic full stop ("。") is a dot.
    read = unicodedata.normalize("NFKC", host).replace("\u3002", ".")
    found = _NOT_IN_HOST_NAME.search(read)
    if found is not None:
        as_read = "" if read == netloc.partition(":")[0] else " (as browsers read it)"
        return (
            f"holds the character {found[0]!r} in its host name{as_read}: no "
            "host name may hold it"
        )
    host = read
    # One final "." is a fully qualified name (example.org.), which browsers
    # and DNS take as it is; any other empty label makes no name DNS has.
    labels = (host[:-1] if host.endswith(".") else host).split(".")
    if "" in labels:
        return (
            "has an empty label in its host name (a dot at its start, or two "
            "in a row), which no name in DNS has"
        )
    if _NUMBER_LABEL.fullmatch(labels[-1]):
        try:
            ipaddress.IPv4Address(".".join(labels))
        except ValueError:
            return (
                "has a host name that ends in a number, which browsers read as "
                "an IPv4 address, but is not one as they write it (such as "
                "192.0.2.1): they refuse it, or read it as another"
            )
    return None


# Names that never reach the public internet: reserved (RFC 6761, 6762,
# 2606 and 8375's home.arpa), or never delegated and common on home and
# office networks (.lan, .localdomain; .home and .corp, which ICANN holds
# back for the name collisions they cause).
_LOCAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".test",
    ".invalid",
    ".internal",
    ".home.arpa",
    ".lan",
    ".localdomain",
    ".home",
    ".corp",
)


def protocol_relative(url: str) -> bool:
    """Whether ``url`` is protocol-relative (``//example.org/blog``), as a
    SITEURL may be: pages reach it by the reader's scheme."""
    return url.startswith("//") and not url.startswith("///")


def with_scheme(url: str, scheme: str = "https") -> str:
    """``url`` with ``scheme`` where it is protocol-relative; else as it is."""
    return f"{scheme}:{url}" if protocol_relative(url) else url


def is_development_url(url: str) -> bool:
    """True when ``url``'s host is this machine, an address or name of a
    local network, or a name reserved for testing (``localhost``,
    ``127.0.0.1``, ``[::1]``, ``192.168.1.10``, ``devbox``, ``site.test``...):
    the SITEURL of a development build or preview, under which no reader
    can flattr.
    """
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        # A name of one label ("devbox") is resolved on the local network
        # only: no public site has one.
        return bool(host) and "." not in host
    # Loopback, private (RFC 1918, fc00::/7), link-local, unspecified, and
    # the documentation and shared ranges: none is reachable from the
    # internet, where Flattr and readers are.
    return not address.is_global
