/* isle-binding.h: what language bindings need beyond the C API
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-blocking.h"
#include "isle-channel.h"
#include "isle-oneshot.h"
#include "isle-types.h"

G_BEGIN_DECLS

ISLE_AVAILABLE_IN_ALL
IsleJoinHandle *isle_local_set_spawn_local_poll_named (IsleLocalSet   *self,
                                                       const char     *name,
                                                       int             priority,
                                                       IslePollFunc    poll,
                                                       gpointer        state,
                                                       GDestroyNotify  state_destroy) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
void            isle_task_set_poll_error              (IsleTask       *self,
                                                       GError         *error);

ISLE_AVAILABLE_IN_ALL
IsleFuture     *isle_binding_spawn_blocking           (IsleBlockingFunc  func,
                                                       gpointer          user_data,
                                                       GDestroyNotify    user_data_destroy) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
IsleChannel    *isle_channel_new_for_values           (gsize               capacity,
                                                       IsleChannelSender **sender) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
gboolean        isle_channel_sender_send_value        (IsleChannelSender  *self,
                                                       const GValue       *value,
                                                       GError            **error);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_channel_sender_try_send_value    (IsleChannelSender  *self,
                                                       const GValue       *value,
                                                       GError            **error);
ISLE_AVAILABLE_IN_ALL
IslePoll        isle_channel_sender_poll_send_value   (IsleChannelSender  *self,
                                                       IsleWaker          *waker,
                                                       const GValue       *value,
                                                       GError            **error);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_channel_try_recv_value           (IsleChannel        *self,
                                                       GValue             *value,
                                                       GError            **error);

ISLE_AVAILABLE_IN_ALL
IsleOneshot    *isle_oneshot_new_for_value            (void) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
gboolean        isle_oneshot_sender_send_value        (IsleOneshotSender  *self,
                                                       const GValue       *value,
                                                       GError            **error);
ISLE_AVAILABLE_IN_ALL
gboolean        isle_oneshot_try_recv_value           (IsleOneshot        *self,
                                                       GValue             *value,
                                                       GError            **error);

G_END_DECLS
