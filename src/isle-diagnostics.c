/* isle-diagnostics.c: task dumps, task lists, and what parked tasks wait for
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib-unix.h>

#include "isle-diagnostics.h"
#include "isle-debug-private.h"
#include "isle-diagnostics-private.h"
#include "isle-local-set-private.h"
#include "isle-task-private.h"

/* What waits and futures say they are -------------------------------------- */

/* Combinators describe their children, and children may be combinators:
 * a dump line stays a line. */
#define DESCRIBE_MAX_DEPTH    3
#define DESCRIBE_MAX_CHILDREN 4

/* GString's own appends go through g_string_insert_len(), which costs a
 * dump of many tasks more than everything else together: these write
 * into the buffer while it has room, and leave growing to GString. */
static inline void
put_len (GString    *out,
         const char *text,
         gsize       len)
{
  if (G_LIKELY (out->len + len < out->allocated_len))
    {
      memcpy (out->str + out->len, text, len);
      out->len += len;
      out->str[out->len] = '\0';
    }
  else
    g_string_append_len (out, text, (gssize) len);
}

static inline void
put_str (GString    *out,
         const char *text)
{
  put_len (out, text, strlen (text));
}

static inline void
put_c (GString *out,
       char     c)
{
  put_len (out, &c, 1);
}

static void
append_uint (GString *out,
             guint64  value)
{
  char digits[24];
  guint n = 0;

  do
    {
      digits[sizeof digits - 1 - n++] = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0);
  put_len (out, digits + sizeof digits - n, n);
}

/* @thousandths / 1000 with three decimals, as printf's "%.3f" writes it,
 * without the cost of formatting a double. */
static void
append_fixed3 (GString *out,
               gint64   thousandths)
{
  if (thousandths < 0)
    {
      put_c (out, '-');
      thousandths = -thousandths;
    }
  append_uint (out, (guint64) thousandths / 1000);
  put_c (out, '.');
  put_c (out, (char) ('0' + thousandths / 100 % 10));
  put_c (out, (char) ('0' + thousandths / 10 % 10));
  put_c (out, (char) ('0' + thousandths % 10));
}

/* "40 ms left" of a deadline, or "due" when it has passed. */
static void
append_time_left (GString *out,
                  gint64   deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();

  if (left <= 0)
    {
      put_str (out, "due");
      return;
    }
  append_uint (out, (guint64) (left + 999) / 1000);
  put_str (out, " ms left");
}

static void
describe_text (gconstpointer  object,
               GString       *out)
{
  put_str (out, object);
}

const IsleWaitClass _isle_wait_text = { "other", describe_text };

static void
describe_park (gconstpointer  object,
               GString       *out)
{
  put_str (out, "a wake (isle_park) in ");
  put_str (out, _isle_debug_lookup_site (object));
}

const IsleWaitClass _isle_wait_park = { "wake", describe_park };

static void
describe_join (gconstpointer  object,
               GString       *out)
{
  const IsleTask *joined = object;

  put_str (out, "join of task ");
  append_uint (out, joined->id);
}

const IsleWaitClass _isle_wait_join = { "join", describe_join };

static void describe_future_at (IsleFuture *future,
                                GString    *out,
                                guint       depth);

void
_isle_diagnostics_describe_future (IsleFuture *future,
                                   GString    *out)
{
  describe_future_at (future, out, 0);
}

static void
describe_future_wait (gconstpointer  object,
                      GString       *out)
{
  describe_future_at ((IsleFuture *) object, out, 0);
}

const IsleWaitClass _isle_wait_future = { "future", describe_future_wait };

static void
describe_promise (IsleFuture    *future,
                  gconstpointer  data,
                  gint64         value,
                  guint          depth,
                  GString       *out)
{
  put_str (out, "a promise");
}

const IsleFutureOrigin _isle_origin_promise = { "promise", describe_promise };

static void
describe_sleep (IsleFuture    *future,
                gconstpointer  data,
                gint64         value,
                guint          depth,
                GString       *out)
{
  put_str (out, "a sleep, ");
  append_time_left (out, value);
}

