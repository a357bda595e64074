/* summary.h: an example GIO-style library written with Isle's GTask bridge
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * SummaryProgressFunc:
 * @n_files: the files counted so far
 * @n_lines: the lines counted so far
 * @user_data: the data given with the function
 *
 * Reports how far summary_compute_async() has got.
 */
typedef void (*SummaryProgressFunc) (guint    n_files,
                                     gint64   n_lines,
                                     gpointer user_data);

void    summary_compute_async  (GFile                *folder,
                                guint                 pause_msec,
                                GCancellable         *cancellable,
                                SummaryProgressFunc   progress,
                                gpointer              progress_data,
                                GDestroyNotify        progress_destroy,
                                GAsyncReadyCallback   callback,
                                gpointer              user_data);
gint64  summary_compute_finish (GAsyncResult         *result,
                                guint                *n_files,
                                GError              **error);

G_END_DECLS
