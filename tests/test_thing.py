"""The thing's fields obey Flattr's rules, and its auto-submit URL encodes them."""

import html
import re
import time
from types import MappingProxyType
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from pelican_flattr.identifiers import Owner, hash_email, parse_owner
from pelican_flattr.markup import embedded_button
from pelican_flattr.resolve import ContentThing
from pelican_flattr.thing import (
    _MARKUP,
    AUTO_SUBMIT_BASE,
    CATEGORIES,
    FLATTR_LANGUAGE_CODES,
    NOT_UNICODE,
    Thing,
    ThingError,
    _gap,
    bcp47,
    category_choices,
    check_pinned_url,
    check_thing_url,
    comparable_host,
    first_words,
    flattr_category,
    flattr_language,
    html_lang,
    is_development_url,
    loader_length,
    make_thing,
    percent_encode,
    plain_text,
    printable_text,
    read_language,
    shorten,
    split_tags,
    strip_html,
    thing_description,
    thing_tags,
    thing_title,
    url_safe,
)


def test_flattr_has_its_seven_categories_and_no_other():
    # The seven of Flattr's auto-submit documentation, which the settings
    # and the metadata are checked against. "Other" is how Flattr shows
    # rest, not a category of its own.
    assert CATEGORIES == (
        "text",
        "images",
        "video",
        "audio",
        "software",
        "people",
        "rest",
    )


@pytest.mark.parametrize("written", ["other", "Other", " OTHER "])
def test_whoever_writes_other_is_told_it_is_rest(written):
    # Flattr showed rest as "Other": a Flattr_category: Other, in any letter
    # case, is someone who means rest.
    assert category_choices(written).endswith('(Flattr shows rest as "Other")')


@pytest.mark.parametrize("written", ["blog", "Text", None])
def test_other_categories_are_told_the_seven_alone(written):
    assert category_choices(written) == (
        "choose one of text, images, video, audio, software, people, rest"
    )


def test_flattr_has_44_language_codes():
    assert len(FLATTR_LANGUAGE_CODES) == 44


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "en_GB"),
        ("de", "de_DE"),
        ("sv", "sv_SE"),
        ("he", "iw_IL"),
        ("iw", "iw_IL"),
        ("id", "in_ID"),
        ("nb", "no_NO"),
        ("nn", "no_NO"),
        ("pt-BR", "pt_PT"),
        ("en-GB", "en_GB"),
        ("sv_SE", "sv_SE"),
        ("EN", "en_GB"),
        ("fr_CA", "fr_FR"),
        ("eo", None),
        ("", None),
        ("xx_YY", None),
        (None, None),
    ],
)
def test_language_mapping(code, expected):
    assert flattr_language(code) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # Flattr's own codes, and tags with the region Flattr's code has.
        ("sv_SE", ("sv_SE", None)),
        ("he-IL", ("iw_IL", None)),
        ("sr-Latn-RS", ("sr_RS", None)),
        ("de_DE.UTF-8", ("de_DE", None)),
        ("de_DE@euro", ("de_DE", None)),
        ("en-GB-oxendict", ("en_GB", None)),
        # A region in lower case is the same region, not one Flattr lacks.
        ("sv_se", ("sv_SE", None)),
        ("en-gb", ("en_GB", None)),
        # No region: the language's code, nothing dropped.
        ("de", ("de_DE", None)),
        ("sr@latin", ("sr_RS", None)),
        ("ca_ES@valencia", ("ca_ES", None)),
        ("zh-Hant", ("zh_CN", None)),
        # A region Flattr has no code with, real or mistyped.
        ("de-AT", ("de_DE", "AT")),
        ("de_DX", ("de_DE", "DX")),
        ("de-CH-1901", ("de_DE", "CH")),
        ("zh-Hant-TW", ("zh_CN", "TW")),
        ("zh-yue-HK", ("zh_CN", "HK")),
        ("es-419", ("es_ES", "419")),
        # No language tag at all: nobody's German.
        ('de_DE"><x>', (None, None)),
        ("de_DE x", (None, None)),
        ("de_", (None, None)),
        ("de\u200b", (None, None)),
        ("de_DE;en", (None, None)),
        ("x-klingon", (None, None)),
        ("klingon", (None, None)),
        ("de-AT-", (None, None)),
        # A language Flattr has no code for: no region it lacks either.
        ("xx_YY", (None, None)),
        ("eo-DE", (None, None)),
    ],
)
def test_read_language_names_the_region_flattr_lacks(code, expected):
    assert read_language(code) == expected
    assert flattr_language(code) == expected[0]


def test_reading_a_long_language_value_takes_linear_time():
    started = time.perf_counter()
    for separator in "-_":
        assert read_language("de" + f"{separator}abcdefgh" * 20_000 + "!") == (
            None,
            None,
        )
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("flattr", "html"), [("en_GB", "en-GB"), ("iw_IL", "he-IL"), ("in_ID", "id-ID")]
)
def test_html_lang_is_valid_bcp47(flattr, html):
    assert html_lang(flattr) == html


@pytest.mark.parametrize(
    ("lang", "tag"),
    [
        ("pt_BR", "pt-BR"),
        ("de_DE.UTF-8", "de-DE"),
        # A gettext modifier naming a script is that script, where BCP 47
        # writes it: after the language, before the region.
        ("sr_RS@latin", "sr-Latn-RS"),
        ("sr@cyrillic", "sr-Cyrl"),
        # Not twice, when the tag names its script already.
        ("sr-Latn@latin", "sr-Latn"),
        ("ca_ES@valencia", "ca-ES"),
        # Private-use and grandfathered tags are no language of ISO 639, but
        # HTML's lang takes them as written.
        ("x-klingon", "x-klingon"),
        ("i_klingon", "i-klingon"),
        # No language tag: an unknown language to HTML, not German.
        ('de_DE"><x>', ""),
    ],
)
def test_a_contents_lang_is_written_as_bcp47_for_html(lang, tag):
    assert bcp47(lang) == tag


# Fragments an article's HTML is made of, including the ones that make a
# cut prefix unsafe: inline tags inside words, block tags, entities,
# comments and script/style elements that would hide text if cut open.
HTML_FRAGMENTS = st.sampled_from(
    [
        "word",
        "Wörd",
        " ",
        "\n",
        "\u00a0",
        "&nbsp;",
        "\u3000",
        "<p>",
        "</p>",
        "<em>",
        "</em>",
        "<br>",
        '<h2 id="x">',
        "</h2>",
        "&amp;",
        "&lt;",
        ":",
        '<a href="/a?b=1&amp;c=2" title="x > y">',
        "</a>",
        "<abbr title='<p>, as in a > b'>",
        '<img alt="a<b" src=x>',
        "<!-- a comment > with words -->",
        "<!-->",
        "<!--->",
        "<?php echo 1; ?>",
        "<!x>",
        "</3 x>",
        "</>",
        "<![CDATA[ y ]]>",
        "<script>if (a > b) { hidden(); }</script>",
        "<STYLE>p { color: red }</STYLE>",
        "<template><p>hidden words</p></template>",
        "a < b",
        # Opened here, perhaps closed by a later fragment.
        "<script>",
        "</script>",
        "<Style media=x>",
        "</style>",
        "<template>",
        "</TEMPLATE >",
    ]
)


