"""A client for Flattr's REST API v2: verifying custom identifiers.

A registered community partner that can vouch for one of its users links the
user's identifier (``partner:ns:id``, ``twitter:user:id:N``, ``email:<md5>``)
to a Flattr account with one call; Flattr then lets that account claim every
pending thing of the identifier at once:

* ``POST {base}/users/:username/verify`` for a named Flattr user;
* ``POST {base}/user/verify`` for the token's own account.

The one parameter, ``identity``, is sent form-encoded; the OAuth 2 bearer
token goes in the ``Authorization`` header and nowhere else. Every message
this module produces is safe to print: it never holds the token, and an
identity is only ever shown in the hashed form Flattr receives.

Errors come in two kinds, which callers treat differently:

* ``RefusedByFlattr``: Flattr's API answered with one of its documented JSON
  errors (a 4xx); ``RateLimitExceeded`` is the one to wait out.
* ``CouldNotReachFlattr``: no usable answer: connection failure, timeout,
  5xx, or an answer that is not Flattr's (HTML from a proxy, an empty error
  body, a success whose Content-Type is not JSON...).

Clock and sleep are injectable so that pacing can be tested without waiting.
Nothing here imports Pelican or knows about the command line.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import ssl
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from .identifiers import (
    HIDDEN_ADDRESS,
    USERNAME_FORM,
    IdentifierError,
    is_handle,
    parse_owner,
    parse_partner_identifier,
    redact_addresses,
    redact_encoded_addresses,
)
from .proxies import PORT_RANGE, EnvironmentProxy, environment_proxy

DEFAULT_BASE_URL = "https://api.flattr.com/rest/v2"
# Seconds to wait for an answer (read, write, pool); connecting gets less,
# because a host that does not accept a connection in 5 s is not coming.
DEFAULT_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0
MAX_TIMEOUT = 3600.0
TIMEOUT_RULE = f"the timeout must be more than 0 and at most {MAX_TIMEOUT:g} seconds"
# Pause before the single retry of a request that could not connect: the
# request never reached Flattr then, so even a single --identity may send it
# again. What failed after sending is tried again in a batch only (below).
RETRY_DELAY = 1.0
# Flattr's counter resets hourly. A 403 without a usable reset time waits
# this long before trying again; no wait is ever longer than MAX_WAIT, which
# guards against a server clock far ahead of ours.
FALLBACK_WAIT = 60.0
MAX_WAIT = 3600.0 + 60.0
# Reset times have one-second resolution and the clocks may differ a little:
# wake up just after the reset, never just before it.
RESET_MARGIN = 1.0
# How many times one identity waits for the budget before the client gives up.
MAX_RATE_LIMIT_WAITS = 3
# A batch sends an identity again, at most this many more times, after an
# answer that says the failure is passing (502, 503, 504) or a connection
# reset: verifying twice is harmless, and one such answer would otherwise
# end a long run. It pauses TRANSIENT_PAUSE first, or until Retry-After
# (capped at MAX_WAIT, as the rate-limit waits are).
MAX_TRANSIENT_RETRIES = 2
# No answer within the timeout is tried again too, for the same reason, but
# once only: each try holds the batch the whole timeout (up to an hour).
MAX_TIMEOUT_RETRIES = 1
TRANSIENT_PAUSE = 2.0
TRANSIENT_STATUSES = frozenset({502, 503, 504})
# Flattr's answers are a few hundred bytes; anything longer is not Flattr.
MAX_ANSWER_BYTES = 1 << 20
# httpx's timeouts restart with every byte received, so a server sending one
# byte a second would never time out: each request also has a deadline,
# this much after the timeout, for httpx's own errors to come first.
DEADLINE_SLACK = 1.0

USER_AGENT = "pelican-flattr (verify)"
# RFC 6750's b64token, what a bearer token is made of: nothing that a
# server's error could show escaped ("\\" and "'" in a bytes repr), out of
# reach of the echo redaction (_echo_pattern).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~+/-]+=*")
BEARER_TOKEN_RULE = (
    "letters, digits, '-', '.', '_', '~', '+' and '/', then any '=' at its "
    "end (RFC 6750)"
)
# What a server's text must not bring to a terminal: C0 and C1 controls
# (C1's U+009B starts an escape sequence as ESC [ does), the line and
# paragraph separators, and the bidi overrides and isolates that make a
# line read otherwise than it is.
_CONTROL_CHARACTERS = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_CONTROL = re.compile(f"{_CONTROL_CHARACTERS}+")
# What shows as nothing, or as a blank that is no space, besides the format
# characters (_without_format_characters drops those first): the variation
# selectors and the other combining characters that draw nothing, the
# Hangul fillers, the braille blank, and what is unassigned among them.
# Dropped, not spaced, before anything is looked for: inside the token or
# an address, one kept it from being found, yet the terminal showed it
# whole.
_SHOWN_AS_NOTHING = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2065\u2800\u3164"
    "\ufe00-\ufe0f\uffa0\U000e0000-\U000e0fff]+"
)

# 9999-12-30 23:59:59 UTC: a day before the last time datetime can show,
# so that the time is still a datetime in every local zone (offsets stay
# within a day), as local_time() shows it.
_LAST_UNIX_TIME = 253_402_300_799 - 86_400

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def local_time(epoch: float) -> str:
    """A unix time as the operator's local date and time, with its zone."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


@dataclass(frozen=True)
class RateLimit:
    """Flattr's ``X-RateLimit-*`` headers of one response.

    ``reset`` is a unix time. A header that was missing or unreadable is None.
    """

    limit: int | None = None
    remaining: int | None = None
    current: int | None = None
    reset: int | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """Read the headers; None when the response carried none of them."""
        values = {
            name: _header_int(headers.get(f"X-RateLimit-{name.capitalize()}"))
            for name in ("limit", "remaining", "current", "reset")
        }
        reset = values["reset"]
        if reset is not None and not 0 <= reset <= _LAST_UNIX_TIME:
            values["reset"] = None  # not a time: as if the header were missing
        if all(value is None for value in values.values()):
            return None
        return cls(**values)

    @property
    def exhausted(self) -> bool:
        """True when the response said no request is left until the reset."""
        return self.remaining is not None and self.remaining <= 0

    def describe(self) -> str:
        """One line for people: what is left and when it resets (local time)."""
        if self.remaining is not None and self.limit is not None:
            left = f"{self.remaining} of {self.limit} requests left"
        elif self.remaining is not None:
            left = f"{self.remaining} requests left"
        else:
            left = "requests left unknown"
        if self.reset is not None:
            return f"{left}; resets at {local_time(self.reset)}"
        return left

    def as_dict(self) -> dict[str, Any]:
        """The values for JSON output, with the reset also in local time."""
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "current": self.current,
            "reset": self.reset,
            "reset_local": None if self.reset is None else local_time(self.reset),
        }


