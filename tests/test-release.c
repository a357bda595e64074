/* test-release.c: a task's result, handles and user data are released
 * exactly once, whatever the order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One test loops over every combination of: the kind of task (fiber,
 * poll); how it ends (returns a value, fails, aborted before it starts,
 * aborted while parked, aborted by the island's teardown); and who holds
 * its join handle and when that goes (the test, before or after the end
 * or after the teardown; the task's own user data, dropped from inside its
 * destroy notify, alone or beside the test's; a join set, freed before or
 * after the end, drained by join_next, or owned by the user data and freed
 * from its destroy notify). Each combination checks that the user data
 * was released once, every value the body made was released or taken
 * once, a failure nobody could see was reported once (and a cancellation
 * never), all on the island's thread.
 */

#include <isle.h>
#include <string.h>

#include "isle-test-util.h"

typedef enum
{
  KIND_FIBER,
  KIND_POLL,
  N_KINDS
} Kind;

typedef enum
{
  END_RETURN,          /* the body returns a value */
  END_FAIL,            /* the body fails */
  END_ABORT_UNSTARTED, /* aborted before its first turn */
  END_ABORT_PARKED,    /* aborted while parked; a fiber returns a value anyway */
  END_TEARDOWN,        /* parked when the island is freed */
  N_ENDS
} End;

typedef enum
{
  HOLD_TEST_EARLY,           /* the test drops its handle before the end */
  HOLD_TEST_LATE,            /* ... after the end */
  HOLD_TEST_JOINS,           /* the test takes the result, then drops */
  HOLD_TEST_AFTER_TEARDOWN,  /* ... after the island is gone */
  HOLD_DATA,                 /* the user data owns the only handle */
  HOLD_DATA_TEST_EARLY,      /* both hold one; the test drops first */
  HOLD_DATA_TEST_LATE,       /* both; the data's goes first, in its destroy */
  HOLD_DATA_TEST_TWICE,      /* the data holds two, drops both in its destroy */
  HOLD_SET_EARLY,            /* in a join set freed before the end */
  HOLD_SET_LATE,             /* ... freed after the end */
  HOLD_SET_NEXT,             /* ... taken out with join_next and dropped */
  HOLD_SET_IN_DATA,          /* the user data owns the set, frees it in its destroy */
  N_HOLDS
} Hold;

static const char *kind_names[] = { "fiber", "poll" };
static const char *end_names[] = { "return", "fail", "abort-unstarted", "abort-parked", "teardown" };
static const char *hold_names[] = {
  "test-early", "test-late", "test-joins", "test-after-teardown", "data",
  "data-test-early", "data-test-late", "data-test-twice", "set-early",
  "set-late", "set-next", "set-in-data",
};

typedef struct
{
  Kind kind;
  End end;
  Hold hold;
  GThread *island_thread;

  int data_released;
  int values_made;
  int values_released;
  int values_taken;
  int reports;
  int wrong_thread;
} Case;

typedef struct
{
  Case           *c;
  IsleJoinHandle *handle;   /* (owned) (nullable) a handle of its own task */
  IsleJoinHandle *handle2;  /* (owned) (nullable) a second reference */
  IsleJoinSet    *set;      /* (owned) (nullable) the set its task is in */
  gboolean        polled;
} Data;

static Case *current_case;

static void
note_thread (Case *c)
{
  if (g_thread_self () != c->island_thread)
    c->wrong_thread++;
}

static void
value_release (gpointer value)
{
  Case *c = current_case;

  note_thread (c);
  c->values_released++;
  g_free (value);
}

static gpointer
value_new (Case *c)
{
  c->values_made++;
  return g_new0 (int, 1);
}

static void
data_release (gpointer user_data)
{
  Data *data = user_data;
  Case *c = data->c;

  note_thread (c);
  c->data_released++;
  /* The natural shape of a per-call struct: it owns the handle (or the
   * set) and drops it with itself, here, while the task finishes. */
  g_clear_pointer (&data->handle, isle_join_handle_unref);
  g_clear_pointer (&data->handle2, isle_join_handle_unref);
  g_clear_pointer (&data->set, isle_join_set_free);
  g_free (data);
}

/* The report of an unobserved failure is behaviour under test: counted,
 * not printed, not fatal. Everything else goes on as usual. */
