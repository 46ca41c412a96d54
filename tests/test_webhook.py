"""The web hook receiver: a real server process on 127.0.0.1 (waitress), the app
under wsgiref on 127.0.0.1, and the WSGI app called directly."""

import io
import json
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server
from wsgiref.util import setup_testing_defaults

import httpx
import pytest
from webhook_server import (
    MIGRATED,
    PENDING,
    TOKEN,
    ReceiverProcess,
    make_store_of_schema_version_1,
    unstamped,
)

from pelican_flattr.store import MAX_CLICKS
from pelican_flattr.webhook_receiver import (
    IGNORED_BODY_KEPT,
    MAX_BODY,
    TOKEN_PATTERN,
    WebhookApp,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    root = tmp_path_factory.mktemp("receiver")
    server = ReceiverProcess(root / "store.sqlite3", root / "server.log").start()
    yield server
    assert server.stop() == 0
    assert "pelican-flattr webhook: stopped" in server.text()


def rows(receiver, table="pending_flattrs"):
    with sqlite3.connect(receiver.store) as connection:
        return connection.execute(f"SELECT * FROM {table}").fetchall()


def post(receiver, data, url=None, headers=FORM, **options):
    body = data if isinstance(data, bytes) else urlencode(data).encode()
    return httpx.post(url or receiver.url, content=body, headers=headers, **options)


def test_valid_event_is_stored_once(receiver):
    event = dict(PENDING, thing_id="valid-1")
    first = post(receiver, event)
    assert first.status_code == 200 and first.json() == {"status": "stored"}
    again = post(receiver, event)
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    stored = [r for r in rows(receiver) if r[0] == "valid-1"]
    assert len(stored) == 1
    assert stored[0][:5] == (
        "valid-1",
        3,
        "twitter:user:id:783214",
        "reader",
        "https://flattr.com/claim/thing/1001",
    )


@pytest.mark.parametrize("spelling", [str(MAX_CLICKS), f"000{MAX_CLICKS}"])
def test_the_largest_total_is_stored(receiver, spelling):
    # A billion flattrs, ten digits: the one past it is refused (HOSTILE).
    thing_id = f"largest-{spelling}"
    event = dict(PENDING, thing_id=thing_id, thing_clicks_total=spelling)
    assert post(receiver, event).json() == {"status": "stored"}
    assert [r[1] for r in rows(receiver) if r[0] == thing_id] == [MAX_CLICKS]


def test_a_total_is_read_as_the_number_it_writes(receiver):
    # Leading zeros and spaces around it (as around every field) write the
    # same number: one event, not one per spelling, and never refused.
    for spelling in ("0000000000007", " 7", "7"):
        answer = post(
            receiver, dict(PENDING, thing_id="padded", thing_clicks_total=spelling)
        )
        assert answer.status_code == 200, answer.text
    assert [r[1] for r in rows(receiver) if r[0] == "padded"] == [7]


HASH = "9dd4e461268c8034f5c8564e155c67a6"  # md5("x")


@pytest.mark.parametrize(
    "owner", [f" EMAIL:{HASH} ", f"email:{HASH.upper()}", f"email: {HASH}"]
)
def test_fields_are_stored_trimmed_and_an_owner_as_flattr_writes_it(receiver, owner):
    # Spaces around a field, or an email owner's hash in other letters,
    # write the same delivery: stored as sent, `pending` would list one
    # owner twice and match neither to an author's email:MD5HEX.
    thing_id = f"trimmed-{owner.strip()}"
    event = {name: f" {value} " for name, value in PENDING.items()}
    event.update(thing_id=f" {thing_id} ", thing_owner_id=owner)
    assert post(receiver, event).json() == {"status": "stored"}
    stored = [r[:5] for r in rows(receiver) if r[0] == thing_id]
    assert stored == [
        (thing_id, 3, f"email:{HASH}", "reader", PENDING["claim_url"]),
    ]


# Owners a build refuses to publish, but Flattr sends as a button wrote
# them: refused, the delivery would be lost.
AS_SENT = [
    # Published by a build that did not check its id yet.
    "twitter:user:id:00783214",
    "twitter:user:id:0",
    "twitter:user:id:" + "9" * 20,
    # One web hook URL serves all of a partner's tools, whose ids need not
    # fit the rule the plugin publishes its own by.
    "partner:hackspace:a:b",
    "partner:hackspace:Jörg",
    "partner:hackspace:member/42?tab=1;x",
    "partner:hackspace:<b>'\"&",
]


@pytest.mark.parametrize("owner", AS_SENT)
def test_an_owner_is_stored_and_listed_as_flattr_sends_it(receiver, capsys, owner):
    from pelican_flattr.cli import main

    thing_id = f"as-sent-{owner}"
    answer = post(receiver, dict(PENDING, thing_id=thing_id, thing_owner_id=owner))
    assert answer.status_code == 200, answer.text
    assert [r[2] for r in rows(receiver) if r[0] == thing_id] == [owner]
    assert main(["pending", "--store", str(receiver.store), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["owners"]
    assert owner in [row["owner"] for row in listed]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("PARTNER:hackspace:Jörg", "partner:hackspace:Jörg"),
        ("TWITTER:USER:ID:783214", "twitter:user:id:783214"),
    ],
)
def test_an_owners_keywords_are_stored_in_small_letters(receiver, sent, stored):
    # As the build publishes them: the store's rows are matched to
    # FLATTR_AUTHORS as written, and `pending` would list one owner twice.
    # The partner's ID is its own, kept as sent.
    thing_id = f"keyword-case-{sent}"
    answer = post(receiver, dict(PENDING, thing_id=thing_id, thing_owner_id=sent))
    assert answer.status_code == 200, answer.text
    assert [r[2] for r in rows(receiver) if r[0] == thing_id] == [stored]


@pytest.mark.parametrize(
    "name", ["pendingclickcreate ", " pendingclickcreate", "PendingClickCreate"]
)
def test_the_event_name_is_trimmed_and_read_in_any_letter_case(receiver, name):
    # As every field is: answered 202 "ignored", the sender would never
    # send again what was never stored.
    thing_id = f"padded-event-{name!r}"
    answer = post(receiver, dict(PENDING, _event=name, thing_id=thing_id))
    assert answer.status_code == 200 and answer.json() == {"status": "stored"}
    assert [r[0] for r in rows(receiver) if r[0] == thing_id] == [thing_id]


@pytest.mark.parametrize(
    ("thing_id", "repeat"),
    [
        # A parameter the receiver never reads: Flattr's, or a proxy's.
        ("repeat-unread", b"&extra=1&extra=2"),
        # One it reads, with the same value, as read (spaces around it):
        # the delivery says one thing.
        ("repeat-same", b"&thing_id=repeat-same"),
        ("repeat-spaced", b"&thing_id=%20repeat-spaced&_event=pendingclickcreate"),
        # Or as the field is read: an event's name in any case, a total's
        # leading zeros, an owner's keywords in capitals.
        ("repeat-event-case", b"&_event=PendingClickCreate"),
        ("repeat-total-zeros", b"&thing_clicks_total=003"),
        ("repeat-owner-case", b"&thing_owner_id=TWITTER:USER:ID:783214"),
    ],
)
def test_a_repeat_that_changes_nothing_read_is_read_past(receiver, thing_id, repeat):
    # Answered 400, the delivery was lost: Flattr never documented a retry.
    body = urlencode(dict(PENDING, thing_id=thing_id)).encode()
    answer = post(receiver, body + repeat)
    assert answer.status_code == 200 and answer.json() == {"status": "stored"}
    assert [r[0] for r in rows(receiver) if r[0] == thing_id] == [thing_id]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("_event", "another"),
        ("thing_owner_id", "another"),
        ("claim_url", "another"),
        ("flattrer_username", "another"),
        # Another number, and another owner: Flattr matches one as written.
        ("thing_clicks_total", "4"),
        ("thing_owner_id", "twitter:user:id:0783214"),
    ],
)
def test_a_parameter_read_and_repeated_with_another_value_is_refused(
    receiver, name, value
):
    # Which one did Flattr mean? Stored, either could be wrong.
    before = rows(receiver)
    body = urlencode(dict(PENDING, thing_id=f"disputed-{name}-{value}")).encode()
    answer = post(receiver, body + f"&{name}={value}".encode())
    assert answer.status_code == 400
    assert answer.json() == {
        "error": f"parameter '{name}' is repeated with different values",
        "field": name,
    }
    assert rows(receiver) == before


