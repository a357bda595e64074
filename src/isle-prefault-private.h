/* isle-prefault-private.h: memory faulted in ahead of its use, off-thread
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IslePrefault IslePrefault;

/* One request, embedded in whoever owns the memory. All fields are the
 * prefault thread's, protected by its lock (isle-prefault.c). */
struct _IslePrefault
{
  gpointer      addr;
  gsize         size;
  IslePrefault *next;      /* the queue's link */
  gboolean      queued;
};

void _isle_prefault_queue  (IslePrefault *request,
                            gpointer      addr,
                            gsize         size);
void _isle_prefault_forget (IslePrefault *request,
                            gboolean      wait);

G_END_DECLS
