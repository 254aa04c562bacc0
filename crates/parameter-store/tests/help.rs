//! Snapshot tests of the help text: it is user documentation, review changes to it.

use assert_cmd::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_parameter-store"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("FARGATE_ENVIRONMENT")
        .env_remove("FARGATE_CONFIG")
        .output()
        .expect("run");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn create_help() {
    insta::assert_snapshot!(help(&["create", "--help"]));
}

#[test]
fn import_help() {
    insta::assert_snapshot!(help(&["import", "--help"]));
}
