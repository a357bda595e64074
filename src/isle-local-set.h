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

#define ISLE_TYPE_LOCAL_SET (isle_local_set_get_type ())

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
