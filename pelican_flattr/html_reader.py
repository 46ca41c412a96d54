"""A page's tags, read as a browser reads them.

The one reader of HTML that the build and the audit share, for a page as
a theme wrote it: a comment, a quoted attribute value and the text of a
<title> or <script> hold no tag, whatever they say; what an <svg> or a
<math> holds is read by the rules of foreign content; where scripts run,
a <noscript> holds text. Built on it: where a browser ends a page's head,
where the page declares its encoding, and whether a place in the page is
hidden from readers (in a comment, a <template>, a script's text). Regular
expressions and searches over the page as a string, never parsed whole:
the build reads every page of a site, and a search or two settle the
usual page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Generator, Iterator

from .lazy_regex import lazy_regex

# Elements whose content a browser reads as text up to their end tag (the
# audit reads pages the same way), and those that may stand in a head: any
# other start tag ends the head. A <plaintext> has no end tag: all that
# follows it is text, "</plaintext>" too, so a button after one is text
# (NEVER_CLOSED). Inside an <svg> or a <math> (see _FOREIGN_TAG) none of
# them holds text: <svg><title/>, <style/> and <script .../> are whole,
# empty elements there.
TEXT_ELEMENTS = frozenset(
    {"title", "textarea", "script", "style", "xmp", "iframe", "noembed", "noframes"}
    | {"plaintext"}
)
NEVER_CLOSED = "plaintext"
HEAD_ELEMENTS = frozenset(
    {"html", "head", "title", "base", "basefont", "bgsound", "link", "meta"}
    | {"noframes", "noscript", "script", "style", "template"}
)
# What read_tags() calls the first text outside tags: no tag's name.
TEXT = "#text"
# A tag where a browser reads one, from its "<": a comment; a start tag of
# an element in TEXT_ELEMENTS with its text, up to its end tag (or the end
# of the page, as a browser reads one never closed; a script's text after
# "<!--" may run past it: _text_end reads on); or any other start or
# end tag. Attributes are read as a browser reads them: a quote opens a
# value only after "=" (so that a "<" in one, as notmyidea prints the
# summary unescaped in an attribute, starts no tag), and elsewhere is part
# of a name (a title's inch mark, 3.5", cut out of its value). "<!-->",
# "<!--->" and "--!>" end comments, as in a browser. Names match in ASCII
# letter case only ("ſcript" is no "script"), and "</scriptx>" ends no
# script. A tag, or a quoted value in one, that the page never closes runs
# to the end of the page, and a browser drops it: so does the pattern,
# which matches it to the end instead of failing there and trying again
# one character on (quadratic time on a page of unclosed "<title "). One
# pattern for the whole page: the audit reads every page of a site with it.
SPACE = "\t\n\f\r "  # HTML's whitespace; not str.isspace()'s
_NAME = rf"[^{SPACE}/>=]+|=[^{SPACE}/>=]*"


def _value(group: str) -> str:
    """An attribute's "=" and value, in double quotes, single quotes or
    none, each kind in a group opened by ``group``: "(" to capture it."""
    return (
        rf"[{SPACE}]*=[{SPACE}]*(?:"
        rf"""\"{group}[^"]*)(?:"|\Z)|'{group}[^']*)(?:'|\Z)|{group}[^{SPACE}>]*))"""
    )


_ATTRIBUTES = rf"((?:[{SPACE}/]+|(?:{_NAME})(?:{_value('(?:')})?)*)(>?)"
# After a "<" that opens no comment: a doctype, "<?xml ...>", "<![CDATA[" in
# HTML, "</ >", "</3", all a bogus comment to a browser, up to the first
# ">" (WHATWG HTML 13.2.5.6 tag open, 13.2.5.7 end tag open, 13.2.5.41
# markup declaration open, 13.2.5.42 bogus comment state); "</>" is
# dropped whole. Never closed, one runs to the end. No group: a match's
# groups are its tag's. The plugin reads titles by it too (thing.py).
BOGUS_COMMENT = r"[!?][^>]*>?|/(?![A-Za-z])[^>]*>?"
TAG = lazy_regex(
    r"<(?:!--(?:-?>|.*?(?:--!?>|\Z))"
    rf"|{BOGUS_COMMENT}"
    rf"|((?ai:{'|'.join(sorted(TEXT_ELEMENTS))}))(?=[{SPACE}/>]){_ATTRIBUTES}"
    # The end tag of its name, but that of a <plaintext>, which ends none.
    rf"(?:.*?(?=</(?!(?ai:{NEVER_CLOSED})[{SPACE}/>])(?ai:\1)[{SPACE}/>])|.*)"
    rf"|(/?)([A-Za-z][^{SPACE}/>]*){_ATTRIBUTES})",
    re.S,
)
_ATTRIBUTE = lazy_regex(rf"({_NAME})(?:{_value('(')})?")

# A <script>'s text does not always end at its first "</script>": after a
# "<!--" in it, a "<script" (followed by whitespace, "/" or ">") starts a
# part in which "</script>" only ends that part, and the script runs on to
# the "</script>" after it (WHATWG HTML 13.2.5.4 and 13.2.5.15-13.2.5.31:
# the script data states, escaped from 13.2.5.20, double escaped from
# 13.2.5.26). So in
# "<script><!--<script></script><a>--></script>", "<a>" is the script's
# text. "-->" ends either part, back to plain script data. TAG ends a
# script at its first "</script>": _text_end() reads on, for the rare
# script whose text up to there holds a "<!--".
SCRIPT_END = lazy_regex(rf"</(?ai:script)[{SPACE}/>]")
# What a script's escaped text (after "<!--") reads: "-->", which ends it
# (its dashes may be those of the "<!--": "<!-->" is whole), or a start or
# end tag of a script.
_SCRIPT_ESCAPED_STEP = lazy_regex(rf"-->|<(/?)(?ai:script)[{SPACE}/>]")


