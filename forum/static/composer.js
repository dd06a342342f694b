/* composer.js: form[data-composer] gets a Markdown toolbar, draft autosave (data-draft-url),
   a warning before leaving unsaved text, « Aperçu » in place. */
(() => {
  "use strict";
  const TOOLS = [["G", "Gras", "**", "**"], ["I", "Italique", "_", "_"], ["• Liste", "Liste à puces", "- "],
    ["Lien", "Lien", "[", "](https://)"], ["« »", "Citation", "> "], ["&lt;/&gt;", "Code", "`", "`"]];
  const post = (url, body) => fetch(url, { method: "POST", body, credentials: "same-origin",
    headers: { Accept: "application/json" } });
  const text = (form) => { const f = new FormData(form); f.delete("files"); return f; };  /* drafts hold no file */

  const setup = (form) => {
    const ta = form.querySelector("textarea"), title = form.elements.title, d = form.dataset;
    const status = form.querySelector("[data-draft-status]");
    const button = form.elements.preview, snap = () => ta.value + "\n" + (title ? title.value : "");
    let saved = snap(), failed = false, leaving = false, timer = 0;
    ta.insertAdjacentHTML("beforebegin", `<div class="composer-tools" role="toolbar" aria-label="Mise en forme">${
      TOOLS.map((t) => `<button type="button" class="secondary" aria-label="${t[1]}">${t[0]}</button>`).join("")}</div>`);
    const bar = ta.previousElementSibling;
    bar.onclick = (e) => {
      const t = TOOLS[[].indexOf.call(bar.children, e.target)];
      if (t) { edit(t[2], t[3]); }
    };

    const edit = (a, b) => {
      let s = ta.selectionStart, t = ta.value.slice(s, ta.selectionEnd);
      const e = ta.selectionEnd;
      if (a === "`" && t.includes("\n")) { a = "```\n"; b = "\n```"; }
      if (!b) {  /* a prefix on each selected line */
        s = ta.value.lastIndexOf("\n", s - 1) + 1;
        ta.setRangeText(ta.value.slice(s, e).split("\n").map((l) => a + l).join("\n"), s, e, "select");
      } else {
        t = t || "texte";
        ta.setRangeText(a + t + b, s, e);
        ta.setSelectionRange(s + a.length, s + a.length + t.length);
      }
      ta.focus();
      ta.dispatchEvent(new Event("input", { bubbles: true }));
    };

    const save = () => {
      const now = snap();
      clearTimeout(timer);
      if (!d.draftUrl || now === saved) { return; }
      post(d.draftUrl, text(form)).then((r) => r.json().then((j) => {
        failed = !r.ok;
        saved = r.ok ? now : saved;
        status.textContent = j.message;
      })).catch(() => { failed = true; status.textContent = "Brouillon non enregistré."; });
    };

    form.oninput = () => { clearTimeout(timer); timer = setTimeout(save, 1500); };
    form.addEventListener("submit", () => { leaving = true; });
    addEventListener("pagehide", () => {
      if (d.draftUrl && !leaving && snap() !== saved && navigator.sendBeacon(d.draftUrl, text(form))) {
        saved = snap();
      }
    });
    addEventListener("beforeunload", (e) => {
      if (!leaving && (failed || snap() !== saved)) { e.preventDefault(); e.returnValue = ""; }
    });
    if (button && d.previewUrl) {
      button.onclick = (e) => {
        const data = new FormData(), box = document.getElementById("apercu-titre").parentNode;
        e.preventDefault();
        data.append("csrf_token", form.elements.csrf_token.value);
        data.append("body", ta.value);
        save();
        post(d.previewUrl, data).then((r) => { if (!r.ok) { throw r; } return r.text(); }).then((html) => {
          Object.assign(box.children[1], { className: "post-body", innerHTML: html });
          box.hidden = false;
        }).catch(() => { leaving = true; form.requestSubmit(button); });
      };
    }
  };

  document.querySelectorAll("form[data-composer]").forEach(setup);
})();
