/* isle-task-arena-private.h: where task records live
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IsleTaskArena IsleTaskArena;

IsleTaskArena *_isle_task_arena_new      (gsize           record_size,
                                          gpointer        data,
                                          GDestroyNotify  data_destroy);
IsleTaskArena *_isle_task_arena_new_shared (gsize         record_size,
                                            gpointer       data,
                                            GDestroyNotify data_destroy);
gpointer       _isle_task_arena_get_data (gpointer        record);
gpointer       _isle_task_arena_alloc_shared (IsleTaskArena *arena);
gpointer       _isle_task_arena_alloc (IsleTaskArena  *arena);
void           _isle_task_arena_free  (gpointer        record);
void           _isle_task_arena_close (IsleTaskArena  *arena);

G_END_DECLS