def _text_end(page: str, match: re.Match[str], end: int) -> int:
    """Where the text of the element of ``TEXT_ELEMENTS`` that ``TAG``
    matched (``match``, in ``page[:end]``) ends as a browser reads it: at
    the end of the match, but for a ``<script>`` whose text up to there
    holds a "<!--" (see ``_SCRIPT_ESCAPED_STEP``). One search of such a
    script's text, on the usual page, whose scripts hold none."""
    stop = match.end()
    if (
        stop == end  # never closed: it runs to the end of what is read
        or page.find("<!--", match.end(3), stop) < 0
        or match.group(1).lower() != "script"
    ):
        return stop
    return _script_text_end(page, match.end(3), end)


def _script_text_end(page: str, at: int, end: int) -> int:
    """Where the text of a ``<script>`` that starts at ``page[at]`` ends:
    at its end tag, read by HTML's script data states (escaped and double
    escaped, WHATWG HTML 13.2.5.4-13.2.5.31), or at ``end``."""
    closing = None
    while True:
        # Script data (13.2.5.4, 13.2.5.15-13.2.5.19): its end tag ends
        # it; "<!--" escapes what follows. The end tag found is searched
        # for again only once passed: many comments in one script, each
        # searching on to it, took quadratic time.
        if closing is None or closing.start() < at:
            closing = SCRIPT_END.search(page, at, end)
        escaped = page.find("<!--", at, end)
        if closing is None:
            return end
        if escaped < 0 or closing.start() < escaped:
            return closing.start()
        # Escaped (13.2.5.20-13.2.5.25), from the "--" of "<!--": an end
        # tag ends the script; a "<script" starts double escaped text
        # (13.2.5.26-13.2.5.31), where an end tag ends only that part and
        # a "<script" is text. "-->" ends both, back to script data.
        at, double = escaped + 2, False
        while True:
            step = _SCRIPT_ESCAPED_STEP.search(page, at, end)
            if step is None:
                return end
            at = step.end()
            if step.group(1) is None:  # "-->"
                break
            if step.group(1) == "":  # "<script": double escaped, or still so
                double = True
            elif double:  # "</script" ends the double escaped part alone
                double = False
            else:
                return step.start()


def script_text(page: str, start: int, raw: str) -> str:
    """The text of the ``<script>`` whose start tag (``raw``, its text
    after the name, as ``read_tags`` gives it) starts at ``page[start]``,
    read as a browser reads it (``_script_text_end``)."""
    at = start + len("<script>") + len(raw)
    return page[at : _script_text_end(page, at, len(page))]


def _tag_matches(
    page: str, start: int, end: int
) -> Iterator[tuple[re.Match[str], int]]:
    """Each match of ``TAG`` in ``page[start:end]`` a browser reads as one,
    and where it ends: for an element of ``TEXT_ELEMENTS``, where its text
    ends (``_text_end``); a script whose text runs on past the match is
    followed by the match after its text, not by what its text holds."""
    at = start
    while True:
        for match in TAG.finditer(page, at, end):
            if match.group(1) is None:
                yield match, match.end()
                continue
            stop = _text_end(page, match, end)
            yield match, stop
            if stop != match.end():  # a script's text runs on: read on there
                at = stop
                break
        else:
            return


# Foreign content: what an <svg> or a <math> holds, which a browser reads
# by other rules than HTML's. There a tag ending in "/>" is a whole, empty
# element, no element holds text (an SVG <style> or <script> holds tags,
# as any other element does), and "<![CDATA[" opens text up to "]]>".
# Only a page (or the range of it read) that holds "<svg" or "<math" is
# read so, by read_html(): any other is read by TAG's matches alone, with no
# open elements kept, which is quicker, and the build reads every page.
_FOREIGN_START = lazy_regex(rf"<(?ai:svg|math)(?=[{SPACE}/>])")
# TAG's tags without its elements of text, and with CDATA sections; the
# text after a tag's name in one group, the spaces and "/"s that end it
# (what tells "<x a/>", an empty element, from "<x a=b/>", whose "/" is
# b's) in another.
_FOREIGN_TAG = lazy_regex(
    r"<(?:!--(?:-?>|.*?(?:--!?>|\Z))"
    r"|!\[CDATA\[(.*?)(?:]]>|\Z)"
    rf"|{BOGUS_COMMENT}"
    rf"|(/?)([A-Za-z][^{SPACE}/>]*)"
    rf"((?:[{SPACE}/]*(?:{_NAME})(?:{_value('(?:')})?)*([{SPACE}/]*))(>?))",
    re.S,
)
_FOREIGN_ROOTS = frozenset({"svg", "math"})
# Start tags that end foreign content (the HTML standard's list, and <font>
# with one of _FONT_ATTRIBUTES): the <svg> or <math> is closed, and the tag
# is read as HTML. So are the end tags </p> and </br>.
_BREAKOUT = frozenset(
    {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl"}
    | {"dt", "em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i"}
    | {"img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby"}
    | {"s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u"}
    | {"ul", "var"}
)
_FONT_ATTRIBUTES = frozenset({"color", "face", "size"})
# An end tag that names no element open in foreign content may end it: a
# browser reads it by HTML's rules, which close the element of that name
# open around the <svg> (the <svg> with it), or ignore the tag when none is
# open. The reader does not keep HTML's elements: it counts the start and
# end tags of each name read by HTML's rules, and takes one to be open
# around the <svg> when more started than ended. Approximated: a <li>
# closed by the next <li> is counted open still, and an element between
# (a <div> in the <span> around the <svg>), for which a browser ignores
# the tag, goes unseen. </p> and </br> always end foreign content; the end
# tags of these close nothing there, whatever the count.
# HTML's void elements: a start tag is the whole element, open no longer.
_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr"}
    | {"img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"}
)
_CLOSING_NOTHING = _VOID | {"body", "html", "head"}
# Elements whose content is read by HTML's rules again, namespace first:
# SVG's HTML integration points and MathML's text integration points.
# MathML's <annotation-xml> is one when its encoding is HTML's. Approximated:
# a <mglyph> or <malignmark> right in a text integration point stays MathML
# for a browser, and is read as HTML here (a <title/> in it, then, is
# taken for HTML's <title>, whose text runs on).
_INTEGRATION_POINTS = frozenset(
    {("svg", "foreignobject"), ("svg", "desc"), ("svg", "title")}
    | {("math", name) for name in ("mi", "mo", "mn", "ms", "mtext")}
)
_HTML_ENCODINGS = ("text/html", "application/xhtml+xml")
# The name read_html() gives a CDATA section, whose text it gives as attributes.
CDATA_SECTION = "#cdata"

