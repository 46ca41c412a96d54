"""``pelican-flattr pending``: the operator's private view of what waits."""

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from conftest import SAMPLE_SITE, child_env, documented_block, sqlite_file
from webhook_server import (
    NOT_STORES,
    PENDING,
    TOKEN,
    ReceiverProcess,
    cli_as_another_user,
    make_database,
    receiver_in_an_open_folder,
)

from pelican_flattr.cli import main
from pelican_flattr.identifiers import hash_email
from pelican_flattr.store import NOT_A_DATABASE

CAROL = "email:" + hash_email("carol@example.org")
SETTINGS = str(SAMPLE_SITE / "pelicanconf.py")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("pending")
    server = ReceiverProcess(root / "store.sqlite3", root / "log").start()
    events = [
        ("b1", "twitter:user:id:783214", 2),
        ("b1", "twitter:user:id:783214", 1),  # late and lower: not the count
        ("b2", "twitter:user:id:783214", 4),
        ("c1", CAROL, 1),
        ("x1", "partner:elsewhere:5", 7),
    ]
    for thing, owner, clicks in events:
        answer = httpx.post(
            server.url,
            content=urlencode(
                dict(
                    PENDING,
                    thing_id=thing,
                    thing_owner_id=owner,
                    thing_clicks_total=str(clicks),
                    claim_url=f"https://flattr.com/claim/{thing}/owner",
                )
            ),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200
    server.stop()
    return server.store


def test_pending_maps_owners_to_authors(store, capsys):
    assert (
        main(["pending", "--store", str(store), "--settings", SETTINGS, "--json"]) == 0
    )
    owners = {
        row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]
    }
    bob = owners["twitter:user:id:783214"]
    assert (bob["authors"], bob["things"], bob["flattrs"]) == (["Bob Builder"], 2, 6)
    carol = owners[CAROL]
    assert carol["authors"] == ["Carol Chen"]
    # Only this private report completes an email owner's claim URL.
    assert carol["claim_url"] == "https://flattr.com/claim/c1/owner/carol%40example.org"
    assert owners["partner:elsewhere:5"]["authors"] == []


def test_without_the_mapping_an_email_claim_url_is_withheld(store, capsys):
    assert main(["pending", "--store", str(store), "--json"]) == 0
    owners = {
        row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]
    }
    assert owners[CAROL]["claim_url"] is None
    assert owners[CAROL]["claim_url_complete"] is False


@pytest.mark.parametrize("settings", [None, SETTINGS])
def test_json_gives_an_email_owners_claim_url_base_and_each_owners_things(
    store, capsys, settings
):
    # A community keeps its authors' addresses in its own database, not in
    # FLATTR_AUTHORS: with claim_url null and only a count of things, its
    # script had to read the store itself, and redo "newest event" and
    # "handed over at verification".
    command = ["pending", "--store", str(store), "--json"]
    assert main(command + (["--settings", settings] if settings else [])) == 0
    owners = {
        row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]
    }
    carol = owners[CAROL]
    # What Flattr sent, without the address, known or not.
    assert carol["claim_url_base"] == "https://flattr.com/claim/c1/owner"
    assert carol["claim_url"] == (
        None if settings is None else f"{carol['claim_url_base']}/carol%40example.org"
    )
    # Any other owner's claim URL is whole already: nothing to append to.
    bob = owners["twitter:user:id:783214"]
    assert bob["claim_url_base"] is None
    assert bob["claim_url"] == "https://flattr.com/claim/b2/owner"
    assert {owner: row["thing_ids"] for owner, row in owners.items()} == {
        "twitter:user:id:783214": ["b1", "b2"],
        CAROL: ["c1"],
        "partner:elsewhere:5": ["x1"],
    }


@pytest.mark.parametrize("as_json", [False, True])
def test_an_email_owner_mapped_by_its_hash_gets_no_claim_url(
    store, tmp_path, monkeypatch, capsys, as_json
):
    # email:MD5HEX is an owner FLATTR_AUTHORS may hold, but no address: the
    # hash appended in its place makes a claim URL that does not work.
    monkeypatch.setenv("COLUMNS", "200")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f'FLATTR_AUTHORS = {{"Carol": "{CAROL}"}}\nTIMEZONE = "UTC"\n')
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command + (["--json"] if as_json else [])) == 0
    out = capsys.readouterr().out
    # Nor the base in the text, where it would read as the claim URL.
    assert f"https://flattr.com/claim/c1/owner{'/' if as_json else ''}" not in out
    if as_json:
        owners = {row["owner"]: row for row in json.loads(out)["owners"]}
        assert owners[CAROL]["authors"] == ["Carol"]
        assert owners[CAROL]["claim_url"] is None
        # The base alone, for a script that knows the address.
        assert owners[CAROL]["claim_url_base"] == "https://flattr.com/claim/c1/owner"
        assert owners[CAROL]["claim_url_complete"] is False
        # An entry names it: its author claims it by giving the address,
        # and the text gives no verify command, so --json has none either.
        assert owners[CAROL]["verify_command"] is None
    else:
        assert (
            f"{CAROL} (Carol)  (email owner: address unknown; no FLATTR_AUTHORS "
            f"entry of {conf}, nor its FLATTR_USERNAME, holds the address this "
            "hash is of"
        ) in out.replace("\n", " ")


def test_an_email_owner_no_entry_names_is_told_how_to_be_claimed(
    store, tmp_path, monkeypatch, capsys
):
    # Carol moved from email:ADDRESS to a Flattr username: her flattrs still
    # wait under the hash, and the advice was to add her email:ADDRESS to
    # FLATTR_AUTHORS, which would give her articles the old owner back.
    monkeypatch.setenv("COLUMNS", "200")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_AUTHORS = {"Carol": "carolchen"}\nTIMEZONE = "UTC"\n')
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert (
        f"{CAROL}  (email owner: address unknown, and no FLATTR_AUTHORS entry of "
        f"{conf}, nor its FLATTR_USERNAME, names this owner: if its author moved "
        "to another owner, whoever holds it claims these flattrs by verifying it "
        f"for their Flattr account (pelican-flattr verify --identity {CAROL} "
        f"--username THEIR_FLATTR_USERNAME --store {store}); if an author still "
        "has it, give the owner's email:ADDRESS in their entry)"
    ) in out


