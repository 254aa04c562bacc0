//! Results on stdout: tables for people, stable JSON for scripts. Notes on stderr.

use crate::error::{Error, Result};
use anstyle::{AnsiColor, Style};
use comfy_table::{Cell, Table, presets};
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// Stable JSON for scripts.
    Json,
    /// A Markdown report for a pull-request comment (estimate-costs).
    Markdown,
}

/// Whether stderr should get colour (tty, NO_COLOR unset, --no-color not given).
pub fn stderr_color() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: OutputFormat,
    pub quiet: bool,
}

impl Output {
    pub fn new(format: OutputFormat, quiet: bool) -> Self {
        Output { format, quiet }
    }

    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Pretty JSON on stdout, newline-terminated ([`to_json`]).
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        write_stdout(&format!("{}\n", to_json(value)?))
    }

    /// Print a table on stdout.
    pub fn table(&self, table: &Table) -> Result<()> {
        write_stdout(&render_table(table))
    }

    /// A status line for people on stderr (suppressed by --quiet).
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            anstream::eprintln!("{}", message(&msg));
        }
    }

    /// A warning on stderr; shown even with --quiet because it is about money or safety.
    pub fn warn(&self, msg: impl std::fmt::Display) {
        let y = Style::new().fg_color(Some(AnsiColor::Yellow.into())).bold();
        anstream::eprintln!("{y}warning:{y:#} {}", message(&msg));
    }

    /// A success line on stderr.
    pub fn success(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            let g = Style::new().fg_color(Some(AnsiColor::Green.into()));
            anstream::eprintln!("{g}✓{g:#} {}", message(&msg));
        }
    }
}

/// A message for people: registered secrets masked, control characters escaped
/// (line breaks and tabs kept), so text from AWS or from a value can neither leak
/// a secret nor drive the terminal.
pub fn message(msg: &impl std::fmt::Display) -> String {
    let text = crate::secrets::redact(&msg.to_string());
    text.split('\n')
        .map(|line| {
            line.split('\t')
                .map(escape_control)
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Show control characters (escape sequences, carriage returns, line breaks...) as
/// visible escapes: `\x1b`, `\r`, `\n`. For human output only; raw and JSON output
/// stay byte-exact.
pub fn escape_control(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && u32::from(c) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Write to stdout exactly the bytes given (no colour stripping: raw values, JSON and
/// exports must round-trip); a closed pipe (`| head`) is not an error worth a stack of text.
pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("writing to stdout", e)),
    }
}

/// The version of every tool's JSON document (docs/architecture/json.md): fields may be
/// added within a version; none is renamed, retyped or dropped.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// A tool's JSON document, pretty-printed: `schema_version` first in every top-level
/// object that does not start with its own, and every number rounded to 13 significant
/// digits, so a sum of prices reads `0.3`, never `0.30000000000000004`.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        Rounded(serde_json::ser::PrettyFormatter::new()),
    );
    value
        .serialize(&mut ser)
        .map_err(|e| Error::Failed(format!("serialising JSON output: {e}")))?;
    let text = String::from_utf8(buf)
        .map_err(|e| Error::Failed(format!("serialising JSON output: {e}")))?;
    // A document that versions itself names `schema_version` first (estimate-costs).
    Ok(match text.strip_prefix("{\n") {
        Some(rest) if !rest.starts_with("  \"schema_version\":") => {
            format!("{{\n  \"schema_version\": {JSON_SCHEMA_VERSION},\n{rest}")
        }
        _ if text == "{}" => format!("{{\n  \"schema_version\": {JSON_SCHEMA_VERSION}\n}}"),
        _ => text,
    })
}

/// serde_json's pretty printer with numbers rounded to 13 significant digits (float
/// noise of sums gone, every price of the catalog kept).
struct Rounded<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for Rounded<'_> {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: f64) -> std::io::Result<()> {
        let rounded: f64 = format!("{v:.12e}").parse().unwrap_or(v);
        self.0.write_f64(w, rounded)
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Render without the trailing padding comfy-table leaves on each line. Tables are
/// for people: control characters in cells are shown as escapes, and the table fits
/// [`table_width`] (a pipe gets whole lines).
pub fn render_table(table: &Table) -> String {
    render_table_in(table, table_width())
}

