"""Where pelican-flattr's time goes inside a real build, piece by piece.

Builds the benchmark's site (the same settings as ``build_cost.py``'s
plugin build) once per size, each in a fresh process, with a timer around
each of the plugin's signal receivers, the main pieces inside them, and the
payment links feedgenerator writes through the plugin as Pelican writes
each feed. It prints each piece's time, its share of the build and its
cost per thing: whether any part of the plugin grows faster than the
number of articles.

Garbage collections are Pelican's whole heap: whoever allocates when a
threshold is passed pays for one, and a plain build has as many (the same
count of each generation). So the time the collector ran inside each piece
is shown apart, and left out of its per-thing cost.

    .venv-bench/bin/python benchmarks/receivers.py --sizes 1000 5000 20000

The timers themselves cost ~1 µs a call: small pieces read a little high.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# What is timed: (owner, attribute, label). Pieces run inside the receivers
# listed before them; the table indents them under their receiver.
RECEIVERS = [
    ("plugin", "reserve_flattr_attribute", "reserve_flattr_attribute"),
    ("plugin", "attach_things", "attach_things"),
    ("attach", "resolve", "  resolve"),
    ("plugin", "add_payment_links_to_feed", "add_payment_links_to_feed"),
    ("_PaymentLinks", "_payment_link", "feeds: writing payment links"),
    ("plugin", "record_feed", "record_feed"),
    ("templates", "complete_page", "complete_page"),
    ("templates", "_auto_submit_url", "  the page's auto-submit URL"),
    ("templates", "open_graph", "  open_graph"),
    ("markup", "inject", "  markup.inject"),
    # Both in finish_build, in turn: replaced where it looks them up (the
    # guard lives in url_guard_build).
    ("finish", "write_manifest", "write_manifest"),
    ("finish", "guard_thing_urls", "guard_thing_urls"),
]


def timed_build(conf: Path) -> dict[str, Any]:
    """One build in this process, every piece in RECEIVERS timed."""
    from pelican import Pelican
    from pelican.settings import read_settings

    from pelican_flattr import attach, feeds, finish, markup, plugin, templates
    from pelican_flattr import build as flattr_build

    owners = {
        "plugin": plugin,
        "finish": finish,
        "attach": attach,
        "templates": templates,
        "markup": markup,
        "_PaymentLinks": feeds._PaymentLinks,
    }
    seconds: dict[str, float] = defaultdict(float)
    in_gc: dict[str, float] = defaultdict(float)
    calls: Counter[str] = Counter()
    running: list[str] = []

    def timer(function: Any, label: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            running.append(label)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started
                calls[label] += 1
                running.pop()

        return timed

    # Replaced before Pelican loads the plugin: register() connects (and
    # the receivers call) whatever the module holds by then.
    for owner, name, label in RECEIVERS:
        setattr(owners[owner], name, timer(getattr(owners[owner], name), label))

    collecting = {"since": 0.0}

    def collector(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting["since"] = time.perf_counter()
            return
        took = time.perf_counter() - collecting["since"]
        # A collection inside a piece is inside every piece around it.
        for label in set(running) or {"outside the plugin"}:
            in_gc[label] += took
        in_gc["the whole build"] += took

    gc.callbacks.append(collector)
    started = time.perf_counter()
    Pelican(read_settings(str(conf))).run()
    build = time.perf_counter() - started
    return {
        "build_s": build,
        "things": len(flattr_build.current.content_things),
        "seconds": dict(seconds),
        "gc_seconds": dict(in_gc),
        "calls": dict(calls),
    }


def table(size: int, result: dict[str, Any]) -> str:
    """One build's figures (``timed_build``) as a Markdown table."""
    build, things = result["build_s"], result["things"]
    gc_seconds = result["gc_seconds"]
    lines = [
        f"{size:,} articles: build {build:.2f} s, {things:,} things, garbage "
        f"collection {gc_seconds.get('the whole build', 0):.2f} s in all",
        "",
        "| piece | calls | time | share of build | of it in GC "
        "| per thing, without GC |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    in_all = 0.0
    for _, _, label in RECEIVERS:
        took = result["seconds"].get(label, 0.0)
        collected = gc_seconds.get(label, 0.0)
        if not label.startswith(" "):
            in_all += took  # the pieces indented are inside these
        name = label.strip()
        name = name if " " in name else f"`{name}`"  # code, or words
        name = f"↳ {name}" if label.startswith(" ") else name
        lines.append(
            f"| {name} | {result['calls'].get(label, 0):,} | {took * 1000:.1f} ms "
            f"| {took / build:.2%} | {collected * 1000:.1f} ms "
            f"| {(took - collected) / max(things, 1) * 1e6:.1f} µs |"
        )
    lines.append(f"| in all | | {in_all * 1000:.1f} ms | {in_all / build:.2%} | | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--conf", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.conf:  # the child process: one build, its figures as JSON
        print(json.dumps(timed_build(args.conf)))
        return 0

    from build_cost import compile_plugin, run_build, site_confs

    compile_plugin()
    for size in args.sizes:
        content, confs = site_confs(size)
        run_build(confs["plugin"], content)  # the URL guard's baseline
        child = subprocess.run(
            [sys.executable, __file__, "--conf", str(confs["plugin"])],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(f"the {size:,}-article build failed:\n{child.stderr}")
        print(table(size, json.loads(child.stdout.splitlines()[-1])), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