@settings(max_examples=400)
@given(
    st.lists(HTML_FRAGMENTS, max_size=600).map("".join),
    st.integers(min_value=0, max_value=12),
)
def test_first_words_equals_stripping_the_whole(html, count):
    # Counted as Pelican counts a summary's words: a no-break space parts
    # them too; joined as a browser shows them, that space kept.
    words = strip_html(html).split()
    shown, more = first_words(html, count)
    assert (shown.split(), more) == (words[:count], len(words) > count)
    kept = "\u00a0\u3000"
    for space in re.findall(r"\s+", shown):
        assert space == " " or space.strip(kept) == "", repr(space)


def test_first_words_does_not_trust_a_word_cut_at_the_prefix_end():
    # The first prefix tried ends right after "<em>": "tail" goes on as
    # "tailcontinues" past it.
    text = "<p>" + "x" * 80 + " tail<em>continues</em> more" + " filler" * 40
    assert first_words(text, 2) == ("x" * 80 + " tailcontinues", True)


def test_first_words_does_not_trust_the_last_word_of_a_prefix_it_cut():
    # The first prefix ends right after "</i>" and holds the two words
    # asked for, but its last, "beta", goes on as "betagamma" past it.
    text = "alpha <i>beta</i>gamma " + "x" * 100
    assert first_words(text, 2) == ("alpha betagamma", True)


def test_strip_html_keeps_text_only():
    html = "<p>Fish &amp; <em>chips</em><script>alert(1)</script><!-- x --></p>"
    assert strip_html(html) == "Fish & chips"
    assert strip_html("a < b and c > d") == "a < b and c > d"
    assert strip_html("one<br>two<br/>three", keep_breaks=True) == "one\ntwo\nthree"
    # Only the breaks a browser shows: a block's, not the source's.
    assert strip_html(" one \n\n  two\t\n", keep_breaks=True) == "one two"
    assert strip_html("<p>one\ntwo</p>\n<p>three</p>", keep_breaks=True) == (
        "one two\nthree"
    )
    assert strip_html(" one \n\n  two\t\n") == "one two"
    # A line break parts words as a space does (they were joined: "onetwo").
    assert strip_html("one<br>two<BR/>three<br />four") == "one two three four"
    assert first_words("Roses are red,<br>violets are blue.", 10) == (
        "Roses are red, violets are blue.",
        False,
    )


@pytest.mark.parametrize(
    "html",
    [
        "<ul><li>Apples</li><li>Pears</li></ul>",
        "<table><tr><td>Apples</td><td>Pears</td></tr></table>",
        "<dl><dt>Apples</dt><dt>Pears</dt></dl>",
    ],
)
def test_list_items_and_cells_part_words(html):
    # Each item or cell is a block a browser shows apart: "ApplesPears" is no title.
    assert strip_html(html) == "Apples Pears"


def _folded_reference(text):
    """``text`` folded the obvious way: at every whitespace but the kinds a
    browser shows (no-break, ideographic, the other spaces of Unicode), its
    ends trimmed of every kind."""
    kept = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
    words = re.split(f"[^\\S{kept}]+", text.strip())
    return " ".join(word for word in words if word)


