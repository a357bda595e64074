/* soak.c: a mixed workload for minutes, watched for memory growth
 *
 * Runs rounds of a mixed workload until the time is up: each round makes an
 * island with fiber and poll tasks that yield, park and get woken from a
 * helper thread, await promises resolved from two other threads, await
 * blocking jobs and short sleeps, pass items through a channel and a join
 * set; every fourth round frees its island with tasks still parked, the
 * others join everything. RSS is sampled at the start, after the warm-up
 * (the first fifth of the run: 2 minutes of the default 10, long enough
 * for malloc's heaps to reach their working size) and at the end.
 *
 * Usage: soak [SECONDS]   (default: BENCH_SOAK_SECONDS, else 600)
 *
 * The allocator is pinned unless BENCH_SOAK_DEFAULT_ALLOCATOR is set: the
 * program runs itself again with G_SLICE=always-malloc and
 * MALLOC_ARENA_MAX=2 (where not set already). With the defaults, two
 * growths that are not Isle's show for minutes: GLib 2.74's GSlice
 * magazines grow with memory freed on another thread than the one that
 * allocated it, and glibc adds malloc arenas (up to 8 per core) as the
 * blocking pool's threads come and go. bench/README.md has the figures of
 * both ways.
 *
 * Figures: operations done, operations per second, RSS at the three
 * points, and the growth from the warm-up to the end in percent. The
 * verdict fails the run (exit status 1) if that growth is above 1 %.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-common.h"

#define SOAK_DEFAULT_SECONDS 600
#define SOAK_MAX_GROWTH_PERCENT 1.0
#define SOAK_WORKERS 8          /* fiber tasks per round */
#define SOAK_POLLERS 4          /* poll tasks per round */
#define SOAK_STEPS 64           /* steps of each fiber task */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  /* Arrays, not GQueues: a GQueue's links come from GSlice, and links
   * allocated on one thread and freed on another make GLib 2.74's GSlice
   * magazines grow for minutes, which would be the harness's growth, not
   * Isle's. */
  GPtrArray *wakers;   /* IsleWaker *, protected by lock */
  GPtrArray *promises; /* IslePromise *, protected by lock */
  gboolean stop;       /* protected by lock */
} SoakHelpers;

static SoakHelpers helpers;
static guint64 n_ops;      /* island thread only */

/* Bytes malloc() has handed out and not had back, over all arenas: it
 * tells a leak (this grows) from a heap that holds on to freed pages
 * (RSS grows, this does not). */
static gsize
heap_in_use_kib (void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info = mallinfo2 ();

  return (info.uordblks + info.hblkhd) / 1024;
#else
  return 0;
#endif
}

static gpointer
helper_thread (gpointer data)
{
  for (;;)
    {
      IsleWaker *waker;
      IslePromise *promise;

      g_mutex_lock (&helpers.lock);
      while (helpers.wakers->len == 0 && helpers.promises->len == 0 && !helpers.stop)
        g_cond_wait (&helpers.cond, &helpers.lock);
      waker = helpers.wakers->len > 0 ? g_ptr_array_steal_index (helpers.wakers, 0) : NULL;
      promise = helpers.promises->len > 0 ? g_ptr_array_steal_index (helpers.promises, 0) : NULL;
      if (waker == NULL && promise == NULL)
        {
          g_mutex_unlock (&helpers.lock);
          return NULL;
        }
      g_mutex_unlock (&helpers.lock);

      if (waker != NULL)
        {
          isle_waker_wake (waker);
          isle_waker_unref (waker);
        }
      if (promise != NULL)
        {
          isle_promise_resolve (promise, g_strdup ("resolved"), g_free);
          isle_promise_unref (promise);
        }
    }
}

static void
hand_to_helpers (IsleWaker   *waker,
                 IslePromise *promise)
{
  g_mutex_lock (&helpers.lock);
  if (waker != NULL)
    g_ptr_array_add (helpers.wakers, waker);
  if (promise != NULL)
    g_ptr_array_add (helpers.promises, promise);
  g_cond_signal (&helpers.cond);
  g_mutex_unlock (&helpers.lock);
}

static gpointer
square_job (gpointer       user_data,
            GCancellable  *cancellable,
            GError       **error)
{
  guint n = GPOINTER_TO_UINT (user_data);

  return GUINT_TO_POINTER (n * n);
}

static gpointer
child_task (gpointer   user_data,
            GError   **error)
{
  return g_strdup ("child");
}

