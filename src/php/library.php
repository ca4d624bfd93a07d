<?php
/*
 * swoole-rs: the pieces of Swoole's bundled PHP library that scripts use
 * most, written for swoole-rs from Swoole 6.2's documented API: the
 * connection pools (Swoole\ConnectionPool, Swoole\Database\PDOPool,
 * RedisPool, MysqliPool with their Config classes), the coroutine helpers
 * Swoole\Coroutine\batch(), parallel() and map(), and the one-call HTTP
 * client functions Swoole\Coroutine\Http\request(), get() and post().
 *
 * Evaluated at every request start (src/php/library.rs), before the
 * script runs; `swoole.enable_library=Off` skips it, as it skips Swoole's
 * own library (for projects that load swoole/library through Composer).
 * Each declaration is guarded, so the code is safe to evaluate twice.
 */

namespace Swoole {
    if (!class_exists(ConnectionPool::class, false)) {
        /**
         * A fixed number of connections, made on demand by $constructor and
         * shared by coroutines through a Channel: get() takes one (waiting up
         * to $timeout when all are in use), put() gives it back; put(null)
         * drops a broken one so that a fresh one is made in its place.
         */
        class ConnectionPool
        {
            public const DEFAULT_SIZE = 64;

            protected ?Coroutine\Channel $pool;

            /** @var callable */
            protected $constructor;

            protected int $size;

            /** Connections made and not dropped. */
            protected int $num = 0;

            public function __construct(callable $constructor, int $size = self::DEFAULT_SIZE, protected ?string $proxy = null)
            {
                $this->pool = new Coroutine\Channel($size);
                $this->constructor = $constructor;
                $this->size = $size;
            }

            /** Makes every connection the pool may hold now. */
            public function fill(): void
            {
                while ($this->num < $this->size) {
                    $this->make();
                }
            }

            /** A connection: an idle one, a new one while under the size, else the next one put back (false after $timeout). */
            public function get(float $timeout = -1)
            {
                if ($this->pool === null) {
                    throw new \RuntimeException('Pool has been closed');
                }
                if ($this->pool->isEmpty() && $this->num < $this->size) {
                    $this->make();
                }
                return $this->pool->pop($timeout);
            }

            /** Gives a connection back; null drops the one taken and makes another. */
            public function put($connection): void
            {
                if ($this->pool === null) {
                    return;
                }
                if ($connection === null) {
                    $this->num--;
                    $this->make();
                    return;
                }
                $this->pool->push($connection);
            }

            /** Closes the pool: its idle connections go; get() throws from now on. */
            public function close(): void
            {
                if ($this->pool !== null) {
                    $this->pool->close();
                }
                $this->pool = null;
                $this->num = 0;
            }

            protected function make(): void
            {
                $this->num++;
                try {
                    $connection = $this->proxy !== null
                        ? new $this->proxy($this->constructor)
                        : ($this->constructor)();
                } catch (\Throwable $e) {
                    $this->num--;
                    throw $e;
                }
                $this->put($connection);
            }
        }
    }
}

namespace Swoole\Database {
    use Swoole\ConnectionPool;

    if (!trait_exists(DatabaseEndpoint::class, false)) {
        /**
         * @internal swoole-rs: where a database is and who connects, the part
         * PDOConfig and MysqliConfig share (their defaults are Swoole's).
         */
        trait DatabaseEndpoint
        {
            protected string $host = '127.0.0.1';
            protected int $port = 3306;
            protected ?string $unixSocket = null;
            protected string $dbname = 'test';
            protected string $charset = 'utf8mb4';
            protected string $username = 'root';
            protected string $password = 'root';

            public function getHost(): string { return $this->host; }
            public function withHost(string $host): self { $this->host = $host; return $this; }
            public function getPort(): int { return $this->port; }
            public function withPort(int $port): self { $this->port = $port; return $this; }
            public function getUnixSocket(): ?string { return $this->unixSocket; }
            public function withUnixSocket(?string $unixSocket): self { $this->unixSocket = $unixSocket; return $this; }
            public function getDbname(): string { return $this->dbname; }
            public function withDbname(string $dbname): self { $this->dbname = $dbname; return $this; }
            public function getCharset(): string { return $this->charset; }
            public function withCharset(string $charset): self { $this->charset = $charset; return $this; }
            public function getUsername(): string { return $this->username; }
            public function withUsername(string $username): self { $this->username = $username; return $this; }
            public function getPassword(): string { return $this->password; }
            public function withPassword(string $password): self { $this->password = $password; return $this; }
        }
    }

    if (!class_exists(PDOConfig::class, false)) {
        /** How PDOPool connects: a DSN's parts, the credentials and PDO's options. */
        class PDOConfig
        {
            use DatabaseEndpoint;

            public const DRIVER_MYSQL = 'mysql';

            protected string $driver = self::DRIVER_MYSQL;
            protected array $options = [];

            public function getDriver(): string { return $this->driver; }
            public function withDriver(string $driver): self { $this->driver = $driver; return $this; }
            public function hasUnixSocket(): bool { return !empty($this->unixSocket); }
            public function getOptions(): array { return $this->options; }
            public function withOptions(array $options): self { $this->options = $options; return $this; }
        }
    }

