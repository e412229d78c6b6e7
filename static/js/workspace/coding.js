// The coder's own events: local edits, versioned autosave, conflicts, markers, AUs and emotion.
import { api, describe } from "./api.js";
import { $, config, endpoint, FIELDS, last, RETRY_MS, SAVE_DELAY_MS, SIDES, state, urls } from "./core.js";
import { prefetch } from "./frames.js";
import { render } from "./main.js";
import { renderStatus } from "./panel.js";
import { recordCreate, recordDelete, recordEdit } from "./undo.js";
import { flash, seek } from "./viewer.js";

export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
export const fieldsOf = (event) => Object.fromEntries(FIELDS.map((name) => [name, structuredClone(event[name])]));
export const current = () => state.events.find((event) => event.key === state.selected);
export const unsavedFields = (event) =>
  event.server ? Object.fromEntries(FIELDS.filter((f) => !same(event.local[f], event.server[f])).map((f) => [f, event.local[f]])) : { ...event.local };
export const isDirty = (event) => event.deleted || !event.server || Object.keys(unsavedFields(event)).length > 0;

// server: the event as last saved (null until created); local: what the coder sees and edits.
let nextKey = 1;

export function track(server, local = fieldsOf(server)) {
  return { key: nextKey++, server, local, timer: null, inflight: false, error: "", conflict: null, deleted: false };
}

export function createEvent() {
  const frame = state.frame;
  const event = track(null, { onset: frame, apex: null, offset: frame, kind: "micro", emotion: "", aus: [], notes: "", status: "draft" });
  state.events.push(event);
  recordCreate(event);
  select(event);
  schedule(event);
  return event;
}

export function edit(event, changes) {
  const before = Object.fromEntries(Object.keys(changes).map((name) => [name, structuredClone(event.local[name])]));
  Object.assign(event.local, changes);
  recordEdit(event, before);
  schedule(event);
  render();
}

export function schedule(event) {
  event.error = "";
  clearTimeout(event.timer);
  event.timer = setTimeout(() => { event.timer = null; save(event); }, SAVE_DELAY_MS);
  renderStatus();
}

// One request per event at a time; edits made meanwhile go out when it returns.
export async function save(event) {
  if (event.inflight || event.conflict) return;
  if (!isDirty(event)) return renderStatus();
  event.inflight = true;
  renderStatus();
  const sent = event.deleted ? null : unsavedFields(event);
  try {
    let response;
    if (event.deleted && !event.server) response = { status: 204 };
    else if (event.deleted) response = await api("DELETE", `${endpoint("event", event.server.id)}?version=${event.server.version}`);
    else if (!event.server) response = await api("POST", urls.events, sent);
    else response = await api("PATCH", endpoint("event", event.server.id), { version: event.server.version, ...sent });
    settle(event, response, sent);
  } catch (error) {
    event.error = `network: ${error.message}; retrying`;
    event.timer = setTimeout(() => { event.timer = null; event.error = ""; save(event); }, RETRY_MS);
  }
  event.inflight = false;
  if (!event.timer && !event.error && !event.conflict && isDirty(event) && state.events.includes(event)) save(event);
  render();
}

export function settle(event, { status, data }, sent) {
  if (status === 204) {
    state.events = state.events.filter((other) => other !== event);
    if (state.selected === event.key) state.selected = null;
  } else if (status === 200 || status === 201) {
    // The server normalises (AU order, empty intensity): adopt its form for every field not edited meanwhile.
    const asked = { ...(event.server && fieldsOf(event.server)), ...sent };
    for (const name of FIELDS) if (same(event.local[name], asked[name])) event.local[name] = structuredClone(data[name]);
    event.server = data;
  } else if (status === 409) {
    event.conflict = data;
    if (event.deleted) {
      event.deleted = false;
      flash("Not deleted: the event changed elsewhere. Review both versions, then delete again if you still want to.");
    }
    select(event);
  } else {
    event.error = describe(data) || `HTTP ${status}`;
    event.deleted = false;
  }
}

export function resolveConflict(keepMine) {
  const event = current();
  const theirs = event.conflict.current;
  const mine = keepMine ? unsavedFields(event) : {};
  Object.assign(event, { server: theirs, local: { ...fieldsOf(theirs), ...mine }, conflict: null });
  save(event);
  render();
}

