/* isle-demo-window.c: the Isle demo's window, one page per topic
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every page's work runs as tasks on one island, the application's, bound
 * to the default main context, so g_application_run() drives them. Signal
 * handlers enter the island and spawn; the tasks touch widgets directly,
 * since they run on the window's thread, and hold no lock across their
 * suspension points.
 *
 * Tasks that work for the window are spawned with
 * isle_spawn_local_for_object(): closing the window aborts them. An
 * aborted task's suspension points fail with G_IO_ERROR_CANCELLED, and
 * from then on the window may already be gone, so every task checks
 * task_was_aborted() before it touches a widget again.
 */

#include "config.h"

#include <stdlib.h>

#include "isle-demo-task-entry.h"
#include "isle-demo-window.h"
#include "isle-demo-worker.h"

/* Pauses between the counter example's steps, so the label shows each. */
#define COUNTER_STEP_MS 250

/* Each worker moves its bar in this many steps, sleeping a random time
 * between WORKER_NAP_MIN_MS and WORKER_NAP_MAX_MS before each. */
#define WORKER_STEPS      20
#define WORKER_NAP_MIN_MS 20
#define WORKER_NAP_MAX_MS 120

/* The blocking job reports progress in thousandths, checking every this
 * many numbers whether the figure moved. */
#define PRIMES_PROGRESS_MASK 0x3fff

/* How often the inspector refreshes while it is visible, and the
 * priority of its task: below GTK's layout and paint
 * (GDK_PRIORITY_REDRAW), so it refreshes between frames, after the tasks
 * that were due. */
#define INSPECTOR_REFRESH_MS 500
#define INSPECTOR_PRIORITY   G_PRIORITY_DEFAULT_IDLE

/* How many lines of each text file the Files page shows. */
#define FILES_PREVIEW_LINES 3
#define FILES_PREVIEW_BYTES 4096

struct _IsleDemoWindow
{
  GtkApplicationWindow parent_instance;

  IsleLocalSet *island;                 /* (owned) */

  /* Template children. */
  GtkStack *stack;
  GtkLabel *counter_value;
  GtkLabel *counter_log;
  GtkButton *counter_button;
  GtkSpinButton *workers_spin;
  GtkButton *workers_start;
  GtkButton *workers_cancel_all;
  GtkLabel *workers_summary;
  GtkListView *workers_list;
  GtkEntry *blocking_entry;
  GtkButton *blocking_start;
  GtkSwitch *blocking_ui_switch;
  GtkProgressBar *blocking_progress;
  GtkSpinner *blocking_spinner;
  GtkLabel *blocking_result;
  GtkLabel *blocking_report;
  GtkButton *files_choose;
  GtkButton *files_cancel;
  GtkLabel *files_status;
  GtkListBox *files_list;
  GtkButton *dialog_button;
  GtkLabel *dialog_result;
  GtkLabel *inspector_fps;
  GtkLabel *inspector_counters;
  GtkListView *inspector_list;

  /* Counter. */
  GString *counter_steps;               /* (owned) */
  gboolean counter_running;

  /* Workers: the set is owned by the collector task while it runs;
   * workers_by_id maps the id of a task not collected yet to its worker;
   * worker_rows are the rows on screen, bound to a worker each. */
  IsleJoinSet *worker_set;              /* (unowned) (nullable) */
  GListStore *workers;                  /* (owned) IsleDemoWorker, by number */
  GHashTable *workers_by_id;            /* (owned) guint64 id → (owned) IsleDemoWorker */
  GPtrArray *worker_rows;               /* (owned) WorkerRow, (unowned) */
  guint workers_tick_id;
  gboolean workers_summary_dirty;
  guint workers_finished;
  guint workers_cancelled;
  guint next_worker_number;

  /* Blocking work. */
  gboolean blocking_running;

  /* Files. */
  IsleJoinHandle *files_handle;         /* (owned) (nullable) */
  gboolean choosing_folder;

  /* Dialog. */
  GtkWindow *question;                  /* (unowned) (nullable) */

  /* Inspector. */
  GListStore *inspector_tasks;          /* (owned) IsleDemoTaskEntry, in spawn order */
  GPtrArray *inspector_rows;            /* (owned) InspectorRow (unowned): the rows bound */
  IsleJoinHandle *inspector_handle;     /* (owned) (nullable) */
  guint tick_id;
  guint64 frames;
  gint64 frames_since;
  double fps;
};

G_DEFINE_FINAL_TYPE (IsleDemoWindow, isle_demo_window, GTK_TYPE_APPLICATION_WINDOW)

/* The windows that want slow-poll reports: the log writer hands them on. */
static GList *report_windows;

static gboolean
task_was_aborted (void)
{
  return isle_task_is_aborted (isle_task_get_current ());
}

/* Counter ---------------------------------------------------------------- */

typedef struct
{
  IsleDemoWindow *window;               /* (unowned) */
  guint *counter;                       /* (owned) a GRcBox */
} CounterTaskData;

static void
counter_task_data_free (gpointer data)
{
  CounterTaskData *task_data = data;

  g_rc_box_release (task_data->counter);
  g_free (task_data);
}

static void counter_step (IsleDemoWindow *self,
                          guint           value,
                          const char     *format,
                          ...) G_GNUC_PRINTF (3, 4);

/* Shows the counter and appends one line to the step log. */
static void
counter_step (IsleDemoWindow *self,
              guint           value,
              const char     *format,
              ...)
{
  g_autofree char *number = g_strdup_printf ("%u", value);
  va_list args;

  if (self->counter_steps->len > 0)
    g_string_append_c (self->counter_steps, '\n');
  va_start (args, format);
  g_string_append_vprintf (self->counter_steps, format, args);
  va_end (args);

  gtk_label_set_text (self->counter_value, number);
  gtk_label_set_text (self->counter_log, self->counter_steps->str);
}

/* The local task of the guide's example: add 1, yield, add 1. */
static gpointer
counter_increment (gpointer   user_data,
                   GError   **error)
{
  CounterTaskData *data = user_data;
  guint64 id = isle_task_get_id (isle_task_get_current ());

  *data->counter += 1;
  counter_step (data->window, *data->counter,
                "task %" G_GUINT64_FORMAT ": counter = %u, yielding to the island",
                id, *data->counter);

  /* Between here and the next step any other task of the island may run
   * and touch the counter; no other thread ever can. */
  if (!isle_yield_now (error) || !isle_sleep_msec (COUNTER_STEP_MS, error))
    return NULL;

  *data->counter += 1;
  counter_step (data->window, *data->counter,
                "task %" G_GUINT64_FORMAT ": back from the yield, counter = %u, done",
                id, *data->counter);
  return NULL;
}

