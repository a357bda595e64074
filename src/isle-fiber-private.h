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

/* A pool of warm stacks, owned by one island and used on its thread only.
 * Stacks are reused because mapping a fresh one costs two system calls and
 * a page fault (about 2.7 µs each on virtual machines). */
struct _IsleFiberPool
{
  IsleFiber *free_list;   /* (owned) linked through IsleFiber.pool_next */
  guint      n_free;
  guint      max_free;
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
gboolean   _isle_fiber_is_done               (IsleFiber      *fiber);
gsize      _isle_fiber_get_stack_size        (IsleFiber      *fiber);

gsize      _isle_fiber_round_stack_size      (gsize           stack_size);
const char*_isle_fiber_get_switch_kind       (void);

/* Test hook: make the next @n stack allocations fail as if the kernel's
 * mapping limit had been reached. */
void       _isle_fiber_fail_next_allocations (guint           n);

G_END_DECLS
