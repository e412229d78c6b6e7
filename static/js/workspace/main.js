// Coding workspace: a frame-exact viewer (frames addressed by id, never by time), a timeline and an
// event editor that autosaves through the versioned events API. Each part lives in its own module.
import { loadAnalysis } from "./analysis.js";
import { applyAu, current, edit, isDirty, normaliseAus, removeEvent, resolveConflict, select, setMarker, sortedEvents, track } from "./coding.js";
import { $, clip, config, editor, element, help, last, state } from "./core.js";
import { prefetch } from "./frames.js";
import { watchClip } from "./presence.js";
import { KEYS, onEvent, onKeyDown, press, submitClip, toggleHelp } from "./keys.js";
import { renderConflict, renderEditor, renderList, renderStatus } from "./panel.js";
import { proposeInterval } from "./proposals.js";
import { loadSuggestions, renderSuggestions, renderTarget } from "./suggestions.js";
import { addReviewLanes, nextClip } from "./review.js";
import { addDefaultLanes } from "./timeline.js";
import { flash, note, play, renderFrame, seek, setRate, setView, sizeReadout } from "./viewer.js";
import { frameAt, renderZoom, wireZoom } from "./zoom.js";

export function render() {
  renderFrame();
  renderZoom();
  renderList();
  renderEditor();
  renderConflict();
  renderSuggestions();
  renderTarget();
  renderStatus();
}

/* ---------- wiring ---------- */