def _header_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except (ValueError, OverflowError):
        return None


@dataclass(frozen=True)
class VerifyResult:
    """A verification Flattr accepted.

    ``identity`` is the form that was sent (an email only as its hash);
    ``username`` is None for the token's own account (``/user/verify``).
    """

    identity: str
    username: str | None
    status: int
    rate_limit: RateLimit | None


class FlattrApiError(Exception):
    """A verification that did not succeed. The message is safe to print:
    it never contains the token or a plain email address."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.rate_limit = rate_limit

    def __str__(self) -> str:
        return self.message


class RefusedByFlattr(FlattrApiError):
    """Flattr's API answered with one of its documented errors (a 4xx).

    ``code`` is Flattr's error code (``unauthorized``, ``not_found``...) and
    ``description`` its ``error_description``, cleaned for printing.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        description: str = "",
        status: int | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        super().__init__(message, status=status, rate_limit=rate_limit)
        self.code = code
        self.description = description


class RateLimitExceeded(RefusedByFlattr):
    """``403 rate_limit_exceeded``: no request is left until ``reset``."""

    @property
    def reset(self) -> int | None:
        """The unix time at which the budget comes back, if Flattr said."""
        return self.rate_limit.reset if self.rate_limit else None


class CouldNotReachFlattr(FlattrApiError):
    """No usable answer: a connection failure, a timeout, a 5xx, or an
    answer that is not one of Flattr's (a proxy's HTML page, an empty error
    body, a success whose Content-Type is not JSON...).

    ``transient`` is True for a failure that says it is passing (502, 503,
    504, a connection reset, no answer within the timeout), which
    ``verify_paced`` tries again; ``timed_out`` for the last, tried again
    once only; ``retry_at`` is the unix time its ``Retry-After`` named, if
    any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        rate_limit: RateLimit | None = None,
        transient: bool = False,
        retry_at: int | None = None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message, status=status, rate_limit=rate_limit)
        self.transient = transient
        self.retry_at = retry_at
        self.timed_out = timed_out


class UnusableEnvironment(ValueError):
    """A variable of the environment that httpx reads (a proxy, a CA
    certificate file or folder) holds something it cannot use. The message
    starts with the variable's name and never shows a proxy's URL, which
    may hold a password."""


# What a Flattr username is made of, for messages about one.
USERNAME_RULE = "letters, digits, '_', '-' and '.'"


def check_username(value: object) -> str:
    """A Flattr username, checked with the plugin's rules before it goes
    into a URL path. Raises IdentifierError with a message safe to print."""
    # parse_owner's messages offer every form FLATTR_AUTHORS accepts
    # (twitter:user:id:NUMBER, email:ADDRESS...), each refused here in
    # turn: an account is named by its username alone, and every message
    # below says so before parse_owner can speak.
    if not isinstance(value, str):
        raise IdentifierError(
            f"expects the Flattr account's username as text ({USERNAME_RULE}), "
            f"not {type(value).__name__}"
        )
    if not value.strip():
        raise IdentifierError(
            f"is empty; expected the Flattr account's username ({USERNAME_RULE})"
        )
    if is_handle(value):
        # A handle holds no address: it may be shown.
        raise IdentifierError(
            f"{value.strip()!r} is a handle: write the Flattr username without "
            f"the '@' ({value.strip()[1:]})"
        )
    if "@" in value or HIDDEN_ADDRESS in value:
        raise IdentifierError(
            f"expects the Flattr account's username ({USERNAME_RULE}), not an "
            "email address"
        )
    if ":" in value:
        # An owner identifier, or something like one: not shown, since
        # "email:" may precede what is left of an address.
        raise IdentifierError(
            "holds ':', as an owner identifier does; expected the Flattr "
            f"account's username ({USERNAME_RULE})"
        )
    # Without ':', it speaks of usernames only; USERNAME_FORM keeps its
    # advice (a person's name, a web address) to the one form taken here.
    owner = parse_owner(value, USERNAME_FORM)
    return owner.value


def check_base_url(value: str) -> str:
    """The API base URL without its trailing slash.

    Raises ValueError unless it is an absolute http(s) URL. Plain http is
    refused except to the local machine, because the bearer token would
    otherwise cross the network in clear.
    """
    try:
        url = httpx.URL(value.strip())
        host = url.host
    except httpx.InvalidURL as error:
        if str(error).startswith("Invalid port"):
            raise ValueError("the API base URL's port is not a number") from None
        raise ValueError("the API base URL is not a valid URL") from None
    except (TypeError, UnicodeError):
        # UnicodeError: an "xn--" label the idna library cannot decode
        # (when the host is read), whose message would say nothing of the
        # API base URL.
        raise ValueError("the API base URL is not a valid URL") from None
    if url.scheme not in ("http", "https") or not host:
        raise ValueError(
            "the API base URL must be an absolute http(s) URL, such as "
            f"{DEFAULT_BASE_URL}"
        )
    # An empty query or fragment ("…/v2?") is falsy in httpx.URL, but would
    # still swallow the path appended to the base URL.
    if url.userinfo or "?" in value or "#" in value:
        raise ValueError(
            "the API base URL must not carry credentials, a query or a fragment"
        )
    if not _is_loopback(host) and not _is_host_name(host):
        raise ValueError(
            "the API base URL's host is not a valid host name (an empty label, "
            "or one longer than 63 characters)"
        )
    if url.port is not None and url.port not in PORT_RANGE:
        # httpx would connect to the port modulo 65536: 83537 is 18001.
        raise ValueError(f"the API base URL's port {url.port} is not from 1 to 65535")
    if url.scheme == "http" and not _is_loopback(host):
        raise ValueError(
            "the API base URL uses plain http to another machine; the token "
            "would travel in clear: use https"
        )
    return str(url).rstrip("/")


def _is_host_name(host: str) -> bool:
    """True when ``host`` can be looked up: an IP address, or a name whose
    labels IDNA can encode (the resolver would otherwise raise UnicodeError)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_token(token: object) -> str:
    """The bearer token, checked to be made of what an OAuth 2 bearer
    token is (RFC 6750's b64token: BEARER_TOKEN_RULE).

    Raises ValueError with a message that never repeats the token; callers
    put where it came from before it.
    """
    if not isinstance(token, str) or not token.strip():
        raise ValueError("the token is empty")
    token = token.strip()
    if not _TOKEN_CHARS.fullmatch(token):
        raise ValueError(
            "the token holds spaces or characters no bearer token holds (not "
            f"shown); a bearer token is made of {BEARER_TOKEN_RULE}: copy it again"
        )
    return token


