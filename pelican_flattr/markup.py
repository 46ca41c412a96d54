"""HTML for a thing: buttons, head tags, the load.js loader, and injection.

Every value goes into HTML escaped exactly once, by ``markupsafe`` (a
page's dozen head values in one call), so the ``&`` separators of an
auto-submit URL become ``&amp;`` and nothing becomes ``&amp;amp;``.
Injection into a written page works on the page as a string (one
``find`` per landmark) instead of re-parsing it: it is the difference
between a plugin nobody notices and one that doubles the build time.
A page the searches leave in doubt (a landmark quoted in a comment or a
title, text that ended the head early) is read tag by tag as a browser
reads it, by ``html_reader``.
"""

from __future__ import annotations

import functools
import html
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from markupsafe import Markup, escape

from .html_reader import (
    CDATA_SECTION,
    CHARSET_BYTES,
    NEVER_CLOSED,
    NOSCRIPT_END,
    SCRIPT_END,
    SCRIPT_TAGS,
    SPACE,
    TAG,
    TEXT_ELEMENTS,
    attribute_values,
    charset_declaration,
    ends_head,
    find_ci,
    find_head_end,
    head_ended_before,
    head_tags,
    hiding_ends,
    in_script,
    live_tags,
    may_be_hidden,
    noting_return,
    open_before,
    open_comment_before,
    plainly_in_head,
    read_html,
    read_tags,
    read_where_scripts_run,
    run_where,
    unseen_by_any_reader,
)
from .lazy_regex import lazy_regex
from .resolve import ContentThing
from .settings import BUTTON_STYLES

LOADER_URL = "https://api.flattr.com/js/0.6/load.js?mode=auto"
LOADER_TAG = Markup('<script src="{}" async></script>').format(LOADER_URL)
# Part of each mark below, new in each process: an article's text that
# spelt a fixed mark out took the site's payment link (or load.js) in
# every listing that showed it.
_MARK_KEY = secrets.token_hex(6)
# What flattr_script() prints: the page as rendered, not the calls, tells
# whether load.js belongs there (see place_loader). A comment, so that a
# page written past the plugin (a template rendered some other way) shows
# nothing.
LOADER_PLACE = Markup(f"<!--pelican-flattr:load.js:{_MARK_KEY}-->")
# What flattr_site_head() prints: the site's payment link once the page as
# written tells whether it is a thing's (see templates.complete_page).
SITE_HEAD_PLACE = Markup(f"<!--pelican-flattr:site-head:{_MARK_KEY}-->")

# Open Graph properties that may rightly appear more than once on a page:
# the arrays of ogp.me (each image, video or audio with its structured
# properties, each alternate locale) and of its article, book, music and
# video types. A theme may print any of them beside the plugin's tags.
MULTIPLE_PROPERTIES = frozenset(
    {
        *(
            f"og:{medium}{part}"
            for medium in ("image", "video", "audio")
            for part in (
                "",
                ":url",
                ":secure_url",
                ":type",
                ":width",
                ":height",
                ":alt",
            )
        ),
        "og:locale:alternate",
        "article:author",
        "article:tag",
        "book:author",
        "book:tag",
        "music:song",
        "music:song:disc",
        "music:song:track",
        "music:musician",
        "music:album",
        "music:album:disc",
        "music:album:track",
        "music:creator",
        "video:actor",
        "video:actor:role",
        "video:director",
        "video:writer",
        "video:tag",
    }
)
# Present in every button this plugin renders, whatever the style: how a
# page that already used the template helpers is recognised.
BUTTON_CLASS = "flattr-button"
PAYMENT_LINK_START = '<link rel="payment"'
# The payment link's text as this plugin writes it, up to its href's value.
_OWN_PAYMENT_LINK = f'{PAYMENT_LINK_START} type="text/html" title="Flattr this!" href="'
# How a page shows an embedded button, which load.js replaces. The mark
# starts with "<", which an article's own text (a post about the plugin,
# quoting its markup) always carries escaped.
_EMBEDDED_MARK = '<a class="FlattrButton '
_FLATTR_URL = "https://flattr.com/"
_FLATTR_HOSTS = ("flattr.com", "www.flattr.com")
# What a browser drops from a URL before reading it (WHATWG URL): C0
# controls and spaces at either end, and ASCII tabs and newlines anywhere.
_URL_ENDS = "".join(map(chr, range(0x21)))
TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")
# A URL's scheme, as urlsplit reads it.
URL_SCHEME = lazy_regex(r"([A-Za-z][A-Za-z0-9+.-]*):")
# What NFKC leaves of the ideographic full stops (U+3002, U+FF61), which
# IDNA reads as "." between a host's labels, as it does the full-width one.
_IDEOGRAPHIC_FULL_STOP = "\u3002"


def flattr_path(href: str) -> str | None:
    """The path (percent-decoded) of a link to Flattr, as a browser reads
    ``href``; None when it links elsewhere (or nowhere).

    Read as a browser reads it, which no one writing a link by hand (or
    hiding one) is bound to spell plainly: an http(s) scheme in any letter
    case, or none ("//flattr.com/", as a minifier shortens a URL), "\\" for
    "/" and any number of them, tabs and newlines anywhere, a user name, a
    port, the www. host, a host percent-encoded, in full-width letters or
    with its final dot or ideographic full stops, and "." and ".." path
    segments (percent-encoded too).
    """
    found = _flattr_host(href)
    if found is None or found[0] not in _FLATTR_HOSTS:
        return None
    path = found[1]
    for mark in "?#":
        path = path.partition(mark)[0]
    path = unquote(path)
    if "." in path:  # rare in a link to Flattr: "/x/../submit/auto"
        path = without_dot_segments(path)
    return path or "/"


def _flattr_host(href: str) -> tuple[str, str] | None:
    """The host of the http(s) URL ``href`` as a browser reads it, and what
    follows the host (path, query, fragment); None for a URL on no host
    that may be Flattr's (nearly every URL, at once: one that does not
    spell "flattr" plainly and holds no "%" or non-ASCII letter), a
    relative URL or another scheme's. See ``flattr_path``."""
    url = href.strip(_URL_ENDS)
    if "\t" in url or "\n" in url or "\r" in url:
        url = url.translate(TAB_AND_NEWLINES)
    if "flattr" not in url.lower() and url.isascii() and "%" not in url:
        return None  # nearly every link: no spelling of flattr.com in it
    url = url.replace("\\", "/")
    scheme = URL_SCHEME.match(url)
    if scheme is not None:
        if scheme.group().lower() not in ("http:", "https:"):
            return None
        rest = url[scheme.end() :]
    elif url.startswith("//"):
        rest = url
    else:
        return None  # a path on the site itself
    rest = rest.lstrip("/")
    end = len(rest)
    for mark in "/?#":
        at = rest.find(mark)
        if at >= 0:
            end = min(end, at)
    host = rest[:end].rpartition("@")[2]
    if not host.startswith("["):
        host = host.partition(":")[0]
    # A browser's host: percent-decoded, mapped as IDNA (UTS 46) maps it
    # (NFKC, ideographic full stops read as ".", lower case), a final "."
    # dropped as DNS drops it.
    host = unicodedata.normalize("NFKC", unquote(host))
    host = host.replace(_IDEOGRAPHIC_FULL_STOP, ".").lower().rstrip(".")
    return host, rest[end:]


def is_flattr_host_url(url: str) -> bool:
    """Whether ``url`` (a ``src``, a ``<link>``'s ``href``), as a browser
    reads it, names flattr.com or any host under it (api.flattr.com,
    button.flattr.com): what a browser fetches from there tells Flattr,
    and whoever holds its hosts now, who reads the page."""
    found = _flattr_host(url)
    return found is not None and (
        found[0] == "flattr.com" or found[0].endswith(".flattr.com")
    )


def without_dot_segments(path: str) -> str:
    """``path`` (percent-decoded) with its "." and ".." segments resolved as
    a browser resolves them (WHATWG URL) before it sends the request, so
    "/x/../submit/auto" is the "/submit/auto" Flattr's server is asked for.
    Decoded first: "%2e%2e" is ".." to a browser too, and a server that
    decodes "..%2f" may resolve it as well (one more link checked costs
    less than one that pays a stranger unseen)."""
    kept: list[str] = []
    segments = path.split("/")[1:]
    for at, segment in enumerate(segments, 1):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
            continue
        if at == len(segments):
            kept.append("")  # "/submit/auto/.." ends in "/", as "/submit/"
    return "/" + "/".join(kept)


def is_flattr_url(href: str) -> bool:
    """True for a link to Flattr (an auto-submit URL or any other page of
    it), as a browser reads ``href`` (``flattr_path``)."""
    return flattr_path(href) is not None


def is_auto_submit_url(href: str) -> bool:
    """Whether ``href`` links Flattr's auto-submit endpoint, which creates
    and flattrs the thing its query names, for the owner it names: spelt
    as ``flattr_path`` reads a link to Flattr, its path in any letter
    case, percent-encoded or with a last "/" too (which of these Flattr's
    server took is not known: one more link checked costs less than one
    that pays a stranger unseen). Flattr's other pages (a profile, a
    thing's page) pay no one by a click, and a site may link them."""
    path = flattr_path(href)
    return path is not None and path.rstrip("/").lower() == "/submit/auto"


_BADGE = Markup(
    '<svg class="flattr-button__badge" width="16" height="16" viewBox="0 0 16 16"'
    ' aria-hidden="true" focusable="false">'
    '<rect width="16" height="16" rx="3" fill="#5f8f1b"/>'
    '<path fill="#fff" d="M4 11.5V7.4C4 5.6 5.2 4.5 7 4.5h4.5L9.8 6.6H7.3'
    "c-.8 0-1.3.4-1.3 1.2v3.7zM12 4.5v4.1c0 1.8-1.2 2.9-3 2.9H4.5l1.7-2.1h2.5"
    'c.8 0 1.3-.4 1.3-1.2V4.5z"/></svg>'
)


def plain_button(
    content_thing: ContentThing, auto_submit_url: str | None = None
) -> Markup:
    """The JS-free button: a link to the auto-submit URL with an inline badge.

    It loads nothing from Flattr until the reader clicks it.
    ``auto_submit_url``, when the caller has it, saves building it again.
    """
    href = auto_submit_url or content_thing.auto_submit_url
    return Markup(_plain_button(content_thing, _url_attribute(href)))


# A visually hidden element, as its own style says (a theme may have no CSS
# for it): clipped out of sight, its text still a part of the link's name.
# No wrapping, which some screen readers read as words run together. Its
# class is for a theme's CSS: a site whose Content-Security-Policy refuses
# inline styles shows the text unless the theme's stylesheet hides it.
HIDDEN_CLASS = f"{BUTTON_CLASS}__hidden"
_HIDDEN = (
    "position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap"
)


