/* isle-notify.h: wake waiting tasks, with a stored permit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_NOTIFY (isle_notify_get_type ())

typedef struct _IsleNotify IsleNotify;

ISLE_AVAILABLE_IN_ALL
GType       isle_notify_get_type        (void) G_GNUC_CONST;

ISLE_AVAILABLE_IN_ALL
IsleNotify *isle_notify_new             (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleNotify *isle_notify_ref             (IsleNotify  *self);
ISLE_AVAILABLE_IN_ALL
void        isle_notify_unref           (IsleNotify  *self);

ISLE_AVAILABLE_IN_ALL
void        isle_notify_notify_one      (IsleNotify  *self);
ISLE_AVAILABLE_IN_ALL
void        isle_notify_notify_waiters  (IsleNotify  *self);
ISLE_AVAILABLE_IN_ALL
gboolean    isle_notify_wait            (IsleNotify  *self,
                                         GError     **error);
ISLE_AVAILABLE_IN_ALL
IslePoll    isle_notify_poll_wait       (IsleNotify  *self,
                                         IsleWaker   *waker);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleNotify, isle_notify_unref)

G_END_DECLS
