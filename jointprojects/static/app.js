// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// Dynamic rows: a <template data-rows-template="NAME"> holds one row with __index__ placeholders;
// buttons with data-add-row="NAME" append a row to [data-rows="NAME"], data-remove-row removes one.
document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const name = add.dataset.addRow;
    const container = document.querySelector(`[data-rows="${name}"]`);
    const template = document.querySelector(`template[data-rows-template="${name}"]`);
    const next = parseInt(container.dataset.next || container.children.length, 10);
    const html = template.innerHTML.replaceAll("__index__", String(next));
    container.insertAdjacentHTML("beforeend", html);
    container.dataset.next = String(next + 1);
    const first = container.lastElementChild.querySelector("input, select");
    if (first) first.focus();
    event.preventDefault();
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    // Focus goes to the next row (or the previous one, or the add button), never to the body.
    const row = remove.closest("[data-row]");
    const container = row.parentElement;
    const neighbour = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    const name = container.dataset.rows;
    const target = (neighbour && neighbour.querySelector("input:not([type=hidden]), select"))
      || document.querySelector(`[data-add-row="${name}"]`);
    if (target) target.focus();
    event.preventDefault();
  }
});

// The navigation stays on one line where it fits; where it would run past the window's edge
// (longer words in French, a large inbox count) its items may wrap (app.css: .nav-wrap).
(() => {
  const nav = document.querySelector("nav.navbar");
  const collapse = nav && nav.querySelector(".navbar-collapse");
  if (!collapse) return;
  const fit = () => {
    nav.classList.remove("nav-wrap");
    const root = document.documentElement;
    if (collapse.getBoundingClientRect().right > root.clientWidth + 0.5
        || collapse.scrollWidth > collapse.clientWidth + 1) {
      nav.classList.add("nav-wrap");
    }
  };
  fit();
  window.addEventListener("resize", fit);
})();
