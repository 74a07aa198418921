"""The leadership dashboard: the home page of every role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from jointprojects.auth.policy import READ, requires
from jointprojects.dashboard import services

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
@requires(READ)
def index():  # type: ignore[no-untyped-def]
    return render_template("dashboard/index.html", figures=services.portfolio_figures())
