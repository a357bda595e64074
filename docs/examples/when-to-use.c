/* when-to-use.c: the patterns of docs/when-to-use.md, each one run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every fragment quoted in docs/when-to-use.md is cut from this file
 * (scripts/check-doc-snippets.py checks that it still is), and main() runs
 * each pattern and checks what the page says about it.
 */

#include <string.h>

#include <isle.h>

/* ----- 1. Shrink the lifetime first ----- */

/* The GHashTable is not thread-safe, but it is born and dies inside one
 * synchronous call: it never crosses a suspension or a thread, so it needs
 * no island. This runs on a worker of the blocking pool. */
static gpointer
count_distinct_words (gpointer       user_data,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_auto(GStrv) words = g_strsplit (user_data, " ", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; words[i] != NULL; i++)
    g_hash_table_add (seen, words[i]);

  return GUINT_TO_POINTER (g_hash_table_size (seen));
}

static guint
shrink_first (void)
{
  g_autoptr(IsleFuture) counted = NULL;
  g_autoptr(GError) error = NULL;
  gpointer n;

  counted = isle_spawn_blocking (count_distinct_words,
                                 g_strdup ("to be or not to be"), g_free,
                                 NULL);
  n = isle_await (counted, &error);
  g_assert_no_error (error);
  return GPOINTER_TO_UINT (n);
}

/* ----- 2. A handle with real thread affinity ----- */

/* A stand-in for a C library handle that is not thread-safe (a database
 * connection, a parser, a widget): every call must come from the thread
 * that opened it. */
typedef struct
{
  GThread *opened_on;
  guint    queries;
} Connection;

static Connection *
connection_open (void)
{
  Connection *connection = g_new0 (Connection, 1);

  connection->opened_on = g_thread_self ();
  return connection;
}

static guint
connection_query (Connection *connection)
{
  g_assert_true (connection->opened_on == g_thread_self ());
  return ++connection->queries;
}

static void
connection_close (gpointer data)
{
  Connection *connection = data;

  g_assert_true (connection->opened_on == g_thread_self ());
  g_free (connection);
}

/* Why this value is thread-affine: the C library behind Connection keeps
 * per-thread state, so every call and the close must happen on the thread
 * that opened it. The guard makes that a checked rule, not a comment:
 * isle_thread_guard_get() aborts on any other thread, and the last
 * reference, wherever it is dropped, closes the connection on its owner. */
typedef struct
{
  IsleThreadGuard *connection;   /* (owned) Connection, owner thread only */
} Session;

static gpointer
run_queries (gpointer   user_data,
             GError   **error)
{
  Session *session = user_data;
  guint last = 0;

  for (guint i = 0; i < 3; i++)
    {
      /* Held across the suspension: fine, the task never leaves this
       * thread. */
      Connection *connection = isle_thread_guard_get (session->connection);

      last = connection_query (connection);
      if (!isle_yield_now (error))
        return NULL;
    }

  return GUINT_TO_POINTER (last);
}

static guint
thread_affinity (void)
{
  Session session = { isle_thread_guard_new (connection_open (),
                                             connection_close) };
  g_autoptr(IsleJoinHandle) first = NULL;
  g_autoptr(IsleJoinHandle) second = NULL;
  g_autoptr(GError) error = NULL;
  gpointer last;

  first = isle_spawn_local (run_queries, &session, NULL);
  second = isle_spawn_local (run_queries, &session, NULL);
  isle_join_handle_join (first, &error);
  g_assert_no_error (error);
  last = isle_join_handle_join (second, &error);
  g_assert_no_error (error);

  isle_thread_guard_unref (session.connection);
  return GPOINTER_TO_UINT (last);
}

/* ----- 3. A graph local to the island ----- */

typedef struct
{
  GPtrArray *log;   /* (owned) of char*; borrowed through the cell only */
} Board;

static void
board_free (gpointer data)
{
  Board *board = data;

  g_ptr_array_unref (board->log);
  g_free (board);
}

static gpointer
post_twice (gpointer   user_data,
            GError   **error)
{
  IsleCell *cell = user_data;
  const char *name = isle_task_get_name (isle_task_get_current ());

  for (guint i = 0; i < 2; i++)
    {
      /* Borrow, change, release; only then suspend. */
      Board *board = isle_cell_borrow_mut (cell);
      g_ptr_array_add (board->log, g_strdup_printf ("%s:%u", name, i));
      isle_cell_release_mut (cell);

      if (!isle_yield_now (error))
        return NULL;
    }
  return NULL;
}

