"""Stand-in LLM servers on 127.0.0.1 that speak the real wire formats, for tests over real HTTP.

- OpenAI: `POST /v1/chat/completions`, a `chat.completion` JSON body, or with `"stream": true` a
  `text/event-stream` of `data: {chat.completion.chunk}` events ending with `data: [DONE]`.
- Ollama: `POST /api/chat`, one JSON object, or with `"stream": true` newline-delimited JSON chunks
  ending with a `"done": true` object.
Streams use HTTP/1.1 chunked transfer encoding, as real servers do. Each request is answered by the
server's `responder(body) -> Reply`, so a test scripts what the "model" says and sees every request.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SOURCE = re.compile(r"^\[(\d+)\] (\S+) \(language: ([^,]+), ([^)]*)\)\n(.*?)(?=\n\n\[\d+\] |\n\nQuestion: )",
                    re.MULTILINE | re.DOTALL)


@dataclass
class Reply:
    """What the stand-in model does with one request."""

    text: str = ""
    status: int = 200
    hang: float = 0.0  # seconds to wait before answering (released early when the server stops)
    malformed: bool = False  # stream: send some text, then a broken event, then close
    pieces: list[str] = field(default_factory=list)  # stream chunks; default: the text cut into pieces


def cut(text: str, size: int = 6) -> list[str]:
    """The text as small chunks, the way a model streams tokens."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def user_prompt(body: dict[str, Any]) -> str:
    return next(str(m.get("content", "")) for m in reversed(body["messages"]) if m.get("role") == "user")


def system_prompt(body: dict[str, Any]) -> str:
    return next((str(m.get("content", "")) for m in body["messages"] if m.get("role") == "system"), "")


def sources_in(body: dict[str, Any]) -> list[dict[str, str]]:
    """The numbered sources citebot put into the prompt: number, file, language, location, text."""
    return [{"n": m.group(1), "file": m.group(2), "language": m.group(3), "location": m.group(4),
             "text": m.group(5)} for m in SOURCE.finditer(user_prompt(body))]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # Ollama answers "/" with a liveness line
        self._send(200, b"Ollama is running", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path != self.server.path:
            self._send(404, json.dumps({"error": f"no route {self.path}"}).encode(), "application/json")
            return
        reply = self.server.responder(body)
        if reply.hang and self.server.released.wait(reply.hang):
            self.close_connection = True  # the test is over: drop the request unanswered
            return
        if reply.status != 200:
            self._send(reply.status, self.server.error_body(reply), "application/json")
        elif body.get("stream"):
            self._stream(reply, body)
        else:
            self._send(200, json.dumps(self.server.whole(reply, body)).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", self.server.stream_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pieces = reply.pieces or cut(reply.text)
        if reply.malformed:
            pieces = pieces[: max(1, len(pieces) // 2)]
        for piece in pieces:
            self._chunk(self.server.stream_event(piece, body))
            time.sleep(0.002)
        if reply.malformed:
            self._chunk(self.server.broken_event())
            self.close_connection = True
            self.wfile.write(b"0\r\n\r\n")
            return
        for event in self.server.stream_end(body):
            self._chunk(event)
        self.wfile.write(b"0\r\n\r\n")


class FakeServer(ThreadingHTTPServer):
    """A threaded HTTP server on a free 127.0.0.1 port; use as a context manager."""

    daemon_threads = True
    path = ""
    stream_type = ""

    def __init__(self, responder: Callable[[dict[str, Any]], Reply] | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.responder: Callable[[dict[str, Any]], Reply] = responder or (lambda body: Reply("OK."))
        self.requests: list[dict[str, Any]] = []
        self.released = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, name=type(self).__name__, daemon=True)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (timeout, malformed stream) is expected here; anything else is shown."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        port = self.server_address[1]
        return f"http://127.0.0.1:{port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()  # wakes handlers that are "hanging"
        self.shutdown()
        self.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # wire format, per protocol -----------------------------------------------------------------
    def whole(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def stream_event(self, piece: str, body: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def stream_end(self, body: dict[str, Any]) -> list[bytes]:
        raise NotImplementedError

    def broken_event(self) -> bytes:
        raise NotImplementedError

    def error_body(self, reply: Reply) -> bytes:
        raise NotImplementedError


class FakeOpenAI(FakeServer):
    """The OpenAI chat-completions API, as llama.cpp's llama-server, vLLM and hosted APIs serve it."""

    path = "/v1/chat/completions"
    stream_type = "text/event-stream"

    def whole(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}

    def _event(self, body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> bytes:
        event = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                 "model": body.get("model", ""),
                 "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        return f"data: {json.dumps(event)}\n\n".encode()

    def stream_event(self, piece: str, body: dict[str, Any]) -> bytes:
        return self._event(body, {"content": piece}, None)

    def stream_end(self, body: dict[str, Any]) -> list[bytes]:
        return [self._event(body, {}, "stop"), b"data: [DONE]\n\n"]

    def broken_event(self) -> bytes:
        return b'data: {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "choices": [{"del\n\n'

    def error_body(self, reply: Reply) -> bytes:
        return json.dumps({"error": {"message": "the model crashed", "type": "server_error",
                                     "code": reply.status}}).encode()


class FakeOllama(FakeServer):
    """Ollama's native chat API."""

    path = "/api/chat"
    stream_type = "application/x-ndjson"

    def _message(self, body: dict[str, Any], content: str, done: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"model": body.get("model", ""), "created_at": "2025-01-01T00:00:00.000000Z",
                                "message": {"role": "assistant", "content": content}, "done": done}
        if done:
            data.update(done_reason="stop", total_duration=1000, load_duration=10, prompt_eval_count=100,
                        prompt_eval_duration=100, eval_count=20, eval_duration=500)
        return data

    def whole(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        return self._message(body, reply.text, done=True)

    def stream_event(self, piece: str, body: dict[str, Any]) -> bytes:
        return (json.dumps(self._message(body, piece, done=False)) + "\n").encode()

    def stream_end(self, body: dict[str, Any]) -> list[bytes]:
        return [(json.dumps(self._message(body, "", done=True)) + "\n").encode()]

    def broken_event(self) -> bytes:
        return b'{"model": "fake", "message": {"role": "assistant", "content": "tru\n'

    def error_body(self, reply: Reply) -> bytes:
        return json.dumps({"error": "llama runner process has terminated"}).encode()
