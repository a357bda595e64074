/* isle-task-private.h: the task record behind handles and wakers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "isle-join-handle.h"
#include "isle-local-set.h"
#include "isle-task.h"
#include "isle-types.h"
#include "isle-waker.h"
#include "isle-fiber-private.h"
#include "isle-task-arena-private.h"
#include "isle-thread-private.h"
#include "isle-diagnostics-private.h"
#include "isle-refcount-private.h"

G_BEGIN_DECLS

typedef struct _IsleRunQueue IsleRunQueue;
typedef struct _IsleRemote   IsleRemote;

typedef enum
{
  ISLE_TASK_KIND_FIBER,
  ISLE_TASK_KIND_POLL,
} IsleTaskKind;

typedef enum
{
  ISLE_TASK_STATE_IDLE,       /* parked: in no queue, waiting for a wake */
  ISLE_TASK_STATE_SCHEDULED,  /* in its run queue */
  ISLE_TASK_STATE_RUNNING,
  ISLE_TASK_STATE_RETURNED,   /* a fiber's body returned; not yet finished */
  ISLE_TASK_STATE_FINISHED,
} IsleTaskState;

typedef enum
{
  ISLE_TASK_FLAG_ABORTED      = 1 << 0,
  ISLE_TASK_FLAG_NOTIFIED     = 1 << 1,  /* woken while not parked */
  ISLE_TASK_FLAG_STARTED      = 1 << 2,
  ISLE_TASK_FLAG_FAILED       = 1 << 3,  /* result holds a GError */
  ISLE_TASK_FLAG_RESULT_TAKEN = 1 << 4,
  ISLE_TASK_FLAG_SLOW_REPORTED = 1 << 5,
  ISLE_TASK_FLAG_NESTED_LOOP  = 1 << 6,  /* it iterated a context from inside itself (isle-nested.c) */
  ISLE_TASK_FLAG_OUTCOME_IN_FUTURE = 1 << 7,  /* finished, and its result or error moved to extra->future */
} IsleTaskFlags;

/* What becomes of a finished task's result (_isle_task_consume_result()). */
typedef enum
{
  ISLE_RESULT_TAKE,     /* the caller gets the value or the error */
  ISLE_RESULT_DROP,     /* nobody can read it any more: released, a failure reported */
  ISLE_RESULT_DISCARD,  /* its owner chose not to read it: released quietly */
} IsleResultFate;

typedef void (*IsleTaskFinishNotify) (IsleTask *task,
                                      gpointer  data);

typedef struct _IslePollWait IslePollWait;

/* Called on the island's thread when the task finishes while the wait is
 * still registered (it was aborted, or it finished without polling the
 * thing again): takes the task's waker back from the object, passes on
 * whatever the task was handed and will never use (a notification, room
 * in a channel), and releases the record. The record is already out of
 * the task's list. */
typedef void (*IslePollWaitWithdraw) (IslePollWait *wait,
                                      IsleTask     *task);

/* A wait that a poll form (isle_notify_poll_wait(), ...) registered for
 * the task whose waker it was given, from the PENDING that starts it to
 * the READY that ends it. It is what a dump says a parked poll task waits
 * for, the same words as the fiber wait, and what takes the waker back
 * when the task goes first, so that an aborted poll task leaves nothing
 * behind in the object it waited on. The primitive embeds it in its own
 * waiter record; @withdraw tells the primitives apart, and @object is the
 * object the task waits on (with @withdraw, the key a poll form finds its
 * own registration by). Island's thread only. */
struct _IslePollWait
{
  IslePollWait         *next;      /* the task's list, newest first */
  IslePollWaitWithdraw  withdraw;
  gconstpointer         object;
  IsleWait              wait;      /* what dumps say */
};

/* Kept apart so that the task record fits two cache lines: most tasks
 * have neither a name nor a cancellable. */
typedef struct
{
  char           *name;              /* (owned) (nullable) */
  GCancellable   *cancellable;       /* (owned) (nullable) made on demand */
  gint64          spawn_time;        /* with ISLE_DEBUG_TASKS; monotonic µs */
  guint64         n_polls;           /* with ISLE_DEBUG_TASKS */
  gint64          run_time;          /* with ISLE_DEBUG_TASKS; µs in its turns */
  IsleTaskFinishNotify finish_notify;  /* (nullable) told when the task finishes */
  gpointer        finish_data;
  guint           n_borrows;         /* IsleCell borrows the task holds */
  const char     *borrow_site;       /* (unowned) where the latest was taken */
  int             nested_depth;      /* g_main_depth() it runs at, with ISLE_TASK_FLAG_NESTED_LOOP */
  GError         *poll_error;        /* (owned) (nullable) isle_task_set_poll_error() */
  IslePollWait   *poll_waits;        /* (nullable) registered by poll forms; see IslePollWait */
  IsleFuture     *future;            /* (owned) (nullable) the task's future, made when first
                                      * asked for (isle-task-future.c) */
} IsleTaskExtra;

/* One allocation per task: IsleJoinHandle and IsleWaker are this struct
 * seen through other types. Handles count in handle_refs (all of them
 * together hold one task reference), wakers in ref_count; both are taken
 * and dropped on any thread, but handle_refs reaches zero only on the
 * island's thread (isle_join_handle_unref()). Every other field is touched
 * on the island's thread only, but for the remote_queued byte, and for
 * id, the extra pointer and the name in it, which other threads read
 * (isle_task_get_name()). */
/* A task record. Every field belongs to the island's thread, except where
 * a note says otherwise: the two counts (any thread: a waker or a handle
 * may be dropped anywhere), remote_queued (under the island's remote
 * lock), id and spawn_site (set at spawn, then read-only, so any thread
 * may read them), and extra (published once, atomically). */
