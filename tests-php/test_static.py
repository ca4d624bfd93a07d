"""enable_static_handler / document_root and Response::sendfile()."""

from swtest import RawClient, ws_connect


def test_static_files_bypass_on_request(php_server):
    srv = php_server("static.php")
    with RawClient(srv.port) as c:
        r = c.request("GET", "/js/app.js")
        assert r.status == 200, r.raw
        assert r.header("Content-Type") == "application/javascript"
        assert r.body == b"console.log(1);"
        r = c.request("GET", "/")
        assert r.body == b"<h1>static index</h1>"
        assert r.header("Content-Type") == "text/html"
        r = c.request("GET", "/nope")
        assert r.body == b"dynamic /nope"
        r = c.request("GET", "/../../etc/passwd")
        assert r.body.startswith(b"dynamic"), r.raw
        r = c.request("GET", "/send")
        assert r.header("Content-Type") == "text/css"
        assert r.body == b"body{}"
        # swoole_mime_type_add() before start(): the workers serve with it
        r = c.request("GET", "/test.moc")
        assert (r.header("Content-Type"), r.body) == ("application/x-mocha", b"mocha")
    out = srv.stdout()
    assert out.startswith("bool(true)\nbool(false)\n"), out
    assert "onRequest /js/app.js" not in out
    assert "onRequest /nope\n" in out
    # the WebSocket side of the same port is unaffected
    with ws_connect(srv.port) as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "hi"


def test_ranges_and_conditional_requests_as_swoole(php_server):
    """Swoole's static handler: 206 for one range (Content-Range), a
    multipart/byteranges body for several, the whole file for a range past
    the end or not in bytes, 416 for one it cannot read, 304 for
    If-Modified-Since, and If-Range with another date gets the whole file.
    The head's fields come in Swoole's order."""
    srv = php_server("static.php")

    class OnePerRequest:
        """A connection per request: Swoole closes one after a static file
        (we keep it open, as HTTP/1.1 allows)."""

        def request(self, *a, **kw):
            with RawClient(srv.port) as conn:
                return conn.request(*a, **kw)

    c = OnePerRequest()
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=0-6")])
    assert r.status == 206, r.raw
    assert r.header("Content-Range") == "bytes 0-6/15" and r.body == b"console"
    assert r.header_names[:4] == ["Connection", "Content-Length", "Content-Type", "Content-Range"]
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=-3")])
    assert (r.status, r.body) == (206, b"1);")
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=0-0, 8-10")])
    assert r.status == 206
    ctype = r.header("Content-Type")
    assert ctype.startswith("multipart/byteranges; boundary=SwooleBoundary"), ctype
    b = ctype.split("boundary=")[1]
    assert r.body == (
        f"--{b}\r\nContent-Type: application/javascript\r\nContent-Range: bytes 0-0/15\r\n\r\nc"
        f"\r\n--{b}\r\nContent-Type: application/javascript\r\nContent-Range: bytes 8-10/15\r\n\r\nlog"
        f"\r\n--{b}--\r\n"
    ).encode()
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=100-200")])
    assert (r.status, r.body, r.header("Accept-Ranges")) == (200, b"console.log(1);", "bytes")
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=abc")])
    assert (r.status, r.body) == (416, b"")
    last_modified = r.header("Last-Modified")
    r = c.request("GET", "/js/app.js", headers=[("If-Modified-Since", last_modified)])
    assert (r.status, r.body) == (304, b""), r.raw
    r = c.request("GET", "/js/app.js", headers=[("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT")])
    assert r.status == 200
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=0-6"), ("If-Range", last_modified)])
    assert r.status == 206
    r = c.request("GET", "/js/app.js", headers=[("Range", "bytes=0-6"), ("If-Range", "Sat, 01 Jan 2000 00:00:00 GMT")])
    assert (r.status, r.body) == (200, b"console.log(1);")


def test_mime_type_functions(php):
    """swoole_mime_type_get/exists/set/delete/list as Swoole's: by the
    file name's extension, any case; an unknown one is
    application/octet-stream."""
    res = php(code="""<?php
var_dump(swoole_mime_type_get('/a/b/Index.HTML'), swoole_get_mime_type('x.css'));
var_dump(swoole_mime_type_get('noext.zzz'), swoole_mime_type_exists('a.zzz'), swoole_mime_type_exists('a.png'));
swoole_mime_type_set('zzz', 'application/x-zzz');
var_dump(swoole_mime_type_get('f.zzz'), in_array('application/x-zzz', swoole_mime_type_list()));
var_dump(swoole_mime_type_delete('zzz'), swoole_mime_type_delete('zzz'), swoole_mime_type_exists('f.zzz'));
var_dump(swoole_mime_type_delete('png'), swoole_mime_type_get('a.png'));
""")
    assert res.stdout == (
        'string(9) "text/html"\nstring(8) "text/css"\n'
        'string(24) "application/octet-stream"\nbool(false)\nbool(true)\n'
        'string(17) "application/x-zzz"\nbool(true)\n'
        'bool(true)\nbool(false)\nbool(false)\n'
        'bool(true)\nstring(24) "application/octet-stream"\n'
    ), res.stdout
