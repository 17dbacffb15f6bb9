// Keyboard-friendly queue: j/k (or arrows) move between tasks, Enter opens one.
(function () {
  const rows = Array.from(document.querySelectorAll("#renewal-queue tbody tr"));
  if (!rows.length) return;
  let at = 0;
  const focus = (i) => { at = Math.max(0, Math.min(rows.length - 1, i)); rows[at].focus(); };
  rows.forEach((row, i) => row.addEventListener("focus", () => { at = i; }));
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea, select")) return;
    if (e.key === "j" || e.key === "ArrowDown") { focus(at + 1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "ArrowUp") { focus(at - 1); e.preventDefault(); }
    else if (e.key === "Enter" && document.activeElement && document.activeElement.dataset.href) {
      window.location = document.activeElement.dataset.href;
    }
  });
})();
