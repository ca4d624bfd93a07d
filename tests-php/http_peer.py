"""A scripted HTTP/1.1 server for the coroutine HTTP client scripts: each
path answers in one way Swoole's client must handle (see ROUTES). Every
connection's requests are also recorded (``peer.requests``), and
``/echo`` answers with the request it got, bytes as they came.

Run alone (``python3 http_peer.py``) it prints its port and serves until
killed: that is how the .expect files were captured against Swoole."""

import gzip
import socket
import sys
import threading
import time
import zlib


def response(body=b"", status="200 OK", headers=()):
    head = [f"HTTP/1.1 {status}"] + list(headers)
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def chunked(parts, trailers=b""):
    out = b""
    for p in parts:
        out += f"{len(p):x}\r\n".encode() + p + b"\r\n"
    return out + b"0\r\n" + trailers + b"\r\n"


class HttpPeer:
    def __init__(self, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.sock.close()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _read_request(self, c, buf):
        while b"\r\n\r\n" not in buf:
            d = c.recv(65536)
            if not d:
                return None, buf
            buf += d
        head, rest = buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip() or 0)
        while len(rest) < length:
            d = c.recv(65536)
            if not d:
                break
            rest += d
        return head + b"\r\n\r\n" + rest[:length], rest[length:]

    def _serve(self, c):
        buf = b""
        with c:
            while True:
                try:
                    req, buf = self._read_request(c, buf)
                except OSError:
                    return
                if req is None:
                    return
                self.requests.append(req)
                line = req.split(b"\r\n", 1)[0].decode(errors="replace")
                method, path = line.split(" ")[:2]
                if not self.answer(c, method, path, req):
                    return

    def answer(self, c, method, path, req):
        """Writes the answer; False ends the connection."""
        if path == "/echo":
            c.sendall(response(req))
        elif path == "/chunked":
            c.sendall(response(headers=["Transfer-Encoding: chunked"])
                      + chunked([b"hello", b" ", b"world"]))
        elif path == "/trickle":
            # a byte every 50 ms of a 1000-byte body, until the client leaves
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            try:
                for _ in range(1000):
                    time.sleep(0.05)
                    c.sendall(b"a")
            except OSError:
                pass
            return False
        elif path == "/trailer":
            c.sendall(response(headers=["Transfer-Encoding: chunked", "Trailer: Content-MD5, X-Trail"])
                      + chunked([b"hello world"], b"Content-MD5: 5eb63bbbe01eeed093cb22bb8f5acdc3\r\n"
                                                  b"X-Trail:  spaced \r\n"))
        elif path == "/gzip":
            c.sendall(response(gzip.compress(b"zipped body"), headers=["Content-Encoding: gzip"]))
        elif path == "/deflate":
            c.sendall(response(zlib.compress(b"deflated body"), headers=["Content-Encoding: deflate"]))
        elif path == "/cookies":
            c.sendall(response(b"c", headers=["Set-Cookie: a=1%202; path=/", "Set-Cookie: b=2",
                                              "X-Dup: one", "x-dup: two"]))
        elif path == "/close":
            c.sendall(response(b"bye", headers=["Connection: close"]))
            return False
        elif path == "/split":
            for part in [b"HTTP/1.1 200 OK\r\nContent-", b"Length: 5\r\n\r\nhe", b"llo"]:
                c.sendall(part)
                time.sleep(0.02)
        elif path == "/slow":
            time.sleep(1)
            c.sendall(response(b"late"))
        elif path == "/drop":
            return False
        elif path == "/garbage":
            c.sendall(b"XTTP/1.1 200 OK\r\n\r\n")
            return False
        elif path == "/missing":
            c.sendall(response(b"no such page", status="404 Not Found"))
        elif path == "/noclen":
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close")
            return False
        elif path == "/head":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        elif path == "/nocontent":
            c.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif path == "/big":
            c.sendall(response(b"x" * 300000))
        else:
            c.sendall(response(f"{method} {path}".encode()))
        return True


if __name__ == "__main__":
    peer = HttpPeer(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(peer.port, flush=True)
    while True:
        time.sleep(3600)
