/* isle-oneshot-private.h: what the value forms of a oneshot share with it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GValue forms for bindings (isle-binding.c) are the gpointer forms
 * with a GValue copied in or moved out; they call these so that messages
 * name the function the caller called.
 */

#pragma once

#include "isle-oneshot.h"

G_BEGIN_DECLS

/* Made by isle_oneshot_new_for_value(): the value is a heap GValue. */
IsleOneshot *_isle_oneshot_new_for_value (void);
gboolean     _isle_oneshot_holds_value   (IsleOneshot  *self);

gpointer     _isle_oneshot_try_recv      (IsleOneshot  *self,
                                          const char   *function,
                                          GError      **error);

G_END_DECLS
