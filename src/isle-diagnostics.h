/* isle-diagnostics.h: an island's tasks as objects, for tools
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(ISLE_INSIDE) && !defined(ISLE_COMPILATION)
# error "Only <isle.h> can be included directly."
#endif

#include <gio/gio.h>

#include "isle-types.h"

G_BEGIN_DECLS

#define ISLE_TYPE_TASK_INFO (isle_task_info_get_type ())

/* Declared once more for the export macro; the scanner sees only the
 * G_DECLARE_FINAL_TYPE() declaration. */
#ifndef __GI_SCANNER__
ISLE_AVAILABLE_IN_ALL
GType           isle_task_info_get_type            (void) G_GNUC_CONST;
#endif
G_DECLARE_FINAL_TYPE (IsleTaskInfo, isle_task_info, ISLE, TASK_INFO, GObject)

ISLE_AVAILABLE_IN_ALL
GListModel     *isle_local_set_list_tasks          (IsleLocalSet *self) G_GNUC_WARN_UNUSED_RESULT;

ISLE_AVAILABLE_IN_ALL
guint64         isle_task_info_get_id              (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_info_get_name            (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_info_get_kind            (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_info_get_state           (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_info_get_spawn_site      (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_info_get_waiting_for     (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
const char     *isle_task_info_get_wait_kind       (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
gint64          isle_task_info_get_age_usec        (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
guint64         isle_task_info_get_n_turns         (IsleTaskInfo *self);
ISLE_AVAILABLE_IN_ALL
gint64          isle_task_info_get_run_time_usec   (IsleTaskInfo *self);

G_END_DECLS
