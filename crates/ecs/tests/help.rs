//! Help text is user documentation: snapshot it.

use test_support::help_text;

#[test]
fn ecs_deploy_help() {
    insta::assert_snapshot!(help_text(env!("CARGO_BIN_EXE_ecs-deploy"), &["--help"]));
}

#[test]
fn ecs_logs_help() {
    insta::assert_snapshot!(help_text(env!("CARGO_BIN_EXE_ecs-logs"), &["--help"]));
}

#[test]
fn ecs_scale_help() {
    insta::assert_snapshot!(help_text(env!("CARGO_BIN_EXE_ecs-scale"), &["--help"]));
}
