// isle.js: Isle's futures and join handles as promises, for GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// An ES module (GJS 1.68 and later import modules by relative path,
// file:// URI or resource:/// URI):
//
//   import * as IsleJs from 'file:///usr/share/isle-1/gjs/isle.js';
//
// JavaScript never runs on a fiber stack (SpiderMonkey checks the
// thread's native stack bounds and throws "too much recursion" there), so
// nothing here spawns a fiber task. Instead:
//
//  * promise(x) turns an Isle.Future or Isle.JoinHandle into a Promise;
//    sleepMsec(), timeoutMsec() and joinPromise() are built on it.
//  * spawn(asyncFn) gives a JS async function a task slot on the island: a
//    poll task (no stack of its own) that is ready when the function's
//    promise settles. The task has a name, shows in the dump, can be
//    aborted and joined from C; the function's own code runs from GJS's
//    job queue, on the main stack, as every async function does. Its
//    awaits are promises, not Isle suspension points: GJS drives a JS
//    async function and offers no way to resume one step at a time from
//    outside (what a stackless Isle poll task would need).
//  * runUntil(island, asyncFn) is spawn() awaited: GJS iterates the
//    default main context (and the island on it) while a module awaits.

import Isle from 'gi://Isle?version=1';
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';

/**
 * Whether @error is Isle's cancellation (G_IO_ERROR_CANCELLED).
 *
 * @param {*} error a thrown value
 * @returns {boolean}
 */
export function isCancelled(error) {
    return error instanceof GLib.Error &&
        error.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.CANCELLED);
}

/**
 * A Promise for an Isle.Future or Isle.JoinHandle: resolved when the
 * future is, or rejected with its GLib.Error. The value it resolves with
 * is the future's pointer, which GJS cannot represent (it reads as null):
 * read a C future's result through the API of the library that made it,
 * and a JS task's through its slot (spawn()). A Gio.Cancellable, when given, cancels the
 * future when it is cancelled.
 *
 * @param {Isle.Future|Isle.JoinHandle} source what to wait for
 * @param {Gio.Cancellable} [cancellable] cancels the future
 * @returns {Promise}
 */
export function promise(source, cancellable = null) {
    let future;
    if (source instanceof Isle.JoinHandle)
        future = source.get_future();
    else if (source instanceof Isle.Future)
        future = source;
    else
        throw new TypeError(`isle.js promise(): expected an Isle.Future or an Isle.JoinHandle, not ${source}`);

    return new Promise((resolve, reject) => {
        let handlerId = 0;
        if (cancellable !== null)
            handlerId = cancellable.connect(() => future.cancel());
        // Runs from an idle source of the thread-default main context.
        future.then(() => {
            if (handlerId !== 0)
                cancellable.disconnect(handlerId);
            try {
                resolve(future.get_value());
            } catch (error) {
                reject(error);
            }
        });
    });
}

/**
 * A Promise that resolves after @msec (Isle.Future.new_sleep_msec).
 *
 * @param {number} msec how long
 * @param {Gio.Cancellable} [cancellable] rejects it early
 * @returns {Promise}
 */
export function sleepMsec(msec, cancellable = null) {
    return promise(Isle.Future.new_sleep_msec(msec), cancellable);
}

/**
 * A Promise for @future that rejects with G_IO_ERROR_TIMED_OUT after
 * @msec (Isle.Future.new_timeout_msec).
 *
 * @param {Isle.Future} future what to wait for
 * @param {number} msec at most this long
 * @returns {Promise}
 */
export function timeoutMsec(future, msec) {
    return promise(Isle.Future.new_timeout_msec(future, msec));
}

/**
 * The handle of a JS async function running in a task slot; see spawn().
 */
class JsTask {
    constructor(island, asyncFn, name, priority) {
        this.name = name || asyncFn.name || 'anonymous async function';
        this._asyncFn = asyncFn;
        this._settled = false;
        this._error = null;
        this._value = undefined;
        this._waker = null;
        this.cancellable = new Gio.Cancellable();
        this.promise = new Promise((resolve, reject) => {
            this._resolve = resolve;
            this._reject = reject;
        });
        this.handle = island.spawn_local_poll_named(this.name, priority,
            waker => this._poll(waker));
    }

    // Called by the island on its thread, on the main stack.
    _poll(waker) {
        if (this._waker === null) {
            // GJS copies the boxed waker (a new reference), so it may be
            // kept. (Isle.Task has no GType, so GJS cannot reach the task's
            // cancellable or isle_task_set_poll_error(): abort() cancels
            // this.cancellable, and a failure is seen by this.promise.)
            this._waker = waker;
            let started;
            try {
                started = Promise.resolve(this._asyncFn(this.cancellable));
            } catch (error) {
                started = Promise.reject(error);
            }
            started.then(value => this._settle(value, null),
                error => this._settle(undefined, error ?? new Error('rejected')));
        }
        if (!this._settled)
            return Isle.Poll.PENDING;
        return Isle.Poll.READY;
    }

    _settle(value, error) {
        this._settled = true;
        this._value = value;
        this._error = error;
        if (error !== null)
            this._reject(error);
        else
            this._resolve(value);
        this._waker.wake();
    }

    /** Aborts the task and cancels this.cancellable. */
    abort() {
        this.handle.abort();
        this.cancellable.cancel();
    }

    /** @returns {boolean} whether the island's task has finished */
    isFinished() {
        return this.handle.is_finished();
    }
}

/**
 * Runs @asyncFn in a task slot on @island: a poll task named @name (by
 * default the function's name) that finishes when the function's promise
 * settles. The function is called with a Gio.Cancellable that aborting the
 * task cancels. Returns a JsTask: its .promise settles with the function,
 * its .handle is the task's Isle.JoinHandle.
 *
 * @param {Isle.LocalSet} island where
 * @param {Function} asyncFn an async function (cancellable) => value
 * @param {object} [options] {name, priority}
 * @returns {JsTask}
 */
export function spawn(island, asyncFn, {name = null, priority = GLib.PRIORITY_DEFAULT} = {}) {
    return new JsTask(island, asyncFn, name, priority);
}

/**
 * Runs the JS async function @asyncFn in a task slot on @island and
 * returns a promise for its value, which settles once the island's task
 * has finished too. The counterpart of Isle.LocalSet.run_until for JS,
 * which cannot run a JS function as a fiber task: `await` it (GJS iterates
 * the default main context, and with it the island, while a module
 * awaits), or run a GLib.MainLoop until it settles.
 *
 * @param {Isle.LocalSet} island where
 * @param {Function} asyncFn an async function (cancellable) => value
 * @returns {Promise} the function's value
 */
export async function runUntil(island, asyncFn) {
    const task = spawn(island, asyncFn);
    try {
        return await task.promise;
    } finally {
        // The task finishes in the island's next turn after the promise
        // settles.
        await promise(task.handle).catch(() => {});
    }
}
