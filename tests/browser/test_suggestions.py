"""Suggestions in the coding workspace: ghost markers, taking one into an event (through a conflict) or as a new event.

The predictions are written straight into the database; tests/browser/test_ml_flow.py makes them through real jobs.
"""

import re

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent
from annotator.services.events import event_create, event_update
from mlbackend.models import ModelVersion, Prediction, PredictionAcceptance

pytestmark = pytest.mark.browser


@pytest.fixture
def suggestions(ready_clip, lead):
    version = ModelVersion.objects.create(
        project=ready_clip.project, plugin="dummy", plugin_version="1.0", version="dummy-1.0+0123456789",
        checkpoint="models/none.pt", labels=["happiness", "surprise"], active=True, created_by=lead)
    return [
        Prediction.objects.create(clip=ready_clip, model_version=version, onset=10, apex=14, offset=20, score=0.9,
                                  emotion_probs={"happiness": 0.7, "surprise": 0.3},
                                  au_probs={"12": 0.8, "6": 0.55, "4": 0.2}),
        Prediction.objects.create(clip=ready_clip, model_version=version, onset=40, apex=45, offset=50, score=0.6,
                                  emotion_probs={"happiness": 0.4, "surprise": 0.6}, au_probs={"1": 0.9, "2": 0.7}),
    ]


def test_take_suggestions_into_an_event_and_as_a_new_one(transactional_db, page, login, ready_clip, coder, suggestions):
    mine = event_create(clip=ready_clip, coder=coder, onset=8, apex=12, offset=22,
                        aus=[{"number": 12, "side": "R", "intensity": "C"}])
    first, second = suggestions
    login(page, "coder")
    page.goto(f"/clips/{ready_clip.pk}/")
    expect(page.locator("#suggestions")).to_have_attribute("data-state", "ready")
    expect(page.locator("#timeline .ghost")).to_have_count(2)
    expect(page.locator("#suggestion-count")).to_have_text("2 open of 2")
    expect(page.locator("#suggestion-list")).to_contain_text("10–20 (apex 14) happiness 70% · AU6 55% · AU12 80%")
    expect(page.locator("#event-suggestion")).to_contain_text(
        "Suggested (dummy, 10–20): happiness 70% · AU6 55% · AU12 80%")
    # The cursor (frame 0) is outside the event: Y takes the nearest suggestion, which overlaps the selected event.
    action = page.locator("#suggestion-action")
    expect(action).to_have_text(f"Y takes happiness + AU6 + AU12 into #{mine.pk}")
    expect(page.locator(f'#timeline .ghost[data-prediction="{first.pk}"]')).to_have_class(re.compile(r"\btarget\b"))

    event_update(event_id=mine.pk, user=coder, version=1, changes={"notes": "changed in another tab"})
    page.keyboard.press("y")
    conflict = page.get_by_role("alertdialog", name="Saved elsewhere meanwhile")
    expect(conflict).to_be_visible()
    expect(page.locator("#stage-note")).to_contain_text("Not taken: the event changed elsewhere")
    assert not PredictionAcceptance.objects.exists()
    conflict.get_by_role("button", name="Take theirs").click()
    expect(conflict).to_be_hidden()

    page.keyboard.press("y")
    expect(page.locator("#save-status")).to_have_text("saved")
    editor = page.locator("#editor")
    expect(editor.get_by_label("Emotion")).to_have_value("happiness")
    # The coder's R12C keeps its side and intensity; AU6 is added.
    expect(editor.locator("#aus .chip strong")).to_have_text(["6", "R12C"])
    expect(page.locator("#event-suggestion")).to_contain_text("✓ taken")
    mine.refresh_from_db()
    assert (mine.emotion, mine.notes, mine.coder) == ("happiness", "changed in another tab", coder)
    assert mine.aus == [{"number": 6, "side": "both", "intensity": None}, {"number": 12, "side": "R", "intensity": "C"}]
    acceptance = PredictionAcceptance.objects.get()
    assert (acceptance.prediction, acceptance.event, acceptance.accepted_by, acceptance.fields) == (
        first, mine, coder, ["aus", "emotion"])

    page.keyboard.press("Shift+y")  # to the first suggestion after the cursor, then the next one
    expect(page.locator("#stage")).to_have_attribute("data-frame", "10")
    page.keyboard.press("Shift+y")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "40")
    expect(action).to_have_text("Y takes a new event 40–50 (apex 45): surprise + AU1 + AU2")
    page.keyboard.press("y")
    expect(page.locator("#editor-title")).to_have_text(re.compile(r"Event #\d+ · version 1"))
    expect(editor.get_by_label("Emotion")).to_have_value("surprise")
    expect(page.locator("#event-list li")).to_have_count(2)
    expect(page.locator("#timeline .ghost.accepted")).to_have_count(2)
    expect(action).to_have_text("Every suggestion is taken.")
    created = CodingEvent.objects.exclude(pk=mine.pk).get()
    assert (created.coder, created.onset, created.apex, created.offset) == (coder, 40, 45, 50)
    assert (created.emotion, created.status) == ("surprise", "draft")
    assert [au["number"] for au in created.aus] == [1, 2]
    assert PredictionAcceptance.objects.get(prediction=second).event == created

    page.keyboard.press("y")
    expect(page.locator("#stage-note")).to_have_text("Every suggestion on this clip is taken.")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("go to the next suggestion")


def test_viewers_see_suggestions_but_cannot_take_them(transactional_db, page, login, ready_clip, viewer, suggestions):
    login(page, "viewer")
    page.goto(f"/clips/{ready_clip.pk}/")
    expect(page.locator("#timeline .ghost")).to_have_count(2)
    page.locator("#suggestion-list button", has_text="40–50").click()  # picks it and goes to its onset
    expect(page.locator("#stage")).to_have_attribute("data-frame", "40")
    expect(page.locator(f'#timeline .ghost[data-prediction="{suggestions[1].pk}"]')).to_have_class(
        re.compile(r"\btarget\b"))
    page.keyboard.press("y")
    expect(page.locator("#stage-note")).to_have_text("Read-only: your role does not allow coding.")
    assert not CodingEvent.objects.exists()
