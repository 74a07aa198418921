"""Where mail goes: an SMTP server (``JOINTPROJECTS_SMTP_URL``) or, with none configured
(the embedded default), an .eml file per message in the instance folder.

``smtp://user:pass@host:587?starttls=1`` (STARTTLS after connecting), ``smtp://host:25``
(plain, e.g. a local relay) or ``smtps://user:pass@host:465`` (TLS from the start). The
user name and password are URL-encoded (``%40`` for ``@``). Standard library only.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

TRUE = {"1", "true", "yes", "on"}


class MailRefused(Exception):
    """The server refused or could not be reached: the message is tried again later."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str
    password: str


def parse_smtp_url(url: str) -> SmtpSettings:
    """``JOINTPROJECTS_SMTP_URL`` read; a clear ValueError for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("JOINTPROJECTS_SMTP_URL must start with smtp:// or smtps://, e.g. "
                         "smtp://user:password@mail.example.org:587?starttls=1")
    if not parts.hostname:
        raise ValueError("JOINTPROJECTS_SMTP_URL names no host, e.g. smtp://mail.example.org:25")
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
    except ValueError as exc:
        raise ValueError(f"JOINTPROJECTS_SMTP_URL has a port that is not a number: {exc}") from exc
    query = parse_qs(parts.query)
    starttls = (query.get("starttls", ["0"])[-1].lower() in TRUE) and not implicit
    return SmtpSettings(host=parts.hostname, port=port, implicit_tls=implicit,
                        starttls=starttls, user=unquote(parts.username or ""),
                        password=unquote(parts.password or ""))


def describe(smtp_url: str, folder: Path) -> str:
    """Where mail goes, in words (``jointprojects serve`` prints it); never the password."""
    if not smtp_url:
        return f".eml files in {folder} (no SMTP server configured; see /admin/mail)"
    settings = parse_smtp_url(smtp_url)
    how = "TLS" if settings.implicit_tls else ("STARTTLS" if settings.starttls else "plain")
    return f"SMTP server {settings.host}:{settings.port} ({how})"


class SmtpConnection:
    """One connection to the server for several messages (the command line, a digest run),
    opened on the first message and opened again after a failure. Use as a context manager."""

    def __init__(self, smtp_url: str, timeout: float) -> None:
        self.settings = parse_smtp_url(smtp_url)
        self.timeout = timeout
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> smtplib.SMTP:
        settings, context = self.settings, ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.implicit_tls:
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=self.timeout,
                                    context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=self.timeout)
        try:
            if settings.starttls:
                smtp.starttls(context=context)
            if settings.user:
                smtp.login(settings.user, settings.password)
        except Exception:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> str:
        """Hand ``message`` to the server; the server's name. :class:`MailRefused` on any
        refusal or network failure (the caller retries), with the reason in words."""
        try:
            if self.smtp is None:
                self.smtp = self._open()
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = ", ".join(f"{code} {text.decode(errors='replace')}"
                              for code, text in exc.recipients.values())
            raise MailRefused(f"The mail server refused the recipient: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            text = exc.smtp_error.decode(errors="replace") \
                if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise MailRefused(f"The mail server answered {exc.smtp_code} {text}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailRefused(f"The mail server could not be reached: {exc}") from exc
        return f"{self.settings.host}:{self.settings.port}"

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def send_smtp(message: EmailMessage, smtp_url: str, timeout: float) -> str:
    """One message over a connection of its own (see :meth:`SmtpConnection.send`)."""
    with SmtpConnection(smtp_url, timeout) as connection:
        return connection.send(message)


def write_eml(message: EmailMessage, folder: Path, name: str) -> Path:
    """The embedded default: the message as ``<folder>/<name>.eml``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    path.write_bytes(bytes(message))
    return path