    if (!class_exists(PDOPool::class, false)) {
        /** A ConnectionPool of PDO connections made from a PDOConfig. */
        class PDOPool extends ConnectionPool
        {
            public function __construct(protected PDOConfig $config, int $size = self::DEFAULT_SIZE)
            {
                parent::__construct(function () {
                    $c = $this->config;
                    $where = $c->hasUnixSocket()
                        ? 'unix_socket=' . $c->getUnixSocket()
                        : 'host=' . $c->getHost() . ';port=' . $c->getPort();
                    $dsn = $c->getDriver() . ':' . $where . ';dbname=' . $c->getDbname();
                    if ($c->getDriver() === PDOConfig::DRIVER_MYSQL) {
                        $dsn .= ';charset=' . $c->getCharset();
                    }
                    return new \PDO($dsn, $c->getUsername(), $c->getPassword(), $c->getOptions());
                }, $size);
            }
        }
    }

    if (!class_exists(RedisConfig::class, false)) {
        /** How RedisPool connects (phpredis' connect() arguments, auth, database, options). */
        class RedisConfig
        {
            protected string $host = '127.0.0.1';
            protected int $port = 6379;
            protected float $timeout = 0.0;
            protected string $reserved = '';
            protected int $retry_interval = 0;
            protected float $read_timeout = 0.0;
            protected string $auth = '';
            protected int $dbIndex = 0;
            protected array $options = [];

            public function getHost(): string { return $this->host; }
            public function withHost(string $host): self { $this->host = $host; return $this; }
            public function getPort(): int { return $this->port; }
            public function withPort(int $port): self { $this->port = $port; return $this; }
            public function getTimeout(): float { return $this->timeout; }
            public function withTimeout(float $timeout): self { $this->timeout = $timeout; return $this; }
            public function getReserved(): string { return $this->reserved; }
            public function withReserved(string $reserved): self { $this->reserved = $reserved; return $this; }
            public function getRetryInterval(): int { return $this->retry_interval; }
            public function withRetryInterval(int $retry_interval): self { $this->retry_interval = $retry_interval; return $this; }
            public function getReadTimeout(): float { return $this->read_timeout; }
            public function withReadTimeout(float $read_timeout): self { $this->read_timeout = $read_timeout; return $this; }
            public function getAuth(): string { return $this->auth; }
            public function withAuth(string $auth): self { $this->auth = $auth; return $this; }
            public function getDbIndex(): int { return $this->dbIndex; }
            public function withDbIndex(int $dbIndex): self { $this->dbIndex = $dbIndex; return $this; }
            public function withOption(int $option, mixed $value): self { $this->options[$option] = $value; return $this; }
            public function setOptions(array $options): self { $this->options = $options; return $this; }
            public function getOptions(): array { return $this->options; }
        }
    }

    if (!class_exists(RedisPool::class, false)) {
        /** A ConnectionPool of phpredis connections made from a RedisConfig. */
        class RedisPool extends ConnectionPool
        {
            public function __construct(protected RedisConfig $config, int $size = self::DEFAULT_SIZE)
            {
                parent::__construct(function () {
                    $c = $this->config;
                    $redis = new \Redis();
                    $redis->connect(
                        $c->getHost(),
                        $c->getPort(),
                        $c->getTimeout(),
                        $c->getReserved() === '' ? null : $c->getReserved(),
                        $c->getRetryInterval(),
                        $c->getReadTimeout()
                    );
                    if ($c->getAuth() !== '') {
                        $redis->auth($c->getAuth());
                    }
                    foreach ($c->getOptions() as $option => $value) {
                        $redis->setOption($option, $value);
                    }
                    if ($c->getDbIndex() !== 0) {
                        $redis->select($c->getDbIndex());
                    }
                    return $redis;
                }, $size);
            }
        }
    }

    if (!class_exists(MysqliConfig::class, false)) {
        /** How MysqliPool connects. */
        class MysqliConfig
        {
            use DatabaseEndpoint;
        }
    }

    if (!class_exists(MysqliPool::class, false)) {
        /** A ConnectionPool of mysqli connections made from a MysqliConfig. */
        class MysqliPool extends ConnectionPool
        {
            public function __construct(protected MysqliConfig $config, int $size = self::DEFAULT_SIZE)
            {
                parent::__construct(function () {
                    $c = $this->config;
                    $mysqli = new \mysqli();
                    $mysqli->connect($c->getHost(), $c->getUsername(), $c->getPassword(), $c->getDbname(), $c->getPort(), $c->getUnixSocket());
                    if ($mysqli->connect_errno) {
                        throw new \mysqli_sql_exception($mysqli->connect_error, $mysqli->connect_errno);
                    }
                    $mysqli->set_charset($c->getCharset());
                    return $mysqli;
                }, $size);
            }
        }
    }
}