# What read_html() gives for each match: (name, attribute text, start, end,
# whether the tag was closed by its ">").
_Read = tuple[str, str, int, int, bool]
# An element of foreign content open, for read_html(): (name, namespace, and,
# for an integration point, the HTML elements open in it, by name, else
# None).
_Open = tuple[str, str, dict[str, int] | None]


def read_html(page: str, start: int, end: int) -> Generator[_Read, None, str | None]:
    """What ``page[start:end]`` holds, match by match, read as a browser
    reads it, foreign content (what an ``<svg>`` or a ``<math>`` holds) by
    its own rules: (name, attribute text, start, end, whether closed by its
    ">") for each tag, comment (name "") or CDATA section (``CDATA_SECTION``, its
    text as attributes). Names are lower-cased, with "/" in front for an end
    tag, and the namespace's before a name read in foreign content
    ("svg:title", "/math:mi"): no caller takes an SVG <a>, <link> or
    <script> for HTML's. The ``<svg>`` or ``<math>`` start tag itself is
    read by HTML's rules, and named as HTML names it. Returns the namespace
    ("svg", "math") of the foreign content in which what follows
    ``page[end]`` is read, None when that is HTML (an integration point's
    content too).

    Linear in the text read: each match is read once (a tag that ends
    foreign content, twice), and each element kept open is closed once.

    Approximated, as the reader does not build HTML's elements: in an
    integration point (an SVG ``<foreignObject>``, ``<desc>`` or
    ``<title>``; a MathML ``<mi>``...), an end tag that names an element of
    foreign content open around it closes that element, unless an HTML
    element of that name was opened in the integration point and not
    closed. A browser ignores it while any HTML element is open there:
    ``<foreignObject><p>x</foreignObject>`` leaves the <foreignObject>
    open, and what follows is HTML. See also ``_CLOSING_NOTHING``. An
    ``<svg>`` in a ``<select>``, which a browser drops, is read as one.
    """
    # The elements of foreign content open, innermost last; how many of
    # each name.
    stack: list[_Open] = []
    open_names: dict[str, int] = {}
    # Of each name: start tags read by HTML's rules, less end tags.
    html_open: dict[str, int] = {}
    # Where the text of the last element of text read ends: the end tag
    # there is that element's, and closes nothing else.
    text_end = -1
    at = start
    while True:
        # HTML's rules: outside foreign content, or in an integration point
        # (whose HTML elements are counted in ``inside``).
        inside = stack[-1][2] if stack else None
        if not stack or inside is not None:
            for match in TAG.finditer(page, at, end):
                text_element, end_tag, name, attributes, closed = match.group(
                    1, 4, 5, 6, 7
                )
                tag_start, tag_end = match.span()
                if name is None:
                    if (
                        inside is not None
                        and page.startswith("<![CDATA[", tag_start)
                        and not any(inside.values())
                    ):
                        # In an integration point itself (no HTML element
                        # open in it) a browser reads CDATA as it does in
                        # foreign content: "<![CDATA[a > b <style>]]>" is
                        # text, not a bogus comment ending at its first ">".
                        close = page.find("]]>", tag_start + 9, end)
                        stop = end if close < 0 else close + 3
                        text = page[tag_start + 9 : stop - 3 if close >= 0 else end]
                        yield CDATA_SECTION, text, tag_start, stop, True
                        at = stop
                        break
                    if text_element is None:  # a comment, a doctype...
                        yield "", "", tag_start, tag_end, False
                        continue
                    text_end = _text_end(page, match, end)
                    yield (
                        text_element.lower(),
                        match.group(2),
                        tag_start,
                        text_end,
                        bool(match.group(3)),
                    )
                    if text_end != tag_end:  # a script's text runs on
                        at = text_end
                        break
                    continue
                name = name.lower()
                if not closed:  # runs to the end of the page: a browser drops it
                    yield end_tag + name, attributes, tag_start, tag_end, False
                elif end_tag:
                    yield f"/{name}", "", tag_start, tag_end, True
                    if tag_start == text_end:
                        continue  # "</title>" after a <title>'s text
                    if html_open.get(name):
                        html_open[name] -= 1
                    if inside and inside.get(name):
                        inside[name] -= 1  # closes the HTML element
                    elif open_names.get(name):
                        _close_foreign(stack, open_names, name)
                        inside = stack[-1][2] if stack else None
                        if stack and inside is None:
                            at = tag_end
                            break
                elif name in _FOREIGN_ROOTS:
                    yield name, attributes, tag_start, tag_end, True
                    self_closing = _FOREIGN_TAG.match(page, tag_start, end).group(5)
                    if not self_closing.endswith("/"):  # "<svg/>" opens nothing
                        _open_foreign(stack, open_names, (name, name, None))
                        at = tag_end
                        break
                else:
                    yield name, attributes, tag_start, tag_end, True
                    html_open[name] = html_open.get(name, 0) + 1
                    if inside is not None and name not in _VOID:
                        # After a <br>, the integration point is the
                        # current node again (where CDATA is text).
                        inside[name] = inside.get(name, 0) + 1
            else:
                return _namespace_read_in(stack)
            continue
        for match in _FOREIGN_TAG.finditer(page, at, end):
            cdata, end_tag, name, attributes = match.group(1, 2, 3, 4)
            tag_start, tag_end = match.span()
            if name is None:
                if cdata is None:
                    yield "", "", tag_start, tag_end, False
                else:
                    yield CDATA_SECTION, cdata, tag_start, tag_end, True
                continue
            name = name.lower()
            top, namespace, _ = stack[-1]
            if not match.group(6):  # runs to the end: a browser drops it
                yield (
                    f"{end_tag}{namespace}:{name}",
                    attributes,
                    tag_start,
                    tag_end,
                    False,
                )
                continue
            if end_tag:
                if open_names.get(name):
                    yield f"/{namespace}:{name}", "", tag_start, tag_end, True
                    _close_foreign(stack, open_names, name)
                    if not stack or stack[-1][2] is not None:
                        at = tag_end
                        break
                    continue
                if name in ("p", "br") or (
                    html_open.get(name) and name not in _CLOSING_NOTHING
                ):
                    _end_foreign(stack, open_names)
                    at = tag_start  # read again, by HTML's rules
                    break
                # Closes nothing: a browser ignores it.
                yield f"/{namespace}:{name}", "", tag_start, tag_end, True
                continue
            if name in _BREAKOUT or (
                name == "font"
                and not _FONT_ATTRIBUTES.isdisjoint(attribute_values(attributes))
            ):
                _end_foreign(stack, open_names)
                at = tag_start  # read again, by HTML's rules
                break
            if name == "svg" and top == "annotation-xml" and namespace == "math":
                namespace = "svg"  # read by HTML's rules: an <svg> of its own
            yield f"{namespace}:{name}", attributes, tag_start, tag_end, True
            if match.group(5).endswith("/"):
                continue  # "<circle/>": a whole, empty element
            integration = (namespace, name) in _INTEGRATION_POINTS or (
                name == "annotation-xml"
                and namespace == "math"
                and attribute_values(attributes).get("encoding", "").lower()
                in _HTML_ENCODINGS
            )
            _open_foreign(
                stack, open_names, (name, namespace, {} if integration else None)
            )
            if integration:
                at = tag_end
                break
        else:
            return _namespace_read_in(stack)


