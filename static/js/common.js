// Shared by every page: connection status of the live socket, flash dismissal.
(function () {
  "use strict";
  function setConn(state, text) {
    var el = document.getElementById("conn");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  }
  document.addEventListener("htmx:wsConnecting", function () { setConn("connecting", "Подключение…"); });
  document.addEventListener("htmx:wsOpen", function () { setConn("online", "В сети"); });
  document.addEventListener("htmx:wsClose", function (e) {
    var code = e.detail && e.detail.event ? e.detail.event.code : 0;
    if (code === 4401) { window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname); return; }
    if (code === 4403 || code === 4404) { setConn("offline", "Доступ закрыт — обновите страницу"); return; }
    setConn("offline", "Нет связи — переподключаемся…");
    // the ws extension retries by itself after abnormal closes; after a clean close we start over
    if (code === 1000 || code === 1001) setTimeout(function () { window.location.reload(); }, 1500 + Math.random() * 1500);
  });
  document.addEventListener("htmx:wsError", function () { setConn("offline", "Нет связи — переподключаемся…"); });
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
})();
