// Who else has this clip open, and their saves without a reload, over the clip's WebSocket (annotator/consumers.py).
// The socket only says who joined or left and that something changed; the lanes are then read again through the
// events API, so nothing a blind coder may not see travels here. A server without WebSockets (plain WSGI) shows none.
import { $, config } from "./core.js";
import { refreshLanes } from "./review.js";

const peers = new Map(); // the other open page's id -> its user's name

export function watchClip() {
  if (!config.presenceSocket || !("WebSocket" in window)) return;
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${config.presenceSocket}`);
  socket.addEventListener("message", (e) => {
    const message = JSON.parse(e.data);
    if (message.type === "join") peers.set(message.id, message.user);
    else if (message.type === "leave") peers.delete(message.id);
    else if (message.type === "changed") refreshLanes();
    renderPeers();
  });
  socket.addEventListener("close", () => { peers.clear(); renderPeers(); });
}

function renderPeers() {
  const names = [...new Set(peers.values())].sort();
  const box = $("#presence");
  box.hidden = !names.length;
  box.textContent = names.length ? `Also here: ${names.join(", ")}` : "";
}
