"""Hardening of the web hook receiver: found by review, each a regression test."""

import ast
import contextlib
import gzip
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import httpx
import pytest
from conftest import child_env, read_only, sqlite_file
from webhook_server import (
    FOREIGN,
    MIGRATED,
    NOT_STORES,
    PENDING,
    TOKEN,
    ReceiverProcess,
    cli_as_another_user,
    make_database,
    make_store_of_schema_version_1,
    tables_of,
    unstamped,
)

from pelican_flattr.cli import main
from pelican_flattr.store import (
    SCHEMA_VERSION,
    StoreError,
    check_writable,
    open_store,
    write_transaction,
)
from pelican_flattr.terminal import print_table
from pelican_flattr.webhook_command import MAX_RAW_BODY
from pelican_flattr.webhook_receiver import MAX_BODY, WebhookApp

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening")
    server = ReceiverProcess(root / "store.sqlite3", root / "server.log").start()
    yield server
    assert server.stop() == 0


def rows(receiver):
    with sqlite_file(receiver.store) as connection:
        return connection.execute("SELECT * FROM pending_flattrs").fetchall()


def raw_request(receiver, head: bytes, body: bytes = b"") -> bytes:
    """Send ``head`` (and ``body``); the status line of the answer."""
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=10) as conn:
        conn.sendall(head + body)
        return conn.recv(4096).split(b"\r\n")[0]


def test_a_request_cannot_forge_a_log_line(receiver):
    status = raw_request(
        receiver,
        b"GET /%0AFORGED%20POST%20/hooks/***%20200 HTTP/1.1\r\n"
        b"Host: x\r\nConnection: close\r\n\r\n",
    )
    assert status == b"HTTP/1.1 404 Not Found"
    for separator in ("\n", "\u2028", "\u2029"):  # all three end a line here
        post = httpx.post(
            receiver.url,
            content=urlencode({"_event": f"x{separator}FORGED"}),
            headers=FORM,
        )
        assert post.status_code == 202
    lines = receiver.text().splitlines()
    assert not any(line.lower().startswith("forged") for line in lines)
    assert any("GET /\\x0aFORGED" in line for line in lines)
    # The event as events are told apart: in lower case.
    assert any("x\\u2028forged" in line for line in lines)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thing_id", "t\x00id"),
        ("thing_id", "t\x1b[2Jid"),
        ("claim_url", "https://flattr.com/claim/\x00x"),
        ("claim_url", "https://flattr.com/claim/\x1b[31mred"),
        ("flattrer_username", "reader\x07"),
        ("flattrer_username", "rea\x85der"),
        # Format characters: a bidi override shows the claim URL that
        # `pending` prints reversed ("https://evil.example/<RLO>moc.rttalf").
        ("claim_url", "https://evil.example/\u202emoc.rttalf.www//:sptth"),
        ("claim_url", "https://flattr.com/claim/\u2066x"),
        ("thing_id", "1\u200f"),
        ("flattrer_username", "rea\u200bder"),
        # The line and paragraph separators end a line as a newline does.
        ("thing_id", "1\u20282"),
        ("flattrer_username", "rea\u2029der"),
        # What shows as a blank: "https://flattr.com\u3164.evil.example/c"
        # reads as a flattr.com URL where `pending` prints it.
        ("claim_url", "https://flattr.com\u3164.evil.example/c"),
        ("claim_url", "https://flattr.com\u115f.evil.example/c"),
        ("claim_url", "https://flattr.com/claim/\u2800"),
        ("flattrer_username", "rea\uffa0der"),
        ("thing_id", "1\u1160"),
        # A partner's ID is stored as sent, but none of these.
        ("thing_owner_id", "partner:ns:a\x1bb"),
        ("thing_owner_id", "partner:ns:a\u202eb"),
        ("thing_owner_id", "partner:ns:a\u2028b"),
        ("thing_owner_id", "partner:ns:a\u3164b"),
        # Around a field too: str.strip() took these off where only spaces
        # are read past, and "ctl-1\x1f" was stored as "ctl-1".
        ("thing_id", "ctl-1\x1f"),
        ("thing_id", "\x1cctl-2"),
        ("thing_id", "ctl-3\x0b"),
        ("thing_id", " ctl-4\u2029 "),
        ("thing_clicks_total", "3\x1d"),
        ("thing_owner_id", "\x1etwitter:user:id:783214"),
        ("claim_url", "https://flattr.com/claim/c\x1e"),
        ("flattrer_username", "reader\x0b"),
        ("flattrer_username", "\x85reader"),
    ],
)
def test_control_characters_are_refused(receiver, field, value):
    before = rows(receiver)
    answer = httpx.post(
        receiver.url, content=urlencode(dict(PENDING, **{field: value})), headers=FORM
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert answer.json()["error"].startswith(f"{field} contains "), answer.text
    assert rows(receiver) == before


def test_an_event_name_with_a_control_around_it_names_another_event(receiver):
    # Only ASCII whitespace around a name is read past: str.strip() took
    # "\x1f" off, and the delivery was stored, where one ending in "\x1b"
    # was ignored.
    before = rows(receiver)
    for control in ("\x1f", "\x1b", "\x0b"):
        sent = dict(PENDING, _event=f" pendingclickcreate{control} ")
        answer = httpx.post(receiver.url, content=urlencode(sent), headers=FORM)
        assert answer.status_code == 202, answer.text
        shown = f"\\x{ord(control):02x}"
        assert answer.json() == {
            "status": "ignored",
            "event": f"pendingclickcreate{shown}",
        }
    assert rows(receiver) == before


def test_tabs_and_line_breaks_around_fields_are_read_past(receiver):
    # A sender's template may leave them; refused (or an _event ignored
    # with 202), the delivery was lost, as Flattr never sends it again.
    padded = {name: f"\t{value}\r\n" for name, value in PENDING.items()}
    answer = httpx.post(receiver.url, content=urlencode(padded), headers=FORM)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "stored"}
    fields = ("thing_id", "thing_clicks_total", "thing_owner_id")
    stored = (*(PENDING[name] for name in fields), "reader", PENDING["claim_url"])
    assert stored in [(row[0], str(row[1]), *row[2:5]) for row in rows(receiver)]


@pytest.mark.parametrize(
    ("claim_url", "says"),
    [
        # A browser decodes the escape: it opens flattr.com.evil.example.
        ("https://flattr.com%2eevil.example/c", "holds percent-escapes in its host"),
        ("https://flattr.com%2Eevil.example/c", "holds percent-escapes in its host"),
        # U+3164 once decoded.
        ("https://flattr.com%E3%85%A4.evil.example/c", "holds percent-escapes"),
        ("https://flattr.co\u0338m/c", "holds U+0338 (COMBINING LONG SOLIDUS"),
        ("https://flattr.com\u20dd.evil.example/c", "U+20DD (COMBINING ENCLOSING"),
        ("https://flattr.com\u0332.evil.example/c", "a combining mark, in its host"),
        # Read as other characters: flattr.com.evil.example, flattr.com.
        ("https://flattr.com\u3002evil.example/c", "that browsers read as others"),
        ("https://\uff46lattr.com/c", "that browsers read as others"),
        # Drawn as a blank by many terminals, where `pending` prints it.
        ("https://flattr.com\ue000.evil.example/c", "U+E000, a private-use or"),
        ("https://flattr.com\U000e0080.evil.example/c", "a private-use or unassigned"),
    ],
)
def test_a_claim_url_whose_host_reads_as_another_is_refused(
    receiver, capsys, claim_url, says
):
    before = rows(receiver)
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_id="spoof", claim_url=claim_url)),
        headers=FORM,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == "claim_url"
    assert answer.json()["error"].startswith("claim_url holds "), answer.text
    assert says in answer.json()["error"]
    assert rows(receiver) == before


@pytest.mark.parametrize(
    "claim_url",
    [
        "https://FLATTR.com/claim/1",  # browsers lower-case it: the same host
        "https://b\u00fccher.example/claim/1",  # precomposed: no mark
        "https://[2001:db8::1]:8443/claim/1",
        "https://flattr.com/claim/%E3%85%A4",  # escapes in the path show
    ],
)
def test_a_claim_url_whose_host_reads_as_written_is_stored(receiver, claim_url):
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_id=claim_url, claim_url=claim_url)),
        headers=FORM,
    )
    assert answer.status_code == 200, answer.text
    assert (claim_url, claim_url) in {(row[0], row[4]) for row in rows(receiver)}


DELIVERED_FORMS = "twitter:user:id:NUMBER, email:MD5HEX or partner:NAMESPACE:ID"


@pytest.mark.parametrize(
    ("owner", "said"),
    [
        (
            "facebook:user:id:1",
            "thing_owner_id 'facebook:user:id:1' has an unsupported scheme "
            "'facebook'; expected " + DELIVERED_FORMS,
        ),
        (
            "alice",
            "thing_owner_id 'alice' is no owner identifier (a delivery never names "
            "a Flattr user); expected " + DELIVERED_FORMS,
        ),
        (
            # Repeated cut short: the answer stays readable.
            "a" * 100,
            f"thing_owner_id '{'a' * 57}...' is no owner identifier (a delivery "
            "never names a Flattr user); expected " + DELIVERED_FORMS,
        ),
        (
            "email:not-a-hash",
            "thing_owner_id holds an email owner that is not email:MD5HEX (32 "
            "hexadecimal digits); expected " + DELIVERED_FORMS,
        ),
        (
            # In any letter case: what follows may be part of an address,
            # and is not repeated.
            "EMAIL:carol.chen",
            "thing_owner_id holds an email owner that is not email:MD5HEX (32 "
            "hexadecimal digits); expected " + DELIVERED_FORMS,
        ),
    ],
)
def test_an_owner_refused_is_answered_with_the_forms_a_delivery_holds(
    receiver, owner, said
):
    # Never a Flattr username or email:ADDRESS, which FLATTR_AUTHORS takes
    # but the receiver refuses.
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_owner_id=owner)),
        headers=FORM,
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": said, "field": "thing_owner_id"}


@pytest.mark.parametrize(
    ("partner_id", "named"),
    [
        # `pending` separates an owner from its claim URL by spaces.
        ("a b", "U+0020 (SPACE)"),
        ("a\u00a0b", "U+00A0 (NO-BREAK SPACE)"),
        ("a\u3000b", "U+3000 (IDEOGRAPHIC SPACE)"),
        # Shown as nothing, or as a blank: two owners would read as one.
        ("a\u034fb", "U+034F (COMBINING GRAPHEME JOINER)"),
        ("a\ufe0fb", "U+FE0F (VARIATION SELECTOR-16)"),
        ("a\ue000b", "U+E000"),
        ("a\U000e0080b", "U+E0080"),
    ],
)
def test_a_partner_id_that_pending_could_not_show_as_sent_is_refused(
    receiver, partner_id, named
):
    before = rows(receiver)
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_owner_id=f"partner:ns:{partner_id}")),
        headers=FORM,
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": f"thing_owner_id holds {named} in its partner ID: a space, or a "
        "character that does not show, which `pending` could not list as sent",
        "field": "thing_owner_id",
    }
    assert rows(receiver) == before


def test_an_oversized_body_is_refused_before_it_is_sent(receiver):
    # Without a cap, waitress would take up to 1 GiB before the app answered,
    # even on a wrong token.
    status = raw_request(
        receiver,
        b"POST /hooks/wrong HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 20000000\r\n\r\n",
    )
    assert status == b"HTTP/1.1 413 Request Entity Too Large"


def test_waitress_run_as_the_docs_show_refuses_an_oversized_body(tmp_path):
    # A program that runs WebhookApp under waitress itself, with the options
    # docs/webhooks.md gives: waitress's defaults took a 20 MB body whole.
    from waitress import create_server, wasyncore

    from pelican_flattr.webhook_command import WAITRESS_OPTIONS

    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    server = create_server(app, host="127.0.0.1", port=0, **WAITRESS_OPTIONS)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    try:
        with socket.create_connection(("127.0.0.1", server.effective_port)) as conn:
            conn.settimeout(10)
            conn.sendall(
                b"POST /hooks/wrong HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 20000000\r\n\r\n"
            )
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
        assert b"\r\nserver:" not in answer.lower()  # ident=None
        answer = httpx.post(
            f"http://127.0.0.1:{server.effective_port}/hooks/{TOKEN}",
            content=urlencode(PENDING),
            headers=FORM,
        )
        assert answer.json() == {"status": "stored"}
    finally:
        # Closed by the thread that runs its loop: closed from this one, a
        # socket went while that thread waited on it in select(), whose
        # EBADF pytest reported as an unhandled exception in the thread.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        serving.join(10)
        server.task_dispatcher.shutdown()
        app.close()
    assert not serving.is_alive()


def documented_program() -> str:
    """The waitress program of docs/webhooks.md, as a reader copies it."""
    doc = (Path(__file__).parents[1] / "docs" / "webhooks.md").read_text()
    return doc.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_documented_waitress_program_imports_only_what_it_uses():
    # A reader copies it whole, and an import left from an earlier version
    # (logging, once log_to_stderr set the logs up) sends them looking for
    # a use. ruff checks no program in Markdown.
    tree = ast.parse(documented_program())
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert imported - used == set()


def test_the_documented_waitress_program_logs_a_line_per_request(tmp_path):
    # Run as docs/webhooks.md writes it, it logged nothing of a delivery
    # stored, repeated or refused: the receiver's lines are INFO, which
    # Python's logging drops until told otherwise.
    program = documented_program()
    store = str(tmp_path / "store.sqlite3")
    program = program.replace('"/srv/flattr/flattr-store.sqlite3"', repr(store))
    program = program.replace("port=8081", "port=0")
    log = tmp_path / "log"
    with open(log, "wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", program],
            stdout=out,
            stderr=out,
            cwd=tmp_path,
            env=child_env(FLATTR_WEBHOOK_TOKEN=TOKEN),
        )
    try:
        deadline = time.monotonic() + 20
        while not (found := re.search(r"Serving on (http://\S+)", log.read_text())):
            assert child.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        url = f"{found[1]}/hooks/{TOKEN}"
        for event in (PENDING, PENDING, dict(PENDING, claim_url="")):
            httpx.post(url, content=urlencode(event), headers=FORM, timeout=20)
    finally:
        child.terminate()
        child.wait(timeout=20)
    shown = log.read_text()
    # Stopped by SIGTERM, as systemctl stops it: killed at once, it closed
    # neither waitress nor the store.
    assert child.returncode == 0, shown
    assert not list(tmp_path.glob("store.sqlite3-*")), shown
    for line in (
        "POST /hooks/*** 200 pendingclickcreate stored ",
        "POST /hooks/*** 200 pendingclickcreate duplicate ",
        "POST /hooks/*** 400 pendingclickcreate ",
    ):
        assert line in shown, shown
    assert TOKEN not in shown
    # As serve's: in UTC, as the store writes it, with the flattr named. Its
    # local time, without an offset, matched no received_at.
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    stored = re.escape(f"200 pendingclickcreate stored {NAMED} ")
    assert re.search(rf"^{stamp} INFO POST /hooks/\*\*\* {stored}", shown, re.M), shown


def test_a_body_of_exactly_64_kib_is_accepted(receiver):
    head = urlencode(dict(PENDING, thing_id="boundary")).encode() + b"&padding="
    body = head + b"a" * (64 * 1024 - len(head))
    assert len(body) == 64 * 1024
    answer = httpx.post(receiver.url, content=body, headers=FORM)
    assert answer.status_code == 200 and answer.json() == {"status": "stored"}
    over = httpx.post(receiver.url, content=body + b"a", headers=FORM)
    assert over.status_code == 413
    assert over.json() == {"error": f"the body is over {MAX_BODY} bytes"}


def in_chunks(body: bytes, size: int) -> bytes:
    """``body`` framed in chunks of ``size`` bytes, and the last chunk."""
    return b"".join(
        b"%x\r\n%s\r\n" % (len(body[at : at + size]), body[at : at + size])
        for at in range(0, len(body), size)
    )


def chunked_request(receiver, framed: bytes) -> tuple[bytes, bytes]:
    """POST the chunks ``framed`` to the route, and the last chunk; the
    answer's status line and body."""
    head = (
        f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    answer = b""
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=30) as conn:
        with contextlib.suppress(OSError):  # refused before it was all sent
            conn.sendall(head.encode() + framed + b"0\r\n\r\n")
        with contextlib.suppress(OSError):
            while data := conn.recv(65536):
                answer += data
    status, _, document = answer.partition(b"\r\n\r\n")
    return status.split(b"\r\n")[0], document


@pytest.mark.parametrize(
    ("length", "size"), [(20_000, 1), (65_536, 1), (65_536, 8192), (65_536, 65_536)]
)
def test_a_chunked_body_up_to_64_kib_is_accepted_in_any_chunks(receiver, length, size):
    # waitress counted the chunk framing against a cap of 64 KiB + 1: a
    # body of 20,000 bytes in 1-byte chunks was refused 413, and one of
    # 64 KiB in any chunks, though either was taken with a Content-Length.
    head = urlencode(dict(PENDING, thing_id=f"chunked-{length}-{size}")).encode()
    body = head + b"&padding=" + b"a" * (length - len(head) - 9)
    assert len(body) == length
    assert chunked_request(receiver, in_chunks(body, size)) == (
        b"HTTP/1.1 200 OK",
        b'{"status": "stored"}',
    )


@pytest.mark.parametrize("size", [1, 1000, 65_537])
def test_a_chunked_body_over_64_kib_gets_the_receivers_413(receiver, size):
    body = b"_event=x&p=" + b"a" * (MAX_BODY - 10)
    assert len(body) == MAX_BODY + 1
    status, document = chunked_request(receiver, in_chunks(body, size))
    assert status == b"HTTP/1.1 413 Payload Too Large"
    assert json.loads(document) == {"error": f"the body is over {MAX_BODY} bytes"}


def test_chunk_framing_past_waitress_cap_is_refused_as_it_arrives(receiver):
    # A small body in chunk-size lines padded with zeros: more framing than
    # any chunking of a 64 KiB body takes is refused before it is all read.
    padded = b"0" * 1000 + b"1\r\nx\r\n"
    framed = padded * (MAX_RAW_BODY // len(padded) + 1)
    status, document = chunked_request(receiver, framed)
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert b"generated by server" in document


def test_table_cells_are_text_not_markup(capsys):
    print_table("t", ["claim URL"], [["https://x.y/[b]z[/b]"]])
    assert "https://x.y/[b]z[/b]" in capsys.readouterr().out


def test_serve_usage_errors_are_not_tracebacks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    store = str(tmp_path / "s.db")
    assert main(["webhook", "serve", "--store", store, "--settings", "none.py"]) == 2
    assert "none.py: no such settings file" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["webhook", "serve", "--store", store, "--port", port]) == 2
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err


