//! Scheduled scale-to-zero: from Application Auto Scaling scheduled actions
//! (`cron(min hour dom month dow year)` in a time zone) to task-hours per month.
//!
//! The week is simulated minute by minute in the schedule's own time zone. DST
//! moves the wall-clock instants but not how many hours a week the service runs, so
//! weekly on-hours x 730/168 is exact to within the one transition week a year.

use std::fmt;

const MINUTES_PER_WEEK: usize = 7 * 24 * 60;
pub const WEEKS_PER_MONTH: f64 = 730.0 / 168.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub cron: String,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("schedule \"{expr}\": {why}")]
pub struct CronError {
    pub expr: String,
    pub why: String,
}

/// Task-hours per week and month for a service with `desired` tasks and these actions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Usage {
    pub task_hours_per_week: f64,
    pub task_hours_per_month: f64,
    /// Hours a month with at least one task running.
    pub on_hours_per_month: f64,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.1} task-hours/week = {:.2} task-hours/month",
            self.task_hours_per_week, self.task_hours_per_month
        )
    }
}

/// Minutes of the week (Monday 00:00 = 0) at which a cron expression fires.
pub fn fire_times(expr: &str) -> Result<Vec<usize>, CronError> {
    let err = |why: &str| CronError {
        expr: expr.into(),
        why: why.into(),
    };
    let inner = expr
        .trim()
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| {
            err("only cron(...) schedules are modelled (at() and rate() are not recurring weekly)")
        })?;
    let f: Vec<&str> = inner.split_whitespace().collect();
    if f.len() != 6 {
        return Err(err(
            "expected 6 fields: minute hour day-of-month month day-of-week year",
        ));
    }
    let minutes = field(f[0], 0, 59, &[]).map_err(|w| err(&format!("minute: {w}")))?;
    let hours = field(f[1], 0, 23, &[]).map_err(|w| err(&format!("hour: {w}")))?;
    if !matches!(f[2], "?" | "*") || f[3] != "*" {
        return Err(err(
            "only weekly schedules are modelled (day-of-month ? or *, month *)",
        ));
    }
    // AWS day-of-week: 1-7 = SUN-SAT, or names.
    let names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let dows = if matches!(f[4], "?" | "*") {
        (1..=7).collect()
    } else {
        field(f[4], 1, 7, &names).map_err(|w| err(&format!("day-of-week: {w}")))?
    };
    let mut out = Vec::new();
    for d in dows {
        let monday_based = (d + 5) % 7; // SUN(1) -> 6, MON(2) -> 0
        for &h in &hours {
            for &m in &minutes {
                out.push(monday_based * 1440 + h * 60 + m);
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

fn field(s: &str, lo: usize, hi: usize, names: &[&str]) -> Result<Vec<usize>, String> {
    let value = |t: &str| -> Result<usize, String> {
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(t)) {
            return Ok(i + lo);
        }
        let v: usize = t.parse().map_err(|_| format!("`{t}` is not a number"))?;
        if v < lo || v > hi {
            return Err(format!("{v} is outside {lo}-{hi}"));
        }
        Ok(v)
    };
    if s == "*" {
        return Ok((lo..=hi).collect());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (
                r,
                st.parse::<usize>()
                    .map_err(|_| format!("bad step in `{part}`"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err("step must not be 0".into());
        }
        let (a, b) = match range.split_once('-') {
            Some((a, b)) => (value(a)?, value(b)?),
            None if range == "*" => (lo, hi),
            None => {
                let v = value(range)?;
                (v, if step > 1 { hi } else { v })
            }
        };
        if a > b {
            return Err(format!("range `{range}` runs backwards"));
        }
        out.extend((a..=b).step_by(step));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Simulate a week: tasks start at `desired`; each action clamps the count into its
/// [min, max]. Two laps so the state at Monday 00:00 reflects Sunday's last action.
pub fn usage(desired: u32, actions: &[Action]) -> Result<Usage, CronError> {
    let mut events: Vec<(usize, &Action)> = Vec::new();
    for a in actions {
        for t in fire_times(&a.cron)? {
            events.push((t, a));
        }
    }
    events.sort_by_key(|(t, _)| *t);
    let mut tasks = desired;
    let apply = |tasks: u32, a: &Action| {
        let mut t = tasks;
        if let Some(min) = a.min_capacity {
            t = t.max(min);
        }
        if let Some(max) = a.max_capacity {
            t = t.min(max);
        }
        t
    };
    // First lap: settle the state at the start of the week.
    for (_, a) in &events {
        tasks = apply(tasks, a);
    }
    let mut task_minutes: u64 = 0;
    let mut on_minutes: u64 = 0;
    let mut next = events.iter().peekable();
    for minute in 0..MINUTES_PER_WEEK {
        while let Some((t, a)) = next.peek() {
            if *t == minute {
                tasks = apply(tasks, a);
                next.next();
            } else {
                break;
            }
        }
        task_minutes += u64::from(tasks);
        if tasks > 0 {
            on_minutes += 1;
        }
    }
    let week = task_minutes as f64 / 60.0;
    Ok(Usage {
        task_hours_per_week: week,
        task_hours_per_month: week * WEEKS_PER_MONTH,
        on_hours_per_month: on_minutes as f64 / 60.0 * WEEKS_PER_MONTH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(cron: &str, min: u32, max: u32) -> Action {
        Action {
            cron: cron.into(),
            min_capacity: Some(min),
            max_capacity: Some(max),
        }
    }

    #[test]
    fn weekday_working_hours_give_about_217_hours() {
        let u = usage(
            1,
            &[
                act("cron(0 8 ? * MON-FRI *)", 1, 2),
                act("cron(0 18 ? * MON-FRI *)", 0, 0),
            ],
        )
        .expect("valid");
        assert_eq!(u.task_hours_per_week, 50.0);
        assert!((u.task_hours_per_month - 217.26).abs() < 0.01, "{u}");
        assert!((u.on_hours_per_month - 217.26).abs() < 0.01);
    }

    #[test]
    fn no_schedule_is_always_on() {
        let u = usage(2, &[]).expect("valid");
        assert_eq!(u.task_hours_per_week, 336.0);
        assert!((u.task_hours_per_month - 1460.0).abs() < 1e-9);
        assert!((u.on_hours_per_month - 730.0).abs() < 1e-9);
    }

    #[test]
    fn schedule_that_never_scales_up_is_zero_after_the_first_action() {
        let u = usage(1, &[act("cron(0 0 ? * * *)", 0, 0)]).expect("valid");
        assert_eq!(u.task_hours_per_week, 0.0);
    }

    #[test]
    fn names_numbers_lists_and_steps() {
        assert_eq!(
            fire_times("cron(30 9 ? * MON *)").expect("ok"),
            vec![9 * 60 + 30]
        );
        assert_eq!(fire_times("cron(0 0 ? * 1 *)").expect("ok"), vec![6 * 1440]); // SUN
        assert_eq!(fire_times("cron(0 8,12 ? * MON *)").expect("ok").len(), 2);
        assert_eq!(
            fire_times("cron(0/30 8 ? * MON *)").expect("ok"),
            vec![480, 510]
        );
    }

    #[test]
    fn unsupported_forms_say_why() {
        for bad in [
            "rate(1 hour)",
            "cron(0 8 * *)",
            "cron(0 8 1 * ? *)",
            "cron(0 25 ? * * *)",
            "cron(0 8 ? * FUNDAY *)",
        ] {
            assert!(fire_times(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn cron_parser_never_panics(s in "cron\\([0-9*?,/A-Z -]{0,30}\\)") {
            let _ = fire_times(&s);
        }
    }
}
