//! `diff` and `copy` between two paths (e.g. environments).

use super::App;
use super::transfer::{by_name, finish_report, print_plan};
use crate::cli::{CopyArgs, DiffArgs};
use crate::model::ParamType;
use crate::name;
use crate::sync::{self, Action, Desired, Report};
use aws_core::output::new_table;
use aws_core::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    Same,
    /// Values differ.
    Differs,
    /// Same value, different type (e.g. String vs SecureString).
    TypeDiffers,
    OnlyLeft,
    OnlyRight,
}

#[derive(Debug, Serialize)]
struct Row {
    key: String,
    left_type: Option<ParamType>,
    right_type: Option<ParamType>,
    status: KeyStatus,
}

/// Compare by relative key; values are compared, never printed.
fn compare(
    left_path: &str,
    left: &[crate::model::Param],
    right_path: &str,
    right: &[crate::model::Param],
) -> Vec<Row> {
    let l: BTreeMap<&str, &crate::model::Param> = left
        .iter()
        .map(|p| (name::relative(left_path, &p.name), p))
        .collect();
    let r: BTreeMap<&str, &crate::model::Param> = right
        .iter()
        .map(|p| (name::relative(right_path, &p.name), p))
        .collect();
    let mut keys: Vec<&str> = l.keys().chain(r.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let (a, b) = (l.get(k), r.get(k));
            let status = match (a, b) {
                (Some(a), Some(b)) if a.value != b.value => KeyStatus::Differs,
                (Some(a), Some(b)) if a.kind != b.kind => KeyStatus::TypeDiffers,
                (Some(_), Some(_)) => KeyStatus::Same,
                (Some(_), None) => KeyStatus::OnlyLeft,
                _ => KeyStatus::OnlyRight,
            };
            Row {
                key: k.to_string(),
                left_type: a.map(|p| p.kind),
                right_type: b.map(|p| p.kind),
                status,
            }
        })
        .collect()
}

pub async fn diff(app: &App, args: DiffArgs) -> Result<()> {
    let left_path = app.check_path(&args.left)?;
    let right_path = app.check_path(&args.right)?;
    let store = app.store().await?;
    let left = store.list(&left_path, true, true).await?;
    let right = store.list(&right_path, true, true).await?;
    let rows = compare(&left_path, &left, &right_path, &right);
    let differing = rows.iter().filter(|r| r.status != KeyStatus::Same).count();
    if app.out.is_json() {
        app.out.json(&serde_json::json!({
            "left": left_path, "right": right_path, "differences": differing, "keys": rows
        }))?;
    } else {
        let ty = |t: Option<ParamType>| t.map_or("-".to_string(), |t| t.to_string());
        let mut t = new_table(["key", &left_path, &right_path, "status"]);
        for r in &rows {
            t.add_row(vec![
                r.key.clone(),
                ty(r.left_type),
                ty(r.right_type),
                match r.status {
                    KeyStatus::Same => "same",
                    KeyStatus::Differs => "differs",
                    KeyStatus::TypeDiffers => "type differs",
                    KeyStatus::OnlyLeft => "only left",
                    KeyStatus::OnlyRight => "only right",
                }
                .into(),
            ]);
        }
        app.out.table(&t)?;
        app.out
            .note(format!("{differing} of {} key(s) differ", rows.len()));
    }
    if args.exit_code && differing > 0 {
        return Err(Error::CheckFailed(format!(
            "{left_path} and {right_path} differ in {differing} key(s)"
        )));
    }
    Ok(())
}

pub async fn copy(app: &App, args: CopyArgs) -> Result<()> {
    let from = app.check_path(&args.from)?;
    let to = app.check_path(&args.to)?;
    if from == to {
        return Err(Error::invalid("source and destination are the same path"));
    }
    if crate::name::is_below(&to, &from) {
        return Err(Error::invalid(format!(
            "{to} is inside {from}: each copy would be copied again on the next run; \
             choose a destination outside the source path"
        )));
    }
    let store = app.store().await?;
    let source = store.list(&from, true, true).await?;
    if source.is_empty() {
        return Err(Error::NotFound {
            what: format!("parameters under {from}"),
            hint: None,
        });
    }
    let mut desired = Vec::with_capacity(source.len());
    for p in source {
        let target = name::join(&to, name::relative(&from, &p.name));
        app.check_name(&target)?;
        desired.push(Desired {
            name: target,
            value: p.value.unwrap_or_default(),
            kind: Some(p.kind),
        });
    }
    let existing = by_name(store.list(&to, true, true).await?);
    let steps = sync::plan(desired, &existing);
    let conflicts: Vec<&str> = steps
        .iter()
        .filter(|s| s.action == Action::Update)
        .map(|s| s.name.as_str())
        .collect();
    if args.dry_run {
        print_plan(app, &steps, &Report::default())?;
        app.out.note("dry run: nothing was written");
        return Ok(());
    }
    if !conflicts.is_empty() && !args.overwrite {
        return Err(Error::invalid(format!(
            "{} parameter(s) exist at the destination with a different value or type: {}; \
             pass --overwrite to replace them (nothing was written)",
            conflicts.len(),
            conflicts.join(", ")
        )));
    }
    // Keep the standard tier: copying never silently creates paid parameters.
    let report = app
        .apply(
            &store,
            steps,
            crate::model::Tier::Standard,
            Report::default(),
        )
        .await;
    finish_report(app, &to, &report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Param;

    fn p(name: &str, kind: ParamType, v: &str) -> Param {
        Param {
            name: name.into(),
            kind,
            version: 1,
            last_modified: None,
            value: Some(v.into()),
        }
    }

    #[test]
    fn compares_by_relative_key() {
        let left = vec![
            p("/app/dev/a", ParamType::String, "1"),
            p("/app/dev/b", ParamType::SecureString, "x"),
            p("/app/dev/only", ParamType::String, "1"),
            p("/app/dev/t", ParamType::String, "1"),
        ];
        let right = vec![
            p("/app/prod/a", ParamType::String, "1"),
            p("/app/prod/b", ParamType::SecureString, "y"),
            p("/app/prod/new", ParamType::String, "1"),
            p("/app/prod/t", ParamType::SecureString, "1"),
        ];
        let rows = compare("/app/dev", &left, "/app/prod", &right);
        let got: Vec<(&str, KeyStatus)> = rows.iter().map(|r| (r.key.as_str(), r.status)).collect();
        assert_eq!(
            got,
            vec![
                ("a", KeyStatus::Same),
                ("b", KeyStatus::Differs),
                ("new", KeyStatus::OnlyRight),
                ("only", KeyStatus::OnlyLeft),
                ("t", KeyStatus::TypeDiffers),
            ]
        );
    }
}
