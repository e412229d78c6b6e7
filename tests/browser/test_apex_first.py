"""Apex-first assist in the workspace: P on an event with an apex queues a "propose" job, the page polls for it and
writes the proposed onset and offset into the event, which autosaves. The job runs in this process."""

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent, Job
from annotator.services.events import event_create
from mlbackend import tasks
from tests.mlbackend.test_apex_first_api import TRUTH, import_synthetic_clip

pytestmark = pytest.mark.browser


@pytest.fixture
def synthetic_clip(transactional_db, project, subject, lead, tmp_path):
    return import_synthetic_clip(project=project, subject=subject, created_by=lead, folder=tmp_path / "synthetic")


def queued_job(page, **filters) -> Job:
    """The page marks the proposal queued once the API answered 202, so the job row exists by then."""
    expect(page.locator("#proposal")).to_have_attribute("data-state", "queued")
    return Job.objects.get(kind="propose", **filters)


def test_p_proposes_onset_and_offset_from_the_apex_and_saves_them(page, login, synthetic_clip, coder):
    event = event_create(clip=synthetic_clip, coder=coder, onset=20, apex=TRUTH["apex"], offset=30)
    login(page, "coder")
    page.goto(f"/clips/{synthetic_clip.pk}/")
    editor = page.locator("#editor")
    expect(editor.locator("input[name=onset]")).to_have_value("20")
    expect(page.locator("#proposal")).to_be_hidden()

    page.keyboard.press("p")
    proposal = page.locator("#proposal")
    expect(proposal).to_have_attribute("data-state", "queued")
    expect(proposal).to_have_text(f"Proposing onset and offset from apex {TRUTH['apex']}…")
    expect(page.locator("#stage-note")).to_have_text(f"Proposing onset and offset around apex {TRUTH['apex']}…")
    page.keyboard.press("p")  # one at a time
    expect(page.locator("#stage-note")).to_have_text(f"Still proposing around apex {TRUTH['apex']}…")
    job = queued_job(page, clip=synthetic_clip)
    assert job.params == {"apex": TRUTH["apex"], "kind": "micro"} and job.created_by == coder
    assert Job.objects.filter(kind="propose").count() == 1

    tasks.propose_interval(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    onset, offset = job.params["result"]["onset"], job.params["result"]["offset"]
    assert onset < TRUTH["apex"] < offset

    expect(proposal).to_have_attribute("data-state", "succeeded")
    expect(proposal).to_have_text(f"Proposed from apex {TRUTH['apex']}: onset {onset}, offset {offset} (was 20–30).")
    expect(editor.locator("input[name=onset]")).to_have_value(str(onset))
    expect(editor.locator("input[name=offset]")).to_have_value(str(offset))
    expect(editor.locator("input[name=apex]")).to_have_value(str(TRUTH["apex"]))
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    page.wait_for_function("() => document.getElementById('editor-title').textContent.includes('version 2')")
    event.refresh_from_db()
    assert (event.onset, event.apex, event.offset) == (onset, TRUTH["apex"], offset)
    page.screenshot(path="/tmp/ws-apex-first.png")

    # Undo by hand: O at the old onset puts it back.
    page.keyboard.press("Home")
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("o")
    expect(editor.locator("input[name=onset]")).to_have_value("20")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_contain_text("propose onset and offset from the event's apex")
    page.keyboard.press("Escape")


def test_p_needs_an_apex_and_a_moved_apex_discards_the_answer(page, login, synthetic_clip, coder):
    event_create(clip=synthetic_clip, coder=coder, onset=20, apex=None, offset=30)
    login(page, "coder")
    page.goto(f"/clips/{synthetic_clip.pk}/")
    expect(page.locator("#editor input[name=onset]")).to_have_value("20")
    expect(page.locator("#propose")).to_be_disabled()
    page.keyboard.press("p")
    expect(page.locator("#stage-note")).to_have_text("Mark the apex first (A), then press P.")
    assert not Job.objects.filter(kind="propose").exists()

    page.keyboard.press("Home")
    for _ in range(TRUTH["apex"]):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("a")
    expect(page.locator("#editor input[name=apex]")).to_have_value(str(TRUTH["apex"]))
    page.locator("#propose").click()
    job = queued_job(page, clip=synthetic_clip)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("a")  # the apex moves while the job waits
    tasks.propose_interval(job.pk)
    expect(page.locator("#proposal")).to_have_attribute("data-state", "stale")
    expect(page.locator("#editor input[name=onset]")).to_have_value("20")
    expect(page.locator("#editor input[name=offset]")).to_have_value("30")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    saved = CodingEvent.objects.get(clip=synthetic_clip)
    assert (saved.onset, saved.apex, saved.offset) == (20, TRUTH["apex"] + 1, 30)


def test_viewers_cannot_ask(page, login, synthetic_clip, viewer):
    login(page, "viewer")
    page.goto(f"/clips/{synthetic_clip.pk}/")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
    page.keyboard.press("p")
    expect(page.locator("#stage-note")).to_have_text("Read-only: your role does not allow coding.")
    assert not Job.objects.filter(kind="propose").exists()
