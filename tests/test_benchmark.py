"""The benchmark's own parts: its seeded site and its statistics."""

import json
import math
import os
import random
import runpy
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import remove_button

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from build_cost import (
    SHARED_OUTPUT,
    audit_plugin_build,
    check_fully_on,
    measure,
    median_interval,
    pair_numbers,
    pair_order,
    run_build,
    site_confs,
    write_conf,
)
from phases import PHASES, build, build_env, phase_seconds, report
from pieces import RUNS, THROUGH, iterator_counts, through
from receivers import RECEIVERS, table
from site_generator import authors, generate, settings

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RECEIVERS_SCRIPT = BENCHMARKS / "receivers.py"
PIECES_SCRIPT = BENCHMARKS / "pieces.py"


@pytest.fixture(autouse=True)
def _outside_the_source_tree(tmp_path, monkeypatch):
    """Each test in a folder of its own: the benchmark's ``pelican`` builds
    run in this process's working folder, which Pelican puts first on
    sys.path; from the repository root they would load the source tree's
    plugin, not the one under test (an installed wheel's)."""
    monkeypatch.chdir(tmp_path)


def _files(content):
    return {
        path.relative_to(content).as_posix(): path.read_bytes()
        for path in sorted(content.rglob("*.md"))
    }


def test_the_same_size_always_gives_the_same_site(tmp_path):
    first = _files(generate(tmp_path / "a", 40))
    assert first == _files(generate(tmp_path / "b", 40))
    assert first != _files(generate(tmp_path / "c", 41))
    assert len(first) == 40 + 4  # articles and pages


def test_the_site_mixes_every_kind_of_identity():
    identities = authors().values()
    assert len(identities) == 20
    kinds = {
        "none" if identity is None else identity.split(":")[0]
        for identity in identities
    }
    assert {"none", "twitter", "email", "partner"} < kinds
    assert any(identity and ":" not in identity for identity in identities)


@pytest.mark.parametrize(
    ("count", "rank"),
    # rank: the k-th smallest and k-th largest bound the median with at
    # least 95 % confidence, k as large as possible (binomial tables).
    [(5, 1), (7, 1), (9, 2), (15, 4), (31, 10), (60, 22)],
)
def test_the_median_interval_takes_the_binomial_ranks(count, rank):
    values = [float(v) for v in range(count)]
    random.Random(count).shuffle(values)
    assert median_interval(values) == (rank - 1, count - rank)
    # With one more value cut from each end, the chance of missing the
    # median would exceed 5 %; with the ranks chosen, it does not.
    miss = 2 * sum(math.comb(count, i) for i in range(rank)) / 2**count
    closer = 2 * sum(math.comb(count, i) for i in range(rank + 1)) / 2**count
    assert miss <= 0.05 or rank == 1
    assert closer > 0.05


def test_the_median_interval_holds_the_median_95_times_in_100():
    # A skewed distribution, as build times are: exponential, median ln 2.
    chooser = random.Random(7)
    trials = 2000
    held = sum(
        low <= math.log(2) <= high
        for low, high in (
            median_interval([chooser.expovariate(1) for _ in range(15)])
            for _ in range(trials)
        )
    )
    assert 0.95 <= held / trials <= 0.995


def test_the_builds_of_a_pair_take_turns_at_going_first():
    orders = [pair_order(pair, "plain", "plugin") for pair in range(6)]
    assert all(sorted(order) == ["plain", "plugin"] for order in orders)
    assert [order[0] for order in orders] == ["plain", "plugin"] * 3


def test_pairs_go_on_until_their_time_is_spent():
    # An even number of pairs: each build goes first in as many as the other.
    assert list(pair_numbers(3, 0)) == [0, 1, 2, 3]
    assert list(pair_numbers(4, 0)) == [0, 1, 2, 3]
    started = time.perf_counter()
    numbers = []
    for number in pair_numbers(1, 0.05):
        numbers.append(number)
        time.sleep(0.02)
    assert numbers == list(range(len(numbers)))
    assert len(numbers) >= 2  # more than the minimum: time was left
    assert len(numbers) % 2 == 0
    assert time.perf_counter() - started >= 0.05


