//! `ecs-scale`: desired count that autoscaling will not undo, working-hours
//! schedules, and what the schedule costs per month.

use crate::observe::{self, Calls};
use crate::target::Target;
use aws_core::{Error, Result};
use aws_sdk_applicationautoscaling::Client as Aas;
use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTargetAction, ServiceNamespace,
};
use serde::Serialize;

/// A working-hours schedule: `Mon-Fri 08:00-19:00`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkingHours {
    pub days: String,
    pub start: (u32, u32),
    pub end: (u32, u32),
}

const DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

impl WorkingHours {
    pub fn parse(spec: &str) -> std::result::Result<WorkingHours, String> {
        let help = "use DAYS HH:MM-HH:MM, e.g. \"Mon-Fri 08:00-19:00\" or \"Mon,Wed,Fri 09:00-17:30\" or \"Daily 07:00-22:00\"";
        let (days, hours) = spec
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("schedule \"{spec}\": {help}"))?;
        let days = normalize_days(days).map_err(|e| format!("schedule \"{spec}\": {e}; {help}"))?;
        let (a, b) = hours
            .trim()
            .split_once('-')
            .ok_or_else(|| format!("schedule \"{spec}\": {help}"))?;
        let start = hhmm(a).map_err(|e| format!("schedule \"{spec}\": {e}"))?;
        let end = hhmm(b).map_err(|e| format!("schedule \"{spec}\": {e}"))?;
        if end <= start {
            return Err(format!(
                "schedule \"{spec}\": the end ({}:{:02}) must be after the start on the same day",
                end.0, end.1
            ));
        }
        Ok(WorkingHours { days, start, end })
    }

    pub fn up_cron(&self) -> String {
        format!(
            "cron({} {} ? * {} *)",
            self.start.1, self.start.0, self.days
        )
    }

    pub fn down_cron(&self) -> String {
        format!("cron({} {} ? * {} *)", self.end.1, self.end.0, self.days)
    }
}

fn normalize_days(s: &str) -> std::result::Result<String, String> {
    let up = s.trim().to_ascii_uppercase();
    if up == "DAILY" || up == "MON-SUN" || up == "*" {
        return Ok("*".into());
    }
    let day = |d: &str| {
        let d3: String = d.chars().take(3).collect();
        DAYS.iter()
            .position(|x| *x == d3)
            .map(|_| d3.clone())
            .ok_or_else(|| format!("\"{d}\" is not a day (Mon..Sun)"))
    };
    let parts: Vec<String> = up
        .split(',')
        .map(|p| match p.split_once('-') {
            Some((a, b)) => Ok(format!("{}-{}", day(a)?, day(b)?)),
            None => day(p),
        })
        .collect::<std::result::Result<_, String>>()?;
    Ok(parts.join(","))
}

fn hhmm(s: &str) -> std::result::Result<(u32, u32), String> {
    let (h, m) = s
        .trim()
        .split_once(':')
        .ok_or_else(|| format!("\"{s}\" is not HH:MM"))?;
    let h: u32 = h.parse().map_err(|_| format!("\"{s}\" is not HH:MM"))?;
    let m: u32 = m.parse().map_err(|_| format!("\"{s}\" is not HH:MM"))?;
    if h > 23 || m > 59 {
        return Err(format!("\"{s}\" is not a time of day"));
    }
    Ok((h, m))
}

pub fn resource_id(t: &Target) -> String {
    format!("service/{}/{}", t.cluster, t.service)
}

#[derive(Debug, Clone, Serialize)]
pub struct ScalableTarget {
    pub min: i32,
    pub max: i32,
}

pub async fn scalable_target(aas: &Aas, t: &Target) -> Result<Option<ScalableTarget>> {
    let out = aas
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DescribeScalableTargets", e))?;
    Ok(out
        .scalable_targets
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|s| ScalableTarget {
            min: s.min_capacity,
            max: s.max_capacity,
        }))
}

/// New (min, max) so that `desired` stays inside them; None when already inside.
pub fn widen(current: &ScalableTarget, desired: i32) -> Option<(i32, i32)> {
    let (min, max) = (current.min.min(desired), current.max.max(desired));
    ((min, max) != (current.min, current.max)).then_some((min, max))
}

pub async fn register_target(aas: &Aas, t: &Target, min: i32, max: i32) -> Result<()> {
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(min)
        .max_capacity(max)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:RegisterScalableTarget", e))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduledAction {
    pub name: String,
    pub schedule: String,
    pub timezone: Option<String>,
    pub min: Option<i32>,
    pub max: Option<i32>,
}

pub async fn scheduled_actions(aas: &Aas, t: &Target) -> Result<Vec<ScheduledAction>> {
    let out = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DescribeScheduledActions", e))?;
    Ok(out
        .scheduled_actions
        .unwrap_or_default()
        .into_iter()
        .map(|a| ScheduledAction {
            name: a.scheduled_action_name,
            schedule: a.schedule,
            timezone: a.timezone,
            min: a
                .scalable_target_action
                .as_ref()
                .and_then(|s| s.min_capacity),
            max: a
                .scalable_target_action
                .as_ref()
                .and_then(|s| s.max_capacity),
        })
        .collect())
}

/// Names for the two actions: reuse existing up/down actions (e.g. Terraform's), else ours.
pub fn action_names(existing: &[ScheduledAction], service: &str) -> (String, String) {
    let find = |up: bool| {
        existing
            .iter()
            .find(|a| {
                let zero = a.max == Some(0);
                if up {
                    !zero && a.name.contains("up")
                } else {
                    zero
                }
            })
            .map(|a| a.name.clone())
    };
    (
        find(true).unwrap_or_else(|| format!("{service}-scale-up")),
        find(false).unwrap_or_else(|| format!("{service}-scale-down")),
    )
}

