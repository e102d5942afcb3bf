// ecsrun console: live updates (server-sent events), keyboard shortcuts and
// the log search. Hand-written, no framework (see docs/console.md).
(function () {
  "use strict";
  var live = document.getElementById("live");
  var state = document.getElementById("live-state");
  function setState(on, text) {
    if (!state) return;
    state.className = "live-state " + (on ? "on" : "off");
    state.textContent = text;
  }
  function applyFilter() {
    var box = document.getElementById("logsearch");
    if (!box) return;
    var q = box.value.toLowerCase();
    var lines = document.querySelectorAll(".logline");
    var shown = 0;
    for (var i = 0; i < lines.length; i++) {
      var hit = q === "" || lines[i].textContent.toLowerCase().indexOf(q) >= 0;
      lines[i].hidden = !hit;
      if (hit) shown++;
    }
    var n = document.getElementById("logcount");
    if (n) n.textContent = q === "" ? lines.length + " lines" : shown + " of " + lines.length + " lines match";
  }
  function stickToBottom(box, wasAtBottom) {
    if (box && wasAtBottom) box.scrollTop = box.scrollHeight;
  }
  if (live && window.EventSource) {
    var es = new EventSource(location.pathname + location.search);
    es.onopen = function () { setState(true, "live"); };
    es.onerror = function () { setState(false, "reconnecting"); };
    es.addEventListener("problem", function (e) { setState(false, e.data); });
    es.onmessage = function (e) {
      var box = live.querySelector(".logs");
      var atBottom = !box || box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
      live.innerHTML = e.data;
      live.setAttribute("data-updated", String(Date.now()));
      setState(true, "live");
      applyFilter();
      stickToBottom(live.querySelector(".logs"), atBottom);
    };
  }
  var search = document.getElementById("logsearch");
  if (search) search.addEventListener("input", applyFilter);
  applyFilter();
  stickToBottom(document.querySelector(".logs"), true);
  // Confirm destructive actions.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  // Keyboard: one key jumps to a section, "/" focuses the page's search.
  var keys = { t: "tasks", c: "clusters", s: "services", d: "taskdefs", i: "instances", w: "workflows", l: "logs" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.key === "/") {
      var f = document.querySelector("[data-search]");
      if (f) { e.preventDefault(); f.focus(); }
      return;
    }
    if (keys[e.key]) location.href = "/console/" + keys[e.key];
  });
})();
