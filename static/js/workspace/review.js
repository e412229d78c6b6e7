// The other coders' events, read-only, one timeline lane per coder plus the gold lane; and review on them: the lead
// or reviewer picks an event (click it), makes it gold (Shift+G or the button) and reads or writes its comments.
// The page hands over only what the visibility rule lets the user see, so a blind coder gets no lane but gold.
import { api, describe } from "./api.js";
import { $, config, element, endpoint } from "./core.js";
import { addLane, bar, renderTimeline } from "./timeline.js";
import { flash, seek } from "./viewer.js";

const lanes = config.otherEvents || [];
const review = { picked: null }; // { lane, event } the user clicked in another coder's (or the gold) lane

const timing = ({ onset, apex, offset }) => `${onset}–${apex ?? "·"}–${offset}`;
const label = (lane, event) =>
  [`${lane.name} #${event.id} ${event.kind} ${timing(event)}`, event.emotion, event.status].filter(Boolean).join(" · ");
const goldLane = () => lanes.find((lane) => lane.gold);
const coderLane = (name) => lanes.find((lane) => !lane.gold && lane.name === name);

export function addReviewLanes() {
  for (const lane of lanes) mountLane(lane);
  showLanes();
  const box = $("#other-lanes");
  box.addEventListener("pointerdown", (e) => {
    const span = e.target.closest("[data-event]");
    if (!span) return;
    const row = span.closest(".lane");
    const lane = row.classList.contains("gold") ? goldLane() : coderLane(row.dataset.coder);
    pick(lane, lane.events.find((event) => event.id === Number(span.dataset.event)));
  });
  $("#make-gold").addEventListener("click", makeGold);
  $("#comment-form").addEventListener("submit", (e) => { e.preventDefault(); addComment(); });
}

// A lane's row under the timeline; the gold lane stays out of sight until it has a code or the user makes them.
function mountLane(lane) {
  const spans = element("div", { className: "lane-spans" });
  const row = element("div", { className: `lane${lane.gold ? " gold" : ""}` },
    element("span", { className: "lane-name", textContent: lane.name }), spans);
  row.dataset.coder = lane.name;
  const box = $("#other-lanes");
  if (lane.gold) box.append(row);
  else box.insertBefore(row, box.querySelector(".lane.gold"));
  addLane({
    name: lane.gold ? "gold" : `coder:${lane.name}`, container: spans, items: () => lane.events,
    span: (event) => {
      const picked = review.picked?.event.id === event.id;
      const span = bar(`span other${picked ? " selected" : ""}`, event, label(lane, event));
      span.dataset.event = event.id;
      return span;
    },
  });
}

function showLanes() {
  const gold = $("#other-lanes .lane.gold");
  if (gold) gold.hidden = !goldLane().events.length && !config.canAdjudicate;
  $("#other-lanes").hidden = !lanes.some((lane) => !lane.gold || lane.events.length || config.canAdjudicate);
}

// Someone saved on this clip (presence.js heard it): the lanes are read again through the visibility-checked events
// API. The user's own lane is left to its autosave, which already tells a save made elsewhere apart.
export async function refreshLanes() {
  const { status, data } = await api("GET", endpoint("events"));
  if (status !== 200) return;
  for (const lane of lanes) lane.events = [];
  for (const event of data) {
    if (event.coder === config.user) continue;
    let lane = event.status === "reviewed" ? goldLane() : coderLane(event.coder);
    if (!lane) {
      lane = { name: event.coder, gold: false, events: [] };
      lanes.push(lane);
      mountLane(lane); // blindness ended meanwhile, or a coder started
    }
    lane.events.push(event);
  }
  for (const lane of lanes) lane.events.sort((a, b) => a.onset - b.onset || a.id - b.id);
  showLanes();
  renderTimeline();
}

async function pick(lane, event) {
  review.picked = { lane, event };
  seek(event.onset);
  renderTimeline();
  const panel = $("#review");
  panel.hidden = false;
  $("#review-picked").textContent = label(lane, event);
  $("#make-gold").hidden = !config.canAdjudicate || lane.gold;
  $("#comment-form").hidden = !config.canCode && !config.canAdjudicate; // a viewer reads the thread
  $("#comment-list").replaceChildren();
  const { status, data } = await api("GET", endpoint("comments", event.id));
  if (review.picked?.event !== event) return;
  if (status !== 200) return flash(`Comments could not be loaded: ${describe(data)}`);
  $("#comment-list").replaceChildren(...data.map(commentItem));
}

const commentItem = (comment) => element("li", { textContent: `${comment.author}: ${comment.text}` });

export async function makeGold() {
  if (!config.canAdjudicate) return flash("Only the project lead and reviewers make gold codes.");
  const picked = review.picked;
  if (!picked || picked.lane.gold) return flash("Click another coder's event first, then make it gold.");
  const { status, data } = await api("POST", endpoint("gold"), { from_events: [picked.event.id] });
  if (status !== 201) return flash(`No gold code made: ${describe(data)}`);
  const gold = goldLane();
  gold.events = [...gold.events, data].sort((a, b) => a.onset - b.onset);
  renderTimeline();
  flash(`Gold code #${data.id} made from #${picked.event.id}.`);
}

async function addComment() {
  const input = $("#comment-text");
  const event = review.picked?.event;
  if (!event || !input.value.trim()) return;
  const { status, data } = await api("POST", endpoint("comments", event.id), { text: input.value.trim() });
  if (status !== 201) return flash(`Comment not saved: ${describe(data)}`);
  input.value = "";
  $("#comment-list").append(commentItem(data));
}

// J: the next clip of the user's queue in this project (the server picks it, or shows the queue when it is empty).
export function nextClip() {
  location.assign(config.urls.nextClip);
}

// Shift+S: submit the user's coding of the clip once every change is saved; the page reloads with the new states.
export async function submitCoding(pending) {
  if (pending) return flash("Wait until every change is saved, then submit the clip.");
  const { status, data } = await api("POST", endpoint("submit"));
  if (status !== 200) return flash(`Not submitted: ${describe(data)}`);
  flash(`Submitted: ${data.submitted_events} event(s).`);
  location.reload();
}
