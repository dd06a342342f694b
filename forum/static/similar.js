/* similar.js: on the new-thread form, while « Demande d'évolution » is chosen, show the open
   requests close to the typed title (forum/web/similar.py) in the polite live region #similar-live.
   Without it, « Vérifier les doublons » renders the same fragment. */
(function () {
  "use strict";
  var box = document.getElementById("similar-live");
  if (!box || !window.fetch || !window.AbortController) { return; }
  var form = box.closest("form"), title = form.elements.title, timer, ctl, last = "";
  function run() {
    if (box.querySelector("[data-confirming]")) { return; }
    var kind = form.querySelector("input[name=kind]:checked"), q = title.value.trim();
    if (ctl) { ctl.abort(); }
    if (!kind || kind.value !== "request" || q.replace(/[^\p{L}\p{N}]/gu, "").length < 3) {
      box.innerHTML = ""; last = ""; return;
    }
    if (q === last) { return; }
    ctl = new AbortController();
    fetch(box.getAttribute("data-similar-url") + "?titre=" + encodeURIComponent(q),
          {signal: ctl.signal, credentials: "same-origin"})
      .then(function (r) { return r.status === 200 ? r.text() : ""; })
      .then(function (html) { last = q; box.innerHTML = html; })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(run, 300); }
  title.addEventListener("input", later);
  form.addEventListener("change", function (e) { if (e.target.name === "kind") { later(); } });
})();
