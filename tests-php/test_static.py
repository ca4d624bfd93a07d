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
    out = srv.stdout()
    assert "onRequest /js/app.js" not in out
    assert "onRequest /nope\n" in out
    # the WebSocket side of the same port is unaffected
    with ws_connect(srv.port) as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "hi"
