//! Records what `php --ri swoole` reports about the build: the versions of the
//! crates that do the TLS, compression and IO work (read from Cargo.lock, so the
//! figures are the ones actually linked), the compiler and the profile.

use std::process::Command;

/// Crates whose locked version is exported as `SWOOLE_RS_DEP_<NAME>`.
const REPORTED: &[&str] = &[
    "rustls",
    "zlib-rs",
    "tokio",
    "tungstenite",
    "ext-php-rs",
    "h2",
];

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");

    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for name in REPORTED {
        let version = locked_version(&lock, name).unwrap_or_else(|| "unknown".into());
        let var = name.to_uppercase().replace('-', "_");
        println!("cargo:rustc-env=SWOOLE_RS_DEP_{var}={version}");
    }

    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=SWOOLE_RS_RUSTC={rustc_version}");
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=SWOOLE_RS_PROFILE={profile}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=SWOOLE_RS_TARGET={target}");
}

/// The version of the first `[[package]]` named `name` in a Cargo.lock.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?;
            let version = next
                .trim()
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            return Some(version.to_string());
        }
    }
    None
}
