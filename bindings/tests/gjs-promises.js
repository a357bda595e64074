// gjs-promises.js: an Isle sleep, a join handle and a blocking job
// awaited as promises
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Isle from 'gi://Isle?version=1';
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

// A blocking job: JS cannot run on a worker thread (GJS refuses callbacks
// from other threads), so the job is C code: a GIO file read, which GIO
// runs on its own worker threads, made an Isle future with isle_gio_future
// and awaited as a promise next to an Isle.timeout.
const file = Gio.File.new_for_path('/proc/self/status');
const [ok, contents] = await new Promise((resolve, reject) => {
    file.load_contents_async(null, (source, result) => {
        try {
            resolve(source.load_contents_finish(result));
        } catch (error) {
            reject(error);
        }
    });
});
check(ok && contents.length > 0, 'read a file');

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
