"""A 20,000-frame clip in the workspace: it opens zoomed in, steps, and the timeline zooms (Z, wheel), pans (. and
Shift+wheel), follows a jump, and moves with the minimap; the ruler names frame ids and the dataset's numbers; the
motion curve and the event lanes draw at every zoom."""

import json
import os

import cv2
import numpy as np
import pytest
from django.conf import settings
from playwright.sync_api import expect

from annotator.media.framestore import FrameStore
from annotator.models import Clip

pytestmark = pytest.mark.browser

FRAMES = 20_000
FIRST_NUMBER = 1001  # the dataset numbers its frames from 1001


@pytest.fixture
def long_clip(project, subject):
    """Four distinct JPEGs, hard-linked 5,000 times each: a long clip's frame store in well under a second."""
    clip = Clip.objects.create(
        project=project, subject=subject, name="long.mp4", source="long.mp4", dataset="SAMM-LV", fps=200.0,
        frame_count=FRAMES, width=320, height=180, status=Clip.Status.READY, face_status=Clip.FaceStatus.SKIPPED,
        frame_numbers=list(range(FIRST_NUMBER, FIRST_NUMBER + FRAMES)),
    )
    store = FrameStore(settings.MEDIA_ROOT, clip.pk)
    store.frames_dir.mkdir(parents=True)
    shades = []
    for shade in range(4):
        path = store.frames_dir / f"shade{shade}.jpg"
        path.write_bytes(cv2.imencode(".jpg", np.full((180, 320, 3), 60 * shade, np.uint8))[1].tobytes())
        shades.append(path)
    for frame in range(FRAMES):
        os.link(shades[frame % 4], store.frame_path(frame))
    return clip


def ready_analysis(route):
    """The clip's analysis, ready: a flat motion curve with one 13-frame bump at 15,000."""
    curve = [0.05] * FRAMES
    for frame in range(15_000, 15_013):
        curve[frame] = 1.0
    route.fulfill(status=200, content_type="application/json", body=json.dumps({
        "status": "ready", "curve": curve, "unit": "px/frame", "reference": {"kind": "first"},
        "region": {"source": "frame", "box": [0, 0, 320, 180]}, "job": None, "progress": 1, "error": "",
    }))


def window(page) -> tuple[int, int]:
    timeline = page.locator("#timeline")
    return int(timeline.get_attribute("data-start")), int(timeline.get_attribute("data-span"))


def test_a_long_clip_zooms_pans_and_steps(transactional_db, page, login, long_clip, coder):
    login(page, "coder")
    page.route("**/analysis/", ready_analysis)
    page.goto(f"/clips/{long_clip.pk}/")
    stage, readout, timeline = page.locator("#stage"), page.locator("#readout"), page.locator("#timeline")
    expect(stage).to_have_attribute("data-frame", "0")
    expect(readout).to_have_text("frame 0 (SAMM-LV #1001) / 19999 · 0.000 s")
    expect(timeline).to_have_attribute("data-span", "1500")  # a long clip opens zoomed in
    expect(page.locator("#motion")).to_have_attribute("data-state", "ready")

    for frame in range(1, 6):
        page.keyboard.press("ArrowRight")
        expect(stage).to_have_attribute("data-frame", str(frame))

    page.keyboard.press("z")
    expect(timeline).to_have_attribute("data-span", "1000")
    box = timeline.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 100)  # wheel down zooms out around the pointer
    expect(timeline).to_have_attribute("data-span", "1500")
    page.keyboard.down("Shift")
    page.mouse.wheel(0, 200)  # Shift+wheel pans
    page.keyboard.up("Shift")
    expect(timeline).not_to_have_attribute("data-start", "0")
    start, span = window(page)
    page.keyboard.press(".")
    expect(timeline).to_have_attribute("data-start", str(start + span // 2))

    # A jump far away brings the window along; the event coded there shows in its lane and on the curve's plot.
    page.keyboard.press("g")
    page.keyboard.type("15000")
    page.keyboard.press("Enter")
    expect(stage).to_have_attribute("data-frame", "15000")
    start, span = window(page)
    assert start <= 15000 < start + span
    page.keyboard.press("o")
    for frame in range(15001, 15013):
        page.keyboard.press("ArrowRight")
        expect(stage).to_have_attribute("data-frame", str(frame))
    page.keyboard.press("f")
    expect(page.locator("#timeline .span")).to_have_count(1)
    expect(page.locator("#save-status")).to_have_text("saved")
    for _ in range(12):  # 1500 / 1.5 ** 11 < 20, the narrowest window
        page.keyboard.press("z")
    start, span = window(page)
    assert span == 20 and start <= 15012 < start + span
    expect(page.locator("#timeline .span")).to_have_count(1)
    assert int(page.locator("#ruler").get_attribute("data-step")) <= 5  # labels every few frames at this zoom
    assert int(page.locator("#motion-curve").get_attribute("data-window")) == 20

    # The minimap moves the window over the whole clip; the event is then out of view.
    minimap = page.locator("#minimap").bounding_box()
    page.mouse.click(minimap["x"] + minimap["width"] * 0.1, minimap["y"] + minimap["height"] / 2)
    start, span = window(page)
    assert abs(start + span / 2 - 2000) <= span
    expect(page.locator("#timeline .span")).to_have_count(0)
    for _ in range(18):  # 20 * 1.5 ** 17 > 20,000, the whole clip
        page.keyboard.press("Shift+z")
    expect(timeline).to_have_attribute("data-span", str(FRAMES))
    expect(page.locator("#timeline .span")).to_have_count(1)
    assert int(page.locator("#motion-curve").get_attribute("data-window")) == FRAMES
