"""What a user gets from the source archive."""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

import pelican_flattr

ROOT = Path(__file__).resolve().parent.parent


def _tracked_files() -> list[str]:
    """The files git tracks here; skipped outside a clone of the project
    (an unpacked archive, perhaps inside another repository)."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        listed = None
    if listed is None or Path(top.stdout.strip()) != ROOT or not listed.stdout:
        pytest.skip("not a git clone of the project: the tracked files are unknown")
    return listed.stdout.splitlines()


@pytest.fixture(scope="module")
def sdist_members(tmp_path_factory) -> set[str]:
    """The files of the source archive setuptools builds from a clean copy
    of the tracked files (no egg-info, caches or built sites beside them)."""
    copy = tmp_path_factory.mktemp("clone")
    for name in _tracked_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    # Left behind by a run, as in a working clone: none may ship.
    for leftover in ("tests/__pycache__/x.pyc", "benchmarks/.sites/1000/a.md"):
        (copy / leftover).parent.mkdir(parents=True, exist_ok=True)
        (copy / leftover).write_text("left behind")
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import build_meta; print(build_meta.build_sdist('dist'))",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    archive = copy / "dist" / built.stdout.split()[-1]
    with tarfile.open(archive) as opened:
        top = opened.getnames()[0].split("/")[0]
        return {name.removeprefix(top + "/") for name in opened.getnames()}


def test_the_source_archive_holds_what_its_tests_and_readme_need(sdist_members):
    # Only tests/test_*.py shipped: 22 of 26 test modules could not import
    # conftest, and the README's theme/, sample_site/, docs/ and make targets
    # were missing.
    for needed in (
        "tests/conftest.py",
        "tests/browser_support.py",
        "tests/flattr_api_stub.py",
        "tests/webhook_server.py",
        "theme/templates/base.html",
        "sample_site/pelicanconf.py",
        "sample_site/publishconf.py",
        "docs/architecture.md",
        "benchmarks/build_cost.py",
        "Makefile",
        "LICENSE",
        "pelican_flattr/manifest.schema.json",
    ):
        assert needed in sdist_members, needed
    assert any(name.startswith("tests/fixtures/") for name in sdist_members)
    assert not [
        name
        for name in sdist_members
        if "__pycache__" in name or name.startswith("benchmarks/.sites")
    ]


# Tests that start a child Python, for each way a child imported the source
# tree beside the tests instead of the package under test: the repository
# root first on its PYTHONPATH, or as its working folder (where a child of
# ``-c`` or ``-m`` looks first).
CHILD_TESTS = [
    "test_without_pelican.py::test_the_blocker_does_block_pelican",
    "test_api.py::test_a_retry_after_date_without_a_zone_is_utc",
    "test_cli.py::test_no_progress_bar_goes_to_a_log_that_renders_colours",
    "test_pending_notice.py::test_a_store_in_a_folder_the_build_may_not_write_is_read",
    "test_pending_notice.py::test_a_store_the_running_receiver_keeps_unreadable_is_named_so",
    "test_pending_report.py::test_pending_names_the_wal_files_it_may_not_read",
    "test_pending_report.py::test_a_stdout_in_ascii_gets_the_report_escaped",
    "test_manifest.py::test_a_spool_the_disk_refuses_leaves_the_manifest_whole",
    "test_manifest.py::test_every_manifest_of_an_i18n_build_is_read",
    "test_audit.py::test_a_feed_that_cannot_be_read_is_one_problem",
]


def test_the_tests_child_pythons_import_the_package_under_test():
    """As a packager runs the tests: in the unpacked source archive, the
    package installed elsewhere. A child that imported the source tree
    tested code the wheel may not hold (a module left out of it went
    unnoticed), and failed where the user it became may not read that tree."""
    pytest_script = Path(sys.executable).with_name("pytest")
    assert pytest_script.is_file(), f"no pytest script beside {sys.executable}"
    # Not under tmp_path, whose parents only their owner may enter: the
    # tests that run as nobody must read the installed package.
    folder = Path(tempfile.mkdtemp(prefix="packaged-"))
    folder.chmod(0o755)
    try:
        installed = folder / "site-packages"
        shutil.copytree(
            Path(pelican_flattr.__file__).parent,
            installed / "pelican_flattr",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        tree = folder / "unpacked"
        for name in ("tests", "sample_site", "theme"):
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, tree / name, ignore=ignore)
        shutil.copy2(ROOT / "pyproject.toml", tree)
        (tree / "pelican_flattr").mkdir()
        (tree / "pelican_flattr" / "__init__.py").write_text(
            'raise ImportError("the source tree was imported, not the package")\n'
        )
        run = subprocess.run(
            [str(pytest_script), "-q", "-p", "no:cacheprovider", "-m", "not browser"]
            + [f"tests/{test}" for test in CHILD_TESTS],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(installed)},
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        shutil.rmtree(folder)
    said = run.stdout + run.stderr
    assert run.returncode == 0, said[-6000:]
    # Nor skipped for it (nobody "cannot run" Python that imports it).
    assert "the source tree was imported" not in said, said[-6000:]