/* The root of the example: spawn the local task, join it, check 2. */
static gpointer
counter_root (gpointer   user_data,
              GError   **error)
{
  IsleDemoWindow *self = user_data;
  g_autoptr(IsleJoinHandle) handle = NULL;
  g_autoptr(GError) join_error = NULL;
  CounterTaskData *data;
  guint64 task_id;
  guint *counter;
  guint value;

  counter = g_rc_box_new0 (guint);
  g_string_truncate (self->counter_steps, 0);
  counter_step (self, *counter, "root: counter = %u (a plain guint in a GRcBox)",
                *counter);

  if (!isle_sleep_msec (COUNTER_STEP_MS, error))
    {
      g_rc_box_release (counter);
      return NULL;
    }

  data = g_new0 (CounterTaskData, 1);
  data->window = self;
  data->counter = g_rc_box_acquire (counter);
  handle = isle_spawn_local_for_object_full (self, "counter task", G_PRIORITY_DEFAULT, 0,
                                             counter_increment, data,
                                             counter_task_data_free, NULL);
  task_id = isle_join_handle_get_id (handle);
  counter_step (self, *counter,
                "root: spawned task %" G_GUINT64_FORMAT ", joining it", task_id);

  isle_join_handle_join (handle, &join_error);
  value = *counter;
  g_rc_box_release (counter);
  if (join_error != NULL)
    {
      if (!task_was_aborted ())
        {
          counter_step (self, value, "root: task %" G_GUINT64_FORMAT " failed: %s",
                        task_id, join_error->message);
          self->counter_running = FALSE;
          gtk_widget_set_sensitive (GTK_WIDGET (self->counter_button), TRUE);
        }
      g_propagate_error (error, g_steal_pointer (&join_error));
      return NULL;
    }

  counter_step (self, value,
                "root: task %" G_GUINT64_FORMAT " finished, counter = %u: %s",
                task_id, value, value == 2 ? "ok" : "wrong!");
  self->counter_running = FALSE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->counter_button), TRUE);
  return NULL;
}

static void
counter_button_clicked_cb (IsleDemoWindow *self)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);

  self->counter_running = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->counter_button), FALSE);
  isle_join_handle_unref (isle_spawn_local_for_object_full (self, "counter root",
                                                            G_PRIORITY_DEFAULT, 0,
                                                            counter_root, self,
                                                            NULL, NULL));
}

/* Workers ---------------------------------------------------------------- */

/* A row of the workers' list view: made once, then bound to one worker
 * after another as the list scrolls. It remembers what it shows, so that
 * the once-a-frame sync touches a widget only when its worker moved. */
typedef struct
{
  GtkListItem *item;                    /* (unowned) owns the row's widgets */
  GtkWidget *box;                       /* (unowned) the row */
  GtkLabel *name;                       /* (unowned) */
  GtkProgressBar *bar;                  /* (unowned) */
  GtkLabel *status;                     /* (unowned) */
  GtkButton *cancel;                    /* (unowned) */
  double shown_fraction;
  int shown_state;                      /* an IsleDemoWorkerState, or -1 */
} WorkerRow;

/* A worker: WORKER_STEPS naps, each raced against a click on its row's
 * Cancel button (the worker's "cancel-requested" signal, since a row
 * belongs to whichever worker scrolled into it). A click ends the task
 * with G_IO_ERROR_CANCELLED, as an abort of the join set does. The task
 * only writes its progress into the worker: the page draws it. */
static gpointer
worker_run (gpointer   user_data,
            GError   **error)
{
  IsleDemoWorker *worker = user_data;

  /* Clickable from the moment something listens for the click. */
  isle_demo_worker_set_state (worker, ISLE_DEMO_WORKER_RUNNING);

  for (guint step = 1; step <= WORKER_STEPS; step++)
    {
      g_autoptr(IsleFuture) clicked = isle_future_new_for_signal (worker, "cancel-requested");
      g_autoptr(IsleFuture) nap = isle_future_new_sleep_msec (g_random_int_range (WORKER_NAP_MIN_MS,
                                                              WORKER_NAP_MAX_MS));
      IsleFuture *either[] = { nap, clicked };
      g_autoptr(IsleFuture) first = isle_future_race (either, G_N_ELEMENTS (either));
      GError *local_error = NULL;

      isle_await (first, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }

      /* The race cancels the loser, so the click future holds a value
       * only if the click came first. */
      if (isle_future_get_value (clicked, NULL) != NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Cancelled with its row's button");
          return NULL;
        }

      isle_demo_worker_set_fraction (worker, (double) step / WORKER_STEPS);
    }

  return NULL;
}

static void
workers_update_summary (IsleDemoWindow *self)
{
  g_autofree char *text = NULL;
  guint running = self->worker_set != NULL ? isle_join_set_get_n_tasks (self->worker_set) : 0;

  text = g_strdup_printf ("%u running, %u finished, %u cancelled",
                          running, self->workers_finished, self->workers_cancelled);
  gtk_label_set_text (self->workers_summary, text);
  self->workers_summary_dirty = FALSE;
}

static void
worker_row_sync (WorkerRow *row)
{
  IsleDemoWorker *worker = gtk_list_item_get_item (row->item);
  double fraction = isle_demo_worker_get_fraction (worker);
  IsleDemoWorkerState state = isle_demo_worker_get_state (worker);

  if (fraction != row->shown_fraction)
    {
      gtk_progress_bar_set_fraction (row->bar, fraction);
      row->shown_fraction = fraction;
    }
  if ((int) state != row->shown_state)
    {
      gtk_label_set_text (row->status, isle_demo_worker_get_status (worker));
      gtk_widget_set_sensitive (GTK_WIDGET (row->cancel), state == ISLE_DEMO_WORKER_RUNNING);
      row->shown_state = state;
    }
}

/* Brings the rows on screen, and the summary, up to their workers. GTK
 * 4.8's list view keeps about two hundred rows bound, but unmaps those
 * off screen; a row scrolling in is mapped, and brought up to date then
 * (worker_row_mapped_cb). */
static void
workers_sync (IsleDemoWindow *self)
{
  for (guint i = 0; i < self->worker_rows->len; i++)
    {
      WorkerRow *row = self->worker_rows->pdata[i];

      if (gtk_widget_get_mapped (row->box))
        worker_row_sync (row);
    }
  if (self->workers_summary_dirty)
    workers_update_summary (self);
}

/* Once a frame while workers run and the page shows: however many
 * workers moved since the last frame, each row on screen changes at most
 * once, just before layout. */
static gboolean
workers_tick (GtkWidget     *widget,
              GdkFrameClock *frame_clock,
              gpointer       user_data)
{
  workers_sync (ISLE_DEMO_WINDOW (user_data));
  return G_SOURCE_CONTINUE;
}

static void
workers_update_ticking (IsleDemoWindow *self)
{
  gboolean want = self->worker_set != NULL &&
                  gtk_widget_get_mapped (GTK_WIDGET (self->workers_list));

  if (want && self->workers_tick_id == 0)
    self->workers_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->workers_list),
                                                          workers_tick, self, NULL);
  else if (!want && self->workers_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->workers_list), self->workers_tick_id);
      self->workers_tick_id = 0;
    }
}

static void
workers_list_mapped_cb (IsleDemoWindow *self)
{
  workers_sync (self);
  workers_update_ticking (self);
}

static void
worker_row_cancel_clicked_cb (GtkButton *button,
                              WorkerRow *row)
{
  IsleDemoWorker *worker = gtk_list_item_get_item (row->item);

  if (worker != NULL)
    isle_demo_worker_request_cancel (worker);
}

static void
worker_row_mapped_cb (GtkWidget *box,
                      WorkerRow *row)
{
  if (gtk_list_item_get_item (row->item) != NULL)
    worker_row_sync (row);
}