def test_an_ignored_events_repeats_are_kept_as_sent(receiver):
    # It reads _event alone (in any case): thing_id is no pending flattr's here.
    body = (
        b"_event=thingclaimed&thing_id=1&thing_id=2&extra=a&extra=b&_event=ThingClaimed"
    )
    answer = post(receiver, body)
    assert answer.status_code == 202 and answer.json()["status"] == "ignored"
    assert rows(receiver, "ignored_events")[-1][1:3] == ("thingclaimed", body)


def test_unknown_event_is_kept_as_ignored(receiver):
    before = len(rows(receiver))
    answer = post(receiver, {"_event": "thingclaimed", "thing_id": "9"})
    assert answer.status_code == 202 and answer.json()["status"] == "ignored"
    assert len(rows(receiver)) == before
    ignored = rows(receiver, "ignored_events")[-1]
    assert ignored[1] == "thingclaimed" and b"thing_id=9" in ignored[2]


def test_an_ignored_event_keeps_no_token(receiver):
    # Named after the token, or with it in a field, an ignored event was
    # answered and stored with it: the secret in every look at the store.
    sent = f"_event={TOKEN}&hook=https://example.org/hooks/{TOKEN.upper()}&x=1"
    answer = post(receiver, sent.encode())
    assert answer.status_code == 202
    assert answer.json() == {"status": "ignored", "event": "***"}
    event, body = rows(receiver, "ignored_events")[-1][1:3]
    assert (event, body) == (
        "***",
        b"_event=***&hook=https://example.org/hooks/***&x=1",
    )
    # Cut in two by a separator, as the log line already read it.
    half = len(TOKEN) // 2
    first, rest = TOKEN[:half], TOKEN[half:]
    sent = f"_event={first}+{rest}&t={first}%0A{rest}&x=1"
    answer = post(receiver, sent.encode())
    assert answer.json() == {"status": "ignored", "event": "***"}
    event, body = rows(receiver, "ignored_events")[-1][1:3]
    assert (event, body) == ("***", b"_event=***&t=***&x=1")
    # Percent-encoded, each letter or a few: read as the form reads it.
    escaped = "".join(
        f"%{ord(c):02X}" if i % 8 == 0 else c for i, c in enumerate(TOKEN)
    )
    answer = post(receiver, f"_event=thingclaimed&t={escaped}&x=1".encode())
    assert answer.json() == {"status": "ignored", "event": "thingclaimed"}
    assert rows(receiver, "ignored_events")[-1][2] == b"_event=thingclaimed&t=***&x=1"
    # Cut over fields too short to hold a piece each: the body is not kept.
    cut = "&".join(f".={TOKEN[at : at + 12]}" for at in range(0, len(TOKEN), 12))
    answer = post(receiver, f"_event=thingclaimed&{cut}".encode())
    assert answer.json() == {"status": "ignored", "event": "thingclaimed"}
    assert rows(receiver, "ignored_events")[-1][1:3] == ("thingclaimed", b"")


@pytest.mark.parametrize("sent", ["{token}", "t%3D{token}", "{token}%0A"])
def test_a_refusal_answers_without_the_token(receiver, sent):
    # Sent as a parameter's name, the token came back in the 400 answer's
    # error and field, though the log line hid it.
    body = "_event=thingclaimed&" + sent.format(token=TOKEN)
    answer = post(receiver, body.encode() + b"=%")
    assert answer.status_code == 400
    shown = answer.text
    assert "***" in shown, shown
    assert not any(TOKEN[at : at + 16] in shown for at in range(len(TOKEN) - 15))
    # Without "=", a name with an empty value: the event ignored, and kept
    # without the token.
    answer = post(receiver, body.encode())
    assert answer.json() == {"status": "ignored", "event": "thingclaimed"}
    kept = rows(receiver, "ignored_events")[-1][2]
    assert kept.startswith(b"_event=thingclaimed&"), kept
    assert not any(
        TOKEN[at : at + 16].encode() in kept for at in range(len(TOKEN) - 15)
    )


def documented_command(comment: str) -> str:
    """The shell command that follows ``comment`` in docs/webhooks.md's
    "Looking into the store", up to the line that ends its SQL."""
    doc = (Path(__file__).parents[1] / "docs" / "webhooks.md").read_text()
    after = doc[doc.index(f"# {comment}") :].split("\nsqlite3 ", 1)[1]
    return "sqlite3 " + after[: after.index(';"') + 2]


