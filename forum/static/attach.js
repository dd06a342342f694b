/* attach.js: drop/paste files into input[data-attach]; alt_<n> per image; size warning. */
(() => {
  const img = f => f.type.match(/^image/);
  for (const inp of document.querySelectorAll("input[data-attach]")) {
    const form = inp.form, ul = document.createElement("ul");
    ul.className = "small";
    inp.after(ul);
    const show = () => {
      const v = {};
      for (const i of ul.querySelectorAll("input")) v[i.name] = i.value;
      ul.textContent = "";
      [...inp.files].forEach((f, n) => {
        const li = ul.appendChild(document.createElement("li")), a = "alt_" + n, k = Math.ceil(f.size / 1024);
        li.textContent = `${f.name} (${k} Ko)${k > 5120 ? " : trop lourd (> 5 Mo)" : ""}`;
        if (img(f)) {
          li.insertAdjacentHTML("beforeend", " <label>Description de l'image <input maxlength=300></label>");
          Object.assign(li.querySelector("input"), { name: a, value: v[a] || "" });
        }
      });
    };
    const add = fs => {
      const dt = new DataTransfer();
      for (const f of [...inp.files, ...fs]) dt.items.add(f);
      inp.files = dt.files;
      show();
    };
    inp.onchange = show;
    form.ondragover = e => e.preventDefault();
    form.ondrop = e => {
      const d = e.dataTransfer.files;
      if (d.length) { e.preventDefault(); add(d); }
    };
    form.onpaste = e => {
      const c = e.clipboardData, f = [...c.files].filter(img);
      if (f.length && !c.types.includes("text/plain")) { e.preventDefault(); add(f); }
    };
  }
})();
