// twoway web UI keyboard shortcuts (no inline scripts: the pages' CSP allows only files from this server).
// Lists (conflicts inbox): j/k move, x selects, Enter opens. Conflict page: j/k move between fields in
// conflict, 1-9 pick that system's value, Enter resolves, c focuses the comment, n/p next/previous, Esc inbox.
(function () {
  "use strict";
  var rows = [], current = -1, mode = null;

  function typing(e) {
    var t = e.target;
    return t && (t.tagName === "INPUT" && t.type !== "checkbox" && t.type !== "radio" || t.tagName === "TEXTAREA" || t.isContentEditable);
  }
  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, j) { r.classList.toggle("current", j === current); });
    rows[current].scrollIntoView({ block: "nearest" });
  }
  function init() {
    var list = document.querySelector("[data-list]");
    if (!list) return;
    mode = list.getAttribute("data-list");
    rows = Array.prototype.slice.call(list.querySelectorAll(mode === "fields" ? "tr[data-conflict]" : "tbody tr"));
    if (rows.length) select(0);
    var all = document.getElementById("select-all");
    if (all) all.addEventListener("change", function () {
      list.querySelectorAll("input[name=id]").forEach(function (b) { b.checked = all.checked; });
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    var k = e.key;
    if (k === "j") { select(current + 1); e.preventDefault(); }
    else if (k === "k") { select(current - 1); e.preventDefault(); }
    else if (mode === "conflicts" && k === "x" && rows[current]) {
      var box = rows[current].querySelector("input[name=id]");
      if (box) box.checked = !box.checked;
    } else if (mode === "conflicts" && k === "Enter" && rows[current]) {
      window.location = rows[current].getAttribute("data-href");
      e.preventDefault();
    } else if (mode === "fields" && /^[1-9]$/.test(k) && rows[current]) {
      var radio = rows[current].querySelector("input[type=radio][data-index='" + k + "']");
      if (radio) { radio.checked = true; if (current < rows.length - 1) select(current + 1); }
      e.preventDefault();
    } else if (mode === "fields" && k === "Enter") {
      var form = document.getElementById("resolve");
      if (form && form.querySelector("input[type=radio]:checked")) form.requestSubmit();
      e.preventDefault();
    } else if (mode === "fields" && k === "c") {
      var c = document.getElementById("comment");
      if (c) { c.focus(); e.preventDefault(); }
    } else if (mode === "fields" && (k === "n" || k === "p")) {
      var a = document.getElementById(k === "n" ? "next" : "prev");
      if (a) window.location = a.getAttribute("href");
    } else if (mode === "fields" && k === "Escape") {
      window.location = "/ui/conflicts";
    }
  });
})();