def _plain_button(content_thing: ContentThing, escaped_href: str) -> str:
    """``plain_button()``'s text, its href already escaped."""
    return (
        f'<a class="{BUTTON_CLASS} {BUTTON_CLASS}--plain" '
        # English, whatever the page's language: read with the page's voice
        # (German, Arabic), its words were not understood. Left to right as
        # English is: on a right-to-left page, its hidden part shown (a CSP
        # refusing its style) had the colon at the wrong end. The title is
        # in the article's own language (an aria-label would speak it in
        # English), and isolated, as a right-to-left one would reorder the
        # words around it. Its name is its text, the title's part hidden.
        f'href="{escaped_href}" rel="nofollow" lang="en" dir="ltr">'
        f'{_BADGE} <span class="{BUTTON_CLASS}__text">Flattr this</span>'
        # Quotes as references: see _ascii_html(). The title is isolated by
        # its dir="auto" alone (browsers give any dir unicode-bidi: isolate,
        # which no CSP can block): isolate characters around it went into
        # the name, and braille displays wrote each as "'\x2068'".
        f'<span class="{HIDDEN_CLASS}" style="{_HIDDEN}">: support &#8220;'
        f'<span lang="{_lang_attribute(content_thing.lang)}" dir="auto">'
        f"{_attribute(content_thing.thing.title)}</span>"
        "&#8221; on flattr.com</span></a>"
    )


def _lang_attribute(lang: str) -> str:
    """``_attribute(lang)``, quickly for a tag of bcp47's.

    The build's tags are letters, digits and "-", nothing to escape: one
    C-level test instead of an escape (~0.5 µs) per button. A ContentThing
    made by other code may hold anything, escaped in full.
    """
    if lang.replace("-", "").isalnum():
        return lang
    return _attribute(lang)


def embedded_button(content_thing: ContentThing, compact: bool = False) -> Markup:
    """The ``FlattrButton`` anchor that load.js 0.6 replaces with an iframe.

    load.js reads ``href``, ``title`` and ``lang`` from the anchor, the
    description from its inner HTML, and the remaining parameters from
    ``data-flattr-*`` attributes, which it ignores when a ``rel``/``rev``
    starting with ``flattr`` is present: so there is none. ``lang`` is
    the language of its text, the content's own (Flattr's code may stand in
    for another, Uzbek's en_GB); ``data-flattr-language``, which load.js
    reads before it, carries Flattr's code. ``data-flattr-url`` carries
    the thing URL too: load.js reads ``href`` as the property, which the
    browser rewrites (a non-ASCII path percent-encoded, the host in lower
    case and punycode, a default port dropped), and Flattr keys a thing on
    the exact URL; ``href`` stays, the link without scripts.
    """
    thing = content_thing.thing
    attributes = [
        ("class", f"FlattrButton {BUTTON_CLASS} {BUTTON_CLASS}--js"),
        ("style", "display:none;"),
        ("href", thing.url),
        ("data-flattr-url", thing.url),
        ("title", thing.title),
        ("lang", content_thing.lang),
        (f"data-flattr-{thing.owner.button_parameter}", thing.owner.value),
        ("data-flattr-category", thing.category),
        ("data-flattr-language", thing.language),
    ]
    if thing.tags:
        attributes.append(("data-flattr-tags", ",".join(thing.tags)))
    if thing.hidden:
        attributes.append(("data-flattr-hidden", "1"))
    if compact:
        attributes.append(("data-flattr-button", "compact"))
    rendered = Markup(" ").join(
        Markup('{}="{}"').format(name, value) for name, value in attributes
    )
    # load.js sends the inner HTML as it is, <br> and entities included,
    # and Flattr's server makes each <br> a line break again. Its first
    # 1000 JavaScript characters only: thing_description fits it to them.
    description = Markup("<br>").join(
        escape(line) for line in thing.description.split("\n")
    )
    return Markup("<a {}>{}</a>").format(rendered, description)


def button(
    content_thing: ContentThing,
    style: str | None = None,
    auto_submit_url: str | None = None,
) -> Markup:
    """The button in ``style`` (default: the content's configured style),
    one of ``BUTTON_STYLES``; any other is a ValueError naming it, not an
    embedded button that a misspelt "Plain" would have given."""
    style = style or content_thing.button_style
    if style not in BUTTON_STYLES:
        raise ValueError(
            f"button() is called with style {style!r}, not one of "
            f"{', '.join(BUTTON_STYLES)}"
        )
    if style == "plain":
        return plain_button(content_thing, auto_submit_url)
    return embedded_button(content_thing, compact=style == "compact")


def head(
    content_thing: ContentThing,
    open_graph: Iterable[tuple[str, str]] = (),
    skip: frozenset[str] = frozenset(),
    auto_submit_url: str | None = None,
) -> Markup:
    """The payment link and the ``open_graph`` (property, content) tags,
    leaving out properties in ``skip``."""
    href = auto_submit_url or content_thing.auto_submit_url
    return Markup("".join(_head(_url_attribute(href), open_graph, skip)))


def payment_link(auto_submit_url: str) -> Markup:
    """A payment link alone, written as ``head`` writes a thing's: the
    site's own thing's, in the head of a page that is no thing's."""
    return Markup(f'{_OWN_PAYMENT_LINK}{_url_attribute(auto_submit_url)}">')


def _head(
    escaped_href: str, open_graph: Iterable[tuple[str, str]], skip: frozenset[str]
) -> list[str]:
    """``head()`` as pieces of text, for the caller to join with others."""
    if skip or not isinstance(open_graph, (tuple, list)):  # read twice below
        open_graph = [pair for pair in open_graph if pair[0] not in skip]
    pieces = _head_template(tuple([prop for prop, _ in open_graph])).copy()
    # Every article page has a dozen values; only a few sequences of
    # property names occur on a site, each template built once.
    pieces[3::2] = _attributes([value for _, value in open_graph])
    pieces[1] = escaped_href
    return pieces


@functools.lru_cache(maxsize=256)
def _head_template(props: tuple[str, ...]) -> list[str]:
    """The head tags for these properties, split where the values go: the
    payment link's href at index 1, then each property's value at 3, 5...

    Callers copy it before filling it in.
    """
    pieces = [_OWN_PAYMENT_LINK]
    for prop in props:
        pieces += ["", f'">\n<meta property="{_attribute(prop)}" content="']
    return [*pieces, "", '">']


def _attribute(value: str) -> str:
    """``value`` escaped for a double-quoted attribute (markupsafe's
    escaping, as a plain string)."""
    return str(escape(value))


_SEPARATOR = "\x00"


def _attributes(values: list[str]) -> list[str]:
    """``_attribute`` of each value, from one escape of them all, joined.

    Escaping works character by character, so the escaped joint splits back
    into the escaped values, unless one of them holds the separator. One
    call instead of a dozen: every article page's head has that many.
    """
    escaped = str.split(escape(_SEPARATOR.join(values)), _SEPARATOR)
    if len(escaped) == len(values):
        return escaped
    return [_attribute(value) for value in values]


def _url_attribute(url: str) -> str:
    """``_attribute(url)`` for an auto-submit URL, quickly.

    Every value in one is percent-encoded, so ``&`` is the only character
    escaping changes: one ``replace`` instead of a pass over ~1,000
    characters per button and head. Any other URL is escaped in full.
    """
    if "<" in url or ">" in url or '"' in url or "'" in url:
        return _attribute(url)
    return url.replace("&", "&amp;")


def _ascii_html(text: str) -> str:
    """``text`` with every non-ASCII character as a numeric character
    reference, which HTML reads back as the same character.

    For a page that is all ASCII: one "…" of a shortened description would
    make Python store the whole completed page with two bytes per
    character, and Pelican's UTF-8 encoding of it take its slow path:
    ~35 µs more for a 30 KB page, as much as completing it. A page with
    non-ASCII text of its own is encoded on the slow path anyway, and its
    additions keep their characters.
    """
    if text.isascii() or _C1_CONTROL.search(text):
        # HTML reads &#128; to &#159; as Windows-1252 characters, not as
        # the C1 controls they name: such text keeps its characters.
        return text
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")


_C1_CONTROL = lazy_regex("[\x80-\x9f]")


def _head_start(page: str, head_end: int) -> int:
    """Where the plugin's head tags go: right after the page's
    ``<meta charset>`` (which must stay in its first 1,024 bytes), else
    right after its ``<head>`` tag; ``head_end`` for a page with neither
    before it (spelt in lower case, as every theme seen so far does).

    Early, because themes print text into the head unescaped (notmyidea:
    the summary, in its description ``<meta>``), and a quote and a ">" in
    it leave text there, which ends the head for a browser: any tag after
    it is in the body, where no reader of payment links looks.
    """
    declared = charset_declaration(page, head_end)
    if declared is not None:
        return declared[1]
    at = page.find("<head", 0, head_end)
    while at >= 0:
        close = at + 5
        if page.startswith(">", close):
            return close + 1
        if close < len(page) and page[close] in SPACE + "/":  # not <header>
            close = page.find(">", close, head_end)
            return head_end if close < 0 else close + 1
        at = page.find("<head", close, head_end)
    return head_end


@dataclass(frozen=True, slots=True)
class InjectReports:
    """Whom ``inject`` tells of each problem it finds on a page, and
    ``merge_theme_open_graph`` of the theme's Open Graph tags: the plugin
    mends what it can and says the rest, and the caller words each message
    (a template's mistake, once per template; a source's, naming it).

    Each callback is given the content's thing first; None: not told.
    Built once (the callbacks are the same for every page), so that a page
    costs no more than passing it.
    """

    # The head holds a payment link to Flattr that is not the content's own.
    other_payment_link: Callable[[ContentThing], None] | None = None
    # The button is due but the page shows no copy of the body it can go
    # after: given the landmark it went before instead (None: none) and why
    # (BODY_FILTERED, BODY_HIDDEN, BODY_SHORT or BODY_EMPTY).
    body_not_shown: Callable[[ContentThing, str | None, str], None] | None = None
    # The button goes after the first of two copies of the body a reader
    # sees: a summary equal to it, in a sidebar before the article, may be it.
    body_shown_twice: Callable[[ContentThing], None] | None = None
    # The head tags are due but a browser ended the head before where they
    # go: they are added there all the same.
    head_ended: Callable[[ContentThing], None] | None = None
    # The theme's own Open Graph tags come after what ended the head early
    # (given html_reader.TEXT or that element's name, and those properties):
    # the plugin leaves its own out all the same, so the page holds one each.
    theme_tags_ended: Callable[[ContentThing, str, tuple[str, ...]], None] | None = None
    # The theme's own og:url, for which the plugin leaves its own out, is not
    # the thing URL the plugin's would give (given the theme's and that URL).
    theme_url_wrong: Callable[[ContentThing, str, str], None] | None = None
    # The theme writes Open Graph tags with name= where readers look for
    # property= (given those of the plugin's properties): the plugin's own
    # stay beside them, so readers that take both see two of each.
    theme_tags_named: Callable[[ContentThing, tuple[str, ...]], None] | None = None
    # The theme's own Open Graph tags of these properties have no content,
    # or a blank one: the plugin's stand in for them, and they are taken out.
    theme_tags_blank: Callable[[ContentThing, tuple[str, ...]], None] | None = None
    # The page shows a Flattr button the plugin did not render
    # (shows_other_button), but for one the body holds: its own goes in too.
    other_button: Callable[[ContentThing], None] | None = None
    # The button goes right after a copy of the body that leaves open what
    # hides the rest of the page (given body_left_open's name for it): it goes
    # there all the same, as no place after the body is seen.
    body_leaves_open: Callable[[ContentThing, str], None] | None = None
    # Instead of body_not_shown, when the button has no place a reader sees
    # because the title, printed as it is, leaves open what hides the rest of
    # the page (given title_left_open's name for it).
    title_leaves_open: Callable[[ContentThing, str], None] | None = None


