"""Many concurrent deliveries, repeats, disorder, and a stop or a SIGKILL mid-load."""

import contextlib
import os
import pty
import random
import re
import select
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest
from webhook_server import PENDING, TOKEN, ReceiverProcess, unstamped

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CLIENTS = 16


def deliveries(unique: int, repeats: int, seed: int) -> list[dict[str, str]]:
    """``unique`` distinct events over 100 things, plus ``repeats`` repeats,
    shuffled so that totals arrive out of order."""
    chooser = random.Random(seed)
    events = [
        dict(
            PENDING,
            thing_id=f"thing-{n % 100}",
            thing_clicks_total=str(n // 100 + 1),
            thing_owner_id=f"partner:load:{n % 100 % 7}",
        )
        for n in range(unique)
    ]
    sent = events + [chooser.choice(events) for _ in range(repeats)]
    chooser.shuffle(sent)
    return sent


def send_all(url, events, stop=None):
    """Send from CLIENTS threads; return [(event, status, answer)], the
    answer being the error's name where none came (None: not sent)."""
    local = threading.local()

    def send(event):
        if stop is not None and stop.is_set():
            return event, None, None
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=20)
        try:
            answer = client.post(url, content=urlencode(event), headers=FORM)
            return event, answer.status_code, answer.json().get("status")
        except httpx.HTTPError as error:
            return event, None, type(error).__name__

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(send, events))


def stored(store):
    with sqlite3.connect(store) as connection:
        return set(
            connection.execute(
                "SELECT thing_id, thing_clicks_total FROM pending_flattrs"
            ).fetchall()
        )


def key(event):
    return event["thing_id"], int(event["thing_clicks_total"])


def test_2000_deliveries_from_16_clients_are_all_accounted_for(tmp_path):
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    events = deliveries(unique=1500, repeats=600, seed=4)
    try:
        results = send_all(server.url, events)
    finally:
        assert server.stop() == 0
    assert len(results) == 2100
    assert all(status == 200 for _, status, _ in results), "every delivery answered"
    outcomes = [outcome for _, _, outcome in results]
    unique = {key(event) for event in events}
    # Each distinct event stored exactly once, every other delivery a repeat.
    assert outcomes.count("stored") == len(unique) == 1500
    assert outcomes.count("duplicate") == 600
    assert stored(server.store) == unique
    # A thing's count is its highest total, whatever the arrival order.
    from pelican_flattr.notice import read_pending_totals

    totals = read_pending_totals(server.store)
    assert sum(t.things for t in totals.values()) == 100
    assert sum(t.flattrs for t in totals.values()) == sum(
        max(c for t, c in unique if t == thing) for thing in {t for t, _ in unique}
    )


def test_sigkill_mid_load_loses_nothing_that_was_answered(tmp_path):
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    events = deliveries(unique=3000, repeats=0, seed=9)
    stop = threading.Event()
    results = []

    def load():
        results.extend(send_all(server.url, events, stop))

    sender = threading.Thread(target=load)
    sender.start()
    deadline = time.monotonic() + 30
    # A delivery is stored before it is answered: at the kill, each client
    # may have one stored and never answered.
    while len(stored(server.store)) < 300 + CLIENTS and time.monotonic() < deadline:
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    stop.set()
    sender.join(timeout=60)
    answered = {key(e) for e, status, _ in results if status == 200}
    assert 300 <= len(answered) < 3000, "the kill came mid-load"
    restarted = ReceiverProcess(server.store, tmp_path / "log2").start()
    try:
        assert answered <= stored(server.store)
        again = httpx.post(
            restarted.url, content=urlencode(events[0]), headers=FORM, timeout=20
        )
        assert again.status_code == 200
    finally:
        assert restarted.stop() == 0


