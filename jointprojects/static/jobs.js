// The job page: poll the job's JSON and move the bar (without JavaScript the page refreshes
// itself through its <noscript> meta refresh). No inline script: the CSP forbids them.
(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const finished = ["done", "failed", "cancelled"];
  const labels = JSON.parse(document.getElementById("job-status").dataset.labels || "{}");

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    if (h) return `${h} h ${m} min`;
    if (m) return `${m} min ${s} s`;
    return `${s} s`;
  }

  function show(job) {
    const text = (id, value) => { document.getElementById(id).textContent = value; };
    document.getElementById("job-progress").value = job.progress;
    text("job-percent", String(job.progress));
    text("job-status", labels[job.status] || job.status);
    text("job-phase", job.status === "failed" ? "stopped" : job.message);
    text("job-elapsed", duration(job.elapsed_seconds));
    text("job-remaining", duration(job.remaining_seconds));
    const error = document.getElementById("job-error");
    error.textContent = job.error || "";
    error.classList.toggle("d-none", job.status !== "failed");
    document.getElementById("job-done").classList.toggle("d-none", job.status !== "done");
    if (job.result_name && document.getElementById("job-download")) {
      text("job-download", `Download ${job.result_name}`);
    }
    box.dataset.status = job.status;
    if (finished.includes(job.status)) {
      const cancel = document.getElementById("job-cancel");
      if (cancel) cancel.remove();
    }
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, {
        headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) show(await response.json());
    } catch (error) {
      // the server is restarting: try again at the next tick
    }
    if (!finished.includes(box.dataset.status)) window.setTimeout(poll, 1000);
  }

  if (!finished.includes(box.dataset.status)) window.setTimeout(poll, 500);
})();

// The compact panel of the page that started a job (the arrangement page): each running
// job's line polls its JSON and moves its bar.
(function () {
  const panel = document.getElementById("jobs-panel");
  if (!panel) return;
  const finished = ["done", "failed", "cancelled"];
  const labels = JSON.parse(panel.dataset.labels || "{}");

  function follow(line) {
    async function poll() {
      try {
        const response = await fetch(line.dataset.statusUrl, {
          headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) {
          const job = await response.json();
          line.querySelector("progress").value = job.progress;
          line.querySelector("[data-job-field=status]").textContent =
            labels[job.status] || job.status;
          line.querySelector("[data-job-field=message]").textContent = job.message || "";
          line.dataset.status = job.status;
        }
      } catch (error) {
        // the server is restarting: try again at the next tick
      }
      if (!finished.includes(line.dataset.status)) window.setTimeout(poll, 2000);
    }
    window.setTimeout(poll, 1000);
  }

  panel.querySelectorAll("[data-job-line]").forEach((line) => {
    if (!finished.includes(line.dataset.status)) follow(line);
  });
})();
