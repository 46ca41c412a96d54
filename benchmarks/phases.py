"""In which phase of a build the plugin's extra CPU time falls.

Builds the benchmark's site (build_cost.py's plain and plugin settings)
in alternating pairs, each build in a fresh ``pelican`` process with a
small timing plugin (this file) loaded in both. It notes the process's
user and system CPU time where Pelican's signals mark the phases of a
build:

* **start**: the interpreter, imports, settings and plugins, to
  ``initialized``;
* **reading**: clearing the previous output and every generator's
  ``generate_context`` (reading the Markdown), to
  ``static_generator_finalized`` (the static generator is the last);
* **attaching**: ``all_generators_finalized`` and its receivers (the
  plugin's resolving of every article), to ``get_writer``;
* **feeds**: the article generator's feeds (the plugin's payment links),
  to the first ``article_generator_write_article``;
* **pages**: every page rendered and written (the plugin completes each
  article page), to ``page_writer_finalized``;
* **ending**: static files copied, ``finalized`` and its receivers (the
  manifest, the URL guard), and the process's exit.

Each phase ends at a signal the plugin does not receive: blinker calls a
signal's receivers in no set order, so a mark on a signal the plugin
also receives could fall before or after the plugin's work.

For each phase it prints the plain build's median CPU time, the plugin
build's, and the median of the pairs' differences in user and in system
time. Timed on a shared machine: see docs/performance.md for how far one
run can be trusted.

    .venv-bench/bin/python benchmarks/phases.py --sizes 1000 --pairs 30
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Imported again by Pelican as a plugin (PLUGINS = ["phases", ...]), in
# both builds: the benchmark's modules, which import pelican_flattr, are
# imported in main() only.

HERE = Path(__file__).resolve().parent
PHASES = ("start", "reading", "attaching", "feeds", "pages", "ending")
# The signals that close each phase but the last (the first time they fire).
_CLOSED_BY = (
    "initialized",
    "static_generator_finalized",
    "get_writer",
    "article_generator_write_article",
    "page_writer_finalized",
)
_LOG = "PELICAN_FLATTR_PHASES"


def register() -> None:
    """Pelican's entry point when this file is loaded as a plugin."""
    import atexit

    from pelican import signals

    marks: list[tuple[float, float]] = []

    def mark_for(signal: Any) -> Any:
        def mark(*args: object, **kwargs: object) -> None:
            times = os.times()
            marks.append((times.user, times.system))
            signal.disconnect(mark)  # once: some signals fire for every page

        return mark

    def write() -> None:
        times = os.times()
        marks.append((times.user, times.system))
        with open(os.environ[_LOG], "a", encoding="utf-8") as log:
            log.write(json.dumps(marks) + "\n")

    for name in _CLOSED_BY:
        signal = getattr(signals, name)
        signal.connect(mark_for(signal), weak=False)
    atexit.register(write)


def phase_seconds(marks: list[list[float]]) -> dict[str, tuple[float, float]]:
    """(user, system) CPU seconds of each phase, from the times noted at
    its end."""
    if len(marks) != len(PHASES):
        raise SystemExit(f"a build noted {len(marks)} phases, not {len(PHASES)}")
    starts = [(0.0, 0.0), *marks[:-1]]
    return {
        phase: (end[0] - start[0], end[1] - start[1])
        for phase, start, end in zip(PHASES, starts, marks, strict=True)
    }


def build_env(log: Path) -> dict[str, str]:
    """The environment of a build: this file importable as a plugin, in
    front of any PYTHONPATH already set (a worktree's plugin, say)."""
    paths = [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, _LOG: str(log), "PYTHONPATH": os.pathsep.join(paths)}


def build(conf: Path, content: Path, log: Path) -> dict[str, tuple[float, float]]:
    """One ``pelican`` process; its phases' (user, system) CPU seconds."""
    from build_cost import BIN

    log.unlink(missing_ok=True)
    process = subprocess.run(
        [str(BIN / "pelican"), str(content), "-s", str(conf), "-q"],
        env=build_env(log),
        # Pelican puts its working folder first on sys.path: not a checkout's.
        cwd=conf.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise SystemExit(f"build failed ({conf.name}):\n{process.stderr}")
    return phase_seconds(json.loads(log.read_text(encoding="utf-8")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--pairs", type=int, default=30)
    args = parser.parse_args()
    from build_cost import compile_plugin, pair_order, write_conf
    from site_generator import generate, settings

    compile_plugin()
    for size in args.sizes:
        root = HERE / ".sites" / str(size)
        content = generate(root, size)
        confs = {}
        for variant in ("plain", "plugin"):
            values = settings(plugin=variant == "plugin")
            values.update(
                PLUGINS=["phases", *values["PLUGINS"]],  # type: ignore[list-item]
                PATH=str(content),
                # One folder for both, as build_cost.py's: see its site_confs.
                OUTPUT_PATH=str(root / "out-phases"),
                CACHE_PATH=str(root / f"cache-phases-{variant}"),
            )
            confs[variant] = write_conf(root / f"phases-{variant}.py", values)
        with tempfile.TemporaryDirectory() as scratch:
            log = Path(scratch) / "marks.json"
            for variant in ("plain", "plugin"):  # warm-up; the guard's baseline
                build(confs[variant], content, log)
            runs: dict[str, list[dict[str, tuple[float, float]]]] = {
                "plain": [],
                "plugin": [],
            }
            for pair in range(args.pairs):
                for variant in pair_order(pair, "plain", "plugin"):
                    runs[variant].append(build(confs[variant], content, log))
        print(report(size, runs))
    return 0


USER, SYSTEM = (0,), (1,)  # which of a phase's (user, system) seconds to add


def _seconds(
    run: dict[str, tuple[float, float]], phase: str, parts: tuple[int, ...]
) -> float:
    """``phase``'s CPU seconds (or the whole build's), user or system or both."""
    phases = PHASES if phase == "whole build" else (phase,)
    return sum(run[name][part] for name in phases for part in parts)


def report(size: int, runs: dict[str, list[dict[str, tuple[float, float]]]]) -> str:
    """Each phase's median CPU time, and the median of the pairs' differences."""
    lines = [
        f"{size:,} articles, {len(runs['plugin'])} pairs, CPU seconds:",
        "",
        "| phase | plain | with plugin | median difference | in user time "
        "| in system time |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    both = USER + SYSTEM
    for phase in (*PHASES, "whole build"):

        def seconds(
            variant: str, parts: tuple[int, ...], phase: str = phase
        ) -> list[float]:
            return [_seconds(run, phase, parts) for run in runs[variant]]

        def difference(parts: tuple[int, ...]) -> float:
            pairs = zip(seconds("plain", parts), seconds("plugin", parts), strict=True)
            return statistics.median(plugin - plain for plain, plugin in pairs)

        lines.append(
            f"| {phase} | {statistics.median(seconds('plain', both)):.3f} "
            f"| {statistics.median(seconds('plugin', both)):.3f} "
            f"| {difference(both):+.3f} | {difference(USER):+.3f} "
            f"| {difference(SYSTEM):+.3f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
