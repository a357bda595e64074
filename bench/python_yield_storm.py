#!/usr/bin/python3
# python_yield_storm.py: 100 Python coroutine tasks x 1,000 awaits of
# Isle.yield_now() on an island, next to asyncio's own event loop doing the
# same work with asyncio.sleep(0) in the same run
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: GI_TYPELIB_PATH=BUILD/src LD_LIBRARY_PATH=BUILD/src \
#        PYTHONPATH=bindings/python /usr/bin/python3 bench/python_yield_storm.py
# (bench/run-all.sh sets these). BENCH_SCALE scales the awaits per task.
#
# Prints RESULT lines in the form of the C workloads: ns_per_yield for
# Isle, asyncio_ns_per_yield, and ratio (Isle / asyncio; target <= 1.5).
# Each figure is the best of three rounds, which are interleaved so that
# a change in the machine's load hits both loops alike.

import asyncio
import os
import time

import gi
gi.require_version('Isle', '1')
from gi.repository import Isle

N_TASKS = 100
N_YIELDS = max(1, int(1000 * float(os.environ.get('BENCH_SCALE', '1'))))
ROUNDS = 3


async def isle_worker():
    for _ in range(N_YIELDS):
        await Isle.yield_now()


async def isle_root():
    tasks = [Isle.spawn(isle_worker()) for _ in range(N_TASKS)]
    for task in tasks:
        await task


async def asyncio_worker():
    for _ in range(N_YIELDS):
        await asyncio.sleep(0)


async def asyncio_root():
    await asyncio.gather(*(asyncio_worker() for _ in range(N_TASKS)))


def run_isle():
    island = Isle.LocalSet.new()
    start = time.perf_counter_ns()
    island.run_until(isle_root())
    return (time.perf_counter_ns() - start) / (N_TASKS * N_YIELDS)


def run_asyncio():
    loop = asyncio.new_event_loop()
    try:
        start = time.perf_counter_ns()
        loop.run_until_complete(asyncio_root())
        return (time.perf_counter_ns() - start) / (N_TASKS * N_YIELDS)
    finally:
        loop.close()


isle_ns = []
asyncio_ns = []
for _ in range(ROUNDS):
    isle_ns.append(run_isle())
    asyncio_ns.append(run_asyncio())

isle_best = min(isle_ns)
asyncio_best = min(asyncio_ns)
print('RESULT python_yield_storm ns_per_yield=%.1f tasks=%d yields=%d'
      % (isle_best, N_TASKS, N_YIELDS))
print('RESULT python_yield_storm asyncio_ns_per_yield=%.1f tasks=%d yields=%d'
      % (asyncio_best, N_TASKS, N_YIELDS))
print('RESULT python_yield_storm ratio=%.3f target=1.5' % (isle_best / asyncio_best))
