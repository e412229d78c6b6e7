"""Ctrl+Z / Ctrl+Shift+Z undo and redo the coder's changes, each saved as a new version through the events API."""

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent
from tests.browser.test_workspace import clip, open_workspace  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def saved(page):
    expect(page.locator("#save-status")).to_have_text("saved")


def event_state(clip):
    return list(CodingEvent.objects.filter(clip=clip).values_list("onset", "offset", "emotion", "version"))


def test_undo_and_redo_save_new_versions(transactional_db, page, login, clip, coder):  # noqa: F811
    login(page, "coder")
    open_workspace(page, clip)
    stage = page.locator("#stage")
    page.keyboard.press("Shift+ArrowRight")
    expect(stage).to_have_attribute("data-frame", "10")
    page.keyboard.press("o")
    saved(page)
    page.keyboard.press("Shift+ArrowRight")
    expect(stage).to_have_attribute("data-frame", "20")
    page.keyboard.press("f")
    saved(page)
    page.keyboard.press("e")
    page.keyboard.press("1")
    saved(page)
    [(onset, offset, emotion, version)] = event_state(clip)
    assert (onset, offset, emotion) == (10, 20, "happiness")

    page.keyboard.press("Control+z")  # the emotion
    saved(page)
    assert event_state(clip) == [(10, 20, "", version + 1)]
    page.keyboard.press("Control+z")  # the offset
    saved(page)
    assert event_state(clip) == [(10, 10, "", version + 2)]
    page.keyboard.press("Control+Shift+z")
    saved(page)
    assert event_state(clip) == [(10, 20, "", version + 3)]
    expect(page.get_by_label("Offset")).to_have_value("20")

    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")  # the event's creation: it is deleted
    saved(page)
    assert event_state(clip) == []
    expect(page.locator("#timeline .span")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")  # back, as a new event
    saved(page)
    assert [row[:3] for row in event_state(clip)] == [(10, 10, "")]
    page.keyboard.press("Control+Shift+z")  # and the redo after it applies to the new event
    saved(page)
    assert [row[:3] for row in event_state(clip)] == [(10, 20, "")]
    page.keyboard.press("Control+Shift+z")  # the emotion, last undone first
    saved(page)
    assert [row[:3] for row in event_state(clip)] == [(10, 20, "happiness")]
    page.keyboard.press("Control+Shift+z")
    expect(page.locator("#stage-note")).to_have_text("Nothing to redo.")