def _strip_html_reference(text, keep_breaks=False):
    """strip_html written the slow, obvious way: every step, every time."""
    gap = _gap
    if keep_breaks:  # a block's tag is a line break, the source's are spaces
        text = text.replace("\n", " ")
        gap = lambda markup: "\n" if _gap(markup) else ""  # noqa: E731
    text = html.unescape(_MARKUP.sub(gap, text))
    if not keep_breaks:
        return _folded_reference(text)
    lines = [_folded_reference(line) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


@settings(max_examples=300)
@given(
    st.lists(HTML_FRAGMENTS | st.sampled_from(["\t", "\u00a0", "<BR/>"])).map("".join)
)
def test_strip_html_takes_its_shortcuts_without_changing_the_result(text):
    for keep_breaks in (False, True):
        assert strip_html(text, keep_breaks) == _strip_html_reference(text, keep_breaks)


def test_strip_html_reads_tags_as_a_browser_does():
    body = (
        'Use <abbr title="greater than, as in a > b">GT</abbr> and '
        '<abbr title="less than">LT</abbr> to compare values.'
    )
    assert strip_html(body) == "Use GT and LT to compare values."
    assert strip_html("a <!--> d <!---> e <!-- f --!> g") == "a d e g"
    # Bogus comments, up to their first ">", as a browser reads them (not
    # a "</" that ends the text, which it shows).
    assert strip_html("Why <?php echo 1; ?> works") == "Why works"
    assert strip_html("a <![CDATA[ b > c ]]> d <!x> e </3 x> f</>g") == (
        "a c ]]> d e fg"
    )
    assert strip_html("a <!DOCTYPE html> b <? c") == "a b"
    assert strip_html("a </") == "a </"
    assert plain_text("Why <?php echo 1; ?> works") == "Why works"
    # A quote opens a value only after "=": elsewhere it is part of a name.
    assert strip_html('<a b"c="d>e" f>g') == "g"
    assert strip_html("<p title='<p>'>one</p><em title=\"a<b\">two</em>") == "one two"
    # A "<!--" or "<script>" in a value starts nothing.
    assert strip_html('<a title="<!--">see</a> <i title="<script>">it</i>') == "see it"
    # A tag, value or comment never closed runs to the end.
    assert strip_html('kept <abbr title="a > b') == "kept"
    assert strip_html("kept <!-- a > b") == "kept"
    # So does a script, style or template element: its text, or the rest
    # of the document, a browser never shows. (Read as a tag instead, each
    # unclosed one cost a pass to the end: quadratic on many of them.)
    assert strip_html("kept <style>a{} b</p>c") == "kept"
    assert strip_html("kept <script>if (a < b) <p>c</p>") == "kept"
    assert strip_html("kept <template><p>c</p> <p>d</p>") == "kept"
    assert strip_html("<style>" * 3 + "a</style> kept") == "kept"
    # A custom element named like one is an element like any other.
    custom = "<p>Intro.</p><template-card>Card</template-card><style-guide>Use"
    assert strip_html(custom + "</style-guide><p>Rest.</p>") == "Intro. CardUse Rest."
    assert (
        strip_html("<P>Block</P><DIV>tags</DIV>in<Em>line</Em>") == "Block tags inline"
    )


# Fragments whose every mix a browser reads its own way: tags, attribute
# values in both quotes or none, quotes and "=" where no value is, ">"
# and "<" inside and outside values, comments (closed, whole at once, or
# not), words and entities.
BROWSER_FRAGMENTS = st.sampled_from(
    [
        "word",
        " ",
        "\n",
        "<abbr",
        "<p",
        "</p",
        "<em",
        "</abbr",
        " title=",
        "=",
        '"',
        "'",
        ">",
        "a > b",
        "x<y",
        "<!--",
        "-->",
        "--!>",
        "<!-->",
        "-",
        "&amp;",
        "&lt;p&gt;",
        "<style-guide>",
        "</style-guide>",
        "<script-runner x='a'>",
        # Bogus comments, up to the first ">" (a "</" at the end is text).
        "<?",
        "?>",
        "<!",
        "</",
        "3",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE",
    ]
)


@settings(max_examples=400)
@given(st.lists(BROWSER_FRAGMENTS, max_size=40).map("".join))
def test_strip_html_keeps_the_words_a_browser_shows(text):
    shown = BeautifulSoup(text, "html5lib").get_text()
    assert "".join(strip_html(text).split()) == "".join(shown.split())


def test_strip_html_returns_unchanged_text_itself():
    title = "".join(["A title that needs ", "no change"])  # not interned
    assert strip_html(title) is title
    assert thing_title(title) is title


def test_shorten_cuts_at_a_word_boundary():
    fits = " ".join(["word"] * 200)  # 999 characters
    assert shorten(fits, 1000) == fits
    # Flattr takes 1000 characters: exactly as many are no cut.
    assert shorten(fits + "s", 1000) == fits + "s"
    cut = shorten(" ".join(["word"] * 300), 1000)
    assert len(cut) <= 1000 and cut.endswith("word…")
    assert shorten("alpha beta gamma delta", 15) == "alpha beta…"
    # Punctuation before the cut goes: "gamma,…" reads as a typo.
    assert shorten("alpha beta, gamma, delta epsilon", 20) == "alpha beta, gamma…"
    assert len(shorten("x" * 2000, 1000)) == 1000


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
SWEDEN = "\U0001f1f8\U0001f1ea"


def test_a_character_longer_than_half_the_room_is_cut_through():
    # A letter under 150 accents: cut before it, nothing but the ellipsis
    # was left, below Flattr's shortest title.
    title = thing_title("Z" + "\u0301" * 150)
    assert len(title) == 100 and title.startswith("Z\u0301")


@pytest.mark.parametrize(
    ("before", "whole"),
    [
        # A word with no space to cut at is cut mid-word: it was cut inside
        # a character as a reader sees it, leaving a joiner fused with the
        # ellipsis, half a flag (another flag, read with the next half), or
        # a letter without its accent.
        ("Family", FAMILY),
        ("x ", SWEDEN),
        # An odd indicator first pairs with the next: A E, S E, ... S E.
        ("x \U0001f1e6\U0001f1ea", SWEDEN),
        ("", "e\u0301"),
        ("", "1\ufe0f\u20e3"),  # a keycap
        ("", "\U0001f44b\U0001f3fd"),  # a skin tone
        # Thai's AM is a letter to Unicode, and a virama joins the
        # consonant after it: "น้ำ" and "क्ष" lost their last part.
        ("\u0e01", "\u0e19\u0e49\u0e33"),
        ("x", "\u0915\u094d\u0937"),
    ],
)
def test_shorten_cuts_between_whole_characters(before, whole):
    text = before + whole * 60
    cut = shorten(text, 100)
    assert len(cut) <= 100 and cut.endswith("…")
    kept = cut[:-1]
    assert kept == text[: len(kept)]
    # Only whole ones after what comes before, and no fewer than fit.
    assert (len(kept) - len(before)) % len(whole) == 0, ascii(kept[-8:])
    assert len(kept) > 99 - len(whole)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Hello world", "Hello world"),
        ("Hi", "Hi – Example Community"),
        # Five characters are Flattr's minimum, enough alone; four are not.
        ("Hello", "Hello"),
        ("Hall", "Hall – Example Community"),
        ("<b>Bold</b> move", "Bold move"),
        ("<script>x</script>", "Example Community"),
        # Flattr strips HTML from the title again: what reads as a tag
        # after the plugin's strip leaves nothing of Flattr's minimum.
        ("&lt;section&gt;", "<section> – Example Community"),
        ("&lt;b&gt;Hi", "<b>Hi – Example Community"),
        ("Why &lt;div&gt; soup", "Why <div> soup"),
    ],
)
def test_title_limits(title, expected):
    assert thing_title(title, "Example Community") == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("&lt;section&gt;", "<section> (untitled)"),
        # A tag left open hides what is added after it, and a long title
        # of tags loses it to the cut: added before the title, it stays,
        # and so does the title (og:title shows "a<b", not "(untitled)").
        ("Hi &lt;a", "(untitled) – Hi <a"),
        ("a&lt;b", "(untitled) – a<b"),
        ("&lt;div&gt;" * 30, "(untitled) – " + "<div>" * 17 + "<…"),
    ],
)
def test_a_title_of_tags_is_padded_to_what_flattr_keeps(title, expected):
    assert thing_title(title) == expected
    assert len(strip_html(thing_title(title))) >= 5


def test_a_title_a_tag_left_open_would_cut_is_led_by_the_site_name():
    assert thing_title("a&lt;b", "Example Community") == "Example Community – a<b"
    # A site name shorter than Flattr's minimum does not lead alone.
    assert thing_title("a&lt;b", "Ab") == "(untitled) – a<b"


def test_title_is_never_short_or_long():
    assert len(thing_title("", "")) >= 5
    assert len(thing_title("Hi", "")) >= 5
    long = thing_title("word " * 60, "Site")
    assert 5 <= len(long) <= 100 and long.endswith("…")


@pytest.mark.parametrize("filler", ["-", ".", " ,", "–— ", ";:"])
def test_a_cut_never_leaves_less_than_flattr_takes(filler):
    """Punctuation before the ellipsis goes, unless it is most of the text:
    a title of dashes must not shrink to a lone "…"."""
    title = thing_title(filler * 200, "Site")
    assert 5 <= len(title) <= 100 and title.endswith("…")
    description = thing_description(filler * 2000, "Fallback title")
    assert 5 <= len(description) <= 1000 and description.endswith("…")


