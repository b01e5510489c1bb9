//! Stopping on SIGINT and SIGTERM: the run's spill folders are removed
//! before the process exits, with status 130 (SIGINT) or 143 (SIGTERM),
//! as a shell reports a process those signals ended.

use anyhow::{Context, Result};

/// Exit status after SIGINT (Ctrl-C).
pub const INTERRUPTED: i32 = 130;
/// Exit status after SIGTERM.
pub const TERMINATED: i32 = 143;

/// Listens for the signals on a thread of its own from now on: on the first
/// one, every spill folder still open is removed and the process exits.
pub fn install() -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().context("cannot start the runtime")?;
    // Registered before this returns, so that a signal sent right after
    // start is already handled.
    let wait = {
        let _entered = rt.enter();
        listen().context("cannot listen for signals")?
    };
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let code = rt.block_on(wait);
            telemetry::spill_dir::remove_live();
            eprintln!("dragnet: stopped by {}", if code == INTERRUPTED { "SIGINT" } else { "SIGTERM" });
            std::process::exit(code);
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

/// Registers the handlers; the future ends with the exit status of the
/// first signal.
#[cfg(unix)]
pub fn listen() -> std::io::Result<impl Future<Output = i32>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => INTERRUPTED,
            _ = term.recv() => TERMINATED,
        }
    })
}

#[cfg(not(unix))]
pub fn listen() -> std::io::Result<impl Future<Output = i32>> {
    let mut ctrl_c = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        ctrl_c.recv().await;
        INTERRUPTED
    })
}
