/* isle-demo-task-entry.h: one task of the demo's Inspector list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <isle.h>

G_BEGIN_DECLS

#define ISLE_DEMO_TYPE_TASK_ENTRY (isle_demo_task_entry_get_type ())

G_DECLARE_FINAL_TYPE (IsleDemoTaskEntry, isle_demo_task_entry, ISLE_DEMO, TASK_ENTRY, GObject)

IsleDemoTaskEntry *isle_demo_task_entry_new        (IsleTaskInfo      *info);
IsleTaskInfo      *isle_demo_task_entry_get_info   (IsleDemoTaskEntry *self);
void               isle_demo_task_entry_set_info   (IsleDemoTaskEntry *self,
                                                    IsleTaskInfo      *info);
guint              isle_demo_task_entry_get_serial (IsleDemoTaskEntry *self);

G_END_DECLS
