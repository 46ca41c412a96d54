"""What themes see: the template helpers, and each rendered page completed
with what its templates did not print, before Pelican writes it."""

from __future__ import annotations

import functools
import inspect
import mimetypes
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from jinja2 import Template, TemplateNotFound, Undefined
from jinja2.utils import missing
from markupsafe import Markup
from pelican.contents import Content
from pelican.paginator import Page
from pelican.urlwrappers import Author

from . import build, html_reader, markup
from .build import PageRender
from .feeds import feed_key, url_of_href
from .lazy_regex import lazy_regex
from .resolve import ContentThing, open_graph
from .settings import BUTTON_STYLES, FlattrSettings, closest_name
from .thing import Thing, plain_text
from .wording import listed, shown_value

if TYPE_CHECKING:
    from .notice import PendingNotice


# The default of a helper's first argument: a call without it is told from
# one given None or an undefined name, which base templates pass on pages
# without an article.
_NOT_GIVEN: Any = object()


def flattr_head(content: Any = _NOT_GIVEN) -> Markup:
    """Jinja helper: payment link and Open Graph tags for ``content``."""
    if content is _NOT_GIVEN:
        _report_not_given("flattr_head")
        return Markup("")
    if _in_a_feed("flattr_head"):
        return Markup("")
    state = build.current
    content_thing = _helper_content_thing("flattr_head", content)
    settings = state.settings
    if content_thing is None or settings is None:
        return Markup("")
    printed = markup.head(
        content_thing,
        open_graph(content, content_thing, settings),
        auto_submit_url=_auto_submit_url(content_thing),
    )
    state.page.heads[id(content_thing)] = markup.open_graph_marks(printed)
    _note_caller("flattr_head", id(content_thing))
    return printed


def flattr_button(content: Any = _NOT_GIVEN, style: str | None = None) -> Markup:
    """Jinja helper: the button for ``content`` (in ``style``, if given)."""
    if content is _NOT_GIVEN:
        _report_not_given("flattr_button")
        return Markup("")
    state = build.current
    content_thing = _helper_content_thing("flattr_button", content)
    if content_thing is None:
        return Markup("")
    if style is None:
        style = content_thing.button_style
    elif style not in BUTTON_STYLES:
        _report_unknown_style(style)
        style = content_thing.button_style
    if style != content_thing.button_style:
        state.page.styles[id(content_thing)] = style
    state.page.buttons.add(id(content_thing))
    _note_caller("flattr_button", id(content_thing))
    if style != "plain":
        state.page.needs_loader = True
    return markup.button(content_thing, style, _auto_submit_url(content_thing))


# The names of the templates that write a feed (TEMPLATE_PAGES' podcast
# feed), not a page: the helpers' HTML is no XML.
_FEED_TEMPLATE_ENDINGS = (".xml", ".rss", ".atom")


def _in_a_feed(helper: str) -> bool:
    """Whether the page rendered now is a feed a template writes, which
    ``helper``, one for a page's head or its script, prints nothing in, and
    says so: its unclosed ``<link>`` and ``<meta>`` tags left the feed no
    well-formed XML, and the build told the template to move the call
    after ``<meta charset>``. (A button may go in an entry's description,
    escaped: ``_check_feed``.)"""
    if not _is_feed(build.current.page):
        return False
    _report_call(
        f"{helper}() prints HTML for a page's head, which has no place in a "
        "feed (it would be no well-formed XML), so it printed nothing: in a "
        "feed, write each entry's payment link as docs/feeds.md shows: "
        '<link rel="payment" type="text/html" '
        'href="{{ article.flattr.auto_submit_url|e }}"/>'
    )
    return True


def _is_feed(rendered: PageRender) -> bool:
    """Whether the page ``rendered`` is a feed: the file Pelican writes it
    to, else its template, is named so (``TEMPLATE_PAGES`` may render
    ``podcast.j2`` to ``podcast.xml``)."""
    name = _output_name(rendered)
    return isinstance(name, str) and name.lower().endswith(_FEED_TEMPLATE_ENDINGS)


def _output_name(rendered: PageRender) -> object:
    """The file Pelican writes the page ``rendered`` to, else its
    template's name."""
    context = rendered.context or {}
    return context.get("output_file") or rendered.template


def _is_other_than_html(rendered: PageRender) -> bool:
    """Whether the file Pelican writes the page ``rendered`` to is named as
    no HTML page is (``buttons.js``, ``cards.json``): a name without a
    suffix, or one no type is known for, is a page's."""
    name = _output_name(rendered)
    if not isinstance(name, str) or name.lower().endswith((".html", ".htm")):
        return False
    kind = _known_types().guess_type(name, strict=False)[0]
    return kind is not None and kind not in _HTML_TYPES


@functools.cache
def _known_types() -> mimetypes.MimeTypes:
    """Python's own table of file types: the same on every machine, where
    the system's (/etc/mime.types) differs from one to another."""
    return mimetypes.MimeTypes()


_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


# How a button the helper printed opens, in either style: in a feed, only
# escaped (an entry's description holds HTML so).
_BUTTON_OPENINGS = (
    f'<a class="{markup.BUTTON_CLASS} ',
    f'<a class="FlattrButton {markup.BUTTON_CLASS} ',
)


def _check_feed(page: str) -> None:
    """Report a button printed as markup into a feed a template writes,
    where no feed reader shows it (escaped into a description, it is one)."""
    if any(opening in page for opening in _BUTTON_OPENINGS):
        _report_in_template(
            "flattr_button() is printed into the feed as markup, which no feed "
            "reader shows: escape it where an entry's description holds HTML "
            "({{ flattr_button(article)|forceescape }}), or leave it out"
        )


# What a misspelt style looks like ("big", "Plain", "compakt"): shown as
# it is; any other value is named by its type.
_STYLE_LIKE = lazy_regex(r"[A-Za-z0-9_-]{1,16}")


def _report_unknown_style(style: Any) -> None:
    """Report, once per call site (template and line), a button style that
    is none of ``BUTTON_STYLES``.

    A short word is quoted (a misspelt style); any other value (the
    summary, the article itself) is named by its type: quoting it filled
    the log with one long message per page.
    """
    template = _calling_template(line=True)
    if isinstance(style, str) and _STYLE_LIKE.fullmatch(style):
        given = f"style {style!r}"
    else:
        kind = type(style).__name__
        article = "an" if kind[0] in "AEIOUaeiou" else "a"
        given = f"{article} {kind} for its style (the second argument)"
    # Once per line: a value that differs from page to page (article.slug
    # passed by mistake) is one mistake.
    if not build.first_in_run(f"unknown style: {template}"):
        return
    build.report(
        f"{template}: flattr_button() is called with {given}, not one of "
        f"{', '.join(BUTTON_STYLES)}: the configured style is shown instead"
    )


def _note_caller(helper: str, key: int) -> None:
    """Note the template that holds this call of ``helper`` for the content
    of ``key`` (the id() of its ContentThing; ``_SITE``: the site's): where
    it prints wrong, that template is named, not each one that extends it."""
    callers = build.current.page.callers.setdefault((helper, key), [])
    template = _calling_template()
    if template not in callers:
        callers.append(template)


# The key of flattr_site_head()'s calls in PageRender.callers: no id() of
# a live object is 0.
_SITE = 0


def _callers(rendered: PageRender, helper: str, keys: Iterable[int]) -> str | None:
    """The templates that hold the calls of ``helper`` for the content of
    ``keys`` (id()s of ContentThings, or ``_SITE``), as a message names
    them."""
    names: list[str] = []
    for key in keys:
        names += [n for n in rendered.callers.get((helper, key), ()) if n not in names]
    return " and ".join(names) or None


def flattr_script() -> Markup:
    """Jinja helper: load.js, once, on a page that shows an embedded button.

    Call it near the end of ``<body>``, after the buttons. It prints a mark
    that ``complete_page`` settles on the page as written: load.js where a
    reader sees an embedded button, nothing elsewhere, so pages without
    one load nothing from Flattr. The calls cannot tell: one made only to
    test its output prints nothing, and Jinja renders an include without
    context once and prints that output on every page. (Where every mark
    comes before the buttons, load.js goes before ``</body>``.)
    """
    global _loader_places_printed
    if build.current.settings is None or _in_a_feed("flattr_script"):
        return Markup("")
    _loader_places_printed = True
    return markup.LOADER_PLACE


def flattr_site_head() -> Markup:
    """Jinja helper: the payment link of the site's own thing
    (``FLATTR_USERNAME``'s, the one every feed carries), for ``<head>``.

    Printed only where the page's own article or page has no thing (an
    index, a category, tag or author page, a page without a button): a
    thing's page holds its own payment link alone, and gets it from
    ``flattr_head`` or injection, so one call in ``base.html`` is right on
    every page. Nothing where the build offers no site thing (no
    ``FLATTR_USERNAME``, no feed written): no other file names it then.

    It prints a mark that ``complete_page`` settles on the page as
    written, as ``flattr_script()``'s: Jinja renders an include without
    context once, and prints that output on every page, whosever it was.
    """
    global _site_head_places_printed
    state = build.current
    if state.feeds.site_payment_url is None or state.page.context is None:
        return Markup("")
    if _in_a_feed("flattr_site_head"):
        return Markup("")
    _site_head_places_printed = True
    _note_caller("flattr_site_head", _SITE)
    return markup.SITE_HEAD_PLACE


