/* isle-thread-guard.h: a value that only its owner thread may touch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_THREAD_GUARD (isle_thread_guard_get_type ())

typedef struct _IsleThreadGuard IsleThreadGuard;

ISLE_AVAILABLE_IN_ALL
GType            isle_thread_guard_get_type        (void) G_GNUC_CONST;

ISLE_AVAILABLE_IN_ALL
IsleThreadGuard *isle_thread_guard_new             (gpointer         data,
                                                    GDestroyNotify   destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleThreadGuard *isle_thread_guard_new_for_context (GMainContext    *context,
                                                    gpointer         data,
                                                    GDestroyNotify   destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleThreadGuard *isle_thread_guard_ref             (IsleThreadGuard *self);
ISLE_AVAILABLE_IN_ALL
void             isle_thread_guard_unref           (IsleThreadGuard *self);

ISLE_AVAILABLE_IN_ALL
gpointer         isle_thread_guard_get             (IsleThreadGuard *self);
ISLE_AVAILABLE_IN_ALL
gpointer         isle_thread_guard_steal           (IsleThreadGuard *self);
ISLE_AVAILABLE_IN_ALL
gboolean         isle_thread_guard_is_owner        (IsleThreadGuard *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleThreadGuard, isle_thread_guard_unref)

G_END_DECLS