static void
worker_row_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  IsleDemoWindow           *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  WorkerRow *row = g_new0 (WorkerRow, 1);

  row->item = item;
  row->box = box;
  row->name = GTK_LABEL (gtk_label_new (NULL));
  row->bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  row->status = GTK_LABEL (gtk_label_new (NULL));
  row->cancel = GTK_BUTTON (gtk_button_new_with_label ("Cancel"));

  /* Fixed widths and one line each: every row has the same height, so
   * the list view measures none of the rows it does not show. */
  gtk_widget_add_css_class (box, "worker-row");
  gtk_label_set_width_chars (row->name, 12);
  gtk_label_set_xalign (row->name, 0);
  gtk_label_set_width_chars (row->status, 9);
  gtk_widget_set_hexpand (GTK_WIDGET (row->bar), TRUE);
  gtk_widget_set_valign (GTK_WIDGET (row->bar), GTK_ALIGN_CENTER);
  g_signal_connect (row->cancel, "clicked", G_CALLBACK (worker_row_cancel_clicked_cb), row);
  g_signal_connect (box, "map", G_CALLBACK (worker_row_mapped_cb), row);

  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->name));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->bar));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->status));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row->cancel));
  g_object_set_data_full (G_OBJECT (box), "isle-demo-worker-row", row, g_free);
  gtk_list_item_set_child (item, box);
  gtk_list_item_set_activatable (item, FALSE);
}

static WorkerRow *
worker_row_get (GtkListItem *item)
{
  return g_object_get_data (G_OBJECT (gtk_list_item_get_child (item)), "isle-demo-worker-row");
}

static void
worker_row_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 IsleDemoWindow           *self)
{
  WorkerRow *row = worker_row_get (item);
  IsleDemoWorker *worker = gtk_list_item_get_item (item);
  g_autofree char *name = g_strdup_printf ("Worker %u", isle_demo_worker_get_number (worker));

  gtk_label_set_text (row->name, name);
  row->shown_fraction = -1;
  row->shown_state = -1;
  worker_row_sync (row);
  g_ptr_array_add (self->worker_rows, row);
}

static void
worker_row_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   IsleDemoWindow           *self)
{
  g_ptr_array_remove_fast (self->worker_rows, worker_row_get (item));
}

/* The collector: owns the join set while it runs, takes the workers out
 * as they finish and marks them. A new batch started meanwhile goes into
 * the same set. */
static gpointer
workers_collect (gpointer   user_data,
                 GError   **error)
{
  IsleDemoWindow *self = user_data;
  IsleJoinSet *set = self->worker_set;

  while (!isle_join_set_is_empty (set))
    {
      g_autoptr(IsleJoinHandle) done = NULL;
      g_autoptr(GError) next_error = NULL;
      g_autoptr(GError) worker_error = NULL;
      IsleDemoWorker *worker;
      guint64 id;

      done = isle_join_set_join_next (set, &next_error);
      if (done == NULL)
        {
          /* This task was aborted: the window is closing. Freeing the set
           * aborts every worker left in it. */
          isle_join_set_free (set);
          g_propagate_error (error, g_steal_pointer (&next_error));
          return NULL;
        }

      id = isle_join_handle_get_id (done);
      isle_join_handle_join (done, &worker_error);
      if (worker_error == NULL)
        self->workers_finished++;
      else
        self->workers_cancelled++;

      worker = g_hash_table_lookup (self->workers_by_id, &id);
      if (worker != NULL)
        {
          isle_demo_worker_set_state (worker, worker_error == NULL ? ISLE_DEMO_WORKER_DONE
                                                                   : ISLE_DEMO_WORKER_CANCELLED);
          g_hash_table_remove (self->workers_by_id, &id);
        }
      /* Shown by the next frame's sync, once for all the workers that
       * finished before it. */
      self->workers_summary_dirty = TRUE;
    }

  self->worker_set = NULL;
  isle_join_set_free (set);
  gtk_widget_set_sensitive (GTK_WIDGET (self->workers_cancel_all), FALSE);
  workers_update_ticking (self);
  workers_sync (self);
  workers_update_summary (self);
  return NULL;
}

static void
workers_start_clicked_cb (IsleDemoWindow *self)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);
  guint n = (guint) gtk_spin_button_get_value_as_int (self->workers_spin);
  g_autoptr(GPtrArray) added = g_ptr_array_new_full (n, g_object_unref);

  if (self->worker_set == NULL)
    {
      /* A fresh batch: clear the rows of the last one. */
      g_list_store_remove_all (self->workers);
      self->workers_finished = 0;
      self->workers_cancelled = 0;
      self->next_worker_number = 1;

      self->worker_set = isle_join_set_new ();
      isle_join_handle_unref (isle_spawn_local_for_object_full (self, "workers collector",
                                                                G_PRIORITY_DEFAULT, 0,
                                                                workers_collect, self,
                                                                NULL, NULL));
    }

  for (guint i = 0; i < n; i++)
    {
      guint number = self->next_worker_number++;
      IsleDemoWorker *worker = isle_demo_worker_new (number);
      g_autofree char *name = g_strdup_printf ("worker %u", number);
      guint64 id;

      id = isle_join_set_spawn_full (self->worker_set, name, G_PRIORITY_DEFAULT, 0,
                                     worker_run, g_object_ref (worker), g_object_unref, NULL);
      g_hash_table_insert (self->workers_by_id, g_memdup2 (&id, sizeof id), g_object_ref (worker));
      g_ptr_array_add (added, worker);
    }
  /* One items-changed for the batch, not one per worker. */
  g_list_store_splice (self->workers, g_list_model_get_n_items (G_LIST_MODEL (self->workers)),
                       0, added->pdata, added->len);

  gtk_widget_set_sensitive (GTK_WIDGET (self->workers_cancel_all), TRUE);
  workers_update_summary (self);
  workers_update_ticking (self);
}

static void
workers_cancel_all_clicked_cb (IsleDemoWindow *self)
{
  if (self->worker_set != NULL)
    isle_join_set_abort_all (self->worker_set);
}

/* Blocking work ------------------------------------------------------------ */

typedef struct
{
  guint64            limit;
  IsleChannelSender *sender;            /* (owned) (nullable) */
} PrimeJob;

static void
prime_job_free (gpointer data)
{
  PrimeJob *job = data;

  g_clear_pointer (&job->sender, isle_channel_sender_unref);
  g_free (job);
}

static gboolean
is_prime (guint64 n)
{
  if (n < 2)
    return FALSE;
  if (n < 4)
    return TRUE;
  if (n % 2 == 0)
    return FALSE;
  for (guint64 d = 3; d * d <= n; d += 2)
    if (n % d == 0)
      return FALSE;
  return TRUE;
}

/* Counts the primes below @limit by trial division: slow on purpose. With
 * a @sender, sends the progress in thousandths (plus one, so no item is
 * NULL) whenever it moves; a full channel just drops an update. */
static guint64
count_primes (guint64            limit,
              IsleChannelSender *sender,
              GCancellable      *cancellable)
{
  guint last_permille = 0;
  guint64 count = 0;

  for (guint64 n = 2; n < limit; n++)
    {
      if (is_prime (n))
        count++;
      if (sender != NULL && (n & PRIMES_PROGRESS_MASK) == 0)
        {
          guint permille = (guint) (n * 1000 / limit);

          if (g_cancellable_is_cancelled (cancellable))
            break;
          if (permille != last_permille)
            {
              last_permille = permille;
              isle_channel_sender_try_send (sender, GUINT_TO_POINTER (permille + 1), NULL);
            }
        }
    }

  return count;
}