def test_pending_refuses_an_authors_list(tmp_path, capsys):
    settings = tmp_path / "pelicanconf.py"
    settings.write_text('FLATTR_AUTHORS = ["Bob"]\n')
    store = tmp_path / "s.db"
    sqlite3.connect(store).close()
    from pelican_flattr.store import open_store

    open_store(store).close()
    args = ["pending", "--store", str(store), "--settings", str(settings)]
    assert main(args) == 2
    assert "FLATTR_AUTHORS must be a dict" in capsys.readouterr().err


def test_a_store_from_a_newer_release_gets_503_and_no_traceback(tmp_path):
    # Each server thread opens the store on its first delivery; a failure
    # there used to reach waitress, which answered 500 and logged a
    # traceback with the request's path: the secret token.
    server = ReceiverProcess(tmp_path / "store.sqlite3", tmp_path / "log").start()
    try:
        with sqlite_file(server.store) as connection:
            connection.execute("PRAGMA user_version = 99")
        answer = httpx.post(server.url, content=urlencode(PENDING), headers=FORM)
        assert answer.status_code == 503
        assert answer.json() == {"error": "the store is unavailable; retry later"}
        with sqlite_file(server.store) as connection:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        answer = httpx.post(server.url, content=urlencode(PENDING), headers=FORM)
        assert answer.status_code == 200 and answer.json() == {"status": "stored"}
    finally:
        assert server.stop() == 0
    log = server.text()
    assert f"store {server.store}: has schema version 99, newer than" in log
    assert TOKEN not in log and "Traceback" not in log


def test_a_store_migrated_while_the_receiver_runs_gets_503(tmp_path):
    # Each server thread keeps the connection it opened, whose schema was
    # checked then: a newer `verify` migrating the store meanwhile went on
    # being written as this version's. One thread: the second delivery
    # comes to the thread that answered the first.
    server = ReceiverProcess(
        tmp_path / "store.sqlite3", tmp_path / "log", threads=1
    ).start()
    try:
        first = dict(PENDING, thing_id="before")
        answer = httpx.post(server.url, content=urlencode(first), headers=FORM)
        assert answer.json() == {"status": "stored"}
        with sqlite_file(server.store) as connection:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        for event in (dict(PENDING, thing_id="after"), {"_event": "other"}):
            answer = httpx.post(server.url, content=urlencode(event), headers=FORM)
            assert answer.status_code == 503, answer.text
            assert answer.json() == {"error": "the store is unavailable; retry later"}
        with sqlite_file(server.store) as connection:
            assert connection.execute(
                "SELECT thing_id FROM pending_flattrs"
            ).fetchall() == [("before",)]
            assert connection.execute("SELECT * FROM ignored_events").fetchall() == []
    finally:
        assert server.stop() == 0
    newer = f"has schema version {SCHEMA_VERSION + 1}, newer than"
    assert f"store {server.store}: {newer}" in server.text()


def deliver(server, thing: str) -> httpx.Response:
    """A delivery of ``thing`` to ``server``."""
    event = urlencode(dict(PENDING, thing_id=thing))
    return httpx.post(server.url, content=event, headers=FORM, timeout=30)


def stored_things(store) -> list[str]:
    with sqlite_file(store) as connection:
        found = connection.execute("SELECT thing_id FROM pending_flattrs")
        return sorted(row[0] for row in found)


def test_the_receivers_lines_about_its_store_hide_an_address_in_its_path(tmp_path):
    # A store kept in a folder named after its owner's address: the lines
    # about the store named its path as given, the address with it.
    folder = tmp_path / "carol@example.org"
    folder.mkdir()
    server = ReceiverProcess(folder / "store.sqlite3", tmp_path / "log").start()
    try:
        assert deliver(server, "first").status_code == 200
        with sqlite_file(server.store) as connection:
            connection.execute("PRAGMA user_version = 99")
        assert deliver(server, "refused").status_code == 503
        with sqlite_file(server.store) as connection:
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for name in STORE_FILES:
            (folder / name).unlink(missing_ok=True)
        assert deliver(server, "anew").status_code == 200
    finally:
        assert server.stop() == 0
    log = server.text()
    shown = tmp_path / "[address]" / "store.sqlite3"
    assert f"store {shown}: has schema version 99, newer than" in log
    assert f"store {shown}: {MADE_ANEW}" in log
    assert "carol@" not in log and "example.org" not in log


STORE_FILES = ("store.sqlite3", "store.sqlite3-wal", "store.sqlite3-shm")


@pytest.mark.parametrize("how", ["removed", "moved"])
def test_a_store_gone_from_its_path_is_made_anew_there(tmp_path, how):
    # Each server thread kept its connection to the file it had opened:
    # with the store removed or moved, every delivery was answered "stored"
    # and went nowhere, or to the moved file.
    store = tmp_path / "store.sqlite3"
    away = tmp_path / "away"
    away.mkdir()
    server = ReceiverProcess(store, tmp_path / "log").start()
    before = [f"before-{n}" for n in range(16)]
    after = [f"after-{n}" for n in range(40)]
    try:
        # From 8 clients at once, so that every server thread opens one.
        with ThreadPoolExecutor(8) as clients:
            answers = list(clients.map(lambda thing: deliver(server, thing), before))
        assert {answer.status_code for answer in answers} == {200}
        for name in STORE_FILES:
            if how == "removed":
                (tmp_path / name).unlink()
            else:
                (tmp_path / name).rename(away / name)
        with ThreadPoolExecutor(8) as clients:
            answers = list(clients.map(lambda thing: deliver(server, thing), after))
        assert {answer.status_code for answer in answers} == {200}
        assert stored_things(store) == sorted(after)
    finally:
        assert server.stop() == 0
    if how == "moved":  # with its -wal: what it held, and nothing more
        assert stored_things(away / "store.sqlite3") == sorted(before)
    log = server.text()
    assert (
        f"store {store}: moved or removed while the receiver ran; writing to the "
        "store at that path now (a new one where none is left)"
    ) in log
    assert "Traceback" not in log


MADE_ANEW = (
    "moved or removed while the receiver ran; writing to the store at that "
    "path now (a new one where none is left)"
)


def test_a_store_removed_is_logged_by_threads_that_never_opened_it(tmp_path):
    # Only a thread that had a connection noticed: with 8 threads, the
    # deliveries went to threads that had none, which made a new store at
    # the path without a word, though the old one and all it held were gone.
    store = tmp_path / "store.sqlite3"
    server = ReceiverProcess(store, tmp_path / "log").start()
    try:
        # Removed before any thread opened it: serve made it, then closed it.
        for name in STORE_FILES:
            (tmp_path / name).unlink(missing_ok=True)
        with ThreadPoolExecutor(8) as clients:
            things = [f"after-{n}" for n in range(16)]
            answers = list(clients.map(lambda thing: deliver(server, thing), things))
        assert {answer.status_code for answer in answers} == {200}
        assert stored_things(store) == sorted(things)
    finally:
        assert server.stop() == 0
    assert f"store {store}: {MADE_ANEW}" in server.text()


def test_a_new_store_made_by_two_connections_at_once_is_opened(tmp_path):
    # Switching a new store to WAL, SQLite answered the second connection
    # "database is locked" at once, without its busy timeout, while the
    # first wrote: receiver threads making a store anew (as above), or a
    # receiver and verify, answered a delivery 503 or failed.
    from pelican_flattr.store import open_store, schema_version

    store = tmp_path / "store.sqlite3"
    store.touch()  # made by the operator, for its mode; or by the other
    other = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    letting_go = threading.Timer(0.3, other.execute, ["ROLLBACK"])
    letting_go.start()
    try:
        connection = open_store(store)
    finally:
        letting_go.join()
        other.close()
    try:
        assert schema_version(connection, store) == SCHEMA_VERSION
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
    finally:
        connection.close()


def test_a_store_another_program_migrates_while_an_open_waits_is_opened(tmp_path):
    # An open that found the store at version 0 waits for the write lock to
    # migrate it; the program holding the lock (another receiver, verify)
    # may be migrating it: what it did must not be done again ("table
    # pending_flattrs already exists"). Committed only once the open sleeps
    # in SQLite's busy handler, after its first look (within 5 s).
    from pelican_flattr.store import MIGRATIONS, schema_version

    store = tmp_path / "store.sqlite3"
    other = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("BEGIN IMMEDIATE")
    for migration in MIGRATIONS:
        for statement in migration.split(";"):
            other.execute(statement)
    other.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def commit_once_the_open_waits() -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not a_thread_sleeps(os.getpid()):
            threading.Event().wait(0.01)  # not a sleep of its own
        other.execute("COMMIT")

    committing = threading.Thread(target=commit_once_the_open_waits)
    committing.start()
    try:
        connection = open_store(store)
    finally:
        committing.join()
        other.close()
    try:
        assert schema_version(connection, store) == SCHEMA_VERSION
        assert connection.execute("SELECT * FROM pending_flattrs").fetchall() == []
    finally:
        connection.close()


@pytest.mark.parametrize("linked", [False, True])
def test_a_store_moved_without_its_wal_is_not_written_beside_it(tmp_path, linked):
    # A new store at the path would take the -wal left there for its own,
    # and overwrite what the moved store had not merged yet. SQLite keeps
    # the -wal of a symlinked store beside the file the link names: looked
    # for beside the link, it was not seen, and the deliveries were lost.
    store = tmp_path / "store.sqlite3"
    real = tmp_path / "real" if linked else tmp_path
    if linked:
        real.mkdir()
        store.symlink_to(real / "store.sqlite3")
    server = ReceiverProcess(store, tmp_path / "log", threads=1).start()
    try:
        for n in range(3):
            assert deliver(server, f"before-{n}").json() == {"status": "stored"}
        (real / "store.sqlite3").rename(tmp_path / "moved.sqlite3")
        answer = deliver(server, "after")
        assert answer.status_code == 503, answer.text
        assert not store.exists()
    finally:
        assert server.stop() == 0
    # Moved with its -wal, as the log says, it holds every stored delivery.
    for name in STORE_FILES[1:]:
        (real / name).rename(tmp_path / name.replace("store", "moved"))
    assert stored_things(tmp_path / "moved.sqlite3") == [
        f"before-{n}" for n in range(3)
    ]
    assert (
        f"store {store}: was moved or removed while the receiver ran, but "
        "store.sqlite3-wal and store.sqlite3-shm stayed beside its path: stop the "
        "receiver, then move them with the store"
    ) in server.text()


def test_a_store_moved_without_its_journal_is_not_made_anew_beside_it(tmp_path):
    # Only a connection that knew the store checked its journal: a thread
    # with none yet, a second receiver or one restarted made a new store
    # at the path, whose SQLite took the moved store's -wal for its own and
    # reset it. What the moved store had not merged was lost, answered 200.
    store = tmp_path / "store.sqlite3"
    warm = ReceiverProcess(store, tmp_path / "warm.log", threads=1).start()
    fresh = ReceiverProcess(store, tmp_path / "fresh.log", threads=1).start()
    try:
        for n in range(3):
            assert deliver(warm, f"before-{n}").json() == {"status": "stored"}
        store.rename(tmp_path / "moved.sqlite3")
        for server in (fresh, warm):
            answer = deliver(server, "after")
            assert answer.status_code == 503, answer.text
        assert not store.exists()
    finally:
        assert fresh.stop() == 0
        assert warm.stop() == 0
    refused = LEFT_BESIDE.format(store=store)
    assert refused in fresh.text()
    with pytest.raises(RuntimeError, match="receiver exited"):
        ReceiverProcess(store, tmp_path / "restarted.log").start()
    assert refused in (tmp_path / "restarted.log").read_text()
    assert not store.exists()
    for name in STORE_FILES[1:]:
        (tmp_path / name).rename(tmp_path / name.replace("store", "moved"))
    assert stored_things(tmp_path / "moved.sqlite3") == [
        f"before-{n}" for n in range(3)
    ]


def test_a_store_put_in_place_while_one_is_made_is_kept(tmp_path, monkeypatch):
    # Made at the path itself, a new store was in place, half made, when an
    # operator put a backup back there: SQLite kept the new store's pages
    # in the journal beside the path, and the backup read as empty.
    import pelican_flattr.store as store_module

    store, backup = tmp_path / "store.sqlite3", tmp_path / "backup.sqlite3"
    with contextlib.closing(open_store(backup)) as kept:
        kept.execute(
            "INSERT INTO pending_flattrs VALUES ('from-backup', 1, "
            "'twitter:user:id:1', 'reader', 'https://flattr.com/claim/thing/9', "
            "'2020-01-01T00:00:00Z')"
        )
    migrating = store_module._migrate

    def put_back_meanwhile(connection, path):
        if backup.exists():
            backup.rename(store)
        return migrating(connection, path)

    monkeypatch.setattr(store_module, "_migrate", put_back_meanwhile)
    open_store(store).close()
    monkeypatch.undo()
    assert stored_things(store) == ["from-backup"]
    assert [path.name for path in tmp_path.iterdir()] == ["store.sqlite3"]


# What a new store beside a moved store's journal is refused with.
LEFT_BESIDE = (
    "store {store}: is missing, but store.sqlite3-wal and store.sqlite3-shm of a "
    "store moved or removed are still beside its path, where a program that "
    "still has that store open (a running web hook receiver, verify) may write: "
    "stop it, then move them with the store (or remove them if the store was "
    "removed on purpose)"
)


def test_a_store_removed_while_a_program_only_read_it_is_not_made_anew(tmp_path):
    # A connection that has only read has an empty -wal, as does one that
    # read and closed (a build's notices, pending, a dry run) leave them:
    # which is which cannot be told, and a new store sharing a live
    # program's journal with its moved store mixed the two.
    from pelican_flattr.store import open_store_read_only

    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    reading = open_store_read_only(store)
    reading.execute("SELECT * FROM pending_flattrs").fetchall()
    assert (tmp_path / "store.sqlite3-wal").stat().st_size == 0
    store.unlink()  # removed, or moved, while it is open
    with pytest.raises(StoreError) as refused:
        open_store(store)
    assert str(refused.value) == LEFT_BESIDE.format(store=store)
    reading.close()
    with pytest.raises(StoreError):
        open_store(store)  # what a closed reader leaves is no different
    # Removed with the store, as the message says, the store is made anew.
    for name in STORE_FILES[1:]:
        (tmp_path / name).unlink()
    server = ReceiverProcess(store, tmp_path / "log", threads=1).start()
    try:
        assert deliver(server, "after").json() == {"status": "stored"}
    finally:
        assert server.stop() == 0
    assert stored_things(store) == ["after"]


@pytest.mark.parametrize(
    ("a_file", "says"),
    [
        (False, "does not exist; create it or choose another path"),
        (True, "is not a folder; choose another path"),
    ],
)
def test_a_symlinked_store_whose_folder_is_missing_names_that_folder(
    tmp_path, a_file, says
):
    # It named the link's own folder, which could be written, and said so.
    store = tmp_path / "store.sqlite3"
    store.symlink_to(tmp_path / "nowhere" / "store.sqlite3")
    if a_file:
        (tmp_path / "nowhere").write_text("")
    with pytest.raises(StoreError) as refused:
        open_store(store)
    assert refused.value.reason == (
        f"cannot be created: the folder {tmp_path / 'nowhere'} {says}"
    )


def test_a_store_whose_symlink_is_pointed_elsewhere_is_written_there(tmp_path):
    # The old store's journal stays beside the old store, rightly: taken for
    # one left beside the path, it had every delivery answered 503.
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    open_store(second).close()
    store = tmp_path / "store.sqlite3"
    store.symlink_to(first)
    server = ReceiverProcess(store, tmp_path / "log", threads=1).start()
    try:
        assert deliver(server, "before").json() == {"status": "stored"}
        (tmp_path / "pointing").symlink_to(second)
        (tmp_path / "pointing").rename(store)  # as `ln -sfn` does, at once
        assert deliver(server, "after").json() == {"status": "stored"}
    finally:
        assert server.stop() == 0
    assert stored_things(first) == ["before"]
    assert stored_things(second) == ["after"]


# Moved, and another store put in its place; or made by the thread's open
# (none was there) and moved at once: whichever the path names after the
# open, or none, is not the file the thread opened.
@pytest.mark.parametrize("how", ["moved", "replaced", "made then moved"])
def test_a_store_moved_as_a_thread_opens_it_gets_503(
    tmp_path, monkeypatch, caplog, how
):
    # Its identity, noted after the open, was the path's next file, or none:
    # the thread then wrote to the moved file, answered "stored", for ever.
    import pelican_flattr.webhook_receiver as receiver

    store = tmp_path / "store.sqlite3"
    app = WebhookApp(store, TOKEN)
    opening = receiver.open_store
    if how == "made then moved":
        for name in STORE_FILES:
            (tmp_path / name).unlink(missing_ok=True)

    def open_then_moved(path, **options):
        connection = opening(path, **options)
        for name in STORE_FILES:
            if (tmp_path / name).exists():
                (tmp_path / name).rename(tmp_path / name.replace("store", "moved"))
        if how == "replaced":
            opening(path).close()
        return connection

    monkeypatch.setattr(receiver, "open_store", open_then_moved)
    assert delivered_to(app, "moving") == "503 Service Unavailable"
    monkeypatch.setattr(receiver, "open_store", opening)
    assert delivered_to(app, "again") == "200 OK"
    assert stored_things(store) == ["again"]
    assert stored_things(tmp_path / "moved.sqlite3") == []
    assert f"store {store}: was moved or removed as it opened" in caplog.text


def test_a_symlink_pointed_elsewhere_as_a_thread_opens_it_gets_503_once(
    tmp_path, monkeypatch
):
    # Pointed elsewhere right after the open, the thread took the journal of
    # the store the link then named for its own store's: every later
    # delivery was answered 503, as if it had been left beside a moved store.
    import pelican_flattr.webhook_receiver as receiver

    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    open_store(second).close()
    store = tmp_path / "store.sqlite3"
    store.symlink_to(first)
    app = WebhookApp(store, TOKEN)
    identity = receiver._file_identity
    stats_of_the_store = []

    def pointed_elsewhere_once_opened(path):
        found = identity(path)
        if path == store:
            stats_of_the_store.append(found)
            if len(stats_of_the_store) == 2:  # before the open, then after
                (tmp_path / "pointing").symlink_to(second)
                (tmp_path / "pointing").rename(store)
        return found

    monkeypatch.setattr(receiver, "_file_identity", pointed_elsewhere_once_opened)
    assert delivered_to(app, "pointing") == "503 Service Unavailable"
    monkeypatch.setattr(receiver, "_file_identity", identity)
    assert [delivered_to(app, f"after-{n}") for n in range(2)] == ["200 OK"] * 2
    assert stored_things(second) == ["after-0", "after-1"]
    assert stored_things(first) == []