const IsleFutureOrigin _isle_origin_sleep = { "sleep", describe_sleep };

static void
describe_timer (IsleFuture    *future,
                gconstpointer  data,
                gint64         value,
                guint          depth,
                GString       *out)
{
  put_str (out, "a timeout, ");
  append_time_left (out, value);
}

const IsleFutureOrigin _isle_origin_timer = { "timeout", describe_timer };

/* isle_future_new_timeout_msec(): a race of the future and its timer. */
static void
describe_timeout (IsleFuture    *future,
                  gconstpointer  data,
                  gint64         value,
                  guint          depth,
                  GString       *out)
{
  gconstpointer timer_data;
  gint64 deadline;

  if (_isle_future_get_n_children (future) != 2)
    {
      put_str (out, "a timeout");
      return;
    }
  put_str (out, "a timeout (");
  if (_isle_future_get_origin (_isle_future_get_child (future, 1), &timer_data, &deadline) == &_isle_origin_timer)
    append_time_left (out, deadline);
  else
    put_str (out, "a timer");
  put_str (out, ") over ");
  if (depth + 1 < DESCRIBE_MAX_DEPTH)
    describe_future_at (_isle_future_get_child (future, 0), out, depth + 1);
  else
    put_str (out, "…");
}

const IsleFutureOrigin _isle_origin_timeout = { "timeout", describe_timeout };

static void
describe_combined (IsleFuture *future,
                   const char *what,
                   guint       depth,
                   GString    *out)
{
  guint n = _isle_future_get_n_children (future);

  put_str (out, what);
  append_uint (out, n);
  if (n == 0 || depth + 1 >= DESCRIBE_MAX_DEPTH)
    return;
  put_str (out, " (");
  for (guint i = 0; i < n && i < DESCRIBE_MAX_CHILDREN; i++)
    {
      if (i > 0)
        put_str (out, "; ");
      describe_future_at (_isle_future_get_child (future, i), out, depth + 1);
    }
  if (n > DESCRIBE_MAX_CHILDREN)
    put_str (out, "; …");
  put_c (out, ')');
}

static void
describe_all (IsleFuture *future, gconstpointer data, gint64 value, guint depth, GString *out)
{
  describe_combined (future, "all of ", depth, out);
}

static void
describe_any (IsleFuture *future, gconstpointer data, gint64 value, guint depth, GString *out)
{
  describe_combined (future, "any of ", depth, out);
}

static void
describe_race (IsleFuture *future, gconstpointer data, gint64 value, guint depth, GString *out)
{
  describe_combined (future, "a race of ", depth, out);
}

const IsleFutureOrigin _isle_origin_all = { "all", describe_all };
const IsleFutureOrigin _isle_origin_any = { "any", describe_any };
const IsleFutureOrigin _isle_origin_race = { "race", describe_race };

static void
describe_gio (IsleFuture    *future,
              gconstpointer  data,
              gint64         value,
              guint          depth,
              GString       *out)
{
  put_str (out, "a GIO call started in ");
  put_str (out, _isle_debug_lookup_site (data));
}

const IsleFutureOrigin _isle_origin_gio = { "gio", describe_gio };

static void
describe_signal (IsleFuture    *future,
                 gconstpointer  data,
                 gint64         value,
                 guint          depth,
                 GString       *out)
{
  GSignalQuery query;

  g_signal_query (GPOINTER_TO_UINT (data), &query);
  put_str (out, "the signal ");
  if (query.signal_id == 0)
    {
      put_str (out, "(unknown)");
      return;
    }
  put_str (out, g_type_name (query.itype));
  put_str (out, "::");
  put_str (out, query.signal_name);
}

const IsleFutureOrigin _isle_origin_signal = { "signal", describe_signal };

static void
describe_blocking (IsleFuture    *future,
                   gconstpointer  data,
                   gint64         value,
                   guint          depth,
                   GString       *out)
{
  put_str (out, "a blocking job, ");
  put_str (out, _isle_debug_lookup_site (data));
}

const IsleFutureOrigin _isle_origin_blocking = { "blocking", describe_blocking };