@settings(max_examples=300)
@given(
    text=st.text(alphabet=st.sampled_from(" ,;:.-–—ab\n<>&"), max_size=3000),
    site_name=st.text(max_size=30),
)
def test_titles_and_descriptions_always_fit_flattr_limits(text, site_name):
    title = thing_title(text, site_name)
    assert 5 <= len(title) <= 100
    assert len(strip_html(title)) >= 5  # once Flattr strips it again
    assert 5 <= len(thing_description(text, title)) <= 1000


@pytest.mark.parametrize(
    ("written", "tags"),
    [
        ("rust, embedded", ["rust", "embedded"]),
        # As Pelican splits its own Tags: on semicolons when there is one.
        ("rust; embedded; C, C++", ["rust", "embedded", "C, C++"]),
        (" ; a;;b ; ", ["a", "b"]),
        ("", []),
    ],
)
def test_split_tags_as_pelican_splits_its_tags(written, tags):
    assert split_tags(written) == tags


def test_description_falls_back_and_is_cut():
    assert thing_description(" ok ", "The fallback title") == "The fallback title"
    long = thing_description("lorem ipsum " * 200, "t" * 5)
    assert len(long) <= 1000 and long.endswith("…")
    assert thing_description(" one two ", "x" * 5) == "one two"
    # Five characters are Flattr's minimum, enough alone; four are not.
    assert thing_description(" Haiku ", "The fallback title") == "Haiku"
    assert thing_description("Hai.", "The fallback title") == "The fallback title"


def embedded_inner_html_length(description: str) -> int:
    """The JavaScript (UTF-16) length of the inner HTML that load.js 0.6
    reads of the plugin's embedded button for ``description``: the anchor
    parsed as a browser parses it, then serialised as a browser serialises
    innerHTML ("&", the no-break space, "<" and ">" escaped in text)."""
    thing = Thing(
        "https://e.org/a", parse_owner("alice"), "A title", description, "text", "en"
    )
    button = embedded_button(ContentThing(thing, "a.md", "a.html", "js"))
    inner = ""
    for node in BeautifulSoup(str(button), "html5lib").a.children:
        if node.name == "br":
            inner += "<br>"
        else:
            text = str(node).replace("&", "&amp;").replace("\xa0", "&nbsp;")
            inner += text.replace("<", "&lt;").replace(">", "&gt;")
    return len(inner.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    ("description", "length"),
    [
        ("Plain words.", 12),
        ("R&D", 7),
        ("a <b>", 11),
        ("\U0001f600", 2),
        ("one\ntwo", 10),
        ("a\xa0b", 8),
        ("\"é'", 3),
    ],
)
def test_loader_length_is_what_load_js_counts(description, length):
    assert loader_length(description) == length
    assert embedded_inner_html_length(description) == length


SIX_LINES = "\n".join(
    (f"Part {n}: tools & parts, bits & bobs, R&D. " * 4).strip() for n in range(6)
)


@pytest.mark.parametrize(
    "text",
    [
        # load.js's cut fell inside a surrogate pair: encodeURIComponent
        # threw, and no button of the page showed.
        "\U0001f600a" * 600,
        "\U0001f600" * 1200,
        # Each "&amp;" counts five: load.js sent half of it.
        "R&D " * 300,
        "<b> " * 300,
        SIX_LINES,
        "line\n" * 300,
        "a\xa0" * 600,
    ],
    ids=["emoji-a", "emoji", "ampersands", "tags", "six-lines", "lines", "nbsp"],
)
def test_a_description_fits_what_load_js_reads_of_it(text):
    """Every payment link of a thing sends one description: an embedded
    button's inner HTML is cut no more than ``shorten`` cuts, as close to
    load.js's 1000 JavaScript characters as a word allows."""
    description = thing_description(text, "The fallback title")
    assert 990 <= embedded_inner_html_length(description) <= 1000
    assert description.endswith("…")
    assert text.startswith(description[:-1])


@pytest.mark.parametrize("length", [185, 200])
def test_a_short_description_dense_with_no_break_spaces_is_fitted(length):
    # Each no-break space is "&nbsp;", six characters to load.js: one of
    # fewer than 1000 // 5 characters may still run past its 1000, and the
    # check that lets a short description through unscanned must not miss it.
    text = "a" + "\xa0" * (length - 2) + "b"
    assert loader_length(text) > 1000
    description = thing_description(text, "The fallback title")
    assert loader_length(description) <= 1000
    assert embedded_inner_html_length(description) <= 1000


def test_a_description_that_fits_load_js_is_kept_whole():
    # Plain text counts once per character: the full 1000.
    words = thing_description("word " * 300, "The fallback title")
    assert len(words) == 1000 and loader_length(words) == 1000
    short = "".join(["Tools & parts:", " \U0001f600" * 20])  # not interned
    assert thing_description(short, "The fallback title") is short


def test_description_is_plain_text_and_never_unescaped_again():
    # The text of "<p>Use &lt;b&gt; for bold</p>" names a tag; stripping it
    # twice would delete it.
    text = strip_html("<p>Use &lt;b&gt; for bold</p>")
    assert thing_description(text, "fallback") == "Use <b> for bold"


def test_tags_hold_neither_comma_nor_semicolon():
    assert thing_tags(["a,b", "c;d", " e ", "", "A,B"], ["extra", "e"]) == (
        "a b",
        "c d",
        "e",
        "extra",
    )


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a", True),
        ("http://example.org/a?x=1#f", True),
        ("/relative/path", False),
        ("example.org/a", False),
        ("ftp://example.org/a", False),
        ("https:///nohost", False),
        ("https://example.org/a b", False),
        ("", False),
        # urlsplit raises for these: a reason, not a traceback.
        ("https://[2001:db8::1/old-post/", False),
        ("https://ex\uff0fample.org/a", False),
        # Whitespace of any kind, a control character of any kind.
        ("https://example.org\u00a0/a", False),
        ("https://example.org/a\u3000b", False),
        ("https://example.org/a\x85b", False),
        # Nor what no URL holds as it is, which the HTML checker refuses.
        ('https://example.org/a"b.png', False),
        ("https://example.org/<b>.png", False),
        ("https://example.org/a%22b.png", True),
        # No page, feed or manifest can encode a lone surrogate.
        ("https://example.org/a\ud800.png", False),
        # A "/" to browsers in a path (WHATWG URL): another address.
        ("https://example.org/images\\cover.png", False),
        ("https://example.org/blog\\/", False),
        # Kept as it is in a query or fragment, and escaped in a path.
        ("https://example.org/a.png?v=1\\2", True),
        ("https://example.org/a.png#x\\y", True),
        ("https://example.org/a%5Cb.png", True),
    ],
)
def test_thing_url_check(url, ok):
    assert (check_thing_url(url) is None) is ok


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        # Beyond ASCII, earlier builds published these in thing URLs' paths.
        ("https://example.org/caf\u00e9\u00a0bar\u3000.html", True),
        # But no C1 control, which HTML forbids: a computed URL encodes it.
        ("https://example.org/next\x85line.html", False),
        ("https://example.org/a\x9fb.html", False),
        # Not in the host.
        ("https://example.org\u00a0/a", False),
        ("https://exa\u3000mple.org/a", False),
        # Whitespace no mapping of browsers' turns into a space.
        ("https://exa\u2028mple.org/a", False),
        ("https://example.org/a b", False),
        # Nor what a browser would change: an embedded button's link.
        ('https://example.org/p?a=1&b="2"&c=<3>', False),
        ("https://example.org/a>b", False),
        ("https://example.org/p?a=1&b=%222%22&c=%3C3%3E", True),
    ],
)
def test_a_pin_holds_what_a_computed_thing_url_holds(url, ok):
    assert (check_pinned_url(url) is None) is ok


