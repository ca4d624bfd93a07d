#!/usr/bin/env python3
"""Writes the seed corpus under fuzz/corpus/<target>/ from the unit tests' cases.

Run from anywhere: `python3 fuzz/gen_corpus.py`. Files are named by the hash
of their content (as libFuzzer names its own), so re-running is idempotent.
The input formats are documented in fuzz/src/lib.rs:

- frame_message / frame_deflate: 1 config byte (bit 0 require_mask, bits 1-2
  limit 8/125/1000/70000, bits 3-5 read size all/1/2/3/7/16/64/200, bit 6 no
  context takeover), then the bytes a client sends after the handshake.
- http_request: 1 config byte (bits 0-1 header bytes 64/256/1024/8192, 2-3
  header count 1/4/16/64, 4-5 body 0/16/100/4096, 6-7 read size
  all/1/7/64), then the bytes a client sends.
- handshake: 1 mode byte (0: a request follows; 1: a header value follows).
- pack_unpack: opcode byte, flags byte, payload (and the whole input is
  given to unpack() as a frame).
- ipc_decode: 1 mode byte (0: an encoded worker IPC message follows; 1: a
  stream of packets follows, each a length byte then the packet).
- http_response: 1 config byte (bit 0 HEAD request, bits 1-2 body limit
  16/100/4096/1 MiB, bits 3-4 read size 1/7/64/all), then the bytes a server
  sends.
"""
import hashlib
import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame(fin, op, payload, mask=b"\x37\xfa\x21\x3d", rsv=0, long16=False, long64=False):
    b0 = (0x80 if fin else 0) | rsv | op
    mbit = 0x80 if mask is not None else 0
    n = len(payload)
    if long64 or n > 0xFFFF:
        hdr = bytes([b0, mbit | 127]) + n.to_bytes(8, "big")
    elif long16 or n >= 126:
        hdr = bytes([b0, mbit | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, mbit | n])
    if mask is None:
        return hdr + payload
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def cfg(require_mask=True, limit=2, chunk=0, nct=False):
    return bytes([(1 if require_mask else 0) | limit << 1 | chunk << 3 | (0x40 if nct else 0)])


def deflate_msgs(msgs, takeover=False):
    """permessage-deflate payloads (sync flush, trailer removed)."""
    out = []
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    for m in msgs:
        if not takeover:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
        data = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(b"\x00\x00\xff\xff")
        out.append(data[:-4])
    return out


TEXT = "κόσμε-𝄞-€".encode()

# -- frames, no extension ---------------------------------------------------
plain = [
    (cfg(), frame(True, 1, b"Hello")),  # RFC 6455 §5.7 masked Hello
    (cfg(False), frame(True, 1, b"Hello", mask=None)),
    (cfg(), frame(True, 1, b"hello") + frame(True, 2, b"\xff\x00") + frame(True, 1, b"")),
    # fragmented text with interleaved ping and pong, then a close
    (cfg(), frame(False, 1, b"hel") + frame(True, 9, b"p") + frame(False, 0, b"")
     + frame(True, 10, b"") + frame(True, 0, b"lo") + frame(True, 8, b"\x03\xe8done")),
    (cfg(chunk=1), frame(False, 2, b"a") + frame(True, 8, b"\x03\xe8")),
    (cfg(), frame(True, 8, b"")),
    (cfg(), frame(True, 8, b"\x03")),
    (cfg(), frame(True, 8, b"\x03\xed")),
    (cfg(), frame(True, 8, b"\x03\xe8\xc0")),
    (cfg(), frame(True, 9, bytes(125)) + frame(True, 9, bytes(126))),
    (cfg(), frame(False, 9, b"")),
    (cfg(), frame(True, 3, b"") + frame(True, 11, b"")),
    (cfg(), frame(True, 1, b"x", rsv=0x40)),
    (cfg(), frame(True, 1, b"x", rsv=0x20)),
    (cfg(), frame(True, 1, b"x", rsv=0x10)),
    (cfg(), frame(True, 1, b"hi", mask=None)),
    (cfg(), frame(True, 0, b"x")),
    (cfg(), frame(False, 1, b"x") + frame(True, 1, b"x")),
    (cfg(limit=2), frame(True, 2, bytes(300))),  # 16-bit length
    (cfg(limit=2), frame(True, 2, b"abc", long16=True) + frame(True, 2, b"abc", long64=True)),
    (cfg(limit=1), frame(True, 2, bytes(126))),  # over the limit
    (cfg(limit=0), frame(True, 1, b"123456789")),
    (cfg(limit=2), bytes([0x82, 127]) + (2**64 - 1).to_bytes(8, "big")),
    (cfg(limit=2), bytes([0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0])),
    (cfg(limit=2), frame(False, 2, bytes(600)) + frame(False, 0, bytes(400)) + frame(True, 0, bytes(1))),
    (cfg(), frame(True, 1, b"\xff")),
    (cfg(), frame(True, 1, b"\xce")),
    (cfg(), frame(False, 1, b"ok\xffmore")),
    (cfg(), frame(False, 1, b"\xe2\x82") + frame(False, 0, b"(")),
    (cfg(), frame(False, 1, b"\xed\xa0")),
    (cfg(), frame(False, 1, b"\xf4\x90")),
    (cfg(), frame(False, 1, b"a\xf0\x9d") + frame(True, 0, b"\x84")),
    (cfg(chunk=2), frame(False, 1, b"") + b"".join(frame(False, 0, bytes([b])) for b in TEXT)
     + frame(True, 0, b"")),
    (cfg(chunk=6), frame(True, 9, b"ping") + frame(True, 1, TEXT) + frame(True, 8, b"\x03\xe8bye")),
]
for cut in (1, 3, 7, len(TEXT) - 1):
    plain.append((cfg(chunk=cut % 8), frame(False, 1, TEXT[:cut]) + frame(True, 0, TEXT[cut:])))