/* Runs on a thread of the blocking pool. */
static gpointer
prime_job_run (gpointer       user_data,
               GCancellable  *cancellable,
               GError       **error)
{
  PrimeJob *job = user_data;
  guint64 count = count_primes (job->limit, job->sender, cancellable);

  /* The last sender gone closes the channel: the receiving task then
   * stops reading progress and awaits the result. */
  g_clear_pointer (&job->sender, isle_channel_sender_unref);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  return g_memdup2 (&count, sizeof count);
}

static void
blocking_finish (IsleDemoWindow *self)
{
  self->blocking_running = FALSE;
  gtk_spinner_stop (self->blocking_spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (self->blocking_start), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->blocking_ui_switch), TRUE);
}

static gpointer
blocking_count (gpointer   user_data,
                GError   **error)
{
  IsleDemoWindow *self = user_data;
  gboolean on_ui_thread = gtk_switch_get_active (self->blocking_ui_switch);
  g_autofree char *text = NULL;
  guint64 limit;
  guint64 count;
  gint64 start;

  limit = g_ascii_strtoull (gtk_editable_get_text (GTK_EDITABLE (self->blocking_entry)), NULL, 10);

  /* A frame with the spinner turning, before the work starts. */
  if (!isle_sleep_msec (100, error))
    return NULL;

  start = g_get_monotonic_time ();
  if (on_ui_thread)
    {
      /* The whole count in one turn of this task: nothing else runs on
       * the thread meanwhile, not even the spinner. */
      count = count_primes (limit, NULL, NULL);
    }
  else
    {
      PrimeJob *job = g_new0 (PrimeJob, 1);
      /* Born with the job's sender: the job releasing it closes the
       * channel, which ends the receiving loop below. */
      g_autoptr(IsleChannel) channel = isle_channel_new (64, NULL, &job->sender);
      g_autoptr(IsleFuture) result = NULL;
      g_autoptr(GError) recv_error = NULL;
      guint64 *value;
      gpointer item;

      job->limit = limit;
      result = isle_spawn_blocking (prime_job_run, job, prime_job_free, g_free);

      while ((item = isle_channel_recv (channel, &recv_error)) != NULL)
        gtk_progress_bar_set_fraction (self->blocking_progress,
                                       (GPOINTER_TO_UINT (item) - 1) / 1000.0);
      if (!g_error_matches (recv_error, G_IO_ERROR, G_IO_ERROR_CLOSED))
        {
          g_propagate_error (error, g_steal_pointer (&recv_error));
          return NULL;
        }

      if ((value = isle_await (result, error)) == NULL)
        return NULL;
      count = *value;
    }

  gtk_progress_bar_set_fraction (self->blocking_progress, 1.0);
  text = g_strdup_printf ("%" G_GUINT64_FORMAT " primes below %" G_GUINT64_FORMAT
                          ", counted %s in %.0f ms",
                          count, limit,
                          on_ui_thread ? "on the UI thread (the window froze)"
                                       : "on the blocking pool (the window stayed live)",
                          (g_get_monotonic_time () - start) / 1000.0);
  gtk_label_set_text (self->blocking_result, text);
  blocking_finish (self);
  return NULL;
}

static void
blocking_start_clicked_cb (IsleDemoWindow *self)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->blocking_entry));
  guint64 limit;

  if (!g_ascii_string_to_unsigned (text, 10, 2, G_MAXUINT32, &limit, NULL))
    {
      gtk_label_set_text (self->blocking_result,
                          "Type a whole number from 2 to 4294967295.");
      return;
    }

  self->blocking_running = TRUE;
  gtk_widget_set_sensitive (GTK_WIDGET (self->blocking_start), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->blocking_ui_switch), FALSE);
  gtk_progress_bar_set_fraction (self->blocking_progress, 0.0);
  gtk_label_set_text (self->blocking_result, "Counting…");
  gtk_label_set_text (self->blocking_report, "");
  gtk_spinner_start (self->blocking_spinner);
  isle_join_handle_unref (isle_spawn_local_for_object_full (self, "prime counter",
                                                            G_PRIORITY_DEFAULT, 0,
                                                            blocking_count, self,
                                                            NULL, NULL));
}

static void
window_show_report (IsleDemoWindow *self,
                    const char     *message)
{
  g_autofree char *text = g_strdup_printf ("Isle reported:\n%s", message);

  gtk_label_set_text (self->blocking_report, text);
}

/**
 * isle_demo_report_slow_poll:
 * @message: the text of Isle's slow-poll report
 *
 * Shows a slow-poll report on the Blocking work page of every demo window.
 * The demo's log writer calls it; call it on the main thread.
 */
void
isle_demo_report_slow_poll (const char *message)
{
  for (GList *l = report_windows; l != NULL; l = l->next)
    window_show_report (l->data, message);
}

/* Files ------------------------------------------------------------------ */

typedef struct
{
  IsleDemoWindow *window;               /* (unowned) */
  GFile *folder;                        /* (owned) */
} FilesJob;

static void
files_job_free (gpointer data)
{
  FilesJob *job = data;

  g_object_unref (job->folder);
  g_free (job);
}

static int
compare_file_infos (gconstpointer a,
                    gconstpointer b)
{
  GFileInfo *info_a = *(GFileInfo * const *) a;
  GFileInfo *info_b = *(GFileInfo * const *) b;

  return g_strcmp0 (g_file_info_get_name (info_a), g_file_info_get_name (info_b));
}

/* The first FILES_PREVIEW_LINES lines of @bytes, as valid UTF-8. */
static char *
preview_lines (GBytes *bytes)
{
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  g_autofree char *text = g_utf8_make_valid (data != NULL ? data : "", size);
  g_auto(GStrv) lines = g_strsplit (text, "\n", FILES_PREVIEW_LINES + 1);
  GString *preview = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL && i < FILES_PREVIEW_LINES; i++)
    {
      if (i > 0)
        g_string_append_c (preview, '\n');
      g_string_append (preview, lines[i]);
    }

  return g_string_free (preview, FALSE);
}

static void
files_add_row (IsleDemoWindow *self,
               const char     *name,
               const char     *preview)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *body = gtk_label_new (preview);

  gtk_widget_add_css_class (box, "worker-row");
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_ellipsize (GTK_LABEL (body), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (body, "dim-label");
  gtk_widget_add_css_class (body, "monospace");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), body);
  gtk_list_box_append (self->files_list, box);
}

/* Reads the first bytes of @file: open, read, close, each awaited. */
static GBytes *
read_head (GFile   *file,
           GError **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GAsyncResult *res;

  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_file_read_async (file, G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || (stream = g_file_read_finish (file, res, error)) == NULL)
      return NULL;
  }
  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_input_stream_read_bytes_async (G_INPUT_STREAM (stream), FILES_PREVIEW_BYTES, G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || (bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (stream), res, error)) == NULL)
      return NULL;
  }
  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_input_stream_close_async (G_INPUT_STREAM (stream), G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || !g_input_stream_close_finish (G_INPUT_STREAM (stream), res, error))
      return NULL;
  }

  return g_steal_pointer (&bytes);
}

