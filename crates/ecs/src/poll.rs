//! The one waiting policy of the ECS tools: how often to ask, and until when. Used by
//! the rollout watcher, `ecs-scale`'s wait for the running count and the health probe
//! after a deploy, so every loop backs off the same way and honours its deadline.

use std::time::{Duration, Instant};

/// Intervals between polls of a rollout in flight: every 2 s while it changes, backing
/// off to 4 s while nothing moves (the watcher calls [`Poller::reset`] on each change).
/// An outcome is seen at most 4 s after it happens, half of the time within 2 s,
/// instead of the SDK waiter's 15 s; the budget is at most one DescribeServices per 2 s,
/// far below ECS's quota, so parallel deploys of a few services stay clear of throttling.
pub const ROLLOUT: &[u64] = &[2, 2, 2, 2, 2, 3, 3, 4];

/// A fixed pace, e.g. the health probe's every 5 s.
pub const EVERY_5S: &[u64] = &[5];

#[derive(Debug, Clone)]
pub struct Poller {
    steps: &'static [u64],
    started: Instant,
    timeout: Duration,
    attempt: usize,
}

impl Poller {
    pub fn new(steps: &'static [u64], timeout: Duration) -> Poller {
        Poller {
            steps,
            started: Instant::now(),
            timeout,
            attempt: 0,
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn timed_out(&self) -> bool {
        self.elapsed() >= self.timeout
    }

    /// The next wait: the policy's interval, cut to what is left of the deadline (a
    /// last look just before it, never a sleep past it).
    pub fn next_delay(&mut self) -> Duration {
        let step = self
            .steps
            .get(self.attempt)
            .or(self.steps.last())
            .copied()
            .unwrap_or(1);
        self.attempt += 1;
        Duration::from_secs(step).min(
            self.timeout
                .saturating_sub(self.elapsed())
                .max(Duration::from_millis(10)),
        )
    }

    /// Start the backoff again (something changed: the next change may come soon).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Sleep until the next poll.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

/// The interval before poll `attempt` (for the call-budget arithmetic in docs/tests).
pub fn interval(steps: &[u64], attempt: usize) -> Duration {
    Duration::from_secs(steps.get(attempt).or(steps.last()).copied().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_then_repeats_and_never_sleeps_past_the_deadline() {
        assert_eq!(interval(ROLLOUT, 0), Duration::from_secs(2));
        assert_eq!(interval(ROLLOUT, 5), Duration::from_secs(3));
        assert_eq!(interval(ROLLOUT, 500), Duration::from_secs(4));
        let mut p = Poller::new(ROLLOUT, Duration::from_secs(4));
        assert_eq!(p.next_delay(), Duration::from_secs(2));
        assert!(p.next_delay() <= Duration::from_secs(4));
        let mut done = Poller::new(ROLLOUT, Duration::ZERO);
        assert!(done.timed_out());
        assert_eq!(done.next_delay(), Duration::from_millis(10));
    }

    #[test]
    fn a_quiet_ten_minute_rollout_makes_at_most_155_polls_and_never_more_than_one_per_2s() {
        let (mut t, mut n) = (0, 0);
        while t < 600 {
            t += interval(ROLLOUT, n).as_secs();
            n += 1;
        }
        assert!(n <= 155, "{n}");
        assert!(ROLLOUT.iter().all(|s| *s >= 2));
        assert!(
            *ROLLOUT.last().unwrap_or(&0) <= 4,
            "an outcome is seen within 4 s"
        );
    }
}
