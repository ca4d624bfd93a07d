<?php
// Swoole's library pools in coroutines: PDOPool and MysqliPool against
// MariaDB, RedisPool against redis-server, and Coroutine\batch()/map().
// php pools.php MYSQL_PORT REDIS_PORT
// "TIME <what> <seconds>" lines are checked (and left out) by the test.
use Swoole\Coroutine;
use Swoole\Database\{MysqliConfig, MysqliPool, PDOConfig, PDOPool, RedisConfig, RedisPool};

[$mysqlPort, $redisPort] = [(int) $argv[1], (int) $argv[2]];
Co\run(function () use ($mysqlPort, $redisPort) {
    echo "-- PDOPool of 5: 20 coroutines, each SELECT SLEEP(0.2)\n";
    $pool = new PDOPool((new PDOConfig())->withHost('127.0.0.1')->withPort($mysqlPort)
        ->withDbName('mysql')->withUsername('root')->withPassword('')
        ->withOptions([PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]), 5);
    $t = microtime(true);
    $ids = Coroutine\map(range(1, 20), function () use ($pool) {
        $pdo = $pool->get();
        $id = $pdo->query('SELECT CONNECTION_ID() AS id, SLEEP(0.2) AS s')->fetch(PDO::FETCH_ASSOC)['id'];
        $pool->put($pdo);
        return $id;
    });
    echo "TIME pdo ", microtime(true) - $t, "\n";
    var_dump(count($ids), count(array_unique($ids)));

    echo "-- MysqliPool\n";
    $pool = new MysqliPool((new MysqliConfig())->withHost('127.0.0.1')->withPort($mysqlPort)
        ->withDbName('mysql')->withUsername('root')->withPassword(''), 2);
    $db = $pool->get();
    var_dump($db->query('SELECT 6 * 7 AS answer')->fetch_assoc());
    $pool->put($db);

    echo "-- RedisPool of 3: 10 coroutines INCR\n";
    $pool = new RedisPool((new RedisConfig())->withHost('127.0.0.1')->withPort($redisPort)->withDbIndex(2), 3);
    $pool->fill();
    $redis = $pool->get();
    $redis->del('swoole-rs-pool-test');
    $pool->put($redis);
    Coroutine\parallel(10, function () use ($pool) {
        $redis = $pool->get();
        $redis->incr('swoole-rs-pool-test');
        $pool->put($redis);
    });
    $redis = $pool->get();
    var_dump($redis->get('swoole-rs-pool-test'), $redis->getDbNum());
    $pool->close();

    echo "-- batch\n";
    var_dump(Coroutine\batch([
        'one' => fn () => 1,
        'slow' => function () { Co::sleep(1); return 'late'; },
    ], 0.1));
});
