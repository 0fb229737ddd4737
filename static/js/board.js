// The moderator board in the browser: places live cards, filters and sorts them per moderator (in the
// browser, so the server renders each event once for every board), keyboard shortcuts, queue reordering
// and presence. No inline scripts, no eval: htmx runs with allowEval=false under a strict CSP.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) return;
  var bid = live.dataset.bid;
  var PREFS_KEY = "ll-board-prefs-" + bid;
  var prefs = {};
  try { prefs = JSON.parse(localStorage.getItem(PREFS_KEY) || "{}"); } catch (e) { prefs = {}; }
  var socket = null;
  var queueOrder = [];

  function $(id) { return document.getElementById(id); }
  function cards(root) { return Array.prototype.slice.call((root || document).querySelectorAll("article.qcard")); }
  function num(el, key) { return parseFloat(el.dataset[key] || "0"); }

  // -- ordering ------------------------------------------------------------------------------------
  function sortKey(card, status) {
    if (status === "queued") {
      var i = queueOrder.indexOf(card.dataset.id);
      return [i < 0 ? 1e9 : i];
    }
    if (status === "new" || status === "approved") {
      var byTime = prefs.sort === "time";
      return [card.dataset.urgent === "1" ? 0 : 1, card.dataset.pinned === "1" ? 0 : 1,
              byTime ? -num(card, "created") : -num(card, "support"), num(card, "created")];
    }
    return [0];
  }
  function before(a, b) {
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) return a[i] < b[i]; }
    return false;
  }
  function insertSorted(col, card) {
    var status = card.dataset.status;
    if (!(status === "queued" || status === "new" || status === "approved")) {
      col.insertBefore(card, col.firstChild);
      return;
    }
    var key = sortKey(card, status);
    var kids = col.children, lo = 0, hi = kids.length;
    while (lo < hi) {  // binary search: the first child that must come after the card
      var mid = (lo + hi) >> 1;
      if (before(key, sortKey(kids[mid], status))) hi = mid; else lo = mid + 1;
    }
    col.insertBefore(card, kids[lo] || null);
  }
  function sortColumn(status) {
    var col = $("col-" + status);
    if (!col) return;
    var list = cards(col);
    list.sort(function (a, b) {
      var ka = sortKey(a, status), kb = sortKey(b, status);
      return before(ka, kb) ? -1 : before(kb, ka) ? 1 : 0;
    });
    list.forEach(function (c) { col.appendChild(c); });
  }

  // -- placing what the socket delivered ------------------------------------------------------------
  function place(card) {
    var id = card.id;
    var old = null;
    document.querySelectorAll('[id="' + id + '"]').forEach(function (el) { if (el !== card) old = el; });
    if (card.dataset.deleted === "1") { if (old) old.remove(); card.remove(); return; }
    var hadFocus = old && old.contains(document.activeElement);
    if (old) {
      var editing = old.querySelector("details.edit[open]");
      if (editing) {  // keep the moderator's unsaved wording; its old version makes a save conflict visibly
        var fresh = card.querySelector("details.edit");
        var note = document.createElement("p");
        note.className = "small warn-text";
        note.textContent = "Карточку изменил другой модератор, пока вы редактировали: сохранение покажет конфликт.";
        editing.insertBefore(note, editing.querySelector("form"));
        if (fresh) fresh.replaceWith(editing);
      }
      var members = old.querySelector("details.members[open]");
      if (members) { var m2 = card.querySelector("details.members"); if (m2) m2.open = true; }
      old.remove();
    }
    var col = $("col-" + card.dataset.status);
    if (!col) { card.remove(); return; }
    insertSorted(col, card);
    if (card.dataset.status === "queued") card.draggable = true;
    filterCard(card);
    if (hadFocus) card.focus({ preventScroll: true });
  }

  function refresh() {
    var inbox = $("incoming");
    if (inbox) cards(inbox).forEach(place);
    var qo = $("queue-order");
    var order = qo ? (qo.dataset.order || "").split(",").filter(Boolean) : [];
    if (order.join(",") !== queueOrder.join(",")) { queueOrder = order; sortColumn("queued"); }
    counts();
  }

  function afterSnapshot() {
    var qo = $("queue-order");
    queueOrder = qo ? (qo.dataset.order || "").split(",").filter(Boolean) : [];
    cards($("col-queued")).forEach(function (c) { c.draggable = true; });
    if (prefs.sort === "time") { sortColumn("new"); sortColumn("approved"); }
    settlements();
    cards().forEach(filterCard);
    counts();
    var b = $("board"); if (b) b.setAttribute("aria-busy", "false");
    showTab(prefs.tab || "answered");
  }

  // -- filters (per moderator, in the browser) ---------------------------------------------------------
  function filterCard(card) {
    var ok = true;
    if (prefs.text) ok = (card.dataset.search || "").indexOf(prefs.text) >= 0 || card.dataset.id === prefs.text;
    if (ok && prefs.topic) ok = card.dataset.topic === prefs.topic;
    if (ok && prefs.settlement) ok = card.dataset.settlement === prefs.settlement;
    if (ok && prefs.source) ok = card.dataset.source === prefs.source;
    card.hidden = !ok;
  }
  function counts() {
    document.querySelectorAll("[data-count-for]").forEach(function (el) {
      var col = $("col-" + el.dataset.countFor);
      if (!col) return;
      var all = col.children.length;
      var shown = col.querySelectorAll("article.qcard:not([hidden])").length;
      el.textContent = shown === all ? String(all) : shown + " из " + all;
    });
  }
  function settlements() {
    var sel = $("f-settlement");
    if (!sel) return;
    var seen = {};
    cards().forEach(function (c) { if (c.dataset.settlement) seen[c.dataset.settlement] = true; });
    var have = {};
    Array.prototype.forEach.call(sel.options, function (o) { have[o.value] = true; });
    Object.keys(seen).sort().forEach(function (s) {
      if (!have[s]) { var o = document.createElement("option"); o.value = s; o.textContent = s; sel.appendChild(o); }
    });
    sel.value = prefs.settlement || "";
  }
  function savePrefs() { try { localStorage.setItem(PREFS_KEY, JSON.stringify(prefs)); } catch (e) { /* private mode */ } }
  function bindFilter(id, key, transform) {
    var el = $(id);
    if (!el) return;
    el.value = prefs[key] || (key === "sort" ? "support" : "");
    el.addEventListener("input", function () {
      prefs[key] = transform ? transform(el.value) : el.value;
      savePrefs();
      if (key === "sort") { sortColumn("new"); sortColumn("approved"); }
      cards().forEach(filterCard);
      counts();
    });
  }
  bindFilter("f-text", "text", function (v) { return v.trim().toLowerCase(); });
  bindFilter("f-topic", "topic");
  bindFilter("f-settlement", "settlement");
  bindFilter("f-source", "source");
  bindFilter("f-sort", "sort");

  function showTab(name) {
    prefs.tab = name;
    document.querySelectorAll(".tabs .tab").forEach(function (t) { t.classList.toggle("active", t.dataset.tab === name); });
    ["answered", "rejected", "filtered"].forEach(function (s) { var c = $("col-" + s); if (c) c.hidden = s !== name; });
  }
  document.addEventListener("click", function (e) {
    var tab = e.target.closest && e.target.closest(".tabs .tab");
    if (tab) { showTab(tab.dataset.tab); savePrefs(); }
  });

  // -- live socket ----------------------------------------------------------------------------------
  document.addEventListener("htmx:wsOpen", function (e) { socket = e.detail.socketWrapper; });
  document.addEventListener("htmx:wsClose", function () { socket = null; });
  document.addEventListener("htmx:wsAfterMessage", function (e) {
    var msg = e.detail && e.detail.message;
    if (typeof msg === "string" && msg.indexOf('id="board"') >= 0 && msg.indexOf("<section") >= 0) afterSnapshot();
    else refresh();
  });
  function announce(cardId) {
    if (socket) socket.send(JSON.stringify({ card: cardId || null }), live);
  }
  document.addEventListener("focusin", function (e) {
    var card = e.target.closest && e.target.closest("article.qcard");
    var id = card ? card.dataset.id : null;
    if (id !== announce.last) { announce.last = id; announce(id); }
  });

  // -- keyboard ------------------------------------------------------------------------------------
  function visibleCards() { return cards($("board")).filter(function (c) { return !c.hidden && c.offsetParent !== null; }); }
  function current() { return document.activeElement && document.activeElement.closest ? document.activeElement.closest("article.qcard") : null; }
  function press(card, key) {
    var btn = card.querySelector('[data-key="' + key + '"]');
    if (!btn) return false;
    if (btn.tagName === "SUMMARY") { btn.parentElement.open = true; var ta = btn.parentElement.querySelector("textarea"); if (ta) ta.focus(); return true; }
    btn.click();
    return true;
  }
  function moveInQueue(card, delta) {
    var i = queueOrder.indexOf(card.dataset.id);
    if (i < 0) return;
    var pos = Math.max(0, Math.min(queueOrder.length - 1, i + delta));
    if (pos === i) return;
    htmx.ajax("POST", "/b/" + bid + "/c/" + card.dataset.id + "/move", { values: { position: String(pos) }, swap: "none" });
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    var card = current();
    if (e.altKey && card && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      moveInQueue(card, e.key === "ArrowUp" ? -1 : 1); e.preventDefault(); return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?") { var d = $("help"); if (d && !d.open) d.showModal(); e.preventDefault(); return; }
    if (e.key === "/") { var f = $("f-text"); if (f) { f.focus(); e.preventDefault(); } return; }
    if (e.key === "j" || e.key === "k") {
      var list = visibleCards();
      if (!list.length) return;
      var i = card ? list.indexOf(card) : -1;
      var next = list[Math.max(0, Math.min(list.length - 1, i + (e.key === "j" ? 1 : -1)))] || list[0];
      next.focus(); next.scrollIntoView({ block: "nearest" });
      e.preventDefault(); return;
    }
    if (card && "aqodpxe".indexOf(e.key) >= 0 && e.key.length === 1) {
      if (press(card, e.key)) e.preventDefault();
    }
  });
  var helpBtn = $("help-open");
  if (helpBtn) helpBtn.addEventListener("click", function () { $("help").showModal(); });

  // -- drag and drop in the host queue --------------------------------------------------------------
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("#col-queued article.qcard");
    if (!card) return;
    dragged = card; card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.dataset.id);
  });
  document.addEventListener("dragend", function () { if (dragged) dragged.classList.remove("dragging"); dragged = null; });
  document.addEventListener("dragover", function (e) {
    if (dragged && e.target.closest && e.target.closest("#col-queued")) e.preventDefault();
  });
  document.addEventListener("drop", function (e) {
    if (!dragged) return;
    var col = e.target.closest && e.target.closest("#col-queued");
    if (!col) return;
    e.preventDefault();
    var target = e.target.closest("article.qcard");
    var pos = target ? queueOrder.indexOf(target.dataset.id) : queueOrder.length - 1;
    if (pos < 0) pos = queueOrder.length - 1;
    htmx.ajax("POST", "/b/" + bid + "/c/" + dragged.dataset.id + "/move", { values: { position: String(pos) }, swap: "none" });
  });
})();
