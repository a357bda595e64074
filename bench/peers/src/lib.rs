//! What every peer program shares with Isle's bench/bench-common.c: the
//! `BENCH_SCALE` count scaling, the monotonic clock, peak RSS and the
//! `RESULT` / `FAIL` lines, so that bench/run-all.sh's format and
//! bench/peers/run.sh read the peers' output as they read Isle's.
//!
//! SPDX-License-Identifier: LGPL-2.1-or-later

use std::process;

/// One benchmark program: its workload name (as in WORKLOADS.md) and scale.
pub struct Bench {
    workload: &'static str,
    scale: f64,
}

impl Bench {
    /// Reads `BENCH_SCALE` (a number in (0, 1000], default 1) and makes
    /// GLib's warnings and criticals fatal, as bench_init() does: a figure
    /// measured on a broken run must not be printed.
    pub fn init(workload: &'static str) -> Bench {
        let mut bench = Bench {
            workload,
            scale: 1.0,
        };

        glib::log_set_always_fatal(
            glib::LogLevels::LEVEL_ERROR
                | glib::LogLevels::LEVEL_CRITICAL
                | glib::LogLevels::LEVEL_WARNING,
        );

        if let Ok(text) = std::env::var("BENCH_SCALE") {
            if !text.is_empty() {
                match text.parse::<f64>() {
                    Ok(scale) if scale > 0.0 && scale <= 1000.0 => bench.scale = scale,
                    _ => bench.fail(&format!(
                        "BENCH_SCALE={} is not a number in (0, 1000]",
                        text
                    )),
                }
            }
        }

        bench
    }

    /// `count` scaled by `BENCH_SCALE`, rounded, and at least 1; 0 stays 0
    /// (bench_scale_count()).
    pub fn scale_count(&self, count: u32) -> u32 {
        if count == 0 {
            return 0;
        }

        let scaled = f64::from(count) * self.scale + 0.5;
        if scaled < 1.0 {
            return 1;
        }
        if scaled > f64::from(u32::MAX) {
            self.fail(&format!(
                "count {} scaled by {} does not fit",
                count, self.scale
            ));
        }

        scaled as u32
    }

    /// Prints `RESULT <workload> <figure>=<value> n=<n> peak_rss_kib=<kib>`
    /// with the value to one decimal, as bench_print_result() does for
    /// nanoseconds. Rust's standard output is line-buffered, so the line
    /// reaches a collector even if the program dies afterwards.
    pub fn print_result(&self, figure: &str, value: f64, n: u64) {
        println!(
            "RESULT {} {}={:.1} n={} peak_rss_kib={}",
            self.workload,
            figure,
            value,
            n,
            peak_rss_kib()
        );
    }

    /// Reports a wrong result or a failed call as `FAIL <workload>: ...` on
    /// standard error and exits with status 1 (bench_fail()).
    pub fn fail(&self, message: &str) -> ! {
        eprintln!("FAIL {}: {}", self.workload, message);
        process::exit(1);
    }
}

/// Nanoseconds of `CLOCK_MONOTONIC`, the clock bench_now_ns() reads.
pub fn now_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };

    // SAFETY: `ts` is a valid timespec to write to.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    assert_eq!(status, 0, "clock_gettime (CLOCK_MONOTONIC) failed");

    ts.tv_sec as i64 * 1_000_000_000 + ts.tv_nsec as i64
}

/// (`end_ns` − `start_ns`) / `count`, 0 for no count (bench_ns_per()).
pub fn ns_per(start_ns: i64, end_ns: i64, count: u64) -> f64 {
    if count == 0 {
        return 0.0;
    }

    (end_ns - start_ns) as f64 / count as f64
}

/// The process's peak resident set size so far, in KiB: `ru_maxrss` of
/// `getrusage (RUSAGE_SELF)`, which Linux reports in KiB.
pub fn peak_rss_kib() -> u64 {
    // SAFETY: rusage is plain data, and getrusage() fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let status = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(status, 0, "getrusage failed");

    usage.ru_maxrss as u64
}

/// The work every task of the cross-thread workloads does, as Isle's
/// double_task(): the data, doubled.
#[inline]
pub fn double_task(data: u64) -> u64 {
    data * 2
}

/// The sum the sender must find: Σ 2i for i = 1..n.
pub fn expected_sum(n: u32) -> u64 {
    u64::from(n) * (u64::from(n) + 1)
}