def test_the_documented_look_at_ignored_events_prints_no_control_byte(receiver):
    # Kept as it came, the evidence: a sender's raw ESC, CR, BEL, NUL and
    # DEL are ASCII, which the form parser takes. The sqlite3 shell printed
    # them to the terminal as they were, ESC [ 31m and all.
    sent = b"_event=thingclaimed&note=\x1b[31mRAW\r\x07\x00after\x7f&thing_id=9"
    assert post(receiver, sent).status_code == 202
    assert rows(receiver, "ignored_events")[-1][2] == sent
    command = documented_command("the newest events the receiver ignored")
    command = command.replace("STORE", shlex.quote(str(receiver.store)))
    if shutil.which("sqlite3"):
        shown = subprocess.run(
            ["sh", "-c", command], capture_output=True, check=True, timeout=30
        ).stdout.decode()
    else:  # the same SQL, as the shell's list mode prints it
        sql = shlex.split(command)[-1]
        with sqlite3.connect(receiver.store) as connection:
            found = connection.execute(sql).fetchall()
        shown = "\n".join("|".join(map(str, row)) for row in found)
    assert re.search(r"[\x00-\x09\x0b-\x1f\x7f]", shown) is None, shown
    assert "note=\\u001b[31mRAW\\r\\u0007\\u0000after\\u007f&thing_id=9" in shown


def test_the_documented_way_to_handle_each_flattr_once(receiver, tmp_path):
    # docs/webhooks.md gives it to partners who read the store themselves:
    # each run takes the flattrs beyond the highest total handled, however
    # the totals arrive, and a lower total arriving late is none.
    if not shutil.which("sqlite3"):
        pytest.skip("the documented command runs the sqlite3 shell")
    command = documented_command("the flattrs not handled yet")
    command = command.replace("MINE", shlex.quote(str(tmp_path / "mine.sqlite3")))
    command = command.replace("/srv/flattr/store.sqlite3", str(receiver.store))

    def deliver(thing, *totals):
        for total in totals:
            event = dict(PENDING, thing_id=thing, thing_clicks_total=str(total))
            assert post(receiver, event).status_code == 200

    def new_flattrs():
        shown = subprocess.run(
            ["sh", "-c", command], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert not shown or shown[0] == "thing_id|thing_owner_id|claim_url|new_flattrs"
        rows = (line.split("|") for line in shown[1:])
        return {row[0]: int(row[3]) for row in rows if row[0].startswith("once-")}

    deliver("once-a", 3, 5)
    deliver("once-b", 1)
    assert new_flattrs() == {"once-a": 5, "once-b": 1}
    assert new_flattrs() == {}
    deliver("once-a", 4)  # an older flattr's delivery, late
    deliver("once-b", 1)  # a repeat
    assert new_flattrs() == {}
    deliver("once-a", 7)
    assert new_flattrs() == {"once-a": 2}


def test_the_documented_restore_keeps_what_came_after_the_backup(receiver, tmp_path):
    # A receiver started on an empty store (a copy cut short) stores
    # deliveries in it; restoring the backup, as advised, lost them, and the
    # verifications recorded since.
    if not shutil.which("sqlite3"):
        pytest.skip("the documented command runs the sqlite3 shell")
    from pelican_flattr.api import DEFAULT_BASE_URL
    from pelican_flattr.verify import Request, record

    doc = (Path(__file__).parents[1] / "docs" / "webhooks.md").read_text()
    after = doc[doc.index("# the deliveries and verifications since the backup") :]
    command = after.split("\n", 1)[1].split("\n```", 1)[0]
    assert command.startswith("sudo -u flattr sqlite3 STORE.bak ")
    backup = tmp_path / "store.bak"
    command = command.removeprefix("sudo -u flattr ").replace(
        "STORE.bak", shlex.quote(str(backup))
    )
    command = command.replace("file:STORE?", f"file:{receiver.store}?")
    identity = "twitter:user:id:4242"
    before = dict(PENDING, thing_id="restore-before", thing_owner_id=identity)
    assert post(receiver, before).status_code == 200
    with sqlite3.connect(receiver.store) as store:
        record(store, Request(identity, "carol", "test"), 1e9, DEFAULT_BASE_URL)
    with sqlite3.connect(receiver.store) as store, sqlite3.connect(backup) as copy:
        store.backup(copy)
    since = [
        dict(PENDING, thing_id="restore-since", thing_clicks_total=n) for n in (1, 2)
    ]
    for event in since:
        assert post(receiver, event).status_code == 200
    with sqlite3.connect(receiver.store) as store:
        record(store, Request(identity, "carol", "test"), 2e9, DEFAULT_BASE_URL)
        # Older in the store replaced than in the backup: the backup's stays.
        record(store, Request("partner:ns:1", None, "test"), 1e9, DEFAULT_BASE_URL)
    with sqlite3.connect(backup) as copy:
        record(copy, Request("partner:ns:1", None, "test"), 1.5e9, DEFAULT_BASE_URL)
    for _ in range(2):  # run again, it changes nothing
        subprocess.run(["sh", "-c", command], check=True, timeout=30)
        with sqlite3.connect(backup) as copy:
            kept = copy.execute("SELECT * FROM pending_flattrs").fetchall()
            verified = copy.execute(
                "SELECT identity, verified_at FROM verified_identities ORDER BY 1"
            ).fetchall()
        assert sorted(kept) == sorted(rows(receiver))
        assert {row[:2] for row in kept} >= {
            ("restore-before", 3),
            ("restore-since", 1),
            ("restore-since", 2),
        }
        assert verified == [
            ("partner:ns:1", "2017-07-14T02:40:00+00:00"),
            (identity, "2033-05-18T03:33:20+00:00"),
        ]


def run_documented(receiver, comment: str, **words: str) -> str:
    """Run the command of docs/webhooks.md that follows ``comment`` on the
    receiver's store, as written but for ``STORE`` and the ``words`` a
    reader replaces (``NAME="x"``); what it prints."""
    if not shutil.which("sqlite3"):
        pytest.skip("the documented command runs the sqlite3 shell")
    command = documented_command(comment)
    for word, value in dict(words, STORE=shlex.quote(str(receiver.store))).items():
        assert word in command, f"{word} is not in the command after # {comment}"
        command = command.replace(word, value)
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, check=True, timeout=30
    ).stdout


