//! `ecs-logs`: arguments, the follow loop, and how an event is printed.

use super::{ServiceArgs, footer};
use crate::logs::{self, LogTarget};
use crate::target::Target;
use aws_core::cli::GlobalArgs;
use aws_core::output::write_stdout;
use aws_core::{Context, Error, Result};
use clap::Parser;

const LOGS_EXAMPLES: &str = "\
Examples:
  ecs-logs --service app-service --environment dev --follow
  ecs-logs --service app-service --environment dev --since 1h --filter ERROR
  ecs-logs --service app-service --environment dev --task 0f2e... -o json | jq .message";

#[derive(Debug, Parser)]
#[command(
    name = "ecs-logs",
    version,
    about = "Show (and follow) an ECS service's CloudWatch logs.",
    long_about = "Show (and follow) an ECS service's CloudWatch logs.\n\n\
Finds the log group and stream prefix in the awslogs configuration of the service's task\n\
definition. --follow polls every 2 s without duplicates or gaps; Ctrl-C exits cleanly.\n\
Note: Logs Insights scans and ingestion count against CloudWatch's 5 GB free tier;\n\
reading with FilterLogEvents does not.",
    after_help = LOGS_EXAMPLES,
    after_long_help = footer(LOGS_EXAMPLES),
)]
pub struct LogsCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub target: ServiceArgs,
    /// Container whose logs to show (default: the only one, or `app`).
    #[arg(long)]
    pub container: Option<String>,
    /// Start this far back: 30s, 10m, 1h, 2d, or an ISO time.
    #[arg(long, default_value = "10m")]
    pub since: String,
    /// CloudWatch filter pattern, e.g. ERROR or "{ $.level = \"error\" }".
    #[arg(long)]
    pub filter: Option<String>,
    /// Only this task's logs (task ID or ARN).
    #[arg(long)]
    pub task: Option<String>,
    /// Keep printing new events until Ctrl-C.
    #[arg(long, short = 'f')]
    pub follow: bool,
}

pub async fn logs_main(cli: LogsCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let out = ctx.output();
    let t = cli.target.resolve(&ctx)?;
    let start = logs::parse_since(&cli.since, logs::now_ms()).map_err(Error::invalid)?;
    let sdk = ctx.sdk_config().await?;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let cw = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let lt = log_target(&ecs, &t, cli.container.as_deref()).await?;
    let mut seen = logs::Seen::new();
    let color = aws_core::output::stderr_color() && !out.is_json();
    let mut from = start;
    loop {
        let events = logs::fetch(
            &cw,
            &lt,
            from,
            cli.filter.as_deref(),
            cli.task.as_deref(),
            &mut seen,
        )
        .await?;
        for e in &events {
            print_event(e, out.is_json(), color)?;
            from = from.max(e.timestamp - logs::LOOKBACK_MS);
        }
        if !cli.follow {
            if events.is_empty() && !out.is_json() {
                out.note(format!("no events in {} since {}", lt.group, cli.since));
            }
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(logs::FOLLOW_INTERVAL) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        from = from
            .max(logs::now_ms() - logs::LOOKBACK_MS)
            .min(logs::now_ms());
    }
}

fn print_event(e: &logs::LogEvent, json: bool, color: bool) -> Result<()> {
    use std::io::IsTerminal;
    // On a terminal, a log line must not be able to move the cursor, retitle the
    // window or hide text: control characters are shown, not obeyed. Piped output
    // stays byte-exact.
    let inert = std::io::stdout().is_terminal();
    write_stdout(&render_event(e, json, color, inert)?)
}

/// One event as printed: a JSON line, or `time task message`.
pub fn render_event(e: &logs::LogEvent, json: bool, color: bool, inert: bool) -> Result<String> {
    if json {
        let line = serde_json::to_string(e).map_err(|err| Error::Failed(err.to_string()))?;
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

async fn log_target(
    ecs: &aws_sdk_ecs::Client,
    t: &Target,
    container: Option<&str>,
) -> Result<LogTarget> {
    let calls = crate::observe::Calls::default();
    let service = crate::observe::describe_service(ecs, t, &calls).await?;
    let td_arn = service.task_definition.clone().unwrap_or_default();
    let td = crate::observe::describe_task_definition(ecs, &td_arn, &calls).await?;
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
    fn log_lines_on_a_terminal_cannot_drive_it() {
        let e = logs::LogEvent {
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
