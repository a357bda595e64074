/* isle-future.h: one-shot results that tasks await
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_FUTURE  (isle_future_get_type ())
#define ISLE_TYPE_PROMISE (isle_promise_get_type ())

typedef struct _IslePromise IslePromise;

/**
 * IsleFutureCallback:
 * @future: the future, now ready
 * @user_data: the data given to [method@Isle.Future.then]
 *
 * Called once a future is ready, on the thread whose context the callback
 * was chained on. Read the outcome with [method@Isle.Future.get_value].
 *
 * Since: 0.1
 */
typedef void (*IsleFutureCallback) (IsleFuture *future,
                                    gpointer    user_data);

ISLE_AVAILABLE_IN_ALL
GType        isle_future_get_type         (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_future_new_for_value    (gpointer             value,
                                           GDestroyNotify       value_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_future_new_for_error    (GError              *error) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_future_ref              (IsleFuture          *self);
ISLE_AVAILABLE_IN_ALL
void         isle_future_unref            (IsleFuture          *self);
ISLE_AVAILABLE_IN_ALL
gboolean     isle_future_is_finished      (IsleFuture          *self);
ISLE_AVAILABLE_IN_ALL
gpointer     isle_future_get_value        (IsleFuture          *self,
                                           GError             **error);
ISLE_AVAILABLE_IN_ALL
void         isle_future_cancel           (IsleFuture          *self);
ISLE_AVAILABLE_IN_ALL
void         isle_future_then             (IsleFuture          *self,
                                           IsleFutureCallback   callback,
                                           gpointer             user_data,
                                           GDestroyNotify       user_data_destroy);
ISLE_AVAILABLE_IN_ALL
IslePoll     isle_future_poll             (IsleFuture          *self,
                                           IsleWaker           *waker,
                                           gpointer            *value,
                                           GError             **error);
ISLE_AVAILABLE_IN_ALL
gpointer     isle_await                   (IsleFuture          *future,
                                           GError             **error);
ISLE_AVAILABLE_IN_ALL
gpointer     isle_future_wait             (IsleFuture          *self,
                                           GCancellable        *cancellable,
                                           GError             **error);

ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_future_all              (IsleFuture * const  *futures,
                                           guint                n_futures) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_future_any              (IsleFuture * const  *futures,
                                           guint                n_futures) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_future_race             (IsleFuture * const  *futures,
                                           guint                n_futures) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
GType        isle_promise_get_type        (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IslePromise *isle_promise_new             (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IslePromise *isle_promise_ref             (IslePromise         *self);
ISLE_AVAILABLE_IN_ALL
void         isle_promise_unref           (IslePromise         *self);
ISLE_AVAILABLE_IN_ALL
IsleFuture  *isle_promise_get_future      (IslePromise         *self);
ISLE_AVAILABLE_IN_ALL
void         isle_promise_resolve         (IslePromise         *self,
                                           gpointer             value,
                                           GDestroyNotify       value_destroy);
ISLE_AVAILABLE_IN_ALL
void         isle_promise_reject          (IslePromise         *self,
                                           GError              *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleFuture, isle_future_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IslePromise, isle_promise_unref)

G_END_DECLS