def flattr_text(value: Any) -> Markup:
    """Jinja helper: ``value`` (HTML, as Pelican keeps a title, ``SITENAME``
    or ``SITESUBTITLE``) as text, the way the plugin reads it for a
    thing's title, ``og:title`` and a button's text, escaped for the page.

    Tags, comments and scripts are dropped, entities decoded and whitespace
    folded; a "<" that opens no tag stays text, as a browser shows it:
    ``A < B > C`` is not ``A C``, as Jinja's ``striptags`` makes it. None
    and an undefined value print nothing.
    """
    if value is None or isinstance(value, Undefined):
        return Markup("")
    if isinstance(value, (Content, *_NO_TEXTS)) or type(value) in _AS_THEMES_REACH_IT:
        # Their str() is no text of theirs: an article's is its source
        # file's absolute path on the machine that builds the site; a
        # list's, its items' reprs ("[<Author...>]"), read as HTML.
        _report_misused_helper(
            "flattr_text", value, "a text (article.title, SITENAME)", "article.title"
        )
        return Markup("")
    return Markup.escape(plain_text(str(value)))


# Collections, whose str() is their items' reprs (article.tags,
# article.authors): flattr_text() prints them as no theme means them.
_NO_TEXTS = (list, tuple, set, frozenset, dict)


def _report_script_hidden() -> None:
    """Warn that a page's flattr_script() printed where no browser runs it,
    once per template: the plugin put load.js before </body> instead."""
    _report_once_per_template(
        "flattr_script hidden",
        "flattr_script() is printed where no browser runs a script (in a "
        "comment, an attribute's value or a <noscript>?); the plugin adds "
        "load.js before </body> instead: print it outside them",
        build.warn,
    )


# Whether flattr_script() ever printed its mark in this process: pages are
# searched for it only then. Not reset for a new run: a flag set once too
# often costs a page one search, and one reset too early would let a mark
# through unsettled.
_loader_places_printed = False
# The same for flattr_site_head()'s mark.
_site_head_places_printed = False


def _auto_submit_url(content_thing: ContentThing, take: bool = False) -> str:
    """The thing's auto-submit URL, taken from the feeds when they built it
    (``take``: see ``_feed_url``), or from the spool once its own page has
    set it aside there: a theme that shows a button beside each summary
    asks for it again on every listing the thing is on (index, category,
    tag and author pages), which Pelican writes after the articles.
    Reading it back costs a tenth of building it again."""
    url = _feed_url(content_thing, take)
    if url is None and not take:
        url = build.current.url_spool.get(content_thing.url)
    return url or content_thing.auto_submit_url


def _feed_url(content_thing: ContentThing, take: bool = False) -> str | None:
    """The auto-submit URL the feeds built for this thing, if they did;
    ``take`` forgets it (its own page is the last to need it)."""
    feeds = build.current.feeds
    key = feed_key(content_thing.content_url)
    hrefs = feeds.payment_hrefs
    href = hrefs.pop(key, None) if take else hrefs.get(key)
    if href is not None and feeds.things_by_content_url.get(key) is content_thing:
        return url_of_href(href)
    return None


def _helper_content_thing(helper: str, content: Any) -> ContentThing | None:
    """``_content_thing(content)`` for a helper, reporting a value that is
    no article or page at all (a string, a list, an author).

    Such a call is a mistake in the theme, which would otherwise only see
    the button missing, or placed by injection instead of where it asked.
    Nothing, None and content without a thing are quiet: base templates
    pass ``article`` on every page.
    """
    content_thing = _content_thing(content)
    if content_thing is None and not (
        content is None or isinstance(content, (Undefined, Content))
    ):
        _report_misused_helper(helper, content, "an article or page")
    return content_thing


def _report_not_given(helper: str) -> None:
    """Warn, once per call site, of a helper called with no content (or
    author): it cannot tell the page's own, and prints nothing, which
    injection, when on, makes up for without a word."""
    if helper == "flattr_pending":
        problem = (
            "flattr_pending() is called with no author, so it gives None "
            "there: pass one, flattr_pending(author)"
        )
    else:
        problem = (
            f"{helper}() is called with no article or page, so it prints "
            f"nothing there: pass the page's own, {helper}(article) (or page)"
        )
    _warn_in_template(problem, _calling_template(line=True))


def _report_misused_helper(
    helper: str, value: Any, wanted: str, instead: str | None = None
) -> None:
    """Report a helper given the wrong kind of value, once per call site;
    ``instead``: what to pass in place of an article or page, or of one of
    the plugin's values (by default, the article or page itself).

    The value's type is named, never the value: a string may hold an
    owner's email address. The plugin's own values are named as a theme
    reaches them (``article.flattr``), not by the plugin's class names.
    """
    pending = helper == "flattr_pending"
    # flattr_pending() gives None, which Jinja prints as "None".
    result = "it gives None there" if pending else "it prints nothing there"
    reached = _AS_THEMES_REACH_IT.get(type(value))
    if reached is not None:
        hint = "" if pending else f"pass {instead or 'the article (or page) itself'}; "
        _report_call(f"{helper}() takes {wanted}, not {reached}: {hint}{result}")
        return
    kind = type(value).__name__
    hint = f"pass {instead}; " if instead and isinstance(value, Content) else ""
    _report_call(
        f"{helper}() takes {wanted}, not "
        f"{'an' if kind[0] in 'AEIOUaeiou' else 'a'} {kind}: {hint}{result}"
    )


# The plugin's values a theme reaches from an article, by where it finds
# them: "not a ContentThing" would name a class no theme author has seen.
# Pelican's paginator names its class Page, as a page is called: "not a
# Page" would contradict "takes an article or page".
_AS_THEMES_REACH_IT = {
    ContentThing: "article.flattr",
    Thing: "article.flattr.thing",
    Page: "a paginator's Page (articles_page)",
}


def _report_in_template(problem: str, template: str | None = None) -> None:
    """Report a mistake of ``template`` (by default the page's), named
    first, once: the template renders it again for every page it makes."""
    template = template or build.current.page.template or "a template"
    problem = f"{template}: {problem}"
    if problem not in build.current.messages.problems:
        build.report(problem)


def _report_call(problem: str) -> None:
    """Report a helper's call that is wrong under the template and line
    that hold the call, once for each: a call in ``base.html`` was reported
    again for each template that extends it, under that template's name,
    and a second wrong call of a template waited for the first's fix."""
    _report_in_template(problem, _calling_template(line=True))


def _calling_template(line: bool = False) -> str:
    """The name of the template whose code called the helper: the page's,
    or one it extends, includes or takes a macro from; with ``line``, as
    ``NAME:LINE``, the template's line that holds the call.

    Jinja runs each template's code in a namespace of its own that names
    the template; only reports ask for the line, which costs Jinja a parse
    of its line table.
    """
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None and template.name:
            if not line:
                return template.name
            number = template.get_corresponding_lineno(frame.f_lineno)
            return f"{template.name}:{number}"
        frame = frame.f_back
    return build.current.page.template or "a template"


def _warn_in_template(problem: str, template: str | None = None) -> None:
    """``_report_in_template``'s warning: a mistake of ``template`` (by
    default the page's) that the plugin made up for, so the page is whole."""
    template = template or build.current.page.template or "a template"
    build.warn_once(f"{template}: {problem}")


def _say_what_goes_without(
    rendered: PageRender,
    content_thing: ContentThing,
    needs_loader: bool,
    page: str,
    url: str | None,
    own_buttons: int | None,
    hidden_by_body: bool = False,
) -> None:
    """With ``FLATTR_INJECT`` off, warn once per template about the helpers
    it did not print for its own content (called, their output kept in a
    variable, counts as not printed), and report head tags printed where a
    browser does not read them: nothing else adds what they print (the
    audit reports each page). A button printed but ``hidden_by_body`` (the
    content's body leaves open what hides it, reported as its source's)
    counts as printed."""
    key = id(content_thing)
    head = key in rendered.heads
    if head and url is not None:
        problem = markup.printed_head_problem(page, url)
        head = problem != markup.HEAD_MISSING
        if head and problem is not None:
            _report_in_template(
                _head_problem(problem, injecting=False),
                _callers(rendered, "flattr_head", [key]),
            )
    button = bool(own_buttons) or hidden_by_body
    missing = [
        helper
        for helper, printed in (
            ("flattr_head()", head),
            ("flattr_button()", button),
            ("flattr_script()", not needs_loader),
        )
        if not printed
    ]
    # Called, but printed where no reader sees it (kept in a variable, in a
    # comment): "call it" would send the author to a call already there.
    called = {
        "flattr_head()": key in rendered.heads,
        "flattr_button()": key in rendered.buttons,
    }
    unseen = [helper for helper in missing if called.get(helper)]
    never = [helper for helper in missing if helper not in unseen]
    template = rendered.template or "a template"
    if never:
        them = "them" if len(never) > 1 else "it"
        build.warn_once(
            f"{template}: prints no {', '.join(never)} for its own article or "
            f"page, and FLATTR_INJECT is off, so nothing adds {them}: its pages "
            f"go without (call {them} in the template, or leave FLATTR_INJECT on)"
        )
    if unseen:
        them, prints = (
            ("them", "they print") if len(unseen) > 1 else ("it", "it prints")
        )
        build.warn_once(
            f"{template}: calls {', '.join(unseen)} for its own article or page, "
            f"but no reader sees what {prints} (kept in a variable and never "
            "printed, or printed in a comment, a script, a <textarea>, a "
            "<template> or a tag's attribute?), and FLATTR_INJECT is off, so "
            f"nothing adds {them}: its pages go without (print {them} where "
            "readers see the page, or leave FLATTR_INJECT on)"
        )


