//! Every child process a tool runs (Terraform, docker), bounded in time and output,
//! in its own process group so a terminal's Ctrl-C reaches it once, through
//! [`crate::signals`], and never twice.

use crate::error::{Error, Result};
use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a bounded child printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Finished {
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }
}

/// Put the child in a process group of its own (Unix).
pub fn own_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd
}

/// Run `cmd` with no stdin, keeping at most `max_output` bytes of each of stdout and
/// stderr (the rest is read and dropped, so the child never blocks on a full pipe).
/// Past `timeout` the child's group is stopped (SIGTERM, then SIGKILL after 5 s) and
/// this is an error naming `what` and the limit. A signal passed on to the child
/// ([`crate::signals`]) ends it as [`Error::Interrupted`] once the child has exited.
pub fn run(
    cmd: &mut Command,
    what: &str,
    timeout: Duration,
    max_output: usize,
) -> Result<Finished> {
    own_group(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Failed(format!("running {what}: {e}")))?;
    let guard = crate::signals::track_child(child.id());
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(mut p) = pipe {
                let _ = (&mut p).take(max_output as u64).read_to_end(&mut kept);
                let _ = std::io::copy(&mut p, &mut std::io::sink());
            }
            kept
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let mut pause = Duration::from_millis(2);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(Error::Failed(format!("waiting for {what}: {e}"))),
        }
        if started.elapsed() > timeout {
            stop_group(&mut child);
            drop(guard);
            return Err(Error::Failed(format!(
                "{what} did not finish within {} s; it was stopped",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    };
    drop(guard);
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if let Some(sig) = crate::signals::received() {
        return Err(Error::Interrupted {
            signal: sig,
            message: format!("{what} was stopped by {}", crate::signals::name(sig)),
        });
    }
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}

/// SIGTERM to the child's group, SIGKILL after 5 s if it is still there.
fn stop_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::TERM);
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn output_is_kept_up_to_the_bound_and_the_child_is_not_blocked() {
        let f = run(
            Command::new("sh").args(["-c", "head -c 200000 /dev/zero; echo done >&2"]),
            "sh",
            Duration::from_secs(30),
            1000,
        )
        .expect("runs");
        assert!(f.status.success());
        assert_eq!(f.stdout.len(), 1000);
        assert_eq!(f.stderr, b"done\n");
    }

    #[test]
    fn a_child_that_never_answers_is_stopped() {
        let t = Instant::now();
        let e = run(
            Command::new("sh").args(["-c", "sleep 30"]),
            "terraform version",
            Duration::from_millis(300),
            1000,
        )
        .expect_err("times out");
        assert!(
            e.to_string()
                .contains("terraform version did not finish within")
        );
        assert!(t.elapsed() < Duration::from_secs(10));
    }
}