def test_without_settings_no_owner_is_said_to_be_unmapped(store, capsys, monkeypatch):
    # `pending --store FILE`, as docs/webhooks.md shows it, said of every
    # owner "(neither in FLATTR_AUTHORS nor FLATTR_USERNAME)", though no
    # settings were read to tell.
    monkeypatch.setenv("COLUMNS", "200")  # one line per row
    assert main(["pending", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "neither in FLATTR_AUTHORS" not in out
    rows = [line for line in out.splitlines() if "(no --settings given)" in line]
    assert len(rows) == 3, out
    # With settings, an owner they do not name is said to be unmapped.
    assert main(["pending", "--store", str(store), "--settings", SETTINGS]) == 0
    out = capsys.readouterr().out
    assert "(no --settings given)" not in out
    (row,) = [line for line in out.splitlines() if "(neither in" in line]
    assert "partner:elsewhere:5" in row


def test_without_settings_json_leaves_the_authors_unknown(store, capsys):
    # --json gave every owner no authors and "site_owner": false without
    # settings: unmapped, and not the site's, which nothing read could say.
    assert main(["pending", "--store", str(store), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["settings"] is None
    # As every command's document: a script reads one field.
    assert (document["ok"], document["exit_status"]) == (True, 0)
    assert {(row["authors"], row["site_owner"]) for row in document["owners"]} == {
        (None, None)
    }
    command = ["pending", "--store", str(store), "--settings", SETTINGS, "--json"]
    assert main(command) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["settings"] == SETTINGS
    owners = {row["owner"]: row for row in document["owners"]}
    unmapped = owners["partner:elsewhere:5"]
    assert (unmapped["authors"], unmapped["site_owner"]) == ([], False)


@pytest.mark.parametrize("columns", ["80", "40"])
def test_pending_table_for_people(store, capsys, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)  # piped, or a narrow terminal
    assert main(["pending", "--store", str(store), "--settings", SETTINGS]) == 0
    out = capsys.readouterr().out
    # Which store: without --store it may not be the site's. And the
    # flattrs all owners wait for: the table's total.
    assert out.endswith(f"\n3 owners with 14 pending flattrs (store {store}).\n")
    # At 40 columns the table folds each name across lines ("Build", "er"):
    # the start of each remains, mapped from the owner by FLATTR_AUTHORS.
    names = ["Bob Builder", "Carol Chen"] if columns == "80" else ["Bob", "Carol"]
    assert all(name in out for name in names), out
    # Each claim URL whole on one line, ready to copy, last; its owner's
    # authors before it, as the table shows them: 2,000 owners' lines far
    # below the table, or under a table folded to 40 columns, read alone.
    lines = out.splitlines()
    claims = lines[lines.index("Claim URLs, to pass on to each owner:") + 1 : -1]
    assert sorted(claims) == [
        f"{CAROL} (Carol Chen)  https://flattr.com/claim/c1/owner/carol%40example.org",
        "partner:elsewhere:5  https://flattr.com/claim/x1/owner",
        "twitter:user:id:783214 (Bob Builder)  https://flattr.com/claim/b2/owner",
    ]


def table_rows(out: str) -> dict[str, list[str]]:
    """The rows of the ``pending`` table in ``out``, each on one line (a
    wide terminal), in their order: the owner -> the other cells. The
    header row (ruled "\u2503", the others "\u2502") is under "owner"."""
    rows = {}
    for line in out.splitlines():
        ruled = line.replace("\u2503", "\u2502")
        if ruled.startswith("\u2502"):
            owner, *cells = (
                cell.strip() for cell in ruled.strip("\u2502").split("\u2502")
            )
            rows[owner] = cells
    return rows


def test_pending_table_shows_each_count_in_its_column(store, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one line per row
    command = ["pending", "--store", str(store), "--settings", SETTINGS]
    assert main([*command, "--json"]) == 0
    owners = json.loads(capsys.readouterr().out)["owners"]
    assert main(command) == 0
    rows = table_rows(capsys.readouterr().out)
    assert rows.pop("owner") == ["authors", "things", "flattrs", "latest"]
    unmapped = "(neither in FLATTR_AUTHORS nor FLATTR_USERNAME)"
    assert rows == {
        row["owner"]: [
            ", ".join(row["authors"]) or unmapped,
            str(row["things"]),
            str(row["flattrs"]),
            row["latest"],
        ]
        for row in owners
    }
    # Two things, six flattrs: a count in the other's column shows.
    assert rows["twitter:user:id:783214"][1:3] == ["2", "6"]


@pytest.mark.parametrize("as_json", [False, True])
def test_pending_lists_the_newest_delivery_first(
    tmp_path, monkeypatch, capsys, as_json
):
    # What arrived last is what the operator has yet to pass on. Owners
    # whose latest deliveries came in the same second (a batch) follow in
    # the order of their identifiers, ascending, as a reader looks one up:
    # the same order in every run.
    from pelican_flattr.store import open_store

    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "store.sqlite3"
    events = [
        ("o1", "partner:ns:old", "2024-01-01T00:00:00Z"),
        ("a1", "partner:ns:tie-a", "2024-02-01T00:00:00Z"),
        ("b1", "partner:ns:tie-b", "2024-02-01T00:00:00Z"),
        ("n1", "partner:ns:new", "2023-12-01T00:00:00Z"),  # its first: not latest
        ("n2", "partner:ns:new", "2024-03-01T00:00:00Z"),
    ]
    with open_store(path) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, 1, ?, '', ?, ?)",
            [
                (thing, owner, f"https://flattr.com/c/{thing}", at)
                for thing, owner, at in events
            ],
        )
    newest_first = [
        "partner:ns:new",
        "partner:ns:tie-a",
        "partner:ns:tie-b",
        "partner:ns:old",
    ]
    command = ["pending", "--store", str(path)]
    assert main(command + (["--json"] if as_json else [])) == 0
    out = capsys.readouterr().out
    if as_json:
        owners = json.loads(out)["owners"]
        assert [row["owner"] for row in owners] == newest_first
        assert owners[0]["latest"] == "2024-03-01T00:00:00Z"
    else:
        assert list(table_rows(out))[1:] == newest_first
        # The claim URLs below the table, in the same order.
        claims = [line.split()[0] for line in out.splitlines() if "https://" in line]
        assert claims == newest_first


def test_totals_stored_by_older_versions_cannot_break_the_report(tmp_path, capsys):
    # Totals up to 18 digits were once accepted: their sum overflowed SQLite.
    from pelican_flattr.store import MAX_CLICKS, open_store

    path = tmp_path / "store.sqlite3"
    with open_store(path) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    f"t{i}",
                    999_999_999_999_999_999,
                    "partner:ns:9",
                    "",
                    "https://flattr.com/c",
                    "2024",
                )
                for i in range(10)
            ],
        )
    assert main(["pending", "--store", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["owners"]
    assert (row["things"], row["flattrs"]) == (10, 10 * MAX_CLICKS)


def pending_owners(path, capsys, events, verified=(), fields=("things", "flattrs")):
    """``pending --json`` of a store holding ``events`` (thing, total, owner,
    received) and ``verified`` identities: owner -> its row's ``fields``
    (things, flattrs)."""
    from pelican_flattr.store import open_store

    with open_store(path) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            [
                (thing, total, owner, "", f"https://flattr.com/c/{thing}", received)
                for thing, total, owner, received in events
            ],
        )
        connection.executemany(
            "INSERT INTO verified_identities VALUES (?, ?, ?)", verified
        )
    assert main(["pending", "--store", str(path), "--json"]) == 0
    return {
        row["owner"]: tuple(row[field] for field in fields)
        for row in json.loads(capsys.readouterr().out)["owners"]
    }


def test_a_total_of_no_flattr_stored_by_older_versions_does_not_wait(tmp_path, capsys):
    # Older receivers took thing_clicks_total=0: a thing nobody flattred.
    events = [
        ("z1", 0, "partner:ns:1", "2024-01-01"),
        ("z2", 0, "partner:ns:2", "2024-01-01"),
        ("f2", 2, "partner:ns:2", "2024-01-02"),
    ]
    owners = pending_owners(tmp_path / "store.sqlite3", capsys, events)
    assert owners == {"partner:ns:2": (1, 2)}


def test_a_thing_whose_deliveries_name_two_owners_counts_once(tmp_path, capsys):
    # Counted for each owner with the highest total it had under them, a
    # thing flattred three times counted five: a claim URL claims the
    # thing, and its newest owner's claims all its flattrs.
    events = [
        ("500", 1, "partner:ns:1", "2024-01-01"),
        ("500", 2, "partner:ns:2", "2024-01-02"),
        ("500", 3, "partner:ns:1", "2024-01-03"),
        ("501", 1, "partner:ns:1", "2024-01-01"),
        ("501", 4, "partner:ns:2", "2024-01-04"),
        ("502", 2, "partner:ns:2", "2024-01-05"),
    ]
    owners = pending_owners(tmp_path / "store.sqlite3", capsys, events)
    assert owners == {"partner:ns:1": (1, 3), "partner:ns:2": (2, 6)}


def test_a_store_edited_by_hand_counts_no_text_as_a_total(tmp_path, capsys):
    # SQLite compares text above every number: a total edited to 'five'
    # counted as 1,000,000,000 flattrs, on author pages too; a claim URL
    # turned into a BLOB failed the report (and the build) with a traceback.
    path = tmp_path / "store.sqlite3"
    owners = pending_owners(path, capsys, [("t1", 2, "partner:ns:1", "2024-01-01")])
    assert owners == {"partner:ns:1": (1, 2)}
    with sqlite_file(path) as connection:
        connection.execute(
            "UPDATE pending_flattrs SET claim_url = CAST(claim_url AS BLOB)"
        )
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, '', 'https://x.org', ?)",
            [
                ("t2", "five", "partner:ns:1", "2024-01-02"),
                ("t3", 2.5, "partner:ns:1", "2024-01-02"),
            ],
        )
    assert main(["pending", "--store", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["owners"]
    assert (row["things"], row["flattrs"], row["thing_ids"]) == (1, 2, ["t1"])
    assert row["claim_url"] == "https://flattr.com/c/t1"


@pytest.mark.parametrize("as_json", [False, True])
def test_a_store_edited_by_hand_with_bytes_for_ids_is_read_as_text(
    tmp_path, capsys, as_json
):
    # SQLite keeps a BLOB in a TEXT column: a thing_id or an owner stored
    # so crashed `pending` (exit 70, "a bug of pelican-flattr"), and the
    # build matched no author to such an owner.
    from pelican_flattr.notice import read_pending_totals
    from pelican_flattr.store import open_store

    path = tmp_path / "store.sqlite3"
    rows = [
        (b"77", 2, "twitter:user:id:9", "2026-01-01T00:00:00Z"),
        # One owner, as BLOB and as text: one row, its things counted once,
        # the claim URL of its newest event (a BLOB sorts above any text).
        ("t2", 1, b"partner:ns:1", b"2026-01-01T00:00:00Z"),
        ("t3", 3, "partner:ns:1", "2026-01-02T00:00:00Z"),
        (b"c1", 1, CAROL.encode(), "2026-01-01T00:00:00Z"),
        # Verified since: handed over, as it would be stored as text.
        ("v1", 1, b"partner:ns:2", "2026-01-01T00:00:00Z"),
    ]
    with open_store(path) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, '', ?, ?)",
            [
                (thing, total, owner, f"https://flattr.com/c/{index}", received)
                for index, (thing, total, owner, received) in enumerate(rows)
            ],
        )
        connection.execute(
            "INSERT INTO verified_identities VALUES "
            "('partner:ns:2', 'v', '2026-02-01T00:00:00+00:00')"
        )
    command = ["pending", "--store", str(path)] + (["--json"] if as_json else [])
    assert main(command) == 0
    out = capsys.readouterr().out
    if not as_json:
        assert "twitter:user:id:9  https://flattr.com/c/0" in out, out
        assert "partner:ns:1  https://flattr.com/c/2" in out, out
        assert "3 owners with 7 pending flattrs" in out, out
        return
    owners = {
        row["owner"]: (row["things"], row["flattrs"], row["thing_ids"])
        for row in json.loads(out)["owners"]
    }
    assert owners == {
        "twitter:user:id:9": (1, 2, ["77"]),
        "partner:ns:1": (2, 4, ["t2", "t3"]),
        CAROL: (1, 1, ["c1"]),
    }
    totals = read_pending_totals(path)
    assert sorted(totals) == sorted(owners)
    assert totals["partner:ns:1"].latest == "2026-01-02T00:00:00Z"