for c, stream in plain:
    write("frame_message", c + stream)

# -- frames with permessage-deflate ------------------------------------------
R = 0x40
hello = deflate_msgs([b"hello"])[0]
assert hello == bytes([0xCA, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
deflated = [
    (cfg(), frame(True, 1, hello, rsv=R)),
    (cfg(False), frame(True, 1, hello, mask=None, rsv=R)),
    # RFC 7692 §7.2.3.1-2: Hello, then Hello again through the shared window
    (cfg(False), frame(True, 1, bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]), mask=None, rsv=R)
     + frame(True, 1, bytes([0xF2, 0x00, 0x11, 0x00, 0x00]), mask=None, rsv=R)),
    # §7.2.3.3 stored block; §7.2.3.5 BFINAL set, then another message
    (cfg(False, nct=True), frame(True, 1, bytes([0x00, 0x05, 0x00, 0xFA, 0xFF]) + b"Hello\x00",
                                 mask=None, rsv=R)),
    (cfg(False), frame(True, 1, bytes([0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0x00]), mask=None, rsv=R)
     + frame(True, 1, bytes([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]), mask=None, rsv=R)),
    (cfg(False), frame(True, 1, b"", mask=None, rsv=R) + frame(True, 1, b"\x00", mask=None, rsv=R)),
    # corrupt data, invalid UTF-8 inside compressed text
    (cfg(False), frame(True, 2, b"\xff\xff\xff", mask=None, rsv=R)),
    (cfg(False), frame(True, 1, deflate_msgs([b"ok\xff"])[0], mask=None, rsv=R)),
    # plain and compressed messages mixed, control frames in between
    (cfg(), frame(True, 1, b"plain") + frame(True, 9, b"") + frame(True, 1, hello, rsv=R)
     + frame(True, 2, b"\x00\x01")),
    # RSV1 on a continuation and on a control frame
    (cfg(False), frame(False, 1, b"x", mask=None) + frame(True, 0, b"x", mask=None, rsv=R)),
    (cfg(False), frame(True, 9, b"", mask=None, rsv=R)),
]
msgs = [b"hello", b"hello", b"", "grüße".encode(), TEXT * 3]
for nct in (False, True):
    comp = deflate_msgs(msgs, takeover=not nct)
    deflated.append((cfg(False, nct=nct), b"".join(frame(True, 1, c, mask=None, rsv=R) for c in comp)))
    deflated.append((cfg(True, nct=nct, chunk=4), b"".join(frame(True, 1, c, rsv=R) for c in comp)))
