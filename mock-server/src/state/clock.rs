//! The virtual clock: real time plus an offset the control plane can advance,
//! or frozen at an instant. Every time the state uses comes from here, so a
//! test can make a `Making` image `Available` without waiting.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Epoch seconds, virtual.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Seconds added to real time (or to the frozen instant).
    pub offset: i64,
    /// When set, time stands still at this instant (plus `offset`).
    pub frozen_at: Option<i64>,
}

/// Real epoch seconds.
pub fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// The current virtual time.
    pub fn now(&self) -> i64 {
        self.frozen_at
            .unwrap_or_else(real_now)
            .saturating_add(self.offset)
    }

    /// Moves time forward by `seconds` (never backward).
    pub fn advance(&mut self, seconds: u64) {
        self.offset = self
            .offset
            .saturating_add(seconds.min(i64::MAX as u64) as i64);
    }

    /// Stops time at the current instant.
    pub fn freeze(&mut self) {
        if self.frozen_at.is_none() {
            self.frozen_at = Some(real_now());
        }
    }

    /// Lets time run with real time again, keeping the present instant.
    pub fn run(&mut self) {
        if let Some(at) = self.frozen_at.take() {
            self.offset = self.offset.saturating_add(at - real_now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_time_forward_and_freezing_holds_it() {
        let mut c = Clock::default();
        c.freeze();
        let t = c.now();
        c.advance(3600);
        assert_eq!(c.now(), t + 3600);
        c.run();
        assert!(c.now() >= t + 3600 && c.now() <= t + 3602);
    }
}
