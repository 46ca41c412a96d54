"""The Flattr API client against a real HTTP server on loopback."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qs

import flattr_api_stub
import httpx
import pytest
from conftest import TESTS, child_env
from flattr_api_stub import (
    START,
    TOKEN,
    FakeClock,
    FlattrApiStub,
    KeepAliveResettingServer,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from pelican_flattr import api
from pelican_flattr.api import (
    CouldNotReachFlattr,
    FlattrClient,
    RateLimit,
    RateLimitExceeded,
    RefusedByFlattr,
    local_time,
)
from pelican_flattr.identifiers import IdentifierError, hash_email
from pelican_flattr.proxies import environment_proxy

# httpx honours proxy variables; loopback traffic must not go through one.
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def stub(clock):
    with FlattrApiStub(clock=clock, users=frozenset({"alice", "bob"})) as server:
        yield server


@pytest.fixture
def client(stub, clock):
    with FlattrClient(
        TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep
    ) as flattr:
        yield flattr


@pytest.fixture(scope="module")
def api_server():
    """One stub and client for many examples of a property test."""
    clock = FakeClock()
    with (
        pytest.MonkeyPatch.context() as patch,
        FlattrApiStub(clock=clock, users=frozenset({"alice"})) as server,
    ):
        for name in PROXY_VARIABLES:
            patch.delenv(name, raising=False)
        with FlattrClient(
            TOKEN, server.url, timeout=5, clock=clock, sleep=clock.sleep
        ) as flattr:
            yield server, flattr


def test_success_sends_a_form_encoded_identity_with_the_bearer_token(client, stub):
    result = client.verify("partner:hackspace:1042", "alice")
    assert result.identity == "partner:hackspace:1042"
    assert result.username == "alice"
    assert result.status == 200
    (request,) = stub.requests
    assert request.method == "POST"
    assert request.path == "/rest/v2/users/alice/verify"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {"identity": ["partner:hackspace:1042"]}
    assert result.rate_limit == RateLimit(
        limit=5000, remaining=4999, current=1, reset=int(START) + 3600
    )
    assert client.rate_limit == result.rate_limit


def test_the_tokens_own_account(client, stub):
    result = client.verify("twitter:user:id:783214")
    assert result.username is None
    assert stub.requests[0].path == "/rest/v2/user/verify"
    assert stub.identities() == ["twitter:user:id:783214"]


def test_an_email_address_is_hashed_before_it_is_sent(client, stub):
    result = client.verify("email: Carol@Example.org ", "bob")
    digest = hash_email("carol@example.org")
    assert result.identity == f"email:{digest}"
    (request,) = stub.requests
    assert b"example.org" not in request.body.lower()
    assert request.identity == f"email:{digest}"


@pytest.mark.parametrize(
    "identity",
    [
        "alice",  # a Flattr username is not an identity to verify
        "carol@example.org",  # a plain address, never sent
        "email:not-an-address",
        "twitter:user:id:@handle",
        "partner:ns:with space",
        "facebook:123",
        "",
        # A program's value that is not text: the documented error too, not
        # a TypeError from deep inside.
        42,
        None,
    ],
)
def test_an_invalid_identity_is_never_sent(client, stub, identity):
    with pytest.raises(IdentifierError) as raised:
        client.verify(identity, "alice")
    assert "example.org" not in str(raised.value)
    assert stub.requests == []


@pytest.mark.parametrize("username", ["a/b", "../admin", "twitter:user:id:1", "x y"])
def test_an_invalid_username_is_never_sent(client, stub, username):
    with pytest.raises(IdentifierError):
        client.verify("partner:ns:1", username)
    assert stub.requests == []


def test_unauthorized_explains_the_three_causes(client, stub):
    stub.script("unauthorized")
    with pytest.raises(RefusedByFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    error = raised.value
    assert not isinstance(error, RateLimitExceeded)
    assert (error.code, error.status) == ("unauthorized", 401)
    assert error.description == "You are not allowed to verify this identity"
    message = str(error)
    assert "401 unauthorized: You are not allowed to verify this identity" in message
    assert "not logged in" in message
    assert "identifier is not one Flattr accepts" in message
    assert "not allowed to verify" in message
    assert error.rate_limit.remaining == 4999  # headers kept on errors too


def test_wrong_token_is_refused_by_the_stub(stub, clock):
    with (
        FlattrClient("another-token", stub.url, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(RefusedByFlattr) as raised,
    ):
        c.verify("partner:ns:1", "alice")
    assert raised.value.code == "unauthorized"
    assert "Not logged in" in str(raised.value)


def test_rate_limit_exceeded_says_when_it_resets_in_local_time(client, stub):
    stub.script("rate_limited")
    with pytest.raises(RateLimitExceeded) as raised:
        client.verify("partner:ns:1", "alice")
    error = raised.value
    reset = int(START) + 3600
    assert error.reset == reset
    assert error.rate_limit == RateLimit(5000, 0, 5000, reset)
    assert f"it resets at {local_time(reset)}" in str(error)
    assert "5000 requests an hour" in str(error)


def test_not_found(client, stub):
    with pytest.raises(RefusedByFlattr) as raised:
        client.verify("partner:ns:1", "nobody")
    assert raised.value.code == "not_found"
    # The stub is not Flattr's own API address: a mistyped one (its path
    # left off) would answer every user so.
    assert str(raised.value) == (
        "Flattr has no user named nobody (404 not_found: No such user); if "
        f"nobody is a Flattr user, check the API base URL {stub.url}, which "
        "is not Flattr's own"
    )


def test_an_api_address_without_its_path_is_named_on_not_found(stub, clock):
    # --api-url http://127.0.0.1:PORT, /rest/v2 left off: every user is
    # "not found", and the operator must learn where to look.
    base = stub.url.removesuffix("/rest/v2")
    assert base != stub.url
    with (
        FlattrClient(TOKEN, base, clock=clock, sleep=clock.sleep) as client,
        pytest.raises(RefusedByFlattr) as raised,
    ):
        client.verify("partner:ns:1", "alice")
    assert raised.value.code == "not_found"
    assert f"check the API base URL {base}, which is not Flattr's own" in str(
        raised.value
    )


@pytest.mark.parametrize("base", [api.DEFAULT_BASE_URL, api.DEFAULT_BASE_URL + "/"])
def test_flattrs_own_api_address_gets_no_hint(base):
    # Flattr's own address is never the mistake; its answer stands alone.
    assert api._not_flattrs_own(base, "not_found", "nobody") == ""
    assert api._not_flattrs_own(base, "not_found", None) == ""
    assert api._not_flattrs_own("http://127.0.0.1:1", "unauthorized", "x") == ""


def test_a_500_with_an_html_body(client, stub):
    stub.script("html_500")
    with pytest.raises(CouldNotReachFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    assert raised.value.status == 500
    assert str(raised.value) == (
        "Flattr's API failed: 500 Internal Server Error with a body that is not "
        "JSON in UTF-8 (Content-Type: text/html); try again later"
    )
    assert "<html>" not in str(raised.value)


def test_a_500_with_a_json_error(client, stub):
    stub.script("server_error_json")
    with pytest.raises(CouldNotReachFlattr, match=r"500 server_error: Something broke"):
        client.verify("partner:ns:1", "alice")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("empty_502", "Flattr's API failed: 502 Bad Gateway with an empty body"),
        ("empty_401", "answered 401 Unauthorized with an empty body: not an answer"),
        ("html_404", "404 Not Found with a body that is not JSON in UTF-8 (Co"),
        # JSON, but not Flattr's: once described as not JSON at all.
        ("error_object_401", "401 Unauthorized with a JSON object without a Fl"),
    ],
)
def test_an_error_without_flattrs_json(client, stub, mode, expected):
    stub.script(mode)
    with pytest.raises(CouldNotReachFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    assert expected in str(raised.value)
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    "mode", ["empty_200", "plain_json_200", "upper_json_200", "suffix_json_200"]
)
def test_an_empty_success_body_with_a_json_type_is_a_success(client, stub, mode):
    # Flattr's documented example shows a 200 with a JSON content type, the
    # rate-limit headers and no body: the type says it is Flattr's answer.
    stub.script(mode)
    assert client.verify("partner:ns:1", "alice").status == 200


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        # A captive portal's empty page, without Flattr's rate-limit headers.
        ("captive_portal_200", "Content-Type text/html"),
        ("empty_html_200", "Content-Type text/html; charset=iso-8859-1"),
        ("no_content_type_200", "no Content-Type"),
        # JSON in the body does not make a text/plain answer Flattr's.
        ("json_as_text_200", "Content-Type text/plain"),
    ],
)
def test_a_success_whose_type_is_not_json_is_not_flattrs(client, stub, mode, said):
    # Once taken for a success: the identity was recorded as verified, and
    # every rerun skipped it.
    stub.script(mode)
    with pytest.raises(CouldNotReachFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    assert str(raised.value) == (
        f"{stub.url} answered 200 with {said} where Flattr's API answers JSON: "
        "this answer is not Flattr's (a captive portal, a proxy or a wrong API "
        "base URL?), and partner:ns:1 is not taken as verified; check the "
        "network and the API base URL, then try again"
    )
    assert raised.value.status == 200
    assert len(stub.requests) == 1  # not retried: the request was made


@pytest.mark.parametrize(
    "mode",
    [
        "slow",
        # httpx's timeout restarts with every byte; the deadline does not.
        "trickle_headers",
        "trickle_body",
    ],
)
def test_a_slow_server_hits_the_timeout_and_is_not_retried(stub, clock, mode):
    stub.script(mode)
    with FlattrClient(
        TOKEN, stub.url, timeout=0.3, clock=clock, sleep=clock.sleep
    ) as c:
        started = time.monotonic()
        with pytest.raises(CouldNotReachFlattr) as raised:
            c.verify("partner:ns:1", "alice")
        elapsed = time.monotonic() - started
    assert "did not answer within 0.3 seconds" in str(raised.value)
    assert elapsed < 0.3 + api.DEADLINE_SLACK + 1
    # Sent once: the request reached the server, so it is not repeated.
    assert len(stub.requests) == 1
    assert clock.sleeps == []


def test_a_timeout_once_the_request_went_out_is_not_laid_on_a_proxy(stub, clock):
    # Only a timeout before the request went out (on a proxy's CONNECT)
    # says that nothing was sent: after it, Flattr may have verified.
    from pelican_flattr.proxies import EnvironmentProxy

    stub.script("slow")
    with FlattrClient(
        TOKEN, stub.url, timeout=0.3, clock=clock, sleep=clock.sleep
    ) as c:
        # What a proxy in use sets; a loopback URL goes to the stub itself.
        c.proxy = EnvironmentProxy("HTTPS_PROXY", "http://127.0.0.1:3128")
        with pytest.raises(CouldNotReachFlattr) as raised:
            c.verify("partner:ns:1", "alice")
    assert "may or may not have been made" in str(raised.value)
    assert "proxy" not in str(raised.value)


def test_a_deadline_passed_before_the_request_went_out_says_nothing_was_sent(
    stub, clock, monkeypatch
):
    # A lookup of the host's name that hangs: no timeout of httpx's covers
    # it, the deadline does, and the request has not left this machine.
    # Once the lookup ends, the worker left behind must not send it.
    released = threading.Event()
    lookup = socket.getaddrinfo

    def hanging_lookup(*args, **kwargs):
        released.wait(30)
        return lookup(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hanging_lookup)
    with (
        FlattrClient(TOKEN, stub.url, timeout=0.2, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr) as raised,
    ):
        c.verify("partner:ns:1", "alice")
    released.set()
    for worker in threading.enumerate():
        if worker.name == "flattr-api":
            worker.join(10)
    assert str(raised.value) == (
        f"no connection to Flattr's API at {stub.url} was made within 0.2 "
        "seconds (the lookup of its host name, or the connection, hung); "
        "nothing was sent to Flattr: check the network, then try again"
    )
    assert stub.requests == []


def test_an_endless_answer_is_cut_off(stub, clock):
    stub.script("endless")
    with (
        FlattrClient(TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr, match="more than 1024 KiB"),
    ):
        c.verify("partner:ns:1", "alice")


def test_a_compressed_answer_is_never_decoded(stub, clock):
    # A 16 KiB gzip, twice over, made 16 MiB in memory before the limit was
    # checked (1 KiB of it, 512 MiB): the limit bounds the body as sent.
    stub.script("gzip_bomb")
    with (
        FlattrClient(TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr) as raised,
    ):
        c.verify("partner:ns:1", "alice")
    assert stub.requests[0].headers["Accept-Encoding"] == "identity"
    assert str(raised.value) == (
        f"{stub.url} answered in Content-Encoding 'gzip, gzip', which verify did "
        "not ask for (it asks for the body as it is) and does not read: check the "
        "API base URL, or a proxy in between"
    )


def test_a_body_cut_short_by_a_close_is_retried_as_a_reset_is(stub, clock):
    # A FIN five bytes into a body of a hundred: "check that the server
    # runs", and no retry, where a reset got both right.
    stub.script("cut_body")
    with FlattrClient(TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep) as c:
        with pytest.raises(CouldNotReachFlattr) as raised:
            c.verify("partner:ns:1", "alice")
        assert raised.value.transient  # a batch tries it again
        said = str(raised.value)
        assert "closed the connection after the request went out" in said
        assert "check that the server runs" not in said
        # Passing: once the server answers, the next try is verified.
        assert c.verify("partner:ns:1", "alice").status == 200
    # Not a refusal cut short, sent again at once: a 429's status and
    # headers came whole, and say how long to wait.
    stub.script("cut_429")
    with (
        FlattrClient(TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(RateLimitExceeded) as limited,
    ):
        c.verify("partner:ns:1", "alice")
    assert limited.value.code == "too_many_requests"
    assert limited.value.rate_limit.reset == int(clock()) + 30
    # A 401 cut short says what a 401 means.
    stub.script("cut_401")
    with (
        FlattrClient(TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr) as raised,
    ):
        c.verify("partner:ns:1", "alice")
    assert not raised.value.transient
    assert str(raised.value).startswith(
        f"{stub.url} answered 401, and closed the connection before the end of "
        "its body (peer closed connection without sending complete message body"
    )
    assert str(raised.value).endswith(
        "check the API base URL, or a proxy in between; a 401 or 403 refuses the "
        "token or its scope: check the token"
    )
    assert len(stub.requests) == 4  # each sent once


def test_a_cut_429_is_waited_for_in_a_batch(stub, clock):
    # Cut short, it was "not reached" and the batch stopped, advising a rerun
    # at once, which met the same 429.
    stub.script("cut_429")
    waits = []
    with FlattrClient(TOKEN, stub.url, timeout=5, clock=clock, sleep=clock.sleep) as c:
        started = clock()
        result = c.verify_paced("partner:ns:1", "alice", on_wait=waits.append)
    assert result.status == 200
    assert len(waits) == 1 and clock() - started >= 30
    assert len(stub.requests) == 2


def test_a_repeated_identity_encoding_is_none(stub, clock):
    stub.script("identity_twice")
    with FlattrClient(TOKEN, stub.url, clock=clock, sleep=clock.sleep) as c:
        assert c.verify("partner:ns:1", "alice").status == 200


def test_a_long_run_of_controls_is_cleaned_in_linear_time(client):
    # A lookahead for an "@" after a run of controls tried every start in
    # it: 60,000 DEL characters in an error took 18 s, a body of 1 MiB of
    # them some 80 minutes, whatever the timeout. Now each run is read once.
    started = time.perf_counter()
    for text in ("\x7f" * 1_000_000, "\x7f" * 1_000_000 + "@x.org", "\n" * 500_000):
        api._without_controls_at_sign(text)
    assert time.perf_counter() - started < 10  # was hours
    # What it does is unchanged: a run beside an "@" goes, others stay.
    assert api._without_controls_at_sign("carol\n\x7f@\u2069example.org a\tb") == (
        "carol@example.org a\tb"
    )
    assert client._clean("\x7f" * 100_000 + "ok") == "ok"
    # Read whole, so that what it hides is never cut in two and shown in
    # part (a cut at 4,096 characters showed 38 of a token's 40).
    for before in (4000, 4058, 4090):
        assert client._clean(" " * before + TOKEN + " tail") == "[token] tail"
        said = client._clean(" " * before + "carol.longname@example.org tail")
        assert said == "[address] tail"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_connection_failure_is_retried_once(clock):
    port = free_port()
    url = f"http://127.0.0.1:{port}/rest/v2"
    with (
        FlattrClient(TOKEN, url, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr) as raised,
    ):
        c.verify("partner:ns:1", "alice")
    assert clock.sleeps == [api.RETRY_DELAY]
    assert f"could not connect to Flattr's API at {url} (tried twice)" in str(
        raised.value
    )


@contextlib.contextmanager
def a_port_that_never_completes_a_connection():
    """The URL of a port whose listener's accept queue is full: Linux drops
    each new SYN, and a connection there times out, as one to a host that is
    down does. A real connect timeout on loopback, with no unroutable
    address and no stand-in for httpx."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(3):  # more than the queue holds
                filler = socket.socket()
                fillers.append(filler)
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
            yield f"http://127.0.0.1:{port}/rest/v2"
        finally:
            for filler in fillers:
                filler.close()


