//! `cost-monitor --reconcile`: last month's bill (one billed Cost Explorer read, by
//! SERVICE and USAGE_TYPE, in the environment's region) against the environment's
//! estimate, line by line; `--write-usage` keeps the measured quantities in the usage
//! file the next estimate and the deploy gate read.

use crate::aws::Aws;
use aws_core::{Context, Error, Result};
use cost_engine::catalog::Catalog;
use cost_engine::engine::{self, Source};
use cost_engine::estimate::usd;
use cost_engine::reconcile::{self, BilledRow, Reconciliation};
use cost_engine::usage::Usage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Request {
    pub refresh: bool,
    /// `Some(None)`: the environment's own usage file; `Some(Some(p))`: that file.
    pub write_usage: Option<Option<PathBuf>>,
}

/// The bill of one month, kept for the day (a second run, e.g. to write the usage
/// file after reading the comparison, pays nothing).
#[derive(Debug, Serialize, Deserialize)]
struct Bill {
    version: u32,
    account: String,
    region: String,
    month: Date,
    fetched_on: Date,
    rows: Vec<BilledRow>,
}

const BILL_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    account: &'a str,
    region: &'a str,
    /// The first day of the billed month.
    month: Date,
    terraform_dir: String,
    usage_file: Option<String>,
    #[serde(flatten)]
    reconciliation: &'a Reconciliation,
    /// The usage each measured key had in this estimate.
    assumed: Vec<(String, f64)>,
    written: Option<String>,
    billed_requests: u32,
}

fn bill_path(account: &str, region: &str, month: Date) -> Option<PathBuf> {
    // Account ids from STS are 12 digits; regions are letters, digits and dashes.
    let plain = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !(plain && region_ok) {
        return None;
    }
    let dir = aws_core::fs::private_cache_dir("cost-explorer")?;
    Some(dir.join(format!(
        "bill-{account}-{region}-{}.json",
        month.strftime("%Y-%m")
    )))
}

