"""The coding workspace in a real Chromium: keyboard stepping, coding, autosave, reload, and a two-tab conflict."""

import pytest
from playwright.sync_api import expect

from annotator.models import CodingEvent
from annotator.services.events import event_create

pytestmark = pytest.mark.browser

# Mean absolute difference between the canvas and the server's JPEG for a frame, decoded the same way.
CANVAS_VS_FRAME = """async (url) => {
  const canvas = document.getElementById("stage");
  const bitmap = await createImageBitmap(await (await fetch(url)).blob());
  const probe = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d");
  probe.drawImage(bitmap, 0, 0);
  const want = probe.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const got = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  if (want.length !== got.length) return 255;
  let total = 0;
  for (let i = 0; i < want.length; i++) total += Math.abs(want[i] - got[i]);
  return total / want.length;
}"""


@pytest.fixture
def clip(import_clip, sample_dir):
    clip = import_clip(sample_dir / "single_face.mp4")
    assert clip.status == clip.Status.READY and clip.frame_count == 72
    return clip


def open_workspace(page, clip):
    page.goto(f"/clips/{clip.pk}/")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")


def step(page, key: str, frame: int, seconds: str) -> None:
    page.keyboard.press(key)
    expect(page.locator("#readout")).to_have_text(f"frame {frame} / 71 · {seconds} s")
    expect(page.locator("#stage")).to_have_attribute("data-frame", str(frame))


def test_the_viewer_asks_for_frames_of_the_clips_ingest_generation(transactional_db, page, login, clip, coder):
    login(page, "coder")
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "/frames/" in request.url else None)
    open_workspace(page, clip)
    assert asked and all(url.endswith(f"?g={clip.ingest_generation}") for url in asked), asked[:3]


def test_code_an_event_with_the_keyboard(transactional_db, page, login, clip, coder):
    login(page, "coder")
    open_workspace(page, clip)
    status = page.locator("#save-status")
    expect(page.locator("#view option[value=face]")).to_be_disabled()  # ingested without alignment

    step(page, "ArrowRight", 1, "0.033")
    step(page, "Shift+ArrowRight", 11, "0.367")
    assert page.evaluate(CANVAS_VS_FRAME, f"/api/clips/{clip.pk}/frames/11.jpg") == 0
    step(page, "End", 71, "2.367")
    step(page, "Home", 0, "0.000")

    step(page, "Shift+ArrowRight", 10, "0.333")
    page.keyboard.press("o")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    step(page, "a", 15, "0.500")
    step(page, "Shift+ArrowRight", 25, "0.833")
    page.keyboard.press("f")
    page.keyboard.type("r12c")
    expect(page.locator("#entry")).to_contain_text("Lip corner puller")
    page.keyboard.press("Enter")
    page.keyboard.press("e")
    page.keyboard.press("1")
    expect(status).to_have_text("saved")

    event = CodingEvent.objects.get(clip=clip)
    assert (event.coder, event.onset, event.apex, event.offset) == (coder, 10, 15, 25)
    assert event.aus == [{"number": 12, "side": "R", "intensity": "C"}]
    assert (event.emotion, event.kind, event.status) == ("happiness", "micro", "draft")

    page.keyboard.press("v")  # no aligned faces for this clip, so V goes straight to the difference view
    expect(page.locator("#stage")).to_have_attribute("data-view", "diff")
    expect(page.locator("#stage")).to_have_attribute("data-base", "10")

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Shift+O / A / F")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.reload()
    expect(page.locator("#stage")).to_have_attribute("data-frame", "0")
    expect(page.locator("#event-list")).to_contain_text(f"#{event.pk} micro 10–25 (apex 15) · happiness · R12C · draft")
    editor = page.locator("#editor")
    expect(editor.get_by_label("Onset")).to_have_value("10")
    expect(editor.get_by_label("Apex")).to_have_value("15")
    expect(editor.get_by_label("Offset")).to_have_value("25")
    expect(editor.get_by_label("Emotion")).to_have_value("happiness")
    expect(editor.get_by_label("AU12 side")).to_have_value("R")
    expect(editor.get_by_label("AU12 intensity")).to_have_value("C")
    expect(page.locator("#timeline .span")).to_have_count(1)

    page.keyboard.press("Shift+a")  # go to the apex, then play at 1/10x until the picture moves on
    expect(page.locator("#stage")).to_have_attribute("data-frame", "15")
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#stage")).not_to_have_attribute("data-frame", "15")
    page.keyboard.press(" ")
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    page.screenshot(path="/tmp/ws.png")


def test_aligned_face_view(transactional_db, page, login, import_clip, sample_dir):
    clip = import_clip(sample_dir / "single_face.mp4", align=True)
    assert clip.face_status == clip.FaceStatus.READY
    login(page, "coder")
    open_workspace(page, clip)
    step(page, "Shift+ArrowRight", 10, "0.333")
    page.keyboard.press("v")
    expect(page.locator("#stage")).to_have_attribute("data-view", "face")
    expect(page.locator("#stage")).to_have_attribute("data-frame", "10")
    assert page.evaluate(CANVAS_VS_FRAME, f"/api/clips/{clip.pk}/faces/10.jpg") == 0


def test_stale_edit_shows_both_versions(transactional_db, context, login, clip, coder):
    event = event_create(clip=clip, coder=coder, onset=5, apex=8, offset=20, aus=[{"number": 12}], emotion="happiness")
    first, second = context.new_page(), context.new_page()
    login(first, "coder")
    for page in (first, second):
        open_workspace(page, clip)
        expect(page.locator("#editor-title")).to_have_text(f"Event #{event.pk} · version 1")

    first.keyboard.press("k")
    expect(first.locator("#save-status")).to_have_text("saved")
    expect(first.locator("#editor-title")).to_have_text(f"Event #{event.pk} · version 2")

    second.keyboard.press("s")
    conflict = second.get_by_role("alertdialog", name="Saved elsewhere meanwhile")
    expect(conflict).to_be_visible()
    expect(second.locator("#save-status")).to_have_text("conflict: choose a version")
    expect(conflict.locator("tr[data-field=kind] td")).to_have_text(["micro", "macro"])
    expect(conflict.locator("tr[data-field=status] td")).to_have_text(["submitted", "draft"])
    expect(conflict.locator("tr[data-field=status] th")).to_have_text("status ✎")
    assert CodingEvent.objects.get(pk=event.pk).status == "draft"  # nothing was overwritten

    second.get_by_role("button", name="Keep mine").click()
    expect(conflict).to_be_hidden()
    expect(second.locator("#save-status")).to_have_text("saved")
    event.refresh_from_db()
    # Keep mine re-sends only this tab's edit: the other tab's kind change survives.
    assert (event.version, event.kind, event.status) == (3, "macro", "submitted")

    dialogs = []
    second.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    second.keyboard.press("k")
    second.reload()
    assert dialogs == ["beforeunload"]
