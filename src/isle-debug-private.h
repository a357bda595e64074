/* isle-debug-private.h: ISLE_DEBUG and what diagnostics print
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-local-set.h"

G_BEGIN_DECLS

/* The slow poll threshold when nobody sets one: 10 ms, well past a frame's
 * worth of work at 120 Hz, so a report means the UI visibly stalled. */
#define ISLE_SLOW_POLL_THRESHOLD_DEFAULT_MS 10

IsleDebugFlags _isle_debug_get_env_flags          (void);
guint          _isle_debug_get_env_slow_poll_ms  (void);
char          *_isle_debug_describe_site         (gconstpointer site);
const char    *_isle_debug_lookup_site           (gconstpointer site);
guint          _isle_debug_get_n_sites_described (void);
char          *_isle_debug_symtab_lookup         (const guint8  *map,
                                                  gsize          size,
                                                  gconstpointer  base,
                                                  gconstpointer  address,
                                                  guintptr      *offset);

G_END_DECLS
