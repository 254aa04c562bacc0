//! How an estimate is shown: a table for people, Markdown for pull requests (JSON is
//! the estimate serialised as it is).

use cost_engine::catalog::Catalog;
use cost_engine::estimate::{Comparison, Estimate, display_module};
use cost_engine::free_tier::Plan;
use cost_engine::pricing::{Line, fmt_qty};
use std::collections::BTreeMap;
use std::fmt::Write;

fn local_address(l: &Line) -> String {
    l.address
        .strip_prefix(&format!("{}.", l.module))
        .unwrap_or(&l.address)
        .to_string()
}

/// Why the total is a lower bound.
pub fn incomplete_sentence(e: &Estimate) -> String {
    format!(
        "INCOMPLETE: {} item(s) could not be priced (listed under \"Not priced\"); the real monthly cost is higher than this total.",
        e.not_priced.len()
    )
}

pub use cost_engine::estimate::usd;

pub fn table(e: &Estimate, explain: bool, catalog: &Catalog) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Monthly cost estimate: {} ({}, prices of {}, USD)\n",
        e.source, e.region, e.catalog_effective
    );
    let mut t = aws_core::output::new_table([
        "module",
        "resource",
        "component",
        "quantity",
        "monthly",
        "free tier",
        "net",
    ]);
    for col in 4..7 {
        if let Some(c) = t.column_mut(col) {
            c.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
    let mut last_module = None;
    for l in &e.lines {
        let module = display_module(&l.line.module);
        let shown = if last_module.as_ref() == Some(&module) {
            String::new()
        } else {
            module.clone()
        };
        last_module = Some(module);
        t.add_row(vec![
            shown,
            local_address(&l.line),
            l.line.component.clone(),
            format!("{} {}", fmt_qty(l.line.quantity), l.line.unit),
            usd(l.line.monthly),
            if l.free_tier >= 0.005 {
                usd(-l.free_tier)
            } else {
                "-".into()
            },
            usd(l.net),
        ]);
    }
    t.add_row(vec![String::new(); 7]);
    let at_least = |v: f64| {
        if e.complete {
            usd(v)
        } else {
            format!("at least {}", usd(v))
        }
    };
    t.add_row(vec![
        "TOTAL".into(),
        String::new(),
        String::new(),
        String::new(),
        at_least(e.total_gross),
        if e.total_free_tier > 0.0 {
            usd(-e.total_free_tier)
        } else {
            "-".into()
        },
        at_least(e.total_net),
    ]);
    s.push_str(&aws_core::output::render_table(&t));
    if !e.complete {
        let _ = writeln!(
            s,
            "
{}",
            incomplete_sentence(e)
        );
    }

    let _ = writeln!(s, "\nFree tier ({}):", plan_name(&e.plan));
    for n in &e.free_tier_notes {
        let _ = writeln!(s, "  - {n}");
    }
    let mut offers: BTreeMap<&str, f64> = BTreeMap::new();
    for a in &e.free_tier_applied {
        *offers.entry(a.description.as_str()).or_default() += a.covered;
    }
    for (d, v) in offers {
        let _ = writeln!(s, "  - {d}: {}", usd(v));
    }
    let _ = writeln!(
        s,
        "  - Fargate, the ALB, public IPv4, NAT gateways and RDS have no always-free offer."
    );
    if let Some(c) = &e.credits {
        match c.months {
            Some(m) => {
                let _ = writeln!(
                    s,
                    "  - ${:.0} of credits cover {m:.1} months of this stack.",
                    c.credits
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  - ${:.0} of credits: this stack costs nothing per month.",
                    c.credits
                );
            }
        }
    }
    if !e.traps.is_empty() {
        let _ = writeln!(s, "\nCost traps:");
        for t in &e.traps {
            let _ = writeln!(
                s,
                "  {:<6} {:<28} {:>8}/month  {}\n         {}\n         fix: {}",
                format!("{:?}", t.severity).to_uppercase(),
                t.id,
                usd(t.monthly_at_stake),
                t.address,
                t.message,
                t.fix
            );
        }
    }
    if !e.not_priced.is_empty() {
        let _ = writeln!(s, "\nNot priced (NOT included in the total):");
        for n in &e.not_priced {
            let _ = writeln!(s, "  - {} ({}): {}", n.address, n.rtype, n.reason);
        }
    }
    let _ = writeln!(s, "\nAssumptions:");
    for a in &e.assumptions {
        let _ = writeln!(s, "  - {a}");
    }
    let _ = writeln!(
        s,
        "  - {} resource(s) have no charge of their own (VPC, subnets, security groups, IAM, ...).",
        e.free_resources
    );
    if explain {
        let _ = writeln!(s, "\nHow each figure was computed:");
        for l in &e.lines {
            let entry = catalog.entry(&l.line.price_id).ok();
            let _ = writeln!(
                s,
                "  {} / {}\n      {}\n      price {} = ${} per {} ({}{})",
                l.line.address,
                l.line.component,
                l.line.explain,
                l.line.price_id,
                l.line.unit_price,
                entry.map(|p| p.unit.as_str()).unwrap_or("?"),
                entry.map(|p| p.source.as_str()).unwrap_or("?"),
                entry
                    .filter(|p| p.confidence != "high")
                    .map(|p| format!(", confidence {}", p.confidence))
                    .unwrap_or_default(),
            );
            if l.free_tier >= 0.005 {
                let _ = writeln!(
                    s,
                    "      free tier covers {}: net {}",
                    usd(l.free_tier),
                    usd(l.net)
                );
            }
        }
    }
    s
}

fn plan_name(p: &Plan) -> String {
    match p {
        Plan::Credits { .. } => "credits plan: account created on or after 2025-07-15".into(),
        Plan::Legacy { created } => format!("legacy account created {created}"),
        Plan::None => "always-free offers only".into(),
    }
}

pub fn markdown(e: &Estimate) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### Monthly cost estimate: `{}`\n", e.source);
    let _ = writeln!(
        s,
        "**{} per month** after free tier ({} before), {}, prices of {}.\n",
        usd(e.total_net),
        usd(e.total_gross),
        e.region,
        e.catalog_effective
    );
    let _ = writeln!(
        s,
        "| module | resource | component | quantity | monthly | free tier | net |"
    );
    let _ = writeln!(s, "|---|---|---|---:|---:|---:|---:|");
    for l in &e.lines {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} {} | {} | {} | {} |",
            display_module(&l.line.module),
            local_address(&l.line),
            l.line.component,
            fmt_qty(l.line.quantity),
            l.line.unit,
            usd(l.line.monthly),
            if l.free_tier >= 0.005 {
                usd(-l.free_tier)
            } else {
                "-".into()
            },
            usd(l.net)
        );
    }
    let bound = if e.complete { "" } else { "at least " };
    let _ = writeln!(
        s,
        "| **total** | | | | **{bound}{}** | | **{bound}{}** |",
        usd(e.total_gross),
        usd(e.total_net)
    );
    if !e.complete {
        let _ = writeln!(s, "\n> **{}**", incomplete_sentence(e));
    }
    if !e.traps.is_empty() {
        let _ = writeln!(s, "\n#### Cost traps\n");
        for t in &e.traps {
            let _ = writeln!(
                s,
                "- **{}** ({:?}, {}/month) `{}`: {}. Fix: {}",
                t.id,
                t.severity,
                usd(t.monthly_at_stake),
                t.address,
                t.message,
                t.fix
            );
        }
    }
    if !e.not_priced.is_empty() {
        let _ = writeln!(s, "\n#### Not priced\n");
        for n in &e.not_priced {
            let _ = writeln!(s, "- `{}`: {}", n.address, n.reason);
        }
    }
    let _ = writeln!(s, "\n<details><summary>Assumptions</summary>\n");
    for a in &e.assumptions {
        let _ = writeln!(s, "- {a}");
    }
    let _ = writeln!(s, "\n</details>");
    s
}

pub fn comparison_table(c: &Comparison, before: &str, after: &str) -> String {
    let mut s = format!("Monthly cost change: {before} -> {after}\n\n");
    let mut t = aws_core::output::new_table(["resource", "before", "after", "change"]);
    for r in &c.resources {
        t.add_row(vec![
            r.address.clone(),
            usd(r.before),
            usd(r.after),
            signed(r.delta),
        ]);
    }
    t.add_row(vec![
        "TOTAL".into(),
        usd(c.before),
        usd(c.after),
        signed(c.delta),
    ]);
    s.push_str(&aws_core::output::render_table(&t));
    s
}

fn signed(v: f64) -> String {
    if v >= 0.005 {
        format!("+{}", usd(v))
    } else {
        usd(v)
    }
}

pub fn comparison_markdown(c: &Comparison) -> String {
    let mut s = format!(
        "### Monthly cost change: {} ({} -> {})\n\n| resource | before | after | change |\n|---|---:|---:|---:|\n",
        signed(c.delta),
        usd(c.before),
        usd(c.after)
    );
    for r in &c.resources {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            r.address,
            usd(r.before),
            usd(r.after),
            signed(r.delta)
        );
    }
    s
}
