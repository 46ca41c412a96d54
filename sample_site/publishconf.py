"""Settings of the sample site for the build that publishes it: those of
pelicanconf.py, and the public address. Build it from the repository root:

    .venv/bin/pelican sample_site/content -s sample_site/publishconf.py \
        -o sample_site/output
    .venv/bin/pelican-flattr audit sample_site/output \
        --settings sample_site/publishconf.py
"""

import runpy
from pathlib import Path

# Every setting of pelicanconf.py, read by its path: pelican-quickstart's
# `from pelicanconf import *` finds it only when pelican runs in this folder,
# and takes any module named pelicanconf a process has loaded already.
_preview = runpy.run_path(str(Path(__file__).with_name("pelicanconf.py")))
globals().update({name: value for name, value in _preview.items() if name.isupper()})

# The public address: the URL guard checks the thing URLs of this build
# against the last published ones, and keeps them as the new baseline.
# FLATTR_SITEURL, from pelicanconf.py, is the same address.
SITEURL = "https://community.example.org"
# Relative links, as in the preview: the published site works from disk too.
RELATIVE_URLS = True

# The feeds the preview leaves out.
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
AUTHOR_FEED_ATOM = "feeds/{slug}.atom.xml"
AUTHOR_FEED_RSS = "feeds/{slug}.rss.xml"
TAG_FEED_ATOM = "feeds/tag-{slug}.atom.xml"
TRANSLATION_FEED_ATOM = "feeds/all-{lang}.atom.xml"

# A changed thing URL, or a setting the plugin cannot use, fails the build
# rather than publish it.
FLATTR_STRICT = True
