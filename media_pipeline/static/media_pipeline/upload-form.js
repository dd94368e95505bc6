// The upload page's metadata form: title, kind (suggested from the file), tags, the
// taxonomy pickers (taxonomy-pickers.js), the check before sending, the values for
// POST /api/v1/resources/, and the field errors of a refused save next to their fields.
//
// Texts come translated from the server (options.text: json_script "upload-text";
// options.more: data- attributes of #upload-messages; options.kindHints: json_script
// "upload-kind-hints", the kind for each file extension).

import { createPickers } from "./taxonomy-pickers.js";

const MEDIA_KINDS = ["video", "audio"];
const TAG_SEPARATORS = /[,，、;；\s]+/;

const byId = (id) => document.getElementById(id);

function show(element, visible) {
  element.hidden = !visible;
}

function extensionOf(name) {
  const dot = name.lastIndexOf(".");
  return dot === -1 ? "" : name.slice(dot + 1).toLowerCase();
}

// Wires the form; returns check(file), values(), label(name), refusal(error) and
// fileChosen(file) for upload.js, and load() to fetch the taxonomy.
export function createForm({ app, text, more, kindHints, setError }) {
  const form = byId("upload-form");
  const titleInput = byId("upload-title");
  const kindInput = byId("upload-kind");
  const tagsInput = byId("upload-tags");
  const tagChips = byId("upload-tag-chips");
  const bookInput = byId("upload-book");
  const unitInput = byId("upload-unit");
  const lessonInput = byId("upload-lesson");
  const maxTags = Number(app.dataset.maxTags) || 20;
  const maxTagLength = Number(app.dataset.maxTagLength) || 40;
  // Whether the teacher chose the kind (then a new file does not change it silently).
  let kindTouched = false;
  // The title the page filled in from the file name (replaced when another file is picked).
  let autoTitle = "";

  const pickers = createPickers({
    text,
    taxonomyUrl: app.dataset.taxonomy,
    nodesUrl: app.dataset.nodes,
    stage: byId("upload-stage"),
    grade: byId("upload-grade"),
    subject: byId("upload-subject"),
    edition: byId("upload-edition"),
    book: bookInput,
    unit: unitInput,
    lesson: lessonInput,
    bookNote: byId("upload-book-note"),
  });

  // The label of a form field, without its "(required)" note, for field errors.
  function label(name) {
    const field = form.elements[name];
    const element = field && field.id ? form.querySelector(`label[for="${field.id}"]`) : null;
    if (!element) return "";
    const copy = element.cloneNode(true);
    copy.querySelectorAll(".upload-required").forEach((note) => note.remove());
    return copy.textContent.trim();
  }

  // --- tags -------------------------------------------------------------------------------

  function parseTags() {
    return [...new Set(tagsInput.value.split(TAG_SEPARATORS).filter(Boolean))];
  }

  function showTags() {
    tagChips.textContent = "";
    for (const tag of parseTags()) {
      const chip = document.createElement("span");
      chip.className = "upload-chip";
      chip.textContent = tag;
      tagChips.append(chip);
    }
  }

  // --- field errors -----------------------------------------------------------------------

  function fieldInput(name) {
    if (name === "textbook_node") {
      if (!lessonInput.disabled && lessonInput.value) return lessonInput;
      if (!unitInput.disabled && unitInput.value) return unitInput;
      return bookInput;
    }
    return byId(`upload-${name}`);
  }

  function setFieldError(name, message) {
    const slot = byId(`upload-${name}-error`);
    const field = fieldInput(name);
    if (!slot) return false;
    slot.textContent = message || "";
    show(slot, Boolean(message));
    if (field) field.setAttribute("aria-invalid", message ? "true" : "false");
    return true;
  }

  function clearFieldErrors() {
    form.querySelectorAll(".upload-field-error").forEach((slot) => {
      slot.textContent = "";
      show(slot, false);
    });
    form.querySelectorAll('[aria-invalid="true"]').forEach((element) => {
      element.setAttribute("aria-invalid", "false");
    });
  }

  // Puts field errors ({field: [sentences]}) next to their fields; returns whether any was
  // placed, and the sentences that belong to no field of the form.
  function placeFieldErrors(fields) {
    let placed = false;
    let first = null;
    const rest = [];
    for (const [name, messages] of Object.entries(fields)) {
      if (setFieldError(name, messages.join(" "))) {
        placed = true;
        first = first || fieldInput(name);
      } else {
        rest.push(...messages);
      }
    }
    if (first && typeof first.focus === "function") first.focus();
    return { placed, rest };
  }

  // The sentence for a refused save (a RequestError); a 400's field errors are marked.
  function refusal(error) {
    const fields = error.status === 400 ? placeFieldErrors(error.fields) : { placed: false };
    return fields.placed ? [text.fixFields, ...fields.rest].join(" ") : error.message;
  }

  // --- kind -------------------------------------------------------------------------------

  function isMediaFile(file) {
    const family = file && file.type ? file.type.split("/")[0] : "";
    const hint = file ? kindHints[extensionOf(file.name)] : "";
    return family === "video" || family === "audio" || MEDIA_KINDS.includes(hint);
  }

  function suggestKind(file) {
    let hint = kindHints[extensionOf(file.name)];
    if (!hint) {
      const family = file.type ? file.type.split("/")[0] : "";
      hint = family === "video" || family === "audio" ? family : "";
    }
    const fits = MEDIA_KINDS.includes(kindInput.value) === isMediaFile(file);
    if (hint && (!kindTouched || !fits)) {
      kindInput.value = hint;
      kindTouched = false;
    }
  }

  // A new file: suggest its kind and, unless the teacher typed one, its name as the title.
  function fileChosen(file) {
    suggestKind(file);
    setFieldError("kind", "");
    if (!titleInput.value.trim() || titleInput.value === autoTitle) {
      const dot = file.name.lastIndexOf(".");
      autoTitle = (dot > 0 ? file.name.slice(0, dot) : file.name).slice(0, 200);
      titleInput.value = autoTitle;
      setFieldError("title", "");
    }
  }

  // --- values and the check before sending ------------------------------------------------

  function values() {
    const grade = byId("upload-grade").value;
    const result = {
      title: titleInput.value.trim(),
      description: byId("upload-description").value,
      kind: kindInput.value,
      visibility: byId("upload-visibility").value,
      licence: byId("upload-licence").value,
      tags: parseTags(),
      submit: byId("upload-submit").checked,
    };
    const optional = {
      collection: byId("upload-collection").value,
      stage: byId("upload-stage").value,
      grade: grade ? Number(grade) : "",
      subject: byId("upload-subject").value,
      edition: byId("upload-edition").value,
      textbook_node: pickers.textbookNode(),
    };
    for (const [name, value] of Object.entries(optional)) {
      if (value !== "" && value !== null) result[name] = value;
    }
    return result;
  }

  // Client-side check of what the API requires; returns false (and says why) if not met.
  function check(file) {
    clearFieldErrors();
    const problems = [];
    if (!titleInput.value.trim()) {
      setFieldError("title", more.titleRequired);
      problems.push(titleInput);
    }
    if (file && MEDIA_KINDS.includes(kindInput.value) !== isMediaFile(file)) {
      setFieldError("kind", isMediaFile(file) ? text.kindMedia : text.kindNotMedia);
      problems.push(kindInput);
    }
    const tags = parseTags();
    if (tags.length > maxTags) {
      setFieldError("tags", text.tooManyTags);
      problems.push(tagsInput);
    } else if (tags.some((tag) => tag.length > maxTagLength)) {
      setFieldError("tags", text.tagTooLong);
      problems.push(tagsInput);
    }
    if (problems.length) {
      const onlyTitle = problems.length === 1 && problems[0] === titleInput;
      setError(onlyTitle ? more.titleRequired : text.fixFields);
      problems[0].focus();
    }
    return !problems.length;
  }

  titleInput.addEventListener("input", () => {
    if (titleInput.value.trim()) setFieldError("title", "");
  });
  kindInput.addEventListener("change", () => {
    kindTouched = true;
    setFieldError("kind", "");
  });
  tagsInput.addEventListener("input", () => {
    showTags();
    setFieldError("tags", "");
  });
  // A changed field is no longer marked (the title only once it is filled in, above).
  form.addEventListener("change", (event) => {
    const target = event.target;
    const slot = target.id ? byId(`${target.id}-error`) : null;
    if (slot && target !== titleInput) {
      setFieldError(target.id.replace(/^upload-/, ""), "");
    } else if ([bookInput, unitInput, lessonInput].includes(target)) {
      setFieldError("textbook_node", "");
    }
  });

  return { check, values, label, refusal, fileChosen, load: pickers.load };
}
