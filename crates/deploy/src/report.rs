//! What a deploy did, as one value: the JSON of `--output json` and the summary
//! table people read.

use cost_engine::estimate::usd;
use cost_engine::plan_loader::Changes;
use serde::Serialize;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stopped by an error before a plan was made (pre-flight, init, plan).
    Failed,
    /// Changes applied (and rolled out and probed, when asked).
    Applied,
    /// The plan was empty: nothing applied.
    NoChanges,
    /// `--dry-run`: stopped after the gate.
    DryRun,
    /// The gate refused the plan (budget or trap): nothing applied.
    Refused,
    /// The estimate could not be checked (items not priced): nothing applied.
    Incomplete,
    /// The confirmation was declined or impossible: nothing applied.
    Aborted,
    ApplyFailed,
    RolloutFailed,
    HealthFailed,
    Destroyed,
}

impl Outcome {
    /// The name in the JSON report, also shown in the summary.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Failed => "failed",
            Outcome::Applied => "applied",
            Outcome::NoChanges => "no_changes",
            Outcome::DryRun => "dry_run",
            Outcome::Refused => "refused",
            Outcome::Incomplete => "incomplete",
            Outcome::Aborted => "aborted",
            Outcome::ApplyFailed => "apply_failed",
            Outcome::RolloutFailed => "rollout_failed",
            Outcome::HealthFailed => "health_failed",
            Outcome::Destroyed => "destroyed",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    /// Monthly USD after the apply (net of free tier).
    pub monthly: f64,
    /// Monthly USD of what runs now (the plan's prior state).
    pub current: f64,
    pub delta: f64,
    /// False when items could not be priced: `monthly` is then a lower bound.
    pub complete: bool,
    /// The same for `current`.
    pub current_complete: bool,
    pub budget: Option<f64>,
    pub headroom: Option<f64>,
    pub traps: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: &'static str,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollout {
    pub tag: String,
    pub task_definition: String,
    pub result: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub environment: String,
    pub terraform_dir: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub outcome: Outcome,
    pub changes: Changes,
    pub cost: Option<Cost>,
    /// The spend cap the plan sets (roots with a `spend_cap_usd` variable).
    pub spend_cap: Option<SpendCap>,
    pub app_url: Option<String>,
    pub rollout: Option<Rollout>,
    /// `passed (HTTP 200)`, `off`, `skipped: ...`, `failed: ...`.
    pub health: Option<String>,
    /// Resources an apply that failed had created (left billing unless cleaned up).
    pub created_before_failure: Vec<String>,
    pub cleaned_up: bool,
    pub phases: Vec<Phase>,
    pub error: Option<String>,
}

/// The environment's spend cap as planned: `usd` is null when it has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpendCap {
    pub usd: Option<f64>,
}

impl SpendCap {
    /// From the plan's variables; `None` when the root has no `spend_cap_usd`.
    pub fn of(variables: &std::collections::BTreeMap<String, serde_json::Value>) -> Option<Self> {
        // `-var` values can appear in the plan as the text they were given.
        variables.get("spend_cap_usd").map(|v| SpendCap {
            usd: v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .filter(|c: &f64| c.is_finite() && *c > 0.0),
        })
    }

    fn line(&self) -> String {
        match self.usd {
            Some(c) => format!(
                "{}/month: past it the environment is stopped until `ecs-scale resume` (docs/runbooks/spend-cap.md)",
                usd(c)
            ),
            None => "none: past the budget AWS only sends mail (set spend_cap_usd or --cap)".into(),
        }
    }
}

#[cfg(test)]
mod spend_cap_tests {
    use super::SpendCap;
    use serde_json::json;

    #[test]
    fn the_cap_is_read_as_a_number_or_the_text_given_to_var() {
        let vars = |v| std::iter::once(("spend_cap_usd".to_string(), v)).collect();
        assert_eq!(
            SpendCap::of(&vars(json!(15))),
            Some(SpendCap { usd: Some(15.0) })
        );
        assert_eq!(
            SpendCap::of(&vars(json!("15"))),
            Some(SpendCap { usd: Some(15.0) })
        );
        assert_eq!(
            SpendCap::of(&vars(json!(null))),
            Some(SpendCap { usd: None })
        );
        assert_eq!(SpendCap::of(&Default::default()), None);
    }
}

/// Times the phases of a run.
#[derive(Debug)]
pub struct Clock {
    started: Instant,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            started: Instant::now(),
        }
    }

    pub fn stop(self, name: &'static str, phases: &mut Vec<Phase>) {
        phases.push(Phase {
            name,
            seconds: (self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        });
    }
}