export function setup() {
  if (clip.status !== "ready") {
    $(".ws").inert = true;
    return note(`This clip is ${clip.status}: its frames can be coded once ingest has finished.`);
  }
  state.events = config.events.map((event) => track(event));
  state.selected = sortedEvents()[0]?.key ?? null;

  $("#help-keys").append(...KEYS.flatMap(([, keys, does]) =>
    [element("dt", {}, element("kbd", { textContent: keys })), element("dd", { textContent: does })]));
  editor.elements.emotion.append(...config.emotions.map((label, i) =>
    element("option", { value: label, textContent: i < 9 ? `${i + 1} · ${label}` : label })));
  $("#au-options").append(...config.aus.map(({ number, name }) => element("option", { value: `${number} ${name}` })));
  $("#goto").max = last;

  if (clip.face_status !== "ready") {
    const face = $("#view option[value=face]");
    face.disabled = true; // the reason is shown in the bar above
    face.title = $("#face-reason").textContent;
  }
  addDefaultLanes();
  addReviewLanes();
  sizeReadout();
  wireZoom();
  if (!config.canCode) $("#new-event").hidden = true;

  document.addEventListener("keydown", onKeyDown);
  // Space is play/pause even when a button has focus (buttons would otherwise click on keyup).
  document.addEventListener("keyup", (e) => { if (e.key === " " && e.target.closest("button")) e.preventDefault(); });

  document.querySelectorAll("[data-step]").forEach((button) => button.addEventListener("click", () => {
    const step = button.dataset.step;
    seek(step === "home" ? 0 : step === "end" ? last : state.frame + Number(step));
  }));
  $("#play").addEventListener("click", () => play());
  $("#rate").addEventListener("change", (e) => setRate(Number(e.target.value)));
  $("#view").addEventListener("change", (e) => setView(e.target.value));
  $("#goto").addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.target.value === "") return;
    seek(Number(e.target.value));
    e.target.value = "";
    e.target.blur();
  });
  // A changed select hands the keys back to the shortcuts.
  document.addEventListener("change", (e) => { if (e.target.matches("select")) e.target.blur(); });

  const timeline = $("#timeline");
  const seekTo = (e) => {
    const box = timeline.getBoundingClientRect();
    seek(frameAt((e.clientX - box.left) / box.width));
  };
  const motion = $("#motion");
  motion.addEventListener("pointerdown", (e) => {
    if (e.target.closest("button")) return;
    motion.setPointerCapture(e.pointerId);
    seekTo(e);
  });
  motion.addEventListener("pointermove", (e) => { if (e.buttons) seekTo(e); });
  $("#analyse").addEventListener("click", () => loadAnalysis({ start: true }));
  new ResizeObserver(renderZoom).observe($("#motion-curve"));
  timeline.addEventListener("pointerdown", (e) => {
    timeline.setPointerCapture(e.pointerId);
    const span = e.target.closest(".span");
    if (span) select(state.events.find((event) => event.key === Number(span.dataset.key)));
    const ghost = e.target.closest(".ghost");
    if (ghost) state.pinned = Number(ghost.dataset.prediction);
    seekTo(e);
  });
  timeline.addEventListener("pointermove", (e) => { if (e.buttons) seekTo(e); });

  $("#event-list").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-key]");
    if (!button) return;
    const event = state.events.find((other) => other.key === Number(button.dataset.key));
    select(event);
    seek(event.local.onset);
  });
  $("#new-event").addEventListener("click", () => press("N"));
  $("#submit-coding")?.addEventListener("click", submitClip);
  $("#next-clip").addEventListener("click", nextClip);
  $("#suggestion-list").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-prediction]");
    if (!button) return;
    const suggestion = state.suggestions.find((s) => s.id === Number(button.dataset.prediction));
    state.pinned = suggestion.id;
    seek(suggestion.onset);
  });

  editor.addEventListener("submit", (e) => e.preventDefault());
  // Enter commits a frame number and hands the keys back to the shortcuts.
  editor.addEventListener("keydown", (e) => { if (e.key === "Enter" && e.target.type === "number") e.target.blur(); });
  editor.addEventListener("change", (e) => {
    const event = current();
    const { name, value } = e.target;
    if (["onset", "apex", "offset"].includes(name)) {
      if (value === "" && name === "apex") edit(event, { apex: null });
      else if (value !== "") setMarker(name, Number(value));
      else renderEditor();
    } else if (name === "kind" || name === "emotion") edit(event, { [name]: value });
    else if (e.target.dataset.part) {
      const aus = event.local.aus.map((au) => ({ ...au }));
      aus[e.target.closest(".chip").dataset.index][e.target.dataset.part] = value;
      edit(event, { aus: normaliseAus(aus) });
    }
  });
  editor.addEventListener("input", (e) => { if (e.target.name === "notes") edit(current(), { notes: e.target.value }); });
  editor.addEventListener("click", (e) => {
    if (e.target.dataset.part !== "remove") return;
    const event = current();
    edit(event, { aus: event.local.aus.filter((_, i) => i !== Number(e.target.closest(".chip").dataset.index)) });
  });
  editor.elements["au-search"].addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const number = Number(e.target.value.match(/\d+/)?.[0]);
    if (current()?.local.aus.some((au) => au.number === number)) flash(`AU${number} is already coded.`);
    else applyAu(String(number));
    e.target.value = "";
  });
  $("#submit-event").addEventListener("click", onEvent((e) => edit(e, { status: e.local.status === "draft" ? "submitted" : "draft" })));
  $("#delete-event").addEventListener("click", removeEvent);
  $("#propose").addEventListener("click", proposeInterval);
  $("#keep-mine").addEventListener("click", () => resolveConflict(true));
  $("#take-theirs").addEventListener("click", () => resolveConflict(false));
  $("#help-button").addEventListener("click", () => toggleHelp(true));
  $("#help-close").addEventListener("click", () => toggleHelp(false));
  help.addEventListener("click", (e) => { if (e.target === help) toggleHelp(false); });

  addEventListener("beforeunload", (e) => {
    if (!state.events.some((event) => isDirty(event) || event.inflight || event.conflict)) return;
    e.preventDefault();
  });

  prefetch();
  render();
  loadSuggestions();
  loadAnalysis();
  watchClip();
}

setup();
