"""The operator's private SQLite store: web hook events and verified identities.

One file serves the web hook receiver (``pelican-flattr webhook serve``), the
``pending`` report, the build-time author notice and ``pelican-flattr verify``.
It runs in WAL mode with a busy timeout so that a build can read while the
receiver writes, and its schema is versioned through ``PRAGMA user_version``:
each entry of ``MIGRATIONS`` moves the schema up one version, and a store is
migrated on open. Never edit a migration that has shipped; append a new one.

The store is private to the operator: it may hold claim URLs and must never
be published with the site.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .files import NAME_MAX, cut_name, is_empty_file, name_length
from .identifiers import redact_addresses
from .wording import listed

# The store the commands use without --store or FLATTR_STORE: one file,
# so that webhook serve records what verify and pending read.
DEFAULT_STORE = "flattr-store.sqlite3"
BUSY_TIMEOUT_MS = 10_000
# The most flattrs one thing's total may hold: the receiver refuses more,
# and reports cap what older versions stored, so that SQLite's SUM of the
# totals can never overflow (which makes the whole query fail).
MAX_CLICKS = 1_000_000_000
# What SQLite appends to a WAL store's name for its log and shared memory.
WAL_ENDS = ("-wal", "-shm")

# What verify appends to a store's name for the file it locks while a
# batch sends (see one_batch_at_a_time).
BATCH_LOCK_END = "-verify-lock"
# The longest a store's file name may be: SQLite keeps its -wal and -shm
# files beside it under a name 4 bytes longer. (The verify lock's is
# longer still, and a batch runs without a lock where it cannot be made.)
_LONGEST_NAME = NAME_MAX - len(WAL_ENDS[0])

# Each entry is the SQL that moves the schema from version N to N + 1.
# _migrate runs it statement by statement, split at every ";" (executescript
# would commit the write transaction it runs in first): no ";" may stand
# inside a string literal or a trigger's body.
MIGRATIONS: tuple[str, ...] = (
    # 1: pending flattrs from web hooks, ignored deliveries, verified identities.
    """
    CREATE TABLE pending_flattrs (
        thing_id TEXT NOT NULL,
        thing_clicks_total INTEGER NOT NULL,
        thing_owner_id TEXT NOT NULL,
        flattrer_username TEXT NOT NULL,
        claim_url TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (thing_id, thing_clicks_total)
    );
    CREATE INDEX pending_flattrs_by_owner ON pending_flattrs (thing_owner_id);
    CREATE TABLE ignored_events (
        id INTEGER PRIMARY KEY,
        event TEXT NOT NULL,
        raw_body BLOB NOT NULL,
        received_at TEXT NOT NULL
    );
    CREATE TABLE verified_identities (
        identity TEXT NOT NULL,
        username TEXT NOT NULL,
        verified_at TEXT NOT NULL,
        PRIMARY KEY (identity, username)
    );
    """,
    # 2: verifications made against an API other than Flattr's own (a
    # rehearsal server named by --api-url or FLATTR_API_URL). Kept apart
    # from verified_identities, so that a rehearsal neither hands pending
    # flattrs over nor keeps the run against Flattr from sending.
    """
    CREATE TABLE verified_at_other_apis (
        identity TEXT NOT NULL,
        username TEXT NOT NULL,
        api_url TEXT NOT NULL,
        verified_at TEXT NOT NULL,
        PRIMARY KEY (identity, username, api_url)
    );
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
# The version whose migration made verified_at_other_apis: a reader that may
# not migrate an older store (a dry run) finds no such table in one.
OTHER_APIS_SINCE = 2


@functools.cache
def _tables_at(version: int) -> frozenset[str]:
    """The tables a store of schema ``version`` (up to this one) holds:
    the migrations run in a database in memory, and SQLite asked, so that
    any way a migration names a table (quoted, IF NOT EXISTS) counts."""
    connection = sqlite3.connect(":memory:")
    try:
        for migration in MIGRATIONS[:version]:
            connection.executescript(migration)
        return frozenset(_version_and_tables(connection)[1])
    finally:
        connection.close()


