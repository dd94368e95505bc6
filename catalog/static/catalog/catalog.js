/* Resource list: on a narrow screen the filter panel starts folded so that the results
 * come first; it is open without JavaScript and on wider screens. */
(function () {
  "use strict";
  var panel = document.querySelector("details.facets[data-collapse-below]");
  if (!panel) return;
  var limit = Number(panel.getAttribute("data-collapse-below")) || 760;
  var hasChoice = panel.querySelector(".facet-link.selected");
  if (window.innerWidth < limit && !hasChoice) panel.open = false;
})();
