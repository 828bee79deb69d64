// Wiki pages: live preview, Ctrl/Cmd+S to save and a warning before leaving unsaved text in the
// editor; "#" links beside headings. Everything here is an enhancement: without JavaScript the
// Preview button posts the form and the server renders the preview.

const editor = document.querySelector("form[data-wiki-editor]");

if (editor) {
  const textarea = editor.querySelector("textarea[name=body]");
  const target = editor.querySelector("[data-preview-target]");
  const previewButton = editor.querySelector("[data-preview-button]");
  const saveButton = editor.querySelector("button[value=save]");
  const token = editor.querySelector("input[name=csrf_token]")?.value || "";
  const parentSelect = editor.querySelector("select[name=parent]");
  const watched = [...editor.querySelectorAll("textarea, input[type=text], input:not([type]), select")];
  const initial = new Map(watched.map((el) => [el, el.value]));
  let submitting = false;
  let timer = null;
  let controller = null;
  let shown = null; // the text the preview shows

  // With live editing on (coedit.js), the text is saved on the server as it is typed: only
  // changes not sent yet, and the other fields, count as unsaved.
  const dirty = () => watched.some((el) => (el === textarea && editor.dataset.live === "on"
    ? editor.dataset.liveUnsent === "1" : el.value !== initial.get(el)));

  async function preview() {
    if (!textarea || !target) return;
    if (editor.dataset.coeditRevoked) return; // access lost while editing live: nothing more to ask
    const text = textarea.value;
    if (text === shown) return;
    controller?.abort();
    controller = new AbortController();
    const body = new URLSearchParams({ body: text });
    if (editor.dataset.page) body.set("page", editor.dataset.page);
    if (parentSelect?.value) body.set("parent", parentSelect.value);
    target.setAttribute("aria-busy", "true");
    try {
      const r = await fetch(editor.dataset.previewUrl, {
        method: "POST",
        body,
        signal: controller.signal,
        headers: { "X-CSRFToken": token, Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!r.ok) {
        // Say why there is no preview (e.g. 413: the text is over the size limit); keep the text.
        let message = editor.dataset.previewFailed || "";
        try { message = (await r.json()).error || message; } catch (_) { /* not JSON */ }
        const p = document.createElement("p");
        p.className = "flash flash-error";
        p.setAttribute("role", "alert");
        p.dataset.previewError = "";
        p.textContent = message;
        target.replaceChildren(p);
        shown = null;
        return;
      }
      const data = await r.json();
      // The server sanitised this HTML with the same allowlist as saved pages.
      target.innerHTML = data.html || "";
      shown = text;
    } catch (e) {
      if (e.name !== "AbortError") console.warn("wiki preview failed", e);
    } finally {
      target.removeAttribute("aria-busy");
    }
  }

  const schedulePreview = () => {
    clearTimeout(timer);
    timer = setTimeout(preview, 350);
  };
  textarea?.addEventListener("input", schedulePreview);
  textarea?.addEventListener("coedit:change", schedulePreview); // others' live edits
  parentSelect?.addEventListener("change", () => { shown = null; preview(); });

  // With JavaScript the Preview button updates the pane in place instead of posting the form.
  previewButton?.addEventListener("click", (event) => {
    event.preventDefault();
    shown = null;
    preview();
  });

  // Ctrl+S / Cmd+S saves.
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      if (saveButton) editor.requestSubmit(saveButton);
    }
  });

  editor.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("beforeunload", (event) => {
    if (!submitting && dirty()) {
      event.preventDefault();
      event.returnValue = editor.dataset.unsaved || "";
    }
  });

  if (textarea && textarea.value.trim() && target?.querySelector("[data-preview-placeholder]")) preview();

  // Drag files into the text: each is uploaded as an attachment of the page, and a Markdown
  // image (or link) takes the place of a placeholder where it was dropped.
  const uploadUrl = editor.dataset.uploadUrl;
  const status = editor.querySelector("[data-upload-status]");
  async function upload(file, placeholder) {
    const form = new FormData();
    form.append("file", file);
    let answer = null;
    let message = editor.dataset.uploadFailed || "";
    try {
      const r = await fetch(uploadUrl, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      });
      if (r.ok) answer = await r.json();
      else {
        try { message = (await r.json()).error || message; } catch (_) { if (r.status === 413) message = `${message} (413)`; }
      }
    } catch (e) {
      console.warn("upload failed", e);
    }
    const at = textarea.value.indexOf(placeholder);
    const replacement = answer ? answer.markdown : "";
    if (at >= 0) {
      textarea.value = textarea.value.slice(0, at) + replacement + textarea.value.slice(at + placeholder.length);
    }
    if (status) status.textContent = answer ? "" : `${file.name}: ${message}`;
    if (status && !answer) status.classList.add("error");
    textarea.dispatchEvent(new Event("input"));
  }
  if (textarea && uploadUrl) {
    textarea.addEventListener("dragover", (event) => {
      if ([...(event.dataTransfer?.types || [])].includes("Files")) {
        event.preventDefault();
        textarea.classList.add("drop-target");
      }
    });
    textarea.addEventListener("dragleave", () => textarea.classList.remove("drop-target"));
    textarea.addEventListener("drop", (event) => {
      const dropped = [...(event.dataTransfer?.files || [])];
      textarea.classList.remove("drop-target");
      if (!dropped.length) return;
      event.preventDefault();
      let pos = textarea.selectionStart ?? textarea.value.length;
      for (const file of dropped) {
        const placeholder = `[${(editor.dataset.uploading || "{name}").replace("{name}", file.name)}]()`;
        const insert = (pos > 0 && textarea.value[pos - 1] !== "\n" ? "\n" : "") + placeholder + "\n";
        textarea.value = textarea.value.slice(0, pos) + insert + textarea.value.slice(pos);
        pos += insert.length;
        if (status) { status.classList.remove("error"); status.textContent = ""; }
        upload(file, placeholder);
      }
    });
  }
}

