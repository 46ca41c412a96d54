"""The claim URL ``pending`` hands an email owner, for each shape of claim URL
the receiver takes: Flattr appends the address to the claim URL's path
(``.../owner/foo%40example.com``), before a query or fragment."""

import json
from urllib.parse import unquote, urlencode, urlsplit

import httpx
import pytest
from webhook_server import PENDING, ReceiverProcess

from pelican_flattr.cli import main
from pelican_flattr.identifiers import hash_email

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# (the owner's address, the claim URL Flattr sends, the one pending hands out)
SHAPES = {
    "plain": (
        "plain@example.org",
        "https://flattr.com/claim/p1/owner",
        "https://flattr.com/claim/p1/owner/plain%40example.org",
    ),
    "trailing slash": (
        "slash@example.org",
        "https://flattr.com/claim/s1/owner/",
        "https://flattr.com/claim/s1/owner/slash%40example.org",
    ),
    "query": (
        "query@example.org",
        "https://flattr.com/c/x?a=1&b=2",
        "https://flattr.com/c/x/query%40example.org?a=1&b=2",
    ),
    "fragment": (
        "fragment@example.org",
        "https://flattr.com/c/y#claim",
        "https://flattr.com/c/y/fragment%40example.org#claim",
    ),
    "query and fragment after a slash": (
        "both@example.org",
        "https://flattr.com/c/z/?a=1&b=2#f?g",
        "https://flattr.com/c/z/both%40example.org?a=1&b=2#f?g",
    ),
    # urlunsplit would drop the "?": kept, the URL is Flattr's, as it came.
    "empty query": (
        "empty@example.org",
        "https://flattr.com/c/w?",
        "https://flattr.com/c/w/empty%40example.org?",
    ),
    "no path": (
        "root@example.org",
        "https://flattr.com?thing=9",
        "https://flattr.com/root%40example.org?thing=9",
    ),
}
# Another owner's claim URL needs nothing appended: handed out as it came.
PARTNER = ("partner:elsewhere:5", "https://flattr.com/c/p?a=1&b=2#f")


def owner_of(address: str) -> str:
    return "email:" + hash_email(address)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The store the real receiver wrote, and a settings file naming each
    email owner's address, as FLATTR_AUTHORS holds it."""
    root = tmp_path_factory.mktemp("claim-shapes")
    server = ReceiverProcess(root / "store.sqlite3", root / "server.log").start()
    deliveries = [
        (owner_of(address), claim_url) for address, claim_url, _ in SHAPES.values()
    ]
    deliveries.append(PARTNER)
    for number, (owner, claim_url) in enumerate(deliveries):
        answer = httpx.post(
            server.url,
            content=urlencode(
                dict(
                    PENDING,
                    thing_id=f"shape-{number}",
                    thing_owner_id=owner,
                    claim_url=claim_url,
                )
            ),
            headers=FORM,
        )
        assert answer.status_code == 200, answer.text
    assert server.stop() == 0
    settings = root / "pelicanconf.py"
    authors = {name: f"email:{shape[0]}" for name, shape in SHAPES.items()}
    settings.write_text(f"FLATTR_AUTHORS = {authors!r}\nTIMEZONE = 'UTC'\n")
    return ["pending", "--store", str(server.store), "--settings", str(settings)]


def test_the_json_report_appends_the_address_to_each_claim_urls_path(report, capsys):
    # With a query, the address was appended to its last value
    # (https://flattr.com/c/x?a=1&b=2/query%40example.org), a fragment's
    # likewise, and "claim_url_complete" said true.
    assert main([*report, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    owners = {row["owner"]: row for row in json.loads(out)["owners"]}
    for name, (address, sent, expected) in SHAPES.items():
        row = owners[owner_of(address)]
        assert row["authors"] == [name]
        assert row["claim_url"] == expected, name
        assert row["claim_url_complete"] is True
        # The address is the path's last segment; all else is Flattr's.
        handed, flattrs = urlsplit(row["claim_url"]), urlsplit(sent)
        assert unquote(handed.path.rpartition("/")[2]) == address
        assert handed.path.rpartition("/")[0] == flattrs.path.rstrip("/")
        assert (handed.scheme, handed.netloc) == (flattrs.scheme, flattrs.netloc)
        assert (handed.query, handed.fragment) == (flattrs.query, flattrs.fragment)
    partner = owners[PARTNER[0]]
    assert (partner["claim_url"], partner["claim_url_complete"]) == (PARTNER[1], True)


def test_the_table_hands_out_the_same_claim_urls(report, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(report) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    for name, (address, _, expected) in SHAPES.items():
        assert f"{owner_of(address)} ({name})  {expected}" in lines
    assert f"{PARTNER[0]}  {PARTNER[1]}" in lines
    # Nowhere an address in a query or fragment.
    for line in lines:
        if "%40" in line:
            assert not set(line.partition("%40")[0]) & set("?#"), line


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    root = tmp_path_factory.mktemp("claim-refused")
    server = ReceiverProcess(root / "store.sqlite3", root / "server.log").start()
    yield server
    assert server.stop() == 0


BACKSLASH = "holds the character '\\\\' before its path"


@pytest.mark.parametrize(
    ("claim_url", "says"),
    [
        # Browsers read a backslash before the path as "/": the address would be
        # appended to a path on another host than the one pending shows
        # (https://flattr.com/evil.example/claim/1/...).
        ("https://flattr.com\\evil.example/claim/1", BACKSLASH),
        # Refused before, as having no host name: browsers find one.
        ("https:\\\\flattr.com/claim/1", BACKSLASH),
        # Host names browsers refuse, or decode into another.
        ("https://flattr|com/claim/1", "holds the character '|' in its host name"),
        ("https://fl%7Cttr.com/claim/1", "holds the character '|' in its host name"),
        ("https://flattr..com/claim/1", "has an empty label in its host name"),
    ],
)
def test_a_claim_url_whose_host_browsers_read_otherwise_is_never_stored(
    refusing, capsys, claim_url, says
):
    answer = httpx.post(
        refusing.url,
        content=urlencode(
            dict(
                PENDING,
                thing_owner_id=owner_of("carol@example.org"),
                claim_url=claim_url,
            )
        ),
        headers=FORM,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == "claim_url"
    error = answer.json()["error"]
    assert error.startswith(f"claim_url {says}"), error
    assert main(["pending", "--store", str(refusing.store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["owners"] == []