def _namespace_read_in(stack: list[_Open]) -> str | None:
    """The namespace of the foreign content that ``stack``'s innermost
    element holds, for ``read_html``: None outside any, or in an integration
    point, whose content is HTML."""
    return stack[-1][1] if stack and stack[-1][2] is None else None


# The end of a <noscript>'s text, where scripts run: its first end tag, in
# any letter case ("</noscript" cut short by the body's end gets its ">"
# from the page after it).
NOSCRIPT_END = lazy_regex(rf"</(?ai:noscript)(?=[{SPACE}/>]|\Z)")


def read_where_scripts_run(
    page: str, start: int, end: int
) -> Generator[_Read, None, str | None]:
    """``read_html``, as a browser that runs scripts reads ``page[start:end]``:
    a ``<noscript>``'s content is text, up to its first ``</noscript``
    (in any letter case), read on from there as HTML (foreign content
    open around it forgotten). A ``<noscript>`` with none after it is the
    last item: the rest is its text. Returns what ``read_html`` returns."""
    at = start
    while True:
        reading = read_html(page, at, end)
        while True:
            try:
                item = next(reading)
            except StopIteration as read_to_the_end:
                return read_to_the_end.value
            yield item
            if item[4] and item[0] == "noscript":
                close = NOSCRIPT_END.search(page, item[3], end)
                if close is None:
                    return None
                at = close.start()
                break


def noting_return(
    reading: Generator[_Read, None, str | None], returned: list[str | None]
) -> Iterator[_Read]:
    """``reading``'s items, noting in ``returned`` what it returns once
    read to the end (``read_html``'s namespace)."""
    returned[:] = [(yield from reading)]


def _open_foreign(
    stack: list[_Open], open_names: dict[str, int], element: _Open
) -> None:
    """Open an element of foreign content, for ``read_html``."""
    stack.append(element)
    open_names[element[0]] = open_names.get(element[0], 0) + 1


def _close_foreign(stack: list[_Open], open_names: dict[str, int], name: str) -> None:
    """Close the innermost open element named ``name`` (one is open), and
    every element open inside it, for ``read_html``."""
    while True:
        closed = stack.pop()[0]
        open_names[closed] -= 1
        if closed == name:
            return


def _end_foreign(stack: list[_Open], open_names: dict[str, int]) -> None:
    """Close the elements of foreign content open inside the innermost
    integration point (all of them when none is open), for ``read_html``."""
    while stack and stack[-1][2] is None:
        open_names[stack.pop()[0]] -= 1


