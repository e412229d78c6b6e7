// The keyboard: one table of keys (the help overlay is built from it), AU and emotion entry.
import { applyAu, clearApex, createEvent, current, edit, goToMarker, isDirty, removeEvent, selectNeighbour, setEmotion, setMarker } from "./coding.js";
import { $, config, editor, help, last, state } from "./core.js";
import { renderEntry } from "./panel.js";
import { proposeInterval } from "./proposals.js";
import { acceptSuggestion, nextSuggestion } from "./suggestions.js";
import { makeGold, nextClip, submitCoding } from "./review.js";
import { redo, undo } from "./undo.js";
import { changeRate, cycleFlowGain, cycleView, draw, flash, play, seek, toggleView } from "./viewer.js";
import { panBy, zoom, zoomBy } from "./zoom.js";

export const onEvent = (action) => () => {
  const event = current();
  if (event) action(event);
  else flash("Select or start an event first (N).");
};

export const submitClip = () => submitCoding(state.events.some((event) => isDirty(event) || event.inflight || event.conflict));

// [keys, how the help shows them, what they do, handler, changes coding?]; the help overlay is built from this list.
export const KEYS = [
  [["ArrowLeft"], "←", "previous frame", () => seek(state.frame - 1)],
  [["ArrowRight"], "→", "next frame", () => seek(state.frame + 1)],
  [["Shift+ArrowLeft"], "Shift+←", "10 frames back", () => seek(state.frame - 10)],
  [["Shift+ArrowRight"], "Shift+→", "10 frames ahead", () => seek(state.frame + 10)],
  [["Home"], "Home", "first frame", () => seek(0)],
  [["End"], "End", "last frame", () => seek(last)],
  [["G"], "G", "go to frame: type its number, Enter", () => $("#goto").focus()],
  [[" "], "Space", "play / pause", () => play()],
  [["-"], "−", "slower playback (1× → ½× → 1/10× → 1/20×)", () => changeRate(-1)],
  [["+", "="], "+", "faster playback", () => changeRate(1)],
  [["V"], "V", "cycle view: frame, aligned face, difference from onset, flow colour, magnified", cycleView],
  [["M"], "M", "magnified view on / off (small movements amplified; the clip's analysis must be ready)", () => toggleView("magnified")],
  [["C"], "C", "flow colour over the face on / off (hue: direction, brightness: how far it moved from the reference frame)",
    () => toggleView("flow")],
  [["Shift+C"], "Shift+C", "flow colour gain ×1 → ×2 → ×4 → ×8: the faintest movements brighter", () => cycleFlowGain()],
  [["N"], "N", "new event at this frame", createEvent, true],
  [["O"], "O", "set onset to this frame (starts an event when none is selected)", () => setMarker("onset"), true],
  [["A"], "A", "set apex to this frame", () => setMarker("apex"), true],
  [["F"], "F", "set offset to this frame", () => setMarker("offset"), true],
  [["Shift+X"], "Shift+X", "clear the apex", clearApex, true],
  [["P"], "P", "propose onset and offset from the event's apex (apex-first assist; applied when it arrives, " +
    "O / F set them by hand again)", proposeInterval, true],
  [["Shift+O", "Shift+A", "Shift+F"], "Shift+O / A / F", "go to the event's onset / apex / offset",
    (key) => goToMarker({ O: "onset", A: "apex", F: "offset" }[key.at(-1)])],
  [["[", "]"], "[ / ]", "previous / next event", (key) => selectNeighbour(key === "[" ? -1 : 1)],
  [["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "L", "R", "B"], "[L / R / B] number [A–E] Enter",
    "code an AU in FACS notation: 12 Enter toggles AU12; R12C Enter puts AU12 on the right side at intensity C " +
    "(L left, B both; 12CR works too); Backspace edits, Esc cancels",
    (key) => { state.entry = key; renderEntry(); }, true],
  [["E"], "E, then 1–9 (0 = none)", "emotion", () => { state.emotionPick = true; renderEntry(); }, true],
  [["K"], "K", "kind: micro ↔ macro", onEvent((e) => edit(e, { kind: e.local.kind === "micro" ? "macro" : "micro" })), true],
  [["T"], "T", "write notes (Esc returns to the shortcuts)", onEvent(() => editor.elements.notes.focus()), true],
  [["S"], "S", "submit the event / back to draft", onEvent((e) => edit(e, { status: e.local.status === "draft" ? "submitted" : "draft" })), true],
  [["Shift+Delete"], "Shift+Delete", "delete the event", removeEvent, true],
  [["Y"], "Y", "take the highlighted suggestion: its emotion and AUs into the selected event when they overlap, " +
    "otherwise a new event with its timing too", acceptSuggestion, true],
  [["Shift+Y"], "Shift+Y", "go to the next suggestion (Y then takes it)", nextSuggestion],
  [["Z"], "Z", "zoom the timeline in around the cursor (or the mouse wheel over it)", () => zoomBy(1 / 1.5)],
  [["Shift+Z"], "Shift+Z", "zoom the timeline out, up to the whole clip", () => zoomBy(1.5)],
  [[",", "."], ", / .", "pan the timeline by half its width (or Shift+wheel; the minimap under it moves it too)",
    (key) => panBy((key === "," ? -0.5 : 0.5) * zoom.span)],
  [["Ctrl+Z"], "Ctrl+Z", "undo your last change to the events (saved as a new version)", () => undo()],
  [["Ctrl+Shift+Z"], "Ctrl+Shift+Z", "redo", () => redo()],
  [["Shift+S"], "Shift+S", "submit your coding of this clip (your drafts become submitted)", submitClip, true],
  [["J"], "J", "next clip of your queue", nextClip],
  [["Shift+G"], "Shift+G", "make a gold code from the other coder's event picked on its lane (lead, reviewer)", makeGold],
  [["?"], "?", "show / hide this help", () => toggleHelp()],
  [["Escape"], "Esc", "close help, cancel an entry, leave a text field", () => toggleHelp(false)],
];
export const BINDINGS = new Map(KEYS.flatMap(([keys, , , run, edits]) => keys.map((key) => [key, { run, edits }])));

export function keyName(e) {
  const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  // Shift is part of the name only for letters and named keys: "?" and "+" already carry it.
  return (e.shiftKey && (/^[A-Z]$/.test(key) || key.length > 1) ? "Shift+" : "") + key;
}

// While an AU or an emotion is being typed, keys belong to it; any other key ends it and then acts as usual.
export function modalKey(key) {
  if (state.emotionPick) {
    state.emotionPick = false;
    renderEntry();
    if (/^\d$/.test(key)) return setEmotion(Number(key)), true;
    return key === "Escape";
  }
  if (state.entry === null) return false;
  key = key.replace(/^Shift\+(?=[A-Z]$)/, "");
  if (/^(\d|[A-E]|[LR])$/.test(key)) state.entry += key;
  else if (key === "Backspace") state.entry = state.entry.slice(0, -1) || null;
  else {
    const text = state.entry;
    state.entry = null;
    if (key === "Enter") applyAu(text);
    renderEntry();
    return key === "Enter" || key === "Escape";
  }
  renderEntry();
  return true;
}

// Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y); in a text field they stay the browser's own undo of the typing.
function undoKey(e) {
  const key = e.key.toLowerCase();
  if (!(e.ctrlKey || e.metaKey) || e.altKey || !(key === "z" || key === "y")) return false;
  if (e.target.closest("input, textarea, [contenteditable]") || !help.hidden) return false;
  e.preventDefault();
  if (!config.canCode) flash("Read-only: your role does not allow coding.");
  else if (key === "y" || e.shiftKey) redo();
  else undo();
  return true;
}

// Keys that code the frame on the screen. Pressed while the frame asked for is not painted yet, they wait for it,
// and every key after them waits too, so keys act in the order pressed, each on the frame the coder saw.
const MARKING = new Set(["N", "O", "A", "F", "Y"]);
const waiting = [];

const mustWait = (key) => waiting.length > 0 ||
  (MARKING.has(key) && state.entry === null && !state.emotionPick && state.shown !== state.frame);

// Runs a key; false when it means nothing here (the browser then keeps its default).
function dispatch(key) {
  if (modalKey(key)) return true;
  const binding = BINDINGS.get(key);
  if (!binding) return false;
  if (binding.edits && !config.canCode) flash("Read-only: your role does not allow coding.");
  else binding.run(key);
  return true;
}

export const waitingKeys = () => waiting.join(" ");

// A key by name, as if pressed (the + New button is N).
export function press(key) {
  if (!mustWait(key)) return dispatch(key);
  waiting.push(key);
  draw(); // its note names the keys waiting
}

// viewer.draw calls this after painting: the keys that waited for this frame act now.
export function onPainted() {
  while (waiting.length) {
    const key = waiting[0];
    if (MARKING.has(key) && state.entry === null && !state.emotionPick && state.shown !== state.frame) return;
    waiting.shift();
    dispatch(key);
  }
}

// The frame asked for cannot be shown: what waited for it is not done, and the coder is told so.
export function onFrameFailed(reason) {
  if (!waiting.length) return;
  const keys = waiting.splice(0).join(" ");
  flash(`Not done (${keys}): frame ${state.frame} is not shown (${reason}).`);
}

export function onKeyDown(e) {
  if (undoKey(e)) return;
  if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  if (!help.hidden) {
    if (e.key === "Escape" || e.key === "?") { e.preventDefault(); toggleHelp(false); }
    return;
  }
  const field = e.target.closest("input, textarea, select, [contenteditable]");
  if (field) {
    if (e.key === "Escape") field.blur();
    return;
  }
  if (e.key === "Enter" && e.target.closest("button, a") && state.entry === null) return;
  const key = keyName(e);
  if (!mustWait(key)) {
    if (dispatch(key)) e.preventDefault();
    return;
  }
  e.preventDefault();
  press(key);
}

export function toggleHelp(show = help.hidden) {
  help.hidden = !show;
  if (show) $("#help-close").focus();
}
