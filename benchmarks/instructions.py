"""Count what pelican-flattr adds to a build in instructions, with callgrind.

On a shared machine a build's time moves by as much as the plugin's whole
cost from one minute to the next (see docs/performance.md). The number of
instructions a build executes does not: this script builds each seeded
site of build_cost.py once with plain Pelican and once with the plugin fully
on, both under ``valgrind --tool=callgrind`` at the same time (one per core;
a count does not depend on what else runs), and reports their ratio.
Callgrind runs a build ~50 times slower: ~5 minutes at 1,000 articles.

    .venv-bench/bin/python benchmarks/instructions.py --sizes 1000

It needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from build_cost import compile_plugin, run_build, site_confs

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")

# ``pelican`` runs a build inside rich's status spinner, whose thread wakes
# 12.5 times a second whether or not a terminal shows it. Callgrind runs a
# build ~30 times slower and a loaded machine slower still, so the thread's
# share of a count followed the machine: ~40 k instructions per wake,
# 1,600 to 3,000 wakes in one 1,000-article plugin build (70 to 130 M,
# against ~70 wakes in a real build). Both builds are counted without it;
# what is left does not move with the machine (docs/performance.md).
_PELICAN_WITHOUT_SPINNER = (
    "import contextlib, sys, pelican.log\n"
    "pelican.log.console.status = lambda *args, **kwargs: "
    "contextlib.nullcontext()\n"
    "from pelican import main\n"
    "sys.exit(main())\n"
)


def count_instructions(
    conf: Path,
    content: Path,
    hash_seed: int,
    program: Sequence[str] = ("-c", _PELICAN_WITHOUT_SPINNER),
    profile: str = "/dev/null",
) -> subprocess.Popen[bytes]:
    """Start one build under callgrind; its stderr ends with the count.

    ``program``: what Python runs, given Pelican's arguments after it;
    ``profile``: where callgrind writes its profile (by default nowhere:
    the total is in the log).
    """
    return subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={profile}",
            sys.executable,
            *program,
            str(content),
            "-s",
            str(conf),
            "-q",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # The same dict and set layouts in both builds.
        env={**os.environ, "PYTHONHASHSEED": str(hash_seed)},
    )


def collected(process: subprocess.Popen[bytes], name: str) -> int:
    _, errors = process.communicate()
    text = errors.decode(errors="replace")
    match = _COLLECTED.search(text)
    if process.returncode != 0 or match is None:
        raise SystemExit(f"the {name} build failed under callgrind:\n{text[-2000:]}")
    return int(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument(
        "--hash-seed",
        type=int,
        default=0,
        help="PYTHONHASHSEED of both builds (default 0); a timed build gets a "
        "random one, so counting a few seeds shows whether the count depends "
        "on it",
    )
    args = parser.parse_args()
    if not 0 <= args.hash_seed <= 4294967295:
        parser.error("--hash-seed: PYTHONHASHSEED takes 0 to 4294967295")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    compile_plugin()
    print("| articles | plain Pelican | with plugin | instruction ratio |")
    print("| --- | --- | --- | --- |")
    for size in args.sizes:
        content, confs = site_confs(size)
        # As in build_cost.py: each build replaces a previous output, and
        # the URL guard compares with the previous build.
        for name in ("plain", "plugin"):
            run_build(confs[name], content)
        running = {
            name: count_instructions(confs[name], content, args.hash_seed)
            for name in ("plain", "plugin")
        }
        counts = {name: collected(process, name) for name, process in running.items()}
        print(
            f"| {size:,} | {counts['plain'] / 1e9:.3f} G "
            f"| {counts['plugin'] / 1e9:.3f} G "
            f"| {counts['plugin'] / counts['plain']:.4f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
