"""How a message leaves: an SMTP server named by NURTURE_SMTP_URL, or the outbox Maildir.

- `smtp://[user@]host[:port]` (port 587): STARTTLS is required. A loopback host uses
  STARTTLS when the server offers it and may talk plain otherwise; `?tls=none` allows
  plain text to any host, for a trusted relay.
- `smtps://[user@]host[:port]` (port 465): TLS from the first byte.
- `?cafile=PATH` trusts that CA (a private relay); `?timeout=SECONDS` (default 30).

Certificates are always verified (`ssl.create_default_context()`). The password comes
from NURTURE_SMTP_PASSWORD or the file named by NURTURE_SMTP_PASSWORD_FILE, never from the
URL or the command line, and is never sent over a connection without TLS.

Without NURTURE_SMTP_URL, messages go to the embedded outbox: a Maildir under
data/outbox/ (one file per message) that any mail client can open.

A message goes out in one transaction: one recipient, the commands pipelined when the
server offers PIPELINING (RFC 2920), a failure reported as the reply (`Refused`, with the
stage it came at) or as `ConnectionLost`, which says whether the end of the message had
been sent: after that point the server may have queued it. `deliver` waits for the end;
the sender instead calls `begin`, then `resume` each time the connection has something
to read (`fileno`), so one thread keeps many connections busy. smtplib opens the
connection (TLS, EHLO, AUTH); the transactions are written and read here, at a fraction
of the cost of smtplib's commands.
"""

from __future__ import annotations

import ipaddress
import mailbox
import os
import re
import smtplib
import ssl
from collections.abc import Generator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, Self
from urllib.parse import parse_qs, unquote, urlsplit

from plugins.errors import NurtureError

from .message import check_address

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTBOX = ROOT / "data" / "outbox"
URL_VARIABLE = "NURTURE_SMTP_URL"
PASSWORD_VARIABLE = "NURTURE_SMTP_PASSWORD"  # noqa: S105 (the name of the variable)
PASSWORD_FILE_VARIABLE = "NURTURE_SMTP_PASSWORD_FILE"  # noqa: S105
PORTS = {"smtp": 587, "smtps": 465}
_LINE_END = re.compile(rb"\r\n|\r|\n")
_MAX_REPLY = 65536  # a longer reply ends the connection


class TransportError(NurtureError):
    """The transport is misconfigured, unreachable, or refused a message."""


class Refused(TransportError):
    """The server answered a command of the mail transaction with an error."""

    def __init__(self, message: str, *, stage: str, code: int, reply: str) -> None:
        super().__init__(message)
        self.stage = stage  # "MAIL", "RCPT", "DATA" or "END" (the reply to the message itself)
        self.code = code
        self.reply = reply


