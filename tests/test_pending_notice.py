"""Author pages tell owners without a Flattr account what waits for them."""

import json
import os
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from conftest import SAMPLE_SITE, build_sample_site, child_env, documented_block, page
from webhook_server import PENDING, ReceiverProcess

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.identifiers import hash_email
from pelican_flattr.store import SCHEMA_VERSION, open_store

BOB = "twitter:user:id:783214"
CAROL = "email:" + hash_email("carol@example.org")
CLAIM = "https://flattr.com/claim/thing/"


def fill(store, events):
    connection = open_store(store)
    with connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            [
                (thing, clicks, owner, "reader", CLAIM + thing, received)
                for thing, clicks, owner, received in events
            ],
        )
    connection.close()


def notice(output, slug):
    return page(output / "author" / f"{slug}.html").select_one(".flattr-pending")


def test_author_pages_show_pending_flattrs(tmp_path):
    store = tmp_path / "store.sqlite3"
    fill(
        store,
        [
            # Out of order and repeated: a thing counts once, at its highest.
            ("t1", 3, BOB, "2024-05-02T10:00:00Z"),
            ("t1", 1, BOB, "2024-05-01T10:00:00Z"),
            ("t2", 2, BOB, "2024-05-03T09:00:00Z"),
            ("t3", 4, CAROL, "2024-05-04T08:00:00Z"),
            # A total of 0 (older receivers took it) is no flattr at all: not
            # on a thing of its own, nor as a thing's newest delivery.
            ("t4", 0, BOB, "2024-05-05T08:00:00Z"),
            ("t2", 0, BOB, "2024-05-06T08:00:00Z"),
            # A Flattr user has an account and nothing to claim, whatever a
            # hand-filled store says.
            ("t6", 2, "alice_flattrs", "2024-05-05T08:00:00Z"),
            ("t5", 0, "partner:hackspace:1042", "2024-05-05T08:00:00Z"),
        ],
    )
    output = build_sample_site(tmp_path, FLATTR_STORE=str(store))
    bob = notice(output, "bob-builder")
    assert bob is not None
    text = " ".join(bob.get_text().split())
    assert "flattred 2 of these posts 5 times" in text
    assert bob.find("time")["datetime"] == "2024-05-03T09:00:00Z"
    assert bob.find("a", string="Claim them on flattr.com")["href"] == CLAIM + "t2"
    carol = notice(output, "carol-chen")
    assert carol is not None and "flattred 1 of these posts 4 times" in " ".join(
        carol.get_text().split()
    )
    assert carol.find("a") is None  # an email owner's claim URL is private
    assert notice(output, "alice-andersson") is None  # a Flattr user
    assert notice(output, "dmitri-ivanov") is None  # nothing waits
    for path in output.rglob("*"):
        if path.is_file():
            assert b"carol@example.org" not in path.read_bytes().lower()


def test_the_documented_override_leaves_one_authors_notice_out(tmp_path):
    # docs/privacy.md: an author who objects to their counts on their page
    # is left out by a child of the theme; the others keep theirs.
    store = tmp_path / "store.sqlite3"
    fill(
        store,
        [
            ("t1", 3, BOB, "2024-05-02T10:00:00Z"),
            ("t3", 4, CAROL, "2024-05-04T08:00:00Z"),
        ],
    )
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    template = documented_block(
        "docs/privacy.md", "{# author.html, in a folder of THEME_TEMPLATES_OVERRIDES #}"
    )
    (overrides / "author.html").write_text(template)
    output = build_sample_site(
        tmp_path,
        FLATTR_STORE=str(store),
        THEME_TEMPLATES_OVERRIDES=[str(overrides)],
        PENDING_NOTICE_LEFT_OUT=["Bob Builder"],
    )
    assert notice(output, "bob-builder") is None
    assert "Posts by" in page(output / "author" / "bob-builder.html").text
    assert notice(output, "carol-chen") is not None


def test_missing_store_is_a_warning_not_a_failure(tmp_path, flattr_log):
    output = build_sample_site(tmp_path, FLATTR_STORE=str(tmp_path / "none.db"))
    assert notice(output, "bob-builder") is None
    assert any("does not exist" in r.getMessage() for r in flattr_log.records)


