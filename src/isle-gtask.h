/* isle-gtask.h: tasks that are GIO asynchronous operations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include <gio/gio.h>

#include "isle-future.h"
#include "isle-types.h"

G_BEGIN_DECLS

/**
 * IsleTaskBooleanFunc:
 * @user_data: the data given to `isle_task_run_for_gtask_boolean()`
 * @error: return location for the operation's error
 *
 * The body of a fiber task whose outcome is a boolean, for a `_finish`
 * function that calls g_task_propagate_boolean(). It may suspend anywhere,
 * as an [callback@Isle.TaskFunc] may.
 *
 * Returns: the operation's result; %FALSE with @error set when it fails
 *
 * Since: 0.2
 */
typedef gboolean (*IsleTaskBooleanFunc) (gpointer   user_data,
                                         GError   **error);

/**
 * IsleTaskIntFunc:
 * @user_data: the data given to `isle_task_run_for_gtask_int()`
 * @error: return location for the operation's error
 *
 * The body of a fiber task whose outcome is a number, for a `_finish`
 * function that calls g_task_propagate_int(). It may suspend anywhere, as
 * an [callback@Isle.TaskFunc] may.
 *
 * Returns: the operation's result, or anything (-1 by convention) with
 *   @error set when it fails
 *
 * Since: 0.2
 */
typedef gssize (*IsleTaskIntFunc) (gpointer   user_data,
                                   GError   **error);

ISLE_AVAILABLE_IN_ALL
void  isle_task_run_for_gtask           (GTask               *task,
                                         IsleTaskFunc         func,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy,
                                         GDestroyNotify       result_destroy);
ISLE_AVAILABLE_IN_ALL
void  isle_task_run_for_gtask_boolean   (GTask               *task,
                                         IsleTaskBooleanFunc  func,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy);
ISLE_AVAILABLE_IN_ALL
void  isle_task_run_for_gtask_int       (GTask               *task,
                                         IsleTaskIntFunc      func,
                                         gpointer             user_data,
                                         GDestroyNotify       user_data_destroy);

ISLE_AVAILABLE_IN_ALL
void  isle_join_handle_link_cancellable (IsleJoinHandle      *self,
                                         GCancellable        *cancellable);

ISLE_AVAILABLE_IN_ALL
void  isle_future_to_gtask              (IsleFuture          *self,
                                         gpointer             source_object,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);

G_END_DECLS
