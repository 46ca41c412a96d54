"""``pelican-flattr verify`` against a local stub of Flattr's API."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import (
    article,
    build,
    child_env,
    i18n_build,
    manifest_things,
    read_only,
    sqlite_file,
)
from flattr_api_stub import (
    START,
    TOKEN,
    FakeClock,
    FlattrApiStub,
    KeepAliveResettingServer,
)
from webhook_server import (
    MIGRATED,
    NOT_STORES,
    make_database,
    make_store_of_schema_version_1,
    tables_of,
)

from pelican_flattr import verify
from pelican_flattr.api import (
    DEFAULT_BASE_URL,
    MAX_RATE_LIMIT_WAITS,
    RESET_MARGIN,
    TRANSIENT_PAUSE,
    local_time,
)
from pelican_flattr.cli import EXIT_TERMINATED, Terminated, main
from pelican_flattr.identifiers import hash_email

SCRIPT = Path(sys.executable).with_name("pelican-flattr")
CAROL = "carol@example.org"
CAROL_ID = f"email:{hash_email(CAROL)}"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("FLATTR_API_URL", raising=False)
    monkeypatch.setenv("FLATTR_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(verify, "clock", fake)
    monkeypatch.setattr(verify, "sleep", fake.sleep)
    return fake


@pytest.fixture
def stub(clock):
    with FlattrApiStub(
        clock=clock, users=frozenset({"alice", "bob", "carol", "dmitri"})
    ) as s:
        yield s


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["verify", *args])
    out, err = capsys.readouterr()
    assert TOKEN not in out and TOKEN not in err
    return status, out, err


def run_json(capsys, *args: str) -> tuple[int, dict, str]:
    status, out, err = run(capsys, *args, "--json")
    return status, json.loads(out), err


# Where a verification against the stub, an API other than Flattr's own, is
# recorded: apart from verified_identities, which hands pending flattrs over.
STUB_RECORDS = "verified_at_other_apis"


def recorded(store: Path) -> list[tuple[str, str]]:
    with sqlite_file(store) as connection:
        return connection.execute(
            f"SELECT identity, username FROM {STUB_RECORDS} ORDER BY identity"
        ).fetchall()


def write_csv(path: Path, rows: list[tuple[str, str]], header="username,identity"):
    lines = [header] + [f"{user},{identity}" for user, identity in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- one identity ------------------------------------------------------------


def test_one_identity(stub, capsys, tmp_path):
    status, out, err = run(
        capsys, "--identity", "partner:hackspace:1042", "--username", "alice",
        "--api-url", stub.url,
    )  # fmt: skip
    assert status == 0, err
    assert out.splitlines() == [
        "verified          partner:hackspace:1042 -> alice  (--identity)",
        # The stub is no Flattr: said, where a rehearsal looked like the
        # real verification.
        f"Recorded in {tmp_path / 'flattr-store.sqlite3'} as a rehearsal: "
        f"{stub.url} is not Flattr's API, so its verifications are kept apart "
        "from Flattr's and hand no pending flattrs over (pending still lists "
        "them).",
        "Rate budget: 4999 of 5000 requests left; resets at "
        + local_time(START + 3600),
    ]
    assert stub.identities() == ["partner:hackspace:1042"]
    assert stub.requests[0].path == "/rest/v2/users/alice/verify"
    # Recorded in the default store, in the current directory.
    assert recorded(tmp_path / "flattr-store.sqlite3") == [
        ("partner:hackspace:1042", "alice")
    ]


def test_one_identity_for_the_tokens_own_account_as_json(stub, capsys, tmp_path):
    store = tmp_path / "s.sqlite3"
    status, document, _ = run_json(
        capsys, "--identity", "twitter:user:id:783214", "--api-url", stub.url,
        "--store", str(store),
    )  # fmt: skip
    assert status == 0
    assert stub.requests[0].path == "/rest/v2/user/verify"
    assert document["ok"] is True and document["exit_status"] == 0
    assert document["token_from"] == "FLATTR_TOKEN"
    assert document["results"] == [
        {
            "source": "--identity",
            "identity": "twitter:user:id:783214",
            "username": None,
            "outcome": "verified",
            "error": None,
            "message": "",
        }
    ]
    assert document["rate_limit"] == {
        "limit": 5000,
        "remaining": 4999,
        "current": 1,
        "reset": int(START) + 3600,
        "reset_local": local_time(START + 3600),
    }
    assert recorded(store) == [("twitter:user:id:783214", "")]


def test_an_email_identity_is_hashed_everywhere(stub, capsys, tmp_path):
    status, out, err = run(
        capsys, "--identity", f"email:{CAROL.upper()}", "--username", "carol",
        "--api-url", stub.url,
    )  # fmt: skip
    assert status == 0
    assert CAROL_ID in out
    assert "example.org" not in (out + err).lower()
    assert stub.identities() == [CAROL_ID]
    assert b"example.org" not in stub.requests[0].body.lower()
    assert recorded(tmp_path / "flattr-store.sqlite3") == [(CAROL_ID, "carol")]


def test_unauthorized(stub, capsys):
    stub.script("unauthorized")
    status, out, _ = run(capsys, "--identity", "partner:ns:1", "--api-url", stub.url)
    assert status == verify.EXIT_REFUSED == 1
    assert "refused           partner:ns:1 -> (token's account)" in out
    assert "401 unauthorized: You are not allowed to verify this identity" in out
    assert "(1) the token is not accepted" in out
    assert "Rate budget: 4999 of 5000 requests left" in out
    assert recorded(Path("flattr-store.sqlite3")) == []


def test_not_found(stub, capsys):
    status, out, _ = run(
        capsys, "--identity", "partner:ns:1", "--username", "nobody",
        "--api-url", stub.url,
    )  # fmt: skip
    assert status == 1
    assert "Flattr has no user named nobody (404 not_found: No such user)" in out


def test_a_single_rate_limit_answer_is_reported_not_waited_for(stub, capsys, clock):
    stub.script("rate_limited")
    status, out, _ = run(capsys, "--identity", "partner:ns:1", "--api-url", stub.url)
    assert status == 1
    assert f"it resets at {local_time(START + 3600)}" in out
    assert "Rate budget: 0 of 5000 requests left" in out
    assert clock.sleeps == []
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("html_500", "500 Internal Server Error with a body that is not JSON"),
        ("empty_502", "502 Bad Gateway with an empty body"),
        ("empty_401", "401 Unauthorized with an empty body"),
        ("server_error_json", "Flattr's API failed (500 server_error: Something"),
    ],
)
def test_could_not_reach_flattr(stub, capsys, mode, expected):
    stub.script(mode)
    status, out, err = run(capsys, "--identity", "partner:ns:1", "--api-url", stub.url)
    assert status == verify.EXIT_UNREACHABLE == 3
    assert "not reached       partner:ns:1" in out
    assert expected in out
    assert "Traceback" not in out + err
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    ("mode", "status"),
    [("unauthorized", verify.EXIT_REFUSED), ("html_500", verify.EXIT_UNREACHABLE)],
)
def test_the_json_document_is_not_ok_when_flattr_refused_or_was_not_reached(
    stub, capsys, mode, status
):
    # A script may read "ok" alone: a run that Flattr refused, or could not
    # be reached for, did not go well, usage error or not.
    stub.script(mode)
    code, document, _ = run_json(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url
    )
    assert code == document["exit_status"] == status
    assert document["ok"] is False


def test_a_slow_server_hits_the_timeout(stub, capsys):
    stub.script("slow")
    status, out, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--timeout", "0.3"
    )
    assert status == 3
    assert "did not answer within 0.3 seconds" in out
    assert "Traceback" not in out + err
    assert len(stub.requests) == 1


def test_nothing_listens(clock, capsys):
    status, out, _ = run(
        capsys, "--identity", "partner:ns:1", "--api-url", "http://127.0.0.1:9/rest/v2"
    )
    assert status == 3
    assert "could not connect to Flattr's API at http://127.0.0.1:9/rest/v2" in out
    assert clock.sleeps == [1.0]  # one retry after a pause


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--identity", "carol@example.org"], "--identity looks like a plain email"),
        (["--identity", "email:carol@example"], "--identity the value (not shown"),
        (["--identity", "alice"], "--identity 'alice' is a Flattr username"),
        # Only the forms verify takes: a username, which it refuses, was
        # offered where the scheme is unknown.
        *(
            (
                ["--identity", identity],
                f"{problem}; expected twitter:user:id:NUMBER, email:ADDRESS, "
                "email:MD5HEX or partner:NAMESPACE:ID",
            )
            for identity, problem in [
                ("alice", "is a Flattr username"),
                ("facebook:1", "has an unsupported scheme 'facebook'"),
            ]
        ),
        (["--identity", "partner:ns:1", "--username", "a/b"], "--username 'a/b' is"),
        (["--from", "x.csv", "--username", "alice"], "--username goes with --identity"),
        (["--from", "authors.txt"], "expected a .csv file"),
        (["--from", "missing.csv"], "missing.csv: no such file"),
        (["--identity", "partner:ns:1", "--timeout", "0"], "--timeout: the timeout"),
        (["--identity", "partner:ns:1", "--timeout", "inf"], "at most 3600 seconds"),
        (
            ["--identity", "partner:ns:1", "--api-url", "http://flattr.example/v2"],
            "plain http to another machine",
        ),
    ],
)
def test_usage_errors_send_nothing(stub, capsys, args, expected):
    if "--api-url" not in args:
        args = [*args, "--api-url", stub.url]
    status, out, err = run(capsys, *args)
    assert status == verify.EXIT_USAGE == 2
    assert expected in err
    assert "nothing was sent" in err
    assert "carol@" not in out + err
    assert stub.requests == []


def test_no_token(stub, capsys, monkeypatch):
    monkeypatch.delenv("FLATTR_TOKEN")
    status, _, err = run(capsys, "--identity", "partner:ns:1", "--api-url", stub.url)
    assert status == 2
    assert "no token: set the environment variable FLATTR_TOKEN" in err
    assert stub.requests == []


@pytest.mark.parametrize("source", ["FLATTR_TOKEN", "--token"])
def test_a_token_outside_rfc_6750s_characters_is_refused_naming_its_source(
    source, stub, capsys, monkeypatch
):
    # A "\\" or "'" would be escaped in an error that echoes the token, out
    # of the redaction's reach: no bearer token holds either.
    token = "bad\\to'ken"
    command = ["--identity", "partner:ns:1", "--api-url", stub.url]
    if source == "--token":
        command += ["--token", token]
    else:
        monkeypatch.setenv("FLATTR_TOKEN", token)
    status, out, err = run(capsys, *command)
    assert status == 2
    assert f"{source}: the token holds spaces or characters no bearer token" in err
    assert "letters, digits, '-', '.', '_', '~', '+' and '/'" in err
    assert "to'ken" not in out + err and "bad" not in out + err
    assert stub.requests == []


def test_the_token_option_and_its_source(stub, capsys, monkeypatch):
    monkeypatch.delenv("FLATTR_TOKEN")
    status, document, _ = run_json(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--token", TOKEN
    )
    assert status == 0 and document["token_from"] == "--token"
    assert stub.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_dry_run_sends_nothing_and_needs_no_token(stub, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("FLATTR_TOKEN")
    status, out, _ = run(
        capsys, "--identity", f"email:{CAROL}", "--username", "carol",
        "--api-url", stub.url, "--dry-run",
    )  # fmt: skip
    assert status == 0
    assert out.splitlines() == [
        f"would send  POST {stub.url}/users/carol/verify  identity={CAROL_ID}  "
        "(--identity)"
    ]
    assert stub.requests == []
    assert not (tmp_path / "flattr-store.sqlite3").exists()


def test_an_owner_an_earlier_build_published_with_leading_zeros_is_verified_as_written(
    stub, capsys, tmp_path, flattr_log
):
    # An earlier build published twitter:user:id:00783214; the operator now
    # writes 783214, which the URL guard tells as an owner change, advising
    # to verify the old owner. verify refused it ("write ...783214"), which
    # by Flattr's rule (an owner as written) is another owner: verifying
    # that claims none of the flattrs waiting for the old one.
    files = {"hello.md": article("Hello world", "Alice")}
    authors = {"Alice": "twitter:user:id:783214"}
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    baseline = tmp_path / "cache" / "pelican-flattr" / "url-baseline.json"
    # As the earlier build wrote it.
    baseline.write_text(baseline.read_text().replace("id:783214", "id:00783214"))
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    (command,) = re.findall(r"\((pelican-flattr verify [^)]*)\)", flattr_log.text)
    _, subcommand, *args = shlex.split(command.replace("THEIR_FLATTR_USERNAME", "bob"))
    assert (subcommand, args[:2]) == (
        "verify",
        ["--identity", "twitter:user:id:00783214"],
    )
    capsys.readouterr()  # Pelican's lines of the builds
    status, out, err = run(capsys, *args, "--api-url", stub.url, "--dry-run")
    assert status == 0, err
    assert out == (
        f"would send  POST {stub.url}/users/bob/verify  "
        "identity=twitter:user:id:00783214  (--identity)\n"
    )
    # Said, in case the operator meant the account's own owner.
    assert err == (
        "pelican-flattr: verify: note: twitter:user:id:00783214 (--identity) is "
        "sent as written, though a build no longer publishes it: its Twitter id "
        "has leading zeros, which no account's id has (the account's own owner "
        "is twitter:user:id:783214); the flattrs of the things an earlier build "
        "published for it wait for it as written, and verifying it claims them\n"
    )


def test_json_keeps_the_note_of_an_owner_a_build_no_longer_publishes_on_stderr(
    stub, capsys
):
    # --json leaves out the lines a person reads on stdout, not this note:
    # a script reads the document, and its operator the note, as --quiet
    # alone drops it.
    identity = "twitter:user:id:00783214"
    args = ["--identity", identity, "--username", "bob", "--api-url", stub.url]
    status, document, err = run_json(capsys, *args, "--dry-run")
    assert status == 0, err
    assert document["ok"] is True
    assert err.startswith(
        f"pelican-flattr: verify: note: {identity} (--identity) is sent as "
        "written, though a build no longer publishes it: its Twitter id has "
        "leading zeros"
    )


def test_settings_that_map_an_author_to_a_twitter_id_with_leading_zeros_are_refused(
    stub, capsys, tmp_path
):
    # verify --settings reads an author's owner as the build does, which
    # refuses it for publishing; --identity verifies the old owner.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Alice": "twitter:user:id:00783214"}\n'
        'FLATTR_VERIFIED_ACCOUNTS = {"Alice": "alice"}\n',
        encoding="utf-8",
    )
    status, _, err = run(capsys, "--settings", str(conf), "--dry-run")
    assert status == 2
    assert "FLATTR_AUTHORS['Alice'] 'twitter:user:id:00783214' writes the " in err
    assert "write twitter:user:id:783214" in err


def test_settings_whose_author_key_is_no_string_are_refused_as_the_build_does(
    stub, capsys, tmp_path
):
    # The build leaves such an entry out; verify sent its owner, and named
    # the key 3 as FLATTR_AUTHORS['3'].
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Alice": "partner:x:1", 3: "email:carol@example.org"}\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "--settings", str(conf), "--dry-run")
    assert status == 2
    assert (
        f"{conf}: FLATTR_AUTHORS[3]: a key that is no author's name, which is a "
        "string, as the content's Author: field gives it; write it as a string, "
        "or remove it"
    ) in err
    assert "'3'" not in err
    assert "carol@" not in out + err


def test_help_documents_the_exit_codes_and_the_token(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = capsys.readouterr().out
    assert "FLATTR_TOKEN" in out
    for line in (
        "0  every identity verified",
        "1  Flattr refused an identity",
        "2  usage error",
        "3  identities left to send",
    ):
        assert line in out


# -- batches from a CSV ------------------------------------------------------


def test_a_csv_batch_and_its_rerun(stub, capsys, tmp_path):
    rows = [
        ("alice", "partner:hackspace:1"),
        ("bob", "twitter:user:id:2"),
        ("carol", f"email:{CAROL}"),
        ("alice", "partner:hackspace:1"),  # a repeated row is sent once
    ]
    csv_path = write_csv(tmp_path / "people.csv", rows)
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, err
    assert stub.identities() == ["partner:hackspace:1", "twitter:user:id:2", CAROL_ID]
    assert f"verified          {CAROL_ID} -> carol  ({csv_path}:4)" in out
    assert f"({csv_path}:5) same as {csv_path}:2" in out
    assert "3 identities: 3 verified, 1 skipped" in out
    assert "Rate budget: 4997 of 5000 requests left" in out
    assert "example.org" not in out + err
    store = tmp_path / "flattr-store.sqlite3"
    assert recorded(store) == sorted(
        [
            ("partner:hackspace:1", "alice"),
            ("twitter:user:id:2", "bob"),
            (CAROL_ID, "carol"),
        ]
    )

    # The rerun skips everything the store holds: not one request.
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == 0
    assert len(stub.requests) == 3
    assert [r["outcome"] for r in document["results"]] == ["already verified"] * 3
    assert document["rate_limit"] is None


def test_an_identity_recorded_for_another_account_is_sent_again(stub, capsys, tmp_path):
    # The store skips an (identity, username) pair: an identity now given
    # for another account (the author named the wrong one first) must
    # reach Flattr for that account, not pass as "already verified".
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    assert run(capsys, "--from", str(csv_path), "--api-url", stub.url)[0] == 0
    write_csv(csv_path, [("bob", "partner:ns:1")])
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, err
    assert f"verified          partner:ns:1 -> bob  ({csv_path}:2)" in out
    assert "1 identity: 1 verified" in out
    assert stub.identities() == ["partner:ns:1", "partner:ns:1"]
    assert stub.requests[1].path == "/rest/v2/users/bob/verify"
    assert recorded(tmp_path / "flattr-store.sqlite3") == [
        ("partner:ns:1", "alice"),
        ("partner:ns:1", "bob"),
    ]


@pytest.mark.parametrize("as_json", [False, True])
def test_the_budget_survives_an_answer_without_rate_headers(
    as_json, stub, capsys, tmp_path
):
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    # The second answer, a success, comes through a gateway that drops the
    # headers: it says nothing of the budget the first one reported.
    stub.script("success_without_rate_headers", identity="partner:ns:2")
    command = ["--from", str(csv_path), "--api-url", stub.url]
    if as_json:
        status, document, err = run_json(capsys, *command)
        assert status == 0, err
        assert document["rate_limit"]["remaining"] == 4999
        assert document["rate_limit"]["reset"] == START + 3600
    else:
        status, out, err = run(capsys, *command)
        assert status == 0, err
        assert "2 identities: 2 verified" in out
        assert out.splitlines()[-1] == (
            "Rate budget: 4999 of 5000 requests left; resets at "
            + local_time(START + 3600)
        )


NO_ANSWER = "Rate budget: unknown (no answer from Flattr arrived)"
NO_HEADERS = "Rate budget: unknown (no answer carried Flattr's rate limit headers)"


@pytest.mark.parametrize(
    ("mode", "budget"),
    [
        ("nothing listens", NO_ANSWER),
        ("slow", NO_ANSWER),
        ("redirect_json", NO_ANSWER),
        ("captive_portal_200", NO_ANSWER),
        ("success_without_rate_headers", NO_HEADERS),
        ("rate_limited_without_reset", NO_HEADERS),
    ],
)
def test_an_unknown_budget_says_whether_flattr_answered(stub, capsys, mode, budget):
    # Only an answer of Flattr's without the headers points at a proxy or
    # a gateway that drops them; no answer at all, or another server's,
    # says nothing of them.
    api_url = stub.url
    if mode == "nothing listens":
        api_url = "http://127.0.0.1:9/rest/v2"
    else:
        stub.script(mode)
    _, out, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", api_url, "--timeout", "0.3"
    )
    assert out.splitlines()[-1] == budget, out + err


def test_a_batch_that_sends_nothing_says_so_of_the_budget(stub, capsys, tmp_path):
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    assert run(capsys, "--from", str(csv_path), "--api-url", stub.url)[0] == 0
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[-3] == "1 identity: 1 already verified"
    assert lines[-1] == "Rate budget: unknown (nothing was sent)"
    assert len(stub.requests) == 1


def test_a_server_resetting_a_kept_alive_connection_stops_no_batch(
    clock, capsys, tmp_path
):
    # The server drops a connection kept alive just as the next request
    # goes down it: every row went "not sent" after the first, exit 3.
    rows = [
        ("alice", "partner:ns:1"),
        ("bob", "partner:ns:2"),
        ("carol", "partner:ns:3"),
    ]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    with KeepAliveResettingServer() as server:
        status, document, err = run_json(
            capsys, "--from", str(csv_path), "--api-url", server.url
        )
    assert status == 0, err
    assert [r["outcome"] for r in document["results"]] == ["verified"] * 3
    assert len(server.requests) == 3 and server.resets == 0


def test_a_csv_with_bad_rows_is_refused_whole(stub, capsys, tmp_path):
    csv_path = tmp_path / "people.csv"
    csv_path.write_text(
        textwrap.dedent(
            f"""\
            identity,username,note
            partner:ns:1,alice,fine
            {CAROL},bob,a plain address

            twitter:user:id:@carol,carol,a handle
            email:dave@example.org,dave@example.org,address as username
            partner:ns:1,bob,same identity as line 2 for someone else
            ,alice,
            """
        ),
        encoding="utf-8",
    )
    status, document, err = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == 2
    problems = document["problems"]
    assert problems == [
        f"{csv_path}:3: column identity looks like a plain email address; write it "
        "as email:ADDRESS so that it is hashed",
        # A handle holds no address: shown.
        f"{csv_path}:5: column identity 'twitter:user:id:@carol' is a Twitter "
        "handle, but Flattr needs the numeric account id: write "
        "twitter:user:id:NUMBER (a Twitter ID lookup gives it for the handle "
        "carol)",
        f"{csv_path}:6: column username expects the Flattr account's username "
        "(letters, digits, '_', '-' and '.'), not an email address",
        f"{csv_path}:8: column identity is empty",
        f"{csv_path}:7: the identity partner:ns:1 is also given for another Flattr "
        f"user at {csv_path}:2; an identity belongs to one account",
    ]
    assert "example.org" not in json.dumps(document) + err
    assert stub.requests == []
    assert not (tmp_path / "flattr-store.sqlite3").exists()


USERNAME_NOT_ADDRESS = (
    "expects the Flattr account's username (letters, digits, '_', '-' and '.'), "
    "not an email address"
)


@pytest.mark.parametrize("username", ["bob@example.org", "email:bob@example.org"])
def test_an_address_as_username_is_never_advised_as_email_address(
    stub, capsys, username
):
    # Advice to write email:ADDRESS, which names an identity, would be
    # refused in turn: a username, with or without "email:", is the account's.
    status, out, err = run(
        capsys, "--identity", "twitter:user:id:5", "--username", username,
        "--api-url", stub.url, "--dry-run",
    )  # fmt: skip
    assert status == 2
    assert f"--username {USERNAME_NOT_ADDRESS}" in err
    assert "email:ADDRESS" not in err and "identifier" not in err
    assert "bob@" not in out + err
    assert stub.requests == []


@pytest.mark.parametrize("username", ["bob@example.org", "email:bob@example.org"])
def test_an_address_as_verified_account_is_never_advised_as_email_address(
    stub, capsys, tmp_path, username
):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Bob Builder": "twitter:user:id:5"}\n'
        f'FLATTR_VERIFIED_ACCOUNTS = {{"Bob Builder": "{username}"}}\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "--from", str(conf), "--dry-run")
    assert status == 2
    assert (
        f"{conf}: FLATTR_VERIFIED_ACCOUNTS['Bob Builder'] {USERNAME_NOT_ADDRESS}" in err
    )
    assert "email:ADDRESS" not in err and "identifier" not in err
    assert "bob@" not in out + err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "None",
            "expects the Flattr account's username as text (letters, digits, '_', "
            "'-' and '.'), not NoneType",
        ),
        (
            "5",
            "expects the Flattr account's username as text (letters, digits, '_', "
            "'-' and '.'), not int",
        ),
        (
            "''",
            "is empty; expected the Flattr account's username (letters, digits, "
            "'_', '-' and '.')",
        ),
        (
            "'dmitri:hackspace'",
            "holds ':', as an owner identifier does; expected the Flattr account's "
            "username (letters, digits, '_', '-' and '.')",
        ),
        (
            "'twitter:user:id:dmitri'",
            "holds ':', as an owner identifier does; expected the Flattr account's "
            "username (letters, digits, '_', '-' and '.')",
        ),
    ],
)
def test_a_verified_account_that_is_no_username_is_advised_as_one(
    stub, capsys, tmp_path, value, expected
):
    # The advice once listed the forms of an owner identifier ("expected
    # text (a Flattr username, twitter:user:id:NUMBER, email:ADDRESS...)"),
    # each refused in turn: the value must be the account's username.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Dmitri Ivanov": "partner:hackspace:1042"}\n'
        f'FLATTR_VERIFIED_ACCOUNTS = {{"Dmitri Ivanov": {value}}}\n',
        encoding="utf-8",
    )
    status, _, err = run(capsys, "--from", str(conf), "--dry-run")
    assert status == verify.EXIT_USAGE
    assert f"{conf}: FLATTR_VERIFIED_ACCOUNTS['Dmitri Ivanov'] {expected}\n" in err, err
    for form in ("twitter:user:id:NUMBER", "email:ADDRESS", "partner:NAMESPACE"):
        assert form not in err


# Where only a username is taken, the advice for a person's name once
# offered an owner identifier too, which following it got refused ("holds
# ':', as an owner identifier does"); --identity, which takes no username
# ("is a Flattr username; expected ..."), once offered a username.
NAME_NOT_USERNAME = (
    "'bob smith' looks like a person's name, not a username: write their "
    "Flattr username"
)
NAME_NOT_IDENTITY = (
    "'bob smith' looks like a person's name, not an owner: write their owner "
    "identifier (twitter:user:id:NUMBER, email:ADDRESS, email:MD5HEX or "
    "partner:NAMESPACE:ID)"
)


def _name_given(tmp_path: Path, where: str) -> tuple[list[str], str]:
    """The arguments giving "bob smith" ``where``, and the line that
    refuses it."""
    if where == "--identity":
        args = ["--identity", "bob smith", "--username", "bob"]
        return args, f"--identity {NAME_NOT_IDENTITY}"
    if where == "--username":
        args = ["--identity", "twitter:user:id:1", "--username", "bob smith"]
        return args, f"--username {NAME_NOT_USERNAME}"
    if where == "csv":
        csv_path = write_csv(tmp_path / "p.csv", [("bob smith", "twitter:user:id:1")])
        return ["--from", str(csv_path)], (
            f"{csv_path}:2: column username {NAME_NOT_USERNAME}"
        )
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Bob Smith": "twitter:user:id:1"}\n'
        'FLATTR_VERIFIED_ACCOUNTS = {"Bob Smith": "bob smith"}\n',
        encoding="utf-8",
    )
    return ["--from", str(conf)], (
        f"{conf}: FLATTR_VERIFIED_ACCOUNTS['Bob Smith'] {NAME_NOT_USERNAME}"
    )


@pytest.mark.parametrize("where", ["--identity", "--username", "csv", "settings"])
def test_a_name_is_advised_as_only_what_is_taken_there(stub, capsys, tmp_path, where):
    args, refusal = _name_given(tmp_path, where)
    status, _, err = run(capsys, *args, "--api-url", stub.url, "--dry-run")
    assert status == verify.EXIT_USAGE
    assert err.splitlines()[0] == f"pelican-flattr: verify: {refusal}", err


def test_a_handle_as_username_is_advised_as_a_username_only(stub, capsys):
    status, _, err = run(
        capsys, "--identity", "twitter:user:id:5", "--username", "@bob",
        "--api-url", stub.url, "--dry-run",
    )  # fmt: skip
    assert status == 2
    assert "--username '@bob' is a handle: write the Flattr username without " in err
    assert "twitter:user:id:NUMBER" not in err


def test_a_csv_without_its_header(stub, capsys, tmp_path):
    csv_path = write_csv(
        tmp_path / "p.csv", [("bob", "partner:ns:2")], "alice,partner:ns:1"
    )
    status, _, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 2
    assert f"{csv_path}:1: the first line must be the header username,identity" in err
    assert stub.requests == []


@pytest.mark.parametrize(
    "header", ["username,identity,Identity", "USERNAME,identity,username"]
)
def test_a_csv_header_naming_a_column_twice(stub, capsys, tmp_path, header):
    # Which of the two is meant? Taking the first would silently leave out
    # every value of the other.
    path = tmp_path / "p.csv"
    path.write_text(f"{header}\nbob,partner:ns:1,partner:ns:2\n", encoding="utf-8")
    status, _, err = run(capsys, "--from", str(path), "--api-url", stub.url)
    assert status == 2
    assert f"{path}:1: the header names the column" in err
    assert stub.requests == []


def test_a_csv_row_with_a_cell_the_header_does_not_name(stub, capsys, tmp_path):
    # Its extra cells were dropped without a word: a comma inside a value
    # cut it short, and whatever followed was never read.
    path = tmp_path / "p.csv"
    path.write_text(
        f"username,identity\nalice,partner:ns:1\ncarol,{CAROL},extra\n"
        "dave,partner:ns:4,\n",
        encoding="utf-8",
    )
    status, document, err = run_json(capsys, "--from", str(path), "--api-url", stub.url)
    assert status == 2
    assert document["problems"] == [
        f"{path}:3: the row has 3 cells, the header names 2; quote a value that "
        "holds a comma"
    ]
    assert "example.org" not in json.dumps(document) + err
    assert stub.requests == []


def test_a_csv_quote_left_open_is_named_where_it_opens(stub, capsys, tmp_path):
    # The open quote swallows every line after it into one field: the
    # message must point at the quote, not at the end of the file.
    path = tmp_path / "p.csv"
    path.write_text(
        f'username,identity\nalice,partner:ns:1\n"bob,partner:ns:2\n'
        f"carol,{CAROL}\ndave,partner:ns:4\n",
        encoding="utf-8",
    )
    status, document, err = run_json(capsys, "--from", str(path), "--api-url", stub.url)
    assert status == 2
    assert document["problems"] == [
        f"{path}:3: a quoted field runs from this line to line 5 (a quote left "
        "open?); each row of username,identity is one line"
    ]
    assert "example.org" not in json.dumps(document) + err
    assert stub.requests == []


def test_refusals_do_not_stop_a_batch(stub, capsys, tmp_path):
    csv_path = write_csv(
        tmp_path / "p.csv",
        [
            ("alice", "partner:ns:1"),
            ("nobody", "partner:ns:2"),
            ("bob", "partner:ns:3"),
        ],
    )
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == 1
    outcomes = [(r["identity"], r["outcome"], r["error"]) for r in document["results"]]
    assert outcomes == [
        ("partner:ns:1", "verified", None),
        ("partner:ns:2", "refused", "not_found"),
        ("partner:ns:3", "verified", None),
    ]
    assert recorded(tmp_path / "flattr-store.sqlite3") == [
        ("partner:ns:1", "alice"),
        ("partner:ns:3", "bob"),
    ]


@pytest.mark.parametrize("mode", ["insufficient_scope", "invalid_scope"])
def test_a_token_without_the_scope_stops_the_batch(mode, stub, capsys, tmp_path):
    # The token is at fault, not the identity: every other would be refused so.
    rows = [
        ("alice", "partner:ns:1"),
        ("bob", "partner:ns:2"),
        ("carol", "partner:ns:3"),
    ]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script(mode)
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    # Identities were left unsent: 3, as for any batch that stopped early.
    assert status == verify.EXIT_UNREACHABLE
    first, *rest = document["results"]
    assert (first["outcome"], first["error"]) == ("refused", mode)
    assert "the token lacks the OAuth scope" in first["message"]
    stopped = "not sent: the run stopped at an earlier identity"
    assert [(r["outcome"], r["message"]) for r in rest] == [("not sent", stopped)] * 2
    assert stub.identities() == ["partner:ns:1"]


def test_a_batch_paces_itself_to_the_budget(clock, capsys, tmp_path):
    rows = [("alice", f"partner:ns:{n}") for n in range(5)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    with FlattrApiStub(clock=clock, limit=2) as stub:
        first_reset = stub.reset
        status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
        statuses = list(stub.identities())
    assert status == 0, out + err
    # Two requests, wait for the reset, two more, wait, the last one: never a 403.
    assert statuses == [identity for _, identity in rows]
    assert clock.sleeps == [
        first_reset - START + RESET_MARGIN,
        3600.0,  # from one second past the first reset to one past the second
    ]
    assert err.count("Flattr's rate limit is used up; waiting until") == 2
    assert f"waiting until {local_time(first_reset)} for it to reset (3 to go" in err
    assert "5 identities: 5 verified" in out


def test_a_429_from_a_gateway_is_waited_for_in_a_batch(stub, clock, capsys, tmp_path):
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("too_many_requests", identity="partner:ns:1")
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, out + err
    assert stub.identities() == ["partner:ns:1", "partner:ns:1", "partner:ns:2"]
    assert clock.sleeps == [120 + RESET_MARGIN]  # Retry-After: 120
    assert "2 identities: 2 verified" in out


def test_a_redirect_with_a_json_body_stops_the_batch(stub, capsys, tmp_path):
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("redirect_json")
    status, out, _ = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == verify.EXIT_UNREACHABLE
    assert "not reached       partner:ns:1" in out
    assert "redirected (308 Permanent Redirect to https://elsewhere" in out
    assert stub.identities() == ["partner:ns:1"]


def test_a_redirect_to_no_url_is_said_as_a_redirect(stub, capsys):
    # httpx reads the Location of any redirect, followed or not: one it
    # cannot read was said to be a failed connection ("check that the
    # server runs"), where the server had answered.
    stub.script("redirect_invalid")
    status, out, _ = run(capsys, "--identity", "partner:ns:1", "--api-url", stub.url)
    assert status == verify.EXIT_UNREACHABLE
    text = " ".join(out.split())
    assert (
        "redirected (to a Location that is no URL), which Flattr's API never " in text
    )
    assert "does: check the API base URL" in text
    assert "connection" not in text and "\x1b" not in out


def test_a_403_then_the_batch_waits_and_succeeds(stub, clock, capsys, tmp_path):
    rows = [
        ("alice", "partner:ns:1"),
        ("bob", "partner:ns:2"),
        ("carol", "partner:ns:3"),
    ]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("rate_limited", identity="partner:ns:2")
    status, document, err = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == 0, err
    assert stub.identities() == [
        "partner:ns:1",
        "partner:ns:2",
        "partner:ns:2",
        "partner:ns:3",
    ]
    assert clock.sleeps == [3600 + RESET_MARGIN]
    assert f"waiting until {local_time(START + 3600)}" in err
    assert [r["outcome"] for r in document["results"]] == ["verified"] * 3
    # The budget came back at the reset: a fresh hour, two requests spent.
    assert document["rate_limit"]["remaining"] == 4998


def test_a_captive_portals_empty_success_records_nothing(stub, capsys, tmp_path):
    # A 200 with an empty text/html body and no rate-limit headers was taken
    # for Flattr's success: both identities were recorded as verified, and
    # every rerun skipped them, though Flattr never saw them.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("captive_portal_200")
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == verify.EXIT_UNREACHABLE
    assert [r["outcome"] for r in document["results"]] == ["not reached", "not sent"]
    assert document["results"][0]["message"].startswith(
        f"{stub.url} answered 200 with Content-Type text/html where Flattr's API "
        "answers JSON: this answer is not Flattr's"
    )
    assert recorded(tmp_path / "flattr-store.sqlite3") == []
    assert stub.identities() == ["partner:ns:1"]
    # Nothing recorded: the rerun sends both, to Flattr's answer this time.
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, out + err
    assert "2 identities: 2 verified" in out
    assert stub.identities() == ["partner:ns:1", "partner:ns:1", "partner:ns:2"]


def test_an_interrupted_batch_resumes_without_sending_anything_twice(
    stub, capsys, tmp_path
):
    rows = [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("html_500", identity="partner:ns:3")
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == 3
    assert [r["outcome"] for r in document["results"]] == [
        "verified",
        "verified",
        "not reached",
        "not sent",
        "not sent",
    ]
    assert stub.identities() == ["partner:ns:1", "partner:ns:2", "partner:ns:3"]

    status, out, _ = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0
    assert "5 identities: 3 verified, 2 already verified" in out
    # 1 and 2 went out once; 3 was never answered, so it is sent again.
    assert stub.identities() == [f"partner:ns:{n}" for n in (1, 2, 3, 3, 4, 5)]
    assert len(recorded(tmp_path / "flattr-store.sqlite3")) == 5


def test_the_summary_of_a_batch_flattr_could_not_reach_counts_each_outcome(
    stub, capsys, tmp_path
):
    rows = [
        ("alice", "partner:ns:1"),
        ("alice", "partner:ns:2"),
        ("bob", "partner:ns:3"),
    ]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("html_500", identity="partner:ns:2")
    status, out, _ = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == verify.EXIT_UNREACHABLE
    assert out.splitlines()[-3:] == [
        "3 identities: 1 verified, 1 not reached, 1 not sent",
        "Rate budget: 4998 of 5000 requests left; resets at "
        + local_time(START + 3600),
        f"Successes are recorded in {tmp_path / 'flattr-store.sqlite3'}; run the "
        "same command again to resume.",
    ]


def test_a_dry_run_batch_shows_what_would_be_sent(stub, capsys, tmp_path):
    csv_path = write_csv(
        tmp_path / "p.csv", [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    )
    status, _, _ = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    csv_path = write_csv(
        tmp_path / "p.csv",
        [("alice", "partner:ns:1"), ("bob", "partner:ns:2"), ("carol", "partner:ns:3")],
    )
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--dry-run"
    )
    assert status == 0 and document["dry_run"] is True
    assert [r["outcome"] for r in document["results"]] == [
        "already verified",
        "already verified",
        "would send",
    ]
    assert document["results"][2]["request"] == {
        "method": "POST",
        "url": f"{stub.url}/users/carol/verify",
        "form": {"identity": "partner:ns:3"},
    }
    assert len(stub.requests) == 2  # only those of the first, real run


# -- batches from the site's settings ----------------------------------------


PELICANCONF = f"""\
SITEURL = "https://community.example.org"
FLATTR_AUTHORS = {{
    "Alice Andersson": "alice_flattrs",
    "Bob Builder": "twitter:user:id:783214",
    "Carol Chen": "email:{CAROL}",
    "Dmitri Ivanov": "partner:hackspace:1042",
}}
FLATTR_VERIFIED_ACCOUNTS = {{
    "Carol Chen": "carol",
    "Dmitri Ivanov": "dmitri",
}}
FLATTR_STORE = "private/flattr.sqlite3"
"""


def test_a_batch_from_pelicanconf(stub, capsys, tmp_path):
    site = tmp_path / "site"
    (site / "private").mkdir(parents=True)
    (tmp_path / "private").mkdir()  # the current folder's
    conf = site / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    status, out, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 0, err
    assert stub.identities() == [CAROL_ID, "partner:hackspace:1042"]
    assert [r.path for r in stub.requests] == [
        "/rest/v2/users/carol/verify",
        "/rest/v2/users/dmitri/verify",
    ]
    assert (
        "skipped           (FLATTR_AUTHORS['Alice Andersson']) is the Flattr user "
        "alice_flattrs: nothing to verify"
    ) in out
    assert (
        "skipped           twitter:user:id:783214  (FLATTR_AUTHORS['Bob Builder']) "
        "not yet claimed by a Flattr account, skipped"
    ) in out
    assert "2 identities: 2 verified, 2 skipped" in out
    assert "example.org" not in out + err
    # FLATTR_STORE is relative to the current folder, as the build takes it.
    assert recorded(tmp_path / "private" / "flattr.sqlite3") == [
        (CAROL_ID, "carol"),
        ("partner:hackspace:1042", "dmitri"),
    ]
    assert not (tmp_path / "flattr-store.sqlite3").exists()
    assert not (site / "private" / "flattr.sqlite3").exists()


@pytest.mark.parametrize(
    ("extra", "verified", "said"),
    [
        # The owner of every thing nobody else owns, whose flattrs wait as
        # an author's do: verified for the account named under its key.
        (
            'FLATTR_USERNAME = "partner:hackspace:1"\n'
            'FLATTR_VERIFIED_ACCOUNTS["FLATTR_USERNAME"] = "bob"\n',
            [("partner:hackspace:1", "/rest/v2/users/bob/verify")],
            "verified          partner:hackspace:1 -> bob  (FLATTR_USERNAME)",
        ),
        (
            'FLATTR_USERNAME = "partner:hackspace:1"\n',
            [],
            "skipped           partner:hackspace:1  (FLATTR_USERNAME) not yet "
            "claimed by a Flattr account, skipped (name the account as "
            "FLATTR_VERIFIED_ACCOUNTS['FLATTR_USERNAME'] once there is one)",
        ),
        (
            'FLATTR_VERIFIED_ACCOUNTS["FLATTR_USERNAME"] = "siteowner"\n',
            [],
            "skipped           (FLATTR_VERIFIED_ACCOUNTS['FLATTR_USERNAME']) "
            "FLATTR_USERNAME is not set; ignored",
        ),
        # An empty FLATTR_USERNAME is unset, as the build takes it.
        (
            'FLATTR_USERNAME = ""\n'
            'FLATTR_VERIFIED_ACCOUNTS["FLATTR_USERNAME"] = "siteowner"\n',
            [],
            "skipped           (FLATTR_VERIFIED_ACCOUNTS['FLATTR_USERNAME']) "
            "FLATTR_USERNAME is not set; ignored",
        ),
        # A Flattr user: nothing to verify, as for an author.
        ('FLATTR_USERNAME = "siteowner"\n', [], ""),
    ],
)
def test_a_batch_from_pelicanconf_verifies_the_site_owner(
    stub, capsys, tmp_path, extra, verified, said
):
    (tmp_path / "private").mkdir()  # FLATTR_STORE's, in the current folder
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF + extra, encoding="utf-8")
    status, out, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 0, err
    expected = [CAROL_ID, "partner:hackspace:1042"]
    paths = ["/rest/v2/users/carol/verify", "/rest/v2/users/dmitri/verify"]
    for identity, path in verified:
        expected.append(identity)
        paths.append(path)
    assert sorted(stub.identities()) == sorted(expected)
    assert sorted(r.path for r in stub.requests) == sorted(paths)
    assert said in out
    assert len([line for line in out.splitlines() if "FLATTR_USERNAME" in line]) == (
        1 if said else 0
    )


def test_a_dry_run_of_many_authors_says_what_it_would_send_first(capsys, tmp_path):
    # 2,000 authors: 1,500 "skipped" lines (500 of "is the Flattr user
    # memberNNNN") came before the 500 that would be sent. What needs doing
    # first; then a line for each reason more than five entries share,
    # naming the first five: each entry on a line of its own with -v, and
    # in --json.
    authors, accounts = {}, {}
    for n in range(24):
        name = f"Member {n:02}"
        if n % 4 == 0:
            authors[name] = f"member{n:02}"  # a Flattr user
        elif n % 4 == 1:
            authors[name], accounts[name] = f"partner:ns:{n}", f"flattrer{n:02}"
        else:
            authors[name] = f"partner:ns:{n}"  # no account yet
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f"FLATTR_AUTHORS = {authors!r}\nFLATTR_VERIFIED_ACCOUNTS = {accounts!r}\n",
        encoding="utf-8",
    )
    status, out, err = run(capsys, "--settings", str(conf), "--dry-run")
    assert status == 0, err

    def sources(numbers: range) -> str:
        named = [f"FLATTR_AUTHORS['Member {n:02}']" for n in numbers]
        return f"{', '.join(named[:5])} and {len(named) - 5} more"

    unclaimed = [n for n in range(24) if n % 4 > 1]
    assert out.splitlines() == [
        *(
            f"would send  POST https://api.flattr.com/rest/v2/users/flattrer{n:02}"
            f"/verify  identity=partner:ns:{n}  (FLATTR_AUTHORS['Member {n:02}'])"
            for n in range(1, 24, 4)
        ),
        f"skipped           6 entries ({sources(range(0, 24, 4))}; -v lists each) "
        "are Flattr users: nothing to verify",
        f"skipped           12 entries ({sources(unclaimed)}; -v lists each) not "
        "yet claimed by a Flattr account, skipped (name the account in "
        "FLATTR_VERIFIED_ACCOUNTS once the author has one)",
        "6 identities: 6 would send, 18 skipped (dry run: nothing was sent)",
    ]
    status, out, err = run(capsys, "--settings", str(conf), "--dry-run", "-v")
    skipped = [line for line in out.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 18 and "-v lists each" not in out
    assert skipped[:2] == [
        "skipped           (FLATTR_AUTHORS['Member 00']) is the Flattr user "
        "member00: nothing to verify",
        "skipped           partner:ns:2  (FLATTR_AUTHORS['Member 02']) not yet "
        "claimed by a Flattr account, skipped (name the account in "
        "FLATTR_VERIFIED_ACCOUNTS once the author has one)",
    ]
    status, document, err = run_json(capsys, "--settings", str(conf), "--dry-run")
    assert len(document["skipped"]) == 18


def test_a_bad_site_owner_stops_a_batch_from_pelicanconf(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        PELICANCONF
        + 'FLATTR_USERNAME = "partner:hack space"\n'
        + 'FLATTR_VERIFIED_ACCOUNTS["FLATTR_USERNAME"] = "site@example.org"\n',
        encoding="utf-8",
    )
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2
    assert f"{conf}: FLATTR_USERNAME 'partner:hack space' is not" in err
    assert stub.requests == []
    conf.write_text(
        conf.read_text("utf-8").replace("hack space", "hackspace:1"), "utf-8"
    )
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2
    assert (
        f"{conf}: FLATTR_VERIFIED_ACCOUNTS['FLATTR_USERNAME'] expects the Flattr "
        "account's username" in err
    )
    assert "example.org" not in err
    assert stub.requests == []


ALICE_ID = f"email:{hash_email('alice@example.org')}"
BOB_ID = f"email:{hash_email('bob@example.org')}"

LANGUAGES_CONF = """\
FLATTR_AUTHORS = {"Alice": "email:alice@example.org"}
I18N_SUBSITES = {
    "de": {
        "FLATTR_AUTHORS": {
            "Alice": "email:alice@example.org",
            "Bob": "email:bob@example.org",
        },
        "FLATTR_VERIFIED_ACCOUNTS": {"Bob": "dmitri"},
    },
    "fr": {"FLATTR_AUTHORS": {"Bob": "partner:ns:7"}},
    "it": {"FLATTR_USERNAME": "partner:ns:9"},
}
FLATTR_VERIFIED_ACCOUNTS = {
    "Alice": "alice",
    "Bob": "bob",
    "FLATTR_USERNAME": "carol",
}
"""


def test_a_batch_from_pelicanconf_reads_each_languages_owners(stub, capsys, tmp_path):
    # i18n_subsites gives a language's articles the owners of its own
    # FLATTR_AUTHORS and FLATTR_USERNAME: their identities wait as well.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(LANGUAGES_CONF, encoding="utf-8")
    status, out, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 0, err
    assert recorded(tmp_path / "flattr-store.sqlite3") == sorted(
        [
            (ALICE_ID, "alice"),
            (BOB_ID, "bob"),  # one author, mapped apart in two languages
            ("partner:ns:7", "bob"),
            ("partner:ns:9", "carol"),
        ]
    )
    assert len(stub.requests) == 4  # Alice's, repeated by de, went once
    assert (
        f"verified          {BOB_ID} -> bob  (I18N_SUBSITES['de'] "
        "FLATTR_AUTHORS['Bob'])"
    ) in out
    assert (
        "verified          partner:ns:9 -> carol  (I18N_SUBSITES['it'] FLATTR_USERNAME)"
    ) in out
    assert (
        f"skipped           {ALICE_ID}  (I18N_SUBSITES['de'] FLATTR_AUTHORS"
        "['Alice']) same as FLATTR_AUTHORS['Alice']"
    ) in out
    # Accounts are the site's: a language's own is said to be ignored.
    assert (
        "skipped           (I18N_SUBSITES['de'] FLATTR_VERIFIED_ACCOUNTS) "
        "ignored: name every account in the site's FLATTR_VERIFIED_ACCOUNTS"
    ) in out
    assert "names no author" not in out
    assert "FLATTR_USERNAME is not set" not in out
    assert "example.org" not in out + err


def test_a_languages_own_author_built_is_the_identity_verified(capsys, tmp_path):
    # The repro: Bob is mapped in de's own settings alone; the owner the
    # build gives his German article is what verify must send.
    settings = {
        "FLATTR_AUTHORS": {"Alice": "email:alice@example.org"},
        "I18N_SUBSITES": {
            "de": {
                "FLATTR_AUTHORS": {
                    "Alice": "email:alice@example.org",
                    "Bob": "email:bob@example.org",
                }
            }
        },
    }
    files = {"bob.md": article("Bobs Artikel", "Bob", Lang="de")}
    site = tmp_path / "site"
    assert i18n_build(site, files, **settings).status == 0
    owner = manifest_things(site / "output" / "de")["bob.md"]["owner"]["value"]
    assert owner == BOB_ID
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "".join(f"{name} = {value!r}\n" for name, value in settings.items())
        + 'FLATTR_VERIFIED_ACCOUNTS = {"Alice": "alice", "Bob": "bob"}\n',
        "utf-8",
    )
    status, document, err = run_json(capsys, "--from", str(conf), "--dry-run")
    assert status == 0, err
    assert [
        (r["identity"], r["username"], r["source"]) for r in document["results"]
    ] == [
        (ALICE_ID, "alice", "FLATTR_AUTHORS['Alice']"),
        (BOB_ID, "bob", "I18N_SUBSITES['de'] FLATTR_AUTHORS['Bob']"),
    ]


def test_a_languages_authors_that_are_no_dict_stop_a_batch(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    language = 'I18N_SUBSITES = {"de": {"FLATTR_AUTHORS": ["x"]}}\n'
    conf.write_text(PELICANCONF + language, "utf-8")
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2
    assert (
        f"{conf}: I18N_SUBSITES['de'] FLATTR_AUTHORS must be a dict keyed by "
        "author name, not list"
    ) in err
    assert stub.requests == []


def test_a_language_entry_that_is_no_dict_maps_no_author(capsys, tmp_path, monkeypatch):
    # i18n_subsites builds no site of it: read as a language's settings, it
    # ended the batch in a traceback.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "private").mkdir()  # FLATTR_STORE's folder
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, "utf-8")
    expected = run_json(capsys, "--from", str(conf), "--dry-run")
    conf.write_text(PELICANCONF + 'I18N_SUBSITES = {"de": None}\n', "utf-8")
    status, document, err = run_json(capsys, "--from", str(conf), "--dry-run")
    assert status == 0, err
    assert (status, document, err) == expected


def test_a_languages_unusable_owner_is_named_with_its_language(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        PELICANCONF
        + 'I18N_SUBSITES = {"de": {"FLATTR_AUTHORS": {"Eve": "eve@example.org"}}}\n',
        "utf-8",
    )
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2
    assert f"{conf}: I18N_SUBSITES['de'] FLATTR_AUTHORS['Eve'] " in err
    assert "example.org" not in err
    assert stub.requests == []


def test_verify_and_the_build_read_one_store(stub, capsys, tmp_path, monkeypatch):
    from pelican.settings import read_settings as read_pelican_settings

    from pelican_flattr.settings import read_settings

    site = tmp_path / "site"
    site.mkdir()
    conf = site / "pelicanconf.py"
    conf.write_text(PELICANCONF + "SITEURL = 'https://example.org'\n", "utf-8")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "private").mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # neither the settings file's folder nor its parent
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 0, err
    flattr_settings, problems = read_settings(read_pelican_settings(str(conf)))
    assert problems == []
    assert flattr_settings.store_path.resolve() == (
        elsewhere / "private" / "flattr.sqlite3"
    )
    assert recorded(flattr_settings.store_path) == [
        (CAROL_ID, "carol"),
        ("partner:hackspace:1042", "dmitri"),
    ]


def test_one_identity_with_the_settings_goes_to_their_store(stub, capsys, tmp_path):
    # The build's advice for an owner change, run from the site's folder,
    # wrote to a new ./flattr-store.sqlite3 and said "verified", exit 0:
    # `pending` went on listing the flattrs. --settings reads FLATTR_STORE,
    # as every other command's does, and the output names the store.
    (tmp_path / "private").mkdir()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    status, out, err = run(
        capsys, "--identity", CAROL_ID, "--username", "carol",
        "--settings", str(conf), "--api-url", stub.url,
    )  # fmt: skip
    assert status == 0, err
    store = tmp_path / "private" / "flattr.sqlite3"
    assert recorded(store) == [(CAROL_ID, "carol")]
    assert not (tmp_path / "flattr-store.sqlite3").exists()
    assert f"Recorded in {store}" in out
    # The settings file's own authors are not sent: --identity says what to.
    assert stub.identities() == [CAROL_ID]


def test_a_csv_batch_with_the_settings_goes_to_their_store(stub, capsys, tmp_path):
    (tmp_path / "private").mkdir()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    status, document, err = run_json(
        capsys, "--from", str(csv_path), "--settings", str(conf), "--api-url", stub.url
    )
    assert status == 0, err
    assert recorded(tmp_path / "private" / "flattr.sqlite3") == [
        ("partner:ns:1", "alice")
    ]
    assert document["store"] == "private/flattr.sqlite3"


@pytest.mark.parametrize("what", ["--identity", "--from a CSV", "--settings alone"])
@pytest.mark.parametrize("setting", ["FLATTR_STORE = 'private/'", "FLATTR_STORE = 5"])
def test_the_store_given_wins_over_a_bad_flattr_store(
    stub, capsys, tmp_path, what, setting
):
    # --store names the store: a FLATTR_STORE it overrides is not read, so
    # its mistake does not refuse a run that would never use it.
    settings = PELICANCONF.replace('FLATTR_STORE = "private/flattr.sqlite3"', setting)
    assert setting in settings
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(settings, encoding="utf-8")
    asked = {
        "--identity": ["--identity", "partner:ns:1", "--username", "dmitri"],
        "--from a CSV": [
            "--from",
            str(write_csv(tmp_path / "p.csv", [("dmitri", "partner:ns:1")])),
        ],
        "--settings alone": [],
    }[what]
    store = tmp_path / "given.sqlite3"
    status, _, err = run(
        capsys, *asked, "--settings", str(conf), "--store", str(store),
        "--api-url", stub.url,
    )  # fmt: skip
    assert status == verify.EXIT_OK, err
    assert err == ""
    assert recorded(store)


def test_the_settings_alone_verify_their_authors_as_from_does(stub, capsys, tmp_path):
    (tmp_path / "private").mkdir()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    status, out, err = run(capsys, "--settings", str(conf), "--api-url", stub.url)
    assert status == 0, err
    assert "2 identities: 2 verified, 2 skipped" in out
    assert recorded(tmp_path / "private" / "flattr.sqlite3") == [
        (CAROL_ID, "carol"),
        ("partner:hackspace:1042", "dmitri"),
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--from", "pelicanconf.py", "--settings", "publishconf.py"],
            "--from pelicanconf.py and --settings publishconf.py are both "
            "settings files: give the site's once, with --settings",
        ),
        (
            ["--settings", "pelicanconf.py", "--username", "alice"],
            "--username goes with --identity",
        ),
        ([], "give --identity, --from or --settings"),
        (
            ["--identity", "partner:ns:1", "--settings", "missing.py"],
            "missing.py",
        ),
    ],
)
def test_the_settings_given_twice_or_not_at_all(stub, capsys, tmp_path, args, expected):
    for name in ("pelicanconf.py", "publishconf.py"):
        (tmp_path / name).write_text(PELICANCONF, encoding="utf-8")
    status, document, err = run_json(capsys, *args, "--api-url", stub.url)
    assert status == 2
    assert any(expected in problem for problem in document["problems"]), document
    assert expected in err
    assert stub.requests == []


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            "FLATTR_AUTHORS = []",
            "FLATTR_AUTHORS must be a dict keyed by author name, not list",
        ),
        (
            "FLATTR_AUTHORS = ''",
            "FLATTR_AUTHORS must be a dict keyed by author name, not str",
        ),
        (
            "FLATTR_VERIFIED_ACCOUNTS = []",
            "FLATTR_VERIFIED_ACCOUNTS must be a dict keyed by author name, not list",
        ),
        ("FLATTR_STORE = ''", "FLATTR_STORE must be a file path, not ''"),
        ("FLATTR_STORE = 5", "FLATTR_STORE must be a file path, not 5"),
        (
            "FLATTR_STORE = 'a\\x00b.db'",
            "FLATTR_STORE 'a\\x00b.db' holds a NUL character ('\\x00')",
        ),
    ],
)
def test_pelicanconf_settings_of_the_wrong_type(
    stub, capsys, tmp_path, setting, expected
):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF + setting + "\n", encoding="utf-8")
    status, out, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2, out
    assert f"{conf}: {expected}" in err
    assert stub.requests == []
    assert not (tmp_path / "flattr-store.sqlite3").exists()


def test_an_author_named_by_an_address_is_never_printed(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        f'FLATTR_AUTHORS = {{"{CAROL}": "email:{CAROL}", "dave@example.org": '
        '"partner:ns:2", "erin@example.org": "partner:bad id"}\n'
        f'FLATTR_VERIFIED_ACCOUNTS = {{"{CAROL}": "carol", "frank@example.org": '
        '"x"}\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "--from", str(conf), "--dry-run")
    assert status == 2  # erin's identity is unusable
    assert "FLATTR_AUTHORS['[address]'] 'partner:bad id' is not" in err
    conf.write_text(
        conf.read_text("utf-8").replace('"partner:bad id"', '"partner:ns:3"'), "utf-8"
    )
    for extra in ([], ["--json"]):
        status, out, err = run(capsys, "--from", str(conf), "--dry-run", *extra)
        assert status == 2  # frank's account names no author
        assert "FLATTR_VERIFIED_ACCOUNTS['[address]'] names no author" in err
        assert "example.org" not in out + err
    conf.write_text(
        conf.read_text("utf-8").replace(', "frank@example.org": "x"', ""), "utf-8"
    )
    for extra in ([], ["--json"]):
        status, out, err = run(capsys, "--from", str(conf), "--dry-run", *extra)
        assert status == 0, err
        assert "FLATTR_AUTHORS['[address]']" in out
        assert "example.org" not in out + err


def test_a_fifo_is_refused_not_read(stub, capsys, tmp_path):
    fifo = tmp_path / "identities.csv"
    os.mkfifo(fifo)
    status, _, err = run(capsys, "--from", str(fifo), "--dry-run")
    assert status == 2
    assert f"{fifo}: not a regular file" in err


def test_pelicanconf_problems(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        PELICANCONF.replace('"carol"', '"carol@example.org"').replace(
            "partner:hackspace:1042", "partner:hack space"
        ),
        encoding="utf-8",
    )
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2
    assert f"{conf}: FLATTR_AUTHORS['Dmitri Ivanov'] 'partner:hack space' is not" in err
    assert (
        f"{conf}: FLATTR_VERIFIED_ACCOUNTS['Carol Chen'] expects the Flattr "
        "account's username" in err
    )
    assert "example.org" not in err
    assert stub.requests == []


def test_a_broken_pelicanconf(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(f"raise KeyError('{CAROL}')\n", encoding="utf-8")
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == 2
    assert "cannot be read as Pelican settings: KeyError: '[address]'" in err
    assert "example.org" not in err
    assert stub.requests == []


def test_an_address_given_as_file_is_never_shown(stub, capsys):
    # An identity mistaken for FILE was repeated whole, on stderr and in
    # the JSON problems.
    status, document, err = run_json(
        capsys, "--from", f"email:{CAROL}", "--api-url", stub.url
    )
    assert status == 2
    assert document["problems"] == [
        "email:[address]: expected a .csv file (username,identity) or a Pelican "
        "settings file (.py)"
    ]
    assert "example.org" not in json.dumps(document) + err


def test_a_csv_in_a_folder_named_by_an_address_is_never_shown(stub, capsys, tmp_path):
    (tmp_path / CAROL).mkdir()
    given = f"{CAROL}/people.csv"  # from the current folder, tmp_path
    write_csv(tmp_path / given, [("alice", "partner:ns:1"), ("bob", "partner:x y")])
    status, document, err = run_json(capsys, "--from", given, "--api-url", stub.url)
    assert status == 2
    (problem,) = document["problems"]
    assert problem.startswith("[address]/people.csv:3: column identity ")
    assert "example.org" not in json.dumps(document) + err

    write_csv(tmp_path / given, [("alice", "partner:ns:1")])
    status, document, err = run_json(
        capsys, "--from", given, "--api-url", stub.url, "--dry-run"
    )
    assert status == 0, err
    assert [r["source"] for r in document["results"]] == ["[address]/people.csv:2"]
    assert "example.org" not in json.dumps(document) + err


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (None, "[address]/pelicanconf.py: no such settings file"),
        ("raise KeyError('x')\n", "[address]/pelicanconf.py: cannot be read as "),
        ("FLATTR_STORE = 3\n", "[address]/pelicanconf.py: FLATTR_STORE must be a "),
        ("FLATTR_AUTHORS = []\n", "[address]/pelicanconf.py: FLATTR_AUTHORS must be"),
        (
            'FLATTR_STORE = "."\n',
            "[address]/pelicanconf.py: FLATTR_STORE '.' names a folder",
        ),
        (
            'FLATTR_AUTHORS = {"Bob": "twitter:bob"}\nFLATTR_STOR = "s"\n',
            "[address]/pelicanconf.py: FLATTR_AUTHORS['Bob'] ",
        ),
    ],
)
def test_a_pelicanconf_in_a_folder_named_by_an_address_is_never_shown(
    stub, capsys, tmp_path, settings, said
):
    (tmp_path / CAROL).mkdir()
    given = f"{CAROL}/pelicanconf.py"
    if settings is not None:
        (tmp_path / given).write_text(settings, encoding="utf-8")
    status, _, err = run(capsys, "--from", given, "--api-url", stub.url)
    assert status == 2
    assert f"pelican-flattr: verify: {said}" in err
    assert "example.org" not in err
    assert stub.requests == []


def test_a_store_in_a_folder_named_by_an_address_is_never_shown(stub, capsys, tmp_path):
    # The settings file's path was hidden, and the store's beside it shown
    # whole in the same message, and in the JSON document.
    folder = tmp_path / CAROL
    folder.mkdir()
    (folder / "store.sqlite3").write_text("not a database")
    (folder / "pelicanconf.py").write_text(
        f"FLATTR_STORE = {str(folder / 'store.sqlite3')!r}\n"
        "FLATTR_AUTHORS = {'Bob': 'twitter:user:id:5'}\n"
        "FLATTR_VERIFIED_ACCOUNTS = {'Bob': 'bob'}\n",
        encoding="utf-8",
    )
    given = f"{CAROL}/pelicanconf.py"
    status, _, err = run(capsys, "--from", given, "--api-url", stub.url, "--dry-run")
    assert status == 2
    assert "store " in err and "[address]/store.sqlite3" in err
    assert "example.org" not in err
    (folder / "store.sqlite3").unlink()
    status, document, err = run_json(capsys, "--from", given, "--api-url", stub.url)
    assert status == 0, err
    assert document["store"].endswith("[address]/store.sqlite3")
    assert "example.org" not in json.dumps(document) + err


def test_the_sample_site_dry_run(stub, capsys, tmp_path):
    sample = Path(__file__).resolve().parent.parent / "sample_site" / "pelicanconf.py"
    # One author given a verified account, so that a run would send a request.
    conf = tmp_path / "pelicanconf.py"
    text = sample.read_text(encoding="utf-8").replace(
        "HERE = Path(__file__).resolve().parent", f"HERE = Path({str(sample.parent)!r})"
    )
    assert "HERE = Path(__file__)" not in text
    conf.write_text(
        text + "FLATTR_VERIFIED_ACCOUNTS = {'Bob Builder': 'bob'}\n", encoding="utf-8"
    )
    store = tmp_path / "s.sqlite3"
    status, document, _ = run_json(
        capsys, "--from", str(conf), "--api-url", stub.url, "--dry-run", "--store",
        str(store),
    )  # fmt: skip
    assert status == 0
    assert document["dry_run"] is True
    assert len(document["skipped"]) == 3
    assert stub.requests == [] and not store.exists()
    # Without --dry-run, the same settings do send it.
    status, document, _ = run_json(
        capsys, "--from", str(conf), "--api-url", stub.url, "--store", str(store)
    )
    assert status == 0 and document["dry_run"] is False
    assert len(stub.requests) == 1


# -- the installed console script ----------------------------------------------


def script_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in child_env().items()
        if "proxy" not in key.lower() and key != "FLATTR_TOKEN"
    }
    env["FLATTR_TOKEN"] = TOKEN
    env["PYTHONUNBUFFERED"] = "1"
    return env


def test_the_console_script_is_interrupted_and_resumes(tmp_path):
    rows = [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    store = tmp_path / "store.sqlite3"
    with FlattrApiStub(slow_seconds=60) as stub:
        stub.script("slow", identity="partner:ns:3")
        command = [
            str(SCRIPT), "verify", "--from", str(csv_path), "--api-url", stub.url,
            "--store", str(store),
        ]  # fmt: skip

        def default_sigint():
            # A shell may start background jobs with SIGINT ignored, and
            # Python keeps it ignored; the operator's Ctrl-C is what we test.
            signal.signal(signal.SIGINT, signal.SIG_DFL)

        process = subprocess.Popen(
            command,
            env=script_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_sigint,
        )
        out, err = signalled_at_third_request(process, stub, signal.SIGINT)
        assert process.returncode == 130, out + err
        assert "stopped after 2 new verifications" in err
        assert "run the same command again to resume" in err
        assert "Traceback" not in err
        assert recorded(store) == [("partner:ns:1", "alice"), ("partner:ns:2", "alice")]

        result = subprocess.run(
            [*command, "--token", TOKEN, "--json"],
            env=script_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        document = json.loads(result.stdout)
        assert [r["outcome"] for r in document["results"]] == [
            "already verified",
            "already verified",
            "verified",
            "verified",
            "verified",
        ]
        # Nothing confirmed was sent twice; 3 was interrupted before its answer.
        assert stub.identities() == [f"partner:ns:{n}" for n in (1, 2, 3, 3, 4, 5)]
        for output in (out, err, result.stdout, result.stderr):
            assert TOKEN not in output


def signalled_at_third_request(process, stub, number):
    """The output of the verify ``process`` sent the signal ``number`` once
    ``stub`` has its third request (held there: a batch in its middle)."""
    try:
        assert stub.wait_for_requests(3, timeout=30)
        process.send_signal(number)
        return process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()


def test_sigterm_mid_batch_stops_it_as_ctrl_c_does_with_143(tmp_path):
    # timeout(1), systemd and job schedulers stop a command with SIGTERM: it
    # ended verify at once with 143, and neither a line nor the --json
    # document said which identities had been verified and recorded.
    rows = [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    store = tmp_path / "store.sqlite3"
    with FlattrApiStub(slow_seconds=60) as stub:
        stub.script("slow", identity="partner:ns:3")
        process = subprocess.Popen(
            [
                str(SCRIPT), "verify", "--from", str(csv_path), "--api-url",
                stub.url, "--store", str(store), "--json",
            ],
            env=script_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )  # fmt: skip
        out, err = signalled_at_third_request(process, stub, signal.SIGTERM)
    assert process.returncode == 143, out + err
    assert "stopped after 2 new verifications" in err
    assert "run the same command again to resume" in err
    assert "pelican-flattr: interrupted by SIGTERM" in err
    assert "Traceback" not in err
    document = json.loads(out)
    assert document["interrupted"] is True and document["exit_status"] == 143
    # The three left, the one in flight among them, are listed: what a
    # script sends again.
    assert [(r["identity"], r["outcome"]) for r in document["results"]] == [
        ("partner:ns:1", "verified"),
        ("partner:ns:2", "verified"),
        ("partner:ns:3", "not sent"),
        ("partner:ns:4", "not sent"),
        ("partner:ns:5", "not sent"),
    ]
    assert recorded(store) == [("partner:ns:1", "alice"), ("partner:ns:2", "alice")]


def record_earlier(store: Path, api_url: str, identities: list[str]) -> None:
    """Record alice's ``identities`` in ``store`` as verified by the API at
    ``api_url``, as an earlier run did, without a request the stub counts."""
    from pelican_flattr.store import open_store

    with contextlib.closing(open_store(store)) as connection:
        for identity in identities:
            request = verify.Request(identity, "alice", "an earlier run")
            verify.record(connection, request, START, verify.recorded_api(api_url))


@pytest.mark.parametrize("options", [["--json"], []])
def test_ctrl_c_mid_batch_reports_what_the_store_holds_as_already_verified(
    tmp_path, options
):
    # An earlier run recorded partner:ns:4 and 5: after Ctrl-C they were
    # listed "not sent", as if a rerun would send them, where the run that
    # Flattr stops lists them "already verified".
    store = tmp_path / "store.sqlite3"
    csv_path = write_csv(
        tmp_path / "p.csv", [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    )
    with FlattrApiStub(slow_seconds=60) as stub:
        record_earlier(store, stub.url, ["partner:ns:4", "partner:ns:5"])
        stub.script("slow", identity="partner:ns:3")
        process = subprocess.Popen(
            [
                str(SCRIPT), "verify", "--from", str(csv_path), "--api-url",
                stub.url, "--store", str(store), *options,
            ],
            env=script_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            # A shell may start background jobs with SIGINT ignored, and
            # Python keeps it ignored; the operator's Ctrl-C is what we test.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        out, err = signalled_at_third_request(process, stub, signal.SIGINT)
    assert process.returncode == verify.EXIT_INTERRUPTED, out + err
    assert "Traceback" not in err
    # Said alike for people: two left to skip, one (in flight) to send.
    assert (
        f"stopped after 2 new verifications, each recorded in {store}; run the "
        "same command again to resume (the store already holds 2 of the 3 "
        "identities left, which it skips)"
    ) in err
    if options:
        document = json.loads(out)
        assert document["interrupted"] is True
        assert [
            (r["identity"], r["outcome"], r["message"]) for r in document["results"]
        ] == [
            ("partner:ns:1", "verified", ""),
            ("partner:ns:2", "verified", ""),
            ("partner:ns:3", "not sent", INTERRUPTED_FIRST),
            ("partner:ns:4", "already verified", "recorded in the store"),
            ("partner:ns:5", "already verified", "recorded in the store"),
        ]
    assert stub.identities() == ["partner:ns:1", "partner:ns:2", "partner:ns:3"]
    assert len(recorded(store)) == 4


@pytest.mark.parametrize("planted", ["link", "fifo"])
def test_a_lock_file_planted_beside_the_store_is_never_followed_or_waited_on(
    tmp_path, planted
):
    # A store kept in a site's repository: a link committed at the lock's
    # path made a file anywhere (as root, /etc/nologin), a FIFO hung the
    # batch without a word. Run without its lock, a second batch could send
    # each identity again: refused, saying why.
    from pelican_flattr.store import BATCH_LOCK_END, StoreError, one_batch_at_a_time

    store = tmp_path / "store.sqlite3"
    lock = tmp_path / f"store.sqlite3{BATCH_LOCK_END}"
    elsewhere = tmp_path / "elsewhere" / "nologin"
    elsewhere.parent.mkdir()
    if planted == "link":
        lock.symlink_to(elsewhere)
    else:
        os.mkfifo(lock)
    with pytest.raises(StoreError) as refused, one_batch_at_a_time(store):
        pytest.fail("the batch ran")
    what = "a link" if planted == "link" else "no file"
    assert refused.value.reason == (
        f"{lock.name} beside it, the verify batches' lock, is {what}, which no "
        "batch locks (one put there by someone else?): remove it, and a batch "
        "makes its own"
    )
    assert list(elsewhere.parent.iterdir()) == []


def test_a_second_batch_on_the_same_store_sends_nothing_while_one_runs(
    tmp_path, capsys
):
    # A cron job whose last run still waits out the rate limit: two batches
    # at once each sent what the other had not recorded yet, every identity
    # twice.
    rows = [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    store = tmp_path / "store.sqlite3"
    with FlattrApiStub(slow_seconds=60) as stub:
        stub.script("slow", identity="partner:ns:3")
        arguments = ["--from", str(csv_path), "--api-url", stub.url, "--store"]
        first = subprocess.Popen(
            [str(SCRIPT), "verify", *arguments, str(store)],
            env=script_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert stub.wait_for_requests(3, timeout=30)
            # Through a symlink too: the lock lies beside the file itself.
            link = tmp_path / "link.sqlite3"
            link.symlink_to(store)
            for path in (store, link):
                status, out, err = run(capsys, *arguments, str(path))
                assert status == 2, out + err
                assert (
                    f"pelican-flattr: verify: store {path}: another verify batch "
                    "is sending from it (it holds store.sqlite3-verify-lock beside "
                    "the store): two at once would send each identity twice; let "
                    "that run end, then run this one again\n"
                    "pelican-flattr: verify: nothing was sent\n"
                ) == err
            # A single identity is always sent, batch or not.
            status, _, err = run(
                capsys, "--identity", "partner:ns:9", "--username", "alice",
                "--api-url", stub.url, "--store", str(store),
            )  # fmt: skip
            assert status == 0, err
            assert len(stub.requests) == 4
        finally:
            first.kill()
            first.communicate(timeout=30)
        # The system let the killed run's lock go: the next batch resumes.
        status, out, err = run(capsys, *arguments, str(store))
    assert status == 0, out + err
    assert recorded(store) == [(f"partner:ns:{n}", "alice") for n in (1, 2, 3, 4, 5, 9)]


def test_a_stdout_in_ascii_gets_every_identity_sent_and_names_escaped(tmp_path):
    # An author's name that stdout cannot encode (PYTHONIOENCODING=ascii, a C
    # locale) ended verify with a traceback after the first identity: the rest
    # of the batch was never sent, and status 1 said Flattr refused one.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Zo\u00eb M\u00fcller": "partner:ns:1", "Ann": '
        '"partner:ns:2"}\n'
        'FLATTR_VERIFIED_ACCOUNTS = {"Zo\u00eb M\u00fcller": "alice", "Ann": '
        '"bob"}\n',
        encoding="utf-8",
    )
    store = tmp_path / "store.sqlite3"
    with FlattrApiStub() as stub:
        command = [
            sys.executable, "-m", "pelican_flattr.cli", "verify", "--from",
            str(conf), "--api-url", stub.url, "--store", str(store),
        ]  # fmt: skip
        env = {**script_env(), "PYTHONIOENCODING": "ascii"}
        done = subprocess.run(
            command, capture_output=True, env=env, timeout=60, check=False, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert b"Traceback" not in done.stderr
        assert stub.identities() == ["partner:ns:1", "partner:ns:2"]
        out = done.stdout.decode("ascii")
        assert "FLATTR_AUTHORS['Zo\\xeb M\\xfcller']" in out
        assert "2 identities: 2 verified" in out
        # --json still writes ASCII JSON escapes, which read back as written.
        done = subprocess.run(
            [*command, "--json"],
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout.decode("ascii"))
        assert [r["source"] for r in document["results"]] == [
            "FLATTR_AUTHORS['Zo\u00eb M\u00fcller']",
            "FLATTR_AUTHORS['Ann']",
        ]
        assert [r["outcome"] for r in document["results"]] == ["already verified"] * 2
    assert recorded(store) == [("partner:ns:1", "alice"), ("partner:ns:2", "bob")]


def test_the_token_never_appears_in_any_output(stub, capsys, tmp_path):
    outputs = []
    modes = ["echo_token", "unauthorized", "not_found", "html_500", "empty_502", "slow"]
    for mode in [*modes, "rate_limited"]:  # the rate limit last: it empties the budget
        for extra in ([], ["--json"]):
            stub.script(mode)
            status = main(
                ["verify", "--identity", "partner:ns:1", "--username", "alice",
                 "--api-url", stub.url, "--timeout", "0.3", "--token", TOKEN, *extra]
            )  # fmt: skip
            out, err = capsys.readouterr()
            outputs.append(out + err)
            assert status in (1, 3)
    assert len(stub.requests) == 14
    main(["verify", "--identity", "partner:ns:1", "--dry-run", "--token", TOKEN])
    out, err = capsys.readouterr()
    outputs.append(out + err)
    assert all(TOKEN not in output for output in outputs)
    assert "bad header Bearer [token]" in outputs[0]
    assert "bad header Bearer [token]" in outputs[1]
    result = subprocess.run(
        [str(SCRIPT), "verify", "--identity", "partner:ns:1", "--api-url", stub.url,
         "--token", TOKEN, "--json"],
        env=script_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1  # the stub's budget is used up by now
    assert json.loads(result.stdout)["results"][0]["error"] == "rate_limit_exceeded"
    assert TOKEN not in result.stdout + result.stderr


ONE_IDENTITY = ["verify", "--identity", "partner:ns:1"]


@pytest.mark.parametrize(
    "command",
    [
        [*ONE_IDENTITY, "--t=" + TOKEN],  # ambiguous: --token or --timeout
        [*ONE_IDENTITY, "--tokne", TOKEN],  # a misspelling
        [*ONE_IDENTITY, "--tokne=" + TOKEN],
        # One dash, and the dashes a document shows for "--", pasted from it:
        # argparse takes none of them for --token.
        [*ONE_IDENTITY, "-token", TOKEN],
        [*ONE_IDENTITY, "\u2014token", TOKEN],  # em dash
        [*ONE_IDENTITY, "\u2013token", TOKEN],  # en dash
        [*ONE_IDENTITY, "\u2013token=" + TOKEN],
        ["webhook", "serve", "-token", TOKEN],
        # The token without its option: nothing expected it.
        [*ONE_IDENTITY, "--", "token", TOKEN],
        ["webhook", "serve", TOKEN],
        ["webhook", "serve", "-" + TOKEN],  # token_urlsafe may start so
        ["webhook", "serve", "-h" + TOKEN],  # read as -h with a value
        ["--help=" + TOKEN],  # a flag given a value
        ["audit", "out", "--json=" + TOKEN],
        ["--help=a'" + TOKEN],  # quoted in double quotes, then
        ["a'" + TOKEN],
        ["webhook", TOKEN],  # an invalid command, argparse says
        [TOKEN],
    ],
)
def test_a_usage_error_never_repeats_the_token(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main(command)
    out, err = capsys.readouterr()
    if command[-1] == "-h" + TOKEN and sys.version_info >= (3, 13):
        # Python 3.13's argparse reads "-hX..." as -h and unknown short
        # flags, and -h acts first: the help, status 0, and no token.
        assert out.startswith("usage:") and TOKEN not in out + err
        return
    assert exit_info.value.code == 2
    assert "error:" in err and "[hidden]" in err
    assert TOKEN not in err


def test_a_mistyped_command_or_option_is_still_named(capsys):
    for command, shown in (
        (["audti"], "invalid choice: 'audti'"),
        ([*ONE_IDENTITY, "--bogus"], "unrecognized arguments: --bogus"),
        ([*ONE_IDENTITY, "--bogus=1"], "unrecognized arguments: --bogus=[hidden]"),
        ([*ONE_IDENTITY, "--dry_run"], "unrecognized arguments: --dry_run"),
        (["Verify"], "invalid choice: 'Verify'"),
    ):
        with pytest.raises(SystemExit):
            main(command)
        assert shown in capsys.readouterr().err


@pytest.mark.parametrize(
    "timeout",
    [["--timeout", "abc"], ["--timeout=abc"], ["--time", "abc"], ["--time=abc"]],
)
def test_a_usage_error_still_shows_other_values(capsys, timeout):
    # "--time" is argparse's abbreviation of --timeout, and of nothing else.
    with pytest.raises(SystemExit):
        main(["verify", "--identity", "partner:ns:1", "--token=t0ken", *timeout])
    assert "argument --timeout: 'abc' is not a number of seconds" in (
        capsys.readouterr().err
    )


def test_a_bad_api_url_from_the_environment_is_named_as_such(stub, capsys, monkeypatch):
    monkeypatch.setenv("FLATTR_API_URL", "http://api.flattr.com/rest/v2")
    status, _, err = run(capsys, "--identity", "partner:ns:1")
    assert status == verify.EXIT_USAGE
    assert "verify: FLATTR_API_URL: the API base URL uses plain http" in err
    assert "--api-url" not in err
    assert stub.requests == []


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "HTTPS_PROXY",
            "foo://user:hunter2@proxy.example:3128",
            "HTTPS_PROXY: not a proxy URL httpx can use",
        ),
        # A byte no UTF-8 decodes (os.environ holds it as a surrogate):
        # checking the proxy's port ended in a traceback.
        (
            "HTTPS_PROXY",
            "http://user:hunter2\udcff@127.0.0.1:3128",
            "HTTPS_PROXY: not a proxy URL httpx can use",
        ),
        (
            "https_proxy",
            "socks5://user:hunter2@127.0.0.1:1080",
            "https_proxy: a SOCKS proxy needs the Python package socksio",
        ),
        (
            "SSL_CERT_FILE",
            "{tmp}/missing.pem",
            "SSL_CERT_FILE: cannot load CA certificates from {tmp}/missing.pem "
            "(No such file or directory)",
        ),
        (
            "SSL_CERT_FILE",
            "{tmp}/notes.txt",  # a file, but no certificates
            "SSL_CERT_FILE: cannot load CA certificates from {tmp}/notes.txt (",
        ),
        (
            "SSL_CERT_DIR",
            "{tmp}/missing",
            "SSL_CERT_DIR: {tmp}/missing is not a folder",
        ),
    ],
)
def test_an_unusable_proxy_or_certificate_variable_is_named(
    stub, capsys, monkeypatch, tmp_path, name, value, expected
):
    # httpx's own errors named no variable, and a SOCKS proxy without
    # socksio (or a missing certificate file) ended in a traceback.
    if "socks" in value and importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed: httpx can use a SOCKS proxy")
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(variable, raising=False)
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    monkeypatch.setenv(name, value.format(tmp=tmp_path))
    # https, or the variables are not read; nothing must reach the stub.
    api_url = stub.url.replace("http:", "https:")
    status, out, err = run(capsys, "--identity", "partner:ns:1", "--api-url", api_url)
    assert status == verify.EXIT_USAGE, err
    assert err.startswith(f"pelican-flattr: verify: {expected.format(tmp=tmp_path)}")
    assert "nothing was sent" in err
    assert "hunter2" not in out + err and "Traceback" not in out + err
    assert stub.requests == []


def test_a_success_the_store_cannot_record_is_still_reported(stub, capsys, tmp_path):
    # The identities after it were never sent, and once vanished from both
    # outputs, where a run stopped by Flattr lists them as "not sent".
    from pelican_flattr.store import open_store

    store = tmp_path / "flattr-store.sqlite3"
    with open_store(store) as connection:
        connection.execute(
            f"CREATE TRIGGER full BEFORE INSERT ON {STUB_RECORDS} "
            "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
        )
    rows = [
        ("alice", "partner:ns:1"),
        ("bob", "partner:ns:2"),
        ("carol", "partner:ns:3"),
    ]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    status, document, err = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == verify.EXIT_USAGE
    assert document["exit_status"] == verify.EXIT_USAGE and not document["ok"]
    first, *rest = document["results"]
    assert (first["identity"], first["outcome"]) == ("partner:ns:1", "verified")
    assert "the store could not record it" in first["message"]
    stopped = (
        "not sent: the run stopped at an earlier identity, whose success the "
        "store could not record"
    )
    assert [(r["identity"], r["outcome"], r["message"]) for r in rest] == [
        ("partner:ns:2", "not sent", stopped),
        ("partner:ns:3", "not sent", stopped),
    ]
    assert document["rate_limit"] is not None
    assert (
        "partner:ns:1, which Flattr verified but the store could not"
        in (document["problems"][0])
    )
    assert "nothing was sent" not in err
    assert stub.identities() == ["partner:ns:1"]  # the run stopped there

    # Nothing was recorded: the rerun sends the first again, and stops again.
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == verify.EXIT_USAGE
    assert out.splitlines() == [
        f"verified          partner:ns:1 -> alice  ({csv_path}:2)",
        "    verified at Flattr, but the store could not record it (disk full "
        "(simulated)): a rerun sends it again, which is harmless",
        f"not sent          partner:ns:2 -> bob  ({csv_path}:3)",
        f"not sent          partner:ns:3 -> carol  ({csv_path}:4)",
        "3 identities: 1 verified, 2 not sent",
        "Rate budget: 4998 of 5000 requests left; resets at "
        + local_time(START + 3600),
    ]
    assert "which Flattr verified but the store could not record" in err
    assert stub.identities() == ["partner:ns:1", "partner:ns:1"]


def store_a_page_short_of_full(store: Path, row: tuple[str, str, str, str]) -> int:
    """Make ``store`` hold just enough rows that inserting ``row`` needs one
    more page, and return its page count: with ``PRAGMA max_page_count`` at
    that count, SQLite has no room for the page, as on a full disk."""
    from pelican_flattr.store import open_store

    with contextlib.closing(open_store(store)) as connection:
        for number in range(10_000):
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(f"INSERT INTO {STUB_RECORDS} VALUES (?, ?, ?, ?)", row)
            grew = connection.execute("PRAGMA page_count").fetchone()[0] > pages
            connection.execute("ROLLBACK")
            if grew:
                return pages
            connection.execute(
                f"INSERT INTO {STUB_RECORDS} VALUES (?, ?, ?, ?)",
                (f"partner:filler:{number:05d}", "x" * 100, *row[2:]),
            )
    raise AssertionError("the store never needed another page")


def test_a_full_disk_while_recording_is_named_as_such(
    stub, capsys, tmp_path, monkeypatch
):
    # SQLite rolls the transaction back itself when the disk is full: the
    # ROLLBACK after it failed, and its "cannot rollback - no transaction
    # is active" was all the operator read.
    store = tmp_path / "flattr-store.sqlite3"
    verified_at = "2023-11-14T22:13:20+00:00"  # START, as the store writes it
    pages = store_a_page_short_of_full(
        store, ("partner:ns:1", "alice", stub.url, verified_at)
    )
    opened = verify.open_store

    def open_on_a_full_disk(path, **options):
        connection = opened(path, **options)
        # A real SQLITE_FULL from SQLite, at the store's next new page.
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr(verify, "open_store", open_on_a_full_disk)
    status, document, err = run_json(
        capsys, "--identity", "partner:ns:1", "--username", "alice",
        "--api-url", stub.url,
    )  # fmt: skip
    assert status == verify.EXIT_USAGE, err
    (result,) = document["results"]
    assert result["outcome"] == "verified"
    assert (
        "the store could not record it (database or disk is full)"
        in (result["message"])
    )
    assert document["problems"] == [
        "store flattr-store.sqlite3: database or disk is full; the run stopped after "
        "partner:ns:1, which Flattr verified but the store could not record (a "
        "rerun sends it again, which is harmless)"
    ]
    assert "cannot rollback" not in json.dumps(document) + err
    assert ("partner:ns:1", "alice") not in recorded(store)


class InterruptedWhileRecording(sqlite3.Connection):
    """A store on which Ctrl-C lands as a success is being recorded: just
    after its row is inserted (``at = "INSERT"``) or just after COMMIT."""

    at = "COMMIT"
    recording = False

    def execute(self, sql, *parameters):
        cursor = super().execute(sql, *parameters)
        if sql.startswith(f"INSERT OR REPLACE INTO {STUB_RECORDS}"):
            self.recording = True
            if self.at == "INSERT":
                raise KeyboardInterrupt
        elif sql == "COMMIT" and self.recording and self.at == "COMMIT":
            raise KeyboardInterrupt
        return cursor


INTERRUPTED_FIRST = "not sent: the run was interrupted first"


@pytest.mark.parametrize(
    ("at", "stored", "message", "said"),
    [
        # The ROLLBACK that followed the interrupt failed: the stored row
        # was reported as one the store "could not record", with status 2.
        ("COMMIT", True, "", "each recorded in STORE"),
        # Rolled back: once left out of the report, as if never verified.
        (
            "INSERT",
            False,
            "verified at Flattr, but the run was interrupted before the store "
            "recorded it: a rerun sends it again, which is harmless",
            "0 recorded in STORE; partner:ns:1 verified at Flattr "
            "but not recorded, so a rerun sends it again (harmless)",
        ),
    ],
)
def test_ctrl_c_while_recording_reports_what_the_store_holds(
    stub, capsys, tmp_path, monkeypatch, at, stored, message, said
):
    from pelican_flattr.store import open_store

    class Connection(InterruptedWhileRecording):
        pass

    Connection.at = at

    def open_interrupted(path, **options):
        # Created and migrated as the command does.
        open_store(path, **options).close()
        return sqlite3.connect(path, isolation_level=None, factory=Connection)

    monkeypatch.setattr(verify, "open_store", open_interrupted)
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    status, out, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--json"
    )
    assert status == verify.EXIT_INTERRUPTED, err
    document = json.loads(out)
    assert document["interrupted"] is True
    assert [
        (r["identity"], r["outcome"], r["message"]) for r in document["results"]
    ] == [
        ("partner:ns:1", "verified", message),
        ("partner:ns:2", "not sent", INTERRUPTED_FIRST),
    ]
    store = tmp_path / "flattr-store.sqlite3"
    assert recorded(store) == ([("partner:ns:1", "alice")] if stored else [])
    # The store's absolute path: the folder a relative one is taken from
    # is not in the cron job's mail.
    said = said.replace("STORE", str(store))
    assert f"stopped after 1 new verifications, {said}; run the same" in err
    assert "could not record" not in out + err
    assert stub.identities() == ["partner:ns:1"]


class InterruptOnceRecorded:
    """A trace function for ``sys.settrace`` that stands for Ctrl-C (or
    SIGTERM: ``interrupt``) landing at one line of run_requests, or of the
    report it hands outcomes to, after a success was recorded and before
    the next request goes out: the ``at``-th such line, or none, only
    counting them (``lines``), when ``at`` is None. Python raises a
    signal's exception between any two lines, which no real signal can be
    timed to hit."""

    watched = (
        verify.run_requests.__code__,
        verify._stopping.__code__,
        verify._Report.outcome.__code__,
    )

    def __init__(self, interrupt: type[KeyboardInterrupt], at: int | None) -> None:
        self.interrupt = interrupt
        self.at = at
        self.lines = 0
        self.armed = False

    def __call__(self, frame, event, arg):
        code = frame.f_code
        if code is verify._record_success.__code__ and not self.lines:
            return self._on_recording
        if code is verify._send.__code__:
            self.armed = False  # the next request: the window is over
        return self._on_line if code in self.watched else None

    def _on_recording(self, frame, event, arg):
        if event == "return":
            self.armed = True
        return self._on_recording

    def _on_line(self, frame, event, arg):
        if event == "line" and self.armed:
            if self.lines == self.at:
                self.armed = False
                raise self.interrupt
            self.lines += 1
        return self._on_line


@pytest.mark.parametrize(
    ("interrupt", "status", "options"),
    [
        (KeyboardInterrupt, verify.EXIT_INTERRUPTED, ["--json"]),
        (Terminated, EXIT_TERMINATED, ["--json"]),
        (KeyboardInterrupt, verify.EXIT_INTERRUPTED, []),
    ],
)
def test_ctrl_c_once_a_success_is_recorded_reports_it_at_any_line(
    stub, capsys, tmp_path, interrupt, status, options
):
    # Ctrl-C between the return of _record_success and the report's taking
    # the outcome: the identity the store held was reported "not sent", and
    # stderr said "stopped after 0 new verifications".
    csv_path = write_csv(
        tmp_path / "p.csv", [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    )

    def run_interrupted(at: int | None, store: Path) -> tuple[int, str, str, int]:
        tracer = InterruptOnceRecorded(interrupt, at)
        arguments = ["--from", str(csv_path), "--api-url", stub.url]
        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            result = run(capsys, *arguments, "--store", str(store), *options)
        finally:
            sys.settrace(previous)
        return (*result, tracer.lines)

    completed, _, _, lines = run_interrupted(None, tmp_path / "counted.sqlite3")
    assert completed == verify.EXIT_OK
    # Appending the outcome, reporting it, and the lines around: a window
    # that shrank to nothing would leave the test proving nothing.
    assert lines >= 6
    for at in range(lines):
        store = tmp_path / f"at-{at}.sqlite3"
        code, out, err, _ = run_interrupted(at, store)
        assert code == status, (at, err)
        assert recorded(store) == [("partner:ns:1", "alice")], at
        assert f"stopped after 1 new verifications, each recorded in {store}" in err, (
            at,
            err,
        )
        if options:
            document = json.loads(out)
            assert document["interrupted"] is True, at
            assert [
                (r["identity"], r["outcome"], r["message"]) for r in document["results"]
            ] == [
                ("partner:ns:1", "verified", ""),
                ("partner:ns:2", "not sent", INTERRUPTED_FIRST),
            ], at
    assert (
        stub.identities() == ["partner:ns:1", "partner:ns:2"] + ["partner:ns:1"] * lines
    )


def test_an_interrupted_json_run_still_prints_its_document(
    stub, capsys, tmp_path, monkeypatch
):
    def interrupt(seconds):
        raise KeyboardInterrupt  # Ctrl-C while waiting for the rate limit

    monkeypatch.setattr(verify, "sleep", interrupt)
    stub.script("rate_limited", identity="partner:ns:2")
    csv_path = write_csv(
        tmp_path / "p.csv", [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    )
    status, out, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--json"
    )
    assert status == 130
    document = json.loads(out)
    assert document["interrupted"] is True and document["exit_status"] == 130
    assert [(r["outcome"], r["message"]) for r in document["results"]] == [
        ("verified", ""),
        ("not sent", INTERRUPTED_FIRST),
    ]
    assert "stopped after 1 new verifications" in err


@pytest.mark.parametrize("where", ["store", "report"])
@pytest.mark.parametrize("options", [["--json"], []])
def test_ctrl_c_before_the_identities_the_store_holds_leaves_nothing_to_send(
    stub, capsys, tmp_path, monkeypatch, where, options
):
    # Ctrl-C as the store was consulted for partner:ns:2, or as its
    # "already verified" was being reported: it and partner:ns:3, both
    # recorded by an earlier run, were listed "not sent", and people told
    # to run the command again, which had nothing left to send.
    first = write_csv(
        tmp_path / "first.csv", [("bob", "partner:ns:2"), ("carol", "partner:ns:3")]
    )
    assert run(capsys, "--from", str(first), "--api-url", stub.url)[0] == 0
    rows = [
        ("alice", "partner:ns:1"),
        ("bob", "partner:ns:2"),
        ("carol", "partner:ns:3"),
    ]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    pressed = []

    def ctrl_c_once(identity: str) -> None:
        if identity == "partner:ns:2" and not pressed:
            pressed.append(identity)
            raise KeyboardInterrupt

    if where == "store":
        looked_up = verify.is_recorded

        def is_recorded(connection, request, api_url):
            ctrl_c_once(request.identity)
            return looked_up(connection, request, api_url)

        monkeypatch.setattr(verify, "is_recorded", is_recorded)
    else:
        reported = verify._Report.outcome

        def outcome(self, outcome):
            ctrl_c_once(outcome.request.identity)
            reported(self, outcome)

        monkeypatch.setattr(verify._Report, "outcome", outcome)
    status, out, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, *options
    )
    assert pressed and status == verify.EXIT_INTERRUPTED, err
    store = tmp_path / "flattr-store.sqlite3"
    # Reported, partner:ns:2 is done, no longer left.
    held = "2 identities" if where == "store" else "1 identity"
    assert (
        f"stopped after 1 new verifications, each recorded in {store}; nothing is "
        f"left to send (the store holds the {held} left)"
    ) in err
    if options:
        document = json.loads(out)
        assert document["interrupted"] is True
        assert [(r["identity"], r["outcome"]) for r in document["results"]] == [
            ("partner:ns:1", "verified"),
            ("partner:ns:2", "already verified"),
            ("partner:ns:3", "already verified"),
        ]
    elif where == "report":  # its line, which people read as it comes
        assert "already verified  partner:ns:2 -> bob" in out
    assert stub.identities() == ["partner:ns:2", "partner:ns:3", "partner:ns:1"]


def test_ctrl_c_while_reading_from_still_prints_the_json_document(
    stub, capsys, tmp_path
):
    # Pelican runs the settings file: Ctrl-C may land while it does (a slow
    # disk, an import that takes its time). The interrupt handling covered
    # only the batch: no document was printed at all.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF + "raise KeyboardInterrupt  # Ctrl-C\n", "utf-8")
    status, out, err = run(capsys, "--from", str(conf), "--api-url", stub.url, "--json")
    assert status == verify.EXIT_INTERRUPTED
    document = json.loads(out)
    assert document["interrupted"] is True
    assert document["exit_status"] == verify.EXIT_INTERRUPTED
    assert document["results"] == [] and document["store"] is None
    assert "verify: interrupted before anything was sent" in err
    assert stub.requests == []


# The command with a shorter busy timeout, so that a test of Ctrl-C while it
# waits for a lock waits 3 seconds, not 10, for SQLite to give up.
IMPATIENT_COMMAND = """\
import sys
from pelican_flattr import store
store.BUSY_TIMEOUT_MS = 3000
from pelican_flattr.cli import EXIT_TERMINATED, Terminated, main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_the_store_is_locked_still_prints_the_json_document(
    stub, tmp_path
):
    # Another process writes the store: opening it waits out SQLite's busy
    # timeout, and the operator presses Ctrl-C. No document was printed.
    from pelican_flattr.store import open_store

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to see when the command has opened the store")
    store = tmp_path / "store.sqlite3"
    open_store(store).close()
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    with contextlib.closing(sqlite3.connect(store, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # the write lock, held
        process = subprocess.Popen(
            [
                sys.executable, "-c", IMPATIENT_COMMAND, "verify", "--from",
                str(csv_path), "--api-url", stub.url, "--store", str(store),
                "--json",
            ],
            env=script_env(),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A shell may start background jobs with SIGINT ignored, and
            # Python keeps it ignored; the operator's Ctrl-C is what we test.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        try:
            descriptors = Path(f"/proc/{process.pid}/fd")
            for _ in range(600):  # the store opened: waiting for the lock
                with contextlib.suppress(OSError):
                    if any(
                        os.readlink(fd) == os.path.realpath(store)
                        for fd in descriptors.iterdir()
                    ):
                        break
                assert process.poll() is None, process.communicate()
                threading.Event().wait(0.05)
            else:
                raise AssertionError("the command never opened the store")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == verify.EXIT_INTERRUPTED, out + err
    document = json.loads(out)
    assert document["interrupted"] is True
    assert document["exit_status"] == verify.EXIT_INTERRUPTED
    assert [r["outcome"] for r in document["results"]] == ["not sent"]
    assert document["store"] == str(store)
    assert "verify: interrupted before anything was sent" in err
    assert "Traceback" not in err
    assert stub.requests == []


@pytest.mark.parametrize("mode", ["rate_limited_without_reset", "too_many_requests"])
def test_a_rate_limit_that_outlasts_the_waits_stops_the_batch(
    mode, stub, clock, capsys, tmp_path
):
    # A 429 from a gateway is a rate limit like Flattr's own 403, whatever
    # its error code: once it outlasted the waits, the next identity would
    # wait as long again for the same answer.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script(mode, times=MAX_RATE_LIMIT_WAITS + 1)
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    # 1 said "fix your data", though the identities were fine and a later
    # run sends them: 3 says "run again", as for any batch that stopped early.
    assert status == verify.EXIT_UNREACHABLE
    assert [r["outcome"] for r in document["results"]] == ["refused", "not sent"]
    assert stub.identities() == ["partner:ns:1"] * (MAX_RATE_LIMIT_WAITS + 1)


def test_a_batch_the_rate_limit_stopped_says_how_to_resume(
    stub, clock, capsys, tmp_path
):
    # Identities were left unsent, as when Flattr could not be reached: the
    # hint to resume was only given for exit 3.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("rate_limited_without_reset", times=MAX_RATE_LIMIT_WAITS + 1)
    status, out, _ = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == verify.EXIT_UNREACHABLE
    assert "2 identities: 1 refused, 1 not sent" in out
    assert out.splitlines()[-1] == (
        f"Successes are recorded in {tmp_path / 'flattr-store.sqlite3'}; run the "
        "same command again to resume."
    )


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_store_that_cannot_be_written_is_found_before_sending(
    stub, capsys, tmp_path, what
):
    # SQLite opens a file it may not write read-only and says so only at the
    # first write: the identity was sent, then its success not recorded.
    from pelican_flattr.store import open_store

    (tmp_path / "private").mkdir()
    store = tmp_path / "private" / "store.sqlite3"
    open_store(store).close()
    with read_only(store if what == "file" else store.parent):
        status, out, err = run(
            capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--store",
            str(store),
        )  # fmt: skip
    assert status == verify.EXIT_USAGE, out + err
    assert stub.requests == []
    assert "nothing was sent" in err
    expected = {
        "file": f"store {store}: this user may not write it (the file is read-only)",
        "folder": f"store {store}: the folder {store.parent} cannot be written, "
        "and SQLite keeps its journal (store.sqlite3-wal, store.sqlite3-shm)",
    }[what]
    assert expected in err


def test_a_store_on_a_read_only_file_system_is_said_to_be_there(stub, capsys, tmp_path):
    # Told "the file is read-only; let it write the file", the operator
    # changed a mode that was right: the mount was read-only.
    from pelican_flattr.store import open_store

    folder = tmp_path / "mounted"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a file system takes root")
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("this machine mounts no tmpfs here")
    try:
        store = folder / "store.sqlite3"
        open_store(store).close()
        remount = ["mount", "-o", "remount,ro", str(folder)]
        subprocess.run(remount, check=True, capture_output=True)
        status, out, err = run(
            capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--store",
            str(store),
        )  # fmt: skip
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)
    assert status == verify.EXIT_USAGE, out + err
    assert stub.requests == []
    assert (
        f"store {store}: it is on a file system mounted read-only, where no user "
        "may write it: mount it read-write, or choose a store on another"
    ) in " ".join(err.split())


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_dry_run_reads_a_store_it_may_not_write(stub, capsys, tmp_path, what):
    # It only reads: it opened the store to write all the same, and was
    # refused where pending reads the same store.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    (tmp_path / "private").mkdir()
    store = tmp_path / "private" / "store.sqlite3"
    status, _, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--store", str(store)
    )
    assert status == 0, err
    stub.requests.clear()
    csv_path.write_text(csv_path.read_text() + "carol,partner:ns:3\n")
    with read_only(store if what == "file" else store.parent):
        status, document, err = run_json(
            capsys, "--from", str(csv_path), "--store", str(store), "--dry-run",
            "--api-url", stub.url,
        )  # fmt: skip
    assert status == 0, err
    assert [r["outcome"] for r in document["results"]] == [
        "already verified",
        "already verified",
        "would send",
    ]
    assert stub.requests == []


@pytest.mark.parametrize(
    ("store", "expected"),
    [
        ("/dev/null", "store /dev/null: is not a file"),
        (".", "store .: is a folder, not a file"),
        ("notes.txt", "store notes.txt: is not an SQLite database"),
        ("notes.txt/store.sqlite3", "store notes.txt/store.sqlite3: notes.txt is "),
    ],
)
def test_a_store_that_is_no_store_is_named_so(stub, capsys, tmp_path, store, expected):
    # SQLite's own words said nothing of this ("cannot rollback - no
    # transaction is active", "unable to open database file").
    (tmp_path / "notes.txt").write_text("my notes\n")
    status, _, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--store", store
    )
    assert status == verify.EXIT_USAGE
    assert err.startswith(f"pelican-flattr: verify: {expected}"), err
    assert stub.requests == []
    assert (tmp_path / "notes.txt").read_text() == "my notes\n"


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("kind", NOT_STORES)
def test_a_database_that_is_no_store_is_refused_before_sending(
    stub, capsys, tmp_path, kind, dry_run
):
    # Another program's database got pelican-flattr's tables added to it,
    # and one whose version and tables disagree failed in SQLite's words.
    sql, says = NOT_STORES[kind]
    store = tmp_path / "store.sqlite3"
    before = make_database(store, sql)
    original = store.read_bytes()  # its journal mode too, in its header
    status, _, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--store",
        str(store), *(["--dry-run"] if dry_run else []),
    )  # fmt: skip
    assert status == verify.EXIT_USAGE, err
    assert err.startswith(f"pelican-flattr: verify: store {store}: {says}\n"), err
    assert "Traceback" not in err
    assert stub.requests == []
    assert store.read_bytes() == original
    assert tables_of(store) == before


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_empty_file_is_a_store_not_yet_written(stub, capsys, tmp_path, dry_run):
    # Made beforehand to give it its group and mode (docs/webhooks.md); but
    # perhaps what a failed restore left, which verify wrote over without a
    # word, so that nothing said it again: said as pending and serve say it.
    (tmp_path / "store.sqlite3").touch()
    status, _, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url,
        "--store", "store.sqlite3", "--quiet", *(["--dry-run"] if dry_run else []),
    )  # fmt: skip
    assert status == verify.EXIT_OK, err
    said = (
        "pelican-flattr: verify: store store.sqlite3: is an empty file (0 bytes), "
        "without a delivery: a new store if it was made ahead for its mode; if it "
        "should hold deliveries (a copy cut short, a restore that failed), stop "
        'the web hook receiver and restore its backup (docs/webhooks.md, "Backing '
        'up and restoring")'
    )
    if dry_run:
        assert err == said + "\n"
    else:
        # Once written, the file is empty no more and nothing says it
        # again; the backup restored as advised lacks these verifications.
        assert err == (
            f"{said}; this run records its verifications in it all the same: "
            "after restoring the backup, run the same command again\n"
        )
        assert recorded(tmp_path / "store.sqlite3") == [("partner:ns:1", "")]


