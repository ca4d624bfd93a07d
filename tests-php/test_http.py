"""onRequest on the WebSocket port: Swoole\\Http\\Request and Swoole\\Http\\Response."""

import re

import pytest

from swtest import DATE_RE, RawClient, check_http_date, ws_connect

OK_FD_RESPONSE = re.compile(
    rb"HTTP/1\.1 200 OK\r\n"
    rb"Server: swoole-http-server\r\n"
    rb"Date: (" + DATE_RE + rb")\r\n"
    rb"Connection: keep-alive\r\n"
    rb"Content-Type: text/html\r\n"
    rb"Content-Length: (\d+)\r\n"
    rb"\r\n"
    rb"fd=(\d+)"
)


@pytest.fixture
def http_server(php_server):
    return php_server("http.php")


def test_response_bytes_and_keep_alive(http_server):
    with RawClient(http_server.port) as c:
        for _ in range(2):  # two requests on one TCP connection
            r = c.request("GET", "/fd")
            m = OK_FD_RESPONSE.fullmatch(r.raw)
            assert m, r.raw
            check_http_date(m.group(1))
            assert m.group(3) == b"1"
            assert int(m.group(2)) == len(b"fd=1")
    assert http_server.count("request fd=1 method=GET uri=/fd\n") == 2


