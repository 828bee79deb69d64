// The bell: unread count, raised live over the /notify Socket.IO namespace.
// A minimal Socket.IO v5 / Engine.IO v4 client over a WebSocket (no vendored library needed for
// one namespace that only receives). The page works without it: the count is rendered server-side.

const bell = document.querySelector("[data-bell]");
const badge = bell && bell.querySelector("[data-bell-count]");
const NS = "/notify";

function show(count) {
  if (!badge) return;
  badge.textContent = String(count);
  badge.hidden = count <= 0;
  bell.dataset.unread = String(count);
}

async function refresh() {
  try {
    const response = await fetch(bell.dataset.countUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) show((await response.json()).unread);
  } catch (e) { /* offline: keep what we show */ }
}

function announce(data) {
  let region = document.getElementById("notify-live");
  if (!region) {
    region = document.createElement("div");
    region.id = "notify-live";
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  region.textContent = data && data.title ? `${data.actor || ""} · ${data.title}` : "";
}

function onEvent(name, data) {
  if (name !== "notification") return;
  show(Number(bell.dataset.unread || badge.textContent || 0) + 1);
  bell.classList.add("bell-ring");
  setTimeout(() => bell.classList.remove("bell-ring"), 1200);
  announce(data);
  document.dispatchEvent(new CustomEvent("collab:notification", { detail: data }));
}

let delay = 1000;

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}/socket.io/?EIO=4&transport=websocket`);
  let joined = false;
  ws.onmessage = (message) => {
    const packet = String(message.data);
    const type = packet[0];
    if (type === "0") {               // engine.io open
      ws.send(`40${NS},`);            // socket.io connect to the namespace
    } else if (type === "2") {        // ping
      ws.send("3");
    }
    if (packet.startsWith(`40${NS},`)) {
      joined = true;
      delay = 1000;
      bell.dataset.live = "1";
      refresh();
    } else if (packet.startsWith(`44${NS},`)) {
      ws.close();                     // refused: signed out
    } else if (packet.startsWith(`42${NS},`)) {
      try {
        const [name, data] = JSON.parse(packet.slice(`42${NS},`.length));
        onEvent(name, data);
      } catch (e) { /* not for us */ }
    }
  };
  ws.onclose = () => {
    bell.dataset.live = "0";
    if (!joined && delay > 30000) return;
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 60000);
  };
}

if (bell && badge && "WebSocket" in window) {
  bell.dataset.unread = badge.hidden ? "0" : badge.textContent.trim();
  connect();
}
