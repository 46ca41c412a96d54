"""Where pelican-flattr's instructions go inside a real build, piece by piece.

``instructions.py`` counts what the plugin adds to a build in all; this
script says where it goes. Callgrind sees C functions, not Python ones, so
each piece of the plugin is called through a C function of its own: one of
the iterators of ``itertools`` that call a Python function (``starmap``,
``takewhile``, ``dropwhile``, ``filterfalse``, ``accumulate``), which
nothing else in a build uses. ``callgrind_annotate --inclusive=yes`` then
gives each iterator's count: everything that ran inside its piece, garbage
collections included. Five pieces fit in one build, so the plugin build is
counted three times with different pieces wrapped, beside the plain and
the plugin build as ``instructions.py`` counts them: ~15 minutes at 1,000
articles on two cores.

    .venv-bench/bin/python benchmarks/pieces.py --size 1000

What the pieces leave of the plugin's count is the work its output makes
for Pelican, Jinja and feedgenerator (longer pages and feeds to encode and
write, more objects for the collector to visit), the helpers' name lookup
in every template, and the wrappers themselves (a few hundred instructions
a call: small pieces read a little high). It needs valgrind (``apt-get
install valgrind``), whose ``callgrind_annotate`` reads the profiles.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _through_starmap(call: Callable[[], Any]) -> Any:
    return next(itertools.starmap(call, [()]))


def _through_takewhile(call: Callable[[], Any]) -> Any:
    box: list[Any] = []
    next(itertools.takewhile(lambda _: box.append(call()) or True, [0]))
    return box[0]


def _through_dropwhile(call: Callable[[], Any]) -> Any:
    box: list[Any] = []
    next(itertools.dropwhile(lambda _: box.append(call()), [0]))
    return box[0]


def _through_filterfalse(call: Callable[[], Any]) -> Any:
    box: list[Any] = []
    next(itertools.filterfalse(lambda _: box.append(call()), [0]))
    return box[0]


def _through_accumulate(call: Callable[[], Any]) -> Any:
    steps = itertools.accumulate([None, None], lambda *_: call())
    next(steps)
    return next(steps)


# Each iterator, and how a call goes through it. Its C function is
# ITERATOR_next, which callgrind counts.
THROUGH = {
    "starmap": _through_starmap,
    "takewhile": _through_takewhile,
    "dropwhile": _through_dropwhile,
    "filterfalse": _through_filterfalse,
    "accumulate": _through_accumulate,
}

IMPORT = "importing the plugin"
FEEDS = "feeds: tagging items, writing payment links"
PRIVACY = "privacy checks as Pelican reads and renders"
SETUP = "setting up the build and the templates"

# The pieces of each counted build: (label, iterator, module of
# pelican_flattr or class in one, function). A receiver is replaced in
# ``plugin`` before Pelican calls register(); other functions where their
# caller looks them up. Labels indented under the one above run inside it.
RUNS: list[list[tuple[str, str, str, str]]] = [
    [
        (IMPORT, "accumulate", "", ""),
        ("attach_things", "starmap", "plugin", "attach_things"),
        ("complete_page", "takewhile", "templates", "complete_page"),
        (FEEDS, "dropwhile", "plugin", "add_payment_links_to_feed"),
        (FEEDS, "dropwhile", "plugin", "record_feed"),
        (FEEDS, "dropwhile", "feeds._PaymentLinks", "_payment_link"),
        ("finish_build", "filterfalse", "plugin", "finish_build"),
    ],
    [
        ("  resolve", "starmap", "attach", "resolve"),
        ("  open_graph", "takewhile", "templates", "open_graph"),
        ("  markup.inject", "dropwhile", "markup", "inject"),
        (
            "  the manifest, encoded and written",
            "filterfalse",
            "finish",
            "write_atomically",
        ),
        ("  guard_thing_urls", "accumulate", "finish", "guard_thing_urls"),
    ],
    [
        ("reserve_flattr_attribute", "starmap", "plugin", "reserve_flattr_attribute"),
        (PRIVACY, "takewhile", "plugin", "hide_addresses"),
        (PRIVACY, "takewhile", "plugin", "note_readers"),
        (PRIVACY, "takewhile", "plugin", "hide_addresses_in_context"),
        (PRIVACY, "takewhile", "plugin", "hide_addresses_as_read"),
        (
            "  writing payment links",
            "dropwhile",
            "feeds._PaymentLinks",
            "_payment_link",
        ),
        (SETUP, "filterfalse", "build", "start_build"),
        (SETUP, "filterfalse", "plugin", "prepare_templates"),
        (SETUP, "filterfalse", "plugin", "keep_templates_completing"),
    ],
]

# The order of the table: each piece once, those inside another after it.
ORDER = [
    IMPORT,
    SETUP,
    PRIVACY,
    "reserve_flattr_attribute",
    "attach_things",
    "  resolve",
    "complete_page",
    "  open_graph",
    "  markup.inject",
    FEEDS,
    "  writing payment links",
    "finish_build",
    "  the manifest, encoded and written",
    "  guard_thing_urls",
]


def through(iterator: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, called through ``iterator``'s C function."""
    go = THROUGH[iterator]

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return go(lambda: function(*args, **kwargs))

    return functools.update_wrapper(wrapper, function)


