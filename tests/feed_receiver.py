"""A real receiver of the province feed's pushes on 127.0.0.1 (a random port, a thread of its own),
standing in for a province's system, and doing what DATA-STANDARD.md §9 asks of one:

- refuses (401) a request whose X-Patentnavi-Signature is not sha256=HMAC-SHA256 of
  "<timestamp>.<body>" with the shared secret, whose timestamp is outside the window, or whose
  signature was seen before (a replay);
- dedupes by Idempotency-Key: a batch already applied is acknowledged (200) and not applied again;
- applies each new batch's records in order (upsert / delete by key), keeping the province's view;
- answers as told, one answer per request and then "ok": "500" (refused, not applied), "sleep"
  (applied, then answers after `sleep_seconds`: too late for the sender, whose retry must be
  deduplicated).

    with FeedReceiver(secret) as receiver:
        receiver.answers = ["500", "sleep"]
        ... receiver.url("/feed") ... receiver.view, receiver.applied, receiver.duplicates
"""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler

from .robot_receiver import LoopbackServer, reply_json


def record_key(record: dict) -> tuple[str, str]:
    data = record["data"]
    return record["kind"], str(data["application_number"] if record["kind"] == "patent" else data["id"])


def apply(view: dict, records: list[dict]) -> None:
    """Apply §9 records in order to a {(kind, key): data} view."""
    for record in records:
        key = record_key(record)
        if record["op"] == "upsert":
            view[key] = record["data"]
        else:
            view.pop(key, None)


class FeedReceiver(LoopbackServer):
    def __init__(self, secret: str, *, window_seconds: int = 300, sleep_seconds: float = 2.0) -> None:
        self.secret = secret
        self.window_seconds = window_seconds
        self.sleep_seconds = sleep_seconds
        self.answers: list[str] = []
        self.view: dict[tuple[str, str], dict] = {}
        self.applied: list[str] = []  # batch ids, in the order applied
        self.duplicates: list[str] = []
        self.refused: list[str] = []  # why each 401
        self.statuses: list[int] = []
        self.seen_signatures: set[str] = set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    status, sleep = receiver.handle(dict(self.headers.items()), raw)
                if sleep:
                    time.sleep(receiver.sleep_seconds)
                reply_json(self, status, {"ok": 200 <= status < 300})

            def log_message(self, *args) -> None:
                pass

        self.serve(Handler)

    def handle(self, headers: dict[str, str], raw: bytes) -> tuple[int, bool]:
        """(status, whether to answer late) for one request; applies a new, authentic batch."""
        timestamp = headers.get("X-Patentnavi-Timestamp", "")
        signature = headers.get("X-Patentnavi-Signature", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), f"{timestamp}.".encode() + raw,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return self._refuse("signature")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > self.window_seconds:
            return self._refuse("timestamp")
        if signature in self.seen_signatures:
            return self._refuse("replay")
        self.seen_signatures.add(signature)
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "500":
            self.statuses.append(500)
            return 500, False
        batch = json.loads(raw)
        key = headers.get("Idempotency-Key", "")
        if key != batch["batch_id"]:
            return self._refuse("idempotency key")
        if key in self.applied:
            self.duplicates.append(key)
        else:
            apply(self.view, batch["records"])
            self.applied.append(key)
        self.statuses.append(200)
        return 200, answer == "sleep"

    def _refuse(self, why: str) -> tuple[int, bool]:
        self.refused.append(why)
        self.statuses.append(401)
        return 401, False

    def url(self, path: str = "/feed") -> str:
        return super().url(path)
