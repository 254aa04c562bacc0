//! `import` and `export` of a whole path.

use super::App;
use crate::cli::{ExportArgs, ImportArgs};
use crate::formats::{self, Entries, Format};
use crate::model::Param;
use crate::name;
use crate::sync::{self, Action, Desired, Report, Step};
use crate::value;
use aws_core::output::{new_table, write_stdout};
use aws_core::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

pub async fn import(app: &App, args: ImportArgs) -> Result<()> {
    // 1. Validate the whole file before any call: one bad entry, nothing written.
    let path = app.check_path(&args.path)?;
    let format = args
        .format
        .or_else(|| Format::from_path(&args.file))
        .ok_or_else(|| {
            Error::invalid(format!(
                "cannot tell the format of {} from its name: pass --format json|yaml|dotenv",
                args.file.display()
            ))
        })?;
    let text = value::read_import_file(&args.file)?;
    let entries = formats::parse(format, &text, &args.file.display().to_string())?;
    let (desired, skipped) = validate_entries(app, &path, entries, &args)?;

    // 2. Compare with what exists (decrypted in memory to compare, never shown).
    let store = app.store().await?;
    let existing = by_name(store.list(&path, true, true).await?);
    let steps = sync::plan(desired, &existing);
    let report = Report {
        skipped,
        ..Report::default()
    };
    if args.dry_run {
        print_plan(app, &steps, &report)?;
        app.out.note("dry run: nothing was written");
        return Ok(());
    }
    // 3. Write.
    let report = app.apply(&store, steps, args.tier, report).await;
    finish_report(app, &path, &report)
}

fn validate_entries(
    app: &App,
    path: &str,
    entries: Entries,
    args: &ImportArgs,
) -> Result<(Vec<Desired>, Vec<String>)> {
    let mut problems = Vec::new();
    let mut desired = Vec::new();
    let mut skipped = Vec::new();
    for (key, v) in entries {
        let full = name::join(path, &key);
        if let Err(e) = app.check_name(&full) {
            problems.push(format!("{key}: {e}"));
            continue;
        }
        let Some(v) = v else {
            skipped.push(full);
            continue;
        };
        let kind = args.kind.unwrap_or(crate::model::ParamType::SecureString);
        if kind.is_secure() {
            aws_core::secrets::register(&v);
        }
        if let Err(e) = value::check_value(&full, &v, kind, args.tier, app.region_hint()) {
            problems.push(format!("{key}: {e}"));
            continue;
        }
        desired.push(Desired {
            name: full,
            value: v,
            kind: args.kind,
        });
    }
    if problems.is_empty() {
        Ok((desired, skipped))
    } else {
        Err(Error::invalid(format!(
            "{} has {} invalid entr{}; nothing was written:\n  {}",
            args.file.display(),
            problems.len(),
            if problems.len() == 1 { "y" } else { "ies" },
            problems.join("\n  ")
        )))
    }
}

pub fn by_name(params: Vec<Param>) -> BTreeMap<String, Param> {
    params.into_iter().map(|p| (p.name.clone(), p)).collect()
}

/// Print a plan (names and actions only).
pub fn print_plan(app: &App, steps: &[Step], report: &Report) -> Result<()> {
    if app.out.is_json() {
        let items: Vec<_> = steps
            .iter()
            .map(|s| serde_json::json!({"name": s.name, "type": s.kind, "action": s.action}))
            .collect();
        return app
            .out
            .json(&serde_json::json!({"dry_run": true, "plan": items, "skipped": report.skipped}));
    }
    let mut t = new_table(["name", "type", "action"]);
    for s in steps {
        t.add_row(vec![
            s.name.clone(),
            s.kind.to_string(),
            format!("{:?}", s.action).to_lowercase(),
        ]);
    }
    for s in &report.skipped {
        t.add_row(vec![s.clone(), "-".into(), "skipped (no value)".into()]);
    }
    app.out.table(&t)?;
    let count = |a: Action| steps.iter().filter(|s| s.action == a).count();
    app.out.note(format!(
        "plan: {} to create, {} to update, {} unchanged, {} skipped",
        count(Action::Create),
        count(Action::Update),
        count(Action::Unchanged),
        report.skipped.len()
    ));
    Ok(())
}

/// Print what a bulk write did; an error (exit 1) if anything was not written.
pub fn finish_report(app: &App, path: &str, report: &Report) -> Result<()> {
    if app.out.is_json() {
        app.out.json(report)?;
    } else {
        for f in &report.failed {
            app.out
                .warn(format!("not written: {}: {}", f.name, f.error));
        }
        for f in &report.unknown {
            app.out.warn(format!(
                "outcome unknown (sent, no answer): {}: {}",
                f.name, f.error
            ));
        }
        for n in &report.not_attempted {
            app.out.warn(format!("not attempted: {n}"));
        }
        app.out.note(format!(
            "{path}: {} created, {} updated, {} unchanged, {} skipped, {} failed, {} unknown, {} not attempted",
            report.created.len(),
            report.updated.len(),
            report.unchanged.len(),
            report.skipped.len(),
            report.failed.len(),
            report.unknown.len(),
            report.not_attempted.len()
        ));
    }
    if report.ok() {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "{} of {} parameter(s) may not hold the new value ({} written, {} failed, {} outcome \
             unknown, {} not attempted); fix the cause and run the same command again: values \
             already written are skipped as unchanged",
            report.not_done(),
            report.not_done() + report.written(),
            report.written(),
            report.failed.len(),
            report.unknown.len(),
            report.not_attempted.len()
        )))
    }
}

pub async fn export(app: &App, args: ExportArgs) -> Result<()> {
    let path = app.check_path(&args.path)?;
    let store = app.store().await?;
    let params = store.list(&path, true, args.reveal).await?;
    let mut entries = Entries::new();
    let mut left_out = 0;
    for p in &params {
        let key = name::relative(&path, &p.name).to_string();
        let v = if p.kind.is_secure() && !args.reveal {
            left_out += 1;
            None
        } else {
            p.value.clone()
        };
        entries.insert(key, v);
    }
    let text = formats::render(args.format, &entries)?;
    match &args.file {
        Some(file) => write_private(file, &text)?,
        None => write_stdout(&text)?,
    }
    if left_out > 0 {
        app.out.warn(format!(
            "{left_out} SecureString value(s) left out; pass --reveal to include them \
             (import skips left-out entries)"
        ));
    }
    if let Some(file) = &args.file {
        app.out.success(format!(
            "exported {} parameter(s) to {}",
            params.len(),
            file.display()
        ));
    }
    Ok(())
}

/// Write a file that may hold secrets: 0600, atomically, through a FIFO or
/// `/dev/stdout` rather than over it (aws_core::fs); a directory is exit 2.
fn write_private(path: &Path, text: &str) -> Result<()> {
    aws_core::fs::write_atomic(
        path,
        text.as_bytes(),
        "--file",
        aws_core::fs::Perm::Private,
        aws_core::fs::Special::WriteThrough,
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_target_stays_a_fifo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        let reader_path = fifo.clone();
        let reader =
            std::thread::spawn(move || std::fs::read_to_string(reader_path).expect("read"));
        write_private(&fifo, "A=1\n").expect("write");
        assert_eq!(reader.join().expect("join"), "A=1\n");
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::metadata(&fifo)
                .expect("meta")
                .file_type()
                .is_fifo()
        );
        let e = write_private(dir.path(), "x").expect_err("dir");
        assert_eq!(e.exit_code(), aws_core::ExitCode::Usage);
    }
}