static gboolean
files_list_folder (FilesJob   *job,
                   GPtrArray  *infos,
                   GError    **error)
{
  g_autoptr(GFileEnumerator) enumerator = NULL;
  GAsyncResult *res;

  {
    g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
    g_file_enumerate_children_async (job->folder,
                                     G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                     G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                                     G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                                     G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                                     isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
    if ((res = isle_await (op, error)) == NULL || (enumerator = g_file_enumerate_children_finish (job->folder, res, error)) == NULL)
      return FALSE;
  }

  for (;;)
    {
      g_autoptr(IsleFuture) op = isle_future_new_for_gio ();
      g_autoptr(GError) local_error = NULL;
      GList *batch;

      g_file_enumerator_next_files_async (enumerator, 32, G_PRIORITY_DEFAULT, isle_current_cancellable (), isle_gio_callback, isle_future_ref (op));
      if ((res = isle_await (op, error)) == NULL)
        return FALSE;
      batch = g_file_enumerator_next_files_finish (enumerator, res, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (batch == NULL)
        break;
      for (GList *l = batch; l != NULL; l = l->next)
        g_ptr_array_add (infos, l->data);
      g_list_free (batch);
    }

  g_ptr_array_sort (infos, compare_file_infos);
  return TRUE;
}

static gpointer
files_load (gpointer   user_data,
            GError   **error)
{
  FilesJob *job = user_data;
  IsleDemoWindow *self = job->window;
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *where = g_file_get_parse_name (job->folder);
  g_autofree char *text = NULL;
  guint n_text = 0;

  if (!files_list_folder (job, infos, error))
    goto failed;

  for (guint i = 0; i < infos->len; i++)
    {
      GFileInfo *info = infos->pdata[i];
      const char *content_type = g_file_info_get_content_type (info);
      g_autoptr(GFile) file = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *preview = NULL;
      g_autofree char *progress = NULL;

      if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR ||
          content_type == NULL || !g_content_type_is_a (content_type, "text/plain"))
        continue;

      file = g_file_get_child (job->folder, g_file_info_get_name (info));
      if ((bytes = read_head (file, error)) == NULL)
        goto failed;

      preview = preview_lines (bytes);
      files_add_row (self, g_file_info_get_name (info), preview);
      n_text++;
      progress = g_strdup_printf ("Reading %s… %u text files so far", where, n_text);
      gtk_label_set_text (self->files_status, progress);
    }

  text = g_strdup_printf ("%u text files of %u entries in %s", n_text, infos->len, where);
  gtk_label_set_text (self->files_status, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->files_cancel), FALSE);
  return NULL;

failed:
  /* Aborted: by the Cancel button, which says so, or by the window
   * closing, after which nothing may be touched. */
  if (!task_was_aborted ())
    {
      /* Handled here: the page shows it, and that is the whole story. */
      text = g_strdup_printf ("Could not read %s: %s", where, (*error)->message);
      gtk_label_set_text (self->files_status, text);
      gtk_widget_set_sensitive (GTK_WIDGET (self->files_cancel), FALSE);
      g_clear_error (error);
    }
  return NULL;
}

/**
 * isle_demo_window_load_folder:
 * @self: a demo window
 * @folder: the folder to list
 *
 * Starts the Files page's task on @folder, aborting the one before. The
 * folder chooser calls it; so do the tests and the walkthrough.
 */
void
isle_demo_window_load_folder (IsleDemoWindow *self,
                              GFile          *folder)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);
  g_autofree char *where = g_file_get_parse_name (folder);
  g_autofree char *text = g_strdup_printf ("Reading %s…", where);
  FilesJob *job;
  GtkWidget *child;

  if (self->files_handle != NULL)
    {
      isle_join_handle_abort (self->files_handle);
      g_clear_pointer (&self->files_handle, isle_join_handle_unref);
    }
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->files_list))) != NULL)
    gtk_list_box_remove (self->files_list, child);

  gtk_label_set_text (self->files_status, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->files_cancel), TRUE);

  job = g_new0 (FilesJob, 1);
  job->window = self;
  job->folder = g_object_ref (folder);
  self->files_handle = isle_spawn_local_for_object_full (self, "files loader",
                                                         G_PRIORITY_DEFAULT, 0,
                                                         files_load, job,
                                                         files_job_free, NULL);
}

/* The chooser's "response", awaited like any other future. */
static gpointer
files_choose (gpointer   user_data,
              GError   **error)
{
  IsleDemoWindow *self = user_data;
  g_autoptr(GtkFileChooserNative) chooser = NULL;
  g_autoptr(IsleFuture) response = NULL;
  IsleSignalArgs *args;

  chooser = gtk_file_chooser_native_new ("Choose a folder", GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         "_Open", "_Cancel");
  response = isle_future_new_for_signal (chooser, "response");
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));

  if ((args = isle_await (response, error)) == NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
      return NULL;
    }

  self->choosing_folder = FALSE;
  if (g_value_get_int (isle_signal_args_get (args, 0)) == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (folder != NULL)
        isle_demo_window_load_folder (self, folder);
    }

  return NULL;
}

static void
files_choose_clicked_cb (IsleDemoWindow *self)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);

  if (self->choosing_folder)
    return;
  self->choosing_folder = TRUE;
  isle_join_handle_unref (isle_spawn_local_for_object_full (self, "folder chooser",
                                                            G_PRIORITY_DEFAULT, 0,
                                                            files_choose, self,
                                                            NULL, NULL));
}

static void
files_cancel_clicked_cb (IsleDemoWindow *self)
{
  if (self->files_handle == NULL || isle_join_handle_is_finished (self->files_handle))
    return;

  isle_join_handle_abort (self->files_handle);
  gtk_label_set_text (self->files_status, "Cancelled.");
  gtk_widget_set_sensitive (GTK_WIDGET (self->files_cancel), FALSE);
}

/* Dialog ----------------------------------------------------------------- */

static void
mark_destroyed (GtkWidget *widget,
                gpointer   user_data)
{
  gboolean *destroyed = user_data;

  *destroyed = TRUE;
}

/* Straight-line code around a dialog: ask, await the answer, act. */
static gpointer
dialog_ask (gpointer   user_data,
            GError   **error)
{
  IsleDemoWindow *self = user_data;
  g_autoptr(IsleFuture) response = NULL;
  IsleSignalArgs *args;
  GtkWidget *dialog;
  gboolean destroyed = FALSE;
  gulong destroy_id;
  int answer;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_YES_NO,
                                   "Reset the counter?");
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            "The Counter page goes back to 0.");
  destroy_id = g_signal_connect (dialog, "destroy", G_CALLBACK (mark_destroyed), &destroyed);
  self->question = GTK_WINDOW (dialog);

  response = isle_future_new_for_signal (dialog, "response");
  gtk_window_present (GTK_WINDOW (dialog));
  args = isle_await (response, error);

  /* The window closing destroys the dialog with it (and rejects the
   * future); otherwise the dialog is ours to close. */
  if (!destroyed)
    {
      g_signal_handler_disconnect (dialog, destroy_id);
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  if (args == NULL)
    return NULL;

  self->question = NULL;
  answer = g_value_get_int (isle_signal_args_get (args, 0));
  if (answer == GTK_RESPONSE_YES)
    {
      g_string_truncate (self->counter_steps, 0);
      gtk_label_set_text (self->counter_value, "0");
      gtk_label_set_text (self->counter_log, "Reset from the Dialog page.");
      gtk_label_set_text (self->dialog_result, "You answered Yes: the counter was reset to 0.");
    }
  else
    {
      gtk_label_set_text (self->dialog_result, "You answered No: the counter was left alone.");
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->dialog_button), TRUE);
  return NULL;
}

