/* isle-waker.h: waking a parked task, from any thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_WAKER (isle_waker_get_type ())

ISLE_AVAILABLE_IN_ALL
GType      isle_waker_get_type (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
IsleWaker *isle_waker_ref      (IsleWaker *self);
ISLE_AVAILABLE_IN_ALL
void       isle_waker_unref    (IsleWaker *self);
ISLE_AVAILABLE_IN_ALL
void       isle_waker_wake     (IsleWaker *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleWaker, isle_waker_unref)

G_END_DECLS