static void
describe_join_future (IsleFuture    *future,
                      gconstpointer  data,
                      gint64         value,
                      guint          depth,
                      GString       *out)
{
  put_str (out, "join of task ");
  append_uint (out, (guint64) value);
}

const IsleFutureOrigin _isle_origin_join = { "join", describe_join_future };

static void
describe_future_at (IsleFuture *future,
                    GString    *out,
                    guint       depth)
{
  gconstpointer data;
  gint64 value;
  const IsleFutureOrigin *origin = _isle_future_get_origin (future, &data, &value);

  if (origin != NULL)
    origin->describe (future, data, value, depth, out);
  else
    put_str (out, "a future");
}

/* The walk over an island's tasks ------------------------------------------ */

/* One task as dumps and task lists see it. The strings are borrowed: from
 * the task, from the site table, or from @wait, which the walk reuses. */
typedef struct
{
  IsleTask   *task;
  const char *kind;
  const char *state;
  const char *name;       /* (nullable) */
  const char *site;
  GString    *wait;
  const char *wait_kind;
  gboolean    tracked;    /* the island keeps ISLE_DEBUG_TASKS figures */
  gint64      age;        /* µs, when tracked */
  guint64     n_turns;
  gint64      run_time;   /* µs */
} TaskRecord;

typedef void (*TaskRecordFunc) (const TaskRecord *record,
                                gpointer          data);

static const char *
describe_state (IsleTask *task)
{
  switch (task->state)
    {
    case ISLE_TASK_STATE_IDLE:
      return "parked";
    case ISLE_TASK_STATE_SCHEDULED:
      return "scheduled";
    case ISLE_TASK_STATE_RUNNING:
    case ISLE_TASK_STATE_RETURNED:
      return "running";
    default:
      return "finished";
    }
}

/* Appends the words of one wait and returns its kind. */
static const char *
describe_one_wait (const IsleWait *wait,
                   GString        *out)
{
  wait->klass->describe (wait->object, out);
  if (wait->klass == &_isle_wait_future)
    {
      gconstpointer data;
      gint64 value;
      const IsleFutureOrigin *origin = _isle_future_get_origin ((IsleFuture *) wait->object,
                                                                &data, &value);

      return origin != NULL ? origin->kind : "future";
    }
  return wait->klass->kind;
}

/* A poll task waits for whichever of its registered waits comes first:
 * one says what the fiber form would; several are listed, oldest first
 * (the list is newest first, and short). */
static const char *
describe_poll_waits (const IslePollWait *waits,
                     GString            *out)
{
  const IslePollWait *wait;
  const IslePollWait *last_done = NULL;
  guint n = 0;

  if (waits->next == NULL)
    return describe_one_wait (&waits->wait, out);

  for (wait = waits; wait != NULL; wait = wait->next)
    n++;
  put_str (out, "one of ");
  append_uint (out, n);
  put_str (out, " (");
  while (last_done != waits)
    {
      for (wait = waits; wait->next != last_done; wait = wait->next)
        ;
      describe_one_wait (&wait->wait, out);
      if (wait != waits)
        put_str (out, "; ");
      last_done = wait;
    }
  put_c (out, ')');
  return "other";
}

/* What a task waits for. A parked fiber says it through its wait
 * descriptor; a parked poll task through the waits its poll forms
 * registered (IslePollWait); a parked poll task can only be told apart when it joins
 * another task, which @poll_joins (joiner → joined, or NULL when no poll
 * task joins) knows. */
static const char *
describe_wait (IsleTask   *task,
               GHashTable *poll_joins,
               GString    *out)
{
  IsleTask *joined;

  switch (task->state)
    {
    case ISLE_TASK_STATE_SCHEDULED:
      put_str (out, task->flags & ISLE_TASK_FLAG_STARTED ? "its turn" : "its first turn");
      return "turn";
    case ISLE_TASK_STATE_IDLE:
      if (task->kind == ISLE_TASK_KIND_FIBER && task->wait != NULL)
        return describe_one_wait (task->wait, out);
      if (task->kind == ISLE_TASK_KIND_POLL && task->extra != NULL &&
          task->extra->poll_waits != NULL)
        return describe_poll_waits (task->extra->poll_waits, out);
      if (poll_joins != NULL && (joined = g_hash_table_lookup (poll_joins, task)) != NULL)
        {
          describe_join (joined, out);
          return "join";
        }
      put_str (out, "a wake");
      return "wake";
    default:
      put_c (out, '-');
      return "none";
    }
}

