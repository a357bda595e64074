/* isle-local-set-shared-private.h: the registry of islands by context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-local-set-private.h"

G_BEGIN_DECLS

typedef struct _IsleSharedEntry IsleSharedEntry;

void             _isle_shared_register              (IsleLocalSet    *island);
void             _isle_shared_unregister            (IsleLocalSet    *island);
IsleSharedEntry *_isle_shared_lookup                (GMainContext    *context);
IsleLocalSet    *_isle_shared_entry_get_island      (IsleSharedEntry *entry);
GSource        **_isle_shared_entry_get_completions (IsleSharedEntry *entry);
IsleRemote      *_isle_shared_ref_remote            (GMainContext    *context,
                                                     gboolean        *on_owner_thread);
void             _isle_shared_release               (IsleLocalSet    *island);

G_END_DECLS
