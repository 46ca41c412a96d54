"""What pelican-flattr adds to ``pelican content``: time, memory, audit.

For each N it generates a seeded synthetic site (site_generator.py), then
builds it with plain Pelican and with the plugin fully on (injection into
notmyidea, Open Graph, payment links in every feed, the manifest, and the
URL guard against the previous build's manifest), each build in a fresh
``pelican`` process, alternating the two after a warm-up pair, for at least
``--pairs`` pairs and ``--min-seconds`` per size (a small site gets more
pairs, its builds being short and their ratios noisier). It reports
the median of the pairs' wall-time ratios (the two builds of a pair run
back to back, so a machine that slows down for a while slows both), the
same for CPU time, the peak-RSS ratio, the time of ``pelican-flattr
audit`` as a ratio to the plain build, and the median with/without ratio
of pairs of content-cached rebuilds, each after one article changed (at
least ``--cached-pairs`` and ``--cached-min-seconds`` of them).
Before any figure it audits the plugin's output: a fast build with missing
buttons is a failure.

    .venv-bench/bin/python benchmarks/build_cost.py --sizes 1000 5000 20000 --pairs 7
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pelican
from site_generator import authors, generate, settings

import pelican_flattr

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
# The output folder the timed builds share (see site_confs).
SHARED_OUTPUT = "out-timed"


def machine() -> str:
    """CPU model, cores, Python and Pelican: where the figures come from."""
    model = platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Pelican {pelican.__version__}, {date.today().isoformat()}"
    )


def write_conf(path: Path, values: dict[str, object]) -> Path:
    path.write_text("".join(f"{k} = {v!r}\n" for k, v in values.items()))
    return path


def run_build(conf: Path, content: Path) -> tuple[float, int, float]:
    """One ``pelican`` process: (wall seconds, peak RSS in KiB, CPU seconds)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "pelican"), str(content), "-s", str(conf), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # Pelican puts its working folder first on sys.path: run from a
        # checkout, it would build with that checkout's plugin.
        cwd=conf.parent,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"build failed ({conf.name}):\n{errors}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def audit(output: Path) -> tuple[float, dict]:
    """One ``pelican-flattr audit`` of ``output``: (seconds, its report)."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "pelican-flattr"), "audit", str(output), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - started, json.loads(result.stdout or "{}")


# Audits timed per size: one run's time moves with the machine as a
# build's does, and the figure is a median as the others are.
AUDIT_RUNS = 5


def site_confs(
    size: int, shared_output: bool = False, root: Path | None = None
) -> tuple[Path, dict[str, Path]]:
    """The seeded site of ``size`` articles (in ``root``, by default
    ``.sites/SIZE``), and a Pelican settings file for each build: plain,
    plugin, and both with content caching.

    With ``shared_output`` the plain and the plugin build write to one
    output folder in turn (the cached builds to another), each keeping its
    own cache. Where a folder lies on the disk changes what creating its
    files costs: on ext4 without a journal, as on this project's machines,
    each new file's inode is found by stepping over every inode freed in
    the last few minutes (the previous build's output, which Pelican
    deletes), and a build's kernel time moved by ~1 % of the build with its
    folder, whichever build wrote there (docs/performance-history.md, round 14).
    Builds that run at the same time (instructions.py) need folders of their
    own.
    """
    root = root or HERE / ".sites" / str(size)
    content = generate(root, size)
    confs = {}
    for variant in ("plain", "plugin"):
        values = settings(plugin=variant == "plugin")
        for cached in (False, True):
            suffix = "-cached" if cached else ""
            name = f"{variant}{suffix}"
            output = f"{SHARED_OUTPUT}{suffix}" if shared_output else f"out-{name}"
            values.update(
                PATH=str(content),
                OUTPUT_PATH=str(root / output),
                CACHE_PATH=str(root / f"cache-{name}"),
                CACHE_CONTENT=cached,
                LOAD_CONTENT_CACHE=cached,
            )
            confs[name] = write_conf(root / f"{name}.py", values)
    return content, confs


def compile_plugin() -> None:
    """Compile the plugin's bytecode, as pip does for an installed package.

    An editable checkout (under PYTHONDONTWRITEBYTECODE) would otherwise
    recompile the plugin in every build and charge it to the plugin.
    """
    compileall.compile_dir(Path(pelican_flattr.__file__).parent, quiet=1)


def pair_numbers(minimum: int, seconds: float) -> Iterator[int]:
    """0, 1, 2...: at least ``minimum`` pairs, and more until ``seconds``
    have gone by since the first, and an even number of them.

    On a shared machine one pair's ratio can be off by 20 %, and a small
    site's builds are short enough to afford many more of them.
    """
    started = time.perf_counter()
    pair = 0
    # An even number: each build goes first in as many pairs as the other.
    while pair < minimum or time.perf_counter() - started < seconds or pair % 2:
        yield pair
        pair += 1


def pair_order(pair: int, first: str, second: str) -> tuple[str, str]:
    """Which build of pair number ``pair`` runs first: they take turns, so
    that whatever the first build of a pair leaves behind (a warmer page
    cache, a CPU still busy writing back) falls on each in equal measure."""
    return (first, second) if pair % 2 == 0 else (second, first)


def measure(
    size: int,
    pairs: int,
    min_seconds: float,
    cached_pairs: int,
    cached_seconds: float,
    root: Path | None = None,
) -> dict[str, object]:
    """Every figure of one size: the pairs, the audit, the cached pairs."""
    content, confs = site_confs(size, shared_output=True, root=root)
    # Warm-up: file caches, and the URL guard's baseline for the plugin.
    run_build(confs["plain"], content)
    run_build(confs["plugin"], content)
    times = {"plain": [], "plugin": []}
    rss = {"plain": [], "plugin": []}
    cpu = {"plain": [], "plugin": []}
    last = "plugin"
    for pair in pair_numbers(pairs, min_seconds):
        for variant in pair_order(pair, "plain", "plugin"):
            elapsed, peak, cpu_seconds = run_build(confs[variant], content)
            times[variant].append(elapsed)
            rss[variant].append(peak)
            cpu[variant].append(cpu_seconds)
            last = variant
    if last != "plugin":
        # The shared folder holds the plain build's output now.
        run_build(confs["plugin"], content)

    audit_time, expected = audit_plugin_build(size, content, confs["plugin"])

    # Content caching: prime, then rebuild after one article changed.
    run_build(confs["plain-cached"], content)
    run_build(confs["plugin-cached"], content)
    cached_ratios = []
    cached_rss = {"plain-cached": [], "plugin-cached": []}
    changed = content / "article-0.md"
    original = changed.read_text(encoding="utf-8")
    try:
        for pair in pair_numbers(cached_pairs, cached_seconds):
            changed.write_text(original + f"\nEdited {pair}.\n", encoding="utf-8")
            took = {}
            for variant in pair_order(pair, "plain-cached", "plugin-cached"):
                took[variant], peak, _ = run_build(confs[variant], content)
                cached_rss[variant].append(peak)
            cached_ratios.append(took["plugin-cached"] / took["plain-cached"])
        if variant != "plugin-cached":
            # The shared folder holds the plain rebuild's output now.
            run_build(confs["plugin-cached"], content)
    finally:
        changed.write_text(original, encoding="utf-8")
    # A rebuild from the cache must be as complete as a full build.
    check_complete(
        size, "cached ", audit(content.parent / f"{SHARED_OUTPUT}-cached")[1], expected
    )

    plain = statistics.median(times["plain"])
    pair_ratios = [
        with_plugin / without
        for with_plugin, without in zip(times["plugin"], times["plain"], strict=True)
    ]
    return {
        "size": size,
        "plain_s": plain,
        "plugin_s": statistics.median(times["plugin"]),
        "time_ratio": statistics.median(pair_ratios),
        "pair_ratios": pair_ratios,
        # The same for the CPU time of each build (user + system): the
        # scheduling and I/O waits of a shared machine are not in it.
        "cpu_ratio": statistics.median(
            a / b for a, b in zip(cpu["plugin"], cpu["plain"], strict=True)
        ),
        "rss_ratio": statistics.median(rss["plugin"]) / statistics.median(rss["plain"]),
        "plain_rss_mib": statistics.median(rss["plain"]) / 1024,
        "audit_s": audit_time,
        "audit_ratio": audit_time / plain,
        "cached_ratio": statistics.median(cached_ratios),
        "cached_pair_ratios": cached_ratios,
        "cached_rss_ratio": statistics.median(cached_rss["plugin-cached"])
        / statistics.median(cached_rss["plain-cached"]),
        "things": expected,
        # What the plugin adds to each article, by the median pair's ratio.
        "per_article_ms": (statistics.median(pair_ratios) - 1) * plain / size * 1000,
    }


def audit_plugin_build(size: int, content: Path, conf: Path) -> tuple[float, int]:
    """Audit the plugin build of ``content`` by ``conf``, in the shared
    output folder, ``AUDIT_RUNS`` times, and stop the benchmark unless each
    audit found it complete and the build was fully on: before any figure.
    The audits' median time, and the number of things the site holds."""
    output = content.parent / SHARED_OUTPUT
    audits = [audit(output) for _ in range(AUDIT_RUNS)]
    # Counted from the content, not the manifest: a build that left an
    # article out writes a manifest the audit finds consistent.
    mapped = {name for name, identity in authors().items() if identity}
    expected = 4 + sum(
        1
        for path in content.glob("article-*.md")
        if path.read_text(encoding="utf-8").split("\n", 2)[1][len("Author: ") :]
        in mapped
    )
    for _, report in audits:
        check_complete(size, "", report, expected)
    check_fully_on(size, output, conf, expected)
    return statistics.median(seconds for seconds, _ in audits), expected


