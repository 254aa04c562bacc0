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
    let mut per_path = Vec::with_capacity(paths.len());
    for path in &paths {
        per_path.push((path.clone(), store.list(path, true, true).await?));
    }
    let vars = environment(&per_path, args.allow_override)?;
    if vars.is_empty() && !args.allow_empty {
        return Err(Error::NotFound {
            what: format!("parameters under {}", paths.join(", ")),
            hint: Some(
                "a mistyped path would start the program without its secrets; check the path \
                 with `parameter-store list`, or pass --allow-empty"
                    .into(),
            ),
        });
    }
    // Names only, and only at debug level: values never reach a log.
    tracing::debug!(variables = ?vars.keys().collect::<Vec<_>>(), "exec environment");
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest).envs(&vars);
    run_child(cmd, program)
}

/// Variables a parameter must not replace without `--allow-override`: they decide
/// which programs and libraries run, and where.
pub const PROTECTED: [&str; 16] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "PWD",
    "TERM",
    "LANG",
    "TMPDIR",
    "IFS",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "DYLD_INSERT_LIBRARIES",
    "DYLD_LIBRARY_PATH",
    "PYTHONPATH",
    "NODE_OPTIONS",
];

/// Environment variables from the parameters of each path (later paths win, as
/// documented). Two parameters of one path that map to the same variable
/// (`db-password`, `db_password`, `db/password`) are an error, not a silent winner.
pub fn environment(
    per_path: &[(String, Vec<crate::model::Param>)],
    allow_override: bool,
) -> Result<BTreeMap<String, String>> {
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for (path, params) in per_path {
        let mut sources: BTreeMap<String, &str> = BTreeMap::new();
        for p in params {
            let var = name::env_var_name(name::relative(path, &p.name));
            if let Some(other) = sources.insert(var.clone(), &p.name) {
                return Err(Error::invalid(format!(
                    "{other} and {} both become ${var}; rename one of them (nothing was run)",
                    p.name
                )));
            }
            if !allow_override && PROTECTED.contains(&var.as_str()) {
                return Err(Error::invalid(format!(
                    "{} would replace ${var}, which decides what runs; rename the parameter or \
                     pass --allow-override (nothing was run)",
                    p.name
                )));
            }
            if let Some(v) = &p.value {
                vars.insert(var, v.clone());
            }
        }
    }
    Ok(vars)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Param, ParamType};

    fn p(name: &str, v: &str) -> Param {
        Param {
            name: name.into(),
            kind: ParamType::SecureString,
            version: 1,
            last_modified: None,
            value: Some(v.into()),
        }
    }

    #[test]
    fn colliding_and_protected_names_are_refused() {
        let one = |params: Vec<Param>| vec![("/app/dev".to_string(), params)];
        let e = environment(
            &one(vec![
                p("/app/dev/db-password", "a"),
                p("/app/dev/db_password", "b"),
            ]),
            false,
        )
        .expect_err("collision");
        assert!(e.to_string().contains("$DB_PASSWORD"), "{e}");
        let e = environment(&one(vec![p("/app/dev/home", "/tmp")]), false).expect_err("HOME");
        assert!(e.to_string().contains("$HOME"), "{e}");
        assert!(environment(&one(vec![p("/app/dev/home", "/tmp")]), true).is_ok());
        // Across paths, the later one wins, as documented.
        let two = vec![
            (
                "/app/common".to_string(),
                vec![p("/app/common/level", "info")],
            ),
            ("/app/dev".to_string(), vec![p("/app/dev/level", "debug")]),
        ];
        assert_eq!(environment(&two, false).expect("ok")["LEVEL"], "debug");
    }
}
