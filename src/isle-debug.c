/* isle-debug.c: ISLE_DEBUG and what diagnostics print
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

#if GLIB_SIZEOF_VOID_P == 8
# define ISLE_ELF_CLASS ELFCLASS64
#else
# define ISLE_ELF_CLASS ELFCLASS32
#endif

/* The function of the ELF file @map (@size bytes, loaded at @base) whose
 * code holds @address, from the file's full symbol table (.symtab), and
 * @address's offset into it; NULL when the file has no such table (it was
 * stripped) or is not what it claims. Every offset read from the file is
 * checked against its size and the alignment of what it points at; @map
 * must be aligned as an ELF header (mmap() and malloc() are). */
char *
_isle_debug_symtab_lookup (const guint8 *map,
                           gsize         size,
                           gconstpointer base,
                           gconstpointer address,
                           guintptr     *offset)
{
  const ElfW(Ehdr) *ehdr = (const ElfW(Ehdr) *) map;
  const ElfW(Shdr) *shdrs;
  guintptr target;

  if (size < sizeof *ehdr ||
      (guintptr) map % G_ALIGNOF (ElfW(Ehdr)) != 0 ||
      memcmp (ehdr->e_ident, ELFMAG, SELFMAG) != 0 ||
      ehdr->e_ident[EI_CLASS] != ISLE_ELF_CLASS ||
      ehdr->e_shentsize != sizeof (ElfW(Shdr)) ||
      ehdr->e_shoff > size ||
      ehdr->e_shoff % G_ALIGNOF (ElfW(Shdr)) != 0 ||
      ehdr->e_shnum > (size - ehdr->e_shoff) / sizeof (ElfW(Shdr)))
    return NULL;

  /* Symbols of a shared object or a position-independent program are
   * relative to where it was loaded; those of a fixed program are not. */
  target = (guintptr) address - (ehdr->e_type == ET_DYN ? (guintptr) base : 0);
  shdrs = (const ElfW(Shdr) *) (map + ehdr->e_shoff);

  for (guint i = 0; i < ehdr->e_shnum; i++)
    {
      const ElfW(Shdr) *symtab = &shdrs[i];
      const ElfW(Shdr) *strtab;
      const ElfW(Sym) *syms;
      const char *strings;
      gsize n_syms;

      if (symtab->sh_type != SHT_SYMTAB ||
          symtab->sh_entsize != sizeof (ElfW(Sym)) ||
          symtab->sh_offset > size || symtab->sh_size > size - symtab->sh_offset ||
          symtab->sh_offset % G_ALIGNOF (ElfW(Sym)) != 0 ||
          symtab->sh_link >= ehdr->e_shnum)
        continue;

      strtab = &shdrs[symtab->sh_link];
      if (strtab->sh_offset > size || strtab->sh_size > size - strtab->sh_offset)
        continue;

      syms = (const ElfW(Sym) *) (map + symtab->sh_offset);
      n_syms = symtab->sh_size / sizeof (ElfW(Sym));
      strings = (const char *) map + strtab->sh_offset;

      for (gsize j = 0; j < n_syms; j++)
        {
          const ElfW(Sym) *sym = &syms[j];

          if (ELF64_ST_TYPE (sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF ||
              target < sym->st_value || target - sym->st_value >= sym->st_size ||
              sym->st_name >= strtab->sh_size ||
              memchr (strings + sym->st_name, '\0', strtab->sh_size - sym->st_name) == NULL)
            continue;

          *offset = target - sym->st_value;
          return g_strdup (strings + sym->st_name);
        }
    }

  return NULL;
}

/* Names the function around @address in the object @path (loaded at
 * @base) from its static symbol table: dladdr() sees only the dynamic
 * symbols, and task bodies and signal handlers are mostly static
 * functions of a program. Only diagnostics call this. */
static char *
static_symbol_lookup (const char    *path,
                      gconstpointer  base,
                      gconstpointer  address,
                      guintptr      *offset)
{
  struct stat st;
  gpointer map;
  char *name;
  int fd;

  /* The main program is named as it was started, which may be relative
   * to a directory the program has left since. */
  if (!g_path_is_absolute (path))
    {
      g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
      g_autofree char *self_base = self ? g_path_get_basename (self) : NULL;
      g_autofree char *path_base = g_path_get_basename (path);

      if (self != NULL && g_strcmp0 (self_base, path_base) == 0)
        path = "/proc/self/exe";
    }

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size <= 0)
    {
      close (fd);
      return NULL;
    }

  map = mmap (NULL, (gsize) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close (fd);
  if (map == MAP_FAILED)
    return NULL;

  name = _isle_debug_symtab_lookup (map, (gsize) st.st_size, base, address, offset);
  munmap (map, (gsize) st.st_size);
  return name;
}

/* A code address as "symbol+0xoffset (object)", for spawn sites: the call
 * that spawned a task left its return address. Exported functions are
 * named by dladdr(), static ones from the object's symbol table when it
 * has one; an object without symbols gives "object+0xoffset", which
 * addr2line turns into a file and line. */
static char *
describe_site_uncached (gconstpointer site)
{
  Dl_info info = { 0, };
  const char *object;
  g_autofree char *static_name = NULL;
  guintptr static_offset = 0;

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

  if (info.dli_fname != NULL && info.dli_fname[0] != '\0')
    static_name = static_symbol_lookup (info.dli_fname, info.dli_fbase, site,
                                        &static_offset);
  if (static_name != NULL)
    return g_strdup_printf ("%s+0x%" G_GINTPTR_MODIFIER "x (%s)", static_name,
                            static_offset, object);

  return g_strdup_printf ("%s+0x%tx", object,
                          (const char *) site - (const char *) info.dli_fbase);
}

/* Every distinct site is described once per process: reading an object's
 * symbol table costs a mapping of the whole file and a walk of its
 * symbols (tens of microseconds), and a dump of 100,000 tasks from a
 * handful of spawn calls would otherwise pay it 100,000 times. The table
 * is bounded by the program's code, one entry per call that spawns, parks
 * or starts a wait, so it stays small; code is not unloaded while Isle
 * runs, so an entry never goes stale. Names are never freed: dumps and
 * IsleTaskInfo keep them. Objects are not kept mapped between misses,
 * since a mapping is what each fiber stack needs too, and the kernel
 * allows a process only so many. Islands on several threads share the
 * table. */
static GMutex site_lock;
static GHashTable *site_names;  /* protected by site_lock; site → (owned) name */
static guint n_sites_described; /* (atomic) the table's misses, for tests */

/* The description of @site ("symbol+0xoffset (object)"), kept for the
 * life of the process: do not free it. Safe to call from any thread. */
const char *
_isle_debug_lookup_site (gconstpointer site)
{
  char *name;

  if (site == NULL)
    return "unknown";

  g_mutex_lock (&site_lock);
  if (G_UNLIKELY (site_names == NULL))
    site_names = g_hash_table_new (NULL, NULL);
  name = g_hash_table_lookup (site_names, site);
  g_mutex_unlock (&site_lock);
  if (G_LIKELY (name != NULL))
    return name;

  /* Described outside the lock: it reads files. Two threads may both
   * describe a new site; the first to insert wins. */
  name = describe_site_uncached (site);
  g_atomic_int_inc (&n_sites_described);
  g_mutex_lock (&site_lock);
  {
    char *other = g_hash_table_lookup (site_names, site);

    if (other != NULL)
      {
        g_free (name);
        name = other;
      }
    else
      g_hash_table_insert (site_names, (gpointer) site, name);
  }
  g_mutex_unlock (&site_lock);

  return name;
}

/* How many sites were described from their objects rather than found in
 * the table: about one per distinct site, however many tasks share it.
 * Tests check that a dump does not read symbol tables per task. */
guint
_isle_debug_get_n_sites_described (void)
{
  return (guint) g_atomic_int_get (&n_sites_described);
}

/* As _isle_debug_lookup_site(), a copy for the caller to free. */
char *
_isle_debug_describe_site (gconstpointer site)
{
  return g_strdup (_isle_debug_lookup_site (site));
}
