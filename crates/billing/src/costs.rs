//! The one Cost Explorer read both cost tools share: from the cache when it was made
//! today for this account, else one `GetCostAndUsage` (DAILY, from the 1st of last
//! month through today, by SERVICE and RECORD_TYPE), stored for the rest of the day.

use crate::aws::Aws;
use crate::cache::{self, CostData};
use crate::ledger::{self, Ledger};
use aws_core::Result;
use jiff::civil::Date;

/// The price catalog's Cost Explorer request price (the API is answered in us-east-1).
const REQUEST_PRICE: &str = "costexplorer.request";

pub struct Costs {
    pub data: CostData,
    pub ledger: Ledger,
    pub from_cache: bool,
    /// Billed requests this run made for it (0 on a cache hit).
    pub billed_now: u32,
}

/// Today, as Cost Explorer counts days (UTC).
pub fn today_utc() -> Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// How long a read in which yesterday is still estimated is reused.
const ESTIMATED_MAX_AGE_HOURS: i64 = 3;

pub async fn load(aws: &Aws, account: &str, today: Date, refresh: bool) -> Result<Costs> {
    let start = ledger::last_month_start(today);
    let end = today.tomorrow().unwrap_or(today);
    let path = cache::path(account);
    let cached = || -> Option<Costs> {
        let data = cache::load(path.as_deref()?, account, today, start, end)?;
        // A read that called yesterday estimated is not kept all day: a gate on
        // yesterday would see the same early figure until midnight.
        let yesterday = today.yesterday().ok()?;
        let age = jiff::Timestamp::now().duration_since(data.fetched_at);
        if data.estimated_from.is_some_and(|d| d <= yesterday)
            && age > jiff::SignedDuration::from_hours(ESTIMATED_MAX_AGE_HOURS)
        {
            return None;
        }
        Some(Costs {
            ledger: Ledger::new(data.entries.clone()),
            data,
            from_cache: true,
            billed_now: 0,
        })
    };
    if !refresh && let Some(hit) = cached() {
        return Ok(hit);
    }
    // Concurrent runs: the first reads, the others wait for its cache and use it.
    let _lock = match &path {
        Some(p) => Some(cache::lock(p, std::time::Duration::from_secs(60)).await),
        None => None,
    };
    if !refresh && let Some(hit) = cached() {
        return Ok(hit);
    }
    let before = aws.billed_calls();
    let read = aws.cost_and_usage(start, end).await?;
    let data = CostData::new(
        account,
        start,
        end,
        read.entries,
        read.estimated_from,
        read.pages,
    );
    if let Some(p) = &path
        && let Err(e) = cache::store(p, &data)
    {
        tracing::warn!(
            "could not keep the Cost Explorer read in {}: {e}",
            p.display()
        );
    }
    Ok(Costs {
        ledger: Ledger::new(data.entries.clone()),
        data,
        from_cache: false,
        billed_now: aws.billed_calls() - before,
    })
}

/// What every cost tool starts with: the SDK config, the account, the clients, today
/// and the day's Cost Explorer read (noted on stderr).
pub struct Session {
    pub sdk: aws_core::SdkConfig,
    /// The session's region in use (the one definition).
    pub region: String,
    pub account: String,
    pub aws: Aws,
    pub today: Date,
    pub costs: Costs,
}

pub async fn session(ctx: &aws_core::Context, refresh: bool) -> Result<Session> {
    let session = ctx.session().await?;
    let sdk = session.sdk().clone();
    let account = session.account().await?.account.clone();
    let aws = Aws::new(session);
    let today = today_utc();
    let costs = load(&aws, &account, today, refresh).await?;
    ctx.output().note(source_note(&costs));
    Ok(Session {
        sdk,
        region: session.region().to_string(),
        account,
        aws,
        today,
        costs,
    })
}

/// "2 billed Cost Explorer requests ($0.02)", from the catalog's price.
pub fn billed_note(billed: u32) -> String {
    let price = pricing::catalog::Catalog::builtin().price(REQUEST_PRICE, "us-east-1");
    let cost = match price {
        Ok(p) => cost_engine::estimate::usd(p * f64::from(billed)),
        Err(_) => "price not in the catalog".into(),
    };
    match billed {
        1 => format!("1 billed Cost Explorer request ({cost})"),
        n => format!("{n} billed Cost Explorer requests ({cost})"),
    }
}

/// Where the numbers came from, for the notes.
pub fn source_note(c: &Costs) -> String {
    if c.from_cache {
        format!(
            "Cost Explorer read of {} UTC reused (cached for the day; --refresh reads again, billed): 0 billed requests",
            c.data.fetched_at.strftime("%Y-%m-%d %H:%M")
        )
    } else {
        format!("read Cost Explorer: {}", billed_note(c.billed_now))
    }
}
