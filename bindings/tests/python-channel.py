# python-channel.py: channels and oneshots of Python objects, awaited by
# coroutines: bounded producer/consumer, producers on Python threads,
# async for, oneshots, ClosedError, and aborts at each await
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gc
import threading

import gi
gi.require_version('Isle', '1')
from gi.repository import Isle


async def turns(n):
    for _ in range(n):
        await Isle.yield_now()


async def bounded_pair():
    """Coroutine producers and a consumer over a channel of 2: every item
    arrives once, in order per producer, and a full channel parks the
    producers (they never run ahead by more than the capacity)."""
    channel, sender = Isle.Channel.new(2)
    assert channel.get_capacity() == 2
    sent = [0, 0]
    most_queued = []

    async def produce(index, sender):
        for i in range(200):
            await sender.send((index, i))
            sent[index] += 1

    producers = [Isle.spawn(produce(k, sender)) for k in range(2)]
    del sender
    seen = {0: [], 1: []}
    async for index, i in channel:
        seen[index].append(i)
        most_queued.append(channel.get_length())
    for producer in producers:
        await producer
    assert seen[0] == list(range(200)) and seen[1] == list(range(200)), seen
    assert sent == [200, 200]
    assert max(most_queued) <= 2, max(most_queued)


async def thread_producers():
    """Python threads send with send_blocking into a bounded channel whose
    receiver is this coroutine: the GIL is released while a thread waits
    for room, so the island runs, and nothing deadlocks."""
    channel, sender = Isle.Channel.new(3)
    n_threads, per_thread = 4, 250

    def produce(sender, base):
        for i in range(per_thread):
            sender.send_blocking(base + i)
        # Refused on a thread: send() is for coroutines.
        try:
            sender.send(0)
        except RuntimeError as error:
            assert 'send_blocking' in str(error), error
        else:
            raise AssertionError('send() on a worker thread was not refused')

    threads = [threading.Thread(target=produce, args=(sender, k * 10000))
               for k in range(n_threads)]
    for thread in threads:
        thread.start()
    del sender, thread
    total = count = 0
    async for item in channel:
        total += item
        count += 1
    for thread in threads:
        thread.join()
    assert count == n_threads * per_thread, count
    expected = sum(k * 10000 * per_thread + per_thread * (per_thread - 1) // 2
                   for k in range(n_threads))
    assert total == expected, (total, expected)


async def objects_and_errors():
    channel, sender = Isle.Channel.new(1)

    # The same object comes out that went in.
    payload = {'answer': [42]}
    sender.try_send(payload)
    try:
        sender.try_send('one too many')
    except BlockingIOError:
        pass
    else:
        raise AssertionError('try_send to a full channel did not raise')
    assert channel.try_recv() is payload
    try:
        channel.try_recv()
    except BlockingIOError:
        pass
    else:
        raise AssertionError('try_recv from an empty channel did not raise')
    sender.try_send(None)
    assert await channel.receive() is None

    # The fiber forms are refused, naming the Python ones.
    for refused in (lambda: channel.recv(), lambda: Isle.Oneshot.new().recv()):
        try:
            refused()
        except Isle.FiberOnlyError as error:
            assert 'await' in str(error), error
        else:
            raise AssertionError('a fiber-only recv was not refused')

    # Closed by the receiver: queued items still come, then ClosedError;
    # sends fail with it at once.
    await sender.send('last')
    channel.close()
    for send in (lambda: sender.try_send(1), lambda: sender.send_blocking(1)):
        try:
            send()
        except Isle.ClosedError:
            pass
        else:
            raise AssertionError('a send to a closed channel did not raise')
    try:
        await sender.send(1)
    except Isle.ClosedError as error:
        assert error.error is not None
    else:
        raise AssertionError('await send to a closed channel did not raise')
    assert await channel.receive() == 'last'
    try:
        await channel.receive()
    except Isle.ClosedError:
        pass
    else:
        raise AssertionError('receive from a closed, empty channel did not raise')
    assert issubclass(Isle.ClosedError, Exception)
    import gi.overrides.Isle as override_module
    assert 'ClosedError' in override_module.__all__


