// Resource list: on a narrow screen the filter panel starts folded so that the results
// come first; it is open without JavaScript and on wider screens.

const panel = document.querySelector("details.facets[data-collapse-below]");
if (panel) {
  const limit = Number(panel.dataset.collapseBelow) || 760;
  const hasChoice = panel.querySelector(".facet-link.selected");
  if (window.innerWidth < limit && !hasChoice) panel.open = false;
}
