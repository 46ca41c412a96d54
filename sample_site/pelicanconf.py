"""Settings of the sample site, a small multi-author community blog, for
previewing it: ``make demo``, ``pelican -lr``. publishconf.py adds what the
build that publishes it needs.

Build it from the repository root with ``make demo``, or by hand:

    .venv/bin/pelican sample_site/content -s sample_site/pelicanconf.py \
        -o sample_site/output

sample_site/README.md lists which article shows which case of the plugin.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

AUTHOR = "Alice Andersson"  # default author of pages and of posts without Author:
SITENAME = "Hackspace Notes"
SITESUBTITLE = "What the members of a small hackspace build, break and fix"
# No public address while previewing: this is a development build, which the
# plugin's URL guard neither checks nor lets touch the baseline of the
# published things. publishconf.py sets the public SITEURL.
SITEURL = ""
# Flattr things are keyed on absolute URLs: buttons in the preview still
# name the public ones, the same as the published site's.
FLATTR_SITEURL = "https://community.example.org"
# Links between pages are relative, so output/ can be browsed from disk or a
# local server.
RELATIVE_URLS = True

THEME = str(HERE.parent / "theme")
PATH = str(HERE / "content")
OUTPUT_PATH = str(HERE / "output")  # the Makefile passes the same with -o
# Pelican's cache folder; pelican-flattr keeps its URL guard's baseline here
# (pelican-flattr/url-baseline.json), out of reach of DELETE_OUTPUT_DIRECTORY.
CACHE_PATH = str(HERE / "cache")
STATIC_PATHS = ["images"]  # copied as is; holds the Og_image of one article

PLUGINS = ["pelican_flattr"]

TIMEZONE = "Europe/Stockholm"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

# No feeds while previewing, as in pelican-quickstart's pelicanconf.py: a
# feed needs the public SITEURL. publishconf.py writes them.
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

DEFAULT_PAGINATION = 5
SUMMARY_MAX_PARAGRAPHS = 1  # listings show the first paragraph, never a heading
# Yearly and monthly archives, so that the theme's period_archives.html is used.
YEAR_ARCHIVE_SAVE_AS = "archives/{date:%Y}.html"
YEAR_ARCHIVE_URL = YEAR_ARCHIVE_SAVE_AS
MONTH_ARCHIVE_SAVE_AS = "archives/{date:%Y}-{date:%m}.html"
MONTH_ARCHIVE_URL = MONTH_ARCHIVE_SAVE_AS

# Keep demo builds deterministic: no content cache between runs.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = True

# --- pelican-flattr ---------------------------------------------------------
# FLATTR_USERNAME is deliberately left unset. It would own the things of every
# author missing from FLATTR_AUTHORS; without it, Eve Example's posts show the
# "author with no identity" case: no button, and one line in the build log.
# FLATTR_USERNAME = "hackspace"

# Who owns the things of each author's posts.
FLATTR_AUTHORS = {
    # A registered Flattr user: sent as user_id.
    "Alice Andersson": "alice_flattrs",
    # A Twitter account, by numeric id: sent as owner, claimable later.
    "Bob Builder": "twitter:user:id:783214",
    # An email owner: hashed (MD5) at build time; the address never reaches
    # the output.
    "Carol Chen": "email:carol@example.org",
    # An identifier in the hackspace's own partner namespace.
    "Dmitri Ivanov": "partner:hackspace:1042",
    # "Eve Example" has no identity: her posts get no button, and the build
    # log says so.
}
FLATTR_CATEGORY = "text"  # Flattr category of every thing unless overridden
FLATTR_TAGS = ["hackspace"]  # Flattr tags added to the article's own tags
FLATTR_PAGES = True  # pages get things and buttons too (one opts out)
