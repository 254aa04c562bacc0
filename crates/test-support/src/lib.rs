//! Starts moto's AWS emulator (`python3 -m moto.server`) on 127.0.0.1 for tests.
//!
//! Each [`Moto`] is its own server on a free port, so tests are isolated from one
//! another without resets (nextest runs every test in its own process anyway).
//! Commands built with [`Moto::cmd`] are hermetic: fake credentials, a fixed
//! region, no profile files, no instance-metadata probing, no colours, and a
//! scratch working directory (so no `fargate.toml` is picked up by accident).

#![allow(clippy::unwrap_used)] // test support: a failure here should stop the test loudly

pub mod ecs_script;
pub mod hostile;
pub mod image;
pub mod latency;
pub mod proxy;
pub mod registry;
pub mod scripted;
pub mod terraform;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "123456789012";

/// The Python interpreter that has moto installed (`MOTO_PYTHON`, default `python3`).
/// moto's server plus the calls it lacks (docs/architecture/emulator.md): every
/// emulator of the project starts through it.
pub const MOTO_SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/moto_shim.py");

pub fn python() -> String {
    if let Ok(p) = std::env::var("MOTO_PYTHON") {
        return p;
    }
    // The test tools' virtualenv that `cargo xtask ci` creates (requirements-dev.txt:
    // the moto version the tests need), else the system's python3.
    let venv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python");
    if venv.exists() {
        return venv.display().to_string();
    }
    "python3".into()
}

#[derive(Debug)]
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    scratch: tempfile::TempDir,
}

impl Moto {
    /// Start a server; panics with install instructions when moto is missing.
    pub fn start() -> Moto {
        Self::start_with_env(&[])
    }

    /// Start a server with extra environment (e.g. `MOTO_ECS_SERVICE_RUNNING`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let mut last_err = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = tempfile::NamedTempFile::new().unwrap();
            let mut child = Command::new(python())
                .args([MOTO_SHIM, "-H", "127.0.0.1", "-p", &port.to_string()])
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log.reopen().unwrap())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {} for moto: {e}; install Python 3 and run `pip install 'moto[server]'`", python())
                });
            match wait_ready(&mut child, port) {
                Ok(()) => {
                    let scratch = tempfile::tempdir().unwrap();
                    // Empty AWS files: nothing from the developer's ~/.aws leaks in.
                    let aws = scratch.path().join("home/.aws");
                    std::fs::create_dir_all(&aws).unwrap();
                    std::fs::write(aws.join("config"), "").unwrap();
                    std::fs::write(aws.join("credentials"), "").unwrap();
                    return Moto {
                        child,
                        port,
                        endpoint: format!("http://127.0.0.1:{port}"),
                        scratch,
                    };
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let stderr = std::fs::read_to_string(log.path()).unwrap_or_default();
                    if stderr.contains("No module named") {
                        panic!(
                            "moto is not installed for {}: run `pip install 'moto[server]'` \
                             (or set MOTO_PYTHON to an interpreter that has it)\n{stderr}",
                            python()
                        );
                    }
                    last_err = format!("{e}\n{stderr}");
                }
            }
        }
        panic!("moto server did not start: {last_err}");
    }

    /// Scratch directory used as the working directory of commands.
    pub fn dir(&self) -> &Path {
        self.scratch.path()
    }

    /// Environment that points a client at this server, hermetically.
    pub fn env(&self) -> Vec<(String, String)> {
        let home = self.scratch.path().join("home");
        let aws_config = home.join(".aws/config");
        let aws_credentials = home.join(".aws/credentials");
        let v = [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", aws_config.to_str().unwrap()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                aws_credentials.to_str().unwrap(),
            ),
            // Unimplemented emulator calls answer 500; do not retry them for long.
            ("AWS_MAX_ATTEMPTS", "2"),
            ("NO_COLOR", "1"),
            ("HOME", home.to_str().unwrap()),
        ];
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A command for one of the workspace's binaries, pointed at this server.
    pub fn cmd(&self, bin: impl AsRef<Path>) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd(bin))
    }

    /// The same as a `std` command, for tests that spawn several at once.
    pub fn std_cmd(&self, bin: impl AsRef<Path>) -> Command {
        let mut c = Command::new(bin.as_ref());
        for k in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "FARGATE_CONFIG",
            "FARGATE_ENVIRONMENT",
            "RUST_LOG",
            // A width the runner exports would fit every table to it.
            "COLUMNS",
        ] {
            c.env_remove(k);
        }
        c.envs(self.env()).current_dir(self.dir());
        c
    }

    /// Store an image manifest (a config digest, no layers) under `repo:tag` in the
    /// emulator's ECR, creating the repository if needed; returns the image digest moto
    /// reports. What a pushed image looks like to ECS and the tools' checks.
    pub fn seed_image(&self, repo: &str, tag: &str) -> String {
        self.python(&format!(
            "import boto3,json; e=boto3.client('ecr')\n\
try:\n    e.create_repository(repositoryName='{repo}')\n\
except e.exceptions.RepositoryAlreadyExistsException:\n    pass\n\
m=json.dumps({{'schemaVersion': 2, 'mediaType': 'application/vnd.docker.distribution.manifest.v2+json', \
'config': {{'mediaType': 'application/vnd.docker.container.image.v1+json', 'size': 7023, 'digest': 'sha256:' + 'b'*64}}, 'layers': []}})\n\
print(e.put_image(repositoryName='{repo}', imageManifest=m, imageTag='{tag}')['image']['imageId']['imageDigest'])"
        ))
        .trim()
        .to_string()
    }

    /// Run a Python/boto3 snippet against this server; returns its stdout.
    /// `client = boto3.client(...)` is up to the snippet; credentials come from env.
    pub fn python(&self, script: &str) -> String {
        let out = Command::new(python())
            .args(["-c", script])
            .envs(self.env())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "python failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// What AWS Budgets does past a spend cap: invoke the cost guard function
    /// `function` (terraform/modules/cost-guard in `project`), here run as Lambda runs
    /// it (moto runs no functions): its handler, with the environment Terraform gave the
    /// function, and an SNS event. Returns what the handler printed.
    pub fn trip_spend_cap(&self, project: &Path, function: &str) -> String {
        let module = project.join("terraform/modules/cost-guard");
        self.python(&format!(
            "import boto3, os, sys\n\
env=boto3.client('lambda').get_function_configuration(FunctionName={function:?})['Environment']['Variables']\n\
os.environ.update(env)\n\
sys.path.insert(0, {:?})\n\
import guard\n\
guard.handler({{'Records': [{{'Sns': {{'Message': 'AWS Budgets: the spend cap was exceeded'}}}}]}})",
            module.display().to_string()
        ))
    }

    /// POST JSON to a moto control endpoint (e.g. `/moto-api/static/ce/cost-and-usage-results`).
    pub fn post(&self, path: &str, body: &str) -> u16 {
        http(self.port, "POST", path, body).0
    }

    /// Clear all emulator state.
    pub fn reset(&self) {
        self.post("/moto-api/reset", "");
    }

    /// Write a file into the scratch directory and return its path.
    pub fn write_file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.dir().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("moto server exited early ({status})"));
        }
        if http(port, "GET", "/moto-api/", "").0 == 200 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("moto server did not answer within 30 s".into())
}