def test_a_store_behind_a_file_says_the_file_is_in_the_way(tmp_path, flattr_log):
    # "does not exist (yet)" sent the operator looking for a store that no
    # command could ever make there.
    (tmp_path / "private").write_text("notes")
    store = tmp_path / "private" / "hooks" / "flattr.db"
    build_sample_site(tmp_path / "site", FLATTR_STORE=str(store))
    assert [
        r.getMessage() for r in flattr_log.records if "flattr.db" in r.getMessage()
    ] == [
        f"pelican-flattr: FLATTR_STORE {store} cannot exist: {tmp_path / 'private'} "
        "is a file, not a folder; no pending flattr notices this build"
    ]


def test_a_missing_relative_store_names_the_folder_it_was_looked_for_in(
    tmp_path, flattr_log, monkeypatch
):
    # Taken from the folder pelican runs in, which the warning did not say:
    # a build run from another folder seemed to lose the store.
    monkeypatch.chdir(tmp_path)
    build_sample_site(tmp_path / "site", FLATTR_STORE="private/none.db")
    assert [
        r.getMessage() for r in flattr_log.records if "none.db" in r.getMessage()
    ] == [
        f"pelican-flattr: FLATTR_STORE private/none.db (in {tmp_path}) does not "
        "exist (yet); no pending flattr notices this build"
    ]


@pytest.mark.parametrize(
    ("name", "problem"),
    [("folder", "is a folder, not a file"), ("x" * 300, "cannot be examined")],
)
def test_a_store_that_is_no_file_costs_the_notices_not_the_build(
    tmp_path, flattr_log, name, problem
):
    store = tmp_path / name
    if name == "folder":
        store.mkdir()
    output = build_sample_site(tmp_path / "site", FLATTR_STORE=str(store))
    assert notice(output, "bob-builder") is None
    assert (output / "author" / "bob-builder.html").is_file()
    assert any(
        f"FLATTR_STORE {store} {problem}" in r.getMessage() for r in flattr_log.records
    )


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("output/private", "lies in OUTPUT_PATH, which is deployed as the site"),
        (
            "content/images",
            "lies in 'images' of STATIC_PATHS, which Pelican copies into the output",
        ),
        # content/images is a link to it: Pelican copies what the link names.
        (
            "private",
            "lies in 'images' of STATIC_PATHS, which Pelican copies into the output",
        ),
    ],
    ids=["output", "static", "linked"],
)
def test_a_store_the_site_would_publish_is_refused(tmp_path, flattr_log, where, says):
    # Copied into the output (or left there) without a word, it published
    # the claim URLs of pending flattrs, owners' addresses in them.
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_SITE / "content", content)
    if where == "private":
        (content / "images").rename(tmp_path / where)
        (content / "images").symlink_to(tmp_path / where, target_is_directory=True)
    store = tmp_path / where / "flattr-store.sqlite3"
    store.parent.mkdir(parents=True, exist_ok=True)
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    settings = {
        "PATH": str(content),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "DELETE_OUTPUT_DIRECTORY": False,
        "FLATTR_STORE": str(store),
    }
    # The preview build goes on without the notices; the strict publish
    # build fails.
    output = build_sample_site(tmp_path, "pelicanconf.py", **settings)
    assert notice(output, "bob-builder") is None
    assert (output / "author" / "bob-builder.html").is_file()
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: settings: FLATTR_STORE {store} {says}: it would be "
        "published with the site, and it holds the operator's private records: "
        "who flattred what, each owner's claim URL, and which Flattr user verified "
        "which identity. Keep the store outside the output and the content folder; "
        "no pending flattr notices this build"
    ]
    with pytest.raises(FlattrBuildError):
        build_sample_site(tmp_path, **settings)


def test_the_output_deletion_never_takes_a_store_that_is_there(tmp_path, flattr_log):
    # The store's error named it as published, and Pelican's
    # DELETE_OUTPUT_DIRECTORY then deleted it, claim URLs and all, in the
    # same build, strict or not.
    output = tmp_path / "output"
    store = output / "flattr-store.sqlite3"
    output.mkdir()
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    kept = store.read_bytes()
    with pytest.raises(FlattrBuildError):
        build_sample_site(
            tmp_path,
            "pelicanconf.py",
            OUTPUT_PATH=str(output),
            DELETE_OUTPUT_DIRECTORY=True,
            FLATTR_STORE=str(store),
        )
    assert store.read_bytes() == kept
    assert sorted(path.name for path in output.iterdir()) == [store.name]
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: the store {store} lies in OUTPUT_PATH, which "
        "DELETE_OUTPUT_DIRECTORY empties now, before this build: it holds the web "
        "hooks' records (who flattred what, each owner's claim URL), which no build "
        "makes again. The build stops before Pelican deletes anything: move it, "
        "with its -wal and -shm files, out of the output and the content folder, "
        "and point FLATTR_STORE at it (in the output, it is published with the site)"
    ]


