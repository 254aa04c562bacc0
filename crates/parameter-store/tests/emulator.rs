//! End-to-end tests: the real `parameter-store` binary against moto's server.
//! Every documented command line of PRODUCT.md for this tool is exercised here.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use test_support::Moto;

const BIN: &str = env!("CARGO_BIN_EXE_parameter-store");
const SECRET: &str = "s3cr3t-VALUE-do-not-print";

fn ps(m: &Moto) -> Command {
    m.cmd(BIN)
}

/// A command whose every AWS call would fail: proves validation happens first.
fn offline() -> Command {
    let mut c = Command::new(BIN);
    c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE");
    c
}

fn boto_get(m: &Moto, name: &str) -> String {
    m.python(&format!(
        "import boto3,sys; p=boto3.client('ssm').get_parameter(Name='{name}', WithDecryption=True)['Parameter']; \
         sys.stdout.write(p['Type'] + '|' + str(p['Version']) + '|' + p['Value'])"
    ))
}

fn boto_count(m: &Moto, path: &str) -> usize {
    m.python(&format!(
        "import boto3; c=boto3.client('ssm'); pg=c.get_paginator('get_parameters_by_path'); \
         print(sum(len(p['Parameters']) for p in pg.paginate(Path='{path}', Recursive=True)))"
    ))
    .trim()
    .parse()
    .expect("count")
}

fn boto_put(m: &Moto, name: &str, kind: &str, value: &str) {
    m.python(&format!(
        "import boto3; boto3.client('ssm').put_parameter(Name='{name}', Type='{kind}', Value='{value}', Overwrite=True)"
    ));
}

#[test]
fn documented_secure_create_reads_stdin_and_boto3_reads_it_back() {
    let m = Moto::start();
    // `printf %s "$PW" | parameter-store create --name /app/dev/db-password --type SecureString`
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/db-password",
            "--type",
            "SecureString",
        ])
        .write_stdin(SECRET)
        .assert()
        .success()
        .stdout(contains(SECRET).not())
        .stderr(
            contains(SECRET)
                .not()
                .and(contains("created /app/dev/db-password")),
        );
    assert_eq!(
        boto_get(&m, "/app/dev/db-password"),
        format!("SecureString|1|{SECRET}")
    );
}

#[test]
fn echo_style_trailing_newline_is_dropped() {
    let m = Moto::start();
    ps(&m)
        .args(["create", "--name", "/app/dev/pw", "--type", "SecureString"])
        .write_stdin(format!("{SECRET}\n"))
        .assert()
        .success();
    assert_eq!(
        boto_get(&m, "/app/dev/pw"),
        format!("SecureString|1|{SECRET}")
    );
}

#[test]
fn documented_create_from_json_file() {
    let m = Moto::start();
    let body = "{\n  \"log_level\": \"info\",\n  \"port\": 8080\n}\n";
    m.write_file("config.json", body);
    // `parameter-store create --name "/app/dev/config" --from-file config.json`
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/config",
            "--from-file",
            "config.json",
        ])
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/dev/config"), format!("String|1|{body}"));
}

#[test]
fn invalid_json_file_is_refused_and_nothing_written() {
    let m = Moto::start();
    m.write_file("config.json", "{\"a\": ,}");
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/config",
            "--from-file",
            "config.json",
        ])
        .assert()
        .code(2)
        .stderr(contains("not valid JSON").and(contains("line 1")));
    assert_eq!(boto_count(&m, "/app"), 0);
}

#[test]
fn values_written_by_boto3_read_identically() {
    let m = Moto::start();
    boto_put(&m, "/app/dev/api-key", "SecureString", SECRET);
    boto_put(&m, "/app/dev/hosts", "StringList", "a,b,c");
    ps(&m)
        .args(["get", "/app/dev/api-key", "--reveal", "--raw"])
        .assert()
        .success()
        .stdout(format!("{SECRET}\n"));
    ps(&m)
        .args(["get", "/app/dev/hosts", "--raw"])
        .assert()
        .success()
        .stdout("a,b,c\n");
    // --with-decryption is the AWS CLI's spelling of --reveal.
    ps(&m)
        .args(["get", "/app/dev/api-key", "--with-decryption", "-o", "json"])
        .assert()
        .success()
        .stdout(contains(SECRET).and(contains("\"type\": \"SecureString\"")));
}