def test_a_connect_timeout_is_retried_once_as_a_connection_failure(clock):
    # Nothing went out: the request is retried, and the message says it
    # could not connect, not that the verification may have been made.
    with (
        a_port_that_never_completes_a_connection() as url,
        FlattrClient(TOKEN, url, timeout=0.3, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr) as raised,
    ):
        c.verify("partner:ns:1", "alice")
    assert clock.sleeps == [api.RETRY_DELAY]
    assert str(raised.value) == (
        f"could not connect to Flattr's API at {url} (tried twice): timed out; "
        f"check that the server runs, and the API base URL {url} (its host and "
        "port)"
    )


def test_the_retry_succeeds_when_the_server_comes_up(clock):
    port = free_port()
    servers = []

    def start_server_then_sleep(seconds):
        clock.sleep(seconds)
        servers.append(FlattrApiStub(clock=clock, port=port).__enter__())

    url = f"http://127.0.0.1:{port}/rest/v2"
    try:
        with FlattrClient(TOKEN, url, clock=clock, sleep=start_server_then_sleep) as c:
            assert c.verify("partner:ns:1").status == 200
        assert servers[0].identities() == ["partner:ns:1"]
    finally:
        for server in servers:
            server.__exit__(None, None, None)


def test_no_request_goes_out_on_a_connection_the_server_may_have_dropped(clock):
    # A POST that fails on a kept-alive connection may have been received:
    # it is not retried, so no connection is ever used twice.
    with (
        KeepAliveResettingServer() as server,
        FlattrClient(TOKEN, server.url, clock=clock, sleep=clock.sleep) as c,
    ):
        for number in range(3):
            assert c.verify(f"partner:ns:{number}", "alice").status == 200
    assert server.resets == 0
    assert [request["connection"] for request in server.requests] == ["close"] * 3


