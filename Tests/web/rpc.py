"""A JSON-RPC 2.0 line client for campaignd's Unix sockets (one request, one reply line)."""
import itertools
import json
import socket


class RPCError(Exception):
    def __init__(self, error):
        super().__init__("%s %s %s" % (error.get("code"), error.get("message"), error.get("data")))
        self.code = error.get("code")
        self.data = error.get("data")


class LineClient:
    """One connection; `call` sends a request and returns its result, skipping notifications."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        self.ids = itertools.count(1)

    def call(self, method, params=None):
        request = {"jsonrpc": "2.0", "id": next(self.ids), "method": method}
        if params is not None:
            request["params"] = params
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            line = self.reader.readline()
            if not line:
                raise ConnectionError("campaignd closed the connection during %s" % method)
            reply = json.loads(line)
            if reply.get("id") != request["id"]:
                continue  # a notification, e.g. campaign.changed
            if "error" in reply:
                raise RPCError(reply["error"])
            return reply["result"]

    def close(self):
        self.reader.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def call(path, method, params=None):
    """One call on a connection of its own."""
    with LineClient(path) as client:
        return client.call(method, params)
