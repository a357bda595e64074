/* bench-common.c: scale, clock, RSS and RESULT lines for the workloads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench-common.h"

static const char *bench_workload = "bench";
static double bench_scale = 1.0;

/**
 * bench_init:
 * @workload: the workload name, as in WORKLOADS.md
 *
 * Reads `BENCH_SCALE` and makes warnings and criticals fatal: a critical
 * from the library means the figure was measured on a broken run, and the
 * run must then fail rather than print a number.
 */
void
bench_init (const char *workload)
{
  const char *scale_env;

  bench_workload = workload;

  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  scale_env = g_getenv ("BENCH_SCALE");
  if (scale_env != NULL && *scale_env != '\0')
    {
      char *end = NULL;
      double scale;

      errno = 0;
      scale = g_ascii_strtod (scale_env, &end);
      if (errno != 0 || end == scale_env || *end != '\0' || !(scale > 0.0) || scale > 1000.0)
        bench_fail ("BENCH_SCALE=%s is not a number in (0, 1000]", scale_env);

      bench_scale = scale;
    }

  /* A RESULT line must reach the collector even when a later step of the
   * same program crashes. */
  setvbuf (stdout, NULL, _IOLBF, 0);
}

const char *
bench_get_workload (void)
{
  return bench_workload;
}

double
bench_get_scale (void)
{
  return bench_scale;
}

/**
 * bench_scale_count:
 * @count: a count at scale 1
 *
 * Returns: @count scaled by `BENCH_SCALE`, rounded, and at least 1; a count
 *   of 0 stays 0 (parked_wake's P = 0 is a point of the curve, not a size)
 */
guint
bench_scale_count (guint count)
{
  double scaled;

  if (count == 0)
    return 0;

  scaled = (double) count * bench_scale + 0.5;
  if (scaled < 1.0)
    return 1;
  if (scaled > (double) G_MAXUINT)
    bench_fail ("count %u scaled by %g does not fit", count, bench_scale);

  return (guint) scaled;
}

/* Nanoseconds rather than g_get_monotonic_time()'s microseconds: a few
 * runs are short enough at BENCH_SCALE=0.1 for microseconds to show. */
gint64
bench_now_ns (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_MONOTONIC, &ts) != 0)
    bench_fail ("clock_gettime (CLOCK_MONOTONIC) failed: %s", g_strerror (errno));

  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

double
bench_ns_per (gint64  start_ns,
              gint64  end_ns,
              guint64 count)
{
  if (count == 0)
    return 0.0;

  return (double) (end_ns - start_ns) / (double) count;
}

/**
 * bench_get_rss_kib:
 *
 * Returns: the current resident set size in KiB, from /proc/self/statm
 *   (cheaper to parse than /proc/self/status and exact to the page)
 */
gsize
bench_get_rss_kib (void)
{
  unsigned long size_pages = 0;
  unsigned long resident_pages = 0;
  FILE *statm;
  long page_size;

  statm = fopen ("/proc/self/statm", "re");
  if (statm == NULL)
    bench_fail ("cannot open /proc/self/statm: %s", g_strerror (errno));
  if (fscanf (statm, "%lu %lu", &size_pages, &resident_pages) != 2)
    bench_fail ("cannot parse /proc/self/statm");
  fclose (statm);

  page_size = sysconf (_SC_PAGESIZE);

  return (gsize) resident_pages * (gsize) page_size / 1024;
}

/**
 * bench_get_peak_rss_kib:
 *
 * Returns: the peak resident set size of the process so far, in KiB
 *   (Linux reports ru_maxrss in KiB)
 */
gsize
bench_get_peak_rss_kib (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    bench_fail ("getrusage failed: %s", g_strerror (errno));

  return (gsize) usage.ru_maxrss;
}

/**
 * bench_touch_memory:
 * @mem: memory the benchmark itself needs (handle arrays)
 * @size: its size in bytes
 *
 * Large allocations come straight from mmap and take no memory until they
 * are written; writing them before the "before" RSS sample keeps the
 * harness's own arrays out of a per-task memory figure.
 */
void
bench_touch_memory (gpointer mem,
                    gsize    size)
{
  memset (mem, 0, size);
}

/**
 * bench_print_result:
 * @figure: the figure key of WORKLOADS.md (`ns_per_task`, ...)
 * @value: its value
 * @n: the number of tasks, hand-offs or yields the figure is an average over
 * @extra: (nullable): more `key=value` pairs placed after the figure, such
 *   as `parked=1000`
 *
 * Prints `RESULT <workload> <figure>=<value> [extra] n=<n> peak_rss_kib=<kib>`.
 */
void
bench_print_result (const char *figure,
                    double      value,
                    guint64     n,
                    const char *extra)
{
  /* KiB per task is a small number where the second decimal still matters;
   * nanoseconds and bytes need only one. */
  const char *value_format = (g_str_equal (figure, "kib_per_task") ||
                               g_str_equal (figure, "speedup") ||
                              g_str_has_prefix (figure, "us_per_") ||
                              g_str_has_prefix (figure, "cpu_us_per_")) ? "%.2f" : "%.1f";
  char value_text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (value_text, sizeof value_text, value_format, value);

  printf ("RESULT %s %s=%s%s%s n=%" G_GUINT64_FORMAT " peak_rss_kib=%" G_GSIZE_FORMAT "\n",
          bench_workload, figure, value_text,
          extra != NULL ? " " : "", extra != NULL ? extra : "",
          n, bench_get_peak_rss_kib ());
  fflush (stdout);
}

/**
 * bench_fail:
 * @format: printf-style message
 *
 * Reports a wrong result or a failed call and exits with status 1, so that
 * `meson test --benchmark` and run-all.sh see the failure.
 */
void
bench_fail (const char *format,
            ...)
{
  va_list args;

  fflush (stdout);
  fprintf (stderr, "FAIL %s: ", bench_workload);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);

  exit (EXIT_FAILURE);
}

/**
 * bench_check_error:
 * @error: (nullable) (transfer full): an error from the library, or %NULL
 * @what: the call that set it
 *
 * Fails the run if @error is set.
 */
void
bench_check_error (GError     *error,
                   const char *what)
{
  if (error == NULL)
    return;

  bench_fail ("%s: %s (%s, %d)", what, error->message,
              g_quark_to_string (error->domain), error->code);
}

/**
 * bench_run_root:
 * @root: the root fiber task
 * @user_data: its data
 *
 * Runs @root on a fresh island of the thread-default context and frees the
 * island afterwards, so tasks a workload leaves parked are torn down before
 * the next one starts.
 *
 * Returns: (transfer full): the root's result
 */
gpointer
bench_run_root (IsleTaskFunc root,
                gpointer     user_data)
{
  IsleLocalSet *island;
  GError *error = NULL;
  gpointer result;

  island = isle_local_set_new ();
  result = isle_local_set_run_until (island, root, user_data, &error);
  bench_check_error (error, "isle_local_set_run_until");
  isle_local_set_unref (island);

  return result;
}
