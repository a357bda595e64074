/* test-gio.c: GIO calls, signals as futures, tasks bound to objects
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include <isle.h>

#include "isle-test-util.h"

/* A test object with two signals: "ping" (int, string) and "ask", which
 * returns an int. */

#define TEST_TYPE_PINGER (test_pinger_get_type ())
G_DECLARE_FINAL_TYPE (TestPinger, test_pinger, TEST, PINGER, GObject)

struct _TestPinger
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestPinger, test_pinger, G_TYPE_OBJECT)

static guint ping_signal;
static guint ask_signal;

static void
test_pinger_class_init (TestPingerClass *klass)
{
  ping_signal = g_signal_new ("ping", G_TYPE_FROM_CLASS (klass),
                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                              G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  ask_signal = g_signal_new ("ask", G_TYPE_FROM_CLASS (klass),
                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                             G_TYPE_INT, 0);
}

static void
test_pinger_init (TestPinger *self)
{
}

static gboolean
has_ping_handler (gpointer pinger)
{
  return g_signal_has_handler_pending (pinger, ping_signal, 0, FALSE);
}

/* Iterates the default context until *@pointer becomes NULL: a GIO
 * callback still on its way after its task was aborted. */
static void
iterate_until_cleared (gpointer *pointer)
{
  gint64 deadline = isle_test_deadline ();

  while (*pointer != NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
    }
}

/* Joins a finished task from plain code; returns a copy of its string
 * result, or NULL with @error set. */
static char *
join_finished (IsleJoinHandle  *handle,
               GError         **error)
{
  IsleFuture *future;

  g_assert_true (isle_join_handle_is_finished (handle));
  future = isle_join_handle_get_future (handle);
  g_assert_true (isle_future_is_finished (future));
  return g_strdup (isle_future_get_value (future, error));
}

/* GIO calls --------------------------------------------------------------- */

static gpointer
load_contents (gpointer   user_data,
               GError   **error)
{
  GFile *file = user_data;
  GAsyncResult *res;
  char *contents;
  gsize length;

  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
  g_file_load_contents_async (file, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
  if ((res = isle_await (op, error)) == NULL || !g_file_load_contents_finish (file, res, &contents, &length, NULL, error))
    return NULL;

  g_assert_cmpuint (length, ==, strlen (contents));
  return contents;
}

static void
test_gio_load_contents (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("isle-gio-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *contents = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "greeting.txt", NULL);
  g_file_set_contents (path, "hello from a file", -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);

  contents = isle_test_run_root (island, load_contents, file);
  g_assert_cmpstr (contents, ==, "hello from a file");

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static gpointer
load_missing (gpointer   user_data,
              GError   **error)
{
  GError *local_error = NULL;

  g_assert_null (load_contents (user_data, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_error_free (local_error);
  return NULL;
}

/* The operation's own error comes from its _finish function. */
static void
test_gio_error (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/isle/test/file");

  isle_test_run_root (island, load_missing, file);
}

static gpointer
read_bytes (gpointer   user_data,
            GError   **error)
{
  GInputStream *stream = user_data;
  GAsyncResult *res;
  GBytes *bytes;

  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
  g_input_stream_read_bytes_async (stream, 5, G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
  if ((res = isle_await (op, error)) == NULL || (bytes = g_input_stream_read_bytes_finish (stream, res, error)) == NULL)
    return NULL;

  return bytes;
}

static void
test_gio_read_bytes (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data ("islands", 7, NULL);
  GBytes *bytes;

  bytes = isle_test_run_root (island, read_bytes, stream);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "islan", 5);
  g_bytes_unref (bytes);

  /* The rest, in a second call. */
  bytes = isle_test_run_root (island, read_bytes, stream);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "ds", 2);
  g_bytes_unref (bytes);
}

static gpointer
wait_subprocess (gpointer   user_data,
                 GError   **error)
{
  const char * const *argv = user_data;
  g_autoptr(GSubprocess) process = NULL;
  GAsyncResult *res;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, error);
  if (process == NULL)
    return NULL;

  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_subprocess_wait_async (process, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || !g_subprocess_wait_finish (process, res, error))
      return NULL;
  }

  g_assert_true (g_subprocess_get_if_exited (process));
  return GINT_TO_POINTER (g_subprocess_get_exit_status (process) + 1);
}

static void
test_gio_subprocess (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  const char * const exit_0[] = { "true", NULL };
  const char * const exit_3[] = { "sh", "-c", "exit 3", NULL };

  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, wait_subprocess, (gpointer) exit_0)) - 1, ==, 0);
  g_assert_cmpint (GPOINTER_TO_INT (isle_test_run_root (island, wait_subprocess, (gpointer) exit_3)) - 1, ==, 3);
}

