// The header's navigation as a menu on a phone: the portal's columns and the platform's
// sections fold behind one button (site.css shows it below 720 px). Without script the
// list simply wraps, so nothing depends on this file.
const nav = document.querySelector(".site-nav");
const toggle = nav ? nav.querySelector(".nav-toggle") : null;

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("nav-open", open);
}

if (nav && toggle) {
  nav.classList.add("nav-collapsible");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the open menu and returns to its button (keyboard users).
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("nav-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
}
