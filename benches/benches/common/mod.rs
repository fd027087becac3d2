//! What every bench target shares: criterion's settings, short enough for a shared
//! two-core machine and stable enough to compare runs.

use std::time::Duration;

use criterion::Criterion;

/// One second of warm-up and three of measurement per benchmark.
pub(crate) fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}
