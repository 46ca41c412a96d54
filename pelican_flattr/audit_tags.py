"""A built page's and feed's Flattr tags, and how they are read.

A page is read tag by tag as a browser reads it (comments, quoted
attribute values and the text of a <title> or <script> hold no tag), with
the build's own reader (``html_reader``), for the few tags that matter,
not parsed whole: an audit must stay cheaper than the build it checks.
What needs scripts (an embedded button, load.js) is read as a browser
that runs them reads it, where a <noscript> holds text; all else as one
without scripts. A feed is parsed whole, and its payment links read as
feed readers (feedparser) read them. What an auto-submit URL sends is read
from its query.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from .html_reader import (
    CDATA_SECTION,
    HEAD_ELEMENTS,
    HEAD_ENDING_END_TAGS,
    NOSCRIPT_END,
    SPACE,
    attribute_values,
    read_tags,
    read_where_scripts_run,
    script_text,
)
from .lazy_regex import lazy_regex
from .markup import (
    BUTTON_CLASS,
    TAB_AND_NEWLINES,
    URL_SCHEME,
    is_auto_submit_url,
    is_flattr_host_url,
    is_flattr_url,
    names_flattr_loader,
    names_flattr_loader_in,
    runs_as_page_loads,
)
from .thing import percent_encode

# The attributes that make a browser fetch a URL as the page opens, no
# click needed, by element (an <input> only of type="image"): read for a
# request to Flattr (``PageTags.flattr_requests``).
_FETCHING = {
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
    "script": ("src",),
}
# The rel values of a <link> whose href a browser fetches (or connects to)
# as the page opens.
_FETCHING_RELS = frozenset(
    {"preconnect", "dns-prefetch", "preload", "prefetch", "prerender"}
    | {"modulepreload", "stylesheet", "icon"}
)

_HTML_SPACES = re.compile(f"[{SPACE}]+")

# The elements a click on which follows their href: an <area> of an image
# map is a link as an <a> is, and so is an <a> in an <svg> (named with its
# namespace by ``read_tags``), whose href may be SVG 1.1's xlink:href.
_ANCHORS = frozenset({"a", "area", "svg:a"})
# The elements whose action (a <form>'s) or formaction (a submit button's)
# a click sends a request to: read for a form that submits to Flattr.
_SUBMITTING = frozenset({"form", "button", "input"})
# The elements of a page the audit reads the attributes of.
_ELEMENTS = frozenset({*_ANCHORS, *_SUBMITTING, "link", "meta", *_FETCHING})


@dataclass
class PageTags:
    """The Flattr-related tags of one page, as ``scan_page`` reads them:
    each tag's attributes, by what it is."""

    buttons: list[dict[str, str]] = field(default_factory=list)
    payment_links: list[dict[str, str]] = field(default_factory=list)
    payment_links_in_head: int = 0
    # The attributes of each <script> whose src (or data-src, held back
    # for consent) names a load.js on flattr.com: Flattr's loader, or what
    # passes for it.
    loaders: list[dict[str, str]] = field(default_factory=list)
    # Open Graph and article: property -> every content given for it.
    open_graph: dict[str, list[str]] = field(default_factory=dict)
    # What needs scripts but stands in a <noscript> (read as HTML) where a
    # browser that runs them does not show it: embedded buttons, and how
    # many load.js <script>s (none of them ever runs).
    noscript_buttons: list[dict[str, str]] = field(default_factory=list)
    noscript_loaders: int = 0
    # What makes a browser ask a flattr.com host for something as the page
    # opens, before any click, but a load.js <script> (``loaders``): each
    # as the tag says it (``<img src="...">``), or Flattr's loader named in
    # an inline script's text.
    flattr_requests: list[str] = field(default_factory=list)


_HIDING = frozenset({"template", "/template"})
# The elements whose href may name Flattr without saying "flattr"
# (``_may_hide_a_name``): a hand-written button, and a payment link, whose
# rel="Payment" does not say "payment" as written either.
_LINKING = frozenset({*_ANCHORS, "link"})
_NOSCRIPT = frozenset({"noscript", "/noscript"})


# A tag's one href attribute and its value, as written.
_HREF = re.compile(
    r"href[\t\n\f\r ]*=[\t\n\f\r ]*(\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*)", re.I
)