@functools.cache
def _own_tables() -> frozenset[str]:
    """Every table any version of the schema made: a database that holds
    none of them, but others, was made by another program."""
    return frozenset().union(*map(_tables_at, range(1, SCHEMA_VERSION + 1)))


@contextlib.contextmanager
def write_transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """A write transaction on ``connection`` (in autocommit mode), taken at
    once (``BEGIN IMMEDIATE``), committed when the block ends, rolled back
    when it raises.

    SQLite rolls back by itself after some errors (a full disk, a failed
    write), and an interrupt that lands just after COMMIT finds nothing
    left to undo: a ROLLBACK then fails ("cannot rollback - no transaction
    is active"), and its error must not hide the one that says what
    happened, or the interrupt itself.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise


def store_argument(value: str) -> str:
    """The commands' ``--store``: a file's path. An empty one (a variable
    left unset in ``--store "$STORE"``) would quietly mean the default."""
    if not value.strip():
        import argparse  # only the commands parse arguments

        raise argparse.ArgumentTypeError("is empty: give the store's file")
    return value


def configured_store(settings: Mapping[str, Any], settings_file: object) -> Path | None:
    """``FLATTR_STORE`` of a settings file, for the commands that take
    ``--settings``: None when unset.

    A relative path is taken from the folder the command runs in, as the
    build takes it: Pelican never tells a plugin where its settings file
    is, and one setting must name one file for the build and the commands.
    Raises ValueError, naming the file and the setting, for a value that is
    not a path (an empty string included: it would name no file), and for a
    relative one with no store in the current folder but one beside the
    settings file, where earlier versions looked.
    """
    from .settings import path_setting  # only the commands get here

    problems: list[str] = []
    value = path_setting(settings, "FLATTR_STORE", problems)
    if problems:
        raise ValueError(f"{settings_file}: {problems[0]}")
    if value is None:
        return None
    path = Path(value)
    settings_folder = Path(os.fspath(settings_file)).resolve().parent
    beside = settings_folder / path
    if not path.is_absolute() and not path.exists() and beside.is_file():
        # Earlier versions took it from there: a new, empty store here
        # would silently split the flattrs and verifications in two.
        raise ValueError(
            f"{settings_file}: FLATTR_STORE {path} is taken from the current "
            f"folder, as the build takes it, and there is none here, but there "
            f"is one at {beside}: run from {settings_folder} (where the build "
            "runs, too) or make FLATTR_STORE an absolute path"
        )
    return path


def site_settings(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Pelican's settings from the file at ``path``, for a command that
    checks its store against where the site is published
    (``published_with_site``): its content folder (``PATH``) is the file's
    own when it is on this host, as the build reads it, where the folders of
    ``STATIC_PATHS`` that the build publishes are. A receiver's host may
    have the settings file alone: read then with ``PATH`` its folder.

    Raises SettingsFileError.
    """
    from .settings import read_settings_file

    return read_settings_file(path, needs_content="if-present")


# How the build's words about a store published with the site end: what
# the build does about it, which no command does.
_BUILD_ONLY = "; no pending flattr notices this build"


def published_with_site(
    settings: Mapping[str, Any], store: Path, settings_file: str, *, option: bool
) -> str | None:
    """Why ``store`` is one the build calls an error, in its words: it lies
    in the output folder of ``settings``, or in a static folder of them, of
    the site or of a language's site of I18N_SUBSITES. None when nothing is
    wrong.

    ``settings_file`` is their file as messages show it; ``option``: the
    store came from ``--store``, not ``FLATTR_STORE``. The next build
    deletes such a store (DELETE_OUTPUT_DIRECTORY) or publishes it: a
    command that writes it refuses it, ``verify --dry-run`` too (a rehearsal
    fails where the run would); ``pending``, which only reads it, says so.
    """
    from .settings import named_sites, store_published_with_site

    # Each language's site of I18N_SUBSITES is built with its own settings
    # over the site's (its own OUTPUT_PATH), and checked so by the build.
    where, problem = next(
        (
            (where, problem)
            for where, own in named_sites(settings)
            if (problem := store_published_with_site({**settings, **own}, store))
        ),
        ("", None),
    )
    if problem is None:
        return None
    problem = problem.removesuffix(_BUILD_ONLY)
    if option:
        # The build's message names the setting; this store came from the
        # option.
        problem = problem.replace("FLATTR_STORE", "--store", 1)
    site = f"{where.strip()}: " if where else ""
    return f"{settings_file}: {site}{problem}"


