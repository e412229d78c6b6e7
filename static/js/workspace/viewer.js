// The viewer core: what the canvas shows (views, difference, flow over the picture), stepping and playback.
import { analysisText, renderMotionValue } from "./analysis.js";
import { $, canvas, clip, config, ctx, FLOW_OPACITY, last, RATES, scratch, state } from "./core.js";
import { layers, prefetch } from "./frames.js";
import { onFrameFailed, onPainted, waitingKeys } from "./keys.js";
import { renderTarget } from "./suggestions.js";
import { follow, renderCursors } from "./zoom.js";

export function draw() {
  const wanted = layers();
  const images = wanted.map(([cache, id]) => cache.get(id));
  const error = wanted.map(([cache, id]) => cache.errors.get(id) || (cache.failed.has(id) && `frame ${id} could not be loaded`)).find(Boolean);
  // Until the image arrives the previous picture stays up: during playback that is how frames get skipped.
  const keys = waitingKeys();
  note(error || (images.includes(undefined) ? `loading frame ${state.frame}…${keys && ` ${keys} will act on it`}` : ""));
  if (error) onFrameFailed(error);
  if (images.includes(undefined)) return;
  if (state.view === "diff") drawDifference(images[0], images[1]);
  else if (state.view === "flow") drawFlow(images[0], images[1]);
  else {
    size(images[0]);
    ctx.drawImage(images[0], 0, 0);
  }
  // What is shown is what is coded: the readout and the marking keys follow the frame on the canvas.
  state.shown = state.frame;
  Object.assign(canvas.dataset, { frame: state.frame, view: state.view, base: state.view === "diff" ? wanted[1][1] : "" });
  renderReadout();
  onPainted();
}

// <img> or ImageBitmap
const dimensions = (image) => ({ width: image.naturalWidth || image.width, height: image.naturalHeight || image.height });

