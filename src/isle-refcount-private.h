/* isle-refcount-private.h: the reference counts of the task record
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every reference count in Isle is a gatomicrefcount, taken and dropped
 * on any thread. Most use GLib's g_atomic_ref_count_*(); the task record's
 * two counts change on every spawn, join and detach, where those
 * out-of-line calls (a call, a check and a saturation test each) cost
 * spawn_seq about 150 instructions a task, 10 %. These are what GLib's own
 * forms expand to when built with G_DISABLE_CHECKS: the same atomic
 * operations, inline.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

static inline void
_isle_ref_count_init (gatomicrefcount *count,
                      gint             value)
{
  *count = value;   /* nobody else sees the object yet */
}

static inline void
_isle_ref_count_inc (gatomicrefcount *count)
{
  g_atomic_int_inc (count);
}

/* TRUE when that was the last reference. */
static inline gboolean
_isle_ref_count_dec (gatomicrefcount *count)
{
  return g_atomic_int_dec_and_test (count);
}

/* Drops a reference unless it is the last one, which stays for the
 * owner's thread to drop (an object whose release must happen there);
 * FALSE when it was the last and nothing was done. */
static inline gboolean
_isle_ref_count_dec_unless_last (gatomicrefcount *count)
{
  gint old;

  do
    {
      old = g_atomic_int_get (count);
      if (old == 1)
        return FALSE;
    }
  while (!g_atomic_int_compare_and_exchange (count, old, old - 1));

  return TRUE;
}

G_END_DECLS
