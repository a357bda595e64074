/* isle-tsan-glib.c: GLib's locks made visible to ThreadSanitizer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Linked into the test programs of a ThreadSanitizer build only
 * (tests/meson.build). GLib is not instrumented, and on Linux its GMutex,
 * GRecMutex, GRWLock and GCond are built on futexes rather than on the
 * pthread functions ThreadSanitizer intercepts: without help it sees no
 * lock at all, and reports every piece of data handed from one thread to
 * another under a GMutex as a race.
 *
 * The program's own definitions below take precedence over GLib's for the
 * calls Isle and the tests make (GLib's calls to itself stay inside GLib).
 * Each one calls GLib's, found with dlsym (RTLD_NEXT), and tells
 * ThreadSanitizer the happens-before order the lock gives: an unlock
 * releases, the lock that follows acquires. A condition wait unlocks and
 * locks again, so it does both.
 *
 * GLib's atomic reference counts are functions of GLib's too, whose
 * atomics ThreadSanitizer does not see; they are written here again with
 * the same meaning, instrumented. A GMainContext synchronises through its
 * internal lock and reference count, which are told on the context's
 * address where the program attaches a source or drops a reference. And a
 * callback that g_main_context_invoke() or an idle source runs on another
 * thread receives its data through that lock: the callback record is the
 * shim's own, so that the callback acquires what the caller released,
 * including what it did inside g_source_attach().
 */

#include "config.h"

#include <dlfcn.h>

#include <glib.h>
#include <sanitizer/tsan_interface.h>