def test_the_timed_builds_share_one_output_folder_and_keep_their_caches(tmp_path):
    _, confs = site_confs(10, shared_output=True, root=tmp_path)
    shared = {name: runpy.run_path(str(conf)) for name, conf in confs.items()}
    outputs = {name: values["OUTPUT_PATH"] for name, values in shared.items()}
    assert outputs["plain"] == outputs["plugin"]
    assert outputs["plain-cached"] == outputs["plugin-cached"] != outputs["plain"]
    assert len({values["CACHE_PATH"] for values in shared.values()}) == 4
    # Builds that run at the same time (instructions.py) write apart.
    _, confs = site_confs(10, root=tmp_path)
    apart = {runpy.run_path(str(conf))["OUTPUT_PATH"] for conf in confs.values()}
    assert len(apart) == 4


def test_the_benchmark_audits_the_plugin_build_whichever_build_ran_last(tmp_path):
    # The second pair ends with the plain build, in the folder both share:
    # an audit of that output finds no thing and fails the benchmark. The
    # cached rebuilds are audited too. (That an incomplete plugin build
    # stops the benchmark is checked below, on damaged builds.)
    row = measure(20, 2, 0, 2, 0, root=tmp_path)
    assert len(row["pair_ratios"]) == 2
    assert len(row["cached_pair_ratios"]) == 2
    assert row["things"] > 4  # articles of mapped authors, and the pages
    assert 0.5 < row["cached_rss_ratio"] < 2
    for output in (SHARED_OUTPUT, f"{SHARED_OUTPUT}-cached"):
        manifest = json.loads((tmp_path / output / "flattr-manifest.json").read_text())
        assert len(manifest["things"]) == row["things"], output


def test_the_cached_rebuilds_are_audited_before_any_figure(tmp_path, monkeypatch):
    import build_cost

    real_audit = build_cost.audit

    def cached_output_broken(output):
        took, report = real_audit(output)
        if output.name.endswith("-cached"):
            report = {**report, "ok": False}
        return took, report

    monkeypatch.setattr(build_cost, "audit", cached_output_broken)
    with pytest.raises(SystemExit, match="the cached plugin build is incomplete"):
        measure(20, 1, 0, 1, 0, root=tmp_path)


def _timed_plugin_build(root, size):
    """The benchmark's plugin build of its site of ``size`` articles, as
    measure() leaves it for the audit: the content, the settings file, the
    output folder and the things of its manifest."""
    content, confs = site_confs(size, shared_output=True, root=root)
    run_build(confs["plugin"], content)
    output = root / SHARED_OUTPUT
    things = json.loads((output / "flattr-manifest.json").read_text())["things"]
    return content, confs["plugin"], output, things


def test_a_plugin_build_not_fully_on_stops_the_benchmark(tmp_path):
    # The audit checks what the manifest says was on, so a build with Open
    # Graph and the URL guard off passed it.
    content, conf, output, things = _timed_plugin_build(tmp_path, 20)
    expected = len(things)
    check_fully_on(20, output, conf, expected)  # as the benchmark builds it
    conf.write_text(
        conf.read_text() + "FLATTR_OPEN_GRAPH = False\nFLATTR_FEEDS = False\n"
    )
    (tmp_path / "cache-plugin" / "pelican-flattr" / "url-baseline.json").unlink()
    conf.write_text(conf.read_text() + "FLATTR_URL_GUARD = False\n")
    run_build(conf, content)
    with pytest.raises(SystemExit) as stopped:
        check_fully_on(20, output, conf, expected)
    assert str(stopped.value) == (
        "N=20: the plugin build was not fully on: Open Graph is off; feed "
        "payment links are off; the URL guard's baseline holds 0 things"
    )