def _may_hide_a_name(raw: str) -> bool:
    """Whether a tag's href may spell a name in a way a browser reads as
    plain letters (``markup.flattr_path``): by character references,
    percent-encoding, a tab or newline inside it, or non-ASCII letters
    (full-width ones): a link to Flattr that does not say "flattr".

    Its href alone is looked at, where a tag names it once: a title in
    another script, or attributes on lines of their own, are no reason to
    read the whole tag (most links of a site with non-ASCII titles)."""
    hrefs = raw.lower().count("href")
    if hrefs != 1:
        return hrefs > 1  # none: no link; more: read as a browser reads them
    found = _HREF.search(raw)
    if found is None:
        return True
    value = found.group(1)
    return (
        "&" in value
        or "%" in value
        or "\t" in value
        or "\n" in value
        or "\r" in value
        or not value.isascii()
    )


def _may_hide_a_word(raw: str) -> bool:
    """Whether a tag that is no link (a <meta>, an <img>) may spell
    "og:", "payment" or a Flattr host in a way a reader decodes: by
    character references (``property="og&#58;url"``), percent-encoding or
    a tab or line break in a URL's host, or non-ASCII letters (full-width
    ones). Few tags of a page hold any of them."""
    return (
        "&" in raw
        or "%" in raw
        or "\t" in raw
        or "\n" in raw
        or "\r" in raw
        or not raw.isascii()
    )


# A <base> start tag, wherever it stands: most pages have none.
_BASE = lazy_regex(rf"<(?ai:base)[{SPACE}/>]")


def _flattr_base(page: str) -> str | None:
    """The href of ``page``'s <base> (the first with one, outside a
    <template>, as a browser takes it) where it names a Flattr host; else
    None. Against it, every relative link and source of the page leads to
    Flattr: ``<a href="/submit/auto?...">`` is an auto-submit URL there."""
    if _BASE.search(page) is None:
        return None
    hidden = 0
    for name, raw, _ in read_tags(page, len(page)):
        if name in _HIDING:
            hidden = max(hidden + (-1 if name[0] == "/" else 1), 0)
        elif name == "base" and not hidden:
            href = attribute_values(raw).get("href")
            if href is not None:
                return href if is_flattr_host_url(href) else None
    return None


def _joined(base: str | None, url: str) -> str:
    """``url`` as a browser reads it against the page's <base> ``base``
    (a Flattr host's, or None): a relative one joined to it."""
    if base is None:
        return url
    url = url.strip(SPACE).translate(TAB_AND_NEWLINES)
    if URL_SCHEME.match(url):  # absolute: relative to no base
        return url
    return urljoin(base.strip(SPACE).translate(TAB_AND_NEWLINES), url)


def _under(base: str | None) -> str:
    """What a message about a URL read against ``base`` adds to say so."""
    return "" if base is None else f" under the page's <base href={base!r}>"


