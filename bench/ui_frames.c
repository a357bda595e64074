/* ui_frames: does a window keep its frame rate while 1,000 tasks yield?
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GTK 4 window whose drawing area repaints every frame (a tick callback
 * counts the frames and queues the next draw) runs on the main thread's
 * default context, which the island shares. For IDLE_MS the island has
 * nothing to do; then T = 1,000 fiber tasks call isle_yield_now() in a
 * loop for BUSY_MS. Then, for SLEEPERS_MS each, S = 1,000 and then 10,000
 * fiber tasks sleep a random 20-120 ms in a loop, as the demo's workers
 * do: a stream of timer wakes, one every 70 µs at S = 1,000 and every
 * 7 µs at 10,000, with the run queue empty between them. The figures are
 * the frame rates of the periods, and for the sleepers also the wakes
 * they got through per second.
 *
 * Input: another thread injects real button presses through the X
 * server's XTEST extension every INPUT_PERIOD_MS, aimed at the window.
 * They come back through GDK's X event source like a user's clicks, to a
 * GtkEventControllerLegacy on the window. The program checks that every
 * press sent while the tasks were busy arrived, and reports the longest
 * and median delay from send to delivery in each period.
 *
 * Run it with a display; without one, bench/run-all.sh wraps it in
 * xvfb-run.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <gtk/gtk.h>
#include <gdk/x11/gdkx.h>
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>

#include "bench-common.h"

#define IDLE_MS          2000
#define BUSY_MS          2000
#define SLEEPERS_MS      2000
#define N_TASKS          1000
#define NAP_MIN_MS       20
#define NAP_MAX_MS       120
#define INPUT_PERIOD_MS  50
#define MAX_PRESSES      1024

typedef enum
{
  PHASE_SETUP,
  PHASE_IDLE,
  PHASE_BUSY,
  PHASE_SLEEPERS,
  PHASE_DONE,
} Phase;

typedef struct
{
  /* Written by the injector thread, read by the main thread once every
   * press has come back or the run is over. */
  gint64 sent_us[MAX_PRESSES];
  int sent_phase[MAX_PRESSES];
  int n_sent;                           /* (atomic) */

  /* Main thread only. */
  gint64 received_us[MAX_PRESSES];
  guint n_received;
  guint64 frames;

  int phase;                            /* (atomic) a Phase */
  Window xid;
  int x;
  int y;
} State;

static State state;
static gboolean stop_tasks;
static guint64 n_naps;

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       user_data)
{
  state.frames++;
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

/* Something that changes every frame, so every frame paints. */
static void
draw_bar (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        user_data)
{
  double x = (double) (state.frames % 120) / 120.0 * width;

  cairo_set_source_rgb (cr, 0.9, 0.9, 0.9);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.1, 0.4, 0.8);
  cairo_rectangle (cr, x, 0, width / 10.0, height);
  cairo_fill (cr);
}

static gboolean
on_event (GtkEventControllerLegacy *controller,
          GdkEvent                 *event,
          gpointer                  user_data)
{
  if (gdk_event_get_event_type (event) == GDK_BUTTON_PRESS &&
      state.n_received < MAX_PRESSES)
    state.received_us[state.n_received++] = g_get_monotonic_time ();

  return GDK_EVENT_PROPAGATE;
}

/* The injector: a connection of its own to the X server, and XTEST
 * presses at the middle of the window until the run is over. */
