/* isle-local-set.h: an island of local tasks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_LOCAL_SET         (isle_local_set_get_type ())
#define ISLE_TYPE_UNHANDLED_FAILURE (isle_unhandled_failure_get_type ())
#define ISLE_TYPE_DEBUG_FLAGS       (isle_debug_flags_get_type ())

/**
 * IsleUnhandledFailure:
 * @ISLE_UNHANDLED_FAILURE_REPORT: log a warning that names the task, where
 *   it was spawned when known, and its error (the default)
 * @ISLE_UNHANDLED_FAILURE_IGNORE: say nothing
 * @ISLE_UNHANDLED_FAILURE_SHUTDOWN: report it, then stop the island: every
 *   task is aborted, and [method@Isle.LocalSet.run_until] and
 *   [method@Isle.LocalSet.run] return the failure as
 *   %ISLE_ERROR_UNHANDLED_FAILURE (Tokio's
 *   `UnhandledPanic::ShutdownRuntime`)
 *
 * What an island does when a task fails and nobody will see its error: the
 * task was detached (its last handle dropped before it finished), or its
 * handle was dropped after it failed without being joined. Cancellation is
 * not a failure.
 *
 * Since: 0.1
 */
typedef enum
{
  ISLE_UNHANDLED_FAILURE_REPORT,
  ISLE_UNHANDLED_FAILURE_IGNORE,
  ISLE_UNHANDLED_FAILURE_SHUTDOWN,
} IsleUnhandledFailure;

/**
 * IsleDebugFlags:
 * @ISLE_DEBUG_TASKS: record for each task when it was spawned, how many
 *   turns it had and how long they took, for
 *   [method@Isle.LocalSet.dump_tasks]; dump the island's tasks to standard
 *   error on `SIGUSR1`
 * @ISLE_DEBUG_SLOW_POLLS: time every turn of every task and report, once
 *   per task, a turn that kept the island's thread longer than the slow
 *   poll threshold ([method@Isle.LocalSet.set_slow_poll_threshold_msec])
 *
 * Diagnostics an island can keep. They cost time on every turn, so they
 * are off by default; the `ISLE_DEBUG` environment variable (a
 * comma-separated list: `tasks`, `slow-polls`, `all`, `help`) turns them on
 * for every island, as `G_DEBUG` does for GLib, and
 * [method@Isle.LocalSet.set_debug_flags] for one.
 *
 * Since: 0.1
 */
typedef enum
{
  ISLE_DEBUG_TASKS      = 1 << 0,
  ISLE_DEBUG_SLOW_POLLS = 1 << 1,
} IsleDebugFlags;

/**
 * IsleLocalSetCounters:
 * @tasks_spawned: tasks spawned on the island
 * @tasks_finished: tasks that finished, whether they returned, failed or
 *   were aborted
 * @tasks_aborted: tasks that finished because they were aborted
 * @tasks_live: tasks spawned and not finished
 * @polls: turns tasks were given: a fiber resumed, a poll function called
 * @wakes_local: wakes on the island's thread that scheduled a parked task
 * @wakes_remote: wakes from other threads that reached the island
 * @run_queue_high_water: the most tasks ever ready at once at one priority
 *
 * What an island has done so far; see [method@Isle.LocalSet.get_counters].
 *
 * Since: 0.1
 */
typedef struct
{
  guint64 tasks_spawned;
  guint64 tasks_finished;
  guint64 tasks_aborted;
  guint64 tasks_live;
  guint64 polls;
  guint64 wakes_local;
  guint64 wakes_remote;
  guint64 run_queue_high_water;
  /*< private >*/
  guint64 padding[8];
} IsleLocalSetCounters;

