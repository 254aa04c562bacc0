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

#[test]
fn completions_and_man_pages_are_generated_from_the_parsers() {
    for bin in [
        env!("CARGO_BIN_EXE_ecs-deploy"),
        env!("CARGO_BIN_EXE_ecs-logs"),
        env!("CARGO_BIN_EXE_ecs-scale"),
    ] {
        test_support::assert_generates(bin);
    }
}