def scan_page(data: bytes) -> PageTags:
    """The Flattr-related tags of one HTML page.

    An embedded button and load.js are read as a browser that runs
    scripts reads the page, the only reader that shows such a button:
    there a ``<noscript>``'s content is text, up to its first
    ``</noscript``. All else (a plain button, payment links, Open Graph
    tags) as readers without scripts read it, crawlers among them: there
    a ``<noscript>``'s content is HTML. One reading serves both, but on a
    page where they part: one with a ``<noscript>`` this reading does not
    end at its first ``</noscript`` (an ``<iframe>`` or a ``<style>``
    never closed in it, whose text runs on past it), read a second time
    for what needs scripts (``_read_with_scripts``).
    """
    tags = PageTags()
    # Read in one pass as a browser reads it, as the build reads it: a "<!--"
    # in a <title> or a "<script>" in an attribute value starts nothing.
    # A byte order mark is no text of the page: a browser drops it.
    page = data.decode("utf-8-sig", "replace")
    # Where the head ends: where the body starts, at the first tag a head
    # cannot hold (a minifier may leave out the optional "</head>"). After
    # "</head>", a browser still puts the head's own elements in the head
    # (WHATWG HTML 13.2.6.4.6, "after head"), but for a <noscript>, which
    # starts the body there. A "</body>", "</html>" or "</br>" starts it
    # too, in the head or after it; any other end tag is dropped.
    head_limit = -1
    head_closed = False
    # Inside a <template>, inert, nothing counts. A <noscript>'s content
    # does, for crawlers and readers without scripts, but for what needs
    # scripts: where they run, a browser reads it as text, up to its first
    # "</noscript" (``noscript_end``, of the <noscript> open).
    hidden = 0
    noscript = False
    noscript_end = -1
    # Whether a browser that runs scripts reads the page otherwise.
    read_otherwise = False
    # Buttons, and what needs scripts in a <noscript>, each with where it
    # starts: what _read_with_scripts() finds is told apart by it.
    buttons: list[tuple[int, dict[str, str]]] = []
    noscript_buttons: list[tuple[int, dict[str, str]]] = []
    noscript_loaders: list[int] = []
    # One search of the page before any script's text is read.
    loader_named = names_flattr_loader_in(page)
    base = _flattr_base(page)
    # Whether a <form> or a submit button names Flattr's auto-submit URL:
    # the page's forms are read whole then, a second time (few pages).
    flattr_form = False
    for name, raw, start in read_tags(page, len(page)):
        # What a <template> holds ends no head: the head goes on after it.
        if head_limit < 0 and not hidden:
            if name[0] != "/":
                if name not in HEAD_ELEMENTS or (head_closed and name == "noscript"):
                    head_limit = start
            elif name == "/head":
                head_closed = True
            elif name in HEAD_ENDING_END_TAGS:
                head_limit = start
        if name in _HIDING:
            # A <template> in a <noscript> is text where scripts run.
            read_otherwise = read_otherwise or noscript
            hidden = max(hidden + (-1 if name[0] == "/" else 1), 0)
            continue
        if name in _NOSCRIPT:
            if name[0] == "/":
                read_otherwise = read_otherwise or (noscript and start != noscript_end)
            elif not noscript:
                noscript_end = _noscript_text_end(page, start, raw)
            noscript = name[0] != "/"
            continue
        if name == "script" and loader_named and not hidden and not noscript:
            _note_inline_loader(tags, page, start, raw)
        if (
            hidden
            or name not in _ELEMENTS
            or (
                base is None
                and "payment" not in raw
                and "og:" not in raw
                and "article:" not in raw
                and "flattr" not in raw.lower()
                and not (
                    _may_hide_a_name(raw) if name in _LINKING else _may_hide_a_word(raw)
                )
            )
        ):
            continue
        attributes = attribute_values(raw)
        if name == "svg:a" and "href" not in attributes and "xlink:href" in attributes:
            # SVG 2's href goes before SVG 1.1's xlink:href, where both are.
            attributes["href"] = attributes.get("xlink:href", "")
        if base is not None and "href" in attributes:
            attributes["href"] = _joined(base, attributes["href"])
        if name in _SUBMITTING:
            flattr_form = flattr_form or _submits_to_flattr(name, attributes, base)
        if name in _FETCHING:
            _note_requests(tags, name, attributes, noscript, base)
        if name == "script":
            if names_flattr_loader(attributes):
                if noscript:
                    noscript_loaders.append(start)
                else:
                    tags.loaders.append(attributes)
        elif name in _ANCHORS and not _swallowed_button(name, attributes):
            embedded = name == "a" and _is_embedded(attributes)
            if noscript and embedded:
                noscript_buttons.append((start, attributes))
            elif (
                embedded
                or BUTTON_CLASS in attributes.get("class", "").split()
                or is_auto_submit_url(attributes.get("href", ""))
            ):
                # A link to the auto-submit URL is a button whatever its
                # class: one written by hand pays whom it names as surely
                # as the plugin's plain button does.
                buttons.append((start, attributes))
        elif name == "link":
            # rel="payment" is for any service (Liberapay, Patreon...): only
            # the links to Flattr are this plugin's.
            if _is_payment(attributes.get("rel", "")) and is_flattr_url(
                attributes.get("href", "")
            ):
                tags.payment_links.append(attributes)
                tags.payment_links_in_head += head_limit < 0  # not ended yet
            rels = set(attributes.get("rel", "").lower().split())
            if rels & _FETCHING_RELS and is_flattr_host_url(attributes.get("href", "")):
                rel = attributes["rel"]
                tags.flattr_requests.append(
                    f"<link rel={rel!r} href={attributes['href']!r}>{_under(base)}"
                )
        elif name == "meta":
            if attributes.get("property", "").startswith(("og:", "article:")):
                # Crawlers read Open Graph from <meta> alone: an <img> with a
                # property (RDFa) is none of it.
                tags.open_graph.setdefault(attributes["property"], []).append(
                    attributes.get("content", "")
                )
            _note_refresh(tags, attributes, base)
    # Read again for what needs scripts where the readings part: a
    # <noscript> this one did not end at its first "</noscript" (an
    # element's text in it ran past it), or, open at the page's end, one
    # with a "</noscript" this reading took for another element's text.
    if read_otherwise or (noscript and noscript_end < len(page)):
        embedded_buttons, tags.loaders, shown = _read_with_scripts(page)
        buttons = sorted(
            [button for button in buttons if not _is_embedded(button[1])]
            + embedded_buttons,
            key=lambda button: button[0],
        )
        noscript_buttons = [b for b in noscript_buttons if b[0] not in shown]
        noscript_loaders = [at for at in noscript_loaders if at not in shown]
    if flattr_form:
        buttons = sorted([*buttons, *_form_buttons(page, base)], key=lambda b: b[0])
    tags.buttons = [attributes for _, attributes in buttons]
    tags.noscript_buttons = [attributes for _, attributes in noscript_buttons]
    tags.noscript_loaders = len(noscript_loaders)
    return tags


