/* isle-task-future-private.h: a task's outcome as a future
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-future-private.h"
#include "isle-task-private.h"

G_BEGIN_DECLS

IsleFuture *_isle_task_get_future     (IsleTask *task);
void        _isle_task_settle_future  (IsleTask *task);
void        _isle_task_release_future (IsleTask *task);

G_END_DECLS