def test_a_thing_id_of_bytes_that_are_no_text_is_said_to_be_unreadable(
    tmp_path, capsys
):
    # Read as text, as a claim URL of such bytes already was: the column
    # named, the value without its address, and no traceback.
    from pelican_flattr.store import open_store

    path = tmp_path / "store.sqlite3"
    with open_store(path) as connection:
        connection.execute(
            "INSERT INTO pending_flattrs VALUES (?, 1, 'partner:ns:1', '', "
            "'https://flattr.com/c', '2026-01-01T00:00:00Z')",
            (b"news/carol@example.org\xff",),
        )
    assert main(["pending", "--store", str(path)]) == 2
    said = capsys.readouterr().err
    assert "not a readable store (Could not decode to UTF-8 column 'thing_id'" in said
    assert "carol" not in said and "Traceback" not in said


def test_missing_store_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    named = tmp_path / "none.db"
    assert main(["pending", "--store", str(named)]) == 2
    assert capsys.readouterr().err == f"pelican-flattr: store {named}: no such store\n"
    # Run where the receiver's store is not, without a word of where it is:
    # the default store looked for, and how to name the right one.
    assert main(["pending"]) == 2
    assert capsys.readouterr().err == (
        "pelican-flattr: store flattr-store.sqlite3: no such store here: give "
        "--store FILE, or --settings pelicanconf.py whose FLATTR_STORE names the "
        "receiver's store\n"
    )
    # In a folder named by an address, which is never repeated.
    folder = tmp_path / "carol@example.org"
    folder.mkdir()
    conf = folder / "pelicanconf.py"
    conf.write_text('TIMEZONE = "UTC"\n')
    assert main(["pending", "--settings", str(conf)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: store flattr-store.sqlite3: no such store, and "
        f"{tmp_path}/[address]/pelicanconf.py sets no FLATTR_STORE: give --store "
        "FILE, or set FLATTR_STORE to the receiver's store\n"
    )


@pytest.mark.skipif(os.name == "nt", reason="a folder separator on Windows")
def test_a_backslash_in_the_store_setting_is_said_with_no_such_store(
    tmp_path, monkeypatch, capsys
):
    # FLATTR_STORE written on Windows in a shared settings file names, on
    # Linux, one file with a backslash in its name: "no such store" alone
    # did not say why.
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_STORE = "cache\\\\flattr.sqlite3"\n')
    assert main(["pending", "--settings", str(conf)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: {conf}: FLATTR_STORE 'cache\\\\flattr.sqlite3' holds a "
        "backslash, which is no folder separator here: the file is written or "
        "read with the backslash in its name; write the folders with '/' (as in "
        "'cache/flattr.sqlite3'), which Windows takes too\n"
        "pelican-flattr: store cache\\flattr.sqlite3 (FLATTR_STORE of "
        f"{conf}): no such store\n"
    )


@pytest.mark.parametrize("kind", ["an empty file", "a database without tables"])
def test_a_store_not_yet_written_has_nothing_pending(tmp_path, capsys, kind):
    # docs/webhooks.md takes both for a store not yet written (the operator
    # may make it first, for its mode), as verify --dry-run does; pending
    # said "not a readable store (no such table: pending_flattrs)".
    store = tmp_path / "store.sqlite3"
    if kind == "an empty file":
        store.touch()
    else:
        make_database(store, "CREATE TABLE gone (x); DROP TABLE gone;")
        assert store.stat().st_size > 0
    assert main(["pending", "--store", str(store)]) == 0
    out, err = capsys.readouterr()
    assert err == ("" if kind != "an empty file" else EMPTY_SAID.format(store=store))
    assert out.strip() == f"0 owners with pending flattrs (store {store})."


# What pending says of a store of 0 bytes: nothing a receiver opened (it
# writes a store's first page at once), and perhaps what is left of one.
EMPTY_SAID = (
    "pelican-flattr: store {store}: is an empty file (0 bytes), without a "
    "delivery: a new store if it was made ahead for its mode; if it should hold "
    "deliveries (a copy cut short, a restore that failed), stop the web hook "
    'receiver and restore its backup (docs/webhooks.md, "Backing up and '
    'restoring")\n'
)


def test_an_empty_store_file_is_said_to_be_one_with_json_too(tmp_path, capsys):
    # Read as a new store without a word: a copy cut short or a restore
    # that failed went unseen, "0 owners" as if all were well. Nothing in
    # it can be read back, so the status stays 0 and the document whole.
    store = tmp_path / "store.sqlite3"
    store.touch()
    assert main(["pending", "--json", "--store", str(store)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["owners"] == []
    assert err == EMPTY_SAID.format(store=store)
    # The section it points at is there, under that name.
    doc = (Path(__file__).parents[1] / "docs" / "webhooks.md").read_text()
    assert "\n### Backing up and restoring\n" in doc


@pytest.mark.parametrize("command", ["pending", "verify"])
def test_a_settings_file_that_fails_is_run_once(tmp_path, capsys, command):
    # Read again without its content folder whatever had failed, a file
    # that fails for another reason ran twice (what it prints, twice).
    runs = tmp_path / "runs"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"open({str(runs)!r}, 'a').write('run ')\nraise RuntimeError('broken')\n",
        encoding="utf-8",
    )
    store = tmp_path / "store.sqlite3"
    args = {
        "pending": ["pending", "--store", str(store), "--settings", str(conf)],
        "verify": [
            "verify",
            "--identity",
            "partner:ns:1",
            "--username",
            "bob",
            "--dry-run",
            "--settings",
            str(conf),
        ],
    }[command]
    assert main(args) == 2
    assert "RuntimeError: broken" in capsys.readouterr().err
    assert runs.read_text(encoding="utf-8") == "run "


@pytest.mark.parametrize("content", ["here", "missing"])
@pytest.mark.parametrize("command", ["pending", "verify", "webhook serve"])
def test_a_settings_file_is_run_once(tmp_path, capsys, monkeypatch, command, content):
    # Read again with PATH its own folder when its content folder was not
    # on this host (a receiver's, a deploy host's), a settings file ran
    # twice: what it prints, or starts, twice. The store it names lies in
    # the output, which each command says (serve and verify refuse it,
    # before listening or asking Flattr): the settings were read.
    from pelican_flattr.store import open_store

    monkeypatch.chdir(tmp_path)
    if content == "here":
        (tmp_path / "content").mkdir()
    (tmp_path / "public").mkdir()
    open_store(tmp_path / "public" / "store.sqlite3").close()
    runs = tmp_path / "runs"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"open({str(runs)!r}, 'a').write('run ')\nPATH = 'content'\n"
        "OUTPUT_PATH = 'public'\nFLATTR_STORE = 'public/store.sqlite3'\n",
        encoding="utf-8",
    )
    args = {
        "pending": ["pending"],
        "verify": ["verify", "--identity", "partner:ns:1", "--username", "bob"],
        "webhook serve": ["webhook", "serve", "--token", "t" * 32, "--port", "0"],
    }[command]
    # verify --dry-run: it would refuse the store before asking Flattr
    # anyway, and a slip here must not ask it.
    dry_run = ["--dry-run"] if command == "verify" else []
    main([*args, *dry_run, "--settings", str(conf)])
    assert "lies in OUTPUT_PATH" in capsys.readouterr().err
    assert runs.read_text(encoding="utf-8") == "run "


def test_a_store_that_is_no_database_is_named(tmp_path, capsys):
    store = tmp_path / "store.sqlite3"
    store.write_text("not a database\n" * 100)
    assert main(["pending", "--store", str(store), "--settings", SETTINGS]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pelican-flattr: store {store}: is not an SQLite database")
    assert SETTINGS not in err  # the settings file is not at fault
    # A store overwritten or cut is one too: its backup is what mends it.
    assert err.endswith(RESTORE_SAID + "\n")


# How a damaged store's message ends: where docs/webhooks.md says how.
RESTORE_SAID = 'restore its backup (docs/webhooks.md, "Backing up and restoring")'


def test_a_damaged_store_points_at_its_backup(tmp_path, capsys):
    # SQLite's words alone ("database disk image is malformed"), and no
    # word of the backup that mends it.
    from pelican_flattr.store import open_store

    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    data = store.read_bytes()
    store.write_bytes(data[:4096] + b"U" * (len(data) - 4096))  # all its tables
    assert main(["pending", "--store", str(store)]) == 2
    assert capsys.readouterr().err == (
        f"pelican-flattr: store {store}: is damaged (SQLite: database disk image "
        f"is malformed): stop every program that uses it and {RESTORE_SAID}\n"
    )


def test_a_configured_store_that_is_no_database_names_the_setting(
    tmp_path, monkeypatch, capsys
):
    # FLATTR_STORE of the settings file named it: that is what to fix.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "junk.sqlite3").write_bytes(random.Random(1).randbytes(2000))
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_STORE = "junk.sqlite3"\nTIMEZONE = "UTC"\n')
    assert main(["pending", "--settings", str(conf)]) == 2
    assert (
        f"pelican-flattr: store junk.sqlite3 (FLATTR_STORE of {conf}): "
        f"{NOT_A_DATABASE}\n"
    ) in capsys.readouterr().err


@pytest.mark.parametrize(
    ("store", "expected"),
    [("sub", "is a folder, not a file"), ("/dev/null", "is not a file")],
)
def test_a_store_that_is_no_file_is_named_so(
    tmp_path, monkeypatch, capsys, store, expected
):
    # Both were "no such store". (A value that names a folder by its
    # spelling, "." or "sub/", is refused as the setting's own mistake.)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert main(["pending", "--store", store]) == 2
    assert capsys.readouterr().err.startswith(
        f"pelican-flattr: store {store}: {expected}"
    )
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"FLATTR_STORE = {store!r}\nTIMEZONE = 'UTC'\n")
    assert main(["pending", "--settings", str(conf)]) == 2
    assert (
        f"pelican-flattr: store {store} (FLATTR_STORE of {conf}): {expected}"
    ) in capsys.readouterr().err


def test_a_store_from_a_newer_release_is_refused(tmp_path, capsys):
    # As verify and the receiver refuse it: its tables may mean otherwise.
    from pelican_flattr.store import SCHEMA_VERSION, open_store

    path = tmp_path / "store.sqlite3"
    with open_store(path) as connection:
        connection.execute(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            ("t1", 2, "partner:ns:1", "", "https://flattr.com/c", "2024"),
        )
        connection.execute("PRAGMA user_version = 99")
    assert main(["pending", "--store", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    problem = (
        f"store {path}: has schema version 99, newer than the {SCHEMA_VERSION} "
        "this pelican-flattr understands; upgrade pelican-flattr"
    )
    assert err == f"pelican-flattr: {problem}\n"
    assert json.loads(out) == {"ok": False, "exit_status": 2, "problems": [problem]}


@pytest.mark.parametrize("as_json", [False, True])
def test_authors_named_by_an_address_are_never_shown(
    store, tmp_path, monkeypatch, capsys, as_json
):
    monkeypatch.setenv("COLUMNS", "200")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "FLATTR_AUTHORS = {\n"
        '    "carol@example.org": "email:carol@example.org",\n'
        '    "Bob <bob@example.org>": "twitter:user:id:783214",\n'
        # Every spelling the receiver's filter knows, as its log shows them.
        '    "dan%40example.org": "partner:elsewhere:5",\n'
        '    "eve&#64;example.org": "partner:elsewhere:5",\n'
        '    "fay&commat;example.org": "twitter:fay",\n'
        '}\nTIMEZONE = "UTC"\n'
    )
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command + (["--json"] if as_json else [])) == 0
    out, err = capsys.readouterr()
    assert "@example.org" not in out + err
    assert "example.org" not in out.replace("carol%40example.org", "") + err
    assert "FLATTR_AUTHORS['[address]'] 'twitter:fay' is not" in err
    # The claim URL keeps the address, percent-encoded: what owners need.
    assert "carol%40example.org" in out
    if as_json:
        owners = {row["owner"]: row for row in json.loads(out)["owners"]}
        assert owners[CAROL]["authors"] == ["[address]"]
        assert owners["twitter:user:id:783214"]["authors"] == ["Bob <[address]>"]
        assert owners["partner:elsewhere:5"]["authors"] == ["[address]"] * 2
    else:
        assert "Bob <[address]>" in out


def test_authors_that_are_no_dict_name_the_settings_file(store, tmp_path, capsys):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_AUTHORS = ["carol@example.org"]\n')
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pelican-flattr: {conf}: FLATTR_AUTHORS must be a dict")
    assert "@" not in err


@pytest.mark.parametrize("command", [["pending"], ["webhook", "serve"]])
def test_a_failing_settings_file_never_repeats_an_address(
    store, tmp_path, capsys, command
):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('raise ValueError("ask carol@example.org")\n')
    assert main([*command, "--store", str(store), "--settings", str(conf)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{conf}: cannot be read as Pelican settings: ValueError: ask [address]" in err
    )
    assert "carol@" not in err


@pytest.mark.parametrize(
    ("exit_call", "shown"),
    [('sys.exit("ask carol@example.org")', "ask [address]"), ("sys.exit(3)", "3")],
)
def test_a_settings_file_that_exits_is_a_usage_error(
    store, tmp_path, capsys, exit_call, shown
):
    """sys.exit() in a settings file ends no command with its own status,
    nor prints what it was given unredacted."""
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"import sys\n{exit_call}\n")
    assert main(["pending", "--store", str(store), "--settings", str(conf)]) == 2
    err = capsys.readouterr().err
    assert f"{conf}: cannot be read as Pelican settings: SystemExit: {shown}" in err
    assert "carol@" not in err


def settings_naming(tmp_path, store, copy_in):
    """tmp_path/site/pelicanconf.py naming the store "flattr.db", and a copy
    of ``store`` as ``copy_in``/flattr.db; the site folder and the file."""
    site = tmp_path / "site"
    site.mkdir()
    (copy_in / "flattr.db").write_bytes(store.read_bytes())
    conf = site / "pelicanconf.py"
    conf.write_text('FLATTR_STORE = "flattr.db"\nTIMEZONE = "UTC"\n')
    return site, conf


def test_a_relative_store_is_taken_from_the_current_folder(
    store, tmp_path, monkeypatch, capsys
):
    # As the build takes it: one setting, one file, wherever the settings
    # file is.
    site, conf = settings_naming(tmp_path, store, copy_in=tmp_path)
    monkeypatch.chdir(tmp_path)  # not the settings file's folder
    assert main(["pending", "--settings", str(conf), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["store"] == "flattr.db"
    assert not (site / "flattr.db").exists()


def test_a_store_beside_the_settings_file_is_not_silently_left_behind(
    store, tmp_path, monkeypatch, capsys
):
    # Earlier versions took a relative FLATTR_STORE from the settings file's
    # folder: a store there, and none here, is named, not replaced.
    site, conf = settings_naming(tmp_path, store, copy_in=tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", "t" * 40)
    commands = [
        ["pending", "--settings", str(conf)],
        ["webhook", "serve", "--settings", str(conf)],
        ["verify", "--from", str(conf), "--dry-run"],
    ]
    for command in commands:
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"there is one at {site / 'flattr.db'}: run from {site}" in err
    assert not (tmp_path / "flattr.db").exists()
    # Run from the settings file's folder, it is that store; and --store
    # names the store whatever FLATTR_STORE says.
    elsewhere = tmp_path / "elsewhere.db"
    elsewhere.write_bytes(store.read_bytes())
    for folder, extra in ((site, []), (tmp_path, ["--store", str(elsewhere)])):
        monkeypatch.chdir(folder)
        assert main([*commands[0], *extra, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)["store"]
        assert shown == (str(elsewhere) if extra else "flattr.db")
        assert main([*commands[2], *extra]) == 0, capsys.readouterr().err
        capsys.readouterr()
    assert not (tmp_path / "flattr.db").exists()


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("FLATTR_STORE = ''", "FLATTR_STORE must be a file path, not ''"),
        ("FLATTR_STORE = 'a\\x00b.db'", "FLATTR_STORE 'a\\x00b.db' holds a NUL"),
        ("FLATTR_AUTHORS = []", "FLATTR_AUTHORS must be a dict keyed by author name"),
    ],
)
def test_settings_of_the_wrong_type_are_refused(
    store, tmp_path, monkeypatch, capsys, setting, expected
):
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"{setting}\nTIMEZONE = 'UTC'\n")
    # FLATTR_AUTHORS is read once a store is open: give it one.
    given_store = ["--store", str(store)] if "AUTHORS" in setting else []
    assert main(["pending", "--settings", str(conf), *given_store]) == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "flattr-store.sqlite3").exists()


def test_an_author_named_by_an_address_is_never_in_a_message(
    store, tmp_path, monkeypatch, capsys
):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"carol@example.org": "twitter:carol"}\nTIMEZONE = "UTC"\n'
    )
    main(["pending", "--settings", str(conf), "--store", str(store)])
    err = capsys.readouterr().err
    assert "FLATTR_AUTHORS['[address]'] 'twitter:carol' is not" in err
    assert "example.org" not in err


