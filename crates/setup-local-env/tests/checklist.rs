//! setup-local-env on fake machines: PATHs of stub tools printing chosen versions,
//! credentials that work (moto), have expired (scripted STS) or are missing.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use test_support::Moto;
use test_support::scripted::{Reply, Scripted};

const BIN: &str = env!("CARGO_BIN_EXE_setup-local-env");

struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    /// A machine whose PATH holds only the stubs given (name, what `--version` prints).
    fn new(tools: &[(&str, &str)]) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        for (name, script) in tools {
            test_support::stub_tool(&bin, name, script);
        }
        Machine { dir }
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn mirror(&self) -> PathBuf {
        let m = self.dir.path().join("mirror");
        std::fs::create_dir_all(m.join("registry.terraform.io/hashicorp/aws/5.100.0")).unwrap();
        m
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", self.dir.path().join("bin"))
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .env("AWS_CONFIG_FILE", self.dir.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.path().join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1")
            .current_dir(self.work())
            .timeout(std::time::Duration::from_secs(60));
        c
    }
}

const TF_NEW: (&str, &str) = ("terraform", r#"echo '{"terraform_version":"1.11.4"}'"#);
const TF_OLD: (&str, &str) = ("terraform", r#"echo '{"terraform_version":"1.9.8"}'"#);
const AWS_V2: (&str, &str) = (
    "aws",
    "echo 'aws-cli/2.15.30 Python/3.11.8 Linux/6 exe/x86_64'",
);
const AWS_V1: (&str, &str) = (
    "aws",
    "echo 'aws-cli/1.33.0 Python/3.11.8 Linux/6 botocore/1.34'",
);

fn checks(out: &[u8]) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)));
    let mut by_name = serde_json::Map::new();
    for c in v["checks"].as_array().unwrap() {
        by_name.insert(c["name"].as_str().unwrap().to_string(), c.clone());
    }
    serde_json::json!({"ready": v["ready"], "checks": by_name, "fixed": v["fixed"]})
}

fn with_moto(c: &mut Command, m: &Moto) {
    for (k, v) in m.env() {
        if k != "HOME" && k != "AWS_CONFIG_FILE" && k != "AWS_SHARED_CREDENTIALS_FILE" {
            c.env(k, v);
        }
    }
}