// Presence: who else has this page open in the editor now, over the /wiki Socket.IO namespace.
// Only a hint (saving never depends on it): without a connection the box stays hidden.
async function presence(box) {
  const page = Number(box.dataset.page);
  const me = Number(box.dataset.me);
  const list = box.querySelector("[data-presence-list]");
  let socket;
  try {
    const { io } = await import(box.dataset.socketLib);
    socket = io("/wiki", { reconnectionDelayMax: 10000 });
  } catch (e) {
    console.warn("wiki presence unavailable", e);
    return;
  }
  const show = (editors) => {
    const others = (editors || []).filter((p) => p.id !== me);
    list.replaceChildren(...others.map((p) => {
      const li = document.createElement("li");
      li.textContent = p.name; // text, never HTML
      li.title = `@${p.username}`;
      li.dataset.username = p.username;
      return li;
    }));
    box.hidden = others.length === 0;
  };
  socket.on("connect", () => {
    socket.emit("join", { page }, (answer) => { if (answer?.ok) show(answer.editors); });
  });
  socket.on("presence", (data) => { if (data?.page === page) show(data.editors); });
  socket.on("disconnect", () => show([]));
  window.addEventListener("pagehide", () => { socket.emit("leave", { page }); socket.disconnect(); });
}

const presenceBox = document.querySelector("[data-presence]");
if (presenceBox) presence(presenceBox);

// A "#" link after each heading of a rendered page, to copy a link to that section.
function decorateHeadings(root) {
  const label = root.dataset.anchorLabel || "";
  for (const h of root.querySelectorAll("h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]")) {
    if (h.querySelector(".heading-anchor")) continue;
    const a = document.createElement("a");
    a.className = "heading-anchor";
    a.href = `#${h.id}`;
    a.textContent = "#";
    if (label) a.setAttribute("aria-label", label);
    h.append(" ", a);
  }
}

for (const body of document.querySelectorAll(".wiki-body[data-anchor-label]")) decorateHeadings(body);