def test_what_arrived_before_an_identity_was_verified_no_longer_waits(tmp_path, capsys):
    # Flattr hands an identity's pending things to the account that
    # verifies it; `verify` records that in the same store.
    from pelican_flattr.store import open_store

    path = tmp_path / "store.sqlite3"
    january, march = "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"
    february = "2024-02-01T00:00:00Z"
    with open_store(path) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("a1", 2, "partner:ns:1", "", "https://flattr.com/c/a1", january),
                # Received in the second it was verified: handed over too.
                ("a2", 4, "partner:ns:1", "", "https://flattr.com/c/a2", february),
                ("b1", 3, "partner:ns:2", "", "https://flattr.com/c/b1", january),
                ("b2", 5, "partner:ns:2", "", "https://flattr.com/c/b2", march),
                # Others' verifications hand over nothing of ns:3's.
                ("c0", 6, "partner:ns:3", "", "https://flattr.com/c/c0", january),
                ("c1", 7, "partner:ns:3", "", "https://flattr.com/c/c1", march),
            ],
        )
        connection.executemany(
            "INSERT INTO verified_identities VALUES (?, ?, ?)",
            [
                ("partner:ns:1", "alice", "2024-02-01T00:00:00+00:00"),
                ("partner:ns:2", "bob", "2024-02-01T00:00:00+00:00"),
            ],
        )
    assert main(["pending", "--store", str(path), "--json"]) == 0
    owners = {
        row["owner"]: (row["things"], row["flattrs"])
        for row in json.loads(capsys.readouterr().out)["owners"]
    }
    # ns:1 verified after its one event; ns:2 has one event since; ns:3 never.
    assert owners == {"partner:ns:2": (1, 5), "partner:ns:3": (2, 6 + 7)}


