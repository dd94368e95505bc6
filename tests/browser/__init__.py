"""Browser tests of the portal's pages (Playwright driving Debian's Chromium)."""