namespace Swoole\Coroutine {
    if (!function_exists(__NAMESPACE__ . '\batch')) {
        /**
         * Runs each task in a coroutine of its own and waits for all, at most
         * $timeout seconds: the results under the tasks' keys (null for a task
         * still running when the wait ended).
         */
        function batch(array $tasks, float $timeout = -1): array
        {
            $results = array_fill_keys(array_keys($tasks), null);
            $wg = new WaitGroup(count($tasks));
            foreach ($tasks as $key => $task) {
                \Swoole\Coroutine::create(function () use ($wg, &$results, $key, $task) {
                    try {
                        $results[$key] = $task();
                    } finally {
                        $wg->done();
                    }
                });
            }
            $wg->wait($timeout);
            return $results;
        }
    }

    if (!function_exists(__NAMESPACE__ . '\parallel')) {
        /** Runs $fn in $n coroutines at once and waits for them all. */
        function parallel(int $n, callable $fn): void
        {
            $wg = new WaitGroup($n);
            for ($i = 0; $i < $n; $i++) {
                \Swoole\Coroutine::create(function () use ($wg, $fn) {
                    try {
                        $fn();
                    } finally {
                        $wg->done();
                    }
                });
            }
            $wg->wait();
        }
    }

    if (!function_exists(__NAMESPACE__ . '\map')) {
        /**
         * $fn($value, $key) for every element, each in a coroutine of its
         * own, waiting at most $timeout seconds: the results under the list's
         * keys (null for one still running when the wait ended).
         */
        function map(array $list, callable $fn, float $timeout = -1): array
        {
            $results = array_fill_keys(array_keys($list), null);
            $wg = new WaitGroup(count($list));
            foreach ($list as $key => $value) {
                \Swoole\Coroutine::create(function () use ($wg, &$results, $key, $value, $fn) {
                    try {
                        $results[$key] = $fn($value, $key);
                    } finally {
                        $wg->done();
                    }
                });
            }
            $wg->wait($timeout);
            return $results;
        }
    }
}

namespace Swoole\Coroutine\Http {
    use Swoole\Coroutine\Http\Client\Exception;

    if (!class_exists(ClientProxy::class, false)) {
        /** What request(), get() and post() answer: the response's body, status, headers and cookies. */
        class ClientProxy
        {
            public function __construct(private string $body, private int $statusCode, private ?array $headers, private ?array $cookies)
            {
            }

            public function getBody(): string { return $this->body; }
            public function getStatusCode(): int { return $this->statusCode; }
            public function getHeaders(): ?array { return $this->headers; }
            public function getCookies(): ?array { return $this->cookies; }
        }
    }

    if (!function_exists(__NAMESPACE__ . '\request')) {
        /**
         * One HTTP request with Swoole\Coroutine\Http\Client (in a coroutine):
         * $options are the client's set() options, $data the body (an array
         * is sent as a form). Throws Client\Exception when it fails.
         */
        function request(string $url, string $method, mixed $data = null, ?array $options = null, ?array $headers = null, ?array $cookies = null): ClientProxy
        {
            $parts = parse_url($url);
            if ($parts === false || empty($parts['host'])) {
                throw new Exception("The URL [{$url}] is invalid", SWOOLE_ERROR_HTTP_INVALID_PROTOCOL);
            }
            $scheme = strtolower($parts['scheme'] ?? 'http');
            $ssl = $scheme === 'https';
            $port = $parts['port'] ?? ($ssl ? 443 : 80);
            $client = new Client($parts['host'], $port, $ssl);
            $client->setMethod($method);
            if ($options) {
                $client->set($options);
            }
            if ($headers) {
                $client->setHeaders($headers);
            }
            if ($cookies) {
                $client->setCookies($cookies);
            }
            if ($data !== null) {
                $client->setData($data);
            }
            $path = ($parts['path'] ?? '/') . (isset($parts['query']) ? '?' . $parts['query'] : '');
            if (!$client->execute($path)) {
                $code = $client->errCode;
                $message = $client->errMsg;
                $client->close();
                throw new Exception($message, $code);
            }
            $proxy = new ClientProxy((string) $client->getBody(), $client->getStatusCode(), $client->getHeaders() ?: null, $client->getCookies() ?: null);
            $client->close();
            return $proxy;
        }
    }

    if (!function_exists(__NAMESPACE__ . '\post')) {
        /** request($url, 'POST', $data, ...). */
        function post(string $url, mixed $data, ?array $options = null, ?array $headers = null, ?array $cookies = null): ClientProxy
        {
            return request($url, 'POST', $data, $options, $headers, $cookies);
        }
    }

    if (!function_exists(__NAMESPACE__ . '\get')) {
        /** request($url, 'GET', null, ...). */
        function get(string $url, ?array $options = null, ?array $headers = null, ?array $cookies = null): ClientProxy
        {
            return request($url, 'GET', null, $options, $headers, $cookies);
        }
    }
}
