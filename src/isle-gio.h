/* isle-gio.h: awaiting GIO asynchronous operations
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

ISLE_AVAILABLE_IN_ALL
IsleFuture   *isle_future_new_for_gio     (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
GCancellable *isle_future_get_cancellable (IsleFuture     *self);
ISLE_AVAILABLE_IN_ALL
void          isle_gio_callback           (GObject        *source_object,
                                           GAsyncResult   *result,
                                           gpointer        user_data);

G_END_DECLS
