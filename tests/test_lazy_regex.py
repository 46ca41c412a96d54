"""Module-level regular expressions are compiled at their first use: a build
pays only for those it uses, and each behaves as ``re.compile``'s would."""

import ast
import copy
import importlib
import json
import pickle
import re
import subprocess
import sys

import pytest
from conftest import ROOT, child_env
from hypothesis import given
from hypothesis import strategies as st

from pelican_flattr.lazy_regex import lazy_regex

CASES = [
    (r"(\w+)@(\w+)", 0, "write to ann@example or bob@test"),
    (r"^(?!\Z)", re.M, "one\ntwo\n"),
    (r"</head[\s/>]", re.IGNORECASE, "<HEAD></HEAD >"),
    (r"\s*<p>(.*?)</p>", re.DOTALL, "<p>one\ntwo</p><p>three</p>"),
    (rb"%(?![0-9A-Fa-f]{2})", 0, b"100% and %41 and %zz"),
]


@pytest.mark.parametrize(("pattern", "flags", "text"), CASES)
def test_it_answers_as_the_compiled_pattern_does(pattern, flags, text):
    lazy, compiled = lazy_regex(pattern, flags), re.compile(pattern, flags)
    empty = text[:0]

    def spans(found):
        return [(match.span(), match.groups()) for match in found]

    assert spans([lazy.search(text)]) == spans([compiled.search(text)])
    assert spans([lazy.search(text, 3)]) == spans([compiled.search(text, 3)])
    assert (lazy.match(text) is None) == (compiled.match(text) is None)
    assert (lazy.fullmatch(text) is None) == (compiled.fullmatch(text) is None)
    assert spans(lazy.finditer(text)) == spans(compiled.finditer(text))
    assert lazy.findall(text) == compiled.findall(text)
    assert lazy.sub(empty, text) == compiled.sub(empty, text)
    assert lazy.subn(empty, text, count=1) == compiled.subn(empty, text, count=1)
    assert lazy.split(text) == compiled.split(text)
    assert (lazy.flags, lazy.groups, lazy.groupindex) == (
        compiled.flags,
        compiled.groups,
        compiled.groupindex,
    )
    assert lazy.pattern == pattern


@given(st.text(max_size=40))
def test_any_text_is_searched_as_the_compiled_pattern_searches_it(text):
    pattern = r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+"
    lazy = lazy_regex(pattern)
    assert [m.span() for m in lazy.finditer(text)] == [
        m.span() for m in re.finditer(pattern, text)
    ]


def test_nothing_is_compiled_until_it_is_used():
    # A pattern that cannot compile: made without complaint, refused at use.
    broken = lazy_regex(r"(unclosed")
    assert broken.pattern == r"(unclosed"
    with pytest.raises(re.error, match="missing \\)"):
        broken.search("text")


def test_after_its_first_use_its_methods_are_its_own():
    # Later look-ups find the compiled pattern's methods in the instance, not
    # through __getattr__, which would compile again for each one.
    lazy = lazy_regex(r"a+")
    assert "search" not in vars(lazy)
    assert lazy.search("baa").span() == (1, 3)
    assert vars(lazy)["search"].__self__ is vars(lazy)["sub"].__self__
    assert vars(lazy)["sub"]("-", "baab") == "b-b"


@pytest.mark.parametrize("used_first", [False, True])
@pytest.mark.parametrize(
    "duplicate",
    [copy.copy, copy.deepcopy, lambda lazy: pickle.loads(pickle.dumps(lazy))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_a_copy_answers_as_the_original_does(duplicate, used_first):
    lazy = lazy_regex(r"(?i)b+", re.ASCII)
    if used_first:
        lazy.search("")
    copied = duplicate(lazy)
    assert copied.pattern == lazy.pattern
    assert copied.sub("-", "aBbc") == "a-c"
    assert copied.flags == re.compile(r"(?i)b+", re.ASCII).flags


# What the test's child prints: every lazy pattern of the modules importing
# and registering the plugin loads, and whether any was compiled by then.
_AFTER_IMPORT = """
import json, sys
import pelican_flattr
pelican_flattr.register()
from pelican_flattr.lazy_regex import _CompiledOnFirstUse
found = {}
for name, module in sorted(sys.modules.items()):
    if not name.startswith("pelican_flattr"):
        continue
    for key, value in vars(module).items():
        for each in value.values() if isinstance(value, dict) else [value]:
            if isinstance(each, _CompiledOnFirstUse):
                found[f"{name}.{key}"] = "search" in vars(each)
modules = sorted(m for m in sys.modules if m.startswith("pelican_flattr."))
print(json.dumps({"modules": modules, "patterns": found}))
"""


def _module_level_compiles(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "compile"
                and getattr(node.func.value, "id", None) == "re"
            ):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_a_build_imports_no_pattern_compiled_and_each_compiles():
    result = subprocess.run(
        [sys.executable, "-c", _AFTER_IMPORT],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        check=True,
    )
    loaded = json.loads(result.stdout)
    assert len(loaded["modules"]) > 10
    # Every module a build imports makes its module-level patterns lazily...
    eager = [
        place
        for module in loaded["modules"]
        for place in _module_level_compiles(
            ROOT / "pelican_flattr" / f"{module.split('.')[1]}.py"
        )
    ]
    assert eager == []
    # ...none of them compiled by importing and registering the plugin...
    assert len(loaded["patterns"]) > 50
    assert [name for name, compiled in loaded["patterns"].items() if compiled] == []
    # ...and each one compiles (a mistake in one would otherwise show only
    # when unusual input first reaches it).
    for name in loaded["patterns"]:
        module_name, _, attribute = name.rpartition(".")
        value = getattr(importlib.import_module(module_name), attribute)
        for each in value.values() if isinstance(value, dict) else [value]:
            assert isinstance(each.groups, int), name
