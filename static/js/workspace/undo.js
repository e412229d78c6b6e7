// Undo / redo of the coder's changes in this session (Ctrl+Z, Ctrl+Shift+Z). A step puts an event's fields back, or
// deletes or re-creates it, and saves through the same versioned API: an undo is a new version, never a rewind.
import { fieldsOf, save, schedule, select, track } from "./coding.js";
import { state } from "./core.js";
import { render } from "./main.js";
import { flash } from "./viewer.js";

const MERGE_MS = 1000; // typing notes: one step, not one per character
const undos = [];
const redos = [];

function push(step) {
  undos.push(step);
  redos.length = 0;
}

// Called by coding.edit with the fields as they were; nothing is recorded for an edit that changed nothing.
export function recordEdit(event, before) {
  const changed = Object.keys(before).filter((name) => JSON.stringify(before[name]) !== JSON.stringify(event.local[name]));
  if (!changed.length) return;
  const top = undos.at(-1);
  const now = performance.now();
  const typing = changed.length === 1 && changed[0] === "notes";
  if (typing && top?.kind === "edit" && top.event === event && top.typing && now - top.at < MERGE_MS) {
    top.at = now;
    return;
  }
  push({ kind: "edit", event, before, typing, at: now });
}

export const recordCreate = (event) => push({ kind: "create", event });
export const recordDelete = (event) => push({ kind: "delete", event, before: fieldsOf(event.local) });

export const undo = () => step(undos, redos, "undo");
export const redo = () => step(redos, undos, "redo");

function step(from, to, name) {
  const next = from.at(-1);
  if (!next) return flash(`Nothing to ${name}.`);
  if (next.event.conflict || next.event.inflight) {
    return flash(`Not yet: the event is ${next.event.conflict ? "in a conflict; choose a version first" : "saving"}.`);
  }
  from.pop();
  to.push(apply(next));
  flash(`${name === "undo" ? "Undone" : "Redone"}: ${describeStep(next)}.`);
  render();
}

const describeStep = ({ kind, before }) =>
  kind === "create" ? "new event" : kind === "delete" ? "deleted event" : `change of ${Object.keys(before).join(", ")}`;

// Does the step and returns the step that reverses it.
function apply({ kind, event, before }) {
  if (kind === "edit") {
    const now = Object.fromEntries(Object.keys(before).map((name) => [name, structuredClone(event.local[name])]));
    Object.assign(event.local, structuredClone(before));
    schedule(event);
    select(event);
    return { kind: "edit", event, before: now, at: 0 };
  }
  if (kind === "create") {
    const reverse = { kind: "delete", event, before: fieldsOf(event.local) };
    clearTimeout(event.timer);
    event.timer = null;
    event.deleted = true;
    save(event);
    return reverse;
  }
  // A deleted event comes back as a new one (a new id); the steps that named the old one now name it.
  const revived = track(null, { ...structuredClone(before), status: before.status });
  state.events.push(revived);
  for (const other of [...undos, ...redos]) if (other.event === event) other.event = revived;
  select(revived);
  schedule(revived);
  return { kind: "create", event: revived };
}
