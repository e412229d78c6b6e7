// The timeline's zoom: the frames [start, start + span) that the ruler, the lanes and the motion curve show, and the
// minimap of the whole clip with that window on it. Wheel zooms around the pointer (Shift+wheel pans), Z / Shift+Z
// zoom around the cursor, , and . pan, and the window follows the cursor when it steps out.
import { drawMotion } from "./analysis.js";
import { $, clip, config, state } from "./core.js";
import { renderTimeline } from "./timeline.js";

const frameCount = clip.frame_count;
const MIN_SPAN = Math.min(20, frameCount);
const LONG_CLIP = 3000; // longer clips open zoomed to OPEN_SPAN frames: a 13-frame event stays wider than a pixel
const OPEN_SPAN = 1500;
const ZOOM_STEP = 1.5;
const LABEL_GAP_PX = 64; // ruler labels at least this far apart
const NICE = [1, 2, 5];

export const zoom = { start: 0, span: frameCount > LONG_CLIP ? OPEN_SPAN : frameCount };

export const fractionOf = (frame) => (frame - zoom.start) / zoom.span;
export const percent = (frame) => `${fractionOf(frame) * 100}%`;
export const frameAt = (fraction) => Math.max(0, Math.min(frameCount - 1, Math.floor(zoom.start + fraction * zoom.span)));
export const visible = ({ onset, offset }) => offset >= zoom.start && onset < zoom.start + zoom.span;

function place(start, span) {
  span = Math.round(Math.max(MIN_SPAN, Math.min(frameCount, span)));
  start = Math.round(Math.max(0, Math.min(frameCount - span, start)));
  if (start === zoom.start && span === zoom.span) return false;
  Object.assign(zoom, { start, span });
  return true;
}

// Zoom by factor (>1 zooms out) keeping the frame under `anchor` (a fraction of the width) where it is.
export function zoomBy(factor, anchor = Math.max(0, Math.min(1, fractionOf(state.frame + 0.5)))) {
  const pinned = zoom.start + anchor * zoom.span;
  const span = zoom.span * factor;
  if (place(pinned - anchor * span, span)) renderZoom();
}

export function panBy(count) {
  if (place(zoom.start + count, zoom.span)) renderZoom();
}

// After a step or a jump: a cursor that left the window brings it along, a quarter in from the edge it crossed.
export function follow() {
  const frame = state.frame;
  if (frame >= zoom.start && frame < zoom.start + zoom.span) return false;
  const start = frame < zoom.start ? frame - 0.75 * zoom.span : frame - 0.25 * zoom.span;
  return place(start, zoom.span) && (renderZoom(), true);
}

export function renderZoom() {
  const timeline = $("#timeline");
  timeline.dataset.start = zoom.start;
  timeline.dataset.span = zoom.span;
  timeline.setAttribute("aria-label", `Timeline, frames ${zoom.start}–${zoom.start + zoom.span - 1} of ${frameCount}: ` +
    "click or drag to seek, wheel to zoom, Shift+wheel to pan");
  renderTimeline();
  drawMotion();
  drawRuler();
  drawMinimap();
  renderCursors();
}

export function renderCursors() {
  const inside = state.frame >= zoom.start && state.frame < zoom.start + zoom.span;
  for (const cursor of [$("#cursor"), $("#motion-cursor")]) {
    cursor.hidden = !inside;
    cursor.style.left = percent(state.frame + 0.5);
  }
  drawMinimap();
}

function sharpCanvas(plot) {
  const { clientWidth: width, clientHeight: height } = plot;
  if (!width || !height) return null;
  const ratio = devicePixelRatio || 1;
  // Resizing a canvas reallocates it even to the same size: the minimap is redrawn on every step.
  if (plot.width !== Math.round(width * ratio)) plot.width = Math.round(width * ratio);
  if (plot.height !== Math.round(height * ratio)) plot.height = Math.round(height * ratio);
  const g = plot.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  return { g, width, height };
}