class StoreError(RuntimeError):
    """The store cannot be opened or written, is not a store, or is newer
    than this version understands. ``reason`` says why, for a message that
    names the store."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"store {path}: {reason}")
        self.path = Path(path)
        self.reason = reason

    def message(self, settings_file: object | None = None) -> str:
        """The message; with ``settings_file``, it says that ``FLATTR_STORE``
        of that file names the store: the setting is what to fix."""
        if settings_file is None:
            return str(self)
        return f"store {self.path} (FLATTR_STORE of {settings_file}): {self.reason}"


def journal_paths(path: str | Path) -> list[Path]:
    """The ``-wal`` and ``-shm`` paths of the store at ``path``: beside the
    file a symlinked path names, where SQLite keeps them."""
    real = os.path.realpath(path)
    return [Path(f"{real}{end}") for end in WAL_ENDS]


def unreadable_wal_files(path: Path) -> list[Path]:
    """The ``-wal`` and ``-shm`` files beside the store at ``path`` that
    exist and that this process may not read.

    SQLite keeps them while the web hook receiver runs, with the mode the
    store had when they were made (its owner's alone, unless the operator
    changed it before) and the receiver's group. A reader needs both: a
    user allowed to read the store file alone gets "unable to open
    database file".
    """
    return [
        companion
        for companion in journal_paths(path)
        if os.path.exists(companion) and not os.access(companion, os.R_OK)
    ]


def unreadable_store_cause(path: Path) -> str:
    """Why the store at ``path`` likely could not be read, for a message:
    the ``-wal`` and ``-shm`` files beside it that this user may not read,
    or "" when there are none (the cause is elsewhere)."""
    names = [companion.name for companion in unreadable_wal_files(path)]
    if not names:
        return ""
    return (
        f"likely because this user may not read {' and '.join(names)} beside it, "
        "which SQLite keeps while the web hook receiver runs: let it read them "
        "as it reads the store"
    )


def _no_journal_of_another_store(path: Path) -> None:
    """Raise StoreError when a ``-wal`` or ``-shm`` file lies beside a
    missing store: a store moved or removed without them left them, and a
    program that still has it open (a running receiver, verify) may write
    into them. SQLite would take them for a new store's own journal there:
    it would reset them, losing what the moved store has not merged yet,
    or share them with that program, mixing the two stores.

    An empty -wal is no sign that nothing uses it (a connection that has
    only read has one), and a connection that only read leaves them when
    it closes: a store removed on purpose is refused until they are
    removed too. A new store's own journal may lie beside its empty file:
    SQLite writes the first pages to the -wal.

    Beside a file that replaced the store (a backup restored), another
    store's journal cannot be told from the file's own: nothing in a -wal
    or -shm names the file it belongs to. The receiver, which knows the
    file it opened, takes it away as it finds the store replaced.
    """
    left = [journal.name for journal in journal_paths(path) if journal.exists()]
    # Looked at after the journal: a store another thread or process made
    # meanwhile was there before its journal was.
    if not left or os.path.exists(path):
        return
    them = "them" if len(left) > 1 else "it"
    raise StoreError(
        path,
        f"is missing, but {' and '.join(left)} of a store moved or removed "
        f"{'are' if len(left) > 1 else 'is'} still beside its path, where a "
        "program that still has that store open (a running web hook receiver, "
        f"verify) may write: stop it, then move {them} with the store (or "
        f"remove {them} if the store was removed on purpose)",
    )


def holds_store_tables(path: Path) -> bool:
    """Whether the file at ``path`` is an SQLite database holding a table
    of the store's (of any version): the store, or a copy of it, however
    it is named. Read-only, without taking a lock or writing a journal."""
    try:
        with open(path, "rb") as file:
            if file.read(16) != b"SQLite format 3\x00":
                return False
        connection = sqlite3.connect(
            f"{path.absolute().as_uri()}?immutable=1", uri=True
        )
        try:
            names = {
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                )
            }
        finally:
            connection.close()
    except (OSError, sqlite3.Error, ValueError):
        return False
    return bool(names & _own_tables())


def existing_store(path: Path) -> bool:
    """True when a file is at ``path``, False when nothing is there.

    Raises StoreError for anything else (a folder, a device), which SQLite
    would report with words that say none of this. Only the file's type is
    looked at: opening the file beside a connection to it would drop that
    connection's locks (POSIX locks belong to the process, not to a file
    descriptor), and SQLite reads the first bytes itself (see sqlite_problem).
    """
    from .manifest import MISSING, file_problem

    problem = file_problem(path)
    if problem == MISSING:
        if path.parent.exists() and not path.parent.is_dir():
            raise StoreError(path, f"{path.parent} is not a folder")
        return False
    if problem is not None:
        # A folder or a device is the wrong path; a path that cannot be
        # examined (a folder this user may not enter) says why already.
        advice = "" if problem.startswith("cannot") else "; name the store's file"
        raise StoreError(path, problem + advice)
    return True


# How a message about a store that may be damaged ends: where
# docs/webhooks.md says how a backup takes its place (that section's name).
RESTORE = 'restore its backup (docs/webhooks.md, "Backing up and restoring")'

# What a file that holds something other than an SQLite database is said
# to be: another file named by mistake, or the store overwritten.
NOT_A_DATABASE = (
    "is not an SQLite database (it holds something else); name the store's "
    f"file, or move this one away; if it is the store, damaged, {RESTORE}"
)

# What a store file of 0 bytes is said to be. SQLite takes it for an empty
# database, which a store not yet written is: the operator may have made it
# first, to give it its group and mode. Nothing that opened it made it so
# (opening a store writes its first page at once), so it may as well be
# what a copy cut short or a failed restore left.
EMPTY_FILE = (
    "an empty file (0 bytes), without a delivery: a new store if it was made "
    "ahead for its mode; if it should hold deliveries (a copy cut short, a "
    f"restore that failed), stop the web hook receiver and {RESTORE}"
)


def check_can_be_made(path: Path) -> None:
    """Raise StoreError when no store can be made at ``path``, where there
    is none: its folder is missing, or a moved store's journal lies there
    (``_no_journal_of_another_store``). Makes nothing: a dry run that
    passes where the run would stop has checked nothing."""
    _check_name_fits(path)
    if not path.parent.exists():
        raise StoreError(
            path,
            f"the folder {path.parent} does not exist; create it or choose "
            "another path",
        )
    _no_journal_of_another_store(path)


_UNITS = "characters" if os.name == "nt" else "bytes"


def _check_name_fits(path: Path) -> None:
    """Raise StoreError when the file name of ``path`` leaves no room for
    its journal's: SQLite said only "unable to open database file", which
    sent operators to the file's permissions. The file SQLite opens: a
    link's target, whose folder holds the journal."""
    length = name_length(os.path.basename(os.path.realpath(path)))
    if length > _LONGEST_NAME:
        raise StoreError(
            path,
            f"its file name is {length} {_UNITS} long, and SQLite keeps its "
            f"journal beside it under a name {len(WAL_ENDS[0])} {_UNITS} longer "
            f"({listed(WAL_ENDS)}), where a file name may have at most "
            f"{NAME_MAX} {_UNITS}: choose a name of at most {_LONGEST_NAME} {_UNITS}",
        )


