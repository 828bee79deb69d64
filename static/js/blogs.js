// Blogs: select the whole feed address when it gets focus, so it is easy to copy.
for (const input of document.querySelectorAll(".blog-feed-url")) {
  input.addEventListener("focus", () => input.select());
}