static char *
local_graph (void)
{
  g_autoptr(IsleCell) cell = NULL;
  g_autoptr(IsleJoinHandle) a = NULL;
  g_autoptr(IsleJoinHandle) b = NULL;
  g_autoptr(GError) error = NULL;
  Board *board = g_new0 (Board, 1);
  const Board *done;
  GString *text = g_string_new (NULL);

  board->log = g_ptr_array_new_with_free_func (g_free);
  cell = isle_cell_new (board, board_free);

  a = isle_spawn_local_full ("a", G_PRIORITY_DEFAULT, 0, post_twice,
                             isle_cell_ref (cell),
                             (GDestroyNotify) isle_cell_unref, NULL);
  b = isle_spawn_local_full ("b", G_PRIORITY_DEFAULT, 0, post_twice,
                             isle_cell_ref (cell),
                             (GDestroyNotify) isle_cell_unref, NULL);
  isle_join_handle_join (a, &error);
  g_assert_no_error (error);
  isle_join_handle_join (b, &error);
  g_assert_no_error (error);

  done = isle_cell_borrow (cell);
  for (guint i = 0; i < done->log->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            (const char *) g_ptr_array_index (done->log, i));
  isle_cell_release (cell);

  return g_string_free (text, FALSE);
}

/* ----- 4. Borrow rules still apply ----- */

static gboolean
borrow_conflict_is_caught (void)
{
  g_autoptr(IsleCell) cell = isle_cell_new (g_strdup ("draft"), g_free);
  g_autoptr(GError) error = NULL;
  gconstpointer reading;
  gpointer writing;

  reading = isle_cell_borrow (cell);
  /* A second, exclusive borrow while the first is live: an error, with the
   * site of the borrow that is in the way, instead of silent corruption. */
  writing = isle_cell_try_borrow_mut (cell, &error);
  isle_cell_release (cell);

  g_assert_nonnull (reading);
  g_assert_null (writing);
  return g_error_matches (error, ISLE_CELL_ERROR, ISLE_CELL_ERROR_BORROWED);
}

/* ----- 5. Keep blocking calls off the island ----- */

static gpointer
tick (gpointer   user_data,
      GError   **error)
{
  guint *ticks = user_data;

  while (isle_yield_now (error))
    (*ticks)++;
  return NULL;
}

/* A blocking call, such as a synchronous read of a slow file. */
static gpointer
slow_call (gpointer       user_data,
           GCancellable  *cancellable,
           GError       **error)
{
  g_usleep (20 * 1000);
  return GINT_TO_POINTER (42);
}

static void
blocking_work (guint *ticks_while_blocked,
               guint *ticks_while_offloaded)
{
  g_autoptr(IsleJoinHandle) ticker = NULL;
  g_autoptr(IsleFuture) offloaded = NULL;
  g_autoptr(GError) error = NULL;
  guint ticks = 0;
  guint before;

  ticker = isle_spawn_local (tick, &ticks, NULL);
  if (!isle_yield_now (&error))
    g_error ("%s", error->message);

  /* Wrong: the call blocks the island's thread, so nothing else on the
   * island (or in a GTK window's frame) runs until it returns. */
  before = ticks;
  slow_call (NULL, NULL, NULL);
  *ticks_while_blocked = ticks - before;

  /* Right: the pool runs it; the island keeps running its other tasks. */
  before = ticks;
  offloaded = isle_spawn_blocking (slow_call, NULL, NULL, NULL);
  isle_await (offloaded, &error);
  g_assert_no_error (error);
  *ticks_while_offloaded = ticks - before;

  isle_join_handle_abort (ticker);
  isle_join_handle_join (ticker, NULL);
}

/* ----- 6. Structured ownership: join sets ----- */

static gpointer
square (gpointer   user_data,
        GError   **error)
{
  guint n = GPOINTER_TO_UINT (user_data);

  if (!isle_yield_now (error))
    return NULL;
  return GUINT_TO_POINTER (n * n);
}

