// The studio screen: clocks that tick every second, and the font size the producer chose.
(function () {
  "use strict";
  function fmt(s) {
    var neg = s < 0; s = Math.abs(Math.floor(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var t = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(sec).padStart(2, "0");
    return (neg ? "−" : "") + t;
  }
  function tick() {
    var screen = document.getElementById("host-screen");
    if (!screen) return;
    var now = Date.now() / 1000;
    var started = parseFloat(screen.dataset.started || ""), since = parseFloat(screen.dataset.since || "");
    var end = screen.dataset.end ? Date.parse(screen.dataset.end) / 1000 : NaN;
    screen.querySelectorAll("[data-clock]").forEach(function (el) {
      var which = el.dataset.clock, v = NaN;
      if (which === "started" && started) v = now - started;
      if (which === "since" && since) v = now - since;
      if (which === "end" && !isNaN(end)) v = end - now;
      el.textContent = isNaN(v) ? "—" : fmt(v);
      el.classList.toggle("late", which === "end" && v < 0);
    });
    var font = parseInt(screen.dataset.font || "100", 10);
    document.documentElement.style.fontSize = (font / 100 * 16) + "px";
  }
  setInterval(tick, 1000);
  // the briefing's print button (no inline handlers under the CSP)
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-print]");
    if (t) { e.preventDefault(); window.print(); }
  });
  document.addEventListener("htmx:wsAfterMessage", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();