static gpointer
accept_and_read (gpointer   user_data,
                 GError   **error)
{
  GSocketListener *listener = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GInputStream *input;
  GAsyncResult *res;

  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_socket_listener_accept_async (listener, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || (connection = g_socket_listener_accept_finish (listener, res, NULL, error)) == NULL)
      return NULL;
  }

  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_input_stream_read_bytes_async (input, 64, G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || (bytes = g_input_stream_read_bytes_finish (input, res, error)) == NULL)
      return NULL;
  }

  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static gpointer
connect_and_write (gpointer   user_data,
                   GError   **error)
{
  GSocketConnectable *address = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  GOutputStream *output;
  GAsyncResult *res;

  /* Loopback only: no proxy resolver. */
  g_socket_client_set_enable_proxy (client, FALSE);
  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_socket_client_connect_async (client, address, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || (connection = g_socket_client_connect_finish (client, res, error)) == NULL)
      return NULL;
  }

  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_output_stream_write_all_async (output, "hello", 5, G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || !g_output_stream_write_all_finish (output, res, NULL, error))
      return NULL;
  }

  return GINT_TO_POINTER (TRUE);
}

static GSocketListener *
loopback_listener_new (GSocketAddress **effective)
{
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GSocketListener *listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, effective, &error);
  g_assert_no_error (error);
  return listener;
}

static gpointer
serve_one_client (gpointer   user_data,
                  GError   **error)
{
  GSocketAddress *effective = NULL;
  g_autoptr(GSocketListener) listener = loopback_listener_new (&effective);
  g_autoptr(IsleJoinHandle) server = NULL;
  g_autoptr(IsleJoinHandle) client = NULL;
  g_autofree char *received = NULL;

  server = isle_spawn_local_full ("server", G_PRIORITY_DEFAULT, 0, accept_and_read,
                                  listener, NULL, g_free);
  client = isle_spawn_local (connect_and_write, effective, g_object_unref);

  g_assert_true (isle_join_handle_join (client, error) != NULL);
  received = isle_join_handle_join (server, error);
  g_assert_nonnull (received);
  g_assert_cmpstr (received, ==, "hello");
  return NULL;
}

static void
test_gio_socket (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, serve_one_client, NULL);
}

static int accept_started;

