// @mention autocomplete for every textarea marked data-mentions: type "@" and a few letters,
// pick a person with the arrow keys and Enter (or a click); "@username " is inserted.

const url = document.body.dataset.mentionUrl;
const TRIGGER = /(^|[^\w@.])@([\w.-]{1,40})$/;
let box = null;
let state = null;   // {textarea, start, items, active}
let timer = 0;
let serial = 0;

function ensureBox() {
  if (box) return box;
  box = document.createElement("ul");
  box.className = "suggest mention-suggest";
  box.id = "mention-suggest";
  box.setAttribute("role", "listbox");
  box.setAttribute("aria-label", document.body.dataset.mentionLabel || "");
  box.hidden = true;
  box.addEventListener("mousedown", (event) => {
    const li = event.target.closest("li[data-username]");
    if (!li) return;
    event.preventDefault();
    choose(li.dataset.username);
  });
  (document.querySelector("main") || document.body).append(box);  // inside a landmark
  return box;
}

function close() {
  serial++;  // an answer still on its way is for text that is gone
  if (box) box.hidden = true;
  if (state) {
    delete state.textarea.dataset.mentionOpen;
    state.textarea.removeAttribute("aria-activedescendant");
  }
  state = null;
}

// Under the textarea, or above it when the list would run off the bottom of the window (the chat
// composer sits at the bottom).
function place(textarea) {
  const rect = textarea.getBoundingClientRect();
  box.style.left = `${window.scrollX + rect.left}px`;
  box.style.minWidth = `${Math.min(rect.width, 320)}px`;
  const visible = window.visualViewport ? window.visualViewport.height : window.innerHeight;  // above a phone's keyboard
  const below = rect.bottom + 2 + box.offsetHeight <= visible || rect.top < box.offsetHeight + 2;
  box.style.top = `${window.scrollY + (below ? rect.bottom + 2 : rect.top - 2 - box.offsetHeight)}px`;
}

function render() {
  box.replaceChildren();
  state.items.forEach((person, i) => {
    const li = document.createElement("li");
    li.setAttribute("role", "option");
    li.id = `mention-option-${i}`;
    li.dataset.username = person.username;
    li.setAttribute("aria-selected", i === state.active ? "true" : "false");
    const name = document.createElement("span");
    name.textContent = person.name;
    const handle = document.createElement("span");
    handle.className = "muted small";
    handle.textContent = ` @${person.username}`;
    li.append(name, handle);
    box.append(li);
  });
  state.textarea.setAttribute("aria-activedescendant", `mention-option-${state.active}`);
}

function choose(username) {
  if (!state) return;
  const { textarea, start } = state;
  const end = textarea.selectionStart;
  const before = textarea.value.slice(0, start);
  const after = textarea.value.slice(end);
  const insert = `@${username} `;
  textarea.value = before + insert + after;
  const caret = before.length + insert.length;
  textarea.setSelectionRange(caret, caret);
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
  close();
  textarea.focus();
}

async function lookup(textarea) {
  const caret = textarea.selectionStart;
  const match = TRIGGER.exec(textarea.value.slice(0, caret));
  if (!match) { close(); return; }
  const q = match[2];
  const mine = ++serial;
  let people = [];
  try {
    const response = await fetch(`${url}?q=${encodeURIComponent(q)}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) people = (await response.json()).people || [];
  } catch (e) { return; }
  if (mine !== serial) return;  // a newer keystroke won
  // The text may have changed while the answer came (a slow network): only the same @query opens it.
  const now = TRIGGER.exec(textarea.value.slice(0, textarea.selectionStart));
  if (document.activeElement !== textarea || !now || now[2] !== q) { close(); return; }
  if (!people.length) { close(); return; }
  ensureBox();
  state = { textarea, start: caret - q.length - 1, items: people, active: 0 };
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", box.id);
  textarea.dataset.mentionOpen = "";  // (a textarea takes no aria-expanded) chat's Enter leaves it to the list
  render();
  box.hidden = false;
  place(textarea);  // shown first: its height decides above or below
}

if (url) {
  document.addEventListener("input", (event) => {
    const t = event.target;
    if (!(t instanceof HTMLTextAreaElement) || !t.hasAttribute("data-mentions")) return;
    clearTimeout(timer);
    timer = setTimeout(() => lookup(t), 120);
  });
  document.addEventListener("keydown", (event) => {
    if (!state || event.target !== state.textarea || box.hidden || event.isComposing) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = state.items.length;
      state.active = (state.active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
      render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      choose(state.items[state.active].username);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  document.addEventListener("focusout", (event) => {
    if (state && event.target === state.textarea) setTimeout(close, 150);
  });
  for (const t of document.querySelectorAll("textarea[data-mentions]")) {
    t.setAttribute("aria-autocomplete", "list");
  }
}
