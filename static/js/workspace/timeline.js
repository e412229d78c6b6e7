// The timeline: the coder's events and the model's ghosts as spans over the clip.
import { drawMotion } from "./analysis.js";
import { sortedEvents } from "./coding.js";
import { $, clip, element, state } from "./core.js";
import { eventLabel } from "./panel.js";
import { suggestionLabel } from "./suggestions.js";

export const percent = (frame) => `${(frame / clip.frame_count) * 100}%`;

// A span from onset to offset with a tick at each marker; the coder's events and the model's ghosts alike.
export function bar(className, { onset, apex, offset }, title) {
  const span = element("div", { className, title });
  span.style.left = percent(onset);
  span.style.width = percent(offset - onset + 1);
  const mark = (kind, frame) => {
    const marker = element("i", { className: kind, title: `${kind} ${frame}` });
    marker.style.left = `${((frame - onset + 0.5) / (offset - onset + 1)) * 100}%`;
    return marker;
  };
  span.append(mark("onset", onset), mark("offset", offset));
  if (apex !== null) span.append(mark("apex", apex));
  return span;
}

// Overlapping spans go to separate lanes, so none hides another; they come sorted by onset.
export function stack(spans, timings) {
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

export function renderTimeline() {
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
