/* isle-fiber-private.h: switching between stacks of their own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IsleFiber     IsleFiber;

typedef void (*IsleFiberFunc) (gpointer data);

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

/* The saved stack pointer is the fiber header's first field; the
 * scheduler prefetches what it points to before resuming the fiber. */
static inline void *
_isle_fiber_get_saved_sp (IsleFiber *fiber)
{
  return *(void **) fiber;
}

const char*_isle_fiber_get_switch_kind       (void);

G_END_DECLS
