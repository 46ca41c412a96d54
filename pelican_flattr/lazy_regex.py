"""Regular expressions compiled at their first use, not when their module is
imported.

The modules a build imports hold some hundred module-level regular
expressions, most of them for unusual input (an address written otherwise,
a pin, a language tag) that an ordinary build never meets. ``re.compile``
is Python code: compiling them all cost ~126 M instructions, ~0.6 % of a
1,000-article build, which uses 28 of them (docs/performance.md).
Nothing here imports Pelican.
"""

from __future__ import annotations

import re
from typing import AnyStr, cast

# What callers use of a compiled pattern; each is copied onto the stand-in
# at the first use, so that a later look-up finds it in the instance's dict
# and never reaches ``__getattr__`` again.
_PATTERN_ATTRIBUTES = (
    "search",
    "match",
    "fullmatch",
    "finditer",
    "findall",
    "sub",
    "subn",
    "split",
    "scanner",
    "flags",
    "groups",
    "groupindex",
)


class _CompiledOnFirstUse:
    """Stands for ``re.compile(pattern, flags)`` until one of its attributes
    is looked up; ``pattern`` is there from the start, since other patterns
    are written with it."""

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> object:
        # Reached only for an attribute the instance does not hold yet: two
        # threads may both compile, and both copy the same methods. Never
        # for a special name: copy and pickle ask for those on an object
        # made without __init__, where looking up ``pattern`` would come
        # back here.
        if name.startswith("__") or "pattern" not in vars(self):
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self._flags)
        for attribute in _PATTERN_ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __reduce__(self) -> tuple[object, tuple[str | bytes, int]]:
        return lazy_regex, (self.pattern, self._flags)

    def __repr__(self) -> str:
        return f"lazy_regex({self.pattern!r}, {self._flags!r})"


def lazy_regex(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)``, compiled when first used.

    The stand-in answers what a compiled pattern does (``search``,
    ``sub``, ``pattern``...), but is not an ``re.Pattern``: pass it
    nowhere that checks the type or compiles it again (``re.sub(it, ...)``);
    call its methods. A pattern that does not compile fails at its first
    use, so each is exercised by a test.
    """
    return cast("re.Pattern[AnyStr]", _CompiledOnFirstUse(pattern, flags))
