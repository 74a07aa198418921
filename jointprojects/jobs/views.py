"""Pages: "My jobs", a job's page (progress, cancel, download) and its polling JSON.

The job page works without JavaScript (a ``<noscript>`` refresh every few seconds while the
job runs); with it, ``static/jobs.js`` polls :func:`status` and moves the bar (no inline
script: the CSP forbids them). Only its owner and admins see a job
(``jointprojects.access``: the URL's ``job_id``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from jointprojects import transaction
from jointprojects.auth.models import utcnow
from jointprojects.auth.policy import READ, requires
from jointprojects.i18n import _
from jointprojects.jobs import schemas, services
from jointprojects.jobs.download import result_response
from jointprojects.jobs.models import Job
from jointprojects.vocabulary import JOB_KIND_LABELS, JOB_STATUS_LABELS

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: Seconds between two refreshes of a job page without JavaScript.
REFRESH_SECONDS = 3


def _json(job: Job) -> dict[str, object]:
    return schemas.job_json(job, url=url_for("jobs.status", job_id=job.id),
                            result_url=url_for("jobs.result", job_id=job.id))


def _helpers() -> dict[str, object]:
    return {"timing": services.timing, "phase_text": services.phase_text,
            "duration": services.duration_text, "status_labels": JOB_STATUS_LABELS,
            "kind_labels": JOB_KIND_LABELS}


#: Jobs the arrangement page's panel shows.
PANEL_JOBS = 5
#: A finished job stays in the panel this long after it ended.
PANEL_RECENT = timedelta(days=1)


def panel_context(_app: Any, *, arrangement: Any) -> dict[str, Any]:
    """Receiver of ``arrangement_detail_context`` (the factory connects it): the signed-in
    user's running and recent jobs about this arrangement (``jobs/_panel.html``)."""
    if not current_user.is_authenticated:
        return {}
    cutoff = utcnow() - PANEL_RECENT
    jobs = [job for job in services.jobs_of(current_user, PANEL_JOBS, arrangement=arrangement)
            if not job.finished or (job.finished_at or job.created_at) >= cutoff]
    return {"jobs_panel": {"jobs": jobs, "kind_labels": JOB_KIND_LABELS,
                           "status_labels": JOB_STATUS_LABELS,
                           "phase_text": services.phase_text}}


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    jobs = services.jobs_of(current_user)
    return render_template("jobs/index.html", jobs=jobs, **_helpers())


@bp.route("/<int:job_id>")
@login_required
@requires(READ)
def detail(job_id: int):  # type: ignore[no-untyped-def]
    job = services.get_job(job_id)
    return render_template("jobs/detail.html", job=job, data=_json(job),
                           refresh=None if job.finished else REFRESH_SECONDS, **_helpers())


@bp.route("/<int:job_id>/status.json")
@login_required
@requires(READ)
def status(job_id: int):  # type: ignore[no-untyped-def]
    return jsonify(_json(services.get_job(job_id)))


@bp.route("/<int:job_id>/result")
@login_required
@requires(READ)
def result(job_id: int):  # type: ignore[no-untyped-def]
    job = services.get_job(job_id)
    with transaction.flashed_errors("warning") as outcome:
        response = result_response(job, current_user)
    if outcome.error is not None:
        return redirect(url_for(".detail", job_id=job_id))
    return response


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@login_required
@requires(READ)
def cancel(job_id: int):  # type: ignore[no-untyped-def]
    job = services.get_job(job_id)
    with transaction.flashed_errors("warning") as outcome:
        services.cancel_job(job, current_user)
    if outcome.error is None:
        flash(_("Cancelled.") if job.status == "cancelled" else
              _("The job stops at its next step."), "info")
    return redirect(url_for(".detail", job_id=job_id))