@pytest.mark.parametrize("url", ["", "   "])
def test_a_url_of_nothing_but_spaces_is_empty(url):
    assert check_thing_url(url) == check_pinned_url(url) == "is empty"


def test_a_lone_surrogate_in_a_url_is_named_as_such():
    assert check_thing_url("https://example.org/a\udc80.png") == NOT_UNICODE


def test_a_url_problem_never_repeats_an_address():
    # urllib's own message quotes the host part.
    problem = check_thing_url("https://carol@example.org\uff0f/x")
    assert problem is not None and "not a valid URL" in problem
    assert "carol" not in problem


def test_never_both_owner_and_user_id():
    base = dict(title="Title", description="Words", category="text", language="en_GB")
    user = Thing(url="https://e.org/", owner=Owner("flattr_user", "alice"), **base)
    partner = Thing(
        url="https://e.org/", owner=Owner("twitter", "twitter:user:id:1"), **base
    )
    user_query = parse_qs(urlsplit(user.auto_submit_url).query)
    partner_query = parse_qs(urlsplit(partner.auto_submit_url).query)
    assert "user_id" in user_query and "owner" not in user_query
    assert "owner" in partner_query and "user_id" not in partner_query


# Any text a hostile or merely international author might write.
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=5,
    max_size=120,
).filter(lambda s: s.strip() == s and len(s) >= 5)
_tag = st.text(min_size=1, max_size=20).map(
    lambda s: "t" + s.replace(",", "").replace(";", "")
)
_owner = st.one_of(
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True).map(
        lambda v: Owner("flattr_user", v)
    ),
    st.integers(min_value=0).map(lambda n: Owner("twitter", f"twitter:user:id:{n}")),
    st.from_regex(r"partner:[a-z]{1,8}:[A-Za-z0-9@+.-]{1,12}", fullmatch=True).map(
        lambda v: Owner("partner", v)
    ),
)


@given(
    path=st.text(min_size=0, max_size=40),
    owner=_owner,
    title=_text,
    description=_text,
    category=st.sampled_from(CATEGORIES),
    language=st.sampled_from(sorted(FLATTR_LANGUAGE_CODES)),
    tags=st.lists(_tag, max_size=5, unique=True),
    hidden=st.booleans(),
)
def test_auto_submit_url_round_trips(
    path, owner, title, description, category, language, tags, hidden
):
    thing = Thing(
        url="https://example.org/" + path,
        owner=owner,
        title=title,
        description=description,
        category=category,
        language=language,
        tags=tuple(tags),
        hidden=hidden,
    )
    url = thing.auto_submit_url
    assert url.startswith(AUTO_SUBMIT_BASE + "?")
    assert url.isascii() and " " not in url and "#" not in url
    # Flattr's parameters, each from the thing's own field (tags and hidden
    # only when there are any): no second encoding to agree with the URL's.
    expected = {
        "url": [thing.url],
        owner.parameter: [owner.value],
        "title": [title],
        "description": [description],
        "category": [category],
        "language": [language],
    }
    if tags:
        expected["tags"] = [",".join(tags)]
    if hidden:
        expected["hidden"] = ["1"]
    parsed = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert parsed == expected
    assert parsed[owner.parameter] == [owner.value]
    assert parsed["title"] == [title] and parsed["description"] == [description]
    assert parsed.get("tags", [""])[0].split(",") == (list(tags) or [""])
    assert ("hidden" in parsed) is hidden


@settings(max_examples=500)
@given(st.text())
def test_percent_encode_is_quote_with_nothing_safe(text):
    assert percent_encode(text) == quote(text, safe="")


def test_auto_submit_url_is_built_for_each_thing_and_reused_in_a_row():
    first = Thing(
        "https://a.example/1",
        Owner("flattr_user", "alice"),
        "First",
        "One.",
        "text",
        "en_GB",
    )
    second = Thing(
        "https://a.example/2",
        Owner("flattr_user", "bob"),
        "Second",
        "Two.",
        "text",
        "en_GB",
    )
    urls = [first.auto_submit_url, second.auto_submit_url, first.auto_submit_url]
    assert urls[0] == urls[2] != urls[1]
    assert parse_qs(urlsplit(urls[1]).query)["url"] == ["https://a.example/2"]
    assert first.auto_submit_url is first.auto_submit_url  # one page, one build


def test_description_reads_back_as_given():
    text = "Kärna 回路 😀\nsecond line"
    thing = Thing(
        "https://e.org/", Owner("flattr_user", "a"), "Title", text, "text", "sv_SE"
    )
    twin = Thing(
        "https://e.org/", Owner("flattr_user", "a"), "Title", text, "text", "sv_SE"
    )
    assert thing.description == text
    assert thing == twin and hash(thing) == hash(twin)
    assert parse_qs(urlsplit(thing.auto_submit_url).query)["description"] == [text]


# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def test_a_things_text_drops_control_characters():
    assert thing_title("Ctl\x01title \x0b here") == "Ctl title here"
    assert thing_title("\x07\x1b") == "(untitled)"
    # Unicode's noncharacters too, in every plane: HTML forbids them.
    assert thing_title("Non\ufdd0char\uffffacter \U0010fffe title") == (
        "Non char acter title"
    )
    assert thing_description("a \x07 b\nc\x1bd\x85", "fallback") == "a b\nc d"
    assert thing_description("\x01\x02\x03\x04\x05\x06", "fallback") == "fallback"
    assert thing_tags(["bad\x01tag\x1b", "\x07"], ["site\x9btag"]) == (
        "bad tag",
        "site tag",
    )


def test_printable_text_spaces_control_characters_and_keeps_the_rest():
    assert printable_text("t\x00ag  and\x85 more") == "t ag and more"
    assert printable_text("\x07") == ""
    for name in ("".join(["Al", "ice"]), "Jean\u00a0Dupont  Jr", "tab\there"):
        assert printable_text(name) is name


