// The upload form's taxonomy pickers: stage → grade and subject, and edition, subject and
// grade → textbook → unit → lesson.
//
// Wired by upload-form.js, which calls createPickers() once. The lists come from GET
// options.taxonomyUrl (stages with their grades, subjects, editions) and options.nodesUrl
// (one level of a textbook's tree), fetched with the portal's request() so the session and
// error handling are the same as for the rest of the page. Texts come translated from the
// server (options.text): nothing here is shown untranslated.

import { request } from "../portal/helpers.js";

function show(element, visible) {
  element.hidden = !visible;
}

// Replaces a select's options after its first ("Choose…") one; with keep, the current
// choice survives if it is still offered, so narrowing a list does not lose it silently.
function fill(select, items, keep) {
  const current = keep ? select.value : "";
  while (select.options.length > 1) select.remove(1);
  for (const item of items) select.add(new Option(item.label, String(item.value)));
  const stillThere = items.some((item) => String(item.value) === current);
  select.value = stillThere ? current : "";
}

function nodeOption(node) {
  const option = new Option(node.name, String(node.id));
  option.dataset.hasChildren = node.has_children ? "1" : "";
  return option;
}

// Wires the pickers (options.stage, grade, subject, edition, book, unit, lesson are the
// selects, options.bookNote the hint under the textbook picker) and returns what the rest
// of the page needs: load() to fetch the taxonomy, textbookNode() for the payload and
// stageOfGrade().
export function createPickers(options) {
  const {
    text,
    stage: stageInput,
    grade: gradeInput,
    subject: subjectInput,
    edition: editionInput,
    book: bookInput,
    unit: unitInput,
    lesson: lessonInput,
    bookNote,
  } = options;
  // The server's "choose the edition, subject and grade" hint, to put back after a
  // "no textbooks" or "loading" message.
  const bookHint = bookNote.textContent;
  // The taxonomy once loaded; null before or if it failed.
  let taxonomy = null;
  // One counter per picker level: answers to older requests are ignored.
  const nodeRequests = { book: 0, unit: 0, lesson: 0 };

  function stageOfGrade(grade) {
    let found = "";
    for (const stage of taxonomy ? taxonomy.stages : []) {
      if (stage.grades.some((g) => String(g.value) === String(grade))) found = stage.value;
    }
    return found;
  }

  function fillGradesAndSubjects() {
    const stage = stageInput.value;
    const grades = taxonomy.stages.filter((s) => !stage || s.value === stage).flatMap((s) => s.grades);
    fill(gradeInput, grades, true);
    fill(
      subjectInput,
      taxonomy.subjects.filter(
        (subject) => !stage || !subject.stages.length || subject.stages.includes(stage),
      ),
      true,
    );
  }

  function resetNodes(from) {
    const levels = [bookInput, unitInput, lessonInput];
    const names = ["book", "unit", "lesson"];
    for (let i = levels.indexOf(from); i < levels.length; i += 1) {
      nodeRequests[names[i]] += 1;
      fill(levels[i], [], false);
      levels[i].disabled = true;
    }
  }

  // Loads one level of the textbook tree into select; the answer is dropped if the choice
  // above it changes meanwhile.
  async function loadNodes(level, select, query) {
    nodeRequests[level] += 1;
    const ask = nodeRequests[level];
    select.disabled = true;
    if (level === "book") bookNote.textContent = text.loading;
    let nodes = [];
    let ok = true;
    try {
      const body = await request(`${options.nodesUrl}?${query}`);
      nodes = Array.isArray(body) ? body : [];
    } catch {
      ok = false;
    }
    if (ask !== nodeRequests[level]) return;
    fill(select, [], false);
    for (const node of nodes) select.add(nodeOption(node));
    select.disabled = nodes.length === 0;
    if (level === "book") {
      bookNote.textContent = nodes.length ? "" : ok ? text.noBooks : text.taxonomyFailed;
      show(bookNote, Boolean(bookNote.textContent));
    }
  }

  function loadBooks() {
    resetNodes(bookInput);
    if (!editionInput.value || !subjectInput.value) {
      bookNote.textContent = bookHint;
      show(bookNote, true);
      return;
    }
    const query = new URLSearchParams({ edition: editionInput.value, subject: subjectInput.value });
    if (gradeInput.value) query.set("grade", gradeInput.value);
    loadNodes("book", bookInput, query.toString());
  }

  function loadChildren(parentSelect, childSelect, level) {
    resetNodes(childSelect);
    const option = parentSelect.options[parentSelect.selectedIndex];
    if (parentSelect.value && option && option.dataset.hasChildren) {
      loadNodes(level, childSelect, new URLSearchParams({ parent: parentSelect.value }).toString());
    }
  }

  async function loadTaxonomy() {
    const body = await request(options.taxonomyUrl).catch(() => null);
    if (!body || !Array.isArray(body.stages)) {
      bookNote.textContent = text.taxonomyFailed;
      show(bookNote, true);
      return;
    }
    taxonomy = body;
    fill(stageInput, taxonomy.stages, true);
    fill(editionInput, taxonomy.editions, true);
    fillGradesAndSubjects();
  }

  // The deepest textbook level chosen (lesson, else unit, else book), or null.
  function textbookNode() {
    const chosen = [lessonInput, unitInput, bookInput].find((select) => !select.disabled && select.value);
    return chosen ? Number(chosen.value) : null;
  }

  stageInput.addEventListener("change", () => {
    if (taxonomy) fillGradesAndSubjects();
    loadBooks();
  });
  // Picking a grade of another stage moves the stage along, so the two never disagree.
  gradeInput.addEventListener("change", () => {
    const stage = gradeInput.value ? stageOfGrade(gradeInput.value) : "";
    if (stage && stage !== stageInput.value) {
      const grade = gradeInput.value;
      stageInput.value = stage;
      fillGradesAndSubjects();
      gradeInput.value = grade;
    }
    loadBooks();
  });
  subjectInput.addEventListener("change", loadBooks);
  editionInput.addEventListener("change", loadBooks);
  bookInput.addEventListener("change", () => loadChildren(bookInput, unitInput, "unit"));
  unitInput.addEventListener("change", () => loadChildren(unitInput, lessonInput, "lesson"));

  return { load: loadTaxonomy, textbookNode, stageOfGrade };
}
