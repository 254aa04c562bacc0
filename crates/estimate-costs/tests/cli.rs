//! The real `estimate-costs` binary: documented command lines, output formats,
//! exit codes, and bad input.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_estimate-costs"));
    // Piped and no COLUMNS: tables at full width (a width is tested on its own).
    c.env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .env_remove("AWS_REGION")
        .env_remove("FARGATE_ENVIRONMENT")
        .env_remove("FARGATE_CONFIG")
        .args(["--as-of", "2026-11-27"]);
    c
}

fn fixture(name: &str) -> String {
    repo()
        .join("crates/cost-engine/tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn documented_line_estimate_costs_environment_dev() {
    // `estimate-costs --environment dev`, from the repository root (fargate.toml).
    bin()
        .current_dir(repo())
        .args(["--environment", "dev"])
        .assert()
        .success()
        .stdout(
            contains("Monthly cost estimate: terraform/environments/dev (us-east-1")
                .and(contains("HTTP API requests"))
                .and(contains("$4.50"))
                .and(contains("Fargate, the ALB, public IPv4")),
        );
    // From inside the environment's own directory, as the bootstrap says to cd there
    // (red team round 3, item 21: "error: : No such file or directory").
    bin()
        .current_dir(repo().join("terraform/environments/dev"))
        .args(["--environment", "dev"])
        .assert()
        .success()
        .stdout(contains("Monthly cost estimate: . (us-east-1").and(contains("$4.50")));
}

#[test]
fn json_output_has_a_stable_schema() {
    let out = bin()
        .current_dir(repo())
        .args(["-e", "dev", "-o", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["currency"], "USD");
    for key in [
        "total_gross",
        "total_free_tier",
        "total_net",
        "lines",
        "modules",
        "traps",
        "assumptions",
        "not_priced",
        "plan",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let line = &v["lines"][0];
    for key in [
        "address",
        "module",
        "type",
        "component",
        "quantity",
        "unit",
        "price_id",
        "unit_price",
        "monthly",
        "free_tier",
        "net",
        "explain",
    ] {
        assert!(line.get(key).is_some(), "line lacks {key}");
    }
}

#[test]
fn markdown_for_pull_requests() {
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "-o", "markdown"])
        .assert()
        .success()
        .stdout(contains("### Monthly cost estimate").and(contains("| module | resource |")));
}

#[test]
fn explain_shows_catalog_entry_source_and_arithmetic() {
    bin()
        .arg(fixture("clean"))
        .arg("--explain")
        .assert()
        .success()
        .stdout(
            contains("price fargate.x86.vcpu_hour = $0.04048 per vCPU-hour (https://aws.amazon.com/fargate/pricing/)")
                .and(contains("217.26 task-h x 0.25 x $0.04048")),
        );
}

#[test]
fn max_monthly_fails_with_exit_8_when_over_budget() {
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "--max-monthly", "4"])
        .assert()
        .code(8)
        .stderr(contains("exceeds --max-monthly, $4.00"));
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "--max-monthly", "50"])
        .assert()
        .success();
}

#[test]
fn the_environment_budget_is_the_default_gate() {
    // The shipped budget holds the shipped stack, and says by how much.
    bin()
        .current_dir(repo())
        .args(["-e", "dev"])
        .assert()
        .success()
        .stderr(contains(
            "within the budget of environment dev (fargate.toml): $4.50 of $10.00 per month",
        ));
    // A tighter budget fails it; --max-monthly overrides the budget either way.
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("fargate.toml");
    std::fs::write(
        &config,
        format!(
            "[environments.dev]\nterraform_dir = \"{}\"\nbudget = 4\n",
            repo().join("terraform/environments/dev").display()
        ),
    )
    .expect("write");
    bin()
        .args(["-e", "dev", "--config"])
        .arg(&config)
        .assert()
        .code(8)
        .stderr(contains(
            "exceeds the budget of environment dev (fargate.toml), $4.00",
        ));
    bin()
        .args(["-e", "dev", "--max-monthly", "100", "--config"])
        .arg(&config)
        .assert()
        .success();
}

#[test]
fn compare_to_shows_what_a_change_costs() {
    bin()
        .arg(fixture("traps"))
        .args(["--compare-to", &fixture("clean")])
        .assert()
        .success()
        .stdout(
            contains("Monthly cost change")
                .and(contains("aws_nat_gateway.this"))
                .and(contains("+$")),
        );
}

#[test]
fn plan_json_input() {
    bin()
        .args(["--plan", &fixture("plan.json")])
        .assert()
        .success()
        .stdout(contains("Fargate arm vCPU").and(contains("$10.95")));
}

#[test]
fn credits_and_legacy_plans() {
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "--credits", "200"])
        .assert()
        .success()
        .stdout(contains("$200 of credits cover 44.5 months"));
    bin()
        .current_dir(repo())
        .args([
            "-e",
            "dev",
            "--free-tier",
            "legacy",
            "--account-created",
            "2025-03-01",
        ])
        .assert()
        .success()
        .stdout(contains("ended on 2026-03-01"));
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "--free-tier", "legacy"])
        .assert()
        .code(2)
        .stderr(contains("--account-created"));
}