/// The width tables fit: `COLUMNS` when set, else the terminal's; `None` (full width)
/// when stdout is not a terminal, so scripts and `grep` see whole lines.
pub fn table_width() -> Option<u16> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<u16>().ok())
    {
        return Some(n.max(MIN_TABLE_WIDTH));
    }
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    #[cfg(unix)]
    {
        rustix::termios::tcgetwinsize(std::io::stdout())
            .ok()
            .map(|w| w.ws_col)
            .filter(|c| *c > 0)
            .map(|c| c.max(MIN_TABLE_WIDTH))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Narrower than this, a table is unreadable however it is cut.
const MIN_TABLE_WIDTH: u16 = 40;

/// Whether a cell reads as a number or an amount (`$1.20`, `-$0.30`, `217.26 hours`,
/// `-`): such columns are never cut.
fn numeric(cell: &str) -> bool {
    let c = cell.trim();
    c.is_empty()
        || c == "-"
        || c.trim_start_matches(['-', '~', '+', '$', '<', '>', '='])
            .starts_with(|ch: char| ch.is_ascii_digit())
}

/// `table` fitted to `width`: the text columns (names, reasons) are cut with "…" on one
/// line each, widest first, as comfy-table arranges them; number and money columns keep
/// their full width. `None`: unchanged.
pub fn render_table_in(table: &Table, width: Option<u16>) -> String {
    let fitted;
    let table = match width {
        Some(w)
            if table
                .lines()
                .any(|l| l.trim_end().chars().count() > usize::from(w)) =>
        {
            let mut t = table.clone();
            let columns = t.column_iter().count();
            let numeric_columns: Vec<bool> = (0..columns)
                .map(|i| {
                    t.row_iter()
                        .all(|r| r.cell_iter().nth(i).is_none_or(|c| numeric(&c.content())))
                })
                .collect();
            let headers: Vec<u16> = t.header().map_or_else(Vec::new, |h| {
                h.cell_iter()
                    .map(|c| u16::try_from(c.content().chars().count()).unwrap_or(u16::MAX))
                    .collect()
            });
            for (i, keep) in numeric_columns.iter().enumerate() {
                let header = headers.get(i).copied().unwrap_or(0);
                if let Some(c) = t.column_mut(i) {
                    c.set_constraint(if *keep {
                        comfy_table::ColumnConstraint::ContentWidth
                    } else {
                        // Never narrower than its heading: a heading is not cut.
                        // (the boundary counts the column's padding of 2).
                        comfy_table::ColumnConstraint::LowerBoundary(comfy_table::Width::Fixed(
                            header.saturating_add(2),
                        ))
                    });
                }
            }
            t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
            t.set_truncation_indicator("…");
            for row in t.row_iter_mut() {
                row.max_height(1);
            }
            // comfy-table counts the padding we trim differently: narrow until it fits.
            let widest = |t: &Table| t.lines().map(|l| l.trim_end().chars().count()).max();
            let mut target = w;
            for _ in 0..8 {
                t.set_width(target);
                match widest(&t) {
                    Some(n) if n > usize::from(w) && target > MIN_TABLE_WIDTH => {
                        let over = u16::try_from(n - usize::from(w)).unwrap_or(u16::MAX);
                        target = target.saturating_sub(over).max(MIN_TABLE_WIDTH);
                    }
                    _ => break,
                }
            }
            fitted = t;
            &fitted
        }
        _ => table,
    };
    let mut out = String::new();
    for line in table.to_string().lines() {
        out.push_str(&escape_control(line.trim_end()));
        out.push('\n');
    }
    out
}

/// A borderless, column-aligned table (like kubectl), easy to read and to grep.
pub fn new_table<I, S>(headers: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    table.set_header(headers.into_iter().map(|h| {
        let h: String = h.into();
        // Paths (e.g. diff's /app/dev column) keep their case.
        if h.starts_with('/') {
            Cell::new(h)
        } else {
            Cell::new(h.to_uppercase())
        }
    }));
    // NOTHING preset pads with one space each side; trim the left edge.
    for col in table.column_iter_mut() {
        col.set_padding((0, 2));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(escape_control("p\x1b[31mw\x07d\r"), "p\\x1b[31mw\\x07d\\r");
        assert_eq!(escape_control("plain é"), "plain é");
        assert_eq!(escape_control("\u{9b}x"), "\\x9bx");
        assert_eq!(
            message(&"a\n\tb\x1b]0;title\x07"),
            "a\n\tb\\x1b]0;title\\x07"
        );
    }

    #[test]
    fn table_is_borderless_and_aligned() {
        let mut t = new_table(["name", "type"]);
        t.add_row(vec!["/app/dev/a", "String"]);
        t.add_row(vec!["/b", "SecureString"]);
        let s = render_table(&t);
        assert!(s.lines().all(|l| !l.ends_with(' ')), "{s:?}");
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines[0].starts_with("NAME"), "{s}");
        assert_eq!(
            lines[1].find("String"),
            lines[2].find("SecureString"),
            "{s}"
        );
    }

    #[test]
    fn a_table_fits_the_width_cutting_text_not_numbers() {
        let mut t = new_table(["name", "reason", "monthly"]);
        t.add_row(vec![
            "arn:aws:ecs:us-east-1:123456789012:service/fft-dev/app-service",
            "idle for 30 days and nobody has looked at it since it was created",
            "$1,234.56",
        ]);
        let s = render_table_in(&t, Some(60));
        assert!(s.lines().all(|l| l.chars().count() <= 60), "{s}");
        assert!(s.contains("$1,234.56") && s.contains('…'), "{s}");
        assert!(
            s.lines().next().is_some_and(|h| h.contains("REASON")),
            "{s}"
        );
        // No width: unchanged.
        assert!(
            render_table_in(&t, None)
                .lines()
                .any(|l| l.chars().count() > 60)
        );
    }

    #[test]
    fn json_is_versioned_and_free_of_float_noise() {
        #[derive(serde::Serialize)]
        struct R {
            total: f64,
            price: f64,
            items: Vec<f64>,
        }
        let text = to_json(&R {
            total: 0.1 + 0.2,
            price: 0.0000166667,
            items: vec![1.0, 9.01],
        })
        .expect("json");
        assert!(
            text.starts_with("{\n  \"schema_version\": 1,\n  \"total\": 0.3,"),
            "{text}"
        );
        assert!(
            text.contains("\"price\": 1.66667e-5") || text.contains("0.0000166667"),
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["items"][1], 9.01);
        // A document with its own version keeps it; an array stays an array.
        let own = to_json(&serde_json::json!({"schema_version": 2})).expect("json");
        assert_eq!(own.matches("schema_version").count(), 1, "{own}");
        assert!(to_json(&vec![1, 2]).expect("json").starts_with('['));
    }
}
