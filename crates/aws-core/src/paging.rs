//! One guard for every paginated read: a server that repeats a page token (or never
//! stops) must not make a tool loop forever.

use crate::error::{Error, Result};
use std::collections::HashSet;

/// More pages than any real listing of this project's scale (10,000 parameters are
/// 1,000 pages of 10).
pub const MAX_PAGES: usize = 10_000;

#[derive(Debug)]
pub struct Pages {
    seen: HashSet<String>,
    count: usize,
    limit: usize,
}

impl Default for Pages {
    fn default() -> Self {
        Pages::with_limit(MAX_PAGES)
    }
}

impl Pages {
    pub fn new() -> Self {
        Pages::default()
    }

    /// At most `limit` pages: for listings where every page is billed (Cost Explorer
    /// charges each request), the bound is what a real answer needs, not a safety net.
    pub fn with_limit(limit: usize) -> Self {
        Pages {
            seen: HashSet::new(),
            count: 0,
            limit: limit.max(1),
        }
    }

    /// Pages read so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The token to ask for next, from the page just read; `Ok(None)` when done.
    /// A token seen before, or too many pages, is an error naming the call.
    pub fn next(&mut self, action: &str, token: Option<String>) -> Result<Option<String>> {
        self.count += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if self.count >= self.limit {
            return Err(Error::Failed(format!(
                "{action}: stopped after {} pages; the listing does not end",
                self.limit
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

/// Every item of a paginated listing, through the guard: `fetch(token)` reads one
/// page and returns its items and the next token. The one loop every listing uses
/// (SDK paginators stop silently on a repeated token and loop forever on a cycle).
pub async fn all<T, F, Fut>(action: &str, mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>)>>,
{
    let mut pages = Pages::new();
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = fetch(token.take()).await?;
        out.extend(items);
        token = pages.next(action, next)?;
        if token.is_none() {
            return Ok(out);
        }
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

    #[test]
    fn a_cycle_and_a_bound_stop_the_listing() {
        let mut p = Pages::new();
        assert!(p.next("x", Some("A".into())).is_ok());
        assert!(p.next("x", Some("B".into())).is_ok());
        assert!(p.next("x", Some("A".into())).is_err(), "A -> B -> A");
        let mut billed = Pages::with_limit(3);
        assert!(billed.next("ce", Some("1".into())).is_ok());
        assert!(billed.next("ce", Some("2".into())).is_ok());
        let e = billed.next("ce", Some("3".into())).expect_err("bound");
        assert!(e.to_string().contains("stopped after 3 pages"), "{e}");
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        // The futures here never wait: one poll with a no-op waker finishes them.
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn all_follows_tokens_and_stops_on_a_cycle() {
        let pages = block_on(all("x", |t: Option<String>| async move {
            Ok(match t.as_deref() {
                None => (vec![1], Some("a".to_string())),
                Some("a") => (vec![2], Some("b".to_string())),
                _ => (vec![3], None),
            })
        }))
        .expect("ends");
        assert_eq!(pages, vec![1, 2, 3]);
        let e = block_on(all("ecs:ListThings", |t: Option<String>| async move {
            let next = if t.as_deref() == Some("A") { "B" } else { "A" };
            Ok((vec![0u8], Some(next.to_string())))
        }))
        .expect_err("a cycle");
        assert!(e.to_string().contains("ecs:ListThings"), "{e}");
    }
}
