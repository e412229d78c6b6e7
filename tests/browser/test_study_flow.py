"""A double-coded study end to end in a real Chromium: two coders code one clip blind from their queues and submit
it, the agreement page compares them, the reviewer adjudicates their events into gold codes, and a model trains on
those gold codes alone."""

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent
from annotator.services.assignments import assignment_create
from annotator.services.jobs import job_run
from mlbackend.models import ModelVersion
from mlbackend.services.jobs import ml_job_create
from mlbackend.services.training import train_job_work
from tests.browser.conftest import VIEWPORT

pytestmark = pytest.mark.browser


@pytest.fixture
def as_user(browser, live_server, login):
    contexts = []

    def _as(username: str):
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        violations = []
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.csp_violations = violations
        login(page, username)
        return page

    yield _as
    for context in contexts:
        assert [page.csp_violations for page in context.pages] == [[] for _ in context.pages]
        context.close()


def code_from_queue(page, project, clip, onset: int, apex: int, offset: int, emotion_key: str) -> None:
    """Open the next clip of the queue, code one event with AU12 and an emotion by keyboard, and submit the clip."""
    page.goto("/queue/")
    page.locator(f"#next-{project.pk}").click()
    page.wait_for_url(f"**/clips/{clip.pk}/")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
    page.locator("#goto").fill(str(onset))
    page.locator("#goto").press("Enter")
    page.keyboard.press("O")
    for key, frame in (("A", apex), ("F", offset)):
        page.locator("#goto").fill(str(frame))
        page.locator("#goto").press("Enter")
        page.keyboard.press(key)
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    page.keyboard.press("E")
    page.keyboard.press(emotion_key)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    with page.expect_navigation():
        page.keyboard.press("Shift+S")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")


def test_two_coders_double_code_and_the_reviewer_adjudicates(transactional_db, as_user, import_clip, sample_dir,
                                                              project, lead, coder, other_coder, reviewer):
    clip = import_clip(sample_dir / "single_face.mp4")
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    code_from_queue(as_user("coder"), project, clip, 10, 13, 23, "1")
    code_from_queue(as_user("coder_b"), project, clip, 11, 14, 24, "2")
    coded = {event.coder.username: (event.onset, event.apex, event.offset, event.emotion, event.status)
             for event in CodingEvent.objects.filter(clip=clip)}
    assert coded == {"coder": (10, 13, 23, "happiness", "submitted"), "coder_b": (11, 14, 24, "surprise", "submitted")}

    page = as_user("reviewer")
    page.goto(f"/projects/{project.pk}/agreement/")
    expect(page.locator("#pair-table tbody tr")).to_have_count(1)
    expect(page.locator("#pair-table tbody tr td")).to_contain_text(["coder", "coder_b", "1 / 1", "1", "1.000"])
    expect(page.locator("#agreement-overall")).to_contain_text("1.000")

    page.goto(f"/clips/{clip.pk}/")
    theirs = page.locator('#other-lanes [data-lane="coder:coder_b"] .span')
    theirs.click()
    page.get_by_role("button", name="Make gold").click()
    expect(page.locator('#other-lanes [data-lane="gold"] .span')).to_have_count(1)
    gold = CodingEvent.objects.get(clip=clip, status=CodingEvent.Status.REVIEWED)
    assert (gold.onset, gold.apex, gold.offset, [au["number"] for au in gold.aus]) == (11, 14, 24, [12])
    # The coders disagreed on the emotion; the reviewer keeps the other reading too (two labels to learn).
    page.locator('#other-lanes [data-lane="coder:coder"] .span').click()
    page.keyboard.press("Shift+G")
    expect(page.locator('#other-lanes [data-lane="gold"] .span')).to_have_count(2)

    job = ml_job_create(kind="train", project=project, created_by=lead, plugin="dummy", label_source="reviewed",
                        evaluate=False, enqueue=False)
    job = job_run(job_id=job.pk, work=train_job_work)
    assert job.status == job.Status.SUCCEEDED, job.error
    version = ModelVersion.objects.get(job=job)
    assert version.label_source == ModelVersion.LabelSource.REVIEWED
