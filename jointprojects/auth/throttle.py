"""Login anti-automation: failed logins counted per e-mail and per source address.

The counters live in a ``limits`` storage shared by every process of a deployment: Redis
when ``JOINTPROJECTS_REDIS_URL`` is set, memory for the single-process embedded default.
Only failures are counted (a moving window): after ``LOGIN_FAILURE_LIMIT`` failures for one
e-mail (default 5 in 15 minutes), or ``LOGIN_ADDRESS_LIMIT`` from one address, the login page
answers 429 without checking the password until the window has passed.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

_EXTENSION = "jointprojects_login_throttle"


class LoginThrottle:
    def __init__(self, storage_uri: str, per_email: str, per_address: str,
                 key_prefix: str = "jointprojects") -> None:
        options = {} if storage_uri.startswith("memory:") else {"key_prefix": key_prefix}
        storage = storage_from_string(storage_uri, **options)
        if not isinstance(storage, Storage):
            raise TypeError(f"{storage_uri!r} names an asynchronous storage")
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_email: RateLimitItem = parse(per_email)
        self.per_address: RateLimitItem = parse(per_address)

    @staticmethod
    def _email_key(email: str) -> str:
        # The e-mail is not stored in clear in Redis.
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    def blocked(self, email: str, address: str) -> bool:
        """True when one more failure would not be allowed: refuse without a password check."""
        return not (
            self.limiter.test(self.per_email, "login-email", self._email_key(email))
            and self.limiter.test(self.per_address, "login-address", address)
        )

    def failed(self, email: str, address: str) -> None:
        self.limiter.hit(self.per_email, "login-email", self._email_key(email))
        self.limiter.hit(self.per_address, "login-address", address)

    def reset(self) -> None:
        self.storage.reset()


def throttle() -> LoginThrottle:
    """The application's throttle, made on first use from its configuration."""
    app = current_app
    found = app.extensions.get(_EXTENSION)
    if not isinstance(found, LoginThrottle):
        found = LoginThrottle(
            app.config.get("LOGIN_THROTTLE_STORAGE") or "memory://",
            app.config.get("LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
            app.config.get("LOGIN_ADDRESS_LIMIT", "50 per 15 minutes"),
            app.config.get("LOGIN_THROTTLE_PREFIX", "jointprojects"),
        )
        app.extensions[_EXTENSION] = found
    return found
