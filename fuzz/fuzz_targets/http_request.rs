//! HTTP request parsing: stateless and incremental, pipelined, expects_continue.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swoole_rs_fuzz::run_http(data));
