"""Frame endpoint latency over real HTTP: a daphne child process and a keep-alive http.client."""

import http.client
import os
import random
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from annotator.bench.stats import Summary, summarize

# Variables that would point the children at the developer's database, broker or proxy.
DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "MESTUDIO_SQLITE_PATH", "MESTUDIO_ACCEL_REDIRECT_PREFIX", "ALLOWED_HOSTS")


DEFAULT_APP = "annotator.asgi:application"


def bench_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update({
        "DJANGO_SETTINGS_MODULE": "annotator.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "MESTUDIO_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc); None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DaphneServer:
    def __init__(self, *, cwd: Path, env: dict[str, str], log_path: Path, app: str = DEFAULT_APP):
        self.port = free_port()
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), app],
            cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def wait_listening(self, timeout_s: float = 90.0) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return time.monotonic() - start
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"daphne did not listen within {timeout_s:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@dataclass
class Run:
    label: str
    times_ms: list[float] = field(default_factory=list)
    bytes_total: int = 0
    connections: int = 0
    server_cpu_s: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def summary(self) -> Summary:
        return summarize(self.times_ms)

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        return None if self.server_cpu_s is None else 1000 * self.server_cpu_s / len(self.times_ms)


class FrameClient:
    """One keep-alive HTTP/1.1 connection; counts how many TCP connections it needed."""

    def __init__(self, port: int, headers: dict[str, str]):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Host": "127.0.0.1", **headers}
        self._socket_ids: set[int] = set()

    def get(self, path: str) -> tuple[int, dict, bytes, float]:
        start = time.perf_counter_ns()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        elapsed_ms = (time.perf_counter_ns() - start) / 1e6
        if self.conn.sock is not None:
            self._socket_ids.add(id(self.conn.sock))
        return response.status, dict(response.getheaders()), body, elapsed_ms

    @property
    def connections(self) -> int:
        return len(self._socket_ids)

    def close(self) -> None:
        self.conn.close()


def frame_path(clip_id: int, frame_id: int) -> str:
    return f"/api/clips/{clip_id}/frames/{frame_id}.jpg"


def measure(client: FrameClient, label: str, clip_id: int, frame_ids: list[int], expected: dict[int, bytes],
            server_pid: int | None = None) -> Run:
    run = Run(label)
    cpu_before = process_cpu_s(server_pid) if server_pid else None
    for frame_id in frame_ids:
        status, headers, body, elapsed_ms = client.get(frame_path(clip_id, frame_id))
        run.times_ms.append(elapsed_ms)
        run.bytes_total += len(body)
        if status != 200 or headers.get("X-Frame-Id") != str(frame_id) or body != expected[frame_id]:
            if len(run.errors) < 5:
                run.errors.append(
                    f"frame {frame_id}: HTTP {status}, {len(body)} bytes, X-Frame-Id {headers.get('X-Frame-Id')}"
                )
    run.connections = client.connections
    cpu_after = process_cpu_s(server_pid) if server_pid else None
    if cpu_before is not None and cpu_after is not None:
        run.server_cpu_s = cpu_after - cpu_before
    return run


def warm_frames(frame_count: int, requests: int, seed: int = 0) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(frame_count) for _ in range(requests)]