static void
dialog_button_clicked_cb (IsleDemoWindow *self)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);

  gtk_widget_set_sensitive (GTK_WIDGET (self->dialog_button), FALSE);
  gtk_label_set_text (self->dialog_result, "Waiting for your answer…");
  isle_join_handle_unref (isle_spawn_local_for_object_full (self, "question",
                                                            G_PRIORITY_DEFAULT, 0,
                                                            dialog_ask, self,
                                                            NULL, NULL));
}

/* Inspector ---------------------------------------------------------------- */

/* A row of the inspector's list view, bound to one entry after another
 * as the list scrolls; it remembers which of its entry's infos it shows. */
typedef struct
{
  GtkListItem *item;                    /* (unowned) owns the label */
  GtkLabel *label;                      /* (unowned) */
  guint shown_serial;
} InspectorRow;

static void
inspector_row_sync (InspectorRow *row,
                    gboolean      force)
{
  IsleDemoTaskEntry *entry = gtk_list_item_get_item (row->item);
  guint serial = isle_demo_task_entry_get_serial (entry);
  g_autofree char *line = NULL;

  if (!force && serial == row->shown_serial)
    return;

  line = isle_demo_window_describe_task (isle_demo_task_entry_get_info (entry));
  gtk_label_set_text (row->label, line);
  row->shown_serial = serial;
}

/* The rows on screen, up to their entries. GTK 4.8's list view keeps
 * about two hundred rows bound, but unmaps those off screen; a row
 * scrolling in is mapped, and brought up to date then (row_mapped_cb). */
static void
inspector_sync_rows (IsleDemoWindow *self)
{
  for (guint i = 0; i < self->inspector_rows->len; i++)
    {
      InspectorRow *row = self->inspector_rows->pdata[i];

      if (gtk_widget_get_mapped (GTK_WIDGET (row->label)))
        inspector_row_sync (row, FALSE);
    }
}

/* Every frame while the Inspector shows: counts the frame, and redraws
 * the rows on screen that the last refresh changed. */
static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *frame_clock,
             gpointer       user_data)
{
  IsleDemoWindow *self = ISLE_DEMO_WINDOW (widget);

  self->frames++;
  inspector_sync_rows (self);
  return G_SOURCE_CONTINUE;
}

/* Brings @store (entries in spawn order) up to @fresh (task infos in spawn
 * order, which is id order): one merge pass. A task in both keeps its
 * entry, which takes the fresh info; only tasks spawned or finished since
 * the last refresh change the model, each run of them in one splice. */
static void
merge_task_infos (GListStore *store,
                  GListModel *fresh)
{
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint n_new = g_list_model_get_n_items (fresh);
  g_autoptr(GPtrArray) old = g_ptr_array_new_full (n_old, g_object_unref);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  guint i = 0, j = 0;
  guint out = 0;          /* where the next kept entry sits in @store */
  guint pending_at = 0;   /* where the pending splice starts */
  guint n_removed = 0;

  for (guint k = 0; k < n_old; k++)
    g_ptr_array_add (old, g_list_model_get_item (G_LIST_MODEL (store), k));

  while (i < n_old || j < n_new)
    {
      IsleDemoTaskEntry *a = i < n_old ? old->pdata[i] : NULL;
      g_autoptr(IsleTaskInfo) b = j < n_new ? g_list_model_get_item (fresh, j) : NULL;
      guint64 id_a = a != NULL ? isle_task_info_get_id (isle_demo_task_entry_get_info (a)) : G_MAXUINT64;
      guint64 id_b = b != NULL ? isle_task_info_get_id (b) : G_MAXUINT64;

      if (n_removed == 0 && added->len == 0)
        pending_at = out;

      if (id_a < id_b)
        {
          n_removed++;
          i++;
        }
      else if (id_a > id_b)
        {
          g_ptr_array_add (added, isle_demo_task_entry_new (b));
          j++;
        }
      else
        {
          if (n_removed > 0 || added->len > 0)
            {
              g_list_store_splice (store, pending_at, n_removed, added->pdata, added->len);
              out = pending_at + added->len;
              n_removed = 0;
              g_ptr_array_set_size (added, 0);
            }
          isle_demo_task_entry_set_info (a, b);
          out++;
          i++;
          j++;
        }
    }
  if (n_removed > 0 || added->len > 0)
    g_list_store_splice (store, pending_at, n_removed, added->pdata, added->len);
}

/**
 * isle_demo_window_describe_task:
 * @info: a task of the island
 *
 * The Inspector's line for @info: the task dump's words, what the task
 * waits for before where it was spawned.
 *
 * Returns: (transfer full): the line
 */
char *
isle_demo_window_describe_task (IsleTaskInfo *info)
{
  const char *name = isle_task_info_get_name (info);

  /* What it waits for first: a narrow window cuts the end of the line. */
  return g_strdup_printf ("task %" G_GUINT64_FORMAT " [%s, %s]%s%s%s waiting for %s — spawned at %s",
                          isle_task_info_get_id (info),
                          isle_task_info_get_kind (info),
                          isle_task_info_get_state (info),
                          name ? " “" : "", name ? name : "", name ? "”" : "",
                          isle_task_info_get_waiting_for (info),
                          isle_task_info_get_spawn_site (info));
}

static void
inspector_refresh (IsleDemoWindow *self)
{
  g_autoptr(GListModel) tasks = isle_local_set_list_tasks (self->island);
  g_autofree char *counters_text = NULL;
  IsleLocalSetCounters counters;
  gint64 now = g_get_monotonic_time ();

  merge_task_infos (self->inspector_tasks, tasks);

  isle_local_set_get_counters (self->island, &counters);
  counters_text = g_strdup_printf ("tasks: %" G_GUINT64_FORMAT " spawned, %" G_GUINT64_FORMAT
                                   " finished, %" G_GUINT64_FORMAT " aborted, %" G_GUINT64_FORMAT
                                   " live\nturns: %" G_GUINT64_FORMAT "    wakes: %" G_GUINT64_FORMAT
                                   " local, %" G_GUINT64_FORMAT " from other threads"
                                   "    longest run queue: %" G_GUINT64_FORMAT,
                                   counters.tasks_spawned, counters.tasks_finished,
                                   counters.tasks_aborted, counters.tasks_live,
                                   counters.polls, counters.wakes_local,
                                   counters.wakes_remote, counters.run_queue_high_water);
  gtk_label_set_text (self->inspector_counters, counters_text);

  if (self->frames_since != 0 && now - self->frames_since >= 200 * G_TIME_SPAN_MILLISECOND)
    {
      g_autofree char *fps_text = NULL;

      self->fps = self->frames * (double) G_TIME_SPAN_SECOND / (now - self->frames_since);
      fps_text = g_strdup_printf ("Frame rate: %.1f frames/s", self->fps);
      gtk_label_set_text (self->inspector_fps, fps_text);
      self->frames = 0;
      self->frames_since = now;
    }
}

