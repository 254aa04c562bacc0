//! Regression tests for the defects found by attacking `parameter-store` as a hostile
//! user would (issue 8): secrets in errors, type downgrades, unbounded reads,
//! non-byte-exact output, dead endpoints, collisions, loops. Each test names the
//! items it covers.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use test_support::Moto;
use test_support::scripted::{Reply, Scripted};

const BIN: &str = env!("CARGO_BIN_EXE_parameter-store");
const SECRET: &str = "LeakMe-S3cret-999";

fn ps(m: &Moto) -> Command {
    m.cmd(BIN)
}

/// A hermetic command that talks to `endpoint` (not moto).
fn against(endpoint: &str) -> Command {
    test_support::cmd_against(BIN, endpoint)
}

fn boto_get(m: &Moto, name: &str) -> String {
    m.python(&format!(
        "import boto3,sys; p=boto3.client('ssm').get_parameter(Name='{name}', WithDecryption=True)['Parameter']; \
         sys.stdout.write(p['Type'] + '|' + p['Value'])"
    ))
}

/// C1: a SecureString value, given on stdin or in a file, never reaches stderr or
/// stdout, whatever error the run ends with.
#[test]
fn c1_a_secret_never_appears_in_any_error() {
    let m = Moto::start();
    let value_file = m.write_file("secret.txt", SECRET);
    let home = m.dir().join("home/.aws");
    std::fs::write(
        home.join("config"),
        "[profile leaky]\nregion = us-east-1\nendpoint_url = localhost:4566\n",
    )
    .expect("profile");
    let denied = Scripted::start(vec![(
        "PutParameter",
        vec![Reply::error("AccessDeniedException", "no ssm:PutParameter")],
    )]);
    let html = Scripted::start(vec![(
        "PutParameter",
        vec![Reply::Raw {
            status: 200,
            body: "<html>not AWS</html>".into(),
        }],
    )]);
    let hangup = Scripted::start(vec![("PutParameter", vec![Reply::Hangup])]);
    let routes: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "no scheme",
            vec![("AWS_ENDPOINT_URL", "localhost:4566".into())],
        ),
        (
            "service endpoint",
            vec![("AWS_ENDPOINT_URL_SSM", "localhost:4566".into())],
        ),
        ("bad ipv6", vec![("AWS_ENDPOINT_URL", "http://[::1".into())]),
        (
            "space",
            vec![("AWS_ENDPOINT_URL", "http://exa mple.com".into())],
        ),
        ("profile endpoint", vec![("AWS_PROFILE", "leaky".into())]),
        (
            "refused",
            vec![("AWS_ENDPOINT_URL", "http://127.0.0.1:1".into())],
        ),
        (
            "denied",
            vec![("AWS_ENDPOINT_URL", denied.endpoint.clone())],
        ),
        ("not AWS", vec![("AWS_ENDPOINT_URL", html.endpoint.clone())]),
        (
            "hang-up",
            vec![("AWS_ENDPOINT_URL", hangup.endpoint.clone())],
        ),
    ];
    for (label, env) in &routes {
        for from_file in [false, true] {
            let mut cmd = ps(&m);
            cmd.args([
                "create",
                "--name",
                "/app/leak/db",
                "--type",
                "SecureString",
                "-vv",
            ]);
            if from_file {
                cmd.arg("--from-file").arg(&value_file);
            } else {
                cmd.write_stdin(SECRET);
            }
            for (k, v) in env {
                cmd.env(k, v);
            }
            let out = cmd.output().expect("run");
            let code = out.status.code().unwrap_or(-1);
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!((1..=8).contains(&code), "{label}: exit {code}\n{all}");
            assert!(
                !all.contains(SECRET),
                "{label} (file: {from_file}) leaked:\n{all}"
            );
        }
    }
}

/// C1, the other end: even when a malformed endpoint reaches the SDK (no preflight),
/// the classified error carries no request body.
#[tokio::test]
async fn c1_sdk_construction_errors_are_scrubbed() {
    for endpoint in ["localhost:4566", "http://exa mple.com"] {
        let conf = aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                "AKIATEST", "secret", None, None, "test",
            ))
            .endpoint_url(endpoint)
            .build();
        let client = aws_sdk_ssm::Client::from_conf(conf);
        let err = client
            .put_parameter()
            .name("/app/leak/db")
            .value(SECRET)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .expect_err("cannot be sent");
        let e = aws_core::Error::from_sdk("ssm:PutParameter", err);
        assert!(
            !format!("{e} {:?}", e.hint()).contains(SECRET),
            "{endpoint}: {e}"
        );
    }
}

