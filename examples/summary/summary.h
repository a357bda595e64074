/* summary.h: an example GIO-style library written with Isle's GTask bridge
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void    summary_compute_async  (GFile                *folder,
                                guint                 pause_msec,
                                GCancellable         *cancellable,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
gint64  summary_compute_finish (GAsyncResult         *result,
                                guint                *n_files,
                                GError              **error);

G_END_DECLS
