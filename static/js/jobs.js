// Model jobs page: live progress over a WebSocket per running job, and the start/cancel/retry buttons.
const csrfToken = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
const ACTIVE = new Set(["queued", "running"]);

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: body ? JSON.stringify(body) : null,
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(Object.values(data).flat().join(" ") || response.statusText);
  return data;
}

function render(row, job) {
  row.dataset.status = job.status;
  row.querySelector("progress").value = job.progress;
  const tag = row.querySelector(".job-status");
  tag.textContent = job.status;
  tag.className = `job-status tag ${job.status}`;
  row.querySelector(".job-message").textContent = job.message || "";
  row.querySelector(".job-device").textContent = job.device || "";
  if (job.error) {
    const error = row.querySelector(".job-error") || row.querySelector(".job-progress").appendChild(document.createElement("div"));
    error.className = "error job-error";
    error.textContent = job.error;
  }
}

function follow(row) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/jobs/${row.dataset.jobId}/`);
  socket.addEventListener("message", (message) => {
    const job = JSON.parse(message.data);
    render(row, job);
    // New versions and reports appear in the tables below once a job ends.
    if (!ACTIVE.has(job.status)) setTimeout(() => location.reload(), 800);
  });
}

document.querySelectorAll("tr[data-job-id]").forEach((row) => {
  if (ACTIVE.has(row.dataset.status)) follow(row);
});

document.addEventListener("click", async (click) => {
  const button = click.target.closest(".job-cancel, .job-retry, .version-activate");
  if (!button) return;
  button.disabled = true;
  try {
    await post(button.dataset.url);
    location.reload();
  } catch (error) {
    button.disabled = false;
    alert(error.message);
  }
});

const startForm = document.getElementById("ml-start");
startForm?.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const form = new FormData(startForm);
  const errorBox = document.getElementById("ml-start-error");
  errorBox.textContent = "";
  try {
    await post(startForm.dataset.url, {
      kind: form.get("kind"), plugin: form.get("plugin"), label_source: form.get("label_source"),
      seed: Number(form.get("seed") || 0), evaluate: form.get("evaluate") === "on",
    });
    location.reload();
  } catch (error) {
    errorBox.textContent = error.message;
  }
});

// A choice that cannot succeed (no active model, too few codes) is not offered: Start is disabled and says why.
// The server refuses it too (mlbackend/services/readiness.py); this only says so before the click.
const readiness = JSON.parse(document.getElementById("ml-readiness")?.textContent || "{}");
function explainStart() {
  const form = new FormData(startForm);
  const evaluate = form.get("kind") === "train" ? form.get("evaluate") === "on" : true;
  const reason = readiness[`${form.get("kind")}|${form.get("plugin")}|${form.get("label_source")}|${evaluate}`] || "";
  document.getElementById("ml-start-button").disabled = Boolean(reason);
  document.getElementById("ml-start-reason").textContent = reason;
}
if (startForm) {
  startForm.addEventListener("change", explainStart);
  explainStart();
}

const compareForm = document.getElementById("compare-form");
compareForm?.addEventListener("submit", (submit) => {
  const picked = [...compareForm.querySelectorAll("input[name=pick]:checked")].map((box) => box.value);
  submit.preventDefault();
  if (picked.length !== 2) {
    alert("Tick exactly two reports to compare.");
    return;
  }
  location.href = `${compareForm.action}?a=${picked[0]}&b=${picked[1]}`;
});
