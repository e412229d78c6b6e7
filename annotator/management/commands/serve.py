import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_GRACE_S = 10


class Command(BaseCommand):
    help = ("Run the web server (daphne), a Celery worker, and a second worker for the instant queue (analysis, "
            "proposals: never behind training); Ctrl-C stops them.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--queues", default="default", help="Celery queues for the worker, e.g. default,gpu")
        parser.add_argument("--access-log", default=os.devnull,
                            help="daphne's access log, a line per request (frames included); default: none")

    def handle(self, *args, host: str, port: int, queues: str, access_log: str, **options):
        commands = {
            "web": [sys.executable, "-m", "daphne", "-b", host, "-p", str(port), "--access-log", access_log,
                    "annotator.asgi:application"],
            "worker": [sys.executable, "-m", "celery", "-A", "annotator", "worker", "--loglevel", "INFO",
                       "--concurrency", "1", "--queues", queues, "--hostname", "mestudio@%h",
                       "--beat", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
            "instant worker": [sys.executable, "-m", "celery", "-A", "annotator", "worker", "--loglevel", "INFO",
                               "--concurrency", "1", "--queues", settings.MESTUDIO_INSTANT_QUEUE,
                               "--hostname", "mestudio-instant@%h"],
        }
        children = {name: subprocess.Popen(command) for name, command in commands.items()}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        announced = False
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
            if not announced and self._answers(host, port):
                self._announce(host, port)
                announced = True
        exited = [name for name, child in children.items() if child.poll() is not None]
        self._stop(children)
        if exited and not stopping:
            self.stderr.write(f"{', '.join(exited)} exited; stopped the rest.")
            sys.exit(1)
        self.stdout.write("MEStudio stopped.")

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
            f"\nMEStudio is running at http://{host}:{port}/  (log in as {login})\nCtrl-C stops the web server and the worker.\n"
        ))

    def _stop(self, children: dict) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