def verify_url(base_url: str, username: str | None = None) -> str:
    """The verify endpoint under ``base_url`` for ``username``, or for the
    token's own account when None. Raises IdentifierError for a bad name."""
    base = base_url.rstrip("/")
    if username is None:
        return f"{base}/user/verify"
    return f"{base}/users/{quote(check_username(username), safe='')}/verify"


class FlattrClient:
    """Calls Flattr's verify endpoints with one bearer token.

    ``rate_limit`` holds the ``X-RateLimit-*`` headers of the latest response
    that carried them (None until one did); ``flattr_answered`` says whether
    any answer was Flattr's own (a success, or an error it names), not
    another server's (a redirect, a captive portal's page); ``proxy`` the
    proxy of the environment it goes through, if any. ``clock`` returns a
    unix time and ``sleep`` waits: both are replaced in tests.
    ``base_url_from`` and ``timeout_from`` name where the caller took the
    base URL and the timeout from, for messages on what to change. Use as a
    context manager, or call ``close()``. Creating one raises ValueError for
    a bad token, base URL or timeout, and UnusableEnvironment for a proxy or
    certificate variable of the environment that httpx cannot use.
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        base_url_from: str | None = None,
        timeout_from: str | None = None,
    ) -> None:
        self._token = check_token(token)
        # Where the base URL and the timeout were set (``--api-url``,
        # ``FLATTR_API_URL``, ``--timeout``), for what to change when
        # connecting fails; None for a caller with nothing to name.
        self.base_url_from = base_url_from
        self.timeout_from = timeout_from
        self._token_pattern = _echo_pattern(self._token)
        self.base_url = check_base_url(base_url)
        if not 0 < timeout <= MAX_TIMEOUT:
            raise ValueError(TIMEOUT_RULE)
        self.timeout = float(timeout)
        self.clock = clock
        self.sleep = sleep
        self.rate_limit: RateLimit | None = None
        self.flattr_answered = False
        # Plain http is allowed only to this machine: an HTTP_PROXY from the
        # environment would carry the token across the network.
        trust_env = not self.base_url.startswith("http:")
        self.proxy = environment_proxy(self.base_url) if trust_env else None
        problem = self.proxy.port_problem() if self.proxy else None
        if problem:
            raise UnusableEnvironment(problem)
        self._http = _http_client(
            timeout=httpx.Timeout(
                self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT)
            ),
            headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                # Each request on a connection of its own: one kept alive
                # may be dropped by the server (or a load balancer) just as
                # the next request goes down it, and a POST that fails so
                # may have been received, so it cannot be retried. Flattr's
                # budget is a few thousand requests an hour: a connection
                # for each costs little.
                "Connection": "close",
                # The body as sent: a compressed one is bounded only on the
                # wire, and 1 KiB of gzip makes 512 MiB in memory.
                "Accept-Encoding": "identity",
            },
            # A redirect would carry the token elsewhere; Flattr's API never
            # sent one, so it is reported instead of followed.
            follow_redirects=False,
            trust_env=trust_env,
        )

    def __repr__(self) -> str:  # never the token
        return f"FlattrClient({self.base_url!r})"

    def __enter__(self) -> FlattrClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def endpoint(self, username: str | None = None) -> str:
        """The verify URL for ``username``, or for the token's own account."""
        return verify_url(self.base_url, username)

    def verify(self, identity: str, username: str | None = None) -> VerifyResult:
        """Link ``identity`` to the Flattr account ``username`` (or to the
        token's own account when None). One request, no waiting.

        The identity is checked first with the plugin's identifier rules
        (``email:ADDRESS`` is hashed): an invalid one raises IdentifierError
        and nothing is sent. Raises RefusedByFlattr (RateLimitExceeded for a
        used-up budget) or CouldNotReachFlattr.
        """
        sent = parse_partner_identifier(identity).value
        url = self.endpoint(username)
        answer = self._post(url, {"identity": sent})
        answered = RateLimit.from_headers(answer.headers)
        if answered is not None:
            # An answer without the headers (a gateway's, a proxy's) says
            # nothing of the budget: the last one Flattr reported stands.
            self.rate_limit = answered
        return self._result(answer, answered, sent, username)

    def verify_paced(
        self,
        identity: str,
        username: str | None = None,
        *,
        on_wait: Callable[[int], None] | None = None,
        on_retry: Callable[[int, str], None] | None = None,
    ) -> VerifyResult:
        """Like ``verify``, but spends the budget with care: when the latest
        response left no request, or Flattr answers ``rate_limit_exceeded``,
        wait until the reset and go on. ``on_wait(unix_time)`` is
        called before each wait with the time it ends: the reset, or
        MAX_WAIT from now when the reset is further away. Gives up
        (re-raising RateLimitExceeded) after MAX_RATE_LIMIT_WAITS waits for
        the same identity, the one before its first request included.

        A failure that says it is passing (``CouldNotReachFlattr`` with
        ``transient``: 502, 503, 504, a connection reset) is tried again
        up to MAX_TRANSIENT_RETRIES times, after TRANSIENT_PAUSE or until
        its Retry-After, and no answer within the timeout up to
        MAX_TIMEOUT_RETRIES times in all; ``on_retry(unix_time, message)``
        is called before each pause with when it ends and what failed.
        """
        waits = retries = 0
        budget = self.rate_limit
        # Only before the first request: after a refusal, the wait below is
        # the one for the budget. Checked again after a wait cut short by
        # MAX_WAIT, it would wait a second time, uncounted, before asking.
        if (
            budget is not None
            and budget.exhausted
            and budget.reset is not None
            and budget.reset > self.clock()
        ):
            waits += 1
            self._wait_until(budget.reset, on_wait)
        while True:
            try:
                return self.verify(identity, username)
            except CouldNotReachFlattr as error:
                if not error.transient:
                    raise
                if retries >= (
                    MAX_TIMEOUT_RETRIES if error.timed_out else MAX_TRANSIENT_RETRIES
                ):
                    raise CouldNotReachFlattr(
                        f"{error.message} (tried {retries + 1} times)",
                        status=error.status,
                        rate_limit=error.rate_limit,
                    ) from None
                retries += 1
                self._pause_before_retry(error, on_retry)
            except RateLimitExceeded as error:
                if waits >= MAX_RATE_LIMIT_WAITS:
                    raise
                waits += 1
                reset = error.reset
                if reset is None or reset <= self.clock():
                    # Flattr says the budget is gone but not until when (or
                    # names a time already past): wait a while, never spin.
                    reset = int(self.clock() + FALLBACK_WAIT)
                self._wait_until(reset, on_wait)

    def _pause_before_retry(
        self,
        error: CouldNotReachFlattr,
        on_retry: Callable[[int, str], None] | None,
    ) -> None:
        now = self.clock()
        delay = TRANSIENT_PAUSE
        if error.retry_at is not None and error.retry_at > now:
            delay = min(error.retry_at - now, MAX_WAIT)
        if on_retry is not None:
            on_retry(math.ceil(now + delay), error.message)
        self.sleep(delay)

    def _wait_until(self, reset: int, on_wait: Callable[[int], None] | None) -> None:
        now = self.clock()
        delay = min(reset - now + RESET_MARGIN, MAX_WAIT)
        if on_wait is not None:
            # Cut short by MAX_WAIT (a server clock far ahead), the wait
            # ends before the reset: announce when it ends.
            on_wait(min(reset, math.ceil(now + delay)))
        if delay > 0:
            self.sleep(delay)

    def _post(self, url: str, form: dict[str, str]) -> _Answer:
        where = self._where()
        for attempt in (1, 2):
            sent = threading.Event()
            try:
                return self._exchange_by_deadline(url, form, sent)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if attempt == 2:
                    raise CouldNotReachFlattr(self._not_connected(error)) from None
                self.sleep(RETRY_DELAY)
            except (httpx.TimeoutException, _DeadlinePassed):
                # Sent and unanswered: Flattr may have verified, and
                # verifying twice is harmless, so a batch tries once more.
                raise CouldNotReachFlattr(
                    self._timed_out(sent),
                    transient=sent.is_set(),
                    timed_out=sent.is_set(),
                ) from None
            except _AnswerTooLong:
                raise CouldNotReachFlattr(
                    f"{where} answered with more than {MAX_ANSWER_BYTES // 1024} "
                    "KiB, which Flattr's API never does: check the API base URL"
                ) from None
            except _RefusalCut as cut:
                # Flattr's own refusal of a token is a 401 or a 403: said,
                # though the body that would name it never came whole.
                token = (
                    "; a 401 or 403 refuses the token or its scope: check the token"
                    if cut.status in (401, 403)
                    else ""
                )
                raise CouldNotReachFlattr(
                    f"{where} answered {cut.status}, and closed the connection "
                    f"before the end of its body ({self._clean(cut.reason)}): "
                    f"check the API base URL, or a proxy in between{token}"
                ) from None
            except _UnaskedEncoding as unasked:
                raise CouldNotReachFlattr(
                    f"{where} answered in Content-Encoding "
                    f"{self._clean(unasked.encoding)!r}, which verify did not ask "
                    "for (it asks for the body as it is) and does not read: "
                    "check the API base URL, or a proxy in between"
                ) from None
            except httpx.ProxyError as error:
                # The proxy answered, and would not connect to the API (407,
                # 403 to CONNECT...): not retried, as it would answer so
                # again, and the message must send the operator to the
                # proxy, not to Flattr.
                raise CouldNotReachFlattr(self._proxy_refused(error)) from None
            except httpx.HTTPError as error:
                if _unreadable_redirect(error):
                    # httpx reads the Location of a redirect it does not
                    # follow too: the server answered, and is not Flattr.
                    raise CouldNotReachFlattr(
                        f"{where} redirected (to a Location that is no URL), "
                        "which Flattr's API never does: check the API base URL"
                    ) from None
                # "Server disconnected without sending a response." ends
                # with a stop, before the hint's "; ".
                reason = (self._clean(str(error)) or type(error).__name__).rstrip(".")
                raise CouldNotReachFlattr(
                    f"the connection to Flattr's API at {where} failed: {reason}"
                    + self._what_to_change(error),
                    # Dropped after the request went out (a reset, a close
                    # before any answer): passing, and worth another try.
                    transient=_connection_dropped(error),
                ) from None
            except UnicodeError:
                # The resolver's IDNA encoding; check_base_url() refuses
                # such hosts, so only a host it could not foresee ends here.
                raise CouldNotReachFlattr(
                    f"could not look up the host of {where}: not a valid host name"
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _timed_out(self, sent: threading.Event) -> str:
        """What a request that outlasted the timeout, or the deadline, says:
        whether it went out, and so whether Flattr may have verified."""
        if sent.is_set():
            return (
                f"Flattr's API at {self._where()} did not answer within "
                f"{self.timeout:g} seconds; the verification may or may not "
                "have been made, and repeating it is harmless"
                + self._what_to_change(timed_out=True)
            )
        if self.proxy is not None:
            # A proxy silent on CONNECT times out as a read: the request
            # never went out, and the proxy is what to look at.
            return self._proxy_silent(self.proxy)
        # A lookup of the host's name that hangs, which no timeout of
        # httpx's covers: only the deadline ends it.
        return (
            f"no connection to Flattr's API at {self._where()} was made within "
            f"{self.timeout:g} seconds (the lookup of its host name, or the "
            "connection, hung); nothing was sent to Flattr: check the network, "
            "then try again"
        )

    def _not_connected(self, error: httpx.TransportError) -> str:
        """What a connection that failed twice says, naming the proxy of
        the environment when there is one."""
        where = f"Flattr's API at {self._where()}"
        reason = self._clean(str(error)) or type(error).__name__
        if self.proxy is None:
            return (
                f"could not connect to {where} (tried twice): {reason}"
                + self._what_to_change(error)
            )
        proxy = f"the proxy that {self.proxy.variable} names ({self.proxy.shown})"
        if isinstance(error, httpx.ConnectTimeout) or _tls_failed(error):
            # TLS with the API runs through the proxy's tunnel, and a
            # timeout may be either's: the proxy may not be at fault.
            return (
                f"could not connect to {where} through {proxy} (tried twice): {reason}"
                + self._what_to_change(error)
            )
        return f"could not connect to {proxy}, for {where} (tried twice): {reason}"

    def _what_to_change(
        self, error: BaseException | None = None, *, timed_out: bool = False
    ) -> str:
        """What the operator may change after a transport failure, naming
        the setting (``--api-url``, ``FLATTR_API_URL``, ``--timeout``,
        ``SSL_CERT_FILE``): the one place that words it, appended to the
        message (empty when there is nothing to add)."""
        url = f"the API base URL {self.base_url}" + (
            f" (from {self.base_url_from})" if self.base_url_from else ""
        )
        reason = str(error).lower() if error is not None else ""
        # Not a connect timeout: connecting gets CONNECT_TIMEOUT at most,
        # whatever the timeout says.
        if timed_out:
            option = self.timeout_from or "the timeout"
            return (
                f"; if the server is only slow, raise {option} (now "
                f"{self.timeout:g} seconds); else check {url}"
            )
        if error is None:
            return ""
        if "wrong version number" in reason or "record layer failure" in reason:
            # TLS's hello answered by a server that does not speak TLS.
            return (
                f"; the server there does not speak https: check {url} (http:// "
                "for a server on this machine, or the port)"
            )
        if "certificate verify failed" in reason:
            trusted = (
                "the CA certificates SSL_CERT_FILE names"
                if os.environ.get("SSL_CERT_FILE")
                else "the CA certificates this machine trusts"
            )
            return (
                f"; its certificate is not signed by {trusted}: for a server "
                "with a certificate of its own (self-signed, or a private CA), "
                "set SSL_CERT_FILE to the CA certificate (PEM) that signed it; "
                f"else check {url}"
            )
        if _tls_failed(error):
            return f"; TLS with the server failed: check {url}"
        if isinstance(error, httpx.HTTPError) and _connection_dropped(error):
            # A reset or a close once the request went out: something ran
            # there and took the connection, so "does it run" misleads.
            between, checked = (
                "a proxy or gateway in front of it",
                "that proxy or gateway",
            )
            if self.proxy is not None:
                between = (
                    f"the proxy that {self.proxy.variable} names ({self.proxy.shown})"
                )
                checked = "that proxy"
            return (
                f"; the server, or {between}, closed the connection after the "
                "request went out, as one that is overloaded or restarting "
                "does: try again later, and if it keeps happening, check "
                f"{checked}, and {url}"
            )
        if isinstance(error, httpx.RemoteProtocolError):
            # It answered (headers past every bound, an upgrade it was not
            # asked for): it runs, and is no API that speaks plain HTTP.
            return (
                f"; a server answered there, but not as an HTTP API does: check {url}"
            )
        return f"; check that the server runs, and {url} (its host and port)"

    def _proxy_silent(self, proxy: EnvironmentProxy) -> str:
        """What a proxy that never answered the request for a tunnel to the
        API says, naming the variable that names it and its address."""
        return (
            f"the proxy that {proxy.variable} names ({proxy.shown}) "
            f"did not answer within {self.timeout:g} seconds when asked to "
            f"connect to Flattr's API at {self._where()}; nothing was sent to "
            "Flattr: check the proxy, then try again"
        )

    def _proxy_refused(self, error: httpx.ProxyError) -> str:
        """What a proxy that would not connect to the API answered, naming
        the variable that names it and its address, never its credentials
        (not even echoed back in its answer)."""
        where = f"Flattr's API at {self._where()}"
        answer = str(error)
        if self.proxy is not None:
            # Before _clean cuts it short: a secret cut in two would keep
            # its start.
            answer = self.proxy.hide_credentials(answer)
        answer = self._clean(answer) or type(error).__name__
        if self.proxy is None:  # httpx found a proxy environment_proxy did not
            return f"the proxy refused to connect to {where}: {answer}"
        variable = self.proxy.variable
        advice = f"check the proxy that {variable} names"
        if answer.startswith("407"):
            advice = (
                f"the proxy wants credentials it was not given, or refused "
                f"those in {variable} (http://USER:PASSWORD@HOST:PORT)"
            )
        elif answer.startswith("403"):
            advice = "the proxy does not let this user connect to that host"
        return (
            f"the proxy that {variable} names ({self.proxy.shown}) refused to "
            f"connect to {where}: it answered {answer}; {advice}"
        )

    def _exchange_by_deadline(
        self, url: str, form: dict[str, str], sent: threading.Event
    ) -> _Answer:
        """``_exchange`` in a worker thread, given up on after the deadline.
        ``sent`` is set once the request to the API starts out.

        A worker still stuck on a trickling server is left behind: it is a
        daemon thread, so it never keeps the process from exiting. One stuck
        before the request went out (on a lookup of the host's name) never
        sends it: ``sent`` says, once the deadline passed, whether it did.
        """
        outcome: list[_Answer | BaseException] = []
        abandoned = threading.Event()

        def exchange() -> None:
            try:
                outcome.append(self._exchange(url, form, sent, abandoned))
            except BaseException as error:  # handed to the caller's thread
                outcome.append(error)

        worker = threading.Thread(target=exchange, name="flattr-api", daemon=True)
        worker.start()
        worker.join(self.timeout + DEADLINE_SLACK)
        if not outcome:
            abandoned.set()  # before the caller reads sent: see _tracing_sent
            raise _DeadlinePassed
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _exchange(
        self,
        url: str,
        form: dict[str, str],
        sent: threading.Event,
        abandoned: threading.Event,
    ) -> _Answer:
        trace = {"trace": _tracing_sent(sent, abandoned)}
        with self._http.stream("POST", url, data=form, extensions=trace) as response:
            encoding = response.headers.get("Content-Encoding", "").strip()
            if any(
                each.strip().lower() not in ("", "identity")
                for each in encoding.split(",")
            ):
                # Asked for none: never decoded, as decoding is unbounded.
                raise _UnaskedEncoding(encoding)
            body = bytearray()
            try:
                for chunk in response.iter_raw():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise _AnswerTooLong
            except httpx.RemoteProtocolError as error:
                status = response.status_code
                if status == 429:
                    # Its status and headers came whole: the rate limit
                    # they say (Retry-After) is waited for, as a whole
                    # answer's is, whatever the body held.
                    return _Answer(
                        status, response.reason_phrase, response.headers, b""
                    )
                if not (200 <= status < 300 or status in TRANSIENT_STATUSES):
                    # A refusal cut short (a 401) is still one: not sent
                    # again at once, as a whole one would not be.
                    raise _RefusalCut(status, str(error)) from None
                raise
            return _Answer(
                response.status_code,
                response.reason_phrase,
                response.headers,
                bytes(body),
            )

    def _result(
        self,
        answer: _Answer,
        rate_limit: RateLimit | None,
        sent: str,
        username: str | None,
    ) -> VerifyResult:
        """What ``answer`` means; ``rate_limit`` is its own headers' (None
        when it carried none), not the budget kept from earlier answers: a
        refusal's reset is the one that refusal names."""
        status = answer.status
        body = answer.body
        document = _json(body)
        who = f"Flattr user {username}" if username else "the token's own account"
        if 200 <= status < 300:
            content_type = answer.headers.get("Content-Type")
            if not _is_json_type(content_type):
                # Flattr's success is documented with a JSON content type
                # (and no body): a success of another type, even an empty
                # one, is a captive portal's or a proxy's page, or another
                # server behind a wrong API URL. Taken for Flattr's, it
                # would record an identity no one verified, and every
                # rerun would skip it.
                shown = self._clean(content_type or "")[:64]
                said = f"Content-Type {shown}" if shown else "no Content-Type"
                raise CouldNotReachFlattr(
                    f"{self._where()} answered {status} with {said} where "
                    "Flattr's API answers JSON: this answer is not Flattr's (a "
                    "captive portal, a proxy or a wrong API base URL?), and "
                    f"{sent} is not taken as verified; check the network and "
                    "the API base URL, then try again",
                    status=status,
                    rate_limit=rate_limit,
                )
            # Flattr documents a JSON success and not its body, which may
            # be empty (as its example shows it) or any JSON ([] or null, as
            # some APIs answer): a body that is not JSON at all comes from
            # some other server.
            if body.strip() and document is _NOT_JSON:
                raise CouldNotReachFlattr(
                    f"{self._where()} answered {status} with "
                    f"{self._describe_body(answer, document)}; this is not "
                    "Flattr's API: check the API base URL",
                    status=status,
                    rate_limit=rate_limit,
                )
            failure = None
            if _is_problem_type(content_type):
                # An RFC 9457 problem document says something went wrong,
                # whatever the status beside it: a gateway's or a framework's
                # error page, never Flattr's success.
                failure = "a problem document"
                if isinstance(document, dict) and document.get("title"):
                    failure += f" ({self._clean(str(document['title']))[:64]})"
            elif isinstance(document, dict) and "error" in document:
                # Flattr's errors come with a 4xx or 5xx status: taking this
                # for a success would mark an identity verified that is not.
                error = self._clean(str(document["error"]))[:64]
                detail = self._clean(str(document.get("error_description") or ""))
                failure = f"an error ({error}" + (f": {detail})" if detail else ")")
            if failure:
                raise CouldNotReachFlattr(
                    f"{self._where()} answered {status} with {failure}, which "
                    f"Flattr's API never does; {sent} is not taken as verified: "
                    "check the API base URL, then try again",
                    status=status,
                    rate_limit=rate_limit,
                )
            self.flattr_answered = True
            return VerifyResult(sent, username, status, rate_limit)
        said = self._clean(f"{status} {answer.reason}")
        if 300 <= status < 400:
            # Whatever its body says: following it, or taking it for
            # Flattr's own refusal, would both be wrong.
            location = self._clean(answer.headers.get("Location", ""))
            raise CouldNotReachFlattr(
                f"{self._where()} redirected ({said}"
                + (f" to {location}" if location else "")
                + "), which Flattr's API never does: check the API base URL",
                status=status,
                rate_limit=rate_limit,
            )
        code = description = ""
        if isinstance(document, dict) and isinstance(document.get("error"), str):
            code = self._clean(document["error"])[:64]
            description = self._clean(str(document.get("error_description") or ""))
        if status == 429:
            # Flattr itself answers 403 rate_limit_exceeded, but a gateway in
            # front of it says the same with HTTP's own status, perhaps with
            # Retry-After: waited for all the same, never sent on regardless.
            rate_limit = _with_retry_after(rate_limit, answer.headers, self.clock())
            code = code or "too_many_requests"  # HTTP's name for 429
        if code:
            # An error Flattr names (or a gateway's 429 in front of it): its
            # answer, whose missing rate headers a proxy may have dropped.
            self.flattr_answered = True
            if status >= 500:
                raise CouldNotReachFlattr(
                    f"Flattr's API failed ({status} {code}"
                    + (f": {description}" if description else "")
                    + "); try again later",
                    status=status,
                    rate_limit=rate_limit,
                    **self._passing(status, answer.headers),
                )
            limited = code == "rate_limit_exceeded" or status == 429
            kind = RateLimitExceeded if limited else RefusedByFlattr
            raise kind(
                _refusal(code, description, status, sent, who, username, rate_limit)
                + _not_flattrs_own(self.base_url, code, username),
                code=code,
                description=description,
                status=status,
                rate_limit=rate_limit,
            )
        what = self._describe_body(answer, document)
        if status >= 500:
            message = f"Flattr's API failed: {said} with {what}; try again later"
        else:
            message = (
                f"{self._where()} answered {said} with {what}: not an answer "
                "Flattr's API gives; check the API base URL"
            )
        raise CouldNotReachFlattr(
            message,
            status=status,
            rate_limit=rate_limit,
            **self._passing(status, answer.headers),
        )

    def _passing(self, status: int, headers: Mapping[str, str]) -> dict[str, Any]:
        """``transient`` and ``retry_at`` for CouldNotReachFlattr: a 502,
        503 or 504 says the failure is passing, and may say until when."""
        if status not in TRANSIENT_STATUSES:
            return {}
        after = _with_retry_after(None, headers, self.clock())
        return {"transient": True, "retry_at": after.reset if after else None}

    def _where(self) -> str:
        return self.base_url

    def _describe_body(self, answer: _Answer, document: Any) -> str:
        """What a body that is not one of Flattr's answers holds."""
        if not answer.body.strip():
            return "an empty body"
        value = answer.headers.get("Content-Type", "").split(";")[0]
        content_type = self._clean(value)[:64] or "none"
        if document is _NOT_JSON:
            return f"a body that is not JSON in UTF-8 (Content-Type: {content_type})"
        if not isinstance(document, dict):
            return "JSON that is not an object"
        return "a JSON object without a Flattr error code"

    def _clean(self, text: str) -> str:
        """Server-supplied text made safe to print: one line, bounded, and
        without the token or an email address (in any case, plain or
        percent-encoded, as a Location URL holds them) even if a misbehaving
        server echoed them back. Read whole: cut first, a token or an
        address across the cut was shown in part; each step is linear, a
        second at most for the 1 MiB an answer may hold."""
        # Hidden before the controls become spaces too: an isolate or a C1
        # character inside an address ("carol\u2069@...") would otherwise
        # leave it as two words, "carol @example.org", that no longer look
        # like one, yet read as one.
        if not text.isascii():
            text = _SHOWN_AS_NOTHING.sub("", _without_format_characters(text))
        text = _without_controls_at_sign(self._token_pattern.sub("[token]", text))
        text = redact_encoded_addresses(text)
        text = redact_encoded_addresses(_CONTROL.sub(" ", text).strip())
        return text if len(text) <= 300 else text[:297] + "..."


def _without_controls_at_sign(text: str) -> str:
    """``text`` without the controls beside an "@": dropped, not spaced, so
    that an address they split ("carol\\n@example.org") is one again, and
    hidden as one. Each run of controls is found once: a lookahead for the
    "@" after it tried every start in a run (quadratic; seconds for a few
    thousand)."""
    if "@" not in text:
        return text
    return _CONTROL.sub(
        lambda run: (
            ""
            if run.string[run.end() : run.end() + 1] == "@"
            or run.string[run.start() - 1 : run.start()] == "@"
            else run.group()
        ),
        text,
    )


@dataclass(frozen=True)
class _Answer:
    """What the server answered, read in full (at most MAX_ANSWER_BYTES)."""

    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


def _is_json_type(content_type: str | None) -> bool:
    """True when a ``Content-Type`` header names JSON: ``application/json``
    or a type with the ``+json`` suffix (RFC 6839, such as
    ``application/vnd.api+json``), in any case, with or without parameters
    (``;charset=utf-8``)."""
    if content_type is None:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media_type.partition("/")
    if not kind or not subtype:
        return False
    return media_type == "application/json" or (
        subtype.endswith("+json") and len(subtype) > len("+json")
    )


def _is_problem_type(content_type: str | None) -> bool:
    """True when a ``Content-Type`` header names an RFC 9457 problem
    document (``application/problem+json``), with or without parameters."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/problem+json"


def _tracing_sent(
    sent: threading.Event, abandoned: threading.Event
) -> Callable[[str, dict[str, Any]], None]:
    """An httpx ``trace`` extension that sets ``sent`` when the request's
    headers start out: to the API, not a proxy's ``CONNECT`` before them.
    Once ``abandoned`` is set (the deadline passed), they never do."""

    def trace(event: str, info: dict[str, Any]) -> None:
        request = info.get("request")
        if event.endswith(".send_request_headers.started") and (
            getattr(request, "method", b"CONNECT") != b"CONNECT"
        ):
            # Set before abandoned is read, as abandoned is set before sent
            # is read: either the request stops here, or the caller sees
            # that it went out.
            sent.set()
            if abandoned.is_set():
                raise _Abandoned

    return trace


def _tls_failed(error: BaseException) -> bool:
    """True when ``error`` was raised by TLS (after a connection was made),
    as httpx keeps the cause of its ConnectError."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _unreadable_redirect(error: httpx.HTTPError) -> bool:
    """Whether ``error`` is httpx's refusal of a redirect's Location."""
    return isinstance(error, httpx.RemoteProtocolError) and str(error).startswith(
        "Invalid URL in location header"
    )


def _connection_dropped(error: httpx.HTTPError) -> bool:
    """True for a connection dropped once the request was on its way: reset
    while writing or reading, or closed before any answer (not an answer
    httpx could not read, which would come again)."""
    if isinstance(error, (httpx.ReadError, httpx.WriteError)):
        return True
    # Or closed in the body: "peer closed connection without sending
    # complete message body (received 5 bytes, expected 100)".
    return isinstance(error, httpx.RemoteProtocolError) and str(error).startswith(
        ("Server disconnected", "peer closed connection")
    )


class _DeadlinePassed(Exception):
    """The exchange outlasted its deadline (a server trickling bytes, a
    lookup of the host's name that hangs)."""


class _Abandoned(Exception):
    """Raised in a worker left behind, to keep its request from going out."""


class _AnswerTooLong(Exception):
    """The answer's body passed MAX_ANSWER_BYTES."""


class _RefusalCut(Exception):
    """An answer whose status says no passing failure (a 4xx, a 500), its
    body cut short: not tried again, as a whole one would not be."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason


class _UnaskedEncoding(Exception):
    """The answer came compressed (``encoding``), though none was asked for."""

    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


def _http_client(**options: Any) -> httpx.Client:
    """``httpx.Client(**options)``, raising UnusableEnvironment when a
    variable of the environment it reads cannot be used: httpx's own error
    names no variable, and is not always one a caller expects (ImportError
    for a SOCKS proxy without socksio)."""
    trust_env = options.get("trust_env", True)
    if trust_env:
        _check_certificate_variables()
    try:
        return httpx.Client(**options)
    except (ValueError, ImportError, httpx.InvalidURL) as error:
        if not trust_env:
            raise
        raise UnusableEnvironment(_proxy_problem(error)) from None
    except OSError as error:  # ssl.SSLError included
        if not trust_env or not os.environ.get("SSL_CERT_FILE"):
            raise
        reason = getattr(error, "reason", None) or error.strerror or str(error)
        raise UnusableEnvironment(
            f"SSL_CERT_FILE: cannot load CA certificates from "
            f"{redact_addresses(os.environ['SSL_CERT_FILE'])} ({reason})"
        ) from None


def _check_certificate_variables() -> None:
    # httpx reads SSL_CERT_DIR only without SSL_CERT_FILE. OpenSSL looks in
    # the folder only when a certificate is checked, so a folder that is
    # not there would fail every request as an unverifiable certificate.
    folder = os.environ.get("SSL_CERT_DIR")
    if not os.environ.get("SSL_CERT_FILE") and folder and not os.path.isdir(folder):
        raise UnusableEnvironment(
            f"SSL_CERT_DIR: {redact_addresses(folder)} is not a folder"
        )


def _proxy_problem(error: Exception) -> str:
    """Which proxy variable httpx could not use, and why, for a message."""
    for scheme in ("http", "https", "all"):
        # The lower-case name wins when both are set, as in urllib.
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            value = os.environ.get(name)
            if not value:
                continue
            try:
                httpx.HTTPTransport(
                    proxy=value if "://" in value else f"http://{value}",
                    trust_env=False,
                )
            except ImportError:
                return (
                    f"{name}: a SOCKS proxy needs the Python package socksio "
                    "(pip install 'httpx[socks]')"
                )
            except (ValueError, httpx.InvalidURL):
                return (
                    f"{name}: not a proxy URL httpx can use (http://, https://, "
                    "socks5:// or socks5h://, then a host and a port)"
                )
            break
    # Every proxy passed: what is left is a host list httpx cannot read.
    name = "no_proxy" if os.environ.get("no_proxy") else "NO_PROXY"
    return f"{name}: a host httpx cannot read ({type(error).__name__})"


def _without_format_characters(text: str) -> str:
    """``text`` without its format characters (Unicode's Cf, which show as
    nothing: the zero-width ones, the byte order mark, the soft hyphen, the
    directional marks, the invisible operators, the tags, and the rarer ones
    of other scripts), but for the bidi embeddings and isolates, which
    _CONTROL spaces, so that the words they held apart stay apart."""
    return "".join(
        character
        for character in text
        if unicodedata.category(character) != "Cf" or _CONTROL.match(character)
    )


def _echo_pattern(token: str) -> re.Pattern[str]:
    """What matches ``token`` as a server may echo it: in any case (it may
    have upper-cased it), with any of its characters percent-encoded, as
    a URL (a redirect's Location) or a form holds it, in either case of hex.
    (A bytes repr, as h11 shows a malformed status line, escapes none of
    the characters ``check_token`` lets a token hold.) Controls and spaces
    between its characters are part of it: _clean spaces the controls after
    this looks, and a token they split would show as words that read as it.
    """
    return re.compile(
        f"(?:{_CONTROL_CHARACTERS}|\\s)*".join(
            f"(?:{re.escape(char)}|%{ord(char):02X})" for char in token
        ),
        re.IGNORECASE,
    )


# What _json() returns for a body that is not JSON; None is JSON's null.
_NOT_JSON = object()


def _json(body: bytes) -> Any:
    """The JSON document in ``body``: None when empty, _NOT_JSON when not
    JSON in UTF-8 (RFC 8259 lets a parser ignore a leading byte order mark,
    which some servers send)."""
    if not body.strip():
        return None
    try:
        return json.loads(
            body.decode("utf-8-sig"),
            parse_int=_json_int,
            parse_constant=_no_json_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: nested deeper than Python's stack, such as a body
        # of a million "[": not an answer either.
        return _NOT_JSON


def _no_json_constant(name: str) -> None:
    """Refuse NaN, Infinity and -Infinity, which Python's json reads and
    JSON (RFC 8259) has no place for: a body that holds one is no answer."""
    raise ValueError(f"{name} is not JSON")


def _json_int(digits: str) -> int | str:
    """A JSON integer as an int, or as its digits when Python refuses to
    read one that long (over 4300 digits): still JSON, which a success may
    hold whatever it is."""
    try:
        return int(digits)
    except ValueError:
        return digits


def _with_retry_after(
    rate_limit: RateLimit | None, headers: Mapping[str, str], now: float
) -> RateLimit | None:
    """``rate_limit`` with its reset taken from ``Retry-After`` (seconds, or
    an HTTP date) when the X-RateLimit-Reset header gave none later than
    ``now``."""
    # A gateway may pass on a reset already past (its counter's, or a
    # stale copy): Retry-After then says more than the fallback wait.
    if rate_limit is not None and (rate_limit.reset or 0) > now:
        return rate_limit
    value = (headers.get("Retry-After") or "").strip()
    reset = None
    # HTTP's seconds are ASCII digits: isdigit() alone also takes "²",
    # which int() refuses, and other scripts' digits.
    if value.isascii() and value.isdigit() and len(value) < 12:
        reset = math.ceil(now) + int(value)
    elif value:
        try:
            reset = int(_http_date(value).timestamp())
        except (TypeError, ValueError, OverflowError, IndexError):
            reset = None  # not a date: as if the header were missing
    if reset is None or not 0 <= reset <= _LAST_UNIX_TIME:
        return rate_limit
    return replace(rate_limit or RateLimit(), reset=reset)


def _http_date(value: str) -> datetime:
    """An HTTP date as an aware datetime. Raises what parsedate_to_datetime
    raises for a value that is not a date."""
    moment = parsedate_to_datetime(value)
    if moment.tzinfo is None:
        # HTTP dates are in UTC; the asctime form and "-0000" say no zone,
        # and a naive datetime's timestamp() would take the local one.
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _not_flattrs_own(base_url: str, code: str, username: str | None) -> str:
    """A hint for an API base URL of the operator's own: a mistyped one (its
    path left off) answers every user as not found, as Flattr does for a
    user who does not exist."""
    own = base_url.rstrip("/") != DEFAULT_BASE_URL
    if code != "not_found" or not own:
        return ""
    if not username:
        # /user/verify names no user: not found means no such endpoint.
        return (
            f"; check the API base URL {base_url}, which is not Flattr's own "
            "(Flattr's ends in /rest/v2)"
        )
    return (
        f"; if {username} is a Flattr user, check the API base URL {base_url}, "
        "which is not Flattr's own"
    )


def _refusal(
    code: str,
    description: str,
    status: int,
    sent: str,
    who: str,
    username: str | None,
    rate_limit: RateLimit | None,
) -> str:
    """What a refusal means for the operator, by Flattr's error code."""
    said = f"{status} {code}" + (f": {description}" if description else "")
    if code == "unauthorized":
        return (
            f"Flattr refused to verify {sent} for {who} ({said}). Flattr gives "
            "this answer for verify when (1) the token is not accepted (not "
            "logged in: missing, expired or revoked; get a new token), (2) the "
            "identifier is not one Flattr accepts, or (3) the token's account "
            "is not allowed to verify it (only a registered partner may, and "
            "only for identities it vouches for)"
        )
    if code == "rate_limit_exceeded" or status == 429:
        when = (
            f"it resets at {local_time(rate_limit.reset)}"
            if rate_limit is not None and rate_limit.reset is not None
            else "Flattr did not say when it resets (the counter resets hourly)"
        )
        limit = (
            f" of {rate_limit.limit} requests an hour"
            if rate_limit is not None and rate_limit.limit is not None
            else ""
        )
        return f"Flattr's rate limit{limit} is used up ({said}); {when}"
    if code == "not_found" and username:
        return f"Flattr has no user named {username} ({said})"
    if code in ("invalid_scope", "insufficient_scope"):
        return (
            f"the token lacks the OAuth scope this call needs ({said}); ask "
            "Flattr for a token with the right scope"
        )
    return f"Flattr refused to verify {sent} for {who} ({said})"
