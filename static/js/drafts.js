// What someone types into a form marked with a textarea[data-draft] (a forum topic or reply, a
// blog post, idea or comment, a wiki comment, a chat room's composer) is kept in this browser
// until the server has taken it: leaving the page, closing the tab, an expired form token or an
// expired sign-in lose nothing. The next time the same form is shown as it was (same address,
// same starting text), the text comes back with a note and a Discard button. If the form now
// starts with other text (an edit saved elsewhere, a quote put in), the draft is not applied: it
// is set aside under a key of its own and offered to copy from until it is discarded or the form
// is sent from a page that showed it.
//
// Sent: a form that went out is remembered in this tab only (sessionStorage). The next page this
// tab loads settles it: the answer of a successful post (reached through a redirect, signed in,
// no error message) removes the draft; anything else (the form again with its errors, "the form
// expired", the sign-in page, a network error) leaves it in place. Signing out removes every
// draft; drafts of another account than the one signed in are removed; none is kept beyond two
// weeks.

const PREFIX = "collab-draft:v1:";
const OFFERED = ":offered";
const PENDING = "collab-drafts-pending";
const MAX_AGE = 14 * 24 * 3600 * 1000;
const me = document.body.dataset.me || "";
const strings = document.body.dataset;
let signingOut = false;  // the page's own drafts are not written back as it unloads
let store = null;
try {
  store = window.localStorage;
} catch {
  /* storage refused (privacy settings): no drafts, nothing else changes */
}

function read(key) {
  try {
    return JSON.parse(store.getItem(key));
  } catch {
    return null;
  }
}

function write(key, draft) {
  try {
    store.setItem(key, JSON.stringify(draft));
  } catch {
    /* full: the text stays in the form */
  }
}

function pending(keys) {
  try {
    if (keys === undefined) return JSON.parse(sessionStorage.getItem(PENDING) || "[]");
    if (keys.length) sessionStorage.setItem(PENDING, JSON.stringify(keys));
    else sessionStorage.removeItem(PENDING);
  } catch {
    /* no session storage: a sent draft stays until it is discarded or written over */
  }
  return [];
}

function fields(form) {
  return [...form.querySelectorAll("textarea[name], input[type=text][name]")];
}

function valuesOf(form) {
  return fields(form).map((f) => f.value);
}

function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36) + ":" + text.length;
}

function keyOf(form, textarea) {
  const action = new URL(form.getAttribute("action") || location.href, location.href).pathname;
  return `${PREFIX}${me}:${action}:${textarea.id || textarea.name}`;
}

function succeeded() {
  const nav = performance.getEntriesByType("navigation")[0];
  return Boolean(me && nav && nav.redirectCount > 0 && !document.querySelector(".flash-error"));
}

// Every page: settle what this tab sent from the page before; forget old drafts and other people's.
function tidy() {
  const sent = pending();
  pending([]);
  if (succeeded()) for (const key of sent) store.removeItem(key);
  const now = Date.now();
  for (let i = store.length - 1; i >= 0; i--) {
    const key = store.key(i);
    if (!key || !key.startsWith(PREFIX)) continue;
    const owner = key.slice(PREFIX.length).split(":", 1)[0];
    const draft = read(key);
    if (!draft || now - (draft.at || 0) > MAX_AGE || (me && owner !== me)) store.removeItem(key);
  }
}

function when(at) {
  const lang = document.documentElement.lang || "en";
  const seconds = Math.min(-1, Math.round((at - Date.now()) / 1000));
  const format = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  if (seconds > -60) return format.format(seconds, "second");
  const minutes = Math.round(seconds / 60);
  if (minutes > -60) return format.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours > -24) return format.format(hours, "hour");
  return format.format(Math.round(hours / 24), "day");
}