/* get_NAME(): GLib's NAME, looked up once (from any thread). */
#define REAL(name, ret, args)                                          \
  static ret (*real_##name) args;                                      \
  static ret (*get_##name (void)) args                                 \
  {                                                                    \
    ret (*fn) args = __atomic_load_n (&real_##name, __ATOMIC_ACQUIRE); \
                                                                       \
    if (G_UNLIKELY (fn == NULL))                                       \
      {                                                                \
        fn = (ret (*) args) dlsym (RTLD_NEXT, #name);                  \
        if (fn == NULL)                                                \
          g_error ("isle-tsan-glib: GLib has no %s", #name);           \
        __atomic_store_n (&real_##name, fn, __ATOMIC_RELEASE);         \
      }                                                                \
    return fn;                                                         \
  }

REAL (g_mutex_lock, void, (GMutex *))
REAL (g_mutex_unlock, void, (GMutex *))
REAL (g_mutex_trylock, gboolean, (GMutex *))
REAL (g_rec_mutex_lock, void, (GRecMutex *))
REAL (g_rec_mutex_unlock, void, (GRecMutex *))
REAL (g_rec_mutex_trylock, gboolean, (GRecMutex *))
REAL (g_rw_lock_writer_lock, void, (GRWLock *))
REAL (g_rw_lock_writer_unlock, void, (GRWLock *))
REAL (g_rw_lock_writer_trylock, gboolean, (GRWLock *))
REAL (g_rw_lock_reader_lock, void, (GRWLock *))
REAL (g_rw_lock_reader_unlock, void, (GRWLock *))
REAL (g_rw_lock_reader_trylock, gboolean, (GRWLock *))
REAL (g_cond_wait, void, (GCond *, GMutex *))
REAL (g_cond_wait_until, gboolean, (GCond *, GMutex *, gint64))
REAL (g_source_attach, guint, (GSource *, GMainContext *))
REAL (g_source_set_callback, void, (GSource *, GSourceFunc, gpointer, GDestroyNotify))
REAL (g_main_context_unref, void, (GMainContext *))

void
g_mutex_lock (GMutex *mutex)
{
  get_g_mutex_lock () (mutex);
  __tsan_acquire (mutex);
}

void
g_mutex_unlock (GMutex *mutex)
{
  __tsan_release (mutex);
  get_g_mutex_unlock () (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean locked = get_g_mutex_trylock () (mutex);

  if (locked)
    __tsan_acquire (mutex);
  return locked;
}

void
g_rec_mutex_lock (GRecMutex *mutex)
{
  get_g_rec_mutex_lock () (mutex);
  __tsan_acquire (mutex);
}

void
g_rec_mutex_unlock (GRecMutex *mutex)
{
  __tsan_release (mutex);
  get_g_rec_mutex_unlock () (mutex);
}

gboolean
g_rec_mutex_trylock (GRecMutex *mutex)
{
  gboolean locked = get_g_rec_mutex_trylock () (mutex);

  if (locked)
    __tsan_acquire (mutex);
  return locked;
}

void
g_rw_lock_writer_lock (GRWLock *lock)
{
  get_g_rw_lock_writer_lock () (lock);
  __tsan_acquire (lock);
}

void
g_rw_lock_writer_unlock (GRWLock *lock)
{
  __tsan_release (lock);
  get_g_rw_lock_writer_unlock () (lock);
}

gboolean
g_rw_lock_writer_trylock (GRWLock *lock)
{
  gboolean locked = get_g_rw_lock_writer_trylock () (lock);

  if (locked)
    __tsan_acquire (lock);
  return locked;
}

/* A reader releases too, so that a writer after it is ordered after its
 * reads (which also orders readers after each other: harmless here). */
void
g_rw_lock_reader_lock (GRWLock *lock)
{
  get_g_rw_lock_reader_lock () (lock);
  __tsan_acquire (lock);
}

void
g_rw_lock_reader_unlock (GRWLock *lock)
{
  __tsan_release (lock);
  get_g_rw_lock_reader_unlock () (lock);
}

gboolean
g_rw_lock_reader_trylock (GRWLock *lock)
{
  gboolean locked = get_g_rw_lock_reader_trylock () (lock);

  if (locked)
    __tsan_acquire (lock);
  return locked;
}

void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  __tsan_release (mutex);
  get_g_cond_wait () (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  gboolean signalled;

  __tsan_release (mutex);
  signalled = get_g_cond_wait_until () (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

void
g_atomic_ref_count_init (gatomicrefcount *arc)
{
  __atomic_store_n (arc, 1, __ATOMIC_RELAXED);
}

void
g_atomic_ref_count_inc (gatomicrefcount *arc)
{
  int old = __atomic_fetch_add (arc, 1, __ATOMIC_RELAXED);

  g_return_if_fail (old > 0);
}

gboolean
g_atomic_ref_count_dec (gatomicrefcount *arc)
{
  int old = __atomic_fetch_sub (arc, 1, __ATOMIC_ACQ_REL);

  g_return_val_if_fail (old > 0, FALSE);
  return old == 1;
}

gboolean
g_atomic_ref_count_compare (gatomicrefcount *arc,
                            gint             val)
{
  return __atomic_load_n (arc, __ATOMIC_ACQUIRE) == val;
}

/* The context's own synchronisation -------------------------------------
 *
 * A GMainContext keeps its sources in lists and a table of its own, which
 * GLib allocates, grows and frees under the context's internal lock: a
 * thread that attaches a source to another thread's context can allocate
 * the source list for its priority there, and the context's thread frees
 * it when the last source of that priority goes. ThreadSanitizer sees
 * neither that lock nor the reference count that decides who frees the
 * context, so both are told here, on the context's address: attaching a
 * source acquires and releases it, like the lock it takes, and so does
 * every unref (see below); the context's thread acquires it where it
 * takes an idle source's callback, which GLib does under the lock too. */

/* GMainContext's reference count is an atomic of GLib's own, decremented
 * with a full barrier: every unref is ordered after the unrefs before it,
 * and the last one frees what other threads left in the context (the
 * source list a blocking worker made when it attached a late release, the
 * wakeup fd it signalled). Each unref is therefore told as the
 * read-modify-write it is, a release and an acquire, and before GLib's
 * call, which may free the context (ThreadSanitizer forgets a sync object
 * whose memory is freed). */
void
g_main_context_unref (GMainContext *context)
{
  if (context != NULL)
    {
      __tsan_release (context);
      __tsan_acquire (context);
    }
  get_g_main_context_unref () (context);
}

/* An idle source's callback, handed to the thread that iterates the
 * context it is attached to. It is the source's callback record itself
 * (g_source_set_callback_indirect()), so that no record of GLib's travels
 * unseen, and it remembers its attach: GLib can dispatch the source as
 * soon as its lock is dropped inside g_source_attach(), before the
 * attaching thread has returned to tell ThreadSanitizer what it did in
 * there, so the callback waits for that word (a few instructions away,
 * unless the attaching thread is preempted on them). */
typedef struct
{
  int            ref_count;  /* (atomic) */
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
  int            attaching;  /* (atomic) set before GLib's g_source_attach() */
  int            attached;   /* (atomic) set after it, with a release */
  GMainContext  *context;    /* set before attaching is */
} Handed;

/* Called where the callback or its destroy notify runs: everything the
 * thread that set the callback did before, and everything it did inside
 * g_source_attach(), happens before. */
static void
handed_acquire (Handed *handed)
{
  __tsan_acquire (handed);
  if (__atomic_load_n (&handed->attaching, __ATOMIC_ACQUIRE))
    {
      while (!__atomic_load_n (&handed->attached, __ATOMIC_ACQUIRE))
        g_thread_yield ();
      __tsan_acquire (handed->context);
    }
}

/* GLib takes a reference under the context's lock when it dispatches the
 * source, before it gets the callback: the first touch of the record on
 * the context's thread. */
static void
handed_ref (gpointer cb_data)
{
  Handed *handed = cb_data;

  handed_acquire (handed);
  __atomic_fetch_add (&handed->ref_count, 1, __ATOMIC_RELAXED);
}

static void
handed_unref (gpointer cb_data)
{
  Handed *handed = cb_data;

  if (__atomic_fetch_sub (&handed->ref_count, 1, __ATOMIC_ACQ_REL) != 1)
    return;

  handed_acquire (handed);
  if (handed->notify != NULL)
    handed->notify (handed->data);
  g_free (handed);
}

static void
handed_get (gpointer     cb_data,
            GSource     *source,
            GSourceFunc *func,
            gpointer    *data)
{
  Handed *handed = cb_data;

  handed_acquire (handed);
  *func = handed->func;
  *data = handed->data;
}

static GSourceCallbackFuncs handed_funcs = {
  handed_ref,
  handed_unref,
  handed_get,
};

/* Only idle sources are handed this way: other kinds call their callbacks
 * with other signatures, or are made and run on the same thread. */
void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  Handed *handed;

  if (source->source_funcs != &g_idle_funcs)
    {
      get_g_source_set_callback () (source, func, data, notify);
      return;
    }

  handed = g_new0 (Handed, 1);
  handed->ref_count = 1;
  handed->func = func;
  handed->data = data;
  handed->notify = notify;
  __tsan_release (handed);
  g_source_set_callback_indirect (source, handed, &handed_funcs);
}

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  Handed *handed = NULL;
  guint id;

  if (context == NULL)
    context = g_main_context_default ();
  if (source->callback_funcs == &handed_funcs)
    {
      handed = source->callback_data;
      handed->context = context;
      __atomic_store_n (&handed->attaching, 1, __ATOMIC_RELEASE);
    }

  __tsan_acquire (context);
  id = get_g_source_attach () (source, context);
  __tsan_release (context);

  if (handed != NULL)
    __atomic_store_n (&handed->attached, 1, __ATOMIC_RELEASE);
  return id;
}

/* GLib's own versions call g_source_set_callback() and g_source_attach()
 * inside GLib, where the definitions above do not reach: these make the
 * same idle source through them. */
guint
g_idle_add_full (gint           priority,
                 GSourceFunc    function,
                 gpointer       data,
                 GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();
  guint id;

  if (priority != G_PRIORITY_DEFAULT_IDLE)
    g_source_set_priority (source, priority);
  g_source_set_callback (source, function, data, notify);
  id = g_source_attach (source, NULL);
  g_source_unref (source);
  return id;
}

guint
g_idle_add (GSourceFunc function,
            gpointer    data)
{
  return g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, function, data, NULL);
}

/* As GLib's: at once when the context is this thread's, else from an idle
 * source on it. */
void
g_main_context_invoke_full (GMainContext   *context,
                            gint            priority,
                            GSourceFunc     function,
                            gpointer        data,
                            GDestroyNotify  notify)
{
  GMainContext *thread_default;
  GSource *source;

  if (context == NULL)
    context = g_main_context_default ();

  if (g_main_context_is_owner (context))
    {
      while (function (data))
        ;
      if (notify != NULL)
        notify (data);
      return;
    }

  thread_default = g_main_context_get_thread_default ();
  if (thread_default == NULL)
    thread_default = g_main_context_default ();
  if (thread_default == context && g_main_context_acquire (context))
    {
      while (function (data))
        ;
      g_main_context_release (context);
      if (notify != NULL)
        notify (data);
      return;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, priority);
  g_source_set_callback (source, function, data, notify);
  g_source_attach (source, context);
  g_source_unref (source);
}

void
g_main_context_invoke (GMainContext *context,
                       GSourceFunc   function,
                       gpointer      data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}
