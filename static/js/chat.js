// Live chat (the /chat Socket.IO namespace). The page is readable without JavaScript; this module
// adds sending, live messages, edits, reactions, threads, typing, presence and unread counts.
//
// Delivery: each message gets a client id before it is sent and waits in an outbox kept in
// localStorage until the server acknowledges it with its sequence number; after a reconnect (or a
// reload) the outbox is sent again, and the server stores a retried client id only once. A
// reconnecting page asks for everything after the highest sequence number it has shown.
import { io } from "../vendor/socket.io-4.8.1.esm.min.js";

const root = document.querySelector("[data-chat-room]");

if (root) {
  const ROOM = Number(root.dataset.room);
  const ME = root.dataset.me;
  const ME_ID = Number(root.dataset.meId);
  const T = JSON.parse(root.dataset.strings || "{}");
  const REACTIONS = JSON.parse(root.dataset.reactions || "[]");
  const WATCH = JSON.parse(root.dataset.watch || "[]").filter((id) => id !== ROOM);
  const canPost = root.dataset.canPost === "1";
  const TO_FORUM = root.dataset.toForum || "";
  const list = root.querySelector("[data-messages]");
  const log = root.querySelector("[data-log]");
  const statusEl = root.querySelector("[data-status]");
  const presenceEl = root.querySelector("[data-presence]");
  const typingEl = root.querySelector("[data-typing]");
  const composer = root.querySelector("[data-composer]");
  const input = composer?.querySelector("textarea");
  const sendButton = composer?.querySelector("button");
  const jumpWrap = root.querySelector("[data-jump-wrap]");
  const thread = document.querySelector("[data-thread]");
  const threadList = thread?.querySelector("[data-thread-messages]");
  const threadForm = thread?.querySelector("[data-thread-composer]");
  const threadClosed = thread?.querySelector("[data-thread-closed]");
  const navCount = document.querySelector("[data-chat-unread]");
  const OUTBOX_KEY = `collab.chat.outbox.${ME_ID}.${ROOM}`;

  const messages = new Map(); // seq -> message (room and thread messages)
  let lastSeq = 0; // highest seq received with nothing missing below it
  let oldestSeq = null;
  let hasOlder = false;
  let firstUnread = Number(root.dataset.firstUnread) || null;
  let openThread = null; // parent message id
  let readSent = 0;
  let removed = false;
  const online = new Map();
  const typists = new Map(); // username -> {name, timer}

  const socket = io("/chat", { transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });

  // ------------------------------------------------------------------ helpers

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (v !== false && v != null) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  };
  const fmt = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => vars[k]);
  // A message's time reads as on the pages (collab/timefmt.py): "3 minutes ago" in the largest unit
  // that is at least 0.85 of one (a minute at least), the exact time in the viewer's zone on hover.
  const LANG = document.documentElement.lang || undefined;
  const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const phrase = new Intl.RelativeTimeFormat(LANG, { numeric: "always" });
  const exact = new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "medium", timeZone: root.dataset.tz || undefined });
  const timeOf = (iso) => {
    const d = new Date(iso);
    const secs = (Date.now() - d) / 1000, past = secs > -60;  // a clock a little behind the server's: just now
    const [unit, size] = UNITS.find(([, n]) => Math.abs(secs) / n >= 0.85) || UNITS[UNITS.length - 1];
    const amount = Math.max(1, Math.round(Math.abs(secs) / size));
    return el("time", { datetime: iso, title: exact.format(d), text: phrase.format(past ? -amount : amount, unit) });
  };
  const html = (s) => {
    // Server-rendered, nh3-sanitised HTML: parsed into an inert template, never run.
    const t = document.createElement("template");
    t.innerHTML = s;
    return t.content;
  };
  const setStatus = (text, kind = "") => {
    statusEl.textContent = text;
    statusEl.dataset.kind = kind;
  };
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const nearBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  const toBottom = () => { log.scrollTop = log.scrollHeight; };

  function emit(event, data, timeout = 8000) {
    return new Promise((resolve) => {
      socket.timeout(timeout).emit(event, data, (err, ack) => resolve(err ? { ok: false, error: "timeout" } : ack));
    });
  }

  // ------------------------------------------------------------------ rendering

  function render(m) {
    const mine = m.sender && m.sender.id === ME_ID;
    const li = el("li", { class: `chat-msg${m.deleted ? " is-deleted" : ""}${mine ? " is-mine" : ""}`, id: m.parent ? `t${m.seq}` : `m${m.seq}`, "data-seq": m.seq, "data-id": m.id });
    const meta = el("div", { class: "chat-meta" },
      el("span", { class: "chat-author", text: m.sender ? m.sender.name : T.former }), " ",
      el("a", { class: "chat-time", href: `#m${m.seq}` }, timeOf(m.created)));
    if (m.edited) meta.append(" ", el("span", { class: "chat-edited", text: T.edited }));
    const body = el("div", { class: "chat-body" });
    if (m.deleted) body.append(el("em", { class: "muted", text: T.deleted })); // as the page: deleted first
    else if (m.hidden) body.append(el("em", { class: "muted", text: T.hidden }));
    else body.append(html(m.html));
    for (const a of body.querySelectorAll("a.mention")) {
      if (a.textContent.slice(1).toLowerCase() === ME.toLowerCase()) a.classList.add("is-me");
    }
    if (body.querySelector("a.mention.is-me")) li.classList.add("mentions-me");
    li.append(meta, body);
    if (!m.deleted && m.reactions?.length) {
      const ul = el("ul", { class: "chat-reactions" });
      for (const r of m.reactions) {
        const pressed = r.users.includes(ME);
        ul.append(el("li", {}, el("button", { type: "button", class: "chat-reaction", "aria-pressed": String(pressed), title: r.users.join(", "), "data-react": r.emoji, disabled: !canPost }, `${r.emoji} ${r.count}`)));
      }
      li.append(ul);
    }
    if (!m.parent && m.replies && !m.deleted) { // the room shows no thread under a deleted message
      li.append(el("button", { type: "button", class: "linklike chat-replies small", "data-open-thread": m.id }, m.replies === 1 ? T.replies_one : fmt(T.replies_many, { n: m.replies })));
    }
    if (!m.deleted && canPost) {
      const actions = el("div", { class: "chat-actions" });
      if (!m.parent && !m.hidden) actions.append(el("button", { type: "button", class: "linklike", "data-open-thread": m.id, text: T.reply }));
      const picker = el("details", { class: "chat-picker" }, el("summary", { title: T.react, "aria-label": T.react }, "☺+"));
      const row = el("div", { class: "chat-picker-row" });
      for (const e of REACTIONS) row.append(el("button", { type: "button", "data-react": e, "aria-label": e }, e));
      picker.append(row);
      actions.append(picker);
      if (!mine && !m.hidden && root.dataset.flagUrl) {
        const back = location.pathname + location.search;
        actions.append(el("a", { class: "linklike", "data-flag": "", href: `${root.dataset.flagUrl}?key=chat_message:${m.id}&next=${encodeURIComponent(back)}`, text: T.flag }));
      }
      if (TO_FORUM && !m.parent) {
        // Knowledge flows: pick this message (and its neighbours) to start a forum topic.
        actions.append(el("a", { class: "chat-to-forum-link", href: `${TO_FORUM}?before=${m.seq + 11}&m=${m.id}`, text: T.to_forum }));
      }
      if (mine) {
        // A hidden message keeps the text its moderator reviews (the server refuses an edit).
        if (!m.hidden) actions.append(el("button", { type: "button", class: "linklike", "data-edit": "", text: T.edit }));
        actions.append(el("button", { type: "button", class: "linklike danger-link", "data-delete": "", text: T.delete }));
      }
      li.append(actions);
    }
    return li;
  }

  function place(m) {
    const known = messages.get(m.seq);
    messages.set(m.seq, { ...known, ...m });
    const full = messages.get(m.seq);
    if (full.parent) {
      if (openThread === full.parent) placeIn(threadList, full, "t");
      return;
    }
    placeIn(list, full, "m");
  }

  function placeIn(container, m, prefix) {
    container.querySelector("[data-empty]")?.remove();
    const node = render(m);
    const existing = container.querySelector(`#${prefix}${m.seq}`);
    if (existing) { existing.replaceWith(node); return; }
    // Keep sequence order even when broadcasts arrive out of order.
    let after = null;
    for (const li of container.children) {
      if (Number(li.dataset.seq) > m.seq) { after = li; break; }
    }
    container.insertBefore(node, after);
  }

  function advance() {
    while (messages.has(lastSeq + 1)) lastSeq += 1;
  }

  function ingest(batch, { scroll = false } = {}) {
    const stick = nearBottom();
    for (const m of batch) {
      place(m);
      if (!m.parent && (oldestSeq === null || m.seq < oldestSeq)) oldestSeq = m.seq;
    }
    advance();
    if (scroll || stick) toBottom();
    markRead();
  }

  // ------------------------------------------------------------------ joining and catching up

  async function join() {
    setStatus(T.connecting);
    const fresh = lastSeq === 0 && messages.size === 0;
    const ack = await emit("join", fresh ? { room: ROOM } : { room: ROOM, after: lastSeq });
    if (!ack?.ok) { setStatus(ack?.message || T.offline, "error"); return; }
    if (fresh) {
      hasOlder = ack.more;
      lastSeq = ack.messages.length ? ack.messages[0].seq - 1 : ack.last_seq;
      quietly(() => {
        if (ack.messages.length) list.replaceChildren();
        ingest(ack.messages, { scroll: true });
      });
      lastSeq = Math.max(lastSeq, ack.last_seq);
      showOlder();
      if (firstUnread && ack.first_unread) showJump(ack.first_unread);
    } else {
      let batch = ack;
      ingest(batch.messages);
      while (batch.more) {
        batch = await emit("catchup", { room: ROOM, after: lastSeq });
        if (!batch?.ok) break;
        ingest(batch.messages);
      }
    }
    online.clear();
    for (const u of ack.online) online.set(u.id, u);
    showPresence();
    setStatus(T.live, "ok");
    if (composer && canPost && !removed) { input.disabled = false; sendButton.disabled = false; }
    if (WATCH.length) {
      const w = await emit("watch", { rooms: WATCH });
      for (const [id, info] of Object.entries(w?.rooms || {})) setCount(Number(id), info.unread);
    }
    flushOutbox();
  }

  function showOlder() {
    let p = log.querySelector(".chat-older");
    if (!hasOlder) { p?.remove(); return; }
    if (!p) { p = el("p", { class: "chat-older" }); log.prepend(p); }
    p.replaceChildren(el("button", { type: "button", class: "linklike", "data-load-older": "", text: T.older }));
  }

  // The log is a live region (new messages are read out); what it loads in bulk (the room's
  // last page on entering, older messages on request) is put in quietly.
  function quietly(work) {
    log.setAttribute("aria-live", "off");
    try { work(); } finally { requestAnimationFrame(() => log.removeAttribute("aria-live")); }
  }

  async function loadOlder() {
    if (oldestSeq === null) return;
    const before = log.scrollHeight;
    const ack = await emit("history", { room: ROOM, before: oldestSeq });
    if (!ack?.ok) return;
    quietly(() => { for (const m of ack.messages) { place(m); if (m.seq < oldestSeq) oldestSeq = m.seq; } });
    hasOlder = ack.more;
    showOlder();
    log.scrollTop += log.scrollHeight - before;
  }

  function showJump(seq) {
    if (!jumpWrap) return;
    firstUnread = seq;
    jumpWrap.hidden = false;
  }

  async function jump() {
    while (!document.getElementById(`m${firstUnread}`) && hasOlder) await loadOlder();
    const target = document.getElementById(`m${firstUnread}`);
    target?.scrollIntoView({ block: "center" });
    target?.classList.add("is-target");
    jumpWrap.hidden = true;
    if (target) {  // the keyboard goes on from the first unread message, as the button is gone
      target.tabIndex = -1;
      target.focus({ preventScroll: true });
    }
  }

  // ------------------------------------------------------------------ read positions and counts

  function markRead() {
    if (document.visibilityState !== "visible" || !nearBottom() || lastSeq <= readSent || !socket.connected) return;
    readSent = lastSeq;
    socket.emit("read", { room: ROOM, seq: lastSeq });
  }

  function setCount(roomId, n) {
    for (const badge of document.querySelectorAll(`[data-unread-for="${roomId}"]`)) {
      badge.textContent = n > 0 ? String(n) : "";
      badge.hidden = !(n > 0);
    }
  }

  function setNav(total) {
    if (!navCount) return;
    navCount.textContent = String(total);
    navCount.hidden = !(total > 0);
  }

  // ------------------------------------------------------------------ sending (the outbox)

  const outbox = new Map(JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]"));
  const saveOutbox = () => localStorage.setItem(OUTBOX_KEY, JSON.stringify([...outbox]));

  function pendingNode(item) {
    const li = el("li", { class: "chat-msg is-pending is-mine", "data-pending": item.client_id },
      el("div", { class: "chat-meta" }, el("span", { class: "chat-author", text: T.sending })),
      el("div", { class: "chat-body", text: item.body }));
    return li;
  }

  function showPending(item) {
    const container = item.parent ? threadList : list;
    if (!container || (item.parent && openThread !== item.parent)) return;
    if (container.querySelector(`[data-pending="${item.client_id}"]`)) return;
    container.querySelector("[data-empty]")?.remove();
    container.append(pendingNode(item));
    if (!item.parent) toBottom();
  }

  // One message at a time, in the order written: the server numbers messages in the order it
  // stores them, so sending the next before the previous is acknowledged could swap them.
  async function deliver(item) {
    const ack = await emit("send", { room: ROOM, body: item.body, client_id: item.client_id, ...(item.parent ? { parent: item.parent } : {}) });
    const node = document.querySelector(`[data-pending="${item.client_id}"]`);
    if (ack?.ok) {
      outbox.delete(item.client_id);
      saveOutbox();
      node?.remove();
      ingest([ack.message], { scroll: !item.parent });
      return true;
    }
    if (ack?.error === "timeout" || ack?.error === "server" || ack?.error === "rate_limited") {
      if (ack.error === "rate_limited") setStatus(ack.message, "warn");
      return false; // stays in the outbox, retried in order
    }
    outbox.delete(item.client_id); // refused for good: show why, give the text back
    saveOutbox();
    node?.remove();
    setStatus(`${T.failed} ${ack?.message || ""}`, "error");
    if (!item.parent && input && !input.value) input.value = item.body;
    return true;
  }

  let pumping = false;
  async function pump() {
    if (pumping || !socket.connected) return;
    pumping = true;
    try {
      // The oldest unsent message first; each delivered or refused one leaves the outbox.
      for (let item = outbox.values().next().value; item && socket.connected; item = outbox.values().next().value) {
        if (!(await deliver(item))) break;
      }
    } finally {
      pumping = false;
    }
  }

  function flushOutbox() {
    for (const item of outbox.values()) showPending(item);
    pump();
  }

  function queue(body, parent = null) {
    const item = { client_id: uuid(), body, parent };
    outbox.set(item.client_id, item);
    saveOutbox();
    showPending(item);
    pump();
  }

  setInterval(pump, 5000);

  // Relative times move on while the room stays open ("1 minute ago" an hour later would be wrong):
  // every minute, each message's time is worded again from its timestamp.
  setInterval(() => {
    for (const t of document.querySelectorAll(".chat-messages .chat-time time[datetime]")) {
      const text = timeOf(t.getAttribute("datetime")).textContent;
      if (t.textContent !== text) t.textContent = text;
    }
  }, 60_000);

  composer?.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    input.value = "";
    stopTyping();
    queue(body);
  });

  // Enter sends, unless it is picking a person from the open @mention list (static/js/mentions.js).
  const enterSends = (form) => (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !("mentionOpen" in e.target.dataset)) {
      e.preventDefault(); form.requestSubmit();
    }
  };
  input?.addEventListener("keydown", enterSends(composer));

  // ------------------------------------------------------------------ typing

  let typingSent = false;
  let typingTimer = null;
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && socket.connected) socket.emit("typing", { room: ROOM, typing: false });
    typingSent = false;
  }
  input?.addEventListener("input", () => {
    if (!input.value.trim()) { stopTyping(); return; }
    if (!typingSent && socket.connected) { socket.emit("typing", { room: ROOM, typing: true }); typingSent = true; }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 3000);
  });

  function showTyping() {
    const names = [...typists.values()].map((t) => t.name);
    typingEl.textContent = names.length === 0 ? "" : names.length === 1 ? fmt(T.typing_one, { name: names[0] }) : T.typing_many;
  }

  function showPresence() {
    const names = [...online.values()].map((u) => u.name);
    presenceEl.replaceChildren();
    if (!names.length) return;
    presenceEl.append(el("span", { class: "chat-online-dot", "aria-hidden": "true" }), ` ${T.online} `, names.join(", "));
  }

  // ------------------------------------------------------------------ threads

  function closeThread() {
    if (!thread) return;
    thread.hidden = true;
    openThread = null;
    document.body.classList.remove("chat-thread-open");
  }

  async function showThread(id) {
    if (!thread) return;
    const ack = await emit("thread", { message: id });
    if (!ack?.ok) return;
    if (ack.parent.deleted) { if (openThread === id) closeThread(); return; } // deleted: its thread goes too
    const again = openThread === id;
    openThread = id;
    threadList.replaceChildren(render({ ...ack.parent, replies: 0 }));
    for (const m of ack.messages) { messages.set(m.seq, m); placeIn(threadList, m, "t"); }
    for (const item of outbox.values()) if (item.parent === id) showPending(item);
    // Offer the composer only where a reply is taken (under a hidden message: its moderators only),
    // and say why it is not there to someone who could write in the room.
    if (threadForm) threadForm.hidden = !ack.can_reply;
    if (threadClosed) {
      threadClosed.textContent = ack.parent.hidden ? T.thread_hidden : T.thread_gone;
      threadClosed.hidden = ack.can_reply || !canPost || removed;
    }
    thread.hidden = false;
    document.body.classList.add("chat-thread-open");
    if (!again && ack.can_reply) threadForm?.querySelector("textarea")?.focus();
  }

  thread?.querySelector("[data-thread-close]")?.addEventListener("click", closeThread);

  threadForm?.addEventListener("submit", (e) => {
    e.preventDefault();
    const ta = threadForm.querySelector("textarea");
    const body = ta.value.trim();
    if (!body || !openThread) return;
    ta.value = "";
    queue(body, openThread);
  });
  threadForm?.querySelector("textarea")?.addEventListener("keydown", enterSends(threadForm));

  // ------------------------------------------------------------------ actions on messages

  function editInPlace(li, m) {
    const body = li.querySelector(".chat-body");
    const form = el("form", { class: "chat-edit" });
    const ta = el("textarea", { rows: "2", maxlength: "8000", "data-mentions": "" });
    ta.value = m.body;
    form.append(ta, el("button", { type: "submit", class: "button small", text: T.save }), " ",
      el("button", { type: "button", class: "linklike", "data-cancel": "", text: T.cancel }));
    body.replaceWith(form);
    ta.focus();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const ack = await emit("edit", { message: m.id, body: ta.value });
      if (ack?.ok) place(ack.message);
      else setStatus(`${T.failed} ${ack?.message || ""}`, "error");
    });
    form.querySelector("[data-cancel]").addEventListener("click", () => place(m));
  }

  document.addEventListener("click", async (e) => {
    const t = e.target.closest("button, a");
    if (!t) return;
    if (t.matches("[data-load-older]")) { loadOlder(); return; }
    if (t.matches("[data-jump]")) { e.preventDefault(); jump(); return; }
    const li = t.closest(".chat-msg[data-seq]");
    const m = li && messages.get(Number(li.dataset.seq));
    if (t.matches("[data-open-thread]")) { showThread(Number(t.dataset.openThread)); return; }
    if (!m) return;
    if (t.matches("[data-react]")) {
      const mine = (m.reactions || []).some((r) => r.emoji === t.dataset.react && r.users.includes(ME));
      t.closest("details")?.removeAttribute("open");
      const ack = await emit("react", { message: m.id, emoji: t.dataset.react, on: !mine });
      if (!ack?.ok) setStatus(`${T.failed} ${ack?.message || ""}`, "error");
    } else if (t.matches("[data-edit]")) {
      editInPlace(li, m);
    } else if (t.matches("[data-delete]")) {
      if (!window.confirm(T.confirm_delete)) return;
      const ack = await emit("delete", { message: m.id });
      if (!ack?.ok) setStatus(`${T.failed} ${ack?.message || ""}`, "error");
    }
  });

  // ------------------------------------------------------------------ server events

  socket.on("connect", join);
  socket.on("disconnect", () => {
    setStatus(T.offline, "warn");
    online.clear();
    showPresence();
  });
  socket.on("connect_error", () => setStatus(T.offline, "warn"));

  socket.on("new_message", (m) => {
    if (m.room !== ROOM) {
      if (!(m.sender && m.sender.id === ME_ID)) {
        const badge = document.querySelector(`[data-unread-for="${m.room}"]`);
        setCount(m.room, (Number(badge?.textContent) || 0) + 1);
        if (navCount) setNav((Number(navCount.textContent) || 0) + 1);
      }
      return;
    }
    if (m.sender && m.sender.id === ME_ID) document.querySelector(`[data-pending="${m.client_id}"]`)?.remove();
    if (m.sender) typists.delete(m.sender.username);
    showTyping();
    ingest([m]);
    // A later number than the next expected one: a broadcast was lost on its way between server
    // processes (the message queue restarted). The messages are stored: fetch what is missing.
    if (m.seq > lastSeq) fillGap();
  });

  let filling = false;
  async function fillGap() {
    if (filling || !socket.connected) return;
    filling = true;
    try {
      let batch;
      do {
        batch = await emit("catchup", { room: ROOM, after: lastSeq });
        if (!batch?.ok) break;
        ingest(batch.messages);
      } while (batch.more);
    } finally {
      filling = false;
    }
  }

  socket.on("updated", (u) => {
    if (u.room !== ROOM) return;
    for (const m of messages.values()) {
      if (m.id !== u.id) continue;
      // An open thread whose message was hidden, shown again or deleted: ask again what it shows
      // and whether it still takes replies.
      if (u.id === openThread && !u.reply_only && (!m.hidden !== !u.hidden || !m.deleted !== !u.deleted)) showThread(u.id);
      // A message shown again carries no "hidden" field: it must not stay hidden from the merge.
      place(u.reply_only ? { ...m, replies: u.replies } : { ...m, hidden: false, ...u });
      return;
    }
  });

  socket.on("typing", (t) => {
    if (t.room !== ROOM || t.user.id === ME_ID) return;
    clearTimeout(typists.get(t.user.username)?.timer);
    if (t.typing) typists.set(t.user.username, { name: t.user.name, timer: setTimeout(() => { typists.delete(t.user.username); showTyping(); }, 6000) });
    else typists.delete(t.user.username);
    showTyping();
  });

  socket.on("presence", (p) => {
    if (p.room !== ROOM || !p.user) return;
    if (p.online) online.set(p.user.id, p.user);
    else online.delete(p.user.id);
    showPresence();
  });

  socket.on("unread", (u) => {
    if (u.total !== undefined) setNav(u.total);
    if (u.unread !== undefined) setCount(u.room, u.unread);
  });

  socket.on("removed", (r) => {
    if (!r.rooms.includes(ROOM)) return;
    removed = true;
    setStatus(T.removed, "error");
    if (input) { input.disabled = true; sendButton.disabled = true; }
  });

  document.addEventListener("visibilitychange", markRead);
  log.addEventListener("scroll", () => {
    markRead();
    if (log.scrollTop < 40 && hasOlder) loadOlder();
  });
}
