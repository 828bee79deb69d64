// What someone types into a form marked with a textarea[data-draft] (a forum topic or reply, a
// blog post, idea or comment, a wiki comment, a chat room's composer) is kept in this browser
// until the server has taken it: leaving the page, closing the tab, an expired form token or an
// expired sign-in lose nothing. The next time the same form is shown as it was (same address,
// same starting text), the text comes back with a note and a Discard button; if the starting text
// changed meanwhile (an edit saved elsewhere), the draft is offered to copy from, never applied.
//
// A draft is dropped when the form is sent AND the next page is the answer of a successful post:
// reached through a redirect (post, redirect, get), signed in, and with no error message. A form
// shown again with its errors, the "form expired" page or the sign-in page keep it. Signing out
// removes every draft; drafts of another account than the one signed in are removed; drafts are
// kept two weeks at most.

const PREFIX = "collab-draft:v1:";
const MAX_AGE = 14 * 24 * 3600 * 1000;
const me = document.body.dataset.me || "";
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

// Every page: settle drafts sent from the page before, forget old ones and other people's.
function tidy() {
  const now = Date.now();
  const success = succeeded();
  for (let i = store.length - 1; i >= 0; i--) {
    const key = store.key(i);
    if (!key || !key.startsWith(PREFIX)) continue;
    const owner = key.slice(PREFIX.length).split(":", 1)[0];
    const draft = read(key);
    if (!draft || now - (draft.at || 0) > MAX_AGE || (me && owner !== me)) {
      store.removeItem(key);
    } else if (draft.sent) {
      if (success && owner === me) store.removeItem(key);
      else write(key, { ...draft, sent: false });
    }
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
  const draft = read(key);
  let base = hash(JSON.stringify(initial));
  // The server showed the draft's own text again (the form came back with its errors): the same
  // draft goes on, still tied to the form as it was first shown.
  const again = Boolean(draft && draft.base !== base && same(trimmed(draft.values), trimmed(initial)));
  if (again) base = draft.base;
  let note = null;
  let sent = false;

  function restore(values) {
    fields(form).forEach((f, i) => {
      if (i < values.length) f.value = values[i];
    });
  }

  const strings = document.body.dataset;
  function discardButton(then) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "linklike";
    button.textContent = strings.draftDiscard || "Discard";
    button.addEventListener("click", () => {
      store.removeItem(key);
      note.remove();
      then();
      textarea.focus();
    });
    return button;
  }
  const place = (element) =>
    (textarea.dataset.draft === "before-form" ? form : textarea.closest(".field") || textarea).before(element);

  if (draft && !again && !same(draft.values, initial)) {
    const at = when(draft.at);
    if (draft.base === base) {
      // The form is as it was when the draft was written: the draft takes its place.
      restore(draft.values);
      note = document.createElement("p");
      note.className = "draft-note small";
      note.setAttribute("role", "status");
      note.append((strings.draftRestored || "%(when)s").replace("%(when)s", at) + " ",
                  discardButton(() => restore(initial)));
    } else {
      // The text changed since (an edit saved elsewhere): the newer text stays, and the draft is
      // offered to copy from, never applied over it.
      const index = fields(form).indexOf(textarea);
      note = document.createElement("details");
      note.className = "draft-note draft-stale small";
      const summary = document.createElement("summary");
      summary.textContent = (strings.draftStale || "%(when)s").replace("%(when)s", at);
      const old = document.createElement("textarea");
      old.className = "copy";
      old.readOnly = true;
      old.rows = 4;
      old.value = draft.values[index] ?? "";
      old.setAttribute("aria-label", summary.textContent);
      note.append(summary, old, discardButton(() => {}));
    }
    place(note);
  }

  // Only what is typed on this page is written: a draft merely shown (restored, or offered to
  // copy) stays as it was when the page goes.
  let touched = false;
  let timer = 0;
  function save() {
    clearTimeout(timer);
    if (sent || signingOut || !touched) return;
    const values = valuesOf(form);
    if (!again && same(values, initial)) store.removeItem(key);
    else write(key, { base, values, at: Date.now(), sent: false });
  }
  form.addEventListener("input", () => {
    touched = true;
    clearTimeout(timer);
    timer = setTimeout(save, 300);
  });
  form.addEventListener("submit", (event) => {
    save();
    sent = true;
    const kept = read(key);
    // What goes with this post: the text typed here, or the draft restored into the form (not a
    // draft only offered beside a newer text).
    if (kept && (touched || kept.base === base)) write(key, { ...kept, sent: true });
    setTimeout(() => {
      if (!event.defaultPrevented) return;
      // Not sent after all (a question declined), or sent by the page's own script (chat), which
      // emptied the box: the draft follows what the form holds now.
      sent = false;
      touched = true;
      save();
    });
  });
  window.addEventListener("pagehide", save);
  // Back to this page from the next one (the browser's page cache): the form is live again.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) sent = false;
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
    });
  }
  if (me) for (const textarea of document.querySelectorAll("textarea[data-draft]")) keep(textarea);
}
