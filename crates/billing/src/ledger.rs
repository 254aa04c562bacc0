//! Daily costs by service and record type, as Cost Explorer reported them, and the
//! arithmetic both cost tools show: gross usage, credits, net, a run-rate forecast,
//! anomalies. Pure: no clock (today is an argument), no AWS.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One (day, service, record type) amount in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub date: Date,
    pub service: String,
    pub record_type: String,
    pub usd: f64,
}

/// Credits and refunds lower the bill but hide what was used: kept apart.
pub fn is_credit(record_type: &str) -> bool {
    matches!(record_type, "Credit" | "Refund")
}

/// Usage (everything billed), credits (negative) and what is left to pay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Split {
    pub gross: f64,
    pub credits: f64,
    pub net: f64,
}

impl Split {
    fn add(&mut self, e: &Entry) {
        if is_credit(&e.record_type) {
            self.credits += e.usd;
        } else {
            self.gross += e.usd;
        }
        self.net = self.gross + self.credits;
    }
}

#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub entries: Vec<Entry>,
}

/// The first day of `date`'s month.
pub fn month_start(date: Date) -> Date {
    date.first_of_month()
}

/// The first day of the month before `date`'s.
pub fn last_month_start(date: Date) -> Date {
    date.first_of_month()
        .checked_sub(1.month())
        .unwrap_or(date.first_of_month())
}

impl Ledger {
    pub fn new(entries: Vec<Entry>) -> Ledger {
        Ledger { entries }
    }

    fn matching<'a>(
        &'a self,
        from: Date,
        to_exclusive: Date,
        services: Option<&'a [&'a str]>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| {
            e.date >= from
                && e.date < to_exclusive
                && services.is_none_or(|s| s.contains(&e.service.as_str()))
        })
    }

    /// The split of `[from, to_exclusive)`, for `services` (Cost Explorer names) or all.
    pub fn split(&self, from: Date, to_exclusive: Date, services: Option<&[&str]>) -> Split {
        let mut s = Split::default();
        for e in self.matching(from, to_exclusive, services) {
            s.add(e);
        }
        s
    }

    /// Per Cost Explorer service, the split of `[from, to_exclusive)`.
    pub fn by_service(&self, from: Date, to_exclusive: Date) -> BTreeMap<String, Split> {
        let mut m: BTreeMap<String, Split> = BTreeMap::new();
        for e in self.matching(from, to_exclusive, None) {
            m.entry(e.service.clone()).or_default().add(e);
        }
        m
    }

    /// Gross cost of each day of `[from, to_exclusive)` (days without data are 0).
    pub fn daily_gross(
        &self,
        from: Date,
        to_exclusive: Date,
        services: Option<&[&str]>,
    ) -> Vec<(Date, f64)> {
        let mut days: BTreeMap<Date, f64> = BTreeMap::new();
        let mut d = from;
        while d < to_exclusive {
            days.insert(d, 0.0);
            d = match d.tomorrow() {
                Ok(n) => n,
                Err(_) => break,
            };
        }
        for e in self.matching(from, to_exclusive, services) {
            if !is_credit(&e.record_type) {
                *days.entry(e.date).or_default() += e.usd;
            }
        }
        days.into_iter().collect()
    }
}

/// Month-end projection from a local run rate: the month's complete days so far plus
/// the average of the last (up to) 7 complete days for every day left, today included.
/// No second paid call (Cost Explorer's forecast costs $0.01 more).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Forecast {
    pub month_to_yesterday: f64,
    pub daily_rate: f64,
    /// Complete days the rate averages (0: no data, the forecast is what was spent).
    pub rate_days: u32,
    pub days_left: u32,
    pub month_end: f64,
}

pub fn forecast(ledger: &Ledger, today: Date) -> Forecast {
    let start = month_start(today);
    let month_to_yesterday = ledger.split(start, today, None).gross;
    let window_start = today.checked_sub(7.days()).unwrap_or(today);
    let window = ledger.daily_gross(window_start, today, None);
    let first_data = ledger.entries.iter().map(|e| e.date).min();
    // Days before the first day with data are not zero-cost days: they are unknown.
    let known: Vec<f64> = window
        .iter()
        .filter(|(d, _)| first_data.is_some_and(|f| *d >= f))
        .map(|(_, v)| *v)
        .collect();
    let rate_days = u32::try_from(known.len()).unwrap_or(0);
    let daily_rate = if known.is_empty() {
        0.0
    } else {
        known.iter().sum::<f64>() / f64::from(rate_days)
    };
    let days_in_month = u32::try_from(today.days_in_month()).unwrap_or(30);
    let days_left = days_in_month + 1 - u32::try_from(today.day()).unwrap_or(1);
    Forecast {
        month_to_yesterday,
        daily_rate,
        rate_days,
        days_left,
        month_end: month_to_yesterday + daily_rate * f64::from(days_left),
    }
}

