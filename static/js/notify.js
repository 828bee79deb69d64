// The bell: unread count, raised live over the /notify Socket.IO namespace.
// Uses the vendored Socket.IO client (static/vendor/), loaded only when the page has a bell; other
// namespaces on the page (/chat, /wiki) share its connection. Without it the page still works: the
// count is rendered server-side.

const bell = document.querySelector("[data-bell]");
const badge = bell && bell.querySelector("[data-bell-count]");
const NS = "/notify";

function show(count) {
  if (!badge) return;
  badge.textContent = String(count);
  badge.hidden = count <= 0;
  // The bell's name is what a screen reader says for it: the count is in it, as the badge is not read.
  bell.setAttribute("aria-label", count > 0 ? bell.dataset.labelUnread.replace("{n}", String(count)) : bell.dataset.labelNone);
  bell.dataset.unread = String(count);
}

async function refresh() {
  try {
    const response = await fetch(bell.dataset.countUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) show((await response.json()).unread);
  } catch (e) { /* offline: keep what we show */ }
}

// The live region is in the page before anything is said in it: screen readers skip what a region
// says as it is added.
function liveRegion() {
  let region = document.getElementById("notify-live");
  if (!region) {
    region = document.createElement("div");
    region.id = "notify-live";
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  return region;
}

function announce(data) {
  liveRegion().textContent = data && data.title ? `${data.actor || ""} · ${data.title}` : "";
}

function onEvent(name, data) {
  if (name !== "notification") return;
  show(Number(bell.dataset.unread || badge.textContent || 0) + 1);
  bell.classList.add("bell-ring");
  setTimeout(() => bell.classList.remove("bell-ring"), 1200);
  announce(data);
  document.dispatchEvent(new CustomEvent("collab:notification", { detail: data }));
}

async function connect() {
  let io;
  try {
    ({ io } = await import(bell.dataset.socketLib));
  } catch (e) {
    console.warn("live notifications unavailable", e);
    return;
  }
  const socket = io(NS, { reconnectionDelayMax: 30000 });
  socket.on("connect", () => { bell.dataset.live = "1"; refresh(); });
  socket.on("disconnect", () => { bell.dataset.live = "0"; });
  socket.on("connect_error", () => { bell.dataset.live = "0"; });  // refused when signed out: no retry
  socket.on("notification", (data) => onEvent("notification", data));
}

if (bell && badge) {
  bell.dataset.unread = badge.hidden ? "0" : badge.textContent.trim();
  liveRegion();
  connect();
}
