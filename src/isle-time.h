/* isle-time.h: sleeps, timeouts and intervals on the island's context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-future.h"
#include "isle-types.h"

G_BEGIN_DECLS

typedef struct _IsleInterval IsleInterval;

ISLE_AVAILABLE_IN_ALL
gboolean      isle_sleep_msec               (guint          msec,
                                             GError       **error);
ISLE_AVAILABLE_IN_ALL
gboolean      isle_sleep_seconds            (guint          seconds,
                                             GError       **error);
ISLE_AVAILABLE_IN_ALL
IsleFuture   *isle_future_new_sleep_msec    (guint          msec) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture   *isle_future_new_sleep_seconds (guint          seconds) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture   *isle_future_new_timeout_msec  (IsleFuture    *future,
                                             guint          msec) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
IsleInterval *isle_interval_new_msec        (guint          msec) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
void          isle_interval_free            (IsleInterval  *self);
ISLE_AVAILABLE_IN_ALL
gboolean      isle_interval_tick            (IsleInterval  *self,
                                             GError       **error);
ISLE_AVAILABLE_IN_ALL
IslePoll      isle_interval_poll_tick       (IsleInterval  *self,
                                             IsleWaker     *waker,
                                             GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleInterval, isle_interval_free)

G_END_DECLS
