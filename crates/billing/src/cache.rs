//! One Cost Explorer read per account and day: each request costs money, so both cost
//! tools read this file first. `$XDG_CACHE_HOME/fargate-free-tier/cost-explorer/ACCOUNT.json`
//! (else `~/.cache/...`), in a 0700 directory, written atomically 0600. It decides what
//! money the tools print, so it is read only when it is the user's own and not writable
//! by others, and only with plausible amounts; anything else is ignored with a warning
//! and read again from Cost Explorer. Days are UTC days, as Cost Explorer's.

use crate::ledger::Entry;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;
/// A year of daily rows for a few dozen services is far below this.
const MAX_BYTES: u64 = 64 * 1024 * 1024;
/// No line of a bill this kit watches comes near a trillion dollars: a larger (or
/// non-finite) amount is not a bill, and summing such amounts could overflow.
const MAX_PLAUSIBLE_USD: f64 = 1e12;

/// Whether an amount can be a line of a real bill.
pub fn plausible(usd: f64) -> bool {
    usd.is_finite() && usd.abs() < MAX_PLAUSIBLE_USD
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostData {
    pub version: u32,
    pub account: String,
    pub fetched_at: jiff::Timestamp,
    /// The period read: `[start, end)`.
    pub start: Date,
    pub end: Date,
    pub entries: Vec<Entry>,
    /// Days from here on were estimated by Cost Explorer when read.
    pub estimated_from: Option<Date>,
    /// Billed requests the read took.
    pub pages: u32,
}

impl CostData {
    pub fn new(
        account: &str,
        start: Date,
        end: Date,
        entries: Vec<Entry>,
        estimated_from: Option<Date>,
        pages: u32,
    ) -> Self {
        CostData {
            version: VERSION,
            account: account.to_string(),
            fetched_at: jiff::Timestamp::now(),
            start,
            end,
            entries,
            estimated_from,
            pages,
        }
    }

    /// The UTC day it was read.
    pub fn fetched_on(&self) -> Date {
        jiff::tz::Offset::UTC.to_datetime(self.fetched_at).date()
    }
}

/// The cache file of `account`; `None` when there is no home to put it in.
pub fn path(account: &str) -> Option<PathBuf> {
    // The account id comes from STS: 12 digits. Anything else is not used as a file name.
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let dir = aws_core::fs::private_cache_dir("cost-explorer")?;
    Some(dir.join(format!("{account}.json")))
}

/// The cached read of `account` if it was made today (UTC) and covers `start..end`.
/// A missing, unreadable, foreign or stale file is a miss, never an error.
pub fn load(path: &Path, account: &str, today: Date, start: Date, end: Date) -> Option<CostData> {
    let bytes = aws_core::fs::read_trusted(path, MAX_BYTES)?;
    let data: CostData = serde_json::from_slice(&bytes).ok()?;
    if !data.entries.iter().all(|e| plausible(e.usd)) {
        tracing::warn!(
            "ignoring the cost cache {}: it holds amounts no bill has",
            path.display()
        );
        return None;
    }
    let fresh = data.version == VERSION
        && data.account == account
        && data.fetched_on() == today
        && data.start <= start
        && data.end >= end;
    fresh.then_some(data)
}

/// While held, other runs wait instead of paying for the same read: the file
/// `ACCOUNT.json.lock` next to the cache, removed on drop (`None`: read without it).
pub type Lock = Option<aws_core::fs::LockFile>;

/// A lock older than this was left by a run that died: it is taken over.
const STALE: std::time::Duration = std::time::Duration::from_secs(120);

/// Take the cache's lock, waiting up to `wait` for another run to finish its read. When
/// it cannot be taken (no such directory, a lock that does not clear), the run goes on
/// without it: at worst two runs both read.
pub async fn lock(cache: &Path, wait: std::time::Duration) -> Lock {
    use aws_core::fs::{Lock as Attempt, try_lock};
    let path = cache.with_extension("json.lock");
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let started = std::time::Instant::now();
    loop {
        match try_lock(&path, STALE) {
            Attempt::Taken(held) => return Some(held),
            Attempt::Unavailable => return None,
            Attempt::Held if started.elapsed() > wait => {
                tracing::warn!(
                    "{} is held by another run; reading without it",
                    path.display()
                );
                return None;
            }
            Attempt::Held => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}

/// Write atomically (temporary file, then rename), mode 0600.
pub fn store(path: &Path, data: &CostData) -> aws_core::Result<()> {
    let bytes = serde_json::to_vec(data)
        .map_err(|e| aws_core::Error::Failed(format!("encoding the cost cache: {e}")))?;
    aws_core::fs::write_atomic(
        path,
        &bytes,
        "the cost cache",
        aws_core::fs::Perm::Private,
        aws_core::fs::Special::Refuse,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn data(account: &str) -> CostData {
        CostData::new(
            account,
            date(2026, 10, 1),
            date(2026, 11, 29),
            Vec::new(),
            None,
            1,
        )
    }

    #[test]
    fn a_read_is_reused_the_same_day_for_the_same_account_only() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("a.json");
        let d = data("123456789012");
        store(&p, &d).expect("store");
        let today = d.fetched_on();
        let (s, e) = (date(2026, 10, 1), date(2026, 11, 29));
        assert_eq!(load(&p, "123456789012", today, s, e), Some(d.clone()));
        assert_eq!(
            load(&p, "210987654321", today, s, e),
            None,
            "another account"
        );
        let tomorrow = today.tomorrow().expect("date");
        assert_eq!(load(&p, "123456789012", tomorrow, s, e), None, "a new day");
        assert_eq!(
            load(&p, "123456789012", today, s, date(2026, 11, 30)),
            None,
            "a longer period"
        );
        std::fs::write(&p, "{not json").expect("write");
        assert_eq!(load(&p, "123456789012", today, s, e), None);
        assert_eq!(
            load(dir.path(), "123456789012", today, s, e),
            None,
            "a directory"
        );
    }

    #[test]
    fn only_account_ids_become_file_names() {
        assert!(path("../../etc").is_none());
        assert!(path("12345678901x").is_none());
    }
}