def read_tags(page: str, end: int) -> Iterator[tuple[str, str, int]]:
    """The tags of ``page[:end]`` as a browser reads them: (name, attribute
    text, where the tag starts), the name lower-cased, with a "/" in front
    for an end tag; and, among them, the first text outside tags, comments
    and ``<template>``s (whose content is inert), named ``TEXT``: text ends
    the head as an element that may not stand in a head does. A comment, a
    quoted attribute value and the text of a ``<title>`` or ``<script>``
    hold no tag, whatever they say.

    Themes print text unescaped in such places (notmyidea: the title and
    summary, after ``striptags`` has turned ``&lt;/head&gt;`` back into
    ``</head>``); finding a landmark with ``find`` alone would take it for
    the page's own.

    What an ``<svg>`` or a ``<math>`` holds is read by the rules of foreign
    content (see ``read_html``), where ``<title/>`` holds no text, and its
    tags' names carry their namespace ("svg:title"). A page without one is
    read by ``TAG`` alone: the build reads every page of a site.
    """
    if _FOREIGN_START.search(page, 0, end) is not None:
        yield from _tags_read(page, end)
        return
    after = 0  # the end of the last match, while no text has been found
    templates = 0  # open, while no text has been found: their text is inert
    for match, stop in _tag_matches(page, 0, end):
        text_element, closed, end_tag, name, attributes = match.group(1, 3, 4, 5, 6)
        if after >= 0:
            text = -1 if templates else _first_text(page, after, match.start())
            if text >= 0:
                yield TEXT, "", text
            after = -1 if text >= 0 else stop
            if name is not None and match.group(7) and name.lower() == "template":
                templates = max(templates + (-1 if end_tag else 1), 0)
        if text_element is not None:
            if closed:
                yield text_element.lower(), match.group(2), match.start()
        elif name is not None and match.group(7):
            if end_tag:
                yield f"/{name.lower()}", "", match.start()
            else:
                yield name.lower(), attributes, match.start()
    if after >= 0 and not templates:
        text = _first_text(page, after, end)
        if text >= 0:
            yield TEXT, "", text


def _tags_read(page: str, end: int) -> Iterator[tuple[str, str, int]]:
    """``read_tags`` of a page with foreign content, read by ``read_html``."""
    after = 0  # the end of the last match, while no text has been found
    templates = 0  # open, while no text has been found: their text is inert
    for name, attributes, start, stop, closed in read_html(page, 0, end):
        if after >= 0:
            text = -1 if templates else _first_text(page, after, start)
            if (
                text < 0
                and name == CDATA_SECTION
                and not templates
                and attributes.strip(SPACE)
            ):
                # Its text is text: past "<![CDATA[" and any whitespace.
                text = start + 9 + len(attributes) - len(attributes.lstrip(SPACE))
            if text >= 0:
                yield TEXT, "", text
            after = -1 if text >= 0 else stop
            if closed and name in ("template", "/template"):
                templates = max(templates + (-1 if name[0] == "/" else 1), 0)
        if closed and name and name != CDATA_SECTION:
            yield name, attributes, start
    if after >= 0 and not templates:
        text = _first_text(page, after, end)
        if text >= 0:
            yield TEXT, "", text


def _first_text(page: str, start: int, stop: int) -> int:
    """Where the first character of ``page[start:stop]`` that is not HTML
    whitespace is, or -1."""
    rest = page[start:stop].lstrip(SPACE)
    return stop - len(rest) if rest else -1


def attribute_values(text: str) -> dict[str, str]:
    """A tag's attributes (the text after its name): name -> value, the
    first of a name given twice, as a browser keeps it."""
    values: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        values.setdefault(match.group(1).lower(), html.unescape(value))
    return values


# An end tag of the head in any letter case and spelling ("</head >"), and
# not "</header>", which notmyidea's pages hold.
_HEAD_END_TAG = lazy_regex(r"</head[\s/>]", re.IGNORECASE)


def find_head_end(page: str) -> int:
    """Where ``page``'s head ends: at its ``</head>``, or where its body
    starts when that tag is left out (an element or text that a head cannot
    hold); -1 when the page has neither.

    A page with one ``</head>`` ends its head there: a page that leaves
    the tag out and quotes ``</head>`` in its head's text would be read
    wrong, which no theme seen so far does.
    """
    at = find_ci(page, "</head>")
    if (
        at >= 0
        and _HEAD_END_TAG.search(page, at + 7) is None
        and not _inside_a_tag(page, at)
        and page.count("</title", 0, at) < 2
    ):
        # The only one on the page, however spelt: no text before it held
        # another (the usual page, found with two searches), and not text
        # in a tag's attribute (a theme that leaves the tag out, and prints
        # a summary holding "</head>" into its description). Nor did a
        # title end early: a theme that prints a title holding "</title>"
        # (after striptags, from "&lt;/title&gt;") leaves the rest of it as
        # text, which ends the head there.
        return at
    text = -1
    # A <template>'s content is inert: the head goes on after it, whatever
    # element it holds.
    for index, (name, _, start) in enumerate(live_tags(page, len(page))):
        if name == TEXT:
            if index:
                return start
            text = start  # before any tag: the head's end if a tag follows
        elif text >= 0:
            return text
        elif ends_head(name):
            return start
    return -1


# How far into a page a browser looks for its <meta charset>.
CHARSET_BYTES = 1024


def charset_declaration(page: str, head_end: int) -> tuple[int, int] | None:
    """Where the page's ``<meta charset>`` (or ``http-equiv`` form) starts
    and ends, before ``head_end``, or None."""
    at = page.find("<meta charset", 0, head_end)
    if (
        at >= 0
        and page.find("<!--", 0, at) < 0
        and not _inside_a_tag(page, at)
        and not open_before(page, at, _TEXT_TAGS)
    ):
        close = page.find(">", at, head_end)
        if close >= 0:
            return at, close + 1
    # Spelt otherwise (<META CHARSET>, http-equiv), or quoted in a comment,
    # an attribute or the text of a <title> or <script> before the real one
    # (simple's title, printed with striptags, comes first): read the head's
    # tags, as a browser does.
    for name, attributes, start in read_tags(page, head_end):
        if name == "meta" and _declares_charset(attribute_values(attributes)):
            return start, TAG.match(page, start).end()
    return None


