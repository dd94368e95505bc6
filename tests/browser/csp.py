"""Collecting Content-Security-Policy violations in a Playwright page.

Each frame's ``securitypolicyviolation`` events (recorded by an init script, which the
browser runs outside the page's policy) and Chromium's console reports of refused loads,
which also cover the sandboxed frames that run no script at all.
"""

from __future__ import annotations

import contextlib

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
      `(${event.sourceFile || ""}:${event.lineNumber || 0})`,
  );
});
"""


def watch_violations(page) -> list[str]:
    """Start recording on ``page``; the returned list fills with console reports as they
    come (call :func:`violations` for the event reports too)."""
    page.add_init_script(RECORD_VIOLATIONS)
    reports: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            reports.append(message.text)

    page.on("console", on_console)
    return reports


def violations(page, reports: list[str]) -> list[str]:
    found = list(reports)
    from playwright.sync_api import Error

    for frame in page.frames:
        # A frame that runs no script (the book's) or has gone has nothing to give.
        with contextlib.suppress(Error):
            found.extend(frame.evaluate("() => window.__cspViolations || []"))
    return found
