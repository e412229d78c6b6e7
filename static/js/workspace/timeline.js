// The timeline: lanes of spans over the zoom window (zoom.js). Each lane is one row: the model's suggestions (ghosts)
// and the coder's own events; addLane adds more (a lane per coder, say) without touching the rest.
import { sortedEvents } from "./coding.js";
import { $, element, state } from "./core.js";
import { eventLabel } from "./panel.js";
import { suggestionLabel } from "./suggestions.js";
import { percent, visible } from "./zoom.js";

// A span from onset to offset with a tick at each marker; the coder's events and the model's ghosts alike.
export function bar(className, { onset, apex, offset }, title) {
  const span = element("div", { className, title });
  span.style.left = percent(onset);
  span.style.width = `calc(${percent(offset + 1)} - ${percent(onset)})`;
  const mark = (kind, frame) => {
    const marker = element("i", { className: kind, title: `${kind} ${frame}` });
    marker.style.left = `${((frame - onset + 0.5) / (offset - onset + 1)) * 100}%`;
    return marker;
  };
  span.append(mark("onset", onset), mark("offset", offset));
  if (apex !== null) span.append(mark("apex", apex));
  return span;
}

// Overlapping spans go to separate rows, so none hides another; they come sorted by onset. Rows are worked out over
// the whole clip, so a span keeps its row while the window zooms and pans.
export function stack(spans, timings) {
  const rowEnds = [];
  const rows = timings.map(({ onset, offset }) => {
    let row = rowEnds.findIndex((end) => end < onset);
    if (row < 0) row = rowEnds.push(offset) - 1;
    rowEnds[row] = offset;
    return row;
  });
  spans.forEach((span, i) => {
    if (!span) return;
    span.style.top = `${(rows[i] / rowEnds.length) * 100}%`;
    span.style.height = `calc(${100 / rowEnds.length}% - 2px)`;
  });
  return spans.filter(Boolean);
}

// A lane: where it draws (an element in #timeline), its items ({onset, apex, offset}, sorted by onset) and how one
// item becomes a span element.
const LANES = [];

export function addLane({ name, container, items, span }) {
  container.dataset.lane = name;
  LANES.push({ name, container, items, span });
}

export function renderTimeline() {
  for (const { container, items, span } of LANES) {
    const all = items();
    container.replaceChildren(...stack(all.map((item) => (visible(timingOf(item)) ? span(item) : null)), all.map(timingOf)));
  }
  $("#timeline").classList.toggle("has-ghosts", state.suggestions.length > 0);
}

const timingOf = (item) => item.local || item;

export function addDefaultLanes() {
  addLane({
    name: "suggestions", container: $("#ghosts"), items: () => state.suggestions,
    span: (suggestion) => {
      const ghost = bar(`ghost ${suggestion.accepted ? "accepted" : ""}`, suggestion, suggestionLabel(suggestion));
      ghost.dataset.prediction = suggestion.id;
      return ghost;
    },
  });
  addLane({
    name: "mine", container: $("#spans"), items: sortedEvents,
    span: (event) => {
      const span = bar(`span ${event.key === state.selected ? "selected" : ""}`, event.local, eventLabel(event));
      span.dataset.key = event.key;
      return span;
    },
  });
}
