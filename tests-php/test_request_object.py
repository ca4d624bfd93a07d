"""The Swoole\\Http\\Request handed to onOpen (reference section 3)."""

import re
import time

from swtest import RawClient, handshake_request


def php_str(s: str) -> str:
    return f'string({len(s.encode())}) "{s}"'


def request_dump(port: int, remote_port: int) -> str:
    host = f"127.0.0.1:{port}"
    return f"""object(Swoole\\Http\\Request)#%d (9) {{
  ["fd"]=>
  int(%d)
  ["streamId"]=>
  int(0)
  ["header"]=>
  array(8) {{
    ["host"]=>
    {php_str(host)}
    ["upgrade"]=>
    string(9) "websocket"
    ["connection"]=>
    string(7) "Upgrade"
    ["sec-websocket-key"]=>
    string(24) "dGhlIHNhbXBsZSBub25jZQ=="
    ["sec-websocket-version"]=>
    string(2) "13"
    ["x-custom-header"]=>
    string(6) "custom"
    ["user-agent"]=>
    string(6) "swtest"
    ["origin"]=>
    string(18) "http://example.com"
  }}
  ["server"]=>
  array(12) {{
    ["query_string"]=>
    string(17) "a=1&b=two&arr[]=x"
    ["request_method"]=>
    string(3) "GET"
    ["request_uri"]=>
    string(5) "/chat"
    ["path_info"]=>
    string(5) "/chat"
    ["request_time"]=>
    int(%d)
    ["request_time_float"]=>
    float(%f)
    ["server_protocol"]=>
    string(8) "HTTP/1.1"
    ["server_port"]=>
    int({port})
    ["remote_port"]=>
    int({remote_port})
    ["server_addr"]=>
    string(9) "127.0.0.1"
    ["remote_addr"]=>
    string(9) "127.0.0.1"
    ["master_time"]=>
    int(%d)
  }}
  ["cookie"]=>
  array(2) {{
    ["c1"]=>
    string(2) "v1"
    ["c2"]=>
    string(11) "hello world"
  }}
  ["get"]=>
  array(3) {{
    ["a"]=>
    string(1) "1"
    ["b"]=>
    string(3) "two"
    ["arr"]=>
    array(1) {{
      [0]=>
      string(1) "x"
    }}
  }}
  ["files"]=>
  NULL
  ["post"]=>
  NULL
  ["tmpfiles"]=>
  NULL
}}
"""


def test_onopen_request_var_dump(php_server):
    srv = php_server("ws.php", env={"SWTEST_DUMP_REQUEST": 1})
    with RawClient(srv.port) as c:
        c.send(
            handshake_request(
                "/chat?a=1&b=two&arr[]=x",
                host=f"127.0.0.1:{srv.port}",
                headers=[
                    ("X-Custom-Header", "custom"),
                    ("User-Agent", "swtest"),
                    ("Origin", "http://example.com"),
                    ("Cookie", "c1=v1; c2=hello%20world"),
                ],
            )
        )
        assert c.read_response().status == 101
        m = srv.wait_expectf(request_dump(srv.port, c.local_port))
    block = m.group(0)
    now = time.time()
    request_time = int(re.search(r'\["request_time"\]=>\n    int\((\d+)\)', block).group(1))
    request_time_float = float(re.search(r'\["request_time_float"\]=>\n    float\(([\d.Ee+]+)\)', block).group(1))
    master_time = int(re.search(r'\["master_time"\]=>\n    int\((\d+)\)', block).group(1))
    assert abs(request_time - now) < 60
    assert abs(request_time_float - now) < 60 and int(request_time_float) in (request_time, request_time + 1)
    assert abs(master_time - now) < 60


def test_request_without_query_or_cookie(php_server):
    srv = php_server("ws.php", env={"SWTEST_DUMP_REQUEST": 1})
    with RawClient(srv.port) as c:
        c.handshake("/plain")
        m = srv.wait_for(r"object\(Swoole\\Http\\Request\)#\d+ \(9\) \{\n.*?\n\}\n", regex=True)
    block = m.group(0)
    server_keys = re.findall(r'^    \["([a-z_]+)"\]=>$', block.split('["server"]=>', 1)[1].split('["cookie"]=>')[0], re.M)
    assert server_keys == [
        "request_method", "request_uri", "path_info", "request_time", "request_time_float",
        "server_protocol", "server_port", "remote_port", "server_addr", "remote_addr", "master_time",
    ]
    assert '["server"]=>\n  array(11) {' in block
    assert '["cookie"]=>\n  NULL\n' in block
    assert '["get"]=>\n  NULL\n' in block
    assert '["files"]=>\n  NULL\n  ["post"]=>\n  NULL\n  ["tmpfiles"]=>\n  NULL\n}' in block


def test_request_header_edge_cases(php_server):
    srv = php_server("ws.php", env={"SWTEST_DUMP_REQUEST": 1})
    with RawClient(srv.port) as c:
        c.send(
            handshake_request(
                "/edge?x=1&x=2&y[a]=b",
                host="localhost",
                headers=[
                    ("X-Dup", "one"),
                    ("X-Dup", "two"),
                    ("X_Under_Score", "u"),
                    ("X-Empty", ""),
                    ("Cookie", "c1=v1"),
                    ("Cookie", "c2=v2"),
                ],
            )
        )
        assert c.read_response().status == 101
        srv.wait_expectf(
            """  ["header"]=>
  array(8) {
    ["host"]=>
    string(9) "localhost"
    ["upgrade"]=>
    string(9) "websocket"
    ["connection"]=>
    string(7) "Upgrade"
    ["sec-websocket-key"]=>
    string(24) "dGhlIHNhbXBsZSBub25jZQ=="
    ["sec-websocket-version"]=>
    string(2) "13"
    ["x-dup"]=>
    array(2) {
      [0]=>
      string(3) "one"
      [1]=>
      string(3) "two"
    }
    ["x_under_score"]=>
    string(1) "u"
    ["x-empty"]=>
    string(0) ""
  }
"""
        )
        srv.wait_expectf(
            """  ["cookie"]=>
  array(2) {
    ["c1"]=>
    string(2) "v1"
    ["c2"]=>
    string(2) "v2"
  }
  ["get"]=>
  array(2) {
    ["x"]=>
    string(1) "2"
    ["y"]=>
    array(1) {
      ["a"]=>
      string(1) "b"
    }
  }
"""
        )
    srv.wait_for('["query_string"]=>\n    string(14) "x=1&x=2&y[a]=b"\n')
    srv.wait_for('["request_uri"]=>\n    string(5) "/edge"\n')
