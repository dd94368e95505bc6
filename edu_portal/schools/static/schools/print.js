// The password sheet's print button (no inline script: the CSP refuses it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