#[test]
fn secure_values_never_appear_without_reveal() {
    let m = Moto::start();
    boto_put(&m, "/app/dev/db-password", "SecureString", SECRET);
    boto_put(&m, "/app/dev/region", "String", "us-east-1");
    boto_put(
        &m,
        "/app/prod/db-password",
        "SecureString",
        "other-secret-value",
    );
    // Give the secret a history of two versions.
    boto_put(
        &m,
        "/app/dev/db-password",
        "SecureString",
        &format!("{SECRET}-2"),
    );
    let runs: Vec<Vec<&str>> = vec![
        vec!["list", "/app/dev"],
        vec!["list", "/app/dev", "-o", "json"],
        vec!["-vv", "list", "/app"],
        vec!["get", "/app/dev/db-password"],
        vec!["get", "/app/dev/db-password", "-o", "json"],
        vec!["history", "/app/dev/db-password"],
        vec!["history", "/app/dev/db-password", "-o", "json"],
        vec!["-vv", "history", "/app/dev/db-password"],
        vec!["diff", "/app/dev", "/app/prod"],
        vec!["diff", "/app/dev", "/app/prod", "-o", "json"],
        vec!["-vv", "diff", "/app/dev", "/app/prod"],
        vec!["export", "/app/dev"],
        vec!["export", "/app/dev", "--format", "yaml"],
        vec!["export", "/app/dev", "--format", "dotenv"],
        vec!["-vv", "export", "/app/dev"],
        vec!["-vv", "exec", "/app/dev", "--", "true"],
    ];
    for args in runs {
        let out = ps(&m).args(&args).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(SECRET), "{args:?} leaked the secret:\n{all}");
        assert!(
            !all.contains("other-secret-value"),
            "{args:?} leaked:\n{all}"
        );
    }
    // Masked, but the String value is shown.
    ps(&m)
        .args(["list", "/app/dev"])
        .assert()
        .stdout(contains("********").and(contains("us-east-1")));
    // With --reveal the secret is there.
    ps(&m)
        .args(["list", "/app/dev", "--reveal"])
        .assert()
        .stdout(contains(SECRET));
}

#[test]
fn secure_value_on_the_command_line_is_refused() {
    let m = Moto::start();
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/pw",
            "--type",
            "SecureString",
            "--value",
            SECRET,
        ])
        .assert()
        .code(2)
        .stderr(
            contains("--value is not accepted for /app/dev/pw, a SecureString")
                .and(contains(SECRET).not()),
        );
    assert_eq!(boto_count(&m, "/app"), 0);
}

#[test]
fn oversize_standard_value_is_refused_before_any_call() {
    let dir = tempfile::tempdir().expect("tmp");
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "x".repeat(5000)).expect("write");
    // The endpoint is closed: reaching AWS would give exit 7, not 2.
    offline()
        .args(["create", "--name", "/app/dev/big", "--from-file"])
        .arg(&big)
        .assert()
        .code(2)
        .stderr(
            contains("5000 bytes")
                .and(contains("--tier advanced"))
                .and(contains("$0.05")),
        );
}

#[test]
fn advanced_tier_takes_large_values_and_states_the_price() {
    let m = Moto::start();
    m.write_file("big.txt", &"x".repeat(5000));
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/big",
            "--from-file",
            "big.txt",
            "--tier",
            "advanced",
        ])
        .assert()
        .success()
        .stderr(contains("$0.05 per parameter-month"));
}

#[test]
fn invalid_names_are_refused_before_any_call() {
    for (name, why) in [
        ("/app/dev/db password", "contains ' '"),
        ("app/dev/x", "fully qualified"),
        ("/aws/reserved", "reserves"),
        ("/app//x", "empty level"),
    ] {
        offline()
            .args(["create", "--name", name, "--value", "v"])
            .assert()
            .code(2)
            .stderr(contains(why));
    }
}

#[test]
fn existing_parameter_needs_overwrite() {
    let m = Moto::start();
    let create = |extra: &[&str]| {
        let mut c = ps(&m);
        c.args(["create", "--name", "/app/dev/x", "--value", "one"])
            .args(extra);
        c
    };
    create(&[]).assert().success();
    create(&[])
        .assert()
        .code(2)
        .stderr(contains("already exists").and(contains("--overwrite")));
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/x",
            "--value",
            "two",
            "--overwrite",
        ])
        .assert()
        .success()
        .stderr(contains("version 2"));
    ps(&m)
        .args([
            "update",
            "--name",
            "/app/dev/x",
            "--value",
            "three",
            "--tags",
            "team=web",
        ])
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/dev/x"), "String|3|three");
    ps(&m)
        .args(["history", "/app/dev/x", "-o", "json"])
        .assert()
        .success()
        .stdout(contains("\"version\": 3").and(contains("\"value\": \"two\"")));
}