def test_the_output_deletion_of_a_store_link_says_only_the_link_goes(
    tmp_path, flattr_log
):
    # Pelican deletes the link, not the store it names: "no build makes
    # it again" and "move it out of the output", where it was already.
    output = tmp_path / "output"
    output.mkdir()
    store = tmp_path / "kept" / "flattr-store.sqlite3"
    store.parent.mkdir()
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    link = output / "flattr-store.sqlite3"
    link.symlink_to(store)
    with pytest.raises(FlattrBuildError):
        build_sample_site(
            tmp_path,
            "pelicanconf.py",
            OUTPUT_PATH=str(output),
            DELETE_OUTPUT_DIRECTORY=True,
            FLATTR_STORE=str(link),
        )
    assert link.is_symlink()
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: the store {link} lies in OUTPUT_PATH, which "
        "DELETE_OUTPUT_DIRECTORY empties now, before this build: a link to "
        f"{store}, which Pelican deletes, not the file: the receiver would start an "
        "empty store there, the web hooks' records left behind where the link "
        "pointed. The build stops before Pelican deletes anything: point "
        f"FLATTR_STORE at {store}"
    ]


# How the build's warning on a damaged store points at what mends it.
RESTORE_SAID = 'restore its backup (docs/webhooks.md, "Backing up and restoring")'


@pytest.mark.parametrize("damage", ["overwritten", "malformed"])
def test_an_unreadable_store_costs_the_notices_not_the_build(
    tmp_path, flattr_log, damage
):
    # The build is where the operator may first read of a damaged store:
    # SQLite's words alone named no backup.
    store = tmp_path / "store.sqlite3"
    if damage == "overwritten":
        store.write_text("not a database\n" * 100)
        said = (
            "is not an SQLite database (it holds something else); name the "
            "store's file, or move this one away; if it is the store, damaged, "
        )
    else:
        fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
        data = store.read_bytes()
        store.write_bytes(data[:4096] + b"U" * (len(data) - 4096))  # its tables
        said = (
            "is damaged (SQLite: database disk image is malformed): stop every "
            "program that uses it and "
        )
    output = build_sample_site(tmp_path / "site", FLATTR_STORE=str(store))
    assert notice(output, "bob-builder") is None
    assert (output / "author" / "bob-builder.html").is_file()
    assert [
        r.getMessage() for r in flattr_log.records if "FLATTR_STORE" in r.getMessage()
    ] == [
        f"pelican-flattr: FLATTR_STORE {store} {said}{RESTORE_SAID}; no pending "
        "flattr notices this build"
    ]


def test_a_store_of_a_newer_release_costs_the_notices_not_the_build(
    tmp_path, flattr_log
):
    # Its tables may mean something else: the notices were read all the same.
    store = tmp_path / "store.sqlite3"
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    connection = open_store(store)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    output = build_sample_site(tmp_path / "site", FLATTR_STORE=str(store))
    assert notice(output, "bob-builder") is None
    assert (output / "author" / "bob-builder.html").is_file()
    assert [r.getMessage() for r in flattr_log.records if "99" in r.getMessage()] == [
        f"pelican-flattr: FLATTR_STORE {store} has schema version 99, newer than "
        f"the {SCHEMA_VERSION} this pelican-flattr understands; upgrade "
        "pelican-flattr; no pending flattr notices this build"
    ]


def test_another_programs_database_named_as_the_store_is_said_without_its_addresses(
    tmp_path, flattr_log
):
    # The build warns why FLATTR_STORE gives no notices, naming the tables
    # of another program's database (a mail tool's, one per contact), and
    # goes on: an address in a table's name must not reach the log (the
    # store hides it, and so does the plugin's log filter).
    store = tmp_path / "contacts.sqlite3"
    connection = sqlite3.connect(store)
    connection.execute('CREATE TABLE "carol@example.org" (note TEXT)')
    connection.close()
    output = build_sample_site(tmp_path / "site", FLATTR_STORE=str(store))
    assert notice(output, "bob-builder") is None
    said = [r.getMessage() for r in flattr_log.records if str(store) in r.getMessage()]
    assert said == [
        f"pelican-flattr: FLATTR_STORE {store} is an SQLite database of another "
        "program, not a pelican-flattr store (it holds the table '[address]'); "
        "name the store's file, or move this one away; no pending flattr notices "
        "this build"
    ]


