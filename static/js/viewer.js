// Coding workspace: a frame-exact viewer (frames addressed by id, never by time), a timeline and an
// event editor that autosaves through the versioned events API.

const config = JSON.parse(document.getElementById("workspace-config").textContent);
const { clip, urls } = config;
const last = clip.frame_count - 1;
const $ = (selector) => document.querySelector(selector);

const FIELDS = ["onset", "apex", "offset", "kind", "emotion", "aus", "notes", "status"];
const RATES = [1, 0.5, 0.1, 0.05];
const BEHIND = 30, AHEAD = 60, PARALLEL = 6, CACHE_CAP = 600, SAVE_DELAY_MS = 400, RETRY_MS = 3000;
const SIDES = { L: "L", R: "R", B: "both" };
// The ML backend's routes (mlbackend/urls.py); the page config names annotator's only.
const ML = {
  predictions: `/api/clips/${clip.id}/predictions/`, accept: (id) => `/api/predictions/${id}/accept/`,
  analysis: `/api/clips/${clip.id}/analysis/`, flow: `/api/clips/${clip.id}/flow/`, magnified: `/api/clips/${clip.id}/magnified/`,
  propose: `/api/clips/${clip.id}/propose-interval/`, proposal: (job) => `/api/clips/${clip.id}/propose-interval/${job}/`,
};
const PROPOSAL_POLL_MS = 300; // apex-first proposals take well under a second of a worker's time
const ANALYSIS_POLL_MS = 2000; // when the job's WebSocket is not available (a WSGI server)
const FLOW_OPACITY = 1.6; // flow colour's opacity per unit of its brightness: still pixels stay clear
const AU_LIKELY = 0.5; // AUs at this probability or above are shown and taken (mlbackend/services/acceptance.py)

const canvas = $("#stage");
const ctx = canvas.getContext("2d");
const scratch = new OffscreenCanvas(1, 1).getContext("2d", { willReadFrequently: true });
const editor = $("#editor");
const help = $("#help");

const state = {
  frame: 0, view: "frame", rate: 0.1, playing: false, events: [], selected: null,
  entry: null, // AU being typed, e.g. "12CR"
  emotionPick: false, flash: "",
  suggestions: [], // the clip's predictions, by onset; `accepted` is the id of the event one went into
  suggestionsState: "loading", // loading, ready, or why they could not be loaded
  pinned: null, // the suggestion picked on the timeline, in the list or with Shift+Y
  accepting: false,
  analysis: { status: "loading" }, // the clip's motion curve, flow colour and magnified frames (GET ML.analysis)
  plainView: "frame", // where M and C go back to
  // The apex-first proposal last asked for (P): { eventKey, apex, job, status, onset, offset, before, error }.
  proposal: null,
};
let nextKey = 1;

/* ---------- frames: an LRU of decoded images, filled around the current frame ---------- */

// <img> rather than ImageBitmap: the browser keeps the JPEG and may drop the decoded pixels of frames
// off screen, so a long cache of full-HD frames does not hold gigabytes.
class FrameCache {
  constructor(base) {
    Object.assign(this, { base, images: new Map(), loading: new Map(), errors: new Map(), failed: new Set(), wanted: [] });
  }

  get(id) {
    const image = this.images.get(id);
    if (image) { this.images.delete(id); this.images.set(id, image); } // most recently used goes last
    return image;
  }

  // ids come most urgent first; loads that fell out of the window are cancelled so they never block it.
  // Loads that failed without an answer (network) are tried again once the window moves.
  want(ids) {
    this.wanted = ids;
    this.failed.clear();
    const keep = new Set(ids);
    for (const [id, image] of this.loading) {
      if (keep.has(id)) continue;
      this.loading.delete(id);
      image.removeAttribute("src");
    }
    this.pump();
  }

  pump() {
    for (const id of this.wanted) {
      if (this.loading.size >= PARALLEL) return;
      if (!this.images.has(id) && !this.loading.has(id) && !this.errors.has(id) && !this.failed.has(id)) this.load(id);
    }
  }

  load(id) {
    const image = new Image();
    // ?g=: the clip's ingest generation; only such URLs are cached for good (a re-ingest changes it).
    const url = `${this.base}${id}.jpg?g=${clip.ingest_generation}`;
    this.loading.set(id, image);
    image.src = url;
    image.decode().then(() => {
      if (this.loading.get(id) !== image) return;
      this.images.set(id, image);
      while (this.images.size > CACHE_CAP) this.images.delete(this.images.keys().next().value);
      onFrameLoaded(this, id);
    }, () => this.loading.get(id) === image && this.explain(id, url)).finally(() => {
      if (this.loading.get(id) === image) this.loading.delete(id);
      this.pump();
    });
  }

  // An <img> does not say why it failed; the API does, in JSON.
  async explain(id, url) {
    const response = await fetch(url, { credentials: "same-origin" }).catch(() => null);
    if (response && !response.ok) this.errors.set(id, (await response.json().catch(() => ({}))).detail || `frame ${id}: HTTP ${response.status}`);
    else this.failed.add(id);
    onFrameLoaded(this, id);
  }
}

const frames = new FrameCache(urls.frame);
const faces = new FrameCache(urls.face);
const flows = new FrameCache(ML.flow);
const magnified = new FrameCache(ML.magnified);
const CACHES = [frames, faces, flows, magnified];
// The flow colour lies over the picture it was measured on: the aligned face, or a box in the full frame.
const flowBase = () => (state.analysis.region?.source === "face" ? faces : frames);
const diffBase = () => current()?.local.onset ?? 0;
// [cache, frame] pairs the view draws, bottom first.
function layers(frame = state.frame) {
  switch (state.view) {
    case "face": return [[faces, frame]];
    case "diff": return [[frames, frame], [frames, diffBase()]];
    case "flow": return [[flowBase(), frame], [flows, frame]];
    case "magnified": return [[magnified, frame]];
    default: return [[frames, frame]];
  }
}

