// Forums: similar topics while typing a title, quoting the selected part of a post into the
// reply, one send per reply form. Enhancements only: without JavaScript the Quote link quotes the
// whole post and the server recognises a repeated form by its token.

const similarBox = document.querySelector("[data-similar]");

if (similarBox) {
  const input = similarBox.querySelector("input[name=title]");
  const out = similarBox.querySelector(".forum-similar");
  let timer = null;
  let controller = null;
  let shown = "";

  async function lookUp() {
    const title = input.value.trim();
    if (title === shown) return;
    shown = title;
    controller?.abort();
    if (title.length < 3) {
      out.hidden = true;
      out.replaceChildren();
      return;
    }
    controller = new AbortController();
    try {
      const url = `${similarBox.dataset.similar}?title=${encodeURIComponent(title)}`;
      const r = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!r.ok) return;
      const topics = await r.json();
      out.replaceChildren();
      if (!topics.length) {
        out.hidden = true;
        return;
      }
      const label = document.createElement("p");
      label.className = "muted small";
      label.textContent = similarBox.dataset.similarLabel;
      const list = document.createElement("ul");
      list.className = "list small";
      for (const t of topics) {
        const li = document.createElement("li");
        const a = document.createElement("a");
        a.href = t.url;
        a.target = "_blank";
        a.rel = "noopener";
        a.textContent = t.title;
        li.append(a);
        if (t.answered) li.append(" ✓");
        list.append(li);
      }
      out.append(label, list);
      out.hidden = false;
    } catch (e) {
      if (e.name !== "AbortError") out.hidden = true;
    }
  }

  input?.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  });
}

// Quote: the text selected inside a post (or, with nothing selected, the link's own page load
// quotes the whole post).
for (const link of document.querySelectorAll("a.forum-quote")) {
  link.addEventListener("click", (event) => {
    const textarea = document.querySelector(".forum-reply-form textarea[name=body]");
    const source = document.querySelector(`[data-quote-source="${link.dataset.post}"]`);
    const selection = window.getSelection();
    const picked = selection && !selection.isCollapsed && source && source.contains(selection.anchorNode)
      ? selection.toString().trim() : "";
    if (!textarea || !picked) return; // fall back to the server's whole-post quote
    event.preventDefault();
    const who = link.dataset.author ? `@${link.dataset.author} wrote:\n` : "";
    const quoted = picked.split("\n").map((line) => `> ${line}`).join("\n");
    const before = textarea.value && !textarea.value.endsWith("\n") ? `${textarea.value}\n\n` : textarea.value;
    textarea.value = `${before}${who}${quoted}\n\n`;
    const replyTo = document.querySelector(".forum-reply-form input[name=reply_to]");
    if (replyTo) replyTo.value = link.dataset.post;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  });
}

// A reply form sends once: a second click while the first is on its way does nothing (the
// server also recognises a repeated form by its token).
for (const form of document.querySelectorAll(".forum-reply-form, .forum-new-topic")) {
  form.addEventListener("submit", (event) => {
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
  });
}
