/* testing.c: testing async code with isle_test_add_func() (docs/testing.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The code under test is a small loader that coalesces requests: tasks that
 * ask for a key while it is loading wait for that load instead of starting
 * their own.  The tests are GTest cases whose bodies run as fiber
 * tasks on an island of their own, so they await like the code they test.
 */

#include <isle.h>

/* The code under test ---------------------------------------------------- */

typedef struct
{
  GHashTable *values;    /* key -> value, (owned) both */
  GHashTable *loading;   /* key -> IsleNotify of the load in flight */
  guint       n_loads;
} Loader;

static Loader *
loader_new (void)
{
  Loader *loader = g_new0 (Loader, 1);

  loader->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  loader->loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) isle_notify_unref);
  return loader;
}

static void
loader_free (Loader *loader)
{
  g_hash_table_unref (loader->values);
  g_hash_table_unref (loader->loading);
  g_free (loader);
}

/* Returns the value of @key, loading it once however many tasks ask.
 * Call it from a fiber task. */
static char *
loader_get (Loader      *loader,
            const char  *key,
            GError     **error)
{
  IsleNotify *loading;
  g_autoptr(IsleNotify) done = NULL;

  while ((loading = g_hash_table_lookup (loader->loading, key)) != NULL)
    {
      g_autoptr(IsleNotify) wait_for = isle_notify_ref (loading);

      if (!isle_notify_wait (wait_for, error))
        return NULL;
    }
  if (g_hash_table_contains (loader->values, key))
    return g_strdup (g_hash_table_lookup (loader->values, key));

  done = isle_notify_new ();
  g_hash_table_insert (loader->loading, g_strdup (key), isle_notify_ref (done));
  loader->n_loads++;

  /* Stands for a GIO call: this task suspends, the island runs others. */
  if (!isle_sleep_msec (10, error))
    {
      g_hash_table_remove (loader->loading, key);
      isle_notify_notify_waiters (done);
      return NULL;
    }

  g_hash_table_insert (loader->values, g_strdup (key),
                       g_strdup_printf ("value of %s", key));
  g_hash_table_remove (loader->loading, key);
  isle_notify_notify_waiters (done);
  return g_strdup (g_hash_table_lookup (loader->values, key));
}

/* The tests --------------------------------------------------------------- */

typedef struct
{
  Loader     *loader;
  const char *key;
} GetData;

static gpointer
get_task (gpointer   user_data,
          GError   **error)
{
  GetData *data = user_data;

  return loader_get (data->loader, data->key, error);
}

/* Three tasks ask for keys at once; each key is loaded once, and every
 * task gets its value. The test body awaits the tasks it spawned, so it
 * leaves nothing behind. */
static void
test_loader_coalesces (gconstpointer test_data)
{
  const char *keys[] = { "a", "a", test_data };
  Loader *loader = loader_new ();
  GetData data[G_N_ELEMENTS (keys)];
  IsleJoinHandle *handles[G_N_ELEMENTS (keys)];

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      data[i] = (GetData) { loader, keys[i] };
      handles[i] = isle_spawn_local_full (keys[i], G_PRIORITY_DEFAULT, 0,
                                          get_task, &data[i], NULL, g_free);
    }

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = isle_join_handle_join (handles[i], &error);
      g_autofree char *expected = g_strdup_printf ("value of %s", keys[i]);

      g_assert_no_error (error);
      g_assert_cmpstr (value, ==, expected);
      isle_join_handle_unref (handles[i]);
    }

  g_assert_cmpuint (loader->n_loads, ==, g_str_equal (test_data, "a") ? 1 : 2);
  loader_free (loader);
}

/* A cached value comes back without suspending the task. */
static void
test_loader_caches (gconstpointer test_data)
{
  Loader *loader = loader_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *first = loader_get (loader, "b", &error);
  g_autofree char *second = NULL;

  g_assert_no_error (error);
  second = loader_get (loader, "b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, ==, second);
  g_assert_cmpuint (loader->n_loads, ==, 1);
  loader_free (loader);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  isle_test_add_data_func ("/Loader/coalesces/same-key", "a", test_loader_coalesces);
  isle_test_add_data_func ("/Loader/coalesces/other-key", "c", test_loader_coalesces);
  isle_test_add_func ("/Loader/caches", test_loader_caches);

  return g_test_run ();
}
