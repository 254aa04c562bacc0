//! `get`, `list`, `history`: read-only, secrets masked unless --reveal.

use super::App;
use crate::cli::{GetArgs, HistoryArgs, ListArgs};
use crate::model::Param;
use crate::store::not_found;
use aws_core::output::{new_table, write_stdout};
use aws_core::{Error, Result};
use serde::Serialize;

/// What `get`/`list` print for a parameter (value masked unless revealed).
#[derive(Debug, Serialize)]
struct ParamView<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    version: i64,
    last_modified: Option<&'a str>,
    value: String,
}

impl<'a> ParamView<'a> {
    fn new(p: &'a Param, reveal: bool) -> Self {
        ParamView {
            name: &p.name,
            kind: p.kind.as_str(),
            version: p.version,
            last_modified: p.last_modified.as_deref(),
            value: p.shown_value(reveal),
        }
    }
}

pub async fn get(app: &App, args: GetArgs) -> Result<()> {
    app.check_name(&args.name)?;
    let store = app.store().await?;
    // Decrypt only when the value will be shown.
    let param = store
        .get(&args.name, args.reveal)
        .await?
        .ok_or_else(|| not_found(&args.name))?;
    if args.raw {
        if param.kind.is_secure() && !args.reveal {
            return Err(Error::invalid(format!(
                "{} is a SecureString: add --reveal to print its value",
                param.name
            )));
        }
        return write_stdout(&format!("{}\n", param.value.as_deref().unwrap_or_default()));
    }
    let view = ParamView::new(&param, args.reveal);
    if app.out.is_json() {
        return app.out.json(&view);
    }
    let mut t = new_table(["field", "value"]);
    t.add_row(vec!["name", view.name]);
    t.add_row(vec!["type", view.kind]);
    t.add_row(vec!["version".to_string(), view.version.to_string()]);
    t.add_row(vec!["last modified", view.last_modified.unwrap_or("-")]);
    t.add_row(vec!["value".to_string(), one_line(&view.value)]);
    app.out.table(&t)
}

pub async fn list(app: &App, args: ListArgs) -> Result<()> {
    let path = match &args.path {
        Some(p) => app.check_path(p)?,
        None => app.default_path()?,
    };
    let store = app.store().await?;
    let params = store.list(&path, !args.no_recursive, args.reveal).await?;
    let views: Vec<ParamView> = params
        .iter()
        .map(|p| ParamView::new(p, args.reveal))
        .collect();
    if app.out.is_json() {
        return app.out.json(&views);
    }
    if views.is_empty() {
        app.out.note(format!("no parameters under {path}"));
        return Ok(());
    }
    let mut t = new_table(["name", "type", "version", "last modified", "value"]);
    for v in &views {
        t.add_row(vec![
            v.name.to_string(),
            v.kind.to_string(),
            v.version.to_string(),
            v.last_modified.unwrap_or("-").to_string(),
            truncate(&one_line(&v.value), 60),
        ]);
    }
    app.out.table(&t)?;
    app.out
        .note(format!("{} parameter(s) under {path}", views.len()));
    Ok(())
}

pub async fn history(app: &App, args: HistoryArgs) -> Result<()> {
    app.check_name(&args.name)?;
    let store = app.store().await?;
    let entries = store.history(&args.name, args.reveal).await?;
    #[derive(Serialize)]
    struct View<'a> {
        #[serde(flatten)]
        entry: &'a crate::store::HistoryEntry,
        value: String,
    }
    let views: Vec<View> = entries
        .iter()
        .map(|e| View {
            entry: e,
            value: if e.kind.is_secure() && !args.reveal {
                crate::model::MASK.to_string()
            } else {
                e.value.clone().unwrap_or_default()
            },
        })
        .collect();
    if app.out.is_json() {
        return app.out.json(&views);
    }
    let mut t = new_table([
        "version",
        "last modified",
        "modified by",
        "type",
        "labels",
        "value",
    ]);
    for v in &views {
        t.add_row(vec![
            v.entry.version.to_string(),
            v.entry.last_modified.clone().unwrap_or_else(|| "-".into()),
            v.entry.modified_by.clone().unwrap_or_else(|| "-".into()),
            v.entry.kind.to_string(),
            v.entry.labels.join(","),
            truncate(&one_line(&v.value), 60),
        ]);
    }
    app.out.table(&t)
}

/// Keep table rows on one line and inert: line breaks and escape sequences are
/// shown as `\n`, `\x1b`... (raw and JSON output stay byte-exact).
fn one_line(s: &str) -> String {
    aws_core::output::escape_control(s)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
