//! Confirmations and secret input. Never prompts when there is no terminal.

use crate::error::{Error, Result};
use std::io::{BufRead, IsTerminal, Write};

/// Ask before something destructive. `assume_yes` is `--yes`.
/// Without a terminal on stdin and without `--yes`, refuse instead of guessing.
pub fn confirm(question: &str, assume_yes: bool) -> Result<()> {
    if assume_yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(Error::NeedsConfirmation(format!(
            "{question} needs confirmation, and there is no terminal to ask on"
        )));
    }
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::io("reading the answer", e))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Error::Aborted("not confirmed; nothing was changed".into()))
    }
}

/// Read a secret of at most `max` bytes: a hidden prompt on a terminal, otherwise
/// all of stdin. One trailing newline is dropped so `echo secret |` and
/// `printf %s secret |` agree. The value is registered with [`crate::secrets`].
pub fn read_secret(prompt: &str, max: u64) -> Result<String> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| Error::io("reading the value from the terminal", e))?
    } else {
        // Room for the line ending that is dropped.
        let v = strip_one_newline(crate::input::read_stdin(max, 2, "the value")?);
        if v.len() as u64 > max {
            return Err(Error::invalid(format!(
                "the value on stdin is larger than {} KiB; nothing was read",
                max / 1024
            )));
        }
        v
    };
    crate::secrets::register(&value);
    Ok(value)
}

pub fn strip_one_newline(mut s: String) -> String {
    if s.ends_with("\r\n") {
        s.truncate(s.len() - 2);
    } else if s.ends_with('\n') {
        s.truncate(s.len() - 1);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_exactly_one_newline() {
        assert_eq!(strip_one_newline("a\n".into()), "a");
        assert_eq!(strip_one_newline("a\r\n".into()), "a");
        assert_eq!(strip_one_newline("a\n\n".into()), "a\n");
        assert_eq!(strip_one_newline("a".into()), "a");
    }
}