/* Calls @func for every live task of @self, in spawn order. Linear in the
 * number of tasks: spawn sites come from the process's site table, and
 * joins by poll tasks from one map made up front. @func must not spawn,
 * wake or finish tasks of @self. */
static void
foreach_task (IsleLocalSet   *self,
              TaskRecordFunc  func,
              gpointer        data)
{
  g_autoptr(GHashTable) poll_joins = NULL;
  g_autoptr(GString) wait = g_string_sized_new (128);
  gboolean tracked = (self->debug_flags & ISLE_DEBUG_TASKS) != 0;
  gint64 now = g_get_monotonic_time ();
  gconstpointer last_site = NULL;
  const char *last_site_name = NULL;
  IsleTask *task;

  for (task = self->live_head; task != NULL; task = task->live_next)
    if (task->join_waker != NULL && task->join_waker->kind == ISLE_TASK_KIND_POLL)
      {
        if (poll_joins == NULL)
          poll_joins = g_hash_table_new (NULL, NULL);
        g_hash_table_insert (poll_joins, task->join_waker, task);
      }

  for (task = self->live_head; task != NULL; task = task->live_next)
    {
      TaskRecord record = { 0, };

      g_string_truncate (wait, 0);
      record.wait_kind = describe_wait (task, poll_joins, wait);
      record.task = task;
      record.kind = task->kind == ISLE_TASK_KIND_FIBER ? "fiber" : "poll";
      record.state = describe_state (task);
      record.name = _isle_task_get_name (task);
      /* Tasks spawned one after another mostly come from one site: skip
       * the shared table's lock for them. */
      if (last_site_name == NULL || task->spawn_site != last_site)
        {
          last_site = task->spawn_site;
          last_site_name = _isle_debug_lookup_site (last_site);
        }
      record.site = last_site_name;
      record.wait = wait;
      record.tracked = tracked && task->extra != NULL && task->extra->spawn_time != 0;
      if (record.tracked)
        {
          record.age = now - task->extra->spawn_time;
          record.n_turns = task->extra->n_polls;
          record.run_time = task->extra->run_time;
        }
      func (&record, data);
    }
}

/* The dump ------------------------------------------------------------------ */

static void
append_record (const TaskRecord *record,
               gpointer          data)
{
  GString *text = data;

  put_str (text, "  task ");
  append_uint (text, record->task->id);
  put_str (text, " [");
  put_str (text, record->kind);
  put_str (text, ", ");
  put_str (text, record->state);
  put_c (text, ']');
  if (record->name != NULL)
    {
      put_str (text, " “");
      put_str (text, record->name);
      put_str (text, "”");
    }
  put_str (text, " spawned at ");
  put_str (text, record->site);
  put_str (text, ", waiting for ");
  put_len (text, record->wait->str, record->wait->len);
  if (record->tracked)
    {
      put_str (text, ", age ");
      append_fixed3 (text, (record->age + 500) / 1000);
      put_str (text, " s, ");
      append_uint (text, record->n_turns);
      put_str (text, record->n_turns == 1 ? " turn, " : " turns, ");
      append_fixed3 (text, record->run_time);
      put_str (text, " ms run");
    }
  put_c (text, '\n');
}

/**
 * isle_local_set_dump_tasks:
 * @self: an island
 *
 * Describes every live task of the island, one per line: id, kind, state,
 * name, where it was spawned, what it waits for, and, with
 * %ISLE_DEBUG_TASKS, its age, the turns it has had and how long they took.
 * With %ISLE_DEBUG_TASKS the island also writes this to standard error when
 * the process gets `SIGUSR1`.
 *
 * The cost is linear in the number of tasks, well under a microsecond a
 * task (docs/diagnostics.md has the figures); a spawn site is looked up in
 * the program's symbol tables the first time a dump meets it.
 * [method@Isle.LocalSet.list_tasks] gives the same facts as objects.
 *
 * Call it on the island's thread, from a task or from plain code.
 *
 * Returns: (transfer full): the text, ending in a newline
 *
 * Since: 0.1
 */
