"""Deliveries per second through the real web hook receiver.

Runs ``pelican-flattr webhook serve`` as a separate process on 127.0.0.1
with a fresh store, sends DELIVERIES form-encoded ``pendingclickcreate``
events from CLIENTS threads (one in five a repeat), checks that every one was
answered 200 and that the store holds exactly the distinct events, and
prints the rate with the machine it ran on.

    .venv/bin/python benchmarks/webhook_bench.py [--deliveries 5000] [--clients 16]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from webhook_server import PENDING, ReceiverProcess


def machine() -> str:
    """CPU model, cores, Python: where a figure was measured."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    distinct = [
        dict(PENDING, thing_id=f"bench-{n % 500}", thing_clicks_total=str(n // 500 + 1))
        for n in range(args.deliveries - args.deliveries // 5)
    ]
    events = distinct + distinct[: args.deliveries // 5]
    local = threading.local()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with tempfile.TemporaryDirectory() as folder:
        server = ReceiverProcess(Path(folder, "s.db"), Path(folder, "log")).start()

        def send(event: dict[str, str]) -> int:
            if not hasattr(local, "client"):
                local.client = httpx.Client(timeout=30)
            return local.client.post(
                server.url, content=urlencode(event), headers=headers
            ).status_code

        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                statuses = list(pool.map(send, events))
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        with sqlite3.connect(server.store) as connection:
            count = connection.execute(
                "SELECT COUNT(*) FROM pending_flattrs"
            ).fetchone()
    if statuses.count(200) != len(events) or count[0] != len(distinct):
        print("FAILED: not every delivery was answered and stored", file=sys.stderr)
        return 1
    print(
        f"{len(events)} deliveries ({len(events) - len(distinct)} repeats) from "
        f"{args.clients} clients in {elapsed:.2f} s: "
        f"{len(events) / elapsed:.0f} deliveries/s, each committed with "
        f"synchronous=FULL before its answer\nmachine: {machine()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