def _say_listing_goes_without_loader() -> None:
    """With ``FLATTR_INJECT`` off, warn once per template about a page
    without content of its own (a listing: index, category, tag...) that
    shows a reader embedded buttons and runs no load.js, its helpers having
    printed no flattr_script(): nothing adds one, and the buttons stay
    hidden (the audit reports each page)."""
    _report_once_per_template(
        "listing without load.js",
        "prints no flattr_script() for the embedded buttons it shows (of "
        "the articles it lists), and FLATTR_INJECT is off, so nothing adds "
        "it: its pages go without load.js, and no reader sees those buttons "
        "(call it in the template, after them, or leave FLATTR_INJECT on)",
        build.warn,
    )


def _own_content(context: Mapping[str, Any]) -> Any:
    """The article or page whose own page Pelican renders with ``context``
    (a listing's "page" is a Paginator's page, with no thing)."""
    return context.get("article") or context.get("page")


def _content_thing(content: Any) -> ContentThing | None:
    if content is None or isinstance(content, Undefined):
        return None
    value = getattr(content, "flattr", None)
    return value if isinstance(value, ContentThing) else None


def flattr_pending(author: Any = _NOT_GIVEN) -> PendingNotice | None:
    """Jinja helper: the flattrs waiting for ``author`` to claim, or None.

    Needs ``FLATTR_STORE``. The notice never holds an email address.
    """
    if author is _NOT_GIVEN:
        _report_not_given("flattr_pending")
        return None
    if author is None or isinstance(author, Undefined):
        return None
    if not isinstance(author, (Author, str)):
        # An article, a list of authors, a number: a name made of it would
        # match no author, and Pelican would warn that it cannot slugify it.
        _report_misused_helper("flattr_pending", author, "an author or author name")
        return None
    name = str(getattr(author, "name", author))
    if not name.strip():
        # No author's name: Pelican would warn that it cannot make a slug
        # of it ("Unable to generate valid slug"), naming no template.
        return None
    state = build.current
    notices = state.pending_notices
    if not notices:
        return None
    slug = getattr(author, "slug", None)
    if slug is None and state.pelican is not None:
        slug = Author(name, state.pelican.settings).slug  # as Pelican makes it
    # The FLATTR_AUTHORS key, found as owners are: by name, by slug, or by
    # the slug of the key ("bob builder" is Bob Builder).
    spelt = state.settings.author_slugs.get(slug) if state.settings else None
    for key in (name, slug, spelt):
        if key in notices:
            return notices[key]
    return None


def _reporting_wrong_arguments(
    helper: Callable[..., Any], nothing: Any
) -> Callable[..., Any]:
    """``helper`` as templates call it: given arguments it cannot take, it
    returns ``nothing`` and the mistake is reported, once per call site,
    instead of a traceback that ends the build.

    The arguments are checked only once the call has failed, so a right
    call costs no more than before. The report names the parameters, never
    a value: a string may hold an owner's email address.
    """
    signature = inspect.signature(helper)
    parameters = ", ".join(signature.parameters)
    takes = f"({parameters})" if parameters else "none"
    # What the template gets instead: Jinja prints None as "None".
    gives = "prints nothing" if nothing is not None else "gives None"

    @functools.wraps(helper)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return helper(*args, **kwargs)
        except TypeError:
            try:
                signature.bind(*args, **kwargs)
            except TypeError as wrong:
                _report_call(
                    f"{helper.__name__}() is called with arguments it cannot "
                    f"take ({wrong}): it takes {takes}, and {gives} there"
                )
                return nothing
            raise  # the arguments fit: a fault of the plugin's own

    return call


TEMPLATE_HELPERS = {
    "flattr_head": _reporting_wrong_arguments(flattr_head, Markup("")),
    "flattr_button": _reporting_wrong_arguments(flattr_button, Markup("")),
    "flattr_script": _reporting_wrong_arguments(flattr_script, Markup("")),
    "flattr_site_head": _reporting_wrong_arguments(flattr_site_head, Markup("")),
    "flattr_pending": _reporting_wrong_arguments(flattr_pending, None),
    "flattr_text": _reporting_wrong_arguments(flattr_text, Markup("")),
}


def prepare_templates(generators: list[Any]) -> None:
    """Give every generator's templates the helpers, and have them complete
    the pages they render.

    Done once all generators exist and before any of them loads a template
    (Pelican loads them in ``generate_output``): Jinja builds each template
    from its environment's ``template_class`` and each render's context from
    its ``context_class``, and by now any other plugin that sets its own
    class on ``generator_init`` has done so, whatever the order of
    ``PLUGINS``; ours are mixed in front of them. One that sets its own on
    ``all_generators_finalized`` too: ``get_writer`` comes next, and
    ``keep_templates_completing`` does this again there. A template some
    code loaded before now is given ours too (``_complete_loaded_templates``).
    """
    if not build.current.active:
        return
    build.current.generators = generators
    for generator in generators:
        env = getattr(generator, "env", None)
        if env is not None:
            env.template_class = _completing(env.template_class)
            env.context_class = _providing_helpers(env.context_class)
            _complete_loaded_templates(generator, env)


def _complete_loaded_templates(generator: Any, env: Any) -> None:
    """Have the templates loaded before the plugin prepared them complete
    their pages too.

    Another plugin listed before this one, or a theme's code, may load a
    template on an earlier signal (``generator.get_template("article")`` on
    ``article_generator_init``). Pelican keeps it in the generator's
    ``_templates`` and Jinja in ``env.cache``, built with the class it had
    then, and would render every page of it without the button, the
    payment link or the Open Graph tags, and without a word. Each such
    template gets our class mixed in where it is (a reference the other
    plugin keeps is then changed too); one whose class cannot take it (a
    class with ``__slots__``) is dropped from the cache, so that the next
    ``get_template`` loads it again with ours. Nothing is loaded before
    this on an ordinary build: the loop runs over two empty caches.
    ``finish.warn_about_pages_not_completed`` tells of a template held
    where neither cache has it.
    """
    loaded = getattr(generator, "_templates", None)
    for cache in (
        loaded if isinstance(loaded, dict) else None,
        getattr(env, "cache", None),
    ):
        if not cache:
            continue
        for key, template in list(cache.items()):
            if not isinstance(template, Template) or isinstance(
                template, _CompletesPages
            ):
                continue
            try:
                template.__class__ = _completing(type(template))
            except TypeError:
                del cache[key]


def keep_templates_completing(pelican: Any) -> None:
    """``prepare_templates`` again, right before Pelican loads the first
    template: a plugin that set its own class after ours, on the same
    signal, would otherwise have left every page without its button."""
    state = build.current
    if state.active and state.pelican is pelican:
        prepare_templates(state.generators)


def note_page_written(path: str, context: Any = None) -> None:
    """Note the thing whose own page Pelican has just written
    (``content_written``), for ``finish.warn_about_pages_not_completed``.

    Only pages Pelican writes are noted: a content with an empty
    ``save_as``, or whose page Pelican refuses to write again, is never
    compared (nor a draft, which has no thing). ``complete_page`` sets
    aside the auto-submit URL of each thing whose page it completed, and
    that is all that tells them: a set of them was ~1 MB of a
    20,000-article build's peak memory. Not the render context Pelican
    hands this signal: another plugin may render in between, or render
    with a dict of its own. A dict look-up or two per written page; no
    file is read.
    """
    state = build.current
    if state.settings is None or not isinstance(context, Mapping):
        return
    content_thing = _content_thing(_own_content(context))
    if content_thing is not None and state.url_spool.has(content_thing.url) is False:
        state.written_not_completed[id(content_thing)] = content_thing


class _ProvidesHelpers:
    """Mixed in front of a Jinja context class: a name that is neither a
    template variable nor a global is looked up among the helpers.

    Not Jinja globals: Jinja copies the globals with Pelican's context (some
    150 names) into a new dict for every page it renders and again for
    every include, and each helper's name is one more on every copy. On the
    benchmark's site they also pushed those dicts past a size at which
    CPython grows them: 8 to 12 % of the plugin's whole cost.
    """

    def resolve_or_missing(self, key: str) -> Any:
        # Jinja's documented hook; its own lookup is repeated rather than
        # called, since every name a template reads comes through here.
        if key in self.vars:  # type: ignore[attr-defined]
            return self.vars[key]  # type: ignore[attr-defined]
        if key in self.parent:  # type: ignore[attr-defined]
            return self.parent[key]  # type: ignore[attr-defined]
        helper = TEMPLATE_HELPERS.get(key, missing)
        if helper is missing and key.startswith("flattr_"):
            return _misspelt_helper(self.environment.undefined, key)  # type: ignore[attr-defined]
        return helper