@pytest.mark.parametrize(
    ("claim_url", "never_published"),
    [
        ("javascript:alert(1)", b"javascript:"),
        # The receiver refuses these now; an older one stored them.
        ("https://flattr.com/claim/t1/owner/carol%40example.org", b"/claim/t1"),
        ("https://flattr.com/claim/t1/carol%2540example.org", b"/claim/t1"),
        ("https://flattr.com/claim/t1/carol@example.org", b"/claim/t1"),
    ],
)
def test_a_stored_claim_url_that_is_unsafe_is_never_a_link(
    tmp_path, claim_url, never_published
):
    # Checked again on the way out: a store filled by an older receiver, or
    # by hand, may hold anything.
    store = tmp_path / "store.sqlite3"
    connection = open_store(store)
    with connection:
        connection.execute(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            ("t1", 2, BOB, "reader", claim_url, "2024-05-02T10:00:00Z"),
        )
    connection.close()
    output = build_sample_site(tmp_path, FLATTR_STORE=str(store))
    bob = notice(output, "bob-builder")
    assert bob is not None and "flattred 1 of these posts 2 times" in " ".join(
        bob.get_text().split()
    )
    assert bob.find("a") is None
    assert never_published not in (output / "author" / "bob-builder.html").read_bytes()


EVE = "partner:hackspace:7"
# The sample site's owners, and one for Eve Example, who has none there.
AUTHORS = {
    "Bob Builder": BOB,
    "Carol Chen": "email:carol@example.org",
    "Dmitri Ivanov": "partner:hackspace:1042",
    "Eve Example": EVE,
}
# (owner, the claim URL a delivery holds, what is said of it)
OFF_FLATTR = [
    (
        BOB,
        "https://flattr-claims.evil.example/c/abc",
        "is on 'flattr-claims.evil.example', not on flattr.com",
    ),
    (
        "partner:hackspace:1042",
        "http://flattr.com/claim/d1",
        "is plain http://, not https://",
    ),
    # Never linked, as an email owner's: pending says why all the same.
    (
        CAROL,
        "http://flattr.com.evil.example/c",
        "is on 'flattr.com.evil.example', not on flattr.com",
    ),
    (EVE, "https://claims.flattr.com/c/e1", None),  # a name under flattr.com
]


