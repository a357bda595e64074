/* isle-stack-private.h: fiber stacks, carved from slabs behind guard pages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "isle-fiber-private.h"

G_BEGIN_DECLS

typedef struct _IsleStackPool IsleStackPool;

/* An island's stacks, used on its thread only: a few warm ones ready for
 * reuse (a fresh stack costs a page fault, about 2.7 µs on virtual
 * machines), and the slabs they are carved from. The pool hands out
 * fibers: a fiber is a stack and the record of its saved state. */
struct _IsleStackPool
{
  IsleFiber                *warm;             /* linked through pool_next */
  guint                     n_warm;
  struct _IsleStackSlab    *slabs_with_room;  /* (owned) */
  guint                     n_slabs;          /* all slabs, with room or not */
};

void       _isle_stack_pool_init             (IsleStackPool  *pool);
void       _isle_stack_pool_clear            (IsleStackPool  *pool);
IsleFiber *_isle_stack_pool_acquire          (IsleStackPool  *pool,
                                              gsize           stack_size,
                                              GError        **error);
void       _isle_stack_pool_release          (IsleStackPool  *pool,
                                              IsleFiber      *fiber);

gboolean   _isle_stack_guard_contains        (IsleFiber      *fiber,
                                              gconstpointer   address);

/* Test hooks: make the next @n stack allocations fail as if the kernel's
 * mapping limit had been reached; use mprotect() guard pages even where the
 * kernel has lightweight guards, as older kernels need; lower the number of
 * mappings those guards may take, as a small vm.max_map_count would; tell
 * which guards are in use ("madvise", "mprotect" or "unknown" before the
 * first stack). */
void       _isle_stack_fail_next_allocations (guint           n);
void       _isle_stack_set_guard_mappings_limit (gsize        limit);
/* Test hook: take @limit for vm.max_map_count (0: read it again). */
void       _isle_stack_set_map_count_limit   (gsize           limit);
void       _isle_stack_force_mprotect_guards (void);
const char*_isle_stack_get_guard_kind        (void);

G_END_DECLS
