/* isle-demo-window.h: the Isle demo's window, one page per topic
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <isle.h>

G_BEGIN_DECLS

#define ISLE_DEMO_TYPE_WINDOW (isle_demo_window_get_type ())

G_DECLARE_FINAL_TYPE (IsleDemoWindow, isle_demo_window, ISLE_DEMO, WINDOW, GtkApplicationWindow)

IsleDemoWindow *isle_demo_window_new          (GtkApplication *application,
                                               IsleLocalSet   *island);
IsleLocalSet   *isle_demo_window_get_island   (IsleDemoWindow *self);
GtkWidget      *isle_demo_window_get_part     (IsleDemoWindow *self,
                                               const char     *name);
void            isle_demo_window_show_page    (IsleDemoWindow *self,
                                               const char     *page);
void            isle_demo_window_load_folder  (IsleDemoWindow *self,
                                               GFile          *folder);
GtkWindow      *isle_demo_window_get_question (IsleDemoWindow *self);
guint           isle_demo_window_get_n_workers (IsleDemoWindow *self);
GtkWidget      *isle_demo_window_get_worker_row_part (IsleDemoWindow *self,
                                                     guint           position,
                                                     const char     *name);
gboolean        isle_demo_window_is_busy      (IsleDemoWindow *self,
                                               const char     *page);
char           *isle_demo_window_describe_task (IsleTaskInfo  *info);

void            isle_demo_report_slow_poll    (const char     *message);
void            isle_demo_install_log_writer  (void);

G_END_DECLS