@pytest.fixture(scope="module")
def off_flattr(tmp_path_factory):
    """The store the real receiver wrote from deliveries whose claim URLs
    are on another host than flattr.com, or plain http; its log."""
    root = tmp_path_factory.mktemp("off-flattr")
    receiver = ReceiverProcess(root / "store.sqlite3", root / "server.log").start()
    try:
        for number, (owner, claim_url, _) in enumerate(OFF_FLATTR):
            delivery = dict(
                PENDING,
                thing_id=f"off-{number}",
                thing_owner_id=owner,
                claim_url=claim_url,
            )
            answer = httpx.post(
                receiver.url,
                content=urlencode(delivery),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            # Kept: refused, the flattr would be lost, Flattr may not send
            # it again, and its count is no less true for its link.
            assert answer.json() == {"status": "stored"}, answer.text
    finally:
        assert receiver.stop() == 0
    return receiver


def test_a_claim_url_off_flattr_com_is_stored_but_linked_from_no_page(
    tmp_path, flattr_log, off_flattr
):
    # It was published under "Claim them on flattr.com", for anyone holding
    # the web hook token to send authors wherever they liked. Logged as a
    # warning: the operator may look into who sent it.
    lines = off_flattr.text().splitlines()
    for _, _, said in OFF_FLATTR:
        if said is not None:
            told = f"claim_url {said}; builds show no link to it"
            assert [" WARNING " in line for line in lines if told in line] == [True]
    output = build_sample_site(
        tmp_path, FLATTR_STORE=str(off_flattr.store), FLATTR_AUTHORS=AUTHORS
    )
    for slug in ("bob-builder", "dmitri-ivanov", "carol-chen"):
        waiting = notice(output, slug)
        assert waiting is not None and "flattred 1 of these posts 3 times" in " ".join(
            waiting.get_text().split()
        )
        assert waiting.find("a") is None
        assert "for your claim link" in waiting.get_text()
        assert b"evil.example" not in (output / "author" / f"{slug}.html").read_bytes()
    eve = notice(output, "eve-example")
    assert eve.find("a", string="Claim them on flattr.com")["href"] == (
        "https://claims.flattr.com/c/e1"
    )
    said = [r.getMessage() for r in flattr_log.records if "claim URL" in r.getMessage()]
    assert said == [
        f"pelican-flattr: FLATTR_STORE {off_flattr.store}: the claim URL of {owner}, "
        f"FLATTR_AUTHORS[{author!r}], {problem}: the author page tells of the "
        "flattrs waiting without a link to it; make sure it is Flattr's "
        "(`pelican-flattr pending` shows it) before passing it on"
        for author, (owner, _, problem) in [
            ("Bob Builder", OFF_FLATTR[0]),
            ("Dmitri Ivanov", OFF_FLATTR[1]),
        ]
    ]


def test_pending_says_which_claim_urls_no_build_links_to(off_flattr, capsys):
    from pelican_flattr.cli import main

    assert main(["pending", "--store", str(off_flattr.store), "--json"]) == 0
    rows = {row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]}
    assert main(["pending", "--store", str(off_flattr.store)]) == 0
    table = capsys.readouterr().out
    for owner, _, problem in OFF_FLATTR:
        if problem is None:
            assert rows[owner]["claim_url_note"] is None
            continue
        # An email owner's is shown without the address it would need.
        address = "; the owner's address is not added to it" if owner == CAROL else ""
        note = (
            f"this claim URL {problem}: builds show no link to it{address}; make "
            "sure it is Flattr's before passing it on"
        )
        assert rows[owner]["claim_url_note"] == note
        # Below the owner's line, as the note of an owner no build publishes.
        assert f"\n    {note}\n" in table


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://flattr.com/claim/1", None),
        ("https://FLATTR.COM/claim/1", None),
        # Fully qualified, the same host: it was said to be another.
        ("https://flattr.com./claim/2", None),
        ("https://claims.flattr.com/c", None),
        ("https://flattr.com.@evil.example/", "holds an email address or an '@'"),
        ("https://evil.example/?flattr.com", "is on 'evil.example', not on flattr.com"),
        (
            "https://flattr.com.evil.example/",
            "is on 'flattr.com.evil.example', not on flattr.com",
        ),
        ("http://flattr.com/claim/1", "is plain http://, not https://"),
    ],
)
def test_only_flattr_coms_own_claim_urls_are_linked(url, problem):
    from pelican_flattr.notice import claim_url_problem

    assert claim_url_problem(url) == problem


def test_pending_never_adds_an_address_to_a_claim_url_off_flattr_com(
    off_flattr, tmp_path, capsys
):
    # Completed as Flattr's would be, Carol's address would go to whoever
    # stored the URL: the web hook token is all it takes.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"FLATTR_AUTHORS = {AUTHORS!r}\n")
    from pelican_flattr.cli import main

    command = ["pending", "--store", str(off_flattr.store), "--settings", str(conf)]
    assert main([*command, "--json"]) == 0
    rows = {row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]}
    carol = rows[CAROL]
    assert carol["claim_url"] == "http://flattr.com.evil.example/c"
    assert carol["claim_url_complete"] is False
    # Nor given as a base for a script to add the address to.
    assert carol["claim_url_base"] is None
    assert carol["claim_url_note"] == (
        "this claim URL is on 'flattr.com.evil.example', not on flattr.com: builds "
        "show no link to it; the owner's address is not added to it; make sure it "
        "is Flattr's before passing it on"
    )
    assert main(command) == 0
    out = capsys.readouterr().out
    assert f"{CAROL} (Carol Chen)  http://flattr.com.evil.example/c\n" in out
    assert "carol" not in out and "%40" not in out