/// `+3 to create, ~1 to update, ±0 to replace, -0 to destroy`
pub fn changes_line(c: &Changes) -> String {
    format!(
        "+{} to create, ~{} to update, ±{} to replace, -{} to destroy",
        c.create.len(),
        c.update.len(),
        c.replace.len(),
        c.delete.len()
    )
}

/// The addresses of a plan, most important first, at most `max` of them.
pub fn changes_detail(c: &Changes, max: usize) -> Vec<String> {
    let all: Vec<String> = c
        .delete
        .iter()
        .map(|a| format!("- {a}"))
        .chain(c.replace.iter().map(|a| format!("± {a}")))
        .chain(c.update.iter().map(|a| format!("~ {a}")))
        .chain(c.create.iter().map(|a| format!("+ {a}")))
        .collect();
    let mut shown: Vec<String> = all.iter().take(max).cloned().collect();
    if all.len() > max {
        shown.push(format!("... and {} more", all.len() - max));
    }
    shown
}

/// `$28.08/month (now $0.00, +$28.08)`, with "at least" when incomplete.
pub fn cost_line(c: &Cost) -> String {
    let delta = if c.delta >= 0.005 {
        format!("+{}", usd(c.delta))
    } else {
        usd(c.delta)
    };
    let at_least = |complete: bool| if complete { "" } else { "at least " };
    format!(
        "{}{}/month (now {}{}, {delta})",
        at_least(c.complete),
        usd(c.monthly),
        at_least(c.current_complete),
        usd(c.current)
    )
}

/// The summary table (stdout) of a finished run.
pub fn summary(r: &Report) -> String {
    let mut t = aws_core::output::new_table(["", ""]);
    let mut row = |k: &str, v: String| {
        t.add_row(vec![k.to_string(), v]);
    };
    row("environment", r.environment.clone());
    if let Some(a) = &r.account {
        row("account", a.clone());
    }
    row("outcome", r.outcome.name().to_string());
    row("changes", changes_line(&r.changes));
    if let Some(c) = &r.cost {
        row("monthly cost", cost_line(c));
        if let (Some(b), Some(h)) = (c.budget, c.headroom) {
            row("budget", format!("{} ({} headroom)", usd(b), usd(h)));
        }
    }
    if let Some(cap) = &r.spend_cap {
        row("spend cap", cap.line());
    }
    if let Some(u) = &r.app_url {
        row("url", u.clone());
    }
    if let Some(ro) = &r.rollout {
        row(
            "rollout",
            format!("{} -> {}: {}", ro.tag, ro.task_definition, ro.result),
        );
    }
    if let Some(h) = &r.health {
        row("health", h.clone());
    }
    row(
        "time",
        r.phases
            .iter()
            .map(|p| format!("{} {:.1}s", p.name, p.seconds))
            .collect::<Vec<_>>()
            .join(", "),
    );
    // The header row is empty: drop it.
    aws_core::output::render_table(&t)
        .lines()
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_are_the_json_names() {
        for o in [
            Outcome::Failed,
            Outcome::Applied,
            Outcome::NoChanges,
            Outcome::DryRun,
            Outcome::Refused,
            Outcome::Incomplete,
            Outcome::Aborted,
            Outcome::ApplyFailed,
            Outcome::RolloutFailed,
            Outcome::HealthFailed,
            Outcome::Destroyed,
        ] {
            assert_eq!(serde_json::to_value(o).expect("json"), o.name());
        }
    }

    #[test]
    fn lines() {
        let c = Changes {
            create: vec!["aws_eip.a".into(), "aws_eip.b".into()],
            update: vec![],
            replace: vec!["aws_iam_role.r".into()],
            delete: vec!["aws_sqs_queue.q".into()],
        };
        assert_eq!(
            changes_line(&c),
            "+2 to create, ~0 to update, ±1 to replace, -1 to destroy"
        );
        assert_eq!(
            changes_detail(&c, 3),
            [
                "- aws_sqs_queue.q",
                "± aws_iam_role.r",
                "+ aws_eip.a",
                "... and 1 more"
            ]
        );
        let cost = Cost {
            monthly: 3.65,
            current: 0.0,
            delta: 3.65,
            complete: false,
            current_complete: true,
            budget: None,
            headroom: None,
            traps: vec![],
        };
        assert_eq!(cost_line(&cost), "at least $3.65/month (now $0.00, +$3.65)");
    }
}
