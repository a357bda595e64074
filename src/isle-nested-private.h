/* isle-nested-private.h: main loops run from inside a task
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-local-set.h"
#include "isle-task-private.h"

G_BEGIN_DECLS

typedef struct _IsleNestedWatch IsleNestedWatch;

void             _isle_nested_note_iteration  (IsleLocalSet *island);
gboolean         _isle_nested_check_suspend   (IsleTask      *task,
                                               const char    *function,
                                               gconstpointer  caller,
                                               GError       **error);

IsleNestedWatch *_isle_nested_watch_new       (IsleLocalSet *island);
void             _isle_nested_watch_free      (IsleNestedWatch *watch);

/* Test hook: how long a nested run_until may stall before it is reported
 * (0 restores the default, ISLE_NESTED_REPORT_AFTER). */
void             _isle_nested_set_report_after (gint64 usec);

#define ISLE_NESTED_REPORT_AFTER (2 * G_TIME_SPAN_SECOND)

/* Called by every suspension of a fiber task: cheap unless the task has
 * iterated its island's context from inside itself. */
static inline gboolean
_isle_nested_may_suspend (IsleTask      *task,
                          const char    *function,
                          gconstpointer  caller,
                          GError       **error)
{
  if (G_LIKELY (!(task->flags & ISLE_TASK_FLAG_NESTED_LOOP)))
    return TRUE;
  return _isle_nested_check_suspend (task, function, caller, error);
}

G_END_DECLS