fn cached_bill(path: &Path, account: &str, region: &str, month: Date, today: Date) -> Option<Bill> {
    let bytes = aws_core::fs::read_trusted(path, 8 * 1024 * 1024)?;
    let bill: Bill = serde_json::from_slice(&bytes).ok()?;
    let fresh = bill.version == BILL_VERSION
        && bill.account == account
        && bill.region == region
        && bill.month == month
        && bill.fetched_on == today
        && bill
            .rows
            .iter()
            .all(|r| crate::cache::plausible(r.usd) && r.quantity.is_finite() && r.quantity >= 0.0);
    fresh.then_some(bill)
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let dir = ctx.terraform_dir().ok_or_else(|| {
        Error::Config(
            "--reconcile compares the bill with an environment's estimate: give --environment NAME (its fargate.toml entry needs terraform_dir)".into(),
        )
    })?;
    let target = match &req.write_usage {
        Some(Some(p)) => Some(p.clone()),
        Some(None) => Some(dir.join(cost_engine::usage::ENVIRONMENT_FILE)),
        None => None,
    };
    if let Some(p) = &target {
        aws_core::fs::check_output(p, "--write-usage")?;
    }
    let session = ctx.session().await?;
    let region = ctx
        .environment_config()
        .and_then(|e| e.region.clone())
        .unwrap_or_else(|| session.region().to_string());
    let account = session.account().await?.account.clone();
    let aws = Aws::new(session);
    let today = crate::costs::today_utc();
    let month = crate::ledger::last_month_start(today);
    let month_end = today.first_of_month();

    // The estimate first: a directory that does not load costs no billed request.
    let catalog = Catalog::builtin();
    let usage_path = cost_engine::usage::environment_file(&dir);
    let usage_text = usage_path
        .as_ref()
        .map(|p| aws_core::input::read_text_file(p, 16 * 1024 * 1024, "usage file"))
        .transpose()?;
    if let Some(p) = &usage_path {
        out.note(format!(
            "usage assumptions: {} (the environment's usage file)",
            p.display()
        ));
    }
    let origin = usage_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let usage =
        Usage::new(usage_text.as_deref().map(|t| (t, origin.as_str()))).map_err(Error::input)?;
    let estimate = engine::estimate(&engine::Request {
        source: Source::Dir(dir.clone(), Default::default()),
        catalog: &catalog,
        usage: &usage,
        region: Some(region.clone()),
        fallback_region: region.clone(),
        plan: cost_engine::free_tier::Plan::None,
        as_of: cost_engine::date::today(),
    })
    .map_err(|e| Error::Input(format!("the estimate of {}: {e}", dir.display()).into()))?;
    if !estimate.complete {
        out.warn(format!(
            "the estimate of {} is incomplete ({} resources not priced): those lines show as billed and not matched",
            dir.display(),
            estimate.not_priced.len()
        ));
    }

    let path = bill_path(&account, &region, month);
    // Runs that start together take turns: the first reads, the others use its bill.
    let _lock = match &path {
        Some(p) => crate::cache::lock(p, std::time::Duration::from_secs(60)).await,
        None => None,
    };
    let cached = (!req.refresh)
        .then(|| {
            path.as_deref()
                .and_then(|p| cached_bill(p, &account, &region, month, today))
        })
        .flatten();
    let before = aws.billed_calls();
    let rows = match cached {
        Some(b) => {
            out.note("last month's bill read earlier today reused: 0 billed requests");
            b.rows
        }
        None => {
            let rows = aws.usage_by_type(month, month_end, &region).await?;
            out.note(format!(
                "read last month's bill by usage type: {}",
                crate::costs::billed_note(aws.billed_calls() - before)
            ));
            if let Some(p) = &path {
                let bill = Bill {
                    version: BILL_VERSION,
                    account: account.clone(),
                    region: region.clone(),
                    month,
                    fetched_on: today,
                    rows: rows.clone(),
                };
                let kept = serde_json::to_vec(&bill)
                    .map_err(|e| Error::Failed(e.to_string()))
                    .and_then(|b| {
                        aws_core::fs::write_atomic(
                            p,
                            &b,
                            "the bill cache",
                            aws_core::fs::Perm::Private,
                            aws_core::fs::Special::Refuse,
                        )
                    });
                if let Err(e) = kept {
                    tracing::warn!("could not keep the bill in {}: {e}", p.display());
                }
            }
            rows
        }
    };
    let month_hours = 24.0 * f64::from(month.days_in_month());
    let lines: Vec<_> = estimate.lines.iter().map(|l| l.line.clone()).collect();
    let r = reconcile::reconcile(&lines, &rows, month_hours, catalog.hours_per_month);
    let assumed: Vec<(String, f64)> = r
        .measured
        .iter()
        .map(|m| (m.key.clone(), usage.get("", &m.key)))
        .collect();

    let written = match &target {
        Some(p) => {
            write_usage(p, &r, month)?;
            Some(p.display().to_string())
        }
        None => None,
    };
    let report = Report {
        account: &account,
        region: &region,
        month,
        terraform_dir: dir.display().to_string(),
        usage_file: usage_path.map(|p| p.display().to_string()),
        reconciliation: &r,
        assumed,
        written,
        billed_requests: aws.billed_calls() - before,
    };
    if out.is_json() {
        return out.json(&report);
    }
    aws_core::output::write_stdout(&render(&report))?;
    if r.measured.is_empty() {
        out.note("the bill measured no usage key (requests, log GB, data transfer, storage): nothing to write");
    } else if let Some(p) = &report.written {
        out.note(format!(
            "wrote the measured usage to {p}: estimate-costs --environment and deploy price it from now on"
        ));
    } else {
        out.note("--write-usage keeps the measured usage in the environment's usage.toml, for the next estimate and the deploy gate");
    }
    Ok(())
}

fn render(r: &Report) -> String {
    use aws_core::output::{new_table, render_table};
    let rec = r.reconciliation;
    let mut s = format!(
        "Bill of {} in {} vs the estimate of {}: both for a month of 730 hours, before credits and free tier\n\n",
        r.month.strftime("%Y-%m"),
        r.region,
        r.terraform_dir
    );
    let mut t = new_table(["line", "billed", "estimate", "difference"]);
    for l in &rec.lines {
        t.add_row(vec![
            l.line.clone(),
            usd(l.billed_usd),
            usd(l.estimate_usd),
            usd(l.delta_usd),
        ]);
    }
    for u in &rec.unmatched {
        t.add_row(vec![
            format!(
                "{} {} (no estimate line)",
                crate::services::short_of(&u.service),
                u.usage_type
            ),
            usd(u.billed_usd),
            "-".into(),
            usd(u.billed_usd),
        ]);
    }
    for (id, v) in &rec.not_billed {
        t.add_row(vec![
            format!("{id} (no usage type known)"),
            "-".into(),
            usd(*v),
            "-".into(),
        ]);
    }
    t.add_row(vec![
        "total".into(),
        usd(rec.billed_total_usd),
        usd(rec.estimate_total_usd),
        usd(rec.billed_total_usd - rec.estimate_total_usd),
    ]);
    s.push_str(&render_table(&t));
    if !rec.measured.is_empty() {
        s.push_str("\nUsage the bill measured (usage.toml keys)\n");
        let mut t = new_table(["key", "estimate assumed", "measured", "from"]);
        for m in &rec.measured {
            let assumed = r
                .assumed
                .iter()
                .find(|(k, _)| *k == m.key)
                .map_or(0.0, |(_, v)| *v);
            t.add_row(vec![
                m.key.clone(),
                quantity(assumed),
                quantity(m.value),
                m.usage_types.join(", "),
            ]);
        }
        s.push_str(&render_table(&t));
    }
    for n in &rec.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    s
}