def _declares_charset(values: dict[str, str]) -> bool:
    """Whether a ``<meta>`` with these attributes declares the page's
    encoding: ``charset``, or ``http-equiv="content-type"``."""
    return "charset" in values or (
        values.get("http-equiv", "").lower() == "content-type"
        and "charset" in values.get("content", "").lower()
    )


# The start and end tags of TEXT_ELEMENTS, spelt in lower case as themes
# spell them; those of them a theme may print a copy of the body or a button
# in (the others, a <title> or a <style>, hold no such thing), and of a
# <noscript>. A <plaintext> has no end tag (None): once opened, it is open.
_TEXT_TAGS = tuple(
    (f"<{name}", None if name == NEVER_CLOSED else f"</{name}")
    for name in sorted(TEXT_ELEMENTS)
)
_WRAPPING_TAGS = tuple((f"<{n}", f"</{n}") for n in ("script", "textarea", "iframe"))
SCRIPT_TAGS = (("<script", "</script"),)
_HIDING_TAGS = (*_WRAPPING_TAGS, ("<noscript", "</noscript"))


def open_before(page: str, at: int, tags: tuple[tuple[str, str | None], ...]) -> bool:
    """Whether an element of one of these (start tag, end tag) may be open
    at ``page[at]``: its last start tag before it has no end tag after it.
    A search back for each, for the usual page; True is only a doubt, for
    the tag-by-tag reader to settle (the name may be text itself, a
    "<title>" in a script's string). A ``<script>`` closed after a
    "<!--" not closed is a doubt too (``_in_escaped_text``)."""
    for opening, closing in tags:
        opened = page.rfind(opening, 0, at)
        if opened >= 0 and (
            closing is None
            or page.find(closing, opened, at) < 0
            or (opening == "<script" and _in_escaped_text(page, opened))
        ):
            return True
    return False


def _in_escaped_text(page: str, at: int) -> bool:
    """Whether ``page[at]`` may lie in a script's escaped text (after a
    "<!--" in the script's text that no "-->" has closed), where a
    ``<script`` starts text that its ``</script>`` does not end
    (``_text_end``): a script whose end tag a search finds may still be
    open. Only a doubt, for the page read tag by tag to settle. A "<!--"
    that no script open before it holds is a comment's (an IE conditional
    comment around a script): no doubt, for searches back alone."""
    comment = open_comment_before(page, at)
    if comment < 0:
        return False
    script = page.rfind("<script", 0, comment)
    return script >= 0 and page.find("</script", script, comment) < 0


def open_comment_before(page: str, at: int) -> int:
    """Where the last "<!--" before ``page[at]`` starts, when no "-->"
    closes it before ``at``; else -1."""
    opened = page.rfind("<!--", 0, at)
    return opened if opened >= 0 and page.find("-->", opened + 2, at) < 0 else -1


def _inside_a_tag(page: str, at: int) -> bool:
    """Whether ``page[at]`` lies within a tag (an attribute's value) or a
    comment's opening, not between tags: the last "<" before it is not
    closed yet."""
    return page.rfind("<", 0, at) > page.rfind(">", 0, at)


def in_script(page: str, at: int) -> bool:
    """Whether ``page[at]`` lies in a ``<script>``'s text, where "</body>"
    written in a string is no tag.

    A search back for the last "<script" settles the usual page, whose
    scripts are all closed before ``at``. One left open is only a doubt:
    the name may be text itself, in an attribute's value (simple's
    ``title="Permalink to {{ article.title|striptags }}"``, which turns a
    title's "&lt;script&gt;" back into "<script>"), a comment or a title,
    or, after an ``<svg>``, an SVG ``<script/>``; the page is read tag by
    tag up to ``at`` to settle it. So is the page whose last "<script"
    before ``at``, closed, follows a "<!--" not closed: a script's double
    escaped text, which its first "</script>" does not end
    (``_in_escaped_text``)."""
    opened = page.rfind("<script", 0, at)
    if opened <= page.rfind("</script", 0, at) and (
        opened < 0 or not _in_escaped_text(page, opened)
    ):
        return False
    for name, _, start, stop, _ in read_html(page, 0, len(page)):
        if stop > at:
            return start < at and name == "script"
    return False


def head_tags(page: str, end: int) -> Iterator[tuple[str, str, int]]:
    """``read_tags(page, end)`` up to where a browser ends the head: the first
    text outside tags, ``</head>`` or an element a head cannot hold.

    ``find_head_end`` takes a page's one ``</head>`` for its end, unread; text
    a theme printed unescaped before it (notmyidea's description, a quote
    and a ">" in the summary) has ended the head for a browser already,
    and a tag after that text is in the body.
    """
    for tag in live_tags(page, end):
        if ends_head(tag[0]):
            return
        yield tag


def live_tags(page: str, end: int) -> Iterator[tuple[str, str, int]]:
    """``read_tags(page, end)`` but those inside a ``<template>``, however
    deeply: its content is inert, and no reader takes it for the page's."""
    templates = 0
    for tag in read_tags(page, end):
        name = tag[0]
        if name in ("template", "/template"):
            templates = max(templates + (1 if name == "template" else -1), 0)
        elif templates:
            continue
        yield tag


