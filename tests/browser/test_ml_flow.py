"""The ML loop in a real Chromium: train and pre-annotate from the Models page with live progress, take a suggestion
in the workspace, open the training run's report.

Live progress is a WebSocket, which pytest-django's live server (WSGI) cannot carry, so these pages come from a
real daphne in a subprocess against the test database, and a real Celery worker runs the jobs in a thread here.
"""

import json
import os
import re
import socket
import subprocess
import sys
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.template.defaultfilters import floatformat
from playwright.sync_api import expect

from annotator.models import CodingEvent, Job
from mlbackend.models import EvaluationReport, ModelVersion, Prediction, PredictionAcceptance
from tests.browser.conftest import VIEWPORT
from tests.mlbackend.conftest import coded_project  # noqa: F401  (a fixture: 4 subjects x 4 tiny coded clips)

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SERVER_START_S = 90
JOB_WAIT_MS = 60_000
# Keeps the last job state jobs.js writes into the row; sessionStorage outlives the page's reload.
RECORD_LIVE_STATUS = """row => new MutationObserver(() => sessionStorage.setItem("live-status", row.dataset.status))
  .observe(row, { attributes: true, attributeFilter: ["data-status"] })"""


@pytest.fixture
def job_queue():
    """ML jobs go to a queue of this test's own, so no other worker on the broker (a developer's, a parallel run's
    in the Redis pass) takes them, and this test's worker takes nothing else."""
    return f"browser-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def asgi_server(transactional_db, media_root, isolated_broker, job_queue, tmp_path):
    """Daphne serving the app from a subprocess with the tests' settings, database, media folder and broker."""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "MEDIA_ROOT": str(media_root),
        "MESTUDIO_GPU_QUEUE": job_queue, "MESTUDIO_INSTANT_QUEUE": job_queue, "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser fixture's; the server runs async code for real
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        env["MESTUDIO_SQLITE_PATH"] = database["NAME"]
    else:
        env["DATABASE_URL"] = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database['NAME']}"))
    if not settings.REDIS_URL:
        # The server queues into <MESTUDIO_VAR_DIR>/celery-broker; make that the tests' isolated broker folder.
        var_dir = tmp_path / "server-var"
        var_dir.mkdir()
        queue_folder = Path(isolated_broker.conf.broker_transport_options["data_folder_in"])
        (var_dir / "celery-broker").symlink_to(queue_folder.parent)
        env["MESTUDIO_VAR_DIR"] = str(var_dir)

    # The test binds the port and hands the listening socket over: no free-port guessing, and requests made
    # before daphne is up wait in the backlog instead of failing.
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    url = "http://127.0.0.1:{}".format(listener.getsockname()[1])
    log_path = tmp_path / "daphne.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "--fd", str(listener.fileno()), "annotator.asgi:application"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()],
        )
    listener.close()  # daphne holds it now; should it die, requests are refused rather than left waiting
    try:
        try:
            urllib.request.urlopen(f"{url}/login/", timeout=SERVER_START_S).close()
        except OSError as exc:
            pytest.fail(f"daphne did not answer ({exc}):\n{log_path.read_text()}")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        print(log_path.read_text())  # shown when the test fails


@pytest.fixture
def asgi_page(browser, asgi_server):
    context = browser.new_context(base_url=asgi_server, viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@contextmanager
def worker(broker, queue: str):
    """A real Celery worker in a thread, taking this test's queue only."""
    try:
        with start_worker(broker, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[queue]):
            yield
    finally:
        # Choosing queues sticks to the app's queue table; a fresh one lets later workers take the default queue.
        del broker.amqp.queues


def run_job(page, broker, queue: str, kind: str, screenshot: str | None = None) -> Job:
    """Start a dummy job from the page's form and run it only once the page follows it, so its end comes live."""
    form = page.locator("#ml-start")
    form.get_by_label("Job").select_option(kind)
    form.get_by_label("Plugin").select_option("dummy")
    with page.expect_websocket(lambda ws: "/ws/jobs/" in ws.url) as opened:  # the page reloads, then follows it
        form.get_by_role("button", name="Start").click()
    websocket = opened.value
    job = Job.objects.get(kind=kind, status=Job.Status.QUEUED)
    assert websocket.url.endswith(f"/ws/jobs/{job.pk}/")
    row = page.locator(f'#ml-jobs tr[data-job-id="{job.pk}"]')
    expect(row).to_have_attribute("data-status", "queued")  # rendered by the server: no worker is running yet
    expect(row.locator(".job-status")).to_have_text("queued")
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)

    row.evaluate(RECORD_LIVE_STATUS)

    # Entering in this order, the waiter is in place before the worker can finish (Playwright dispatches
    # nothing between the two), and the worker runs until the page has heard the end. jobs.js then reloads
    # the page to list new versions and reports.
    ended = lambda payload: json.loads(payload)["status"] not in {"queued", "running"}  # noqa: E731
    with page.expect_navigation(timeout=JOB_WAIT_MS + 10_000):
        with worker(broker, queue), \
                websocket.expect_event("framereceived", predicate=ended, timeout=JOB_WAIT_MS) as frame:
            pass
    update = json.loads(frame.value)
    assert (update["id"], update["status"], update["progress"]) == (job.pk, "succeeded", 1.0), update
    assert page.evaluate("sessionStorage.getItem('live-status')") == "succeeded"  # shown before the reload
    expect(row.locator(".job-status")).to_have_text("succeeded")
    expect(row.locator("progress")).to_have_js_property("value", 1)
    job.refresh_from_db()
    return job


