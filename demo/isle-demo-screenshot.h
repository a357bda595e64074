/* isle-demo-screenshot.h: PNG screenshots of a window with GTK's renderer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean isle_demo_save_screenshot (GtkWidget   *window,
                                    const char  *path,
                                    GError     **error);

G_END_DECLS
