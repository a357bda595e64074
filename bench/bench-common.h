/* bench-common.h: what every workload program of bench/ shares
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <isle.h>

G_BEGIN_DECLS

void            bench_init                (const char    *workload);
const char     *bench_get_workload        (void);
double          bench_get_scale           (void);
guint           bench_scale_count         (guint          count);

gint64          bench_now_ns              (void);
double          bench_ns_per              (gint64         start_ns,
                                           gint64         end_ns,
                                           guint64        count);

gsize           bench_get_rss_kib         (void);
gsize           bench_get_peak_rss_kib    (void);
void            bench_touch_memory        (gpointer       mem,
                                           gsize          size);

void            bench_print_result        (const char    *figure,
                                           double         value,
                                           guint64        n,
                                           const char    *extra);

G_NORETURN
void            bench_fail                (const char    *format,
                                           ...) G_GNUC_PRINTF (1, 2);
void            bench_check_error         (GError        *error,
                                           const char    *what);
gpointer        bench_run_root            (IsleTaskFunc   root,
                                           gpointer       user_data);

G_END_DECLS