static gpointer
accept_forever (gpointer   user_data,
                GError   **error)
{
  GSocketListener *listener = user_data;
  GAsyncResult *res;

  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
  g_socket_listener_accept_async (listener, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
  accept_started = 1;
  if ((res = isle_await (op, error)) == NULL || !g_socket_listener_accept_finish (listener, res, NULL, error))
    return NULL;

  g_assert_not_reached ();
}

/* Aborting the task cancels its cancellable: the pending accept finishes
 * with G_IO_ERROR_CANCELLED, its callback releases the future and the
 * result, and with them the listener. */
static void
test_gio_abort (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GSocketAddress) effective = NULL;
  GSocketListener *listener = loopback_listener_new (&effective);
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) error = NULL;

  accept_started = 0;
  g_object_add_weak_pointer (G_OBJECT (listener), (gpointer *) &listener);
  handle = isle_local_set_spawn_local (island, accept_forever, g_object_ref (listener), g_object_unref);
  isle_test_iterate_until (NULL, &accept_started);

  isle_join_handle_abort (handle);
  isle_test_run_all (island);
  g_assert_null (join_finished (handle, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The accept still holds the listener until its callback has run. */
  g_socket_listener_close (listener);
  g_object_unref (listener);
  iterate_until_cleared ((gpointer *) &listener);
}

static void
test_gio_current_cancellable (void)
{
  g_assert_null (isle_current_cancellable ());
}

/* Signals as futures ------------------------------------------------------ */

static gpointer
emit_ping (gpointer   user_data,
           GError   **error)
{
  g_signal_emit (user_data, ping_signal, 0, 7, "seven");
  return NULL;
}

static gpointer
await_ping (gpointer   user_data,
            GError   **error)
{
  TestPinger *pinger = user_data;
  g_autoptr(IsleFuture) ping = isle_future_new_for_signal (pinger, "ping");
  g_autoptr(IsleJoinHandle) emitter = NULL;
  IsleSignalArgs *args;

  g_assert_true (has_ping_handler (pinger));
  emitter = isle_spawn_local (emit_ping, pinger, NULL);
  args = isle_await (ping, error);
  g_assert_nonnull (args);

  g_assert_false (has_ping_handler (pinger));
  g_assert_cmpuint (isle_signal_args_get_n_values (args), ==, 2);
  g_assert_cmpint (g_value_get_int (isle_signal_args_get (args, 0)), ==, 7);
  g_assert_cmpstr (g_value_get_string (isle_signal_args_get (args, 1)), ==, "seven");
  g_assert_true (g_type_check_value_holds (isle_signal_args_get (args, 1), G_TYPE_STRING));

  /* A second emission reaches nobody and changes nothing. */
  g_signal_emit (pinger, ping_signal, 0, 8, "eight");
  g_assert_cmpint (g_value_get_int (isle_signal_args_get (args, 0)), ==, 7);

  return isle_signal_args_ref (args);
}

static void
test_signal_args (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  g_autoptr(IsleSignalArgs) args = NULL;

  args = isle_test_run_root (island, await_ping, pinger);
  g_assert_cmpstr (g_value_get_string (isle_signal_args_get (args, 1)), ==, "seven");
  g_assert_finalize_object (pinger);
}

/* A signal with a return value gets the default from the future's
 * handler. */
static void
test_signal_return_value (void)
{
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  g_autoptr(IsleFuture) ask = isle_future_new_for_signal (pinger, "ask");
  int answer = 42;

  g_signal_emit (pinger, ask_signal, 0, &answer);
  g_assert_cmpint (answer, ==, 0);
  g_assert_true (isle_future_is_finished (ask));
  g_assert_cmpuint (isle_signal_args_get_n_values (isle_future_get_value (ask, NULL)), ==, 0);
  g_assert_false (g_signal_has_handler_pending (pinger, ask_signal, 0, FALSE));
  g_assert_finalize_object (pinger);
}

static void
test_signal_detail (void)
{
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  g_autoptr(IsleFuture) notify = isle_future_new_for_signal (pinger, "notify::nothing");
  GParamSpec *pspec;

  /* No property is called so; the detail still filters emissions. */
  g_signal_emit_by_name (pinger, "notify", NULL);
  g_assert_false (isle_future_is_finished (notify));
  pspec = g_param_spec_int ("nothing", NULL, NULL, 0, 1, 0, G_PARAM_READWRITE);
  g_signal_emit (pinger, g_signal_lookup ("notify", G_TYPE_OBJECT),
                 g_quark_from_static_string ("nothing"), pspec);
  g_param_spec_unref (g_param_spec_ref_sink (pspec));
  g_assert_true (isle_future_is_finished (notify));
  g_assert_finalize_object (pinger);
}

static void
test_signal_cancelled (void)
{
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  g_autoptr(IsleFuture) ping = isle_future_new_for_signal (pinger, "ping");
  g_autoptr(GError) error = NULL;

  g_assert_true (has_ping_handler (pinger));
  isle_future_cancel (ping);
  g_assert_false (has_ping_handler (pinger));
  g_assert_null (isle_future_get_value (ping, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_signal_emit (pinger, ping_signal, 0, 1, "one");
  g_assert_finalize_object (pinger);
}

/* A future dropped unready takes its handler with it. */
static void
test_signal_dropped (void)
{
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  IsleFuture *ping = isle_future_new_for_signal (pinger, "ping");

  g_assert_true (has_ping_handler (pinger));
  isle_future_unref (ping);
  g_assert_false (has_ping_handler (pinger));
  g_signal_emit (pinger, ping_signal, 0, 1, "one");
  g_assert_finalize_object (pinger);
}

static gpointer
unref_pinger (gpointer   user_data,
              GError   **error)
{
  g_object_unref (user_data);
  return NULL;
}

static gpointer
await_finalized (gpointer   user_data,
                 GError   **error)
{
  g_autoptr(IsleFuture) ping = isle_future_new_for_signal (user_data, "ping");
  g_autoptr(IsleJoinHandle) finalizer = NULL;
  GError *local_error = NULL;

  g_object_add_weak_pointer (user_data, &user_data);
  finalizer = isle_spawn_local (unref_pinger, user_data, NULL);
  g_assert_null (isle_await (ping, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_null (user_data);
  g_error_free (local_error);
  return NULL;
}

/* The object finalized before it emits: the future is rejected and the
 * weak reference and the handler are gone with the object. */
static void
test_signal_finalized (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();

  isle_test_run_root (island, await_finalized, g_object_new (TEST_TYPE_PINGER, NULL));
}

/* g_object_run_dispose() on an object that lives on. */
static void
test_signal_disposed (void)
{
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  g_autoptr(IsleFuture) ping = isle_future_new_for_signal (pinger, "ping");
  g_autoptr(IsleFuture) ask = isle_future_new_for_signal (pinger, "ask");
  g_autoptr(GError) error = NULL;

  isle_future_cancel (ask);
  g_object_run_dispose (G_OBJECT (pinger));
  g_assert_true (isle_future_is_finished (ping));
  g_assert_null (isle_future_get_value (ping, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_false (has_ping_handler (pinger));
  g_assert_finalize_object (pinger);
}

static void
test_signal_invalid (void)
{
  if (g_test_subprocess ())
    {
      TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
      g_autoptr(IsleFuture) future = NULL;
      g_autoptr(GError) error = NULL;

      isle_test_make_criticals_non_fatal ();
      future = isle_future_new_for_signal (pinger, "no-such-signal");
      /* Rejected, never NULL. */
      g_assert_nonnull (future);
      g_assert_true (isle_future_is_finished (future));
      g_assert_null (isle_future_get_value (future, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_object_unref (pinger);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*TestPinger have no signal*no-such-signal*");
}

/* Tasks bound to objects ------------------------------------------------- */

/* No object: the critical names the function called, before anything else
 * (no island is needed to be told). */
static void
test_object_bound_misuse_null (void)
{
  if (g_test_subprocess ())
    {
      isle_test_make_criticals_non_fatal ();
      g_assert_null (isle_spawn_local_for_object (NULL, NULL, NULL, NULL));
      g_assert_null (isle_spawn_local_for_object_full (NULL, "x", G_PRIORITY_DEFAULT, 0,
                                                       NULL, NULL, NULL, NULL));
      g_assert_null (isle_spawn_local_poll_for_object (NULL, NULL, NULL, NULL));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*CRITICAL*isle_spawn_local_for_object:*G_IS_OBJECT*"
                             "*CRITICAL*isle_spawn_local_for_object_full:*G_IS_OBJECT*"
                             "*CRITICAL*isle_spawn_local_poll_for_object:*G_IS_OBJECT*");
}

static int bound_started;
static int bound_destroyed;

static void
bound_data_destroy (gpointer data)
{
  g_assert_true (data == &bound_started);
  bound_destroyed++;
}

static gpointer
wait_forever (gpointer   user_data,
              GError   **error)
{
  g_autoptr(IslePromise) never = isle_promise_new ();

  g_atomic_int_set (&bound_started, 1);
  g_assert_null (isle_await (isle_promise_get_future (never), error));
  g_assert_true (isle_task_is_aborted (isle_task_get_current ()));
  g_assert_true (g_cancellable_is_cancelled (isle_current_cancellable ()));
  return NULL;
}

static void
check_aborted (IsleJoinHandle *handle)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (join_finished (handle, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (bound_destroyed, ==, 1);
}

static void
test_object_bound_unref (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);

  bound_started = bound_destroyed = 0;
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);

    handle = isle_spawn_local_for_object (pinger, wait_forever, &bound_started, bound_data_destroy);
  }
  isle_test_iterate_until (NULL, &bound_started);
  g_assert_false (isle_join_handle_is_finished (handle));

  g_assert_finalize_object (pinger);
  isle_test_run_all (island);
  check_aborted (handle);
}

static void
test_object_bound_run_dispose (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);

  bound_started = bound_destroyed = 0;
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);

    handle = isle_spawn_local_for_object_full (pinger, "bound", G_PRIORITY_DEFAULT, 0,
                                               wait_forever, &bound_started,
                                               bound_data_destroy, NULL);
  }
  isle_test_iterate_until (NULL, &bound_started);

  g_object_run_dispose (G_OBJECT (pinger));
  isle_test_run_all (island);
  check_aborted (handle);
  g_assert_finalize_object (pinger);
}

/* Disposed before the task ever ran: it is aborted without starting. */
static void
test_object_bound_before_start (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);

  bound_started = bound_destroyed = 0;
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);

    handle = isle_spawn_local_for_object (pinger, wait_forever, &bound_started, bound_data_destroy);
  }
  g_assert_finalize_object (pinger);
  isle_test_run_all (island);
  check_aborted (handle);
  g_assert_cmpint (bound_started, ==, 0);
}

static gpointer
return_quickly (gpointer   user_data,
                GError   **error)
{
  return g_strdup ("done");
}

/* The task finished first: the weak reference went with it, and the
 * object's end touches nothing. */
static void
test_object_bound_finishes_first (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autofree char *result = NULL;
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);

  bound_started = bound_destroyed = 0;
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);

    handle = isle_spawn_local_for_object_full (pinger, NULL, G_PRIORITY_DEFAULT, 0,
                                               return_quickly, &bound_started,
                                               bound_data_destroy, g_free);
  }
  isle_test_run_all (island);
  g_assert_true (isle_join_handle_is_finished (handle));
  g_assert_cmpint (bound_destroyed, ==, 1);

  g_assert_finalize_object (pinger);
  result = join_finished (handle, NULL);
  g_assert_cmpstr (result, ==, "done");
  g_assert_cmpint (bound_destroyed, ==, 1);
}

