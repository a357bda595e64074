/* isle-remote-spawn-private.h: remote spawns with a completion hook
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-remote-spawn.h"
#include "isle-spawn-private.h"

G_BEGIN_DECLS

/* Called once on the island's thread when a remote spawn is done with:
 * its task has returned, or it never started. */
typedef void (*IsleRemoteSpawnDone) (gpointer data);

/* Spawns the fiber task that @args describes on its island, from any
 * thread; @args->kind and @args->stack_size are not used. */
IsleFuture *_isle_remote_spawn (const IsleSpawnArgs *args,
                                IsleRemoteSpawnDone  done,
                                gpointer             done_data,
                                const char          *function);

/* The size of the record a remote spawn lives in, for the island's arena. */
gsize       _isle_remote_spawn_get_record_size (void);

G_END_DECLS