def _misspelt_helper(undefined: type[Undefined], name: str) -> Any:
    """For ``name``, which no template variable, global or helper has: when
    it is close to a helper's (``flattr_buton``), an undefined value (of
    the environment's class) whose call is reported, once per call site,
    and prints nothing, so that the page is rendered on (injection adding
    what the helper would have printed) rather than Jinja stopping the
    build with a traceback. Only a call is a mistake: a theme may test a
    name of its own, ``{% if flattr_buttons is defined %}``. Any other
    name is Jinja's to judge: ``missing``."""
    if _helper_meant(name) is None:
        return missing
    return _reporting_its_call(undefined)(name=name)


@functools.cache
def _helper_meant(name: str) -> str | None:
    """The helper ``name`` is a misspelling of, if one is close enough."""
    return closest_name(name, {helper: helper for helper in TEMPLATE_HELPERS})


@functools.cache
def _reporting_its_call(undefined: type[Undefined]) -> type[Undefined]:
    """``undefined`` (Jinja's class of undefined values, a site's own too),
    whose call reports the misspelt helper instead of failing."""
    # Jinja asks what it calls for "jinja_pass_arg" (pass_context and its
    # like), which an undefined value answers by failing.
    return type(
        undefined.__name__,
        (undefined,),
        {
            "__slots__": (),
            "__call__": _call_misspelt_helper,
            "jinja_pass_arg": None,
        },
    )


def _call_misspelt_helper(self: Undefined, *args: Any, **kwargs: Any) -> Markup:
    """A misspelt helper's call: reported, once per call site; prints nothing."""
    name = str(self._undefined_name)
    _report_call(
        f"{name} is no helper of pelican-flattr, so its calls print nothing; "
        f"did you mean {_helper_meant(name)}()?"
    )
    return Markup("")


@functools.cache
def _providing_helpers(context_class: type) -> type:
    if issubclass(context_class, _ProvidesHelpers):
        return context_class
    return type(context_class.__name__, (_ProvidesHelpers, context_class), {})


class _CompletesPages:
    """Mixed in front of a Jinja template class: ``render()`` returns the
    page completed by ``complete_page``.

    Placing the markup in the rendered string, before Pelican writes it,
    costs a few string searches; reading every written page back and
    writing it again was ~40 % of the plugin's time.
    Includes and parent templates are not rendered through ``render()``, so
    this runs once per written page.
    """

    def render(self, *args: Any, **kwargs: Any) -> str:
        # Pelican passes one dict; copying its few hundred keys for every
        # page would be waste.
        one_dict = len(args) == 1 and not kwargs and isinstance(args[0], dict)
        context = args[0] if one_dict else dict(*args, **kwargs)
        build.current.page = PageRender(
            template=getattr(self, "name", None), context=context
        )
        page = super().render(*args, **kwargs)  # type: ignore[misc]
        return complete_page(page, context)


@functools.cache
def _completing(template_class: type) -> type:
    if issubclass(template_class, _CompletesPages):
        return template_class
    return type(template_class.__name__, (_CompletesPages, template_class), {})


def complete_page(page: str, context: dict[str, Any]) -> str:
    """Add to a rendered page what its theme's templates did not print.

    Themes that call the helpers get nothing added; others (such as
    ``notmyidea``) get the head tags, the button and, for an embedded
    button, load.js (see ``markup.inject``). The page's auto-submit URL is
    set aside for the manifest.

    Its steps run in a fixed order, which is the order of their messages:
    what the helpers printed is checked first, injection on or off; then,
    without injection, what the page goes without is said; with it, what
    the helpers left to add is found, and added.
    """
    state = build.current
    rendered = state.page
    if _is_feed(rendered):
        _check_feed(page)
        return page
    if _loader_places_printed and markup.LOADER_PLACE in page:
        # The theme printed flattr_script(): load.js is settled here, for
        # whatever the page shows.
        page = markup.place_loader(page, rendered.needs_loader, _report_script_hidden)
        rendered.has_loader = True
    settings = state.settings
    content = _own_content(context)
    content_thing = _content_thing(content)
    if _site_head_places_printed and markup.SITE_HEAD_PLACE in page:
        page = _settle_site_heads(page, content_thing)
    if settings is None:
        return page
    if _is_other_than_html(rendered):
        # A script, styles or JSON that TEMPLATE_PAGES writes (a client-side
        # search's buttons.js): HTML added to it breaks it.
        if rendered.needs_loader and not rendered.has_loader:
            _report_once_per_template(
                "embedded buttons in no page",
                "flattr_button() printed an embedded button into "
                f"{_output_name(rendered)}, which is no HTML page: the plugin adds "
                "nothing to it, and no load.js; the page that shows these "
                "buttons needs load.js (flattr_script() in its template)",
                build.warn,
            )
        return page
    # (A listing's "page" is a Paginator's page: no body of its own.)
    body_html = content.content if isinstance(content, Content) else ""
    title_html = getattr(content, "title", "") if isinstance(content, Content) else ""
    if body_html:
        _report_flattr_markup_in_body(content, content_thing, body_html)
    url = None
    own = _NO_OWN_BUTTONS
    if content_thing is not None:
        if state.written_not_completed:  # written before, by another template
            state.written_not_completed.pop(id(content_thing), None)
        url = _auto_submit_url(content_thing, take=True)
        state.url_spool.put(content_thing.url, url)
        own = _count_own_buttons(
            page, content_thing, url, body_html, title_html, settings
        )
    others_printed = _others_heads_printed(content_thing)
    if url is not None and id(content_thing) in rendered.heads:
        page = _merged_printed_head(
            page, content_thing, url, settings, others_printed, own
        )
    if rendered.site_heads and state.feeds.site_payment_url is not None:
        _check_site_head(page, state.feeds.site_payment_url)
    needs_loader = rendered.needs_loader and not rendered.has_loader
    # One search on a plain site's page: the plugin adds no load.js to it.
    # A listing, as the audit reads one, needs none where no thing's page
    # showed an embedded button (Pelican writes articles before listings).
    if (
        settings.button == "plain"
        and not rendered.needs_loader
        and "load.js" in page
        and (
            content_thing is not None
            or all(style == "plain" for style in state.shown_styles.values())
        )
    ):
        _report_unneeded_loader(page, body_html, content, content_thing, context)
    if not settings.inject:
        if content_thing is not None and url is not None:
            # Only beside what the helpers printed: without them the page
            # has no own payment link or button for the reports to speak
            # of, and the warning below says it goes without.
            _report_theme_snippets(
                page,
                content_thing,
                url,
                body_html,
                others_printed,
                head=id(content_thing) in rendered.heads,
                button=bool(own.seen),
            )
        _say_what_goes_without_injection(page, content_thing, url, needs_loader, own)
        return page
    if content_thing is None and not needs_loader:
        return page
    head_printed = _head_printed(page, content_thing, url)
    shown = _button_shown(content_thing, own)
    complete = head_printed and shown and rendered.complete_for(content_thing)
    if head_printed and content_thing is not None and url is not None:
        # markup.inject looks for an old snippet's payment link only where
        # it adds the head tags, and for its button only where it runs.
        _report_theme_snippets(
            page, content_thing, url, body_html, others_printed, button=complete
        )
    if complete:
        return page
    pairs = open_graph(content, content_thing, settings) if content_thing else ()
    updated = markup.inject(
        page,
        content_thing,
        body_html=body_html,
        needs_loader=needs_loader,
        open_graph=pairs,
        auto_submit_url=url,
        button_shown=shown,
        head_printed=head_printed,
        others_printed=others_printed,
        title_html=title_html,
        reports=_INJECT_REPORTS,
    )
    return page if updated is None else updated


def _settle_site_heads(page: str, content_thing: ContentThing | None) -> str:
    """``page`` with the site's payment link where flattr_site_head() printed
    its mark, on a page that is no thing's; on a thing's page, which holds
    its own payment link alone, with nothing there."""
    url = build.current.feeds.site_payment_url
    if content_thing is not None or url is None:
        return page.replace(markup.SITE_HEAD_PLACE, "")
    build.current.page.site_heads = page.count(markup.SITE_HEAD_PLACE)
    return page.replace(markup.SITE_HEAD_PLACE, markup.payment_link(url))


class _OwnButtons(NamedTuple):
    """What a page shows of its own content's button that the helpers
    printed (``_count_own_buttons``), as the later steps of ``complete_page``
    need it."""

    # How many of the page's own buttons a reader sees, when the helpers
    # printed one: they count calls, not output. None when they printed none.
    seen: int | None
    # What the body leaves open that hides a button the helpers printed
    # after it (a <TEXTAREA>, a <style>), which searches back miss; or the
    # title, printed as it is. None when nothing does.
    left_open: str | None
    # Who is told of left_open: the body's source, or the title's.
    report_left_open: Callable[[ContentThing, str], None]
    # The helpers reported for printing the page's own button or head
    # tags twice.
    printed_twice: frozenset[str]


