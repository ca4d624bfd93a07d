//! Worker IPC: `Message::decode`, and packets through the `Reassembler`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swoole_rs_fuzz::run_ipc(data));