/// Minimal HTTP/1.0 client for the emulator's control API (no extra dependency).
fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let status = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// An executable shell script `dir/name` running `body`: a stand-in for a tool (docker,
/// terraform, aws, ...) on a test's PATH.
pub fn stub_tool(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// A hermetic command for a binary that talks to `endpoint` (a scripted server, a
/// proxy, or a dead port): fake credentials, fixed region, one attempt per call, no
/// profile files, no colours, a scratch working directory.
pub fn cmd_against(bin: impl AsRef<Path>, endpoint: &str) -> assert_cmd::Command {
    let home = tempfile::tempdir().unwrap().keep();
    let mut c = assert_cmd::Command::new(bin.as_ref());
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("NO_COLOR", "1")
        .current_dir(&home)
        .timeout(Duration::from_secs(120));
    c
}

/// A binary's help text, rendered the same on every machine (100 columns, no colour,
/// no AWS/FARGATE variables leaking into `[env: ...]`), for snapshot tests.
///
/// Its examples are also checked at 80 columns: each line fits as written, so clap never
/// wraps one and a copied command works (long commands continue with ` \`).
pub fn help_text(bin: &str, args: &[&str]) -> String {
    let render = |columns: &str| {
        let out = assert_cmd::Command::new(bin)
            .args(args)
            .env("COLUMNS", columns)
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_REGION")
            .env_remove("FARGATE_ENVIRONMENT")
            .env_remove("FARGATE_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{bin} {args:?} failed");
        String::from_utf8(out.stdout).unwrap()
    };
    let text = render("100");
    let narrow = examples(&render("80"));
    assert_eq!(
        narrow,
        examples(&text),
        "{bin} {args:?}: an example is wrapped at 80 columns; keep each line within 80 (comments on their own line, ` \\` to continue)"
    );
    if let Some(long) = narrow.iter().find(|l| l.chars().count() > 80) {
        panic!("{bin} {args:?}: example line over 80 columns: {long}");
    }
    text
}

/// The lines of a help text's `Examples:` section (up to its first blank line).
fn examples(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// A binary writes its own completions and man page (`--generate KIND`).
pub fn assert_generates(bin: &str) {
    let name = Path::new(bin).file_name().unwrap().to_str().unwrap();
    for (kind, marker) in [
        ("bash", name.to_string()),
        ("zsh", format!("#compdef {name}")),
        ("fish", format!("complete -c {name}")),
        ("man", format!(".TH {name} 1")),
    ] {
        let out = assert_cmd::Command::new(bin)
            .args(["--generate", kind])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains(&marker),
            "{name} --generate {kind}:\n{text}"
        );
    }
}
