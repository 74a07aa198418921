"""Configuration classes, read from the environment (STYLE.md habit 1).

``JOINTPROJECTS_DATABASE_URL`` names the database (default: a SQLite file in the instance
folder); ``JOINTPROJECTS_SECRET_KEY`` signs sessions and CSRF tokens. For the embedded SQLite
default a secret is generated once and kept in the instance folder; production refuses to
start without a real one.
"""

from __future__ import annotations

import os

DEFAULT_SECRET = "dev-not-secret"  # noqa: S105 - the marker production refuses


class Config:
    SECRET_KEY = os.environ.get("JOINTPROJECTS_SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("JOINTPROJECTS_DATABASE_URL", "")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    #: Art. 8 "on a temporary basis": the longest personnel exchange, in months.
    PERSONNEL_MAX_MONTHS = int(os.environ.get("JOINTPROJECTS_PERSONNEL_MAX_MONTHS", "24"))
    PER_PAGE = 25
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("JOINTPROJECTS_TEST_DATABASE_URL", "sqlite://")
    # CSRF stays on in tests: a form posted without its token must be refused.
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a hash method; fast in tests


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("JOINTPROJECTS_INSECURE_COOKIES") != "1"

    @classmethod
    def check(cls) -> None:
        secret = os.environ.get("JOINTPROJECTS_SECRET_KEY", "")
        if not secret or secret == DEFAULT_SECRET or len(secret) < 16:
            raise RuntimeError(
                "JOINTPROJECTS_SECRET_KEY must be set to a random value of 16+ characters "
                "in production"
            )