# Nobody told: the default of inject's and merge_theme_open_graph's reports.
_SILENT = InjectReports()


class _ThemeOpenGraph(NamedTuple):
    """A theme's own Open Graph tags in a page's head, as ``inject`` adds
    its own beside them."""

    # Every og: and article: property of its <meta> tags up to </head>.
    properties: frozenset[str]
    # Those of them after what ended the head early for a browser, and what
    # that was: html_reader.TEXT, or the name of an element a head cannot
    # hold.
    late: tuple[str, ...]
    ended_by: str | None
    # The content of each of its og:url tags.
    urls: tuple[str, ...]
    # Every og: and article: name of its <meta name="..."> tags, which Open
    # Graph readers do not take for the property (some take both).
    named: frozenset[str]
    # Each of its tags whose content is missing or blank (a theme's
    # {{ article.og_description }} of a field no article sets), of a
    # property none of its others gives a value: (property, where the tag
    # starts, where it ends). Such a tag is no value, and is not among
    # ``properties``: the plugin's own is kept, and this one taken out
    # (``_blank_tags_replaced``), so that the page holds one of each.
    blank: tuple[tuple[str, int, int], ...] = ()


def _theme_open_graph(
    page: str, end: int, printed: range = range(0), others: tuple[range, ...] = ()
) -> _ThemeOpenGraph:
    """The theme's Open Graph (``og:``, ``article:``) ``<meta>`` tags in
    the head, read up to ``end`` (its ``</head>``): past where a browser
    ends it too. Those in ``printed`` (``_printed_head``) are the helper's,
    and those in ``others`` (``_other_heads``) the helper's for other
    contents.

    Text a theme prints unescaped (a quote and a ">" in its description
    ``<meta>``) ends the head early for a browser, and the theme's tags
    after it are in the body. They are the theme's all the same: its page
    holds them, the audit (and any crawler reading the source) counts
    them, and the plugin's beside them would make two of each.
    """
    properties: set[str] = set()
    named: set[str] = set()
    late: list[str] = []
    urls: list[str] = []
    blank: list[tuple[str, int, int]] = []
    ended_by = None
    for name, attributes, start in live_tags(page, end):
        if (
            name == "meta"
            and start not in printed
            and not (others and any(start in other for other in others))
        ):
            values = attribute_values(attributes)
            prop = values.get("property", "")
            if prop.startswith(("og:", "article:")) and not values.get(
                "content", ""
            ).strip(SPACE):
                # "<meta" and its attributes, then the ">" that ends it.
                stop = start + len("<meta") + len(attributes)
                blank.append((prop, start, stop + page.startswith(">", stop)))
            elif prop.startswith(("og:", "article:")):
                properties.add(prop)
                if ended_by is not None and prop not in late:
                    late.append(prop)
                if prop == "og:url":
                    urls.append(values.get("content", ""))
            elif values.get("name", "").startswith(("og:", "article:")):
                named.add(values["name"])
        elif ended_by is None and ends_head(name):
            ended_by = name
    return _ThemeOpenGraph(
        frozenset(properties),
        tuple(late),
        ended_by if late else None,
        tuple(urls),
        frozenset(named),
        tuple(tag for tag in blank if tag[0] not in properties),
    )


def _blank_tags_replaced(
    content_thing: ContentThing,
    theme: _ThemeOpenGraph,
    added: Iterable[str],
    reports: InjectReports,
) -> list[_Edit]:
    """The edits that take out of the page the theme's blank Open Graph
    tags (``theme.blank``) of the properties the plugin's own tags give
    (``added``), which stand in for them; ``reports``' ``theme_tags_blank``
    told of those properties. A blank og:title, og:description... told
    crawlers the page has none, and beside the plugin's the page would
    hold two (the audit refuses two og:title). One of a property the
    plugin gives no value for stays: nothing stands in for it."""
    added = frozenset(added)
    replaced = [tag for tag in theme.blank if tag[0] in added]
    if replaced and reports.theme_tags_blank is not None:
        reports.theme_tags_blank(
            content_thing, tuple(dict.fromkeys(prop for prop, _, _ in replaced))
        )
    return [(start, stop, []) for _, start, stop in replaced]


def _printed_head(
    page: str, end: int, escaped_href: str, open_graph: Iterable[tuple[str, str]]
) -> range:
    """Where ``page[:end]`` holds, whole, what ``flattr_head()`` printed for
    the page's own content (``open_graph`` its pairs), else an empty range.

    Printed after text that ended the head, it is in the body for a
    browser: the page gets the head tags from injection, and the helper's
    are not the theme's own, which injection leaves out.
    """
    at = page.find(_OWN_PAYMENT_LINK, 0, end)
    while at >= 0:
        if page.startswith(escaped_href, at + len(_OWN_PAYMENT_LINK)):
            printed = "".join(_head(escaped_href, open_graph, frozenset()))
            if page.startswith(printed, at):
                return range(at, at + len(printed))
        at = page.find(_OWN_PAYMENT_LINK, at + 1, end)
    return range(0)


# What flattr_head() prints, for any content: its payment link, then a
# <meta> per property (the values escaped: no quote in them).
_HELPER_HEAD = lazy_regex(
    re.escape(_OWN_PAYMENT_LINK)
    + r'([^"]*)">(?:\n<meta property="[^"]*" content="[^"]*">)*'
)


def _other_heads(page: str, end: int, escaped_href: str) -> tuple[range, ...]:
    """Where ``page[:end]`` holds what ``flattr_head()`` printed for other
    contents than the page's own (whose payment link's href, as written,
    is ``escaped_href``): a "related" box's, which ``inject``'s caller
    reports. Those tags are not the theme's own, and do not stand in for
    the page's."""
    return tuple(
        range(match.start(), match.end())
        for match in _HELPER_HEAD.finditer(page, 0, end)
        if match[1] != escaped_href
    )


def _check_theme_open_graph(
    content_thing: ContentThing,
    theme: _ThemeOpenGraph,
    open_graph: Iterable[tuple[str, str]],
    reports: InjectReports,
    head_ended_said: bool = False,
) -> None:
    """Tell ``inject``'s caller what is wrong with the theme's own Open
    Graph tags, which the plugin leaves as they are: ``reports``'
    ``theme_tags_ended`` when some come after an early end of the head
    (unless ``head_ended_said``: ``head_ended`` told of that end already),
    ``theme_url_wrong`` when its og:url is not the thing URL,
    ``theme_tags_named`` when it writes with name= properties the plugin
    adds (``open_graph``'s, but those the theme writes with property=)."""
    tags_ended = reports.theme_tags_ended
    if tags_ended is not None and theme.ended_by is not None and not head_ended_said:
        tags_ended(content_thing, theme.ended_by, theme.late)
    tags_named = reports.theme_tags_named
    if tags_named is not None and theme.named:
        # The plugin's own names alone, in its order: a theme's name= value
        # may hold anything, an address too.
        doubled = dict.fromkeys(
            prop
            for prop, _ in open_graph
            if prop in theme.named and prop not in theme.properties
        )
        if doubled:
            tags_named(content_thing, tuple(doubled))
    url_wrong = reports.theme_url_wrong
    if url_wrong is None or not theme.urls:
        return
    # With Open Graph on, the og:url the plugin would give, as the audit
    # wants it: the thing URL. Many themes print the site's own URL
    # ({{ SITEURL }}) in base.html, on every page.
    url = next((value for prop, value in open_graph if prop == "og:url"), None)
    if url is None:
        return
    theirs = next((value for value in theme.urls if value != url), None)
    if theirs is not None:
        url_wrong(content_thing, theirs, url)


def _flattr_payment_hrefs(
    page: str, end: int, others: tuple[range, ...] = ()
) -> list[str]:
    """The hrefs of the payment links to Flattr in the head, read up to
    ``end``, as the ``flattr_head`` helper or a theme writes them. A theme's
    own payment link to another service (Liberapay, Patreon...) does not
    count, nor one quoted in text, nor one after text that ended the head,
    nor one in ``others`` (``_other_heads``)."""
    if not _names(page, end, "lattr.com/") or not _names(page, end, "ayment"):
        # Nearly every page the plugin completes; a head that names Flattr
        # or payments in its text alone (a title "Mobile payment in
        # Kenya") is not read tag by tag either.
        return []
    hrefs = []
    for name, attributes, start in head_tags(page, end):
        if name == "link" and not (others and any(start in other for other in others)):
            values = attribute_values(attributes)
            if _pays_through_flattr(values):
                hrefs.append(values.get("href", ""))
    return hrefs


def has_other_payment_link(
    page: str, auto_submit_url: str, others_printed: bool = False
) -> bool:
    """Whether the head of ``page`` holds a payment link to Flattr that is
    not to ``auto_submit_url``, the page's own, nor one ``flattr_head()``
    printed for another content (``others_printed``): a site-wide one a
    theme kept from before the plugin. As ``inject`` finds it, for a page
    whose head the helpers printed, which ``inject`` leaves alone."""
    head_end = find_head_end(page)
    if head_end < 0:
        return False
    others: tuple[range, ...] = ()
    if others_printed:
        others = _other_heads(page, head_end, _url_attribute(auto_submit_url))
    return any(
        href != auto_submit_url
        for href in _flattr_payment_hrefs(page, head_end, others)
    )


def _pays_through_flattr(link: Mapping[str, str]) -> bool:
    """Whether a ``<link>`` with these attributes is a payment link to
    Flattr: ``rel="payment"`` in any letter case, beside other relations."""
    return "payment" in link.get("rel", "").lower().split() and is_flattr_url(
        link.get("href", "")
    )


def _names(page: str, end: int, needle: str) -> bool:
    """Whether ``page[:end]`` holds ``needle`` in lower case or in capitals
    (its first letter left out of it: "Flattr.com", "Payment")."""
    return page.find(needle, 0, end) >= 0 or page.find(needle.upper(), 0, end) >= 0


# Where the payment link that flattr_head() printed for the page's own
# content lies, when not in the head as a browser reads it.
HEAD_MISSING = "missing"  # not on the page: the helper's output went unprinted
HEAD_OUTSIDE = "outside"  # after the head's end (or where no tag is read)
HEAD_ENDED = "ended"  # before </head>, but what came before it ended the head
# In the head, but where no reader takes it for tags: in a comment, a
# <template>, or the text of a <script> or <title>.
HEAD_HIDDEN = "hidden"