def test_waitress_warns_of_a_queue_once_a_minute_not_once_a_request(tmp_path):
    # It warned of every request that waited for a thread, before the token
    # is checked: 16 clients on 8 threads doubled the log, and anyone could.
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log", threads=1).start()
    try:
        results = send_all(server.url, deliveries(unique=400, repeats=0, seed=5))
    finally:
        assert server.stop() == 0
    assert [status for _, status, _ in results] == [200] * 400
    log = server.text()
    assert log.count("POST /hooks/*** 200 pendingclickcreate") == 400
    warning, held = [line for line in log.splitlines() if "Task queue depth" in line]
    assert warning.endswith(
        ": every server thread (--threads 1) is busy and requests wait; raise "
        "--threads if this lasts (said at most once every 60 s)"
    ), warning
    # A burst shorter than a minute showed its first, shallowest queue
    # alone: what was held back is said at the stop.
    summary = re.fullmatch(
        r".* Task queue depth: ([0-9,]+) more such warnings held back since the "
        r"last line, the deepest ([0-9]+): every server thread \(--threads 1\) "
        r"was busy and requests waited; raise --threads if this recurs",
        held,
    )
    assert summary, held
    said = re.search(r"Task queue depth is ([0-9]+)", warning)
    assert said and int(summary[2]) >= int(said[1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_mid_load_answers_every_request_it_received(tmp_path, sig):
    # waitress's own stop dropped the requests queued for a thread
    # ("Canceling 5 pending task(s)"): whole deliveries got a reset, and no
    # line said so. Two threads for 16 clients: requests wait in a queue.
    # SIGHUP (kill -HUP, as a log rotation sends) ended the receiver at
    # once, with no stop at all.
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log", threads=2).start()
    events = deliveries(unique=3000, repeats=0, seed=11)
    stop = threading.Event()
    results = []
    sender = threading.Thread(
        target=lambda: results.extend(send_all(server.url, events, stop))
    )
    sender.start()
    deadline = time.monotonic() + 30
    while len(stored(server.store)) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stop(sig) == 0
    stop.set()
    sender.join(timeout=60)
    answered = [e for e, status, _ in results if status == 200]
    assert 300 <= len(answered) < 3000, "the stop came mid-load"
    # Each request either answered, or refused at the connection: as it
    # tried to connect, or sent on a connection closed after its last answer
    # (a client may send its next on it just then, as with any server
    # closing an idle connection): never received, so never stored.
    closed = {"ReadError", "RemoteProtocolError"}  # a reset, or no answer
    refused = Counter(error for _, status, error in results if status is None)
    assert set(refused) <= {"ConnectError", *closed, None}, refused
    assert sum(refused[error] for error in closed) <= CLIENTS, refused
    unanswered = {key(e) for e, status, error in results if error in closed}
    assert not unanswered & stored(server.store)
    assert {key(event) for event in answered} == stored(server.store)
    log = server.text()
    assert log.count("POST /hooks/*** 200 pendingclickcreate") == len(answered)
    assert "Canceling" not in log and "Traceback" not in log
    assert log.rstrip().endswith("pelican-flattr webhook: stopped")


def wait_for(server, text, timeout=20):
    """Wait until the receiver's log holds ``text``."""
    deadline = time.monotonic() + timeout
    while text not in server.text():
        assert time.monotonic() < deadline, server.text()
        time.sleep(0.05)


def raw_delivery(thing: str) -> bytes:
    body = urlencode(dict(PENDING, thing_id=thing)).encode()
    head = (
        f"POST /hooks/{TOKEN} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: {FORM['Content-Type']}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def test_a_blank_line_after_a_delivery_does_not_hold_up_a_stop(tmp_path):
    # A keep-alive client's stray CRLF after a request (RFC 9112: ignored)
    # began a request in waitress, which the stop waited for: 15 s, each time.
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(raw_delivery("blank-after") + b"\r\n")
        assert conn.recv(4096).startswith(b"HTTP/1.1 200 ")
        time.sleep(0.2)  # the CRLF read too
        began = time.monotonic()
        assert server.stop() == 0
    assert time.monotonic() - began < 5, server.text()
    log = server.text()
    assert "webhook: stopping: waiting for 0 requests received or partly " in log
    assert "dropped" not in log


def test_a_second_signal_drops_a_partly_received_delivery_and_says_so(tmp_path):
    # The stop said only "stopped": not what it waited for, nor what it
    # dropped.
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(raw_delivery("half")[:-20])
        time.sleep(0.2)
        server.process.send_signal(signal.SIGTERM)
        wait_for(server, "stopping: ")
        assert server.stop() == 0
        assert conn.recv(4096) == b"", "no answer: the connection closed"
    lines = unstamped(server.text()).splitlines()
    assert lines[-3:] == [
        "pelican-flattr webhook: stopping: waiting for 1 request received or "
        "partly received to be answered (at most 15 s; SIGTERM or Ctrl-C again "
        "ends the wait)",
        "pelican-flattr webhook: dropped 1 request partly received when the wait "
        "ended: their clients get no answer",
        "pelican-flattr webhook: stopped",
    ]


@pytest.mark.parametrize("host", ["127.0.0.1", "*"])
def test_a_second_signal_ends_a_stop_at_once_on_every_address(tmp_path, host):
    # With several addresses ("*"), waitress's close() stopped the threads
    # a second time, with its own 5 s: a hurried stop of a delivery stuck on
    # the store's lock took 6 s, an unhurried one STOP_GRACE + 6 s.
    server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log", host, threads=1)
    if host == "*":
        server.host = "0.0.0.0"  # the first address it names, reachable here
    server.start()
    lock = sqlite3.connect(server.store, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    url = f"http://127.0.0.1:{server.port}/hooks/{TOKEN}"
    results = []
    event = dict(PENDING, thing_id="stuck")
    stuck = threading.Thread(target=lambda: results.extend(send_all(url, [event])))
    try:
        stuck.start()
        time.sleep(0.5)  # it waits for the lock in the server's thread
        began = time.monotonic()
        server.process.send_signal(signal.SIGINT)
        wait_for(server, "stopping: ")
        assert server.stop(signal.SIGINT) == 0
        assert time.monotonic() - began < 3, server.text()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    stuck.join(timeout=30)
    # Never stored: the lock held it back until the stop dropped it.
    assert [status for _, status, _ in results] == [None]
    assert "stopping: waiting for 1 request received" in server.text()


def test_a_receiver_whose_terminal_closes_answers_what_it_received(tmp_path):
    # Run in a terminal that then closes (an SSH session that ends): SIGHUP
    # ended it at once, and a delivery it had received got no answer. On
    # SIGHUP it now stops as on SIGTERM, and its stop goes on though stderr,
    # the terminal, refuses every line after.
    store = tmp_path / "s.db"
    command = [
        sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
        "--port", "0", "--store", str(store), "--threads", "1",
    ]  # fmt: skip
    env = dict(os.environ, FLATTR_WEBHOOK_TOKEN=TOKEN)
    pid, terminal = pty.fork()
    if pid == 0:  # the receiver, with the terminal as stdout and stderr
        try:
            os.chdir(tmp_path)  # away from the source tree, as -m would use
            os.execve(sys.executable, command, env)
        finally:
            os._exit(127)
    said = b""
    try:
        deadline = time.monotonic() + 20
        while not re.search(rb"listening on http://127.0.0.1:(\d+)/", said):
            assert time.monotonic() < deadline, said
            if select.select([terminal], [], [], 0.2)[0]:
                said += os.read(terminal, 4096)
        port = re.search(rb"listening on http://127.0.0.1:(\d+)/", said)[1].decode()
        url = f"http://127.0.0.1:{port}/hooks/{TOKEN}"
        lock = sqlite3.connect(store, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        event = dict(PENDING, thing_id="hung-up")
        results = []
        stuck = threading.Thread(target=lambda: results.extend(send_all(url, [event])))
        stuck.start()
        time.sleep(0.5)  # it waits for the lock in the server's thread
        os.close(terminal)  # the terminal closes: SIGHUP
        terminal = -1
        time.sleep(0.5)
        lock.execute("ROLLBACK")
        lock.close()
        stuck.join(timeout=30)
        _, status = os.waitpid(pid, 0)
    finally:
        if terminal != -1:
            os.close(terminal)
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [code for _, code, _ in results] == [200]
    assert ("hung-up", 3) in stored(store)


def test_a_receiver_started_under_nohup_goes_on_serving_after_sighup(tmp_path):
    # nohup ignores SIGHUP so that the receiver outlives its terminal: the
    # stop on SIGHUP must not undo that.
    ignored = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup does
    try:
        server = ReceiverProcess(tmp_path / "s.db", tmp_path / "log").start()
    finally:
        signal.signal(signal.SIGHUP, ignored)
    try:
        server.process.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert server.process.poll() is None, server.text()
        event = dict(PENDING, thing_id="after-hangup")
        assert [code for _, code, _ in send_all(server.url, [event])] == [200]
        assert "stopping: " not in server.text()
    finally:
        assert server.stop() == 0


def test_two_receivers_with_different_tokens_share_one_store(tmp_path):
    # How docs/webhooks.md changes the token without losing a delivery: a
    # second receiver with the new token on the same store, both reached,
    # until Flattr calls the new URL; then the old one stops.
    store = tmp_path / "s.db"
    new_token = "n" * 16 + "NEW-token-for-tests-0123456789"
    old = ReceiverProcess(store, tmp_path / "old.log").start()
    new = ReceiverProcess(store, tmp_path / "new.log", token=new_token).start()
    events = deliveries(unique=400, repeats=0, seed=11)
    try:
        # Each event to both, at once: one stores it, the other has it as a
        # repeat, whichever comes first.
        with ThreadPoolExecutor(2) as pool:
            to_old, to_new = pool.map(
                send_all, (old.url, new.url), (events, list(reversed(events)))
            )
        wrong = httpx.post(
            f"{new.base}/hooks/{TOKEN}",
            content=urlencode(events[0]),
            headers=FORM,
            timeout=20,
        )
        assert old.stop() == 0
        late = dict(PENDING, thing_id="after-the-switch")
        after = httpx.post(new.url, content=urlencode(late), headers=FORM, timeout=20)
    finally:
        old.stop()
        assert new.stop() == 0
    assert wrong.status_code == 404, "each receiver answers its own token alone"
    assert after.status_code == 200
    results = to_old + to_new
    assert all(status == 200 for _, status, _ in results)
    outcomes = Counter(outcome for _, _, outcome in results)
    assert outcomes == {"stored": 400, "duplicate": 400}
    assert stored(store) == {key(event) for event in events} | {key(late)}
    from pelican_flattr.notice import read_pending_totals

    totals = read_pending_totals(store)
    assert sum(t.things for t in totals.values()) == 101
