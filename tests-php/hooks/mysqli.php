<?php
// mysqli (mysqlnd) over the hooked tcp transport, in coroutines.
// php mysqli.php MYSQL_PORT
// "TIME <what> <seconds>" lines are checked (and left out) by the test.
$port = (int) $argv[1];
Co\run(function () use ($port) {
    $db = new mysqli('127.0.0.1', 'root', '', 'mysql', $port);
    var_dump($db->query('SELECT 1 + 1 AS two, CONCAT("a", "b") AS ab')->fetch_assoc());
    try {
        $db->query('SELECT * FROM no_such_table');
    } catch (mysqli_sql_exception $e) {
        echo get_class($e), ' ', $e->getCode(), ': ', $e->getMessage(), "\n";
    }
    echo "-- 20 coroutines, each with its own connection, SELECT SLEEP(0.3)\n";
    $t = microtime(true);
    $wg = new Swoole\Coroutine\WaitGroup();
    $ids = [];
    for ($i = 0; $i < 20; $i++) {
        $wg->add();
        go(function () use ($port, $wg, &$ids) {
            $db = new mysqli('127.0.0.1', 'root', '', 'mysql', $port);
            $row = $db->query('SELECT SLEEP(0.3) AS s, CONNECTION_ID() AS id')->fetch_assoc();
            $ids[$row['id']] = $row['s'];
            $db->close();
            $wg->done();
        });
    }
    $wg->wait();
    printf("TIME 20-sleeps %.3f\n", microtime(true) - $t);
    echo count($ids), ' connections, SLEEP returned ', json_encode(array_values(array_unique($ids))), "\n";
});
echo "done\n";
