// Live co-editing of a wiki page: the editor's text area is bound to a shared Yjs text (Y.Text)
// that travels over the /wiki Socket.IO namespace. Local typing becomes minimal insertions and
// deletions; changes from others are applied keeping the local caret where it was; each other
// person's caret and selection are drawn over the text area with their name and colour.
// Offline, typing goes on into the local document; on reconnect a state-vector sync merges both
// ways. The server acknowledges an update only after storing it. Updates, state vectors and
// cursor positions travel as base64 text. Without JavaScript (or before
// this module loads) the page is the plain edit form.

const form = document.querySelector("form[data-wiki-editor][data-live-state]");
if (form) start(form).catch((e) => console.warn("live editing unavailable", e));

function b64decode(s) {
  const bin = atob(s || "");
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64encode(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;

// The smallest change turning `a` into `b`: {index, remove, insert}. The caret (after the input)
// places an insertion among repeated characters where it was typed.
export function textDiff(a, b, caret = null) {
  let start = 0;
  const min = Math.min(a.length, b.length);
  while (start < min && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  const grow = b.length - a.length;
  if (caret !== null && grow > 0) start = Math.min(start, Math.max(0, caret - grow));
  if (start > 0 && isHigh(a.charCodeAt(start - 1))) start--; // never split a surrogate pair
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) { endA--; endB--; }
  if (endA < a.length && endA > start && isHigh(a.charCodeAt(endA - 1))) { endA++; endB++; }
  return { index: start, remove: endA - start, insert: b.slice(start, endB) };
}

async function start(form) {
  const textarea = form.querySelector("textarea[name=body]");
  // A conflict being resolved stays a plain form: its text (with both versions) is the person's.
  if (!textarea || form.querySelector("input[name=resolving]")?.value === "1") return;
  const [Y, { io }] = await Promise.all([import(form.dataset.yjsLib), import(form.dataset.socketLib)]);
  const pageId = Number(form.dataset.page);
  const d = form.dataset;
  const socket = io("/wiki", { reconnectionDelayMax: 5000 });

  let ydoc, ytext;
  let generation = d.liveGeneration;
  let value = ""; // the text the text area showed when it last matched ytext
  let ackedText = ""; // the text when the server last had every local change
  let composing = false;
  let queued = []; // remote updates held back during an IME composition
  let pending = []; // local updates not sent yet
  let inflight = false;
  let synced = false;
  let resyncTimer = null;
  const cursors = new Map(); // sid -> {user, anchor, head}

  // ------------------------------------------------------------------ status line
  const status = document.createElement("p");
  status.className = "coedit-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.dataset.testid = "live-status";
  const errorLine = document.createElement("p");
  errorLine.className = "coedit-error";
  errorLine.setAttribute("role", "alert");
  errorLine.hidden = true;

  function showStatus() {
    if (revoked) return;
    const unsent = pending.length > 0 || inflight;
    form.dataset.liveUnsent = unsent ? "1" : "";
    let text;
    let state;
    if (!socket.connected) { text = d.liveOffline; state = "offline"; }
    else if (!synced) { text = d.liveConnecting; state = "connecting"; }
    else if (unsent) { text = d.livePending; state = "sending"; }
    else { text = d.liveOn; state = "live"; }
    status.textContent = text;
    status.dataset.state = state;
  }

  // Access lost (removed from the community, page locked, community restricted ...): the server
  // has taken this socket out of the page; the text stays, read-only, for the person to copy.
  let revoked = false;
  function revoke(message) {
    revoked = true;
    synced = false;
    textarea.readOnly = true;
    form.dataset.coeditRevoked = "1";
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
    clearTimeout(showError.timer);
    errorLine.textContent = message || "";
    errorLine.hidden = !message;
    status.textContent = d.liveRevoked;
    status.dataset.state = "revoked";
    cursors.clear();
    draw();
    document.querySelector("[data-presence]")?.setAttribute("hidden", "");  // no longer among the editors
    status.scrollIntoView({ block: "nearest" });
    socket.disconnect();
  }

  function showError(message) {
    errorLine.textContent = `${d.liveError} ${message}`;
    errorLine.hidden = false;
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => { errorLine.hidden = true; }, 8000);
  }

  // ------------------------------------------------------------------ the overlay (others' cursors)
  const wrap = document.createElement("div");
  wrap.className = "coedit-wrap";
  textarea.parentNode.insertBefore(wrap, textarea);
  wrap.append(textarea);
  const overlay = document.createElement("div");
  overlay.className = "coedit-overlay";
  overlay.setAttribute("aria-hidden", "true");
  wrap.append(overlay);
  wrap.after(status, errorLine);

  const COPIED = ["fontFamily", "fontSize", "fontWeight", "fontStyle", "lineHeight", "letterSpacing", "wordSpacing",
    "tabSize", "textIndent", "textTransform", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft"];
  function placeOverlay() {
    const cs = getComputedStyle(textarea);
    for (const k of COPIED) overlay.style[k] = cs[k];
    overlay.style.left = `${textarea.offsetLeft + textarea.clientLeft}px`;
    overlay.style.top = `${textarea.offsetTop + textarea.clientTop}px`;
    overlay.style.width = `${textarea.clientWidth}px`;
    overlay.style.height = `${textarea.clientHeight}px`;
  }

  let drawQueued = false;
  function draw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => { drawQueued = false; drawNow(); });
  }

  function absolute(bytes) {
    if (!bytes) return null;
    try {
      const pos = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(b64decode(bytes)), ydoc);
      return pos && pos.type === ytext ? pos.index : null;
    } catch (_) {
      return null;
    }
  }

  function drawNow() {
    placeOverlay();
    const text = textarea.value;
    const marks = []; // {from, to, colour, name, caret}
    for (const c of cursors.values()) {
      const a = absolute(c.anchor);
      const h = absolute(c.head);
      if (h === null) continue;
      const from = Math.min(a ?? h, h);
      const to = Math.max(a ?? h, h);
      marks.push({ from: Math.min(from, text.length), to: Math.min(to, text.length), caret: Math.min(h, text.length),
                   colour: c.user.colour, name: c.user.name });
    }
    const cuts = new Set([0, text.length]);
    for (const m of marks) { cuts.add(m.from); cuts.add(m.to); cuts.add(m.caret); }
    const points = [...cuts].sort((x, y) => x - y);
    const nodes = [];
    for (let i = 0; i < points.length; i++) {
      const at = points[i];
      for (const m of marks) {
        if (m.caret !== at) continue;
        const caret = document.createElement("span");
        caret.className = `coedit-caret coedit-c${m.colour}`;
        const name = document.createElement("span");
        name.className = "coedit-name";
        name.textContent = m.name; // text, never HTML
        caret.append(name);
        nodes.push(caret);
      }
      if (i + 1 >= points.length) break;
      const piece = text.slice(at, points[i + 1]);
      const sel = marks.find((m) => m.from <= at && points[i + 1] <= m.to && m.from < m.to);
      if (sel) {
        const span = document.createElement("span");
        span.className = `coedit-sel coedit-c${sel.colour}`;
        span.textContent = piece;
        nodes.push(span);
      } else {
        nodes.push(document.createTextNode(piece));
      }
    }
    nodes.push(document.createTextNode("\n"));
    overlay.replaceChildren(...nodes);
    overlay.scrollTop = textarea.scrollTop;
    overlay.scrollLeft = textarea.scrollLeft;
  }

  // ------------------------------------------------------------------ the document
  let undo = null; // this person's own changes only: undoing never takes back what others typed
  function bind(doc) {
    ydoc = doc;
    ytext = ydoc.getText("body");
    undo = new Y.UndoManager(ytext, { trackedOrigins: new Set(["local"]), captureTimeout: 600 });
    ydoc.on("update", (update, origin) => {
      if (origin === "remote") return;
      pending.push(update);
      flush();
    });
  }

  function render(selection) {
    const text = ytext.toString();
    if (text === textarea.value) { value = text; return; }
    const focused = document.activeElement === textarea;
    const scroll = textarea.scrollTop;
    textarea.value = text;
    value = text;
    if (selection && focused) {
      const s = Y.createAbsolutePositionFromRelativePosition(selection[0], ydoc)?.index ?? 0;
      const e = Y.createAbsolutePositionFromRelativePosition(selection[1], ydoc)?.index ?? s;
      textarea.setSelectionRange(Math.min(s, e), Math.max(s, e), selection[2]);
    }
    textarea.scrollTop = scroll;
    textarea.dispatchEvent(new CustomEvent("coedit:change", { bubbles: true }));
  }

  function takeLocal() {
    if (composing) return;
    const now = textarea.value;
    if (now === value) return;
    const change = textDiff(value, now, textarea.selectionEnd);
    ydoc.transact(() => {
      if (change.remove) ytext.delete(change.index, change.remove);
      if (change.insert) ytext.insert(change.index, change.insert);
    }, "local");
    value = now;
  }

  function applyRemote(update) {
    if (composing) { queued.push(update); return; }
    takeLocal();
    const selection = [
      Y.createRelativePositionFromTypeIndex(ytext, textarea.selectionStart),
      Y.createRelativePositionFromTypeIndex(ytext, textarea.selectionEnd),
      textarea.selectionDirection,
    ];
    Y.applyUpdate(ydoc, update, "remote");
    render(selection);
    draw();
  }

  bind(new Y.Doc());
  Y.applyUpdate(ydoc, b64decode(d.liveState), "remote");
  pending = [];
  // Typing done before this module loaded is carried over as an edit of the shared text.
  const typedEarly = textarea.value !== textarea.defaultValue ? textDiff(textarea.defaultValue, textarea.value) : null;
  value = textarea.value = ytext.toString();
  ackedText = value;
  if (typedEarly) {
    const at = Math.min(typedEarly.index, ytext.length);
    ydoc.transact(() => {
      ytext.delete(at, Math.min(typedEarly.remove, ytext.length - at));
      ytext.insert(at, typedEarly.insert);
    }, "local");
    value = textarea.value = ytext.toString();
  }
  form.dataset.live = "on";

  textarea.addEventListener("compositionstart", () => { composing = true; });
  textarea.addEventListener("compositionend", () => {
    composing = false;
    takeLocal();
    const held = queued;
    queued = [];
    for (const u of held) applyRemote(u);
  });
  textarea.addEventListener("input", () => { takeLocal(); draw(); sendCursor(); });

  // Undo and redo go through the shared document (the text area's own history would replay stale
  // text over the others' changes): Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z or Ctrl+Y, and the Edit menu.
  function history(redo) {
    if (revoked || composing) return;
    takeLocal();
    const before = ytext.toString();
    if (redo) undo.redo(); else undo.undo();
    const after = ytext.toString();
    if (after === before) return;
    const change = textDiff(before, after);
    render(null);
    const at = change.index + change.insert.length;
    textarea.setSelectionRange(at, at);
    draw();
    sendCursor();
  }
  textarea.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const key = e.key.toLowerCase();
    if (key !== "z" && key !== "y") return;
    e.preventDefault();
    history(key === "y" || e.shiftKey);
  });
  textarea.addEventListener("beforeinput", (e) => {
    if (e.inputType !== "historyUndo" && e.inputType !== "historyRedo") return;
    e.preventDefault();
    history(e.inputType === "historyRedo");
  });
  textarea.addEventListener("scroll", () => { overlay.scrollTop = textarea.scrollTop; });
  for (const ev of ["keyup", "mouseup", "select", "focus"]) textarea.addEventListener(ev, () => sendCursor());
  window.addEventListener("resize", draw);

  // ------------------------------------------------------------------ the connection

  function flush() {
    showStatus();
    if (inflight || !synced || !socket.connected || pending.length === 0) return;
    const update = pending.length === 1 ? pending[0] : Y.mergeUpdates(pending);
    pending = [];
    inflight = true;
    showStatus();
    socket.timeout(15000).emit("update", { page: pageId, update: b64encode(update), generation }, (err, answer) => {
      inflight = false;
      if (err || !answer?.ok) {
        // Not stored: the local document keeps the change; a sync sends whatever the server lacks.
        if (answer?.error === "stale") { resync(0); } else { resync(answer?.error === "rate_limited" ? 3000 : 1500); }
      } else if (pending.length === 0) {
        ackedText = ytext.toString();
      }
      flush();
    });
  }

  function resync(delay) {
    clearTimeout(resyncTimer);
    synced = false;
    showStatus();
    resyncTimer = setTimeout(sync, delay);
  }

  function rebase(answer) {
    // The server's document was replaced (a new generation): start from it, and carry over the
    // local edits the server never had (as a text change from the last acknowledged text).
    const mine = ytext.toString();
    const change = mine !== ackedText ? textDiff(ackedText, mine) : null;
    bind(new Y.Doc());
    Y.applyUpdate(ydoc, b64decode(answer.update), "remote");
    pending = [];
    if (change) {
      const at = Math.min(change.index, ytext.length);
      ydoc.transact(() => {
        ytext.delete(at, Math.min(change.remove, ytext.length - at));
        ytext.insert(at, change.insert);
      }, "local");
    }
    render(null);
    cursors.clear();
    draw();
  }

  function sync() {
    if (!socket.connected) return;
    takeLocal();
    socket.timeout(15000).emit("sync", { page: pageId, sv: b64encode(Y.encodeStateVector(ydoc)), generation }, (err, answer) => {
      if (err || !answer?.ok) {
        if (answer?.error === "forbidden" || answer?.error === "not_found") { revoke(answer.message); return; }
        resync(3000);
        return;
      }
      if (answer.reset) rebase(answer);
      else applyRemote(b64decode(answer.update));
      generation = answer.generation;
      form.querySelector("[data-live-field=generation]").value = generation;
      const mine = Y.encodeStateAsUpdate(ydoc, b64decode(answer.sv));
      pending = mine.length > 2 ? [mine] : []; // everything the server lacks, offline edits included
      synced = true;
      if (pending.length === 0) ackedText = ytext.toString();
      flush();
      sendCursor();
    });
  }

  socket.on("connect", sync);
  socket.on("disconnect", () => { synced = false; cursors.clear(); draw(); showStatus(); });
  socket.on("update", (msg) => {
    if (msg?.page !== pageId || msg.generation !== generation || !synced) return;
    applyRemote(b64decode(msg.update));
  });
  socket.on("coedit_error", (e) => {
    if (e?.page !== pageId || e.error === "rate_limited") return;
    if (e.event === "access") revoke(e.message);
    else showError(e.message);
  });
  socket.on("cursor", (msg) => {
    if (msg?.page !== pageId) return;
    cursors.set(msg.sid, { user: msg.user, anchor: msg.anchor, head: msg.head });
    draw();
  });
  socket.on("cursor_gone", (msg) => {
    if (msg?.page === pageId && cursors.delete(msg.sid)) draw();
  });

  let cursorTimer = null;
  let lastCursor = "";
  function sendCursor() {
    if (cursorTimer) return;
    cursorTimer = setTimeout(() => {
      cursorTimer = null;
      if (!synced || !socket.connected) return;
      const anchor = Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, textarea.selectionStart));
      const head = Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(ytext, textarea.selectionEnd));
      const key = `${b64encode(anchor)}/${b64encode(head)}`;
      if (key === lastCursor) return;
      lastCursor = key;
      socket.emit("cursor", { page: pageId, anchor: b64encode(anchor), head: b64encode(head) });
    }, 60);
  }

  // Saving: the form carries the whole local document, so a save merges every local edit even if
  // some never reached the server (the server applies it like any update, then saves).
  form.addEventListener("submit", () => {
    takeLocal();
    form.querySelector("[data-live-field=generation]").value = generation;
    form.querySelector("[data-live-field=state]").value = b64encode(Y.encodeStateAsUpdate(ydoc));
    textarea.value = ytext.toString();
  });
  window.addEventListener("pagehide", () => socket.disconnect());
  showStatus();
  draw();
}
