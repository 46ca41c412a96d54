"""The Flattr rules, and the commands built on them, work where Pelican
cannot be imported: they can be reused and tested without it."""

import subprocess
import sys

import pytest
from conftest import ROOT, TESTS, child_env

# The packages pelican-flattr depends on beyond the standard library.
DEPENDENCIES = (
    "pelican",
    "jinja2",
    "markupsafe",
    "feedgenerator",
    "rich",
    "httpx",
    "waitress",
)

# Each rules module, and the dependencies it imports (with theirs): the
# README's "Using the Flattr rules without Pelican" (docs/without-pelican.md)
# lists them. The commands import rich only as they print, and `webhook
# serve` waitress only as it starts: neither as its module is imported.
RULES = {
    "identifiers": (),
    "wording": (),
    "thing": (),
    "settings": (),
    "resolve": (),
    "html_reader": (),
    "markup": ("markupsafe",),
    "manifest": (),
    "manifest_removal": (),
    "feeds": ("feedgenerator",),
    "url_guard": (),
    "url_baseline": (),
    "diff_command": (),
    "addresses": (),
    "audit": ("feedgenerator", "markupsafe"),
    "audit_command": ("feedgenerator", "markupsafe"),
    "audit_feeds": ("feedgenerator", "markupsafe"),
    "audit_output": (),
    "audit_pages": ("feedgenerator", "markupsafe"),
    "audit_report": ("feedgenerator",),
    "audit_settings": (),
    "audit_tags": ("markupsafe",),
    "api": ("httpx",),
    "proxies": ("httpx",),
    "verify": ("httpx",),
    "store": (),
    "files": (),
    "notice": (),
    "webhook_receiver": (),
    "webhook_command": (),
    "cli": (),
    "terminal": (),
}

# Runs in a child process, where an import of the packages named in its
# first argument, or of any of their modules, fails as if they were not
# installed.
CHILD = """
import importlib, sys

BLOCKED = set(sys.argv[1].split(","))

class Blocker:
    def find_spec(self, name, path=None, target=None):
        package = name.partition(".")[0]
        if package in BLOCKED:
            raise ImportError(f"{package} is blocked: {name}")
        return None

sys.meta_path.insert(0, Blocker())
for name in sys.argv[2:]:
    importlib.import_module(name)
print(sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED))
"""


def _import_without(
    *modules: str, needs: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Import ``modules`` in a child where no dependency but ``needs`` is."""
    blocked = ",".join(sorted(set(DEPENDENCIES) - set(needs)))
    return subprocess.run(
        [sys.executable, "-c", CHILD, blocked, *modules],
        capture_output=True,
        text=True,
        cwd=TESTS,
        env=child_env(),
    )


@pytest.mark.parametrize(("module", "needs"), RULES.items())
def test_a_rules_module_imports_without_pelican(module, needs):
    child = _import_without(f"pelican_flattr.{module}", needs=needs)
    assert (child.returncode, child.stderr, child.stdout) == (0, "", "[]\n")


@pytest.mark.parametrize(("module", "needs"), [(m, n) for m, n in RULES.items() if n])
def test_a_rules_module_needs_each_dependency_it_is_listed_with(module, needs):
    # Were one listed that it does not import, the README would ask for
    # more than it needs.
    for needed in needs:
        fewer = tuple(package for package in needs if package != needed)
        child = _import_without(f"pelican_flattr.{module}", needs=fewer)
        assert f"{needed} is blocked" in child.stderr, needed


def test_the_blocker_does_block_pelican():
    # The wiring needs Pelican: were the blocker to let it through, every
    # test above would pass whatever the rules import.
    child = _import_without("pelican_flattr.plugin", needs=DEPENDENCIES[1:])
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
        [
            sys.executable,
            "-c",
            CHILD.replace("for name in", RESOLVE + "\nfor name in"),
            ",".join(DEPENDENCIES),
        ],
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


def test_the_readmes_example_runs_with_markupsafe_alone():
    # Its button is the markup module's, which needs MarkupSafe alone (see
    # RULES); a button without lang said its title was in no known language.
    readme = (ROOT / "docs" / "without-pelican.md").read_text(encoding="utf-8")
    section = readme[readme.index("# Using the Flattr rules without Pelican") :]
    start = section.index("```python\n") + 10
    example = section[start : section.index("\n```", start)]
    # The example's button, printed as it is made.
    shown = (
        "from pelican_flattr import markup\n"
        "made = markup.button\n"
        "markup.button = lambda *given: print(made(*given))\n"
    ) + example
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD.replace("for name in", shown + "\nfor name in"),
            ",".join(package for package in DEPENDENCIES if package != "markupsafe"),
        ],
        capture_output=True,
        text=True,
        cwd=TESTS,
        env=child_env(),
    )
    assert (child.returncode, child.stderr) == (0, "")
    assert '<span lang="en" dir="auto">Hello, world</span>' in child.stdout


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