export function removeEvent() {
  const event = current();
  if (!event || !confirm(`Delete event ${event.server ? `#${event.server.id}` : "(unsaved)"} (${event.local.onset}–${event.local.offset})?`)) return;
  recordDelete(event);
  clearTimeout(event.timer);
  event.timer = null;
  event.deleted = true;
  save(event);
  render();
}

export function select(event) {
  state.selected = event?.key ?? null;
  if (state.view === "diff") prefetch();
  render();
}

export function selectNeighbour(step) {
  const ordered = sortedEvents();
  if (!ordered.length) return;
  const index = ordered.indexOf(current());
  const event = ordered[index < 0 ? 0 : Math.max(0, Math.min(ordered.length - 1, index + step))];
  select(event);
  seek(event.local.onset);
}

export const sortedEvents = () => state.events.filter((e) => !e.deleted).sort((a, b) => a.local.onset - b.local.onset || a.key - b.key);

// Markers push each other so onset ≤ apex ≤ offset always holds, and the coder is told which moved.
export function setMarker(name, frame = state.frame) {
  const event = current() || createEvent();
  const value = Math.max(0, Math.min(last, frame));
  const outside = value === frame ? "" : ` (${frame} is outside the clip, frames 0–${last})`;
  const was = event.local;
  const next = { onset: was.onset, apex: was.apex, offset: was.offset, [name]: value };
  if (name === "onset") {
    next.offset = Math.max(next.offset, value);
    if (next.apex !== null) next.apex = Math.max(next.apex, value);
  } else if (name === "offset") {
    next.onset = Math.min(next.onset, value);
    if (next.apex !== null) next.apex = Math.min(next.apex, value);
  } else {
    next.onset = Math.min(next.onset, value);
    next.offset = Math.max(next.offset, value);
  }
  const moved = ["onset", "apex", "offset"].filter((m) => m !== name && next[m] !== was[m]);
  const pushed = moved.length ? `; ${moved.join(" and ")} moved to keep onset ≤ apex ≤ offset` : "";
  flash(`${name} ${value}${outside}${pushed}`);
  edit(event, next);
}

export function clearApex() {
  const event = current();
  if (event) edit(event, { apex: null });
}

export function goToMarker(name) {
  const value = current()?.local[name];
  if (value === null || value === undefined) return flash(`This event has no ${name}.`);
  seek(value);
}

export function normaliseAus(aus) {
  return aus
    .map(({ number, side, intensity }) => ({ number, side, intensity: intensity || null }))
    .sort((a, b) => a.number - b.number || (a.side < b.side ? -1 : a.side > b.side ? 1 : 0)); // the server's order
}

export const auAllowed = (number) => config.aus.some((au) => au.number === number);
export const facsCode = (au) => `${au.side === "both" ? "" : au.side}${au.number}${au.intensity || ""}`;

// FACS notation: "12" toggles AU12; "R12C" (or "12CR") codes it on the right at intensity C; a leading B means
// both sides. A side narrows an AU coded for both sides; otherwise a new side gets its own entry (L12 and R12).
export function applyAu(text) {
  const match = text.match(/^([LRB]?)(\d+)([A-ELR]*)$/);
  const number = Number(match?.[2]);
  if (!match || !auAllowed(number)) return flash(`${text} is not an AU of this project (type e.g. R12C).`);
  let side = SIDES[match[1]], intensity;
  for (const letter of match[3]) {
    if (letter === "L" || letter === "R") side = letter;
    else intensity = letter;
  }
  const event = current() || createEvent();
  let aus = event.local.aus.map((au) => ({ ...au }));
  const coded = aus.filter((au) => au.number === number);
  if (!intensity && !side) {
    aus = coded.length ? aus.filter((au) => au.number !== number) : [...aus, { number, side: "both", intensity: null }];
  } else {
    let target = side ? coded.find((au) => au.side === side) || coded.find((au) => au.side === "both") : coded[0];
    if (!target) aus.push((target = { number, side: "both", intensity: null }));
    if (side) target.side = side;
    if (intensity) target.intensity = intensity;
  }
  edit(event, { aus: normaliseAus(aus) });
}

export function setEmotion(index) {
  const event = current();
  if (!event) return flash("Select or start an event first (N).");
  if (index > config.emotions.length) return flash(`There is no emotion ${index}.`);
  edit(event, { emotion: index === 0 ? "" : config.emotions[index - 1] });
}
