// The report's numbers refresh every 20 seconds while the page is visible, so a teacher
// watching answers come in need not reload. The lists of names change on reload only.

const stats = document.querySelector("[data-report-url]");
const INTERVAL_MS = 20000;

async function refresh() {
  if (document.hidden) {
    return;
  }
  try {
    const response = await fetch(stats.dataset.reportUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      return;
    }
    const numbers = await response.json();
    for (const cell of stats.querySelectorAll("[data-key]")) {
      const value = numbers[cell.dataset.key];
      if (typeof value === "number") {
        cell.textContent = String(value);
      }
    }
  } catch {
    // Offline for a moment: the next round tries again.
  }
}

if (stats) {
  window.setInterval(refresh, INTERVAL_MS);
}
