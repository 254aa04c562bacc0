//! `ecs-logs`: the service's CloudWatch logs, from the awslogs settings of its task
//! definition. `--follow` polls FilterLogEvents and never prints an event twice.

use aws_core::{Error, Result};
use aws_sdk_cloudwatchlogs::Client;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEvent {
    pub timestamp: i64,
    pub stream: String,
    pub message: String,
    #[serde(skip)]
    pub id: String,
}

/// Where a container's logs go (`awslogs-group`, `awslogs-stream-prefix`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogTarget {
    pub group: String,
    /// Stream names are `prefix/container/task-id`.
    pub stream_prefix: Option<String>,
    pub container: String,
}

/// `10m`, `1h`, `2d`, `30s`, or an RFC 3339 time; returns epoch milliseconds.
pub fn parse_since(s: &str, now_ms: i64) -> std::result::Result<i64, String> {
    let s = s.trim();
    let unit = s.chars().last().ok_or("empty --since")?;
    if let Ok(n) = s[..s.len() - unit.len_utf8()].parse::<i64>() {
        let per = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(format!("--since {s}: use 30s, 10m, 1h, 2d or an ISO time")),
        };
        if n < 0 {
            return Err(format!("--since {s}: must not be negative"));
        }
        return n
            .checked_mul(per * 1000)
            .and_then(|ms| now_ms.checked_sub(ms))
            .filter(|start| *start >= 0)
            .ok_or_else(|| format!("--since {s}: that is before 1970"));
    }
    aws_smithy_types::DateTime::from_str(s, aws_smithy_types::date_time::Format::DateTime)
        .map(|d| d.secs() * 1000 + i64::from(d.subsec_nanos() / 1_000_000))
        .map_err(|_| {
            format!("--since {s}: use 30s, 10m, 1h, 2d or an ISO time like 2026-11-27T08:00:00Z")
        })
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Stream name prefix for one task (`app/app/<task-id>`), or all tasks of the container.
pub fn stream_prefix(t: &LogTarget, task: Option<&str>) -> Option<String> {
    let base = t
        .stream_prefix
        .as_ref()
        .map(|p| format!("{p}/{}/", t.container))?;
    Some(match task {
        Some(id) => format!("{base}{}", id.rsplit('/').next().unwrap_or(id)),
        None => base,
    })
}

/// Event ids already printed, with their timestamps (so old ones can be forgotten).
pub type Seen = BTreeMap<String, i64>;

/// One FilterLogEvents sweep from `start`, all pages; events not in `seen`.
pub async fn fetch(
    logs: &Client,
    t: &LogTarget,
    start_ms: i64,
    filter: Option<&str>,
    task: Option<&str>,
    seen: &mut Seen,
) -> Result<Vec<LogEvent>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let prefix = stream_prefix(t, task);
    forget_before(seen, start_ms);
    let mut pages = aws_core::paging::Pages::new();
    loop {
        let mut req = logs
            .filter_log_events()
            .log_group_name(&t.group)
            .start_time(start_ms)
            .set_filter_pattern(filter.map(str::to_string))
            .set_next_token(token.take());
        if let Some(p) = &prefix {
            req = req.log_stream_name_prefix(p);
        }
        let page = match req.send().await {
            Ok(p) => p,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                return Err(Error::NotFound {
                    what: format!("log group {}", t.group),
                    hint: Some("the service has not logged anything yet, or its task definition points elsewhere".into()),
                });
            }
            Err(e) => return Err(Error::from_sdk("logs:FilterLogEvents", e)),
        };
        for e in page.events.unwrap_or_default() {
            // Also filter here: not every implementation honours the prefix.
            let stream = e.log_stream_name.as_deref().unwrap_or("");
            if prefix.as_deref().is_some_and(|p| !stream.starts_with(p)) {
                continue;
            }
            let id = e.event_id.clone().unwrap_or_else(|| {
                format!(
                    "{}:{}:{}",
                    e.log_stream_name.as_deref().unwrap_or(""),
                    e.timestamp.unwrap_or(0),
                    e.message.as_deref().unwrap_or("")
                )
            });
            if seen.insert(id.clone(), e.timestamp.unwrap_or(0)).is_none() {
                out.push(LogEvent {
                    timestamp: e.timestamp.unwrap_or(0),
                    stream: e.log_stream_name.unwrap_or_default(),
                    message: e.message.unwrap_or_default(),
                    id,
                });
            }
        }
        token = pages.next("logs:FilterLogEvents", page.next_token)?;
        if token.is_none() {
            break;
        }
    }
    out.sort_by_key(|e| e.timestamp);
    Ok(out)
}

/// Forget ids of events older than a sweep's start: the sweep cannot return them
/// again, so `--follow` keeps only the look-back window's ids (bounded memory).
pub fn forget_before(seen: &mut Seen, start_ms: i64) {
    seen.retain(|_, ts| *ts >= start_ms);
}

/// How often `--follow` polls (FilterLogEvents allows 5 requests per second per account).
pub const FOLLOW_INTERVAL: Duration = Duration::from_secs(2);

/// Events may arrive late; each sweep looks back this far (duplicates are dropped by id).
pub const LOOKBACK_MS: i64 = 30_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_durations_and_times() {
        let now = 1_000_000_000;
        assert_eq!(parse_since("10m", now), Ok(now - 600_000));
        assert_eq!(parse_since("1h", now), Ok(now - 3_600_000));
        assert_eq!(
            parse_since("2026-11-27T08:00:00Z", now),
            Ok(1_795_766_400_000)
        );
        assert!(parse_since("ten minutes", now).is_err());
        assert!(parse_since("", now).is_err());
        assert!(parse_since("5y", now).is_err());
        assert!(
            parse_since("99999999999999999d", now).is_err(),
            "no overflow"
        );
        assert!(parse_since("-5m", now).is_err());
    }

    #[test]
    fn follow_forgets_ids_it_cannot_see_again() {
        let mut seen = Seen::new();
        for (id, ts) in [("a", 1_000), ("b", 5_000), ("c", 9_000)] {
            seen.insert(id.into(), ts);
        }
        forget_before(&mut seen, 5_000);
        assert_eq!(seen.keys().cloned().collect::<Vec<_>>(), vec!["b", "c"]);
    }

    #[test]
    fn stream_prefixes() {
        let t = LogTarget {
            group: "/ecs/x".into(),
            stream_prefix: Some("app".into()),
            container: "web".into(),
        };
        assert_eq!(stream_prefix(&t, None).as_deref(), Some("app/web/"));
        assert_eq!(
            stream_prefix(&t, Some("arn:aws:ecs:r:1:task/c/abc123")).as_deref(),
            Some("app/web/abc123")
        );
    }

    proptest::proptest! {
        #[test]
        fn since_never_panics(s in "\\PC{0,16}") {
            let _ = parse_since(&s, 0);
        }
    }
}
