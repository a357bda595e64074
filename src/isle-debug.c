/* isle-debug.c: ISLE_DEBUG and what diagnostics print
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dlfcn.h>

#include "isle-debug-private.h"

static const GDebugKey debug_keys[] = {
  { "tasks", ISLE_DEBUG_TASKS },
  { "slow-polls", ISLE_DEBUG_SLOW_POLLS },
};

/* Read once per process, like G_DEBUG: ISLE_DEBUG=tasks,slow-polls (or
 * all, or help to list the keys). */
IsleDebugFlags
_isle_debug_get_env_flags (void)
{
  static gsize flags;

  if (g_once_init_enter (&flags))
    {
      guint parsed = g_parse_debug_string (g_getenv ("ISLE_DEBUG"),
                                           debug_keys, G_N_ELEMENTS (debug_keys));

      /* Keep the value non-zero so the once-init sees it as set. */
      g_once_init_leave (&flags, parsed | 0x80000000u);
    }

  return (IsleDebugFlags) (flags & ~0x80000000u);
}

/* ISLE_SLOW_POLL_MS overrides the slow poll threshold for every island. */
guint
_isle_debug_get_env_slow_poll_ms (void)
{
  static gsize threshold;

  if (g_once_init_enter (&threshold))
    {
      const char *value = g_getenv ("ISLE_SLOW_POLL_MS");
      guint64 ms = ISLE_SLOW_POLL_THRESHOLD_DEFAULT_MS;

      if (value != NULL && !g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &ms, NULL))
        {
          g_warning ("ISLE_SLOW_POLL_MS=%s is not a number of milliseconds; "
                     "using %d", value, ISLE_SLOW_POLL_THRESHOLD_DEFAULT_MS);
          ms = ISLE_SLOW_POLL_THRESHOLD_DEFAULT_MS;
        }

      g_once_init_leave (&threshold, (gsize) ms);
    }

  return (guint) threshold;
}

/* A code address as "symbol+0xoffset (object)", for spawn sites: the call
 * that spawned a task left its return address. Resolve file and line with
 * addr2line on the object when the symbol is not enough. */
char *
_isle_debug_describe_site (gconstpointer site)
{
  Dl_info info = { 0, };
  const char *object;

  if (site == NULL)
    return g_strdup ("unknown");

  if (dladdr (site, &info) == 0)
    return g_strdup_printf ("%p", site);

  object = info.dli_fname ? strrchr (info.dli_fname, '/') : NULL;
  object = object ? object + 1 : (info.dli_fname ? info.dli_fname : "?");

  if (info.dli_sname != NULL)
    return g_strdup_printf ("%s+0x%tx (%s)", info.dli_sname,
                            (const char *) site - (const char *) info.dli_saddr,
                            object);

  return g_strdup_printf ("%s+0x%tx", object,
                          (const char *) site - (const char *) info.dli_fbase);
}
