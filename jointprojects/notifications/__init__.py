"""E-mail (issue 16 item 3): a message when something is newly awaited from a user's
organization and role, a daily digest, per-user preferences, sent from the task queue."""
