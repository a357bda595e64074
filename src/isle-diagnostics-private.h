/* isle-diagnostics-private.h: what a parked task waits for, and the walk
 * over an island's tasks that dumps and task lists share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-future-private.h"
#include "isle-types.h"

G_BEGIN_DECLS

/* What a task waits for, told to dumps without costing the wait anything:
 * a primitive that parks stores a static class and the object it waits on
 * (see _isle_task_park_on()); the class turns them into words only when a
 * dump or a task list asks, on the island's thread. @describe appends a
 * noun phrase ("a sleep, 40 ms left", "join of task 7") to @out; it must
 * not block, park or change anything. */
typedef struct
{
  const char *kind;                         /* a short name: "future", "join", ... */
  void      (*describe) (gconstpointer  object,
                         GString       *out);
} IsleWaitClass;

/* Lives on the parked fiber's own stack, in the frame of the call that
 * parks, for exactly as long as it is parked. */
typedef struct
{
  const IsleWaitClass *klass;
  gconstpointer        object;
} IsleWait;

/* Waits whose class lives with the diagnostics. */
extern const IsleWaitClass _isle_wait_text;    /* object: a static string */
extern const IsleWaitClass _isle_wait_park;    /* object: isle_park()'s caller */
extern const IsleWaitClass _isle_wait_join;    /* object: the IsleTask joined */
extern const IsleWaitClass _isle_wait_future;  /* object: the IsleFuture awaited */

/* What made a future, for "awaiting a future" to say which: set once,
 * before the future is shared, by whoever makes it; read by dumps.
 * @describe appends a noun phrase for @future to @out, with @data and
 * @value as the maker stored them, and may describe the future's
 * children (combinators) one @depth further down. */
struct _IsleFutureOrigin
{
  const char *kind;
  void      (*describe) (IsleFuture    *future,
                         gconstpointer  data,
                         gint64         value,
                         guint          depth,
                         GString       *out);
};

extern const IsleFutureOrigin _isle_origin_promise;   /* a promise nobody described */
extern const IsleFutureOrigin _isle_origin_sleep;     /* value: the deadline */
extern const IsleFutureOrigin _isle_origin_timer;     /* value: the deadline of a timeout */
extern const IsleFutureOrigin _isle_origin_timeout;   /* a race of a future and its timer */
extern const IsleFutureOrigin _isle_origin_all;       /* children */
extern const IsleFutureOrigin _isle_origin_any;
extern const IsleFutureOrigin _isle_origin_race;
extern const IsleFutureOrigin _isle_origin_gio;       /* data: the code that made it */
extern const IsleFutureOrigin _isle_origin_signal;    /* data: the signal id */
extern const IsleFutureOrigin _isle_origin_blocking;  /* data: the job's function */
extern const IsleFutureOrigin _isle_origin_join;      /* value: the task id */

/* Appends what @future is to @out: its origin's words, or "a future". */
void _isle_diagnostics_describe_future (IsleFuture *future,
                                        GString    *out);

G_END_DECLS
