// Helpers shared by the portal's browser modules (served as /static/portal/helpers.js and
// imported with a relative path, e.g. `import { format } from "../portal/helpers.js"`).
//
// Nothing here is shown to people untranslated: the pages pass their gettext strings to
// the scripts (json_script blocks and data- attributes), and a caller that needs a sentence
// for a failure the server did not explain gives it as `fallback`.

// Fills "{name}" placeholders of a translated string; unknown names are left as they are,
// so a translation that drops or reorders a placeholder still shows.
export function format(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (all, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all,
  );
}

// The CSRF token for unsafe requests: the one the page was rendered with (passed in, or a
// data-csrf-token attribute), else Django's csrftoken cookie.
export function csrfToken(given) {
  if (given) return given;
  const element = document.querySelector("[data-csrf-token]");
  if (element && element.dataset.csrfToken) return element.dataset.csrfToken;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

const SAFE_METHODS = ["GET", "HEAD", "OPTIONS", "TRACE"];
const NOT_FIELDS = ["detail", "code", "hint", "errors"];

function strings(value) {
  if (typeof value === "string") return value ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(strings);
  // Nested serializers and ListField items come as objects: {"0": ["..."]}.
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

// The field errors of an answer, as {field: ["sentence", …]}: DRF's {field: [..]} or the
// action layer's {detail, code, errors: {field: [..]}}. Empty when there are none.
export function fieldErrors(body) {
  const errors = body && body.errors && typeof body.errors === "object" ? body.errors : body;
  const fields = {};
  if (!errors || typeof errors !== "object" || Array.isArray(errors)) return fields;
  for (const [name, value] of Object.entries(errors)) {
    if (NOT_FIELDS.includes(name)) continue;
    const messages = strings(value);
    if (messages.length) fields[name] = messages;
  }
  return fields;
}

// The sentence an answer's body gives: its detail (with the hint on what to do), else its
// field errors ("Label: sentence", label() naming the fields); "" if it gives none.
export function explain(body, label = () => "") {
  if (!body || typeof body !== "object") return "";
  const detail = strings(body.detail).join(" ");
  if (detail) return typeof body.hint === "string" && body.hint ? `${detail} ${body.hint}` : detail;
  const parts = [];
  for (const [name, messages] of Object.entries(fieldErrors(body))) {
    const named = label(name);
    for (const message of messages) parts.push(named ? `${named}: ${message}` : message);
  }
  return parts.join(" ");
}

// A failed request. status is 0 when the server was not reached; body is the parsed JSON
// answer (or null); message is the server's own sentence when it gave one (explained),
// else the caller's fallback.
export class RequestError extends Error {
  constructor(message, { status = 0, body = null, explained = false } = {}) {
    super(message);
    this.name = "RequestError";
    this.status = status;
    this.body = body;
    this.explained = explained;
    this.code = body && typeof body.code === "string" ? body.code : "";
    this.hint = body && typeof body.hint === "string" ? body.hint : "";
    this.fields = fieldErrors(body);
  }
}

// fetch() with the session cookie, JSON in and out and the CSRF token on unsafe methods.
// Resolves to the parsed body (null when empty). Rejects with a RequestError whose message
// is readable: the server's explanation, else fallback(status) (status 0: no connection).
// Other fetch options (cache, keepalive, signal, …) are passed through.
export async function request(url, options = {}) {
  const { method = "GET", json, csrf, fallback, label, headers = {}, ...rest } = options;
  const init = {
    ...rest,
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...headers },
  };
  if (!SAFE_METHODS.includes(method.toUpperCase())) init.headers["X-CSRFToken"] = csrfToken(csrf);
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const otherwise = (status) =>
    (fallback && fallback(status)) || (status ? `${method} ${url}: HTTP ${status}` : `${method} ${url}: no answer`);
  let response;
  let raw;
  try {
    response = await fetch(url, init);
    raw = await response.text();
  } catch {
    throw new RequestError(otherwise(0));
  }
  let body;
  try {
    body = raw ? JSON.parse(raw) : null;
  } catch {
    body = null; // an HTML error page from a proxy
  }
  if (!response.ok) {
    const sentence = explain(body, label);
    throw new RequestError(sentence || otherwise(response.status), {
      status: response.status,
      body,
      explained: Boolean(sentence),
    });
  }
  return body;
}
