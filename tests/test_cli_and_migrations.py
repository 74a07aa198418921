"""The command line (API.md) and the migrations."""

import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from jointprojects import MIGRATIONS_DIR
from jointprojects.auth.models import ApiToken, User
from jointprojects.auth.services import user_for_token
from jointprojects.projects.models import Project


def test_there_is_a_single_migration_head():
    config = Config(str(Path(MIGRATIONS_DIR) / "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS_DIR)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_init_db_twice_changes_nothing(runner, db):
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "already present" in second.output


def test_create_user_and_token(runner, db):
    result = runner.invoke(
        args=[
            "create-user",
            "ana@example.org",
            "--role",
            "finance",
            "--organization",
            "INTERPOL",
            "--password",
            "long-enough-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="ana@example.org"))
    assert user.role == "finance" and user.organization.code == "INTERPOL"
    result = runner.invoke(args=["create-token", "ana@example.org"])
    token = result.output.strip().splitlines()[-1]
    assert result.exit_code == 0 and user_for_token(token) == user
    assert db.session.scalar(db.select(ApiToken.token_hash)) != token


def test_cli_errors_are_one_line_and_non_zero(runner, db):
    result = runner.invoke(
        args=[
            "create-user",
            "bob@example.org",
            "--role",
            "finance",
            "--organization",
            "NOPE",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert "organization" in result.output and "12 characters" in result.output
    result = runner.invoke(args=["create-token", "nobody@example.org"])
    assert result.exit_code != 0 and "No user" in result.output


def test_demo_is_idempotent_and_covers_each_state(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    projects = db.session.query(Project).count()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "already present" in result.output
    assert db.session.query(Project).count() == projects >= 12
    from jointprojects.special_arrangements.models import SpecialArrangement

    statuses = {a.status for a in db.session.query(SpecialArrangement)}
    assert {"draft", "in_force"} <= statuses
    assert any(len(a.parties) == 3 for a in db.session.query(SpecialArrangement))
    from jointprojects.expenses.models import Expense
    from jointprojects.personnel_exchanges.models import PersonnelExchange

    assert db.session.query(Expense).count() > 20
    assert db.session.query(PersonnelExchange).count() >= 3
    assert {u.role for u in db.session.query(User)} == {
        "admin",
        "programme_manager",
        "finance",
        "leadership",
    }


def test_the_console_script_reports_bad_usage_without_a_traceback(tmp_path):
    exe = Path(sys.executable).with_name("jointprojects")
    result = subprocess.run(
        [str(exe), "create-user"],
        capture_output=True,
        text=True,
        env={"JOINTPROJECTS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_production_refuses_a_missing_or_default_secret(monkeypatch):
    import pytest

    import config
    from jointprojects import create_app

    for secret in ("", config.DEFAULT_SECRET, "short"):
        monkeypatch.setenv("JOINTPROJECTS_SECRET_KEY", secret)
        with pytest.raises(RuntimeError, match="JOINTPROJECTS_SECRET_KEY"):
            create_app(config.ProductionConfig)
    monkeypatch.setenv("JOINTPROJECTS_SECRET_KEY", "a-real-random-secret-of-32-chars!")
    monkeypatch.setenv("JOINTPROJECTS_DATABASE_URL", "sqlite://")
    assert create_app(config.ProductionConfig).config["SESSION_COOKIE_SECURE"] is True


def test_an_unexpected_failure_is_one_line_on_stderr(tmp_path):
    exe = Path(sys.executable).with_name("jointprojects")
    # A database URL that cannot be opened: the command fails inside SQLAlchemy.
    env = {"JOINTPROJECTS_DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db",
           "JOINTPROJECTS_SECRET_KEY": "x" * 32, "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(exe), "init-db"], capture_output=True, text=True, env=env,
                            timeout=60, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
