/* The upload form's taxonomy pickers: stage → grade and subject, and edition, subject and
 * grade → textbook → unit → lesson.
 *
 * Kept apart from upload.js so that file stays readable; it is a plain script (no modules,
 * no bundler) loaded before upload.js, which calls window.EduTaxonomyPickers.create() once.
 * The page's own fetch wrapper is passed in as options.api so the session, CSRF token and
 * error handling stay in one place. The lists come from GET options.taxonomyUrl (stages with
 * their grades, subjects, editions) and options.nodesUrl (one level of a textbook's tree).
 * Texts come translated from the server (options.text): nothing here is shown untranslated.
 */
(function () {
  "use strict";

  function show(element, visible) {
    element.hidden = !visible;
  }

  /* Replaces a select's options after its first ("Choose…") one; with keep, the current
   * choice survives if it is still offered, so narrowing a list does not lose it silently. */
  function fill(select, items, keep) {
    var current = keep ? select.value : "";
    while (select.options.length > 1) {
      select.remove(1);
    }
    items.forEach(function (item) {
      select.add(new Option(item.label, String(item.value)));
    });
    var stillThere = items.some(function (item) {
      return String(item.value) === current;
    });
    select.value = stillThere ? current : "";
  }

  /* Wires the pickers (options.stage, grade, subject, edition, book, unit, lesson are the
   * selects, options.bookNote the hint under the textbook picker) and returns what the rest
   * of the page needs: load() to fetch the taxonomy, textbookNode() for the payload and
   * stageOfGrade(). */
  function create(options) {
    var api = options.api;
    var text = options.text;
    var stageInput = options.stage;
    var gradeInput = options.grade;
    var subjectInput = options.subject;
    var editionInput = options.edition;
    var bookInput = options.book;
    var unitInput = options.unit;
    var lessonInput = options.lesson;
    var bookNote = options.bookNote;
    /* The server's "choose the edition, subject and grade" hint, to put back after a
     * "no textbooks" or "loading" message. */
    var bookHint = bookNote.textContent;
    /* The taxonomy once loaded; null before or if it failed. */
    var taxonomy = null;
    /* One counter per picker level: answers to older requests are ignored. */
    var nodeRequests = { book: 0, unit: 0, lesson: 0 };

    function stageOfGrade(grade) {
      var found = "";
      (taxonomy ? taxonomy.stages : []).forEach(function (stage) {
        stage.grades.forEach(function (g) {
          if (String(g.value) === String(grade)) {
            found = stage.value;
          }
        });
      });
      return found;
    }

    function fillGradesAndSubjects() {
      var stage = stageInput.value;
      var grades = [];
      taxonomy.stages.forEach(function (s) {
        if (!stage || s.value === stage) {
          grades = grades.concat(s.grades);
        }
      });
      fill(gradeInput, grades, true);
      fill(
        subjectInput,
        taxonomy.subjects.filter(function (subject) {
          return !stage || !subject.stages.length || subject.stages.indexOf(stage) !== -1;
        }),
        true
      );
    }

    function resetNodes(from) {
      var levels = [bookInput, unitInput, lessonInput];
      var names = ["book", "unit", "lesson"];
      for (var i = levels.indexOf(from); i < levels.length; i += 1) {
        nodeRequests[names[i]] += 1;
        fill(levels[i], [], false);
        levels[i].disabled = true;
      }
    }

    function nodeOption(node) {
      var option = new Option(node.name, String(node.id));
      option.dataset.hasChildren = node.has_children ? "1" : "";
      return option;
    }

    /* Loads one level of the textbook tree into select; the request is dropped if the choice
     * above it changes meanwhile. */
    function loadNodes(level, select, query) {
      nodeRequests[level] += 1;
      var request = nodeRequests[level];
      select.disabled = true;
      if (level === "book") {
        bookNote.textContent = text.loading;
      }
      api("GET", options.nodesUrl + "?" + query).then(function (answer) {
        if (request !== nodeRequests[level]) {
          return;
        }
        var nodes = answer.ok && Array.isArray(answer.body) ? answer.body : [];
        fill(select, [], false);
        nodes.forEach(function (node) {
          select.add(nodeOption(node));
        });
        select.disabled = nodes.length === 0;
        if (level === "book") {
          bookNote.textContent = nodes.length ? "" : answer.ok ? text.noBooks : text.taxonomyFailed;
          show(bookNote, Boolean(bookNote.textContent));
        }
      });
    }

    function loadBooks() {
      resetNodes(bookInput);
      if (!editionInput.value || !subjectInput.value) {
        bookNote.textContent = bookHint;
        show(bookNote, true);
        return;
      }
      var query = "edition=" + encodeURIComponent(editionInput.value);
      query += "&subject=" + encodeURIComponent(subjectInput.value);
      if (gradeInput.value) {
        query += "&grade=" + encodeURIComponent(gradeInput.value);
      }
      loadNodes("book", bookInput, query);
    }

    function loadChildren(parentSelect, childSelect, level) {
      resetNodes(childSelect);
      var option = parentSelect.options[parentSelect.selectedIndex];
      if (parentSelect.value && option && option.dataset.hasChildren) {
        loadNodes(level, childSelect, "parent=" + encodeURIComponent(parentSelect.value));
      }
    }

    function loadTaxonomy() {
      api("GET", options.taxonomyUrl).then(function (answer) {
        if (!answer.ok || !answer.body || !Array.isArray(answer.body.stages)) {
          bookNote.textContent = text.taxonomyFailed;
          show(bookNote, true);
          return;
        }
        taxonomy = answer.body;
        fill(stageInput, taxonomy.stages, true);
        fill(editionInput, taxonomy.editions, true);
        fillGradesAndSubjects();
      });
    }

    /* The deepest textbook level chosen (lesson, else unit, else book), or null. */
    function textbookNode() {
      var chosen = [lessonInput, unitInput, bookInput].filter(function (select) {
        return !select.disabled && select.value;
      });
      return chosen.length ? Number(chosen[0].value) : null;
    }

    stageInput.addEventListener("change", function () {
      if (taxonomy) {
        fillGradesAndSubjects();
      }
      loadBooks();
    });
    /* Picking a grade of another stage moves the stage along, so the two never disagree. */
    gradeInput.addEventListener("change", function () {
      var stage = gradeInput.value ? stageOfGrade(gradeInput.value) : "";
      if (stage && stage !== stageInput.value) {
        var grade = gradeInput.value;
        stageInput.value = stage;
        fillGradesAndSubjects();
        gradeInput.value = grade;
      }
      loadBooks();
    });
    subjectInput.addEventListener("change", loadBooks);
    editionInput.addEventListener("change", loadBooks);
    bookInput.addEventListener("change", function () {
      loadChildren(bookInput, unitInput, "unit");
    });
    unitInput.addEventListener("change", function () {
      loadChildren(unitInput, lessonInput, "lesson");
    });

    return { load: loadTaxonomy, textbookNode: textbookNode, stageOfGrade: stageOfGrade };
  }

  window.EduTaxonomyPickers = { create: create };
})();
