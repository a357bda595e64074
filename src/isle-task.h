/* isle-task.h: spawning and the running task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local           (IsleTaskFunc     func,
                                            gpointer         user_data,
                                            GDestroyNotify   user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_full      (const char      *name,
                                            int              priority,
                                            gsize            stack_size,
                                            IsleTaskFunc     func,
                                            gpointer         user_data,
                                            GDestroyNotify   user_data_destroy,
                                            GDestroyNotify   result_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_poll      (IslePollFunc     poll,
                                            gpointer         state,
                                            GDestroyNotify   state_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_spawn_local_poll_full (const char      *name,
                                            int              priority,
                                            IslePollFunc     poll,
                                            gpointer         state,
                                            GDestroyNotify   state_destroy,
                                            GDestroyNotify   result_destroy) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
gboolean        isle_yield_now             (GError         **error);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_park                  (GError         **error);

ISLE_AVAILABLE_IN_ALL
IsleTask       *isle_task_get_current      (void);
ISLE_AVAILABLE_IN_ALL
guint64         isle_task_get_id           (IsleTask        *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_get_name         (IsleTask        *self);
ISLE_AVAILABLE_IN_ALL
int             isle_task_get_priority     (IsleTask        *self);
ISLE_AVAILABLE_IN_ALL
IsleLocalSet   *isle_task_get_local_set    (IsleTask        *self);
ISLE_AVAILABLE_IN_ALL
GCancellable   *isle_task_get_cancellable  (IsleTask        *self);
ISLE_AVAILABLE_IN_ALL
GCancellable   *isle_current_cancellable   (void);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_task_is_aborted       (IsleTask        *self);
ISLE_AVAILABLE_IN_ALL
IsleWaker      *isle_task_ref_waker        (IsleTask        *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