def _count_own_buttons(
    page: str,
    content_thing: ContentThing,
    url: str,
    body_html: str,
    title_html: str,
    settings: FlattrSettings,
) -> _OwnButtons:
    """Count the page's own buttons a reader sees, when the helpers printed
    one, and find what hides them; report a helper that printed the page's
    own button or head tags twice; note the style the page shows its button
    in, for the manifest, when a template asked for another."""
    state = build.current
    rendered = state.page
    own_buttons = None
    left_open = None
    report_left_open = _report_body_left_open
    theme_style = rendered.styles.get(id(content_thing))
    if id(content_thing) in rendered.buttons:
        if body_html:
            left_open = markup.body_left_open(
                body_html, (theme_style or content_thing.button_style) != "plain"
            )
        own_buttons = markup.own_buttons_shown(
            page,
            content_thing,
            url,
            left_open is not None or markup.title_may_hide(title_html),
        )
        if not own_buttons and left_open is None:
            # The title, printed as it is, may hide it: its source's too.
            left_open = markup.title_hides_own_button(
                page, title_html, content_thing, url
            )
            report_left_open = _report_title_left_open
    printed_twice = _report_repeated_helpers(
        rendered, content_thing, page, url, own_buttons
    )
    if theme_style is not None and (own_buttons or not settings.inject):
        # The manifest records what the page shows: the theme's style
        # where a reader sees its button; where none does (kept in a
        # variable, printed in a comment), injection adds one in the
        # configured style. Without injection the theme's is all there is.
        state.shown_styles[content_thing.url] = theme_style
    return _OwnButtons(own_buttons, left_open, report_left_open, printed_twice)


def _others_heads_printed(content_thing: ContentThing | None) -> bool:
    """Whether the helpers printed head tags for another content than the
    page's own (reported here): ``markup.inject`` takes them for neither
    the theme's nor the page's."""
    rendered = build.current.page
    own = id(content_thing)
    others_printed = bool(rendered.heads) and (
        content_thing is None or len(rendered.heads) > 1 or own not in rendered.heads
    )
    if others_printed:
        # A listing's summaries, a related article: the tags say this page
        # is that content's, a second payment link and og: set beside the
        # page's own (the audit refuses such an article page).
        _report_in_template(
            "flattr_head() is called for an article or page that is not the "
            "page's own (a listing's, or another article's), and prints its "
            "payment link and Open Graph tags here, where they describe the "
            "wrong page: it belongs only on the content's own page, for its "
            "article (or page)",
            _callers(rendered, "flattr_head", [k for k in rendered.heads if k != own]),
        )
    return others_printed


def _merged_printed_head(
    page: str,
    content_thing: ContentThing,
    url: str,
    settings: FlattrSettings,
    others_printed: bool,
    own: _OwnButtons,
) -> str:
    """``page`` whose helpers printed its own head tags, with the theme's
    own Open Graph tags left out of them; warn when they push the page's
    ``<meta charset>`` past where a browser looks for it."""
    rendered = build.current.page
    if (
        settings.open_graph
        and not others_printed
        and "flattr_head" not in own.printed_twice
    ):
        # flattr_head() prints every property: beside a theme's own Open
        # Graph tags, readers and crawlers got two titles, two URLs (the
        # audit refuses it). The theme's are kept, as injection keeps them,
        # so that a theme is not worse off for calling the helper. The
        # helper printed twice, or for another content beside the page's
        # own, has its own report: the second tags are its, not the theme's.
        merged = markup.merge_theme_open_graph(
            page, content_thing, url, rendered.heads[id(content_thing)], _INJECT_REPORTS
        )
        if merged is not None:
            page = merged
    if markup.pushes_charset_out(page, url):
        _warn_in_template(
            _charset_pushed_out("flattr_head"),
            _callers(rendered, "flattr_head", [id(content_thing)]),
        )
    return page


def _check_site_head(page: str, url: str) -> None:
    """Say where flattr_site_head() printed the site's payment link (to
    ``url``) wrongly, as flattr_head()'s tags are said: twice, where a
    browser does not read it as the head's, or before ``<meta charset>``,
    pushing that past where a browser looks for it.

    Its output kept unprinted is not said: a listing needs no site link,
    and a call that tests it (``{% if flattr_site_head() %}``) is how a
    theme asks whether the site has a thing of its own.
    """
    rendered = build.current.page
    template = _callers(rendered, "flattr_site_head", [_SITE])
    if markup.own_payment_links(page, url) > 1:
        # As flattr_head()'s printed twice: a call too many, on every listing.
        _report_in_template(
            "flattr_site_head() prints the site's payment link more than once "
            "on a page; a page must show it once: print it once",
            template,
        )
    problem = markup.printed_head_problem(page, url)
    if problem not in (None, markup.HEAD_MISSING):
        # Nothing adds it in the head instead: a listing goes without.
        _report_in_template(
            _head_problem(problem, injecting=False, helper="flattr_site_head"),
            template,
        )
    if markup.pushes_charset_out(page, url):
        _warn_in_template(_charset_pushed_out("flattr_site_head"), template)


def _say_what_goes_without_injection(
    page: str,
    content_thing: ContentThing | None,
    url: str | None,
    needs_loader: bool,
    own: _OwnButtons,
) -> None:
    """With ``FLATTR_INJECT`` off, say what the page lacks that the helpers
    did not print, since nothing adds it."""
    rendered = build.current.page
    # A button the theme called only to test its output needs none, nor
    # one the theme's own load.js shows. (Searched only on pages whose
    # helpers printed an embedded button and no flattr_script().)
    needs_loader = (
        needs_loader
        and markup.shows_embedded_button(page)
        and not markup.has_loader(page)
    )
    if content_thing is not None:
        # The theme printed the button where it belongs, but the body
        # before it hides it: its source is to blame, not the theme.
        hidden_by_body = not own.seen and own.left_open is not None
        if hidden_by_body:
            own.report_left_open(content_thing, own.left_open)
        seen = own.seen
        if seen is None and url is not None and markup.may_show_button(page):
            # No flattr_button() for it: the theme's own link in its own
            # words (README, "flattr_button") is its button all the same.
            seen = markup.own_buttons_shown(page, content_thing, url)
        _say_what_goes_without(
            rendered, content_thing, needs_loader, page, url, seen, hidden_by_body
        )
    elif needs_loader:
        _say_listing_goes_without_loader()


def _head_printed(
    page: str, content_thing: ContentThing | None, url: str | None
) -> bool:
    """Whether the helpers printed the page's own head tags where a browser
    reads them as the head's; where they did not, the template is told,
    and injection adds them."""
    rendered = build.current.page
    if content_thing is None or id(content_thing) not in rendered.heads:
        return False
    problem = markup.printed_head_problem(page, url)
    if problem == markup.HEAD_MISSING:
        # Called, its output kept in a variable (or escaped with
        # |forceescape): the page is whole once injection adds the
        # tags, but the theme is wrong.
        _warn_in_template(
            "flattr_head() is called for the page's own article or page, "
            "but its output is not on the page (kept in a variable and "
            "never printed?); the plugin adds the tags to the head "
            "instead: print it inside <head>",
            _callers(rendered, "flattr_head", [id(content_thing)]),
        )
    elif problem is not None:
        # Its tags count only in the head: a browser, a feed reader and
        # the audit look nowhere else. Injection adds them there all the
        # same (early in the head, where text cannot have ended it),
        # whatever else the helpers printed.
        _report_in_template(
            _head_problem(problem, injecting=True),
            _callers(rendered, "flattr_head", [id(content_thing)]),
        )
    return problem is None


def _button_shown(content_thing: ContentThing | None, own: _OwnButtons) -> bool | None:
    """Whether a reader sees the page's own button that the helpers printed
    (None when they printed none for the page's own content:
    ``markup.inject`` searches the page); where none does, the template or
    the content's source is told, and injection adds one after the body."""
    rendered = build.current.page
    # Other articles' buttons (a sidebar's) say nothing of the page's own,
    # which the theme may print as its own link (README, "flattr_button"):
    # the page is searched for it, as when the helpers printed none. The
    # helpers count calls, not output: a button kept in a variable and
    # never printed is not there, which one search of the page tells.
    shown = True if id(content_thing) in rendered.buttons else None
    if shown and not own.seen and own.left_open is not None:
        # The body hides the button printed after it, and the one added
        # after it too: its source is to blame, not the theme.
        own.report_left_open(content_thing, own.left_open)
        shown = False
    elif shown and not own.seen:
        _warn_in_template(
            "flattr_button() is called for the page's own article or page, but "
            "no reader sees its button (kept in a variable and never printed, "
            "or printed in a comment, a script, a <textarea>, a <template>, a "
            "tag's attribute, or, an embedded one, a <noscript>?); the plugin "
            "adds it after the body instead: print it where the button belongs",
            _callers(rendered, "flattr_button", [id(content_thing)]),
        )
        shown = False
    return shown


# What each helper prints, as _head_problem says it does nothing.
_PRINTED = {
    "flattr_head": ("its tags do", "its tags are", "they do"),
    "flattr_site_head": ("its payment link does", "its payment link is", "it does"),
}


