/* isle-channel.h: a channel from any thread to a local task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_CHANNEL (isle_channel_get_type ())
#define ISLE_TYPE_CHANNEL_SENDER (isle_channel_sender_get_type ())

typedef struct _IsleChannel       IsleChannel;
typedef struct _IsleChannelSender IsleChannelSender;

ISLE_AVAILABLE_IN_ALL
GType        isle_channel_get_type      (void) G_GNUC_CONST;
ISLE_AVAILABLE_IN_ALL
GType        isle_channel_sender_get_type (void) G_GNUC_CONST;

ISLE_AVAILABLE_IN_ALL
IsleChannel *isle_channel_new           (gsize               capacity,
                                         GDestroyNotify      item_destroy,
                                         IsleChannelSender **sender) G_GNUC_WARN_UNUSED_RESULT;
ISLE_AVAILABLE_IN_ALL
IsleChannel *isle_channel_ref           (IsleChannel     *self);
ISLE_AVAILABLE_IN_ALL
void         isle_channel_unref         (IsleChannel     *self);

ISLE_AVAILABLE_IN_ALL
gpointer     isle_channel_recv          (IsleChannel     *self,
                                         GError         **error);
ISLE_AVAILABLE_IN_ALL
gpointer     isle_channel_try_recv      (IsleChannel     *self,
                                         GError         **error);
ISLE_AVAILABLE_IN_ALL
IslePoll     isle_channel_poll_recv     (IsleChannel     *self,
                                         IsleWaker       *waker,
                                         gpointer        *item,
                                         GError         **error);
ISLE_AVAILABLE_IN_ALL
IslePoll     isle_channel_poll_recv_ready (IsleChannel   *self,
                                           IsleWaker     *waker,
                                           GError       **error);
ISLE_AVAILABLE_IN_ALL
void         isle_channel_close         (IsleChannel     *self);
ISLE_AVAILABLE_IN_ALL
gboolean     isle_channel_is_closed     (IsleChannel     *self);
ISLE_AVAILABLE_IN_ALL
gsize        isle_channel_get_capacity  (IsleChannel     *self);
ISLE_AVAILABLE_IN_ALL
gsize        isle_channel_get_length    (IsleChannel     *self);

ISLE_AVAILABLE_IN_ALL
IsleChannelSender *isle_channel_sender_ref       (IsleChannelSender *self);
ISLE_AVAILABLE_IN_ALL
void               isle_channel_sender_unref     (IsleChannelSender *self);
ISLE_AVAILABLE_IN_ALL
gboolean           isle_channel_sender_send      (IsleChannelSender *self,
                                                  gpointer           item,
                                                  GError           **error);
ISLE_AVAILABLE_IN_ALL
gboolean           isle_channel_sender_try_send  (IsleChannelSender *self,
                                                  gpointer           item,
                                                  GError           **error);
ISLE_AVAILABLE_IN_ALL
IslePoll           isle_channel_sender_poll_send (IsleChannelSender *self,
                                                  IsleWaker         *waker,
                                                  gpointer           item,
                                                  GError           **error);
ISLE_AVAILABLE_IN_ALL
gboolean           isle_channel_sender_is_closed (IsleChannelSender *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleChannel, isle_channel_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IsleChannelSender, isle_channel_sender_unref)

G_END_DECLS
