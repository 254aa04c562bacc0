//! CloudWatch Logs: one FilterLogEvents page.

use super::Aws;
use crate::logs::{LogEvent, LogTarget};
use aws_core::{Error, Result};

/// One page of events (ids filled in) and the token of the next.
pub struct LogPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

impl Aws {
    pub async fn filter_log_events(
        &self,
        t: &LogTarget,
        start_ms: i64,
        filter: Option<&str>,
        stream_prefix: Option<&str>,
        token: Option<String>,
    ) -> Result<LogPage> {
        self.count();
        let mut req = self
            .logs
            .filter_log_events()
            .log_group_name(&t.group)
            .start_time(start_ms)
            .set_filter_pattern(filter.map(str::to_string))
            .set_next_token(token);
        if let Some(p) = stream_prefix {
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
        let events = page
            .events
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let id = e.event_id.clone().unwrap_or_else(|| {
                    format!(
                        "{}:{}:{}",
                        e.log_stream_name.as_deref().unwrap_or(""),
                        e.timestamp.unwrap_or(0),
                        e.message.as_deref().unwrap_or("")
                    )
                });
                LogEvent {
                    timestamp: e.timestamp.unwrap_or(0),
                    stream: e.log_stream_name.unwrap_or_default(),
                    message: e.message.unwrap_or_default(),
                    id,
                }
            })
            .collect();
        Ok(LogPage {
            events,
            next_token: page.next_token,
        })
    }
}
