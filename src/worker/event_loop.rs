//! Runs the worker's event loop on the PHP thread: a tokio current-thread
//! runtime with a `LocalSet`, so tasks may hold `!Send` state and call PHP
//! directly.

use std::future::Future;
use std::io;

use super::timers;

/// Builds the runtime and runs `main` to completion with timers armed.
pub fn run<F: Future>(main: F) -> io::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    let out = local.block_on(&rt, async {
        let t = timers::timers();
        t.loop_started();
        timers::run_pending_deferred();
        main.await
    });
    timers::timers().loop_stopped();
    // Tasks still in the LocalSet (timers, idle connections) are dropped here,
    // on the PHP thread, while PHP is still alive.
    drop(local);
    // Without waiting for the blocking threads (`Co\System` calls): one
    // may still be in a DNS lookup, and in a child forked by the script
    // (pcntl_fork) they do not exist at all, so waiting would never end.
    rt.shutdown_background();
    timers::drop_pending_deferred();
    Ok(out)
}

/// Waits for the next signal number written to the signal socket.
pub async fn next_signal(sock: &tokio::net::UnixStream) -> Option<libc::c_int> {
    loop {
        sock.readable().await.ok()?;
        let mut byte = [0u8; 1];
        match sock.try_read(&mut byte) {
            Ok(1) => return Some(libc::c_int::from(byte[0])),
            Ok(_) => return None,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(_) => return None,
        }
    }
}

/// Installs handlers for `signals` (raw sigaction) and calls `on_signal` on
/// the loop's thread for each one caught, until it returns false. Must run
/// inside the event loop; dropping the guard restores the old handlers.
pub fn on_signals(
    signals: &[libc::c_int],
    mut on_signal: impl FnMut(libc::c_int) -> bool + 'static,
) -> Option<super::signals::SignalGuard> {
    let (guard, read) = super::signals::install(signals).ok()?;
    let sock = read
        .try_clone()
        .and_then(tokio::net::UnixStream::from_std)
        .ok()?;
    tokio::task::spawn_local(async move {
        while let Some(signo) = next_signal(&sock).await {
            if !on_signal(signo) {
                break;
            }
        }
    });
    Some(guard)
}
