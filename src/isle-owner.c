/* isle-owner.c: the thread that owns an object, and the check
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdarg.h>

#include "isle-owner-private.h"

void
_isle_owner_init (IsleOwner *owner)
{
  owner->thread = _isle_thread_get_serial ();
  owner->description = g_strdup (_isle_thread_describe_self ());
}

void
_isle_owner_clear (IsleOwner *owner)
{
  g_clear_pointer (&owner->description, g_free);
}

void
_isle_owner_wrong_thread (const IsleOwner *owner,
                          const char      *function,
                          const char      *what,
                          gconstpointer    object,
                          const char      *advice_format,
                          ...)
{
  g_autofree char *advice = NULL;
  va_list args;

  va_start (args, advice_format);
  advice = g_strdup_vprintf (advice_format, args);
  va_end (args);

  g_error ("%s() called on thread %s, but %s %p belongs to thread %s: %s",
           function, _isle_thread_describe_self (), what, object,
           owner->description, advice);
}
