/* isle-demo-task-entry.c: one task of the demo's Inspector list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Inspector lists the island's tasks in a GtkListView. Each refresh
 * takes a fresh isle_local_set_list_tasks(), in which nearly every task
 * has changed (a sleeper's "43 ms left" does each time), so a list of the
 * IsleTaskInfo objects themselves would replace every item of the model at
 * every refresh: the list view would rebind all its rows (about two
 * hundred in GTK 4.8, on screen or not) and measure two hundred long
 * lines of text at once.
 *
 * An entry stands for one task for as long as the task lives, and holds
 * its latest IsleTaskInfo. A refresh changes the model only for tasks
 * spawned or finished; for the others it replaces the info inside the
 * entry, and the page redraws the rows on screen whose entry changed,
 * once a frame. Like IsleDemoWorker, nothing here notifies: the page
 * compares serials on its own clock.
 */

#include "config.h"

#include "isle-demo-task-entry.h"

struct _IsleDemoTaskEntry
{
  GObject parent_instance;

  IsleTaskInfo *info;                   /* (owned) */
  guint serial;                         /* bumped by each new info */
};

G_DEFINE_FINAL_TYPE (IsleDemoTaskEntry, isle_demo_task_entry, G_TYPE_OBJECT)

static void
isle_demo_task_entry_finalize (GObject *object)
{
  IsleDemoTaskEntry *self = ISLE_DEMO_TASK_ENTRY (object);

  g_clear_object (&self->info);

  G_OBJECT_CLASS (isle_demo_task_entry_parent_class)->finalize (object);
}

static void
isle_demo_task_entry_class_init (IsleDemoTaskEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = isle_demo_task_entry_finalize;
}

static void
isle_demo_task_entry_init (IsleDemoTaskEntry *self)
{
}

/**
 * isle_demo_task_entry_new:
 * @info: what the Inspector last learnt of the task
 *
 * Returns: (transfer full): an entry for @info's task
 */
IsleDemoTaskEntry *
isle_demo_task_entry_new (IsleTaskInfo *info)
{
  IsleDemoTaskEntry *self = g_object_new (ISLE_DEMO_TYPE_TASK_ENTRY, NULL);

  self->info = g_object_ref (info);
  return self;
}

/**
 * isle_demo_task_entry_get_info:
 * @self: an entry
 *
 * Returns: (transfer none): the latest facts about the entry's task
 */
IsleTaskInfo *
isle_demo_task_entry_get_info (IsleDemoTaskEntry *self)
{
  return self->info;
}

/* @info is about the same task, from a later refresh. */
void
isle_demo_task_entry_set_info (IsleDemoTaskEntry *self,
                               IsleTaskInfo      *info)
{
  g_assert (isle_task_info_get_id (info) == isle_task_info_get_id (self->info));

  g_set_object (&self->info, info);
  self->serial++;
}

/* Changes whenever the info does: a row compares it with the serial it
 * last drew. */
guint
isle_demo_task_entry_get_serial (IsleDemoTaskEntry *self)
{
  return self->serial;
}