def test_a_store_problem_names_the_setting_that_names_the_store(stub, capsys, tmp_path):
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF.replace("private/flattr.sqlite3", "private"))
    (tmp_path / "private").mkdir()
    status, _, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == verify.EXIT_USAGE
    assert err.startswith(
        f"pelican-flattr: verify: store private (FLATTR_STORE of {conf}): is a "
        "folder, not a file"
    ), err
    assert stub.requests == []


# (settings, --store or None, what the refusal names): stores the build
# calls an error, as `webhook serve` refuses them.
PUBLISHED_STORES = {
    "FLATTR_STORE in OUTPUT_PATH": (
        "OUTPUT_PATH = 'public'\nFLATTR_STORE = 'public/flattr.sqlite3'\n",
        None,
        "FLATTR_STORE public/flattr.sqlite3 lies in OUTPUT_PATH, which is "
        "deployed as the site",
    ),
    "--store in a static folder of the content": (
        "PATH = 'content'\nSTATIC_PATHS = ['images', 'extra']\n",
        "content/extra/flattr.sqlite3",
        "--store content/extra/flattr.sqlite3 lies in 'extra' of STATIC_PATHS, "
        "which Pelican copies into the output",
    ),
    "FLATTR_STORE in a language's OUTPUT_PATH": (
        "I18N_SUBSITES = {'de': {'OUTPUT_PATH': 'out-de'}}\n"
        "FLATTR_STORE = 'out-de/flattr.sqlite3'\n",
        None,
        "I18N_SUBSITES['de']: FLATTR_STORE out-de/flattr.sqlite3 lies in OUTPUT_PATH",
    ),
}


