"""The Flattr rules, and the commands built on them, work where Pelican
cannot be imported: they can be reused and tested without it."""

import subprocess
import sys

import pytest
from conftest import TESTS, child_env

RULES = [
    "identifiers",
    "thing",
    "settings",
    "resolve",
    "html_reader",
    "markup",
    "manifest",
    "manifest_removal",
    "feeds",
    "url_guard",
    "url_baseline",
    "diff_command",
    "addresses",
    "audit",
    "audit_command",
    "audit_feeds",
    "audit_output",
    "audit_pages",
    "audit_report",
    "audit_settings",
    "audit_tags",
    "api",
    "proxies",
    "verify",
    "store",
    "notice",
    "webhook_receiver",
    "webhook_command",
    "cli",
]

# Runs in a child process, where an import of pelican, or of any of its
# modules, fails as if it were not installed.
CHILD = """
import importlib, sys

class NoPelican:
    def find_spec(self, name, path=None, target=None):
        if name == "pelican" or name.startswith("pelican."):
            raise ImportError(f"pelican is blocked: {name}")
        return None

sys.meta_path.insert(0, NoPelican())
for name in sys.argv[1:]:
    importlib.import_module(name)
print(sorted(m for m in sys.modules if m == "pelican" or m.startswith("pelican.")))
"""


def _import_without_pelican(*modules: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, *modules],
        capture_output=True,
        text=True,
        cwd=TESTS,
        env=child_env(),
    )


@pytest.mark.parametrize("module", RULES)
def test_a_rules_module_imports_without_pelican(module):
    child = _import_without_pelican(f"pelican_flattr.{module}")
    assert (child.returncode, child.stderr, child.stdout) == (0, "", "[]\n")


def test_the_blocker_does_block_pelican():
    # The wiring needs Pelican: were the blocker to let it through, every
    # test above would pass whatever the rules import.
    child = _import_without_pelican("pelican_flattr.plugin")
    assert child.returncode == 1
    assert "pelican is blocked" in child.stderr


# Resolves an article's thing, its body of the kinds whose summary Pelican
# makes otherwise (a reStructuredText table of contents, a paragraph limit).
RESOLVE = """
from types import SimpleNamespace
from pelican_flattr.resolve import resolve
from pelican_flattr.settings import read_settings

settings, problems = read_settings({
    "SITEURL": "https://example.org",
    "FLATTR_USERNAME": "siteowner",
    "SUMMARY_MAX_PARAGRAPHS": 1,
})
body = (
    '<div class="contents topic"><p>Contents</p></div>'
    "<p>First paragraph.</p><p>Second.</p>"
)
content = SimpleNamespace(
    metadata={}, url="a.html", _content=body, authors=[], title="A walk", lang="en"
)
resolution = resolve(content, settings, True, "a.md", True, "a.html")
print(problems, resolution.problems, resolution.content_thing.thing.description)
"""


def test_resolving_a_thing_needs_no_pelican():
    # Only imported, as above, a rule that imports Pelican as it runs
    # passed: the summary of such a body asked Pelican how it cuts one.
    child = subprocess.run(
        [sys.executable, "-c", CHILD.replace("for name in", RESOLVE + "\nfor name in")],
        capture_output=True,
        text=True,
        cwd=TESTS,
        env=child_env(),
    )
    assert (child.returncode, child.stderr) == (0, "")
    assert child.stdout.splitlines() == [
        "[] () Contents First paragraph. Second.",
        "[]",
    ]


# -- the rules' functions, called as other code calls them -------------------


def test_a_path_may_be_given_as_a_str(tmp_path):
    # A str raised AttributeError ('str' object has no attribute 'parent'),
    # where the signatures' Path read as a requirement few callers expect.
    from pelican_flattr.manifest import file_holds, file_problem, write_atomically
    from pelican_flattr.notice import read_pending_totals
    from pelican_flattr.webhook_receiver import WebhookApp

    written = tmp_path / "out" / "x.json"
    write_atomically(str(written), "{}\n")
    assert written.read_text() == "{}\n"
    assert file_problem(str(written)) is None
    assert file_holds(str(written), [b"{}\n"])
    store = str(tmp_path / "store.sqlite3")
    WebhookApp(store, "t" * 40).close()
    assert read_pending_totals(store) == {}


def test_the_receiver_refuses_no_token_as_it_refuses_a_short_one(tmp_path):
    # None failed in the regex with a TypeError that named no token.
    from pelican_flattr.webhook_receiver import WebhookApp

    with pytest.raises(ValueError, match=r"^the web hook token must be at least 32"):
        WebhookApp(tmp_path / "store.sqlite3", None)
    assert list(tmp_path.iterdir()) == []
