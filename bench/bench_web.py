"""Measure the web app on a real uvicorn server on 127.0.0.1 and print figures.

    python bench/bench_web.py [--events 2000] [--requests 200]

Figures: SendGrid webhook batches (signed, verified, applied: events/s), subscribe form
posts (requests/s, with the confirmation email written to the outbox), archive page and Atom
feed (requests/s, bytes), and the process's peak memory.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter import pipeline
from newsletter.config import load_config
from newsletter.web import create_app
from tests.web.conftest import LiveServer, bound_socket, write_config

KINDS = ["delivered", "open", "processed", "bounce", "click", "spamreport", "unsubscribe"]


def signed(key: ec.EllipticCurvePrivateKey, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
    }


def bench_webhook(client: httpx.Client, key: ec.EllipticCurvePrivateKey, total: int) -> None:
    batch = 500
    started = time.perf_counter()
    for first in range(0, total, batch):
        events = [
            {
                "email": f"reader{i % 700}@example.org",
                "event": KINDS[i % len(KINDS)],
                "sg_event_id": f"bench-{i}",
                "timestamp": int(time.time()),
            }
            for i in range(first, min(first + batch, total))
        ]
        body = json.dumps(events).encode()
        answer = client.post("/webhooks/sendgrid", content=body, headers=signed(key, body))
        answer.raise_for_status()
    seconds = time.perf_counter() - started
    print(
        f"webhook: {total} events in {total // batch} signed batches of {batch}: "
        f"{seconds:.2f} s, {total / seconds:,.0f} events/s"
    )
    body = json.dumps([{"event": "open", "email": "a@example.org"}]).encode()
    started = time.perf_counter()
    for _ in range(100):
        client.post("/webhooks/sendgrid", content=body, headers=signed(key, body))
    print(
        f"webhook: 1-event request (sign+verify+apply): "
        f"{(time.perf_counter() - started) * 10:.1f} ms each"
    )


def bench_subscribe(client: httpx.Client, total: int) -> None:
    import re

    started = time.perf_counter()
    for i in range(total):
        page = client.get("/subscribe").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        answer = client.post(
            "/subscribe",
            data={
                "csrf_token": token,
                "email": f"s{i}@example.org",
                "topics": ["Agents and tool use"],
            },
        )
        answer.raise_for_status()
    seconds = time.perf_counter() - started
    print(
        f"subscribe: {total} form loads + posts: {seconds:.2f} s, "
        f"{total / seconds:,.0f} subscriptions/s"
    )


def bench_archive(client: httpx.Client, total: int) -> None:
    for path in ("/archive/2025-10-03", "/archive/feed.atom", "/archive"):
        size = len(client.get(path).content)
        started = time.perf_counter()
        for _ in range(total):
            client.get(path).raise_for_status()
        seconds = time.perf_counter() - started
        print(f"GET {path}: {total / seconds:,.0f} requests/s, {size:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="web-bench-"))
    os.chdir(folder)
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    os.environ["SENDGRID_WEBHOOK_PUBLIC_KEY"] = base64.b64encode(der).decode()
    live = LiveServer(bound_socket())
    limits = {"subscribe_per_ip": 10**6, "subscribe_per_address": 10**6}
    loaded = load_config(write_config(folder, live.url, rate_limit=limits))
    pipeline.run(loaded, dt.date(2025, 10, 3))
    live.start(create_app(loaded))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, SQLite in {folder}")
    try:
        with httpx.Client(base_url=live.url, timeout=60) as client:
            bench_webhook(client, key, args.events)
            bench_subscribe(client, args.requests)
            bench_archive(client, args.requests)
    finally:
        live.stop()
    shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (whole process: server, client, pipeline): {peak:.0f} MB")


if __name__ == "__main__":
    main()
