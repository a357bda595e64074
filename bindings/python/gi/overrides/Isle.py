# Isle.py: the PyGObject override of Isle: async def coroutines as Isle tasks
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Isle for Python: ``async def`` coroutines as stackless Isle tasks.

Python code never runs on a fiber stack (CPython keeps per-thread frame
state that a fiber switch does not save, so a suspended Python frame on a
fiber corrupts the interpreter). Instead each coroutine is an Isle *poll
task*: the island polls it on its thread, the override's driver sends the
coroutine on until it awaits something that is not ready, and the waker of
the task is registered with that thing. Nothing switches stacks.

    import gi
    gi.require_version('Isle', '1')
    from gi.repository import Isle

    async def child():
        await Isle.yield_now()
        return 1

    async def root():
        return await Isle.spawn(child()) + 1

    island = Isle.LocalSet.new()
    print(island.run_until(root()))      # 2

What a coroutine can await: :func:`yield_now`, :func:`sleep_msec`,
:func:`sleep_seconds`, :func:`timeout`, :func:`gio` (any GIO
``_async``/``_finish`` pair), a :class:`CoroutineTask` (what :func:`spawn`
returns), an ``Isle.JoinHandle``, an ``Isle.Future`` and
``notify.wait()`` of an ``Isle.Notify``, ``channel.receive()`` and
``sender.send(obj)`` of an ``Isle.Channel`` (and ``async for item in
channel``), and an ``Isle.Oneshot`` itself. Aborting a task
raises :class:`CancelledError` at its current await and at every later one.
An exception that escapes a task is raised again by every ``await`` of
its handle; a task that fails while nobody holds its handle is reported
by Isle as C tasks are (``Unobserved failure: ...``).

The functions of the C API that run their callback on a fiber stack
(``spawn_local``, ``run_until`` with a plain function, ``JoinSet.spawn``)
or suspend one (``Isle.await_``, ``JoinHandle.join``, ``Isle.park``,
``Interval.tick``, the fiber ``recv`` of channels and oneshots) raise
:class:`FiberOnlyError`, which names what to use instead.
"""

import sys
import traceback

from ..module import get_introspection_module
from ..overrides import override

from gi.repository import GLib, GObject, Gio

Isle = get_introspection_module('Isle')

__all__ = []

_PENDING = Isle.Poll.PENDING
_READY = Isle.Poll.READY
_IO_ERROR = Gio.io_error_quark()
_CANCELLED = Gio.IOErrorEnum.CANCELLED
_TIMED_OUT = Gio.IOErrorEnum.TIMED_OUT
_CLOSED = Gio.IOErrorEnum.CLOSED
_WOULD_BLOCK = Gio.IOErrorEnum.WOULD_BLOCK

# An aborted coroutine that keeps awaiting after its cancellation is thrown
# in again this many times, then closed.
_MAX_CANCELLED_AWAITS = 1000


class CancelledError(BaseException):
    """Raised inside a task's coroutine at the await where it was aborted,
    and by awaiting the handle of an aborted task.

    Like :class:`asyncio.CancelledError`, a :class:`BaseException`, so that
    ``except Exception`` does not swallow it. ``error`` is the GLib error
    (``G_IO_ERROR_CANCELLED``) that Isle reported, or ``None``.
    """

    def __init__(self, message='The task was aborted', error=None):
        super().__init__(message)
        self.error = error


class FiberOnlyError(TypeError):
    """Raised by the parts of the C API that only fiber tasks may use;
    the message names the Python form to use instead."""


class ClosedError(Exception):
    """Raised by a receive from a channel that is closed and empty (every
    sender is gone, or the receiver closed it), by a send to a closed
    channel or to a oneshot whose receiving end is gone, and by awaiting a
    oneshot whose sender went without sending (``G_IO_ERROR_CLOSED``). ``async for item in channel`` ends at it
    instead. ``error`` is the GLib error, or ``None``."""

    def __init__(self, message='The channel is closed', error=None):
        super().__init__(message)
        self.error = error


__all__ += ['CancelledError', 'FiberOnlyError', 'ClosedError']


def _error_to_exception(error):
    """Maps a GLib.Error from Isle to the Python exception to raise."""
    if error.matches(_IO_ERROR, _CANCELLED):
        return CancelledError(error.message, error)
    if error.matches(_IO_ERROR, _TIMED_OUT):
        return TimeoutError(error.message)
    if error.matches(_IO_ERROR, _CLOSED):
        return ClosedError(error.message, error)
    if error.matches(_IO_ERROR, _WOULD_BLOCK):
        # What a non-blocking call raises in Python (socket, os.read).
        return BlockingIOError(error.message)
    return error


# Leaves: what a coroutine's await chain yields to the driver. Each has
# _isle_poll(task) returning the value or _PENDING, or raising.

class _YieldNow:
    """The leaf of ``await Isle.yield_now()``: one shared object, which
    :class:`CoroutineTask` recognises before anything else (the hot path of
    a task that yields in a loop: no allocation, no poll call)."""
    __slots__ = ()

    def _isle_poll(self, task):
        # Only reached through a leaf chain the task did not see directly.
        task._wake()
        return _PENDING

    def __await__(self):
        return (yield self)


_YIELD_NOW = _YieldNow()


def yield_now():
    """Returns an awaitable that goes to the back of the island's run
    queue: every other ready task runs before the coroutine goes on
    (``isle_yield_now()`` for coroutines). Use it as
    ``await Isle.yield_now()``."""
    return _YIELD_NOW


class _FutureLeaf:
    __slots__ = ('_future', '_make')

    def __init__(self, future=None, make=None):
        self._future = future
        self._make = make

    def _isle_poll(self, task):
        if self._future is None:
            self._future = self._make()
        try:
            poll, value = self._future.poll(task._waker)
        except GLib.Error as error:
            raise _error_to_exception(error) from None
        if poll == _PENDING:
            return _PENDING
        return value

    def __await__(self):
        return (yield self)


def sleep_msec(msec):
    """Returns an awaitable that finishes after ``msec`` on the
    island's clock (``isle_sleep_msec()`` for coroutines)."""
    return _FutureLeaf(make=lambda: Isle.Future.new_sleep_msec(msec))


