"""Hardening of the web hook receiver: found by review, each a regression test."""

import socket
import sqlite3
from urllib.parse import urlencode

import httpx
import pytest
from webhook_server import PENDING, TOKEN, ReceiverProcess

from pelican_flattr.cli import main, print_table

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening")
    server = ReceiverProcess(root / "store.sqlite3", root / "server.log").start()
    yield server
    assert server.stop() == 0


def rows(receiver):
    with sqlite3.connect(receiver.store) as connection:
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
    post = httpx.post(
        receiver.url, content=urlencode({"_event": "x\nFORGED"}), headers=FORM
    )
    assert post.status_code == 202
    lines = receiver.text().splitlines()
    assert not any(line.startswith("FORGED") for line in lines)
    assert any("GET /\\x0aFORGED" in line for line in lines)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thing_id", "t\x00id"),
        ("thing_id", "t\x1b[2Jid"),
        ("claim_url", "https://flattr.com/claim/\x00x"),
        ("claim_url", "https://flattr.com/claim/\x1b[31mred"),
        ("flattrer_username", "reader\x07"),
        ("flattrer_username", "rea\x85der"),
    ],
)
def test_control_characters_are_refused(receiver, field, value):
    before = rows(receiver)
    answer = httpx.post(
        receiver.url, content=urlencode(dict(PENDING, **{field: value})), headers=FORM
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == field
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


def test_a_body_of_exactly_64_kib_is_accepted(receiver):
    head = urlencode(dict(PENDING, thing_id="boundary")).encode() + b"&padding="
    body = head + b"a" * (64 * 1024 - len(head))
    assert len(body) == 64 * 1024
    answer = httpx.post(receiver.url, content=body, headers=FORM)
    assert answer.status_code == 200 and answer.json() == {"status": "stored"}
    over = httpx.post(receiver.url, content=body + b"a", headers=FORM)
    assert over.status_code == 413


def test_table_cells_are_text_not_markup(capsys):
    print_table("t", ["claim URL"], [["https://x.y/[b]z[/b]"]])
    assert "https://x.y/[b]z[/b]" in capsys.readouterr().out


def test_serve_usage_errors_are_not_tracebacks(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FLATTR_WEBHOOK_TOKEN", TOKEN)
    store = str(tmp_path / "s.db")
    assert main(["webhook", "serve", "--store", store, "--settings", "none.py"]) == 2
    assert "cannot read none.py" in capsys.readouterr().err
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