function prefetch() {
  const wanted = new Map(CACHES.map((cache) => [cache, []]));
  for (const [cache, id] of layers()) wanted.get(cache).push(id);
  const around = [];
  for (let i = 1; i <= AHEAD && state.frame + i <= last; i++) around.push(state.frame + i);
  for (let i = 1; i <= BEHIND && state.frame - i >= 0; i++) around.push(state.frame - i);
  for (const frame of around) for (const [cache, id] of layers(frame)) if (id === frame) wanted.get(cache).push(id);
  for (const [cache, ids] of wanted) cache.want(ids);
}

function onFrameLoaded(cache, id) {
  if (layers().some(([other, frame]) => other === cache && frame === id)) draw();
}

function draw() {
  const wanted = layers();
  const images = wanted.map(([cache, id]) => cache.get(id));
  const error = wanted.map(([cache, id]) => cache.errors.get(id) || (cache.failed.has(id) && `frame ${id} could not be loaded`)).find(Boolean);
  // Until the image arrives the previous picture stays up: during playback that is how frames get skipped.
  note(error || (images.includes(undefined) ? `loading frame ${state.frame}…` : ""));
  if (images.includes(undefined)) return;
  if (state.view === "diff") drawDifference(images[0], images[1]);
  else if (state.view === "flow") drawFlow(images[0], images[1]);
  else {
    size(images[0]);
    ctx.drawImage(images[0], 0, 0);
  }
  Object.assign(canvas.dataset, { frame: state.frame, view: state.view, base: state.view === "diff" ? wanted[1][1] : "" });
}

function size({ naturalWidth: width, naturalHeight: height }) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

