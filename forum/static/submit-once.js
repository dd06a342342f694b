/* submit-once.js: progressive enhancement of the forms that create something (form[data-submit-once]).
   After the first sending, another click or Enter on the same form is ignored and its buttons are
   disabled until the next page arrives. The server does not rely on it: each such form carries a
   submission key, and a form sent twice still creates one post (forum/services/submissions.py). */
(function () {
  "use strict";
  var SAFETY_DELAY = 10000; // a sending stopped by the user (Esc) must not leave the form dead

  function buttons(form) {
    return form.querySelectorAll("button, input[type=submit], input[type=image]");
  }

  function release(form) {
    form.removeAttribute("data-sending");
    form.removeAttribute("aria-busy");
    Array.prototype.forEach.call(buttons(form), function (button) { button.disabled = false; });
  }

  function arm(form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      if (form.hasAttribute("data-sending")) { event.preventDefault(); return; }
      form.setAttribute("data-sending", "");
      form.setAttribute("aria-busy", "true");
      // Disabled after the browser has read the form: the clicked button's name (publish, preview…)
      // must still be sent, the server tells the actions apart by it.
      window.setTimeout(function () {
        Array.prototype.forEach.call(buttons(form), function (button) { button.disabled = true; });
      }, 0);
      window.setTimeout(function () { release(form); }, SAFETY_DELAY);
    });
  }

  var forms = document.querySelectorAll("form[data-submit-once]");
  Array.prototype.forEach.call(forms, arm);
  // A page restored by the Back button (back/forward cache) gets usable forms again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { Array.prototype.forEach.call(forms, release); }
  });
})();