def stored_bytes(receiver) -> bytes:
    """Every byte of the store on disk: the file and its -wal."""
    files = [receiver.store, receiver.store.with_name(receiver.store.name + "-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_the_documented_prune_of_ignored_events_by_age_keeps_the_newer(receiver):
    # docs/privacy.md sends there: an ignored body keeps names and postal
    # addresses a sender put in it, for years on a quiet site.
    for note in ("old-ignored", "new-ignored"):
        assert (
            post(receiver, {"_event": "thingclaimed", "note": note}).status_code == 202
        )
    with sqlite3.connect(receiver.store) as store:
        store.execute(
            "UPDATE ignored_events SET received_at = '2024-12-31T23:59:59Z'"
            " WHERE CAST(raw_body AS TEXT) LIKE '%old-ignored%'"
        )
    shown = run_documented(receiver, "ignored events older than a date")
    assert int(shown) >= 1
    bodies = b" ".join(row[2] for row in rows(receiver, "ignored_events"))
    assert b"old-ignored" not in bodies and b"new-ignored" in bodies


def test_the_documented_erasure_of_a_flattrer_keeps_the_counts(receiver):
    # Kept for good and shown by no command, a flattrer's name is read only
    # to tell a duplicate that differs: emptied, pending counts the same.
    from pelican_flattr.notice import read_pending_totals

    owner = "partner:erase:flattrer"
    for total in (1, 2):
        event = dict(
            PENDING,
            thing_id="erase-flattrer",
            thing_owner_id=owner,
            thing_clicks_total=str(total),
            flattrer_username="gone_reader",
        )
        assert post(receiver, event).status_code == 200
    # In another letter case in an ignored event: found all the same.
    ignored = {"_event": "thingclaimed", "flattrer_username": "Gone_Reader"}
    assert post(receiver, ignored).status_code == 202
    before = read_pending_totals(receiver.store)[owner]
    run_documented(receiver, "one flattrer's name erased", NAME="gone_reader")
    assert read_pending_totals(receiver.store)[owner] == before
    erased = [row for row in rows(receiver) if row[0] == "erase-flattrer"]
    assert [row[3] for row in erased] == ["", ""]
    run_documented(receiver, "the deleted rows' bytes out of the file")
    assert b"gone_reader" not in stored_bytes(receiver).lower()
    # A repeat is still told from a new flattr, and stored once.
    repeat = dict(event, flattrer_username="gone_reader")
    assert post(receiver, repeat).json()["status"] == "duplicate"
    assert read_pending_totals(receiver.store)[owner] == before


def test_the_documented_erasure_of_an_owner_leaves_nothing_of_it(receiver):
    from pelican_flattr.api import DEFAULT_BASE_URL
    from pelican_flattr.notice import read_pending_totals
    from pelican_flattr.verify import Request, record

    owner = "twitter:user:id:90210"
    event = dict(PENDING, thing_id="erase-owner", thing_owner_id=owner)
    assert post(receiver, event).status_code == 200
    other = dict(PENDING, thing_id="erase-other", thing_owner_id="partner:ns:keep")
    assert post(receiver, other).status_code == 200
    # An ignored event names the owner with its ":" percent-encoded.
    body = b"_event=thingclaimed&thing_owner_id=TWITTER%3Auser%3Aid%3A90210"
    assert post(receiver, body).status_code == 202
    with sqlite3.connect(receiver.store) as store:
        record(store, Request(owner, "their_flattr", "test"), 1e9, DEFAULT_BASE_URL)
        record(store, Request(owner, "", "test"), 1e9, "https://rehearsal.example")
    run_documented(receiver, "everything the store holds of one owner", OWNER=owner)
    run_documented(receiver, "the deleted rows' bytes out of the file")
    assert owner not in read_pending_totals(receiver.store)
    assert "partner:ns:keep" in read_pending_totals(receiver.store)
    on_disk = stored_bytes(receiver)
    for trace in (b"90210", b"their_flattr", b"erase-owner"):
        assert trace not in on_disk, trace


@pytest.mark.parametrize("at_sign", ["&#x40;", "&#64;", "&#064", "&commat;"])
def test_an_ignored_event_keeps_no_address_written_as_a_reference(receiver, at_sign):
    # As its log line and answer show it: any page showing the value shows
    # an "@". The name is redacted as the log shows it, in a parameter's
    # name too; the rest is kept as sent, an "&" in a value that holds no
    # address too.
    address = f"carol{at_sign}example.org"
    answer = post(
        receiver,
        {
            "_event": f"seen {address}",
            "note": f"for {address}",
            f"to {address}": "1",
            "menu": "fish & chips",
            "thing_id": "9",
        },
    )
    assert answer.status_code == 202 and answer.json()["event"] == "seen [address]"
    event, body = rows(receiver, "ignored_events")[-1][1:3]
    assert event == "seen [address]"
    assert b"carol" not in body and b"example" not in body, body
    assert body == (
        b"_event=seen%20[address]&note=for%20[address]&to%20[address]=1"
        b"&menu=fish+%26+chips&thing_id=9"
    )


SQL = "1'); DROP TABLE pending_flattrs; --"

# (name, body or params, headers, method, url suffix, status, field)
HOSTILE = [
    ("wrong token", PENDING, FORM, "POST", "/hooks/" + "x" * 49, 404, None),
    ("no token", PENDING, FORM, "POST", "/hooks/", 404, None),
    ("other path", PENDING, FORM, "POST", "/", 404, None),
    ("GET", None, {}, "GET", None, 405, None),
    ("PUT", PENDING, FORM, "PUT", None, 405, None),
    ("oversized", b"_event=x&p=" + b"a" * 70_000, FORM, "POST", None, 413, None),
    (
        "json body",
        b'{"_event": "x"}',
        {"Content-Type": "application/json"},
        "POST",
        None,
        415,
        None,
    ),
    ("no content type", b"_event=x", {"Content-Type": ""}, "POST", None, 415, None),
    (
        # Another media type, however it starts.
        "form type and more",
        b"_event=x",
        {"Content-Type": "application/x-www-form-urlencoded-v2"},
        "POST",
        None,
        415,
        None,
    ),
    (
        "broken percent",
        b"_event=pendingclickcreate&thing_id=%zz",
        FORM,
        "POST",
        None,
        400,
        "thing_id",
    ),
    (
        "non-UTF-8 escapes",
        b"_event=pendingclickcreate&thing_id=%ff%fe",
        FORM,
        "POST",
        None,
        400,
        "thing_id",
    ),
    (
        "raw non-ASCII",
        "_event=pendingclickcreate&thing_id=é".encode("latin-1"),
        FORM,
        "POST",
        None,
        400,
        "thing_id",
    ),
    (
        # Valid UTF-8, yet sent raw: Flattr percent-encodes every such byte.
        "raw UTF-8",
        urlencode(dict(PENDING, thing_id="RAW")).encode().replace(b"RAW", "é".encode()),
        FORM,
        "POST",
        None,
        400,
        "thing_id",
    ),
    (
        # Read as empty, as "claim_url=" is.
        "a parameter without '='",
        urlencode({k: v for k, v in PENDING.items() if k != "claim_url"}).encode()
        + b"&claim_url",
        FORM,
        "POST",
        None,
        400,
        "claim_url",
    ),
    (
        "too many flattrs",
        dict(PENDING, thing_clicks_total="1000000001"),
        FORM,
        "POST",
        None,
        400,
        "thing_clicks_total",
    ),
    (
        "repeated parameter",
        urlencode(PENDING).encode() + b"&thing_id=2",
        FORM,
        "POST",
        None,
        400,
        "thing_id",
    ),
    (
        "missing _event",
        {k: v for k, v in PENDING.items() if k != "_event"},
        FORM,
        "POST",
        None,
        400,
        "_event",
    ),
    ("empty body", b"", FORM, "POST", None, 400, "_event"),
    (
        "missing thing_id",
        {k: v for k, v in PENDING.items() if k != "thing_id"},
        FORM,
        "POST",
        None,
        400,
        "thing_id",
    ),
    (
        "bad owner",
        dict(PENDING, thing_owner_id="twitter:user:id:" + SQL),
        FORM,
        "POST",
        None,
        400,
        "thing_owner_id",
    ),
    (
        "plain email owner",
        dict(PENDING, thing_owner_id="email:a@example.org"),
        FORM,
        "POST",
        None,
        400,
        "thing_owner_id",
    ),
    (
        # Nothing for `pending` to list, nor for anyone to claim.
        "partner owner without an ID",
        dict(PENDING, thing_owner_id="partner:hackspace:"),
        FORM,
        "POST",
        None,
        400,
        "thing_owner_id",
    ),
    (
        "username owner",
        dict(PENDING, thing_owner_id="alice"),
        FORM,
        "POST",
        None,
        400,
        "thing_owner_id",
    ),
    (
        "negative clicks",
        dict(PENDING, thing_clicks_total="-1"),
        FORM,
        "POST",
        None,
        400,
        "thing_clicks_total",
    ),
    (
        # A pendingclickcreate tells of a flattr: a total of 0 is none.
        "no flattr",
        dict(PENDING, thing_clicks_total="0"),
        FORM,
        "POST",
        None,
        400,
        "thing_clicks_total",
    ),
    (
        "no flattr, zero-padded",
        dict(PENDING, thing_clicks_total="00"),
        FORM,
        "POST",
        None,
        400,
        "thing_clicks_total",
    ),
    (
        # Past what int() reads (4,300 digits): a 500, were it read.
        "a total of 5,000 digits",
        dict(PENDING, thing_clicks_total="9" * 5000),
        FORM,
        "POST",
        None,
        400,
        "thing_clicks_total",
    ),
    (
        "SQL in clicks",
        dict(PENDING, thing_clicks_total=SQL),
        FORM,
        "POST",
        None,
        400,
        "thing_clicks_total",
    ),
    (
        "relative claim URL",
        dict(PENDING, claim_url="/claim/1"),
        FORM,
        "POST",
        None,
        400,
        "claim_url",
    ),
    (
        "javascript claim URL",
        dict(PENDING, claim_url="javascript:alert(1)"),
        FORM,
        "POST",
        None,
        400,
        "claim_url",
    ),
]


@pytest.mark.parametrize(
    ("body", "headers", "method", "suffix", "status", "field"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_hostile_requests_get_their_answer_and_store_nothing(
    receiver, body, headers, method, suffix, status, field
):
    before = (rows(receiver), rows(receiver, "ignored_events"))
    url = receiver.base + suffix if suffix else receiver.url
    content = None
    if body is not None:
        content = body if isinstance(body, bytes) else urlencode(body).encode()
    answer = httpx.request(method, url, content=content, headers=headers)
    assert answer.status_code == status, answer.text
    if field:
        assert answer.json()["field"] == field
    if status == 405:
        assert answer.headers["allow"] == "POST"
    assert (rows(receiver), rows(receiver, "ignored_events")) == before
    # ...and the server keeps serving.
    fine = post(receiver, dict(PENDING, thing_id="after-" + str(status)))
    assert fine.status_code == 200


def test_sql_metacharacters_are_data(receiver):
    answer = post(receiver, dict(PENDING, thing_id=SQL, flattrer_username=SQL))
    assert answer.status_code == 200
    assert next(r for r in rows(receiver) if r[0] == SQL)[3] == SQL


# (field, how its longest value starts, its limit, the answer past it)
LONGEST = [
    ("thing_id", "", 200, "thing_id is longer than 200 characters"),
    (
        "thing_owner_id",
        "partner:hackspace:",
        len("partner:hackspace:") + 200,
        "thing_owner_id's partner ID is longer than 200 characters",
    ),
    (
        "flattrer_username",
        "",
        200,
        "flattrer_username is longer than 200 characters",
    ),
    (
        "claim_url",
        "https://flattr.com/claim/thing/",
        2048,
        "claim_url is longer than 2,048 characters",
    ),
]


@pytest.mark.parametrize(
    ("field", "start", "limit", "error"), LONGEST, ids=[case[0] for case in LONGEST]
)
def test_a_field_is_stored_up_to_its_limit_and_refused_past_it(
    receiver, field, start, limit, error
):
    longest = start + "x" * (limit - len(start))
    event = {**PENDING, "thing_id": f"longest-{field}", field: longest}
    assert post(receiver, event).json() == {"status": "stored"}
    before = rows(receiver)
    over = post(receiver, {**event, field: longest + "x"})
    assert over.status_code == 400
    assert over.json() == {"error": error, "field": field}
    assert rows(receiver) == before


def test_very_long_event_name_is_bounded(receiver):
    answer = post(receiver, {"_event": "e" * 20_000})
    assert answer.status_code == 202
    _, event, raw_body, _ = rows(receiver, "ignored_events")[-1]
    assert len(event) == 100
    # The body (~20 KB) is kept for a look later, but only its start.
    assert len(raw_body) == IGNORED_BODY_KEPT


def test_one_log_line_per_request_without_the_token(receiver):
    # Ten deliveries of one event: Pelican's log filter, which every logger
    # created after importing Pelican carries, dropped a line it had written
    # before, and these differ only in their time, often the same.
    line = "POST /hooks/*** 200 pendingclickcreate"
    before = receiver.text().count(line)  # the receiver serves the module
    for _ in range(10):
        answer = post(receiver, dict(PENDING, thing_id="logged"))
        assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 5
    while receiver.text().count(line) < before + 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # a line too many, if one were written, has come by now
    log = receiver.text()
    assert TOKEN not in log
    assert log.count(line) == before + 10, log[-1500:]


def test_sigterm_stops_cleanly(tmp_path):
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    assert post(server, PENDING).status_code == 200
    assert server.stop(signal.SIGTERM) == 0
    assert "stopped" in server.text() and "Traceback" not in server.text()


def test_serve_says_once_that_it_migrated_the_store(tmp_path):
    # From then on an earlier pelican-flattr refuses the store (a receiver of
    # one still running answers 503, one started again exits 2): the moment
    # going back takes more than installing it again was never said.
    old = tmp_path / "old.sqlite3"
    make_store_of_schema_version_1(old)
    said = []
    for run, store in enumerate((old, old, tmp_path / "new.sqlite3")):
        server = ReceiverProcess(store, tmp_path / f"log-{run}").start()
        try:
            assert post(server, PENDING).status_code == 200
        finally:
            assert server.stop() == 0
        lines = unstamped(server.text()).splitlines()
        said.append([line for line in lines if "schema" in line])
    line = f"pelican-flattr webhook: {MIGRATED.format(store=old)}"
    assert said == [[line], [], []]


def test_a_port_already_taken_leaves_no_store_behind(tmp_path, capsys, monkeypatch):
    # The store was made before the server listened: an empty one was left
    # in the folder, which pending then read as "0 owners", not "no such
    # store". A store that was there before stays as it was.
    from pelican_flattr.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    kept = tmp_path / "kept.sqlite3"
    kept.touch()  # made by the operator first, for its group and mode
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for store in ([], ["--store", str(kept)]):
            serve = ["webhook", "serve", "--token", TOKEN, "--port", port, *store]
            assert main(serve) == 2
            err = capsys.readouterr().err
            assert err.startswith(f"pelican-flattr: cannot listen on 127.0.0.1:{port}")
    assert sorted(tmp_path.iterdir()) == [kept]
    assert kept.stat().st_size == 0
    assert main(["pending"]) == 2
    assert "store flattr-store.sqlite3: no such store" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "said"),
    [
        (
            "127.0.0.1:8000",
            "--host 127.0.0.1:8000 holds a port: give the port in --port "
            "(--host 127.0.0.1 --port 8000)",
        ),
        (
            "[::1]:8000",
            "--host [::1]:8000 holds a port: give the port in --port "
            "(--host ::1 --port 8000)",
        ),
        (
            "http://127.0.0.1",
            "--host http://127.0.0.1 is a URL: --host takes a host name or "
            "address, and the port goes in --port (--host 127.0.0.1)",
        ),
        (
            "https://hooks.example.org:8443/hooks/",
            "--host https://hooks.example.org:8443/hooks/ is a URL: --host takes "
            "a host name or address, and the port goes in --port (--host "
            "hooks.example.org --port 8443)",
        ),
        (
            "",
            "--host is empty: give a host name or address (127.0.0.1, the "
            "default; ::1; * for every address)",
        ),
        (
            "no-such-host.invalid",
            "cannot listen on no-such-host.invalid:8765: --host did not resolve "
            "to an address here: give a host name this machine resolves, or an "
            "address (127.0.0.1, ::1, * for every address)",
        ),
    ],
    ids=["host:port", "[ipv6]:port", "a URL", "a URL with a port", "empty", "unknown"],
)
def test_a_host_that_is_no_host_says_what_host_takes(
    tmp_path, capsys, monkeypatch, host, said
):
    # waitress said "Invalid host/port specified." of each, after
    # "cannot listen on 127.0.0.1:8000:8765".
    from pelican_flattr.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["webhook", "serve", "--token", TOKEN, "--host", host]) == 2
    assert capsys.readouterr().err == f"pelican-flattr: {said}\n"
    assert list(tmp_path.iterdir()) == []


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
def test_serve_on_ipv6_prints_a_url_that_works(tmp_path):
    """The "listening on" line is a URL an operator can paste: an IPv6
    address in brackets."""
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log", host="::1").start()
    try:
        assert f"listening on http://[::1]:{server.port}/hooks/***" in server.text()
        assert post(server, PENDING).status_code == 200
    finally:
        assert server.stop(signal.SIGTERM) == 0


def _several_addresses_for_every_host() -> bool:
    """True where "*" resolves to an IPv4 and an IPv6 address to bind."""
    if not _ipv6_loopback():
        return False
    found = socket.getaddrinfo(
        None, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    )
    return len({info[0] for info in found}) >= 2


@pytest.mark.skipif(
    not _several_addresses_for_every_host(), reason="no IPv4 and IPv6 here"
)
def test_any_free_port_is_one_port_on_every_address(tmp_path):
    """--host '*' --port 0 listened on 0.0.0.0:33455 and [::]:35821: a
    proxy can point at one port only, and whichever it picked missed the
    deliveries sent to the other address."""
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log", host="*")
    server.host = "0.0.0.0"  # the first address the "listening on" line names
    server.start()
    try:
        listening = re.findall(r"http://(\S+):(\d+)/hooks/\*\*\*", server.text())
        assert sorted(listening) == [
            ("0.0.0.0", str(server.port)),
            ("[::]", str(server.port)),
        ]
        for loopback in ("127.0.0.1", "[::1]"):
            url = f"http://{loopback}:{server.port}/hooks/{TOKEN}"
            event = dict(PENDING, thing_id=f"through-{loopback}")
            assert post(server, event, url=url).status_code == 200
    finally:
        assert server.stop() == 0


def test_serve_refuses_a_short_token(tmp_path, capsys, monkeypatch):
    from pelican_flattr.cli import main

    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    assert main(["webhook", "serve", "--token", "short"]) == 2
    assert "at least 32 characters" in capsys.readouterr().err
    # Long enough but not URL-safe: it could not be registered as written.
    assert main(["webhook", "serve", "--token", "a" * 40 + "/?#x"]) == 2
    assert "letters, digits" in capsys.readouterr().err
    tokens = []
    for _ in range(2):
        assert main(["webhook", "token"]) == 0
        tokens.append(capsys.readouterr().out.strip())
    # Each token is one serve accepts, and none is ever given twice.
    assert all(len(token) >= 40 and TOKEN_PATTERN.fullmatch(token) for token in tokens)
    assert tokens[0] != tokens[1]


def serve_with_token(tmp_path, monkeypatch, source: str, token: str) -> str:
    """``webhook serve`` given ``token`` by ``source`` (an option, the
    environment, a settings file) on a port already taken: what it said. A
    token it takes gets as far as listening, and no server is left running."""
    from pelican_flattr.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    given = {"--token": ["--token", token]}.get(source, [])
    if source == "$FLATTR_WEBHOOK_TOKEN":
        monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", token)
    if source == "--settings":
        conf = tmp_path / "pelicanconf.py"
        conf.write_text(f'FLATTR_WEBHOOK_TOKEN = {token!r}\nTIMEZONE = "UTC"\n')
        given = ["--settings", str(conf)]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["webhook", "serve", "--port", port, *given]) == 2
    return port


