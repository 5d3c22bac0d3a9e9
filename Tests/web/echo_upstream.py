"""A stand-in upstream for the nginx config's own tests: echoes the request, streams /live on demand."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = ("<!doctype html><html lang=en><head><meta charset=utf-8><title>Stand-in</title></head><body>"
        "<main><h1>Stand-in upstream</h1>" + "<p>The letter would be here.</p>" * 100 + "</main></body></html>")


class EchoUpstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.second_event = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.server_address[1]

    def stop(self):
        self.second_event.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, content_type, body):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/echo":
            seen = {"headers": {k.lower(): v for k, v in self.headers.items()}, "version": self.request_version}
            self.send_body("application/json", json.dumps(seen).encode())
        elif self.path == "/live":
            # One event now, the second only once the test has read the first: a proxy that buffers
            # would hold the first back and the test would wait in vain.
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"retry: 1000\ndata: first\n\n")
            self.wfile.flush()
            self.server.second_event.wait(60)
            self.wfile.write(b"data: second\n\n")
            self.wfile.flush()
            self.close_connection = True
        elif self.path == "/style.css":
            self.send_body("text/css", b"body { font-family: sans-serif; }\n" * 40)
        else:
            self.send_body("text/html; charset=utf-8", PAGE.encode())
