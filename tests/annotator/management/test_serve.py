"""manage.py serve supervises its children: a killed worker comes back, the web server stays up, nothing is orphaned."""

import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import REPO

# serve runs here on its own SQLite file and filesystem broker (start_serve drops DATABASE_URL and REDIS_URL), so the
# PostgreSQL + Redis pass would only run the same supervision twice.
pytestmark = pytest.mark.embedded

WAIT_S = 180


def wait_for(serve: subprocess.Popen, condition, what: str, timeout: float = WAIT_S):
    """Return the condition's first truthy value; between checks wait on serve itself, failing if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        try:
            serve.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"serve exited with {serve.returncode} while waiting for {what}")
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None once it is gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None if fields[0] in {"Z", "X"} else (fields[0], int(fields[1]))


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def descendants(root: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := proc_stat(int(entry.name))):
            parents[int(entry.name)] = stat[1]
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def worker_pid(serve_pid: int) -> int | None:
    """The main worker (the one running beat), not the instant-queue worker beside it."""
    for pid in descendants(serve_pid):
        if proc_stat(pid) and proc_stat(pid)[1] == serve_pid and " celery " in cmdline(pid) \
                and " mestudio@" in cmdline(pid):
            return pid
    return None


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def start_serve(tmp_path: Path, port: int, *options: str) -> tuple[subprocess.Popen, Path]:
    env = {
        **os.environ, "MESTUDIO_VAR_DIR": str(tmp_path), "MESTUDIO_SQLITE_PATH": settings.DATABASES["default"]["NAME"],
        "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)  # its own filesystem broker under tmp_path: no test message reaches a real queue
    env.pop("DATABASE_URL", None)
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        serve = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port), *options], cwd=REPO,
                                 env=env, stdout=log, stderr=subprocess.STDOUT)
    return serve, log_path


def kill_leftovers(pids) -> list[str]:
    """The command lines of processes still alive, which are then killed: a failing test leaves no stray behind."""
    leftovers = [pid for pid in pids if proc_stat(pid)]
    lines = [cmdline(pid) for pid in leftovers]
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    return lines


WORKERS = 2  # the main worker (with beat) and the instant-queue worker


def ready_workers(log_path: Path) -> int:
    return log_path.read_text(errors="replace").count(" ready.")


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_restarted_and_stop_leaves_no_child(tmp_path):
    port = free_port()
    serve, log_path = start_serve(tmp_path, port)
    seen: set[int] = set()
    try:
        wait_for(serve, lambda: answers(port) and ready_workers(log_path) >= WORKERS, "the web server and the workers")
        first = worker_pid(serve.pid)
        assert first is not None
        seen |= descendants(serve.pid)
        assert len(seen) >= 3, "web, worker and the worker's embedded beat / pool"

        os.kill(first, signal.SIGKILL)
        second = wait_for(serve, lambda: (pid := worker_pid(serve.pid)) not in (None, first) and pid, "a new worker")
        wait_for(serve, lambda: ready_workers(log_path) >= WORKERS + 1, "the new worker to be ready")
        assert serve.poll() is None
        assert answers(port), "the web server went down with the worker"
        assert proc_stat(second) is not None
        seen |= descendants(serve.pid)
        # What the killed worker left (its beat, its pool) is gone before the new one runs: no doubled sweeps.
        assert not [pid for pid in seen - descendants(serve.pid) if proc_stat(pid)]
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
        # serve returns only once every child's process group is empty (or killed): nothing may outlive it.
        leftovers = kill_leftovers(seen)
    assert serve.returncode == 0, log_path.read_text(errors="replace")[-3000:]
    assert leftovers == []


@pytest.mark.django_db(transaction=True)
def test_children_do_not_outlive_a_killed_serve(tmp_path):
    port = free_port()
    serve, log_path = start_serve(tmp_path, port)
    try:
        wait_for(serve, lambda: answers(port) and ready_workers(log_path) >= WORKERS, "the web server and the workers")
        children = descendants(serve.pid)
        # A pidfd turns readable when its process exits, whoever its parent is by then: a wait with no polling.
        exits = {pid: os.pidfd_open(pid) for pid in children}
    finally:
        serve.kill()
        serve.wait()
    assert len(children) >= 3
    try:
        # SIGKILL runs no cleanup in serve: the kernel's parent-death signal stops web and worker (and so beat).
        deadline = time.monotonic() + 60
        for pid, fd in exits.items():
            readable, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            assert readable or not proc_stat(pid), f"{cmdline(pid)} outlived serve"
    finally:
        kill_leftovers(children)
        for fd in exits.values():
            os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_a_child_that_keeps_dying_at_once_stops_serve_with_an_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # What is checked is the giving up, not the waiting: the default 1 s doubling would sleep 15 s here.
        serve, log_path = start_serve(tmp_path, taken.getsockname()[1], "--restart-delay", "0.1")
        try:
            serve.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
            pytest.fail("serve kept restarting a web server that cannot bind its port")
    log = log_path.read_text(errors="replace")
    assert serve.returncode == 1, log[-3000:]
    assert "web died 5 times in a row" in log and log.count("web exited with code") == 4