def _head_problem(problem: str, injecting: bool, helper: str = "flattr_head") -> str:
    """What a template is told when ``helper`` (flattr_head, for the page's
    own head tags, or flattr_site_head) printed where a browser does not
    read it as the head's; ``injecting``: whether the plugin adds the tags
    to the head instead."""
    added = "; the plugin adds them early in the head instead" if injecting else ""
    does, is_, they_do = _PRINTED[helper]
    if problem == markup.HEAD_OUTSIDE:
        return (
            f"{helper}() prints outside <head>, where {does} nothing: "
            "call it inside <head>"
        )
    if problem == markup.HEAD_HIDDEN:
        return (
            f"{helper}() prints in the head, but inside a comment, a "
            f"<template> or the text of a <script> or <title>, where {does} "
            f"nothing{added}: call it in the head itself, outside them"
        )
    if injecting:
        # Not "instead": what the helper printed in the body stays there, a
        # second set that readers, crawlers and the audit still find.
        added = (
            "; the plugin adds them early in the head too, and the page holds "
            "two sets (the audit refuses it)"
        )
    return (
        f"{helper}() prints after something that ends the head early for a "
        'browser (text, such as an unescaped quote and ">" in a description '
        "<meta>, an element a head cannot hold, or a </body>, </html> or "
        f"</br>), so {is_} in the body, where {they_do} "
        f"nothing{added}: call {helper}() before it "
        "(right after <meta charset>), or escape that text"
    )


def _charset_pushed_out(helper: str) -> str:
    """What a template is told when ``helper`` printed before the page's
    ``<meta charset>``, pushing it past where a browser looks for it."""
    return (
        f"{helper}() prints before <meta charset>, which then ends past the "
        "first 1,024 bytes of the page, where a browser looks for it: call "
        f"{helper}() right after <meta charset>"
    )


def _report_theme_snippets(
    page: str,
    content_thing: ContentThing,
    url: str,
    body_html: str,
    others_printed: bool,
    head: bool = True,
    button: bool = True,
) -> None:
    """Report on a page whose head tags the helpers printed (or, without
    injection, what they printed) what ``markup.inject`` reports where it
    adds them: with ``head``, a payment link to Flattr in the head that is
    not the page's own and, with ``button``, a Flattr button the plugin did
    not render: an old snippet a theme kept in base.html beside the
    helpers' calls. A strict build passed on them, and only the audit
    refused the pages."""
    if head and markup.has_other_payment_link(page, url, others_printed):
        _report_other_payment_link(content_thing)
    if button and markup.theme_shows_other_button(page, body_html):
        _report_other_button(content_thing)


def _report_other_payment_link(content_thing: ContentThing) -> None:
    """Report, once per template, a payment link to Flattr in a page's head
    that is not its content's own: a site-wide one a theme kept from before
    the plugin, or one in text the theme prints unescaped (notmyidea's
    title). The page gets its own all the same, and so holds two."""
    _report_once_per_template(
        "other payment link",
        f"the page of {content_thing.source} already has a payment link to "
        "Flattr that is not its own thing's (a site-wide one the theme "
        "prints?); the page gets its own too, and two payment links leave "
        "readers to guess (the audit refuses the page): remove the theme's",
    )


def _report_other_button(content_thing: ContentThing) -> None:
    """Report, once per template, a Flattr button on a content's page that
    the plugin did not render: an old snippet a theme kept from before the
    plugin (a static auto-submit link, an embedded ``FlattrButton``). The
    plugin adds its own all the same, and a click on the theme's may make
    another owner the thing's first, which Flattr keeps."""
    _report_once_per_template(
        "other button",
        f"the page of {content_thing.source} shows a Flattr button the theme "
        "prints itself (an old snippet?), beside its own: two buttons leave "
        "readers to guess, and the theme's may pay another owner (the audit "
        "refuses the page): remove the theme's",
    )


# The Flattr markup flattr_markup_in_body() finds, as a report names it.
_BODY_MARKUP = {
    "a": (
        "a Flattr button (a link to Flattr's auto-submit URL, or an <a> of "
        "class FlattrButton or flattr-button)"
    ),
    "link": 'a payment link to Flattr (<link rel="payment">)',
}


def _report_unneeded_loader(
    page: str,
    body_html: str,
    content: Any,
    content_thing: ContentThing | None,
    context: Mapping[str, Any],
) -> None:
    """Report Flattr's load.js that ``page``, on a site of plain buttons
    (``FLATTR_BUTTON``), runs as it loads though no embedded button on it
    needs it: a theme's from before the plugin, kept in base.html, or one
    an author pasted into the body (then its source is told). Each
    reader's browser asks Flattr for it before any click, which the plain
    button exists to avoid; the audit refuses the page
    (``loader-unneeded``). Said once for the build, naming the templates
    whose source holds it, every page that loads it counted."""
    # An embedded button of any making (a theme's old snippet, reported as
    # such) needs load.js: the audit counts every FlattrButton.
    if "FlattrButton" in page:
        return
    src = markup.running_flattr_loader(page)
    if src is None:
        return
    settings = build.current.settings
    siteurl = settings.siteurl if settings is not None else ""
    loads = (
        f"Flattr's load.js ({shown_value(src)}) though no embedded button on it "
        f"needs it: {markup.who_asks_for_loader(src, siteurl)}, which the plain "
        "button (FLATTR_BUTTON = 'plain') exists to avoid"
    )
    consent = (
        'where one must stay, hold it back for consent (type="text/plain"), '
        "as docs/privacy.md writes it"
    )
    if body_html and markup.running_flattr_loader(body_html) is not None:
        source = (
            content_thing.source
            if content_thing is not None
            else build.source_path(content)
        )
        build.current.loader_in_a_body = True
        if build.first_in_run(f"loader in body: {source}"):
            build.report(
                f"{source}: its text holds a <script> that loads {loads}: remove "
                f"it, or quote it as code (escaped); {consent}"
            )
        return
    if content_thing is None and build.current.loader_in_a_body:
        return  # a listing that may show that text (articles come first)
    page_name = (
        f"the page of {content_thing.source}"
        if content_thing is not None
        else f"the page {shown_value(context.get('output_file', ''))}"
    )
    if not build.first_of_many(
        "unneeded loader",
        "",
        f" pages in all (the first: {page_name}) load Flattr's load.js though no "
        "button on them needs it, as said above",
    ):
        return
    holders = _templates_naming_flattr_loader()
    holds = "holds" if len(holders) == 1 else "hold"
    theme = (
        f"the theme's {listed(holders)}, which {holds} it: {page_name}"
        if holders
        else f"{build.current.page.template or 'a template'} (or a template it "
        f"extends or includes): {page_name}"
    )
    build.report(
        f"{theme} loads {loads}: take the <script> out of the theme, as the plugin "
        f"adds load.js where an embedded button needs it; {consent}"
    )


def _templates_naming_flattr_loader() -> list[str]:
    """The names of the theme's templates whose source names a load.js on
    flattr.com: where a report of a page's unneeded load.js sends the
    reader (base.html, rather than each template that extends it). Read
    once, for that report."""
    for generator in build.current.generators or ():
        env = getattr(generator, "env", None)
        if env is None or env.loader is None:
            continue
        names = []
        # Pelican lists each of the theme's templates again under "!theme/",
        # and its simple theme's under "!simple/", which has no load.js.
        try:
            listed_names = env.list_templates(filter_func=lambda n: n[:1] != "!")
        except TypeError:  # a loader that cannot list (a FunctionLoader)
            return []
        for name in listed_names:
            try:
                source = env.loader.get_source(env, name)[0]
            except (TemplateNotFound, OSError, UnicodeDecodeError):
                continue
            if markup.names_flattr_loader_in(source):
                names.append(name)
        return names
    return []


def _report_flattr_markup_in_body(
    content: Content, content_thing: ContentThing | None, body_html: str
) -> None:
    """Report, once per content, Flattr markup its body holds
    (``markup.flattr_markup_in_body``): an old snippet its author pasted
    in, which pays whoever it names on the content's page (beside its own
    button and payment link, when it has a thing) and on each listing
    that shows its text. The audit refuses those pages; the theme is not
    to blame."""
    found = markup.flattr_markup_in_body(body_html)
    if not found:
        return
    source = (
        content_thing.source
        if content_thing is not None
        else build.source_path(content)
    )
    if build.first_in_run(f"flattr markup in body: {source}"):
        build.report(
            f"{source}: its text holds "
            f"{listed([_BODY_MARKUP[kind] for kind in sorted(found)])}, "
            "written into it rather than by the plugin: it pays whoever it "
            "names, on its page and on any listing that shows its text (the "
            "audit refuses those pages): remove it, or quote it as code "
            "(escaped)"
        )


# What a body may leave open (markup.body_left_open), as a report names it,
# and what that makes of the rest of its page; any other is a tag ("<img")
# or an element of text, whose text runs on.
_LEFT_OPEN = {
    markup.COMMENT: ("opens a comment (<!--) and never closes it", "commented out"),
    "template": ("opens <template> and never closes it", "inert"),
    "noscript": (
        "opens <noscript> and never closes it",
        "text wherever scripts run",
    ),
    "plaintext": ("opens <plaintext>, which nothing closes", "the <plaintext>'s text"),
    markup.ESCAPED_SCRIPT: (
        'opens <script> and never closes it: its </script> lies in text a "<!--" '
        'escaped (a "<script" after the "<!--", and no "-->" before it), where '
        "it ends no script",
        "the <script>'s text",
    ),
    markup.CDATA: (
        "ends inside a CDATA section (<![CDATA[ in an <svg> or a <math>) that "
        "no ]]> closes",
        "the section's text",
    ),
    **{
        markup.FOREIGN_LEFT_OPEN[namespace]: (
            f'leaves an <{namespace}> open and ends in a bogus comment ("<?", '
            '"<!" or "</" and no tag name), which swallows the next tag',
            f"read as {language}, where no link is HTML's",
        )
        for namespace, language in (("svg", "SVG"), ("math", "MathML"))
    },
}


