"""Swoole\\Table in a running server: the chat-room pattern."""

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