TOKEN_SOURCES = ["--token", "$FLATTR_WEBHOOK_TOKEN", "--settings"]


@pytest.mark.parametrize("source", TOKEN_SOURCES)
@pytest.mark.parametrize(
    "token",
    [f"{TOKEN} ", f"  {TOKEN}\t", f"{TOKEN}\n"],
    ids=["a space after", "spaces and a tab", "a line break"],
)
def test_spaces_around_a_token_are_dropped(
    tmp_path, monkeypatch, capsys, source, token
):
    # An env file leaves them, and verify drops them around its own token:
    # serve said the token was not "at least 32 characters of letters...".
    port = serve_with_token(tmp_path, monkeypatch, source, token)
    err = capsys.readouterr().err
    assert err.startswith(f"pelican-flattr: cannot listen on 127.0.0.1:{port}"), err


@pytest.mark.parametrize("source", TOKEN_SOURCES)
@pytest.mark.parametrize(
    ("token", "said"),
    [
        (f'"{TOKEN}"', "has quotes around it (it is not shown): remove them"),
        (f" '{TOKEN}' ", "has quotes around it (it is not shown): remove them"),
        (f"{TOKEN}'", "has a quote at its end (it is not shown): remove it"),
    ],
    ids=["double quotes", "single quotes and spaces", "one quote"],
)
def test_quotes_around_a_token_are_named(
    tmp_path, monkeypatch, capsys, source, token, said
):
    # Quotes an env file kept, or a shell's given twice: the token is right
    # but for them, and the message said it was not.
    serve_with_token(tmp_path, monkeypatch, source, token)
    err = capsys.readouterr().err
    where = f"FLATTR_WEBHOOK_TOKEN in {tmp_path / 'pelicanconf.py'}"
    assert err == (
        f"pelican-flattr: the web hook token from "
        f"{where if source == '--settings' else source} {said}\n"
    )
    assert TOKEN not in err