def test_a_redirect_is_reported_not_followed(stub, client):
    stub.script("redirect")
    with pytest.raises(
        CouldNotReachFlattr, match=r"redirected .* to https://elsewhere"
    ):
        client.verify("partner:ns:1", "alice")
    assert len(stub.requests) == 1  # not followed


def test_a_redirect_with_a_json_error_body_is_no_refusal(stub, client):
    stub.script("redirect_json")
    with pytest.raises(CouldNotReachFlattr, match=r"redirected \(308 .* to https://"):
        client.verify("partner:ns:1", "alice")


def test_a_redirect_never_repeats_the_token_or_an_address_in_any_form(stub, client):
    # The Location is shown to help find a wrong API URL; a server may put
    # the token in it upper-cased, and an address percent-encoded.
    stub.script("redirect_echo")
    with pytest.raises(CouldNotReachFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    message = str(raised.value)
    assert "?email=[address]&tok=[token]" in message, message
    assert TOKEN not in message.lower() and "carol" not in message


# "+", "/" and "=" are what percent-encoding changes in a token.
ENCODED_TOKEN = "Zy9+ab/cdQwErTy12=="


@pytest.mark.parametrize(
    ("mode", "shown"),
    [
        ("redirect_echo_encoded", "to https://elsewhere.example/?tok=[token])"),
        ("echo_encoded_token", "bad token [token] in [token])"),
    ],
)
def test_a_percent_encoded_token_is_never_repeated(clock, mode, shown):
    with (
        FlattrApiStub(clock=clock, token=ENCODED_TOKEN) as server,
        FlattrClient(ENCODED_TOKEN, server.url, clock=clock, sleep=clock.sleep) as c,
    ):
        server.script(mode)
        with pytest.raises(api.FlattrApiError) as raised:
            c.verify("partner:ns:1", "alice")
    assert shown in str(raised.value), raised.value
    assert "QwErTy12".lower() not in str(raised.value).lower()


def test_a_non_json_success_is_not_taken_for_one(stub, client):
    stub.script("html_200")
    with pytest.raises(CouldNotReachFlattr, match="200 with Content-Type text/html "):
        client.verify("partner:ns:1", "alice")


def test_a_success_behind_a_byte_order_mark_is_one(stub, client):
    stub.script("bom_200")
    assert client.verify("partner:ns:1", "alice").status == 200


@pytest.mark.parametrize("mode", ["null_200", "long_int_200"])
def test_a_success_with_any_json_body_is_one(stub, client, mode):
    # Flattr documents a 200 with a JSON content type, not its body: null
    # (or []) is JSON all the same, and the identity was verified. So is
    # an integer Python's int() refuses to read (over 4300 digits), which
    # was called "not JSON".
    stub.script(mode)
    assert client.verify("partner:ns:1", "alice").status == 200


def test_an_error_document_with_a_success_status_is_no_success(stub, client):
    # Flattr sends its errors with a 4xx or 5xx status; whatever says "200"
    # and "error" at once, the identity is not taken for verified.
    stub.script("error_200")
    with pytest.raises(
        CouldNotReachFlattr,
        match=r"answered 200 with an error \(unauthorized: Not allowed to verify\)",
    ) as raised:
        client.verify("partner:ns:1", "alice")
    assert "not taken as verified" in str(raised.value)


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("problem_200", "a problem document (Bad Gateway)"),
        ("untitled_problem_200", "a problem document"),
    ],
)
def test_a_problem_document_with_a_success_status_is_no_success(
    stub, client, mode, said
):
    # application/problem+json ends in "+json", so it was read as JSON and,
    # without Flattr's "error" key, as a success: the identity recorded as
    # verified where a gateway had reported its own failure.
    stub.script(mode)
    with pytest.raises(CouldNotReachFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    assert str(raised.value) == (
        f"{stub.url} answered 200 with {said}, which Flattr's API never does; "
        "partner:ns:1 is not taken as verified: check the API base URL, then "
        "try again"
    )
    assert len(stub.requests) == 1


def test_the_token_never_appears_in_errors_or_repr(stub, clock):
    messages = []
    with FlattrClient(
        TOKEN, stub.url, timeout=0.3, clock=clock, sleep=clock.sleep
    ) as c:
        assert TOKEN not in repr(c)
        for mode in (
            "echo_token",
            "unauthorized",
            "not_found",
            "html_500",
            "empty_502",
            "slow",
            "echo_token_reason",
            "echo_token_content_type",
            "rate_limited",  # last: it uses up the budget
        ):
            stub.script(mode)
            with pytest.raises(api.FlattrApiError) as raised:
                c.verify("partner:ns:1", "alice")
            messages.append(str(raised.value))
            messages.append(repr(raised.value))
    assert len(messages) == 18
    assert all(TOKEN not in message for message in messages)
    assert "bad header Bearer [token]" in messages[0]
    assert "502 Bearer [token]" in messages[12]
    assert "(Content-Type: text/Bearer-[token])" in messages[14]
    unreachable = f"http://127.0.0.1:{free_port()}/rest/v2"
    with (
        FlattrClient(TOKEN, unreachable, clock=clock, sleep=clock.sleep) as c,
        pytest.raises(CouldNotReachFlattr) as raised,
    ):
        c.verify("partner:ns:1")
    assert TOKEN not in str(raised.value)


def test_a_bad_token_is_rejected_without_repeating_it():
    with pytest.raises(ValueError) as raised:
        FlattrClient("secret with\nnewline")
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    "token",
    [
        "secret\\token",  # escaped in a bytes repr: out of the redaction's reach
        "secret'token",
        'secret"token',
        "secret!token",
        "secret=token",  # '=' only ends a b64token
        "secret:token",
        "sécret-token",
    ],
)
def test_a_token_outside_rfc_6750s_characters_is_refused(token):
    with pytest.raises(ValueError) as raised:
        api.check_token(token)
    message = str(raised.value)
    assert "secret" not in message and "cret" not in message
    assert "letters, digits, '-', '.', '_', '~', '+' and '/'" in message


