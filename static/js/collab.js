// Progressive enhancement for every page: no page depends on this to work.

// Ask before destructive form posts (forms, or the button that submits, carrying data-confirm).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = (event.submitter && event.submitter.dataset.confirm) || form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Dismiss flash messages.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".flash-close");
  if (button) button.parentElement.remove();
  // Close open menus when clicking elsewhere.
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

// One menu open at a time: opening one (by click or from the keyboard) closes the others.
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.matches("details.menu")) return;
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (menu !== opened && !menu.contains(opened)) menu.removeAttribute("open");
  }
}, true);

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    for (const menu of document.querySelectorAll("details.menu[open]")) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  }
});

// A form shown again with errors: the cursor goes to the first field to fix (its error is read
// with it, through aria-describedby), unless the cursor is in a field to fix already.
const invalid = document.querySelector("main [aria-invalid='true']");
if (invalid && !document.activeElement?.matches("[aria-invalid='true']")) invalid.focus();

// Select the whole value of read-only copy fields on focus.
document.addEventListener("focusin", (event) => {
  if (event.target.matches("input.copy, textarea.copy")) event.target.select();
});

// A "Copy" button (data-copy: the id of the field) puts the field's text on the clipboard; where
// the browser refuses (a page not served over HTTPS), the text stays selected to copy by hand.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  const field = button && document.getElementById(button.dataset.copy);
  if (!field) return;
  field.focus();
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    if (button.dataset.copied) button.textContent = button.dataset.copied;
  } catch {
    /* selected: Ctrl+C copies it */
  }
});

// Related content the server had no list at hand for (it takes a search): asked for once the
// page has loaded, and put in its slot; nothing to show removes the slot.
for (const slot of document.querySelectorAll("[data-related]")) {
  fetch(slot.dataset.related, { headers: { Accept: "text/html" }, credentials: "same-origin" })
    .then((response) => (response.status === 200 ? response.text() : ""))
    .then((html) => {
      if (html.trim()) slot.outerHTML = html;
      else slot.remove();
    })
    .catch(() => slot.remove());
}

// A row of tabs that scrolls sideways on a phone (a community's tabs, the admin console's sections)
// starts scrolled so the current tab shows, with a little of the next one hinting at more.
for (const current of document.querySelectorAll(".tabs [aria-current='page'], .admin-nav [aria-current='page']")) {
  const row = current.closest(".tabs, .admin-nav ul");
  if (!row || row.scrollWidth <= row.clientWidth) continue;
  const overhang = current.getBoundingClientRect().right - row.getBoundingClientRect().right;
  if (overhang > 0) row.scrollLeft += overhang + 32;
}

// A code block, table or diff wider than its box scrolls sideways: it takes the keyboard focus, so
// that it can be scrolled without a mouse (WCAG 2.1.1, axe's scrollable-region-focusable). Checked
// again when blocks arrive (the wiki editor's preview, related content) and after a resize.
function focusableScrollers(root) {
  for (const box of root.querySelectorAll("pre, .table-wrap, .diff-wrap")) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.dataset.scrollFocus = "";
    } else if (!scrolls && "scrollFocus" in box.dataset) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollFocus;
    }
  }
}
const mainElement = document.querySelector("main");
if (mainElement) {
  let pending = false;
  const recheck = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      focusableScrollers(mainElement);
    });
  };
  focusableScrollers(mainElement);
  new MutationObserver(recheck).observe(mainElement, { childList: true, subtree: true });
  window.addEventListener("resize", recheck);
}