def test_a_plugin_build_missing_a_button_stops_the_benchmark(tmp_path):
    # A fast build with missing buttons is a failure, not a figure.
    content, conf, output, things = _timed_plugin_build(tmp_path, 6)
    _, expected = audit_plugin_build(6, content, conf)  # as built: complete
    assert expected == len(things) > 4
    remove_button(output / things[0]["page"])
    with pytest.raises(SystemExit) as stopped:
        audit_plugin_build(6, content, conf)
    message = str(stopped.value)
    assert message.startswith(
        "N=6: the plugin build is incomplete or wrong: audit ok=False, "
        f"things={expected} (expected {expected}), problems=["
    )
    assert f"'file': '{things[0]['page']}'" in message
    assert "has 0 Flattr buttons for its thing" in message


def test_a_plugin_build_short_of_the_sites_things_stops_the_benchmark(tmp_path):
    # The audit checks the output against its own manifest: a build that
    # left an article out is consistent, and only the count of the things
    # the site holds finds it out.
    content, conf, _, things = _timed_plugin_build(tmp_path, 6)
    mapped = next(name for name, identity in authors().items() if identity)
    (content / "article-late.md").write_text(
        f"Title: Late\nAuthor: {mapped}\n\nNot built.\n", encoding="utf-8"
    )
    with pytest.raises(SystemExit) as stopped:
        audit_plugin_build(6, content, conf)
    assert str(stopped.value).startswith(
        "N=6: the plugin build is incomplete or wrong: audit ok=True, "
        f"things={len(things)} (expected {len(things) + 1}), problems=[]"
    )


