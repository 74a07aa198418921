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
    #: The instance's Ed25519 signing key (PEM file); default: generated into the instance folder.
    SIGNING_KEY = os.environ.get("JOINTPROJECTS_SIGNING_KEY", "")
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
    #: A web session ends after this long without a request, and this long after its login.
    SESSION_IDLE_MINUTES = float(os.environ.get("JOINTPROJECTS_SESSION_IDLE_MINUTES", "30"))
    SESSION_MAX_HOURS = float(os.environ.get("JOINTPROJECTS_SESSION_MAX_HOURS", "12"))
    PERMANENT_SESSION_LIFETIME = int(SESSION_MAX_HOURS * 3600)
    #: Login anti-automation (jointprojects/auth/throttle.py): failed logins per e-mail and
    #: per source address, counted in Redis when JOINTPROJECTS_REDIS_URL is set.
    LOGIN_THROTTLE_STORAGE = os.environ.get("JOINTPROJECTS_REDIS_URL", "") or "memory://"
    #: Supporting documents (issue 13): kept in the database unless a directory is named
    #: (a shared volume); the largest file, and the largest upload request (several files).
    DOCUMENTS_DIR = os.environ.get("JOINTPROJECTS_DOCUMENTS_DIR", "")
    DOCUMENTS_MAX_FILE_BYTES = int(os.environ.get("JOINTPROJECTS_DOCUMENTS_MAX_FILE_BYTES",
                                                  "25000000"))
    DOCUMENTS_MAX_REQUEST_BYTES = int(os.environ.get(
        "JOINTPROJECTS_DOCUMENTS_MAX_REQUEST_BYTES", "110000000"))
    LOGIN_FAILURE_LIMIT = "5 per 15 minutes"
    LOGIN_ADDRESS_LIMIT = "50 per 15 minutes"
    #: How many reverse proxies stand in front of the application (0: none, the default).
    #: With N > 0 the last N X-Forwarded-For/-Proto/-Host values are trusted (werkzeug's
    #: ProxyFix): the client's address then counts for the per-address login limit and the
    #: audit trail. Leave 0 unless a proxy you run sets those headers: otherwise any client
    #: could pick the address it is counted and audited under.
    TRUSTED_PROXIES = os.environ.get("JOINTPROJECTS_TRUSTED_PROXIES", "0")
    #: Jobs (issue 15): the queue is Redis when set, else embedded (a SQLite file beside the
    #: database); results are purged this many days after the job ended; the page builds
    #: a cost report of more expenses than the threshold as a job.
    JOBS_REDIS_URL = os.environ.get("JOINTPROJECTS_REDIS_URL", "")
    JOBS_QUEUE_NAME = os.environ.get("JOINTPROJECTS_QUEUE_NAME", "")
    JOBS_KEEP_DAYS = float(os.environ.get("JOINTPROJECTS_JOBS_KEEP_DAYS", "7"))
    JOBS_REPORT_SECONDS = 0.5
    #: The dashboard's figures cache: shared through Redis when set, per process otherwise.
    DASHBOARD_CACHE_REDIS_URL = os.environ.get("JOINTPROJECTS_REDIS_URL", "")
    REPORT_JOB_THRESHOLD = int(os.environ.get("JOINTPROJECTS_REPORT_JOB_THRESHOLD", "20000"))
    #: Above this many rows an import's check and its recording run as jobs (issue 15).
    IMPORT_JOB_THRESHOLD = int(os.environ.get("JOINTPROJECTS_IMPORT_JOB_THRESHOLD", "5000"))
    #: Above this many arrangements the portfolio workbook is built as a job.
    PORTFOLIO_JOB_THRESHOLD = int(os.environ.get("JOINTPROJECTS_PORTFOLIO_JOB_THRESHOLD",
                                                 "2000"))
    #: Above this many expenses to re-allocate, an amendment in force re-allocates as a job.
    REALLOCATION_JOB_THRESHOLD = int(
        os.environ.get("JOINTPROJECTS_REALLOCATION_JOB_THRESHOLD", "20000"))
    #: E-mail (issue 16): through this SMTP server when set
    #: (``smtp://user:pass@host:587?starttls=1``, ``smtps://host:465``), else written as .eml
    #: files into the instance folder (``mail/``) and listed on the admin page /admin/mail.
    MAIL_SMTP_URL = os.environ.get("JOINTPROJECTS_SMTP_URL", "")
    MAIL_FROM = os.environ.get("JOINTPROJECTS_MAIL_FROM", "jointprojects@localhost")
    #: The links in a mail are absolute: the address users open the application at.
    BASE_URL = os.environ.get("JOINTPROJECTS_BASE_URL", "http://127.0.0.1:5000")
    #: How many times a refused mail is tried, the first wait (doubled each time), and the
    #: SMTP connection timeout in seconds.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("JOINTPROJECTS_MAIL_MAX_ATTEMPTS", "6"))
    MAIL_RETRY_SECONDS = float(os.environ.get("JOINTPROJECTS_MAIL_RETRY_SECONDS", "60"))
    MAIL_TIMEOUT_SECONDS = 30.0
    #: After a write commits, a job compares what is awaited with what was announced.
    MAIL_ANNOUNCE_AFTER_WRITES = True
    #: The daily digest's hour (UTC) for the periodic job.
    MAIL_DIGEST_HOUR = int(os.environ.get("JOINTPROJECTS_MAIL_DIGEST_HOUR", "6"))


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("JOINTPROJECTS_TEST_DATABASE_URL", "sqlite://")
    # CSRF stays on in tests: a form posted without its token must be refused.
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a hash method; fast in tests
    # Each test starts with empty counters (tests/conftest.py resets them); memory by default.
    LOGIN_THROTTLE_STORAGE = "memory://"
    # The tests name the queue they use (tests/jobs); none by default.
    JOBS_REDIS_URL = ""
    DASHBOARD_CACHE_REDIS_URL = ""
    # Mail goes to the .eml folder unless a test names its SMTP server; no job after writes
    # unless a test asks for it.
    MAIL_SMTP_URL = ""
    MAIL_ANNOUNCE_AFTER_WRITES = False
    MAIL_RETRY_SECONDS = 0.0


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
