/* isle-spawn-private.h: the one entry every spawn goes through
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-task-private.h"

G_BEGIN_DECLS

/* What a task is made from. Spawns fill it in with designated
 * initialisers, so a field they leave out is zero: no name, the default
 * priority (G_PRIORITY_DEFAULT is 0), the island's default stack size,
 * no destroy notifies.
 *
 * @site is where the task was spawned, as dumps and reports name it: the
 * return address of the public spawn call, taken with
 * __builtin_return_address (0) in that public function itself (a helper
 * it calls, inlined or not, would see another frame). Isle records
 * addresses rather than G_STRLOC strings from spawn macros because every
 * caller leaves one: a C call, the C that valac generates (named after
 * the Vala method), and Python or GJS, which call the function through
 * the typelib and never see a macro (there the site is the binding's
 * call into C, and the binding names the task after the coroutine or
 * function). The address becomes a name only when a diagnostic prints
 * it, once per site (isle-debug.c). */
typedef struct
{
  IsleLocalSet   *island;             /* (unowned) where the task lives */
  IsleTaskKind    kind;
  const char     *name;               /* (nullable) copied */
  int             priority;           /* a GLib priority */
  gsize           stack_size;         /* fiber tasks: 0 = the island's default */
  union
  {
    IsleTaskFunc  func;               /* ISLE_TASK_KIND_FIBER */
    IslePollFunc  poll;               /* ISLE_TASK_KIND_POLL */
  };
  gpointer        user_data;          /* (owned) the task's from the spawn on */
  GDestroyNotify  user_data_destroy;  /* (nullable) */
  GDestroyNotify  result_destroy;     /* (nullable) for a result nobody takes */
  gconstpointer   site;               /* (nullable) see above */
} IsleSpawnArgs;

IsleTask     *_isle_spawn                 (const IsleSpawnArgs *args);
IsleLocalSet *_isle_spawn_require_island  (const char          *function);

G_END_DECLS