def waiting_for_the_lock(server, delivery, within: float = 5.0) -> None:
    """Return once a thread of ``server`` sleeps in SQLite's busy handler
    (nothing else in it sleeps so), or after ``within`` seconds, or once
    ``delivery`` is done. A fixed second was not always enough for the
    delivery to reach the lock on a loaded machine."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not delivery.done():
        if a_thread_sleeps(server.process.pid):
            return
        time.sleep(0.01)


def a_thread_sleeps(pid: int) -> bool:
    """Whether a thread of process ``pid`` sleeps (as SQLite's busy handler
    does, and time.sleep)."""
    for wchan in Path(f"/proc/{pid}/task").glob("*/wchan"):
        with contextlib.suppress(OSError):
            if "nanosleep" in wchan.read_text():
                return True
    return False


def test_a_store_moved_while_a_delivery_waits_to_write_gets_503(tmp_path):
    # Checked before the write only, a store moved while the delivery
    # waited for the write lock took it, answered "stored".
    store = tmp_path / "store.sqlite3"
    away = tmp_path / "away"
    away.mkdir()
    server = ReceiverProcess(store, tmp_path / "log", threads=1).start()
    try:
        assert deliver(server, "before").json() == {"status": "stored"}
        holder = sqlite3.connect(store, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with ThreadPoolExecutor(1) as client:
            waiting = client.submit(deliver, server, "during")
            waiting_for_the_lock(server, waiting)
            for name in STORE_FILES:
                (tmp_path / name).rename(away / name)
            holder.execute("ROLLBACK")
            holder.close()
            answer = waiting.result()
        assert answer.status_code == 503, answer.text
        # Flattr's retry goes to the store at the path.
        assert deliver(server, "during").json() == {"status": "stored"}
        assert stored_things(store) == ["during"]
    finally:
        assert server.stop() == 0
    assert (
        f"store {store}: was moved or removed while a delivery was written"
    ) in server.text()


def back_up(store: Path, backup: Path) -> None:
    """A copy of ``store``, as ``sqlite3 STORE ".backup BACKUP"`` makes it
    while the receiver runs."""
    source, target = sqlite3.connect(store), sqlite3.connect(backup)
    with contextlib.closing(source), contextlib.closing(target):
        source.backup(target)


def restore(backup: Path, store: Path) -> list[Path]:
    """``backup`` put in place of ``store`` at once, as ``cp BACKUP TMP &&
    mv TMP STORE`` does. Returns a second name of each of the -wal and
    -shm beside the store then (which also keeps their inodes from being
    reused), for ``still_beside``."""
    names = []
    for end in ("-wal", "-shm"):
        names.append(store.with_name(f"replaced{end}"))
        os.link(f"{store}{end}", names[-1])
    shutil.copy(backup, store.with_name("copy"))
    store.with_name("copy").rename(store)
    return names


def still_beside(names: list[Path]) -> list[str]:
    """Which of the files ``restore`` named are still beside the store."""
    return [name.name for name in names if name.stat().st_nlink > 1]


def integrity(store: Path) -> list[tuple[str]]:
    with contextlib.closing(sqlite3.connect(store)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchall()


RESTORED = (
    "replaced by another file while the receiver ran (a backup restored?): "
    "the -wal and -shm of the file it replaced, which the new one would have "
    "read as its own, were merged into that file and removed; writing to the "
    "new one now. Stop the receiver before you restore a store, and start it "
    "again after"
)


@pytest.mark.parametrize("noticed", ["by a delivery", "as it stops"])
def test_a_backup_restored_while_the_receiver_runs_keeps_no_old_journal(
    tmp_path, noticed
):
    # The receiver's connections to the file replaced were never closed, and
    # SQLite removes no journal of a file no longer at its path as it closes
    # one: its -wal and -shm stayed beside the backup put in its place, which
    # pending read as malformed, and which a receiver started again merged
    # them into, corrupting it for good.
    store = tmp_path / "store.sqlite3"
    server = ReceiverProcess(store, tmp_path / "log").start()
    kept = [f"kept-{n}" for n in range(16)]
    replaced: list[Path] = []
    try:
        # From 8 clients at once, so that most server threads open it.
        with ThreadPoolExecutor(8) as clients:
            answers = list(clients.map(lambda thing: deliver(server, thing), kept))
        assert {answer.status_code for answer in answers} == {200}
        back_up(store, tmp_path / "store.bak")
        assert deliver(server, "after-the-backup").status_code == 200
        replaced = restore(tmp_path / "store.bak", store)
        if noticed == "by a delivery":
            assert deliver(server, "restored").json() == {"status": "stored"}
            assert still_beside(replaced) == []
            kept.append("restored")
    finally:
        assert server.stop() == 0
    assert still_beside(replaced) == []
    assert integrity(store) == [("ok",)]
    assert stored_things(store) == sorted(kept)
    if noticed == "by a delivery":
        assert f"store {store}: {RESTORED}" in server.text()


# What a receiver logs when the journal of the file a backup replaced, left
# while another program had that file open, is gone once that program let
# go of it (a second receiver merges it as it finds the store replaced).
JOURNAL_GONE = (
    "replaced by another file while the receiver ran (a backup restored?): "
    "the -wal and -shm of the file it replaced are no longer beside it; "
    "writing to the new one now. Stop the receiver before you restore a "
    "store, and start it again after"
)


def test_a_backup_restored_while_another_program_reads_the_store_gets_503(
    tmp_path,
):
    # SQLite merges the journal into the file it replaced only once no other
    # connection has that file open: with one, the journal stays, and the
    # receiver writes nothing beside it. Once that program merged it (as a
    # second receiver does), the receiver logged that the store was "moved
    # or removed ... a new one where none is left", against its lines before.
    store = tmp_path / "store.sqlite3"
    server = ReceiverProcess(store, tmp_path / "log", threads=1).start()
    try:
        assert deliver(server, "kept").status_code == 200
        back_up(store, tmp_path / "store.bak")
        with contextlib.closing(sqlite3.connect(store)) as reading:
            reading.execute("SELECT * FROM pending_flattrs").fetchall()
            replaced = restore(tmp_path / "store.bak", store)
            assert deliver(server, "refused").status_code == 503
            assert still_beside(replaced) == ["replaced-wal", "replaced-shm"]
            # Its connection now the last to that file: SQLite then fails
            # to mark it out of WAL mode, as it moved.
            with contextlib.suppress(sqlite3.Error):
                reading.execute("PRAGMA journal_mode = DELETE")
            assert still_beside(replaced) == []
        assert deliver(server, "after").json() == {"status": "stored"}
    finally:
        assert server.stop() == 0
    log = server.text()
    assert (
        f"store {store}: was replaced by another file while the receiver ran (a "
        "backup restored?), but store.sqlite3-wal and store.sqlite3-shm of the "
        "file it replaced stayed beside it, where another program (a receiver, "
        "verify) still has that file open: stop every program that uses the "
        "store, then remove them (or move them beside the file replaced, if it "
        "was kept). Stop the receiver before you restore a store, and start it "
        "again after"
    ) in log
    assert f"store {store}: {JOURNAL_GONE}" in log
    assert MADE_ANEW not in log
    # Nothing was written beside them.
    assert integrity(store) == [("ok",)]
    assert stored_things(store) == ["after", "kept"]


class WaitedFor:
    """A lock, as the receiver's, that tells (``waited``) when a thread
    waits for it."""

    def __init__(self, waited: threading.Event) -> None:
        self._lock = threading.Lock()
        self.waited = waited

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.waited.set()
            self._lock.acquire()

    def __exit__(self, *raised: object) -> None:
        self._lock.release()


def test_a_restore_found_by_two_threads_at_once_is_told_once(
    tmp_path, monkeypatch, caplog
):
    # A thread whose connection another thread had closed, finding the
    # store replaced, looked at the file the receiver knew before that
    # thread opened the new one: the journal already gone, it logged that
    # the store was "moved or removed ... a new one where none is left",
    # right after the other's line saying it was replaced.
    import pelican_flattr.webhook_receiver as receiver

    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    store = tmp_path / "store.sqlite3"
    app = WebhookApp(store, TOKEN)
    other = ThreadPoolExecutor(1)  # one thread, whose connection is kept
    assert delivered_to(app, "kept") == "200 OK"
    assert other.submit(delivered_to, app, "kept-too").result() == "200 OK"
    back_up(store, tmp_path / "store.bak")
    replaced = restore(tmp_path / "store.bak", store)
    # The other thread delivers while this one, which found the store
    # replaced, opens the new file: until it is answered, or waits.
    went_on = threading.Event()
    monkeypatch.setattr(app, "_lock", WaitedFor(went_on))
    opening = receiver.open_store
    answered = []

    def the_other_thread_first(path, **options):
        if threading.current_thread() is threading.main_thread() and not answered:
            answered.append(other.submit(delivered_to, app, "by-the-other"))
            answered[0].add_done_callback(lambda _: went_on.set())
            assert went_on.wait(30)
        return opening(path, **options)

    monkeypatch.setattr(receiver, "open_store", the_other_thread_first)
    assert delivered_to(app, "restored") == "200 OK"
    assert answered[0].result() == "200 OK"
    other.shutdown()
    app.close()
    assert still_beside(replaced) == []
    assert integrity(store) == [("ok",)]
    assert stored_things(store) == ["by-the-other", "kept", "kept-too", "restored"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"store {store}: {RESTORED}"]


def test_the_receiver_logs_each_migration_of_its_store(tmp_path, caplog):
    # Under another WSGI server, which prints no line of serve's; and for a
    # backup made before an upgrade restored while the receiver runs: from
    # then on an earlier pelican-flattr refuses that store too.
    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    store = tmp_path / "store.sqlite3"
    make_store_of_schema_version_1(store)
    app = WebhookApp(store, TOKEN)
    assert delivered_to(app, "kept") == "200 OK"
    make_store_of_schema_version_1(tmp_path / "store.bak")
    replaced = restore(tmp_path / "store.bak", store)
    assert delivered_to(app, "restored") == "200 OK"
    assert delivered_to(app, "again") == "200 OK"
    app.close()
    assert still_beside(replaced) == []
    assert stored_things(store) == ["again", "restored"]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    migrated = MIGRATED.format(store=store)
    assert warnings == [migrated, f"store {store}: {RESTORED}", migrated]


def test_a_backup_restored_as_a_thread_first_opens_the_store_is_not_opened(
    tmp_path, monkeypatch, caplog
):
    # A thread's first delivery found the file the receiver knew at the
    # path, and looked again as it opened it: a backup put in place between
    # the two looks was opened beside the journal of the file it replaced,
    # which another thread still had open, and which SQLite took for the
    # backup's own.
    import pelican_flattr.webhook_receiver as receiver

    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    store = tmp_path / "store.sqlite3"
    app = WebhookApp(store, TOKEN)
    assert delivered_to(app, "kept") == "200 OK"
    back_up(store, tmp_path / "store.bak")
    assert delivered_to(app, "after-the-backup") == "200 OK"
    identity = receiver._file_identity
    looks = []
    replaced: list[Path] = []

    def restored_before_the_second_look(path):
        if path == store:
            looks.append(path)
            if len(looks) == 2:
                replaced.extend(restore(tmp_path / "store.bak", store))
        return identity(path)

    monkeypatch.setattr(receiver, "_file_identity", restored_before_the_second_look)
    other = ThreadPoolExecutor(1)
    assert other.submit(delivered_to, app, "first").result() == (
        "503 Service Unavailable"
    )
    monkeypatch.setattr(receiver, "_file_identity", identity)
    assert other.submit(delivered_to, app, "again").result() == "200 OK"
    assert delivered_to(app, "here") == "200 OK"
    other.shutdown()
    app.close()
    assert still_beside(replaced) == []
    assert integrity(store) == [("ok",)]
    assert stored_things(store) == ["again", "here", "kept"]
    assert f"store {store}: was moved or removed as it opened" in caplog.text
    assert caplog.text.count(RESTORED) == 1


def test_addresses_in_requests_reach_neither_the_log_nor_the_answers(receiver):
    answer = httpx.post(
        receiver.url,
        content=urlencode({"_event": "carol@example.org", "email": "dave@example.org"}),
        headers=FORM,
    )
    assert answer.status_code == 202
    assert answer.json() == {"status": "ignored", "event": "[address]"}
    # A name refused: a repeat of one never read is read past.
    broken = httpx.post(
        receiver.url, content=b"_event=x&erin%40example.org=%", headers=FORM
    )
    assert broken.status_code == 400
    assert "@" not in broken.text and broken.json()["field"] == "[address]"
    # A name without "=" (an empty value) is kept without it, as any other.
    valueless = httpx.post(
        receiver.url, content=b"_event=y&gina%40example.org", headers=FORM
    )
    assert valueless.json() == {"status": "ignored", "event": "y"}
    assert (
        httpx.get(f"http://127.0.0.1:{receiver.port}/frank@example.org").status_code
        == 404
    )
    with sqlite_file(receiver.store) as connection:
        # The rows of this test's two ignored events: the receiver serves
        # the whole module, whose tests before this one stored theirs.
        kept = connection.execute(
            "SELECT event, raw_body FROM ignored_events ORDER BY id DESC LIMIT 2"
        ).fetchall()
    assert kept == [
        ("y", b"_event=y&[address]"),
        ("[address]", b"_event=[address]&email=[address]"),
    ]
    log = receiver.text()
    for name in ("carol", "dave", "erin", "frank", "gina"):
        assert f"{name}@" not in log and f"{name}%40" not in log
    assert "GET /[address] 404" in log


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--port", "70000", "70000 is not from 0 to 65535"),
        ("--port", "-5", "-5 is not from 0 to 65535"),
        ("--threads", "0", "0 is not from 1 to 1024"),
        ("--port", "eighty", "'eighty' is not a whole number"),
    ],
)
def test_serve_options_out_of_range_are_usage_errors(
    tmp_path, capsys, option, value, says
):
    with pytest.raises(SystemExit) as exited:
        main(["webhook", "serve", "--store", str(tmp_path / "s.db"), option, value])
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


def test_serve_and_pending_name_settings_of_the_wrong_type(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    settings = tmp_path / "pelicanconf.py"
    settings.write_text("FLATTR_WEBHOOK_TOKEN = 12345\n")
    assert main(["webhook", "serve", "--settings", str(settings)]) == 2
    assert (
        f"the web hook token from FLATTR_WEBHOOK_TOKEN in {settings} must be at "
        "least 32"
    ) in capsys.readouterr().err
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    for setting, says in (
        ("5", "FLATTR_STORE must be a file path, not 5"),
        ("'s\\x00.db'", "FLATTR_STORE 's\\x00.db' holds a NUL character"),
    ):
        settings.write_text(f"FLATTR_STORE = {setting}\n")
        for command in (["webhook", "serve"], ["pending"]):
            assert main([*command, "--settings", str(settings)]) == 2
            assert says in capsys.readouterr().err
    address = "no.such.host.invalid"
    store = str(tmp_path / "s.db")
    assert main(["webhook", "serve", "--store", store, "--host", address]) == 2
    assert f"cannot listen on {address}:8765" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("given", "named"),
    [("option", "--token"), ("environment", "$FLATTR_WEBHOOK_TOKEN"), ("settings", "")],
)
def test_serve_names_where_a_token_it_refuses_came_from(
    tmp_path, capsys, monkeypatch, given, named
):
    monkeypatch.delenv("FLATTR_WEBHOOK_TOKEN", raising=False)
    short = "tooShortToken"
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(f"FLATTR_WEBHOOK_TOKEN = {short!r}\n")
    command = ["webhook", "serve", "--store", str(tmp_path / "s.db")]
    if given == "option":
        command += ["--token", short]
    elif given == "environment":
        monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", short)
    else:
        command += ["--settings", str(settings)]
        named = f"FLATTR_WEBHOOK_TOKEN in {settings}"
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"pelican-flattr: the web hook token from {named} must be at least 32 "
    ), err
    assert short not in err


def test_serve_refuses_a_store_it_cannot_write_before_listening(tmp_path):
    # It listened, then answered every delivery 503.
    from pelican_flattr.store import open_store

    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
        "--port", "0", "--store", str(store),
    ]  # fmt: skip
    env = child_env(FLATTR_WEBHOOK_TOKEN=TOKEN)
    with read_only(store):
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"pelican-flattr: store {store}: this user may not write it (the file is "
        "read-only); let it write the file, or choose another store\n"
    )


def test_a_store_whose_journal_it_may_not_write_is_named_so(tmp_path):
    # A second receiver, or verify, run as another user than the running
    # receiver's, was told only "attempt to write a readonly database".
    store = tmp_path / "store.sqlite3"
    running = open_store(store)  # as the receiver holds it, its journal beside
    try:
        with write_transaction(running):
            pass
        wal = tmp_path / "store.sqlite3-wal"
        with read_only(wal):
            connection = open_store(store)
            try:
                with pytest.raises(StoreError) as refused:
                    check_writable(connection, store)
            finally:
                connection.close()
    finally:
        running.close()
    assert refused.value.reason == (
        "this user may not write store.sqlite3-wal beside it, which SQLite keeps "
        "while the web hook receiver runs: let it write them as it writes the "
        "store, or run this as the receiver's user"
    )


@pytest.mark.parametrize(("mode", "nor_write"), [(0, " (nor write it)"), (0o002, "")])
def test_serve_says_a_store_it_may_not_read_is_so(tmp_path, mode, nor_write):
    # It said the file was read-only, and to let the user write it; then
    # that the user might not write it either, of one it may write.
    from pelican_flattr.store import open_store

    # Not under tmp_path, whose parents only their owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="store-"))
    folder.chmod(0o755)
    store = folder / "store.sqlite3"
    try:
        open_store(store).close()
        store.chmod(mode)  # the other user is neither owner nor in its group
        done = cli_as_another_user(
            ["webhook", "serve", "--port", "0", "--store", str(store)],
            FLATTR_WEBHOOK_TOKEN=TOKEN,
        )
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"pelican-flattr: store {store}: this user may not read it{nor_write}; "
        "let it read and write the file, or choose another store\n"
    )


def test_serve_says_what_is_wrong_with_the_store_once(tmp_path, capsys, monkeypatch):
    # "cannot open the store .: store .: unable to open database file"
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    # --port 0: the store is opened once the server listens, and the
    # default port may be taken on the machine that runs the tests.
    assert main(["webhook", "serve", "--store", ".", "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        "pelican-flattr: store .: is a folder, not a file; name the store's file\n"
    )
    settings = tmp_path / "pelicanconf.py"
    settings.write_text("FLATTR_STORE = '/dev/null'\n")
    command = ["webhook", "serve", "--settings", str(settings), "--port", "0"]
    assert main(command) == 2
    assert capsys.readouterr().err.endswith(
        f"pelican-flattr: store /dev/null (FLATTR_STORE of {settings}): is not a "
        "file; name the store's file\n"
    )


def test_pending_names_an_unusable_author_entry(tmp_path, capsys):
    from pelican_flattr.store import open_store

    store = tmp_path / "s.db"
    open_store(store).close()
    settings = tmp_path / "pelicanconf.py"
    settings.write_text('FLATTR_AUTHORS = {"Bob": "twitter:bob", "Al": "alice"}\n')
    assert main(["pending", "--store", str(store), "--settings", str(settings)]) == 0
    err = capsys.readouterr().err
    assert "FLATTR_AUTHORS['Bob'] 'twitter:bob' is not a twitter identifier" in err
    assert "Al" not in err


def log_lines_with(receiver, text: str, count: int) -> str:
    """The log, once it holds ``count`` lines with ``text`` (or after 5 s)."""
    deadline = time.monotonic() + 5
    while receiver.text().count(text) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return receiver.text()


def test_the_token_reaches_no_log_line_whatever_the_path(receiver):
    # A URL registered behind a proxy that keeps its prefix, or typed in
    # another case, gets 404; the log line of each held the token.
    paths = [
        f"/flattr/hooks/{TOKEN}",
        f"/Hooks/{TOKEN}",
        f"/HOOKS/{TOKEN.upper()}",
        f"/{TOKEN.lower()}/hooks/{TOKEN}/",
        f"/hooks/{TOKEN}x",  # one character off: still nearly all of it
        f"/hooks/{TOKEN[:-1]}",
        f"/Hook/{TOKEN[:-1]}x",  # under another prefix, too
        f"/hooksx{TOKEN[:-1]}",
        f"/split/{TOKEN[:20]}/{TOKEN[20:]}",  # in pieces shorter than a run
    ]
    for path in paths:
        answer = httpx.post(
            f"{receiver.base}{path}?token={TOKEN}",
            content=urlencode(PENDING),
            headers=FORM,
        )
        assert answer.status_code == 404
    log = log_lines_with(receiver, "POST /*** 404", 2)  # the last two paths
    assert TOKEN[:-1].lower() not in log.lower()
    assert TOKEN[1:].lower() not in log.lower()
    assert TOKEN[:20].lower() not in log.lower()
    assert TOKEN[20:].lower() not in log.lower()
    shown_paths = (
        "/flattr/hooks/***",
        "/Hooks/***",
        "/HOOKS/***",
        "/***/hooks/***",
        "/Hook/***",
        "/***",  # "hooksx" and the token are one run
    )
    for shown in shown_paths:
        assert f"POST {shown} 404 - " in log


def test_what_follows_the_route_prefix_or_looks_like_a_token_is_not_logged(
    receiver,
):
    # A token mistyped, cut short, or one the operator replaced is a secret
    # too, however short, and in any case of the prefix; a long run of
    # token characters anywhere may be one under another prefix.
    secrets = ["sh0rt-old-secret", "Other-case-prefix", "QmF5c2VjcmV0LW9sZC10b2tl"]
    paths = [f"/hooks/{secrets[0]}", f"/HOOKS/{secrets[1]}", f"/old/{secrets[2]}"]
    for path in paths:
        answer = httpx.post(receiver.base + path, content=b"_event=x", headers=FORM)
        assert answer.status_code == 404
    log = log_lines_with(receiver, "POST /old/*** 404 - ", 1)
    assert "POST /hooks/*** 404 - " in log and "POST /HOOKS/*** 404 - " in log
    assert not [secret for secret in secrets if secret.lower() in log.lower()]


def test_a_method_spelling_the_token_or_an_address_is_not_logged(receiver):
    # The method is logged as sent, as the path is, and HTTP lets it be
    # any run of token characters (waitress: in capitals): the secret
    # token, or "%40".
    for method in (TOKEN.upper(), "CAROL.CHEN%40EXAMPLE.ORG"):
        head = f"{method} /hooks/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        status = raw_request(receiver, head.encode())
        assert status == b"HTTP/1.1 404 Not Found"
    log = log_lines_with(receiver, "[address] /hooks/*** 404 - ", 1)
    assert "*** /hooks/*** 404 - " in log
    assert TOKEN[16:].lower() not in log.lower() and "carol" not in log.lower()


NEAR_TOKENS = [
    # The reviewer's: 42 of the token's characters showed twice in the log
    # line, and the store kept the whole token in claim_url.
    (
        {
            "thing_id": TOKEN[:-1],
            "thing_owner_id": f"partner:ns:{TOKEN[1:]}",
            "claim_url": f"https://flattr.com/claim/{TOKEN}",
        },
        "thing_id",
    ),
    ({"thing_owner_id": f"partner:ns:{TOKEN[1:]}"}, "thing_owner_id"),
    # Cut by a separator, or in other letters: a piece of it all the same.
    ({"claim_url": f"https://flattr.com/c/{TOKEN[16:32]}/{TOKEN[32:]}"}, "claim_url"),
    ({"flattrer_username": TOKEN[20:40].upper()}, "flattrer_username"),
]


def test_a_delivery_holding_a_piece_of_the_token_is_refused_unlogged(receiver):
    # Its fields are stored as sent, and `pending` prints them: the token
    # was kept, and the log line hid it only where whole.
    before = rows(receiver)
    for fields, named in NEAR_TOKENS:
        sent = {**PENDING, "thing_id": "near-token", **fields}
        answer = httpx.post(receiver.url, content=urlencode(sent), headers=FORM)
        assert answer.status_code == 400, answer.text
        assert answer.json() == {
            "error": f"{named} holds the web hook token, or a piece of it; "
            "Flattr's never do",
            "field": named,
        }
    assert rows(receiver) == before
    said = "holds the web hook token, or a piece of it; Flattr's never do (field "
    log = log_lines_with(receiver, said, len(NEAR_TOKENS))
    lines = [line for line in log.splitlines() if said in line]
    assert len(lines) == len(NEAR_TOKENS), log
    assert 'thing_id="***" thing_clicks_total="3" thing_owner_id="***"' in lines[0]
    assert 'thing_owner_id="***"' in lines[1]
    pieces = [TOKEN[at : at + 16].lower() for at in range(len(TOKEN) - 15)]
    assert not [piece for piece in pieces if piece in log.lower()]


@pytest.mark.parametrize(
    "claim_url",
    [
        "https://flattr.com:my-private-code/claim/3001",
        "https://flattr.com:99999/claim/3001",
    ],
)
def test_a_claim_url_whose_port_cannot_be_read_is_refused(receiver, claim_url):
    # Stored, it was published as the author page's "Claim them" link. The
    # answer repeats no part of it (urllib's message quotes the port).
    before = rows(receiver)
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_id="port", claim_url=claim_url)),
        headers=FORM,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json() == {
        "error": "claim_url is not a valid URL: its port cannot be read",
        "field": "claim_url",
    }
    assert rows(receiver) == before


@pytest.mark.parametrize(
    "claim_url",
    [
        "https://flattr.com/claim/thing/1/owner/carol%40example.org",
        "https://flattr.com/claim/thing/1/owner/carol@example.org",
        "https://flattr.com/claim/thing/1/owner/carol%2540example.org",
        "https://flattr.com/claim/thing/1/owner/carol%252540example.org",
        "https://carol@flattr.com/claim/thing/1",
        # A full-width or small "@", percent-encoded, once or twice.
        "https://flattr.com/claim/thing/1/owner/carol%EF%BC%A0example.org",
        "https://flattr.com/claim/thing/1/owner/carol%ef%bc%a0example.org",
        "https://flattr.com/claim/thing/1/owner/carol%25EF%25BC%25A0example.org",
        "https://flattr.com/claim/thing/1/owner/carol%EF%B9%ABexample.org",
        # A character reference whose "&" is percent-encoded: an "@" once
        # decoded and shown in a page.
        "https://flattr.com/claim/thing/1/owner/carol%26%2364%3Bexample.org",
        "https://flattr.com/claim/thing/1/owner/carol%2526%2523x40%253Bexample.org",
    ],
)
def test_a_claim_url_holding_an_address_is_refused(receiver, claim_url):
    # Stored, it would be published on the author's page.
    before = rows(receiver)
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_id="claim", claim_url=claim_url)),
        headers=FORM,
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "claim_url"
    assert "address" in answer.json()["error"] and "carol" not in answer.text
    assert rows(receiver) == before
    assert "carol" not in receiver.text()


def test_percent_encoded_addresses_reach_neither_the_log_nor_the_answers(receiver):
    assert httpx.get(f"{receiver.base}/frank%2540example.org").status_code == 404
    ignored = httpx.post(
        receiver.url, content=b"_event=grace%2540example.org", headers=FORM
    )
    assert ignored.json() == {"status": "ignored", "event": "[address]"}
    with sqlite_file(receiver.store) as connection:
        kept = connection.execute(
            "SELECT event, raw_body FROM ignored_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert kept == ("[address]", b"_event=[address]")
    # A name refused: a repeat of one never read is read past.
    broken = httpx.post(
        receiver.url, content=b"_event=x&heidi%2540example.org=%", headers=FORM
    )
    assert broken.status_code == 400 and broken.json()["field"] == "[address]"
    owner = httpx.post(
        receiver.url,
        content=urlencode(
            dict(PENDING, thing_owner_id="partner:ns:ivan%40example.org")
        ),
        headers=FORM,
    )
    assert owner.status_code == 400 and owner.json()["field"] == "thing_owner_id"
    # urllib's own message would repeat the host: words of the receiver's.
    unreadable = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, claim_url="https://judy\uff0fexample.org/")),
        headers=FORM,
    )
    assert unreadable.status_code == 400
    assert unreadable.json() == {
        "error": "claim_url is not a valid URL: its host part cannot be read",
        "field": "claim_url",
    }
    answers = [ignored.text, broken.text, owner.text, unreadable.text]
    log = log_lines_with(receiver, "GET /[address] 404", 1)
    for name in ("frank", "grace", "heidi", "ivan", "judy"):
        assert not any(name in text for text in [*answers, log])


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("kimiko", "kimiko%40%C3%BCber.de"),  # kimiko@\u00fcber.de
        ("leonie", "leonie%2540%25C3%25BCber.de"),  # encoded twice
        ("mirabel", "mirabel%40%62%6F%62%2E%64%65"),  # mirabel@bob.de, escapes only
    ],
)
def test_an_address_whose_domain_starts_with_an_escape_is_hidden(
    receiver, name, address
):
    # A non-ASCII domain is escapes from its first character: the answers and
    # the log lines showed it whole.
    broken = httpx.post(
        receiver.url, content=f"_event=x&{address}%ZZ=1".encode(), headers=FORM
    )
    assert broken.status_code == 400
    assert broken.json()["field"] == "[address]%ZZ"  # what follows is kept
    line = "POST /[address] 404"
    before = receiver.text().count(line)
    # "%25": the server decodes the path once, into the address as above.
    path = "/" + address.replace("%", "%25")
    answer = httpx.post(receiver.base + path, content=b"_event=x", headers=FORM)
    assert answer.status_code == 404
    log = log_lines_with(receiver, line, before + 1)
    assert log.count(line) == before + 1
    for text in (broken.text, answer.text, log):
        assert name not in text and "ber.de" not in text and "%62%6F" not in text


# An address whose local part shares no letter with "[address]", nor with
# the "-" and "/" before it: any letter of "quizbot" shown is part of it.
LOCAL_PART_LETTERS = set("quizbot")


@pytest.mark.parametrize("sign", [b"@", b"%40", b"%2540"])
def test_a_parameter_name_shown_cut_never_holds_part_of_an_address(receiver, sign):
    # Cut to 50 characters first, "----/quiz.b" held no "@" left to find,
    # and the answer showed the start of the address. Every cut point, from
    # before the address to after it ("%2540": the name holds "%40").
    address = b"quiz.bot" + sign + b"example.org"
    for padding in range(46 - len(address), 50):
        name = b"-" * padding + b"/" + address
        answer = httpx.post(receiver.url, content=name + b"=%", headers=FORM)
        assert answer.status_code == 400
        field = answer.json()["field"]
        assert field.startswith("-" * min(padding, 50)), field
        assert not LOCAL_PART_LETTERS & set(field), field
        assert answer.json()["error"] == (
            f"parameter {field!r} has a broken percent escape"
        )
    assert "quiz" not in receiver.text()


def test_an_event_name_kept_cut_never_holds_part_of_an_address(receiver):
    # Cut to EVENT_NAME_KEPT (100) characters first, "----/quiz.b" held no
    # "@" left to find: the answer, the stored row and the log line showed
    # the start of the address. Every cut point, "@" plain and encoded.
    lines = {}
    for sign in ("@", "%40"):
        address = f"quiz.bot{sign}example.org"
        for padding in range(96 - len(address), 100):
            event = "-" * padding + "/" + address
            answer = httpx.post(
                receiver.url, content=f"_event={event}".encode(), headers=FORM
            )
            assert answer.status_code == 202
            shown = answer.json()["event"]
            with sqlite_file(receiver.store) as connection:
                (kept,) = connection.execute(
                    "SELECT event FROM ignored_events ORDER BY id DESC LIMIT 1"
                ).fetchone()
            assert kept == shown
            assert shown.startswith("-" * min(padding, 100)), shown
            assert not LOCAL_PART_LETTERS & set(shown), shown
            lines[shown] = lines.get(shown, 0) + 1
    # Each request's line, its event as the answer showed it, quoted: no
    # plain name holds a "/".
    line = f"POST /hooks/*** 202 {json.dumps(shown)} "
    log = log_lines_with(receiver, line, lines[shown])
    for shown, count in lines.items():
        assert log.count(f"POST /hooks/*** 202 {json.dumps(shown)} ") >= count
    assert "quiz" not in log


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded; charset=iso-8859-1",
        'application/x-www-form-urlencoded; charset="ISO-8859-1"',
        "application/x-www-form-urlencoded;charset=windows-1252",
        "application/x-www-form-urlencoded; boundary=x; charset=utf-16",
        # A parameter's name is read in any letter case, as the form type is.
        "application/x-www-form-urlencoded; CHARSET=ISO-8859-1",
    ],
)
def test_a_charset_other_than_utf_8_is_refused(receiver, content_type):
    # Read as UTF-8, "caf%E9" in Latin-1 fails and "caf%C3%A9" is stored as
    # a word its sender did not mean.
    before = rows(receiver)
    body = urlencode(dict(PENDING, thing_id="caf\u00e9-latin")).encode()
    answer = httpx.post(
        receiver.url, content=body, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 415
    assert "charset parameter" in answer.json()["error"]
    assert rows(receiver) == before


@pytest.mark.parametrize(
    "charset", ["iso-8859-1", "windows-1252", '"ISO-8859-1"', "utf8"]
)
def test_an_ascii_body_in_another_charset_is_accepted(receiver, charset):
    # Some HTTP clients declare ISO-8859-1 whatever they send; ASCII reads
    # the same in all of them.
    thing = "ascii-" + charset.strip('"')
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_id=thing)),
        headers={
            "Content-Type": f"application/x-www-form-urlencoded; charset={charset}"
        },
    )
    assert answer.json() == {"status": "stored"}
    assert any(row[0] == thing for row in rows(receiver))


@pytest.mark.parametrize(
    "parameters",
    [
        "; charset=UTF-8",
        '; charset="utf-8"',
        ";Charset=us-ascii",
        "; charset=utf8",
        "",
        '; charset=""',  # says nothing, quoted: as if left out
    ],
)
def test_utf_8_declared_or_not_is_accepted(receiver, parameters):
    thing = f"caf\u00e9-{parameters}"
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_id=thing)),
        headers={"Content-Type": "application/x-www-form-urlencoded" + parameters},
    )
    assert answer.json() == {"status": "stored"}
    assert any(row[0] == thing for row in rows(receiver))


@pytest.mark.parametrize(
    ("coding", "named"),
    [
        ("gzip", "gzip"),
        ("GZIP", "GZIP"),
        ("br", "br"),
        ("deflate, identity", "deflate"),
        ("identity, gzip", "gzip"),
        # An empty member counts for nothing: what follows it still does.
        (", gzip", "gzip"),
        ("identity, , br", "br"),
    ],
)
def test_a_body_sent_in_a_content_encoding_is_refused(receiver, coding, named):
    # It was parsed as if plain: a gzip body refused for its "raw non-ASCII
    # bytes", and one whose coding left it readable stored as it came.
    with sqlite_file(receiver.store) as connection:
        ignored = connection.execute("SELECT COUNT(*) FROM ignored_events").fetchone()
    before = rows(receiver)
    body = urlencode(dict(PENDING, thing_id=f"coded-{coding}")).encode()
    for sent in (gzip.compress(body), body, b"_event=other"):
        answer = httpx.post(
            receiver.url, content=sent, headers={**FORM, "Content-Encoding": coding}
        )
        assert answer.status_code == 415, answer.text
        assert answer.json() == {
            "error": f"Content-Encoding {named!r} is not supported: send the body "
            "uncompressed, without a Content-Encoding"
        }
    assert rows(receiver) == before
    with sqlite_file(receiver.store) as connection:
        assert (
            connection.execute("SELECT COUNT(*) FROM ignored_events").fetchone()
            == ignored
        )
    # Said to be what it is, the same body is stored; a list of nothing but
    # identity, with empty members (RFC 9110), says the same.
    identity = {**FORM, "Content-Encoding": "Identity"}
    answer = httpx.post(receiver.url, content=body, headers=identity)
    assert answer.json() == {"status": "stored"}
    for listed in ("identity,", "identity, identity", ",IDENTITY"):
        again = urlencode(dict(PENDING, thing_id=f"listed-{coding}-{listed}"))
        headers = {**FORM, "Content-Encoding": listed}
        answer = httpx.post(receiver.url, content=again.encode(), headers=headers)
        assert answer.json() == {"status": "stored"}, listed


@pytest.mark.parametrize(
    ("before", "after"), [(b"", b"&"), (b"", b"&&"), (b"&", b""), (b"&&", b"&")]
)
def test_empty_pieces_of_a_body_are_skipped(receiver, before, after):
    # As browsers and the WHATWG URL standard read forms: a sender's
    # trailing "&" used to lose the delivery.
    thing = f"pieces-{before!r}-{after!r}"
    event = urlencode(dict(PENDING, thing_id=thing)).encode()
    body = before + event.replace(b"&", b"&&", 1) + after
    answer = httpx.post(receiver.url, content=body, headers=FORM)
    assert answer.json() == {"status": "stored"}
    assert any(row[0] == thing for row in rows(receiver))


def test_a_parameter_without_equals_sign_has_an_empty_value(receiver):
    # As browsers and the WHATWG URL standard read forms: "...&flag" used to
    # be refused, and the whole delivery with it.
    event = urlencode(dict(PENDING, thing_id="no-equals-sign")).encode()
    answer = httpx.post(receiver.url, content=event + b"&flag", headers=FORM)
    assert answer.json() == {"status": "stored"}
    assert any(row[0] == "no-equals-sign" for row in rows(receiver))
    # A field the receiver reads, sent so, is as empty as "thing_id=".
    event = urlencode({k: v for k, v in PENDING.items() if k != "thing_id"})
    answer = httpx.post(
        receiver.url, content=b"thing_id&" + event.encode(), headers=FORM
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "thing_id is missing or empty",
        "field": "thing_id",
    }


def test_a_value_without_a_name_is_still_refused(receiver):
    answer = httpx.post(
        receiver.url, content=urlencode(PENDING).encode() + b"&=x", headers=FORM
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "the body has a parameter without a name"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thing_id", "carol@example.org"),
        ("thing_id", "1/carol%40example.org"),
        ("flattrer_username", "carol@example.org"),
        ("flattrer_username", "carol%2540example.org"),
        ("flattrer_username", "carol%EF%BC%A0example.org"),
        ("flattrer_username", "carol%25ef%25b9%25abexample.org"),
        ("thing_id", "1/carol%26%23064%3Bexample.org"),
        ("flattrer_username", "carol%26commat%3Bexample.org"),
    ],
)
def test_an_address_in_thing_id_or_flattrer_username_is_refused(receiver, field, value):
    # Flattr's thing ids and usernames never hold an "@"; the store keeps
    # no address, as it keeps none of an ignored event's body.
    before = rows(receiver)
    answer = httpx.post(
        receiver.url,
        content=urlencode({**PENDING, "thing_id": "addr", field: value}),
        headers=FORM,
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert "carol" not in answer.text
    assert rows(receiver) == before
    assert "carol" not in receiver.text()


@pytest.mark.parametrize(
    "address",
    [
        "carol%EF%BC%A0example.org",
        "carol%25ef%25bc%25a0example.org",
        "carol%EF%B9%ABexample.org",
    ],
)
def test_an_address_with_a_wide_at_sign_is_not_kept_of_an_ignored_body(
    receiver, address
):
    # Its full-width or small "@" percent-encoded, it was kept whole.
    answer = httpx.post(
        receiver.url, content=f"_event=x&e={address}&f=1".encode(), headers=FORM
    )
    assert answer.status_code == 202
    with sqlite_file(receiver.store) as connection:
        kept = connection.execute(
            "SELECT raw_body FROM ignored_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert kept == (b"_event=x&e=[address]&f=1",)


@pytest.mark.parametrize(
    "address",
    [
        "carol%EF%BC%A0example.org",
        "carol%25ef%25bc%25a0example.org",
        "carol%EF%B9%ABexample.org",
    ],
)
def test_an_event_named_by_an_address_with_a_wide_at_sign_is_not_repeated(
    receiver, caplog, address
):
    # Redaction looked for "@" alone: the event's name, decoded to
    # "carol＠example.org", was in the answer, the log line and the store.
    caplog.set_level(logging.INFO)
    answer = httpx.post(
        receiver.url, content=f"_event={address}".encode(), headers=FORM
    )
    assert answer.status_code == 202
    with sqlite_file(receiver.store) as connection:
        (kept,) = connection.execute(
            "SELECT event FROM ignored_events ORDER BY id DESC LIMIT 1"
        ).fetchone()
    said = answer.text + kept + "\n".join(r.getMessage() for r in caplog.records)
    assert "[address]" in answer.text and kept == "[address]"
    for part in ("carol", "example"):
        assert part not in said


def test_a_path_is_logged_as_utf_8_without_the_addresses_it_spells(receiver):
    # The server hands the path over as Latin-1 (PEP 3333): a full-width or
    # small "@" percent-encoded in it was no "@" to the redactor, and the
    # line showed "carolï¼\xa0example.org"; "café" showed as "cafÃ©".
    paths = [
        "/carol%EF%BC%A0example.org",
        "/dave%EF%B9%ABexample.org",
        # Character references, decoded once by the server into "&#64;".
        "/erin%26%2364%3Bexample.org",
        "/frank%26%23x40%3Bexample.org",
        "/grace%26commat%3Bexample.org",
    ]
    before = receiver.text().count("POST /[address] 404 - ")
    for path in [*paths, "/x/caf%C3%A9", "/y/%FF%C3"]:
        answer = httpx.post(receiver.base + path, content=b"_event=x", headers=FORM)
        assert answer.status_code == 404
    log = log_lines_with(receiver, "POST /[address] 404 - ", before + len(paths))
    assert log.count("POST /[address] 404 - ") == before + len(paths)
    # Read as sent; a byte that is not UTF-8 as an escape, as the rest.
    assert "POST /x/caf\u00e9 404 - " in log and "\u00c3" not in log
    assert "POST /y/\\xff\\xc3 404 - " in log
    # The lines of 404s: another test's delivery names its claim URL's host
    # (bücher.example), which no build links to.
    refused = "\n".join(line for line in log.splitlines() if " 404 - " in line)
    for name in ("carol", "dave", "erin", "frank", "grace", "example"):
        assert name not in refused


@pytest.mark.parametrize(
    "event", ["carol%26%2364%3Bexample.org", "carol%26%23X040%3Bexample.org"]
)
def test_an_event_named_by_an_address_as_a_character_reference_is_hidden(
    app, caplog, event
):
    status, answer = call_app(app, f"_event={event}".encode())
    assert (status, answer) == (
        "202 Accepted",
        {"status": "ignored", "event": "[address]"},
    )
    assert ' 202 "[address]" ' in logged(caplog)[-1]
    with sqlite_file(app.store_path) as connection:
        stored = connection.execute("SELECT event FROM ignored_events").fetchall()
    assert stored == [("[address]",)]


def assert_ignored_as_an_address(app, event):
    """Send ``event`` as an ignored event's name: answered, and kept in
    ignored_events, as "[address]"."""
    status, answer = call_app(app, urlencode({"_event": event}).encode())
    assert (status, answer) == (
        "202 Accepted",
        {"status": "ignored", "event": "[address]"},
    )
    with sqlite_file(app.store_path) as connection:
        stored = connection.execute("SELECT event, raw_body FROM ignored_events")
        assert stored.fetchall() == [("[address]", b"_event=[address]")]


@pytest.mark.parametrize(
    "spelt",
    [
        "bob%26%2364%3Bexample.org",  # "&#64;" percent-encoded once
        "bob%2526%252364%253Bexample.org",  # twice
        "bob%26%23x40%3Bexample.org",
        "bob%26%23X040%3Bexample.org",
        "bob%26commat%3Bexample.org",
        "bob%26%2364example.org",  # a browser reads "&#64" without ";"
        "bob%2526%2523%2536%2534%253Bexample.org",  # each character escaped
    ],
)
def test_an_address_as_an_encoded_character_reference_is_hidden(app, caplog, spelt):
    # Only "%40" forms and a reference decoded ("&#64;") were hidden: the
    # answer, the log and ignored_events showed these as sent, and each
    # reads as an address once decoded once more.
    assert_ignored_as_an_address(app, spelt)
    # A name shown as sent, its broken escape after the address kept.
    status, answer = call_app(app, b"_event=x&" + spelt.encode() + b"%zz=1")
    assert status == "400 Bad Request" and answer["field"] == "[address]%zz"
    # A path, as the server hands it over: decoded once.
    call_app(app, b"_event=x", path=f"/{spelt}/x")
    lines = logged(caplog)
    assert ' 202 "[address]" ' in lines[0] and "/[address]/x 404 - " in lines[2]
    said = json.dumps(answer) + "\n".join(lines)
    assert "bob" not in said and "example" not in said, said


@pytest.mark.parametrize(
    "value",
    [
        # Once decoded, a reference whose "&" is plain but whose other
        # characters are still escaped: decoded once more, an "@".
        "bob&%2364;example.org",
        "bob&%23x40;example.org",
        "bob&#%36%34;example.org",
        "bob&commat%3Bexample.org",
        "bob&%252364%253Bexample.org",
    ],
)
def test_an_address_as_a_partly_encoded_character_reference_is_hidden(
    app, caplog, value
):
    # The "&" alone decoded was not read as a reference's: the answer, the
    # log and ignored_events showed the value, and as a username the
    # delivery was stored.
    assert_ignored_as_an_address(app, value)
    status, answer = call_app(
        app, urlencode({**PENDING, "flattrer_username": value}).encode()
    )
    assert status == "400 Bad Request" and answer["field"] == "flattrer_username"
    said = json.dumps(answer) + "\n".join(logged(caplog))
    assert "bob" not in said and "example" not in said, said
    with sqlite_file(app.store_path) as connection:
        assert connection.execute("SELECT * FROM pending_flattrs").fetchall() == []


@pytest.mark.parametrize(
    "text",
    [
        "fish%26chips.example.org",
        "bob%26%2365%3Bexample.org",  # &#65; is an "A"
        "bob%26%23640%3Bexample.org",  # &#640; is another character
        "bob%26%23x400%3Bexample.org",
        "bob%26%23x40e%3Bexample.org",
        "bob%26amp%3Bexample.org",
        "bob%26commatize%3Bexample.org",
        "bob%2526%252365%253Bexample.org",
        "bob&%2365;example.org",
    ],
)
def test_an_encoded_reference_to_no_at_sign_is_shown_as_sent(app, caplog, text):
    # Hidden, a value holding no address would lose what an operator
    # looks for in the log and in ignored_events.
    status, answer = call_app(app, urlencode({"_event": text}).encode())
    assert (status, answer) == ("202 Accepted", {"status": "ignored", "event": text})
    assert f" 202 {json.dumps(text.lower())} " in logged(caplog)[-1]
    with sqlite_file(app.store_path) as connection:
        stored = connection.execute("SELECT event, raw_body FROM ignored_events")
        sent = urlencode({"_event": text}).encode()
        assert stored.fetchall() == [(text, sent)]


@pytest.mark.parametrize(
    ("event", "shown"),
    [
        # As the log reads "/x/bob%40example.org%2526x/y", decoded once.
        ("x/bob@example.org%26x/y", "x/[address]%26x/y"),
        ("bob@example.org%3Dx", "[address]%3Dx"),
        ("bob@example.org%2526x", "[address]%2526x"),
        ("bob\uff20example.org%26x", "[address]%26x"),
        ("bob&#64;example.org%26x", "[address]%26x"),
        ("bob@%C3%BCber.de%26x", "[address]%26x"),  # bob@über.de
        # What a domain may hold, escaped, or another "@": still hidden.
        ("bob@exa%6Dple.org", "[address]"),
        ("bob@example.org%2540quiz.net", "[address]"),
        ("bob@example.org%26quiz@example.net", "[address][address]"),
    ],
)
def test_an_escaped_separator_after_an_address_is_shown(app, caplog, event, shown):
    # The docs say an escaped separator after an address is left as it is:
    # after a plain "@", the domain took it and all that followed up to a
    # "/" ("/x/[address]/y"), in the log, the answer and ignored_events.
    status, answer = call_app(app, urlencode({"_event": event}).encode())
    assert (status, answer) == ("202 Accepted", {"status": "ignored", "event": shown})
    # The event in lower case, as events are told apart, and quoted, as no
    # plain name is.
    assert f" 202 {json.dumps(shown.lower())} " in logged(caplog)[-1]
    with sqlite_file(app.store_path) as connection:
        stored = connection.execute("SELECT event FROM ignored_events").fetchall()
    assert stored == [(shown,)]
    # A path, as the server hands it over: decoded once, its bytes as Latin-1.
    call_app(app, b"_event=x", path="/p/" + event.encode().decode("latin-1"))
    assert f" /p/{shown} 404 - " in logged(caplog)[-1]


@pytest.mark.parametrize("address", ["carol.chen@example.org", "carol.chen%40ex.org"])
def test_an_address_cut_by_the_kept_start_of_a_body_leaves_nothing(tmp_path, address):
    # Cut first, an address across the cut kept its local part and "@",
    # which no longer looked like an address to redact.
    from pelican_flattr.store import open_store
    from pelican_flattr.webhook_receiver import IGNORED_BODY_KEPT, store_ignored

    connection = open_store(tmp_path / "s.db")
    for cut in range(len(address) + 1):
        start = b"_event=x&p=" + b"a" * (IGNORED_BODY_KEPT - 12 - cut) + b"&e="
        body = start + address.encode() + b"&q=" + b"b" * 100
        store_ignored(connection, "x", body, "2024-01-01T00:00:00Z")
    kept = [row[0] for row in connection.execute("SELECT raw_body FROM ignored_events")]
    connection.close()
    assert all(len(body) <= IGNORED_BODY_KEPT for body in kept)
    assert not [body[-12:] for body in kept if b"carol" in body]


def test_only_the_newest_unknown_events_are_kept(tmp_path):
    # Each row was bounded, their number not: 3,000 deliveries of an
    # unknown event kept 3,000 rows, and anyone with the token could fill
    # the disk.
    from pelican_flattr.webhook_receiver import IGNORED_EVENTS_KEPT, store_ignored

    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    connection = open_store(app.store_path)
    body = b"_event=x&pad=" + b"a" * 60_000

    def add(count: int, start: int) -> int:
        """``count`` more events, named from ``start``; the store's pages."""
        with write_transaction(connection):
            for number in range(start, start + count):
                store_ignored(connection, f"e{number}", body, "2024-01-01T00:00:00Z")
        return connection.execute("PRAGMA page_count").fetchone()[0]

    full = add(IGNORED_EVENTS_KEPT + 5, 0)
    assert add(2 * IGNORED_EVENTS_KEPT, IGNORED_EVENTS_KEPT + 5) <= full + 2
    assert call_app(app, b"_event=last&pad=" + b"b" * 60_000)[0] == "202 Accepted"
    events = [
        event
        for (event,) in connection.execute(
            "SELECT event FROM ignored_events ORDER BY id"
        )
    ]
    connection.close()
    newest = [f"e{number}" for number in range(3 * IGNORED_EVENTS_KEPT + 5)]
    assert events == [*newest[-IGNORED_EVENTS_KEPT + 1 :], "last"]


