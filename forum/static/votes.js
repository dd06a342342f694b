/* votes.js: progressive enhancement of the vote form on a request page. Without it the form is a
   plain POST that redirects back; with it the vote is sent in the background and the figures and
   the "your vote" sentence are updated in place. */
(function () {
  "use strict";
  var LABELS = { utile: "Utile", important: "Important", bloquant: "Bloquant" };
  var POINTS = { utile: 1, important: 2, bloquant: 3 };
  var panel = document.querySelector("[data-vote-panel]");
  var form = panel && panel.querySelector("[data-vote-form]");
  if (!form || !window.fetch || !window.FormData) { return; }

  function update(data) {
    var score = panel.querySelector("[data-vote-score]");
    var count = panel.querySelector("[data-vote-count]");
    var state = panel.querySelector("[data-vote-state]");
    if (score) { score.textContent = data.score; }
    if (count) { count.textContent = data.vote_count; }
    if (state) {
      state.textContent = data.your_vote
        ? "Votre vote actuel : " + LABELS[data.your_vote] + " (" + POINTS[data.your_vote] + " point" + (POINTS[data.your_vote] > 1 ? "s" : "") + ")."
        : "Vous n'avez pas encore voté pour cette demande.";
      state.setAttribute("role", "status");
    }
    var button = form.querySelector("button[type=submit]");
    if (button) { button.textContent = data.your_vote ? "Modifier mon vote" : "Voter"; }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) { update(result.data); } else { form.submit(); }
    }).catch(function () { form.submit(); });
  });
})();
