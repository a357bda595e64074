/* isle-local-pool.h: a pool of threads, each with its own island
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"
#include "isle-future.h"

G_BEGIN_DECLS

#define ISLE_TYPE_LOCAL_POOL (isle_local_pool_get_type ())

typedef struct _IsleLocalPool IsleLocalPool;

ISLE_AVAILABLE_IN_ALL
GType          isle_local_pool_get_type               (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IsleLocalPool *isle_local_pool_new                    (guint           n_threads) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleLocalPool *isle_local_pool_ref                    (IsleLocalPool  *self);
ISLE_AVAILABLE_IN_ALL
void           isle_local_pool_unref                  (IsleLocalPool  *self);
ISLE_AVAILABLE_IN_ALL
guint          isle_local_pool_get_n_threads          (IsleLocalPool  *self);
ISLE_AVAILABLE_IN_ALL
IsleLocalSet  *isle_local_pool_get_island             (IsleLocalPool  *self,
                                                       guint           index);
ISLE_AVAILABLE_IN_ALL
IsleFuture    *isle_local_pool_spawn_pinned           (IsleLocalPool  *self,
                                                       IsleTaskFunc    func,
                                                       gpointer        user_data,
                                                       GDestroyNotify  user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture    *isle_local_pool_spawn_pinned_by_index  (IsleLocalPool  *self,
                                                       guint           index,
                                                       IsleTaskFunc    func,
                                                       gpointer        user_data,
                                                       GDestroyNotify  user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
gboolean       isle_local_pool_shutdown               (IsleLocalPool  *self,
                                                       int             timeout_msec,
                                                       GError        **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleLocalPool, isle_local_pool_unref)

G_END_DECLS
