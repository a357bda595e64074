/* isle-remote-spawn.h: hand a task to an island from any thread
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

ISLE_AVAILABLE_IN_ALL
IsleFuture *isle_local_set_spawn_remote      (IsleLocalSet   *self,
                                              IsleTaskFunc    func,
                                              gpointer        user_data,
                                              GDestroyNotify  user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleFuture *isle_local_set_spawn_remote_full (IsleLocalSet   *self,
                                              const char     *name,
                                              int             priority,
                                              IsleTaskFunc    func,
                                              gpointer        user_data,
                                              GDestroyNotify  user_data_destroy,
                                              GDestroyNotify  result_destroy) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
