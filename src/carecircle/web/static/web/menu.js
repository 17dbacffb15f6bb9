// Navigation menus (<details class="menu">): one open at a time, closed by a click elsewhere
// or Escape, like any menu bar.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.menu[open]")) menu.removeAttribute("open");
});

// A select marked data-autosubmit sends its form when changed (the language switch, month and
// status filters): one listener here instead of inline onchange handlers, which the
// Content-Security-Policy forbids.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLElement && field.matches("[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});

// A form marked data-reset-on-success is emptied after htmx got a successful answer (the
// merchant's redemption form, ready for the next code) — instead of an inline hx-on handler.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail && event.detail.elt;
  if (event.detail.successful && form instanceof HTMLFormElement && form.matches("[data-reset-on-success]")) {
    form.reset();
  }
});
