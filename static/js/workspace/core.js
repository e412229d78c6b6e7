// Shared by every workspace module: the page's config (endpoint URLs included) and the one state object.

export const config = JSON.parse(document.getElementById("workspace-config").textContent);
export const { clip, urls } = config;
// An endpoint the page handed over, its "{id}" filled in (frame, event, prediction or job id).
export const endpoint = (name, id) => urls[name].replace("{id}", id);
export const last = clip.frame_count - 1;
export const $ = (selector) => document.querySelector(selector);

export const FIELDS = ["onset", "apex", "offset", "kind", "emotion", "aus", "notes", "status"];
export const RATES = [1, 0.5, 0.1, 0.05];
export const BEHIND = 30, AHEAD = 60, PARALLEL = 6, CACHE_CAP = 600, SAVE_DELAY_MS = 400, RETRY_MS = 3000;
export const SIDES = { L: "L", R: "R", B: "both" };
export const PROPOSAL_POLL_MS = 300; // apex-first proposals take well under a second of a worker's time
export const ANALYSIS_POLL_MS = 2000; // when the job's WebSocket is not available (a WSGI server)
export const FLOW_OPACITY = 1.6; // flow colour's opacity per unit of its brightness: still pixels stay clear
export const AU_LIKELY = 0.5; // AUs at this probability or above are shown and taken (mlbackend/services/acceptance.py)

export const canvas = $("#stage");
export const ctx = canvas.getContext("2d");
export const scratch = new OffscreenCanvas(1, 1).getContext("2d", { willReadFrequently: true });
export const editor = $("#editor");
export const help = $("#help");

export const state = {
  frame: 0, // the frame asked for
  shown: null, // the frame whose pixels are on the canvas
  view: "frame", rate: 0.1, playing: false, events: [], selected: null,
  entry: null, // AU being typed, e.g. "12CR"
  emotionPick: false, flash: "",
  suggestions: [], // the clip's predictions, by onset; `accepted` is the id of the event one went into
  suggestionsState: "loading", // loading, ready, or why they could not be loaded
  pinned: null, // the suggestion picked on the timeline, in the list or with Shift+Y
  accepting: false,
  analysis: { status: "loading" }, // the clip's motion curve, flow colour and magnified frames (GET urls.analysis)
  plainView: "frame", // where M and C go back to
  flowGain: 1, // the flow colour's brightness gain (Shift+C)
  // The apex-first proposal last asked for (P): { eventKey, apex, job, status, onset, offset, before, error }.
  proposal: null,
};
export function element(tag, attributes = {}, ...children) {
  const node = Object.assign(document.createElement(tag), attributes);
  node.append(...children);
  return node;
}