/* Runs while the Inspector is visible, at a priority below the workers'
 * and below GTK's drawing: it looks when the tasks that were due have run
 * and the frame is drawn, so a napping worker shows as parked in its
 * sleep, not as "scheduled" because its timer fired in the same turn. */
static gpointer
inspector_run (gpointer   user_data,
               GError   **error)
{
  IsleDemoWindow *self = user_data;

  for (;;)
    {
      inspector_refresh (self);
      if (!isle_sleep_msec (INSPECTOR_REFRESH_MS, error))
        return NULL;
    }
}

static InspectorRow *
inspector_row_get (GtkListItem *item)
{
  return g_object_get_data (G_OBJECT (gtk_list_item_get_child (item)), "isle-demo-inspector-row");
}

static void
inspector_row_mapped_cb (GtkWidget    *label,
                         InspectorRow *row)
{
  if (gtk_list_item_get_item (row->item) != NULL)
    inspector_row_sync (row, FALSE);
}

static void
inspector_setup_row (GtkSignalListItemFactory *factory,
                     GtkListItem              *item,
                     IsleDemoWindow           *self)
{
  InspectorRow *row = g_new0 (InspectorRow, 1);

  row->item = item;
  row->label = GTK_LABEL (gtk_label_new (NULL));

  /* One line a row, ellipsized: every row has the same height, so the
   * list view measures none of the rows it does not show. */
  gtk_label_set_xalign (row->label, 0);
  gtk_label_set_ellipsize (row->label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (row->label, TRUE);
  g_signal_connect (row->label, "map", G_CALLBACK (inspector_row_mapped_cb), row);
  g_object_set_data_full (G_OBJECT (row->label), "isle-demo-inspector-row", row, g_free);
  gtk_list_item_set_child (item, GTK_WIDGET (row->label));
}

static void
inspector_bind_row (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    IsleDemoWindow           *self)
{
  InspectorRow *row = inspector_row_get (item);

  inspector_row_sync (row, TRUE);
  g_ptr_array_add (self->inspector_rows, row);
}

static void
inspector_unbind_row (GtkSignalListItemFactory *factory,
                      GtkListItem              *item,
                      IsleDemoWindow           *self)
{
  g_ptr_array_remove_fast (self->inspector_rows, inspector_row_get (item));
}

static void
inspector_stop (IsleDemoWindow *self)
{
  if (self->inspector_handle != NULL)
    {
      isle_join_handle_abort (self->inspector_handle);
      g_clear_pointer (&self->inspector_handle, isle_join_handle_unref);
    }
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
}

static void
visible_page_changed_cb (IsleDemoWindow *self)
{
  g_autoptr(IsleLocalSetEnterGuard) guard = isle_local_set_enter_scoped (self->island);

  inspector_stop (self);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "inspector") != 0)
    return;

  /* A tick callback keeps the frame clock running, so the count is the
   * rate the window can draw at, not just the frames something asked for. */
  self->frames = 0;
  self->frames_since = g_get_monotonic_time ();
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), count_frame, NULL, NULL);
  self->inspector_handle = isle_spawn_local_for_object_full (self, "inspector",
                                                             INSPECTOR_PRIORITY, 0,
                                                             inspector_run, self,
                                                             NULL, NULL);
}

/* The window --------------------------------------------------------------- */

/**
 * isle_demo_window_new:
 * @application: (nullable): the application
 * @island: the island the window's tasks run on, bound to the default
 *   main context
 *
 * Creates the demo's window. Call it on the island's thread.
 *
 * Returns: (transfer none): the window, owned by GTK's list of toplevels
 */
IsleDemoWindow *
isle_demo_window_new (GtkApplication *application,
                      IsleLocalSet   *island)
{
  IsleDemoWindow *self = g_object_new (ISLE_DEMO_TYPE_WINDOW,
                                       "application", application,
                                       NULL);

  self->island = isle_local_set_ref (island);

  /* The Blocking work page shows Isle's slow-poll reports. */
  isle_local_set_set_debug_flags (island,
                                  isle_local_set_get_debug_flags (island) |
                                  ISLE_DEBUG_SLOW_POLLS);
  return self;
}

/**
 * isle_demo_window_get_island:
 * @self: a demo window
 *
 * Gets the island the window's tasks run on.
 *
 * Returns: (transfer none): the island
 */
IsleLocalSet *
isle_demo_window_get_island (IsleDemoWindow *self)
{
  return self->island;
}

/**
 * isle_demo_window_get_part:
 * @self: a demo window
 * @name: the id of an object of the window's template
 *
 * For the tests and the walkthrough, which drive the pages as a user
 * would: a widget of the template by its id.
 *
 * Returns: (transfer none): the widget
 */
GtkWidget *
isle_demo_window_get_part (IsleDemoWindow *self,
                           const char     *name)
{
  GObject *part = gtk_widget_get_template_child (GTK_WIDGET (self),
                                                 ISLE_DEMO_TYPE_WINDOW, name);

  g_return_val_if_fail (GTK_IS_WIDGET (part), NULL);
  return GTK_WIDGET (part);
}

/**
 * isle_demo_window_show_page:
 * @self: a demo window
 * @page: the name of a page: "counter", "workers", "blocking", "files",
 *   "dialog" or "inspector"
 *
 * Shows @page, as a click in the sidebar does. Call it on the main thread.
 */
void
isle_demo_window_show_page (IsleDemoWindow *self,
                            const char     *page)
{
  gtk_stack_set_visible_child_name (self->stack, page);
}

/**
 * isle_demo_window_get_question:
 * @self: a demo window
 *
 * Gets the question the Dialog page is waiting on, so that a test or the
 * walkthrough can answer it with gtk_dialog_response().
 *
 * Returns: (transfer none) (nullable): the dialog, or %NULL if no question
 *   is open
 */
GtkWindow *
isle_demo_window_get_question (IsleDemoWindow *self)
{
  return self->question;
}

/**
 * isle_demo_window_get_n_workers:
 * @self: a demo window
 *
 * Counts the workers of the Workers page that have not been collected yet.
 *
 * Returns: the number of workers in the join set
 */
guint
isle_demo_window_get_n_workers (IsleDemoWindow *self)
{
  return self->worker_set != NULL ? isle_join_set_get_n_tasks (self->worker_set) : 0;
}

/**
 * isle_demo_window_get_worker_row_part:
 * @self: a demo window
 * @position: a worker's position in the Workers page's list, from 0
 * @name: "bar", "status" or "cancel"
 *
 * For the tests, which drive the pages as a user would: a widget of the
 * row that shows the worker at @position. The list view makes rows only
 * for the workers on screen, so a worker scrolled out of sight has none.
 *
 * Returns: (transfer none) (nullable): the widget, or %NULL if the worker
 *   is not on screen
 */
GtkWidget *
isle_demo_window_get_worker_row_part (IsleDemoWindow *self,
                                      guint           position,
                                      const char     *name)
{
  for (guint i = 0; i < self->worker_rows->len; i++)
    {
      WorkerRow *row = self->worker_rows->pdata[i];

      if (gtk_list_item_get_position (row->item) != position || !gtk_widget_get_mapped (row->box))
        continue;
      if (g_str_equal (name, "bar"))
        return GTK_WIDGET (row->bar);
      if (g_str_equal (name, "status"))
        return GTK_WIDGET (row->status);
      if (g_str_equal (name, "cancel"))
        return GTK_WIDGET (row->cancel);
      g_return_val_if_reached (NULL);
    }

  return NULL;
}