def printed_head_problem(page: str, auto_submit_url: str) -> str | None:
    """Where the head tags ``flattr_head()`` printed, for the thing of
    ``auto_submit_url``, lie in ``page``: None when in its head, as a
    browser reads it, else ``HEAD_MISSING``, ``HEAD_OUTSIDE``,
    ``HEAD_ENDED`` or ``HEAD_HIDDEN``.

    Only for pages whose templates called the helper for their own
    content. Text a theme printed unescaped before the link (a quote and a
    ">" in a description) ends the head before it: when the head before it
    gives cause (a "<" not closed by as many ">", a title, a script, a
    noscript), it is read as a browser reads it, tag by tag up to the link.
    """
    href = _url_attribute(auto_submit_url)
    needle = _OWN_PAYMENT_LINK + _FLATTR_URL
    at = page.find(needle)
    # Another thing's link first (a theme printing flattr_head() for a
    # related article): the page's own is the one with its href.
    while at >= 0 and not page.startswith(href, at + len(_OWN_PAYMENT_LINK)):
        at = page.find(needle, at + 1)
    if at < 0:
        # Not as printed: a theme may put its output through a filter
        # (|replace of the link's title, "Flattr this!"), which had it
        # taken for missing, and a strict build failed on a whole page.
        at = _payment_link_at(page, auto_submit_url)
    if at < 0:
        return HEAD_MISSING
    end = find_head_end(page)
    if end < 0 or at >= end:
        # A page that leaves <head> and </head> out (HTML lets it) has its
        # head end where text or an element a head cannot hold starts the
        # body: before the link, but for a <body> tag, that ended it early.
        implicit = find_ci(page, "</head>") < 0 and 0 <= end <= at
        if implicit and not 0 <= find_ci(page, "<body") < at:
            return HEAD_ENDED
        return HEAD_OUTSIDE
    if (
        page.count("<", 0, at) == page.count(">", 0, at)
        and page.rfind("<title", 0, at) <= page.rfind("</title", 0, at)
        and not open_before(page, at, SCRIPT_TAGS)
        and page.find("<noscript", 0, at) < 0
        and page.find("<template", 0, at) < 0
        and not _names(page, at, "</b")
        and not _names(page, at, "</h")
        and plainly_in_head(page, at)
    ):
        # Every "<" before it closed, in no title's or script's text, and no
        # <noscript> (whose <img> ends the head), nor a "</body>", "</br>"
        # or "</html>" (which end it too): no unescaped ">" ended a tag
        # early and left text. Nor text, or an element a head cannot hold
        # (a "}" a template left, a skip link), which end the head too. The
        # usual page of a theme that prints the helper is settled so,
        # without reading its head tag by tag (~40 us for the project's own
        # theme); nor a <template>, whose content is inert, before it.
        return None
    close = page.find(">", at + len(_OWN_PAYMENT_LINK) + len(href))
    templates = 0
    for name, _, start in read_tags(page, close + 1):
        if start == at:
            if templates:
                return HEAD_HIDDEN
            return None if name == "link" else HEAD_OUTSIDE
        if name in ("template", "/template"):
            templates = max(templates + (1 if name == "template" else -1), 0)
        # A <noscript> holding an <img> (a tracking pixel) ends the head too,
        # for a reader that runs no scripts, as crawlers and the audit read.
        elif not templates and ends_head(name):
            return HEAD_ENDED
    # No tag starts there: the link is in a comment, or the text of a
    # <script> or <title>, in the head.
    return HEAD_HIDDEN


def open_graph_marks(text: str) -> int:
    """How often ``text`` names an Open Graph property ("og:", "article:")."""
    return text.count("og:") + text.count("article:")


# One <meta> of what flattr_head() prints (_head_template): its property,
# and its value, escaped.
_HELPER_META = lazy_regex(r'\n<meta property="([^"]*)" content="([^"]*)">')


def merge_theme_open_graph(
    page: str,
    content_thing: ContentThing,
    auto_submit_url: str,
    printed: int,
    reports: InjectReports = _SILENT,
) -> str | None:
    """``page`` with the properties that its theme's head prints itself
    left out of the tags ``flattr_head()`` printed there, once, for
    ``content_thing`` (whose auto-submit URL is ``auto_submit_url``);
    None when unchanged.

    As ``inject`` leaves them out of its own: the page holds one of each,
    the theme's, and the theme's tags are held to the same checks
    (``reports``' ``theme_tags_ended``, ``theme_url_wrong`` and
    ``theme_tags_named``). For pages whose
    templates printed the helper, with Open Graph on; ``printed``: the
    ``open_graph_marks`` of its output. A head that names them no more
    often than that holds no tag of the theme's (nearly every such page),
    and is not read tag by tag.
    """
    # One cheap bound: most heads end at a plain "</head>".
    plain_end = page.find("</head>")
    bound = len(page) if plain_end < 0 else plain_end
    if page.count("og:", 0, bound) + page.count("article:", 0, bound) <= printed:
        return None
    end = find_head_end(page)
    if end < 0 or printed_head_problem(page, auto_submit_url) is not None:
        # Printed where a browser does not read it as the head's: that is
        # reported, and injection adds the tags, leaving out the theme's.
        return None
    escaped_href = _url_attribute(auto_submit_url)
    own = [
        match
        for match in _HELPER_HEAD.finditer(page, 0, end)
        if match[1] == escaped_href
    ]
    if len(own) != 1:
        return None  # printed twice: reported as such
    start, stop = own[0].span()
    theme = _theme_open_graph(page, end, range(start, stop))
    if not theme.properties and not theme.named and not theme.blank:
        return None  # "og:" in the text of the head, not in a tag
    metas = list(_HELPER_META.finditer(page, start, stop))
    _check_theme_open_graph(
        content_thing,
        theme,
        [(match[1], html.unescape(match[2])) for match in metas],
        reports,
    )
    edits = _blank_tags_replaced(
        content_thing, theme, [match[1] for match in metas], reports
    )
    kept = [match[0] for match in metas if match[1] not in theme.properties]
    if len(kept) != len(metas):
        # (The payment link ends where its first <meta> starts.)
        edits.append((start, stop, [page[start : metas[0].start()], *kept]))
    return _edited(page, edits) if edits else None


def may_show_button(page: str, start: int = 0) -> bool:
    """Whether ``page[start:]`` may hold a button of the plugin's: one it
    rendered, or a theme's own plain link with its classes (which
    ``own_buttons_shown`` tells apart). One search, that a page with no
    button fails."""
    return page.find(BUTTON_CLASS, start) >= 0


def own_buttons_shown(
    page: str, content_thing: ContentThing, auto_submit_url: str, in_doubt: bool = False
) -> int:
    """How many buttons for ``content_thing`` (the helpers', or a theme's
    own link with the plugin's classes) ``page`` shows a reader, in either
    style: another article's button (a
    sidebar's, a listing's) does not stand in for it, nor one where no
    reader sees it (``unseen_by_any_reader``).

    The plain button is told by its auto-submit URL, the embedded one by
    its thing URL: no two things share one. ``in_doubt``: read the page
    tag by tag whatever searches find, as for a page whose body leaves
    open what may hide a button after it (``body_left_open``), in a letter
    case or of a kind that the searches back do not look for.
    """
    return sum(
        not unseen_by_any_reader(page, at, noscript, in_doubt)
        for at, noscript in _own_button_places(page, content_thing, auto_submit_url)
    )


def helper_buttons_printed(
    page: str, content_thing: ContentThing, auto_submit_url: str
) -> int:
    """How many buttons for ``content_thing`` on ``page`` are the helpers'
    output, as printed (a theme's own link with the plugin's classes is
    not): for a report to blame the right one, seen or not."""
    plain = _plain_button(content_thing, _url_attribute(auto_submit_url))
    embedded = f'{_EMBEDDED_OPENING}{_attribute(content_thing.thing.url)}"'
    return page.count(plain) + page.count(embedded)


# The classes of the plugin's plain button, which a theme's own link in its
# own words carries too (README, "flattr_button"), and of its embedded one.
_PLAIN_CLASSES = frozenset({BUTTON_CLASS, f"{BUTTON_CLASS}--plain"})
_EMBEDDED_CLASSES = frozenset({"FlattrButton", BUTTON_CLASS})


def _own_button_places(
    page: str, content_thing: ContentThing, auto_submit_url: str
) -> Iterator[tuple[int, bool]]:
    """Where each button for ``content_thing`` on ``page`` starts, in
    either style, and whether a ``<noscript>`` hides it (an embedded one).

    A plain one is any ``<a>`` with the plugin's classes and the thing's
    auto-submit URL for its href, as the helpers print it or as a theme
    writes it in its own words, with its attributes in any order, and the
    URL escaped or not (Pelican's Jinja does not escape:
    ``article.flattr.auto_submit_url`` printed without ``|e``, whose "&" a
    browser reads alike)."""
    # An embedded button in a <noscript> is text where load.js runs, and
    # no button where it does not: no reader sees it. Told by its classes
    # and thing URL, not as printed: a theme that strips its inline style
    # (a Content-Security-Policy) with |replace had it taken for no button,
    # and a second one added.
    if "FlattrButton" in page:  # else none, and the thing URL may be in many links
        for start in _anchors_to(page, content_thing.thing.url, _EMBEDDED_CLASSES):
            yield start, True
    for start in _anchors_to(page, auto_submit_url, _PLAIN_CLASSES):
        yield start, False


def _anchors_to(page: str, url: str, classes: frozenset[str]) -> Iterator[int]:
    """Where each ``<a>`` on ``page`` starts that has ``classes`` (and
    maybe more) and ``url`` for its href (``_tags_to``)."""
    for start, values in _tags_to(page, url, "a"):
        if frozenset(values.get("class", "").split()) >= classes:
            yield start


