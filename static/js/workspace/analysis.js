// The clip's analysis: the motion curve under the timeline; flow colour and magnified frames follow it.
import { api, describe } from "./api.js";
import { sortedEvents } from "./coding.js";
import { $, ANALYSIS_POLL_MS, config, state, urls } from "./core.js";
import { prefetch } from "./frames.js";
import { ANALYSED_VIEWS, draw } from "./viewer.js";
import { fractionOf, visible, zoom } from "./zoom.js";

export const ACTIVE_JOB = new Set(["queued", "running"]);
export let analysisTimer = null, analysisSocket = null, socketsWork = true;

export function analysisText() {
  const { status, progress, error } = state.analysis;
  if (status === "queued") return "the clip's analysis is queued.";
  if (status === "running") return `analysing the clip… ${Math.round(progress * 100)}%`;
  if (status === "failed") return `the clip's analysis failed: ${error}`;
  if (status === "none") return "the clip has not been analysed yet (opening it as a coder starts that).";
  if (status === "loading") return "loading the clip's analysis…";
  return status === "ready" ? "" : `the analysis could not be loaded: ${error}`;
}

// Opening a ready clip as a coder starts its analysis (POST is idempotent: one job per clip), then follows the job.
export async function loadAnalysis({ start = false } = {}) {
  clearTimeout(analysisTimer);
  let response;
  try {
    response = await api(start ? "POST" : "GET", urls.analysis);
  } catch (error) {
    response = { status: 0, data: { detail: `network: ${error.message}` } };
  }
  const { status, data } = response;
  state.analysis = status === 200 || status === 202 ? data : { status: "error", error: describe(data) || `HTTP ${status}` };
  const { status: now, job } = state.analysis;
  if (now === "none" && config.canCode && !start) return loadAnalysis({ start: true });
  if (ACTIVE_JOB.has(now)) followAnalysis(job);
  if (now === "ready") {
    prefetch();
    draw();
  }
  renderAnalysis();
}

// The job's WebSocket (jobs.js does the same); a server without one (plain WSGI) is asked every few seconds instead.
export function followAnalysis(jobId) {
  if (!socketsWork) return (analysisTimer = setTimeout(loadAnalysis, ANALYSIS_POLL_MS));
  if (analysisSocket?.jobId === jobId) return;
  analysisSocket?.close();
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/jobs/${jobId}/`);
  Object.assign(socket, { jobId, heard: false });
  analysisSocket = socket;
  socket.addEventListener("message", (message) => {
    socket.heard = true;
    const update = JSON.parse(message.data);
    if (ACTIVE_JOB.has(update.status)) {
      Object.assign(state.analysis, { status: update.status, progress: update.progress });
      return renderAnalysis();
    }
    analysisSocket = null;
    socket.close();
    loadAnalysis();
  });
  socket.addEventListener("close", () => {
    if (analysisSocket !== socket) return;
    analysisSocket = null;
    socketsWork = socket.heard;
    analysisTimer = setTimeout(loadAnalysis, ANALYSIS_POLL_MS);
  });
}

export function renderAnalysis() {
  const { status, reference, curve, unit } = state.analysis;
  const strip = $("#motion");
  strip.dataset.state = ["loading", "none", "queued", "running", "ready", "failed"].includes(status) ? status : "error";
  $("#motion-note").textContent = status === "ready" ? "" : `Motion curve: ${analysisText()}`;
  $("#analyse").hidden = !(status === "failed" && config.canCode);
  for (const view of ANALYSED_VIEWS) {
    const option = $(`#view option[value=${view}]`);
    option.disabled = status !== "ready";
    option.title = status === "ready" ? option.dataset.title : analysisText();
  }
  if (status === "ready") {
    const against = reference.kind === "first" ? "the first frame" : `the frame ${reference.frames} frames (${reference.seconds} s) earlier`;
    strip.title = `Motion of each frame against ${against}: mean flow over the quarter of the face that moved most, ` +
      `peak ${Math.max(...curve).toFixed(2)} ${unit} (128 px face). Click or drag to seek.`;
  } else strip.title = `Motion curve: ${analysisText()}`;
  renderMotionValue();
  drawMotion();
}

export function renderMotionValue() {
  const { status, curve, unit } = state.analysis;
  $("#motion-value").textContent = status === "ready" ? `${curve[state.frame]?.toFixed(2) ?? "–"} ${unit}` : "";
}

// The curve over the zoom window, scaled to the window's peak, over the coder's events (bands; the selected one
// darker; apex lines), frames mapping to x exactly as on the timeline above. A window wider than the plot in frames
// draws each pixel column's highest value, so a short peak in a long clip still shows.
export function drawMotion() {
  const plot = $("#motion-curve");
  const { clientWidth: width, clientHeight: height } = plot;
  if (!width || !height) return;
  const ratio = devicePixelRatio || 1;
  plot.width = Math.round(width * ratio);
  plot.height = Math.round(height * ratio);
  const g = plot.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const x = (frame) => fractionOf(frame) * width;
  for (const event of sortedEvents().filter((e) => visible(e.local))) {
    const { onset, apex, offset } = event.local;
    g.fillStyle = event.key === state.selected ? "rgba(43, 108, 176, .3)" : "rgba(43, 108, 176, .14)";
    g.fillRect(x(onset), 0, x(offset + 1) - x(onset), height);
    if (apex !== null) {
      g.fillStyle = "rgba(43, 108, 176, .8)";
      g.fillRect(x(apex + 0.5) - 0.5, 0, 1, height);
    }
  }
  const { status, curve } = state.analysis;
  plot.dataset.points = status === "ready" ? curve.length : 0;
  if (status !== "ready" || !curve.length) return;
  const points = windowPoints(curve, width);
  plot.dataset.window = Math.min(curve.length, zoom.start + zoom.span) - zoom.start;
  const peak = points.reduce((top, [, value]) => Math.max(top, value), 0) || 1;
  const y = (value) => height - 1.5 - (value / peak) * (height - 4);
  g.beginPath();
  points.forEach(([frame, value], i) => (i ? g.lineTo(x(frame + 0.5), y(value)) : g.moveTo(x(frame + 0.5), y(value))));
  g.strokeStyle = "#c05621";
  g.lineWidth = 1.5;
  g.stroke();
  g.lineTo(x(points.at(-1)[0] + 0.5), height);
  g.lineTo(x(points[0][0] + 0.5), height);
  g.fillStyle = "rgba(221, 107, 32, .2)";
  g.fill();
}

// [frame, value] pairs in the window: every frame, or the highest of each pixel column's frames.
function windowPoints(curve, width) {
  const end = Math.min(curve.length, zoom.start + zoom.span);
  const perPixel = Math.max(1, Math.floor(zoom.span / width));
  const points = [];
  for (let frame = zoom.start; frame < end; frame += perPixel) {
    let top = frame;
    for (let f = frame + 1; f < Math.min(end, frame + perPixel); f++) if (curve[f] > curve[top]) top = f;
    points.push([top, curve[top]]);
  }
  return points.length ? points : [[0, 0]];
}
