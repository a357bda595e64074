# python-errors.py: exceptions through join handles, the root's exception
# out of run_until, unobserved failures reported, tasks named by their
# coroutine's __qualname__ there and in slow-poll reports
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys

import gi
gi.require_version('Isle', '1')
from gi.repository import Gio, GLib, Isle

if len(sys.argv) > 1 and sys.argv[1] == 'unobserved':
    class Worker:
        async def fail_later(self):
            await Isle.yield_now()
            raise KeyError('lost')

    async def root():
        Isle.spawn(Worker().fail_later())   # detached at once
        for _ in range(5):
            await Isle.yield_now()
        print('root done')
    Isle.LocalSet.new().run_until(root(), timeout_msec=10000)
    sys.exit(0)

if len(sys.argv) > 1 and sys.argv[1] == 'slow':
    import time

    class Parser:
        async def block_thread(self):
            await Isle.yield_now()
            time.sleep(0.05)   # blocks the island's thread: what is reported

    async def root():
        await Isle.spawn(Parser().block_thread())
        print('root done')
    island = Isle.LocalSet.new()
    island.set_debug_flags(Isle.DebugFlags.SLOW_POLLS)
    island.set_slow_poll_threshold_msec(10)
    island.run_until(root(), timeout_msec=10000)
    sys.exit(0)


class Failure(Exception):
    pass


async def fails():
    await Isle.yield_now()
    raise Failure('from a task')


async def parked():
    await Isle.sleep_msec(1000000)


async def root():
    # The original exception comes out of every await of the handle.
    task = Isle.spawn(fails())
    try:
        await task
    except Failure as error:
        assert str(error) == 'from a task'
    else:
        raise AssertionError('no exception')
    try:
        task.result()
    except Failure:
        pass

    # C sees the failure as the task's GError (its future, its handle).
    task = Isle.spawn(fails())
    future = task.handle.get_future()
    try:
        await future
    except GLib.Error as error:
        assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.FAILED), error
        assert 'Failure: from a task' in error.message, error.message
        assert 'fails' in error.message
    else:
        raise AssertionError('the future did not fail')

    # Names: the coroutine's qualified name, in the dump and on the task.
    waiting = Isle.spawn(parked())
    await Isle.yield_now()
    dump = Isle.LocalSet.get_current().dump_tasks()
    assert '“parked”' in dump, dump
    assert waiting.name == 'parked'
    waiting.abort()

    # Awaiting something that is not an Isle awaitable raises TypeError
    # inside the task, at the await.
    class Odd:
        def __await__(self):
            yield 'not a leaf'
    try:
        await Odd()
    except TypeError as error:
        assert 'not an Isle awaitable' in str(error)
    return 'ok'


island = Isle.LocalSet.new()
assert island.run_until(root(), timeout_msec=10000) == 'ok'

# The root's exception comes out of run_until.
try:
    island.run_until(fails(), timeout_msec=10000)
except Failure:
    pass
else:
    raise AssertionError('run_until swallowed the exception')

# A root that does not finish in time.
try:
    island.run_until(parked(), timeout_msec=50)
except TimeoutError as error:
    assert 'parked' in str(error)
else:
    raise AssertionError('no timeout')

# A detached task that fails is reported by Isle, as C tasks are.
env = dict(os.environ, G_DEBUG='')
child = subprocess.run([sys.executable, __file__, 'unobserved'], env=env,
                       capture_output=True, text=True, timeout=60)
assert child.returncode == 0, child.stderr
assert 'root done' in child.stdout
assert 'Unobserved failure' in child.stderr, child.stderr
assert 'Worker.fail_later' in child.stderr and "KeyError: 'lost'" in child.stderr, child.stderr

# A slow poll names the coroutine too.
child = subprocess.run([sys.executable, __file__, 'slow'], env=env,
                       capture_output=True, text=True, timeout=60)
assert child.returncode == 0, child.stderr
assert 'root done' in child.stdout
assert 'Slow poll' in child.stderr and 'Parser.block_thread' in child.stderr, child.stderr
print('errors ok')
