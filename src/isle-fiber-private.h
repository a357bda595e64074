/* isle-fiber-private.h: stacks of their own and switching between them
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IsleFiber     IsleFiber;
typedef struct _IsleFiberPool IsleFiberPool;

typedef void (*IsleFiberFunc) (gpointer data);

/* An island's stacks, used on its thread only: a few warm ones ready for
 * reuse (a fresh stack costs a page fault, about 2.7 µs on virtual
 * machines), and the slabs they are carved from. */
struct _IsleFiberPool
{
  IsleFiber                *warm;             /* linked through pool_next */
  guint                     n_warm;
  guint                     max_warm;
  struct _IsleFiberSlab    *slabs_with_room;  /* (owned) */
  guint                     n_slabs;          /* all slabs, with room or not */
};

void       _isle_fiber_pool_init             (IsleFiberPool  *pool);
void       _isle_fiber_pool_clear            (IsleFiberPool  *pool);
IsleFiber *_isle_fiber_pool_acquire          (IsleFiberPool  *pool,
                                              gsize           stack_size,
                                              GError        **error);
void       _isle_fiber_pool_release          (IsleFiberPool  *pool,
                                              IsleFiber      *fiber);

void       _isle_fiber_start                 (IsleFiber      *fiber,
                                              IsleFiberFunc   func,
                                              gpointer        data);
void       _isle_fiber_resume                (IsleFiber      *fiber);
void       _isle_fiber_suspend               (IsleFiber      *fiber);
gboolean   _isle_fiber_can_hand_off          (void);
void       _isle_fiber_hand_off              (IsleFiber      *from,
                                              IsleFiber      *to);
gboolean   _isle_fiber_is_done               (IsleFiber      *fiber);
gsize      _isle_fiber_get_stack_size        (IsleFiber      *fiber);
gboolean   _isle_fiber_guard_contains        (IsleFiber      *fiber,
                                              gconstpointer   address);

/* The saved stack pointer is the fiber header's first field; the
 * scheduler prefetches what it points to before resuming the fiber. */
static inline void *
_isle_fiber_get_saved_sp (IsleFiber *fiber)
{
  return *(void **) fiber;
}

gsize      _isle_fiber_round_stack_size      (gsize           stack_size);
const char*_isle_fiber_get_switch_kind       (void);

/* Test hooks: make the next @n stack allocations fail as if the kernel's
 * mapping limit had been reached; use mprotect() guard pages even where the
 * kernel has lightweight guards, as older kernels need; lower the number of
 * mappings those guards may take, as a small vm.max_map_count would; tell
 * which guards are in use ("madvise", "mprotect" or "unknown" before the
 * first stack). */
void       _isle_fiber_fail_next_allocations (guint           n);
void       _isle_fiber_set_guard_mappings_limit (gsize        limit);
/* Test hook: take @limit for vm.max_map_count (0: read it again). */
void       _isle_fiber_set_map_count_limit   (gsize           limit);
void       _isle_fiber_force_mprotect_guards (void);
const char*_isle_fiber_get_guard_kind        (void);

G_END_DECLS