def _left_open_words(left_open: str) -> tuple[str, str]:
    """What a body or a title does that leaves ``left_open`` open
    (``markup.body_left_open``), and what that makes of the rest of its page,
    as a report says them."""
    if left_open.startswith("<") and left_open not in _LEFT_OPEN:
        # A quoted value never closed, or a tag of an <svg> cut short.
        return (
            f"leaves a tag open ({left_open} ...), never closed by '>'",
            "swallowed by that tag",
        )
    return _LEFT_OPEN.get(
        left_open,
        (
            f"opens <{left_open}> and never closes it (no </{left_open}>)",
            f"the <{left_open}>'s text",
        ),
    )


def _report_title_left_open(content_thing: ContentThing, left_open: str) -> None:
    """Report, once per content, a title that leaves open what hides the
    rest of its page (``markup.title_left_open``), a theme printing it as it
    is, as Pelican keeps titles HTML: the button has no place a reader
    sees. The source is to blame: the theme may print titles as HTML."""
    what, becomes = _left_open_words(left_open)
    source = content_thing.source
    if build.first_in_run(f"title left open: {source}"):
        build.report(
            f"{source}: its title {what}, and the theme prints the title as it "
            "is (Pelican keeps titles as HTML), so the rest of its page after "
            f"the title, the Flattr button too, is {becomes}: no reader sees the "
            "button (the audit refuses the page): write it as "
            f"{markup.escaped_opening(left_open)} in the title"
        )


def _report_body_left_open(content_thing: ContentThing, left_open: str) -> None:
    """Report, once per content, a body that leaves open what hides the
    rest of its page from every reader (``markup.body_left_open``): a
    ``<textarea>`` or ``<style>`` whose text runs on, a comment, a
    ``<template>``... The button after the body is hidden with it, and
    nowhere after the body would be seen: the source is to blame, not the
    theme."""
    what, becomes = _left_open_words(left_open)
    source = content_thing.source
    if build.first_in_run(f"body left open: {source}"):
        build.report(
            f"{source}: its text {what}, so the rest of its page, the Flattr "
            f"button after it too, is {becomes}: no reader sees the button (the "
            "audit refuses the page): close it in the source, or quote it as "
            "code (escaped)"
        )


def _report_head_ended(content_thing: ContentThing) -> None:
    """Report, once per template, a page whose head a browser has ended
    before the place of the plugin's head tags: markup or text before
    ``<head>`` or in a tag of the page's opening, as notmyidea prints an
    article's ``Lang:`` unescaped into ``<html lang>``. The tags are in the
    body then, where no reader of payment links looks."""
    _report_once_per_template(
        "head ended",
        f"the page of {content_thing.source} has markup or text before the "
        "place of its head tags (before <head>, in its <html> tag, or in the "
        'head before <meta charset>: a value with a quote and ">" printed '
        "unescaped, such as a Lang: in <html lang>, or a <noscript> with an "
        "<img>), which ends the head for a browser: the payment link and Open "
        "Graph tags land in the body, where no reader looks (the audit refuses "
        "the page); correct the value, or escape it in the theme",
    )


def _report_theme_tags_ended(
    content_thing: ContentThing, ended_by: str, properties: tuple[str, ...]
) -> None:
    """Report, once per template, a page whose head a browser ends before
    the theme's own Open Graph tags: they are in the body then, where
    crawlers that read the head do not look. The plugin leaves out its own
    of those properties all the same: the page holds one of each, as it
    will once the theme is corrected (two would make the audit refuse
    it)."""
    if ended_by == html_reader.TEXT:
        cause = (
            "text in its head (such as a value printed unescaped into a "
            '<meta>, whose quote and ">" end the tag too soon)'
        )
        advice = "escape the value in the theme with |e (|striptags|e for a summary)"
    elif ended_by.startswith("/"):
        # "</body>" and its like, read in a head as the body's start.
        cause = f"an end tag <{ended_by}> in its head"
        advice = "take it out of the head"
    else:
        cause = f"an element a head cannot hold (<{ended_by}>) in its head"
        advice = "move it into <body>"
    _report_once_per_template(
        "theme tags in body",
        f"the page of {content_thing.source} has {cause}, which ends the head "
        f"for a browser before the theme's own {listed(list(properties))}: "
        f"they are in the body, where they do nothing; {advice}",
    )


def _report_theme_tags_named(
    content_thing: ContentThing, properties: tuple[str, ...]
) -> None:
    """Warn, once per template, of a page whose theme writes Open Graph
    tags as ``<meta name="og:title">``, which Open Graph readers do not
    take for the property: the plugin adds its own ``property=`` tags of
    ``properties`` beside them, as on a page without them, and readers
    that take both forms (Facebook's crawler) see two of each. The
    plugin's stay: left out, strict readers would find none."""
    _report_once_per_template(
        "theme tags named",
        f"the page of {content_thing.source} has the theme's own "
        f'{listed(list(properties))} written as <meta name="…">, where Open '
        "Graph readers look for property=: the plugin adds its own of those as "
        '<meta property="…"> all the same, so readers that take both '
        "(Facebook's crawler) see two of each, which may disagree; write "
        "property= for them in the theme, and the plugin leaves its own out",
        build.warn,
    )


def _report_theme_tags_blank(
    content_thing: ContentThing, properties: tuple[str, ...]
) -> None:
    """Warn, once per template, of a page whose theme prints Open Graph
    tags of ``properties`` with no content, or a blank one (``{{
    article.og_description }}`` of a field no article sets): they told
    crawlers the page has no title or description. The plugin keeps its
    own of those and takes the theme's blank ones out, so that the page
    holds one of each; the theme should print them only with a value."""
    _report_once_per_template(
        "theme tags blank",
        f"the page of {content_thing.source} has the theme's own "
        f"{listed(list(properties))} with no content, or a blank one: the plugin "
        "keeps its own of those and takes the theme's empty ones out; print them "
        "in the theme (or a template it extends) only with a value, "
        "{% if ... %}<meta property=...>{% endif %}, or leave them to the plugin",
        build.warn,
    )


