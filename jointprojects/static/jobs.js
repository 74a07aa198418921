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
