//! Upgrade, key, subprotocol and permessage-deflate offer checks.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| swoole_rs_fuzz::run_handshake(data));