#[test]
fn bad_input_is_exit_2_with_file_line_and_fix() {
    bin()
        .arg(fixture("bad-syntax"))
        .assert()
        .code(2)
        .stderr(contains("bad-syntax/main.tf").and(contains("line 6")));
    bin().arg(fixture("bad-tfvars")).assert().code(2).stderr(
        contains("terraform.tfvars:2")
            .and(contains("\"regoin\" is not declared"))
            .and(contains("declared: region")),
    );
    bin()
        .arg(fixture("missing-module"))
        .assert()
        .code(2)
        .stderr(contains("module \"gone\"").and(contains("does not exist")));
    let dir = tempfile::tempdir().expect("tmp");
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, "{\"format_version\": \"1.2\",\n oops}").expect("write");
    bin()
        .arg("--plan")
        .arg(&plan)
        .assert()
        .code(2)
        .stderr(contains("plan.json:2:").and(contains("terraform show -json")));
    bin()
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("has no .tf files"));
    // A region the catalog does not price is configuration (3), never another region's prices.
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "--region", "ap-south-1"])
        .assert()
        .code(3)
        .stderr(contains("ap-south-1").and(contains("us-east-1")));
    // A .tf file that is not UTF-8 is bad input (2), with its path.
    let latin1 = tempfile::tempdir().expect("tmp");
    std::fs::write(latin1.path().join("main.tf"), b"# caf\xe9\n").expect("write");
    bin()
        .arg(latin1.path())
        .assert()
        .code(2)
        .stderr(contains("main.tf"));
    bin()
        .current_dir(repo())
        .args(["-e", "dev", "--as-of", "yesterday"])
        .assert()
        .code(2);
}

#[test]
fn help_teaches() {
    insta::assert_snapshot!(test_support::help_text(
        env!("CARGO_BIN_EXE_estimate-costs"),
        &["--help"]
    ));
}

/// Issue 8 M9/M10: estimate-costs makes no AWS call, so hostile AWS settings do not
/// affect it (exit 0); a hostile project file is a configuration error (exit 3).
/// Never a panic.
#[test]
fn hostile_environments_never_panic() {
    let dev = repo().join("terraform/environments/dev");
    for (label, env, _) in test_support::hostile::environments() {
        let mut c = bin();
        for (k, v) in &env {
            c.env(k, v);
        }
        let out = c.arg(&dev).output().expect("run");
        let expected = if env.iter().any(|(k, _)| k.starts_with("FARGATE_")) {
            3
        } else {
            0
        };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The README's headline block is what the README's first command prints, to the byte.
#[test]
fn readme_headline_block_is_what_the_first_command_prints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let after = readme
        .split_once("The first command prints")
        .expect("README introduces the output")
        .1;
    let block = after
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a text block")
        .0;
    let out = bin()
        .current_dir(repo())
        .args(["--environment", "dev"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("utf8");
    assert_eq!(
        block, printed,
        "README.md's block differs from the output; update one of them"
    );
}

/// The JSON schema (docs/architecture/estimate-costs.md) pinned whole: a renamed,
/// dropped or retyped field fails here before it breaks a user's script.
#[test]
fn json_output_is_pinned() {
    let out = bin()
        .current_dir(repo())
        .args(["--environment", "dev", "-o", "json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf8");
    insta::assert_snapshot!("dev_estimate_json", text);
}

#[test]
fn completions_and_man_page_are_generated_from_the_parser() {
    test_support::assert_generates(env!("CARGO_BIN_EXE_estimate-costs"));
}

/// Issue 9: estimate-costs takes the global options of every tool (-q included);
/// --region on the command line overrides the configuration's region, AWS_REGION
/// does not (as in Terraform, it only fills in where the configuration names none).
#[test]
fn global_options_and_region_precedence() {
    let dev = repo().join("terraform/environments/dev");
    bin()
        .arg(&dev)
        .args(["-q", "-o", "json"])
        .env("AWS_REGION", "eu-west-1")
        .assert()
        .success()
        .stdout(contains("\"region\": \"us-east-1\""));
    bin()
        .arg(&dev)
        .args(["-o", "json", "--region", "eu-west-1"])
        .assert()
        .success()
        .stdout(contains("\"region\": \"eu-west-1\""));
}

#[test]
fn an_incomplete_estimate_says_at_least_and_no_gate_passes_it() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("main.tf"),
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\
         module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n\
         resource \"aws_eip\" \"nat\" {}\n",
    )
    .expect("write");
    bin().arg(dir.path()).assert().success().stdout(
        contains("at least $3.65")
            .and(contains("INCOMPLETE: 1 item(s) could not be priced"))
            .and(contains(
                "module.vpc (module): source \"terraform-aws-modules/vpc/aws\" is not downloaded",
            )),
    );
    bin()
        .arg(dir.path())
        .args(["--max-monthly", "100"])
        .assert()
        .code(9)
        .stderr(contains("the estimate is incomplete").and(contains("module.vpc")));
    // Over the limit even without the unpriced part: a certain failure (8).
    bin()
        .arg(dir.path())
        .args(["--max-monthly", "1"])
        .assert()
        .code(8);
    bin()
        .arg(dir.path())
        .args(["-o", "json"])
        .assert()
        .success()
        .stdout(contains("\"complete\": false"));
    bin()
        .arg(dir.path())
        .args(["-o", "markdown"])
        .assert()
        .success()
        .stdout(contains("**at least $3.65**"));
}

#[test]
fn hostile_terraform_input_is_exit_2_never_a_panic() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_eip\" \"x\" {\n  count = 1e18\n}\n",
    )
    .expect("write");
    bin().arg(dir.path()).assert().code(2).stderr(
        contains("aws_eip.x: count = ").and(contains("more instances than any AWS account")),
    );
    std::fs::write(
        dir.path().join("main.tf"),
        "variable \"n\" {\n  type = number\n}\n",
    )
    .expect("write");
    bin()
        .arg(dir.path())
        .args(["--var-file", "/dev/zero"])
        .assert()
        .code(2)
        .stderr(contains("not a regular file"));
    bin()
        .arg(dir.path())
        .args(["--var", "n=abc"])
        .assert()
        .code(2)
        .stderr(contains("of type number"));
}