def test_a_late_delivery_of_a_flattr_from_before_verification_no_longer_waits(
    tmp_path, capsys
):
    # Deliveries arrive out of order: once verified, a thing counts only
    # the flattrs beyond the highest total it had by then.
    bob = "twitter:user:id:783214"
    before, after = "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"
    events = [
        *[("100", total, bob, before) for total in (1, 2, 9)],
        ("100", 5, bob, after),  # 3..8 were in flight: old flattrs
        ("200", 3, bob, before),
        ("200", 7, bob, after),  # 4 flattrs since
        ("300", 2, bob, after),  # a thing flattred since
    ]
    verified = [(bob, "bob", "2024-02-01T00:00:00+00:00")]
    owners = pending_owners(tmp_path / "store.sqlite3", capsys, events, verified)
    assert owners == {bob: (2, 4 + 2)}


def test_json_lists_the_things_that_wait_as_they_are_counted(tmp_path, capsys):
    # The things a script is given are those counted: not one handed over
    # at verification (a1, and b1 whose late total is an old flattr's),
    # nor one whose only total is 0, sorted as a script looks one up.
    bob = "twitter:user:id:783214"
    before, after = "2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"
    events = [
        ("a1", 2, bob, before),
        ("b1", 9, bob, before),
        ("b1", 5, bob, after),
        ("t2", 1, bob, after),
        ("t10", 3, bob, before),  # verified, but flattred again since
        ("t10", 4, bob, after),
        ("A0", 1, bob, after),
        ("z0", 0, bob, after),
        ("n1", 1, "partner:ns:1", before),
    ]
    verified = [(bob, "bob", "2024-02-01T00:00:00+00:00")]
    fields = ("things", "thing_ids")
    owners = pending_owners(tmp_path / "s.sqlite3", capsys, events, verified, fields)
    assert owners == {
        bob: (3, ["A0", "t10", "t2"]),
        "partner:ns:1": (1, ["n1"]),
    }


def test_a_thing_id_an_older_version_stored_with_an_address_is_not_shown(
    tmp_path, capsys
):
    # The receiver refuses an address in thing_id now; a store an older
    # version filled may still hold one, and --json never shows it.
    events = [("news/carol@example.org", 1, "partner:ns:1", "2024-01-01")]
    fields = ("thing_ids",)
    owners = pending_owners(tmp_path / "s.sqlite3", capsys, events, fields=fields)
    assert owners == {"partner:ns:1": (["news/[address]"],)}


@pytest.mark.parametrize(
    "environment",
    [
        {"PYTHONIOENCODING": "ascii"},
        # A C locale without UTF-8 mode (cron's, at times): ASCII too, but
        # with "surrogateescape", which raises as "strict" does.
        {"LC_ALL": "C", "PYTHONUTF8": "0"},
    ],
    ids=["ascii", "c-locale"],
)
@pytest.mark.parametrize("as_json", [False, True])
def test_a_stdout_in_ascii_gets_the_report_escaped(tmp_path, as_json, environment):
    # A claim URL may hold any character; PYTHONIOENCODING=ascii (or a C
    # locale) ended the report half-way with a traceback.
    from pelican_flattr.store import open_store

    path = tmp_path / "store.sqlite3"
    claim_url = "https://flattr.com/claim/caf\u00e9-\u4e2d"
    with open_store(path) as connection:
        connection.execute(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            ("t1", 2, "partner:ns:1", "", claim_url, "2024-01-01T00:00:00Z"),
        )
    command = [sys.executable, "-m", "pelican_flattr.cli", "pending"]
    command += ["--store", str(path)] + (["--json"] if as_json else [])
    done = subprocess.run(
        command,
        capture_output=True,
        env={
            **{k: v for k, v in child_env().items() if k != "PYTHONIOENCODING"},
            **environment,
        },
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    out = done.stdout.decode("ascii")
    if as_json:
        assert json.loads(out)["owners"][0]["claim_url"] == claim_url
    else:
        assert "https://flattr.com/claim/caf\\xe9-\\u4e2d" in out


def test_a_store_in_a_folder_beside_the_settings_file_says_where_to_run(
    store, tmp_path, monkeypatch, capsys
):
    # FLATTR_STORE = "private/flattr.db": the advice named the store's own
    # folder, from which the relative path leads to private/private/.
    site = tmp_path / "site"
    (site / "private").mkdir(parents=True)
    (site / "private" / "flattr.db").write_bytes(store.read_bytes())
    conf = site / "pelicanconf.py"
    conf.write_text('FLATTR_STORE = "private/flattr.db"\nTIMEZONE = "UTC"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["pending", "--settings", str(conf)]) == 2
    err = capsys.readouterr().err
    assert f"there is one at {site / 'private' / 'flattr.db'}: run from {site} " in err
    monkeypatch.chdir(site)
    assert main(["pending", "--settings", str(conf)]) == 0


@pytest.mark.parametrize("as_json", [False, True])
def test_flattr_username_is_an_owner_whose_claim_url_is_completed(
    store, tmp_path, monkeypatch, capsys, as_json
):
    # The plugin gives every unmapped article to FLATTR_USERNAME: its
    # flattrs showed as nobody's, and its email owner's claim URL was
    # withheld although the settings hold the address.
    monkeypatch.setenv("COLUMNS", "200")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_USERNAME = "email:carol@example.org"\n'
        'FLATTR_AUTHORS = {"Xavier": "partner:elsewhere:5"}\nTIMEZONE = "UTC"\n'
    )
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command + (["--json"] if as_json else [])) == 0
    out, err = capsys.readouterr()
    assert err == ""
    complete = "https://flattr.com/claim/c1/owner/carol%40example.org"
    assert "carol@" not in out
    if as_json:
        owners = {row["owner"]: row for row in json.loads(out)["owners"]}
        assert owners[CAROL]["authors"] == ["FLATTR_USERNAME"]
        assert owners[CAROL]["site_owner"] is True
        assert owners[CAROL]["claim_url"] == complete
        assert owners[CAROL]["claim_url_complete"] is True
        assert owners["partner:elsewhere:5"]["authors"] == ["Xavier"]
        assert owners["partner:elsewhere:5"]["site_owner"] is False
    else:
        table_row = next(line for line in out.splitlines() if CAROL in line)
        assert "FLATTR_USERNAME" in table_row and "neither" not in table_row
        assert f"{CAROL} (FLATTR_USERNAME)  {complete}" in out.splitlines()
        assert "address unknown" not in out


