/* isle-fiber-struct-private.h: the fiber record, for the switch and the slabs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only isle-fiber.c (the switch) and isle-stack.c (the slabs that hold the
 * records) include this header; the rest of Isle sees IsleFiber as an
 * opaque type through isle-fiber-private.h. It stays out of the headers
 * that every file includes because the record's layout depends on the
 * switch chosen below, and the tests build one library with the ucontext
 * switch forced (-DISLE_FIBER_FORCE_UCONTEXT) that programs compiled
 * without that flag link against.
 */

#pragma once

#include <glib.h>

#include "isle-fiber-private.h"
#include "isle-sanitizers-private.h"

#if defined(ISLE_FIBER_FORCE_UCONTEXT)
# define ISLE_FIBER_UCONTEXT 1
#elif defined(__x86_64__) && !defined(_WIN32)
# define ISLE_FIBER_ASM_X86_64 1
#elif defined(__aarch64__) && !defined(_WIN32)
# define ISLE_FIBER_ASM_AARCH64 1
#elif HAVE_UCONTEXT_H
# define ISLE_FIBER_UCONTEXT 1
#else
# error "Isle has no fiber switch for this platform"
#endif

#ifdef ISLE_FIBER_UCONTEXT
# include <ucontext.h>
#endif

G_BEGIN_DECLS

typedef struct _IsleStackSlab IsleStackSlab;

/* A fiber and its stack. Every field belongs to the thread of the island
 * that holds the fiber (its pool, or the task running on it): fibers never
 * cross threads, so nothing here is locked or atomic. The header lives in
 * its slab's array, off the stack, where no overflow can reach it. */
struct _IsleFiber
{
  /* Saved stack pointers: the fiber's while it is suspended, and the
   * scheduler's (whoever resumed it) while it runs. */
  void          *sp;
  void          *return_sp;

  IsleFiberFunc  func;        /* set by _isle_fiber_start(), each use */
  gpointer       data;        /* (unowned) func's argument */

  /* Fixed when the slab is carved: */
  IsleStackSlab *slab;        /* (unowned) the mapping this stack is carved from */
  guint8        *stack_lo;    /* lowest usable address, above the guard */
  gsize          stack_size;  /* usable bytes, up to the next stack's guard */

  IsleFiber     *pool_next;   /* (unowned) (nullable) in the warm pool or its
                               * slab's free list; NULL while in use */
  gboolean       done;        /* func has returned */

#if HAVE_VALGRIND
  unsigned       valgrind_stack_id;
#endif
#ifdef ISLE_ASAN
  const void    *return_stack_lo;
  gsize          return_stack_size;
  gboolean       handed_off;
#endif
#ifdef ISLE_TSAN
  void          *tsan_fiber;        /* ThreadSanitizer's state for this stack */
  void          *tsan_return_fiber; /* and for the one it returns to */
#endif
#ifdef ISLE_FIBER_UCONTEXT
  ucontext_t     context;
  ucontext_t     return_context;
#endif
};

G_END_DECLS
