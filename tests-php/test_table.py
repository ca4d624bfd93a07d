"""Swoole\\Table in a running server: the chat-room pattern."""

import pytest
from swtest import ws_connect


def test_chat_room_kept_in_a_table(php_server):
    srv = php_server("table_chat.php")
    with ws_connect(srv.port, "/?name=ann") as ann:
        with ws_connect(srv.port, "/?name=bob") as bob:
            srv.wait_for("join ann\njoin bob\n")
            ann.send("hello")
            assert ann.recv(timeout=5) == "ann: hello"
            assert bob.recv(timeout=5) == "ann: hello"
        assert ann.recv(timeout=5) == "bob left"
    srv.wait_for("left bob, 1 online\n")
    srv.wait_for("left ann, 0 online\n")


@pytest.mark.parametrize("mode", ["process", "base"])
def test_table_is_shared_by_every_worker(php_server, mode):
    """worker_num 4: users join on whichever worker accepts them; the table
    created before start() is one table for all, so every message reaches
    every user with the sender's name, whichever worker handles it. (In
    SWOOLE_BASE the pushes to another worker's users are swoole-rs'.)"""
    srv = php_server("table_chat.php", settings={"worker_num": 4},
                     env={"SWTEST_MODE": mode})
    names = [f"u{i}" for i in range(8)]
    clients = [ws_connect(srv.port, f"/?name={n}") for n in names]
    try:
        for n in names:
            srv.wait_for(f"join {n}\n")
        for n, ws in zip(names, clients):
            ws.send(f"hi from {n}")
        for ws in clients:
            got = sorted(ws.recv(timeout=5) for _ in names)
            assert got == sorted(f"{n}: hi from {n}" for n in names)
        clients[0].close()
        for ws in clients[1:]:
            assert ws.recv(timeout=5) == "u0 left"
        srv.wait_for("left u0, 7 online\n")
    finally:
        for ws in clients:
            ws.close()