def test_flattr_username_shares_a_row_with_the_author_it_names(store, tmp_path, capsys):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_USERNAME = "Twitter:User:Id:783214"\n'
        'FLATTR_AUTHORS = {"Bob": "twitter:user:id:783214"}\nTIMEZONE = "UTC"\n'
    )
    command = ["pending", "--store", str(store), "--settings", str(conf), "--json"]
    assert main(command) == 0
    owners = {
        row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]
    }
    assert owners["twitter:user:id:783214"]["authors"] == ["Bob", "FLATTR_USERNAME"]
    assert owners[CAROL]["authors"] == [] and owners[CAROL]["site_owner"] is False


def test_an_unusable_flattr_username_is_named_and_left_out(store, tmp_path, capsys):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_USERNAME = "carol@example.org"\nTIMEZONE = "UTC"\n')
    assert main(["pending", "--store", str(store), "--settings", str(conf)]) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"pelican-flattr: {conf}: FLATTR_USERNAME looks like a plain email "
        "address; write it as email:ADDRESS so that it is hashed; left out\n"
    )
    assert "carol@" not in out
    # Settings were given: the advice is to mend them, not to give them.
    assert (
        f"{CAROL}  (email owner: address unknown, and no FLATTR_AUTHORS entry of "
        f"{conf}, nor its FLATTR_USERNAME, names this owner: "
    ) in out.replace("\n", " ")
    assert "give the owner's email:ADDRESS in their entry)" in out.replace("\n", " ")
    assert main(["pending", "--store", str(store)]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert (
        f"{CAROL}  (email owner: address unknown; give --settings with "
        "FLATTR_AUTHORS or FLATTR_USERNAME holding its email:ADDRESS)"
    ) in out


@pytest.mark.parametrize("kind", NOT_STORES)
def test_a_database_that_is_no_store_is_named_so(tmp_path, capsys, kind):
    # It read "no such table: pending_flattrs", or the tables of another
    # program's database that happened to bear the names.
    sql, says = NOT_STORES[kind]
    store = tmp_path / "store.sqlite3"
    make_database(store, sql)
    assert main(["pending", "--store", str(store), "--json"]) == 2
    out, err = capsys.readouterr()
    assert err == f"pelican-flattr: store {store}: {says}\n"
    assert json.loads(out)["problems"] == [f"store {store}: {says}"]


def test_a_table_of_another_program_named_by_an_address_is_not_shown_so(
    tmp_path, capsys
):
    # A message names the tables of another program's database: a table's
    # name may be anything, an address too.
    store = tmp_path / "store.sqlite3"
    make_database(store, 'CREATE TABLE "carol@example.org" (x);')
    assert main(["pending", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"pelican-flattr: store {store}: is an SQLite database of another "
        "program, not a pelican-flattr store (it holds the table '[address]'); "
        "name the store's file, or move this one away\n"
    )
    assert "@" not in err


def test_pending_names_the_wal_files_it_may_not_read(tmp_path):
    """A deploy user let read the store file alone, while the receiver
    runs: SQLite says "unable to open database file", and pending said no
    more, where the build names the -wal and -shm files."""
    with receiver_in_an_open_folder(tmp_path / "server.log") as (store, _):
        store.chmod(0o644)  # its -wal and -shm keep the mode it had: 0600
        if os.getuid() != 0:  # this user made them: take what another lacks
            for end in ("-wal", "-shm"):
                store.with_name(f"store.sqlite3{end}").chmod(0)
        done = cli_as_another_user(["pending", "--store", str(store)])
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"pelican-flattr: store {store}: not a readable store (unable to open "
        "database file), likely because this user may not read "
        "store.sqlite3-wal and store.sqlite3-shm beside it, which SQLite keeps "
        "while the web hook receiver runs: let it read them as it reads the "
        "store\n"
    )


def test_a_wal_without_its_shm_in_a_folder_it_may_not_write_is_not_read_stale(
    tmp_path,
):
    """A store copied with its -wal but not its -shm, where the deploy user
    may not create the -shm: read without its -wal (SQLite's immutable
    mode), it would show what waited before the deliveries the -wal holds."""
    import shutil
    import tempfile

    from pelican_flattr.store import open_store

    writing = open_store(tmp_path / "store.sqlite3")
    try:
        writing.execute("PRAGMA wal_autocheckpoint = 0")  # kept in the -wal
        writing.execute(
            "INSERT INTO pending_flattrs VALUES (?, ?, ?, ?, ?, ?)",
            ("t1", 3, "partner:ns:1", "", "https://flattr.com/c/t1", "2024-01-01"),
        )
        # Not under tmp_path, whose parents only their owner may enter.
        folder = Path(tempfile.mkdtemp(prefix="copied-"))
        for name in ("store.sqlite3", "store.sqlite3-wal"):
            shutil.copy(tmp_path / name, folder / name)
            (folder / name).chmod(0o644)
    finally:
        writing.close()
    folder.chmod(0o755)
    try:
        done = cli_as_another_user(
            ["pending", "--store", str(folder / "store.sqlite3")]
        )
        left = sorted(path.name for path in folder.iterdir())
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(
        f"pelican-flattr: store {folder / 'store.sqlite3'}: not a readable store ("
    ), done.stderr
    assert left == ["store.sqlite3", "store.sqlite3-wal"]


@pytest.mark.parametrize("as_json", [False, True])
def test_each_languages_own_owners_are_read(
    store, tmp_path, monkeypatch, capsys, as_json
):
    # i18n_subsites gives a language's articles the owners of its own
    # FLATTR_AUTHORS and FLATTR_USERNAME: their rows are theirs, and an
    # email owner's claim URL is completed from the language's mapping.
    monkeypatch.setenv("COLUMNS", "200")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Bob Builder": "twitter:user:id:783214"}\n'
        "I18N_SUBSITES = {\n"
        '    "de": {"FLATTR_AUTHORS": {"Carol": "email:carol@example.org"}},\n'
        '    "fr": {\n'
        '        "FLATTR_AUTHORS": {"Carol": "email:carol@example.org",'
        ' "Dan": "dan@example.org"},\n'
        '        "FLATTR_USERNAME": "partner:elsewhere:5",\n'
        "    },\n"
        '}\nTIMEZONE = "UTC"\n'
    )
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command + (["--json"] if as_json else [])) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"pelican-flattr: {conf}: I18N_SUBSITES['fr'] FLATTR_AUTHORS['Dan'] looks "
        "like a plain email address; write it as email:ADDRESS so that it is "
        "hashed; left out\n"
    )
    complete = "https://flattr.com/claim/c1/owner/carol%40example.org"
    assert "@example.org" not in out + err
    if as_json:
        owners = {row["owner"]: row for row in json.loads(out)["owners"]}
        assert owners[CAROL]["authors"] == ["Carol"]  # one author, two languages
        assert owners[CAROL]["claim_url"] == complete
        site_owner = owners["partner:elsewhere:5"]
        assert site_owner["authors"] == ["I18N_SUBSITES['fr'] FLATTR_USERNAME"]
        assert site_owner["site_owner"] is True
        assert owners["twitter:user:id:783214"]["authors"] == ["Bob Builder"]
    else:
        assert f"{CAROL} (Carol)  {complete}" in out.splitlines()
        assert "address unknown" not in out
        assert "neither" not in out


def test_a_languages_authors_that_are_no_dict_name_it(store, tmp_path, capsys):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'I18N_SUBSITES = {"de": {"FLATTR_AUTHORS": ["carol@example.org"]}}\n'
    )
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"pelican-flattr: {conf}: I18N_SUBSITES['de'] FLATTR_AUTHORS must be a dict"
    )
    assert "@" not in err