#[test]
fn a_ready_machine_exits_0_with_working_credentials() {
    let m = Moto::start();
    let machine = Machine::new(&[TF_NEW, AWS_V2]);
    let mut c = machine.cmd();
    with_moto(&mut c, &m);
    let out = c.args(["-o", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = checks(&out.stdout);
    assert_eq!(r["ready"], true);
    assert_eq!(r["checks"]["terraform"]["found"], "1.11.4");
    assert_eq!(r["checks"]["aws cli"]["status"], "ok");
    assert_eq!(r["checks"]["credentials"]["found"], "account 123456789012");
    assert_eq!(
        r["checks"]["docker/podman"]["status"], "warn",
        "optional, and absent"
    );
}

#[test]
fn an_old_terraform_and_aws_cli_v1_are_named_with_their_fixes() {
    let m = Moto::start();
    let machine = Machine::new(&[TF_OLD, AWS_V1]);
    let mut c = machine.cmd();
    with_moto(&mut c, &m);
    let out = c.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1.9.8 is older than 1.11"), "{text}");
    assert!(text.contains("S3 native locking"), "{text}");
    assert!(
        text.contains("`aws sso login` (SSO profiles) needs version 2"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not ready: terraform missing"));
}

#[test]
fn expired_and_missing_credentials_say_how_to_log_in() {
    let sts = Scripted::start(vec![(
        "GetCallerIdentity",
        vec![Reply::Raw {
            status: 400,
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>\
                   <Message>The security token included in the request is expired</Message>\
                   </Error><RequestId>r1</RequestId></ErrorResponse>"
                .into(),
        }],
    )]);
    let machine = Machine::new(&[TF_NEW, AWS_V2]);
    let out = machine
        .cmd()
        .env("AWS_ENDPOINT_URL", &sts.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let r = checks(&out.stdout);
    assert_eq!(r["checks"]["credentials"]["status"], "missing");
    assert!(
        r["checks"]["credentials"]["fix"]
            .as_str()
            .unwrap()
            .contains("aws sso login"),
        "{}",
        r["checks"]["credentials"]
    );

    let out = machine
        .cmd()
        .env("AWS_REGION", "us-east-1")
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let r = checks(&out.stdout);
    assert!(
        r["checks"]["credentials"]["fix"]
            .as_str()
            .unwrap()
            .contains("aws configure sso"),
        "{}",
        r["checks"]["credentials"]
    );

    // No region at all: its own check fails, with the fix.
    let out = machine.cmd().args(["-o", "json"]).output().unwrap();
    let r = checks(&out.stdout);
    assert_eq!(r["checks"]["region"]["status"], "missing");
}

#[test]
fn the_emulator_workflow_needs_a_mirror_and_moto_but_no_credentials() {
    let machine = Machine::new(&[TF_NEW, ("python3", "echo 5.2.5")]);
    let mirror = machine.mirror();
    let out = machine
        .cmd()
        .env("TF_PROVIDER_MIRROR", &mirror)
        .args(["--emulator", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = checks(&out.stdout);
    // Found, but not where a plain `terraform init` looks: a warning, not a block
    // (cargo xtask writes its own CLI configuration).
    assert_eq!(r["checks"]["aws provider"]["status"], "warn");
    assert_eq!(r["checks"]["credentials"]["status"], "skipped");
    assert_eq!(
        r["checks"]["python + moto"]["found"],
        "moto 5.2.5 (python3)"
    );

    // An old moto and no mirror: both block the emulator path.
    let old = Machine::new(&[TF_NEW, ("python3", "echo 5.1.0")]);
    let out = old
        .cmd()
        .args(["--emulator", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let r = checks(&out.stdout);
    assert_eq!(r["checks"]["python + moto"]["status"], "missing");
    // /opt/tf-plugins may exist on this machine; HOME has no mirror.
    if !Path::new("/opt/tf-plugins/registry.terraform.io/hashicorp/aws").exists() {
        assert_eq!(r["checks"]["aws provider"]["status"], "missing");
    }
}

#[test]
fn fix_writes_profile_and_region_once() {
    let machine = Machine::new(&[TF_NEW]);
    let run = || {
        machine
            .cmd()
            .args(["--fix", "--region", "eu-west-1", "-e", "dev", "-o", "json"])
            .output()
            .unwrap()
    };
    let first = run();
    let file = machine.work().join("fargate.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[environments.dev]") && text.contains("region = \"eu-west-1\""),
        "{text}"
    );
    assert_eq!(checks(&first.stdout)["fixed"][0]["outcome"], "changed");
    let second = run();
    assert_eq!(checks(&second.stdout)["fixed"][0]["outcome"], "unchanged");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "idempotent");
    // A hostile region is refused before anything is written.
    let out = machine
        .cmd()
        .args(["--fix", "--region", "eu-west-1\n[x]"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
    // AWS_PROFILE and AWS_REGION of this shell are not the project's: never persisted
    // (red team round 3, item 15).
    machine
        .cmd()
        .args(["--fix", "-e", "staging", "-o", "json"])
        .env("AWS_PROFILE", "alice-personal-admin")
        .env("AWS_REGION", "us-west-2")
        .output()
        .unwrap();
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(!after.contains("alice-personal-admin"), "{after}");
    assert!(!after.contains("us-west-2"), "{after}");

    // A profile AWS's files do not define is refused, and nothing is written (the
    // newcomer walkthrough wrote an undefined one); a defined one is written.
    let out = machine
        .cmd()
        .args([
            "--fix",
            "--profile",
            "dev",
            "--region",
            "eu-west-1",
            "-e",
            "dev",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("the AWS profile \"dev\" is not defined")
            && stderr.contains("aws configure sso --profile dev")
            && stderr.contains("nothing was written"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after);
    let config = machine.dir.path().join("aws-config");
    std::fs::write(&config, "[profile dev]\nregion = eu-west-1\n").unwrap();
    machine
        .cmd()
        .env("AWS_CONFIG_FILE", &config)
        .args([
            "--fix",
            "--profile",
            "dev",
            "--region",
            "eu-west-1",
            "-e",
            "dev",
        ])
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[environments.dev]") && text.contains("profile = \"dev\""),
        "{text}"
    );
}

#[test]
fn hostile_settings_are_check_failures_not_crashes() {
    let machine = Machine::new(&[TF_NEW, ("aws", "sleep 1; exit 3")]);
    for (k, v) in [
        ("AWS_ENDPOINT_URL", ""),
        ("AWS_PROFILE", "nope"),
        ("AWS_MAX_ATTEMPTS", "-1"),
    ] {
        let out = machine
            .cmd()
            .env("AWS_REGION", "us-east-1")
            .env(k, v)
            .output()
            .unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(3) | Some(8)),
            "{k}={v:?}: {code:?} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

/// Issue 27: "terraform init works offline" is said only when it is true. --fix writes
/// ~/.terraformrc with the mirror (never over an existing one), and then a plain
/// `terraform init` of terraform/global, with no TF_CLI_CONFIG_FILE, works offline.
#[test]
fn fix_makes_a_plain_terraform_init_use_the_mirror() {
    let machine = Machine::new(&[TF_NEW]);
    let mirror = machine.mirror();
    let run = |fix: bool| {
        let mut c = machine.cmd();
        c.env("TF_PROVIDER_MIRROR", &mirror).args(["-o", "json"]);
        if fix {
            c.arg("--fix");
        }
        checks(&c.output().unwrap().stdout)
    };
    let before = run(false);
    assert_eq!(
        before["checks"]["aws provider"]["status"], "warn",
        "{before:#}"
    );
    let rc = machine.dir.path().join(".terraformrc");
    assert!(!rc.exists(), "a check writes nothing");
    let after = run(true);
    let text = std::fs::read_to_string(&rc).unwrap();
    assert!(
        text.contains(&format!("path    = \"{}\"", mirror.display())),
        "{text}"
    );
    assert_eq!(after["checks"]["aws provider"]["status"], "ok", "{after:#}");
    assert!(
        after["checks"]["aws provider"]["detail"]
            .as_str()
            .unwrap()
            .contains("terraform init works offline")
    );
    // An existing configuration is the user's: left alone, the lines to add are printed.
    std::fs::write(&rc, "# mine\n").unwrap();
    let again = run(true);
    assert_eq!(std::fs::read_to_string(&rc).unwrap(), "# mine\n");
    let fixed = again["fixed"].as_array().unwrap();
    assert!(
        fixed.iter().any(|f| f["outcome"] == "manual"
            && f["detail"].as_str().unwrap().contains("filesystem_mirror")),
        "{again:#}"
    );

    // With the real provider mirror and real Terraform: a plain init, offline.
    let Ok(real) = test_support::terraform::mirror() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .env("HOME", home.path())
        .env("TF_PROVIDER_MIRROR", &real)
        .env_remove("TF_CLI_CONFIG_FILE")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .current_dir(home.path())
        .args(["--fix", "-o", "json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        home.path().join(".terraformrc").is_file(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = home.path().join("terraform");
    test_support::terraform::copy_tree(&test_support::terraform::source_dir(), &tree).unwrap();
    let root = tree.join("global");
    let init = std::process::Command::new("terraform")
        .args(["init", "-backend=false", "-input=false", "-no-color"])
        .current_dir(&root)
        .env("HOME", home.path())
        .env_remove("TF_CLI_CONFIG_FILE")
        .env("TF_PLUGIN_CACHE_DIR", "")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr)
    );
}
