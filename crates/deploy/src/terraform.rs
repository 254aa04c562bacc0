//! The adapter for the Terraform process: init, plan, show, apply (streamed) and
//! outputs of one root module. Terraform never reads stdin here (`-input=false`)
//! and its errors are passed on as they are.

use crate::apply_stream::{self, Event};
use aws_core::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long each Terraform command may take before it is stopped (a Terraform that
/// never answers must not hang deploy): `version` and `output` answer in seconds,
/// `init` may download providers, plan/apply/destroy wait for AWS (`version`:
/// aws_core::terraform).
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
pub const INIT_TIMEOUT: Duration = Duration::from_secs(15 * 60);
pub const CHANGE_TIMEOUT: Duration = Duration::from_secs(2 * 3600);
/// Terraform's diagnostics kept for messages; `show -json` of a plan may be larger.
const MAX_TEXT: usize = 1 << 20;
const MAX_PLAN_JSON: usize = 256 << 20;

/// The version rule lives with the other Terraform facts the tools share.
pub use aws_core::terraform::{MIN_VERSION, check_version, installed_version, version};

#[derive(Debug, Clone)]
pub struct Terraform {
    pub dir: PathBuf,
    /// `-var NAME=VALUE` of this run, for plan and destroy.
    pub vars: Vec<String>,
    /// Extra environment: the profile or endpoint given on deploy's command line.
    pub env: Vec<(String, String)>,
}

/// What `plan -detailed-exitcode` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanResult {
    NoChanges,
    Changes,
}

/// How an apply ended.
#[derive(Debug)]
pub struct ApplyResult {
    pub success: bool,
    pub progress: apply_stream::Progress,
    /// Terraform's stderr (errors that are not in the JSON stream).
    pub stderr: String,
    /// The signal passed on to Terraform during the apply, if one was.
    pub interrupted: Option<i32>,
}

impl Terraform {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("terraform");
        c.arg(format!("-chdir={}", self.dir.display()))
            .args(args)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c
    }

    fn run(&self, what: &str, args: &[&str], timeout: Duration) -> Result<(i32, String)> {
        let out = self.bounded(what, args, timeout, MAX_TEXT)?;
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        Ok((out.code(), text))
    }

    /// One Terraform command, bounded in time and output, interruptible.
    fn bounded(
        &self,
        what: &str,
        args: &[&str],
        timeout: Duration,
        max: usize,
    ) -> Result<aws_core::process::Finished> {
        tracing::debug!(dir = %self.dir.display(), ?args, "terraform");
        aws_core::process::run(
            &mut self.command(args),
            &format!("terraform {what}"),
            timeout,
            max,
        )
    }

    fn failed(what: &str, text: &str) -> Error {
        let hint = if text.contains("Error acquiring the state lock") {
            "\nanother deploy or terraform run holds the state lock; see docs/runbooks/state-lock.md"
        } else {
            ""
        };
        Error::Failed(format!("terraform {what} failed:\n{}{hint}", text.trim()))
    }

    fn var_args(&self) -> Vec<String> {
        self.vars.iter().map(|v| format!("-var={v}")).collect()
    }

    pub fn init(&self, backend_config: &[(String, String)]) -> Result<()> {
        let mut args = vec![
            "init".to_string(),
            "-input=false".into(),
            "-no-color".into(),
        ];
        args.extend(
            backend_config
                .iter()
                .map(|(k, v)| format!("-backend-config={k}={v}")),
        );
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match self.run("init", &refs, INIT_TIMEOUT)? {
            (0, _) => Ok(()),
            (_, text) => Err(Self::failed("init", &text)),
        }
    }

    /// `plan -out FILE -detailed-exitcode` (`-destroy` for a teardown).
    pub fn plan(&self, out: &Path, destroy: bool) -> Result<PlanResult> {
        let mut args = vec![
            "plan".to_string(),
            "-input=false".into(),
            "-no-color".into(),
            "-detailed-exitcode".into(),
            format!("-out={}", out.display()),
        ];
        if destroy {
            args.push("-destroy".into());
        }
        args.extend(self.var_args());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match self.run("plan", &refs, CHANGE_TIMEOUT)? {
            (0, _) => Ok(PlanResult::NoChanges),
            (2, _) => Ok(PlanResult::Changes),
            (_, text) => Err(Self::failed("plan", &text)),
        }
    }

    /// `show -json FILE`: the saved plan as JSON (it holds sensitive values: kept in memory).
    pub fn show_json(&self, plan: &Path) -> Result<String> {
        let out = self.bounded(
            "show",
            &["show", "-json", "-no-color", &plan.display().to_string()],
            READ_TIMEOUT,
            MAX_PLAN_JSON,
        )?;
        if !out.status.success() {
            return Err(Self::failed("show", &String::from_utf8_lossy(&out.stderr)));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| Error::Failed("terraform show -json printed invalid UTF-8".into()))
    }

    /// Apply a saved plan, calling `on_event` for each event of Terraform's JSON stream.
    pub async fn apply(
        &self,
        plan: &Path,
        total: usize,
        mut on_event: impl FnMut(&Event, &apply_stream::Progress),
    ) -> Result<ApplyResult> {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
        let plan = plan.display().to_string();
        let mut std_cmd = self.command(&["apply", "-input=false", "-no-color", "-json", &plan]);
        // Its own process group: a terminal's Ctrl-C reaches Terraform once, passed on
        // by aws_core::signals, never twice (a second interrupt stops it uncleanly).
        aws_core::process::own_group(&mut std_cmd);
        let mut cmd = tokio::process::Command::from(std_cmd);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Failed(format!("running terraform apply: {e}")))?;
        let _tracked = child.id().map(aws_core::signals::track_child);
        let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(Error::Failed("terraform apply: no output pipes".into()));
        };
        // Read stderr concurrently so a chatty Terraform never blocks on a full pipe.
        let err_task = tokio::spawn(async move {
            let mut s = String::new();
            let _ = (&mut stderr)
                .take(MAX_TEXT as u64)
                .read_to_string(&mut s)
                .await;
            let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
            s
        });
        let mut progress = apply_stream::Progress::new(total);
        // Read to the end even after a signal: Terraform writes its state and its last
        // events then, and a closed pipe would kill it mid-write.
        let read = async {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(e) = apply_stream::parse_line(&line) {
                    progress.update(&e);
                    on_event(&e, &progress);
                }
            }
        };
        if tokio::time::timeout(CHANGE_TIMEOUT, read).await.is_err() {
            let _ = child.kill().await;
            return Err(Error::Failed(format!(
                "terraform apply did not finish within {} s; it was stopped \
                 (see docs/runbooks/state-lock.md if the state stays locked)",
                CHANGE_TIMEOUT.as_secs()
            )));
        }
        let status = child
            .wait()
            .await
            .map_err(|e| Error::Failed(format!("waiting for terraform apply: {e}")))?;
        let stderr = err_task.await.unwrap_or_default();
        Ok(ApplyResult {
            success: status.success(),
            progress,
            stderr,
            interrupted: aws_core::signals::received(),
        })
    }

    /// `destroy -auto-approve` with this run's variables (cleanup after a failed apply).
    pub fn destroy(&self) -> Result<()> {
        let mut args = vec![
            "destroy".to_string(),
            "-input=false".into(),
            "-no-color".into(),
            "-auto-approve".into(),
        ];
        args.extend(self.var_args());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match self.run("destroy", &refs, CHANGE_TIMEOUT)? {
            (0, _) => Ok(()),
            (_, text) => Err(Self::failed("destroy", &text)),
        }
    }
}
