/* test-thread-identity.c: a thread is never taken for a dead one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * glibc keeps the stacks of threads that have exited and gives them, TLS
 * block included, to the next threads it creates. An owner recorded as a
 * TLS address would then be "the same thread" as a stranger. Each test
 * makes an object on thread A, joins A, and uses the object from thread B,
 * which usually gets A's TLS block: B must be refused, by name.
 */

#include "config.h"

#include <isle.h>

#include "isle-local-set-private.h"
#include "isle-owner-private.h"
#include "isle-test-util.h"

typedef gpointer (*MakeFunc) (void);

typedef struct
{
  MakeFunc  make;
  gpointer  object;
  gpointer  tls;      /* the thread's TLS block, to see whether B reuses A's */
} Birth;

static gpointer
born_thread (gpointer user_data)
{
  Birth *birth = user_data;

  birth->tls = _isle_thread_state_get ();
  birth->object = birth->make ();
  return NULL;
}

/* Makes an object on a thread "thread-a" that has exited on return. */
static gpointer
make_on_dead_thread (MakeFunc  make,
                     gpointer *tls)
{
  Birth birth = { make, NULL, NULL };

  g_thread_join (g_thread_new ("thread-a", born_thread, &birth));
  *tls = birth.tls;
  return birth.object;
}

typedef struct
{
  GFunc     use;
  gpointer  object;
  gpointer  tls;
} Visit;

static gpointer
visit_thread (gpointer user_data)
{
  Visit *visit = user_data;

  visit->tls = _isle_thread_state_get ();
  visit->use (visit->object, NULL);
  return NULL;
}

/* Runs @use on a new thread "thread-b"; returns whether that thread had the
 * TLS block @dead_tls of the dead owner. */
static gboolean
use_on_new_thread (GFunc         use,
                   gpointer      object,
                   gconstpointer dead_tls)
{
  Visit visit = { use, object, NULL };

  g_thread_join (g_thread_new ("thread-b", visit_thread, &visit));
  return visit.tls == dead_tls;
}

static gpointer
make_guard (void)
{
  return isle_thread_guard_new (g_strdup ("A's"), g_free);
}

static char plain_value[] = "A's";

/* With nothing to destroy, a guard may be released on any thread. */
static gpointer
make_plain_guard (void)
{
  return isle_thread_guard_new (plain_value, NULL);
}

static void
check_guard_not_owned (gpointer object,
                       gpointer user_data)
{
  g_assert_false (isle_thread_guard_is_owner (object));
}

/* Not only a guard: the island's own check and its wakers' local path. */
static gpointer
make_island (void)
{
  return isle_local_set_new ();
}

static void
check_island_not_owned (gpointer object,
                        gpointer user_data)
{
  IsleLocalSet *island = object;

  g_assert_false (_isle_local_set_is_owner_thread (island));
  g_assert_cmpuint (island->remote->owner, !=, _isle_thread_get_serial ());
}

/* Several threads in a row, so that at least one of them gets the dead
 * owner's TLS block where the C library reuses them (glibc does, for
 * threads of the same stack size); none is the owner. */
static gpointer
check_new_threads (MakeFunc make,
                   GFunc    check)
{
  gpointer dead_tls;
  gpointer object = make_on_dead_thread (make, &dead_tls);
  guint n_reused = 0;
  guint i;

  for (i = 0; i < 8; i++)
    n_reused += use_on_new_thread (check, object, dead_tls);

  g_test_message ("%u of 8 new threads had the dead owner's TLS block", n_reused);
  return object;
}

static void
test_identity_guard_is_owner (void)
{
  IsleThreadGuard *guard = check_new_threads (make_plain_guard, check_guard_not_owned);

  isle_thread_guard_unref (guard);

  /* And the thread that makes one owns it. */
  guard = make_guard ();
  g_assert_true (isle_thread_guard_is_owner (guard));
  isle_thread_guard_unref (guard);
}

/* Only its dead thread could free it. */
static IsleLocalSet *orphan_island;

