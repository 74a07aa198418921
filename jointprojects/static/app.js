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
