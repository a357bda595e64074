/* isle-demo-screenshot.h: PNG screenshots of a window with GTK's renderer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <isle.h>

G_BEGIN_DECLS

gboolean isle_demo_save_screenshot (GtkWidget   *window,
                                    const char  *path,
                                    GError     **error);
IsleFuture *isle_demo_screenshot_future_new (GtkWidget  *window,
                                             const char *path) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
