// Shared by every page: the live socket's connection status and recovery, flash dismissal.
//
// Recovery: the ws extension reconnects by itself after abnormal closes (1006 network drop, 1011, 1012 server
// restart, 1013); we cap its back-off so a studio screen is never more than a few seconds behind once the
// server is back. A laptop that slept or a Wi-Fi that came back may hold a dead socket that never closes, so
// a timer that notices a long gap (sleep) and the browser's "online" event open a fresh socket. Every
// (re)connect starts with a snapshot of the exact current state, then the live tail.
(function () {
  "use strict";
  var wrapper = null;      // the ws extension's public socket interface (send, reconnect)
  var current = null;      // the WebSocket instance that last opened
  function setConn(state, text) {
    var el = document.getElementById("conn");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
    document.documentElement.dataset.conn = state;
  }
  if (window.htmx) {
    htmx.config.wsReconnectDelay = function (retry) {
      var cap = Math.min(500 * Math.pow(2, retry), 8000);
      return cap / 2 + Math.random() * cap / 2;
    };
  }
  document.addEventListener("htmx:wsConnecting", function () {
    if (!current) setConn("connecting", "Подключение…");  // a retry after a drop keeps saying "offline"
  });
  document.addEventListener("htmx:wsOpen", function (e) {
    wrapper = e.detail.socketWrapper;
    current = e.detail.event && e.detail.event.target;
    setConn("online", "В сети");
  });
  document.addEventListener("htmx:wsClose", function (e) {
    var ev = e.detail && e.detail.event;
    var code = ev ? ev.code : 0;
    if (ev && current && ev.target !== current && current.readyState <= 1) return;  // an old socket we replaced
    if (code === 4401) { window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname); return; }
    if (code === 4403 || code === 4404) { setConn("offline", "Доступ закрыт — обновите страницу"); return; }
    setConn("offline", "Нет связи — переподключаемся…");
    // the ws extension retries by itself after abnormal closes; after a clean close we start over
    if (code === 1000 || code === 1001) setTimeout(function () { window.location.reload(); }, 1500 + Math.random() * 1500);
  });
  document.addEventListener("htmx:wsError", function () {
    if (!current || current.readyState !== 1) setConn("offline", "Нет связи — переподключаемся…");
  });
  function reconnect() {
    if (!wrapper) return;
    setConn("connecting", "Переподключение…");
    wrapper.reconnect();
  }
  // a long gap between timer ticks means the machine slept: its socket may be dead without knowing it
  var lastTick = Date.now();
  setInterval(function () {
    var now = Date.now();
    if (now - lastTick > 15000) reconnect();
    lastTick = now;
  }, 2000);
  window.addEventListener("online", function () { if (!current || current.readyState !== 1) reconnect(); });
  window.addEventListener("offline", function () { setConn("offline", "Нет сети — ждём подключения…"); });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (t && t.dataset && t.dataset.dismiss === "flash") {
      var box = document.getElementById("flash");
      if (box) box.textContent = "";
    }
  });
  // a flash fades after a while
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "flash") {
      var box = e.detail.target;
      clearTimeout(box._t);
      box._t = setTimeout(function () { box.textContent = ""; }, 8000);
    }
  });
  window.Liveline = window.Liveline || {};
  window.Liveline.setConn = setConn;
  window.Liveline.reconnect = reconnect;
})();
