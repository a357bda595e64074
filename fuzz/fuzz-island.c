/* fuzz-island.c: libFuzzer harness, bytes as operations on an island
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each input is read as a sequence of operations, one byte for the
 * operation and one for its argument, applied from the island's thread
 * outside any task: spawn fiber and poll tasks (whose argument scripts what
 * they do: return, fail, yield, park, await a promise, sleep 0 ms, spawn
 * and join a child, run a join set), run the island for a turn, wake a
 * parked task's waker, join a task (from a joiner task), abort it, drop its
 * handle, resolve, reject or drop a promise, cancel a future, and free the
 * island with everything in flight to start a new one. The harness itself
 * never blocks, so no input can hang it.
 *
 * The checks, on every input: every task's user data is destroyed exactly
 * once, on this thread; every join sees a value, an error or a
 * cancellation; and, with LeakSanitizer, nothing outlives the input.
 *
 * See fuzz/README.md for building it and running it longer than CI does.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isle.h>

#define FUZZ_MAX_OPS 512   /* per input: keeps one run short */

typedef struct
{
  int      destroyed;
  GThread *destroy_thread;
  guint8   script;
} Record;

typedef struct
{
  IsleLocalSet *island;
  GPtrArray    *records;   /* (owned) Record *: every task of the input */
  GPtrArray    *handles;   /* (owned) IsleJoinHandle * */
  GPtrArray    *wakers;    /* (owned) IsleWaker * */
  GPtrArray    *promises;  /* (owned) IslePromise * */
  GPtrArray    *futures;   /* (owned) IsleFuture *: awaited ones, to cancel */
  guint         n_joins;
} Fuzz;

static Fuzz fuzz;

#define FUZZ_ERROR (fuzz_error_quark ())
static G_DEFINE_QUARK (isle-fuzz-error-quark, fuzz_error)

static void
check (gboolean    condition,
       const char *what)
{
  if (!condition)
    {
      fprintf (stderr, "fuzz-island: invariant broken: %s\n", what);
      abort ();
    }
}

static void
record_destroy (gpointer data)
{
  Record *record = data;

  record->destroyed++;
  record->destroy_thread = g_thread_self ();
  check (record->destroyed == 1, "a task's user data was destroyed twice");
}

static Record *
record_new (guint8 script)
{
  Record *record = g_new0 (Record, 1);

  record->script = script;
  g_ptr_array_add (fuzz.records, record);
  return record;
}

static gpointer fiber_body (gpointer user_data, GError **error);

static void
count_join (gpointer  result,
            GError   *error)
{
  fuzz.n_joins++;
  check ((result != NULL) != (error != NULL), "a join gave both or neither of value and error");
  g_free (result);
  if (error != NULL)
    {
      check (error->domain == FUZZ_ERROR || error->domain == G_IO_ERROR ||
             error->domain == ISLE_ERROR,
             "a join failed with an error no task gave");
      g_error_free (error);
    }
}

