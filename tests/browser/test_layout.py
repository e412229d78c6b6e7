"""The viewer keeps its size at three screen sizes while the readout, the notes and the save badge change."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_timeline_zoom import long_clip, ready_analysis  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

SCREENS = [(1280, 720), (1366, 768), (1920, 1080)]


def boxes(page) -> dict:
    return {name: page.locator(selector).bounding_box() for name, selector in
            (("stage", "#stage"), ("controls", ".ws-controls"), ("goto", "#goto"), ("timeline", "#timeline"))}


@pytest.mark.parametrize("width,height", SCREENS)
def test_the_viewer_keeps_its_size(transactional_db, browser, live_server, login, long_clip, coder,  # noqa: F811
                                   width, height):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, "coder")
    page.route("**/analysis/", ready_analysis)
    page.goto(f"/clips/{long_clip.pk}/")
    stage = page.locator("#stage")
    expect(stage).to_have_attribute("data-frame", "0")
    assert page.evaluate("document.documentElement.scrollHeight <= innerHeight"), "the workspace fits the screen"
    first = boxes(page)
    for key, frame in (("ArrowRight", "1"), ("Shift+ArrowRight", "11"), ("End", "19999"), ("Home", "0")):
        page.keyboard.press(key)
        expect(stage).to_have_attribute("data-frame", frame)
        assert boxes(page) == first, f"after {key}"
    page.keyboard.press("n")  # a new event: the save badge says unsaved / saving / saved
    expect(page.locator("#save-status")).to_have_text("saved")
    page.keyboard.press("g")
    page.keyboard.type("12345")
    assert boxes(page) == first, "typing a frame number"
    page.keyboard.press("Enter")
    expect(stage).to_have_attribute("data-frame", "12345")
    assert boxes(page) == first
    context.close()
