// The application form's proof-of-work check (ALTCHA, self-hosted). The CSP-friendly build
// of the widget ships no workers of its own, so the PBKDF2 worker file is registered here;
// its URL comes from the widget's data-worker attribute (a hashed static URL).
const widget = document.querySelector("altcha-widget[data-worker]");
if (widget && globalThis.$altcha) {
  const workerUrl = widget.dataset.worker;
  for (const algorithm of ["PBKDF2/SHA-256", "PBKDF2/SHA-384", "PBKDF2/SHA-512"]) {
    globalThis.$altcha.algorithms.set(algorithm, () => new Worker(workerUrl));
  }
}
