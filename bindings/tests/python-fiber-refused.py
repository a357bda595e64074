# python-fiber-refused.py: the two programs of issue 15, written against
# the fiber API, raise exceptions that say what to use instead (they used
# to print 2 by luck and to corrupt the interpreter)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Isle', '1')
from gi.repository import GLib, Isle
from gi.module import get_introspection_module


def child(data):
    Isle.yield_now()


def root(data):
    Isle.spawn_local(child, None).join()


island = Isle.LocalSet.new()

# Through the override: FiberOnlyError (a TypeError) naming the way.
for call in (lambda: island.run_until(root, None),
             lambda: island.run_until(root),
             lambda: Isle.spawn_local(child, None),
             lambda: island.spawn_local(child, None),
             lambda: island.run_until_deadline(-1, root, None),
             lambda: Isle.await_(Isle.Future.new_sleep_msec(1)),
             lambda: Isle.park()):
    try:
        call()
    except Isle.FiberOnlyError as error:
        message = str(error)
        assert 'async def' in message or 'await' in message or 'coro' in message, message
    else:
        raise AssertionError('a fiber function ran from Python')

# Past the override (the raw typelib, as a program without it would see
# it): the library itself refuses to run a Python function on a fiber.
raw = get_introspection_module('Isle')
for attempt in range(2):
    try:
        raw.LocalSet.run_until(island, root, None)
    except GLib.Error as error:
        assert error.matches(Isle.error_quark(), Isle.Error.FIBER_REFUSED), error
        assert 'cannot run on a fiber stack' in error.message, error.message
        assert 'async def' in error.message and 'isle.js' in error.message, error.message
    else:
        raise AssertionError('a Python function ran as a fiber task')


# The 100-task storm of the issue, raw: refused at once, no corruption.
def nested(n):
    if n:
        return nested(n - 1)
    raw.yield_now()


def storm_root(data):
    for i in range(100):
        raw.spawn_local(lambda d: nested(5), None)


try:
    raw.LocalSet.run_until(island, storm_root, None)
except GLib.Error as error:
    assert 'fiber stack' in error.message
else:
    raise AssertionError('the storm ran')

# The interpreter is fine afterwards.
async def after():
    await Isle.yield_now()
    return sum(range(10))


assert island.run_until(after(), timeout_msec=10000) == 45
print('refused with clear errors')