body = ("ab€" * 100).encode()
c = deflate_msgs([body])[0]
for cut in (0, 1, len(c) // 2, len(c)):
    deflated.append((cfg(False, nct=True), frame(False, 1, c[:cut], mask=None, rsv=R)
                     + frame(True, 0, c[cut:], mask=None)))
third = len(c) // 3
deflated.append((cfg(True, chunk=3), frame(False, 1, c[:third], rsv=R) + frame(True, 10, b"pong")
                 + frame(False, 0, c[third:2 * third]) + frame(True, 0, c[2 * third:])))
bomb = deflate_msgs([b"a" * 100_000])[0]
deflated.append((cfg(False, limit=2), frame(True, 2, bomb, mask=None, rsv=R)))
deflated.append((cfg(False, limit=0), frame(True, 1, deflate_msgs([b"123456789"])[0], mask=None, rsv=R)))
big = bytes((k % 251) ^ 7 for k in range(2000))
deflated.append((cfg(False, limit=3), frame(True, 2, deflate_msgs([big])[0], mask=None, rsv=R)))
for c_, stream in deflated:
    write("frame_deflate", c_ + stream)

# -- HTTP requests ------------------------------------------------------------
BIG = 0x3F  # 8192 header bytes, 64 headers, 4096 body, one read
CHUNKED = (b"POST /up HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
           b"5;ext=1\r\nhello\r\n6\r\n world\r\na\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n")
MULTIPART_BODY = (b"preamble\r\n--XyZ\r\n"
                  b"Content-Disposition: form-data; name=\"field\"\r\n\r\n"
                  b"value one\r\n--XyZ\r\n"
                  b"Content-Disposition: form-data; name=\"upload\"; filename=\"a;b \\\"c\\\".txt\"\r\n"
                  b"Content-Type: text/plain\r\n\r\n"
                  b"line1\r\nline2 --XyZ not a boundary\r\n\r\n--XyZ\r\n"
                  b"Content-Disposition: form-data; name=\"f[]\"; filename*=UTF-8''%e2%82%ac.txt\r\n\r\n"
                  b"x\r\n--XyZ\r\n"
                  b"Content-Disposition: attachment; name=\"skipped\"\r\n\r\n"
                  b"x\r\n--XyZ\r\n"
                  b"Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
                  b"\r\n--XyZ--\r\nepilogue")
MULTIPART = (b"POST /upload HTTP/1.1\r\nHost: localhost:9501\r\n"
             b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
             b"Content-Length: " + str(len(MULTIPART_BODY)).encode() + b"\r\n\r\n" + MULTIPART_BODY)
UPGRADE = (b"GET /chat?room=1 HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
           b"Sec-WebSocket-Version: 13\r\n"
           b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n")
requests = [
    b"GET /chat?a=1&b=two HTTP/1.1\r\nHost: x\r\nX-Custom-Header:  v  \r\nX-Dup: one\r\nx-dup: two\r\nEmpty:\r\n\r\n",
    b"GET http://example.com/p?q=1#frag HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    b"GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n",
    b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x85abcd",
    b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nab",
    b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    CHUNKED,
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY",
    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a trailer\r\n\r\n",
    b"NOT HTTP AT ALL\r\n",
    b"GET / HTTP/2.0\r\n\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\n",
    b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
    b"\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
    b"\nGET /y HTTP/1.1\n\n",
    b"GET /1?x=y HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\n\r\n" b"POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
    + CHUNKED + b"GET /4 HTTP/1.0\r\n\r\n",
    b"POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nab",
    b"POST /u HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
    b"GET / HTTP/1.1\r\nCookie: c1=v1; c2=hello%20world\r\nCookie: c3=\"quoted\";  c4=a=b; bad; =x;c5=\r\n\r\n",
    MULTIPART,
    UPGRADE,
]
for r in requests:
    write("http_request", bytes([BIG]) + r)
for sel in (0x7F, 0xBF, 0xFF):  # the same streams, read 1, 7 and 64 bytes at a time
    for r in (CHUNKED, MULTIPART, requests[22], requests[23]):
        write("http_request", bytes([sel]) + r)
write("http_request", bytes([0x25]) + requests[0])  # small limits
write("http_request", bytes([0x00]) + requests[4])

# -- handshake ----------------------------------------------------------------
FIREFOX = (b"GET /ws HTTP/1.1\r\nHost: localhost:9501\r\nUser-Agent: Mozilla/5.0\r\n"
           b"Accept: */*\r\nSec-WebSocket-Version: 13\r\nOrigin: http://localhost:9501\r\n"
           b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
           b"Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\nConnection: keep-alive, Upgrade\r\n"
           b"Pragma: no-cache\r\nUpgrade: websocket\r\n\r\n")
handshakes = [
    UPGRADE,
    FIREFOX,
    b"GET / HTTP/1.1\r\nUpgrade: abc, WebSocket\r\n\r\n",
    b"GET / HTTP/1.1\r\nUpgrade: h2c\r\nUpgrade: websocket\r\n\r\n",
    b"GET / HTTP/1.1\r\nSec-WebSocket-Key:   dGhlIHNhbXBsZSBub25jZQ==  \r\nUpgrade: websocket\r\n\r\n",
    b"GET / HTTP/1.1\r\nSec-WebSocket-Key: short\r\nUpgrade: websocket\r\n\r\n",
    b"GET / HTTP/1.1\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Protocol: foo,,\r\n\r\n",
    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Extensions: x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=7, "
    b"Permessage-Deflate; server_no_context_takeover; client_no_context_takeover; "
    b"server_max_window_bits=\"10\"; client_max_window_bits=9\r\n\r\n",
]
for h in handshakes:
    write("handshake", b"\x00" + h)
values = [
    b"websocket",
    b"permessage-deflate",
    b"permessage-deflate; client_max_window_bits",
    b"permessage-deflate; client_max_window_bits=15; server_max_window_bits=8",
    b"permessage-deflate; server_max_window_bits=08",
    b"permessage-deflate; client_no_context_takeover; client_no_context_takeover",
    b"x-foo, permessage-deflate;client_max_window_bits",
    b"chat, superchat",
    b"dGhlIHNhbXBsZSBub25jZQ==",
]
for v in values:
    write("handshake", b"\x01" + v)

# -- pack / unpack -----------------------------------------------------------
packs = [
    bytes([1, 1]) + b"hello",
    bytes([1, 1 | 2 | 32]) + b"hello hello hello",
    bytes([2, 1 | 32]) + bytes(range(200)),
    bytes([8, 1]) + b"bye",
    bytes([8, 2]) + b"compressed close reason",
    bytes([9, 0]),
    bytes([10, 4]) + b"rsv1 only",
    bytes([11, 1]) + b"opcode too large",
    bytes([0, 0]) + b"continuation",
    # real frames, for unpack()
    bytes([0xC1, 0x07]) + hello,
    frame(True, 1, b"Hello"),
    frame(True, 8, b"\x03\xe8", mask=None),
    frame(True, 8, b"\x03\xe8normal", mask=b"258E"),
    frame(True, 2, bytes(130), mask=None),
    frame(True, 2, b"abc", mask=None, long64=True),
    bytes([0x81, 0x05, 0x68]),
    bytes([0xC2, 0x03, 0xFF, 0xFF, 0xFF]),
]
for p in packs:
    write("pack_unpack", p)

# -- worker IPC messages ------------------------------------------------------
# The encoding of src/worker/ipc/codec.rs (Message::encode): a kind byte, then
# i64 little-endian numbers, byte strings as a u64 length and the bytes, flags
# as one byte 0/1.


def i64(v):
    return v.to_bytes(8, "little", signed=True)


def bstr(b):
    return len(b).to_bytes(8, "little") + b


def addr(a):
    if len(a[0]) == 4:
        return b"\x04" + bytes(a[0]) + a[1].to_bytes(2, "little")
    return b"\x06" + bytes(a[0]) + a[2].to_bytes(4, "little") + a[1].to_bytes(2, "little")


def info(peer, local, deflate=None):
    out = addr(peer) + addr(local) + i64(12) + i64(3) + b"\x03"
    if deflate is None:
        return out + b"\x00"
    return out + b"\x01" + bytes(deflate)


def request(query=b"x=1", body=b"", chunked=0):
    out = bstr(b"GET") + bstr(b"/chat?x=1") + bstr(b"/chat")
    out += b"\x01" + bstr(query) if query is not None else b"\x00"
    headers = [(b"host", b"localhost"), (b"upgrade", b"websocket"), (b"x", b"\xff")]
    out += b"\x01" + i64(len(headers))
    for n, v in headers:
        out += bstr(n) + bstr(v)
    return out + bstr(body) + bytes([chunked])


V4 = ((127, 0, 0, 1), 9501)
V6 = (bytes(15) + b"\x01", 5000, 0)
PEER = info(V6, V4, deflate=(1, 1, 15, 12))
PLAIN = info(V4, V4)
ipc_msgs = [
    b"\x01" + i64(7) + i64(1) + i64(3) + bstr(b"hello") + b"\x00",  # Push
    b"\x01" + i64(8) + i64(8) + i64(1) + bstr(b"") + b"\x01" + i64(4000) + bstr(b"bye"),
    b"\x02" + i64(1) + bstr(b"raw bytes"),  # Send
    b"\x03" + i64(9),  # Close
    b"\x04" + i64(2) + i64(1000) + bstr(b"reason"),  # Disconnect
    b"\x05\x01" + bstr(b"s:3:\"abc\";"),  # Pipe
    b"\x06" + i64(5) + b"\x01\x00" + bstr(b"task"),  # Task
    b"\x07" + i64(5) + b"\x00" + bstr(b"done"),  # Finish
    b"\x08" + i64(9) + PEER + b"\x01",  # Relay Connect
    b"\x08" + i64(9) + PLAIN + b"\x02" + request(body=b"a=1&b=2", chunked=1),  # Request
    b"\x08" + i64(9) + PLAIN + b"\x03" + request(query=None),  # Handshake
    b"\x08" + i64(9) + PEER + b"\x04" + request(),  # Open
    b"\x08" + i64(9) + PEER + b"\x05\x01\x01\x21" + bstr("κόσμε".encode()),  # Message
    b"\x08" + i64(9) + PEER + b"\x05\x02" + bstr(b"ping"),
    b"\x08" + i64(9) + PEER + b"\x05\x03" + bstr(b""),
    b"\x08" + i64(9) + PEER + b"\x05\x04\x01" + i64(4000) + bstr(b"bye") + bstr(b"\x0f\xa0bye"),
    b"\x08" + i64(9) + PEER + b"\x05\x04\x00" + bstr(b"") + bstr(b""),
    b"\x08" + i64(9) + PLAIN + b"\x06" + i64(-1) + b"\x01",  # Relay Close
    b"\x09" + i64(3) + b"\x03",  # ResponseDone
    b"\x0a" + bstr(b"\x81\x01x") + i64(2) + i64(3) + i64(9),  # Broadcast
    b"\x0b" + bstr(b"\x81\x01y") + i64(3) + i64(1) + i64(2) + i64(7),  # Multicast
]
for m in ipc_msgs:
    write("ipc_decode", b"\x00" + m)


def packet(sender, flags, body):
    p = sender.to_bytes(4, "little") + bytes([flags, 0, 0, 0]) + body
    assert len(p) < 256
    return bytes([len(p)]) + p


# packet streams: whole messages; one cut in three chunks with another
# sender's message in between; a batch; a stray continuation
first, mid, last = ipc_msgs[0][:10], ipc_msgs[0][10:20], ipc_msgs[0][20:]
streams = [
    packet(1, 1 | 2, ipc_msgs[2]) + packet(2, 1 | 2, ipc_msgs[8]),
    packet(1, 1, first) + packet(2, 1 | 2, ipc_msgs[3]) + packet(1, 0, mid) + packet(1, 2, last),
    packet(7, 1 | 2 | 4, b"".join(len(m).to_bytes(4, "little") + m for m in ipc_msgs[2:6])),
    packet(3, 0, b"stray") + packet(3, 2, b"x") + packet(3, 1 | 2, ipc_msgs[18]),
]
for s in streams:
    write("ipc_decode", b"\x01" + s)

# responses as the coroutine HTTP client reads them: a length body, a
# chunked one with trailers, a body until close, HEAD, 1xx, gzip, garbage
gz = zlib.compressobj(wbits=31)
gzipped = gz.compress(b"zipped body") + gz.flush()
responses = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: a=1%202\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(gzipped) + gzipped,
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    b"XTTP/1.1 200 OK\r\n\r\n",
]
for i, r in enumerate(responses):
    write("http_response", bytes([(i * 5) & 0x1f]) + r)
write("http_response", bytes([0x06]) + responses[0] + responses[1] + responses[3])
write("http_response", bytes([0x01]) + b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")

for t in sorted(os.listdir(CORPUS)):
    files = os.listdir(os.path.join(CORPUS, t))
    size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
    print(f"{t}: {len(files)} files, {size} bytes")
