"""jointprojects: joint projects and cost sharing under a cooperation agreement.

The application factory only wires things together, in named ``register_*`` steps.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

# Flask and the extensions are imported inside the factory so that the pure modules
# (jointprojects.money, special_arrangements.allocation) and reports/ load without them.
if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(config_class: type | None = None, **overrides: object) -> Flask:
    from flask import Flask

    import config as config_module

    app = Flask(__name__, instance_relative_config=True)
    if config_class is None:
        name = os.environ.get("JOINTPROJECTS_CONFIG", "development")
        config_class = {
            "development": config_module.DevelopmentConfig,
            "production": config_module.ProductionConfig,
            "testing": config_module.TestingConfig,
        }[name]
    if hasattr(config_class, "check"):
        config_class.check()
    app.config.from_object(config_class)
    app.config.update(overrides)
    configure_defaults(app)
    register_proxies(app)

    register_extensions(app)
    register_blueprints(app)
    register_page_transactions(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def configure_defaults(app: Flask) -> None:
    """The embedded default: a SQLite file and a generated secret in the instance folder."""
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'jointprojects.db'}"
    if not app.config.get("SECRET_KEY"):
        instance.mkdir(parents=True, exist_ok=True)
        secret_file = instance / "secret_key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(32))
            secret_file.chmod(0o600)
        app.config["SECRET_KEY"] = secret_file.read_text().strip()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]


def trusted_proxies(value: object) -> int:
    """``JOINTPROJECTS_TRUSTED_PROXIES`` as a number of proxies; a clear error otherwise."""
    try:
        count = int(str(value).strip() or "0")
    except ValueError:
        count = -1
    if not 0 <= count <= 10:
        raise RuntimeError(
            "JOINTPROJECTS_TRUSTED_PROXIES must be the number of reverse proxies in front of "
            f"the application (0 to 10), not {value!r}")
    return count


def register_proxies(app: Flask) -> None:
    """Behind N trusted reverse proxies, take the client's address, scheme and host from the
    last N X-Forwarded-* values (werkzeug's ProxyFix); with none (the default) those headers
    are ignored: the address is the socket's."""
    count = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    app.config["TRUSTED_PROXIES"] = count
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_extensions(app: Flask) -> None:
    from jointprojects import (
        i18n,
        models,  # noqa: F401 - the whole schema for Alembic
    )
    from jointprojects.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from jointprojects.database import enable_sqlite_foreign_keys

        with app.app_context():
            enable_sqlite_foreign_keys(db.engine)


def register_blueprints(app: Flask) -> None:
    from jointprojects.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    from jointprojects.access import guard_web

    app.before_request(guard_web)
    from jointprojects.documents.transfer import raise_upload_cap

    app.url_value_preprocessor(raise_upload_cap)
    from jointprojects.api import bp as api_bp
    from jointprojects.audit.views import bp as audit_bp
    from jointprojects.auth.admin import bp as users_bp
    from jointprojects.auth.views import bp as auth_bp
    from jointprojects.budgets.views import bp as budgets_bp
    from jointprojects.dashboard.views import bp as dashboard_bp
    from jointprojects.documents.views import bp as documents_bp
    from jointprojects.evidence.views import bp as evidence_bp
    from jointprojects.exchange_rates.views import bp as exchange_rates_bp
    from jointprojects.expenses.views import bp as expenses_bp
    from jointprojects.inbox.views import bp as inbox_bp
    from jointprojects.inbox.views import calendar_bp
    from jointprojects.jobs.views import bp as jobs_bp
    from jointprojects.notifications.views import bp as notifications_bp
    from jointprojects.organizations.views import bp as organizations_bp
    from jointprojects.personnel_exchanges.views import bp as personnel_exchanges_bp
    from jointprojects.projects.views import bp as projects_bp
    from jointprojects.reporting.views import bp as reporting_bp
    from jointprojects.special_arrangements.views import bp as arrangements_bp
    from jointprojects.statements.views import bp as statements_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(organizations_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(arrangements_bp)
    app.register_blueprint(expenses_bp)
    app.register_blueprint(exchange_rates_bp)
    app.register_blueprint(budgets_bp)
    app.register_blueprint(reporting_bp)
    app.register_blueprint(personnel_exchanges_bp)
    app.register_blueprint(statements_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(api_bp)
    register_compositions(app)


def register_compositions(app: Flask) -> None:
    """Where one feature's page shows another's data, or one feature follows another's
    changes, the factory connects them: the arrangement page asks for extra context (a
    signal), the finance feature answers; an amendment coming into force (a signal), the
    expenses are re-allocated."""
    from jointprojects.dashboard import tasks as _portfolio_tasks  # noqa: F401 - its job
    from jointprojects.documents.records import record_exists, record_locked
    from jointprojects.evidence import tasks as evidence_tasks
    from jointprojects.evidence.views import evidence_context
    from jointprojects.expenses.tasks import reallocate_on_amendment  # registers its job
    from jointprojects.expenses.views import finance_context
    from jointprojects.jobs import runner
    from jointprojects.jobs.views import panel_context as jobs_panel_context
    from jointprojects.notifications import dispatch
    from jointprojects.reporting import tasks  # noqa: F401 - registers the report jobs
    from jointprojects.special_arrangements.signals import amendment_in_force
    from jointprojects.special_arrangements.views import arrangement_detail_context
    from jointprojects.statements import tasks as _statement_tasks  # noqa: F401 - its job
    from jointprojects.statements.attachments import (
        statement_or_payment_exists,
        statement_or_payment_locked,
    )
    from jointprojects.statements.views import statements_context

    arrangement_detail_context.connect(finance_context, sender=app)
    arrangement_detail_context.connect(statements_context, sender=app)
    arrangement_detail_context.connect(jobs_panel_context, sender=app)
    arrangement_detail_context.connect(evidence_context, sender=app)
    evidence_tasks.install()  # the daily checkpoint (a periodic task of the jobs runner)
    amendment_in_force.connect(reallocate_on_amendment, sender=app)
    # Jobs: the queue's task runs what each kind of job does (reporting.tasks registers the
    # cost report).
    runner.install()
    # A document of a statement or a payment names one the arrangement has, and stays once
    # the statement is agreed or the payment received (documents/records.py).
    record_exists.connect(statement_or_payment_exists, sender=app)
    record_locked.connect(statement_or_payment_locked, sender=app)
    # Mail: its tasks on the queue, and an announcement job after every audited write.
    dispatch.install()


def register_page_transactions(app: Flask) -> None:
    """One transaction per page request (jointprojects.transaction); the API has its own."""
    from jointprojects.transaction import init_app

    init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from jointprojects.web import (
        register_error_pages,
        register_input_bounds,
        register_security_headers,
    )

    register_error_pages(app)
    register_security_headers(app)
    register_input_bounds(app)


def register_template_helpers(app: Flask) -> None:
    from jointprojects.web import register_template_helpers as register

    register(app)


def register_cli(app: Flask) -> None:
    from jointprojects.cli import register_commands

    register_commands(app)
