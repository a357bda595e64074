/* isle-join-handle.h: the handle to a spawned task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_JOIN_HANDLE (isle_join_handle_get_type ())

ISLE_AVAILABLE_IN_ALL
GType           isle_join_handle_get_type    (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_join_handle_ref         (IsleJoinHandle  *self);
ISLE_AVAILABLE_IN_ALL
void            isle_join_handle_unref       (IsleJoinHandle  *self);
ISLE_AVAILABLE_IN_ALL
gpointer        isle_join_handle_join        (IsleJoinHandle  *self,
                                              GError         **error);
ISLE_AVAILABLE_IN_ALL
gpointer        isle_join_handle_join_timeout_msec (IsleJoinHandle  *self,
                                                    guint            timeout_msec,
                                                    GError         **error);
ISLE_AVAILABLE_IN_ALL
IslePoll        isle_join_handle_poll        (IsleJoinHandle  *self,
                                              IsleWaker       *waker,
                                              gpointer        *result,
                                              GError         **error);
ISLE_AVAILABLE_IN_ALL
void            isle_join_handle_abort       (IsleJoinHandle  *self);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_join_handle_is_finished (IsleJoinHandle  *self);
ISLE_AVAILABLE_IN_ALL
guint64         isle_join_handle_get_id      (IsleJoinHandle  *self);
ISLE_AVAILABLE_IN_ALL
IsleFuture     *isle_join_handle_get_future  (IsleJoinHandle  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleJoinHandle, isle_join_handle_unref)

G_END_DECLS