@pytest.mark.parametrize("what", ["--identity", "--from a CSV", "--settings alone"])
@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize(
    ("settings", "option", "named"), PUBLISHED_STORES.values(), ids=PUBLISHED_STORES
)
def test_a_store_the_build_would_publish_or_delete_is_refused(
    stub, capsys, tmp_path, settings, option, named, dry_run, what
):
    # verify made the store there without a word: the next build deleted
    # the verifications with the output, or published them with the site.
    for folder in ("public", "out-de", "content/extra", "content/images"):
        (tmp_path / folder).mkdir(parents=True)
    authors = "FLATTR_AUTHORS = {'Dmitri': 'partner:ns:1'}\n"
    accounts = "FLATTR_VERIFIED_ACCOUNTS = {'Dmitri': 'dmitri'}\n"
    (tmp_path / "pelicanconf.py").write_text(settings + authors + accounts)
    rows = [("dmitri", "partner:ns:1")]
    asked = {
        "--identity": ["--identity", "partner:ns:1", "--username", "dmitri"],
        "--from a CSV": ["--from", str(write_csv(tmp_path / "p.csv", rows))],
        "--settings alone": [],
    }[what]
    status, _, err = run(
        capsys, *asked, "--settings", "pelicanconf.py", "--api-url", stub.url,
        *(["--store", option] if option else []), *(["--dry-run"] if dry_run else []),
    )  # fmt: skip
    assert status == verify.EXIT_USAGE, err
    assert err.startswith(f"pelican-flattr: verify: pelicanconf.py: {named}"), err
    assert err.endswith(
        "Keep the store outside the output and the content folder\n"
        "pelican-flattr: verify: nothing was sent\n"
    ), err
    assert stub.requests == []
    assert not list(tmp_path.glob("*/**/flattr.sqlite3*"))