# A refresh's delay and the URL it goes to (HTML's "shared declarative
# refresh steps"): "5; url=...", "0;URL='...'", "0, ...".
_REFRESH = lazy_regex(
    rf"[{SPACE}]*[0-9.]+[{SPACE}]*[;,]?[{SPACE}]*(?:(?ai:url)[{SPACE}]*=[{SPACE}]*)?"
    r"""(["']?)(.*)"""
)


def _note_refresh(tags: PageTags, attributes: dict[str, str], base: str | None) -> None:
    """Note in ``tags`` a <meta http-equiv="refresh"> (its ``attributes``)
    that sends the browser to a flattr.com host as the page opens: a
    visit to Flattr, an auto-submit URL's flattr too, with no click."""
    if attributes.get("http-equiv", "").strip(SPACE).lower() != "refresh":
        return
    found = _REFRESH.match(attributes.get("content", ""))
    quote, url = found.groups() if found is not None else ("", "")
    if quote and quote in url:
        url = url[: url.index(quote)]
    if url.strip(SPACE) and is_flattr_host_url(_joined(base, url)):
        tags.flattr_requests.append(
            f"<meta http-equiv='refresh' content={attributes['content']!r}>"
            + _under(base)
        )


# A form's button (``PageTags.buttons``) has these keys beside its href,
# which no attribute's name holds (none holds a space): how the page
# writes it, for the problem to name it; and why the audit cannot tell
# what it sends, where it cannot (its href then "", no thing's).
FORM = " form"
UNREAD = " unread"

# The controls a form sends the value of, or that submit it.
_CONTROLS = frozenset({"input", "button", "select", "textarea"})
# The types of <input> whose value is sent as written, but for its line
# breaks (HTML's value sanitization: a text field holds none); an unknown
# type is "text".
_TEXT_TYPES = frozenset({"text", "search", "tel", "password"})
_SUBMIT_TYPES = frozenset({"submit", "image"})
_BUTTON_TYPES = frozenset({*_SUBMIT_TYPES, "reset", "button"})
_KNOWN_TYPES = frozenset(
    {"hidden", "checkbox", "radio", "reset", "button", "url", "email", "number"}
    | {"range", "color", "date", "month", "week", "time", "datetime-local", "file"}
    | _TEXT_TYPES
    | _SUBMIT_TYPES
)
_LINE_BREAKS = lazy_regex(r"\r\n|\r|\n")


def _swallowed_button(name: str, attributes: dict[str, str]) -> bool:
    """Whether the link ``name`` (its ``attributes``) is the plugin's
    button read as SVG: written as HTML, it is read so when an <svg> the
    text leaves open swallows the tag before it (a bogus comment), and
    its text then falls out of the link: no reader sees a button, as the
    build says. A link written in an <svg> is one all the same."""
    return name == "svg:a" and BUTTON_CLASS in attributes.get("class", "").split()


def _submits_to_flattr(name: str, attributes: dict[str, str], base: str | None) -> bool:
    """Whether a <form> (its ``attributes``), or a <button> or <input> that
    may submit one, names Flattr's auto-submit URL as where a click sends
    the form (its action; a submit button's formaction), read against the
    page's <base> ``base``. An empty one is the page's own URL."""
    action = attributes.get("action" if name == "form" else "formaction")
    return bool(action) and is_auto_submit_url(_joined(base, action))


# A control of a form: its element's name, attributes, where it starts,
# and whether a <fieldset disabled> is open around it.
_Control = tuple[str, dict[str, str], int, bool]


@dataclass
class _Form:
    """A <form> of a page, as ``_form_buttons`` reads it: where it starts,
    its attributes, and its controls' (name, attributes, where each starts,
    whether a <fieldset disabled> is open around it), in the page's order."""

    start: int
    attributes: dict[str, str]
    controls: list[_Control] = field(default_factory=list)