char *
isle_local_set_dump_tasks (IsleLocalSet *self)
{
  GString *text;

  g_return_val_if_fail (self != NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  /* Lines are about 120 bytes: one allocation for most dumps. */
  text = g_string_sized_new (128 + (gsize) self->n_live * 128);
  g_string_append_printf (text, "Island %p on thread %s: %u live task%s\n",
                          (gpointer) self, self->owner.description, self->n_live,
                          self->n_live == 1 ? "" : "s");
  foreach_task (self, append_record, text);
  if (!(self->debug_flags & ISLE_DEBUG_TASKS))
    put_str (text, "  (ISLE_DEBUG=tasks adds each task's age, turns and run time)\n");

  return g_string_free (text, FALSE);
}

/* Task lists ----------------------------------------------------------------- */

/**
 * IsleTaskInfo:
 *
 * What one task of an island was doing when
 * [method@Isle.LocalSet.list_tasks] looked: a snapshot, not a live view,
 * so it stays as it was when the task goes on or finishes. Its properties
 * are the columns of the task dump.
 *
 * Since: 0.2
 */
struct _IsleTaskInfo
{
  GObject     parent_instance;

  guint64     id;
  char       *name;          /* (owned) (nullable) */
  const char *kind;          /* static */
  const char *state;         /* static */
  const char *spawn_site;    /* process-lifetime, from the site table */
  char       *waiting_for;   /* (owned) */
  const char *wait_kind;     /* static */
  gint64      age_usec;      /* -1 when not tracked */
  guint64     n_turns;
  gint64      run_time_usec; /* -1 when not tracked */
};

/**
 * IsleTaskInfoClass:
 *
 * The class of [class@Isle.TaskInfo]; it adds nothing to #GObjectClass.
 *
 * Since: 0.2
 */

G_DEFINE_FINAL_TYPE (IsleTaskInfo, isle_task_info, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_KIND,
  PROP_STATE,
  PROP_SPAWN_SITE,
  PROP_WAITING_FOR,
  PROP_WAIT_KIND,
  PROP_AGE_USEC,
  PROP_N_TURNS,
  PROP_RUN_TIME_USEC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
isle_task_info_finalize (GObject *object)
{
  IsleTaskInfo *self = ISLE_TASK_INFO (object);

  g_free (self->name);
  g_free (self->waiting_for);
  G_OBJECT_CLASS (isle_task_info_parent_class)->finalize (object);
}

static void
isle_task_info_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  IsleTaskInfo *self = ISLE_TASK_INFO (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_uint64 (value, self->id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_KIND:
      g_value_set_static_string (value, self->kind);
      break;
    case PROP_STATE:
      g_value_set_static_string (value, self->state);
      break;
    case PROP_SPAWN_SITE:
      g_value_set_static_string (value, self->spawn_site);
      break;
    case PROP_WAITING_FOR:
      g_value_set_string (value, self->waiting_for);
      break;
    case PROP_WAIT_KIND:
      g_value_set_static_string (value, self->wait_kind);
      break;
    case PROP_AGE_USEC:
      g_value_set_int64 (value, self->age_usec);
      break;
    case PROP_N_TURNS:
      g_value_set_uint64 (value, self->n_turns);
      break;
    case PROP_RUN_TIME_USEC:
      g_value_set_int64 (value, self->run_time_usec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
isle_task_info_class_init (IsleTaskInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = isle_task_info_finalize;
  object_class->get_property = isle_task_info_get_property;

  /**
   * IsleTaskInfo:id:
   *
   * The task's id, as [method@Isle.JoinHandle.get_id] gives it.
   *
   * Since: 0.2
   */
  properties[PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * IsleTaskInfo:name:
   *
   * The task's name, if it was given one.
   *
   * Since: 0.2
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * IsleTaskInfo:kind:
   *
   * `fiber` or `poll`.
   *
   * Since: 0.2
   */
  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, flags);
  /**
   * IsleTaskInfo:state:
   *
   * `parked` (waiting for something), `scheduled` (ready, waiting for its
   * turn) or `running`.
   *
   * Since: 0.2
   */
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, flags);
  /**
   * IsleTaskInfo:spawn-site:
   *
   * Where the task was spawned, as `function+0xoffset (object)`.
   *
   * Since: 0.2
   */
  properties[PROP_SPAWN_SITE] = g_param_spec_string ("spawn-site", NULL, NULL, NULL, flags);
  /**
   * IsleTaskInfo:waiting-for:
   *
   * What the task waits for, in the dump's words: `a sleep, 40 ms left`,
   * `join of task 7`, `a race of 2 (…)`, `its turn`.
   *
   * Since: 0.2
   */
  properties[PROP_WAITING_FOR] = g_param_spec_string ("waiting-for", NULL, NULL, NULL, flags);
  /**
   * IsleTaskInfo:wait-kind:
   *
   * What kind of thing the task waits for, for filtering: `sleep`,
   * `timeout`, `gio`, `signal`, `blocking`, `promise`, `all`, `any`,
   * `race`, `join`, `future`, `wake`, `other` (a primitive that names what
   * it waits for, such as a channel), `turn` (scheduled) or `none`
   * (running).
   *
   * Since: 0.2
   */
  properties[PROP_WAIT_KIND] = g_param_spec_string ("wait-kind", NULL, NULL, NULL, flags);
  /**
   * IsleTaskInfo:age-usec:
   *
   * Microseconds since the task was spawned, or -1 unless the island keeps
   * %ISLE_DEBUG_TASKS figures.
   *
   * Since: 0.2
   */
  properties[PROP_AGE_USEC] = g_param_spec_int64 ("age-usec", NULL, NULL, -1, G_MAXINT64, -1, flags);
  /**
   * IsleTaskInfo:n-turns:
   *
   * How many turns the task has had, with %ISLE_DEBUG_TASKS; else 0.
   *
   * Since: 0.2
   */
  properties[PROP_N_TURNS] = g_param_spec_uint64 ("n-turns", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * IsleTaskInfo:run-time-usec:
   *
   * Microseconds the task's turns took in all, or -1 unless the island
   * keeps %ISLE_DEBUG_TASKS figures.
   *
   * Since: 0.2
   */
  properties[PROP_RUN_TIME_USEC] = g_param_spec_int64 ("run-time-usec", NULL, NULL, -1, G_MAXINT64, -1, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
isle_task_info_init (IsleTaskInfo *self)
{
  self->age_usec = -1;
  self->run_time_usec = -1;
}

static void
add_info (const TaskRecord *record,
          gpointer          data)
{
  GPtrArray *infos = data;
  IsleTaskInfo *info = g_object_new (ISLE_TYPE_TASK_INFO, NULL);

  info->id = record->task->id;
  info->name = g_strdup (record->name);
  info->kind = record->kind;
  info->state = record->state;
  info->spawn_site = record->site;
  info->waiting_for = g_strndup (record->wait->str, record->wait->len);
  info->wait_kind = record->wait_kind;
  if (record->tracked)
    {
      info->age_usec = record->age;
      info->n_turns = record->n_turns;
      info->run_time_usec = record->run_time;
    }
  g_ptr_array_add (infos, info);
}

/**
 * isle_local_set_list_tasks:
 * @self: an island
 *
 * Lists the island's live tasks, in the order they were spawned, as a
 * list model of [class@Isle.TaskInfo]: the facts of
 * [method@Isle.LocalSet.dump_tasks], for code that shows, sorts or filters
 * tasks (a `GtkListView` takes the model as it is). The list is a snapshot:
 * it does not change when the tasks do; call this again for a fresh one.
 *
 * Call it on the island's thread, from a task or from plain code.
 *
 * Returns: (transfer full): a list model of [class@Isle.TaskInfo]
 *
 * Since: 0.2
 */
GListModel *
isle_local_set_list_tasks (IsleLocalSet *self)
{
  GListStore *store;
  g_autoptr(GPtrArray) infos = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  infos = g_ptr_array_new_full (self->n_live, g_object_unref);
  foreach_task (self, add_info, infos);

  /* One splice, one items-changed. */
  store = g_list_store_new (ISLE_TYPE_TASK_INFO);
  g_list_store_splice (store, 0, 0, infos->pdata, infos->len);
  return G_LIST_MODEL (store);
}

/**
 * isle_task_info_get_id:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:id]. Safe to call from any thread.
 *
 * Returns: the task's id
 *
 * Since: 0.2
 */
guint64
isle_task_info_get_id (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), 0);
  return self->id;
}

/**
 * isle_task_info_get_name:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:name]. Safe to call from any thread.
 *
 * Returns: (nullable): the task's name, or %NULL
 *
 * Since: 0.2
 */
const char *
isle_task_info_get_name (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), NULL);
  return self->name;
}

/**
 * isle_task_info_get_kind:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:kind]. Safe to call from any thread.
 *
 * Returns: `fiber` or `poll`
 *
 * Since: 0.2
 */
const char *
isle_task_info_get_kind (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), NULL);
  return self->kind;
}

/**
 * isle_task_info_get_state:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:state]. Safe to call from any thread.
 *
 * Returns: `parked`, `scheduled` or `running`
 *
 * Since: 0.2
 */
const char *
isle_task_info_get_state (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), NULL);
  return self->state;
}