def test_a_store_beside_the_output_is_verified_into(stub, capsys, tmp_path):
    # The build's own check, not one stricter: "public-private" is no part
    # of "public".
    (tmp_path / "public-private").mkdir()
    (tmp_path / "pelicanconf.py").write_text(
        "OUTPUT_PATH = 'public'\nFLATTR_STORE = 'public-private/flattr.sqlite3'\n"
    )
    status, _, err = run(
        capsys, "--identity", "partner:ns:1", "--username", "dmitri",
        "--settings", "pelicanconf.py", "--api-url", stub.url,
    )  # fmt: skip
    assert status == verify.EXIT_OK, err
    assert recorded(tmp_path / "public-private" / "flattr.sqlite3") == [
        ("partner:ns:1", "dmitri")
    ]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_store_in_a_missing_folder_is_refused_by_a_dry_run_too(
    stub, capsys, tmp_path, dry_run
):
    # docs/verify.md's example names private/, which a dry run never
    # creates: it passed, and the run it was checking then stopped.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    status, _, err = run(
        capsys, "--from", str(conf), "--api-url", stub.url,
        *(["--dry-run"] if dry_run else []),
    )  # fmt: skip
    assert status == verify.EXIT_USAGE, err
    assert err == (
        f"pelican-flattr: verify: store private/flattr.sqlite3 (FLATTR_STORE of "
        f"{conf}): the folder private does not exist; create it or choose another "
        "path\npelican-flattr: verify: nothing was sent\n"
    )
    assert stub.requests == []
    assert not (tmp_path / "private").exists()


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_moved_store_s_journal_is_refused_by_a_dry_run_too(
    stub, capsys, tmp_path, dry_run
):
    # A store moved away without its -wal, which a receiver still running
    # may write: the run refused to make a store there, and the dry run
    # passed it, having checked nothing.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    (tmp_path / "private").mkdir()
    journal = tmp_path / "private" / "flattr.sqlite3-wal"
    journal.write_bytes(b"")
    status, _, err = run(
        capsys, "--from", str(conf), "--api-url", stub.url,
        *(["--dry-run"] if dry_run else []),
    )  # fmt: skip
    assert status == verify.EXIT_USAGE, err
    assert err.startswith(
        f"pelican-flattr: verify: store private/flattr.sqlite3 (FLATTR_STORE of "
        f"{conf}): is missing, but flattr.sqlite3-wal of a store moved or removed "
        "is still beside its path"
    ), err
    assert stub.requests == []
    assert sorted(p.name for p in journal.parent.iterdir()) == [journal.name]


