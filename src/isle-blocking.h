/* isle-blocking.h: blocking work on Isle's worker pool
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

/**
 * IsleBlockingFunc:
 * @user_data: the data given to [func@Isle.spawn_blocking]
 * @cancellable: (transfer none): cancelled when the job's future is
 *   cancelled; pass it to the GIO calls the function makes
 * @error: return location for a #GError
 *
 * A function that may block, run on a worker thread of Isle's blocking
 * pool. It must not touch the island's state.
 *
 * Returns: (transfer full) (nullable): the result, which the job's future
 *   takes; or %NULL with @error set
 *
 * Since: 0.1
 */
typedef gpointer (*IsleBlockingFunc) (gpointer       user_data,
                                      GCancellable  *cancellable,
                                      GError       **error);

ISLE_AVAILABLE_IN_ALL
IsleFuture *isle_spawn_blocking                 (IsleBlockingFunc  func,
                                                 gpointer          user_data,
                                                 GDestroyNotify    user_data_destroy,
                                                 GDestroyNotify    result_destroy) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
guint       isle_blocking_pool_get_max_threads  (void);
ISLE_AVAILABLE_IN_ALL
void        isle_blocking_pool_set_max_threads  (guint             max_threads);

G_END_DECLS