# An absolute URL's start: a scheme and "//". A theme's og:url without one
# ("./a.html" under RELATIVE_URLS, "/a.html") is one no crawler can use.
_ABSOLUTE_URL = lazy_regex(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _report_theme_url_wrong(content_thing: ContentThing, theirs: str, url: str) -> None:
    """Report, for the first page of a template, a theme's own og:url
    (``theirs``) that is not the page's thing URL (``url``), the pages
    that share it counted at the build's end: a site-wide one, as themes
    print {{ SITEURL }} in base.html on every page, tells crawlers the page
    is another (the site's home); a relative one (RELATIVE_URLS makes
    those built on SITEURL relative; the page's path, on any build) is no
    og:url at all. The plugin leaves out its own, as for any property the
    theme emits: a second og:url would leave crawlers to guess.

    Both values are quoted, each named: the thing URL alone read as the
    theme's bad value. The theme's may hold anything, an address too.
    """
    settings = build.current.settings
    development = settings is not None and build.development_build(settings)
    if development and _is_page_url_here(theirs, content_thing):
        # The published build, on the public SITEURL, prints the thing URL
        # there and checks it: said on every local preview, it was noise.
        return
    template = build.current.page.template or "a template"
    source = content_thing.source
    if not build.first_of_many(
        f"theme og:url: {template}",
        f"{template}: ",
        f" pages in all ({source}'s the first) have an og:url of the theme's "
        "that is not their thing URL, as said above",
    ):
        return
    pelican = build.current.pelican
    # The page's path, as {{ article.url }} prints it (a "/" before it, or
    # not): this same page, wrong on every build as no absolute URL, and
    # not built on SITEURL (relative under RELATIVE_URLS) either.
    path = content_thing.content_url
    own_path = bool(path) and theirs.strip().lstrip("/") == path
    if development and not own_path:
        # No URL built on an empty or local SITEURL is absolute: what is
        # wrong is the page it names.
        why = (
            "it is not the page's URL under this development build's SITEURL "
            "either, so it names another page (the site's home?)"
        )
    elif _ABSOLUTE_URL.match(theirs.strip()):
        why = "it tells crawlers the page is another (the site's home?)"
    elif pelican is not None and pelican.settings.get("RELATIVE_URLS") and not own_path:
        why = (
            "og:url must be an absolute URL, and RELATIVE_URLS makes the URLs "
            "a theme builds on SITEURL relative"
        )
    else:
        # Blamed on RELATIVE_URLS when it was off, a theme printing
        # "/{{ article.url }}" was sent to a setting that changes nothing.
        why = "og:url must be an absolute URL, with its scheme (https://…)"
    # The tag is the theme's text, not a helper's call: which of the
    # page's templates printed it is not known.
    build.report(
        f"{template} (or a template it extends or includes): the page of "
        f"{source} has an og:url of the theme's that is not its thing URL (the "
        f"theme's: {shown_value(theirs)}; the thing URL: {shown_value(url, 300)}):"
        f" {why}; the plugin adds no second one (the audit refuses the page): "
        "for articles and pages, override the block that prints it, leaving "
        "og:url out (the plugin adds the right one) or printing the thing URL: "
        "{% if article.flattr %}{{ article.flattr.url|e }}{% else %}(the "
        "theme's own){% endif %} (page.flattr in page.html)"
    )


def _is_page_url_here(theirs: str, content_thing: ContentThing) -> bool:
    """Whether a theme's og:url is its page's URL under the build's own
    SITEURL, as ``{{ SITEURL }}/{{ article.url }}`` prints it: empty, local,
    or (``RELATIVE_URLS``) the page's way up to the site's root."""
    path = content_thing.content_url
    theirs = theirs.strip()
    pelican = build.current.pelican
    if not path or pelican is None or not theirs.endswith("/" + path):
        return False
    base = theirs[: -len(path)].rstrip("/")
    if pelican.settings.get("RELATIVE_URLS") and not base.strip("./"):
        return True  # ".", "..", "../..": Pelican's SITEURL for the page
    return base == str(pelican.settings.get("SITEURL") or "").rstrip("/")


def _report_once_per_template(
    kind: str, problem: str, say: Callable[[str], object] = build.report
) -> None:
    """Report ``problem`` of a page (or ``say`` it: ``build.warn``), after
    its template's name, for the first page of that template that has a
    problem of this ``kind``: the others would repeat it, each naming
    another source."""
    template = build.current.page.template or "a template"
    if build.first_in_run(f"{kind}: {template}"):
        say(f"{template}: {problem}")


# What a template is told to do when injection cannot tell where the button
# belongs.
_WHERE_IT_BELONGS = (
    "call flattr_button(article), or flattr_button(page), where the button belongs"
)


def _report_body_not_shown(
    content_thing: ContentThing, landmark: str | None, why: str
) -> None:
    """Report, once per template, a page that shows no copy of its
    content's body for injection to put the button after (``why``, one of
    ``markup``'s ``BODY_*``): a theme that prints the summary on the
    article's own page, or filters the body, or prints it only where no
    reader sees it; a body so short that the page holds it more than once,
    which copy is the body untold; or an empty body.

    A warning when the button went before the page's last ``landmark``
    instead (inside whatever that closes: a "Related" box, perhaps); an
    error when the page has none, since it then has no button and the
    audit refuses it.
    """
    template = build.current.page.template or "a template"
    # Once per template, cause and landmark: a later page of the template
    # that gets no button at all (no landmark), or one after the footer, or
    # another cause, must still be said.
    outcome = (
        "have no button, for the reason said above (the audit lists them)"
        if landmark is None
        else f"have their button before their last {landmark}, for the reason "
        "said above"
    )
    if not build.first_of_many(
        f"body not shown: {template}: {why}: {landmark}",
        f"{template}: ",
        f" pages in all ({content_thing.source}'s the first) {outcome}",
    ):
        return
    problem = f"{template}: the page of {content_thing.source} {_NOT_AFTER[why]}"
    if landmark is None:
        build.report(
            f"{problem}, and the page has no </article>, </main> or </body> "
            "that a reader sees to put it before: it has no button (the audit "
            "refuses it): "
            f"{_WHERE_IT_BELONGS}"
        )
    elif landmark == "</body>":
        build.warn(
            f"{problem}; it went before the page's </body>, after everything "
            f"else on it (the site's footer too): {_WHERE_IT_BELONGS}"
        )
    else:
        build.warn(
            f"{problem}; it went before the page's last {landmark}, which may "
            f"close something else (a box of related posts): {_WHERE_IT_BELONGS}"
        )


# Why a page's button cannot go after its body, as _report_body_not_shown
# says it.
_NOT_AFTER = {
    markup.BODY_FILTERED: (
        "does not show its body as Pelican renders it (the summary in its "
        "place, or the body filtered), so the plugin cannot put the button "
        "after it"
    ),
    markup.BODY_HIDDEN: (
        "shows its body only where no reader sees it (in a comment, a "
        "script, a template, a noscript or an attribute), so the plugin "
        "cannot put the button after it"
    ),
    markup.BODY_SHORT: (
        "holds its body, 20 characters or fewer, more than once (a summary "
        "equal to the body, in a sidebar or a lead?), and which copy is the "
        "body cannot be told of so short a text, so the plugin cannot put the "
        "button after it"
    ),
    markup.BODY_EMPTY: (
        "has an empty body, so the plugin has nothing to put the button after"
    ),
}


def _report_body_shown_twice(content_thing: ContentThing) -> None:
    """Warn, once per template, of a page that shows its content's body to
    readers more than once: a short article's summary is its whole body,
    and a sidebar of recent posts printed before the article (or a lead
    above the body) shows it first. The button goes after the first copy,
    as documented, which may be the sidebar's."""
    _report_once_per_template(
        "body shown twice",
        f"the page of {content_thing.source} shows its body more than once "
        "where readers see it (a summary equal to the body, in a sidebar or a "
        "list?), and the plugin puts the button after the first copy, which "
        f"may not be the article's: {_WHERE_IT_BELONGS}",
        build.warn,
    )


def _report_repeated_helpers(
    rendered: PageRender,
    content_thing: ContentThing,
    page: str,
    url: str,
    own_buttons: int | None,
) -> frozenset[str]:
    """Report a helper that printed the page's own button or head tags
    twice; return the helpers reported. ``own_buttons``: how many of its
    buttons a reader sees, when the helpers printed one.

    A thing's page shows one button and one set of head tags: two payment
    links or two ``og:title`` confuse readers and crawlers, and the audit
    refuses such a page. Another article's button, twice in a listing, is
    the theme's choice. The page tells, not the calls: one made only to
    test its output (``{% if flattr_button(article) %}``) prints nothing,
    and one kept in a variable may be printed twice.
    """
    key = id(content_thing)
    shown = {
        "flattr_head": key in rendered.heads and markup.own_payment_links(page, url),
        "flattr_button": own_buttons or 0,
    }
    reported = []
    for helper, count in shown.items():
        if count > 1:
            own_links = helper == "flattr_button" and (
                markup.helper_buttons_printed(page, content_thing, url) < count
            )
            _report_repeated_helper(rendered, helper, content_thing, own_links)
            reported.append(helper)
    return frozenset(reported)


def _report_repeated_helper(
    rendered: PageRender,
    helper: str,
    content_thing: ContentThing,
    own_links: bool = False,
) -> None:
    """Report, for the first page of the templates that hold its calls, a
    helper that printed the page's own button or head tags twice, the
    pages that share it counted at the build's end. A page that shows
    other things' buttons too most likely printed its own again in their
    loop (the newest articles in a sidebar, the page's own among them):
    the report says how to leave it out. ``own_links``: some of the
    buttons are the theme's own links (README, "flattr_button"), not the
    helper's output, which the report says."""
    templates = (
        _callers(rendered, helper, [id(content_thing)])
        or rendered.template
        or "a template"
    )
    source = content_thing.source
    what = "their own button" if own_links else f"{helper}() for their own article"
    if not build.first_of_many(
        f"repeated {helper}: {templates}",
        f"{templates}: ",
        f" pages in all ({source}'s the first) show {what}"
        f"{'' if own_links else ' or page'} more than once, as said above",
    ):
        return
    loop = ""
    leave_out = "{% for a in articles[:5] if a != article %}"
    if helper == "flattr_button" and len(rendered.buttons) > 1:
        loop = (
            "; a loop over other articles' buttons (recent posts in a sidebar?) "
            f"shows the page's own too unless it leaves it out: {leave_out}"
        )
    elif own_links:
        # Its own links tell nothing of a loop: a fallback for readers
        # without JavaScript is as likely.
        loop = (
            "; if the theme's link is in a loop over articles (recent posts in "
            f"a sidebar?), leave the page's own out: {leave_out}; if it is a "
            "fallback beside flattr_button() (in a <noscript>), remove it"
        )
    shown = (
        "its own button more than once (flattr_button() beside a link of the "
        "theme's own with the plugin's classes and its auto-submit URL)"
        if own_links
        else f"{helper}() for its own article or page more than once"
    )
    build.report(
        f"{templates}: the page of {source} shows {shown}; a page must show "
        f"it once (the audit refuses it): print it once{loop}"
    )


# Whom markup.inject and markup.merge_theme_open_graph tell of a page's
# problems: the same for every page, so built once, here, below the reports.
_INJECT_REPORTS = markup.InjectReports(
    other_payment_link=_report_other_payment_link,
    body_not_shown=_report_body_not_shown,
    body_shown_twice=_report_body_shown_twice,
    head_ended=_report_head_ended,
    theme_tags_ended=_report_theme_tags_ended,
    theme_url_wrong=_report_theme_url_wrong,
    theme_tags_named=_report_theme_tags_named,
    theme_tags_blank=_report_theme_tags_blank,
    other_button=_report_other_button,
    body_leaves_open=_report_body_left_open,
    title_leaves_open=_report_title_left_open,
)
# A page without content of its own: no button of its own either.
_NO_OWN_BUTTONS = _OwnButtons(None, None, _report_body_left_open, frozenset())