def test_a_refused_delivery_logs_its_event(receiver):
    # A delivery of Flattr's own event that fails validation must stand out
    # in the log from a probe without one, which logs "-".
    answer = httpx.post(
        receiver.url,
        content=urlencode(dict(PENDING, thing_clicks_total="many")),
        headers=FORM,
    )
    assert answer.status_code == 400
    deadline = time.monotonic() + 5
    line = "POST /hooks/*** 400 pendingclickcreate "
    while line not in receiver.text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert line in receiver.text()


def _every_address_family() -> bool:
    """True where "*" resolves to an IPv4 and an IPv6 address to bind."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    found = socket.getaddrinfo(
        None, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    )
    return len({info[0] for info in found}) >= 2


@pytest.mark.skipif(not _every_address_family(), reason="no IPv4 and IPv6 here")
def test_serve_on_a_host_with_several_addresses_names_each(tmp_path):
    # Waitress serves such a host ("*", a localhost that is 127.0.0.1 and
    # ::1) with one socket per address, behind a server without an address
    # of its own: asking it for one was a traceback once it listened.
    log = tmp_path / "log"
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
        "--host", "*", "--port", "0", "--store", str(tmp_path / "s.db"),
    ]  # fmt: skip
    env = child_env(FLATTR_WEBHOOK_TOKEN=TOKEN)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=out,
            env=env,
            stdin=subprocess.DEVNULL,
            cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + 20
        while "listening on" not in log.read_text() and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.05)
        text = log.read_text()
        found = re.findall(r"http://(0\.0\.0\.0|\[::\]):(\d+)/hooks/\*\*\*", text)
        assert len(found) == 2, text
        for host, port in found:
            loopback = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
            url = f"http://{loopback}:{port}/hooks/{TOKEN}"
            event = dict(PENDING, thing_id=f"on-{port}")
            answer = httpx.post(url, content=urlencode(event), headers=FORM)
            assert answer.status_code == 200, answer.text
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    assert "Traceback" not in log.read_text()


def delivered_to(app, thing: str) -> str:
    """The status ``app`` answers a delivery of ``thing`` with."""
    return call_app(app, urlencode(dict(PENDING, thing_id=thing)).encode())[0]


def call_app(
    app,
    body: bytes,
    path: str = f"/hooks/{TOKEN}",
    content_type: str = "application/x-www-form-urlencoded",
) -> tuple[str, dict]:
    """POST ``body`` to ``path`` (``app``'s route) with a real environ;
    (status, JSON)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses = []
    answer = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], json.loads(answer)