pub async fn put_action(
    aas: &Aas,
    t: &Target,
    name: &str,
    cron: &str,
    tz: &str,
    min: i32,
    max: i32,
) -> Result<()> {
    aas.put_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .scheduled_action_name(name)
        .schedule(cron)
        .timezone(tz)
        .scalable_target_action(
            ScalableTargetAction::builder()
                .min_capacity(min)
                .max_capacity(max)
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:PutScheduledAction", e))?;
    Ok(())
}

pub async fn delete_action(aas: &Aas, t: &Target, name: &str) -> Result<()> {
    aas.delete_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .scheduled_action_name(name)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DeleteScheduledAction", e))?;
    Ok(())
}

/// Monthly task cost at a given number of task-hours, from the pricing catalog.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyCost {
    pub task_hours: f64,
    pub compute: f64,
    pub public_ip: f64,
    pub total: f64,
}

pub fn monthly_cost(
    region: &str,
    vcpu: f64,
    gb: f64,
    arm: bool,
    public_ip: bool,
    task_hours: f64,
) -> Result<MonthlyCost> {
    let cat = cost_engine::catalog::Catalog::builtin();
    let arch = if arm { "arm" } else { "x86" };
    let price = |id: &str| {
        cat.price(id, region)
            .map_err(|e| Error::invalid(e.to_string()))
    };
    let compute = task_hours
        * (vcpu * price(&format!("fargate.{arch}.vcpu_hour"))?
            + gb * price(&format!("fargate.{arch}.gb_hour"))?);
    let ip = if public_ip {
        task_hours * price("vpc.public_ipv4.hour")?
    } else {
        0.0
    };
    Ok(MonthlyCost {
        task_hours,
        compute,
        public_ip: ip,
        total: compute + ip,
    })
}

/// Wait until the service runs `desired` tasks (or the timeout).
pub async fn wait_for_count(
    ecs: &aws_sdk_ecs::Client,
    t: &Target,
    desired: i32,
    timeout: std::time::Duration,
    quiet: bool,
) -> Result<()> {
    let spinner =
        aws_core::progress::Spinner::new(format!("waiting for {desired} running task(s)"), quiet);
    let started = std::time::Instant::now();
    let calls = Calls::default();
    let mut attempt = 0;
    loop {
        let s = observe::describe_service(ecs, t, &calls).await?;
        let (running, pending) = (s.running_count, s.pending_count);
        spinner.set_message(format!(
            "{running} running, {pending} pending, {desired} desired"
        ));
        if running == desired && pending == 0 {
            spinner.finish();
            return Ok(());
        }
        if started.elapsed() >= timeout {
            spinner.finish();
            return Err(Error::Failed(format!(
                "after {}s the service runs {running} task(s) ({pending} pending), not {desired}; see `ecs-deploy` events or the runbook docs/runbooks/task-failures.md",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(crate::rollout::poll_interval(attempt)).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_hours_to_cron() {
        let w = WorkingHours::parse("Mon-Fri 08:00-19:00").expect("ok");
        assert_eq!(w.up_cron(), "cron(0 8 ? * MON-FRI *)");
        assert_eq!(w.down_cron(), "cron(0 19 ? * MON-FRI *)");
        let w = WorkingHours::parse("mon,wed,friday 09:30-17:45").expect("ok");
        assert_eq!(w.up_cron(), "cron(30 9 ? * MON,WED,FRI *)");
        assert_eq!(
            WorkingHours::parse("Daily 07:00-22:00").expect("ok").days,
            "*"
        );
        for bad in [
            "Mon-Fri",
            "Funday 08:00-10:00",
            "Mon-Fri 19:00-08:00",
            "Mon-Fri 8-19",
            "Mon 25:00-26:00",
        ] {
            assert!(WorkingHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn schedule_hours_feed_the_cost_engine() {
        let w = WorkingHours::parse("Mon-Fri 08:00-18:00").expect("ok");
        let actions = [
            cost_engine::schedule::Action {
                cron: w.up_cron(),
                min_capacity: Some(1),
                max_capacity: Some(1),
            },
            cost_engine::schedule::Action {
                cron: w.down_cron(),
                min_capacity: Some(0),
                max_capacity: Some(0),
            },
        ];
        let u = cost_engine::schedule::usage(1, &actions).expect("ok");
        let c =
            monthly_cost("us-east-1", 0.25, 0.5, false, true, u.task_hours_per_month).expect("ok");
        assert!((c.compute - 2.68).abs() < 0.01, "{c:?}");
        assert!((c.public_ip - 1.09).abs() < 0.01, "{c:?}");
    }

    #[test]
    fn widening_keeps_autoscaling_from_undoing_a_scale() {
        let t = ScalableTarget { min: 1, max: 2 };
        assert_eq!(widen(&t, 0), Some((0, 2)));
        assert_eq!(widen(&t, 5), Some((1, 5)));
        assert_eq!(widen(&t, 1), None);
    }

    #[test]
    fn reuses_terraform_action_names() {
        let existing = vec![
            ScheduledAction {
                name: "fft-dev-app-service-scale-up".into(),
                schedule: "x".into(),
                timezone: None,
                min: Some(1),
                max: Some(2),
            },
            ScheduledAction {
                name: "fft-dev-app-service-scale-down".into(),
                schedule: "y".into(),
                timezone: None,
                min: Some(0),
                max: Some(0),
            },
        ];
        assert_eq!(
            action_names(&existing, "app"),
            (
                "fft-dev-app-service-scale-up".into(),
                "fft-dev-app-service-scale-down".into()
            )
        );
        assert_eq!(
            action_names(&[], "app"),
            ("app-scale-up".into(), "app-scale-down".into())
        );
    }
}
