"""Coder aids in the workspace: the clip's analysis starts on opening, its motion curve appears under the timeline,
and the flow colour and magnified views show the served images. The analysis job runs in this process."""

import json
import re

import pytest
from playwright.sync_api import expect

from annotator.models import Job
from annotator.services.events import event_create
from mlbackend import tasks
from mlbackend.services.analysis import AnalysisStore
from tests.browser.test_workspace import CANVAS_VS_FRAME

pytestmark = pytest.mark.browser

# Mean absolute difference between the canvas and the frame with the flow colour laid over its region, each pixel as
# opaque as it is bright (what the viewer promises), and between the canvas and the bare frame.
CANVAS_VS_FLOW = """async ([frameUrl, flowUrl, box]) => {
  const load = async (url) => createImageBitmap(await (await fetch(url)).blob());
  const [frame, flow] = [await load(frameUrl), await load(flowUrl)];
  const plain = new OffscreenCanvas(frame.width, frame.height).getContext("2d");
  plain.drawImage(frame, 0, 0);
  const colour = new OffscreenCanvas(flow.width, flow.height).getContext("2d");
  colour.drawImage(flow, 0, 0);
  const pixels = colour.getImageData(0, 0, flow.width, flow.height);
  for (let i = 0; i < pixels.data.length; i += 4) {
    pixels.data[i + 3] = Math.min(255, 1.6 * Math.max(pixels.data[i], pixels.data[i + 1], pixels.data[i + 2]));
  }
  colour.putImageData(pixels, 0, 0);
  const composed = new OffscreenCanvas(frame.width, frame.height).getContext("2d");
  composed.drawImage(frame, 0, 0);
  composed.drawImage(colour.canvas, box[0], box[1], box[2] - box[0], box[3] - box[1]);
  const canvas = document.getElementById("stage");
  const got = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const mean = (want) => (want.length !== got.length ? 255
    : want.reduce((sum, v, i) => sum + Math.abs(v - got[i]), 0) / want.length);
  const all = (context) => context.getImageData(0, 0, frame.width, frame.height).data;
  return [mean(all(composed)), mean(all(plain))];
}"""


def test_analysis_runs_and_the_curve_and_new_views_appear(transactional_db, page, login, ready_clip, coder):
    event_create(clip=ready_clip, coder=coder, onset=20, apex=30, offset=40)
    login(page, "coder")
    page.goto(f"/clips/{ready_clip.pk}/")
    stage, motion = page.locator("#stage"), page.locator("#motion")
    expect(stage).to_have_attribute("data-frame", "0")
    expect(motion).to_have_attribute("data-state", "queued")  # opening the clip started its analysis
    expect(page.locator("#motion-note")).to_have_text("Motion curve: the clip's analysis is queued.")
    expect(page.locator("#view option[value=flow]")).to_be_disabled()
    page.keyboard.press("c")
    expect(page.locator("#stage-note")).to_have_text("No flow view yet: the clip's analysis is queued.")

    page.reload()  # one job per clip, however often it is opened
    expect(motion).to_have_attribute("data-state", "queued")
    job = Job.objects.get(clip=ready_clip, kind="analyse")
    tasks.analyse(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error

    expect(motion).to_have_attribute("data-state", "ready", timeout=15_000)  # the page polls (WSGI: no WebSocket)
    expect(page.locator("#motion-curve")).to_have_attribute("data-points", "72")
    expect(page.locator("#motion-note")).to_have_text("")
    expect(page.locator("#motion-value")).to_have_text("0.00 px")
    analysis = json.loads(AnalysisStore(ready_clip.pk).result_path.read_text())
    assert analysis["reference"] == {"kind": "sliding", "frames": 8, "seconds": 0.25}  # 2.4 s: a long clip
    curve = analysis["curve"]
    peak = max(range(72), key=curve.__getitem__)

    # Clicking the curve seeks to the frame under the pointer, as on the timeline.
    box = page.locator("#motion-curve").bounding_box()
    page.mouse.click(box["x"] + (peak + 0.5) / 72 * box["width"], box["y"] + box["height"] / 2)
    expect(stage).to_have_attribute("data-frame", str(peak))
    expect(page.locator("#motion-value")).to_have_text(f"{curve[peak]:.2f} px")

    page.keyboard.press("c")
    expect(stage).to_have_attribute("data-view", "flow")
    expect(page.locator("#view")).to_have_value("flow")
    page.wait_for_function("() => !document.getElementById('stage-note').textContent")
    region = analysis["region"]
    assert region["source"] == "frame"  # ingested without alignment
    overlaid, plain = page.evaluate(CANVAS_VS_FLOW, [f"/api/clips/{ready_clip.pk}/frames/{peak}.jpg",
                                                     f"/api/clips/{ready_clip.pk}/flow/{peak}.jpg", region["box"]])
    assert overlaid < 1.0 and plain > overlaid + 0.5, (overlaid, plain)
    page.screenshot(path="/tmp/ws-motion-flow.png")

    page.keyboard.press("m")
    expect(stage).to_have_attribute("data-view", "magnified")
    page.wait_for_function("() => !document.getElementById('stage-note').textContent")
    assert page.evaluate(CANVAS_VS_FRAME, f"/api/clips/{ready_clip.pk}/magnified/{peak}.jpg") == 0
    page.keyboard.press("ArrowRight")
    expect(stage).to_have_attribute("data-frame", str(peak + 1))
    assert page.evaluate(CANVAS_VS_FRAME, f"/api/clips/{ready_clip.pk}/magnified/{peak + 1}.jpg") == 0
    page.screenshot(path="/tmp/ws-motion-magnified.png")
    page.keyboard.press("m")  # back to the view it came from
    expect(stage).to_have_attribute("data-view", "frame")

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_contain_text("magnified view on / off")
    expect(help_dialog).to_contain_text("flow colour over the face on / off")
    page.keyboard.press("Escape")

    page.reload()  # cached: ready at once, no second job
    expect(motion).to_have_attribute("data-state", "ready")
    assert Job.objects.filter(clip=ready_clip, kind="analyse").count() == 1
    expect(page.locator("#view option[value=magnified]")).to_be_enabled()


def test_viewers_see_the_state_without_starting_it(transactional_db, page, login, ready_clip, viewer):
    login(page, "viewer")
    page.goto(f"/clips/{ready_clip.pk}/")
    expect(page.locator("#motion")).to_have_attribute("data-state", "none")
    expect(page.locator("#motion-note")).to_contain_text("has not been analysed yet")
    assert not Job.objects.filter(kind="analyse").exists()
    assert re.search("magnified", page.locator("#view").inner_text())
