/* votes.js: progressive enhancement of the vote panel of a request page. Without it the vote and
   withdraw forms are plain POSTs that redirect back. With it they are sent in the background and the
   panel is replaced by the one the server renders with the page's own template (the script computes
   no figure); the server's message is shown next to the panel, where the member is. */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }

  function show(form, data) {
    var panel = form.closest("[data-vote-panel]");
    var message = document.querySelector("[data-vote-message]");
    var focused = panel.contains(document.activeElement) ? document.activeElement.id : "";
    var box = document.createElement("div");
    box.innerHTML = data.panel;
    panel.replaceWith(box.firstElementChild);
    message.textContent = "";
    message.classList.toggle("vote-error", !!data.error);
    window.setTimeout(function () {  /* a change of the live region, so it is announced */
      message.textContent = data.message;
      ((focused && document.getElementById(focused)) || message).focus();
      message.scrollIntoView({ block: "nearest" });
    }, 50);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-vote-panel] [data-vote-form], [data-vote-panel] [data-withdraw-form]")) { return; }
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (data.panel) { show(form, data); } else { form.submit(); }
    }).catch(function () { form.submit(); });
  });
})();