def check_complete(size: int, which: str, report: dict, expected: int) -> None:
    """Stop the benchmark when the audit found the plugin's output of the
    ``which`` build incomplete or wrong: a fast build with missing buttons
    is a failure, not a figure."""
    if not report.get("ok") or report.get("things") != expected:
        raise SystemExit(
            f"N={size}: the {which}plugin build is incomplete or wrong: audit "
            f"ok={report.get('ok')}, things={report.get('things')} (expected "
            f"{expected}), problems={report.get('problems', [])[:5]}"
        )


def check_fully_on(size: int, output: Path, conf: Path, expected: int) -> None:
    """Stop the benchmark unless the plugin build was fully on: the audit
    checks what the manifest says was switched on, so a build with Open
    Graph or feed payment links off would pass it. The manifest's opening
    says which were on (read alone: a parent holding a large document
    would raise the peak RSS its next children report), and the URL
    guard's baseline in the build's cache holds every thing."""
    with (output / "flattr-manifest.json").open(encoding="utf-8") as stream:
        head = stream.read(4096)
    opening = json.loads(head[: head.index('"things"')] + '"things": []}')
    baseline = conf.parent / f"cache-{conf.stem}" / "pelican-flattr"
    baseline /= "url-baseline.json"
    try:
        entries = baseline.read_text(encoding="utf-8").count('"source": ')
    except OSError:
        entries = 0
    problems = [
        what
        for what, wrong in (
            ("Open Graph is off", opening.get("open_graph") is not True),
            ("feed payment links are off", opening.get("feed_payment_links") is False),
            (f"the URL guard's baseline holds {entries} things", entries != expected),
        )
        if wrong
    ]
    if problems:
        raise SystemExit(
            f"N={size}: the plugin build was not fully on: {'; '.join(problems)}"
        )


