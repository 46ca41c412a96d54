"""A local stand-in for Flattr's REST API v2 verify endpoints.

A real HTTP server on 127.0.0.1, in a thread, that follows the documented
behaviour: bearer token check, a form-encoded (or JSON) ``identity``,
answers with a JSON content type (a success without a body, as Flattr's
example shows it), ``X-RateLimit-*`` headers on every response and an hourly
budget.
Tests script failures (a 401 JSON error, a 500 HTML page, an empty body, a
slow answer...) and read back every request it received, so that they can
assert what was sent and, above all, what was not.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import os
import re
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, quote_plus, unquote

TOKEN = "stub-token-7f3c9a1e5b2d4c6e8a0b"
LIMIT = 5000
_IDENTITY = re.compile(
    r"twitter:user:id:[0-9]+|email:[0-9a-f]{32}|partner:[A-Za-z0-9_.-]+:[A-Za-z0-9_.@+-]+"
)
_USERS_PATH = re.compile(r"/rest/v2/users/([^/]+)/verify")

# Answers written on the socket by hand: a server trickling its headers or
# its body a byte at a time, one echoing the token where no JSON is parsed
# (in a reason phrase, a content type, a status line that is no HTTP's),
# one whose body never ends, redirects (one with a JSON error body), a
# rate-limit refusal without the headers that say when the budget resets,
# HTTP's 429 as a gateway in front of an API answers it (one with a
# Retry-After that is no number, one with X-RateLimit-* headers but no
# X-RateLimit-Reset, one whose X-RateLimit-Reset is already past), the
# token echoed percent-encoded, and successes
# that are not Flattr's: a captive portal's empty page, without Flattr's
# rate-limit headers, and a 200 without any Content-Type; and Flattr's
# success as a gateway that drops the rate-limit headers passes it on.
RAW_MODES = (
    "trickle_headers",
    "trickle_body",
    "echo_token_reason",
    "echo_token_content_type",
    "endless",
    "redirect",
    "redirect_json",
    "redirect_echo",
    "redirect_invalid",
    "rate_limited_without_reset",
    "too_many_requests",
    "too_many_requests_without_reset",
    "too_many_requests_past_reset",
    "too_many_requests_json",
    "too_many_requests_superscript",
    "redirect_echo_encoded",
    "echo_encoded_token",
    "captive_portal_200",
    "no_content_type_200",
    "success_without_rate_headers",
    "echo_token_bad_status",
    "gzip_bomb",
    "cut_body",
    "cut_429",
    "cut_401",
    "identity_twice",
    # A gateway's 503 during maintenance, saying when to come back.
    "unavailable_retry_after",
)

# Scripted answers, by name. Each is (status, content type, body).
SCRIPTED = {
    "unauthorized": (
        401,
        "application/json;charset=utf-8",
        {
            "error": "unauthorized",
            "error_description": "You are not allowed to verify this identity",
            "error_uri": "http://developers.flattr.net/api",
        },
    ),
    "rate_limited": None,  # built from the budget, see _rate_limited
    "not_found": (
        404,
        "application/json;charset=utf-8",
        {"error": "not_found", "error_description": "No such user"},
    ),
    "server_error_json": (
        500,
        "application/json;charset=utf-8",
        {"error": "server_error", "error_description": "Something broke"},
    ),
    # A token without the scope verify needs: RFC 6750's status for the
    # first, RFC 6749's for the second.
    "insufficient_scope": (
        403,
        "application/json;charset=utf-8",
        {"error": "insufficient_scope", "error_description": "Scope missing"},
    ),
    "invalid_scope": (
        400,
        "application/json;charset=utf-8",
        {"error": "invalid_scope", "error_description": "Invalid scope"},
    ),
    "html_500": (
        500,
        "text/html; charset=utf-8",
        "<html><body><h1>Internal Server Error</h1></body></html>",
    ),
    "html_404": (404, "text/html", "<html><body>Not here</body></html>"),
    # A captive portal's page, with a success status.
    "html_200": (200, "text/html", "<html>captive portal</html>"),
    # Flattr's error document with a success status: no answer Flattr gives.
    "error_200": (
        200,
        "application/json;charset=utf-8",
        {"error": "unauthorized", "error_description": "Not allowed to verify"},
    ),
    "empty_502": (502, "application/json", ""),
    "empty_401": (401, "application/json", ""),
    "empty_200": (200, "application/json;charset=utf-8", ""),
    # JSON content types other than Flattr's own: without parameters, in
    # upper case, and a "+json" type (RFC 6839).
    "plain_json_200": (200, "application/json", ""),
    "upper_json_200": (200, "APPLICATION/JSON; Charset=UTF-8", ""),
    "suffix_json_200": (200, "application/vnd.api+json", "{}"),
    # Successes whose content type is not JSON, whatever the body holds.
    "empty_html_200": (200, "text/html; charset=iso-8859-1", ""),
    "json_as_text_200": (200, "text/plain", '{"identity": "x"}'),
    # A success behind a UTF-8 byte order mark, which RFC 8259 lets a
    # parser ignore.
    "bom_200": (200, "application/json;charset=utf-8", '\ufeff{"identity": "x"}'),
    "null_200": (200, "application/json;charset=utf-8", "null"),
    # An RFC 9457 problem document with a success status: a gateway's error.
    "problem_200": (
        200,
        "application/problem+json",
        {"type": "about:blank", "title": "Bad Gateway", "status": 502},
    ),
    "untitled_problem_200": (200, "Application/Problem+JSON; charset=utf-8", ""),
    # An integer longer than Python reads by default (4300 digits).
    "long_int_200": (200, "application/json;charset=utf-8", "[" + "1" * 5000 + "]"),
    # JSON, but no error code Flattr's API gives.
    "error_object_401": (401, "application/json", {"error": {"code": 401}}),
    # Nested deeper than Python's stack: json raises RecursionError for it.
    "deep_json_200": (200, "application/json;charset=utf-8", "[" * 100_000),
    # Python's json reads these, which RFC 8259 has no place for.
    "nan_200": (200, "application/json;charset=utf-8", "NaN"),
    "infinity_in_object_200": (200, "application/json", '{"verified": -Infinity}'),
    "echo_address": (
        400,
        "application/json",
        {"error": "validation", "error_description": "carol@example.org is taken"},
    ),
    # As a form or a URL carries it.
    "echo_encoded_address": (
        400,
        "application/json",
        {"error": "validation", "error_description": "carol%40example.org is taken"},
    ),
    # An address with an isolate's end, or ESC, inside its local part:
    # spaces there would leave two words that read as the address.
    "echo_split_address": (
        400,
        "application/json",
        {
            "error": "validation",
            "error_description": (
                "carol\u2069@example.org is taken; carol\u001b@example.org, "
                "carol\n@example.org, carol\u0085@example.org, "
                "carol@\u2028example.org too"
            ),
        },
    ),
    # Characters a terminal acts on or reorders: C1's CSI (U+009B) and NEL
    # (U+0085), the line and paragraph separators, a bidi override and an
    # isolate with its end, and C0's BEL.
    "echo_controls": (
        400,
        "application/json",
        {
            "error": "validation",
            "error_description": (
                "a\u009b2Jb\u0085c\u2028d\u2029e\u202ef\u2066g\u2069h\u0007i"
            ),
        },
    ),
    # Characters that show as nothing: zero-width ones, the byte order
    # mark, the left-to-right and right-to-left marks. Inside the token or
    # an address, they kept each from being found, yet it read whole.
    "echo_invisible": (
        400,
        "application/json",
        {
            "error": "validation",
            "error_description": (
                "a\u200bb\u200cc\u200dd\u2060e\ufefff\u200eg\u200fh; "
                f"bad header Bearer {TOKEN[:4]}\u200b{TOKEN[4:]}; "
                "ca\u2060rol@exam\ufeffple.org is taken"
            ),
        },
    ),
    # C1 controls and bidi isolates inside the token: made spaces, they
    # left it as pieces that read as it.
    "echo_split_token": (
        400,
        "application/json",
        {
            "error": "validation",
            "error_description": (
                f"bad header Bearer {TOKEN[:4]}\u0085{TOKEN[4:8]}\u2066\u2069"
                f"{TOKEN[8:]}; done"
            ),
        },
    ),
    "echo_token": (
        400,
        "application/json",
        {"error": "invalid_request", "error_description": f"bad header Bearer {TOKEN}"},
    ),
}


@dataclass(frozen=True)
class Received:
    """One request as the stub saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, list[str]]

    @property
    def identity(self) -> str | None:
        values = self.form.get("identity")
        return values[0] if values else None