def _form_buttons(page: str, base: str | None) -> list[tuple[int, dict[str, str]]]:
    """The buttons of ``page`` that are forms submitting to Flattr's
    auto-submit URL, each with where it starts: for each submit button
    whose click sends its form there (a form without one: the form, which
    Enter or a script submits), what a browser sends, as
    ``_form_button`` reads it. Read as ``scan_page`` reads the rest: a
    <template>'s content is inert, and a control belongs to the form open
    around it (the parser's "form element pointer", up to ``</form>``) or
    to the one its form attribute names."""
    forms: list[_Form] = []
    by_id: dict[str, _Form] = {}
    # Each control, with the form it belongs to: one, or the id it names.
    controls: list[tuple[_Form | str | None, _Control]] = []
    open_form: _Form | None = None
    fieldsets: list[bool] = []  # whether each open <fieldset> is disabled
    hidden = 0
    for name, raw, start in read_tags(page, len(page)):
        if name in _HIDING:
            hidden = max(hidden + (-1 if name[0] == "/" else 1), 0)
        elif hidden:
            continue
        elif name == "/form":
            open_form = None
        elif name == "/fieldset":
            fieldsets = fieldsets[:-1]
        elif name == "fieldset":
            fieldsets.append("disabled" in attribute_values(raw))
        elif name == "form" and open_form is None:  # a nested <form> is dropped
            open_form = _Form(start, attribute_values(raw))
            forms.append(open_form)
            if open_form.attributes.get("id"):  # form="" names none
                by_id.setdefault(open_form.attributes["id"], open_form)
        elif name in _CONTROLS:
            attributes = attribute_values(raw)
            owner = attributes.get("form", open_form)
            controls.append((owner, (name, attributes, start, any(fieldsets))))
    for owner, control in controls:
        form = by_id.get(owner) if isinstance(owner, str) else owner
        if form is not None:
            form.controls.append(control)
    buttons = []
    for form in forms:
        submitters = [control for control in form.controls if _is_submitter(control)]
        for submitter in submitters or [None]:
            button = _form_button(form, submitter, base)
            if button is not None:
                buttons.append(
                    (form.start if submitter is None else submitter[2], button)
                )
    return buttons


def _is_submitter(control: _Control) -> bool:
    """Whether a form's ``control`` is a submit button a reader can click:
    a <button> of type submit (its default), an <input> of type submit or
    image; one disabled submits nothing."""
    name, attributes, _, in_disabled = control
    if "disabled" in attributes or in_disabled:
        return False
    kind = attributes.get("type", "").strip(SPACE).lower()
    if name == "input":
        return kind in _SUBMIT_TYPES
    return name == "button" and kind not in ("reset", "button")


def _form_button(
    form: _Form,
    submitter: _Control | None,
    base: str | None,
) -> dict[str, str] | None:
    """The button that ``submitter`` (None: the form submitted without
    one) of ``form`` is where a click sends the form to Flattr's
    auto-submit URL, or None where it sends it elsewhere, or nowhere
    (method="dialog").

    Its href is the URL a browser asks for, spelt as the plugin spells an
    auto-submit URL (each name and value percent-encoded, in order): a
    GET form replaces its action's query with its fields, so a hidden
    <input name="user_id"> pays whom it names whatever the action says. A
    POST form sends its fields in the request's body, and a field whose
    value the audit does not read (a <select>, a <textarea>, a date...)
    leaves what it sends unknown: ``UNREAD`` says why."""
    given = submitter[1] if submitter is not None else {}
    element = (
        f"<{submitter[0]} formaction=" if "formaction" in given else "<form action="
    )
    action = given.get("formaction", form.attributes.get("action", ""))
    if not action or not is_auto_submit_url(_joined(base, action)):
        return None
    method = given.get("formmethod", form.attributes.get("method", ""))
    method = method.strip(SPACE).lower()
    if method == "dialog":
        return None
    button = {FORM: f"{element}{action!r}>{_under(base)}"}
    fields, unread = _form_fields(form, submitter)
    url = _joined(base, action).strip(SPACE).translate(TAB_AND_NEWLINES)
    if method == "post":
        if fields:
            unread = unread or (
                f"method='post' sends its fields ({fields[0][0]!r}...) in the "
                "request's body, which the audit does not read as Flattr does"
            )
        url = url.split("#")[0]
    else:
        url = (
            url.split("#")[0].split("?")[0]
            + "?"
            + "&".join(
                f"{percent_encode(key)}={percent_encode(value)}"
                for key, value in fields
            )
        )
    if unread:
        return {**button, "href": "", UNREAD: unread}
    return {**button, "href": url}


