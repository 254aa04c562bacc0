//! SIGINT, SIGTERM and SIGHUP for tools that run a child that must not be cut off
//! (Terraform mid-apply) or that keep private scratch files (a saved plan).
//!
//! After [`install`], a signal that arrives while a tracked child runs is passed on
//! to the child's process group once, as SIGINT (Terraform's Ctrl-C: it finishes what
//! is in flight and writes its state); the tool keeps reading the child's output until
//! it exits, and then sees [`received`]. A signal with no child at work removes the
//! registered scratch paths and ends the process with 128 + the signal's number, as
//! the default action would, minus the leftovers.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};

#[derive(Debug, Default)]
struct State {
    installed: bool,
    /// Process groups of the children at work (each child leads its own group).
    children: Vec<i32>,
    /// Scratch files and directories removed when a signal ends the process.
    paths: Vec<PathBuf>,
}

static STATE: Mutex<State> = Mutex::new(State {
    installed: false,
    children: Vec::new(),
    paths: Vec::new(),
});
static RECEIVED: AtomicI32 = AtomicI32::new(0);

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Start handling the three signals (idempotent). Without it, signals keep their
/// default action and the guards below only keep their lists.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut s = state();
    if s.installed {
        return;
    }
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(mut signals) => {
            s.installed = true;
            std::thread::spawn(move || {
                for sig in signals.forever() {
                    on_signal(sig);
                }
            });
        }
        Err(e) => tracing::warn!("cannot handle signals ({e}); Ctrl-C ends at once"),
    }
}

#[cfg(not(unix))]
pub fn install() {}

#[cfg(unix)]
fn on_signal(sig: i32) {
    let s = state();
    if s.children.is_empty() {
        for p in &s.paths {
            let _ = std::fs::remove_dir_all(p).or_else(|_| std::fs::remove_file(p));
        }
        std::process::exit(128 + sig);
    }
    if RECEIVED
        .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
    {
        eprintln!(
            "\n{}: passed on to the running child as an interrupt; waiting for it to stop \
             cleanly (Terraform saves its state)",
            name(sig)
        );
        for &group in &s.children {
            if let Some(pid) = rustix::process::Pid::from_raw(group) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::INT);
            }
        }
    } else {
        // A second interrupt makes Terraform stop at once and lose track of what is in
        // flight: it is never passed on.
        eprintln!("{}: still waiting for the child to stop cleanly", name(sig));
    }
}

/// The signal that was passed on to a child, if one was.
pub fn received() -> Option<i32> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// "SIGTERM" for 15, and so on.
pub fn name(sig: i32) -> String {
    match sig {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        n => format!("signal {n}"),
    }
}

/// A child (leader of its own process group) that signals are passed on to while
/// this guard lives.
#[derive(Debug)]
pub struct ChildGuard(i32);

pub fn track_child(pid: u32) -> ChildGuard {
    let pid = i32::try_from(pid).unwrap_or(0);
    state().children.push(pid);
    ChildGuard(pid)
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        state().children.retain(|&c| c != self.0);
    }
}

/// A scratch path removed if a signal ends the process while this guard lives.
#[derive(Debug)]
pub struct PathGuard(PathBuf);

pub fn remove_on_signal(path: impl Into<PathBuf>) -> PathGuard {
    let path = path.into();
    state().paths.push(path.clone());
    PathGuard(path)
}

impl Drop for PathGuard {
    fn drop(&mut self) {
        state().paths.retain(|p| p != &self.0);
    }
}