struct _IsleTask
{
  /* What running, yielding and waking touch comes first, in one cache
   * line: a yield among a thousand tasks misses the cache on every task. */
  IsleTask       *run_next;          /* run-queue link */
  IsleRunQueue   *queue;             /* (unowned) valid until finished */
  IsleFiber      *fiber;             /* (owned) (nullable) while it runs */
  guint8          kind;              /* IsleTaskKind */
  guint8          state;             /* IsleTaskState */
  guint8          flags;             /* IsleTaskFlags */
  guint8          remote_queued;     /* protected by remote->lock */
  guint32         stack_size;        /* requested; 0 = the island's default */
  gatomicrefcount ref_count;         /* (atomic) the record: island, wakers, handles */
  gatomicrefcount handle_refs;       /* (atomic) join handles; the last detaches */
  IsleTask       *join_waker;        /* (owned) (nullable) the waker of who joins us */
  gpointer        func;              /* IsleTaskFunc or IslePollFunc */
  gpointer        user_data;         /* (owned) released by user_data_destroy */

  IsleTask       *live_prev;         /* the island's list of live tasks */
  IsleTask       *live_next;
  guint64         id;                /* read-only after spawn */
  GDestroyNotify  user_data_destroy;
  /* A task has a result only once its body or poll function returned, and
   * a parked fiber has not returned: the two share a word, and the task
   * keeps its two cache lines. */
  union
  {
    gpointer        result;          /* (owned) a value, or a GError if FAILED */
    const IsleWait *wait;            /* (unowned) (nullable) while a fiber is parked: on its stack */
  };
  GDestroyNotify  result_destroy;
  IsleTaskExtra  *extra;             /* (owned) (nullable) (atomic) what few tasks use;
                                      * written once, on the island's thread */
  gconstpointer   spawn_site;        /* read-only after spawn: IsleSpawnArgs.site */
};

#define ISLE_TASK_FROM_HANDLE(h) ((IsleTask *) (h))
#define ISLE_TASK_FROM_WAKER(w)  ((IsleTask *) (w))

IsleTask     *_isle_task_ref              (IsleTask        *task);
void          _isle_task_unref            (IsleTask        *task);
void          _isle_task_run              (IsleTask        *task);
void          _isle_task_abort            (IsleTask        *task);
gpointer      _isle_task_consume_result   (IsleTask        *task,
                                           IsleResultFate   fate,
                                           GError         **error);
IsleLocalSet *_isle_task_get_island       (IsleTask        *task);
gboolean      _isle_task_park_on          (IsleTask        *task,
                                           const IsleWaitClass *klass,
                                           gconstpointer    object,
                                           GError         **error);
IsleTask     *_isle_task_require_fiber    (const char      *function,
                                           GError         **error);
void          _isle_task_borrow_taken     (IsleTask        *task,
                                           const char      *site);
void          _isle_task_borrow_released  (IsleTask        *task);
void          _isle_task_report_borrows   (IsleTask        *task,
                                           const char      *function,
                                           gconstpointer    caller);

/* Every suspension point calls this first: a borrow of shared state held
 * across a suspension is the run-time form of holding a RefCell borrow
 * across an .await. */
static inline void
_isle_task_check_borrows (IsleTask      *task,
                          const char    *function,
                          gconstpointer  caller)
{
  if (G_UNLIKELY (task->extra != NULL && task->extra->n_borrows > 0))
    _isle_task_report_borrows (task, function, caller);
}

/* Parks the running fiber, waiting for @waiting_for (a static noun phrase,
 * "room in a channel") as dumps say. */
static inline gboolean
_isle_task_park (IsleTask    *task,
                 const char  *waiting_for,
                 GError     **error)
{
  return _isle_task_park_on (task, &_isle_wait_text, waiting_for, error);
}

IsleTaskExtra *_isle_task_new_extra (IsleTask *task,
                                     const char *name);

/* Island thread only. */
static inline IsleTaskExtra *
_isle_task_get_extra (IsleTask *task)
{
  if (task->extra == NULL)
    return _isle_task_new_extra (task, NULL);
  return task->extra;
}

/* Any thread: the name is set before the extra part is published, and
 * never changes. */
static inline const char *
_isle_task_get_name (IsleTask *task)
{
  IsleTaskExtra *extra = g_atomic_pointer_get (&task->extra);

  return extra != NULL ? extra->name : NULL;
}

char *_isle_task_describe (IsleTask *task);

IsleTask     *_isle_task_require_poll_waker (IsleWaker       *waker,
                                             const char      *function);
void          _isle_task_add_poll_wait      (IsleTask        *task,
                                             IslePollWait    *wait);
void          _isle_task_remove_poll_wait   (IsleTask        *task,
                                             IslePollWait    *wait);

/* The wait that @withdraw's primitive registered for @task on @object,
 * or NULL. A task has few at a time: the walk is short. */
static inline IslePollWait *
_isle_task_find_poll_wait (IsleTask             *task,
                           IslePollWaitWithdraw  withdraw,
                           gconstpointer         object)
{
  IslePollWait *wait;

  if (task->extra == NULL)
    return NULL;
  for (wait = task->extra->poll_waits; wait != NULL; wait = wait->next)
    if (wait->withdraw == withdraw && wait->object == object)
      return wait;
  return NULL;
}

/* Where wakes from other threads go: the island's remote part, kept by
 * the arena that holds the task for as long as the task exists. */
static inline IsleRemote *
_isle_task_get_remote (IsleTask *task)
{
  return _isle_task_arena_get_data (task);
}

static inline gboolean
_isle_task_is_finished (IsleTask *task)
{
  return task->state == ISLE_TASK_STATE_FINISHED;
}

G_END_DECLS