def sleep_seconds(seconds):
    """Like :func:`sleep_msec`, in whole seconds (``isle_sleep_seconds()``)."""
    return _FutureLeaf(make=lambda: Isle.Future.new_sleep_seconds(seconds))


class _JoinLeaf:
    __slots__ = ('_handle', '_record')

    def __init__(self, handle, record=None):
        self._handle = handle
        self._record = record

    def _isle_poll(self, task):
        try:
            poll, value = self._handle.poll(task._waker)
        except GLib.Error as error:
            record = self._record
            if record is not None and record._exception is not None and \
                    not isinstance(record._exception, CancelledError):
                raise record._exception from None
            raise _error_to_exception(error) from None
        if poll == _PENDING:
            return _PENDING
        if self._record is not None:
            return self._record._result
        return value

    def __await__(self):
        return (yield self)


class _GioLeaf:
    __slots__ = ('_start', '_args', '_finish', '_started', '_done', '_result',
                 '_waker')

    def __init__(self, start, args, finish):
        self._start = start
        self._args = args
        self._finish = finish
        self._started = False
        self._done = False
        self._result = None
        self._waker = None

    def _callback(self, source, result, *user_data):
        if isinstance(self._finish, str):
            if source is None:
                self._finish = TypeError(
                    'Isle.gio: %s has no source object to find %s on; pass '
                    'finish= explicitly' % (self._start, self._finish))
            else:
                self._finish = getattr(source, self._finish)
        self._done = True
        self._result = result
        waker, self._waker = self._waker, None
        if waker is not None:
            waker.wake()

    def _isle_poll(self, task):
        if not self._started:
            self._started = True
            self._waker = task._waker
            self._start(*self._args, task._cancellable(), self._callback, None)
        if not self._done:
            return _PENDING
        if isinstance(self._finish, BaseException):
            raise self._finish
        try:
            return self._finish(self._result)
        except GLib.Error as error:
            raise _error_to_exception(error) from None

    def __await__(self):
        return (yield self)


