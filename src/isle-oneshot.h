/* isle-oneshot.h: one value, sent once from any thread to a local task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_ONESHOT        (isle_oneshot_get_type ())
#define ISLE_TYPE_ONESHOT_SENDER (isle_oneshot_sender_get_type ())

typedef struct _IsleOneshot       IsleOneshot;
typedef struct _IsleOneshotSender IsleOneshotSender;

ISLE_AVAILABLE_IN_ALL
GType              isle_oneshot_get_type        (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GType              isle_oneshot_sender_get_type (void) G_GNUC_CONST;

ISLE_AVAILABLE_IN_ALL
IsleOneshot       *isle_oneshot_new             (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleOneshot       *isle_oneshot_ref             (IsleOneshot        *self);
ISLE_AVAILABLE_IN_ALL
void               isle_oneshot_unref           (IsleOneshot        *self);
ISLE_AVAILABLE_IN_ALL
IsleOneshotSender *isle_oneshot_ref_sender      (IsleOneshot        *self) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
gpointer           isle_oneshot_recv            (IsleOneshot        *self,
                                                 GError            **error);
ISLE_AVAILABLE_IN_ALL
gpointer           isle_oneshot_try_recv        (IsleOneshot        *self,
                                                 GError            **error);
ISLE_AVAILABLE_IN_ALL
IslePoll           isle_oneshot_poll_recv       (IsleOneshot        *self,
                                                 IsleWaker          *waker,
                                                 gpointer           *value,
                                                 GError            **error);
ISLE_AVAILABLE_IN_ALL
IslePoll           isle_oneshot_poll_recv_ready (IsleOneshot        *self,
                                                 IsleWaker          *waker,
                                                 GError            **error);

ISLE_AVAILABLE_IN_ALL
IsleOneshotSender *isle_oneshot_sender_ref      (IsleOneshotSender  *self);
ISLE_AVAILABLE_IN_ALL
void               isle_oneshot_sender_unref    (IsleOneshotSender  *self);
ISLE_AVAILABLE_IN_ALL
gboolean           isle_oneshot_sender_send     (IsleOneshotSender  *self,
                                                 gpointer            value,
                                                 GDestroyNotify      destroy,
                                                 GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleOneshot, isle_oneshot_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleOneshotSender, isle_oneshot_sender_unref)

G_END_DECLS