/* A GIO future that loses a race (here to a timeout) is cancelled, and
 * its own cancellable with it: the accept stops, its callback runs, and
 * the listener it held is freed. */
static gpointer
accept_with_timeout (gpointer   user_data,
                     GError   **error)
{
  GSocketListener *listener = user_data;
  g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
  g_autoptr(IsleFuture) limited = NULL;
  g_autoptr(GError) local_error = NULL;

  g_socket_listener_accept_async (listener, isle_future_get_cancellable (op),
                                  isle_gio_callback, isle_future_ref (op));
  limited = isle_future_new_timeout_msec (op, 20);
  g_assert_null (isle_await (limited, &local_error));
  g_assert_error (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (g_cancellable_is_cancelled (isle_future_get_cancellable (op)));
  return NULL;
}

static void
test_gio_timeout_cancels (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(GSocketAddress) effective = NULL;
  GSocketListener *listener = loopback_listener_new (&effective);

  g_object_add_weak_pointer (G_OBJECT (listener), (gpointer *) &listener);
  isle_test_run_root (island, accept_with_timeout, listener);

  g_socket_listener_close (listener);
  g_object_unref (listener);
  iterate_until_cleared ((gpointer *) &listener);
}

/* The poll forms: a pending poll task is aborted when its object goes,
 * one that finishes first lets the object go without touching it. */
static int polls_seen;
static int ready_polled;

static IslePoll
pending_until_aborted (gpointer    state,
                       IsleWaker  *waker,
                       gpointer   *result,
                       GError    **error)
{
  g_assert_true (state == &bound_started);
  polls_seen++;
  return ISLE_POLL_PENDING;
}

static IslePoll
ready_at_once (gpointer    state,
               IsleWaker  *waker,
               gpointer   *result,
               GError    **error)
{
  polls_seen++;
  g_atomic_int_set (&ready_polled, 1);
  *result = g_strdup ("polled");
  return ISLE_POLL_READY;
}

static void
test_object_bound_poll (void)
{
  g_autoptr(IsleLocalSet) island = isle_local_set_new ();
  g_autoptr(IsleJoinHandle) pending = NULL;
  g_autoptr(IsleJoinHandle) ready = NULL;
  g_autofree char *result = NULL;
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  TestPinger *other = g_object_new (TEST_TYPE_PINGER, NULL);

  bound_started = bound_destroyed = 0;
  polls_seen = ready_polled = 0;
  {
    g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (island);

    pending = isle_spawn_local_poll_for_object (pinger, pending_until_aborted,
                                                &bound_started, bound_data_destroy);
    ready = isle_spawn_local_poll_for_object_full (other, "bound poll", G_PRIORITY_DEFAULT,
                                                   ready_at_once, NULL, NULL, g_free);
  }
  g_assert_cmpstr (isle_task_get_name ((IsleTask *) ready), ==, "bound poll");
  isle_test_iterate_until (NULL, &ready_polled);
  g_assert_cmpint (polls_seen, ==, 2);
  g_assert_false (isle_join_handle_is_finished (pending));

  /* Finished first: the object goes without touching the task. */
  result = join_finished (ready, NULL);
  g_assert_cmpstr (result, ==, "polled");
  g_assert_finalize_object (other);

  /* Pending: disposing the object aborts it, and its state goes once. */
  g_assert_finalize_object (pinger);
  isle_test_run_all (island);
  check_aborted (pending);
}

int
main (int   argc,
      char *argv[])
{
  /* Local files without GVfs modules; sockets without proxy lookups. */
  g_setenv ("GIO_USE_VFS", "local", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/Gio/load-contents", test_gio_load_contents);
  g_test_add_func ("/Isle/Gio/error", test_gio_error);
  g_test_add_func ("/Isle/Gio/read-bytes", test_gio_read_bytes);
  g_test_add_func ("/Isle/Gio/wait-subprocess", test_gio_subprocess);
  g_test_add_func ("/Isle/Gio/socket", test_gio_socket);
  g_test_add_func ("/Isle/Gio/abort", test_gio_abort);
  g_test_add_func ("/Isle/Gio/timeout-cancels", test_gio_timeout_cancels);
  g_test_add_func ("/Isle/Gio/current-cancellable", test_gio_current_cancellable);
  g_test_add_func ("/Isle/Signal/args", test_signal_args);
  g_test_add_func ("/Isle/Signal/return-value", test_signal_return_value);
  g_test_add_func ("/Isle/Signal/detail", test_signal_detail);
  g_test_add_func ("/Isle/Signal/cancelled", test_signal_cancelled);
  g_test_add_func ("/Isle/Signal/dropped", test_signal_dropped);
  g_test_add_func ("/Isle/Signal/finalized", test_signal_finalized);
  g_test_add_func ("/Isle/Signal/disposed", test_signal_disposed);
  g_test_add_func ("/Isle/Signal/invalid", test_signal_invalid);
  g_test_add_func ("/Isle/ObjectBound/misuse-null", test_object_bound_misuse_null);
  g_test_add_func ("/Isle/ObjectBound/aborted-on-unref", test_object_bound_unref);
  g_test_add_func ("/Isle/ObjectBound/aborted-on-run-dispose", test_object_bound_run_dispose);
  g_test_add_func ("/Isle/ObjectBound/aborted-before-start", test_object_bound_before_start);
  g_test_add_func ("/Isle/ObjectBound/finishes-first", test_object_bound_finishes_first);
  g_test_add_func ("/Isle/ObjectBound/poll", test_object_bound_poll);

  return g_test_run ();
}
