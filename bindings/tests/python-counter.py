# python-counter.py: the guide's counter example as Python coroutines
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Isle', '1')
from gi.repository import Isle

count = 0


async def child():
    global count
    count += 1
    await Isle.yield_now()
    count += 1
    return 'child done'


async def root():
    handle = Isle.spawn(child())
    # The child has not run yet: spawning never runs a task inline.
    assert count == 0, count
    result = await handle
    assert handle.is_finished()
    return result, count


island = Isle.LocalSet.new()
result = island.run_until(root(), timeout_msec=10000)
assert result == ('child done', 2), result
assert island.get_n_tasks() == 0
print('count', count)