@pytest.mark.parametrize("token", [ENCODED_TOKEN, "a-b._~c+d/e==", "A" * 300])
def test_every_rfc_6750_token_is_accepted(token):
    assert api.check_token(f"  {token}\n") == token


def test_a_token_in_a_malformed_status_line_is_never_repeated(stub, client):
    # h11 refuses the line and shows it as a bytes repr.
    stub.script("echo_token_bad_status")
    with pytest.raises(CouldNotReachFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    message = str(raised.value)
    assert "illegal status line" in message
    assert "5x2 Bearer [token]" in message and TOKEN not in message
    # It answered: whether it runs is no question (a header flood, an
    # upgrade it was not asked for, read alike).
    assert message.endswith(
        "; a server answered there, but not as an HTTP API does: check the API "
        f"base URL {stub.url}"
    )


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.flattr.com/rest/v2/", True),
        ("http://127.0.0.1:8080/rest/v2", True),
        ("http://localhost/rest/v2", True),
        ("http://[::1]:9/rest/v2", True),
        ("http://api.flattr.com/rest/v2", False),  # the token in clear
        ("ftp://api.flattr.com/", False),
        ("api.flattr.com/rest/v2", False),
        ("https://user:pw@api.flattr.com/rest/v2", False),
        ("https://api.flattr.com/rest/v2?", False),  # an empty query
        ("https://api.flattr.com/rest/v2#", False),  # an empty fragment
        ("https://api..flattr.com/rest/v2", False),  # an empty label
        (f"https://{'a' * 64}.com/rest/v2", False),  # a label too long
        ("https://bücher.example/rest/v2", True),  # IDNA encodes it
        ("http://127.0.0.1:65535/rest/v2", True),
        ("http://127.0.0.1:83537/rest/v2", False),  # httpx would reach 18001
        ("https://api.flattr.com:99999/rest/v2", False),
        ("http://127.0.0.1:0/rest/v2", False),
        ("http://127.0.0.1:http/rest/v2", False),
    ],
)
def test_base_url(url, ok):
    if ok:
        assert not api.check_base_url(url).endswith("/")
    else:
        with pytest.raises(ValueError):
            api.check_base_url(url)


@pytest.mark.parametrize("url", ["https://xn--a.com/rest/v2", "https://xn--zz.example"])
def test_a_host_idna_cannot_read_is_refused_in_our_words(url):
    # The idna library's own message ("Codepoint U+0080 at position 1 of
    # '\x80' not allowed") says nothing of the API base URL.
    with pytest.raises(ValueError, match=r"^the API base URL"):
        api.check_base_url(url)


@pytest.mark.parametrize(
    ("port", "says"),
    [
        ("83537", "the API base URL's port 83537 is not from 1 to 65535"),
        ("0", "the API base URL's port 0 is not from 1 to 65535"),
        ("x1", "the API base URL's port is not a number"),
    ],
)
def test_a_port_out_of_range_is_named(port, says):
    with pytest.raises(ValueError) as raised:
        api.check_base_url(f"http://127.0.0.1:{port}/rest/v2")
    assert str(raised.value) == says


def test_the_default_base_url():
    assert api.verify_url(api.DEFAULT_BASE_URL, "alice") == (
        "https://api.flattr.com/rest/v2/users/alice/verify"
    )
    assert api.verify_url(api.DEFAULT_BASE_URL) == (
        "https://api.flattr.com/rest/v2/user/verify"
    )


