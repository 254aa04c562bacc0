//! Terraform's machine-readable UI (`terraform apply -json`), one JSON object per
//! line, turned into progress: resources done out of the plan's total, the one in
//! flight, and what failed where.

use serde_json::Value;

/// The events of the stream that progress and failure reports need.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Start {
        address: String,
        action: String,
    },
    Complete {
        address: String,
        action: String,
        seconds: f64,
    },
    Errored {
        address: String,
        action: String,
    },
    /// An error diagnostic: summary and detail, with the resource when Terraform names one.
    Error {
        address: Option<String>,
        summary: String,
        detail: String,
    },
    Summary {
        add: u64,
        change: u64,
        remove: u64,
    },
}

/// One line of the stream; `None` for events progress does not use (and for lines
/// that are not JSON: a wrapper or an old Terraform printing text is not fatal).
pub fn parse_line(line: &str) -> Option<Event> {
    let v: Value = serde_json::from_str(line).ok()?;
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let hook = || {
        Some((
            s("/hook/resource/addr")?,
            s("/hook/action").unwrap_or_default(),
        ))
    };
    match v.get("type")?.as_str()? {
        "apply_start" => hook().map(|(address, action)| Event::Start { address, action }),
        "apply_complete" => hook().map(|(address, action)| Event::Complete {
            address,
            action,
            seconds: v
                .pointer("/hook/elapsed_seconds")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        }),
        "apply_errored" => hook().map(|(address, action)| Event::Errored { address, action }),
        "diagnostic" if s("/diagnostic/severity").as_deref() == Some("error") => {
            Some(Event::Error {
                address: s("/diagnostic/address"),
                summary: s("/diagnostic/summary").unwrap_or_default(),
                detail: s("/diagnostic/detail").unwrap_or_default(),
            })
        }
        "change_summary" => {
            let n = |k: &str| {
                v.pointer(&format!("/changes/{k}"))
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            };
            Some(Event::Summary {
                add: n("add"),
                change: n("change"),
                remove: n("remove"),
            })
        }
        _ => None,
    }
}

/// What an apply did so far.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Progress {
    /// Resource operations the plan holds (a replacement counts twice).
    pub total: usize,
    pub done: usize,
    #[serde(skip)]
    pub current: Option<String>,
    /// Addresses created by this apply (what a failed apply leaves behind).
    pub created: Vec<String>,
    pub errors: Vec<String>,
}

impl Progress {
    pub fn new(total: usize) -> Progress {
        Progress {
            total,
            ..Progress::default()
        }
    }

    pub fn update(&mut self, e: &Event) {
        match e {
            // Data sources read during the apply are not changes of the plan.
            Event::Start { action, .. }
            | Event::Complete { action, .. }
            | Event::Errored { action, .. }
                if action == "read" => {}
            Event::Start { address, .. } => self.current = Some(address.clone()),
            Event::Complete {
                address, action, ..
            } => {
                self.done += 1;
                if action == "create" {
                    self.created.push(address.clone());
                }
                if self.current.as_deref() == Some(address) {
                    self.current = None;
                }
            }
            Event::Errored { address, .. } => {
                self.done += 1;
                if self.current.as_deref() == Some(address) {
                    self.current = None;
                }
            }
            Event::Error {
                address,
                summary,
                detail,
            } => {
                let at = address
                    .as_deref()
                    .map(|a| format!("{a}: "))
                    .unwrap_or_default();
                let detail = detail.trim();
                self.errors.push(if detail.is_empty() {
                    format!("{at}{summary}")
                } else {
                    format!("{at}{summary}: {detail}")
                });
            }
            Event::Summary { .. } => {}
        }
    }

    /// `12/39 aws_ecs_service.app` for the progress line.
    pub fn line(&self) -> String {
        match &self.current {
            Some(c) => format!("{}/{} {c}", self.done, self.total),
            None => format!("{}/{}", self.done, self.total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_with_a_failure() {
        let lines = [
            r#"{"@level":"info","type":"version","terraform":"1.11.4"}"#,
            r#"{"type":"apply_start","hook":{"resource":{"addr":"aws_eip.ip"},"action":"create"}}"#,
            r#"{"type":"apply_complete","hook":{"resource":{"addr":"data.aws_iam_policy_document.p"},"action":"read","elapsed_seconds":0}}"#,
            r#"{"type":"apply_complete","hook":{"resource":{"addr":"aws_eip.ip"},"action":"create","elapsed_seconds":1}}"#,
            r#"{"type":"apply_start","hook":{"resource":{"addr":"aws_security_group_rule.bad"},"action":"create"}}"#,
            r#"{"type":"apply_errored","hook":{"resource":{"addr":"aws_security_group_rule.bad"},"action":"create"}}"#,
            r#"{"type":"diagnostic","diagnostic":{"severity":"error","summary":"creating rule","detail":"InvalidGroup.NotFound","address":"aws_security_group_rule.bad"}}"#,
            r#"{"type":"diagnostic","diagnostic":{"severity":"warning","summary":"deprecated"}}"#,
            "not json at all",
            r#"{"type":"change_summary","changes":{"add":1,"change":0,"remove":0,"operation":"apply"}}"#,
        ];
        let mut p = Progress::new(2);
        for l in lines {
            if let Some(e) = parse_line(l) {
                p.update(&e);
            }
        }
        assert_eq!(p.done, 2);
        assert_eq!(p.created, ["aws_eip.ip"]);
        assert_eq!(
            p.errors,
            ["aws_security_group_rule.bad: creating rule: InvalidGroup.NotFound"]
        );
        assert_eq!(p.line(), "2/2");
    }
}
