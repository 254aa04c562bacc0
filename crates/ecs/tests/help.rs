//! Help text is user documentation: snapshot it.

use assert_cmd::Command;

fn help(bin: &str, args: &[&str]) -> String {
    let out = Command::new(bin)
        .args(args)
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
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
fn ecs_deploy_help() {
    insta::assert_snapshot!(help(env!("CARGO_BIN_EXE_ecs-deploy"), &["--help"]));
}

#[test]
fn ecs_logs_help() {
    insta::assert_snapshot!(help(env!("CARGO_BIN_EXE_ecs-logs"), &["--help"]));
}

#[test]
fn ecs_scale_help() {
    insta::assert_snapshot!(help(env!("CARGO_BIN_EXE_ecs-scale"), &["--help"]));
}