def clear_proxy_variables(monkeypatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


@contextlib.contextmanager
def listening() -> Iterator[socket.socket]:
    """A socket on 127.0.0.1 that listens, and accepts nothing by itself."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.5)
        yield server


def test_an_api_port_beyond_65535_is_refused_not_wrapped(stub, capsys):
    # httpx connected to the port modulo 65536: this one reached the stub,
    # and the identity was reported verified.
    port = int(stub.url.split(":")[2].split("/")[0])
    api_url = stub.url.replace(f":{port}/", f":{port + 65536}/")
    status, _, err = run(capsys, "--identity", "partner:ns:1", "--api-url", api_url)
    assert status == verify.EXIT_USAGE
    assert err.startswith(
        f"pelican-flattr: verify: --api-url: the API base URL's port {port + 65536} "
        "is not from 1 to 65535\n"
    )
    assert stub.requests == []


@pytest.mark.parametrize("name", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_the_port_of_the_proxy_in_use_is_checked(stub, capsys, monkeypatch, name):
    clear_proxy_variables(monkeypatch)
    with listening() as proxy:
        port = proxy.getsockname()[1] + 65536
        monkeypatch.setenv(name, f"http://user:hunter2@127.0.0.1:{port}")
        api_url = stub.url.replace("http:", "https:")
        status, out, err = run(
            capsys, "--identity", "partner:ns:1", "--api-url", api_url
        )
        with pytest.raises(TimeoutError):
            proxy.accept()  # nothing connected to it, on the port it wrapped to
    assert status == verify.EXIT_USAGE, out + err
    assert err.startswith(
        f"pelican-flattr: verify: {name}: the proxy's port {port} is not from 1 to "
        "65535\n"
    )
    assert "hunter2" not in out + err


@pytest.mark.parametrize(
    "variables",
    [
        {"HTTP_PROXY": "http://127.0.0.1:99999"},  # only for http:// URLs
        {"HTTPS_PROXY": "http://127.0.0.1:99999", "NO_PROXY": "127.0.0.1"},
    ],
)
def test_a_proxy_httpx_does_not_use_is_not_checked(
    stub, capsys, monkeypatch, variables
):
    clear_proxy_variables(monkeypatch)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    api_url = stub.url.replace("http:", "https:")  # a TLS handshake with http
    status, out, err = run(capsys, "--identity", "partner:ns:1", "--api-url", api_url)
    assert status == verify.EXIT_UNREACHABLE, err
    assert "could not connect to Flattr's API at https://127.0.0.1:" in out
    assert "proxy" not in out + err


def test_a_proxy_that_refuses_is_named(clock, capsys, monkeypatch):
    # "could not connect to Flattr's API at https://...: Connection
    # refused" sent the operator to look at Flattr, not at the proxy.
    clear_proxy_variables(monkeypatch)
    with listening() as closed:
        port = closed.getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://carol:hunter2@127.0.0.1:{port}")
    api_url = "https://api.flattr.example/rest/v2"
    status, out, err = run(capsys, "--identity", "partner:ns:1", "--api-url", api_url)
    assert status == verify.EXIT_UNREACHABLE
    assert (
        f"could not connect to the proxy that HTTPS_PROXY names "
        f"(http://127.0.0.1:{port}), for Flattr's API at {api_url} (tried twice): "
    ) in out
    assert "hunter2" not in out + err and "carol" not in out + err


def test_tls_that_fails_through_a_proxy_names_both(clock, capsys, monkeypatch):
    # The proxy answered; TLS with what it connected to failed.
    clear_proxy_variables(monkeypatch)

    def tunnel_to_plain_http(server: socket.socket) -> None:
        for _ in range(2):  # the first try and the retry
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)  # CONNECT api.flattr.example:443
                connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                connection.recv(65536)  # the TLS client hello
                connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    with listening() as proxy:
        proxy.settimeout(10)
        port = proxy.getsockname()[1]
        thread = threading.Thread(target=tunnel_to_plain_http, args=(proxy,))
        thread.start()
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
        api_url = "https://api.flattr.example/rest/v2"
        status, out, _ = run(capsys, "--identity", "partner:ns:1", "--api-url", api_url)
        thread.join(10)
    assert status == verify.EXIT_UNREACHABLE
    assert (
        f"could not connect to Flattr's API at {api_url} through the proxy that "
        f"HTTPS_PROXY names (http://127.0.0.1:{port}) (tried twice): [SSL"
    ) in out


@pytest.mark.parametrize(
    ("status_line", "said"),
    [
        (
            "407 Proxy Authentication Required",
            "it answered 407 Proxy Authentication Required; the proxy wants "
            "credentials it was not given, or refused those in HTTPS_PROXY",
        ),
        (
            "403 Forbidden",
            "it answered 403 Forbidden; the proxy does not let this user connect",
        ),
        # A proxy that echoes the credentials it was sent, as written and
        # as the base64 of its Proxy-Authorization: never shown.
        (
            "407 carol:hunter2 (Y2Fyb2w6aHVudGVyMg==) may not",
            "it answered 407 [hidden]:[hidden] ([hidden]) may not; the proxy",
        ),
    ],
)
def test_a_proxy_that_refuses_the_tunnel_is_named(
    clock, capsys, monkeypatch, status_line, said
):
    # httpx's ProxyError was reported as "the connection to Flattr's API at
    # https://... failed: 407 Proxy Authentication Required": it sent the
    # operator to Flattr, not to the proxy.
    clear_proxy_variables(monkeypatch)
    asked = []

    def refuse_the_tunnel(server: socket.socket) -> None:
        with contextlib.suppress(OSError):  # the test is over
            while True:
                connection, _ = server.accept()
                with connection:
                    asked.append(connection.recv(65536))
                    connection.sendall(
                        f"HTTP/1.1 {status_line}\r\nContent-Length: 0\r\n\r\n".encode()
                    )

    with listening() as proxy:
        proxy.settimeout(10)
        port = proxy.getsockname()[1]
        threading.Thread(target=refuse_the_tunnel, args=(proxy,), daemon=True).start()
        monkeypatch.setenv("HTTPS_PROXY", f"http://carol:hunter2@127.0.0.1:{port}")
        api_url = "https://api.flattr.example/rest/v2"
        status, out, err = run(
            capsys, "--identity", "partner:ns:1", "--api-url", api_url
        )
    assert status == verify.EXIT_UNREACHABLE
    assert (
        f"the proxy that HTTPS_PROXY names (http://127.0.0.1:{port}) refused to "
        f"connect to Flattr's API at {api_url}: {said}"
    ) in out, out
    assert "connection to Flattr's API" not in out
    assert "hunter2" not in out + err and "carol" not in out + err
    assert "Y2Fyb2w6aHVudGVyMg" not in out + err
    # Asked once, with the credentials: the proxy would answer so again.
    assert len(asked) == 1 and asked[0].startswith(b"CONNECT api.flattr.example:443 ")
    assert b"Proxy-Authorization: Basic Y2Fyb2w6aHVudGVyMg==" in asked[0]


def test_a_proxy_that_never_answers_the_tunnel_is_named(clock, capsys, monkeypatch):
    # httpx's ReadTimeout on the CONNECT was reported as Flattr's API not
    # answering, "the verification may or may not have been made", though
    # the request never went past the proxy.
    clear_proxy_variables(monkeypatch)
    asked = []
    held = []
    done = threading.Event()

    def hold_the_tunnel(server: socket.socket) -> None:
        with contextlib.suppress(OSError):  # the test is over
            while not done.is_set():
                connection, _ = server.accept()
                held.append(connection)
                asked.append(connection.recv(65536))

    with listening() as proxy:
        proxy.settimeout(10)
        port = proxy.getsockname()[1]
        threading.Thread(target=hold_the_tunnel, args=(proxy,), daemon=True).start()
        monkeypatch.setenv("HTTPS_PROXY", f"http://carol:hunter2@127.0.0.1:{port}")
        api_url = "https://api.flattr.example/rest/v2"
        status, out, err = run(
            capsys, "--identity", "partner:ns:1", "--api-url", api_url, "--timeout", "1"
        )
        done.set()
    for connection in held:
        connection.close()
    assert status == verify.EXIT_UNREACHABLE
    assert (
        f"the proxy that HTTPS_PROXY names (http://127.0.0.1:{port}) did not answer "
        f"within 1 seconds when asked to connect to Flattr's API at {api_url}; "
        "nothing was sent to Flattr"
    ) in out, out
    assert "may or may not" not in out
    assert "hunter2" not in out + err and "carol" not in out + err
    # Asked once: nothing was sent, and the proxy held the whole timeout.
    assert len(asked) == 1 and asked[0].startswith(b"CONNECT api.flattr.example:443 ")


# -- run by a cron job ---------------------------------------------------------


def said_on_stderr(err: str) -> list[str]:
    """The lines of stderr but the notices of retries and waits."""
    return [line for line in err.splitlines() if "trying again at" not in line]


@pytest.mark.parametrize(
    ("mode", "rows", "status", "summary"),
    [
        (
            "html_500",
            1,
            3,
            "pelican-flattr: verify: 1 not reached of 1 identity; exit status 3: "
            "identities left to send (Flattr could not be reached, or the batch "
            "stopped at a refusal every identity would get); run the same "
            "command again to resume",
        ),
        (
            "unauthorized",
            3,
            3,
            "pelican-flattr: verify: 2 refused, 1 not sent of 3 identities; exit "
            "status 3: identities left to send (Flattr could not be reached, or "
            "the batch stopped at a refusal every identity would get); run the "
            "same command again to resume",
        ),
        (
            "not_found",
            2,
            1,
            "pelican-flattr: verify: 2 refused of 2 identities; exit status 1: "
            "Flattr refused an identity (the report on stdout says why)",
        ),
    ],
)
def test_a_failed_run_says_so_on_stderr_in_one_line(
    stub, capsys, tmp_path, mode, rows, status, summary
):
    # Every failure went to stdout and stderr stayed empty: a cron job that
    # mails stderr, or a script that reads it, could not tell a failed run
    # from a good one but by its exit status.
    csv_path = write_csv(
        tmp_path / "p.csv", [("nobody", f"partner:ns:{n}") for n in range(rows)]
    )
    for json_too in ([], ["--json"]):
        stub.script(mode, times=2)
        code, out, err = run(
            capsys, "--from", str(csv_path), "--api-url", stub.url, *json_too
        )
        assert code == status
        assert said_on_stderr(err) == [summary]
        assert "partner:ns:0" in out  # the full report, where it was


def test_a_stub_that_is_down_is_said_on_stderr(clock, capsys):
    status, out, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", "http://127.0.0.1:9/rest/v2"
    )
    assert status == 3
    assert said_on_stderr(err) == [
        "pelican-flattr: verify: 1 not reached of 1 identity; exit status 3: "
        "identities left to send (Flattr could not be reached, or the batch "
        "stopped at a refusal every identity would get); run the same command "
        "again to resume"
    ]
    assert "could not connect to Flattr's API" in out


def test_quiet_prints_nothing_for_a_good_run_and_the_problems_of_a_bad_one(
    stub, capsys, tmp_path
):
    # A run with nothing to do printed a "skipped" line per author, every
    # month: a cron job mailed them all.
    (tmp_path / "private").mkdir()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(PELICANCONF, encoding="utf-8")
    for _ in range(2):  # verified, then nothing to do
        status, out, err = run(
            capsys, "--settings", str(conf), "--api-url", stub.url, "--quiet"
        )
        assert (status, out, err) == (0, "", "")
    assert len(stub.requests) == 2

    csv_path = write_csv(
        tmp_path / "p.csv", [("alice", "partner:ns:1"), ("nobody", "partner:ns:2")]
    )
    status, out, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--quiet"
    )
    assert status == 1
    assert out.splitlines()[0].startswith("refused           partner:ns:2 -> nobody")
    assert "partner:ns:1" not in out
    assert "Rate budget" not in out and "identities:" not in out
    assert said_on_stderr(err) == [
        "pelican-flattr: verify: 1 refused of 2 identities; exit status 1: "
        "Flattr refused an identity (the report on stdout says why)"
    ]


def test_quiet_keeps_the_waits_off_stderr(clock, capsys, tmp_path):
    rows = [("alice", f"partner:ns:{n}") for n in range(3)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    with FlattrApiStub(clock=clock, limit=2) as stub:
        status, out, err = run(
            capsys, "--from", str(csv_path), "--api-url", stub.url, "--quiet"
        )
    assert (status, out, err) == (0, "", "")
    assert len(clock.sleeps) == 1  # it waited, without a word


def test_help_documents_quiet(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--quiet print only problems" in out


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (
            ["--quiet", "--verbose"],
            "argument -v/--verbose: not allowed with argument --quiet",
        ),
        (["-v", "--quiet"], "argument --quiet: not allowed with argument -v/--verbose"),
    ],
)
def test_quiet_and_verbose_are_a_usage_error(stub, capsys, given, says):
    # --quiet drops the skipped lines --verbose lengthens: given both, it
    # won without a word.
    with pytest.raises(SystemExit) as exited:
        run(capsys, "--identity", "partner:ns:1", *given, "--api-url", stub.url)
    assert exited.value.code == verify.EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == ""
    assert [line for line in err.splitlines() if "error" in line] == [
        f"pelican-flattr verify: error: {says}"
    ]
    assert stub.requests == []


def test_help_says_flattr_api_url_is_an_environment_variable(capsys):
    # Beside FLATTR_STORE, a setting, "default: FLATTR_API_URL" read as
    # one, and a settings file's FLATTR_API_URL was ignored.
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: the environment variable FLATTR_API_URL, else " in out


def test_an_api_url_in_the_settings_file_points_to_the_environment(
    stub, capsys, tmp_path
):
    # Told only that it is no setting, and so ignored: the run then went
    # to Flattr's own API, with no word of where the URL belongs.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Bob": "twitter:user:id:5"}\n'
        'FLATTR_VERIFIED_ACCOUNTS = {"Bob": "bob"}\n'
        f'FLATTR_API_URL = "{stub.url}"\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "--from", str(conf), "--dry-run")
    assert status == 0, err
    assert (
        f"{conf}: FLATTR_API_URL is no setting of pelican-flattr, so it is "
        "ignored: `pelican-flattr verify` reads the API base URL from the "
        "environment variable FLATTR_API_URL or from --api-url; set it there, "
        "and remove it from the settings file\n" in err
    ), err
    assert DEFAULT_BASE_URL in out


# -- what a mutation review found unguarded ----------------------------------


@pytest.mark.parametrize("name", ["people.csv", "People.CSV"])
def test_a_csv_saved_with_a_byte_order_mark_and_any_suffix_case(
    stub, capsys, tmp_path, name
):
    # Excel's "CSV UTF-8" starts with a byte order mark; Windows names end
    # in .CSV as often as .csv.
    path = tmp_path / name
    path.write_text("\ufeffusername,identity\ncarol,partner:ns:1\n", encoding="utf-8")
    status, document, err = run_json(
        capsys, "--from", str(path), "--api-url", stub.url, "--dry-run"
    )
    assert status == 0, err
    assert [(r["identity"], r["outcome"]) for r in document["results"]] == [
        ("partner:ns:1", "would send")
    ]


def test_one_identity_is_sent_even_when_the_store_has_it(stub, capsys, tmp_path):
    # --identity always sends: an operator verifies again after Flattr
    # lost the link. Only a batch skips what the store holds.
    args = ["--identity", "partner:ns:1", "--username", "alice", "--api-url", stub.url]
    assert run(capsys, *args)[0] == 0
    status, out, _ = run(capsys, *args)
    assert status == 0 and out.startswith("verified          partner:ns:1 -> alice")
    assert len(stub.requests) == 2


def test_a_batch_that_also_could_not_reach_flattr_exits_3(stub, capsys, tmp_path):
    # 3 says "try again": a rerun resumes. A refusal before it must not
    # hide it behind 1.
    csv_path = write_csv(
        tmp_path / "p.csv", [("nobody", "partner:ns:1"), ("alice", "partner:ns:2")]
    )
    stub.script("html_500", identity="partner:ns:2")
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert [r["outcome"] for r in document["results"]] == ["refused", "not reached"]
    assert status == document["exit_status"] == verify.EXIT_UNREACHABLE


def test_the_time_of_a_verification_is_stored_in_utc(stub, capsys, tmp_path):
    # notice.py compares it with julianday(), which reads UTC: a local time
    # without an offset would hide or show pending flattrs hours off.
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        run(
            capsys, "--identity", "partner:ns:1", "--username", "alice",
            "--api-url", stub.url,
        )  # fmt: skip
    finally:
        # Put back by hand: monkeypatch would restore TZ after the test,
        # without time.tzset(), and leave later tests in New York.
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
    with sqlite_file(tmp_path / "flattr-store.sqlite3") as connection:
        (stored,) = connection.execute(
            f"SELECT verified_at FROM {STUB_RECORDS}"
        ).fetchone()
    assert stored == "2023-11-14T22:13:20+00:00"  # START, in UTC


@pytest.mark.parametrize(
    ("timeout", "accepted"), [("0", False), ("3600", True), ("3600.01", False)]
)
def test_the_timeout_goes_up_to_an_hour(stub, capsys, timeout, accepted):
    status, _, err = run(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url,
        "--timeout", timeout, "--dry-run",
    )  # fmt: skip
    assert (status == 0) is accepted, err
    assert ("--timeout" in err) is not accepted


def test_an_empty_token_variable_counts_as_none(stub, capsys, monkeypatch):
    # A CI job expands a missing secret to an empty FLATTR_TOKEN.
    monkeypatch.setenv("FLATTR_TOKEN", "")
    args = ["--identity", "partner:ns:1", "--api-url", stub.url]
    status, document, _ = run_json(capsys, *args, "--dry-run")
    assert status == 0 and document["token_from"] is None
    status, _, err = run(capsys, *args)
    assert status == 2
    assert "no token: set the environment variable FLATTR_TOKEN" in err
    assert stub.requests == []


def test_a_file_name_with_a_terminal_escape_is_shown_escaped(stub, capsys, tmp_path):
    # A problem names the file given: its name reached the terminal raw
    # ("x\x1b[2Jy.csv" cleared the screen), where audit and diff escape it.
    csv_path = tmp_path / "x\x1b[2J\u202ey.csv"
    csv_path.write_text("username,identity\ncarol,partner:bad id\n", encoding="utf-8")
    status, out, err = run(capsys, "--from", str(csv_path), "--dry-run")
    assert status == 2
    assert "x\\x1b[2J\\u202ey.csv:2: column identity" in err
    assert "\x1b" not in out + err and "\u202e" not in out + err


@pytest.mark.parametrize("source", ["FLATTR_TOKEN", "--token"])
def test_a_token_flattr_does_not_accept_stops_the_batch(
    stub, capsys, tmp_path, monkeypatch, source
):
    # Every identity was sent and refused alike, with the same paragraph:
    # 20,000 rows made 20,000 requests and lines, and exit 1 ("fix your
    # data") where the token was at fault.
    rows = [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    token = ["--token", "wrongtoken"] if source == "--token" else []
    monkeypatch.setenv("FLATTR_TOKEN", "wrongtoken")
    status, out, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, *token
    )
    assert status == verify.EXIT_UNREACHABLE, out + err
    assert stub.identities() == ["partner:ns:1", "partner:ns:2"]
    assert "5 identities: 2 refused, 3 not sent" in out
    assert out.count("(1) the token is not accepted") == 1
    assert (
        "Flattr refused it as it refused partner:ns:1 (401 unauthorized: Not "
        "logged in), as it refuses every identity when it does not accept the "
        f"token, so the run stops here: check the token (from {source})"
    ) in out


def test_unauthorized_identities_of_a_good_token_stop_no_batch(stub, capsys, tmp_path):
    # Flattr answers 401 unauthorized for an identity it will not verify
    # too: refusals after a success say nothing of the token.
    rows = [("alice", f"partner:ns:{n}") for n in range(1, 6)]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    for n in (1, 3, 4):
        stub.script("unauthorized", identity=f"partner:ns:{n}")
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == verify.EXIT_REFUSED, out + err
    assert "5 identities: 2 verified, 3 refused" in out
    assert len(stub.requests) == 5


@pytest.mark.parametrize(
    ("mode", "pauses"),
    [
        ("empty_502", [2.0, 2.0]),
        ("unavailable_retry_after", [30.0, 30.0]),  # Retry-After: 30
        ("drop", [2.0, 2.0]),  # the connection reset, no answer
    ],
)
def test_a_passing_failure_is_tried_again_before_a_batch_stops(
    stub, clock, capsys, tmp_path, mode, pauses
):
    # One 502 ended a long run: the first identity "not reached", every
    # other "not sent". Verifying twice is harmless, so it is sent again.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script(mode, identity="partner:ns:1", times=2)
    status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, out + err
    assert "2 identities: 2 verified" in out
    assert stub.identities() == ["partner:ns:1"] * 3 + ["partner:ns:2"]
    assert clock.sleeps == pauses
    assert err.count("; trying again at ") == 2


def test_a_failure_that_does_not_pass_stops_the_batch_after_two_retries(
    stub, clock, capsys, tmp_path
):
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("empty_502", times=3)
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == verify.EXIT_UNREACHABLE
    first, second = document["results"]
    assert (first["outcome"], second["outcome"]) == ("not reached", "not sent")
    assert first["message"].endswith(
        "with an empty body; try again later (tried 3 times)"
    )
    assert stub.identities() == ["partner:ns:1"] * 3
    assert clock.sleeps == [2.0, 2.0]


@pytest.mark.parametrize("given", ["--api-url", "FLATTR_API_URL"])
def test_https_to_a_plain_http_server_says_what_to_change(
    stub, clock, capsys, monkeypatch, given
):
    # "[SSL: WRONG_VERSION_NUMBER] wrong version number" said nothing of
    # the scheme, nor where the URL came from.
    url = stub.url.replace("http://", "https://")
    monkeypatch.setenv("FLATTR_API_URL", url)
    option = ["--api-url", url] if given == "--api-url" else []
    status, out, err = run(capsys, "--identity", "partner:ns:1", *option)
    assert status == verify.EXIT_UNREACHABLE, out + err
    assert (
        f"the server there does not speak https: check the API base URL {url} "
        f"(from {given}) (http:// for a server on this machine, or the port)"
    ) in out
    assert stub.requests == []


@contextlib.contextmanager
def a_self_signed_tls_server(tmp_path: Path) -> Iterator[str]:
    """The URL of a TLS server on 127.0.0.1 whose certificate no CA signed;
    it completes handshakes only (the client refuses it first)."""
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with listening() as server:
        server.settimeout(10)

        def serve() -> None:
            for _ in range(2):  # the first try and the retry
                with contextlib.suppress(OSError):
                    connection, _ = server.accept()
                    with contextlib.suppress(OSError), connection:
                        context.wrap_socket(connection, server_side=True).close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        yield f"https://127.0.0.1:{server.getsockname()[1]}/rest/v2"
        thread.join(10)


def test_a_self_signed_certificate_names_ssl_cert_file(
    clock, capsys, tmp_path, monkeypatch
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with a_self_signed_tls_server(tmp_path) as url:
        status, out, err = run(capsys, "--identity", "partner:ns:1", "--api-url", url)
    assert status == verify.EXIT_UNREACHABLE, out + err
    assert "certificate verify failed" in out
    assert (
        "its certificate is not signed by the CA certificates this machine "
        "trusts: for a server with a certificate of its own (self-signed, or a "
        "private CA), set SSL_CERT_FILE to the CA certificate (PEM) that signed it"
    ) in out


def test_a_timeout_names_the_option_that_sets_it(stub, capsys):
    stub.script("slow")
    status, out, _ = run(
        capsys, "--identity", "partner:ns:1", "--api-url", stub.url, "--timeout", "0.3"
    )
    assert status == verify.EXIT_UNREACHABLE
    assert (
        "; if the server is only slow, raise --timeout (now 0.3 seconds); else "
        f"check the API base URL {stub.url} (from --api-url)"
    ) in out


def test_an_api_url_without_its_path_is_named_for_the_tokens_own_account(stub, capsys):
    # The hint came only with --username: without it, "Flattr refused to
    # verify partner:x:1 for the token's own account (404 not_found)" alone.
    base = stub.url.removesuffix("/rest/v2")
    status, out, _ = run(capsys, "--identity", "partner:ns:1", "--api-url", base)
    assert status == verify.EXIT_REFUSED
    assert (
        f"check the API base URL {base}, which is not Flattr's own (Flattr's "
        "ends in /rest/v2)"
    ) in out


@pytest.mark.parametrize(
    ("key", "meant"),
    [("Fay Fo", " (did you mean 'Fay Foo'?)"), ("Zed Zulu", "")],
)
def test_a_verified_account_for_no_author_stops_the_batch(
    stub, capsys, tmp_path, key, meant
):
    # A misspelt key left Fay Foo's identity unverified, "skipped ... names
    # no author of FLATTR_AUTHORS; ignored", with exit 0.
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'FLATTR_AUTHORS = {"Fay Foo": "partner:ns:1", "Bob": "partner:ns:2"}\n'
        f'FLATTR_VERIFIED_ACCOUNTS = {{"{key}": "fay", "Bob": "bob"}}\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "--from", str(conf), "--api-url", stub.url)
    assert status == verify.EXIT_USAGE, out + err
    assert (
        f"pelican-flattr: verify: {conf}: FLATTR_VERIFIED_ACCOUNTS['{key}'] names "
        f"no author of FLATTR_AUTHORS{meant}; write the author's key as "
        "FLATTR_AUTHORS writes it, or remove the entry"
    ) in err
    assert stub.requests == []


@pytest.mark.parametrize("rows", [1, 4])
def test_a_refusal_that_stops_nothing_left_exits_as_a_refusal(
    stub, capsys, tmp_path, rows
):
    # The last identity refused for want of the scope left nothing unsent,
    # yet exited 3 ("run again later"), while the same refusal of one
    # --identity exited 1: 3 is for identities left to send.
    identities = [f"partner:ns:{n}" for n in range(1, rows + 1)]
    csv_path = write_csv(tmp_path / "p.csv", [("alice", i) for i in identities])
    stub.script("insufficient_scope", identity=identities[-1])
    status, out, _ = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == verify.EXIT_REFUSED, out
    verified = f"{rows - 1} verified, " if rows > 1 else ""
    noun = "identities" if rows > 1 else "identity"
    assert f"{rows} {noun}: {verified}1 refused\n" in out
    assert "to resume" not in out
    assert stub.identities() == identities
    stub.script("insufficient_scope")
    single = ["--identity", identities[0], "--username", "alice"]
    assert run(capsys, *single, "--api-url", stub.url)[0] == verify.EXIT_REFUSED


@pytest.mark.parametrize(
    ("mode", "times", "outcome"),
    [
        ("insufficient_scope", 1, "refused"),
        ("rate_limited_without_reset", MAX_RATE_LIMIT_WAITS + 1, "refused"),
        ("html_500", 1, "not reached"),
    ],
)
@pytest.mark.parametrize("unrecorded_after", [False, True])
def test_a_stopped_batch_still_reports_what_the_store_holds(
    stub, capsys, tmp_path, mode, times, outcome, unrecorded_after
):
    # carol, recorded by an earlier run, was listed "not sent" after the
    # stop, and a refusal at bob, the last identity left to send, exited 3
    # ("run again") on every rerun, which had nothing left for it to send.
    store = tmp_path / "flattr-store.sqlite3"
    carol = [("carol", "partner:ns:3")]
    first = write_csv(tmp_path / "c.csv", carol)
    assert run(capsys, "--from", str(first), "--api-url", stub.url)[0] == 0
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2"), *carol]
    if unrecorded_after:
        rows.append(("dmitri", "partner:ns:4"))
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script(mode, identity="partner:ns:2", times=times)
    status, document, err = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    outcomes = [(r["identity"], r["outcome"]) for r in document["results"]]
    assert outcomes == [
        ("partner:ns:1", "verified"),
        ("partner:ns:2", outcome),
        ("partner:ns:3", "already verified"),
        *([("partner:ns:4", "not sent")] if unrecorded_after else []),
    ]
    # 3 while identities are left to send: dmitri, or bob, never answered.
    left = unrecorded_after or outcome == "not reached"
    assert status == (verify.EXIT_UNREACHABLE if left else verify.EXIT_REFUSED), err
    assert document["exit_status"] == status
    assert recorded(store) == [("partner:ns:1", "alice"), ("partner:ns:3", "carol")]


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("reset", "[Errno 104] Connection reset by peer"),
        ("drop", "Server disconnected without sending a response"),
    ],
)
def test_a_connection_closed_by_a_running_server_says_to_try_again_later(
    stub, clock, capsys, tmp_path, mode, said
):
    # "Connection reset by peer; check that the server runs, and the API
    # base URL (its host and port)": the server ran, and took the request.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script(mode, times=3)
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert status == verify.EXIT_UNREACHABLE
    assert document["results"][0]["message"] == (
        f"the connection to Flattr's API at {stub.url} failed: {said}; the "
        "server, or a proxy or gateway in front of it, closed the connection "
        "after the request went out, as one that is overloaded or restarting "
        "does: try again later, and if it keeps happening, check that proxy "
        f"or gateway, and the API base URL {stub.url} (from --api-url) (tried "
        "3 times)"
    )
    assert stub.identities() == ["partner:ns:1"] * 3


@pytest.mark.parametrize(
    ("slow", "status", "outcomes"),
    [
        (1, verify.EXIT_OK, ["verified", "verified"]),
        (2, verify.EXIT_UNREACHABLE, ["not reached", "not sent"]),
    ],
)
def test_a_batch_sends_an_identity_once_more_after_a_timeout(
    stub, clock, capsys, tmp_path, slow, status, outcomes
):
    # A timeout was never tried again "since the request may have been
    # made", while a reset, which may have been received as well, was:
    # verifying twice is harmless. Once only: each try holds --timeout.
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)
    stub.script("slow", identity="partner:ns:1", times=slow)
    code, document, err = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--timeout", "0.3"
    )
    assert code == status, err
    assert [r["outcome"] for r in document["results"]] == outcomes
    assert stub.identities()[:2] == ["partner:ns:1"] * 2
    assert clock.sleeps == [TRANSIENT_PAUSE]
    assert err.count("did not answer within 0.3 seconds") == 1
    assert err.count("; trying again at ") == 1
    if slow == 2:
        assert document["results"][0]["message"].endswith("(tried 2 times)")


# -- verifications against another API (a rehearsal) ------------------------


def pending_owners_of(capsys, store: Path) -> set[str]:
    """The owners ``pending --json`` lists as holding flattrs that wait."""
    assert main(["pending", "--store", str(store), "--json"]) == 0
    return {row["owner"] for row in json.loads(capsys.readouterr().out)["owners"]}


def with_pending_flattrs(store: Path, *owners: str) -> None:
    """Add to ``store`` one flattr for each owner, received before START."""
    with sqlite_file(store) as connection:
        connection.executemany(
            "INSERT INTO pending_flattrs VALUES (?, 1, ?, '', ?, ?)",
            [
                (f"t{number}", owner, f"https://flattr.com/c/{number}", "2023-01-01")
                for number, owner in enumerate(owners)
            ],
        )


def dry_run_outcomes(capsys, csv_path: Path, store: Path, *args: str) -> list[str]:
    status, document, err = run_json(
        capsys, "--from", str(csv_path), "--store", str(store), "--dry-run", *args
    )
    assert status == 0, err
    return [result["outcome"] for result in document["results"]]


def test_a_rehearsal_against_another_api_is_not_taken_for_flattrs_own(
    stub, capsys, tmp_path
):
    # A rehearsal against a local server once marked identities verified by
    # Flattr: the run against Flattr then skipped them (never sending them),
    # and `pending` took their flattrs for handed over.
    store = tmp_path / "flattr-store.sqlite3"
    verify.open_store(store).close()
    with_pending_flattrs(store, "partner:ns:1", "partner:ns:2")
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    status, _, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, err
    assert pending_owners_of(capsys, store) == {"partner:ns:1", "partner:ns:2"}
    assert dry_run_outcomes(capsys, csv_path, store) == ["would send"]
    assert dry_run_outcomes(capsys, csv_path, store, "--api-url", stub.url) == [
        "already verified"
    ]
    with sqlite_file(store) as connection:
        assert connection.execute(
            "SELECT identity, username, api_url FROM verified_at_other_apis"
        ).fetchall() == [("partner:ns:1", "alice", stub.url)]
        assert connection.execute("SELECT * FROM verified_identities").fetchall() == []


def test_a_rehearsal_says_so_and_flattrs_own_api_does_not(stub, capsys, tmp_path):
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    for outcome in ("verified", "already verified"):
        status, out, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
        assert status == 0, err
        assert f"{outcome:<16}  partner:ns:1 -> alice" in out
        assert f"as a rehearsal: {stub.url} is not Flattr's API" in out
    status, document, _ = run_json(
        capsys, "--from", str(csv_path), "--api-url", stub.url
    )
    assert document["rehearsal"] is True
    # Flattr's own API cannot be reached from a test: its report is asked
    # for as the command asks it, after a success.
    args = main_arguments("--from", str(csv_path))
    report = verify._Report(args)
    report.api_url, report.store = DEFAULT_BASE_URL, tmp_path / "s.sqlite3"
    outcome = verify.Outcome(
        verify.Request("partner:ns:1", "alice", "p.csv"), "verified"
    )
    report.finish([outcome], verify.EXIT_OK)
    out = capsys.readouterr().out
    assert f"Recorded in {tmp_path / 's.sqlite3'}.\n" in out
    assert "as a rehearsal" not in out
    args.json = True
    report.finish([outcome], verify.EXIT_OK)
    assert json.loads(capsys.readouterr().out)["rehearsal"] is False


def main_arguments(*args: str):
    """The arguments ``pelican-flattr verify ARGS`` parses to."""
    from pelican_flattr.cli import build_parser

    return build_parser().parse_args(["verify", *args])


def test_help_says_what_a_rehearsal_is(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "an API other than Flattr's own (a local stub) is a rehearsal" in out


def test_a_verification_by_flattrs_own_api_hands_pending_flattrs_over(capsys, tmp_path):
    # Flattr's API cannot be reached from a test: its record is written as
    # a run against it writes it, and read back by `pending` and a dry run.
    store = tmp_path / "flattr-store.sqlite3"
    connection = verify.open_store(store)
    try:
        request = verify.Request("partner:ns:1", "alice", "--identity")
        verify.record(connection, request, START, DEFAULT_BASE_URL)
        assert verify.is_recorded(connection, request, DEFAULT_BASE_URL)
        assert not verify.is_recorded(connection, request, "http://127.0.0.1:9")
    finally:
        connection.close()
    with_pending_flattrs(store, "partner:ns:1", "partner:ns:2")
    assert pending_owners_of(capsys, store) == {"partner:ns:2"}


def schema_1_store_verifying_partner_1(store: Path) -> None:
    """A store of schema version 1 at ``store``, which recorded
    partner:ns:1 verified for alice (as Flattr's, as version 1 did)."""
    make_store_of_schema_version_1(store)
    with sqlite_file(store) as connection:
        connection.execute(
            "INSERT INTO verified_identities VALUES "
            "('partner:ns:1', 'alice', '2023-06-01T00:00:00+00:00')"
        )


def test_a_store_of_schema_version_1_keeps_its_verifications(stub, capsys, tmp_path):
    # Read as it is where it may not be migrated (a dry run, `pending`), and
    # migrated with its rows by a run that sends.
    store = tmp_path / "flattr-store.sqlite3"
    schema_1_store_verifying_partner_1(store)
    with_pending_flattrs(store, "partner:ns:1", "partner:ns:2")
    rows = [("alice", "partner:ns:1"), ("bob", "partner:ns:2")]
    csv_path = write_csv(tmp_path / "p.csv", rows)

    assert dry_run_outcomes(capsys, csv_path, store) == [
        "already verified",
        "would send",
    ]
    assert dry_run_outcomes(capsys, csv_path, store, "--api-url", stub.url) == [
        "would send",
        "would send",
    ]
    assert pending_owners_of(capsys, store) == {"partner:ns:2"}
    with sqlite_file(store) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (1,)

    status, _, err = run(capsys, "--from", str(csv_path), "--api-url", stub.url)
    assert status == 0, err
    assert stub.identities() == ["partner:ns:1", "partner:ns:2"]
    with sqlite_file(store) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (2,)
        assert connection.execute(
            "SELECT identity, username FROM verified_identities"
        ).fetchall() == [("partner:ns:1", "alice")]
    assert recorded(store) == rows_as_recorded(rows)
    assert pending_owners_of(capsys, store) == {"partner:ns:2"}


@pytest.mark.parametrize(
    ("identity", "said"),
    [
        # Each advised "write the username alone: bob", or named a
        # username's rule: --identity refuses a username in turn.
        (
            "flattr.com/bob",
            "is a Flattr profile's address, and a Flattr user needs no "
            "verifying: expected an owner identifier (twitter:user:id:NUMBER, "
            "email:ADDRESS, email:MD5HEX or partner:NAMESPACE:ID)",
        ),
        (
            "bob!",
            "is not an owner identifier: expected twitter:user:id:NUMBER, "
            "email:ADDRESS, email:MD5HEX or partner:NAMESPACE:ID",
        ),
    ],
)
def test_an_identity_is_advised_only_forms_it_takes(capsys, identity, said):
    status, _, err = run(capsys, "--identity", identity, "--dry-run")
    assert status == 2
    assert (
        err.splitlines()[0] == f"pelican-flattr: verify: --identity {identity!r} {said}"
    )


def test_a_batch_that_sends_nothing_leaves_a_schema_1_store_as_it_is(
    stub, capsys, tmp_path
):
    # Migrated all the same, the store was refused from then on by the older
    # receiver still running: its deliveries answered 503, for a run that
    # had nothing to write.
    store = tmp_path / "flattr-store.sqlite3"
    schema_1_store_verifying_partner_1(store)
    conf = tmp_path / "pelicanconf.py"
    conf.write_text("FLATTR_AUTHORS = {'Ann': 'partner:ns:2'}\n", encoding="utf-8")
    csv_path = write_csv(tmp_path / "p.csv", [("alice", "partner:ns:1")])
    for arguments in (
        ["--settings", str(conf), "--api-url", stub.url],  # every entry skipped
        ["--from", str(csv_path)],  # every identity recorded as Flattr's
    ):
        status, out, err = run(capsys, *arguments, "--store", str(store))
        assert status == 0, out + err
        assert "schema" not in err, err
        with sqlite_file(store) as connection:
            assert connection.execute("PRAGMA user_version").fetchone() == (1,)
    assert stub.requests == []
    # One to send: migrated, and said.
    status, _, err = run(
        capsys, "--from", str(csv_path), "--api-url", stub.url, "--store", str(store)
    )
    assert status == 0 and MIGRATED.format(store=store) in err


@pytest.mark.parametrize("options", [[], ["--quiet"], ["--json"]])
def test_a_run_that_migrates_the_store_says_so_once(stub, capsys, tmp_path, options):
    # From then on an earlier pelican-flattr refuses the store (a receiver of
    # one still running answers 503): the moment going back takes more than
    # installing it again was never said. Said with --quiet too, once: the
    # cron job that ran it mails the one line that says so.
    old = tmp_path / "old.sqlite3"
    make_store_of_schema_version_1(old)
    said = []
    for store in (old, old, tmp_path / "new.sqlite3"):
        status, out, err = run(
            capsys, "--identity", "partner:ns:1", "--username", "alice",
            "--api-url", stub.url, "--store", str(store), *options,
        )  # fmt: skip
        assert status == 0, err
        if "--json" in options:
            assert json.loads(out)["ok"] is True
        said.append([line for line in err.splitlines() if "schema" in line])
    assert said == [[f"pelican-flattr: verify: {MIGRATED.format(store=old)}"], [], []]


def rows_as_recorded(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted((identity, username) for username, identity in rows)


@pytest.mark.parametrize(
    ("given", "recorded_as"),
    [
        ("https://api.flattr.com/rest/v2", DEFAULT_BASE_URL),
        ("https://API.Flattr.com:443/rest/v2/", DEFAULT_BASE_URL),
        # A fully qualified name: the same server, whose verifications count.
        ("https://api.flattr.com./rest/v2", DEFAULT_BASE_URL),
        ("http://127.0.0.1:8000/rest/v2", "http://127.0.0.1:8000/rest/v2"),
        (
            "https://api.flattr.com.example/rest/v2",
            "https://api.flattr.com.example/rest/v2",
        ),
    ],
)
def test_flattrs_own_api_is_recognised_however_written(given, recorded_as):
    from pelican_flattr.api import check_base_url

    assert verify.recorded_api(check_base_url(given)) == recorded_as


def test_owner_settings_that_read_as_yes_or_no_are_refused_as_the_build_does(
    capsys, tmp_path
):
    # The build refuses them; verify skipped "the Flattr user false" and
    # exited 0, and pending listed its flattrs under the Flattr user "None".
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        'SITEURL = "https://e.org"\nFLATTR_USERNAME = "None"\n'
        'FLATTR_AUTHORS = {"Alice": "false", "Bob": "twitter:user:id:1"}\n'
        'FLATTR_VERIFIED_ACCOUNTS = {"Bob": "bob"}\n'
    )
    said = [
        "FLATTR_AUTHORS['Alice'] 'false' reads as a yes or no, not a Flattr username",
        "FLATTR_USERNAME 'None' reads as a yes or no, not a Flattr username",
    ]
    status, _, err = run(capsys, "--from", str(conf), "--dry-run")
    assert status == verify.EXIT_USAGE
    assert [f"pelican-flattr: verify: {conf}: {each}" for each in said] == [
        line for line in err.splitlines() if "reads as" in line
    ]
    store = tmp_path / "store.sqlite3"
    verify.open_store(store).close()
    assert main(["pending", "--settings", str(conf), "--store", str(store)]) == 0
    err = capsys.readouterr().err
    assert [f"pelican-flattr: {conf}: {each}; left out" for each in said] == [
        line for line in err.splitlines() if "reads as" in line
    ]


def test_flattrs_own_record_of_an_identity_is_for_one_account(tmp_path):
    # Recorded for alice, an identity moved to bob's account was skipped as
    # verified, and bob never claimed its flattrs.
    connection = verify.open_store(tmp_path / "flattr-store.sqlite3")
    try:
        alice = verify.Request("partner:ns:1", "alice", "--identity")
        bob = verify.Request("partner:ns:1", "bob", "--identity")
        verify.record(connection, alice, START, DEFAULT_BASE_URL)
        assert verify.is_recorded(connection, alice, DEFAULT_BASE_URL)
        assert not verify.is_recorded(connection, bob, DEFAULT_BASE_URL)
    finally:
        connection.close()


def test_a_batch_for_flattr_sends_an_identity_recorded_for_another_account(
    capsys, tmp_path
):
    store = tmp_path / "flattr-store.sqlite3"
    schema_1_store_verifying_partner_1(store)  # partner:ns:1 for alice
    csv_path = write_csv(tmp_path / "p.csv", [("bob", "partner:ns:1")])
    assert dry_run_outcomes(capsys, csv_path, store) == ["would send"]
