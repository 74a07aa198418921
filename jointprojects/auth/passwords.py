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


def is_common(password: str) -> bool:
    """In the list, or a listed password (6+ characters) with only digits or symbols after
    it (``iloveyou1234``), repeated (``passwordpassword``), or fewer than 5 different
    characters (``aaaaaaaaaaaa``)."""
    word = password.lower()
    common = common_passwords()
    if word in common or len(set(word)) < 5:
        return True
    for end in range(len(word) - 1, 5, -1):
        if any(c.isalpha() for c in word[end:]):
            break
        if word[:end] in common:
            return True
    for size in range(1, len(word) // 2 + 1):
        if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
            return True
    return False


def password_problems(password: str, email: str = "") -> list[str]:
    """The messages explaining why ``password`` is refused (empty when it is accepted)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"The password must have at least {MIN_PASSWORD_LENGTH} characters."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"The password must have at most {MAX_PASSWORD_LENGTH} characters."]
    problems = []
    if is_common(password):
        problems.append("This password is too common or too easy to guess: choose another one.")
    # A password that leans on the e-mail's name is refused: what is left without that name
    # must still be a password of full length on its own.
    local = (email or "").strip().lower().partition("@")[0]
    if len(local) >= 3 and local in password.lower() and (
            len(password.lower().replace(local, "")) < MIN_PASSWORD_LENGTH):
        problems.append("The password must not contain the name of the e-mail address.")
    return problems
