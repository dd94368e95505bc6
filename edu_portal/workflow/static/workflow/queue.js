// The review queue's "select every item" box and the count of ticked items. Without
// JavaScript the items are still ticked one by one and the bulk form works the same.

const form = document.getElementById("bulk-form");

function setUp(bulkForm) {
  const picks = Array.from(document.querySelectorAll("input[data-pick]"));
  const all = bulkForm.querySelector("input[data-select-all]");
  const count = bulkForm.querySelector("[data-selected-count]");
  if (!all || !count || picks.length === 0) {
    return;
  }
  const label = count.dataset.label || "";

  function refresh() {
    const ticked = picks.filter((pick) => pick.checked).length;
    all.checked = ticked === picks.length;
    all.indeterminate = ticked > 0 && ticked < picks.length;
    count.textContent = `${label} ${ticked}`;
    count.hidden = ticked === 0;
  }

  all.closest("label").hidden = false;
  all.addEventListener("change", () => {
    for (const pick of picks) {
      pick.checked = all.checked;
    }
    refresh();
  });
  for (const pick of picks) {
    pick.addEventListener("change", refresh);
  }
  refresh();
}

if (form) {
  setUp(form);
}
