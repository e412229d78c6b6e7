"""Presence on a real daphne (the clip's WebSocket): the reviewer sees who else has the clip open, and a coder's
save appears on the reviewer's lanes without a reload; the other coder, still coding blind, gets no lane of it."""

import pytest
from playwright.sync_api import expect

from annotator.services.assignments import assignment_create
from tests.browser.conftest import VIEWPORT
from tests.browser.test_ml_flow import asgi_server, job_queue  # noqa: F401  (fixtures: daphne in a subprocess)

pytestmark = pytest.mark.browser


@pytest.fixture
def open_as(browser, asgi_server, login):  # noqa: F811
    contexts = []

    def _open(username: str, clip):
        context = browser.new_context(base_url=asgi_server, viewport=VIEWPORT)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        login(page, username)
        page.goto(f"/clips/{clip.pk}/")
        expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
        return page

    yield _open
    for context in contexts:
        context.close()


def test_a_reviewer_sees_who_is_here_and_their_saves_live(import_clip, sample_dir, project, lead, coder, other_coder,
                                                           reviewer, open_as):
    clip = import_clip(sample_dir / "single_face.mp4")
    assignment_create(project=project, clips=[clip], coders=[coder, other_coder], assigned_by=lead)
    review_page = open_as("reviewer", clip)
    blind_page = open_as("coder", clip)
    coder_b_page = open_as("coder_b", clip)
    expect(review_page.locator("#presence")).to_have_text("Also here: coder, coder_b")
    expect(coder_b_page.locator("#presence")).to_have_text("Also here: coder, reviewer")

    coder_b_page.keyboard.press("N")
    expect(coder_b_page.locator("#save-status")).to_have_attribute("data-state", "saved")
    expect(review_page.locator('#other-lanes [data-lane="coder:coder_b"] .span')).to_have_count(1)
    expect(blind_page.locator('#other-lanes [data-coder="coder_b"]')).to_have_count(0)
    expect(blind_page.locator("#other-lanes")).to_be_hidden()

    coder_b_page.close()
    expect(review_page.locator("#presence")).to_have_text("Also here: coder")
