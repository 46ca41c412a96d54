"""Real Pelican builds in temporary directories, shared by the tests."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pelican import Pelican
from pelican.log import LimitFilter
from pelican.settings import read_settings

import pelican_flattr

# The properties are checked on a shared 2-core machine, where another job
# can make generating one example slow: Hypothesis's health check then
# failed a property that held (a time limit, not a finding).
hypothesis_settings.register_profile(
    "shared-machine", suppress_health_check=[HealthCheck.too_slow], deadline=None
)
hypothesis_settings.load_profile("shared-machine")

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SAMPLE_SITE = ROOT / "sample_site"
SITEURL = "https://blog.example.org"
# Where the pelican_flattr under test is: the checkout in development, but
# site-packages (or a packager's build root) when the tests run from the
# source archive against an installed wheel, whose modules may differ.
PACKAGE_HOME = Path(pelican_flattr.__file__).resolve().parent.parent


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment and ``extra`` for a child Python: the
    pelican_flattr under test first on its PYTHONPATH (a child run as nobody
    may not read the site-packages where an editable install's finder
    is). Start the child outside the repository root too: a child of ``-c``
    or ``-m`` looks in its working folder first, and would import the
    source tree instead."""
    paths = [str(PACKAGE_HOME), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, **extra, "PYTHONPATH": os.pathsep.join(filter(None, paths))}


def article(title: str, author: str = "Alice", body: str = "", **meta: str) -> str:
    """A Markdown article with the given metadata."""
    lines = [f"Title: {title}", f"Author: {author}", "Date: 2024-03-01 10:00"]
    lines += [f"{key}: {value}" for key, value in meta.items()]
    text = body or "A first paragraph with enough words to be a summary of this piece."
    return "\n".join(lines) + "\n\n" + textwrap.dedent(text).strip() + "\n"


def build(
    tmp_path: Path,
    files: dict[str, str],
    theme: str | None = None,
    fresh_log: bool = True,
    **settings: object,
) -> Path:
    """Build a site from ``files`` (paths under the content dir) and return
    the output directory. ``settings`` override Pelican's defaults.
    ``fresh_log``: clear Pelican's log filter first, as a new process has it
    (not as ``pelican --autoreload`` does)."""
    content = tmp_path / "content"
    output = tmp_path / "output"
    for name, text in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    content.mkdir(exist_ok=True)
    override = {
        "PATH": str(content),
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(tmp_path / "cache"),
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "SITEURL": SITEURL,
        "SITENAME": "Example Community",
        "TIMEZONE": "UTC",
        "PLUGINS": ["pelican_flattr"],
        "FEED_ALL_ATOM": None,
        "CATEGORY_FEED_ATOM": None,
        "TRANSLATION_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None,
        "AUTHOR_FEED_RSS": None,
    }
    if theme:
        override["THEME"] = theme
    override.update(settings)
    # Pelican's log filter drops a message it has seen before in this
    # process; every build here must log afresh.
    if fresh_log:
        LimitFilter._raised_messages.clear()
        LimitFilter._group_count.clear()
    pelican_settings = read_settings(path=None, override=override)
    Pelican(settings=pelican_settings).run()
    return output


@pytest.fixture
def site(tmp_path):
    """``site(files, **settings)`` builds a site and returns its output dir."""
    counter = iter(range(1000))

    def _build(files: dict[str, str], theme: str | None = None, **settings: object):
        return build(tmp_path / f"site{next(counter)}", files, theme, **settings)

    return _build


@pytest.fixture
def flattr_log(caplog):
    """The plugin's log records, at WARNING and above."""
    caplog.set_level(logging.WARNING, logger="pelican_flattr")
    return caplog


def page(path: Path):
    """A built page, parsed by a real HTML parser."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def simple_base(*, head: str = "", footer: str = "") -> str:
    """Pelican's own ``simple/base.html``, ``head`` (Jinja) printed at the end
    of its head and ``footer`` at the end of its body: a base.html for a
    child theme. Copied, not extended: Pelican 4.9's has no footer block, and
    a child's block it lacks prints nothing, so a test of a theme's footer
    would pass without one."""
    import pelican

    text = (
        Path(pelican.__file__).parent / "themes" / "simple" / "templates" / "base.html"
    ).read_text(encoding="utf-8")
    for tag, added in (("</head>", head), ("</body>", footer)):
        before, found, after = text.rpartition(tag)
        assert found, f"simple/base.html has no {tag}"
        text = before + added + found + after
    return text


def remove_button(path: Path) -> None:
    """Take the plugin's (first) button out of the built page ``path``."""
    text = path.read_text(encoding="utf-8")
    start = text.index('<a class="flattr-button')
    end = text.index("</a>", start) + len("</a>")
    path.write_text(text[:start] + text[end:], encoding="utf-8")


def page_as_browsers_read_it(path: Path):
    """A built page, parsed by html5lib, which follows the HTML standard's
    parsing rules as browsers do: the text of a ``<title>`` holds no tags,
    and text after a stray ``</head>`` goes where a browser puts it."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def manifest_things(output: Path, name: str = "flattr-manifest.json") -> dict:
    """The manifest's things keyed by source file."""
    import json

    document = json.loads((output / name).read_text(encoding="utf-8"))
    return {entry["source"]: entry for entry in document["things"]}


def audit_report(output: Path, capsys) -> tuple[int, dict]:
    """``pelican-flattr audit --json``'s exit status and JSON report."""
    from pelican_flattr.cli import main

    capsys.readouterr()  # what Pelican printed
    status = main(["audit", str(output), "--json"])
    return status, json.loads(capsys.readouterr().out)


