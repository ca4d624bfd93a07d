<?php
/*
 * PDO (pdo_mysql over mysqlnd) in the requests of an HTTP server whose one
 * worker has every hook on ('hook_flags' => SWOOLE_HOOK_ALL): each request
 * connects for itself.
 * php http_pdo.php PORT MYSQL_PORT
 *   /sleep            SELECT SLEEP(0.2) -> {"s":0,"id":<connection id>}
 *   /syntax           a query with a syntax error
 *   /killed           the connection was killed (KILL from another one)
 *   /killed-midquery  the connection is killed while it waits in SLEEP(5)
 *   /refused          nothing listens on the port
 *   /warning          PDO::ERRMODE_WARNING and a bad query
 *   /phpwarning       file_get_contents() of a missing file (a plain warning:
 *                     no PDO error handling must be left over from other
 *                     coroutines' PDO constructors)
 *   /pid              the worker's pid
 * The answer is JSON: {"out": <result or "<Exception class> <code> <message>">,
 * "errors": [PHP warnings/notices raised meanwhile]}.
 */
$port = (int) $argv[1];
$mysqlPort = (int) $argv[2];
$server = new Swoole\Http\Server('127.0.0.1', $port);
$server->set(['worker_num' => 1, 'hook_flags' => SWOOLE_HOOK_ALL, 'log_level' => SWOOLE_LOG_WARNING]);

function db(int $port): PDO {
    return new PDO("mysql:host=127.0.0.1;port=$port;dbname=mysql", 'root', '');
}

$server->on('request', function ($req, $resp) use ($mysqlPort) {
    $errors = [];
    set_error_handler(function ($no, $str) use (&$errors) {
        $errors[] = "$no $str";
        return true;
    });
    try {
        switch ($req->server['request_uri']) {
            case '/sleep':
                $out = db($mysqlPort)->query('SELECT SLEEP(0.2) AS s, CONNECTION_ID() AS id')->fetch(PDO::FETCH_ASSOC);
                break;
            case '/syntax':
                $out = db($mysqlPort)->query('SELEC 1');
                break;
            case '/killed':
                $pdo = db($mysqlPort);
                $id = $pdo->query('SELECT CONNECTION_ID()')->fetchColumn();
                db($mysqlPort)->exec("KILL CONNECTION $id");
                $out = $pdo->query('SELECT 1')->fetchAll();
                break;
            case '/killed-midquery':
                $pdo = db($mysqlPort);
                $id = $pdo->query('SELECT CONNECTION_ID()')->fetchColumn();
                go(function () use ($id, $mysqlPort) {
                    usleep(200000);
                    db($mysqlPort)->exec("KILL CONNECTION $id");
                });
                $out = $pdo->query('SELECT SLEEP(5)')->fetchAll();
                break;
            case '/refused':
                $out = (bool) new PDO('mysql:host=127.0.0.1;port=1', 'root', '');
                break;
            case '/warning':
                $pdo = db($mysqlPort);
                $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_WARNING);
                $out = [$pdo->query('SELEC 1'), $pdo->errorCode(), $pdo->errorInfo()];
                break;
            case '/phpwarning':
                $out = file_get_contents('/nonexistent/swoole-hooks-test');
                break;
            case '/pid':
                $out = getmypid();
                break;
            default:
                $out = 'not found';
        }
    } catch (Throwable $e) {
        $out = get_class($e) . ' ' . $e->getCode() . ' ' . $e->getMessage();
    }
    restore_error_handler();
    $resp->header('Content-Type', 'application/json');
    $resp->end(json_encode(['out' => $out, 'errors' => $errors]));
});
$server->start();