@given(st.text(), st.text())
def test_no_control_character_reaches_a_things_text(text, other):
    assert not CONTROL.search(thing_title(text, other))
    description = thing_description(text, thing_title(other))
    assert not CONTROL.search(description)
    assert description == description.strip()
    assert not any(CONTROL.search(tag) for tag in thing_tags([text, other]))


@pytest.mark.parametrize(
    ("path", "encoded"),
    [
        ("smörgås bord.html", "smörgås%20bord.html"),
        ("2024/plain-slug/", "2024/plain-slug/"),
        # Characters earlier builds published in thing URLs: kept, or the
        # things on Flattr would be stranded.
        ('a"b<c>d\\e^f`g{h|i}j', 'a"b<c>d\\e^f`g{h|i}j'),
        ("tab\there\x01\x7f", "tab%09here%01%7F"),
        # C1 controls too: HTML forbids them on a page, even as references
        # (which read as Windows-1252), and the HTML checker refused it.
        ("next\x85line\x9f", "next%C2%85line%C2%9F"),
        # Allowed in a URL, or beyond ASCII (spaces included, which earlier
        # builds published as they were): kept.
        ("100%?x=1#top ünï\u00a0\u3000", "100%?x=1#top%20ünï\u00a0\u3000"),
    ],
)
def test_url_safe_encodes_only_what_no_url_may_hold(path, encoded):
    assert url_safe(path) == encoded
    if path == encoded:
        assert url_safe(path) is path  # nothing to do: nothing built


def _encoded_one_by_one(text: str) -> str:
    """What url_safe must give: each ASCII whitespace or control character
    (C1 controls too) percent-encoded, every other character as it is."""
    return "".join(
        quote(c) if ord(c) <= 0x20 or 0x7F <= ord(c) <= 0x9F else c for c in text
    )


# A computed thing URL is its own key among the build's thing URLs, unless
# it holds an escape or a dot segment: the build reads no other part by
# part (attach._url_key), and must find it under the key a pin of it has.
@given(st.text())
def test_a_computed_thing_url_without_escapes_or_dots_is_its_own_key(path):
    from pelican_flattr.attach import _comparable_url, _site_base, _url_key

    url = "https://example.org/" + url_safe(path)
    if "%" not in url and "/." not in url:
        assert _url_key(url, _site_base("https://example.org")) is url
        assert _comparable_url(url) == url


# Under a FLATTR_SITEURL written otherwise than its key (a "www.", capitals,
# a port, a host beyond ASCII), the key of such a URL is the site's key and
# the rest of the URL, unread: the one a pin of it has.
@given(
    st.sampled_from(
        [
            "https://www.example.org",
            "HTTPS://Example.ORG:443/Blog",
            "https://b\u00fccher.example",
            "https://xn--bcher-kva.example/b\u00fccher",
            "http://[2001:DB8::1]:8080",
        ]
    ),
    st.text(),
)
def test_a_computed_thing_url_has_the_key_a_pin_of_it_has(siteurl, path):
    from pelican_flattr.attach import _comparable_url, _site_base, _url_key

    url = f"{siteurl}/{url_safe(path)}"
    assert _url_key(url, _site_base(siteurl)) == _comparable_url(url)


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("https://example.org/a.html", "HTTPS://EXAMPLE.ORG/a.html", True),
        ("http://example.org/a.html", "http://example.org:80/a.html", True),
        ("https://example.org/a.html", "https://example.org:0443/a.html", True),
        ("https://[2001:db8::1]/a", "https://[2001:DB8::1]:443/a", True),
        ("https://example.org/a/b.html", "https://example.org/a/./x/../b.html", True),
        ("https://example.org/", "https://example.org", True),
        ("https://example.org/", "https://example.org/..", True),
        (
            "https://example.org/caf\u00e9.html",
            "https://example.org/caf%c3%a9.html",
            True,
        ),
        ("https://example.org/a~b", "https://example.org/a%7Eb", True),
        ("https://example.org/a?q=%41", "https://example.org/a?q=A", True),
        ("https://example.org/a%2fb", "https://example.org/a%2Fb", True),
        # A host as the check of a pin's host reads it (comparable_host).
        ("https://b\u00fccher.example/a", "https://xn--bcher-kva.example/a", True),
        ("https://b\u00fccher.example/a", "https://b%C3%BCcher.example/a", True),
        ("https://example.org/a", "https://ex%61mple.org/a", True),
        ("https://example.org/a", "https://www.example.org./a", True),
        ("https://[2001:db8::1]/a", "https://[2001:db8::1]:443/a", True),
        # Another address: escaped, "/" and "?" are a name's own; another
        # scheme, port or path's letter case is another URL.
        ("https://example.org/a%2Fb", "https://example.org/a/b", False),
        ("https://example.org/a%3Fb", "https://example.org/a?b", False),
        ("https://example.org/a.html", "http://example.org/a.html", False),
        ("https://example.org/a.html", "https://example.org:8443/a.html", False),
        ("https://example.org/a.html", "https://example.org/A.html", False),
        ("https://example.org/a/?x=./..", "https://example.org/?x=./..", False),
    ],
)
def test_urls_spelt_otherwise_have_one_key(one, other, same):
    from pelican_flattr.attach import _comparable_url

    assert (_comparable_url(one) == _comparable_url(other)) is same


# A Slug: holding '"', "<", ">", "\\" or a bidi control gives a thing URL
# that keeps them, as earlier builds published it, and that no pin may hold.
@given(st.text().filter(lambda path: not set(path) & set(f'"<>\\{BIDI_CONTROLS}')))
def test_a_computed_thing_url_can_always_be_pinned(path):
    url = "https://example.org/" + url_safe(path)
    assert check_pinned_url(url) is None
    assert url_safe(url) == url
    assert url_safe(path) == _encoded_one_by_one(path)
    if "%" not in path:
        assert unquote(url_safe(path)) == path