/// A service whose cost on `day` is well above its trailing average.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub service: String,
    pub day: Date,
    pub cost: f64,
    pub trailing_average: f64,
    pub increase_percent: f64,
}

/// Below this many dollars a jump is noise, whatever its percentage.
pub const ANOMALY_MIN_USD: f64 = 0.05;

/// Services whose gross cost on `day` exceeds the average of the 7 days before it by
/// more than `threshold_percent` (and by at least [`ANOMALY_MIN_USD`]).
pub fn anomalies(ledger: &Ledger, day: Date, threshold_percent: f64) -> Vec<Anomaly> {
    let from = day.checked_sub(7.days()).unwrap_or(day);
    let Ok(next) = day.tomorrow() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (service, split) in ledger.by_service(day, next) {
        let services = [service.as_str()];
        let before = ledger.split(from, day, Some(&services)).gross / 7.0;
        let cost = split.gross;
        let jump = cost - before;
        if jump >= ANOMALY_MIN_USD && cost > before * (1.0 + threshold_percent / 100.0) {
            out.push(Anomaly {
                increase_percent: if before > 0.0 {
                    jump / before * 100.0
                } else {
                    f64::INFINITY
                },
                service,
                day,
                cost,
                trailing_average: before,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn e(d: Date, service: &str, record: &str, usd: f64) -> Entry {
        Entry {
            date: d,
            service: service.into(),
            record_type: record.into(),
            usd,
        }
    }

    #[test]
    fn credits_are_kept_apart_from_usage() {
        let d = date(2026, 11, 3);
        let l = Ledger::new(vec![
            e(d, "Amazon Elastic Container Service", "Usage", 0.40),
            e(d, "Amazon Elastic Container Service", "Credit", -0.40),
            e(d, "Tax", "Tax", 0.05),
        ]);
        let s = l.split(d, date(2026, 11, 4), None);
        assert!((s.gross - 0.45).abs() < 1e-9);
        assert!((s.credits + 0.40).abs() < 1e-9);
        assert!(
            (s.net - 0.05).abs() < 1e-9,
            "a credits-heavy month: net near 0, gross not"
        );
        let ecs = ["Amazon Elastic Container Service"];
        assert!((l.split(d, date(2026, 11, 4), Some(&ecs)).net).abs() < 1e-9);
        assert_eq!(l.by_service(d, date(2026, 11, 4)).len(), 2);
    }

    #[test]
    fn the_forecast_runs_the_last_complete_days_to_month_end() {
        let mut entries = Vec::new();
        for day in 1..=9 {
            entries.push(e(date(2026, 11, day), "S", "Usage", 1.0));
        }
        entries.push(e(date(2026, 11, 10), "S", "Usage", 5.0)); // today so far: not used
        let f = forecast(&Ledger::new(entries), date(2026, 11, 10));
        assert!((f.month_to_yesterday - 9.0).abs() < 1e-9);
        assert_eq!(f.rate_days, 7);
        assert!((f.daily_rate - 1.0).abs() < 1e-9);
        assert_eq!(f.days_left, 21, "the 10th to the 30th");
        assert!((f.month_end - 30.0).abs() < 1e-9);

        // Two days of data: the rate averages those two, not seven.
        let l = Ledger::new(vec![
            e(date(2026, 11, 1), "S", "Usage", 2.0),
            e(date(2026, 11, 2), "S", "Usage", 4.0),
        ]);
        let f = forecast(&l, date(2026, 11, 3));
        assert_eq!(f.rate_days, 2);
        assert!((f.daily_rate - 3.0).abs() < 1e-9);
        // No data at all.
        let f = forecast(&Ledger::default(), date(2026, 11, 3));
        assert_eq!((f.rate_days, f.month_end), (0, 0.0));
    }

    #[test]
    fn a_jump_above_the_trailing_average_is_an_anomaly_and_noise_is_not() {
        let mut entries = Vec::new();
        for day in 1..=7 {
            entries.push(e(date(2026, 11, day), "NAT", "Usage", 0.10));
            entries.push(e(date(2026, 11, day), "Tiny", "Usage", 0.001));
        }
        entries.push(e(date(2026, 11, 8), "NAT", "Usage", 1.20));
        entries.push(e(date(2026, 11, 8), "Tiny", "Usage", 0.01));
        entries.push(e(date(2026, 11, 8), "New", "Usage", 0.50));
        let a = anomalies(&Ledger::new(entries), date(2026, 11, 8), 50.0);
        let names: Vec<&str> = a.iter().map(|x| x.service.as_str()).collect();
        assert_eq!(names, ["NAT", "New"]);
        assert!((a[0].increase_percent - 1100.0).abs() < 1e-6);
        assert!(a[1].increase_percent.is_infinite());
    }

    #[test]
    fn months_start_where_they_should() {
        assert_eq!(last_month_start(date(2026, 1, 15)), date(2025, 12, 1));
        assert_eq!(month_start(date(2026, 3, 31)), date(2026, 3, 1));
    }
}