static gpointer
inject_input (gpointer user_data)
{
  Display *display = XOpenDisplay (NULL);
  int event_base, error_base, major, minor;
  Window child;
  int root_x, root_y;

  if (display == NULL)
    bench_fail ("the injector could not open the display");
  if (!XTestQueryExtension (display, &event_base, &error_base, &major, &minor))
    bench_fail ("the X server has no XTEST extension to inject input with");

  XTranslateCoordinates (display, state.xid, DefaultRootWindow (display),
                         state.x, state.y, &root_x, &root_y, &child);
  XTestFakeMotionEvent (display, -1, root_x, root_y, CurrentTime);
  XFlush (display);

  while (g_atomic_int_get (&state.phase) != PHASE_DONE)
    {
      int phase = g_atomic_int_get (&state.phase);
      int n = g_atomic_int_get (&state.n_sent);

      if (phase != PHASE_SETUP && n < MAX_PRESSES)
        {
          state.sent_us[n] = g_get_monotonic_time ();
          state.sent_phase[n] = phase;
          XTestFakeButtonEvent (display, 1, True, CurrentTime);
          XTestFakeButtonEvent (display, 1, False, CurrentTime);
          XFlush (display);
          g_atomic_int_set (&state.n_sent, n + 1);
        }
      g_usleep (INPUT_PERIOD_MS * 1000);
    }

  XCloseDisplay (display);
  return NULL;
}

static gpointer
yield_forever (gpointer   user_data,
               GError   **error)
{
  while (!stop_tasks)
    if (!isle_yield_now (error))
      return NULL;

  return NULL;
}

static gpointer
nap_forever (gpointer   user_data,
             GError   **error)
{
  while (!stop_tasks)
    {
      if (!isle_sleep_msec (g_random_int_range (NAP_MIN_MS, NAP_MAX_MS), error))
        return NULL;
      n_naps++;
    }

  return NULL;
}

static gboolean
join_all (GPtrArray  *handles,
          GError    **error)
{
  for (guint i = 0; i < handles->len; i++)
    {
      isle_join_handle_join (handles->pdata[i], error);
      if (*error != NULL)
        return FALSE;
    }
  g_ptr_array_set_size (handles, 0);
  return TRUE;
}

/* The main thread's time on a CPU and waiting for one, in µs, from
 * /proc/thread-self/schedstat; FALSE where the kernel does not keep it. */
static gboolean
read_schedstat (gint64 *on_cpu_us,
                gint64 *run_delay_us)
{
  g_autofree char *text = NULL;
  guint64 on_cpu_ns, run_delay_ns;

  if (!g_file_get_contents ("/proc/thread-self/schedstat", &text, NULL, NULL) ||
      sscanf (text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &on_cpu_ns, &run_delay_ns) != 2)
    return FALSE;

  *on_cpu_us = on_cpu_ns / 1000;
  *run_delay_us = run_delay_ns / 1000;
  return TRUE;
}

/* What the main thread did in the last measured period, as shares of it:
 * its CPU time (which includes cairo's rendering, and the island's
 * tasks), and its time waiting for a CPU that other processes had. */
static double main_cpu_share;
static double main_wait_share;