static GLogWriterOutput
count_reports (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  gsize i;

  for (i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0 &&
        strstr (fields[i].value, "Unobserved failure") != NULL &&
        current_case != NULL)
      {
        current_case->reports++;
        return G_LOG_WRITER_HANDLED;
      }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static gboolean
wants_park (Case *c)
{
  return c->end == END_ABORT_PARKED || c->end == END_TEARDOWN;
}

static gpointer
fiber_body (gpointer  user_data,
            GError  **error)
{
  Data *data = user_data;
  Case *c = data->c;

  if (c->end == END_FAIL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the body failed");
      return NULL;
    }

  if (wants_park (c))
    {
      while (isle_park (NULL))
        ;
      /* Aborted: a value anyway, which the abort must release. */
      return c->hold >= HOLD_SET_EARLY ? NULL : value_new (c);
    }

  return c->hold >= HOLD_SET_EARLY ? NULL : value_new (c);
}

static IslePoll
poll_body (gpointer    state,
           IsleWaker  *waker,
           gpointer   *result,
           GError    **error)
{
  Data *data = state;
  Case *c = data->c;

  if (c->end == END_FAIL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the body failed");
      return ISLE_POLL_READY;
    }

  if (wants_park (c))
    {
      data->polled = TRUE;
      return ISLE_POLL_PENDING;
    }

  /* A join set's poll tasks have no result destroy notify. */
  *result = c->hold >= HOLD_SET_EARLY ? NULL : value_new (c);
  return ISLE_POLL_READY;
}

static void
iterate (GMainContext *context)
{
  while (g_main_context_iteration (context, FALSE))
    ;
}

/* Joins a finished task from a fiber and takes what it gave. */
static gpointer
join_body (gpointer  user_data,
           GError  **error)
{
  IsleJoinHandle *handle = user_data;
  GError *local_error = NULL;
  gpointer value;

  value = isle_join_handle_join (handle, &local_error);
  if (value != NULL)
    {
      current_case->values_taken++;
      g_free (value);
    }
  g_clear_error (&local_error);
  return NULL;
}

static gpointer
join_next_body (gpointer  user_data,
                GError  **error)
{
  IsleJoinSet *set = user_data;
  IsleJoinHandle *handle = isle_join_set_join_next (set, error);

  if (handle == NULL)
    return NULL;
  g_clear_error (error);
  /* Joined: the result (NULL here) or the error is taken, so not reported. */
  {
    GError *local_error = NULL;

    g_assert_null (isle_join_handle_join (handle, &local_error));
    g_clear_error (&local_error);
  }
  isle_join_handle_unref (handle);
  return NULL;
}

static void
run_case (Case *c)
{
  GMainContext *context = g_main_context_new ();
  IsleLocalSet *island;
  IsleJoinHandle *handle = NULL;
  IsleJoinSet *set = NULL;
  Data *data = g_new0 (Data, 1);
  gboolean in_set = c->hold >= HOLD_SET_EARLY;
  gboolean expect_failure_report;

  c->island_thread = g_thread_self ();
  current_case = c;
  data->c = c;

  g_main_context_push_thread_default (context);
  island = isle_local_set_new ();
  isle_local_set_enter (island);

  /* Spawn. */
  if (in_set)
    {
      set = isle_join_set_new ();
      if (c->kind == KIND_FIBER)
        isle_join_set_spawn (set, fiber_body, data, data_release);
      else
        isle_join_set_spawn_poll (set, poll_body, data, data_release);
      if (c->hold == HOLD_SET_IN_DATA)
        data->set = g_steal_pointer (&set);
    }
  else
    {
      if (c->kind == KIND_FIBER)
        handle = isle_local_set_spawn_local_full (island, NULL, G_PRIORITY_DEFAULT, 0,
                                                  fiber_body, data, data_release,
                                                  value_release);
      else
        handle = isle_local_set_spawn_local_poll_full (island, NULL, G_PRIORITY_DEFAULT,
                                                       poll_body, data, data_release,
                                                       value_release);
      switch (c->hold)
        {
        case HOLD_DATA:
          data->handle = g_steal_pointer (&handle);
          break;
        case HOLD_DATA_TEST_EARLY:
        case HOLD_DATA_TEST_LATE:
          data->handle = isle_join_handle_ref (handle);
          break;
        case HOLD_DATA_TEST_TWICE:
          data->handle = g_steal_pointer (&handle);
          data->handle2 = isle_join_handle_ref (data->handle);
          break;
        default:
          break;
        }
    }

  /* Before the end. */
  if (c->end == END_ABORT_UNSTARTED || c->end == END_ABORT_PARKED)
    {
      if (c->end == END_ABORT_PARKED)
        iterate (context);

      if (handle != NULL)
        isle_join_handle_abort (handle);
      else if (data->handle != NULL)
        isle_join_handle_abort (data->handle);
      else if (set != NULL)
        isle_join_set_abort_all (set);
      else
        isle_join_set_abort_all (data->set);
    }

  if (c->hold == HOLD_TEST_EARLY || c->hold == HOLD_DATA_TEST_EARLY)
    g_clear_pointer (&handle, isle_join_handle_unref);
  if (c->hold == HOLD_SET_EARLY)
    g_clear_pointer (&set, isle_join_set_free);

  if (c->end != END_TEARDOWN)
    {
      /* Run it to its end. */
      iterate (context);
      g_assert_cmpint (isle_local_set_get_n_tasks (island), ==, 0);
      g_assert_cmpint (c->data_released, ==, 1);

      /* After the end. */
      if (c->hold == HOLD_TEST_LATE || c->hold == HOLD_DATA_TEST_LATE)
        g_clear_pointer (&handle, isle_join_handle_unref);
      if (c->hold == HOLD_TEST_JOINS)
        {
          IsleJoinHandle *helper = isle_local_set_spawn_local (island, join_body, handle, NULL);

          iterate (context);
          g_assert_true (isle_join_handle_is_finished (helper));
          isle_join_handle_unref (helper);
          g_clear_pointer (&handle, isle_join_handle_unref);
        }
      if (c->hold == HOLD_SET_LATE)
        g_clear_pointer (&set, isle_join_set_free);
      if (c->hold == HOLD_SET_NEXT)
        {
          IsleJoinHandle *helper = isle_local_set_spawn_local (island, join_next_body, set, NULL);

          iterate (context);
          g_assert_true (isle_join_handle_is_finished (helper));
          isle_join_handle_unref (helper);
          g_clear_pointer (&set, isle_join_set_free);
        }
    }

  /* The island goes; a parked task is aborted and run to its end here. */
  isle_local_set_leave (island);
  isle_local_set_unref (island);
  g_assert_cmpint (c->data_released, ==, 1);

  /* After the teardown: what is left goes now. */
  g_clear_pointer (&handle, isle_join_handle_unref);
  g_clear_pointer (&set, isle_join_set_free);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  current_case = NULL;

  g_assert_cmpint (c->data_released, ==, 1);
  g_assert_cmpint (c->values_made, ==, c->values_released + c->values_taken);
  g_assert_cmpint (c->wrong_thread, ==, 0);

  /* A failure is reported once when nobody took it; a join takes it, and
   * freeing a set aborts what has not finished. */
  expect_failure_report = c->end == END_FAIL &&
                          c->hold != HOLD_TEST_JOINS &&
                          c->hold != HOLD_SET_EARLY &&
                          c->hold != HOLD_SET_NEXT;
  g_assert_cmpint (c->reports, ==, expect_failure_report ? 1 : 0);
}

static void
test_release_every_order (void)
{
  int kind, end, hold;
  guint n = 0;

  g_log_set_writer_func (count_reports, NULL, NULL);

  for (kind = 0; kind < N_KINDS; kind++)
    for (end = 0; end < N_ENDS; end++)
      for (hold = 0; hold < N_HOLDS; hold++)
        {
          Case c = { .kind = kind, .end = end, .hold = hold };

          /* Joining needs the task finished before the island goes. */
          if (end == END_TEARDOWN && hold == HOLD_TEST_JOINS)
            continue;

          g_test_message ("%s task, %s, handle held by %s",
                          kind_names[kind], end_names[end], hold_names[hold]);
          run_case (&c);
          n++;
        }

  g_assert_cmpuint (n, >, 100);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Release/every-order", test_release_every_order);

  return g_test_run ();
}