def wrapped_build(run: int, pelican_args: list[str]) -> int:
    """One Pelican build with the pieces of ``RUNS[run]`` wrapped (this
    script run under callgrind)."""
    import pelican
    import pelican.log

    # As instructions.py counts a build: without the status spinner, whose
    # thread's share follows the machine's load.
    pelican.log.console.status = lambda *args, **kwargs: contextlib.nullcontext()
    pieces = RUNS[run]
    if any(not owner for _, _, owner, _ in pieces):
        through("accumulate", importlib.import_module)("pelican_flattr.plugin")
    for _, iterator, owner, name in pieces:
        if not owner:
            continue
        module, _, cls = owner.partition(".")
        holder = importlib.import_module(f"pelican_flattr.{module}")
        if cls:
            holder = getattr(holder, cls)
        setattr(holder, name, through(iterator, getattr(holder, name)))
    sys.argv = ["pelican", *pelican_args]
    return pelican.main()


_INCLUSIVE = re.compile(r"^\s*([\d,]+)\s.*itertoolsmodule\.c:(\w+)_next\b", re.M)


def piece_counts(profile: Path) -> dict[str, int]:
    """Each iterator's inclusive count in a callgrind profile."""
    annotated = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(profile)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return iterator_counts(annotated)


def iterator_counts(annotated: str) -> dict[str, int]:
    """Each iterator's inclusive count in ``callgrind_annotate``'s output."""
    counts: dict[str, int] = {}
    for match in _INCLUSIVE.finditer(annotated):
        count = int(match.group(1).replace(",", ""))
        # The iterator's own lines (its header file's inlined parts come
        # with counts of their own, far smaller).
        counts[match.group(2)] = max(counts.get(match.group(2), 0), count)
    return counts


def main() -> int:
    if sys.argv[1:2] == ["--wrapped"]:
        return wrapped_build(int(sys.argv[2]), sys.argv[3:])
    from build_cost import compile_plugin, run_build, site_confs
    from instructions import collected, count_instructions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_annotate"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed: apt-get install valgrind")
    compile_plugin()
    content, confs = site_confs(args.size)
    for name in ("plain", "plugin"):
        run_build(confs[name], content)
    plugin_conf = _settings_of(confs["plugin"])
    with tempfile.TemporaryDirectory() as scratch:
        # All five at once: a count does not depend on what else runs.
        totals_started = {
            name: count_instructions(confs[name], content, 0)
            for name in ("plain", "plugin")
        }
        wrapped_started = [
            _count_wrapped(run, plugin_conf, content, Path(scratch))
            for run in range(len(RUNS))
        ]
        totals = {
            name: collected(process, name) for name, process in totals_started.items()
        }
        counts: dict[str, int] = {}
        for run, (process, profile) in enumerate(wrapped_started):
            collected(process, f"plugin (pieces {run})")
            found = piece_counts(profile)
            for label, iterator, _, _ in RUNS[run]:
                counts[label] = found.get(iterator, 0)
    print_table(args.size, totals, counts)
    return 0


def _settings_of(conf: Path) -> dict[str, Any]:
    """The settings in a file build_cost.py wrote."""
    values: dict[str, Any] = {}
    exec(conf.read_text(), values)
    return {name: value for name, value in values.items() if name.isupper()}


def _count_wrapped(
    run: int, plugin_conf: dict[str, Any], content: Path, work: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start the plugin build with ``RUNS[run]`` wrapped under callgrind,
    in an output folder of its own that holds the plugin build's output
    (and so the URL guard's baseline)."""
    from build_cost import write_conf
    from instructions import count_instructions

    output = work / f"out-{run}"
    shutil.copytree(plugin_conf["OUTPUT_PATH"], output)
    values = {
        **plugin_conf,
        "OUTPUT_PATH": str(output),
        "CACHE_PATH": str(work / f"cache-{run}"),
    }
    wrapped_conf = write_conf(work / f"wrapped-{run}.py", values)
    profile = work / f"callgrind-{run}.out"
    process = count_instructions(
        wrapped_conf,
        content,
        0,
        program=(__file__, "--wrapped", str(run)),
        profile=str(profile),
    )
    return process, profile


def print_table(size: int, totals: dict[str, int], counts: dict[str, int]) -> None:
    added = totals["plugin"] - totals["plain"]
    print(
        f"{size:,} articles: plain Pelican {totals['plain'] / 1e9:.3f} G, "
        f"with the plugin {totals['plugin'] / 1e9:.3f} G "
        f"(+{added / 1e6:.0f} M, {totals['plugin'] / totals['plain']:.4f})\n"
    )
    print("| piece | instructions | share of the build | per article |")
    print("| --- | --- | --- | --- |")
    outer = 0
    for label in ORDER:
        count = counts[label]
        if not label.startswith(" "):
            outer += count
        print(
            f"| {label.replace('  ', '↳ ')} | {count / 1e6:.1f} M "
            f"| {count / totals['plain']:.2%} | {count / size / 1e3:.0f} k |"
        )
    rest = added - outer
    print(
        f"| everything else | {rest / 1e6:.1f} M | {rest / totals['plain']:.2%} "
        f"| {rest / size / 1e3:.0f} k |"
    )


if __name__ == "__main__":
    sys.exit(main())