async def oneshots():
    # Sent from a thread, awaited here.
    reply = Isle.Oneshot.new()
    try:
        reply.try_recv()
    except BlockingIOError:
        pass
    else:
        raise AssertionError('try_recv before the send did not raise')
    answer = object()
    thread = threading.Thread(target=lambda s: s.send(answer), args=(reply.ref_sender(),))
    thread.start()
    assert await reply is answer
    thread.join()

    # Every sender gone unsent: ClosedError.
    lost = Isle.Oneshot.new()
    sender = lost.ref_sender()
    waiter = Isle.spawn(_await(lost))
    await turns(3)
    assert not waiter.is_finished()
    del sender
    gc.collect()
    try:
        await waiter
    except Isle.ClosedError:
        pass
    else:
        raise AssertionError('a oneshot whose sender went did not raise ClosedError')

    # Sent to a receiving end that is gone: ClosedError, as for a channel.
    gone = Isle.Oneshot.new()
    sender = gone.ref_sender()
    del gone
    gc.collect()
    try:
        sender.send('nobody')
    except Isle.ClosedError:
        pass
    else:
        raise AssertionError('a send to a oneshot whose receiver went did not raise ClosedError')


async def _await(awaitable):
    return await awaitable


cancelled = []


def guarded(name, awaitable):
    async def guard():
        try:
            await awaitable
        except Isle.CancelledError:
            cancelled.append(name)
            raise
        raise AssertionError(name + ': not cancelled')
    guard.__qualname__ = 'guard_' + name
    return guard()


async def abort_after_turns(task):
    await turns(3)
    assert not task.is_finished()
    task.abort()
    try:
        await task
    except Isle.CancelledError:
        pass
    else:
        raise AssertionError('the aborted task finished normally')


async def cancellation():
    """Aborted at each await, a task raises CancelledError there and
    leaves nothing registered: the next receiver is not refused as a
    second one, the channel closes when its senders go, and the oneshot
    can be awaited again."""
    channel, sender = Isle.Channel.new(1)

    await abort_after_turns(Isle.spawn(guarded('receive', channel.receive())))
    # A second receiver is refused (a critical, fatal here) while another
    # task's receive is registered: this one is not.
    sender.try_send('after')
    assert await channel.receive() == 'after'

    # A send waiting for room in a full channel, with another behind it:
    # aborted, it leaves the line, so the room the next receive makes goes
    # to the one behind (were it still in line, that one would never wake).
    sender.try_send('fills')
    first = Isle.spawn(guarded('send', sender.send('never')))
    await turns(3)
    second = Isle.spawn(_await(sender.send('second')))
    await abort_after_turns(first)
    assert not second.is_finished()
    assert await channel.receive() == 'fills'
    await second
    assert await channel.receive() == 'second'
    try:
        channel.try_recv()
    except BlockingIOError:
        pass
    else:
        raise AssertionError('the aborted send was delivered')

    # async for, aborted.
    channel, sender = Isle.Channel.new()

    async def drain():
        async for _ in channel:
            pass
    await abort_after_turns(Isle.spawn(guarded('async for', drain())))
    sender.try_send(1)
    assert channel.try_recv() == 1

    # A oneshot.
    reply = Isle.Oneshot.new()
    sender = reply.ref_sender()
    await abort_after_turns(Isle.spawn(guarded('oneshot', _await(reply))))
    sender.send('later')
    assert await reply == 'later'
    assert cancelled == ['receive', 'send', 'async for', 'oneshot'], cancelled


async def root():
    await bounded_pair()
    await thread_producers()
    await objects_and_errors()
    await oneshots()
    await cancellation()
    return 'done'


island = Isle.LocalSet.new()
assert island.run_until(root(), timeout_msec=60000) == 'done'
print('ok')