def gio(start, *args, finish=None):
    """Awaits a GIO asynchronous operation: calls ``start(*args,
    cancellable, callback, None)`` (``start`` is a bound ``..._async``
    method or function) and returns what its ``..._finish`` returns.

    The cancellable is the task's, so aborting the task cancels the
    operation, which then raises :class:`CancelledError`. The finish
    function is found by name on the operation's source object
    (``load_contents_async`` -> ``load_contents_finish``); pass ``finish=``
    where it is named otherwise or there is no source object::

        ok, contents, etag = await Isle.gio(file.load_contents_async)
    """
    if finish is None:
        name = getattr(start, '__name__', '')
        if not name.endswith('_async'):
            raise TypeError('Isle.gio: %r is not a ..._async function; pass '
                            'finish= explicitly' % (start,))
        # Found on the operation's source object when it completes.
        finish = name[:-len('_async')] + '_finish'
    return _GioLeaf(start, args, finish)


async def _first_of(task_record, msec):
    sleeper = _FutureLeaf(make=lambda: Isle.Future.new_sleep_msec(msec))
    return await _Race(task_record, sleeper)


class _Race:
    """Polls a task's handle and a sleep; aborts the task on timeout."""
    __slots__ = ('_join', '_record', '_sleep', '_owned')

    def __init__(self, record, sleeper, owned=False):
        self._owned = owned
        self._record = record
        self._join = _JoinLeaf(record.handle, record)
        self._sleep = sleeper

    def _isle_poll(self, task):
        value = self._join._isle_poll(task)
        if value is not _PENDING:
            return value
        if self._sleep._isle_poll(task) is _PENDING:
            return _PENDING
        self._record.abort()
        raise TimeoutError('Isle.timeout_msec: %s did not finish in time'
                           % self._record.name)

    def _isle_cancel(self):
        # The child that timeout_msec() made for a coroutine goes with its
        # awaiter.
        if self._owned:
            self._record.abort()

    def __await__(self):
        return (yield self)


def timeout_msec(awaitable, msec):
    """Awaits ``awaitable`` for at most ``msec``; raises
    :class:`TimeoutError` (``G_IO_ERROR_TIMED_OUT``) when it takes longer.

    An ``Isle.Future`` goes through ``isle_future_new_timeout_msec()``; a coroutine runs as
    a child task, aborted on timeout (a :class:`CoroutineTask` is aborted too)."""
    if isinstance(awaitable, Isle.Future):
        return _FutureLeaf(Isle.Future.new_timeout_msec(awaitable, msec))
    if isinstance(awaitable, CoroutineTask):
        return _Race(awaitable, _FutureLeaf(make=lambda: Isle.Future.new_sleep_msec(msec)))
    return _Race(spawn(awaitable), _FutureLeaf(make=lambda: Isle.Future.new_sleep_msec(msec)),
                 owned=True)


class _BlockingLeaf:
    __slots__ = ('_future', '_outcome')

    def __init__(self, func, args):
        outcome = self._outcome = []

        def run(*_ignored):
            # On a worker thread of Isle's pool; PyGObject holds the GIL
            # only while Python code runs.
            try:
                outcome.append((True, func(*args)))
            except BaseException as error:
                outcome.append((False, error))
            return None
        self._future = Isle.binding_spawn_blocking(run)

    def is_finished(self):
        """Whether the job has finished."""
        return self._future.is_finished()

    def _isle_poll(self, task):
        try:
            poll, _ = self._future.poll(task._waker)
        except GLib.Error as error:
            raise _error_to_exception(error) from None
        if poll == _PENDING:
            return _PENDING
        ok, value = self._outcome[0]
        if not ok:
            raise value
        return value

    def __await__(self):
        return (yield self)


def spawn_blocking(func, *args):
    """Runs ``func(*args)`` on a worker thread of Isle's blocking pool
    (``isle_spawn_blocking()``) and returns an awaitable for its return
    value; an exception it raises is raised by the ``await``. The job
    starts at once; ``is_finished()`` tells whether it has finished. The
    function must not touch the island's objects (widgets): it runs on
    another thread."""
    return _BlockingLeaf(func, args)


__all__ += ['yield_now', 'sleep_msec', 'sleep_seconds', 'gio', 'timeout_msec',
            'spawn_blocking']