static gboolean
soak_step (guint              step,
           IsleChannel       *channel,
           IsleChannelSender *sender,
           GError           **error)
{
  switch (step % 8)
    {
    case 0:
      return isle_yield_now (error);

    case 1:
      hand_to_helpers (isle_task_ref_waker (isle_task_get_current ()), NULL);
      return isle_park (error);

    case 2:
      {
        IslePromise *promise = isle_promise_new ();
        g_autoptr(IsleFuture) future = isle_future_ref (isle_promise_get_future (promise));

        hand_to_helpers (NULL, promise);
        return isle_await (future, error) != NULL;
      }

    case 3:
      {
        g_autoptr(IsleFuture) job = isle_spawn_blocking (square_job, GUINT_TO_POINTER (step), NULL, NULL);

        return isle_await (job, error) != NULL || *error == NULL;
      }

    case 4:
      return isle_sleep_msec (step % 16 == 4 ? 1 : 0, error);

    case 5:
      {
        gpointer item;

        if (!isle_channel_sender_send (sender, g_strdup ("item"), error))
          return FALSE;
        item = isle_channel_recv (channel, error);
        g_free (item);
        return item != NULL;
      }

    case 6:
      {
        g_autoptr(IsleJoinSet) set = isle_join_set_new ();
        guint i;

        for (i = 0; i < 3; i++)
          isle_join_set_spawn_full (set, NULL, G_PRIORITY_DEFAULT, 0, child_task, NULL, NULL, g_free);
        while (!isle_join_set_is_empty (set))
          {
            g_autoptr(IsleJoinHandle) done = isle_join_set_join_next (set, error);
            g_autofree char *result = NULL;

            if (done == NULL)
              return FALSE;
            result = isle_join_handle_join (done, error);
            if (result == NULL)
              return FALSE;
          }
        return TRUE;
      }

    default:
      {
        g_autoptr(IsleJoinHandle) child = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, child_task,
                                                                 NULL, NULL, g_free);
        g_autofree char *result = isle_join_handle_join (child, error);

        return result != NULL;
      }
    }
}

static gpointer
worker_task (gpointer   user_data,
             GError   **error)
{
  g_autoptr(IsleChannelSender) sender = NULL;
  g_autoptr(IsleChannel) channel = isle_channel_new (4, g_free, &sender);
  guint offset = GPOINTER_TO_UINT (user_data);
  guint step;

  for (step = 0; step < SOAK_STEPS; step++)
    {
      if (!soak_step (step + offset, channel, sender, error))
        return NULL;
      n_ops++;
    }
  return g_strdup ("worker");
}

typedef struct
{
  guint polls_left;
} Poller;

static IslePoll
poller_poll (gpointer    state,
             IsleWaker  *waker,
             gpointer   *result,
             GError    **error)
{
  Poller *poller = state;

  n_ops++;
  if (poller->polls_left-- == 0)
    {
      *result = g_strdup ("poller");
      return ISLE_POLL_READY;
    }
  if (poller->polls_left % 2 == 0)
    isle_waker_wake (waker);
  else
    hand_to_helpers (isle_waker_ref (waker), NULL);
  return ISLE_POLL_PENDING;
}

/* The root of a round that finishes: joins every task. */
static gpointer
join_all (gpointer   user_data,
          GError   **error)
{
  IsleJoinHandle **handles = user_data;
  guint i;

  for (i = 0; i < SOAK_WORKERS + SOAK_POLLERS; i++)
    {
      g_autofree char *result = isle_join_handle_join (handles[i], error);

      if (result == NULL)
        return NULL;
    }
  return handles;
}

static void
soak_round (guint round)
{
  IsleLocalSet *island = isle_local_set_new ();
  IsleJoinHandle *handles[SOAK_WORKERS + SOAK_POLLERS];
  gboolean teardown = round % 4 == 3;
  guint i;

  for (i = 0; i < SOAK_WORKERS; i++)
    handles[i] = isle_local_set_spawn_local_full (island, "soak-worker", G_PRIORITY_DEFAULT, 0,
                                                  worker_task, GUINT_TO_POINTER (i + round),
                                                  NULL, g_free);
  for (i = 0; i < SOAK_POLLERS; i++)
    {
      Poller *poller = g_new0 (Poller, 1);

      poller->polls_left = 16 + i;
      handles[SOAK_WORKERS + i] = isle_local_set_spawn_local_poll_full (island, "soak-poller", G_PRIORITY_DEFAULT,
                                                                        poller_poll, poller,
                                                                        g_free, g_free);
    }

  if (teardown)
    {
      /* A few turns, then free the island with whatever is in flight. */
      for (i = 0; i < 50; i++)
        g_main_context_iteration (isle_local_set_get_context (island), FALSE);
      for (i = 0; i < G_N_ELEMENTS (handles); i++)
        isle_join_handle_unref (handles[i]);
    }
  else
    {
      GError *error = NULL;
      gpointer joined;

      joined = isle_local_set_run_until_deadline (island,
                                                  g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND,
                                                  join_all, handles, NULL, NULL, &error);
      bench_check_error (error, "a soak round");
      if (joined != handles)
        bench_fail ("a soak task returned nothing");
      for (i = 0; i < G_N_ELEMENTS (handles); i++)
        isle_join_handle_unref (handles[i]);
    }

  isle_local_set_unref (island);
}