def _form_fields(
    form: _Form, submitter: _Control | None
) -> tuple[list[tuple[str, str]], str]:
    """The fields (name, value) that ``form`` sends when ``submitter``
    submits it, in order, as HTML builds a form's data from its controls,
    line breaks as CRLF; and why the audit cannot read them all ("" where
    it can): a control whose value it does not read."""
    fields: list[tuple[str, str]] = []
    # As the parser inserts a checked radio it unchecks the others of its
    # group (its name, as written), disabled or not: the last stays checked.
    checked_radios = {
        control[1]["name"]: control
        for control in form.controls
        if _is_checked_radio(control)
    }
    for control in form.controls:
        name, attributes, _, in_disabled = control
        key = attributes.get("name", "")
        kind = _control_type(control)
        if "disabled" in attributes:
            continue
        if control is submitter:
            if kind == "image":
                # Where the click lands; a key's press clicks at (0, 0).
                prefix = f"{key}." if key else ""
                fields += [(f"{prefix}x", "0"), (f"{prefix}y", "0")]
            elif key:
                fields.append((key, attributes.get("value", "")))
            continue
        if not key or name == "button" or kind in _BUTTON_TYPES:
            continue  # no field; a button other than the one clicked
        if in_disabled:
            return [], (
                f"<{name} name={key!r}> stands in a <fieldset disabled>, which "
                "a browser sends or not by where it stands (its <legend>)"
            )
        if name != "input" or kind not in ("hidden", "checkbox", "radio", *_TEXT_TYPES):
            shown = f"<{name} type={kind!r}" if name == "input" else f"<{name}"
            return [], f"{shown} name={key!r}>, whose value the audit does not read"
        if "dirname" in attributes:
            return [], f"<input name={key!r} dirname=...>, which adds its direction"
        value = attributes.get("value", "")
        if kind in ("checkbox", "radio"):
            if "checked" not in attributes:
                continue
            if kind == "radio" and checked_radios[key] is not control:
                continue  # a later one of its group unchecked it
            value = value if "value" in attributes else "on"
        elif kind == "hidden" and key.lower() == "_charset_":
            value = "UTF-8"
        elif kind != "hidden":
            value = value.translate(_LINE_BREAKS_DROPPED)
        fields.append((key, value))
    return [(_crlf(key), _crlf(value)) for key, value in fields], ""


def _control_type(control: _Control) -> str:
    """The type of a form's ``control`` (its type attribute, "" where it
    has none), as HTML reads it: an <input> of a type it does not know is
    "text"."""
    name, attributes, _, _ = control
    kind = attributes.get("type", "").strip(SPACE).lower()
    return "text" if name == "input" and kind not in _KNOWN_TYPES else kind


def _is_checked_radio(control: _Control) -> bool:
    """Whether a form's ``control`` is a radio of a group (a name) that
    its markup checks."""
    name, attributes, _, _ = control
    return (
        name == "input"
        and _control_type(control) == "radio"
        and bool(attributes.get("name"))
        and "checked" in attributes
    )


# What a text field's value cannot hold: a browser drops its line breaks.
_LINE_BREAKS_DROPPED = str.maketrans("", "", "\n\r")


def _crlf(text: str) -> str:
    """``text`` with each line break a CRLF, as a form sends it."""
    return _LINE_BREAKS.sub("\r\n", text)


def _note_requests(
    tags: PageTags,
    name: str,
    attributes: dict[str, str],
    noscript: bool,
    base: str | None = None,
) -> None:
    """Note in ``tags`` each URL on a flattr.com host that the element
    ``name`` (its ``attributes``) makes a browser fetch as the page opens,
    read against the page's <base> ``base`` where it names Flattr. A
    <script> that names load.js is ``PageTags.loaders``' (or, in a
    <noscript>, runs nowhere); one that a browser does not run is fetched
    by none."""
    if name == "input" and attributes.get("type", "").strip(SPACE).lower() != "image":
        return
    if name == "script" and (
        noscript
        or names_flattr_loader(attributes)
        or not runs_as_page_loads(attributes)
    ):
        return
    for attribute in _FETCHING[name]:
        value = attributes.get(attribute)
        if value is None:
            continue
        # A srcset lists candidates, each a URL and its size, by commas;
        # split at HTML's whitespace only, as a browser does (str.split()
        # would also split at a no-break space).
        urls = (
            [_HTML_SPACES.split(c.strip(SPACE), 1)[0] for c in value.split(",")]
            if attribute == "srcset"
            else [value]
        )
        if any(is_flattr_host_url(_joined(base, url)) for url in urls):
            tags.flattr_requests.append(f"<{name} {attribute}={value!r}>{_under(base)}")


