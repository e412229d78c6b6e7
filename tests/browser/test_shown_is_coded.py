"""What is shown is what is coded: with frames held back on the wire, the readout names the frame on the canvas and
the marking keys wait for the frame asked for (or say they were not done when it cannot be shown)."""

import re

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent
from tests.browser.test_workspace import clip  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

BLOCK = 16  # frames per block response, annotator/api/frames.py


class HeldBlocks:
    """A route handler that answers every frame block at once except the held ones, which wait for the test."""

    def __init__(self, page, held: set[int]):
        self.held, self.waiting = held, {}
        page.route(re.compile(r"/frames/blocks/\d+\.bin"), self.handle)

    def handle(self, route):
        block = int(re.search(r"/blocks/(\d+)\.bin", route.request.url).group(1))
        if block in self.held:
            self.waiting.setdefault(block, []).append(route)
        else:
            route.continue_()

    def release(self, block: int, **fulfil) -> None:
        self.held.discard(block)
        for route in self.waiting.pop(block, []):
            try:
                route.fulfill(**fulfil) if fulfil else route.continue_()
            except Exception:  # the page aborted that request meanwhile (the window moved); it asks again
                pass


def jump(page, frame: int) -> None:
    page.keyboard.press("g")
    page.keyboard.type(str(frame))
    page.keyboard.press("Enter")


def test_marking_keys_act_on_the_painted_frame(transactional_db, page, login, clip, coder):  # noqa: F811
    login(page, "coder")
    wire = HeldBlocks(page, held={40 // BLOCK, 60 // BLOCK})
    page.goto(f"/clips/{clip.pk}/")
    stage, readout, note = page.locator("#stage"), page.locator("#readout"), page.locator("#stage-note")
    expect(stage).to_have_attribute("data-frame", "0")

    jump(page, 40)
    expect(note).to_have_text("loading frame 40…")
    page.keyboard.press("o")
    page.keyboard.press("a")
    expect(note).to_have_text("loading frame 40… O A will act on it")
    # The picture is still frame 0, and so is the readout; nothing is marked yet.
    expect(readout).to_have_text("frame 0 / 71 · 0.000 s")
    expect(stage).to_have_attribute("data-frame", "0")
    expect(page.locator("#editor")).to_be_hidden()

    wire.release(40 // BLOCK)
    expect(stage).to_have_attribute("data-frame", "40")
    expect(readout).to_have_text("frame 40 / 71 · 1.333 s")
    editor = page.locator("#editor")
    expect(editor.get_by_label("Onset")).to_have_value("40")
    expect(editor.get_by_label("Apex")).to_have_value("40")
    expect(page.locator("#save-status")).to_have_text("saved")

    # A frame that cannot be shown: the key that waited for it is not done, and the note says so.
    jump(page, 60)
    page.keyboard.press("f")
    wire.release(60 // BLOCK, status=404, content_type="application/json", body='{"detail": "gone"}')
    expect(note).to_contain_text("Not done (F): frame 60 is not shown (gone)")
    expect(readout).to_have_text("frame 40 / 71 · 1.333 s")
    expect(editor.get_by_label("Offset")).to_have_value("40")

    event = CodingEvent.objects.get(clip=clip)
    assert (event.onset, event.apex, event.offset) == (40, 40, 40)