def test_a_server_error_never_repeats_an_address(client, stub):
    stub.script("echo_address")
    with pytest.raises(RefusedByFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    assert "[address] is taken" in str(raised.value)
    assert "@" not in str(raised.value)


def test_a_refusal_never_brings_a_control_character_to_the_terminal(client, stub):
    # Only C0 controls and DEL were replaced: C1's CSI cleared the screen as
    # ESC [ does, and a bidi override made the message read otherwise.
    stub.script("echo_controls")
    with pytest.raises(RefusedByFlattr) as caught:
        client.verify("partner:ns:1", "alice")
    assert caught.value.description == "a 2Jb c d e f g h i"
    assert "(400 validation: a 2Jb c d e f g h i)" in str(caught.value)


def test_a_refusal_drops_the_characters_that_show_as_nothing(client, stub):
    # They passed as they came: one inside the token or an address kept it
    # from being hidden, and the terminal showed it whole.
    stub.script("echo_invisible")
    with pytest.raises(RefusedByFlattr) as caught:
        client.verify("partner:ns:1", "alice")
    assert caught.value.description == (
        "abcdefgh; bad header Bearer [token]; [address] is taken"
    )
    assert "rol" not in str(caught.value) and TOKEN[4:] not in str(caught.value)


def test_a_token_split_by_controls_is_still_hidden(client, stub):
    stub.script("echo_split_token")
    with pytest.raises(RefusedByFlattr) as caught:
        client.verify("partner:ns:1", "alice")
    assert caught.value.description == "bad header Bearer [token]; done"


@pytest.mark.parametrize(
    "between",
    [
        "\u061c",  # Arabic letter mark
        "\u180e",  # Mongolian vowel separator
        "\u00ad",  # soft hyphen
        "\u2061",  # function application
        "\u206a",  # inhibit symmetric swapping
        "\u034f",  # combining grapheme joiner
        "\ufe0f",  # variation selector
        "\U000e0020",  # tag space
        "\u3164\u115f",  # Hangul fillers
        "\u2800",  # braille blank
        # Rarer format characters, of other scripts.
        "\ufff9",  # interlinear annotation anchor
        "\U0001d173",  # musical symbol begin beam
        "\U0001bca0",  # shorthand format letter overlap
        "\U00013430",  # Egyptian hieroglyph vertical joiner
        "\u00a0",  # no-break space
        "\u3000",  # ideographic space
        " ",
    ],
)
def test_a_token_split_by_what_shows_as_nothing_or_a_blank_is_hidden(
    client, stub, monkeypatch, between
):
    # Any of them inside an echoed token showed it unhidden, whole or in
    # pieces that read as it.
    split = f"{TOKEN[:5]}{between}{TOKEN[5:15]}{between}{TOKEN[15:]}"
    answer = (400, "application/json", {"error": "x", "error_description": split})
    monkeypatch.setitem(flattr_api_stub.SCRIPTED, "echo_split", answer)
    stub.script("echo_split")
    with pytest.raises(RefusedByFlattr) as caught:
        client.verify("partner:ns:1", "alice")
    assert caught.value.description == "[token]"


@pytest.mark.parametrize(
    ("script", "shown"),
    [
        ("echo_encoded_address", "[address] is taken"),
        # The controls became spaces before addresses were looked for:
        # "carol @example.org" no longer looked like one, and was shown.
        (
            "echo_split_address",
            "[address] is taken; [address], [address], [address], [address] too",
        ),
    ],
)
def test_a_refusal_never_repeats_an_address(client, stub, script, shown):
    stub.script(script)
    with pytest.raises(RefusedByFlattr) as raised:
        client.verify("partner:ns:1", "alice")
    assert raised.value.description == shown
    assert "carol" not in str(raised.value)


@pytest.mark.parametrize("reset", [99_999_999_999_999, 10**300])
def test_a_reset_time_that_is_no_time_is_ignored(clock, reset):
    # It used to end a successful verify in a traceback (year out of range).
    with (
        FlattrApiStub(clock=clock, reset=reset) as server,
        FlattrClient(TOKEN, server.url, clock=clock, sleep=clock.sleep) as c,
    ):
        result = c.verify("partner:ns:1")
    assert result.status == 200
    assert result.rate_limit.reset is None
    assert result.rate_limit.remaining == 4999
    assert "resets" not in result.rate_limit.describe()


@pytest.mark.parametrize(
    "script", ["deep_json_200", "nan_200", "infinity_in_object_200"]
)
def test_a_body_json_cannot_hold_is_not_an_answer(client, stub, script):
    # Too deep for Python's stack; or NaN and Infinity, which Python's json
    # reads and RFC 8259 does not: the success once recorded a verification.
    stub.script(script)
    with pytest.raises(CouldNotReachFlattr, match="200 with a body that is not JSON"):
        client.verify("partner:ns:1", "alice")


@pytest.fixture
def far_east(monkeypatch):
    """The local zone furthest east of UTC, +14:00 (Kiribati)."""
    monkeypatch.setenv("TZ", "Etc/GMT-14")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("reset", "kept"),
    [
        (api._LAST_UNIX_TIME, True),  # 9999-12-30 23:59:59 UTC
        (253_402_300_799, False),  # 9999-12-31 23:59:59 UTC: past 9999 at +14
    ],
)
def test_the_last_reset_time_shows_in_a_zone_east_of_utc(clock, far_east, reset, kept):
    # The reset's local time once overflowed datetime there: a traceback
    # after a successful verify.
    with (
        FlattrApiStub(clock=clock, reset=reset) as server,
        FlattrClient(TOKEN, server.url, clock=clock, sleep=clock.sleep) as c,
    ):
        result = c.verify("partner:ns:1")
    assert result.status == 200
    described = result.rate_limit.describe()
    if kept:
        assert result.rate_limit.reset == reset
        assert "resets at 9999-12-31 13:59:59" in described
    else:
        assert result.rate_limit.reset is None and "resets" not in described


def test_a_proxy_never_sees_the_token_for_a_loopback_url(stub, monkeypatch):
    proxy = socket.socket()
    proxy.bind(("127.0.0.1", 0))
    proxy.listen()
    proxy.settimeout(0.5)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
    with proxy, FlattrClient(TOKEN, stub.url, timeout=2) as c:
        assert c.verify("partner:ns:1").status == 200
        with pytest.raises(TimeoutError):
            proxy.accept()  # nothing connected to the proxy
    assert len(stub.requests) == 1


def test_rate_limit_headers():
    assert RateLimit.from_headers({}) is None
    headers = {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "nonsense",
        "X-RateLimit-Reset": "1700003600",
    }
    budget = RateLimit.from_headers(headers)
    assert budget == RateLimit(5000, None, None, 1700003600)
    assert not budget.exhausted
    assert RateLimit(5000, 0, 5000, 1).exhausted


def test_an_answer_without_rate_headers_keeps_the_budget_flattr_reported(client, stub):
    client.verify("partner:ns:1", "alice")
    reported = RateLimit(5000, 4999, 1, stub.reset)
    assert client.rate_limit == reported
    # A gateway that drops the headers says nothing of the budget.
    stub.script("success_without_rate_headers")
    result = client.verify("partner:ns:2", "alice")
    assert result.rate_limit is None  # this answer's own headers
    assert client.rate_limit == reported
    # A newer answer with the headers wins.
    client.verify("partner:ns:3", "alice")
    assert client.rate_limit == RateLimit(5000, 4998, 2, stub.reset)


@pytest.mark.parametrize(
    ("mode", "flattrs"),
    [
        (None, True),
        ("unauthorized", True),
        ("server_error_json", True),
        ("too_many_requests", True),
        ("redirect_json", False),
        ("captive_portal_200", False),
        ("html_500", False),
    ],
)
def test_the_client_knows_whether_an_answer_was_flattrs(client, stub, mode, flattrs):
    # verify's budget line: headers missing from Flattr's own answers point
    # at a proxy that drops them; another server's answer says nothing.
    assert client.flattr_answered is False
    if mode is not None:
        stub.script(mode)
    with contextlib.suppress(api.FlattrApiError):
        client.verify("partner:ns:1", "alice")
    assert client.flattr_answered is flattrs