static void
test_identity_island_is_owner (void)
{
  orphan_island = check_new_threads (make_island, check_island_not_owned);
}

/* Each use below must abort on thread-b with the wrong-thread message. */

static void
use_guard (gpointer object,
           gpointer user_data)
{
  isle_thread_guard_get (object);
}

static void
use_island (gpointer object,
            gpointer user_data)
{
  isle_local_set_get_n_tasks (object);
}

static gpointer
make_cell (void)
{
  return isle_cell_new (g_strdup ("A's"), g_free);
}

static void
use_cell (gpointer object,
          gpointer user_data)
{
  isle_cell_borrow (object);
}

static gpointer
make_join_set (void)
{
  return isle_join_set_new ();
}

static void
use_join_set (gpointer object,
              gpointer user_data)
{
  isle_join_set_get_n_tasks (object);
}

static gpointer
make_oneshot (void)
{
  return isle_oneshot_new ();
}

static void
use_oneshot (gpointer object,
             gpointer user_data)
{
  isle_oneshot_try_recv (object, NULL);
}

typedef struct
{
  const char *name;
  MakeFunc    make;
  GFunc       use;
  const char *message;
} Case;

static const Case cases[] = {
  { "guard", make_guard, use_guard,
    "*isle_thread_guard_get() called on thread 'thread-b' (tid *), but "
    "IsleThreadGuard * belongs to thread 'thread-a' (tid *): *" },
  { "island", make_island, use_island,
    "*isle_local_set_get_n_tasks() called on thread 'thread-b' (tid *), but "
    "the island * belongs to thread 'thread-a' (tid *): *" },
  { "cell", make_cell, use_cell,
    "*isle_cell_borrow* called on thread 'thread-b' (tid *), but "
    "IsleCell * belongs to thread 'thread-a' (tid *): *" },
  { "join-set", make_join_set, use_join_set,
    "*isle_join_set_get_n_tasks() called on thread 'thread-b' (tid *), but "
    "IsleJoinSet * belongs to thread 'thread-a' (tid *): *" },
  { "oneshot", make_oneshot, use_oneshot,
    "*isle_oneshot_try_recv() called on thread 'thread-b' (tid *), but "
    "IsleOneshot * belongs to thread 'thread-a' (tid *): *" },
};

static void
test_identity_wrong_thread (gconstpointer data)
{
  const Case *test_case = data;

  if (g_test_subprocess ())
    {
      gpointer dead_tls;
      gpointer object = make_on_dead_thread (test_case->make, &dead_tls);
      gboolean reused = use_on_new_thread (test_case->use, object, dead_tls);

      g_print ("survived (TLS reused: %d)\n", reused);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*survived*");
  g_test_trap_assert_stderr (test_case->message);
}

/* The serials themselves: never 0, never shared, stable on a thread. */
static gpointer
serial_thread (gpointer user_data)
{
  return GSIZE_TO_POINTER ((gsize) _isle_thread_get_serial ());
}

static void
test_identity_serials (void)
{
  guint64 mine = _isle_thread_get_serial ();
  guint64 previous = 0;
  guint i;

  g_assert_cmpuint (mine, !=, 0);
  g_assert_cmpuint (_isle_thread_get_serial (), ==, mine);
  for (i = 0; i < 16; i++)
    {
      guint64 theirs = GPOINTER_TO_SIZE (g_thread_join (g_thread_new ("serial", serial_thread, NULL)));

      g_assert_cmpuint (theirs, !=, 0);
      g_assert_cmpuint (theirs, !=, mine);
      g_assert_cmpuint (theirs, >, previous);
      previous = theirs;
    }
}

int
main (int   argc,
      char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Isle/ThreadIdentity/serials", test_identity_serials);
  g_test_add_func ("/Isle/ThreadIdentity/guard-is-owner", test_identity_guard_is_owner);
  g_test_add_func ("/Isle/ThreadIdentity/island-is-owner", test_identity_island_is_owner);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/Isle/ThreadIdentity/wrong-thread/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_identity_wrong_thread);
    }

  return g_test_run ();
}