def _tags_to(page: str, url: str, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Where each ``name`` tag (lower case) on ``page`` starts whose href is
    ``url``, and its attributes' values: in any order, and the URL escaped
    or not (Pelican's Jinja does not escape: ``article.flattr.
    auto_submit_url`` printed without ``|e``, whose "&" a browser reads
    alike)."""
    starts = set()
    for written in dict.fromkeys((_url_attribute(url), url)):
        at = page.find(written)
        while at >= 0:
            tag = _tag_holding(page, at, name)
            if tag is not None and tag.start() not in starts:
                values = attribute_values(tag[6] or "")
                if values.get("href") == url:
                    starts.add(tag.start())
                    yield tag.start(), values
            at = page.find(written, at + 1)


# How many "<" before a place _tag_holding looks back over: a quoted "<"
# or two in the tag's attributes before it (a title=), no more.
_LOOK_BACK = 8


def _tag_holding(page: str, at: int, name: str) -> re.Match[str] | None:
    """The ``name`` tag whose attributes hold ``page[at]``, read as a
    browser reads it (a quoted ">" or "<" in a title= before or after it),
    or None. Found among the few "<" just before it: searched back for
    "<a" and "<A", a page with no "<A" was read back to its start at every
    link to the page's own URL (a long article's links to its sections)."""
    start = at
    for _ in range(_LOOK_BACK):
        start = page.rfind("<", 0, start)
        if start < 0:
            return None
        if page[start + 1 : start + 1 + len(name)].lower() != name:
            continue
        tag = TAG.match(page, start)
        if tag is not None and tag.end() > at and (tag[5] or "").lower() == name:
            return tag
    return None


def title_hides_own_button(
    page: str, title_html: str, content_thing: ContentThing, auto_submit_url: str
) -> str | None:
    """``title_left_open`` for the first of the buttons the helpers printed
    for ``content_thing`` on ``page``, none of which a reader sees: what
    the title, printed as it is, leaves open that hides it, or None."""
    if "<" not in title_html:  # the usual title: one search
        return None
    places = _own_button_places(page, content_thing, auto_submit_url)
    first = min((at for at, _ in places), default=-1)
    return title_left_open(page, title_html, first) if first >= 0 else None


def _first_embedded_seen(page: str) -> int:
    """Where the first embedded button a reader that runs scripts sees
    starts in ``page``, or -1: load.js finds none in a comment, a
    ``<template>``, the text of a ``<script>`` or ``<textarea>``, or a
    ``<noscript>`` (text, where scripts run). One search on the usual page;
    one in doubt is settled by reading the page tag by tag."""
    return next((at for at, seen in run_where(page, _EMBEDDED_MARK) if seen), -1)


def shows_embedded_button(page: str) -> bool:
    """True when ``page`` holds an embedded button that load.js would show."""
    return _first_embedded_seen(page) >= 0


def place_loader(
    page: str, embedded: bool, hidden: Callable[[], None] | None = None
) -> str:
    """``page`` with its ``LOADER_PLACE`` marks settled: load.js in place of
    one when a reader sees an embedded button and the page holds no load.js
    of its own (``has_loader``), every other mark removed. ``embedded``:
    whether the helpers rendered an embedded button into the page at all
    (when not, nothing is searched).

    The first mark after the first button seen takes load.js; marks all
    before it (a call in ``<head>``) leave it before ``</body>``: load.js
    need not wait for the buttons that follow it. A mark where no browser
    runs a script (a comment, an attribute's value, a ``<noscript>``)
    takes none: ``hidden`` is called, and load.js goes before ``</body>``.
    """
    button = _first_embedded_seen(page) if embedded else -1
    if button < 0 or has_loader(page):
        return page.replace(LOADER_PLACE, "")
    at = _first_mark_run(page, button, hidden)
    if at >= 0:
        rest = page[at + len(LOADER_PLACE) :].replace(LOADER_PLACE, "")
        return f"{page[:at].replace(LOADER_PLACE, '')}{LOADER_TAG}{rest}"
    page = page.replace(LOADER_PLACE, "")
    at = find_ci(page, "</body>", last=True)
    if at < 0 or in_script(page, at):  # a theme may leave </body> out
        at = len(page)
    return f"{page[:at]}{LOADER_TAG}\n{page[at:]}"


def _first_mark_run(page: str, button: int, hidden: Callable[[], None] | None) -> int:
    """Where the first ``LOADER_PLACE`` mark after ``page[button]`` that a
    browser would run as a ``<script>`` is, or -1; ``hidden`` is called
    once when a mark, before the button or after, is where none would
    (``<!-- {{ flattr_script() }} -->``): replaced there, load.js would
    be commented out. A mark in doubt is settled as ``_first_embedded_seen``
    settles a button."""
    found = -1
    for at, seen in run_where(page, LOADER_PLACE):
        if not seen:
            if hidden is not None:
                hidden()
                hidden = None
        elif at > button and found < 0:
            found = at
        if found >= 0 and hidden is None:
            break
    return found


_SCRIPT_TYPES = frozenset(
    {"", "module", "application/ecmascript", "application/javascript"}
    | {"application/x-ecmascript", "application/x-javascript", "text/ecmascript"}
    | {"text/javascript", "text/jscript", "text/livescript", "text/x-ecmascript"}
    | {"text/x-javascript", *(f"text/javascript1.{n}" for n in range(6))}
)


# The type a consent manager (Cookiebot, Klaro...) has a theme give a
# <script> held back until the visitor consents, which it then runs: its URL
# in src, or in data-src, which the manager makes its src.
_HELD_BACK_TYPE = "text/plain"


def loader_source(script: Mapping[str, str]) -> tuple[str, str]:
    """The attribute of the <script> ``script`` (its attributes) that names
    the script it runs, and its value as written: its ``src``, or for one
    held back for consent (``_HELD_BACK_TYPE``) that has a ``data-src``,
    that."""
    if "data-src" in script and is_held_back(script):
        return "data-src", script["data-src"]
    return "src", script.get("src", "")


def _script_type(script: Mapping[str, str]) -> str:
    """The type of the <script> ``script`` (its attributes), as written."""
    return script.get("type", "").strip(SPACE)


def is_held_back(script: Mapping[str, str]) -> bool:
    """Whether the <script> ``script`` (its attributes) is held back for a
    consent manager to run (``_HELD_BACK_TYPE``)."""
    return _script_type(script).lower() == _HELD_BACK_TYPE


def runs_as_page_loads(script: Mapping[str, str]) -> bool:
    """Whether a browser fetches and runs the <script> ``script`` (its
    attributes) as the page loads: one of no type or a JavaScript one,
    without nomodule (which browsers that run modules skip). One held back
    for consent (``is_held_back``) waits for the visitor's consent."""
    return _script_type(script).lower() in _SCRIPT_TYPES and "nomodule" not in script


def names_flattr_loader(script: Mapping[str, str]) -> bool:
    """Whether the <script> ``script`` (its attributes) names a load.js on
    flattr.com (``loader_source``): Flattr's loader, or what passes for it,
    whose faults ``loader_fault`` names. The one rule of the build and the
    audit."""
    src = loader_source(script)[1].lower()
    return "flattr.com/js/" in src and "/load.js" in src


def loader_fault(script: Mapping[str, str], siteurl: str) -> str | None:
    """Why the <script> ``script`` (its attributes), whose source
    (``loader_source``) names a load.js on flattr.com, does not run
    Flattr's loader so that it shows the buttons of the site at
    ``siteurl``, now or, held back for consent, once the visitor
    consents; None when it does."""
    kind = _script_type(script)
    if kind.lower() not in _SCRIPT_TYPES and kind.lower() != _HELD_BACK_TYPE:
        return f"has type={kind!r}, which browsers do not run"
    if "nomodule" in script:
        return "has nomodule, which browsers that run modules skip"
    attribute, src = loader_source(script)
    src = src.strip(SPACE)
    parts = _loader_url(src)
    if parts.netloc.lower() != "api.flattr.com" or parts.path != "/js/0.6/load.js":
        # Another host's script runs with the page's rights; another
        # version's reading of the buttons is not the one they are made for.
        return f"has {attribute}={src!r}, not Flattr's api.flattr.com/js/0.6/load.js"
    scheme = parts.scheme.lower()
    if scheme not in ("https", "") and not (
        scheme == "http" and siteurl.lower().startswith("http:")
    ):
        return f"has {attribute}={src!r}: browsers block {scheme}: on an https site"
    # mode=manual waits for the page's own script to call the loader,
    # which the plugin never writes.
    mode = next(
        (
            value
            for key, value in parse_qsl(parts.query)
            if key == "mode" and value != "auto"
        ),
        None,
    )
    if mode is not None:
        return f"has {attribute}={src!r}: load.js with mode={mode} shows no button"
    return None


def _loader_url(src: str) -> SplitResult:
    """A load.js ``src`` as a browser reads a URL: without tabs and line
    breaks, a backslash as "/"."""
    return urlsplit(src.strip(SPACE).translate(TAB_AND_NEWLINES).replace("\\", "/"))


def loader_options(script: Mapping[str, str]) -> dict[str, str]:
    """The options of the load.js <script> ``script`` (its attributes)
    from its URL's query, as the loader reads them: defaults of every
    button it shows (``uid``, ``category``...), and ``html5-key-prefix``,
    the prefix of the attributes it reads in place of data-flattr's."""
    return dict(parse_qsl(_loader_url(loader_source(script)[1]).query))


def has_loader(page: str) -> bool:
    """Whether ``page`` holds a load.js ``<script>`` that a browser runs,
    as the audit reads it (``loader_fault``), or one held back for a
    consent manager to run once the visitor consents (``names_flattr_loader``:
    whatever the rest of its URL):
    not one in a comment, a ``<template>``, a ``<noscript>`` or a script's
    text, nor one of another type or source. One search on a page without
    "load.js"; the plugin's own tag where nothing may hide it, a few
    more; any other (a theme's, its attributes in another order) is read
    tag by tag."""
    at = page.find("load.js")
    if at < 0:
        return False
    at = page.find(LOADER_TAG)
    while at >= 0:
        if not may_be_hidden(page, at):
            return True
        at = page.find(LOADER_TAG, at + 1)
    for script in _live_load_js_scripts(page):
        # Held back for consent, Flattr's is the page's whatever the rest
        # of its URL: one that runs, added beside a mistyped copy, loaded
        # Flattr's script before the visitor consented (the audit names
        # the mistake). A theme's own held back (lazyload.js) is not.
        if is_held_back(script) and names_flattr_loader(script):
            return True
        # No siteurl: an http: load.js counts as blocked, and one that
        # runs is added beside it.
        if loader_fault(script, "") is None:
            return True
    return False


def _live_load_js_scripts(page: str) -> Iterator[dict[str, str]]:
    """The attributes of each ``<script>`` of ``page`` that names a load.js
    and that no comment, ``<template>``, ``<noscript>`` or other element's
    text holds."""
    noscript = False
    for name, raw, _ in live_tags(page, len(page)):
        if name in ("noscript", "/noscript"):
            # Where scripts run, its content is text: nothing in it runs.
            noscript = name[0] != "/"
        elif name == "script" and not noscript and "load.js" in raw:
            yield attribute_values(raw)


# Flattr's loader named in a page, in any letter case: where a page names a
# load.js (a theme's lazyload.js on every page), whether it is Flattr's.
_FLATTR_JS = lazy_regex(r"flattr\.com/js/", re.IGNORECASE)


def names_flattr_loader_in(text: str) -> bool:
    """Whether ``text`` (a page, a template's source) names a load.js on
    flattr.com anywhere, in any letter case: at once where it names no
    load.js."""
    return "load.js" in text and _FLATTR_JS.search(text) is not None


def running_flattr_loader(page: str) -> str | None:
    """The source (``loader_source``) of the first ``<script>`` of ``page``
    that names a load.js on flattr.com and that a browser fetches and runs
    as the page loads (``runs_as_page_loads``), as the audit reads it: not
    one held back for consent, nor one in a comment, a ``<template>``, a
    ``<noscript>`` or a script's text. None when there is none: at once on
    a page that names no load.js on flattr.com."""
    if not names_flattr_loader_in(page):
        return None
    return next(
        (
            loader_source(script)[1]
            for script in _live_load_js_scripts(page)
            if names_flattr_loader(script) and runs_as_page_loads(script)
        ),
        None,
    )


def who_asks_for_loader(src: str, siteurl: str) -> str:
    """Who asks Flattr for the load.js at ``src`` on the pages of
    ``siteurl`` as they open, as the build's report and the audit's
    ``loader-unneeded`` say it: every reader's browser, or, for an http:
    one on an https: site, which browsers block, only one over http:."""
    if blocked_over_https(src, siteurl):
        return (
            "a browser that reads the page over http: asks Flattr for it before "
            "any click (over https:, browsers block it and log an error)"
        )
    return "each reader's browser asks Flattr for it before any click"


def blocked_over_https(src: str, siteurl: str) -> bool:
    """Whether a script's ``src`` is an http: URL that browsers block on
    the pages of ``siteurl``, an https: site (as ``loader_fault`` reads
    it)."""
    # The scheme alone: urlsplit refuses a src whose host it cannot read
    # ("https://[HOST]/js/0.6/load.js"), a theme's placeholder.
    scheme = URL_SCHEME.match(re.sub("[\t\n\r]", "", src.strip(SPACE)))
    return (
        scheme is not None
        and scheme[1].lower() == "http"
        and not siteurl.lower().startswith("http:")
    )


def pushes_charset_out(page: str, auto_submit_url: str) -> bool:
    """Whether the payment link to ``auto_submit_url`` comes before the
    page's declaration of its encoding (``<meta charset>``, or the
    ``http-equiv`` form, in any case), which ends past the first 1,024
    bytes, where a browser looks for it."""
    link = page.find(f'{_OWN_PAYMENT_LINK}{_url_attribute(auto_submit_url)}"')
    if link < 0:
        return False
    declared = charset_declaration(page, find_head_end(page))
    return (
        declared is not None
        and link < declared[0]
        and len(page[: declared[1]].encode()) > CHARSET_BYTES
    )


def _payment_link_at(page: str, auto_submit_url: str) -> int:
    """Where the first ``<link>`` on ``page`` starts whose rel names
    "payment" and whose href is ``auto_submit_url`` (``_tags_to``); -1
    when there is none."""
    for start, values in _tags_to(page, auto_submit_url, "link"):
        if "payment" in values.get("rel", "").lower().split():
            return start
    return -1


def own_payment_links(page: str, auto_submit_url: str) -> int:
    """How many payment links to ``auto_submit_url``, as this plugin writes
    them, ``page`` holds."""
    return page.count(f'{_OWN_PAYMENT_LINK}{_url_attribute(auto_submit_url)}"')


_PLAIN_OPENING = f'<a class="{BUTTON_CLASS} {BUTTON_CLASS}--plain" href="'
_EMBEDDED_OPENING = (
    f'<a class="FlattrButton {BUTTON_CLASS} {BUTTON_CLASS}--js" '
    'style="display:none;" href="'
)


def _end_of(page: str, body_html: str, start: int) -> int:
    """Where the first ``body_html`` in ``page[start:]`` ends, or -1.

    Found by its last characters, then compared whole: ``find`` with a
    needle of a few kilobytes first spends longer preparing it than a short
    needle takes to find.
    """
    tail = body_html[-64:]
    at = page.find(tail, start)
    while at >= 0:
        end = at + len(tail)
        if end - len(body_html) >= start:
            if page.startswith(body_html, end - len(body_html)):
                return end
            # A near miss: the tail again at a body's length from here (a
            # body of one repeated line, printed twice). Comparing at each
            # such place is quadratic; find's search for the whole body is
            # linear.
            found = page.find(body_html, start)
            return -1 if found < 0 else found + len(body_html)
        at = page.find(tail, at + 1)
    return -1


def _shown_again(page: str, body_html: str, end: int, in_doubt: bool) -> bool:
    """Whether a reader sees another copy of ``body_html`` after the one
    that ends at ``page[end]``, and the button after the first may be in
    the wrong place: a short article's summary is its body, and a sidebar
    of recent posts (or a lead above the body) printed first shows it.
    One search of the rest of the page, for the usual page that holds no
    other copy; a copy in doubt is settled as ``_shown_end_of`` settles it.

    A second copy in an ``<aside>``, ``<nav>`` or ``<footer>`` after a
    first copy in none (a sidebar or "related posts" printed after the
    article) leaves the button where it belongs. ``in_doubt``: settle the
    copy as if ``may_be_hidden`` were in doubt (``title_may_hide``)."""
    again = _end_of(page, body_html, end)
    if again < 0 or (
        (in_doubt or may_be_hidden(page, again - len(body_html)))
        and (again := _shown_end_of(page, body_html, end, again, in_doubt)) < 0
    ):
        return False
    return open_before(page, end - len(body_html), _SIDE_TAGS) or not open_before(
        page, again - len(body_html), _SIDE_TAGS
    )


# The boxes beside a page's main content, spelt in lower case as themes
# spell them: what a sidebar or a "related posts" list is printed in.
_SIDE_TAGS = tuple((f"<{n}", f"</{n}") for n in ("aside", "nav", "footer"))


def _shown_end_of(
    page: str, body_html: str, start: int, end: int, in_doubt: bool = False
) -> int:
    """Where the first copy of ``body_html`` in ``page[start:]`` that a
    reader sees ends, given where the first copy ends (``end``), which
    ``may_be_hidden`` left in doubt; -1 when no copy is left.

    A theme may print the body first where nobody sees it (a comment, a
    ``<script type="text/x-template">``, a ``<template>``, a ``<noscript>``,
    an ``<iframe srcdoc='...'>``), and a button after that copy would be
    hidden with it. Each copy in doubt is settled by reading the page tag
    by tag up to it, once for all of them; with ``in_doubt``
    (``title_may_hide``), each copy is.
    """
    hiding = hiding_ends(page, start)
    next(hiding)
    while end >= 0:
        hidden_until = hiding.send(end - len(body_html))
        if hidden_until < 0:
            return end
        end = _end_of(page, body_html, hidden_until)
        if end >= 0 and not in_doubt and not may_be_hidden(page, end - len(body_html)):
            return end
    return -1


def _unseen(page: str, at: int, start: int, in_doubt: bool) -> bool:
    """Whether no reader sees what starts at ``page[at]``, the page read
    from ``start`` as ``_shown_end_of`` reads it for a copy of the body:
    ``may_be_hidden``, then, in doubt (or with ``in_doubt``), ``hiding_ends``."""
    if not in_doubt and not may_be_hidden(page, at):
        return False
    hiding = hiding_ends(page, start)
    next(hiding)
    return hiding.send(at) >= 0


def title_may_hide(title_html: str) -> bool:
    """Whether the content's title (``title_html``, HTML as Pelican keeps
    it), printed as it is, may leave open what hides the rest of its page
    (``body_left_open`` finds some, where scripts run), in an element the
    searches back of ``may_be_hidden`` do not look for (a ``<style>``, an
    ``<xmp>``): a place after it is in doubt, for the page read tag by tag
    to settle. One search for the usual title, which holds no "<"."""
    return "<" in title_html and body_left_open(title_html, scripts=True) is not None


def title_left_open(page: str, title_html: str, at: int) -> str | None:
    """What the content's title (``title_html``, HTML as Pelican keeps it)
    leaves open (as ``body_left_open`` names it) that hides ``page[at]``
    from every reader, where ``page`` prints the title as it is: the last
    copy of it before ``page[at]`` read as markup (not in a ``<title>``'s
    text, an attribute's value or a comment) is what hides ``page[at]``,
    which the page read on from the copy's end shows. None when the title
    opens nothing it leaves open (a ``<em>`` it closes), or the page
    prints it escaped or stripped of its tags, or something else hides
    ``page[at]`` (a theme's comment around it).

    One search for the usual title, which holds no "<"; the page is read
    tag by tag only for a title that leaves something open.
    """
    if "<" not in title_html:
        return None
    # Where scripts run: a <noscript> left open hides the landmarks, which
    # are read as the body's copy is.
    left_open = body_left_open(title_html, scripts=True)
    if left_open is None:
        return None
    hiding = hiding_ends(page, 0)
    next(hiding)
    last_seen = -1
    copy = page.find(title_html, 0, at)
    while copy >= 0:
        if hiding.send(copy) < 0:
            last_seen = copy
        copy = page.find(title_html, copy + 1, at)
    if last_seen < 0 or hiding.send(at) < 0:
        return None
    # Seen, the copy is in nothing that hides: what hides page[at] opens in
    # it when the page read on from its end shows page[at].
    after = hiding_ends(page, last_seen + len(title_html))
    next(after)
    return left_open if after.send(at) < 0 else None


# What a body may leave open that hides whatever the page holds after it:
# an element of TEXT_ELEMENTS (the rest of the page is its text), a
# <template> (inert), a <noscript> (text where scripts run), a comment, or
# a CDATA section of foreign content. A start tag's name in any letter
# case, as a browser reads it; the end of the body may cut it short
# ("<textarea" is one once "\n<div" follows).
_BODY_HIDING_NAMES = "|".join(sorted(TEXT_ELEMENTS | {"template", "noscript"}))
_BODY_HIDING_START = lazy_regex(
    rf"<(!--|!\[CDATA\[|(?ai:{_BODY_HIDING_NAMES})(?=[{SPACE}/>]|\Z))"
)
# What the page holds right after a body the plugin puts its button after:
# the injected button's opening. A tag the body's end cuts short gets its
# ">" there (and swallows the <div>, as a browser reads it), and a quoted
# value may end at its class's quote. (A button the helpers printed
# follows the theme's markup: the page itself is read for it.)
_AFTER_BODY = '\n<div class="flattr-injected">'
# What body_left_open() calls a comment left open, a CDATA section left
# open, and a script whose end tag lies in text a "<!--" escaped (the
# double escaped script data of "<!--<script>", where "</script>" ends no
# script); a tag left open is named by its "<" and name ("<img").
COMMENT = "!--"
CDATA = "![CDATA["
ESCAPED_SCRIPT = "script<!--"
# What body_left_open() calls an <svg> or a <math> open around the page
# after the body, which a bogus comment ("<?x", "</") the body's end cuts
# short swallows up to the button's <a>: read as SVG's or MathML's, the
# <a> is no link.
FOREIGN_LEFT_OPEN = {"svg": "<svg>", "math": "<math>"}


def body_left_open(body_html: str, scripts: bool = False) -> str | None:
    """What ``body_html`` (an article's or a page's body, as Pelican
    renders it) leaves open at its end that hides from every reader what
    the page holds after it, the button injected right after the body or
    printed there by the helpers: the name (lower-cased) of an element of
    ``TEXT_ELEMENTS`` whose text runs on (a ``<textarea>``, a ``<style>``,
    a ``<plaintext>``...; ``ESCAPED_SCRIPT`` for a script whose end tag is
    escaped), "template", ``COMMENT`` for a comment (its "<!--"),
    ``CDATA`` for a CDATA section of an ``<svg>`` or a ``<math>``, "<"
    and a tag's name (its namespace's left out: "<a") for a tag that
    swallows the page after the body (a quoted value the body never
    closes, a tag of foreign content the body's end cuts short, in foreign
    content still open after it), ``FOREIGN_LEFT_OPEN``'s "<svg>" or
    "<math>" for a bogus comment ("<?x", "</") cut short there, or, with
    ``scripts`` (for an embedded button, which needs them), "noscript";
    None when it leaves none open. The body's end cuts short no tag: the
    page after it gives one its ">", and "</textarea" closes.

    One search of the body, for the usual one, which opens none of them
    and ends with a whole tag; one that does, in lower case and each closed
    after its last start tag as searches find (a video's ``<iframe>``, a
    summary's comment), a few more; any other (a ``<TEXTAREA>``, one left
    open, one that ends in a tag) is read tag by tag, the body alone,
    never the page.
    """
    if _may_end_in_a_tag(body_html):
        return _left_open(body_html, scripts)
    # Each name once: its check searches back from the body's end, and
    # once per start tag took quadratic time (a body of many comments or
    # videos and a long text after them).
    checked = set()
    for match in _BODY_HIDING_START.finditer(body_html):
        name = match.group(1)
        if name in checked:
            continue
        if (name != COMMENT and not name.islower()) or _may_be_left_open(
            body_html, name, scripts
        ):
            return _left_open(body_html, scripts)
        checked.add(name)
    return None


def escaped_opening(left_open: str) -> str:
    """The opening of what ``body_left_open`` found left open (``left_open``)
    as a text writes it escaped, to be shown as it is: "&lt;textarea&gt;",
    "&lt;!--", "&lt;img" for a tag left open. What a report tells an
    author to write instead."""
    opening = {COMMENT: "<!--", CDATA: "<![CDATA[", ESCAPED_SCRIPT: "<script>"}.get(
        left_open
    )
    if opening is None:
        opening = left_open if left_open.startswith("<") else f"<{left_open}>"
    return html.escape(opening, quote=False)


def _may_end_in_a_tag(body_html: str) -> bool:
    """Whether ``body_html`` may end inside a tag (cut short, or in a
    quoted value never closed): text after its last ">" holds a "<" or a
    quote, or the last quote of either kind opens a value that runs to its
    end (``_opens_a_value_to_the_end``). A few searches back and a match,
    on the usual body, which ends with "</p>"."""
    tail = body_html[body_html.rfind(">") + 1 :]
    if "<" in tail or "'" in tail or '"' in tail:
        return True
    return _opens_a_value_to_the_end(
        body_html, body_html.rfind("'")
    ) or _opens_a_value_to_the_end(body_html, body_html.rfind('"'))


def _opens_a_value_to_the_end(body_html: str, quote: int) -> bool:
    """Whether the quote at ``body_html[quote]``, the last of its kind
    (none when ``quote`` is -1), may open a value that runs to the body's
    end: the last tag that starts before it, read by ``TAG``, runs to the
    end without its ">" ("<img alt='</p><td>"). One that its ">" closes
    (``<img alt="it's" />``, as reStructuredText writes an image), or
    closed before the quote, leaves the quote in a value or in text, as
    no tag starts between them. Approximated: a "<" in an earlier quoted
    value of the same tag is taken for that tag's start
    (``<a title="<b c='" d='e>``)."""
    at = quote
    while at > 0:
        at = body_html.rfind("<", 0, at)
        tag = TAG.match(body_html, at) if at >= 0 else None
        if tag is None:
            continue  # "a < b": text, or no "<" at all
        if tag.end() < len(body_html):
            return False
        if tag.group(5) is not None:  # a start or end tag
            return not tag.group(7)
        return tag.group(1) is not None and not tag.group(3)
    return False


def _may_be_left_open(body_html: str, name: str, scripts: bool) -> bool:
    """Whether ``body_left_open`` must read ``body_html`` tag by tag for
    ``name`` (in lower case), a start it holds: its last start tag has no
    end tag after it (after its ">", as a browser reads the tag: quoted,
    "</textarea>" ends nothing), or, for a script, some "<!--" may have
    escaped its text past the end tag (``html_reader._text_end``). A search
    back, one on."""
    if name == COMMENT:
        return open_comment_before(body_html, len(body_html)) >= 0
    if name in ("template", NEVER_CLOSED):
        # Templates nest, and a stray end tag closes none: rare in a body,
        # counted by reading it. Nothing closes a <plaintext>.
        return True
    if name == "noscript" and not scripts:
        return False
    if name == "script" and "<!--" in body_html:
        return True
    tag = TAG.match(body_html, body_html.rfind(f"<{name}"))
    if tag is None:
        return True
    if name == "noscript":
        return NOSCRIPT_END.search(body_html, tag.end()) is None
    # An element of text: the match holds its text, up to its end tag.
    return tag.group(1) is None or tag.end() == len(body_html)


def _left_open(body_html: str, scripts: bool) -> str | None:
    """``body_left_open``, read tag by tag as a browser reads the body
    followed by ``_AFTER_BODY`` (``read_html``: an SVG's ``<style>`` holds no
    text, a "<textarea>" in an attribute's value opens nothing). Where
    scripts run, a ``<noscript>``'s content is text, up to its first
    ``</noscript``: read on from there (as HTML: foreign content open
    around it is forgotten)."""
    page = body_html + _AFTER_BODY
    end = len(page)
    templates = 0
    last = None
    # The namespace of the foreign content that reads what follows the
    # page read (the button's <a>), once the reading reaches its end.
    namespace: list[str | None] = [None]
    reading = (read_where_scripts_run if scripts else read_html)(page, 0, end)
    for item in noting_return(reading, namespace):
        name, closed = item[0], item[4]
        last = item
        if closed and name in ("template", "/template"):
            templates = max(templates + (-1 if name[0] == "/" else 1), 0)
    if scripts and last is not None and last[0] == "noscript" and last[4]:
        return "noscript"  # no "</noscript" after it: the rest is its text
    foreign = namespace[0]
    if last is not None and last[3] == end:
        name, start, closed = last[0], last[2], last[4]
        if name in TEXT_ELEMENTS and closed:
            # Its text runs on past the body's end.
            if name == "script" and SCRIPT_END.search(page, start, len(body_html)):
                return ESCAPED_SCRIPT
            return name
        if name == "" and page.startswith("<!--", start):
            return COMMENT
        if name == CDATA_SECTION:
            return CDATA
        # A quoted value never closed; or a tag the body's end cuts short,
        # which swallows the button's <div>, in foreign content still open
        # after it: the button's <a> is SVG's or MathML's. (An end tag
        # that closes the <svg>, or an HTML tag named "svg:a", leaves the
        # <a> HTML's.) A bogus comment ("<?x", "</") swallows the <div> as
        # well: reported below.
        if name and (not closed or (start < len(body_html) and foreign)):
            tag = name.lstrip("/")
            return "<" + (tag.partition(":")[2] if foreign else tag)
    if templates:
        return "template"
    if foreign:
        return FOREIGN_LEFT_OPEN[foreign]
    return None


# Why injection cannot put the button right after the content's body.
BODY_FILTERED = "filtered"  # no copy on the page: the summary in its place
BODY_HIDDEN = "hidden"  # copies only where no reader sees them
# 20 characters or fewer, and on the page more than once: so short a body
# ("<p>Hi.</p>") may be any text, a sidebar's or a lead's, and no copy is
# surely the body.
BODY_SHORT = "short"
BODY_EMPTY = "empty"  # nothing to follow


# What a button a theme prints itself holds, as old snippets spell it:
# the auto-submit URL of a static one, the class load.js looks for.
_SUBMIT_MARK = "flattr.com/submit"
_EMBEDDED_CLASS = "FlattrButton"
# How the plugin's own text spells them: its plain buttons and payment links.
_OWN_SUBMITS = (
    f"{_PLAIN_OPENING}{_FLATTR_URL}submit/",
    f"{_OWN_PAYMENT_LINK}{_FLATTR_URL}submit/",
)


def shows_other_button(page: str) -> bool:
    """Whether ``page`` shows a reader a Flattr button the plugin did not
    render: a link to Flattr's auto-submit URL, or an ``<a>`` of class
    ``FlattrButton``, without the plugin's class (which its buttons for
    other articles, in a sidebar or a listing, carry). An old snippet a
    theme kept from before the plugin: a second button, for whichever
    owner it names.

    Two searches on the usual page; a page whose marks the plugin's own
    buttons and payment links do not all account for (a theme's snippet,
    an example quoted in the body, escaped) is read tag by tag, and an
    ``<a>`` unseen by any reader (in a comment, a ``<template>``) does not
    count.
    """
    submits = page.count(_SUBMIT_MARK)
    if not (
        (submits and submits > sum(page.count(own) for own in _OWN_SUBMITS))
        or (
            _EMBEDDED_CLASS in page
            and page.count(_EMBEDDED_CLASS) > page.count(_EMBEDDED_OPENING)
        )
    ):
        return False
    return next(_flattr_markup_shown(page, ("a",), rendered=True), None) is not None


def theme_shows_other_button(page: str, body_html: str) -> bool:
    """``shows_other_button(page)``, but for a button the content's body
    holds itself (``flattr_markup_in_body``, reported naming its source,
    not the theme): then the page is read without its copies of the body."""
    if not shows_other_button(page):
        return False
    if _names(body_html, len(body_html), _BODY_MARK):
        return shows_other_button(page.replace(body_html, ""))
    return True


# What every spelling of Flattr markup that flattr_markup_in_body() finds
# holds: "flattr.com" in a link, "FlattrButton" or "flattr-button" in a
# class.
_BODY_MARK = "lattr"


def flattr_markup_in_body(body_html: str) -> frozenset[str]:
    """What Flattr markup an article's or a page's body (``body_html``, as
    Pelican renders it) shows a reader: "a" for a button (a link to
    Flattr's auto-submit URL, or an ``<a>`` of class ``FlattrButton`` or of
    the plugin's class), "link" for a payment link to Flattr.

    The plugin writes nothing into a body: such markup is its author's (an
    old snippet pasted in), and pays whoever it names, beside the page's
    own button and payment link, wherever the body is shown (the audit
    refuses such pages). Quoted as code (escaped), in a comment or in a
    ``<template>``, it is none.

    Two searches on the usual body, which names no Flattr; one that does
    (spelt plainly, as the build reads a head's payment links: the audit
    reads every spelling) is read tag by tag.
    """
    if not _names(body_html, len(body_html), _BODY_MARK):
        return frozenset()
    return frozenset(_flattr_markup_shown(body_html, ("a", "link"), rendered=False))


def _flattr_markup_shown(
    page: str, names: tuple[str, ...], rendered: bool
) -> Iterator[str]:
    """The name, of ``names``, of each Flattr button (an ``<a>``, as
    ``flattr_markup_in_body`` tells one) or payment link to Flattr (a
    ``<link>``) in ``page`` that a reader sees (``unseen_by_any_reader``).
    With ``rendered``, an ``<a>`` of the plugin's class is one of its own
    buttons (a sidebar's, a listing's) and counts for nothing; without,
    as in a body, into which the plugin writes nothing, it counts."""
    for name, attributes, start in read_tags(page, len(page)):
        if name not in names:
            continue
        values = attribute_values(attributes)
        classes = values.get("class", "").split()
        if name == "link":
            found = _pays_through_flattr(values)
        elif BUTTON_CLASS in classes:
            found = not rendered
        else:
            href = values.get("href", "")
            found = _EMBEDDED_CLASS in classes or is_auto_submit_url(href)
        if found and not unseen_by_any_reader(page, start):
            yield name


# Where in a page as rendered (an index), and the texts to insert there.
_Insertion = tuple[int, list[str]]
# What is put in place of page[start:stop]: (start, stop, pieces).
_Edit = tuple[int, int, list[str]]


def inject(
    page: str,
    content_thing: ContentThing | None,
    *,
    body_html: str,
    needs_loader: bool,
    open_graph: Iterable[tuple[str, str]] = (),
    auto_submit_url: str | None = None,
    button_shown: bool | None = None,
    head_printed: bool = False,
    others_printed: bool = False,
    title_html: str = "",
    reports: InjectReports = _SILENT,
) -> str | None:
    """Add what ``page`` lacks; return the new page, or None when unchanged.

    The page's facts, by keyword: ``body_html`` and ``title_html``, the
    content's body and title as Pelican renders them; ``needs_loader``,
    whether the helpers rendered an embedded button and no
    ``flattr_script()`` settled load.js; ``open_graph``, the content's Open
    Graph pairs; ``auto_submit_url``, its thing's, when the caller has it
    (built once for the feeds and the page). ``button_shown``: whether the
    template helpers rendered the content's own button, when the caller
    knows (None: the page is searched for that button; another thing's, in
    a sidebar or an example in the body, does not count).
    ``head_printed``: whether the helpers printed the content's head tags
    into the head. ``others_printed``: whether the helpers printed head
    tags for another content (a "related" box's) on the page, which the
    caller reports: those are not taken for the theme's own, nor stand in
    for the page's. ``reports``: whom to tell of each problem
    (``InjectReports``).

    * Early in the head: the payment link and the Open Graph properties the
      page does not already carry, unless the helpers printed them or the
      head has the content's own payment link. A payment link to another
      thing (a theme's site-wide one, from before the plugin) does not stand
      in for it: the page would send its flattrs elsewhere, and have no Open
      Graph tags.
    * Right after ``body_html`` (the content's rendered body, as the theme
      printed it), or before the last ``</article>``, ``</main>`` or
      ``</body>`` a reader sees when it cannot be found: the button, unless
      the page already shows the content's own. With no such place, none.
    * Before ``</body>``: load.js, once, when an embedded button a reader
      sees is on the page and the loader is not.

    One helper for each (``_head_insertion``, ``_button_insertion``,
    ``_loader_insertion``) finds where and what to insert in the page as
    rendered, called in the order their reports are said; the page is
    copied once, at the end.
    """
    insertions: list[_Insertion] = []
    removals: list[_Edit] = []
    head_end = find_head_end(page)
    body_start = max(head_end, 0)
    button_tags = None
    if content_thing is not None:
        auto_submit_url = auto_submit_url or content_thing.auto_submit_url
        escaped_href = _url_attribute(auto_submit_url)
        if head_end >= 0 and not head_printed:
            head_insertion = _head_insertion(
                page,
                content_thing,
                head_end=head_end,
                auto_submit_url=auto_submit_url,
                escaped_href=escaped_href,
                open_graph=open_graph,
                others_printed=others_printed,
                reports=reports,
            )
            if head_insertion is not None:
                insertions.append(head_insertion[0])
                removals = head_insertion[1]
        button_tags = _button_insertion(
            page,
            content_thing,
            body_html=body_html,
            body_start=body_start,
            auto_submit_url=auto_submit_url,
            escaped_href=escaped_href,
            button_shown=button_shown,
            title_html=title_html,
            reports=reports,
        )
        if button_tags is not None:
            insertions.append(button_tags)
    embedded = content_thing is not None and content_thing.button_style != "plain"
    if needs_loader or embedded:
        loader_tag = _loader_insertion(
            page, body_start, button_tags is not None and embedded
        )
        if loader_tag is not None:
            insertions.append(loader_tag)
    if not insertions:
        return None
    return _inserted(page, insertions, removals)


def _head_insertion(
    page: str,
    content_thing: ContentThing,
    *,
    head_end: int,
    auto_submit_url: str,
    escaped_href: str,
    open_graph: Iterable[tuple[str, str]],
    others_printed: bool,
    reports: InjectReports,
) -> tuple[_Insertion, list[_Edit]] | None:
    """``inject``'s head tags for a page whose head the helpers left alone
    (``head_end``, ``find_head_end``'s), early in the head: the payment
    link and the Open Graph properties the theme did not print (a blank
    tag of the theme's prints none); and the edits that take out the
    theme's blank tags they stand in for (``_blank_tags_replaced``). None
    when the theme wrote the content's own payment link as the helper
    writes it.
    """
    others: tuple[range, ...] = ()
    if others_printed:
        others = _other_heads(page, head_end, escaped_href)
    theirs = _flattr_payment_hrefs(page, head_end, others)
    if reports.other_payment_link is not None and any(
        href != auto_submit_url for href in theirs
    ):
        reports.other_payment_link(content_thing)
    if auto_submit_url in theirs:
        return None  # written by the theme as the helper writes it
    skip: frozenset[str] = frozenset()
    theme = None
    removals: list[_Edit] = []
    # Most themes that leave the head to the plugin emit no property;
    # each it could emit holds one of these, two searches in C.
    if page.find("og:", 0, head_end) >= 0 or page.find("article:", 0, head_end) >= 0:
        if not isinstance(open_graph, (tuple, list)):  # read again below
            open_graph = list(open_graph)
        theme = _theme_open_graph(
            page,
            head_end,
            _printed_head(page, head_end, escaped_href, open_graph),
            others,
        )
        skip = theme.properties
        removals = _blank_tags_replaced(
            content_thing,
            theme,
            [prop for prop, _ in open_graph if prop not in skip],
            reports,
        )
    tags = _head(escaped_href, open_graph, skip)
    at = _head_start(page, head_end)
    ended = reports.head_ended is not None and head_ended_before(page, at)
    if ended:
        reports.head_ended(content_thing)
    if theme is not None:
        _check_theme_open_graph(
            content_thing, theme, open_graph, reports, head_ended_said=ended
        )
    if page.find("<meta charset", 0, at) < 0 and (
        0 <= page.find("<meta charset", at) < CHARSET_BYTES
    ):
        # The page declares its encoding past its head's end (text there
        # ended the head early): the tags would push it out of the first
        # 1,024 bytes, where a browser looks for it. Pelican writes UTF-8.
        tags.insert(0, '<meta charset="utf-8">\n')
    if at == head_end:
        tags.append("\n")
    else:
        tags.insert(0, "\n")
    return (at, tags), removals


def _button_insertion(
    page: str,
    content_thing: ContentThing,
    *,
    body_html: str,
    body_start: int,
    auto_submit_url: str,
    escaped_href: str,
    button_shown: bool | None,
    title_html: str,
    reports: InjectReports,
) -> _Insertion | None:
    """``inject``'s button, right after the first copy of the body a reader
    sees, else before a landmark (``_landmark_place``). None when the page
    shows the content's own button already (``button_shown``, searched for
    when None), or has no place for it, which is reported."""
    if reports.other_button is not None and theme_shows_other_button(page, body_html):
        reports.other_button(content_thing)
    if button_shown is None:
        # Any button of the plugin's first, one search that nearly every
        # page passes; then only the content's own stands for the injected
        # one: an example in the body (a post about styling the button) or
        # another article's in a sidebar links another thing.
        button_shown = (
            may_show_button(page, body_start)
            and own_buttons_shown(
                page, content_thing, auto_submit_url, title_may_hide(title_html)
            )
            > 0
        )
    if button_shown:
        return None
    # Why the button cannot go after the body, once it cannot: the
    # landmark it goes before instead may close something else.
    why = BODY_FILTERED
    # The searches back for what hides a place do not look for a <style>,
    # an <xmp>...: only a title printed as it is opens one around the body.
    # (Checked for a title with a "<" alone.)
    in_doubt = title_may_hide(title_html)
    if len(body_html) > 20:
        at = _end_of(page, body_html, body_start)
    elif not body_html:
        at, why = -1, BODY_EMPTY
    elif (copies := page.count(body_html, body_start)) < 2:
        # A short body ("<p>Hi.</p>") may be any text: only once on the
        # page is it surely the body, before the last </article> of a
        # sidebar of related posts.
        at = page.find(body_html, body_start) + len(body_html) if copies else -1
    else:
        at, why = -1, BODY_SHORT
    if at >= 0 and (in_doubt or may_be_hidden(page, at - len(body_html))):
        at = _shown_end_of(page, body_html, body_start, at, in_doubt)
        why = BODY_HIDDEN
    # (A short body was placed only where it occurs once.)
    if (
        at >= 0
        and len(body_html) > 20
        and reports.body_shown_twice is not None
        and _shown_again(page, body_html, at, in_doubt)
    ):
        reports.body_shown_twice(content_thing)
    if at >= 0 and reports.body_leaves_open is not None:
        left_open = body_left_open(body_html, content_thing.button_style != "plain")
        if left_open is not None:
            reports.body_leaves_open(content_thing, left_open)
    if at < 0:
        at = _landmark_place(
            page,
            content_thing,
            body_start=body_start,
            in_doubt=in_doubt,
            why=why,
            title_html=title_html,
            reports=reports,
        )
        if at < 0:
            return None
    if content_thing.button_style == "plain":
        shown = _plain_button(content_thing, escaped_href)
    else:
        shown = str(button(content_thing))
    return at, [_AFTER_BODY, shown, "</div>\n"]


def _landmark_place(
    page: str,
    content_thing: ContentThing,
    *,
    body_start: int,
    in_doubt: bool,
    why: str,
    title_html: str,
    reports: InjectReports,
) -> int:
    """Where the button goes on a page that shows no copy of the body it
    can go after (``why``: BODY_FILTERED, BODY_HIDDEN, BODY_SHORT or
    BODY_EMPTY): before the last ``</article>``, ``</main>`` or ``</body>``
    a reader sees, the first of them found; -1 for none. Said
    (``body_not_shown``, or ``title_leaves_open`` for a title that hides
    them), but for an empty body's button before the page's only
    ``</article>`` or ``</main>``."""
    landmark: str | None = None
    at = -1
    unseen = -1  # the last landmark found where no reader sees it
    for landmark in ("</article>", "</main>", "</body>"):
        at = find_ci(page, landmark, body_start, last=True)
        # Checked as a copy of the body is: a landmark in a script's
        # text, a comment or a <textarea> left open hides the button.
        if at >= 0 and not _unseen(page, at, body_start, in_doubt):
            break
        unseen, at = max(unseen, at), -1
    title_open = None
    if at < 0 and unseen >= 0 and reports.title_leaves_open is not None:
        title_open = title_left_open(page, title_html, unseen)
    if title_open is not None:
        reports.title_leaves_open(content_thing, title_open)
    # An empty body's button before the page's only </article> or
    # </main> is where a reader looks for it: nothing else could go
    # first. Said when it ends up after everything (the footer), in
    # one of several (a "Related" box's card, perhaps) or nowhere.
    elif reports.body_not_shown is not None and not (
        why is BODY_EMPTY
        and at >= 0
        and landmark != "</body>"
        and find_ci(page, landmark, body_start) == at
    ):
        reports.body_not_shown(content_thing, landmark if at >= 0 else None, why)
    return at


def _loader_insertion(
    page: str, body_start: int, adds_embedded: bool
) -> _Insertion | None:
    """``inject``'s load.js, before ``</body>``, for a page that shows an
    embedded button a reader sees (``adds_embedded``: the one ``inject``
    adds) and holds no loader already (``has_loader``); None otherwise."""
    if has_loader(page) or not (adds_embedded or _first_embedded_seen(page) >= 0):
        return None
    at = find_ci(page, "</body>", body_start, last=True)
    if at < 0 or in_script(page, at):  # a theme may leave </body> out
        at = len(page)
    return at, [LOADER_TAG, "\n"]


def _inserted(
    page: str, insertions: list[_Insertion], removals: Iterable[_Edit] = ()
) -> str:
    """``page`` with each of ``insertions`` in its place, and the parts
    ``removals`` name taken out.

    Every insertion point is found in the page as rendered, and the page is
    copied once, here: inserting piece by piece copied the whole page (two
    slices and the result) for each piece.
    """
    if page.isascii():  # O(1): CPython knows a string's widest character
        insertions = [
            (at, [_ascii_html(text) for text in texts]) for at, texts in insertions
        ]
    return _edited(page, [*((at, at, texts) for at, texts in insertions), *removals])


def _edited(page: str, edits: list[_Edit]) -> str:
    """``page`` with each of ``edits`` (none overlapping another) made,
    copied once."""
    # sorted() is stable: a button and the loader at the same landmark stay
    # in that order, and an insertion at a tag's start goes before the
    # tag's removal there. The pieces are joined with the page's, so each
    # is copied once.
    pieces, done = [], 0
    for start, stop, texts in sorted(edits, key=lambda edit: edit[:2]):
        pieces.append(page[done:start])
        pieces += texts
        done = stop
    pieces.append(page[done:])
    return "".join(pieces)