/// H1: overwriting a SecureString keeps it one; --value is refused for it; leaving
/// SecureString takes --change-type. L16: update of a missing name is exit 5.
#[test]
fn h1_overwrite_keeps_secure_string() {
    let m = Moto::start();
    ps(&m)
        .args(["create", "--name", "/app/dev/db", "--type", "SecureString"])
        .write_stdin("first")
        .assert()
        .success();
    let f = m.write_file("new.txt", "second-value");
    ps(&m)
        .args(["update", "--name", "/app/dev/db", "--from-file"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/dev/db"), "SecureString|second-value");
    ps(&m)
        .args(["update", "--name", "/app/dev/db", "--value", "on-argv"])
        .assert()
        .code(2)
        .stderr(contains("--value is not accepted"));
    ps(&m)
        .args([
            "create",
            "--overwrite",
            "--name",
            "/app/dev/db",
            "--type",
            "String",
            "--from-file",
        ])
        .arg(&f)
        .assert()
        .code(2)
        .stderr(contains("--change-type"));
    assert_eq!(boto_get(&m, "/app/dev/db"), "SecureString|second-value");
    ps(&m)
        .args([
            "update",
            "--name",
            "/app/dev/db",
            "--type",
            "String",
            "--change-type",
            "--from-file",
        ])
        .arg(&f)
        .assert()
        .success()
        .stderr(contains("stored and shown unencrypted"));
    assert_eq!(boto_get(&m, "/app/dev/db"), "String|second-value");
    ps(&m)
        .args(["update", "--name", "/app/dev/missing", "--from-file"])
        .arg(&f)
        .assert()
        .code(5)
        .stderr(contains("use `create`"));
}

/// M2: raw output and exports are byte-exact, so an export re-imports as unchanged.
/// L14: the human table shows the escape sequence instead of obeying it.
#[test]
fn m2_raw_output_is_byte_exact_and_tables_are_inert() {
    let m = Moto::start();
    let value = "p\u{1b}[31mw\u{1b}[0md";
    m.python(
        "import boto3; boto3.client('ssm').put_parameter(Name='/app/esc/pw', Type='SecureString', \
         Value='p\\x1b[31mw\\x1b[0md')",
    );
    ps(&m)
        .args(["get", "/app/esc/pw", "--reveal", "--raw"])
        .assert()
        .success()
        .stdout(format!("{value}\n"));
    ps(&m)
        .args(["list", "/app/esc", "--reveal"])
        .assert()
        .success()
        .stdout(contains("p\\x1b[31mw\\x1b[0md").and(contains("\u{1b}").not()));
    let out = ps(&m)
        .args(["export", "/app/esc", "--format", "dotenv", "--reveal"])
        .output()
        .expect("export");
    let file = m.write_file("esc.env", &String::from_utf8(out.stdout).expect("utf8"));
    ps(&m)
        .args(["import", "/app/esc"])
        .arg(&file)
        .args(["--dry-run"])
        .assert()
        .success()
        .stderr(contains("0 to create, 0 to update, 1 unchanged"));
}

/// M3: /dev/zero as a value file or on stdin is refused at once, with exit 2.
/// L3: a directory or a missing file is exit 2 with one message, no repeated cause.
#[test]
fn m3_l3_unbounded_and_wrong_inputs_are_usage_errors() {
    let m = Moto::start();
    ps(&m)
        .args(["create", "--name", "/app/dev/z", "--from-file", "/dev/zero"])
        .assert()
        .code(2)
        .stderr(contains("is a device"));
    ps(&m)
        .args(["create", "--name", "/app/dev/z", "--type", "SecureString"])
        .write_stdin(vec![0u8; 100_000])
        .assert()
        .code(2)
        .stderr(contains("larger than 8 KiB"));
    let dir = m.dir().to_path_buf();
    ps(&m)
        .args(["create", "--name", "/app/dev/z", "--from-file"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(contains("is a directory").and(contains("caused by").not()));
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/z",
            "--from-file",
            "missing.txt",
        ])
        .assert()
        .code(2)
        .stderr(contains("no such file").and(contains("caused by").not()));
    ps(&m)
        .args(["import", "/app/dev", "/dev/zero", "--format", "json"])
        .assert()
        .code(2);
}

/// M4 + L7: when the endpoint stops answering mid-import, the writes it received are
/// "outcome unknown" (they did land), and the import stops after the window of writes
/// in flight (three in a row unanswered is the limit) instead of spending the retry
/// budget on every remaining parameter.
#[test]
fn m4_l7_dead_endpoint_stops_the_import_and_reports_unknown() {
    let m = Moto::start();
    let entries: Vec<String> = (0..8).map(|i| format!("\"k{i}\": \"v{i}\"")).collect();
    let file = m.write_file("many.json", &format!("{{{}}}", entries.join(",")));
    // One answered call: the listing of what exists. Every write after it lands
    // in moto but the client hears nothing.
    let proxy = test_support::proxy::HangupProxy::start(m.port, 1);
    let out = ps(&m)
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["import", "/app/flaky"])
        .arg(&file)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("0 failed, 4 unknown, 4 not attempted"),
        "{stderr}"
    );
    assert!(
        stderr.contains("outcome unknown (sent, no answer): /app/flaky/k0"),
        "{stderr}"
    );
    // They did land: a re-run through a healthy endpoint finds them unchanged.
    ps(&m)
        .args(["import", "/app/flaky"])
        .arg(&file)
        .assert()
        .success()
        .stderr(contains("4 created, 0 updated, 4 unchanged"));
}

