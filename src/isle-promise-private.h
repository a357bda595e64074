/* isle-promise-private.h: settling a future as a promise would
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-future-private.h"
#include "isle-remote-private.h"

G_BEGIN_DECLS

/* For makers that settle a future of their own as a promise would, with
 * no IslePromise (remote spawns): @home is the remote part of the island
 * the future was made on, or NULL (see IslePromise). */
void        _isle_future_settle_as_promise (IsleFuture             *future,
                                            IsleRemote             *home,
                                            gpointer                value,
                                            GDestroyNotify          value_destroy,
                                            GError                 *error,
                                            const char             *function);
void        _isle_future_unref_at_home     (IsleFuture             *future,
                                            IsleRemote             *home);

G_END_DECLS
