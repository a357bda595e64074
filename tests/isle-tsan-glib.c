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
 * the same meaning, instrumented; so is the one inside
 * g_main_context_unref(). And a callback that
 * g_main_context_invoke() or an idle source runs on another thread
 * receives its data through the context's internal lock: the call is
 * wrapped so that the callback acquires what the caller released.
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
REAL (g_main_context_invoke_full, void, (GMainContext *, gint, GSourceFunc, gpointer, GDestroyNotify))
REAL (g_idle_add_full, guint, (gint, GSourceFunc, gpointer, GDestroyNotify))
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

/* GMainContext's reference count is an atomic of GLib's own, decremented
 * with a full barrier: every unref is ordered after the unrefs before it,
 * and the last one frees what other threads left in the context (an idle
 * source list a blocking worker made when it attached a late release, the
 * wakeup fd it signalled). Each unref is therefore told as the
 * read-modify-write it is, a release and an acquire on the context, and
 * before GLib's call, which may free the context (ThreadSanitizer forgets
 * a sync object whose memory is freed). */
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

/* A callback handed to a context's thread. */
typedef struct
{
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
  gpointer       source;     /* (nullable) an idle source and its GLib-made */
  gpointer       callback;   /* callback record, handed over with the data */
} Handed;

static void
handed_acquire (Handed *handed)
{
  __tsan_acquire (handed);
  if (handed->source != NULL)
    {
      __tsan_acquire (handed->source);
      __tsan_acquire (handed->callback);
    }
}

static gboolean
handed_run (gpointer user_data)
{
  Handed *handed = user_data;

  handed_acquire (handed);
  return handed->func (handed->data);
}

static void
handed_free (gpointer user_data)
{
  Handed *handed = user_data;

  handed_acquire (handed);
  if (handed->notify != NULL)
    handed->notify (handed->data);
  g_free (handed);
}

static Handed *
handed_new (GSourceFunc    func,
            gpointer       data,
            GDestroyNotify notify)
{
  Handed *handed = g_new0 (Handed, 1);

  handed->func = func;
  handed->data = data;
  handed->notify = notify;
  __tsan_release (handed);
  return handed;
}

void
g_main_context_invoke_full (GMainContext   *context,
                            gint            priority,
                            GSourceFunc     function,
                            gpointer        data,
                            GDestroyNotify  notify)
{
  get_g_main_context_invoke_full () (context, priority, handed_run,
                                     handed_new (function, data, notify),
                                     handed_free);
}

void
g_main_context_invoke (GMainContext *context,
                       GSourceFunc   function,
                       gpointer      data)
{
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}

guint
g_idle_add_full (gint           priority,
                 GSourceFunc    function,
                 gpointer       data,
                 GDestroyNotify notify)
{
  return get_g_idle_add_full () (priority, handed_run,
                                 handed_new (function, data, notify),
                                 handed_free);
}

/* An idle source that Isle makes on one thread and attaches to another
 * thread's context (a late result released at its island's home) hands
 * its data over the same way. Only idle sources are wrapped: other kinds
 * call their callbacks with other signatures. */
void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  if (source->source_funcs == &g_idle_funcs)
    {
      Handed *handed = handed_new (func, data, notify);

      /* The source and the callback record GLib makes for it are freed
       * by the thread that iterates the context, after GLib's own
       * (invisible) atomics: hand them over with the data. */
      get_g_source_set_callback () (source, handed_run, handed, handed_free);
      handed->source = source;
      handed->callback = source->callback_data;
      __tsan_release (source);
      __tsan_release (handed->callback);
      __tsan_release (handed);
    }
  else
    get_g_source_set_callback () (source, func, data, notify);
}
