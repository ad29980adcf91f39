"""A real HTTP receiver on 127.0.0.1 (a random port, a thread of its own) standing in for the
group robots of 企业微信 and 钉钉: it keeps every request it gets and answers as told.

    with RobotReceiver() as robot:
        robot.answers = ["500", "errcode", "redirect", "ok"]   # one per request, then "ok"; "sleep": too late
        ... robot.url("/cgi-bin/webhook/send?key=abc") ... robot.requests
"""

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def reply_json(handler, status: int, answer: dict) -> None:
    """Answer a test receiver's request with `answer` as JSON; a sender that gave up waiting (the
    timeout cases) is not an error."""
    body = json.dumps(answer).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


class LoopbackServer:
    """An HTTP server on 127.0.0.1 (a random port) in a thread of its own, for a `with` block; a
    receiver serves its request handler class with `serve`."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict


class RobotReceiver(LoopbackServer):
    def __init__(self, sleep_seconds: float = 2.0) -> None:
        self.requests: list[Received] = []
        self.answers: list[str] = []
        self.sleep_seconds = sleep_seconds
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                parts = urllib.parse.urlsplit(self.path)
                receiver.requests.append(Received(
                    parts.path, dict(urllib.parse.parse_qsl(parts.query)), dict(self.headers.items()),
                    json.loads(raw or b"{}")))
                answer = receiver.answers.pop(0) if receiver.answers else "ok"
                if answer == "sleep":
                    time.sleep(receiver.sleep_seconds)
                if answer == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif answer == "500":
                    self._reply(500, {"errcode": -1, "errmsg": "server error"})
                elif answer == "errcode":
                    self._reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
                else:
                    self._reply(200, {"errcode": 0, "errmsg": "ok"})

            def _reply(self, status: int, answer: dict) -> None:
                reply_json(self, status, answer)

            def log_message(self, *args) -> None:
                pass

        self.serve(Handler)