def open_store(
    path: str | Path, on_migrate: Callable[[int], object] | None = None
) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the store at ``path``.

    The connection is in autocommit mode (``isolation_level=None``): callers
    group writes with explicit ``BEGIN IMMEDIATE`` ... ``COMMIT``. A store
    opened only to be read may be one this user cannot write: see
    ``check_writable``. ``on_migrate`` is called with the schema version the
    store had when this open migrated it (never for a new store), for the
    command to say so: see ``migrated_notice``.
    """
    path = Path(path)
    _check_name_fits(path)
    if not existing_store(path):
        check_can_be_made(path)
        try:
            _make_store(path)
        except OSError as error:
            # Where it is made: a symlinked path's own folder may be fine.
            folder = Path(os.path.realpath(path)).parent
            if isinstance(error, FileNotFoundError):
                why = "does not exist; create it or choose another path"
            elif isinstance(error, NotADirectoryError):
                why = "is not a folder; choose another path"
            else:
                why = f"cannot be written ({error.strerror or error})"
            raise StoreError(
                path, f"cannot be created: the folder {folder} {why}"
            ) from None
        except sqlite3.Error as error:
            raise StoreError(path, sqlite_problem(path, error)) from None
    try:
        connection = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as error:
        raise StoreError(path, sqlite_problem(path, error)) from None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Before WAL mode, which is written into the file and outlives this
        # connection: another program's database is refused as it was.
        check_store(connection, path)
        _use_wal(connection)
        # FULL makes each commit durable against power loss as well as a
        # killed process; the cost is one fsync per delivery.
        connection.execute("PRAGMA synchronous = FULL")
        migrated_from = _migrate(connection, path)
        # Version 0 is a new store (an empty file the operator made): no
        # earlier version wrote it, so none is shut out of it.
        if on_migrate is not None and 0 < migrated_from < SCHEMA_VERSION:
            on_migrate(migrated_from)
    except BaseException as error:
        connection.close()
        if isinstance(error, sqlite3.Error):
            raise StoreError(path, sqlite_problem(path, error)) from None
        raise
    return connection


def _make_store(path: Path) -> None:
    """Make a new store at ``path``, whole, unless one is made meanwhile.

    Made beside it under another name, then linked into place: made at the
    path itself, a file put there meanwhile (a backup moved back) got the
    new store's first pages in its journal, and several programs making it
    at once raced to switch it to WAL mode. Created for its owner alone: it
    holds claim URLs (an email owner's is as good as the address), and
    SQLite gives the -wal and -shm files the database's mode.
    """
    # A symlinked path whose file is missing: made where the link points.
    path = Path(os.path.realpath(path))
    # Cut (``cut_name``) so that the name SQLite gives its rollback journal
    # while it switches the new file to WAL mode still fits.
    room = NAME_MAX - len(".") - len(".") - 8 - len("-journal")  # mkstemp's 8
    cut = cut_name(path.name, room)
    handle, name = tempfile.mkstemp(prefix=f".{cut}.", dir=path.parent)
    os.close(handle)
    made = Path(name)
    try:
        connection = sqlite3.connect(made, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            _migrate(connection, made)
        finally:
            connection.close()  # merges its journal into it, and removes it
        try:
            os.link(made, path)
        except FileExistsError:
            pass  # made meanwhile, or put there: that one is the store
        except OSError:
            # A file system without hard links: made in place by the
            # connection, an empty file first, for its mode.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    finally:
        for leftover in (made, *journal_paths(made)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _use_wal(connection: sqlite3.Connection) -> None:
    """Put the store in WAL mode (a no-op once it is), waiting as long as
    the busy timeout for another connection doing the same.

    Switching a new store holds a read lock while it asks for the write
    lock, and SQLite answers "database is locked" at once, not after the
    busy timeout, while another connection writes: two programs (or
    receiver threads) opening at once an empty file the operator made for
    the store refused one.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


_LOCK_FILE = os.O_RDONLY | os.O_CREAT
_LOCK_FILE |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@contextlib.contextmanager
def one_batch_at_a_time(path: Path) -> Iterator[None]:
    """Hold the lock of the verify batches of the store at ``path`` while
    the body runs; StoreError when another process holds it.

    Two batches at once (a cron job whose last run still waits out the
    rate limit) would each send what the other has not recorded yet:
    every identity twice, and the budget spent twice. The lock is the
    system's, on a file beside the store that stays there (removing it
    could let a third run lock a new file while a second holds the old
    one); the system lets it go when the process ends, however it ends, as
    a row in the store would not. Where no lock can be taken (a file
    system without locks, Windows), the batch runs without one: at worst
    it sends identities twice, which is harmless.
    """
    lock_path = Path(os.path.realpath(path) + BATCH_LOCK_END)
    try:
        # Read-only: a lock file another user made is locked all the same.
        # Never through a link, nor a FIFO waited on: one put beside a store
        # kept in a site's repository made a file anywhere, or hung.
        descriptor = os.open(lock_path, _LOCK_FILE, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _lock_in_the_way(path, lock_path, "a link") from None
        descriptor = None
    if descriptor is not None and not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _lock_in_the_way(path, lock_path, "no file")
    try:
        if descriptor is not None and not _locked(descriptor):
            raise StoreError(
                path,
                "another verify batch is sending from it (it holds "
                f"{lock_path.name} beside the store): two at once would send "
                "each identity twice; let that run end, then run this one again",
            )
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)  # lets the lock go


def _lock_in_the_way(path: Path, lock_path: Path, what: str) -> StoreError:
    """The refusal of a batch whose lock file, beside the store at
    ``path``, is ``what`` (a link, a FIFO), which may be planted: run
    without its lock, it was said nothing of."""
    return StoreError(
        path,
        f"{lock_path.name} beside it, the verify batches' lock, is {what}, which "
        "no batch locks (one put there by someone else?): remove it, and a "
        "batch makes its own",
    )


def _locked(descriptor: int) -> bool:
    """Lock the file open at ``descriptor`` for this process alone: False
    when another holds it, True when locked or when no lock can be taken
    (Windows, whose Python has no flock; a file system without locks)."""
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # ENOLCK: no locks on this file system
        return True
    return True


def check_writable(connection: sqlite3.Connection, path: Path) -> None:
    """Raise StoreError, saying why, unless the store can be written.

    SQLite opens a file it may not write read-only, and says so only at the
    first write: a receiver would listen and then answer every delivery
    503, and verify would send before finding that it cannot record.
    """
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            # A write that changes nothing (open_store migrated the store),
            # undone: taking the lock alone succeeds on a read-only file.
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
    except sqlite3.Error as error:
        raise StoreError(path, sqlite_problem(path, error)) from None


def _on_read_only_file_system(path: Path) -> bool:
    """Whether the store at ``path`` (or its folder, where there is no
    file) lies on a file system mounted read-only."""
    try:
        flags = os.statvfs(path if path.exists() else path.parent).f_flag
    except (OSError, AttributeError):  # no statvfs on Windows
        return False
    return bool(flags & getattr(os, "ST_RDONLY", 1))


def sqlite_problem(path: Path, error: sqlite3.Error, *, writing: bool = True) -> str:
    """What SQLite's ``error`` about the store at ``path`` means, to a
    command that writes the store, or only reads it."""
    text = str(error)
    if "not a database" in text:
        return NOT_A_DATABASE
    if "malformed" in text:
        # SQLite's "database disk image is malformed": the file, or the
        # -wal beside it, no longer holds a whole store.
        return (
            f"is damaged (SQLite: {text}): stop every program that uses it and "
            f"{RESTORE}"
        )
    if "database is locked" in text:
        if is_empty_file(path):
            # Emptied under a running receiver (`> store`, a copytruncate):
            # SQLite reads the -shm left beside it as a lock nobody holds.
            return f"is {EMPTY_FILE}"
        # Not damage: another program (a receiver, verify, the sqlite3
        # shell) held it locked past the busy timeout.
        return (
            f"locked by another program for {BUSY_TIMEOUT_MS / 1000:g} s (SQLite: "
            f"{text}); try again once it is done (`fuser` on the file names it)"
        )
    if not writing:
        # SQLite says only "unable to open database file" when the -wal and
        # -shm files a running receiver keeps cannot be read: the build's
        # warning names them, and so must a command that reads the store.
        cause = unreadable_store_cause(path)
        return f"not a readable store ({text})" + (f", {cause}" if cause else "")
    if "readonly" not in text and "unable to open" not in text:
        return text
    if not os.access(path, os.R_OK):
        # A file this user may not even read is not "read-only" to it.
        nor_write = "" if os.access(path, os.W_OK) else " (nor write it)"
        return (
            f"this user may not read it{nor_write}; let it read and write the "
            "file, or choose another store"
        )
    if _on_read_only_file_system(path):
        # No mode or owner lets any user write there: the mount is the fix.
        return (
            "it is on a file system mounted read-only, where no user may "
            "write it: mount it read-write, or choose a store on another"
        )
    if not os.access(path, os.W_OK):
        return (
            "this user may not write it (the file is read-only); let it write "
            "the file, or choose another store"
        )
    folder = path.parent
    if not os.access(folder, os.W_OK):
        return (
            f"the folder {folder} cannot be written, and SQLite keeps its "
            f"journal ({path.name}-wal, {path.name}-shm) beside the store: let "
            "this user write the folder, or choose another store"
        )
    unwritable = [
        journal.name
        for journal in journal_paths(path)
        if journal.exists() and not os.access(journal, os.W_OK)
    ]
    if unwritable:
        # Made by the web hook receiver's user while it runs.
        return (
            f"this user may not write {' and '.join(unwritable)} beside it, "
            "which SQLite keeps while the web hook receiver runs: let it write "
            "them as it writes the store, or run this as the receiver's user"
        )
    return text


def open_store_read_only(path: Path) -> sqlite3.Connection:
    """The store at ``path`` opened to be read, never written: by a build
    or a dry run whose user may not write it, or its folder.

    Raises sqlite3.Error (or OSError) when it cannot be read, and
    StoreError for one newer than this version understands, whose tables
    may mean something else, and for a database that is no store of this
    program's (see check_store).
    """
    uri = path.resolve().as_uri()
    try:
        return _read_only_connection(f"{uri}?mode=ro", path)
    except sqlite3.OperationalError as error:
        # Reading a WAL store that no writer holds open, SQLite creates its
        # -shm file beside it: a user that may not write in the store's
        # folder (a deploy user reading the receiver's store) cannot. With
        # no -wal file, nothing waits to be merged into the store, and the
        # file can be read as it is. (SQLite says "attempt to write a
        # readonly database", or "unable to open database file" for the
        # -shm file it could not create.)
        cannot_write = "readonly" in str(error) or "unable to open" in str(error)
        if not cannot_write or journal_paths(path)[0].exists():
            raise
        return _read_only_connection(f"{uri}?mode=ro&immutable=1", path)


def _read_only_connection(uri: str, path: Path) -> sqlite3.Connection:
    """A connection to ``uri``, checked to be a store of this version (the
    first read), or closed again."""
    connection = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        check_store(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


def schema_version(connection: sqlite3.Connection, path: Path) -> int:
    """The store's schema version. Raises StoreError for one newer than
    this version of pelican-flattr understands."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            path,
            f"has schema version {version}, newer than the {SCHEMA_VERSION} "
            "this pelican-flattr understands; upgrade pelican-flattr",
        )
    return version


# What a database of another program is said to be, with the tables it
# holds. Adding this program's tables to it, as an open once did, mixes
# the flattrs into another program's data.
FOREIGN_DATABASE = (
    "is an SQLite database of another program, not a pelican-flattr store "
    "(it holds {tables}); name the store's file, or move this one away"
)

# What a database whose PRAGMA user_version another program set, with no
# table, is said to be.
VERSIONED_WITHOUT_TABLES = (
    "is an SQLite database of another program, not a pelican-flattr store "
    "(its PRAGMA user_version is {version}, but it holds no table); name the "
    "store's file, or move this one away"
)

# What a database whose version says other tables than it holds is said to
# be: not made by this program (a version reset or set by hand, tables
# copied in), and migrating it fails half-way ("table ... already exists"),
# or writing it answers every delivery 503 ("no such table").
DISAGREEING = (
    "is not a pelican-flattr store: its schema version (PRAGMA user_version) "
    "and its tables disagree ({detail}); name the store's file, or move this "
    "one away"
)


def check_store(connection: sqlite3.Connection, path: Path) -> int:
    """The schema version of the store at ``path``; 0 for a database with
    nothing in it yet (a new store).

    Raises StoreError for a store newer than this version understands, for
    a database that holds tables of another program, or none but has a
    schema version (another program set it), and for one whose
    version and tables disagree (pelican-flattr's tables at version 0, a
    version without its tables): neither is a store this program made, and
    migrating or writing it would fail half-way, or answer every delivery
    503.
    """
    version, tables = _version_and_tables(connection)
    if tables and not tables & _own_tables():
        # Refused before anything is created in it, whatever its version:
        # many programs set PRAGMA user_version for their own use.
        raise StoreError(path, FOREIGN_DATABASE.format(tables=_shown_tables(tables)))
    if version and not tables:
        # A store is pelican-flattr's by its tables: every version has some,
        # a newer release's too. Taken for a newer store, this one was
        # answered "upgrade pelican-flattr", which would not help.
        raise StoreError(path, VERSIONED_WITHOUT_TABLES.format(version=version))
    if version > SCHEMA_VERSION:
        # A newer release's tables are not known here: it may have added
        # some. The version alone says what to do.
        return schema_version(connection, path)
    expected = _tables_at(version)
    foreign = tables - _own_tables()
    if foreign and not tables & expected:
        # Versioned, with none of the tables its version has: another
        # program's too, which holds one of ours by chance of naming.
        raise StoreError(path, FOREIGN_DATABASE.format(tables=_shown_tables(foreign)))
    missing = expected - tables
    if version == 0 and tables:
        detail = f"version 0, of a new store, with {_shown_tables(tables)}"
    elif missing:
        detail = f"version {version} without {_shown_tables(missing)}"
    else:
        return version
    raise StoreError(path, DISAGREEING.format(detail=detail))


def _version_and_tables(connection: sqlite3.Connection) -> tuple[int, set[str]]:
    """The schema version and the names of the tables and views, read in
    one transaction: another process's migration committed between two
    reads would make them disagree."""
    begun = not connection.in_transaction
    if begun:
        connection.execute("BEGIN")
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        }
    finally:
        if begun and connection.in_transaction:
            connection.execute("ROLLBACK")  # read only: nothing to keep
    return version, tables


def _shown_tables(names: set[str] | frozenset[str]) -> str:
    """Tables for a message ("the tables 'a' and 'b'"): a few names, quoted
    (a control character escaped), without addresses, which a name of
    another program's could hold."""
    shown = [repr(redact_addresses(name))[:40] for name in sorted(names)]
    return f"the table{'' if len(names) == 1 else 's'} {listed(shown, 3)}"


def migrated_notice(shown_path: str, old: int) -> str:
    """What a command says once it migrated the store (``shown_path``, its
    absolute path as the command shows paths) from schema version ``old``:
    from then on an earlier version refuses it, and going back takes more
    than installing that version again."""
    return (
        f"store {shown_path} migrated from schema version {old} to "
        f"{SCHEMA_VERSION}: earlier versions of pelican-flattr refuse it from "
        "now on (a web hook receiver of one still running answers every "
        "delivery 503); docs/upgrading.md says how to go back"
    )


def _migrate(connection: sqlite3.Connection, path: Path) -> int:
    """Migrate the store to ``SCHEMA_VERSION``; the version it had before
    (``SCHEMA_VERSION`` when this connection had nothing to do)."""
    # Every receiver thread, build and verify opens the store: only one that
    # has a migration to do takes the write lock, so an open never waits
    # behind (or fails on) a writer holding it.
    if check_store(connection, path) == SCHEMA_VERSION:
        return SCHEMA_VERSION
    with write_transaction(connection):
        # Again under the lock: another process may have migrated meanwhile,
        # and only the one that did says so.
        old = check_store(connection, path)
        for number in range(old, SCHEMA_VERSION):
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number + 1}")
    return old
