// Suggestions: a model's pre-annotation, taken into the coder's own events (Y).
import { api, describe } from "./api.js";
import { auAllowed, current, fieldsOf, isDirty, normaliseAus, same, save, select, track } from "./coding.js";
import { $, AU_LIKELY, config, element, endpoint, FIELDS, state, urls } from "./core.js";
import { render } from "./main.js";
import { renderStatus, timing } from "./panel.js";
import { recordCreate, recordEdit } from "./undo.js";
import { flash, seek } from "./viewer.js";

export const overlap = (a, b) => Math.max(0, Math.min(a.offset, b.offset) - Math.max(a.onset, b.onset) + 1);
export const covers = (span, frame) => span.onset <= frame && frame <= span.offset;
export const percentOf = (p) => `${Math.round(p * 100)}%`;
export const openSuggestions = () => state.suggestions.filter((s) => !s.accepted);
export const likelyAus = (suggestion) => Object.entries(suggestion.au_probs)
  .filter(([, p]) => p >= AU_LIKELY).map(([number, p]) => [Number(number), p]).sort((a, b) => a[0] - b[0]);

export async function loadSuggestions() {
  try {
    const { status, data } = await api("GET", urls.predictions);
    if (status !== 200) throw new Error(describe(data) || `HTTP ${status}`);
    state.suggestions = data.map((prediction) => ({ ...prediction, accepted: prediction.accepted_event }));
    state.suggestionsState = "ready";
  } catch (error) {
    state.suggestionsState = `Suggestions could not be loaded: ${error.message}`;
  }
  render();
}

// What accepting takes, decided as the server does: the top emotion when it is a project label, AUs at 50% or more.
export function offered(suggestion) {
  const emotion = config.emotions.includes(suggestion.emotion) ? suggestion.emotion : "";
  const aus = likelyAus(suggestion).filter(([number]) => auAllowed(number)).map(([number]) => ({ number, side: "both", intensity: null }));
  return { emotion, aus };
}

export function suggestionSummary(suggestion) {
  const { emotion, emotion_probs: probs } = suggestion;
  const aus = likelyAus(suggestion).map(([number, p]) => `AU${number} ${percentOf(p)}`);
  return [emotion && `${emotion} ${percentOf(probs[emotion])}`, ...aus].filter(Boolean).join(" · ") || "no label";
}

export function suggestionLabel(suggestion) {
  const taken = suggestion.accepted ? ` · taken into #${suggestion.accepted}` : "";
  return `${suggestion.plugin} · ${timing(suggestion)} · ${suggestionSummary(suggestion)} · score ${suggestion.score.toFixed(2)}${taken}`;
}

// The suggestion overlapping the event most (ties: the higher score).
export function bestSuggestion(event, candidates = openSuggestions()) {
  let best = null, most = 0;
  for (const suggestion of candidates) {
    const shared = overlap(event.local, suggestion);
    if (shared > most || (shared && shared === most && suggestion.score > best.score)) [best, most] = [suggestion, shared];
  }
  return best;
}

// What Y takes: the suggestion picked (click, Shift+Y) while the cursor is on it; else, with the cursor inside the
// selected event, the open suggestion overlapping that event most; else the open suggestion nearest the cursor.
export function targetSuggestion() {
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
export function acceptPlan(suggestion) {
  const event = current();
  const into = event && !event.deleted && overlap(event.local, suggestion) ? event : null;
  const { emotion, aus } = offered(suggestion);
  const what = [emotion, ...aus.map((au) => `AU${au.number}`)].join(" + ");
  return { into, emotion, aus, what };
}

export async function acceptSuggestion() {
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
    response = await api("POST", endpoint("accept", suggestion.id), event ? { event: event.server.id, version: event.server.version } : {});
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
      recordCreate(created);
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
export function adoptAccepted(event, data, taken) {
  const before = fieldsOf(event.local);
  const saved = fieldsOf(event.server);
  const own = event.local.aus;
  for (const name of FIELDS) if (taken[name] || same(event.local[name], saved[name])) event.local[name] = structuredClone(data[name]);
  if (taken.aus) event.local.aus = normaliseAus([...own, ...data.aus.filter((au) => !own.some((mine) => mine.number === au.number))]);
  event.server = data;
  recordEdit(event, before); // Ctrl+Z puts the fields back (the prediction stays taken)
}

export function nextSuggestion() {
  const list = state.suggestions;
  if (!list.length) return flash("No suggestions on this clip.");
  const index = list.findIndex((s) => s.id === state.pinned && s.onset === state.frame);
  const next = index >= 0 ? list[(index + 1) % list.length] : list.find((s) => s.onset > state.frame) || list[0];
  state.pinned = next.id;
  seek(next.onset);
}

// Next to the fields: the suggestion overlapping the event most, the one Y takes while the cursor is inside it.
export function renderEventSuggestion(event) {
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

export function renderSuggestions() {
  const section = $("#suggestions");
  const { suggestions } = state;
  section.dataset.state = state.suggestionsState === "ready" || state.suggestionsState === "loading" ? state.suggestionsState : "error";
  $("#suggestion-count").textContent = suggestions.length ? `${openSuggestions().length} open of ${suggestions.length}` : "";
  if (!suggestions.length) {
    const message = state.suggestionsState === "loading" ? ["Loading suggestions…"]
      : state.suggestionsState !== "ready" ? [state.suggestionsState]
      : ["None for this clip: a lead pre-annotates clips on the ",
        element("a", { href: section.dataset.modelsUrl, textContent: "Models page" }), "."];
    return $("#suggestion-list").replaceChildren(element("li", { className: "muted small" }, ...message));
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
export function renderTarget() {
  const target = targetSuggestion();
  for (const node of document.querySelectorAll("[data-prediction]")) {
    node.classList.toggle("target", Number(node.dataset.prediction) === target?.id);
  }
  const action = $("#suggestion-action");
  action.hidden = !state.suggestions.length || !config.canCode; // a read-only member is offered nothing to take
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