/**
 * isle_task_info_get_spawn_site:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:spawn-site]. Safe to call from any thread.
 *
 * Returns: where the task was spawned
 *
 * Since: 0.2
 */
const char *
isle_task_info_get_spawn_site (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), NULL);
  return self->spawn_site;
}

/**
 * isle_task_info_get_waiting_for:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:waiting-for]. Safe to call from any thread.
 *
 * Returns: what the task waits for
 *
 * Since: 0.2
 */
const char *
isle_task_info_get_waiting_for (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), NULL);
  return self->waiting_for;
}

/**
 * isle_task_info_get_wait_kind:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:wait-kind]. Safe to call from any thread.
 *
 * Returns: what kind of thing the task waits for
 *
 * Since: 0.2
 */
const char *
isle_task_info_get_wait_kind (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), NULL);
  return self->wait_kind;
}

/**
 * isle_task_info_get_age_usec:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:age-usec]. Safe to call from any thread.
 *
 * Returns: microseconds since the task was spawned, or -1
 *
 * Since: 0.2
 */
gint64
isle_task_info_get_age_usec (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), -1);
  return self->age_usec;
}

/**
 * isle_task_info_get_n_turns:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:n-turns]. Safe to call from any thread.
 *
 * Returns: the turns the task has had, or 0
 *
 * Since: 0.2
 */