// |current − onset| per pixel (summed over RGB), stretched so the largest difference maps to 255.
function drawDifference(currentImage, baseImage) {
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
function drawFlow(baseImage, flowImage) {
  size(baseImage);
  ctx.drawImage(baseImage, 0, 0);
  const { naturalWidth: width, naturalHeight: height } = flowImage;
  scratch.canvas.width = width;
  scratch.canvas.height = height;
  scratch.drawImage(flowImage, 0, 0);
  const colour = scratch.getImageData(0, 0, width, height);
  const pixels = colour.data;
  for (let i = 0; i < pixels.length; i += 4) {
    pixels[i + 3] = Math.min(255, FLOW_OPACITY * Math.max(pixels[i], pixels[i + 1], pixels[i + 2]));
  }
  scratch.putImageData(colour, 0, 0);
  const [x0, y0, x1, y1] = state.analysis.region?.box || [0, 0, canvas.width, canvas.height];
  ctx.drawImage(scratch.canvas, x0, y0, x1 - x0, y1 - y0);
}

// Frame problems first; otherwise the latest short message (flash) shows in the same place.
function note(text) {
  const element = $("#stage-note");
  element.textContent = text || state.flash;
  element.hidden = !element.textContent;
}

/* ---------- navigation and playback ---------- */

function seek(frame, { fromPlayback = false } = {}) {
  if (!fromPlayback && state.playing) play(false);
  state.frame = Math.max(0, Math.min(last, Math.round(frame)));
  prefetch();
  renderFrame();
}

let playStart = 0, playFrom = 0;

function play(on = !state.playing) {
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

function restartClock() {
  playStart = performance.now();
  playFrom = state.frame;
}

// Position follows the wall clock, so a slow frame is skipped instead of delaying the ones after it.
function tick(now) {
  if (!state.playing) return;
  const frame = Math.min(last, playFrom + Math.floor(((now - playStart) * clip.fps * state.rate) / 1000));
  if (frame !== state.frame) seek(frame, { fromPlayback: true });
  if (frame >= last) play(false);
  else requestAnimationFrame(tick);
}

function setRate(rate) {
  state.rate = rate;
  $("#rate").value = String(rate);
  restartClock();
}

function changeRate(step) {
  const index = RATES.indexOf(state.rate) - step; // RATES runs fastest to slowest
  setRate(RATES[Math.max(0, Math.min(RATES.length - 1, index))]);
}

const ANALYSED_VIEWS = ["flow", "magnified"];

function setView(view) {
  if (view === "face" && clip.face_status !== "ready") return flash(`No face view: ${$("#face-reason").textContent}.`);
  if (ANALYSED_VIEWS.includes(view) && state.analysis.status !== "ready") return flash(`No ${view} view yet: ${analysisText()}`);
  if (!ANALYSED_VIEWS.includes(view)) state.plainView = view;
  state.view = view;
  $("#view").value = view;
  prefetch();
  draw();
}

function cycleView() {
  const views = ["frame", ...(clip.face_status === "ready" ? ["face"] : []), "diff",
    ...(state.analysis.status === "ready" ? ANALYSED_VIEWS : [])];
  setView(views[(views.indexOf(state.view) + 1) % views.length]);
}

// M and C: into the magnified or flow view, and back to the view you came from.
const toggleView = (view) => setView(state.view === view ? state.plainView : view);

/* ---------- events: local edits, versioned autosave, conflicts ---------- */

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const fieldsOf = (event) => Object.fromEntries(FIELDS.map((name) => [name, structuredClone(event[name])]));
const current = () => state.events.find((event) => event.key === state.selected);
const unsavedFields = (event) =>
  event.server ? Object.fromEntries(FIELDS.filter((f) => !same(event.local[f], event.server[f])).map((f) => [f, event.local[f]])) : { ...event.local };
const isDirty = (event) => event.deleted || !event.server || Object.keys(unsavedFields(event)).length > 0;

// server: the event as last saved (null until created); local: what the coder sees and edits.
function track(server, local = fieldsOf(server)) {
  return { key: nextKey++, server, local, timer: null, inflight: false, error: "", conflict: null, deleted: false };
}

function createEvent() {
  const frame = state.frame;
  const event = track(null, { onset: frame, apex: null, offset: frame, kind: "micro", emotion: "", aus: [], notes: "", status: "draft" });
  state.events.push(event);
  select(event);
  schedule(event);
  return event;
}

function edit(event, changes) {
  Object.assign(event.local, changes);
  schedule(event);
  render();
}

function schedule(event) {
  event.error = "";
  clearTimeout(event.timer);
  event.timer = setTimeout(() => { event.timer = null; save(event); }, SAVE_DELAY_MS);
  renderStatus();
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
  return cookie ? decodeURIComponent(cookie.slice("csrftoken=".length)) : $('meta[name="csrf-token"]').content;
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin", body: body && JSON.stringify(body),
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  const data = response.status === 204 ? null : await response.json().catch(() => ({ detail: response.statusText }));
  return { status: response.status, data };
}

// Flattens DRF errors ({field: [msg]}, nested for AUs) into one readable line.
function describe(errors) {
  if (typeof errors === "string") return errors;
  if (Array.isArray(errors)) return errors.map(describe).filter(Boolean).join(" ");
  return Object.entries(errors || {}).map(([field, value]) => (field === "detail" ? describe(value) : `${field}: ${describe(value)}`)).join("; ");
}

// One request per event at a time; edits made meanwhile go out when it returns.
async function save(event) {
  if (event.inflight || event.conflict) return;
  if (!isDirty(event)) return renderStatus();
  event.inflight = true;
  renderStatus();
  const sent = event.deleted ? null : unsavedFields(event);
  try {
    let response;
    if (event.deleted && !event.server) response = { status: 204 };
    else if (event.deleted) response = await api("DELETE", `${urls.event}${event.server.id}/?version=${event.server.version}`);
    else if (!event.server) response = await api("POST", urls.events, sent);
    else response = await api("PATCH", `${urls.event}${event.server.id}/`, { version: event.server.version, ...sent });
    settle(event, response, sent);
  } catch (error) {
    event.error = `network: ${error.message}; retrying`;
    event.timer = setTimeout(() => { event.timer = null; event.error = ""; save(event); }, RETRY_MS);
  }
  event.inflight = false;
  if (!event.timer && !event.error && !event.conflict && isDirty(event) && state.events.includes(event)) save(event);
  render();
}

function settle(event, { status, data }, sent) {
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

function resolveConflict(keepMine) {
  const event = current();
  const theirs = event.conflict.current;
  const mine = keepMine ? unsavedFields(event) : {};
  Object.assign(event, { server: theirs, local: { ...fieldsOf(theirs), ...mine }, conflict: null });
  save(event);
  render();
}

function removeEvent() {
  const event = current();
  if (!event || !confirm(`Delete event ${event.server ? `#${event.server.id}` : "(unsaved)"} (${event.local.onset}–${event.local.offset})?`)) return;
  clearTimeout(event.timer);
  event.timer = null;
  event.deleted = true;
  save(event);
  render();
}

function select(event) {
  state.selected = event?.key ?? null;
  if (state.view === "diff") prefetch();
  render();
}

function selectNeighbour(step) {
  const ordered = sortedEvents();
  if (!ordered.length) return;
  const index = ordered.indexOf(current());
  const event = ordered[index < 0 ? 0 : Math.max(0, Math.min(ordered.length - 1, index + step))];
  select(event);
  seek(event.local.onset);
}

const sortedEvents = () => state.events.filter((e) => !e.deleted).sort((a, b) => a.local.onset - b.local.onset || a.key - b.key);

// Markers push each other so onset ≤ apex ≤ offset always holds, and the coder is told which moved.
function setMarker(name, frame = state.frame) {
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

function clearApex() {
  const event = current();
  if (event) edit(event, { apex: null });
}

function goToMarker(name) {
  const value = current()?.local[name];
  if (value === null || value === undefined) return flash(`This event has no ${name}.`);
  seek(value);
}

function normaliseAus(aus) {
  return aus
    .map(({ number, side, intensity }) => ({ number, side, intensity: intensity || null }))
    .sort((a, b) => a.number - b.number || (a.side < b.side ? -1 : a.side > b.side ? 1 : 0)); // the server's order
}

const auAllowed = (number) => config.aus.some((au) => au.number === number);
const facsCode = (au) => `${au.side === "both" ? "" : au.side}${au.number}${au.intensity || ""}`;

// FACS notation: "12" toggles AU12; "R12C" (or "12CR") codes it on the right at intensity C; a leading B means
// both sides. A side narrows an AU coded for both sides; otherwise a new side gets its own entry (L12 and R12).
function applyAu(text) {
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

function setEmotion(index) {
  const event = current();
  if (!event) return flash("Select or start an event first (N).");
  if (index > config.emotions.length) return flash(`There is no emotion ${index}.`);
  edit(event, { emotion: index === 0 ? "" : config.emotions[index - 1] });
}

/* ---------- suggestions: a model's pre-annotation, taken into the coder's own events ---------- */

const overlap = (a, b) => Math.max(0, Math.min(a.offset, b.offset) - Math.max(a.onset, b.onset) + 1);
const covers = (span, frame) => span.onset <= frame && frame <= span.offset;
const percentOf = (p) => `${Math.round(p * 100)}%`;
const openSuggestions = () => state.suggestions.filter((s) => !s.accepted);
const likelyAus = (suggestion) => Object.entries(suggestion.au_probs)
  .filter(([, p]) => p >= AU_LIKELY).map(([number, p]) => [Number(number), p]).sort((a, b) => a[0] - b[0]);

async function loadSuggestions() {
  try {
    const { status, data } = await api("GET", ML.predictions);
    if (status !== 200) throw new Error(describe(data) || `HTTP ${status}`);
    state.suggestions = data.map((prediction) => ({ ...prediction, accepted: prediction.accepted_event }));
    state.suggestionsState = "ready";
  } catch (error) {
    state.suggestionsState = `Suggestions could not be loaded: ${error.message}`;
  }
  render();
}

// What accepting takes, decided as the server does: the top emotion when it is a project label, AUs at 50% or more.
function offered(suggestion) {
  const emotion = config.emotions.includes(suggestion.emotion) ? suggestion.emotion : "";
  const aus = likelyAus(suggestion).filter(([number]) => auAllowed(number)).map(([number]) => ({ number, side: "both", intensity: null }));
  return { emotion, aus };
}

function suggestionSummary(suggestion) {
  const { emotion, emotion_probs: probs } = suggestion;
  const aus = likelyAus(suggestion).map(([number, p]) => `AU${number} ${percentOf(p)}`);
  return [emotion && `${emotion} ${percentOf(probs[emotion])}`, ...aus].filter(Boolean).join(" · ") || "no label";
}

function suggestionLabel(suggestion) {
  const taken = suggestion.accepted ? ` · taken into #${suggestion.accepted}` : "";
  return `${suggestion.plugin} · ${timing(suggestion)} · ${suggestionSummary(suggestion)} · score ${suggestion.score.toFixed(2)}${taken}`;
}

// The suggestion overlapping the event most (ties: the higher score).
function bestSuggestion(event, candidates = openSuggestions()) {
  let best = null, most = 0;
  for (const suggestion of candidates) {
    const shared = overlap(event.local, suggestion);
    if (shared > most || (shared && shared === most && suggestion.score > best.score)) [best, most] = [suggestion, shared];
  }
  return best;
}

// What Y takes: the suggestion picked (click, Shift+Y) while the cursor is on it; else, with the cursor inside the
// selected event, the open suggestion overlapping that event most; else the open suggestion nearest the cursor.
function targetSuggestion() {
  const frame = state.frame;
  const pinned = state.suggestions.find((s) => s.id === state.pinned);
  if (pinned && covers(pinned, frame)) return pinned;
  const event = current();
  const inside = event && !event.deleted && covers(event.local, frame) && bestSuggestion(event);
  if (inside) return inside;
  const distance = (s) => Math.max(0, s.onset - frame, frame - s.offset);
  return openSuggestions().reduce((best, s) =>
    (!best || distance(s) < distance(best) || (distance(s) === distance(best) && s.score > best.score) ? s : best), null);
}

// Into the selected event when they overlap (its emotion and AUs), otherwise a new event with the suggestion's timing.
function acceptPlan(suggestion) {
  const event = current();
  const into = event && !event.deleted && overlap(event.local, suggestion) ? event : null;
  const { emotion, aus } = offered(suggestion);
  const what = [emotion, ...aus.map((au) => `AU${au.number}`)].join(" + ");
  return { into, emotion, aus, what };
}

async function acceptSuggestion() {
  const suggestion = targetSuggestion();
  if (!suggestion) return flash(state.suggestions.length ? "Every suggestion on this clip is taken." : "No suggestions on this clip.");
  if (suggestion.accepted) return flash(`That suggestion is already in event #${suggestion.accepted}.`);
  const { into: event, emotion, aus, what } = acceptPlan(suggestion);
  if (event?.conflict) return flash("Choose a version in the conflict first, then press Y again.");
  if (event && (event.inflight || !event.server)) return flash("The event is saving; press Y again in a moment.");
  if (event && !what) return flash(`This suggestion has no project emotion or AU at ${percentOf(AU_LIKELY)} or more to take.`);
  if (state.accepting) return;
  state.accepting = true;
  if (event) event.inflight = true; // holds the autosave back: both would write the same version
  renderStatus();
  let response;
  try {
    response = await api("POST", ML.accept(suggestion.id), event ? { event: event.server.id, version: event.server.version } : {});
  } catch (error) {
    response = { status: 0, data: { detail: `network: ${error.message}` } };
  }
  state.accepting = false;
  if (event) event.inflight = false;
  const { status, data } = response;
  if (status === 200) {
    suggestion.accepted = data.id;
    if (state.pinned === suggestion.id) state.pinned = null; // done with: Y moves on to the open ones
    if (event) adoptAccepted(event, data, { emotion: Boolean(emotion), aus: aus.length > 0 });
    else {
      const created = track(data);
      state.events.push(created);
      select(created);
    }
    flash(event ? `Took ${what} from ${suggestion.plugin} into #${data.id}.` : `New event #${data.id} from ${suggestion.plugin}'s suggestion.`);
  } else if (status === 409 && event) {
    event.conflict = data;
    select(event);
    flash("Not taken: the event changed elsewhere. Choose a version, then press Y again.");
  } else flash(`Not taken: ${describe(data) || `HTTP ${status}`}`);
  if (event && !event.timer && !event.conflict && isDirty(event)) save(event);
  render();
}

// The taken fields show as the server saved them. The server replaces the AU list, so the coder's own AUs (with their
// sides and intensities) are put back and the suggested ones added; edits not saved yet stay for the next autosave.
function adoptAccepted(event, data, taken) {
  const saved = fieldsOf(event.server);
  const own = event.local.aus;
  for (const name of FIELDS) if (taken[name] || same(event.local[name], saved[name])) event.local[name] = structuredClone(data[name]);
  if (taken.aus) event.local.aus = normaliseAus([...own, ...data.aus.filter((au) => !own.some((mine) => mine.number === au.number))]);
  event.server = data;
}

function nextSuggestion() {
  const list = state.suggestions;
  if (!list.length) return flash("No suggestions on this clip.");
  const index = list.findIndex((s) => s.id === state.pinned && s.onset === state.frame);
  const next = index >= 0 ? list[(index + 1) % list.length] : list.find((s) => s.onset > state.frame) || list[0];
  state.pinned = next.id;
  seek(next.onset);
}

/* ---------- analysis: the motion curve under the timeline, flow colour and magnified frames ---------- */

const ACTIVE_JOB = new Set(["queued", "running"]);
let analysisTimer = null, analysisSocket = null, socketsWork = true;

function analysisText() {
  const { status, progress, error } = state.analysis;
  if (status === "queued") return "the clip's analysis is queued.";
  if (status === "running") return `analysing the clip… ${Math.round(progress * 100)}%`;
  if (status === "failed") return `the clip's analysis failed: ${error}`;
  if (status === "none") return "the clip has not been analysed yet (opening it as a coder starts that).";
  if (status === "loading") return "loading the clip's analysis…";
  return status === "ready" ? "" : `the analysis could not be loaded: ${error}`;
}

// Opening a ready clip as a coder starts its analysis (POST is idempotent: one job per clip), then follows the job.
async function loadAnalysis({ start = false } = {}) {
  clearTimeout(analysisTimer);
  let response;
  try {
    response = await api(start ? "POST" : "GET", ML.analysis);
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
function followAnalysis(jobId) {
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

function renderAnalysis() {
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

function renderMotionValue() {
  const { status, curve, unit } = state.analysis;
  $("#motion-value").textContent = status === "ready" ? `${curve[state.frame]?.toFixed(2) ?? "–"} ${unit}` : "";
  $("#motion-cursor").style.left = `${((state.frame + 0.5) / clip.frame_count) * 100}%`;
}

// The curve, scaled to its peak, over the coder's events (bands; the selected one darker; apex lines), frames
// mapping to x exactly as on the timeline above.
function drawMotion() {
  const plot = $("#motion-curve");
  const { clientWidth: width, clientHeight: height } = plot;
  if (!width || !height) return;
  const ratio = devicePixelRatio || 1;
  plot.width = Math.round(width * ratio);
  plot.height = Math.round(height * ratio);
  const g = plot.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const x = (frame) => (frame / clip.frame_count) * width;
  for (const event of sortedEvents()) {
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
  const peak = Math.max(...curve) || 1;
  const y = (value) => height - 1.5 - (value / peak) * (height - 4);
  g.beginPath();
  curve.forEach((value, frame) => (frame ? g.lineTo(x(frame + 0.5), y(value)) : g.moveTo(x(0.5), y(value))));
  g.strokeStyle = "#c05621";
  g.lineWidth = 1.5;
  g.stroke();
  g.lineTo(x(curve.length - 0.5), height);
  g.lineTo(x(0.5), height);
  g.fillStyle = "rgba(221, 107, 32, .2)";
  g.fill();
}

/* ---------- apex-first assist: P proposes the selected event's onset and offset from its apex ---------- */

let proposalTimer = null;

// A "propose" job (mlbackend/services/apex_first.py) measures the motion around the apex on a worker; the page
// polls for its answer, then sets onset and offset like O and F would (autosaved; O / F set them back by hand).
async function proposeInterval() {
  const event = current();
  if (!event) return flash("Select or start an event first (N).");
  const { apex, kind } = event.local;
  if (apex === null || apex === undefined) return flash("Mark the apex first (A), then press P.");
  if (ACTIVE_JOB.has(state.proposal?.status)) return flash(`Still proposing around apex ${state.proposal.apex}…`);
  clearTimeout(proposalTimer);
  state.proposal = { eventKey: event.key, apex, job: null, status: "asking", onset: null, offset: null,
    before: { onset: event.local.onset, offset: event.local.offset }, error: "" };
  renderProposal();
  let response;
  try {
    response = await api("POST", ML.propose, { apex, kind });
  } catch (error) {
    response = { status: 0, data: { detail: `network: ${error.message}` } };
  }
  if (response.status !== 202) return proposalFailed(describe(response.data) || `HTTP ${response.status}`);
  Object.assign(state.proposal, { job: response.data.job, status: response.data.status });
  flash(`Proposing onset and offset around apex ${apex}…`);
  renderProposal();
  proposalTimer = setTimeout(pollProposal, PROPOSAL_POLL_MS);
}

async function pollProposal() {
  const proposal = state.proposal;
  if (!proposal?.job) return;
  let response;
  try {
    response = await api("GET", ML.proposal(proposal.job));
  } catch (error) {
    response = { status: 0, data: null };
  }
  if (state.proposal !== proposal) return; // a newer request took over
  const { status, data } = response;
  if (status === 200 && ACTIVE_JOB.has(data.status)) proposal.status = data.status;
  else if (status === 200 && data.status === "succeeded") return applyProposal(proposal, data);
  else if (status === 200) return proposalFailed(data.error || `the job was ${data.status}`);
  else if (status !== 0) return proposalFailed(describe(data) || `HTTP ${status}`);
  renderProposal();
  proposalTimer = setTimeout(pollProposal, PROPOSAL_POLL_MS);
}

function applyProposal(proposal, { onset, offset }) {
  Object.assign(proposal, { status: "succeeded", onset, offset });
  const event = state.events.find((e) => e.key === proposal.eventKey && !e.deleted);
  if (!event) {
    proposal.status = "stale";
    flash("Proposal not applied: its event is gone.");
  } else if (event.local.apex !== proposal.apex) {
    proposal.status = "stale";
    flash(`Proposal not applied: the apex moved from ${proposal.apex} to ${event.local.apex} meanwhile; press P again.`);
  } else {
    const was = `${event.local.onset}–${event.local.offset}`;
    flash(`Proposed onset ${onset}, offset ${offset} around apex ${proposal.apex} (was ${was}); O / F set them by hand.`);
    edit(event, { onset, offset });
  }
  renderProposal();
}

function proposalFailed(error) {
  Object.assign(state.proposal, { status: "failed", error });
  flash(`No proposal: ${error}`);
  renderProposal();
}

// Under the event's fields: what was proposed for it, or how far the proposal got.
function renderProposal() {
  const line = $("#proposal");
  const proposal = state.proposal;
  const mine = proposal && proposal.eventKey === state.selected;
  line.hidden = !mine;
  line.dataset.state = mine ? proposal.status : "none";
  if (!mine) return (line.textContent = "");
  const { status, apex, onset, offset, before, error } = proposal;
  if (status === "succeeded") {
    line.textContent = `Proposed from apex ${apex}: onset ${onset}, offset ${offset} (was ${before.onset}–${before.offset}).`;
  } else if (status === "stale") line.textContent = `Proposal for apex ${apex} (onset ${onset}, offset ${offset}) not applied.`;
  else if (status === "failed") line.textContent = `No proposal for apex ${apex}: ${error}`;
  else line.textContent = `Proposing onset and offset from apex ${apex}…`;
}

/* ---------- keyboard ---------- */

const onEvent = (action) => () => {
  const event = current();
  if (event) action(event);
  else flash("Select or start an event first (N).");
};

// [keys, how the help shows them, what they do, handler, changes coding?]; the help overlay is built from this list.
const KEYS = [
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
  [["?"], "?", "show / hide this help", () => toggleHelp()],
  [["Escape"], "Esc", "close help, cancel an entry, leave a text field", () => toggleHelp(false)],
];
const BINDINGS = new Map(KEYS.flatMap(([keys, , , run, edits]) => keys.map((key) => [key, { run, edits }])));

function keyName(e) {
  const key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  // Shift is part of the name only for letters and named keys: "?" and "+" already carry it.
  return (e.shiftKey && (/^[A-Z]$/.test(key) || key.length > 1) ? "Shift+" : "") + key;
}

// While an AU or an emotion is being typed, keys belong to it; any other key ends it and then acts as usual.
function modalKey(key) {
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

function onKeyDown(e) {
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
  if (modalKey(key)) return e.preventDefault();
  const binding = BINDINGS.get(key);
  if (!binding) return;
  e.preventDefault();
  if (binding.edits && !config.canCode) return flash("Read-only: your role does not allow coding.");
  binding.run(key);
}

/* ---------- rendering ---------- */

function renderFrame() {
  const seconds = (state.frame / clip.fps).toFixed(3);
  // A clip imported from a dataset also shows the dataset's own number of the frame (img58 -> 58).
  const own = config.frameNumbers ? ` (${clip.dataset || "dataset"} #${config.frameNumbers[state.frame]})` : "";
  $("#readout").textContent = `frame ${state.frame}${own} / ${last} · ${seconds} s`;
  $("#cursor").style.left = `${((state.frame + 0.5) / clip.frame_count) * 100}%`;
  $("#timeline").setAttribute("aria-valuenow", state.frame);
  $("#timeline").setAttribute("aria-valuetext", `frame ${state.frame}`);
  renderMotionValue();
  renderTarget();
  draw();
}

const percent = (frame) => `${(frame / clip.frame_count) * 100}%`;
const auSummary = (aus) => aus.map(facsCode).join("+");
const display = (name, value) => (name === "aus" ? auSummary(value) : value === null || value === "" ? "—" : String(value));

function element(tag, attributes = {}, ...children) {
  const node = Object.assign(document.createElement(tag), attributes);
  node.append(...children);
  return node;
}

// A span from onset to offset with a tick at each marker; the coder's events and the model's ghosts alike.
function bar(className, { onset, apex, offset }, title) {
  const span = element("div", { className, title });
  span.style.left = percent(onset);
  span.style.width = percent(offset - onset + 1);
  const mark = (kind, frame) => {
    const tick = element("i", { className: kind, title: `${kind} ${frame}` });
    tick.style.left = `${((frame - onset + 0.5) / (offset - onset + 1)) * 100}%`;
    return tick;
  };
  span.append(mark("onset", onset), mark("offset", offset));
  if (apex !== null) span.append(mark("apex", apex));
  return span;
}

// Overlapping spans go to separate lanes, so none hides another; they come sorted by onset.
function stack(spans, timings) {
  const laneEnds = [];
  const lanes = timings.map(({ onset, offset }) => {
    let lane = laneEnds.findIndex((end) => end < onset);
    if (lane < 0) lane = laneEnds.push(offset) - 1;
    laneEnds[lane] = offset;
    return lane;
  });
  spans.forEach((span, i) => {
    span.style.top = `${(lanes[i] / laneEnds.length) * 100}%`;
    span.style.height = `calc(${100 / laneEnds.length}% - 2px)`;
  });
  return spans;
}

function renderTimeline() {
  const events = sortedEvents();
  $("#spans").replaceChildren(...stack(events.map((event) => {
    const span = bar(`span ${event.key === state.selected ? "selected" : ""}`, event.local, eventLabel(event));
    span.dataset.key = event.key;
    return span;
  }), events.map((event) => event.local)));
  $("#ghosts").replaceChildren(...stack(state.suggestions.map((suggestion) => {
    const ghost = bar(`ghost ${suggestion.accepted ? "accepted" : ""}`, suggestion, suggestionLabel(suggestion));
    ghost.dataset.prediction = suggestion.id;
    return ghost;
  }), state.suggestions));
  $("#timeline").classList.toggle("has-ghosts", state.suggestions.length > 0);
  drawMotion();
}

const timing = ({ onset, apex, offset }) => `${onset}–${offset}${apex === null ? "" : ` (apex ${apex})`}`;

function eventLabel(event) {
  const { kind, emotion, aus, status } = event.local;
  const name = event.server ? `#${event.server.id}` : "new";
  return [`${name} ${kind} ${timing(event.local)}`, emotion, auSummary(aus), status].filter(Boolean).join(" · ");
}

function renderList() {
  const items = sortedEvents().map((event) => {
    const button = element("button", { type: "button", textContent: eventLabel(event) });
    button.dataset.key = event.key;
    if (event.key === state.selected) button.setAttribute("aria-current", "true");
    const flag = event.conflict ? "conflict" : event.error ? "error" : isDirty(event) ? "unsaved" : "";
    return element("li", { className: flag }, button);
  });
  $("#event-list").replaceChildren(...(items.length ? items : [element("li", { className: "muted small", textContent: config.canCode ? "No events yet: go to an onset and press N or O." : "You have no events on this clip." })]));
}

function renderEditor() {
  const event = current();
  editor.hidden = !event;
  if (!event) return;
  const { local } = event;
  $("#editor-title").textContent = event.server ? `Event #${event.server.id} · version ${event.server.version}` : "New event (not saved yet)";
  for (const name of ["onset", "apex", "offset", "kind", "emotion", "notes"]) {
    const input = editor.elements[name];
    if (input !== document.activeElement) input.value = local[name] ?? "";
  }
  $("#event-status").textContent = local.status;
  $("#submit-event").textContent = local.status === "draft" ? "Submit (S)" : "Back to draft (S)";
  $("#aus").replaceChildren(...local.aus.map((au, index) => {
    const name = config.aus.find((known) => known.number === au.number)?.name || "";
    const side = element("select", { ariaLabel: `AU${au.number} side`, title: "Side: L / R / B" },
      ...Object.values(SIDES).map((value) => element("option", { value, textContent: value })));
    side.value = au.side;
    side.dataset.part = "side";
    const intensity = element("select", { ariaLabel: `AU${au.number} intensity`, title: "Intensity A–E" },
      element("option", { value: "", textContent: "–" }), ...config.intensities.map((value) => element("option", { value, textContent: value })));
    intensity.value = au.intensity || "";
    intensity.dataset.part = "intensity";
    const remove = element("button", { type: "button", textContent: "×", ariaLabel: `Remove AU${au.number}` });
    remove.dataset.part = "remove";
    const chip = element("li", { className: "chip", title: name }, element("strong", { textContent: facsCode(au) }), " ", side, intensity, remove);
    chip.dataset.index = index;
    return chip;
  }));
  $("#field-errors").textContent = event.error;
  for (const control of editor.elements) control.disabled = !config.canCode;
  $("#propose").disabled = !config.canCode || local.apex === null;
  renderEventSuggestion(event);
  renderProposal();
}

// Next to the fields: the suggestion overlapping the event most, the one Y takes while the cursor is inside it.
function renderEventSuggestion(event) {
  const suggestion = bestSuggestion(event) || bestSuggestion(event, state.suggestions);
  const line = $("#event-suggestion");
  line.hidden = !suggestion;
  if (!suggestion) return;
  line.dataset.prediction = suggestion.id;
  line.title = `${suggestion.model_version} · score ${suggestion.score.toFixed(2)}`;
  line.replaceChildren(
    element("span", { className: "muted", textContent: `Suggested (${suggestion.plugin}, ${suggestion.onset}–${suggestion.offset}): ` }),
    element("strong", { textContent: suggestionSummary(suggestion) }), " ",
    suggestion.accepted ? element("span", { className: "taken", textContent: "✓ taken" })
      : element("kbd", { className: "y", title: "Y takes it", textContent: "Y" }));
}

function renderSuggestions() {
  const section = $("#suggestions");
  const { suggestions } = state;
  section.dataset.state = state.suggestionsState === "ready" || state.suggestionsState === "loading" ? state.suggestionsState : "error";
  $("#suggestion-count").textContent = suggestions.length ? `${openSuggestions().length} open of ${suggestions.length}` : "";
  if (!suggestions.length) {
    const note = state.suggestionsState === "loading" ? ["Loading suggestions…"]
      : state.suggestionsState !== "ready" ? [state.suggestionsState]
      : ["None for this clip: a lead pre-annotates clips on the ",
        element("a", { href: section.dataset.modelsUrl, textContent: "Models page" }), "."];
    return $("#suggestion-list").replaceChildren(element("li", { className: "muted small" }, ...note));
  }
  const byVersion = new Map(); // grouped by model version, each group by onset
  for (const suggestion of suggestions) {
    byVersion.set(suggestion.model_version, [...(byVersion.get(suggestion.model_version) || []), suggestion]);
  }
  $("#suggestion-list").replaceChildren(...[...byVersion].flatMap(([version, group]) => [
    element("li", { className: "version", title: "model version" }, element("code", { textContent: version })),
    ...group.map((suggestion) => {
      const button = element("button", { type: "button", title: suggestionLabel(suggestion) },
        element("span", { className: "when", textContent: timing(suggestion) }), " ", suggestionSummary(suggestion),
        ...(suggestion.accepted ? [" ", element("span", { className: "taken", textContent: `✓ #${suggestion.accepted}` })] : []));
      button.dataset.prediction = suggestion.id;
      return element("li", { className: suggestion.accepted ? "accepted" : "" }, button);
    }),
  ]));
}

// Highlights what Y would take, wherever it shows, and says what it would do.
function renderTarget() {
  const target = targetSuggestion();
  for (const node of document.querySelectorAll("[data-prediction]")) {
    node.classList.toggle("target", Number(node.dataset.prediction) === target?.id);
  }
  const action = $("#suggestion-action");
  action.hidden = !state.suggestions.length;
  if (!target) {
    action.textContent = "Every suggestion is taken.";
    return;
  }
  if (target.accepted) {
    action.textContent = `✓ ${timing(target)} is taken into #${target.accepted}.`;
    return;
  }
  const { into, what } = acceptPlan(target);
  action.replaceChildren(element("kbd", { textContent: "Y" }), " takes ", into
    ? `${what || "nothing"} into ${into.server ? `#${into.server.id}` : "the new event"}`
    : `a new event ${timing(target)}${what ? `: ${what}` : ""}`);
}

function renderConflict() {
  const event = current();
  const panel = $("#conflict");
  panel.hidden = !event?.conflict;
  if (!event?.conflict) return;
  const theirs = event.conflict.current;
  const edited = unsavedFields(event);
  $("#conflict-detail").textContent = `${event.conflict.detail} You loaded version ${event.server.version}; ` +
    `the server has version ${theirs.version}. "Keep mine" re-sends only your edits (✎) on top of it.`;
  $("#conflict-rows").replaceChildren(...FIELDS.map((name) => {
    const row = element("tr", { className: same(event.local[name], theirs[name]) ? "" : "differs" },
      element("th", { textContent: name + (name in edited ? " ✎" : "") }),
      element("td", { textContent: display(name, event.local[name]) }),
      element("td", { textContent: display(name, theirs[name]) }));
    row.dataset.field = name;
    return row;
  }));
}

function renderStatus() {
  const events = state.events;
  const problem = events.find((e) => e.error);
  const [status, text] =
    events.some((e) => e.conflict) ? ["conflict", "conflict: choose a version"]
      : problem ? ["error", `error: ${problem.error}`]
      : events.some((e) => e.inflight) ? ["saving", "saving…"]
      : events.some(isDirty) ? ["unsaved", "unsaved"]
      : ["saved", "saved"];
  const badge = $("#save-status");
  badge.dataset.state = status;
  badge.textContent = text;
}

function renderEntry() {
  const box = $("#entry");
  let text = "";
  if (state.emotionPick) {
    text = `Emotion: ${config.emotions.slice(0, 9).map((label, i) => `${i + 1} ${label}`).join(" · ")} · 0 none`;
  } else if (state.entry !== null) {
    const number = Number(state.entry.match(/\d+/)?.[0]);
    const name = config.aus.find((au) => au.number === number)?.name || (auAllowed(number) ? "" : "not in this project");
    text = `AU ${state.entry} ${name ? `(${name})` : ""} · A–E intensity · L/R/B side · Enter applies · Esc cancels`;
  }
  box.textContent = text;
  box.hidden = !text;
}

let flashTimer = null;
function flash(text) {
  state.flash = text;
  note("");
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => { state.flash = ""; draw(); }, 2500);
}

function render() {
  renderFrame();
  renderTimeline();
  renderList();
  renderEditor();
  renderConflict();
  renderSuggestions();
  renderTarget();
  renderStatus();
}

function toggleHelp(show = help.hidden) {
  help.hidden = !show;
  if (show) $("#help-close").focus();
}

/* ---------- wiring ---------- */

function setup() {
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
  // A tick every 1, 5, 10, 50… frames, whichever keeps them about 1% of the width apart or more.
  const tick = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000].find((s) => s * 100 >= clip.frame_count) ?? 50000;
  $("#timeline").style.setProperty("--tick", `${(tick / clip.frame_count) * 100}%`);
  $("#timeline").title = `Ticks every ${tick} frame${tick > 1 ? "s" : ""}`;
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
    seek(Math.floor(((e.clientX - box.left) / box.width) * clip.frame_count));
  };
  const motion = $("#motion");
  motion.addEventListener("pointerdown", (e) => {
    if (e.target.closest("button")) return;
    motion.setPointerCapture(e.pointerId);
    seekTo(e);
  });
  motion.addEventListener("pointermove", (e) => { if (e.buttons) seekTo(e); });
  $("#analyse").addEventListener("click", () => loadAnalysis({ start: true }));
  new ResizeObserver(drawMotion).observe($("#motion-curve"));
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
  $("#new-event").addEventListener("click", createEvent);
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
}

setup();