int
main (int   argc,
      char *argv[])
{
  const char *env = g_getenv ("BENCH_SOAK_SECONDS");
  guint seconds = SOAK_DEFAULT_SECONDS;
  gint64 start, warm_until, end, next_sample, sample_every;
  gsize rss_start, rss_warm = 0, rss_end;
  GThread *threads[2];
  guint round = 0;
  double growth;
  g_autofree char *extra = NULL;
  guint i;

  if (g_getenv ("BENCH_SOAK_DEFAULT_ALLOCATOR") == NULL &&
      (g_getenv ("G_SLICE") == NULL || g_getenv ("MALLOC_ARENA_MAX") == NULL))
    {
      setenv ("G_SLICE", "always-malloc", 0);
      setenv ("MALLOC_ARENA_MAX", "2", 0);
      execv ("/proc/self/exe", argv);
      /* Not reached unless exec failed: measure as things are. */
    }
  printf ("soak: G_SLICE=%s MALLOC_ARENA_MAX=%s\n",
          g_getenv ("G_SLICE") ? g_getenv ("G_SLICE") : "(default)",
          g_getenv ("MALLOC_ARENA_MAX") ? g_getenv ("MALLOC_ARENA_MAX") : "(default)");

  bench_init ("soak");
  if (argc > 1)
    seconds = (guint) g_ascii_strtoull (argv[1], NULL, 10);
  else if (env != NULL)
    seconds = (guint) g_ascii_strtoull (env, NULL, 10);
  if (seconds == 0)
    bench_fail ("usage: soak [SECONDS] (or BENCH_SOAK_SECONDS), above 0");

  g_mutex_init (&helpers.lock);
  g_cond_init (&helpers.cond);
  helpers.wakers = g_ptr_array_sized_new (64);
  helpers.promises = g_ptr_array_sized_new (64);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("soak-helper", helper_thread, NULL);

  start = g_get_monotonic_time ();
  end = start + (gint64) seconds * G_TIME_SPAN_SECOND;
  warm_until = start + (gint64) seconds * G_TIME_SPAN_SECOND / 5;
  sample_every = MAX ((gint64) seconds * G_TIME_SPAN_SECOND / 10, G_TIME_SPAN_SECOND);
  rss_start = bench_get_rss_kib ();

  next_sample = start + sample_every;
  while (g_get_monotonic_time () < end)
    {
      gint64 now;

      soak_round (round++);
      now = g_get_monotonic_time ();
      if (rss_warm == 0 && now >= warm_until)
        rss_warm = bench_get_rss_kib ();
      if (now >= next_sample)
        {
          /* The trend in between, for a human looking for a slow leak. */
          printf ("soak: %4" G_GINT64_FORMAT " s  rss_kib=%" G_GSIZE_FORMAT "  heap_in_use_kib=%"
                  G_GSIZE_FORMAT "  ops=%" G_GUINT64_FORMAT "\n",
                  (now - start) / G_TIME_SPAN_SECOND, bench_get_rss_kib (), heap_in_use_kib (), n_ops);
          fflush (stdout);
          next_sample += sample_every;
        }
    }
  if (rss_warm == 0)
    rss_warm = bench_get_rss_kib ();
  rss_end = bench_get_rss_kib ();

  g_mutex_lock (&helpers.lock);
  helpers.stop = TRUE;
  g_cond_broadcast (&helpers.cond);
  g_mutex_unlock (&helpers.lock);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_ptr_array_unref (helpers.wakers);
  g_ptr_array_unref (helpers.promises);

  growth = 100.0 * ((double) rss_end - (double) rss_warm) / (double) rss_warm;
  extra = g_strdup_printf ("seconds=%u rounds=%u ops_per_s=%.0f rss_start_kib=%" G_GSIZE_FORMAT
                           " rss_warm_kib=%" G_GSIZE_FORMAT " rss_end_kib=%" G_GSIZE_FORMAT
                           " growth_pct=%.2f",
                           seconds, round, n_ops / (double) seconds,
                           rss_start, rss_warm, rss_end, growth);
  bench_print_result ("ops", (double) n_ops, n_ops, extra);

  if (growth > SOAK_MAX_GROWTH_PERCENT)
    bench_fail ("RSS grew by %.2f %% after the warm-up (%" G_GSIZE_FORMAT " KiB to %"
                G_GSIZE_FORMAT " KiB); the bound is %.0f %%",
                growth, rss_warm, rss_end, SOAK_MAX_GROWTH_PERCENT);
  printf ("soak: RSS %+.2f %% after the warm-up, within %.0f %%\n", growth, SOAK_MAX_GROWTH_PERCENT);
  return 0;
}
