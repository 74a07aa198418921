"""The bounds of every input, in one place (standard library only).

Pages, the JSON API, the CLI and spreadsheet imports all refuse the same things, with a
sentence naming the field (422):

- amounts of :data:`MAX_AMOUNT` or more in absolute value (``money.parse_decimal``);
- dates before :data:`MIN_DATE` or after :data:`MAX_DATE`;
- text with a NUL byte, a lone surrogate or another control character (tab, line feed and
  carriage return are the only ones allowed, in free text) or a bidirectional override;
- codes and references that are not letters, digits, ``-``, ``_`` and ``.`` (:data:`CODE_RE`);
- JSON bodies larger than :data:`MAX_JSON_BYTES` or nested deeper than :data:`MAX_JSON_DEPTH`
  (400, checked before the body is parsed).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from jointprojects.errors import Collector, Message
from jointprojects.money import MAX_AMOUNT

__all__ = [
    "CODE_PATTERN",
    "CODE_RE",
    "MAX_AMOUNT",
    "MAX_DATE",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MIN_DATE",
    "check_dates",
    "code_problem",
    "date_problem",
    "json_problem",
    "text_problem",
]

#: The first and last day any record may carry.
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)

#: Codes and references: letters, digits, ``-``, ``_``, ``.``; not starting with a dot.
CODE_PATTERN = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"
CODE_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")

#: A JSON request body: at most 1 MiB and 32 levels of objects and lists.
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored or searched for, or None when it can."""
    for char in value:
        if char == "\x00":
            return "must not contain a NUL character"
        if "\ud800" <= char <= "\udfff":
            return "must not contain an invalid character (a lone surrogate)"
        category = unicodedata.category(char)
        if category == "Cc" and char not in _ALLOWED_CONTROLS:
            return f"must not contain the control character U+{ord(char):04X}"
        if category == "Cf" and unicodedata.bidirectional(char) in _BIDI_CONTROLS:
            return f"must not contain the direction control character U+{ord(char):04X}"
    return None


#: Bidirectional embeddings, overrides and isolates (the "Trojan source" characters).
_BIDI_CONTROLS = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


def code_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable code or reference, or None."""
    if CODE_RE.fullmatch(value):
        return None
    return "may contain only letters, digits, '-', '_' and '.' (and not start with '.')"


def date_problem(value: date) -> str | None:
    """Why ``value`` is outside the dates the application keeps, or None."""
    if MIN_DATE <= value <= MAX_DATE:
        return None
    return Message("must be between %(first)s and %(last)s", first=MIN_DATE, last=MAX_DATE)


def json_problem(body: bytes) -> str | None:
    """Why a JSON request body is refused before it is parsed (too large or too deep)."""
    if len(body) > MAX_JSON_BYTES:
        return f"The JSON body is too large (at most {MAX_JSON_BYTES} bytes)."
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return f"The JSON body is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return None


def check_dates(errors: Collector, prefix: str = "", **named: date | None) -> None:
    """Add an error to ``errors`` for each of the ``named`` dates outside the range."""
    for name, value in named.items():
        if isinstance(value, date) and (problem := date_problem(value)):
            errors.add(f"{prefix}{name}", Message("%(name)s %(problem)s.", name=name,
                                                  problem=problem))

