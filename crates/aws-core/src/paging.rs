//! One guard for every paginated read: a server that repeats a page token (or never
//! stops) must not make a tool loop forever.

use crate::error::{Error, Result};
use std::collections::HashSet;

/// More pages than any real listing of this project's scale (10,000 parameters are
/// 1,000 pages of 10).
pub const MAX_PAGES: usize = 10_000;

#[derive(Debug, Default)]
pub struct Pages {
    seen: HashSet<String>,
    count: usize,
}

impl Pages {
    pub fn new() -> Self {
        Pages::default()
    }

    /// The token to ask for next, from the page just read; `Ok(None)` when done.
    /// A token seen before, or too many pages, is an error naming the call.
    pub fn next(&mut self, action: &str, token: Option<String>) -> Result<Option<String>> {
        self.count += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if self.count >= MAX_PAGES {
            return Err(Error::Failed(format!(
                "{action}: stopped after {MAX_PAGES} pages; the listing does not end"
            )));
        }
        if !self.seen.insert(token.clone()) {
            return Err(Error::Failed(format!(
                "{action}: the server returned the same page token twice; stopped instead of \
                 looping (is the endpoint an AWS-compatible server?)"
            )));
        }
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_token_stops_the_listing() {
        let mut p = Pages::new();
        assert_eq!(p.next("x", Some("a".into())).expect("ok"), Some("a".into()));
        assert_eq!(p.next("x", Some("b".into())).expect("ok"), Some("b".into()));
        assert!(p.next("x", Some("a".into())).is_err());
        assert_eq!(
            Pages::new().next("x", Some(String::new())).expect("ok"),
            None
        );
    }
}
