/* isle-waker-private.h: the wake, for the rest of Isle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-task-private.h"

G_BEGIN_DECLS

void          _isle_task_wake_local       (IsleTask        *task);
void          _isle_task_wake_remote      (IsleTask        *task);
void          _isle_waker_wake_and_unref  (IsleWaker       *self);

G_END_DECLS
