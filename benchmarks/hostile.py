"""Hostile payloads against a real `newsbot serve`: how fast each is refused and whether memory stays flat.

    .venv/bin/python benchmarks/hostile.py [--repeat 50] [--json FILE]

quality.md 5 and 6: bodies over the cap (with Content-Length and chunked) → 413; billion laughs, quadratic
blow-up, external entities, deep nesting (XML and JSON), huge JSON numbers and invalid UTF-8 → rejected in
< 100 ms with flat memory. Each payload is sent `--repeat` times with a fresh timestamp, so it reaches the
parser (the signature is checked after parsing the envelope). Memory is the server's peak RSS (VmHWM in
/proc) above its peak after a warm-up of ordinary requests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook import AES_KEY, TOKEN, free_port, prepare_database, server_env, start

CAP = 65536


def xml(inner: bytes) -> bytes:
    return b"<xml><ToUserName>x</ToUserName>" + inner + b"</xml>"


PAYLOADS: dict[str, tuple[str, bytes]] = {
    "XML billion laughs": ("callback", b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %c "%s">' % (98 + n, (b"&%c;" % (97 + n)) * 10) for n in range(8))
        + b"]><xml><Encrypt>&i;</Encrypt></xml>"),
    "XML quadratic blow-up": ("callback", b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 30000 + b'">]><xml><Encrypt>'
                              + b"&a;" * 8000 + b"</Encrypt></xml>"),
    "XML external entity": ("callback", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                            b"<xml><Encrypt>&e;</Encrypt></xml>"),
    "XML deep nesting": ("callback", b"<xml>" + b"<a>" * 7000 + b"</a>" * 7000 + b"</xml>"),
    "XML invalid UTF-8": ("callback", xml(b"<Encrypt>\xc3\x28\xff</Encrypt>")),
    "XML ]]> in CDATA": ("callback", xml(b"<Encrypt><![CDATA[abc]]>]]></Encrypt>")),
    "JSON deep nesting": ("aibot", b"[" * 30000 + b"]" * 30000),
    "JSON huge number": ("aibot", b'{"encrypt": ' + b"9" * 60000 + b"}"),
    "JSON invalid UTF-8": ("aibot", b'{"encrypt": "\xc3\x28\xff"}'),
}


def chunks(size: int) -> Iterator[bytes]:
    for _ in range(size // 65536):
        yield b"<" * 65536


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no /proc: run this on Linux")


def query() -> dict[str, str]:
    return {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1"}


def measure(client: httpx.Client, pid: int, base: str, path: str, body: bytes | None, repeat: int,
            chunked_mb: int = 0) -> dict[str, object]:
    latencies, statuses = [], set()
    for _ in range(repeat):
        content: bytes | Iterator[bytes] = chunks(chunked_mb * 2**20) if chunked_mb else body or b""
        started = time.perf_counter()
        response = client.post(f"{base}/wecom/{path}", params=query(), content=content)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
        assert response.content[:200].count(b"ENTITY") == 0, "a payload was echoed"
    return {"statuses": sorted(statuses), "p50_ms": statistics.median(latencies), "max_ms": max(latencies),
            "peak_rss_mb": peak_rss_mb(pid)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="newsbot-hostile-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    prepare_database(url, 10)
    port = free_port()
    env = server_env(url) | {"NEWSBOT_AIBOT_TOKEN": TOKEN, "NEWSBOT_AIBOT_AES_KEY": AES_KEY,
                             "NEWSBOT_CALLBACK_MAX_BYTES": str(CAP)}
    server = start([sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--no-dispatcher"], env, port)
    base, rows = f"http://127.0.0.1:{port}", []
    try:
        with httpx.Client(timeout=30) as client:
            warm = measure(client, server.pid, base, "callback", xml(b"<Encrypt>abc</Encrypt>"), args.repeat)
            baseline = float(warm["peak_rss_mb"])
            cases = [(name, path, body, 0) for name, (path, body) in PAYLOADS.items()]
            cases += [("10 MiB, Content-Length", "callback", b"<" * 10 * 2**20, 0),
                      ("10 MiB, chunked", "callback", None, 10), ("10 MiB, chunked (AI bot)", "aibot", None, 10)]
            for name, path, body, chunked_mb in cases:
                size = chunked_mb * 2**20 if chunked_mb else len(body or b"")
                figures = measure(client, server.pid, base, path, body, args.repeat, chunked_mb)
                rows.append({"payload": name, "bytes": size, **figures,
                             "rss_growth_mb": float(figures["peak_rss_mb"]) - baseline})
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.repeat} requests each; server peak RSS after warm-up {baseline:.1f} MB")
    print(f"{'payload':28} {'bytes':>9} {'status':>8} {'p50 ms':>8} {'max ms':>8} {'peak RSS +MB':>13}")
    for row in rows:
        status = "/".join(str(s) for s in row["statuses"])
        print(f"{row['payload']:28} {row['bytes']:9d} {status:>8} {row['p50_ms']:8.1f} {row['max_ms']:8.1f} "
              f"{row['rss_growth_mb']:13.1f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
