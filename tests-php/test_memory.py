"""1,000,000 messages through an echo callback leave memory flat.

Pipelines batches of frames over a few connections (bounded in time), then
compares the server's VmRSS (whole process tree, /proc/PID/status) and PHP's
memory_get_usage() after a warm-up with the values at the end.
SWTEST_MEMORY_MESSAGES overrides the message count for quick runs.
"""

import os

import pytest

import conftest
from swtest import OP_TEXT, RawClient, build_frame

RSS_TOLERANCE_KIB = 4 * 1024  # a leak of >= ~5 bytes/message over 900k messages shows
ZEND_TOLERANCE_BYTES = 256 * 1024


@pytest.mark.timeout(900)
def test_one_million_messages_keep_memory_flat(php_server):
    total = int(os.environ.get("SWTEST_MEMORY_MESSAGES", "1000000"))
    conns, batch = 4, 1000
    per_round = conns * batch
    assert total % per_round == 0 and total >= 10 * per_round
    srv = php_server("memory.php")

    payload = b"0123456789abcdef"
    blob = build_frame(OP_TEXT, payload) * batch
    echo_blob = (b"\x81\x10" + payload) * batch
    clients = [RawClient(srv.port, timeout=60) for _ in range(conns)]
    try:
        for c in clients:
            c.handshake()

        def run(messages):
            for _ in range(messages // per_round):
                for c in clients:
                    c.send(blob)
                for c in clients:
                    got = c.recv_exact(len(echo_blob), timeout=120)
                    assert got == echo_blob

        def zend_usage():
            clients[0].send_text("!mem")
            return int(clients[0].recv_frame(30).payload)

        warm = total // 10
        run(warm)
        rss_before, zend_before = conftest.rss_kib(srv.pid), zend_usage()
        run(total - warm)
        rss_after, zend_after = conftest.rss_kib(srv.pid), zend_usage()

        clients[0].send_text("!count")
        assert int(clients[0].recv_frame(30).payload) == total
    finally:
        for c in clients:
            c.close()

    print(f"RSS {rss_before} KiB -> {rss_after} KiB; zend {zend_before} -> {zend_after} bytes")
    assert rss_after - rss_before <= RSS_TOLERANCE_KIB, (
        f"RSS grew by {rss_after - rss_before} KiB over {total - warm} messages"
    )
    assert zend_after - zend_before <= ZEND_TOLERANCE_BYTES, (
        f"memory_get_usage() grew by {zend_after - zend_before} bytes"
    )