static double
measure_fps (guint     ms,
             GError  **error)
{
  guint64 frames = state.frames;
  gint64 start = g_get_monotonic_time ();
  gint64 cpu_before = 0, wait_before = 0, cpu_after = 0, wait_after = 0;
  gboolean have_schedstat = read_schedstat (&cpu_before, &wait_before);
  gint64 elapsed;

  if (!isle_sleep_msec (ms, error))
    return -1;

  elapsed = g_get_monotonic_time () - start;
  if (have_schedstat && read_schedstat (&cpu_after, &wait_after))
    {
      main_cpu_share = (cpu_after - cpu_before) / (double) elapsed;
      main_wait_share = (wait_after - wait_before) / (double) elapsed;
    }
  else
    {
      main_cpu_share = main_wait_share = -1;
    }

  return (state.frames - frames) * (double) G_TIME_SPAN_SECOND / elapsed;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* The median and longest delay of the presses sent in @phase, in ms;
 * fails the run if one of them never arrived. */
static void
input_delays (Phase   phase,
              guint  *n_presses,
              double *median_ms,
              double *max_ms)
{
  g_autoptr(GArray) delays = g_array_new (FALSE, FALSE, sizeof (gint64));
  int n_sent = g_atomic_int_get (&state.n_sent);

  for (int i = 0; i < n_sent; i++)
    {
      gint64 delay;

      if (state.sent_phase[i] != (int) phase)
        continue;
      if ((guint) i >= state.n_received)
        bench_fail ("press %d of %d, sent while %s, never arrived", i + 1, n_sent,
                    phase == PHASE_IDLE ? "idle" : "the tasks were busy");
      delay = state.received_us[i] - state.sent_us[i];
      g_array_append_val (delays, delay);
    }

  *n_presses = delays->len;
  if (delays->len == 0)
    bench_fail ("no press was sent while %s", phase == PHASE_IDLE ? "idle" : "busy");

  g_array_sort (delays, compare_int64);
  *median_ms = g_array_index (delays, gint64, delays->len / 2) / 1000.0;
  *max_ms = g_array_index (delays, gint64, delays->len - 1) / 1000.0;
}

static gboolean
all_presses_back (gconstpointer data)
{
  return state.n_received >= (guint) g_atomic_int_get (&state.n_sent);
}

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  GtkWidget *window = user_data;
  guint n_tasks = bench_scale_count (N_TASKS);
  g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  g_autoptr(GThread) injector = NULL;
  g_autofree char *idle_extra = NULL;
  g_autofree char *busy_extra = NULL;
  static const guint sleeper_counts[] = { 1000, 10000 };
  g_autofree char *idle_shares = NULL;
  g_autofree char *busy_shares = NULL;
  char *sleepers_shares[G_N_ELEMENTS (sleeper_counts)] = { NULL, };
  double fps_sleepers[G_N_ELEMENTS (sleeper_counts)];
  double naps_per_s[G_N_ELEMENTS (sleeper_counts)];
  double fps_idle, fps_busy;
  guint idle_presses, busy_presses, sleepers_presses;
  double idle_median, idle_max, busy_median, busy_max, sleepers_median, sleepers_max;
  gint64 deadline;

  /* Until the window is on screen and has drawn a few frames. */
  while (state.frames < 10)
    if (!isle_sleep_msec (20, error))
      return NULL;

  state.xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
  state.x = gtk_widget_get_width (window) / 2;
  state.y = gtk_widget_get_height (window) / 2;
  injector = g_thread_new ("ui-frames-input", inject_input, NULL);

  g_atomic_int_set (&state.phase, PHASE_IDLE);
  if ((fps_idle = measure_fps (IDLE_MS, error)) < 0)
    return NULL;
  idle_shares = g_strdup_printf ("main_cpu=%.2f main_wait=%.2f", main_cpu_share, main_wait_share);

  stop_tasks = FALSE;
  for (guint i = 0; i < n_tasks; i++)
    g_ptr_array_add (handles, isle_spawn_local (yield_forever, NULL, NULL));
  /* Every task has started once the root's own yield comes back. */
  if (!isle_yield_now (error))
    return NULL;

  g_atomic_int_set (&state.phase, PHASE_BUSY);
  if ((fps_busy = measure_fps (BUSY_MS, error)) < 0)
    return NULL;
  busy_shares = g_strdup_printf ("main_cpu=%.2f main_wait=%.2f", main_cpu_share, main_wait_share);
  stop_tasks = TRUE;
  if (!join_all (handles, error))
    return NULL;
  stop_tasks = FALSE;

  g_atomic_int_set (&state.phase, PHASE_SLEEPERS);
  for (guint k = 0; k < G_N_ELEMENTS (sleeper_counts); k++)
    {
      guint n_sleepers = bench_scale_count (sleeper_counts[k]);
      guint64 naps_before;
      gint64 start;

      for (guint i = 0; i < n_sleepers; i++)
        g_ptr_array_add (handles, isle_spawn_local (nap_forever, NULL, NULL));
      /* Past the first naps, which all started together: from here the
       * wakes are a steady stream. */
      if (!isle_sleep_msec (NAP_MAX_MS, error))
        return NULL;

      naps_before = n_naps;
      start = g_get_monotonic_time ();
      if ((fps_sleepers[k] = measure_fps (SLEEPERS_MS, error)) < 0)
        return NULL;
      sleepers_shares[k] = g_strdup_printf ("main_cpu=%.2f main_wait=%.2f",
                                            main_cpu_share, main_wait_share);
      naps_per_s[k] = (n_naps - naps_before) * (double) G_TIME_SPAN_SECOND /
                      (g_get_monotonic_time () - start);

      stop_tasks = TRUE;
      if (!join_all (handles, error))
        return NULL;
      stop_tasks = FALSE;
    }

  g_atomic_int_set (&state.phase, PHASE_DONE);
  g_thread_join (g_steal_pointer (&injector));

  /* The presses sent in the last moments: still delivered. */
  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (!all_presses_back (NULL) && g_get_monotonic_time () < deadline)
    if (!isle_sleep_msec (5, error))
      return NULL;

  input_delays (PHASE_IDLE, &idle_presses, &idle_median, &idle_max);
  input_delays (PHASE_BUSY, &busy_presses, &busy_median, &busy_max);
  input_delays (PHASE_SLEEPERS, &sleepers_presses, &sleepers_median, &sleepers_max);

  idle_extra = g_strdup_printf ("presses=%u input_ms_median=%.1f input_ms_max=%.1f %s",
                                idle_presses, idle_median, idle_max, idle_shares);
  bench_print_result ("fps_idle", fps_idle, 0, idle_extra);
  busy_extra = g_strdup_printf ("ratio=%.3f presses=%u input_ms_median=%.1f input_ms_max=%.1f %s",
                                fps_busy / fps_idle, busy_presses, busy_median, busy_max,
                                busy_shares);
  bench_print_result ("fps_busy", fps_busy, n_tasks, busy_extra);
  for (guint k = 0; k < G_N_ELEMENTS (sleeper_counts); k++)
    {
      g_autofree char *extra = NULL;

      /* The presses of the whole sleepers phase go with its last line. */
      if (k + 1 < G_N_ELEMENTS (sleeper_counts))
        extra = g_strdup_printf ("ratio=%.3f naps_per_s=%.0f %s", fps_sleepers[k] / fps_idle,
                                 naps_per_s[k], sleepers_shares[k]);
      else
        extra = g_strdup_printf ("ratio=%.3f naps_per_s=%.0f presses=%u input_ms_median=%.1f input_ms_max=%.1f %s",
                                 fps_sleepers[k] / fps_idle, naps_per_s[k],
                                 sleepers_presses, sleepers_median, sleepers_max,
                                 sleepers_shares[k]);
      bench_print_result ("fps_sleepers", fps_sleepers[k],
                          bench_scale_count (sleeper_counts[k]), extra);
      g_free (sleepers_shares[k]);
    }

  return NULL;
}

int
main (int    argc,
      char **argv)
{
  GtkEventController *legacy;
  GtkWidget *window;
  GtkWidget *area;

  bench_init ("ui_frames");

  if (!gtk_init_check ())
    bench_fail ("no display: run ui_frames under xvfb-run");
  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    bench_fail ("ui_frames injects input through X11's XTEST; run it on X11 or under xvfb-run");

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "ui_frames");
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 480);
  area = gtk_drawing_area_new ();
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_bar, NULL, NULL);
  gtk_widget_add_tick_callback (area, count_frame, NULL, NULL);
  gtk_window_set_child (GTK_WINDOW (window), area);
  legacy = gtk_event_controller_legacy_new ();
  g_signal_connect (legacy, "event", G_CALLBACK (on_event), NULL);
  gtk_widget_add_controller (window, legacy);
  gtk_window_present (GTK_WINDOW (window));

  /* The island of bench_run_root() is on the main thread's default
   * context, the one GTK draws and receives input on. */
  bench_run_root (root, window);

  gtk_window_destroy (GTK_WINDOW (window));
  return EXIT_SUCCESS;
}
