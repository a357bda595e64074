/* isle-demo-worker.h: one worker of the demo's Workers page, as a list item
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ISLE_DEMO_WORKER_WAITING,
  ISLE_DEMO_WORKER_RUNNING,
  ISLE_DEMO_WORKER_DONE,
  ISLE_DEMO_WORKER_CANCELLED,
} IsleDemoWorkerState;

#define ISLE_DEMO_TYPE_WORKER (isle_demo_worker_get_type ())

G_DECLARE_FINAL_TYPE (IsleDemoWorker, isle_demo_worker, ISLE_DEMO, WORKER, GObject)

IsleDemoWorker      *isle_demo_worker_new            (guint                number);
guint                isle_demo_worker_get_number     (IsleDemoWorker      *self);
double               isle_demo_worker_get_fraction   (IsleDemoWorker      *self);
void                 isle_demo_worker_set_fraction   (IsleDemoWorker      *self,
                                                      double               fraction);
IsleDemoWorkerState  isle_demo_worker_get_state      (IsleDemoWorker      *self);
void                 isle_demo_worker_set_state      (IsleDemoWorker      *self,
                                                      IsleDemoWorkerState  state);
const char          *isle_demo_worker_get_status     (IsleDemoWorker      *self);
void                 isle_demo_worker_request_cancel (IsleDemoWorker      *self);

G_END_DECLS