@given(st.text())
def test_a_pinned_url_is_accepted_only_written_as_a_computed_one(path):
    url = "https://example.org/" + path
    if check_pinned_url(url) is None:
        assert url_safe(url) == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://example.org/a b", "holds the space ' ': write it as %20"),
        ("https://example.org/a\tb", "holds the whitespace character '\\t'"),
        ("https://example.org/a\tb", "write it as %09"),
        ("https://example.org/a\x01", "holds the control character '\\x01'"),
        ("https://example.org/a\x01", "write it as %01"),
        ("https://example.org/a\x85b", "holds the control character '\\x85'"),
        ("https://example.org/a\x85b", "write it as %C2%85"),
        (
            'https://example.org/p?a=1&b="2"&c=<3>',
            "holds the character '\"': write it as %22",
        ),
        ("https://example.org/a<b", "holds the character '<': write it as %3C"),
        ("https://example.org/a>b", "holds the character '>': write it as %3E"),
        # A "/" to browsers in a path (WHATWG URL): they ask for /old/two.html.
        (
            "https://example.org/old\\two.html",
            "holds the character '\\\\' in its path (browsers read it as '/', and "
            "so another path): write it as %5C where the page's file name holds "
            "it, or as '/' where the page is in that folder",
        ),
        ("/relative/", "must be an absolute http:// or https:// URL"),
        ("", "is empty"),
        # Published on every page, and no URL at all to a browser.
        ("https://example.org:abc/x", "is not a valid URL (Port could not be cast"),
        ("https://example.org:99999/x", "is not a valid URL (Port out of range"),
        ("https://deploy:pw@example.org/x", "holds a user name or password"),
        # A link preview showing it would read "exe.html" as "lmth.exe".
        (
            "https://example.org/\u202elmth.exe",
            "holds U+202E (RIGHT-TO-LEFT OVERRIDE), a bidirectional control, "
            "which reverses or reorders the text after it wherever the URL is "
            "shown: write it as %E2%80%AE",
        ),
        ("https://example.org/a\u2067b", "holds U+2067 (RIGHT-TO-LEFT ISOLATE)"),
    ],
)
def test_pinned_url_check(url, says):
    assert says in check_pinned_url(url)


@pytest.mark.parametrize(
    "url",
    [
        # Browsers keep a "\\" in a query or fragment as it is.
        "https://example.org/a.html?q=b\\c",
        "https://example.org/a.html#b\\c",
        # Escaped, it names the file whose name holds one.
        "https://example.org/old%5Ctwo.html",
    ],
)
def test_a_backslash_a_browser_keeps_is_taken_in_a_pin(url):
    assert check_pinned_url(url) is None


@pytest.mark.parametrize(
    ("url", "says"),
    [
        # Pasted with a space: encoding it would make it part of the URL.
        (" https://example.org/", "starts with a space: remove it"),
        ("https://example.org/x ", "ends with a space: remove it"),
        ("https://example.org/x \t", "ends with whitespace ('\\t'): remove it"),
        ("\nhttps://example.org/", "starts with whitespace ('\\n'): remove it"),
        # Inside it, it is encoded.
        ("https://example.org/a b/", "holds the space ' ': write it as %20"),
    ],
)
@pytest.mark.parametrize("check", [check_thing_url, check_pinned_url])
def test_a_url_pasted_with_spaces_around_it_is_told_to_lose_them(check, url, says):
    assert check(url) == says


def test_a_space_before_a_last_slash_is_inside_the_url_but_a_bases_end():
    # A pin's path may end in " /": encoded. A site's base is checked with a
    # "/" put after it: its own value ended with the space.
    assert check_pinned_url("https://e.org/a /") == (
        "holds the space ' ': write it as %20"
    )
    assert check_thing_url("https://e.org/a /") == (
        "holds the space ' ': write it as %20"
    )
    assert check_thing_url("https://e.org /", base=True) == (
        "ends with a space: remove it"
    )


# The embeddings, overrides and isolates a title's cleaning spaces.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


@pytest.mark.parametrize("control", BIDI_CONTROLS)
def test_a_pin_holds_no_bidi_control(control):
    problem = check_pinned_url(f"https://example.org/a{control}b")
    assert problem is not None and "a bidirectional control" in problem


@pytest.mark.parametrize(
    ("written", "host"),
    [
        ("example.org", "example.org"),
        ("WWW.Example.ORG", "example.org"),
        ("www.example.org.", "example.org"),
        ("blog.example.org", "blog.example.org"),
        # One name in its Unicode, xn-- and escaped forms.
        ("bücher.example", "bücher.example"),
        ("xn--bcher-kva.example", "bücher.example"),
        ("XN--BCHER-KVA.example", "bücher.example"),
        ("b%C3%BCcher.example", "bücher.example"),
        ("BÜCHER.example", "bücher.example"),
        # "ß" is not "ss" to browsers (IDNA 2008): another domain.
        ("straße.example", "straße.example"),
        ("xn--strae-oqa.example", "straße.example"),
        ("strasse.example", "strasse.example"),
        ("xn--not-punycode-.example", "xn--not-punycode-.example"),
        # As browsers map it: full-width letters, an ideographic full stop.
        ("\uff45xample\u3002org", "example.org"),
        ("2001:db8::1", "2001:db8::1"),
        ("192.0.2.1", "192.0.2.1"),
    ],
)
def test_hosts_are_compared_in_one_form(written, host):
    assert comparable_host(written) == host


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8000/", True),
        # A fully qualified name is the same host.
        ("http://localhost.:8000/", True),
        ("https://blog.test./", True),
        ("http://devbox:8000", True),
        ("http://192.168.1.10/", True),
        ("http://[::1]/", True),
        # The shared address space of carrier-grade NAT (RFC 6598) is no
        # private network of RFC 1918, nor reachable from the internet.
        ("http://100.64.0.1/", True),
        ("https://blog.example.org/", False),
        ("https://93.184.215.14/", False),
    ],
)
def test_a_development_url_is_one_no_reader_can_reach(url, local):
    assert is_development_url(url) is local


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("python, pelican", ("python", "pelican")),
        ("a,b; Python", ("a b", "Python")),  # split as Pelican splits Tags
        ("", ("python",)),
    ],
)
def test_tags_given_as_one_string_are_split_not_spelt(group, expected):
    # Iterated, a string gave one tag per letter: ('p', 'y', 't', ...).
    assert thing_tags(group, ["python"]) == expected


# -- make_thing: a thing for a post published without Pelican ---------------

_GOOD = {"url": "https://e.org/a", "owner": "alice", "title": "A fine title"}


def test_make_thing_fits_each_value_as_the_build_does():
    thing = make_thing(
        "https://blog.example/p/über?x=1",
        "email:Carol@Example.org",
        "<b>Hi</b> &amp; you",
        "x" * 1500,
        language="pt-BR",
        tags="pelican, flattr",
        hidden=True,
    )
    assert thing.url == "https://blog.example/p/über?x=1"  # kept exactly
    assert thing.owner == Owner("email", "email:" + hash_email("carol@example.org"))
    assert (thing.title, thing.language) == ("Hi & you", "pt_PT")
    assert len(thing.description) == 1000
    assert thing.tags == ("pelican", "flattr") and thing.hidden
    tags = (tag for tag in ["a", "b"])  # any iterable, a generator too
    assert make_thing(**_GOOD, tags=tags).tags == ("a", "b")
    assert "carol" not in thing.auto_submit_url.lower()
    # A description too short is the title, as an article's.
    assert make_thing(**_GOOD, description="ok").description == "A fine title"
    # Kept as written, its scheme too: a site that published it so.
    shouted = make_thing(**{**_GOOD, "url": "HTTPS://E.org/A"})
    assert shouted.url == "HTTPS://E.org/A"


