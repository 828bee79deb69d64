// Infinite scroll for activity streams: when the "Older" link comes into view, fetch that page
// and append its items. Without JavaScript the link simply opens the older page.

async function loadMore(link, observer) {
  if (link.dataset.loading) return;
  link.dataset.loading = "1";
  link.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok) throw new Error(String(response.status));
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const card = link.closest(".stream-card");
    const list = card && card.querySelector("ol[data-stream-list]");
    const next = doc.querySelector(`ol[data-stream-list]`);
    if (list && next) {
      const seen = new Set([...list.children].map((li) => li.dataset.event));
      for (const item of [...next.children]) {
        if (!seen.has(item.dataset.event)) list.append(document.importNode(item, true));
      }
    }
    const nextLink = doc.querySelector("[data-stream-more]");
    if (nextLink) {
      link.href = nextLink.getAttribute("href");
      delete link.dataset.loading;
      link.removeAttribute("aria-busy");
      // Still in view (a short page): keep going.
      observer.unobserve(link);
      observer.observe(link);
    } else {
      observer.unobserve(link);
      link.closest(".stream-more").remove();
    }
  } catch (e) {
    delete link.dataset.loading;
    link.removeAttribute("aria-busy");
    observer.unobserve(link);  // leave the plain link for a click
  }
}

if ("IntersectionObserver" in window) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) loadMore(entry.target, observer);
  }, { rootMargin: "400px" });
  for (const link of document.querySelectorAll("[data-stream-more]")) observer.observe(link);
}
