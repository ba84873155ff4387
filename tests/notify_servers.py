"""Real servers on loopback for the notification tests: a JSON webhook receiver (what
apprise's json:// posts to), an SMTP server (aiosmtpd) that keeps what it receives, and a
server that accepts connections and never answers (a robot or mail server that hangs)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class WebhookReceiver:
    """Answers every POST with ``status`` (200 unless changed) after ``delay`` seconds,
    keeping the JSON bodies it received in ``bodies``. On a free loopback port, or on
    ``port`` (one a SilentServer held, say)."""

    def __init__(self, port: int = 0) -> None:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
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
        return mailto_url(self.port, password)

    def close(self) -> None:
        self.controller.stop()


def mailto_url(port: int, password: str = SmtpServer.PASSWORD) -> str:
    """The channel URL of an SmtpServer on ``port`` (also before one listens there)."""
    return (
        f"mailto://robot:{password}@127.0.0.1:{port}?smtp=127.0.0.1"
        "&from=robot@example.com&to=duty@example.com&mode=insecure"
    )


class SilentServer:
    """Accepts every connection on a free loopback port and reads what the client sends,
    but never answers: neither an HTTP reply nor an SMTP greeting, so the client waits for
    its read timeout. ``connections`` counts the connections accepted."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)  # so the accept loop sees close()
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._accepted: list[socket.socket] = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._accepted.append(conn)
            threading.Thread(target=_read_until_closed, args=(conn,), daemon=True).start()

    def close(self) -> None:
        """Stop listening and drop every connection; the port is free again at once."""
        self._closing.set()
        self._thread.join(5)
        self.listener.close()
        for conn in self._accepted:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # the client has gone already
            conn.close()


def _read_until_closed(conn: socket.socket) -> None:
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
