"""Real servers on loopback for the notification tests: a JSON webhook receiver (what
apprise's json:// posts to) and an SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class WebhookReceiver:
    """Answers every POST with ``status`` (200 unless changed) after ``delay`` seconds,
    keeping the JSON bodies it received in ``bodies``."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.status = 200
        self.delay = 0.0
        self.received = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                receiver.received.set()
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def messages(self) -> list[str]:
        return [body["message"] for body in self.bodies]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a free loopback port that asks for a login (``PASSWORD``) as a real
    mail server does; ``mails`` holds the envelopes received."""

    PASSWORD = "smtp-secret-pw"

    def __init__(self, port: int) -> None:
        self.mailbox = _Mailbox()
        self.port = port
        self.controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=port,
            authenticator=self._authenticate,
            auth_require_tls=False,
        )
        self.controller.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == self.PASSWORD.encode()
        return AuthResult(success=ok)

    @property
    def mails(self):
        return self.mailbox.envelopes

    def url(self, password: str = PASSWORD) -> str:
        return (
            f"mailto://robot:{password}@127.0.0.1:{self.port}?smtp=127.0.0.1"
            "&from=robot@example.com&to=duty@example.com&mode=insecure"
        )

    def close(self) -> None:
        self.controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