guint64
isle_task_info_get_n_turns (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), 0);
  return self->n_turns;
}

/**
 * isle_task_info_get_run_time_usec:
 * @self: a task info
 *
 * Gets [property@Isle.TaskInfo:run-time-usec]. Safe to call from any
 * thread.
 *
 * Returns: microseconds the task's turns took, or -1
 *
 * Since: 0.2
 */
gint64
isle_task_info_get_run_time_usec (IsleTaskInfo *self)
{
  g_return_val_if_fail (ISLE_IS_TASK_INFO (self), -1);
  return self->run_time_usec;
}

/* The island's debug switches and turn timing --------------------------- */

/* The running turn of @task is over (it suspends, or its body or poll
 * function returned): account for it, and report it if it was slow. The
 * next turn, if the thread goes straight to another fiber, starts now. */
void
_isle_local_set_turn_end (IsleLocalSet *self,
                          IsleTask     *task)
{
  gint64 now = g_get_monotonic_time ();
  gint64 duration = now - self->turn_started;

  self->turn_started = now;

  if (self->debug_flags & ISLE_DEBUG_TASKS)
    {
      IsleTaskExtra *extra = _isle_task_get_extra (task);

      extra->n_polls++;
      extra->run_time += duration;
    }

  if ((self->debug_flags & ISLE_DEBUG_SLOW_POLLS) &&
      duration >= self->slow_poll_threshold &&
      !(task->flags & ISLE_TASK_FLAG_SLOW_REPORTED))
    {
      g_autofree char *what = _isle_task_describe (task);
      g_autofree char *site = _isle_debug_describe_site (task->spawn_site);

      task->flags |= ISLE_TASK_FLAG_SLOW_REPORTED;
      g_message ("Slow poll: %s, spawned at %s, "
                 "ran for %.1f ms without suspending (the threshold is %.1f ms): "
                 "it blocked the island's thread, and input, drawing and the "
                 "other tasks waited. Move blocking work off the thread, or "
                 "yield in long loops",
                 what, site, duration / 1000.0, self->slow_poll_threshold / 1000.0);
    }
}

