// The side panel: the event list, the editor, the conflict dialog, the save badge and the AU / emotion entry.
import { auAllowed, current, facsCode, isDirty, same, sortedEvents, unsavedFields } from "./coding.js";
import { $, config, editor, element, FIELDS, SIDES, state } from "./core.js";
import { renderProposal } from "./proposals.js";
import { renderEventSuggestion } from "./suggestions.js";

export const auSummary = (aus) => aus.map(facsCode).join("+");
export const display = (name, value) => (name === "aus" ? auSummary(value) : value === null || value === "" ? "—" : String(value));

export const timing = ({ onset, apex, offset }) => `${onset}–${offset}${apex === null ? "" : ` (apex ${apex})`}`;

export function eventLabel(event) {
  const { kind, emotion, aus, status } = event.local;
  const name = event.server ? `#${event.server.id}` : "new";
  return [`${name} ${kind} ${timing(event.local)}`, emotion, auSummary(aus), status].filter(Boolean).join(" · ");
}

export function renderList() {
  const items = sortedEvents().map((event) => {
    const button = element("button", { type: "button", textContent: eventLabel(event) });
    button.dataset.key = event.key;
    if (event.key === state.selected) button.setAttribute("aria-current", "true");
    const flag = event.conflict ? "conflict" : event.error ? "error" : isDirty(event) ? "unsaved" : "";
    return element("li", { className: flag }, button);
  });
  $("#event-list").replaceChildren(...(items.length ? items : [element("li", { className: "muted small", textContent: config.canCode ? "No events yet: go to an onset and press N or O." : "You have no events on this clip." })]));
}

export function renderEditor() {
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

export function renderConflict() {
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

export function renderStatus() {
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

export function renderEntry() {
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
