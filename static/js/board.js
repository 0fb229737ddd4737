// The moderator board in the browser: places live cards, keeps each column's window as the server says,
// searches and filters per moderator (on the server, so they reach past the window; the live fragments are
// rendered once for every board), card actions and tools, bulk selection, keyboard shortcuts, queue
// reordering and presence. No inline scripts, no eval: htmx runs with
// allowEval=false under a strict CSP, and cards carry no hx-* attributes: every button is handled here by
// delegation (data-act / data-tool), so a snapshot of thousands of cards needs no htmx processing.
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  if (!live) return;
  var bid = live.dataset.bid;
  var me = live.dataset.me || "";
  var PREFS_KEY = "ll-board-prefs-" + bid;
  var prefs = {};
  try { prefs = JSON.parse(localStorage.getItem(PREFS_KEY) || "{}"); } catch (e) { prefs = {}; }
  var socket = null;
  var queueOrder = [];
  var openBy = {};          // card id -> users (other than me) who have it open
  var selected = {};        // card id -> true, for bulk actions
  var DONE_TABS = ["answered", "rejected", "filtered", "chat"];

  function $(id) { return document.getElementById(id); }
  function cards(root) { return Array.prototype.slice.call((root || document).querySelectorAll("article.qcard")); }
  function num(el, key) { return parseFloat(el.dataset[key] || "0"); }
  function cardOf(el) { return el && el.closest ? el.closest("article.qcard") : null; }
  function cardUrl(cid) { return "/b/" + bid + "/c/" + cid; }
  function post(url, values, source, toFlash) {
    var opts = { source: source || document.body, values: values || {}, swap: "none" };
    if (toFlash) { opts.target = "#flash"; opts.swap = "innerHTML"; }
    return htmx.ajax("POST", url, opts);
  }

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
    if (card.dataset.deleted === "1") {
      if (old) old.remove();
      card.remove(); gone[id] = true; delete selected[id.slice(2)]; updateBulk(); return;
    }
    if (loading()) gone[id] = true;  // a pending (older) copy of this card must not be appended
    var col = $("col-" + card.dataset.status);
    if (!col) { card.remove(); return; }
    var stays = old && old.parentNode === col;
    var hadFocus = takeOver(card, old);
    if (stays) old.replaceWith(card); else { if (old) old.remove(); insertSorted(col, card); }
    settle(card, hadFocus);
  }

  // a newer copy of a card takes over from the old one what the moderator has open on it; true when the
  // old one had the focus (the caller puts the new one in place, then settle() gives it back)
  function takeOver(card, old) {
    if (!old) return false;
    var hadFocus = old.contains(document.activeElement);
    takeOver.focused = hadFocus ? document.activeElement : null;
    // forms a moderator has open travel to the new card; an unsaved edit made from an older version
    // says so, and saving it answers 409 with who changed it (never a silently lost edit)
    old.querySelectorAll("form.tool-panel").forEach(function (panel) {
      if (panel.dataset.saving !== "1" && panel.dataset.version !== card.dataset.version &&
          !panel.querySelector(".stale-note")) {
        var note = document.createElement("p");
        note.className = "small warn-text stale-note";
        note.textContent = "Карточку изменили, пока вы её правили: сохранение покажет конфликт.";
        panel.insertBefore(note, panel.firstChild);
      }
      card.appendChild(panel);
    });
    var members = old.querySelector("details.members[open]");
    if (members) { var m2 = card.querySelector("details.members"); if (m2) m2.open = true; }
    return hadFocus;
  }
  function settle(card, hadFocus) {
    if (card.dataset.status === "queued") card.draggable = true;
    decorate(card);
    filterCard(card);
    if (hadFocus) {
      var focused = takeOver.focused;
      if (focused && card.contains(focused)) focused.focus({ preventScroll: true });
      else card.focus({ preventScroll: true });
    }
  }

  // A column made to hold exactly ``list`` (card elements, in order): what is not listed leaves the DOM,
  // the rest is moved only where it is out of place.
  function converge(col, list) {
    var keep = new Set(list);
    cards(col).forEach(function (c) {
      if (keep.has(c)) return;
      c.remove();
      if (selected[c.dataset.id]) { delete selected[c.dataset.id]; }
    });
    list.forEach(function (el, i) {
      if (col.children[i] !== el) col.insertBefore(el, col.children[i] || null);
    });
  }

  // The window of each column that changed, as the server listed it (ids in order). A listed card this
  // board does not have means it missed something: it asks for a fresh snapshot.
  function applyWindow(ol) {
    var col = $("col-" + ol.dataset.col);
    var ids = (ol.dataset.ids || "").split(",").filter(Boolean);
    ol.remove();
    if (!col || searching()) return;
    var list = [], missing = false;
    ids.forEach(function (id) {
      var el = $("c-" + id);
      if (el) list.push(el); else missing = true;
    });
    converge(col, list);
    if (missing) resync();
  }
  function resync() {
    var now = Date.now();
    if (!socket || now - (resync.at || 0) < 3000) return;
    resync.at = now;
    socket.send(JSON.stringify({ resync: true }), live);
  }

  function decorate(card) {
    var id = card.dataset.id;
    if (selected[id]) { var pick = card.querySelector("input.pick"); if (pick) pick.checked = true; card.classList.add("picked"); }
    var seen = card.querySelector(".seen-by");
    var who = openBy[id] || [];
    if (!who.length && !card.classList.contains("seen-elsewhere")) return;
    card.classList.toggle("seen-elsewhere", who.length > 0);
    if (seen) { seen.hidden = !who.length; seen.textContent = who.length ? "открыта: " + who.join(", ") : ""; }
  }

  function refresh() {
    var inbox = $("incoming");
    var windows = inbox ? Array.prototype.slice.call(inbox.querySelectorAll("ol.window")) : [];
    if (windows.length && loading()) loadMore(Infinity);  // a window is whole: the snapshot's rest first
    if (inbox) cards(inbox).forEach(place);
    windows.forEach(applyWindow);
    if (searching() && inbox) searchSoon();
    var qo = $("queue-order");
    var order = qo ? (qo.dataset.order || "").split(",").filter(Boolean) : [];
    if (order.join(",") !== queueOrder.join(",")) { queueOrder = order; sortColumn("queued"); }
    presence();
    counts();
    updateBulk();
  }

  function mark(name) { if (window.performance && performance.mark) performance.mark(name); }

  // A snapshot is swapped in here rather than by htmx (cheaper than its per-id settling). A big board is
  // shown progressively: the server sends the first cards of each column, then for each column REST and its
  // other cards; the first part is parsed and swapped at once, the rest after the first frame is painted,
  // one column's part a task, appended CHUNK cards a task, so the board paints and answers clicks before
  // thousands of cards are parsed and laid out. (A snapshot without the markers is cut here, FIRST a column.)
  var FIRST = 60, CHUNK = 250, REST = "<!--ll:rest-->";
  var pending = [];   // [column element, [cards]] still to append
  var restParts = [];  // the snapshot's rest, a part per column, not parsed yet
  var loadTimer = null;
  function loading() { return pending.length > 0 || restParts.length > 0; }
  function applySnapshot(html) {
    mark("ll:snapshot-received");
    restParts = html.split(REST);
    var tpl = document.createElement("template");
    tpl.innerHTML = restParts.shift();
    mark("ll:snapshot-parsed");
    pending = [];
    clearTimeout(loadTimer);
    Array.prototype.slice.call(tpl.content.children).forEach(function (node) {
      var old = node.id ? $(node.id) : null;
      node.removeAttribute("hx-swap-oob");
      if (node.id === "board") {
        node.querySelectorAll(".cards").forEach(function (col) {
          if (col.children.length <= FIRST) return;
          var rest = Array.prototype.slice.call(col.children, FIRST);
          rest.forEach(function (c) { col.removeChild(c); });
          pending.push([col, rest]);
        });
      }
      if (old) old.replaceWith(node);
    });
    mark("ll:snapshot-swapped");
    afterSnapshot();
    mark("ll:snapshot-done");
    // the rest after the first frame is painted, in short tasks that leave room for clicks and keys
    if (loading()) requestAnimationFrame(function () { loadTimer = setTimeout(loadMore, 0); });
  }

  function parseRest(part) {
    var tpl = document.createElement("template");
    tpl.innerHTML = part;
    tpl.content.querySelectorAll("[data-rest-for]").forEach(function (box) {
      var col = $("col-" + box.dataset.restFor);
      if (col && box.children.length) pending.push([col, Array.prototype.slice.call(box.children)]);
    });
  }

  function loadMore(budget) {
    if (budget === Infinity) {
      while (restParts.length) parseRest(restParts.shift());
    } else if (!pending.length && restParts.length) {  // parsing a column's part is a task of its own
      parseRest(restParts.shift());
      clearTimeout(loadTimer); loadTimer = setTimeout(loadMore, 0);
      return;
    }
    budget = budget || CHUNK;
    while (pending.length && budget > 0) {
      var col = pending[0][0], rest = pending[0][1];
      var part = rest.splice(0, budget);
      budget -= part.length;
      var frag = document.createDocumentFragment();
      part.forEach(function (c) {
        if ($(c.id) || gone[c.id]) return;  // a newer version arrived live meanwhile, or it was merged away
        if (c.dataset.status === "queued") c.draggable = true;
        decorate(c); filterCard(c);
        frag.appendChild(c);
      });
      col.appendChild(frag);
      if (!rest.length) pending.shift();
    }
    counts();
    if (loading()) { clearTimeout(loadTimer); loadTimer = setTimeout(loadMore, 0); return; }
    clearTimeout(loadTimer);
    gone = {};
    settlements();
    keepSelection();
    mark("ll:snapshot-complete");
    document.body.dataset.boardComplete = String(Date.now());
    focusHash();
  }
  var gone = {};

  function keepSelection() {  // a selected card no longer on the board is no longer selected
    Object.keys(selected).forEach(function (id) { if (!$("c-" + id)) delete selected[id]; });
    updateBulk();
  }
  function afterSnapshot() {
    var qo = $("queue-order");
    queueOrder = qo ? (qo.dataset.order || "").split(",").filter(Boolean) : [];
    cards($("col-queued")).forEach(function (c) { c.draggable = true; });
    cards($("board")).forEach(function (c) { decorate(c); filterCard(c); });
    if (!loading()) { settlements(); keepSelection(); }
    counts();
    updateBulk();
    showTab(prefs.tab || "answered");
    var b = $("board"); if (b) b.setAttribute("aria-busy", "false");
    document.body.dataset.boardReady = String(Date.now());
    if (!loading()) { document.body.dataset.boardComplete = document.body.dataset.boardReady; focusHash(); }
    if (searching()) search();  // the snapshot holds the live windows: the search is asked again
  }

  function focusHash() {
    var m = /^#c-(\d+)$/.exec(window.location.hash || "");
    if (!m || focusHash.done === m[1]) return;
    var card = $("c-" + m[1]);
    if (!card) {
      // beyond the window: the board searches for it by its number (as typing "№17" would)
      if (focusHash.sought === m[1] || loading()) return;
      focusHash.sought = m[1];
      var box = $("f-text");
      if (box) box.value = "№" + m[1];
      prefs.text = "№" + m[1];
      found = {};
      search(0);
      return;
    }
    focusHash.done = m[1];
    if (DONE_TABS.indexOf(card.dataset.status) >= 0) showTab(card.dataset.status);
    card.hidden = false;
    card.classList.add("flash-card");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "center" });
  }

  // -- presence ------------------------------------------------------------------------------------
  function presence() {
    var box = $("presence");
    if (!box || box.dataset.applied === "1") return;
    box.dataset.applied = "1";
    var open = {};
    try { open = JSON.parse(box.dataset.open || "{}"); } catch (e) { open = {}; }
    var next = {};
    Object.keys(open).forEach(function (cid) {
      var others = open[cid].filter(function (u) { return u !== me; });
      if (others.length) next[cid] = others;
    });
    var touched = Object.keys(openBy).concat(Object.keys(next));
    openBy = next;
    touched.forEach(function (cid) { var c = $("c-" + cid); if (c) decorate(c); });
    box.querySelectorAll(".who-on").forEach(function (el) { el.classList.toggle("me", el.dataset.user === me); });
  }

  // -- search and filters (per moderator, answered by the server) -------------------------------------
  // A board holds the first cards of each column (the window). While a search, a filter or the sort by
  // time is on, the columns show what the server found in the whole broadcast instead; live cards still
  // arrive (and are checked against the filters here), and the search is asked again while the board
  // changes. Cleared, the board asks the socket for a fresh snapshot: the live windows again.
  function fold(s) { return s.toLowerCase().replace(/ё/g, "е"); }
  function searchText(card) {  // text, author, place, topic; built on first search (a card is replaced when it changes)
    if (card._search === undefined) {
      var t = card.querySelector(".text"), m = card.querySelector(".meta");
      card._search = fold((t ? t.textContent : "") + " " + (m ? m.textContent : ""));
    }
    return card._search;
  }
  function filterCard(card) {
    var ok = true;
    if (prefs.text) ok = searchText(card).indexOf(fold(prefs.text)) >= 0 || card.dataset.id === prefs.text.replace(/^№/, "").trim();
    if (ok && prefs.topic) ok = card.dataset.topic === prefs.topic;
    if (ok && prefs.settlement) ok = card.dataset.settlement === prefs.settlement;
    if (ok && prefs.source) ok = card.dataset.source === prefs.source;
    if (card.hidden !== !ok) card.hidden = !ok;
  }
  function searching() { return !!(prefs.text || prefs.topic || prefs.settlement || prefs.source || prefs.sort === "time"); }
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0"); }
  var found = {};      // column -> how many cards the last search found there
  var searchSeq = 0, searchTimer = null, againTimer = null;
  // The totals come from the server (data-total); a search shows "found из total". Until the server's
  // answer arrives, a column whose window holds all its cards is counted here (the filter above is the
  // server's, so that count is exact); a longer one shows its total only.
  function counts() {
    document.querySelectorAll("[data-count-for]").forEach(function (el) {
      var total = parseInt(el.dataset.total || "0", 10);
      var n = found[el.dataset.countFor];
      if (n === undefined && searching()) n = exactCount(el.dataset.countFor, total);
      var text = searching() && n !== undefined && n !== total ? thousands(n) + " из " + thousands(total) : thousands(total);
      if (el.textContent !== text) el.textContent = text;
    });
    document.querySelectorAll("#board .cards").forEach(function (col) {
      var on = false;
      for (var p = col.nextElementSibling; p && p.tagName === "P"; p = p.nextElementSibling) {
        if (!p.hidden && p.classList.contains(live.dataset.search ? "found-more" : "col-more")) on = true;
      }
      if (col.classList.contains("windowed") !== on) col.classList.toggle("windowed", on);
    });
  }
  function exactCount(name, total) {
    var col = $("col-" + name);
    if (!col || loading() || col.children.length < total) return undefined;
    return col.children.length - col.querySelectorAll("article.qcard[hidden]").length;
  }
  function search(delay) {
    clearTimeout(searchTimer); clearTimeout(againTimer); againTimer = null;
    var seq = ++searchSeq;
    searchTimer = setTimeout(function () {
      var q = new URLSearchParams();
      if (prefs.text) q.set("q", prefs.text);
      ["topic", "settlement", "source"].forEach(function (k) { if (prefs[k]) q.set(k, prefs[k]); });
      if (prefs.sort === "time") q.set("sort", "time");
      live.setAttribute("aria-busy", "true");
      fetch("/b/" + bid + "/search?" + q.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (resp) {
          if (!resp.ok) throw new Error(resp.status === 400 ? "запрос не принят" : "ошибка " + resp.status);
          return resp.text();
        })
        .then(function (html) { if (seq === searchSeq && searching()) showFound(html); })
        .catch(function (err) {
          if (seq !== searchSeq) return;
          var flash = $("flash");
          if (flash) flash.textContent = "Поиск не удался (" + err.message + "): повторите";
        })
        .then(function () { if (seq === searchSeq) live.removeAttribute("aria-busy"); });
    }, delay || 0);
  }
  function searchSoon() {  // the board changed under a search: ask again, at most every few seconds
    if (againTimer) return;
    againTimer = setTimeout(function () { againTimer = null; if (searching()) search(); }, 3000);
  }
  function showFound(html) {
    if (loading()) loadMore(Infinity);
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    live.dataset.search = "1";
    document.querySelectorAll(".found-more").forEach(function (p) { p.remove(); });
    tpl.content.querySelectorAll(".found-col").forEach(function (box) {
      var name = box.dataset.col, col = $("col-" + name);
      if (!col) return;
      found[name] = parseInt(box.dataset.total || "0", 10);
      var list = cards(box).map(function (card) {
        var old = $(card.id);
        if (old && old.dataset.version === card.dataset.version && old.dataset.status === card.dataset.status) {
          filterCard(old);
          return old;  // kept as it is: what the moderator has open on it stays open
        }
        var hadFocus = takeOver(card, old);
        if (old) old.replaceWith(card);
        settle(card, hadFocus);
        return card;
      });
      converge(col, list);
      var more = tpl.content.querySelector('.found-more[data-more-for="' + name + '"]');
      if (more) col.after(more);
    });
    counts();
    updateBulk();
    settlements();
    focusHash();
  }
  function leaveSearch() {
    searchSeq++;
    clearTimeout(searchTimer); clearTimeout(againTimer); againTimer = null;
    found = {};
    delete live.dataset.search;
    live.removeAttribute("aria-busy");
    document.querySelectorAll(".found-more").forEach(function (p) { p.remove(); });
    cards($("board")).forEach(filterCard);
    counts();
    resync.at = 0;
    resync();  // the live windows again, from a fresh snapshot
  }
  function settlements() {
    var sel = $("f-settlement");
    if (!sel) return;
    var seen = {};
    var board = $("board");
    try { JSON.parse((board && board.dataset.places) || "[]").forEach(function (s) { seen[s] = true; }); } catch (e) { /* none */ }
    cards(board).forEach(function (c) { if (c.dataset.settlement) seen[c.dataset.settlement] = true; });
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
      var was = searching();
      prefs[key] = transform ? transform(el.value) : el.value;
      savePrefs();
      found = {};  // the last answer was to another question
      cards($("board")).forEach(filterCard);  // at once, on what the board has; the server's answer follows
      if (searching()) search(key === "text" ? 250 : 0);
      else if (was) leaveSearch();
      counts();
    });
  }
  bindFilter("f-text", "text", function (v) { return v.trim().replace(/\s+/g, " ").toLowerCase(); });
  bindFilter("f-topic", "topic");
  bindFilter("f-settlement", "settlement");
  bindFilter("f-source", "source");
  bindFilter("f-sort", "sort");

  function showTab(name) {
    if (DONE_TABS.indexOf(name) < 0) name = "answered";
    prefs.tab = name;
    document.querySelectorAll(".tabs .tab").forEach(function (t) {
      var on = t.dataset.tab === name;
      t.classList.toggle("active", on);
      t.setAttribute("aria-selected", on ? "true" : "false");
    });
    document.querySelectorAll("[data-pane]").forEach(function (p) { p.hidden = p.dataset.pane !== name; });
  }

  // -- card actions and tools ------------------------------------------------------------------------
  function act(card, btn) {
    var cid = card.dataset.id, name = btn.dataset.act;
    var values = { version: card.dataset.version };
    if (name === "merge-into") {
      post("/b/" + bid + "/merge", { target: btn.dataset.target, source: cid, source_version: card.dataset.version }, btn);
      return;
    }
    if (name === "reject") values.reason = btn.dataset.reason || "spam";
    if (name === "pin") values.pinned = btn.dataset.pinned;
    if (name === "parent") values.shown = btn.dataset.shown;
    if (name === "take" && btn.dataset.release) values.release = "1";
    post(cardUrl(cid) + "/" + name, values, btn, name === "mute" || name === "unmute");
    var panel = btn.closest(".tool-panel");
    if (panel) panel.remove();
  }

  function closePanels(card) { card.querySelectorAll(".tool-panel").forEach(function (p) { p.remove(); }); }

  function openTool(card, name) {
    var tpl = $("tpl-" + name);
    if (!tpl) return;
    closePanels(card);
    var panel = tpl.content.firstElementChild.cloneNode(true);
    panel.dataset.for = card.dataset.id;
    panel.dataset.version = card.dataset.version;
    if (name === "edit") {
      var text = card.querySelector(".text");
      panel.querySelector("textarea").value = text ? text.textContent : "";
    } else if (name === "topic") {
      panel.querySelector("select[name=topic]").value = card.dataset.topic || "other";
      panel.querySelector("select[name=department]").value = card.dataset.dept || "";
    } else if (name === "more") {
      panel.querySelectorAll("[data-only-filter]").forEach(function (el) { el.hidden = card.dataset.filter !== el.dataset.onlyFilter; });
      panel.querySelectorAll("[data-only-brigade]").forEach(function (el) { el.hidden = !card.dataset.brigade; });
      panel.querySelectorAll("[data-only-filtered]").forEach(function (el) { el.hidden = card.dataset.status !== "filtered" || !card.dataset.filter; });
      var link = panel.querySelector("[data-audit-link]");
      if (link) link.href = link.getAttribute("href") + "?c=" + card.dataset.id;
    }
    card.appendChild(panel);
    var first = panel.querySelector("textarea, input:not([type=hidden]), select, button");
    if (first) first.focus();
  }

  function submitPanel(form) {
    var card = cardOf(form);
    if (!card) return;
    var cid = form.dataset.for || card.dataset.id;
    var data = {};
    new FormData(form).forEach(function (v, k) { data[k] = String(v); });
    var kind = form.dataset.form, url;
    if (kind === "merge") {
      var other = (data.other || "").replace(/\D/g, "");
      if (!other) return;
      url = "/b/" + bid + "/merge";
      data = { target: other, source: cid, source_version: form.dataset.version };
    } else {
      url = cardUrl(cid) + "/" + kind;
      data.version = form.dataset.version;
    }
    form.dataset.saving = "1";
    post(url, data, form);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.dataset && form.dataset.form && cardOf(form)) { e.preventDefault(); submitPanel(form); }
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var elt = e.detail && e.detail.elt;
    if (!elt || !elt.dataset) return;
    if (elt.dataset.form) {
      if (e.detail.successful) elt.remove(); else delete elt.dataset.saving;
    }
    if (elt.id === "cue-form" && e.detail.successful) elt.reset();
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("input.pick")) { var c = cardOf(t); if (c) select(c, t.checked); }
    if (t.matches && t.matches("form[data-form=topic] select[name=topic]")) {
      var opt = t.options[t.selectedIndex], dept = t.form.querySelector("select[name=department]");
      if (opt && dept) dept.value = opt.dataset.dept || "";
    }
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    var tab = t.closest(".tabs .tab");
    if (tab) { showTab(tab.dataset.tab); savePrefs(); return; }
    var bulkBtn = t.closest("[data-bulk]");
    if (bulkBtn) { bulk(bulkBtn); return; }
    if (t.closest("#cue-clear")) { post("/b/" + bid + "/host/controls", { cue: "" }, t); return; }
    var card = cardOf(t);
    if (!card) return;
    var close = t.closest("[data-close]");
    if (close) { var p = close.closest(".tool-panel"); if (p) p.remove(); card.focus(); return; }
    var wave = t.closest("[data-wave]");
    if (wave) {
      var v = wave.dataset.wave === "brigade" ? { brigade: card.dataset.brigade } : { filter: card.dataset.filter };
      post("/b/" + bid + "/wave", v, wave, true);
      closePanels(card);
      return;
    }
    var btn = t.closest("[data-act]");
    if (btn) { act(card, btn); return; }
    var tool = t.closest("[data-tool]");
    if (tool) openTool(card, tool.dataset.tool);
  });

  // the members of a group load when it is opened
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (!d.matches || !d.matches("details.members") || !d.open || d.dataset.loaded === "1") return;
    var card = cardOf(d);
    if (!card) return;
    d.dataset.loaded = "1";
    htmx.ajax("GET", cardUrl(card.dataset.id) + "/members", { source: d, target: d.querySelector(".members-body"), swap: "innerHTML" });
  }, true);

  // -- bulk selection ------------------------------------------------------------------------------
  function select(card, on) {
    if (on) selected[card.dataset.id] = true; else delete selected[card.dataset.id];
    var pick = card.querySelector("input.pick");
    if (pick) pick.checked = !!on;
    card.classList.toggle("picked", !!on);
    updateBulk();
  }
  function updateBulk() {
    var bar = $("bulk-bar");
    if (!bar) return;
    var n = Object.keys(selected).length;
    bar.hidden = n === 0;
    $("bulk-count").textContent = "Выбрано: " + n;
  }
  function bulk(btn) {
    var action = btn.dataset.bulk;
    var ids = Object.keys(selected);
    if (action !== "clear" && ids.length) {
      var targets = ids.map(function (id) { var c = $("c-" + id); return id + (c ? ":" + c.dataset.version : ""); });
      var values = { action: action, ids: targets.join(",") };
      if (action === "reject") values.reason = $("bulk-reason").value;
      post("/b/" + bid + "/bulk", values, btn, true);
    }
    ids.forEach(function (id) { var c = $("c-" + id); if (c) select(c, false); });
    selected = {};
    updateBulk();
  }

  // -- live socket ----------------------------------------------------------------------------------
  document.addEventListener("htmx:wsOpen", function (e) {
    socket = e.detail.socketWrapper;
    announce.last = undefined;
    var c = current();
    announce(c ? c.dataset.id : null);
  });
  document.addEventListener("htmx:wsClose", function () { socket = null; });
  document.addEventListener("htmx:wsBeforeMessage", function (e) {
    var msg = e.detail && e.detail.message;
    if (typeof msg === "string" && msg.lastIndexOf('<section id="board"', 0) === 0) {
      e.preventDefault();  // a snapshot: swapped here in one go, cheaper than htmx's per-id settling
      applySnapshot(msg);
    }
  });
  document.addEventListener("htmx:wsAfterMessage", function () { refresh(); });
  function announce(cardId) {
    announce.last = cardId;
    if (socket) socket.send(JSON.stringify({ card: cardId || null }), live);
  }
  document.addEventListener("focusin", function (e) {
    var card = cardOf(e.target);
    var id = card ? card.dataset.id : null;
    if (id !== announce.last) announce(id);
  });
  // presence is a heartbeat too: a board that stops saying which card it has open drops off the list
  setInterval(function () { if (socket) announce(announce.last || null); }, 30000);

  // -- keyboard ------------------------------------------------------------------------------------
  // by physical key (event.code), so shortcuts work in the Russian layout as well
  var KEYS = { KeyJ: "j", KeyK: "k", KeyA: "a", KeyX: "x", KeyQ: "q", KeyE: "e", KeyP: "p", KeyO: "o",
               KeyD: "d", KeyT: "t", KeyS: "s" };
  function visibleCards() { return cards($("board")).filter(function (c) { return !c.hidden && c.offsetParent !== null; }); }
  function current() { return cardOf(document.activeElement); }
  function press(card, key) {
    var btn = card.querySelector('footer [data-key="' + key + '"]');
    if (!btn) return false;
    btn.click();
    return true;
  }
  function moveInQueue(card, delta) {
    var i = queueOrder.indexOf(card.dataset.id);
    if (i < 0) return;
    var pos = Math.max(0, Math.min(queueOrder.length - 1, i + delta));
    if (pos === i) return;
    post(cardUrl(card.dataset.id) + "/move", { position: String(pos) }, card);
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      if (e.key === "Escape") {
        var panel = e.target.closest(".tool-panel");
        if (panel) { var c0 = cardOf(panel); panel.remove(); if (c0) c0.focus(); } else e.target.blur();
      }
      if (!(tag === "input" && e.target.type === "checkbox")) return;
    }
    var card = current();
    if (e.altKey && card && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      moveInQueue(card, e.key === "ArrowUp" ? -1 : 1); e.preventDefault(); return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?" || (e.shiftKey && e.code === "Slash")) {
      var d = $("help"); if (d && !d.open) d.showModal(); e.preventDefault(); return;
    }
    if (e.key === "/" || (!e.shiftKey && e.code === "Slash")) { var f = $("f-text"); if (f) { f.focus(); e.preventDefault(); } return; }
    if (e.key === "Escape" && card) { closePanels(card); return; }
    if (e.shiftKey) return;
    var key = KEYS[e.code];
    if (!key) return;
    if (key === "j" || key === "k") {
      var list = visibleCards();
      if (!list.length) return;
      var i = card ? list.indexOf(card) : -1;
      var next = list[Math.max(0, Math.min(list.length - 1, i + (key === "j" ? 1 : -1)))] || list[0];
      next.focus(); next.scrollIntoView({ block: "nearest" });
      e.preventDefault(); return;
    }
    if (!card) return;
    if (key === "s") { select(card, !selected[card.dataset.id]); e.preventDefault(); return; }
    if (press(card, key)) e.preventDefault();
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
    post(cardUrl(dragged.dataset.id) + "/move", { position: String(pos) }, dragged);
  });
})();
