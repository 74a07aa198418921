"""A real SMTP server (aiosmtpd) on 127.0.0.1, started by the test; what it received."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port the system has free now (two suites may run side by side on one machine)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())  # type: ignore[attr-defined]


@dataclass
class Handler:
    """Keeps every message; answers 451 to the first ``refuse`` DATA commands."""

    refuse: int = 0
    received: list[Received] = field(default_factory=list)
    refused: int = 0
    #: (recipient, subject) of each refused message.
    refusals: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        if self.refused < self.refuse:
            self.refused += 1
            self.refusals.append((envelope.rcpt_tos[0], str(message["Subject"])))
            return "451 4.3.0 Try again later"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      message))  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class SmtpServer:
    url: str
    handler: Handler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


@pytest.fixture()
def smtp() -> Iterator[SmtpServer]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(f"smtp://127.0.0.1:{port}", handler)
    finally:
        controller.stop()


@pytest.fixture()
def mail_to(app: Any, smtp: SmtpServer) -> Iterator[SmtpServer]:
    """The application sends through the test's SMTP server."""
    app.config["MAIL_SMTP_URL"] = smtp.url
    try:
        yield smtp
    finally:
        app.config["MAIL_SMTP_URL"] = ""