def test_train_preannotate_accept_and_report(
        asgi_page, login, coded_project, lead, isolated_broker, job_queue):  # noqa: F811
    page = asgi_page
    login(page, "lead")
    page.goto(f"/projects/{coded_project.pk}/ml/")
    expect(page.locator("#ml-jobs")).to_contain_text("No model jobs yet.")

    train = run_job(page, isolated_broker, job_queue, "train", screenshot="/tmp/ml-job.png")
    version = ModelVersion.objects.get(job=train)
    assert version.active
    expect(page.locator("#ml-versions")).to_contain_text(version.version)
    report = EvaluationReport.objects.get(job=train)
    expect(page.locator("#ml-reports")).to_contain_text(f"LOSO #{report.pk}")

    run_job(page, isolated_broker, job_queue, "preannotate")
    assert Prediction.objects.filter(model_version=version).count() == 16

    # A clip the lead coded as disgust; the dummy model suggests the training set's commonest emotion.
    event = CodingEvent.objects.filter(clip__project=coded_project, clip__subject__code="P01", emotion="disgust").get()
    prediction = Prediction.objects.get(clip=event.clip)
    assert (prediction.emotion, prediction.onset, prediction.offset) == ("happiness", 3, 9)
    page.goto(f"/clips/{event.clip_id}/")
    expect(page.locator("#suggestions")).to_have_attribute("data-state", "ready")
    ghost = page.locator("#timeline .ghost")
    expect(ghost).to_have_count(1)
    expect(ghost).to_have_attribute("title", "dummy · 3–9 (apex 6) · happiness 50% · score 0.50")
    expect(ghost.locator("i")).to_have_count(3)  # onset, apex, offset ticks
    expect(page.locator("#timeline .span")).to_have_count(1)  # the lead's own event, apart from the ghost
    expect(page.locator("#suggestion-list")).to_contain_text(version.version)
    expect(page.locator("#suggestion-list")).to_contain_text("3–9 (apex 6) happiness 50%")
    expect(page.locator("#event-suggestion")).to_contain_text("Suggested (dummy, 3–9): happiness 50%")
    expect(page.locator("#suggestion-action")).to_have_text(f"Y takes happiness into #{event.pk}")
    page.screenshot(path="/tmp/ws-suggest.png")

    page.keyboard.press("y")
    expect(page.locator("#save-status")).to_have_text("saved")
    expect(page.locator("#editor").get_by_label("Emotion")).to_have_value("happiness")
    expect(page.locator("#editor-title")).to_have_text(f"Event #{event.pk} · version 2")
    expect(ghost).to_have_class(re.compile(r"\baccepted\b"))
    expect(page.locator("#suggestion-list li.accepted")).to_contain_text(f"✓ #{event.pk}")
    expect(page.locator("#suggestion-action")).to_have_text("Every suggestion is taken.")
    event.refresh_from_db()
    assert (event.coder, event.emotion, event.onset, event.offset, event.version) == (lead, "happiness", 2, 9, 2)
    acceptance = PredictionAcceptance.objects.get()
    assert (acceptance.prediction, acceptance.event, acceptance.accepted_by, acceptance.fields) == (
        prediction, event, lead, ["emotion"])

    page.goto(f"/projects/{coded_project.pk}/ml/")
    page.get_by_role("link", name=f"LOSO #{report.pk}").click()
    expect(page.locator("#uf1")).to_have_text(floatformat(report.overall["uf1"], 3))
    confusion = page.get_by_alt_text("confusion matrix")
    expect(confusion).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=confusion.element_handle())