/// L8: two identical imports at once both succeed (an equal value written by the
/// other run is "done", not "already exists; pass --overwrite").
#[test]
fn l8_concurrent_identical_imports_both_succeed() {
    let m = Moto::start();
    let entries: Vec<String> = (0..15).map(|i| format!("\"k{i}\": \"v{i}\"")).collect();
    let file = m.write_file("same.json", &format!("{{{}}}", entries.join(",")));
    let spawn = || {
        std::process::Command::new(BIN)
            .envs(m.env())
            .current_dir(m.dir())
            .args(["import", "/app/race"])
            .arg(&file)
            .output()
            .expect("spawn")
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().expect("a"), b.join().expect("b"))
    });
    for out in [a, b] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// L1, L2: exec refuses colliding names and PATH/HOME overrides; an empty path is
/// exit 5 instead of a silent start without secrets.
#[test]
fn l1_l2_exec_refuses_ambiguous_or_empty_environments() {
    let m = Moto::start();
    for (name, value) in [("/app/x/db-password", "a"), ("/app/x/db_password", "b")] {
        m.python(&format!(
            "import boto3; boto3.client('ssm').put_parameter(Name='{name}', Type='String', Value='{value}')"
        ));
    }
    ps(&m)
        .args(["exec", "/app/x", "--", "true"])
        .assert()
        .code(2)
        .stderr(contains("both become $DB_PASSWORD"));
    m.python("import boto3; boto3.client('ssm').put_parameter(Name='/app/y/home', Type='String', Value='/tmp')");
    ps(&m)
        .args(["exec", "/app/y", "--", "true"])
        .assert()
        .code(2)
        .stderr(contains("$HOME"));
    ps(&m)
        .args([
            "exec",
            "/app/y",
            "--allow-override",
            "--",
            "sh",
            "-c",
            "test \"$HOME\" = /tmp",
        ])
        .assert()
        .success();
    ps(&m)
        .args(["exec", "/app/typo", "--", "true"])
        .assert()
        .code(5)
        .stderr(contains("--allow-empty"));
    ps(&m)
        .args(["exec", "/app/typo", "--allow-empty", "--", "true"])
        .assert()
        .success();
}

/// L4, L5, L25: duplicate JSON keys are refused; numbers keep the text as written;
/// a byte-order mark is ignored.
#[test]
fn l4_l5_l25_import_files_mean_what_they_say() {
    let m = Moto::start();
    let dup = m.write_file("dup.json", "{\"a\": \"1\", \"a\": \"2\"}");
    ps(&m)
        .args(["import", "/app/f"])
        .arg(&dup)
        .assert()
        .code(2)
        .stderr(contains("defined twice"));
    let yaml = m.write_file("n.yaml", "version: 1.10\nmask: 0x1F\nbig: 1e3\n");
    ps(&m)
        .args(["import", "/app/f", "--type", "String"])
        .arg(&yaml)
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/f/version"), "String|1.10");
    assert_eq!(boto_get(&m, "/app/f/mask"), "String|0x1F");
    let json = m.write_file("n.json", "{\"big\": 1e3}");
    ps(&m)
        .args(["import", "/app/g", "--type", "String"])
        .arg(&json)
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/g/big"), "String|1e3");
    let bom = m.write_file("bom.env", "\u{feff}A=1\n");
    ps(&m)
        .args(["import", "/app/h", "--type", "String"])
        .arg(&bom)
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/h/A"), "String|1");
}

