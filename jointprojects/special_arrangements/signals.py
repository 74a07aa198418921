"""Signals of special arrangements, for the features that follow them. The dependency has one
direction: special arrangements know no receiver; the factory connects them
(``register_compositions`` in jointprojects/__init__.py), so that pages, the API and the CLI
all get the same behaviour.
"""

from __future__ import annotations

from blinker import Namespace

#: Sent by :func:`jointprojects.special_arrangements.amendments.consent` when the last consent
#: brings an amendment of the shares into force, in the same transaction, with the
#: application as sender and ``arrangement`` and ``effective_date`` (the amendment's) as
#: keywords. The expenses feature re-allocates the expenses it covers.
amendment_in_force = Namespace().signal("amendment-in-force")
