/* isle-demo-worker.c: one worker of the demo's Workers page, as a list item
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The Workers page shows its workers in a GtkListView, which makes widgets
 * only for the rows on screen and hands them from item to item as the list
 * scrolls. So a worker's task never touches a widget: it writes its
 * progress here, a plain field, and the page copies the fractions of the
 * rows on screen to their bars once a frame. A thousand workers that each
 * move twenty times in a second and a half cost the frame one comparison
 * per visible row, not a relayout per step.
 *
 * Nothing here notifies: the page reads these fields on its own clock.
 * Everything runs on the main thread, where the island is.
 */

#include "config.h"

#include "isle-demo-worker.h"

struct _IsleDemoWorker
{
  GObject parent_instance;

  guint number;
  double fraction;
  IsleDemoWorkerState state;
};

enum
{
  SIGNAL_CANCEL_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (IsleDemoWorker, isle_demo_worker, G_TYPE_OBJECT)

static void
isle_demo_worker_class_init (IsleDemoWorkerClass *klass)
{
  /**
   * IsleDemoWorker::cancel-requested:
   * @self: the worker
   *
   * The Cancel button of the worker's row was clicked. The worker's task
   * awaits this signal (isle_future_new_for_signal()) raced against its
   * nap.
   */
  signals[SIGNAL_CANCEL_REQUESTED] =
    g_signal_new ("cancel-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
isle_demo_worker_init (IsleDemoWorker *self)
{
  self->state = ISLE_DEMO_WORKER_WAITING;
}

/**
 * isle_demo_worker_new:
 * @number: the number the row shows, from 1
 *
 * Makes a worker that has not started yet.
 *
 * Returns: (transfer full): the worker
 */
IsleDemoWorker *
isle_demo_worker_new (guint number)
{
  IsleDemoWorker *self = g_object_new (ISLE_DEMO_TYPE_WORKER, NULL);

  self->number = number;
  return self;
}

guint
isle_demo_worker_get_number (IsleDemoWorker *self)
{
  return self->number;
}

double
isle_demo_worker_get_fraction (IsleDemoWorker *self)
{
  return self->fraction;
}

/* Called by the worker's task at each step: no signal, no widget. */
void
isle_demo_worker_set_fraction (IsleDemoWorker *self,
                               double          fraction)
{
  self->fraction = CLAMP (fraction, 0.0, 1.0);
}

IsleDemoWorkerState
isle_demo_worker_get_state (IsleDemoWorker *self)
{
  return self->state;
}

void
isle_demo_worker_set_state (IsleDemoWorker      *self,
                            IsleDemoWorkerState  state)
{
  self->state = state;
}

/**
 * isle_demo_worker_get_status:
 * @self: a worker
 *
 * The word the worker's row shows: "waiting", "running", "done" or
 * "cancelled".
 *
 * Returns: (transfer none): a static string
 */
const char *
isle_demo_worker_get_status (IsleDemoWorker *self)
{
  switch (self->state)
    {
    case ISLE_DEMO_WORKER_WAITING:
      return "waiting";
    case ISLE_DEMO_WORKER_RUNNING:
      return "running";
    case ISLE_DEMO_WORKER_DONE:
      return "done";
    case ISLE_DEMO_WORKER_CANCELLED:
      return "cancelled";
    default:
      g_assert_not_reached ();
    }
}

/**
 * isle_demo_worker_request_cancel:
 * @self: a worker
 *
 * What the Cancel button of the worker's row does: emits
 * #IsleDemoWorker::cancel-requested, which the running task awaits.
 */
void
isle_demo_worker_request_cancel (IsleDemoWorker *self)
{
  g_signal_emit (self, signals[SIGNAL_CANCEL_REQUESTED], 0);
}