def test_make_thing_reads_its_title_as_html_as_its_docstring_says():
    # As Pelican's titles are; plain text is escaped first, as advised.
    title = "Why x<y matters &amp; more"
    assert make_thing(**{**_GOOD, "title": title}).title == "Why x"
    assert make_thing(**{**_GOOD, "title": html.escape(title)}).title == title


@pytest.mark.parametrize(
    ("given", "field", "said"),
    [
        ({"url": "javascript:alert(1)"}, "url", "absolute http:// or https://"),
        ({"url": "/posts/a.html"}, "url", "absolute http:// or https://"),
        ({"url": 'https://e.org/"a"'}, "url", "'\"'"),
        ({"url": None}, "url", "is not a str"),
        ({"owner": "carol@example.org"}, "owner", "plain email address"),
        ({"owner": 5}, "owner", "got int"),
        ({"title": None}, "title", "not a str"),
        ({"description": b"bytes"}, "description", "not a str"),
        ({"category": "misc"}, "category", "'misc' is not one of"),
        ({"language": "xx_YY"}, "language", "'xx_YY' is no language"),
        ({"hidden": "yes"}, "hidden", "True or False"),
        ({"site_name": 5}, "site_name", "not a str"),
        # Iterated, each of these made tags of what no one wrote.
        ({"tags": 5}, "tags", "an iterable of strings"),
        ({"tags": b"ab"}, "tags", "an iterable of strings"),
        ({"tags": [["x", "y"]]}, "tags", "an iterable of strings"),
        ({"tags": ["a", None]}, "tags", "an iterable of strings"),
        ({"tags": MappingProxyType({"secret": 1})}, "tags", "an iterable of strings"),
        # Text read from bytes that are not UTF-8 failed later, as a
        # UnicodeEncodeError naming no argument (the auto-submit URL's).
        ({"url": "https://e.org/Caf\udce9"}, "url", "lone surrogate"),
        ({"title": "Caf\udce9 au lait"}, "title", "lone surrogate"),
        ({"description": "Short: Caf\udce9"}, "description", "lone surrogate"),
        ({"description": "\udce9"}, "description", "lone surrogate"),
        ({"site_name": "Caf\udce9"}, "site_name", "lone surrogate"),
        ({"tags": "a, Caf\udce9"}, "tags", "lone surrogate"),
        ({"tags": ["a", "Caf\udce9"]}, "tags", "lone surrogate"),
    ],
)
def test_make_thing_refuses_a_value_naming_its_argument(given, field, said):
    with pytest.raises(ThingError) as refused:
        make_thing(**{**_GOOD, **given})
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ") and said in str(refused.value)
    assert "carol@" not in str(refused.value)


@pytest.mark.parametrize(
    ("written", "category"),
    [("software", "software"), ("Software", "software"), (" VIDEO ", "video")],
)
def test_a_category_is_read_in_any_letter_case(written, category):
    # As an author capitalises it; Flattr takes the lower-case name.
    assert flattr_category(written) == category
    thing = make_thing(**_GOOD, category=written)
    assert thing.category == category
    assert f"&category={category}&" in thing.auto_submit_url


@pytest.mark.parametrize("written", ["blog", "Other", "", None, 3, "te xt"])
def test_a_category_flattr_has_not_is_none(written):
    assert flattr_category(written) is None


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2069"]
)
def test_a_bidi_control_in_a_title_description_or_tag_is_a_space(control):
    # Left open, an override reversed the text after it in og:title, the
    # embedded button's title and wherever Flattr showed the thing.
    text = f"Evil {control}reversed text here"
    assert thing_title(text) == "Evil reversed text here"
    assert thing_description(text, "fallback") == "Evil reversed text here"
    assert thing_tags([f"a{control}b"]) == ("a b",)


# A bidi control written as a character reference: hex, decimal, an
# upper-case X, leading zeros, an isolate.
BIDI_REFERENCES = ["&#x202e;", "&#8238;", "&#X202E;", "&#x000202e;", "&#08238;"]
BIDI_REFERENCES += ["&#x2067;"]


@pytest.mark.parametrize("reference", BIDI_REFERENCES)
def test_a_bidi_control_written_as_a_reference_is_a_space_too(reference):
    # Controls were spaced before references were read: "&#x202e;" became
    # U+202E after, and reversed og:title as the character itself would.
    assert thing_title(f"Evil {reference}reversed text") == "Evil reversed text"
    assert thing_title("Hi", f"Our {reference}site") == "Hi – Our site"
    assert thing_title("", f"Our {reference}site name") == "Our site name"
    # What og:site_name and the flattr_text() helper print.
    assert plain_text(f"Our {reference}site") == "Our site"


@pytest.mark.parametrize("reference", BIDI_REFERENCES)
def test_no_bidi_control_reaches_what_the_build_publishes_of_a_title(
    tmp_path, reference
):
    from conftest import article, build, flattr_buttons, manifest_things, og, page

    files = {
        "long.md": article(f"Evil {reference}reversed text", "Alice"),
        # Shorter than Flattr's shortest title: the site name follows it.
        "short.md": article("Hi", "Alice"),
    }
    output = build(
        tmp_path,
        files,
        FLATTR_USERNAME="alice",
        FLATTR_BUTTON="js",
        SITENAME=f"Our {reference}site",
    )
    manifest = (output / "flattr-manifest.json").read_text(encoding="utf-8")
    things = manifest_things(output)
    expected = {"long.md": "Evil reversed text", "short.md": "Hi – Our site"}
    for source, title in expected.items():
        assert things[source]["title"] == title
        query = parse_qs(urlsplit(things[source]["auto_submit_url"]).query)
        assert query["title"] == [title]
        soup = page(output / things[source]["page"])
        assert og(soup, "og:title") == [title]
        assert og(soup, "og:site_name") == ["Our site"]
        (button,) = flattr_buttons(soup)
        assert button["title"] == title
    assert not re.search("[\u202a-\u202e\u2066-\u2069]|&#", manifest)


def test_auto_submit_url_keeps_a_plus_in_a_partner_id():
    # Unencoded, Flattr reads "+" as a space: a thing for an owner nobody
    # holds. The round-trip property finds it only when it draws a "+".
    owner = Owner("partner", "partner:hackspace:a+b")
    thing = make_thing("https://example.org/post.html", owner, "Hello world")
    query = parse_qs(urlsplit(thing.auto_submit_url).query, strict_parsing=True)
    assert query[owner.parameter] == ["partner:hackspace:a+b"]