static gboolean
dump_on_signal (gpointer user_data)
{
  g_autofree char *dump = isle_local_set_dump_tasks (user_data);

  g_printerr ("%s", dump);
  return G_SOURCE_CONTINUE;
}

/**
 * isle_local_set_get_debug_flags:
 * @self: an island
 *
 * Gets the diagnostics the island keeps.
 *
 * Call it on the island's thread.
 *
 * Returns: the flags
 *
 * Since: 0.1
 */
IsleDebugFlags
isle_local_set_get_debug_flags (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return self->debug_flags;
}

/**
 * isle_local_set_set_debug_flags:
 * @self: an island
 * @flags: the diagnostics to keep
 *
 * Chooses the diagnostics the island keeps, in place of those the
 * `ISLE_DEBUG` environment variable gave it. %ISLE_DEBUG_TASKS applies to
 * tasks spawned from then on.
 *
 * Call it on the island's thread.
 *
 * Since: 0.1
 */
void
isle_local_set_set_debug_flags (IsleLocalSet   *self,
                                IsleDebugFlags  flags)
{
  g_return_if_fail (self != NULL);

  _isle_local_set_check_thread (self, G_STRFUNC);

  self->debug_flags = flags & (ISLE_DEBUG_TASKS | ISLE_DEBUG_SLOW_POLLS);
  self->timing = self->debug_flags != 0;

  if ((flags & ISLE_DEBUG_TASKS) && self->dump_source == NULL)
    {
      self->dump_source = g_unix_signal_source_new (SIGUSR1);
      g_source_set_name (self->dump_source, "[isle-dump-tasks]");
      g_source_set_callback (self->dump_source, dump_on_signal, self, NULL);
      g_source_attach (self->dump_source, self->context);
    }
  else if (!(flags & ISLE_DEBUG_TASKS) && self->dump_source != NULL)
    {
      g_source_destroy (self->dump_source);
      g_clear_pointer (&self->dump_source, g_source_unref);
    }
}

/**
 * isle_local_set_get_slow_poll_threshold_msec:
 * @self: an island
 *
 * Gets how long a task's turn may take before %ISLE_DEBUG_SLOW_POLLS
 * reports it.
 *
 * Call it on the island's thread.
 *
 * Returns: the threshold in milliseconds
 *
 * Since: 0.2
 */
guint
isle_local_set_get_slow_poll_threshold_msec (IsleLocalSet *self)
{
  g_return_val_if_fail (self != NULL, 0);

  _isle_local_set_check_thread (self, G_STRFUNC);

  return (guint) (self->slow_poll_threshold / 1000);
}

/**
 * isle_local_set_set_slow_poll_threshold_msec:
 * @self: an island
 * @threshold_msec: a duration in milliseconds, at least 1
 *
 * Sets how long a task may run without suspending before
 * %ISLE_DEBUG_SLOW_POLLS reports it: 10 ms unless the `ISLE_SLOW_POLL_MS`
 * environment variable says otherwise. Each task is reported once, with its
 * name, where it was spawned and how long the turn took.
 *
 * Call it on the island's thread.
 *
 * Since: 0.2
 */
void
isle_local_set_set_slow_poll_threshold_msec (IsleLocalSet *self,
                                             guint         threshold_msec)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (threshold_msec > 0);

  _isle_local_set_check_thread (self, G_STRFUNC);
  self->slow_poll_threshold = (gint64) threshold_msec * 1000;
}
