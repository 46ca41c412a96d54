"""The proxy of the environment that httpx sends a request through.

httpx (with ``trust_env``) reads the proxy variables as urllib does, the
lower-case name winning: for an ``https://`` URL ``https_proxy``, else
``all_proxy``, unless ``no_proxy`` lists the host. ``HTTP_PROXY`` is never
used for it. Knowing which variable is used lets the client check the
proxy's port, which httpx does not (``:99999`` reaches port 34463), and
name the proxy when connecting to it fails, or when it refuses to connect
to the API (without the credentials its URL may hold). The rules below are
httpx's (``httpx._utils.get_environment_proxies`` and ``URLPattern``), which
it keeps private; tests compare them with the routing of httpx itself.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote

import httpx

PORT_RANGE = range(1, 65536)


@dataclass(frozen=True)
class EnvironmentProxy:
    """The proxy a URL is reached through: the variable that names it and
    its URL, as httpx reads it (``http://`` added to a bare host)."""

    variable: str
    url: str

    @property
    def shown(self) -> str:
        """Its address for a message: scheme, host and port, without the
        user name and password it may carry."""
        try:
            url = httpx.URL(self.url)
            return f"{url.scheme}://{url.netloc.decode('ascii')}"
        except (httpx.InvalidURL, UnicodeError):
            return "(an address that cannot be read)"

    def hide_credentials(self, text: str) -> str:
        """``text`` (a proxy's answer) without the user name and password
        of the proxy's URL, in the forms a proxy could echo them back: as
        written, percent-decoded, and as the base64 of the Basic
        ``Proxy-Authorization`` that httpx sends. Each becomes
        ``[hidden]``."""
        try:
            url = httpx.URL(self.url)
        except (httpx.InvalidURL, UnicodeError):
            return text
        user, _, password = url.userinfo.decode("ascii", "replace").partition(":")
        secrets = {password, unquote(password)}
        # httpx sends the Basic credentials when either is given (":PASSWORD"
        # for a password alone).
        if user or password:
            basic = f"{unquote(user)}:{unquote(password)}".encode()
            secrets.add(base64.b64encode(basic).decode("ascii"))
        # A user name is no secret on its own, and a short one would hide
        # every word it is part of; a longer one is hidden all the same.
        if len(user) >= 3:
            secrets |= {user, unquote(user)}
        for secret in sorted((s for s in secrets if s), key=len, reverse=True):
            # Whole words only: a short password ("a") must not cut every
            # word holding its letters ("Proxy [hidden]uthentication").
            start = r"(?<![A-Za-z0-9])" if secret[0].isalnum() else ""
            end = r"(?![A-Za-z0-9])" if secret[-1].isalnum() else ""
            text = re.sub(
                start + re.escape(secret) + end, "[hidden]", text, flags=re.IGNORECASE
            )
        return text

    def port_problem(self) -> str | None:
        """Why its port cannot be used, for a message; None when it can
        (or when httpx cannot read the URL, which it reports itself)."""
        try:
            port = httpx.URL(self.url).port
        except (httpx.InvalidURL, UnicodeError):
            return None
        if port is None or port in PORT_RANGE:
            return None
        return f"{self.variable}: the proxy's port {port} is not from 1 to 65535"


def environment_proxy(url: str) -> EnvironmentProxy | None:
    """The proxy of the environment that httpx sends a request for ``url``
    through, or None when it goes straight to the host."""
    target = httpx.URL(url)
    proxies = urllib.request.getproxies()  # what httpx reads
    mounts: dict[str, str | None] = {
        f"{scheme}://": scheme
        for scheme in ("http", "https", "all")
        if proxies.get(scheme)
    }
    for entry in (entry.strip() for entry in proxies.get("no", "").split(",")):
        if entry == "*":
            return None
        if entry:
            mounts[_no_proxy_pattern(entry)] = None
    # The most specific pattern that matches wins: one with a port, then
    # the longest host, then the longest scheme; the first of equals.
    chosen = min(
        (
            (_priority(pattern), index, scheme)
            for index, (pattern, scheme) in enumerate(mounts.items())
            if _matches(pattern, target)
        ),
        default=None,
    )
    if chosen is None or chosen[2] is None:
        return None
    scheme = chosen[2]
    value = proxies[scheme]
    return EnvironmentProxy(
        _variable(scheme, value), value if "://" in value else f"http://{value}"
    )


def _no_proxy_pattern(entry: str) -> str:
    if "://" in entry:
        return entry
    try:
        address = ipaddress.ip_address(entry.split("/")[0])
    except ValueError:
        address = None
    if address is not None and address.version == 6:
        return f"all://[{entry}]"
    if address is not None or entry.lower() == "localhost":
        return f"all://{entry}"
    return f"all://*{entry}"


def _pattern(pattern: str) -> tuple[str, str, int | None] | None:
    """Scheme ('' for any), host ('' for any) and port of a pattern; None
    for one httpx cannot read (it then refuses the variable itself)."""
    try:
        url = httpx.URL(pattern)
        host = url.host
    except (httpx.InvalidURL, UnicodeError):
        return None
    scheme = "" if url.scheme == "all" else url.scheme
    return scheme, "" if host == "*" else host, url.port


def _matches(pattern: str, target: httpx.URL) -> bool:
    parts = _pattern(pattern)
    if parts is None:
        return False
    scheme, host, port = parts
    if scheme and scheme != target.scheme:
        return False
    if host.startswith("*."):  # subdomains only
        found = re.fullmatch(rf".+\.{re.escape(host[2:])}", target.host)
    elif host.startswith("*"):  # the domain and its subdomains
        found = re.fullmatch(rf"(.+\.)?{re.escape(host[1:])}", target.host)
    else:
        found = not host or host == target.host
    return bool(found) and (port is None or port == target.port)


def _priority(pattern: str) -> tuple[int, int, int]:
    scheme, host, port = _pattern(pattern) or ("", "", None)
    return (0 if port is not None else 1, -len(host), -len(scheme))


def _variable(scheme: str, value: str) -> str:
    """The name of the variable that holds ``value`` for ``scheme``."""
    lower = f"{scheme}_proxy"
    if os.environ.get(lower) == value:
        return lower
    for name, set_to in os.environ.items():
        if name.lower() == lower and set_to == value:
            return name
    return f"the system's {scheme} proxy setting"
