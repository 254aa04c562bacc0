//! Scheduled scale-to-zero: from Application Auto Scaling scheduled actions
//! (`cron(min hour dom month dow year)` in a time zone) to task-hours per month.
//!
//! This module is the one home of the AWS cron dialect: [`WorkingHours`] builds the
//! `cron(min hour ? * DAYS *)` pair that `ecs-scale --schedule` writes, and
//! [`fire_times`] / [`usage`] parse such expressions back (also Terraform's) for the
//! cost; a property test checks that what is built parses back to the same hours.
//!
//! The week is simulated minute by minute; the time zone only moves the wall-clock
//! instants, not how many hours a week the service runs, so weekly on-hours x 730/168
//! is exact to within the one DST transition week a year.

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

/// A working-hours schedule: `Mon-Fri 08:00-19:00`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorkingHours {
    pub days: String,
    pub start: (u32, u32),
    pub end: (u32, u32),
}

const DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

impl WorkingHours {
    /// Parse `DAYS HH:MM-HH:MM` strictly: days are `Mon`..`Sun` (or full names), single
    /// days, forward ranges (`Mon-Fri`) or comma lists, or `Daily`; times are `H:MM` or
    /// `HH:MM`; the end is after the start. Anything else is refused, never guessed.
    pub fn parse(spec: &str) -> std::result::Result<WorkingHours, String> {
        let help = "use DAYS HH:MM-HH:MM, e.g. \"Mon-Fri 08:00-19:00\", \"Mon,Wed,Fri 09:00-17:30\" or \"Daily 07:00-22:00\"";
        let mut words = spec.split_whitespace();
        let (Some(days), Some(hours), None) = (words.next(), words.next(), words.next()) else {
            return Err(format!("schedule \"{spec}\": {help}"));
        };
        let days = normalize_days(days).map_err(|e| format!("schedule \"{spec}\": {e}; {help}"))?;
        let (a, b) = hours
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

const FULL_DAYS: [&str; 7] = [
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
];

/// Index 0..7 of a day written as `Mon` or `Monday` (any case).
fn day_index(d: &str) -> std::result::Result<usize, String> {
    let up = d.to_ascii_uppercase();
    DAYS.iter()
        .position(|x| *x == up)
        .or_else(|| FULL_DAYS.iter().position(|x| *x == up))
        .ok_or_else(|| format!("\"{d}\" is not a day (Mon..Sun)"))
}

fn normalize_days(s: &str) -> std::result::Result<String, String> {
    let up = s.to_ascii_uppercase();
    if up == "DAILY" || up == "MON-SUN" || up == "*" {
        return Ok("*".into());
    }
    let mut parts = Vec::new();
    for p in up.split(',') {
        let bounds: Vec<&str> = p.split('-').collect();
        match bounds.as_slice() {
            [d] => parts.push(DAYS[day_index(d)?].to_string()),
            [a, b] => {
                let (from, to) = (day_index(a)?, day_index(b)?);
                if from >= to {
                    return Err(format!(
                        "\"{p}\" does not go forward from Monday to Sunday (write {}-SUN,MON-{} for a range over the weekend)",
                        DAYS[from], DAYS[to]
                    ));
                }
                // AWS numbers the week SUN=1..SAT=7: a range ending on Sunday would run
                // backwards there, so Sunday is listed on its own.
                parts.push(match (to, from) {
                    (6, 5) => "SAT,SUN".to_string(),
                    (6, _) => format!("{}-SAT,SUN", DAYS[from]),
                    _ => format!("{}-{}", DAYS[from], DAYS[to]),
                });
            }
            _ => return Err(format!("\"{p}\" is not a day or a range of two days")),
        }
    }
    Ok(parts.join(","))
}

fn hhmm(s: &str) -> std::result::Result<(u32, u32), String> {
    let bad = || format!("\"{s}\" is not HH:MM");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let digits = |x: &str, max_len: usize| {
        !x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(h, 2) && digits(m, 2) && m.len() == 2) {
        return Err(bad());
    }
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 {
        return Err(format!("\"{s}\" is not a time of day"));
    }
    Ok((h, m))
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
            "Monkey-Frisbee 08:00-19:00",
            "Mon-Fri-Sun 08:00-19:00",
            "Mon-Fri +8:00-19:00",
            "Fri-Mon 08:00-19:00",
            "Mon-Fri 08:00-19:00 extra",
            "Mon-Fri 08:0-19:00",
            "Mon, Fri 08:00-19:00",
        ] {
            assert!(WorkingHours::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            WorkingHours::parse("Thu-Sun 10:00-16:00")
                .expect("weekend")
                .up_cron(),
            "cron(0 10 ? * THU-SAT,SUN *)"
        );
        assert_eq!(
            WorkingHours::parse("monday-Friday 8:00-19:00")
                .expect("full names")
                .days,
            "MON-FRI"
        );
    }

    proptest::proptest! {
        /// Build <-> parse round trip: the crons WorkingHours writes parse back to
        /// exactly days x (end - start) on-hours a week.
        #[test]
        fn built_crons_parse_back_to_the_same_hours(
            first in 0usize..7,
            len in 1usize..8,
            start in 0u32..(23 * 60),
            span in 1u32..(24 * 60),
        ) {
            let last = (first + len - 1).min(6);
            let end = (start + span).min(23 * 60 + 59);
            proptest::prop_assume!(end > start);
            let days = if first == last {
                DAYS[first].to_string()
            } else {
                format!("{}-{}", DAYS[first], DAYS[last])
            };
            let spec = format!("{days} {}:{:02}-{}:{:02}", start / 60, start % 60, end / 60, end % 60);
            let w = WorkingHours::parse(&spec).map_err(proptest::test_runner::TestCaseError::fail)?;
            let u = usage(1, &[
                Action { cron: w.up_cron(), min_capacity: Some(1), max_capacity: Some(1) },
                Action { cron: w.down_cron(), min_capacity: Some(0), max_capacity: Some(0) },
            ]).map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let expected = (last - first + 1) as f64 * f64::from(end - start) / 60.0;
            proptest::prop_assert!((u.task_hours_per_week - expected).abs() < 1e-9, "{spec}: {} vs {expected}", u.task_hours_per_week);
        }
    }

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