@pytest.mark.parametrize("token", ["a" * 40 + "/?#x", "a" * 40 + "\n", "a" * 31])
def test_the_app_refuses_a_token_serve_would_refuse(tmp_path, token):
    # Under another WSGI server, without the command's own check: a token
    # with "/", "?" or "#" would make a route no request reaches.
    with pytest.raises(ValueError, match="at least 32 characters of letters"):
        WebhookApp(tmp_path / "store.sqlite3", token)
    assert list(tmp_path.iterdir()) == []  # refused before the store is made


def test_a_new_token_can_be_given_to_the_token_option(capsys):
    # One random token in 64 started with "-", which argparse takes for an
    # option: "serve --token -Xy..." then said "expected one argument".
    from pelican_flattr.cli import main

    for _ in range(2000):
        assert main(["webhook", "token"]) == 0
        token = capsys.readouterr().out.strip()
        assert not token.startswith("-"), token


def test_a_negative_content_length_is_refused_under_any_wsgi_server(tmp_path):
    # Waitress refuses it itself; another server may hand it over.
    token = "t" * 40
    app = WebhookApp(tmp_path / "store.sqlite3", token)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/hooks/{token}",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "-1",
        "wsgi.input": io.BytesIO(urlencode(PENDING).encode() * 3000),
    }
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["400 Bad Request"]
    assert b"Content-Length is not a whole number of bytes" in body
    with sqlite3.connect(tmp_path / "store.sqlite3") as connection:
        count = connection.execute("SELECT COUNT(*) FROM pending_flattrs")
        assert count.fetchone() == (0,)
        assert connection.execute("SELECT * FROM ignored_events").fetchall() == []


