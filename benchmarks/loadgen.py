"""A lean open-loop HTTP/1.1 load generator for the bounded load tests (asyncio, raw sockets).

Why not httpx in a thread pool: on a 2-core machine the generator shares the CPU with the
server, and a threaded httpx client costs a few milliseconds of CPU per request — at 200
requests a second that is most of a core taken from the server being measured. Here a request
is a pre-built byte string written to a keep-alive connection and the response is read by its
Content-Length: tens of microseconds each.

Open loop: request i is due at t0 + i/rate whether or not earlier ones have answered, and its
latency is measured from the moment it was due, so a stalled server shows in the percentiles
(no coordinated omission). Connections are pooled; a new one is opened when none is idle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RequestBuilder = Callable[[int], bytes]


def http_request(
    method: str, path: str, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    bodies: list[tuple[int, bytes]] = field(default_factory=list)
    failures: int = 0
    elapsed_s: float = 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    @property
    def achieved_rate(self) -> float:
        return round(len(self.latencies_ms) / self.elapsed_s, 1) if self.elapsed_s else 0.0

    def summary(self) -> dict:
        """What every benchmark reports of a run: counts, statuses, latency percentiles."""
        return {
            "requests": len(self.latencies_ms),
            "failures": self.failures,
            "achieved_rate": self.achieved_rate,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "p50_ms": self.percentile(50),
            "p95_ms": self.percentile(95),
            "p99_ms": self.percentile(99),
            "max_ms": self.percentile(100),
        }


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "connection" and value.strip().lower() == "close":
            close = True
        elif name == "transfer-encoding" and "chunked" in value.lower():
            raise RuntimeError("chunked responses are not supported by this generator")
    body = await reader.readexactly(length) if length else b""
    return status, body, close


async def _run(
    host: str, port: int, build: RequestBuilder, rate: float, count: int, keep_bodies: bool
) -> Result:
    result = Result()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def one(i: int, due: float) -> None:
        payload = build(i)
        reused = bool(idle)
        try:
            reader, writer = idle.pop() if idle else await asyncio.open_connection(host, port)
            writer.write(payload)
            try:
                status, body, close = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError):
                if not reused:
                    raise
                # The server closed an idle keep-alive connection (gunicorn's keep-alive is a
                # few seconds) as we reused it: retry once on a new one, as HTTP clients do.
                # The latency still counts from the due time.
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(payload)
                status, body, close = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError):
            result.failures += 1
            return
        result.latencies_ms.append((time.perf_counter() - due) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if keep_bodies:
            result.bodies.append((status, body))
        if close:
            writer.close()
        else:
            idle.append((reader, writer))

    start = time.perf_counter()
    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    result.elapsed_s = time.perf_counter() - start
    for _, writer in idle:
        writer.close()
    return result


def run(
    host: str,
    port: int,
    build: RequestBuilder,
    *,
    rate: float,
    seconds: float,
    keep_bodies: bool = False,
) -> Result:
    """Send ``rate × seconds`` requests built by ``build(i)`` at a fixed rate; wait for all."""
    return asyncio.run(_run(host, port, build, rate, int(rate * seconds), keep_bodies))


# ---- the server under test ---------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, ready_path: str = "/accounts/login/"):
    """gunicorn on 127.0.0.1:``port`` against the same settings and database; waits until
    ``ready_path`` answers, then returns the Popen."""
    import os
    import subprocess
    import sys
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    # The demo's book on the demo keys: the explicit opt-in carecircle.wsgi asks for.
    env = {**os.environ, "PYTHONPATH": f"{root}:{root / 'src'}", "CARECIRCLE_ALLOW_DEMO_KEYS": "1"}
    argv = [str(Path(sys.executable).with_name("gunicorn")), "carecircle.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not start")


def process_tree_cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its children (Linux /proc), e.g. gunicorn's master
    and workers: divided by the requests served it is the server's CPU per request."""
    import os
    from pathlib import Path

    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measure(port: int, server_pid: int, build: RequestBuilder, *, rate: float, seconds: float):
    """One timed run: latency percentiles from due time, statuses, and the server's CPU per
    request over the run. Returns (summary dict, Result)."""
    cpu_before = process_tree_cpu_seconds(server_pid)
    result = run("127.0.0.1", port, build, rate=rate, seconds=seconds)
    cpu = process_tree_cpu_seconds(server_pid) - cpu_before
    served = max(len(result.latencies_ms), 1)
    summary = {
        **result.summary(),
        "server_cpu_ms_per_request": round(cpu * 1000 / served, 2),
    }
    return summary, result


def healthz_baseline(port: int, server_pid: int, *, rate: float, seconds: float) -> dict:
    """The same server at the same rate on ``GET /healthz`` (one ``SELECT 1``, no session):
    the floor that Django, gunicorn and this machine set, measured in the same run so an
    endpoint's figures can be read as a ratio to it."""
    host = f"127.0.0.1:{port}"
    request = http_request("GET", "/healthz", host)
    summary, _ = measure(port, server_pid, lambda i: request, rate=rate, seconds=seconds)
    return summary