/* A fiber task: two bits of its script per step, up to three steps. */
static gpointer
fiber_body (gpointer   user_data,
            GError   **error)
{
  Record *record = user_data;
  guint script = record->script;
  guint step;

  for (step = 0; step < 3; step++, script >>= 2)
    {
      GError *local_error = NULL;

      switch ((script & 3) + 4 * (step == 0 ? (record->script >> 6) & 1 : 0))
        {
        case 0:
          isle_yield_now (&local_error);
          break;

        case 1:
          g_ptr_array_add (fuzz.wakers, isle_task_ref_waker (isle_task_get_current ()));
          isle_park (&local_error);
          break;

        case 2:
          {
            IslePromise *promise = isle_promise_new ();
            IsleFuture *future = isle_future_ref (isle_promise_get_future (promise));

            g_ptr_array_add (fuzz.promises, promise);
            g_ptr_array_add (fuzz.futures, isle_future_ref (future));
            isle_await (future, &local_error);
            isle_future_unref (future);
          }
          break;

        case 3:
          isle_sleep_msec (0, &local_error);
          break;

        case 4:
          {
            Record *child = record_new ((guint8) (script >> 2));
            IsleJoinHandle *handle = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0, fiber_body,
                                                            child, record_destroy, g_free);
            gpointer result = isle_join_handle_join (handle, &local_error);

            if (local_error == NULL || isle_join_handle_is_finished (handle))
              {
                count_join (result, local_error);
                local_error = NULL;
              }
            isle_join_handle_unref (handle);
          }
          break;

        case 5:
          {
            IsleJoinSet *set = isle_join_set_new ();
            guint i;

            for (i = 0; i < 3; i++)
              isle_join_set_spawn_full (set, NULL, G_PRIORITY_DEFAULT, 0, fiber_body,
                                        record_new ((guint8) ((script + i) & ~64u)), record_destroy, g_free);
            /* Join one, then drop the set: the others are aborted. */
            {
              IsleJoinHandle *done = isle_join_set_join_next (set, &local_error);

              if (done != NULL)
                {
                  GError *join_error = NULL;
                  gpointer result = isle_join_handle_join (done, &join_error);

                  count_join (result, join_error);
                  isle_join_handle_unref (done);
                }
            }
            isle_join_set_free (set);
          }
          break;

        case 6:
          g_set_error (error, FUZZ_ERROR, 1, "task failed on purpose");
          return NULL;

        default:
          return g_strdup ("early");
        }

      if (local_error != NULL)
        {
          /* Aborted: every suspension now fails; return. Other errors
           * (a rejected or cancelled promise) are part of the game. */
          if (isle_task_is_aborted (isle_task_get_current ()))
            {
              g_propagate_error (error, local_error);
              return NULL;
            }
          g_clear_error (&local_error);
        }
    }

  return g_strdup ("done");
}

/* A poll task: its script counts the pending polls, and whether it wakes
 * itself or hands its waker out. */
static IslePoll
poll_body (gpointer    state,
           IsleWaker  *waker,
           gpointer   *result,
           GError    **error)
{
  Record *record = state;

  if ((record->script & 7) == 0)
    {
      if (record->script & 8)
        g_set_error (error, FUZZ_ERROR, 2, "poll task failed on purpose");
      else
        *result = g_strdup ("polled");
      return ISLE_POLL_READY;
    }

  record->script--;
  if (record->script & 16)
    isle_waker_wake (waker);
  else
    g_ptr_array_add (fuzz.wakers, isle_waker_ref (waker));
  return ISLE_POLL_PENDING;
}

static gpointer
joiner_body (gpointer   user_data,
             GError   **error)
{
  IsleJoinHandle *handle = user_data;
  GError *local_error = NULL;
  gpointer result = isle_join_handle_join (handle, &local_error);

  if (local_error == NULL || isle_join_handle_is_finished (handle))
    count_join (result, local_error);
  else
    g_propagate_error (error, local_error);
  return NULL;
}

static void
new_island (void)
{
  fuzz.island = isle_local_set_new ();
  isle_local_set_set_unhandled_failure (fuzz.island, ISLE_UNHANDLED_FAILURE_IGNORE);
}

/* Frees the island with whatever is in flight, as closing a window does. */
static void
free_island (void)
{
  guint i;

  g_ptr_array_set_size (fuzz.handles, 0);
  isle_local_set_unref (fuzz.island);
  fuzz.island = NULL;

  for (i = 0; i < fuzz.records->len; i++)
    {
      Record *record = g_ptr_array_index (fuzz.records, i);

      check (record->destroyed == 1, "a task's user data was not destroyed at teardown");
      check (record->destroy_thread == g_thread_self (), "a destroy notify ran on another thread");
    }

  /* What the dead tasks waited on may be settled late, or just dropped. */
  for (i = 0; i < fuzz.promises->len; i++)
    if (i % 2 == 0)
      isle_promise_resolve (g_ptr_array_index (fuzz.promises, i), g_strdup ("late"), g_free);
  for (i = 0; i < fuzz.wakers->len; i++)
    isle_waker_wake (g_ptr_array_index (fuzz.wakers, i));
  g_ptr_array_set_size (fuzz.promises, 0);
  g_ptr_array_set_size (fuzz.futures, 0);
  g_ptr_array_set_size (fuzz.wakers, 0);
}

static gpointer
pick (GPtrArray *array,
      guint8     arg)
{
  return array->len > 0 ? g_ptr_array_index (array, arg % array->len) : NULL;
}

