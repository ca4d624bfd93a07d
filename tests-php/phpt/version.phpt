--TEST--
extension name, SWOOLE_VERSION and version constants
--FILE--
<?php
var_dump(extension_loaded('swoole'));
var_dump(SWOOLE_VERSION, SWOOLE_VERSION_ID, SWOOLE_MAJOR_VERSION, SWOOLE_MINOR_VERSION, SWOOLE_RELEASE_VERSION);
var_dump(in_array('swoole', get_loaded_extensions(), true));
?>
--EXPECT--
bool(true)
string(5) "6.2.2"
int(60202)
int(6)
int(2)
int(2)
bool(true)