/// L6: copying a path into its own subtree is refused (each run would copy the
/// copies). L15: a path without a leading slash gets the right message.
#[test]
fn l6_l15_path_mistakes() {
    let m = Moto::start();
    ps(&m)
        .args(["copy", "/app/cp", "/app/cp/backup"])
        .assert()
        .code(2)
        .stderr(contains("is inside /app/cp"));
    ps(&m)
        .args(["list", "no-slash"])
        .assert()
        .code(2)
        .stderr(contains("path \"no-slash\" must start with '/'"));
}

/// L9: rejected credentials are exit 4 with their own message, not "access denied".
/// L10: a non-AWS answer says so instead of "Unknown:". L11: a repeated page token
/// stops the listing. L13: an unknown parameter type is masked.
#[test]
fn l9_l10_l11_l13_misbehaving_servers() {
    let bad_key = Scripted::start(vec![(
        "GetParameter",
        vec![Reply::error(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )],
    )]);
    against(&bad_key.endpoint)
        .args(["get", "/app/x"])
        .assert()
        .code(4)
        .stderr(contains("rejected the credentials").and(contains("access denied").not()));

    let html = Scripted::start(vec![(
        "GetParameter",
        vec![Reply::Raw {
            status: 200,
            body: "<html>hello</html>".into(),
        }],
    )]);
    against(&html.endpoint)
        .args(["get", "/app/x"])
        .assert()
        .code(1)
        .stderr(contains("not an AWS API response").and(contains("Unknown:").not()));

    let param = |name: &str, kind: &str| serde_json::json!({"Name": name, "Type": kind, "Value": "ciphertext-or-not", "Version": 1});
    // A path with more than one page is listed wide (DescribeParameters, then
    // GetParameters): a server repeating its page token stops either way.
    let looping = Scripted::start(vec![
        (
            "GetParametersByPath",
            vec![Reply::json(serde_json::json!({
                "Parameters": [param("/app/l/a", "String")],
                "NextToken": "first-page" // pragma: allowlist secret
            }))],
        ),
        (
            "DescribeParameters",
            vec![Reply::json(serde_json::json!({
                "Parameters": [{"Name": "/app/l/a", "Type": "String"}],
                "NextToken": "same-token" // pragma: allowlist secret
            }))],
        ),
        (
            "GetParameters",
            vec![Reply::json(serde_json::json!({
                "Parameters": [param("/app/l/a", "String")], "InvalidParameters": []
            }))],
        ),
    ]);
    against(&looping.endpoint)
        .args(["list", "/app/l"])
        .assert()
        .code(1)
        .stderr(contains("same page token twice"));
    assert!(looping.calls("DescribeParameters") <= 3);

    let odd = Scripted::start(vec![(
        "GetParametersByPath",
        vec![Reply::json(serde_json::json!({
            "Parameters": [param("/app/o/new", "FancyNewType")]
        }))],
    )]);
    against(&odd.endpoint)
        .args(["list", "/app/o"])
        .assert()
        .success()
        .stdout(contains("********").and(contains("ciphertext-or-not").not()));
}

/// M9, M10, L9 (profile named), L12: hostile environments are clear errors with
/// documented exit codes, never a panic.
#[test]
fn m9_m10_l12_hostile_environments() {
    let m = Moto::start();
    test_support::hostile::assert_survives("parameter-store get", || {
        let mut c = ps(&m);
        c.args(["get", "/app/dev/x"]);
        c
    });
    ps(&m)
        .env("AWS_PROFILE", "nosuch")
        .args(["get", "/app/dev/x"])
        .assert()
        .code(3)
        .stderr(contains("profile \"nosuch\" is not defined"));
}

/// M1: `export --file /dev/stdout` writes through the link; it never replaces
/// /dev/stdout with a regular file (as root, a rename would).
#[cfg(target_os = "linux")]
#[test]
fn m1_export_to_dev_stdout_writes_through() {
    let m = Moto::start();
    m.python("import boto3; boto3.client('ssm').put_parameter(Name='/app/m1/a', Type='String', Value='one')");
    ps(&m)
        .args(["export", "/app/m1", "--file", "/dev/stdout"])
        .assert()
        .success()
        .stdout(contains("\"a\": \"one\""));
    let meta = std::fs::symlink_metadata("/dev/stdout").expect("/dev/stdout");
    assert!(meta.file_type().is_symlink(), "/dev/stdout was replaced");
}
