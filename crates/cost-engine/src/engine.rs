//! One estimate, end to end: load, price, apply free tier, find traps.

use crate::catalog::{Catalog, CatalogError};
use crate::date::Date;
use crate::estimate::{Credits, Estimate, EstimateLine, SCHEMA_VERSION, module_totals};
use crate::free_tier::{self, Plan};
use crate::hcl_loader::{self, LoadError, LoadOptions};
use crate::model::Stack;
use crate::plan_loader::{self, PlanError};
use crate::pricing::{self, Inputs};
use crate::traps;
use crate::usage::{Usage, UsageError};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Source {
    /// A Terraform root module directory.
    Dir(PathBuf, LoadOptions),
    /// `terraform show -json` output.
    Plan(PathBuf),
}

impl Source {
    /// A directory or a `.json` plan, by what the path is.
    pub fn guess(path: PathBuf, opts: LoadOptions) -> Source {
        if path.extension().is_some_and(|e| e == "json") {
            Source::Plan(path)
        } else {
            Source::Dir(path, opts)
        }
    }

    pub fn label(&self) -> String {
        match self {
            Source::Dir(p, _) | Source::Plan(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Price(#[from] crate::pricing::PriceError),
}

pub struct Request<'a> {
    pub source: Source,
    pub catalog: &'a Catalog,
    pub usage: &'a Usage,
    /// Overrides the region found in the configuration.
    pub region: Option<String>,
    /// Region when neither the flag nor the configuration gives one.
    pub fallback_region: String,
    pub plan: Plan,
    pub as_of: Date,
}

pub fn load(source: &Source) -> Result<Stack, EngineError> {
    Ok(match source {
        Source::Dir(dir, opts) => hcl_loader::load_dir(dir, opts)?,
        Source::Plan(path) => plan_loader::load_file(path)?,
    })
}

pub fn estimate(req: &Request) -> Result<Estimate, EngineError> {
    let stack = load(&req.source)?;
    estimate_stack(&stack, req)
}

pub fn estimate_stack(stack: &Stack, req: &Request) -> Result<Estimate, EngineError> {
    let mut assumptions = stack.assumptions.clone();
    let region = match (&req.region, &stack.region) {
        (Some(r), _) => r.clone(),
        (None, Some(r)) => r.clone(),
        (None, None) => {
            assumptions.push(format!(
                "region not found in the configuration; priced for {}",
                req.fallback_region
            ));
            req.fallback_region.clone()
        }
    };
    if !req.catalog.regions().contains(&region) {
        return Err(CatalogError::RegionNotPriced {
            region,
            known: req.catalog.regions().join(", "),
        }
        .into());
    }
    let inputs = Inputs {
        catalog: req.catalog,
        usage: req.usage,
        region: &region,
        as_of: req.as_of,
    };
    let mut priced = pricing::price(stack, &inputs)?;
    // What the loader could not read is not priced either: the estimate is
    // incomplete, never $0 for it.
    priced
        .not_priced
        .extend(stack.unloaded.iter().map(|u| crate::pricing::NotPriced {
            address: u.address.clone(),
            rtype: u.kind.clone(),
            reason: u.reason.clone(),
        }));
    assumptions.extend(priced.assumptions.iter().cloned());
    let outcome = free_tier::apply(&req.plan, &priced.lines, req.as_of);
    let lines: Vec<EstimateLine> = priced
        .lines
        .iter()
        .zip(&outcome.covered)
        .map(|(l, c)| EstimateLine {
            line: l.clone(),
            free_tier: *c,
            net: (l.monthly - c).max(0.0),
        })
        .collect();
    // `+ 0.0` turns an empty sum's -0.0 into 0.0 (JSON would show "-0.0").
    let total_gross: f64 = lines.iter().map(|l| l.line.monthly).sum::<f64>() + 0.0;
    let total_free_tier: f64 = lines.iter().map(|l| l.free_tier).sum::<f64>() + 0.0;
    let total_net: f64 = lines.iter().map(|l| l.net).sum::<f64>() + 0.0;
    let credits = match &req.plan {
        Plan::Credits { credits: Some(c) } => Some(Credits {
            credits: *c,
            months: (total_net > 0.0).then(|| c / total_net),
        }),
        _ => None,
    };
    let traps = traps::find(stack, &priced.lines, req.as_of, req.catalog, &region);
    Ok(Estimate {
        schema_version: SCHEMA_VERSION,
        source: req.source.label(),
        region,
        as_of: req.as_of,
        catalog_effective: req.catalog.effective.clone(),
        currency: "USD",
        complete: priced.not_priced.is_empty(),
        total_gross,
        total_free_tier,
        total_net,
        modules: module_totals(&lines),
        lines,
        plan: req.plan.clone(),
        free_tier_applied: outcome.applied,
        free_tier_notes: outcome.notes,
        credits,
        traps,
        assumptions,
        not_priced: priced.not_priced,
        free_resources: priced.free_resources,
    })
}