def call_app(app, body: bytes, **environ):
    """Call ``app`` with a POST of ``body`` to its route; (status, JSON)."""
    request = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"/hooks/{TOKEN}",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.input": io.BytesIO(body),
        **environ,
    }
    setup_testing_defaults(request)
    statuses = []
    answer = b"".join(app(request, lambda status, headers: statuses.append(status)))
    return statuses[0], json.loads(answer)


@pytest.mark.parametrize("length", ["1_5", "+15", "\u0661\u0665", " 15 ", "15\n"])
def test_a_content_length_of_other_than_ascii_digits_is_refused(tmp_path, length):
    # Python's int() reads each as 15, the body's length: under a WSGI
    # server that passes the header on as sent, the body was read and kept.
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    body = b"_event=unknown1"
    assert len(body) == 15
    assert call_app(app, body, CONTENT_LENGTH=length) == (
        "400 Bad Request",
        {"error": "Content-Length is not a whole number of bytes"},
    )
    with sqlite3.connect(tmp_path / "store.sqlite3") as connection:
        assert connection.execute("SELECT * FROM ignored_events").fetchall() == []


def test_a_terminated_input_without_a_length_is_read_up_to_the_limit(tmp_path):
    # Waitress hands a chunked body over with a Content-Length of its own, so
    # the app's limit on a body without one is only seen under other servers.
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    terminated = {"wsgi.input_terminated": True}
    over = b"_event=x&p=" + b"a" * MAX_BODY
    assert call_app(app, over, **terminated) == (
        "413 Payload Too Large",
        {"error": f"the body is over {MAX_BODY} bytes"},
    )
    exact = over[:MAX_BODY]
    assert call_app(app, exact, **terminated)[0] == "202 Accepted"
    event = urlencode(dict(PENDING, thing_id="terminated")).encode()
    assert call_app(app, event, **terminated) == ("200 OK", {"status": "stored"})
    with sqlite3.connect(tmp_path / "store.sqlite3") as connection:
        stored = connection.execute("SELECT thing_id FROM pending_flattrs")
        assert stored.fetchall() == [("terminated",)]


class PieceByPieceInput:
    """A terminated input that hands over the body in the pieces it came in,
    whatever size is asked for, and counts what it gave."""

    def __init__(self, piece: int, total: int) -> None:
        self.piece, self.left, self.given = piece, total, 0

    def read(self, size: int = -1) -> bytes:
        chunk = b"a" * min(self.piece, self.left)
        self.left -= len(chunk)
        self.given += len(chunk)
        return chunk


