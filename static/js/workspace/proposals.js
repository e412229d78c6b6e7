// Apex-first assist: P proposes the selected event's onset and offset from its apex.
import { ACTIVE_JOB } from "./analysis.js";
import { api, describe } from "./api.js";
import { current, edit } from "./coding.js";
import { $, endpoint, PROPOSAL_POLL_MS, state, urls } from "./core.js";
import { flash } from "./viewer.js";

export let proposalTimer = null;

// A "propose" job (mlbackend/services/apex_first.py) measures the motion around the apex on a worker; the page
// polls for its answer, then sets onset and offset like O and F would (autosaved; O / F set them back by hand).
export async function proposeInterval() {
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
    response = await api("POST", urls.propose, { apex, kind });
  } catch (error) {
    response = { status: 0, data: { detail: `network: ${error.message}` } };
  }
  if (response.status !== 202) return proposalFailed(describe(response.data) || `HTTP ${response.status}`);
  Object.assign(state.proposal, { job: response.data.job, status: response.data.status });
  flash(`Proposing onset and offset around apex ${apex}…`);
  renderProposal();
  proposalTimer = setTimeout(pollProposal, PROPOSAL_POLL_MS);
}

export async function pollProposal() {
  const proposal = state.proposal;
  if (!proposal?.job) return;
  let response;
  try {
    response = await api("GET", endpoint("proposal", proposal.job));
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

export function applyProposal(proposal, { onset, offset }) {
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

export function proposalFailed(error) {
  Object.assign(state.proposal, { status: "failed", error });
  flash(`No proposal: ${error}`);
  renderProposal();
}

// Under the event's fields: what was proposed for it, or how far the proposal got.
export function renderProposal() {
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