# -- pacing ------------------------------------------------------------------


def test_pacing_waits_for_the_reset_instead_of_hitting_403(clock):
    with FlattrApiStub(clock=clock, limit=2) as stub:
        reset = stub.reset
        waits = []
        with FlattrClient(TOKEN, stub.url, clock=clock, sleep=clock.sleep) as c:
            for number in range(3):
                c.verify_paced(f"partner:ns:{number}", "alice", on_wait=waits.append)
        statuses = stub.identities()
    assert statuses == ["partner:ns:0", "partner:ns:1", "partner:ns:2"]
    assert waits == [reset]
    assert clock.sleeps == [reset - START + api.RESET_MARGIN]


def test_a_wait_cut_short_says_when_it_ends_not_the_far_reset(clock):
    # A server clock days ahead: the wait is capped at MAX_WAIT, and the
    # time announced ("waiting until ...") must be when it ends.
    far = int(START) + 10 * 86400
    waits = []
    with (
        FlattrApiStub(clock=clock, limit=1, reset=far) as stub,
        FlattrClient(TOKEN, stub.url, clock=clock, sleep=clock.sleep) as c,
    ):
        c.verify("partner:ns:0", "alice")
        with pytest.raises(RateLimitExceeded):
            c.verify_paced("partner:ns:1", "alice", on_wait=waits.append)
    assert clock.sleeps[0] == api.MAX_WAIT
    assert waits[0] == START + api.MAX_WAIT
    assert far not in waits


def test_every_wait_cut_short_counts_towards_giving_up(clock):
    # After a wait cut short, the budget still looks used up: checking it
    # again before asking used to wait once more, uncounted (six waits).
    far = int(START) + 10 * 86400
    with (
        FlattrApiStub(clock=clock, limit=1, reset=far) as stub,
        FlattrClient(TOKEN, stub.url, clock=clock, sleep=clock.sleep) as c,
    ):
        c.verify("partner:ns:0", "alice")
        with pytest.raises(RateLimitExceeded):
            c.verify_paced("partner:ns:1", "alice")
    assert clock.sleeps == [api.MAX_WAIT] * api.MAX_RATE_LIMIT_WAITS
    assert stub.identities().count("partner:ns:1") == api.MAX_RATE_LIMIT_WAITS


def test_pacing_does_not_wait_for_a_reset_already_past(clock):
    # The budget ran out, but its reset came while the client was idle: the
    # next request goes out at once, announcing no wait.
    with FlattrApiStub(clock=clock, limit=1) as stub:
        waits = []
        with FlattrClient(TOKEN, stub.url, clock=clock, sleep=clock.sleep) as c:
            c.verify("partner:ns:0", "alice")
            assert c.rate_limit.exhausted and c.rate_limit.reset == stub.reset
            clock.now = stub.reset + 60
            result = c.verify_paced("partner:ns:1", "alice", on_wait=waits.append)
        identities = stub.identities()
    assert result.status == 200
    assert waits == [] and clock.sleeps == []
    assert identities == ["partner:ns:0", "partner:ns:1"]


def test_pacing_after_a_403_waits_then_succeeds(client, stub, clock):
    stub.script("rate_limited")
    waits = []
    result = client.verify_paced("partner:ns:1", "alice", on_wait=waits.append)
    assert result.status == 200
    assert waits == [stub.reset - 3600]  # the reset the 403 named
    assert clock.sleeps == [3600 + api.RESET_MARGIN]
    assert stub.identities() == ["partner:ns:1", "partner:ns:1"]


@pytest.mark.parametrize(
    "mode",
    [
        "too_many_requests",
        "too_many_requests_without_reset",
        "too_many_requests_past_reset",
    ],
)
def test_a_429_with_retry_after_is_waited_for(client, stub, clock, mode):
    # X-RateLimit-* headers without X-RateLimit-Reset leave Retry-After to say,
    # and so does one already past (it was taken, and the fallback waited).
    stub.script(mode)
    waits = []
    result = client.verify_paced("partner:ns:1", "alice", on_wait=waits.append)
    assert result.status == 200
    assert waits == [START + 120]
    assert clock.sleeps == [120 + api.RESET_MARGIN]
    assert stub.identities() == ["partner:ns:1", "partner:ns:1"]


def test_a_429_says_it_is_a_rate_limit(client, stub):
    stub.script("too_many_requests_json")
    with pytest.raises(RateLimitExceeded, match=r"rate limit is used up \(429 too_"):
        client.verify("partner:ns:1", "alice")


@pytest.mark.parametrize(
    "mode", ["too_many_requests_json", "too_many_requests_superscript"]
)
def test_a_429_without_retry_after_waits_the_fallback(client, stub, clock, mode):
    stub.script(mode)  # the second's Retry-After, "²", is no number
    assert client.verify_paced("partner:ns:1", "alice").status == 200
    assert clock.sleeps == [api.FALLBACK_WAIT + api.RESET_MARGIN]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", START + 120),
        ("Tue, 14 Nov 2023 23:13:20 GMT", START + 3600),
        ("soon", None),
        ("-5", None),
        ("9" * 20, None),
        ("\u00b2", None),  # isdigit(), yet no number int() reads
        ("\u0661\u0662", None),  # Arabic-Indic digits: no HTTP number either
    ],
)
def test_retry_after(value, expected):
    # START is 2023-11-14 22:13:20 UTC.
    limit = api._with_retry_after(None, {"Retry-After": value}, START)
    assert (limit.reset if limit else None) == expected


@pytest.mark.parametrize(
    "value",
    [
        "Tue Nov 14 23:13:20 2023",  # asctime, which HTTP says is in UTC
        "Tue, 14 Nov 2023 23:13:20 -0000",  # a zone not given
    ],
)
def test_a_retry_after_date_without_a_zone_is_utc(value):
    # Taken as local time, New York's waited five hours too long. In a
    # process of its own, as the zone a datetime reads is the process's.
    code = (
        "import sys; from pelican_flattr import api; "
        "limit = api._with_retry_after(None, {'Retry-After': sys.argv[1]}, "
        "float(sys.argv[2])); print(limit.reset)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, value, str(START)],
        env=child_env(TZ="America/New_York"),
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(int(START) + 3600)  # START + 1 h, in UTC


def test_pacing_never_spins_without_a_reset_time(stub, client, clock):
    stub.script("rate_limited_without_reset", times=api.MAX_RATE_LIMIT_WAITS + 1)
    with pytest.raises(RateLimitExceeded, match="did not say when it resets"):
        client.verify_paced("partner:ns:1", "alice")
    assert clock.sleeps == [api.FALLBACK_WAIT + api.RESET_MARGIN] * (
        api.MAX_RATE_LIMIT_WAITS
    )
    assert len(stub.requests) == api.MAX_RATE_LIMIT_WAITS + 1


def test_a_403_naming_a_reset_already_past_waits_the_fallback(clock):
    # Flattr's clock two hours behind ours: every 403 names a reset that is
    # past here. Waiting for it would not wait at all, and would announce
    # "waiting until" a time gone by.
    waits = []
    with (
        FlattrApiStub(clock=FakeClock(START - 7200), limit=1) as stub,
        FlattrClient(TOKEN, stub.url, clock=clock, sleep=clock.sleep) as c,
    ):
        c.verify("partner:ns:0", "alice")
        assert c.rate_limit.reset < clock()
        with pytest.raises(RateLimitExceeded):
            c.verify_paced(
                "partner:ns:1", "alice", on_wait=lambda end: waits.append(end - clock())
            )
    assert waits == [api.FALLBACK_WAIT] * api.MAX_RATE_LIMIT_WAITS
    assert clock.sleeps == [api.FALLBACK_WAIT + api.RESET_MARGIN] * (
        api.MAX_RATE_LIMIT_WAITS
    )


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.from_regex(
            r"(twitter|email|partner|Email):[\w.@:+; -]{0,40}", fullmatch=True
        ),
    )
)
def test_any_text_is_either_refused_locally_or_sent_as_parsed(api_server, text):
    stub, client = api_server
    before = len(stub.requests)
    try:
        result = client.verify(text, "alice")
    except IdentifierError:
        assert stub.identities()[before:] == []
    else:
        assert stub.identities()[before:] == [result.identity]
        assert ":" in result.identity and "@" not in result.identity


