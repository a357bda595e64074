/* isle-channel-private.h: what the value forms of a channel share with it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GValue forms for bindings (isle-binding.c) are the gpointer forms
 * with a GValue copied in or moved out; they call these so that messages
 * name the function the caller called.
 */

#pragma once

#include "isle-channel.h"

G_BEGIN_DECLS

/* The item destroy notify of a channel made by
 * isle_channel_new_for_values(): unsets and frees a heap GValue. */
void      _isle_value_item_free          (gpointer            item);

gboolean  _isle_channel_holds_values     (IsleChannel        *self);

gboolean  _isle_channel_send_item        (IsleChannel        *self,
                                          gpointer            item,
                                          gboolean            may_wait,
                                          const char         *function,
                                          gconstpointer       caller,
                                          GError            **error);
IslePoll  _isle_channel_sender_poll_send (IsleChannelSender  *self,
                                          IsleWaker          *waker,
                                          gpointer            item,
                                          const char         *function,
                                          GError            **error);
gpointer  _isle_channel_try_recv         (IsleChannel        *self,
                                          const char         *function,
                                          GError            **error);

G_END_DECLS
