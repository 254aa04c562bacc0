//! `ecs-logs`: the service's CloudWatch logs, from the awslogs settings of its task
//! definition. `--follow` polls FilterLogEvents and never prints an event twice.

use crate::aws::Aws;
use crate::target::{self, Target};
use aws_core::output::write_stdout;
use aws_core::{Context, Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What `ecs-logs` was asked (parsed, not yet checked).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub cluster: Option<String>,
    pub service: Option<String>,
    /// Container whose logs to show (default: the only one, or `app`).
    pub container: Option<String>,
    /// `10m`, `1h`, ... or an RFC 3339 time.
    pub since: String,
    pub filter: Option<String>,
    pub task: Option<String>,
    pub follow: bool,
}

/// `ecs-logs`: print the events since `since`, and with `follow` keep polling until
/// Ctrl-C.
pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let t = target::resolve(ctx, req.cluster.as_deref(), req.service.as_deref())?;
    let start = parse_since(&req.since, now_ms()).map_err(Error::invalid)?;
    let aws = Aws::connect(ctx).await?;
    let lt = log_target(&aws, &t, req.container.as_deref()).await?;
    let mut seen = Seen::new();
    let color = aws_core::output::stderr_color() && !out.is_json();
    let mut from = start;
    loop {
        let events = fetch(
            &aws,
            &lt,
            from,
            req.filter.as_deref(),
            req.task.as_deref(),
            &mut seen,
        )
        .await?;
        for e in &events {
            print_event(e, out.is_json(), color)?;
            from = from.max(e.timestamp - LOOKBACK_MS);
        }
        if !req.follow {
            if events.is_empty() && !out.is_json() {
                out.note(format!("no events in {} since {}", lt.group, req.since));
            }
            tracing::info!(api_calls = aws.api_calls(), "ecs-logs finished");
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_INTERVAL) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        from = from.max(now_ms() - LOOKBACK_MS).min(now_ms());
    }
}

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
    aws: &Aws,
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
        let page = aws
            .filter_log_events(t, start_ms, filter, prefix.as_deref(), token.take())
            .await?;
        for e in page.events {
            // Also filter here: not every implementation honours the prefix.
            if prefix.as_deref().is_some_and(|p| !e.stream.starts_with(p)) {
                continue;
            }
            if seen.insert(e.id.clone(), e.timestamp).is_none() {
                out.push(e);
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

fn print_event(e: &LogEvent, json: bool, color: bool) -> Result<()> {
    use std::io::IsTerminal;
    // On a terminal, a log line must not be able to move the cursor, retitle the
    // window or hide text: control characters are shown, not obeyed. Piped output
    // stays byte-exact.
    let inert = std::io::stdout().is_terminal();
    write_stdout(&render_event(e, json, color, inert)?)
}

/// One event as printed: a JSON line, or `time task message`.
pub fn render_event(e: &LogEvent, json: bool, color: bool, inert: bool) -> Result<String> {
    if json {
        let line = serde_json::to_string(e)
            .map_err(|err| Error::io("serialising a log event", std::io::Error::other(err)))?;
        return Ok(format!("{line}\n"));
    }
    let ts = aws_smithy_types::DateTime::from_millis(e.timestamp)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    let task = e.stream.rsplit('/').next().unwrap_or(&e.stream);
    let task: String = task.chars().take(8).collect();
    let message = if inert {
        aws_core::output::escape_control(e.message.trim_end())
    } else {
        e.message.trim_end().to_string()
    };
    Ok(if color {
        // One colour per task, so interleaved tasks can be told apart.
        let palette = [
            anstyle::AnsiColor::Cyan,
            anstyle::AnsiColor::Magenta,
            anstyle::AnsiColor::Yellow,
            anstyle::AnsiColor::Green,
            anstyle::AnsiColor::Blue,
        ];
        let idx = task.bytes().map(usize::from).sum::<usize>() % palette.len();
        let style = anstyle::Style::new().fg_color(Some(palette[idx].into()));
        format!("{ts} {style}{task}{style:#} {message}\n")
    } else {
        format!("{ts} {task} {message}\n")
    })
}

async fn log_target(aws: &Aws, t: &Target, container: Option<&str>) -> Result<LogTarget> {
    let service = aws.describe_service(t).await?;
    let td_arn = service.task_definition.clone().unwrap_or_default();
    let td = aws.describe_task_definition(&td_arn).await?;
    let defs = td.container_definitions();
    let names: Vec<&str> = defs.iter().filter_map(|c| c.name.as_deref()).collect();
    let def = match container {
        Some(c) => defs.iter().find(|d| d.name.as_deref() == Some(c)),
        None if defs.len() == 1 => defs.first(),
        None => defs.iter().find(|d| d.name.as_deref() == Some("app")),
    }
    .ok_or_else(|| {
        Error::invalid(format!(
            "choose a container with --container: {}",
            names.join(", ")
        ))
    })?;
    let cfg = def
        .log_configuration()
        .filter(|l| l.log_driver.as_str() == "awslogs")
        .ok_or_else(|| {
            Error::invalid(format!(
                "container {} does not use the awslogs driver; its logs are not in CloudWatch",
                def.name.as_deref().unwrap_or("?")
            ))
        })?;
    let opt = |k: &str| cfg.options().and_then(|o| o.get(k)).cloned();
    Ok(LogTarget {
        group: opt("awslogs-group")
            .ok_or_else(|| Error::invalid("awslogs configuration has no awslogs-group"))?,
        stream_prefix: opt("awslogs-stream-prefix"),
        container: def.name.clone().unwrap_or_default(),
    })
}

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

    #[test]
    fn log_lines_on_a_terminal_cannot_drive_it() {
        let e = LogEvent {
            timestamp: 0,
            stream: "app/app/0123456789".into(),
            message: "boom \u{1b}]0;pwned\u{7}\u{1b}[2J".into(),
            id: "1".into(),
        };
        let shown = render_event(&e, false, false, true).expect("render");
        assert_eq!(
            shown,
            "1970-01-01T00:00:00Z 01234567 boom \\x1b]0;pwned\\x07\\x1b[2J\n"
        );
        let piped = render_event(&e, false, false, false).expect("render");
        assert!(piped.contains("\u{1b}]0;pwned"));
    }
}
