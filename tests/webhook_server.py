"""The web hook receiver as a separate process on 127.0.0.1 (or ::1), for tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

TOKEN = "t" * 16 + "SECRET-token-for-tests-0123456789"
PENDING = {
    "_event": "pendingclickcreate",
    "thing_id": "1001",
    "thing_owner_id": "twitter:user:id:783214",
    "thing_clicks_total": "3",
    "flattrer_username": "reader",
    "claim_url": "https://flattr.com/claim/thing/1001",
}


class ReceiverProcess:
    """``pelican-flattr webhook serve`` on a free port; its log in a file."""

    def __init__(
        self, store: Path, log: Path, host: str = "127.0.0.1", threads: int = 8
    ) -> None:
        self.store = store
        self.threads = threads
        self.log = log
        # As a URL writes it: an IPv6 address in brackets.
        self.host = f"[{host}]" if ":" in host else host
        self._bind = host
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> ReceiverProcess:
        command = [
            sys.executable, "-m", "pelican_flattr.cli", "webhook", "serve",
            "--host", self._bind, "--port", "0", "--store", str(self.store),
            "--threads", str(self.threads),
        ]  # fmt: skip
        env = dict(os.environ, FLATTR_WEBHOOK_TOKEN=TOKEN)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=log, env=env, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            found = re.findall(
                rf"listening on http://{re.escape(self.host)}:(\d+)/", self.text()
            )
            if found:
                self.port = int(found[-1])
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"receiver exited:\n{self.text()}")
            time.sleep(0.05)
        raise RuntimeError(f"receiver did not start:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks/{TOKEN}"

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=20)