def only_page(output: Path) -> Path:
    """The page of the site's one thing."""
    (thing,) = manifest_things(output).values()
    return output / thing["page"]


def flattr_buttons(soup) -> list:
    """Every button this plugin rendered on a page, whatever its style."""
    return soup.select("a.flattr-button")


def payment_links(soup) -> list:
    """Every payment link on a page, its rel in any letter case."""
    return [
        link
        for link in soup.find_all("link")
        if "payment" in [rel.lower() for rel in link.get("rel") or []]
    ]


def og(soup, prop: str) -> list[str]:
    """The content of every <meta property=prop> on a page."""
    return [meta["content"] for meta in soup.find_all("meta", property=prop)]


@contextlib.contextmanager
def sqlite_file(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the SQLite database at ``path``, committed and closed
    when the block ends (``with sqlite3.connect(...)`` only commits)."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) made read-only for this process.

    Root ignores file modes, and a process with fewer rights cannot run this
    Python when it lives under /root: for root, the immutable attribute
    (``chattr +i``), which stops root too. Skips the test where neither works.
    """
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    try:
        made = subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True, text=True
        )
    except FileNotFoundError:
        pytest.skip("root ignores file modes, and there is no chattr here")
    if made.returncode != 0:
        pytest.skip(f"root ignores file modes, and chattr +i failed: {made.stderr}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def build_sample_site(
    root: Path, settings_file: str = "publishconf.py", **settings: object
) -> Path:
    """Build sample_site/ with one of its own settings files into ``root``:
    by default the publish build (``publishconf.py``), whose output is the
    one to audit; ``"pelicanconf.py"`` for the preview build."""
    output = root / "output"
    override = {
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(root / "cache"),
        **settings,
    }
    LimitFilter._raised_messages.clear()
    LimitFilter._group_count.clear()
    pelican_settings = read_settings(
        str(SAMPLE_SITE / settings_file), override=override
    )
    Pelican(settings=pelican_settings).run()
    return output


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory) -> Path:
    """The sample site, built once for the session; copy it before changing it."""
    return build_sample_site(tmp_path_factory.mktemp("sample"))


# One build in a process of its own: a namespace plugin such as
# i18n_subsites or seo stays connected to Pelican's signals for the life of
# a process, and would act on every later build of the test session.
# Prints the plugin's warnings, every log line and the exit status as JSON.
CHILD_BUILD = """
import json, logging, sys
from pathlib import Path

tests, folder, request = sys.argv[1:]
sys.path.insert(0, tests)
from conftest import build

messages, log = [], []
handler = logging.Handler(logging.WARNING)
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("pelican_flattr").addHandler(handler)
every = logging.Handler(logging.DEBUG)
every.emit = lambda record: log.append(record.getMessage())
logging.getLogger().addHandler(every)
logging.getLogger().setLevel(logging.DEBUG)
files, settings = json.loads(request)
try:
    build(Path(folder), files, **settings)
    status = 0
except SystemExit as exit:
    status = exit.code
print(json.dumps({"messages": messages, "log": log, "status": status}))
"""


class ChildBuild(NamedTuple):
    messages: list[str]  # the plugin's warnings and errors
    status: int
    log: list[str]  # every log line, of every logger and level


def child_build(folder: Path, files: dict[str, str], **settings: object) -> ChildBuild:
    """A build of ``files``, run by ``build`` in a child process."""
    result = run_child(CHILD_BUILD, folder, [files, settings])
    return ChildBuild(result["messages"], result["status"], result["log"])


def i18n_build(folder: Path, files: dict[str, str], **settings: object) -> ChildBuild:
    """A build of ``files`` with i18n_subsites (a German site by default),
    in a child process."""
    settings = {
        "PLUGINS": ["i18n_subsites", "pelican_flattr"],
        "I18N_SUBSITES": {"de": {}},
        **settings,
    }
    return child_build(folder, files, **settings)


def run_child(script: str, folder: Path, request: object) -> Any:
    """Run ``script`` in a child Python with the arguments the tests'
    folder, ``folder`` and ``request`` as JSON; return the JSON value it
    prints last."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(TESTS),
            str(folder),
            json.dumps(request),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=TESTS,
        env=child_env(),
    )
    return json.loads(child.stdout.splitlines()[-1])


def run_pelican(
    content: Path, output: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """The ``pelican`` command beside this Python (never another one on
    PATH, which might lack this plugin) building ``content`` into
    ``output`` with the plugin, ``SITEURL`` and UTC, and ``options``; its
    log lines one line each, whatever their length."""
    pelican = Path(sys.executable).with_name("pelican")
    assert pelican.is_file(), f"no pelican script beside {sys.executable}"
    return subprocess.run(
        [
            str(pelican),
            str(content),
            "-o",
            str(output),
            "-e",
            'PLUGINS=["pelican_flattr"]',
            f'SITEURL="{SITEURL}"',
            'TIMEZONE="UTC"',
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=content.parent,
        env=dict(os.environ, COLUMNS="1000"),
    )


def documented_block(doc: str, first_line: str) -> str:
    """The code of ``doc`` (a file of the repository, such as
    ``docs/privacy.md``) from the line ``first_line`` to the end of its
    fenced block, as a reader copies it."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    start = text.index(f"\n{first_line}\n") + 1
    return text[start : text.index("\n```", start) + 1]