def clear_proxy_variables(monkeypatch) -> None:
    """No proxy variable of any case, nor a CGI request's (urllib then
    ignores HTTP_PROXY)."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name == "REQUEST_METHOD":
            monkeypatch.delenv(name)


A, B = "http://127.0.0.1:3128", "http://127.0.0.1:3129"


@pytest.mark.parametrize(
    ("variables", "url", "expected"),
    [
        ({"HTTPS_PROXY": A}, "https://api.flattr.com/rest/v2", ("HTTPS_PROXY", A)),
        ({"HTTP_PROXY": A}, "https://api.flattr.com/rest/v2", None),
        ({"HTTP_PROXY": A}, "http://api.flattr.com/rest/v2", ("HTTP_PROXY", A)),
        ({"https_proxy": A, "HTTPS_PROXY": B}, "https://x.example", ("https_proxy", A)),
        ({"https_proxy": "", "HTTPS_PROXY": B}, "https://x.example", None),
        ({"ALL_PROXY": A}, "https://x.example", ("ALL_PROXY", A)),
        ({"all_proxy": A, "HTTPS_PROXY": B}, "https://x.example", ("HTTPS_PROXY", B)),
        ({"HTTPS_PROXY": "127.0.0.1:3128"}, "https://x.example", ("HTTPS_PROXY", A)),
        ({"HTTPS_PROXY": A, "NO_PROXY": "flattr.com"}, "https://api.flattr.com", None),
        ({"HTTPS_PROXY": A, "no_proxy": ".flattr.com"}, "https://api.flattr.com", None),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": ".flattr.com"},
            "https://flattr.com",
            ("HTTPS_PROXY", A),
        ),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "pi.flattr.com"},
            "https://api.flattr.com",
            ("HTTPS_PROXY", A),
        ),
        ({"HTTPS_PROXY": A, "NO_PROXY": "a.example, *"}, "https://x.example", None),
        ({"HTTPS_PROXY": A, "NO_PROXY": "127.0.0.1"}, "https://127.0.0.1:9", None),
        ({"HTTPS_PROXY": A, "NO_PROXY": "::1"}, "https://[::1]:9", None),
        ({"HTTPS_PROXY": A, "NO_PROXY": "localhost"}, "https://localhost", None),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "x.example:8443"},
            "https://x.example",
            ("HTTPS_PROXY", A),
        ),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "https://x.example"},
            "https://x.example",
            None,
        ),
        (
            {"HTTPS_PROXY": A, "ALL_PROXY": B, "NO_PROXY": "all://"},
            "https://x.example",
            ("HTTPS_PROXY", A),
        ),
        # Addresses and localhost name one host, not its subdomains as a
        # domain does.
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "localhost"},
            "https://api.localhost",
            ("HTTPS_PROXY", A),
        ),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "127.0.0.1"},
            "https://a.127.0.0.1",
            ("HTTPS_PROXY", A),
        ),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "10.0.0.0/8"},
            "https://a.10.0.0.0",
            ("HTTPS_PROXY", A),
        ),
    ],
)
def test_the_proxy_found_is_the_one_httpx_uses(monkeypatch, variables, url, expected):
    # environment_proxy() follows httpx's rules, which httpx keeps private:
    # compared here with where an httpx client routes the URL.
    clear_proxy_variables(monkeypatch)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    found = environment_proxy(url)
    assert (found and (found.variable, found.url)) == (expected or None)
    with httpx.Client() as http:
        transport = http._transport_for_url(httpx.URL(url))
        proxy_url = getattr(getattr(transport, "_pool", None), "_proxy_url", None)
        routed = None if transport is http._transport else proxy_url.port
    assert routed == (int(expected[1].rsplit(":", 1)[1]) if expected else None)


def test_a_proxy_is_shown_without_its_credentials(monkeypatch):
    clear_proxy_variables(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://carol:hunter2@[::1]:3128/path?q=1")
    found = environment_proxy("https://api.flattr.com/rest/v2")
    assert found is not None and found.shown == "http://[::1]:3128"


@pytest.mark.parametrize(
    ("url", "answer", "shown"),
    [
        # A short password hides the word it is, not every word holding it.
        (
            "http://carol:a@proxy:3128",
            "407 Proxy Authentication Required for carol:a",
            "407 Proxy Authentication Required for [hidden]:[hidden]",
        ),
        # The base64 of the Basic credentials, and the password as written.
        (
            "http://carol:hunter2@proxy:3128",
            "echo Y2Fyb2w6aHVudGVyMg== and HUNTER2",
            "echo [hidden] and [hidden]",
        ),
        # A percent-encoded password, as written, decoded and in the Basic
        # credentials httpx sends (of the decoded one); "$" is no regex.
        (
            "http://carol:pa$$%40w0rd@proxy:3128",
            "pa$$%40w0rd, pa$$@w0rd, Y2Fyb2w6cGEkJEB3MHJk",
            "[hidden], [hidden], [hidden]",
        ),
        # A user name of three letters is hidden; a shorter one is left.
        ("http://bob:pw@proxy:3128", "user bob refused", "user [hidden] refused"),
        ("http://jo:s3cret@proxy:3128", "jo: s3cret", "jo: [hidden]"),
        # The longest first: a password that starts with the user name is
        # hidden whole, not its user name part alone.
        ("http://bob-:bob-cat@proxy:3128", "no bob-cat", "no [hidden]"),
    ],
)
def test_a_proxys_credentials_are_hidden_in_its_answer(url, answer, shown):
    from pelican_flattr.proxies import EnvironmentProxy

    assert EnvironmentProxy("HTTPS_PROXY", url).hide_credentials(answer) == shown


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://proxy", None),  # no port: the scheme's own
        ("http://proxy:1", None),
        ("http://proxy:65535", None),
        ("http://proxy:0", "HTTPS_PROXY: the proxy's port 0 is not from 1 to 65535"),
    ],
)
def test_a_proxys_port_is_checked_at_both_ends_of_its_range(url, problem):
    from pelican_flattr.proxies import EnvironmentProxy

    assert EnvironmentProxy("HTTPS_PROXY", url).port_problem() == problem


def test_a_proxy_url_httpx_cannot_encode_is_no_traceback():
    # A byte no UTF-8 decodes, as os.environ holds it: httpx raises
    # UnicodeError, not InvalidURL.
    from pelican_flattr.proxies import EnvironmentProxy

    proxy = EnvironmentProxy("HTTPS_PROXY", "http://user:pa\udcffss@proxy:3128")
    assert proxy.shown == "(an address that cannot be read)"
    assert proxy.hide_credentials("refused") == "refused"
    assert proxy.port_problem() is None  # httpx reports the URL itself


def test_a_proxys_long_answer_is_cut_after_its_credentials_are_hidden():
    # Cut first, a password across the cut kept its start ("S3cretP...").
    from pelican_flattr.api import FlattrClient
    from pelican_flattr.proxies import EnvironmentProxy

    with FlattrClient("t" * 20, "https://api.flattr.example/rest/v2") as client:
        client.proxy = EnvironmentProxy("HTTPS_PROXY", "http://u:S3cretPassw0rd@p:1")
        error = httpx.ProxyError("x" * 290 + " S3cretPassw0rd")
        message = client._proxy_refused(error)
    assert "S3cret" not in message and "x" * 200 in message


# --- The proxy's finer rules, and a proxy that echoes the credentials. ---


@pytest.mark.parametrize(
    ("variables", "url", "expected"),
    [
        # A pattern with a port comes before a longer scheme.
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "all://*:8443"},
            "https://x.example:8443",
            None,
        ),
        # A longer scheme comes before all://, whichever was listed first;
        # "*" as its host is any host.
        ({"ALL_PROXY": A, "NO_PROXY": "https://"}, "https://x.example", None),
        ({"ALL_PROXY": A, "NO_PROXY": "https://*"}, "https://x.example", None),
        # Of two patterns as specific, the first: the proxy's.
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "https://*"},
            "https://x.example",
            ("HTTPS_PROXY", A),
        ),
        # localhost in any case names that one host, not its subdomains.
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "LOCALHOST"},
            "https://api.localhost",
            ("HTTPS_PROXY", A),
        ),
        # A domain matches the whole host name, and its dots are dots.
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "flattr.com"},
            "https://flattr.com.example",
            ("HTTPS_PROXY", A),
        ),
        (
            {"HTTPS_PROXY": A, "NO_PROXY": "flattr.com"},
            "https://flattrxcom",
            ("HTTPS_PROXY", A),
        ),
        # Two spellings of one name: the one whose value urllib kept (the
        # last set) is named, not the first found.
        (
            {"HTTPS_PROXY": B, "Https_Proxy": A},
            "https://x.example",
            ("Https_Proxy", A),
        ),
    ],
)
def test_the_proxy_found_follows_httpx_in_its_finer_rules(
    monkeypatch, variables, url, expected
):
    # Each case once told environment_proxy() apart from httpx's routing.
    test_the_proxy_found_is_the_one_httpx_uses(monkeypatch, variables, url, expected)


def test_a_short_password_ending_a_longer_word_leaves_the_word():
    # Whole words at both ends: "no data" with the password "a" once read
    # "no dat[hidden]".
    from pelican_flattr.proxies import EnvironmentProxy

    proxy = EnvironmentProxy("HTTPS_PROXY", "http://carol:a@proxy:3128")
    assert proxy.hide_credentials("no data, a") == "no data, [hidden]"


@contextlib.contextmanager
def proxy_echoing_credentials():
    """A proxy on 127.0.0.1 that refuses every CONNECT with a 407 whose
    reason echoes the Basic ``Proxy-Authorization`` it was sent, as sent
    and decoded (as a proxy's error page may); its port."""
    stop = threading.Event()

    def serve(server: socket.socket) -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += connection.recv(65536) or b"\r\n\r\n"
                sent = re.search(
                    r"^proxy-authorization: basic (\S+)",
                    head.decode("latin-1"),
                    flags=re.IGNORECASE | re.MULTILINE,
                )
                echo = "nothing" if sent is None else sent[1]
                if sent is not None:
                    echo += " = " + base64.b64decode(sent[1]).decode()
                connection.sendall(f"HTTP/1.1 407 got {echo}\r\n\r\n".encode())

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.1)
        thread = threading.Thread(target=serve, args=(server,))
        thread.start()
        try:
            yield server.getsockname()[1]
        finally:
            stop.set()
            thread.join()