class ConnectionLost(TransportError):
    """The connection broke during a transaction; `maybe_delivered` once the message's end
    was sent (RFC 1047: the server may have queued it without our hearing its reply)."""

    def __init__(self, message: str, *, maybe_delivered: bool) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class Transport(Protocol):
    """Where messages go: its description never contains a password."""

    description: str

    @property
    def connected(self) -> bool: ...

    def connect(self) -> None: ...

    def begin(self, sender: str, recipient: str, message: bytes) -> str | None: ...

    def resume(self) -> str | None: ...

    def fileno(self) -> int: ...

    def deliver(self, sender: str, recipient: str, message: bytes) -> str: ...

    def send(self, sender: str, recipient: str, message: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    """A parsed NURTURE_SMTP_URL, with the password from the environment."""

    scheme: str
    host: str
    port: int
    tls: str  # "implicit" (smtps), "starttls" (required), "optional" (loopback), "none"
    user: str = ""
    password: str = field(default="", repr=False)
    cafile: str | None = None
    timeout: float = 30.0

    @property
    def description(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _password(environ: Mapping[str, str]) -> str:
    if environ.get(PASSWORD_VARIABLE):
        return environ[PASSWORD_VARIABLE]
    path = environ.get(PASSWORD_FILE_VARIABLE)
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        raise TransportError(
            f"cannot read {PASSWORD_FILE_VARIABLE} ({path}): {error.strerror}"
        ) from None


def parse_smtp_url(url: str, environ: Mapping[str, str] = os.environ) -> SmtpConfig:
    """Check NURTURE_SMTP_URL; raise TransportError saying what to change."""
    parts = urlsplit(url)
    if parts.scheme not in PORTS or not parts.hostname:
        raise TransportError(
            f"{URL_VARIABLE} must look like smtp://user@mail.example.com:587 or "
            "smtps://user@mail.example.com:465"
        )
    if parts.password is not None:
        raise TransportError(
            f"{URL_VARIABLE} must not contain the password: put it in {PASSWORD_VARIABLE} "
            f"or in a file named by {PASSWORD_FILE_VARIABLE}"
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"tls", "cafile", "timeout"})
    if unknown:
        raise TransportError(
            f"{URL_VARIABLE} has unknown option(s) {', '.join(unknown)}; "
            "the options are tls=none, cafile=PATH and timeout=SECONDS"
        )
    if "tls" in query and (query["tls"] != "none" or parts.scheme != "smtp"):
        raise TransportError(f"{URL_VARIABLE}: the only tls option is tls=none, for smtp://")
    try:
        port = parts.port or PORTS[parts.scheme]
        timeout = float(query.get("timeout", 30))
    except ValueError:
        raise TransportError(f"{URL_VARIABLE} has a malformed port or timeout") from None
    host = parts.hostname
    if parts.scheme == "smtps":
        tls = "implicit"
    elif "tls" in query:
        tls = "none"
    else:
        tls = "optional" if is_loopback(host) else "starttls"
    user = unquote(parts.username or "")
    if user and tls == "none":
        raise TransportError(
            f"{URL_VARIABLE} has a user but tls=none: Nurture never sends a password "
            "without TLS; drop tls=none or the user"
        )
    password = _password(environ) if user else ""
    if user and not password:
        raise TransportError(
            f"{URL_VARIABLE} names user {user!r}: set {PASSWORD_VARIABLE} or "
            f"{PASSWORD_FILE_VARIABLE} to their password"
        )
    return SmtpConfig(
        scheme=parts.scheme,
        host=host,
        port=port,
        tls=tls,
        user=user,
        password=password,
        cafile=query.get("cafile"),
        timeout=timeout,
    )


class SmtpTransport:
    """One SMTP connection, opened at the first message (or `connect`) and kept open."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.description = config.description
        self._smtp: smtplib.SMTP | None = None
        self._pipelining = False
        self._received = bytearray()  # what the server said that is not read yet
        self._transaction: Generator[None, None, str] | None = None

    @property
    def connected(self) -> bool:
        return self._smtp is not None

    def connect(self) -> None:
        """Open the connection (TLS and login included) unless it is open; TransportError."""
        if self._smtp is not None:
            return
        try:
            self._smtp = self._connect()
        except smtplib.SMTPResponseException as error:
            reply = error.smtp_error.decode(errors="replace")
            raise TransportError(
                f"{self.description} answered {error.smtp_code} {reply} on connecting"
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise TransportError(f"cannot connect to {self.description}: {error}") from None
        self._pipelining = self._smtp.has_extn("pipelining")
        self._received.clear()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context(cafile=config.cafile)
        if config.tls == "implicit":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=context
            )
            smtp.ehlo()
            return self._login(smtp, secure=True)
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        smtp.ehlo()
        offered = smtp.has_extn("starttls")
        if config.tls == "starttls" and not offered:
            smtp.close()
            raise TransportError(
                f"{self.description} does not offer STARTTLS; refusing to send in plain "
                "text (use smtps://, or ?tls=none for a trusted relay)"
            )
        if offered and config.tls != "none":
            smtp.starttls(context=context)
            smtp.ehlo()
        return self._login(smtp, secure=offered and config.tls != "none")

    def _login(self, smtp: smtplib.SMTP, *, secure: bool) -> smtplib.SMTP:
        if self.config.user:
            if not secure:
                smtp.close()
                raise TransportError(
                    f"{self.description} offers no TLS, so the password is not sent; "
                    "use a server with STARTTLS or smtps://"
                )
            smtp.login(self.config.user, self.config.password)
        return smtp

    def deliver(self, sender: str, recipient: str, message: bytes) -> str:
        """Send `message` (CRLF line ends, as `compose` writes) from `sender` to the one
        `recipient`; return the server's reply.

        Raise Refused (an error reply; a 421 also closes the connection), ConnectionLost,
        or TransportError when the connection cannot be (re)opened.
        """
        reply = self.begin(sender, recipient, message)
        while reply is None:
            reply = self.resume()
        return reply

    def begin(self, sender: str, recipient: str, message: bytes) -> str | None:
        """Start sending `message` as `deliver` does, and return None: `resume` goes on."""
        check_address(sender)
        check_address(recipient)
        self.connect()
        self._transaction = self._exchange(sender, recipient, message)
        return self._step()

    def resume(self) -> str | None:
        """Read what the server sent (waiting for it if nothing has come) and go on with the
        transaction: the server's reply once it has the message, else None. Raises what
        `deliver` raises."""
        assert self._smtp is not None
        sock = self._smtp.sock
        try:
            data = sock.recv(_MAX_REPLY)
            if isinstance(sock, ssl.SSLSocket):
                while sock.pending():  # decrypted, so no longer readable on the socket
                    data += sock.recv(sock.pending())
            if not data:
                raise ConnectionResetError("the server closed the connection")
            self._received += data
            if len(self._received) > _MAX_REPLY:
                raise ConnectionResetError("the server's reply is too long")
        except OSError as error:
            return self._step(error)
        return self._step()

    def fileno(self) -> int:
        """The connection's socket, to wait on for `resume`."""
        assert self._smtp is not None
        return self._smtp.sock.fileno()

    def _step(self, error: OSError | None = None) -> str | None:
        """Run the transaction until it needs a reply that has not come (None) or ends."""
        assert self._transaction is not None
        try:
            if error is None:
                next(self._transaction)
            else:
                self._transaction.throw(error)
        except StopIteration as end:
            self._transaction = None
            return end.value
        except BaseException:
            self._transaction = None
            raise
        return None

    def _exchange(self, sender: str, recipient: str, message: bytes) -> Generator[None, None, str]:
        """The transaction; it yields whenever it waits for the server."""
        commands = [f"MAIL FROM:<{sender}>\r\n", f"RCPT TO:<{recipient}>\r\n", "DATA\r\n"]
        replies: list[tuple[int, bytes]] = []
        try:
            if self._pipelining:
                self._write("".join(commands).encode("ascii"))
                for _ in commands:
                    replies.append((yield from self._reply()))
            else:
                for command in commands:
                    self._write(command.encode("ascii"))
                    replies.append((yield from self._reply()))
                    if replies[-1][0] >= 400:
                        break
        except OSError as error:
            raise self._lost(error, maybe_delivered=False) from None
        for stage, (code, text) in zip(("MAIL", "RCPT", "DATA"), replies, strict=False):
            if code != (354 if stage == "DATA" else 250):
                yield from self._abort(code, data_started=replies[-1][0] == 354)
                raise self._refused(stage, code, text, recipient)
        try:
            self._write(_data(message))
        except OSError as error:
            raise self._lost(error, maybe_delivered=False) from None
        try:
            code, text = yield from self._reply()
        except OSError as error:
            raise self._lost(error, maybe_delivered=True) from None
        if code != 250:
            yield from self._abort(code, data_started=False)
            raise self._refused("END", code, text, recipient)
        return f"{code} {text.decode(errors='replace')}"

    def _write(self, data: bytes) -> None:
        assert self._smtp is not None
        self._smtp.sock.sendall(data)

    def _reply(self) -> Generator[None, None, tuple[int, bytes]]:
        """The server's next reply, all its lines: (code, text), once it has come."""
        while True:
            lines, start = [], 0
            while (end := self._received.find(b"\n", start)) != -1:
                line = bytes(self._received[start : end + 1])
                start = end + 1
                lines.append(line[4:].strip())
                if line[3:4] != b"-":
                    del self._received[:start]
                    code = int(line[:3]) if line[:3].isdigit() else -1
                    return code, b"\n".join(lines)
            yield

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """`deliver` for any message, whatever its line ends."""
        self.deliver(sender, recipient, crlf(message))

    def _refused(self, stage: str, code: int, text: bytes, recipient: str) -> Refused:
        reply = f"{code} {text.decode(errors='replace')}"
        what = f"refused {recipient}" if stage == "RCPT" else f"answered {stage}"
        return Refused(f"{self.description} {what}: {reply}", stage=stage, code=code, reply=reply)

    def _abort(self, code: int, *, data_started: bool) -> Generator[None, None, None]:
        """After an error reply: drop the connection on 421, else reset the transaction."""
        try:
            if code != 421:
                if data_started:  # a server that accepted DATA without a valid recipient
                    self._write(b".\r\n")
                    yield from self._reply()
                self._write(b"RSET\r\n")
                if (yield from self._reply())[0] == 250:
                    return
        except OSError:
            pass
        self._drop()

    def _lost(self, error: Exception, *, maybe_delivered: bool) -> ConnectionLost:
        self._drop()
        when = "after the end of the message" if maybe_delivered else "during the transaction"
        return ConnectionLost(
            f"lost the connection to {self.description} {when}: {error}",
            maybe_delivered=maybe_delivered,
        )

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """Say QUIT and close; in the middle of a transaction, just close."""
        if self._smtp is not None and self._transaction is None:
            with suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
        self._transaction = None
        self._drop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Outbox:
    """A Maildir (cur/, new/, tmp/) private to this user; each message is a file in new/."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"the outbox {path}"
        self._box: mailbox.Maildir | None = None

    @property
    def connected(self) -> bool:
        return self._box is not None

    def connect(self) -> None:
        if self._box is not None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._box = mailbox.Maildir(self.path, create=True)
        except OSError as error:
            raise TransportError(f"cannot write to {self.description}: {error.strerror}") from None

    def deliver(self, sender: str, recipient: str, message: bytes) -> str:
        """Write the message into new/; return its file name."""
        self.connect()
        assert self._box is not None
        try:
            return self._box.add(message.replace(b"\r\n", b"\n"))
        except OSError as error:
            raise TransportError(f"cannot write to {self.description}: {error.strerror}") from None

    begin = deliver  # written at once: nothing to resume

    def resume(self) -> str | None:
        raise AssertionError("the outbox has nothing to resume")

    def fileno(self) -> int:
        raise AssertionError("the outbox has nothing to wait for")

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        self.deliver(sender, recipient, message)

    def close(self) -> None:
        self._box = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def crlf(message: bytes) -> bytes:
    """`message` with every line ending in CRLF: a bare CR or LF could otherwise end the
    data early on some servers (SMTP smuggling). `compose` writes CRLF already."""
    unpaired = message.replace(b"\r\n", b"")
    if b"\r" in unpaired or b"\n" in unpaired:
        return _LINE_END.sub(b"\r\n", message)
    return message


def _data(message: bytes) -> bytes:
    """The message (CRLF line ends) as DATA: leading dots doubled, then the final dot."""
    if b"\r\n." in message:  # never in what `compose` writes
        message = message.replace(b"\r\n.", b"\r\n..")
    if message.startswith(b"."):
        message = b"." + message
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message + b".\r\n"


def from_environment(
    environ: Mapping[str, str] = os.environ, outbox: Path = DEFAULT_OUTBOX
) -> SmtpTransport | Outbox:
    """The SMTP server of NURTURE_SMTP_URL if set, else the outbox Maildir."""
    url = environ.get(URL_VARIABLE, "").strip()
    return SmtpTransport(parse_smtp_url(url, environ)) if url else Outbox(outbox)
