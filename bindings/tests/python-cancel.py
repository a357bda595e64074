# python-cancel.py: aborting a Python task raises Isle.CancelledError at
# each kind of await, and at every later one
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Isle', '1')
from gi.repository import Gio, GLib, Isle

seen = []


async def forever():
    await Isle.sleep_msec(1000000)


def awaits():
    """One coroutine factory per await kind, each parked on it."""
    def yielding():
        async def body():
            while True:
                await Isle.yield_now()
        return body()

    def sleeping():
        return Isle.sleep_msec(1000000).__await__()

    async def on_sleep():
        await Isle.sleep_msec(1000000)

    async def on_sleep_seconds():
        await Isle.sleep_seconds(1000)

    async def on_timeout():
        await Isle.timeout_msec(Isle.Future.new_sleep_msec(1000000), 2000000)

    async def on_timeout_coro():
        await Isle.timeout_msec(forever(), 2000000)

    async def on_task():
        child = Isle.spawn(forever())
        try:
            await child
        finally:
            child.abort()   # a child outlives its awaiter unless aborted

    async def on_join_handle():
        # A raw Isle.JoinHandle, as C code would hand out.
        child = Isle.spawn(forever())
        try:
            await child.handle
        finally:
            child.abort()

    async def on_blocking():
        import time
        await Isle.spawn_blocking(time.sleep, 0.3)

    async def on_future():
        promise = Isle.Promise.new()   # kept: a dropped promise fails its future
        await promise.get_future()
        promise.resolve(None, None)

    async def on_gio():
        # A read from a pipe nobody writes to: pending until cancelled.
        import os
        r, w = os.pipe()
        stream = Gio.UnixInputStream.new(r, True)
        try:
            await Isle.gio(stream.read_bytes_async, 16, GLib.PRIORITY_DEFAULT)
        finally:
            os.close(w)

    return {'yield_now': yielding, 'sleep': on_sleep,
            'sleep_seconds': on_sleep_seconds, 'timeout': on_timeout,
            'timeout(coroutine)': on_timeout_coro, 'task': on_task,
            'join_handle': on_join_handle, 'future': on_future, 'gio': on_gio,
            'spawn_blocking': on_blocking}


def guarded(kind, factory):
    async def guard():
        try:
            await factory()
        except Isle.CancelledError:
            seen.append(kind)
            # Every later await is cancelled too.
            try:
                await Isle.yield_now()
            except Isle.CancelledError:
                seen.append(kind + ' again')
            raise
        raise AssertionError(kind + ': not cancelled')
    guard.__qualname__ = 'guard_' + kind
    return guard()




async def root():
    kinds = awaits()
    for kind, factory in kinds.items():
        task = Isle.spawn(guarded(kind, factory))
        for _ in range(3):
            await Isle.yield_now()
        assert not task.is_finished(), kind
        task.abort()
        try:
            await task
        except Isle.CancelledError as error:
            assert error.error is not None and 'aborted' in error.error.message, error
        else:
            raise AssertionError(kind + ': join did not raise')
        assert task.is_finished()
        assert seen[-2:] == [kind, kind + ' again'], (kind, seen)

    # Aborted before it ever ran: never runs, no "never awaited" warning.
    ran = []

    async def never():
        ran.append(1)
    task = Isle.spawn(never())
    task.abort()
    try:
        await task
    except Isle.CancelledError:
        pass
    assert ran == []

    # A task that aborts itself: cancelled at its next await.
    async def self_abort():
        me = holder[0]
        me.abort()
        try:
            await Isle.yield_now()
        except Isle.CancelledError:
            seen.append('self')
            raise
    holder = []
    holder.append(Isle.spawn(self_abort()))
    try:
        await holder[0]
    except Isle.CancelledError:
        pass
    assert seen[-1] == 'self'

    # The GLib cancellation maps to the class users catch, which is not
    # an Exception (except Exception does not swallow it).
    assert not issubclass(Isle.CancelledError, Exception)
    return len(kinds)


island = Isle.LocalSet.new()
n = island.run_until(root(), timeout_msec=30000)
assert island.get_n_tasks() == 0, island.dump_tasks()
print('cancelled at', n, 'await kinds:', seen)