# The fewest pairs whose whole range is a 95 % interval for their median
# (1 - 2 / 2**6 = 0.969; five give 0.9375).
MIN_PAIRS = 6


def median_interval(
    values: list[float], confidence: float = 0.95
) -> tuple[float, float]:
    """A distribution-free confidence interval for the median of ``values``.

    The k-th smallest and k-th largest values, k as large as keeps the
    chance that the median lies outside below 1 - ``confidence``: the number
    of values under the median is Binomial(n, 1/2) whatever their
    distribution. With too few values for that, the whole range.
    """
    ordered = sorted(values)
    count = len(ordered)
    tail, below, k = (1 - confidence) / 2, 0.0, 1
    for i in range(count // 2):
        below += math.comb(count, i) / 2**count  # P(exactly i values below)
        if below > tail:
            break
        k = i + 1
    return ordered[k - 1], ordered[count - k]


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| articles | plain build | with plugin | time ratio | its 95 % interval "
        "| CPU-time ratio "
        "| peak-RSS ratio | audit / plain | cached rebuild ratio "
        "| cached peak-RSS ratio | plugin cost per article |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        low, high = median_interval(r["pair_ratios"])
        cached_low, cached_high = median_interval(r["cached_pair_ratios"])
        lines.append(
            f"| {r['size']:,} | {r['plain_s']:.2f} s | {r['plugin_s']:.2f} s "
            f"| {r['time_ratio']:.3f} | {low:.3f}–{high:.3f} "
            f"| {r['cpu_ratio']:.3f} | {r['rss_ratio']:.3f} "
            f"| {r['audit_ratio']:.3f} "
            f"| {r['cached_ratio']:.3f} ({cached_low:.2f}–{cached_high:.2f}) "
            f"| {r['cached_rss_ratio']:.3f} | {r['per_article_ms']:.3f} ms |"
        )
    return "\n".join(lines)


def _ratios(row: dict[str, object]) -> str:
    """Each pair's time ratio, then each cached rebuild pair's."""
    timed = ", ".join(f"{ratio:.3f}" for ratio in row["pair_ratios"])
    cached = ", ".join(f"{ratio:.3f}" for ratio in row["cached_pair_ratios"])
    return f"{timed}; cached: {cached}"


def _pair_count(value: str) -> int:
    """An argparse type: a number of pairs whose range is a 95 % interval."""
    count = int(value)
    if count < MIN_PAIRS:
        raise argparse.ArgumentTypeError(
            f"{count} is too few: the range of fewer than {MIN_PAIRS} pairs is "
            "no 95 % interval for their median"
        )
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument(
        "--pairs", type=_pair_count, default=7, help="at least this many (6 or more)"
    )
    parser.add_argument(
        "--min-seconds",
        type=float,
        default=600,
        help="and more pairs until this long has been spent on them, per size",
    )
    parser.add_argument(
        "--cached-pairs",
        type=_pair_count,
        default=MIN_PAIRS,
        help="at least this many pairs of content-cached rebuilds (6 or more)",
    )
    parser.add_argument(
        "--cached-min-seconds",
        type=float,
        default=180,
        help="and more cached pairs until this long has been spent on them",
    )
    args = parser.parse_args()
    compile_plugin()
    rows = []
    for size in args.sizes:
        rows.append(
            measure(
                size,
                args.pairs,
                args.min_seconds,
                args.cached_pairs,
                args.cached_min_seconds,
            )
        )
        print(table(rows[-1:]).splitlines()[-1], flush=True)
        print(f"  time ratio of each pair: {_ratios(rows[-1])}", flush=True)
    pairs = "\n".join(
        f"- {row['size']:,} ({len(row['pair_ratios'])} pairs, "
        f"{len(row['cached_pair_ratios'])} cached): {_ratios(row)}"
        for row in rows
    )
    text = (
        f"{table(rows)}\n\nMachine: {machine()}; after a warm-up, at least "
        f"{args.pairs} pairs and {args.min_seconds:.0f} s of them per size; the "
        "time ratio is the median of the pairs' ratios, given with a "
        "distribution-free 95 % confidence interval for that median; the "
        "cached rebuild ratio likewise, from at least "
        f"{args.cached_pairs} pairs and {args.cached_min_seconds:.0f} s of "
        "them (after the semicolon below):\n\n"
        f"{pairs}\n"
    )
    print("\n" + text)
    record_results(HERE / "results.md", text, commit())
    return 0


def record_results(results: Path, text: str, at_commit: str) -> None:
    """Put this run first in ``results``, under a heading naming its day and
    commit; the earlier runs stay below it, as the README and
    docs/performance.md quote them."""
    earlier = results.read_text(encoding="utf-8") if results.exists() else ""
    heading = f"## Run of {date.today().isoformat()}, commit `{at_commit}`\n\n"
    results.write_text(
        heading + text + ("\n" + earlier if earlier else ""), encoding="utf-8"
    )


def commit() -> str:
    """The checkout's commit, for the results (with "+" when it has changes)."""
    try:
        sha = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+" if dirty else "")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=HERE, capture_output=True, text=True, check=True
    ).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
