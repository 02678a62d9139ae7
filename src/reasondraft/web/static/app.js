// reasondraft review pages: keyboard, step search, remembered reviewer, reload on change.
// Written for this project; no data reaches this file (the page carries it in attributes).
(function () {
  "use strict";
  var refs = Array.prototype.slice.call(document.querySelectorAll("article a.ref"));
  var current = -1;

  function go(index) {
    if (!refs.length) { return; }
    current = (index + refs.length) % refs.length;
    var link = refs[current];
    link.focus();
    window.location.hash = link.getAttribute("href");
    link.scrollIntoView({block: "center"});
  }

  refs.forEach(function (link, index) {
    link.addEventListener("click", function () { current = index; });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey ||
        (target.closest && target.closest("input, textarea, select, button"))) { return; }
    if (event.key === "j") { go(current + 1); }
    else if (event.key === "k") { go(current < 0 ? -1 : current - 1); }
    else if (event.key === "n") {
      var next = document.querySelector("a[rel=next]");
      if (next) { window.location.href = next.href; }
    } else { return; }
    event.preventDefault();
  });

  var search = document.getElementById("step-search");
  if (search) {
    search.addEventListener("input", function () {
      var query = search.value.toLowerCase();
      document.querySelectorAll("#tab-trajectory .step").forEach(function (step) {
        step.hidden = query !== "" && step.textContent.toLowerCase().indexOf(query) < 0;
      });
    });
  }

  var KEY = "reasondraft.reviewer";
  document.querySelectorAll("form.decide input[name=reviewer]").forEach(function (input) {
    try {
      if (!input.value) { input.value = window.localStorage.getItem(KEY) || ""; }
      input.form.addEventListener("submit", function () {
        window.localStorage.setItem(KEY, input.value);
      });
    } catch (error) { /* storage disabled: the reviewer is typed each time */ }
  });

  var poll = document.body.getAttribute("data-poll");
  var shown = document.body.getAttribute("data-hash");
  if (poll && shown) {
    window.setInterval(function () {
      fetch(poll, {cache: "no-store"}).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && data.hash && data.hash !== shown) { window.location.reload(); }
      }).catch(function () { /* server gone: keep the page as it is */ });
    }, 2000);
  }
}());