def test_pipelined_requests_answered_in_order(http_server):
    with RawClient(http_server.port) as c:
        c.send(b"GET /fd HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response().body == b"fd=1"
        r = c.read_response()
        assert r.status == 404 and r.body == b"not found"


def test_http_1_0_closes_after_response(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/fd", version="HTTP/1.0", host=None)
        assert r.status == 200 and r.body == b"fd=1"
        assert r.header("Connection") == "close"
        assert c.expect_eof(5) == b""


def test_websocket_and_http_share_the_port(http_server):
    with ws_connect(http_server.port) as ws:
        with RawClient(http_server.port) as c:
            assert c.request("GET", "/fd").body == b"fd=2"
            ws.send("both")
            assert ws.recv(timeout=5) == "both"
            assert c.request("GET", "/fd").body == b"fd=2"


def test_get_and_cookie(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/dump?a=1&b[]=2&b[]=3&s=hello%20world", [("Cookie", "k=v; sp=a%20b")])
        assert r.body == b"dumped"
    http_server.wait_for("dump end\n")
    out = http_server.stdout()
    assert (
        'get: array(3) {\n  ["a"]=>\n  string(1) "1"\n  ["b"]=>\n  array(2) {\n    [0]=>\n'
        '    string(1) "2"\n    [1]=>\n    string(1) "3"\n  }\n  ["s"]=>\n  string(11) "hello world"\n}\n'
    ) in out
    assert "post: NULL\n" in out
    assert 'cookie: array(2) {\n  ["k"]=>\n  string(1) "v"\n  ["sp"]=>\n  string(3) "a b"\n}\n' in out
    assert 'getMethod: string(3) "GET"\n' in out
    assert "files: NULL\n" in out


def test_cookies_parsed_as_php_and_swoole_parse_them(http_server):
    """PHP's own cookie rules, as Swoole applies them: names get PHP's
    variable-name rules (a.b -> a_b, arr[x] -> an array), values are
    raw-url-decoded (a + stays: base64 values arrive whole) and keep their
    quotes, a pair without "=" is an empty cookie, the first of two same
    names stays."""
    cookie = ('a.b=1; tok=x+y/z==; e%20f=%41;  HttpOnly; q="quoted"; arr[x]=1; sp ace=3; '
              '=novar; last; tok=second')
    with RawClient(http_server.port) as c:
        assert c.request("GET", "/dump", [("Cookie", cookie)]).body == b"dumped"
    http_server.wait_for("dump end\n")
    out = http_server.stdout()
    want = (
        'cookie: array(8) {\n  ["a_b"]=>\n  string(1) "1"\n  ["tok"]=>\n  string(7) "x+y/z=="\n'
        '  ["e%20f"]=>\n  string(1) "A"\n  ["HttpOnly"]=>\n  string(0) ""\n'
        '  ["q"]=>\n  string(8) "\"quoted\""\n  ["arr"]=>\n  array(1) {\n    ["x"]=>\n    string(1) "1"\n  }\n'
        '  ["sp_ace"]=>\n  string(1) "3"\n  ["last"]=>\n  string(0) ""\n}\n'
    )
    assert want in out, out


def test_post_urlencoded(http_server):
    body = "a=1&b%5B%5D=2&c=hello+world"
    with RawClient(http_server.port) as c:
        r = c.request("POST", "/dump", [("Content-Type", "application/x-www-form-urlencoded")], body)
        assert r.body == b"dumped"
    http_server.wait_for("dump end\n")
    out = http_server.stdout()
    assert "get: NULL\n" in out
    assert (
        'post: array(3) {\n  ["a"]=>\n  string(1) "1"\n  ["b"]=>\n  array(1) {\n    [0]=>\n'
        '    string(1) "2"\n  }\n  ["c"]=>\n  string(11) "hello world"\n}\n'
    ) in out
    assert f'rawContent: string({len(body)}) "{body}"\n' in out
    assert f'getContent: string({len(body)}) "{body}"\n' in out
    assert 'getMethod: string(4) "POST"\n' in out
    assert 'content-type: string(33) "application/x-www-form-urlencoded"\n' in out


def test_post_json_raw_content(http_server):
    body = '{"k":[1,2,3],"s":"x"}'
    with RawClient(http_server.port) as c:
        r = c.request("POST", "/dump", [("Content-Type", "application/json")], body)
        assert r.body == b"dumped"
    http_server.wait_for("dump end\n")
    out = http_server.stdout()
    assert "post: NULL\n" in out
    assert f'rawContent: string({len(body)}) "{body}"\n' in out


def test_post_multipart_with_file(http_server):
    boundary = "----swtestboundary7MA4YWxk"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="field1"\r\n\r\n'
        "value1\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="upload"; filename="hello.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
        "file content\n\r\n"
        f"--{boundary}--\r\n"
    )
    with RawClient(http_server.port) as c:
        r = c.request("POST", "/dump", [("Content-Type", f"multipart/form-data; boundary={boundary}")], body)
        assert r.body == b"dumped"
    http_server.wait_for("dump end\n")
    out = http_server.stdout()
    assert 'post: array(1) {\n  ["field1"]=>\n  string(6) "value1"\n}\n' in out
    assert (
        'files: array(1) {\n  ["upload"]=>\n  array(5) {\n    ["name"]=>\n    string(9) "hello.txt"\n'
        '    ["type"]=>\n    string(10) "text/plain"\n    ["error"]=>\n    int(0)\n'
        '    ["size"]=>\n    int(13)\n    ["content"]=>\n    string(13) "file content\n"\n  }\n}\n'
    ) in out


@pytest.mark.parametrize(
    "query,status_line",
    [
        ("code=404", "HTTP/1.1 404 Not Found"),
        ("code=500", "HTTP/1.1 500 Internal Server Error"),
        ("code=299&reason=Custom", "HTTP/1.1 299 Custom"),
        ("code=201", "HTTP/1.1 201 Created"),
    ],
)
def test_status(http_server, query, status_line):
    with RawClient(http_server.port) as c:
        r = c.request("GET", f"/status?{query}")
    assert r.head.split(b"\r\n", 1)[0].decode() == status_line
    assert r.body == b"status"


def test_headers(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/header")
    assert r.status == 200 and r.body == b"header"
    assert ("X-Custom", "yes") in r.headers
    assert r.header_all("Content-Type") == ["text/plain"]
    assert "Content-Type" in r.header_names  # "content-type" is formatted
    assert r.header("Server") == "swoole-http-server"
    assert r.header("Content-Length") == "6"


def test_cookies(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/cookie")
    cookies = r.header_all("Set-Cookie")
    assert len(cookies) == 2, r.head
    assert re.match(r"sid=abc(;|$)", cookies[0]), cookies
    assert re.match(r"theme=dark(;|$)", cookies[1]), cookies
    assert "path=/app" in cookies[1].lower()
    assert "httponly" in cookies[1].lower()
    assert "httponly" not in cookies[0].lower()


def test_chunked_write(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/write")
        assert r.status == 200
        assert r.header("Transfer-Encoding") == "chunked"
        assert r.header("Content-Length") is None
        assert r.raw_body == b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"
        assert r.body == b"hello world"
        # the connection is still usable afterwards
        assert c.request("GET", "/fd").body == b"fd=1"
        # the script's Content-Length cannot stand beside chunked (RFC 9112 6.3)
        r = c.request("GET", "/write?length=100")
        assert r.header("Transfer-Encoding") == "chunked"
        assert r.header("Content-Length") is None, r.head
        assert r.body == b"hello world"
    http_server.wait_for("WARNING\tContext::build_header() (ERRNO 7105): You have set 'Transfer-Encoding', "
                         "'Content-Length' will be ignored\n")


def test_an_empty_value_takes_a_server_written_header_away(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/header?empty=1")
    assert r.header("Server") is None, r.head
    assert r.header("X-Empty") == "", r.head
    assert r.header("Date") and r.header("Content-Length") == "6"


def test_header_list_one_line_per_item(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/header?list=1")
    assert r.header_all("X-List") == ["a", "b", "5", "1.5"], r.head


@pytest.mark.parametrize("query,code,reason", [("", 302, "Found"), ("?code=301", 301, "Moved Permanently")])
def test_redirect(http_server, query, code, reason):
    with RawClient(http_server.port) as c:
        r = c.request("GET", f"/redirect{query}")
    assert (r.status, r.reason) == (code, reason)
    assert r.header("Location") == "/target"


def test_empty_end(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/empty")
    assert r.status == 200
    assert r.header("Content-Length") == "0"
    assert r.body == b""


@pytest.mark.parametrize("path, status", [("/no-end", 500), ("/no-end-404", 404)])
def test_response_left_unfinished_is_ended_for_the_script(http_server, path, status):
    """A Response the callback neither ended nor kept is ended as Swoole ends it
    when the object is destroyed: with the status set, else 500; the
    connection stays usable."""
    with RawClient(http_server.port) as c:
        r = c.request("GET", path)
        assert r.status == status, r.raw
        assert r.body == b""
        r = c.request("GET", "/fd")
        assert r.status == 200, r.raw


def test_response_ended_later_from_a_timer(http_server):
    with RawClient(http_server.port) as c:
        r = c.request("GET", "/later")
        assert r.status == 200, r.raw
        assert r.body == b"later"
        r = c.request("GET", "/fd")
        assert r.body == b"fd=1"


def test_broadcast_from_http_request(http_server):
    with ws_connect(http_server.port) as a, ws_connect(http_server.port) as b:
        with RawClient(http_server.port) as c:
            r = c.request("GET", "/broadcast?message=hi%20all")
            assert r.body == b"sent=2"
        assert a.recv(timeout=5) == "hi all"
        assert b.recv(timeout=5) == "hi all"


def test_client_leaving_a_streamed_response_is_noticed_at_once(http_server):
    """A client that goes away while its chunked response is still being
    written gets onClose right away (reactor 0, as a client close); the
    script's next write() fails (error 1005, exist() false) instead of
    writing into the void, while isWritable() stays true, as in Swoole
    (only end() or detach() changes it)."""
    import time

    with RawClient(http_server.port) as c:
        c.send(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        first = c.recv_until(b"chunk 1\n", 5)
        assert b"Transfer-Encoding: chunked" in first
        left = time.monotonic()
    http_server.wait_for("close fd=1 reactor=0 status=0\n", timeout=3)
    assert time.monotonic() - left < 1.5
    http_server.wait_for("stream stopped after", timeout=3)
    assert "writable=y exist=n error=1005\n" in http_server.stdout()


def test_an_old_response_cannot_answer_the_next_request(http_server):
    with RawClient(http_server.port) as c:
        assert c.request("GET", "/keep").body == b"kept"
        r = c.request("GET", "/use-old")
        assert r.body == b"current", r.raw
    http_server.wait_for("old writable=false\nold end=false\n")


def test_client_info_is_readable_in_on_close(http_server):
    with ws_connect(http_server.port) as ws:
        ws.send("hi")
        assert ws.recv(timeout=5) == "hi"
    # still a WebSocket connection (ACTIVE, or CLOSING after its close frame)
    http_server.wait_for(r"close fd=1 reactor=0 status=[34]\n", regex=True)


def test_expect_100_continue_is_answered(http_server):
    """curl sends `Expect: 100-continue` before a body over 1 KiB and waits
    (1 s) for `100 Continue`; the server answers it, then the request runs."""
    import subprocess
    import time

    start = time.monotonic()
    out = subprocess.run(
        ["curl", "-sS", "-m", "10", "--data-binary", "@-", "-H", "Content-Type: text/plain",
         f"http://127.0.0.1:{http_server.port}/fd"],
        input=b"x" * 4096, capture_output=True, timeout=15,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == b"fd=1"
    assert time.monotonic() - start < 0.9


@pytest.mark.parametrize("parse_files", [False, True])
def test_uploads_work_with_move_uploaded_file_and_array_fields(php_server, tmp_path, parse_files):
    """Uploads are real PHP uploads: is_uploaded_file() and
    move_uploaded_file() accept them. `f[]` fields: as Swoole stores them,
    each file's array under the field (files['f'][0]['name']); with
    http_parse_files, PHP's $_FILES layout (files['f']['name'][0], ...)."""
    import json
    import subprocess

    http_server = php_server("http.php", settings={"http_parse_files": True} if parse_files else None)
    a = tmp_path / "a.txt"
    a.write_bytes(b"first file")
    b = tmp_path / "b.txt"
    b.write_bytes(b"second file")
    out = subprocess.run(
        ["curl", "-sS", "-m", "10", "-F", f"one=@{a}", "-F", f"many[]=@{a}", "-F", f"many[]=@{b}",
         f"http://127.0.0.1:{http_server.port}/upload"],
        capture_output=True, timeout=15,
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    files = got["files"]
    assert list(files["one"]) == ["type", "tmp_name", "size", "name", "error"]
    assert files["one"]["name"] == "a.txt"
    assert files["one"]["size"] == 10 and files["one"]["error"] == 0
    if parse_files:
        assert files["many"]["name"] == ["a.txt", "b.txt"]
        assert files["many"]["size"] == [10, 11]
        assert files["many"]["error"] == [0, 0]
    else:
        assert [f["name"] for f in files["many"]] == ["a.txt", "b.txt"]
        assert [f["size"] for f in files["many"]] == [10, 11]
        assert [f["error"] for f in files["many"]] == [0, 0]
    assert got["checks"] == [
        [True, True, "first file"],
        [True, True, "first file"],
        [True, True, "second file"],
    ]


def test_a_file_field_left_empty_is_upload_err_no_file(http_server):
    """A form's file input with no file chosen (filename="", no content) is
    PHP's UPLOAD_ERR_NO_FILE: error 4, empty name, type and tmp_name, size
    0, and no temporary file (as in Swoole); a real file beside it stays,
    under its field's name as PHP spells it."""
    import json
    boundary = "----swtestBoundary"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"none\"; filename=\"\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"one.file\"; filename=\"a.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nfirst file\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    with RawClient(http_server.port) as c:
        r = c.request("POST", "/upload", [("Content-Type", f"multipart/form-data; boundary={boundary}")], body)
    got = json.loads(r.body)
    assert got["files"]["none"] == {"type": "", "tmp_name": "", "size": 0, "name": "", "error": 4}, got
    # the field's name by PHP's rules: one.file -> one_file (as Swoole's)
    assert got["files"]["one_file"]["name"] == "a.txt" and got["files"]["one_file"]["error"] == 0
    assert got["checks"] == [[True, True, "first file"]]


def test_upload_max_filesize_takes_uploads_over_package_max_length(php_server, tmp_path):
    """As Swoole: with upload_max_filesize a multipart upload may be larger
    than package_max_length (up to upload_max_filesize); other bodies keep
    package_max_length's limit (413)."""
    script = tmp_path / "upload.php"
    script.write_text(r"""<?php
$s = new Swoole\Http\Server('127.0.0.1', (int)$argv[1], SWOOLE_BASE);
$s->set(['worker_num' => 1, 'package_max_length' => 64 * 1024, 'upload_max_filesize' => 1024 * 1024]);
$s->on('request', function ($req, $resp) {
    $f = $req->files['f'] ?? null;
    $resp->end($f ? "size={$f['size']} ok=" . json_encode(filesize($f['tmp_name']) === $f['size']) : 'no file');
});
$s->start();
""")
    srv = php_server(str(script))
    data = b"x" * (300 * 1024)
    body = (b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--B--\r\n")
    with RawClient(srv.port) as c:
        r = c.request("POST", "/", headers=[("Content-Type", "multipart/form-data; boundary=B")], body=body)
        assert (r.status, r.body) == (200, b"size=307200 ok=true"), r.raw[:300]
    with RawClient(srv.port) as c:
        r = c.request("POST", "/", headers=[("Content-Type", "text/plain")], body=data)
        assert r.status == 413, r.raw[:300]
