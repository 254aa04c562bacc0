//! The one backoff of the hand-made retry loops (aws-lite, the OCI registry adapter);
//! the SDK clients use the SDK's own adaptive retries, configured in `sdk.rs`.

use std::time::Duration;

/// First retry waits up to this; each later one up to twice the one before.
const BASE: Duration = Duration::from_millis(200);
const CAP: Duration = Duration::from_secs(5);

/// How long to wait before retry number `attempt` (1 for the first retry): "full
/// jitter", a random share of `min(CAP, BASE x 2^attempt)`, so clients that failed
/// together do not retry together.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE.saturating_mul(1 << attempt.min(5)).min(CAP);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    // A cheap, well-spread fraction in [0.5, 1): never a zero wait.
    let mixed =
        (u64::from(nanos) ^ u64::from(std::process::id())).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let fraction = 0.5 + (mixed >> 11) as f64 / (1u64 << 53) as f64 / 2.0;
    ceiling.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_to_the_cap_and_never_exceeds_it() {
        for attempt in 0..40 {
            let d = super::backoff(attempt);
            assert!(d <= super::CAP, "{d:?}");
            assert!(d >= super::BASE / 2, "{d:?}");
        }
        assert!(super::backoff(1) <= std::time::Duration::from_millis(400));
    }
}
