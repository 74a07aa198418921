"""The password rules: 12 to 128 characters, not a common password, not the e-mail's name.

The common passwords are the list that the ``zxcvbn`` package ships (about 30,000 from
leaked password sets), installed with the package; nothing is downloaded at run time.
"""

from __future__ import annotations

from functools import cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_problems(password: str, email: str = "") -> list[str]:
    """The messages explaining why ``password`` is refused (empty when it is accepted)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"The password must have at least {MIN_PASSWORD_LENGTH} characters."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"The password must have at most {MAX_PASSWORD_LENGTH} characters."]
    problems = []
    if password.lower() in common_passwords():
        problems.append("This password is too common: choose another one.")
    local = (email or "").strip().lower().partition("@")[0]
    if len(local) >= 3 and local in password.lower():
        problems.append("The password must not contain the name of the e-mail address.")
    return problems