def basic(credentials: str) -> str:
    """The Basic ``Proxy-Authorization`` value of ``credentials``."""
    return base64.b64encode(credentials.encode()).decode("ascii")


@pytest.mark.parametrize(
    ("userinfo", "secrets"),
    [
        # A password without a user name: httpx sends it all the same, as
        # the Basic credentials ":s3cret", once shown as they came back.
        (":s3cret@", ["s3cret", basic(":s3cret")]),
        # A percent-encoded user name is sent decoded, in the Basic
        # credentials too.
        ("me%40corp:s3cret@", ["me@corp", "s3cret", basic("me@corp:s3cret")]),
        ("carol@", ["carol", basic("carol:")]),
        # No credentials: the answer is shown whole (hiding nothing once
        # ended in an IndexError).
        ("", []),
    ],
)
def test_a_proxy_that_echoes_the_credentials_sent_never_shows_them(
    monkeypatch, userinfo, secrets
):
    clear_proxy_variables(monkeypatch)
    with proxy_echoing_credentials() as port:
        monkeypatch.setenv("HTTPS_PROXY", f"http://{userinfo}127.0.0.1:{port}")
        api_url = "https://api.flattr.example/rest/v2"
        with (
            FlattrClient(TOKEN, api_url, timeout=5) as flattr,
            pytest.raises(CouldNotReachFlattr) as raised,
        ):
            flattr.verify("partner:ns:1", "alice")
    message = str(raised.value)
    assert f"the proxy that HTTPS_PROXY names (http://127.0.0.1:{port}) " in message
    assert "it answered 407 got " in message
    assert [secret for secret in secrets if secret in message] == []
    if not secrets:
        assert "it answered 407 got nothing;" in message


def test_a_no_proxy_host_httpx_cannot_encode_is_named(monkeypatch):
    # A byte no UTF-8 decodes (os.environ holds it as a surrogate): httpx
    # raises UnicodeError, not InvalidURL, on reading that pattern, which
    # once ended in a traceback instead of naming NO_PROXY.
    clear_proxy_variables(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", A)
    monkeypatch.setenv("NO_PROXY", "x.example/\udcff")
    with pytest.raises(api.UnusableEnvironment) as raised:
        FlattrClient(TOKEN, "https://api.flattr.example/rest/v2")
    assert str(raised.value).startswith("NO_PROXY: a host httpx cannot read")


@pytest.mark.parametrize("retry_after", ["120", "7200"])
def test_a_reset_still_ahead_is_kept_over_retry_after(retry_after):
    # A shorter Retry-After asked again before the counter reset, was
    # refused, and spent one of the batch's few waits.
    limit = RateLimit(limit=100, remaining=0, reset=int(START) + 3600)
    kept = api._with_retry_after(limit, {"Retry-After": retry_after}, START)
    assert kept.reset == int(START) + 3600
