"""Review in the workspace, in a real Chromium: a reviewer sees each coder's events on a lane named after the coder,
picks one, comments on it and makes it gold; the gold code appears on the gold lane without a reload."""

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent
from annotator.services.assignments import assignment_create, coding_submit
from annotator.services.events import event_create

pytestmark = pytest.mark.browser


@pytest.fixture
def double_coded(import_clip, sample_dir, project, lead, coder, other_coder):
    clip = import_clip(sample_dir / "single_face.mp4")
    assert clip.status == clip.Status.READY
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    mine = event_create(clip=clip, coder=coder, onset=5, apex=8, offset=20, aus=[{"number": 12}], emotion="happiness")
    theirs = event_create(clip=clip, coder=other_coder, onset=30, apex=34, offset=40, aus=[{"number": 1}],
                          emotion="surprise")
    coding_submit(clip=clip, user=coder)
    coding_submit(clip=clip, user=other_coder)
    return clip, mine, theirs


def test_a_reviewer_adjudicates_a_coders_event_into_gold(transactional_db, page, login, double_coded, reviewer):
    clip, mine, theirs = double_coded
    login(page, "reviewer")
    page.goto(f"/clips/{clip.pk}/")
    lanes = page.locator("#other-lanes .lane")
    expect(lanes.locator(".lane-name")).to_have_text(["coder", "coder_b", "gold"])
    expect(page.locator('#other-lanes [data-lane="coder:coder"] .span')).to_have_count(1)
    theirs_span = page.locator(f'#other-lanes [data-lane="coder:coder_b"] [data-event="{theirs.pk}"]')
    expect(theirs_span).to_have_count(1)
    expect(page.locator('#other-lanes [data-lane="gold"] .span')).to_have_count(0)

    theirs_span.click()
    expect(page.locator("#review-picked")).to_contain_text(f"coder_b #{theirs.pk}")
    page.locator("#comment-text").fill("apex at 34 looks right")
    page.get_by_role("button", name="Comment").click()
    expect(page.locator("#comment-list li")).to_have_text(["reviewer: apex at 34 looks right"])

    page.keyboard.press("Shift+G")
    expect(page.locator('#other-lanes [data-lane="gold"] .span')).to_have_count(1)
    gold = CodingEvent.objects.get(clip=clip, status=CodingEvent.Status.REVIEWED)
    assert (gold.onset, gold.apex, gold.offset, gold.coder.username) == (30, 34, 40, "reviewer")
    assert list(gold.derived_from.values_list("pk", flat=True)) == [theirs.pk]


def test_a_coder_submits_the_clip_and_goes_to_the_next_one(transactional_db, page, login, import_clip, sample_dir,
                                                          project, lead, coder):
    first = import_clip(sample_dir / "single_face.mp4")
    second = import_clip(sample_dir / "no_face.mp4")
    assignment_create(project=project, clips=[first, second], coders=[coder], assigned_by=lead)
    draft = event_create(clip=first, coder=coder, onset=5, apex=8, offset=20, aus=[{"number": 12}])
    login(page, "coder")
    page.goto(f"/clips/{first.pk}/")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
    expect(page.locator("#other-lanes")).to_be_hidden()  # single-coded: no one else's lane, no gold yet

    with page.expect_navigation():
        page.keyboard.press("Shift+S")
    draft.refresh_from_db()
    assert draft.status == CodingEvent.Status.SUBMITTED
    assert first.assignments.get(coder=coder).status == "submitted"

    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
    with page.expect_navigation():
        page.keyboard.press("J")
    assert page.url.endswith(f"/clips/{second.pk}/")
