//! glib_spawn_remote_batch: glib-rs's peer of bench/spawn_remote_batch.c
//!
//! As glib_spawn_remote, but the sending thread hands over all N = 100,000
//! closures with `MainContext::invoke()` without waiting, then receives
//! every result from the one `std::sync::mpsc` channel they all send on.
//! The clock runs on the sending thread, from before the first hand-over to
//! after the last result; the sum is checked. Figure: ns per task.
//!
//! SPDX-License-Identifier: LGPL-2.1-or-later

use std::sync::mpsc;
use std::thread;

use isle_bench_peers::{double_task, expected_sum, now_ns, ns_per, Bench};

const SPAWN_REMOTE_BATCH_N: u32 = 100_000;

/// Returns the sum of the results and the ns per task.
fn send_tasks(bench: &Bench, context: &glib::MainContext, n: u32) -> (u64, f64) {
    let (result_tx, result_rx) = mpsc::channel::<u64>();
    let mut sum = 0u64;
    let start_ns = now_ns();

    for i in 1..=u64::from(n) {
        let result_tx = result_tx.clone();

        context.invoke(move || {
            let _ = result_tx.send(double_task(i));
        });
    }
    for _ in 0..n {
        match result_rx.recv() {
            Ok(value) => sum += value,
            Err(_) => bench.fail("the island stopped sending results"),
        }
    }

    (sum, ns_per(start_ns, now_ns(), u64::from(n)))
}

fn main() {
    let bench = Bench::init("spawn_remote_batch");
    let n = bench.scale_count(SPAWN_REMOTE_BATCH_N);
    let context = glib::MainContext::new();
    let main_loop = glib::MainLoop::new(Some(&context), false);

    // invoke() calls the closure at once on the calling thread when no
    // thread owns the context; the sender starts only once the loop runs
    // (and so owns it), told so by an idle source of the loop's.
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let mut ready_tx = Some(ready_tx);
    glib::idle_source_new(None, glib::PRIORITY_DEFAULT, move || {
        if let Some(ready_tx) = ready_tx.take() {
            let _ = ready_tx.send(());
        }
        glib::Continue(false)
    })
    .attach(Some(&context));

    let (sum, ns_per_task) = thread::scope(|scope| {
        let (bench, context, main_loop) = (&bench, &context, &main_loop);
        let sender = thread::Builder::new()
            .name("sender".into())
            .spawn_scoped(scope, move || {
                if ready_rx.recv().is_err() {
                    bench.fail("the island did not start");
                }
                let outcome = send_tasks(bench, context, n);
                main_loop.quit();
                outcome
            })
            .unwrap_or_else(|error| bench.fail(&format!("cannot start the sender: {}", error)));

        context.with_thread_default(|| main_loop.run());
        sender
            .join()
            .unwrap_or_else(|_| bench.fail("the sending thread panicked"))
    });

    if sum != expected_sum(n) {
        bench.fail(&format!("sum is {}, expected {}", sum, expected_sum(n)));
    }

    bench.print_result("ns_per_task", ns_per_task, u64::from(n));
}
