// Draws the dashboard's charts from the JSON embedded in the page (the same figures as
// GET /api/v1/dashboard). Money arrives as exact decimal strings: they are turned into
// numbers only to size bars; tooltips and the tables beneath the charts show the strings.
(() => {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  // The charts' words in the page's language (issue 17): English message -> translation,
  // and the month names when the page is not in English ("2025-03" -> "mars 2025").
  const wordsSource = document.getElementById("dashboard-words");
  const words = wordsSource ? JSON.parse(wordsSource.textContent) : {};
  const t = (text) => (words.messages && words.messages[text]) || text;
  const monthLabel = (month) => {
    if (!words.months) return month;
    const [year, number] = month.split("-");
    return `${words.months[Number(number) - 1]} ${year}`;
  };

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000"];
  const STATUS_COLOURS = {
    planned: "#56B4E9", active: "#009E73", completed: "#000000", cancelled: "#D55E00",
  };

  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#212529";
  Chart.defaults.plugins.legend.labels.boxWidth = 14;
  Chart.defaults.maintainAspectRatio = false;

  const charts = [];
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) charts.push(new Chart(canvas, config));
  };
  const amount = (text) => Number(text); // drawing only
  const grouped = (text) => {
    // "1234567.50" -> "1,234,567.50" without going through a float.
    const negative = text.startsWith("-");
    const [whole, fraction] = text.replace("-", "").split(".");
    const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + withCommas + (fraction ? "." + fraction : "");
  };
  const countAxis = { beginAtZero: true, ticks: { precision: 0 } };
  const moneyTooltip = (currency, strings) => ({
    callbacks: {
      label: (ctx) => `${ctx.dataset.label}: ${grouped(strings[ctx.datasetIndex][ctx.dataIndex])} ${currency}`,
    },
  });

  const status = data.projects.by_status;
  draw("chart-projects-status", {
    type: "bar",
    data: {
      labels: status.map((s) => s.status.replace("_", " ")),
      datasets: [{
        label: t("Projects"), data: status.map((s) => s.count),
        backgroundColor: status.map((s, i) => STATUS_COLOURS[s.status] || PALETTE[i]),
      }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: countAxis } },
  });

  const areas = data.projects.by_area;
  draw("chart-projects-area", {
    type: "bar",
    data: {
      labels: areas.map((a) => `(${a.area})`),
      datasets: [{ label: t("Projects"), data: areas.map((a) => a.count), backgroundColor: PALETTE[0] }],
    },
    options: {
      indexAxis: "y",
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => areas[items[0].dataIndex].label } },
      },
      scales: { x: countAxis },
    },
  });

  const a = data.arrangements;
  const states = [
    [t("In force"), a.in_force, PALETTE[2]],
    [t("Signed, not yet in force"), a.signed, PALETTE[3]],
    [t("Partly signed"), a.awaiting_signature.partly_signed, PALETTE[4]],
    [t("Not signed"), a.awaiting_signature.unsigned, PALETTE[0]],
    [t("Under notice"), a.under_notice.count, PALETTE[1]],
    [t("Ending ≤ %(days)s days").replace("%(days)s", a.expiring_within_days), a.expiring.count, PALETTE[6]],
    [t("Terminated"), a.terminated, PALETTE[7]],
    [t("Expired"), a.expired, PALETTE[5]],
  ];
  draw("chart-arrangements", {
    type: "bar",
    data: {
      labels: states.map((s) => s[0]),
      datasets: [{
        label: t("Arrangements"), data: states.map((s) => s[1]), backgroundColor: states.map((s) => s[2]),
        borderColor: "#000000", borderWidth: states.map((s) => (s[2] === "#F0E442" ? 1 : 0)),
      }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: countAxis } },
  });

  for (const m of data.money) {
    const parties = m.parties;
    const series = [[t("Budget"), "budget", PALETTE[4]], [t("Share"), "share", PALETTE[0]],
      [t("Paid"), "paid", PALETTE[1]]];
    const strings = series.map(([, key]) => parties.map((p) => p[key]));
    draw(`chart-parties-${m.currency}`, {
      type: "bar",
      data: {
        labels: parties.map((p) => p.organization),
        datasets: series.map(([label, key, colour]) => ({
          label, data: parties.map((p) => amount(p[key])), backgroundColor: colour,
        })),
      },
      options: {
        plugins: { tooltip: moneyTooltip(m.currency, strings) },
        scales: { y: { beginAtZero: true, title: { display: true, text: m.currency } } },
      },
    });

    const burn = m.burn;
    draw(`chart-burn-${m.currency}`, {
      data: {
        labels: burn.map((b) => monthLabel(b.month)),
        datasets: [
          { type: "bar", label: t("Spend in the month"), data: burn.map((b) => amount(b.spend)),
            backgroundColor: PALETTE[0], yAxisID: "y" },
          { type: "line", label: t("Cumulative"), data: burn.map((b) => amount(b.cumulative)),
            borderColor: PALETTE[1], backgroundColor: PALETTE[1], pointRadius: 2,
            borderDash: [6, 3], yAxisID: "y2" },
        ],
      },
      options: {
        plugins: {
          tooltip: moneyTooltip(m.currency, [burn.map((b) => b.spend), burn.map((b) => b.cumulative)]),
        },
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: t("%(currency)s per month").replace("%(currency)s", m.currency) } },
          y2: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false },
            title: { display: true, text: `${m.currency} cumulative` } },
        },
      },
    });
  }

  // Canvases keep their screen size unless told: redraw them for the printed page.
  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
})();