# The end tags that end the head for a browser: ``</head>``, and the three
# it reads in a head as if the head had ended and the body started
# (WHATWG HTML 13.2.6.4.4, "in head": "</body>, </html>, </br>"). Any other
# end tag in a head is dropped.
HEAD_ENDING_END_TAGS = frozenset({"/head", "/body", "/html", "/br"})


def ends_head(name: str) -> bool:
    """Whether a tag of this name (from ``read_tags``), or text, ends the head
    for a browser: ``</head>`` (or an end tag read as it:
    ``HEAD_ENDING_END_TAGS``), or an element a head cannot hold."""
    if name[0] == "/":
        return name in HEAD_ENDING_END_TAGS
    return name == TEXT or name not in HEAD_ELEMENTS


# What a head holds, read plainly: whitespace, comments (as a browser ends
# them: "<!-->" and "<!--->" are empty ones, "--!>" ends one), a doctype, start
# tags of the elements a head holds with no "<" or ">" in their attributes,
# and titles, styles and scripts with their text (a script's without "<!--",
# whose escaped text a search cannot follow). Anything else before the
# plugin's head tags (text, a <div>, an <img>, a skip link, a "}" a template
# left: each ends the head; a Lang: holding markup, which notmyidea prints
# unescaped into <html lang>) is for the reader to settle, tag by tag.
_PLAIN_HEAD = lazy_regex(
    rf"\ufeff?(?:[{SPACE}]+|<!--(?:-?>|[\s\S]*?--!?>)|<!doctype[^<>]*>"
    rf"|<(?:html|head|meta|link|base|basefont|bgsound)(?=[{SPACE}/>])[^<>]*>"
    rf"|<title(?=[{SPACE}/>])[^<>]*>[^<]*(?:<(?!/title)[^<]*)*</title[{SPACE}]*>"
    rf"|<style(?=[{SPACE}/>])[^<>]*>[^<]*(?:<(?!/style)[^<]*)*</style[{SPACE}]*>"
    rf"|<script(?=[{SPACE}/>])[^<>]*>[^<]*(?:<(?!/script|!--)[^<]*)*"
    rf"</script[{SPACE}]*>)*",
    re.ASCII | re.IGNORECASE,
)


def plainly_in_head(page: str, at: int) -> bool:
    """Whether ``page[:at]`` is plainly what a head holds (``_PLAIN_HEAD``),
    so that a browser reads ``page[at]`` in the head; False is only a doubt,
    for the tag-by-tag reader to settle."""
    return _PLAIN_HEAD.match(page, 0, at).end() == at


def head_ended_before(page: str, at: int) -> bool:
    """Whether a browser has ended the page's head before ``page[at]``,
    where the plugin puts its head tags: markup or text printed before
    ``<head>`` or into a tag of the page's opening (notmyidea prints an
    article's ``Lang:`` unescaped into ``<html lang>``), which would leave
    the tags in the body, where no reader of payment links looks."""
    if plainly_in_head(page, at):  # the usual page: one match
        return False
    if page.startswith("\ufeff"):
        # A byte order mark opening the page is no text to a browser; read
        # without it (a copy, for such a page alone), text after it still is.
        page, at = page[1:], at - 1
    return any(ends_head(name) for name, _, _ in live_tags(page, at))


def find_ci(page: str, needle: str, start: int = 0, last: bool = False) -> int:
    """Find an ASCII tag like ``</head>`` in any letter case, cheaply."""
    index = page.rfind(needle, start) if last else page.find(needle, start)
    if index < 0 and needle.upper() in page.upper():
        upper = page.upper()
        index = (
            upper.rfind(needle.upper(), start)
            if last
            else upper.find(needle.upper(), start)
        )
    return index


def run_where(page: str, needle: str) -> Iterator[tuple[int, bool]]:
    """Each place of ``needle`` in ``page``, and whether a browser that runs
    scripts reads it as markup there: not in a comment, a ``<template>``, a
    ``<noscript>`` or the text of a ``<script>`` or ``<textarea>``. The
    page is read tag by tag, once, only from the first place in doubt."""
    at = page.find(needle)
    hiding = None
    while at >= 0:
        if not may_be_hidden(page, at):
            yield at, True
        else:
            if hiding is None:
                hiding = hiding_ends(page, 0)
                next(hiding)
            yield at, hiding.send(at) < 0
        at = page.find(needle, at + 1)


def may_be_hidden(page: str, at: int) -> bool:
    """Whether the last tag before ``page[at]`` leaves open that a reader
    does not see what starts there: it is a comment or a tag not closed
    yet (the copy is in it, or in an attribute's value), or it opens an
    element whose content a reader does not see as the page's (the text
    of an element of ``TEXT_ELEMENTS``, a ``<script>`` or a ``<textarea>``;
    a ``<template>``; a ``<noscript>``, shown only where scripts do not
    run), in any letter case. False for the copy of the body an ordinary
    page holds, after a tag or a closed comment: two searches, back to
    the last "<" and on to its end.

    Wrapped in more (a ``<div>`` in a ``<script type="text/x-template">``
    or a ``<template>``), the copy is in doubt when such an element's
    start tag, spelt in lower case (a ``<template>``'s in capitals too), is
    open before it (``_may_be_wrapped``).
    The other elements of text, which no theme prints a body in (a
    ``<style>``, an ``<xmp>``), are not searched back for: only a
    content's text printed as it is leaves one open around the copy, a
    title's, which the caller checks (``markup.title_may_hide``).
    """
    last = page.rfind("<", 0, at)
    if last < 0:
        return False
    if page[last + 1] == "!":  # notmyidea's "<!-- /.post-info -->"
        # A comment ends at its first "-->" ("<!-->" is one whole); no
        # doctype comes right before a body.
        if page.find("-->", last + 2, at) < 0:
            return True
    elif page.find(">", last, at) < 0 or _HIDING_START.match(page, last) is not None:
        # In any letter case, as a browser reads a tag's name ("<SCRIPT>"),
        # and the whole name: a <template-card> hides nothing.
        return True
    return _may_be_wrapped(page, at, noscript=True)