def test_an_address_a_language_spells_otherwise_is_appended_as_the_site_spells_it(
    store, tmp_path, capsys
):
    # One owner (the hash of the trimmed, lower-cased address) written two
    # ways: the claim URL gets the site's own spelling.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Carol": "email:Carol@Example.org"}\n'
        'I18N_SUBSITES = {"de": {"FLATTR_AUTHORS": '
        '{"Carol": "email:carol@example.org"}}}\n'
        'TIMEZONE = "UTC"\n'
    )
    command = ["pending", "--store", str(store), "--settings", str(conf), "--json"]
    assert main(command) == 0
    owners = {
        row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]
    }
    assert owners[CAROL]["claim_url"] == (
        "https://flattr.com/claim/c1/owner/Carol%40Example.org"
    )


# What pending and webhook serve print of a path in a folder named by an
# address (relative to the test's folder): the settings written in its
# conf.py, the command, its exit status. None: the running receiver's
# "listening on" line.
CONF_THERE = "dave@example.net/conf.py"
STORE_THERE = "dave@example.net/s.sqlite3"
SERVE = ["webhook", "serve", "--port", "0"]
IN_A_FOLDER_NAMED_BY_AN_ADDRESS = {
    "pending, the store FLATTR_STORE names": (
        'FLATTR_STORE = "nostore.sqlite3"',
        ["pending", "--settings", CONF_THERE],
        2,
    ),
    "pending, --store": ("", ["pending", "--store", "dave@example.net/x.sqlite3"], 2),
    "pending, a store beside the settings file": (
        'FLATTR_STORE = "s.sqlite3"',
        ["pending", "--settings", CONF_THERE],
        2,
    ),
    "pending, the report": ("", ["pending", "--store", STORE_THERE], 0),
    "pending --json, the report": (
        f'FLATTR_STORE = "{STORE_THERE}"',
        ["pending", "--json", "--settings", CONF_THERE],
        0,
    ),
    "serve, a store beside the settings file": (
        'FLATTR_STORE = "s.sqlite3"',
        [*SERVE, "--token", TOKEN, "--settings", CONF_THERE],
        2,
    ),
    "serve, the settings file of a refused token": (
        'FLATTR_WEBHOOK_TOKEN = "short"',
        [*SERVE, "--settings", CONF_THERE],
        2,
    ),
    "serve, a store that is a folder": (
        "",
        [*SERVE, "--token", TOKEN, "--store", "dave@example.net"],
        2,
    ),
    "serve, the listening line": ("", None, 0),
}


@pytest.mark.parametrize(
    ("settings", "command", "status"),
    IN_A_FOLDER_NAMED_BY_AN_ADDRESS.values(),
    ids=IN_A_FOLDER_NAMED_BY_AN_ADDRESS,
)
def test_a_path_in_a_folder_named_by_an_address_is_shown_without_it(
    tmp_path, monkeypatch, capsys, settings, command, status
):
    # As audit, verify and the settings reader show it: the folder's name
    # is an address as much as an author's name is.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    folder = tmp_path / "dave@example.net"
    folder.mkdir()
    (folder / "conf.py").write_text(f'{settings}\nTIMEZONE = "UTC"\n')
    (folder / "s.sqlite3").touch()  # a store not yet written
    if command is None:  # serves until stopped: in a process of its own
        receiver = ReceiverProcess(folder / "s.sqlite3", tmp_path / "log").start()
        assert receiver.stop() == 0
        printed = receiver.text()
    else:
        assert main(command) == status
        out, err = capsys.readouterr()
        printed = out + err
    assert "@example.net" not in printed
    assert "[address]" in printed, printed


# --- Found by a manual mutation review of webhook_command.py ---


def store_of_one_delivery(
    tmp_path: Path, owner: str, claim_url: str = "https://flattr.com/c/1"
) -> Path:
    """A store the real receiver wrote, of one flattr for ``owner`` whose
    claim URL is ``claim_url``."""
    server = ReceiverProcess(tmp_path / "store.sqlite3", tmp_path / "log").start()
    delivery = dict(PENDING, thing_owner_id=owner, claim_url=claim_url)
    assert httpx.post(server.url, data=delivery).status_code == 200
    assert server.stop() == 0
    return server.store


def test_an_address_with_a_slash_stays_one_segment_of_the_claim_url(tmp_path, capsys):
    # "a/b@example.org" is a valid address: Flattr appends it as the path's
    # last segment, so its "/" is encoded too; left as it is, the URL
    # handed out would name another path, which Flattr does not know.
    store = store_of_one_delivery(tmp_path, "email:" + hash_email("a/b@example.org"))
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_AUTHORS = {"Ab": "email:a/b@example.org"}\n')
    command = ["pending", "--json", "--store", str(store), "--settings", str(conf)]
    assert main(command) == 0
    (row,) = json.loads(capsys.readouterr().out)["owners"]
    assert row["claim_url"] == "https://flattr.com/c/1/a%2Fb%40example.org"


@pytest.mark.parametrize(
    "claim_url",
    ["http://flattr.com/c/1", "https://flattr.com.evil.example/c/1"],
)
def test_an_email_owners_claim_url_base_off_flattr_com_is_not_given(
    tmp_path, capsys, claim_url
):
    # A base is what a script appends the owner's address to: one no build
    # links to would send it to whoever stored it. claim_url keeps it, as
    # it came, with the note saying why.
    store = store_of_one_delivery(tmp_path, CAROL, claim_url)
    assert main(["pending", "--json", "--store", str(store)]) == 0
    (row,) = json.loads(capsys.readouterr().out)["owners"]
    assert row["claim_url_base"] is None
    assert (row["claim_url"], row["claim_url_complete"]) == (claim_url, False)
    assert "builds show no link to it" in row["claim_url_note"]


def test_one_owner_is_counted_as_one(tmp_path, capsys):
    store = store_of_one_delivery(tmp_path, "partner:ns:1")
    assert main(["pending", "--store", str(store)]) == 0
    last_line = capsys.readouterr().out.splitlines()[-1]
    assert last_line == f"1 owner with 3 pending flattrs (store {store})."


def owners_in_json(capsys, store: Path, conf: Path, settings: str) -> dict:
    """``pending --json`` given ``settings`` as its settings file: each
    owner's row, by owner, once it is clear that nothing went to stderr."""
    conf.write_text(f'{settings}\nTIMEZONE = "UTC"\n')
    command = ["pending", "--store", str(store), "--settings", str(conf), "--json"]
    assert main(command) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return {row["owner"]: row for row in json.loads(out)["owners"]}


def test_an_empty_flattr_username_is_no_owner_and_no_problem(store, tmp_path, capsys):
    # FLATTR_USERNAME = "" is how a site says it has no owner of its own:
    # nothing to report, and nothing to leave out.
    conf = tmp_path / "pelicanconf.py"
    owners = owners_in_json(capsys, store, conf, 'FLATTR_USERNAME = ""')
    assert not any(row["site_owner"] for row in owners.values())


def test_the_site_owner_comes_after_the_authors_it_shares_a_row_with(
    store, tmp_path, capsys
):
    # The authors in order of name, then FLATTR_USERNAME: not sorted among
    # them, where an uppercase setting's name would come before "Yann".
    settings = (
        'FLATTR_USERNAME = "twitter:user:id:783214"\n'
        'FLATTR_AUTHORS = {"Zoe": "twitter:user:id:783214", '
        '"Yann": "twitter:user:id:783214"}'
    )
    owners = owners_in_json(capsys, store, tmp_path / "pelicanconf.py", settings)
    authors = owners["twitter:user:id:783214"]["authors"]
    assert authors == ["Yann", "Zoe", "FLATTR_USERNAME"]


def test_a_store_flattr_store_names_that_is_missing_is_not_said_unset(tmp_path, capsys):
    # The settings do set FLATTR_STORE: the message must not send the
    # operator to set it.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f'FLATTR_STORE = "{tmp_path}/none.sqlite3"\nTIMEZONE = "UTC"\n')
    assert main(["pending", "--settings", str(conf)]) == 2
    err = capsys.readouterr().err
    assert f"store {tmp_path}/none.sqlite3" in err and "no such store" in err
    assert "sets no FLATTR_STORE" not in err