// The smallest 1-2-5 step whose labels keep LABEL_GAP_PX apart.
function rulerStep(width) {
  for (let power = 1; ; power *= 10) {
    for (const nice of NICE) if ((nice * power * width) / zoom.span >= LABEL_GAP_PX) return nice * power;
  }
}

// Frame ids, and under them the dataset's own frame numbers where it numbers its frames differently.
function drawRuler() {
  const plot = $("#ruler");
  const area = sharpCanvas(plot);
  if (!area) return;
  const { g, width, height } = area;
  const step = rulerStep(width);
  const own = config.frameNumbers;
  plot.dataset.step = step;
  g.font = "11px ui-monospace, monospace";
  g.fillStyle = "#4a5568";
  g.textBaseline = "top";
  for (let frame = Math.ceil(zoom.start / step) * step; frame < zoom.start + zoom.span; frame += step) {
    const x = fractionOf(frame + 0.5) * width;
    g.fillRect(Math.round(x), height - 5, 1, 5);
    g.fillText(String(frame), x + 2, 1);
    if (own) {
      g.fillStyle = "#805ad5";
      g.fillText(`#${own[frame]}`, x + 2, 13);
      g.fillStyle = "#4a5568";
    }
  }
  if (step > 1) {
    const minor = step / (String(step)[0] === "2" ? 4 : 5);
    for (let frame = Math.ceil(zoom.start / minor) * minor; frame < zoom.start + zoom.span; frame += minor) {
      g.fillRect(Math.round(fractionOf(frame + 0.5) * width), height - 2, 1, 2);
    }
  }
}

// The whole clip: events, suggestions, the cursor and the zoom window.
function drawMinimap() {
  const area = sharpCanvas($("#minimap"));
  if (!area) return;
  const { g, width, height } = area;
  const x = (frame) => (frame / frameCount) * width;
  g.fillStyle = "rgba(128, 90, 213, .5)";
  for (const s of state.suggestions) g.fillRect(x(s.onset), 1, Math.max(1, x(s.offset + 1) - x(s.onset)), height / 2 - 1);
  g.fillStyle = "rgba(43, 108, 176, .8)";
  for (const e of state.events) {
    if (!e.deleted) g.fillRect(x(e.local.onset), height / 2, Math.max(1, x(e.local.offset + 1) - x(e.local.onset)), height / 2 - 1);
  }
  g.strokeStyle = "#2b6cb0";
  g.lineWidth = 1.5;
  g.strokeRect(x(zoom.start) + 0.75, 0.75, Math.max(3, x(zoom.start + zoom.span) - x(zoom.start)) - 1.5, height - 1.5);
  g.fillStyle = "#1a202c";
  g.fillRect(x(state.frame + 0.5) - 0.5, 0, 1, height);
}

// Wheel and minimap; the lanes' own pointer handlers seek through frameAt.
export function wireZoom() {
  const onWheel = (e) => {
    e.preventDefault();
    const box = e.currentTarget.getBoundingClientRect();
    const horizontal = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
    if (horizontal) return panBy(((e.shiftKey ? e.deltaY : e.deltaX) / box.width) * zoom.span);
    zoomBy(e.deltaY > 0 ? ZOOM_STEP : 1 / ZOOM_STEP, (e.clientX - box.left) / box.width);
  };
  for (const id of ["#ruler", "#timeline", "#motion", "#minimap"]) $(id).addEventListener("wheel", onWheel, { passive: false });
  const minimap = $("#minimap");
  const centre = (e) => {
    const box = minimap.getBoundingClientRect();
    const frame = ((e.clientX - box.left) / box.width) * frameCount;
    if (place(frame - zoom.span / 2, zoom.span)) renderZoom();
  };
  minimap.addEventListener("pointerdown", (e) => { minimap.setPointerCapture(e.pointerId); centre(e); });
  minimap.addEventListener("pointermove", (e) => { if (e.buttons) centre(e); });
  new ResizeObserver(() => { drawRuler(); drawMinimap(); }).observe($("#ruler"));
}
