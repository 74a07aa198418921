"""What each organization awaits and is told (issue 16): the awaited items computed from the
records (``awaited.py``), the inbox with its read marks, and the calendar feeds."""
