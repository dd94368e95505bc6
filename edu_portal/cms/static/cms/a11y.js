// 适老化 and accessibility on every page: text size (标准/大/特大) and high contrast, both
// remembered in localStorage; keyboard use of the header's menus. The choices are applied
// to <html> as data attributes that a11y.css reads. Without script the bar stays hidden
// (its buttons would do nothing) and the page keeps its standard look.
const root = document.documentElement;
const SIZES = ["standard", "large", "larger"];
const SIZE_KEY = "portal.fontSize";
const CONTRAST_KEY = "portal.contrast";

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage refused (private mode, policy): the choice lasts for the page
  }
}

function store(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // see stored()
  }
}

function applySize(size) {
  const chosen = SIZES.includes(size) ? size : "standard";
  if (chosen === "standard") {
    delete root.dataset.textSize;
  } else {
    root.dataset.textSize = chosen;
  }
  document.querySelectorAll("button[data-text-size]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.textSize === chosen));
  });
}

function applyContrast(high) {
  if (high) {
    root.dataset.contrast = "high";
  } else {
    delete root.dataset.contrast;
  }
  document.querySelectorAll("button[data-contrast-toggle]").forEach((button) => {
    button.setAttribute("aria-pressed", String(high));
  });
}

applySize(stored(SIZE_KEY));
applyContrast(stored(CONTRAST_KEY) === "high");

const bar = document.querySelector("[data-a11y-bar]");
if (bar) {
  bar.hidden = false;
  bar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) {
      return;
    }
    if (button.dataset.textSize) {
      store(SIZE_KEY, button.dataset.textSize);
      applySize(button.dataset.textSize);
    } else if (button.hasAttribute("data-contrast-toggle")) {
      const high = root.dataset.contrast !== "high";
      store(CONTRAST_KEY, high ? "high" : "normal");
      applyContrast(high);
    }
  });
}

// Header menus by keyboard: Escape closes an open <details> menu (the user menu) and
// returns focus to its summary; arrow keys move between the links of the menu or of the
// navigation bar, Home and End jump to the first and last.
const header = document.querySelector(".site-header");

function moveFocus(links, current, key) {
  const index = links.indexOf(current);
  const last = links.length - 1;
  const next = {
    ArrowDown: index + 1,
    ArrowRight: index + 1,
    ArrowUp: index - 1,
    ArrowLeft: index - 1,
    Home: 0,
    End: last,
  }[key];
  if (next === undefined || index < 0) {
    return false;
  }
  links[(next + links.length) % links.length].focus();
  return true;
}

if (header) {
  header.addEventListener("keydown", (event) => {
    const menu = event.target.closest("details[open]");
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
      event.preventDefault();
      return;
    }
    const list = event.target.closest(".site-nav ul, .user-menu-list");
    if (!list) {
      return;
    }
    const links = Array.from(list.querySelectorAll("a[href], button:not([hidden])"));
    if (moveFocus(links, event.target, event.key)) {
      event.preventDefault();
    }
  });
  // A click elsewhere closes an open header menu, as menus do.
  document.addEventListener("click", (event) => {
    header.querySelectorAll("details[open]").forEach((menu) => {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
}
