"""A seeded synthetic community site: the same N always gives the same site.

20 authors with mixed identity kinds (Flattr users, twitter, email and
partner owners, and one author with no identity), categories and tags with
non-ASCII names, non-ASCII titles, a ``Summary:`` on some articles, three to
six paragraphs of Markdown each, and a few pages.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

WORDS = [
    "solder",
    "board",
    "sensor",
    "motor",
    "laser",
    "cutter",
    "printer",
    "filament",
    "kernel",
    "driver",
    "bus",
    "voltage",
    "current",
    "resistor",
    "capacitor",
    "workshop",
    "member",
    "project",
    "repair",
    "firmware",
    "signal",
    "antenna",
    "battery",
    "enclosure",
    "bracket",
    "thread",
    "spindle",
    "lathe",
    "fräs",
    "lödning",
    "kärna",
    "ström",
    "回路",
    "はんだ",
    "מעגל",
    "plan",
    "test",
    "build",
    "break",
    "fix",
]
CATEGORIES = ["Workshop", "Software", "Elektronik", "Community", "Trädgård"]
TAGS = ["rust", "python", "c", "kicad", "3d-print", "laser", "lödning", "回路",
        "arduino", "esp32", "repair", "safety", "noise", "audio", "radio"]  # fmt: skip


def authors() -> dict[str, str | None]:
    """Author name -> identity (None: no identity, so no button)."""
    names = {}
    for n in range(20):
        name = f"Author {n:02d} Ñamé"
        kind = n % 5
        if kind == 0:
            names[name] = f"user{n:02d}"
        elif kind == 1:
            names[name] = f"twitter:user:id:{1000 + n}"
        elif kind == 2:
            names[name] = f"email:author{n}@example.org"
        elif kind == 3:
            names[name] = f"partner:bench:{n}"
        else:
            names[name] = None if n == 4 else f"user{n:02d}"
    return names


def _sentence(chooser: random.Random) -> str:
    words = [chooser.choice(WORDS) for _ in range(chooser.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def _paragraph(chooser: random.Random) -> str:
    return " ".join(_sentence(chooser) for _ in range(chooser.randint(3, 6)))


def generate(root: Path, articles: int) -> Path:
    """Write the site's content folder under ``root`` (once) and return it."""
    content = root / "content"
    done = root / ".complete"
    # The site a size gives is this file's: one written by another version
    # of it is written again, never measured as if it were the same.
    stamp = f"{hashlib.sha256(Path(__file__).read_bytes()).hexdigest()} {articles}\n"
    if done.exists() and done.read_text() == stamp:
        return content
    done.unlink(missing_ok=True)
    shutil.rmtree(content, ignore_errors=True)
    chooser = random.Random(articles)
    names = list(authors())
    (content / "pages").mkdir(parents=True, exist_ok=True)
    for n in range(articles):
        title = f"{_sentence(chooser)[:-1][:60]} №{n}"
        tags = ", ".join(chooser.sample(TAGS, chooser.randint(1, 4)))
        lines = [
            f"Title: {title}",
            f"Author: {chooser.choice(names)}",
            f"Date: 20{15 + n % 10}-{1 + n % 12:02d}-{1 + n % 28:02d} 10:{n % 60:02d}",
            f"Category: {chooser.choice(CATEGORIES)}",
            f"Tags: {tags}",
            f"Slug: article-{n}",
        ]
        if n % 4 == 0:
            lines.append(f"Summary: {_sentence(chooser)}")
        body = [f"## {_sentence(chooser)[:-1]}\n" if n % 3 == 0 else ""]
        body += [_paragraph(chooser) for _ in range(chooser.randint(3, 6))]
        text = "\n".join(lines) + "\n\n" + "\n\n".join(body) + "\n"
        (content / f"article-{n}.md").write_text(text, encoding="utf-8")
    for n in range(4):
        page = f"Title: Page {n}\nAuthor: {names[n]}\n\n{_paragraph(chooser)}\n"
        (content / "pages" / f"page-{n}.md").write_text(page, encoding="utf-8")
    done.write_text(stamp)
    return content


def settings(plugin: bool) -> dict[str, object]:
    """Pelican settings shared by both builds; the plugin fully on or off."""
    common: dict[str, object] = {
        "SITENAME": "Bench Community",
        "SITEURL": "https://bench.example.org",
        "THEME": "notmyidea",
        "TIMEZONE": "UTC",
        "DEFAULT_LANG": "en",
        "DELETE_OUTPUT_DIRECTORY": True,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "FEED_ALL_RSS": "feeds/all.rss.xml",
        "CATEGORY_FEED_ATOM": "feeds/{slug}.atom.xml",
        "AUTHOR_FEED_ATOM": "feeds/author-{slug}.atom.xml",
        "AUTHOR_FEED_RSS": "feeds/author-{slug}.rss.xml",
        "TAG_FEED_ATOM": "feeds/tag-{slug}.atom.xml",
        "TRANSLATION_FEED_ATOM": "feeds/all-{lang}.atom.xml",
        "DEFAULT_PAGINATION": 10,
        "PLUGINS": [],
    }
    if plugin:
        common.update(
            PLUGINS=["pelican_flattr"],
            FLATTR_AUTHORS={k: v for k, v in authors().items() if v},
            FLATTR_PAGES=True,
            FLATTR_TAGS=["bench"],
            # Fully on by the defaults: build_cost.py checks the manifest and
            # the baseline say so. Not written out: four more settings are
            # four more names in the context Jinja copies for every page,
            # which costs the plugin build ~0.7 % of its instructions on
            # this site (make bench-instructions: 1.0584 against 1.0514).
        )
    return common
