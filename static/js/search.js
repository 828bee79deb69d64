// Type-ahead for the navigation search box: titles of people, communities and content after two
// characters. The box still submits to /search without JavaScript.
const input = document.querySelector("input[data-suggest]");
if (input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  let timer = null;
  let active = -1;
  let controller = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const select = (index) => {
    const items = [...list.children];
    if (!items.length) return;
    active = (index + items.length) % items.length;
    items.forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", items[active].id);
  };

  // The options are not links (a listbox's options hold no controls): a click or Enter on one
  // goes to its address.
  const show = (suggestions) => {
    list.replaceChildren();
    suggestions.forEach((s, i) => {
      const li = document.createElement("li");
      li.id = `nav-suggest-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.url = s.url;
      const title = document.createElement("span");
      title.textContent = s.title;
      const kind = document.createElement("span");
      kind.className = "muted";
      kind.textContent = s.type_label;
      li.append(title, kind);
      list.append(li);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", String(suggestions.length > 0));
    active = -1;
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) return close();
    timer = setTimeout(async () => {
      controller?.abort();
      controller = new AbortController();
      try {
        const r = await fetch(`${input.dataset.suggest}?q=${encodeURIComponent(q)}`, {
          signal: controller.signal, headers: { Accept: "application/json" },
        });
        if (r.ok) show((await r.json()).suggestions);
      } catch (e) {
        if (e.name !== "AbortError") close();
      }
    }, 120);
  });

  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = list.children[active].dataset.url;
    }
  });

  list.addEventListener("mousedown", (event) => {
    const li = event.target.closest("li[data-url]");
    if (!li || event.button !== 0) return;
    event.preventDefault();  // keep the focus in the box until the page changes
    window.location.href = li.dataset.url;
  });

  document.addEventListener("click", (event) => {
    if (!input.form.contains(event.target)) close();
  });
}

// "/" anywhere but in a field puts the cursor in the navigation's search box (as on GitHub,
// Discourse and Mattermost); the box says so to assistive technology (aria-keyshortcuts).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  const box = document.getElementById("nav-q");
  const target = event.target;
  if (!box || target.closest?.("input, textarea, select, [contenteditable]:not([contenteditable=false])")) return;
  event.preventDefault();
  box.focus();
  box.select();
});