@pytest.fixture
def app(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    return WebhookApp(tmp_path / "store.sqlite3", TOKEN)


def logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_the_form_type_is_read_in_any_letter_case(app):
    # Media types are case-insensitive (RFC 9110): a client that capitalises
    # it sends a form all the same, and Flattr's delivery must not be lost.
    body = urlencode(dict(PENDING, thing_id="capitalised")).encode()
    content_type = "Application/X-WWW-Form-Urlencoded; Charset=UTF-8"
    assert call_app(app, body, content_type=content_type) == (
        "200 OK",
        {"status": "stored"},
    )


JSON_REFUSED = (
    "the body must be form-encoded (application/x-www-form-urlencoded: "
    "_event=pendingclickcreate&thing_id=...), not JSON"
)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(PENDING),
        json.dumps({"_event": "pending"}),
        # An "=" in a value: read as a form, it had no _event at all.
        json.dumps({"_event": "pendingclickcreate", "claim_url": "https://x/?a=1"}),
        ' [{"_event": "pendingclickcreate"}]\n',
    ],
    ids=["delivery", "short", "with '='", "array"],
)
def test_a_json_body_sent_as_a_form_is_told_to_be_form_encoded(app, caplog, body):
    # Parsed as a form, it was answered "parameter '{"_event": "pending' has
    # no value (name=value)" or "_event is missing": nothing said what the
    # sender got wrong.
    assert call_app(app, body.encode()) == ("400 Bad Request", {"error": JSON_REFUSED})
    assert " 400 - " in logged(caplog)[-1]