def _note_inline_loader(tags: PageTags, page: str, start: int, raw: str) -> None:
    """Note in ``tags`` the inline ``<script>`` (its start tag ``raw`` at
    ``page[start]``) that runs as the page opens and whose text names
    Flattr's load.js: Flattr's async snippet, which adds load.js's
    <script> itself. One with a src runs that src, never its text; one
    held back for consent (type="text/plain") waits for the visitor."""
    attributes = attribute_values(raw)
    if "src" in attributes or not runs_as_page_loads(attributes):
        return
    if names_flattr_loader_in(script_text(page, start, raw)):
        tags.flattr_requests.append(
            "an inline <script> whose text loads Flattr's load.js (Flattr's "
            "async snippet)"
        )


def _is_embedded(link: dict[str, str]) -> bool:
    """Whether an <a> (its attributes) is an embedded button, which load.js
    shows: one of class FlattrButton."""
    return "FlattrButton" in link.get("class", "").split()


def _noscript_text_end(page: str, start: int, raw: str) -> int:
    """Where the text of the ``<noscript>`` whose start tag (``raw``, its
    text after the name) starts at ``page[start]`` ends where scripts run:
    at its first "</noscript", in any letter case; without one, at the
    page's end."""
    close = NOSCRIPT_END.search(page, start + len("<noscript>") + len(raw))
    return len(page) if close is None else close.start()


def _read_with_scripts(
    page: str,
) -> tuple[list[tuple[int, dict[str, str]]], list[dict[str, str]], set[int]]:
    """What needs scripts on ``page``, as a browser that runs them reads
    it, a ``<noscript>``'s content text up to its first ``</noscript``:
    its embedded buttons, each with where it starts; its load.js
    <script>s; and where each of those starts (what ``scan_page`` found
    in a ``<noscript>`` and is not among them, no such browser shows)."""
    embedded: list[tuple[int, dict[str, str]]] = []
    loaders: list[dict[str, str]] = []
    shown: set[int] = set()
    hidden = 0
    for name, raw, start in _tags_with_scripts(page):
        if name in _HIDING:
            hidden = max(hidden + (-1 if name[0] == "/" else 1), 0)
            continue
        if hidden or name not in ("a", "script") or "flattr" not in raw.lower():
            continue
        attributes = attribute_values(raw)
        if name == "script" and names_flattr_loader(attributes):
            loaders.append(attributes)
            shown.add(start)
        elif name == "a" and _is_embedded(attributes):
            embedded.append((start, attributes))
            shown.add(start)
    return embedded, loaders, shown


def _tags_with_scripts(page: str) -> Iterator[tuple[str, str, int]]:
    """The tags of ``page`` as a browser that runs scripts reads them:
    (name, attribute text, where the tag starts), as ``html_reader.read_tags``
    gives them, but that a ``<noscript>``'s content is text, up to its
    first ``</noscript``, read on from there as HTML (foreign content open
    around it forgotten: ``html_reader.read_where_scripts_run``)."""
    for name, raw, start, _, closed in read_where_scripts_run(page, 0, len(page)):
        if closed and name and name != CDATA_SECTION:
            yield name, raw, start


# What RFC 4287 (4.2.7.2) makes the same relation as "payment".
_PAYMENT_RELATIONS = frozenset(
    {"payment", "http://www.iana.org/assignments/relation/payment"}
)


def _is_payment(rel: str) -> bool:
    """Whether a page's or a feed's link with ``rel`` is a payment link.

    rel is a list of tokens in any letter case: a reader takes
    rel="Payment" or rel="payment me" for one, so the audit must too, or
    such a link to someone else's thing passes unseen; and so is the
    relation's IANA URI, which Atom makes the same as "payment".
    """
    return not _PAYMENT_RELATIONS.isdisjoint(rel.lower().split())


@functools.lru_cache(maxsize=256)  # a feed has few, read at every element
def _local_name(name: str) -> str:
    """An element's or attribute's name without its namespace, in lower
    case, as feedparser matches names."""
    return name[name.rfind("}") + 1 :].lower()


_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_ENTRIES = frozenset({"entry", "item"})
_ADDRESSES = frozenset({"href", "url", "uri"})  # feedparser takes each for href