ISLE_AVAILABLE_IN_ALL
GType isle_unhandled_failure_get_type (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GType isle_debug_flags_get_type       (void) G_GNUC_CONST;

ISLE_AVAILABLE_IN_ALL
GType           isle_local_set_get_type               (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_local_set_new                    (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_local_set_new_for_context        (GMainContext    *context) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_local_set_ref_for_context        (GMainContext    *context) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_local_set_ref_thread_default     (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_local_set_ref                    (IsleLocalSet    *self);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_unref                  (IsleLocalSet    *self);
ISLE_AVAILABLE_IN_ALL
GMainContext   *isle_local_set_get_context            (IsleLocalSet    *self);
ISLE_AVAILABLE_IN_ALL
guint           isle_local_set_get_n_tasks            (IsleLocalSet    *self);
ISLE_AVAILABLE_IN_ALL
gsize           isle_local_set_get_default_stack_size (IsleLocalSet    *self);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_set_default_stack_size (IsleLocalSet    *self,
                                                       gsize            stack_size);

ISLE_AVAILABLE_IN_ALL
IsleUnhandledFailure isle_local_set_get_unhandled_failure (IsleLocalSet *self);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_set_unhandled_failure  (IsleLocalSet         *self,
                                                       IsleUnhandledFailure  policy);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_get_counters           (IsleLocalSet         *self,
                                                       IsleLocalSetCounters *counters);

ISLE_AVAILABLE_IN_ALL
IsleDebugFlags  isle_local_set_get_debug_flags        (IsleLocalSet         *self);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_set_debug_flags        (IsleLocalSet         *self,
                                                       IsleDebugFlags        flags);
ISLE_AVAILABLE_IN_ALL
guint           isle_local_set_get_slow_poll_threshold_msec (IsleLocalSet        *self);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_set_slow_poll_threshold_msec (IsleLocalSet        *self,
                                                             guint                threshold_msec);
ISLE_AVAILABLE_IN_ALL
char           *isle_local_set_dump_tasks             (IsleLocalSet         *self) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_local_set_get_current            (void);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_enter                  (IsleLocalSet    *self);
ISLE_AVAILABLE_IN_ALL
void            isle_local_set_leave                  (IsleLocalSet    *self);

ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_local_set_spawn_local            (IsleLocalSet    *self,
                                                       IsleTaskFunc     func,
                                                       gpointer         user_data,
                                                       GDestroyNotify   user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_local_set_spawn_local_full       (IsleLocalSet    *self,
                                                       const char      *name,
                                                       int              priority,
                                                       gsize            stack_size,
                                                       IsleTaskFunc     func,
                                                       gpointer         user_data,
                                                       GDestroyNotify   user_data_destroy,
                                                       GDestroyNotify   result_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_local_set_spawn_local_poll       (IsleLocalSet    *self,
                                                       IslePollFunc     poll,
                                                       gpointer         state,
                                                       GDestroyNotify   state_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_local_set_spawn_local_poll_full  (IsleLocalSet    *self,
                                                       const char      *name,
                                                       int              priority,
                                                       IslePollFunc     poll,
                                                       gpointer         state,
                                                       GDestroyNotify   state_destroy,
                                                       GDestroyNotify   result_destroy) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
gpointer        isle_local_set_run_until              (IsleLocalSet    *self,
                                                       IsleTaskFunc     func,
                                                       gpointer         user_data,
                                                       GError         **error);
ISLE_AVAILABLE_IN_ALL
gpointer        isle_local_set_run_until_deadline     (IsleLocalSet    *self,
                                                       gint64           deadline,
                                                       IsleTaskFunc     func,
                                                       gpointer         user_data,
                                                       GDestroyNotify   user_data_destroy,
                                                       GDestroyNotify   result_destroy,
                                                       GError         **error);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_local_set_run                    (IsleLocalSet    *self,
                                                       GError         **error);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_local_set_run_deadline           (IsleLocalSet    *self,
                                                       gint64           deadline,
                                                       GError         **error);

/**
 * IsleLocalSetEnterGuard:
 *
 * Opaque type for the scoped form of [method@Isle.LocalSet.enter]: declare it
 * with `g_autoptr` and the island is left when the variable goes out of scope.
 *
 * |[<!-- language="C" -->
 * static void
 * on_clicked (GtkButton *button, gpointer user_data)
 * {
 *   g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);
 *   g_autoptr(IsleJoinHandle) handle = isle_spawn_local (refresh, button, NULL);
 * }
 * ]|
 *
 * Since: 0.1
 */
typedef void IsleLocalSetEnterGuard;

/**
 * isle_local_set_enter_scoped:
 * @self: an island
 *
 * Enters @self like [method@Isle.LocalSet.enter] and returns a guard that
 * leaves it when freed; meant for `g_autoptr(IsleLocalSetEnterGuard)`.
 *
 * Call it on the island's thread.
 *
 * Returns: (transfer full): the guard
 *
 * Since: 0.1
 */
G_GNUC_WARN_UNUSED_RESULT
static inline IsleLocalSetEnterGuard *
isle_local_set_enter_scoped (IsleLocalSet *self)
{
  isle_local_set_enter (self);
  return (IsleLocalSetEnterGuard *) self;
}

/**
 * isle_local_set_enter_guard_free:
 * @self: (transfer full): a guard from isle_local_set_enter_scoped()
 *
 * Leaves the island the guard entered.
 *
 * Call it on the thread that took the guard.
 *
 * Since: 0.1
 */
static inline void
isle_local_set_enter_guard_free (IsleLocalSetEnterGuard *self)
{
  isle_local_set_leave ((IsleLocalSet *) self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleLocalSet, isle_local_set_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleLocalSetEnterGuard, isle_local_set_enter_guard_free)

G_END_DECLS
