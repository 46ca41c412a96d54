"""The web hook receiver as a separate process on 127.0.0.1 (or ::1), for tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TOKEN = "t" * 16 + "SECRET-token-for-tests-0123456789"
PENDING = {
    "_event": "pendingclickcreate",
    "thing_id": "1001",
    "thing_owner_id": "twitter:user:id:783214",
    "thing_clicks_total": "3",
    "flattrer_username": "reader",
    "claim_url": "https://flattr.com/claim/thing/1001",
}


# The time and level serve's own lines start with, after a journald
# priority: "2026-12-06T01:33:35.123Z WARNING ".
_STAMP = re.compile(r"^(<[0-7]>)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ ", re.M)


def unstamped(text: str) -> str:
    """``text``, lines of ``serve``'s stderr, without each line's time and
    level (a journald priority kept)."""
    return _STAMP.sub(r"\1", text)


class ReceiverProcess:
    """``pelican-flattr webhook serve`` on a free port; its log in a file."""

    def __init__(
        self,
        store: Path,
        log: Path,
        host: str = "127.0.0.1",
        threads: int = 8,
        token: str = TOKEN,
    ) -> None:
        self.store = store
        self.token = token
        self.threads = threads
        self.log = log
        # As a URL writes it: an IPv6 address in brackets.
        self.host = f"[{host}]" if ":" in host else host
        self._bind = host
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> ReceiverProcess:
        command = [
            sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
            "--host", self._bind, "--port", "0", "--store", str(self.store),
            "--threads", str(self.threads),
        ]  # fmt: skip
        env = dict(os.environ, FLATTR_WEBHOOK_TOKEN=self.token)
        with open(self.log, "ab") as log:
            # In the log's folder: from the repository root, ``-m`` would
            # run the source tree's pelican_flattr, not the one under test.
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=log,
                env=env,
                stdin=subprocess.DEVNULL,
                cwd=self.log.parent,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = re.findall(
                rf"listening on http://{re.escape(self.host)}:(\d+)/", self.text()
            )
            if found:
                self.port = int(found[-1])
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"receiver exited:\n{self.text()}")
            time.sleep(0.05)
        raise RuntimeError(f"receiver did not start:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/{self.token}"

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=20)


# The command line run by a user whom file modes bind: root may read and
# write any file, so as root it becomes nobody, once everything it needs is
# imported (this Python's own library may be where only root may read).
_CLI_AS_ANOTHER_USER = """
import encodings.idna, os, sqlite3, sys, waitress.server
from pelican_flattr import manifest, notice, store
from pelican_flattr.cli import build_parser, main
build_parser()
if os.getuid() == 0:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
sys.exit(main(sys.argv[1:]))
"""


def cli_as_another_user(
    arguments: list[str], **env: str
) -> subprocess.CompletedProcess[str]:
    """``pelican-flattr ARGUMENTS`` as this user, or as nobody when this is
    root; the files it reads must be where nobody may reach them (not
    under a test's tmp_path, whose parents only their owner may enter)."""
    # Here, not at the top: benchmarks/webhook_bench.py imports this module
    # without pytest or Pelican.
    from conftest import child_env

    return subprocess.run(
        [sys.executable, "-c", _CLI_AS_ANOTHER_USER, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tempfile.gettempdir(),  # one nobody may enter
        env=child_env(**env),
    )


# SQLite databases that are no pelican-flattr store, as a name for a test's
# id -> (SQL that makes it, what the commands say of it).
FOREIGN = (
    "is an SQLite database of another program, not a pelican-flattr store (it "
    "holds the table 'bookmarks'); name the store's file, or move this one away"
)
NOT_STORES = {
    "another program's, version 0": (
        "CREATE TABLE bookmarks (url TEXT);",
        FOREIGN,
    ),
    "another program's, version 1": (
        "CREATE TABLE bookmarks (url TEXT); PRAGMA user_version = 1;",
        FOREIGN,
    ),
    "another program's, two tables": (
        "CREATE TABLE bookmarks (url TEXT); CREATE TABLE tags (name TEXT);",
        FOREIGN.replace("the table 'bookmarks'", "the tables 'bookmarks' and 'tags'"),
    ),
    # Many programs set PRAGMA user_version: a high one is no newer store.
    "another program's, version 7": (
        "CREATE TABLE invoices (id INTEGER); PRAGMA user_version = 7;",
        FOREIGN.replace("bookmarks", "invoices"),
    ),
    "pelican-flattr's table at version 0": (
        "CREATE TABLE pending_flattrs (thing_id TEXT);",
        "is not a pelican-flattr store: its schema version (PRAGMA user_version) "
        "and its tables disagree (version 0, of a new store, with the table "
        "'pending_flattrs'); name the store's file, or move this one away",
    ),
    "version 1 without pending_flattrs": (
        "CREATE TABLE ignored_events (id INTEGER PRIMARY KEY);"
        "CREATE TABLE verified_identities (identity TEXT);"
        "PRAGMA user_version = 1;",
        "is not a pelican-flattr store: its schema version (PRAGMA user_version) "
        "and its tables disagree (version 1 without the table 'pending_flattrs'); "
        "name the store's file, or move this one away",
    ),
}


def make_database(path: Path, sql: str) -> list[tuple[str, str]]:
    """An SQLite database at ``path`` made by ``sql``; its tables as
    (type, name), to check later that nothing was added."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.executescript(sql)
        return tables_of(path)
    finally:
        connection.close()


def tables_of(path: Path) -> list[tuple[str, str]]:
    """The schema of the database at ``path``, and its version."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        found = connection.execute(
            "SELECT type, name FROM sqlite_master ORDER BY name"
        ).fetchall()
        return [("user_version", str(version)), *found]
    finally:
        connection.close()


def make_store_of_schema_version_1(path: Path) -> None:
    """A store as pelican-flattr made it before schema version 2: without
    the table of verifications made against other APIs."""
    from pelican_flattr.store import MIGRATIONS

    make_database(path, MIGRATIONS[0] + "PRAGMA user_version = 1;")


# What a command says as it migrates such a store (at {store}): from then on
# an earlier version refuses it. Nothing when the store is new or current.
MIGRATED = (
    "store {store} migrated from schema version 1 to 2: earlier versions of "
    "pelican-flattr refuse it from now on (a web hook receiver of one still "
    "running answers every delivery 503); docs/upgrading.md says how to go "
    "back"
)


@contextlib.contextmanager
def receiver_in_an_open_folder(log: Path) -> Iterator[tuple[Path, ReceiverProcess]]:
    """A receiver running on a store with one delivery in it, its -wal and
    -shm beside it (its owner's alone), in a folder any user may enter:
    not under tmp_path, whose parents only their owner may enter."""
    import httpx

    folder = Path(tempfile.mkdtemp(prefix="receiver-"))
    folder.chmod(0o755)
    store = folder / "store.sqlite3"
    receiver = ReceiverProcess(store, log)
    try:
        receiver.start()
        assert httpx.post(receiver.url, data=PENDING).status_code == 200
        yield store, receiver
    finally:
        if receiver.process is not None:
            assert receiver.stop() == 0
        shutil.rmtree(folder)
