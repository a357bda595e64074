# python-yield-storm.py: 1,000 Python tasks each yielding 100 times from
# inside nested calls, with exceptions raised and caught around the
# awaits; every total is checked
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi
gi.require_version('Isle', '1')
from gi.repository import Isle

N_TASKS = 1000
N_YIELDS = 100
totals = {'yields': 0, 'caught': 0, 'finally': 0}
order = []


class Boom(Exception):
    pass


async def leaf(task_no, i):
    try:
        await Isle.yield_now()
        totals['yields'] += 1
        if i % 10 == 9:
            raise Boom(i)
        return i
    finally:
        totals['finally'] += 1


async def middle(task_no, i):
    try:
        return await leaf(task_no, i)
    except Boom as boom:
        totals['caught'] += 1
        return -boom.args[0]


async def worker(task_no):
    local = 0
    for i in range(N_YIELDS):
        local += await middle(task_no, i)
        if i == 0:
            order.append(task_no)
    return local


async def root():
    tasks = [Isle.spawn(worker(n)) for n in range(N_TASKS)]
    return [await t for t in tasks]


island = Isle.LocalSet.new()
results = island.run_until(root(), timeout_msec=100000)

# Per task: 0..99, the multiples-of-ten-minus-one negated.
expected = sum(-i if i % 10 == 9 else i for i in range(N_YIELDS))
assert results == [expected] * N_TASKS, results[:3]
assert totals['yields'] == N_TASKS * N_YIELDS, totals
assert totals['finally'] == N_TASKS * N_YIELDS, totals
assert totals['caught'] == N_TASKS * N_YIELDS // 10, totals
# Yielding is fair: every task took its first step before any took its
# second, in spawn order.
assert order == list(range(N_TASKS)), order[:10]
assert island.get_n_tasks() == 0
print('totals', totals)
