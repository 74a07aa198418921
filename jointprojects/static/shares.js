// The share matrix (special_arrangements/_rows.html): a running total per row, red until it
// is exactly 100.00, and one column per party of the form. Progressive enhancement: without
// this file the matrix posts as it is and the server checks every row.
(() => {
  "use strict";

  // Percent as typed ("55", "33,33", "12.5") in hundredths, or NaN; never a float sum.
  function hundredths(text) {
    const value = (text || "").trim().replace(",", ".");
    if (value === "") return 0;
    const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(value);
    if (!match) return NaN;
    return parseInt(match[1], 10) * 100 + parseInt((match[2] || "0").padEnd(2, "0"), 10);
  }

  function format(cents) {
    return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  }

  function updateRow(row) {
    const output = row.querySelector("[data-total]");
    if (!output) return;
    let sum = 0;
    row.querySelectorAll("input[data-share]").forEach((input) => { sum += hundredths(input.value); });
    const complete = sum === 10000;
    output.textContent = Number.isNaN(sum) ? "–" : format(sum);
    output.classList.toggle("text-danger", !complete);
    output.classList.toggle("fw-semibold", !complete);
    output.classList.toggle("text-success", complete);
    output.title = complete ? "Adds up to 100.00" : "Does not add up to 100.00";
  }

  function parties() {
    const list = document.querySelector("[data-parties]");
    if (!list) return null;
    const codes = [];
    list.querySelectorAll("select").forEach((select) => {
      if (select.value && !codes.includes(select.value)) codes.push(select.value);
    });
    return codes;
  }

  // The columns follow the parties chosen above: a new party gets its column, a column of a
  // party no longer chosen goes once its cells are empty.
  function syncColumns(matrix) {
    const codes = parties();
    if (!codes) return;
    const head = matrix.querySelector("thead tr");
    const totalHead = head.children[head.children.length - 2];
    const rows = [...matrix.querySelectorAll("tbody [data-row]")];
    const template = document.querySelector('template[data-rows-template="matrix"]');
    const templateRow = template ? template.content.querySelector("[data-row]") : null;
    codes.forEach((code) => {
      if (head.querySelector(`[data-party="${CSS.escape(code)}"]`)) return;
      const th = document.createElement("th");
      th.scope = "col"; th.className = "num"; th.dataset.party = code; th.textContent = code;
      head.insertBefore(th, totalHead);
      const addCell = (row, index) => {
        const td = document.createElement("td");
        td.dataset.party = code;
        const input = document.createElement("input");
        input.className = "form-control form-control-sm num-text";
        input.name = `matrix-${index}-${code}`;
        input.inputMode = "decimal"; input.placeholder = "0.00";
        input.setAttribute("aria-label", code); input.dataset.share = "";
        td.appendChild(input);
        row.insertBefore(td, row.querySelector("[data-total]").closest("td"));
      };
      rows.forEach((row) => {
        const name = row.querySelector('[name$="-category"]').name;
        addCell(row, name.split("-")[1]);
      });
      if (templateRow) addCell(templateRow, "__index__");
    });
    head.querySelectorAll("th[data-party]").forEach((th) => {
      const code = th.dataset.party;
      if (codes.includes(code)) return;
      const cells = matrix.querySelectorAll(`td[data-party="${CSS.escape(code)}"]`);
      if ([...cells].some((td) => td.querySelector("input").value.trim() !== "")) return;
      cells.forEach((td) => td.remove());
      if (templateRow) templateRow.querySelectorAll(`td[data-party="${CSS.escape(code)}"]`).forEach((td) => td.remove());
      th.remove();
    });
    rows.forEach(updateRow);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-share-matrix]").forEach((matrix) => {
      matrix.addEventListener("input", (event) => {
        const row = event.target.closest("[data-row]");
        if (row) updateRow(row);
      });
      const list = document.querySelector("[data-parties]");
      if (list) {
        list.addEventListener("change", () => syncColumns(matrix));
        new MutationObserver(() => syncColumns(matrix)).observe(list, { childList: true });
      }
      new MutationObserver(() => matrix.querySelectorAll("tbody [data-row]").forEach(updateRow))
        .observe(matrix.querySelector("tbody"), { childList: true });
      syncColumns(matrix);
      matrix.querySelectorAll("tbody [data-row]").forEach(updateRow);
    });
  });
})();