def read_feed(root: ET.Element) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The Flattr payment hrefs of an Atom or RSS feed (its parsed
    ``root``) itself, the site's thing's, and (entry link, payment hrefs)
    for each of its entries, in the order written.

    As feed readers (feedparser) take them: a payment link is a <link> in
    any namespace or none (an RSS <link rel="payment"> without "atom:"),
    at any depth (inside another module's element), its names in any
    letter case, its href resolved against xml:base; one outside every
    entry is the feed's. Read only as the build writes them (atom:link
    straight in the entry), others passed unseen, on an entry opted out
    too.
    """
    own: list[str] = []
    entries: list[tuple[str, list[str]]] = []
    if _local_name(root.tag) not in ("feed", "rss"):
        return own, entries  # no feed ("<feedback>", which a first look took for one)
    # Each element still to read, the xml:base around it, and the list its
    # payment links go to. A stack, not recursion: a feed nested deeper
    # than Python's recursion limit is still well-formed XML.
    base = root.get(_XML_BASE, "")
    stack = [(child, base, own) for child in reversed(root)]
    while stack:
        element, base, payments = stack.pop()
        given = element.get(_XML_BASE)
        if given is not None:
            base = _resolved(base, given)
        name = _local_name(element.tag)
        if name in _ENTRIES:
            payments = []
            entries.append((_entry_link(element), payments))
        elif name == "link":
            payments.extend(_payment_hrefs(element, base))
        if len(element):
            stack.extend([(child, base, payments) for child in reversed(element)])
    return own, entries


def _link_attributes(link: ET.Element) -> tuple[list[str], list[str]]:
    """The rels and the addresses (href, url, uri) of a feed's ``link``,
    each in any namespace and letter case, as feedparser reads them."""
    rels, addresses = [], []
    for key, value in link.attrib.items():
        name = _local_name(key)
        if name == "rel":
            rels.append(value)
        elif name in _ADDRESSES:
            addresses.append(value)
    return rels, addresses


def _payment_hrefs(link: ET.Element, base: str) -> list[str]:
    """The Flattr addresses of a feed's ``link`` (resolved against
    ``base``, its xml:base) when it is a payment link. Every address of a
    link that has several: a reader follows one, the audit cannot tell
    which."""
    rels, addresses = _link_attributes(link)
    if not any(map(_is_payment, rels)):
        return []
    if base:
        addresses = [_resolved(base, href) for href in addresses]
    return [href for href in addresses if is_flattr_url(href)]


def _resolved(base: str, href: str) -> str:
    """``href`` resolved against ``base``, as a feed reader resolves it; as
    written when it is absolute (joining would respell it, and it is
    compared with the manifest's as written) or no URL at all."""
    try:
        return href if urlsplit(href).scheme else urljoin(base, href)
    except ValueError:  # "http://[": not well-formed XML's fault
        return href


def _entry_link(entry: ET.Element) -> str:
    """An entry's link: the href of its first <link> whose rel is alternate
    (Atom's; rel left out says so), or the text of its first <link>
    without an address (RSS's); "" when it has neither. A payment link
    written before it is neither: read as the entry's link, it left an
    opted-out entry to be taken for its payment link's thing."""
    for child in entry:
        if _local_name(child.tag) != "link":
            continue
        rels, addresses = _link_attributes(child)
        if not addresses:
            return (child.text or "").strip()
        if (rels[0] if rels else "alternate").strip(SPACE).lower() == "alternate":
            return addresses[0]
    return ""


# The fields of a thing, by the auto-submit parameter that sends each.
_PARAMETER_FIELDS = {
    "url": "thing URL",
    "user_id": "owner",
    "owner": "owner",
    "title": "title",
    "description": "description",
    "category": "category",
    "language": "language",
    "tags": "tags",
    "hidden": "hidden",
}


def sent_otherwise(href: str, auto: str) -> str:
    """The fields of a thing the auto-submit URL ``href`` sends otherwise
    than ``auto`` ("owner", "owner, title and tags"), or "" when none."""
    sent, own = url_parameters(href), url_parameters(auto)
    names = list(
        dict.fromkeys(
            _PARAMETER_FIELDS.get(key, key)
            for key in [*own, *sent]
            if sent.get(key) != own.get(key)
        )
    )
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def url_parameters(url: str) -> dict[str, list[str]]:
    """Each parameter of ``url``'s query -> its values, in order."""
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return values


def without_scheme(href: str) -> str:
    """What to add to a problem of ``href`` when it has no scheme."""
    if not href.strip().startswith("//"):
        return ""
    return (
        ": a URL without its scheme, as a minifier shortens them, which Flattr "
        "and readers of payment links cannot take for the auto-submit URL; keep "
        "the minifier from shortening URLs"
    )
