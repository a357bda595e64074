/* ping_pong.c: two fiber tasks hand a token back and forth
 *
 * M = 1,000,000 round trips between a "ping" and a "pong" fiber task
 * through the cheapest local wake primitive Isle has: each side keeps the
 * other's waker (isle_task_ref_waker()), hands the token over by writing
 * the owner field and waking it (isle_waker_wake()), and parks until the
 * token comes back (isle_park()).
 * Figure: ns per one-way hand-off, the round-trip loop's time / (2 M).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "bench-common.h"

#define PING_PONG_M 1000000

typedef enum
{
  TOKEN_AT_PING,
  TOKEN_AT_PONG,
} TokenOwner;

typedef struct
{
  guint m;
  TokenOwner owner;
  gboolean done;
  IsleWaker *ping_waker;  /* (owned) */
  IsleWaker *pong_waker;  /* (owned) */
  guint64 ping_received;
  guint64 pong_received;
  double ns_per_handoff;
} PingPongRun;

static gpointer
ping_task (gpointer   user_data,
           GError   **error)
{
  PingPongRun *run = user_data;
  gint64 start_ns;
  gint64 end_ns;

  run->ping_waker = isle_task_ref_waker (isle_task_get_current ());

  /* Pong was spawned first and so has run first, but waiting for its
   * waker keeps the protocol right under any start order. */
  while (run->pong_waker == NULL)
    {
      if (!isle_yield_now (error))
        return NULL;
    }

  start_ns = bench_now_ns ();

  for (guint i = 0; i < run->m; i++)
    {
      run->owner = TOKEN_AT_PONG;
      isle_waker_wake (run->pong_waker);

      /* The loop guards against a wake that is not the hand-off; in a
       * correct run each park returns with the token here. */
      while (run->owner != TOKEN_AT_PING)
        {
          if (!isle_park (error))
            return NULL;
        }
      run->ping_received++;
    }

  end_ns = bench_now_ns ();

  run->ns_per_handoff = bench_ns_per (start_ns, end_ns, 2 * (guint64) run->m);

  run->done = TRUE;
  run->owner = TOKEN_AT_PONG;
  isle_waker_wake (run->pong_waker);

  return run;
}

static gpointer
pong_task (gpointer   user_data,
           GError   **error)
{
  PingPongRun *run = user_data;

  run->pong_waker = isle_task_ref_waker (isle_task_get_current ());

  for (;;)
    {
      while (run->owner != TOKEN_AT_PONG)
        {
          if (!isle_park (error))
            return NULL;
        }

      if (run->done)
        break;

      run->pong_received++;
      run->owner = TOKEN_AT_PING;
      isle_waker_wake (run->ping_waker);
    }

  return run;
}

static gpointer
ping_pong_root (gpointer   user_data,
                GError   **error)
{
  PingPongRun *run = user_data;
  IsleJoinHandle *pong;
  IsleJoinHandle *ping;
  GError *join_error = NULL;
  gpointer result;

  run->owner = TOKEN_AT_PING;

  pong = isle_spawn_local (pong_task, run, NULL);
  ping = isle_spawn_local (ping_task, run, NULL);

  result = isle_join_handle_join (ping, &join_error);
  bench_check_error (join_error, "isle_join_handle_join (ping)");
  if (result != run)
    bench_fail ("the ping task returned a wrong result");

  result = isle_join_handle_join (pong, &join_error);
  bench_check_error (join_error, "isle_join_handle_join (pong)");
  if (result != run)
    bench_fail ("the pong task returned a wrong result");

  isle_join_handle_unref (ping);
  isle_join_handle_unref (pong);

  /* Both tasks have finished, so neither waker is used any more. */
  g_clear_pointer (&run->ping_waker, isle_waker_unref);
  g_clear_pointer (&run->pong_waker, isle_waker_unref);

  return run;
}

int
main (int   argc,
      char *argv[])
{
  PingPongRun run = { 0, };
  char *round_trips;

  bench_init ("ping_pong");

  run.m = bench_scale_count (PING_PONG_M);

  if (bench_run_root (ping_pong_root, &run) != &run)
    bench_fail ("the root task returned a wrong result");
  if (run.ping_received != run.m || run.pong_received != run.m)
    bench_fail ("ping received %" G_GUINT64_FORMAT " and pong %" G_GUINT64_FORMAT
                " tokens, expected %u each", run.ping_received, run.pong_received, run.m);

  round_trips = g_strdup_printf ("round_trips=%u", run.m);
  bench_print_result ("ns_per_handoff", run.ns_per_handoff, 2 * (guint64) run.m, round_trips);
  g_free (round_trips);

  return 0;
}
