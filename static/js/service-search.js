// The booking page's services search: hides the services (and whole categories) that do not
// hold every word typed, as the server's ?q= does without JavaScript (any case, no accents).
(function () {
  "use strict";
  var form = document.querySelector("[data-service-search]");
  if (!form) return;
  var input = form.querySelector("input[type=search]");
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-service-group]"));
  var empty = document.querySelector("[data-search-empty]");

  function folded(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  var texts = rows.map(function (row) { return folded(row.getAttribute("data-search") || ""); });

  function filter() {
    var words = folded(input.value).split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row, index) {
      var match = words.every(function (word) { return texts[index].indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("[data-search]:not([hidden])");
    });
    if (empty) empty.hidden = shown > 0 || rows.length === 0;
  }

  input.addEventListener("input", filter);
  // The page was filtered by the server (?q=): typing starts from the whole list again.
  form.addEventListener("submit", function (event) {
    if (rows.length) { event.preventDefault(); filter(); }
  });
  if (input.value) filter();
})();
