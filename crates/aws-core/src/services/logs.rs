//! The CloudWatch Logs listing the tools share: log groups with their retention and
//! stored bytes (billing's trap scan, cleanup-unused-resources' retention rule).

use crate::error::{Error, Result};
use crate::paging;
use crate::session::{RequestCounter, Session};

/// One log group, as DescribeLogGroups reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogGroup {
    pub name: String,
    pub stored_bytes: Option<u64>,
    /// `None`: the logs are kept forever.
    pub retention_days: Option<u32>,
}

/// The CloudWatch Logs client of the process's session.
#[derive(Clone)]
pub struct Logs {
    client: aws_sdk_cloudwatchlogs::Client,
    counter: RequestCounter,
}

impl Logs {
    pub fn new(session: &Session) -> Logs {
        Logs {
            client: aws_sdk_cloudwatchlogs::Client::new(session.sdk()),
            counter: session.counter(),
        }
    }

    /// The SDK client, for the calls only one tool makes (in that tool's adapter).
    pub fn client(&self) -> &aws_sdk_cloudwatchlogs::Client {
        &self.client
    }

    /// Every log group whose name starts with `prefix` (every one for `None`).
    pub async fn log_groups(&self, prefix: Option<&str>) -> Result<Vec<LogGroup>> {
        paging::all("logs:DescribeLogGroups", |token| async move {
            self.counter.count();
            let page = self
                .client
                .describe_log_groups()
                .set_log_group_name_prefix(prefix.map(str::to_string))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| Error::from_sdk("logs:DescribeLogGroups", e))?;
            let groups = page
                .log_groups
                .unwrap_or_default()
                .into_iter()
                .map(|g| LogGroup {
                    name: g.log_group_name.unwrap_or_default(),
                    stored_bytes: g.stored_bytes.and_then(|b| u64::try_from(b).ok()),
                    retention_days: g.retention_in_days.and_then(|d| u32::try_from(d).ok()),
                })
                .collect();
            Ok((groups, page.next_token))
        })
        .await
    }
}