#[test]
fn customer_managed_key_warns_about_its_price() {
    let m = Moto::start();
    ps(&m)
        .args([
            "create",
            "--name",
            "/app/dev/k",
            "--type",
            "SecureString",
            "--key-id",
            "alias/my-key",
            "--dry-run",
        ])
        .write_stdin("v")
        .assert()
        .success()
        .stderr(contains("$1.00/month").and(contains("dry run")));
    assert_eq!(boto_count(&m, "/app"), 0);
}

#[test]
fn import_is_validated_whole_and_idempotent() {
    let m = Moto::start();
    // One bad key: nothing at all is written.
    m.write_file("bad.env", "GOOD=1\nbad key=2\n");
    ps(&m)
        .args(["import", "/app/dev", "bad.env"])
        .assert()
        .code(2)
        .stderr(contains("bad.env:2").and(contains("invalid key")));
    let huge = format!("{{\"ok\": \"1\", \"too-big\": \"{}\"}}", "x".repeat(4100));
    m.write_file("bad.json", &huge);
    ps(&m)
        .args(["import", "/app/dev", "bad.json"])
        .assert()
        .code(2)
        .stderr(contains("too-big").and(contains("nothing was written")));
    assert_eq!(boto_count(&m, "/app"), 0);

    // A good file: all created as SecureString by default.
    m.write_file(
        "dev.yaml",
        "db-password: hunter2\nlog_level: info\nport: 8080\n",
    );
    ps(&m)
        .args(["import", "/app/dev", "dev.yaml", "-o", "json"])
        .assert()
        .success()
        .stdout(contains("\"created\": [\n    \"/app/dev/db-password\""));
    assert_eq!(boto_get(&m, "/app/dev/port"), "SecureString|1|8080");

    // Re-run: nothing rewritten, versions unchanged.
    let out = ps(&m)
        .args(["import", "/app/dev", "dev.yaml", "-o", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["created"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["updated"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["unchanged"].as_array().map(Vec::len), Some(3));
    assert_eq!(boto_get(&m, "/app/dev/port"), "SecureString|1|8080");

    // One change: exactly one update.
    m.write_file(
        "dev.yaml",
        "db-password: hunter2\nlog_level: debug\nport: 8080\n",
    );
    ps(&m)
        .args(["import", "/app/dev", "dev.yaml", "--dry-run"])
        .assert()
        .success()
        .stdout(contains("update"))
        .stderr(contains("1 to update, 2 unchanged"));
    ps(&m)
        .args(["import", "/app/dev", "dev.yaml"])
        .assert()
        .success();
    assert_eq!(boto_get(&m, "/app/dev/log_level"), "SecureString|2|debug");
    assert_eq!(boto_get(&m, "/app/dev/port"), "SecureString|1|8080");
}

#[test]
fn export_import_round_trip_through_a_private_file() {
    let m = Moto::start();
    boto_put(&m, "/app/dev/db-password", "SecureString", SECRET);
    boto_put(&m, "/app/dev/nested/url", "String", "https://x/y?a=1&b=2");
    for fmt in ["json", "yaml", "dotenv"] {
        let file = format!("dev.{}", if fmt == "dotenv" { "env" } else { fmt });
        ps(&m)
            .args([
                "export", "/app/dev", "--reveal", "--format", fmt, "--file", &file,
            ])
            .assert()
            .success();
        let path = m.dir().join(&file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        ps(&m)
            .args(["import", "/app/copy", &file, "-o", "json"])
            .assert()
            .success();
        // Values survive the round trip; types are not in the file (new keys
        // become SecureString), so the String one shows as "type differs".
        let diff = ps(&m)
            .args(["diff", "/app/dev", "/app/copy", "-o", "json"])
            .output()
            .expect("run");
        let d: serde_json::Value = serde_json::from_slice(&diff.stdout).expect("json");
        let statuses: Vec<&str> = d["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .filter_map(|k| k["status"].as_str())
            .collect();
        assert_eq!(statuses, vec!["same", "type_differs"], "{fmt}");
        let again = ps(&m)
            .args(["import", "/app/copy", &file, "-o", "json"])
            .output()
            .expect("run");
        let r: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json");
        assert_eq!(r["unchanged"].as_array().map(Vec::len), Some(2), "{fmt}");
    }
    // A masked export re-imports without touching the secret.
    ps(&m)
        .args(["export", "/app/dev", "--file", "masked.json"])
        .assert()
        .success();
    ps(&m)
        .args(["import", "/app/dev", "masked.json", "-o", "json"])
        .assert()
        .success()
        .stdout(contains("\"skipped\": [\n    \"/app/dev/db-password\""));
    assert_eq!(
        boto_get(&m, "/app/dev/db-password"),
        format!("SecureString|1|{SECRET}")
    );
}

#[test]
fn copy_then_diff_between_environments() {
    let m = Moto::start();
    boto_put(&m, "/app/dev/a", "String", "1");
    boto_put(&m, "/app/dev/b", "SecureString", SECRET);
    ps(&m)
        .args(["copy", "/app/dev", "/app/prod"])
        .assert()
        .success();
    ps(&m)
        .args(["diff", "/app/dev", "/app/prod", "--exit-code"])
        .assert()
        .success()
        .stderr(contains("0 of 2 key(s) differ"));
    assert_eq!(
        boto_get(&m, "/app/prod/b"),
        format!("SecureString|1|{SECRET}")
    );
    boto_put(&m, "/app/prod/b", "SecureString", "changed");
    ps(&m)
        .args(["diff", "/app/dev", "/app/prod", "--exit-code"])
        .assert()
        .code(8)
        .stdout(contains("differs"));
    // Copy refuses to clobber without --overwrite, and writes nothing.
    ps(&m)
        .args(["copy", "/app/dev", "/app/prod"])
        .assert()
        .code(2)
        .stderr(contains("--overwrite"));
    assert_eq!(boto_get(&m, "/app/prod/b"), "SecureString|2|changed");
    ps(&m)
        .args(["copy", "/app/dev", "/app/prod", "--overwrite"])
        .assert()
        .success();
    assert_eq!(
        boto_get(&m, "/app/prod/b"),
        format!("SecureString|3|{SECRET}")
    );
}

#[test]
fn delete_asks_and_refuses_without_a_terminal() {
    let m = Moto::start();
    boto_put(&m, "/app/dev/a", "String", "1");
    boto_put(&m, "/app/dev/b", "String", "2");
    ps(&m)
        .args(["delete", "/app/dev/a"])
        .assert()
        .code(6)
        .stderr(contains("--yes"));
    assert_eq!(boto_count(&m, "/app"), 2);
    ps(&m)
        .args(["delete", "/app/dev", "--recursive", "--dry-run"])
        .assert()
        .success();
    assert_eq!(boto_count(&m, "/app"), 2);
    ps(&m)
        .args(["delete", "/app/dev/a", "--yes"])
        .assert()
        .success();
    assert_eq!(boto_count(&m, "/app"), 1);
    ps(&m)
        .args(["delete", "/app/dev", "-r", "-y"])
        .assert()
        .success();
    assert_eq!(boto_count(&m, "/app"), 0);
    ps(&m)
        .args(["delete", "/app/dev/gone", "-y"])
        .assert()
        .code(5);
}

#[test]
fn exec_passes_parameters_as_environment_and_the_exit_code_back() {
    let m = Moto::start();
    boto_put(&m, "/app/dev/db-password", "SecureString", SECRET);
    boto_put(&m, "/app/dev/log.level", "String", "info");
    ps(&m)
        .args(["exec", "/app/dev", "--", "sh", "-c"])
        .arg(format!(
            "test \"$DB_PASSWORD\" = '{SECRET}' && test \"$LOG_LEVEL\" = info"
        ))
        .assert()
        .success()
        .stdout("")
        .stderr("");
    ps(&m)
        .args(["exec", "/app/dev", "--", "sh", "-c", "exit 3"])
        .assert()
        .code(3);
    ps(&m)
        .args(["exec", "/app/dev", "--", "definitely-not-a-command"])
        .assert()
        .code(2)
        .stderr(contains("command not found"));
}

#[test]
fn missing_parameter_is_exit_5_with_a_hint() {
    let m = Moto::start();
    ps(&m)
        .args(["get", "/app/dev/nope"])
        .assert()
        .code(5)
        .stderr(contains("not found").and(contains("hint")));
}

#[test]
fn no_region_is_a_config_error_with_a_hint() {
    let m = Moto::start();
    ps(&m)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["list", "/app"])
        .assert()
        .code(3)
        .stderr(contains("no AWS region").and(contains("--region")));
}

#[test]
fn environment_from_fargate_toml_gives_the_default_path() {
    let m = Moto::start();
    boto_put(&m, "/custom/dev/a", "String", "1");
    m.write_file(
        "fargate.toml",
        "default_environment = \"dev\"\n[environments.dev]\nregion = \"us-east-1\"\nparameter_path = \"/custom/dev\"\n",
    );
    ps(&m)
        .args(["list"])
        .assert()
        .success()
        .stdout(contains("/custom/dev/a"));
    ps(&m)
        .args(["list", "-e", "prod"])
        .assert()
        .code(3)
        .stderr(contains("environment \"prod\" is not defined").and(contains("defined: dev")));
}

#[test]
fn list_paginates_past_ten() {
    let m = Moto::start();
    m.python(
        "import boto3; c=boto3.client('ssm')\n[c.put_parameter(Name=f'/app/dev/k{i:02}', Type='String', Value=str(i)) for i in range(25)]",
    );
    let out = ps(&m)
        .args(["list", "/app/dev", "-o", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(25));
}

/// The wide listing (DescribeParameters + GetParameters, used past one page) gives
/// exactly what paging GetParametersByPath gives: same names, values, order, for
/// recursive and one-level listings, with nested paths, secrets and a sibling path
/// that shares the prefix.
#[test]
fn the_wide_listing_equals_get_parameters_by_path() {
    let m = Moto::start();
    m.python(
        "import boto3; c=boto3.client('ssm')\n\
for i in range(23): c.put_parameter(Name=f'/app/dev/k{i:02}', Type='String', Value=str(i))\n\
for i in range(14): c.put_parameter(Name=f'/app/dev/db/s{i:02}', Type='SecureString', Value='secret' + str(i))\n\
for i in range(12): c.put_parameter(Name=f'/app/devx/k{i:02}', Type='String', Value='other')\n\
c.put_parameter(Name='/app/dev/list', Type='StringList', Value='a,b')",
    );
    for (recursive, extra) in [(true, None), (false, Some("--no-recursive"))] {
        let expected = m.python(&format!(
            "import boto3,json; p=boto3.client('ssm').get_paginator('get_parameters_by_path')\n\
out=[]\n\
for page in p.paginate(Path='/app/dev', Recursive={}, WithDecryption=True):\n    out += [(x['Name'], x['Value']) for x in page['Parameters']]\n\
print(json.dumps(sorted(out)))",
            if recursive { "True" } else { "False" }
        ));
        let expected: Vec<(String, String)> =
            serde_json::from_str(expected.trim()).expect("boto3 json");
        let mut cmd = ps(&m);
        cmd.args(["list", "/app/dev", "--reveal", "-o", "json"]);
        if let Some(e) = extra {
            cmd.arg(e);
        }
        let out = cmd.output().expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let got: Vec<(String, String)> = v
            .as_array()
            .expect("array")
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_string(),
                    p["value"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(got, expected, "recursive={recursive}");
        assert!(got.len() > 10, "the wide path was taken");
    }
}

#[test]
fn region_precedence_is_flag_then_env_then_fargate_toml() {
    let m = Moto::start();
    m.write_file(
        "fargate.toml",
        "default_environment = \"dev\"\n[environments.dev]\nregion = \"eu-west-1\"\n",
    );
    let count_in = |region: &str| {
        m.python(&format!(
            "import boto3; print(len(boto3.client('ssm', region_name='{region}').describe_parameters()['Parameters']))"
        ))
        .trim()
        .to_string()
    };
    // fargate.toml only
    ps(&m)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["create", "--name", "/a/file", "--value", "1"])
        .assert()
        .success();
    assert_eq!(count_in("eu-west-1"), "1");
    // environment variable beats the file
    ps(&m)
        .env("AWS_REGION", "us-west-2")
        .args(["create", "--name", "/a/env", "--value", "1"])
        .assert()
        .success();
    assert_eq!(count_in("us-west-2"), "1");
    // the flag beats both
    ps(&m)
        .env("AWS_REGION", "us-west-2")
        .args([
            "--region",
            "eu-central-1",
            "create",
            "--name",
            "/a/flag",
            "--value",
            "1",
        ])
        .assert()
        .success();
    assert_eq!(count_in("eu-central-1"), "1");
    assert_eq!(count_in("eu-west-1"), "1");
}