# 4096 divides MAX_BODY: a piece ends exactly at the limit, and the body
# goes on past it.
@pytest.mark.parametrize("piece", [10_000, 4096])
def test_a_terminated_input_is_not_read_past_the_piece_that_ends_over_the_limit(
    tmp_path, piece
):
    # A server's input may hand over more than the size asked for (a chunk
    # whole): once over the limit, asking it for the rest would read it all,
    # however long, into memory before the 413.
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    stream = PieceByPieceInput(piece, total=128 * MAX_BODY)
    terminated = {"wsgi.input_terminated": True, "wsgi.input": stream}
    answer = call_app(app, b"", **terminated)
    assert answer == (
        "413 Payload Too Large",
        {"error": f"the body is over {MAX_BODY} bytes"},
    )
    assert MAX_BODY < stream.given <= MAX_BODY + piece


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def wsgiref_server(tmp_path):
    """The app under wsgiref, whose input is the socket: it ends nothing."""
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def exchange(server, request: bytes, half_close: bool = False) -> tuple[bytes, dict]:
    """Send ``request``; the answer's status line and JSON, within 5 s."""
    with socket.create_connection(("127.0.0.1", server.server_port)) as conn:
        conn.settimeout(5)
        conn.sendall(request)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(4096):  # wsgiref closes after each answer
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], json.loads(body)


def test_a_post_without_a_body_is_answered_at_once_under_wsgiref(wsgiref_server):
    status, answer = exchange(
        wsgiref_server,
        f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode(),
    )
    assert status == b"HTTP/1.0 400 Bad Request"
    assert answer == {"error": "_event is missing", "field": "_event"}


def test_a_chunked_body_gets_411_where_the_input_is_not_terminated(wsgiref_server):
    status, answer = exchange(
        wsgiref_server,
        f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n8\r\n_event=x\r\n0\r\n\r\n".encode(),
    )
    assert status == b"HTTP/1.0 411 Length Required"
    assert "Content-Length" in answer["error"]


def test_a_body_cut_short_of_its_content_length_is_refused(wsgiref_server):
    # The sender meant 35 flattrs; what arrived would parse as 3.
    last = "thing_clicks_total"
    event = {name: value for name, value in PENDING.items() if name != last}
    body = urlencode(dict(event, **{last: "35"})).encode()
    assert body.endswith(b"&thing_clicks_total=35")
    cut = body[: body.index(b"35") + 1]
    status, answer = exchange(
        wsgiref_server,
        f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + cut,
        half_close=True,
    )
    assert status == b"HTTP/1.0 400 Bad Request"
    assert answer == {"error": "the body is shorter than its Content-Length"}
    store = wsgiref_server.get_app().store_path
    with sqlite3.connect(store) as connection:
        count = connection.execute("SELECT COUNT(*) FROM pending_flattrs")
        assert count.fetchone() == (0,)


def test_a_content_length_past_the_limit_is_refused_unread(wsgiref_server):
    # Waitress refuses such a body itself; other servers leave it to the app.
    head = (
        f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
    )
    exact = b"_event=x&p=" + b"a" * (MAX_BODY - 11)
    assert len(exact) == MAX_BODY
    status, answer = exchange(
        wsgiref_server, f"{head}Content-Length: {MAX_BODY}\r\n\r\n".encode() + exact
    )
    assert (status, answer["status"]) == (b"HTTP/1.0 202 Accepted", "ignored")
    # One byte more is refused on the header alone: no body need come.
    status, answer = exchange(
        wsgiref_server,
        f"{head}Content-Length: {MAX_BODY + 1}\r\n\r\n".encode(),
        half_close=True,
    )
    assert status == b"HTTP/1.0 413 Payload Too Large"
    assert answer == {"error": f"the body is over {MAX_BODY} bytes"}


@pytest.mark.parametrize(
    ("charset", "status"),
    [
        ("iso-8859-1", "200 OK"),
        ("cp1252", "200 OK"),
        ("Shift_JIS", "200 OK"),
        ("", "200 OK"),  # says nothing: UTF-8
        # Its bytes mean other text than UTF-8's: refused whatever the body.
        ("utf-16", "415 Unsupported Media Type"),
        ("utf-8\x00", "415 Unsupported Media Type"),  # not a 500
        ("no-such-charset", "415 Unsupported Media Type"),
        ("undefined", "415 Unsupported Media Type"),  # a codec that refuses all
        ("punycode", "415 Unsupported Media Type"),
        ("utf-8; charset=utf-16", "415 Unsupported Media Type"),  # which one?
        # Each alone reads this body, yet two that disagree are refused.
        ("iso-8859-1; charset=cp1252", "415 Unsupported Media Type"),
        ("utf-8; charset=utf8", "200 OK"),  # one charset, twice
    ],
)
def test_an_ascii_body_is_read_in_a_charset_where_it_means_the_same(
    tmp_path, charset, status
):
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    event = urlencode(dict(PENDING, thing_id="ascii-only")).encode()
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    answer = call_app(
        app, event, CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(event))
    )
    assert answer[0] == status


def test_ascii_bytes_that_mean_other_text_in_the_charset_are_refused(tmp_path):
    # In ISO-2022-JP, ESC $ B switches to JIS X 0208: "$\"" is then a kana.
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    event = urlencode(PENDING).encode() + b"&x=%1B%24B%24%22%1B%28B"
    content_type = "application/x-www-form-urlencoded; charset=iso-2022-jp"
    answer = call_app(
        app, event, CONTENT_TYPE=content_type, CONTENT_LENGTH=str(len(event))
    )
    assert answer[0] == "415 Unsupported Media Type"


@pytest.mark.parametrize(
    ("event", "shown"),
    [
        (None, "''"),
        ("thingcreate", "'thingcreate'"),
        ("pendingclick carol@example.org", "'pendingclick [address]'"),
    ],
)
def test_a_pending_click_is_parsed_only_for_its_own_event(event, shown):
    # A program reusing the parser without WebhookApp, which checks _event
    # first, took any form with the fields for a pending flattr.
    from pelican_flattr.webhook_receiver import Refusal, parse_pending_click

    form = {key: value for key, value in PENDING.items() if key != "_event"}
    if event is not None:
        form["_event"] = event
    with pytest.raises(Refusal) as refused:
        parse_pending_click(form)
    assert str(refused.value) == f"_event is {shown}, not pendingclickcreate"
    assert parse_pending_click(dict(PENDING, _event=" PendingClickCreate "))