@pytest.mark.parametrize(
    ("claim_url", "error"),
    [
        (
            "https://flattr.com/claim/" + "x" * 2024,
            "claim_url is longer than 2,048 characters",
        ),
        (
            "https://flattr.com\\evil.example/claim/1",
            "claim_url holds the character '\\\\' before its path: browsers read "
            "it as '/', and so another host name or path",
        ),
        # Browsers ask for https://flattr.com/claim/1: another page.
        (
            "https://flattr.com/claim\\1",
            "claim_url holds the character '\\\\' in its path (browsers read it "
            "as '/', and so another path)",
        ),
        (
            "https://flattr..com/claim/1",
            "claim_url has an empty label in its host name (a dot at its start, "
            "or two in a row), which no name in DNS has",
        ),
        ("ftp://flattr.com/claim/1", "claim_url must be an absolute http:// or "),
    ],
    ids=["too long", "backslash", "backslash in path", "empty label", "scheme"],
)
def test_a_claim_url_refused_is_told_what_is_wrong_with_it(app, claim_url, error):
    # Each was "claim_url must be an absolute http(s) URL (...)": a URL too
    # long was told of no limit, and one with a backslash or an empty label
    # was blamed on its scheme, which was https.
    body = urlencode(dict(PENDING, claim_url=claim_url)).encode()
    status, answer = call_app(app, body)
    assert (status, answer["field"]) == ("400 Bad Request", "claim_url")
    assert answer["error"].startswith(error), answer["error"]
    assert "(http(s)" not in answer["error"]


@pytest.mark.parametrize("at", range(len(TOKEN) - 18))
def test_a_path_spelling_a_piece_of_the_token_in_short_runs_is_hidden(app, caplog, at):
    # Any 19 characters of the token, cut anywhere and written in runs too
    # short to look like one, still give much of the secret away: each
    # holds one of the sixteenths checked, which start every 4 characters.
    piece = TOKEN[at : at + 19]
    path = "/x/" + ".".join(piece[start : start + 5] for start in range(0, 19, 5))
    assert call_app(app, urlencode(PENDING).encode(), path=path)[0] == "404 Not Found"
    assert logged(caplog)[-1].startswith("POST /*** 404 ")


def test_a_path_spelling_the_end_of_a_token_in_short_runs_is_hidden(tmp_path, caplog):
    # The last sixteenth of a token whose length is a multiple of 4 starts
    # where the others do: left out, the token's last 19 characters, in
    # runs too short to look like one, were logged.
    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    token = TOKEN[:48]
    app = WebhookApp(tmp_path / "store.sqlite3", token)
    end = token[-19:]
    path = "/x/" + ".".join(end[start : start + 5] for start in range(0, 19, 5))
    assert call_app(app, b"_event=x", path=path)[0] == "404 Not Found"
    assert logged(caplog)[-1].startswith("POST /*** 404 ")


def test_an_event_named_by_the_token_in_lower_case_is_hidden(app, caplog):
    # Lower-cased, the token still gives most of the secret away.
    event = "x" + TOKEN.lower()
    call_app(app, urlencode({"_event": event}).encode())
    assert TOKEN.lower() not in logged(caplog)[-1].lower()


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (b"&claim_url=https://flattr.com/claim/%ZZ", "claim_url"),
        (b"&flattrer_username=%FF", "flattrer_username"),
        (b"&thing_id=again", "thing_id"),
        (b"&thing%ZZid=1", "thing%ZZid"),
    ],
)
def test_a_body_broken_after_its_event_logs_the_event(app, caplog, broken, field):
    body = urlencode(PENDING).encode() + broken
    status, answer = call_app(app, body)
    assert status == "400 Bad Request" and answer["field"] == field
    assert " 400 pendingclickcreate " in logged(caplog)[-1]


def test_a_body_broken_before_its_event_has_no_event_to_log(app, caplog):
    body = b"claim_url=%ZZ&" + urlencode(PENDING).encode()
    status, answer = call_app(app, body)
    assert status == "400 Bad Request" and answer["field"] == "claim_url"
    assert " 400 - " in logged(caplog)[-1]


@pytest.mark.parametrize(
    ("name", "field"),
    [
        (b"thing%ZZid", "thing%ZZid"),  # a broken escape
        (b"th\xe9", "th?"),  # a raw byte beyond ASCII
        (b"th%FF", "th%FF"),  # not UTF-8
        (b"a\x01b%", "a?b%"),
        (b"carol.chen%40example.org%", "[address]%"),
        (b"carol.chen%2540example.org\xff", "[address]?"),
        (b"n" * 70 + b"%", "n" * 50),
    ],
)
def test_a_name_that_cannot_be_decoded_is_named_as_sent(app, caplog, name, field):
    status, answer = call_app(app, b"_event=x&" + name + b"=1")
    assert status == "400 Bad Request"
    assert answer["field"] == field and repr(field) in answer["error"]
    assert "carol" not in json.dumps(answer) + "\n".join(logged(caplog))


@pytest.mark.parametrize(
    "character", ["\u202e", "\u200b", "\u2066", "\ufeff", "\u00ad", "\U000e0041"]
)
def test_format_characters_in_an_event_name_are_escaped(app, caplog, character):
    # A bidi override would show the log line, or the stored name, in
    # another order than it was sent; a zero-width one would hide a part.
    event = f"thing{character}claimed"
    status, answer = call_app(app, urlencode({"_event": event}).encode())
    assert status == "202 Accepted"
    escaped = "thing" + character.encode("unicode_escape").decode() + "claimed"
    assert answer == {"status": "ignored", "event": escaped}
    # A JSON string in the log, which escapes it once, in its own way.
    assert f" 202 {json.dumps(event)} " in logged(caplog)[-1]
    assert character not in "\n".join(logged(caplog))
    with sqlite_file(app.store_path) as connection:
        stored = connection.execute("SELECT event FROM ignored_events").fetchall()
    assert stored == [(escaped,)]


@pytest.mark.parametrize("sign", ["%40", "%2540"])
@pytest.mark.parametrize("padding", [66, 69])
def test_an_owner_cut_in_its_answer_leaves_no_part_of_an_address(app, sign, padding):
    owner = "x" * padding + f"carol.chen{sign}example.org"
    body = urlencode(dict(PENDING, thing_owner_id=owner)).encode()
    status, answer = call_app(app, body)
    assert status == "400 Bad Request" and answer["field"] == "thing_owner_id"
    assert "carol" not in answer["error"] and "chen" not in answer["error"]


def test_waitress_log_lines_never_name_the_token_and_are_all_kept(tmp_path, caplog):
    """waitress logs "Client disconnected while serving <path>" itself, and
    the path holds the secret token; and Pelican's logger class, which the
    command's loggers get, dropped a line logged before."""
    from pelican.log import LimitFilter, LimitLogger

    from pelican_flattr.webhook_command import prepare_waitress_logs

    waitress_log = logging.getLogger("waitress")
    queue_log = logging.getLogger("waitress.queue")
    # As in the command's process, where waitress makes its loggers after
    # Pelican is imported; here, waitress may have been imported first.
    for log in (waitress_log, queue_log):
        if not any(isinstance(f, LimitFilter) for f in log.filters):
            log.addFilter(LimitLogger.limit_filter)
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    prepare_waitress_logs(app)
    caplog.set_level(logging.INFO, logger="waitress")
    for _ in range(2):
        # waitress puts the path into the message itself, before logging it.
        waitress_log.info(f"Client disconnected while serving /hooks/{TOKEN}")
        queue_log.warning("queue depth 3 for /x/%s", TOKEN)
    waitress_log.exception("Exception while serving %s", f"/HOOKS/{TOKEN.upper()}")
    # waitress names the path as WSGI has it, its bytes as Latin-1: this is
    # "/carol＠example.org", and a line feed in it would begin a new line.
    wide = "/carol\uff20example.org".encode().decode("latin-1")
    waitress_log.info(f"Client disconnected while serving {wide}\nFORGED")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "Client disconnected while serving /hooks/***",
        "queue depth 3 for /x/***",
        "Client disconnected while serving /hooks/***",
        "queue depth 3 for /x/***",
        "Exception while serving /HOOKS/***",
        "Client disconnected while serving /[address]\\x0aFORGED",
    ]


def serve_stops_at_once(monkeypatch, first=lambda: None) -> None:
    """Have ``webhook serve``, run in this process, stop at its first turn
    of waitress's loop, as on SIGTERM, once ``first()`` ran there."""
    import waitress

    from pelican_flattr import webhook_command

    handlers = {}
    turns = []

    def turn(**options):
        # The stop turns the loop again, to read what came: a second
        # SIGTERM there would be one sent twice.
        turns.append(options)
        if len(turns) == 1:
            first()
            handlers[signal.SIGTERM](signal.SIGTERM, None)

    monkeypatch.setattr(waitress.wasyncore, "loop", turn)
    monkeypatch.setattr(webhook_command.signal, "signal", handlers.__setitem__)


def test_serve_hides_the_token_from_waitress_own_log_lines(
    tmp_path, monkeypatch, caplog, capsys
):
    """``webhook serve`` itself has waitress hide the token, not only
    prepare_waitress_logs called by hand (above). waitress logs "Client
    disconnected while serving <path>" only when it sees the client gone
    between two writes of one answer, which no client can time: the line is
    logged as waitress logs it, from the loop serve runs."""

    from pelican_flattr import webhook_command

    # The loggers are the process's: a filter a test left on them would
    # hide the token whether serve adds its own or not.
    for name in ("waitress", "waitress.queue"):
        log = logging.getLogger(name)
        kept = [
            f for f in log.filters if not isinstance(f, webhook_command._TokenHidden)
        ]
        monkeypatch.setattr(log, "filters", kept)

    def disconnected():
        # As waitress words it: the path put into the message itself.
        message = f"Client disconnected while serving /hooks/{TOKEN}"
        logging.getLogger("waitress").info(message)

    serve_stops_at_once(monkeypatch, disconnected)
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    caplog.set_level(logging.INFO, logger="waitress")
    store = str(tmp_path / "s.db")
    assert main(["webhook", "serve", "--store", store, "--port", "0"]) == 0
    assert [r.getMessage() for r in caplog.records if r.name == "waitress"] == [
        "Client disconnected while serving /hooks/***"
    ]
    assert TOKEN not in caplog.text + capsys.readouterr().err


def test_serve_names_its_store_whole_and_says_when_it_made_one(
    tmp_path, monkeypatch, capsys
):
    # Started in another folder than usual, without --store or --settings,
    # serve made ./flattr-store.sqlite3 and named it "flattr-store.sqlite3"
    # alone: an empty store nobody looked for, said as any other.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    said = []
    for _ in range(2):
        serve_stops_at_once(monkeypatch)
        assert main(["webhook", "serve", "--port", "0"]) == 0
        err = capsys.readouterr().err
        said.append(re.search(r"listening on \S+ \((.*)\)\n", err)[1])
    store = tmp_path / "flattr-store.sqlite3"
    assert said == [f"a new, empty store made at {store}", f"store {store}"]


@pytest.mark.skipif(os.name == "nt", reason="a folder separator on Windows")
def test_serve_warns_of_a_backslash_in_the_store_setting(tmp_path, monkeypatch, capsys):
    # FLATTR_STORE written on Windows in a shared settings file: on Linux the
    # receiver made a store named "cache\\flattr.sqlite3" in the folder it
    # ran in, and pending, run elsewhere, found none.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text('FLATTR_STORE = "cache\\\\flattr.sqlite3"\n')
    serve_stops_at_once(monkeypatch)
    assert main(["webhook", "serve", "--settings", str(conf), "--port", "0"]) == 0
    assert (tmp_path / "cache\\flattr.sqlite3").is_file()
    warning = (
        f"{conf}: FLATTR_STORE 'cache\\\\flattr.sqlite3' holds a backslash, "
        "which is no folder separator here"
    )
    assert warning in capsys.readouterr().err
    # Named by --store, the operator typed it: nothing to say.
    serve_stops_at_once(monkeypatch)
    store = str(tmp_path / "other\\s.db")
    assert main(["webhook", "serve", "--store", store, "--port", "0"]) == 0
    assert "backslash" not in capsys.readouterr().err


def test_serve_says_that_an_empty_file_was_taken_for_a_new_store(
    tmp_path, monkeypatch, capsys
):
    # A file of 0 bytes, made ahead for its mode or what a copy cut short
    # left, was started on as any store, without a word: the moment to
    # restore its backup, before deliveries land in it, went by unseen.
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    store = tmp_path / "store.sqlite3"
    store.touch()
    said = []
    for _ in range(2):  # once opened, it is a store as any other
        serve_stops_at_once(monkeypatch)
        assert main(["webhook", "serve", "--store", str(store), "--port", "0"]) == 0
        err = capsys.readouterr().err
        assert f"(store {store})\n" in err  # the start line as for any store
        said.append([line for line in unstamped(err).splitlines() if "0 bytes" in line])
    assert said == [
        [
            f"pelican-flattr webhook: store {store} was an empty file (0 bytes), "
            "without a delivery: a new store if it was made ahead for its mode; "
            "if it should hold deliveries (a copy cut short, a restore that "
            "failed), stop the web hook receiver and restore its backup "
            '(docs/webhooks.md, "Backing up and restoring")'
        ],
        [],
    ]


@pytest.mark.parametrize(
    "owner", ["bob@example.org", "email:bob@example.org", "partner:ns:bob@example.org"]
)
def test_an_address_as_owner_is_answered_with_the_form_flattr_sends(app, owner):
    # The identifier parser's advice, email:ADDRESS, is what a configuration
    # may hold; a delivery holding it would be refused in turn.
    body = urlencode(dict(PENDING, thing_owner_id=owner)).encode()
    status, answer = call_app(app, body)
    assert status == "400 Bad Request" and answer["field"] == "thing_owner_id"
    assert answer["error"] == (
        "thing_owner_id holds an '@' (plain or percent-encoded): Flattr sends an "
        "email owner as email:MD5HEX, never as an address"
    )
    assert "email:ADDRESS" not in answer["error"] and "bob" not in answer["error"]


@pytest.mark.parametrize("event", ["pendingclickcreate", "thingclaimed"])
def test_a_delivery_the_store_could_not_take_logs_its_event(app, caplog, event):
    # "-" means no event was read: a lost delivery of Flattr's own event
    # looked like a probe.
    with sqlite_file(app.store_path) as connection:
        connection.execute("PRAGMA user_version = 99")
    body = urlencode(dict(PENDING, _event=event)).encode()
    assert call_app(app, body)[0] == "503 Service Unavailable"
    assert f" 503 {event} " in logged(caplog)[-1]
    # Nothing read: "-", as before.
    assert call_app(app, b"")[0] == "400 Bad Request"
    assert " 400 - " in logged(caplog)[-1]


def test_the_log_tells_a_delivery_stored_from_a_repeat(app, caplog):
    # Both were logged "200 pendingclickcreate": only the answer, which no
    # log keeps, told whether the delivery was stored or had been before.
    assert [delivered_to(app, "twice") for _ in range(2)] == ["200 OK"] * 2
    assert [line.split(" ")[:5] for line in logged(caplog)] == [
        ["POST", "/hooks/***", "200", "pendingclickcreate", "stored"],
        ["POST", "/hooks/***", "200", "pendingclickcreate", "duplicate"],
    ]


def test_a_store_locked_past_the_busy_timeout_gets_503(tmp_path, caplog, monkeypatch):
    # SQLite's own error, not the store's: Flattr should retry as for any
    # store it cannot write, not be told of an internal error.
    from pelican_flattr import store

    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 50)  # 10 s, unpatched
    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    app = WebhookApp(tmp_path / "store.sqlite3", TOKEN)
    with sqlite_file(app.store_path) as another_program:
        another_program.execute("BEGIN IMMEDIATE")
        answer = call_app(app, urlencode(PENDING).encode())
    assert answer == (
        "503 Service Unavailable",
        {"error": "the store is unavailable; retry later"},
    )
    assert f"store {app.store_path}: database is locked" in logged(caplog)
    assert delivered_to(app, "after the lock") == "200 OK"


def test_a_thread_that_found_the_store_read_only_stores_once_it_is_not(app, caplog):
    # SQLite opens a file it may not write read-only, and each server thread
    # kept the connection of its first delivery: once the store could be
    # written again, that thread answered 503 to every delivery it took until
    # the receiver restarted, as the others stored theirs.
    assert delivered_to(app, "before") == "200 OK"  # the store's journal beside it
    # One server thread, whose first delivery comes while the store is read-only.
    with ThreadPoolExecutor(1) as thread:
        with read_only(app.store_path):
            during = thread.submit(delivered_to, app, "during").result()
        after = [thread.submit(delivered_to, app, f"after {n}") for n in (1, 2)]
    assert during == "503 Service Unavailable"
    assert [each.result() for each in after] == ["200 OK", "200 OK"]
    assert stored_things(app.store_path) == ["after 1", "after 2", "before"]
    # SQLite's "attempt to write a readonly database" said nothing to do.
    assert logged(caplog)[1] == (
        f"store {app.store_path}: cannot be written: this user may not write it "
        "(the file is read-only); let it write the file, or choose another store. "
        "Deliveries are stored again as soon as it can be written, without a restart"
    )


def test_a_store_read_only_only_as_the_delivery_came_is_said_so(tmp_path):
    # Writable again by the time the line is written, the store has no cause
    # left to name: SQLite's words alone said nothing of the store's rights.
    from pelican_flattr.webhook_receiver import _read_only_reason

    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    error = sqlite3.OperationalError("attempt to write a readonly database")
    assert _read_only_reason(store, error) == (
        "cannot be written: it was read-only to this user as the delivery came "
        "(SQLite: attempt to write a readonly database). Deliveries are stored "
        "again as soon as it can be written, without a restart"
    )


