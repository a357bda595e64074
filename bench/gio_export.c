/* gio_export.c: a GIO _async/_finish pair made with the GTask bridge,
 * against the same pair written by hand
 *
 * N = 100,000 sequential calls driven from plain GIO callback code: each
 * callback finishes the call and starts the next, on the default context,
 * which a GMainLoop iterates. The operation is trivial (it returns a
 * number), so what is measured is the cost of being a GIO operation:
 * (a) isle_task_run_for_gtask_int() runs a fiber task on the context's
 * shared island and completes the GTask from the island's completion
 * source; (b) a hand-written GTask returns from an idle, which is GTask's
 * own floor, one main-loop iteration. The figures are the medians of five
 * rounds of each, alternated. Target: ratio <= 1.3.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdio.h>

#include "bench-common.h"

#define GIO_EXPORT_N      100000
#define GIO_EXPORT_ROUNDS 5

typedef struct
{
  guint      left;
  gboolean   bridge;
  GMainLoop *loop;
} Chain;

static void start_call (Chain *chain);

/* (a) the bridge */

static gssize
trivial_body (gpointer   user_data,
              GError   **error)
{
  return 42;
}

static void
trivial_bridge_async (GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, trivial_bridge_async);
  isle_task_run_for_gtask_int (task, trivial_body, NULL, NULL);
  g_object_unref (task);
}

/* (b) by hand */

static gboolean
return_from_idle (gpointer data)
{
  g_task_return_int (data, 42);
  return G_SOURCE_REMOVE;
}

static void
trivial_gtask_async (GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  GSource *idle = g_idle_source_new ();

  g_task_set_source_tag (task, trivial_gtask_async);
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_task_attach_source (task, idle, return_from_idle);
  g_source_unref (idle);
  g_object_unref (task);
}

static gssize
trivial_finish (GAsyncResult  *result,
                GError       **error)
{
  return g_task_propagate_int (G_TASK (result), error);
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Chain *chain = user_data;
  GError *error = NULL;

  if (trivial_finish (result, &error) != 42)
    bench_fail ("gio_export: the call returned the wrong value");
  bench_check_error (error, "the trivial call");

  if (--chain->left == 0)
    g_main_loop_quit (chain->loop);
  else
    start_call (chain);
}

static void
start_call (Chain *chain)
{
  if (chain->bridge)
    trivial_bridge_async (call_done, chain);
  else
    trivial_gtask_async (call_done, chain);
}

static double
run_chain (gboolean bridge,
           guint    n)
{
  Chain chain = { n, bridge, g_main_loop_new (NULL, FALSE) };
  gint64 start = bench_now_ns ();

  start_call (&chain);
  g_main_loop_run (chain.loop);
  g_main_loop_unref (chain.loop);
  return bench_ns_per (start, bench_now_ns (), n);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  double bridge[GIO_EXPORT_ROUNDS];
  double plain[GIO_EXPORT_ROUNDS];
  guint n;
  guint i;

  bench_init ("gio_export");
  n = bench_scale_count (GIO_EXPORT_N);

  /* Warm up both paths: the island's stack pool, GTask's class. */
  run_chain (TRUE, n / 10 + 1);
  run_chain (FALSE, n / 10 + 1);

  for (i = 0; i < GIO_EXPORT_ROUNDS; i++)
    {
      bridge[i] = run_chain (TRUE, n);
      plain[i] = run_chain (FALSE, n);
    }
  qsort (bridge, GIO_EXPORT_ROUNDS, sizeof (double), (GCompareFunc) compare_double);
  qsort (plain, GIO_EXPORT_ROUNDS, sizeof (double), (GCompareFunc) compare_double);

  printf ("RESULT gio_export ns_per_call=%.1f gtask_ns_per_call=%.1f ratio=%.2f n=%u peak_rss_kib=%" G_GSIZE_FORMAT "\n",
          bridge[GIO_EXPORT_ROUNDS / 2], plain[GIO_EXPORT_ROUNDS / 2],
          bridge[GIO_EXPORT_ROUNDS / 2] / plain[GIO_EXPORT_ROUNDS / 2], n,
          bench_get_peak_rss_kib ());
  return 0;
}
