import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_GRACE_S = 10
POLL_S = 0.2
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
# A child that stayed up this long is healthy again: its next crash restarts it quickly.
STABLE_AFTER_S = 60.0
# A child that keeps dying at once (port taken, broken settings) is not helped by restarts: give up and say so.
MAX_QUICK_FAILURES = 5
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends it SIGTERM if serve dies, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Child:
    """One supervised process. It leads its own process group, so its helpers (Celery's embedded beat,
    pool processes) go with it: none is orphaned when it dies, and none survives a stop."""

    name: str
    command: list[str]
    first_backoff_s: float = FIRST_BACKOFF_S
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff_s: float = 0.0
    restart_at: float | None = None
    quick_failures: int = 0

    def __post_init__(self) -> None:
        self.backoff_s = self.first_backoff_s

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, start_new_session=True, preexec_fn=_die_with_parent)
        self.started_at = time.monotonic()
        self.restart_at = None

    def exited(self) -> bool:
        return self.process is not None and self.restart_at is None and self.process.poll() is not None

    def schedule_restart(self) -> float:
        """Kill what the dead child left in its group (an orphaned beat would double the sweeps), then wait."""
        _signal_group(self.process.pid, signal.SIGKILL)
        now = time.monotonic()
        if now - self.started_at >= STABLE_AFTER_S:
            self.backoff_s = self.first_backoff_s
            self.quick_failures = 0
        self.quick_failures += 1
        delay = self.backoff_s
        self.backoff_s = min(self.backoff_s * 2, MAX_BACKOFF_S)
        self.restart_at = now + delay
        return delay

    def due(self) -> bool:
        return self.restart_at is not None and time.monotonic() >= self.restart_at


class Command(BaseCommand):
    help = ("Run the web server (daphne), a Celery worker (with beat) and a second worker for the instant queue "
            "(analysis, proposals: never behind training), restarting any that dies; Ctrl-C stops them.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--queues", default="default", help="Celery queues for the worker, e.g. default,gpu")
        parser.add_argument("--access-log", default=os.devnull,
                            help="daphne's access log, a line per request (frames included); default: none")
        parser.add_argument("--restart-delay", type=float, default=FIRST_BACKOFF_S,
                            help=f"seconds before a dead child is restarted, doubling while it keeps dying soon "
                                 f"after starting (up to {MAX_BACKOFF_S:.0f} s); default {FIRST_BACKOFF_S:.0f}")

    def handle(self, *args, host: str, port: int, queues: str, access_log: str, restart_delay: float, **options):
        children = [
            Child("web", [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "--access-log", access_log,
                          "annotator.asgi:application"], restart_delay),
            Child("worker", [sys.executable, "-m", "celery", "-A", "annotator", "worker", "--loglevel", "INFO",
                             "--concurrency", "1", "--queues", queues, "--hostname", "mestudio@%h",
                             "--beat", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")], restart_delay),
            Child("instant worker", [sys.executable, "-m", "celery", "-A", "annotator", "worker", "--loglevel", "INFO",
                                     "--concurrency", "1", "--queues", settings.MESTUDIO_INSTANT_QUEUE,
                                     "--hostname", "mestudio-instant@%h"], restart_delay),
        ]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for child in children:
            child.start()
        announced = False
        failed = None
        try:
            while not stopping and failed is None:
                time.sleep(POLL_S)
                failed = self._supervise(children)
                if not announced and self._answers(host, port):
                    self._announce(host, port)
                    announced = True
        finally:
            self._stop(children)
        if failed is not None:
            self.stderr.write(f"{failed.name} died {failed.quick_failures} times in a row soon after starting; "
                              "stopped everything: see its messages above.")
            sys.exit(1)
        self.stdout.write("MEStudio stopped.")

    def _supervise(self, children: list[Child]) -> Child | None:
        """Restart what died; the child that keeps dying at once, if any."""
        for child in children:
            if child.exited():
                code = child.process.returncode
                delay = child.schedule_restart()
                if child.quick_failures >= MAX_QUICK_FAILURES:
                    return child
                self.stderr.write(f"{child.name} exited with code {code}; restarting it in {delay:g} s.")
            elif child.due():
                child.start()
                self.stdout.write(f"{child.name} restarted (pid {child.process.pid}).")
        return None

    @staticmethod
    def _answers(host: str, port: int) -> bool:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            return False

    def _announce(self, host: str, port: int) -> None:
        credentials = settings.VAR_DIR / "admin-credentials"
        login = credentials.read_text().strip().replace(":", " / ", 1) if credentials.exists() else "your admin account"
        self.stdout.write(self.style.SUCCESS(
            f"\nMEStudio is running at http://{host}:{port}/  (log in as {login})\nCtrl-C stops the web server and the workers.\n"
        ))

    @staticmethod
    def _stop(children: list[Child]) -> None:
        groups = [child.process.pid for child in children if child.process is not None]
        for pgid in groups:
            _signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            if child.process is not None:
                try:
                    child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
        while any(_group_alive(pgid) for pgid in groups) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        for pgid in groups:
            _signal_group(pgid, signal.SIGKILL)
        for child in children:
            if child.process is not None:
                child.process.wait()