/// A usage quantity as the usage file keeps it: 4 significant digits, no float noise.
fn quantity(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Set the measured keys in the usage file at `path` (created if missing); every other
/// key, table and comment is kept. The result must still be a valid usage file.
fn write_usage(path: &Path, r: &Reconciliation, month: Date) -> Result<()> {
    let existing = match std::fs::symlink_metadata(path) {
        Ok(_) => aws_core::input::read_text_file(path, 16 * 1024 * 1024, "usage file")?,
        Err(_) => String::new(),
    };
    let text = updated_usage(&existing, r, month)?;
    Usage::new(Some((&text, &path.display().to_string()))).map_err(Error::input)?;
    aws_core::fs::write_atomic(
        path,
        text.as_bytes(),
        "the usage file",
        aws_core::fs::Perm::Keep,
        aws_core::fs::Special::Refuse,
    )
}

fn updated_usage(existing: &str, r: &Reconciliation, month: Date) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = existing
        .parse()
        .map_err(|e| Error::Input(format!("the usage file is not TOML: {e}").into()))?;
    if existing.trim().is_empty() {
        doc.decor_mut().set_prefix(
            "# Usage of this environment (estimate-costs --environment and deploy read it).\n\
             # Keys measured by `cost-monitor --reconcile --write-usage` from the bill; edit freely.\n",
        );
    }
    let stamp = format!("measured from the bill of {}", month.strftime("%Y-%m"));
    for m in &r.measured {
        let value: f64 = quantity(m.value).parse().unwrap_or(m.value);
        // Keep the user's spacing; say where the figure came from.
        doc[m.key.as_str()] = toml_edit::value(value);
        if let Some(mut item) = doc.key_mut(&m.key) {
            item.leaf_decor_mut().set_prefix("");
        }
        if let Some(v) = doc[m.key.as_str()].as_value_mut() {
            v.decor_mut().set_suffix(format!("  # {stamp}"));
        }
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cost_engine::reconcile::Measured;

    fn measured(pairs: &[(&str, f64)]) -> Reconciliation {
        Reconciliation {
            month_hours: 720.0,
            lines: Vec::new(),
            unmatched: Vec::new(),
            not_billed: Vec::new(),
            measured: pairs
                .iter()
                .map(|(k, v)| Measured {
                    key: (*k).into(),
                    value: *v,
                    usage_types: Vec::new(),
                })
                .collect(),
            notes: Vec::new(),
            billed_total_usd: 0.0,
            estimate_total_usd: 0.0,
        }
    }

    #[test]
    fn quantities_keep_four_significant_digits() {
        assert_eq!(quantity(7.300000000001), "7.3");
        assert_eq!(quantity(1234.5678), "1235");
        assert_eq!(quantity(0.000123456), "0.0001235");
        assert_eq!(quantity(0.0), "0");
    }

    #[test]
    fn the_usage_file_keeps_what_the_bill_did_not_measure() {
        let month = jiff::civil::date(2026, 11, 1);
        let existing = "# mine\nalb_lcu = 2.0\nhttp_api_requests_million = 0.1\n\n[resources.\"aws_lb.x\"]\nalb_lcu = 5.0\n";
        let text = updated_usage(
            existing,
            &measured(&[("http_api_requests_million", 7.3), ("log_ingest_gb", 1.25)]),
            month,
        )
        .expect("updated");
        assert!(text.starts_with("# mine\nalb_lcu = 2.0\n"), "{text}");
        assert!(
            text.contains("http_api_requests_million = 7.3  # measured from the bill of 2026-11"),
            "{text}"
        );
        assert!(text.contains("log_ingest_gb = 1.25"), "{text}");
        assert!(
            text.contains("[resources.\"aws_lb.x\"]\nalb_lcu = 5.0"),
            "{text}"
        );
        let u = Usage::new(Some((&text, "u.toml"))).expect("valid");
        assert_eq!(u.get("aws_lb.y", "http_api_requests_million"), 7.3);
        assert_eq!(u.get("aws_lb.x", "alb_lcu"), 5.0);

        let fresh = updated_usage("", &measured(&[("ecr_storage_gb", 0.5)]), month).expect("new");
        assert!(fresh.starts_with("# Usage of this environment"), "{fresh}");
        assert!(updated_usage("= broken", &measured(&[]), month).is_err());
    }
}
