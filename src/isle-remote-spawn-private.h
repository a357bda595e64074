/* isle-remote-spawn-private.h: remote spawns with a completion hook
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-remote-spawn.h"

G_BEGIN_DECLS

/* Called once on the island's thread when a remote spawn is done with:
 * its task has returned, or it never started. */
typedef void (*IsleRemoteSpawnDone) (gpointer data);

IsleFuture *_isle_remote_spawn (IsleLocalSet        *island,
                                const char          *name,
                                int                  priority,
                                IsleTaskFunc         func,
                                gpointer             user_data,
                                GDestroyNotify       user_data_destroy,
                                GDestroyNotify       result_destroy,
                                IsleRemoteSpawnDone  done,
                                gpointer             done_data,
                                const char          *function);

/* The size of the record a remote spawn lives in, for the island's arena. */
gsize       _isle_remote_spawn_get_record_size (void);

G_END_DECLS
