//! `exec`: run a command with parameters as environment variables, like `chamber exec`.

use super::App;
use crate::cli::ExecArgs;
use crate::name;
use aws_core::{Error, Result};
use std::collections::BTreeMap;

pub async fn exec(app: &App, args: ExecArgs) -> Result<u8> {
    let paths: Vec<String> = args
        .paths
        .iter()
        .map(|p| app.check_path(p))
        .collect::<Result<_>>()?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| Error::invalid("no command given after `--`"))?;
    let store = app.store().await?;
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for path in &paths {
        for p in store.list(path, true, true).await? {
            let var = name::env_var_name(name::relative(path, &p.name));
            if let Some(v) = p.value {
                vars.insert(var, v);
            }
        }
    }
    // Names only, and only at debug level: values never reach a log.
    tracing::debug!(variables = ?vars.keys().collect::<Vec<_>>(), "exec environment");
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest).envs(&vars);
    run_child(cmd, program)
}

#[cfg(unix)]
fn run_child(mut cmd: std::process::Command, program: &str) -> Result<u8> {
    use std::os::unix::process::CommandExt;
    // Replace this process, so signals and the exit status are the child's own.
    let err = cmd.exec();
    Err(spawn_error(program, err))
}

#[cfg(not(unix))]
fn run_child(mut cmd: std::process::Command, program: &str) -> Result<u8> {
    let status = cmd.status().map_err(|e| spawn_error(program, e))?;
    Ok(status.code().map_or(1, |c| c.clamp(0, 255) as u8))
}

fn spawn_error(program: &str, err: std::io::Error) -> Error {
    if err.kind() == std::io::ErrorKind::NotFound {
        Error::invalid(format!("command not found: {program}"))
    } else {
        Error::io(format!("starting {program}"), err)
    }
}