def _task_name(coro):
    return getattr(coro, '__qualname__', None) or type(coro).__name__


def _describe(exception):
    text = ''.join(traceback.format_exception_only(type(exception), exception)).strip()
    tb = exception.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        text += ' (at %s:%d)' % (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
    return text


class CoroutineTask:
    """A coroutine running as an Isle poll task: what :func:`spawn`
    returns, and awaitable for the coroutine's result.

    ``handle`` is the task's ``Isle.JoinHandle``; ``name`` is the
    coroutine's ``__qualname__`` (the task's name in the dump and in
    slow-poll reports). Dropping the last reference to a Task detaches
    the task, which runs on."""

    __slots__ = ('handle', 'name', '_coro', '_leaf', '_waker', '_wake', '_task',
                 '_result', '_exception', '_finished', '_running', '_aborted',
                 '_report', '_cancel_id', '__weakref__')

    def __init__(self, island, coro, name=None, priority=GLib.PRIORITY_DEFAULT,
                 report=True):
        if not hasattr(coro, 'send') or not hasattr(coro, 'throw'):
            raise TypeError('Isle.spawn: expected a coroutine (the result of '
                            'calling an async def), not %r' % (coro,))
        self.name = name or _task_name(coro)
        self._coro = coro
        self._leaf = None
        self._waker = None
        self._wake = None
        self._task = None
        self._result = None
        self._exception = None
        self._finished = False
        self._running = False
        self._aborted = False
        self._report = report
        self._cancel_id = 0
        self.handle = island.spawn_local_poll_named(self.name, priority, self._poll)

    # The island calls this on its thread, on the thread's own stack.
    def _poll(self, *_args):
        if self._waker is None:
            self._task = Isle.task_get_current()
            self._waker = self._task.ref_waker()
            self._wake = self._waker.wake
            self._cancel_id = GObject.Object.connect(
                self._task.get_cancellable(), 'cancelled', self._on_cancelled)
        send = None
        exception = None
        leaf = self._leaf
        self._running = True
        try:
            if leaf is not None:
                try:
                    send = leaf._isle_poll(self)
                except BaseException as error:
                    exception = error
                else:
                    if send is _PENDING:
                        return _PENDING, None
            return self._advance(send, exception)
        finally:
            self._running = False

    def _advance(self, send, exception):
        coro = self._coro
        n_cancelled = 0
        while True:
            if self._aborted and exception is None:
                exception = CancelledError('Task “%s” was aborted' % self.name)
                cancel = getattr(self._leaf, '_isle_cancel', None)
                self._leaf = None
                if cancel is not None:
                    cancel()
            try:
                if exception is not None:
                    if isinstance(exception, CancelledError):
                        n_cancelled += 1
                        if n_cancelled > _MAX_CANCELLED_AWAITS:
                            coro.close()
                            raise exception
                    leaf, exception = coro.throw(exception), None
                else:
                    leaf = coro.send(send)
            except StopIteration as stop:
                return self._finish(stop.value, None)
            except BaseException as error:
                return self._finish(None, error)
            if self._aborted:
                # After an abort every await raises at once.
                self._leaf = leaf
                continue
            if leaf is _YIELD_NOW:
                # To the back of the run queue; the next poll resumes the
                # coroutine at once.
                self._wake()
                self._leaf = None
                return _PENDING, None
            poll = getattr(leaf, '_isle_poll', None)
            if poll is None:
                exception = TypeError(
                    'An Isle task awaited %r, which is not an Isle awaitable: '
                    'await Isle.yield_now(), Isle.sleep_msec(), Isle.gio(...), '
                    'Isle.timeout_msec(...), a Task, an Isle.JoinHandle, an '
                    'Isle.Future, notify.wait(), channel.receive(), '
                    'sender.send(obj) or an Isle.Oneshot (asyncio futures need '
                    'an asyncio loop)' % (leaf,))
                continue
            try:
                send = poll(self)
            except BaseException as error:
                exception = error
                continue
            if send is _PENDING:
                self._leaf = leaf
                return _PENDING, None

    def _finish(self, result, exception):
        self._finished = True
        self._leaf = None
        self._coro = None
        self._waker = None
        self._wake = None
        if self._cancel_id:
            # The task's cancellable lives as long as the task: a handler
            # left connected would keep this record, and so the handle
            # and the task, alive for ever.
            GObject.Object.disconnect(self._task.get_cancellable(), self._cancel_id)
            self._cancel_id = 0
        if exception is None:
            self._result = result
            return _READY, None
        self._exception = exception
        if self._aborted:
            # An aborted task reports cancellation whatever its coroutine
            # made of it, as C tasks do.
            return _READY, None
        if isinstance(exception, CancelledError):
            if self._task is not None:
                # Raised by an await of an aborted thing, not by this
                # task's own abort: it fails with the cancellation.
                self._task.set_poll_error(GLib.Error.new_literal(
                    _IO_ERROR, str(exception), _CANCELLED))
            return _READY, None
        if self._report and self._task is not None:
            self._task.set_poll_error(GLib.Error.new_literal(
                _IO_ERROR, 'Python task “%s” raised %s' % (self.name, _describe(exception)),
                Gio.IOErrorEnum.FAILED))
        return _READY, None

    def _on_cancelled(self, *_args):
        self._aborted = True
        if self._running or self._finished:
            return
        # Not polled again: run the coroutine's cancellation now; every
        # await it reaches raises CancelledError at once.
        self._running = True
        try:
            self._advance(None, None)
        finally:
            self._running = False

    def _cancellable(self):
        return self._task.get_cancellable()

    def abort(self):
        """Aborts the task: its current await raises
        :class:`CancelledError`, as does every later one. A task that has
        not started never runs."""
        if self._waker is None and not self._finished:
            # Never polled: the island will not poll it.
            self._aborted = True
            self._finished = True
            self._exception = CancelledError('Task “%s” was aborted' % self.name)
            self._coro.close()
            self._coro = None
        self.handle.abort()

    def is_finished(self):
        """Whether the task has finished (``isle_join_handle_is_finished()``)."""
        return self.handle.is_finished()

    @property
    def id(self):
        """The task's id (``isle_join_handle_get_id()``)."""
        return self.handle.get_id()

    def result(self):
        """The finished task's result; raises its exception, or
        :class:`CancelledError` if it was aborted, or
        :class:`RuntimeError` if it has not finished."""
        if not self._finished:
            raise RuntimeError('Task “%s” has not finished' % self.name)
        if self._exception is not None:
            raise self._exception
        return self._result

    def __await__(self):
        return (yield _JoinLeaf(self.handle, self))

    def __repr__(self):
        return '<Isle.CoroutineTask %s id=%d%s>' % (
            self.name, self.id, ' finished' if self._finished else '')


def _current_island(function):
    island = Isle.LocalSet.get_current()
    if island is None:
        raise RuntimeError('%s: no island is running or entered on this '
                           'thread; use island.spawn(coro) or '
                           'island.run_until(coro)' % function)
    return island


def spawn(coro, name=None, priority=GLib.PRIORITY_DEFAULT):
    """Spawns the coroutine ``coro`` as a task on the island being driven
    (or entered) on this thread (``isle_spawn_local()`` for coroutines);
    returns its :class:`CoroutineTask`."""
    return CoroutineTask(_current_island('Isle.spawn'), coro, name, priority)


__all__ += ['CoroutineTask', 'spawn']


def _fiber_only(what, instead):
    def refuse(*args, **kwargs):
        raise FiberOnlyError(
            '%s runs or suspends a fiber task, and Python code cannot run on a '
            'fiber stack; %s' % (what, instead))
    refuse.__name__ = what.rsplit('.', 1)[-1]
    refuse.__doc__ = 'Not for Python: %s' % instead
    return refuse


_USE_SPAWN = 'write an async def and use Isle.spawn(coro) or island.spawn(coro)'
_USE_AWAIT = 'inside an async def task, await %s instead'

spawn_local = _fiber_only('Isle.spawn_local', _USE_SPAWN)
spawn_local_full = _fiber_only('Isle.spawn_local_full', _USE_SPAWN)
spawn_local_for_object = _fiber_only('Isle.spawn_local_for_object', _USE_SPAWN)
spawn_local_for_object_full = _fiber_only('Isle.spawn_local_for_object_full', _USE_SPAWN)
await_ = _fiber_only('Isle.await_', _USE_AWAIT % 'the future itself (await future)')
park = _fiber_only('Isle.park', _USE_AWAIT % 'an Isle awaitable')
test_run = _fiber_only('Isle.test_run', 'use island.run_until(coro)')

__all__ += ['spawn_local', 'spawn_local_full', 'spawn_local_for_object',
            'spawn_local_for_object_full', 'await_', 'park', 'test_run']


@override
class LocalSet(Isle.LocalSet):
    """An island; see the C ``IsleLocalSet``. ``spawn`` and ``run_until``
    take coroutines."""

    def spawn(self, coro, name=None, priority=GLib.PRIORITY_DEFAULT):
        """Spawns the coroutine ``coro`` as a task on this island; returns
        its :class:`CoroutineTask`. The task starts when the island next runs."""
        return CoroutineTask(self, coro, name, priority)

    def run_until(self, coro, timeout_msec=-1):
        """Runs the island's context until the coroutine ``coro`` (the root
        task) finishes; returns its result or raises its exception
        (``isle_local_set_run_until()`` for coroutines). With
        ``timeout_msec`` (for tests), aborts the root and raises
        :class:`TimeoutError` when it has not finished by then."""
        if not hasattr(coro, 'send'):
            raise FiberOnlyError(
                'LocalSet.run_until: expected a coroutine (call your async def); '
                'a plain function would run on a fiber stack, which Python code '
                'cannot do')
        if Isle.task_get_current() is not None:
            raise RuntimeError('LocalSet.run_until called from inside a task; '
                               'await the coroutine (or Isle.spawn it) instead')
        context = self.get_context()
        deadline = None
        if timeout_msec is not None and timeout_msec >= 0:
            deadline = GLib.get_monotonic_time() + timeout_msec * 1000
        self.enter()
        try:
            # The root's exception is raised here, so Isle does not report
            # it as unobserved.
            root = CoroutineTask(self, coro, report=False)
            while not root.handle.is_finished():
                if deadline is not None:
                    if GLib.get_monotonic_time() >= deadline:
                        root.abort()
                        raise TimeoutError('LocalSet.run_until: the root task '
                                           '“%s” did not finish in %d ms'
                                           % (root.name, timeout_msec))
                    source = GLib.timeout_source_new(
                        max(1, (deadline - GLib.get_monotonic_time()) // 1000))
                    source.set_callback(lambda *a: False)
                    source.attach(context)
                    context.iteration(True)
                    source.destroy()
                else:
                    context.iteration(True)
        finally:
            self.leave()
        return root.result()

    spawn_local = _fiber_only('LocalSet.spawn_local', 'use island.spawn(coro)')
    spawn_local_full = _fiber_only('LocalSet.spawn_local_full', 'use island.spawn(coro, name=...)')
    run_until_deadline = _fiber_only('LocalSet.run_until_deadline',
                                     'use island.run_until(coro, timeout_msec=...)')


__all__ += ['LocalSet']


@override
class JoinHandle(Isle.JoinHandle):
    """A task's handle; ``await handle`` joins it from a coroutine."""

    def __await__(self):
        return (yield _JoinLeaf(self))

    join = _fiber_only('JoinHandle.join', _USE_AWAIT % 'the handle (await handle)')


@override
class Future(Isle.Future):
    """A one-shot result; ``await future`` from a coroutine."""

    def __await__(self):
        return (yield _FutureLeaf(self))


__all__ += ['JoinHandle', 'Future']


# JoinSet and Interval are plain structs without a GType, which @override
# does not take: their fiber-only methods are replaced in place.
Isle.JoinSet.spawn = _fiber_only('JoinSet.spawn', _USE_SPAWN + ' (keep the Tasks in a list)')
Isle.JoinSet.spawn_full = _fiber_only('JoinSet.spawn_full', _USE_SPAWN)
Isle.JoinSet.join_next = _fiber_only('JoinSet.join_next', _USE_AWAIT % 'each Task')
Isle.JoinSet.shutdown = _fiber_only('JoinSet.shutdown', 'abort each Task and await it')
Isle.Interval.tick = _fiber_only('Interval.tick', _USE_AWAIT % 'Isle.sleep_msec(ms) in a loop')


class _NotifyLeaf:
    __slots__ = ('_notify',)

    def __init__(self, notify):
        self._notify = notify

    def _isle_poll(self, task):
        # isle_notify_poll_wait() keeps the task's place in line between
        # polls, and takes it back if the task is aborted meanwhile.
        if self._notify.poll_wait(task._waker) == _PENDING:
            return _PENDING
        return None

    def __await__(self):
        return (yield self)


@override
class Notify(Isle.Notify):
    """Tokio's ``Notify``; ``await notify.wait()`` from a coroutine."""

    def wait(self):
        """Returns an awaitable for a notification
        (``isle_notify_poll_wait()`` for coroutines): it finishes at once
        if a permit is stored (taking it), or else when
        ``notify_one()`` chooses this task or ``notify_waiters()`` is
        called. Aborting the task while it waits raises
        :class:`CancelledError` and takes it out of the line; a
        notification ``notify_one()`` had handed it passes on."""
        return _NotifyLeaf(self)


__all__ += ['Notify']


# Channels and oneshots carry Python objects as PyObject GValues through
# the C API's _value forms (isle_channel_new_for_values()): the same object
# comes out that went in, whatever its type.

def _boxed(obj):
    return GObject.Value(GObject.TYPE_PYOBJECT, obj)


class _ChannelRecvLeaf:
    __slots__ = ('_channel', '_ends_iteration')

    def __init__(self, channel, ends_iteration=False):
        self._channel = channel
        self._ends_iteration = ends_iteration

    def _isle_poll(self, task):
        # Wait for an item (isle_channel_poll_recv_ready()), then take it:
        # a poll form cannot hand PyGObject an out value while pending.
        try:
            if self._channel.poll_recv_ready(task._waker) == _PENDING:
                return _PENDING
            return self._channel.try_recv_value()[1]
        except GLib.Error as error:
            exception = _error_to_exception(error)
        if self._ends_iteration and isinstance(exception, ClosedError):
            raise StopAsyncIteration
        raise exception

    def __await__(self):
        return (yield self)


class _ChannelSendLeaf:
    __slots__ = ('_sender', '_value')

    def __init__(self, sender, value):
        self._sender = sender
        self._value = value

    def _isle_poll(self, task):
        # isle_channel_sender_poll_send_value() keeps the task's place in
        # line for room between polls; an abort takes it out of the line.
        try:
            if self._sender.poll_send_value(task._waker, self._value) == _PENDING:
                return _PENDING
        except GLib.Error as error:
            raise _error_to_exception(error) from None
        return None

    def __await__(self):
        return (yield self)


@override
class Channel(Isle.Channel):
    """Tokio's ``mpsc`` channel for Python objects: senders on any thread,
    one receiving coroutine on the island's thread.

    ::

        channel, sender = Isle.Channel.new(capacity=16)
        worker = threading.Thread(target=produce, args=(sender,))
        del sender                 # the channel closes when its senders go
        async for item in channel:
            ...

    ``Channel.new(capacity)`` (0: unbounded) returns the receiving end and
    its first sender; the thread that calls it is the receiver's. The
    channel closes when every reference to every sender is gone, or when
    the receiver calls ``close()``."""

    @staticmethod
    def new(capacity=0):
        """Returns ``(channel, sender)``: a channel of Python objects with
        room for ``capacity`` items (0: unbounded) and its first sender
        (``isle_channel_new_for_values()``)."""
        return Isle.Channel.new_for_values(capacity)

    def receive(self):
        """Returns an awaitable for the next item (``isle_channel_recv()``
        for coroutines). It raises :class:`ClosedError` once the channel is
        closed and every item sent before has been received, and
        :class:`CancelledError` if the task is aborted while it waits (the
        items stay queued)."""
        return _ChannelRecvLeaf(self)

    def try_recv(self):
        """Takes the next item without waiting; raises
        :class:`BlockingIOError` if the channel is empty, or
        :class:`ClosedError` if it is closed and empty."""
        try:
            return self.try_recv_value()[1]
        except GLib.Error as error:
            raise _error_to_exception(error) from None

    def __aiter__(self):
        return self

    def __anext__(self):
        return _ChannelRecvLeaf(self, ends_iteration=True)

    recv = _fiber_only('Channel.recv', _USE_AWAIT % 'channel.receive() (or async for '
                       'item in channel)')


@override
class ChannelSender(Isle.ChannelSender):
    """A channel's sending end: share it with any number of threads and
    tasks. ``await sender.send(obj)`` in a coroutine,
    ``sender.send_blocking(obj)`` on a plain thread, ``sender.try_send(obj)``
    anywhere."""

    def send(self, obj):
        """Returns an awaitable that sends ``obj``, waiting for room in a
        full bounded channel (``isle_channel_sender_send()`` for
        coroutines). It raises :class:`ClosedError` if the channel is
        closed, and :class:`CancelledError` if the task is aborted while it
        waits (``obj`` is then not sent, and room handed to the task passes
        on to the next sender). On a thread without an island use
        :meth:`send_blocking`."""
        if Isle.LocalSet.get_current() is None:
            raise RuntimeError('ChannelSender.send returns an awaitable for a '
                               'coroutine task, and no island runs on this thread; '
                               'on a worker thread call sender.send_blocking(obj)')
        return _ChannelSendLeaf(self, _boxed(obj))

    def send_blocking(self, obj):
        """Sends ``obj`` from a plain thread (a ``threading.Thread``): waits,
        with the GIL released, while a bounded channel is full. Raises
        :class:`ClosedError` if the channel is closed. Not for the
        receiver's thread, which would wait for itself: a coroutine there
        awaits :meth:`send`."""
        try:
            self.send_value(_boxed(obj))
        except GLib.Error as error:
            raise _error_to_exception(error) from None

    def try_send(self, obj):
        """Sends ``obj`` if the channel has room, without waiting, on any
        thread; raises :class:`BlockingIOError` if it is full, or
        :class:`ClosedError` if it is closed."""
        try:
            self.try_send_value(_boxed(obj))
        except GLib.Error as error:
            raise _error_to_exception(error) from None


class _OneshotLeaf:
    __slots__ = ('_oneshot',)

    def __init__(self, oneshot):
        self._oneshot = oneshot

    def _isle_poll(self, task):
        try:
            if self._oneshot.poll_recv_ready(task._waker) == _PENDING:
                return _PENDING
            return self._oneshot.try_recv_value()[1]
        except GLib.Error as error:
            raise _error_to_exception(error) from None

    def __await__(self):
        return (yield self)


@override
class Oneshot(Isle.Oneshot):
    """One Python object, sent once from any thread to a coroutine:
    ``value = await oneshot``.

    ::

        reply = Isle.Oneshot.new()
        threading.Thread(target=lambda s: s.send(compute()),
                         args=(reply.ref_sender(),)).start()
        value = await reply

    Awaiting raises :class:`ClosedError` if every sender went without
    sending, and :class:`CancelledError` if the task is aborted while it
    waits."""

    @staticmethod
    def new():
        """Returns a oneshot for a Python object
        (``isle_oneshot_new_for_value()``); the calling thread is the
        receiver's. ``ref_sender()`` makes its sender."""
        return Isle.Oneshot.new_for_value()

    def __await__(self):
        return (yield _OneshotLeaf(self))

    def try_recv(self):
        """Takes the value if it has been sent; raises
        :class:`BlockingIOError` if not yet, or :class:`ClosedError` if it
        never will be (or was received already)."""
        try:
            return self.try_recv_value()[1]
        except GLib.Error as error:
            raise _error_to_exception(error) from None

    recv = _fiber_only('Oneshot.recv', _USE_AWAIT % 'the oneshot (await oneshot)')


@override
class OneshotSender(Isle.OneshotSender):
    """A oneshot's sending end; ``send(obj)`` on any thread."""

    def send(self, obj):
        """Sends ``obj`` (never waits, any thread); raises
        :class:`ClosedError` if the receiving end is gone, so that nobody
        will receive it, as a channel's send does when it is closed."""
        try:
            self.send_value(_boxed(obj))
        except GLib.Error as error:
            raise _error_to_exception(error) from None


__all__ += ['Channel', 'ChannelSender', 'Oneshot', 'OneshotSender']
