//! Swoole's static pack()/unpack().
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swoole_rs_fuzz::run_pack(data));
