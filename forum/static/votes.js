/* votes.js: the vote toggles (request rows, request panel) and the importance form sent in the
   background. The fragment acted on (ranked row, list toggle or panel) is replaced by the one the
   server renders with the page's own template (the script computes no figure); the server's message
   is announced in the live region next to it, the focus kept. Without it the forms POST and redirect. */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  var SCOPES = ["[data-vote-row]", "[data-vote-panel]", "[data-vote-toggle]"];

  function show(old, data) {
    var focused = old.contains(document.activeElement) ? document.activeElement.id : "";
    var box = document.createElement("template");
    box.innerHTML = data.panel.trim();
    var fresh = box.content.firstElementChild;
    old.replaceWith(fresh);
    var message = fresh.querySelector("[data-vote-message]") || document.querySelector("[data-vote-message]");
    if (!message) { return; }
    message.textContent = "";
    message.classList.toggle("vote-error", !!data.error);
    window.setTimeout(function () {  /* a change of the live region, so it is announced */
      message.textContent = data.message;
      ((focused && document.getElementById(focused)) || message).focus();
      message.scrollIntoView({ block: "nearest" });
    }, 50);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target, old = null;
    if (!form.matches("[data-vote-form], [data-toggle-form], [data-withdraw-form]")) { return; }
    for (var i = 0; i < SCOPES.length && !old; i++) { old = form.closest(SCOPES[i]); }
    if (!old) { return; }
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (data.panel) { show(old, data); } else { form.submit(); }
    }).catch(function () { form.submit(); });
  });
})();
