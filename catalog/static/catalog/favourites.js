// The favourite (收藏) buttons (catalog/_favourite_button.html): each is a form that works
// on its own; this sends it with fetch and flips the button, so the page does not reload.
// The server answers {"favourite": true|false} when asked for JSON.

import { request } from "../portal/helpers.js";

const FORMS = "form[data-favourite]";

function setState(form, favourite) {
  form.querySelector("[data-favourite-action]").value = favourite ? "remove" : "add";
  form.querySelector("button").setAttribute("aria-pressed", favourite ? "true" : "false");
}

async function send(form) {
  const button = form.querySelector("button");
  const error = form.querySelector(".favourite-error");
  const body = new FormData(form);
  button.disabled = true;
  try {
    // Not form.action: the form's <input name="action"> shadows that property.
    const answer = await request(form.getAttribute("action"), {
      method: "POST",
      body,
      csrf: body.get("csrfmiddlewaretoken"),
    });
    // Not JSON (a sign-in page after the session ended): the button stays as it was.
    if (!answer) throw new Error("no answer");
    setState(form, Boolean(answer.favourite));
    error.hidden = true;
  } catch {
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

function wire(form) {
  if (form.dataset.wired) return;
  form.dataset.wired = "true";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(form);
  });
}

document.querySelectorAll(FORMS).forEach(wire);
