//! HTTP response parsing (the coroutine HTTP client): whole and in pieces.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swoole_rs_fuzz::run_http_response(data));
