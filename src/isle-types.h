/* isle-types.h: the types every Isle header shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include <gio/gio.h>

#include "isle-version-macros.h"

G_BEGIN_DECLS

typedef struct _IsleLocalSet   IsleLocalSet;
typedef struct _IsleTask       IsleTask;
typedef struct _IsleJoinHandle IsleJoinHandle;
typedef struct _IsleWaker      IsleWaker;
typedef struct _IsleFuture     IsleFuture;

#define ISLE_TYPE_POLL  (isle_poll_get_type ())
#define ISLE_TYPE_ERROR (isle_error_get_type ())

/**
 * ISLE_ERROR:
 *
 * The error domain of Isle's own failures: a rule of Isle's that a call
 * broke, or a state that only Isle has. Errors in it use the
 * [enum@Isle.Error] codes. Where GIO's meaning applies, Isle uses GIO's
 * codes instead: %G_IO_ERROR_CANCELLED for an aborted task or a cancelled
 * future, %G_IO_ERROR_TIMED_OUT for a deadline, %G_IO_ERROR_CLOSED for a
 * closed channel or a dropped promise (docs/api-conventions.md has the
 * whole rule).
 *
 * Since: 0.2
 */
#define ISLE_ERROR (isle_error_quark ())

/**
 * IsleError:
 * @ISLE_ERROR_NOT_IN_FIBER: a call that suspends a fiber task was made
 *   outside one: in plain code, or in a poll task's poll function
 * @ISLE_ERROR_FIBER_REFUSED: a fiber task's body is a function of a
 *   language binding (Python, JavaScript), which cannot run on a fiber
 *   stack; the task failed without running it
 * @ISLE_ERROR_NO_FIBER_STACK: the kernel refused a fiber task its stack
 *   (the process is near its limit of memory mappings, or out of memory);
 *   the task failed without running
 * @ISLE_ERROR_NESTED_LOOP: a task was to suspend while it runs a main loop
 *   nested inside itself, as a modal dialog does
 * @ISLE_ERROR_WOULD_DEADLOCK: the call would wait where what it waits for
 *   may need the waiter itself: a task joining itself, a blocking wait on
 *   an island's thread ([method@Isle.Future.wait] inside a task, a
 *   blocking send to a full channel in a poll function or on the
 *   channel's receiving thread), a local pool shut down from one of its
 *   own threads
 * @ISLE_ERROR_BUSY: something that has one user at a time has one already:
 *   another task joins the task, collects the join set, receives from the
 *   channel or oneshot, or ticks the interval; or the island is driven
 *   already (it was run from inside one of its own tasks)
 * @ISLE_ERROR_ALREADY_JOINED: the task was joined already, and its result
 *   went to the first join
 * @ISLE_ERROR_ALREADY_SENT: the oneshot's value was sent already
 * @ISLE_ERROR_PENDING: the future is not ready yet
 * @ISLE_ERROR_NO_ISLAND: a GTask's context has no island, and it is not
 *   the calling thread's thread-default context, so nobody is known to
 *   run the task
 * @ISLE_ERROR_UNHANDLED_FAILURE: the island was shut down because a task
 *   failed and nobody observed it, as %ISLE_UNHANDLED_FAILURE_SHUTDOWN
 *   asks
 *
 * The codes of %ISLE_ERROR. Most of them report a misuse, which Isle also
 * reports with a critical that says what to do instead (docs/misuse.md);
 * %ISLE_ERROR_NO_FIBER_STACK and %ISLE_ERROR_UNHANDLED_FAILURE are
 * failures that a correct program can meet.
 *
 * Since: 0.2
 */
typedef enum
{
  ISLE_ERROR_NOT_IN_FIBER,
  ISLE_ERROR_FIBER_REFUSED,
  ISLE_ERROR_NO_FIBER_STACK,
  ISLE_ERROR_NESTED_LOOP,
  ISLE_ERROR_WOULD_DEADLOCK,
  ISLE_ERROR_BUSY,
  ISLE_ERROR_ALREADY_JOINED,
  ISLE_ERROR_ALREADY_SENT,
  ISLE_ERROR_PENDING,
  ISLE_ERROR_NO_ISLAND,
  ISLE_ERROR_UNHANDLED_FAILURE,
} IsleError;

/**
 * IslePoll:
 * @ISLE_POLL_PENDING: the task cannot make progress yet; it has arranged
 *   for its waker to be woken when it can
 * @ISLE_POLL_READY: the task has finished, with a result or an error
 *
 * What a poll function reports each time it is polled.
 *
 * Since: 0.1
 */
typedef enum
{
  ISLE_POLL_PENDING,
  ISLE_POLL_READY,
} IslePoll;

/**
 * IsleTaskFunc:
 * @user_data: the data given at spawn
 * @error: return location for the task's error
 *
 * The body of a fiber task. It runs on a stack of its own and may suspend
 * anywhere with [func@Isle.yield_now], [func@Isle.park] or
 * [method@Isle.JoinHandle.join]; its local variables survive every suspension.
 *
 * Returns: (transfer full) (nullable): the task's result, released with the
 *   result destroy notify given at spawn if nobody takes it; or %NULL with
 *   @error set when the task fails
 *
 * Since: 0.1
 */
typedef gpointer (*IsleTaskFunc) (gpointer   user_data,
                                  GError   **error);

/**
 * IslePollFunc:
 * @state: the task's state, as given at spawn
 * @waker: (transfer none): the task's waker; take a reference with
 *   [method@Isle.Waker.ref] to keep it past this call
 * @result: (out) (transfer none) (nullable): where to store the result when
 *   returning %ISLE_POLL_READY; the task owns it from then on (the
 *   spawn's `result_destroy` releases it). Marked `transfer none` for
 *   language bindings, whose poll functions leave it %NULL: a `gpointer`
 *   carries no value of theirs.
 * @error: return location for the task's error when returning
 *   %ISLE_POLL_READY
 *
 * The body of a poll task: a step function over a state struct. It is called
 * on the island's thread each time the task is woken, and must not block.
 * Returning %ISLE_POLL_PENDING means it has registered @waker with whatever
 * it waits for (or woken it itself, to yield); it is polled again after
 * the waker is woken.
 *
 * Returns: %ISLE_POLL_READY when the task has finished, %ISLE_POLL_PENDING
 *   otherwise
 *
 * Since: 0.1
 */
typedef IslePoll (*IslePollFunc) (gpointer    state,
                                  IsleWaker  *waker,
                                  gpointer   *result,
                                  GError    **error);

/**
 * ISLE_STACK_SIZE_DEFAULT:
 *
 * The stack size of a fiber task when neither the task nor its island asks
 * for another: 256 KiB of address space, of which only the pages the task
 * touches take memory. GTK and Pango calls have needed more than 64 KiB.
 *
 * Since: 0.1
 */
#define ISLE_STACK_SIZE_DEFAULT (256 * 1024)

ISLE_AVAILABLE_IN_ALL
GType  isle_poll_get_type  (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GType  isle_error_get_type (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GQuark isle_error_quark    (void);

G_END_DECLS
