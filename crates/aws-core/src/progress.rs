//! Spinners for anything that waits; hidden when stderr is not a terminal or --quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Debug)]
pub struct Spinner {
    bar: ProgressBar,
}

impl Spinner {
    pub fn new(message: impl Into<String>, quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed:.dim}") {
            bar.set_style(style);
        }
        bar.set_message(message.into());
        if visible {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        Spinner { bar }
    }

    pub fn set_message(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    /// Print a line above the spinner without garbling it.
    /// A line for people above the spinner. It often carries server text (ECS events,
    /// stopped-task reasons): secrets masked and control characters escaped, like
    /// every other message, so no server can drive the terminal.
    pub fn println(&self, line: impl AsRef<str>) {
        let line = crate::output::message(&line.as_ref());
        if self.bar.is_hidden() {
            anstream::eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// A byte progress bar (`what [bar] done/total rate elapsed`) on stderr when it is a
/// terminal and not --quiet, hidden otherwise. Set its length when it is known.
pub fn byte_bar(what: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{what} {{bar:30}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{elapsed}}"
    )) {
        bar.set_style(style);
    }
    bar
}