def _may_be_wrapped(page: str, at: int, noscript: bool) -> bool:
    """Whether what starts at ``page[at]`` may be wrapped, however deeply,
    in what no reader sees (with ``noscript``, no reader that runs
    scripts): a comment not closed yet, a ``<script>``, ``<textarea>`` or
    ``<iframe>`` (in whose text a ``<div>`` is text, so the element is
    directly around the copy all the same), a ``<noscript>`` or a
    ``<template>``.

    A search or two back for each, start tags spelt in lower case as themes
    spell them (a ``<template>``'s in capitals too): the usual page is
    settled so. True is only a doubt, which ``hiding_ends`` settles,
    reading the page tag by tag.
    """
    if open_comment_before(page, at) >= 0:
        return True
    if open_before(page, at, _HIDING_TAGS if noscript else _WRAPPING_TAGS):
        return True
    # Any <template> before it: counting end tags against start tags is no
    # test, as an end tag may close none (a stray one) or be no tag (quoted
    # in a comment the template holds). Rare on a page: the reader settles it.
    # In lower case or in capitals, two searches in C (a regular expression
    # in any case took twice as long, on every page).
    return page.rfind("<template", 0, at) >= 0 or page.rfind("<TEMPLATE", 0, at) >= 0


_HIDING_START = lazy_regex(
    rf"<(?ai:{'|'.join(sorted(TEXT_ELEMENTS | {'noscript', 'template'}))})"
    rf"(?=[{SPACE}/>])"
)


def unseen_by_any_reader(
    page: str, at: int, noscript: bool = False, in_doubt: bool = False
) -> bool:
    """Whether what starts at ``page[at]`` is unseen, scripts or not: in a
    comment, in a tag (an attribute's value), in the text of an element of
    ``TEXT_ELEMENTS`` (a ``<script>``'s string, a ``<textarea>``), or in a
    ``<template>``, however deeply. (A ``<noscript>``'s content is seen
    where scripts do not run, by crawlers among them: with ``noscript``,
    for what needs scripts, it is unseen too.) Where ``_inside_a_tag`` and
    ``_may_be_wrapped`` find no doubt, and the caller has none
    (``in_doubt``: a title printed as it is may leave a ``<style>`` open,
    which they do not search back for; see ``markup.title_may_hide``),
    the page is not read tag by tag. (For the few places a page's helpers
    printed a button at, or Flattr markup is found, not for every page's
    body.)"""
    if (
        not in_doubt
        and not _inside_a_tag(page, at)
        and not _may_be_wrapped(page, at, noscript)
    ):
        return False
    hiding = hiding_ends(page, 0, noscript_hides=noscript)
    next(hiding)
    return hiding.send(at) >= 0


def hiding_ends(
    page: str, start: int, noscript_hides: bool = True
) -> Generator[int, int, None]:
    """Sent where a copy of the body starts (further on each time), where
    what hides it from a reader ends, the page read from ``start`` as a
    browser reads it: a comment, the text of a ``<script>`` (or another
    element of ``TEXT_ELEMENTS``; see ``_text_end``) or a tag (an
    attribute's value) ends with its match, an open ``<template>`` or
    ``<noscript>`` just after the copy's start; -1 when nothing hides it.

    The page is read once, however many copies are sent: read again from
    ``start`` for each, a theme printing the body in many templates took
    quadratic time. A page with foreign content is read by ``read_html``.
    Without ``noscript_hides``, what a ``<noscript>`` holds counts as seen.
    """
    if _FOREIGN_START.search(page, start) is not None:
        return (yield from _hiding_ends_read(page, start, noscript_hides))
    templates, in_noscript = 0, False
    matches = _tag_matches(page, start, len(page))
    # The last match read, and where it ends (for an element of text, where
    # its text ends).
    match: re.Match[str] | None = None
    stop = start
    at = yield -1
    while True:
        while stop <= at:
            if match is not None:  # passed: what it opens or closes
                end_tag, name = match.group(4, 5)
                if name is not None and match.group(7):
                    name = name.lower()
                    if name == "template":
                        templates = max(templates + (-1 if end_tag else 1), 0)
                    elif name == "noscript" and noscript_hides:
                        # It holds text, to a browser that runs scripts: the
                        # first </noscript> ends it, however many opened.
                        in_noscript = not end_tag
            match, stop = next(matches, (None, stop))
            if match is None:
                break
        if match is not None and match.start() < at:
            at = yield stop  # the copy is inside this match
        else:
            at = yield at + 1 if templates or in_noscript else -1


def _hiding_ends_read(
    page: str, start: int, noscript_hides: bool
) -> Generator[int, int, None]:
    """``hiding_ends`` of a page with foreign content, read by ``read_html``:
    an SVG ``<template>`` (named "svg:template") hides nothing."""
    templates, in_noscript = 0, False
    read = read_html(page, start, len(page))
    item = next(read, None)
    at = yield -1
    while True:
        while item is not None and item[3] <= at:
            name = item[0]
            if item[4]:  # closed by its ">"
                if name in ("template", "/template"):
                    templates = max(templates + (-1 if name[0] == "/" else 1), 0)
                elif name in ("noscript", "/noscript") and noscript_hides:
                    in_noscript = name[0] != "/"
            item = next(read, None)
        if item is not None and item[2] < at:
            at = yield item[3]  # the copy is inside this match
        else:
            at = yield at + 1 if templates or in_noscript else -1