/// Issue 27: in an 80-column terminal the table fits: text columns are cut with "…",
/// amounts never are; piped, the same table keeps whole lines.
#[test]
fn the_table_fits_80_columns_and_keeps_every_amount() {
    let run = |columns: Option<&str>| {
        let mut c = bin();
        if let Some(n) = columns {
            c.env("COLUMNS", n);
        }
        let out = c
            .current_dir(repo())
            .args(["--environment", "dev"])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8")
    };
    let table = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with("MODULE"))
            .take_while(|l| !l.starts_with("TOTAL"))
            .map(str::to_string)
            .collect()
    };
    let narrow = run(Some("80"));
    let rows = table(&narrow);
    assert!(rows.len() > 5, "{narrow}");
    for l in &rows {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    let full = run(None);
    assert!(
        table(&full).iter().any(|l| l.chars().count() > 80),
        "{full}"
    );
    // Every amount of the full table is in the narrow one, in the same order.
    let amounts = |rows: &[String]| -> Vec<String> {
        rows.iter()
            .flat_map(|l| {
                l.split_whitespace()
                    .filter(|w| w.contains('$'))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert_eq!(amounts(&rows), amounts(&table(&full)));
}

/// Issue 25 (2): the usage file an environment keeps beside its Terraform
/// (`<terraform_dir>/usage.toml`) is what `--environment` prices with, said on stderr;
/// `--usage-file` still wins; a directory planted there is not a usage file.
#[test]
fn an_environments_usage_file_is_read_by_default() {
    let work = tempfile::tempdir().expect("tmp");
    let dir = work.path().join("env");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(
        dir.join("main.tf"),
        "provider \"aws\" {\n  region = \"us-east-1\"\n}\nresource \"aws_apigatewayv2_api\" \"api\" {\n  name = \"a\"\n  protocol_type = \"HTTP\"\n}\n",
    )
    .expect("tf");
    std::fs::write(
        work.path().join("fargate.toml"),
        "[environments.dev]\nregion = \"us-east-1\"\nterraform_dir = \"env\"\n",
    )
    .expect("toml");
    let monthly = |extra: &[&str]| -> (f64, String) {
        let out = bin()
            .current_dir(work.path())
            .args(["-e", "dev", "-o", "json"])
            .args(extra)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (
            v["total_gross"].as_f64().expect("total"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (default, stderr) = monthly(&[]);
    assert!(!stderr.contains("usage assumptions"), "{stderr}");
    std::fs::write(dir.join("usage.toml"), "http_api_requests_million = 10.0\n").expect("usage");
    let (measured, stderr) = monthly(&[]);
    assert!(
        stderr.contains("usage assumptions:") && stderr.contains("usage.toml"),
        "{stderr}"
    );
    // $1.00 per million HTTP API requests: 10 million instead of the default 0.1.
    assert!(
        (measured - default - 9.9).abs() < 0.01,
        "{default} -> {measured}"
    );
    let flag = work.path().join("other.toml");
    std::fs::write(&flag, "http_api_requests_million = 0.1\n").expect("usage");
    let (explicit, _) = monthly(&["--usage-file", flag.to_str().expect("utf8")]);
    assert!((explicit - default).abs() < 1e-9, "{default} vs {explicit}");
    std::fs::remove_file(dir.join("usage.toml")).expect("rm");
    std::fs::create_dir(dir.join("usage.toml")).expect("a directory in its place");
    assert!((monthly(&[]).0 - default).abs() < 1e-9);
}