@dataclass
class Rule:
    mode: str
    identity: str | None
    times: int


@dataclass
class FlattrApiStub:
    """The server and its state. Use as a context manager.

    ``clock`` is shared with the client under test so that a fake clock
    moves both: the budget comes back when ``clock()`` passes ``reset``.
    ``users`` limits ``/users/:name/verify`` to known names (404 otherwise).
    """

    token: str = TOKEN
    limit: int = LIMIT
    remaining: int | None = None
    reset: int | None = None
    clock: Callable[[], float] = time.time
    users: frozenset[str] | None = None
    slow_seconds: float = 5.0
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    _rules: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)
    # Set when a request arrives; tests wait on it instead of polling.
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        if self.remaining is None:
            self.remaining = self.limit
        if self.reset is None:
            self.reset = int(self.clock()) + 3600

    # -- test controls -------------------------------------------------------

    def script(self, mode: str, *, identity: str | None = None, times: int = 1) -> None:
        """Answer the next ``times`` requests (for ``identity`` only, if
        given) with ``mode``: a key of SCRIPTED, ``slow``, ``drop``,
        ``reset`` or one of RAW_MODES."""
        assert mode in SCRIPTED or mode in ("slow", "drop", "reset", *RAW_MODES), mode
        with self._lock:
            self._rules.append(Rule(mode, identity, times))

    def identities(self) -> list[str | None]:
        """The identity of every request received, in order."""
        with self._lock:
            return [request.identity for request in self.requests]

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> bool:
        """Block until ``count`` requests have arrived."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/rest/v2"

    def __enter__(self) -> FlattrApiStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stub._handle(self)

            def do_GET(self) -> None:
                stub._handle(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release.set()  # let slow handlers finish at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- the server side -----------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        content_type = handler.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                document = json.loads(body or b"{}")
                form = {key: [str(value)] for key, value in document.items()}
            except ValueError:
                form = {}
        else:
            form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        received = Received(
            handler.command, handler.path, dict(handler.headers.items()), body, form
        )
        with self._lock:
            self.requests.append(received)
            mode = self._take_rule(received.identity)
        with self.arrived:
            self.arrived.notify_all()

        if mode == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if mode == "reset":
            # A running server that resets the connection once the request
            # came (overloaded, restarting): linger 0 makes close() send a
            # reset, not a FIN. The descriptor is closed at once: the
            # socket object lives on until the handler's files are closed.
            handler.close_connection = True
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            os.close(handler.connection.detach())
            return
        if mode == "slow":
            self._release.wait(self.slow_seconds)
            mode = None
        if mode in RAW_MODES:
            # OSError: the client gave up, as it should.
            with contextlib.suppress(OSError):
                self._answer_raw(handler, received, mode)
            return
        status, content_type, payload = self._answer(handler, received, mode)
        data = payload if isinstance(payload, str) else json.dumps(payload)
        data_bytes = data.encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data_bytes)))
            for name, value in self._rate_headers().items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data_bytes)
        except OSError:
            pass  # the client gave up (a timeout test): nothing to answer

    def _answer_raw(self, handler, received: Received, mode: str) -> None:
        """Answers no well-behaved server gives, written byte by byte; each
        says it closes the connection, as it does, so that a client never
        sends its next request down a closed one."""
        handler.close_connection = True
        out = handler.connection
        authorization = received.headers.get("Authorization", "")
        if mode in ("trickle_headers", "trickle_body"):
            body = b'{"identity": "x"}' * 40
            head = (
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
            )
            if mode == "trickle_body":
                out.sendall(head)
            for byte in (head if mode == "trickle_headers" else b"") + body:
                if self._release.wait(0.05):
                    return
                out.sendall(bytes([byte]))
        elif mode == "echo_token_reason":
            out.sendall(
                f"HTTP/1.1 502 {authorization}\r\nConnection: close\r\n"
                "Content-Length: 0\r\n\r\n".encode()
            )
        elif mode == "echo_token_bad_status":
            # A status that is no number: h11's error shows the line as a
            # bytes repr, "\\" and "'" escaped.
            out.sendall(
                f"HTTP/1.1 5x2 {authorization}\r\nConnection: close\r\n"
                "Content-Length: 0\r\n\r\n".encode()
            )
        elif mode == "echo_token_content_type":
            out.sendall(
                b"HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Type: text/"
                + authorization.replace(" ", "-").encode()
                + b"\r\nContent-Length: 4\r\n\r\nOops"
            )
        elif mode == "redirect":
            out.sendall(
                b"HTTP/1.1 301 Moved Permanently\r\nConnection: close\r\n"
                b"Location: https://elsewhere.example/\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "redirect_echo":
            token = authorization.removeprefix("Bearer ").upper()
            out.sendall(
                b"HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: "
                b"https://elsewhere.example/?email=carol%40example.org&tok="
                + token.encode()
                + b"\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "redirect_invalid":
            # A Location no URL parser takes (an escape, a space).
            out.sendall(
                b"HTTP/1.1 302 Found\r\nConnection: close\r\n"
                b"Location: https://else\x1bwhere example/\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "redirect_json":
            out.sendall(
                _json_answer(
                    b"308 Permanent Redirect",
                    {"error": "moved_permanently", "error_description": "see Location"},
                    b"Location: https://elsewhere.example/\r\n",
                )
            )
        elif mode == "unavailable_retry_after":
            out.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                b"Content-Type: text/html\r\nRetry-After: 30\r\n"
                b"Content-Length: 11\r\n\r\nmaintenance"
            )
        elif mode == "too_many_requests":
            out.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                b"Content-Type: text/plain\r\nRetry-After: 120\r\n"
                b"Content-Length: 9\r\n\r\nslow down"
            )
        elif mode == "too_many_requests_without_reset":
            # The budget's other headers do not say when it resets.
            out.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                b"X-RateLimit-Limit: 5000\r\nX-RateLimit-Remaining: 0\r\n"
                b"Retry-After: 120\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "too_many_requests_past_reset":
            past = str(int(self.clock()) - 10).encode()
            out.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                b"X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: " + past
                + b"\r\nRetry-After: 120\r\nContent-Length: 0\r\n\r\n"
            )  # fmt: skip
        elif mode == "too_many_requests_superscript":
            # "²" passes str.isdigit(), yet int() refuses it.
            out.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                b"Retry-After: \xc2\xb2\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "redirect_echo_encoded":
            # As a URL carries it, with lower-case hex.
            token = quote(authorization.removeprefix("Bearer "), safe="").lower()
            out.sendall(
                b"HTTP/1.1 302 Found\r\nConnection: close\r\nLocation: "
                b"https://elsewhere.example/?tok=" + token.encode()
                + b"\r\nContent-Length: 0\r\n\r\n"
            )  # fmt: skip
        elif mode == "echo_encoded_token":
            # As a form carries it, and as a URL path does (keeping "/").
            token = authorization.removeprefix("Bearer ")
            said = f"bad token {quote_plus(token)} in {quote(token)}"
            out.sendall(
                _json_answer(
                    b"400 Bad Request",
                    {"error": "invalid_request", "error_description": said},
                )
            )
        elif mode == "too_many_requests_json":
            out.sendall(
                _json_answer(b"429 Too Many Requests", {"error": "too_many_requests"})
            )
        elif mode == "rate_limited_without_reset":
            out.sendall(
                _json_answer(
                    b"403 Forbidden",
                    {"error": "rate_limit_exceeded", "error_description": "slow down"},
                )
            )
        elif mode == "captive_portal_200":
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: text/html\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "no_content_type_200":
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
            )
        elif mode == "success_without_rate_headers":
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: application/json;charset=utf-8\r\n"
                b"Content-Length: 0\r\n\r\n"
            )
        elif mode == "gzip_bomb":
            # 16 MiB of JSON whitespace in ~16 KiB of gzip, twice over: small
            # on the wire, unbounded once decoded.
            inner = gzip.compress(b" " * (16 << 20), 9)
            body = gzip.compress(inner, 9)
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Encoding: gzip, gzip\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
        elif mode == "cut_body":
            # Closed (a FIN, no reset) five bytes into a body of a hundred.
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"a":'
            )
        elif mode == "identity_twice":
            # Two proxies in a row, each saying it did not encode it.
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Encoding: identity\r\nContent-Encoding: identity\r\n"
                b"Content-Length: 2\r\n\r\n{}"
            )
        elif mode == "cut_429":
            # A rate limit's refusal, cut as cut_body is.
            out.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\nRetry-After: 30\r\n"
                b'Content-Length: 100\r\n\r\n{"a":'
            )
        elif mode == "cut_401":
            out.sendall(
                b"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"error":'
            )
        elif mode == "endless":
            out.sendall(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"[" * 65536
            while not self._release.is_set():
                out.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def _take_rule(self, identity: str | None) -> str | None:
        for rule in list(self._rules):
            if rule.identity is None or rule.identity == identity:
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule.mode
        return None

    def _spend(self) -> bool:
        """Count one request against the budget; False when none is left."""
        with self._lock:
            while self.clock() >= self.reset:
                self.reset += 3600
                self.remaining = self.limit
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            return True

    def _rate_headers(self) -> dict[str, str]:
        with self._lock:
            return {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Current": str(self.limit - self.remaining),
                "X-RateLimit-Reset": str(self.reset),
            }

    def _answer(self, handler, received: Received, mode: str | None):
        json_type = "application/json;charset=utf-8"
        if mode == "rate_limited" or not self._spend():
            if mode == "rate_limited":
                with self._lock:
                    self.remaining = 0
            return (
                403,
                json_type,
                {
                    "error": "rate_limit_exceeded",
                    "error_description": "Rate limit exceeded, try again later",
                },
            )
        if mode is not None:
            return SCRIPTED[mode]
        if received.method != "POST":
            return 406, json_type, {"error": "not_acceptable"}
        match = _USERS_PATH.fullmatch(received.path)
        if received.path != "/rest/v2/user/verify" and not match:
            return (
                404,
                json_type,
                {"error": "not_found", "error_description": "No route"},
            )
        if received.headers.get("Authorization") != f"Bearer {self.token}":
            return (
                401,
                json_type,
                {"error": "unauthorized", "error_description": "Not logged in"},
            )
        identity = received.identity
        if not identity:
            return (
                400,
                json_type,
                {
                    "error": "invalid_parameters",
                    "error_description": "identity missing",
                },
            )
        if not _IDENTITY.fullmatch(identity):
            return (
                401,
                json_type,
                {"error": "unauthorized", "error_description": "Invalid identifier"},
            )
        if (
            match
            and self.users is not None
            and unquote(match.group(1)) not in self.users
        ):
            return (
                404,
                json_type,
                {"error": "not_found", "error_description": "No such user"},
            )
        # Flattr's documented example of a success: 200, a JSON content
        # type and the rate-limit headers, and no body.
        return 200, json_type, ""


def _json_answer(status: bytes, document: dict, headers: bytes = b"") -> bytes:
    """A JSON answer written by hand, saying it closes its connection."""
    body = json.dumps(document).encode()
    return (
        b"HTTP/1.1 " + status + b"\r\nConnection: close\r\n" + headers
        + b"Content-Type: application/json\r\n"
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


START = 1_700_000_000.0


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class KeepAliveResettingServer:
    """A server on 127.0.0.1 that answers Flattr's success keeping the
    connection alive (HTTP/1.1, no ``Connection: close``), then resets the
    connection when a second request comes down it, as a server or a load
    balancer does that dropped an idle connection while the request was on
    its way. Every request on a new connection succeeds.

    ``requests`` holds the headers of each request it read, ``resets`` how
    many it answered by a reset. Use as a context manager.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.resets = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}/rest/v2"

    def __enter__(self) -> KeepAliveResettingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(
                target=self._converse, args=(connection,), daemon=True
            ).start()

    def _converse(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader:
            for number in itertools.count(1):
                headers = _read_request(reader)
                if headers is None:
                    return  # the client closed the connection
                self.requests.append(headers)
                if number > 1:
                    self.resets += 1
                    # Linger 0: close() sends a reset, not a FIN.
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    return
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\n"
                    b"Content-Type: application/json;charset=utf-8\r\n"
                    b"X-RateLimit-Limit: 5000\r\nX-RateLimit-Remaining: 4999\r\n"
                    b"Content-Length: 0\r\n\r\n"
                )


def _read_request(reader) -> dict[str, str] | None:
    """The headers of the next request on ``reader``, its body read past;
    None at the end of the connection."""
    line = reader.readline()
    if not line.strip():
        return None
    headers = {}
    for line in iter(reader.readline, b"\r\n"):
        if not line:
            return None
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    reader.read(int(headers.get("content-length", 0)))
    return headers