@pytest.mark.parametrize("linked", [False, True], ids=["file", "dangling-symlink"])
def test_a_new_store_is_its_owners_alone(tmp_path, linked):
    """It holds claim URLs: no other user of the machine may read it, nor
    its write-ahead log. Named by a symlink whose file is missing, it is
    made where the link points (SQLite made it there, with the umask's
    mode), and only there."""
    made_in = tmp_path / "real" if linked else tmp_path
    made_in.mkdir(exist_ok=True)
    store = tmp_path / "store.sqlite3"
    if linked:
        store.symlink_to(made_in / "store.sqlite3")
    old_mask = os.umask(0o022)
    try:
        connection = open_store(store)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("PRAGMA user_version")
        connection.execute("COMMIT")
        modes = {
            path.name: path.stat().st_mode & 0o777
            for path in made_in.iterdir()
            if path.name.startswith("store.sqlite3")
        }
        connection.close()
    finally:
        os.umask(old_mask)
    assert modes["store.sqlite3"] == 0o600
    assert set(modes.values()) == {0o600}, modes
    assert len(modes) >= 2, modes  # the -wal (and -shm) too
    assert store.is_symlink() == linked


def test_a_store_made_where_files_cannot_be_hard_linked_is_its_owners_alone(
    tmp_path, monkeypatch
):
    """On a file system without hard links (some network and FUSE mounts
    refuse them: EPERM), the store is made in place instead of linked
    there: as private, as whole, in WAL mode."""
    import errno

    import pelican_flattr.store as store_module

    def no_hard_links(source, target):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(store_module.os, "link", no_hard_links)
    store = tmp_path / "store.sqlite3"
    old_mask = os.umask(0o022)
    try:
        connection = open_store(store)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            modes = {
                path.name: path.stat().st_mode & 0o777
                for path in tmp_path.iterdir()
                if path.name.startswith("store.sqlite3")
            }
        finally:
            connection.close()
    finally:
        os.umask(old_mask)
    assert (version, mode) == (SCHEMA_VERSION, "wal")
    assert set(modes.values()) == {0o600}, modes
    assert len(modes) >= 2, modes  # the -wal (and -shm) too
    # Nothing left of the copy it could not link.
    assert [path.name for path in tmp_path.iterdir()] == ["store.sqlite3"]


_READ_AS_ANOTHER_USER = """
import json, os, sqlite3, sys
from pathlib import Path
from pelican_flattr.notice import read_pending_totals
if os.getuid() == 0:  # root may write anywhere: read as nobody instead
    os.setgid(65534)
    os.setuid(65534)
totals = read_pending_totals(Path(sys.argv[1]))
print(json.dumps({owner: t.flattrs for owner, t in totals.items()}))
"""