def test_a_url_guard_baseline_short_of_things_stops_the_benchmark(tmp_path):
    _, conf, output, things = _timed_plugin_build(tmp_path, 6)
    check_fully_on(6, output, conf, len(things))  # one entry a thing: passes
    baseline = tmp_path / "cache-plugin" / "pelican-flattr" / "url-baseline.json"
    kept = json.loads(baseline.read_text(encoding="utf-8"))
    kept["things"].pop()
    baseline.write_text(json.dumps(kept), encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        check_fully_on(6, output, conf, len(things))
    assert str(stopped.value) == (
        "N=6: the plugin build was not fully on: the URL guard's baseline "
        f"holds {len(things) - 1} things"
    )


def test_a_run_is_added_above_the_earlier_ones(tmp_path):
    # make bench replaced the whole file, with the runs the docs quote.
    from build_cost import record_results

    results = tmp_path / "results.md"
    record_results(results, "| first |\n", "aaaaaaa")
    record_results(results, "| second |\n", "bbbbbbb+")
    text = results.read_text(encoding="utf-8")
    assert text.index("| second |") < text.index("| first |")
    assert "commit `bbbbbbb+`" in text and "commit `aaaaaaa`" in text


@pytest.mark.parametrize(("given", "taken"), [("5", None), ("6", 6), ("60", 60)])
def test_fewer_pairs_than_a_95_percent_range_needs_are_refused(given, taken):
    from argparse import ArgumentTypeError

    from build_cost import _pair_count

    if taken is None:
        with pytest.raises(ArgumentTypeError, match="too few"):
            _pair_count(given)
    else:
        assert _pair_count(given) == taken


def test_a_site_written_by_another_version_of_the_generator_is_written_again(
    tmp_path,
):
    content = generate(tmp_path, 10)
    fresh = _files(content)
    (content / "article-3.md").write_text("edited by hand")
    (tmp_path / ".complete").write_text("ok\n")  # as an older generator left it
    assert _files(generate(tmp_path, 10)) == fresh
    (content / "article-3.md").write_text("edited by hand")
    assert _files(generate(tmp_path, 10)) != fresh  # the same version: kept


def _plugin_build(tmp_path, size):
    """The benchmark's site of ``size`` articles, the settings file of its
    plugin build, and that build's output folder."""
    content = generate(tmp_path / "site", size)
    values = settings(plugin=True)
    output = tmp_path / "output"
    values.update(
        PATH=str(content), OUTPUT_PATH=str(output), CACHE_PATH=str(tmp_path / "cache")
    )
    return content, write_conf(tmp_path / "plugin.py", values), output


def test_receivers_times_every_piece_of_a_real_build(tmp_path):
    _, conf, output = _plugin_build(tmp_path, 30)
    # In a process of its own: the timers replace the plugin's functions.
    child = subprocess.run(
        [sys.executable, str(RECEIVERS_SCRIPT), "--conf", str(conf)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(child.stdout.splitlines()[-1])
    manifest = json.loads((output / "flattr-manifest.json").read_text("utf-8"))
    things = len(manifest["things"])
    assert result["things"] == things > 20

    calls = result["calls"]
    assert set(calls) == {label for _, _, label in RECEIVERS}
    assert calls["attach_things"] == calls["write_manifest"] == 1
    assert calls["  resolve"] == 30 + 4  # every article and page
    assert calls["  open_graph"] == calls["  markup.inject"] == things
    # Every page written, index, tags and categories too, is completed.
    written = len(list(output.rglob("*.html")))
    assert calls["complete_page"] == written > things
    # Each feed entry of a thing gets its payment link.
    entries = sum(len(thing["feeds"]) for thing in manifest["things"])
    assert calls["feeds: writing payment links"] == entries > 0
    assert all(result["seconds"][label] > 0 for label in calls)
    assert 0 < result["seconds"]["attach_things"] < result["build_s"]

    shown = table(30, result)
    assert f"{things:,} things" in shown
    assert "| ↳ `resolve` | 34 |" in shown


@pytest.mark.parametrize("iterator", sorted(THROUGH))
def test_a_piece_called_through_its_iterator_runs_once(iterator):
    calls = []

    def piece(*args, **kwargs):
        calls.append((args, kwargs))
        return None if args[0] == "nothing" else {"result": args}

    wrapped = through(iterator, piece)
    assert wrapped.__name__ == "piece"
    # A falsy result too: takewhile and filterfalse would stop on one.
    assert wrapped(1, 2, key=3) == {"result": (1, 2)}
    assert wrapped("nothing") is None
    assert calls == [((1, 2), {"key": 3}), (("nothing",), {})]


def test_the_pieces_counts_are_read_from_callgrind_annotate():
    libpython = "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0"
    annotated = (
        f" 2,940,208,537 (12.53%)  /tmp/b/Python/bltinmodule.c:builtin_next "
        f"[{libpython}]\n"
        f"   394,522,674 ( 1.68%)  /tmp/b/./Modules/itertoolsmodule.c:"
        f"takewhile_next [{libpython}]\n"
        "         3,158 ( 0.00%)  /tmp/b/./Include/object.h:takewhile_next\n"
        f"   229,721,233 ( 0.98%)  /tmp/b/./Modules/itertoolsmodule.c:"
        f"starmap_next [{libpython}]\n"
    )
    assert iterator_counts(annotated) == {
        "takewhile": 394_522_674,
        "starmap": 229_721_233,
    }


@pytest.mark.parametrize("run", range(len(RUNS)))
def test_every_piece_can_be_wrapped_in_a_real_build(tmp_path, run):
    # Without callgrind: a piece renamed or moved fails the build here,
    # before a quarter of an hour of counting.
    content, conf, output = _plugin_build(tmp_path, 10)
    child = subprocess.run(
        [
            sys.executable,
            str(PIECES_SCRIPT),
            "--wrapped",
            str(run),
            str(content),
            "-s",
            str(conf),
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    manifest = json.loads((output / "flattr-manifest.json").read_text("utf-8"))
    assert len(manifest["things"]) > 5


def test_phases_are_the_differences_between_marks():
    marks = [[0.2, 0.05], [1.7, 0.15], [1.75, 0.15], [2.0, 0.2], [4.5, 0.4]]
    seconds = phase_seconds([*marks, [4.7, 0.4]])
    assert list(seconds) == list(PHASES)
    expected = {
        "start": (0.2, 0.05),
        "reading": (1.5, 0.1),
        "attaching": (0.05, 0.0),
        "feeds": (0.25, 0.05),
        "pages": (2.5, 0.2),
        "ending": (0.2, 0.0),
    }
    assert {phase: pytest.approx(pair) for phase, pair in expected.items()} == seconds
    with pytest.raises(SystemExit, match="5 phases"):
        phase_seconds(marks)


def test_the_phase_report_takes_the_median_of_the_pairs_differences():
    def run(pages_user, pages_system):
        return {
            phase: (pages_user, pages_system) if phase == "pages" else (1.0, 0.0)
            for phase in PHASES
        }

    runs = {
        "plain": [run(3.0, 0.5), run(4.0, 0.5), run(3.5, 0.5)],
        # Differences in user time: +0.5, +0.1, +0.2; in system: 0, +0.1, 0.
        "plugin": [run(3.5, 0.5), run(4.1, 0.6), run(3.7, 0.5)],
    }
    rows = {
        line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ")[1:]
        for line in report(1000, runs).splitlines()
        if line.startswith("| ") and "---" not in line
    }
    assert rows["pages"] == ["4.000", "4.200", "+0.200", "+0.200", "+0.000"]
    assert rows["reading"] == ["1.000", "1.000", "+0.000", "+0.000", "+0.000"]
    # The whole build: five phases of 1 s besides the pages.
    assert rows["whole build"] == ["9.000", "9.200", "+0.200", "+0.200", "+0.000"]


def test_the_phase_timer_leaves_the_plugin_out_of_a_plain_build():
    # Loaded as a plugin by both builds: importing it must not import
    # pelican_flattr, or the plain build would pay for the plugin's import.
    # -B: this bare environment has no PYTHONDONTWRITEBYTECODE, and the
    # child would write its bytecode into the source tree's benchmarks/.
    child = subprocess.run(
        [sys.executable, "-B", "-c", "import phases, sys; print(sorted(sys.modules))"],
        env={"PYTHONPATH": str(BENCHMARKS)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "'phases'" in child.stdout
    assert "'pelican_flattr'" not in child.stdout


def test_a_phase_build_keeps_the_pythonpath_it_was_given(monkeypatch, tmp_path):
    # A worktree's plugin comes first on PYTHONPATH: the builds must use it.
    monkeypatch.setenv("PYTHONPATH", "/somewhere/worktree")
    env = build_env(tmp_path / "marks.json")
    assert env["PYTHONPATH"].split(os.pathsep) == [
        str(BENCHMARKS),
        "/somewhere/worktree",
    ]
    monkeypatch.delenv("PYTHONPATH")
    assert build_env(tmp_path / "marks.json")["PYTHONPATH"] == str(BENCHMARKS)


@pytest.mark.parametrize("variant", ["plain", "plugin"])
def test_the_phase_timer_notes_every_phase_of_a_real_build(tmp_path, variant):
    content = generate(tmp_path / "site", 30)
    values = settings(plugin=variant == "plugin")
    output = tmp_path / "output"
    values.update(
        PLUGINS=["phases", *values["PLUGINS"]],
        PATH=str(content),
        OUTPUT_PATH=str(output),
        CACHE_PATH=str(tmp_path / "cache"),
    )
    conf = write_conf(tmp_path / f"{variant}.py", values)
    seconds = build(conf, content, tmp_path / "marks.json")
    assert list(seconds) == list(PHASES)
    assert all(user >= 0 and system >= 0 for user, system in seconds.values())
    assert seconds["reading"][0] > 0 and seconds["pages"][0] > 0
    assert (output / "flattr-manifest.json").exists() is (variant == "plugin")


@pytest.mark.parametrize("seed", ["-1", "4294967296"])
def test_the_instruction_count_refuses_a_hash_seed_python_would_refuse(seed):
    # Refused before any build or valgrind: Python itself would stop both
    # builds with a less helpful message, under callgrind.
    child = subprocess.run(
        [sys.executable, str(BENCHMARKS / "instructions.py"), "--hash-seed", seed],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 2
    assert "--hash-seed: PYTHONHASHSEED takes 0 to 4294967295" in child.stderr