/**
 * isle_demo_window_is_busy:
 * @self: a demo window
 * @page: the name of a page, as for isle_demo_window_show_page()
 *
 * Whether @page has work in flight: what the tests and the walkthrough
 * wait on. The Inspector is never busy.
 *
 * Returns: %TRUE while the page's tasks run
 */
gboolean
isle_demo_window_is_busy (IsleDemoWindow *self,
                          const char     *page)
{
  if (g_str_equal (page, "counter"))
    return self->counter_running;
  if (g_str_equal (page, "workers"))
    return self->worker_set != NULL;
  if (g_str_equal (page, "blocking"))
    return self->blocking_running;
  if (g_str_equal (page, "files"))
    return self->files_handle != NULL && !isle_join_handle_is_finished (self->files_handle);
  if (g_str_equal (page, "dialog"))
    return !gtk_widget_get_sensitive (GTK_WIDGET (self->dialog_button));
  return FALSE;
}

static void
isle_demo_window_dispose (GObject *object)
{
  IsleDemoWindow *self = ISLE_DEMO_WINDOW (object);

  report_windows = g_list_remove (report_windows, self);
  if (self->stack != NULL)
    g_signal_handlers_disconnect_by_data (self->stack, self);
  inspector_stop (self);
  if (self->workers_list != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->workers_list, self);
      if (self->workers_tick_id != 0)
        gtk_widget_remove_tick_callback (GTK_WIDGET (self->workers_list), self->workers_tick_id);
      self->workers_tick_id = 0;
    }
  g_clear_pointer (&self->files_handle, isle_join_handle_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), ISLE_DEMO_TYPE_WINDOW);

  /* Chaining up notifies the weak references: every task spawned for the
   * window is aborted here, and the collector frees the join set. */
  G_OBJECT_CLASS (isle_demo_window_parent_class)->dispose (object);
}

static void
isle_demo_window_finalize (GObject *object)
{
  IsleDemoWindow *self = ISLE_DEMO_WINDOW (object);

  g_string_free (self->counter_steps, TRUE);
  g_hash_table_unref (self->workers_by_id);
  g_ptr_array_unref (self->worker_rows);
  g_clear_object (&self->workers);
  g_clear_object (&self->inspector_tasks);
  g_ptr_array_unref (self->inspector_rows);
  g_clear_pointer (&self->island, isle_local_set_unref);

  G_OBJECT_CLASS (isle_demo_window_parent_class)->finalize (object);
}

static void
isle_demo_window_class_init (IsleDemoWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = isle_demo_window_dispose;
  object_class->finalize = isle_demo_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/isle/Demo/ui/isle-demo-window.ui");
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, counter_value);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, counter_log);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, counter_button);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, workers_spin);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, workers_start);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, workers_cancel_all);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, workers_summary);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, workers_list);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_entry);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_start);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_ui_switch);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_progress);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_spinner);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_result);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, blocking_report);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, files_choose);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, files_cancel);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, files_status);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, files_list);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, dialog_button);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, dialog_result);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, inspector_fps);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, inspector_counters);
  gtk_widget_class_bind_template_child (widget_class, IsleDemoWindow, inspector_list);
}

/* The demo's styles, added once to the display the first window is on. */
static void
add_style_once (GtkWidget *widget)
{
  static gsize added = 0;

  if (g_once_init_enter (&added))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (provider, "/org/isle/Demo/style.css");
      gtk_style_context_add_provider_for_display (gtk_widget_get_display (widget),
                                                  GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&added, 1);
    }
}

static void
isle_demo_window_init (IsleDemoWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkNoSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));
  add_style_once (GTK_WIDGET (self));

  self->counter_steps = g_string_new (NULL);
  self->workers_by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                               g_free, g_object_unref);
  self->worker_rows = g_ptr_array_new ();
  self->workers = g_list_store_new (ISLE_DEMO_TYPE_WORKER);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (worker_row_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (worker_row_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (worker_row_unbind), self);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->workers)));
  gtk_list_view_set_model (self->workers_list, GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_factory (self->workers_list, factory);
  g_object_unref (selection);
  g_clear_object (&factory);
  g_signal_connect_swapped (self->workers_list, "map",
                            G_CALLBACK (workers_list_mapped_cb), self);
  g_signal_connect_swapped (self->workers_list, "unmap",
                            G_CALLBACK (workers_update_ticking), self);

  self->inspector_tasks = g_list_store_new (ISLE_DEMO_TYPE_TASK_ENTRY);
  self->inspector_rows = g_ptr_array_new ();
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (inspector_setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (inspector_bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (inspector_unbind_row), self);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->inspector_tasks)));
  gtk_list_view_set_model (self->inspector_list, GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_factory (self->inspector_list, factory);
  g_object_unref (selection);

  g_signal_connect_swapped (self->counter_button, "clicked",
                            G_CALLBACK (counter_button_clicked_cb), self);
  g_signal_connect_swapped (self->workers_start, "clicked",
                            G_CALLBACK (workers_start_clicked_cb), self);
  g_signal_connect_swapped (self->workers_cancel_all, "clicked",
                            G_CALLBACK (workers_cancel_all_clicked_cb), self);
  g_signal_connect_swapped (self->blocking_start, "clicked",
                            G_CALLBACK (blocking_start_clicked_cb), self);
  g_signal_connect_swapped (self->blocking_entry, "activate",
                            G_CALLBACK (blocking_start_clicked_cb), self);
  g_signal_connect_swapped (self->files_choose, "clicked",
                            G_CALLBACK (files_choose_clicked_cb), self);
  g_signal_connect_swapped (self->files_cancel, "clicked",
                            G_CALLBACK (files_cancel_clicked_cb), self);
  g_signal_connect_swapped (self->dialog_button, "clicked",
                            G_CALLBACK (dialog_button_clicked_cb), self);
  g_signal_connect_swapped (self->stack, "notify::visible-child-name",
                            G_CALLBACK (visible_page_changed_cb), self);

  report_windows = g_list_prepend (report_windows, self);
}

/* Log writer ----------------------------------------------------------------- */

static GLogWriterOutput
demo_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  /* Isle reports slow polls on the island's thread, which is the main
   * thread here; messages from other threads are only passed on. */
  if (g_main_context_is_owner (g_main_context_default ()))
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          g_autofree char *message = NULL;

          if (!g_str_equal (fields[i].key, "MESSAGE"))
            continue;
          message = fields[i].length < 0 ? g_strdup (fields[i].value)
                                         : g_strndup (fields[i].value, fields[i].length);
          if (g_str_has_prefix (message, "Slow poll:"))
            isle_demo_report_slow_poll (message);
          break;
        }
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/**
 * isle_demo_install_log_writer:
 *
 * Installs the demo's log writer, which hands Isle's slow-poll reports to
 * the demo's windows and writes every message as GLib's default writer
 * does. Call it once, on the main thread, before the first message.
 */
void
isle_demo_install_log_writer (void)
{
  g_log_set_writer_func (demo_log_writer, NULL, NULL);
}
