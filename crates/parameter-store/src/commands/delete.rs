//! `delete`: confirmation first, then DeleteParameters in batches of 10.

use super::App;
use crate::cli::DeleteArgs;
use aws_core::{Error, Result, prompt};

pub async fn delete(app: &App, args: DeleteArgs) -> Result<()> {
    if args.recursive && args.names.len() != 1 {
        return Err(Error::invalid("--recursive takes exactly one path"));
    }
    if args.recursive {
        let path = app.check_path(&args.names[0])?;
        if path == "/" {
            return Err(Error::invalid(
                "refusing to delete everything under '/': name a narrower path",
            ));
        }
    } else {
        for n in &args.names {
            app.check_name(n)?;
        }
    }
    let store = app.store().await?;
    let targets: Vec<String> = if args.recursive {
        let path = app.check_path(&args.names[0])?;
        let found = store.list(&path, true, false).await?;
        if found.is_empty() {
            return Err(Error::NotFound {
                what: format!("parameters under {path}"),
                hint: None,
            });
        }
        found.into_iter().map(|p| p.name).collect()
    } else {
        args.names.clone()
    };

    let listing = targets.join("\n  ");
    if args.dry_run {
        app.out.note(format!(
            "dry run: would delete {} parameter(s):\n  {listing}",
            targets.len()
        ));
        return Ok(());
    }
    if !args.yes {
        app.out.note(format!(
            "About to delete {} parameter(s):\n  {listing}",
            targets.len()
        ));
    }
    prompt::confirm(
        &format!("Delete {} parameter(s) and their history?", targets.len()),
        args.yes,
    )?;
    let missing = store.delete(&targets).await?;
    let deleted: Vec<&String> = targets.iter().filter(|t| !missing.contains(t)).collect();
    if app.out.is_json() {
        app.out
            .json(&serde_json::json!({ "deleted": deleted, "not_found": missing }))?;
    } else {
        for d in &deleted {
            app.out.success(format!("deleted {d}"));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::NotFound {
            what: format!("parameter(s) {}", missing.join(", ")),
            hint: Some(format!("{} other(s) were deleted", deleted.len())),
        })
    }
}