/* Isle's messages are part of the checks. Two joiners on one task is a
 * misuse the input may commit (it joins from joiner tasks at random); Isle
 * must report it, which is expected and kept quiet. Any other warning or
 * critical is a finding: it is printed and the run stops. */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  const char *message = NULL;
  gsize i;

  for (i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      message = fields[i].value;

  if ((log_level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR)) == 0)
    return G_LOG_WRITER_HANDLED;

  if (message != NULL &&
      (log_level & G_LOG_LEVEL_CRITICAL) &&
      g_str_has_prefix (message, "isle_join_handle_join() called on the handle of task ") &&
      (strstr (message, "which was already joined") != NULL ||
       strstr (message, "is already joining") != NULL))
    return G_LOG_WRITER_HANDLED;

  g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
  fprintf (stderr, "fuzz-island: unexpected message from Isle or GLib\n");
  abort ();
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  size_t pos;
  guint n_ops = 0;

  fuzz.records = g_ptr_array_new_with_free_func (g_free);
  fuzz.handles = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_join_handle_unref);
  fuzz.wakers = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_waker_unref);
  fuzz.promises = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_promise_unref);
  fuzz.futures = g_ptr_array_new_with_free_func ((GDestroyNotify) isle_future_unref);
  fuzz.n_joins = 0;
  new_island ();

  for (pos = 0; pos + 1 < size && n_ops < FUZZ_MAX_OPS; pos += 2, n_ops++)
    {
      guint8 op = data[pos] % 13;
      guint8 arg = data[pos + 1];

      switch (op)
        {
        case 0:
          g_ptr_array_add (fuzz.handles,
                           isle_local_set_spawn_local_full (fuzz.island, NULL,
                                                            arg & 128 ? G_PRIORITY_HIGH : G_PRIORITY_DEFAULT,
                                                            0, fiber_body, record_new (arg),
                                                            record_destroy, g_free));
          break;

        case 1:
          g_ptr_array_add (fuzz.handles,
                           isle_local_set_spawn_local_poll_full (fuzz.island, NULL, G_PRIORITY_DEFAULT,
                                                                 poll_body, record_new (arg),
                                                                 record_destroy, g_free));
          break;

        case 2:
          g_main_context_iteration (isle_local_set_get_context (fuzz.island), FALSE);
          break;

        case 3:
          if (fuzz.wakers->len > 0)
            {
              IsleWaker *waker = g_ptr_array_steal_index_fast (fuzz.wakers, arg % fuzz.wakers->len);

              isle_waker_wake (waker);
              isle_waker_unref (waker);
            }
          break;

        case 4:
          {
            IsleJoinHandle *handle = pick (fuzz.handles, arg);

            if (handle != NULL)
              isle_join_handle_unref (isle_local_set_spawn_local (fuzz.island, joiner_body,
                                                                  isle_join_handle_ref (handle),
                                                                  (GDestroyNotify) isle_join_handle_unref));
          }
          break;

        case 5:
          if (fuzz.handles->len > 0)
            isle_join_handle_abort (pick (fuzz.handles, arg));
          break;

        case 6:
          if (fuzz.handles->len > 0)
            g_ptr_array_remove_index_fast (fuzz.handles, arg % fuzz.handles->len);
          break;

        case 7:
        case 8:
        case 9:
          if (fuzz.promises->len > 0)
            {
              IslePromise *promise = g_ptr_array_steal_index_fast (fuzz.promises,
                                                                   arg % fuzz.promises->len);

              if (op == 7)
                isle_promise_resolve (promise, g_strdup ("value"), g_free);
              else if (op == 8)
                isle_promise_reject (promise, g_error_new_literal (FUZZ_ERROR, 3, "rejected"));
              isle_promise_unref (promise);
            }
          break;

        case 10:
          if (fuzz.futures->len > 0)
            isle_future_cancel (pick (fuzz.futures, arg));
          break;

        case 11:
          free_island ();
          new_island ();
          break;

        default:
          {
            /* A few turns in a row. */
            guint i;

            for (i = 0; i < (guint) (arg % 8) + 1; i++)
              g_main_context_iteration (isle_local_set_get_context (fuzz.island), FALSE);
          }
          break;
        }
    }

  free_island ();
  g_ptr_array_unref (fuzz.handles);
  g_ptr_array_unref (fuzz.wakers);
  g_ptr_array_unref (fuzz.promises);
  g_ptr_array_unref (fuzz.futures);
  g_ptr_array_unref (fuzz.records);
  memset (&fuzz, 0, sizeof fuzz);

  return 0;
}