def test_a_store_in_a_folder_the_build_may_not_write_is_read(tmp_path):
    """A deploy user reading the receiver's store: SQLite would create the
    -shm file of a WAL store beside it to read it, and may not."""
    import shutil
    import subprocess
    import sys
    import tempfile

    # Not under tmp_path, whose parents only their owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="receiver-"))
    store = folder / "store.sqlite3"
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    assert sorted(p.name for p in folder.iterdir()) == ["store.sqlite3"]
    store.chmod(0o644)  # the operator lets the deploy user read it
    folder.chmod(0o755 if os.getuid() == 0 else 0o555)
    try:
        read = subprocess.run(
            [sys.executable, "-c", _READ_AS_ANOTHER_USER, str(store)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=folder,
            env=child_env(),
        )
        assert read.returncode == 0, read.stderr[-1500:]
        assert json.loads(read.stdout) == {BOB: 3}
        assert sorted(p.name for p in folder.iterdir()) == ["store.sqlite3"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


# The build's reading of the store (what the plugin does with FLATTR_STORE),
# by the deploy user; prints the plugin's warnings and the notices as JSON.
# Everything is imported first: the interpreter's own library, and the
# package under test (in a packager's build root), may be where only root
# may read (under /root), and the build imports them lazily.
_READ_NOTICES_AS_ANOTHER_USER = """
import json, logging, os, sqlite3, sys
import pelican_flattr.notice, pelican_flattr.store  # _read_notices imports them
from pelican_flattr.attach import _read_notices
from pelican_flattr.settings import read_settings
store, owner = sys.argv[1:]
settings, problems = read_settings({
    "SITEURL": "https://example.org",
    "FLATTR_AUTHORS": {"Bob Builder": owner},
    "FLATTR_STORE": store,
})
assert settings is not None, problems
messages = []
handler = logging.Handler(logging.WARNING)
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("pelican_flattr").addHandler(handler)
if os.getuid() == 0:  # root may read any file: read as nobody instead
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
notices = _read_notices(settings)
flattrs = {name: notice.flattrs for name, notice in notices.items()}
print(json.dumps({"messages": messages, "flattrs": flattrs}))
"""


def read_notices_as_another_user(store: Path) -> dict:
    import subprocess
    import sys

    read = subprocess.run(
        [sys.executable, "-c", _READ_NOTICES_AS_ANOTHER_USER, str(store), BOB],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=store.parent,
        env=child_env(),
    )
    assert read.returncode == 0, read.stderr[-1500:]
    return json.loads(read.stdout)


@pytest.mark.parametrize("linked", [False, True], ids=["file", "symlink"])
def test_a_store_the_running_receiver_keeps_unreadable_is_named_so(tmp_path, linked):
    """While ``webhook serve`` runs, SQLite keeps -wal and -shm files beside
    the store, made with the store's mode of then (its owner's alone): a
    deploy user let read the store file alone cannot read it, and the
    build's warning said only "unable to open database file". Through a
    symlink, their absence beside the link was taken for no journal at
    all: the store was read as if nothing waited in them, silently stale."""
    from webhook_server import PENDING, receiver_in_an_open_folder

    assert PENDING["thing_owner_id"] == BOB
    with receiver_in_an_open_folder(tmp_path / "server.log") as (real, _):
        store = real
        if linked:
            store = real.with_name("linked.sqlite3")
            store.symlink_to(real)
        wal_files = [real.with_name(f"store.sqlite3{end}") for end in ("-wal", "-shm")]
        assert [path.stat().st_mode & 0o777 for path in wal_files] == [0o600] * 2
        real.chmod(0o644)  # the operator lets the deploy user read the store
        if os.getuid() != 0:
            # Read as this user, who made them: take away what another user
            # could not do.
            for path in wal_files:
                path.chmod(0)
        read = read_notices_as_another_user(store)
        assert read["flattrs"] == {}
        assert read["messages"] == [
            f"pelican-flattr: FLATTR_STORE {store} cannot be read (unable to open "
            "database file), likely because this user may not read "
            "store.sqlite3-wal and store.sqlite3-shm beside it, which SQLite keeps "
            "while the web hook receiver runs: let it read them as it reads the "
            "store; no pending flattr notices this build"
        ]

        # Once the deploy user may read them too (docs/webhooks.md), it reads
        # the store while the receiver runs.
        for path in wal_files:
            path.chmod(0o644)
        assert read_notices_as_another_user(store) == {
            "messages": [],
            "flattrs": {"Bob Builder": 3},
        }


def test_the_cause_names_only_wal_files_that_exist_unreadable(tmp_path):
    """The warning must not blame the -wal and -shm files for a store that
    cannot be read for another reason."""
    from pelican_flattr.store import unreadable_store_cause

    store = tmp_path / "store.sqlite3"
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    assert not (tmp_path / "store.sqlite3-wal").exists()
    assert unreadable_store_cause(store) == ""
    connection = open_store(store)  # as the receiver holds it while it runs
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("COMMIT")
        wal = tmp_path / "store.sqlite3-wal"
        assert wal.exists() and (tmp_path / "store.sqlite3-shm").exists()
        assert unreadable_store_cause(store) == ""  # this user may read them
        if os.getuid() == 0:
            return  # root may read any file; the build test above reads as nobody
        wal.chmod(0)
        try:
            assert unreadable_store_cause(store) == (
                "likely because this user may not read store.sqlite3-wal beside "
                "it, which SQLite keeps while the web hook receiver runs: let it "
                "read them as it reads the store"
            )
        finally:
            wal.chmod(0o600)
    finally:
        connection.close()


def test_a_notice_finds_its_author_by_any_spelling_owners_are_found_by(tmp_path):
    """A FLATTR_AUTHORS key matches an author by name or slug; so must the
    notice on that author's page."""
    store = tmp_path / "store.sqlite3"
    fill(store, [("t1", 3, BOB, "2024-05-02T10:00:00Z")])
    output = build_sample_site(
        tmp_path,
        FLATTR_STORE=str(store),
        FLATTR_AUTHORS={"bob builder": BOB, "Alice Andersson": "alice_flattrs"},
    )
    bob = notice(output, "bob-builder")
    assert bob is not None
    assert "flattred 1 of these posts 3 times" in " ".join(bob.get_text().split())