function trimmed(values) {
  return values.map((v) => v.trim());
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function keep(textarea) {
  const form = textarea.form;
  if (!form) return;
  const key = keyOf(form, textarea);
  const initial = valuesOf(form);
  let draft = read(key);
  let base = hash(JSON.stringify(initial));
  // The server showed the draft's own text again (the form came back with its errors): the same
  // draft goes on, still tied to the form as it was first shown.
  const again = Boolean(draft && draft.base !== base && same(trimmed(draft.values), trimmed(initial)));
  if (again) base = draft.base;
  // The form starts with other text than the draft was written on: the draft is set aside, to be
  // offered (under its own key, so that what is typed here never writes over it).
  if (draft && !again && draft.base !== base && !same(draft.values, initial)) {
    const earlier = (read(key + OFFERED) || {}).items || [];
    const items = [draft, ...earlier.filter((d) => !same(d.values, draft.values))].slice(0, 5);
    write(key + OFFERED, { items, at: draft.at });
    store.removeItem(key);
    draft = null;
  }
  const notes = [];

  function restore(values) {
    fields(form).forEach((f, i) => {
      if (i < values.length) f.value = values[i];
    });
  }

  function discardButton(note, storedKey, then) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "linklike";
    button.textContent = strings.draftDiscard || "Discard";
    button.addEventListener("click", () => {
      store.removeItem(storedKey);
      note.remove();
      notes.splice(notes.indexOf(note), 1);
      then();
      textarea.focus();
    });
    return button;
  }

  function place(note) {
    notes.push(note);
    (textarea.dataset.draft === "before-form" ? form : textarea.closest(".field") || textarea).before(note);
  }

  if (draft && !again && !same(draft.values, initial)) {
    // The form is as it was when the draft was written: the draft takes its place.
    restore(draft.values);
    const note = document.createElement("p");
    note.className = "draft-note small";
    note.setAttribute("role", "status");
    note.append((strings.draftRestored || "%(when)s").replace("%(when)s", when(draft.at)) + " ",
                discardButton(note, key, () => restore(initial)));
    place(note);
  }

  const offered = ((read(key + OFFERED) || {}).items || []).filter((d) => Array.isArray(d.values));
  if (offered.length) {
    const index = fields(form).indexOf(textarea);
    const note = document.createElement("details");
    note.className = "draft-note draft-stale small";
    const summary = document.createElement("summary");
    summary.textContent = (strings.draftStale || "%(when)s").replace("%(when)s", when(offered[0].at));
    note.append(summary);
    for (const d of offered) {
      const old = document.createElement("textarea");
      old.className = "copy";
      old.readOnly = true;
      old.rows = 4;
      old.value = d.values[index] ?? "";
      old.setAttribute("aria-label", `${summary.textContent} (${when(d.at)})`);
      note.append(old);
    }
    note.append(discardButton(note, key + OFFERED, () => {}));
    place(note);
  }

  // Only what is typed on this page is written: a draft merely shown stays as it was.
  let touched = false;
  let submitted = false;  // went out: what the page still shows is no longer a draft
  let timer = 0;
  function save() {
    clearTimeout(timer);
    if (submitted || signingOut || !touched) return;
    const values = valuesOf(form);
    if (!again && same(values, initial)) store.removeItem(key);
    else write(key, { base, values, at: Date.now() });
  }
  form.addEventListener("input", () => {
    touched = true;
    clearTimeout(timer);
    timer = setTimeout(save, 300);
  });
  form.addEventListener("submit", (event) => {
    if (submitted) return;  // a second click while the first is on its way
    save();
    submitted = true;
    for (const note of notes.splice(0)) note.remove();
    // On its way: the next page this tab loads settles it (an offered draft goes with it: it was
    // shown beside the form that was sent).
    const sent = [key, key + OFFERED].filter((k) => store.getItem(k) !== null);
    pending([...new Set([...pending(), ...sent])]);
    setTimeout(() => {
      if (!event.defaultPrevented) return;
      // Not sent after all (a question declined), or sent by the page's own script (chat), which
      // emptied the box: not pending, and the draft follows what the form holds now.
      pending(pending().filter((k) => !sent.includes(k)));
      submitted = false;
      touched = true;
      save();
    });
  });
  window.addEventListener("pagehide", save);
  // Back to this page from the next one (the browser's page cache).
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted || !submitted) return;
    submitted = false;
    touched = false;
    if (store.getItem(key) === null) restore(initial);  // it was posted: the form starts afresh
  });
}

if (store) {
  tidy();
  for (const form of document.querySelectorAll("form[action$='/logout']")) {
    form.addEventListener("submit", () => {
      signingOut = true;
      for (let i = store.length - 1; i >= 0; i--) {
        const key = store.key(i);
        if (key && key.startsWith(PREFIX)) store.removeItem(key);
      }
      pending([]);
    });
  }
  if (me) for (const textarea of document.querySelectorAll("textarea[data-draft]")) keep(textarea);
}
