// gjs-promises.js: an Isle sleep, a join handle and a blocking job
// awaited as promises
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Isle from 'gi://Isle?version=1';
import BindingsTest from 'gi://BindingsTest?version=1';
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';

const IsleJs = await import(GLib.getenv('ISLE_GJS_MODULE'));

function check(condition, what) {
    if (!condition) {
        printerr(`FAIL: ${what}`);
        System.exit(1);
    }
}

const island = Isle.LocalSet.new();

// A sleep.
let start = GLib.get_monotonic_time();
await IsleJs.sleepMsec(30);
check(GLib.get_monotonic_time() - start >= 30000, 'sleepMsec(30) lasted 30 ms');

// A join handle of a task (a JS task slot), awaited as a promise.
const task = IsleJs.spawn(island, async function sleeper() {
    await IsleJs.sleepMsec(10);
    return 42;
});
check(!task.isFinished(), 'not finished at once');
await IsleJs.promise(task.handle);
check(task.isFinished(), 'join handle promise after the task');
check(await task.promise === 42, 'the task slot promise has the value');
check(island.dump_tasks().includes('sleeper') || island.get_n_tasks() === 0, 'named');

// A blocking job: JS cannot run on a worker thread (GJS refuses calls
// into JavaScript from other threads), so the job is C code that a library
// started on Isle's pool (bindings_test_sum_on_pool(), isle_spawn_blocking());
// its future is a promise like any other.
const job = BindingsTest.sum_on_pool(2000);
await IsleJs.promise(job);
const sum = BindingsTest.get_sum(job);
check(job.is_finished() && sum === 2001000, `the blocking job's sum (${sum})`);

// Cancelling the promise's cancellable cancels the job's own cancellable,
// which the job checks.
const stop = new Gio.Cancellable();
const long = IsleJs.promise(BindingsTest.sum_on_pool(100000000), stop);
await IsleJs.sleepMsec(5);
stop.cancel();
let jobCancelled = false;
try {
    await long;
} catch (error) {
    jobCancelled = IsleJs.isCancelled(error);
}
check(jobCancelled, 'a cancelled blocking job rejects with G_IO_ERROR_CANCELLED');

// A timeout rejects with G_IO_ERROR_TIMED_OUT.
let timedOut = false;
try {
    await IsleJs.timeoutMsec(Isle.Future.new_sleep_msec(100000), 20);
} catch (error) {
    timedOut = error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.TIMED_OUT);
}
check(timedOut, 'timeout rejects with TIMED_OUT');

// Aborting a task slot rejects its awaits through the cancellable.
const aborted = IsleJs.spawn(island, async cancellable => {
    await IsleJs.sleepMsec(100000, cancellable);
});
await IsleJs.sleepMsec(5);
aborted.abort();
let cancelled = false;
try {
    await aborted.promise;
} catch (error) {
    cancelled = IsleJs.isCancelled(error);
}
check(cancelled, 'abort rejects with G_IO_ERROR_CANCELLED');
await IsleJs.promise(aborted.handle).catch(e => check(IsleJs.isCancelled(e), 'handle cancelled'));

print('promises ok');
