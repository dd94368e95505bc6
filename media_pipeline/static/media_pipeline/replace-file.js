// The edit page's "replace the file" (media_pipeline/templates/media_pipeline/
// _replace_file.html): the file goes to the server by the same resumable (tus) transfer as
// the upload page; once it is all there, the finished upload's address is posted with the
// page's plain form, and the server swaps the file and answers with the edit page again.
// Texts come translated from the server (json_script "upload-text").

import { createTransfer } from "./upload-transfer.js";

const byId = (id) => document.getElementById(id);

function main(app) {
  const text = JSON.parse(byId("upload-text").textContent);
  const form = byId("replace-form");
  const input = byId("upload-file");
  const statusLine = byId("upload-status");
  const errorLine = byId("upload-error");
  let posting = false;

  const setStatus = (message) => {
    statusLine.textContent = message;
  };
  const setError = (message) => {
    errorLine.textContent = message || "";
    errorLine.hidden = !message;
  };

  const transfer = createTransfer({
    app,
    text,
    setStatus,
    setError,
    onStart: () => {},
    onUploaded: (url) => {
      byId("replace-upload").value = url;
      posting = true;
      byId("upload-start").disabled = true;
      form.submit();
    },
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (transfer.running || posting) return;
    setError("");
    transfer.start(input.files && input.files[0]);
  });
  input.addEventListener("change", () => {
    setError("");
    transfer.forget();
  });
  window.addEventListener("beforeunload", (event) => {
    if (transfer.running) {
      event.preventDefault();
      event.returnValue = text.leave;
      return text.leave;
    }
    return undefined;
  });
}

const app = byId("upload-app");
// Without tus (its script failed to load) the plain form would post no file: leave it.
if (app && typeof window.tus !== "undefined") main(app);
