# python-notify.py: awaiting an Isle.Notify from coroutines: permits,
# one line with notify_one, notify_waiters, and an abort while waiting
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Isle', '1')
from gi.repository import Isle

woken = []


async def waiter(notify, name):
    await notify.wait()
    woken.append(name)


async def turns(n):
    for _ in range(n):
        await Isle.yield_now()


async def root():
    notify = Isle.Notify.new()

    # A permit stored with nobody waiting: the next wait takes it at once.
    notify.notify_one()
    notify.notify_one()
    await notify.wait()
    second = Isle.spawn(waiter(notify, 'second'))
    await turns(3)
    assert not second.is_finished(), 'one permit for several notifications'

    # notify_one wakes the oldest waiter.
    third = Isle.spawn(waiter(notify, 'third'))
    await turns(3)
    notify.notify_one()
    await second
    await turns(3)
    assert woken == ['second'] and not third.is_finished(), woken
    notify.notify_one()
    await third
    assert woken == ['second', 'third'], woken

    # notify_waiters wakes everyone waiting, and stores no permit.
    tasks = [Isle.spawn(waiter(notify, i)) for i in range(4)]
    await turns(3)
    notify.notify_waiters()
    for task in tasks:
        await task
    late = Isle.spawn(waiter(notify, 'late'))
    await turns(3)
    assert not late.is_finished()

    # Aborted while waiting: CancelledError in the coroutine, and nothing
    # left in line, so the next notification becomes the permit.
    cancelled = []

    async def aborted_waiter():
        try:
            await notify.wait()
        except Isle.CancelledError:
            cancelled.append(True)
            raise

    victim = Isle.spawn(aborted_waiter())
    await turns(3)
    notify.notify_one()           # goes to 'late', the oldest
    await late
    victim.abort()
    try:
        await victim
        raise AssertionError('the aborted waiter finished normally')
    except Isle.CancelledError:
        pass
    assert cancelled == [True]
    notify.notify_one()           # nobody waits: a permit
    await notify.wait()           # taken at once
    return len(woken)


island = Isle.LocalSet.new()
assert island.run_until(root(), timeout_msec=20000) == 7
print('ok')