@pytest.mark.parametrize(
    "written", ["twitter:user:id:00783214", "twitter:user:id:783214"]
)
def test_an_owner_a_build_no_longer_publishes_is_told_how_to_be_claimed(
    tmp_path, capsys, monkeypatch, written
):
    # An earlier build published twitter:user:id:00783214, which a build
    # now refuses: its author's entry, old or mended, names it no more
    # (the old one is left out, as the build refuses it), and the row said
    # "neither in FLATTR_AUTHORS nor FLATTR_USERNAME" alone. Its flattrs wait
    # for it as written: verifying it claims them.
    monkeypatch.setenv("COLUMNS", "200")
    store = store_of_one_delivery(tmp_path, "twitter:user:id:00783214")
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f'FLATTR_AUTHORS = {{"Alice": "{written}"}}\nTIMEZONE = "UTC"\n')
    assert main(["pending", "--store", str(store), "--settings", str(conf)]) == 0
    out, err = capsys.readouterr()
    assert ("left out" in err) == ("00" in written)
    assert "(neither in FLATTR_AUTHORS nor FLATTR_USERNAME)" in out
    claim = out.splitlines()[
        out.splitlines().index("twitter:user:id:00783214  https://flattr.com/c/1") + 1
    ]
    assert claim == (
        "    a build no longer publishes this owner: its Twitter id has leading "
        "zeros, which no account's id has (the account's own owner is "
        "twitter:user:id:783214); the flattrs of the things an earlier build "
        "published for it wait for it as written, and whoever holds it claims "
        "them by verifying it as written (pelican-flattr verify --identity "
        "twitter:user:id:00783214 --username THEIR_FLATTR_USERNAME --store "
        f"{store})"
    )


@pytest.mark.parametrize("owner", ["twitter:user:id:00783214", CAROL])
def test_the_claim_note_names_a_store_in_a_folder_named_for_an_address_without_it(
    tmp_path, capsys, monkeypatch, owner
):
    # A folder named after its owner's address is never shown, and the
    # note's verify command named the store "[address]/store.sqlite3",
    # which runs as written but records in a store nothing reads.
    monkeypatch.setenv("COLUMNS", "200")
    folder = tmp_path / "carol@example.org"
    folder.mkdir()
    store = store_of_one_delivery(folder, owner)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_AUTHORS = {"Alice": "twitter:user:id:783214"}\n')
    assert main(["pending", "--store", str(store), "--settings", str(conf)]) == 0
    out, err = capsys.readouterr()
    assert "carol@example.org" not in out + err
    assert "[address]/store.sqlite3'" not in out
    assert (
        "--username THEIR_FLATTR_USERNAME --store STORE, STORE being the "
        "store's path, not shown as it holds an email address"
    ) in out.replace("\n", " ")


def test_a_store_another_program_holds_locked_is_said_to_be_locked(
    tmp_path, capsys, monkeypatch
):
    # The sqlite3 shell holding an exclusive lock: pending waited out the
    # busy timeout and called the store "not a readable store (database is
    # locked)", which reads as damage.
    from pelican_flattr import store as store_module

    path = tmp_path / "store.sqlite3"
    store_module.open_store(path).close()
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(path)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        assert main(["pending", "--store", str(path)]) == 2
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert err == (
        f"pelican-flattr: store {path}: locked by another program for 0.2 s "
        "(SQLite: database is locked); try again once it is done (`fuser` on "
        "the file names it)\n"
    )


def test_json_has_the_note_of_an_owner_a_build_no_longer_publishes(
    store, tmp_path, capsys, monkeypatch
):
    # pending printed it below the claim URL, and --json had nothing of it:
    # a script saw a row like any other, not why it waits nor how it is
    # claimed. The same words, null for every other owner.
    assert main(["pending", "--json", "--store", str(store)]) == 0
    rows = json.loads(capsys.readouterr().out)["owners"]
    assert [row["unpublished_note"] for row in rows] == [None] * len(rows)
    monkeypatch.setenv("COLUMNS", "500")  # the note on one line
    unpublished = store_of_one_delivery(tmp_path, "twitter:user:id:00783214")
    assert main(["pending", "--store", str(unpublished)]) == 0
    out = capsys.readouterr().out.splitlines()
    said = out[out.index("twitter:user:id:00783214  https://flattr.com/c/1") + 1]
    assert main(["pending", "--json", "--store", str(unpublished)]) == 0
    (row,) = json.loads(capsys.readouterr().out)["owners"]
    assert row["unpublished_note"] == said.strip()
    assert said.strip().startswith("a build no longer publishes this owner")


@pytest.mark.parametrize("as_json", [False, True])
def test_a_store_the_build_would_publish_or_delete_is_said_but_read(
    tmp_path, capsys, monkeypatch, as_json
):
    # pending read it without a word, where serve and verify refuse it: the
    # next build deletes it with the output, or publishes it. Reading it
    # harms nothing and shows what it holds, to be moved: said, status 0.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "public").mkdir()
    store = store_of_one_delivery(tmp_path / "public", "partner:ns:1")
    (tmp_path / "pelicanconf.py").write_text(
        "OUTPUT_PATH = 'public'\nFLATTR_STORE = 'public/store.sqlite3'\n"
    )
    command = ["pending", "--settings", "pelicanconf.py"]
    assert main(command + (["--json"] if as_json else [])) == 0
    out, err = capsys.readouterr()
    assert err == (
        "pelican-flattr: pelicanconf.py: FLATTR_STORE public/store.sqlite3 lies in "
        "OUTPUT_PATH, which is deployed as the site: it would be published with "
        "the site, and it holds the operator's private records: who flattred "
        "what, each owner's claim URL, and which Flattr user verified which "
        "identity. Keep the store outside the output and the content folder; "
        "read all the same: move it before the next build (with its -wal and -shm "
        'files, as docs/webhooks.md, "The store", says)\n'
    )
    if as_json:
        assert [row["owner"] for row in json.loads(out)["owners"]] == ["partner:ns:1"]
    else:
        assert "partner:ns:1  https://flattr.com/c/1" in out
    assert store.exists()


def test_json_has_the_verify_command_the_text_gives(
    store, tmp_path, capsys, monkeypatch
):
    # The text gave an email owner no entry names the command that claims
    # its flattrs, and --json had nothing of it: a script had the row but
    # not how it is claimed. Null wherever the text gives none.
    monkeypatch.setenv("COLUMNS", "500")  # the advice on one line
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_AUTHORS = {"Carol": "carolchen"}\nTIMEZONE = "UTC"\n')
    command = ["pending", "--store", str(store), "--settings", str(conf)]
    assert main(command) == 0
    said = capsys.readouterr().out
    assert main([*command, "--json"]) == 0
    rows = {row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]}
    expected = (
        f"pelican-flattr verify --identity {CAROL} --username "
        f"THEIR_FLATTR_USERNAME --store {store}"
    )
    assert rows.pop(CAROL)["verify_command"] == expected
    assert f"({expected});" in said
    assert [row["verify_command"] for row in rows.values()] == [None] * len(rows)
    # Without --settings, whether an entry names it is unknown: no command.
    assert main(["pending", "--store", str(store), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["owners"]
    assert [row["verify_command"] for row in rows] == [None] * len(rows)


def test_json_has_the_verify_command_of_an_owner_a_build_no_longer_publishes(
    tmp_path, capsys
):
    folder = tmp_path / "carol@example.org"
    folder.mkdir()
    store = store_of_one_delivery(folder, "twitter:user:id:00783214")
    assert main(["pending", "--store", str(store), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["owners"]
    # A store named by an address: the command says STORE, as the note does;
    # the note says why, and the field stays a command to run.
    assert row["verify_command"] == (
        "pelican-flattr verify --identity twitter:user:id:00783214 --username "
        "THEIR_FLATTR_USERNAME --store STORE"
    )
    assert row["verify_command"] in row["unpublished_note"]


def test_the_documented_private_file_of_authors_gives_pending_the_addresses(
    store, tmp_path, capsys
):
    # docs/privacy.md: a pelicanconf.py in a public repository loads the
    # mapping with addresses from a file beside it that is not committed;
    # pending, run with it, still completes an email owner's claim URL.
    code = documented_block(
        "docs/privacy.md",
        "# pelicanconf.py: FLATTR_AUTHORS from a private file beside it",
    )
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "pelicanconf.py").write_text(code + 'TIMEZONE = "UTC"\n')
    (folder / "flattr-authors.json").write_text(
        json.dumps({"Carol Chen": "email:carol@example.org"})
    )
    settings = str(folder / "pelicanconf.py")
    command = ["pending", "--store", str(store), "--settings", settings, "--json"]
    assert main(command) == 0
    owners = {
        row["owner"]: row for row in json.loads(capsys.readouterr().out)["owners"]
    }
    assert owners[CAROL]["authors"] == ["Carol Chen"]
    assert owners[CAROL]["claim_url"] == (
        "https://flattr.com/claim/c1/owner/carol%40example.org"
    )