export function size(image) {
  const { width, height } = dimensions(image);
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

// |current − onset| per pixel (summed over RGB), stretched so the largest difference maps to 255.
export function drawDifference(currentImage, baseImage) {
  size(currentImage);
  const { width, height } = canvas;
  scratch.canvas.width = width;
  scratch.canvas.height = height;
  scratch.drawImage(baseImage, 0, 0);
  const base = scratch.getImageData(0, 0, width, height).data;
  scratch.drawImage(currentImage, 0, 0);
  const out = scratch.getImageData(0, 0, width, height);
  const pixels = out.data;
  const diff = new Uint16Array(width * height);
  let max = 0;
  for (let p = 0, i = 0; p < diff.length; p++, i += 4) {
    const d = Math.abs(pixels[i] - base[i]) + Math.abs(pixels[i + 1] - base[i + 1]) + Math.abs(pixels[i + 2] - base[i + 2]);
    diff[p] = d;
    if (d > max) max = d;
  }
  const scale = max ? 255 / max : 0;
  for (let p = 0, i = 0; p < diff.length; p++, i += 4) {
    pixels[i] = pixels[i + 1] = pixels[i + 2] = diff[p] * scale;
    pixels[i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}

// The flow colour over the picture, each pixel as opaque as it is bright: where nothing moved the picture shows.
export function drawFlow(baseImage, flowImage) {
  size(baseImage);
  ctx.drawImage(baseImage, 0, 0);
  const { width, height } = dimensions(flowImage);
  scratch.canvas.width = width;
  scratch.canvas.height = height;
  scratch.drawImage(flowImage, 0, 0);
  const colour = scratch.getImageData(0, 0, width, height);
  const pixels = colour.data;
  const gain = state.flowGain; // Shift+C: brighter colour for the faintest movements
  for (let i = 0; i < pixels.length; i += 4) {
    if (gain !== 1) for (let c = i; c < i + 3; c++) pixels[c] = Math.min(255, pixels[c] * gain);
    pixels[i + 3] = Math.min(255, FLOW_OPACITY * Math.max(pixels[i], pixels[i + 1], pixels[i + 2]));
  }
  scratch.putImageData(colour, 0, 0);
  const [x0, y0, x1, y1] = state.analysis.region?.box || [0, 0, canvas.width, canvas.height];
  ctx.drawImage(scratch.canvas, x0, y0, x1 - x0, y1 - y0);
}

// Frame problems first; otherwise the latest short message (flash) shows in the same place.
export function note(text) {
  const line = $("#stage-note");
  line.textContent = text || state.flash;
  line.hidden = !line.textContent;
}

/* ---------- navigation and playback ---------- */

export function seek(frame, { fromPlayback = false } = {}) {
  if (!fromPlayback && state.playing) play(false);
  state.frame = Math.max(0, Math.min(last, Math.round(frame)));
  renderFrame();
  // Draw first: the frame is usually decoded already; moving the fetch window can wait for the next task.
  if (!prefetchQueued) {
    prefetchQueued = true;
    setTimeout(() => { prefetchQueued = false; prefetch(); });
  }
}

let prefetchQueued = false;

export let playStart = 0, playFrom = 0;

export function play(on = !state.playing) {
  state.playing = on;
  if (on) {
    if (state.frame >= last) state.frame = 0;
    restartClock();
    requestAnimationFrame(tick);
  }
  const button = $("#play");
  button.textContent = on ? "▮▮ pause" : "▶ play";
  button.setAttribute("aria-pressed", on);
}

export function restartClock() {
  playStart = performance.now();
  playFrom = state.frame;
}

// Position follows the wall clock, so a slow frame is skipped instead of delaying the ones after it.
export function tick(now) {
  if (!state.playing) return;
  const frame = Math.min(last, playFrom + Math.floor(((now - playStart) * clip.fps * state.rate) / 1000));
  if (frame !== state.frame) seek(frame, { fromPlayback: true });
  if (frame >= last) play(false);
  else requestAnimationFrame(tick);
}

export function setRate(rate) {
  state.rate = rate;
  $("#rate").value = String(rate);
  restartClock();
}

export function changeRate(step) {
  const index = RATES.indexOf(state.rate) - step; // RATES runs fastest to slowest
  setRate(RATES[Math.max(0, Math.min(RATES.length - 1, index))]);
}

export const ANALYSED_VIEWS = ["flow", "magnified"];

export function setView(view) {
  if (view === "face" && clip.face_status !== "ready") return flash(`No face view: ${$("#face-reason").textContent}.`);
  if (ANALYSED_VIEWS.includes(view) && state.analysis.status !== "ready") return flash(`No ${view} view yet: ${analysisText()}`);
  if (!ANALYSED_VIEWS.includes(view)) state.plainView = view;
  state.view = view;
  $("#view").value = view;
  prefetch();
  draw();
}

export function cycleView() {
  const views = ["frame", ...(clip.face_status === "ready" ? ["face"] : []), "diff",
    ...(state.analysis.status === "ready" ? ANALYSED_VIEWS : [])];
  setView(views[(views.indexOf(state.view) + 1) % views.length]);
}

const FLOW_GAINS = [1, 2, 4, 8];

export function cycleFlowGain() {
  state.flowGain = FLOW_GAINS[(FLOW_GAINS.indexOf(state.flowGain) + 1) % FLOW_GAINS.length];
  flash(`Flow colour gain ×${state.flowGain}${state.view === "flow" ? "" : " (shown in the flow view, C)"}`);
  canvas.dataset.gain = state.flowGain;
  draw();
}

// M and C: into the magnified or flow view, and back to the view you came from.
export const toggleView = (view) => setView(state.view === view ? state.plainView : view);

// The readout names the frame on the canvas, never one still loading (the note under the picture says that).
const readoutText = (frame) => {
  const seconds = (frame / clip.fps).toFixed(3);
  // A clip imported from a dataset also shows the dataset's own number of the frame (img58 -> 58).
  const own = config.frameNumbers ? ` (${clip.dataset || "dataset"} #${config.frameNumbers[frame]})` : "";
  return `frame ${frame}${own} / ${last} · ${seconds} s`;
};

function renderReadout() {
  $("#readout").textContent = state.shown === null ? "" : readoutText(state.shown);
}

// Monospace, as wide as its longest text: the last frame has the most digits (dataset numbers may not rise).
export function sizeReadout() {
  const numbers = config.frameNumbers || [];
  const widest = numbers.reduce((best, n, frame) => (String(n).length > String(numbers[best]).length ? frame : best), 0);
  const length = Math.max(readoutText(last).length, readoutText(widest).length + String(last).length);
  $("#readout").style.width = `${length}ch`;
}

export function renderFrame() {
  if (!follow()) renderCursors();
  $("#timeline").setAttribute("aria-valuenow", state.frame);
  $("#timeline").setAttribute("aria-valuetext", `frame ${state.frame}`);
  renderMotionValue();
  renderTarget();
  draw();
}

export let flashTimer = null;
export function flash(text) {
  state.flash = text;
  note("");
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { state.flash = ""; draw(); }, 2500);
}
