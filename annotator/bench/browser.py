"""The workspace in Debian's Chromium, timed from the key to the draw and to the paint.

A probe put into the page listens for arrow keys (capture phase, so before the workspace) and watches the canvas's
data-frame attribute, which the viewer sets right after drawing a frame. Key-to-draw: the key event's timestamp to
that mutation. Key-to-paint: to a message posted from the next animation frame callback, which runs after that
frame's rendering, i.e. once the new pixels are painted. A press is painted "within one refresh" when that
animation frame is the first to start after the key (its timestamp at most one refresh interval after it).
"""

import random

from annotator.bench.stats import percentile

PROBE = """() => {
  const canvas = document.getElementById("stage");
  const bench = (window.__bench = { keys: [], samples: [], refresh: [] });
  addEventListener("keydown", (e) => e.key.startsWith("Arrow") && bench.keys.push(e.timeStamp), true);
  new MutationObserver(() => {
    const drawn = performance.now();
    const keys = bench.keys.splice(0);
    if (!keys.length) return;
    requestAnimationFrame((frameTime) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const painted = performance.now();
        for (const key of keys) bench.samples.push({ draw: drawn - key, paint: painted - key, frame: frameTime - key });
      };
      channel.port2.postMessage(0);
    });
  }).observe(canvas, { attributes: true, attributeFilter: ["data-frame"] });
  let previous = null;
  const tick = (now) => {
    if (previous !== null && bench.refresh.length < 120) bench.refresh.push(now - previous);
    previous = now;
    if (bench.refresh.length < 120) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

TAKE = "() => { const s = window.__bench.samples.splice(0); window.__bench.keys.length = 0; return s; }"


def _frame_is(page, frame: int) -> None:
    page.wait_for_function(f"document.getElementById('stage').dataset.frame === '{frame}'")


def _painted(page, count: int) -> None:
    page.wait_for_function(f"window.__bench.samples.length >= {count}")


def paced(page, steps: int, gap_ms: int) -> list[dict]:
    """One step, wait until painted and a little more, again: a coder stepping through by eye."""
    page.keyboard.press("Home")
    _frame_is(page, 0)
    page.wait_for_timeout(500)  # the window around frame 0 loads and decodes
    page.evaluate(TAKE)
    for i in range(steps):
        page.keyboard.press("ArrowRight")
        _painted(page, i + 1)
        page.wait_for_timeout(gap_ms)
    return page.evaluate(TAKE)


def back_to_back(page, steps: int, start: int) -> list[dict]:
    """Key presses as fast as the driver sends them (an auto-repeating arrow key)."""
    page.keyboard.press("g")
    page.keyboard.type(str(start))
    page.keyboard.press("Enter")
    _frame_is(page, start)
    page.wait_for_timeout(500)
    page.evaluate(TAKE)
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    _frame_is(page, start + steps)
    page.wait_for_timeout(100)
    return page.evaluate(TAKE)


def after_jumps(page, frame_count: int, jumps: int, steps: int, gap_ms: int, seed: int = 0) -> list[dict]:
    """G <frame> Enter to a random frame, and as soon as it shows, a few paced steps: the steps are timed."""
    rng = random.Random(seed)
    samples = []
    for _ in range(jumps):
        target = rng.randrange(0, frame_count - steps - 1)
        page.keyboard.press("g")
        page.keyboard.type(str(target))
        page.keyboard.press("Enter")
        _frame_is(page, target)
        page.evaluate(TAKE)  # the typed digits and Enter are not arrow keys: nothing of the jump itself is timed
        for i in range(steps):
            page.keyboard.press("ArrowRight")
            _painted(page, i + 1)
            page.wait_for_timeout(gap_ms)
        samples += page.evaluate(TAKE)
    return samples


def describe(samples: list[dict], refresh_ms: float) -> dict:
    draws = [s["draw"] for s in samples]
    paints = [s["paint"] for s in samples]
    within = sum(s["frame"] <= refresh_ms * 1.05 for s in samples) / len(samples) if samples else 0.0
    return {"n": len(samples), "draw_p50": percentile(draws, 50), "draw_p95": percentile(draws, 95),
            "paint_p50": percentile(paints, 50), "paint_p95": percentile(paints, 95), "within": within}