def test_a_store_emptied_while_the_receiver_runs_is_said_to_be_empty(tmp_path):
    # A stray `> store.sqlite3`, or a log rotation's copytruncate, under a
    # running receiver: SQLite reads the -shm left beside it as a lock, and
    # every delivery got 503, logged as a store "locked by another program"
    # that no program held (seen with `pelican-flattr webhook serve`).
    from pelican_flattr.store import EMPTY_FILE, sqlite_problem

    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    locked = sqlite3.OperationalError("database is locked")
    assert sqlite_problem(store, locked).startswith("locked by another program")
    store.write_bytes(b"")
    assert sqlite_problem(store, locked) == f"is {EMPTY_FILE}"


@pytest.mark.parametrize(
    "event",
    [TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y"), f"leak{TOKEN}", TOKEN[:30]],
)
def test_an_event_named_with_a_piece_of_the_token_logs_none_of_it(app, caplog, event):
    # Answered and stored as "***", it was logged with the token replaced
    # only where whole: one character off, 42 of its 43 characters showed.
    caplog.set_level(logging.INFO, logger="pelican_flattr.webhook")
    answer = call_app(app, urlencode({"_event": event}).encode())
    assert answer == ("202 Accepted", {"status": "ignored", "event": "***"})
    line = logged(caplog)[-1]
    assert " 202 *** " in line, line
    assert TOKEN[:8].lower() not in line.lower() and TOKEN[-8:].lower() not in line


def test_a_delivery_that_failed_unexpectedly_logs_its_event(app, caplog, monkeypatch):
    from pelican_flattr import webhook_receiver

    def fails(*args):
        raise RuntimeError("no")

    monkeypatch.setattr(webhook_receiver, "store_pending_click", fails)
    body = urlencode(PENDING).encode()
    assert call_app(app, body) == (
        "500 Internal Server Error",
        {"error": "internal error; retry later"},
    )
    assert " 500 pendingclickcreate " in logged(caplog)[-1]


# What a pendingclickcreate's line names of the flattr it told of: PENDING's.
NAMED = 'thing_id="1001" thing_clicks_total="3" thing_owner_id="twitter:user:id:783214"'


def lost(app, caplog, monkeypatch, how: str) -> str:
    """Deliver PENDING so that it is lost ``how``; the status answered."""
    body = urlencode(PENDING).encode()
    if how == "503":
        with sqlite_file(app.store_path) as connection:
            connection.execute("PRAGMA user_version = 99")
    if how == "500":
        from pelican_flattr import webhook_receiver

        def fails(*args):
            raise RuntimeError("no")

        monkeypatch.setattr(webhook_receiver, "store_pending_click", fails)
    if how == "400":
        body = urlencode(dict(PENDING, claim_url="")).encode()
    return call_app(app, body)[0]


@pytest.mark.parametrize(
    ("how", "level"), [("400", "WARNING"), ("500", "ERROR"), ("503", "ERROR")]
)
def test_a_lost_delivery_logs_which_flattr_it_told_of(
    app, caplog, monkeypatch, how, level
):
    # Logged as "503 pendingclickcreate 10018.6ms" alone: nothing told
    # Flattr or the author which flattr was lost, and Flattr may never send
    # it again. A refusal is a warning, a failure an error, as the levels
    # a log reader filters on say.
    assert lost(app, caplog, monkeypatch, how).startswith(how)
    last = caplog.records[-1]
    assert f" {how} pendingclickcreate {NAMED} " in last.getMessage()
    assert last.levelname == level


def test_a_refused_delivery_names_only_the_fields_that_passed_their_check(app, caplog):
    # A total refused is not named, nor an owner holding an address, which
    # the log must never show.
    body = dict(PENDING, thing_clicks_total="many", thing_owner_id="carol@example.org")
    assert call_app(app, urlencode(body).encode())[0] == "400 Bad Request"
    line = logged(caplog)[-1]
    assert ' 400 pendingclickcreate thing_id="1001" ' in line
    assert "thing_clicks_total=" not in line and "thing_owner_id=" not in line
    assert "carol" not in line
    # A field repeated with another value is not known either.
    body = urlencode(PENDING).encode() + b"&thing_id=again"
    assert call_app(app, body)[0] == "400 Bad Request"
    assert ' 400 pendingclickcreate thing_clicks_total="3" ' in logged(caplog)[-1]


def test_a_delivery_refused_for_its_charset_logs_its_event_and_flattr(app, caplog):
    # Logged "415 -", a real delivery looked like a scanner's.
    body = urlencode(PENDING).encode() + b"&flattrer_username=J%E9r%F4me"
    status, answer = call_app(
        app, body, content_type="application/x-www-form-urlencoded; charset=latin1"
    )
    assert status == "415 Unsupported Media Type"
    line = logged(caplog)[-1]
    assert f" 415 pendingclickcreate {NAMED} " in line
    assert line.endswith(f"ms: {answer['error']}")
    assert caplog.records[-1].levelname == "WARNING"


def test_probes_and_deliveries_answered_are_logged_as_information(app, caplog):
    # A warning for every scanner's 404 would bury the lost deliveries.
    assert delivered_to(app, "1001")[:3] == "200"
    call_app(app, b"_event=x", path="/wp-login.php")
    call_app(app, b"_event=thingclaimed")
    assert [r.levelname for r in caplog.records] == ["INFO"] * 3
    assert f"200 pendingclickcreate stored {NAMED} " in logged(caplog)[0]


def test_a_duplicate_that_differs_from_the_stored_event_is_a_warning(app, caplog):
    # Logged "duplicate" as a harmless retry, a delivery with another owner
    # or claim URL (anyone holding the token may send the first) left no
    # trace of what Flattr sent.
    first = call_app(app, urlencode(PENDING).encode())
    retry = call_app(app, urlencode(PENDING).encode())
    other = dict(
        PENDING,
        thing_owner_id="partner:comm:1",
        claim_url="https://flattr.com/claim/other",
    )
    conflict = call_app(app, urlencode(other).encode())
    assert first == ("200 OK", {"status": "stored"})
    # The answer a repeat gets: Flattr documented none other, and one it
    # took for a failure it might send again and again.
    assert retry == conflict == ("200 OK", {"status": "duplicate"})
    retried, differs = caplog.records[-2:]
    assert retried.levelname == "INFO" and "differs" not in retried.getMessage()
    assert differs.levelname == "WARNING"
    assert (
        " 200 pendingclickcreate duplicate (differs: thing_owner_id, claim_url) "
        'thing_id="1001" thing_clicks_total="3" thing_owner_id="partner:comm:1" '
    ) in differs.getMessage()
    with sqlite_file(app.store_path) as connection:
        kept = connection.execute(
            "SELECT thing_owner_id, claim_url FROM pending_flattrs"
        ).fetchall()
    assert kept == [(PENDING["thing_owner_id"], PENDING["claim_url"])]


def test_serve_logs_each_line_with_its_level_and_utc_time(tmp_path, monkeypatch):
    # Local time without an offset did not match the store's UTC times, and
    # without a level no log reader could tell a lost delivery from one
    # stored. Kathmandu is never at UTC's time.
    monkeypatch.setenv("TZ", "Asia/Kathmandu")
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    try:
        assert httpx.post(server.url, content=urlencode(PENDING), headers=FORM)
        refused = dict(PENDING, claim_url="")
        httpx.post(server.url, content=urlencode(refused), headers=FORM)
        log = log_lines_with(server, " 400 pendingclickcreate ", 1)
    finally:
        assert server.stop() == 0
    stamp = r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{3}Z"
    stored = re.search(rf"^{stamp} INFO POST /hooks/\*\*\* 200 ", log, re.M)
    assert stored, log
    assert re.search(rf"^{stamp} WARNING POST /hooks/\*\*\* 400 ", log, re.M), log
    logged_at = datetime.strptime(stored[1], "%Y-%m-%dT%H:%M:%S")
    with sqlite_file(server.store) as connection:
        [[received_at]] = connection.execute("SELECT received_at FROM pending_flattrs")
    received = datetime.strptime(received_at, "%Y-%m-%dT%H:%M:%SZ")
    assert abs((logged_at - received).total_seconds()) < 5


def test_serve_under_systemd_gives_journald_each_lines_priority(tmp_path, monkeypatch):
    # Each line journald reads from a service's stderr is "info" unless it
    # starts with a syslog priority: `journalctl -p err` showed nothing
    # while every delivery got 503.
    log = tmp_path / "log"
    log.touch()
    found = log.stat()
    # As systemd sets it: the device and inode of the stream it gave.
    monkeypatch.setenv("JOURNAL_STREAM", f"{found.st_dev}:{found.st_ino}")
    store = tmp_path / "s.db"
    store.touch()  # an empty file, which serve warns of
    server = ReceiverProcess(store, log).start()
    try:
        httpx.post(server.url, content=urlencode(PENDING), headers=FORM)
        refused = dict(PENDING, claim_url="")
        httpx.post(server.url, content=urlencode(refused), headers=FORM)
        log_lines_with(server, " 400 pendingclickcreate ", 1)
    finally:
        assert server.stop() == 0
    text = server.text()
    assert re.search(r"^<6>\S+ INFO POST /hooks/\*\*\* 200 ", text, re.M), text
    assert re.search(r"^<4>\S+ WARNING POST /hooks/\*\*\* 400 ", text, re.M), text
    # serve's own lines too, which were "info" whatever they said: a
    # warning of an empty store, or of deliveries dropped as it stopped.
    assert re.search(
        rf"^<4>\S+Z WARNING pelican-flattr webhook: store {store} was an empty file",
        text,
        re.M,
    ), text
    assert re.search(r"^<6>\S+Z INFO pelican-flattr webhook: stopped$", text, re.M)
    assert all(re.match(r"<[0-7]>", line) for line in text.splitlines()), text


def test_serve_that_will_not_start_under_systemd_says_so_as_an_error(tmp_path):
    # Its usage errors went to journald as "info": `journalctl -p err`
    # showed nothing of a receiver that never started.
    log = tmp_path / "log"
    log.touch()
    found = log.stat()
    env = child_env(JOURNAL_STREAM=f"{found.st_dev}:{found.st_ino}")
    env.pop("FLATTR_WEBHOOK_TOKEN", None)
    serve = [sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve"]
    for arguments in (["--port", "0"], ["--port", "0", "--colour"]):
        with log.open("w") as stderr:
            done = subprocess.run(
                serve + arguments, env=env, stderr=stderr, timeout=30, cwd=tmp_path
            )
        assert done.returncode == 2
        text = log.read_text()
        lines = text.splitlines()
        assert lines and all(line.startswith("<3>") for line in lines), text
    assert (
        "pelican-flattr webhook serve: error: unrecognized arguments: --colour" in text
    )
    # Elsewhere, as it was.
    del env["JOURNAL_STREAM"]
    with log.open("w") as stderr:
        subprocess.run(serve, env=env, stderr=stderr, timeout=30, cwd=tmp_path)
    assert log.read_text().startswith("pelican-flattr: a web hook token"), (
        log.read_text()
    )


LATIN_1 = "application/x-www-form-urlencoded; charset=latin1"
# A byte latin-1 reads otherwise than UTF-8: its body is refused with 415.
NOT_UTF_8 = b"&flattrer_username=J%E9r%F4me"


def test_the_event_is_logged_as_the_receiver_tells_events_apart(app, caplog):
    # Logged as sent, "400 PendingClickCreate" and "415  pendingclickcreate"
    # escaped the grep of "What to watch", which looks for the name.
    broken = b"_event=PendingClickCreate&thing_id=%ZZ"
    padded = urlencode(dict(PENDING, _event=" pendingclickcreate")).encode()
    assert call_app(app, broken)[0] == "400 Bad Request"
    assert call_app(app, padded + NOT_UTF_8, content_type=LATIN_1)[0].startswith("415")
    assert call_app(app, b"_event=%20ThingClaimed%20")[0] == "202 Accepted"
    shown = [line.split(" ")[2:4] for line in logged(caplog)]
    assert shown == [
        ["400", "pendingclickcreate"],
        ["415", "pendingclickcreate"],
        ["202", "thingclaimed"],
    ]


def watched(line: str) -> bool:
    """Whether the grep of docs/webhooks.md's "What to watch" prints ``line``."""
    doc = (Path(__file__).parents[1] / "docs" / "webhooks.md").read_text()
    watch = doc.split("### What to watch", 1)[1]
    pattern = re.search(r"grep -E '([^']+)'", watch)[1]
    return re.search(pattern, line) is not None


def test_what_to_watch_finds_each_delivery_lost_or_disputed(app, caplog):
    # A pendingclickcreate refused for its charset (415) was never found.
    lost = [
        b"_event=PendingClickCreate&thing_id=%ZZ",
        urlencode(dict(PENDING, claim_url="")).encode(),
        urlencode(dict(PENDING, _event=" pendingclickcreate")).encode() + NOT_UTF_8,
    ]
    for body in lost:
        call_app(
            app,
            body,
            content_type=LATIN_1 if NOT_UTF_8 in body else FORM["Content-Type"],
        )
    call_app(app, urlencode(PENDING).encode())
    call_app(
        app, urlencode(dict(PENDING, claim_url=PENDING["claim_url"] + "/x")).encode()
    )
    call_app(app, b"_event=x", path="/wp-login.php")
    lines = logged(caplog)
    assert [watched(line) for line in lines] == [True] * 3 + [False, True, False], lines


def test_no_value_can_forge_another_field_of_its_log_line(app, caplog):
    # Quoted as repr quotes, a thing_id with quotes and spaces logged a
    # forged owner that a reader's regular expression found first.
    forged = [
        "x' thing_clicks_total=99 thing_owner_id='twitter:user:id:1",
        'x" thing_clicks_total="99" thing_owner_id="twitter:user:id:1',
    ]
    for thing_id in forged:
        assert delivered_to(app, thing_id) == "200 OK"
        line = logged(caplog)[-1]
        # Each value a JSON string: name="..." starts only a field.
        fields = re.findall(r' (\w+)="((?:[^"\\]|\\.)*)"', line)
        assert [(name, json.loads(f'"{value}"')) for name, value in fields] == [
            ("thing_id", thing_id),
            ("thing_clicks_total", "3"),
            ("thing_owner_id", PENDING["thing_owner_id"]),
        ], line
        assert (
            re.search('thing_owner_id="([^"]*)"', line)[1] == "twitter:user:id:783214"
        )
        assert re.search('thing_clicks_total="([^"]*)"', line)[1] == "3"


def test_no_event_can_forge_a_field_of_its_log_line(app, caplog):
    # Logged bare, an event holding name="..." put a forged thing_id and
    # owner on the line of a 202, where a reader's regular expression found
    # them. Flattr's names stay bare, for the greps of "What to watch".
    forged = 'ThingClaimed thing_id="1001" thing_owner_id="twitter:user:id:1"'
    for event in (forged, "-", "x carol.chen@example.org", "ThingClaimed"):
        assert call_app(app, urlencode({"_event": event}).encode())[0] == "202 Accepted"
    lines = logged(caplog)
    assert [re.findall(r' (\w+)="', line) for line in lines] == [[]] * 4, lines
    shown = [line.split(" ", 3)[3].rsplit(" ", 1)[0] for line in lines]
    assert shown == [
        json.dumps(forged.lower()),
        '"-"',  # "-" is no event's
        '"x [address]"',
        "thingclaimed",
    ], lines


def test_an_unknown_event_is_answered_and_stored_as_sent_and_logged_as_told_apart(
    app, caplog
):
    # docs/webhooks.md's example: it said the answer showed the event "as the
    # log shows it", which lower-cases and quotes it, though neither the
    # answer nor the store does.
    status, answer = call_app(app, b"_event=%20Thing%22Claimed%20")
    assert (status, answer) == (
        "202 Accepted",
        {"status": "ignored", "event": 'Thing"Claimed'},
    )
    assert ' 202 "thing\\"claimed" ' in logged(caplog)[-1]
    with sqlite_file(app.store_path) as connection:
        stored = connection.execute("SELECT event FROM ignored_events").fetchall()
    assert stored == [('Thing"Claimed',)]


def test_a_body_refused_for_its_charset_is_named_as_that_charset_reads_it(app, caplog):
    # Read as UTF-8 alone: in UTF-7, "alice+AEA-example.com" is an address,
    # which the line showed; and an event repeated with another name, which
    # a body in UTF-8 has refused as "400 -", was logged a pendingclickcreate.
    utf_7 = "application/x-www-form-urlencoded; charset=utf-7"
    hidden = urlencode(dict(PENDING, thing_id="alice+AEA-example.com")).encode()
    assert call_app(app, hidden, content_type=utf_7)[0].startswith("415")
    line = logged(caplog)[-1]
    assert "alice" not in line and "thing_id" not in line
    assert ' 415 pendingclickcreate thing_clicks_total="3" thing_owner_id=' in line
    disputed = urlencode(PENDING).encode() + b"&_event=subscriptioncreate"
    assert call_app(app, disputed)[0] == "400 Bad Request"
    assert call_app(app, disputed + NOT_UTF_8, content_type=LATIN_1)[0].startswith(
        "415"
    )
    assert [line.split(" ")[2:4] for line in logged(caplog)[-2:]] == [
        ["400", "-"],
        ["415", "-"],
    ]
    assert caplog.records[-1].levelname == "INFO"


def test_a_delivery_that_names_another_owner_of_its_thing_is_a_warning(app, caplog):
    # Stored as any other, it was logged "stored" at INFO: the thing then
    # counted under both owners in pending, its flattrs twice.
    # Said at each change of owner, not with every flattr after one.
    owners = ["twitter:user:id:783214", "partner:comm:1", "partner:comm:1"]
    owners += ["twitter:user:id:783214", "twitter:user:id:783214"]
    for total, owner in enumerate(owners, 3):
        delivery = dict(PENDING, thing_owner_id=owner, thing_clicks_total=str(total))
        assert call_app(app, urlencode(delivery).encode()) == (
            "200 OK",
            {"status": "stored"},
        )
    records = caplog.records[-5:]
    levels = [record.levelname for record in records]
    assert levels == ["INFO", "WARNING", "INFO", "WARNING", "INFO"]
    assert (
        " 200 pendingclickcreate stored (an owner other than its thing's until "
        "now: pending counts the thing under the owner of "
        "its highest total) "
    ) in records[1].getMessage()


def test_a_repeat_of_a_delivery_whose_claim_url_was_edited_to_bytes_is_answered(
    app, caplog
):
    # A store edited by hand (CAST AS BLOB) made the repeat a 500.
    call_app(app, urlencode(PENDING).encode())
    with sqlite_file(app.store_path) as connection:
        connection.execute(
            "UPDATE pending_flattrs SET claim_url = CAST(claim_url AS BLOB)"
        )
    repeat = call_app(app, urlencode(PENDING).encode())
    assert repeat == ("200 OK", {"status": "duplicate"})
    assert "duplicate (differs: claim_url)" in logged(caplog)[-1]


def test_a_duplicate_whose_claim_url_host_differs_in_case_alone_is_a_retry(app, caplog):
    # Scheme and host are read in any case (RFC 3986): the same claim URL,
    # warned of as another. An owner is compared as stored: an email hash
    # in capitals is stored in small letters.
    email = dict(PENDING, thing_owner_id="email:" + "a" * 32)
    assert call_app(app, urlencode(email).encode())[1] == {"status": "stored"}
    again = dict(
        email,
        claim_url="HTTPS://FLATTR.Com/claim/thing/1001",
        thing_owner_id="EMAIL:" + "A" * 32,
    )
    assert call_app(app, urlencode(again).encode())[1] == {"status": "duplicate"}
    assert caplog.records[-1].levelname == "INFO", logged(caplog)
    # A path in another case is another URL.
    other = dict(email, claim_url="https://flattr.com/claim/THING/1001")
    call_app(app, urlencode(other).encode())
    assert "duplicate (differs: claim_url)" in logged(caplog)[-1]


@pytest.mark.parametrize("written", [":443", ":0443", ":"])
def test_a_duplicate_whose_claim_url_writes_the_default_port_is_a_retry(
    app, caplog, written
):
    # https://flattr.com:443/claim/... is the URL without the port (RFC
    # 3986, 6.2.3), and was warned of as another.
    assert call_app(app, urlencode(PENDING).encode())[1] == {"status": "stored"}
    host = "https://flattr.com"
    again = dict(PENDING, claim_url=PENDING["claim_url"].replace(host, host + written))
    assert again != PENDING
    assert call_app(app, urlencode(again).encode())[1] == {"status": "duplicate"}
    assert caplog.records[-1].levelname == "INFO", logged(caplog)
    # Another port is another URL.
    other = dict(PENDING, claim_url=PENDING["claim_url"].replace(host, host + ":8443"))
    call_app(app, urlencode(other).encode())
    assert "duplicate (differs: claim_url)" in logged(caplog)[-1]


# A database whose PRAGMA user_version another program set, with no table:
# above this release's schema it was taken for a newer store ("upgrade
# pelican-flattr", which would not help), at or below it for a damaged one.
VERSIONED_WITHOUT_TABLES = (
    "is an SQLite database of another program, not a pelican-flattr store (its "
    "PRAGMA user_version is {version}, but it holds no table); name the store's "
    "file, or move this one away"
)
NOT_STORES_HERE = {
    **NOT_STORES,
    **{
        f"no table, version {version}": (
            f"PRAGMA user_version = {version};",
            VERSIONED_WITHOUT_TABLES.format(version=version),
        )
        for version in (SCHEMA_VERSION, SCHEMA_VERSION + 2, -1)
    },
    # A view is another program's as a table is: taken for an empty file,
    # the database got this program's tables.
    "another program's, a view alone": (
        "CREATE VIEW totals AS SELECT 1;",
        FOREIGN.replace("bookmarks", "totals"),
    ),
    # SQLite's own tables (sqlite_sequence, of AUTOINCREMENT) are no
    # program's; a name that only starts alike (sqlitebrowser_, of DB
    # Browser for SQLite) is another program's, not a new store's.
    "another program's, with AUTOINCREMENT": (
        "CREATE TABLE bookmarks (id INTEGER PRIMARY KEY AUTOINCREMENT);",
        FOREIGN,
    ),
    "another program's, named like SQLite's own": (
        "CREATE TABLE sqlitebrowser_data (url TEXT);",
        FOREIGN.replace("bookmarks", "sqlitebrowser_data"),
    ),
    # Its version 0 has none of this program's tables: one named as one of
    # them is the other program's by chance, and only its own are named.
    "another program's, with one table named as ours": (
        "CREATE TABLE bookmarks (url TEXT); CREATE TABLE ignored_events (id INTEGER);",
        FOREIGN,
    ),
    # A name is shown without the address it holds, and cut.
    "another program's, a table named by an address": (
        'CREATE TABLE "contacts of alice@example.org" (id INTEGER);',
        FOREIGN.replace("'bookmarks'", "'contacts of [address]'"),
    ),
    "another program's, a long table name": (
        f"CREATE TABLE {'a' * 60} (id INTEGER);",
        FOREIGN.replace("'bookmarks'", repr("a" * 60)[:40]),
    ),
}


@pytest.mark.parametrize("kind", NOT_STORES_HERE)
def test_serve_refuses_a_database_that_is_no_store_of_its_own(tmp_path, kind):
    # Another program's database got pelican-flattr's tables added to it;
    # one versioned without them made the receiver listen and answer 503
    # to everything ("no such table"); tables at version 0 ended serve
    # with SQLite's "table pending_flattrs already exists". Refused, it was
    # left in WAL mode: its header changed for good.
    sql, says = NOT_STORES_HERE[kind]
    store = tmp_path / "store.sqlite3"
    before = make_database(store, sql)
    original = store.read_bytes()
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
        "--port", "0", "--store", str(store),
    ]  # fmt: skip
    env = child_env(FLATTR_WEBHOOK_TOKEN=TOKEN)
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"pelican-flattr: store {store}: {says}\n"
    assert store.read_bytes() == original
    assert sorted(tmp_path.iterdir()) == [store]
    assert tables_of(store) == before


def test_serve_closes_a_connection_that_sends_nothing_after_30_seconds(
    tmp_path, monkeypatch
):
    # With waitress's 120 s (and a look every 30 s), 100 connections that
    # never finish a body held its whole connection_limit, and deliveries
    # timed out. The server serve builds is asked, not a slow client.
    import waitress

    built = []

    def create_server(*args, **options):
        built.append(real_create_server(*args, **options))
        return built[-1]

    real_create_server = waitress.create_server
    monkeypatch.setattr(waitress, "create_server", create_server)
    serve_stops_at_once(monkeypatch)
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    store = str(tmp_path / "s.db")
    assert main(["webhook", "serve", "--store", store, "--port", "0"]) == 0
    (server,) = built
    assert (server.adj.channel_timeout, server.adj.cleanup_interval) == (30, 10)


def test_a_store_made_by_another_program_as_one_opens_is_opened(tmp_path, monkeypatch):
    # Found missing, then made by another program (a receiver thread, verify)
    # before the open looked for a moved store's journal: that journal is
    # the new store's own, beside it, and the open must take the store.
    import pelican_flattr.store as store_module

    store = tmp_path / "store.sqlite3"
    looked = store_module.existing_store
    others: list[sqlite3.Connection] = []

    def made_meanwhile(path):
        found = looked(path)
        if not found and not others:
            others.append(None)  # its own open looks too: make it once
            others[0] = open_store(path)
            with write_transaction(others[0]):
                others[0].execute(
                    "INSERT INTO verified_identities VALUES "
                    "('partner:ns:1', 'alice', '2024-01-01T00:00:00+00:00')"
                )
        return found

    monkeypatch.setattr(store_module, "existing_store", made_meanwhile)
    try:
        with contextlib.closing(open_store(store)) as connection:
            found = connection.execute("SELECT identity FROM verified_identities")
            assert found.fetchall() == [("partner:ns:1",)]
    finally:
        for other in others:
            other.close()


def test_a_new_store_in_a_folder_it_may_not_write_says_why(tmp_path):
    # The folder's own words (Permission denied) say what to fix.
    folder = tmp_path / "private"
    folder.mkdir()
    with read_only(folder), pytest.raises(StoreError) as refused:
        open_store(folder / "store.sqlite3")
    reason = refused.value.reason
    assert reason.startswith(f"cannot be created: the folder {folder} cannot be ")
    assert re.fullmatch(
        r".* cannot be written \((Permission denied|Operation not permitted)\)", reason
    ), reason


@pytest.mark.parametrize("name_bytes", [237, 246, 251])
def test_a_store_whose_name_leaves_room_for_its_journal_is_made(tmp_path, name_bytes):
    # Its temporary file, two dots and mkstemp's eight characters longer,
    # had SQLite's -journal beside it: from 238 bytes on, "this user may
    # not read it", or the folder "cannot be written". "é" is two bytes:
    # 246 is cut within one.
    name = "é" * (name_bytes // 2) + "s" * (name_bytes % 2)
    assert len(name.encode()) == name_bytes
    store = tmp_path / name
    with (
        contextlib.closing(open_store(store)) as connection,
        write_transaction(connection),
    ):
        connection.execute(
            "INSERT INTO verified_identities VALUES ('a', 'alice', 'now')"
        )
    with contextlib.closing(open_store(store)) as connection:
        found = connection.execute("SELECT identity FROM verified_identities")
        assert found.fetchall() == [("a",)]
    # Nothing but the store and its journal is left beside it.
    assert {p.name for p in tmp_path.iterdir()} <= {name, name + "-wal", name + "-shm"}


def test_a_store_whose_journal_name_would_be_too_long_is_refused_saying_so(
    tmp_path,
):
    # SQLite said "unable to open database file", read as a matter of
    # rights; a -wal left beside it raised OSError: File name too long.
    from pelican_flattr.store import check_can_be_made

    store = tmp_path / ("s" * 252)
    for check in (open_store, check_can_be_made):
        with pytest.raises(StoreError) as refused:
            check(store)
        assert refused.value.reason == (
            "its file name is 252 bytes long, and SQLite keeps its journal "
            "beside it under a name 4 bytes longer (-wal and -shm), where a file "
            "name may have at most 255 bytes: choose a name of at most 251 bytes"
        )
    assert list(tmp_path.iterdir()) == []


def test_a_store_s_name_is_measured_where_sqlite_keeps_its_journal(tmp_path):
    # Behind a link, SQLite keeps the -wal beside the file the link names:
    # a long link to a short name was refused, a short one to a long name
    # let through to "unable to open database file".
    short = tmp_path / "short.sqlite3"
    open_store(short).close()
    long_link = tmp_path / ("l" * 254)
    long_link.symlink_to(short)
    open_store(long_link).close()
    long_name = tmp_path / ("s" * 253)
    short_link = tmp_path / "link.sqlite3"
    short_link.symlink_to(long_name)
    with pytest.raises(StoreError) as refused:
        open_store(short_link)
    assert refused.value.reason.startswith("its file name is 253 bytes long")


def test_each_commit_to_the_store_is_durable_against_power_loss(tmp_path):
    # A delivery answered "stored" must be on disk: WAL's default NORMAL
    # loses the last commits when the machine, not the process, stops.
    store = tmp_path / "store.sqlite3"
    for _ in ("made", "opened again"):
        with contextlib.closing(open_store(store)) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            full = 2
            assert connection.execute("PRAGMA synchronous").fetchone()[0] == full


def test_an_error_unrelated_to_rights_is_said_as_sqlite_says_it(tmp_path):
    # A read-only store whose lock another program holds is locked, not
    # read-only: told to let the user write the file, the operator looked
    # for the wrong cause.
    from pelican_flattr.store import sqlite_problem

    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    with read_only(store):
        said = sqlite_problem(store, sqlite3.OperationalError("disk I/O error"))
        locked = sqlite_problem(store, sqlite3.OperationalError("database is locked"))
    assert said == "disk I/O error"
    # Said as what it is, with SQLite's words, and nothing of rights.
    assert locked.startswith("locked by another program for 10 s (SQLite: database")
    assert "read-only" not in locked and "write" not in locked


# (what is sent: body, content type, path; the refusal's status)
REFUSED = {
    "an owner of an unsupported scheme": (
        urlencode(dict(PENDING, thing_owner_id="facebook:user:id:1")).encode(),
        "application/x-www-form-urlencoded",
        f"/hooks/{TOKEN}",
        "400 Bad Request",
    ),
    "no thing_id": (
        urlencode({k: v for k, v in PENDING.items() if k != "thing_id"}).encode(),
        "application/x-www-form-urlencoded",
        f"/hooks/{TOKEN}",
        "400 Bad Request",
    ),
    "a body in UTF-16": (
        urlencode(PENDING).encode(),
        "application/x-www-form-urlencoded; charset=utf-16",
        f"/hooks/{TOKEN}",
        "415 Unsupported Media Type",
    ),
    "JSON": (b'{"_event": "x"}', "application/json", f"/hooks/{TOKEN}", "415 "),
    "another path": (b"_event=x", "application/x-www-form-urlencoded", "/", "404 "),
    "a name holding an address, with a broken escape": (
        b"_event=x&carol%40example.org=%",
        "application/x-www-form-urlencoded",
        f"/hooks/{TOKEN}",
        "400 Bad Request",
    ),
}


@pytest.mark.parametrize(
    ("body", "content_type", "path", "status"), REFUSED.values(), ids=REFUSED
)
def test_a_refusal_logs_what_its_answer_says(
    app, caplog, body, content_type, path, status
):
    # Logged as "400 pendingclickcreate 0.1ms" alone, a delivery of
    # Flattr's that the checks wrongly refuse was lost without a trace.
    said, answer = call_app(app, body, path=path, content_type=content_type)
    assert said.startswith(status)
    line = logged(caplog)[-1]
    field = f" (field {answer['field']})" if "field" in answer else ""
    assert line.endswith(f"ms: {answer['error']}{field}"), line
    assert "carol" not in line and len(logged(caplog)) == 1


def test_a_refusal_logged_is_one_line_cut_as_long_values_are(app, caplog):
    # A name of zero-width spaces: 50 of them, repeated in the answer as
    # escapes, make the longest message there is.
    name = "\u200b" * 60
    body = f"_event=x&{name}=%".encode().replace(
        name.encode(), urlencode({"n": name})[2:].encode()
    )
    said, answer = call_app(app, body)
    assert said.startswith("400") and len(answer["error"]) > 300
    [line] = logged(caplog)
    shown = line.partition("ms: ")[2]
    assert shown.startswith(answer["error"][:300])
    assert shown.endswith(" (field " + "\\u200b" * 50 + ")")
    assert len(shown) == 300 + len(" (field )") + 6 * 50
    assert "\u200b" not in line and "\n" not in line


# (settings, --store or None, what the refusal names)
PUBLISHED_STORES = {
    "FLATTR_STORE in OUTPUT_PATH": (
        "OUTPUT_PATH = 'public'\nFLATTR_STORE = 'public/flattr.sqlite3'\n",
        None,
        "FLATTR_STORE public/flattr.sqlite3 lies in OUTPUT_PATH",
    ),
    "FLATTR_STORE in the default output": (
        "FLATTR_STORE = 'output/flattr.sqlite3'\n",
        None,
        "FLATTR_STORE output/flattr.sqlite3 lies in OUTPUT_PATH",
    ),
    "--store in a static folder of the content": (
        "PATH = 'content'\nSTATIC_PATHS = ['images', 'extra']\n",
        "content/extra/flattr.sqlite3",
        "--store content/extra/flattr.sqlite3 lies in 'extra' of STATIC_PATHS",
    ),
    # i18n_subsites builds each language's site into its own output, which
    # the build checks as it checks the site's.
    "FLATTR_STORE in a language's OUTPUT_PATH": (
        "I18N_SUBSITES = {'de': {'OUTPUT_PATH': 'out-de'}}\n"
        "FLATTR_STORE = 'out-de/flattr.sqlite3'\n",
        None,
        "I18N_SUBSITES['de']: FLATTR_STORE out-de/flattr.sqlite3 lies in OUTPUT_PATH",
    ),
}


@pytest.mark.parametrize(
    ("settings", "option", "named"), PUBLISHED_STORES.values(), ids=PUBLISHED_STORES
)
def test_serve_refuses_a_store_the_build_would_publish_or_delete(
    tmp_path, settings, option, named
):
    # The next build deleted it with the output, or published it, and the
    # receiver went on with a new store: the flattrs stored so far lost.
    for folder in ("public", "output", "out-de", "content/extra", "content/images"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "pelicanconf.py").write_text(settings)
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
        "--settings", "pelicanconf.py", "--port", "0",
        *(["--store", option] if option else []),
    ]  # fmt: skip
    # A process, ended by the timeout should it serve after all.
    refused = subprocess.run(
        command,
        cwd=tmp_path,
        env=dict(os.environ, FLATTR_WEBHOOK_TOKEN=TOKEN),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    err = refused.stderr
    assert err.startswith(f"pelican-flattr: pelicanconf.py: {named}"), err
    assert err.endswith("; the receiver does not start\n") and err.count("\n") == 1
    assert not list(tmp_path.glob("*/**/flattr.sqlite3*"))


def test_serve_takes_a_store_beside_the_output(tmp_path, monkeypatch):
    # The build's own check, not one stricter: "output-backup" is no part
    # of "output", and a content folder missing here reads as none.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "output-backup").mkdir()
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(
        f"PATH = 'not-here'\nFLATTR_WEBHOOK_TOKEN = {TOKEN!r}\n"
        "FLATTR_STORE = 'output-backup/flattr.sqlite3'\n"
    )
    log = tmp_path / "log"
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
        "--settings", str(settings), "--port", "0",
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 20
        while "listening on" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, log.read_text()
    assert f"(a new, empty store made at {tmp_path}/output-backup/flattr.sqlite3)" in (
        log.read_text()
    )


def test_serve_called_by_a_program_gives_its_signals_back(tmp_path):
    # A program that called main(["webhook", "serve", ...]) kept serve's
    # handlers after it stopped: they only set that run's flag, so a later
    # Ctrl-C or SIGHUP in the program did nothing.
    program = f"""
import os, signal, threading, time
from pelican_flattr.cli import main

numbers = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
before = {{n: signal.getsignal(n) for n in numbers}}


def stop_once_serving():
    # Stop it once its handlers are set, as systemd would: not after a
    # fixed second, which a loaded machine can spend starting it.
    deadline = time.monotonic() + 30
    while signal.getsignal(signal.SIGINT) is before[signal.SIGINT]:
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGTERM)


threading.Thread(target=stop_once_serving, daemon=True).start()
store = {str(tmp_path / "s.db")!r}
status = main(["webhook", "serve", "--port", "0", "--store", store])
after = {{n: signal.getsignal(n) for n in before}}
print(status, after == before)
"""
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=child_env(FLATTR_WEBHOOK_TOKEN=TOKEN),
    )
    assert done.stdout.split() == ["0", "True"], done.stdout + done.stderr
