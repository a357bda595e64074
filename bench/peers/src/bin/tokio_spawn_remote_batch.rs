//! tokio_spawn_remote_batch: Tokio's peer of bench/spawn_remote_batch.c
//!
//! As tokio_spawn_remote, but the sending thread hands over all N = 100,000
//! closures without waiting, keeping each task's oneshot receiver, then
//! waits for every result in order (`blocking_recv()`). The clock runs on
//! the sending thread, from before the first hand-over to after the last
//! result; the sum is checked. Figure: ns per task.
//!
//! SPDX-License-Identifier: LGPL-2.1-or-later

use std::thread;

use isle_bench_peers::{double_task, expected_sum, now_ns, ns_per, Bench};
use tokio::sync::{mpsc, oneshot};

const SPAWN_REMOTE_BATCH_N: u32 = 100_000;

/// What the sending thread hands over: a closure the island runs as a task.
type Job = Box<dyn FnOnce() + Send>;

/// Runs the island until every sender of `jobs` is gone.
fn run_island(bench: &Bench, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|error| bench.fail(&format!("cannot build the runtime: {}", error)));
    let island = tokio::task::LocalSet::new();

    island.block_on(&runtime, async move {
        while let Some(job) = jobs.recv().await {
            tokio::task::spawn_local(async move { job() });
        }
    });
}

/// Returns the sum of the results and the ns per task.
fn send_tasks(bench: &Bench, jobs: mpsc::UnboundedSender<Job>, n: u32) -> (u64, f64) {
    // Allocated before the clock starts, as Isle's array of futures is.
    let mut results = Vec::with_capacity(n as usize);
    let mut sum = 0u64;
    let start_ns = now_ns();

    for i in 1..=u64::from(n) {
        let (result_tx, result_rx) = oneshot::channel();

        let job: Job = Box::new(move || {
            let _ = result_tx.send(double_task(i));
        });
        if jobs.send(job).is_err() {
            bench.fail("the island stopped receiving");
        }
        results.push(result_rx);
    }
    for result_rx in results {
        match result_rx.blocking_recv() {
            Ok(value) => sum += value,
            Err(_) => bench.fail("a task was dropped before it sent its result"),
        }
    }

    (sum, ns_per(start_ns, now_ns(), u64::from(n)))
}

fn main() {
    let bench = Bench::init("spawn_remote_batch");
    let n = bench.scale_count(SPAWN_REMOTE_BATCH_N);
    let (jobs_tx, jobs_rx) = mpsc::unbounded_channel::<Job>();

    let (sum, ns_per_task) = thread::scope(|scope| {
        let sender = thread::Builder::new()
            .name("sender".into())
            .spawn_scoped(scope, || send_tasks(&bench, jobs_tx, n))
            .unwrap_or_else(|error| bench.fail(&format!("cannot start the sender: {}", error)));

        // The sender drops its end of the channel when it is done, which
        // ends the island's receiving loop.
        run_island(&bench, jobs_rx);
        sender
            .join()
            .unwrap_or_else(|_| bench.fail("the sending thread panicked"))
    });

    if sum != expected_sum(n) {
        bench.fail(&format!("sum is {}, expected {}", sum, expected_sum(n)));
    }

    bench.print_result("ns_per_task", ns_per_task, u64::from(n));
}
