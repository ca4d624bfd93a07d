//! Frame decoder + message assembler, no extension negotiated.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swoole_rs_fuzz::run_frames(data, false));