static guint
sum_of_squares (guint n)
{
  g_autoptr(IsleJoinSet) set = isle_join_set_new ();
  guint sum = 0;

  for (guint i = 1; i <= n; i++)
    isle_join_set_spawn (set, square, GUINT_TO_POINTER (i), NULL);

  /* Every child is joined before the function returns; had it returned
   * early, freeing the set would abort the children still running. */
  while (!isle_join_set_is_empty (set))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(IsleJoinHandle) done = isle_join_set_join_next (set, &error);

      g_assert_no_error (error);
      sum += GPOINTER_TO_UINT (isle_join_handle_join (done, &error));
      g_assert_no_error (error);
    }

  return sum;
}

static gpointer
note_done (gpointer   user_data,
           GError   **error)
{
  gboolean *done = user_data;

  if (!isle_yield_now (error))
    return NULL;
  *done = TRUE;
  return NULL;
}

static gboolean
detach_on_purpose (void)
{
  gboolean done = FALSE;

  /* Dropping the handle detaches the task: it runs on, and nobody waits
   * for it. Name it and say so where it happens, as here. */
  isle_join_handle_unref (isle_spawn_local (note_done, &done, NULL));
  g_assert_false (done);

  while (!done)
    if (!isle_yield_now (NULL))
      break;
  return done;
}

/* ----- 7. Spawning from plain callbacks ----- */

typedef struct
{
  IsleLocalSet   *island;
  IsleJoinHandle *spawned;   /* (owned) */
} Clicked;

static gpointer
refresh (gpointer   user_data,
         GError   **error)
{
  return g_strdup ("refreshed");
}

/* A signal handler or a GSource callback is plain code, not a task: there
 * is no current island, so it enters the one it means first. */
static gboolean
on_clicked (gpointer user_data)
{
  Clicked *clicked = user_data;
  g_autoptr(IsleLocalSetEnterGuard) guard =
    isle_local_set_enter_scoped (clicked->island);

  clicked->spawned = isle_spawn_local_full (NULL, G_PRIORITY_DEFAULT, 0,
                                            refresh, NULL, NULL, g_free);
  return G_SOURCE_REMOVE;
}

static gpointer
join_spawned (gpointer   user_data,
              GError   **error)
{
  Clicked *clicked = user_data;

  return isle_join_handle_join (clicked->spawned, error);
}

static gboolean
spawn_from_callback (IsleLocalSet *island)
{
  Clicked clicked = { island, NULL };
  GMainContext *context = isle_local_set_get_context (island);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_assert_null (isle_local_set_get_current ());

  /* Stands in for a button's "clicked" signal: the main loop calls it. */
  g_idle_add (on_clicked, &clicked);
  while (clicked.spawned == NULL)
    g_main_context_iteration (context, TRUE);

  text = isle_local_set_run_until (island, join_spawned, &clicked, &error);
  g_assert_no_error (error);
  isle_join_handle_unref (clicked.spawned);
  return g_strcmp0 (text, "refreshed") == 0;
}

/* ----- the checks ----- */

static gpointer
root (gpointer   user_data,
      GError   **error)
{
  guint blocked, offloaded;
  g_autofree char *log = NULL;

  g_print ("1. distinct words, counted on the pool: %u\n", shrink_first ());
  g_assert_cmpuint (shrink_first (), ==, 4);

  g_print ("2. queries on the thread-affine connection: %u\n", thread_affinity ());
  g_assert_cmpuint (thread_affinity (), ==, 6);

  log = local_graph ();
  g_print ("3. the local board, in the order the tasks ran: %s\n", log);
  g_assert_cmpstr (log, ==, "a:0 b:0 a:1 b:1");

  g_assert_true (borrow_conflict_is_caught ());
  g_print ("4. a conflicting borrow is reported, not ignored\n");

  blocking_work (&blocked, &offloaded);
  g_print ("5. ticks while blocked: %u; while offloaded: %s\n",
           blocked, offloaded > 0 ? "some" : "none");
  g_assert_cmpuint (blocked, ==, 0);
  g_assert_cmpuint (offloaded, >, 0);

  g_print ("6. sum of squares 1..10 over a join set: %u\n", sum_of_squares (10));
  g_assert_cmpuint (sum_of_squares (10), ==, 385);
  g_assert_true (detach_on_purpose ());

  return NULL;
}

int
main (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;

  isle_local_set_run_until (island, root, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (spawn_from_callback (island));
  g_print ("7. a task spawned from a plain callback ran on the island\n");

  return 0;
}
